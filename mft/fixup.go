package mft

// SectorSize is the stride of the update sequence array: NTFS protects the
// last two bytes of every 512-byte block of a multi-sector structure
// (FILE records and INDX blocks), whatever the device's sector size.
const SectorSize = 512

// ApplyFixups checks and removes the update sequence protection of a
// multi-sector structure in place: for each 512-byte block it checks that the
// last two bytes equal the update sequence number and restores the saved
// bytes from the update sequence array. A block whose check bytes differ was
// torn by an interrupted write; the error names the offset of its last two
// bytes. On error b is left unchanged.
func ApplyFixups(b []byte) error {
	off, count, err := usaBounds(b)
	if err != nil {
		return err
	}
	usn := le.Uint16(b[off:])
	// Check every block before restoring any, so that a torn structure is
	// not left half converted.
	for i := 1; i < count; i++ {
		end := i*SectorSize - 2
		if got := le.Uint16(b[end:]); got != usn {
			return &CorruptError{Record: NoRecord, Offset: end, Field: "update sequence number (torn write)",
				Value: sprintf("0x%04x, want 0x%04x", got, usn)}
		}
	}
	for i := 1; i < count; i++ {
		end := i*SectorSize - 2
		copy(b[end:end+2], b[off+2*i:off+2*i+2])
	}
	return nil
}

// ProtectFixups is the inverse of ApplyFixups: it saves the last two bytes of
// every 512-byte block into the update sequence array and replaces them with
// the update sequence number currently stored at the array's start. Callers
// that write a changed structure bump that number first (NextUSN).
func ProtectFixups(b []byte) error {
	off, count, err := usaBounds(b)
	if err != nil {
		return err
	}
	usn := le.Uint16(b[off:])
	for i := 1; i < count; i++ {
		end := i*SectorSize - 2
		copy(b[off+2*i:off+2*i+2], b[end:end+2])
		le.PutUint16(b[end:], usn)
	}
	return nil
}

// NextUSN increments the update sequence number of b (skipping 0 and
// 0xFFFF, as Windows does) and returns it.
func NextUSN(b []byte) (uint16, error) {
	off, _, err := usaBounds(b)
	if err != nil {
		return 0, err
	}
	usn := le.Uint16(b[off:]) + 1
	if usn == 0 || usn == 0xFFFF {
		usn = 1
	}
	le.PutUint16(b[off:], usn)
	return usn, nil
}

// usaBounds validates the update sequence array header shared by FILE and
// INDX structures: offset at 0x04, count at 0x06 (one USN plus one entry per
// 512-byte block).
func usaBounds(b []byte) (off, count int, err error) {
	if len(b) < 8 {
		return 0, 0, corrupt(0, "structure size", len(b))
	}
	if len(b)%SectorSize != 0 {
		return 0, 0, corrupt(0, "structure size (not a multiple of 512)", len(b))
	}
	off = int(le.Uint16(b[4:]))
	count = int(le.Uint16(b[6:]))
	if count != len(b)/SectorSize+1 {
		return 0, 0, corrupt(6, "update sequence array count", count)
	}
	if off < 8 || off%2 != 0 || off+2*count > len(b) || off+2*count > SectorSize-2 {
		return 0, 0, corrupt(4, "update sequence array offset", off)
	}
	return off, count, nil
}
