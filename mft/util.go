package mft

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
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
// matters. (It is on the hot path of every directory listing: one
// allocation, no intermediate []rune.)
func NameString(u []uint16) string {
	var b strings.Builder
	b.Grow(len(u))
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c < utf8.RuneSelf:
			b.WriteByte(byte(c))
		case utf16.IsSurrogate(rune(c)) && c < 0xDC00 && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] < 0xE000:
			b.WriteRune(utf16.DecodeRune(rune(c), rune(u[i+1])))
			i++
		case utf16.IsSurrogate(rune(c)):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

// AppendNameString appends the UTF-8 form of u to b, converted as
// NameString converts it; listings build many names in one buffer with it.
func AppendNameString(b []byte, u []uint16) []byte {
	ascii := true
	for _, c := range u {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		k := len(b)
		b = slices.Grow(b, len(u))[:k+len(u)]
		for i, c := range u {
			b[k+i] = byte(c)
		}
		return b
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c < utf8.RuneSelf:
			b = append(b, byte(c))
		case utf16.IsSurrogate(rune(c)) && c < 0xDC00 && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] < 0xE000:
			b = utf8.AppendRune(b, utf16.DecodeRune(rune(c), rune(u[i+1])))
			i++
		case utf16.IsSurrogate(rune(c)):
			b = utf8.AppendRune(b, utf8.RuneError)
		default:
			b = utf8.AppendRune(b, rune(c))
		}
	}
	return b
}

// NameUnits converts a Go string to UTF-16 code units.
func NameUnits(s string) []uint16 { return utf16.Encode([]rune(s)) }

func align8(n int) int { return (n + 7) &^ 7 }
