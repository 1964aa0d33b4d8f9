package mft

import "fmt"

// USN change journal records ($Extend\$UsnJrnl:$J), as Windows writes them
// (MS-FSCC 2.4 / winioctl USN_RECORD_V2, V3, V4). Every record starts with
// RecordLength u32 | MajorVersion u16 | MinorVersion u16 and is 8-byte
// aligned.
//
//	V2: 0x08 file ref u64 | 0x10 parent ref u64 | 0x18 USN i64 | 0x20 time (FILETIME)
//	    0x28 reason u32 | 0x2C source info u32 | 0x30 security id u32
//	    0x34 file attributes u32 | 0x38 name length u16 (bytes) | 0x3A name offset u16 | 0x3C name
//	V3: as V2 with 128-bit file ids: 0x08 file id | 0x18 parent id | 0x28 USN | 0x30 time
//	    0x38 reason | 0x3C source info | 0x40 security id | 0x44 attributes
//	    0x48 name length | 0x4A name offset | 0x4C name
//	V4: 0x08 file id | 0x18 parent id | 0x28 USN | 0x30 reason | 0x34 source info
//	    0x38 remaining extents u32 | 0x3C extent count u16 | 0x3E extent size u16 (16)
//	    0x40 extents: offset i64, length i64 (ranges of the file that changed)
const (
	usnV2NameOffset = 0x3C
	usnV3NameOffset = 0x4C
	usnV4Extents    = 0x40
	usnExtentSize   = 16
	usnHeaderLen    = 8
)

// USNReason is the reason mask of a USN record.
type USNReason uint32

const (
	USNDataOverwrite        USNReason = 0x00000001
	USNDataExtend           USNReason = 0x00000002
	USNDataTruncation       USNReason = 0x00000004
	USNNamedDataOverwrite   USNReason = 0x00000010
	USNNamedDataExtend      USNReason = 0x00000020
	USNNamedDataTruncation  USNReason = 0x00000040
	USNFileCreate           USNReason = 0x00000100
	USNFileDelete           USNReason = 0x00000200
	USNEAChange             USNReason = 0x00000400
	USNSecurityChange       USNReason = 0x00000800
	USNRenameOldName        USNReason = 0x00001000
	USNRenameNewName        USNReason = 0x00002000
	USNIndexableChange      USNReason = 0x00004000
	USNBasicInfoChange      USNReason = 0x00008000
	USNHardLinkChange       USNReason = 0x00010000
	USNCompressionChange    USNReason = 0x00020000
	USNEncryptionChange     USNReason = 0x00040000
	USNObjectIDChange       USNReason = 0x00080000
	USNReparsePointChange   USNReason = 0x00100000
	USNStreamChange         USNReason = 0x00200000
	USNTransactedChange     USNReason = 0x00400000
	USNIntegrityChange      USNReason = 0x00800000
	USNDesiredStorageChange USNReason = 0x01000000
	USNClose                USNReason = 0x80000000
)

var usnReasonNames = []flagName{
	{uint64(USNDataOverwrite), "data-overwrite"},
	{uint64(USNDataExtend), "data-extend"},
	{uint64(USNDataTruncation), "data-truncation"},
	{uint64(USNNamedDataOverwrite), "named-data-overwrite"},
	{uint64(USNNamedDataExtend), "named-data-extend"},
	{uint64(USNNamedDataTruncation), "named-data-truncation"},
	{uint64(USNFileCreate), "file-create"},
	{uint64(USNFileDelete), "file-delete"},
	{uint64(USNEAChange), "ea-change"},
	{uint64(USNSecurityChange), "security-change"},
	{uint64(USNRenameOldName), "rename-old-name"},
	{uint64(USNRenameNewName), "rename-new-name"},
	{uint64(USNIndexableChange), "indexable-change"},
	{uint64(USNBasicInfoChange), "basic-info-change"},
	{uint64(USNHardLinkChange), "hard-link-change"},
	{uint64(USNCompressionChange), "compression-change"},
	{uint64(USNEncryptionChange), "encryption-change"},
	{uint64(USNObjectIDChange), "object-id-change"},
	{uint64(USNReparsePointChange), "reparse-point-change"},
	{uint64(USNStreamChange), "stream-change"},
	{uint64(USNTransactedChange), "transacted-change"},
	{uint64(USNIntegrityChange), "integrity-change"},
	{uint64(USNDesiredStorageChange), "desired-storage-class-change"},
	{uint64(USNClose), "close"},
}

