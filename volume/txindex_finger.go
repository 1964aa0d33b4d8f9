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
	last, ok := foldCompareKey(u, name, es[keys-1].Key)
	switch {
	case !ok || last == 0:
		return out, false
	case last > 0:
		// After the leaf's keys: nothing matches when the leaf is the
		// rightmost, whose last key is the largest of the index.
		return out, x.rightmost() == f
	}
	if keys < 2 {
		return out, false
	}
	if first, ok := foldCompareKey(u, name, es[0].Key); !ok || first <= 0 {
		return out, false
	}
	// es[0] < name < es[keys-1]: bisect es[1:keys-1] for the first key
	// not below name, then collect the keys equal to it.
	lo, hi := 1, keys-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		c, ok := foldCompareKey(u, name, es[m].Key)
		if !ok {
			return out[:0], false
		}
		if c > 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for i := lo; i < keys-1; i++ {
		c, ok := foldCompareKey(u, name, es[i].Key)
		if !ok {
			return out[:0], false
		}
		if c != 0 {
			break
		}
		out = append(out, es[i])
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
