package volume

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// In-place write phases of a commit. The journal makes a commit atomic for
// us; this order makes a crash safe for tools that ignore the journal
// (and for a journal that is lost): everything new is written before
// anything refers to it, and frees come last, so a crash part way may
// leak space or records but leaves no reference to an unwritten record or
// INDX block and nothing referenced marked free.
const (
	phaseNew        = iota // new data, created records and INDX blocks, bitmaps with new bits set and old ones kept
	phaseMFT               // $MFT's record: its size and runs cover records created above
	phaseIndexEarly        // updated INDX blocks of an index that frees blocks: they stop pointing to them
	phaseUpdate            // records in use before and after: roots, index $BITMAPs, names
	phaseIndex             // other updated INDX blocks: may point to blocks the $BITMAPs above mark
	phaseFree              // records freed: no index entry refers to them any more
	phaseLast              // bitmaps as committed (frees cleared), $MFTMirr
	phaseCount
	phaseBitmap // a bitmap byte: old|new at phaseNew, new at phaseLast
)

// phaseTag gives a device byte range its phase.
type phaseTag struct {
	off, n int64
	phase  uint8
}

// writePhases splits the staged extents into the writes of each phase,
// in device order within a phase.
func (tx *Tx) writePhases(exts []stagedExtent) ([phaseCount][]stagedExtent, error) {
	var out [phaseCount][]stagedExtent
	tags, err := tx.phaseTags(exts)
	if err != nil {
		return out, err
	}
	base := tx.v.ov.base
	// Extents reference the staged bytes, not copies (only a bitmap's
	// old|new bytes are new buffers); one write each.
	add := func(ph uint8, off int64, b []byte) {
		out[ph] = append(out[ph], stagedExtent{Off: off, Data: b[:len(b):len(b)]})
	}
	// Phases are kept per unit of g bytes: a sector when every tag is
	// sector-aligned (records, INDX blocks and bitmaps are), else a byte.
	g := int64(512)
	for _, t := range tags {
		if t.off%g != 0 || t.n%g != 0 {
			g = 1
			break
		}
	}
	for _, e := range exts {
		if e.Off%g != 0 || int64(len(e.Data))%g != 0 {
			g = 1
		}
	}
	// Phases of every unit of every extent: phaseNew unless a tag says
	// otherwise (tags in order, later ones win); each tag finds its
	// first extent by bisection (exts are in device order).
	phs := make([][]uint8, len(exts))
	for i, e := range exts {
		phs[i] = make([]uint8, (int64(len(e.Data))+g-1)/g)
	}
	for _, t := range tags {
		k := sort.Search(len(exts), func(i int) bool { return exts[i].Off+int64(len(exts[i].Data)) > t.off })
		for ; k < len(exts) && exts[k].Off < t.off+t.n; k++ {
			e := exts[k]
			lo, hi := max(t.off, e.Off), min(t.off+t.n, e.Off+int64(len(e.Data)))
			ph := phs[k][(lo-e.Off)/g : (hi-e.Off+g-1)/g]
			for i := range ph {
				ph[i] = t.phase
			}
		}
	}
	for x, e := range exts {
		ph := phs[x]
		units := int64(len(ph))
		for i := int64(0); i < units; {
			j := i
			for j < units && ph[j] == ph[i] {
				j++
			}
			off, b := e.Off+i*g, e.Data[i*g:min(j*g, int64(len(e.Data)))]
			if ph[i] == phaseBitmap {
				old := make([]byte, len(b))
				if _, err := base.ReadAt(old, off); err != nil {
					return out, fmt.Errorf("volume: read bitmap at %#x: %w", off, err)
				}
				for k := range old {
					old[k] |= b[k]
				}
				if bytes.Equal(old, b) {
					// No bit cleared: the final bytes are safe from the
					// start, and written once (a phase, and its sync, less
					// when nothing is freed).
					add(phaseNew, off, b)
				} else {
					add(phaseNew, off, old)
					add(phaseLast, off, b)
				}
			} else {
				add(ph[i], off, b)
			}
			i = j
		}
	}
	for i := range out {
		sort.Slice(out[i], func(a, b int) bool { return out[i][a].Off < out[i][b].Off })
	}
	return out, nil
}

