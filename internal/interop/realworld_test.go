//go:build linux

package interop

import (
	"archive/zip"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// sharedImage returns a private, uncompressed copy of ../shared/images/NAME
// (gunzipped, or MEMBER extracted from a zip). Missing ../shared skips the
// test, or fails it under CI=true.
func sharedImage(t *testing.T, name, member string) string {
	t.Helper()
	src := filepath.Join(oracle.SharedDir(t), "images", name)
	dst := filepath.Join(t.TempDir(), strings.TrimSuffix(path.Base(name), ".gz"))
	if member != "" {
		dst = filepath.Join(t.TempDir(), path.Base(member))
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	switch {
	case strings.HasSuffix(name, ".gz"):
		f, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, zr); err != nil {
			t.Fatal(err)
		}
	case strings.HasSuffix(name, ".zip"):
		zr, err := zip.OpenReader(src)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r, err := zr.Open(member)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if _, err := io.Copy(out, r); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("sharedImage: %s: neither .gz nor .zip", name)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// goNTFSImage returns go-ntfs's own Windows 10 test image from the module
// cache (read-only there: never write to it).
func goNTFSImage(t *testing.T) string {
	t.Helper()
	return filepath.Join(oracle.ModuleDir(t, "www.velocidex.com/golang/go-ntfs"), "parser", "test_data", "test.ntfs.dd")
}

// realImage describes one real-world image: how to give it to us, to fls and
// to fsntfsinfo.
type realImage struct {
	name       string
	open       func(t *testing.T) string // path of a private copy
	suffix     string                    // appended to IMAGE for ntfsedit ("@1")
	flsArgs    []string
	fsinfoArgs []string
	check      func(t *testing.T, img string, ours []FindEntry)
}

var realImages = []realImage{
	{
		name: "ntfs3_attrlist",
		open: func(t *testing.T) string { return sharedImage(t, "ntfs3_attrlist.raw.gz", "") },
		check: func(t *testing.T, img string, ours []FindEntry) {
			// Record 27 has 100 hard links, 1.txt … 100.txt, through an $ATTRIBUTE_LIST.
			var names, want []string
			for _, e := range ours {
				if e.Record == 27 {
					names = append(names, path.Base(e.Path))
				}
			}
			for i := 1; i <= 100; i++ {
				want = append(want, fmt.Sprintf("%d.txt", i))
			}
			slices.Sort(names)
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Fatalf("record 27: %d names %q, want 1.txt … 100.txt", len(names), names)
			}
			for _, e := range ours {
				if e.Record == 27 && e.Links != 100 {
					t.Errorf("%s: links %d, want 100", e.Path, e.Links)
				}
			}
			var st struct {
				Record uint64 `json:"record"`
				Names  []struct {
					Parent uint64 `json:"parent"`
					Name   string `json:"name"`
				} `json:"names"`
			}
			first := "/" + want[0]
			for _, e := range ours {
				if e.Record == 27 {
					first = e.Path
					break
				}
			}
			if err := json.Unmarshal(cli(t, "stat", "--json", img, first), &st); err != nil {
				t.Fatal(err)
			}
			if st.Record != 27 || len(st.Names) != 100 {
				t.Errorf("stat %s: record %d with %d names, want 27 with 100", first, st.Record, len(st.Names))
			}
		},
	},
	{
		name:       "ntfs_index",
		open:       func(t *testing.T) string { return sharedImage(t, "ntfs_index.raw.gz", "") },
		suffix:     "@1",                    // MBR disk, NTFS partition at LBA 128
		flsArgs:    []string{"-o", "128"},   // sectors
		fsinfoArgs: []string{"-o", "65536"}, // bytes
		check: func(t *testing.T, img string, ours []FindEntry) {
			var info struct {
				Label string `json:"label"`
			}
			if err := json.Unmarshal(cli(t, "info", "--json", img), &info); err != nil {
				t.Fatal(err)
			}
			if info.Label != "Test index" {
				t.Errorf("label %q, want %q", info.Label, "Test index")
			}
		},
	},
	{
		name: "dftt-7-undel-ntfs",
		open: func(t *testing.T) string {
			return sharedImage(t, "dftt-7-undel-ntfs.zip", "7-undel-ntfs/7-ntfs-undel.dd")
		},
		check: func(t *testing.T, img string, ours []FindEntry) {
			// index.html: every user file and directory was deleted in XP;
			// only System Volume Information survives.
			for _, e := range ours {
				switch path.Base(e.Path) {
				case "frag1.dat", "frag2.dat", "sing1.dat", "mult1.dat", "res1.dat", "mult2.dat", "frag3.dat", "sing2.dat", "dir1", "dir2", "dir3":
					t.Errorf("deleted %s (record %d) listed as live", e.Path, e.Record)
				}
			}
			if _, ok := byPath(ours)["/System Volume Information/tracking.log"]; !ok {
				t.Errorf("/System Volume Information/tracking.log missing")
			}
		},
	},
	{
		name: "SampleTinyNtfsVolume",
		open: func(t *testing.T) string {
			return sharedImage(t, "SampleTinyNtfsVolume.zip", "SampleTinyNtfsVolume/partition.dd")
		},
		check: func(t *testing.T, img string, ours []FindEntry) {
			have := map[string]bool{}
			for _, e := range ours {
				have[path.Base(e.Path)] = e.Type == "file"
			}
			for i := 1; i <= 8; i++ {
				if n := fmt.Sprintf("file%d.txt", i); !have[n] {
					t.Errorf("%s missing", n)
				}
			}
		},
	},
	{
		name: "go-ntfs test.ntfs.dd",
		open: goNTFSImage,
	},
}

// (f) real-world images: find -a agrees with fls and each image's ground truth.
func TestRealWorldImages(t *testing.T) {
	for _, ri := range realImages {
		t.Run(ri.name, func(t *testing.T) {
			oracle.Require(t, "fls", "fsntfsinfo")
			img := ri.open(t)
			ours := find(t, "-a", img+ri.suffix)
			if len(ours) == 0 || ours[0].Path != "/" {
				t.Fatalf("find -a: %d entries, not starting with /", len(ours))
			}
			fls := oracle.Fls(t, img, ri.flsArgs...)
			fs := oracle.Fsntfsinfo(t, img, ri.fsinfoArgs...)
			compareWithFls(t, ours, fls, fs)
			if ri.check != nil {
				ri.check(t, img+ri.suffix, ours)
			}
		})
	}
}

// (f) bare $MFT files extracted from Windows volumes list without error.
func TestBareMFTFiles(t *testing.T) {
	for _, name := range []string{"unicode.mft.gz", "deleted.mft.gz", "slack.mft.gz", "orphan.mft.gz", "4k-large.mft.gz", "compressed_sparse.mft.gz"} {
		t.Run(name, func(t *testing.T) {
			mft := sharedImage(t, name, "")
			es := find(t, "--mft-file", mft)
			if len(es) < 2 {
				t.Fatalf("find --mft-file: %d entries", len(es))
			}
			for _, e := range es {
				if !strings.HasPrefix(e.Path, "/") || e.Type != "file" && e.Type != "dir" {
					t.Errorf("bad entry %+v", e)
				}
			}
		})
	}
}
