// Package shllink decodes and encodes Windows shortcut (.lnk) files, the
// Shell Link Binary File Format of MS-SHLLINK: the header, the link
// target ID list (as far as a path can be read from it), LinkInfo (volume
// label, serial and drive type, local base path, network share), the
// string data (name, relative path, working directory, arguments, icon)
// and the extra data blocks (kept as bytes; the environment-variables
// block is decoded).
//
// It is a pure codec: bytes in, values out, and back.
//
// ANSI strings (files without the IsUnicode flag, and the ANSI copies in
// LinkInfo) are read as Windows-1252, as lnkinfo does by default: the code
// page of the machine that wrote them is not recorded in the file.
package shllink

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

var le = binary.LittleEndian

// ErrCorrupt is matched by every *CorruptError.
var ErrCorrupt = errors.New("shllink: corrupt shortcut")

// CorruptError locates what could not be decoded.
type CorruptError struct {
	Offset int    // in the file
	Field  string // e.g. "LinkInfo size"
	Value  any
}

func (e *CorruptError) Error() string {
	s := fmt.Sprintf("shllink: bad %s at offset 0x%x", e.Field, e.Offset)
	if e.Value != nil {
		s += fmt.Sprintf(" (value %v)", e.Value)
	}
	return s
}

// Is reports whether target is ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func corrupt(off int, field string, v any) error {
	return &CorruptError{Offset: off, Field: field, Value: v}
}

const headerSize = 0x4C

// linkCLSID is 00021401-0000-0000-C000-000000000046 as stored.
var linkCLSID = [16]byte{0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}

// Flags are the LinkFlags of the header.
type Flags uint32

const (
	HasLinkTargetIDList Flags = 1 << 0
	HasLinkInfo         Flags = 1 << 1
	HasName             Flags = 1 << 2
	HasRelativePath     Flags = 1 << 3
	HasWorkingDir       Flags = 1 << 4
	HasArguments        Flags = 1 << 5
	HasIconLocation     Flags = 1 << 6
	IsUnicode           Flags = 1 << 7
	ForceNoLinkInfo     Flags = 1 << 8
	HasExpString        Flags = 1 << 9
)

// Drive types of a VolumeID.
const (
	DriveUnknown   = 0
	DriveNoRootDir = 1
	DriveRemovable = 2
	DriveFixed     = 3
	DriveRemote    = 4
	DriveCDROM     = 5
	DriveRAMDisk   = 6
)

// DriveTypeName names a drive type as lnkinfo does.
func DriveTypeName(t uint32) string {
	switch t {
	case DriveUnknown:
		return "unknown"
	case DriveNoRootDir:
		return "no root directory"
	case DriveRemovable:
		return "removable"
	case DriveFixed:
		return "fixed"
	case DriveRemote:
		return "remote"
	case DriveCDROM:
		return "CD-ROM"
	case DriveRAMDisk:
		return "RAM disk"
	}
	return fmt.Sprintf("drive type %d", t)
}

// Header is the ShellLinkHeader (0x4C bytes).
type Header struct {
	Flags                       Flags
	FileAttributes              uint32
	Created, Accessed, Modified uint64 // FILETIME
	FileSize                    uint32
	IconIndex                   int32
	ShowCommand                 uint32
	HotKey                      uint16
	Reserved1                   uint16
	Reserved2, Reserved3        uint32
}

// VolumeID is the volume the target was on.
type VolumeID struct {
	DriveType    uint32
	SerialNumber uint32
	Label        string
	// LabelUnicode is set when the label is stored as UTF-16 (the
	// VolumeLabelOffset field is 0x14).
	LabelUnicode bool
}

// NetworkLink is the CommonNetworkRelativeLink of a target on a share.
type NetworkLink struct {
	Flags        uint32 // 1: ValidDevice, 2: ValidNetType
	NetName      string // \\server\share
	DeviceName   string // e.g. Z:
	ProviderType uint32
}

// LinkInfo is where the target was: a local path on a volume, or a path
// on a network share.
type LinkInfo struct {
	Volume           *VolumeID
	LocalBasePath    string
	Network          *NetworkLink
	CommonPathSuffix string
	// Unicode copies of the paths, present when the LinkInfo header is
	// 0x24 bytes or more.
	LocalBasePathUnicode    string
	CommonPathSuffixUnicode string
	HasUnicode              bool
}

// Path is the target path LinkInfo gives: the local path, else the
// network path (the Unicode copies preferred).
func (li *LinkInfo) Path() string {
	if p := li.LocalPath(); p != "" {
		return p
	}
	return li.NetworkPath()
}

