package index

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf16"
)

// defaultUpCaseSHA256 is the SHA-256 of the $UpCase (record 10) that
// mkntfs 2022.10.3 writes (`truncate -s 16M x.img; mkntfs -F -f -q x.img;
// icat x.img 10 | sha256sum`); the $UpCase of go-ntfs v0.2.1's Windows-made
// parser/test_data/test.ntfs.dd is byte-identical.
const defaultUpCaseSHA256 = "41c26bc7a12bdaeb26025c93118697c7e3ef81ee048b00fe5cce2a472e0e0742"

func u16(s string) []uint16 { return utf16.Encode([]rune(s)) }

func TestDefaultUpCaseDigest(t *testing.T) {
	b, err := DefaultUpCase().AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != defaultUpCaseSHA256 {
		t.Errorf("sha256 = %s, want %s", got, defaultUpCaseSHA256)
	}
}

// TestDefaultUpCaseMkntfs compares DefaultUpCase with the table a fresh
// mkntfs volume carries, read back with The Sleuth Kit's icat.
func TestDefaultUpCaseMkntfs(t *testing.T) {
	for _, tool := range []string{"mkntfs", "icat"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found; CI needs ntfs-3g and sleuthkit", tool)
			}
			t.Skipf("%s not found; install ntfs-3g and sleuthkit to compare with a real $UpCase", tool)
		}
	}
	img := filepath.Join(t.TempDir(), "x.img")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(16 << 20); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mkntfs", "-F", "-f", "-q", img).CombinedOutput(); err != nil {
		t.Fatalf("mkntfs: %v\n%s", err, out)
	}
	raw, err := exec.Command("icat", img, "10").Output()
	if err != nil {
		t.Fatalf("icat: %v", err)
	}
	real, err := DecodeUpCase(raw)
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultUpCase()
	diff := 0
	for c := range real {
		if real[c] != def[c] {
			if diff < 10 {
				t.Errorf("U+%04X: mkntfs maps to U+%04X, DefaultUpCase to U+%04X", c, real[c], def[c])
			}
			diff++
		}
	}
	if diff > 0 {
		t.Errorf("%d of %d entries differ", diff, len(real))
	}
}

func TestDefaultUpCaseEntries(t *testing.T) {
	u := DefaultUpCase()
	tests := []struct {
		in, want uint16
		what     string
	}{
		{'a', 'A', "ASCII"},
		{'A', 'A', "already upper"},
		{'_', '_', "punctuation"},
		{0x00e9, 0x00c9, "é"},
		{0x00ff, 0x0178, "ÿ"},
		{0x00df, 0x00df, "ß has no single upper-case unit"},
		{0x00b5, 0x00b5, "micro sign is not folded to Greek"},
		{0x0131, 0x0131, "dotless i"},
		{0x017f, 0x017f, "long s"},
		{0x01c5, 0x01c5, "titlecase Dž"},
		{0x01c6, 0x01c4, "dž"},
		{0x03c3, 0x03a3, "σ"},
		{0x03c2, 0x03c2, "final sigma"},
		{0x044f, 0x042f, "я"},
		{0x045d, 0x040d, "ѝ (not in the XP table)"},
		{0x1d79, 0xa77d, "insular g"},
		{0x2c5f, 0x2c5f, "Unicode 14 Glagolitic"},
		{0x10d0, 0x10d0, "Georgian Mkhedruli (no Mtavruli)"},
		{0xff41, 0xff21, "fullwidth a"},
		{0xd801, 0xd801, "high surrogate"},
		{0xdc28, 0xdc28, "low surrogate"},
		{0xffff, 0xffff, "last entry"},
	}
	for _, tt := range tests {
		if got := u.Upper(tt.in); got != tt.want {
			t.Errorf("Upper(U+%04X) (%s) = U+%04X, want U+%04X", tt.in, tt.what, got, tt.want)
		}
	}
	// The table is idempotent: upper-case letters map to themselves.
	for c, v := range u {
		if u[v] != v {
			t.Errorf("U+%04X → U+%04X → U+%04X", c, v, u[v])
		}
	}
	// Callers get their own copy.
	u['a'] = 'x'
	if DefaultUpCase()['a'] != 'A' {
		t.Error("DefaultUpCase shares its slice")
	}
}

