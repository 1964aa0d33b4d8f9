package volume

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrNotNTFS is matched by errors for a boot sector that is not NTFS.
var ErrNotNTFS = errors.New("volume: not an NTFS volume")

// BootError locates a problem in the boot sector.
type BootError struct {
	Offset int // within the boot sector
	Field  string
	Value  any
}

func (e *BootError) Error() string {
	return fmt.Sprintf("volume: boot sector: bad %s at offset 0x%x (value %v)", e.Field, e.Offset, e.Value)
}

// Is matches ErrNotNTFS.
func (e *BootError) Is(t error) bool { return t == ErrNotNTFS }

// BootSector holds the fields of the NTFS boot sector ($Boot, first sector)
// that the volume layout depends on.
//
//	0x03 OEM id "NTFS    " | 0x0B bytes per sector u16 | 0x0D sectors per cluster u8
//	0x28 total sectors u64 | 0x30 $MFT LCN u64 | 0x38 $MFTMirr LCN u64
//	0x40 clusters per MFT record s8 | 0x44 clusters per index block s8
//	0x48 volume serial number u64 | 0x1FE 0x55 0xAA
type BootSector struct {
	OEMID             string
	BytesPerSector    int
	SectorsPerCluster int
	MediaDescriptor   byte
	HiddenSectors     uint32
	TotalSectors      int64
	MFTLCN            int64
	MFTMirrLCN        int64
	RecordSize        int // bytes per FILE record
	IndexBlockSize    int // bytes per INDX block
	Serial            uint64
	// RecordSizeRaw and IndexBlockSizeRaw are the stored bytes at 0x40 and
	// 0x44 (clusters, or a negative power of two in bytes).
	RecordSizeRaw, IndexBlockSizeRaw int8

	raw []byte // the decoded sector: boot code and fields not modelled
}

// sectorsPerCluster is the count the byte at 0x0D stores: itself up to
// 0x80, else 2 to the power of 256 minus it (0 when invalid).
func sectorsPerCluster(c byte) int {
	switch spc := int(c); {
	case spc == 0:
		return 0
	case spc > 0x80:
		if shift := 256 - spc; shift <= 20 {
			return 1 << shift
		}
		return 0
	case spc&(spc-1) != 0:
		return 0
	default:
		return spc
	}
}

// ClusterSize is the cluster size in bytes.
func (b *BootSector) ClusterSize() int { return b.BytesPerSector * b.SectorsPerCluster }

// Size is the volume size in bytes described by the boot sector.
func (b *BootSector) Size() int64 { return b.TotalSectors * int64(b.BytesPerSector) }

