package mft

import (
	"math"
	"slices"
)

// Attribute header layout (both forms):
//
//	0x00 type u32 | 0x04 length u32 | 0x08 non-resident u8 | 0x09 name length u8 (code units)
//	0x0A name offset u16 | 0x0C flags u16 | 0x0E attribute id (instance) u16
//
// Resident: 0x10 value length u32 | 0x14 value offset u16 | 0x16 resident flags u8.
// Non-resident: 0x10 start VCN | 0x18 last VCN | 0x20 runlist offset u16 |
// 0x22 compression unit (log2 clusters) u16 | 0x28 allocated size | 0x30 data size |
// 0x38 initialized size | 0x40 compressed size (only when the header is 0x48 bytes).
const (
	residentHeaderLen    = 0x18
	nonResidentHeaderLen = 0x40
	compressedHeaderLen  = 0x48
)

// ResidentIndexed is the resident flag set on $FILE_NAME values, which are
// referenced by an index.
const ResidentIndexed = 0x01

// Attr is one attribute of a FILE record. Layout fields (offsets, Length)
// are kept so that an unchanged attribute re-encodes to the same bytes;
// bytes the model does not cover (padding) come from the decoded original.
type Attr struct {
	Type        AttrType
	Length      uint32 // 0x04: whole attribute, header included; 8-aligned
	NonResident bool
	Name        []uint16 // stream or index name, e.g. "$I30"; nil if unnamed
	NameOffset  uint16   // 0x0A
	Flags       AttrFlags
	ID          uint16 // 0x0E: instance, unique within the base record

	// Resident form.
	Value         []byte
	ValueOffset   uint16 // 0x14
	ResidentFlags uint8  // 0x16

	// Non-resident form.
	StartVCN          VCN
	LastVCN           VCN    // inclusive; StartVCN-1 for an empty attribute
	RunsOffset        uint16 // 0x20
	CompressionUnit   uint16 // 0x22: log2 of clusters per compression unit, 0 if none
	AllocatedSize     int64  // 0x28: meaningful in the first extent only
	DataSize          int64  // 0x30
	InitializedSize   int64  // 0x38
	CompressedSize    int64  // 0x40, when HasCompressedSize
	HasCompressedSize bool
	Runs              []Run

	raw     []byte // original bytes, for exact re-encoding
	runsRaw []byte // original mapping pairs; nil once Runs is replaced
}

// NameString returns the attribute name as a Go string.
func (a *Attr) NameString() string { return NameString(a.Name) }

// SetRuns replaces the runlist; the next encoding writes minimal mapping pairs.
func (a *Attr) SetRuns(runs []Run) {
	a.Runs = runs
	a.runsRaw = nil
}

// DecodeAttr decodes the attribute at the start of b (which may extend past
// it). Offsets in errors are relative to b.
func DecodeAttr(b []byte) (Attr, error) {
	var a Attr
	err := decodeAttrInto(&a, b)
	return a, err
}

