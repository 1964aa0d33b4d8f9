package interop

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// mkfsGeometry is one volume shape the formatter is checked on.
type mkfsGeometry struct {
	name              string
	size              int64
	cluster, sector   int
	mkntfsArgs        []string // the same shape with mkntfs
	files             int      // files ntfs-3g writes into the root
	skipMkntfsCompare bool
}

var mkfsGeometries = []mkfsGeometry{
	{name: "8M", size: 8 << 20, files: 300},
	{name: "64M-c512", size: 64 << 20, cluster: 512, mkntfsArgs: []string{"-c", "512"}, files: 300},
	{name: "64M-c64K", size: 64 << 20, cluster: 64 << 10, mkntfsArgs: []string{"-c", "65536"}, files: 300},
	{name: "64M-s4096", size: 64 << 20, sector: 4096, mkntfsArgs: []string{"-s", "4096"}, files: 300},
	{name: "1T-sparse", size: 1 << 40, files: 100, skipMkntfsCompare: true},
}

// mkfsImage formats a new image with our formatter.
func mkfsImage(t *testing.T, g mkfsGeometry, label string) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "mkfs.img")
	err := volume.Format(img, volume.FormatOptions{Size: g.size, ClusterSize: g.cluster, SectorSize: g.sector, Label: label})
	if err != nil {
		t.Fatalf("Format: %v", err)
	}
	return img
}

// mkfsSystemPaths is what `fls -r -p` lists on a new volume (ours and
// mkntfs's): the system files with their named streams, and TSK's
// $OrphanFiles with the reserved records 16–23, which are free but
// formatted.
var mkfsSystemPaths = []string{
	"/$AttrDef", "/$BadClus", "/$BadClus:$Bad", "/$Bitmap", "/$Boot", "/$Extend",
	"/$Extend/$ObjId:$O", "/$Extend/$Quota:$O", "/$Extend/$Quota:$Q", "/$Extend/$Reparse:$R",
	"/$LogFile", "/$MFT", "/$MFTMirr", "/$Secure:$SDH", "/$Secure:$SDS", "/$Secure:$SII",
	"/$UpCase", "/$UpCase:$Info", "/$Volume",
	"/$OrphanFiles", "/$OrphanFiles/OrphanFile-16", "/$OrphanFiles/OrphanFile-17", "/$OrphanFiles/OrphanFile-18",
	"/$OrphanFiles/OrphanFile-19", "/$OrphanFiles/OrphanFile-20", "/$OrphanFiles/OrphanFile-21",
	"/$OrphanFiles/OrphanFile-22", "/$OrphanFiles/OrphanFile-23",
}

