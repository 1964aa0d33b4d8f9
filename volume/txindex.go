package volume

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// txIndex is one index of a file (a directory's $I30, $Reparse's $R)
// opened for editing: an index.Editor whose blocks map to the file's
// $INDEX_ALLOCATION and whose block allocation follows its $BITMAP.
//
// Not an on-disk structure.
type txIndex struct {
	tx    *Tx
	fe    *fileEdit
	name  []uint16
	root  *index.Root
	bsize int64
	unit  int64 // bytes per sub-node VCN
	// slotShift is log2(bsize/unit), the shift from a VCN to its block
	// number (-1: not a power of two, divide).
	slotShift int
	alloc     *Stream
	ed        *index.Editor
	// rootVal is the $INDEX_ROOT value root was decoded from or last
	// written to: while the attribute still holds it, root is current.
	rootVal []byte
	// rootAt is where the $INDEX_ROOT attribute was last found.
	rootAt  attrRef
	nameStr string
	// front mirrors the transaction's decoded blocks of this index
	// (tx.blocks) by block number, for lookups without hashing a key; it
	// is kept in step by load, store and freeBlock, the only changes.
	front []*index.Block
	// pend holds, by block number, the pending encodings (Tx.pendBlock)
	// of this index's blocks.
	pend []*pendingBlock
	// lastRead is the offset of the block read last, aheadEnd the end of
	// what readAhead read.
	lastRead, aheadEnd int64
	// win is what readAhead read, from stream offset winAt: the blocks
	// in it are decoded in place there (see read), each once (winUsed).
	win     []byte
	winAt   int64
	winUsed []bool
	// appended are entries linkRaw added after every key of the index,
	// in order, not inserted yet (txappend.go).
	appended []index.Entry
	// finger is the leaf block the last lookup ended in (a hint checked
	// before use, see fingerFold).
	finger *index.Block
	// fingerAt is where in finger the last lookup stopped: the first
	// entry whose key is not below its name.
	fingerAt int
}

// slot is the block number of vcn in front (-1: not kept there).
func (x *txIndex) slot(vcn mft.VCN) int {
	if vcn < 0 || x.bsize <= 0 {
		return -1
	}
	var n int64
	if x.slotShift >= 0 {
		n = int64(vcn) >> x.slotShift
	} else {
		n = int64(vcn) * x.unit / x.bsize
	}
	if n < 1<<16 {
		return int(n)
	}
	return -1
}

// slotShift is log2(bsize/unit) when bsize is a power-of-two multiple of
// unit, else -1.
func slotShift(bsize, unit int64) int {
	if unit <= 0 || bsize <= 0 || bsize%unit != 0 {
		return -1
	}
	if r := bsize / unit; r&(r-1) == 0 {
		return bits.TrailingZeros64(uint64(r))
	}
	return -1
}

// keep notes blk as the decoded block at vcn (nil: none).
func (x *txIndex) keep(vcn mft.VCN, blk *index.Block) {
	i := x.slot(vcn)
	if i < 0 {
		return
	}
	if i >= len(x.front) {
		if blk == nil {
			return
		}
		x.front = append(x.front, make([]*index.Block, i+1-len(x.front))...)
	}
	x.front[i] = blk
}

var nameI30 = mft.NameUnits("$I30")

