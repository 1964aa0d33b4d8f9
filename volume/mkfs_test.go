package volume

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// The geometry mkntfs 2022.10.3 chose for these sizes (read from its
// images made with `mkntfs -F -q -f [-c N] [-s N]`; 1, 16 and 17 TiB
// follow its rules: 4096-byte clusters while fewer than 2³²).
func TestFormatLayout(t *testing.T) {
	type geo struct {
		Cluster, Record, Index int
		MFT, Mirr, Log         int64
		Clusters, Sectors      int64
	}
	for _, tc := range []struct {
		name        string
		size        int64
		cluster, ss int
		want        geo
	}{
		{"8M", 8 << 20, 0, 0, geo{4096, 1024, 4096, 4, 1023, 2 << 20, 2047, 16383}},
		{"64M-c512", 64 << 20, 512, 0, geo{512, 1024, 4096, 32, 65535, 2 << 20, 131071, 131071}},
		{"64M-c64k", 64 << 20, 64 << 10, 0, geo{65536, 1024, 4096, 2, 511, 2 << 20, 1023, 131071}},
		{"64M-s4k", 64 << 20, 0, 4096, geo{4096, 4096, 4096, 4, 8191, 2 << 20, 16383, 16383}},
		{"3M", 3 << 20, 0, 0, geo{4096, 1024, 4096, 4, 383, 512 << 10, 767, 6143}},
		{"1T", 1 << 40, 0, 0, geo{4096, 1024, 4096, 4, 134217727, 64 << 20, 268435455, 2147483647}},
		{"16T", 16 << 40, 0, 0, geo{4096, 1024, 4096, 4, 2147483647, 64 << 20, 4294967295, 34359738367}},
		{"17T", 17 << 40, 0, 0, geo{8192, 1024, 4096, 2, 1140850687, 64 << 20, 2281701375, 36507222015}},
		{"300M", 300 << 20, 0, 0, geo{4096, 1024, 4096, 4, 38399, 1568768, 76799, 614399}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := newLayout(tc.size, FormatOptions{ClusterSize: tc.cluster, SectorSize: tc.ss})
			if err != nil {
				t.Fatal(err)
			}
			got := geo{l.clusterSize, l.recordSize, l.indexSize, l.mftLCN, l.mirrLCN, l.logSize, l.clusters, l.sectors}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("layout (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatGeometryErrors(t *testing.T) {
	for _, tc := range []struct {
		name        string
		size        int64
		cluster, ss int
		msg         string
	}{
		{"too small", 1 << 20, 0, 0, "too small"},
		{"zero", 0, 0, 0, "size 0"},
		{"cluster not power of two", 64 << 20, 3000, 0, "not a power of two"},
		{"cluster below sector", 64 << 20, 1024, 4096, "smaller than the sector size"},
		{"cluster too large", 64 << 30, 4 << 20, 0, "larger than 2 MiB"},
		{"sector size", 64 << 20, 0, 3000, "sector size 3000"},
		{"sector size 256", 64 << 20, 0, 256, "sector size 256"},
		{"too many clusters", 4 << 40, 512, 0, "fewer than 2³²"},
		{"no room for metadata", 1<<20 + 512, 64 << 10, 0, "no room left for $UpCase"},
		{"metadata overlaps", 1<<20 + 512, 256 << 10, 0, "overlap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := newLayout(tc.size, FormatOptions{ClusterSize: tc.cluster, SectorSize: tc.ss})
			if err == nil {
				// Some fail only when the rest of the metadata is placed.
				_, err = buildSystem(l, nil, mft.GUID{}, 0)
			}
			if !errors.Is(err, ErrGeometry) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("layout: %v, want ErrGeometry mentioning %q", err, tc.msg)
			}
		})
	}
	if err := FormatOn(NewMemDevice(make([]byte, 4<<20), 512), 8<<20, FormatOptions{}); !errors.Is(err, ErrGeometry) {
		t.Errorf("FormatOn past the device's end: %v, want ErrGeometry", err)
	}
	if err := Format(filepath.Join(t.TempDir(), "x.img"), FormatOptions{}); !errors.Is(err, ErrGeometry) {
		t.Errorf("Format without a size: %v, want ErrGeometry", err)
	}
	long := strings.Repeat("x", 129)
	if err := FormatOn(NewMemDevice(make([]byte, 8<<20), 512), 0, FormatOptions{Label: long}); !errors.Is(err, ErrInvalid) {
		t.Errorf("label of 129 units: %v, want ErrInvalid", err)
	}
}

// formatImage formats a new image file and returns its path.
func formatImage(t *testing.T, opts FormatOptions) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "f.img")
	if err := Format(img, opts); err != nil {
		t.Fatalf("Format: %v", err)
	}
	return img
}

