package mft

// $STANDARD_INFORMATION value layout:
//
//	0x00 created | 0x08 modified | 0x10 MFT modified | 0x18 accessed (FILETIME each)
//	0x20 file attributes u32 | 0x24 max versions u32 | 0x28 version u32 | 0x2C class id u32
//	NTFS 3.0+: 0x30 owner id u32 | 0x34 security id u32 | 0x38 quota charged u64 | 0x40 USN u64
const (
	stdInfoLenV1 = 0x30 // NTFS 1.2
	stdInfoLenV3 = 0x48 // NTFS 3.x
)

// StandardInfo is a $STANDARD_INFORMATION (0x10) value.
type StandardInfo struct {
	Created, Modified, MFTModified, Accessed Filetime
	Attributes                               FileAttributes
	MaxVersions, Version, ClassID            uint32
	// NTFS 3.x fields, present when Extended is set.
	Extended     bool
	OwnerID      uint32
	SecurityID   uint32 // key into $Secure:$SII
	QuotaCharged uint64
	USN          uint64
}

// DecodeStandardInfo decodes a $STANDARD_INFORMATION value.
func DecodeStandardInfo(b []byte) (StandardInfo, error) {
	var s StandardInfo
	if len(b) != stdInfoLenV1 && len(b) != stdInfoLenV3 {
		return s, corrupt(0, "$STANDARD_INFORMATION length", len(b))
	}
	s.Created = Filetime(le.Uint64(b))
	s.Modified = Filetime(le.Uint64(b[0x08:]))
	s.MFTModified = Filetime(le.Uint64(b[0x10:]))
	s.Accessed = Filetime(le.Uint64(b[0x18:]))
	s.Attributes = FileAttributes(le.Uint32(b[0x20:]))
	s.MaxVersions = le.Uint32(b[0x24:])
	s.Version = le.Uint32(b[0x28:])
	s.ClassID = le.Uint32(b[0x2C:])
	if len(b) == stdInfoLenV3 {
		s.Extended = true
		s.OwnerID = le.Uint32(b[0x30:])
		s.SecurityID = le.Uint32(b[0x34:])
		s.QuotaCharged = le.Uint64(b[0x38:])
		s.USN = le.Uint64(b[0x40:])
	}
	return s, nil
}

// AppendBinary appends the encoded value.
func (s StandardInfo) AppendBinary(b []byte) ([]byte, error) {
	b = le.AppendUint64(b, uint64(s.Created))
	b = le.AppendUint64(b, uint64(s.Modified))
	b = le.AppendUint64(b, uint64(s.MFTModified))
	b = le.AppendUint64(b, uint64(s.Accessed))
	b = le.AppendUint32(b, uint32(s.Attributes))
	b = le.AppendUint32(b, s.MaxVersions)
	b = le.AppendUint32(b, s.Version)
	b = le.AppendUint32(b, s.ClassID)
	if s.Extended {
		b = le.AppendUint32(b, s.OwnerID)
		b = le.AppendUint32(b, s.SecurityID)
		b = le.AppendUint64(b, s.QuotaCharged)
		b = le.AppendUint64(b, s.USN)
	}
	return b, nil
}
