package volume

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Partition tables, as decoded by ReadPartitions.
//
// References:
//   - MBR and EBR chains: https://en.wikipedia.org/wiki/Master_boot_record,
//     https://en.wikipedia.org/wiki/Extended_boot_record
//   - GPT: UEFI Specification 2.10, section 5.3 "GUID Partition Table (GPT)
//     Disk Layout", https://uefi.org/specs/UEFI/2.10/05_GUID_Partition_Table_Format.html
//   - Partition type codes and GUIDs:
//     https://en.wikipedia.org/wiki/Partition_type,
//     https://en.wikipedia.org/wiki/GUID_Partition_Table#Partition_type_GUIDs

// Partition is one entry of an MBR or GPT partition table; not an on-disk
// structure.
type Partition struct {
	Index    int    // 1-based as users count (IMAGE@1); MBR logical partitions are 5, 6, …
	Scheme   string // "mbr" or "gpt"
	Start    int64  // bytes from the start of the disk
	Length   int64  // bytes
	Type     string // "0x07 NTFS/exFAT/IFS", "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 Microsoft basic data"
	Name     string // GPT partition name
	GUID     string // GPT unique partition GUID
	Bootable bool   // MBR status 0x80; GPT attribute bit 2 (legacy BIOS bootable)
}

// ErrPartitionTable is matched (errors.Is) by every *PartitionTableError.
var ErrPartitionTable = errors.New("volume: bad partition table")

// PartitionTableError reports a damaged MBR, EBR or GPT structure.
//
//	volume: GPT header at LBA 1: bad CRC32 0x1234abcd (want 0x89ef0123)
type PartitionTableError struct {
	Struct string // "MBR", "EBR", "GPT header", "GPT partition array", "GPT entry 3"
	LBA    int64  // where the structure is, in sectors
	Msg    string
}

func (e *PartitionTableError) Error() string {
	return fmt.Sprintf("volume: %s at LBA %d: %s", e.Struct, e.LBA, e.Msg)
}

func (e *PartitionTableError) Is(t error) bool { return t == ErrPartitionTable }

func tableErr(what string, lba int64, format string, args ...any) error {
	return &PartitionTableError{Struct: what, LBA: lba, Msg: fmt.Sprintf(format, args...)}
}

// MBR layout.
const (
	mbrSize         = 512
	mbrEntries      = 0x1be // 4 entries of 16 bytes
	mbrEntrySize    = 16
	mbrSignatureOff = 0x1fe // 0x55 0xaa
	maxLogical      = 128   // EBR chain guard
)

// mbrEntry is a 16-byte MBR or EBR partition entry.
type mbrEntry []byte

func (e mbrEntry) status() byte        { return e[0x00] } // 0x80 bootable, 0x00 not
func (e mbrEntry) partType() byte      { return e[0x04] } // 0x01-0x03, 0x05-0x07: CHS, unused
func (e mbrEntry) startLBA() uint32    { return binary.LittleEndian.Uint32(e[0x08:]) }
func (e mbrEntry) sectorCount() uint32 { return binary.LittleEndian.Uint32(e[0x0c:]) }

func isExtended(t byte) bool { return t == 0x05 || t == 0x0f || t == 0x85 }

var mbrTypeNames = map[byte]string{
	0x01: "FAT12",
	0x04: "FAT16 <32M",
	0x05: "Extended",
	0x06: "FAT16",
	0x07: "NTFS/exFAT/IFS",
	0x0b: "FAT32",
	0x0c: "FAT32 (LBA)",
	0x0e: "FAT16 (LBA)",
	0x0f: "Extended (LBA)",
	0x11: "Hidden FAT12",
	0x12: "Compaq diagnostics",
	0x14: "Hidden FAT16 <32M",
	0x16: "Hidden FAT16",
	0x17: "Hidden NTFS/exFAT/IFS",
	0x1b: "Hidden FAT32",
	0x1c: "Hidden FAT32 (LBA)",
	0x1e: "Hidden FAT16 (LBA)",
	0x27: "Windows RE (hidden NTFS)",
	0x42: "Windows dynamic disk (LDM)",
	0x82: "Linux swap",
	0x83: "Linux",
	0x85: "Linux extended",
	0x8e: "Linux LVM",
	0xa5: "FreeBSD",
	0xa6: "OpenBSD",
	0xa8: "Darwin UFS",
	0xa9: "NetBSD",
	0xab: "Darwin boot",
	0xaf: "HFS/HFS+",
	0xee: "GPT protective",
	0xef: "EFI system",
	0xfd: "Linux RAID autodetect",
}

