package index

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ntfsedit/ntfsedit/mft"
)

// tnode describes a hand-built index node: keys, and either no children
// or len(keys)+1 of them.
type tnode struct {
	keys []string
	kids []*tnode
}

func leaf(keys ...string) *tnode { return &tnode{keys: keys} }

// handTree is a tree built in code, encoded and decoded again so that Load
// hands out blocks that went through ParseBlock.
type handTree struct {
	tree   *Tree
	blocks map[mft.VCN]*Block
	keys   int
	loads  int
}

// buildTree assigns VCNs 0, 2, 4 ... to the non-root nodes in pre-order
// (two clusters of 512 bytes per 1 KiB block).
func buildTree(t *testing.T, root *tnode) *handTree {
	t.Helper()
	h := &handTree{blocks: make(map[mft.VCN]*Block)}
	next := mft.VCN(0)
	var node func(n *tnode) Node
	// node returns the decoded node of n; each child block gets its VCN
	// before its own children, so VCNs follow pre-order.
	node = func(n *tnode) Node {
		var nd Node
		if len(n.kids) > 0 {
			nd.Flags = NodeHasChildren
			if len(n.kids) != len(n.keys)+1 {
				t.Fatalf("node %v: %d children", n.keys, len(n.kids))
			}
		}
		var kidVCNs []mft.VCN
		for _, k := range n.kids {
			vcn := next
			next += 2
			kidVCNs = append(kidVCNs, vcn)
			kn := node(k)
			blk := &Block{VCN: vcn, LSN: uint64(vcn) + 100, Node: kn}
			b, err := blk.AppendBinary(nil, 1024)
			if err != nil {
				t.Fatal(err)
			}
			if err := mft.ProtectFixups(b); err != nil {
				t.Fatal(err)
			}
			if h.blocks[vcn], err = ParseBlock(b, vcn); err != nil {
				t.Fatal(err)
			}
		}
		for i, key := range n.keys {
			h.keys++
			e := keyEntry(t, uint64(mft.MakeFileRef(mft.RecordNumber(100+h.keys), 1)), key)
			if len(n.kids) > 0 {
				e.Flags = EntryHasChild
				e.Child = kidVCNs[i]
			}
			nd.Entries = append(nd.Entries, e)
		}
		last := Entry{Flags: EntryLast}
		if len(n.kids) > 0 {
			last.Flags |= EntryHasChild
			last.Child = kidVCNs[len(n.keys)]
		}
		nd.Entries = append(nd.Entries, last)
		return nd
	}
	rn := node(root)
	r := &Root{AttrType: mft.AttrFileName, Collation: CollationFileName, BlockSize: 1024, ClustersPerBlock: 2, Node: rn}
	v, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if r, err = DecodeRoot(v); err != nil {
		t.Fatal(err)
	}
	h.tree = &Tree{Root: r}
	h.tree.Load = func(vcn mft.VCN) (*Block, error) {
		h.loads++
		b, ok := h.blocks[vcn]
		if !ok {
			return nil, fmt.Errorf("test: no block at VCN %d", vcn)
		}
		return b, nil
	}
	h.tree.InUse = func(vcn mft.VCN) bool { _, ok := h.blocks[vcn]; return ok }
	return h
}

// threeLevels is a 3-level tree: root, two index nodes, five leaves. "H"
// and "h" are equal ignoring case and sit in a leaf and its parent.
func threeLevels() *tnode {
	return &tnode{keys: []string{"m"}, kids: []*tnode{
		{keys: []string{"d", "h"}, kids: []*tnode{
			leaf("a.txt", "B.txt", "b.txt", "c"),
			leaf("e", "f", "H"),
			leaf("i", "j", "l"),
		}},
		{keys: []string{"r"}, kids: []*tnode{
			leaf("n", "o", "p", "q"),
			leaf("s", "t", "ü"),
		}},
	}}
}

var threeLevelsInOrder = []string{"a.txt", "B.txt", "b.txt", "c", "d", "e", "f", "H", "h", "i", "j", "l", "m", "n", "o", "p", "q", "r", "s", "t", "ü"}

