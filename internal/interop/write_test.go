package interop

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/volume"
)

// model is what a test expects the volume to hold after its edits: one
// entry per path below the directories the test owns.
type model map[string]modelEntry

type modelEntry struct {
	Type    string // "file", "dir", "symlink"
	Content string // files
	Group   string // files sharing a Group are hard links of one record
	Target  string // symlinks and junctions: the substitute name as stored
}

// freshImage formats a sparse image of size bytes with mkntfs.
func freshImage(t *testing.T, size int64, args ...string) string {
	t.Helper()
	oracle.Require(t, "mkntfs")
	img := filepath.Join(t.TempDir(), "w.img")
	if err := os.WriteFile(img, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, size); err != nil {
		t.Fatal(err)
	}
	oracle.Run(t, "mkntfs", append([]string{"-F", "-q", "-f", "-L", "writer"}, append(args, img)...)...)
	return img
}

func openRW(t *testing.T, img string, w volume.WriteOptions) *volume.Volume {
	t.Helper()
	if w.Journal == nil {
		w.Journal = volume.FileJournal(filepath.Join(t.TempDir(), "journal"))
	}
	w.Now = func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }
	v, err := volume.OpenWritable(img, volume.Options{}, w)
	if err != nil {
		t.Fatalf("OpenWritable: %v", err)
	}
	return v
}

// checkModel compares the tree below each root of m's directories as seen
// by an ntfs-3g read-only mount (names, types, contents, hard-link
// identity through inode numbers, link counts), proves every name is found
// by a lookup through the mount (which descends the B-tree: a misordered
// index fails it), and compares with fls -r -p and our own reader.
func checkModel(t *testing.T, img string, roots []string, m model) {
	t.Helper()
	t.Run("oracles", func(t *testing.T) { checkModelOracles(t, img, roots, m) })
}

func checkModelOracles(t *testing.T, img string, roots []string, m model) {
	mnt := oracle.MountRO(t, img)
	got := model{}
	inodes := map[string]uint64{}
	links := map[uint64]uint64{}
	for _, e := range oracle.MountTree(t, mnt) {
		if !under(e.Path, roots) {
			continue
		}
		if e.Err != "" {
			t.Errorf("ntfs-3g: %s: %s", e.Path, e.Err)
			continue
		}
		me := modelEntry{Type: e.Type}
		switch e.Type {
		case "file":
			b, err := os.ReadFile(filepath.Join(mnt, e.Path))
			if err != nil {
				t.Errorf("ntfs-3g: read %s: %v", e.Path, err)
			}
			me.Content = string(b)
			inodes[e.Path] = e.Inode
			links[e.Inode] = e.Links
		case "symlink":
			me.Target = reparseSubst(t, e.ReparseData)
		}
		got[e.Path] = me
	}
	want := model{}
	groups := map[string][]string{}
	for p, e := range m {
		if e.Group != "" {
			groups[e.Group] = append(groups[e.Group], p)
		}
		e.Group = ""
		want[p] = e
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("tree through the ntfs-3g mount (-want +got):\n%s", d)
	}
	for g, paths := range groups {
		sort.Strings(paths)
		ino := inodes[paths[0]]
		for _, p := range paths[1:] {
			if inodes[p] != ino {
				t.Errorf("hard links of %s: %s has inode %d, %s has %d", g, paths[0], ino, p, inodes[p])
			}
		}
		if links[ino] < uint64(len(paths)) {
			t.Errorf("hard links of %s: link count %d, want at least %d", g, links[ino], len(paths))
		}
	}
	// Lookups through the mount, by exact name and in another case.
	for p := range m {
		if _, err := os.Lstat(filepath.Join(mnt, p)); err != nil {
			t.Errorf("ntfs-3g lookup: %v", err)
		}
	}
	// fls agrees on the names. TSK 4.11 also lists, as live, entries it
	// finds in INDX blocks the index $BITMAP marks unused (blocks freed
	// by a merge): each such extra name must belong to a record istat
	// reports as not allocated or as holding other names (reused).
	var names []string
	for p := range m {
		names = append(names, p)
	}
	sort.Strings(names)
	seen := map[string]bool{}
	var fls []string
	for _, e := range oracle.Fls(t, img, "-r", "-p") {
		if e.Stream != "" || e.Deleted || !under(e.Path, roots) || seen[e.Path] {
			continue
		}
		seen[e.Path] = true
		if _, ok := m[e.Path]; !ok {
			// Stale: the record is free, or was reused for another name.
			if st := oracle.Istat(t, img, e.Record); st.Allocated && strings.Contains(st.Text, "\nName: "+path.Base(e.Path)+"\n") {
				t.Errorf("fls lists %s (record %d), which is not in the model, and the record holds that name", e.Path, e.Record)
			}
			continue
		}
		fls = append(fls, e.Path)
	}
	sort.Strings(fls)
	if d := cmp.Diff(names, fls); d != "" {
		t.Errorf("fls -r -p (-want +got):\n%s", d)
	}
}

