package volume

import (
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
)

// bitmap is a transaction's shadow copy of $Bitmap or $MFT:$BITMAP. Bits
// freed in the transaction are cleared only when it finishes, so nothing
// freed is handed out again before the commit (a crash replaying only
// part of the work can then never cross-link).
//
// Not an on-disk structure.
type bitmap struct {
	name    string
	s       *Stream
	bits    []byte
	limit   int64 // bits that map something (clusters, records)
	dirty   map[int64]bool
	pending [][2]int64 // first, count: cleared at flush
	hint    int64
}

const bitmapChunk = 512

func (tx *Tx) loadBitmap(name string, s *Stream, limit int64) (*bitmap, error) {
	if s.Resident() {
		return nil, fmt.Errorf("volume: %s is resident: not supported for writing", name)
	}
	b, err := s.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("volume: read %s: %w", name, err)
	}
	if int64(len(b))*8 < limit {
		return nil, fmt.Errorf("volume: %s has %d bits for %d items", name, len(b)*8, limit)
	}
	return &bitmap{name: name, s: s, bits: b, limit: limit, dirty: map[int64]bool{}}, nil
}

func (tx *Tx) clusterBitmap() (*bitmap, error) {
	if tx.cbm != nil {
		return tx.cbm, nil
	}
	f, err := tx.v.File(mft.RecordBitmap)
	if err != nil {
		return nil, fmt.Errorf("volume: $Bitmap: %w", err)
	}
	s, err := f.Stream("")
	if err != nil {
		return nil, fmt.Errorf("volume: $Bitmap: %w", err)
	}
	tx.cbm, err = tx.loadBitmap("$Bitmap", s, tx.v.clusters)
	return tx.cbm, err
}

func (tx *Tx) mftBitmap() (*bitmap, error) {
	if tx.mbm != nil {
		return tx.mbm, nil
	}
	s, err := tx.mftBitmapStream()
	if err != nil {
		return nil, err
	}
	tx.mbm, err = tx.loadBitmap("$MFT:$BITMAP", s, tx.v.records)
	if tx.mbm != nil {
		tx.mbm.hint = int64(mft.RecordFirstUser)
	}
	return tx.mbm, err
}

func (tx *Tx) mftBitmapStream() (*Stream, error) {
	rec, err := tx.v.Record(0)
	if err != nil {
		return nil, fmt.Errorf("volume: $MFT: %w", err)
	}
	a := rec.Find(mft.AttrBitmap, nil)
	if a == nil {
		return nil, fmt.Errorf("volume: $MFT record 0 has no $BITMAP attribute (or it lives in an extension record: not supported)")
	}
	return tx.v.newStream("$MFT:$BITMAP", []*mft.Attr{a})
}

func (b *bitmap) get(i int64) bool { return b.bits[i>>3]&(1<<(i&7)) != 0 }

func (b *bitmap) put(tx *Tx, first, n int64, set bool) {
	for i := first; i < first+n; i++ {
		if set {
			b.bits[i>>3] |= 1 << (i & 7)
		} else {
			b.bits[i>>3] &^= 1 << (i & 7)
		}
		b.dirty[(i>>3)/bitmapChunk] = true
	}
	ps := tx.plan.Bitmaps
	if k := len(ps); k > 0 && ps[k-1].Bitmap == b.name && ps[k-1].Set == set && ps[k-1].First+ps[k-1].Count == first {
		ps[k-1].Count += n
		return
	}
	tx.plan.Bitmaps = append(ps, PlanBits{Bitmap: b.name, First: first, Count: n, Set: set})
}

// free marks bits to clear when the transaction finishes.
func (b *bitmap) free(first, n int64) {
	if n > 0 {
		b.pending = append(b.pending, [2]int64{first, n})
	}
}

// nextFree returns the first clear bit in [from, to), or -1.
func (b *bitmap) nextFree(from, to int64) int64 {
	for i := max(from, 0); i < min(to, b.limit); i++ {
		if b.bits[i>>3] == 0xFF && i&7 == 0 {
			i += 7
			continue
		}
		if !b.get(i) {
			return i
		}
	}
	return -1
}

// flush clears the pending frees and stages the changed bytes.
func (b *bitmap) flush(tx *Tx) error {
	for _, p := range b.pending {
		b.put(tx, p[0], p[1], false)
	}
	b.pending = nil
	for c := range b.dirty {
		lo := c * bitmapChunk
		hi := min(lo+bitmapChunk, int64(len(b.bits)))
		if lo >= hi {
			continue
		}
		if err := tx.writeStream(b.s, lo, b.bits[lo:hi]); err != nil {
			return fmt.Errorf("volume: write %s: %w", b.name, err)
		}
	}
	b.dirty = map[int64]bool{}
	return nil
}

// allocClusters allocates n clusters, as few runs as first fit allows,
// starting the search near the LCN hint (-1: anywhere).
func (tx *Tx) allocClusters(n int64, near mft.LCN) ([]mft.Run, error) {
	bm, err := tx.clusterBitmap()
	if err != nil {
		return nil, err
	}
	if near >= 0 && int64(near) < bm.limit {
		bm.hint = int64(near)
	}
	// First choice: one free stretch long enough.
	var runs []mft.Run
	start := bm.hint
	if lcn := bm.findStretch(start, n); lcn >= 0 {
		runs = []mft.Run{{Start: mft.LCN(lcn), Length: n}}
	} else {
		left := n
		for i := int64(0); i < bm.limit && left > 0; i++ {
			if bm.get(i) {
				continue
			}
			j := i
			for j < bm.limit && !bm.get(j) && j-i < left {
				j++
			}
			runs = append(runs, mft.Run{Start: mft.LCN(i), Length: j - i})
			left -= j - i
			i = j
		}
		if left > 0 {
			return nil, fmt.Errorf("%w: %d clusters wanted on %s", ErrNoSpace, n, tx.v.info.Device)
		}
	}
	for _, r := range runs {
		bm.put(tx, int64(r.Start), r.Length, true)
		bm.hint = int64(r.Start) + r.Length
	}
	tx.fresh = append(tx.fresh, runs...)
	return runs, nil
}

// findStretch finds n clear bits in a row, searching from from and then
// from the start.
func (b *bitmap) findStretch(from, n int64) int64 {
	for _, r := range [][2]int64{{from, b.limit}, {0, min(from+n, b.limit)}} {
		run := int64(0)
		for i := r[0]; i < r[1]; i++ {
			if b.bits[i>>3] == 0xFF && i&7 == 0 {
				run = 0
				i += 7
				continue
			}
			if b.get(i) {
				run = 0
				continue
			}
			run++
			if run == n {
				return i - n + 1
			}
		}
	}
	return -1
}

// freeRuns returns the clusters of runs (holes skipped) at commit.
func (tx *Tx) freeRuns(runs []mft.Run) error {
	bm, err := tx.clusterBitmap()
	if err != nil {
		return err
	}
	for _, r := range runs {
		if !r.Sparse {
			bm.free(int64(r.Start), r.Length)
		}
	}
	return nil
}
