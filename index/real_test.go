package index

// Tests against index structures written by implementations we did not
// write: mkntfs + the ntfs-3g FUSE driver (built here), and Windows 10
// (../shared/images/ntfs_index.raw.gz). The Sleuth Kit's icat extracts the
// raw $INDEX_ROOT, $INDEX_ALLOCATION and $BITMAP streams; the ntfs-3g
// mount lists each directory.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ntfsedit/ntfsedit/mft"
)

// realDir is one directory index extracted from a real image.
type realDir struct {
	name    string
	rec     uint64
	root    []byte   // $INDEX_ROOT value
	alloc   []byte   // $INDEX_ALLOCATION stream, nil when the index fits in the root
	bitmap  []byte   // $BITMAP of $I30
	listing []string // readdir order of the ntfs-3g mount
	deleted []string // names of deleted entries left in slack
	minKeys int      // at least this many keys
	minVCNs int      // at least this many INDX blocks in use
}

type realVolume struct {
	name   string
	upcase UpCase
	dirs   []realDir
}

// skipError marks a missing tool or FUSE: the test skips (fails in CI).
type skipError struct{ err error }

func (e skipError) Error() string { return e.err.Error() }

func realVolumeOrSkip(t *testing.T, get func() (*realVolume, error)) *realVolume {
	t.Helper()
	v, err := get()
	if err != nil {
		if se := (skipError{}); errors.As(err, &se) {
			skipOrFail(t, "%v", err)
		}
		t.Fatal(err)
	}
	return v
}

func command(name string, args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

func lookTools(names ...string) error {
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			return skipError{fmt.Errorf("%s not installed (ntfs-3g and sleuthkit are needed): %v", n, err)}
		}
	}
	return nil
}

// mount mounts img with ntfs-3g and returns an unmount function.
func mount(img, dir string, opts ...string) (func() error, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := append(opts, img, dir)
	if _, err := command("ntfs-3g", args...); err != nil {
		return nil, skipError{fmt.Errorf("ntfs-3g mount failed (no FUSE here?): %v", err)}
	}
	mounted := true
	return func() error {
		if !mounted {
			return nil
		}
		mounted = false
		if _, err := command("fusermount", "-u", dir); err != nil {
			if _, err2 := command("umount", dir); err2 != nil {
				return fmt.Errorf("%v; %v", err, err2)
			}
		}
		return nil
	}, nil
}

