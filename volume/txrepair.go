package volume

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// Repair primitives: each stages one kind of fix in the transaction, through
// the writer's own record, index and bitmap code, so a repair commits like
// any other edit (journal first, all or nothing). repair.go chooses them by
// the checker's codes.

// fixupRecord repairs a record whose update sequence check failed (a torn
// write). When, with the check bytes taken as valid, the record decodes —
// header, every attribute, every $FILE_NAME — it is written back with fresh
// fixups ("reprotect"): the sector that tore held bytes of the same record,
// and the saved bytes in the update sequence array are the newest ones.
// Otherwise the record is freed ("free"): entries pointing to it become
// dangling and are dropped by the next pass, and its clusters are returned
// by the bitmap rebuild.
func (tx *Tx) fixupRecord(n mft.RecordNumber) (string, error) {
	v := tx.v
	raw, err := v.RawRecord(n)
	if err != nil {
		return "", err
	}
	b := append([]byte(nil), raw...)
	if string(raw[:4]) != "FILE" {
		return "free", tx.freeBroken(n, raw)
	}
	if err := forceFixups(b); err == nil && saneRecord(b, n) {
		if _, err := mft.NextUSN(b); err != nil {
			return "", err
		}
		if err := mft.ProtectFixups(b); err != nil {
			return "", err
		}
		if err := tx.putRawRecord(n, b, "update"); err != nil {
			return "", err
		}
		return "reprotect", nil
	}
	return "free", tx.freeBroken(n, raw)
}

// forceFixups applies the update sequence array whatever the check bytes
// hold: every sector's last two bytes get the saved value.
func forceFixups(b []byte) error {
	if len(b) < 8 {
		return errors.New("volume: record too short")
	}
	off, count := int(binary.LittleEndian.Uint16(b[4:])), int(binary.LittleEndian.Uint16(b[6:]))
	if count < 1 || off+2*count > len(b) || (count-1)*mft.SectorSize > len(b) {
		return fmt.Errorf("volume: update sequence array %#x/%d out of bounds", off, count)
	}
	usn := b[off : off+2]
	for i := 1; i < count; i++ {
		end := i*mft.SectorSize - 2
		copy(b[end:end+2], usn)
	}
	return mft.ApplyFixups(b)
}

// saneRecord reports whether b (fixups applied) decodes as record n with
// every attribute and $FILE_NAME readable.
func saneRecord(b []byte, n mft.RecordNumber) bool {
	rec, err := mft.DecodeRecord(append([]byte(nil), b...), n)
	if err != nil {
		return false
	}
	if rec.HasNumber && rec.Number != n&0xFFFFFFFF {
		return false
	}
	for i := range rec.Attrs {
		a := &rec.Attrs[i]
		if a.Type == mft.AttrFileName {
			if a.NonResident {
				return false
			}
			if _, err := mft.DecodeFileName(a.Value); err != nil {
				return false
			}
		}
		if a.Type == mft.AttrStandardInformation && !a.NonResident {
			if _, err := mft.DecodeStandardInfo(a.Value); err != nil {
				return false
			}
		}
	}
	return true
}

// freeBroken frees a record that cannot be read: an empty, free FILE
// record with the next sequence number takes its place.
func (tx *Tx) freeBroken(n mft.RecordNumber, raw []byte) error {
	if n < mft.RecordFirstUser {
		return fmt.Errorf("volume: system record %d is unreadable: not freed (restore it from $MFTMirr or a backup)", n)
	}
	seq := binary.LittleEndian.Uint16(raw[0x10:])
	rec, err := tx.blankRecord(n, nextSeq(seq))
	if err != nil {
		return err
	}
	if err := tx.putRecord(rec, "free"); err != nil {
		return err
	}
	bm, err := tx.mftBitmap()
	if err != nil {
		return err
	}
	bm.free(int64(n), 1)
	return nil
}

