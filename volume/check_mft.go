package volume

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ntfsedit/ntfsedit/mft"
)

// checkBatch is how many records one read of the record pass covers.
const checkBatch = 1024

// batchResult is what the record pass found in one batch of records, kept
// apart so that batches can be scanned in parallel and merged in order.
// Not an on-disk structure.
type batchResult struct {
	findings []Finding
	names    []checkName
	extents  []extentClaim
	exts     []extRef
	lists    []extRef           // records a base record's $ATTRIBUTE_LIST names: rec is the base, base the named reference
	nonresAL []mft.RecordNumber // base records with a non-resident $ATTRIBUTE_LIST, read after the pass
	updates  []extUpdate
	reparse  []mft.RecordNumber // non-resident $REPARSE_POINT: tag read after the pass
}

// extUpdate is something an extension record holds for its base record.
type extUpdate struct {
	base     mft.RecordNumber
	dataSize int64 // >= 0: the unnamed $DATA's size
	tag      uint32
	reparse  bool
	bad      bool // the extension record could not be decoded
	i30      bool // the extension record holds the $I30 $INDEX_ROOT
}

// scanMFT reads every record once, in batches, on up to two goroutines.
func (c *checker) scanMFT() error {
	v := c.v
	c.recs = make([]checkRec, v.records)
	nb := (v.records + checkBatch - 1) / checkBatch
	results := make([]batchResult, nb)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	workers := min(2, runtime.GOMAXPROCS(0))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs := int64(v.recordSize)
			buf := make([]byte, checkBatch*rs)
			rec := new(mft.Record)
			for {
				b := next.Add(1) - 1
				if b >= nb {
					return
				}
				first := b * checkBatch
				n := min(checkBatch, v.records-first)
				raw := buf[:n*rs]
				res := &results[b]
				res.names = make([]checkName, 0, n+n/8)
				if err := c.readMFT(raw, first*rs); err != nil {
					// Read record by record to locate what fails.
					for i := range n {
						r := raw[i*rs : (i+1)*rs]
						if err := c.readMFT(r, (first+i)*rs); err != nil {
							clear(r)
							res.findings = append(res.findings, Finding{Code: CodeRecordHeader, Record: mft.RecordNumber(first + i),
								Message: fmt.Sprintf("record %d unreadable: %v", first+i, err)})
						}
					}
				}
				for i := range n {
					c.scanRecord(mft.RecordNumber(first+i), raw[i*rs:(i+1)*rs], rec, res)
				}
				if d := done.Add(n); c.opts.Progress != nil && w == 0 {
					c.progress("records", d, v.records)
				}
			}
		}()
	}
	wg.Wait()
	sorted := true
	total, totalExt := 0, 0
	for i := range results {
		total += len(results[i].names)
		totalExt += len(results[i].extents)
	}
	c.names = make([]checkName, 0, total)
	c.extents = make([]extentClaim, 0, totalExt)
	for i := range results {
		r := &results[i]
		c.findings = append(c.findings, r.findings...)
		if len(r.names) > 0 && len(c.names) > 0 && r.names[0].rec < c.names[len(c.names)-1].rec {
			sorted = false
		}
		for j := 1; j < len(r.names) && sorted; j++ {
			sorted = r.names[j].rec >= r.names[j-1].rec
		}
		c.names = append(c.names, r.names...)
		c.extents = append(c.extents, r.extents...)
		r.names, r.extents = nil, nil
		c.exts = append(c.exts, r.exts...)
		for _, u := range r.updates {
			ri := &c.recs[u.base]
			if u.dataSize >= 0 {
				ri.dataSize = u.dataSize
				ri.flags |= flagData
			}
			if u.bad {
				ri.flags |= flagBad
			}
			if u.i30 {
				ri.flags |= flagI30
			}
			if u.reparse {
				ri.flags |= flagReparse
				ri.tag = u.tag
			}
		}
		for _, n := range r.reparse {
			c.readReparseTag(n)
		}
		c.lists = append(c.lists, r.lists...)
		for _, n := range r.nonresAL {
			c.readAttrList(n)
		}
	}
	for r := range c.recs {
		ri := &c.recs[r]
		if ri.flags&flagBase == 0 {
			continue
		}
		if ri.flags&flagI30 != 0 {
			c.dirs = append(c.dirs, mft.RecordNumber(r))
		}
		if ri.flags&flagBad == 0 && (ri.flags&flagDir != 0) != (ri.flags&flagI30 != 0) {
			c.add(Finding{Code: CodeDirFlag, Record: mft.RecordNumber(r), Offset: c.recordDevOffset(mft.RecordNumber(r), 0x16),
				Want: b2i(ri.flags&flagI30 != 0), Got: b2i(ri.flags&flagDir != 0),
				Message: fmt.Sprintf("record %d: directory flag %v but $I30 $INDEX_ROOT present %v", r, ri.flags&flagDir != 0, ri.flags&flagI30 != 0)})
		}
	}
	if !sorted {
		slices.SortStableFunc(c.names, func(a, b checkName) int { return int(a.rec) - int(b.rec) })
	}
	for i := range c.names {
		ri := &c.recs[c.names[i].rec]
		if ri.nameCount == 0 {
			ri.nameStart = int32(i)
		}
		ri.nameCount++
	}
	c.matched = make([]atomic.Bool, len(c.names))
	return nil
}

