package index

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ntfsedit/ntfsedit/mft"
)

// TestEditorInPlaceInOrder is TestEditorInPlace for names added in
// order (as a directory filled in order: every insert goes to the
// rightmost leaf, which splits again and again), then at random, then
// half of the first ones deleted and more added in order: the roots and
// the blocks' entries stay identical.
func TestEditorInPlaceInOrder(t *testing.T) {
	for _, bs := range []int{512, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			copied := newHarness(t, true, bs, 0x180)
			inPlace := newHarness(t, true, bs, 0x180)
			cs := &cachedStore{memStore: inPlace.ms, decoded: map[mft.VCN]*Block{}}
			inPlace.ed.Load, inPlace.ed.Store, inPlace.ed.Free, inPlace.ed.InPlace = cs.load, cs.store, cs.release, true

			rng := rand.New(rand.NewPCG(7, uint64(bs)))
			type op struct {
				del  bool
				name string
			}
			var ops []op
			for i := range 1500 {
				ops = append(ops, op{false, fmt.Sprintf("a%05d", i)})
			}
			for _, i := range rng.Perm(1500) {
				ops = append(ops, op{false, fmt.Sprintf("b%05d-%d", i, rng.IntN(1000))})
			}
			for _, i := range rng.Perm(1500)[:900] {
				ops = append(ops, op{true, fmt.Sprintf("a%05d", i)})
			}
			for i := range 600 {
				ops = append(ops, op{false, fmt.Sprintf("c%05d", i)})
			}
			same := func(step int) {
				t.Helper()
				a, b := copied.snapshot(), inPlace.snapshot()
				if d := bytesDiff(a.root, b.root); d != "" {
					t.Fatalf("step %d: roots differ (-copies +in place):\n%s", step, d)
				}
				if len(a.blocks) != len(b.blocks) {
					t.Fatalf("step %d: %d blocks in place, want %d", step, len(b.blocks), len(a.blocks))
				}
				for vcn, x := range a.blocks {
					if !sameEntries(vcn, x, b.blocks[vcn]) {
						t.Fatalf("step %d: blocks at VCN %d differ", step, vcn)
					}
				}
			}
			for i, o := range ops {
				key := nameKey(o.name)
				if o.del {
					copied.delete(key)
					inPlace.delete(key)
				} else {
					ref := mft.MakeFileRef(mft.RecordNumber(64+i), 1)
					copied.insert(key, ref)
					inPlace.insert(key, ref)
				}
				if i%97 == 0 {
					same(i)
				}
			}
			same(len(ops))
			inPlace.check(true)
			if inPlace.depth < 2 {
				t.Errorf("depth %d: the test wants splits below the root's sub-nodes", inPlace.depth)
			}
		})
	}
}

// TestEditorRootCheckedAfterLeafInsert: an insert that changes only a
// leaf still moves the root's entries down when the root no longer fits
// RootMax (a caller's record can leave less room than at the last edit).
func TestEditorRootCheckedAfterLeafInsert(t *testing.T) {
	h := newHarness(t, true, 512, 0x200)
	for i := range 200 {
		h.insert(nameKey(fmt.Sprintf("n%04d", 2*i)), mft.MakeFileRef(mft.RecordNumber(64+i), 1))
	}
	if h.ed.Root.IsLeaf() || len(h.ed.Root.Entries) < 2 {
		t.Fatalf("root has %d entries (leaf %v), want an index node with a key", len(h.ed.Root.Entries), h.ed.Root.IsLeaf())
	}
	v, err := h.ed.Root.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	before := len(h.ed.Root.Entries)
	calls := 0
	h.ed.RootMaxFunc = func() int { calls++; return len(v) - 8 }
	// Between two present names: goes into a leaf with room.
	h.insert(nameKey("n0101"), mft.MakeFileRef(1000, 1))
	if calls != 1 {
		t.Errorf("RootMaxFunc called %d times, want 1", calls)
	}
	if got := len(h.ed.Root.Entries); got != 1 || !h.ed.Root.Entries[0].HasChild() {
		t.Errorf("root has %d entries after the insert (had %d), want 1 pointing at the moved entries", got, before)
	}
	h.check(true)
}

// BenchmarkEditorAppend adds 10,000 names in name order to an empty
// index of 4 KiB blocks kept decoded (InPlace), as a transaction filling
// a directory does.
func BenchmarkEditorAppend(b *testing.B) {
	keys := make([][]byte, 10000)
	for i := range keys {
		keys[i] = nameKey(fmt.Sprintf("l%05d-0000", i))
	}
	b.ReportAllocs()
	for b.Loop() {
		h := newHarness(b, true, 4096, 0x1c0)
		cs := &cachedStore{memStore: h.ms, decoded: map[mft.VCN]*Block{}}
		// Blocks are kept decoded, not encoded per store: the benchmark
		// measures the Editor.
		h.ed.Load, h.ed.Free, h.ed.InPlace = cs.load, cs.release, true
		h.ed.Store = func(blk *Block) error {
			blk.AllocatedSize = 4096 - blockHeaderLen // as AppendBinary sets it
			cs.decoded[blk.VCN] = blk
			return nil
		}
		h.ed.Compare = fastNameCompare
		for i, k := range keys {
			if err := h.ed.Insert(Entry{Ref: mft.FileRef(64 + i), Key: k}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/insert")
}

// fastNameCompare orders $FILE_NAME keys of ASCII names as
// COLLATION_FILE_NAME does, without decoding them (the benchmark's
// Compare should not dominate it).
func fastNameCompare(a, b []byte) int {
	x, y := a[0x42:0x42+2*int(a[0x40])], b[0x42:0x42+2*int(b[0x40])]
	up := func(c byte) byte {
		if 'a' <= c && c <= 'z' {
			return c - 32
		}
		return c
	}
	for i := 0; i < len(x) && i < len(y); i += 2 {
		if p, q := up(x[i]), up(y[i]); p != q {
			return int(p) - int(q)
		}
	}
	if len(x) != len(y) {
		return len(x) - len(y)
	}
	return bytes.Compare(x, y)
}

// BenchmarkParseBlock decodes full 4 KiB INDX blocks of $I30 entries (as
// a lookup reading a directory does): ns per block.
func BenchmarkParseBlock(b *testing.B) {
	h := newHarness(b, true, 4096, 0x100)
	for i := range 400 {
		h.insert(nameKey(fmt.Sprintf("file-%05d.txt", i)), mft.FileRef(64+i))
	}
	var raws [][]byte
	var vcns []mft.VCN
	for vcn, raw := range h.ms.blocks {
		raws, vcns = append(raws, raw), append(vcns, vcn)
	}
	if len(raws) < 4 {
		b.Fatalf("%d blocks: too few", len(raws))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := i % len(raws)
		if _, err := ParseBlock(raws[k], vcns[k]); err != nil {
			b.Fatal(err)
		}
	}
}