// MBRTypeString returns "0x07 NTFS/exFAT/IFS" for a partition type code, or
// just "0x42" style for codes without a name.
func MBRTypeString(t byte) string {
	if n, ok := mbrTypeNames[t]; ok {
		return fmt.Sprintf("%#02x %s", t, n)
	}
	return fmt.Sprintf("%#02x", t)
}

var gptTypeNames = map[string]string{
	"C12A7328-F81F-11D2-BA4B-00A0C93EC93B": "EFI system partition",
	"E3C9E316-0B5C-4DB8-817D-F92DF00215AE": "Microsoft reserved",
	"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7": "Microsoft basic data",
	"DE94BBA4-06D1-4D40-A16A-BFD50179D6AC": "Windows recovery environment",
	"5808C8AA-7E8F-42E0-85D2-E1E90434CFB3": "Windows LDM metadata",
	"AF9B60A0-1431-4F62-BC68-3311714A69AD": "Windows LDM data",
	"E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D": "Windows Storage Spaces",
	"21686148-6449-6E6F-744E-656564454649": "BIOS boot",
	"0FC63DAF-8483-4772-8E79-3D69D8477DE4": "Linux filesystem",
	"0657FD6D-A4AB-43C4-84E5-0933C84B4F4F": "Linux swap",
	"E6D6D379-F507-44C2-A23C-238F2A3DF928": "Linux LVM",
	"A19D880F-05FC-4D3B-A006-743F0F84911E": "Linux RAID",
	"4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709": "Linux root (x86-64)",
	"933AC7E1-2EB4-4F13-B844-0E14E2AEF915": "Linux home",
	"48465300-0000-11AA-AA11-00306543ECAC": "Apple HFS+",
	"7C3457EF-0000-11AA-AA11-00306543ECAC": "Apple APFS",
	"516E7CB6-6ECF-11D6-8FF8-00022D09712B": "FreeBSD UFS",
}

// GPTTypeString returns "<GUID> <name>" for a GPT partition type GUID in
// canonical text form, or just the GUID for types without a name.
func GPTTypeString(guid string) string {
	if n, ok := gptTypeNames[guid]; ok {
		return guid + " " + n
	}
	return guid
}

// formatGUID formats a 16-byte on-disk GUID (first three fields little
// endian) as EBD0A0A2-B9E5-4433-87C0-68B6B72699C7.
func formatGUID(b []byte) string {
	return fmt.Sprintf("%08X-%04X-%04X-%X-%X",
		binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint16(b[4:]),
		binary.LittleEndian.Uint16(b[6:]), b[8:10], b[10:16])
}

