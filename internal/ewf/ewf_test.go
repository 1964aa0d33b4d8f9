package ewf

import (
	"bytes"
	"errors"
	"hash/adler32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

func mem(name string, b []byte) Segment {
	return Segment{Name: name, R: bytes.NewReader(b), Size: int64(len(b))}
}

// readAll reads the whole media through ReadAt in pieces of n bytes at
// offsets that straddle chunks.
func readAll(t testing.TB, r io.ReaderAt, size int64, n int) []byte {
	t.Helper()
	out := make([]byte, size)
	for off := int64(0); off < size; off += int64(n) {
		end := min(off+int64(n), size)
		m, err := r.ReadAt(out[off:end], off)
		if err != nil && !(err == io.EOF && end == size) {
			t.Fatalf("ReadAt(%d bytes at %#x): %d, %v", end-off, off, m, err)
		}
		if m != int(end-off) {
			t.Fatalf("ReadAt(%d bytes at %#x) = %d", end-off, off, m)
		}
	}
	return out
}

func TestSegmentName(t *testing.T) {
	for _, tc := range []struct {
		first string
		n     int
		want  string
	}{
		{"d/x.E01", 1, "d/x.E01"},
		{"d/x.E01", 2, "d/x.E02"},
		{"d/x.E01", 99, "d/x.E99"},
		{"d/x.E01", 100, "d/x.EAA"},
		{"d/x.E01", 101, "d/x.EAB"},
		{"d/x.E01", 126, "d/x.EBA"},
		{"d/x.E01", 100 + 676, "d/x.FAA"},
		{"x.e01", 100, "x.eaa"},
		{"x.e01", 12, "x.e12"},
	} {
		got, err := segmentName(tc.first, tc.n)
		if err != nil || got != tc.want {
			t.Errorf("segmentName(%q, %d) = %q, %v; want %q", tc.first, tc.n, got, err, tc.want)
		}
	}
	if _, err := segmentName("x.E01", 100+676*22); err == nil {
		t.Error("segment past .ZZZ: no error")
	}
}

// TestCommitted reads testdata/small.E01 (ewfacquire: compressed and stored
// chunks of 8 KiB) and compares it with the raw bytes it was made from.
func TestCommitted(t *testing.T) {
	raw := oracle.ReadGzip(t, "testdata/small.raw.gz")
	im, err := Open("testdata/small.E01")
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	if diff := cmp.Diff([]int64{int64(len(raw)), 512, 8192}, []int64{im.Size(), int64(im.SectorSize()), im.ChunkSize()}); diff != "" {
		t.Errorf("size, sector, chunk (-want +got):\n%s", diff)
	}
	for _, n := range []int{1 << 20, 8192, 4096, 3000, 511} {
		if got := readAll(t, im, im.Size(), n); !bytes.Equal(got, raw) {
			t.Errorf("read in pieces of %d: media differs from small.raw", n)
		}
	}
	// Reads at and past the end.
	b := make([]byte, 10)
	if n, err := im.ReadAt(b, im.Size()-4); n != 4 || err != io.EOF {
		t.Errorf("ReadAt across the end = %d, %v; want 4, EOF", n, err)
	}
	if n, err := im.ReadAt(b, im.Size()); n != 0 || err != io.EOF {
		t.Errorf("ReadAt at the end = %d, %v; want 0, EOF", n, err)
	}
	if _, err := im.ReadAt(b, -1); err == nil {
		t.Error("ReadAt at -1: no error")
	}
}

// fixChecksums recomputes every section descriptor's Adler-32 along the
// chain of seg (a single-segment image), so mutations reach the decoders
// behind the checksums.
func fixChecksums(seg []byte) {
	off := int64(fileHeaderSize)
	for range 64 {
		if off < 0 || off+descriptorSize > int64(len(seg)) {
			return
		}
		d := seg[off : off+descriptorSize]
		le.PutUint32(d[72:], adler32.Checksum(d[:72]))
		nxt := int64(le.Uint64(d[16:]))
		if string(bytes.TrimRight(d[:16], "\x00")) == "table" {
			b := off + descriptorSize
			if b+tableHeaderLen <= int64(len(seg)) {
				le.PutUint32(seg[b+20:], adler32.Checksum(seg[b:b+20]))
				n := int64(le.Uint32(seg[b:]))
				if e := b + tableHeaderLen; n >= 0 && e+4*n+4 <= int64(len(seg)) {
					le.PutUint32(seg[e+4*n:], adler32.Checksum(seg[e:e+4*n]))
				}
			}
		}
		if nxt <= off {
			return
		}
		off = nxt
	}
}

func TestCorrupt(t *testing.T) {
	img, err := os.ReadFile("testdata/small.E01")
	if err != nil {
		t.Fatal(err)
	}
	// Offsets in small.E01 (see testdata/README.md): the volume section's
	// descriptor is at 648, the sectors section at 1776 (chunk 0, stored,
	// at 1776+0x4c), the table at 51725 and its copy table2 at 51893.
	const volume, chunk0, tbl, tbl2 = 648, 1776 + 0x4c, 51725, 51893
	messWith := func(f func(b []byte)) []byte {
		b := bytes.Clone(img)
		f(b)
		return b
	}
	for _, tc := range []struct {
		name    string
		img     []byte
		wantErr error  // from New, or else from reading everything
		field   string // in the CorruptError
	}{
		{"signature", messWith(func(b []byte) { b[0] = 'X' }), ErrCorrupt, "signature"},
		{"ewf2", messWith(func(b []byte) { copy(b, SignatureV2) }), ErrUnsupported, ""},
		{"segment number", messWith(func(b []byte) { b[9] = 2 }), ErrCorrupt, "segment number"},
		{"descriptor checksum", messWith(func(b []byte) { b[13+5] ^= 1 }), ErrCorrupt, "section descriptor checksum"},
		{"volume checksum", messWith(func(b []byte) { b[volume+76+8] ^= 1 }), ErrCorrupt, "volume checksum"},
		{"truncated", img[:tbl+10], ErrCorrupt, ""},
		{"stored chunk checksum", messWith(func(b []byte) { b[chunk0+100] ^= 1 }), ErrCorrupt, "chunk 0: checksum"},
		{"compressed chunk", messWith(func(b []byte) { b[1776+0x2050+20] ^= 0xff }), ErrCorrupt, ""},
		{"both tables", messWith(func(b []byte) { b[tbl+76+24] ^= 1; b[tbl2+76+24] ^= 1 }), ErrCorrupt, "table entries checksum"},
		{"table header", messWith(func(b []byte) { b[tbl+76] ^= 1 }), ErrCorrupt, "table header checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			im, err := New([]Segment{mem("x.E01", tc.img)})
			if err == nil {
				_, err = io.ReadAll(io.NewSectionReader(im, 0, im.Size()))
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v; want %v", err, tc.wantErr)
			}
			var ce *CorruptError
			if tc.field != "" && (!errors.As(err, &ce) || !strings.Contains(ce.Field, tc.field)) {
				t.Errorf("err = %v; want a CorruptError about %q", err, tc.field)
			}
			if ce != nil && !strings.HasPrefix(err.Error(), "ewf: x.E01") {
				t.Errorf("error %q does not name the segment", err)
			}
		})
	}
	// A bad table falls back to its table2 copy.
	im, err := New([]Segment{mem("x.E01", messWith(func(b []byte) { b[tbl+76+24] ^= 1 }))})
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, im, im.Size(), 1<<20); !bytes.Equal(got, oracle.ReadGzip(t, "testdata/small.raw.gz")) {
		t.Error("bad table, good table2: media differs")
	}
}

