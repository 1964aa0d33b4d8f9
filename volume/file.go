package volume

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// File is one file (or directory) of the volume: its base record and the
// attributes of all its records, merged through the $ATTRIBUTE_LIST.
//
// Not an on-disk structure.
type File struct {
	v     *Volume
	num   mft.RecordNumber
	Rec   *mft.Record // base record
	attrs []*mft.Attr // every attribute, base and extension records
	buf   []byte      // the record buffer of a pooled File (see release)

	// lazy: only the record header is decoded yet; ensure decodes the
	// attributes on first use and keeps any error in lazyErr.
	lazy    bool
	lazyErr error
}

// ensure decodes the attributes of a file loaded header-only.
func (f *File) ensure() error {
	if !f.lazy {
		return f.lazyErr
	}
	f.lazy = false
	if err := f.Rec.DecodeAttrs(f.num); err != nil {
		f.lazyErr = &RecordError{Record: f.num, Err: err}
		f.attrs = f.attrs[:0]
		return f.lazyErr
	}
	if _, err := f.v.completeFile(f); err != nil {
		f.lazyErr = err
		f.attrs = nil
	}
	return f.lazyErr
}

// all returns the attributes, decoding them first if needed.
func (f *File) all() []*mft.Attr {
	f.ensure()
	return f.attrs
}

// File reads record n and, when it has an attribute list, its extension
// records. Records not in use can be read too (File.InUse is false).
func (v *Volume) File(n mft.RecordNumber) (*File, error) {
	rec, err := v.Record(n)
	if err != nil {
		return nil, err
	}
	return v.fileOf(n, rec)
}

// fileOf completes the File of base record rec, reading extension records
// when it has an attribute list.
func (v *Volume) fileOf(n mft.RecordNumber, rec *mft.Record) (*File, error) {
	return v.completeFile(&File{v: v, num: n, Rec: rec})
}

// completeFile fills f.attrs from f.Rec and its extension records.
func (v *Volume) completeFile(f *File) (*File, error) {
	var err error
	n, rec := f.num, f.Rec
	al := rec.Find(mft.AttrAttributeList, nil)
	if al == nil {
		f.attrs = f.attrs[:0]
		for i := range rec.Attrs {
			f.attrs = append(f.attrs, &rec.Attrs[i])
		}
		return f, nil
	}
	f.attrs = nil
	f.buf = nil // holds extension attributes: not recycled
	list, err := v.attrListOf(rec, al)
	if err != nil {
		return nil, &RecordError{Record: n, Err: fmt.Errorf("$ATTRIBUTE_LIST: %w", err)}
	}
	// Attributes come in list order; the list names the record holding
	// each one, and the attribute id picks it within that record.
	exts := map[mft.RecordNumber]*mft.Record{n: rec}
	used := map[*mft.Attr]bool{}
	for _, e := range list {
		r := e.Ref.Record()
		ext, ok := exts[r]
		if !ok {
			ext, err = v.Record(r)
			if err != nil {
				return nil, &RecordError{Record: n, Err: fmt.Errorf("extension record of %s: %w", e.Type, err)}
			}
			// A deleted file's extension records were freed with it, which
			// bumped their sequence numbers once: they still belong to it
			// as long as nothing reused them.
			freedWith := !rec.InUse() && !ext.InUse() && ext.Seq == e.Ref.Seq()+1
			if ext.Base.Record() != n || (ext.Seq != e.Ref.Seq() && !freedWith) {
				return nil, &RecordError{Record: n, Err: fmt.Errorf("extension record %d (seq %d, base %s) does not belong to it (list wants seq %d)", r, ext.Seq, ext.Base, e.Ref.Seq())}
			}
			exts[r] = ext
		}
		var found *mft.Attr
		for i := range ext.Attrs {
			a := &ext.Attrs[i]
			if a.Type == e.Type && a.ID == e.ID && equalName(a.Name, e.Name) {
				found = a
				break
			}
		}
		if found == nil {
			return nil, &RecordError{Record: n, Err: fmt.Errorf("$ATTRIBUTE_LIST names %s id %d in record %d, which is not there", e.Type, e.ID, r)}
		}
		if !used[found] {
			used[found] = true
			f.attrs = append(f.attrs, found)
		}
	}
	// The list itself is in the base record but need not list itself.
	if !used[al] {
		f.attrs = append([]*mft.Attr{al}, f.attrs...)
	}
	return f, nil
}

// attrListOf reads the value of an $ATTRIBUTE_LIST attribute.
func (v *Volume) attrListOf(rec *mft.Record, al *mft.Attr) ([]mft.AttrListEntry, error) {
	val := al.Value
	if al.NonResident {
		s, err := v.newStream("$ATTRIBUTE_LIST", []*mft.Attr{al})
		if err != nil {
			return nil, err
		}
		if val, err = s.ReadAll(); err != nil {
			return nil, err
		}
	}
	return mft.DecodeAttrList(val)
}