// ReadPartitions decodes the partition table of a disk of size bytes.
//
// It returns no partitions and a nil error when the disk has no partition
// table: no 0x55AA signature, or sector 0 is the boot sector of a volume
// (an NTFS or exFAT image without a partition table ends sector 0 with
// 0x55AA as well). An MBR with a GPT protective entry (0xEE) is read as GPT,
// falling back to the backup header at the last LBA when the primary header
// or its partition array is damaged.
//
// sectorSize is the logical sector size, a power of two from 512 to 65536;
// 0 means unknown: MBRs are then read with 512-byte sectors and GPT is
// looked for with 512 and 4096.
//
// Damage returns a *PartitionTableError. A broken EBR chain returns the
// partitions read before the break along with the error.
func ReadPartitions(r io.ReaderAt, size int64, sectorSize int) ([]Partition, error) {
	if sectorSize != 0 && (sectorSize < mbrSize || sectorSize > 1<<16 || sectorSize&(sectorSize-1) != 0) {
		return nil, fmt.Errorf("volume: bad sector size %d", sectorSize)
	}
	if size < mbrSize {
		return nil, nil
	}
	mbr := make([]byte, mbrSize)
	if err := readFull(r, mbr, 0); err != nil {
		return nil, fmt.Errorf("volume: read MBR at LBA 0: %w", err)
	}
	if mbr[mbrSignatureOff] != 0x55 || mbr[mbrSignatureOff+1] != 0xaa {
		return nil, nil
	}
	if isVolumeBootSector(mbr) {
		return nil, nil
	}
	entries := make([]mbrEntry, 4)
	for i := range entries {
		e := mbrEntry(mbr[mbrEntries+i*mbrEntrySize:][:mbrEntrySize])
		if e.status() != 0x00 && e.status() != 0x80 {
			// Not a partition table; a boot sector we do not know.
			return nil, nil
		}
		entries[i] = e
	}
	for _, e := range entries {
		if e.partType() == 0xee {
			return readGPT(r, size, sectorSize)
		}
	}

	ss := int64(sectorSize)
	if ss == 0 {
		ss = 512
	}
	var parts []Partition
	var ext []mbrEntry
	for i, e := range entries {
		if e.partType() == 0 || e.sectorCount() == 0 {
			continue
		}
		parts = append(parts, mbrPartition(i+1, e, 0, ss))
		if isExtended(e.partType()) {
			ext = append(ext, e)
		}
	}
	if len(ext) > 0 {
		// Like Linux, follow the first extended partition only.
		logical, err := readEBRChain(r, size, ss, int64(ext[0].startLBA()))
		parts = append(parts, logical...)
		if err != nil {
			return parts, err
		}
	}
	return parts, nil
}

func mbrPartition(index int, e mbrEntry, base int64, ss int64) Partition {
	return Partition{
		Index:    index,
		Scheme:   "mbr",
		Start:    (base + int64(e.startLBA())) * ss,
		Length:   int64(e.sectorCount()) * ss,
		Type:     MBRTypeString(e.partType()),
		Bootable: e.status() == 0x80,
	}
}

// isVolumeBootSector reports whether sector 0 is a volume boot sector rather
// than an MBR, by its OEM ID at offset 3.
func isVolumeBootSector(b []byte) bool {
	oem := string(b[3:11])
	return oem == "NTFS    " || oem == "EXFAT   "
}

// readEBRChain follows the EBRs of the extended partition starting at
// extLBA. Entry 0 of each EBR is a logical partition relative to that EBR;
// entry 1 links to the next EBR relative to extLBA.
func readEBRChain(r io.ReaderAt, size, ss, extLBA int64) ([]Partition, error) {
	var parts []Partition
	seen := make(map[int64]bool)
	buf := make([]byte, mbrSize)
	lba := extLBA
	for n := 0; ; n++ {
		if n >= maxLogical {
			return parts, tableErr("EBR", lba, "chain longer than %d logical partitions", maxLogical)
		}
		if seen[lba] {
			return parts, tableErr("EBR", lba, "chain loops back to this EBR")
		}
		seen[lba] = true
		if lba*ss+mbrSize > size {
			return parts, tableErr("EBR", lba, "beyond the end of the disk (%#x bytes)", size)
		}
		if err := readFull(r, buf, lba*ss); err != nil {
			return parts, fmt.Errorf("volume: read EBR at LBA %d: %w", lba, err)
		}
		if buf[mbrSignatureOff] != 0x55 || buf[mbrSignatureOff+1] != 0xaa {
			return parts, tableErr("EBR", lba, "missing 0x55AA signature")
		}
		data := mbrEntry(buf[mbrEntries:][:mbrEntrySize])
		link := mbrEntry(buf[mbrEntries+mbrEntrySize:][:mbrEntrySize])
		if data.partType() != 0 && data.sectorCount() != 0 && !isExtended(data.partType()) {
			parts = append(parts, mbrPartition(5+len(parts), data, lba, ss))
		}
		if !isExtended(link.partType()) || link.startLBA() == 0 {
			return parts, nil
		}
		lba = extLBA + int64(link.startLBA())
	}
}

// GPT layout (UEFI 2.10, table 5.5 "GPT Header" and 5.6 "GPT Partition
// Entry").
type gptHeader []byte

