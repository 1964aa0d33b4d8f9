package mft

import "bytes"

// FILE record header layout (NTFS 3.1):
//
//	0x00 "FILE" | 0x04 USA offset u16 | 0x06 USA count u16 | 0x08 $LogFile LSN u64
//	0x10 sequence number u16 | 0x12 hard-link count u16 | 0x14 first attribute offset u16
//	0x16 flags u16 | 0x18 bytes in use u32 | 0x1C bytes allocated u32
//	0x20 base record reference u64 | 0x28 next attribute id u16
//	0x2C this record's number u32 (3.1 only, when the USA starts at 0x30)
const recordHeaderLen = 0x30

// Record is a decoded FILE record.
type Record struct {
	Magic          [4]byte // "FILE"; "BAAD" marks a record chkdsk found torn
	USAOffset      uint16
	USACount       uint16
	LSN            uint64
	Seq            uint16 // 0x10: bumped each time the record is freed
	LinkCount      uint16 // 0x12: number of $FILE_NAME attributes (DOS names included)
	AttrOffset     uint16 // 0x14: 8-aligned
	Flags          RecordFlags
	BytesInUse     uint32       // 0x18: ≤ BytesAllocated, 8-aligned
	BytesAllocated uint32       // 0x1C: the record size
	Base           FileRef      // 0x20: zero for a base record, else the base record
	NextAttrID     uint16       // 0x28
	Number         RecordNumber // 0x2C: when HasNumber
	HasNumber      bool
	Attrs          []Attr

	raw    []byte // decoded bytes (fixups applied): header tail, USA, slack
	endOff int    // offset of the decoded end marker
}

// Bytes returns the buffer the record was decoded from (fixups applied).
// Attribute values alias it.
func (r *Record) Bytes() []byte { return r.raw }

// InUse reports whether the record is allocated.
func (r *Record) InUse() bool { return r.Flags&RecordInUse != 0 }

// IsDir reports whether the record carries a directory index.
func (r *Record) IsDir() bool { return r.Flags&RecordDirectory != 0 }

// IsBase reports whether this is a base record (not an extension record).
func (r *Record) IsBase() bool { return r.Base == 0 }

// DecodeRecord decodes a FILE record whose fixups were already applied
// (ApplyFixups). n names the record in errors; pass NoRecord if unknown.
// The returned record's attribute values alias b.
func DecodeRecord(b []byte, n RecordNumber) (*Record, error) {
	r := new(Record)
	if err := DecodeRecordInto(r, b, n); err != nil {
		return nil, err
	}
	return r, nil
}

// DecodeRecordInto is DecodeRecord into an existing Record, reusing the
// capacity of its Attrs: readers that scan many records recycle them. On
// error r is left in an unspecified state.
func DecodeRecordInto(r *Record, b []byte, n RecordNumber) error {
	if err := DecodeRecordHeader(r, b, n); err != nil {
		return err
	}
	return r.DecodeAttrs(n)
}

// DecodeRecordHeader decodes and validates only the header of the record
// in b into r, leaving r.Attrs empty (with its capacity kept): readers that
// need just the sequence number and flags of many records skip the
// attributes. DecodeAttrs completes it.
func DecodeRecordHeader(r *Record, b []byte, n RecordNumber) error {
	attrs := r.Attrs[:0]
	*r = Record{raw: b, Attrs: attrs}
	if len(b) < recordHeaderLen {
		return &CorruptError{Record: n, Field: "record size", Value: len(b)}
	}
	copy(r.Magic[:], b)
	if string(r.Magic[:]) != "FILE" {
		return &CorruptError{Record: n, Field: "signature", Value: sprintf("%q", b[:4])}
	}
	r.USAOffset = le.Uint16(b[4:])
	r.USACount = le.Uint16(b[6:])
	r.LSN = le.Uint64(b[8:])
	r.Seq = le.Uint16(b[0x10:])
	r.LinkCount = le.Uint16(b[0x12:])
	r.AttrOffset = le.Uint16(b[0x14:])
	r.Flags = RecordFlags(le.Uint16(b[0x16:]))
	r.BytesInUse = le.Uint32(b[0x18:])
	r.BytesAllocated = le.Uint32(b[0x1C:])
	r.Base = FileRef(le.Uint64(b[0x20:]))
	r.NextAttrID = le.Uint16(b[0x28:])
	if r.USAOffset >= 0x30 {
		r.HasNumber = true
		r.Number = RecordNumber(le.Uint32(b[0x2C:]))
	}
	if int(r.BytesAllocated) != len(b) || len(b)%SectorSize != 0 {
		return &CorruptError{Record: n, Offset: 0x1C, Field: "bytes allocated", Value: r.BytesAllocated}
	}
	if r.BytesInUse > r.BytesAllocated || r.BytesInUse < recordHeaderLen-8 {
		return &CorruptError{Record: n, Offset: 0x18, Field: "bytes in use", Value: r.BytesInUse}
	}
	usaEnd := int(r.USAOffset) + 2*int(r.USACount)
	off := int(r.AttrOffset)
	if off%8 != 0 || off < usaEnd || off >= int(r.BytesInUse) {
		return &CorruptError{Record: n, Offset: 0x14, Field: "first attribute offset", Value: off}
	}
	return nil
}

