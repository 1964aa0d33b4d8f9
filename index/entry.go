package index

import (
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
)

// EntryFlags are the flags of an index entry.
type EntryFlags uint16

const (
	EntryHasChild EntryFlags = 0x01 // INDEX_ENTRY_NODE: a sub-node VCN ends the entry
	EntryLast     EntryFlags = 0x02 // INDEX_ENTRY_END: no key; ends the node
)

func (f EntryFlags) String() string {
	s := ""
	if f&EntryHasChild != 0 {
		s += "child|"
	}
	if f&EntryLast != 0 {
		s += "last|"
	}
	if r := f &^ (EntryHasChild | EntryLast); r != 0 {
		s += fmt.Sprintf("0x%x|", uint16(r))
	}
	if s == "" {
		return "0"
	}
	return s[:len(s)-1]
}

// Index entry layout:
//
//	0x00 file reference u64 ($I30), or data offset u16 + data length u16 + reserved u32 (view indexes)
//	0x08 entry length u16 (8-aligned) | 0x0A key length u16 | 0x0C flags u16 | 0x0E reserved u16
//	0x10 key | ... | last 8 bytes: sub-node VCN when EntryHasChild
const entryHeaderLen = 0x10

// Entry is one index entry.
type Entry struct {
	// Ref is the file reference of an $I30 entry. For view indexes the same
	// eight bytes hold DataOffset, DataLength and a reserved field; both
	// views are decoded, and the encoder writes Ref.
	Ref        mft.FileRef
	DataOffset uint16
	DataLength uint16
	Length     uint16 // 0x08
	KeyLength  uint16 // 0x0A
	Flags      EntryFlags
	Key        []byte // the $FILE_NAME value for $I30
	Child      mft.VCN

	raw []byte
}

// HasChild reports whether the entry points to a sub-node.
func (e *Entry) HasChild() bool { return e.Flags&EntryHasChild != 0 }

// IsLast reports whether this is the terminating entry of a node.
func (e *Entry) IsLast() bool { return e.Flags&EntryLast != 0 }

// FileName decodes the key of an $I30 entry.
func (e *Entry) FileName() (mft.FileName, error) { return mft.DecodeFileName(e.Key) }

// Data returns the data of a view-index entry ($R, $SII, $SDH, $O, $Q).
func (e *Entry) Data() ([]byte, error) {
	o, n := int(e.DataOffset), int(e.DataLength)
	if o+n > len(e.raw) || (n > 0 && o < entryHeaderLen) {
		return nil, fmt.Errorf("index: entry data offset 0x%x length %d out of range", o, n)
	}
	return e.raw[o : o+n], nil
}

// decodeEntry decodes the entry at b[0:] (b extends to the end of the node).
func decodeEntry(b []byte) (Entry, error) {
	var e Entry
	err := decodeEntryInto(&e, b)
	return e, err
}

// decodeEntryInto is decodeEntry into *e, which must be zero (a node's
// entries are decoded in place in their slice, not copied twice each).
func decodeEntryInto(e *Entry, b []byte) error {
	if len(b) < entryHeaderLen {
		return &CorruptError{Field: "index entry (truncated)", Value: len(b)}
	}
	e.Ref = mft.FileRef(le.Uint64(b))
	e.DataOffset = le.Uint16(b)
	e.DataLength = le.Uint16(b[2:])
	e.Length = le.Uint16(b[8:])
	e.KeyLength = le.Uint16(b[0x0A:])
	e.Flags = EntryFlags(le.Uint16(b[0x0C:]))
	n := int(e.Length)
	if n < entryHeaderLen || n > len(b) || n%8 != 0 {
		return &CorruptError{Offset: 8, Field: "index entry length", Value: n}
	}
	if e.HasChild() && n < entryHeaderLen+8 {
		return &CorruptError{Offset: 8, Field: "index entry length (no room for sub-node VCN)", Value: n}
	}
	e.raw = b[:n]
	keyEnd := n
	if e.HasChild() {
		keyEnd -= 8
		e.Child = mft.VCN(le.Uint64(b[n-8:]))
		if e.Child < 0 {
			return &CorruptError{Offset: n - 8, Field: "sub-node VCN", Value: int64(e.Child)}
		}
	}
	if !e.IsLast() {
		if entryHeaderLen+int(e.KeyLength) > keyEnd {
			return &CorruptError{Offset: 0x0A, Field: "index key length", Value: e.KeyLength}
		}
		e.Key = b[entryHeaderLen : entryHeaderLen+int(e.KeyLength)]
	}
	return nil
}

// encodedLen is the length appendEntry gives e: Length, or for zero the
// packed length (header and key rounded up to 8, plus the sub-node VCN).
func (e *Entry) encodedLen() int {
	if e.Length != 0 {
		return int(e.Length)
	}
	n := align8(entryHeaderLen + len(e.Key))
	if e.HasChild() {
		n += 8
	}
	return n
}

// appendEntry encodes e; a zero Length gets the packed layout. KeyLength
// is set from Key, except in a decoded last entry, which has no key but
// keeps whatever its key length field held.
func appendEntry(b []byte, e *Entry) ([]byte, error) {
	if e.IsLast() && len(e.Key) != 0 {
		return b, &CorruptError{Offset: 0x0A, Field: "index key length (last entry has no key)", Value: len(e.Key)}
	}
	if len(e.Key) > 0xFFFF {
		return b, &CorruptError{Offset: 0x0A, Field: "index key length", Value: len(e.Key)}
	}
	n := e.encodedLen()
	need := entryHeaderLen + len(e.Key)
	if e.HasChild() {
		need += 8
	}
	if n < need || n%8 != 0 || n > 0xFFFF {
		return b, &CorruptError{Offset: 8, Field: "index entry length", Value: n}
	}
	if e.HasChild() && e.Child < 0 {
		return b, &CorruptError{Offset: n - 8, Field: "sub-node VCN", Value: int64(e.Child)}
	}
	if e.Length == 0 {
		e.raw = nil
	}
	if e.Length == 0 || !e.IsLast() {
		e.KeyLength = uint16(len(e.Key))
	}
	e.Length = uint16(n)
	start := len(b)
	b = append(b, make([]byte, n)...)
	out := b[start:]
	if len(e.raw) == n {
		copy(out, e.raw)
	}
	le.PutUint64(out, uint64(e.Ref))
	le.PutUint16(out[8:], e.Length)
	le.PutUint16(out[0x0A:], e.KeyLength)
	le.PutUint16(out[0x0C:], uint16(e.Flags))
	copy(out[entryHeaderLen:], e.Key)
	if e.HasChild() {
		le.PutUint64(out[n-8:], uint64(e.Child))
	}
	return b, nil
}
