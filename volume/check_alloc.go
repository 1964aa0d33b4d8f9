package volume

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// checkNames reports the $FILE_NAME attributes whose parent is not an
// in-use directory of the same incarnation (entries match names by
// directory record, so a stale parent sequence number is caught here),
// and those no index entry matched (with indexes, unless the parent's index could not be read whole)
// those missing from the parent's $I30.
func (c *checker) checkNames(bare bool) {
	for i := range c.names {
		matched := !bare && c.matched[i].Load()
		nm := &c.names[i]
		if matched && c.recs[nm.parent.Record()].seq == nm.parent.Seq() {
			continue // the common case, decided without the switch below
		}
		r := mft.RecordNumber(nm.rec)
		if c.recs[r].flags&flagBad != 0 {
			continue
		}
		p := nm.parent.Record()
		var why string
		switch {
		case int64(p) >= c.v.records:
			why = fmt.Sprintf("record %d lies beyond $MFT", p)
		case c.recs[p].flags&flagBase == 0:
			why = fmt.Sprintf("record %d is not in use", p)
		case c.recs[p].flags&flagI30 == 0 && c.recs[p].flags&flagBad == 0:
			why = fmt.Sprintf("record %d is not a directory", p)
		case c.recs[p].seq != nm.parent.Seq():
			why = fmt.Sprintf("record %d has sequence number %d, the name's parent reference %d", p, c.recs[p].seq, nm.parent.Seq())
		}
		name := c.nameString(r, nm)
		if why != "" {
			c.add(Finding{Code: CodeBadParent, Record: r, Parent: p, Ref: nm.parent, Name: name,
				Message: fmt.Sprintf("record %d: $FILE_NAME %q names parent %s, but %s", r, name, nm.parent, why)})
			continue
		}
		if matched || bare || c.broken[p] || c.recs[p].flags&flagBad != 0 {
			continue
		}
		c.add(Finding{Code: CodeNameNotIndexed, Record: r, Parent: p, Name: name,
			Message: fmt.Sprintf("record %d: $FILE_NAME %q has no entry in the index of directory %d", r, name, p)})
	}
}

// nameString returns the name of one of record r's $FILE_NAMEs, read again
// from the record (the pass keeps only a hash).
func (c *checker) nameString(r mft.RecordNumber, nm *checkName) string {
	f, err := c.v.File(r)
	if err != nil {
		return ""
	}
	names, err := f.Names()
	if err != nil {
		return ""
	}
	var b []byte
	for _, fn := range names {
		b = b[:0]
		for _, u := range fn.Name {
			b = append(b, byte(u), byte(u>>8))
		}
		if fn.Parent == nm.parent && c.nameHash(b) == nm.hash {
			return fn.NameString()
		}
	}
	return ""
}

// checkLinkCounts compares each base record's link count with its
// $FILE_NAME attributes (see Check for how they are counted).
func (c *checker) checkLinkCounts() {
	for r := range c.recs {
		ri := &c.recs[r]
		if ri.flags&(flagBase|flagBad) != flagBase || ri.links == ri.nameCount {
			continue
		}
		c.add(Finding{Code: CodeLinkCount, Record: mft.RecordNumber(r), Want: int64(ri.nameCount), Got: int64(ri.links),
			Message: fmt.Sprintf("record %d: link count %d, but it has %d $FILE_NAME attributes", r, ri.links, ri.nameCount)})
	}
}

