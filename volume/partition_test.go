package volume

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// requireTool skips the test when name is not installed, or fails it when
// CI=true.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed (Debian package %s)", name, pkg)
		}
		t.Skipf("%s not installed (Debian package %s); skipping", name, pkg)
	}
	return p
}

// messWith returns a copy of b changed by f.
func messWith(b []byte, f func(b []byte)) []byte {
	b = bytes.Clone(b)
	f(b)
	return b
}

// mbrSpec is one partition entry to write into an MBR or EBR.
type mbrSpec struct {
	slot     int
	bootable bool
	typ      byte
	start    uint32 // LBA, as stored
	count    uint32
}

func putMBR(sector []byte, specs ...mbrSpec) {
	for _, s := range specs {
		e := sector[0x1be+16*s.slot:][:16]
		if s.bootable {
			e[0] = 0x80
		}
		e[4] = s.typ
		binary.LittleEndian.PutUint32(e[8:], s.start)
		binary.LittleEndian.PutUint32(e[12:], s.count)
	}
	sector[510], sector[511] = 0x55, 0xaa
}

// buildMBRDisk builds an 8 MiB disk with two primary partitions and an
// extended partition holding two logical ones, laid out as sfdisk does:
//
//	1: LBA 2048+4096  0x07 bootable
//	2: LBA 6144+2048  0x83
//	3: LBA 8192+8192  0x05, EBRs at 8192 and 10240
//	5: LBA 8255+1000  0x07 (EBR 8192 + 63)
//	6: LBA 10303+2000 0x83 (EBR 10240 + 63)
func buildMBRDisk() []byte {
	disk := make([]byte, 16384*512)
	putMBR(disk[:512],
		mbrSpec{slot: 0, bootable: true, typ: 0x07, start: 2048, count: 4096},
		mbrSpec{slot: 1, typ: 0x83, start: 6144, count: 2048},
		mbrSpec{slot: 2, typ: 0x05, start: 8192, count: 8192},
	)
	putMBR(disk[8192*512:][:512],
		mbrSpec{slot: 0, typ: 0x07, start: 63, count: 1000},
		mbrSpec{slot: 1, typ: 0x05, start: 2048, count: 2048 + 63 + 2000},
	)
	putMBR(disk[10240*512:][:512],
		mbrSpec{slot: 0, typ: 0x83, start: 63, count: 2000},
	)
	return disk
}

var wantMBRDisk = []Partition{
	{Index: 1, Scheme: "mbr", Start: 2048 * 512, Length: 4096 * 512, Type: "0x07 NTFS/exFAT/IFS", Bootable: true},
	{Index: 2, Scheme: "mbr", Start: 6144 * 512, Length: 2048 * 512, Type: "0x83 Linux"},
	{Index: 3, Scheme: "mbr", Start: 8192 * 512, Length: 8192 * 512, Type: "0x05 Extended"},
	{Index: 5, Scheme: "mbr", Start: 8255 * 512, Length: 1000 * 512, Type: "0x07 NTFS/exFAT/IFS"},
	{Index: 6, Scheme: "mbr", Start: 10303 * 512, Length: 2000 * 512, Type: "0x83 Linux"},
}

// gptSpec is one GPT partition entry.
type gptSpec struct {
	slot        int
	typ, unique string // canonical GUID text
	first, last uint64 // LBAs, last inclusive
	attrs       uint64
	name        string
}

// putGUID writes a canonical GUID in its on-disk mixed-endian form.
func putGUID(b []byte, s string) {
	h := strings.ReplaceAll(s, "-", "")
	var raw [16]byte
	for i := range raw {
		v, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			panic(err)
		}
		raw[i] = byte(v)
	}
	// Data1 (4), Data2 (2), Data3 (2) are little endian; the rest as is.
	b[0], b[1], b[2], b[3] = raw[3], raw[2], raw[1], raw[0]
	b[4], b[5] = raw[5], raw[4]
	b[6], b[7] = raw[7], raw[6]
	copy(b[8:16], raw[8:])
}