func under(p string, roots []string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// reparseSubst returns the substitute name of a junction or symlink buffer.
func reparseSubst(t *testing.T, b []byte) string {
	t.Helper()
	if len(b) < 16 {
		return ""
	}
	le := func(i int) int { return int(b[i]) | int(b[i+1])<<8 }
	off, n := le(8), le(10)
	base := 16
	if b[3] == 0xA0 && b[0] == 0x0C {
		base = 20 // symlink: flags before the names
	}
	if base+off+n > len(b) {
		t.Errorf("reparse buffer %x: names out of range", b)
		return ""
	}
	u := make([]rune, 0, n/2)
	for i := base + off; i < base+off+n; i += 2 {
		u = append(u, rune(le(i)))
	}
	return string(u)
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestWriterEdits applies every kind of edit through the library and
// checks the result with ntfs-3g, fls and a read-write ntfs-3g session.
func TestWriterEdits(t *testing.T) {
	oracle.Require(t, "ntfs-3g", "fls")
	img := freshImage(t, 64<<20)
	v := openRW(t, img, volume.WriteOptions{})
	m := model{}
	err := v.Update(func(tx *volume.Tx) error {
		steps := []func() error{
			func() error { return tx.Mkdir("/w") },
			func() error { return tx.Create("/w/a.txt", strings.NewReader("hello")) },
			func() error { return tx.Link("/w/a.txt", "/w/b.txt") },
			func() error { return tx.Mkdir("/w/sub") },
			func() error { return tx.Link("/w/a.txt", "/w/sub/c.txt") },
			func() error {
				return tx.Create("/w/big.bin", bytes.NewReader(bytes.Repeat([]byte("0123456789abcdef"), 1000)))
			},
			func() error { return tx.Symlink("/w/sl", `..\a.txt`, volume.SymlinkOptions{}) },
			func() error { return tx.Symlink("/w/sld", `C:\target`, volume.SymlinkOptions{Dir: true}) },
			func() error { return tx.Junction("/w/j", `C:\target`) },
			func() error { return tx.Create("/w/gone.txt", strings.NewReader("x")) },
			func() error { return tx.Unlink("/w/gone.txt") },
		}
		for i, s := range steps {
			if err := s(); err != nil {
				return fmt.Errorf("step %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m["/w"] = modelEntry{Type: "dir"}
	m["/w/sub"] = modelEntry{Type: "dir"}
	for _, p := range []string{"/w/a.txt", "/w/b.txt", "/w/sub/c.txt"} {
		m[p] = modelEntry{Type: "file", Content: "hello", Group: "a"}
	}
	m["/w/big.bin"] = modelEntry{Type: "file", Content: strings.Repeat("0123456789abcdef", 1000)}
	m["/w/sl"] = modelEntry{Type: "symlink", Target: `..\a.txt`}
	m["/w/sld"] = modelEntry{Type: "symlink", Target: `\??\C:\target`}
	m["/w/j"] = modelEntry{Type: "symlink", Target: `\??\C:\target`}
	// A directory large enough for several INDX levels, then shrunk.
	const n = 400
	err = v.Update(func(tx *volume.Tx) error {
		if err := tx.Mkdir("/many"); err != nil {
			return err
		}
		for i := range n {
			name := fmt.Sprintf("/many/file-%04d-%s.txt", i, strings.Repeat("x", i%40))
			if err := tx.Create(name, strings.NewReader(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m["/many"] = modelEntry{Type: "dir"}
	err = v.Update(func(tx *volume.Tx) error {
		for i := range n {
			name := fmt.Sprintf("/many/file-%04d-%s.txt", i, strings.Repeat("x", i%40))
			if i%3 == 0 {
				m[name] = modelEntry{Type: "file", Content: name}
				continue
			}
			if err := tx.Unlink(name); err != nil {
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
	roots := []string{"/w", "/many"}
	checkModel(t, img, roots, m)

	// ntfs-3g writes into the same directories and unmounts cleanly; our
	// reader then sees its changes.
	if d := os.Getenv("NTFSEDIT_KEEP"); d != "" {
		b, _ := os.ReadFile(img)
		os.WriteFile(filepath.Join(d, "before-rw.img"), b, 0o644)
	}
	mnt, unmount := oracle.MountRW(t, img)
	for i := range 50 {
		p := filepath.Join(mnt, "many", fmt.Sprintf("n3g-%03d", i))
		if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
			t.Fatalf("ntfs-3g write: %v", err)
		}
		m[path.Join("/many", filepath.Base(p))] = modelEntry{Type: "file", Content: p}
	}
	for p := range m {
		if strings.HasPrefix(p, "/many/file-") && len(p)%2 == 0 {
			if err := os.Remove(filepath.Join(mnt, p)); err != nil {
				t.Fatalf("ntfs-3g remove: %v", err)
			}
			delete(m, p)
		}
	}
	if err := os.Remove(filepath.Join(mnt, "w", "b.txt")); err != nil {
		t.Fatalf("ntfs-3g remove: %v", err)
	}
	delete(m, "/w/b.txt")
	unmount()
	checkModel(t, img, roots, m)
	ro, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var ours []string
	err = ro.Walk("/", false, func(p string, e volume.DirEntry, f *volume.File, err error) error {
		if err != nil {
			return err
		}
		if under(p, roots) && !e.DOSOnly() {
			ours = append(ours, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for p := range m {
		want = append(want, p)
	}
	sort.Strings(want)
	sort.Strings(ours)
	if d := cmp.Diff(want, ours); d != "" {
		t.Errorf("our reader after ntfs-3g's changes (-want +got):\n%s", d)
	}
	_ = sum
}
