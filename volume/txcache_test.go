package volume_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/testutil"
	"github.com/ntfsedit/ntfsedit/volume"
)

// Tests of what a transaction keeps decoded between its operations:
// files, indexes, INDX blocks encoded only at the end (or when read), and
// the directories its lookups resolved.

// TestTxSeesItsOwnBlocks reads, inside one transaction, directories whose
// INDX blocks the transaction changed and has not encoded yet: Rmdir reads
// the directory through the volume, not through the transaction's cache.
func TestTxSeesItsOwnBlocks(t *testing.T) {
	img := crashFresh(t)
	v, err := volume.OpenWritableOn(volume.NewMemDevice(img, 512), volume.Options{}, volume.WriteOptions{Journal: testutil.NewMemJournal(), Now: crashNow})
	if err != nil {
		t.Fatal(err)
	}
	const n = 300 // several INDX blocks
	err = v.Update(func(tx *volume.Tx) error {
		if err := tx.Mkdir("/d"); err != nil {
			return err
		}
		for i := range n {
			if err := tx.Create(fmt.Sprintf("/d/file-%03d.txt", i), strings.NewReader("x")); err != nil {
				return err
			}
		}
		if err := tx.Rmdir("/d"); !errors.Is(err, volume.ErrNotEmpty) {
			return fmt.Errorf("Rmdir of a full directory: %v, want ErrNotEmpty", err)
		}
		for i := range n - 1 {
			if err := tx.Remove(fmt.Sprintf("/d/file-%03d.txt", i)); err != nil {
				return err
			}
		}
		if err := tx.Rmdir("/d"); !errors.Is(err, volume.ErrNotEmpty) {
			return fmt.Errorf("Rmdir with one file left: %v, want ErrNotEmpty", err)
		}
		return tx.Mkdir("/e")
	})
	if err != nil {
		t.Fatal(err)
	}
	got := names(t, v, "d")
	if diff := cmp.Diff([]string{fmt.Sprintf("file-%03d.txt", n-1)}, got); diff != "" {
		t.Errorf("/d after the transaction (-want +got):\n%s", diff)
	}
	v.Close()
}

// TestTxDirectoryReplaced removes a directory and makes another of the
// same name in one transaction: lookups after it find the new one.
func TestTxDirectoryReplaced(t *testing.T) {
	img := crashFresh(t)
	v, err := volume.OpenWritableOn(volume.NewMemDevice(img, 512), volume.Options{}, volume.WriteOptions{Journal: testutil.NewMemJournal(), Now: crashNow})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	err = v.Update(func(tx *volume.Tx) error {
		for _, step := range []func() error{
			func() error { return tx.MkdirAll("/a/b") },
			func() error { return tx.Create("/a/b/old", strings.NewReader("1")) },
			func() error { return tx.Remove("/a/b/old") },
			func() error { return tx.Rmdir("/a/b") },
			func() error { return tx.Mkdir("/a/b") },
			func() error { return tx.Create("/a/b/new", strings.NewReader("2")) },
			// A failed operation in between changes nothing.
			func() error {
				if err := tx.Link("/a/b/new", "/a/b/new"); !errors.Is(err, volume.ErrExist) {
					return fmt.Errorf("Link over an existing name: %v, want ErrExist", err)
				}
				return nil
			},
			func() error { return tx.Link("/a/b/new", "/a/b/NEW2") },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"NEW2", "new"}, names(t, v, "a/b")); diff != "" {
		t.Errorf("/a/b (-want +got):\n%s", diff)
	}
	f, err := v.Lookup("/a/b/new")
	if err != nil {
		t.Fatal(err)
	}
	if f.LinkCount() != 2 {
		t.Errorf("/a/b/new has %d links, want 2", f.LinkCount())
	}
}

func names(t *testing.T, v *volume.Volume, dir string) []string {
	t.Helper()
	ents, err := v.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}
