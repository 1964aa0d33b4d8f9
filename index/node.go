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
// the end of the allocation (INDX block or root value).
func decodeNode(b []byte, vcn mft.VCN, base int) (Node, error) {
	var n Node
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
	for off := int(n.EntriesOffset); ; {
		if off >= end {
			return fail(&CorruptError{Offset: off, Field: "index node (no last entry)"})
		}
		e, err := decodeEntry(b[off:end])
		if err != nil {
			var ce *CorruptError
			if errors.As(err, &ce) {
				ce.Offset += off
			}
			return fail(err)
		}
		if e.HasChild() != (n.Flags&NodeHasChildren != 0) {
			return fail(&CorruptError{Offset: off + 0x0C, Field: "index entry flags (sub-node flag differs from node's)", Value: e.Flags})
		}
		n.Entries = append(n.Entries, e)
		off += int(e.Length)
		if e.IsLast() {
			return n, nil
		}
	}
}

// appendNode encodes the header and entries into out, which spans the
// whole allocation (root value or block tail).
func (n *Node) appendNode(out []byte) error {
	le.PutUint32(out, n.EntriesOffset)
	le.PutUint32(out[8:], n.AllocatedSize)
	out[0x0C] = byte(n.Flags)
	off := int(n.EntriesOffset)
	for i := range n.Entries {
		e := &n.Entries[i]
		if off+int(e.Length) > len(out) || (e.Length == 0 && off+align8(entryHeaderLen+len(e.Key))+8 > len(out)) {
			return &CorruptError{Offset: off, Field: "index node (entries exceed allocation)", Value: len(n.Entries)}
		}
		if _, err := appendEntry(out[off:off], e); err != nil {
			return err
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
	b := bytes.Clone(raw)
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
	return DecodeBlock(b, vcn)
}

func sigString(b []byte) string { return "\"" + string(bytes.ToValidUTF8(b, []byte("?"))) + "\"" }

// DecodeBlock decodes an INDX block whose fixups were already applied.
func DecodeBlock(b []byte, vcn mft.VCN) (*Block, error) {
	if len(b) < blockHeaderLen+nodeHeaderLen || string(b[:4]) != "INDX" {
		return nil, &CorruptError{VCN: vcn, Field: "INDX block header"}
	}
	blk := &Block{raw: b}
	blk.USAOffset = le.Uint16(b[4:])
	blk.USACount = le.Uint16(b[6:])
	blk.LSN = le.Uint64(b[8:])
	blk.VCN = mft.VCN(le.Uint64(b[0x10:]))
	if blk.VCN != vcn && vcn != NoVCN {
		return nil, &CorruptError{VCN: vcn, Offset: 0x10, Field: "INDX block VCN", Value: int64(blk.VCN)}
	}
	node, err := decodeNode(b[blockHeaderLen:], vcn, blockHeaderLen)
	if err != nil {
		return nil, err
	}
	if int(node.AllocatedSize)+blockHeaderLen != len(b) {
		return nil, &CorruptError{VCN: vcn, Offset: blockHeaderLen + 8, Field: "INDX allocated size", Value: node.AllocatedSize}
	}
	blk.Node = node
	return blk, nil
}

// AppendBinary encodes the block with fixups not applied (call
// mft.ProtectFixups before writing). size is the index block size.
func (blk *Block) AppendBinary(b []byte, size int) ([]byte, error) {
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
	if err := blk.Node.appendNode(out[blockHeaderLen:]); err != nil {
		return b[:start], err
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

// DecodeRoot decodes an $INDEX_ROOT value.
func DecodeRoot(b []byte) (*Root, error) {
	if len(b) < rootHeaderLen+nodeHeaderLen {
		return nil, &CorruptError{VCN: NoVCN, Field: "$INDEX_ROOT length", Value: len(b)}
	}
	r := &Root{raw: b}
	r.AttrType = mft.AttrType(le.Uint32(b))
	r.Collation = CollationRule(le.Uint32(b[4:]))
	r.BlockSize = le.Uint32(b[8:])
	r.ClustersPerBlock = b[0x0C]
	if r.BlockSize < mft.SectorSize || r.BlockSize&(r.BlockSize-1) != 0 || r.BlockSize > 1<<20 {
		return nil, &CorruptError{VCN: NoVCN, Offset: 8, Field: "index block size", Value: r.BlockSize}
	}
	node, err := decodeNode(b[rootHeaderLen:], NoVCN, rootHeaderLen)
	if err != nil {
		return nil, err
	}
	r.Node = node
	return r, nil
}

// AppendBinary encodes the value; its length is 0x10 + the node's
// allocated size (the root is always packed: allocated == in use).
func (r *Root) AppendBinary(b []byte) ([]byte, error) {
	size := rootHeaderLen + int(r.AllocatedSize)
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
	if err := r.Node.appendNode(out[rootHeaderLen:]); err != nil {
		return b[:start], err
	}
	return b, nil
}