// decodeAttrInto is DecodeAttr into *a, which must be zero (a record's
// attributes are decoded in place in their slice: an Attr is some 200
// bytes, and copying it twice per attribute showed in every walk).
func decodeAttrInto(a *Attr, b []byte) error {
	if len(b) < 16 {
		return corrupt(0, "attribute header (truncated)", len(b))
	}
	a.Type = AttrType(le.Uint32(b))
	a.Length = le.Uint32(b[4:])
	if a.Length < 16 || int64(a.Length) > int64(len(b)) {
		return corrupt(4, "attribute length", a.Length)
	}
	if a.Length%8 != 0 { // AppendBinary writes 8-aligned attributes only
		return corrupt(4, "attribute length (not 8-aligned)", a.Length)
	}
	b = b[:a.Length]
	a.raw = b
	a.NonResident = b[8] != 0
	if b[8] > 1 {
		return corrupt(8, "non-resident flag", b[8])
	}
	nameLen := int(b[9])
	a.NameOffset = le.Uint16(b[0x0A:])
	a.Flags = AttrFlags(le.Uint16(b[0x0C:]))
	a.ID = le.Uint16(b[0x0E:])
	minHdr := residentHeaderLen
	if a.NonResident {
		minHdr = nonResidentHeaderLen
	}
	if nameLen > 0 {
		no := int(a.NameOffset)
		if no < minHdr || no+2*nameLen > len(b) {
			return corrupt(0x0A, "attribute name offset", no)
		}
		a.Name = DecodeName(b[no : no+2*nameLen])
	}
	if !a.NonResident {
		if len(b) < residentHeaderLen {
			return corrupt(4, "resident attribute length", a.Length)
		}
		vl := le.Uint32(b[0x10:])
		a.ValueOffset = le.Uint16(b[0x14:])
		a.ResidentFlags = b[0x16]
		vo := int(a.ValueOffset)
		if vo < residentHeaderLen {
			return corrupt(0x14, "resident value offset", vo)
		}
		if int64(vo)+int64(vl) > int64(len(b)) {
			return corrupt(0x10, "resident value length", vl)
		}
		a.Value = b[vo : vo+int(vl)]
		return nil
	}
	if len(b) < nonResidentHeaderLen {
		return corrupt(4, "non-resident attribute length", a.Length)
	}
	a.StartVCN = VCN(le.Uint64(b[0x10:]))
	a.LastVCN = VCN(le.Uint64(b[0x18:]))
	a.RunsOffset = le.Uint16(b[0x20:])
	a.CompressionUnit = le.Uint16(b[0x22:])
	a.AllocatedSize = int64(le.Uint64(b[0x28:]))
	a.DataSize = int64(le.Uint64(b[0x30:]))
	a.InitializedSize = int64(le.Uint64(b[0x38:]))
	if a.StartVCN < 0 {
		return corrupt(0x10, "start VCN", int64(a.StartVCN))
	}
	if a.LastVCN < a.StartVCN-1 {
		return corrupt(0x18, "last VCN", int64(a.LastVCN))
	}
	for _, f := range []struct {
		off int
		v   int64
	}{{0x28, a.AllocatedSize}, {0x30, a.DataSize}, {0x38, a.InitializedSize}} {
		if f.v < 0 {
			return corrupt(f.off, "attribute size (negative)", f.v)
		}
	}
	ro := int(a.RunsOffset)
	hdrEnd := ro
	if nameLen > 0 && int(a.NameOffset) < hdrEnd {
		hdrEnd = int(a.NameOffset)
	}
	if hdrEnd >= compressedHeaderLen && len(b) >= compressedHeaderLen {
		a.HasCompressedSize = true
		a.CompressedSize = int64(le.Uint64(b[0x40:]))
	}
	if ro < nonResidentHeaderLen || ro > len(b) {
		return corrupt(0x20, "runlist offset", ro)
	}
	runs, n, err := DecodeRuns(b[ro:])
	if err != nil {
		return withRecord(err, NoRecord, ro)
	}
	a.Runs = runs
	a.runsRaw = b[ro : ro+n]
	if a.LastVCN == math.MaxInt64 {
		return corrupt(0x18, "last VCN", int64(a.LastVCN))
	}
	if got, want := RunsClusters(runs), int64(a.LastVCN-a.StartVCN+1); got != want {
		return corrupt(ro, "runlist length (clusters, want last VCN - start VCN + 1)", sprintf("%d, want %d", got, want))
	}
	return nil
}

