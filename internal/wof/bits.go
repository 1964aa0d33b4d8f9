package wof

import "encoding/binary"

// LZX bit streams are 16-bit little-endian words whose bits are read from
// the most significant one.

// bitReader reads an LZX bit stream. Bits past the end of the input read as
// zeros; overrun reports whether any of them was consumed.
// Not an on-disk structure.
type bitReader struct {
	src []byte
	pos int    // next byte to load (may pass len(src))
	acc uint64 // buffered bits, the next one at bit 63
	n   uint   // buffered bits
}

func newBitReader(src []byte, pos int) bitReader {
	r := bitReader{src: src, pos: pos}
	r.fill()
	return r
}

// fill buffers at least 48 bits.
func (r *bitReader) fill() {
	for r.n <= 48 {
		var w uint16
		switch {
		case r.pos+1 < len(r.src):
			w = binary.LittleEndian.Uint16(r.src[r.pos:])
		case r.pos < len(r.src):
			w = uint16(r.src[r.pos])
		}
		r.pos += 2
		r.acc |= uint64(w) << (48 - r.n)
		r.n += 16
	}
}

// peek16 returns the next 16 bits without consuming them.
func (r *bitReader) peek16() uint32 { return uint32(r.acc >> 48) }

// skip consumes n ≤ 16 bits.
func (r *bitReader) skip(n uint) {
	r.acc <<= n
	r.n -= n
	if r.n <= 48 {
		r.fill()
	}
}

// bits reads n ≤ 16 bits as an unsigned number.
func (r *bitReader) bits(n uint) uint32 {
	if n == 0 {
		return 0
	}
	v := uint32(r.acc >> (64 - n))
	r.skip(n)
	return v
}

// consumed returns the number of bits read so far, from the start of src.
func (r *bitReader) consumed() int { return r.pos*8 - int(r.n) }

// offset returns the byte offset of the next unread bit.
func (r *bitReader) offset() int { return r.consumed() / 8 }

// overrun reports whether bits past the end of the input were consumed.
func (r *bitReader) overrun() bool { return r.consumed() > (len(r.src)+1)/2*16 }

// bitWriter writes an LZX bit stream. Not an on-disk structure.
type bitWriter struct {
	out []byte
	acc uint32
	n   uint // pending bits in acc, < 16
}

// write appends the low n ≤ 16 bits of v.
func (w *bitWriter) write(v uint32, n uint) {
	if n == 0 {
		return
	}
	w.acc = w.acc<<n | v&(1<<n-1)
	w.n += n
	if w.n >= 16 {
		w.n -= 16
		w.out = binary.LittleEndian.AppendUint16(w.out, uint16(w.acc>>w.n))
	}
}

// pad completes the current word with zero bits: always 1 to 16 bits when
// full is set (the padding before an uncompressed LZX block), else 0 to 15.
func (w *bitWriter) pad(full bool) {
	if w.n != 0 || full {
		w.write(0, 16-w.n)
	}
}
