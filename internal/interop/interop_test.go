//go:build linux

// Package interop holds acceptance tests that run the ntfsedit CLI as a black
// box and compare what it reports with implementations we did not write:
// ntfs-3g (a read-only FUSE mount), The Sleuth Kit (fls), libfsntfs
// (fsntfsinfo) and go-ntfs (as a library, see gontfs_test.go).
//
// The CLI contract these tests rely on:
//
//	ntfsedit find --json [-a] IMAGE [PATH]   NDJSON, one object per name, PATH first
//	ntfsedit find --json --mft-file FILE     the same from a bare $MFT
//	ntfsedit cat IMAGE PATH [--stream NAME]  raw bytes
//	ntfsedit stat --json IMAGE PATH          one object: record, names, streams …
//	ntfsedit ls --json IMAGE PATH            NDJSON (or a JSON array), one object per entry
//	ntfsedit readlink IMAGE PATH             the target, one line
//	ntfsedit info --json IMAGE               one object: label …
//
// IMAGE@N selects partition N of a partitioned disk.
//
// The images come from fixtures/mkinterop.sh (built and cached by
// internal/oracle) and from ../shared/images (real-world images made by
// Windows, ntfs3 and others).
package interop

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

var (
	cliPath     string // the ntfsedit binary built by TestMain
	cliBuildErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ntfsedit-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cliPath = filepath.Join(dir, "ntfsedit")
	out, err := exec.Command("go", "build", "-o", cliPath, "github.com/ntfsedit/ntfsedit/cmd/ntfsedit").CombinedOutput()
	if err != nil {
		cliBuildErr = fmt.Errorf("go build ./cmd/ntfsedit: %v\n%s", err, out)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs ntfsedit with args and returns its standard output; a failure
// (build or non-zero exit) fails t.
func cli(t testing.TB, args ...string) []byte {
	t.Helper()
	out, err := cliErr(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func cliErr(args ...string) ([]byte, error) {
	if cliBuildErr != nil {
		return nil, cliBuildErr
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(cliPath, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("ntfsedit %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

// Reparse is the "reparse" object of find and stat.
type Reparse struct {
	Tag       string `json:"tag"`       // "IO_REPARSE_TAG_MOUNT_POINT"
	TagValue  uint32 `json:"tag_value"` // 0xA0000003
	Target    string `json:"target"`    // substitute name
	PrintName string `json:"print_name"`
	Relative  bool   `json:"relative"` // SYMLINK flags bit 0
}

// FindEntry is one line of `find --json`. Unknown fields are ignored.
type FindEntry struct {
	Path    string   `json:"path"`
	Record  uint64   `json:"record"`
	Seq     uint64   `json:"seq"`
	Type    string   `json:"type"` // "file" or "dir"
	Links   uint64   `json:"links"`
	Size    int64    `json:"size"`
	Reparse *Reparse `json:"reparse"`
	Interix *string  `json:"interix"`
	Streams []string `json:"streams"`
}

// decodeLines decodes NDJSON, or a single JSON array, into []T.
func decodeLines[T any](t testing.TB, out []byte) []T {
	t.Helper()
	trimmed := bytes.TrimSpace(out)
	var vs []T
	if bytes.HasPrefix(trimmed, []byte("[")) {
		if err := json.Unmarshal(trimmed, &vs); err != nil {
			t.Fatalf("decode JSON array: %v", err)
		}
		return vs
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("NDJSON line %d: %v: %s", n, err, sc.Bytes())
		}
		vs = append(vs, v)
	}
	return vs
}

var (
	findMu    sync.Mutex
	findCache = map[string][]FindEntry{}
)

// find runs `ntfsedit find --json ARGS…` once per ARGS for the whole test
// binary (images are read-only) and returns its entries.
func find(t testing.TB, args ...string) []FindEntry {
	t.Helper()
	key := strings.Join(args, "\x00")
	findMu.Lock()
	defer findMu.Unlock()
	if es, ok := findCache[key]; ok {
		return es
	}
	es := decodeLines[FindEntry](t, cli(t, append([]string{"find", "--json"}, args...)...))
	findCache[key] = es
	return es
}

func byPath(es []FindEntry) map[string]FindEntry {
	m := make(map[string]FindEntry, len(es))
	for _, e := range es {
		m[e.Path] = e
	}
	return m
}

// interopImage returns the cached, read-only image of fixtures/mkinterop.sh.
func interopImage(t testing.TB) string {
	t.Helper()
	oracle.Require(t, "ntfs-3g", "mkntfs", "setfattr", "python3")
	return oracle.Image(t, "fixtures/mkinterop.sh")
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// (a) find == the tree through a read-only ntfs-3g mount.
func TestFindMatchesMount(t *testing.T) {
	img := interopImage(t)
	tree := oracle.MountTree(t, oracle.MountRO(t, img))
	ours := find(t, img)

	var want, got []string
	for _, e := range tree {
		if e.Err != "" {
			t.Errorf("mount: %s: %s", e.Path, e.Err)
		}
		want = append(want, fmt.Sprintf("%s #%d", e.Path, e.Inode))
	}
	for _, e := range ours {
		got = append(got, fmt.Sprintf("%s #%d", e.Path, e.Record))
	}
	if len(ours) == 0 || ours[0].Path != "/" {
		t.Errorf("find does not start with the root")
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(path, record) through ntfs-3g vs find (-want +got):\n%s", diff)
	}

	mine := byPath(ours)
	for _, m := range tree {
		o := mine[m.Path]
		// ntfs-3g shows reparse points (junctions, symlinks, whether on a file
		// or a directory) and Interix symlinks as symlinks; we report the
		// record's own type and the reparse/interix data.
		wantType := o.Type
		if o.Reparse != nil || o.Interix != nil {
			wantType = "symlink"
		}
		if m.Type != wantType {
			t.Errorf("%s: ntfs-3g type %q, find type %q (reparse %v, interix %v)", m.Path, m.Type, o.Type, o.Reparse != nil, o.Interix != nil)
		}
		switch m.Type {
		case "file":
			if m.Size != o.Size {
				t.Errorf("%s: ntfs-3g size %d, find size %d", m.Path, m.Size, o.Size)
			}
			// Without posix_nlink, ntfs-3g's st_nlink is the record header's
			// link count (DOS names included), exactly what find reports.
			if m.Links != o.Links {
				t.Errorf("%s: ntfs-3g st_nlink %d, find links %d", m.Path, m.Links, o.Links)
			}
		case "symlink":
			if m.Links != o.Links {
				t.Errorf("%s: ntfs-3g st_nlink %d, find links %d", m.Path, m.Links, o.Links)
			}
		case "dir":
			// ntfs-3g reports st_nlink 1 for every directory (it would have
			// to count subdirectories otherwise); st_size is the $I30
			// allocation. Neither is comparable; find reports size 0.
			if o.Size != 0 {
				t.Errorf("%s: directory with size %d in find, want 0", m.Path, o.Size)
			}
		}
	}
}

// (b) cat == bytes through the mount, for every regular file and stream.
func TestCatMatchesMount(t *testing.T) {
	img := interopImage(t)
	tree := oracle.MountTree(t, oracle.MountRO(t, img))
	mine := byPath(find(t, img))

	type job struct {
		path, stream, want string
	}
	var jobs []job
	for _, m := range tree {
		o := mine[m.Path]
		var streams []string
		for name, v := range m.Streams {
			streams = append(streams, name)
			jobs = append(jobs, job{m.Path, name, sha(v)})
		}
		slices.Sort(streams)
		got := slices.Clone(o.Streams)
		slices.Sort(got)
		if !slices.Equal(streams, got) {
			t.Errorf("%s: streams through ntfs-3g %q, find %q", m.Path, streams, got)
		}
		if m.Type == "file" && o.Reparse == nil && o.Interix == nil {
			jobs = append(jobs, job{m.Path, "", m.SHA256})
		}
	}
	if len(jobs) < 2050 {
		t.Errorf("only %d files and streams to compare", len(jobs))
	}
	var (
		mu   sync.Mutex
		errs []string
		wg   sync.WaitGroup
		ch   = make(chan job)
	)
	for range 4 {
		wg.Go(func() {
			for j := range ch {
				args := []string{"cat", img, j.path}
				if j.stream != "" {
					args = append(args, "--stream", j.stream)
				}
				out, err := cliErr(args...)
				msg := ""
				switch {
				case err != nil:
					msg = err.Error()
				case sha(out) != j.want:
					msg = fmt.Sprintf("%s stream %q: %d bytes from cat differ from the mount's", j.path, j.stream, len(out))
				}
				if msg != "" {
					mu.Lock()
					errs = append(errs, msg)
					mu.Unlock()
				}
			}
		})
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	slices.Sort(errs)
	for i, e := range errs {
		if i == 20 {
			t.Errorf("… and %d more", len(errs)-20)
			break
		}
		t.Error(e)
	}
}

// tagNames are the reparse tags of MS-FSCC 2.1.2.1 our images hold.
var tagNames = map[uint32]string{
	0xA0000003: "IO_REPARSE_TAG_MOUNT_POINT",
	0xA000000C: "IO_REPARSE_TAG_SYMLINK",
}

// decodeReparse decodes a MOUNT_POINT or SYMLINK REPARSE_DATA_BUFFER
// (MS-FSCC 2.1.2.2 / 2.1.2.5) honouring the offsets, independently of the
// code under test.
func decodeReparse(b []byte) (Reparse, error) {
	u16 := func(o int) int { return int(b[o]) | int(b[o+1])<<8 }
	if len(b) < 16 {
		return Reparse{}, fmt.Errorf("reparse buffer of %d bytes", len(b))
	}
	tag := uint32(u16(0)) | uint32(u16(2))<<16
	r := Reparse{Tag: tagNames[tag], TagValue: tag}
	base := 16
	if tag == 0xA000000C {
		if len(b) < 20 {
			return r, fmt.Errorf("symlink buffer of %d bytes", len(b))
		}
		r.Relative = b[16]&1 != 0
		base = 20
	}
	str := func(off, n int) (string, error) {
		lo, hi := base+off, base+off+n
		if n%2 != 0 || hi > len(b) {
			return "", fmt.Errorf("name [%d:%d] outside a %d-byte buffer", lo, hi, len(b))
		}
		rs := make([]uint16, n/2)
		for i := range rs {
			rs[i] = uint16(u16(lo + 2*i))
		}
		return string(utf16Decode(rs)), nil
	}
	var err error
	if r.Target, err = str(u16(8), u16(10)); err != nil {
		return r, err
	}
	if r.PrintName, err = str(u16(12), u16(14)); err != nil {
		return r, err
	}
	return r, nil
}

func utf16Decode(s []uint16) []rune {
	var out []rune
	for i := 0; i < len(s); i++ {
		c := rune(s[i])
		if c >= 0xD800 && c < 0xDC00 && i+1 < len(s) && s[i+1] >= 0xDC00 && s[i+1] < 0xE000 {
			c = 0x10000 + (c-0xD800)<<10 + rune(s[i+1]-0xDC00)
			i++
		}
		out = append(out, c)
	}
	return out
}

// (c) reparse points == fsntfsinfo == the raw system.ntfs_reparse_data buffer.
func TestReparseMatchesOracles(t *testing.T) {
	oracle.Require(t, "fsntfsinfo")
	img := interopImage(t)
	tree := oracle.MountTree(t, oracle.MountRO(t, img))
	fs := oracle.Fsntfsinfo(t, img)
	mine := byPath(find(t, img))

	seen := 0
	for _, m := range tree {
		o := mine[m.Path]
		if (m.ReparseData != nil) != (o.Reparse != nil) {
			t.Errorf("%s: ntfs-3g has %d bytes of reparse data, find reparse %+v", m.Path, len(m.ReparseData), o.Reparse)
			continue
		}
		if o.Interix != nil {
			// Interix symlinks are plain SYSTEM files: ntfs-3g shows the
			// target as is and has no reparse data for them.
			if m.Symlink != *o.Interix {
				t.Errorf("%s: ntfs-3g readlink %q, find interix %q", m.Path, m.Symlink, *o.Interix)
			}
			if got := strings.TrimSuffix(string(cli(t, "readlink", img, m.Path)), "\n"); got != *o.Interix {
				t.Errorf("%s: readlink %q, want %q", m.Path, got, *o.Interix)
			}
		}
		if o.Reparse == nil {
			continue
		}
		seen++
		raw, err := decodeReparse(m.ReparseData)
		if err != nil {
			t.Errorf("%s: system.ntfs_reparse_data: %v", m.Path, err)
		} else if diff := cmp.Diff(raw, *o.Reparse); diff != "" {
			t.Errorf("%s: raw buffer through ntfs-3g vs find (-want +got):\n%s", m.Path, diff)
		}
		f, ok := fs[o.Record]
		switch {
		case !ok || f.Reparse == nil:
			t.Errorf("%s: fsntfsinfo shows no $REPARSE_POINT in record %d", m.Path, o.Record)
		default:
			want := Reparse{Tag: tagNames[f.Reparse.Tag], TagValue: f.Reparse.Tag, Target: f.Reparse.Substitute,
				PrintName: f.Reparse.Print, Relative: o.Reparse.Relative /* fsntfsinfo does not print the flags */}
			if diff := cmp.Diff(want, *o.Reparse); diff != "" {
				t.Errorf("%s: fsntfsinfo vs find (-want +got):\n%s", m.Path, diff)
			}
		}
		if got := strings.TrimSuffix(string(cli(t, "readlink", img, m.Path)), "\n"); got != o.Reparse.Target {
			t.Errorf("%s: readlink %q, want the substitute name %q", m.Path, got, o.Reparse.Target)
		}
		// ntfs-3g shows a relative symlink it can resolve as the target
		// with '\' turned into '/'; others as "unsupported reparse tag …" or
		// rewritten under its mount point.
		if o.Reparse.Relative && !strings.HasPrefix(m.Symlink, "unsupported reparse tag") {
			if want := strings.ReplaceAll(o.Reparse.Target, `\`, "/"); m.Symlink != want {
				t.Errorf("%s: ntfs-3g readlink %q, want %q", m.Path, m.Symlink, want)
			}
		}
	}
	if seen < 10 {
		t.Errorf("only %d reparse points compared, the image has 11", seen)
	}
}

// (d) del2000: 2,000 files created, 1,990 deleted.
func TestDeletedDirectory(t *testing.T) {
	img := interopImage(t)
	type lsEntry struct {
		Path   string `json:"path"`
		Name   string `json:"name"`
		Record uint64 `json:"record"`
	}
	ls := decodeLines[lsEntry](t, cli(t, "ls", "--json", img, "/del2000"))
	if len(ls) != 10 {
		t.Errorf("ls /del2000: %d entries, want 10", len(ls))
	}
	var names []string
	for _, e := range find(t, img, "/del2000") {
		names = append(names, e.Path)
	}
	want := []string{"/del2000"}
	for _, i := range []string{"0000", "0199", "0400", "0777", "1000", "1234", "1500", "1800", "1998", "1999"} {
		want = append(want, "/del2000/gone-"+i+".txt")
	}
	slices.Sort(names)
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("find /del2000 (-want +got):\n%s", diff)
	}
}

// (e) every live fls entry is ours; the rest is explained.
func TestFlsInterop(t *testing.T) {
	oracle.Require(t, "fls", "fsntfsinfo")
	img := interopImage(t)
	diffs := compareWithFls(t, find(t, "-a", img), oracle.Fls(t, img), oracle.Fsntfsinfo(t, img))
	// The del2000 deletions leave index blocks that $BITMAP marks free
	// but whose entries fls still lists as live.
	if diffs[reasonStaleFree]+diffs[reasonStaleReused] == 0 {
		t.Errorf("fls listed no stale entries from del2000; the fixture should make some")
	}
}

// Reasons an fls entry may be absent from our listing.
const (
	reasonStaleFree   = "stale index entry (index block marked free in $BITMAP), record not in use"
	reasonStaleReused = "stale index entry (index block marked free in $BITMAP), record reused for another name"
	reasonIndexStream = "an index ($I30-like $O/$Q/$R/$SDH/$SII), not a $DATA stream"
)

// compareWithFls checks that every live fls entry is in ours (find -a): the
// name, its record and its named streams. fls entries that are not are
// explained with fsntfsinfo's view of the record (TSK lists stale entries of
// unused index blocks as live, NTFS-FACTS.md); anything unexplained fails.
// It also checks the converse: every name of ours is listed by fls.
// It returns the count of each explained difference.
func compareWithFls(t *testing.T, ours []FindEntry, fls []oracle.FlsEntry, fs map[uint64]oracle.FsEntry) map[string]int {
	t.Helper()
	mine := byPath(ours)
	counts := map[string]int{}
	listed := map[string]bool{}
	var unexplained []string
	for _, f := range fls {
		if f.Deleted || f.NameType == "V" || strings.HasPrefix(f.Path, "/$OrphanFiles") {
			continue
		}
		listed[f.Path] = true
		o, ok := mine[f.Path]
		if ok && o.Record == f.Record {
			if f.Stream == "" {
				continue
			}
			if f.AttrType != 128 {
				counts[reasonIndexStream]++
				continue
			}
			if !slices.Contains(o.Streams, f.Stream) {
				unexplained = append(unexplained, fmt.Sprintf("%s: stream %q missing from find's %q", f.Line, f.Stream, o.Streams))
			}
			continue
		}
		reason := staleReason(f, mine, fs)
		if reason == "" {
			what := "missing"
			if ok {
				what = fmt.Sprintf("find says record %d", o.Record)
			}
			unexplained = append(unexplained, fmt.Sprintf("%s: %s", f.Line, what))
			continue
		}
		counts[reason]++
	}
	for _, o := range ours {
		if o.Path != "/" && !listed[o.Path] {
			unexplained = append(unexplained, fmt.Sprintf("%s (record %d): in find, not in fls", o.Path, o.Record))
		}
	}
	for i, u := range unexplained {
		if i == 30 {
			t.Errorf("… and %d more", len(unexplained)-30)
			break
		}
		t.Errorf("unexplained difference with fls: %s", u)
	}
	for r, n := range counts {
		t.Logf("fls vs find, explained: %d × %s", n, r)
	}
	return counts
}

// staleReason explains why a live fls entry is not a name of ours, from what
// fsntfsinfo says about its record; "" when it cannot.
func staleReason(f oracle.FlsEntry, mine map[string]FindEntry, fs map[uint64]oracle.FsEntry) string {
	rec, ok := fs[f.Record]
	if !ok || !rec.Allocated {
		return reasonStaleFree
	}
	parent, ok := mine[path.Dir(f.Path)]
	if !ok {
		return ""
	}
	name := path.Base(f.Path)
	for _, n := range rec.Names {
		if n.Parent == parent.Record && n.Name == name {
			return "" // a real name: we must list it
		}
	}
	return reasonStaleReused
}