// checkClusters marks the clusters every non-resident attribute claims,
// reports clusters claimed twice, and compares the result with $Bitmap:
// a claimed cluster free in $Bitmap is an error, an allocated cluster
// nobody claims a leak (warning).
func (c *checker) checkClusters() {
	v := c.v
	slices.SortStableFunc(c.extents, func(a, b extentClaim) int { return cmp.Compare(a.start, b.start) })
	claimed := make([]uint64, (v.clusters+63)/64)
	var owner extentClaim
	ownerEnd := int64(-1)
	for _, e := range c.extents {
		end := e.start + e.n
		if e.start < ownerEnd {
			n := min(end, ownerEnd) - e.start
			c.add(Finding{Code: CodeClusterCross, Record: e.rec, Ref: mft.MakeFileRef(owner.rec, c.recs[owner.rec].seq), LCN: e.start, Count: n,
				Message: fmt.Sprintf("record %d (%s) and record %d (%s) both claim clusters %d-%d", e.rec, e.typ, owner.rec, owner.typ, e.start, e.start+n-1)})
		}
		if end > ownerEnd {
			owner, ownerEnd = e, end
		}
		setRange(claimed, e.start, e.n)
	}
	f, err := v.File(mft.RecordBitmap)
	var bm []byte
	if err == nil {
		var s *Stream
		if s, err = f.Stream(""); err == nil {
			bm, err = s.ReadAll()
		}
	}
	if err != nil {
		c.add(Finding{Code: CodeAttrCorrupt, Record: mft.RecordBitmap, Attr: "$DATA", Message: fmt.Sprintf("$Bitmap unreadable: %v", err)})
		return
	}
	if int64(len(bm))*8 < v.clusters {
		c.add(Finding{Code: CodeAttrCorrupt, Record: mft.RecordBitmap, Attr: "$DATA", Want: (v.clusters + 7) / 8, Got: int64(len(bm)),
			Message: fmt.Sprintf("$Bitmap holds %d bytes, the volume's %d clusters need %d", len(bm), v.clusters, (v.clusters+7)/8)})
	}
	// Compare word by word; report runs of clusters with the same
	// disagreement.
	var runStart, runLen int64
	var runWant bool
	flush := func() {
		if runLen == 0 {
			return
		}
		f := Finding{Code: CodeClusterBitmap, LCN: runStart, Count: runLen}
		if runWant {
			f.Want, f.Got = 1, 0
			f.Message = fmt.Sprintf("clusters %d-%d are in use but free in $Bitmap", runStart, runStart+runLen-1)
		} else {
			f.Severity = SevWarning
			f.Want, f.Got = 0, 1
			f.Message = fmt.Sprintf("clusters %d-%d are allocated in $Bitmap but no attribute uses them (lost space)", runStart, runStart+runLen-1)
		}
		c.add(f)
		runLen = 0
	}
	for w := int64(0); w < int64(len(claimed)); w++ {
		var got uint64
		for i := int64(0); i < 8; i++ {
			if j := w*8 + i; j < int64(len(bm)) {
				got |= uint64(bm[j]) << (8 * i)
			}
		}
		if rem := v.clusters - w*64; rem < 64 {
			mask := uint64(1)<<rem - 1
			got &= mask
		}
		diff := got ^ claimed[w]
		if diff == 0 {
			continue
		}
		for diff != 0 {
			b := int64(bits.TrailingZeros64(diff))
			diff &= diff - 1
			lcn := w*64 + b
			want := claimed[w]&(1<<b) != 0
			if runLen > 0 && runStart+runLen == lcn && runWant == want {
				runLen++
				continue
			}
			flush()
			runStart, runLen, runWant = lcn, 1, want
		}
	}
	flush()
}

// setRange sets bits [start, start+n) of a bitset.
func setRange(b []uint64, start, n int64) {
	for n > 0 {
		w, o := start/64, start%64
		k := min(n, 64-o)
		mask := ^uint64(0)
		if k < 64 {
			mask = (uint64(1)<<k - 1) << o
		}
		b[w] |= mask
		start, n = start+k, n-k
	}
}

var nameReparse = mft.NameUnits("$Reparse")
var nameR = mft.NameUnits("$R")

