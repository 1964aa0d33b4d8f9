package index

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/ntfsedit/ntfsedit/mft"
)

var le = binary.LittleEndian

func align8(n int) int { return (n + 7) &^ 7 }

// NodeFlags are the flags of an index node header.
type NodeFlags uint8

// NodeHasChildren marks a node whose entries point to sub-nodes (not a leaf).
const NodeHasChildren NodeFlags = 0x01

// Index node header layout (in $INDEX_ROOT at 0x10, in INDX blocks at 0x18):
//
//	0x00 offset of the first entry u32 | 0x04 bytes in use u32 | 0x08 bytes allocated u32
//	0x0C flags u8 | 0x0D padding
//
// All three are relative to the start of the node header.
const nodeHeaderLen = 0x10

// Node is the list of entries of an index node: the root, or one INDX block.
type Node struct {
	EntriesOffset uint32 // 0x00
	IndexLength   uint32 // 0x04: bytes in use from the header start
	AllocatedSize uint32 // 0x08
	Flags         NodeFlags
	Entries       []Entry // the last has EntryLast
}

// IsLeaf reports whether the node has no sub-nodes.
func (n *Node) IsLeaf() bool { return n.Flags&NodeHasChildren == 0 }

// decodeNode decodes a node header at b[0:] and its entries. b extends to
// the end of the allocation (INDX block or root value). The entries are
// appended to entries[:0] when it has capacity.
func decodeNode(b []byte, vcn mft.VCN, base int, entries []Entry) (Node, error) {
	n := Node{Entries: entries[:0]}
	fail := func(err error) (Node, error) {
		var ce *CorruptError
		if errors.As(err, &ce) {
			ce.VCN = vcn
			ce.Offset += base
		}
		return n, err
	}
	if len(b) < nodeHeaderLen {
		return fail(&CorruptError{Field: "index node header (truncated)", Value: len(b)})
	}
	n.EntriesOffset = le.Uint32(b)
	n.IndexLength = le.Uint32(b[4:])
	n.AllocatedSize = le.Uint32(b[8:])
	n.Flags = NodeFlags(b[0x0C])
	if int64(n.AllocatedSize) > int64(len(b)) {
		return fail(&CorruptError{Offset: 8, Field: "index node allocated size", Value: n.AllocatedSize})
	}
	if n.IndexLength > n.AllocatedSize {
		return fail(&CorruptError{Offset: 4, Field: "index node length", Value: n.IndexLength})
	}
	if n.EntriesOffset < nodeHeaderLen || n.EntriesOffset >= n.IndexLength {
		return fail(&CorruptError{Offset: 0, Field: "index entries offset", Value: n.EntriesOffset})
	}
	end := int(n.IndexLength)
	if cap(n.Entries) == 0 {
		// Sized for $I30 entries (a header and a $FILE_NAME of at least
		// one character, 0x58 bytes): one allocation for a directory's node.
		n.Entries = make([]Entry, 0, (end-int(n.EntriesOffset))/0x58+1)
	}
	for off := int(n.EntriesOffset); ; {
		if off >= end {
			return fail(&CorruptError{Offset: off, Field: "index node (no last entry)"})
		}
		n.Entries = append(n.Entries, Entry{})
		e := &n.Entries[len(n.Entries)-1]
		if err := decodeEntryInto(e, b[off:end]); err != nil {
			n.Entries = n.Entries[:len(n.Entries)-1]
			var ce *CorruptError
			if errors.As(err, &ce) {
				ce.Offset += off
			}
			return fail(err)
		}
		if e.HasChild() != (n.Flags&NodeHasChildren != 0) {
			flags := e.Flags
			n.Entries = n.Entries[:len(n.Entries)-1]
			return fail(&CorruptError{Offset: off + 0x0C, Field: "index entry flags (sub-node flag differs from node's)", Value: flags})
		}
		off += int(e.Length)
		if e.IsLast() {
			// Windows and ntfs-3g end the node exactly after the last
			// entry; the encoder derives IndexLength from the entries,
			// so bytes in use past the last entry could not round-trip.
			if off != end {
				return fail(&CorruptError{Offset: 4, Field: "index node length (past the last entry)", Value: n.IndexLength})
			}
			return n, nil
		}
	}
}