// openIndex opens the index name of fe with the key order cmp.
// An index opened before on the same fileEdit is reused while its root is
// current, with the blocks it decoded.
func (tx *Tx) openIndex(fe *fileEdit, name []uint16, cmp func(a, b []byte) int) (*txIndex, error) {
	if err := tx.settle(); err != nil {
		return nil, err
	}
	for _, x := range fe.indexes {
		if equalName(x.name, name) && x.rootCurrent() {
			x.ed.Compare = cmp
			return x, nil
		}
	}
	ra, ok := fe.find(mft.AttrIndexRoot, name)
	if !ok || ra.attr().NonResident {
		return nil, fmt.Errorf("volume: record %d has no resident $INDEX_ROOT %s", fe.num(), mft.NameString(name))
	}
	val := ra.attr().Value
	for i, x := range fe.indexes {
		if !equalName(x.name, name) {
			continue
		}
		if sameBytes(x.rootVal, val) {
			x.ed.Compare = cmp
			x.rootAt = ra
			return x, nil
		}
		fe.indexes = append(fe.indexes[:i], fe.indexes[i+1:]...)
		break
	}
	root, err := index.DecodeRoot(val)
	if err != nil {
		return nil, &RecordError{Record: fe.num(), Err: err}
	}
	x := &txIndex{tx: tx, fe: fe, name: name, root: root, bsize: int64(root.BlockSize), rootVal: val, rootAt: ra, nameStr: mft.NameString(name)}
	x.unit = int64(tx.v.clusterSize)
	if x.bsize < x.unit {
		x.unit = 512
	}
	x.slotShift = slotShift(x.bsize, x.unit)
	if err := x.loadAlloc(); err != nil {
		return nil, err
	}
	x.ed = &index.Editor{
		Root:      root,
		BlockSize: int(x.bsize),
		Compare:   cmp,
		Load:      x.load,
		Store:     x.store,
		Alloc:     x.allocBlock,
		Free:      x.freeBlock,
		// The transaction's decoded blocks are its own: Insert may
		// change them in place.
		InPlace: true,
		// Worked out for each edit: the record's other attributes
		// change between them.
		RootMaxFunc: x.rootMax,
	}
	fe.indexes = append(fe.indexes, x)
	return x, nil
}

// rootCurrent reports whether the $INDEX_ROOT attribute the index was
// last found at (rootAt) still holds rootVal: then it is the attribute
// find returns (a file has one root of a name) and root is current,
// without searching the record's attributes.
func (x *txIndex) rootCurrent() bool {
	r := x.rootAt.r
	if r == nil {
		return false
	}
	held := false
	for _, q := range x.fe.recs {
		if q == r {
			held = true
			break
		}
	}
	if !held || x.rootAt.i >= len(r.rec.Attrs) {
		return false
	}
	a := &r.rec.Attrs[x.rootAt.i]
	return a.Type == mft.AttrIndexRoot && !a.NonResident && sameBytes(a.Value, x.rootVal) && equalName(a.Name, x.name)
}

// sameBytes reports whether a and b are the same slice (not just equal
// bytes).
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// rootMax is the largest $INDEX_ROOT value that leaves room in the base
// record for the other attributes and for $INDEX_ALLOCATION and $BITMAP.
func (x *txIndex) rootMax() int {
	// One pass over the attributes (this runs before every edit): the
	// base record's bytes, the root's (the first $INDEX_ROOT of the
	// name, as find returns it) and whether $INDEX_ALLOCATION exists.
	base := x.fe.recs[0].rec
	all, rootLen, haveRoot, haveAlloc := 0, 0, false, false
	for _, r := range x.fe.recs {
		for i := range r.rec.Attrs {
			a := &r.rec.Attrs[i]
			if r.rec == base {
				all += int(a.Length)
			}
			switch {
			case a.Type == mft.AttrIndexRoot && !haveRoot && (!a.NonResident || a.StartVCN == 0) && equalName(a.Name, x.name):
				rootLen, haveRoot = int(a.Length), true
			case a.Type == mft.AttrIndexAllocation && !haveAlloc && (!a.NonResident || a.StartVCN == 0) && equalName(a.Name, x.name):
				haveAlloc = true
			}
		}
	}
	others := all - rootLen
	hdr := (0x18 + 2*len(x.name) + 7) &^ 7
	reserve := 0x20 // runlist growth
	if !haveAlloc {
		reserve += 0x48 + 2*len(x.name) + 0x20 + 0x28 + 8 // new $INDEX_ALLOCATION and $BITMAP
	}
	m := x.fe.recordSpace() - others - hdr - reserve
	// A root always holds at least its headers and an end entry with a
	// sub-node pointer.
	return max(m, 0x10+0x10+0x18)
}