func (h gptHeader) signature() string      { return string(h[0x00:0x08]) } // "EFI PART"
func (h gptHeader) headerSize() uint32     { return binary.LittleEndian.Uint32(h[0x0c:]) }
func (h gptHeader) headerCRC() uint32      { return binary.LittleEndian.Uint32(h[0x10:]) }
func (h gptHeader) myLBA() uint64          { return binary.LittleEndian.Uint64(h[0x18:]) }
func (h gptHeader) firstUsableLBA() uint64 { return binary.LittleEndian.Uint64(h[0x28:]) }
func (h gptHeader) lastUsableLBA() uint64  { return binary.LittleEndian.Uint64(h[0x30:]) }
func (h gptHeader) entryLBA() uint64       { return binary.LittleEndian.Uint64(h[0x48:]) }
func (h gptHeader) entryCount() uint32     { return binary.LittleEndian.Uint32(h[0x50:]) }
func (h gptHeader) entrySize() uint32      { return binary.LittleEndian.Uint32(h[0x54:]) }
func (h gptHeader) entryArrayCRC() uint32  { return binary.LittleEndian.Uint32(h[0x58:]) }

const (
	gptSignature     = "EFI PART"
	gptMinHeaderSize = 92
	gptMinEntrySize  = 128
	gptMaxArraySize  = 4 << 20 // far above the usual 16 KiB
)

type gptEntry []byte

func (e gptEntry) typeGUID() []byte   { return e[0x00:0x10] }
func (e gptEntry) uniqueGUID() []byte { return e[0x10:0x20] }
func (e gptEntry) firstLBA() uint64   { return binary.LittleEndian.Uint64(e[0x20:]) }
func (e gptEntry) lastLBA() uint64    { return binary.LittleEndian.Uint64(e[0x28:]) } // inclusive
func (e gptEntry) attributes() uint64 { return binary.LittleEndian.Uint64(e[0x30:]) }
func (e gptEntry) name() []byte       { return e[0x38:0x80] } // UTF-16LE, NUL padded

const gptAttrLegacyBIOSBootable = 1 << 2