func TestUpCaseRoundTrip(t *testing.T) {
	want := DefaultUpCase()
	b, err := want.AppendBinary([]byte("pre"))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 3+UpCaseSize || string(b[:3]) != "pre" {
		t.Fatalf("AppendBinary gave %d bytes starting %q", len(b), b[:3])
	}
	if b[3+2*'a'] != 'A' || b[3+2*'a'+1] != 0 {
		t.Errorf("entry 'a' is % x, want little-endian 'A'", b[3+2*'a':3+2*'a'+2])
	}
	got, err := DecodeUpCase(b[3:])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Error("DecodeUpCase(AppendBinary(DefaultUpCase())) differs")
	}
}

func TestUpCaseErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		offset int
	}{
		{"decode empty", errOnly(DecodeUpCase(nil)), 0},
		{"decode short", errOnly(DecodeUpCase(make([]byte, UpCaseSize-1))), UpCaseSize - 1},
		{"decode long", errOnly(DecodeUpCase(make([]byte, UpCaseSize+2))), UpCaseSize},
		{"append short", errOnly(make(UpCase, 128).AppendBinary(nil)), 256},
		{"append long", errOnly(make(UpCase, UpCaseLen+1).AppendBinary(nil)), UpCaseSize},
		{"append nil", errOnly(UpCase(nil).AppendBinary(nil)), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, ErrUpCase) {
				t.Fatalf("err = %v, want ErrUpCase", tt.err)
			}
			var e *UpCaseError
			if !errors.As(tt.err, &e) {
				t.Fatalf("err = %T, want *UpCaseError", tt.err)
			}
			if e.Offset != tt.offset {
				t.Errorf("offset = %#x, want %#x (%v)", e.Offset, tt.offset, tt.err)
			}
		})
	}
	err := error(&UpCaseError{Offset: 0x10, Msg: "data is 0x10 bytes, want 0x20000"})
	if want := "index: bad $UpCase table at offset 0x10: data is 0x10 bytes, want 0x20000"; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

func errOnly[T any](_ T, err error) error { return err }

func TestUpperShortTable(t *testing.T) {
	var none UpCase
	if none.Upper('a') != 'a' || !none.EqualFold(u16("a"), u16("a")) || none.EqualFold(u16("a"), u16("A")) {
		t.Error("nil UpCase is not the identity")
	}
	short := UpCase{0, 1, 2}
	if short.Upper(2) != 2 || short.Upper('a') != 'a' {
		t.Error("short table does not map missing entries to themselves")
	}
}

