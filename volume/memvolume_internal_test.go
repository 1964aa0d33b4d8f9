package volume

import (
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
