package reparse

import "fmt"

// Tag is a reparse tag (MS-FSCC 2.1.2.1): the first field of every
// reparse buffer, naming the filter that owns the reparse point.
//
// Bit layout, most significant first: M (0x80000000, owned by Microsoft),
// R (0x40000000, reserved, formerly "high latency"), N (0x20000000, name
// surrogate), D (0x10000000, a directory with this tag may have children),
// 12 reserved bits, and a 16-bit value.
type Tag uint32

// Tags listed in MS-FSCC 2.1.2.1 and the Windows SDK (winnt.h, ntifs.h).
const (
	TagReservedZero     Tag = 0x00000000 // IO_REPARSE_TAG_RESERVED_ZERO
	TagReservedOne      Tag = 0x00000001 // IO_REPARSE_TAG_RESERVED_ONE
	TagReservedTwo      Tag = 0x00000002 // IO_REPARSE_TAG_RESERVED_TWO
	TagMountPoint       Tag = 0xA0000003 // IO_REPARSE_TAG_MOUNT_POINT: junctions and volume mount points
	TagHSM              Tag = 0xC0000004 // IO_REPARSE_TAG_HSM (obsolete)
	TagDriveExtender    Tag = 0x80000005 // IO_REPARSE_TAG_DRIVE_EXTENDER: Home Server drive extender
	TagHSM2             Tag = 0x80000006 // IO_REPARSE_TAG_HSM2 (obsolete)
	TagSIS              Tag = 0x80000007 // IO_REPARSE_TAG_SIS: single-instance storage
	TagWIM              Tag = 0x80000008 // IO_REPARSE_TAG_WIM: WIM mount
	TagCSV              Tag = 0x80000009 // IO_REPARSE_TAG_CSV: cluster shared volumes
	TagDFS              Tag = 0x8000000A // IO_REPARSE_TAG_DFS
	TagFilterManager    Tag = 0x8000000B // IO_REPARSE_TAG_FILTER_MANAGER
	TagSymlink          Tag = 0xA000000C // IO_REPARSE_TAG_SYMLINK
	TagIISCache         Tag = 0xA0000010 // IO_REPARSE_TAG_IIS_CACHE
	TagDFSR             Tag = 0x80000012 // IO_REPARSE_TAG_DFSR
	TagDedup            Tag = 0x80000013 // IO_REPARSE_TAG_DEDUP: data deduplication
	TagAppXStrm         Tag = 0xC0000014 // IO_REPARSE_TAG_APPXSTRM (not used)
	TagNFS              Tag = 0x80000014 // IO_REPARSE_TAG_NFS: NFS symlinks and special files
	TagFilePlaceholder  Tag = 0x80000015 // IO_REPARSE_TAG_FILE_PLACEHOLDER (Windows 8.1 OneDrive)
	TagDFM              Tag = 0x80000016 // IO_REPARSE_TAG_DFM: dynamic file filter
	TagWOF              Tag = 0x80000017 // IO_REPARSE_TAG_WOF: Windows Overlay Filter (compact OS)
	TagWCI              Tag = 0x80000018 // IO_REPARSE_TAG_WCI: Windows Container Isolation
	TagWCI1             Tag = 0x90001018 // IO_REPARSE_TAG_WCI_1
	TagGlobalReparse    Tag = 0xA0000019 // IO_REPARSE_TAG_GLOBAL_REPARSE: named pipe symlink out of a silo
	TagCloud            Tag = 0x9000001A // IO_REPARSE_TAG_CLOUD: Cloud Files (OneDrive and other sync engines)
	TagCloud1           Tag = 0x9000101A // IO_REPARSE_TAG_CLOUD_1
	TagCloud2           Tag = 0x9000201A // IO_REPARSE_TAG_CLOUD_2
	TagCloud3           Tag = 0x9000301A // IO_REPARSE_TAG_CLOUD_3
	TagCloud4           Tag = 0x9000401A // IO_REPARSE_TAG_CLOUD_4
	TagCloud5           Tag = 0x9000501A // IO_REPARSE_TAG_CLOUD_5
	TagCloud6           Tag = 0x9000601A // IO_REPARSE_TAG_CLOUD_6
	TagCloud7           Tag = 0x9000701A // IO_REPARSE_TAG_CLOUD_7
	TagCloud8           Tag = 0x9000801A // IO_REPARSE_TAG_CLOUD_8
	TagCloud9           Tag = 0x9000901A // IO_REPARSE_TAG_CLOUD_9
	TagCloudA           Tag = 0x9000A01A // IO_REPARSE_TAG_CLOUD_A
	TagCloudB           Tag = 0x9000B01A // IO_REPARSE_TAG_CLOUD_B
	TagCloudC           Tag = 0x9000C01A // IO_REPARSE_TAG_CLOUD_C
	TagCloudD           Tag = 0x9000D01A // IO_REPARSE_TAG_CLOUD_D
	TagCloudE           Tag = 0x9000E01A // IO_REPARSE_TAG_CLOUD_E
	TagCloudF           Tag = 0x9000F01A // IO_REPARSE_TAG_CLOUD_F
	TagAppExecLink      Tag = 0x8000001B // IO_REPARSE_TAG_APPEXECLINK: app execution alias
	TagProjFS           Tag = 0x9000001C // IO_REPARSE_TAG_PROJFS: Projected File System
	TagLXSymlink        Tag = 0xA000001D // IO_REPARSE_TAG_LX_SYMLINK: WSL symbolic link
	TagStorageSync      Tag = 0x8000001E // IO_REPARSE_TAG_STORAGE_SYNC: Azure File Sync
	TagWCITombstone     Tag = 0xA000001F // IO_REPARSE_TAG_WCI_TOMBSTONE
	TagUnhandled        Tag = 0x80000020 // IO_REPARSE_TAG_UNHANDLED
	TagOneDrive         Tag = 0x80000021 // IO_REPARSE_TAG_ONEDRIVE
	TagProjFSTombstone  Tag = 0xA0000022 // IO_REPARSE_TAG_PROJFS_TOMBSTONE
	TagAFUnix           Tag = 0x80000023 // IO_REPARSE_TAG_AF_UNIX: AF_UNIX socket (WSL and Win32)
	TagLXFIFO           Tag = 0x80000024 // IO_REPARSE_TAG_LX_FIFO: WSL FIFO
	TagLXChr            Tag = 0x80000025 // IO_REPARSE_TAG_LX_CHR: WSL character device
	TagLXBlk            Tag = 0x80000026 // IO_REPARSE_TAG_LX_BLK: WSL block device
	TagStorageSyncDir   Tag = 0x90000027 // IO_REPARSE_TAG_STORAGE_SYNC_FOLDER
	TagWCILink          Tag = 0xA0000027 // IO_REPARSE_TAG_WCI_LINK
	TagWCILink1         Tag = 0xA0001027 // IO_REPARSE_TAG_WCI_LINK_1
	TagDatalessCIM      Tag = 0xA0000028 // IO_REPARSE_TAG_DATALESS_CIM
	tagCloudMask        Tag = 0x0000F000 // IO_REPARSE_TAG_CLOUD_MASK: the CLOUD_n variant
	tagBitMicrosoft     Tag = 0x80000000
	tagBitNameSurrogate Tag = 0x20000000
	tagBitDirectory     Tag = 0x10000000
)

