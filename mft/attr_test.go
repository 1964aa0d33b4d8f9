package mft

import (
	"bytes"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// cat and the u* helpers spell out on-disk layouts field by field, so the
// vectors do not depend on the encoder under test.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
func u8(v uint8) []byte          { return []byte{v} }
func u16(v uint16) []byte        { return le.AppendUint16(nil, v) }
func u32(v uint32) []byte        { return le.AppendUint32(nil, v) }
func u64(v uint64) []byte        { return le.AppendUint64(nil, v) }
func zeros(n int) []byte         { return make([]byte, n) }
func utf16le(s string) []byte    { return AppendName(nil, NameUnits(s)) }
func seq(n int, from byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = from + byte(i)
	}
	return b
}

// attrVectors is shared by DecodeAttr, Attr.AppendBinary and Layout. Each
// attribute is packed the way Windows packs it (name right after the header,
// value or runlist 8-aligned after the name, zero padding), so Layout of the
// decoded value must reproduce its offsets and Length.
var attrVectors = []struct {
	name string
	enc  []byte
	want Attr
}{
	{
		"resident unnamed $STANDARD_INFORMATION",
		cat(u32(0x10), u32(0x60), u8(0), u8(0), u16(0x18), u16(0), u16(0),
			u32(0x48), u16(0x18), u8(0), u8(0), seq(0x48, 1)),
		Attr{Type: AttrStandardInformation, Length: 0x60, NameOffset: 0x18, ValueOffset: 0x18, Value: seq(0x48, 1)},
	},
	{
		"resident named, value padded",
		cat(u32(0x80), u32(0x28), u8(0), u8(2), u16(0x18), u16(0), u16(3),
			u32(5), u16(0x20), u8(0), u8(0), utf16le("ab"), zeros(4), []byte("hello"), zeros(3)),
		Attr{Type: AttrData, Length: 0x28, Name: NameUnits("ab"), NameOffset: 0x18, ID: 3,
			ValueOffset: 0x20, Value: []byte("hello")},
	},
	{
		"resident indexed $FILE_NAME",
		cat(u32(0x30), u32(0x68), u8(0), u8(0), u16(0x18), u16(0), u16(2),
			u32(0x4C), u16(0x18), u8(1), u8(0), seq(0x4C, 0x20), zeros(4)),
		Attr{Type: AttrFileName, Length: 0x68, NameOffset: 0x18, ID: 2, ValueOffset: 0x18,
			ResidentFlags: ResidentIndexed, Value: seq(0x4C, 0x20)},
	},
	{
		"resident empty value",
		cat(u32(0x60), u32(0x18), u8(0), u8(0), u16(0x18), u16(0), u16(4),
			u32(0), u16(0x18), u8(0), u8(0)),
		Attr{Type: AttrVolumeName, Length: 0x18, NameOffset: 0x18, ID: 4, ValueOffset: 0x18, Value: []byte{}},
	},
	{
		"non-resident unnamed $DATA",
		cat(u32(0x80), u32(0x48), u8(1), u8(0), u16(0x40), u16(0), u16(1),
			u64(0), u64(0x2F), u16(0x40), u16(0), zeros(4),
			u64(0x30000), u64(0x2F123), u64(0x2F123),
			[]byte{0x11, 0x30, 0x60, 0x00}, zeros(4)),
		Attr{Type: AttrData, Length: 0x48, NonResident: true, NameOffset: 0x40, ID: 1,
			LastVCN: 0x2F, RunsOffset: 0x40, AllocatedSize: 0x30000, DataSize: 0x2F123, InitializedSize: 0x2F123,
			Runs: []Run{{Start: 0x60, Length: 0x30}}},
	},
	{
		"non-resident named $I30",
		cat(u32(0xA0), u32(0x50), u8(1), u8(4), u16(0x40), u16(0), u16(5),
			u64(0), u64(0), u16(0x48), u16(0), zeros(4),
			u64(0x1000), u64(0x1000), u64(0x1000),
			utf16le("$I30"), []byte{0x11, 0x01, 0x2C, 0x00}, zeros(4)),
		Attr{Type: AttrIndexAllocation, Length: 0x50, NonResident: true, Name: NameUnits("$I30"), NameOffset: 0x40, ID: 5,
			RunsOffset: 0x48, AllocatedSize: 0x1000, DataSize: 0x1000, InitializedSize: 0x1000,
			Runs: []Run{{Start: 0x2C, Length: 1}}},
	},
	{
		"non-resident compressed, 0x48 header",
		cat(u32(0x80), u32(0x50), u8(1), u8(0), u16(0x48), u16(1), u16(2),
			u64(0), u64(15), u16(0x48), u16(4), zeros(4),
			u64(0x10000), u64(0xF000), u64(0xF000), u64(0x3000),
			[]byte{0x11, 0x03, 0x40, 0x01, 0x0D, 0x00}, zeros(2)),
		Attr{Type: AttrData, Length: 0x50, NonResident: true, NameOffset: 0x48, Flags: AttrCompressed, ID: 2,
			LastVCN: 15, RunsOffset: 0x48, CompressionUnit: 4,
			AllocatedSize: 0x10000, DataSize: 0xF000, InitializedSize: 0xF000, CompressedSize: 0x3000, HasCompressedSize: true,
			Runs: []Run{{Start: 0x40, Length: 3}, {Length: 13, Sparse: true}}},
	},
	{
		"non-resident sparse named stream, 0x48 header",
		cat(u32(0x80), u32(0x58), u8(1), u8(3), u16(0x48), u16(0x8000), u16(6),
			u64(0), u64(0xFF), u16(0x50), u16(0), zeros(4),
			u64(0x100000), u64(0x100000), u64(0x100000), u64(0x1000),
			utf16le("ads"), zeros(2), []byte{0x02, 0xFF, 0x00, 0x11, 0x01, 0x70, 0x00}, zeros(1)),
		Attr{Type: AttrData, Length: 0x58, NonResident: true, Name: NameUnits("ads"), NameOffset: 0x48, Flags: AttrSparse, ID: 6,
			LastVCN: 0xFF, RunsOffset: 0x50,
			AllocatedSize: 0x100000, DataSize: 0x100000, InitializedSize: 0x100000, CompressedSize: 0x1000, HasCompressedSize: true,
			Runs: []Run{{Length: 0xFF, Sparse: true}, {Start: 0x70, Length: 1}}},
	},
	{
		"non-resident empty (last VCN -1)",
		cat(u32(0x80), u32(0x48), u8(1), u8(0), u16(0x40), u16(0), u16(3),
			u64(0), u64(math.MaxUint64), u16(0x40), u16(0), zeros(4),
			u64(0), u64(0), u64(0), []byte{0x00}, zeros(7)),
		Attr{Type: AttrData, Length: 0x48, NonResident: true, NameOffset: 0x40, ID: 3,
			LastVCN: -1, RunsOffset: 0x40},
	},
	{
		"non-resident extension extent",
		cat(u32(0x80), u32(0x48), u8(1), u8(0), u16(0x40), u16(0), u16(0),
			u64(0x30), u64(0x3F), u16(0x40), u16(0), zeros(4),
			u64(0), u64(0), u64(0), []byte{0x11, 0x10, 0x70, 0x00}, zeros(4)),
		Attr{Type: AttrData, Length: 0x48, NonResident: true, NameOffset: 0x40,
			StartVCN: 0x30, LastVCN: 0x3F, RunsOffset: 0x40, Runs: []Run{{Start: 0x70, Length: 0x10}}},
	},
}