// ExtraBlock is one ExtraData block: its signature and the bytes after
// the 8-byte size+signature header.
type ExtraBlock struct {
	Signature uint32
	Data      []byte
}

// Signatures of extra data blocks.
const (
	EnvironmentVariablesBlock = 0xA0000001
	ConsoleBlock              = 0xA0000002
	TrackerBlock              = 0xA0000003
	ConsoleFEBlock            = 0xA0000004
	SpecialFolderBlock        = 0xA0000005
	DarwinBlock               = 0xA0000006
	IconEnvironmentBlock      = 0xA0000007
	ShimBlock                 = 0xA0000008
	PropertyStoreBlock        = 0xA0000009
	KnownFolderBlock          = 0xA000000B
	VistaAndAboveIDListBlock  = 0xA000000C
)

// Link is a decoded shortcut file.
type Link struct {
	Header Header
	// IDList is the LinkTargetIDList's item list as stored (each item
	// with its size; without the list size and the terminal 0).
	IDList []byte
	Info   *LinkInfo
	// String data; present when the matching flag is set.
	Name, RelativePath, WorkingDir, Arguments, IconLocation string
	Extra                                                   []ExtraBlock
	// Tail holds bytes after the terminal extra block (often none).
	Tail []byte
}

// Decode decodes a .lnk file.
func Decode(b []byte) (*Link, error) {
	if len(b) < headerSize {
		return nil, corrupt(0, "header length", len(b))
	}
	if n := le.Uint32(b); n != headerSize {
		return nil, corrupt(0, "header size", n)
	}
	if [16]byte(b[4:20]) != linkCLSID {
		return nil, corrupt(4, "LinkCLSID", fmt.Sprintf("%x", b[4:20]))
	}
	l := &Link{}
	h := &l.Header
	h.Flags = Flags(le.Uint32(b[0x14:]))
	h.FileAttributes = le.Uint32(b[0x18:])
	h.Created, h.Accessed, h.Modified = le.Uint64(b[0x1C:]), le.Uint64(b[0x24:]), le.Uint64(b[0x2C:])
	h.FileSize = le.Uint32(b[0x34:])
	h.IconIndex = int32(le.Uint32(b[0x38:]))
	h.ShowCommand = le.Uint32(b[0x3C:])
	h.HotKey = le.Uint16(b[0x40:])
	h.Reserved1, h.Reserved2, h.Reserved3 = le.Uint16(b[0x42:]), le.Uint32(b[0x44:]), le.Uint32(b[0x48:])
	off := headerSize
	if h.Flags&HasLinkTargetIDList != 0 {
		if len(b)-off < 2 {
			return nil, corrupt(off, "IDList size", nil)
		}
		n := int(le.Uint16(b[off:]))
		if n < 2 || len(b)-off-2 < n {
			return nil, corrupt(off, "IDList size", n)
		}
		list := b[off+2 : off+2+n]
		// the list ends with a 2-byte zero terminator
		end, err := idListEnd(list, off+2)
		if err != nil {
			return nil, err
		}
		l.IDList = append([]byte{}, list[:end]...)
		off += 2 + n
	}
	if h.Flags&HasLinkInfo != 0 {
		if len(b)-off < 4 {
			return nil, corrupt(off, "LinkInfo size", nil)
		}
		n := int(le.Uint32(b[off:]))
		if n < 0x1C || n > len(b)-off {
			return nil, corrupt(off, "LinkInfo size", n)
		}
		li, err := decodeLinkInfo(b[off:off+n], off)
		if err != nil {
			return nil, err
		}
		l.Info = li
		off += n
	}
	unicode := h.Flags&IsUnicode != 0
	for _, s := range []struct {
		flag Flags
		dst  *string
		what string
	}{
		{HasName, &l.Name, "NAME_STRING"},
		{HasRelativePath, &l.RelativePath, "RELATIVE_PATH"},
		{HasWorkingDir, &l.WorkingDir, "WORKING_DIR"},
		{HasArguments, &l.Arguments, "COMMAND_LINE_ARGUMENTS"},
		{HasIconLocation, &l.IconLocation, "ICON_LOCATION"},
	} {
		if h.Flags&s.flag == 0 {
			continue
		}
		if len(b)-off < 2 {
			return nil, corrupt(off, s.what+" length", nil)
		}
		n := int(le.Uint16(b[off:]))
		size := n
		if unicode {
			size = 2 * n
		}
		if len(b)-off-2 < size {
			return nil, corrupt(off, s.what+" length", n)
		}
		if unicode {
			*s.dst = utf16String(b[off+2 : off+2+size])
		} else {
			*s.dst = ansiString(b[off+2 : off+2+size])
		}
		off += 2 + size
	}
	for off < len(b) {
		if len(b)-off < 4 {
			return nil, corrupt(off, "extra data block size", nil)
		}
		n := int(le.Uint32(b[off:]))
		if n < 4 {
			off += 4 // TerminalBlock
			break
		}
		if n < 8 || n > len(b)-off {
			return nil, corrupt(off, "extra data block size", n)
		}
		l.Extra = append(l.Extra, ExtraBlock{Signature: le.Uint32(b[off+4:]), Data: append([]byte{}, b[off+8:off+n]...)})
		off += n
	}
	if off < len(b) {
		l.Tail = append([]byte{}, b[off:]...)
	}
	return l, nil
}

