package index

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ntfsedit/ntfsedit/mft"
)

// slackFileName is a plausible $FILE_NAME as Windows writes it (2019
// times).
func slackFileName(name string, ns mft.Namespace) mft.FileName {
	const t2019 mft.Filetime = 131947776000000000
	return mft.FileName{Parent: mft.MakeFileRef(39, 1), Created: t2019, Modified: t2019, MFTModified: t2019, Accessed: t2019,
		AllocatedSize: 4096, DataSize: 12, Attributes: mft.FileArchive, Namespace: ns, Name: units(name)}
}

// slackEntry encodes an index entry for fn (packed, as Windows does).
func slackEntry(t *testing.T, ref mft.FileRef, fn mft.FileName, flags EntryFlags) []byte {
	t.Helper()
	key, err := fn.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	e := Entry{Ref: ref, Flags: flags, Key: key, Child: 7}
	b, err := appendEntry(nil, &e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCarveEntries(t *testing.T) {
	a := slackFileName("New Text Document.txt", mft.NamespacePOSIX)
	b := slackFileName("b.txt", mft.NamespaceWin32)
	dos := slackFileName("NEWTEX~1.TXT", mft.NamespaceDOS)
	entA := slackEntry(t, mft.MakeFileRef(43, 1), a, 0)
	entB := slackEntry(t, mft.MakeFileRef(44, 2), b, EntryHasChild)
	// The header of entA overwritten by an end entry (what moving
	// entries down leaves): only the key survives.
	headless := bytes.Clone(entA)
	copy(headless, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 2, 0, 0, 0})
	bad := func(f func(fn *mft.FileName)) []byte {
		fn := slackFileName("x.txt", mft.NamespaceWin32)
		f(&fn)
		return slackEntry(t, mft.MakeFileRef(50, 1), fn, 0)
	}
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	tests := []struct {
		name string
		in   []byte
		base int
		want []Carved
	}{
		{"empty", nil, 0, nil},
		{"zeros", make([]byte, 512), 0, nil},
		{"one entry", entA, 0x100, []Carved{{Offset: 0x100, HasRef: true, Ref: mft.MakeFileRef(43, 1), FileName: a}}},
		{"after zeros, with a child VCN", cat(make([]byte, 24), entB), 0, []Carved{{Offset: 24, HasRef: true, Ref: mft.MakeFileRef(44, 2), Flags: EntryHasChild, FileName: b}}},
		{"two in a row", cat(entA, entB), 0, []Carved{
			{Offset: 0, HasRef: true, Ref: mft.MakeFileRef(43, 1), FileName: a},
			{Offset: len(entA), HasRef: true, Ref: mft.MakeFileRef(44, 2), Flags: EntryHasChild, FileName: b}}},
		{"header overwritten: key only", headless, 0, []Carved{{Offset: 16, FileName: a}}},
		{"DOS name", slackEntry(t, mft.MakeFileRef(43, 1), dos, 0), 0, []Carved{{Offset: 0, HasRef: true, Ref: mft.MakeFileRef(43, 1), FileName: dos}}},
		{"unaligned base skips to alignment", cat(make([]byte, 4), entA), 4, []Carved{{Offset: 8, HasRef: true, Ref: mft.MakeFileRef(43, 1), FileName: a}}},
		{"truncated key", entA[:0x10+0x42+10], 0, nil},
		{"zero times", bad(func(fn *mft.FileName) { fn.Created = 0 }), 0, nil},
		{"time after 2200", bad(func(fn *mft.FileName) { fn.Accessed = maxCarveTime }), 0, nil},
		{"parent below the root", bad(func(fn *mft.FileName) { fn.Parent = mft.MakeFileRef(2, 2) }), 0, nil},
		{"NUL in the name", bad(func(fn *mft.FileName) { fn.Name = units("a\x00b") }), 0, nil},
		{"slash in the name", bad(func(fn *mft.FileName) { fn.Name = units("a/b") }), 0, nil},
		{"unknown attribute bits", bad(func(fn *mft.FileName) { fn.Attributes = 0x40000000 }), 0, nil},
		{"negative size", bad(func(fn *mft.FileName) { fn.DataSize = -1 }), 0, nil},
		{"long DOS name", bad(func(fn *mft.FileName) { fn.Namespace, fn.Name = mft.NamespaceDOS, units("LONGER-THAN-12") }), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CarveEntries(tt.in, tt.base)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestNodeSlack checks which bytes Root.Slack and Block.Slack give: those
// past the node's last entry, up to its allocated size.
func TestNodeSlack(t *testing.T) {
	old := slackEntry(t, mft.MakeFileRef(43, 1), slackFileName("gone.txt", mft.NamespaceWin32), 0)
	keptKey, err := slackFileName("kept.txt", mft.NamespaceWin32).AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	live := Entry{Ref: mft.MakeFileRef(44, 1), Key: keptKey}
	r := &Root{AttrType: mft.AttrFileName, Collation: CollationFileName, BlockSize: 4096, ClustersPerBlock: 1,
		Node: Node{Entries: []Entry{live, {Flags: EntryLast}}}}
	packed, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Give the root 0x100 bytes of slack holding an old entry.
	val := append(bytes.Clone(packed), make([]byte, 0x100)...)
	le.PutUint32(val[rootHeaderLen+8:], le.Uint32(val[rootHeaderLen+8:])+0x100)
	copy(val[len(packed):], old)
	dr, err := DecodeRoot(val)
	if err != nil {
		t.Fatal(err)
	}
	s, off := dr.Slack()
	if off != len(packed) || len(s) != 0x100 {
		t.Fatalf("Root.Slack = %d bytes at 0x%x; want 0x100 at 0x%x", len(s), off, len(packed))
	}
	got := CarveEntries(s, off)
	if len(got) != 1 || got[0].FileName.NameString() != "gone.txt" || got[0].Offset != len(packed) {
		t.Errorf("carved %+v; want gone.txt at 0x%x", got, len(packed))
	}

	blk := &Block{VCN: 0, Node: Node{Entries: []Entry{live, {Flags: EntryLast}}}}
	raw, err := blk.AppendBinary(nil, 4096)
	if err != nil {
		t.Fatal(err)
	}
	used := blockHeaderLen + int(blk.IndexLength)
	copy(raw[used+8:], old) // 8 bytes after the end
	b2, err := DecodeBlock(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, off = b2.Slack()
	if off != used || len(s) != 4096-used {
		t.Fatalf("Block.Slack = %d bytes at 0x%x; want %d at 0x%x", len(s), off, 4096-used, used)
	}
	if got := CarveEntries(s, off); len(got) != 1 || got[0].Offset != used+8 || got[0].Ref != mft.MakeFileRef(43, 1) {
		t.Errorf("carved %+v; want record 43 at 0x%x", got, used+8)
	}

	// A block no longer in use: its own header says it holds live.txt,
	// its bytes are carved whole, with fixups applied.
	p := protected(t, bytes.Clone(raw))
	cs, fixed := CarveUnusedBlock(p)
	var names []string
	for _, c := range cs {
		names = append(names, c.FileName.NameString())
	}
	if !fixed || !cmp.Equal(names, []string{"kept.txt", "gone.txt"}) {
		t.Errorf("CarveUnusedBlock = %q (fixed %v); want [kept.txt gone.txt] with fixups", names, fixed)
	}
}

// FuzzCarveEntries: carving never panics, and every carved entry lies in
// the input, 8-aligned, and its name re-encodes to the key bytes found
// there.
func FuzzCarveEntries(f *testing.F) {
	blocks, roots := realSeeds()
	for _, b := range append(blocks, roots...) {
		f.Add(b)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		CarveUnusedBlock(b)
		for _, c := range CarveEntries(b, 0) {
			key := c.Offset
			if c.HasRef {
				key += entryHeaderLen
			}
			if c.Offset%8 != 0 || c.Offset < 0 || key+c.FileName.Len() > len(b) {
				t.Fatalf("carved entry at %d (key at %d, %d bytes) outside %d input bytes or unaligned", c.Offset, key, c.FileName.Len(), len(b))
			}
			enc, err := c.FileName.AppendBinary(nil)
			if err != nil {
				t.Fatalf("carved name does not re-encode: %v", err)
			}
			if !bytes.Equal(enc, b[key:key+len(enc)]) {
				t.Fatalf("carved name at %d re-encodes differently:\n%s", key, bytesDiff(b[key:key+len(enc)], enc))
			}
		}
	})
}
