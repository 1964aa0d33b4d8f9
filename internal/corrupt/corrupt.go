package corrupt

import (
	"fmt"
	"os"

	"github.com/ntfsedit/ntfsedit/mft"
)

// onRecord runs fn on the image with the record number of path, and
// returns that number.
func onRecord(img, path string, fn func(m *image, num mft.RecordNumber) error) (mft.RecordNumber, error) {
	var num mft.RecordNumber
	err := run(img, func(m *image) error {
		f, err := m.lookup(path)
		if err != nil {
			return err
		}
		num = f.Number()
		return fn(m, num)
	})
	return num, err
}

// TornRecordFixup flips the update sequence number at the end of the first
// sector of path's record (a torn write), returning the record number.
func TornRecordFixup(img, path string) (mft.RecordNumber, error) {
	return onRecord(img, path, func(m *image, num mft.RecordNumber) error {
		d, err := m.devOff(m.mft, int64(num)*m.rs+mft.SectorSize-2)
		if err != nil {
			return err
		}
		return m.flip(d)
	})
}

// TornINDXFixup flips the update sequence number at the end of the first
// sector of the first INDX block in use of directory dir, returning its VCN.
func TornINDXFixup(img, dir string) (int64, error) {
	var vcn int64
	err := run(img, func(m *image) error {
		d, err := m.lookup(dir)
		if err != nil {
			return err
		}
		nodes, err := m.nodes(d, "$I30")
		if err != nil {
			return err
		}
		if len(nodes) < 2 {
			return fmt.Errorf("%s has no INDX block in use: %w", dir, ErrNotFound)
		}
		n := nodes[1]
		vcn = n.vcn
		off, err := m.devOff(n.runs, n.off+mft.SectorSize-2)
		if err != nil {
			return err
		}
		return m.flip(off)
	})
	return vcn, err
}

// LinkCount adds delta to the hard-link count of path's record and returns
// the new count.
func LinkCount(img, path string, delta int) (int, error) {
	var got int
	err := run(img, func(m *image) error {
		f, err := m.lookup(path)
		if err != nil {
			return err
		}
		b, err := m.record(f.Number())
		if err != nil {
			return err
		}
		got = int(le.Uint16(b[0x12:])) + delta
		le.PutUint16(b[0x12:], uint16(got))
		return m.putRecord(f.Number(), b)
	})
	return got, err
}

// RemoveIndexEntry deletes the $I30 entry of path from its parent (a leaf
// entry, in the root or an INDX block); the record keeps its $FILE_NAME.
func RemoveIndexEntry(img, path string) error {
	return run(img, func(m *image) error {
		n, e, err := m.entry(path)
		if err != nil {
			return err
		}
		return m.remove(n, e)
	})
}

// EmptyINDXBlock leaves only the end entry in the first INDX leaf block in
// use of directory dir that holds entries, and returns the names it held.
func EmptyINDXBlock(img, dir string) (vcn int64, names []string, err error) {
	err = run(img, func(m *image) error {
		d, err := m.lookup(dir)
		if err != nil {
			return err
		}
		nodes, err := m.nodes(d, "$I30")
		if err != nil {
			return err
		}
		for _, n := range nodes[1:] {
			es, err := n.entries()
			if err != nil {
				return err
			}
			if !n.leaf() || len(es) < 2 {
				continue
			}
			for _, e := range es[:len(es)-1] {
				names = append(names, n.name(e))
			}
			h := n.hdr
			first := h + int(le.Uint32(n.buf[h:]))
			end := h + int(le.Uint32(n.buf[h+4:]))
			clear(n.buf[first:end])
			le.PutUint16(n.buf[first+8:], 16)
			le.PutUint16(n.buf[first+0x0C:], entryLast)
			le.PutUint32(n.buf[h+4:], uint32(first-h+16))
			vcn = n.vcn
			return m.put(n)
		}
		return fmt.Errorf("%s has no INDX leaf block with entries: %w", dir, ErrNotFound)
	})
	return vcn, names, err
}

// FreeRecord clears the in-use flag of path's record and, unless
// keepBitmap, its $MFT:$BITMAP bit; the index entries that name it stay.
func FreeRecord(img, path string, keepBitmap bool) (mft.RecordNumber, error) {
	return onRecord(img, path, func(m *image, num mft.RecordNumber) error { return m.freeRecord(num, keepBitmap) })
}

// ClearMFTBit clears the $MFT:$BITMAP bit of path's record.
func ClearMFTBit(img, path string) (mft.RecordNumber, error) {
	return onRecord(img, path, func(m *image, num mft.RecordNumber) error { return m.mftBit(num, false) })
}