// checkReparse checks that a record has a $REPARSE_POINT exactly when its
// $STANDARD_INFORMATION has FILE_ATTRIBUTE_REPARSE_POINT, and that
// $Extend\$Reparse:$R holds a key (tag, file reference) for every reparse
// point and none for anything else.
func (c *checker) checkReparse() {
	for r := range c.recs {
		ri := &c.recs[r]
		if ri.flags&(flagBase|flagBad|flagSI) != flagBase|flagSI {
			continue
		}
		has, flag := ri.flags&flagReparse != 0, ri.fileAttrs&uint32(mft.FileReparsePoint) != 0
		if has != flag {
			msg := "has a $REPARSE_POINT but $STANDARD_INFORMATION lacks FILE_ATTRIBUTE_REPARSE_POINT (0x400)"
			if flag {
				msg = "has FILE_ATTRIBUTE_REPARSE_POINT (0x400) in $STANDARD_INFORMATION but no $REPARSE_POINT"
			}
			c.add(Finding{Code: CodeReparseFlag, Record: mft.RecordNumber(r), Want: b2i(has) * int64(mft.FileReparsePoint), Got: b2i(flag) * int64(mft.FileReparsePoint),
				Message: fmt.Sprintf("record %d %s", r, msg)})
		}
	}
	ext, err := c.v.File(mft.RecordExtend)
	if err != nil || ext.Attr(mft.AttrIndexRoot, I30) == nil {
		return // NTFS 1.x: no $Extend, no $Reparse
	}
	t, err := ext.IndexTree(I30)
	var e DirEntry
	if err == nil {
		e, err = c.v.lookupTree(t, nameReparse)
	}
	if err != nil {
		// Volumes without any reparse point may lack $Reparse.
		for r := range c.recs {
			if ri := &c.recs[r]; ri.flags&(flagBase|flagReparse) == flagBase|flagReparse {
				c.add(Finding{Code: CodeReparseKeyMissing, Record: mft.RecordNumber(r), Want: int64(ri.tag),
					Message: fmt.Sprintf("record %d has a reparse point (tag 0x%08x) but $Extend\\$Reparse is missing: %v", r, ri.tag, err)})
			}
		}
		return
	}
	rpNum := e.Ref.Record()
	rp, err := c.v.File(rpNum)
	var rt *index.Tree
	if err == nil {
		rt, err = rp.IndexTree(nameR)
	}
	keys := map[mft.FileRef]uint32{}
	if err == nil {
		err = rt.Walk(func(e *index.Entry) error {
			if len(e.Key) < 12 {
				return fmt.Errorf("$R key of %d bytes", len(e.Key))
			}
			tag, ref := le32(e.Key), mft.FileRef(le64(e.Key[4:]))
			keys[ref] = tag
			r := ref.Record()
			stale := ""
			switch {
			case int64(r) >= c.v.records:
				stale = "beyond $MFT"
			case c.recs[r].flags&flagBase == 0:
				stale = "not in use"
			case c.recs[r].seq != ref.Seq():
				stale = fmt.Sprintf("now sequence number %d", c.recs[r].seq)
			case c.recs[r].flags&flagBad != 0:
			case c.recs[r].flags&flagReparse == 0:
				stale = "without a reparse point"
			case c.recs[r].tag != tag:
				stale = fmt.Sprintf("tag 0x%08x", c.recs[r].tag)
			}
			if stale != "" {
				c.add(Finding{Code: CodeReparseKeyStale, Record: rpNum, Ref: ref, Got: int64(tag),
					Message: fmt.Sprintf("$Extend\\$Reparse key (tag 0x%08x, %s) names record %d, which is %s", tag, ref, r, stale)})
			}
			return nil
		})
	}
	if err != nil {
		c.add(Finding{Code: CodeIndexCorrupt, Record: rpNum, Parent: rpNum, VCN: -1, Message: fmt.Sprintf("$Extend\\$Reparse:$R unreadable: %v", err)})
		return
	}
	for r := range c.recs {
		ri := &c.recs[r]
		if ri.flags&(flagBase|flagReparse|flagBad) != flagBase|flagReparse {
			continue
		}
		ref := mft.MakeFileRef(mft.RecordNumber(r), ri.seq)
		if tag, ok := keys[ref]; !ok || tag != ri.tag {
			c.add(Finding{Code: CodeReparseKeyMissing, Record: mft.RecordNumber(r), Want: int64(ri.tag),
				Message: fmt.Sprintf("record %d has a reparse point (tag 0x%08x) without its key in $Extend\\$Reparse", r, ri.tag)})
		}
	}
}

// checkSecurity checks that every security id of a $STANDARD_INFORMATION
// is in $Secure:$SII.
func (c *checker) checkSecurity() {
	any := false
	for r := range c.recs {
		if c.recs[r].flags&flagSecID != 0 && c.recs[r].secID != 0 {
			any = true
			break
		}
	}
	if !any {
		return
	}
	s, err := c.v.Secure()
	if err != nil {
		c.add(Finding{Code: CodeSecurityID, Record: mft.RecordSecure, Message: fmt.Sprintf("$Secure unreadable, security ids cannot be checked: %v", err)})
		return
	}
	for r := range c.recs {
		ri := &c.recs[r]
		if ri.flags&(flagBase|flagSecID) != flagBase|flagSecID || ri.secID == 0 {
			continue
		}
		if _, ok := s.byID[ri.secID]; !ok {
			c.add(Finding{Code: CodeSecurityID, Record: mft.RecordNumber(r), Got: int64(ri.secID),
				Message: fmt.Sprintf("record %d: security id %d is not in $Secure:$SII", r, ri.secID)})
		}
	}
}
