package volume

import (
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
)

// Bitmap rebuilds: $MFT:$BITMAP from the records' in-use flags, $Bitmap
// from the clusters of every non-resident attribute of the records in use,
// both as the transaction sees them (after the other repairs). Bits past
// the last record or cluster are left alone.

// bitDiff is a range of bits a rebuild changed.
//
// Not an on-disk structure.
type bitDiff struct {
	First, Count int64
	Set          bool
}

// syncBits makes bm's bits [0, bm.limit) equal want (only setting bits
// when clearOK is false) and returns the ranges changed.
func (tx *Tx) syncBits(bm *bitmap, want []byte, clearOK bool) []bitDiff {
	get := func(b []byte, i int64) bool { return b[i>>3]&(1<<(i&7)) != 0 }
	var out []bitDiff
	for i := int64(0); i < bm.limit; {
		if want[i>>3] == bm.bits[i>>3] && i&7 == 0 && i+8 <= bm.limit {
			i += 8
			continue
		}
		w := get(want, i)
		if w == bm.get(i) || (!w && !clearOK) {
			i++
			continue
		}
		j := i
		for j < bm.limit && get(want, j) == w && bm.get(j) != w {
			j++
		}
		bm.put(tx, i, j-i, w)
		out = append(out, bitDiff{First: i, Count: j - i, Set: w})
		i = j
	}
	return out
}

// rebuildMFTBitmap sets the bit of every record in use and clears the
// others.
func (tx *Tx) rebuildMFTBitmap() ([]bitDiff, error) {
	bm, err := tx.mftBitmap()
	if err != nil {
		return nil, err
	}
	if err := bm.flush(tx); err != nil {
		return nil, err
	}
	v := tx.v
	want := make([]byte, len(bm.bits))
	rs := int64(v.recordSize)
	buf := make([]byte, scanBatch*rs)
	for first := int64(0); first < min(v.records, bm.limit); first += scanBatch {
		n := min(scanBatch, v.records-first)
		b := buf[:n*rs]
		if err := v.mft.readFull(b, first*rs); err != nil {
			return nil, fmt.Errorf("volume: read $MFT records %d-%d: %w", first, first+n-1, err)
		}
		for i := range n {
			raw := b[i*rs:]
			if string(raw[:4]) == "FILE" && raw[0x16]&byte(mft.RecordInUse) != 0 {
				r := first + i
				want[r>>3] |= 1 << (r & 7)
			}
		}
	}
	return tx.syncBits(bm, want, true), nil
}

// rebuildClusterBitmap sets the bits of every cluster a record in use
// claims and clears the others. When some record in use cannot be
// decoded its clusters are unknown, and no bit is cleared.
func (tx *Tx) rebuildClusterBitmap() ([]bitDiff, error) {
	bm, err := tx.clusterBitmap()
	if err != nil {
		return nil, err
	}
	if err := bm.flush(tx); err != nil {
		return nil, err
	}
	v := tx.v
	want := make([]byte, len(bm.bits))
	clearOK := true
	mark := func(r mft.Run) {
		if r.Sparse || r.Start < 0 {
			return
		}
		start := int64(r.Start)
		if start >= bm.limit {
			return
		}
		setBytesRange(want, start, min(r.Length, bm.limit-start))
	}
	rs := int64(v.recordSize)
	buf := make([]byte, scanBatch*rs)
	for first := int64(0); first < v.records; first += scanBatch {
		n := min(scanBatch, v.records-first)
		b := buf[:n*rs]
		if err := v.mft.readFull(b, first*rs); err != nil {
			return nil, fmt.Errorf("volume: read $MFT records %d-%d: %w", first, first+n-1, err)
		}
		for i := range n {
			raw := b[i*rs : (i+1)*rs]
			if string(raw[:4]) != "FILE" || raw[0x16]&byte(mft.RecordInUse) == 0 {
				continue
			}
			rec, err := v.decodeRecord(mft.RecordNumber(first+i), append([]byte(nil), raw...))
			if err != nil {
				clearOK = false
				continue
			}
			for k := range rec.Attrs {
				if a := &rec.Attrs[k]; a.NonResident {
					for _, r := range a.Runs {
						mark(r)
					}
				}
			}
		}
	}
	return tx.syncBits(bm, want, clearOK), nil
}

// setBytesRange sets n bits of bitmap b from bit start, whole bytes at a
// time where it can.
func setBytesRange(b []byte, start, n int64) {
	for ; n > 0 && start&7 != 0; start, n = start+1, n-1 {
		b[start>>3] |= 1 << (start & 7)
	}
	for ; n >= 8; start, n = start+8, n-8 {
		b[start>>3] = 0xFF
	}
	for ; n > 0; start, n = start+1, n-1 {
		b[start>>3] |= 1 << (start & 7)
	}
}