func TestCompareNames(t *testing.T) {
	u := DefaultUpCase()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "a", -1},
		{"a", "a", 0},
		{"A.txt", "a.txt", -1}, // equal ignoring case: raw code units decide
		{"a.txt", "A.txt", 1},
		{"a.txt", "B.txt", -1}, // case-insensitive first: 'A' < 'B'
		{"B.txt", "a.txt", 1},
		{"ab", "ABC", -1}, // shorter prefix first, ignoring case
		{"ABC", "ab", 1},
		{"abc", "ABC", 1},
		{"_", "a", 1}, // 'a' is compared as 'A' (0x41) < '_' (0x5F) < 'a' (0x61)
		{"Z", "_", -1},
		{"z", "_", -1},                       // 'z' is upper-cased to 'Z' (0x5A) < '_'
		{"é", "É", 1},                        // U+00E9 vs U+00C9
		{"é", "f", 1},                        // É (U+00C9) > F
		{"ß", "SS", 1},                       // no expansion: U+00DF > 'S'
		{"ß", "ẞ", -1},                       // U+1E9E capital sharp s is a different unit
		{"ÿ", "Ÿ", -1},                       // U+00FF → U+0178, then U+00FF < U+0178
		{"σ", "ς", -1},                       // Σ (U+03A3) < ς (U+03C2, not folded)
		{"Σ", "σ", -1},                       // equal ignoring case
		{"\U0001F600", "a", 1},               // surrogates (U+D83D…) sort after BMP letters
		{"\U00010428", "\U00010400", 1},      // Deseret: no case folding outside the BMP
		{"\U0001F600", "\uFF21", -1},         // U+D83D < U+FF21: code units, not code points
		{"file10.txt", "file9.txt", -1},      // no numeric collation
		{"Program Files", "ProgramData", -1}, // ' ' < 'D'
		{"$MFT", "$MFTMirr", -1},
		{"$Volume", "$UpCase", 1},
	}
	for _, tt := range tests {
		a, b := u16(tt.a), u16(tt.b)
		if got := u.CompareNames(a, b); got != tt.want {
			t.Errorf("CompareNames(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := u.CompareNames(b, a); got != -tt.want {
			t.Errorf("CompareNames(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
		fold := u.EqualFold(a, b)
		wantFold := tt.want == 0 || slices.Equal(upper(u, a), upper(u, b))
		if fold != wantFold {
			t.Errorf("EqualFold(%q, %q) = %v, want %v", tt.a, tt.b, fold, wantFold)
		}
	}
}

func TestEqualFold(t *testing.T) {
	u := DefaultUpCase()
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"readme.TXT", "README.txt", true},
		{"straße", "STRASSE", false},
		{"ÉTÉ", "été", true},
		{"ΣΊΣΥΦΟΣ", "σίσυφοσ", true},
		{"ΣΊΣΥΦΟΣ", "σίσυφος", false}, // final sigma is not folded
		{"a", "ab", false},
		{"\U00010428", "\U00010400", false},
	} {
		if got := u.EqualFold(u16(tt.a), u16(tt.b)); got != tt.want {
			t.Errorf("EqualFold(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCompareNamesSort(t *testing.T) {
	u := DefaultUpCase()
	want := []string{"$MFT", "A.txt", "a.txt", "a.txt.bak", "B", "b", "Zeta", "_x", "Été", "été", "Ω"}
	names := make([][]uint16, len(want))
	for i, s := range want {
		names[len(want)-1-i] = u16(s)
	}
	slices.SortFunc(names, u.CompareNames)
	for i, n := range names {
		if got := string(utf16.Decode(n)); got != want[i] {
			t.Errorf("position %d: %q, want %q", i, got, want[i])
		}
	}
}

func upper(u UpCase, s []uint16) []uint16 {
	out := make([]uint16, len(s))
	for i, c := range s {
		out[i] = u.Upper(c)
	}
	return out
}

func FuzzDecodeUpCase(f *testing.F) {
	b, err := DefaultUpCase().AppendBinary(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{})
	f.Add(b[:UpCaseSize-1])
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := DecodeUpCase(b)
		if err != nil {
			if len(b) == UpCaseSize || !errors.Is(err, ErrUpCase) || u != nil {
				t.Fatalf("len %d: %v", len(b), err)
			}
			return
		}
		again, err := u.AppendBinary(nil)
		if err != nil || string(again) != string(b) {
			t.Fatalf("re-encoding differs (err %v)", err)
		}
	})
}

func FuzzCompareNames(f *testing.F) {
	f.Add("A.txt", "a.txt", "B.txt")
	f.Add("ab", "ABC", "abc")
	f.Add("été", "ÉTÉ", "ete")
	f.Add("σ", "ς", "Σ")
	f.Add("\U0001F600", "\uFF21", "")
	u := DefaultUpCase()
	f.Fuzz(func(t *testing.T, x, y, z string) {
		a, b, c := u16(x), u16(y), u16(z)
		ab, ba := u.CompareNames(a, b), u.CompareNames(b, a)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("CompareNames(%q, %q) = %d but reversed %d", x, y, ab, ba)
		}
		if (ab == 0) != slices.Equal(a, b) {
			t.Fatalf("CompareNames(%q, %q) = %d", x, y, ab)
		}
		fold := u.EqualFold(a, b)
		if fold != u.EqualFold(b, a) {
			t.Fatalf("EqualFold(%q, %q) is not symmetric", x, y)
		}
		ua, ub := upper(u, a), upper(u, b)
		if fold != slices.Equal(ua, ub) {
			t.Fatalf("EqualFold(%q, %q) = %v, upper-cased %v, %v", x, y, fold, ua, ub)
		}
		// Names that differ ignoring case are ordered by their upper-case
		// forms alone; names equal ignoring case by their code units.
		if want := slices.Compare(ua, ub); !fold && ab != want {
			t.Fatalf("CompareNames(%q, %q) = %d, upper-case order %d", x, y, ab, want)
		}
		if want := slices.Compare(a, b); fold && ab != want {
			t.Fatalf("CompareNames(%q, %q) = %d, equal ignoring case, code unit order %d", x, y, ab, want)
		}
		bc, ac := u.CompareNames(b, c), u.CompareNames(a, c)
		if ab <= 0 && bc <= 0 && ac > 0 {
			t.Fatalf("not transitive: %q ≤ %q ≤ %q but CompareNames(a, c) = %d", x, y, z, ac)
		}
	})
}
