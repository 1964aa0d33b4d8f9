package volume

import (
	"strings"
	"testing"
)

// TestDirMemo checks that the remembered directories serve a run of
// links and are given up when their directory changes: one removed and
// made again under the same path in the same transaction must be the new
// directory, and a directory whose record was saved since must be
// checked again.
func TestDirMemo(t *testing.T) {
	v := memVolume(t, 64<<20)
	var oldDir, newDir uint64
	err := v.Update(func(tx *Tx) error {
		for _, op := range []func() error{
			func() error { return tx.Mkdir("/d") },
			func() error { return tx.Create("/f", strings.NewReader("x")) },
			func() error { return tx.Link("/f", "/d/l1") },
		} {
			if err := op(); err != nil {
				return err
			}
		}
		d, err := tx.resolve("/d")
		if err != nil {
			return err
		}
		oldDir = uint64(d.num())
		if got := tx.dirMemo.get(tx, "/d"); got != d {
			t.Errorf("after a link into /d, the memo gives %p, want /d's %p", got, d)
		}
		for _, op := range []func() error{
			func() error { return tx.Unlink("/d/l1") },
			func() error { return tx.Rmdir("/d") },
		} {
			if err := op(); err != nil {
				return err
			}
		}
		if got := tx.dirMemo.get(tx, "/d"); got != nil {
			t.Errorf("/d removed: the memo still gives record %d", got.num())
		}
		if err := tx.Mkdir("/d"); err != nil {
			return err
		}
		if err := tx.Link("/f", "/d/l2"); err != nil {
			return err
		}
		d, err = tx.resolve("/d")
		if err != nil {
			return err
		}
		newDir = uint64(d.num())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := v.Lookup("/d/l2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Lookup("/d/l1"); err == nil {
		t.Error("/d/l1 found after it was unlinked")
	}
	d, err := v.Lookup("/d")
	if err != nil {
		t.Fatal(err)
	}
	if uint64(d.Number()) != newDir {
		t.Errorf("/d is record %d, the transaction resolved %d (old /d was %d)", d.Number(), newDir, oldDir)
	}
	if f.LinkCount() != 2 {
		t.Errorf("/f has %d links, want 2", f.LinkCount())
	}
}
