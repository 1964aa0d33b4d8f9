package volume

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/internal/wof"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// wofImage builds (once, cached) the image of fixtures/mkwof.sh: files
// compressed by wimlib, placed as WOF files through ntfs-3g.
func wofImage(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("wimlib-imagex"); err != nil {
		oracle.Unavailable(t, "wimlib-imagex not installed: apt-get install wimtools")
	}
	return oracle.Image(t, "fixtures/mkwof.sh")
}

var wofDirs = []struct {
	dir string
	alg reparse.WOFAlgorithm
}{
	{"xpress4k", reparse.WOFXpress4K},
	{"xpress8k", reparse.WOFXpress8K},
	{"xpress16k", reparse.WOFXpress16K},
	{"lzx", reparse.WOFLZX},
}

var wofFiles = []string{"text.txt", "x86.bin", "pattern.txt", "mixed.bin", "random.bin", "small.txt"}

func readPath(t *testing.T, v *Volume, path string, raw bool) ([]byte, *Stream) {
	t.Helper()
	f, err := v.Lookup(path)
	if err != nil {
		t.Fatal(err)
	}
	var s *Stream
	if raw {
		s, err = f.RawStream("")
	} else {
		s, err = f.Stream("")
	}
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := s.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b, s
}

func TestWOFFiles(t *testing.T) {
	v, err := Open(wofImage(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, d := range wofDirs {
		for _, name := range wofFiles {
			t.Run(d.dir+"/"+name, func(t *testing.T) {
				want, plain := readPath(t, v, "/orig/"+name, false)
				if _, ok := plain.WOF(); ok {
					t.Errorf("/orig/%s reads as WOF", name)
				}
				path := "/wof/" + d.dir + "/" + name
				got, s := readPath(t, v, path, false)
				if !bytes.Equal(want, got) {
					t.Fatalf("%s differs from /orig/%s at byte %d", path, name, wofFirstDiff(want, got))
				}
				if alg, ok := s.WOF(); !ok || alg != d.alg {
					t.Errorf("Stream.WOF() = %v, %v; want %v, true", alg, ok, d.alg)
				}
				// Reads at any offset, across chunk edges.
				for _, off := range []int64{1, 4095, 8191, 16383, 32767, int64(len(want)) - 5} {
					if off < 0 || off >= int64(len(want)) {
						continue
					}
					p := make([]byte, 9000)
					n, err := s.ReadAt(p, off)
					if err != nil && err != io.EOF {
						t.Fatalf("ReadAt(%d): %v", off, err)
					}
					if !bytes.Equal(want[off:off+int64(n)], p[:n]) || n != min(len(p), len(want)-int(off)) {
						t.Fatalf("ReadAt(%d): %d bytes, differ from the original", off, n)
					}
				}
				// As stored: zeros, as TSK and go-ntfs show it.
				raw, _ := readPath(t, v, path, true)
				if d := cmp.Diff(make([]byte, len(want)), raw, cmp.Comparer(bytes.Equal)); d != "" {
					t.Errorf("RawStream is not %d zeros", len(want))
				}
			})
		}
	}
}

func wofFirstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestWOFErrors(t *testing.T) {
	img := oracle.CopyImage(t, wofImage(t))
	v, err := Open(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A WOF reparse point without WofCompressedData is an error, not an
	// empty file.
	f, err := v.Lookup("/wof/lzx/no-stream")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Stream("")
	var re *RecordError
	if !errors.As(err, &re) || re.Record != f.Number() || errors.Is(err, ErrNoAttr) {
		t.Errorf("no-stream: got %v, want a RecordError for record %d that is not ErrNoAttr", err, f.Number())
	}

	// Damage chunk 1 of text.txt on disk: reading it fails and says where.
	f, err = v.Lookup("/wof/xpress4k/text.txt")
	if err != nil {
		t.Fatal(err)
	}
	comp, err := f.RawStream(WOFStreamName)
	if err != nil {
		t.Fatal(err)
	}
	table := make([]byte, wof.TableSize(f.Size(), 4096))
	if err := comp.readFull(table, 0); err != nil {
		t.Fatal(err)
	}
	bounds, err := wof.DecodeChunkTable(table, f.Size(), 4096, comp.Size())
	if err != nil {
		t.Fatal(err)
	}
	runs := comp.Runs()
	if len(runs) != 1 {
		t.Fatalf("WofCompressedData has %d runs, want 1", len(runs))
	}
	dev := int64(runs[0].Start)*int64(v.ClusterSize()) + bounds[1]
	num := f.Number()
	v.Close()
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	for i := dev; i < dev+int64(bounds[2]-bounds[1]); i++ {
		b[i] = 0xff
	}
	if err := os.WriteFile(img, b, 0o644); err != nil {
		t.Fatal(err)
	}
	v, err = Open(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	f, err = v.File(num)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Stream("")
	if err != nil {
		t.Fatal(err)
	}
	p := make([]byte, 100)
	if _, err := s.ReadAt(p, 0); err != nil {
		t.Errorf("chunk 0 is intact but reading it fails: %v", err)
	}
	_, err = s.ReadAt(p, 5000)
	if !errors.Is(err, wof.ErrCorrupt) {
		t.Fatalf("damaged chunk 1: got %v, want wof.ErrCorrupt", err)
	}
	want := fmt.Sprintf("record %d WofCompressedData (XPRESS4K): chunk 1 (stream offset %#x", num, bounds[1])
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}