func flsPaths(t *testing.T, img string) []string {
	t.Helper()
	var out []string
	for _, e := range oracle.Fls(t, img) {
		p := e.Path
		if e.Stream != "" {
			p += ":" + e.Stream
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// volumeFacts are what every tool reports about a volume.
type volumeFacts struct {
	Label               string
	Serial              string // upper-case hex
	SectorSize, Cluster int
}

var (
	fsstatSerial  = regexp.MustCompile(`(?m)^Volume Serial Number: ([0-9A-Fa-f]+)$`)
	fsstatLabel   = regexp.MustCompile(`(?m)^Volume Name: (.*)$`)
	fsstatSector  = regexp.MustCompile(`(?m)^Sector Size: (\d+)$`)
	fsstatCluster = regexp.MustCompile(`(?m)^Cluster Size: (\d+)$`)
	fsinfoLabel   = regexp.MustCompile(`(?m)^\tName\t+: ?(.*)$`)
	fsinfoSerial  = regexp.MustCompile(`(?m)^\tSerial number\t+: ([0-9a-f]+)$`)
	fsinfoSector  = regexp.MustCompile(`(?m)^\tBytes per sector\t+: (\d+)$`)
	fsinfoCluster = regexp.MustCompile(`(?m)^\tCluster block size\t+: (\d+)$`)
)

func match(t *testing.T, re *regexp.Regexp, out []byte, what string) string {
	t.Helper()
	m := re.FindSubmatch(out)
	if m == nil {
		t.Fatalf("%s not found in:\n%s", what, out)
	}
	return strings.TrimSpace(string(m[1]))
}

// hex16 normalises a serial number: fsstat and fsntfsinfo leave out
// leading zeros.
func hex16(t *testing.T, s string) string {
	t.Helper()
	n, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%016X", n)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMkfsOracles formats volumes of several geometries and checks them
// with ntfsfix, fsstat, fsntfsinfo, fls, ntfs-3g (mounted read-write and
// written to) and our own reader and writer.
func TestMkfsOracles(t *testing.T) {
	oracle.Require(t, "ntfsfix", "fls", "fsstat", "fsntfsinfo")
	for _, g := range mkfsGeometries {
		t.Run(g.name, func(t *testing.T) {
			img := mkfsImage(t, g, "mkfs-"+g.name)

			out := oracle.Run(t, "ntfsfix", "-n", img)
			if !bytes.Contains(out, []byte("processed successfully")) {
				t.Errorf("ntfsfix -n:\n%s", out)
			}

			v, err := volume.Open(img, volume.Options{})
			if err != nil {
				t.Fatal(err)
			}
			in := v.Info()
			v.Close()
			ours := volumeFacts{in.Label, in.Serial, in.SectorSize, in.ClusterSize}
			fsstat := oracle.Run(t, "fsstat", img)
			tsk := volumeFacts{match(t, fsstatLabel, fsstat, "fsstat label"), hex16(t, match(t, fsstatSerial, fsstat, "fsstat serial")),
				atoi(t, match(t, fsstatSector, fsstat, "fsstat sector size")), atoi(t, match(t, fsstatCluster, fsstat, "fsstat cluster size"))}
			fsinfo := oracle.Run(t, "fsntfsinfo", img)
			lib := volumeFacts{match(t, fsinfoLabel, fsinfo, "fsntfsinfo name"), hex16(t, match(t, fsinfoSerial, fsinfo, "fsntfsinfo serial")),
				atoi(t, match(t, fsinfoSector, fsinfo, "fsntfsinfo sector size")), atoi(t, match(t, fsinfoCluster, fsinfo, "fsntfsinfo cluster size"))}
			want := volumeFacts{"mkfs-" + g.name, ours.Serial, max(g.sector, 512), g.cluster}
			if want.Cluster == 0 {
				want.Cluster = 4096
			}
			for name, got := range map[string]volumeFacts{"ours": ours, "fsstat": tsk, "fsntfsinfo": lib} {
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", name, diff)
				}
			}
			// fsntfsinfo reads every record.
			entries := oracle.Fsntfsinfo(t, img)
			for _, n := range []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 24, 25, 26} {
				if e, ok := entries[n]; !ok || !e.Allocated || len(e.Names) != 1 {
					t.Errorf("fsntfsinfo record %d: %+v", n, e)
				}
			}

			wantPaths := slices.Sorted(slices.Values(mkfsSystemPaths))
			if diff := cmp.Diff(wantPaths, flsPaths(t, img)); diff != "" {
				t.Errorf("fls -r -p (-want +got):\n%s", diff)
			}

			t.Run("ntfs-3g", func(t *testing.T) { mkfsNtfs3gWrites(t, img, g) })
			t.Run("writer", func(t *testing.T) { mkfsOurWrites(t, mkfsImage(t, g, "w")) })
		})
	}
}

// mkfsNtfs3gWrites writes through an ntfs-3g read-write mount (enough
// files to grow $MFT and split the root into INDX blocks), unmounts, and
// checks ntfsfix, fls and our reader see what was written.
func mkfsNtfs3gWrites(t *testing.T, img string, g mkfsGeometry) {
	dir, unmount := oracle.MountRW(t, img)
	want := map[string]string{}
	for i := range g.files {
		want[fmt.Sprintf("/a-rather-long-file-name-to-fill-index-blocks-%04d.txt", i)] = fmt.Sprintf("file %d\n", i)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sub", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		want[fmt.Sprintf("/sub/deeper/f%02d", i)] = strings.Repeat("x", i*100)
	}
	want["/sub/big.bin"] = strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB, non-resident
	for p, c := range want {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	unmount()

	out := oracle.Run(t, "ntfsfix", "-n", img)
	if !bytes.Contains(out, []byte("processed successfully")) {
		t.Errorf("ntfsfix -n after ntfs-3g wrote:\n%s", out)
	}
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if v.Records() <= 27 {
		t.Errorf("$MFT has %d records after %d files, want growth", v.Records(), len(want))
	}
	r, err := v.Record(mft.RecordRoot)
	if err != nil {
		t.Fatal(err)
	}
	if a := r.Find(mft.AttrIndexAllocation, mft.NameUnits("$I30")); a == nil || a.DataSize <= int64(v.Info().IndexBlockSize) {
		t.Errorf("root's $I30 did not grow past one INDX block")
	}
	got := map[string]string{}
	err = v.Walk("/", false, func(p string, e volume.DirEntry, f *volume.File, err error) error {
		if err != nil {
			return err
		}
		if f.IsDir() {
			return nil
		}
		s, err := f.Stream("")
		if err != nil {
			return err
		}
		b, err := io.ReadAll(io.NewSectionReader(s, 0, s.Size()))
		got[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("our reader after ntfs-3g wrote (-want +got):\n%s", diff)
	}
	fls := map[string]bool{}
	for _, p := range flsPaths(t, img) {
		fls[p] = true
	}
	for p := range want {
		if !fls[p] {
			t.Errorf("fls does not list %s", p)
		}
	}
}

// mkfsOurWrites edits a new volume with our writer, then reads it back
// through an ntfs-3g mount and fls.
func mkfsOurWrites(t *testing.T, img string) {
	v := openRW(t, img, volume.WriteOptions{})
	want := map[string]string{}
	err := v.Update(func(tx *volume.Tx) error {
		if err := tx.MkdirAll("/ours/deep"); err != nil {
			return err
		}
		for i := range 120 {
			p := fmt.Sprintf("/ours/deep/written-by-ntfsedit-%03d.txt", i)
			want[p] = fmt.Sprintf("%d\n", i)
			if err := tx.Create(p, strings.NewReader(want[p])); err != nil {
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
	mnt := oracle.MountRO(t, img)
	for p, c := range want {
		b, err := os.ReadFile(filepath.Join(mnt, p))
		if err != nil || string(b) != c {
			t.Errorf("ntfs-3g reads %s: %q, %v; want %q", p, b, err, c)
		}
	}
	fls := map[string]bool{}
	for _, p := range flsPaths(t, img) {
		fls[p] = true
	}
	for p := range want {
		if !fls[p] {
			t.Errorf("fls does not list %s", p)
		}
	}
}
