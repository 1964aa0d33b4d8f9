package volume

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"sort"
	"strings"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// A hard link to a file the transaction has not decoded is the writer's
// commonest edit in bulk (a tree of links made at once), and the one
// whose record changes least: one $FILE_NAME is added, the change time
// of $STANDARD_INFORMATION set, and three header fields follow. linkRaw
// makes that change on the record's bytes: it decodes the record only to
// check it (into one scratch record, nothing kept), splices the new
// attribute in, and stages the result. The bytes are those the general
// path (editFile, touch, addName, save) writes: TestLinkRawSameBytes
// compares the two on several volumes.
//
// Anything the splice does not cover (DOS names asked for, a file the
// transaction holds decoded, an attribute list, a record without room, a
// non-resident $STANDARD_INFORMATION or reparse point, a path that is
// not clean) goes the general way, which also reports every error.

// linkScratch is linkRaw's reusable memory.
//
// Not an on-disk structure.
type linkScratch struct {
	raw   []byte     // the record being changed
	rec   mft.Record // its decoding, for the checks
	offs  []int      // offset of each attribute of rec
	val   []byte     // the new $FILE_NAME value
	units []uint16   // the new name
	// spliced are the records linkRaw staged in this transaction.
	spliced splicedSet
}

// splicedSet holds the records linkRaw staged in a transaction, each
// with the update sequence number it had before (in pages of record
// numbers).
//
// Not an on-disk structure.
type splicedSet struct {
	pages [][]uint32 // 0: not spliced; else 1<<16 | the USN before
}

const splicedPage = 1 << 14 // record numbers per page

// usn returns the update sequence number record n had before the
// transaction spliced it, and whether it did.
func (s *splicedSet) usn(n mft.RecordNumber) (uint16, bool) {
	p, i := int(n/splicedPage), n%splicedPage
	if p >= len(s.pages) || s.pages[p] == nil || s.pages[p][i] == 0 {
		return 0, false
	}
	return uint16(s.pages[p][i]), true
}

func (s *splicedSet) has(n mft.RecordNumber) bool {
	_, ok := s.usn(n)
	return ok
}

// add notes record n spliced, with its USN before the transaction.
func (s *splicedSet) add(n mft.RecordNumber, usn uint16) {
	p, i := int(n/splicedPage), n%splicedPage
	if p >= len(s.pages) {
		s.pages = append(s.pages, make([][]uint32, p+1-len(s.pages))...)
	}
	if s.pages[p] == nil {
		s.pages[p] = make([]uint32, splicedPage)
	}
	s.pages[p][i] = 1<<16 | uint32(usn)
}

