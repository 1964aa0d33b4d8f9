package index

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ntfsedit/ntfsedit/mft"
)

// TestEditorAppend checks that Append leaves the index byte for byte as
// inserting the same entries one by one does (root, blocks, and the
// blocks allocated), from indexes of several sizes and shapes (filled in
// random order, in increasing order, emptied again), with the tree's
// checks passing and LastKey giving the last key after each step.
func TestEditorAppend(t *testing.T) {
	for _, tc := range []struct {
		name        string
		before      int  // keys there first
		ordered     bool // inserted in increasing order
		deleted     int  // of them deleted again, at random
		appended    int
		blockSize   int
		rootMax     int
		inPlaceLoad bool
	}{
		{"empty index, a few", 0, false, 0, 5, 4096, 0x200, false},
		{"empty index, many", 0, false, 0, 3000, 4096, 0x200, false},
		{"root only", 3, false, 0, 2, 4096, 0x200, false},
		{"random tree", 2000, false, 0, 2500, 4096, 0x200, false},
		{"ordered tree", 2000, true, 0, 2500, 4096, 0x200, false},
		{"small blocks, deep", 3000, false, 0, 4000, 512, 0x100, false},
		{"emptied tree", 1500, false, 1500, 700, 1024, 0x180, false},
		{"half emptied", 1500, false, 900, 700, 1024, 0x180, false},
		{"in place", 2000, false, 0, 2500, 4096, 0x200, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			build := func() *edHarness {
				h := newHarness(t, true, tc.blockSize, tc.rootMax)
				rng := rand.New(rand.NewPCG(1, uint64(tc.before)))
				order := rng.Perm(tc.before)
				if tc.ordered {
					slices.Sort(order)
				}
				for i, p := range order {
					h.insert(nameKey(fmt.Sprintf("b%06d", p)), mft.MakeFileRef(mft.RecordNumber(64+i), 1))
				}
				for _, k := range rng.Perm(tc.before)[:tc.deleted] {
					h.delete(nameKey(fmt.Sprintf("b%06d", k)))
				}
				return h
			}
			var es []Entry
			for i := range tc.appended {
				es = append(es, Entry{Ref: mft.MakeFileRef(mft.RecordNumber(100000+i), 2), Key: nameKey(fmt.Sprintf("c%06d", i))})
			}
			one, all := build(), build()
			stores := one.ms.stores
			for _, e := range es {
				one.insert(e.Key, e.Ref)
			}
			if tc.inPlaceLoad {
				inPlace(all)
			}
			if err := all.ed.Append(slices.Clone(es)); err != nil {
				t.Fatalf("Append: %v", err)
			}
			for _, e := range es {
				all.keys = append(all.keys, e.Key)
				all.refs[string(e.Key)] = e.Ref
			}
			all.check(true)
			want, got := one.snapshot(), all.snapshot()
			if d := bytesDiff(want.root, got.root); d != "" {
				t.Errorf("root (-one by one +Append):\n%s", d)
			}
			// Blocks compared decoded: the bytes after the entries (and the
			// sector ends saved from them) are what earlier encodings
			// left, more of them one by one.
			if d := cmp.Diff(decoded(t, want.blocks, tc.blockSize), decoded(t, got.blocks, tc.blockSize)); d != "" {
				t.Errorf("blocks (-one by one +Append):\n%s", d)
			}
			// A leaf filled is stored once (with the parent and the new
			// block of its split), not once per entry.
			if n, m := got.stores-stores, want.stores-stores; len(es) > 200 && tc.blockSize >= 4096 && n*10 > m {
				t.Errorf("Append stored %d blocks, inserting one by one %d: want a tenth at most", n, m)
			}
			last, err := all.ed.LastKey()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(all.show(es[len(es)-1].Key), all.show(last)); d != "" {
				t.Errorf("LastKey (-want +got):\n%s", d)
			}
		})
	}
}

