//go:build linux

package volume_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/volume"
)

// formatImage makes an empty volume of size bytes with 4 KiB clusters,
// as mkfs --from does before populating it.
func formatImage(t *testing.T, size int64) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "p.img")
	if err := volume.Format(img, volume.FormatOptions{Size: size, ClusterSize: 4096, Label: "populate"}); err != nil {
		t.Fatal(err)
	}
	return img
}

func populate(t *testing.T, img, host, dest string, opts volume.PopulateOptions) error {
	t.Helper()
	v, err := volume.OpenWritable(img, volume.Options{}, volume.WriteOptions{
		Journal: volume.FileJournal(filepath.Join(t.TempDir(), "journal")),
		Now:     func() time.Time { return time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	return v.Update(func(tx *volume.Tx) error { return tx.Populate(host, dest, opts) })
}

// hostTree writes a tree with every kind of thing Populate copies and
// returns its root.
func hostTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	w := func(p, s string) {
		t.Helper()
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w("readme.txt", "hello\n")
	w("docs/notes/note.txt", "a note\n")
	w("docs/big.bin", strings.Repeat("0123456789abcdef", 20000))
	w("résumé-日本.txt", "unicode\n")
	w("empty", "")
	// A sparse file: 4 MiB with data at 0, 1 MiB and the end.
	sp := filepath.Join(root, "sparse.bin")
	f, err := os.Create(sp)
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []int64{0, 1 << 20, 4<<20 - 4} {
		if _, err := f.WriteAt([]byte("data"), off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	// Hard links.
	w("docs/linked.txt", "linked three times\n")
	for _, p := range []string{"linked-2.txt", "docs/notes/linked-3.txt"} {
		if err := os.Link(filepath.Join(root, "docs/linked.txt"), filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	// Symlinks: relative to a file and a directory, absolute, broken.
	for link, target := range map[string]string{
		"rel-file": "docs/notes/note.txt", "docs/up-dir": "../docs/notes",
		"abs": "/etc/hostname", "broken": "nowhere/x",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	// An extended attribute becomes a stream (where the host file system
	// has user xattrs).
	if err := syscall.Setxattr(filepath.Join(root, "readme.txt"), "user.stream", []byte("alternate"), 0); err != nil {
		t.Logf("no user xattrs here: %v", err)
	}
	// Times.
	old := time.Date(2019, 1, 2, 3, 4, 5, 600000000, time.UTC)
	for i, p := range []string{"readme.txt", "docs/notes", "docs/linked.txt", "sparse.bin", "docs"} {
		mt := old.Add(time.Duration(i) * time.Hour)
		if err := os.Chtimes(filepath.Join(root, p), mt.Add(time.Minute), mt); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// hostEntry is what the test compares of a name, on the host and through
// an ntfs-3g mount of the populated volume.
type hostEntry struct {
	Type    string
	Content string
	Nlink   uint64
	Target  string
	MTime   time.Time
	Blocks  int64 // allocated 512-byte blocks, files with holes only
	Streams map[string]string
}

// readTree walks dir with Lstat; absolute is how absolute symlink targets
// appear (ntfs-3g shows C:\x under its mount point).
func readTree(t *testing.T, dir string, sparse map[string]bool) map[string]hostEntry {
	t.Helper()
	out := map[string]hostEntry{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		st := fi.Sys().(*syscall.Stat_t)
		e := hostEntry{MTime: fi.ModTime().UTC().Truncate(100 * time.Nanosecond)} // FILETIME resolution
		switch {
		case fi.Mode().IsDir():
			e.Type = "dir"
		case fi.Mode().IsRegular():
			e.Type = "file"
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.Content = string(b)
			e.Nlink = uint64(st.Nlink)
			if sparse[rel] {
				e.Blocks = st.Blocks
			}
			if n, _ := syscall.Listxattr(p, nil); n > 0 {
				buf := make([]byte, n)
				n, _ = syscall.Listxattr(p, buf)
				for _, name := range strings.Split(string(buf[:n]), "\x00") {
					s, ok := strings.CutPrefix(name, "user.")
					if !ok {
						continue
					}
					v := make([]byte, 65536)
					k, err := syscall.Getxattr(p, name, v)
					if err != nil {
						return err
					}
					if e.Streams == nil {
						e.Streams = map[string]string{}
					}
					e.Streams[s] = string(v[:k])
				}
			}
		case fi.Mode()&os.ModeSymlink != 0:
			e.Type = "symlink"
			e.Target, err = os.Readlink(p)
			if err != nil {
				return err
			}
			e.MTime = time.Time{}
		}
		out[filepath.ToSlash(rel)] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPopulate copies a host tree into a new volume (volume.Format, as
// mkfs --from) and compares it
// with the host through a read-only ntfs-3g mount: names, contents,
// link counts, symlink targets, streams, modification times and, for
// the sparse file, the allocated size.
func TestPopulate(t *testing.T) {
	oracle.Require(t, "ntfs-3g", "ntfsfix")
	host := hostTree(t)
	img := formatImage(t, 32<<20)
	if err := populate(t, img, host, "/", volume.PopulateOptions{}); err != nil {
		t.Fatal(err)
	}
	oracle.Run(t, "ntfsfix", "-n", img)
	mnt := oracle.MountRO(t, img)
	sparse := map[string]bool{"sparse.bin": true}
	want := readTree(t, host, sparse)
	// ntfs-3g shows the absolute target C:\etc\hostname under its mount.
	e := want["abs"]
	e.Target = mnt + "/.NTFS-3G/C:/etc/hostname"
	want["abs"] = e
	// Broken relative links are shown by ntfs-3g as an unsupported tag;
	// the reparse data is checked through our reader below.
	delete(want, "broken")
	got := readTree(t, mnt, sparse)
	delete(got, "broken")
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("host tree vs ntfs-3g mount (-want +got):\n%s", d)
	}
	// Hard links share one record.
	var ino []uint64
	for _, p := range []string{"docs/linked.txt", "linked-2.txt", "docs/notes/linked-3.txt"} {
		fi, err := os.Lstat(filepath.Join(mnt, p))
		if err != nil {
			t.Fatal(err)
		}
		ino = append(ino, fi.Sys().(*syscall.Stat_t).Ino)
	}
	if ino[0] != ino[1] || ino[0] != ino[2] {
		t.Errorf("hard links: inodes %v, want one", ino)
	}
	// Our reader: targets as stored, directory times, creation time.
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, c := range []struct{ path, target string }{
		{"/rel-file", `docs\notes\note.txt`}, {"/docs/up-dir", `..\docs\notes`},
		{"/abs", `\??\C:\etc\hostname`}, {"/broken", `nowhere\x`},
	} {
		f, err := v.Lookup(c.path)
		if err != nil {
			t.Fatal(err)
		}
		rp, err := f.Reparse()
		if err != nil || rp == nil {
			t.Fatalf("%s: reparse %v, %v", c.path, rp, err)
		}
		d, err := rp.Describe()
		if err != nil {
			t.Fatal(err)
		}
		if d.Target != c.target {
			t.Errorf("%s: target %q, want %q", c.path, d.Target, c.target)
		}
	}
	f, err := v.Lookup("/docs/notes")
	if err != nil {
		t.Fatal(err)
	}
	si, err := f.StandardInfo()
	if err != nil {
		t.Fatal(err)
	}
	hfi, _ := os.Stat(filepath.Join(host, "docs/notes"))
	if got, want := si.Modified.Time(), hfi.ModTime().UTC(); !got.Equal(want) {
		t.Errorf("/docs/notes modified %v, want %v", got, want)
	}
	if si.Created.Time().IsZero() {
		t.Errorf("/docs/notes: no creation time")
	}
}

// TestPopulateRefuses checks that host names NTFS cannot hold fail with
// an error naming the host path, and change nothing.
func TestPopulateRefuses(t *testing.T) {
	img := formatImage(t, 8<<20)
	before, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		files []string
		want  error
	}{
		{"colon", []string{"a:b"}, volume.ErrInvalid},
		{"device", []string{"dir/CON.txt"}, volume.ErrInvalid},
		{"trailing-dot", []string{"x."}, volume.ErrInvalid},
		{"case", []string{"Readme", "readme"}, volume.ErrExist},
		{"backslash", []string{`a\b`}, volume.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			host := t.TempDir()
			for _, p := range c.files {
				hp := filepath.Join(host, p)
				os.MkdirAll(filepath.Dir(hp), 0o755)
				if err := os.WriteFile(hp, []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := populate(t, img, host, "/", volume.PopulateOptions{})
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if bad := filepath.Join(host, c.files[len(c.files)-1]); !strings.Contains(err.Error(), bad) {
				t.Errorf("error %q does not name %s", err, bad)
			}
		})
	}
	fifo := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(fifo, "pipe"), 0o644); err == nil {
		if err := populate(t, img, fifo, "/", volume.PopulateOptions{}); !errors.Is(err, volume.ErrInvalid) {
			t.Errorf("fifo: err = %v, want ErrInvalid", err)
		}
	}
	after, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Errorf("a refused populate changed the image")
	}
}
