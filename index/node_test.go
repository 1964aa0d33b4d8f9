package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ntfsedit/ntfsedit/mft"
)

// Size asserts for the fixed layouts.
func TestLayoutSizes(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"entry header", entryHeaderLen, 0x10},
		{"node header", nodeHeaderLen, 0x10},
		{"INDX block header", blockHeaderLen, 0x18},
		{"$INDEX_ROOT header", rootHeaderLen, 0x10},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x bytes, want %#x", c.name, c.got, c.want)
		}
	}
}

// packed is the packed entry length, written out independently of the
// encoder: header + key rounded up to 8, plus the sub-node VCN.
func packed(keyLen int, child bool) uint16 {
	n := (0x10 + keyLen + 7) / 8 * 8
	if child {
		n += 8
	}
	return uint16(n)
}

// withLengths returns a copy of es with the packed Length and KeyLength
// an encoder must give entries built with zero Length, as decoded.
func withLengths(es []Entry) []Entry {
	out := make([]Entry, len(es))
	for i, e := range es {
		e.KeyLength = uint16(len(e.Key))
		e.Length = packed(len(e.Key), e.HasChild())
		// The decoder also reads the reference's bytes as the data
		// offset and length of a view-index entry.
		e.DataOffset, e.DataLength = uint16(e.Ref), uint16(e.Ref>>16)
		out[i] = e
	}
	return out
}

func sumLengths(es []Entry) uint32 {
	var n uint32
	for _, e := range es {
		n += uint32(e.Length)
	}
	return n
}

// cloneEntries deep-copies entries so that an encoder filling in fields
// cannot change the test's expectations.
func cloneEntries(es []Entry) []Entry {
	out := make([]Entry, len(es))
	for i, e := range es {
		e.Key = bytes.Clone(e.Key)
		out[i] = e
	}
	return out
}

func handEntries(t testing.TB, child bool, names ...string) []Entry {
	t.Helper()
	var es []Entry
	flags := EntryFlags(0)
	if child {
		flags = EntryHasChild
	}
	for i, n := range names {
		e := keyEntry(t, uint64(mft.MakeFileRef(mft.RecordNumber(64+i), 1)), n)
		e.Flags = flags
		if child {
			e.Child = mft.VCN(2 * i)
		}
		es = append(es, e)
	}
	last := Entry{Flags: flags | EntryLast}
	if child {
		last.Child = mft.VCN(2 * len(names))
	}
	return append(es, last)
}

// TestBlockPackedRoundTrip builds blocks whose entries have zero Length
// and checks decode(encode(x)) against the packed layout written out by
// hand.
func TestBlockPackedRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		child   bool
		names   []string
		wantUSA uint16 // USA count
		wantOff uint32 // EntriesOffset
	}{
		{"empty leaf 4K", 4096, false, nil, 9, 0x28},
		{"leaf 4K", 4096, false, []string{"a", "B", "c.txt", "ünïcödé"}, 9, 0x28},
		{"node 4K", 4096, true, []string{"m", "z"}, 9, 0x28},
		{"leaf 1K", 1024, false, []string{"one", "two"}, 3, 0x18},
		{"node 512", 512, true, []string{"x"}, 2, 0x18},
		{"node 64K", 65536, true, []string{"x"}, 129, 0x118},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es := handEntries(t, tc.child, tc.names...)
			var flags NodeFlags
			if tc.child {
				flags = NodeHasChildren
			}
			in := &Block{LSN: 0x1122334455, VCN: 6, Node: Node{Flags: flags, Entries: cloneEntries(es)}}
			b, err := in.AppendBinary([]byte("prefix"), tc.size)
			if err != nil {
				t.Fatal(err)
			}
			if string(b[:6]) != "prefix" || len(b) != 6+tc.size {
				t.Fatalf("AppendBinary did not append %d bytes to the prefix (len %d)", tc.size, len(b))
			}
			b = b[6:]
			if err := mft.ProtectFixups(b); err != nil {
				t.Fatal(err)
			}
			got, err := ParseBlock(b, 6)
			if err != nil {
				t.Fatal(err)
			}
			wantEntries := withLengths(es)
			want := &Block{
				USAOffset: 0x28, USACount: tc.wantUSA, LSN: 0x1122334455, VCN: 6,
				Node: Node{
					EntriesOffset: tc.wantOff,
					IndexLength:   tc.wantOff + sumLengths(wantEntries),
					AllocatedSize: uint32(tc.size - 0x18),
					Flags:         flags,
					Entries:       wantEntries,
				},
			}
			if diff := cmp.Diff(want, got, ignoreRaw); diff != "" {
				t.Errorf("ParseBlock(AppendBinary(x)) (-want +got):\n%s", diff)
			}
			// Encoding the decoded block again gives the same bytes.
			again, err := got.AppendBinary(nil, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			if err := mft.ProtectFixups(again); err != nil {
				t.Fatal(err)
			}
			if d := bytesDiff(b, again); d != "" {
				t.Errorf("re-encoding differs:\n%s", d)
			}
			for i := range got.Entries[:len(got.Entries)-1] {
				fn, err := got.Entries[i].FileName()
				if err != nil {
					t.Fatal(err)
				}
				if fn.NameString() != tc.names[i] {
					t.Errorf("entry %d name = %q, want %q", i, fn.NameString(), tc.names[i])
				}
			}
		})
	}
}

func TestRootPackedRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		child bool
		names []string
	}{
		{"empty", false, nil},
		{"small directory", false, []string{"a", "b", "c"}},
		{"large directory root", true, []string{"k"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			es := handEntries(t, tc.child, tc.names...)
			var flags NodeFlags
			if tc.child {
				flags = NodeHasChildren
			}
			in := &Root{AttrType: mft.AttrFileName, Collation: CollationFileName, BlockSize: 4096, ClustersPerBlock: 1,
				Node: Node{Flags: flags, Entries: cloneEntries(es)}}
			b, err := in.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeRoot(b)
			if err != nil {
				t.Fatal(err)
			}
			wantEntries := withLengths(es)
			used := 0x10 + sumLengths(wantEntries)
			want := &Root{AttrType: mft.AttrFileName, Collation: CollationFileName, BlockSize: 4096, ClustersPerBlock: 1,
				Node: Node{EntriesOffset: 0x10, IndexLength: used, AllocatedSize: used, Flags: flags, Entries: wantEntries}}
			if diff := cmp.Diff(want, got, ignoreRaw); diff != "" {
				t.Errorf("DecodeRoot(AppendBinary(x)) (-want +got):\n%s", diff)
			}
			if len(b) != 0x10+int(used) {
				t.Errorf("value length = %d, want %d", len(b), 0x10+used)
			}
			again, err := got.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := bytesDiff(b, again); d != "" {
				t.Errorf("re-encoding differs:\n%s", d)
			}
		})
	}
}