// appendedBlock is what a block holds, for comparisons.
type appendedBlock struct {
	Flags       NodeFlags
	IndexLength uint32
	Entries     []appendedEntry
}

type appendedEntry struct {
	Ref   mft.FileRef
	Flags EntryFlags
	Key   []byte
	Child mft.VCN
}

// decoded decodes every block of an in-memory allocation.
func decoded(t *testing.T, blocks map[mft.VCN][]byte, size int) map[mft.VCN]appendedBlock {
	t.Helper()
	out := map[mft.VCN]appendedBlock{}
	for vcn, raw := range blocks {
		b, err := ParseBlock(slices.Clone(raw), vcn)
		if err != nil {
			t.Fatalf("block %d: %v", vcn, err)
		}
		v := appendedBlock{Flags: b.Flags, IndexLength: b.IndexLength}
		for _, e := range b.Entries {
			v.Entries = append(v.Entries, appendedEntry{e.Ref, e.Flags, e.Key, e.Child})
		}
		out[vcn] = v
	}
	return out
}

// inPlace makes h's Editor change the blocks Load returns, as the
// writer's transactions do: Load hands out the harness's decoded copies.
func inPlace(h *edHarness) {
	h.ed.InPlace = true
}

// TestEditorAppendErrors checks that keys that do not go after every key
// in increasing order, or are too large, are refused before any change.
func TestEditorAppendErrors(t *testing.T) {
	h := newHarness(t, true, 1024, 0x180)
	for i := range 300 {
		h.insert(nameKey(fmt.Sprintf("m%04d", i*2)), mft.MakeFileRef(mft.RecordNumber(64+i), 1))
	}
	ref := mft.MakeFileRef(1000, 1)
	for _, tc := range []struct {
		name string
		keys []string
		want error
	}{
		{"below the last key", []string{"m0001", "z"}, ErrNotLast},
		{"equal to the last key", []string{"m0598"}, ErrNotLast},
		{"equal ignoring case", []string{"M0598"}, ErrNotLast},
		{"not increasing", []string{"n2", "n1"}, ErrNotLast},
		{"repeated", []string{"n1", "n1"}, ErrNotLast},
		{"too large", []string{"n1", string(make([]byte, 200))}, ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var es []Entry
			for _, k := range tc.keys {
				es = append(es, Entry{Ref: ref, Key: nameKey(k)})
			}
			s := h.snapshot()
			if err := h.ed.Append(es); !errors.Is(err, tc.want) {
				t.Fatalf("Append = %v, want %v", err, tc.want)
			}
			h.unchanged("Append refused", s)
		})
	}
	h.check(true)
	if err := h.ed.Append(nil); err != nil {
		t.Errorf("Append(nil) = %v", err)
	}
}

// TestLastKey checks LastKey on an empty index, and after deletes that
// empty the last leaf (the last key is then in a node above it).
func TestLastKey(t *testing.T) {
	h := newHarness(t, true, 512, 0x100)
	if k, err := h.ed.LastKey(); err != nil || k != nil {
		t.Fatalf("LastKey of an empty index = %q, %v; want nil, nil", k, err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for i, p := range rng.Perm(800) {
		h.insert(nameKey(fmt.Sprintf("k%04d", p)), mft.MakeFileRef(mft.RecordNumber(64+i), 1))
	}
	for len(h.keys) > 0 {
		got, err := h.ed.LastKey()
		if err != nil {
			t.Fatal(err)
		}
		if want := h.keys[len(h.keys)-1]; h.show(got) != h.show(want) {
			t.Fatalf("%d keys: LastKey = %s, want %s", len(h.keys), h.show(got), h.show(want))
		}
		// Delete the last keys, and some others.
		h.delete(h.keys[len(h.keys)-1])
		if len(h.keys) > 0 && rng.IntN(3) == 0 {
			h.delete(h.keys[rng.IntN(len(h.keys))])
		}
	}
	h.check(true)
}
