// Package reparse decodes and encodes NTFS reparse point buffers, the value
// of the $REPARSE_POINT (0xC0) attribute, and the Interix symbolic links
// and device files that ntfs-3g stores in $DATA instead.
//
// The package is a pure codec: it turns bytes into values and back and
// does no I/O. Every decoder has a mirrored encoder, and a value decoded
// from bytes re-encodes to exactly those bytes: the typed structures keep
// the offsets, lengths, order, padding and NUL terminators they were
// stored with, and UTF-16 names are kept as code units (Name), so even
// unpaired surrogates survive.
//
// References: [MS-FSCC] File System Control Codes,
// https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-fscc/,
// section 2.1.2 (reparse point data structures):
//
//   - 2.1.2.1 Reparse tags:
//     https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-fscc/c8e77b37-3909-4fe6-a4ea-2b9d423b1ee4
//   - 2.1.2.2 REPARSE_DATA_BUFFER (Microsoft tags, 8-byte header):
//     https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-fscc/c3a420cb-8a72-4adf-87e8-eee95379d78f
//   - 2.1.2.3 REPARSE_GUID_DATA_BUFFER (other tags, 24-byte header)
//   - 2.1.2.4 Symbolic link reparse data buffer (IO_REPARSE_TAG_SYMLINK):
//     https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-fscc/b41f1cbf-10df-4a47-98d4-1c52a833d913
//   - 2.1.2.5 Mount point reparse data buffer (IO_REPARSE_TAG_MOUNT_POINT):
//     https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-fscc/ca069dad-ed16-42aa-b057-b6b207f447cc
//
// Other layouts come from the Windows SDK: WOF_EXTERNAL_INFO and
// FILE_PROVIDER_EXTERNAL_INFO_V1 (wofapi.h) for IO_REPARSE_TAG_WOF. The
// LX_SYMLINK and APPEXECLINK layouts are not in MS-FSCC; they are
// described on the types that decode them. See also flatcap's
// linux-ntfs documentation of $REPARSE_POINT:
// https://flatcap.github.io/linux-ntfs/ntfs/attributes/reparse_point.html
package reparse

import (
	"encoding"
	"fmt"
)

var (
	_ encoding.BinaryAppender = Point{}
	_ encoding.BinaryAppender = MountPoint{}
	_ encoding.BinaryAppender = Symlink{}
	_ encoding.BinaryAppender = LXSymlink{}
	_ encoding.BinaryAppender = AppExecLink{}
	_ encoding.BinaryAppender = WOF{}
	_ encoding.BinaryAppender = InterixDevice{}
	_ fmt.Stringer            = Tag(0)
	_ fmt.Stringer            = Name(nil)
)

// Buffer sizes.
const (
	// HeaderSize is the size of the REPARSE_DATA_BUFFER header used by
	// Microsoft tags: tag, data length and reserved.
	HeaderSize = 8
	// GUIDHeaderSize is the size of the REPARSE_GUID_DATA_BUFFER header
	// used by other tags: the same 8 bytes and a 16-byte GUID.
	GUIDHeaderSize = 24
	// MaxBufferSize is MAXIMUM_REPARSE_DATA_BUFFER_SIZE: Windows refuses
	// to set a reparse buffer (header included) larger than this.
	// Decode does not enforce it; writers should check Point.Size.
	MaxBufferSize = 16 * 1024
)

// Point is a whole reparse buffer, as stored in $REPARSE_POINT:
//
//	0x00 u32  ReparseTag
//	0x04 u16  ReparseDataLength  bytes of Data, so excluding the header (and the GUID)
//	0x06 u16  Reserved
//	0x08 [16] ReparseGuid        only for tags without the Microsoft bit
//	0x08 or 0x18: Data
//
// Typed views of Data are returned by Point.MountPoint, Point.Symlink,
// Point.LXSymlink, Point.AppExecLink and Point.WOF.
type Point struct {
	Tag      Tag      // 0x00
	Reserved uint16   // 0x06: should be zero; kept as found
	GUID     [16]byte // 0x08: only for non-Microsoft tags; must be zero for Microsoft tags
	Data     []byte   // 0x08 (Microsoft tags) or 0x18: tag-specific reparse data; nil when empty
}

