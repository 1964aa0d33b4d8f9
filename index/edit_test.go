package index

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/ntfsedit/ntfsedit/mft"
)

// memStore is an in-memory $INDEX_ALLOCATION: Store encodes a block with
// AppendBinary and ProtectFixups, Load decodes it again with ParseBlock,
// so every block the Editor writes goes through the real codec.
type memStore struct {
	size      int
	blocks    map[mft.VCN][]byte // protected on-disk bytes
	allocated map[mft.VCN]bool
	free      []mft.VCN // freed VCNs, reused first
	next      mft.VCN
	fail      map[mft.VCN]error // Load errors to inject

	loads, stores, allocs, frees int
}

func newMemStore(size int) *memStore {
	return &memStore{size: size, blocks: make(map[mft.VCN][]byte), allocated: make(map[mft.VCN]bool), fail: make(map[mft.VCN]error)}
}

func (m *memStore) peek(vcn mft.VCN) (*Block, error) {
	if err := m.fail[vcn]; err != nil {
		return nil, err
	}
	b, ok := m.blocks[vcn]
	if !ok {
		return nil, fmt.Errorf("test: no block at VCN %d", vcn)
	}
	return ParseBlock(b, vcn)
}

func (m *memStore) load(vcn mft.VCN) (*Block, error) {
	m.loads++
	return m.peek(vcn)
}

func (m *memStore) store(b *Block) error {
	m.stores++
	if !m.allocated[b.VCN] {
		return fmt.Errorf("test: store to VCN %d, which is not allocated", b.VCN)
	}
	raw, err := b.AppendBinary(nil, m.size)
	if err != nil {
		return err
	}
	if err := mft.ProtectFixups(raw); err != nil {
		return err
	}
	m.blocks[b.VCN] = raw
	return nil
}

func (m *memStore) alloc() (mft.VCN, error) {
	m.allocs++
	var vcn mft.VCN
	if n := len(m.free); n > 0 {
		vcn, m.free = m.free[n-1], m.free[:n-1]
	} else {
		vcn = m.next
		m.next++
	}
	m.allocated[vcn] = true
	return vcn, nil
}

func (m *memStore) release(vcn mft.VCN) error {
	m.frees++
	if !m.allocated[vcn] {
		return fmt.Errorf("test: free of VCN %d, which is not allocated", vcn)
	}
	delete(m.allocated, vcn)
	delete(m.blocks, vcn)
	m.free = append(m.free, vcn)
	return nil
}

func (m *memStore) inUse(vcn mft.VCN) bool { return m.allocated[vcn] }

// fileNameCompare is COLLATION_FILE_NAME on $FILE_NAME keys.
func fileNameCompare(u UpCase) func(a, b []byte) int {
	return func(a, b []byte) int {
		fa, err := mft.DecodeFileName(a)
		if err != nil {
			panic(err)
		}
		fb, err := mft.DecodeFileName(b)
		if err != nil {
			panic(err)
		}
		return u.CompareNames(fa.Name, fb.Name)
	}
}