func (x *txIndex) loadAlloc() error {
	var exts []*mft.Attr
	for _, r := range x.fe.all(mft.AttrIndexAllocation) {
		if a := r.attr(); equalName(a.Name, x.name) {
			exts = append(exts, a)
		}
	}
	if len(exts) == 0 {
		x.alloc = nil
		return nil
	}
	s, err := x.tx.v.newStream(fmt.Sprintf("record %d $INDEX_ALLOCATION %s", x.fe.num(), mft.NameString(x.name)), exts)
	if err != nil {
		return err
	}
	x.alloc = s
	return nil
}

func (x *txIndex) load(vcn mft.VCN) (*index.Block, error) {
	if i := x.slot(vcn); i >= 0 && i < len(x.front) && x.front[i] != nil {
		return x.front[i], nil
	}
	b, err := x.tx.cachedBlock(x.key(vcn), func() (*index.Block, error) { return x.read(vcn) })
	if err == nil {
		x.keep(vcn, b)
	}
	return b, err
}

func (x *txIndex) key(vcn mft.VCN) blockKey {
	return blockKey{x.fe.num(), x.nameStr, vcn}
}

func (x *txIndex) read(vcn mft.VCN) (*index.Block, error) {
	off := int64(vcn) * x.unit
	if x.alloc == nil || off < 0 || off+x.bsize > x.alloc.Size() {
		return nil, &index.CorruptError{VCN: vcn, Field: "sub-node VCN (beyond $INDEX_ALLOCATION)", Value: off}
	}
	x.readAhead(off)
	raw := x.fromWindow(off)
	if raw == nil {
		raw = x.tx.slab.rawRecord(int(x.bsize))
		if err := x.alloc.readFull(raw, off); err != nil {
			return nil, fmt.Errorf("volume: record %d: read INDX block at VCN %d: %w", x.fe.num(), vcn, err)
		}
	}
	blk, err := index.ParseBlockInPlace(raw, vcn)
	if err != nil {
		return nil, &RecordError{Record: x.fe.num(), Err: err}
	}
	return blk, nil
}

// indexAheadBytes is how much of $INDEX_ALLOCATION a lookup reads at once
// when it reads blocks in order.
const indexAheadBytes = 64 << 10

// readAhead loads the blocks from off on into the page cache in one read
// when blocks are being read in order (the second of two consecutive
// ones), as readAhead does for records. Bytes with an encoding promised
// (Tx.pendBlock) are left alone: reading them would encode their blocks
// early. Errors are left to the block's own read.
func (x *txIndex) readAhead(off int64) {
	seq := off == x.lastRead+x.bsize
	x.lastRead = off
	if !seq || off+x.bsize <= x.aheadEnd {
		return
	}
	k := min(int64(indexAheadBytes), x.alloc.Size()-off)
	if k <= x.bsize {
		return
	}
	r, ok := x.alloc.deviceRange(off, k)
	if !ok || x.tx.v.ov.promisedIn(r.off, r.n) {
		return
	}
	// Read from the overlay, past the page cache, into memory of its own:
	// the blocks read from it are decoded in place there.
	buf := x.tx.slab.rawRecord(int(k))
	if _, err := x.tx.v.ov.ReadAt(buf, r.off); err == nil {
		x.aheadEnd = off + k
		x.win, x.winAt = buf, off
		x.winUsed = slices.Grow(x.winUsed[:0], int(k/x.bsize))[:k/x.bsize]
		clear(x.winUsed)
	}
}

// fromWindow returns the bytes of the block at stream offset off from the
// window, when it holds them, they were not decoded there before (that
// applied their fixups), and they are still the block's: nothing was
// staged or promised over them since the window was read (staged pages
// stay staged, so a page clean now was clean then). nil: read the block.
func (x *txIndex) fromWindow(off int64) []byte {
	if off < x.winAt || off+x.bsize > x.winAt+int64(len(x.win)) || (off-x.winAt)%x.bsize != 0 {
		return nil
	}
	i := (off - x.winAt) / x.bsize
	if x.winUsed[i] {
		return nil
	}
	r, ok := x.alloc.deviceRange(off, x.bsize)
	if !ok || x.tx.v.ov.touchedIn(r.off, r.n) {
		return nil
	}
	x.winUsed[i] = true
	return x.win[off-x.winAt : off-x.winAt+x.bsize : off-x.winAt+x.bsize]
}

