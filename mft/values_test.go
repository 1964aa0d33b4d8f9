package mft

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Each typed value has one vector table shared by its decoder and its
// AppendBinary.

var stdInfoVectors = []struct {
	name string
	enc  []byte
	want StandardInfo
}{
	{"NTFS 1.2 (0x30, as mkntfs writes)",
		cat(u64(0x01D9000000000001), u64(2), u64(3), u64(4), u32(0x26), u32(0), u32(0), u32(0)),
		StandardInfo{Created: 0x01D9000000000001, Modified: 2, MFTModified: 3, Accessed: 4,
			Attributes: FileHidden | FileSystem | FileArchive}},
	{"NTFS 3.x (0x48)",
		cat(u64(10), u64(20), u64(30), u64(40), u32(0x10000020), u32(1), u32(2), u32(3),
			u32(4), u32(0x100), u64(0x1234), u64(0xDEADBEEF)),
		StandardInfo{Created: 10, Modified: 20, MFTModified: 30, Accessed: 40,
			Attributes: FileArchive | FileDupDirectory, MaxVersions: 1, Version: 2, ClassID: 3,
			Extended: true, OwnerID: 4, SecurityID: 0x100, QuotaCharged: 0x1234, USN: 0xDEADBEEF}},
}

func TestDecodeStandardInfo(t *testing.T) {
	for _, tt := range stdInfoVectors {
		got, err := DecodeStandardInfo(tt.enc)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: DecodeStandardInfo (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, n := range []int{0, 0x2F, 0x31, 0x40, 0x47, 0x49} {
		_, err := DecodeStandardInfo(make([]byte, n))
		checkCorrupt(t, err, corruptAt{NoRecord, 0})
	}
}

func TestStandardInfoAppendBinary(t *testing.T) {
	for _, tt := range stdInfoVectors {
		got, err := tt.want.AppendBinary([]byte{7})
		if err != nil {
			t.Fatal(err)
		}
		if d := bytesDiff(append([]byte{7}, tt.enc...), got); d != "" {
			t.Errorf("%s: AppendBinary (-want +got):\n%s", tt.name, d)
		}
	}
}

var fileNameVectors = []struct {
	name string
	enc  []byte
	want FileName
}{
	{"root '.'", cat(u64(0x0005000000000005), u64(1), u64(2), u64(3), u64(4), u64(0), u64(0),
		u32(0x10000006), u32(0), u8(1), u8(3), utf16le(".")),
		FileName{Parent: MakeFileRef(5, 5), Created: 1, Modified: 2, MFTModified: 3, Accessed: 4,
			Attributes: FileHidden | FileSystem | FileDupDirectory, Namespace: NamespaceWin32DOS, Name: NameUnits(".")}},
	{"reparse tag in the EA slot, POSIX name with a surrogate pair",
		cat(u64(0x0002000000000040), u64(5), u64(6), u64(7), u64(8), u64(0x1000), u64(0xFFF),
			u32(0x420), u32(0xA000000C), u8(4), u8(0), utf16le("a😀b")),
		FileName{Parent: MakeFileRef(0x40, 2), Created: 5, Modified: 6, MFTModified: 7, Accessed: 8,
			AllocatedSize: 0x1000, DataSize: 0xFFF, Attributes: FileArchive | FileReparsePoint, EAReparse: 0xA000000C,
			Namespace: NamespacePOSIX, Name: NameUnits("a😀b")}},
	{"DOS name, 255-unit maximum kept exact", cat(u64(5), zeros(0x30), u32(0x20), u32(0), u8(255), u8(2), bytes.Repeat(utf16le("x"), 255)),
		FileName{Parent: 5, Attributes: FileArchive, Namespace: NamespaceDOS, Name: NameUnits(string(bytes.Repeat([]byte("x"), 255)))}},
}

func TestDecodeFileName(t *testing.T) {
	for _, tt := range fileNameVectors {
		got, err := DecodeFileName(append(bytes.Clone(tt.enc), 0, 0, 0, 0, 0, 0)) // index key padding is ignored
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: DecodeFileName (-want +got):\n%s", tt.name, diff)
		}
		if got.Len() != len(tt.enc) {
			t.Errorf("%s: Len() = %d, want %d", tt.name, got.Len(), len(tt.enc))
		}
	}
	good := fileNameVectors[0].enc
	tests := []struct {
		name   string
		mess   func(b []byte) []byte
		offset int
	}{
		{"short", func(b []byte) []byte { return b[:0x41] }, 0},
		{"namespace 4", func(b []byte) []byte { b[0x41] = 4; return b }, 0x41},
		{"empty name", func(b []byte) []byte { b[0x40] = 0; return b }, 0x40},
		{"name past end", func(b []byte) []byte { b[0x40] = 2; return b }, 0x40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeFileName(tt.mess(bytes.Clone(good)))
			checkCorrupt(t, err, corruptAt{NoRecord, tt.offset})
		})
	}
}

