package volume

import (
	"errors"
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
)

// OrphanDir is the pseudo-directory that paths of names whose parent chain
// breaks start with.
const OrphanDir = "/$Orphan"

// PathInfo is a path rebuilt from the parent references of a $FILE_NAME.
//
// Not an on-disk structure.
type PathInfo struct {
	// Path is "/"-separated from the root; for an orphan it starts with
	// "/$Orphan/" followed by the part of the chain that could be followed.
	Path string
	// Orphan: a parent could not be followed (reused with another
	// sequence number, unreadable, not a directory, or a loop).
	Orphan bool
	// ViaDeleted: at least one directory on the way is itself deleted
	// (its record is free but still holds its name).
	ViaDeleted bool
}

// nextSeq is the sequence number a record gets when it is freed: one more,
// skipping zero (Windows and ntfs-3g bump it on deletion).
func nextSeq(s uint16) uint16 {
	s++
	if s == 0 {
		s = 1
	}
	return s
}

// parentIncarnation reports whether directory record rec is still the
// incarnation that ref names: in use with the same sequence number, or
// free with the same one or the next (freeing bumps it once; a record
// freed, reused and freed again has moved on by two or more).
func parentIncarnation(rec *mft.Record, ref mft.FileRef) (ok, deleted bool) {
	if !rec.IsDir() || !rec.IsBase() {
		return false, false
	}
	if rec.InUse() {
		return rec.Seq == ref.Seq(), false
	}
	return rec.Seq == ref.Seq() || rec.Seq == nextSeq(ref.Seq()), true
}

// ResolvePath rebuilds the path of a $FILE_NAME from its parent
// references, through deleted parent directories too (see
// parentIncarnation), as far as the chain goes.
func (v *Volume) ResolvePath(fn mft.FileName) PathInfo {
	var pi PathInfo
	parts := []string{fn.NameString()}
	ref := fn.Parent
	seen := map[mft.RecordNumber]bool{}
	for ref.Record() != mft.RecordRoot {
		n := ref.Record()
		if seen[n] || len(seen) > 255 {
			pi.Orphan = true
			break
		}
		seen[n] = true
		rec, err := v.Record(n)
		if err != nil {
			pi.Orphan = true
			break
		}
		ok, deleted := parentIncarnation(rec, ref)
		if !ok {
			pi.Orphan = true
			break
		}
		name, parent, ok := primaryName(rec)
		if !ok {
			pi.Orphan = true
			break
		}
		pi.ViaDeleted = pi.ViaDeleted || deleted
		parts = append(parts, name)
		ref = parent
	}
	if pi.Orphan {
		pi.Path = OrphanDir + "/" + joinRev(parts)
	} else {
		pi.Path = "/" + joinRev(parts)
	}
	return pi
}

// DeletedName is one name of a deleted file.
//
// Not an on-disk structure.
type DeletedName struct {
	FileName mft.FileName
	PathInfo
}

// Deleted is a base record not in use that still holds its attributes: a
// deleted file or directory.
//
// Not an on-disk structure.
type Deleted struct {
	File *File
	// Names are its $FILE_NAMEs, separate DOS names left out when the
	// record has another name.
	Names []DeletedName
}

// scanBatch is how many records a scan reads at once.
const scanBatch = 256

// scanRecords reads $MFT in order, a batch of records at a time, and calls
// fn with the File of every record for which want (given the record's
// bytes before fixups) is true; fn's error ends the scan. progress, when
// not nil, is called after each batch with the records scanned and the
// total.
func (v *Volume) scanRecords(want func(raw []byte) bool, fn func(f *File, err error) error, progress func(done, total int64)) error {
	rs := int64(v.recordSize)
	buf := make([]byte, scanBatch*rs)
	for first := int64(0); first < v.records; first += scanBatch {
		n := min(scanBatch, v.records-first)
		b := buf[:n*rs]
		if err := v.mft.readFull(b, first*rs); err != nil {
			return fmt.Errorf("volume: read $MFT records %d-%d: %w", first, first+n-1, err)
		}
		for i := int64(0); i < n; i++ {
			if !want(b[i*rs : (i+1)*rs]) {
				continue
			}
			if err := fn(v.File(mft.RecordNumber(first + i))); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(first+n, v.records)
		}
	}
	return nil
}

