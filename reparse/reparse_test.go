package reparse

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecode(t *testing.T) {
	for _, tt := range pointVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(hx(t, tt.hex))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", d)
			}
			desc, err := got.Describe()
			if err != nil {
				t.Fatalf("Describe: %v", err)
			}
			if d := cmp.Diff(tt.desc, desc); d != "" {
				t.Errorf("Describe mismatch (-want +got):\n%s", d)
			}
			if got.Size() != len(hx(t, tt.hex)) {
				t.Errorf("Size = %d, want %d", got.Size(), len(hx(t, tt.hex)))
			}
		})
	}
}

func TestAppendBinary(t *testing.T) {
	for _, tt := range pointVectors {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte("prefix")
			got, err := tt.want.AppendBinary(prefix)
			if err != nil {
				t.Fatalf("AppendBinary: %v", err)
			}
			diffBytes(t, "AppendBinary", append([]byte("prefix"), hx(t, tt.hex)...), got)
		})
	}
}

func TestDecodeCopies(t *testing.T) {
	b := hx(t, hexJunction)
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	b[8] = 0xff
	if p.Data[0] == 0xff {
		t.Error("Decode aliases its input")
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *CorruptError
	}{
		{"empty", "", &CorruptError{Offset: 0, Field: "reparse header", Value: 0}},
		{"short header", "0c0000a00000", &CorruptError{Offset: 0, Field: "reparse header", Value: 6}},
		{"data length past end", "0c0000a0100000000000", &CorruptError{Offset: 4, Field: "reparse data length", Value: 16}},
		{"trailing bytes", "0c0000a0010000000000", &CorruptError{Offset: 4, Field: "reparse data length", Value: 1}},
		{"GUID header cut", "0a00000000000000010203", &CorruptError{Offset: 8, Field: "reparse GUID", Value: 11}},
		{"GUID tag data past end", "0a000000010000000102030405060708090a0b0c0d0e0f10", &CorruptError{Offset: 4, Field: "reparse data length", Value: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(hx(t, tt.in))
			checkCorrupt(t, err, tt.want)
		})
	}
}

// checkCorrupt asserts that err is a *CorruptError matching want in all
// but Reason, and that it matches ErrCorrupt.
func checkCorrupt(t *testing.T, err error, want *CorruptError) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %v does not match ErrCorrupt", err)
	}
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *CorruptError", err)
	}
	got := *ce
	got.Reason = ""
	if d := cmp.Diff(*want, got); d != "" {
		t.Errorf("CorruptError mismatch (-want +got):\n%s\n(error: %v)", d, err)
	}
}

