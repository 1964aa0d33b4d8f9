package volume

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
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

func TestJournalRoundTrip(t *testing.T) {
	h, exts := journalFixture()
	b := encodeJournal(h, exts)
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

// TestJournalVersion1 replays a journal in the first layout (SHA-256
// trailer), as an older ntfsedit left it.
func TestJournalVersion1(t *testing.T) {
	h, exts := journalFixture()
	v2 := encodeJournal(h, exts)
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
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeJournal(b)
	})
}
