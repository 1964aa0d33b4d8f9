package mft

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// filetimeVectors is shared by Filetime.Time and FiletimeOf. Dates for the
// far end were computed independently (Python, 400-year cycles).
var filetimeVectors = []struct {
	name string
	ft   Filetime
	t    time.Time
}{
	{"zero is the zero time", 0, time.Time{}},
	{"1601 + 100 ns", 1, time.Date(1601, 1, 1, 0, 0, 0, 100, time.UTC)},
	{"Unix epoch", 116444736000000000, time.Unix(0, 0).UTC()},
	{"2021-01-01", 132539328000000000, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)},
	{"sub-second", 132539328001234567, time.Date(2021, 1, 1, 0, 0, 0, 123456700, time.UTC)},
	{"max int64", 1<<63 - 1, time.Date(30828, 9, 14, 2, 48, 5, 477580700, time.UTC)},
	{"2^63", 1 << 63, time.Date(30828, 9, 14, 2, 48, 5, 477580800, time.UTC)},
	{"max uint64", 1<<64 - 1, time.Date(60056, 5, 28, 5, 36, 10, 955161500, time.UTC)},
}

func TestFiletimeTime(t *testing.T) {
	for _, tt := range filetimeVectors {
		if got := tt.ft.Time(); !got.Equal(tt.t) || got.Location() != time.UTC {
			t.Errorf("%s: Filetime(%d).Time() = %v, want %v", tt.name, uint64(tt.ft), got, tt.t)
		}
	}
}

func TestFiletimeOf(t *testing.T) {
	for _, tt := range filetimeVectors {
		if got := FiletimeOf(tt.t); got != tt.ft {
			t.Errorf("%s: FiletimeOf(%v) = %d, want %d", tt.name, tt.t, uint64(got), uint64(tt.ft))
		}
	}
	tests := []struct {
		name string
		t    time.Time
		want Filetime
	}{
		{"1601-01-01 is 0 (reads back as the zero time)", time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC), 0},
		{"before 1601 clamps to 0", time.Date(1600, 12, 31, 23, 59, 59, 0, time.UTC), 0},
		{"truncates to 100 ns", time.Date(2021, 1, 1, 0, 0, 0, 199, time.UTC), 132539328000000001},
		{"other zones convert", time.Date(2021, 1, 1, 1, 0, 0, 0, time.FixedZone("CET", 3600)), 132539328000000000},
		{"past the maximum clamps", time.Date(60056, 5, 28, 5, 36, 11, 0, time.UTC), 1<<64 - 1},
		{"last partial second clamps", time.Date(60056, 5, 28, 5, 36, 10, 999999999, time.UTC), 1<<64 - 1},
		{"far past the maximum clamps", time.Date(200000, 1, 1, 0, 0, 0, 0, time.UTC), 1<<64 - 1},
	}
	for _, tt := range tests {
		if got := FiletimeOf(tt.t); got != tt.want {
			t.Errorf("%s: FiletimeOf(%v) = %d, want %d", tt.name, tt.t, uint64(got), uint64(tt.want))
		}
	}
}

func TestFiletimeString(t *testing.T) {
	tests := []struct {
		ft   Filetime
		want string
	}{
		{0, "0"},
		{132539328000000000, "2021-01-01T00:00:00Z"},
		{132539328001234567, "2021-01-01T00:00:00.1234567Z"},
	}
	for _, tt := range tests {
		if got := tt.ft.String(); got != tt.want {
			t.Errorf("Filetime(%d).String() = %q, want %q", uint64(tt.ft), got, tt.want)
		}
	}
}

func TestFileRef(t *testing.T) {
	tests := []struct {
		n    RecordNumber
		seq  uint16
		want FileRef
		str  string
	}{
		{0, 0, 0, "0-0"},
		{5, 5, 0x0005000000000005, "5-5"},
		{0xFFFFFFFFFFFF, 0xFFFF, 0xFFFFFFFFFFFFFFFF, "281474976710655-65535"},
		{1 << 48, 1, 0x0001000000000000, "0-1"}, // record numbers are 48 bits: the excess is dropped
	}
	for _, tt := range tests {
		got := MakeFileRef(tt.n, tt.seq)
		if got != tt.want {
			t.Errorf("MakeFileRef(%d, %d) = 0x%016x, want 0x%016x", tt.n, tt.seq, uint64(got), uint64(tt.want))
		}
		if got.Record() != tt.n&0xFFFFFFFFFFFF || got.Seq() != tt.seq {
			t.Errorf("0x%016x: Record, Seq = %d, %d", uint64(got), got.Record(), got.Seq())
		}
		if got.String() != tt.str {
			t.Errorf("String() = %q, want %q", got.String(), tt.str)
		}
	}
}