// ulongsCompare is COLLATION_NTOFS_ULONGS: a sequence of little-endian
// u32 ($R keys: tag, then the file reference's low and high halves).
func ulongsCompare(a, b []byte) int {
	for i := 0; i+4 <= len(a) && i+4 <= len(b); i += 4 {
		if x, y := le.Uint32(a[i:]), le.Uint32(b[i:]); x != y {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(len(a), len(b))
}

func reparseKey(tag uint32, ref mft.FileRef) []byte {
	k := make([]byte, 12)
	le.PutUint32(k, tag)
	le.PutUint64(k[4:], uint64(ref))
	return k
}

func nameKey(name string) []byte {
	fn := mft.FileName{Parent: mft.MakeFileRef(5, 5), Namespace: mft.NamespacePOSIX, Name: units(name)}
	b, err := fn.AppendBinary(nil)
	if err != nil {
		panic(err)
	}
	return b
}

// edHarness runs an Editor against a sorted-slice model.
type edHarness struct {
	t         testing.TB
	ms        *memStore
	ed        *Editor
	keys      [][]byte // the model, in Compare order
	refs      map[string]mft.FileRef
	fileNames bool // keys are $FILE_NAME values
	u         UpCase
	depth     int // leaf depth at the last check
}

func newHarness(t testing.TB, fileNames bool, blockSize, rootMax int) *edHarness {
	h := &edHarness{t: t, ms: newMemStore(blockSize), refs: make(map[string]mft.FileRef), fileNames: fileNames, u: DefaultUpCase()}
	root := &Root{BlockSize: uint32(blockSize), ClustersPerBlock: 1, Node: Node{Entries: []Entry{{Flags: EntryLast}}}}
	compare := ulongsCompare
	if fileNames {
		root.AttrType, root.Collation = mft.AttrFileName, CollationFileName
		compare = fileNameCompare(h.u)
	} else {
		root.Collation = CollationULongs
	}
	h.ed = &Editor{
		Root: root, RootMax: rootMax, BlockSize: blockSize, Compare: compare,
		Load: h.ms.load, Store: h.ms.store, Alloc: h.ms.alloc, Free: h.ms.release,
	}
	return h
}

// snapshot is everything an Editor may change.
type snapshot struct {
	root                  []byte
	blocks                map[mft.VCN][]byte
	stores, allocs, frees int
}

func (h *edHarness) snapshot() snapshot {
	h.t.Helper()
	r, err := h.ed.Root.AppendBinary(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return snapshot{r, maps.Clone(h.ms.blocks), h.ms.stores, h.ms.allocs, h.ms.frees}
}

func (h *edHarness) unchanged(op string, s snapshot) {
	h.t.Helper()
	now := h.snapshot()
	if d := bytesDiff(s.root, now.root); d != "" {
		h.t.Errorf("%s changed the root:\n%s", op, d)
	}
	if !maps.EqualFunc(s.blocks, now.blocks, bytes.Equal) {
		h.t.Errorf("%s changed blocks", op)
	}
	if s.stores != now.stores || s.allocs != now.allocs || s.frees != now.frees {
		h.t.Errorf("%s: Store/Alloc/Free called %d/%d/%d times, want none", op, now.stores-s.stores, now.allocs-s.allocs, now.frees-s.frees)
	}
}

func (h *edHarness) show(k []byte) string {
	if h.fileNames {
		fn, err := mft.DecodeFileName(k)
		if err != nil {
			return "bad key " + hex.EncodeToString(k)
		}
		return fn.NameString()
	}
	return hex.EncodeToString(k)
}

func (h *edHarness) insert(key []byte, ref mft.FileRef) {
	h.t.Helper()
	i, found := slices.BinarySearchFunc(h.keys, key, h.ed.Compare)
	var s snapshot
	if found {
		s = h.snapshot()
	}
	err := h.ed.Insert(Entry{Ref: ref, Key: key})
	if found {
		if !errors.Is(err, ErrExists) {
			h.t.Fatalf("Insert(%q) of a present key = %v, want ErrExists", h.show(key), err)
		}
		h.unchanged("Insert of a present key", s)
		return
	}
	if err != nil {
		h.t.Fatalf("Insert(%q): %v", h.show(key), err)
	}
	h.keys = slices.Insert(h.keys, i, key)
	h.refs[string(key)] = ref
}

// appendAfter appends n names after every name of the index with Append
// (the last name with a suffix: a longer name sorts after its prefix),
// or, when op is odd and the index has names, tries to append one of its
// names and requires ErrNotLast and no change.
func (h *edHarness) appendAfter(n, op int) {
	h.t.Helper()
	last := ""
	if k := len(h.keys); k > 0 {
		fn, err := mft.DecodeFileName(h.keys[k-1])
		if err != nil {
			h.t.Fatal(err)
		}
		last = fn.NameString()
		if op%2 == 1 {
			s := h.snapshot()
			present := h.keys[op%k]
			if err := h.ed.Append([]Entry{{Ref: 1, Key: present}}); !errors.Is(err, ErrNotLast) {
				h.t.Fatalf("Append of the present %q = %v, want ErrNotLast", h.show(present), err)
			}
			h.unchanged("Append of a present key", s)
			return
		}
	}
	if n := len(mft.NameUnits(last)); n > 200 || h.ed.BlockSize < 4096 && n > 20 || len(h.keys) > 128 {
		return // names no longer than the others, and few enough to check after every step
	}
	var es []Entry
	for i := range n {
		es = append(es, Entry{Ref: mft.MakeFileRef(mft.RecordNumber(1000+op), uint16(i+1)), Key: nameKey(fmt.Sprintf("%s~%02d", last, i))})
	}
	if err := h.ed.Append(es); err != nil {
		h.t.Fatalf("Append of %d names after %q: %v", n, last, err)
	}
	for _, e := range es {
		h.keys = append(h.keys, e.Key)
		h.refs[string(e.Key)] = e.Ref
	}
}

func (h *edHarness) delete(key []byte) {
	h.t.Helper()
	i, found := slices.BinarySearchFunc(h.keys, key, h.ed.Compare)
	var s snapshot
	if !found {
		s = h.snapshot()
	}
	err := h.ed.Delete(key)
	if !found {
		if !errors.Is(err, ErrNotFound) {
			h.t.Fatalf("Delete(%q) of an absent key = %v, want ErrNotFound", h.show(key), err)
		}
		h.unchanged("Delete of an absent key", s)
		return
	}
	if err != nil {
		h.t.Fatalf("Delete(%q): %v", h.show(key), err)
	}
	h.keys = slices.Delete(h.keys, i, i+1)
	delete(h.refs, string(key))
}

// check compares the index with the model and checks its shape: the root
// round-trips within RootMax, every leaf is at the same depth, every block
// but the root holds a key, every allocated block is reached exactly once
// and none else. lookups also looks every name up with LookupFileName.
func (h *edHarness) check(lookups bool) {
	h.t.Helper()
	v, err := h.ed.Root.AppendBinary(nil)
	if err != nil {
		h.t.Fatalf("encode root: %v", err)
	}
	if len(v) > h.ed.RootMax {
		h.t.Fatalf("root is %d bytes, RootMax %d", len(v), h.ed.RootMax)
	}
	r, err := DecodeRoot(v)
	if err != nil {
		h.t.Fatalf("decode root: %v", err)
	}
	h.ed.Root = r
	tree := &Tree{Root: r, Load: h.ms.peek, InUse: h.ms.inUse}

	got := []string{}
	err = tree.Walk(func(e *Entry) error {
		got = append(got, h.show(e.Key))
		if want := h.refs[string(e.Key)]; e.Ref != want {
			return fmt.Errorf("entry %q: ref %#x, want %#x", h.show(e.Key), e.Ref, want)
		}
		return nil
	})
	if err != nil {
		h.t.Fatalf("Walk: %v", err)
	}
	want := make([]string, len(h.keys))
	for i, k := range h.keys {
		want[i] = h.show(k)
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		h.t.Fatalf("Walk (-want +got):\n%s", diff)
	}

	reached := make(map[mft.VCN]bool)
	leafDepth := -1
	var visit func(vcn mft.VCN, n *Node, depth int)
	visit = func(vcn mft.VCN, n *Node, depth int) {
		if vcn != NoVCN && len(n.Entries) < 2 {
			h.t.Errorf("INDX block at VCN %d holds no key", vcn)
		}
		if n.IsLeaf() {
			if leafDepth < 0 {
				leafDepth = depth
			} else if depth != leafDepth {
				h.t.Errorf("leaf at VCN %d has depth %d, another %d", vcn, depth, leafDepth)
			}
			return
		}
		for _, e := range n.Entries {
			if reached[e.Child] {
				h.t.Fatalf("VCN %d reached twice", e.Child)
			}
			reached[e.Child] = true
			blk, err := h.ms.peek(e.Child)
			if err != nil {
				h.t.Fatal(err)
			}
			visit(e.Child, &blk.Node, depth+1)
		}
	}
	visit(NoVCN, &r.Node, 0)
	h.depth = leafDepth
	if diff := gocmp.Diff(slices.Sorted(maps.Keys(h.ms.allocated)), slices.Sorted(maps.Keys(reached))); diff != "" {
		h.t.Errorf("allocated blocks (-want) vs reached (+got):\n%s", diff)
	}
	if n := h.ms.allocs - h.ms.frees; n != len(reached) {
		h.t.Errorf("Alloc - Free = %d, %d blocks reached", n, len(reached))
	}
	if len(h.ms.blocks) != len(h.ms.allocated) {
		h.t.Errorf("%d blocks stored, %d allocated", len(h.ms.blocks), len(h.ms.allocated))
	}
	if len(h.keys) == 0 && (!r.IsLeaf() || len(r.Entries) != 1) {
		h.t.Errorf("empty index: root flags %v with %d entries, want a leaf with an end entry", r.Flags, len(r.Entries))
	}

	if lookups && h.fileNames {
		for _, k := range h.keys {
			fn, _ := mft.DecodeFileName(k)
			es, err := tree.LookupFileName(h.u, fn.Name)
			if err != nil {
				h.t.Fatalf("LookupFileName(%q): %v", fn.NameString(), err)
			}
			if !slices.ContainsFunc(es, func(e Entry) bool { return bytes.Equal(e.Key, k) && e.Ref == h.refs[string(k)] }) {
				h.t.Fatalf("LookupFileName(%q) = %d entries without it", fn.NameString(), len(es))
			}
		}
	}
}

// nameGen makes file names: ASCII, non-ASCII (including a surrogate
// pair), case variants of names already in use, and long names.
type nameGen struct {
	rng     *rand.Rand
	maxLen  int // in UTF-16 code units
	letters []rune
}

func newNameGen(seed uint64, maxLen int) *nameGen {
	return &nameGen{
		rng:     rand.New(rand.NewPCG(seed, 1)),
		maxLen:  maxLen,
		letters: []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._- éÉßàÀøØαΑωΩжЖдДǆǅǄ日本語ÿŸ🙂"),
	}
}

func (g *nameGen) name(existing []string) string {
	switch k := g.rng.IntN(10); {
	case k < 2 && len(existing) > 0:
		// a case variant of a name in use (or the name itself)
		rs := []rune(existing[g.rng.IntN(len(existing))])
		for i := range rs {
			if g.rng.IntN(2) == 0 {
				rs[i] = []rune(strings.ToUpper(string(rs[i])))[0]
			} else {
				rs[i] = []rune(strings.ToLower(string(rs[i])))[0]
			}
		}
		if s := string(rs); len(units(s)) <= g.maxLen {
			return s
		}
	case k < 3 && g.maxLen > 200:
		n := 200 + g.rng.IntN(g.maxLen-199)
		return strings.Repeat(string(g.letters[g.rng.IntN(26)]), n-8) + fmt.Sprintf("%08x", g.rng.Uint32())
	}
	var sb strings.Builder
	n := 1 + g.rng.IntN(min(g.maxLen, 24))
	for len(units(sb.String())) < n {
		sb.WriteRune(g.letters[g.rng.IntN(len(g.letters))])
	}
	s := sb.String()
	for len(units(s)) > g.maxLen {
		s = string([]rune(s)[:len([]rune(s))-1])
	}
	return s
}

func (h *edHarness) names() []string {
	out := make([]string, len(h.keys))
	for i, k := range h.keys {
		out[i] = h.show(k)
	}
	return out
}

func TestEditorRandomFileNames(t *testing.T) {
	tests := []struct {
		name               string
		blockSize, rootMax int
		maxLen             int
		ops                int
	}{
		{"4K small root", 4096, 0x100, 255, 3000},
		{"4K large root", 4096, 0x600, 255, 3000},
		{"512 small root", 512, 0x100, 25, 3000},
		{"512 root larger than a block", 512, 0x800, 25, 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, true, tt.blockSize, tt.rootMax)
			g := newNameGen(uint64(tt.blockSize+tt.rootMax), tt.maxLen)
			maxDepth := 0
			for i := range tt.ops {
				names := h.names()
				if g.rng.IntN(10) < 6 || len(names) == 0 {
					h.insert(nameKey(g.name(names)), mft.MakeFileRef(mft.RecordNumber(100+i), uint16(i)))
				} else if g.rng.IntN(8) == 0 {
					h.delete(nameKey(g.name(nil))) // mostly absent
				} else {
					h.delete(h.keys[g.rng.IntN(len(h.keys))])
				}
				if i < 300 || i%20 == 0 {
					h.check(i%250 == 0)
					maxDepth = max(maxDepth, h.depth)
				}
			}
			h.check(true)
			if maxDepth < 2 {
				t.Errorf("tree reached depth %d only; the test wants several levels", maxDepth)
			}
			// Delete the rest in random order, down to an empty root leaf.
			for len(h.keys) > 0 {
				h.delete(h.keys[g.rng.IntN(len(h.keys))])
				if len(h.keys) < 300 || len(h.keys)%20 == 0 {
					h.check(len(h.keys)%250 == 0)
				}
			}
			if len(h.ms.allocated) != 0 {
				t.Errorf("empty index keeps %d blocks", len(h.ms.allocated))
			}
			t.Logf("max depth %d; Load %d, Store %d, Alloc %d, Free %d", maxDepth, h.ms.loads, h.ms.stores, h.ms.allocs, h.ms.frees)
		})
	}
}

func TestEditorRandomReparse(t *testing.T) {
	for _, bs := range []int{512, 4096} {
		t.Run(fmt.Sprint(bs), func(t *testing.T) {
			h := newHarness(t, false, bs, 0x100)
			rng := rand.New(rand.NewPCG(uint64(bs), 2))
			tags := []uint32{0xA0000003, 0xA000000C, 0x80000017, 0x9000001A}
			maxDepth := 0
			for i := range 4000 {
				// Few tags and record numbers that differ in both halves of
				// the reference, so every u32 of the key decides somewhere.
				ref := mft.MakeFileRef(mft.RecordNumber(rng.IntN(300))<<(32*rng.IntN(2)), uint16(rng.IntN(3)))
				key := reparseKey(tags[rng.IntN(len(tags))], ref)
				if rng.IntN(10) < 6 {
					h.insert(key, 0x1C) // data offset 0x1C, no data
				} else {
					h.delete(key)
				}
				if i < 300 || i%20 == 0 {
					h.check(false)
					maxDepth = max(maxDepth, h.depth)
				}
			}
			if maxDepth < 2 {
				t.Errorf("tree reached depth %d only", maxDepth)
			}
			for len(h.keys) > 0 {
				h.delete(h.keys[rng.IntN(len(h.keys))])
				if len(h.keys) < 300 || len(h.keys)%20 == 0 {
					h.check(false)
				}
			}
		})
	}
}

func TestUlongsCompare(t *testing.T) {
	tests := []struct {
		a, b []byte
		want int
	}{
		{reparseKey(1, 5), reparseKey(1, 5), 0},
		{reparseKey(1, 5), reparseKey(2, 0), -1},
		{reparseKey(0x100, 0), reparseKey(0xFF, 1), 1},                                              // u32, not bytes
		{reparseKey(1, 1<<32), reparseKey(1, 2), -1},                                                // low half before high half
		{reparseKey(1, 0xFFFFFFFF), reparseKey(1, 1<<32), 1},                                        // low half before high half
		{reparseKey(0xA000000C, 0x100), reparseKey(0xA0000003, 0xFFFF), 1},                          // tag first
		{reparseKey(0xA0000003, 0x0001000000000005), reparseKey(0xA0000003, 0x0002000000000004), 1}, // low half decides
	}
	for _, tt := range tests {
		if got := ulongsCompare(tt.a, tt.b); got != tt.want {
			t.Errorf("ulongsCompare(%x, %x) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestEditorGrowShrink grows a tree of 512-byte blocks and a small root
// past several levels, then deletes everything, checking after each step.
func TestEditorGrowShrink(t *testing.T) {
	h := newHarness(t, true, 512, 0x100)
	rng := rand.New(rand.NewPCG(3, 3))
	var names []string
	for i := range 1200 {
		names = append(names, fmt.Sprintf("f%05d-%s", i, strings.Repeat("x", rng.IntN(12))))
	}
	maxDepth := 0
	for i, n := range names {
		h.insert(nameKey(n), mft.MakeFileRef(mft.RecordNumber(i+64), 1))
		if i < 300 || i%10 == 0 {
			h.check(i%500 == 0)
			maxDepth = max(maxDepth, h.depth)
		}
	}
	h.check(true)
	if maxDepth < 4 {
		t.Errorf("depth %d, want at least 4", maxDepth)
	}
	rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for i, n := range names {
		h.delete(nameKey(n))
		if i > len(names)-300 || i%10 == 0 {
			h.check(i%500 == 0)
		}
	}
	if !h.ed.Root.IsLeaf() || len(h.ed.Root.Entries) != 1 || len(h.ms.allocated) != 0 {
		t.Errorf("after deleting all: root flags %v, %d entries, %d blocks", h.ed.Root.Flags, len(h.ed.Root.Entries), len(h.ms.allocated))
	}
	t.Logf("depth %d; Alloc %d, Free %d", maxDepth, h.ms.allocs, h.ms.frees)
}

// TestSetChild checks that an entry keeping its decoded layout gains and
// loses the sub-node VCN without losing the view-index data between its
// key and the VCN, and that a packed entry stays packed.
func TestSetChild(t *testing.T) {
	raw := make([]byte, 0x20)
	le.PutUint16(raw, 0x1C)  // data offset
	le.PutUint16(raw[2:], 4) // data length
	le.PutUint16(raw[8:], 0x20)
	le.PutUint16(raw[0x0A:], 12)
	copy(raw[0x10:], reparseKey(0xA000000C, mft.MakeFileRef(42, 3)))
	copy(raw[0x1C:], "DATA")
	e, err := decodeEntry(raw)
	if err != nil {
		t.Fatal(err)
	}
	setChild(&e, true, 77)
	b, err := appendEntry(nil, &e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeEntry(b)
	if err != nil {
		t.Fatal(err)
	}
	data, err := got.Data()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 0x28 || got.Child != 77 || !got.HasChild() || string(data) != "DATA" || !bytes.Equal(got.Key, e.Key) {
		t.Errorf("with child: %d bytes, child %d, flags %v, data %q", len(b), got.Child, got.Flags, data)
	}
	setChild(&got, false, 0)
	back, err := appendEntry(nil, &got)
	if err != nil {
		t.Fatal(err)
	}
	if d := bytesDiff(raw, back); d != "" {
		t.Errorf("child removed again:\n%s", d)
	}

	packed := Entry{Key: nameKey("x")}
	setChild(&packed, true, 5)
	if n := packed.encodedLen(); n != align8(entryHeaderLen+len(packed.Key))+8 || packed.Length != 0 {
		t.Errorf("packed entry with child: length %d (field %d)", n, packed.Length)
	}
}

// buildLarge fills a harness with n names without the model (whose
// sorted-slice inserts would be quadratic) and checks the result once.
func buildLarge(tb testing.TB, n int) *edHarness {
	h := newHarness(tb, true, 4096, 0x200)
	rng := rand.New(rand.NewPCG(100, 100))
	for i, p := range rng.Perm(n) {
		key := nameKey(fmt.Sprintf("file-%06d.dat", p))
		if err := h.ed.Insert(Entry{Ref: mft.MakeFileRef(mft.RecordNumber(64+i), 1), Key: key}); err != nil {
			tb.Fatalf("Insert %d: %v", i, err)
		}
	}
	return h
}

// TestEditorCostAt100k counts Load and Store calls of inserts and deletes
// in a tree of 100,000 names: the Editor loads the path from the root and,
// when deleting, at most one sibling per level; it stores only what it
// changed.
func TestEditorCostAt100k(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-entry index")
	}
	const n = 100_000
	h := buildLarge(t, n)
	count := 0
	prev := []byte(nil)
	err := (&Tree{Root: h.ed.Root, Load: h.ms.peek}).Walk(func(e *Entry) error {
		if prev != nil && h.ed.Compare(prev, e.Key) >= 0 {
			return fmt.Errorf("entry %d out of order", count)
		}
		prev = bytes.Clone(e.Key)
		count++
		return nil
	})
	if err != nil || count != n {
		t.Fatalf("Walk: %d entries, %v", count, err)
	}
	// Depth: levels of blocks below the root.
	depth := 0
	for nd := &h.ed.Root.Node; !nd.IsLeaf(); depth++ {
		blk, err := h.ms.peek(nd.Entries[0].Child)
		if err != nil {
			t.Fatal(err)
		}
		nd = &blk.Node
	}
	measure := func(op string, keys [][]byte, do func(k []byte) error, maxLoads, maxStores int) {
		t.Helper()
		loads, stores, worstL, worstS := 0, 0, 0, 0
		for _, k := range keys {
			l0, s0 := h.ms.loads, h.ms.stores
			if err := do(k); err != nil {
				t.Fatalf("%s: %v", op, err)
			}
			dl, ds := h.ms.loads-l0, h.ms.stores-s0
			loads, stores = loads+dl, stores+ds
			worstL, worstS = max(worstL, dl), max(worstS, ds)
		}
		t.Logf("%s at %d entries, depth %d: Load %.2f (max %d), Store %.2f (max %d) per call",
			op, n, depth, float64(loads)/float64(len(keys)), worstL, float64(stores)/float64(len(keys)), worstS)
		if worstL > maxLoads || worstS > maxStores {
			t.Errorf("%s: up to %d loads and %d stores, want at most %d and %d", op, worstL, worstS, maxLoads, maxStores)
		}
	}
	var fresh, old [][]byte
	for i := range 2000 {
		fresh = append(fresh, nameKey(fmt.Sprintf("new-%06d.dat", i*37%2000)))
		old = append(old, nameKey(fmt.Sprintf("file-%06d.dat", i*48271%n)))
	}
	insert := func(k []byte) error { return h.ed.Insert(Entry{Ref: 99, Key: k}) }
	measure("Insert", fresh, insert, depth, 2*depth+1)
	measure("Delete", old, h.ed.Delete, 2*depth, 3*depth+1)
	if depth < 2 || depth > 4 {
		t.Errorf("depth %d for %d entries in 4 KiB blocks", depth, n)
	}
}

func BenchmarkEditorInsert100k(b *testing.B) {
	h := buildLarge(b, 100_000)
	i := 0
	for b.Loop() {
		if err := h.ed.Insert(Entry{Ref: 99, Key: nameKey(fmt.Sprintf("bench-%08d", i*7919))}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func TestEditorErrors(t *testing.T) {
	errBoom := errors.New("boom")
	// grown builds a two-level tree of 512-byte blocks.
	grown := func(t *testing.T) *edHarness {
		h := newHarness(t, true, 512, 0x100)
		for i := range 60 {
			h.insert(nameKey(fmt.Sprintf("n%03d", i)), mft.FileRef(i+1))
		}
		h.check(true)
		if h.depth < 2 {
			t.Fatalf("depth %d", h.depth)
		}
		return h
	}
	leafOf := func(h *edHarness, name string) mft.VCN {
		vcn, nd := NoVCN, &h.ed.Root.Node
		for !nd.IsLeaf() {
			i, _ := slices.BinarySearchFunc(nd.Entries[:len(nd.Entries)-1], nameKey(name), func(e Entry, k []byte) int { return h.ed.Compare(e.Key, k) })
			vcn = nd.Entries[i].Child
			blk, err := h.ms.peek(vcn)
			if err != nil {
				t.Fatal(err)
			}
			nd = &blk.Node
		}
		return vcn
	}
	t.Run("load error", func(t *testing.T) {
		h := grown(t)
		h.ms.fail[leafOf(h, "n030x")] = errBoom
		s := h.snapshot()
		if err := h.ed.Insert(Entry{Ref: 1, Key: nameKey("n030x")}); !errors.Is(err, errBoom) {
			t.Errorf("Insert = %v, want the Load error", err)
		}
		if err := h.ed.Delete(nameKey("n030")); !errors.Is(err, errBoom) {
			t.Errorf("Delete = %v, want the Load error", err)
		}
		h.unchanged("failed edits", s)
	})
	t.Run("corrupt block", func(t *testing.T) {
		h := grown(t)
		vcn := leafOf(h, "n045")
		h.ms.blocks[vcn] = bytes.Clone(h.ms.blocks[vcn])
		h.ms.blocks[vcn][0] = 'X'
		s := h.snapshot()
		err := h.ed.Delete(nameKey("n045"))
		if ce := corruptAt(t, err); ce.VCN != vcn {
			t.Errorf("error at VCN %d, want %d", ce.VCN, vcn)
		}
		h.unchanged("failed Delete", s)
	})
	t.Run("loop", func(t *testing.T) {
		h := newHarness(t, true, 512, 0x100)
		vcn, _ := h.ms.alloc()
		self := &Block{VCN: vcn, Node: Node{Flags: NodeHasChildren, Entries: []Entry{{Flags: EntryLast | EntryHasChild, Child: vcn}}}}
		if err := h.ms.store(self); err != nil {
			t.Fatal(err)
		}
		h.ed.Root.Flags = NodeHasChildren
		h.ed.Root.Entries = []Entry{{Flags: EntryLast | EntryHasChild, Child: vcn}}
		s := h.snapshot()
		err := h.ed.Insert(Entry{Ref: 1, Key: nameKey("a")})
		if ce := corruptAt(t, err); !strings.Contains(ce.Field, "loop") {
			t.Errorf("error %v, want a loop", err)
		}
		if err := h.ed.Delete(nameKey("a")); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Delete = %v, want ErrCorrupt", err)
		}
		h.unchanged("edits of a looping index", s)
	})
	t.Run("too large", func(t *testing.T) {
		h := grown(t)
		s := h.snapshot()
		err := h.ed.Insert(Entry{Ref: 1, Key: nameKey(strings.Repeat("L", 40))})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("Insert of a 40-character name into 512-byte blocks = %v, want ErrTooLarge", err)
		}
		h.unchanged("failed Insert", s)
		// 27 characters make the largest entry that fits (144 bytes with a sub-node).
		h.insert(nameKey(strings.Repeat("L", 27)), 7)
		h.check(true)
	})
	t.Run("bad editor", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			edit func(ed *Editor)
		}{
			{"RootMax", func(ed *Editor) { ed.RootMax = 0x37 }},
			{"BlockSize", func(ed *Editor) { ed.BlockSize = 1000 }},
			{"Compare", func(ed *Editor) { ed.Compare = nil }},
			{"Root", func(ed *Editor) { ed.Root = nil }},
		} {
			h := newHarness(t, true, 4096, 0x100)
			tt.edit(h.ed)
			if err := h.ed.Insert(Entry{Ref: 1, Key: nameKey("a")}); err == nil {
				t.Errorf("%s: Insert succeeded", tt.name)
			}
			if err := h.ed.Delete(nameKey("a")); err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("%s: Delete = %v, want a configuration error", tt.name, err)
			}
		}
	})
}

// FuzzEditor reads bytes as edits: the first picks the block size and
// RootMax, each further byte inserts (bit 7 clear) or deletes one of 64
// names. The index must match the model after every edit.
func FuzzEditor(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 0x81, 0x82})
	f.Add([]byte{1, 0xC7, 0xC7, 0xC7, 3, 0xC6, 0x83, 0xC7, 0xC1})
	f.Add([]byte("\x01abcdefghijklmnopqrstuvwxyz0123456789\xe1\xe2\xe3\xc1\xc2"))
	f.Add([]byte("\x02ABCDEFGHIJKLMNOPQRSTUVWXYZ!?<>\xc1\xc2\xc3\xc4\xc5\xc6\xc7\xc8\xc9\xca\xcb\xcc\xcd\xce\xcf"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		cfg := data[0]
		bs, maxLen := 512, 25
		if cfg&1 != 0 {
			bs, maxLen = 4096, 255
		}
		rootMax := []int{0x58, 0x100, 0x300, 0x1000}[cfg>>1&3]
		h := newHarness(t, true, bs, rootMax)
		g := newNameGen(uint64(cfg), maxLen)
		pool := make([]string, 64)
		for i := range pool {
			pool[i] = g.name(pool[:i])
		}
		for i, b := range data[1:] {
			key := nameKey(pool[b&0x3F])
			switch {
			case b&0xC0 == 0xC0:
				h.appendAfter(int(b&7)+1, i)
			case b&0x80 != 0:
				h.delete(key)
			default:
				h.insert(key, mft.FileRef(b)+1)
			}
			h.check(true)
		}
	})
}

// TestEditorRealIndexes edits directory indexes written by Windows 10 and
// by ntfs-3g (mkntfs images): their decoded entry layouts, slack and VCN
// numbering must survive inserts and deletes down to an empty root.
func TestEditorRealIndexes(t *testing.T) {
	for _, src := range []struct {
		name string
		get  func() (*realVolume, error)
	}{{"windows", windowsVolume}, {"mkntfs", mkntfsVolume}} {
		t.Run(src.name, func(t *testing.T) {
			v := realVolumeOrSkip(t, src.get)
			for _, d := range v.dirs {
				if d.alloc == nil {
					continue
				}
				t.Run(d.name, func(t *testing.T) {
					ri := decodeReal(t, &d)
					bs := int(ri.root.BlockSize)
					h := newHarness(t, true, bs, max(len(d.root), 0x1C0))
					h.u = v.upcase
					h.ed.Compare = fileNameCompare(v.upcase)
					h.ed.Root = ri.root
					for vcn := range ri.inUse {
						h.ms.blocks[vcn] = ri.raws[vcn]
						h.ms.allocated[vcn] = true
						h.ms.next = max(h.ms.next, vcn+1)
					}
					err := ri.tree().Walk(func(e *Entry) error {
						h.keys = append(h.keys, bytes.Clone(e.Key))
						h.refs[string(e.Key)] = e.Ref
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					h.ms.allocs = len(h.ms.allocated)
					h.check(true)
					g := newNameGen(uint64(len(h.keys)), 255)
					for i := range 400 {
						if i%2 == 0 {
							h.insert(nameKey(g.name(h.names())), mft.MakeFileRef(mft.RecordNumber(5000+i), 1))
						} else {
							h.delete(h.keys[g.rng.IntN(len(h.keys))])
						}
						if i%10 == 0 {
							h.check(i%100 == 0)
						}
					}
					h.check(true)
					for len(h.keys) > 0 {
						h.delete(h.keys[g.rng.IntN(len(h.keys))])
						if len(h.keys)%10 == 0 {
							h.check(false)
						}
					}
					if len(h.ms.allocated) != 0 {
						t.Errorf("empty index keeps %d blocks", len(h.ms.allocated))
					}
				})
			}
		})
	}
}