// locate adds the position of a node inside its block or root value to a
// *CorruptError in err.
func locate(err error, vcn mft.VCN, base int) error {
	var ce *CorruptError
	if errors.As(err, &ce) {
		ce.VCN = vcn
		ce.Offset += base
	}
	return err
}

// layout checks that the node's entries would decode again and returns
// where they start (first when EntriesOffset is zero: a node built in
// code) and the bytes in use once encoded. first is the lowest offset the
// entries may take.
func (n *Node) layout(first int) (entriesOff, used int, err error) {
	entriesOff = int(n.EntriesOffset)
	if entriesOff == 0 {
		entriesOff = first
	}
	if entriesOff < first {
		return 0, 0, &CorruptError{Offset: 0, Field: "index entries offset", Value: n.EntriesOffset}
	}
	if len(n.Entries) == 0 {
		return 0, 0, &CorruptError{Offset: entriesOff, Field: "index node (no last entry)"}
	}
	off := entriesOff
	for i := range n.Entries {
		e := &n.Entries[i]
		if e.IsLast() != (i == len(n.Entries)-1) {
			return 0, 0, &CorruptError{Offset: off + 0x0C, Field: "index entry flags (last entry must end the node)", Value: e.Flags}
		}
		if e.HasChild() != (n.Flags&NodeHasChildren != 0) {
			return 0, 0, &CorruptError{Offset: off + 0x0C, Field: "index entry flags (sub-node flag differs from node's)", Value: e.Flags}
		}
		off += e.encodedLen()
	}
	return entriesOff, off, nil
}

// appendNode encodes the header and entries into out, which spans the
// whole allocation (root value or block tail), and sets EntriesOffset and
// IndexLength. first is as for layout.
func (n *Node) appendNode(out []byte, first int) error {
	entriesOff, used, err := n.layout(first)
	if err != nil {
		return err
	}
	if used > len(out) {
		return &CorruptError{Offset: 4, Field: "index node (entries exceed allocation)", Value: used}
	}
	n.EntriesOffset = uint32(entriesOff)
	le.PutUint32(out, n.EntriesOffset)
	le.PutUint32(out[8:], n.AllocatedSize)
	out[0x0C] = byte(n.Flags)
	off := entriesOff
	for i := range n.Entries {
		e := &n.Entries[i]
		// out[off:off] has room for the entry (checked above), so
		// appendEntry writes in place.
		if _, err := appendEntry(out[off:off:off+e.encodedLen()], e); err != nil {
			return locate(err, 0, off)
		}
		off += int(e.Length)
	}
	n.IndexLength = uint32(off)
	le.PutUint32(out[4:], n.IndexLength)
	return nil
}

// INDX block layout:
//
//	0x00 "INDX" | 0x04 USA offset u16 | 0x06 USA count u16 | 0x08 $LogFile LSN u64
//	0x10 VCN of this block u64 | 0x18 node header
const blockHeaderLen = 0x18

// Block is one INDX block of $INDEX_ALLOCATION.
type Block struct {
	USAOffset, USACount uint16
	LSN                 uint64
	VCN                 mft.VCN
	Node

	raw []byte // decoded bytes (fixups applied): slack past IndexLength is kept
}

// Raw returns the decoded block bytes; the bytes past the node's
// IndexLength are slack that may hold old entries.
func (b *Block) Raw() []byte { return b.raw }

// ParseBlock copies raw on-disk bytes of an INDX block, applies its fixups
// and decodes it. vcn is where the block was read from, used in errors and
// checked against the stored VCN.
func ParseBlock(raw []byte, vcn mft.VCN) (*Block, error) {
	return ParseBlockInPlace(bytes.Clone(raw), vcn)
}