func FuzzNew(f *testing.F) {
	img, err := os.ReadFile("testdata/small.E01")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(img, false)
	f.Add(img[:2000], true)
	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		if fix {
			fixChecksums(b)
		}
		im, err := New([]Segment{mem("f.E01", b)})
		if err != nil {
			return
		}
		// Read the start, a middle and the end of the media: errors are
		// fine, panics are not.
		p := make([]byte, 64<<10)
		for _, off := range []int64{0, im.Size() / 2, im.Size() - 100} {
			im.ReadAt(p, max(off, 0))
		}
	})
}

// ewfImage runs ewfacquire on src with args into a temporary directory and
// returns the first segment file.
func ewfImage(t *testing.T, src string, args ...string) string {
	t.Helper()
	oracle.Require(t, "ewfacquire")
	out := filepath.Join(t.TempDir(), "img")
	oracle.Run(t, "ewfacquire", append(append([]string{"-u", "-q", "-t", out}, args...), src)...)
	return out + ".E01"
}

// TestEwfacquire reads images made by libewf's ewfacquire from the sample
// volume, in several formats, compressions and segment sizes, and compares
// the media with the raw image byte for byte; ewfverify (libewf) must
// accept the same files.
func TestEwfacquire(t *testing.T) {
	src := filepath.Join(oracle.RepoRoot(t), "fixtures", "sample.img")
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		segments int
	}{
		{"stored, 1 MiB segments", []string{"-c", "none", "-S", "1048576"}, 3},
		{"best", []string{"-c", "best"}, 1},
		{"fast, 16-sector chunks", []string{"-c", "fast", "-b", "16"}, 1},
		{"empty-block", []string{"-c", "empty-block"}, 1},
		{"encase5", []string{"-f", "encase5", "-c", "best"}, 1},
		{"encase7", []string{"-f", "encase7", "-c", "best", "-b", "128"}, 1},
		{"ftk", []string{"-f", "ftk", "-c", "none", "-S", "1048576"}, 3},
		{"4096-byte sectors", []string{"-P", "4096", "-c", "fast"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ewfImage(t, src, tc.args...)
			oracle.Require(t, "ewfverify")
			oracle.Run(t, "ewfverify", "-q", path)
			im, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer im.Close()
			if got := len(im.Segments()); got != tc.segments {
				t.Errorf("%d segments %v, want %d", got, im.Segments(), tc.segments)
			}
			if im.Size() != int64(len(raw)) {
				t.Fatalf("size %d, want %d", im.Size(), len(raw))
			}
			for _, n := range []int{1 << 20, 64 << 10, 12345} {
				if got := readAll(t, im, im.Size(), n); !bytes.Equal(got, raw) {
					t.Fatalf("pieces of %d: media differs from the raw image", n)
				}
			}
		})
	}
}

func TestMissingSegment(t *testing.T) {
	src := filepath.Join(oracle.RepoRoot(t), "fixtures", "sample.img")
	path := ewfImage(t, src, "-c", "none", "-S", "1048576")
	e02 := strings.TrimSuffix(path, ".E01") + ".E02"
	if err := os.Remove(e02); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path)
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), e02) {
		t.Errorf("Open without .E02 = %v; want an error naming %s", err, e02)
	}
}
