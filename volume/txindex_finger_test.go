package volume

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// TestFingerFold checks lookups answered from the last leaf (fingerFold)
// against the search from the root (foldNode) in a directory edited
// between lookups: names added in order and at random, names equal but
// for case (several entries match one lookup), names deleted, looked up
// in order, in reverse, at random and in other case, present and absent.
// Whenever the finger answers, the answer must be the search's; names
// looked up in order must mostly be answered by it.
func TestFingerFold(t *testing.T) {
	inNewDir(t, func(tx *Tx, dfe *fileEdit, key func(string) []byte) {
		rng := rand.New(rand.NewPCG(4, 4))
		var present []string
		edit := func(name string, del bool) {
			t.Helper()
			x, err := tx.openIndex(dfe, nameI30, tx.nameCompare())
			if err != nil {
				t.Fatal(err)
			}
			if del {
				err = x.ed.Delete(key(name))
				present = slices.DeleteFunc(present, func(s string) bool { return s == name })
			} else {
				err = x.ed.Insert(index.Entry{Ref: dfe.ref(), Key: key(name)})
				present = append(present, name)
			}
			if err != nil {
				t.Fatalf("edit %q: %v", name, err)
			}
			if err := x.close(); err != nil {
				t.Fatal(err)
			}
		}
		hits, tries := 0, 0
		lookup := func(name string) {
			t.Helper()
			x, err := tx.openIndex(dfe, nameI30, tx.nameCompare())
			if err != nil {
				t.Fatal(err)
			}
			units := mft.NameUnits(name)
			got, ok := x.fingerFold(tx.v.upcase, units, nil)
			tries++
			want, err := x.foldNode(tx.v.upcase, units, index.NoVCN, &x.root.Node, 0, nil)
			if err != nil {
				t.Fatalf("lookup %q: %v", name, err)
			}
			if !ok {
				return
			}
			hits++
			names := func(es []index.Entry) []string {
				var s []string
				for _, e := range es {
					s = append(s, mft.NameString(keyName(e.Key)))
				}
				return s
			}
			if diff := cmp.Diff(names(want), names(got)); diff != "" {
				t.Fatalf("lookup %q answered by the finger (-want +got):\n%s", name, diff)
			}
		}
		sequential := func(what string, names []string) {
			t.Helper()
			h0, t0 := hits, tries
			for _, n := range names {
				lookup(n)
			}
			if h, n := hits-h0, tries-t0; 10*h < 8*n {
				t.Errorf("%s: the finger answered %d of %d lookups, want at least 80%%", what, h, n)
			}
		}

		var ordered []string
		for i := range 2500 {
			ordered = append(ordered, fmt.Sprintf("f%05d", i))
			edit(ordered[i], false)
			if i%3 == 0 {
				// The rightmost leaf, past every name: not there.
				lookup(fmt.Sprintf("f%05d", i+1))
			}
		}
		sequential("in order", ordered)
		var absent []string
		for _, n := range ordered {
			absent = append(absent, n+"x")
		}
		sequential("absent, in order", absent)
		sequential("upper case, in order", upper(ordered))
		for _, i := range rng.Perm(2500) {
			switch i % 4 {
			case 0:
				edit(fmt.Sprintf("F%05d", i), false) // equal but for case
			case 1:
				edit(fmt.Sprintf("f%05d", i), true)
			case 2:
				edit(fmt.Sprintf("g%05d-%d", rng.IntN(100000), i), false)
			}
			lookup(fmt.Sprintf("f%05d", i))
			lookup(fmt.Sprintf("f%05d", (i+1)%2500))
		}
		slices.SortFunc(present, func(a, b string) int { return tx.v.upcase.CompareNames(mft.NameUnits(a), mft.NameUnits(b)) })
		sequential("after edits, in order", present)
		for i := len(present) - 1; i >= 0; i-- {
			lookup(present[i])
		}
		for range 2000 {
			lookup(present[rng.IntN(len(present))])
		}
		sequential("after edits, upper case", upper(present))
		// Empty a run of leaves (blocks merged and freed, the finger's
		// among them), then look the run and its neighbours up in order.
		x, err := tx.openIndex(dfe, nameI30, tx.nameCompare())
		if err != nil {
			t.Fatal(err)
		}
		blocks := func() int {
			n := 0
			for _, b := range x.front {
				if b != nil {
					n++
				}
			}
			return n
		}
		before := blocks()
		for i := 500; i < 2000; i++ {
			if n := fmt.Sprintf("f%05d", i); slices.Contains(present, n) {
				edit(n, true)
			}
			if i%50 == 0 {
				lookup(fmt.Sprintf("f%05d", i+1))
			}
		}
		if after := blocks(); after >= before {
			t.Errorf("%d blocks before deleting a run of names, %d after: the test wants some freed", before, after)
		}
		var run []string
		for i := 400; i < 2100; i++ {
			run = append(run, fmt.Sprintf("f%05d", i))
		}
		sequential("over the deleted run", run)
		if hits == 0 {
			t.Error("the finger answered no lookup")
		}
		t.Logf("the finger answered %d of %d lookups", hits, tries)
	})
}