// phaseTags lists the device ranges of the records, INDX blocks, bitmaps
// and $MFTMirr the transaction wrote, with their phases; later tags win.
// exts are the staged extents, in device order.
func (tx *Tx) phaseTags(exts []stagedExtent) ([]phaseTag, error) {
	v := tx.v
	// One tag per record and block, as a rule (a few more for bitmaps and
	// records in two runs).
	tags := make([]phaseTag, 0, tx.recAct.len()+len(tx.blkAct)+16)
	tag := func(s *Stream, off, n int64, ph uint8) error {
		rs, err := s.deviceRanges(off, n)
		if err != nil {
			return err
		}
		for _, r := range rs {
			tags = append(tags, phaseTag{r.off, r.n, ph})
		}
		return nil
	}
	for _, bm := range []*bitmap{tx.cbm, tx.mbm} {
		if bm != nil {
			if err := tag(bm.s, 0, int64(len(bm.bits)), phaseBitmap); err != nil {
				return nil, fmt.Errorf("volume: %s: %w", bm.name, err)
			}
		}
	}
	frees := map[mft.RecordNumber]map[string]bool{}
	for b, a := range tx.blkAct {
		if a == "free" {
			if frees[b.Record] == nil {
				frees[b.Record] = map[string]bool{}
			}
			frees[b.Record][b.Index] = true
		}
	}
	// The indexes' files and streams, read once.
	files := map[mft.RecordNumber]*File{}
	type indexKey struct {
		rec  mft.RecordNumber
		name string
	}
	type indexAt struct {
		s           *Stream
		bsize, unit int64
	}
	indexes := map[indexKey]indexAt{}
	// An index that both gains and loses blocks in one transaction keeps
	// a window: its updated blocks go before its record, so a crash there
	// may show a new block not yet marked in use.
	for b, a := range tx.blkAct {
		ph := uint8(phaseIndex)
		switch {
		case a == "create":
			ph = phaseNew
		case frees[b.Record][b.Index]:
			ph = phaseIndexEarly
		}
		if a, _ := tx.recAct.get(b.Record); a == "free" {
			continue // the directory went away in this transaction
		}
		k := indexKey{b.Record, b.Index}
		ix, seen := indexes[k]
		if !seen {
			f := files[b.Record]
			if f == nil {
				var err error
				if f, err = v.File(b.Record); err != nil {
					return nil, err
				}
				files[b.Record] = f
			}
			name := mft.NameUnits(b.Index)
			if ra := f.Attr(mft.AttrIndexRoot, name); ra != nil {
				root, err := index.DecodeRoot(ra.Value)
				if err != nil {
					return nil, &RecordError{Record: b.Record, Err: err}
				}
				if s, err := f.AttrStream(mft.AttrIndexAllocation, name); err == nil {
					ix.s = s
					ix.bsize, ix.unit = int64(root.BlockSize), int64(v.clusterSize)
					if ix.bsize < ix.unit {
						ix.unit = 512
					}
				}
			}
			indexes[k] = ix
		}
		// Without a root the directory went away in this transaction;
		// without $INDEX_ALLOCATION there is nothing to order.
		s, bsize, unit := ix.s, ix.bsize, ix.unit
		if s == nil {
			continue
		}
		if off := int64(b.VCN) * unit; off+bsize <= s.Size() {
			if err := tag(s, off, bsize, ph); err != nil {
				return nil, err
			}
		}
	}
	rs := int64(v.recordSize)
	hdr := make([]byte, 0x18)
	inUse := func(b []byte) bool {
		return string(b[:4]) == "FILE" && b[0x16]&byte(mft.RecordInUse) != 0
	}
	type recAt struct {
		n      mft.RecordNumber
		ranges []devRange
	}
	// In record order (device order too while $MFT is contiguous).
	nums := make([]mft.RecordNumber, 0, tx.recAct.len())
	tx.recAct.each(func(n mft.RecordNumber, _ string) { nums = append(nums, n) })
	recs := make([]recAt, 0, len(nums))
	one := make([]devRange, len(nums)) // backing for records within one run
	for i, n := range nums {
		var ranges []devRange
		if r, ok := v.mft.deviceRange(int64(n)*rs, rs); ok {
			one[i] = r
			ranges = one[i : i+1 : i+1]
		} else {
			var err error
			if ranges, err = v.mft.deviceRanges(int64(n)*rs, rs); err != nil {
				return nil, fmt.Errorf("volume: record %d: %w", n, err)
			}
		}
		recs = append(recs, recAt{n, ranges})
	}
	// Whether each record was in use is read from the device in windows
	// of up to 1 MiB covering records close together (the MFT is mostly
	// contiguous), not one read per record.
	var win []byte
	winOff := int64(-1)
	was := func(off int64) bool {
		if winOff < 0 || off < winOff || off+int64(len(hdr)) > winOff+int64(len(win)) {
			n := min(int64(1<<20), v.ov.base.Size()-off)
			if n < int64(len(hdr)) {
				return false
			}
			if cap(win) < int(n) {
				win = make([]byte, n)
			}
			win = win[:n]
			if _, err := v.ov.base.ReadAt(win, off); err != nil {
				winOff = -1
				if _, err := v.ov.base.ReadAt(hdr, off); err != nil {
					return false
				}
				return inUse(hdr)
			}
			winOff = off
		}
		return inUse(win[off-winOff:])
	}
	for _, r := range recs {
		n := r.n
		off := r.ranges[0].off
		// Whether it is in use after: from its staged bytes (every
		// pending encoding is staged by now), else through the overlay.
		is := false
		if b := stagedAt(exts, off, int64(len(hdr))); b != nil {
			is = inUse(b)
		} else if _, err := v.ov.ReadAt(hdr, off); err == nil {
			is = inUse(hdr)
		}
		wasUsed, known := tx.recAct.wasInUse(n)
		if !known {
			wasUsed = was(off)
		}
		ph := uint8(phaseNew)
		switch {
		case n == mft.RecordMFT:
			ph = phaseMFT
		case wasUsed && is:
			ph = phaseUpdate
		case wasUsed:
			ph = phaseFree
		}
		for _, d := range r.ranges {
			tags = append(tags, phaseTag{d.off, d.n, ph})
		}
	}
	if tx.mirror != nil {
		if err := tag(tx.mirror, 0, tx.mirror.Size(), phaseLast); err != nil {
			return nil, fmt.Errorf("volume: $MFTMirr: %w", err)
		}
	}
	return tags, nil
}

// stagedAt returns the n staged bytes at device offset off when one of
// exts (in device order) holds them all, else nil.
func stagedAt(exts []stagedExtent, off, n int64) []byte {
	i := sort.Search(len(exts), func(i int) bool { return exts[i].Off+int64(len(exts[i].Data)) > off })
	if i == len(exts) || exts[i].Off > off || off+n > exts[i].Off+int64(len(exts[i].Data)) {
		return nil
	}
	return exts[i].Data[off-exts[i].Off : off-exts[i].Off+n]
}
