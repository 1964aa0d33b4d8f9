//go:build linux

package interop

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/corrupt"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// CheckFinding is one line of `check --json`. Unknown fields are ignored.
type CheckFinding struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Record   uint64 `json:"record"`
	Parent   uint64 `json:"parent"`
	Name     string `json:"name"`
	LCN      int64  `json:"lcn"`
	Path     string `json:"path"`
	Message  string `json:"message"`
}

// check runs `ntfsedit check --json ARGS…` and returns its findings and
// exit status.
func check(t *testing.T, args ...string) ([]CheckFinding, int) {
	t.Helper()
	if cliBuildErr != nil {
		t.Fatal(cliBuildErr)
	}
	var stdout, stderr strings.Builder
	cmd := exec.Command(cliPath, append([]string{"check", "--json"}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	status := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		status = ee.ExitCode()
	}
	if status > 1 {
		t.Fatalf("ntfsedit check %s: exit status %d\n%s", strings.Join(args, " "), status, stderr.String())
	}
	out := stdout.String()
	var fs []CheckFinding
	for line := range strings.Lines(out) {
		var f CheckFinding
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("check --json: %v: %q", err, line)
		}
		fs = append(fs, f)
	}
	return fs, status
}

func errorFindings(fs []CheckFinding) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == "error" {
			out = append(out, fmt.Sprintf("%s: %s (%s)", f.Code, f.Message, f.Path))
		}
	}
	return out
}

// No noise: check reports no error (exit status 0) on volumes Windows made
// (XP, 7, 10), on ntfs3's, and on bare $MFT files Windows wrote.
func TestCheckRealWorldClean(t *testing.T) {
	for _, ri := range realImages {
		t.Run(ri.name, func(t *testing.T) {
			img := ri.open(t)
			fs, status := check(t, img+ri.suffix)
			if errs := errorFindings(fs); len(errs) > 0 || status != 0 {
				t.Errorf("exit status %d, errors:\n%s", status, strings.Join(errs, "\n"))
			}
		})
	}
	for _, name := range []string{"unicode.mft.gz", "deleted.mft.gz", "slack.mft.gz", "orphan.mft.gz", "4k-large.mft.gz", "compressed_sparse.mft.gz"} {
		t.Run(name, func(t *testing.T) {
			fs, status := check(t, "--mft-file", sharedImage(t, name, ""))
			if errs := errorFindings(fs); len(errs) > 0 || status != 0 {
				t.Errorf("exit status %d, errors:\n%s", status, strings.Join(errs, "\n"))
			}
		})
	}
}

// Windows counts a Win32 name and its separate DOS name twice in the
// link count: on the Windows XP image "System Volume Information" has the
// two attributes (SYSTEM~1 in the DOS namespace), istat says 2 links, and
// check reports nothing for it (TestCheckRealWorldClean).
func TestCheckWindowsDOSLinkCount(t *testing.T) {
	oracle.Require(t, "istat", "fsntfsinfo")
	img := sharedImage(t, "dftt-7-undel-ntfs.zip", "7-undel-ntfs/7-ntfs-undel.dd")
	st := oracle.Istat(t, img, 27)
	names := 0
	for _, a := range st.Attrs {
		if a.Type == 48 {
			names++
		}
	}
	if st.Links != 2 || names != 2 {
		t.Fatalf("record 27: istat says %d links and %d $FILE_NAME attributes, want 2 and 2", st.Links, names)
	}
	fs := oracle.Fsntfsinfo(t, img)
	var ns []string
	for _, n := range fs[27].Names {
		ns = append(ns, n.Namespace)
	}
	slices.Sort(ns)
	if !slices.Equal(ns, []string{"DOS", "Windows"}) {
		t.Errorf("record 27: fsntfsinfo namespaces %q, want a DOS and a Windows name", ns)
	}
}

