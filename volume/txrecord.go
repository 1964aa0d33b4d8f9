package volume

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/ntfsedit/ntfsedit/mft"
)

// readRecord reads record n as the transaction sees it, as a private copy.
func (tx *Tx) readRecord(n mft.RecordNumber) (*mft.Record, error) {
	rec := &mft.Record{}
	if err := tx.readRecordInto(rec, n); err != nil {
		return nil, err
	}
	return rec, nil
}

// readRecordInto is readRecord decoding into rec, with the raw bytes and
// attributes carved from the transaction's slab.
func (tx *Tx) readRecordInto(rec *mft.Record, n mft.RecordNumber) error {
	tx.readAhead(n)
	v := tx.v
	s := v.mft
	if n >= mft.RecordNumber(s.size/int64(v.recordSize)) {
		return &RecordError{Record: n, Err: fmt.Errorf("beyond the end of $MFT (%d records)", s.size/int64(v.recordSize))}
	}
	raw := tx.slab.rawRecord(v.recordSize)
	if off := int64(n) * int64(v.recordSize); !tx.window.read(s, raw, off) {
		if _, err := s.ReadAt(raw, off); err != nil && err != io.EOF {
			return &RecordError{Record: n, Err: err}
		}
	}
	// Room for one attribute more (the name a link adds) without growing
	// the slice: a slice of 8 for every record made the attributes the
	// largest part of a transaction's memory.
	rec.Attrs = tx.slab.attrSlice(attrsHint(raw) + 1)
	if err := v.decodeRecordInto(rec, n, raw); err != nil {
		return err
	}
	// Records written by Windows 2000 and by the Linux kernel's ntfs3
	// driver have no number in their header (HasNumber stays false, so
	// the header keeps its layout); the number is where the record is.
	rec.Number = n
	tx.unsplice(rec, n)
	return nil
}

// readAheadBytes is how much of $MFT a transaction reads at once when it
// edits records in order.
const readAheadBytes = 64 << 10

// readAhead reads the $MFT bytes after record n in one read when records
// are being read in order (the second of two consecutive ones), so that
// the next records are not read one page at a time: into the
// transaction's window (txahead.go) when they lie in one run on the
// device, otherwise into the page cache. Errors are left to the record's
// own read.
func (tx *Tx) readAhead(n mft.RecordNumber) {
	v := tx.v
	seq := n == tx.lastRead+1
	tx.lastRead = n
	off := int64(n) * int64(v.recordSize)
	if !seq || off+int64(v.recordSize) <= tx.aheadEnd || off < 0 || off >= v.mft.Size() {
		return
	}
	k := min(int64(readAheadBytes), v.mft.Size()-off)
	if cap(tx.aheadBuf) < int(k) {
		tx.aheadBuf = make([]byte, readAheadBytes)
	}
	tx.window = mftWindow{} // its buffer is read into
	buf := tx.aheadBuf[:k]
	// From the start of record n's page, so that the window also serves
	// the page staged under the record.
	if at := off % overlayPage; at > 0 && int64(len(buf)) > at+int64(v.recordSize) {
		if r, ok := v.mft.deviceRange(off-at, k); ok && r.off%overlayPage == 0 {
			off -= at
		}
	}
	if r, ok := v.mft.deviceRange(off, k); ok {
		// In one run: read from the overlay, past the page cache (the
		// window serves the records and the pages staged under them).
		if _, err := v.ov.ReadAt(buf, r.off); err == nil {
			tx.aheadEnd = off + k
			tx.window.set(v.mft, buf, off)
		}
		return
	}
	if _, err := v.mft.ReadAt(buf, off); err == nil {
		tx.aheadEnd = off + k
	}
}

