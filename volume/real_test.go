package volume_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// realImage is a volume made by an implementation we did not write.
type realImage struct {
	name    string
	path    func(t *testing.T) string // materialized image file
	spec    string                    // suffix for volume.Open, e.g. "@1"
	flsArgs []string                  // e.g. -o 128 for a partition
	label   string
	// wantPaths must all be found by our walk.
	wantPaths []string
}

func gunzipShared(name string) func(t *testing.T) string {
	return func(t *testing.T) string {
		src := filepath.Join(oracle.SharedDir(t), "images", name)
		f, err := os.Open(src)
		if err != nil {
			oracle.Unavailable(t, "%v", err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), strings.TrimSuffix(name, ".gz"))
		w, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, zr); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return out
	}
}

func unzipShared(zipName, member string) func(t *testing.T) string {
	return func(t *testing.T) string {
		src := filepath.Join(oracle.SharedDir(t), "images", zipName)
		zr, err := zip.OpenReader(src)
		if err != nil {
			oracle.Unavailable(t, "%v", err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			if f.Name != member {
				continue
			}
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			out := filepath.Join(t.TempDir(), filepath.Base(member))
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(out, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return out
		}
		t.Fatalf("%s has no %s", zipName, member)
		return ""
	}
}

func goNTFSImage(t *testing.T) string {
	return filepath.Join(oracle.ModuleDir(t, "www.velocidex.com/golang/go-ntfs"), "parser", "test_data", "test.ntfs.dd")
}

var realImages = []realImage{
	{name: "linux-ntfs3-attrlist", path: gunzipShared("ntfs3_attrlist.raw.gz"),
		wantPaths: []string{"/1.txt", "/50.txt", "/100.txt"}},
	{name: "win10-partitioned", path: gunzipShared("ntfs_index.raw.gz"), flsArgs: []string{"-o", "128"},
		label: "Test index"},
	{name: "winxp-dftt-undel", path: unzipShared("dftt-7-undel-ntfs.zip", "7-undel-ntfs/7-ntfs-undel.dd"),
		wantPaths: []string{"/System Volume Information/tracking.log"}},
	{name: "win7-sample-tiny", path: unzipShared("SampleTinyNtfsVolume.zip", "SampleTinyNtfsVolume/partition.dd"),
		wantPaths: []string{"/file1.txt", "/file8.txt"}},
	{name: "win10-go-ntfs", path: goNTFSImage,
		wantPaths: []string{"/Folder A/Folder B/Hello world text document.txt", "/ones.bin"}},
}

// TestRealImagesAgainstTSK walks each real image and compares the live
// tree with fls -r -p, then every file's and stream's bytes with icat.
func TestRealImagesAgainstTSK(t *testing.T) {
	oracle.Require(t, "fls", "icat")
	for _, ri := range realImages {
		t.Run(ri.name, func(t *testing.T) {
			img := ri.path(t)
			v, err := volume.Open(img+ri.spec, volume.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			if ri.label != "" && v.Info().Label != ri.label {
				t.Errorf("label = %q, want %q", v.Info().Label, ri.label)
			}
			ours := map[string]uint64{}
			err = v.Walk("/", false, func(p string, e volume.DirEntry, f *volume.File, err error) error {
				if err != nil {
					t.Errorf("walk %s: %v", p, err)
					return nil
				}
				ours[p] = uint64(f.Number())
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ri.wantPaths {
				if _, ok := ours[p]; !ok {
					t.Errorf("walk did not find %s", p)
				}
			}
			theirs := map[string]uint64{}
			var files []oracle.FlsEntry
			for _, e := range oracle.Fls(t, img, ri.flsArgs...) {
				if e.Record < uint64(mft.RecordFirstUser) || e.NameType == "V" || strings.HasPrefix(e.Path, "/$Extend/") || strings.HasPrefix(e.Path, "/$OrphanFiles") {
					continue
				}
				if e.Deleted {
					// TSK also lists names of deleted files; they must be
					// absent from our walk or refer to a reused record.
					if rec, ok := ours[e.Path]; ok && rec == e.Record {
						if f, err := v.File(mft.RecordNumber(rec)); err == nil && f.InUse() {
							continue // the same name now belongs to a live file
						}
						t.Errorf("fls marks %s (record %d) deleted, our walk lists it", e.Path, e.Record)
					}
					continue
				}
				if e.Stream == "" {
					theirs[e.Path] = e.Record
				}
				if e.MetaType == "r" {
					files = append(files, e)
				}
			}
			if diff := cmp.Diff(theirs, ours); diff != "" {
				t.Errorf("live tree differs from fls -r -p (-fls +ours):\n%s", diff)
			}
			for _, e := range files {
				compareICat(t, v, img, ri.flsArgs, e)
			}
		})
	}
}

// compareICat compares the bytes of one stream with TSK's icat.
func compareICat(t *testing.T, v *volume.Volume, img string, flsArgs []string, e oracle.FlsEntry) {
	t.Helper()
	addr := fmt.Sprint(e.Record)
	if e.HasAttr {
		addr = fmt.Sprintf("%d-%d-%d", e.Record, e.AttrType, e.AttrID)
	}
	want, err := oracle.Output("icat", append(append([]string{}, flsArgs...), img, addr)...)
	if err != nil {
		t.Errorf("icat %s (%s): %v", addr, e.Path, err)
		return
	}
	f, err := v.File(mft.RecordNumber(e.Record))
	if err != nil {
		t.Errorf("%s: %v", e.Path, err)
		return
	}
	s, err := f.Stream(e.Stream)
	if err != nil {
		t.Errorf("%s: stream %q: %v", e.Path, e.Stream, err)
		return
	}
	got, err := s.ReadAll()
	if err != nil {
		t.Errorf("%s: read stream %q: %v", e.Path, e.Stream, err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s:%s: %d bytes differ from icat's %d bytes (first difference at %d)", e.Path, e.Stream, len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestRealMFTFiles reads the bare $MFT files made by Windows: every in-use
// record decodes, and the paths rebuilt from parent references include the
// names every such volume has.
func TestRealMFTFiles(t *testing.T) {
	for _, name := range []string{"unicode.mft.gz", "deleted.mft.gz", "slack.mft.gz", "orphan.mft.gz", "4k-large.mft.gz", "compressed_sparse.mft.gz"} {
		t.Run(name, func(t *testing.T) {
			p := gunzipShared(name)(t)
			v, err := volume.OpenMFTFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			err = v.Walk("/", true, func(p string, e volume.DirEntry, f *volume.File, err error) error {
				if err != nil {
					t.Errorf("%s: %v", p, err)
					return nil
				}
				paths = append(paths, p)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"/$MFT", "/$Extend", "/$UpCase"} {
				if i := sort.SearchStrings(sortedCopy(paths), want); i >= len(paths) || sortedCopy(paths)[i] != want {
					t.Errorf("rebuilt tree lacks %s; have %q", want, paths)
				}
			}
			inUse := 0
			for n := mft.RecordNumber(0); int64(n) < v.Records(); n++ {
				rec, err := v.Record(n)
				if err != nil {
					continue
				}
				if rec.InUse() {
					inUse++
				}
			}
			if inUse < 24 {
				t.Errorf("only %d records in use", inUse)
			}
		})
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// TestFragmentedMFT reads a volume on which ntfs-3g had to move part of
// $MFT's runlist into an extension record behind a non-resident
// $ATTRIBUTE_LIST (fixtures/mkfragmft.sh): $MFT's bytes must equal icat's,
// and the tree must equal fls's.
func TestFragmentedMFT(t *testing.T) {
	oracle.Require(t, "fls", "icat", "istat")
	img := oracle.Image(t, "fixtures/mkfragmft.sh")
	if got := oracle.Istat(t, img, 0); !strings.Contains(got.Text, "$ATTRIBUTE_LIST") {
		t.Fatalf("the fixture's $MFT has no attribute list; istat says:\n%s", got.Text)
	}
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if v.Info().MFTExtents < 100 {
		t.Errorf("$MFT has %d extents, want a fragmented one", v.Info().MFTExtents)
	}
	compareICat(t, v, img, nil, oracle.FlsEntry{Path: "/$MFT", Record: 0})
	ours := map[string]uint64{}
	if err := v.Walk("/", false, func(p string, e volume.DirEntry, f *volume.File, err error) error {
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		ours[p] = uint64(f.Number())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	theirs := map[string]uint64{}
	for _, e := range oracle.Fls(t, img) {
		if e.Deleted || e.Stream != "" || e.Record < uint64(mft.RecordFirstUser) || e.NameType == "V" || strings.HasPrefix(e.Path, "/$Extend") {
			continue
		}
		// fls names the record holding a $FILE_NAME, which for $MFT here
		// is extension record 16; the index entry (and ifind) say 0.
		if rec, err := v.Record(mft.RecordNumber(e.Record)); err == nil && !rec.IsBase() && rec.Base.Record() < mft.RecordFirstUser {
			continue
		}
		theirs[e.Path] = e.Record
	}
	if diff := cmp.Diff(theirs, ours); diff != "" {
		t.Errorf("tree differs from fls (-fls +ours):\n%s", diff)
	}
}