func fileHash(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

func TestFormatReproducible(t *testing.T) {
	opts := FormatOptions{Size: 16 << 20, Label: "repro", Reproducible: true}
	a, b := fileHash(t, formatImage(t, opts)), fileHash(t, formatImage(t, opts))
	if a != b {
		t.Errorf("two reproducible formats differ: %s, %s", a, b)
	}
	// FormatOn over garbage gives the same bytes in every allocated cluster
	// and everywhere else leaves the garbage.
	junk := bytes.Repeat([]byte{0xA5}, 16<<20)
	if err := FormatOn(NewMemDevice(junk, 512), 0, opts); err != nil {
		t.Fatal(err)
	}
	clean, err := os.ReadFile(formatImage(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	v, err := OpenOn(NewMemDevice(junk, 512), Options{})
	if err != nil {
		t.Fatal(err)
	}
	bm, err := v.ClusterBitmap()
	if err != nil {
		t.Fatal(err)
	}
	cs := int64(v.ClusterSize())
	for c := int64(0); c < v.Info().Clusters; c++ {
		a, b := junk[c*cs:(c+1)*cs], clean[c*cs:(c+1)*cs]
		if bm.Allocated(c) && !bytes.Equal(a, b) {
			t.Fatalf("cluster %d (allocated) differs between a zeroed and a dirty device", c)
		}
		if !bm.Allocated(c) && a[0] != 0xA5 {
			t.Fatalf("cluster %d (free) was written", c)
		}
	}
	if !bytes.Equal(junk[len(junk)-512:], clean[len(clean)-512:]) {
		t.Errorf("backup boot sectors differ")
	}
	// Other options or no Reproducible give other bytes.
	for name, o := range map[string]FormatOptions{
		"label":   {Size: 16 << 20, Label: "other", Reproducible: true},
		"random":  {Size: 16 << 20, Label: "repro"},
		"cluster": {Size: 16 << 20, Label: "repro", ClusterSize: 1024, Reproducible: true},
	} {
		if h := fileHash(t, formatImage(t, o)); h == a {
			t.Errorf("%s: same bytes as the reproducible image", name)
		}
	}
}

func TestFormatClock(t *testing.T) {
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	img := formatImage(t, FormatOptions{Size: 8 << 20, Now: func() time.Time { return when }})
	v, err := Open(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	r, err := v.Record(mft.RecordRoot)
	if err != nil {
		t.Fatal(err)
	}
	si, err := mft.DecodeStandardInfo(r.Find(mft.AttrStandardInformation, nil).Value)
	if err != nil {
		t.Fatal(err)
	}
	if got := si.Created.Time(); !got.Equal(when) {
		t.Errorf("root created %v, want %v", got, when)
	}
}

var systemFiles = []string{"$AttrDef", "$BadClus", "$Bitmap", "$Boot", "$Extend", "$LogFile", "$MFT", "$MFTMirr", "$Secure", "$UpCase", "$Volume"}

// TestFormatRead opens formatted volumes of every geometry with our reader.
func TestFormatRead(t *testing.T) {
	for _, tc := range []struct {
		name        string
		size        int64
		cluster, ss int
	}{
		{"8M", 8 << 20, 0, 0},
		{"64M-c512", 64 << 20, 512, 0},
		{"64M-c64k", 64 << 20, 64 << 10, 0},
		{"64M-s4k", 64 << 20, 0, 4096},
		{"32M-c2M", 32 << 20, 2 << 20, 0},
		{"1M+", 1<<20 + 512, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := formatImage(t, FormatOptions{Size: tc.size, ClusterSize: tc.cluster, SectorSize: tc.ss, Label: "Data é", Reproducible: true})
			v, err := Open(img, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			info := v.Info()
			if info.Label != "Data é" || info.Version != "3.1" || !info.MFTMirrOK || info.Dirty || len(info.Warnings) > 0 {
				t.Errorf("info: %+v", info)
			}
			var names []string
			err = v.Walk("/", true, func(path string, e DirEntry, f *File, err error) error {
				if err != nil {
					return err
				}
				names = append(names, path)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, n := range systemFiles {
				want = append(want, "/"+n)
			}
			want = append(want, "/$Extend/$ObjId", "/$Extend/$Quota", "/$Extend/$Reparse")
			slices.Sort(want)
			slices.Sort(names)
			if diff := cmp.Diff(want, names); diff != "" {
				t.Errorf("walk (-want +got):\n%s", diff)
			}
			if !slices.Equal(v.UpCase(), index.DefaultUpCase()) {
				t.Error("$UpCase is not the default table")
			}
			sec, err := v.Secure()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]uint32{256, 257}, sec.IDs()); diff != "" {
				t.Errorf("security ids (-want +got):\n%s", diff)
			}
			for id, sddl := range map[uint32]string{
				256: "O:BAG:BAD:(A;;FR;;;SY)(A;;FR;;;BA)",
				257: "O:BAG:BAD:(A;;0x12019f;;;SY)(A;;0x12019f;;;BA)",
			} {
				s, err := sec.Lookup(id)
				if err != nil {
					t.Fatal(err)
				}
				if got := s.Descriptor.SDDL(); got != sddl || !s.HashOK {
					t.Errorf("id %d: %s (hash ok %v), want %s", id, got, s.HashOK, sddl)
				}
			}
			root, err := v.Root()
			if err != nil {
				t.Fatal(err)
			}
			rs, err := v.Security(root, sec)
			if err != nil {
				t.Fatal(err)
			}
			const rootSDDL = "O:SYG:SYD:(A;;FA;;;BA)(A;OICIIO;GA;;;BA)(A;;FA;;;SY)(A;OICIIO;GA;;;SY)(A;;0x1301bf;;;AU)(A;OICIIO;SDGXGWGR;;;AU)(A;;0x1200a9;;;BU)(A;OICIIO;GXGR;;;BU)"
			if got := rs.Descriptor.SDDL(); got != rootSDDL {
				t.Errorf("root descriptor %s, want %s", got, rootSDDL)
			}
			// $AttrDef reads back as the standard table.
			f, err := v.Lookup("/$AttrDef")
			if err != nil {
				t.Fatal(err)
			}
			s, err := f.Stream("")
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(io.NewSectionReader(s, 0, s.Size()))
			if err != nil {
				t.Fatal(err)
			}
			defs, err := mft.DecodeAttrDefs(b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mft.StandardAttrDefs(), defs); diff != "" || len(b) != mft.AttrDefTableSize {
				t.Errorf("$AttrDef (%d bytes) (-want +got):\n%s", len(b), diff)
			}
			// $Bitmap: exactly the allocated clusters are the metadata's.
			bm, err := v.ClusterBitmap()
			if err != nil {
				t.Fatal(err)
			}
			var used int64
			for c := range info.Clusters {
				if bm.Allocated(c) {
					used++
				}
			}
			l, err := newLayout(tc.size, FormatOptions{ClusterSize: tc.cluster, SectorSize: tc.ss})
			if err != nil {
				t.Fatal(err)
			}
			var want64 int64
			for _, f := range []string{"/$Boot", "/$MFT", "/$MFTMirr", "/$LogFile", "/$AttrDef", "/$Bitmap", "/$UpCase", "/$Secure:$SDS", "/:$I30"} {
				want64 += allocClusters(t, v, f)
			}
			want64++ // $MFT:$BITMAP
			if used != want64 || l.clusters != info.Clusters {
				t.Errorf("%d clusters allocated in $Bitmap, the metadata has %d", used, want64)
			}
		})
	}
}

// allocClusters returns the clusters of a stream ("/path" or
// "/path:name"; "/:$I30" is the root's index allocation).
func allocClusters(t *testing.T, v *Volume, spec string) int64 {
	t.Helper()
	p, name, _ := strings.Cut(spec, ":")
	if p == "/" && name == "$I30" {
		r, err := v.Record(mft.RecordRoot)
		if err != nil {
			t.Fatal(err)
		}
		return mft.RunsClusters(r.Find(mft.AttrIndexAllocation, mft.NameUnits("$I30")).Runs)
	}
	f, err := v.Lookup(p)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Stream(name)
	if err != nil {
		t.Fatal(err)
	}
	if s.Resident() {
		return 0
	}
	return (s.AllocatedSize() + int64(v.ClusterSize()) - 1) / int64(v.ClusterSize())
}

// TestFormatWritable edits a new volume with our writer: enough files to
// grow $MFT and split the root's index block.
func TestFormatWritable(t *testing.T) {
	img := formatImage(t, FormatOptions{Size: 32 << 20, Reproducible: true})
	v, err := OpenWritable(img, Options{}, WriteOptions{Journal: FileJournal(filepath.Join(t.TempDir(), "j"))})
	if err != nil {
		t.Fatal(err)
	}
	err = v.Update(func(tx *Tx) error {
		if err := tx.Mkdir("/dir"); err != nil {
			return err
		}
		for i := range 150 {
			if err := tx.Create(fmt.Sprintf("/file-with-a-long-name-%03d.txt", i), strings.NewReader("data")); err != nil {
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
	r, err := Open(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Records() <= int64(mkfsSystemRecords) {
		t.Errorf("$MFT has %d records, want growth past %d", r.Records(), mkfsSystemRecords)
	}
	es, err := r.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 151 {
		t.Errorf("root lists %d entries, want 151", len(es))
	}
	f, err := r.Lookup("/file-with-a-long-name-149.txt")
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.Stream("")
	if err != nil || s.Size() != 4 {
		t.Errorf("stream: %v, size %d", err, s.Size())
	}
}

// TestFormatSparse formats 1 TiB: the image holds only the metadata
// ($LogFile's 64 MiB of 0xFF is most of it).
func TestFormatSparse(t *testing.T) {
	img := formatImage(t, FormatOptions{Size: 1 << 40, Reproducible: true})
	fi, err := os.Stat(img)
	if err != nil {
		t.Fatal(err)
	}
	used, ok := diskUsage(fi)
	if !ok {
		t.Skip("no block count on this system")
	}
	if used > 80<<20 {
		t.Errorf("1 TiB image uses %d bytes on disk, want at most 80 MiB", used)
	}
	v, err := Open(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if info := v.Info(); info.Size != 1<<40-512 || info.ClusterSize != 4096 {
		t.Errorf("info size %d cluster %d", info.Size, info.ClusterSize)
	}
}

// TestFormatOverwrites checks Format truncates an existing image.
func TestFormatOverwrites(t *testing.T) {
	img := filepath.Join(t.TempDir(), "f.img")
	if err := os.WriteFile(img, bytes.Repeat([]byte{0xEE}, 12<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	before := fileHash(t, img)
	// A geometry that fails only once the metadata is placed leaves the
	// file alone.
	if err := Format(img, FormatOptions{Size: 3 << 20, ClusterSize: 256 << 10}); !errors.Is(err, ErrGeometry) {
		t.Fatalf("Format 3 MiB with 256 KiB clusters: %v, want ErrGeometry", err)
	}
	if fileHash(t, img) != before {
		t.Error("a refused Format changed the image")
	}
	if err := Format(img, FormatOptions{Size: 8 << 20, Reproducible: true}); err != nil {
		t.Fatal(err)
	}
	if fileHash(t, img) != fileHash(t, formatImage(t, FormatOptions{Size: 8 << 20, Reproducible: true})) {
		t.Error("formatting over an old image differs from a new one")
	}
}

// TestFormatGrid formats small volumes of many shapes, where the metadata
// barely fits and its runs get split around $MFTMirr and $LogFile: each
// either fails with ErrGeometry or opens cleanly with every system file
// readable and $Bitmap agreeing with the allocations.
func TestFormatGrid(t *testing.T) {
	sizes := []int64{1<<20 + 512, 1<<20 + 4096, 3 << 19, 2 << 20, 3 << 20, 5<<20 + 1536, 17 << 20}
	var ok, refused int
	for _, size := range sizes {
		for _, ss := range []int{512, 4096} {
			for cs := 0; cs <= 2<<20; cs = max(512, cs*2) {
				name := fmt.Sprintf("size=%d/cluster=%d/sector=%d", size, cs, ss)
				dev := NewMemDevice(make([]byte, size), ss)
				err := FormatOn(dev, 0, FormatOptions{ClusterSize: cs, Reproducible: true})
				if errors.Is(err, ErrGeometry) {
					refused++
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				ok++
				v, err := OpenOn(dev, Options{})
				if err != nil {
					t.Errorf("%s: open: %v", name, err)
					continue
				}
				if in := v.Info(); !in.MFTMirrOK || len(in.Warnings) > 0 || in.SectorSize != ss {
					t.Errorf("%s: info %+v", name, in)
				}
				bm, err := v.ClusterBitmap()
				if err != nil {
					t.Fatal(err)
				}
				var used, want int64
				for c := range v.Info().Clusters {
					if bm.Allocated(c) {
						used++
					}
				}
				for _, f := range []string{"/$Boot", "/$MFT", "/$MFTMirr", "/$LogFile", "/$AttrDef", "/$Bitmap", "/$UpCase", "/$Secure:$SDS", "/:$I30"} {
					want += allocClusters(t, v, f)
				}
				if want++; used != want {
					t.Errorf("%s: $Bitmap marks %d clusters, the metadata has %d", name, used, want)
				}
				for _, p := range []string{"/$UpCase", "/$Secure:$SDS", "/$AttrDef"} {
					path, stream, _ := strings.Cut(p, ":")
					f, err := v.Lookup(path)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					s, err := f.Stream(stream)
					if err != nil {
						t.Fatalf("%s: %s: %v", name, p, err)
					}
					if _, err := s.ReadAll(); err != nil {
						t.Errorf("%s: read %s: %v", name, p, err)
					}
				}
				v.Close()
			}
		}
	}
	if ok == 0 || refused == 0 {
		t.Errorf("%d formatted, %d refused: want some of each", ok, refused)
	}
}

// FuzzFormatLayout: any size, cluster and sector size either fail with
// ErrGeometry or place every piece of metadata inside the volume without
// overlaps, in records that encode.
func FuzzFormatLayout(f *testing.F) {
	f.Add(int64(8<<20), 0, 0)
	f.Add(int64(1<<20+512), 64<<10, 512)
	f.Add(int64(3<<20), 256<<10, 512)
	f.Add(int64(1<<40), 0, 4096)
	f.Add(int64(17<<40), 0, 0)
	f.Fuzz(func(t *testing.T, size int64, cluster, sector int) {
		l, err := newLayout(size, FormatOptions{ClusterSize: cluster, SectorSize: sector})
		if err == nil {
			_, err = buildSystem(l, mft.NameUnits("fuzz"), mft.GUID{1}, 1)
		}
		if err != nil {
			if !errors.Is(err, ErrGeometry) {
				t.Fatalf("error %v is not ErrGeometry", err)
			}
			return
		}
		var end int64
		for _, r := range l.alloc {
			if int64(r.Start) < end || r.Length <= 0 {
				t.Fatalf("allocations overlap or are empty: %v", l.alloc)
			}
			end = int64(r.Start) + r.Length
		}
		if end > l.clusters || l.devSize > size || l.sectors*int64(l.sectorSize) >= l.devSize {
			t.Fatalf("metadata past the end: %v, %d clusters, device %d of %d", l.alloc, l.clusters, l.devSize, size)
		}
	})
}

// volumeGUID returns $Volume's object id and the $ObjId:$O entry's key and
// data.
func volumeGUID(t *testing.T, img string) (obj, key, data []byte) {
	t.Helper()
	v, err := Open(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	r, err := v.Record(mft.RecordVolume)
	if err != nil {
		t.Fatal(err)
	}
	a := r.Find(mft.AttrObjectID, nil)
	if a == nil {
		t.Fatal("$Volume has no $OBJECT_ID")
	}
	o, err := v.Record(recordObjID)
	if err != nil {
		t.Fatal(err)
	}
	root, err := index.DecodeRoot(o.Find(mft.AttrIndexRoot, mft.NameUnits("$O")).Value)
	if err != nil {
		t.Fatal(err)
	}
	if len(root.Entries) != 2 {
		t.Fatalf("$ObjId:$O has %d entries, want the volume's and the end", len(root.Entries))
	}
	d, err := root.Entries[0].Data()
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(a.Value), bytes.Clone(root.Entries[0].Key), bytes.Clone(d)
}

func TestFormatVolumeGUID(t *testing.T) {
	opts := FormatOptions{Size: 8 << 20, Reproducible: true}
	obj, key, data := volumeGUID(t, formatImage(t, opts))
	if len(obj) != 16 || !bytes.Equal(obj, key) || obj[7]>>4 != 4 || obj[8]>>6 != 2 {
		t.Errorf("object id %x, $O key %x: want equal random (version 4) GUIDs", obj, key)
	}
	want := append(binary.LittleEndian.AppendUint64(nil, uint64(mft.MakeFileRef(mft.RecordVolume, 3))), make([]byte, 48)...)
	if !bytes.Equal(data, want) {
		t.Errorf("$O data %x, want %x", data, want)
	}
	if again, _, _ := volumeGUID(t, formatImage(t, opts)); !bytes.Equal(again, obj) {
		t.Errorf("reproducible GUIDs differ: %x, %x", obj, again)
	}
	opts.Reproducible = false
	a, _, _ := volumeGUID(t, formatImage(t, opts))
	b, _, _ := volumeGUID(t, formatImage(t, opts))
	if bytes.Equal(a, b) || bytes.Equal(a, obj) {
		t.Errorf("random GUIDs repeat: %x, %x, %x", a, b, obj)
	}
}

// TestFormatOnSectorSize: without SectorSize, FormatOn uses the device's.
func TestFormatOnSectorSize(t *testing.T) {
	for _, ss := range []int{512, 4096} {
		dev := NewMemDevice(make([]byte, 8<<20), ss)
		if err := FormatOn(dev, 0, FormatOptions{Reproducible: true}); err != nil {
			t.Fatal(err)
		}
		v, err := OpenOn(dev, Options{})
		if err != nil {
			t.Fatal(err)
		}
		in := v.Info()
		if in.SectorSize != ss || in.RecordSize != max(1024, ss) || in.Size != 8<<20-int64(ss) {
			t.Errorf("device sectors %d: volume sectors %d, records %d, size %d", ss, in.SectorSize, in.RecordSize, in.Size)
		}
		v.Close()
	}
}
