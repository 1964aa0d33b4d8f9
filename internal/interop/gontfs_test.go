//go:build linux

package interop

import (
	"fmt"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"www.velocidex.com/golang/go-ntfs/parser"
)

// Known go-ntfs 0.2.1 faults (NTFS-FACTS.md), each a reason a listing may
// differ from ours without either being wrong about the volume:
const (
	// It scans every INDX block of $INDEX_ALLOCATION in 4 KiB steps,
	// ignoring the index $BITMAP and sequence numbers, so entries of blocks
	// that are no longer in use come back as live.
	goStaleFree   = "stale index entry listed as live (go-ntfs ignores the index $BITMAP); record not in use"
	goStaleReused = "stale index entry listed as live (go-ntfs ignores the index $BITMAP); record reused under another name"
	// ListDir keeps one entry per record in a directory, named after the
	// record's last Win32/POSIX $FILE_NAME — possibly one in another
	// directory.
	goOneName = "one name per hard-linked record (go-ntfs names it after any one of its $FILE_NAMEs)"
	// Stat adds an entry for each DOS name without '~'.
	goDOSName = "DOS (8.3) name listed as a separate entry"
)

// goNTFSList lists directory record dir with go-ntfs: record → names, and
// record → unnamed $DATA size (files).
func goNTFSList(t *testing.T, ntfs *parser.NTFSContext, dir uint64) (map[uint64][]string, map[uint64]int64) {
	t.Helper()
	mft, err := ntfs.GetMFT(int64(dir))
	if err != nil {
		t.Fatalf("go-ntfs: record %d: %v", dir, err)
	}
	names := map[uint64][]string{}
	sizes := map[uint64]int64{}
	for _, fi := range parser.ListDir(ntfs, mft) {
		recStr, rest, _ := strings.Cut(fi.MFTId, "-")
		rec, err := strconv.ParseUint(recStr, 10, 64)
		if err != nil {
			t.Fatalf("go-ntfs: MFTId %q", fi.MFTId)
		}
		if rec == dir && fi.Name == "." || strings.Contains(fi.Name, ":") {
			continue // the root's entry for itself; named streams
		}
		if !slices.Contains(names[rec], fi.Name) {
			names[rec] = append(names[rec], fi.Name)
		}
		if !fi.IsDir && strings.HasPrefix(rest, "128-") {
			sizes[rec] = fi.Size
		}
	}
	return names, sizes
}

func openGoNTFS(t *testing.T, img string) *parser.NTFSContext {
	t.Helper()
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r, err := parser.NewPagedReader(f, 0x10000, 1000)
	if err != nil {
		t.Fatal(err)
	}
	ntfs, err := parser.GetNTFSContext(r, 0)
	if err != nil {
		t.Fatalf("go-ntfs: %v", err)
	}
	return ntfs
}

// compareWithGoNTFS lists every directory of ours (find -a) with go-ntfs and
// requires the same (name, record) pairs, except for the known faults above,
// each checked against fsntfsinfo's view of the record. It returns the count
// of each explained difference.
func compareWithGoNTFS(t *testing.T, img string, ours []FindEntry, fs map[uint64]oracle.FsEntry) map[string]int {
	t.Helper()
	ntfs := openGoNTFS(t, img)
	children := map[string]map[uint64][]string{} // dir path → record → names
	for _, e := range ours {
		if e.Path == "/" {
			continue
		}
		d := path.Dir(e.Path)
		if children[d] == nil {
			children[d] = map[uint64][]string{}
		}
		children[d][e.Record] = append(children[d][e.Record], path.Base(e.Path))
	}
	isName := func(rec uint64, name string, parent uint64, namespace string) bool {
		for _, n := range fs[rec].Names {
			if n.Name == name && (parent == 0 || n.Parent == parent) && (namespace == "" || n.Namespace == namespace) {
				return true
			}
		}
		return false
	}
	mine := byPath(ours)
	counts := map[string]int{}
	var bad []string
	for _, d := range ours {
		if d.Type != "dir" || d.Reparse != nil {
			continue
		}
		gotNames, gotSizes := goNTFSList(t, ntfs, d.Record)
		want := children[d.Path]
		for rec, gns := range gotNames {
			wns, ok := want[rec]
			if !ok {
				f, known := fs[rec]
				switch {
				case !known || !f.Allocated:
					counts[goStaleFree]++
				case !slices.ContainsFunc(gns, func(n string) bool { return isName(rec, n, d.Record, "") }):
					counts[goStaleReused]++
				default:
					bad = append(bad, fmt.Sprintf("%s: go-ntfs lists record %d as %q, find does not", d.Path, rec, gns))
				}
				continue
			}
			for _, g := range gns {
				switch {
				case slices.Contains(wns, g):
				case isName(rec, g, 0, "DOS"):
					counts[goDOSName]++
				case fs[rec].Allocated && len(fs[rec].Names) > 1 && isName(rec, g, 0, ""):
					counts[goOneName]++
				default:
					bad = append(bad, fmt.Sprintf("%s: go-ntfs names record %d %q, find %q", d.Path, rec, g, wns))
				}
			}
			if size, ok := gotSizes[rec]; ok {
				if e := mine[path.Join(d.Path, wns[0])]; e.Type == "file" && e.Size != size {
					bad = append(bad, fmt.Sprintf("%s/%s: go-ntfs size %d, find size %d", d.Path, wns[0], size, e.Size))
				}
			}
		}
		for rec, wns := range want {
			if _, ok := gotNames[rec]; !ok {
				bad = append(bad, fmt.Sprintf("%s: find lists record %d as %q, go-ntfs does not", d.Path, rec, wns))
			}
		}
	}
	for i, b := range bad {
		if i == 30 {
			t.Errorf("… and %d more", len(bad)-30)
			break
		}
		t.Errorf("unexplained difference with go-ntfs: %s", b)
	}
	for r, n := range counts {
		t.Logf("go-ntfs vs find, explained: %d × %s", n, r)
	}
	return counts
}

// Differential test against go-ntfs used as a library.
func TestGoNTFS(t *testing.T) {
	t.Run("interop", func(t *testing.T) {
		oracle.Require(t, "fsntfsinfo")
		img := interopImage(t)
		counts := compareWithGoNTFS(t, img, find(t, "-a", img), oracle.Fsntfsinfo(t, img))
		// The fixture is made to show both faults: del2000 and the
		// hard-linked files.
		if counts[goStaleFree]+counts[goStaleReused] == 0 || counts[goOneName] == 0 {
			t.Errorf("expected go-ntfs's known faults on this image, got %v", counts)
		}
	})
	t.Run("test.ntfs.dd", func(t *testing.T) {
		oracle.Require(t, "fsntfsinfo")
		img := goNTFSImage(t)
		compareWithGoNTFS(t, img, find(t, "-a", img), oracle.Fsntfsinfo(t, img))
	})
}
