package volume

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// Times are the four times NTFS keeps of a file. A zero time leaves that
// time as it is.
type Times struct {
	Created  time.Time
	Modified time.Time // last write of the data
	Changed  time.Time // last change of the record (MFT modified)
	Accessed time.Time
}

func (t Times) apply(created, modified, changed, accessed *mft.Filetime) {
	set := func(dst *mft.Filetime, v time.Time) {
		if !v.IsZero() {
			*dst = mft.FiletimeOf(v)
		}
	}
	set(created, t.Created)
	set(modified, t.Modified)
	set(changed, t.Changed)
	set(accessed, t.Accessed)
}

// SetTimes sets the times of the file or directory at path (a hard-linked
// file's times are those of its record, whatever name is given).
//
// What is updated: $STANDARD_INFORMATION, which is what Windows and
// ntfs-3g report; every $FILE_NAME of the record, which Windows sets when
// a name is created (so the file looks as if it had been created with
// these times); and every parent's index copy of those names, which
// Windows refreshes from $STANDARD_INFORMATION when a handle is closed
// (directory listings read times, sizes and attributes from it). The
// parents' own times are left alone, as SetFileTime leaves them.
func (tx *Tx) SetTimes(path string, t Times) error {
	f, err := tx.lookup(path)
	if err != nil {
		return pathErr("settimes", path, err)
	}
	fe, err := tx.editFile(f.Number())
	if err != nil {
		return pathErr("settimes", path, err)
	}
	r, ok := fe.find(mft.AttrStandardInformation, nil)
	if !ok {
		return pathErr("settimes", path, fmt.Errorf("%w: record %d has no $STANDARD_INFORMATION", ErrInvalid, fe.num()))
	}
	si, err := mft.DecodeStandardInfo(r.attr().Value)
	if err != nil {
		return pathErr("settimes", path, &RecordError{Record: fe.num(), Err: err})
	}
	t.apply(&si.Created, &si.Modified, &si.MFTModified, &si.Accessed)
	val, err := si.AppendBinary(nil)
	if err != nil {
		return pathErr("settimes", path, err)
	}
	r.attr().Value = val
	fe.changed(r)
	var names []mft.FileName
	for _, r := range fe.all(mft.AttrFileName) {
		fn, err := mft.DecodeFileName(r.attr().Value)
		if err != nil {
			return pathErr("settimes", path, &RecordError{Record: fe.num(), Err: err})
		}
		t.apply(&fn.Created, &fn.Modified, &fn.MFTModified, &fn.Accessed)
		val, err := fn.AppendBinary(nil)
		if err != nil {
			return pathErr("settimes", path, err)
		}
		r.attr().Value = val
		fe.changed(r)
		names = append(names, fn)
	}
	if err := fe.save(); err != nil {
		return pathErr("settimes", path, err)
	}
	return pathErr("settimes", path, tx.refreshIndexCopies(fe, names))
}

// refreshIndexCopies rewrites the index entries of names (the file's
// $FILE_NAME attributes) from the file's current state, without touching
// the parent directories' times.
func (tx *Tx) refreshIndexCopies(fe *fileEdit, names []mft.FileName) error {
	fi, err := fe.info()
	if err != nil {
		return err
	}
	for _, fn := range names {
		key, err := fi.fileName(fn.Parent, fn.Name, fn.Namespace, true).AppendBinary(nil)
		if err != nil {
			return err
		}
		dfe, err := tx.editFile(fn.Parent.Record())
		if err != nil {
			return err
		}
		x, err := tx.openIndex(dfe, nameI30, tx.v.fileNameCompare)
		if err != nil {
			return err
		}
		// The entry is found by name (the collation compares names only),
		// then put back with the new copy.
		if err := x.ed.Delete(key); err != nil {
			return fmt.Errorf("volume: directory %d: update %q: %w", fn.Parent.Record(), mft.NameString(fn.Name), err)
		}
		if err := x.ed.Insert(index.Entry{Ref: fe.ref(), Key: key}); err != nil {
			return fmt.Errorf("volume: directory %d: update %q: %w", fn.Parent.Record(), mft.NameString(fn.Name), err)
		}
		if err := x.close(); err != nil {
			return err
		}
		if err := dfe.save(); err != nil {
			return err
		}
	}
	return nil
}

// validStreamName checks the name of an alternate data stream.
func validStreamName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty stream name (the unnamed stream is the file's data)", ErrInvalid)
	case len(utf16.Encode([]rune(name))) > 255:
		return fmt.Errorf("%w: stream name longer than 255 UTF-16 code units", ErrInvalid)
	case strings.ContainsAny(name, ":/\\\x00"):
		return fmt.Errorf("%w: stream name %q holds ':', '/', '\\' or NUL", ErrInvalid, name)
	}
	return nil
}

