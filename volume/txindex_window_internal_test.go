package volume

import (
	"fmt"
	"testing"

	"github.com/ntfsedit/ntfsedit/mft"
)

// TestIndexWindowTouched reads a directory's INDX blocks in order, so
// that they come from the window read ahead: a block read twice must
// decode twice (the window's bytes were decoded in place the first
// time), and one with other bytes staged over it since the window was
// read must be read as staged (here block 3's bytes, which fail to decode
// as block 4), not from the window.
func TestIndexWindowTouched(t *testing.T) {
	v := memVolume(t, 64<<20)
	makeFiles(t, v, "/big", "file-with-a-longer-name-%04d", 2000)
	err := v.Update(func(tx *Tx) error {
		fe, err := tx.resolve("/big")
		if err != nil {
			return err
		}
		x, err := tx.openIndex(fe, nameI30, tx.nameCompare())
		if err != nil {
			return err
		}
		// Blocks base, base+1, … lie in the largest run of the
		// allocation, far enough from its end for a whole window.
		var run extent
		for _, e := range x.alloc.runs {
			if e.Length > run.Length {
				run = e
			}
		}
		cs := int64(v.clusterSize)
		base := int(int64(run.vcn) * cs / x.bsize)
		if (run.Length*cs)/x.bsize < indexAheadBytes/x.bsize+4 {
			t.Fatalf("largest run of the allocation is %d clusters: too short for the test", run.Length)
		}
		vcn := func(i int) mft.VCN { return mft.VCN(int64(base+i) * x.bsize / x.unit) }
		for i := range 2 {
			if _, err := x.read(vcn(i)); err != nil {
				return fmt.Errorf("block %d: %w", i, err)
			}
		}
		if len(x.win) < int(4*x.bsize) {
			t.Fatalf("window holds %d bytes after two blocks read in order, want four blocks' at least", len(x.win))
		}
		// Block 2 from the window, and again (decoded there already, it
		// must be read anew).
		for range 2 {
			if _, err := x.read(vcn(2)); err != nil {
				return fmt.Errorf("block 2: %w", err)
			}
		}
		// Block 3's bytes staged over block 4, not read yet: reading it
		// must see them (they fail to decode as block 4), not the window.
		b3 := make([]byte, x.bsize)
		if err := x.alloc.readFull(b3, int64(base+3)*x.bsize); err != nil {
			return err
		}
		r, ok := x.alloc.deviceRange(int64(base+4)*x.bsize, x.bsize)
		if !ok {
			t.Fatal("block 4 is not in one run")
		}
		if _, err := tx.v.ov.WriteAt(b3, r.off); err != nil {
			return err
		}
		if _, err := x.read(vcn(4)); err == nil {
			t.Error("block 4 read from the window after other bytes were staged over it")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