var tagNames = map[Tag]string{
	TagReservedZero:    "IO_REPARSE_TAG_RESERVED_ZERO",
	TagReservedOne:     "IO_REPARSE_TAG_RESERVED_ONE",
	TagReservedTwo:     "IO_REPARSE_TAG_RESERVED_TWO",
	TagMountPoint:      "IO_REPARSE_TAG_MOUNT_POINT",
	TagHSM:             "IO_REPARSE_TAG_HSM",
	TagDriveExtender:   "IO_REPARSE_TAG_DRIVE_EXTENDER",
	TagHSM2:            "IO_REPARSE_TAG_HSM2",
	TagSIS:             "IO_REPARSE_TAG_SIS",
	TagWIM:             "IO_REPARSE_TAG_WIM",
	TagCSV:             "IO_REPARSE_TAG_CSV",
	TagDFS:             "IO_REPARSE_TAG_DFS",
	TagFilterManager:   "IO_REPARSE_TAG_FILTER_MANAGER",
	TagSymlink:         "IO_REPARSE_TAG_SYMLINK",
	TagIISCache:        "IO_REPARSE_TAG_IIS_CACHE",
	TagDFSR:            "IO_REPARSE_TAG_DFSR",
	TagDedup:           "IO_REPARSE_TAG_DEDUP",
	TagAppXStrm:        "IO_REPARSE_TAG_APPXSTRM",
	TagNFS:             "IO_REPARSE_TAG_NFS",
	TagFilePlaceholder: "IO_REPARSE_TAG_FILE_PLACEHOLDER",
	TagDFM:             "IO_REPARSE_TAG_DFM",
	TagWOF:             "IO_REPARSE_TAG_WOF",
	TagWCI:             "IO_REPARSE_TAG_WCI",
	TagWCI1:            "IO_REPARSE_TAG_WCI_1",
	TagGlobalReparse:   "IO_REPARSE_TAG_GLOBAL_REPARSE",
	TagCloud:           "IO_REPARSE_TAG_CLOUD",
	TagCloud1:          "IO_REPARSE_TAG_CLOUD_1",
	TagCloud2:          "IO_REPARSE_TAG_CLOUD_2",
	TagCloud3:          "IO_REPARSE_TAG_CLOUD_3",
	TagCloud4:          "IO_REPARSE_TAG_CLOUD_4",
	TagCloud5:          "IO_REPARSE_TAG_CLOUD_5",
	TagCloud6:          "IO_REPARSE_TAG_CLOUD_6",
	TagCloud7:          "IO_REPARSE_TAG_CLOUD_7",
	TagCloud8:          "IO_REPARSE_TAG_CLOUD_8",
	TagCloud9:          "IO_REPARSE_TAG_CLOUD_9",
	TagCloudA:          "IO_REPARSE_TAG_CLOUD_A",
	TagCloudB:          "IO_REPARSE_TAG_CLOUD_B",
	TagCloudC:          "IO_REPARSE_TAG_CLOUD_C",
	TagCloudD:          "IO_REPARSE_TAG_CLOUD_D",
	TagCloudE:          "IO_REPARSE_TAG_CLOUD_E",
	TagCloudF:          "IO_REPARSE_TAG_CLOUD_F",
	TagAppExecLink:     "IO_REPARSE_TAG_APPEXECLINK",
	TagProjFS:          "IO_REPARSE_TAG_PROJFS",
	TagLXSymlink:       "IO_REPARSE_TAG_LX_SYMLINK",
	TagStorageSync:     "IO_REPARSE_TAG_STORAGE_SYNC",
	TagWCITombstone:    "IO_REPARSE_TAG_WCI_TOMBSTONE",
	TagUnhandled:       "IO_REPARSE_TAG_UNHANDLED",
	TagOneDrive:        "IO_REPARSE_TAG_ONEDRIVE",
	TagProjFSTombstone: "IO_REPARSE_TAG_PROJFS_TOMBSTONE",
	TagAFUnix:          "IO_REPARSE_TAG_AF_UNIX",
	TagLXFIFO:          "IO_REPARSE_TAG_LX_FIFO",
	TagLXChr:           "IO_REPARSE_TAG_LX_CHR",
	TagLXBlk:           "IO_REPARSE_TAG_LX_BLK",
	TagStorageSyncDir:  "IO_REPARSE_TAG_STORAGE_SYNC_FOLDER",
	TagWCILink:         "IO_REPARSE_TAG_WCI_LINK",
	TagWCILink1:        "IO_REPARSE_TAG_WCI_LINK_1",
	TagDatalessCIM:     "IO_REPARSE_TAG_DATALESS_CIM",
}

