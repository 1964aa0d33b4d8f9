package reparse

import "bytes"

// Interix special files are not reparse points. ntfs-3g (in its default
// mode) and the Windows Services for UNIX store them as files with
// FILE_ATTRIBUTE_SYSTEM whose unnamed $DATA starts with an 8-byte magic:
//
//	symbolic link     "IntxLNK\x01" + UTF-16LE target (no NUL)
//	character device  "IntxCHR\x00" + u64 major + u64 minor
//	block device      "IntxBLK\x00" + u64 major + u64 minor
//
// FIFOs are empty SYSTEM files and sockets one-byte SYSTEM files; telling
// those apart needs the file attributes, so this package does not try.
// Callers should check FILE_ATTRIBUTE_SYSTEM before trusting the magic.
const (
	InterixSymlinkMagic = "IntxLNK\x01"
	InterixCharMagic    = "IntxCHR\x00"
	InterixBlockMagic   = "IntxBLK\x00"
	interixMagicSize    = 8
	interixDeviceSize   = interixMagicSize + 16
)

// DecodeInterix returns the target of an Interix symbolic link whose
// $DATA is data, and whether data is one. Trailing NULs are tolerated
// and dropped (a target cannot end in NUL); unpaired surrogates become U+FFFD (use
// DecodeInterixName to keep them).
func DecodeInterix(data []byte) (string, bool) {
	n, ok := DecodeInterixName(data)
	if !ok {
		return "", false
	}
	return n.String(), true
}

// DecodeInterixName is DecodeInterix keeping the target's code units.
func DecodeInterixName(data []byte) (Name, bool) {
	if !bytes.HasPrefix(data, []byte(InterixSymlinkMagic)) {
		return nil, false
	}
	t := data[interixMagicSize:]
	if len(t)%2 != 0 {
		return nil, false
	}
	for len(t) >= 2 && t[len(t)-2] == 0 && t[len(t)-1] == 0 {
		t = t[:len(t)-2]
	}
	return decodeName(t), true
}

// AppendInterix appends the $DATA of an Interix symbolic link to target,
// as ntfs-3g writes it: the magic and the UTF-16LE target, no NUL.
func AppendInterix(b []byte, target string) []byte {
	return AppendInterixName(b, NameOf(target))
}

// AppendInterixName is AppendInterix for a target given as code units.
func AppendInterixName(b []byte, target Name) []byte {
	b = append(b, InterixSymlinkMagic...)
	return appendName(b, target)
}

// InterixDevice is an Interix character or block device file. Not an
// on-disk structure; see the layout above.
type InterixDevice struct {
	Block        bool   // 0x00: magic "IntxBLK\0" if true, "IntxCHR\0" if false
	Major, Minor uint64 // 0x08, 0x10
}

// DecodeInterixDevice parses the $DATA of an Interix device file, which
// must be exactly 24 bytes.
func DecodeInterixDevice(data []byte) (InterixDevice, bool) {
	if len(data) != interixDeviceSize {
		return InterixDevice{}, false
	}
	var d InterixDevice
	switch string(data[:interixMagicSize]) {
	case InterixCharMagic:
	case InterixBlockMagic:
		d.Block = true
	default:
		return InterixDevice{}, false
	}
	r := readBuf(data[interixMagicSize:])
	d.Major = r.uint64()
	d.Minor = r.uint64()
	return d, true
}

// AppendBinary appends the device file's $DATA to b. It implements
// encoding.BinaryAppender and never fails.
func (d InterixDevice) AppendBinary(b []byte) ([]byte, error) {
	w := writeBuf(b)
	if d.Block {
		w.bytes([]byte(InterixBlockMagic))
	} else {
		w.bytes([]byte(InterixCharMagic))
	}
	w.uint64(d.Major)
	w.uint64(d.Minor)
	return w, nil
}