// buildGPTDisk builds a GPT disk of sectors sectors of ss bytes with a
// protective MBR, a primary header at LBA 1 with its array at LBA 2, and the
// backup array and header at the end. entries is the array's entry count.
func buildGPTDisk(sectors, ss int, entries int, specs ...gptSpec) []byte {
	disk := make([]byte, sectors*ss)
	putMBR(disk[:512], mbrSpec{slot: 0, typ: 0xee, start: 1, count: uint32(min(int64(sectors-1), 0xffffffff))})

	const entrySize = 128
	array := make([]byte, entries*entrySize)
	for _, s := range specs {
		e := array[s.slot*entrySize:][:entrySize]
		putGUID(e[0x00:], s.typ)
		putGUID(e[0x10:], s.unique)
		binary.LittleEndian.PutUint64(e[0x20:], s.first)
		binary.LittleEndian.PutUint64(e[0x28:], s.last)
		binary.LittleEndian.PutUint64(e[0x30:], s.attrs)
		for i, c := range utf16.Encode([]rune(s.name)) {
			binary.LittleEndian.PutUint16(e[0x38+2*i:], c)
		}
	}
	arraySectors := (len(array) + ss - 1) / ss
	last := uint64(sectors - 1)
	header := func(my, alt, arrayLBA uint64) []byte {
		h := make([]byte, 92)
		copy(h, "EFI PART")
		binary.LittleEndian.PutUint32(h[0x08:], 0x00010000)
		binary.LittleEndian.PutUint32(h[0x0c:], 92)
		binary.LittleEndian.PutUint64(h[0x18:], my)
		binary.LittleEndian.PutUint64(h[0x20:], alt)
		binary.LittleEndian.PutUint64(h[0x28:], uint64(2+arraySectors))
		binary.LittleEndian.PutUint64(h[0x30:], last-1-uint64(arraySectors))
		putGUID(h[0x38:], "11111111-2222-3333-4444-555555555555")
		binary.LittleEndian.PutUint64(h[0x48:], arrayLBA)
		binary.LittleEndian.PutUint32(h[0x50:], uint32(entries))
		binary.LittleEndian.PutUint32(h[0x54:], entrySize)
		binary.LittleEndian.PutUint32(h[0x58:], crc32.ChecksumIEEE(array))
		binary.LittleEndian.PutUint32(h[0x10:], crc32.ChecksumIEEE(h))
		return h
	}
	copy(disk[1*ss:], header(1, last, 2))
	copy(disk[2*ss:], array)
	backupArray := last - uint64(arraySectors)
	copy(disk[backupArray*uint64(ss):], array)
	copy(disk[last*uint64(ss):], header(last, 1, backupArray))
	return disk
}

const (
	guidBasicData = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
	guidESP       = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
	guidLinux     = "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
)

// gptTestSpecs fits an 8 MiB disk of 512-byte sectors (16384 sectors).
var gptTestSpecs = []gptSpec{
	{slot: 0, typ: guidESP, unique: "0A0B0C0D-0E0F-1011-1213-141516171819", first: 2048, last: 4095, name: "EFI system partition"},
	{slot: 1, typ: guidBasicData, unique: "DEADBEEF-0001-0002-0304-05060708090A", first: 4096, last: 12287, name: "Données ☃"},
	{slot: 3, typ: guidLinux, unique: "CAFEBABE-1234-5678-9ABC-DEF012345678", first: 12288, last: 16000, attrs: 1 << 2, name: "linux"},
}

func wantGPT(ss int64) []Partition {
	return []Partition{
		{Index: 1, Scheme: "gpt", Start: 2048 * ss, Length: 2048 * ss, Type: guidESP + " EFI system partition", Name: "EFI system partition", GUID: "0A0B0C0D-0E0F-1011-1213-141516171819"},
		{Index: 2, Scheme: "gpt", Start: 4096 * ss, Length: 8192 * ss, Type: guidBasicData + " Microsoft basic data", Name: "Données ☃", GUID: "DEADBEEF-0001-0002-0304-05060708090A"},
		{Index: 4, Scheme: "gpt", Start: 12288 * ss, Length: 3713 * ss, Type: guidLinux + " Linux filesystem", Name: "linux", GUID: "CAFEBABE-1234-5678-9ABC-DEF012345678", Bootable: true},
	}
}

// ntfsBootSector returns a sector that looks like the start of an NTFS
// volume: jump, OEM ID, 0x55AA, and a partition-entry area full of code.
func ntfsBootSector() []byte {
	b := make([]byte, 4096)
	copy(b, "\xeb\x52\x90NTFS    ")
	for i := 0x1be; i < 0x1fe; i++ {
		b[i] = byte(i)
	}
	b[510], b[511] = 0x55, 0xaa
	return b
}

