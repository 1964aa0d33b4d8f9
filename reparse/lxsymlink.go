package reparse

// LXSymlink is the reparse data of IO_REPARSE_TAG_LX_SYMLINK, a symbolic
// link made by the Windows Subsystem for Linux (and by ntfs-3g's WSL
// mode). The layout is not in MS-FSCC; as observed and as other readers
// parse it:
//
//	0x00 u32  version, 2
//	0x04      target, UTF-8, to the end of the data, not NUL-terminated
type LXSymlink struct {
	Version uint32 // 0x00: 2 on every known writer; other values are kept
	Target  string // 0x04: the link target as stored, such as "../lib" or "/usr/bin"; may hold invalid UTF-8
}

// LXSymlinkVersion is the version WSL writes.
const LXSymlinkVersion = 2

const lxSymlinkFixedSize = 4

// DecodeLXSymlink parses the reparse data (Point.Data) of a WSL symbolic
// link.
func DecodeLXSymlink(data []byte) (LXSymlink, error) {
	if len(data) < lxSymlinkFixedSize {
		return LXSymlink{}, corrupt(HeaderSize, "LX symlink data", len(data), "%d bytes, shorter than the %d-byte version", len(data), lxSymlinkFixedSize)
	}
	r := readBuf(data)
	var l LXSymlink
	l.Version = r.uint32()
	l.Target = string(r)
	return l, nil
}

// AppendBinary appends the reparse data (not the 8-byte header) to b. It
// implements encoding.BinaryAppender.
func (l LXSymlink) AppendBinary(b []byte) ([]byte, error) {
	if err := checkDataLen(lxSymlinkFixedSize + len(l.Target)); err != nil {
		return b, err
	}
	w := writeBuf(b)
	w.uint32(l.Version)
	w.bytes([]byte(l.Target))
	return w, nil
}

// Point wraps l in a Point tagged IO_REPARSE_TAG_LX_SYMLINK.
func (l LXSymlink) Point() (Point, error) {
	data, err := l.AppendBinary(nil)
	return pointOf(TagLXSymlink, data, err)
}

// NewLXSymlink returns a WSL symbolic link to target.
func NewLXSymlink(target string) Point {
	return Point{Tag: TagLXSymlink, Data: append(le.AppendUint32(nil, LXSymlinkVersion), target...)}
}
