package volume_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/ntfsedit/ntfsedit/internal/crashcheck"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/internal/testutil"
	"github.com/ntfsedit/ntfsedit/volume"
)

// Large new data is streamed to clusters fresh to the transaction (free
// on disk until the commit): these tests check that memory stays bounded,
// that a crash or an abandoned transaction changes only clusters free in
// the state before, and that a dry run writes nothing.

// prngReader yields n pseudo-random bytes (ChaCha8), hashing them as they
// go, and samples the heap every 16 MiB. It does not seek: its size is
// unknown to the writer, as a pipe's is.
type prngReader struct {
	r        *rand.ChaCha8
	left     int64
	h        hash.Hash
	done     int64
	peakHeap uint64
}

func newPRNG(n int64, seed byte) *prngReader {
	var s [32]byte
	s[0] = seed
	return &prngReader{r: rand.NewChaCha8(s), left: n, h: sha256.New()}
}

func (p *prngReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.left)]
	p.r.Read(b)
	p.h.Write(b)
	before := p.done >> 24
	p.left -= int64(len(b))
	p.done += int64(len(b))
	if p.done>>24 != before || p.left == 0 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		p.peakHeap = max(p.peakHeap, m.HeapInuse)
	}
	return len(b), nil
}

func (p *prngReader) sum() string { return hex.EncodeToString(p.h.Sum(nil)) }

// onlyReader hides every method of a reader but Read (a pipe).
type onlyReader struct{ io.Reader }

// streamBase is the crash tests' setup state.
func streamBase(t *testing.T) []byte {
	t.Helper()
	base := crashFresh(t)
	if err := crashUpdate(t, volume.NewMemDevice(base, 512), testutil.NewMemJournal(), crashSetup); err != nil {
		t.Fatal(err)
	}
	return base
}

// journalAt notes how many device writes came before the journal.
type journalAt struct {
	*testutil.MemJournal
	dev *testutil.FaultDevice
	at  int
	n   int // the journal's length
}

func (j *journalAt) Write(b []byte) error {
	j.at, j.n = j.dev.Writes(), len(b)
	return j.MemJournal.Write(b)
}

var streamOps = []crashOp{
	{"create-known-size", func(tx *volume.Tx) error {
		return tx.Create("/e/stream.bin", bytes.NewReader(pseudo(2_500_000, 7)))
	}},
	{"create-pipe", func(tx *volume.Tx) error {
		return tx.Create("/e/pipe.bin", onlyReader{bytes.NewReader(pseudo(2_300_001, 8))})
	}},
	{"write-stream", func(tx *volume.Tx) error {
		return tx.WriteStream("/d/f1", "big", bytes.NewReader(pseudo(1_500_000, 9)))
	}},
	{"create-sparse", func(tx *volume.Tx) error {
		return tx.CreateSparse("/e/sparse.bin", 6<<20, []volume.Extent{{Off: 0, Data: pseudo(1<<20+5, 10)}, {Off: 4 << 20, Data: pseudo(300000, 11)}})
	}},
}

