package oracle

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The testdata files were captured from fixtures/mkinterop.sh's image (and, for
// a few fls lines, from dftt-7-undel-ntfs and ntfs_index.raw of ../shared/images)
// with TSK 4.11 and libfsntfs 20200921.

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseFls(t *testing.T) {
	es, err := ParseFls(readTestdata(t, "fls.txt"))
	if err != nil {
		t.Fatal(err)
	}
	type short struct {
		Types   string
		Deleted bool
		Record  uint64
		Attr    [2]int
		Path    string
		Stream  string
	}
	var got []short
	for _, e := range es {
		got = append(got, short{e.NameType + "/" + e.MetaType, e.Deleted, e.Record, [2]int{e.AttrType, e.AttrID}, e.Path, e.Stream})
	}
	long := "/" + string(make255n()) + ".txt"
	want := []short{
		{"d/d", false, 64, [2]int{144, 2}, "/dir1", ""},
		{"r/r", false, 68, [2]int{128, 2}, "/dir1/dir2/dir3/dir4/deep.txt", ""},
		{"r/r", false, 4, [2]int{128, 1}, "/$AttrDef", ""},
		{"r/r", false, 9, [2]int{144, 3}, "/$Secure", "$SDH"},
		{"d/r", false, 2113, [2]int{128, 4}, "/ads-dir", "dirstream"},
		{"d/r", false, 2113, [2]int{128, 4}, "/ads-dir", "dirstream"},
		{"r/r", false, 2112, [2]int{128, 2}, "/ads.txt", ""},
		{"r/r", false, 2112, [2]int{128, 4}, "/ads.txt", "secret"},
		{"d/d", false, 2091, [2]int{144, 2}, "/del2000", ""},
		{"r/r", false, 2092, [2]int{128, 2}, "/del2000/gone-0000.txt", ""},
		{"r/-", false, 2126, [2]int{}, "/del2000/gone-0034.txt", ""},
		{"r/r", false, 2144, [2]int{128, 2}, "/del2000/gone-0052.txt", ""},
		{"-/r", true, 2133, [2]int{128, 2}, "/del2000/gone-0041.txt", ""},
		{"r/r", false, 2131, [2]int{128, 2}, long, ""},
		{"r/r", false, 2125, [2]int{128, 2}, "/smile-😀.txt", ""},
		{"V/V", false, 4092, [2]int{}, "/$OrphanFiles", ""},
		{"-/r", true, 16, [2]int{}, "/$OrphanFiles/OrphanFile-16", ""},
		{"-/r", true, 32, [2]int{128, 3}, "/mult1.dat", ""},
		{"-/r", true, 32, [2]int{128, 6}, "/mult1.dat", "ADS"},
		{"-/d", true, 33, [2]int{144, 1}, "/dir1", ""},
		{"-/d", true, 34, [2]int{144, 1}, "/dir1/dir2", ""},
		{"-/r", true, 35, [2]int{128, 3}, "/dir1/dir2/frag3.dat", ""},
		{"-/r", true, 36, [2]int{128, 3}, "/dir1/mult2.dat", ""},
		{"V/V", false, 39, [2]int{}, "/$OrphanFiles", ""},
		{"-/r", true, 38, [2]int{128, 3}, "/$OrphanFiles/sing2.dat", ""},
		{"r/-", true, 0, [2]int{}, "/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA - Copy (11).txt", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseFls (-want +got):\n%s", diff)
	}
	if es[10].HasAttr || !es[0].HasAttr {
		t.Errorf("HasAttr: got %v for %q and %v for %q", es[10].HasAttr, es[10].Line, es[0].HasAttr, es[0].Line)
	}
}

func make255n() []byte {
	b := make([]byte, 251)
	for i := range b {
		b[i] = 'n'
	}
	return b
}

func TestParseFlsErrors(t *testing.T) {
	for _, in := range []string{
		"r/r 12-128-2 no tab\n",
		"garbage\n",
		"r/r x-128-2:\tname\n",
	} {
		if _, err := ParseFls(in); err == nil {
			t.Errorf("ParseFls(%q): no error", in)
		}
	}
}

func TestParseFsntfsinfo(t *testing.T) {
	es, err := ParseFsntfsinfo(readTestdata(t, "fsntfsinfo-interop.txt"))
	if err != nil {
		t.Fatal(err)
	}
	byRec := map[uint64]FsEntry{}
	for _, e := range es {
		byRec[e.Record] = e
	}
	if len(es) != 9 {
		t.Errorf("got %d entries, want 9", len(es))
	}
	ignoreNames := cmpopts.IgnoreFields(FsEntry{}, "Names")
	for _, tc := range []struct {
		name string
		want FsEntry
	}{
		{"junction", FsEntry{Record: 2097, Seq: 2, Allocated: true, Flags: 0x420, DataSize: -1,
			Reparse: &FsReparse{Tag: 0xa0000003, Substitute: `\??\C:\target`, Print: `C:\target`}}},
		{"junction with empty print name", FsEntry{Record: 2098, Seq: 2, Allocated: true, Flags: 0x420, DataSize: -1,
			Reparse: &FsReparse{Tag: 0xa0000003, Substitute: `\??\Volume{01234567-89ab-cdef-0123-456789abcdef}\target`}}},
		{"relative symlink", FsEntry{Record: 2099, Seq: 2, Allocated: true, Flags: 0x420, DataSize: 0,
			Reparse: &FsReparse{Tag: 0xa000000c, Substitute: `target\file.txt`, Print: `target\file.txt`}}},
		{"UNC symlink", FsEntry{Record: 2103, Seq: 2, Allocated: true, Flags: 0x420, DataSize: 0,
			Reparse: &FsReparse{Tag: 0xa000000c, Substitute: `\??\UNC\server\share\file.txt`, Print: `\\server\share\file.txt`}}},
		{"streams", FsEntry{Record: 2112, Seq: 2, Allocated: true, Flags: 0x20, DataSize: 12,
			Streams: []FsStream{{"big", 60000}, {"secret", 18}, {"Zone.Identifier", 22}}}},
		{"deleted", FsEntry{Record: 2144, Seq: 2, Allocated: false, Flags: 0x20, DataSize: 9}},
		{"extension record", FsEntry{Record: 81, Seq: 1, Allocated: true, Base: 80, DataSize: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, byRec[tc.want.Record], ignoreNames); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if got, want := byRec[2097].Names, []FsName{{5, 5, "POSIX", "junction"}}; !cmp.Equal(got, want) {
		t.Errorf("names of 2097: %v, want %v", got, want)
	}
	if got, want := byRec[2144].Names, []FsName{{2091, 1, "POSIX", "gone-0052.txt"}}; !cmp.Equal(got, want) {
		t.Errorf("names of 2144: %v, want %v", got, want)
	}
	// Record 80 has 45 names; its base entry lists them all (through the
	// $ATTRIBUTE_LIST), the extension record 81 the five it holds.
	if n := len(byRec[80].Names); n != 45 {
		t.Errorf("record 80: %d names, want 45", n)
	}
	if n := len(byRec[81].Names); n != 5 {
		t.Errorf("record 81: %d names, want 5", n)
	}
	if got := byRec[80].DataSize; got != 17 {
		t.Errorf("record 80: data size %d, want 17", got)
	}
	if got := byRec[5].Names; len(got) != 1 || got[0].Name != "." || got[0].Parent != 5 {
		t.Errorf("root names: %v", got)
	}
}

func TestParseIstat(t *testing.T) {
	for _, tc := range []struct {
		file string
		want IstatResult
	}{
		{"istat-sparse.txt", IstatResult{Record: 2115, Seq: 2, Allocated: true, Links: 1, Attrs: []IstatAttr{
			{TypeName: "$STANDARD_INFORMATION", Type: 16, ID: 0, Resident: true, Size: 48},
			{TypeName: "$FILE_NAME", Type: 48, ID: 3, Resident: true, Size: 86},
			{TypeName: "$SECURITY_DESCRIPTOR", Type: 80, ID: 1, Resident: true, Size: 80},
			{TypeName: "$DATA", Type: 128, ID: 2, Sparse: true, Size: 10485760, InitSize: 10485760},
		}}},
		{"istat-compressed.txt", IstatResult{Record: 2117, Seq: 2, Allocated: true, Links: 1, Attrs: []IstatAttr{
			{TypeName: "$STANDARD_INFORMATION", Type: 16, ID: 0, Resident: true, Size: 48},
			{TypeName: "$FILE_NAME", Type: 48, ID: 3, Resident: true, Size: 90},
			{TypeName: "$SECURITY_DESCRIPTOR", Type: 80, ID: 1, Resident: true, Size: 80},
			{TypeName: "$DATA", Type: 128, ID: 2, Compressed: true, Size: 1140000, InitSize: 1140000},
		}}},
		{"istat-deleted.txt", IstatResult{Record: 2144, Seq: 2, Allocated: false, Links: 0, Attrs: []IstatAttr{
			{TypeName: "$STANDARD_INFORMATION", Type: 16, ID: 0, Resident: true, Size: 48},
			{TypeName: "$FILE_NAME", Type: 48, ID: 3, Resident: true, Size: 92},
			{TypeName: "$SECURITY_DESCRIPTOR", Type: 80, ID: 1, Resident: true, Size: 80},
			{TypeName: "$DATA", Type: 128, ID: 2, Resident: true, Size: 9},
		}}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := ParseIstat(readTestdata(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(IstatResult{}, "Text")); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