func TestStringTables(t *testing.T) {
	tests := []struct {
		v    interface{ String() string }
		want string
	}{
		{AttrStandardInformation, "$STANDARD_INFORMATION"},
		{AttrFileName, "$FILE_NAME"},
		{AttrIndexAllocation, "$INDEX_ALLOCATION"},
		{AttrLoggedUtilityStream, "$LOGGED_UTILITY_STREAM"},
		{AttrEnd, "end"},
		{AttrType(0x1234), "attribute type 0x1234"},
		{RecordFlags(0), ""},
		{RecordInUse | RecordDirectory, "in-use|directory"},
		{RecordInExtend | RecordViewIndex | 0x10, "in-extend|view-index|0x10"},
		{AttrCompressed | AttrSparse, "compressed|sparse"},
		{AttrEncrypted | 0x2, "encrypted|0x2"},
		{FileHidden | FileSystem | FileDupDirectory, "hidden|system|dir-index"},
		{FileReparsePoint | FileAttributes(0x80000000), "reparse-point|0x80000000"},
		{NamespacePOSIX, "posix"},
		{NamespaceWin32, "win32"},
		{NamespaceDOS, "dos"},
		{NamespaceWin32DOS, "win32+dos"},
		{Namespace(7), "namespace 7"},
		{VolumeDirty | VolumeModifiedByChkdsk, "dirty|modified-by-chkdsk"},
		{VolumeFlags(0x100), "0x100"},
		{MakeFileRef(11, 11), "11-11"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%T(%#x).String() = %q, want %q", tt.v, tt.v, got, tt.want)
		}
	}
	// Every named attribute type has its own name.
	seen := map[string]AttrType{}
	for typ := range attrTypeNames {
		if prev, ok := seen[typ.String()]; ok {
			t.Errorf("%#x and %#x share the name %q", uint32(prev), uint32(typ), typ.String())
		}
		seen[typ.String()] = typ
	}
}

func TestFileAttributesNames(t *testing.T) {
	if got := FileAttributes(0).Names(); got != nil {
		t.Errorf("Names() of 0 = %q, want nil", got)
	}
	want := []string{"readonly", "archive", "0x800000"}
	if diff := cmp.Diff(want, (FileReadOnly | FileArchive | 0x800000).Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		s   string
		enc []byte
	}{
		{"", nil},
		{"$I30", []byte{'$', 0, 'I', 0, '3', 0, '0', 0}},
		{"😀", []byte{0x3D, 0xD8, 0x00, 0xDE}},
	}
	for _, tt := range tests {
		u := NameUnits(tt.s)
		if diff := cmp.Diff(tt.enc, AppendName(nil, u)); diff != "" {
			t.Errorf("AppendName(%q) (-want +got):\n%s", tt.s, diff)
		}
		if diff := cmp.Diff(u, DecodeName(tt.enc), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("DecodeName(%q) (-want +got):\n%s", tt.s, diff)
		}
		if got := NameString(u); got != tt.s {
			t.Errorf("NameString = %q, want %q", got, tt.s)
		}
	}
	// An unpaired surrogate, which NTFS allows, survives as code units but
	// not as a Go string.
	lone := []byte{0x00, 0xD8, 'a', 0}
	if diff := cmp.Diff(lone, AppendName(nil, DecodeName(lone))); diff != "" {
		t.Errorf("unpaired surrogate round trip (-want +got):\n%s", diff)
	}
	if got := NameString(DecodeName(lone)); got != "\uFFFDa" {
		t.Errorf("NameString(unpaired) = %q", got)
	}
	// An odd trailing byte is not a code unit.
	if got := DecodeName([]byte{'a', 0, 'b'}); len(got) != 1 {
		t.Errorf("DecodeName(3 bytes) = %v", got)
	}
}

// Size asserts for every fixed layout (gVisor's assertSize): the header
// constants, and the length the encoders produce for each fixed structure.
func TestLayoutSizes(t *testing.T) {
	enc := func(f func() ([]byte, error)) int {
		b, err := f()
		if err != nil {
			t.Fatal(err)
		}
		return len(b)
	}
	tests := []struct {
		name      string
		got, want int
	}{
		{"FILE record header", recordHeaderLen, 0x30},
		{"resident attribute header", residentHeaderLen, 0x18},
		{"non-resident attribute header", nonResidentHeaderLen, 0x40},
		{"compressed non-resident header", compressedHeaderLen, 0x48},
		{"$FILE_NAME header", fileNameHeaderLen, 0x42},
		{"$ATTRIBUTE_LIST entry header", attrListEntryHeaderLen, 0x1A},
		{"$STANDARD_INFORMATION 1.2", stdInfoLenV1, 0x30},
		{"$STANDARD_INFORMATION 3.x", stdInfoLenV3, 0x48},
		{"SectorSize", SectorSize, 512},
		{"encoded $STANDARD_INFORMATION 1.2", enc(func() ([]byte, error) { return StandardInfo{}.AppendBinary(nil) }), 0x30},
		{"encoded $STANDARD_INFORMATION 3.x", enc(func() ([]byte, error) { return StandardInfo{Extended: true}.AppendBinary(nil) }), 0x48},
		{"encoded $FILE_NAME, 1 unit", enc(func() ([]byte, error) { return FileName{Name: []uint16{'a'}}.AppendBinary(nil) }), 0x44},
		{"FileName.Len, 1 unit", (&FileName{Name: []uint16{'a'}}).Len(), 0x44},
		{"encoded $VOLUME_INFORMATION", enc(func() ([]byte, error) { return VolumeInfo{}.AppendBinary(nil) }), 12},
		{"encoded $ATTRIBUTE_LIST entry, unnamed", enc(func() ([]byte, error) { return AppendAttrList(nil, []AttrListEntry{{}}) }), 0x20},
		{"encoded empty resident attribute", enc(func() ([]byte, error) {
			a := Attr{}
			if err := a.Layout(); err != nil {
				return nil, err
			}
			return a.AppendBinary(nil)
		}), 0x18},
		{"encoded empty non-resident attribute", enc(func() ([]byte, error) {
			a := Attr{NonResident: true, LastVCN: -1}
			if err := a.Layout(); err != nil {
				return nil, err
			}
			return a.AppendBinary(nil)
		}), 0x48},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %#x bytes, want %#x", tt.name, tt.got, tt.want)
		}
	}
}
