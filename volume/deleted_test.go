package volume_test

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// dfttDeleted is the ground truth of the DFTT "NTFS Undelete #1" image,
// from the table "Files" of its index.html (dftt-7-undel-ntfs.zip): MFT
// entry, name, size and MD5 of each deleted file. Its sing2.dat was in
// \dir3, whose MFT entry (37) was reallocated to res1.dat: the name of
// dir3 is gone from the MFT, so the path can only end in the orphan
// directory (TSK shows it under $OrphanFiles too).
var dfttDeleted = []struct {
	record  uint64
	path    string // ours; index.html's path with \ as /
	orphan  bool
	dir     bool
	stream  string
	size    int64
	md5     string
	viaDead bool // a parent directory is deleted too
}{
	{37, "/res1.dat", false, false, "", 101, "9036637712b491904cd0bfbdbe648453", false},
	{31, "/sing1.dat", false, false, "", 780, "59b20779f69ff9f0ac5fcd2c38835a79", false},
	{32, "/mult1.dat", false, false, "", 3801, "ffd27bd782bdce67750b6b9ee069d2ef", false},
	{32, "/mult1.dat", false, false, "ADS", 1234, "ba1b9eedb1c091ddca253d35dde8f616", false},
	{29, "/frag1.dat", false, false, "", 1584, "7a3bc5b763bef201202108f4ba128149", false},
	{30, "/frag2.dat", false, false, "", 3873, "0e80ab84ef0087e60dfc67b88a1cf13e", false},
	{33, "/dir1", false, true, "", 0, "", false},
	{36, "/dir1/mult2.dat", false, false, "", 1715, "59cf0e9cd107bc1e75afb7374f6e05bb", true},
	{34, "/dir1/dir2", false, true, "", 0, "", true},
	{35, "/dir1/dir2/frag3.dat", false, false, "", 2027, "21121699487f3fbbdb9a4b3391b6d3e0", true},
	{38, "/$Orphan/sing2.dat", true, false, "", 1005, "c229626f6a71b167ad7e50c4f2fccdb1", false},
}

func dfttImage(t *testing.T) string {
	return unzipShared("dftt-7-undel-ntfs.zip", "7-undel-ntfs/7-ntfs-undel.dd")(t)
}

// scanDeleted returns the names ScanDeleted reports, keyed by path.
func scanDeleted(t *testing.T, v *volume.Volume) map[string]volume.Deleted {
	t.Helper()
	out := map[string]volume.Deleted{}
	var last int64
	err := v.ScanDeleted(func(d volume.Deleted, err error) error {
		if err != nil {
			t.Errorf("ScanDeleted: %v", err)
			return nil
		}
		for _, n := range d.Names {
			out[n.Path] = volume.Deleted{File: d.File, Names: []volume.DeletedName{n}}
		}
		return nil
	}, func(done, total int64) {
		if done < last || done > total || total != v.Records() {
			t.Errorf("progress(%d, %d) after %d; want a growing count up to %d", done, total, last, v.Records())
		}
		last = done
	})
	if err != nil {
		t.Fatal(err)
	}
	if last != v.Records() {
		t.Errorf("progress ended at %d of %d records", last, v.Records())
	}
	return out
}