func TestCorruptErrorMessage(t *testing.T) {
	tests := []struct {
		err  *CorruptError
		want string
	}{
		{&CorruptError{Offset: 0x08, Field: "substitute name offset", Value: uint16(300)}, "reparse: bad substitute name offset at 0x8 (value 300)"},
		{&CorruptError{Offset: 0x1a, Field: "app exec link strings", Reason: "last string is not NUL-terminated"}, "reparse: bad app exec link strings at 0x1a: last string is not NUL-terminated"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestAppendBinaryErrors(t *testing.T) {
	tests := []struct {
		name string
		p    Point
	}{
		{"data too long", Point{Tag: TagSymlink, Data: make([]byte, 0x10000)}},
		{"GUID on Microsoft tag", Point{Tag: TagSymlink, GUID: [16]byte{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := tt.p.AppendBinary([]byte{1}); err == nil {
				t.Errorf("AppendBinary = %x, want error", b)
			}
		})
	}
	// The largest encodable buffer still works.
	if _, err := (Point{Tag: TagDedup, Data: make([]byte, 0xFFFF)}).AppendBinary(nil); err != nil {
		t.Errorf("AppendBinary of 65535 bytes: %v", err)
	}
}

func TestTagString(t *testing.T) {
	tests := []struct {
		tag  Tag
		want string
	}{
		{TagMountPoint, "IO_REPARSE_TAG_MOUNT_POINT"},
		{TagSymlink, "IO_REPARSE_TAG_SYMLINK"},
		{TagDedup, "IO_REPARSE_TAG_DEDUP"},
		{TagWOF, "IO_REPARSE_TAG_WOF"},
		{TagCloud, "IO_REPARSE_TAG_CLOUD"},
		{TagCloudF, "IO_REPARSE_TAG_CLOUD_F"},
		{TagAppExecLink, "IO_REPARSE_TAG_APPEXECLINK"},
		{TagLXSymlink, "IO_REPARSE_TAG_LX_SYMLINK"},
		{TagAFUnix, "IO_REPARSE_TAG_AF_UNIX"},
		{TagWCILink1, "IO_REPARSE_TAG_WCI_LINK_1"},
		{0x12345678, "0x12345678"},
		{0x8000ABCD, "0x8000ABCD"},
	}
	for _, tt := range tests {
		if got := tt.tag.String(); got != tt.want {
			t.Errorf("Tag(%#x).String() = %q, want %q", uint32(tt.tag), got, tt.want)
		}
	}
}

// TestTagValues pins the constants to MS-FSCC 2.1.2.1.
func TestTagValues(t *testing.T) {
	want := map[Tag]uint32{
		TagMountPoint: 0xA0000003, TagHSM: 0xC0000004, TagSIS: 0x80000007, TagWIM: 0x80000008,
		TagCSV: 0x80000009, TagDFS: 0x8000000A, TagSymlink: 0xA000000C, TagDFSR: 0x80000012,
		TagDedup: 0x80000013, TagNFS: 0x80000014, TagFilePlaceholder: 0x80000015, TagWOF: 0x80000017,
		TagWCI: 0x80000018, TagGlobalReparse: 0xA0000019, TagCloud: 0x9000001A, TagCloud1: 0x9000101A,
		TagCloudF: 0x9000F01A, TagAppExecLink: 0x8000001B, TagProjFS: 0x9000001C,
		TagLXSymlink: 0xA000001D, TagStorageSync: 0x8000001E, TagWCITombstone: 0xA000001F,
		TagUnhandled: 0x80000020, TagOneDrive: 0x80000021, TagProjFSTombstone: 0xA0000022,
		TagAFUnix: 0x80000023, TagLXFIFO: 0x80000024, TagLXChr: 0x80000025, TagLXBlk: 0x80000026,
		TagWCILink: 0xA0000027, TagDatalessCIM: 0xA0000028,
	}
	for tag, v := range want {
		if uint32(tag) != v {
			t.Errorf("%v = %#x, want %#x", tag, uint32(tag), v)
		}
	}
	// Every CLOUD_n variant differs from CLOUD only in the mask bits.
	for i, tag := range []Tag{TagCloud, TagCloud1, TagCloud2, TagCloud3, TagCloud4, TagCloud5, TagCloud6, TagCloud7,
		TagCloud8, TagCloud9, TagCloudA, TagCloudB, TagCloudC, TagCloudD, TagCloudE, TagCloudF} {
		if want := TagCloud | Tag(i)<<12; tag != want {
			t.Errorf("cloud variant %d = %v, want %#x", i, tag, uint32(want))
		}
		if !tag.IsCloud() || tag.Kind() != KindCloud {
			t.Errorf("%v: IsCloud = false or Kind = %q", tag, tag.Kind())
		}
	}
	if len(tagNames) != 56 {
		t.Errorf("tagNames has %d entries, want all 56 known tags", len(tagNames))
	}
}

func TestTagBits(t *testing.T) {
	tests := []struct {
		tag                    Tag
		microsoft, surrogate   bool
		directory, cloud, link bool
	}{
		{TagMountPoint, true, true, false, false, true},
		{TagSymlink, true, true, false, false, true},
		{TagLXSymlink, true, true, false, false, true},
		{TagCloud, true, false, true, true, false},
		{TagDedup, true, false, false, false, false},
		{TagAppExecLink, true, false, false, false, false},
		{0x0000000A, false, false, false, false, false},
		{0x20000017, false, true, false, false, false},
	}
	for _, tt := range tests {
		p := Point{Tag: tt.tag}
		got := []bool{tt.tag.IsMicrosoft(), tt.tag.IsNameSurrogate(), tt.tag.IsDirectory(), tt.tag.IsCloud(), p.IsLink()}
		want := []bool{tt.microsoft, tt.surrogate, tt.directory, tt.cloud, tt.link}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%v: [IsMicrosoft IsNameSurrogate IsDirectory IsCloud IsLink] mismatch (-want +got):\n%s", tt.tag, d)
		}
	}
}

func TestTypedAccessorsCheckTag(t *testing.T) {
	p := Point{Tag: TagDedup, Data: make([]byte, 32)}
	calls := map[string]func() error{
		"MountPoint":  func() error { _, err := p.MountPoint(); return err },
		"Symlink":     func() error { _, err := p.Symlink(); return err },
		"LXSymlink":   func() error { _, err := p.LXSymlink(); return err },
		"AppExecLink": func() error { _, err := p.AppExecLink(); return err },
		"WOF":         func() error { _, err := p.WOF(); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, ErrWrongTag) {
			t.Errorf("%s on a dedup point: error %v, want ErrWrongTag", name, err)
		}
	}
}

func TestDescribeCorrupt(t *testing.T) {
	tests := []struct {
		name string
		p    Point
		kind string
	}{
		{"junction", Point{Tag: TagMountPoint, Data: []byte{1, 2}}, KindJunction},
		{"symlink", Point{Tag: TagSymlink, Data: []byte{1, 2}}, KindSymlink},
		{"lx", Point{Tag: TagLXSymlink, Data: []byte{1, 2}}, KindLXSymlink},
		{"appexeclink", Point{Tag: TagAppExecLink, Data: []byte{3, 0, 0, 0, 'a'}}, KindAppExecLink},
		{"wof", Point{Tag: TagWOF, Data: []byte{1, 0, 0, 0, 2, 0, 0, 0}}, KindWOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.Describe()
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Describe error %v, want ErrCorrupt", err)
			}
			if d := cmp.Diff(Target{Kind: tt.kind}, got); d != "" {
				t.Errorf("Describe mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestTargetIsLink(t *testing.T) {
	for kind, want := range map[string]bool{
		KindJunction: true, KindSymlink: true, KindLXSymlink: true, KindInterix: true,
		KindAppExecLink: false, KindWOF: false, KindCloud: false, KindDedup: false, KindOther: false,
	} {
		if got := (Target{Kind: kind}).IsLink(); got != want {
			t.Errorf("Target{Kind: %q}.IsLink() = %v, want %v", kind, got, want)
		}
	}
}

// TestFixedSizes pins the size of every fixed layout.
func TestFixedSizes(t *testing.T) {
	for _, tt := range []struct {
		name      string
		got, want int
	}{
		{"REPARSE_DATA_BUFFER header", HeaderSize, 8},
		{"REPARSE_GUID_DATA_BUFFER header", GUIDHeaderSize, 24},
		{"mount point fixed part", mountPointFixedSize, 8},
		{"symlink fixed part", symlinkFixedSize, 12},
		{"LX symlink fixed part", lxSymlinkFixedSize, 4},
		{"app exec link fixed part", appExecLinkFixedSize, 4},
		{"WOF_EXTERNAL_INFO", wofFixedSize, 8},
		{"WOF file provider", wofFileFixedSize, 16},
		{"Interix device", interixDeviceSize, 24},
		{"empty mount point", len(must(NewMountPointData(nil, nil).AppendBinary(nil))), 8 + 4},
		{"empty symlink", len(must(NewSymlinkData(nil, nil, 0).AppendBinary(nil))), 12},
		{"WOF file", len(must(NewWOFFile(WOFLZX).AppendBinary(nil))), 16},
		{"Interix device", len(must(InterixDevice{}.AppendBinary(nil))), 24},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: size %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
