package volume

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func journalFixture() (journalHeader, []stagedExtent) {
	h := journalHeader{Serial: 0x1122334455667788, Offset: 1 << 20, Size: 64 << 20}
	exts := []stagedExtent{
		{Off: 0x4000, Data: []byte("record bytes")},
		{Off: 0x10000, Data: make([]byte, 4096)},
	}
	exts[1].Data[7] = 0xAB
	return h, exts
}

// wantDecoded decodes the journal b and requires header h and extents
// exts.
func wantDecoded(t *testing.T, b []byte, h journalHeader, exts []stagedExtent) {
	t.Helper()
	gh, gexts, err := decodeJournal(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, gh); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(exts, gexts); diff != "" {
		t.Errorf("extents (-want +got):\n%s", diff)
	}
}

func TestJournalRoundTrip(t *testing.T) {
	h, exts := journalFixture()
	b := encodeJournal(h, exts)
	wantDecoded(t, b, h, exts)
}

// TestJournalVersion1 replays a journal in the first layout (SHA-256
// trailer), as an older ntfsedit left it.
func TestJournalVersion1(t *testing.T) {
	h, exts := journalFixture()
	v2 := wantJournalV2(h, exts)
	body := append([]byte(nil), v2[:len(v2)-len(journalTrailer)-4]...)
	binary.LittleEndian.PutUint32(body[0x10:], 1)
	sum := sha256.Sum256(body)
	v1 := append(append(body, journalTrailer...), sum[:]...)
	_, gexts, err := decodeJournal(v1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(exts, gexts); diff != "" {
		t.Errorf("extents (-want +got):\n%s", diff)
	}
}

// TestJournalVersion2 replays a journal in the second layout (fixed
// extent headers with a CRC each), and refuses one whose extent CRC is
// wrong although its trailer is right.
func TestJournalVersion2(t *testing.T) {
	h, exts := journalFixture()
	v2 := wantJournalV2(h, exts)
	wantDecoded(t, v2, h, exts)
	bad := bytes.Clone(v2)
	bad[journalHeaderLen+12]++ // the first extent's CRC
	body := bad[:len(bad)-4]
	binary.LittleEndian.PutUint32(bad[len(bad)-4:], crc32.Checksum(body[:len(body)-len(journalTrailer)], castagnoli))
	if _, _, err := decodeJournal(bad); err == nil || errors.Is(err, errJournalIncomplete) {
		t.Errorf("extent CRC wrong: %v, want a CRC error", err)
	}
}

func TestJournalDamage(t *testing.T) {
	h, exts := journalFixture()
	b := encodeJournal(h, exts)
	for _, cut := range []int{0, 10, journalHeaderLen, len(b) / 2, len(b) - 1} {
		if _, _, err := decodeJournal(b[:cut]); !errors.Is(err, errJournalIncomplete) {
			t.Errorf("cut at %d: %v, want errJournalIncomplete", cut, err)
		}
	}
	for _, at := range []int{0x18, journalHeaderLen + 20, len(b) - len(journalTrailer) - 5, len(b) - 1} {
		d := append([]byte(nil), b...)
		d[at] ^= 0x40
		if _, _, err := decodeJournal(d); err == nil || errors.Is(err, errJournalIncomplete) {
			t.Errorf("byte %d flipped: %v, want a checksum error", at, err)
		}
	}
}

func FuzzDecodeJournal(f *testing.F) {
	h, exts := journalFixture()
	f.Add(encodeJournal(h, exts))
	f.Add(encodeJournal(h, nil))
	f.Add(wantJournalV2(h, exts))
	h.Checks = []journalCheck{{Off: 0x8000, Len: 4096, CRC: 1}}
	f.Add(encodeJournal(h, exts))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, exts, err := decodeJournal(b)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes (as version 3) to the same values.
		h2, exts2, err := decodeJournal(encodeJournal(h, exts))
		if err != nil {
			t.Fatalf("re-encoded journal: %v", err)
		}
		if d := cmp.Diff(h, h2); d != "" {
			t.Errorf("header (-decoded +re-decoded):\n%s", d)
		}
		if !cmp.Equal(exts, exts2, cmpopts.EquateEmpty()) {
			t.Errorf("extents differ after re-encoding:\n%s", cmp.Diff(exts, exts2, cmpopts.EquateEmpty()))
		}
	})
}