// inNewDir runs fn in a transaction on a fresh volume, with the new
// directory /d and its $FILE_NAME keys (POSIX names), then rolls the
// transaction back.
func inNewDir(t *testing.T, fn func(tx *Tx, dfe *fileEdit, key func(name string) []byte)) {
	t.Helper()
	v := memVolume(t, 32<<20)
	rollback := errors.New("roll back")
	err := v.Update(func(tx *Tx) error {
		if err := tx.Mkdir("/d"); err != nil {
			return err
		}
		dfe, err := tx.resolve("/d")
		if err != nil {
			return err
		}
		fn(tx, dfe, func(name string) []byte {
			fn := mft.FileName{Parent: dfe.ref(), Namespace: mft.NamespacePOSIX, Name: mft.NameUnits(name)}
			k, err := fn.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			return k
		})
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
}

func upper(names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, strings.ToUpper(n))
	}
	return out
}

// TestIndexSlot checks the block number of a sub-node VCN, by shift when
// the block size is a power-of-two multiple of the VCN unit and by
// division otherwise.
func TestIndexSlot(t *testing.T) {
	tests := []struct {
		bsize, unit int64
		vcn         mft.VCN
		want        int
	}{
		{4096, 4096, 0, 0},
		{4096, 4096, 7, 7},
		{4096, 1024, 8, 2},  // 4 KiB blocks in 1 KiB clusters
		{4096, 1024, 11, 2}, // inside block 2
		{1024, 512, 6, 3},   // blocks smaller than a cluster: VCNs in 512-byte units
		{3072, 1024, 9, 3},  // not a power of two: divided
		{4096, 4096, 1<<16 - 1, 1<<16 - 1},
		{4096, 4096, 1 << 16, -1}, // past what front keeps
		{4096, 4096, -1, -1},
		{4096, 512, 1 << 62, -1},
	}
	for _, tt := range tests {
		x := &txIndex{bsize: tt.bsize, unit: tt.unit, slotShift: slotShift(tt.bsize, tt.unit)}
		if got := x.slot(tt.vcn); got != tt.want {
			t.Errorf("block size %d, unit %d: slot(%d) = %d, want %d", tt.bsize, tt.unit, tt.vcn, got, tt.want)
		}
	}
}

// TestFingerAfterEdits looks names up through lookupFold, as the
// transaction does (the finger, else the search from the root that sets
// it), between random inserts and deletes that split, merge and rebalance
// leaves, and compares every answer with a model (TestFingerFold compares
// with the search from the root, which also moves the finger).
func TestFingerAfterEdits(t *testing.T) {
	inNewDir(t, func(tx *Tx, dfe *fileEdit, key func(string) []byte) {
		rng := rand.New(rand.NewPCG(8, 8))
		model := map[string]bool{} // present names
		open := func() *txIndex {
			x, err := tx.openIndex(dfe, nameI30, tx.nameCompare())
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		name := func(i int) string {
			if i%7 == 0 {
				return fmt.Sprintf("N%05d", i) // equal but for case to n…
			}
			return fmt.Sprintf("n%05d", i)
		}
		hits := 0
		const n = 6000
		cursor := 0
		for step := range 30000 {
			x := open()
			switch r := rng.IntN(10); {
			case r < 3: // an edit near the cursor or anywhere
				i := rng.IntN(n)
				if r == 0 {
					i = (cursor + rng.IntN(40) - 20 + n) % n
				}
				nm := name(i)
				if model[nm] {
					if err := x.ed.Delete(key(nm)); err != nil {
						t.Fatalf("step %d: delete %s: %v", step, nm, err)
					}
					delete(model, nm)
				} else {
					if err := x.ed.Insert(index.Entry{Ref: dfe.ref(), Key: key(nm)}); err != nil {
						t.Fatalf("step %d: insert %s: %v", step, nm, err)
					}
					model[nm] = true
				}
				if err := x.close(); err != nil {
					t.Fatal(err)
				}
			default: // a lookup, mostly moving on in order
				cursor = (cursor + 1 + rng.IntN(3)) % n
				if rng.IntN(20) == 0 {
					cursor = rng.IntN(n)
				}
				looked := strings.ToLower(name(cursor))
				var want []string
				for _, nm := range []string{looked, strings.ToUpper(looked[:1]) + looked[1:]} {
					if model[nm] {
						want = append(want, nm)
					}
				}
				slices.SortFunc(want, func(a, b string) int { return tx.v.upcase.CompareNames(mft.NameUnits(a), mft.NameUnits(b)) })
				if _, ok := x.fingerFold(tx.v.upcase, mft.NameUnits(looked), nil); ok {
					hits++
				}
				es, err := x.lookupFold(tx.v.upcase, mft.NameUnits(looked), nil)
				if err != nil {
					t.Fatalf("step %d: lookup %s: %v", step, looked, err)
				}
				var got []string
				for _, e := range es {
					got = append(got, mft.NameString(keyName(e.Key)))
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("step %d: lookup %s (-want +got):\n%s", step, looked, d)
				}
			}
		}
		if hits < 10000 {
			t.Errorf("the finger answered %d lookups, want most", hits)
		}
	})
}