// readMFT reads $MFT bytes at off straight from the device: the pass
// reads each record once, so going through the page cache would only copy
// them twice.
func (c *checker) readMFT(p []byte, off int64) error {
	v := c.v
	if v.mft.resident != nil || v.mftOnly != nil || v.ov != nil {
		return v.mft.readFull(p, off)
	}
	if off+int64(len(p)) > v.mft.size {
		return fmt.Errorf("volume: $MFT: read of %d bytes at %d beyond its %d bytes", len(p), off, v.mft.size)
	}
	return v.readDirect(v.mft, p, off)
}

// readDirect reads p at off of a non-resident, uncompressed stream straight
// from the device, bypassing the page cache (for data read once).
// Resident, compressed or overlaid streams are read the usual way.
func (v *Volume) readDirect(s *Stream, p []byte, off int64) error {
	if s.resident != nil || s.cuShift != 0 || s.wof != nil || v.ov != nil || v.mftOnly != nil || off+int64(len(p)) > s.init {
		return s.readFull(p, off)
	}
	return s.readPlain(p, off, func(b []byte, dev int64) error {
		n, err := v.dev.ReadAt(b, dev)
		if n == len(b) {
			return nil
		}
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("volume: read %d bytes at volume offset 0x%x: %w", len(b), dev, err)
	})
}

// appendListRefs appends the records other than base that an attribute
// list names, each once.
func appendListRefs(out []extRef, base mft.RecordNumber, list []mft.AttrListEntry) []extRef {
	start := len(out)
	for _, e := range list {
		if e.Ref.Record() == base {
			continue
		}
		if !slices.ContainsFunc(out[start:], func(x extRef) bool { return x.base == e.Ref }) {
			out = append(out, extRef{rec: base, base: e.Ref})
		}
	}
	return out
}

// readAttrList reads the non-resident $ATTRIBUTE_LIST of base record n.
func (c *checker) readAttrList(n mft.RecordNumber) {
	rec, err := c.v.Record(n)
	if err == nil {
		var list []mft.AttrListEntry
		if list, err = c.v.attrListOf(rec, rec.Find(mft.AttrAttributeList, nil)); err == nil {
			c.lists = appendListRefs(c.lists, n, list)
			return
		}
	}
	c.add(Finding{Code: CodeAttrListCorrupt, Record: n, Attr: "$ATTRIBUTE_LIST", Message: fmt.Sprintf("record %d: non-resident $ATTRIBUTE_LIST unreadable: %v", n, err)})
	c.recs[n].flags |= flagBad
}

// readReparseTag reads the tag of a non-resident $REPARSE_POINT.
func (c *checker) readReparseTag(n mft.RecordNumber) {
	base := n
	f, err := c.v.File(n)
	if err == nil {
		var s *Stream
		if s, err = f.AttrStream(mft.AttrReparsePoint, nil); err == nil {
			var b [4]byte
			if err = s.readFull(b[:], 0); err == nil {
				c.recs[base].tag = le32(b[:])
				return
			}
		}
	}
	c.add(Finding{Code: CodeAttrCorrupt, Record: n, Attr: "$REPARSE_POINT", Message: fmt.Sprintf("record %d: non-resident $REPARSE_POINT unreadable: %v", n, err)})
}