func TestReadPartitions(t *testing.T) {
	mbrDisk := buildMBRDisk()
	gptDisk := buildGPTDisk(16384, 512, 128, gptTestSpecs...)
	gpt4k := buildGPTDisk(16384, 4096, 128, gptTestSpecs...)
	tests := []struct {
		name       string
		disk       []byte
		sectorSize int
		want       []Partition
	}{
		{name: "mbr with logical partitions", disk: mbrDisk, want: wantMBRDisk},
		{name: "mbr, sector size given", disk: mbrDisk, sectorSize: 512, want: wantMBRDisk},
		{name: "gpt", disk: gptDisk, want: wantGPT(512)},
		{name: "gpt, sector size given", disk: gptDisk, sectorSize: 512, want: wantGPT(512)},
		{name: "gpt 4096-byte sectors, size unknown", disk: gpt4k, want: wantGPT(4096)},
		{name: "gpt 4096-byte sectors, size given", disk: gpt4k, sectorSize: 4096, want: wantGPT(4096)},
		{name: "gpt, one-sector array", disk: buildGPTDisk(16384, 512, 4, gptTestSpecs...), want: wantGPT(512)},
		{
			name: "gpt primary header corrupt, backup used",
			disk: messWith(gptDisk, func(b []byte) { b[512+0x28] ^= 0xff }),
			want: wantGPT(512),
		},
		{
			name: "gpt primary array corrupt, backup used",
			disk: messWith(gptDisk, func(b []byte) { b[2*512+0x38] ^= 0xff }),
			want: wantGPT(512),
		},
		{
			name: "gpt primary signature gone, backup used",
			disk: messWith(gptDisk, func(b []byte) { clear(b[512 : 2*512]) }),
			want: wantGPT(512),
		},
		{
			name: "gpt 4k primary corrupt, backup used",
			disk: messWith(gpt4k, func(b []byte) { b[4096+0x10] ^= 1 }),
			want: wantGPT(4096),
		},
		{name: "empty disk", disk: make([]byte, 1<<20)},
		{name: "tiny disk", disk: []byte{0x55, 0xaa}},
		{name: "ntfs volume without table", disk: ntfsBootSector()},
		{
			name: "exfat volume without table",
			disk: messWith(ntfsBootSector(), func(b []byte) { copy(b[3:], "EXFAT   ") }),
		},
		{
			name: "boot code with bad status bytes",
			disk: messWith(ntfsBootSector(), func(b []byte) { copy(b[3:], "MSWIN4.1") }),
		},
		{
			name: "mbr without partitions",
			disk: messWith(make([]byte, 4096), func(b []byte) { b[510], b[511] = 0x55, 0xaa }),
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadPartitions(bytes.NewReader(tt.disk), int64(len(tt.disk)), tt.sectorSize)
			if err != nil {
				t.Fatalf("ReadPartitions: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadPartitions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadPartitionsErrors(t *testing.T) {
	mbrDisk := buildMBRDisk()
	gptDisk := buildGPTDisk(16384, 512, 128, gptTestSpecs...)
	last := int64(16383)
	bothHeaders := func(b []byte) {
		b[512+0x28] ^= 0xff
		b[last*512+0x28] ^= 0xff
	}
	tests := []struct {
		name      string
		disk      []byte
		want      []Partition // returned along with the error
		wantErrs  []PartitionTableError
		wantNoPTE bool // an I/O error, not a *PartitionTableError
	}{
		{
			name: "gpt both headers corrupt",
			disk: messWith(gptDisk, bothHeaders),
			wantErrs: []PartitionTableError{
				{Struct: "GPT header", LBA: 1, Msg: fmt.Sprintf("bad CRC32 %#08x (want %#08x)",
					binary.LittleEndian.Uint32(gptDisk[512+0x10:]),
					crc32.ChecksumIEEE(messWith(gptDisk[512:512+92], func(b []byte) { clear(b[0x10:0x14]); b[0x28] ^= 0xff })))},
				{Struct: "GPT header", LBA: last},
			},
		},
		{
			name: "gpt both arrays corrupt",
			disk: messWith(gptDisk, func(b []byte) {
				b[2*512] ^= 1
				b[(last-32)*512] ^= 1
			}),
			wantErrs: []PartitionTableError{
				{Struct: "GPT partition array", LBA: 2},
				{Struct: "GPT partition array", LBA: last - 32},
			},
		},
		{
			name:     "protective mbr without gpt",
			disk:     messWith(gptDisk, func(b []byte) { clear(b[512:]) }),
			wantErrs: []PartitionTableError{{Struct: "GPT header", LBA: 1}},
		},
		{
			name: "gpt entry with last before first",
			disk: func() []byte {
				specs := append([]gptSpec(nil), gptTestSpecs...)
				specs[1].last = 100
				return buildGPTDisk(16384, 512, 128, specs...)
			}(),
			wantErrs: []PartitionTableError{{Struct: "GPT entry 2", LBA: 2}, {Struct: "GPT entry 2", LBA: last - 32}},
		},
		{
			name: "ebr chain loops",
			disk: messWith(mbrDisk, func(b []byte) {
				// EBR 2 links back to EBR 1 (relative LBA 0 is "end of
				// chain", so loop through a third EBR at 12288).
				putMBR(b[10240*512:][:512], mbrSpec{slot: 0, typ: 0x83, start: 63, count: 2000},
					mbrSpec{slot: 1, typ: 0x05, start: 4096, count: 100})
				putMBR(b[12288*512:][:512], mbrSpec{slot: 1, typ: 0x05, start: 2048, count: 100})
			}),
			want:     wantMBRDisk,
			wantErrs: []PartitionTableError{{Struct: "EBR", LBA: 10240, Msg: "chain loops back to this EBR"}},
		},
		{
			name: "ebr without signature",
			disk: messWith(mbrDisk, func(b []byte) { b[10240*512+511] = 0 }),
			want: wantMBRDisk[:4],
			wantErrs: []PartitionTableError{
				{Struct: "EBR", LBA: 10240, Msg: "missing 0x55AA signature"},
			},
		},
		{
			name: "extended partition beyond the disk",
			disk: messWith(mbrDisk, func(b []byte) {
				putMBR(b[:512], mbrSpec{slot: 2, typ: 0x0f, start: 1 << 20, count: 8192})
			}),
			want: []Partition{
				wantMBRDisk[0], wantMBRDisk[1],
				{Index: 3, Scheme: "mbr", Start: 1 << 29, Length: 8192 * 512, Type: "0x0f Extended (LBA)"},
			},
			wantErrs: []PartitionTableError{{Struct: "EBR", LBA: 1 << 20, Msg: "beyond the end of the disk (0x800000 bytes)"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadPartitions(bytes.NewReader(tt.disk), int64(len(tt.disk)), 0)
			if err == nil {
				t.Fatalf("ReadPartitions = %v, nil; want an error", got)
			}
			t.Logf("error: %v", err)
			if !errors.Is(err, ErrPartitionTable) {
				t.Errorf("errors.Is(%v, ErrPartitionTable) = false", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("partitions (-want +got):\n%s", diff)
			}
			var gotErrs []PartitionTableError
			for _, e := range flattenErrors(err) {
				var pe *PartitionTableError
				if errors.As(e, &pe) {
					gotErrs = append(gotErrs, *pe)
				}
			}
			// Compare messages only where the test gives one.
			ignoreMsg := make([]PartitionTableError, len(gotErrs))
			for i, e := range gotErrs {
				ignoreMsg[i] = e
				if i < len(tt.wantErrs) && tt.wantErrs[i].Msg == "" {
					ignoreMsg[i].Msg = ""
				}
			}
			if diff := cmp.Diff(tt.wantErrs, ignoreMsg); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// flattenErrors unpacks errors.Join.
func flattenErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flattenErrors(e)...)
		}
		return out
	}
	return []error{err}
}

func TestPartitionTableErrorMessage(t *testing.T) {
	err := error(&PartitionTableError{Struct: "GPT header", LBA: 1, Msg: "bad CRC32 0x00000001 (want 0xdeadbeef)"})
	want := "volume: GPT header at LBA 1: bad CRC32 0x00000001 (want 0xdeadbeef)"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestReadPartitionsBadSectorSize(t *testing.T) {
	disk := buildGPTDisk(64, 512, 4, gptSpec{slot: 0, typ: guidBasicData, unique: guidESP, first: 4, last: 40})
	for _, ss := range []int{-512, 1, 7, 256, 513, 1000, 1 << 17} {
		if parts, err := ReadPartitions(bytes.NewReader(disk), int64(len(disk)), ss); err == nil {
			t.Errorf("ReadPartitions(sector size %d) = %v, nil; want an error", ss, parts)
		}
	}
}

// errReader fails every read.
type errReader struct{ err error }

func (r errReader) ReadAt(p []byte, off int64) (int, error) { return 0, r.err }

func TestReadPartitionsIOError(t *testing.T) {
	boom := errors.New("boom")
	_, err := ReadPartitions(errReader{boom}, 1<<20, 0)
	if !errors.Is(err, boom) {
		t.Errorf("ReadPartitions error = %v, want it to wrap %v", err, boom)
	}
}

// readSharedImage returns the gunzipped contents of a file in
// ../shared/images (beside the repository), skipping (or failing under
// CI=true) when it is missing.
func readSharedImage(t *testing.T, name string) []byte {
	t.Helper()
	p := filepath.Join(oracle.SharedDir(t), "images", name)
	f, err := os.Open(p)
	if err != nil {
		oracle.Unavailable(t, "shared image %s: %v", name, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip %s: %v", p, err)
	}
	return b
}

func TestReadPartitionsWindowsImage(t *testing.T) {
	// ntfs_index.raw.gz: a 32 MiB disk partitioned by Windows 10, one
	// NTFS partition at LBA 128 (sfdisk: start=128, size=59392, type=7).
	disk := readSharedImage(t, "ntfs_index.raw.gz")
	got, err := ReadPartitions(bytes.NewReader(disk), int64(len(disk)), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Partition{{Index: 1, Scheme: "mbr", Start: 128 * 512, Length: 59392 * 512, Type: "0x07 NTFS/exFAT/IFS"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadPartitions (-want +got):\n%s", diff)
	}

	// The partition holds an NTFS volume, whose boot sector is not an
	// MBR.
	d, p, err := OpenPartition(NewMemDevice(disk, 512), 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[0], p); diff != "" {
		t.Errorf("OpenPartition (-want +got):\n%s", diff)
	}
	boot := make([]byte, 512)
	if _, err := d.ReadAt(boot, 0); err != nil {
		t.Fatal(err)
	}
	if got := string(boot[3:11]); got != "NTFS    " {
		t.Errorf("partition 1 OEM ID = %q, want %q", got, "NTFS    ")
	}
	inner, err := ReadPartitions(d, d.Size(), 0)
	if err != nil || inner != nil {
		t.Errorf("ReadPartitions(partition 1) = %v, %v; want nil, nil", inner, err)
	}
	if _, _, err := OpenPartition(NewMemDevice(disk, 512), 2); err == nil {
		t.Errorf("OpenPartition(2) succeeded on a disk with one partition")
	}
}

// sfdiskTable is the part of `sfdisk --json` output the tests compare.
type sfdiskTable struct {
	PartitionTable struct {
		Label      string `json:"label"`
		SectorSize int64  `json:"sectorsize"`
		Partitions []struct {
			Node     string `json:"node"`
			Start    int64  `json:"start"`
			Size     int64  `json:"size"`
			Type     string `json:"type"`
			UUID     string `json:"uuid"`
			Name     string `json:"name"`
			Attrs    string `json:"attrs"`
			Bootable bool   `json:"bootable"`
		} `json:"partitions"`
	} `json:"partitiontable"`
}

// sfdiskPartitions lists the partitions of the image at path as sfdisk
// reads them, in our Partition form.
func sfdiskPartitions(t *testing.T, path string) []Partition {
	t.Helper()
	out, err := exec.Command("sfdisk", "--json", path).Output()
	if err != nil {
		t.Fatalf("sfdisk --json %s: %v", path, err)
	}
	var tab sfdiskTable
	if err := json.Unmarshal(out, &tab); err != nil {
		t.Fatalf("sfdisk --json output: %v\n%s", err, out)
	}
	pt := tab.PartitionTable
	var parts []Partition
	for _, sp := range pt.Partitions {
		i := len(sp.Node)
		for i > 0 && sp.Node[i-1] >= '0' && sp.Node[i-1] <= '9' {
			i--
		}
		index, err := strconv.Atoi(sp.Node[i:])
		if err != nil {
			t.Fatalf("sfdisk node %q: %v", sp.Node, err)
		}
		p := Partition{
			Index:  index,
			Start:  sp.Start * pt.SectorSize,
			Length: sp.Size * pt.SectorSize,
			Name:   sp.Name,
			GUID:   sp.UUID,
		}
		switch pt.Label {
		case "dos":
			p.Scheme = "mbr"
			code, err := strconv.ParseUint(sp.Type, 16, 8)
			if err != nil {
				t.Fatalf("sfdisk type %q: %v", sp.Type, err)
			}
			p.Type = MBRTypeString(byte(code))
			p.Bootable = sp.Bootable
		case "gpt":
			p.Scheme = "gpt"
			p.Type = GPTTypeString(sp.Type)
			p.Bootable = strings.Contains(sp.Attrs, "LegacyBIOSBootable")
		default:
			t.Fatalf("sfdisk label %q", pt.Label)
		}
		parts = append(parts, p)
	}
	return parts
}

func checkAgainstSfdisk(t *testing.T, disk []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "disk.img")
	if err := os.WriteFile(path, disk, 0o644); err != nil {
		t.Fatal(err)
	}
	want := sfdiskPartitions(t, path)
	got, err := ReadPartitions(bytes.NewReader(disk), int64(len(disk)), 512)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadPartitions vs sfdisk (-sfdisk +ours):\n%s", diff)
	}
}

// TestReadPartitionsSfdisk checks our decoding against util-linux's, on the
// images the tests build and on images built by sfdisk and sgdisk.
func TestReadPartitionsSfdisk(t *testing.T) {
	requireTool(t, "sfdisk", "fdisk")

	t.Run("built mbr", func(t *testing.T) { checkAgainstSfdisk(t, buildMBRDisk()) })
	t.Run("built gpt", func(t *testing.T) { checkAgainstSfdisk(t, buildGPTDisk(16384, 512, 128, gptTestSpecs...)) })

	t.Run("sfdisk mbr", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "mbr.img")
		if err := os.WriteFile(path, make([]byte, 16<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("sfdisk", "--no-reread", "--no-tell-kernel", path)
		cmd.Stdin = strings.NewReader("label: dos\n" +
			"start=2048,size=4096,type=7,bootable\n" +
			"start=6144,size=2048,type=83\n" +
			"start=8192,type=f\n" +
			"size=1000,type=7\n" +
			"size=1500,type=b\n" +
			"type=83\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sfdisk: %v\n%s", err, out)
		}
		disk, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstSfdisk(t, disk)
	})

	t.Run("sgdisk gpt", func(t *testing.T) {
		requireTool(t, "sgdisk", "gdisk")
		path := filepath.Join(t.TempDir(), "gpt.img")
		if err := os.WriteFile(path, make([]byte, 8<<20), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("sgdisk",
			"-n", "1:2048:+1M", "-t", "1:ef00", "-c", "1:EFI system",
			"-n", "2:0:+2M", "-t", "2:0c01",
			"-n", "3:0:+3M", "-t", "3:0700", "-c", "3:Basic data",
			"-n", "5:0:0", "-t", "5:8300", "-c", "5:Linux ✓", "-A", "5:set:2",
			path).CombinedOutput()
		if err != nil {
			t.Fatalf("sgdisk: %v\n%s", err, out)
		}
		disk, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstSfdisk(t, disk)
		got, err := ReadPartitions(bytes.NewReader(disk), int64(len(disk)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 || got[2].Index != 3 || got[2].Type != guidBasicData+" Microsoft basic data" || got[3].Index != 5 {
			t.Errorf("sgdisk partitions = %+v", got)
		}
		// sgdisk writes a backup; destroying the primary must not lose
		// the table.
		broken := messWith(disk, func(b []byte) { b[512+0x40] ^= 0xff })
		again, err := ReadPartitions(bytes.NewReader(broken), int64(len(broken)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Errorf("backup GPT (-primary +backup):\n%s", diff)
		}
	})
}

func TestParseImageSpec(t *testing.T) {
	files := map[string]bool{
		"disk@2.img": true,
		"odd@3":      true,
	}
	exists := func(p string) bool { return files[p] }
	tests := []struct {
		in       string
		wantPath string
		wantPart int
		wantErr  bool
	}{
		{in: "disk.img", wantPath: "disk.img"},
		{in: "disk.img@2", wantPath: "disk.img", wantPart: 2},
		{in: "disk.img@12", wantPath: "disk.img", wantPart: 12},
		{in: `\\.\PhysicalDrive1@3`, wantPath: `\\.\PhysicalDrive1`, wantPart: 3},
		{in: "/dev/sdb@1", wantPath: "/dev/sdb", wantPart: 1},
		{in: "a@b/disk.img@1", wantPath: "a@b/disk.img", wantPart: 1},
		{in: "disk@2.img", wantPath: "disk@2.img"},
		{in: "me@host.img", wantPath: "me@host.img"},
		{in: "disk.img@", wantPath: "disk.img@"},
		{in: "disk.img@2x", wantPath: "disk.img@2x"},
		{in: "disk.img@-1", wantPath: "disk.img@-1"},
		{in: "odd@3", wantPath: "odd@3"}, // an existing file wins
		{in: "odd@3@4", wantPath: "odd@3", wantPart: 4},
		{in: "disk.img@0", wantErr: true},
		{in: "disk.img@99999999999999999999", wantErr: true},
		{in: "@1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			path, part, err := ParseImageSpec(tt.in, exists)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseImageSpec(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if path != tt.wantPath || part != tt.wantPart {
				t.Errorf("ParseImageSpec(%q) = %q, %d; want %q, %d", tt.in, path, part, tt.wantPath, tt.wantPart)
			}
		})
	}
}

func TestParseImageSpecStat(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "x@1")
	if err := os.WriteFile(name, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if path, part, err := ParseImageSpec(name, nil); err != nil || path != name || part != 0 {
		t.Errorf("ParseImageSpec(%q, nil) = %q, %d, %v; want the whole name", name, path, part, err)
	}
	other := filepath.Join(dir, "y@1")
	if path, part, err := ParseImageSpec(other, nil); err != nil || path != filepath.Join(dir, "y") || part != 1 {
		t.Errorf("ParseImageSpec(%q, nil) = %q, %d, %v; want partition 1 of y", other, path, part, err)
	}
}

func TestTypeStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{MBRTypeString(0x07), "0x07 NTFS/exFAT/IFS"},
		{MBRTypeString(0xee), "0xee GPT protective"},
		{MBRTypeString(0x0f), "0x0f Extended (LBA)"},
		{MBRTypeString(0x9a), "0x9a"},
		{GPTTypeString(guidBasicData), guidBasicData + " Microsoft basic data"},
		{GPTTypeString("E3C9E316-0B5C-4DB8-817D-F92DF00215AE"), "E3C9E316-0B5C-4DB8-817D-F92DF00215AE Microsoft reserved"},
		{GPTTypeString("00000000-1111-2222-3333-444444444444"), "00000000-1111-2222-3333-444444444444"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestFormatGUID(t *testing.T) {
	// The Microsoft basic data type GUID as stored on disk.
	raw := []byte{0xa2, 0xa0, 0xd0, 0xeb, 0xe5, 0xb9, 0x33, 0x44, 0x87, 0xc0, 0x68, 0xb6, 0xb7, 0x26, 0x99, 0xc7}
	if got := formatGUID(raw); got != guidBasicData {
		t.Errorf("formatGUID = %q, want %q", got, guidBasicData)
	}
}

func FuzzReadPartitions(f *testing.F) {
	f.Add([]byte{}, 0)
	f.Add(ntfsBootSector(), 0)
	// Small seeds: the fuzzer mutates every byte it is given.
	small := make([]byte, 64*512)
	putMBR(small[:512],
		mbrSpec{slot: 0, typ: 0x07, start: 2, count: 10},
		mbrSpec{slot: 1, typ: 0x05, start: 16, count: 40},
	)
	putMBR(small[16*512:][:512], mbrSpec{slot: 0, typ: 0x83, start: 1, count: 4}, mbrSpec{slot: 1, typ: 0x05, start: 8, count: 8})
	putMBR(small[24*512:][:512], mbrSpec{slot: 0, typ: 0x07, start: 1, count: 4})
	f.Add(small, 0)
	f.Add(small, 512)
	gpt := buildGPTDisk(64, 512, 4, gptSpec{slot: 1, typ: guidBasicData, unique: guidESP, first: 4, last: 40, name: "x"})
	f.Add(gpt, 0)
	f.Add(gpt, 512)
	f.Add(gpt, 4096)
	f.Fuzz(func(t *testing.T, disk []byte, sectorSize int) {
		parts, err := ReadPartitions(bytes.NewReader(disk), int64(len(disk)), sectorSize)
		if err != nil {
			return
		}
		for _, p := range parts {
			if p.Index < 1 || p.Start < 0 || p.Length <= 0 {
				t.Errorf("bad partition %+v", p)
			}
		}
	})
}
