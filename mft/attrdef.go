package mft

// $AttrDef entry layout (one per attribute type, 0xA0 bytes each):
//
//	0x00 name, UTF-16LE, NUL-padded to 0x80 bytes (64 units)
//	0x80 type u32 | 0x84 display rule u32 | 0x88 collation rule u32 | 0x8C flags u32
//	0x90 minimum size s64 | 0x98 maximum size s64 (-1: no limit)
//
// The table ends at the end of the data or at an entry of type 0.
const (
	AttrDefLen     = 0xA0
	attrDefNameLen = 0x80
	// AttrDefTableSize is the size of the $AttrDef data mkntfs and
	// Windows write: the NTFS 3.1 table padded with zeros to 16 entries.
	AttrDefTableSize = 16 * AttrDefLen
)

// AttrDefFlags are the flags of an $AttrDef entry.
type AttrDefFlags uint32

const (
	AttrDefIndexable     AttrDefFlags = 0x02 // may be indexed ($FILE_NAME)
	AttrDefMultiple      AttrDefFlags = 0x04 // may occur more than once
	AttrDefNotZero       AttrDefFlags = 0x08 // value may not be empty
	AttrDefIndexedUnique AttrDefFlags = 0x10
	AttrDefNamedUnique   AttrDefFlags = 0x20
	AttrDefResident      AttrDefFlags = 0x40 // must be resident
	AttrDefAlwaysLog     AttrDefFlags = 0x80 // logged even when not resident
)

func (f AttrDefFlags) String() string {
	return flagString(uint64(f), []flagName{
		{uint64(AttrDefIndexable), "indexable"},
		{uint64(AttrDefMultiple), "multiple"},
		{uint64(AttrDefNotZero), "not-zero"},
		{uint64(AttrDefIndexedUnique), "indexed-unique"},
		{uint64(AttrDefNamedUnique), "named-unique"},
		{uint64(AttrDefResident), "resident"},
		{uint64(AttrDefAlwaysLog), "always-log"},
	})
}

// AttrDef is one entry of the $AttrDef table.
type AttrDef struct {
	Name        []uint16 // "$STANDARD_INFORMATION"; at most 64 units (63 when a NUL must follow)
	Type        AttrType
	DisplayRule uint32
	Collation   uint32 // an index.CollationRule
	Flags       AttrDefFlags
	MinSize     int64
	MaxSize     int64 // -1: unlimited
}

// DecodeAttrDef decodes one $AttrDef entry.
func DecodeAttrDef(b []byte) (AttrDef, error) {
	var d AttrDef
	if len(b) < AttrDefLen {
		return d, corrupt(0, "$AttrDef entry length", len(b))
	}
	n := 0
	for n < attrDefNameLen/2 && (b[2*n] != 0 || b[2*n+1] != 0) {
		n++
	}
	for i := 2 * n; i < attrDefNameLen; i++ {
		if b[i] != 0 {
			return d, corrupt(i, "$AttrDef name padding (not zero)", b[i])
		}
	}
	d.Name = DecodeName(b[:2*n])
	d.Type = AttrType(le.Uint32(b[0x80:]))
	d.DisplayRule = le.Uint32(b[0x84:])
	d.Collation = le.Uint32(b[0x88:])
	d.Flags = AttrDefFlags(le.Uint32(b[0x8C:]))
	d.MinSize = int64(le.Uint64(b[0x90:]))
	d.MaxSize = int64(le.Uint64(b[0x98:]))
	return d, nil
}

// AppendBinary appends the encoded entry (AttrDefLen bytes).
func (d AttrDef) AppendBinary(b []byte) ([]byte, error) {
	if len(d.Name) > attrDefNameLen/2 {
		return b, corrupt(0, "$AttrDef name length", len(d.Name))
	}
	for i, u := range d.Name {
		if u == 0 {
			return b, corrupt(2*i, "$AttrDef name (NUL inside)", i)
		}
	}
	start := len(b)
	b = AppendName(b, d.Name)
	b = append(b, make([]byte, attrDefNameLen-(len(b)-start))...)
	b = le.AppendUint32(b, uint32(d.Type))
	b = le.AppendUint32(b, d.DisplayRule)
	b = le.AppendUint32(b, d.Collation)
	b = le.AppendUint32(b, uint32(d.Flags))
	b = le.AppendUint64(b, uint64(d.MinSize))
	return le.AppendUint64(b, uint64(d.MaxSize)), nil
}

// DecodeAttrDefs decodes an $AttrDef table: entries up to the end of b or
// the first entry of type 0. A trailing partial entry is an error.
func DecodeAttrDefs(b []byte) ([]AttrDef, error) {
	var out []AttrDef
	for off := 0; off < len(b); off += AttrDefLen {
		d, err := DecodeAttrDef(b[off:])
		if err != nil {
			return nil, withRecord(err, NoRecord, off)
		}
		if d.Type == 0 {
			break
		}
		out = append(out, d)
	}
	return out, nil
}

// AppendAttrDefs appends the table defs padded with zeros to size bytes
// (0: no padding); size must leave room for the entries.
func AppendAttrDefs(b []byte, defs []AttrDef, size int) ([]byte, error) {
	start := len(b)
	for i, d := range defs {
		var err error
		if b, err = d.AppendBinary(b); err != nil {
			return b[:start], withRecord(err, NoRecord, i*AttrDefLen)
		}
	}
	if n := len(b) - start; size > 0 {
		if n > size {
			return b[:start], corrupt(0, "$AttrDef table (larger than its size)", n)
		}
		b = append(b, make([]byte, size-n)...)
	}
	return b, nil
}

// StandardAttrDefs returns the NTFS 3.1 attribute definition table, the one
// Windows XP and later and mkntfs write: type, collation 0 (binary), flags
// and size limits of each attribute type.
func StandardAttrDefs() []AttrDef {
	res, log, idx := AttrDefResident, AttrDefAlwaysLog, AttrDefIndexable
	defs := []AttrDef{
		{Type: AttrStandardInformation, Flags: res, MinSize: 0x30, MaxSize: 0x48},
		{Type: AttrAttributeList, Flags: log, MaxSize: -1},
		{Type: AttrFileName, Flags: res | idx, MinSize: 0x44, MaxSize: 0x242},
		{Type: AttrObjectID, Flags: res, MaxSize: 0x100},
		{Type: AttrSecurityDescriptor, Flags: log, MaxSize: -1},
		{Type: AttrVolumeName, Flags: res, MinSize: 2, MaxSize: 0x100},
		{Type: AttrVolumeInformation, Flags: res, MinSize: 0x0C, MaxSize: 0x0C},
		{Type: AttrData, MaxSize: -1},
		{Type: AttrIndexRoot, Flags: res, MaxSize: -1},
		{Type: AttrIndexAllocation, Flags: log, MaxSize: -1},
		{Type: AttrBitmap, Flags: log, MaxSize: -1},
		{Type: AttrReparsePoint, Flags: log, MaxSize: 0x4000},
		{Type: AttrEAInformation, Flags: res, MinSize: 8, MaxSize: 8},
		{Type: AttrEA, MaxSize: 0x10000},
		{Type: AttrLoggedUtilityStream, Flags: log, MaxSize: 0x10000},
	}
	for i := range defs {
		defs[i].Name = NameUnits(defs[i].Type.String())
	}
	return defs
}