// String lists the reasons by name (file-create|close), unknown bits in hex.
func (r USNReason) String() string { return flagString(uint64(r), usnReasonNames) }

// USNSource is the source info mask of a USN record.
type USNSource uint32

var usnSourceNames = []flagName{
	{0x1, "data-management"},
	{0x2, "auxiliary-data"},
	{0x4, "replication-management"},
	{0x8, "client-replication-management"},
}

func (s USNSource) String() string { return flagString(uint64(s), usnSourceNames) }

// USNExtent is a range of a file that a V4 record reports as changed.
type USNExtent struct {
	Offset, Length int64
}

// USNRecord is one USN_RECORD_V2, V3 or V4.
type USNRecord struct {
	Major, Minor uint16
	// File and Parent are the file references. V3 and V4 store 128-bit
	// file ids: on NTFS the reference is the low half and FileHi/ParentHi
	// (the high half) are 0.
	File, Parent     FileRef
	FileHi, ParentHi uint64
	USN              int64
	Time             Filetime // V2, V3
	Reason           USNReason
	Source           USNSource
	SecurityID       uint32         // V2, V3
	Attributes       FileAttributes // V2, V3
	Name             []uint16       // V2, V3
	// V4 only.
	RemainingExtents uint32
	Extents          []USNExtent
	// Extra holds the bytes after the name (or the extents) up to the
	// record length: the alignment padding, zeros as Windows writes it.
	Extra []byte
}

// NameString returns the name as a Go string.
func (r *USNRecord) NameString() string { return NameString(r.Name) }

// USNRecordLength returns the record length at the start of b, or 0 when
// b is too short or the length is 0 (zero padding between records).
func USNRecordLength(b []byte) uint32 {
	if len(b) < 4 {
		return 0
	}
	return le.Uint32(b)
}

// DecodeUSNRecord decodes the record at the start of b (b may extend past
// it); the record's length is in its first four bytes.
func DecodeUSNRecord(b []byte) (USNRecord, error) {
	var r USNRecord
	if len(b) < usnHeaderLen {
		return r, corrupt(0, "USN record header", len(b))
	}
	n := int(le.Uint32(b))
	r.Major, r.Minor = le.Uint16(b[4:]), le.Uint16(b[6:])
	var min int
	switch r.Major {
	case 2:
		min = usnV2NameOffset
	case 3:
		min = usnV3NameOffset
	case 4:
		min = usnV4Extents
	default:
		return r, corrupt(4, "USN record major version", r.Major)
	}
	if n < min || n > len(b) || n%8 != 0 {
		return r, corrupt(0, fmt.Sprintf("USN record length (v%d)", r.Major), n)
	}
	b = b[:n]
	var end int
	if r.Major == 2 {
		r.File, r.Parent = FileRef(le.Uint64(b[0x08:])), FileRef(le.Uint64(b[0x10:]))
		r.USN, r.Time = int64(le.Uint64(b[0x18:])), Filetime(le.Uint64(b[0x20:]))
		r.Reason, r.Source = USNReason(le.Uint32(b[0x28:])), USNSource(le.Uint32(b[0x2C:]))
		r.SecurityID, r.Attributes = le.Uint32(b[0x30:]), FileAttributes(le.Uint32(b[0x34:]))
		var err error
		if r.Name, end, err = usnName(b, 0x38); err != nil {
			return r, err
		}
	} else {
		r.File, r.FileHi = FileRef(le.Uint64(b[0x08:])), le.Uint64(b[0x10:])
		r.Parent, r.ParentHi = FileRef(le.Uint64(b[0x18:])), le.Uint64(b[0x20:])
		r.USN = int64(le.Uint64(b[0x28:]))
	}
	switch r.Major {
	case 3:
		r.Time = Filetime(le.Uint64(b[0x30:]))
		r.Reason, r.Source = USNReason(le.Uint32(b[0x38:])), USNSource(le.Uint32(b[0x3C:]))
		r.SecurityID, r.Attributes = le.Uint32(b[0x40:]), FileAttributes(le.Uint32(b[0x44:]))
		var err error
		if r.Name, end, err = usnName(b, 0x48); err != nil {
			return r, err
		}
	case 4:
		r.Reason, r.Source = USNReason(le.Uint32(b[0x30:])), USNSource(le.Uint32(b[0x34:]))
		r.RemainingExtents = le.Uint32(b[0x38:])
		count, size := int(le.Uint16(b[0x3C:])), int(le.Uint16(b[0x3E:]))
		if size != usnExtentSize && count > 0 {
			return r, corrupt(0x3E, "USN record extent size", size)
		}
		if usnV4Extents+count*usnExtentSize > n {
			return r, corrupt(0x3C, "USN record extent count", count)
		}
		for i := range count {
			o := usnV4Extents + i*usnExtentSize
			r.Extents = append(r.Extents, USNExtent{int64(le.Uint64(b[o:])), int64(le.Uint64(b[o+8:]))})
		}
		end = usnV4Extents + count*usnExtentSize
	}
	if end < n {
		r.Extra = append([]byte{}, b[end:]...)
	}
	return r, nil
}