// TestCrashStreaming interrupts commits that stream data at every device
// write (the data chunks first, then the journal and the in-place writes)
// and cuts their journal: reopening gives the state after the operation,
// or the state before it except in clusters free before.
func TestCrashStreaming(t *testing.T) {
	base := streamBase(t)
	points := 0
	for _, op := range streamOps {
		t.Run(op.name, func(t *testing.T) {
			img := bytes.Clone(base)
			dev := &testutil.FaultDevice{Inner: volume.NewMemDevice(img, 512), FailAt: -1}
			j := &journalAt{MemJournal: testutil.NewMemJournal(), dev: dev}
			if err := crashUpdate(t, dev, j, op.fn); err != nil {
				t.Fatal(err)
			}
			c := crashCase{op: op, before: base, after: img, writes: dev.Writes()}
			data := j.at
			if data < 2 {
				t.Fatalf("%d device writes before the journal; want the data streamed in chunks", data)
			}
			if err := crashcheck.FreeOnlyDiff(base, streamedOnly(t, op)); err != nil {
				t.Fatalf("the streamed writes alone: %v", err)
			}
			t.Logf("%d data writes, %d writes in all", data, c.writes)
			for _, mode := range []testutil.FaultMode{testutil.FailWrite, testutil.TearWrite} {
				for n := 0; n <= c.writes; n++ {
					img := bytes.Clone(base)
					dev := &testutil.FaultDevice{Inner: volume.NewMemDevice(img, 512), FailAt: n, Mode: mode}
					j := testutil.NewMemJournal()
					err := crashUpdate(t, dev, j, op.fn)
					points++
					want := "after"
					switch {
					case n < data:
						// The data: the operation fails, nothing else is written.
						if !errors.Is(err, testutil.ErrInjected) || errors.Is(err, volume.ErrBroken) {
							t.Fatalf("%v at data write %d: Update = %v, want the write's error", mode, n, err)
						}
						if j.Bytes() != nil {
							t.Fatalf("%v at data write %d: a journal was written", mode, n)
						}
						if dev.Writes() != n+1 {
							t.Fatalf("%v at data write %d: %d writes tried, want none after the failed one", mode, n, dev.Writes())
						}
						want = "before+free"
					case n < c.writes && !errors.Is(err, volume.ErrBroken):
						t.Fatalf("%v at write %d: Update = %v, want ErrBroken", mode, n, err)
					case n == c.writes && err != nil:
						t.Fatalf("%v at write %d (none): Update = %v", mode, n, err)
					}
					if n >= data && n < c.writes && mode == testutil.FailWrite {
						if _, errs := dumpVolumeErrs(bytes.Clone(img)); len(errs) > 0 {
							t.Errorf("%v at write %d, no replay: %v", mode, n, errors.Join(errs...))
						}
					}
					rep := reopen(t, img, j)
					if replayed := rep != nil && rep.Replayed; replayed != (n >= data && n < c.writes) {
						t.Errorf("%v at write %d: replay %+v", mode, n, rep)
					}
					got := c.which(img)
					if got == "before" && want == "before+free" {
						got = want // nothing of the data reached the device
					}
					if got != want {
						t.Fatalf("%v at write %d: the volume is %s, want %s", mode, n, got, want)
					}
				}
			}
			for _, cut := range journalCuts(j.n) {
				img := bytes.Clone(base)
				j := testutil.NewMemJournal()
				j.CutAt = cut
				dev := &testutil.FaultDevice{Inner: volume.NewMemDevice(img, 512), FailAt: -1}
				if err := crashUpdate(t, dev, j, op.fn); err == nil {
					t.Fatalf("journal cut at %d: Update succeeded", cut)
				}
				points++
				if dev.Writes() != data {
					t.Errorf("journal cut at %d: %d device writes, want the %d of the data only", cut, dev.Writes(), data)
				}
				if rep := reopen(t, img, j); rep == nil || !rep.Discarded {
					t.Errorf("journal cut at %d: reopen did not discard the journal (%+v)", cut, rep)
				}
				if w := c.which(img); w != "before+free" {
					t.Errorf("journal cut at %d: the volume is %s, want before+free", cut, w)
				}
			}
		})
	}
	t.Logf("%d crash points", points)
}

// streamedOnly runs op until its journal is about to be written and
// returns the image as the data writes left it.
func streamedOnly(t *testing.T, op crashOp) []byte {
	t.Helper()
	img := streamBase(t)
	j := testutil.NewMemJournal()
	j.CutAt = 0
	if err := crashUpdate(t, volume.NewMemDevice(img, 512), j, op.fn); err == nil {
		t.Fatal("journal cut: Update succeeded")
	}
	return img
}