// ParseBlockInPlace is ParseBlock for a buffer the caller gives up: the
// fixups are applied in b, and the block aliases it.
func ParseBlockInPlace(b []byte, vcn mft.VCN) (*Block, error) {
	return ParseBlockReuse(nil, b, vcn)
}

// ParseBlockReuse is ParseBlockInPlace decoding into blk, a block the
// caller no longer uses (its entries' capacity is reused); nil blk
// allocates a new one. Tree walks recycle blocks through Tree.Release.
func ParseBlockReuse(blk *Block, b []byte, vcn mft.VCN) (*Block, error) {
	if len(b) < 4 || string(b[:4]) != "INDX" {
		sig := b
		if len(sig) > 4 {
			sig = sig[:4]
		}
		return nil, &CorruptError{VCN: vcn, Field: "INDX signature", Value: sigString(sig)}
	}
	if err := mft.ApplyFixups(b); err != nil {
		var ce *mft.CorruptError
		if errors.As(err, &ce) {
			return nil, &CorruptError{VCN: vcn, Offset: ce.Offset, Field: ce.Field, Value: ce.Value}
		}
		return nil, err
	}
	return decodeBlock(blk, b, vcn)
}

func sigString(b []byte) string { return "\"" + string(bytes.ToValidUTF8(b, []byte("?"))) + "\"" }

// DecodeBlock decodes an INDX block whose fixups were already applied.
func DecodeBlock(b []byte, vcn mft.VCN) (*Block, error) { return decodeBlock(nil, b, vcn) }

// decodeBlock is DecodeBlock into blk (reusing its entries), or a new
// block when blk is nil.
func decodeBlock(blk *Block, b []byte, vcn mft.VCN) (*Block, error) {
	if len(b) < blockHeaderLen+nodeHeaderLen || string(b[:4]) != "INDX" {
		return nil, &CorruptError{VCN: vcn, Field: "INDX block header"}
	}
	var entries []Entry
	if blk == nil {
		blk = new(Block)
	} else {
		entries = blk.Entries
	}
	*blk = Block{raw: b}
	blk.USAOffset = le.Uint16(b[4:])
	blk.USACount = le.Uint16(b[6:])
	blk.LSN = le.Uint64(b[8:])
	blk.VCN = mft.VCN(le.Uint64(b[0x10:]))
	if err := checkUSA(blk.USAOffset, blk.USACount, len(b)); err != nil {
		return nil, locate(err, vcn, 0)
	}
	if blk.VCN != vcn && vcn != NoVCN {
		return nil, &CorruptError{VCN: vcn, Offset: 0x10, Field: "INDX block VCN", Value: int64(blk.VCN)}
	}
	if eo, usaEnd := le.Uint32(b[blockHeaderLen:]), int(blk.USAOffset)+2*int(blk.USACount); blockHeaderLen+int64(eo) < int64(usaEnd) {
		return nil, &CorruptError{VCN: vcn, Offset: blockHeaderLen, Field: "index entries offset (overlaps the update sequence array)", Value: eo}
	}
	node, err := decodeNode(b[blockHeaderLen:], vcn, blockHeaderLen, entries)
	if err != nil {
		return nil, err
	}
	if int(node.AllocatedSize)+blockHeaderLen != len(b) {
		return nil, &CorruptError{VCN: vcn, Offset: blockHeaderLen + 8, Field: "INDX allocated size", Value: node.AllocatedSize}
	}
	blk.Node = node
	return blk, nil
}

