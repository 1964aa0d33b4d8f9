package volume

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"slices"
)

// journalMerge is the shortest run of unchanged bytes that splits two
// changed ones into two journal extents: a shorter one costs less in the
// journal than the extent header it saves (two varints, 2 to 4 bytes
// as a rule), and it stays below the 8 bytes compared at once.
const journalMerge = 8

// skipSpan is how many bytes changedBlocks compares at once outside a
// run of changes.
const skipSpan = 256

// changedBytes returns the parts of exts that differ from what the device
// holds, byte for byte, runs closer than journalMerge bytes merged. The
// journal needs no more: every byte it leaves out is the same before and
// after the commit, so whatever mix of old and new bytes a crash leaves
// on the device, replaying the changed ones gives the state after. (A
// record that gains a name changes its header, the sector ends and the
// attributes from the new one on: about a third of its bytes.)
func changedBytes(dev Device, exts []stagedExtent) ([]stagedExtent, error) {
	blocks, err := changedBlocks(dev, exts)
	if err != nil {
		return nil, err
	}
	return slices.Concat(blocks...), nil
}

// extentBlock is the most extents a block of changedBlocks holds.
const extentBlock = 4096

// changedBlocks is changedBytes in blocks of at most extentBlock extents
// (the tens of thousands a large commit finds are never copied to grow a
// slice).
func changedBlocks(dev Device, exts []stagedExtent) ([][]stagedExtent, error) {
	var out [][]stagedExtent
	add := func(e stagedExtent) {
		if n := len(out); n == 0 || len(out[n-1]) == cap(out[n-1]) {
			c := 64
			if n > 0 {
				c = min(2*cap(out[n-1]), extentBlock)
			}
			out = append(out, make([]stagedExtent, 0, c))
		}
		out[len(out)-1] = append(out[len(out)-1], e)
	}
	le := binary.LittleEndian
	var old []byte // the device's bytes under e.Data[base:], read 1 MiB at a time
	for _, e := range exts {
		data := e.Data
		base := 0
		old = old[:0]
		start, end := -1, -1 // the current run of changed bytes
		flush := func() {
			if start >= 0 {
				add(stagedExtent{Off: e.Off + int64(start), Data: data[start:end:end]})
				start = -1
			}
		}
		// mark notes that bytes [lo, hi) changed.
		mark := func(lo, hi int) {
			if start >= 0 && lo-end < journalMerge {
				end = hi
				return
			}
			flush()
			start, end = lo, hi
		}
		for i := 0; i < len(data); {
			if i >= base+len(old) {
				base = i
				old = slices.Grow(old[:0], 1<<20)[:min(1<<20, len(data)-i)]
				if _, err := dev.ReadAt(old, e.Off+int64(i)); err != nil {
					return nil, fmt.Errorf("volume: read the bytes the commit replaces at %#x: %w", e.Off+int64(i), err)
				}
			}
			o := old[i-base:]
			d := data[i : i+len(o)]
			// Word by word; equal spans of skipSpan bytes are passed
			// over whole (a run before them ends: the next change is
			// too far to merge).
			k := 0
			for k+8 <= len(d) {
				if k%skipSpan == 0 && k+skipSpan <= len(d) && bytes.Equal(d[k:k+skipSpan], o[k:k+skipSpan]) {
					k += skipSpan
					continue
				}
				if x := le.Uint64(d[k:]) ^ le.Uint64(o[k:]); x != 0 {
					mark(i+k+bits.TrailingZeros64(x)/8, i+k+8-bits.LeadingZeros64(x)/8)
				}
				k += 8
			}
			for ; k < len(d); k++ {
				if d[k] != o[k] {
					mark(i+k, i+k+1)
				}
			}
			i += len(d)
		}
		flush()
	}
	return out, nil
}
