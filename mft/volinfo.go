package mft

// VolumeFlags are the flags of $VOLUME_INFORMATION.
type VolumeFlags uint16

const (
	VolumeDirty            VolumeFlags = 0x0001
	VolumeResizeLogFile    VolumeFlags = 0x0002
	VolumeUpgradeOnMount   VolumeFlags = 0x0004
	VolumeMountedOnNT4     VolumeFlags = 0x0008
	VolumeDeleteUSN        VolumeFlags = 0x0010
	VolumeRepairObjectID   VolumeFlags = 0x0020
	VolumeChkdskUnderway   VolumeFlags = 0x4000
	VolumeModifiedByChkdsk VolumeFlags = 0x8000
)

func (f VolumeFlags) String() string {
	return flagString(uint64(f), []flagName{
		{uint64(VolumeDirty), "dirty"},
		{uint64(VolumeResizeLogFile), "resize-logfile"},
		{uint64(VolumeUpgradeOnMount), "upgrade-on-mount"},
		{uint64(VolumeMountedOnNT4), "mounted-on-nt4"},
		{uint64(VolumeDeleteUSN), "delete-usn-underway"},
		{uint64(VolumeRepairObjectID), "repair-object-ids"},
		{uint64(VolumeChkdskUnderway), "chkdsk-underway"},
		{uint64(VolumeModifiedByChkdsk), "modified-by-chkdsk"},
	})
}

// VolumeInfo is a $VOLUME_INFORMATION (0x70) value:
// 0x00 reserved u64 | 0x08 major u8 | 0x09 minor u8 | 0x0A flags u16 | (0x0C reserved u32).
type VolumeInfo struct {
	Reserved     uint64
	Major, Minor uint8
	Flags        VolumeFlags
	Tail         []byte // bytes after 0x0C (Windows writes 4 zero bytes)
}

// DecodeVolumeInfo decodes a $VOLUME_INFORMATION value.
func DecodeVolumeInfo(b []byte) (VolumeInfo, error) {
	var v VolumeInfo
	if len(b) < 12 || len(b) > 64 {
		return v, corrupt(0, "$VOLUME_INFORMATION length", len(b))
	}
	v.Reserved = le.Uint64(b)
	v.Major, v.Minor = b[8], b[9]
	v.Flags = VolumeFlags(le.Uint16(b[10:]))
	if len(b) > 12 {
		v.Tail = append([]byte(nil), b[12:]...)
	}
	return v, nil
}

// AppendBinary appends the encoded value.
func (v VolumeInfo) AppendBinary(b []byte) ([]byte, error) {
	b = le.AppendUint64(b, v.Reserved)
	b = append(b, v.Major, v.Minor)
	b = le.AppendUint16(b, uint16(v.Flags))
	return append(b, v.Tail...), nil
}

// DecodeVolumeName decodes a $VOLUME_NAME (0x60) value: the UTF-16LE label.
func DecodeVolumeName(b []byte) ([]uint16, error) {
	if len(b)%2 != 0 || len(b) > 2*128 {
		return nil, corrupt(0, "$VOLUME_NAME length", len(b))
	}
	return DecodeName(b), nil
}

// AppendVolumeName encodes a label.
func AppendVolumeName(b []byte, name []uint16) []byte { return AppendName(b, name) }