// putRecord encodes rec (fixups applied here, with a new update sequence
// number) and stages it at its place in $MFT and, for the first records,
// in $MFTMirr.
func (tx *Tx) putRecord(rec *mft.Record, action string) error {
	n := rec.Number
	if fe := tx.files.get(n); fe != nil {
		fe.view = nil
		if !fe.holds(rec) {
			tx.forget(fe) // written from another copy: the cached one is stale
		}
	}
	// The encoding is copied into the staged pages: one buffer serves
	// every record.
	b, err := rec.AppendBinary(tx.recBuf[:0])
	if err != nil {
		return fmt.Errorf("volume: encode record %d: %w", n, err)
	}
	tx.recBuf = b[:0]
	if _, err := mft.NextUSN(b); err != nil {
		return fmt.Errorf("volume: record %d: %w", n, err)
	}
	if err := mft.ProtectFixups(b); err != nil {
		return fmt.Errorf("volume: record %d: %w", n, err)
	}
	return tx.stageRecord(n, b, action)
}

// stageRecord stages the encoded record n (fixups applied) at its place
// in $MFT and, for the first records, in $MFTMirr, and notes action for
// the plan.
func (tx *Tx) stageRecord(n mft.RecordNumber, b []byte, action string) error {
	v := tx.v
	if err := tx.writeStream(v.mft, int64(n)*int64(v.recordSize), b); err != nil {
		return fmt.Errorf("volume: write record %d: %w", n, err)
	}
	if v.mirrored(n) {
		if tx.mirror == nil {
			f, err := v.File(mft.RecordMFTMirr)
			if err != nil {
				return fmt.Errorf("volume: $MFTMirr: %w", err)
			}
			if tx.mirror, err = f.Stream(""); err != nil {
				return fmt.Errorf("volume: $MFTMirr: %w", err)
			}
		}
		if off := int64(n) * int64(v.recordSize); off+int64(len(b)) <= tx.mirror.Size() {
			if err := tx.writeStream(tx.mirror, off, b); err != nil {
				return fmt.Errorf("volume: write $MFTMirr record %d: %w", n, err)
			}
		}
	}
	if prev, ok := tx.recAct.get(n); !ok || prev == "update" || action == "free" {
		tx.recAct.set(n, action)
	}
	if n == 0 {
		if err := v.loadMFT(); err != nil {
			return fmt.Errorf("volume: reload $MFT: %w", err)
		}
	}
	return nil
}

// recordHeaderLen is the FILE header before the update sequence array.
const fileHeaderLen = 0x30

// freshRecord returns an empty in-use record n (no attributes) carrying
// the sequence number the record's last user left.
func (tx *Tx) freshRecord(n mft.RecordNumber, flags mft.RecordFlags, base mft.FileRef) (*mft.Record, error) {
	v := tx.v
	seq := uint16(1)
	if old, err := v.Record(n); err == nil {
		if old.InUse() {
			return nil, fmt.Errorf("volume: record %d is free in $MFT:$BITMAP but marked in use: run check", n)
		}
		if old.Seq != 0 {
			seq = old.Seq
		}
	} else if !errors.Is(err, ErrUnusedRecord) {
		var ce *mft.CorruptError
		if !errors.As(err, &ce) {
			return nil, err
		}
		// A damaged free record is overwritten.
	}
	usaCount := uint16(v.recordSize/mft.SectorSize + 1)
	rec := &mft.Record{
		Magic:          [4]byte{'F', 'I', 'L', 'E'},
		USAOffset:      fileHeaderLen,
		USACount:       usaCount,
		Seq:            seq,
		AttrOffset:     uint16((fileHeaderLen + 2*int(usaCount) + 7) &^ 7),
		Flags:          flags | mft.RecordInUse,
		BytesAllocated: uint32(v.recordSize),
		Base:           base,
		Number:         n,
		HasNumber:      true,
	}
	return rec, nil
}