// blankRecord is an empty free FILE record n.
func (tx *Tx) blankRecord(n mft.RecordNumber, seq uint16) (*mft.Record, error) {
	v := tx.v
	usaCount := uint16(v.recordSize/mft.SectorSize + 1)
	return &mft.Record{
		Magic:          [4]byte{'F', 'I', 'L', 'E'},
		USAOffset:      fileHeaderLen,
		USACount:       usaCount,
		Seq:            seq,
		AttrOffset:     uint16((fileHeaderLen + 2*int(usaCount) + 7) &^ 7),
		BytesAllocated: uint32(v.recordSize),
		Number:         n,
		HasNumber:      true,
	}, nil
}

// patchRecord applies edit to the header of record n (which must pass its
// fixups), then protects and stages it.
func (tx *Tx) patchRecord(n mft.RecordNumber, edit func(b []byte)) error {
	raw, err := tx.v.RawRecord(n)
	if err != nil {
		return err
	}
	b := append([]byte(nil), raw...)
	if err := mft.ApplyFixups(b); err != nil {
		return fmt.Errorf("volume: record %d: %w", n, err)
	}
	edit(b)
	if _, err := mft.NextUSN(b); err != nil {
		return err
	}
	if err := mft.ProtectFixups(b); err != nil {
		return err
	}
	return tx.putRawRecord(n, b, "update")
}

// putRawRecord stages the protected bytes b of record n in $MFT and, for
// mirrored records, in $MFTMirr.
func (tx *Tx) putRawRecord(n mft.RecordNumber, b []byte, action string) error {
	v := tx.v
	if err := tx.writeStream(v.mft, int64(n)*int64(v.recordSize), b); err != nil {
		return fmt.Errorf("volume: write record %d: %w", n, err)
	}
	if v.mirrored(n) {
		if err := tx.writeMirror(n, b); err != nil {
			return err
		}
	}
	if _, ok := tx.recAct.get(n); !ok {
		tx.recAct.set(n, action)
	}
	if n == 0 {
		if err := v.loadMFT(); err != nil {
			return fmt.Errorf("volume: reload $MFT: %w", err)
		}
	}
	return nil
}

// writeMirror stages b as record n of $MFTMirr.
func (tx *Tx) writeMirror(n mft.RecordNumber, b []byte) error {
	v := tx.v
	if tx.mirror == nil {
		f, err := v.File(mft.RecordMFTMirr)
		if err != nil {
			return fmt.Errorf("volume: $MFTMirr: %w", err)
		}
		if tx.mirror, err = f.Stream(""); err != nil {
			return fmt.Errorf("volume: $MFTMirr: %w", err)
		}
	}
	off := int64(n) * int64(v.recordSize)
	if off+int64(len(b)) > tx.mirror.Size() {
		return nil
	}
	if err := tx.writeStream(tx.mirror, off, b); err != nil {
		return fmt.Errorf("volume: write $MFTMirr record %d: %w", n, err)
	}
	return nil
}

// syncMirror copies the mirrored records of $MFT (as the transaction sees
// them) into $MFTMirr; it returns the records that differed.
func (tx *Tx) syncMirror() ([]mft.RecordNumber, error) {
	v := tx.v
	f, err := v.File(mft.RecordMFTMirr)
	if err != nil {
		return nil, fmt.Errorf("volume: $MFTMirr: %w", err)
	}
	s, err := f.Stream("")
	if err != nil {
		return nil, fmt.Errorf("volume: $MFTMirr: %w", err)
	}
	n := min(s.Size()/int64(v.recordSize), v.mirrorRecords(), v.records)
	var changed []mft.RecordNumber
	for i := range n {
		r := mft.RecordNumber(i)
		a, err := v.rawRecordFrom(s, r)
		if err != nil {
			return nil, err
		}
		b, err := v.RawRecord(r)
		if err != nil {
			return nil, err
		}
		if string(a) == string(b) {
			continue
		}
		if err := tx.writeMirror(r, b); err != nil {
			return nil, err
		}
		changed = append(changed, r)
	}
	return changed, nil
}