// TestDeletedDFTT lists the deleted files of the DFTT image and reads
// their data: names, record numbers, sizes and MD5s match index.html.
func TestDeletedDFTT(t *testing.T) {
	v, err := volume.Open(dfttImage(t), volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	got := scanDeleted(t, v)
	bm, err := v.ClusterBitmap()
	if err != nil {
		t.Fatal(err)
	}
	var wantPaths []string
	for _, w := range dfttDeleted {
		if w.stream == "" {
			wantPaths = append(wantPaths, w.path)
		}
		d, ok := got[w.path]
		if !ok {
			t.Errorf("%s: not listed", w.path)
			continue
		}
		f, n := d.File, d.Names[0]
		if uint64(f.Number()) != w.record || n.Orphan != w.orphan || f.IsDir() != w.dir || n.ViaDeleted != w.viaDead || f.InUse() {
			t.Errorf("%s: record %d orphan %v dir %v via deleted %v in use %v; want %d %v %v %v false",
				w.path, f.Number(), n.Orphan, f.IsDir(), n.ViaDeleted, f.InUse(), w.record, w.orphan, w.dir, w.viaDead)
		}
		if w.dir {
			continue
		}
		s, err := f.Stream(w.stream)
		if err != nil {
			t.Errorf("%s:%s: %v", w.path, w.stream, err)
			continue
		}
		if _, used := bm.Usage(s); used != 0 {
			t.Errorf("%s:%s: %d clusters allocated again; index.html says none were reused", w.path, w.stream, used)
		}
		b, err := s.ReadAll()
		if err != nil {
			t.Errorf("%s:%s: %v", w.path, w.stream, err)
			continue
		}
		sum := md5.Sum(b)
		if int64(len(b)) != w.size || hex.EncodeToString(sum[:]) != w.md5 {
			t.Errorf("%s:%s: %d bytes md5 %x; want %d bytes md5 %s", w.path, w.stream, len(b), sum, w.size, w.md5)
		}
	}
	var gotPaths []string
	for p := range got {
		gotPaths = append(gotPaths, p)
	}
	sort.Strings(gotPaths)
	sort.Strings(wantPaths)
	if diff := cmp.Diff(wantPaths, gotPaths); diff != "" {
		t.Errorf("deleted names (-index.html +ours):\n%s", diff)
	}
}

// TestDeletedAgainstTSK compares the deleted names with fls -r -p -d and
// the bytes of every deleted stream with icat. Differences by design:
// TSK puts orphans in its virtual $OrphanFiles, we in /$Orphan.
func TestDeletedAgainstTSK(t *testing.T) {
	oracle.Require(t, "fls", "icat")
	img := dfttImage(t)
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ours := map[string]uint64{}
	for p, d := range scanDeleted(t, v) {
		ours[p] = uint64(d.File.Number())
	}
	theirs := map[string]uint64{}
	for _, e := range oracle.Fls(t, img, "-d") {
		if !e.Deleted {
			t.Errorf("fls -d listed a live entry: %s", e.Line)
			continue
		}
		if e.Stream == "" {
			theirs[strings.Replace(e.Path, "/$OrphanFiles/", volume.OrphanDir+"/", 1)] = e.Record
		}
		if e.MetaType == "r" {
			compareICat(t, v, img, nil, e)
		}
	}
	if diff := cmp.Diff(theirs, ours); diff != "" {
		t.Errorf("deleted names differ from fls -r -p -d (-fls +ours):\n%s", diff)
	}
}

// TestDeletedMFTFiles checks the bare $MFT samples of dfir_ntfs against
// the facts its own tests assert: deleted.mft holds the deleted file
// /1/2/3/4/file.txt (every parent deleted too); in orphan.mft the parent
// of 2.txt … 5.txt (record 39) was reused, so they are orphans.
func TestDeletedMFTFiles(t *testing.T) {
	tests := []struct {
		file string
		want map[string]bool // path → orphan
	}{
		{"deleted.mft.gz", map[string]bool{"/1": false, "/1/2": false, "/1/2/3": false, "/1/2/33": false, "/1/2/3/4": false, "/1/2/3/4/file.txt": false}},
		{"orphan.mft.gz", map[string]bool{"/$Orphan/2.txt": true, "/$Orphan/3.txt": true, "/$Orphan/4.txt": true, "/$Orphan/5.txt": true}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			v, err := volume.OpenMFTFile(gunzipShared(tt.file)(t))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for p, d := range scanDeleted(t, v) {
				got[p] = d.Names[0].Orphan
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestDeletedReusedClusters marks a cluster of the deleted sing1.dat
// (cluster 4078 per index.html's layout) allocated in $Bitmap: Usage must
// see it.
func TestDeletedReusedClusters(t *testing.T) {
	img, err := os.ReadFile(dfttImage(t))
	if err != nil {
		t.Fatal(err)
	}
	v, err := openMem(t, img)
	if err != nil {
		t.Fatal(err)
	}
	bmFile, err := v.File(mft.RecordBitmap)
	if err != nil {
		t.Fatal(err)
	}
	bs, err := bmFile.Stream("")
	if err != nil {
		t.Fatal(err)
	}
	run := bs.Runs()[0]
	const lcn = 4078
	off := int64(run.Start)*int64(v.ClusterSize()) + lcn/8
	v.Close()
	messed := messWith(img, func(b []byte) { b[off] |= 1 << (lcn % 8) })
	for _, tt := range []struct {
		img  []byte
		want int64
	}{{img, 0}, {messed, 1}} {
		v, err := openMem(t, tt.img)
		if err != nil {
			t.Fatal(err)
		}
		bm, err := v.ClusterBitmap()
		if err != nil {
			t.Fatal(err)
		}
		f, err := v.File(31)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.Stream("")
		if err != nil {
			t.Fatal(err)
		}
		if n, used := bm.Usage(s); n != 1 || used != tt.want {
			t.Errorf("Usage = %d clusters, %d allocated; want 1, %d", n, used, tt.want)
		}
		v.Close()
	}
}