// allocRecord takes a free MFT record, growing $MFT when none is left.
func (tx *Tx) allocRecord() (mft.RecordNumber, error) {
	for attempt := 0; attempt < 2; attempt++ {
		bm, err := tx.mftBitmap()
		if err != nil {
			return 0, err
		}
		// Records 16–23 are reserved for system files (mkntfs marks them;
		// Windows uses them for $MFT extension records only).
		lo := max(24, int64(tx.v.wopts.FirstRecord))
		from := max(bm.hint, lo)
		for _, r := range [][2]int64{{from, bm.limit}, {lo, from}} {
			for i := bm.nextFree(r[0], r[1]); i >= 0; i = bm.nextFree(i+1, r[1]) {
				rec, err := tx.v.Record(mft.RecordNumber(i))
				if err == nil && rec.InUse() {
					continue // bitmap and record disagree: leave it to check
				}
				bm.put(tx, i, 1, true)
				bm.hint = i + 1
				return mft.RecordNumber(i), nil
			}
		}
		if err := tx.growMFT(); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("%w: no free MFT record after growing $MFT", ErrNoSpace)
}

// mftGrowRecords is how many records $MFT grows by at a time.
const mftGrowRecords = 64

// growMFT adds records to $MFT: clusters after its last run if free,
// its $DATA attribute extended, the new records formatted as free, and
// $MFT:$BITMAP grown to cover them.
func (tx *Tx) growMFT() error {
	v := tx.v
	rec, err := tx.readRecord(0)
	if err != nil {
		return fmt.Errorf("volume: $MFT: %w", err)
	}
	data := rec.Find(mft.AttrData, nil)
	if data == nil || !data.NonResident {
		return errors.New("volume: $MFT record 0 has no non-resident $DATA")
	}
	if rec.Find(mft.AttrAttributeList, nil) != nil {
		return errors.New("volume: growing a $MFT whose runlist spans extension records is not supported")
	}
	cs := int64(v.clusterSize)
	// At least mftGrowRecords records, or an eighth of $MFT (up to 16
	// MiB), so that a growing $MFT keeps a short runlist.
	addBytes := max(int64(mftGrowRecords*v.recordSize), cs, min(data.DataSize/8, 16<<20))
	addBytes = (addBytes + int64(v.recordSize) - 1) / int64(v.recordSize) * int64(v.recordSize)
	addClusters := (addBytes + cs - 1) / cs
	addBytes = addClusters * cs
	near := mft.LCN(-1)
	if k := len(data.Runs); k > 0 && !data.Runs[k-1].Sparse {
		near = data.Runs[k-1].Start + mft.LCN(data.Runs[k-1].Length)
	}
	runs, err := tx.allocClusters(addClusters, near)
	if err != nil {
		return fmt.Errorf("volume: grow $MFT: %w", err)
	}
	oldSize := data.DataSize
	data.SetRuns(appendRuns(data.Runs, runs))
	data.LastVCN += mft.VCN(addClusters)
	data.AllocatedSize += addBytes
	data.DataSize = oldSize + addBytes
	data.InitializedSize = data.DataSize
	if err := data.Layout(); err != nil {
		return err
	}
	records := data.DataSize / int64(v.recordSize)
	// $MFT:$BITMAP covers the new records (8-byte multiples).
	bma := rec.Find(mft.AttrBitmap, nil)
	if bma == nil || !bma.NonResident {
		return errors.New("volume: $MFT:$BITMAP missing or resident")
	}
	need := ((records+7)/8 + 7) &^ 7
	oldBitmapSize := bma.DataSize
	if need > bma.DataSize {
		if need > bma.AllocatedSize {
			more := (need - bma.AllocatedSize + cs - 1) / cs
			near := mft.LCN(-1)
			if k := len(bma.Runs); k > 0 {
				near = bma.Runs[k-1].Start + mft.LCN(bma.Runs[k-1].Length)
			}
			r, err := tx.allocClusters(more, near)
			if err != nil {
				return fmt.Errorf("volume: grow $MFT:$BITMAP: %w", err)
			}
			bma.SetRuns(appendRuns(bma.Runs, r))
			bma.LastVCN += mft.VCN(more)
			bma.AllocatedSize += more * cs
			if err := bma.Layout(); err != nil {
				return err
			}
		}
		bma.DataSize, bma.InitializedSize = need, need
	}
	if err := tx.putRecord(rec, "update"); err != nil {
		return fmt.Errorf("volume: grow $MFT: %w", err)
	}
	// Format the new records as free FILE records.
	for n := oldSize / int64(v.recordSize); n < records; n++ {
		fr, err := tx.freshRecord(mft.RecordNumber(n), 0, 0)
		if err != nil {
			return err
		}
		fr.Flags = 0
		if err := tx.putRecord(fr, "format"); err != nil {
			return err
		}
		tx.recAct.del(mft.RecordNumber(n))
	}
	// Reload the bitmap with its new size: new bytes are zero and must be
	// written.
	s, err := tx.mftBitmapStream()
	if err != nil {
		return err
	}
	bm, err := tx.mftBitmap()
	if err != nil {
		return err
	}
	bm.s = s
	for int64(len(bm.bits)) < need {
		bm.bits = append(bm.bits, 0)
	}
	for i := oldBitmapSize; i < need; i += bitmapChunk {
		bm.dirty[i/bitmapChunk] = true
	}
	bm.limit = records
	v.records = records
	return nil
}

// appendRuns appends more to runs, merging a contiguous first run.
func appendRuns(runs, more []mft.Run) []mft.Run {
	out := append([]mft.Run(nil), runs...)
	for _, r := range more {
		if k := len(out); k > 0 && !out[k-1].Sparse && !r.Sparse && out[k-1].Start+mft.LCN(out[k-1].Length) == r.Start {
			out[k-1].Length += r.Length
			continue
		}
		out = append(out, r)
	}
	return out
}

// errNoFit is matched when one attribute cannot fit a record even alone.
var errNoFit = errors.New("volume: attributes do not fit a record")

// fileEdit is a file being changed: its base record and any extension
// records, with their attributes. save fits the attributes into records
// (moving some to extension records behind an $ATTRIBUTE_LIST when the
// base is full) and stages every changed record.
//
// Not an on-disk structure.
type fileEdit struct {
	tx   *Tx
	recs []*editRec // [0] is the base record
	// indexes are the file's indexes opened for editing (openIndex), kept
	// with the file for the transaction.
	indexes []*txIndex
	// view is the File of fe as last saved (see Tx.fileOf).
	view *File
	// saves counts the saves that staged a record of fe (dirMemo).
	saves uint64
}

type editRec struct {
	rec   *mft.Record
	dirty bool
	isNew bool
	free  bool
}

// attrRef names one attribute of a fileEdit.
type attrRef struct {
	r *editRec
	i int
}

func (a attrRef) attr() *mft.Attr { return &a.r.rec.Attrs[a.i] }

// editFile loads record n and its extension records. A transaction keeps
// the files it decoded (tx.files): as long as every change to one was
// saved (no record dirty), the next editFile of it returns the same
// fileEdit instead of decoding its records again; one left dirty by an
// operation that failed half way is decoded again from what was saved.
func (tx *Tx) editFile(n mft.RecordNumber) (*fileEdit, error) {
	if err := tx.settle(); err != nil {
		return nil, err
	}
	if fe := tx.files.get(n); fe != nil && fe.num() == n && fe.clean() {
		return fe, nil
	}
	fe, err := tx.loadFile(n)
	if err != nil {
		return nil, err
	}
	tx.keep(fe)
	return fe, nil
}

// clean reports whether fe's records are in use and saved as they are.
func (fe *fileEdit) clean() bool {
	for _, r := range fe.recs {
		if r.dirty || r.isNew {
			return false
		}
	}
	return fe.base().InUse()
}

// holds reports whether rec is one of fe's records.
func (fe *fileEdit) holds(rec *mft.Record) bool {
	for _, r := range fe.recs {
		if r.rec == rec {
			return true
		}
	}
	return false
}

// keep caches fe under the numbers of all its records.
func (tx *Tx) keep(fe *fileEdit) {
	for _, r := range fe.recs {
		old := tx.files.get(r.rec.Number)
		if old == fe {
			continue
		}
		if old != nil {
			tx.forget(old)
		}
		tx.files.set(r.rec.Number, fe)
	}
}

// forget drops fe from the cache.
func (tx *Tx) forget(fe *fileEdit) {
	for _, r := range fe.recs {
		if tx.files.get(r.rec.Number) == fe {
			tx.files.set(r.rec.Number, nil)
		}
	}
}

// loadFile decodes record n and its extension records.
func (tx *Tx) loadFile(n mft.RecordNumber) (*fileEdit, error) {
	slot := tx.slab.file()
	rec := &slot.rec
	if err := tx.readRecordInto(rec, n); err != nil {
		return nil, err
	}
	if !rec.InUse() {
		return nil, fmt.Errorf("volume: record %d is not in use", n)
	}
	if !rec.IsBase() {
		return nil, fmt.Errorf("volume: record %d is an extension record of %d", n, rec.Base.Record())
	}
	slot.er.rec = rec
	slot.recs[0] = &slot.er
	fe := &slot.fe
	fe.tx, fe.recs = tx, slot.recs[:1:1]
	if al := rec.Find(mft.AttrAttributeList, nil); al != nil {
		list, err := tx.v.attrListOf(rec, al)
		if err != nil {
			return nil, fmt.Errorf("volume: record %d: attribute list: %w", n, err)
		}
		seen := map[mft.RecordNumber]bool{n: true}
		for _, e := range list {
			r := e.Ref.Record()
			if seen[r] {
				continue
			}
			seen[r] = true
			ext, err := tx.readRecord(r)
			if err != nil {
				return nil, fmt.Errorf("volume: record %d: extension record %d: %w", n, r, err)
			}
			if ext.Base.Record() != n || !ext.InUse() {
				return nil, fmt.Errorf("volume: record %d: extension record %d belongs to %s", n, r, ext.Base)
			}
			fe.recs = append(fe.recs, &editRec{rec: ext})
		}
	}
	return fe, nil
}

// newFile starts a new base record.
func (tx *Tx) newFile(dir bool) (*fileEdit, error) {
	n, err := tx.allocRecord()
	if err != nil {
		return nil, err
	}
	var flags mft.RecordFlags
	if dir {
		flags = mft.RecordDirectory
	}
	rec, err := tx.freshRecord(n, flags, 0)
	if err != nil {
		return nil, err
	}
	return &fileEdit{tx: tx, recs: []*editRec{{rec: rec, dirty: true, isNew: true}}}, nil
}

func (fe *fileEdit) base() *mft.Record     { return fe.recs[0].rec }
func (fe *fileEdit) num() mft.RecordNumber { return fe.recs[0].rec.Number }
func (fe *fileEdit) ref() mft.FileRef      { return mft.MakeFileRef(fe.num(), fe.base().Seq) }

// find returns the first attribute of type t and name (nil: unnamed).
func (fe *fileEdit) find(t mft.AttrType, name []uint16) (attrRef, bool) {
	for _, r := range fe.recs {
		for i := range r.rec.Attrs {
			a := &r.rec.Attrs[i]
			if a.Type == t && equalName(a.Name, name) && (!a.NonResident || a.StartVCN == 0) {
				return attrRef{r, i}, true
			}
		}
	}
	return attrRef{}, false
}

// all returns every attribute of type t.
func (fe *fileEdit) all(t mft.AttrType) []attrRef {
	var out []attrRef
	for _, r := range fe.recs {
		for i := range r.rec.Attrs {
			if r.rec.Attrs[i].Type == t {
				out = append(out, attrRef{r, i})
			}
		}
	}
	return out
}

// count is len(fe.all(t)) without building the list.
func (fe *fileEdit) count(t mft.AttrType) int {
	n := 0
	for _, r := range fe.recs {
		for i := range r.rec.Attrs {
			if r.rec.Attrs[i].Type == t {
				n++
			}
		}
	}
	return n
}

// changed marks the record holding a as dirty.
func (fe *fileEdit) changed(a attrRef) { a.r.dirty = true }

// add puts a new attribute into the base record (save moves it if it does
// not fit), assigning its instance number.
func (fe *fileEdit) add(a mft.Attr) error {
	if err := a.Layout(); err != nil {
		return err
	}
	r := fe.recs[0]
	insertAttr(r.rec, a)
	r.dirty = true
	return nil
}

// insertAttr places a in rec's attribute list in NTFS order (type, then
// after attributes of the same type) with the next instance number.
func insertAttr(rec *mft.Record, a mft.Attr) {
	a.ID = rec.NextAttrID
	rec.NextAttrID++
	i := sort.Search(len(rec.Attrs), func(i int) bool { return rec.Attrs[i].Type > a.Type })
	rec.Attrs = append(rec.Attrs, mft.Attr{})
	copy(rec.Attrs[i+1:], rec.Attrs[i:])
	rec.Attrs[i] = a
}

// remove deletes an attribute (its clusters are the caller's to free).
func (fe *fileEdit) remove(a attrRef) {
	r := a.r
	r.rec.Attrs = append(r.rec.Attrs[:a.i], r.rec.Attrs[a.i+1:]...)
	r.dirty = true
}

// recordSpace is the bytes a record's attributes may use.
func (fe *fileEdit) recordSpace() int {
	return int(fe.base().BytesAllocated) - int(fe.base().AttrOffset) - 8
}

func attrsLen(rec *mft.Record) int {
	n := 0
	for i := range rec.Attrs {
		n += int(rec.Attrs[i].Length)
	}
	return n
}

// pinned attributes stay in the base record.
func pinned(t mft.AttrType) bool {
	return t == mft.AttrStandardInformation || t == mft.AttrAttributeList || t == mft.AttrIndexRoot
}

// save fits the attributes into records and stages the changed ones.
func (fe *fileEdit) save() error {
	tx := fe.tx
	space := fe.recordSpace()
	if err := fe.dropEmpty(space); err != nil {
		return err
	}
	for iter := 0; ; iter++ {
		if iter > 4096 {
			return fmt.Errorf("volume: record %d: attributes do not settle into records", fe.num())
		}
		over := false
		for _, r := range fe.recs {
			if r.free {
				continue
			}
			if attrsLen(r.rec) > space {
				over = true
				if err := fe.spill(r, space); err != nil {
					return err
				}
			}
		}
		if fe.liveExt() > 0 || fe.hasList() {
			changedList, err := fe.rebuildList()
			if err != nil {
				return err
			}
			if changedList {
				continue
			}
		}
		if !over {
			break
		}
	}
	// Link count: the number of $FILE_NAME attributes (DOS names count).
	base := fe.base()
	base.LinkCount = uint16(fe.count(mft.AttrFileName))
	for _, r := range fe.recs {
		if !r.dirty && !r.isNew {
			continue
		}
		act := "update"
		if r.free {
			if r.isNew && !r.rec.InUse() {
				continue
			}
			r.rec.Flags &^= mft.RecordInUse
			if r.rec.Seq++; r.rec.Seq == 0 {
				r.rec.Seq = 1
			}
			bm, err := tx.mftBitmap()
			if err != nil {
				return err
			}
			bm.free(int64(r.rec.Number), 1)
		}
		switch {
		case r.free:
			act = "free"
		case r.isNew:
			act = "create"
		}
		// A record staged the first time was decoded in use from the
		// volume, or is new in a free one (freshRecord checks).
		tx.recAct.noteBefore(r.rec.Number, !r.isNew)
		fe.saves++
		if err := tx.putRecord(r.rec, act); err != nil {
			return err
		}
		r.dirty, r.isNew = false, false
	}
	tx.keep(fe)
	return nil
}

// dropEmpty frees extension records left without attributes and, when no
// extension record is left and the rest fits the base record, removes the
// attribute list.
func (fe *fileEdit) dropEmpty(space int) error {
	live := 0
	for _, r := range fe.recs[1:] {
		if r.free {
			continue
		}
		if len(r.rec.Attrs) == 0 {
			r.free, r.dirty = true, true
			continue
		}
		live++
	}
	al, ok := fe.find(mft.AttrAttributeList, nil)
	if !ok || live > 0 || attrsLen(fe.base())-int(al.attr().Length) > space {
		return nil
	}
	if a := al.attr(); a.NonResident {
		if err := fe.tx.freeRuns(a.Runs); err != nil {
			return err
		}
	}
	fe.remove(al)
	return nil
}

// liveExt counts the extension records still in use.
func (fe *fileEdit) liveExt() int {
	n := 0
	for _, r := range fe.recs[1:] {
		if !r.free {
			n++
		}
	}
	return n
}

func (fe *fileEdit) hasList() bool {
	_, ok := fe.find(mft.AttrAttributeList, nil)
	return ok
}

// spill moves attributes out of r until it fits: from the base record to
// extension records (creating them), from a full extension record to
// another.
func (fe *fileEdit) spill(r *editRec, space int) error {
	for attrsLen(r.rec) > space {
		// Move the last movable attribute (highest type: keeps the
		// low-numbered attributes in the base record, as Windows does).
		idx := -1
		for i := len(r.rec.Attrs) - 1; i >= 0; i-- {
			if !pinned(r.rec.Attrs[i].Type) || r != fe.recs[0] {
				idx = i
				break
			}
		}
		if idx < 0 || (r != fe.recs[0] && len(r.rec.Attrs) == 1) {
			var parts []string
			for i := range r.rec.Attrs {
				parts = append(parts, fmt.Sprintf("%v %d bytes", r.rec.Attrs[i].Type, r.rec.Attrs[i].Length))
			}
			return fmt.Errorf("%w: record %d (%d bytes free): %s", errNoFit, r.rec.Number, space, strings.Join(parts, ", "))
		}
		a := r.rec.Attrs[idx]
		r.rec.Attrs = append(r.rec.Attrs[:idx], r.rec.Attrs[idx+1:]...)
		r.dirty = true
		dst, err := fe.roomFor(int(a.Length), space, r)
		if err != nil {
			return err
		}
		insertAttr(dst.rec, a)
		dst.dirty = true
	}
	return nil
}

// roomFor returns an extension record with n bytes free (not skip),
// creating one when needed.
func (fe *fileEdit) roomFor(n, space int, skip *editRec) (*editRec, error) {
	for _, r := range fe.recs[1:] {
		if r != skip && !r.free && attrsLen(r.rec)+n <= space {
			return r, nil
		}
	}
	num, err := fe.tx.allocRecord()
	if err != nil {
		return nil, err
	}
	rec, err := fe.tx.freshRecord(num, 0, fe.ref())
	if err != nil {
		return nil, err
	}
	r := &editRec{rec: rec, dirty: true, isNew: true}
	fe.recs = append(fe.recs, r)
	return r, nil
}

// rebuildList writes the $ATTRIBUTE_LIST from where the attributes now
// are; it reports whether the base record's size changed (another fitting
// round is then needed).
func (fe *fileEdit) rebuildList() (bool, error) {
	var entries []mft.AttrListEntry
	for _, r := range fe.recs {
		if r.free {
			continue
		}
		ref := mft.MakeFileRef(r.rec.Number, r.rec.Seq)
		for i := range r.rec.Attrs {
			a := &r.rec.Attrs[i]
			if a.Type == mft.AttrAttributeList {
				continue
			}
			e := mft.AttrListEntry{Type: a.Type, Ref: ref, ID: a.ID, Name: a.Name}
			if a.NonResident {
				e.StartVCN = a.StartVCN
			}
			entries = append(entries, e)
		}
	}
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if c := compareUnits(a.Name, b.Name); c != 0 {
			return c < 0
		}
		return a.StartVCN < b.StartVCN
	})
	val, err := mft.AppendAttrList(nil, entries)
	if err != nil {
		return false, fmt.Errorf("volume: record %d: attribute list: %w", fe.num(), err)
	}
	base := fe.recs[0]
	ref, ok := fe.find(mft.AttrAttributeList, nil)
	before := attrsLen(base.rec)
	if !ok {
		if err := fe.add(mft.Attr{Type: mft.AttrAttributeList, Value: val}); err != nil {
			return false, err
		}
		ref, _ = fe.find(mft.AttrAttributeList, nil)
	}
	a := ref.attr()
	if !a.NonResident && string(a.Value) == string(val) {
		return false, nil
	}
	// Resident while it fits beside the pinned attributes, else in clusters.
	pinnedLen := 0
	for i := range base.rec.Attrs {
		if x := &base.rec.Attrs[i]; pinned(x.Type) && x.Type != mft.AttrAttributeList {
			pinnedLen += int(x.Length)
		}
	}
	if pinnedLen+((0x18+len(val)+7)&^7) <= fe.recordSpace()*3/4 {
		if a.NonResident {
			if err := fe.tx.freeRuns(a.Runs); err != nil {
				return false, err
			}
			a.NonResident, a.Runs = false, nil
		}
		a.Value = val
	} else {
		if err := fe.tx.writeNonResident(a, val); err != nil {
			return false, fmt.Errorf("volume: record %d: attribute list: %w", fe.num(), err)
		}
	}
	if err := a.Layout(); err != nil {
		return false, err
	}
	base.dirty = true
	return attrsLen(base.rec) != before, nil
}

