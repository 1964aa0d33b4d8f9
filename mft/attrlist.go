package mft

// $ATTRIBUTE_LIST entry layout:
//
//	0x00 type u32 | 0x04 entry length u16 (8-aligned) | 0x06 name length u8 | 0x07 name offset u8
//	0x08 starting VCN u64 | 0x10 reference of the record holding the attribute u64
//	0x18 attribute id u16 | 0x1A name (UTF-16LE)
const attrListEntryHeaderLen = 0x1A

// AttrListEntry is one entry of an $ATTRIBUTE_LIST (0x20) value: where one
// attribute (or one extent of a non-resident attribute) of a file lives.
type AttrListEntry struct {
	Type       AttrType
	Length     uint16 // 0x04: entry size including padding
	NameOffset uint8  // 0x07
	StartVCN   VCN
	Ref        FileRef // record (base or extension) holding the attribute
	ID         uint16
	Name       []uint16

	raw []byte
}

// DecodeAttrList decodes a whole $ATTRIBUTE_LIST value.
func DecodeAttrList(b []byte) ([]AttrListEntry, error) {
	var out []AttrListEntry
	for off := 0; off < len(b); {
		if off+attrListEntryHeaderLen > len(b) {
			return nil, corrupt(off, "$ATTRIBUTE_LIST entry (truncated)", len(b)-off)
		}
		var e AttrListEntry
		e.Type = AttrType(le.Uint32(b[off:]))
		e.Length = le.Uint16(b[off+4:])
		nl := int(b[off+6])
		e.NameOffset = b[off+7]
		if int(e.Length) < attrListEntryHeaderLen || off+int(e.Length) > len(b) {
			return nil, corrupt(off+4, "$ATTRIBUTE_LIST entry length", e.Length)
		}
		eb := b[off : off+int(e.Length)]
		e.raw = eb
		e.StartVCN = VCN(le.Uint64(eb[0x08:]))
		e.Ref = FileRef(le.Uint64(eb[0x10:]))
		e.ID = le.Uint16(eb[0x18:])
		if nl > 0 {
			no := int(e.NameOffset)
			if no < attrListEntryHeaderLen || no+2*nl > len(eb) {
				return nil, corrupt(off+7, "$ATTRIBUTE_LIST name offset", no)
			}
			e.Name = DecodeName(eb[no : no+2*nl])
		}
		out = append(out, e)
		off += int(e.Length)
	}
	return out, nil
}

// AppendAttrList encodes entries; an entry with Length 0 gets the packed
// layout Windows uses (name at 0x1A, length 8-aligned).
//
// Error offsets are those of the bad entry in the encoded value; on error b is
// returned unchanged.
func AppendAttrList(b []byte, entries []AttrListEntry) ([]byte, error) {
	base := len(b)
	for _, e := range entries {
		at := len(b) - base
		if e.Length == 0 {
			e.NameOffset = attrListEntryHeaderLen
			e.Length = uint16(align8(attrListEntryHeaderLen + 2*len(e.Name)))
			e.raw = nil
		}
		if len(e.Name) > 255 {
			return b[:base], corrupt(at+6, "$ATTRIBUTE_LIST name length", len(e.Name))
		}
		n := int(e.Length)
		no := int(e.NameOffset)
		if n < attrListEntryHeaderLen || (len(e.Name) > 0 && (no < attrListEntryHeaderLen || no+2*len(e.Name) > n)) {
			return b[:base], corrupt(at+4, "$ATTRIBUTE_LIST entry layout", n)
		}
		start := len(b)
		b = append(b, make([]byte, n)...)
		out := b[start:]
		if len(e.raw) == n {
			copy(out, e.raw)
		}
		le.PutUint32(out, uint32(e.Type))
		le.PutUint16(out[4:], e.Length)
		out[6] = byte(len(e.Name))
		out[7] = e.NameOffset
		le.PutUint64(out[0x08:], uint64(e.StartVCN))
		le.PutUint64(out[0x10:], uint64(e.Ref))
		le.PutUint16(out[0x18:], e.ID)
		if len(e.Name) > 0 {
			AppendName(out[no:no], e.Name)
		}
	}
	return b, nil
}
