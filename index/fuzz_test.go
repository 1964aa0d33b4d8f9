package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ntfsedit/ntfsedit/mft"
)

// realSeeds returns the raw INDX blocks and $INDEX_ROOT values of the real
// images that are available here (none when tools or images are missing).
func realSeeds() (blocks, roots [][]byte) {
	for _, get := range []func() (*realVolume, error){windowsVolume, mkntfsVolume} {
		v, err := get()
		if err != nil {
			continue
		}
		for _, d := range v.dirs {
			roots = append(roots, d.root)
			if d.alloc == nil {
				continue
			}
			r, err := DecodeRoot(d.root)
			if err != nil {
				continue
			}
			for off := 0; off+int(r.BlockSize) <= len(d.alloc); off += int(r.BlockSize) {
				blocks = append(blocks, d.alloc[off:off+int(r.BlockSize)])
			}
		}
	}
	return blocks, roots
}

// protected returns the on-disk form of the fixup-free bytes b.
func protected(t testing.TB, b []byte) []byte {
	t.Helper()
	b = bytes.Clone(b)
	if err := mft.ProtectFixups(b); err != nil {
		t.Fatal(err)
	}
	return b
}

type entryView struct {
	Ref   mft.FileRef
	Flags EntryFlags
	Key   []byte
	Child mft.VCN
}

// diffEntries compares the entries' contents and reports the first
// difference (cmp.Diff over hundreds of entries is too slow for fuzzing).
func diffEntries(want, got []Entry) string {
	w, g := entryViews(want), entryViews(got)
	for i := range min(len(w), len(g)) {
		a, b := w[i], g[i]
		if a.Ref != b.Ref || a.Flags != b.Flags || a.Child != b.Child || !bytes.Equal(a.Key, b.Key) {
			return fmt.Sprintf("entry %d:\n-%v %v %d key % x\n+%v %v %d key % x", i, a.Ref, a.Flags, a.Child, a.Key, b.Ref, b.Flags, b.Child, b.Key)
		}
	}
	if len(w) != len(g) {
		return fmt.Sprintf("%d entries, want %d", len(g), len(w))
	}
	return ""
}

func entryViews(es []Entry) []entryView {
	var out []entryView
	for _, e := range es {
		out = append(out, entryView{e.Ref, e.Flags, e.Key, e.Child})
	}
	return out
}

// packedCopy returns n with every length and offset cleared, for the
// encoder to lay out again.
func packedCopy(n Node) Node {
	n.EntriesOffset, n.IndexLength, n.AllocatedSize = 0, 0, 0
	n.Entries = append([]Entry(nil), n.Entries...)
	for i := range n.Entries {
		e := &n.Entries[i]
		e.Length, e.KeyLength, e.raw = 0, 0, nil
	}
	return n
}

func FuzzParseBlock(f *testing.F) {
	blocks, _ := realSeeds()
	for _, b := range blocks {
		f.Add(b, true)
	}
	f.Add(protected(f, validBlock(f, false)), true)
	f.Add(protected(f, validBlock(f, true)), false)
	f.Add([]byte("INDX"), false)
	f.Fuzz(checkParseBlock)
}

func checkParseBlock(t *testing.T, data []byte, checkVCN bool) {
	{
		vcn := NoVCN
		if checkVCN && len(data) >= 0x18 {
			if v := mft.VCN(binary.LittleEndian.Uint64(data[0x10:])); v >= 0 {
				vcn = v
			}
		}
		orig := bytes.Clone(data)
		blk, err := ParseBlock(data, vcn)
		if !bytes.Equal(orig, data) {
			t.Fatal("ParseBlock modified its input")
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			if ce := (*CorruptError)(nil); errors.As(err, &ce) && ce.VCN != vcn {
				t.Fatalf("error %v names VCN %d, want %d", err, ce.VCN, vcn)
			}
			return
		}
		enc, err := blk.AppendBinary(nil, len(data))
		if err != nil {
			t.Fatalf("accepted block does not encode: %v", err)
		}
		if err := mft.ProtectFixups(enc); err != nil {
			t.Fatalf("ProtectFixups: %v", err)
		}
		if d := bytesDiff(data, enc); d != "" {
			t.Fatalf("re-encoding differs (-want +got):\n%s", d)
		}
		again, err := ParseBlock(enc, vcn)
		if err != nil {
			t.Fatalf("re-encoded block does not parse: %v", err)
		}
		// reflect.DeepEqual first: cmp.Diff is too slow for every input.
		// The kept bytes are equal too, as the encoding is.
		if !reflect.DeepEqual(blk, again) {
			t.Fatalf("re-decoded block differs (-want +got):\n%s", cmp.Diff(blk, again, ignoreRaw))
		}

		// The same entries laid out afresh (packed) decode to the same keys.
		p := &Block{LSN: blk.LSN, VCN: blk.VCN, Node: packedCopy(blk.Node)}
		penc, err := p.AppendBinary(nil, len(data))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("packed encoding: %v", err)
			}
			return
		}
		if err := mft.ProtectFixups(penc); err != nil {
			t.Fatal(err)
		}
		pb, err := ParseBlock(penc, blk.VCN)
		if err != nil {
			t.Fatalf("packed block does not parse: %v", err)
		}
		if diff := diffEntries(blk.Entries, pb.Entries); diff != "" {
			t.Fatalf("packed entries differ (-want +got):\n%s", diff)
		}
	}
}