// readdir lists dir in the order the file system returns entries.
func readdir(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

var i30Attr = regexp.MustCompile(`Type: \$\S+ \((144|160|176)-(\d+)\)\s+Name: \$I30`)

// extractIndex reads the $I30 streams of record rec with icat.
func extractIndex(img string, offset []string, rec uint64) (root, alloc, bitmap []byte, err error) {
	out, err := command("istat", append(offset, img, strconv.FormatUint(rec, 10))...)
	if err != nil {
		return nil, nil, nil, err
	}
	ids := map[string]string{}
	for _, m := range i30Attr.FindAllStringSubmatch(string(out), -1) {
		ids[m[1]] = m[2]
	}
	if ids["144"] == "" {
		return nil, nil, nil, fmt.Errorf("istat %d: no $INDEX_ROOT $I30:\n%s", rec, out)
	}
	cat := func(typ string) ([]byte, error) {
		if ids[typ] == "" {
			return nil, nil
		}
		return command("icat", append(offset, img, fmt.Sprintf("%d-%s-%s", rec, typ, ids[typ]))...)
	}
	if root, err = cat("144"); err != nil {
		return nil, nil, nil, err
	}
	if alloc, err = cat("160"); err != nil {
		return nil, nil, nil, err
	}
	if bitmap, err = cat("176"); err != nil {
		return nil, nil, nil, err
	}
	if (alloc == nil) != (bitmap == nil) {
		return nil, nil, nil, fmt.Errorf("record %d: $INDEX_ALLOCATION without $BITMAP or the reverse", rec)
	}
	return root, alloc, bitmap, nil
}

var flsLine = regexp.MustCompile(`(?m)^\S+ (\d+)-\d+-\d+:\t(.*)$`)

// recordOf finds the record number of name in directory dir with fls.
func recordOf(img string, offset []string, dir uint64, name string) (uint64, error) {
	out, err := command("fls", append(offset, img, strconv.FormatUint(dir, 10))...)
	if err != nil {
		return 0, err
	}
	for _, m := range flsLine.FindAllStringSubmatch(string(out), -1) {
		if m[2] == name {
			return strconv.ParseUint(m[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("fls: %q not in directory %d", name, dir)
}

// bigNames are the names of the large mkntfs directory: ~600 entries,
// with names equal ignoring case (ntfs-3g creates POSIX names, which may
// differ in case only) and non-ASCII names.
func bigNames() []string {
	var names []string
	for i := range 580 {
		names = append(names, fmt.Sprintf("file_%04d_with_a_longer_name_to_fill_blocks.txt", i))
	}
	names = append(names,
		"FILE_0100_with_a_longer_name_to_fill_blocks.txt",
		"File_0100_With_A_Longer_Name_To_Fill_Blocks.TXT",
		"case.txt", "Case.txt", "CASE.TXT",
		"ñandú", "Ñandú", "Ωmega", "ωmega", "日本語.txt", "Æble", "æble",
		"é", "É", "straße", "STRASSE", "z", "Z", "~tilde", "0001",
	)
	return names
}

var smallNames = []string{"a", "B", "c", "Ünïcode", "ünïcode"}

var (
	mkntfsOnce sync.Once
	mkntfsVol  *realVolume
	mkntfsErr  error
)

// mkntfsVolume builds (once per test binary) a volume with mkntfs and
// ntfs-3g: "big" with ~600 files (several INDX blocks, more than one
// level), "small" (in $INDEX_ROOT only) and "empty".
func mkntfsVolume() (*realVolume, error) {
	mkntfsOnce.Do(func() { mkntfsVol, mkntfsErr = buildMkntfsVolume() })
	return mkntfsVol, mkntfsErr
}

func buildMkntfsVolume() (_ *realVolume, err error) {
	if err := lookTools("mkntfs", "ntfs-3g", "fusermount", "icat", "istat", "fls"); err != nil {
		return nil, err
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return nil, skipError{fmt.Errorf("no /dev/fuse: %v", err)}
	}
	dir, err := os.MkdirTemp("", "index-mkntfs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	img := filepath.Join(dir, "vol.img")
	f, err := os.Create(img)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(32 << 20); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if _, err := command("mkntfs", "-F", "-f", "-q", img); err != nil {
		return nil, err
	}
	mnt := filepath.Join(dir, "mnt")
	unmount, err := mount(img, mnt)
	if err != nil {
		return nil, err
	}
	defer func() {
		if uerr := unmount(); uerr != nil && err == nil {
			err = uerr
		}
	}()
	create := func(d string, names []string) error {
		if err := os.Mkdir(filepath.Join(mnt, d), 0o755); err != nil {
			return err
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(mnt, d, n), nil, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	if err := create("big", bigNames()); err != nil {
		return nil, err
	}
	if err := create("small", smallNames); err != nil {
		return nil, err
	}
	if err := create("empty", nil); err != nil {
		return nil, err
	}
	if err := unmount(); err != nil {
		return nil, err
	}

	v := &realVolume{name: "mkntfs"}
	if v.upcase, err = upcaseOf(img, nil); err != nil {
		return nil, err
	}
	for _, d := range []struct {
		name             string
		minKeys, minVCNs int
	}{{"big", 590, 8}, {"small", len(smallNames), 0}, {"empty", 0, 0}} {
		rec, err := recordOf(img, nil, 5, d.name)
		if err != nil {
			return nil, err
		}
		rd := realDir{name: d.name, rec: rec, minKeys: d.minKeys, minVCNs: d.minVCNs}
		if rd.root, rd.alloc, rd.bitmap, err = extractIndex(img, nil, rec); err != nil {
			return nil, err
		}
		v.dirs = append(v.dirs, rd)
	}
	// List through a read-only mount of the image icat read.
	unmountRO, err := mount(img, mnt, "-o", "ro")
	if err != nil {
		return nil, err
	}
	for i := range v.dirs {
		if v.dirs[i].listing, err = readdir(filepath.Join(mnt, v.dirs[i].name)); err != nil {
			unmountRO()
			return nil, err
		}
	}
	if err := unmountRO(); err != nil {
		return nil, err
	}
	return v, nil
}

func upcaseOf(img string, offset []string) (UpCase, error) {
	b, err := command("icat", append(offset, img, "10")...)
	if err != nil {
		return nil, err
	}
	return DecodeUpCase(b)
}

var (
	windowsOnce sync.Once
	windowsVol  *realVolume
	windowsErr  error
)

// windowsVolume extracts the indexes of the Windows 10 image: the root
// directory (INDX blocks, one deleted entry in slack), test_dir (one INDX
// block, one deleted entry in slack) and directories whose index fits in
// the root.
func windowsVolume() (*realVolume, error) {
	windowsOnce.Do(func() { windowsVol, windowsErr = buildWindowsVolume() })
	return windowsVol, windowsErr
}

func buildWindowsVolume() (_ *realVolume, err error) {
	if err := lookTools("icat", "istat", "fls", "ntfs-3g", "fusermount"); err != nil {
		return nil, err
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return nil, skipError{fmt.Errorf("no /dev/fuse: %v", err)}
	}
	root, err := findRepoRoot()
	if err != nil {
		return nil, err
	}
	src := filepath.Join(root, "..", "shared", "images", "ntfs_index.raw.gz")
	if _, err := os.Stat(src); err != nil {
		return nil, skipError{fmt.Errorf("shared test image missing: %v", err)}
	}
	dir, err := os.MkdirTemp("", "index-windows-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	disk, err := gunzipFile(src, dir)
	if err != nil {
		return nil, err
	}
	off := []string{"-o", "128"} // NTFS partition at LBA 128
	v := &realVolume{name: "windows"}
	if v.upcase, err = upcaseOf(disk, off); err != nil {
		return nil, err
	}
	dirs := []realDir{
		{name: ".", rec: 5, deleted: []string{}, minKeys: 20, minVCNs: 2},
		{name: "test_dir", deleted: []string{"BBBBBBBBBBBBB-del.txt"}, minKeys: 9, minVCNs: 1},
		{name: "System Volume Information"},
		{name: "$RECYCLE.BIN"},
	}
	for i := range dirs {
		d := &dirs[i]
		if d.rec == 0 {
			if d.rec, err = recordOf(disk, off, 5, d.name); err != nil {
				return nil, err
			}
		}
		if d.root, d.alloc, d.bitmap, err = extractIndex(disk, off, d.rec); err != nil {
			return nil, err
		}
	}
	// ntfs-3g does not take a partition offset: copy the partition out.
	raw, err := os.ReadFile(disk)
	if err != nil {
		return nil, err
	}
	part := filepath.Join(dir, "part.img")
	if err := os.WriteFile(part, raw[128*512:], 0o644); err != nil {
		return nil, err
	}
	mnt := filepath.Join(dir, "mnt")
	unmount, err := mount(part, mnt, "-o", "ro")
	if err != nil {
		return nil, err
	}
	for i := range dirs {
		if dirs[i].listing, err = readdir(filepath.Join(mnt, dirs[i].name)); err != nil {
			unmount()
			return nil, err
		}
	}
	if err := unmount(); err != nil {
		return nil, err
	}
	v.dirs = dirs
	return v, nil
}

func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// realIndex is a directory index decoded from its streams.
type realIndex struct {
	root    *Root
	blocks  map[mft.VCN]*Block // every block that parses, in use or not
	inUse   map[mft.VCN]bool
	order   []mft.VCN // in-use VCNs in stream order
	raws    map[mft.VCN][]byte
	vcnSize int
}

func (ri *realIndex) tree() *Tree {
	return &Tree{
		Root: ri.root,
		Load: func(vcn mft.VCN) (*Block, error) {
			b, ok := ri.blocks[vcn]
			if !ok {
				return nil, fmt.Errorf("test: no block at VCN %d", vcn)
			}
			return b, nil
		},
		InUse: func(vcn mft.VCN) bool { return ri.inUse[vcn] },
	}
}

// decodeReal decodes a directory's root and blocks, checking that each
// re-encodes to the exact bytes it came from.
func decodeReal(t *testing.T, d *realDir) *realIndex {
	t.Helper()
	ri := &realIndex{blocks: map[mft.VCN]*Block{}, inUse: map[mft.VCN]bool{}, raws: map[mft.VCN][]byte{}}
	r, err := DecodeRoot(d.root)
	if err != nil {
		t.Fatalf("DecodeRoot: %v", err)
	}
	ri.root = r
	if r.AttrType != mft.AttrFileName || r.Collation != CollationFileName {
		t.Errorf("root: attribute type %v, collation %v; want $FILE_NAME, COLLATION_FILE_NAME", r.AttrType, r.Collation)
	}
	enc, err := r.AppendBinary(nil)
	if err != nil {
		t.Fatalf("Root.AppendBinary: %v", err)
	}
	if diff := bytesDiff(d.root, enc); diff != "" {
		t.Errorf("root re-encoding differs (-want +got):\n%s", diff)
	}
	if d.alloc == nil {
		if !r.IsLeaf() {
			t.Error("root has sub-nodes but the directory has no $INDEX_ALLOCATION")
		}
		return ri
	}
	bs := int(r.BlockSize)
	if r.ClustersPerBlock == 0 || bs%int(r.ClustersPerBlock) != 0 {
		t.Fatalf("root: %d clusters per %d-byte block", r.ClustersPerBlock, bs)
	}
	ri.vcnSize = bs / int(r.ClustersPerBlock)
	if len(d.alloc)%bs != 0 {
		t.Fatalf("$INDEX_ALLOCATION is %d bytes, not a multiple of the block size %d", len(d.alloc), bs)
	}
	for i := 0; i*bs < len(d.alloc); i++ {
		raw := d.alloc[i*bs : (i+1)*bs]
		vcn := mft.VCN(i * bs / ri.vcnSize)
		used := i/8 < len(d.bitmap) && d.bitmap[i/8]&(1<<(i%8)) != 0
		blk, err := ParseBlock(raw, vcn)
		if err != nil {
			if used {
				t.Errorf("block %d (VCN %d, in use): %v", i, vcn, err)
			} else {
				t.Logf("block %d (VCN %d, not in use) does not parse: %v", i, vcn, err)
			}
			continue
		}
		ri.blocks[vcn] = blk
		ri.raws[vcn] = raw
		if used {
			ri.inUse[vcn] = true
			ri.order = append(ri.order, vcn)
		}
		enc, err := blk.AppendBinary(nil, bs)
		if err != nil {
			t.Errorf("VCN %d: AppendBinary: %v", vcn, err)
			continue
		}
		if err := mft.ProtectFixups(enc); err != nil {
			t.Errorf("VCN %d: ProtectFixups: %v", vcn, err)
			continue
		}
		if diff := bytesDiff(raw, enc); diff != "" {
			t.Errorf("VCN %d: re-encoding differs (-want +got):\n%s", vcn, diff)
		}
	}
	return ri
}

// nodeKeys returns the file names of the key entries of n, checking that
// each key is exactly one $FILE_NAME of a name in directory rec.
func nodeKeys(t *testing.T, where string, n *Node, rec uint64) []mft.FileName {
	t.Helper()
	var out []mft.FileName
	for i := range n.Entries {
		e := &n.Entries[i]
		if e.IsLast() {
			if i != len(n.Entries)-1 {
				t.Errorf("%s: entry %d is last but not at the end", where, i)
			}
			continue
		}
		fn, err := e.FileName()
		if err != nil {
			t.Errorf("%s: entry %d: %v", where, i, err)
			continue
		}
		if int(e.KeyLength) != fn.Len() {
			t.Errorf("%s: entry %d (%q): key length %d, $FILE_NAME length %d", where, i, fn.NameString(), e.KeyLength, fn.Len())
		}
		if uint64(fn.Parent.Record()) != rec {
			t.Errorf("%s: entry %d (%q): parent %v, want record %d", where, i, fn.NameString(), fn.Parent, rec)
		}
		out = append(out, fn)
	}
	return out
}

// shownByNtfs3g reports whether ntfs-3g's readdir lists the entry: it
// hides DOS names (their Win32 name is listed) and, by default, the
// system files (records below 16, and "." of the root).
func shownByNtfs3g(fn mft.FileName, ref mft.FileRef) bool {
	return fn.Namespace != mft.NamespaceDOS && ref.Record() >= 16
}

func TestRealIndexes(t *testing.T) {
	for _, src := range []struct {
		name string
		get  func() (*realVolume, error)
	}{{"mkntfs", mkntfsVolume}, {"windows", windowsVolume}} {
		t.Run(src.name, func(t *testing.T) {
			v := realVolumeOrSkip(t, src.get)
			for i := range v.dirs {
				d := &v.dirs[i]
				t.Run(d.name, func(t *testing.T) { checkRealDir(t, v, d) })
			}
		})
	}
}

func checkRealDir(t *testing.T, v *realVolume, d *realDir) {
	ri := decodeReal(t, d)
	tr := ri.tree()
	u := v.upcase

	// Every node: keys decode; WalkNodes reaches every block in use
	// exactly once and nothing else.
	var reached []mft.VCN
	levels := map[mft.VCN]int{NoVCN: 1}
	depth := 1
	readdirOrder := map[mft.VCN][]string{}
	err := tr.WalkNodes(func(vcn mft.VCN, n *Node, blk *Block) error {
		where := "root"
		if vcn != NoVCN {
			where = fmt.Sprintf("VCN %d", vcn)
			reached = append(reached, vcn)
		}
		for i := range n.Entries {
			if e := &n.Entries[i]; e.HasChild() {
				levels[e.Child] = levels[vcn] + 1
				depth = max(depth, levels[e.Child])
			}
		}
		for i, fn := range nodeKeys(t, where, n, d.rec) {
			if shownByNtfs3g(fn, n.Entries[i].Ref) {
				readdirOrder[vcn] = append(readdirOrder[vcn], fn.NameString())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("WalkNodes: %v", err)
	}
	slices.Sort(reached)
	if diff := cmp.Diff(ri.order, reached); diff != "" {
		t.Errorf("blocks reached by WalkNodes differ from those in use in $BITMAP (-want +got):\n%s", diff)
	}
	if len(ri.order) < d.minVCNs {
		t.Errorf("%d INDX blocks in use, want at least %d", len(ri.order), d.minVCNs)
	}

	// Walk: every key, strictly in collation order.
	var walked []mft.FileName
	var refs []mft.FileRef
	err = tr.Walk(func(e *Entry) error {
		fn, err := e.FileName()
		if err != nil {
			return err
		}
		walked = append(walked, fn)
		refs = append(refs, e.Ref)
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	t.Logf("%d keys, %d INDX blocks in use, %d levels", len(walked), len(ri.order), depth)
	if len(walked) < d.minKeys {
		t.Errorf("Walk gave %d keys, want at least %d", len(walked), d.minKeys)
	}
	for i := 1; i < len(walked); i++ {
		if c := u.CompareNames(walked[i-1].Name, walked[i].Name); c >= 0 {
			t.Errorf("Walk: %q then %q: not in collation order (compare %d)", walked[i-1].NameString(), walked[i].NameString(), c)
		}
	}

	// The mount lists the same names; ntfs-3g's readdir returns the root's
	// keys in order, then each block's keys, block by block in $BITMAP
	// order (not a tree walk), so that is the order to expect.
	var shown []string
	for i, fn := range walked {
		if shownByNtfs3g(fn, refs[i]) {
			shown = append(shown, fn.NameString())
		}
	}
	if diff := cmp.Diff(sorted(d.listing), sorted(shown), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("names walked differ from the ntfs-3g listing (-want +got):\n%s", diff)
	}
	wantOrder := readdirOrder[NoVCN]
	for _, vcn := range ri.order {
		wantOrder = append(wantOrder, readdirOrder[vcn]...)
	}
	if diff := cmp.Diff(d.listing, wantOrder, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ntfs-3g readdir order differs from root keys then blocks in $BITMAP order (-ntfs-3g +index):\n%s", diff)
	}
	if d.name == "big" {
		var names []string
		for _, fn := range walked {
			names = append(names, fn.NameString())
		}
		if diff := cmp.Diff(sorted(bigNames()), sorted(names)); diff != "" {
			t.Errorf("names walked differ from the names created (-want +got):\n%s", diff)
		}
	}

	checkRealLookups(t, u, tr, walked, refs, d)

	// Deleted entries stay in the slack of a block (past IndexLength),
	// are not walked and not found.
	for _, name := range d.deleted {
		pat := utf16Bytes(name)
		found := false
		for vcn, blk := range ri.blocks {
			raw := blk.Raw()
			if i := bytes.Index(raw, pat); i >= 0 {
				if i < blockHeaderLen+int(blk.IndexLength) {
					t.Errorf("deleted %q at offset %#x of VCN %d, inside the node (length %#x)", name, i, vcn, blk.IndexLength)
				}
				found = true
			}
		}
		if !found {
			t.Errorf("deleted %q is not in any block's slack", name)
		}
		if es, err := tr.LookupFileName(u, units(name)); err != nil || len(es) != 0 {
			t.Errorf("LookupFileName(deleted %q) = %d entries, %v", name, len(es), err)
		}
		for _, fn := range walked {
			if fn.NameString() == name {
				t.Errorf("Walk gave deleted %q", name)
			}
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func utf16Bytes(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c), byte(c>>8))
	}
	return b
}

// checkRealLookups looks every walked name up, exactly and in other case,
// and names that fall before, after and between the keys.
func checkRealLookups(t *testing.T, u UpCase, tr *Tree, walked []mft.FileName, refs []mft.FileRef, d *realDir) {
	t.Helper()
	type hit struct {
		Name string
		Ref  mft.FileRef
	}
	// want is every key equal to name ignoring case, in index order.
	want := func(name []uint16) []hit {
		var out []hit
		for i, fn := range walked {
			if u.EqualFold(fn.Name, name) {
				out = append(out, hit{fn.NameString(), refs[i]})
			}
		}
		return out
	}
	lookup := func(name []uint16) []hit {
		t.Helper()
		es, err := tr.LookupFileName(u, name)
		if err != nil {
			t.Fatalf("LookupFileName(%q): %v", mft.NameString(name), err)
		}
		var out []hit
		for i := range es {
			fn, err := es[i].FileName()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, hit{fn.NameString(), es[i].Ref})
		}
		return out
	}
	upper := func(s []uint16) []uint16 {
		out := make([]uint16, len(s))
		for i, c := range s {
			out[i] = u.Upper(c)
		}
		return out
	}
	swapASCII := func(s []uint16) []uint16 {
		out := slices.Clone(s)
		for i, c := range out {
			switch {
			case c >= 'a' && c <= 'z':
				out[i] = c - 'a' + 'A'
			case c >= 'A' && c <= 'Z':
				out[i] = c - 'A' + 'a'
			}
		}
		return out
	}
	for i, fn := range walked {
		for _, variant := range []struct {
			how  string
			name []uint16
		}{{"exact", fn.Name}, {"upper-cased", upper(fn.Name)}, {"case-swapped", swapASCII(fn.Name)}} {
			got := lookup(variant.name)
			if diff := cmp.Diff(want(fn.Name), got); diff != "" {
				t.Errorf("LookupFileName(%s %q) (-want +got):\n%s", variant.how, mft.NameString(variant.name), diff)
			}
			if !slices.Contains(got, hit{fn.NameString(), refs[i]}) {
				t.Errorf("LookupFileName(%s %q) misses %q", variant.how, mft.NameString(variant.name), fn.NameString())
			}
		}
	}
	fold := func(a, b []uint16) int { return foldCompareRef(u, a, b) }
	misses := [][]uint16{{0x0001}, {0xFFFF, 0xFFFF}, units("no such name")}
	for i := 1; i < len(walked); i++ {
		a, b := walked[i-1].Name, walked[i].Name
		between := append(slices.Clone(a), 0x0001)
		if fold(a, between) < 0 && fold(between, b) < 0 {
			misses = append(misses, between)
		}
	}
	if len(walked) > 0 && fold(misses[0], walked[0].Name) >= 0 {
		t.Fatalf("%q does not sort before the first key", mft.NameString(misses[0]))
	}
	for _, m := range misses {
		if len(want(m)) != 0 {
			continue
		}
		if got := lookup(m); len(got) != 0 {
			t.Errorf("LookupFileName(%q) = %v, want nothing", mft.NameString(m), got)
		}
	}
	if len(walked) > 2 && len(misses) < len(walked)/2 {
		t.Errorf("only %d names between keys to look up", len(misses))
	}
}

// foldCompareRef orders names upper-cased through u, written out
// independently of foldCompare.
func foldCompareRef(u UpCase, a, b []uint16) int {
	return slices.Compare(upperAll(u, a), upperAll(u, b))
}

func upperAll(u UpCase, s []uint16) []uint16 {
	out := make([]uint16, len(s))
	for i, c := range s {
		out[i] = u.Upper(c)
	}
	return out
}