// checkUSA checks the update sequence array fields of an INDX block of
// size bytes as mft.ApplyFixups does, and that the array follows the node
// header (offset 0x28 on Windows and mkntfs volumes).
func checkUSA(off, count uint16, size int) error {
	if size%mft.SectorSize != 0 || size < mft.SectorSize {
		return &CorruptError{Offset: 0, Field: "INDX block size", Value: size}
	}
	if int(count) != size/mft.SectorSize+1 {
		return &CorruptError{Offset: 6, Field: "update sequence array count", Value: count}
	}
	if off < blockHeaderLen+nodeHeaderLen || off%2 != 0 || int(off)+2*int(count) > mft.SectorSize-2 {
		return &CorruptError{Offset: 4, Field: "update sequence array offset", Value: off}
	}
	return nil
}

// AppendBinary encodes the block with fixups not applied (call
// mft.ProtectFixups before writing). size is the index block size.
//
// It fills in what a block built in code leaves zero: the update sequence
// array (offset 0x28, one slot per 512 bytes), EntriesOffset (the first
// 8-aligned offset after the array) and entry lengths (packed layout). It
// always sets AllocatedSize to size-0x18 and IndexLength from the entries.
// Bytes past IndexLength (slack) are those of the decoded block when size
// is unchanged, else zero.
func (blk *Block) AppendBinary(b []byte, size int) ([]byte, error) {
	if blk.USAOffset == 0 && blk.USACount == 0 && size > 0 && size%mft.SectorSize == 0 {
		blk.USAOffset, blk.USACount = blockHeaderLen+nodeHeaderLen, uint16(size/mft.SectorSize+1)
	}
	if err := checkUSA(blk.USAOffset, blk.USACount, size); err != nil {
		return b, locate(err, blk.VCN, 0)
	}
	first := align8(int(blk.USAOffset)+2*int(blk.USACount)) - blockHeaderLen
	if blk.EntriesOffset != 0 {
		first = int(blk.USAOffset) + 2*int(blk.USACount) - blockHeaderLen
	}
	start := len(b)
	b = append(b, make([]byte, size)...)
	out := b[start:]
	if len(blk.raw) == size {
		copy(out, blk.raw)
	}
	copy(out, "INDX")
	le.PutUint16(out[4:], blk.USAOffset)
	le.PutUint16(out[6:], blk.USACount)
	le.PutUint64(out[8:], blk.LSN)
	le.PutUint64(out[0x10:], uint64(blk.VCN))
	blk.AllocatedSize = uint32(size - blockHeaderLen)
	if err := blk.Node.appendNode(out[blockHeaderLen:], first); err != nil {
		return b[:start], locate(err, blk.VCN, blockHeaderLen)
	}
	return b, nil
}

// CollationRule says how an index orders its keys.
type CollationRule uint32

const (
	CollationBinary       CollationRule = 0x00
	CollationFileName     CollationRule = 0x01 // $I30: $UpCase, then case-sensitive
	CollationUnicode      CollationRule = 0x02
	CollationULong        CollationRule = 0x10 // $O of $Quota
	CollationSID          CollationRule = 0x11 // $O of $Quota
	CollationSecurityHash CollationRule = 0x12 // $SDH
	CollationULongs       CollationRule = 0x13 // $R of $Reparse, $O of $ObjId
)

func (c CollationRule) String() string {
	switch c {
	case CollationBinary:
		return "COLLATION_BINARY"
	case CollationFileName:
		return "COLLATION_FILE_NAME"
	case CollationUnicode:
		return "COLLATION_UNICODE_STRING"
	case CollationULong:
		return "COLLATION_NTOFS_ULONG"
	case CollationSID:
		return "COLLATION_NTOFS_SID"
	case CollationSecurityHash:
		return "COLLATION_NTOFS_SECURITY_HASH"
	case CollationULongs:
		return "COLLATION_NTOFS_ULONGS"
	}
	return "collation 0x" + hex32(uint32(c))
}

func hex32(v uint32) string {
	const digits = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = digits[v&0xF]
		v >>= 4
	}
	return string(bytes.TrimLeft(b[:7], "0")) + string(b[7])
}

