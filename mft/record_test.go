package mft

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recordPlain is a 1 KiB FILE record laid out by hand (fixups applied):
// $STANDARD_INFORMATION, $FILE_NAME "a.txt" and a resident $DATA "hello",
// the end marker with the stale length Windows leaves (0x11477982), and
// non-zero slack, including the bytes the update sequence array protects.
func recordPlain() []byte {
	si := cat(u32(0x10), u32(0x60), u8(0), u8(0), u16(0x18), u16(0), u16(0),
		u32(0x48), u16(0x18), u8(0), u8(0), seq(0x48, 1))
	fnValue := cat(u64(uint64(MakeFileRef(5, 5))), seq(0x20, 0x40), u64(0), u64(5), u32(0x20), u32(0),
		u8(5), u8(uint8(NamespaceWin32DOS)), utf16le("a.txt"))
	fn := cat(u32(0x30), u32(0x68), u8(0), u8(0), u16(0x18), u16(0), u16(2),
		u32(0x4C), u16(0x18), u8(1), u8(0), fnValue, zeros(4))
	data := cat(u32(0x80), u32(0x20), u8(0), u8(0), u16(0x18), u16(0), u16(1),
		u32(5), u16(0x18), u8(0), u8(0), []byte("hello"), zeros(3))
	b := cat([]byte("FILE"), u16(0x30), u16(3), u64(0x1122334455667788),
		u16(7), u16(1), u16(0x38), u16(uint16(RecordInUse)), u32(0x128), u32(0x400),
		u64(0), u16(3), u16(0), u32(42),
		u16(2), u16(0xA1B1), u16(0xCAFE), // USA: USN 2, saved words of both sectors
		zeros(2), si, fn, data, u32(0xFFFFFFFF), u32(0x11477982))
	b = append(b, bytes.Repeat([]byte{0x5A}, 0x400-len(b))...)
	le.PutUint16(b[0x1FE:], 0xA1B1)
	le.PutUint16(b[0x3FE:], 0xCAFE)
	return b
}

// buildRecord returns recordPlain as on disk: the last two bytes of each
// sector replaced by the USN (2).
func buildRecord(t testing.TB) []byte {
	t.Helper()
	b := recordPlain()
	le.PutUint16(b[0x1FE:], 2)
	le.PutUint16(b[0x3FE:], 2)
	return b
}

func wantRecord() *Record {
	plain := recordPlain()
	return &Record{
		Magic: [4]byte{'F', 'I', 'L', 'E'}, USAOffset: 0x30, USACount: 3, LSN: 0x1122334455667788,
		Seq: 7, LinkCount: 1, AttrOffset: 0x38, Flags: RecordInUse, BytesInUse: 0x128, BytesAllocated: 0x400,
		NextAttrID: 3, Number: 42, HasNumber: true,
		Attrs: []Attr{
			{Type: AttrStandardInformation, Length: 0x60, NameOffset: 0x18, ValueOffset: 0x18, Value: seq(0x48, 1)},
			{Type: AttrFileName, Length: 0x68, NameOffset: 0x18, ID: 2, ValueOffset: 0x18, ResidentFlags: ResidentIndexed,
				Value: plain[0xB0 : 0xB0+0x4C]},
			{Type: AttrData, Length: 0x20, NameOffset: 0x18, ID: 1, ValueOffset: 0x18, Value: []byte("hello")},
		},
	}
}

