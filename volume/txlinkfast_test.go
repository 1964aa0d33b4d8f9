package volume_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/volume"
)

// TestLinkRawSameBytes makes the same hard links on two copies of each
// volume, once with Link splicing records' bytes (linkRaw) and once
// through the general path, and requires byte-identical images, the same
// errors, and the splice to have made most of the links. The volumes come
// from mkntfs and our writer, from the Linux kernel's ntfs3 and from
// Windows XP, 7 and 10.
func TestLinkRawSameBytes(t *testing.T) {
	type source struct {
		name string
		path func(t *testing.T) string
		spec string
	}
	sources := []source{
		{"sample", func(t *testing.T) string { return filepath.Join(oracle.RepoRoot(t), "fixtures", "sample.img") }, ""},
		{"features", func(t *testing.T) string {
			return writeTemp(t, "features.img", oracle.ReadGzip(t, filepath.Join(oracle.RepoRoot(t), "fixtures", "testdata", "features.img.gz")))
		}, ""},
	}
	for _, ri := range realImages {
		sources = append(sources, source{ri.name, ri.path, ri.spec})
	}
	clock := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			orig, err := os.ReadFile(src.path(t))
			if err != nil {
				t.Fatal(err)
			}
			files, dirs := linkCandidates(t, writeTemp(t, "walk.img", orig)+src.spec)
			if len(files) == 0 {
				t.Fatal("no regular file to link")
			}
			var imgs [2][]byte
			var errs [2][]string
			raw := 0
			for k, on := range []bool{true, false} {
				img := writeTemp(t, fmt.Sprintf("img%d.img", k), orig)
				imgs[k] = updatedImage(t, img, src.spec, volume.WriteOptions{Force: true, Now: func() time.Time { return clock }}, func(tx *volume.Tx) error {
					tx.SetRawLink(on)
					for i, f := range files {
						for j, d := range dirs {
							if (i+j)%2 == 1 {
								continue
							}
							p := fmt.Sprintf("%s/raw-link-%03d-%d.txt", strings.TrimSuffix(d, "/"), i, j)
							if err := tx.Link(f, p); err != nil {
								errs[k] = append(errs[k], err.Error())
							}
						}
						// A second name in the first directory, and one
						// that exists already (in another case).
						if err := tx.Link(f, fmt.Sprintf("%s/raw-link-%03d-b.txt", strings.TrimSuffix(dirs[0], "/"), i)); err != nil {
							errs[k] = append(errs[k], err.Error())
						}
						if err := tx.Link(f, fmt.Sprintf("%s/RAW-LINK-%03d-B.TXT", strings.TrimSuffix(dirs[0], "/"), i)); err != nil {
							errs[k] = append(errs[k], err.Error())
						}
					}
					if on {
						raw = tx.RawLinks()
					}
					return nil
				})
			}
			if d := cmp.Diff(errs[1], errs[0]); d != "" {
				t.Errorf("errors differ (-general +raw):\n%s", d)
			}
			if len(errs[0]) < len(files) {
				t.Errorf("%d errors, want at least one per file (the name in another case)", len(errs[0]))
			}
			if !bytes.Equal(imgs[0], imgs[1]) {
				for off := range imgs[0] {
					if imgs[0][off] != imgs[1][off] {
						lo, hi := off&^15, min(off&^15+32, len(imgs[0]))
						t.Fatalf("images differ first at %#x:\nraw     % x\ngeneral % x", off, imgs[0][lo:hi], imgs[1][lo:hi])
					}
				}
			}
			if bytes.Equal(imgs[0], orig) {
				t.Logf("errors: %q", errs[0])
				t.Fatal("no link was made")
			}
			links := len(files)*len(dirs)/2 + len(files)
			t.Logf("%d files, %d directories: %d of about %d links spliced", len(files), len(dirs), raw, links)
			switch {
			case src.name == "linux-ntfs3-attrlist":
				// Every file is record 27, 100 names and an attribute
				// list: the general path makes every link.
				if raw != 0 {
					t.Errorf("%d links spliced into a record with an attribute list", raw)
				}
			case raw < links/2:
				t.Errorf("only %d of about %d links were spliced", raw, links)
			}
			checkLinks(t, writeTemp(t, "after.img", imgs[0])+src.spec, writeTemp(t, "before.img", orig)+src.spec, files, dirs)
		})
	}
}

