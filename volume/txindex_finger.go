package volume

import (
	"github.com/ntfsedit/ntfsedit/index"
)

// Lookups through a transaction often come in name order (a directory
// filled or read in order, links made file after file), so the next name
// is usually in the leaf the last lookup ended in, or after every name of
// the index. fingerFold answers those two cases without a search from
// the root.

// fingerFold is lookupFold answered from x.finger, the leaf the last
// lookup ended in, when that leaf holds every entry name can match: name
// sorts strictly between its first and last keys (a B-tree keeps the keys
// between two keys of one leaf in that leaf), or after its last key and
// the leaf is the rightmost one (reached from the root through end
// entries only). ok is false when the finger cannot tell; then the caller
// searches from the root, which also reports any corruption.
//
// The finger is used only while it is the decoded block the index holds
// for its VCN (x.front): a block the transaction freed or dropped is not
// in the tree any more.
func (x *txIndex) fingerFold(u index.UpCase, name []uint16, out []index.Entry) ([]index.Entry, bool) {
	f := x.finger
	if f == nil {
		return out, false
	}
	if i := x.slot(f.VCN); i < 0 || i >= len(x.front) || x.front[i] != f || !f.IsLeaf() {
		x.finger = nil
		return out, false
	}
	es := f.Entries
	keys := len(es) - 1
	if keys < 1 || !es[keys].IsLast() || es[keys].HasChild() {
		return out, false
	}
	bad := false // a key too short for its name: the search from the root reports it
	cmp := func(i int) int {
		c, ok := foldCompareKey(u, name, es[i].Key)
		if !ok {
			bad = true
			return 0 // not a bound
		}
		return c
	}
	// lo and hi bound name strictly: es[lo] < name < es[hi]. The lower
	// bound is tried first at the entry the last lookup stopped at
	// (x.fingerAt), the upper one two entries on: names looked up in
	// order are then found with few comparisons.
	lo, hi := x.fingerAt, keys-1
	if lo >= keys {
		// The last lookup went past the leaf's keys.
		if c := cmp(keys - 1); c > 0 {
			return out, x.rightmost() == f
		}
		lo = 0
	}
	if cmp(lo) <= 0 {
		if lo == 0 || cmp(0) <= 0 {
			return out, false
		}
		lo = 0
	}
	if lo == keys-1 {
		x.fingerAt = keys
		return out, x.rightmost() == f
	}
	if h := lo + 2; h < keys-1 && cmp(h) < 0 {
		hi = h
	} else if c := cmp(keys - 1); c >= 0 {
		if c > 0 {
			x.fingerAt = keys
			if x.rightmost() == f {
				return out, true
			}
		}
		return out, false
	}
	// Bisect (lo, hi) for the first key not below name, then collect
	// the keys equal to it (all before hi).
	l, h := lo+1, hi
	hc, known := 0, false // the comparison with es[h], once made
	for l < h {
		m := int(uint(l+h) >> 1)
		if c := cmp(m); c > 0 {
			l = m + 1
		} else {
			h, hc, known = m, c, true
		}
	}
	x.fingerAt = l
	for i := l; i < hi; i++ {
		c := hc
		if i != l || !known {
			c = cmp(i)
		}
		if c != 0 {
			break
		}
		out = append(out, es[i])
	}
	if bad {
		return out[:0], false
	}
	return out, true
}

// rightmost returns the block reached from the root through end entries
// only (nil when the root has no sub-node or a block cannot be loaded).
func (x *txIndex) rightmost() *index.Block {
	n := &x.root.Node
	var blk *index.Block
	for depth := 0; depth <= 32; depth++ {
		if len(n.Entries) == 0 {
			return nil
		}
		end := &n.Entries[len(n.Entries)-1]
		if !end.HasChild() {
			return blk
		}
		b, err := x.load(end.Child)
		if err != nil {
			return nil
		}
		blk, n = b, &b.Node
	}
	return nil
}
