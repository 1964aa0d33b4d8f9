package volume_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// sampleImage returns the bytes of the committed sample image (made by
// fixtures.Build from the spec fixtures.Sample, see fixtures/specs.go).
func sampleImage(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(oracle.RepoRoot(t), "fixtures", "sample.img"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openMem(t *testing.T, b []byte) (*volume.Volume, error) {
	t.Helper()
	return volume.OpenOn(volume.NewMemDevice(b, 512), volume.Options{})
}

// messWith returns a copy of img changed by f (zip's test idiom).
func messWith(img []byte, f func(b []byte)) []byte {
	c := bytes.Clone(img)
	f(c)
	return c
}

func TestSampleTree(t *testing.T) {
	v, err := openMem(t, sampleImage(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Info(); got.Label != "SAMPLE" || got.Version != "3.1" || !got.MFTMirrOK || got.UpCase != "$UpCase" {
		t.Errorf("info = %+v", got)
	}
	var paths []string
	if err := v.Walk("/", false, func(p string, e volume.DirEntry, f *volume.File, err error) error {
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		paths = append(paths, p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The manifest lists the same tree as TSK saw it when the image was
	// made; here the order is index order ($UpCase collation).
	want := []string{
		"/ads.txt", "/compressed", "/compressed/text.txt", "/docs", "/docs/linked.txt",
		"/docs/notes", "/docs/notes/linked-2.txt", "/docs/notes/note.txt", "/junction",
		"/linked-3.txt", "/readme.txt", "/résumé-日本.txt", "/sparse.bin", "/symlink",
		"/target", "/target/file.txt",
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("walk (-want +got):\n%s", diff)
	}
}

func TestLookup(t *testing.T) {
	v, err := openMem(t, sampleImage(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		want    mft.RecordNumber
		wantErr error
	}{
		{"/", mft.RecordRoot, nil},
		{"/docs/notes/note.txt", 68, nil},
		{"/DOCS/Notes/NOTE.TXT", 68, nil}, // case-insensitive through $UpCase
		{"docs//notes/./note.txt", 68, nil},
		{"/RÉSUMÉ-日本.TXT", 74, nil},
		{"#69", 69, nil},
		{"/docs/missing", 0, fs.ErrNotExist},
		{"/readme.txt/x", 0, volume.ErrNotDir},
		{"#999999", 0, fs.ErrNotExist},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			f, err := v.Lookup(tc.path)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Lookup(%q) error = %v, want %v", tc.path, err, tc.wantErr)
				}
				var pe *fs.PathError
				if !errors.As(err, &pe) {
					t.Errorf("error %v is not an *fs.PathError naming the path", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Number() != tc.want {
				t.Errorf("Lookup(%q) = record %d, want %d", tc.path, f.Number(), tc.want)
			}
		})
	}
}

func TestHardLinkNames(t *testing.T) {
	v, err := openMem(t, sampleImage(t))
	if err != nil {
		t.Fatal(err)
	}
	f, err := v.Lookup("/linked-3.txt")
	if err != nil {
		t.Fatal(err)
	}
	names, err := f.Names()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, n := range names {
		p, ok := v.PathOf(n)
		if !ok {
			t.Errorf("PathOf(%s) not resolved", n.NameString())
		}
		paths = append(paths, p)
	}
	want := []string{"/docs/linked.txt", "/docs/notes/linked-2.txt", "/linked-3.txt"}
	if diff := cmp.Diff(want, sortedCopy(paths)); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if f.LinkCount() != 3 {
		t.Errorf("link count %d, want 3", f.LinkCount())
	}
}

// recordOffset returns the byte offset of record n in img (the sample's
// $MFT is contiguous).
func recordOffset(t *testing.T, v *volume.Volume, n mft.RecordNumber) int64 {
	t.Helper()
	info := v.Info()
	if info.MFTExtents != 1 {
		t.Fatalf("sample $MFT has %d extents", info.MFTExtents)
	}
	return info.MFTCluster*int64(info.ClusterSize) + int64(n)*int64(info.RecordSize)
}

func TestCorruption(t *testing.T) {
	img := sampleImage(t)
	v, err := openMem(t, img)
	if err != nil {
		t.Fatal(err)
	}
	note := recordOffset(t, v, 68)
	docs := recordOffset(t, v, 64)

	t.Run("not NTFS", func(t *testing.T) {
		_, err := openMem(t, messWith(img, func(b []byte) { copy(b[3:], "MSDOS5.0") }))
		if !errors.Is(err, volume.ErrNotNTFS) {
			t.Fatalf("err = %v, want ErrNotNTFS", err)
		}
	})
	t.Run("bad cluster size", func(t *testing.T) {
		_, err := openMem(t, messWith(img, func(b []byte) { b[0x0D] = 3 }))
		var be *volume.BootError
		if !errors.As(err, &be) || be.Offset != 0x0D {
			t.Fatalf("err = %v, want a BootError at 0x0d", err)
		}
	})
	t.Run("torn record", func(t *testing.T) {
		bad := messWith(img, func(b []byte) { b[note+0x3FE] ^= 0xFF })
		v, err := openMem(t, bad)
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Lookup("/docs/notes/note.txt")
		var ce *mft.CorruptError
		if !errors.As(err, &ce) || ce.Record != 68 || ce.Offset != 0x3FE {
			t.Fatalf("err = %v, want a CorruptError for record 68 at 0x3fe", err)
		}
		if !strings.Contains(err.Error(), "/docs/notes/note.txt") {
			t.Errorf("error %q does not name the path", err)
		}
	})
	t.Run("stale entry", func(t *testing.T) {
		// Bump the sequence number of note.txt's record: its index entry
		// now refers to an older incarnation.
		bad := messWith(img, func(b []byte) {
			seq := binary.LittleEndian.Uint16(b[note+0x10:])
			binary.LittleEndian.PutUint16(b[note+0x10:], seq+1)
		})
		v, err := openMem(t, bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Lookup("/docs/notes/note.txt"); !errors.Is(err, volume.ErrStale) {
			t.Fatalf("err = %v, want ErrStale", err)
		}
	})
	t.Run("torn directory record", func(t *testing.T) {
		bad := messWith(img, func(b []byte) { b[docs+0x1FE] ^= 0xFF })
		v, err := openMem(t, bad)
		if err != nil {
			t.Fatal(err)
		}
		var errs []error
		if err := v.Walk("/", false, func(p string, e volume.DirEntry, f *volume.File, err error) error {
			if err != nil {
				errs = append(errs, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(errs) != 1 || !errors.Is(errs[0], mft.ErrCorrupt) || !strings.Contains(errs[0].Error(), "/docs") {
			t.Fatalf("walk errors = %v, want one located error for /docs", errs)
		}
	})
	t.Run("truncated image", func(t *testing.T) {
		v, err := openMem(t, img[:len(img)/2])
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Info().Warnings) == 0 {
			t.Errorf("no warning for a truncated image")
		}
	})
	t.Run("mirror differs", func(t *testing.T) {
		mirr := v.Info().MFTMirrCluster * int64(v.Info().ClusterSize)
		v, err := openMem(t, messWith(img, func(b []byte) { b[mirr+0x100] ^= 1 }))
		if err != nil {
			t.Fatal(err)
		}
		if v.Info().MFTMirrOK || !strings.Contains(strings.Join(v.Info().Warnings, "\n"), "$MFTMirr differs") {
			t.Errorf("info = %+v, want a $MFTMirr warning", v.Info())
		}
	})
}

func TestStreams(t *testing.T) {
	v, err := openMem(t, sampleImage(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, stream string
		want         func([]byte) bool
	}{
		{"/docs/notes/note.txt", "", func(b []byte) bool { return len(b) > 0 }},
		{"/ads.txt", "stream", func(b []byte) bool { return len(b) > 0 }},
		{"/sparse.bin", "", func(b []byte) bool { return len(b) == 1<<20 }},
		{"/compressed/text.txt", "", func(b []byte) bool { return len(b) > 4096 }},
	}
	for _, tc := range tests {
		f, err := v.Lookup(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.Stream(tc.stream)
		if err != nil {
			t.Fatalf("%s:%s: %v", tc.path, tc.stream, err)
		}
		b, err := s.ReadAll()
		if err != nil {
			t.Fatalf("%s:%s: %v", tc.path, tc.stream, err)
		}
		if !tc.want(b) {
			t.Errorf("%s:%s: unexpected %d bytes", tc.path, tc.stream, len(b))
		}
		// Reading in odd-sized pieces gives the same bytes.
		var pieces []byte
		r := io.NewSectionReader(s, 0, s.Size())
		buf := make([]byte, 777)
		for {
			n, err := r.Read(buf)
			pieces = append(pieces, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(pieces, b) {
			t.Errorf("%s:%s: piecewise read differs", tc.path, tc.stream)
		}
	}
}

// TestWalkReadsEachClusterOnce counts device reads during a whole-tree walk
// of the sample: every cluster is read at most once.
func TestWalkReadsEachClusterOnce(t *testing.T) {
	d := &countingDevice{Device: volume.NewMemDevice(sampleImage(t), 512), pages: map[int64]int{}}
	v, err := volume.OpenOn(d, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.pages = map[int64]int{}
	cs := int64(v.ClusterSize())
	d.unit = cs
	if err := v.Walk("/", true, func(string, volume.DirEntry, *volume.File, error) error { return nil }); err != nil {
		t.Fatal(err)
	}
	for c, n := range d.pages {
		if n > 1 {
			t.Errorf("cluster %d read %d times", c, n)
		}
	}
	if len(d.pages) == 0 {
		t.Fatal("walk read nothing")
	}
}

type countingDevice struct {
	volume.Device
	unit  int64
	pages map[int64]int
}

func (c *countingDevice) ReadAt(p []byte, off int64) (int, error) {
	if c.unit > 0 {
		for o := off / c.unit; o*c.unit < off+int64(len(p)); o++ {
			c.pages[o]++
		}
	}
	return c.Device.ReadAt(p, off)
}

// TestWalkTreeLazy: a header-only walk lists the same paths as Walk, and
// the files it hands out still decode their attributes on demand.
func TestWalkTreeLazy(t *testing.T) {
	v, err := openMem(t, sampleImage(t))
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	if err := v.Walk("/", true, func(p string, e volume.DirEntry, f *volume.File, err error) error {
		want = append(want, p)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int64{}
	err = volume.WalkTreeLazy(v, "/", true,
		func(p string, e volume.DirEntry, f *volume.File, err error) string {
			if err != nil {
				t.Errorf("%s: %v", p, err)
				return p
			}
			if p == "/readme.txt" {
				sizes[p] = f.Size() // decodes the attributes now
			}
			return p
		},
		func(p string) error { got = append(got, p); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("lazy walk (-Walk +lazy):\n%s", diff)
	}
	if sizes["/readme.txt"] != 29 {
		t.Errorf("size of /readme.txt through a lazy file = %d, want 29", sizes["/readme.txt"])
	}
}