func (m *image) mftBit(n mft.RecordNumber, on bool) error {
	f, err := m.v.File(mft.RecordMFT)
	if err != nil {
		return err
	}
	s, err := f.AttrStream(mft.AttrBitmap, nil)
	if err != nil {
		return err
	}
	if s.Resident() {
		return fmt.Errorf("resident $MFT:$BITMAP is not supported")
	}
	return m.setBit(s.Runs(), int64(n), on)
}

// ClearClusterBit clears the $Bitmap bit of the first cluster of path's
// non-resident unnamed $DATA and returns that cluster.
func ClearClusterBit(img, path string) (int64, error) {
	var lcn int64
	err := run(img, func(m *image) error {
		f, err := m.lookup(path)
		if err != nil {
			return err
		}
		s, err := f.RawStream("")
		if err != nil {
			return err
		}
		lcn = -1
		for _, r := range s.Runs() {
			if !r.Sparse {
				lcn = int64(r.Start)
				break
			}
		}
		if lcn < 0 {
			return fmt.Errorf("%s has no allocated cluster: %w", path, ErrNotFound)
		}
		bm, err := m.v.File(mft.RecordBitmap)
		if err != nil {
			return err
		}
		bs, err := bm.Stream("")
		if err != nil {
			return err
		}
		return m.setBit(bs.Runs(), lcn, false)
	})
	return lcn, err
}

// EntrySequence adds delta to the sequence number of the file reference in
// path's index entry.
func EntrySequence(img, path string, delta int) error {
	return run(img, func(m *image) error {
		n, e, err := m.entry(path)
		if err != nil {
			return err
		}
		ref := mft.FileRef(le.Uint64(n.buf[e.off:]))
		le.PutUint64(n.buf[e.off:], uint64(mft.MakeFileRef(ref.Record(), uint16(int(ref.Seq())+delta))))
		return m.put(n)
	})
}

// SwapEntries swaps the first two entries of a leaf node of directory dir:
// its root when inRoot (which must be a leaf), else its first INDX leaf
// block with two entries. It returns the two names in their new order.
func SwapEntries(img, dir string, inRoot bool) ([2]string, error) {
	var names [2]string
	err := run(img, func(m *image) error {
		d, err := m.lookup(dir)
		if err != nil {
			return err
		}
		nodes, err := m.nodes(d, "$I30")
		if err != nil {
			return err
		}
		if inRoot {
			nodes = nodes[:1]
		} else {
			nodes = nodes[1:]
		}
		for _, n := range nodes {
			es, err := n.entries()
			if err != nil {
				return err
			}
			if !n.leaf() || len(es) < 3 {
				continue
			}
			a, b := es[0], es[1]
			names = [2]string{n.name(b), n.name(a)}
			tmp := append(append([]byte(nil), n.buf[b.off:b.off+b.length]...), n.buf[a.off:a.off+a.length]...)
			copy(n.buf[a.off:], tmp)
			return m.put(n)
		}
		return fmt.Errorf("%s: no leaf node with two entries (root %v): %w", dir, inRoot, ErrNotFound)
	})
	return names, err
}

// DropReparseKey removes the $Extend\$Reparse:$R key of path's record.
func DropReparseKey(img, path string) error {
	return run(img, func(m *image) error {
		f, err := m.lookup(path)
		if err != nil {
			return err
		}
		rp, err := m.lookup("/$Extend/$Reparse")
		if err != nil {
			return err
		}
		nodes, err := m.nodes(rp, "$R")
		if err != nil {
			return err
		}
		for _, n := range nodes {
			es, err := n.entries()
			if err != nil {
				return err
			}
			for _, e := range es {
				k := n.key(e)
				if e.last() || len(k) < 12 {
					continue
				}
				if mft.FileRef(le.Uint64(k[4:])).Record() == f.Number() {
					return m.remove(n, e)
				}
			}
		}
		return fmt.Errorf("no $Reparse key for record %d: %w", f.Number(), ErrNotFound)
	})
}

// MirrorDiffer flips a byte of $MFTMirr's copy of record 0.
func MirrorDiffer(img string) error {
	return run(img, func(m *image) error {
		f, err := m.v.File(mft.RecordMFTMirr)
		if err != nil {
			return err
		}
		s, err := f.Stream("")
		if err != nil {
			return err
		}
		d, err := m.devOff(s.Runs(), 0x100)
		if err != nil {
			return err
		}
		return m.flip(d)
	})
}