// idListEnd returns the length of the items of an ID list (up to its
// zero terminator), checking every item size.
func idListEnd(list []byte, base int) (int, error) {
	i := 0
	for {
		if len(list)-i < 2 {
			return 0, corrupt(base+i, "IDList terminator", nil)
		}
		n := int(le.Uint16(list[i:]))
		if n == 0 {
			if i+2 != len(list) {
				return 0, corrupt(base+i, "IDList size (bytes after the terminator)", len(list)-i-2)
			}
			return i, nil
		}
		if n < 2 || n > len(list)-i {
			return 0, corrupt(base+i, "ItemID size", n)
		}
		i += n
	}
}

func decodeLinkInfo(b []byte, base int) (*LinkInfo, error) {
	hs := le.Uint32(b[4:])
	flags := le.Uint32(b[8:])
	if hs < 0x1C || int(hs) > len(b) {
		return nil, corrupt(base+4, "LinkInfo header size", hs)
	}
	li := &LinkInfo{}
	field := func(at int) (int, error) {
		o := int(le.Uint32(b[at:]))
		if o < 0 || o >= len(b) { // o < 0: int of 32 bits
			return 0, corrupt(base+at, "LinkInfo offset", o)
		}
		return o, nil
	}
	str := func(at int, uni bool) (string, error) {
		o, err := field(at)
		if err != nil || o == 0 {
			return "", err
		}
		if uni {
			return utf16Z(b[o:]), nil
		}
		return ansiZ(b[o:]), nil
	}
	if hs >= 0x24 {
		li.HasUnicode = true
	}
	if flags&1 != 0 {
		o, err := field(0x0C)
		if err != nil {
			return nil, err
		}
		v, err := decodeVolumeID(b[o:], base+o)
		if err != nil {
			return nil, err
		}
		li.Volume = v
		if li.LocalBasePath, err = str(0x10, false); err != nil {
			return nil, err
		}
		if li.HasUnicode {
			if li.LocalBasePathUnicode, err = str(0x1C, true); err != nil {
				return nil, err
			}
		}
	}
	if flags&2 != 0 {
		o, err := field(0x14)
		if err != nil {
			return nil, err
		}
		n, err := decodeNetworkLink(b[o:], base+o)
		if err != nil {
			return nil, err
		}
		li.Network = n
	}
	var err error
	if li.CommonPathSuffix, err = str(0x18, false); err != nil {
		return nil, err
	}
	if li.HasUnicode && hs >= 0x24 {
		if le.Uint32(b[0x20:]) != 0 {
			if li.CommonPathSuffixUnicode, err = str(0x20, true); err != nil {
				return nil, err
			}
		}
	}
	return li, nil
}

func decodeVolumeID(b []byte, base int) (*VolumeID, error) {
	if len(b) < 0x10 {
		return nil, corrupt(base, "VolumeID size", len(b))
	}
	n := int(le.Uint32(b))
	if n < 0x10 || n > len(b) {
		return nil, corrupt(base, "VolumeID size", n)
	}
	b = b[:n]
	v := &VolumeID{DriveType: le.Uint32(b[4:]), SerialNumber: le.Uint32(b[8:])}
	lo := int(le.Uint32(b[0x0C:]))
	if lo == 0x14 {
		if n < 0x14 {
			return nil, corrupt(base+0x0C, "VolumeID label offset", lo)
		}
		lo = int(le.Uint32(b[0x10:]))
		v.LabelUnicode = true
	}
	if lo < 0 || lo >= n {
		return nil, corrupt(base+0x0C, "VolumeID label offset", lo)
	}
	if v.LabelUnicode {
		v.Label = utf16Z(b[lo:])
	} else {
		v.Label = ansiZ(b[lo:])
	}
	return v, nil
}

