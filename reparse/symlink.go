package reparse

import (
	"fmt"
	"strings"
)

// SymlinkFlags is the Flags field of a symbolic link buffer.
type SymlinkFlags uint32

// SymlinkRelative (SYMLINK_FLAG_RELATIVE) marks a substitute name that is
// relative to the directory holding the link.
const SymlinkRelative SymlinkFlags = 0x00000001

var symlinkFlagNames = []struct {
	flag SymlinkFlags
	name string
}{
	{SymlinkRelative, "SYMLINK_FLAG_RELATIVE"},
}

// String lists the set flags, such as "SYMLINK_FLAG_RELATIVE", with
// unknown bits in hex, or "0" when none are set.
func (f SymlinkFlags) String() string {
	if f == 0 {
		return "0"
	}
	var parts []string
	for _, n := range symlinkFlagNames {
		if f&n.flag != 0 {
			parts = append(parts, n.name)
			f &^= n.flag
		}
	}
	if f != 0 {
		parts = append(parts, fmt.Sprintf("0x%08X", uint32(f)))
	}
	return strings.Join(parts, "|")
}

// Symlink is the reparse data of IO_REPARSE_TAG_SYMLINK (MS-FSCC
// 2.1.2.4). Offsets below are from the start of the reparse data, which is
// at 0x08 in the whole buffer.
//
// As with MountPoint, the fields are a faithful view of the stored bytes.
// Windows writes the print name first, then the substitute name, with no
// NULs; readers must honour the offsets, not the order. Use NewSymlink to
// build one.
type Symlink struct {
	SubstituteNameOffset uint16       // 0x00: bytes from the start of PathBuffer
	SubstituteNameLength uint16       // 0x02: bytes, even, excluding any NUL; offset+length ≤ len(PathBuffer)
	PrintNameOffset      uint16       // 0x04: bytes from the start of PathBuffer
	PrintNameLength      uint16       // 0x06: bytes, even, excluding any NUL; offset+length ≤ len(PathBuffer)
	Flags                SymlinkFlags // 0x08: SymlinkRelative or 0; other bits kept as found
	PathBuffer           []byte       // 0x0C: to the end of the data; nil when empty
}

// symlinkFixedSize is the size of the fields before PathBuffer.
const symlinkFixedSize = 12

// DecodeSymlink parses the reparse data (Point.Data) of a symbolic link.
func DecodeSymlink(data []byte) (Symlink, error) {
	if len(data) < symlinkFixedSize {
		return Symlink{}, corrupt(HeaderSize, "symlink data", len(data), "%d bytes, shorter than the %d-byte fixed part", len(data), symlinkFixedSize)
	}
	r := readBuf(data)
	var s Symlink
	s.SubstituteNameOffset = r.uint16()
	s.SubstituteNameLength = r.uint16()
	s.PrintNameOffset = r.uint16()
	s.PrintNameLength = r.uint16()
	s.Flags = SymlinkFlags(r.uint32())
	s.PathBuffer = r.rest()
	if err := s.check(); err != nil {
		return Symlink{}, err
	}
	return s, nil
}

// AppendBinary appends the reparse data (not the 8-byte header) to b. It
// implements encoding.BinaryAppender.
func (s Symlink) AppendBinary(b []byte) ([]byte, error) {
	if err := s.check(); err != nil {
		return b, err
	}
	return s.append(b), nil
}

// append encodes s without checking it.
func (s Symlink) append(b []byte) []byte {
	w := writeBuf(b)
	w.uint16(s.SubstituteNameOffset)
	w.uint16(s.SubstituteNameLength)
	w.uint16(s.PrintNameOffset)
	w.uint16(s.PrintNameLength)
	w.uint32(uint32(s.Flags))
	w.bytes(s.PathBuffer)
	return w
}

// Point wraps s in a Point tagged IO_REPARSE_TAG_SYMLINK.
func (s Symlink) Point() (Point, error) {
	data, err := s.AppendBinary(nil)
	return pointOf(TagSymlink, data, err)
}

func (s Symlink) check() error {
	const at = HeaderSize + symlinkFixedSize // PathBuffer in the whole buffer
	if err := checkDataLen(symlinkFixedSize + len(s.PathBuffer)); err != nil {
		return err
	}
	if err := checkName(s.PathBuffer, "substitute name", HeaderSize+0x00, s.SubstituteNameOffset, s.SubstituteNameLength, at); err != nil {
		return err
	}
	return checkName(s.PathBuffer, "print name", HeaderSize+0x04, s.PrintNameOffset, s.PrintNameLength, at)
}

// Relative reports whether SYMLINK_FLAG_RELATIVE is set.
func (s Symlink) Relative() bool { return s.Flags&SymlinkRelative != 0 }

// SubstituteName returns the substitute name, such as `\??\C:\x` or
// `..\x`, or nil if the offset and length do not fit PathBuffer.
func (s Symlink) SubstituteName() Name {
	return nameAt(s.PathBuffer, s.SubstituteNameOffset, s.SubstituteNameLength)
}

// PrintName returns the print name, such as `C:\x`, or nil if the offset
// and length do not fit PathBuffer.
func (s Symlink) PrintName() Name {
	return nameAt(s.PathBuffer, s.PrintNameOffset, s.PrintNameLength)
}

// NewSymlinkData lays out the names as Windows does: the print name, then
// the substitute name, with no NULs. Names longer than a reparse buffer
// can hold make Point and AppendBinary fail.
func NewSymlinkData(substitute, print Name, flags SymlinkFlags) Symlink {
	s, p := 2*len(substitute), 2*len(print)
	buf := make([]byte, 0, s+p)
	buf = appendName(buf, print)
	buf = appendName(buf, substitute)
	return Symlink{
		SubstituteNameOffset: clamp16(p),
		SubstituteNameLength: clamp16(s),
		PrintNameOffset:      0,
		PrintNameLength:      clamp16(p),
		Flags:                flags,
		PathBuffer:           clone(buf),
	}
}
