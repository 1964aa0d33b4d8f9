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
	err := changedTo(dev, exts, func(b []stagedExtent) { out = append(out, b) }, nil)
	return out, err
}

// changedTo is changedBlocks handing each block to emit as soon as it is
// full (and the last one at the end), for the journal to be written
// while the rest is compared. It reads the device's bytes into buf, as
// much at once as it holds (nil: 1 MiB of its own).
func changedTo(dev Device, exts []stagedExtent, emit func([]stagedExtent), buf []byte) error {
	var cur []stagedExtent
	add := func(e stagedExtent) {
		if len(cur) == cap(cur) {
			c := 64
			if cur != nil {
				emit(cur)
				c = min(2*cap(cur), extentBlock)
			}
			cur = make([]stagedExtent, 0, c)
		}
		cur = append(cur, e)
	}
	le := binary.LittleEndian
	if len(buf) == 0 {
		buf = make([]byte, 1<<20)
	}
	var old []byte // the device's bytes under e.Data[base:], read a buf at a time
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
				n := min(len(buf), len(data)-i)
				old = buf[:n]
				if _, err := dev.ReadAt(old, e.Off+int64(i)); err != nil {
					return fmt.Errorf("volume: read the bytes the commit replaces at %#x: %w", e.Off+int64(i), err)
				}
			}
			o := old[i-base:]
			d := data[i : i+len(o)]
			// Spans of skipSpan, then of 32 bytes, are compared whole (a
			// run before an equal skipSpan ends: the next change is too
			// far to merge); the others word by word.
			k := 0
			for k+32 <= len(d) {
				if k%skipSpan == 0 && k+skipSpan <= len(d) && bytes.Equal(d[k:k+skipSpan], o[k:k+skipSpan]) {
					k += skipSpan
					continue
				}
				if bytes.Equal(d[k:k+32], o[k:k+32]) {
					k += 32
					continue
				}
				for w := k; w < k+32; w += 8 {
					if x := le.Uint64(d[w:w+8]) ^ le.Uint64(o[w:w+8]); x != 0 {
						mark(i+w+bits.TrailingZeros64(x)/8, i+w+8-bits.LeadingZeros64(x)/8)
					}
				}
				k += 32
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
	if len(cur) > 0 {
		emit(cur)
	}
	return nil
}

// diffPieces is how many goroutines compare a commit's extents.
const diffPieces = 2

// changedSeq starts comparing exts in diffPieces goroutines, each its
// share of the bytes, and returns the journalSeq of the blocks they find,
// in order, to be called at most once, and drain, to be called after it
// (it lets the goroutines end when seq was not called, or stopped). Each
// goroutine reads into a buffer from bufs (nil: its own).
func changedSeq(dev Device, exts []stagedExtent, bufs func() []byte) (seq journalSeq, drain func()) {
	total := 0
	for _, e := range exts {
		total += len(e.Data)
	}
	type piece struct {
		blocks chan []stagedExtent
		err    error
	}
	var pieces []*piece
	for len(exts) > 0 {
		// The next piece: extents up to its share of the bytes.
		k, n := 0, 0
		for k < len(exts) && (n < total/diffPieces || len(pieces) == diffPieces-1) {
			n += len(exts[k].Data)
			k++
		}
		p := &piece{blocks: make(chan []stagedExtent, 1024)}
		pieces = append(pieces, p)
		var buf []byte
		if bufs != nil {
			buf = bufs()
		}
		go func(exts []stagedExtent) {
			defer close(p.blocks)
			p.err = changedTo(dev, exts, func(b []stagedExtent) { p.blocks <- b }, buf)
		}(exts[:k])
		exts = exts[k:]
	}
	seq = func(yield func([]stagedExtent) bool) error {
		more := true
		var err error
		for _, p := range pieces {
			for b := range p.blocks {
				if more {
					more = yield(b)
				}
			}
			// Drained: the goroutine is done.
			if err == nil {
				err = p.err
			}
		}
		return err
	}
	drain = func() {
		for _, p := range pieces {
			for range p.blocks {
			}
		}
	}
	return seq, drain
}
