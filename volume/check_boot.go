package volume

import (
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
)

// bootFields is the end of the BIOS parameter block and the NTFS fields
// (serial number included): a backup differing there is an error, in the
// boot code only a warning.
const bootFields = 0x54

// checkBoot compares the boot sector with its backup in the last sector
// of the volume (sector TotalSectors: the volume's sector count leaves
// the backup out, as mkntfs and Windows lay it out).
func (c *checker) checkBoot() {
	v := c.v
	bps := int64(v.boot.BytesPerSector)
	main := make([]byte, bps)
	if _, err := v.dev.ReadAt(main, 0); err != nil {
		c.add(Finding{Code: CodeBootInvalid, Message: fmt.Sprintf("boot sector unreadable: %v", err)})
		return
	}
	off := v.boot.TotalSectors * bps
	backup := make([]byte, bps)
	if off+bps > v.dev.Size() {
		c.add(Finding{Code: CodeBootBackup, Severity: SevWarning, Offset: off,
			Message: fmt.Sprintf("backup boot sector at byte 0x%x lies beyond the device (%d bytes): image truncated?", off, v.dev.Size())})
		return
	}
	if _, err := v.dev.ReadAt(backup, off); err != nil {
		c.add(Finding{Code: CodeBootBackup, Offset: off, Message: fmt.Sprintf("backup boot sector at byte 0x%x unreadable: %v", off, err)})
		return
	}
	if equalBytes(main, backup) {
		return
	}
	if _, err := DecodeBootSector(backup); err != nil {
		c.add(Finding{Code: CodeBootBackup, Offset: off, Message: fmt.Sprintf("backup boot sector at byte 0x%x is not a valid NTFS boot sector: %v", off, err)})
		return
	}
	first := -1
	for i := range main {
		if main[i] != backup[i] {
			first = i
			break
		}
	}
	f := Finding{Code: CodeBootBackup, Offset: off + int64(first),
		Message: fmt.Sprintf("backup boot sector at byte 0x%x differs from the boot sector from offset 0x%x", off, first)}
	if first >= bootFields {
		f.Severity = SevWarning
		f.Message += " (boot code only)"
	}
	c.add(f)
}

// mirrorRecords is how many records $MFTMirr must mirror: $MFT, $MFTMirr,
// $LogFile and $Volume.
const mirrorRecords = 4

// checkMirror compares the records $MFTMirr keeps with those of $MFT,
// byte for byte (as stored, fixups included: both are written together).
func (c *checker) checkMirror() {
	v := c.v
	f, err := v.File(mft.RecordMFTMirr)
	if err != nil {
		c.add(Finding{Code: CodeMFTMirrMissing, Record: mft.RecordMFTMirr, Message: fmt.Sprintf("$MFTMirr unreadable: %v", err)})
		return
	}
	s, err := f.Stream("")
	if err != nil {
		c.add(Finding{Code: CodeMFTMirrMissing, Record: mft.RecordMFTMirr, Message: fmt.Sprintf("$MFTMirr unreadable: %v", err)})
		return
	}
	rs := int64(v.recordSize)
	n := min(s.size/rs, v.records)
	if n < mirrorRecords {
		c.add(Finding{Code: CodeMFTMirrMissing, Record: mft.RecordMFTMirr,
			Message: fmt.Sprintf("$MFTMirr holds %d records, want at least 4 ($MFT, $MFTMirr, $LogFile, $Volume)", n)})
	}
	for i := int64(0); i < n; i++ {
		a, err1 := v.rawRecordFrom(s, mft.RecordNumber(i))
		b, err2 := v.RawRecord(mft.RecordNumber(i))
		if err1 != nil || err2 != nil {
			c.add(Finding{Code: CodeMFTMirrMissing, Record: mft.RecordNumber(i),
				Message: fmt.Sprintf("record %d or its $MFTMirr copy unreadable: %v", i, firstErr(err1, err2))})
			continue
		}
		if equalBytes(a, b) {
			continue
		}
		at := 0
		for at < len(a) && a[at] == b[at] {
			at++
		}
		f := Finding{Code: CodeMFTMirr, Record: mft.RecordNumber(i), Offset: v.streamDevOffset(s, i*rs+int64(at)),
			Message: fmt.Sprintf("record %d differs from its $MFTMirr copy from offset 0x%x", i, at)}
		if i >= mirrorRecords {
			// Windows keeps records 0-3 in the mirror; a larger
			// cluster's mirror (ntfs-3g keeps a cluster's worth) may
			// hold older copies of the others.
			f.Severity = SevWarning
		}
		c.add(f)
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// loadMFTBitmap reads $MFT:$BITMAP (nil when unreadable, with a finding).
func (c *checker) loadMFTBitmap() {
	f, err := c.v.File(mft.RecordMFT)
	if err == nil {
		var s *Stream
		if s, err = f.AttrStream(mft.AttrBitmap, nil); err == nil {
			c.mftBitmap, err = s.ReadAll()
		}
	}
	if err != nil {
		c.add(Finding{Code: CodeAttrCorrupt, Record: mft.RecordMFT, Attr: "$BITMAP", Message: fmt.Sprintf("$MFT:$BITMAP unreadable: %v", err)})
		c.mftBitmap = nil
	}
}

// mftBit reports $MFT:$BITMAP's bit for record n (true when there is no
// bitmap, so nothing is reported against it).
func (c *checker) mftBit(n int64) bool {
	if c.mftBitmap == nil {
		return true
	}
	return n/8 < int64(len(c.mftBitmap)) && c.mftBitmap[n/8]&(1<<(n%8)) != 0
}
