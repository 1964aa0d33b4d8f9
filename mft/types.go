package mft

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

var le = binary.LittleEndian

// RecordNumber is the index of a FILE record in $MFT (48 bits on disk).
type RecordNumber uint64

// Well-known record numbers of the system files.
const (
	RecordMFT     RecordNumber = 0
	RecordMFTMirr RecordNumber = 1
	RecordLogFile RecordNumber = 2
	RecordVolume  RecordNumber = 3
	RecordAttrDef RecordNumber = 4
	RecordRoot    RecordNumber = 5
	RecordBitmap  RecordNumber = 6
	RecordBoot    RecordNumber = 7
	RecordBadClus RecordNumber = 8
	RecordSecure  RecordNumber = 9
	RecordUpCase  RecordNumber = 10
	RecordExtend  RecordNumber = 11
	// RecordFirstUser is the first record that is not reserved for system
	// files; ntfs-3g hides records below it from directory listings.
	RecordFirstUser RecordNumber = 16
)

// NoRecord marks an unknown record number in errors.
const NoRecord RecordNumber = 1<<64 - 1

// FileRef is an MFT reference: a 48-bit record number and a 16-bit sequence
// number that changes each time the record is reused.
type FileRef uint64

// MakeFileRef packs a record number and a sequence number.
func MakeFileRef(n RecordNumber, seq uint16) FileRef {
	return FileRef(uint64(n)&0xFFFFFFFFFFFF | uint64(seq)<<48)
}

// Record returns the 48-bit record number.
func (r FileRef) Record() RecordNumber { return RecordNumber(uint64(r) & 0xFFFFFFFFFFFF) }

// Seq returns the sequence number.
func (r FileRef) Seq() uint16 { return uint16(uint64(r) >> 48) }

func (r FileRef) String() string { return fmt.Sprintf("%d-%d", r.Record(), r.Seq()) }

// VCN is a virtual cluster number: a cluster index within an attribute.
type VCN int64

// LCN is a logical cluster number: a cluster index within the volume.
type LCN int64

// AttrType is the type code of an attribute.
type AttrType uint32

// Attribute type codes (NTFS 3.1).
const (
	AttrStandardInformation AttrType = 0x10  // $STANDARD_INFORMATION
	AttrAttributeList       AttrType = 0x20  // $ATTRIBUTE_LIST
	AttrFileName            AttrType = 0x30  // $FILE_NAME
	AttrObjectID            AttrType = 0x40  // $OBJECT_ID
	AttrSecurityDescriptor  AttrType = 0x50  // $SECURITY_DESCRIPTOR
	AttrVolumeName          AttrType = 0x60  // $VOLUME_NAME
	AttrVolumeInformation   AttrType = 0x70  // $VOLUME_INFORMATION
	AttrData                AttrType = 0x80  // $DATA
	AttrIndexRoot           AttrType = 0x90  // $INDEX_ROOT
	AttrIndexAllocation     AttrType = 0xA0  // $INDEX_ALLOCATION
	AttrBitmap              AttrType = 0xB0  // $BITMAP
	AttrReparsePoint        AttrType = 0xC0  // $REPARSE_POINT
	AttrEAInformation       AttrType = 0xD0  // $EA_INFORMATION
	AttrEA                  AttrType = 0xE0  // $EA
	AttrPropertySet         AttrType = 0xF0  // $PROPERTY_SET (NTFS 1.2)
	AttrLoggedUtilityStream AttrType = 0x100 // $LOGGED_UTILITY_STREAM
	AttrEnd                 AttrType = 0xFFFFFFFF
)

var attrTypeNames = map[AttrType]string{
	AttrStandardInformation: "$STANDARD_INFORMATION",
	AttrAttributeList:       "$ATTRIBUTE_LIST",
	AttrFileName:            "$FILE_NAME",
	AttrObjectID:            "$OBJECT_ID",
	AttrSecurityDescriptor:  "$SECURITY_DESCRIPTOR",
	AttrVolumeName:          "$VOLUME_NAME",
	AttrVolumeInformation:   "$VOLUME_INFORMATION",
	AttrData:                "$DATA",
	AttrIndexRoot:           "$INDEX_ROOT",
	AttrIndexAllocation:     "$INDEX_ALLOCATION",
	AttrBitmap:              "$BITMAP",
	AttrReparsePoint:        "$REPARSE_POINT",
	AttrEAInformation:       "$EA_INFORMATION",
	AttrEA:                  "$EA",
	AttrPropertySet:         "$PROPERTY_SET",
	AttrLoggedUtilityStream: "$LOGGED_UTILITY_STREAM",
	AttrEnd:                 "end",
}