// headerIs reports whether raw record bytes carry the FILE signature, are
// a base record, and have the in-use flag as wanted and the directory
// flag when dir is set. These header fields lie in the first sector, which
// fixups do not touch but at its last two bytes.
func headerIs(raw []byte, inUse, dir bool) bool {
	if string(raw[:4]) != "FILE" || !isZero(raw[0x20:0x28]) {
		return false
	}
	if (raw[0x16]&byte(mft.RecordInUse) != 0) != inUse {
		return false
	}
	return !dir || raw[0x16]&byte(mft.RecordDirectory) != 0
}

// ScanDeleted calls fn, in record order, for every base record of $MFT
// that is not in use but still carries a FILE signature and at least one
// $FILE_NAME. A record that no longer decodes is passed with its error
// (and a zero Deleted); fn's own error ends the scan. progress is as for
// ScanDirs.
func (v *Volume) ScanDeleted(fn func(d Deleted, err error) error, progress func(done, total int64)) error {
	return v.scanRecords(func(raw []byte) bool { return headerIs(raw, false, false) },
		func(f *File, err error) error {
			if err != nil {
				return fn(Deleted{}, err)
			}
			if d, ok := v.deletedOf(f); ok {
				return fn(d, nil)
			}
			return nil
		}, progress)
}

// ScanDirs calls fn, in record order, for every directory base record in
// use (with its error when it does not decode). progress, when not nil,
// is called after each batch of records with the records scanned and the
// total.
func (v *Volume) ScanDirs(fn func(f *File, err error) error, progress func(done, total int64)) error {
	return v.scanRecords(func(raw []byte) bool { return headerIs(raw, true, true) }, fn, progress)
}

// deletedOf gathers the names of deleted file f; false when it has none.
func (v *Volume) deletedOf(f *File) (Deleted, bool) {
	names, err := f.Names()
	if err != nil || len(names) == 0 {
		return Deleted{}, false
	}
	d := Deleted{File: f}
	other := false
	for _, n := range names {
		if n.Namespace != mft.NamespaceDOS {
			other = true
		}
	}
	for _, n := range names {
		if other && n.Namespace == mft.NamespaceDOS {
			continue
		}
		d.Names = append(d.Names, DeletedName{FileName: n, PathInfo: v.ResolvePath(n)})
	}
	return d, true
}

// Bitmap is the volume's cluster allocation bitmap ($Bitmap, record 6).
//
// Not an on-disk structure.
type Bitmap struct {
	bits     []byte
	clusters int64
}

// ErrNoClusters is matched when the input has no clusters to read (a
// bare $MFT file).
var ErrNoClusters = errors.New("volume: input is a bare $MFT file: no clusters")

// ClusterBitmap reads $Bitmap.
func (v *Volume) ClusterBitmap() (*Bitmap, error) {
	if v.mftOnly != nil {
		return nil, ErrNoClusters
	}
	f, err := v.File(mft.RecordBitmap)
	if err != nil {
		return nil, fmt.Errorf("volume: $Bitmap: %w", err)
	}
	s, err := f.Stream("")
	if err != nil {
		return nil, fmt.Errorf("volume: $Bitmap: %w", err)
	}
	b, err := s.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("volume: $Bitmap: %w", err)
	}
	if int64(len(b))*8 < v.clusters {
		return nil, fmt.Errorf("volume: $Bitmap has %d bytes, too few for %d clusters", len(b), v.clusters)
	}
	return &Bitmap{bits: b, clusters: v.clusters}, nil
}

// Allocated reports whether cluster lcn is marked in use; clusters
// outside the volume count as in use (they cannot be recovered).
func (b *Bitmap) Allocated(lcn int64) bool {
	if lcn < 0 || lcn >= b.clusters {
		return true
	}
	return b.bits[lcn/8]&(1<<(lcn%8)) != 0
}

// Usage counts the clusters a stream's runs point to and how many of
// those $Bitmap marks in use. For a deleted file, allocated > 0 means some
// of its clusters now belong to someone else (or to nobody yet, but were
// claimed again). Sparse runs and resident streams have no clusters.
func (b *Bitmap) Usage(s *Stream) (clusters, allocated int64) {
	for _, e := range s.runs {
		if e.Sparse {
			continue
		}
		for c := int64(e.Start); c < int64(e.Start)+e.Length; c++ {
			clusters++
			if b.Allocated(c) {
				allocated++
			}
		}
	}
	return clusters, allocated
}
