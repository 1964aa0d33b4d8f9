//go:build linux

package interop

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/mft"
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

// keep copies img to $NTFSEDIT_KEEP/NAME.img for checks by hand
// (ntfsck, the ntfs3 VM) when that variable is set.
func keep(t *testing.T, img, name string) {
	if d := os.Getenv("NTFSEDIT_KEEP"); d != "" {
		b, err := os.ReadFile(img)
		if err == nil {
			err = os.WriteFile(filepath.Join(d, name+".img"), b, 0o644)
		}
		if err != nil {
			t.Logf("keep %s: %v", name, err)
		}
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
	// $MFT grew (records 0 and 1 changed): $MFTMirr must follow.
	if ro, err := volume.Open(img, volume.Options{}); err != nil {
		t.Fatal(err)
	} else {
		if i := ro.Info(); !i.MFTMirrOK || len(i.Warnings) > 0 {
			t.Errorf("after the edits: $MFTMirr ok %v, warnings %q", i.MFTMirrOK, i.Warnings)
		}
		ro.Close()
	}
	roots := []string{"/w", "/many"}
	checkModel(t, img, roots, m)
	t.Run("security", func(t *testing.T) {
		// New records get the descriptor Windows gives a new file or
		// directory under the mkntfs root: the root's inheritable ACEs,
		// marked inherited — what icacls shows on a fresh C:\ as
		// Administrators (I)(F), SYSTEM (I)(F), Authenticated Users (I)(M),
		// Users (I)(RX), plus the inherit-only copies on directories. The
		// raw bytes come through ntfs-3g (system.ntfs_acl).
		mnt := oracle.MountRO(t, img)
		sddl := func(p string) string {
			b := make([]byte, 64<<10)
			n, err := syscall.Getxattr(filepath.Join(mnt, p), "system.ntfs_acl", b)
			if err != nil {
				t.Fatalf("getxattr %s system.ntfs_acl: %v", p, err)
			}
			sd, err := mft.DecodeSecurityDescriptor(b[:n])
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			return sd.SDDL()
		}
		const (
			file = "O:SYG:SYD:AI(A;ID;FA;;;BA)(A;ID;FA;;;SY)(A;ID;0x1301bf;;;AU)(A;ID;0x1200a9;;;BU)"
			dir  = "O:SYG:SYD:AI(A;ID;FA;;;BA)(A;OICIIOID;GA;;;BA)(A;ID;FA;;;SY)(A;OICIIOID;GA;;;SY)" +
				"(A;ID;0x1301bf;;;AU)(A;OICIIOID;SDGXGWGR;;;AU)(A;ID;0x1200a9;;;BU)(A;OICIIOID;GXGR;;;BU)"
		)
		for p, want := range map[string]string{"/w": dir, "/w/sub": dir, "/w/a.txt": file, "/w/big.bin": file, "/many/file-0000-.txt": file} {
			if got := sddl(p); got != want {
				t.Errorf("%s: descriptor %s, want %s", p, got, want)
			}
		}
	})

	// ntfs-3g writes into the same directories and unmounts cleanly; our
	// reader then sees its changes.
	keep(t, img, "edits")
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

// TestWriterMaxLinks gives one file NTFS's maximum of 1024 names, which
// moves $FILE_NAME attributes into extension records behind an
// $ATTRIBUTE_LIST, checks the result with ntfs-3g and fls, refuses the
// 1025th, then removes all but one name again.
func TestWriterMaxLinks(t *testing.T) {
	oracle.Require(t, "ntfs-3g", "fls")
	img := freshImage(t, 32<<20)
	v := openRW(t, img, volume.WriteOptions{})
	m := model{"/l": {Type: "dir"}, "/l/f0000": {Type: "file", Content: "linked", Group: "f"}}
	err := v.Update(func(tx *volume.Tx) error {
		if err := tx.Mkdir("/l"); err != nil {
			return err
		}
		if err := tx.Create("/l/f0000", strings.NewReader("linked")); err != nil {
			return err
		}
		for i := 1; i < volume.MaxLinks; i++ {
			p := fmt.Sprintf("/l/f%04d", i)
			if err := tx.Link("/l/f0000", p); err != nil {
				return err
			}
			m[p] = modelEntry{Type: "file", Content: "linked", Group: "f"}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = v.Update(func(tx *volume.Tx) error { return tx.Link("/l/f0000", "/l/one-too-many") })
	if !errors.Is(err, volume.ErrInvalid) {
		t.Errorf("1025th link: got %v, want ErrInvalid", err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	keep(t, img, "maxlinks")
	checkModel(t, img, []string{"/l"}, m)
	if st := oracle.Istat(t, img, inodeOf(t, img, "/l/f0500")); st.Links != volume.MaxLinks {
		t.Errorf("istat: %d links, want %d", st.Links, volume.MaxLinks)
	}

	v = openRW(t, img, volume.WriteOptions{})
	err = v.Update(func(tx *volume.Tx) error {
		for i := 0; i < volume.MaxLinks-1; i++ {
			p := fmt.Sprintf("/l/f%04d", i)
			if err := tx.Unlink(p); err != nil {
				return err
			}
			delete(m, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	keep(t, img, "maxlinks-after")
	checkModel(t, img, []string{"/l"}, m)
	// Back to one name: extension records left empty are freed; those
	// still holding attributes are exactly the ones the attribute list
	// names (istat's list), and all are allocated.
	base := inodeOf(t, img, "/l/f1023")
	st := oracle.Istat(t, img, base)
	if st.Links != 1 {
		t.Errorf("istat after unlinking 1023 names: %d links", st.Links)
	}
	listed := map[uint64]bool{}
	for _, mm := range regexp.MustCompile(`Type: \d+-\d+\s+MFT Entry: (\d+)`).FindAllStringSubmatch(st.Text, -1) {
		n, _ := strconv.ParseUint(mm[1], 10, 64)
		if n != base {
			listed[n] = true
		}
	}
	ro, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	inUse := map[uint64]bool{}
	for n := int64(16); n < ro.Records(); n++ {
		rec, err := ro.Record(mft.RecordNumber(n))
		if err == nil && rec.InUse() && rec.Base.Record() == mft.RecordNumber(base) {
			inUse[uint64(n)] = true
		}
	}
	if d := cmp.Diff(listed, inUse); d != "" {
		t.Errorf("extension records of %d: in istat's attribute list (-) vs in use (+):\n%s", base, d)
	}
	for n := range listed {
		if !oracle.Istat(t, img, n).Allocated {
			t.Errorf("extension record %d listed but not allocated", n)
		}
	}
}

// inodeOf returns the record number of path through our reader.
func inodeOf(t *testing.T, img, p string) uint64 {
	t.Helper()
	v, err := volume.Open(img, volume.Options{})
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

// TestWriterDOSNames creates names with 8.3 twins (--dos-names), checks
// that ntfs-3g finds files by either name and can unlink a pair itself,
// and that our Unlink of a Win32 name removes its DOS twin.
func TestWriterDOSNames(t *testing.T) {
	oracle.Require(t, "ntfs-3g", "fls")
	img := freshImage(t, 16<<20)
	v := openRW(t, img, volume.WriteOptions{DOSNames: true})
	long := []string{"Long File Name.txt", "Long File Name 2.txt", "Long File Name 3.txt",
		"Long File Name 4.txt", "Long File Name 5.txt", "a+b=c;d.text"}
	err := v.Update(func(tx *volume.Tx) error {
		if err := tx.Mkdir("/d"); err != nil {
			return err
		}
		for _, n := range append(long, "README.TXT", "gone one.txt") {
			if err := tx.Create("/d/"+n, strings.NewReader(n)); err != nil {
				return err
			}
		}
		return tx.Unlink("/d/gone one.txt")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	keep(t, img, "dosnames")
	want := map[string]string{ // long name → DOS twin ("" for Win32&DOS)
		"Long File Name.txt":   "LONGFI~1.TXT",
		"Long File Name 2.txt": "LONGFI~2.TXT",
		"Long File Name 3.txt": "LONGFI~3.TXT",
		"Long File Name 4.txt": "LONGFI~4.TXT",
		"a+b=c;d.text":         "A_B_C_~1.TEX",
		"README.TXT":           "",
	}
	ro, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	got := map[string]string{}
	var fifth string
	for _, n := range append(long, "README.TXT") {
		f, err := ro.Lookup("/d/" + n)
		if err != nil {
			t.Fatal(err)
		}
		names, err := f.Names()
		if err != nil {
			t.Fatal(err)
		}
		short := ""
		for _, fn := range names {
			if fn.NameString() != n {
				short = fn.NameString()
			}
		}
		if n == "Long File Name 5.txt" {
			fifth = short
			continue
		}
		got[n] = short
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("DOS names (-want +got):\n%s", d)
	}
	if !strings.HasPrefix(fifth, "LO") || !strings.HasSuffix(fifth, "~1.TXT") || len(fifth) != 12 {
		t.Errorf("fifth DOS name %q: want LOxxxx~1.TXT (hash form)", fifth)
	}
	var fls []string
	for _, e := range oracle.Fls(t, img, "-r", "-p") {
		if strings.HasPrefix(e.Path, "/d/") && !e.Deleted {
			fls = append(fls, path.Base(e.Path))
		}
	}
	// fls shows only the long names; istat shows every $FILE_NAME.
	for n, s := range want {
		if !slicesContains(fls, n) {
			t.Errorf("fls -r -p lists %q; want %q", fls, n)
		}
		if s != "" {
			if st := oracle.Istat(t, img, inodeOf(t, img, "/d/"+n)); !strings.Contains(st.Text, s) || st.Links != 2 {
				t.Errorf("istat of %s: %d links, DOS name %s listed: %v; want 2 and true", n, st.Links, s, strings.Contains(st.Text, s))
			}
		}
	}
	if slicesContains(fls, "gone one.txt") || slicesContains(fls, "GONEON~1.TXT") {
		t.Errorf("fls lists the removed pair: %q", fls)
	}
	// ntfs-3g: lookups by the DOS name, then an unlink of a pair.
	mnt, unmount := oracle.MountRW(t, img)
	for n, s := range want {
		if s == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(mnt, "d", s))
		if err != nil || string(b) != n {
			t.Errorf("ntfs-3g: read by DOS name %s: %q, %v; want %q", s, b, err, n)
		}
	}
	if err := os.Remove(filepath.Join(mnt, "d", "Long File Name.txt")); err != nil {
		t.Errorf("ntfs-3g unlink of a Win32+DOS pair: %v", err)
	}
	unmount()
	if _, err := volume.Open(img, volume.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, e := range oracle.Fls(t, img, "-r", "-p") {
		if b := path.Base(e.Path); !e.Deleted && (b == "Long File Name.txt" || b == "LONGFI~1.TXT") {
			t.Errorf("after ntfs-3g's unlink fls still lists %s", e.Path)
		}
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestWriterLongReparseTarget: a junction whose reparse data cannot fit
// the record is refused with ErrInvalid and changes nothing.
func TestWriterLongReparseTarget(t *testing.T) {
	img := freshImage(t, 8<<20)
	before, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	v := openRW(t, img, volume.WriteOptions{})
	err = v.Update(func(tx *volume.Tx) error {
		return tx.Junction("/j", `C:\`+strings.Repeat("a", 250))
	})
	if !errors.Is(err, volume.ErrInvalid) {
		t.Errorf("long junction target: got %v, want ErrInvalid", err)
	}
	if now, _ := os.ReadFile(img); !bytes.Equal(before, now) {
		t.Error("the refused junction changed the image")
	}
	if err := v.Update(func(tx *volume.Tx) error { return tx.Junction("/j", `C:\`+strings.Repeat("a", 100)) }); err != nil {
		t.Errorf("100-character junction target: %v", err)
	}
	v.Close()
	after, _ := os.ReadFile(img)
	if bytes.Equal(before, after) {
		t.Error("the second junction changed nothing")
	}
}

// TestWriterRemoveDirWithExtension removes, in one transaction, the
// entries and then a directory whose 255-character name lives in an
// extension record: the commit orders the freed directory's INDX blocks,
// and the reader still loads the deleted directory (its extension record
// was freed with it, bumping its sequence number once). Found by
// TestWriterRandom.
func TestWriterRemoveDirWithExtension(t *testing.T) {
	img := freshImage(t, 16<<20)
	v := openRW(t, img, volume.WriteOptions{})
	dir := "/" + strings.Repeat("d", 255)
	var num mft.RecordNumber
	err := v.Update(func(tx *volume.Tx) error {
		if err := tx.Mkdir(dir); err != nil {
			return err
		}
		for i := range 40 {
			if err := tx.Create(fmt.Sprintf("%s/%03d-%s", dir, i, strings.Repeat("f", 100)), strings.NewReader("x")); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if f, err := v.Lookup(dir); err != nil {
		t.Fatal(err)
	} else if f.Attr(mft.AttrAttributeList, nil) == nil {
		t.Fatal("the directory has no attribute list: the test no longer covers extension records")
	} else {
		num = f.Number()
	}
	err = v.Update(func(tx *volume.Tx) error {
		for i := range 40 {
			if err := tx.Unlink(fmt.Sprintf("%s/%03d-%s", dir, i, strings.Repeat("f", 100))); err != nil {
				return err
			}
		}
		return tx.Rmdir(dir)
	})
	if err != nil {
		t.Fatalf("remove the entries and the directory in one transaction: %v", err)
	}
	f, err := v.File(num)
	if err != nil {
		t.Fatalf("deleted directory %d: %v", num, err)
	}
	if names, err := f.Names(); err != nil || len(names) != 1 || names[0].NameString() != dir[1:] {
		t.Errorf("deleted directory %d: names %v, %v", num, names, err)
	}
	v.Close()
	if oracle.CI() || hasTool("fls") {
		for _, e := range oracle.Fls(t, img, "-r", "-p") {
			if !e.Deleted && strings.HasPrefix(e.Path, dir) {
				t.Errorf("fls still lists %s", e.Path)
			}
		}
	}
}

func hasTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}