func walkNames(t *testing.T, tr *Tree) ([]string, error) {
	t.Helper()
	var names []string
	err := tr.Walk(func(e *Entry) error {
		fn, err := e.FileName()
		if err != nil {
			return err
		}
		names = append(names, fn.NameString())
		return nil
	})
	return names, err
}

func TestHandTreeWalk(t *testing.T) {
	u := DefaultUpCase()
	if !slices.IsSortedFunc(threeLevelsInOrder, func(a, b string) int { return u.CompareNames(units(a), units(b)) }) {
		t.Fatal("test tree keys are not in collation order")
	}
	h := buildTree(t, threeLevels())
	got, err := walkNames(t, h.tree)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(threeLevelsInOrder, got); diff != "" {
		t.Errorf("Walk names (-want +got):\n%s", diff)
	}
	if h.loads != len(h.blocks) {
		t.Errorf("Walk loaded %d blocks, want each of the %d once", h.loads, len(h.blocks))
	}
}

func TestHandTreeWalkNodes(t *testing.T) {
	h := buildTree(t, threeLevels())
	type visit struct {
		VCN      mft.VCN
		First    string
		Leaf     bool
		HasBlock bool
	}
	var got []visit
	err := h.tree.WalkNodes(func(vcn mft.VCN, n *Node, blk *Block) error {
		v := visit{VCN: vcn, Leaf: n.IsLeaf(), HasBlock: blk != nil}
		if blk != nil && &blk.Node != n {
			t.Errorf("VCN %d: node is not the block's node", vcn)
		}
		if blk != nil && blk.VCN != vcn {
			t.Errorf("VCN %d: block has VCN %d", vcn, blk.VCN)
		}
		if fn, err := n.Entries[0].FileName(); err == nil {
			v.First = fn.NameString()
		}
		got = append(got, v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []visit{
		{NoVCN, "m", false, false},
		{0, "d", false, true},
		{2, "a.txt", true, true},
		{4, "e", true, true},
		{6, "i", true, true},
		{8, "r", false, true},
		{10, "n", true, true},
		{12, "s", true, true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("WalkNodes order (-want +got):\n%s", diff)
	}
}

func TestHandTreeStop(t *testing.T) {
	h := buildTree(t, threeLevels())
	for _, n := range []int{1, 5, 13, len(threeLevelsInOrder)} {
		calls := 0
		err := h.tree.Walk(func(*Entry) error {
			calls++
			if calls == n {
				return ErrStop
			}
			return nil
		})
		if err != nil || calls != n {
			t.Errorf("stop at %d: err %v after %d calls", n, err, calls)
		}
	}
	other := errors.New("other")
	calls := 0
	err := h.tree.Walk(func(*Entry) error {
		calls++
		if calls == 4 {
			return fmt.Errorf("wrapped: %w", other)
		}
		return nil
	})
	if !errors.Is(err, other) || calls != 4 {
		t.Errorf("callback error: got %v after %d calls, want %v after 4", err, calls, other)
	}
	// A wrapped ErrStop stops too.
	calls = 0
	err = h.tree.Walk(func(*Entry) error { calls++; return fmt.Errorf("done: %w", ErrStop) })
	if err != nil || calls != 1 {
		t.Errorf("wrapped ErrStop: err %v after %d calls", err, calls)
	}
	nodes := 0
	err = h.tree.WalkNodes(func(mft.VCN, *Node, *Block) error {
		nodes++
		if nodes == 3 {
			return ErrStop
		}
		return nil
	})
	if err != nil || nodes != 3 {
		t.Errorf("WalkNodes stop: err %v after %d nodes", err, nodes)
	}
}

func lookupNames(t *testing.T, tr *Tree, name string) ([]string, error) {
	t.Helper()
	es, err := tr.LookupFileName(DefaultUpCase(), units(name))
	var names []string
	for i := range es {
		fn, err := es[i].FileName()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, fn.NameString())
	}
	return names, err
}

func TestHandTreeLookup(t *testing.T) {
	h := buildTree(t, threeLevels())
	tests := []struct {
		name      string
		want      []string
		maxLoads  int // blocks read: at most one path, or two for a group split by a separator
		wantLoads int // exact when nonzero
	}{
		{"a.txt", []string{"a.txt"}, 2, 0},
		{"A.TXT", []string{"a.txt"}, 2, 0},
		{"b.txt", []string{"B.txt", "b.txt"}, 2, 0},
		{"B.TXT", []string{"B.txt", "b.txt"}, 2, 0},
		{"m", []string{"m"}, 4, 0}, // the root key: both neighbours may hold case variants
		{"M", []string{"m"}, 4, 0},
		{"h", []string{"H", "h"}, 3, 0},
		{"d", []string{"d"}, 3, 0},
		{"r", []string{"r"}, 3, 0},
		{"ü", []string{"ü"}, 2, 0},
		{"Ü", []string{"ü"}, 2, 0},
		{"q", []string{"q"}, 2, 2},
		// misses
		{"0", nil, 2, 2},           // before the first key
		{"ÿÿ", nil, 2, 2},          // after the last key
		{"b.txt0", nil, 2, 0},      // between keys in a leaf
		{"g", nil, 2, 0},           // between a leaf and its parent key
		{"m0", nil, 2, 0},          // just after the root key
		{"k", nil, 2, 0},           // between keys
		{"zz", nil, 2, 0},          // between t and ü
		{"a.tx", nil, 2, 0},        // a prefix of a key
		{"", nil, 2, 2},            // empty name
		{"\u0000", nil, 2, 2},      // NUL
		{"H\u0000", nil, 3, 0},     // longer by a NUL
		{"b.txt\uffff", nil, 2, 0}, // largest unit
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.loads = 0
			got, err := lookupNames(t, h.tree, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("LookupFileName(%q) (-want +got):\n%s", tc.name, diff)
			}
			if h.loads > tc.maxLoads || (tc.wantLoads != 0 && h.loads != tc.wantLoads) {
				t.Errorf("LookupFileName(%q) loaded %d blocks, want at most %d", tc.name, h.loads, tc.maxLoads)
			}
		})
	}
}

// TestTreeErrors: bad sub-node pointers end walks and lookups with an
// error naming the VCN, never a loop or a panic.
func TestTreeErrors(t *testing.T) {
	loadErr := errors.New("device error")
	// loopTree: root -> X(0) -> Y(2) -> X again.
	loopBlock := func(t *testing.T, vcn, child mft.VCN, key string) *Block {
		e := keyEntry(t, 70, key)
		e.Flags, e.Child = EntryHasChild, child
		return &Block{VCN: vcn, Node: Node{Flags: NodeHasChildren, Entries: []Entry{e, {Flags: EntryLast | EntryHasChild, Child: child}}}}
	}
	tests := []struct {
		name    string
		mess    func(t *testing.T, h *handTree)
		lookup  string // a name whose path crosses the bad pointer
		wantVCN mft.VCN
		wantErr error // when not a CorruptError
		field   string
	}{
		{name: "block not in use", mess: func(_ *testing.T, h *handTree) {
			h.tree.InUse = func(vcn mft.VCN) bool { return vcn != 4 }
		}, lookup: "f", wantVCN: 4, field: "not in use"},
		{name: "no $INDEX_ALLOCATION", mess: func(_ *testing.T, h *handTree) { h.tree.Load = nil }, lookup: "a", wantVCN: 0, field: "no $INDEX_ALLOCATION"},
		{name: "load error", mess: func(_ *testing.T, h *handTree) {
			h.tree.Load = func(vcn mft.VCN) (*Block, error) {
				if vcn == 10 {
					return nil, fmt.Errorf("read VCN %d: %w", vcn, loadErr)
				}
				return h.blocks[vcn], nil
			}
		}, lookup: "o", wantErr: loadErr},
		{name: "load returns nothing", mess: func(_ *testing.T, h *handTree) {
			h.tree.Load = func(vcn mft.VCN) (*Block, error) { return nil, nil }
		}, lookup: "a", wantVCN: 0, field: "no block"},
		{name: "load returns another block", mess: func(_ *testing.T, h *handTree) {
			h.tree.Load = func(vcn mft.VCN) (*Block, error) {
				if vcn == 6 {
					return h.blocks[4], nil
				}
				return h.blocks[vcn], nil
			}
		}, lookup: "j", wantVCN: 6, field: "VCN"},
		{name: "loop through an ancestor", mess: func(t *testing.T, h *handTree) {
			h.blocks = map[mft.VCN]*Block{0: loopBlock(t, 0, 2, "d"), 2: loopBlock(t, 2, 0, "b")}
		}, lookup: "a", wantVCN: 0, field: "loop"},
		{name: "self loop", mess: func(t *testing.T, h *handTree) {
			h.blocks = map[mft.VCN]*Block{0: loopBlock(t, 0, 0, "d")}
		}, lookup: "a", wantVCN: 0, field: "loop"},
		{name: "too deep", mess: func(t *testing.T, h *handTree) {
			// A chain of distinct blocks, each an index node with only
			// its last entry: deeper than any real index.
			h.blocks = make(map[mft.VCN]*Block)
			for i := range 100 {
				h.blocks[mft.VCN(i)] = &Block{VCN: mft.VCN(i), Node: Node{Flags: NodeHasChildren,
					Entries: []Entry{{Flags: EntryLast | EntryHasChild, Child: mft.VCN(i + 1)}}}}
			}
		}, lookup: "a", wantVCN: -2, field: "depth"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := buildTree(t, threeLevels())
			tc.mess(t, h)
			check := func(what string, err error) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s: no error", what)
				}
				if tc.wantErr != nil {
					if !errors.Is(err, tc.wantErr) {
						t.Errorf("%s: error %v, want %v", what, err, tc.wantErr)
					}
					return
				}
				ce := corruptAt(t, err)
				if tc.wantVCN != -2 && ce.VCN != tc.wantVCN {
					t.Errorf("%s: error %q names VCN %d, want %d", what, err, ce.VCN, tc.wantVCN)
				}
				if !strings.Contains(ce.Field, tc.field) {
					t.Errorf("%s: error field %q does not mention %q", what, ce.Field, tc.field)
				}
			}
			_, err := walkNames(t, h.tree)
			check("Walk", err)
			check("WalkNodes", h.tree.WalkNodes(func(mft.VCN, *Node, *Block) error { return nil }))
			_, err = lookupNames(t, h.tree, tc.lookup)
			check("LookupFileName", err)
		})
	}
}