// linkCandidates returns up to 40 regular files of the volume at img and
// up to 4 directories (the root first), all by clean path.
func linkCandidates(t *testing.T, img string) (files, dirs []string) {
	t.Helper()
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	dirs = []string{"/"}
	err = v.Walk("/", false, func(p string, e volume.DirEntry, f *volume.File, err error) error {
		if err != nil || strings.Contains(p, "$") || f.Number() < 24 {
			return nil
		}
		switch {
		case f.IsDir() && len(dirs) < 4:
			dirs = append(dirs, p)
		case !f.IsDir() && len(files) < 40:
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files, dirs
}

// updatedImage opens the image file img (with the partition spec, if
// any) for writing, runs each of fns in a transaction of its own, closes
// it and returns the file's bytes.
func updatedImage(t *testing.T, img, spec string, opts volume.WriteOptions, fns ...func(tx *volume.Tx) error) []byte {
	t.Helper()
	v, err := volume.OpenWritable(img+spec, volume.Options{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range fns {
		if err := v.Update(fn); err != nil {
			v.Close()
			t.Fatal(err)
		}
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkLinks opens the volume after the links and requires each name
// made to lead to its file, and no check error the volume before did
// not have.
func checkLinks(t *testing.T, after, before string, files, dirs []string) {
	t.Helper()
	errorsOf := func(img string) map[string]bool {
		v, err := volume.Open(img, volume.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		fs, err := volume.Check(v, volume.CheckOptions{NoPaths: true})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, f := range fs {
			if f.Severity == volume.SevError {
				out[string(f.Code)] = true
			}
		}
		return out
	}
	was := errorsOf(before)
	for code := range errorsOf(after) {
		if !was[code] {
			t.Errorf("check: new error %s after the links", code)
		}
	}
	v, err := volume.Open(after, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for i, f := range files {
		want, err := v.Lookup(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{fmt.Sprintf("%s/raw-link-%03d-b.txt", strings.TrimSuffix(dirs[0], "/"), i)} {
			got, err := v.Lookup(p)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			if got.Number() != want.Number() {
				t.Errorf("%s is record %d, want %d (%s)", p, got.Number(), want.Number(), f)
			}
		}
	}
}

// TestEditRecordsWithoutNumbers edits records whose header holds no
// record number (the Linux kernel's ntfs3 writes them so, as Windows 2000
// did): the writer once took such a record for record 0 and refused
// ("system file", or a reload of $MFT failing).
func TestEditRecordsWithoutNumbers(t *testing.T) {
	orig := realImages[0] // linux-ntfs3-attrlist: record 27 has 100 names
	if orig.name != "linux-ntfs3-attrlist" {
		t.Fatalf("realImages[0] is %s", orig.name)
	}
	img := orig.path(t)
	before := writeTemp(t, "before.img", mustRead(t, img))
	v, err := volume.OpenWritable(img, volume.Options{}, volume.WriteOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	err = v.Update(func(tx *volume.Tx) error {
		if err := tx.Unlink("/2.txt"); err != nil {
			return err
		}
		return tx.Link("/1.txt", "/linked.txt")
	})
	if cerr := v.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	v, err = volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.Lookup("/2.txt"); err == nil {
		t.Error("/2.txt still there")
	}
	f, err := v.Lookup("/linked.txt")
	if err != nil {
		t.Fatal(err)
	}
	if f.Number() != 27 || f.Rec.LinkCount != 100 {
		t.Errorf("/linked.txt: record %d with %d names, want 27 with 100", f.Number(), f.Rec.LinkCount)
	}
	if _, err := v.Lookup("/$MFT"); err != nil {
		t.Errorf("$MFT: %v", err)
	}
	checkLinks(t, img, before, nil, nil)
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
