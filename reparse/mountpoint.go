package reparse

// MountPoint is the reparse data of IO_REPARSE_TAG_MOUNT_POINT: a junction
// or a volume mount point (MS-FSCC 2.1.2.5). Offsets below are from the
// start of the reparse data, which is at 0x08 in the whole buffer.
//
// The fields are a faithful view of the stored bytes, so any decoded value
// re-encodes to the same bytes whatever order, padding and terminators the
// writer chose. Windows writes the substitute name first, then the print
// name, each followed by a NUL that the lengths exclude; readers must
// honour the offsets, not the order. Volume mount points have an empty
// print name. Use NewJunction to build one, SubstituteName and PrintName
// to read the names.
type MountPoint struct {
	SubstituteNameOffset uint16 // 0x00: bytes from the start of PathBuffer
	SubstituteNameLength uint16 // 0x02: bytes, even, excluding any NUL; offset+length ≤ len(PathBuffer)
	PrintNameOffset      uint16 // 0x04: bytes from the start of PathBuffer
	PrintNameLength      uint16 // 0x06: bytes, even, excluding any NUL; offset+length ≤ len(PathBuffer)
	PathBuffer           []byte // 0x08: to the end of the data; nil when empty
}

// mountPointFixedSize is the size of the fields before PathBuffer.
const mountPointFixedSize = 8

// DecodeMountPoint parses the reparse data (Point.Data) of a mount point.
func DecodeMountPoint(data []byte) (MountPoint, error) {
	if len(data) < mountPointFixedSize {
		return MountPoint{}, corrupt(HeaderSize, "mount point data", len(data), "%d bytes, shorter than the %d-byte fixed part", len(data), mountPointFixedSize)
	}
	r := readBuf(data)
	var m MountPoint
	m.SubstituteNameOffset = r.uint16()
	m.SubstituteNameLength = r.uint16()
	m.PrintNameOffset = r.uint16()
	m.PrintNameLength = r.uint16()
	m.PathBuffer = r.rest()
	if err := m.check(); err != nil {
		return MountPoint{}, err
	}
	return m, nil
}

// AppendBinary appends the reparse data (not the 8-byte header) to b. It
// implements encoding.BinaryAppender.
func (m MountPoint) AppendBinary(b []byte) ([]byte, error) {
	if err := m.check(); err != nil {
		return b, err
	}
	return m.append(b), nil
}

// append encodes m without checking it.
func (m MountPoint) append(b []byte) []byte {
	w := writeBuf(b)
	w.uint16(m.SubstituteNameOffset)
	w.uint16(m.SubstituteNameLength)
	w.uint16(m.PrintNameOffset)
	w.uint16(m.PrintNameLength)
	w.bytes(m.PathBuffer)
	return w
}

// Point wraps m in a Point tagged IO_REPARSE_TAG_MOUNT_POINT.
func (m MountPoint) Point() (Point, error) {
	data, err := m.AppendBinary(nil)
	return pointOf(TagMountPoint, data, err)
}

func (m MountPoint) check() error {
	const at = HeaderSize + mountPointFixedSize // PathBuffer in the whole buffer
	if err := checkDataLen(mountPointFixedSize + len(m.PathBuffer)); err != nil {
		return err
	}
	if err := checkName(m.PathBuffer, "substitute name", HeaderSize+0x00, m.SubstituteNameOffset, m.SubstituteNameLength, at); err != nil {
		return err
	}
	return checkName(m.PathBuffer, "print name", HeaderSize+0x04, m.PrintNameOffset, m.PrintNameLength, at)
}

// SubstituteName returns the substitute name, such as `\??\C:\dir`, or nil
// if the offset and length do not fit PathBuffer.
func (m MountPoint) SubstituteName() Name {
	return nameAt(m.PathBuffer, m.SubstituteNameOffset, m.SubstituteNameLength)
}

// PrintName returns the print name, such as `C:\dir`, or nil if the
// offset and length do not fit PathBuffer.
func (m MountPoint) PrintName() Name {
	return nameAt(m.PathBuffer, m.PrintNameOffset, m.PrintNameLength)
}

// NewMountPointData lays out the names as Windows does: the substitute name,
// a NUL, the print name, a NUL. Names longer than a reparse buffer can
// hold make Point and AppendBinary fail.
func NewMountPointData(substitute, print Name) MountPoint {
	s, p := 2*len(substitute), 2*len(print)
	buf := make([]byte, 0, s+p+4)
	buf = appendName(buf, substitute)
	buf = append(buf, 0, 0)
	buf = appendName(buf, print)
	buf = append(buf, 0, 0)
	return MountPoint{
		SubstituteNameOffset: 0,
		SubstituteNameLength: clamp16(s),
		PrintNameOffset:      clamp16(s + 2),
		PrintNameLength:      clamp16(p),
		PathBuffer:           clone(buf),
	}
}

// checkName validates a name's offset and length fields, found at field
// (the offset field; the length follows it) in the whole buffer, against a
// path buffer that starts at bufAt.
func checkName(buf []byte, name string, field int, off, n uint16, bufAt int) error {
	if n%2 != 0 {
		return corrupt(field+2, name+" length", n, "odd length for a UTF-16 name")
	}
	if int(off) > len(buf) {
		return corrupt(field, name+" offset", off, "past the %d-byte path buffer at %#x", len(buf), bufAt)
	}
	if int(off)+int(n) > len(buf) {
		return corrupt(field+2, name+" length", n, "name at offset %d ends past the %d-byte path buffer at %#x", off, len(buf), bufAt)
	}
	return nil
}

func nameAt(buf []byte, off, n uint16) Name {
	if int(off)+int(n) > len(buf) {
		return nil
	}
	return decodeName(buf[off : int(off)+int(n)])
}

// checkDataLen rejects reparse data longer than the 16-bit
// ReparseDataLength can describe.
func checkDataLen(n int) error {
	if n > 0xFFFF {
		return corrupt(0x04, "reparse data length", n, "longer than 65535 bytes")
	}
	return nil
}

// clamp16 saturates n to 0xFFFF; an encoder that needs more rejects the
// value because its buffer then exceeds the 16-bit data length.
func clamp16(n int) uint16 {
	if n > 0xFFFF {
		return 0xFFFF
	}
	return uint16(n)
}
