package mft

import (
	"testing"
	"unicode/utf16"
)

// TestNameStringMatchesUTF16Decode holds the hand-written conversion to
// unicode/utf16's, unpaired surrogates included.
func TestNameStringMatchesUTF16Decode(t *testing.T) {
	for _, u := range [][]uint16{
		nil, {'a'}, {'a', 0xE9, 0x65E5}, {0xD83D, 0xDE00}, {0xD83D}, {0xDE00, 'x'},
		{0xD83D, 'x'}, {'x', 0xD800}, {0xDBFF, 0xDFFF}, {0x7F, 0x80, 0x7FF, 0x800, 0xFFFF},
	} {
		if got, want := NameString(u), string(utf16.Decode(u)); got != want {
			t.Errorf("NameString(%x) = %q, want %q", u, got, want)
		}
		if got, want := string(AppendNameString([]byte("pre/"), u)), "pre/"+string(utf16.Decode(u)); got != want {
			t.Errorf("AppendNameString(%x) = %q, want %q", u, got, want)
		}
	}
}

func FuzzNameString(f *testing.F) {
	f.Add([]byte{0x3d, 0xd8, 0x00, 0xde, 'a', 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		u := DecodeName(b)
		if got, want := NameString(u), string(utf16.Decode(u)); got != want {
			t.Fatalf("NameString(%x) = %q, want %q", u, got, want)
		}
		if got, want := string(AppendNameString(nil, u)), NameString(u); got != want {
			t.Fatalf("AppendNameString(%x) = %q, want %q", u, got, want)
		}
	})
}
