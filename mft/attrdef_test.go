package mft

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// name80 is a name padded to the 0x80 bytes of an $AttrDef entry.
func name80(s string) []byte {
	b := AppendName(nil, NameUnits(s))
	return append(b, make([]byte, 0x80-len(b))...)
}

var attrDefVectors = []struct {
	name string
	enc  []byte
	want AttrDef
}{
	{"$STANDARD_INFORMATION (mkntfs's first entry)",
		cat(name80("$STANDARD_INFORMATION"), u32(0x10), u32(0), u32(0), u32(0x40), u64(0x30), u64(0x48)),
		AttrDef{Name: NameUnits("$STANDARD_INFORMATION"), Type: AttrStandardInformation, Flags: AttrDefResident, MinSize: 0x30, MaxSize: 0x48}},
	{"unlimited, collation and display rule set",
		cat(name80("$X"), u32(0x1000), u32(7), u32(0x13), u32(0x82), u64(0), u64(0xFFFFFFFFFFFFFFFF)),
		AttrDef{Name: NameUnits("$X"), Type: 0x1000, DisplayRule: 7, Collation: 0x13, Flags: AttrDefIndexable | AttrDefAlwaysLog, MaxSize: -1}},
	{"64-unit name (no NUL)",
		cat(AppendName(nil, NameUnits(string(bytes.Repeat([]byte{'n'}, 64)))), u32(0xF0), u32(0), u32(0), u32(0), u64(1), u64(2)),
		AttrDef{Name: NameUnits(string(bytes.Repeat([]byte{'n'}, 64))), Type: 0xF0, MinSize: 1, MaxSize: 2}},
}

func TestDecodeAttrDef(t *testing.T) {
	for _, v := range attrDefVectors {
		got, err := DecodeAttrDef(v.enc)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if diff := cmp.Diff(v.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", v.name, diff)
		}
	}
}

func TestAppendAttrDef(t *testing.T) {
	for _, v := range attrDefVectors {
		got, err := v.want.AppendBinary([]byte{0xAA})
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if !bytes.Equal(got, append([]byte{0xAA}, v.enc...)) {
			t.Errorf("%s: encoded\n%x\nwant\n%x", v.name, got[1:], v.enc)
		}
	}
}

func TestAttrDefErrors(t *testing.T) {
	good := attrDefVectors[0].enc
	bad := bytes.Clone(good)
	bad[0x7F] = 1 // garbage after the name's NUL
	for name, b := range map[string][]byte{"short": good[:0x9F], "padding": bad} {
		if _, err := DecodeAttrDef(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	for name, d := range map[string]AttrDef{
		"long name": {Name: make([]uint16, 65)},
		"NUL":       {Name: []uint16{'a', 0, 'b'}},
	} {
		if _, err := d.AppendBinary(nil); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	if _, err := AppendAttrDefs(nil, StandardAttrDefs(), AttrDefLen); !errors.Is(err, ErrCorrupt) {
		t.Errorf("table larger than its size: %v, want ErrCorrupt", err)
	}
	if _, err := DecodeAttrDefs(good[:AttrDefLen-1]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("partial entry: %v, want ErrCorrupt", err)
	}
}

// mkntfsAttrDefSHA256 is the SHA-256 of the $AttrDef data mkntfs
// 2022.10.3 writes (2560 bytes, the same for every geometry).
const mkntfsAttrDefSHA256 = "d7de5b1b2f79f45f235ceb1adbc46908ed64eae174eb90ed66aefe5f25165da3"

func TestStandardAttrDefs(t *testing.T) {
	b, err := AppendAttrDefs(nil, StandardAttrDefs(), AttrDefTableSize)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != mkntfsAttrDefSHA256 || len(b) != AttrDefTableSize {
		t.Errorf("standard table: %d bytes, sha256 %s, want mkntfs's %s", len(b), got, mkntfsAttrDefSHA256)
	}
	back, err := DecodeAttrDefs(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(StandardAttrDefs(), back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if s := (AttrDefResident | AttrDefIndexable).String(); s != "indexable|resident" {
		t.Errorf("flags: %q", s)
	}
}

func FuzzDecodeAttrDefs(f *testing.F) {
	for _, v := range attrDefVectors {
		f.Add(v.enc)
	}
	if b, err := AppendAttrDefs(nil, StandardAttrDefs(), AttrDefTableSize); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		defs, err := DecodeAttrDefs(b)
		if err != nil {
			return
		}
		enc, err := AppendAttrDefs(nil, defs, 0)
		if err != nil {
			t.Fatalf("decoded table does not encode: %v", err)
		}
		again, err := DecodeAttrDefs(enc)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(defs, again, equateEmpty); diff != "" {
			t.Errorf("re-decoded (-want +got):\n%s", diff)
		}
		if n := len(defs) * AttrDefLen; n <= len(b) && !bytes.Equal(enc, b[:n]) {
			t.Errorf("entries re-encode to other bytes")
		}
	})
}
