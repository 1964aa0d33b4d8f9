package reparse

import (
	"encoding/binary"
	"unicode/utf16"
)

var le = binary.LittleEndian

// readBuf and writeBuf mirror each other so that decoders and encoders
// read alike line for line. readBuf does not check lengths: callers check
// the whole fixed part of a structure before reading it.
type readBuf []byte

func (b *readBuf) uint16() uint16 {
	v := le.Uint16(*b)
	*b = (*b)[2:]
	return v
}

func (b *readBuf) uint32() uint32 {
	v := le.Uint32(*b)
	*b = (*b)[4:]
	return v
}

func (b *readBuf) uint64() uint64 {
	v := le.Uint64(*b)
	*b = (*b)[8:]
	return v
}

// bytes returns a copy of the next n bytes, or nil when n is 0.
func (b *readBuf) bytes(n int) []byte {
	v := clone((*b)[:n])
	*b = (*b)[n:]
	return v
}

// rest returns a copy of what is left, or nil when nothing is.
func (b *readBuf) rest() []byte { return b.bytes(len(*b)) }

type writeBuf []byte

func (b *writeBuf) uint16(v uint16) { *b = le.AppendUint16(*b, v) }
func (b *writeBuf) uint32(v uint32) { *b = le.AppendUint32(*b, v) }
func (b *writeBuf) uint64(v uint64) { *b = le.AppendUint64(*b, v) }
func (b *writeBuf) bytes(v []byte)  { *b = append(*b, v...) }

// clone copies b, returning nil for an empty slice so that decoded values
// compare equal however the input slice was made.
func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// Name is a UTF-16 string as NTFS and Windows store it: any sequence of
// 16-bit code units, unpaired surrogates included. Keeping the code units
// makes decoding lossless; String converts for display. Not an on-disk
// structure by itself.
type Name []uint16

// NameOf encodes s as UTF-16. Invalid UTF-8 in s becomes U+FFFD.
func NameOf(s string) Name {
	if s == "" {
		return nil
	}
	return Name(utf16.Encode([]rune(s)))
}

// String decodes n; unpaired surrogates become U+FFFD.
func (n Name) String() string { return string(utf16.Decode(n)) }

// decodeName reads little-endian code units; an odd last byte is ignored
// (callers reject odd lengths first).
func decodeName(b []byte) Name {
	if len(b) < 2 {
		return nil
	}
	n := make(Name, len(b)/2)
	for i := range n {
		n[i] = le.Uint16(b[2*i:])
	}
	return n
}

func appendName(b []byte, n Name) []byte {
	for _, u := range n {
		b = le.AppendUint16(b, u)
	}
	return b
}
