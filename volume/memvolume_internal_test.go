package volume

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/testutil"
)

// memVolume formats a volume of size bytes in memory and opens it for
// writing, with its journal in memory; it is closed when the test ends.
func memVolume(t *testing.T, size int) *Volume {
	t.Helper()
	dev := NewMemDevice(make([]byte, size), 512)
	if err := FormatOn(dev, 0, FormatOptions{}); err != nil {
		t.Fatal(err)
	}
	v, err := OpenWritableOn(dev, Options{}, WriteOptions{Journal: testutil.NewMemJournal()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// makeFiles creates directory dir (not the root) and n one-byte files in
// it, named by format with their index (Sprintf), in one transaction.
func makeFiles(t *testing.T, v *Volume, dir, format string, n int) {
	t.Helper()
	err := v.Update(func(tx *Tx) error {
		if err := tx.Mkdir(dir); err != nil {
			return err
		}
		for i := range n {
			if err := tx.Create(dir+"/"+fmt.Sprintf(format, i), strings.NewReader("x")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCreateNilReader checks that Create and WriteStream take a nil
// reader as no data (they used to panic on it).
func TestCreateNilReader(t *testing.T) {
	v := memVolume(t, 16<<20)
	err := v.Update(func(tx *Tx) error {
		if err := tx.Create("/empty", nil); err != nil {
			return err
		}
		return tx.WriteStream("/empty", "ads", nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := v.Lookup("/empty")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "ads"} {
		s, err := f.Stream(name)
		if err != nil {
			t.Fatalf("stream %q: %v", name, err)
		}
		if s.Size() != 0 {
			t.Errorf("stream %q: %d bytes, want 0", name, s.Size())
		}
	}
}
