package volume_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/corrupt"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// checkKey is what a corruption test asserts of a finding.
type checkKey struct {
	Code     volume.Code
	Severity volume.Severity
	Record   mft.RecordNumber
	Parent   mft.RecordNumber
	Name     string
	LCN      int64
	Path     string
}

func keyOf(f volume.Finding) checkKey {
	return checkKey{f.Code, f.Severity, f.Record, f.Parent, f.Name, f.LCN, f.Path}
}

func runCheck(t *testing.T, v *volume.Volume) []volume.Finding {
	t.Helper()
	fs, err := volume.Check(v, volume.CheckOptions{})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	for _, f := range fs {
		if f.Message == "" {
			t.Errorf("finding without a message: %+v", f)
		}
	}
	return fs
}

func checkPath(t *testing.T, img string) []volume.Finding {
	t.Helper()
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	return runCheck(t, v)
}

func errorsOf(fs []volume.Finding) []volume.Finding {
	var out []volume.Finding
	for _, f := range fs {
		if f.Severity == volume.SevError {
			out = append(out, f)
		}
	}
	return out
}

// TestCheckCorruptions makes each of the 21 corruptions of issue 5 in its
// own copy of the reference image (mkntfs + ntfs-3g) and requires Check to
// report it with the right code and place, and to report no other error.
// internal/interop/check_test.go shows with other tools that each
// corruption is real.
func TestCheckCorruptions(t *testing.T) {
	ref := corrupt.RefImage(t)
	v, err := volume.Open(ref, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := func(p string) mft.RecordNumber {
		f, err := v.Lookup(p)
		if err != nil {
			t.Fatal(err)
		}
		return f.Number()
	}
	root := mft.RecordRoot
	only, linked, many, pair, dir1, linksB := rec("/only.txt"), rec("/third.txt"), rec("/many"), rec("/pair"), rec("/dir1"), rec("/links/b")
	junction, big, big2 := rec("/junction"), rec("/big.txt"), rec("/big2.txt")
	v.Close()
	const E, W = volume.SevError, volume.SevWarning
	// entry is a finding about the entry NAME in directory DIR.
	entry := func(code volume.Code, dir mft.RecordNumber, name, path string) checkKey {
		return checkKey{Code: code, Record: dir, Parent: dir, Name: name, Path: path}
	}
	tests := []struct {
		name string
		// do corrupts img and returns the findings wanted.
		do func(t *testing.T, img string) []checkKey
	}{
		{"torn fixup in a file record", func(t *testing.T, img string) []checkKey {
			if _, err := corrupt.TornRecordFixup(img, "/only.txt"); err != nil {
				t.Fatal(err)
			}
			return []checkKey{{Code: volume.CodeRecordFixup, Record: only, Path: "/only.txt"}}
		}},
		{"torn fixup in an INDX block", func(t *testing.T, img string) []checkKey {
			vcn, err := corrupt.TornINDXFixup(img, "/many")
			mustErr(t, err)
			if vcn != 0 {
				t.Fatalf("torn block at VCN %d, want 0", vcn)
			}
			return []checkKey{{Code: volume.CodeIndexFixup, Record: many, Parent: many, Path: "/many"}}
		}},
		{"link count too high", func(t *testing.T, img string) []checkKey {
			if _, err := corrupt.LinkCount(img, "/third.txt", 1); err != nil {
				t.Fatal(err)
			}
			return []checkKey{{Code: volume.CodeLinkCount, Record: linked, Path: "/third.txt"}}
		}},
		{"link count too low", func(t *testing.T, img string) []checkKey {
			if _, err := corrupt.LinkCount(img, "/third.txt", -1); err != nil {
				t.Fatal(err)
			}
			return []checkKey{{Code: volume.CodeLinkCount, Record: linked, Path: "/third.txt"}}
		}},
		{"entry of a file's only name removed", func(t *testing.T, img string) []checkKey {
			mustErr(t, corrupt.RemoveIndexEntry(img, "/only.txt"))
			return []checkKey{{Code: volume.CodeNameNotIndexed, Record: only, Parent: root, Name: "only.txt", Path: "/only.txt"}}
		}},
		{"entry of one of several hard links removed", func(t *testing.T, img string) []checkKey {
			mustErr(t, corrupt.RemoveIndexEntry(img, "/links/b/second.txt"))
			return []checkKey{{Code: volume.CodeNameNotIndexed, Record: linked, Parent: linksB, Name: "second.txt", Path: "/links/b/second.txt"}}
		}},
		{"whole INDX block emptied", func(t *testing.T, img string) []checkKey {
			_, names, err := corrupt.EmptyINDXBlock(img, "/many")
			mustErr(t, err)
			if len(names) < 2 {
				t.Fatalf("emptied block held %d names", len(names))
			}
			var want []checkKey
			rv, err := volume.Open(ref, volume.Options{})
			mustErr(t, err)
			defer rv.Close()
			for _, n := range names {
				f, err := rv.Lookup("/many/" + n)
				mustErr(t, err)
				want = append(want, checkKey{Code: volume.CodeNameNotIndexed, Record: f.Number(), Parent: many, Name: n, Path: "/many/" + n})
			}
			return want
		}},
		{"entry to a freed record", func(t *testing.T, img string) []checkKey {
			if _, err := corrupt.FreeRecord(img, "/only.txt", false); err != nil {
				t.Fatal(err)
			}
			return []checkKey{entry(volume.CodeEntryDangling, root, "only.txt", "/only.txt")}
		}},
		{"entry to a freed record, bitmap bit kept", func(t *testing.T, img string) []checkKey {
			if _, err := corrupt.FreeRecord(img, "/only.txt", true); err != nil {
				t.Fatal(err)
			}
			return []checkKey{
				entry(volume.CodeEntryDangling, root, "only.txt", "/only.txt"),
				{Code: volume.CodeMFTBitmap, Severity: W, Record: only},
			}
		}},
		{"two entries swapped in the root", func(t *testing.T, img string) []checkKey {
			names, err := corrupt.SwapEntries(img, "/pair", true)
			mustErr(t, err)
			return []checkKey{entry(volume.CodeIndexOrder, pair, names[1], "/pair/"+names[1])}
		}},
		{"two entries swapped in an INDX block", func(t *testing.T, img string) []checkKey {
			names, err := corrupt.SwapEntries(img, "/many", false)
			mustErr(t, err)
			return []checkKey{entry(volume.CodeIndexOrder, many, names[1], "/many/"+names[1])}
		}},
		{"reparse point missing from $Reparse", func(t *testing.T, img string) []checkKey {
			mustErr(t, corrupt.DropReparseKey(img, "/junction"))
			return []checkKey{{Code: volume.CodeReparseKeyMissing, Record: junction, Path: "/junction"}}
		}},
		{"wrong sequence number in an entry", func(t *testing.T, img string) []checkKey {
			mustErr(t, corrupt.EntrySequence(img, "/only.txt", 1))
			return []checkKey{
				entry(volume.CodeEntrySequence, root, "only.txt", "/only.txt"),
				{Code: volume.CodeNameNotIndexed, Record: only, Parent: root, Name: "only.txt", Path: "/only.txt"},
			}
		}},
		{"$MFTMirr differs", func(t *testing.T, img string) []checkKey {
			mustErr(t, corrupt.MirrorDiffer(img))
			return []checkKey{{Code: volume.CodeMFTMirr, Record: 0}}
		}},
		{"$MFT:$BITMAP bit cleared", func(t *testing.T, img string) []checkKey {
			if _, err := corrupt.ClearMFTBit(img, "/only.txt"); err != nil {
				t.Fatal(err)
			}
			return []checkKey{{Code: volume.CodeMFTBitmap, Record: only, Path: "/only.txt"}}
		}},
		{"$Bitmap bit cleared", func(t *testing.T, img string) []checkKey {
			lcn, err := corrupt.ClearClusterBit(img, "/big.txt")
			mustErr(t, err)
			return []checkKey{{Code: volume.CodeClusterBitmap, LCN: lcn}}
		}},
		{"wrong parent in a $FILE_NAME", func(t *testing.T, img string) []checkKey {
			if _, err := corrupt.FileNameParent(img, "/only.txt", "/dir1"); err != nil {
				t.Fatal(err)
			}
			return []checkKey{
				entry(volume.CodeEntryNoName, root, "only.txt", "/only.txt"),
				{Code: volume.CodeNameNotIndexed, Record: only, Parent: dir1, Name: "only.txt", Path: "/dir1/only.txt"},
			}
		}},
		{"wrong data size in an entry", func(t *testing.T, img string) []checkKey {
			mustErr(t, corrupt.EntrySize(img, "/big.txt", 7))
			return []checkKey{entry(volume.CodeEntrySize, root, "big.txt", "/big.txt")}
		}},
		{"reparse tag missing in an entry", func(t *testing.T, img string) []checkKey {
			mustErr(t, corrupt.EntryReparseTag(img, "/junction", 0))
			return []checkKey{entry(volume.CodeEntryFlags, root, "junction", "/junction")}
		}},
		{"directory flag missing in an entry", func(t *testing.T, img string) []checkKey {
			mustErr(t, corrupt.EntryDirFlag(img, "/dir1"))
			return []checkKey{entry(volume.CodeEntryFlags, root, "dir1", "/dir1")}
		}},
		{"two files claim one cluster", func(t *testing.T, img string) []checkKey {
			lcn, err := corrupt.CrossLink(img, "/big.txt", "/big2.txt")
			mustErr(t, err)
			return []checkKey{{Code: volume.CodeClusterCross, Record: big2, LCN: lcn, Path: "/big2.txt"}}
		}},
	}
	if len(tests) != 21 {
		t.Fatalf("%d corruptions, want the 21 of issue 5", len(tests))
	}
	_ = big
	_ = E
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := oracle.CopyImage(t, ref)
			want := tt.do(t, img)
			fs := checkPath(t, img)
			var got []checkKey
			for _, f := range fs {
				got = append(got, keyOf(f))
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("missing finding %+v", w)
				}
			}
			// No other error: each corruption is reported where it is.
			for _, f := range errorsOf(fs) {
				if !slices.Contains(want, keyOf(f)) {
					t.Errorf("unexpected error finding %s (%+v)", f, keyOf(f))
				}
			}
			if t.Failed() {
				for _, f := range fs {
					t.Logf("found: %s %+v", f, keyOf(f))
				}
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mustErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCheckCleanNtfs3g requires no error on images made by mkntfs and
// ntfs-3g: the reference image, the sample, the interop image (hard links,
// 45 links, 2,000-entry directories, deletions), the fragmented-$MFT image,
// and the reference image after a read-write ntfs-3g session.
func TestCheckCleanNtfs3g(t *testing.T) {
	images := map[string]func(t *testing.T) string{
		"reference": func(t *testing.T) string { return corrupt.RefImage(t) },
		"sample": func(t *testing.T) string {
			return filepath.Join(oracle.RepoRoot(t), "fixtures", "sample.img")
		},
		"interop":  func(t *testing.T) string { return oracle.Image(t, "fixtures/mkinterop.sh") },
		"fragmft":  func(t *testing.T) string { return oracle.Image(t, "fixtures/mkfragmft.sh") },
		"after-rw": afterRWSession,
	}
	for _, name := range []string{"reference", "sample", "interop", "fragmft", "after-rw"} {
		t.Run(name, func(t *testing.T) {
			fs := checkPath(t, images[name](t))
			if diff := cmp.Diff([]volume.Finding(nil), errorsOf(fs)); diff != "" {
				t.Errorf("errors on a clean image (-want +got):\n%s", diff)
			}
		})
	}
}

// afterRWSession returns a copy of the reference image after ntfs-3g
// created, renamed, hard-linked and deleted files in it.
func afterRWSession(t *testing.T) string {
	img := oracle.CopyImage(t, corrupt.RefImage(t))
	dir, unmount := oracle.MountRW(t, img)
	steps := []func() error{
		func() error { return os.MkdirAll(filepath.Join(dir, "new/sub"), 0o755) },
		func() error { return os.WriteFile(filepath.Join(dir, "new/sub/f.txt"), make([]byte, 9000), 0o644) },
		func() error { return os.Link(filepath.Join(dir, "new/sub/f.txt"), filepath.Join(dir, "new/link.txt")) },
		func() error { return os.Rename(filepath.Join(dir, "only.txt"), filepath.Join(dir, "new/moved.txt")) },
		func() error { return os.Remove(filepath.Join(dir, "third.txt")) },
		func() error { return os.WriteFile(filepath.Join(dir, "big.txt"), []byte("short now"), 0o644) },
	}
	for i := range 300 {
		steps = append(steps, func() error { return os.Remove(filepath.Join(dir, fmt.Sprintf("many/file%03d.txt", i))) })
	}
	for _, s := range steps {
		if err := s(); err != nil {
			unmount()
			t.Fatal(err)
		}
	}
	unmount()
	return img
}

// TestCheckCleanWriter requires no error after edits by our own writer:
// directories, files, hard links, symlinks and junctions created, names
// removed, a directory grown past one INDX block and shrunk again.
func TestCheckCleanWriter(t *testing.T) {
	img := oracle.CopyImage(t, corrupt.RefImage(t))
	for _, dos := range []bool{false, true} {
		v, err := volume.OpenWritable(img, volume.Options{}, volume.WriteOptions{DOSNames: dos})
		if err != nil {
			t.Fatal(err)
		}
		d := fmt.Sprintf("/w%v", dos)
		err = v.Update(func(tx *volume.Tx) error {
			if err := tx.MkdirAll(d + "/a/b"); err != nil {
				return err
			}
			for i := range 200 {
				if err := tx.Create(fmt.Sprintf("%s/a/Long File Name %03d.txt", d, i), strings.NewReader("x")); err != nil {
					return err
				}
			}
			if err := tx.Link("/pair/a.txt", d+"/a/b/hard.txt"); err != nil {
				return err
			}
			if err := tx.Symlink(d+"/sym", `..\x`, volume.SymlinkOptions{}); err != nil {
				return err
			}
			return tx.Junction(d+"/junction", `C:\pair`)
		})
		if err != nil {
			v.Close()
			t.Fatal(err)
		}
		err = v.Update(func(tx *volume.Tx) error {
			for i := range 190 {
				if err := tx.Remove(fmt.Sprintf("%s/a/Long File Name %03d.txt", d, i)); err != nil {
					return err
				}
			}
			return tx.Unlink(fmt.Sprintf("/many/file%03d.txt", 123+b2i(dos)))
		})
		v.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	fs := checkPath(t, img)
	if diff := cmp.Diff([]volume.Finding(nil), errorsOf(fs)); diff != "" {
		t.Errorf("errors after our writer's edits (-want +got):\n%s", diff)
	}
}

// TestCheckDOSNameLinkCount checks how the link count counts a Win32 name
// and its separate DOS name against ntfs-3g: after `setfattr -n
// system.ntfs_dos_name`, ntfs-3g keeps two $FILE_NAME attributes (win32,
// dos) and writes 2 into the record header; Check agrees and reports
// nothing for the record. (Windows does the same: the Windows XP image's
// "System Volume Information" and its SYSTEM~1 also count 2; see
// internal/interop.)
func TestCheckDOSNameLinkCount(t *testing.T) {
	img := corrupt.RefImage(t)
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	f, err := v.Lookup("/Long File Name.txt")
	if err != nil {
		t.Fatal(err)
	}
	names, err := f.Names()
	if err != nil {
		t.Fatal(err)
	}
	var ns []mft.Namespace
	for _, n := range names {
		ns = append(ns, n.Namespace)
	}
	slices.Sort(ns)
	if diff := cmp.Diff([]mft.Namespace{mft.NamespaceWin32, mft.NamespaceDOS}, ns); diff != "" {
		t.Fatalf("namespaces (-want +got):\n%s", diff)
	}
	if f.LinkCount() != 2 {
		t.Fatalf("ntfs-3g wrote link count %d for a Win32 + DOS name pair, want 2", f.LinkCount())
	}
	for _, fd := range runCheck(t, v) {
		if fd.Record == f.Number() {
			t.Errorf("finding for the record with a DOS name: %s", fd)
		}
	}
	// One link less must be reported.
	cp := oracle.CopyImage(t, img)
	if _, err := corrupt.LinkCount(cp, "/Long File Name.txt", -1); err != nil {
		t.Fatal(err)
	}
	var got []checkKey
	for _, fd := range checkPath(t, cp) {
		if fd.Code == volume.CodeLinkCount {
			got = append(got, keyOf(fd))
		}
	}
	want := []checkKey{{Code: volume.CodeLinkCount, Record: f.Number(), Path: "/Long File Name.txt"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("link-count findings (-want +got):\n%s", diff)
	}
}

// TestCheckRandomCorruption flips random bytes of the sample image's $MFT
// and index blocks (and, on one seed in four, anywhere) and requires Check
// never to panic (errors are findings). Seeds are fixed;
// NTFSEDIT_CHECK_SEEDS sets their number for a longer run by hand.
func TestCheckRandomCorruption(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join(oracle.RepoRoot(t), "fixtures", "sample.img"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("sample", func(t *testing.T) { randomCorruption(t, orig, 400<<10) })
	ref, err := os.ReadFile(corrupt.RefImage(t))
	if err != nil {
		t.Fatal(err)
	}
	// The reference image's $MFT starts at 16 KiB and /many's INDX blocks
	// end below 1.6 MiB.
	t.Run("reference", func(t *testing.T) { randomCorruption(t, ref, 1600<<10) })
}

func randomCorruption(t *testing.T, orig []byte, hi int64) {
	v, err := volume.OpenOn(volume.NewMemDevice(orig, 512), volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := v.Info()
	v.Close()
	// From $MFT's first record to hi: records and index blocks.
	lo := in.MFTCluster * int64(in.ClusterSize)
	seeds := 200
	if testing.Short() {
		seeds = 30
	}
	if n, err := strconv.Atoi(os.Getenv("NTFSEDIT_CHECK_SEEDS")); err == nil {
		seeds = n // a longer run by hand
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 5))
		b := slices.Clone(orig)
		for range 1 + rng.IntN(40) {
			off := lo + rng.Int64N(hi-lo)
			if seed%4 == 3 {
				off = rng.Int64N(int64(len(b))) // anywhere, bitmaps and $Secure too
			}
			b[off] ^= byte(1 + rng.IntN(255))
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("seed %d: panic: %v", seed, r)
				}
			}()
			v, err := volume.OpenOn(volume.NewMemDevice(b, 512), volume.Options{})
			if err != nil {
				return // record 0 itself broken: nothing to check
			}
			defer v.Close()
			if _, err := volume.Check(v, volume.CheckOptions{}); err != nil {
				t.Logf("seed %d: %v", seed, err)
			}
		}()
	}
}

// FuzzCheckMFT checks a bare $MFT built from the sample's first records with
// fuzzed bytes: no panic.
func FuzzCheckMFT(f *testing.F) {
	orig, err := os.ReadFile(filepath.Join("..", "fixtures", "sample.img"))
	if err != nil {
		f.Skip(err)
	}
	mftBytes := orig[16<<10 : 16<<10+78<<10]
	f.Add(uint32(69*1024+0x12), byte(1))
	f.Add(uint32(5*1024+0x200), byte(0xff))
	f.Fuzz(func(t *testing.T, off uint32, x byte) {
		b := slices.Clone(mftBytes)
		b[int(off)%len(b)] ^= x
		v, err := volume.OpenMFTBytes(b, "fuzz")
		if err != nil {
			return
		}
		volume.Check(v, volume.CheckOptions{})
	})
}

// TestCheckMoreCorruptions covers the checks the 21 corruptions leave out:
// security ids, the reparse-point attribute flag, attribute instances,
// the backup boot sector and a $FILE_NAME's parent sequence number.
func TestCheckMoreCorruptions(t *testing.T) {
	ref := corrupt.RefImage(t)
	v, err := volume.Open(ref, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := v.Lookup("/junction")
	if err != nil {
		t.Fatal(err)
	}
	junction := f.Number()
	if f, err = v.Lookup("/only.txt"); err != nil {
		t.Fatal(err)
	}
	only := f.Number()
	v.Close()
	// mkntfs gives system files NTFS 3 $STANDARD_INFORMATION with ids;
	// ntfs-3g's own files have the 48-byte form.
	const upcase = mft.RecordUpCase
	tests := []struct {
		name string
		do   func(img string) error
		want checkKey
	}{
		{"security id", func(img string) error { return corrupt.SecurityID(img, "/$UpCase", 0xABCDE) },
			checkKey{Code: volume.CodeSecurityID, Record: upcase, Path: "/$UpCase"}},
		{"reparse flag", func(img string) error { return corrupt.SIAttributes(img, "/junction", mft.FileReparsePoint, 0) },
			checkKey{Code: volume.CodeReparseFlag, Record: junction, Path: "/junction"}},
		{"attribute instance", func(img string) error { return corrupt.AttrInstance(img, "/only.txt") },
			checkKey{Code: volume.CodeAttrInstance, Record: only, Path: "/only.txt"}},
		{"backup boot sector", corrupt.BootBackup, checkKey{Code: volume.CodeBootBackup}},
		{"stale parent sequence number", func(img string) error {
			_, err := corrupt.FileNameParentSeq(img, "/only.txt", 1)
			return err
		}, checkKey{Code: volume.CodeBadParent, Record: only, Parent: mft.RecordRoot, Name: "only.txt", Path: "/only.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := oracle.CopyImage(t, ref)
			mustErr(t, tt.do(img))
			fs := checkPath(t, img)
			var got []checkKey
			for _, f := range errorsOf(fs) {
				k := keyOf(f)
				got = append(got, k)
			}
			if diff := cmp.Diff([]checkKey{tt.want}, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCheckAttrList frees an extension record of the interop image's
// 45-link file (its $ATTRIBUTE_LIST is non-resident): the base record's
// list then names a record not in use.
func TestCheckAttrList(t *testing.T) {
	src := oracle.Image(t, "fixtures/mkinterop.sh")
	const p = "/many-links/hardlink-number-00-with-a-long-name.txt"
	v, err := volume.Open(src, volume.Options{})
	mustErr(t, err)
	f, err := v.Lookup(p)
	mustErr(t, err)
	base := f.Number()
	ext := mft.RecordNumber(0)
	for n := base + 1; n < base+64 && ext == 0; n++ {
		if r, err := v.Record(n); err == nil && r.InUse() && r.Base.Record() == base {
			ext = n
		}
	}
	v.Close()
	if ext == 0 || f.Attr(mft.AttrAttributeList, nil) == nil {
		t.Fatalf("%s (record %d) has no extension record", p, base)
	}
	img := oracle.CopyImage(t, src)
	mustErr(t, corrupt.FreeRecordNumber(img, ext, false))
	var got []checkKey
	for _, fd := range errorsOf(checkPath(t, img)) {
		got = append(got, keyOf(fd))
	}
	// The path comes from the base record's first name.
	want := []checkKey{{Code: volume.CodeAttrListCorrupt, Record: base}}
	if len(got) == 1 {
		got[0].Path = ""
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}
