package volume_test

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/volume"
)

// fsPaths turns volume paths ("/a/b") into io/fs paths ("a/b").
func fsPaths(ps []string) []string {
	var out []string
	for _, p := range ps {
		out = append(out, strings.TrimPrefix(p, "/"))
	}
	return out
}

// TestFSSample runs testing/fstest.TestFS on the committed sample image
// and checks modes, link targets and errors against its manifest
// (fixtures/sample.img.txt, records from TSK's fls).
func TestFSSample(t *testing.T) {
	v, err := openMem(t, sampleImage(t))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := fstest.TestFS(v, "readme.txt", "docs/notes/note.txt", "docs/notes/linked-2.txt", "compressed/text.txt", "sparse.bin", "résumé-日本.txt", "junction", "symlink"); err != nil {
		t.Fatal(err)
	}

	type info struct {
		Name   string
		Mode   fs.FileMode
		Record uint64
	}
	tests := []struct {
		path string
		want info
	}{
		{".", info{".", fs.ModeDir | 0o555, 5}},
		{"readme.txt", info{"readme.txt", 0o444, 67}},
		{"README.TXT", info{"readme.txt", 0o444, 67}}, // matched through $UpCase, stored name reported
		{"docs", info{"docs", fs.ModeDir | 0o555, 64}},
		{"docs/notes/linked-2.txt", info{"linked-2.txt", 0o444, 69}},
		{"junction", info{"junction", fs.ModeSymlink | 0o777, 71}},
		{"symlink", info{"symlink", fs.ModeSymlink | 0o777, 72}},
	}
	for _, tt := range tests {
		fi, err := fs.Stat(v, tt.path)
		if err != nil {
			t.Errorf("Stat(%q): %v", tt.path, err)
			continue
		}
		f, ok := fi.Sys().(*volume.File)
		if !ok {
			t.Errorf("Stat(%q).Sys() = %T, want *volume.File", tt.path, fi.Sys())
			continue
		}
		got := info{fi.Name(), fi.Mode(), uint64(f.Number())}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Stat(%q) (-want +got):\n%s", tt.path, diff)
		}
	}

	links := map[string]string{"junction": `\??\C:\target`, "symlink": `target\file.txt`}
	for p, want := range links {
		got, err := fs.ReadLink(v, p)
		if err != nil || got != want {
			t.Errorf("ReadLink(%q) = %q, %v; want %q", p, got, err, want)
		}
	}
	if _, err := fs.ReadLink(v, "readme.txt"); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("ReadLink of a plain file: %v, want fs.ErrInvalid", err)
	}

	b, err := fs.ReadFile(v, "docs/notes/linked-2.txt")
	if err != nil || string(b) != "linked three times\n" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}

	es, err := fs.ReadDir(v, ".")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	want := []string{"ads.txt", "compressed", "docs", "junction", "linked-3.txt", "readme.txt", "résumé-日本.txt", "sparse.bin", "symlink", "target"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("ReadDir(.) names (-want +got):\n%s", diff)
	}

	errTests := []struct {
		path string
		want error
	}{
		{"/readme.txt", fs.ErrInvalid},
		{"docs/", fs.ErrInvalid},
		{"docs/../readme.txt", fs.ErrInvalid},
		{"missing.txt", fs.ErrNotExist},
		{"readme.txt/x", volume.ErrNotDir},
	}
	for _, tt := range errTests {
		_, err := v.Open(tt.path)
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Path != tt.path || !errors.Is(err, tt.want) {
			t.Errorf("Open(%q) = %v, want *fs.PathError for that path matching %v", tt.path, err, tt.want)
		}
	}

	// A closed file reports fs.ErrClosed.
	f, err := v.Open("readme.txt")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := f.Read(make([]byte, 1)); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Read after Close: %v, want fs.ErrClosed", err)
	}
	// A directory cannot be read as bytes.
	d, err := v.Open("docs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Read(make([]byte, 1)); err == nil || err == io.EOF {
		t.Errorf("Read of a directory: %v, want an error", err)
	}
}

// fsExtra adds expected files (as fls -r -p lists them) to images whose
// realImages entry has none.
var fsExtra = map[string][]string{
	"win10-partitioned": {"$RECYCLE.BIN/S-1-5-21-2341207468-2645333676-3461800803-1001/desktop.ini"},
}

// TestFSRealImages runs fstest.TestFS on the Windows XP/7/10 and ntfs3
// images of ../shared/images and go-ntfs's Windows image, expecting the
// files TSK lists there (realImages.wantPaths).
func TestFSRealImages(t *testing.T) {
	for _, ri := range realImages {
		t.Run(ri.name, func(t *testing.T) {
			img := ri.path(t)
			v, err := volume.Open(img+ri.spec, volume.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			want := append(fsPaths(ri.wantPaths), fsExtra[ri.name]...)
			if err := fstest.TestFS(v, want...); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestFSInterop runs fstest.TestFS on the mkntfs + ntfs-3g interop image:
// large directories, hard links, junctions, Windows and Interix symlinks,
// compressed, sparse and unicode-named files.
func TestFSInterop(t *testing.T) {
	img := oracle.Image(t, "fixtures/mkinterop.sh")
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if err := fstest.TestFS(v, "dir1/dir2/dir3/dir4/deep.txt", "big2000/file-1999.txt", "del2000/gone-1234.txt",
		"compressed/big-text.txt", "sparse.bin", "日本語.txt", "smile-😀.txt", "interix-symlink", "junction", "symlink-rel"); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{"interix-symlink": "target/file.txt", "symlink-rel": `target\file.txt`, "junction": `\??\C:\target`} {
		fi, err := fs.Lstat(v, p)
		if err != nil || fi.Mode().Type() != fs.ModeSymlink {
			t.Errorf("Lstat(%q) = %v, %v; want a symlink", p, fi, err)
		}
		if got, err := fs.ReadLink(v, p); err != nil || got != want {
			t.Errorf("ReadLink(%q) = %q, %v; want %q", p, got, err, want)
		}
	}
	es, err := fs.ReadDir(v, "del2000")
	if err != nil || len(es) != 10 {
		t.Errorf("ReadDir(del2000) = %d entries, %v; want the 10 left", len(es), err)
	}
}