// FileNameParent points the $FILE_NAME of path (the one with its name and
// parent) at directory newParent, and returns the record changed.
func FileNameParent(img, path, newParent string) (mft.RecordNumber, error) {
	return editFileName(img, path, func(m *image, fn []byte) error {
		p, err := m.lookup(newParent)
		if err != nil {
			return err
		}
		le.PutUint64(fn, uint64(p.Ref()))
		return nil
	})
}

// FileNameParentSeq adds delta to the sequence number of the parent
// reference in path's $FILE_NAME, and returns the record changed.
func FileNameParentSeq(img, path string, delta int) (mft.RecordNumber, error) {
	return editFileName(img, path, func(m *image, fn []byte) error {
		ref := mft.FileRef(le.Uint64(fn))
		le.PutUint64(fn, uint64(mft.MakeFileRef(ref.Record(), uint16(int(ref.Seq())+delta))))
		return nil
	})
}

// editFileName changes the value of the $FILE_NAME of path (the one with
// its name and parent) in its record.
func editFileName(img, path string, edit func(m *image, fn []byte) error) (mft.RecordNumber, error) {
	var num mft.RecordNumber
	err := run(img, func(m *image) error {
		dir, name := split(path)
		d, err := m.lookup(dir)
		if err != nil {
			return err
		}
		f, err := m.lookup(path)
		if err != nil {
			return err
		}
		num = f.Number()
		b, err := m.record(num)
		if err != nil {
			return err
		}
		off := int(le.Uint16(b[0x14:]))
		for off+16 <= len(b) && mft.AttrType(le.Uint32(b[off:])) != mft.AttrEnd {
			n := int(le.Uint32(b[off+4:]))
			if n < 16 || off+n > len(b) {
				break
			}
			if mft.AttrType(le.Uint32(b[off:])) == mft.AttrFileName && b[off+8] == 0 {
				vo, vl := residentValue(b, off)
				if fn, err := mft.DecodeFileName(b[vo : vo+vl]); err == nil &&
					fn.NameString() == name && fn.Parent.Record() == d.Number() {
					if err := edit(m, b[vo:vo+vl]); err != nil {
						return err
					}
					return m.putRecord(num, b)
				}
			}
			off += n
		}
		return fmt.Errorf("record %d: no $FILE_NAME %q in %s: %w", num, name, dir, ErrNotFound)
	})
	return num, err
}

// fileName offsets inside an index entry's $FILE_NAME key.
const (
	fnDataSize   = 0x30
	fnAttributes = 0x38
	fnReparseTag = 0x3C
)

// EntrySize sets the data size in the $FILE_NAME copy of path's index
// entry.
func EntrySize(img, path string, size int64) error {
	return editKey(img, path, func(k []byte) { le.PutUint64(k[fnDataSize:], uint64(size)) })
}

// EntryReparseTag sets the reparse tag slot in the $FILE_NAME copy of
// path's index entry (0 drops it).
func EntryReparseTag(img, path string, tag uint32) error {
	return editKey(img, path, func(k []byte) { le.PutUint32(k[fnReparseTag:], tag) })
}

// EntryDirFlag clears the directory flag (0x10000000) in the $FILE_NAME
// copy of path's index entry.
func EntryDirFlag(img, path string) error {
	return editKey(img, path, func(k []byte) {
		le.PutUint32(k[fnAttributes:], le.Uint32(k[fnAttributes:])&^uint32(mft.FileDupDirectory))
	})
}

func editKey(img, path string, fn func(k []byte)) error {
	return run(img, func(m *image) error {
		n, e, err := m.entry(path)
		if err != nil {
			return err
		}
		k := n.key(e)
		if len(k) < 0x42 {
			return fmt.Errorf("%s: index key of %d bytes", path, len(k))
		}
		fn(k)
		return m.put(n)
	})
}

// CrossLink points the first run of b's unnamed $DATA at the first cluster
// of a's, so that two files claim the same clusters. The run's LCN field
// keeps its width; it fails when the new LCN does not fit.
func CrossLink(img, a, b string) (lcn int64, err error) {
	err = run(img, func(m *image) error {
		fa, err := m.lookup(a)
		if err != nil {
			return err
		}
		sa, err := fa.RawStream("")
		if err != nil {
			return err
		}
		runs := sa.Runs()
		if sa.Resident() || len(runs) == 0 || runs[0].Sparse {
			return fmt.Errorf("%s: no allocated first run: %w", a, ErrNotFound)
		}
		lcn = int64(runs[0].Start)
		fb, err := m.lookup(b)
		if err != nil {
			return err
		}
		num := fb.Number()
		rec, err := m.record(num)
		if err != nil {
			return err
		}
		at := attrAt(rec, mft.AttrData, "")
		if at < 0 || rec[at+8] == 0 {
			return fmt.Errorf("%s: no non-resident $DATA in its base record: %w", b, ErrNotFound)
		}
		ro := at + int(le.Uint16(rec[at+0x20:]))
		h := rec[ro]
		ln, lo := int(h&0xF), int(h>>4)
		if lo == 0 || lo > 8 || ro+1+ln+lo > len(rec) {
			return fmt.Errorf("%s: first run is sparse or malformed", b)
		}
		if lo < 8 && (lcn >= 1<<(8*lo-1)) {
			return fmt.Errorf("%s: LCN %d does not fit the run's %d bytes", b, lcn, lo)
		}
		for i := 0; i < lo; i++ {
			rec[ro+1+ln+i] = byte(lcn >> (8 * i))
		}
		return m.putRecord(num, rec)
	})
	return lcn, err
}