// fixLinkCount sets record n's link count to its number of $FILE_NAME
// attributes (DOS names included, as Windows counts them).
func (tx *Tx) fixLinkCount(n mft.RecordNumber) (bool, error) {
	fe, err := tx.editFile(n)
	if err != nil {
		return false, err
	}
	if int(fe.base().LinkCount) == len(fe.all(mft.AttrFileName)) {
		return false, nil
	}
	fe.recs[0].dirty = true
	return true, fe.save()
}

// fixReparseFlag makes FILE_ATTRIBUTE_REPARSE_POINT in record n's
// $STANDARD_INFORMATION say whether it has a $REPARSE_POINT.
func (tx *Tx) fixReparseFlag(n mft.RecordNumber) (bool, error) {
	fe, err := tx.editFile(n)
	if err != nil {
		return false, err
	}
	r, ok := fe.find(mft.AttrStandardInformation, nil)
	if !ok || r.attr().NonResident {
		return false, fmt.Errorf("volume: record %d has no resident $STANDARD_INFORMATION", n)
	}
	si, err := mft.DecodeStandardInfo(r.attr().Value)
	if err != nil {
		return false, &RecordError{Record: n, Err: err}
	}
	_, has := fe.find(mft.AttrReparsePoint, nil)
	want := si.Attributes &^ mft.FileReparsePoint
	if has {
		want |= mft.FileReparsePoint
	}
	if want == si.Attributes {
		return false, nil
	}
	si.Attributes = want
	val, err := si.AppendBinary(nil)
	if err != nil {
		return false, err
	}
	r.attr().Value = val
	fe.changed(r)
	return true, fe.save()
}

// addReparseKey inserts the $Extend\$Reparse key of record n's reparse
// point; it reports false when the key is already there.
func (tx *Tx) addReparseKey(n mft.RecordNumber) (bool, error) {
	f, err := tx.v.File(n)
	if err != nil {
		return false, err
	}
	a := f.Attr(mft.AttrReparsePoint, nil)
	if a == nil {
		return false, fmt.Errorf("volume: record %d has no $REPARSE_POINT", n)
	}
	fi := fileInfoOf(f)
	if !fi.hasTag {
		return false, fmt.Errorf("volume: record %d: $REPARSE_POINT too short for a tag", n)
	}
	err = tx.reparseIndexInsert(fi.tag, f.Ref())
	if errors.Is(err, index.ErrExists) {
		return false, nil
	}
	return err == nil, err
}

// dropReparseKey removes the $Extend\$Reparse key (tag, ref).
func (tx *Tx) dropReparseKey(tag reparse.Tag, ref mft.FileRef) error {
	return tx.reparseIndexDelete(tag, ref)
}

// fileInfoOf is fileEdit.info for a File read outside an edit.
func fileInfoOf(f *File) nameInfo {
	var fi nameInfo
	fi.dir = f.IsDir()
	if si, err := f.StandardInfo(); err == nil {
		fi.si, fi.siExists = si, true
	}
	if a := f.Attr(mft.AttrData, nil); a != nil && !fi.dir {
		fi.setData(a)
	}
	if a := f.Attr(mft.AttrReparsePoint, nil); a != nil {
		v := a.Value
		if a.NonResident {
			if s, err := f.AttrStream(mft.AttrReparsePoint, nil); err == nil {
				b := make([]byte, 4)
				if s.readFull(b, 0) == nil {
					v = b
				}
			}
		}
		if len(v) >= 4 {
			fi.tag, fi.hasTag = reparse.Tag(le32(v)), true
		}
	}
	return fi
}

// indexCopy is the $I30 key for the record's name fn: the record's
// $FILE_NAME with the sizes of its data, the directory flag and, for a
// reparse point, the reparse flag and tag (as the writer makes entries).
func (fi nameInfo) indexCopy(fn mft.FileName) mft.FileName {
	k := fn
	k.AllocatedSize, k.DataSize = fi.alloc, fi.size
	if fi.dir {
		k.Attributes |= mft.FileDupDirectory
	} else {
		k.Attributes &^= mft.FileDupDirectory
	}
	if fi.hasTag {
		k.Attributes |= mft.FileReparsePoint
		k.EAReparse = uint32(fi.tag)
	} else if k.Attributes&mft.FileReparsePoint != 0 {
		k.Attributes &^= mft.FileReparsePoint
		k.EAReparse = 0
	}
	return k
}