// linkRaw is Link for the case above. done is false, with nothing
// changed, when the general path must do it.
func (tx *Tx) linkRaw(existing, newPath string) (done bool, err error) {
	v := tx.v
	if v.wopts.DOSNames || v.mftOnly != nil || tx.noRawLink || !isCleanPath(existing) || !isCleanPath(newPath) {
		return false, nil
	}
	// Entries appended to an index stay so (txappend.go): a lookup here
	// that needs them fails, and the general path takes the link.
	tx.inLinkRaw = true
	defer func() { tx.inLinkRaw = false }()
	// The file: its entry in its directory, its record not decoded.
	i := strings.LastIndexByte(existing, '/')
	sdir, err := tx.resolve(existing[:max(i, 1)])
	if err != nil || sdir == nil {
		return false, nil
	}
	e, err := tx.lookupEntry(sdir, existing[i+1:])
	if err != nil {
		return false, nil
	}
	num := e.Ref.Record()
	if num < mft.RecordFirstUser || tx.files.get(num) != nil {
		return false, nil
	}
	// The new name's directory, and the name free in it.
	j := strings.LastIndexByte(newPath, '/')
	dfe, err := tx.resolve(newPath[:max(j, 1)])
	if err != nil || dfe == nil || !dfe.base().IsDir() || len(dfe.recs) == 0 {
		return false, nil
	}
	name := newPath[j+1:]
	if validName(name) != nil {
		return false, nil
	}
	sc := &tx.linkScratch
	sc.units = appendUnits(sc.units[:0], name)
	x, err := tx.openIndex(dfe, nameI30, tx.nameCompare())
	if err != nil {
		return false, nil
	}
	// A name after every name of the directory and of those appended to
	// it is new there, and its entry is appended too; another one is
	// looked up, the appended ones inserted first.
	appending := len(x.appended) > 0 && tx.appendable(x, sc.units)
	if !appending {
		if len(x.appended) > 0 {
			if err := tx.insertAppended(x); err != nil {
				return true, pathErr("link", newPath, err)
			}
		}
		if _, err := tx.lookupEntry(dfe, name); !errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if x, err = tx.openIndex(dfe, nameI30, tx.nameCompare()); err != nil {
			return false, nil
		}
		appending = tx.appendable(x, sc.units)
	}
	fi, ok := tx.readLinkable(num, e.Ref)
	if !ok {
		return false, nil
	}
	// The new attribute: a resident, indexed $FILE_NAME in the POSIX
	// namespace (see addName), laid out as mft.Attr.Layout does.
	parent := dfe.ref()
	sc.val, err = fi.fileName(parent, sc.units, mft.NamespacePOSIX, false).AppendBinary(sc.val[:0])
	if err != nil {
		return false, nil
	}
	const hdr = 0x18 // resident attribute header, no name
	alen := (hdr + len(sc.val) + 7) &^ 7
	rec := &sc.rec
	end := sc.offs[len(sc.offs)-1] // the end marker
	if end+alen+8 > int(rec.BytesAllocated) {
		return false, nil // the general path moves attributes out
	}
	// Where insertAttr puts it: after the attributes of its type.
	at := sort.Search(len(rec.Attrs), func(k int) bool { return rec.Attrs[k].Type > mft.AttrFileName })
	pos := sc.offs[at]
	b := sc.raw
	copy(b[pos+alen:], b[pos:end])
	a := b[pos : pos+alen]
	clear(a)
	le := binary.LittleEndian
	le.PutUint32(a[0:], uint32(mft.AttrFileName))
	le.PutUint32(a[4:], uint32(alen))
	le.PutUint16(a[0x0A:], hdr) // name offset (no name)
	le.PutUint16(a[0x0E:], rec.NextAttrID)
	le.PutUint32(a[0x10:], uint32(len(sc.val)))
	le.PutUint16(a[0x14:], hdr)
	a[0x16] = mft.ResidentIndexed
	copy(a[hdr:], sc.val)
	end += alen
	le.PutUint32(b[end:], uint32(mft.AttrEnd))
	le.PutUint32(b[end+4:], 0) // the marker moved: no stale length
	le.PutUint16(b[0x12:], uint16(fi.names+1))
	le.PutUint32(b[0x18:], uint32(end+8))
	le.PutUint16(b[0x28:], rec.NextAttrID+1)
	// One new update sequence number per transaction, as the general
	// path gives a file it keeps decoded: a record spliced before holds
	// it already.
	before := usnOf(b, rec)
	if !sc.spliced.has(num) {
		if _, err := mft.NextUSN(b); err != nil {
			return false, nil
		}
	}
	if err := mft.ProtectFixups(b); err != nil {
		return false, nil
	}
	// From here on the link is made or the error is the transaction's.
	// Not staged before in this transaction, the record was read from
	// the volume, in use.
	tx.recAct.noteBefore(num, true)
	if err := tx.stageRecord(num, b, "update"); err != nil {
		return true, pathErr("link", existing, err)
	}
	if !sc.spliced.has(num) {
		sc.spliced.add(num, before)
	}
	key, err := fi.fileName(parent, sc.units, mft.NamespacePOSIX, true).AppendBinary(tx.slab.bytes(fileNameLen(sc.units)))
	if err != nil {
		return true, pathErr("link", newPath, err)
	}
	if appending {
		if err := tx.appendEntry(x, index.Entry{Ref: e.Ref, Key: key}); err != nil {
			return true, pathErr("link", newPath, err)
		}
	} else if err := tx.indexInsert(dfe.num(), e.Ref, key); err != nil {
		return true, pathErr("link", newPath, err)
	}
	tx.rawLinks++
	return true, nil
}