// scanRecord checks one record (raw, fixups not yet applied) and records
// what later stages need in c.recs[num] and res.
func (c *checker) scanRecord(num mft.RecordNumber, raw []byte, rec *mft.Record, res *batchResult) {
	ri := &c.recs[num]
	bit := c.mftBit(int64(num))
	haveBitmap := c.mftBitmap != nil
	add := func(f Finding) {
		f.Record = num
		res.findings = append(res.findings, f)
	}
	if isZero(raw[:4]) {
		if haveBitmap && bit && num >= mft.RecordFirstUser {
			add(Finding{Code: CodeMFTBitmap, Severity: SevWarning, Want: 0, Got: 1,
				Message: fmt.Sprintf("record %d is marked in use in $MFT:$BITMAP but was never written", num)})
		}
		return
	}
	inUse := raw[0x16]&byte(mft.RecordInUse) != 0
	if string(raw[:4]) != "FILE" {
		if inUse || (haveBitmap && bit) {
			what := "bad signature"
			if string(raw[:4]) == "BAAD" {
				what = "marked BAAD (a torn write found by chkdsk)"
			}
			add(Finding{Code: CodeRecordHeader, Offset: c.recordDevOffset(num, 0),
				Message: fmt.Sprintf("record %d: %s (%q)", num, what, raw[:4])})
			c.markBad(ri, raw)
		}
		return
	}
	if err := mft.ApplyFixups(raw); err != nil {
		if !inUse && !(haveBitmap && bit) {
			return // a torn free record harms nothing
		}
		off := 0
		var ce *mft.CorruptError
		if errors.As(err, &ce) {
			off = ce.Offset
		}
		code := CodeRecordFixup
		if ce == nil || ce.Field != "update sequence number (torn write)" {
			code = CodeRecordHeader
		}
		msg := fmt.Sprintf("record %d: %v", num, err)
		if ce != nil {
			msg = fmt.Sprintf("record %d: bad %s at offset 0x%x (value %v)", num, ce.Field, ce.Offset, ce.Value)
		}
		add(Finding{Code: code, Offset: c.recordDevOffset(num, off), Message: msg})
		c.markBad(ri, raw)
		return
	}
	if err := mft.DecodeRecordHeader(rec, raw, num); err != nil {
		if inUse || (haveBitmap && bit) {
			off := 0
			var ce *mft.CorruptError
			if errors.As(err, &ce) {
				off = ce.Offset
			}
			add(Finding{Code: CodeRecordHeader, Offset: c.recordDevOffset(num, off), Message: fmt.Sprintf("record %d: %v", num, err)})
			c.markBad(ri, raw)
		}
		return
	}
	if !rec.InUse() {
		if haveBitmap && bit && num >= mft.RecordFirstUser {
			add(Finding{Code: CodeMFTBitmap, Severity: SevWarning, Want: 0, Got: 1,
				Message: fmt.Sprintf("record %d is not in use but marked in use in $MFT:$BITMAP", num)})
		}
		return
	}
	if !bit {
		add(Finding{Code: CodeMFTBitmap, Want: 1, Got: 0,
			Message: fmt.Sprintf("record %d is in use but its $MFT:$BITMAP bit is clear", num)})
	}
	ri.seq = rec.Seq
	ri.links = rec.LinkCount
	ri.flags = flagInUse
	base := num
	if rec.IsBase() {
		ri.flags |= flagBase
		if rec.IsDir() {
			ri.flags |= flagDir
		}
	} else {
		base = rec.Base.Record()
		res.exts = append(res.exts, extRef{rec: num, base: rec.Base})
		if int64(base) >= c.v.records {
			add(Finding{Code: CodeAttrListCorrupt, Ref: rec.Base,
				Message: fmt.Sprintf("extension record %d names base record %d, beyond $MFT", num, base)})
			return
		}
	}
	if rec.HasNumber && rec.Number != num&0xFFFFFFFF {
		add(Finding{Code: CodeRecordNumber, Offset: c.recordDevOffset(num, 0x2C), Want: int64(num & 0xFFFFFFFF), Got: int64(rec.Number),
			Message: fmt.Sprintf("record %d: header says it is record %d", num, rec.Number)})
	}
	c.scanAttrs(num, base, rec, ri, res, add)
}

