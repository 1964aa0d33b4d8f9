package corrupt

import (
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// node is one index node as bytes: the $INDEX_ROOT inside its record, or an
// INDX block in use. Not an on-disk structure.
type node struct {
	root bool
	rec  mft.RecordNumber
	attr int       // root: offset of the $INDEX_ROOT attribute in buf
	vcn  int64     // block: its VCN
	off  int64     // block: its offset in $INDEX_ALLOCATION
	runs []mft.Run // block: the runs of $INDEX_ALLOCATION
	buf  []byte    // the record or the block, fixups removed
	hdr  int       // offset of the node header in buf
}

// ent is one index entry of a node.
type ent struct {
	off, length int
	flags       uint16
}

const (
	entryHasChild = 1
	entryLast     = 2
)

func (e ent) last() bool { return e.flags&entryLast != 0 }

// key returns the entry's key bytes.
func (n *node) key(e ent) []byte {
	kl := int(le.Uint16(n.buf[e.off+0x0A:]))
	if e.off+16+kl > len(n.buf) {
		return nil
	}
	return n.buf[e.off+16 : e.off+16+kl]
}

// name returns the file name in an $I30 entry's key.
func (n *node) name(e ent) string {
	k := n.key(e)
	if len(k) < 0x42 {
		return ""
	}
	l := int(k[0x40])
	if 0x42+2*l > len(k) {
		return ""
	}
	u := make([]uint16, l)
	for i := range u {
		u[i] = le.Uint16(k[0x42+2*i:])
	}
	return mft.NameString(u)
}

func (n *node) leaf() bool { return n.buf[n.hdr+0x0C]&1 == 0 }

// entries lists the node's entries, the last one included.
func (n *node) entries() ([]ent, error) {
	h := n.hdr
	first, used := int(le.Uint32(n.buf[h:])), int(le.Uint32(n.buf[h+4:]))
	end := h + used
	if end > len(n.buf) {
		return nil, fmt.Errorf("index node length %d beyond its buffer", used)
	}
	var out []ent
	for off := h + first; off+16 <= end; {
		e := ent{off: off, length: int(le.Uint16(n.buf[off+8:])), flags: le.Uint16(n.buf[off+0x0C:])}
		if e.length < 16 || off+e.length > end {
			return nil, fmt.Errorf("index entry at 0x%x: bad length %d", off, e.length)
		}
		out = append(out, e)
		if e.last() {
			return out, nil
		}
		off += e.length
	}
	return nil, fmt.Errorf("index node without a last entry")
}

// nodes returns the root and every INDX block the index $BITMAP marks in
// use of index iname of record dir.
func (m *image) nodes(dir *volume.File, iname string) ([]*node, error) {
	num := dir.Number()
	rec, err := m.record(num)
	if err != nil {
		return nil, err
	}
	a := attrAt(rec, mft.AttrIndexRoot, iname)
	if a < 0 {
		return nil, fmt.Errorf("record %d: no $INDEX_ROOT %s: %w", num, iname, ErrNotFound)
	}
	vo, _ := residentValue(rec, a)
	out := []*node{{root: true, rec: num, attr: a, buf: rec, hdr: vo + 0x10}}
	bsize := int64(le.Uint32(rec[vo+8:]))
	units := mft.NameUnits(iname)
	if dir.Attr(mft.AttrIndexAllocation, units) == nil {
		return out, nil
	}
	alloc, err := dir.AttrStream(mft.AttrIndexAllocation, units)
	if err != nil {
		return nil, err
	}
	bs, err := dir.AttrStream(mft.AttrBitmap, units)
	if err != nil {
		return nil, err
	}
	bitmap, err := bs.ReadAll()
	if err != nil {
		return nil, err
	}
	unit := m.cs
	if bsize < unit {
		unit = 512
	}
	for i := int64(0); (i+1)*bsize <= alloc.Size(); i++ {
		if i/8 >= int64(len(bitmap)) || bitmap[i/8]&(1<<(i%8)) == 0 {
			continue
		}
		b := make([]byte, bsize)
		if _, err := alloc.ReadAt(b, i*bsize); err != nil {
			return nil, err
		}
		if string(b[:4]) != "INDX" {
			continue
		}
		if err := mft.ApplyFixups(b); err != nil {
			return nil, fmt.Errorf("record %d INDX block %d: %w", num, i, err)
		}
		out = append(out, &node{rec: num, vcn: i * bsize / unit, off: i * bsize, runs: alloc.Runs(), buf: b, hdr: 0x18})
	}
	return out, nil
}

// put stages the node's bytes, protected by fixups.
func (m *image) put(n *node) error {
	if n.root {
		return m.putRecord(n.rec, n.buf)
	}
	b := append([]byte(nil), n.buf...)
	if err := mft.ProtectFixups(b); err != nil {
		return err
	}
	return m.stage(n.runs, n.off, b)
}

// entry finds the $I30 entry of p (exact name) in its parent directory.
func (m *image) entry(p string) (*node, ent, error) {
	dir, name := split(p)
	d, err := m.lookup(dir)
	if err != nil {
		return nil, ent{}, err
	}
	nodes, err := m.nodes(d, "$I30")
	if err != nil {
		return nil, ent{}, err
	}
	for _, n := range nodes {
		es, err := n.entries()
		if err != nil {
			return nil, ent{}, err
		}
		for _, e := range es {
			if !e.last() && n.name(e) == name {
				return n, e, nil
			}
		}
	}
	return nil, ent{}, fmt.Errorf("%s: no index entry in %s: %w", name, dir, ErrNotFound)
}

// remove deletes leaf entry e from node n (shrinking the $INDEX_ROOT
// attribute and the record for the root) and stages the node.
func (m *image) remove(n *node, e ent) error {
	if e.flags&entryHasChild != 0 {
		return fmt.Errorf("index entry at 0x%x has a sub-node; only leaf entries are removed", e.off)
	}
	h := n.hdr
	used := int(le.Uint32(n.buf[h+4:]))
	end := h + used
	b := n.buf
	copy(b[e.off:], b[e.off+e.length:end])
	clear(b[end-e.length : end])
	le.PutUint32(b[h+4:], uint32(used-e.length))
	if !n.root {
		return m.put(n)
	}
	// The root's value, attribute and record shrink by the entry.
	le.PutUint32(b[h+8:], le.Uint32(b[h+8:])-uint32(e.length))
	a := n.attr
	alen := int(le.Uint32(b[a+4:]))
	le.PutUint32(b[a+0x10:], le.Uint32(b[a+0x10:])-uint32(e.length))
	newLen := (alen - e.length + 7) &^ 7
	cut := alen - newLen
	biu := int(le.Uint32(b[0x18:]))
	copy(b[a+newLen:], b[a+alen:biu])
	clear(b[biu-cut : biu])
	le.PutUint32(b[a+4:], uint32(newLen))
	le.PutUint32(b[0x18:], uint32(biu-cut))
	return m.put(n)
}