// Each corruption of issue 5 is found by check with its code, and shown to
// be real by a tool we did not write where one notices it: lookups through
// an ntfs-3g mount fail, fls marks the entry, istat and blkstat disagree,
// ntfsfix repairs $MFTMirr. Four corruptions no CI oracle notices (the
// $Reparse key, the entry's reparse tag and size, the $MFT:$BITMAP bit);
// ntfsck, built from source by hand, reports the last three of them (see
// the README).
func TestCheckCorruptionsOracles(t *testing.T) {
	oracle.Require(t, "fls", "istat", "blkstat", "ntfsfix", "ntfs-3g")
	ref := corrupt.RefImage(t)
	// lookupFails: an ntfs-3g mount cannot stat these paths.
	lookupFails := func(paths ...string) func(t *testing.T, img string, v any) {
		return func(t *testing.T, img string, _ any) {
			dir := oracle.MountRO(t, img)
			for _, p := range paths {
				if _, err := os.Lstat(filepath.Join(dir, p)); err == nil {
					t.Errorf("ntfs-3g: %s still resolves", p)
				}
			}
		}
	}
	// flsMarks: `fls -r -p` prints a line matching re.
	flsMarks := func(re string) func(t *testing.T, img string, v any) {
		return func(t *testing.T, img string, _ any) {
			out := oracle.Run(t, "fls", "-r", "-p", img)
			if !regexp.MustCompile(re).Match(out) {
				t.Errorf("fls -r -p: no line matching %s:\n%s", re, out)
			}
		}
	}
	// linksDiffer: istat's link count differs from the names fls lists.
	linksDiffer := func(t *testing.T, img string, _ any) {
		f, err := os.Open(img)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		fls := oracle.Fls(t, img)
		rec := uint64(0)
		for _, e := range fls {
			if e.Path == "/third.txt" {
				rec = e.Record
			}
		}
		n := 0
		for _, e := range fls {
			if e.Record == rec && e.Stream == "" {
				n++
			}
		}
		if st := oracle.Istat(t, img, rec); st.Links == n {
			t.Errorf("istat: %d links, fls: %d names: the corruption is not visible", st.Links, n)
		}
	}
	tests := []struct {
		name   string
		do     func(img string) (any, error)
		code   string
		oracle func(t *testing.T, img string, v any)
	}{
		{"torn record", func(img string) (any, error) { return corrupt.TornRecordFixup(img, "/only.txt") }, "record-fixup", lookupFails("only.txt")},
		{"torn INDX block", func(img string) (any, error) { return corrupt.TornINDXFixup(img, "/many") }, "index-fixup", lookupFails("many/file000.txt")},
		{"link count high", func(img string) (any, error) { return corrupt.LinkCount(img, "/third.txt", 1) }, "link-count", linksDiffer},
		{"link count low", func(img string) (any, error) { return corrupt.LinkCount(img, "/third.txt", -1) }, "link-count", linksDiffer},
		{"only name's entry removed", func(img string) (any, error) { return nil, corrupt.RemoveIndexEntry(img, "/only.txt") }, "name-not-indexed", lookupFails("only.txt")},
		{"one hard link's entry removed", func(img string) (any, error) { return nil, corrupt.RemoveIndexEntry(img, "/links/b/second.txt") }, "name-not-indexed", lookupFails("links/b/second.txt")},
		{"INDX block emptied", func(img string) (any, error) {
			_, names, err := corrupt.EmptyINDXBlock(img, "/many")
			return names, err
		}, "name-not-indexed", func(t *testing.T, img string, v any) {
			var ps []string
			for _, n := range v.([]string) {
				ps = append(ps, "many/"+n)
			}
			lookupFails(ps...)(t, img, nil)
		}},
		{"freed record", func(img string) (any, error) { return corrupt.FreeRecord(img, "/only.txt", false) }, "entry-dangling", lookupFails("only.txt")},
		{"freed record, bit kept", func(img string) (any, error) { return corrupt.FreeRecord(img, "/only.txt", true) }, "entry-dangling", lookupFails("only.txt")},
		{"swapped in the root", func(img string) (any, error) { return corrupt.SwapEntries(img, "/pair", true) }, "index-order", func(t *testing.T, img string, v any) {
			n := v.([2]string)
			dir := oracle.MountRO(t, img)
			_, err1 := os.Lstat(filepath.Join(dir, "pair", n[0]))
			_, err2 := os.Lstat(filepath.Join(dir, "pair", n[1]))
			if err1 == nil && err2 == nil {
				t.Errorf("ntfs-3g resolves both swapped names")
			}
		}},
		{"swapped in a block", func(img string) (any, error) { return corrupt.SwapEntries(img, "/many", false) }, "index-order", func(t *testing.T, img string, v any) {
			n := v.([2]string)
			dir := oracle.MountRO(t, img)
			_, err1 := os.Lstat(filepath.Join(dir, "many", n[0]))
			_, err2 := os.Lstat(filepath.Join(dir, "many", n[1]))
			if err1 == nil && err2 == nil {
				t.Errorf("ntfs-3g resolves both swapped names")
			}
		}},
		{"$Reparse key dropped", func(img string) (any, error) { return nil, corrupt.DropReparseKey(img, "/junction") }, "reparse-key-missing", nil},
		{"entry sequence", func(img string) (any, error) { return nil, corrupt.EntrySequence(img, "/only.txt", 1) }, "entry-sequence", flsMarks(`(?m)^r/- \d+:\tonly\.txt$`)},
		{"$MFTMirr differs", func(img string) (any, error) { return nil, corrupt.MirrorDiffer(img) }, "mftmirr-mismatch", func(t *testing.T, img string, _ any) {
			out, _ := exec.Command("ntfsfix", "-n", img).CombinedOutput()
			if !strings.Contains(string(out), "Correcting differences in $MFTMirr record 0") {
				t.Errorf("ntfsfix -n sees no $MFTMirr difference:\n%s", out)
			}
		}},
		{"$MFT:$BITMAP bit", func(img string) (any, error) { return corrupt.ClearMFTBit(img, "/only.txt") }, "mft-bitmap", nil},
		{"$Bitmap bit", func(img string) (any, error) { return corrupt.ClearClusterBit(img, "/big.txt") }, "cluster-bitmap", func(t *testing.T, img string, v any) {
			lcn := v.(int64)
			out := string(oracle.Run(t, "blkstat", img, strconv.FormatInt(lcn, 10)))
			if !strings.Contains(out, "Not Allocated") {
				t.Errorf("blkstat %d: %s", lcn, out)
			}
			fls := oracle.Fls(t, img)
			for _, e := range fls {
				if e.Path == "/big.txt" {
					if ist := string(oracle.Run(t, "istat", img, strconv.FormatUint(e.Record, 10))); !regexp.MustCompile(`\b` + strconv.FormatInt(lcn, 10) + `\b`).MatchString(ist) {
						t.Errorf("istat of /big.txt does not list cluster %d", lcn)
					}
				}
			}
		}},
		{"wrong parent", func(img string) (any, error) { return corrupt.FileNameParent(img, "/only.txt", "/dir1") }, "name-not-indexed", flsMarks(`(?m)^-/r \d+-128-\d+:\tdir1/only\.txt$`)},
		{"entry size", func(img string) (any, error) { return nil, corrupt.EntrySize(img, "/big.txt", 7) }, "entry-size", nil},
		{"entry reparse tag", func(img string) (any, error) { return nil, corrupt.EntryReparseTag(img, "/junction", 0) }, "entry-flags", nil},
		{"entry directory flag", func(img string) (any, error) { return nil, corrupt.EntryDirFlag(img, "/dir1") }, "entry-flags", flsMarks(`(?m)^r/d \d+-144-\d+:\tdir1$`)},
		{"cross-linked clusters", func(img string) (any, error) { return corrupt.CrossLink(img, "/big.txt", "/big2.txt") }, "cluster-cross", func(t *testing.T, img string, v any) {
			lcn := strconv.FormatInt(v.(int64), 10)
			for _, e := range oracle.Fls(t, img) {
				if e.Path == "/big.txt" || e.Path == "/big2.txt" {
					if ist := string(oracle.Run(t, "istat", img, strconv.FormatUint(e.Record, 10))); !regexp.MustCompile(`\b` + lcn + `\b`).MatchString(ist) {
						t.Errorf("istat of %s does not list cluster %s", e.Path, lcn)
					}
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := oracle.CopyImage(t, ref)
			v, err := tt.do(img)
			if err != nil {
				t.Fatal(err)
			}
			fs, status := check(t, img)
			if status != 1 {
				t.Errorf("exit status %d, want 1", status)
			}
			if !slices.ContainsFunc(fs, func(f CheckFinding) bool { return f.Code == tt.code && f.Severity == "error" }) {
				t.Errorf("no %s error among %+v", tt.code, fs)
			}
			if tt.oracle != nil {
				tt.oracle(t, img, v)
			}
		})
	}
}