// store takes a changed or new block from the Editor. The block is kept
// decoded (the transaction's cache serves it to later edits and lookups)
// and encoded once, when the transaction ends or when its bytes are read
// (see Tx.pendBlock).
func (x *txIndex) store(blk *index.Block) error {
	off := int64(blk.VCN) * x.unit
	if x.alloc == nil || off < 0 || off+x.bsize > x.alloc.Size() {
		return fmt.Errorf("volume: record %d: write INDX block at VCN %d: beyond $INDEX_ALLOCATION", x.fe.num(), blk.VCN)
	}
	// What AppendBinary would set, so that the Editor accepts the block
	// when it loads it again before it is encoded.
	blk.AllocatedSize = uint32(x.bsize) - 0x18
	i := x.slot(blk.VCN)
	if i >= 0 && i < len(x.pend) && i < len(x.front) && x.pend[i] != nil && x.pend[i].live && x.front[i] == blk {
		// Changed in place again while its encoding is still pending:
		// the caches and the plan already have it.
		return nil
	}
	p, err := x.tx.pendBlock(x, blk)
	if err != nil {
		return err
	}
	if i >= 0 {
		if i >= len(x.pend) {
			x.pend = append(x.pend, make([]*pendingBlock, i+1-len(x.pend))...)
		}
		x.pend[i] = p
	}
	if x.tx.blocks == nil {
		x.tx.blocks = map[blockKey]*index.Block{}
	}
	x.tx.blocks[x.key(blk.VCN)] = blk
	x.keep(blk.VCN, blk)
	k := PlanBlock{Record: x.fe.num(), Index: x.nameStr, VCN: blk.VCN}
	if _, ok := x.tx.blkAct[k]; !ok {
		x.tx.blkAct[k] = "update"
	}
	return nil
}

// encode writes blk into the transaction's staged pages.
func (x *txIndex) encode(blk *index.Block) error {
	// Encoded into scratch: writeStream copies it into the staged pages.
	b, err := blk.AppendBinary(x.tx.blkBuf[:0], int(x.bsize))
	if err != nil {
		return &RecordError{Record: x.fe.num(), Err: err}
	}
	x.tx.blkBuf = b[:0]
	if _, err := mft.NextUSN(b); err != nil {
		return err
	}
	if err := mft.ProtectFixups(b); err != nil {
		return err
	}
	if err := x.tx.writeStream(x.alloc, int64(blk.VCN)*x.unit, b); err != nil {
		return fmt.Errorf("volume: record %d: write INDX block at VCN %d: %w", x.fe.num(), blk.VCN, err)
	}
	return nil
}

// bitmapAttr returns the index's $BITMAP, creating it (8 zero bytes, with
// an empty $INDEX_ALLOCATION) when the index has none.
func (x *txIndex) bitmapAttr() (attrRef, error) {
	if r, ok := x.fe.find(mft.AttrBitmap, x.name); ok {
		if r.attr().NonResident {
			return r, fmt.Errorf("volume: record %d: non-resident index $BITMAP: not supported for writing", x.fe.num())
		}
		return r, nil
	}
	if err := x.fe.add(mft.Attr{Type: mft.AttrIndexAllocation, Name: x.name, NonResident: true, LastVCN: -1}); err != nil {
		return attrRef{}, err
	}
	if err := x.fe.add(mft.Attr{Type: mft.AttrBitmap, Name: x.name, Value: make([]byte, 8)}); err != nil {
		return attrRef{}, err
	}
	r, _ := x.fe.find(mft.AttrBitmap, x.name)
	return r, nil
}