func FuzzDecodeRoot(f *testing.F) {
	_, roots := realSeeds()
	for _, r := range roots {
		f.Add(r)
	}
	f.Add(validRoot(f, false))
	f.Add(validRoot(f, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		r, err := DecodeRoot(data)
		if !bytes.Equal(orig, data) {
			t.Fatal("DecodeRoot modified its input")
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		enc, err := r.AppendBinary(nil)
		if err != nil {
			t.Fatalf("accepted root does not encode: %v", err)
		}
		if d := bytesDiff(data, enc); d != "" {
			t.Fatalf("re-encoding differs (-want +got):\n%s", d)
		}
		again, err := DecodeRoot(enc)
		if err != nil {
			t.Fatalf("re-encoded root does not decode: %v", err)
		}
		if !reflect.DeepEqual(r, again) {
			t.Fatalf("re-decoded root differs (-want +got):\n%s", cmp.Diff(r, again, ignoreRaw))
		}

		p := &Root{AttrType: r.AttrType, Collation: r.Collation, BlockSize: r.BlockSize, ClustersPerBlock: r.ClustersPerBlock, Node: packedCopy(r.Node)}
		penc, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatalf("packed encoding: %v", err)
		}
		pr, err := DecodeRoot(penc)
		if err != nil {
			t.Fatalf("packed root does not decode: %v", err)
		}
		if diff := diffEntries(r.Entries, pr.Entries); diff != "" {
			t.Fatalf("packed entries differ (-want +got):\n%s", diff)
		}
		if pr.AllocatedSize != pr.IndexLength || len(penc) != 0x10+int(pr.IndexLength) {
			t.Fatalf("packed root: allocated %d, in use %d, value %d bytes", pr.AllocatedSize, pr.IndexLength, len(penc))
		}
	})
}

// byteReader hands out fuzz bytes, then zeros.
type byteReader []byte

func (r *byteReader) next() byte {
	if len(*r) == 0 {
		return 0
	}
	b := (*r)[0]
	*r = (*r)[1:]
	return b
}

// FuzzTreeWalk builds small random trees (sub-node pointers anywhere,
// including loops, missing and unused blocks, bad keys) from the input:
// Walk, WalkNodes and LookupFileName end without panicking, read each
// block at most once, and lookups only return matching names.
func FuzzTreeWalk(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 0xff, 1, 2, 0, 1, 1, 2, 2, 3, 1, 1, 4, 5, 1, 0, 1, 0, 2})
	f.Add([]byte{1, 0xff, 1, 1, 0, 0, 1, 0, 1, 0, 0})          // loop through the root's child
	f.Add([]byte{5, 0x0f, 1, 3, 1, 7, 2, 8, 3, 9, 4, 2, 1, 1}) // pointers past the blocks
	keys := map[byte][]byte{}
	key := func(t testing.TB, c byte) []byte {
		if k, ok := keys[c]; ok {
			return k
		}
		if c%17 == 16 {
			keys[c] = []byte{1, 2, 3} // not a $FILE_NAME
			return keys[c]
		}
		names := []string{"a", "A", "b", "B", "c", "é", "É", "dd", "DD", "z", "~", "0", "aa", "Aa", "b0", "ω"}
		keys[c] = fileNameKey(t, names[int(c)%len(names)])
		return keys[c]
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := byteReader(data)
		nBlocks := int(r.next()%8) + 1
		inUse := r.next()
		node := func() Node {
			var n Node
			child := r.next()%2 == 1
			if child {
				n.Flags = NodeHasChildren
			}
			nKeys := int(r.next() % 4)
			for i := 0; i <= nKeys; i++ {
				e := Entry{Ref: mft.FileRef(i)}
				if i == nKeys {
					e.Flags = EntryLast
				} else {
					e.Key = key(t, r.next())
				}
				if child {
					e.Flags |= EntryHasChild
					e.Child = mft.VCN(r.next() % byte(nBlocks+2)) // may be missing
				}
				n.Entries = append(n.Entries, e)
			}
			return n
		}
		tr := &Tree{Root: &Root{Node: node()}}
		blocks := map[mft.VCN]*Block{}
		for i := range nBlocks {
			blocks[mft.VCN(i)] = &Block{VCN: mft.VCN(i), Node: node()}
		}
		loads := map[mft.VCN]int{}
		tr.Load = func(vcn mft.VCN) (*Block, error) {
			loads[vcn]++
			if loads[vcn] > 1 {
				t.Fatalf("VCN %d loaded twice in one pass", vcn)
			}
			if b, ok := blocks[vcn]; ok {
				return b, nil
			}
			return nil, errors.New("no such block")
		}
		tr.InUse = func(vcn mft.VCN) bool { return vcn >= 8 || inUse&(1<<vcn) != 0 }
		stopAt := int(r.next())

		calls := 0
		_ = tr.Walk(func(e *Entry) error {
			calls++
			if e.IsLast() {
				t.Fatal("Walk passed a last entry")
			}
			if calls == stopAt {
				return ErrStop
			}
			return nil
		})
		if limit := 4 * (nBlocks + 1); calls > limit {
			t.Fatalf("Walk made %d calls, more than the %d keys", calls, limit)
		}
		clear(loads)
		visits := 0
		_ = tr.WalkNodes(func(mft.VCN, *Node, *Block) error { visits++; return nil })
		if visits > nBlocks+1 {
			t.Fatalf("WalkNodes visited %d nodes of %d", visits, nBlocks+1)
		}
		u := DefaultUpCase()
		for _, name := range []string{"a", "B", "é", "zz", "0"} {
			clear(loads)
			es, err := tr.LookupFileName(u, units(name))
			if err != nil {
				continue
			}
			for i := range es {
				fn, err := es[i].FileName()
				if err != nil || !u.EqualFold(fn.Name, units(name)) {
					t.Fatalf("LookupFileName(%q) returned %q (%v)", name, fn.NameString(), err)
				}
			}
		}
	})
}