// readGPT reads the GPT of a disk with a protective MBR.
func readGPT(r io.ReaderAt, size int64, sectorSize int) ([]Partition, error) {
	sizes := []int64{int64(sectorSize)}
	if sectorSize == 0 {
		sizes = []int64{512, 4096}
	}
	var firstErr error
	for _, ss := range sizes {
		if size < 2*ss {
			continue
		}
		parts, found, err := readGPTSectorSize(r, size, ss)
		if found {
			return parts, err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = tableErr("GPT header", 1, "disk too small for a GPT")
	}
	return nil, firstErr
}

// readGPTSectorSize reads the GPT assuming sector size ss. found reports
// whether a GPT signature was seen at all with this sector size.
func readGPTSectorSize(r io.ReaderAt, size, ss int64) (parts []Partition, found bool, err error) {
	lastLBA := size/ss - 1
	parts, found, err = readGPTAt(r, size, ss, 1)
	if err == nil {
		return parts, true, nil
	}
	backup := lastLBA
	parts, foundBackup, berr := readGPTAt(r, size, ss, backup)
	if berr == nil {
		return parts, true, nil
	}
	if !found && !foundBackup {
		return nil, false, err
	}
	if !foundBackup {
		return nil, true, err
	}
	if !found {
		return nil, true, berr
	}
	return nil, true, errors.Join(err, berr)
}

// readGPTAt reads and checks the GPT header at lba and its partition array.
// found reports whether the header had the GPT signature.
func readGPTAt(r io.ReaderAt, size, ss, lba int64) (parts []Partition, found bool, err error) {
	const what = "GPT header"
	if lba < 1 || lba > size/ss-1 {
		return nil, false, tableErr(what, lba, "beyond the end of the disk")
	}
	buf := make([]byte, ss)
	if err := readFull(r, buf, lba*ss); err != nil {
		return nil, false, fmt.Errorf("volume: read %s at LBA %d: %w", what, lba, err)
	}
	h := gptHeader(buf)
	if h.signature() != gptSignature {
		return nil, false, tableErr(what, lba, "missing %q signature", gptSignature)
	}
	hs := h.headerSize()
	if hs < gptMinHeaderSize || int64(hs) > ss {
		return nil, true, tableErr(what, lba, "bad header size %d", hs)
	}
	hb := bytes.Clone(buf[:hs])
	binary.LittleEndian.PutUint32(hb[0x10:], 0)
	if stored, sum := h.headerCRC(), crc32.ChecksumIEEE(hb); stored != sum {
		return nil, true, tableErr(what, lba, "bad CRC32 %#08x (want %#08x)", stored, sum)
	}
	if h.myLBA() != uint64(lba) {
		return nil, true, tableErr(what, lba, "header says it is at LBA %d", h.myLBA())
	}
	if h.firstUsableLBA() > h.lastUsableLBA() {
		return nil, true, tableErr(what, lba, "first usable LBA %d after last usable LBA %d", h.firstUsableLBA(), h.lastUsableLBA())
	}
	es, count := h.entrySize(), h.entryCount()
	if es < gptMinEntrySize || es%8 != 0 {
		return nil, true, tableErr(what, lba, "bad partition entry size %d", es)
	}
	arraySize := uint64(es) * uint64(count)
	if arraySize > gptMaxArraySize {
		return nil, true, tableErr(what, lba, "partition array of %d entries of %d bytes is too large", count, es)
	}
	alba := h.entryLBA()
	if alba == 0 || alba > uint64(size/ss) || alba*uint64(ss)+arraySize > uint64(size) {
		return nil, true, tableErr(what, lba, "partition array at LBA %d (%d bytes) is beyond the end of the disk", alba, arraySize)
	}
	array := make([]byte, arraySize)
	if err := readFull(r, array, int64(alba)*ss); err != nil {
		return nil, true, fmt.Errorf("volume: read GPT partition array at LBA %d: %w", alba, err)
	}
	if stored, sum := h.entryArrayCRC(), crc32.ChecksumIEEE(array); stored != sum {
		return nil, true, tableErr("GPT partition array", int64(alba), "bad CRC32 %#08x (want %#08x), listed in the header at LBA %d", stored, sum, lba)
	}
	for i := range int(count) {
		e := gptEntry(array[i*int(es):][:es])
		if allZero(e.typeGUID()) {
			continue
		}
		first, last := e.firstLBA(), e.lastLBA()
		if first > last || last >= uint64(1)<<62/uint64(ss) {
			return nil, true, tableErr(fmt.Sprintf("GPT entry %d", i+1), int64(alba)+int64(i)*int64(es)/ss,
				"bad extent: first LBA %d, last LBA %d", first, last)
		}
		parts = append(parts, Partition{
			Index:    i + 1,
			Scheme:   "gpt",
			Start:    int64(first) * ss,
			Length:   int64(last-first+1) * ss,
			Type:     GPTTypeString(formatGUID(e.typeGUID())),
			Name:     decodeUTF16Name(e.name()),
			GUID:     formatGUID(e.uniqueGUID()),
			Bootable: e.attributes()&gptAttrLegacyBIOSBootable != 0,
		})
	}
	return parts, true, nil
}

func decodeUTF16Name(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// readFull reads len(b) bytes at off, treating a short read as
// io.ErrUnexpectedEOF.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// ParseImageSpec splits IMAGE@N into the image path and a 1-based partition
// number (0: the whole image). An '@' not followed by only digits is part of
// the file name, and so is everything when the whole of s names an existing
// file. exists reports whether a path exists; nil means os.Stat.
func ParseImageSpec(s string, exists func(string) bool) (path string, part int, err error) {
	if exists == nil {
		exists = func(p string) bool { _, err := os.Stat(p); return err == nil }
	}
	i := strings.LastIndexByte(s, '@')
	if i < 0 || exists(s) {
		return s, 0, nil
	}
	num := s[i+1:]
	if num == "" || strings.Trim(num, "0123456789") != "" {
		return s, 0, nil
	}
	if i == 0 {
		return "", 0, fmt.Errorf("volume: image spec %q: missing image path before @", s)
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 {
		return "", 0, fmt.Errorf("volume: image spec %q: bad partition number %q (partitions count from 1)", s, num)
	}
	return s[:i], n, nil
}
