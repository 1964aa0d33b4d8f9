//go:build linux

package interop

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ntfsedit/ntfsedit/fixtures"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/volume"
)

// specEntry is what a spec says one name holds after all its entries.
type specEntry struct {
	Type    string // "file", "dir", "symlink" (junctions and symlinks)
	SHA256  string // files
	Group   string // the first path of a hard-linked file (not compared)
	Links   int    // files: names of the record
	Target  string // symlinks: the substitute name as stored
	Streams map[string]string
	MTime   time.Time
}

// specModel evaluates a spec's entries into the tree it declares.
func specModel(s fixtures.Spec) map[string]*specEntry {
	now := s.Now
	if now.IsZero() {
		now = fixtures.DefaultNow
	}
	m := map[string]*specEntry{}
	file := func(p string, data []byte) {
		m[p] = &specEntry{Type: "file", SHA256: sum(string(data)), Group: p, Links: 1, MTime: now}
	}
	for _, e := range s.Entries {
		switch e.Kind {
		case fixtures.KindDir:
			m[e.Path] = &specEntry{Type: "dir", MTime: now}
		case fixtures.KindFile:
			file(e.Path, e.Data)
		case fixtures.KindSparse:
			b := make([]byte, e.Size)
			for _, x := range e.Extents {
				copy(b[x.Off:], x.Data)
			}
			file(e.Path, b)
		case fixtures.KindLink:
			src := m[e.Target]
			c := *src
			m[e.Path] = &c
			for _, x := range m {
				if x.Group == src.Group {
					x.Links++
				}
			}
			m[e.Path].Links = src.Links
		case fixtures.KindSymlink, fixtures.KindJunction:
			m[e.Path] = &specEntry{Type: "symlink", Target: ntTarget(e.Target), MTime: now}
		case fixtures.KindStream:
			x := m[e.Path]
			if x.Streams == nil {
				x.Streams = map[string]string{}
			}
			x.Streams[e.Stream] = string(e.Data)
			for _, y := range m {
				if y.Group != "" && y.Group == x.Group && y != x {
					y.Streams = x.Streams
				}
			}
		case fixtures.KindBigDir:
			m[e.Path] = &specEntry{Type: "dir", MTime: now}
			for i := range e.Count {
				file(path.Join(e.Path, fixtures.BigDirName(i)), []byte(fixtures.BigDirData(i)))
			}
		case fixtures.KindRemove:
			x := m[e.Path]
			delete(m, e.Path)
			for _, y := range m {
				if x.Group != "" && y.Group == x.Group {
					y.Links--
				}
			}
		case fixtures.KindTimes:
			x := m[e.Path]
			if !e.Times.Modified.IsZero() {
				for _, y := range m {
					if y == x || (x.Group != "" && y.Group == x.Group) {
						y.MTime = e.Times.Modified.Truncate(100 * time.Nanosecond)
					}
				}
			}
		}
	}
	return m
}