// linkInfo is nameInfo with the file's count of names.
//
// Not an on-disk structure.
type linkInfo struct {
	nameInfo
	names int
}

// readLinkable reads record num into the scratch, checks that linkRaw
// can add a name to it (an in-use base record of a file whose sequence
// number ref carries, no attribute list, under MaxLinks names, resident
// $STANDARD_INFORMATION and reparse point), sets its change time as touch
// does, and returns what the new name's $FILE_NAME carries.
func (tx *Tx) readLinkable(num mft.RecordNumber, ref mft.FileRef) (linkInfo, bool) {
	v := tx.v
	sc := &tx.linkScratch
	var fi linkInfo
	size := v.recordSize
	if num >= mft.RecordNumber(v.mft.size/int64(size)) {
		return fi, false
	}
	tx.readAhead(num)
	if cap(sc.raw) < size {
		sc.raw = make([]byte, size)
	}
	raw := sc.raw[:size]
	sc.raw = raw
	if off := int64(num) * int64(size); !tx.window.read(v.mft, raw, off) {
		if _, err := v.mft.ReadAt(raw, off); err != nil {
			return fi, false
		}
	}
	rec := &sc.rec
	if err := v.decodeRecordInto(rec, num, raw); err != nil {
		return fi, false
	}
	if !rec.InUse() || !rec.IsBase() || rec.IsDir() || rec.Seq != ref.Seq() || int(rec.BytesAllocated) != size {
		return fi, false
	}
	sc.offs = sc.offs[:0]
	off := int(rec.AttrOffset)
	var si, data, rp = -1, -1, -1
	for k := range rec.Attrs {
		a := &rec.Attrs[k]
		sc.offs = append(sc.offs, off)
		off += int(a.Length)
		switch a.Type {
		case mft.AttrAttributeList:
			return fi, false
		case mft.AttrFileName:
			fi.names++
		case mft.AttrStandardInformation:
			if si < 0 && len(a.Name) == 0 && (!a.NonResident || a.StartVCN == 0) {
				si = k
			}
		case mft.AttrData:
			if data < 0 && len(a.Name) == 0 && (!a.NonResident || a.StartVCN == 0) {
				data = k
			}
		case mft.AttrReparsePoint:
			if rp < 0 && len(a.Name) == 0 && (!a.NonResident || a.StartVCN == 0) {
				rp = k
			}
		}
	}
	sc.offs = append(sc.offs, off) // the end marker
	if fi.names+1 > MaxLinks || si < 0 || rec.Attrs[si].NonResident {
		return fi, false
	}
	// touch: the change time, in place (a value of either size keeps it
	// at 0x10).
	s, err := mft.DecodeStandardInfo(rec.Attrs[si].Value)
	if err != nil {
		return fi, false
	}
	if s.MFTModified != tx.now {
		s.MFTModified = tx.now
		binary.LittleEndian.PutUint64(rec.Attrs[si].Value[0x10:], uint64(tx.now))
	}
	fi.si, fi.siExists = s, true
	if data >= 0 {
		fi.setData(&rec.Attrs[data])
	}
	if rp >= 0 {
		a := &rec.Attrs[rp]
		if a.NonResident {
			return fi, false
		}
		if len(a.Value) >= 4 {
			fi.tag = reparse.Tag(le32(a.Value))
			fi.hasTag = true
		}
	}
	return fi, true
}

// usnOf is the update sequence number in the decoded bytes b of rec.
func usnOf(b []byte, rec *mft.Record) uint16 {
	if int(rec.USAOffset)+2 > len(b) {
		return 0
	}
	return binary.LittleEndian.Uint16(b[rec.USAOffset:])
}

// unsplice gives a record decoded from what linkRaw staged the update
// sequence number it had before the transaction, so that saving it
// again gives it the one new number the splice gave (the general path
// numbers a file it keeps decoded the same way).
func (tx *Tx) unsplice(rec *mft.Record, n mft.RecordNumber) {
	if usn, ok := tx.linkScratch.spliced.usn(n); ok {
		if b := rec.Bytes(); int(rec.USAOffset)+2 <= len(b) {
			binary.LittleEndian.PutUint16(b[rec.USAOffset:], usn)
		}
	}
}