// String returns the SDK name of a known tag, such as
// "IO_REPARSE_TAG_MOUNT_POINT", and "0x%08X" otherwise.
func (t Tag) String() string {
	if s, ok := tagNames[t]; ok {
		return s
	}
	return fmt.Sprintf("0x%08X", uint32(t))
}

// IsMicrosoft reports whether the M bit (31) is set. Tags without it use
// the 24-byte REPARSE_GUID_DATA_BUFFER header (MS-FSCC 2.1.2.3).
func (t Tag) IsMicrosoft() bool { return t&tagBitMicrosoft != 0 }

// IsNameSurrogate reports whether the N bit (29) is set: the file stands
// for another named entity (junctions, symlinks).
func (t Tag) IsNameSurrogate() bool { return t&tagBitNameSurrogate != 0 }

// IsDirectory reports whether the D bit (28) is set: a directory carrying
// this tag may have children.
func (t Tag) IsDirectory() bool { return t&tagBitDirectory != 0 }

// IsCloud reports whether t is IO_REPARSE_TAG_CLOUD or one of its
// IO_REPARSE_TAG_CLOUD_1 … _F variants, which differ only in the bits of
// IO_REPARSE_TAG_CLOUD_MASK (0x0000F000).
func (t Tag) IsCloud() bool { return t&^tagCloudMask == TagCloud }

// Kind classifies t for summaries: one of KindJunction, KindSymlink,
// KindLXSymlink, KindAppExecLink, KindWOF, KindCloud, KindDedup or
// KindOther. It never returns KindInterix, which is not a reparse point.
func (t Tag) Kind() string {
	switch {
	case t == TagMountPoint:
		return KindJunction
	case t == TagSymlink:
		return KindSymlink
	case t == TagLXSymlink:
		return KindLXSymlink
	case t == TagAppExecLink:
		return KindAppExecLink
	case t == TagWOF:
		return KindWOF
	case t.IsCloud():
		return KindCloud
	case t == TagDedup:
		return KindDedup
	}
	return KindOther
}