// ntTarget is how Windows stores a link target typed as in mklink: C:\x
// becomes \??\C:\x, \\server\share becomes \??\UNC\server\share, relative
// targets stay as typed.
func ntTarget(t string) string {
	switch {
	case strings.HasPrefix(t, `\\`):
		return `\??\UNC\` + t[2:]
	case len(t) >= 3 && t[1] == ':' && t[2] == '\\':
		return `\??\` + t
	}
	return t
}

// committedImage writes the committed image of s to a private file.
func committedImage(t *testing.T, s fixtures.Spec) string {
	t.Helper()
	src := fixtures.ImagePath(filepath.Join(oracle.RepoRoot(t), "fixtures"), s)
	var b []byte
	if s.Gzip {
		b = oracle.ReadGzip(t, src)
	} else {
		var err error
		if b, err = os.ReadFile(src); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(t.TempDir(), s.Name+".img")
	if err := os.WriteFile(img, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return img
}

// TestFixtures checks every committed fixture image (which
// TestFixturesUpToDate keeps equal to a rebuild of its spec) with
// implementations we did not write: ntfsfix -n; a read-only ntfs-3g mount
// shows exactly the spec's tree (types, contents, link counts and inode
// identity of hard links, reparse substitute names, streams, modification
// times); fsstat reads it; fls -r -p and fsntfsinfo -H list exactly the
// spec's names; then ntfs-3g mounted read-write adds files, and our
// reader sees the spec and the new files.
func TestFixtures(t *testing.T) {
	oracle.Require(t, "ntfs-3g", "ntfsfix", "fls", "fsstat", "fsntfsinfo")
	for _, s := range fixtures.Specs {
		t.Run(s.Name, func(t *testing.T) {
			img := committedImage(t, s)
			want := specModel(s)
			oracle.Run(t, "ntfsfix", "-n", img)
			oracle.Run(t, "fsstat", img)
			t.Run("ntfs-3g-ro", func(t *testing.T) { checkSpecMount(t, img, want) })
			checkSpecNames(t, img, want)
			checkSpecRemoved(t, img, s)
			checkSpecAfterNtfs3g(t, img, want)
		})
	}
}

func checkSpecMount(t *testing.T, img string, want map[string]*specEntry) {
	t.Helper()
	mnt := oracle.MountRO(t, img)
	got := map[string]*specEntry{}
	inodes := map[string]uint64{}
	for _, e := range oracle.MountTree(t, mnt) {
		if e.Path == "/" {
			continue
		}
		if e.Err != "" {
			t.Errorf("ntfs-3g: %s: %s", e.Path, e.Err)
			continue
		}
		fi, err := os.Lstat(filepath.Join(mnt, e.Path))
		if err != nil {
			t.Fatal(err)
		}
		g := &specEntry{Type: e.Type, MTime: fi.ModTime().UTC()}
		switch e.Type {
		case "file":
			g.SHA256, g.Links = e.SHA256, int(e.Links)
			inodes[e.Path] = e.Inode
		case "symlink":
			g.Target = reparseSubst(t, e.ReparseData)
		}
		for n, v := range e.Streams {
			if g.Streams == nil {
				g.Streams = map[string]string{}
			}
			g.Streams[n] = string(v)
		}
		got[e.Path] = g
	}
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(specEntry{}, "Group")); d != "" {
		t.Errorf("ntfs-3g mount vs the spec (-want +got):\n%s", d)
	}
	// Hard links: one inode per group, different inodes across groups.
	groupIno := map[string]uint64{}
	for p, e := range want {
		if e.Type != "file" {
			continue
		}
		if ino, ok := groupIno[e.Group]; ok && ino != inodes[p] {
			t.Errorf("%s: inode %d, want %d (hard link of %s)", p, inodes[p], ino, e.Group)
		}
		groupIno[e.Group] = inodes[p]
	}
	if len(groupIno) > 0 {
		seen := map[uint64]string{}
		for g, ino := range groupIno {
			if other, ok := seen[ino]; ok {
				t.Errorf("%s and %s share inode %d", g, other, ino)
			}
			seen[ino] = g
		}
	}
}

// checkSpecNames compares the names fls -r -p and fsntfsinfo -H list
// (system files and streams left out) with the spec's.
func checkSpecNames(t *testing.T, img string, want map[string]*specEntry) {
	t.Helper()
	var names []string
	for p := range want {
		names = append(names, p)
	}
	sort.Strings(names)
	var fls []string
	seen := map[string]bool{}
	for _, e := range oracle.Fls(t, img, "-r", "-p") {
		if e.Deleted || e.Stream != "" || strings.HasPrefix(e.Path, "/$") || seen[e.Path] {
			continue
		}
		seen[e.Path] = true
		if _, ok := want[e.Path]; !ok {
			// TSK 4.11 lists entries of INDX blocks the index $BITMAP
			// marks free (left by splits and removals) as live: such a
			// name must belong to a record that no longer holds it.
			if st := oracle.Istat(t, img, e.Record); st.Allocated && strings.Contains(st.Text, "\nName: "+path.Base(e.Path)+"\n") {
				t.Errorf("fls lists %s (record %d), which the spec removed, and the record still holds that name", e.Path, e.Record)
			}
			continue
		}
		fls = append(fls, e.Path)
	}
	sort.Strings(fls)
	if d := cmp.Diff(names, fls); d != "" {
		t.Errorf("fls -r -p vs the spec (-want +got):\n%s", d)
	}
	out := oracle.Run(t, "fsntfsinfo", "-H", img)
	var fsn []string
	_, list, _ := bytes.Cut(out, []byte("File system hierarchy:\n"))
	for _, line := range strings.Split(string(list), "\n") {
		if !strings.HasPrefix(line, `\`) || strings.HasPrefix(line, `\$`) {
			continue
		}
		p := strings.ReplaceAll(line, `\`, "/")
		if i := strings.LastIndex(p, "/"); strings.Contains(p[i:], ":") {
			continue // a stream
		}
		fsn = append(fsn, p)
	}
	sort.Strings(fsn)
	// fsntfsinfo mis-decodes surrogate pairs (see oracle.FsEntry): names
	// outside the BMP are left out of this comparison.
	bmp := func(list []string) []string {
		var out []string
		for _, p := range list {
			if !strings.ContainsFunc(p, func(r rune) bool { return r > 0xFFFF }) {
				out = append(out, p)
			}
		}
		return out
	}
	if d := cmp.Diff(bmp(names), bmp(fsn)); d != "" {
		t.Errorf("fsntfsinfo -H vs the spec (-want +got):\n%s", d)
	}
}

// checkSpecRemoved checks what removals leave behind: every deleted
// record the manifest lists (our reader's scan) is one istat reports as
// not allocated and still holding that name, and every name the spec
// removes is among them, except as many as the spec creates files after
// its first removal (each may reuse a freed record).
func checkSpecRemoved(t *testing.T, img string, s fixtures.Spec) {
	t.Helper()
	m, err := fixtures.Manifest(s, img)
	if err != nil {
		t.Fatal(err)
	}
	_, list, _ := strings.Cut(m, "# deleted records (record-seq, names):\n")
	deleted := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "# "))
		if len(f) < 2 {
			continue
		}
		rec, err := strconv.ParseUint(strings.Split(f[0], "-")[0], 10, 64)
		if err != nil {
			t.Fatalf("manifest line %q: %v", line, err)
		}
		st := oracle.Istat(t, img, rec)
		if st.Allocated || !strings.Contains(st.Text, "\nName: "+path.Base(f[1])+"\n") {
			t.Errorf("record %d (%s): istat says allocated=%v or does not show the name", rec, f[1], st.Allocated)
		}
		for _, p := range f[1:] {
			deleted[p] = true
		}
	}
	removed, missing, later := 0, 0, 0
	for _, e := range s.Entries {
		switch {
		case e.Kind == fixtures.KindRemove:
			removed++
			if !deleted[e.Path] {
				missing++
			}
		case removed > 0 && e.Kind != fixtures.KindTimes && e.Kind != fixtures.KindStream:
			later++
		}
	}
	if missing > later {
		t.Errorf("%d of %d removed names have no deleted record; at most %d records can have been reused", missing, removed, later)
	}
}

// checkSpecAfterNtfs3g lets ntfs-3g write into the image, then reads it
// with our reader: the spec's names and contents are intact and the new
// files are there.
func checkSpecAfterNtfs3g(t *testing.T, img string, want map[string]*specEntry) {
	t.Helper()
	mnt, unmount := oracle.MountRW(t, img)
	added := map[string]string{}
	for i := range 20 {
		p := "/ntfs-3g-" + strings.Repeat("x", i) + ".txt"
		added[p] = strings.Repeat("written by ntfs-3g ", i+1)
	}
	for p, c := range added {
		if err := os.WriteFile(filepath.Join(mnt, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var dir string
	for p, e := range want {
		if e.Type == "dir" && (dir == "" || p < dir) {
			dir = p
		}
	}
	if dir != "" {
		p := dir + "/from-ntfs-3g.bin"
		added[p] = strings.Repeat("\x00\x01", 5000)
		if err := os.WriteFile(filepath.Join(mnt, p), []byte(added[p]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	unmount()
	oracle.Run(t, "ntfsfix", "-n", img)
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	got := map[string]string{}
	err = v.Walk("/", false, func(p string, e volume.DirEntry, f *volume.File, err error) error {
		if err != nil {
			t.Errorf("walk %s: %v", p, err)
			return nil
		}
		if f.IsDir() {
			got[p] = "dir"
			return nil
		}
		if rp, _ := f.Reparse(); rp != nil {
			d, err := rp.Describe()
			if err != nil {
				t.Errorf("%s: %v", p, err)
			}
			got[p] = "symlink " + d.Target
			return nil
		}
		s, err := f.Stream("")
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		b, err := s.ReadAll()
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		got[p] = "file " + sum(string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	exp := map[string]string{}
	for p, e := range want {
		switch e.Type {
		case "dir":
			exp[p] = "dir"
		case "symlink":
			exp[p] = "symlink " + e.Target
			if _, ok := got[p]; ok && strings.HasPrefix(got[p], "dir") {
				exp[p] = "dir" // junctions and directory symlinks walk as directories
			}
		default:
			exp[p] = "file " + e.SHA256
		}
	}
	for p, c := range added {
		exp[p] = "file " + sum(c)
	}
	if d := cmp.Diff(exp, got); d != "" {
		t.Errorf("our reader after ntfs-3g wrote (-want +got):\n%s", d)
	}
}
