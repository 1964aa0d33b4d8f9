package volume

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/mft"
)

// testRecord is an encoded, protected in-use record 42 of 1 KiB with a
// $STANDARD_INFORMATION and a $FILE_NAME, and its bytes with fixups
// applied.
func testRecord(t testing.TB) (protected, plain []byte) {
	t.Helper()
	si, err := mft.StandardInfo{Attributes: mft.FileArchive}.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	fn, err := mft.FileName{Parent: mft.MakeFileRef(5, 5), Namespace: mft.NamespacePOSIX, Name: mft.NameUnits("a.txt")}.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &mft.Record{Magic: [4]byte{'F', 'I', 'L', 'E'}, USAOffset: fileHeaderLen, USACount: 3, Seq: 1,
		AttrOffset: 0x38, Flags: mft.RecordInUse, BytesAllocated: 1024, Number: 42, HasNumber: true}
	insertAttr(rec, mft.Attr{Type: mft.AttrStandardInformation, Value: si})
	insertAttr(rec, mft.Attr{Type: mft.AttrFileName, Value: fn, ResidentFlags: mft.ResidentIndexed})
	for i := range rec.Attrs {
		if err := rec.Attrs[i].Layout(); err != nil {
			t.Fatal(err)
		}
	}
	b, err := rec.AppendBinary(make([]byte, 0, 1024))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mft.NextUSN(b); err != nil {
		t.Fatal(err)
	}
	plain = bytes.Clone(b)
	if err := mft.ProtectFixups(b); err != nil {
		t.Fatal(err)
	}
	return b, plain
}

func TestForceFixups(t *testing.T) {
	protected, plain := testRecord(t)
	tests := []struct {
		name    string
		mess    func(b []byte)
		want    []byte // nil: an error
		wantErr bool
		sane    bool
	}{
		{"intact", func(b []byte) {}, plain, false, true},
		{"torn sector 1", func(b []byte) { b[0x1fe] ^= 0xff }, plain, false, true},
		{"torn sector 2", func(b []byte) { b[0x3ff] ^= 0x01 }, plain, false, true},
		{"torn, attribute length garbage", func(b []byte) {
			b[0x1fe] ^= 0xff
			b[0x38+4], b[0x38+5] = 0xff, 0xff
		}, nil, false, false},
		{"array out of bounds", func(b []byte) { b[4], b[5] = 0xff, 0x03 }, nil, true, false},
		{"array count zero", func(b []byte) { b[6], b[7] = 0, 0 }, nil, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(protected)
			tt.mess(b)
			err := forceFixups(b)
			if (err != nil) != tt.wantErr {
				t.Fatalf("forceFixups: %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.want != nil {
				if d := cmp.Diff(tt.want, b); d != "" {
					t.Errorf("bytes (-want +got):\n%s", d)
				}
			}
			if got := saneRecord(b, 42); got != tt.sane {
				t.Errorf("saneRecord = %v, want %v", got, tt.sane)
			}
		})
	}
	if saneRecord(plain, 43) {
		t.Error("saneRecord accepts record 42 as record 43")
	}
}

// FuzzForceFixups: neither forceFixups nor saneRecord panics, and a record
// they accept re-protects to bytes whose fixups apply.
func FuzzForceFixups(f *testing.F) {
	protected, _ := testRecord(f)
	f.Add(protected)
	torn := bytes.Clone(protected)
	torn[0x1fe] ^= 0xff
	f.Add(torn)
	f.Fuzz(func(t *testing.T, b []byte) {
		if forceFixups(b) != nil {
			return
		}
		if !saneRecord(b, 42) {
			return
		}
		if _, err := mft.NextUSN(b); err != nil {
			t.Fatalf("NextUSN after forceFixups: %v", err)
		}
		if err := mft.ProtectFixups(b); err != nil {
			t.Fatalf("ProtectFixups: %v", err)
		}
		if err := mft.ApplyFixups(bytes.Clone(b)); err != nil {
			t.Fatalf("re-protected record does not apply: %v", err)
		}
	})
}

func TestMayHaveParent(t *testing.T) {
	protected, _ := testRecord(t) // one $FILE_NAME, parent 5
	ref := func(n mft.RecordNumber) map[mft.RecordNumber]mft.FileRef {
		return map[mft.RecordNumber]mft.FileRef{n: mft.MakeFileRef(n, 1)}
	}
	tests := []struct {
		name string
		mess func(b []byte)
		dirs map[mft.RecordNumber]mft.FileRef
		want bool
	}{
		{"parent listed", func([]byte) {}, ref(5), true},
		{"parent not listed", func([]byte) {}, ref(6), false},
		{"attribute length zero", func(b []byte) { b[0x38+4], b[0x38+5] = 0, 0 }, ref(6), true},
		{"first attribute offset out of range", func(b []byte) { b[0x14], b[0x15] = 0xff, 0xff }, ref(6), true},
		{"attribute list", func(b []byte) { b[0x38] = byte(mft.AttrAttributeList) }, ref(6), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bytes.Clone(protected)
			tt.mess(b)
			if got := mayHaveParent(b, tt.dirs); got != tt.want {
				t.Errorf("mayHaveParent = %v, want %v", got, tt.want)
			}
		})
	}
}

// FuzzMayHaveParent: the raw pre-filter never panics, and never says no
// for a record that decodes with a $FILE_NAME under a listed parent.
func FuzzMayHaveParent(f *testing.F) {
	protected, _ := testRecord(f)
	f.Add(protected)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 0x30 {
			return
		}
		dirs := map[mft.RecordNumber]mft.FileRef{5: mft.MakeFileRef(5, 5)}
		got := mayHaveParent(b, dirs)
		plain := bytes.Clone(b)
		if mft.ApplyFixups(plain) != nil {
			return
		}
		rec, err := mft.DecodeRecord(plain, 42)
		if err != nil {
			return
		}
		for i := range rec.Attrs {
			a := &rec.Attrs[i]
			if a.Type != mft.AttrFileName || a.NonResident {
				continue
			}
			if fn, err := mft.DecodeFileName(a.Value); err == nil && fn.Parent.Record() == 5 && !got {
				t.Fatalf("mayHaveParent says no for a $FILE_NAME under record 5")
			}
		}
	})
}