// WriteStream gives the file or directory at path the alternate data
// stream name (a named $DATA attribute) holding what r yields (nothing
// when r is nil), replacing a stream of that name. It is resident while
// it fits the record, else in clusters. The file's modification time is set to the
// transaction's time, as writing a stream does on Windows.
func (tx *Tx) WriteStream(path, name string, r io.Reader) error {
	if err := validStreamName(name); err != nil {
		return pathErr("writestream", path, err)
	}
	f, err := tx.lookup(path)
	if err != nil {
		return pathErr("writestream", path, err)
	}
	if f.Number() < mft.RecordFirstUser {
		return pathErr("writestream", path, fmt.Errorf("%w: system file", ErrInvalid))
	}
	fe, err := tx.editFile(f.Number())
	if err != nil {
		return pathErr("writestream", path, err)
	}
	units := mft.NameUnits(name)
	for _, r := range fe.all(mft.AttrData) {
		a := r.attr()
		if !equalName(a.Name, units) {
			continue
		}
		if a.NonResident {
			if err := tx.freeRuns(a.Runs); err != nil {
				return pathErr("writestream", path, err)
			}
		}
	}
	for {
		r, ok := fe.findAny(mft.AttrData, units)
		if !ok {
			break
		}
		fe.remove(r)
	}
	room := fe.recordSpace() - attrsLen(fe.base()) - 0x18 - (2*len(units)+7)&^7 - 8
	a, err := tx.dataAttrFrom(units, r, room)
	if err != nil {
		return pathErr("writestream", path, err)
	}
	if err := fe.add(a); err != nil {
		return pathErr("writestream", path, err)
	}
	sortAttrs(fe.base(), tx.v.upcase)
	tx.touch(fe, true)
	if err := fe.save(); err != nil {
		return pathErr("writestream", path, err)
	}
	return nil
}