// A version-3 journal with checks decodes back to them; replay applies it
// when the device holds the checked bytes and discards it, leaving the
// device as it was, when it does not.
func TestJournalChecks(t *testing.T) {
	dev := make([]byte, 1<<20)
	for i := range dev {
		dev[i] = byte(i * 7)
	}
	newBlock := bytes.Repeat([]byte("INDX"), 1024)
	copy(dev[0x8000:], newBlock) // written outside the journal
	h := journalHeader{Serial: 9, Size: int64(len(dev))}
	h.Checks = journalChecks([]stagedExtent{{Off: 0x8000, Data: newBlock[:1000]}, {Off: 0x8000 + 1000, Data: newBlock[1000:]}, {Off: 0x20000, Data: dev[0x20000:0x20010]}})
	want := []journalCheck{
		{Off: 0x8000, Len: 4096, CRC: crc32.Checksum(newBlock, castagnoli)},
		{Off: 0x20000, Len: 16, CRC: crc32.Checksum(dev[0x20000:0x20010], castagnoli)},
	}
	if d := cmp.Diff(want, h.Checks); d != "" {
		t.Fatalf("journalChecks (-want +got):\n%s", d)
	}
	exts := []stagedExtent{{Off: 0x100, Data: []byte("changed")}, {Off: 0x40, Data: []byte("before")}} // any order
	b := encodeJournal(h, exts)
	if n := journalLen(h, exts); n != int64(len(b)) {
		t.Errorf("journalLen = %d, encoded %d bytes", n, len(b))
	}
	wantDecoded(t, b, h, exts)
	for _, tc := range []struct {
		name   string
		damage func(d []byte)
		want   string // the bytes at 0x100 after reopening
	}{
		{"checks hold", func([]byte) {}, "changed"},
		{"block missing", func(d []byte) { copy(d[0x8000:], make([]byte, 4096)) }, ""},
		{"block torn", func(d []byte) { d[0x8000+4095]++ }, ""},
		{"second range", func(d []byte) { d[0x2000f]++ }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := bytes.Clone(dev)
			tc.damage(img)
			before := bytes.Clone(img)
			j := FileJournal(filepath.Join(t.TempDir(), "j"))
			if err := j.Write(b); err != nil {
				t.Fatal(err)
			}
			info, err := replayJournal(NewMemDevice(img, 512), j, 9, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := j.Read(); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("journal still there after replay: %v", err)
			}
			if tc.want == "" {
				if !info.Discarded || info.Replayed {
					t.Errorf("replay %+v, want it discarded", info)
				}
				if !bytes.Equal(img, before) {
					t.Errorf("a discarded journal changed the device")
				}
				return
			}
			if !info.Replayed || info.Extents != 2 {
				t.Errorf("replay %+v, want 2 extents replayed", info)
			}
			if got := string(img[0x100 : 0x100+len(tc.want)]); got != tc.want {
				t.Errorf("bytes at 0x100 = %q, want %q", got, tc.want)
			}
		})
	}
}

// Version-3 extents out of range or with a broken varint are refused with
// the extent and byte named, even when the trailer's CRC is right.
func TestJournalV3Corrupt(t *testing.T) {
	h := journalHeader{Serial: 1, Size: 1 << 20}
	reseal := func(b []byte) []byte {
		body := b[:len(b)-4-len(journalTrailer)]
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(body, castagnoli))
		return b
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"past the end", encodeJournal(h, []stagedExtent{{Off: 1<<20 - 2, Data: []byte("abc")}})},
		{"negative offset", encodeJournal(h, []stagedExtent{{Off: 10, Data: []byte("a")}, {Off: -5, Data: []byte("b")}})},
		{"check past the end", encodeJournal(journalHeader{Serial: 1, Size: 1 << 20, Checks: []journalCheck{{Off: 1 << 20, Len: 1}}})},
		{"extent count", func() []byte {
			b := encodeJournal(h, []stagedExtent{{Off: 0, Data: []byte("a")}})
			binary.LittleEndian.PutUint32(b[0x14:], 1)
			return reseal(b)
		}()},
		{"checks too many", func() []byte {
			b := encodeJournal(h, nil)
			binary.LittleEndian.PutUint32(b[0x30:], 1<<30)
			return reseal(b)
		}()},
		{"extent cut short", func() []byte {
			b := encodeJournal(h, []stagedExtent{{Off: 0, Data: []byte("ab")}})
			b[journalHeaderV3+1] = 3 // length 3, 2 bytes left
			return reseal(b)
		}()},
		{"varint cut short", func() []byte {
			b := encodeJournal(h, []stagedExtent{{Off: 0, Data: []byte("ab")}})
			b[journalHeaderV3+1] = 0x80 // a length varint running into the data and the trailer
			b[journalHeaderV3+2] = 0x80
			b[journalHeaderV3+3] = 0x80
			return reseal(b)
		}()},
	}
	for _, tc := range tests {
		if _, _, err := decodeJournal(tc.b); err == nil || errors.Is(err, errJournalIncomplete) {
			t.Errorf("%s: decodeJournal = %v, want an error", tc.name, err)
		}
	}
}