// childName is one $FILE_NAME of an in-use record, as an index entry.
//
// Not an on-disk structure.
type childName struct {
	ref mft.FileRef
	key []byte // the index copy
}

// childNames scans $MFT for the names whose parent is one of dirs (with
// that directory's sequence number) and returns them by directory.
func (tx *Tx) childNames(dirs map[mft.RecordNumber]mft.FileRef) (map[mft.RecordNumber][]childName, error) {
	v := tx.v
	out := map[mft.RecordNumber][]childName{}
	want := func(raw []byte) bool { return headerIs(raw, true, false) && mayHaveParent(raw, dirs) }
	err := v.scanRecords(want, func(f *File, err error) error {
		if err != nil {
			return nil // unreadable records are check's findings, not names
		}
		names, err := f.Names()
		if err != nil {
			return nil
		}
		var fi *nameInfo
		for _, fn := range names {
			d, ok := dirs[fn.Parent.Record()]
			if !ok || fn.Parent != d {
				continue
			}
			if fi == nil {
				x := fileInfoOf(f)
				fi = &x
			}
			key, err := fi.indexCopy(fn).AppendBinary(nil)
			if err != nil {
				return &RecordError{Record: f.Number(), Err: err}
			}
			out[d.Record()] = append(out[d.Record()], childName{ref: f.Ref(), key: key})
		}
		return nil
	}, nil)
	return out, err
}

// rebuildIndex throws away directory dir's $I30 B-tree (root entries and
// every INDX block) and inserts names, the index copies of every name
// whose parent is dir. The blocks' clusters stay with the directory and
// are reused by the new tree.
func (tx *Tx) rebuildIndex(dir mft.RecordNumber, names []childName) error {
	dfe, err := tx.editFile(dir)
	if err != nil {
		return err
	}
	if !dfe.base().IsDir() {
		return fmt.Errorf("volume: record %d is not a directory", dir)
	}
	ra, ok := dfe.find(mft.AttrIndexRoot, nameI30)
	if !ok || ra.attr().NonResident {
		return fmt.Errorf("volume: record %d has no resident $INDEX_ROOT $I30", dir)
	}
	// A fresh, empty root in place of the old one, which may not decode.
	root := &index.Root{AttrType: mft.AttrFileName, Collation: index.CollationFileName,
		BlockSize: uint32(tx.v.boot.IndexBlockSize), ClustersPerBlock: clustersPerBlock(tx.v.boot),
		Node: index.Node{Entries: []index.Entry{{Flags: index.EntryLast}}}}
	if old, err := index.DecodeRoot(ra.attr().Value); err == nil {
		root.BlockSize, root.ClustersPerBlock = old.BlockSize, old.ClustersPerBlock
	}
	rv, err := root.AppendBinary(nil)
	if err != nil {
		return err
	}
	ra.attr().Value = rv
	if err := ra.attr().Layout(); err != nil {
		return err
	}
	dfe.changed(ra)
	x, err := tx.openIndex(dfe, nameI30, tx.v.fileNameCompare)
	if err != nil {
		return err
	}
	// An allocation without its $BITMAP gets an empty one covering it.
	if _, ok := dfe.find(mft.AttrBitmap, nameI30); !ok && x.alloc != nil {
		blocks := x.alloc.Size() / x.bsize
		if err := dfe.add(mft.Attr{Type: mft.AttrBitmap, Name: nameI30, Value: make([]byte, (blocks+63)/64*8)}); err != nil {
			return err
		}
	}
	// Every block goes back to the $BITMAP; the new tree allocates anew.
	if br, ok := dfe.find(mft.AttrBitmap, nameI30); ok {
		a := br.attr()
		if a.NonResident {
			return fmt.Errorf("volume: record %d: non-resident index $BITMAP: not supported for writing", dir)
		}
		for bit := int64(0); bit < int64(len(a.Value))*8; bit++ {
			if a.Value[bit/8]&(1<<(bit%8)) != 0 {
				if err := x.freeBlock(mft.VCN(bit * x.bsize / x.unit)); err != nil {
					return err
				}
			}
		}
	}
	// Inserted in a scrambled (but fixed) order: B-tree nodes split in
	// half, so keys in collation order would leave every block half full,
	// while keys in random order fill them to about 70%.
	sort.Slice(names, func(i, j int) bool {
		hi, hj := scramble(names[i].key), scramble(names[j].key)
		if hi != hj {
			return hi < hj
		}
		return tx.v.fileNameCompare(names[i].key, names[j].key) < 0
	})
	for _, n := range names {
		if err := x.ed.Insert(index.Entry{Ref: n.ref, Key: n.key}); err != nil {
			if errors.Is(err, index.ErrExists) {
				continue // two records claim one name: the first keeps it
			}
			return fmt.Errorf("volume: directory %d: insert %q: %w", dir, mft.NameString(keyName(n.key)), err)
		}
	}
	if err := x.close(); err != nil {
		return err
	}
	return dfe.save()
}