func (x *txIndex) allocBlock() (mft.VCN, error) {
	br, err := x.bitmapAttr()
	if err != nil {
		return 0, err
	}
	bm := br.attr().Value
	size := int64(0)
	if x.alloc != nil {
		size = x.alloc.Size()
	}
	// The lowest clear bit (past the end when all are set), a byte at a
	// time.
	bit := int64(len(bm)) * 8
	for i, c := range bm {
		if c != 0xFF {
			bit = int64(i)*8 + int64(bits.TrailingZeros8(^c))
			break
		}
	}
	if (bit+1)*x.bsize > size {
		if err := x.growAlloc((bit + 1) * x.bsize); err != nil {
			return 0, err
		}
		br, _ = x.fe.find(mft.AttrBitmap, x.name)
	}
	a := br.attr()
	if bit/8 >= int64(len(a.Value)) {
		nv := make([]byte, (bit/8+8)&^7)
		copy(nv, a.Value)
		a.Value = nv
		if err := a.Layout(); err != nil {
			return 0, err
		}
	}
	a.Value[bit/8] |= 1 << (bit % 8)
	x.fe.changed(br)
	vcn := mft.VCN(bit * x.bsize / x.unit)
	x.tx.blkAct[PlanBlock{Record: x.fe.num(), Index: x.nameStr, VCN: vcn}] = "create"
	return vcn, nil
}

// growAlloc extends $INDEX_ALLOCATION to at least size bytes.
func (x *txIndex) growAlloc(size int64) error {
	tx := x.tx
	cs := int64(tx.v.clusterSize)
	var first, last *mft.Attr
	var lastRef attrRef
	for _, r := range x.fe.all(mft.AttrIndexAllocation) {
		a := r.attr()
		if !equalName(a.Name, x.name) {
			continue
		}
		if a.StartVCN == 0 {
			first = a
		}
		if last == nil || a.StartVCN > last.StartVCN {
			last, lastRef = a, r
		}
		x.fe.changed(r)
	}
	if first == nil {
		return fmt.Errorf("volume: record %d: $INDEX_ALLOCATION %s has no first extent", x.fe.num(), mft.NameString(x.name))
	}
	have := first.AllocatedSize
	// Grow by what is missing, but at least double (up to 1 MiB at a
	// time), so that a growing directory keeps a short runlist.
	size = max(size, have+min(max(have, x.bsize), 1<<20))
	size = (size + x.bsize - 1) / x.bsize * x.bsize
	need := (size - have + cs - 1) / cs
	near := mft.LCN(-1)
	if k := len(last.Runs); k > 0 && !last.Runs[k-1].Sparse {
		near = last.Runs[k-1].Start + mft.LCN(last.Runs[k-1].Length)
	}
	runs, err := tx.allocClusters(need, near)
	if err != nil {
		return err
	}
	// New blocks are written whole by Store before anything points to
	// them, so their clusters need no zeroing.
	last.SetRuns(appendRuns(last.Runs, runs))
	last.LastVCN += mft.VCN(need)
	first.AllocatedSize += need * cs
	first.DataSize, first.InitializedSize = first.AllocatedSize, first.AllocatedSize
	if err := last.Layout(); err != nil {
		return err
	}
	if first != last {
		if err := first.Layout(); err != nil {
			return err
		}
	}
	x.fe.changed(lastRef)
	// The index $BITMAP covers every block of the allocation.
	if br, ok := x.fe.find(mft.AttrBitmap, x.name); ok && !br.attr().NonResident {
		a := br.attr()
		if need := int((first.AllocatedSize/x.bsize+63)/64) * 8; len(a.Value) < need {
			nv := make([]byte, need)
			copy(nv, a.Value)
			a.Value = nv
			if err := a.Layout(); err != nil {
				return err
			}
			x.fe.changed(br)
		}
	}
	return x.loadAlloc()
}