func compareUnits(a, b []uint16) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

// writeNonResident replaces a's value with data stored in clusters. A
// non-resident attribute keeps its clusters (growing by what is missing);
// a resident one gets new clusters.
func (tx *Tx) writeNonResident(a *mft.Attr, data []byte) error {
	cs := int64(tx.v.clusterSize)
	clusters := (int64(len(data)) + cs - 1) / cs
	var runs []mft.Run
	have := int64(0)
	if a.NonResident && a.StartVCN == 0 {
		runs = append(runs, a.Runs...)
		for _, r := range runs {
			have += r.Length
		}
	}
	if clusters > have {
		near := mft.LCN(-1)
		if k := len(runs); k > 0 && !runs[k-1].Sparse {
			near = runs[k-1].Start + mft.LCN(runs[k-1].Length)
		}
		more, err := tx.allocClusters(clusters-have, near)
		if err != nil {
			return err
		}
		runs = appendRuns(runs, more)
		have = clusters
	}
	a.NonResident, a.Value = true, nil
	a.StartVCN, a.LastVCN = 0, mft.VCN(have-1)
	a.CompressionUnit, a.HasCompressedSize = 0, false
	a.AllocatedSize = have * cs
	a.DataSize, a.InitializedSize = int64(len(data)), int64(len(data))
	a.SetRuns(runs)
	buf := make([]byte, have*cs)
	copy(buf, data)
	return tx.writeRuns(runs, buf)
}