func TestDecodeAttr(t *testing.T) {
	for _, tt := range attrVectors {
		t.Run(tt.name, func(t *testing.T) {
			// A following attribute must not be read.
			in := append(bytes.Clone(tt.enc), 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0)
			got, err := DecodeAttr(in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, ignoreRaw); diff != "" {
				t.Errorf("DecodeAttr (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAttrAppendBinary(t *testing.T) {
	for _, tt := range attrVectors {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.want // no decoded bytes: encoded from the fields alone
			got, err := a.AppendBinary([]byte("pre"))
			if err != nil {
				t.Fatal(err)
			}
			if d := bytesDiff(append([]byte("pre"), tt.enc...), got); d != "" {
				t.Errorf("AppendBinary (-want +got):\n%s", d)
			}
		})
	}
}

func TestAttrLayout(t *testing.T) {
	for _, tt := range attrVectors {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.want
			a.NameOffset, a.ValueOffset, a.RunsOffset, a.Length = 0, 0, 0, 0
			if err := a.Layout(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, a, ignoreRaw); diff != "" {
				t.Errorf("Layout (-want +got):\n%s", diff)
			}
		})
	}
}

// Layout after changing a decoded attribute: the produced bytes decode back
// to the same values, resident and non-resident.
func TestAttrLayoutChanged(t *testing.T) {
	tests := []struct {
		name   string
		from   int // index into attrVectors
		change func(a *Attr)
	}{
		{"resident: longer value", 1, func(a *Attr) { a.Value = []byte("a much longer value than before") }},
		{"resident: name added", 0, func(a *Attr) { a.Name = NameUnits("stream") }},
		{"resident: name removed, empty value", 1, func(a *Attr) { a.Name, a.Value = nil, nil }},
		{"non-resident: runs replaced by assignment", 4, func(a *Attr) {
			a.Runs = []Run{{Start: 0x1000, Length: 0x10}, {Length: 0x10, Sparse: true}, {Start: 0x800, Length: 0x10}}
			a.LastVCN = 0x2F
		}},
		{"non-resident: runs replaced by SetRuns", 5, func(a *Attr) {
			a.SetRuns([]Run{{Start: 0x123456789, Length: 2}})
			a.LastVCN = 1
		}},
		{"non-resident: name added to compressed", 6, func(a *Attr) { a.Name = NameUnits("x") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := DecodeAttr(attrVectors[tt.from].enc)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(&a)
			if err := a.Layout(); err != nil {
				t.Fatal(err)
			}
			if a.Length%8 != 0 {
				t.Errorf("Length %d not 8-aligned", a.Length)
			}
			enc, err := a.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(enc) != int(a.Length) {
				t.Errorf("encoded %d bytes, Length %d", len(enc), a.Length)
			}
			got, err := DecodeAttr(enc)
			if err != nil {
				t.Fatalf("%v\n% x", err, enc)
			}
			if diff := cmp.Diff(a, got, ignoreRaw, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("decode after Layout (-want +got):\n%s", diff)
			}
		})
	}
}

// A non-minimal runlist written by another implementation survives an
// unchanged re-encoding; changing Runs, even by plain assignment, writes the
// new runs.
func TestAttrRunsRawKept(t *testing.T) {
	enc := cat(u32(0x80), u32(0x48), u8(1), u8(0), u16(0x40), u16(0), u16(1),
		u64(0), u64(0x2F), u16(0x40), u16(0), zeros(4),
		u64(0x30000), u64(0x30000), u64(0x30000),
		[]byte{0x22, 0x30, 0x00, 0x60, 0x00, 0x00}, zeros(2)) // 2-byte fields where 1 would do
	a, err := DecodeAttr(enc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := bytesDiff(enc, got); d != "" {
		t.Errorf("unchanged re-encoding (-want +got):\n%s", d)
	}
	a.Runs = []Run{{Start: 0x61, Length: 0x30}}
	got, err = a.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := bytesDiff([]byte{0x11, 0x30, 0x61, 0x00}, got[0x40:0x44]); d != "" {
		t.Errorf("runs after assignment (-want +got):\n%s", d)
	}
}

func TestDecodeAttrErrors(t *testing.T) {
	res := attrVectors[1].enc    // resident named
	nonres := attrVectors[4].enc // non-resident
	named := attrVectors[5].enc  // non-resident named
	tests := []struct {
		name   string
		in     []byte
		mess   func(b []byte) []byte
		offset int
	}{
		{"short header", res, func(b []byte) []byte { return b[:15] }, 0},
		{"length below 16", res, func(b []byte) []byte { le.PutUint32(b[4:], 8); return b }, 4},
		{"length not 8-aligned", res, func(b []byte) []byte { le.PutUint32(b[4:], 0x21); return b }, 4},
		{"length past buffer", res, func(b []byte) []byte { le.PutUint32(b[4:], 0x30); return b }, 4},
		{"non-resident flag 2", res, func(b []byte) []byte { b[8] = 2; return b }, 8},
		{"name past end", res, func(b []byte) []byte { b[9] = 20; return b }, 0x0A},
		{"name inside header", res, func(b []byte) []byte { le.PutUint16(b[0x0A:], 0x10); return b }, 0x0A},
		{"resident too short for its header", res, func(b []byte) []byte { le.PutUint32(b[4:], 0x10); b[9] = 0; return b[:0x10] }, 4},
		{"value offset inside header", res, func(b []byte) []byte { le.PutUint16(b[0x14:], 0x10); return b }, 0x14},
		{"value past end", res, func(b []byte) []byte { le.PutUint32(b[0x10:], 0x11); return b }, 0x10},
		{"value length huge", res, func(b []byte) []byte { le.PutUint32(b[0x10:], 0xFFFFFFFF); return b }, 0x10},
		{"non-resident too short", nonres, func(b []byte) []byte { le.PutUint32(b[4:], 0x38); return b[:0x38] }, 4},
		{"non-resident name inside header", named, func(b []byte) []byte { le.PutUint16(b[0x0A:], 0x38); return b }, 0x0A},
		{"start VCN negative", nonres, func(b []byte) []byte { le.PutUint64(b[0x10:], math.MaxUint64); return b }, 0x10},
		{"last VCN below start - 1", nonres, func(b []byte) []byte { le.PutUint64(b[0x10:], 5); le.PutUint64(b[0x18:], 3); return b }, 0x18},
		{"last VCN max", nonres, func(b []byte) []byte { le.PutUint64(b[0x18:], math.MaxInt64); return b }, 0x18},
		{"negative data size", nonres, func(b []byte) []byte { le.PutUint64(b[0x30:], math.MaxUint64); return b }, 0x30},
		{"runlist offset inside header", nonres, func(b []byte) []byte { le.PutUint16(b[0x20:], 0x38); return b }, 0x20},
		{"runlist offset past end", nonres, func(b []byte) []byte { le.PutUint16(b[0x20:], 0x49); return b }, 0x20},
		{"runlist error shifted by its offset", nonres, func(b []byte) []byte { b[0x40] = 0x10; return b }, 0x40},
		{"runlist without terminator", nonres, func(b []byte) []byte { copy(b[0x40:], []byte{0x11, 1, 1, 0x11, 1, 1, 0x11, 1}); return b }, 0x46},
		{"runlist shorter than last VCN", nonres, func(b []byte) []byte { b[0x41] = 0x2F; return b }, 0x40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeAttr(tt.mess(bytes.Clone(tt.in)))
			checkCorrupt(t, err, corruptAt{NoRecord, tt.offset})
		})
	}
}

func TestAttrAppendBinaryErrors(t *testing.T) {
	tests := []struct {
		name   string
		a      Attr
		offset int
	}{
		{"length not aligned", Attr{Length: 0x1C, ValueOffset: 0x18}, 4},
		{"length below header", Attr{Length: 0x10, ValueOffset: 0x18}, 4},
		{"non-resident length below header", Attr{NonResident: true, Length: 0x40, HasCompressedSize: true, RunsOffset: 0x48}, 4},
		{"name too long", Attr{Length: 0x400, ValueOffset: 0x18, NameOffset: 0x18, Name: make([]uint16, 256)}, 9},
		{"name past length", Attr{Length: 0x18, ValueOffset: 0x18, NameOffset: 0x18, Name: NameUnits("ab")}, 0x0A},
		{"name inside header", Attr{Length: 0x20, ValueOffset: 0x18, NameOffset: 0x10, Name: NameUnits("ab")}, 0x0A},
		{"value past length", Attr{Length: 0x18, ValueOffset: 0x18, Value: []byte{1}}, 0x14},
		{"value inside header", Attr{Length: 0x20, ValueOffset: 0x10}, 0x14},
		{"runs past length", Attr{NonResident: true, Length: 0x40, RunsOffset: 0x40}, 0x20},
		{"bad runs", Attr{NonResident: true, Length: 0x48, RunsOffset: 0x40, Runs: []Run{{Length: -1}}}, 0x41},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.AppendBinary([]byte{9})
			checkCorrupt(t, err, corruptAt{NoRecord, tt.offset})
			if d := bytesDiff([]byte{9}, got); d != "" {
				t.Errorf("AppendBinary changed b on error:\n%s", d)
			}
		})
	}
}