func (x *txIndex) freeBlock(vcn mft.VCN) error {
	br, ok := x.fe.find(mft.AttrBitmap, x.name)
	if !ok {
		return fmt.Errorf("volume: record %d: free INDX block %d: no $BITMAP", x.fe.num(), vcn)
	}
	bit := int64(vcn) * x.unit / x.bsize
	a := br.attr()
	if bit/8 >= int64(len(a.Value)) {
		return fmt.Errorf("volume: record %d: free INDX block %d: beyond $BITMAP", x.fe.num(), vcn)
	}
	a.Value[bit/8] &^= 1 << (bit % 8)
	x.fe.changed(br)
	delete(x.tx.blocks, x.key(vcn))
	x.keep(vcn, nil)
	x.tx.dropBlock(x.key(vcn))
	x.tx.blkAct[PlanBlock{Record: x.fe.num(), Index: x.nameStr, VCN: vcn}] = "free"
	return nil
}

// close writes the root back into the record (the caller saves fe).
func (x *txIndex) close() error {
	if !x.ed.RootChanged {
		if x.rootCurrent() {
			return nil // the root is as decoded or last written
		}
		if ra, ok := x.fe.find(mft.AttrIndexRoot, x.name); ok && sameBytes(ra.attr().Value, x.rootVal) {
			x.rootAt = ra
			return nil
		}
	}
	x.ed.RootChanged = false
	val, err := x.root.AppendBinary(nil)
	if err != nil {
		x.drop()
		return &RecordError{Record: x.fe.num(), Err: err}
	}
	ra, _ := x.fe.find(mft.AttrIndexRoot, x.name)
	a := ra.attr()
	if string(a.Value) != string(val) {
		a.Value = val
		if err := a.Layout(); err != nil {
			x.drop()
			return err
		}
		x.fe.changed(ra)
	}
	x.rootVal, x.rootAt = a.Value, ra
	return nil
}

// drop forgets x: its root may differ from the record's.
func (x *txIndex) drop() {
	for i, y := range x.fe.indexes {
		if y == x {
			x.fe.indexes = append(x.fe.indexes[:i], x.fe.indexes[i+1:]...)
			return
		}
	}
}

// fileNameCompare orders $I30 keys ($FILE_NAME values) by name through
// the volume's $UpCase.
func (v *Volume) fileNameCompare(a, b []byte) int {
	// UpCase.CompareNames on the names in place (no decoding).
	x, y := keyNameBytes(a), keyNameBytes(b)
	n := min(len(x), len(y)) / 2
	u := v.upcase
	for i := range n {
		p, q := binary.LittleEndian.Uint16(x[2*i:]), binary.LittleEndian.Uint16(y[2*i:])
		if p == q {
			continue
		}
		if p, q = u.Upper(p), u.Upper(q); p != q {
			return cmpInt64(int64(p), int64(q))
		}
	}
	if len(x) != len(y) {
		return cmpInt64(int64(len(x)), int64(len(y)))
	}
	for i := range n {
		p, q := binary.LittleEndian.Uint16(x[2*i:]), binary.LittleEndian.Uint16(y[2*i:])
		if p != q {
			return cmpInt64(int64(p), int64(q))
		}
	}
	return 0
}

// keyNameBytes is keyName's code units as little-endian bytes, in place.
func keyNameBytes(k []byte) []byte {
	if len(k) < 0x42 {
		return nil
	}
	n := int(k[0x40])
	if 0x42+2*n > len(k) {
		n = (len(k) - 0x42) / 2
	}
	return k[0x42 : 0x42+2*n]
}

// keyName extracts the name of a $FILE_NAME key without decoding it all.
func keyName(k []byte) []uint16 {
	if len(k) < 0x42 {
		return nil
	}
	n := int(k[0x40])
	if 0x42+2*n > len(k) {
		n = (len(k) - 0x42) / 2
	}
	out := make([]uint16, n)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(k[0x42+2*i:])
	}
	return out
}

// ulongsCompare is COLLATION_NTOFS_ULONGS: keys compared as sequences of
// little-endian u32 ($Reparse's tag + file reference).
func ulongsCompare(a, b []byte) int {
	for i := 0; i+4 <= len(a) && i+4 <= len(b); i += 4 {
		x, y := binary.LittleEndian.Uint32(a[i:]), binary.LittleEndian.Uint32(b[i:])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}