// DecodeAttrs decodes the attributes of a record whose header
// DecodeRecordHeader decoded.
func (r *Record) DecodeAttrs(n RecordNumber) error {
	b := r.raw
	off := int(r.AttrOffset)
	end := int(r.BytesInUse)
	attrs := r.Attrs[:0]
	if k := countAttrs(b[off:end]); cap(attrs) < k {
		attrs = make([]Attr, 0, k)
	}
	r.Attrs = attrs
	for {
		// The end marker is 8 bytes (type 0xFFFFFFFF and a length field
		// Windows leaves stale), and bytes in use covers all of it.
		if off+8 > end {
			return &CorruptError{Record: n, Offset: off, Field: "attribute list (no end marker within bytes in use)"}
		}
		if le.Uint32(b[off:]) == uint32(AttrEnd) {
			r.endOff = off
			break
		}
		r.Attrs = append(r.Attrs, Attr{})
		a := &r.Attrs[len(r.Attrs)-1]
		if err := decodeAttrInto(a, b[off:end]); err != nil {
			r.Attrs = r.Attrs[:len(r.Attrs)-1]
			return withRecord(err, n, off)
		}
		off += int(a.Length)
	}
	return nil
}

// AppendBinary encodes the record with fixups not yet applied (call
// ProtectFixups on the result before writing it). Bytes past the end marker
// keep their decoded values (slack, as Windows leaves it); a new record
// zero-fills them. BytesInUse is recomputed as the end marker's offset plus
// 8, so a decoded record whose BytesInUse claimed more re-encodes with the
// smaller, correct value.
func (r *Record) AppendBinary(b []byte) ([]byte, error) {
	size := int(r.BytesAllocated)
	if size < recordHeaderLen || size%SectorSize != 0 {
		return b, &CorruptError{Record: r.Number, Offset: 0x1C, Field: "bytes allocated", Value: size}
	}
	start := len(b)
	b = append(b, make([]byte, size)...)
	out := b[start:]
	if len(r.raw) == size {
		copy(out, r.raw)
	}
	copy(out, r.Magic[:])
	le.PutUint16(out[4:], r.USAOffset)
	le.PutUint16(out[6:], r.USACount)
	le.PutUint64(out[8:], r.LSN)
	le.PutUint16(out[0x10:], r.Seq)
	le.PutUint16(out[0x12:], r.LinkCount)
	le.PutUint16(out[0x14:], r.AttrOffset)
	le.PutUint16(out[0x16:], uint16(r.Flags))
	le.PutUint32(out[0x1C:], r.BytesAllocated)
	le.PutUint64(out[0x20:], uint64(r.Base))
	le.PutUint16(out[0x28:], r.NextAttrID)
	if r.HasNumber {
		le.PutUint32(out[0x2C:], uint32(r.Number))
	}
	off := int(r.AttrOffset)
	for i := range r.Attrs {
		a := &r.Attrs[i]
		if off+int(a.Length)+8 > size {
			return b[:start], &CorruptError{Record: r.Number, Offset: off, Field: "attributes (record full)", Value: a.Type}
		}
		if _, err := a.AppendBinary(out[off:off]); err != nil {
			return b[:start], withRecord(err, r.Number, off)
		}
		off += int(a.Length)
	}
	le.PutUint32(out[off:], uint32(AttrEnd))
	// Windows writes the end marker as 8 bytes: 0xFFFFFFFF and a stale
	// length (often 0x11477982). Keep the stored second half while the
	// marker has not moved; a moved marker would otherwise carry whatever
	// attribute bytes were there before, so it gets zero.
	if len(r.raw) != size || off != r.endOff {
		le.PutUint32(out[off+4:], 0)
	}
	inUse := off + 8
	r.BytesInUse = uint32(inUse)
	le.PutUint32(out[0x18:], r.BytesInUse)
	return b, nil
}

// Find returns the first attribute of type t with the given name (nil for
// the unnamed one), or nil.
func (r *Record) Find(t AttrType, name []uint16) *Attr {
	for i := range r.Attrs {
		a := &r.Attrs[i]
		if a.Type == t && equalUnits(a.Name, name) {
			return a
		}
	}
	return nil
}

func equalUnits(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ParseRecord copies raw on-disk bytes, applies fixups and decodes the
// record. It is the usual entry point for a reader.
func ParseRecord(raw []byte, n RecordNumber) (*Record, error) {
	b := bytes.Clone(raw)
	if len(b) >= 4 && string(b[:4]) != "FILE" {
		return nil, &CorruptError{Record: n, Field: "signature", Value: sprintf("%q", b[:4])}
	}
	if err := ApplyFixups(b); err != nil {
		return nil, withRecord(err, n, 0)
	}
	return DecodeRecord(b, n)
}

// countAttrs counts the attributes before the end marker, as far as their
// lengths can be followed, so that DecodeRecord allocates once.
func countAttrs(b []byte) int {
	n := 0
	for off := 0; off+8 <= len(b) && le.Uint32(b[off:]) != uint32(AttrEnd); n++ {
		l := int(le.Uint32(b[off+4:]))
		if l < 16 {
			break
		}
		off += l
	}
	return n
}