// AppendBinary encodes the attribute and appends it to b. Length and the
// offsets must leave room for the name and value or runlist.
func (a *Attr) AppendBinary(b []byte) ([]byte, error) {
	n := int(a.Length)
	hdr := residentHeaderLen
	if a.NonResident {
		hdr = nonResidentHeaderLen
		if a.HasCompressedSize {
			hdr = compressedHeaderLen
		}
	}
	if n < hdr || n%8 != 0 {
		return b, corrupt(4, "attribute length", n)
	}
	if len(a.Name) > 255 {
		return b, corrupt(9, "attribute name length", len(a.Name))
	}
	start := len(b)
	b = append(b, make([]byte, n)...)
	out := b[start:]
	if len(a.raw) == n {
		copy(out, a.raw)
	}
	le.PutUint32(out, uint32(a.Type))
	le.PutUint32(out[4:], a.Length)
	out[8] = 0
	if a.NonResident {
		out[8] = 1
	}
	out[9] = byte(len(a.Name))
	le.PutUint16(out[0x0A:], a.NameOffset)
	le.PutUint16(out[0x0C:], uint16(a.Flags))
	le.PutUint16(out[0x0E:], a.ID)
	if len(a.Name) > 0 {
		no := int(a.NameOffset)
		if no < hdr || no+2*len(a.Name) > n {
			return b[:start], corrupt(0x0A, "attribute name offset", no)
		}
		AppendName(out[no:no], a.Name)
	}
	if !a.NonResident {
		vo := int(a.ValueOffset)
		if vo < hdr || vo+len(a.Value) > n {
			return b[:start], corrupt(0x14, "resident value offset", vo)
		}
		le.PutUint32(out[0x10:], uint32(len(a.Value)))
		le.PutUint16(out[0x14:], a.ValueOffset)
		out[0x16] = a.ResidentFlags
		copy(out[vo:], a.Value)
		return b, nil
	}
	le.PutUint64(out[0x10:], uint64(a.StartVCN))
	le.PutUint64(out[0x18:], uint64(a.LastVCN))
	le.PutUint16(out[0x20:], a.RunsOffset)
	le.PutUint16(out[0x22:], a.CompressionUnit)
	le.PutUint64(out[0x28:], uint64(a.AllocatedSize))
	le.PutUint64(out[0x30:], uint64(a.DataSize))
	le.PutUint64(out[0x38:], uint64(a.InitializedSize))
	if a.HasCompressedSize {
		le.PutUint64(out[0x40:], uint64(a.CompressedSize))
	}
	runs, err := a.runsBytes()
	if err != nil {
		return b[:start], withRecord(err, NoRecord, int(a.RunsOffset))
	}
	ro := int(a.RunsOffset)
	if ro < hdr || ro+len(runs) > n {
		return b[:start], corrupt(0x20, "runlist offset", ro)
	}
	copy(out[ro:], runs)
	return b, nil
}

// Layout recomputes NameOffset, ValueOffset or RunsOffset and Length for the
// current name and value or runs, packing them as Windows does (name right
// after the header, value 8-aligned after the name).
func (a *Attr) Layout() error {
	hdr := residentHeaderLen
	if a.NonResident {
		hdr = nonResidentHeaderLen
		if a.HasCompressedSize {
			hdr = compressedHeaderLen
		}
	}
	a.NameOffset = uint16(hdr)
	body := align8(hdr + 2*len(a.Name))
	if a.NonResident {
		runs, err := a.runsBytes()
		if err != nil {
			return err
		}
		a.RunsOffset = uint16(body)
		a.Length = uint32(align8(body + len(runs)))
	} else {
		a.ValueOffset = uint16(body)
		a.Length = uint32(align8(body + len(a.Value)))
	}
	a.raw = nil
	return nil
}

// runsBytes returns the mapping pairs to write: the decoded original when
// Runs still holds what it decoded to (so non-minimal encodings written by
// other implementations survive), else a fresh minimal encoding. Comparing
// instead of trusting runsRaw means assigning a.Runs directly works as well
// as SetRuns.
func (a *Attr) runsBytes() ([]byte, error) {
	if a.runsRaw != nil {
		if orig, _, err := DecodeRuns(a.runsRaw); err == nil && slices.Equal(orig, a.Runs) {
			return a.runsRaw, nil
		}
	}
	return AppendRuns(nil, a.Runs)
}
