package volume_test

import (
	"bytes"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// readLog records the offsets an io.ReaderAt is asked for.
type readLog struct {
	r interface {
		ReadAt([]byte, int64) (int, error)
	}
	mu   sync.Mutex
	offs [][2]int64
}

func (l *readLog) ReadAt(p []byte, off int64) (int, error) {
	l.mu.Lock()
	l.offs = append(l.offs, [2]int64{off, int64(len(p))})
	l.mu.Unlock()
	return l.r.ReadAt(p, off)
}

type usnSeen struct {
	Off    int64
	USN    int64
	Major  uint16
	Reason string
	File   string
	Path   string
	Stale  bool
}

// TestUSNJournalFixture reads the journal that fixtures/mkusn.sh wrote
// (record by record with python, after a 1 MiB sparse head) through
// ntfs-3g into /journal.bin:$J.
func TestUSNJournalFixture(t *testing.T) {
	img := oracle.Image(t, "fixtures/mkusn.sh")
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.JournalStream(volume.USNJournalPath); !errors.Is(err, volume.ErrNoJournal) {
		t.Errorf("own journal: err = %v, want ErrNoJournal", err)
	}
	s, err := v.JournalStream("/journal.bin:$J")
	if err != nil {
		t.Fatal(err)
	}
	ranges := s.DataRanges()
	if len(ranges) == 0 || ranges[0].Start < 1<<20 || ranges[len(ranges)-1].End != s.Size() {
		t.Fatalf("data ranges %v of a %d-byte stream with a 1 MiB sparse head", ranges, s.Size())
	}
	log := &readLog{r: s}
	paths := v.NewUSNPaths()
	var got []usnSeen
	err = volume.ScanUSN(log, ranges, func(off int64, rec *mft.USNRecord, err error) error {
		if err != nil {
			t.Errorf("scan: %v", err)
			return nil
		}
		if rec.USN != off {
			t.Errorf("offset %d: USN %d", off, rec.USN)
		}
		p := paths.Of(rec)
		got = append(got, usnSeen{off, rec.USN, rec.Major, rec.Reason.String(), rec.File.String(), p.Path, p.Stale})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range log.offs {
		if o[0] < 1<<20 {
			t.Errorf("read %d bytes at %d: inside the sparse head", o[1], o[0])
		}
	}
	docs, _ := v.Lookup("/docs")
	report, _ := v.Lookup("/docs/report.txt")
	r := report.Ref().String()
	const head = 1 << 20
	want := []usnSeen{
		{head, head, 2, "file-create", docs.Ref().String(), "/docs", false},
		{head + 72, head + 72, 2, "file-create|close", r, "/docs/report.txt", false},
		{head + 152, head + 152, 3, "rename-new-name", r, "/docs/renamed.txt", false},
		{head + 256, head + 256, 4, "data-extend|close", r, "/docs/report.txt", false},
		{head + 336, head + 336, 2, "file-create", "200-1", "/$Orphan/gone.txt", true},
		{head + 4096, head + 4096, 2, "file-delete|close", "201-1", "/docs/é日本.txt", false},
	}
	if len(got) != 206 {
		t.Errorf("%d records, want 206", len(got))
	}
	if diff := cmp.Diff(want, got[:min(len(got), len(want))]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, g := range got[len(want):] {
		if g.Reason != "data-extend" || g.Path != "/docs/report.txt" {
			t.Errorf("%+v, want data-extend of /docs/report.txt", g)
			break
		}
	}
}

// TestScanUSN checks records across read chunks, zero padding, a corrupt
// record in the middle and a journal cut short.
func TestScanUSN(t *testing.T) {
	rec := func(usn int64, name string) []byte {
		b, err := mft.USNRecord{Major: 2, File: mft.MakeFileRef(70, 1), Parent: mft.MakeFileRef(5, 5), USN: usn,
			Reason: mft.USNDataExtend, Name: mft.NameUnits(name)}.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var j []byte
	put := func(at int, b []byte) {
		if len(j) < at {
			j = append(j, make([]byte, at-len(j))...)
		}
		j = append(j[:at], b...)
	}
	put(0, rec(0, "a"))
	put(1<<20-40, rec(1<<20-40, "across the 1 MiB read")) // crosses the first chunk
	put(1<<20+4096, []byte{0x18, 0, 0, 0, 9, 0, 0, 0})    // version 9
	put(1<<20+8192, rec(1<<20+8192, "after"))
	cut := rec(0, "cut")
	put(1<<20+8192+len(rec(0, "after")), cut[:len(cut)-8]) // truncated at the end
	var offs []int64
	var errs []int64
	err := volume.ScanUSN(bytes.NewReader(j), []volume.ByteRange{{0, int64(len(j))}}, func(off int64, r *mft.USNRecord, err error) error {
		if err != nil {
			var ue *volume.USNError
			if !errors.As(err, &ue) || ue.Offset != off {
				t.Errorf("error %v at %d is not a located USNError", err, off)
			}
			errs = append(errs, off)
			return nil
		}
		offs = append(offs, off)
		if r.USN != off {
			t.Errorf("offset %d: USN %d", off, r.USN)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{0, 1<<20 - 40, 1<<20 + 8192}, offs); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if len(errs) < 2 || errs[0] != 1<<20+4096 {
		t.Errorf("errors at %v, want the bad version at %d and the cut record", errs, 1<<20+4096)
	}
}