func (t AttrType) String() string {
	if s, ok := attrTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("attribute type 0x%X", uint32(t))
}

// RecordFlags are the flags at offset 0x16 of a FILE record.
type RecordFlags uint16

const (
	RecordInUse     RecordFlags = 0x0001 // MFT_RECORD_IN_USE
	RecordDirectory RecordFlags = 0x0002 // MFT_RECORD_IS_DIRECTORY ($I30 present)
	RecordInExtend  RecordFlags = 0x0004 // MFT_RECORD_IN_EXTEND
	RecordViewIndex RecordFlags = 0x0008 // MFT_RECORD_IS_VIEW_INDEX
)

func (f RecordFlags) String() string {
	return flagString(uint64(f), []flagName{
		{uint64(RecordInUse), "in-use"},
		{uint64(RecordDirectory), "directory"},
		{uint64(RecordInExtend), "in-extend"},
		{uint64(RecordViewIndex), "view-index"},
	})
}

// AttrFlags are the flags at offset 0x0C of an attribute header.
type AttrFlags uint16

const (
	AttrCompressed      AttrFlags = 0x0001 // ATTR_IS_COMPRESSED (LZNT1)
	AttrCompressionMask AttrFlags = 0x00FF
	AttrEncrypted       AttrFlags = 0x4000 // ATTR_IS_ENCRYPTED
	AttrSparse          AttrFlags = 0x8000 // ATTR_IS_SPARSE
)

func (f AttrFlags) String() string {
	return flagString(uint64(f), []flagName{
		{uint64(AttrCompressed), "compressed"},
		{uint64(AttrEncrypted), "encrypted"},
		{uint64(AttrSparse), "sparse"},
	})
}

// FileAttributes are the Windows file attribute flags stored in
// $STANDARD_INFORMATION and $FILE_NAME (MS-FSCC 2.6).
type FileAttributes uint32

const (
	FileReadOnly           FileAttributes = 0x00000001
	FileHidden             FileAttributes = 0x00000002
	FileSystem             FileAttributes = 0x00000004
	FileDirectoryOld       FileAttributes = 0x00000010 // FILE_ATTRIBUTE_DIRECTORY (not used by NTFS on disk)
	FileArchive            FileAttributes = 0x00000020
	FileDevice             FileAttributes = 0x00000040
	FileNormal             FileAttributes = 0x00000080
	FileTemporary          FileAttributes = 0x00000100
	FileSparse             FileAttributes = 0x00000200
	FileReparsePoint       FileAttributes = 0x00000400
	FileCompressed         FileAttributes = 0x00000800
	FileOffline            FileAttributes = 0x00001000
	FileNotContentIndexed  FileAttributes = 0x00002000
	FileEncrypted          FileAttributes = 0x00004000
	FileIntegrityStream    FileAttributes = 0x00008000
	FileVirtual            FileAttributes = 0x00010000
	FileNoScrubData        FileAttributes = 0x00020000
	FileRecallOnOpen       FileAttributes = 0x00040000
	FilePinned             FileAttributes = 0x00080000
	FileUnpinned           FileAttributes = 0x00100000
	FileRecallOnDataAccess FileAttributes = 0x00400000
	// FileDupDirectory is set in $FILE_NAME (and index copies) of
	// directories: FILE_ATTR_DUP_FILE_NAME_INDEX_PRESENT.
	FileDupDirectory FileAttributes = 0x10000000
	// FileDupViewIndex marks a view index: FILE_ATTR_DUP_VIEW_INDEX_PRESENT.
	FileDupViewIndex FileAttributes = 0x20000000
)