func decodeNetworkLink(b []byte, base int) (*NetworkLink, error) {
	if len(b) < 0x14 {
		return nil, corrupt(base, "CommonNetworkRelativeLink size", len(b))
	}
	n := int(le.Uint32(b))
	if n < 0x14 || n > len(b) {
		return nil, corrupt(base, "CommonNetworkRelativeLink size", n)
	}
	b = b[:n]
	nl := &NetworkLink{Flags: le.Uint32(b[4:]), ProviderType: le.Uint32(b[0x10:])}
	no, do := int(le.Uint32(b[8:])), int(le.Uint32(b[0x0C:]))
	if no < 0 || no >= n {
		return nil, corrupt(base+8, "NetNameOffset", no)
	}
	nl.NetName = ansiZ(b[no:])
	if no > 0x14 && n >= 0x1C {
		if u := int(le.Uint32(b[0x14:])); u > 0 && u < n {
			nl.NetName = utf16Z(b[u:])
		}
	}
	if nl.Flags&1 != 0 {
		if do < 0 || do >= n {
			return nil, corrupt(base+0x0C, "DeviceNameOffset", do)
		}
		nl.DeviceName = ansiZ(b[do:])
		if no > 0x14 && n >= 0x1C {
			if u := int(le.Uint32(b[0x18:])); u > 0 && u < n {
				nl.DeviceName = utf16Z(b[u:])
			}
		}
	}
	return nl, nil
}

// NetworkPath is the path on the share when LinkInfo has a network link:
// the share name joined with the common path suffix.
func (li *LinkInfo) NetworkPath() string {
	if li.Network == nil {
		return ""
	}
	suffix := li.CommonPathSuffix
	if li.HasUnicode && li.CommonPathSuffixUnicode != "" {
		suffix = li.CommonPathSuffixUnicode
	}
	base := li.Network.NetName
	if suffix != "" && !strings.HasSuffix(base, `\`) {
		base += `\`
	}
	return base + suffix
}

// LocalPath is the local base path joined with the common path suffix
// ("" without a VolumeID).
func (li *LinkInfo) LocalPath() string {
	if li.Volume == nil {
		return ""
	}
	base, suffix := li.LocalBasePath, li.CommonPathSuffix
	if li.HasUnicode {
		if li.LocalBasePathUnicode != "" {
			base = li.LocalBasePathUnicode
		}
		if li.CommonPathSuffixUnicode != "" {
			suffix = li.CommonPathSuffixUnicode
		}
	}
	return base + suffix
}

// IconEnvironment returns the icon path of the icon-environment block
// (%SystemRoot%\…), its Unicode copy preferred; "" without one.
func (l *Link) IconEnvironment() string { return l.envBlock(IconEnvironmentBlock) }

// EnvironmentTarget returns the target path of the environment-variables
// block (C:\Users\%USERNAME%\…), its Unicode copy preferred; "" without one.
func (l *Link) EnvironmentTarget() string { return l.envBlock(EnvironmentVariablesBlock) }

// envBlock reads an environment-variables or icon-environment block:
// 260 bytes of ANSI path, then 520 bytes of UTF-16 path.
func (l *Link) envBlock(sig uint32) string {
	for _, e := range l.Extra {
		if e.Signature != sig || len(e.Data) < 260+520 {
			continue
		}
		if u := utf16Z(e.Data[260 : 260+520]); u != "" {
			return u
		}
		return ansiZ(e.Data[:260])
	}
	return ""
}

// Target is the best target path the shortcut gives: LinkInfo's path,
// else the environment-variables block's, else the path read from the
// ID list.
func (l *Link) Target() string {
	if l.Info != nil {
		if p := l.Info.Path(); p != "" {
			return p
		}
	}
	if p := l.EnvironmentTarget(); p != "" {
		return p
	}
	return l.IDListPath()
}

func utf16String(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = le.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// utf16Z reads a NUL-terminated UTF-16 string (to the end of b without one).
func utf16Z(b []byte) string {
	var u []uint16
	for i := 0; i+1 < len(b); i += 2 {
		c := le.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// cp1252 maps bytes 0x80-0x9F of Windows-1252 (0 where it has no
// character: those bytes stay as the Latin-1 control characters).
var cp1252 = [32]rune{
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
}

// ansiString decodes Windows-1252 (what lnkinfo assumes by default).
func ansiString(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
		if c >= 0x80 && c < 0xA0 && cp1252[c-0x80] != 0 {
			r[i] = cp1252[c-0x80]
		}
	}
	return string(r)
}

// ansiZ reads a NUL-terminated ANSI string (to the end of b without one).
func ansiZ(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return ansiString(b[:i])
		}
	}
	return ansiString(b)
}