// $INDEX_ROOT value layout:
//
//	0x00 indexed attribute type u32 (0x30 for $I30, 0 for view indexes)
//	0x04 collation rule u32 | 0x08 index block size u32 | 0x0C clusters per index block u8
//	0x10 node header
const rootHeaderLen = 0x10

// Root is an $INDEX_ROOT (0x90) value.
type Root struct {
	AttrType         mft.AttrType
	Collation        CollationRule
	BlockSize        uint32 // bytes per INDX block
	ClustersPerBlock uint8  // or, below one cluster, 512-byte units per block
	Node

	raw []byte
}

// DecodeRoot decodes an $INDEX_ROOT value. It keeps a copy of b, so the
// caller may reuse its buffer.
func DecodeRoot(b []byte) (*Root, error) {
	if len(b) < rootHeaderLen+nodeHeaderLen {
		return nil, &CorruptError{VCN: NoVCN, Field: "$INDEX_ROOT length", Value: len(b)}
	}
	b = bytes.Clone(b)
	r := &Root{raw: b}
	r.AttrType = mft.AttrType(le.Uint32(b))
	r.Collation = CollationRule(le.Uint32(b[4:]))
	r.BlockSize = le.Uint32(b[8:])
	r.ClustersPerBlock = b[0x0C]
	if !validBlockSize(r.BlockSize) {
		return nil, &CorruptError{VCN: NoVCN, Offset: 8, Field: "index block size", Value: r.BlockSize}
	}
	node, err := decodeNode(b[rootHeaderLen:], NoVCN, rootHeaderLen, nil)
	if err != nil {
		return nil, err
	}
	// The resident value is exactly the root: bytes past the node's
	// allocation would be lost on encoding.
	if rootHeaderLen+int(node.AllocatedSize) != len(b) {
		return nil, &CorruptError{VCN: NoVCN, Offset: rootHeaderLen + 8, Field: "index node allocated size (differs from the value length)", Value: node.AllocatedSize}
	}
	r.Node = node
	return r, nil
}

func validBlockSize(n uint32) bool {
	return n >= mft.SectorSize && n&(n-1) == 0 && n <= 1<<20
}

// AppendBinary encodes the value; its length is 0x10 + the node's
// allocated size. The root is packed (allocated == in use, as Windows
// keeps it): when the decoded or built root has AllocatedSize equal to
// IndexLength (or both zero), both follow the entries, so that adding or
// removing entries grows or shrinks the value. A root decoded with slack
// keeps its AllocatedSize. Zero entry lengths get the packed layout.
func (r *Root) AppendBinary(b []byte) ([]byte, error) {
	if !validBlockSize(r.BlockSize) {
		return b, &CorruptError{VCN: NoVCN, Offset: 8, Field: "index block size", Value: r.BlockSize}
	}
	_, used, err := r.Node.layout(nodeHeaderLen)
	if err != nil {
		return b, locate(err, NoVCN, rootHeaderLen)
	}
	alloc := int(r.AllocatedSize)
	if r.AllocatedSize == r.IndexLength {
		alloc = used
	}
	if used > alloc {
		return b, &CorruptError{VCN: NoVCN, Offset: rootHeaderLen + 8, Field: "index node (entries exceed allocation)", Value: used}
	}
	r.AllocatedSize = uint32(alloc)
	size := rootHeaderLen + alloc
	start := len(b)
	b = append(b, make([]byte, size)...)
	out := b[start:]
	if len(r.raw) == size {
		copy(out, r.raw)
	}
	le.PutUint32(out, uint32(r.AttrType))
	le.PutUint32(out[4:], uint32(r.Collation))
	le.PutUint32(out[8:], r.BlockSize)
	out[0x0C] = r.ClustersPerBlock
	if err := r.Node.appendNode(out[rootHeaderLen:], nodeHeaderLen); err != nil {
		return b[:start], locate(err, NoVCN, rootHeaderLen)
	}
	return b, nil
}