func TestFileNameAppendBinary(t *testing.T) {
	for _, tt := range fileNameVectors {
		got, err := tt.want.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := bytesDiff(tt.enc, got); d != "" {
			t.Errorf("%s: AppendBinary (-want +got):\n%s", tt.name, d)
		}
	}
	for _, f := range []FileName{{}, {Name: make([]uint16, 256)}, {Name: NameUnits("a"), Namespace: 4}} {
		got, err := f.AppendBinary([]byte{1})
		if err == nil || !bytes.Equal(got, []byte{1}) {
			t.Errorf("AppendBinary(%d units, namespace %d) = % x, %v; want an error", len(f.Name), f.Namespace, got, err)
		}
	}
	d := FileName{Attributes: FileDupDirectory}
	if !d.IsDir() || (&FileName{Attributes: FileDirectoryOld}).IsDir() {
		t.Errorf("IsDir wrong")
	}
}

// attrListVectors: entries as Windows packs them (name at 0x1A, 8-aligned).
var attrListVectors = []struct {
	name string
	enc  []byte
	want []AttrListEntry
}{
	{"empty", []byte{}, nil},
	{"base and extension, named stream",
		cat(u32(0x10), u16(0x20), u8(0), u8(0x1A), u64(0), u64(0x0001000000000040), u16(0), zeros(6),
			u32(0x30), u16(0x20), u8(0), u8(0x1A), u64(0), u64(0x0003000000000041), u16(7), zeros(6),
			u32(0x80), u16(0x20), u8(3), u8(0x1A), u64(0x100), u64(0x0003000000000041), u16(8), utf16le("ads")),
		[]AttrListEntry{
			{Type: AttrStandardInformation, Length: 0x20, NameOffset: 0x1A, Ref: MakeFileRef(0x40, 1)},
			{Type: AttrFileName, Length: 0x20, NameOffset: 0x1A, Ref: MakeFileRef(0x41, 3), ID: 7},
			{Type: AttrData, Length: 0x20, NameOffset: 0x1A, StartVCN: 0x100, Ref: MakeFileRef(0x41, 3), ID: 8, Name: NameUnits("ads")},
		}},
}

func TestDecodeAttrList(t *testing.T) {
	for _, tt := range attrListVectors {
		got, err := DecodeAttrList(tt.enc)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got, ignoreRaw); diff != "" {
			t.Errorf("%s: DecodeAttrList (-want +got):\n%s", tt.name, diff)
		}
	}
	good := attrListVectors[1].enc
	tests := []struct {
		name   string
		mess   func(b []byte) []byte
		offset int
	}{
		{"truncated header", func(b []byte) []byte { return b[:0x20+0x19] }, 0x20},
		{"entry length below header", func(b []byte) []byte { le.PutUint16(b[0x24:], 0x18); return b }, 0x24},
		{"entry past end", func(b []byte) []byte { le.PutUint16(b[0x44:], 0x30); return b }, 0x44},
		{"name inside header", func(b []byte) []byte { b[0x47] = 0x18; return b }, 0x47},
		{"name past entry", func(b []byte) []byte { b[0x46] = 10; return b }, 0x47},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeAttrList(tt.mess(bytes.Clone(good)))
			checkCorrupt(t, err, corruptAt{NoRecord, tt.offset})
		})
	}
}