// Decode parses a whole reparse buffer, copying its data.
//
// The buffer must be exactly as long as its header says: a
// ReparseDataLength that runs past the end of b, or bytes left over after
// it, are reported as a *CorruptError. NTFS stores exactly the buffer that
// was set in $REPARSE_POINT, and ntfs-3g likewise refuses attributes whose
// size disagrees with the header, so trailing bytes mean the attribute is
// damaged rather than padded. Decode does not look inside Data; the typed
// decoders do.
func Decode(b []byte) (Point, error) {
	if len(b) < HeaderSize {
		return Point{}, corrupt(0, "reparse header", len(b), "buffer is %d bytes, shorter than the %d-byte header", len(b), HeaderSize)
	}
	r := readBuf(b)
	var p Point
	p.Tag = Tag(r.uint32())
	n := int(r.uint16())
	p.Reserved = r.uint16()
	hdr := HeaderSize
	if !p.Tag.IsMicrosoft() {
		hdr = GUIDHeaderSize
		if len(b) < hdr {
			return Point{}, corrupt(0x08, "reparse GUID", len(b), "buffer is %d bytes, shorter than the %d-byte header of non-Microsoft tag %v", len(b), hdr, p.Tag)
		}
		copy(p.GUID[:], r)
		r = r[16:]
	}
	if n != len(r) {
		return Point{}, corrupt(0x04, "reparse data length", n, "%d bytes follow the %d-byte header", len(r), hdr)
	}
	p.Data = r.rest()
	return p, nil
}

// AppendBinary appends the encoded buffer to b. It implements
// encoding.BinaryAppender.
func (p Point) AppendBinary(b []byte) ([]byte, error) {
	if len(p.Data) > 0xFFFF {
		return b, fmt.Errorf("reparse: %d bytes of %v data do not fit the 16-bit data length", len(p.Data), p.Tag)
	}
	if p.Tag.IsMicrosoft() && p.GUID != ([16]byte{}) {
		return b, fmt.Errorf("reparse: GUID set on Microsoft tag %v, whose header has no GUID", p.Tag)
	}
	w := writeBuf(b)
	w.uint32(uint32(p.Tag))
	w.uint16(uint16(len(p.Data)))
	w.uint16(p.Reserved)
	if !p.Tag.IsMicrosoft() {
		w.bytes(p.GUID[:])
	}
	w.bytes(p.Data)
	return w, nil
}

// Size returns the encoded size of p, header included. Compare it with
// MaxBufferSize before writing p to a volume.
func (p Point) Size() int {
	if p.Tag.IsMicrosoft() {
		return HeaderSize + len(p.Data)
	}
	return GUIDHeaderSize + len(p.Data)
}

// Kind returns p.Tag.Kind().
func (p Point) Kind() string { return p.Tag.Kind() }

// IsLink reports whether p redirects to a path: a junction, a symbolic
// link or a WSL symbolic link. App execution aliases are not links.
func (p Point) IsLink() bool {
	return p.Tag == TagMountPoint || p.Tag == TagSymlink || p.Tag == TagLXSymlink
}

func (p Point) checkTag(want Tag) error {
	if p.Tag != want {
		return fmt.Errorf("%w: %v, want %v", ErrWrongTag, p.Tag, want)
	}
	return nil
}

// MountPoint decodes p.Data as a junction or volume mount point.
func (p Point) MountPoint() (MountPoint, error) {
	if err := p.checkTag(TagMountPoint); err != nil {
		return MountPoint{}, err
	}
	return DecodeMountPoint(p.Data)
}

// Symlink decodes p.Data as a symbolic link.
func (p Point) Symlink() (Symlink, error) {
	if err := p.checkTag(TagSymlink); err != nil {
		return Symlink{}, err
	}
	return DecodeSymlink(p.Data)
}

// LXSymlink decodes p.Data as a WSL symbolic link.
func (p Point) LXSymlink() (LXSymlink, error) {
	if err := p.checkTag(TagLXSymlink); err != nil {
		return LXSymlink{}, err
	}
	return DecodeLXSymlink(p.Data)
}

// AppExecLink decodes p.Data as an app execution alias.
func (p Point) AppExecLink() (AppExecLink, error) {
	if err := p.checkTag(TagAppExecLink); err != nil {
		return AppExecLink{}, err
	}
	return DecodeAppExecLink(p.Data)
}

// WOF decodes p.Data as Windows Overlay Filter information.
func (p Point) WOF() (WOF, error) {
	if err := p.checkTag(TagWOF); err != nil {
		return WOF{}, err
	}
	return DecodeWOF(p.Data)
}

// pointOf wraps data encoded by a typed encoder.
func pointOf(tag Tag, data []byte, err error) (Point, error) {
	if err != nil {
		return Point{}, err
	}
	p := Point{Tag: tag, Data: clone(data)}
	if len(p.Data) > 0xFFFF {
		return Point{}, fmt.Errorf("reparse: %d bytes of %v data do not fit the 16-bit data length", len(p.Data), tag)
	}
	return p, nil
}
