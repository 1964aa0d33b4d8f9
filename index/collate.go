package index

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
)

// UpCase is the volume's $UpCase table: 65536 uint16 entries (128 KiB on disk, little-endian).
// Entry c is the upper-case form of UTF-16 code unit c. NTFS upper-cases code
// units one by one, never runes: surrogates map to themselves in every table
// Windows writes, so characters outside the BMP compare case-sensitively.
//
// A table shorter than 65536 entries maps the code units it lacks to
// themselves (as ntfs-3g does); a nil UpCase is the identity.
type UpCase []uint16

// UpCaseLen is the number of entries of an $UpCase table.
const UpCaseLen = 1 << 16

// UpCaseSize is the size in bytes of the $UpCase file's unnamed $DATA stream.
const UpCaseSize = 2 * UpCaseLen

// ErrUpCase is matched (with errors.Is) by the errors DecodeUpCase and
// UpCase.AppendBinary return.
var ErrUpCase = errors.New("index: bad $UpCase table")

// UpCaseError describes a malformed $UpCase table.
type UpCaseError struct {
	Offset int    // byte offset in the $UpCase data where the problem is
	Msg    string // what is wrong there
}

func (e *UpCaseError) Error() string {
	return fmt.Sprintf("index: bad $UpCase table at offset %#x: %s", e.Offset, e.Msg)
}

// Is reports whether target is ErrUpCase.
func (e *UpCaseError) Is(target error) bool { return target == ErrUpCase }

// DecodeUpCase decodes the contents of $UpCase. b must hold exactly
// UpCaseSize (131072) bytes.
func DecodeUpCase(b []byte) (UpCase, error) {
	if len(b) != UpCaseSize {
		return nil, &UpCaseError{min(len(b), UpCaseSize), fmt.Sprintf("data is %#x bytes, want %#x", len(b), UpCaseSize)}
	}
	u := make(UpCase, UpCaseLen)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return u, nil
}

// AppendBinary appends the on-disk form of u (UpCaseSize bytes) to b. It
// implements encoding.BinaryAppender; u must have exactly 65536 entries.
func (u UpCase) AppendBinary(b []byte) ([]byte, error) {
	if len(u) != UpCaseLen {
		return b, &UpCaseError{2 * min(len(u), UpCaseLen), fmt.Sprintf("table has %#x entries, want %#x", len(u), UpCaseLen)}
	}
	b = append(b, make([]byte, UpCaseSize)...)
	out := b[len(b)-UpCaseSize:]
	for i, v := range u {
		binary.LittleEndian.PutUint16(out[2*i:], v)
	}
	return b, nil
}

// Upper returns the upper-case form of the code unit c.
func (u UpCase) Upper(c uint16) uint16 {
	if int(c) < len(u) {
		return u[c]
	}
	return c
}

// CompareNames orders two names (UTF-16 code units) as NTFS $I30 indexes do (COLLATION_FILE_NAME):
// compare upper-cased code units first; if equal ignoring case, compare case-sensitively (raw code units), shorter-prefix first.
// It returns -1, 0 or +1; 0 only for identical names.
//
// The case-sensitive tie-break is ntfs-3g's: it lets POSIX-namespace names
// such as "A.txt" and "a.txt" share a directory ("A.txt" first). Names that
// differ ignoring case are ordered as Windows orders them.
func (u UpCase) CompareNames(a, b []uint16) int {
	n := min(len(a), len(b))
	for i := range n {
		if x, y := u.Upper(a[i]), u.Upper(b[i]); x != y {
			return cmp.Compare(x, y)
		}
	}
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	for i := range n {
		if a[i] != b[i] {
			return cmp.Compare(a[i], b[i])
		}
	}
	return 0
}

// EqualFold reports whether a and b are equal once upper-cased through u:
// the test NTFS applies to Win32 and DOS names within a directory.
func (u UpCase) EqualFold(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if u.Upper(a[i]) != u.Upper(b[i]) {
			return false
		}
	}
	return true
}

