package volume

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantJournal lays out a version-3 journal field by field, as the format
// comment in journal.go describes it, with the CRC computed over the whole
// slice (writeJournal carries it along piece by piece).
func wantJournal(h journalHeader, exts []stagedExtent) []byte {
	le := binary.LittleEndian
	b := []byte(journalMagic)
	b = le.AppendUint32(b, 3)
	b = le.AppendUint32(b, 0) // no extent count
	b = le.AppendUint64(b, h.Serial)
	b = le.AppendUint64(b, uint64(h.Offset))
	b = le.AppendUint64(b, uint64(h.Size))
	b = le.AppendUint32(b, uint32(len(h.Checks)))
	b = le.AppendUint32(b, 0)
	for _, c := range h.Checks {
		b = le.AppendUint64(b, uint64(c.Off))
		b = le.AppendUint32(b, c.Len)
		b = le.AppendUint32(b, c.CRC)
	}
	end := int64(0)
	for _, e := range exts {
		b = binary.AppendVarint(b, e.Off-end)
		b = binary.AppendUvarint(b, uint64(len(e.Data)))
		b = append(b, e.Data...)
		end = e.Off + int64(len(e.Data))
	}
	sum := crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
	b = append(b, "NTFSEDIT-COMMIT!"...)
	return le.AppendUint32(b, sum)
}

// wantJournalV2 lays out a version-2 journal (as ntfsedit wrote them
// before version 3) field by field.
func wantJournalV2(h journalHeader, exts []stagedExtent) []byte {
	le := binary.LittleEndian
	b := []byte(journalMagic)
	b = le.AppendUint32(b, 2)
	b = le.AppendUint32(b, uint32(len(exts)))
	b = le.AppendUint64(b, h.Serial)
	b = le.AppendUint64(b, uint64(h.Offset))
	b = le.AppendUint64(b, uint64(h.Size))
	for _, e := range exts {
		b = le.AppendUint64(b, uint64(e.Off))
		b = le.AppendUint32(b, uint32(len(e.Data)))
		b = le.AppendUint32(b, crc32.Checksum(e.Data, crc32.MakeTable(crc32.Castagnoli)))
		b = append(b, e.Data...)
	}
	sum := crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
	b = append(b, "NTFSEDIT-COMMIT!"...)
	return le.AppendUint32(b, sum)
}

// A streamed journal file holds the same bytes as an encoded one, and
// both decode back to the extents.
func TestJournalStreamed(t *testing.T) {
	h := journalHeader{Serial: 0x1122334455667788, Offset: 1 << 20, Size: 64 << 20}
	big := bytes.Repeat([]byte{0xA5, 0x5A, 7}, journalBuffer) // larger than the buffer
	tests := []struct {
		name string
		exts []stagedExtent
	}{
		{"none", nil},
		{"one", []stagedExtent{{Off: 4096, Data: []byte("FILE0")}}},
		{"many", []stagedExtent{{Off: 0, Data: bytes.Repeat([]byte{1}, 32)}, {Off: 512, Data: big}, {Off: 9 << 20, Data: []byte{0}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := wantJournal(h, tc.exts)
			if got := encodeJournal(h, tc.exts); !bytes.Equal(want, got) {
				t.Errorf("encodeJournal (-want +got):\n%s", cmp.Diff(want, got))
			}
			if got := journalLen(h, tc.exts); got != int64(len(want)) {
				t.Errorf("journalLen = %d, want %d", got, len(want))
			}
			// Split in blocks (as changedBlocks returns them), the
			// extents make the same journal.
			var blocks [][]stagedExtent
			for i := range tc.exts {
				blocks = append(blocks, tc.exts[i:i+1], nil)
			}
			if got := encodeJournal(h, blocks...); !bytes.Equal(want, got) {
				t.Errorf("encodeJournal of %d blocks (-want +got):\n%s", len(blocks), cmp.Diff(want, got))
			}
			path := filepath.Join(t.TempDir(), "j")
			v := &Volume{journal: FileJournal(path)}
			if err := v.putJournal(h, [][]stagedExtent{tc.exts[:len(tc.exts)/2], tc.exts[len(tc.exts)/2:]}); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, got) {
				t.Errorf("streamed journal: %d bytes differ from the %d expected", len(got), len(want))
			}
			gh, gexts, err := decodeJournal(got)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(gh, h) || len(gexts) != len(tc.exts) {
				t.Fatalf("decoded %+v with %d extents, want %+v with %d", gh, len(gexts), h, len(tc.exts))
			}
			for i := range gexts {
				if gexts[i].Off != tc.exts[i].Off || !bytes.Equal(gexts[i].Data, tc.exts[i].Data) {
					t.Errorf("extent %d: %d bytes at %#x, want %d at %#x", i, len(gexts[i].Data), gexts[i].Off, len(tc.exts[i].Data), tc.exts[i].Off)
				}
			}
			// Write of a whole slice goes through the same path.
			if err := FileJournal(path).Write(want); err != nil {
				t.Fatal(err)
			}
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(want, got) {
				t.Errorf("Write: %d bytes (err %v), want the %d given", len(got), err, len(want))
			}
		})
	}
}

// A journal whose writing fails part way is reported and, as left, is
// incomplete: replay discards it.
func TestJournalStreamFails(t *testing.T) {
	h := journalHeader{Serial: 1, Size: 1 << 30}
	exts := []stagedExtent{{Off: 0, Data: bytes.Repeat([]byte{9}, 3*journalBuffer)}, {Off: 1 << 20, Data: []byte{1}}}
	path := filepath.Join(t.TempDir(), "j")
	boom := errors.New("boom")
	err := WriteFileJournal(FileJournal(path), func(w io.Writer) error {
		if err := writeJournal(w, h, exts[:1]); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WriteFileJournal = %v, want %v", err, boom)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// What reached the file is the start of the journal of the first
	// extent, without its trailer.
	full := wantJournal(h, exts[:1])
	if len(b) > len(full)-len(journalTrailer)-4 {
		t.Fatalf("%d bytes written, want at most the %d before the trailer", len(b), len(full)-len(journalTrailer)-4)
	}
	half := full[:len(b)]
	if !bytes.Equal(half, b[:len(half)]) {
		t.Errorf("the %d bytes written are not a prefix of the journal", len(b))
	}
	if _, _, err := decodeJournal(b); !errors.Is(err, errJournalIncomplete) {
		t.Errorf("decodeJournal of the cut journal = %v, want errJournalIncomplete", err)
	}
}

// wrappedJournal embeds a FileJournal and does more in its Write.
type wrappedJournal struct {
	FileJournal
	writes *int
}

func (j wrappedJournal) Write(b []byte) error {
	*j.writes++
	return j.FileJournal.Write(b)
}

// A commit streams the journal of a plain FileJournal only: a store that
// embeds one is written through its own Write, with the same bytes.
func TestJournalWrapped(t *testing.T) {
	h := journalHeader{Serial: 7, Size: 1 << 20}
	exts := []stagedExtent{{Off: 512, Data: []byte("changed")}}
	path := filepath.Join(t.TempDir(), "j")
	writes := 0
	v := &Volume{journal: wrappedJournal{FileJournal(path), &writes}}
	if err := v.putJournal(h, [][]stagedExtent{exts}); err != nil {
		t.Fatal(err)
	}
	if writes != 1 {
		t.Errorf("the wrapper's Write ran %d times, want 1", writes)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wantJournal(h, exts), got); d != "" {
		t.Errorf("journal (-want +got):\n%s", d)
	}
}