// sortAttrs orders a record's attributes as NTFS requires: by type,
// then by name (upper-cased through $UpCase, then exactly), so that
// readers that stop at the first name sorting after the one they look
// for find every stream (insertAttr only keeps the types in order).
func sortAttrs(rec *mft.Record, up index.UpCase) {
	sort.SliceStable(rec.Attrs, func(i, j int) bool {
		a, b := &rec.Attrs[i], &rec.Attrs[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return up.CompareNames(a.Name, b.Name) < 0
	})
}

// findAny is find that also returns later extents of a non-resident
// attribute.
func (fe *fileEdit) findAny(t mft.AttrType, name []uint16) (attrRef, bool) {
	for _, r := range fe.recs {
		for i := range r.rec.Attrs {
			a := &r.rec.Attrs[i]
			if a.Type == t && equalName(a.Name, name) {
				return attrRef{r, i}, true
			}
		}
	}
	return attrRef{}, false
}

// Extent is data at an offset of a sparse file.
type Extent struct {
	Off  int64
	Data []byte
}

// CreateSparse makes a sparse file of size bytes at path holding extents;
// clusters that no extent touches are holes (runs without clusters). It
// is written as ntfs-3g writes sparse files: FILE_ATTRIBUTE_SPARSE_FILE
// in $STANDARD_INFORMATION, a non-resident $DATA flagged sparse with a
// compression unit of 16 clusters (none for clusters over 4 KiB), its
// allocated size rounded up to the compression unit and its compressed
// size (0x40) counting the clusters actually allocated, which is the
// allocated size the file's names report. The runlist must fit one record
// (a file with many extents may not).
func (tx *Tx) CreateSparse(path string, size int64, extents []Extent) error {
	return tx.createSparse(path, size, extents, nil)
}

func (tx *Tx) createSparse(path string, size int64, extents []Extent, t *Times) error {
	ranges := make([]ByteRange, 0, len(extents))
	for _, e := range extents {
		if e.Off < 0 || e.Off+int64(len(e.Data)) > size {
			return pathErr("create", path, fmt.Errorf("%w: extent at %d (%d bytes) outside a file of %d bytes", ErrInvalid, e.Off, len(e.Data), size))
		}
		ranges = append(ranges, ByteRange{e.Off, e.Off + int64(len(e.Data))})
	}
	return tx.createSparseFrom(path, size, extentsAt(extents), ranges, t)
}

// createSparseFrom is CreateSparseFrom with times t (nil: the
// transaction's).
func (tx *Tx) createSparseFrom(path string, size int64, src io.ReaderAt, ranges []ByteRange, t *Times) error {
	if size < 0 {
		return pathErr("create", path, fmt.Errorf("%w: negative size %d", ErrInvalid, size))
	}
	for _, r := range ranges {
		if r.Start < 0 || r.End < r.Start || r.End > size {
			return pathErr("create", path, fmt.Errorf("%w: data range [%d, %d) outside a file of %d bytes", ErrInvalid, r.Start, r.End, size))
		}
	}
	_, err := tx.newObject("create", path, false, mft.FileArchive|mft.FileSparse, func(fe *fileEdit) error {
		a, err := tx.sparseData(nil, size, src, ranges)
		if err != nil {
			return err
		}
		if err := fe.add(a); err != nil {
			return err
		}
		return fe.setSITimes(t)
	})
	return err
}

// setSITimes applies t (nil: nothing) to the $STANDARD_INFORMATION of a
// file being created, before its names are added: the names and their
// index copies are then made with those times.
func (fe *fileEdit) setSITimes(t *Times) error {
	if t == nil {
		return nil
	}
	r, ok := fe.find(mft.AttrStandardInformation, nil)
	if !ok {
		return nil
	}
	si, err := mft.DecodeStandardInfo(r.attr().Value)
	if err != nil {
		return err
	}
	t.apply(&si.Created, &si.Modified, &si.MFTModified, &si.Accessed)
	val, err := si.AppendBinary(nil)
	if err != nil {
		return err
	}
	r.attr().Value = val
	fe.changed(r)
	return nil
}

// createFrom makes a file of size bytes from src, whose ranges hold data
// (the rest reads as zeros): a plain file when the ranges cover it
// without holes of a whole cluster, else a sparse file; with times t
// (nil: the transaction's). Large data is streamed (txstream.go).
func (tx *Tx) createFrom(path string, size int64, src io.ReaderAt, ranges []ByteRange, t *Times) error {
	cs := int64(tx.v.clusterSize)
	covered := int64(0)
	holes := false
	for _, r := range ranges {
		if r.Start/cs > (covered+cs-1)/cs {
			holes = true
		}
		covered = max(covered, r.End)
	}
	if (size+cs-1)/cs > (covered+cs-1)/cs {
		holes = true
	}
	if holes {
		return tx.createSparseFrom(path, size, src, ranges, t)
	}
	_, err := tx.newObject("create", path, false, mft.FileArchive, func(fe *fileEdit) error {
		a, err := tx.dataAttrFrom(nil, io.NewSectionReader(src, 0, size), tx.residentMax(fe))
		if err != nil {
			return err
		}
		if err := fe.add(a); err != nil {
			return err
		}
		return fe.setSITimes(t)
	})
	return err
}

// sparseData builds a sparse non-resident $DATA attribute named name
// whose ranges hold data read from src. Data of streamMin bytes or more
// (or past the transaction's staging budget) is streamed (txstream.go).
func (tx *Tx) sparseData(name []uint16, size int64, src io.ReaderAt, ranges []ByteRange) (mft.Attr, error) {
	cs := int64(tx.v.clusterSize)
	cu := uint16(4)
	if cs > 4096 {
		cu = 0
	}
	unit := cs << cu
	alloc := (size + unit - 1) / unit * unit
	total := alloc / cs
	// Cluster ranges holding data, merged.
	type span struct{ first, end int64 }
	var spans []span
	for _, r := range ranges {
		if r.End <= r.Start {
			continue
		}
		spans = append(spans, span{r.Start / cs, (r.End + cs - 1) / cs})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].first < spans[j].first })
	var merged []span
	for _, s := range spans {
		if k := len(merged); k > 0 && s.first <= merged[k-1].end {
			merged[k-1].end = max(merged[k-1].end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	data := int64(0)
	for _, s := range merged {
		data += (s.end - s.first) * cs
	}
	stream := data >= streamMin || tx.stagedData()+data >= stagedDataMax
	var runs []mft.Run
	next, used := int64(0), int64(0)
	near := mft.LCN(-1)
	for _, s := range merged {
		if s.first > next {
			runs = append(runs, mft.Run{Length: s.first - next, Sparse: true})
		}
		got, err := tx.allocClusters(s.end-s.first, near)
		if err != nil {
			return mft.Attr{}, err
		}
		lo, hi := s.first*cs, s.end*cs
		if stream {
			if err := tx.streamSpan(got, src, lo, hi, size); err != nil {
				return mft.Attr{}, err
			}
			tx.plan.DataBytes += hi - lo
			tx.stream.bytes += hi - lo
		} else {
			buf := make([]byte, hi-lo)
			if err := readAtFull(src, buf[:min(hi, size)-lo], lo); err != nil {
				return mft.Attr{}, err
			}
			if err := tx.writeRuns(got, buf); err != nil {
				return mft.Attr{}, err
			}
		}
		runs = appendRuns(runs, got)
		last := got[len(got)-1]
		near = last.Start + mft.LCN(last.Length)
		used += s.end - s.first
		next = s.end
	}
	if total > next {
		runs = append(runs, mft.Run{Length: total - next, Sparse: true})
	}
	a := mft.Attr{
		Type: mft.AttrData, Name: name, NonResident: true, Flags: mft.AttrSparse,
		StartVCN: 0, LastVCN: mft.VCN(total - 1), CompressionUnit: cu,
		AllocatedSize: alloc, DataSize: size, InitializedSize: size,
		CompressedSize: used * cs, HasCompressedSize: true,
	}
	a.SetRuns(runs)
	return a, nil
}

// CreateCompressed makes an LZNT1-compressed file at path holding data,
// as Windows and ntfs-3g write one: FILE_ATTRIBUTE_COMPRESSED, a
// non-resident $DATA flagged compressed with compression units of 16
// clusters, each unit stored compressed (its clusters, then a hole) when
// that saves a cluster, raw (all 16 clusters) otherwise, and a hole when
// it is all zeros; the compressed size (0x40) counts the clusters
// allocated. Compression needs clusters of at most 4 KiB.
func (tx *Tx) CreateCompressed(path string, data []byte) error {
	cs := int64(tx.v.clusterSize)
	if cs > 4096 {
		return pathErr("create", path, fmt.Errorf("%w: NTFS compresses only with clusters of at most 4 KiB (%d here)", ErrInvalid, cs))
	}
	_, err := tx.newObject("create", path, false, mft.FileArchive|mft.FileCompressed, func(fe *fileEdit) error {
		a, err := tx.compressedData(data)
		if err != nil {
			return err
		}
		return fe.add(a)
	})
	return err
}

// compressedData builds the compressed $DATA of CreateCompressed.
func (tx *Tx) compressedData(data []byte) (mft.Attr, error) {
	cs := int64(tx.v.clusterSize)
	const cu = 4
	unitClusters := int64(1) << cu
	unit := unitClusters * cs
	units := (int64(len(data)) + unit - 1) / unit
	var runs []mft.Run
	used := int64(0)
	near := mft.LCN(-1)
	for u := int64(0); u < units; u++ {
		src := data[u*unit : min((u+1)*unit, int64(len(data)))]
		if allZero(src) {
			runs = appendRuns(runs, []mft.Run{{Length: unitClusters, Sparse: true}})
			continue
		}
		buf := make([]byte, unit)
		n := unitClusters
		if c := mft.CompressLZNT1(nil, src); (int64(len(c))+cs-1)/cs < unitClusters {
			n = (int64(len(c)) + cs - 1) / cs
			copy(buf, c)
		} else {
			copy(buf, src)
		}
		got, err := tx.allocClusters(n, near)
		if err != nil {
			return mft.Attr{}, err
		}
		if err := tx.writeRuns(got, buf[:n*cs]); err != nil {
			return mft.Attr{}, err
		}
		last := got[len(got)-1]
		near = last.Start + mft.LCN(last.Length)
		runs = appendRuns(runs, got)
		if n < unitClusters {
			runs = append(runs, mft.Run{Length: unitClusters - n, Sparse: true})
		}
		used += n
	}
	// Holes next to each other are one run.
	var merged []mft.Run
	for _, r := range runs {
		if k := len(merged); k > 0 && r.Sparse && merged[k-1].Sparse {
			merged[k-1].Length += r.Length
			continue
		}
		merged = append(merged, r)
	}
	a := mft.Attr{
		Type: mft.AttrData, NonResident: true, Flags: mft.AttrCompressed,
		StartVCN: 0, LastVCN: mft.VCN(units*unitClusters - 1), CompressionUnit: cu,
		AllocatedSize: units * unit, DataSize: int64(len(data)), InitializedSize: int64(len(data)),
		CompressedSize: used * cs, HasCompressedSize: true,
	}
	a.SetRuns(merged)
	return a, nil
}

// MkdirCompressed creates a directory whose new files Windows compresses:
// FILE_ATTRIBUTE_COMPRESSED in $STANDARD_INFORMATION and the compressed
// flag on its $INDEX_ROOT, as ntfs-3g sets them (files created in it by
// this writer are not compressed unless made with CreateCompressed).
func (tx *Tx) MkdirCompressed(path string) error {
	_, err := tx.newObject("mkdir", path, true, mft.FileCompressed, func(fe *fileEdit) error {
		r, ok := fe.find(mft.AttrIndexRoot, nameI30)
		if !ok {
			return fmt.Errorf("volume: new directory without $INDEX_ROOT")
		}
		r.attr().Flags |= mft.AttrCompressed
		fe.changed(r)
		return nil
	})
	return err
}