func TestAppendAttrList(t *testing.T) {
	for _, tt := range attrListVectors {
		got, err := AppendAttrList([]byte{1}, tt.want)
		if err != nil {
			t.Fatal(err)
		}
		if d := bytesDiff(append([]byte{1}, tt.enc...), got); d != "" {
			t.Errorf("%s: AppendAttrList (-want +got):\n%s", tt.name, d)
		}
		// Length 0 asks for the packed layout, which is what the vectors use.
		var packed []AttrListEntry
		for _, e := range tt.want {
			e.Length, e.NameOffset = 0, 0
			packed = append(packed, e)
		}
		got, err = AppendAttrList(nil, packed)
		if err != nil {
			t.Fatal(err)
		}
		if d := bytesDiff(tt.enc, got); d != "" {
			t.Errorf("%s: AppendAttrList packed (-want +got):\n%s", tt.name, d)
		}
	}
	bad := []struct {
		name   string
		e      []AttrListEntry
		offset int
	}{
		{"name too long", []AttrListEntry{{Name: make([]uint16, 256)}}, 6},
		{"length below header", []AttrListEntry{{Length: 0x20}, {Length: 0x10}}, 0x24},
		{"name past entry", []AttrListEntry{{Length: 0x20, NameOffset: 0x1A, Name: NameUnits("abcd")}}, 4},
	}
	for _, tt := range bad {
		got, err := AppendAttrList([]byte{1}, tt.e)
		checkCorrupt(t, err, corruptAt{NoRecord, tt.offset})
		if !bytes.Equal(got, []byte{1}) {
			t.Errorf("%s: AppendAttrList changed b on error", tt.name)
		}
	}
}

var volumeInfoVectors = []struct {
	name string
	enc  []byte
	want VolumeInfo
}{
	{"3.1 as mkntfs writes (12 bytes)", cat(u64(0), u8(3), u8(1), u16(0)), VolumeInfo{Major: 3, Minor: 1}},
	{"3.1 as Windows writes (16 bytes), modified by chkdsk", cat(u64(0), u8(3), u8(1), u16(0x8000), zeros(4)),
		VolumeInfo{Major: 3, Minor: 1, Flags: VolumeModifiedByChkdsk, Tail: zeros(4)}},
	{"1.2, dirty, reserved set", cat(u64(0x1122), u8(1), u8(2), u16(1)), VolumeInfo{Reserved: 0x1122, Major: 1, Minor: 2, Flags: VolumeDirty}},
}

func TestDecodeVolumeInfo(t *testing.T) {
	for _, tt := range volumeInfoVectors {
		got, err := DecodeVolumeInfo(tt.enc)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: DecodeVolumeInfo (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, n := range []int{0, 11, 65} {
		_, err := DecodeVolumeInfo(make([]byte, n))
		checkCorrupt(t, err, corruptAt{NoRecord, 0})
	}
}

func TestVolumeInfoAppendBinary(t *testing.T) {
	for _, tt := range volumeInfoVectors {
		got, err := tt.want.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := bytesDiff(tt.enc, got); d != "" {
			t.Errorf("%s: AppendBinary (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestVolumeName(t *testing.T) {
	tests := []struct {
		enc  []byte
		want string
	}{
		{[]byte{}, ""},
		{utf16le("Test index"), "Test index"},
		{utf16le("Ünïcødé"), "Ünïcødé"},
	}
	for _, tt := range tests {
		got, err := DecodeVolumeName(tt.enc)
		if err != nil {
			t.Fatal(err)
		}
		if NameString(got) != tt.want {
			t.Errorf("DecodeVolumeName = %q, want %q", NameString(got), tt.want)
		}
		if d := bytesDiff(tt.enc, AppendVolumeName(nil, got)); d != "" {
			t.Errorf("AppendVolumeName (-want +got):\n%s", d)
		}
	}
	for _, n := range []int{1, 257, 258} {
		_, err := DecodeVolumeName(make([]byte, n))
		checkCorrupt(t, err, corruptAt{NoRecord, 0})
	}
}