func equalName(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Number returns the record number.
func (f *File) Number() mft.RecordNumber { return f.num }

// Ref returns the file reference (record number and current sequence).
func (f *File) Ref() mft.FileRef { return mft.MakeFileRef(f.num, f.Rec.Seq) }

// InUse reports whether the record is allocated.
func (f *File) InUse() bool { return f.Rec.InUse() }

// IsDir reports whether the file is a directory.
func (f *File) IsDir() bool { return f.Rec.IsDir() }

// LinkCount returns the hard-link count stored in the record header.
func (f *File) LinkCount() int { return int(f.Rec.LinkCount) }

// Attrs returns every attribute of the file.
func (f *File) Attrs() []*mft.Attr { return f.all() }

// Attr returns the first attribute of type t and the given name (nil for
// unnamed). For a non-resident attribute split into extents it returns the
// first extent; use AttrStream to read the value.
func (f *File) Attr(t mft.AttrType, name []uint16) *mft.Attr {
	for _, a := range f.all() {
		if a.Type == t && equalName(a.Name, name) {
			return a
		}
	}
	return nil
}

// AttrStream returns a reader over the value of attribute t with the given
// name, merging the extents of a non-resident attribute.
func (f *File) AttrStream(t mft.AttrType, name []uint16) (*Stream, error) {
	if err := f.ensure(); err != nil {
		return nil, err
	}
	var exts []*mft.Attr
	for _, a := range f.attrs {
		if a.Type == t && equalName(a.Name, name) {
			exts = append(exts, a)
		}
	}
	what := fmt.Sprintf("record %d %s", f.num, t)
	if len(name) > 0 {
		what += ":" + mft.NameString(name)
	}
	if len(exts) == 0 {
		return nil, fmt.Errorf("volume: %s: %w", what, ErrNoAttr)
	}
	return f.v.newStream(what, exts)
}

// ErrNoAttr is matched when a file lacks the attribute asked for.
var ErrNoAttr = errors.New("no such attribute")

// Stream returns the $DATA stream of the given name ("" for the unnamed
// main stream, otherwise an alternate data stream). The unnamed stream of
// a WOF-compressed file reads decompressed (RawStream reads it as stored).
func (f *File) Stream(name string) (*Stream, error) {
	s, err := f.RawStream(name)
	if err != nil || name != "" {
		return s, err
	}
	return f.wofStream(s)
}

// Size returns the data size of the unnamed $DATA stream (0 if none).
func (f *File) Size() int64 {
	a := f.Attr(mft.AttrData, nil)
	if a == nil {
		return 0
	}
	if a.NonResident {
		return a.DataSize
	}
	return int64(len(a.Value))
}

// StreamInfo describes one $DATA stream.
type StreamInfo struct {
	Name       string `json:"name"`
	Size       int64  `json:"size"`
	Allocated  int64  `json:"allocated"`
	Resident   bool   `json:"resident"`
	Sparse     bool   `json:"sparse,omitempty"`
	Compressed bool   `json:"compressed,omitempty"`
	Encrypted  bool   `json:"encrypted,omitempty"`
}

// Streams lists the $DATA streams, the unnamed one first.
func (f *File) Streams() []StreamInfo {
	var out []StreamInfo
	for _, a := range f.all() {
		if a.Type != mft.AttrData || (a.NonResident && a.StartVCN != 0) {
			continue
		}
		si := StreamInfo{Name: a.NameString(), Resident: !a.NonResident,
			Sparse: a.Flags&mft.AttrSparse != 0, Compressed: a.Flags&mft.AttrCompressionMask != 0,
			Encrypted: a.Flags&mft.AttrEncrypted != 0}
		if a.NonResident {
			si.Size, si.Allocated = a.DataSize, a.AllocatedSize
		} else {
			si.Size = int64(len(a.Value))
			si.Allocated = si.Size
		}
		if si.Name == "" {
			out = append([]StreamInfo{si}, out...)
		} else {
			out = append(out, si)
		}
	}
	return out
}

// Names decodes every $FILE_NAME of the file, in record order. A file has
// one per hard link, plus a separate DOS name where one exists.
func (f *File) Names() ([]mft.FileName, error) {
	if err := f.ensure(); err != nil {
		return nil, err
	}
	var out []mft.FileName
	for _, a := range f.attrs {
		if a.Type != mft.AttrFileName {
			continue
		}
		if a.NonResident {
			return nil, &RecordError{Record: f.num, Err: errors.New("non-resident $FILE_NAME")}
		}
		fn, err := mft.DecodeFileName(a.Value)
		if err != nil {
			return nil, &RecordError{Record: f.num, Err: err}
		}
		out = append(out, fn)
	}
	return out, nil
}

// StandardInfo decodes $STANDARD_INFORMATION.
func (f *File) StandardInfo() (mft.StandardInfo, error) {
	if err := f.ensure(); err != nil {
		return mft.StandardInfo{}, err
	}
	a := f.Attr(mft.AttrStandardInformation, nil)
	if a == nil || a.NonResident {
		return mft.StandardInfo{}, &RecordError{Record: f.num, Err: errors.New("no resident $STANDARD_INFORMATION")}
	}
	si, err := mft.DecodeStandardInfo(a.Value)
	if err != nil {
		return si, &RecordError{Record: f.num, Err: err}
	}
	return si, nil
}

// Reparse decodes the $REPARSE_POINT attribute; nil without error when the
// file has none.
func (f *File) Reparse() (*reparse.Point, error) {
	if err := f.ensure(); err != nil {
		return nil, err
	}
	a := f.Attr(mft.AttrReparsePoint, nil)
	if a == nil {
		return nil, nil
	}
	s, err := f.AttrStream(mft.AttrReparsePoint, nil)
	if err != nil {
		return nil, err
	}
	b, err := s.ReadAll()
	if err != nil {
		return nil, err
	}
	p, err := reparse.Decode(b)
	if err != nil {
		return nil, &RecordError{Record: f.num, Err: fmt.Errorf("$REPARSE_POINT: %w", err)}
	}
	return &p, nil
}

// interixMax bounds the size of a $DATA stream checked for an Interix
// symlink: the 8-byte magic plus a target of at most 4096 UTF-16 units.
const interixMax = 8 + 2*4096

// Interix returns the target of an Interix symlink (what ntfs-3g's ln -s
// makes: a SYSTEM file whose data is "IntxLNK\x01" + UTF-16LE target).
func (f *File) Interix() (string, bool) {
	if f.IsDir() {
		return "", false
	}
	si, err := f.StandardInfo()
	if err != nil || si.Attributes&mft.FileSystem == 0 {
		return "", false
	}
	size := f.Size()
	if size < 8 || size > interixMax {
		return "", false
	}
	s, err := f.Stream("")
	if err != nil {
		return "", false
	}
	b, err := s.ReadAll()
	if err != nil {
		return "", false
	}
	return reparse.DecodeInterix(b)
}

// maxBatch bounds one sequential read of records by loadFiles.
const maxBatch = 256

// loadFiles loads the files of records nums (ascending, duplicates
// allowed), reading neighbouring records with one read (through the page
// cache, which turns the pages it lacks into one device read), and calls fn
// for each in order. With borrow, the record of a file that is not a
// directory is decoded where it was read, so the File is valid only until
// fn returns (tree walks that recycle files).
func (v *Volume) loadFiles(nums []mft.RecordNumber, headerOnly, borrow bool, fn func(i int, f *File, err error)) {
	rs := int64(v.recordSize)
	var pooled *[]byte
	defer func() { v.putScratch(pooled) }()
	var buf []byte
	for i := 0; i < len(nums); {
		// A run: records close enough that reading the gap is cheaper
		// than another read.
		j := i + 1
		for j < len(nums) && nums[j]-nums[j-1] <= 4 && nums[j]-nums[i] < maxBatch {
			j++
		}
		first, last := nums[i], nums[j-1]
		if v.mftOnly != nil || j-i < 2 || int64(last) >= v.records {
			for k := i; k < j; k++ {
				f, err := v.File(nums[k])
				fn(k, f, err)
			}
			i = j
			continue
		}
		// The read is widened to whole cache pages, which the cache then
		// reads straight into buf rather than through a copy.
		ps := v.cache.pageSize
		from := int64(first) * rs / ps * ps
		to := min((int64(last)+1)*rs+ps-1, v.mft.size) / ps * ps
		to = max(to, (int64(last)+1)*rs)
		size := to - from
		if int64(cap(buf)) < size {
			v.putScratch(pooled)
			pooled = v.scratch(int(size))
			buf = *pooled
		}
		buf = buf[:size]
		if err := v.mft.readFull(buf, from); err != nil {
			// Read the records one by one: only those that cannot be
			// read fail, each with its own error.
			for k := i; k < j; k++ {
				f, err := v.File(nums[k])
				fn(k, f, err)
			}
			i = j
			continue
		}
		for k := i; k < j; k++ {
			n := nums[k]
			f := v.pooledFile()
			f.num = n
			raw := buf[int64(n)*rs-from:][:rs]
			// Fixups are applied in place: a record listed twice is
			// decoded from copies.
			dup := (k > i && nums[k-1] == n) || (k+1 < j && nums[k+1] == n)
			if !borrow || dup || mft.RecordFlags(binary.LittleEndian.Uint16(raw[0x16:]))&mft.RecordDirectory != 0 {
				raw = f.buf[:copy(f.buf, raw)]
			}
			err := v.decodeRecordMode(f.Rec, n, raw, headerOnly)
			switch {
			case err == nil && headerOnly:
				f.lazy, f.lazyErr, f.attrs = true, nil, f.attrs[:0]
			case err == nil:
				f.lazy, f.lazyErr = false, nil
				f, err = v.completeFile(f)
			}
			if err != nil {
				f = nil
			}
			fn(k, f, err)
		}
		i = j
	}
}