// DefaultUpCase returns the table a Windows/mkntfs volume has, as a new slice
// the caller may modify.
//
// It is the table mkntfs (ntfs-3g 2022.10.3) writes, which is also the one
// Windows 8 and later write (the $UpCase of go-ntfs's Windows-made test image
// is identical; md5 7ff498a44e45e77374cc7c962b1b92f2, which ntfs-3g calls the
// Windows 8 table). XP and Vista/7 volumes carry older tables with fewer
// mappings: always collate with the volume's own $UpCase.
func DefaultUpCase() UpCase {
	u := make(UpCase, UpCaseLen)
	for i := range u {
		u[i] = uint16(i)
	}
	for _, r := range defaultUpCaseRuns {
		for c := int(r.lo); c <= int(r.hi); c += int(r.step) {
			u[c] = uint16(c + int(r.delta))
		}
	}
	return u
}

// upCaseRun maps lo, lo+step, … hi to themselves plus delta (mod 2¹⁶).
// Not an on-disk structure.
type upCaseRun struct {
	lo, hi uint16
	step   uint8
	delta  int32
}

// defaultUpCaseRuns lists every code unit the default table does not map to
// itself, run-length encoded from the $UpCase mkntfs 2022.10.3 writes
// (extracted with `icat x.img 10`); TestDefaultUpCase* check the result.
// Notable absences compared with Unicode's simple upper-case mappings: U+00B5
// micro, U+0131 dotless i, U+017F long s, titlecase digraphs (U+01C5…),
// final sigma U+03C2, Greek symbol variants (U+03D0…), iota subscripts
// (U+0345, U+1FBE), U+1E9B, and everything Unicode
// added after 5.1 (Georgian Mtavruli, Cherokee lower case, …). U+1D79 maps
// to U+A77D.
var defaultUpCaseRuns = []upCaseRun{
	{0x0061, 0x007a, 1, -32},
	{0x00e0, 0x00f6, 1, -32},
	{0x00f8, 0x00fe, 1, -32},
	{0x00ff, 0x00ff, 1, 121},
	{0x0101, 0x012f, 2, -1},
	{0x0133, 0x0137, 2, -1},
	{0x013a, 0x0148, 2, -1},
	{0x014b, 0x0177, 2, -1},
	{0x017a, 0x017e, 2, -1},
	{0x0180, 0x0180, 1, 195},
	{0x0183, 0x0185, 2, -1},
	{0x0188, 0x0188, 1, -1},
	{0x018c, 0x018c, 1, -1},
	{0x0192, 0x0192, 1, -1},
	{0x0195, 0x0195, 1, 97},
	{0x0199, 0x0199, 1, -1},
	{0x019a, 0x019a, 1, 163},
	{0x019e, 0x019e, 1, 130},
	{0x01a1, 0x01a5, 2, -1},
	{0x01a8, 0x01a8, 1, -1},
	{0x01ad, 0x01ad, 1, -1},
	{0x01b0, 0x01b0, 1, -1},
	{0x01b4, 0x01b6, 2, -1},
	{0x01b9, 0x01b9, 1, -1},
	{0x01bd, 0x01bd, 1, -1},
	{0x01bf, 0x01bf, 1, 56},
	{0x01c6, 0x01c6, 1, -2},
	{0x01c9, 0x01c9, 1, -2},
	{0x01cc, 0x01cc, 1, -2},
	{0x01ce, 0x01dc, 2, -1},
	{0x01dd, 0x01dd, 1, -79},
	{0x01df, 0x01ef, 2, -1},
	{0x01f3, 0x01f3, 1, -2},
	{0x01f5, 0x01f5, 1, -1},
	{0x01f9, 0x021f, 2, -1},
	{0x0223, 0x0233, 2, -1},
	{0x023c, 0x023c, 1, -1},
	{0x0242, 0x0242, 1, -1},
	{0x0247, 0x024f, 2, -1},
	{0x0250, 0x0250, 1, 10783},
	{0x0251, 0x0251, 1, 10780},
	{0x0253, 0x0253, 1, -210},
	{0x0254, 0x0254, 1, -206},
	{0x0256, 0x0257, 1, -205},
	{0x0259, 0x0259, 1, -202},
	{0x025b, 0x025b, 1, -203},
	{0x0260, 0x0260, 1, -205},
	{0x0263, 0x0263, 1, -207},
	{0x0268, 0x0268, 1, -209},
	{0x0269, 0x0269, 1, -211},
	{0x026b, 0x026b, 1, 10743},
	{0x026f, 0x026f, 1, -211},
	{0x0271, 0x0271, 1, 10749},
	{0x0272, 0x0272, 1, -213},
	{0x0275, 0x0275, 1, -214},
	{0x027d, 0x027d, 1, 10727},
	{0x0280, 0x0280, 1, -218},
	{0x0283, 0x0283, 1, -218},
	{0x0288, 0x0288, 1, -218},
	{0x0289, 0x0289, 1, -69},
	{0x028a, 0x028b, 1, -217},
	{0x028c, 0x028c, 1, -71},
	{0x0292, 0x0292, 1, -219},
	{0x0371, 0x0373, 2, -1},
	{0x0377, 0x0377, 1, -1},
	{0x037b, 0x037d, 1, 130},
	{0x03ac, 0x03ac, 1, -38},
	{0x03ad, 0x03af, 1, -37},
	{0x03b1, 0x03c1, 1, -32},
	{0x03c3, 0x03cb, 1, -32},
	{0x03cc, 0x03cc, 1, -64},
	{0x03cd, 0x03ce, 1, -63},
	{0x03d7, 0x03d7, 1, -8},
	{0x03d9, 0x03ef, 2, -1},
	{0x03f2, 0x03f2, 1, 7},
	{0x03f8, 0x03f8, 1, -1},
	{0x03fb, 0x03fb, 1, -1},
	{0x0430, 0x044f, 1, -32},
	{0x0450, 0x045f, 1, -80},
	{0x0461, 0x0481, 2, -1},
	{0x048b, 0x04bf, 2, -1},
	{0x04c2, 0x04ce, 2, -1},
	{0x04cf, 0x04cf, 1, -15},
	{0x04d1, 0x0523, 2, -1},
	{0x0561, 0x0586, 1, -48},
	{0x1d79, 0x1d79, 1, 35332},
	{0x1d7d, 0x1d7d, 1, 3814},
	{0x1e01, 0x1e95, 2, -1},
	{0x1ea1, 0x1eff, 2, -1},
	{0x1f00, 0x1f07, 1, 8},
	{0x1f10, 0x1f15, 1, 8},
	{0x1f20, 0x1f27, 1, 8},
	{0x1f30, 0x1f37, 1, 8},
	{0x1f40, 0x1f45, 1, 8},
	{0x1f51, 0x1f57, 2, 8},
	{0x1f60, 0x1f67, 1, 8},
	{0x1f70, 0x1f71, 1, 74},
	{0x1f72, 0x1f75, 1, 86},
	{0x1f76, 0x1f77, 1, 100},
	{0x1f78, 0x1f79, 1, 128},
	{0x1f7a, 0x1f7b, 1, 112},
	{0x1f7c, 0x1f7d, 1, 126},
	{0x1f80, 0x1f87, 1, 8},
	{0x1f90, 0x1f97, 1, 8},
	{0x1fa0, 0x1fa7, 1, 8},
	{0x1fb0, 0x1fb1, 1, 8},
	{0x1fb3, 0x1fb3, 1, 9},
	{0x1fc3, 0x1fc3, 1, 9},
	{0x1fd0, 0x1fd1, 1, 8},
	{0x1fe0, 0x1fe1, 1, 8},
	{0x1fe5, 0x1fe5, 1, 7},
	{0x1ff3, 0x1ff3, 1, 9},
	{0x214e, 0x214e, 1, -28},
	{0x2170, 0x217f, 1, -16},
	{0x2184, 0x2184, 1, -1},
	{0x24d0, 0x24e9, 1, -26},
	{0x2c30, 0x2c5e, 1, -48},
	{0x2c61, 0x2c61, 1, -1},
	{0x2c65, 0x2c65, 1, -10795},
	{0x2c66, 0x2c66, 1, -10792},
	{0x2c68, 0x2c6c, 2, -1},
	{0x2c73, 0x2c73, 1, -1},
	{0x2c76, 0x2c76, 1, -1},
	{0x2c81, 0x2ce3, 2, -1},
	{0x2d00, 0x2d25, 1, -7264},
	{0xa641, 0xa65f, 2, -1},
	{0xa663, 0xa66d, 2, -1},
	{0xa681, 0xa697, 2, -1},
	{0xa723, 0xa72f, 2, -1},
	{0xa733, 0xa76f, 2, -1},
	{0xa77a, 0xa77c, 2, -1},
	{0xa77f, 0xa787, 2, -1},
	{0xa78c, 0xa78c, 1, -1},
	{0xff41, 0xff5a, 1, -32},
}