var fileAttrNames = []flagName{
	{uint64(FileReadOnly), "readonly"},
	{uint64(FileHidden), "hidden"},
	{uint64(FileSystem), "system"},
	{uint64(FileDirectoryOld), "directory"},
	{uint64(FileArchive), "archive"},
	{uint64(FileDevice), "device"},
	{uint64(FileNormal), "normal"},
	{uint64(FileTemporary), "temporary"},
	{uint64(FileSparse), "sparse"},
	{uint64(FileReparsePoint), "reparse-point"},
	{uint64(FileCompressed), "compressed"},
	{uint64(FileOffline), "offline"},
	{uint64(FileNotContentIndexed), "not-content-indexed"},
	{uint64(FileEncrypted), "encrypted"},
	{uint64(FileIntegrityStream), "integrity-stream"},
	{uint64(FileVirtual), "virtual"},
	{uint64(FileNoScrubData), "no-scrub-data"},
	{uint64(FileRecallOnOpen), "recall-on-open"},
	{uint64(FilePinned), "pinned"},
	{uint64(FileUnpinned), "unpinned"},
	{uint64(FileRecallOnDataAccess), "recall-on-data-access"},
	{uint64(FileDupDirectory), "dir-index"},
	{uint64(FileDupViewIndex), "view-index"},
}

func (f FileAttributes) String() string { return flagString(uint64(f), fileAttrNames) }

// Names returns the names of the set flags, unknown bits as hex.
func (f FileAttributes) Names() []string {
	s := f.String()
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

type flagName struct {
	bit  uint64
	name string
}

func flagString(v uint64, names []flagName) string {
	var parts []string
	for _, n := range names {
		if v&n.bit != 0 {
			parts = append(parts, n.name)
			v &^= n.bit
		}
	}
	if v != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", v))
	}
	return strings.Join(parts, "|")
}

// Namespace is the $FILE_NAME namespace.
type Namespace uint8

const (
	NamespacePOSIX    Namespace = 0 // case-sensitive, any character but NUL and '/'
	NamespaceWin32    Namespace = 1
	NamespaceDOS      Namespace = 2 // 8.3
	NamespaceWin32DOS Namespace = 3 // the Win32 name is also a valid 8.3 name
)

func (n Namespace) String() string {
	switch n {
	case NamespacePOSIX:
		return "posix"
	case NamespaceWin32:
		return "win32"
	case NamespaceDOS:
		return "dos"
	case NamespaceWin32DOS:
		return "win32+dos"
	}
	return fmt.Sprintf("namespace %d", uint8(n))
}

// Filetime is a Windows FILETIME: 100-nanosecond intervals since 1601-01-01 UTC.
type Filetime uint64

const filetimeUnixEpoch = 116444736000000000

// filetimeUnixSeconds is the number of seconds from 1601-01-01 to 1970-01-01.
const filetimeUnixSeconds = filetimeUnixEpoch / 10000000

// Time converts to time.Time. Zero stays the zero time.Time. The whole
// unsigned range converts (up to the year 60056), so the arithmetic is done
// unsigned: a FILETIME above 1<<63 is a valid, far-future time.
func (f Filetime) Time() time.Time {
	if f == 0 {
		return time.Time{}
	}
	sec := int64(uint64(f)/1e7) - filetimeUnixSeconds
	nsec := int64(uint64(f)%1e7) * 100
	return time.Unix(sec, nsec).UTC()
}

// FiletimeOf converts a time.Time, truncating to 100 ns; the zero time gives
// 0. Times before 1601-01-01 (which FILETIME cannot hold) also give 0, and
// times after the largest FILETIME give 1<<64-1.
func FiletimeOf(t time.Time) Filetime {
	if t.IsZero() {
		return 0
	}
	sec := t.Unix()
	if sec < -filetimeUnixSeconds {
		return 0
	}
	const maxSec = (1<<64-1)/10000000 - filetimeUnixSeconds
	if sec > maxSec {
		return 1<<64 - 1
	}
	v := uint64(sec+filetimeUnixSeconds)*1e7 + uint64(t.Nanosecond()/100)
	if v < uint64(sec+filetimeUnixSeconds)*1e7 { // last partial second of the range
		return 1<<64 - 1
	}
	return Filetime(v)
}

func (f Filetime) String() string {
	if f == 0 {
		return "0"
	}
	return f.Time().Format(time.RFC3339Nano)
}
