package index

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Entries of view indexes as mkntfs 2022.10.3 writes them on a new volume.
var viewVectors = []struct {
	name            string
	key, data, tail string
	enc             string
}{
	{"$Secure:$SII id 256",
		"00010000", "f01203f8 00010000 0000000000000000 7c000000", "",
		"1400 1400 00000000 2800 0400 0000 0000 00010000 f01203f8000100000000000000000000 7c000000 00000000"},
	{"$Secure:$SDH id 257 (\"II\" padding)",
		"5124b300 01010000", "5124b300 01010000 8000000000000000 7c000000", "49004900",
		"1800 1400 00000000 3000 0800 0000 0000 5124b30001010000 5124b300010100008000000000000000 7c000000 49004900"},
	{"$Quota:$O Administrators → 256",
		"0102000000000005 20000000 20020000", "00010000", "20000000",
		"2000 0400 00000000 2800 1000 0000 0000 01020000000000052000000020020000 00010000 20000000"},
}

func TestNewViewEntry(t *testing.T) {
	for _, v := range viewVectors {
		t.Run(v.name, func(t *testing.T) {
			key, data, tail := unhex(t, v.key), unhex(t, v.data), unhex(t, v.tail)
			e, err := NewViewEntry(key, data, tail)
			if err != nil {
				t.Fatal(err)
			}
			r := &Root{BlockSize: 4096, Collation: CollationULong, Node: Node{Entries: []Entry{e, {Flags: EntryLast}}}}
			enc, err := r.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			want := unhex(t, v.enc)
			if got := enc[0x20 : 0x20+len(want)]; !bytes.Equal(got, want) {
				t.Errorf("entry\n%x\nwant\n%x", got, want)
			}
			back, err := DecodeRoot(enc)
			if err != nil {
				t.Fatal(err)
			}
			got := back.Entries[0]
			d, err := got.Data()
			if err != nil || !bytes.Equal(d, data) || !bytes.Equal(got.Key, key) {
				t.Errorf("decoded key %x data %x (%v), want %x %x", got.Key, d, err, key, data)
			}
		})
	}
}

func TestNewViewEntryErrors(t *testing.T) {
	for name, args := range map[string][3][]byte{
		"no key":       {nil, []byte{1}, nil},
		"tail too big": {[]byte{1, 2, 3, 4}, []byte{1, 2, 3, 4}, []byte{1}},
		"huge data":    {[]byte{1}, make([]byte, 0x10000), nil},
	} {
		if _, err := NewViewEntry(args[0], args[1], args[2]); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}

func FuzzNewViewEntry(f *testing.F) {
	for _, v := range viewVectors {
		f.Add(unhex(f, v.key), unhex(f, v.data), unhex(f, v.tail))
	}
	f.Fuzz(func(t *testing.T, key, data, tail []byte) {
		e, err := NewViewEntry(key, data, tail)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			return
		}
		blk := &Block{Node: Node{Entries: []Entry{e, {Flags: EntryLast}}}}
		enc, err := blk.AppendBinary(nil, 64<<10)
		if err != nil {
			return // too large for a block
		}
		back, err := DecodeBlock(enc, 0)
		if err != nil {
			t.Fatalf("block with the entry does not decode: %v", err)
		}
		d, err := back.Entries[0].Data()
		if err != nil || !bytes.Equal(d, data) || !bytes.Equal(back.Entries[0].Key, key) {
			t.Fatalf("decoded key %x data %x (%v), want %x %x", back.Entries[0].Key, d, err, key, data)
		}
	})
}

// mkntfsUpCaseInfo is the $UpCase:$Info value mkntfs 2022.10.3 writes.
const mkntfsUpCaseInfo = "20000000 00000000 0c691b6b777edcda 00000000000000000000000000000000"

func TestUpCaseInfo(t *testing.T) {
	want := unhex(t, mkntfsUpCaseInfo)
	v, err := NewUpCaseInfo(DefaultUpCase())
	if err != nil {
		t.Fatal(err)
	}
	enc, err := v.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, want) {
		t.Errorf("$Info of the default table\n%x\nwant mkntfs's\n%x", enc, want)
	}
	back, err := DecodeUpCaseInfo(want)
	if err != nil || back != v {
		t.Errorf("decoded %+v (%v), want %+v", back, err, v)
	}
	for name, b := range map[string][]byte{"short": want[:31], "length field": append([]byte{0x21}, want[1:]...)} {
		if _, err := DecodeUpCaseInfo(b); !errors.Is(err, ErrUpCase) {
			t.Errorf("%s: %v, want ErrUpCase", name, err)
		}
	}
	if _, err := NewUpCaseInfo(UpCase{1, 2}); !errors.Is(err, ErrUpCase) {
		t.Errorf("short table: %v, want ErrUpCase", err)
	}
}

func FuzzDecodeUpCaseInfo(f *testing.F) {
	f.Add(unhex(f, mkntfsUpCaseInfo))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := DecodeUpCaseInfo(b)
		if err != nil {
			return
		}
		enc, err := v.AppendBinary(nil)
		if err != nil || !bytes.Equal(enc, b) {
			t.Fatalf("re-encoded %x (%v), want %x", enc, err, b)
		}
	})
}