// usnName reads the name length and offset at off and the name; it
// returns the offset just past the name.
func usnName(b []byte, off int) ([]uint16, int, error) {
	nl, no := int(le.Uint16(b[off:])), int(le.Uint16(b[off+2:]))
	if nl%2 != 0 {
		return nil, 0, corrupt(off, "USN record name length", nl)
	}
	// Windows puts the name right after the fixed part; a record that
	// does not is rejected rather than half understood.
	if no != off+4 || no+nl > len(b) {
		return nil, 0, corrupt(off+2, "USN record name offset", no)
	}
	return DecodeName(b[no : no+nl]), no + nl, nil
}

// AppendBinary appends the record: the name right after the fixed part,
// then Extra, then zeros up to the next multiple of 8.
func (r USNRecord) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	b = le.AppendUint16(b, r.Major)
	b = le.AppendUint16(b, r.Minor)
	name := func(b []byte, off int) []byte {
		b = le.AppendUint16(b, uint16(2*len(r.Name)))
		b = le.AppendUint16(b, uint16(off+4))
		return AppendName(b, r.Name)
	}
	if len(r.Name) > 0x7FFF {
		return b[:start], fmt.Errorf("mft: USN record name of %d units", len(r.Name))
	}
	switch r.Major {
	case 2:
		b = le.AppendUint64(b, uint64(r.File))
		b = le.AppendUint64(b, uint64(r.Parent))
		b = le.AppendUint64(b, uint64(r.USN))
		b = le.AppendUint64(b, uint64(r.Time))
		b = le.AppendUint32(b, uint32(r.Reason))
		b = le.AppendUint32(b, uint32(r.Source))
		b = le.AppendUint32(b, r.SecurityID)
		b = le.AppendUint32(b, uint32(r.Attributes))
		b = name(b, 0x38)
	case 3, 4:
		b = le.AppendUint64(b, uint64(r.File))
		b = le.AppendUint64(b, r.FileHi)
		b = le.AppendUint64(b, uint64(r.Parent))
		b = le.AppendUint64(b, r.ParentHi)
		b = le.AppendUint64(b, uint64(r.USN))
		if r.Major == 3 {
			b = le.AppendUint64(b, uint64(r.Time))
			b = le.AppendUint32(b, uint32(r.Reason))
			b = le.AppendUint32(b, uint32(r.Source))
			b = le.AppendUint32(b, r.SecurityID)
			b = le.AppendUint32(b, uint32(r.Attributes))
			b = name(b, 0x48)
			break
		}
		if len(r.Extents) > 0xFFFF {
			return b[:start], fmt.Errorf("mft: USN record with %d extents", len(r.Extents))
		}
		b = le.AppendUint32(b, uint32(r.Reason))
		b = le.AppendUint32(b, uint32(r.Source))
		b = le.AppendUint32(b, r.RemainingExtents)
		b = le.AppendUint16(b, uint16(len(r.Extents)))
		b = le.AppendUint16(b, usnExtentSize)
		for _, e := range r.Extents {
			b = le.AppendUint64(b, uint64(e.Offset))
			b = le.AppendUint64(b, uint64(e.Length))
		}
	default:
		return b[:start], fmt.Errorf("mft: USN record major version %d", r.Major)
	}
	b = append(b, r.Extra...)
	for (len(b)-start)%8 != 0 {
		b = append(b, 0)
	}
	le.PutUint32(b[start:], uint32(len(b)-start))
	return b, nil
}