// editSI changes the $STANDARD_INFORMATION value of path's record.
func editSI(img, path string, need int, fn func(v []byte)) error {
	return run(img, func(m *image) error {
		f, err := m.lookup(path)
		if err != nil {
			return err
		}
		b, err := m.record(f.Number())
		if err != nil {
			return err
		}
		a := attrAt(b, mft.AttrStandardInformation, "")
		if a < 0 || b[a+8] != 0 {
			return fmt.Errorf("%s: no resident $STANDARD_INFORMATION: %w", path, ErrNotFound)
		}
		vo, vl := residentValue(b, a)
		if vl < need {
			return fmt.Errorf("%s: $STANDARD_INFORMATION of %d bytes, need %d", path, vl, need)
		}
		fn(b[vo : vo+vl])
		return m.putRecord(f.Number(), b)
	})
}

// SecurityID sets the security id of path's $STANDARD_INFORMATION (an
// NTFS 3.x one, 72 bytes).
func SecurityID(img, path string, id uint32) error {
	return editSI(img, path, 0x38, func(v []byte) { le.PutUint32(v[0x34:], id) })
}

// SIAttributes clears and then sets bits of the file attributes in path's
// $STANDARD_INFORMATION (e.g. clear FILE_ATTRIBUTE_REPARSE_POINT, 0x400).
func SIAttributes(img, path string, clear, set mft.FileAttributes) error {
	return editSI(img, path, 0x24, func(v []byte) {
		le.PutUint32(v[0x20:], le.Uint32(v[0x20:])&^uint32(clear)|uint32(set))
	})
}

// AttrInstance gives the second attribute of path's record the instance
// number of the first.
func AttrInstance(img, path string) error {
	return run(img, func(m *image) error {
		f, err := m.lookup(path)
		if err != nil {
			return err
		}
		b, err := m.record(f.Number())
		if err != nil {
			return err
		}
		first := int(le.Uint16(b[0x14:]))
		second := first + int(le.Uint32(b[first+4:]))
		if second+16 > len(b) || le.Uint32(b[second:]) == uint32(mft.AttrEnd) {
			return fmt.Errorf("%s: record %d has one attribute: %w", path, f.Number(), ErrNotFound)
		}
		le.PutUint16(b[second+0x0E:], le.Uint16(b[first+0x0E:]))
		return m.putRecord(f.Number(), b)
	})
}

// BootBackup flips a byte of the volume serial number in the backup boot
// sector (the last sector of the volume).
func BootBackup(img string) error {
	return run(img, func(m *image) error {
		f, err := os.Open(m.path)
		if err != nil {
			return err
		}
		defer f.Close()
		bs := make([]byte, 512)
		if _, err := f.ReadAt(bs, m.base); err != nil {
			return err
		}
		total := int64(le.Uint64(bs[0x28:]))
		bps := int64(le.Uint16(bs[0x0B:]))
		return m.flip(m.base + total*bps + 0x48)
	})
}

// FreeRecordNumber clears the in-use flag of record n (an extension record,
// say) and, unless keepBitmap, its $MFT:$BITMAP bit.
func FreeRecordNumber(img string, n mft.RecordNumber, keepBitmap bool) error {
	return run(img, func(m *image) error { return m.freeRecord(n, keepBitmap) })
}

// freeRecord clears record n's in-use flag and, unless keepBitmap, its
// $MFT:$BITMAP bit.
func (m *image) freeRecord(n mft.RecordNumber, keepBitmap bool) error {
	b, err := m.record(n)
	if err != nil {
		return err
	}
	le.PutUint16(b[0x16:], le.Uint16(b[0x16:])&^uint16(mft.RecordInUse))
	if err := m.putRecord(n, b); err != nil {
		return err
	}
	if keepBitmap {
		return nil
	}
	return m.mftBit(n, false)
}