// dropEntry removes the entry named name from directory dir's $I30. It
// reports false when there is no such entry.
func (tx *Tx) dropEntry(dir mft.RecordNumber, name []uint16) (bool, error) {
	key, err := mft.FileName{Name: name}.AppendBinary(nil)
	if err != nil {
		return false, err
	}
	err = tx.indexDelete(dir, key)
	if errors.Is(err, index.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// insertEntry adds the index entry of record n's name fn (whose parent
// names the directory) to that directory.
func (tx *Tx) insertEntry(n mft.RecordNumber, fn mft.FileName) error {
	f, err := tx.v.File(n)
	if err != nil {
		return err
	}
	key, err := fileInfoOf(f).indexCopy(fn).AppendBinary(nil)
	if err != nil {
		return err
	}
	return tx.indexInsert(fn.Parent.Record(), f.Ref(), key)
}

// recordName finds record n's $FILE_NAME called name (parent any when
// parent is 0).
func (tx *Tx) recordName(n mft.RecordNumber, parent mft.RecordNumber, name []uint16) (mft.FileName, bool, error) {
	f, err := tx.v.File(n)
	if err != nil {
		return mft.FileName{}, false, err
	}
	if !f.InUse() {
		return mft.FileName{}, false, nil
	}
	names, err := f.Names()
	if err != nil {
		return mft.FileName{}, false, err
	}
	for _, fn := range names {
		if equalName(fn.Name, name) && (parent == 0 || fn.Parent.Record() == parent) {
			return fn, true, nil
		}
	}
	return mft.FileName{}, false, nil
}

// setNameParent changes the parent of record n's $FILE_NAME called name
// from old to the directory parent (its current reference).
func (tx *Tx) setNameParent(n mft.RecordNumber, name []uint16, old mft.RecordNumber, parent mft.RecordNumber) error {
	pf, err := tx.v.File(parent)
	if err != nil {
		return err
	}
	fe, err := tx.editFile(n)
	if err != nil {
		return err
	}
	for _, r := range fe.all(mft.AttrFileName) {
		fn, err := mft.DecodeFileName(r.attr().Value)
		if err != nil {
			return &RecordError{Record: n, Err: err}
		}
		if !equalName(fn.Name, name) || fn.Parent.Record() != old {
			continue
		}
		fn.Parent = pf.Ref()
		val, err := fn.AppendBinary(nil)
		if err != nil {
			return err
		}
		r.attr().Value = val
		fe.changed(r)
		return fe.save()
	}
	return fmt.Errorf("%w: record %d has no $FILE_NAME %q in directory %d", ErrNotExist, n, mft.NameString(name), old)
}

// dropNames removes record n's $FILE_NAMEs for which drop is true and
// returns them; the link count follows.
func (tx *Tx) dropNames(fe *fileEdit, drop func(fn mft.FileName) bool) ([]mft.FileName, error) {
	var gone []mft.FileName
	for {
		found := false
		for _, r := range fe.all(mft.AttrFileName) {
			fn, err := mft.DecodeFileName(r.attr().Value)
			if err != nil {
				return nil, &RecordError{Record: fe.num(), Err: err}
			}
			if drop(fn) {
				gone = append(gone, fn)
				fe.remove(r)
				found = true
				break
			}
		}
		if !found {
			return gone, nil
		}
	}
}

// FoundDir is where repair puts files that lost every name, as chkdsk
// does.
const FoundDir = "/found.000"

// adoptOrphan gives record n, whose names all lie in directories that do
// not exist, a name in FoundDir (created when needed): its first Win32 or
// POSIX name, made unique with the record number when taken. The old
// names are removed. It returns the new path.
func (tx *Tx) adoptOrphan(n mft.RecordNumber, bad func(fn mft.FileName) bool) (string, error) {
	fe, err := tx.editFile(n)
	if err != nil {
		return "", err
	}
	gone, err := tx.dropNames(fe, bad)
	if err != nil {
		return "", err
	}
	if len(fe.all(mft.AttrFileName)) > 0 {
		// Other names remain: the file is reachable through them.
		return "", fe.save()
	}
	name := fmt.Sprintf("file%04d.chk", n)
	if fe.base().IsDir() {
		name = fmt.Sprintf("dir%04d.chk", n)
	}
	for _, fn := range gone {
		if fn.Namespace != mft.NamespaceDOS && len(fn.Name) > 0 {
			name = fn.NameString()
			break
		}
	}
	dir, err := tx.lookup(FoundDir)
	if errors.Is(err, fs.ErrNotExist) {
		if err = tx.Mkdir(FoundDir); err == nil {
			dir, err = tx.lookup(FoundDir)
		}
	}
	if err != nil {
		return "", fmt.Errorf("volume: %s: %w", FoundDir, err)
	}
	if _, err := tx.lookupIn(dir, name); err == nil {
		name = fmt.Sprintf("%s.%d", name, n)
	}
	// The record was re-read by lookups: edit it afresh.
	fe.recs[0].dirty = true
	if err := fe.save(); err != nil {
		return "", err
	}
	fe, err = tx.editFile(n)
	if err != nil {
		return "", err
	}
	if err := tx.addName(fe, dir, name); err != nil {
		return "", err
	}
	return JoinPath(FoundDir, name), nil
}

// scramble is the FNV-1a hash of a key's name.
func scramble(key []byte) uint64 {
	h := uint64(14695981039346656037)
	if len(key) > 0x42 {
		key = key[0x42:]
	}
	for _, c := range key {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// sortAttrs puts record n's attributes in the order NTFS keeps them: by
// type, then by name through $UpCase. It reports whether anything moved.
func (tx *Tx) sortAttrs(n mft.RecordNumber) (bool, error) {
	rec, err := tx.readRecord(n)
	if err != nil {
		return false, err
	}
	less := func(a, b *mft.Attr) int {
		if a.Type != b.Type {
			if a.Type < b.Type {
				return -1
			}
			return 1
		}
		return tx.v.upcase.CompareNames(a.Name, b.Name)
	}
	if sort.SliceIsSorted(rec.Attrs, func(i, j int) bool { return less(&rec.Attrs[i], &rec.Attrs[j]) < 0 }) {
		return false, nil
	}
	sort.SliceStable(rec.Attrs, func(i, j int) bool { return less(&rec.Attrs[i], &rec.Attrs[j]) < 0 })
	return true, tx.putRecord(rec, "update")
}

// fixInstances makes record n's attribute instance numbers unique and
// below its next instance number: the next instance number moves past
// the largest, and a repeated one is renumbered. A record whose
// attributes an $ATTRIBUTE_LIST names by instance (an extension record,
// or a base record with a list) only gets its next instance number
// raised: renumbering would orphan list entries.
func (tx *Tx) fixInstances(n mft.RecordNumber) (bool, error) {
	rec, err := tx.readRecord(n)
	if err != nil {
		return false, err
	}
	listed := !rec.IsBase() || rec.Find(mft.AttrAttributeList, nil) != nil
	next := rec.NextAttrID
	for i := range rec.Attrs {
		next = max(next, rec.Attrs[i].ID+1)
	}
	changed := next != rec.NextAttrID
	seen := map[uint16]bool{}
	for i := range rec.Attrs {
		a := &rec.Attrs[i]
		if seen[a.ID] {
			if listed {
				return false, fmt.Errorf("volume: record %d: repeated attribute instance %d named by an $ATTRIBUTE_LIST: not renumbered", n, a.ID)
			}
			a.ID = next
			next++
			changed = true
		}
		seen[a.ID] = true
	}
	if !changed {
		return false, nil
	}
	rec.NextAttrID = next
	return true, tx.putRecord(rec, "update")
}

// fixSecurityID gives record n, whose $STANDARD_INFORMATION names a
// security id $Secure does not have, its parent directory's id (what a
// new file there would inherit), or, when that is not valid either, the
// lowest id $Secure has. It returns the id set.
func (tx *Tx) fixSecurityID(n mft.RecordNumber) (uint32, error) {
	v := tx.v
	s, err := v.Secure()
	if err != nil {
		return 0, err
	}
	f, err := v.File(n)
	if err != nil {
		return 0, err
	}
	id := uint32(0)
	if names, err := f.Names(); err == nil && len(names) > 0 {
		if pf, err := v.File(names[0].Parent.Record()); err == nil {
			if psi, err := pf.StandardInfo(); err == nil {
				if _, ok := s.byID[psi.SecurityID]; ok {
					id = psi.SecurityID
				}
			}
		}
	}
	if id == 0 {
		for k := range s.byID {
			if id == 0 || k < id {
				id = k
			}
		}
	}
	if id == 0 {
		return 0, errors.New("volume: $Secure holds no security id")
	}
	fe, err := tx.editFile(n)
	if err != nil {
		return 0, err
	}
	r, ok := fe.find(mft.AttrStandardInformation, nil)
	if !ok || r.attr().NonResident {
		return 0, fmt.Errorf("volume: record %d has no resident $STANDARD_INFORMATION", n)
	}
	si, err := mft.DecodeStandardInfo(r.attr().Value)
	if err != nil {
		return 0, &RecordError{Record: n, Err: err}
	}
	si.SecurityID = id
	val, err := si.AppendBinary(nil)
	if err != nil {
		return 0, err
	}
	r.attr().Value = val
	fe.changed(r)
	return id, fe.save()
}

// clearDirty clears the dirty flag in $Volume's $VOLUME_INFORMATION (and,
// through the record's mirror copy, in $MFTMirr), as chkdsk does once the
// volume is consistent. It reports whether the flag was set.
func (tx *Tx) clearDirty() (bool, error) {
	fe, err := tx.editFile(mft.RecordVolume)
	if err != nil {
		return false, err
	}
	r, ok := fe.find(mft.AttrVolumeInformation, nil)
	if !ok || r.attr().NonResident {
		return false, errors.New("volume: $Volume has no resident $VOLUME_INFORMATION")
	}
	vi, err := mft.DecodeVolumeInfo(r.attr().Value)
	if err != nil {
		return false, &RecordError{Record: mft.RecordVolume, Err: err}
	}
	if vi.Flags&mft.VolumeDirty == 0 {
		return false, nil
	}
	vi.Flags &^= mft.VolumeDirty
	val, err := vi.AppendBinary(nil)
	if err != nil {
		return false, err
	}
	r.attr().Value = val
	fe.changed(r)
	return true, fe.save()
}

// mayHaveParent reports, from a record's bytes before fixups, whether it
// may have a $FILE_NAME whose parent is one of dirs: false only when every
// attribute header reads cleanly, there is no $ATTRIBUTE_LIST (names could
// live in extension records), and no resident $FILE_NAME's parent
// reference (clear of the sector ends fixups change) names one of dirs.
// It lets a scan skip decoding most records.
func mayHaveParent(raw []byte, dirs map[mft.RecordNumber]mft.FileRef) bool {
	le := binary.LittleEndian
	off := int(le.Uint16(raw[0x14:]))
	for n := 0; n < 512; n++ {
		if off < 0x18 || off+8 > len(raw) {
			return true
		}
		t := mft.AttrType(le.Uint32(raw[off:]))
		if t == mft.AttrEnd {
			return false
		}
		l := int(le.Uint32(raw[off+4:]))
		if l < 0x18 || off+l > len(raw) {
			return true
		}
		switch t {
		case mft.AttrAttributeList:
			return true
		case mft.AttrFileName:
			if raw[off+8] != 0 {
				return true
			}
			vo := off + int(le.Uint16(raw[off+0x14:]))
			if vo+8 > off+l {
				return true
			}
			for k := vo; k < vo+8; k++ {
				if k%mft.SectorSize >= mft.SectorSize-2 {
					return true // the reference touches a sector's protected last bytes
				}
			}
			if _, ok := dirs[mft.RecordNumber(le.Uint64(raw[vo:])&0xFFFFFFFFFFFF)]; ok {
				return true
			}
		}
		off += l
	}
	return true
}

// reclaimExtension marks in use again the extension record ext that base's
// $ATTRIBUTE_LIST names but that was freed (its in-use flag or bitmap bit
// cleared) while it still holds base's attributes: its signature, base
// reference and sequence number are intact and it decodes. It reports
// false when ext is in use already.
func (tx *Tx) reclaimExtension(base mft.RecordNumber, ext mft.FileRef) (bool, error) {
	v := tx.v
	b, err := v.Record(base)
	if err != nil {
		return false, err
	}
	n := ext.Record()
	rec, err := v.Record(n)
	if err != nil {
		return false, err
	}
	if rec.InUse() {
		return false, nil
	}
	switch {
	case !b.InUse() || !b.IsBase():
		return false, fmt.Errorf("volume: record %d is not an in-use base record", base)
	case rec.Base != mft.MakeFileRef(base, b.Seq):
		return false, fmt.Errorf("volume: record %d now belongs to %s, not to record %d", n, rec.Base, base)
	case rec.Seq != ext.Seq():
		return false, fmt.Errorf("volume: record %d has sequence number %d, the list names %d", n, rec.Seq, ext.Seq())
	}
	rec.Flags |= mft.RecordInUse
	if err := tx.putRecord(rec, "update"); err != nil {
		return false, err
	}
	bm, err := tx.mftBitmap()
	if err != nil {
		return false, err
	}
	if !bm.get(int64(n)) {
		bm.put(tx, int64(n), 1, true)
	}
	return true, nil
}

// freeExtension frees the extension record n that no in-use base record
// claims (its base is gone, reused, or its list does not name it): the
// record and the clusters of its non-resident attributes.
func (tx *Tx) freeExtension(n mft.RecordNumber) error {
	rec, err := tx.v.Record(n)
	if err != nil {
		return err
	}
	if rec.IsBase() {
		return fmt.Errorf("volume: record %d is a base record", n)
	}
	if !rec.InUse() {
		return nil
	}
	for i := range rec.Attrs {
		if a := &rec.Attrs[i]; a.NonResident {
			if err := tx.freeRuns(a.Runs); err != nil {
				return err
			}
		}
	}
	rec.Flags &^= mft.RecordInUse
	rec.Seq = nextSeq(rec.Seq)
	if err := tx.putRecord(rec, "free"); err != nil {
		return err
	}
	bm, err := tx.mftBitmap()
	if err != nil {
		return err
	}
	bm.free(int64(n), 1)
	return nil
}
