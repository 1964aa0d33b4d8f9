package index

import (
	"errors"

	"github.com/ntfsedit/ntfsedit/mft"
)

// maxDepth bounds the B-tree descent; a real index of 2^32 entries is far
// shallower, so deeper means a loop or corruption.
const maxDepth = 32

// ErrStop can be returned by a Walk callback to end the walk early; Walk
// then returns nil.
var ErrStop = errors.New("index: stop walk")

// Tree walks and searches one index B-tree. It does no I/O itself: Load
// fetches the INDX block at a VCN, and InUse reports whether the index
// $BITMAP marks that block in use (nil means every block is). A sub-node
// pointer to a block not marked in use is corruption: such blocks hold
// deleted entries and are never read as live.
//
// Not an on-disk structure.
type Tree struct {
	Root  *Root
	Load  func(vcn mft.VCN) (*Block, error)
	InUse func(vcn mft.VCN) bool
	// Release, when set, is called by Walk with each loaded block once the
	// walk is done with it (after its sub-tree), so that Load may reuse
	// it (see ParseBlockReuse). Entries passed to Walk's fn must then not
	// be kept past fn.
	Release func(*Block)
}

// errNoRoot is returned by a Tree without a Root.
var errNoRoot = errors.New("index: tree has no root")

func (t *Tree) child(vcn mft.VCN, seen map[mft.VCN]bool) (*Block, error) {
	if t.Load == nil {
		return nil, &CorruptError{VCN: vcn, Field: "sub-node pointer (index has no $INDEX_ALLOCATION)"}
	}
	if t.InUse != nil && !t.InUse(vcn) {
		return nil, &CorruptError{VCN: vcn, Field: "sub-node pointer (block not in use in $BITMAP)"}
	}
	if seen[vcn] {
		return nil, &CorruptError{VCN: vcn, Field: "sub-node pointer (loop)"}
	}
	seen[vcn] = true
	blk, err := t.Load(vcn)
	if err != nil {
		return nil, err
	}
	if blk == nil {
		return nil, &CorruptError{VCN: vcn, Field: "sub-node pointer (no block loaded)"}
	}
	if blk.VCN != vcn {
		return nil, &CorruptError{VCN: vcn, Offset: 0x10, Field: "INDX block VCN", Value: int64(blk.VCN)}
	}
	return blk, nil
}

// Walk calls fn for every key entry in collation order (in-order
// traversal from the root). The terminating entries carry no key and are
// not passed to fn. If fn returns ErrStop (or an error wrapping it), Walk
// stops and returns nil; other errors are returned as they are.
func (t *Tree) Walk(fn func(e *Entry) error) error {
	if t.Root == nil {
		return errNoRoot
	}
	seen := make(map[mft.VCN]bool)
	err := t.walk(NoVCN, &t.Root.Node, fn, seen, 0)
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

func (t *Tree) walk(vcn mft.VCN, n *Node, fn func(*Entry) error, seen map[mft.VCN]bool, depth int) error {
	if depth > maxDepth {
		return &CorruptError{VCN: vcn, Field: "index depth", Value: depth}
	}
	for i := range n.Entries {
		e := &n.Entries[i]
		if e.HasChild() {
			blk, err := t.child(e.Child, seen)
			if err != nil {
				return err
			}
			if err := t.walk(e.Child, &blk.Node, fn, seen, depth+1); err != nil {
				return err
			}
			if t.Release != nil {
				t.Release(blk)
			}
		}
		if e.IsLast() {
			break
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// WalkNodes calls fn for the root's node (vcn NoVCN, blk nil) and every
// reachable INDX block, parents before children (pre-order, children in
// key order). Checkers and slack scanners use it. ErrStop ends the walk as
// for Walk.
func (t *Tree) WalkNodes(fn func(vcn mft.VCN, n *Node, blk *Block) error) error {
	if t.Root == nil {
		return errNoRoot
	}
	seen := make(map[mft.VCN]bool)
	var visit func(vcn mft.VCN, n *Node, blk *Block, depth int) error
	visit = func(vcn mft.VCN, n *Node, blk *Block, depth int) error {
		if depth > maxDepth {
			return &CorruptError{VCN: vcn, Field: "index depth", Value: depth}
		}
		if err := fn(vcn, n, blk); err != nil {
			return err
		}
		for i := range n.Entries {
			e := &n.Entries[i]
			if !e.HasChild() {
				continue
			}
			c, err := t.child(e.Child, seen)
			if err != nil {
				return err
			}
			if err := visit(e.Child, &c.Node, c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	err := visit(NoVCN, &t.Root.Node, nil, 0)
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// LookupFileName returns every $I30 entry whose name equals name ignoring
// case (through u), in index order, descending only the sub-trees that can
// hold such names. Callers prefer an exact-case match among them.
func (t *Tree) LookupFileName(u UpCase, name []uint16) ([]Entry, error) {
	if t.Root == nil {
		return nil, errNoRoot
	}
	var out []Entry
	seen := make(map[mft.VCN]bool)
	var search func(vcn mft.VCN, n *Node, depth int) error
	search = func(vcn mft.VCN, n *Node, depth int) error {
		if depth > maxDepth {
			return &CorruptError{VCN: vcn, Field: "index depth", Value: depth}
		}
		off := int(n.EntriesOffset)
		for i := range n.Entries {
			e := &n.Entries[i]
			c := -1 // the last entry sorts after every key: descend into it
			if !e.IsLast() {
				fn, err := e.FileName()
				if err != nil {
					base := rootHeaderLen
					if vcn != NoVCN {
						base = blockHeaderLen
					}
					return &CorruptError{VCN: vcn, Offset: base + off + entryHeaderLen, Field: "$FILE_NAME key", Value: err.Error()}
				}
				c = foldCompare(u, name, fn.Name)
			}
			off += int(e.Length)
			if c <= 0 && e.HasChild() {
				blk, err := t.child(e.Child, seen)
				if err != nil {
					return err
				}
				if err := search(e.Child, &blk.Node, depth+1); err != nil {
					return err
				}
			}
			if c == 0 {
				out = append(out, *e)
				continue
			}
			if c < 0 || e.IsLast() {
				return nil
			}
		}
		return nil
	}
	if err := search(NoVCN, &t.Root.Node, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// foldCompare compares names upper-cased through u only: equal names in
// different case compare 0.
func foldCompare(u UpCase, a, b []uint16) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := u.Upper(a[i]), u.Upper(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}