// TestRootGrowsAndShrinks edits a decoded root: the root is packed, so its
// value follows the entries.
func TestRootGrowsAndShrinks(t *testing.T) {
	in := &Root{AttrType: mft.AttrFileName, Collation: CollationFileName, BlockSize: 4096, ClustersPerBlock: 1,
		Node: Node{Entries: handEntries(t, false, "a")}}
	b, err := in.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := DecodeRoot(b)
	if err != nil {
		t.Fatal(err)
	}
	extra := keyEntry(t, 99, "b")
	r.Entries = append(r.Entries[:1], extra, r.Entries[1])
	grown, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(b) + int(packed(len(extra.Key), false)); len(grown) != want {
		t.Fatalf("grown value length = %d, want %d", len(grown), want)
	}
	r2, err := DecodeRoot(grown)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range r2.Entries[:len(r2.Entries)-1] {
		fn, err := r2.Entries[i].FileName()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, fn.NameString())
	}
	if diff := cmp.Diff([]string{"a", "b"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	r2.Entries = r2.Entries[1:]
	shrunk, err := r2.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(b); len(shrunk) != want {
		t.Errorf("shrunk value length = %d, want %d", len(shrunk), want)
	}
}

// TestEntryKeyEdit replaces the key of a decoded entry: the stored key
// length must follow the new key.
func TestEntryKeyEdit(t *testing.T) {
	in := &Root{AttrType: mft.AttrFileName, Collation: CollationFileName, BlockSize: 4096, ClustersPerBlock: 1,
		Node: Node{Entries: handEntries(t, false, "abcdefgh")}}
	b, err := in.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := DecodeRoot(b)
	if err != nil {
		t.Fatal(err)
	}
	r.Entries[0].Key = fileNameKey(t, "abc") // same packed Length, shorter key
	out, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := DecodeRoot(out)
	if err != nil {
		t.Fatal(err)
	}
	fn, err := r2.Entries[0].FileName()
	if err != nil {
		t.Fatal(err)
	}
	if got := fn.NameString(); got != "abc" {
		t.Errorf("name after edit = %q, want %q", got, "abc")
	}
	if got, want := r2.Entries[0].KeyLength, uint16(len(fileNameKey(t, "abc"))); got != want {
		t.Errorf("KeyLength after edit = %d, want %d", got, want)
	}
}

// TestDecodeRootAliasing: the decoded root does not share the caller's
// buffer (attribute values are often slices of a record buffer that is
// reused).
func TestDecodeRootAliasing(t *testing.T) {
	in := &Root{AttrType: mft.AttrFileName, Collation: CollationFileName, BlockSize: 4096, ClustersPerBlock: 1,
		Node: Node{Entries: handEntries(t, false, "name")}}
	b, err := in.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := DecodeRoot(b)
	if err != nil {
		t.Fatal(err)
	}
	clear(b)
	fn, err := r.Entries[0].FileName()
	if err != nil {
		t.Fatalf("after the caller reused its buffer: %v", err)
	}
	if fn.NameString() != "name" {
		t.Errorf("name = %q after the caller reused its buffer", fn.NameString())
	}
}

// validBlock returns the fixup-free bytes of a 1 KiB leaf block at VCN 4
// with two keys: entries at 0x30 (first key), 0x30+len, and the last
// entry.
func validBlock(t testing.TB, child bool) []byte {
	t.Helper()
	var flags NodeFlags
	if child {
		flags = NodeHasChildren
	}
	blk := &Block{VCN: 4, Node: Node{Flags: flags, Entries: handEntries(t, child, "alpha", "beta")}}
	b, err := blk.AppendBinary(nil, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseBlockErrors corrupts a valid block in code and checks that
// each error names the block's VCN and the offset of the bad field.
func TestParseBlockErrors(t *testing.T) {
	const first = 0x18 + 0x18 // first entry of a 1 KiB block
	firstLen := int(packed(0x42+2*len("alpha"), false))
	put16 := func(b []byte, off int, v uint16) { binary.LittleEndian.PutUint16(b[off:], v) }
	put32 := func(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
	tests := []struct {
		name       string
		child      bool
		before     func(b []byte) // on the bytes without fixups
		after      func(b []byte) // on the protected bytes
		vcn        mft.VCN
		wantOffset int
		wantField  string
	}{
		{name: "signature", after: func(b []byte) { copy(b, "FILE") }, wantOffset: 0, wantField: "signature"},
		{name: "torn second sector", after: func(b []byte) { b[0x3fe] ^= 0xff }, wantOffset: 0x3fe, wantField: "torn"},
		{name: "torn first sector", after: func(b []byte) { b[0x1ff]++ }, wantOffset: 0x1fe, wantField: "torn"},
		{name: "USA count", after: func(b []byte) { put16(b, 6, 9) }, wantOffset: 6, wantField: "update sequence"},
		{name: "wrong VCN in header", before: func(b []byte) { binary.LittleEndian.PutUint64(b[0x10:], 5) }, wantOffset: 0x10, wantField: "VCN"},
		{name: "wrong VCN asked", vcn: 8, wantOffset: 0x10, wantField: "VCN"},
		{name: "allocated size past block", before: func(b []byte) { put32(b, 0x20, 1024) }, wantOffset: 0x20, wantField: "allocated"},
		{name: "allocated size short", before: func(b []byte) { put32(b, 0x20, 512) }, wantOffset: 0x20, wantField: "allocated"},
		{name: "index length past allocation", before: func(b []byte) { put32(b, 0x1c, 1024-0x18+8) }, wantOffset: 0x1c, wantField: "length"},
		{name: "entries offset in header", before: func(b []byte) { put32(b, 0x18, 8) }, wantOffset: 0x18, wantField: "entries offset"},
		{name: "entries offset over USA", before: func(b []byte) { put32(b, 0x18, 0x10) }, wantOffset: 0x18, wantField: "entries offset"},
		{name: "entries offset past length", before: func(b []byte) { put32(b, 0x18, 0x400) }, wantOffset: 0x18, wantField: "entries offset"},
		{name: "entries overrun index length", before: func(b []byte) { put32(b, 0x1c, 0x18+uint32(firstLen)-8) }, wantOffset: first + 8, wantField: "entry length"},
		{name: "index length past last entry", before: func(b []byte) {
			put32(b, 0x1c, binary.LittleEndian.Uint32(b[0x1c:])+8)
		}, wantOffset: 0x1c, wantField: "length"},
		{name: "no last entry", before: func(b []byte) {
			last := 0x18 + int(binary.LittleEndian.Uint32(b[0x1c:])) - 0x10
			put16(b, last+0x0c, 0)
		}, wantOffset: 0x18 + 0, wantField: "last entry"},
		{name: "entry length zero", before: func(b []byte) { put16(b, first+8, 0) }, wantOffset: first + 8, wantField: "entry length"},
		{name: "entry length unaligned", before: func(b []byte) { put16(b, first+8, uint16(firstLen-4)) }, wantOffset: first + 8, wantField: "entry length"},
		{name: "key past entry", before: func(b []byte) { put16(b, first+0x0a, uint16(firstLen)) }, wantOffset: first + 0x0a, wantField: "key length"},
		{name: "leaf flag on node", child: true, before: func(b []byte) { b[0x24] = 0 }, wantOffset: first + 0x0c, wantField: "sub-node flag"},
		{name: "node flag on leaf", before: func(b []byte) { b[0x24] = byte(NodeHasChildren) }, wantOffset: first + 0x0c, wantField: "sub-node flag"},
		{name: "negative sub-node VCN", child: true, before: func(b []byte) {
			binary.LittleEndian.PutUint64(b[first+int(packed(0x42+10, true))-8:], 1<<63)
		}, wantOffset: first + int(packed(0x42+10, true)) - 8, wantField: "sub-node VCN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := validBlock(t, tc.child)
			// The "no last entry" case needs the offset of the node end.
			wantOffset := tc.wantOffset
			if tc.name == "no last entry" {
				wantOffset = 0x18 + int(binary.LittleEndian.Uint32(b[0x1c:]))
			}
			if tc.before != nil {
				tc.before(b)
			}
			if err := mft.ProtectFixups(b); err != nil {
				t.Fatal(err)
			}
			if tc.after != nil {
				tc.after(b)
			}
			orig := bytes.Clone(b)
			vcn := tc.vcn
			if vcn == 0 {
				vcn = 4
			}
			blk, err := ParseBlock(b, vcn)
			if err == nil {
				t.Fatalf("ParseBlock accepted the block: %+v", blk)
			}
			ce := corruptAt(t, err)
			type where struct {
				VCN    mft.VCN
				Offset int
			}
			if diff := cmp.Diff(where{vcn, wantOffset}, where{ce.VCN, ce.Offset}); diff != "" {
				t.Errorf("error %q: location (-want +got):\n%s", err, diff)
			}
			if !strings.Contains(ce.Field, tc.wantField) {
				t.Errorf("error field %q does not mention %q", ce.Field, tc.wantField)
			}
			if !strings.Contains(err.Error(), "VCN "+itoa(int(vcn))) {
				t.Errorf("error %q does not name VCN %d", err, vcn)
			}
			if !bytes.Equal(b, orig) {
				t.Error("ParseBlock modified its input")
			}
		})
	}
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// validRoot returns a small root value: header, node header at 0x10,
// entries from 0x20.
func validRoot(t testing.TB, child bool) []byte {
	t.Helper()
	var flags NodeFlags
	if child {
		flags = NodeHasChildren
	}
	r := &Root{AttrType: mft.AttrFileName, Collation: CollationFileName, BlockSize: 4096, ClustersPerBlock: 1,
		Node: Node{Flags: flags, Entries: handEntries(t, child, "alpha")}}
	b, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeRootErrors(t *testing.T) {
	put32 := func(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
	tests := []struct {
		name       string
		mess       func(b []byte) []byte
		wantOffset int
		wantField  string
	}{
		{"truncated", func(b []byte) []byte { return b[:0x1f] }, 0, "length"},
		{"block size zero", func(b []byte) []byte { put32(b, 8, 0); return b }, 8, "block size"},
		{"block size not a power of two", func(b []byte) []byte { put32(b, 8, 3000); return b }, 8, "block size"},
		{"allocated past value", func(b []byte) []byte { put32(b, 0x18, uint32(len(b))); return b }, 0x18, "allocated"},
		{"value longer than allocated", func(b []byte) []byte { return append(b, make([]byte, 8)...) }, 0x18, "allocated"},
		{"length past allocated", func(b []byte) []byte { put32(b, 0x14, uint32(len(b))); return b }, 0x14, "length"},
		{"entries offset", func(b []byte) []byte { put32(b, 0x10, 0); return b }, 0x10, "entries offset"},
		{"entry length", func(b []byte) []byte { b[0x28] = 0x11; return b }, 0x28, "entry length"},
		{"sub-node flag", func(b []byte) []byte { b[0x1c] = 1; return b }, 0x2c, "sub-node flag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.mess(validRoot(t, false))
			r, err := DecodeRoot(b)
			if err == nil {
				t.Fatalf("DecodeRoot accepted the value: %+v", r)
			}
			ce := corruptAt(t, err)
			type where struct {
				VCN    mft.VCN
				Offset int
			}
			if diff := cmp.Diff(where{NoVCN, tc.wantOffset}, where{ce.VCN, ce.Offset}); diff != "" {
				t.Errorf("error %q: location (-want +got):\n%s", err, diff)
			}
			if !strings.Contains(ce.Field, tc.wantField) {
				t.Errorf("error field %q does not mention %q", ce.Field, tc.wantField)
			}
			if !strings.Contains(err.Error(), "$INDEX_ROOT") {
				t.Errorf("error %q does not name $INDEX_ROOT", err)
			}
		})
	}
}

// TestEncodeErrors: the encoders refuse nodes that would not decode.
func TestEncodeErrors(t *testing.T) {
	key := func(name string) []byte { return fileNameKey(t, name) }
	tests := []struct {
		name  string
		flags NodeFlags
		es    []Entry
		size  int
	}{
		{"no entries", 0, nil, 1024},
		{"no last entry", 0, []Entry{{Key: key("a")}}, 1024},
		{"last entry not last", 0, []Entry{{Flags: EntryLast}, {Flags: EntryLast}}, 1024},
		{"sub-node flag mismatch", NodeHasChildren, []Entry{{Key: key("a")}, {Flags: EntryLast | EntryHasChild}}, 1024},
		{"entries exceed block", 0, []Entry{{Key: make([]byte, 1000)}, {Flags: EntryLast}}, 1024},
		{"length too small for key", 0, []Entry{{Key: key("a"), Length: 0x18}, {Flags: EntryLast}}, 1024},
		{"length unaligned", 0, []Entry{{Key: key("a"), Length: 0x5c}, {Flags: EntryLast}}, 1024},
		{"size not a multiple of 512", 0, []Entry{{Flags: EntryLast}}, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			blk := &Block{VCN: 3, Node: Node{Flags: tc.flags, Entries: tc.es}}
			b, err := blk.AppendBinary([]byte{1, 2}, tc.size)
			if err == nil {
				t.Fatalf("AppendBinary accepted the block")
			}
			if ce := corruptAt(t, err); ce.VCN != 3 {
				t.Errorf("error %q: VCN = %d, want 3", err, ce.VCN)
			}
			if !bytes.Equal(b, []byte{1, 2}) {
				t.Errorf("AppendBinary returned % x on error, want the input", b)
			}
		})
	}
}

// TestEntryFitsExactly: a packed leaf entry that ends exactly at the end
// of the allocation is accepted (no room is needed for a sub-node VCN).
func TestEntryFitsExactly(t *testing.T) {
	// 1 KiB block: entries at 0x30, allocation ends at 0x400; the last
	// entry takes 0x10, so the key entry may take 0x400-0x30-0x10 bytes.
	room := 0x400 - 0x30 - 0x10
	k := make([]byte, room-0x10)
	blk := &Block{VCN: 1, Node: Node{Entries: []Entry{{Key: k}, {Flags: EntryLast}}}}
	b, err := blk.AppendBinary(nil, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if err := mft.ProtectFixups(b); err != nil {
		t.Fatal(err)
	}
	got, err := ParseBlock(b, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.IndexLength != got.AllocatedSize {
		t.Errorf("IndexLength = %#x, want the allocation %#x", got.IndexLength, got.AllocatedSize)
	}
}

// TestViewEntryData decodes a view-index ($SII-like) entry written out
// by hand: key 4 bytes, data at 0x14 of 0x14 bytes.
func TestViewEntryData(t *testing.T) {
	e := make([]byte, 0x28)
	binary.LittleEndian.PutUint16(e[0:], 0x14)     // data offset
	binary.LittleEndian.PutUint16(e[2:], 0x14)     // data length
	binary.LittleEndian.PutUint16(e[8:], 0x28)     // entry length
	binary.LittleEndian.PutUint16(e[0x0a:], 4)     // key length
	binary.LittleEndian.PutUint32(e[0x10:], 0x100) // security id
	for i := range 0x14 {
		e[0x14+i] = byte(0xa0 + i)
	}
	last := make([]byte, 0x10)
	binary.LittleEndian.PutUint16(last[8:], 0x10)
	binary.LittleEndian.PutUint16(last[0x0c:], uint16(EntryLast))
	node := make([]byte, 0x10)
	binary.LittleEndian.PutUint32(node[0:], 0x10)
	binary.LittleEndian.PutUint32(node[4:], 0x10+0x28+0x10)
	binary.LittleEndian.PutUint32(node[8:], 0x10+0x28+0x10)
	hdr := make([]byte, 0x10)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(CollationULong))
	binary.LittleEndian.PutUint32(hdr[8:], 4096)
	hdr[0x0c] = 1
	val := append(append(append(hdr, node...), e...), last...)

	r, err := DecodeRoot(val)
	if err != nil {
		t.Fatal(err)
	}
	if r.Collation != CollationULong || r.Collation.String() != "COLLATION_NTOFS_ULONG" {
		t.Errorf("collation = %v", r.Collation)
	}
	got, err := r.Entries[0].Data()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e[0x14:0x28], got); diff != "" {
		t.Errorf("Data() (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]byte{0, 1, 0, 0}, r.Entries[0].Key); diff != "" {
		t.Errorf("Key (-want +got):\n%s", diff)
	}
	out, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := bytesDiff(val, out); d != "" {
		t.Errorf("re-encoding differs:\n%s", d)
	}
	// Data out of range.
	binary.LittleEndian.PutUint16(val[0x20+2:], 0x20)
	r, err = DecodeRoot(val)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Entries[0].Data(); err == nil {
		t.Error("Data() accepted data past the entry")
	}
}

func TestStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{EntryFlags(0).String(), "0"},
		{(EntryHasChild | EntryLast).String(), "child|last"},
		{EntryFlags(0x10).String(), "0x10"},
		{CollationFileName.String(), "COLLATION_FILE_NAME"},
		{CollationRule(0x1234).String(), "collation 0x1234"},
		{CollationRule(0).String(), "COLLATION_BINARY"},
		{(&CorruptError{VCN: 7, Offset: 0x20, Field: "x", Value: 3}).Error(), "index: INDX block at VCN 7: bad x at offset 0x20 (value 3)"},
		{(&CorruptError{VCN: NoVCN, Field: "y"}).Error(), "index: $INDEX_ROOT: bad y at offset 0x0"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if !errors.Is(&CorruptError{}, ErrCorrupt) {
		t.Error("CorruptError is not ErrCorrupt")
	}
}