// DecodeBootSector validates and decodes an NTFS boot sector.
func DecodeBootSector(s []byte) (*BootSector, error) {
	le := binary.LittleEndian
	if len(s) < 512 {
		return nil, &BootError{Field: "boot sector size", Value: len(s)}
	}
	b := &BootSector{OEMID: string(s[3:11]), raw: append([]byte(nil), s[:512]...)}
	if b.OEMID != "NTFS    " {
		return nil, &BootError{Offset: 3, Field: "OEM id (not NTFS)", Value: fmt.Sprintf("%q", s[3:11])}
	}
	if s[0x1FE] != 0x55 || s[0x1FF] != 0xAA {
		return nil, &BootError{Offset: 0x1FE, Field: "boot signature", Value: fmt.Sprintf("0x%02x%02x", s[0x1FE], s[0x1FF])}
	}
	b.BytesPerSector = int(le.Uint16(s[0x0B:]))
	if b.BytesPerSector < 256 || b.BytesPerSector > 4096 || b.BytesPerSector&(b.BytesPerSector-1) != 0 {
		return nil, &BootError{Offset: 0x0B, Field: "bytes per sector", Value: b.BytesPerSector}
	}
	// Clusters of 64 KiB and more: the byte is a negative power of two.
	if b.SectorsPerCluster = sectorsPerCluster(s[0x0D]); b.SectorsPerCluster == 0 {
		return nil, &BootError{Offset: 0x0D, Field: "sectors per cluster", Value: fmt.Sprintf("0x%02x", s[0x0D])}
	}
	if cs := b.ClusterSize(); cs > 2<<20 {
		return nil, &BootError{Offset: 0x0D, Field: "cluster size", Value: cs}
	}
	b.MediaDescriptor = s[0x15]
	b.HiddenSectors = le.Uint32(s[0x1C:])
	b.TotalSectors = int64(le.Uint64(s[0x28:]))
	if b.TotalSectors <= 0 || b.TotalSectors > 1<<48 {
		return nil, &BootError{Offset: 0x28, Field: "total sectors", Value: b.TotalSectors}
	}
	clusters := b.TotalSectors / int64(b.SectorsPerCluster)
	b.MFTLCN = int64(le.Uint64(s[0x30:]))
	if b.MFTLCN <= 0 || b.MFTLCN >= clusters {
		return nil, &BootError{Offset: 0x30, Field: "$MFT cluster", Value: b.MFTLCN}
	}
	b.MFTMirrLCN = int64(le.Uint64(s[0x38:]))
	if b.MFTMirrLCN <= 0 || b.MFTMirrLCN >= clusters {
		return nil, &BootError{Offset: 0x38, Field: "$MFTMirr cluster", Value: b.MFTMirrLCN}
	}
	b.RecordSizeRaw, b.IndexBlockSizeRaw = int8(s[0x40]), int8(s[0x44])
	var err error
	if b.RecordSize, err = unitSize(int8(s[0x40]), b.ClusterSize()); err != nil || b.RecordSize < 512 || b.RecordSize > 64<<10 {
		return nil, &BootError{Offset: 0x40, Field: "clusters per MFT record", Value: int8(s[0x40])}
	}
	if b.IndexBlockSize, err = unitSize(int8(s[0x44]), b.ClusterSize()); err != nil || b.IndexBlockSize < 512 || b.IndexBlockSize > 1<<20 {
		return nil, &BootError{Offset: 0x44, Field: "clusters per index block", Value: int8(s[0x44])}
	}
	b.Serial = le.Uint64(s[0x48:])
	return b, nil
}

// unitSize decodes the record and index block size bytes: a positive
// count of clusters, or a negative power of two in bytes.
func unitSize(v int8, cluster int) (int, error) {
	switch {
	case v > 0:
		return int(v) * cluster, nil
	case v < 0 && v >= -31:
		return 1 << uint(-v), nil
	}
	return 0, errors.New("zero")
}

// AppendBinary encodes the boot sector (512 bytes). Bytes the struct does
// not model (jump, boot code, checksum, unused BPB fields) come from the
// decoded sector, or are zero for a new one; the signature is set.
func (b *BootSector) AppendBinary(out []byte) ([]byte, error) {
	le := binary.LittleEndian
	s := make([]byte, 512)
	copy(s, b.raw)
	if len(b.OEMID) != 8 {
		return out, &BootError{Offset: 3, Field: "OEM id length", Value: len(b.OEMID)}
	}
	copy(s[3:], b.OEMID)
	le.PutUint16(s[0x0B:], uint16(b.BytesPerSector))
	switch spc := b.SectorsPerCluster; {
	case spc <= 0 || spc&(spc-1) != 0:
		return out, &BootError{Offset: 0x0D, Field: "sectors per cluster", Value: spc}
	case len(b.raw) > 0x0D && sectorsPerCluster(b.raw[0x0D]) == spc:
		// The stored byte, when it says the same (a power of two up to
		// 128 may be stored either way).
		s[0x0D] = b.raw[0x0D]
	case spc <= 0x80:
		s[0x0D] = byte(spc)
	default:
		shift := 0
		for 1<<shift < spc {
			shift++
		}
		s[0x0D] = byte(256 - shift)
	}
	s[0x15] = b.MediaDescriptor
	le.PutUint32(s[0x1C:], b.HiddenSectors)
	le.PutUint64(s[0x28:], uint64(b.TotalSectors))
	le.PutUint64(s[0x30:], uint64(b.MFTLCN))
	le.PutUint64(s[0x38:], uint64(b.MFTMirrLCN))
	s[0x40] = byte(b.RecordSizeRaw)
	s[0x44] = byte(b.IndexBlockSizeRaw)
	le.PutUint64(s[0x48:], b.Serial)
	s[0x1FE], s[0x1FF] = 0x55, 0xAA
	return append(out, s...), nil
}
