package index

import (
	"fmt"
	"hash/crc64"
)

// $UpCase:$Info layout (Windows 8 and later; mkntfs writes it too):
//
//	0x00 length u32 (0x20) | 0x04 reserved u32 | 0x08 CRC-64 of the $UpCase data u64
//	0x10 version of the system that wrote the table: 16 bytes (zero from mkntfs)
//
// chkdsk warns about an outdated table when the checksum does not match.
const UpCaseInfoLen = 0x20

// UpCaseInfo is the value of $UpCase's $Info stream.
type UpCaseInfo struct {
	Len      uint32 // 0x00: UpCaseInfoLen
	Reserved uint32
	CRC      uint64   // 0x08: UpCaseCRC of the table's bytes
	Version  [16]byte // 0x10: writer's OS version fields, kept as stored
}

// upCaseCRCTable is the CRC-64 used for $Info: reflected polynomial
// 0x9A6C9329AC4BC9B5, initial value and final xor all ones.
var upCaseCRCTable = crc64.MakeTable(0x9A6C9329AC4BC9B5)

// UpCaseCRC returns the checksum $Info stores for the $UpCase data b.
func UpCaseCRC(b []byte) uint64 { return crc64.Checksum(b, upCaseCRCTable) }

// NewUpCaseInfo returns the $Info value for the table u, version fields
// zero (as mkntfs writes them).
func NewUpCaseInfo(u UpCase) (UpCaseInfo, error) {
	b, err := u.AppendBinary(nil)
	if err != nil {
		return UpCaseInfo{}, err
	}
	return UpCaseInfo{Len: UpCaseInfoLen, CRC: UpCaseCRC(b)}, nil
}

// DecodeUpCaseInfo decodes an $Info value.
func DecodeUpCaseInfo(b []byte) (UpCaseInfo, error) {
	var v UpCaseInfo
	if len(b) != UpCaseInfoLen {
		return v, &UpCaseError{0, fmt.Sprintf("$Info is %d bytes, want %d", len(b), UpCaseInfoLen)}
	}
	v.Len = le.Uint32(b)
	v.Reserved = le.Uint32(b[4:])
	v.CRC = le.Uint64(b[8:])
	copy(v.Version[:], b[0x10:])
	if v.Len != UpCaseInfoLen {
		return v, &UpCaseError{0, fmt.Sprintf("$Info length field %d, want %d", v.Len, UpCaseInfoLen)}
	}
	return v, nil
}

// AppendBinary appends the encoded value.
func (v UpCaseInfo) AppendBinary(b []byte) ([]byte, error) {
	b = le.AppendUint32(b, v.Len)
	b = le.AppendUint32(b, v.Reserved)
	b = le.AppendUint64(b, v.CRC)
	return append(b, v.Version[:]...), nil
}