// markBad keeps what the first sector of an unreadable in-use record
// says (sequence number, base), so that entries naming it are not
// reported as dangling, and marks it bad so that checks needing its
// attributes skip it.
func (c *checker) markBad(ri *checkRec, raw []byte) {
	if raw[0x16]&byte(mft.RecordInUse) == 0 {
		return
	}
	ri.seq = le16(raw[0x10:])
	ri.links = le16(raw[0x12:])
	ri.flags = flagInUse | flagBad
	if isZero(raw[0x20:0x28]) {
		ri.flags |= flagBase
		if raw[0x16]&byte(mft.RecordDirectory) != 0 {
			ri.flags |= flagDir | flagI30
		}
	}
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

// scanAttrs checks the attributes of an in-use record and keeps what the
// later stages need. base is the base record (num itself for a base
// record).
//
// The attributes are decoded one at a time into one mft.Attr (as
// mft.Record.DecodeAttrs would, without keeping them).
func (c *checker) scanAttrs(num, base mft.RecordNumber, rec *mft.Record, ri *checkRec, res *batchResult, add func(Finding)) {
	var ids [64]uint16
	seen := ids[:0]
	var attrs [2]mft.Attr
	var prev *mft.Attr
	hasI30 := false
	up := c.v.upcase
	b := rec.Bytes()
	end := int(rec.BytesInUse)
	for off, i := int(rec.AttrOffset), 0; ; i++ {
		if off+8 > end {
			c.attrsBad(num, base, ri, res, add, &mft.CorruptError{Record: num, Offset: off, Field: "attribute list (no end marker within bytes in use)"})
			return
		}
		if le32(b[off:]) == uint32(mft.AttrEnd) {
			break
		}
		a := &attrs[i%2]
		var err error
		if !residentUnnamed(a, b[off:end]) {
			*a, err = mft.DecodeAttr(b[off:end])
		}
		if err != nil {
			var ce *mft.CorruptError
			if errors.As(err, &ce) {
				ce.Record = num
				ce.Offset += off
			}
			c.attrsBad(num, base, ri, res, add, err)
			return
		}
		off += int(a.Length)
		if prev != nil {
			if a.Type < prev.Type {
				add(Finding{Code: CodeAttrOrder, Attr: a.Type.String(),
					Message: fmt.Sprintf("record %d: attribute %s (id %d) after %s: attributes must be sorted by type", num, a.Type, a.ID, prev.Type)})
			} else if a.Type == prev.Type && up.CompareNames(a.Name, prev.Name) < 0 {
				add(Finding{Code: CodeAttrOrder, Attr: a.Type.String(),
					Message: fmt.Sprintf("record %d: attribute %s %q (id %d) after %q: same-type attributes must be sorted by name", num, a.Type, a.NameString(), a.ID, prev.NameString())})
			}
		}
		prev = a
		if a.ID >= rec.NextAttrID {
			add(Finding{Code: CodeAttrInstance, Attr: a.Type.String(), Want: int64(rec.NextAttrID), Got: int64(a.ID),
				Message: fmt.Sprintf("record %d: attribute %s has instance %d, not below the record's next instance %d", num, a.Type, a.ID, rec.NextAttrID)})
		}
		if slices.Contains(seen, a.ID) {
			add(Finding{Code: CodeAttrInstance, Attr: a.Type.String(), Got: int64(a.ID),
				Message: fmt.Sprintf("record %d: attribute %s repeats instance %d", num, a.Type, a.ID)})
		}
		seen = append(seen, a.ID)
		if a.NonResident {
			c.claimRuns(num, base, a, res, add)
		}
		switch a.Type {
		case mft.AttrStandardInformation:
			if a.NonResident || len(a.Value) < 0x24 {
				add(Finding{Code: CodeAttrCorrupt, Attr: a.Type.String(), Message: fmt.Sprintf("record %d: $STANDARD_INFORMATION of %d bytes", num, len(a.Value))})
				continue
			}
			ri.flags |= flagSI
			ri.fileAttrs = le32(a.Value[0x20:])
			if len(a.Value) >= 0x38 {
				ri.secID = le32(a.Value[0x34:])
				ri.flags |= flagSecID
			}
		case mft.AttrFileName:
			v := a.Value
			if a.NonResident || len(v) < 0x42 || 0x42+2*int(v[0x40]) > len(v) {
				add(Finding{Code: CodeAttrCorrupt, Attr: a.Type.String(), Message: fmt.Sprintf("record %d: $FILE_NAME (id %d) undecodable", num, a.ID)})
				if base == num {
					ri.flags |= flagBad
				} else {
					res.updates = append(res.updates, extUpdate{base: base, dataSize: -1, bad: true})
				}
				continue
			}
			res.names = append(res.names, checkName{
				hash:   c.nameHash(v[0x42 : 0x42+2*int(v[0x40])]),
				parent: mft.FileRef(le64(v)),
				rec:    uint32(base),
				ns:     mft.Namespace(v[0x41]),
			})
		case mft.AttrData:
			if len(a.Name) != 0 || a.StartVCN != 0 {
				continue
			}
			size := a.DataSize
			if !a.NonResident {
				size = int64(len(a.Value))
			}
			if base == num {
				ri.dataSize = size
				ri.flags |= flagData
			} else {
				res.updates = append(res.updates, extUpdate{base: base, dataSize: size})
			}
		case mft.AttrReparsePoint:
			if a.NonResident {
				if a.StartVCN == 0 {
					res.reparse = append(res.reparse, base)
					res.updates = append(res.updates, extUpdate{base: base, dataSize: -1, reparse: true})
				}
				continue
			}
			if len(a.Value) < 8 {
				add(Finding{Code: CodeAttrCorrupt, Attr: a.Type.String(), Message: fmt.Sprintf("record %d: $REPARSE_POINT of %d bytes", num, len(a.Value))})
				continue
			}
			if base == num {
				ri.tag = le32(a.Value)
				ri.flags |= flagReparse
			} else {
				res.updates = append(res.updates, extUpdate{base: base, dataSize: -1, tag: le32(a.Value), reparse: true})
			}
		case mft.AttrIndexRoot:
			if equalName(a.Name, I30) {
				hasI30 = true
			}
		case mft.AttrAttributeList:
			if base != num || a.StartVCN != 0 {
				continue
			}
			if a.NonResident {
				res.nonresAL = append(res.nonresAL, num)
				continue
			}
			list, err := mft.DecodeAttrList(a.Value)
			if err != nil {
				add(Finding{Code: CodeAttrListCorrupt, Attr: a.Type.String(), Message: fmt.Sprintf("record %d: $ATTRIBUTE_LIST: %v", num, err)})
				ri.flags |= flagBad
				continue
			}
			res.lists = appendListRefs(res.lists, num, list)
		}
	}
	if !hasI30 {
		return
	}
	if base != num {
		res.updates = append(res.updates, extUpdate{base: base, dataSize: -1, i30: true})
		return
	}
	ri.flags |= flagI30
}

// residentUnnamed decodes the attribute at b[0:] into a when it is a
// resident attribute without a name whose header is sound (most
// attributes): the fields the checks use (scanAttrs reads no other field
// of a resident attribute), without mft.DecodeAttr's general path. It returns false for anything else, which DecodeAttr
// then decodes (and reports).
func residentUnnamed(a *mft.Attr, b []byte) bool {
	if len(b) < 0x18 || b[8] != 0 || b[9] != 0 {
		return false
	}
	n := int(le32(b[4:]))
	if n < 0x18 || n%8 != 0 || n > len(b) {
		return false
	}
	vl, vo := int64(le32(b[0x10:])), int(le16(b[0x14:])) // int64: no overflow where int has 32 bits
	if vo < 0x18 || int64(vo)+vl > int64(n) {
		return false
	}
	// Only the fields the checks read for a resident attribute are set
	// (clearing the whole struct, most of it non-resident fields, costs
	// more than the rest of the decoding).
	a.Type, a.Length, a.ID, a.Flags = mft.AttrType(le32(b)), uint32(n), le16(b[0x0E:]), mft.AttrFlags(le16(b[0x0C:]))
	a.NonResident, a.Name, a.StartVCN = false, nil, 0
	a.Value, a.ValueOffset = b[vo:vo+int(vl)], uint16(vo)
	return true
}

// attrsBad reports a record whose attributes cannot be decoded.
func (c *checker) attrsBad(num, base mft.RecordNumber, ri *checkRec, res *batchResult, add func(Finding), err error) {
	add(Finding{Code: CodeAttrCorrupt, Message: fmt.Sprintf("record %d: %v", num, err)})
	ri.flags |= flagBad
	if base != num {
		res.updates = append(res.updates, extUpdate{base: base, dataSize: -1, bad: true})
	}
}

func le64(b []byte) uint64 { return uint64(le32(b)) | uint64(le32(b[4:]))<<32 }

// claimRuns records the clusters of a non-resident attribute extent.
func (c *checker) claimRuns(num, base mft.RecordNumber, a *mft.Attr, res *batchResult, add func(Finding)) {
	vcn := int64(a.StartVCN)
	for _, r := range a.Runs {
		if !r.Sparse {
			if runBeyond(r, c.v.clusters) {
				add(Finding{Code: CodeAttrCorrupt, Attr: a.Type.String(), VCN: vcn, LCN: int64(r.Start), Count: r.Length,
					Message: fmt.Sprintf("record %d: %s run at VCN %d (LCN %d, %d clusters) lies beyond the volume's %d clusters", num, attrLabel(a), vcn, r.Start, r.Length, c.v.clusters)})
			} else {
				res.extents = append(res.extents, extentClaim{rec: base, typ: a.Type, start: int64(r.Start), n: r.Length})
			}
		}
		vcn += r.Length
	}
	if a.StartVCN == 0 || a.LastVCN >= a.StartVCN {
		if last := int64(a.LastVCN) + 1; vcn != last && len(a.Runs) > 0 {
			add(Finding{Code: CodeAttrCorrupt, Attr: a.Type.String(), Want: last - int64(a.StartVCN), Got: vcn - int64(a.StartVCN),
				Message: fmt.Sprintf("record %d: %s runs cover VCNs %d-%d, header says %d-%d", num, attrLabel(a), a.StartVCN, vcn-1, a.StartVCN, a.LastVCN)})
		}
	}
}

func attrLabel(a *mft.Attr) string {
	if len(a.Name) > 0 {
		return a.Type.String() + ":" + a.NameString()
	}
	return a.Type.String()
}

// checkExtensions checks that each extension record in use belongs to an
// in-use base record of the same incarnation whose $ATTRIBUTE_LIST names
// it, and that every record an attribute list names is such an extension
// record of that base.
func (c *checker) checkExtensions() {
	named := make(map[mft.RecordNumber]bool, len(c.lists))
	baseOf := make(map[mft.RecordNumber]mft.FileRef, len(c.exts))
	for _, e := range c.exts {
		baseOf[e.rec] = e.base
	}
	for _, l := range c.lists {
		base, r := l.rec, l.base.Record()
		named[r] = true
		why := ""
		switch {
		case int64(r) >= c.v.records:
			why = "beyond $MFT"
		case c.recs[r].flags&flagInUse == 0:
			why = "not in use"
		case c.recs[r].flags&flagBase != 0:
			why = "a base record"
		case c.recs[r].seq != l.base.Seq():
			why = fmt.Sprintf("now sequence number %d", c.recs[r].seq)
		case baseOf[r].Record() != base:
			why = fmt.Sprintf("an extension record of record %d", baseOf[r].Record())
		}
		if why != "" {
			c.add(Finding{Code: CodeAttrListCorrupt, Record: base, Ref: l.base,
				Message: fmt.Sprintf("record %d: $ATTRIBUTE_LIST names record %s, which is %s", base, l.base, why)})
			c.recs[base].flags |= flagBad
		}
	}
	for _, e := range c.exts {
		b := e.base.Record()
		if int64(b) >= c.v.records {
			continue // reported by the pass
		}
		bi := &c.recs[b]
		switch {
		case bi.flags&flagBase == 0:
			c.add(Finding{Code: CodeAttrListCorrupt, Record: e.rec, Ref: e.base,
				Message: fmt.Sprintf("extension record %d names base record %s, which is not an in-use base record", e.rec, e.base)})
		case bi.seq != e.base.Seq():
			c.add(Finding{Code: CodeAttrListCorrupt, Record: e.rec, Ref: e.base,
				Message: fmt.Sprintf("extension record %d names base record %s, whose sequence number is %d", e.rec, e.base, bi.seq)})
		case !named[e.rec] && bi.flags&flagBad == 0:
			c.add(Finding{Code: CodeAttrListCorrupt, Severity: SevWarning, Record: e.rec, Ref: e.base,
				Message: fmt.Sprintf("extension record %d of record %d is in use but its base's $ATTRIBUTE_LIST does not name it (lost)", e.rec, b)})
		}
	}
}