func TestTreeNoRoot(t *testing.T) {
	tr := &Tree{}
	if err := tr.Walk(func(*Entry) error { return nil }); err == nil {
		t.Error("Walk without a root: no error")
	}
	if err := tr.WalkNodes(func(mft.VCN, *Node, *Block) error { return nil }); err == nil {
		t.Error("WalkNodes without a root: no error")
	}
	if _, err := tr.LookupFileName(DefaultUpCase(), units("a")); err == nil {
		t.Error("LookupFileName without a root: no error")
	}
}

// TestLookupBadKey: a key that does not decode as $FILE_NAME is reported
// with the block's VCN.
func TestLookupBadKey(t *testing.T) {
	h := buildTree(t, threeLevels())
	blk := h.blocks[2]
	blk.Entries[1].Key = []byte{1, 2, 3}
	_, err := lookupNames(t, h.tree, "b")
	if ce := corruptAt(t, err); ce.VCN != 2 {
		t.Errorf("error %q names VCN %d, want 2", err, ce.VCN)
	}
}

// TestRootOnlyTree: a small directory has no $INDEX_ALLOCATION.
func TestRootOnlyTree(t *testing.T) {
	h := buildTree(t, leaf("a", "b", "C"))
	h.tree.Load, h.tree.InUse = nil, nil
	got, err := walkNames(t, h.tree)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "C"}, got); diff != "" {
		t.Errorf("Walk (-want +got):\n%s", diff)
	}
	names, err := lookupNames(t, h.tree, "c")
	if err != nil || !slices.Equal(names, []string{"C"}) {
		t.Errorf("LookupFileName(c) = %q, %v", names, err)
	}
}