// writeRuns stages buf over the clusters of runs, in order. Clusters this
// transaction allocated are remembered: when a commit carries much new
// data (directDataMin), it writes that data straight to them before the
// journal (nothing on disk refers to them yet, so a crash leaves harmless
// garbage in free space), and the journal carries only metadata.
func (tx *Tx) writeRuns(runs []mft.Run, buf []byte) error {
	cs := int64(tx.v.clusterSize)
	for _, r := range runs {
		n := r.Length * cs
		off := int64(r.Start) * cs
		if r.Sparse {
			buf = buf[n:]
			continue
		}
		if tx.isFresh(r) {
			tx.plan.DataBytes += n
			tx.freshRanges = append(tx.freshRanges, devRange{off, n})
		}
		if _, err := tx.v.ov.WriteAt(buf[:n], off); err != nil {
			return err
		}
		buf = buf[n:]
	}
	return nil
}

// isFresh reports whether all clusters of r were allocated by this
// transaction.
func (tx *Tx) isFresh(r mft.Run) bool {
	for _, f := range tx.fresh {
		if r.Start >= f.Start && int64(r.Start)+r.Length <= int64(f.Start)+f.Length {
			return true
		}
	}
	return false
}

// freeFile frees every record of fe and the clusters of its non-resident
// attributes.
func (fe *fileEdit) freeFile() error {
	tx := fe.tx
	bm, err := tx.mftBitmap()
	if err != nil {
		return err
	}
	for _, r := range fe.recs {
		for i := range r.rec.Attrs {
			if a := &r.rec.Attrs[i]; a.NonResident {
				if err := tx.freeRuns(a.Runs); err != nil {
					return err
				}
			}
		}
		r.rec.Flags &^= mft.RecordInUse
		r.rec.Seq++
		if r.rec.Seq == 0 {
			r.rec.Seq = 1
		}
		if err := tx.putRecord(r.rec, "free"); err != nil {
			return err
		}
		bm.free(int64(r.rec.Number), 1)
	}
	return nil
}