// TestStreamAbandoned: a transaction that fails after streaming, a dry
// run, and running out of space leave no trace but bytes of free
// clusters (a dry run and a known size that does not fit: none at all),
// no journal, and a volume that checks clean.
func TestStreamAbandoned(t *testing.T) {
	base := streamBase(t)
	abandon := errors.New("abandoned")
	for _, c := range []struct {
		name    string
		fn      func(tx *volume.Tx) error
		dry     bool
		wantErr error
		writes  bool // data reaches free clusters
	}{
		{"error after streaming", func(tx *volume.Tx) error {
			if err := tx.Create("/e/a.bin", onlyReader{bytes.NewReader(pseudo(3<<20, 1))}); err != nil {
				return err
			}
			if err := tx.Create("/e/b.bin", bytes.NewReader(pseudo(2<<20, 2))); err != nil {
				return err
			}
			return abandon
		}, false, abandon, true},
		{"no space, pipe", func(tx *volume.Tx) error {
			return tx.Create("/e/huge.bin", onlyReader{bytes.NewReader(pseudo(16<<20, 3))})
		}, false, volume.ErrNoSpace, true},
		{"no space, known size", func(tx *volume.Tx) error {
			return tx.Create("/e/huge.bin", bytes.NewReader(pseudo(16<<20, 3)))
		}, false, volume.ErrNoSpace, false},
		{"dry run", func(tx *volume.Tx) error {
			if err := tx.Create("/e/a.bin", onlyReader{bytes.NewReader(pseudo(3<<20, 1))}); err != nil {
				return err
			}
			return tx.CreateSparse("/e/s.bin", 4<<20, []volume.Extent{{Off: 1 << 20, Data: pseudo(2<<20, 4)}})
		}, true, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := bytes.Clone(base)
			dev := &testutil.FaultDevice{Inner: volume.NewMemDevice(img, 512), FailAt: -1}
			j := testutil.NewMemJournal()
			v, err := volume.OpenWritableOn(dev, volume.Options{}, volume.WriteOptions{Journal: j, Now: crashNow})
			if err != nil {
				t.Fatal(err)
			}
			if c.dry {
				var plan *volume.Plan
				plan, err = v.DryRun(c.fn)
				if err == nil && plan.DataBytes < 5<<20 {
					t.Errorf("dry run plans %d bytes of data, want the 5 MiB", plan.DataBytes)
				}
			} else {
				err = v.Update(c.fn)
			}
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if got := dev.Writes() > 0; got != c.writes {
				t.Fatalf("%d device writes; want some: %v", dev.Writes(), c.writes)
			}
			if j.Bytes() != nil {
				t.Fatal("a journal was left")
			}
			if !c.writes && !bytes.Equal(img, base) {
				t.Fatal("the image changed")
			}
			if err := crashcheck.FreeOnlyDiff(base, img); err != nil {
				t.Fatal(err)
			}
			// The same volume goes on: what it does next checks clean.
			if err := v.Update(func(tx *volume.Tx) error {
				return tx.Create("/e/next.bin", bytes.NewReader(pseudo(1<<20, 5)))
			}); err != nil {
				t.Fatal(err)
			}
			fs, err := volume.Check(v, volume.CheckOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if f.Severity == volume.SevError {
					t.Errorf("check: %v", f)
				}
			}
			v.Close()
			want := append(dumpVolume(t, base), fmt.Sprintf("/e/next.bin #%d seq 1 links 1 size 1048576 sha %s", recordOf(t, img, "/e/next.bin"), shortSum(pseudo(1<<20, 5))))
			sort.Strings(want)
			if d := cmp.Diff(want, dumpVolume(t, img)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func recordOf(t *testing.T, img []byte, p string) uint64 {
	t.Helper()
	v, err := volume.OpenOn(volume.NewMemDevice(bytes.Clone(img), 512), volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	f, err := v.Lookup(p)
	if err != nil {
		t.Fatal(err)
	}
	return uint64(f.Number())
}

func shortSum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// TestStreamMemory writes a 300 MiB file from a reader of unknown size
// into an image file: the heap grows by far less than the file, and
// ntfs-3g, icat and our reader read back the same bytes.
func TestStreamMemory(t *testing.T) {
	oracle.Require(t, "ntfs-3g", "icat", "ntfsfix")
	const size = 300 << 20
	img := filepath.Join(t.TempDir(), "m.img")
	if err := volume.Format(img, volume.FormatOptions{Size: 512 << 20, ClusterSize: 4096, Label: "stream"}); err != nil {
		t.Fatal(err)
	}
	v, err := volume.OpenWritable(img, volume.Options{}, volume.WriteOptions{Journal: volume.FileJournal(filepath.Join(t.TempDir(), "j"))})
	if err != nil {
		t.Fatal(err)
	}
	src := newPRNG(size, 42)
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	err = v.Update(func(tx *volume.Tx) error { return tx.Create("/big.bin", src) })
	runtime.ReadMemStats(&m1)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if src.done != size {
		t.Fatalf("read %d bytes of %d", src.done, size)
	}
	alloc := m1.TotalAlloc - m0.TotalAlloc
	peak := int64(src.peakHeap) - int64(m0.HeapInuse)
	t.Logf("300 MiB file: %.1f MiB allocated in all, heap in use grew by at most %.1f MiB", float64(alloc)/(1<<20), float64(peak)/(1<<20))
	if alloc >= 32<<20 || peak >= 32<<20 {
		t.Errorf("allocated %d bytes, heap grew by %d while writing 300 MiB; want both below 32 MiB", alloc, peak)
	}
	want := src.sum()
	oracle.Run(t, "ntfsfix", "-n", img)

	// Our reader.
	rv, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := rv.Lookup("/big.bin")
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Stream("")
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(s, 0, s.Size())); err != nil {
		t.Fatal(err)
	}
	rec := f.Number()
	rv.Close()
	got := map[string]string{"reader": hex.EncodeToString(h.Sum(nil))}

	// icat (The Sleuth Kit).
	h.Reset()
	cmd := exec.Command("icat", img, strconv.FormatUint(uint64(rec), 10))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = h, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("icat: %v\n%s", err, stderr.Bytes())
	}
	got["icat"] = hex.EncodeToString(h.Sum(nil))

	// ntfs-3g.
	mnt := oracle.MountRO(t, img)
	mf, err := os.Open(filepath.Join(mnt, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	h.Reset()
	_, err = io.Copy(h, mf)
	mf.Close()
	if err != nil {
		t.Fatal(err)
	}
	got["ntfs-3g"] = hex.EncodeToString(h.Sum(nil))
	if d := cmp.Diff(map[string]string{"reader": want, "icat": want, "ntfs-3g": want}, got); d != "" {
		t.Errorf("sha256 of /big.bin (-want +got):\n%s", d)
	}
}

// TestStreamDryRunReadsOnce: a dry run reads a source of known size not
// at all and a pipe once (to count it), and plans the same allocation as
// the real run.
func TestStreamDryRunReadsOnce(t *testing.T) {
	base := streamBase(t)
	data := pseudo(3<<20+17, 6)
	for _, c := range []struct {
		name string
		r    func() *countingReader
		want int64
	}{
		{"known size", func() *countingReader { return &countingReader{r: bytes.NewReader(data)} }, 0},
		{"pipe", func() *countingReader { return &countingReader{r: onlyReader{bytes.NewReader(data)}} }, int64(len(data))},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := bytes.Clone(base)
			v, err := volume.OpenWritableOn(volume.NewMemDevice(img, 512), volume.Options{}, volume.WriteOptions{Journal: testutil.NewMemJournal(), Now: crashNow})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			r := c.r()
			dry, err := v.DryRun(func(tx *volume.Tx) error { return tx.Create("/e/x.bin", r) })
			if err != nil {
				t.Fatal(err)
			}
			if r.n != c.want {
				t.Errorf("the dry run read %d bytes, want %d", r.n, c.want)
			}
			if !bytes.Equal(img, base) {
				t.Fatal("the dry run changed the image")
			}
			real, err := v.UpdatePlan(func(tx *volume.Tx) error { return tx.Create("/e/x.bin", c.r()) })
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(real.Bitmaps, dry.Bitmaps); d != "" {
				t.Errorf("bitmap plan: real (-) vs dry run (+):\n%s", d)
			}
			if real.DataBytes != dry.DataBytes || dry.DataBytes < int64(len(data)) {
				t.Errorf("data bytes: real %d, dry run %d, file %d", real.DataBytes, dry.DataBytes, len(data))
			}
		})
	}
}

// countingReader counts the bytes read through it; it seeks when r does.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

func (c *countingReader) Seek(off int64, whence int) (int64, error) {
	s, ok := c.r.(io.Seeker)
	if !ok {
		return 0, errors.New("not seekable")
	}
	return s.Seek(off, whence)
}

// TestStreamSharesPages: with 512-byte clusters, small files staged in
// memory and streamed data share 4 KiB overlay pages, before and after
// the streaming; the commit must not write a staged page's older bytes
// over streamed data, nor the other way round.
func TestStreamSharesPages(t *testing.T) {
	img := filepath.Join(t.TempDir(), "p.img")
	if err := volume.Format(img, volume.FormatOptions{Size: 16 << 20, ClusterSize: 512}); err != nil {
		t.Fatal(err)
	}
	v, err := volume.OpenWritable(img, volume.Options{}, volume.WriteOptions{Journal: volume.FileJournal(filepath.Join(t.TempDir(), "j"))})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"/a": pseudo(1500, 31), "/b": pseudo(2<<20+100, 32), "/c": pseudo(1700, 33),
		"/d": pseudo(1<<20+1, 34), "/e": pseudo(900, 35),
	}
	err = v.Update(func(tx *volume.Tx) error {
		for _, p := range []string{"/a", "/b", "/c", "/d", "/e"} {
			var r io.Reader = bytes.NewReader(files[p])
			if p == "/d" {
				r = onlyReader{r}
			}
			if err := tx.Create(p, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	rv, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rv.Close()
	for p, want := range files {
		f, err := rv.Lookup(p)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.Stream("")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes read back differ from the %d written", p, len(got), len(want))
		}
	}
}
