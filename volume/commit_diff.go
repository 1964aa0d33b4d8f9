package volume

import (
	"encoding/binary"
	"math/bits"
)

// The journal holds the bytes a commit changes, not its staged pages (a
// record that gains a name changes its header, the sector ends and the
// attributes from the new one on: about a third of its bytes). Every byte
// it leaves out is the same before and after the commit, so whatever mix
// of old and new bytes a crash leaves on the device, replaying the
// changed ones gives the state after.
//
// The overlay finds them as it stages: a write into a page compares its
// bytes with the page's before copying them (the page then holds what the
// device holds, or bytes an earlier write marked), and marks the granules
// that differ in the page's mask. Marks are never cleared, so a granule
// changed and changed back is journaled (with the bytes it has): the
// journal may hold more than the changed bytes, never less. The commit
// then needs no second read of what it replaces.

// maskGranule is the size, in bytes, of the parts of a staged page whose
// change the overlay records: a journal extent starts and ends on them
// (at most 3 bytes more than the changed bytes, each side).
const maskGranule = 4

// maskWords is the number of 64-bit words of a page's mask.
const maskWords = overlayPage / maskGranule / 64

// pageMask marks the granules of a staged page that may differ from the
// device: bit g%64 of word g/64 for the bytes from g*maskGranule.
//
// Not an on-disk structure.
type pageMask [maskWords]uint64

// mark marks the granules of the page's bytes [lo, hi).
func (m *pageMask) mark(lo, hi int) {
	for g := lo / maskGranule; g <= (hi-1)/maskGranule; g++ {
		m[g/64] |= 1 << (g % 64)
	}
}

// markAll marks the page's first n bytes (all of a page written whole,
// whose old bytes were not read).
func (m *pageMask) markAll(n int) {
	if n >= overlayPage {
		for i := range m {
			m[i] = ^uint64(0)
		}
		return
	}
	if n > 0 {
		m.mark(0, n)
	}
}

// markChanged marks the granules where the bytes to be written at page
// offset in (to) differ from the page's (from, as long).
func (m *pageMask) markChanged(in int, from, to []byte) {
	le := binary.LittleEndian
	n := len(to)
	from = from[:n]
	k := 0
	if in%64 == 0 {
		// 64 bytes at a time, 16 granules of one word of the mask (a
		// record is staged at a multiple of 64).
		for ; k+64 <= n; k += 64 {
			f, t := (*[64]byte)(from[k:k+64]), (*[64]byte)(to[k:k+64])
			x0 := le.Uint64(f[0:]) ^ le.Uint64(t[0:])
			x1 := le.Uint64(f[8:]) ^ le.Uint64(t[8:])
			x2 := le.Uint64(f[16:]) ^ le.Uint64(t[16:])
			x3 := le.Uint64(f[24:]) ^ le.Uint64(t[24:])
			x4 := le.Uint64(f[32:]) ^ le.Uint64(t[32:])
			x5 := le.Uint64(f[40:]) ^ le.Uint64(t[40:])
			x6 := le.Uint64(f[48:]) ^ le.Uint64(t[48:])
			x7 := le.Uint64(f[56:]) ^ le.Uint64(t[56:])
			if x0|x1|x2|x3|x4|x5|x6|x7 == 0 {
				continue
			}
			b := granules(x0) | granules(x1)<<2 | granules(x2)<<4 | granules(x3)<<6 |
				granules(x4)<<8 | granules(x5)<<10 | granules(x6)<<12 | granules(x7)<<14
			g := (in + k) / maskGranule
			m[g/64] |= b << (g % 64)
		}
	}
	for ; k+8 <= n; k += 8 {
		if x := le.Uint64(from[k:]) ^ le.Uint64(to[k:]); x != 0 {
			m.mark(in+k+bits.TrailingZeros64(x)/8, in+k+8-bits.LeadingZeros64(x)/8)
		}
	}
	for ; k < n; k++ {
		if from[k] != to[k] {
			m.mark(in+k, in+k+1)
		}
	}
}

// granules is the two mask bits of an 8-byte word whose changed bits are
// x: bit 0 for its first 4 bytes, bit 1 for the others.
func granules(x uint64) uint64 {
	return (x&0xFFFFFFFF+0xFFFFFFFF)>>32 | (x>>32+0xFFFFFFFF)>>32<<1
}

// journalMerge is the shortest run of unmarked bytes that splits two
// marked ones into two journal extents: a shorter one costs less in the
// journal than the extent header it saves (two varints, 2 to 4 bytes as
// a rule).
const journalMerge = 8

// extentBlock is the most extents a block of changedSeq holds: one
// block's memory serves them all, a block at a time.
const extentBlock = 4096

// changedSeq returns the journalSeq of the marked parts of exts (staged
// pages, or parts of them, in device order): runs of marked granules,
// clipped to the extents, neighbours closer than journalMerge merged
// (within an extent: each is a slice of one chunk), in blocks of at most
// extentBlock extents, each in the memory of the one before.
func (o *overlay) changedSeq(exts []stagedExtent) journalSeq {
	return func(yield func([]stagedExtent) bool) error {
		cur := make([]stagedExtent, 0, extentBlock)
		for _, e := range exts {
			end := e.Off + int64(len(e.Data))
			start, stop := int64(-1), int64(-1) // the current run, device offsets
			flush := func() bool {
				if start < 0 {
					return true
				}
				if len(cur) == cap(cur) {
					if !yield(cur) {
						return false
					}
					cur = cur[:0]
				}
				cur = append(cur, stagedExtent{Off: start, Data: e.Data[start-e.Off : stop-e.Off : stop-e.Off]})
				start = -1
				return true
			}
			for pos := e.Off; pos < end; {
				pg := pos / overlayPage
				pgOff := pg * overlayPage
				pgEnd := min(pgOff+overlayPage, end)
				var m *pageMask
				o.mu.Lock()
				if ch := o.chunks[pg/overlayChunk]; ch != nil {
					m = &ch.masks[pg%overlayChunk]
				}
				o.mu.Unlock()
				for w := int((pos - pgOff) / maskGranule / 64); m != nil && w < maskWords; w++ {
					word := m[w]
					for word != 0 {
						g := bits.TrailingZeros64(word)
						ones := bits.TrailingZeros64(^(word >> g))
						if g+ones < 64 {
							word &^= (1<<ones - 1) << g
						} else {
							word = 0
						}
						lo := max(pgOff+int64((w*64+g)*maskGranule), pos)
						hi := min(pgOff+int64((w*64+g+ones)*maskGranule), pgEnd)
						if lo >= hi {
							continue
						}
						if start >= 0 && lo-stop < journalMerge {
							stop = hi
							continue
						}
						if !flush() {
							return nil
						}
						start, stop = lo, hi
					}
				}
				pos = pgEnd
			}
			if !flush() {
				return nil
			}
		}
		if len(cur) > 0 {
			yield(cur)
		}
		return nil
	}
}