func TestParseRecord(t *testing.T) {
	disk := buildRecord(t)
	orig := bytes.Clone(disk)
	r, err := ParseRecord(disk, 42)
	if err != nil {
		t.Fatal(err)
	}
	if d := bytesDiff(orig, disk); d != "" {
		t.Errorf("ParseRecord modified its input:\n%s", d)
	}
	if diff := cmp.Diff(wantRecord(), r, ignoreRaw); diff != "" {
		t.Errorf("ParseRecord (-want +got):\n%s", diff)
	}
	fn, err := DecodeFileName(r.Attrs[1].Value)
	if err != nil {
		t.Fatal(err)
	}
	if fn.NameString() != "a.txt" || fn.Parent != MakeFileRef(5, 5) {
		t.Errorf("$FILE_NAME = %q in %v", fn.NameString(), fn.Parent)
	}
	if !r.InUse() || r.IsDir() || !r.IsBase() {
		t.Errorf("InUse, IsDir, IsBase = %v, %v, %v", r.InUse(), r.IsDir(), r.IsBase())
	}
	// DecodeRecord on the plain bytes gives the same.
	r2, err := DecodeRecord(recordPlain(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, r2, ignoreRaw); diff != "" {
		t.Errorf("DecodeRecord vs ParseRecord (-want +got):\n%s", diff)
	}
}

// encodeRecord is AppendBinary + ProtectFixups: the bytes to write.
func encodeRecord(t testing.TB, r *Record) []byte {
	t.Helper()
	b, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ProtectFixups(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRecordRoundTrip(t *testing.T) {
	disk := buildRecord(t)
	r, err := ParseRecord(disk, 42)
	if err != nil {
		t.Fatal(err)
	}
	if d := bytesDiff(disk, encodeRecord(t, r)); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

// A record built from values alone (no decoded bytes): zero slack, USN from
// NextUSN, and it parses back to the same values.
func TestRecordNew(t *testing.T) {
	r := wantRecord()
	r.BytesInUse = 0 // recomputed
	for i := range r.Attrs {
		r.Attrs[i].Length = 0
		if err := r.Attrs[i].Layout(); err != nil {
			t.Fatal(err)
		}
	}
	b, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if usn, err := NextUSN(b); err != nil || usn != 1 {
		t.Fatalf("NextUSN = %d, %v", usn, err)
	}
	if err := ProtectFixups(b); err != nil {
		t.Fatal(err)
	}
	got, err := ParseRecord(b, 42)
	if err != nil {
		t.Fatal(err)
	}
	want := wantRecord()
	if diff := cmp.Diff(want, got, ignoreRaw); diff != "" {
		t.Errorf("ParseRecord(new) (-want +got):\n%s", diff)
	}
	// The end marker's second half is zero and the slack is zero.
	plain := bytes.Clone(b)
	if err := ApplyFixups(plain); err != nil {
		t.Fatal(err)
	}
	wantTail := append(u32(0xFFFFFFFF), zeros(0x400-0x124)...)
	if d := bytesDiff(wantTail, plain[0x120:]); d != "" {
		t.Errorf("end marker and slack (-want +got):\n%s", d)
	}
}

func TestRecordAddRemoveAttr(t *testing.T) {
	plainOrig := recordPlain()
	named := Attr{Type: AttrData, Name: NameUnits("ads"), ID: 3, Value: []byte("stream data")}
	if err := named.Layout(); err != nil {
		t.Fatal(err)
	}
	if named.Length != 0x30 { // 0x18 header + 6 name + 2 pad + 11 value + 5 pad
		t.Fatalf("Layout: Length 0x%x, want 0x30", named.Length)
	}
	tests := []struct {
		name      string
		change    func(r *Record)
		wantInUse uint32
		wantTypes []AttrType
	}{
		{"add", func(r *Record) { r.Attrs = append(r.Attrs, named); r.NextAttrID++ },
			0x128 + 0x30, []AttrType{AttrStandardInformation, AttrFileName, AttrData, AttrData}},
		{"remove last", func(r *Record) { r.Attrs = r.Attrs[:2] },
			0x128 - 0x20, []AttrType{AttrStandardInformation, AttrFileName}},
		{"remove first", func(r *Record) { r.Attrs = r.Attrs[1:] },
			0x128 - 0x60, []AttrType{AttrFileName, AttrData}},
		{"grow a value", func(r *Record) {
			r.Attrs[2].Value = bytes.Repeat([]byte("x"), 100)
			if err := r.Attrs[2].Layout(); err != nil {
				t.Fatal(err)
			}
		}, 0x128 - 0x20 + 0x18 + 0x68, []AttrType{AttrStandardInformation, AttrFileName, AttrData}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRecord(buildRecord(t), 42)
			if err != nil {
				t.Fatal(err)
			}
			tt.change(r)
			want := *r
			want.Attrs = append([]Attr(nil), r.Attrs...)
			want.BytesInUse = tt.wantInUse
			b := encodeRecord(t, r)
			if r.BytesInUse != tt.wantInUse {
				t.Errorf("BytesInUse after AppendBinary = 0x%x, want 0x%x", r.BytesInUse, tt.wantInUse)
			}
			got, err := ParseRecord(b, 42)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&want, got, ignoreRaw); diff != "" {
				t.Errorf("re-parsed (-want +got):\n%s", diff)
			}
			var types []AttrType
			for _, a := range got.Attrs {
				types = append(types, a.Type)
			}
			if diff := cmp.Diff(tt.wantTypes, types); diff != "" {
				t.Errorf("attribute types (-want +got):\n%s", diff)
			}
			plain := bytes.Clone(b)
			if err := ApplyFixups(plain); err != nil {
				t.Fatal(err)
			}
			// The moved end marker: 0xFFFFFFFF, then zero rather than stale
			// attribute bytes.
			end := int(tt.wantInUse) - 8
			if d := bytesDiff(cat(u32(0xFFFFFFFF), u32(0)), plain[end:end+8]); d != "" {
				t.Errorf("end marker (-want +got):\n%s", d)
			}
			// Slack past the old and new ends is kept as it was.
			from := max(int(tt.wantInUse), 0x128)
			if d := bytesDiff(plainOrig[from:], plain[from:]); d != "" {
				t.Errorf("slack (-want +got):\n%s", d)
			}
		})
	}
}

func TestRecordFull(t *testing.T) {
	r, err := ParseRecord(buildRecord(t), 42)
	if err != nil {
		t.Fatal(err)
	}
	big := Attr{Type: AttrData, Name: NameUnits("big"), Value: make([]byte, 0x400-0x128)}
	if err := big.Layout(); err != nil {
		t.Fatal(err)
	}
	r.Attrs = append(r.Attrs, big)
	got, err := r.AppendBinary([]byte{1})
	checkCorrupt(t, err, corruptAt{42, 0x120})
	if d := bytesDiff([]byte{1}, got); d != "" {
		t.Errorf("AppendBinary changed b on error:\n%s", d)
	}
}

// BytesInUse is the one header field AppendBinary recomputes: a record that
// claims more bytes in use than its end marker ends at re-encodes with the
// correct value, which is the documented exception to byte-exactness.
func TestRecordBytesInUseRecomputed(t *testing.T) {
	plain := recordPlain()
	le.PutUint32(plain[0x18:], 0x1F0)
	r, err := DecodeRecord(plain, 42)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := le.Uint32(b[0x18:]); got != 0x128 {
		t.Errorf("bytes in use = 0x%x, want 0x128", got)
	}
	le.PutUint32(b[0x18:], 0x1F0)
	if d := bytesDiff(plain, b); d != "" {
		t.Errorf("other bytes (-want +got):\n%s", d)
	}
}

func TestDecodeRecordErrors(t *testing.T) {
	tests := []struct {
		name   string
		mess   func(b []byte) []byte
		offset int
	}{
		{"short", func(b []byte) []byte { return b[:0x20] }, 0},
		{"BAAD signature", func(b []byte) []byte { copy(b, "BAAD"); return b }, 0},
		{"bytes allocated differs", func(b []byte) []byte { le.PutUint32(b[0x1C:], 0x800); return b }, 0x1C},
		{"size not a sector multiple", func(b []byte) []byte { le.PutUint32(b[0x1C:], 0x3F8); return b[:0x3F8] }, 0x1C},
		{"bytes in use > allocated", func(b []byte) []byte { le.PutUint32(b[0x18:], 0x408); return b }, 0x18},
		{"bytes in use tiny", func(b []byte) []byte { le.PutUint32(b[0x18:], 0x20); return b }, 0x18},
		{"first attribute unaligned", func(b []byte) []byte { le.PutUint16(b[0x14:], 0x3C); return b }, 0x14},
		{"first attribute inside the USA", func(b []byte) []byte { le.PutUint16(b[0x14:], 0x30); return b }, 0x14},
		{"first attribute past bytes in use", func(b []byte) []byte { le.PutUint16(b[0x14:], 0x128); return b }, 0x14},
		{"end marker past bytes in use", func(b []byte) []byte { le.PutUint32(b[0x18:], 0x120); return b }, 0x120},
		{"end marker half in bytes in use", func(b []byte) []byte { le.PutUint32(b[0x18:], 0x124); return b }, 0x120},
		{"attribute error located in the record", func(b []byte) []byte { b[0x98+8] = 7; return b }, 0x98 + 8},
		{"attribute length unaligned", func(b []byte) []byte {
			le.PutUint32(b[0x100+4:], 0x1C)
			le.PutUint32(b[0x100+0x10:], 4) // value still fits
			return b
		}, 0x104},
		{"attribute overruns bytes in use", func(b []byte) []byte { le.PutUint32(b[0x100+4:], 0x68); return b }, 0x104},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeRecord(tt.mess(recordPlain()), 42)
			checkCorrupt(t, err, corruptAt{42, tt.offset})
		})
	}
	t.Run("ParseRecord signature", func(t *testing.T) {
		b := buildRecord(t)
		copy(b, "BAAD")
		_, err := ParseRecord(b, 9)
		checkCorrupt(t, err, corruptAt{9, 0})
	})
	t.Run("ParseRecord fixups", func(t *testing.T) {
		b := buildRecord(t)
		le.PutUint16(b[6:], 4)
		_, err := ParseRecord(b, 9)
		checkCorrupt(t, err, corruptAt{9, 6})
	})
}

func TestRecordFind(t *testing.T) {
	r, err := ParseRecord(buildRecord(t), 42)
	if err != nil {
		t.Fatal(err)
	}
	r.Attrs = append(r.Attrs, Attr{Type: AttrData, Name: NameUnits("ads"), ID: 9})
	tests := []struct {
		typ    AttrType
		name   []uint16
		wantID int // -1: not found
	}{
		{AttrData, nil, 1},
		{AttrData, NameUnits("ads"), 9},
		{AttrData, NameUnits("ADS"), -1},
		{AttrFileName, nil, 2},
		{AttrIndexRoot, nil, -1},
		{AttrStandardInformation, NameUnits("x"), -1},
	}
	for _, tt := range tests {
		a := r.Find(tt.typ, tt.name)
		got := -1
		if a != nil {
			got = int(a.ID)
		}
		if got != tt.wantID {
			t.Errorf("Find(%v, %q) id = %d, want %d", tt.typ, NameString(tt.name), got, tt.wantID)
		}
	}
	if a := r.Find(AttrData, nil); a != &r.Attrs[2] {
		t.Errorf("Find does not return a pointer into Attrs")
	}
}
