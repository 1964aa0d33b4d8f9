package mft

import (
	"fmt"
	"unicode/utf16"
)

var sprintf = fmt.Sprintf

// DecodeName turns a UTF-16LE byte slice into code units.
func DecodeName(b []byte) []uint16 {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = le.Uint16(b[2*i:])
	}
	return u
}

// AppendName appends code units as UTF-16LE.
func AppendName(b []byte, u []uint16) []byte {
	for _, c := range u {
		b = le.AppendUint16(b, c)
	}
	return b
}

// NameString converts code units to a Go string. Unpaired surrogates, which
// NTFS allows in names, become U+FFFD; keep the []uint16 where exactness
// matters.
func NameString(u []uint16) string { return string(utf16.Decode(u)) }

// NameUnits converts a Go string to UTF-16 code units.
func NameUnits(s string) []uint16 { return utf16.Encode([]rune(s)) }

func align8(n int) int { return (n + 7) &^ 7 }
