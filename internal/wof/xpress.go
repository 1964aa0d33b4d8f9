package wof

import (
	"encoding/binary"
	"math/bits"
)

// XPRESS (LZ77+Huffman, [MS-XCA] 2.1/2.2). One chunk of at most 64 KiB is
// one block:
//
//	0x000 256 bytes: code lengths of symbols 0..511, four bits each, the
//	      even symbol in the low nibble
//	0x100 bit stream of 16-bit little-endian words, most significant bit
//	      first, with bytes interleaved for long match lengths
//
// Symbols 0..255 are literals. Symbol 256+s is a match: s&15 is the length
// minus 3 (15: the length continues in the byte stream), s>>4 is the bit
// length of the offset, whose top bit is implied (offset = 1<<(s>>4) plus
// that many bits from the bit stream).
//
// The decoder keeps 32 bits of the stream: it starts with the words at
// 0x100 and 0x102 and loads the next word whenever fewer than 16 bits
// remain beyond the first 16. A match length byte (and the u16 or u32 that
// may follow) is read from the position after the last word loaded, so the
// encoder reserves two words ahead of the bytes it writes.

const (
	xpressSymbols   = 512
	xpressTableSize = xpressSymbols / 2
	xpressMaxLen    = 15
	xpressMinMatch  = 3
	// XpressMaxChunk is the largest chunk one XPRESS block decodes.
	XpressMaxChunk = 65536
)

// DecompressXpress decodes the XPRESS chunk src into dst, which must have
// exactly the chunk's uncompressed size (at most 64 KiB).
func DecompressXpress(dst, src []byte) error {
	if len(dst) > XpressMaxChunk {
		return corrupt("xpress", 0, "chunk of %d bytes exceeds %d", len(dst), XpressMaxChunk)
	}
	if len(dst) == 0 {
		return nil
	}
	if len(src) < xpressTableSize {
		return corrupt("xpress", 0, "%d bytes, shorter than the %d-byte code length table", len(src), xpressTableSize)
	}
	var lens [xpressSymbols]uint8
	for i, b := range src[:xpressTableSize] {
		lens[2*i], lens[2*i+1] = b&15, b>>4
	}
	var d huffDecoder
	if err := d.build(lens[:], xpressMaxLen); err != nil {
		return corrupt("xpress", 0, "code length table: %v", err)
	}
	pos := xpressTableSize
	word := func() uint32 {
		var w uint32
		switch {
		case pos+1 < len(src):
			w = uint32(binary.LittleEndian.Uint16(src[pos:]))
		case pos < len(src):
			w = uint32(src[pos])
		}
		pos += 2
		return w
	}
	next := word() << 16
	next |= word()
	extra := 16 // bits buffered beyond the first 16
	consume := func(n int) {
		next <<= n
		extra -= n
		if extra < 0 {
			next |= word() << -extra
			extra += 16
		}
	}
	out := 0
	for out < len(dst) {
		// The stream may end up to two words before the decoder's
		// look-ahead does; beyond that the input is truncated.
		if pos > len(src)+4 {
			return corrupt("xpress", len(src), "input ends after %d of %d bytes", out, len(dst))
		}
		sym, n, ok := d.decode(next >> 16)
		if !ok {
			return corrupt("xpress", pos, "no Huffman code matches bits %016b (output byte %d)", next>>16, out)
		}
		consume(n)
		if sym < 256 {
			dst[out] = byte(sym)
			out++
			continue
		}
		sym -= 256
		length := sym & 15
		offBits := sym >> 4
		if length == 15 {
			if pos >= len(src) {
				return corrupt("xpress", pos, "match length byte past the end of the input")
			}
			length = int(src[pos])
			pos++
			if length == 255 {
				if pos+2 > len(src) {
					return corrupt("xpress", pos, "match length u16 past the end of the input")
				}
				length = int(binary.LittleEndian.Uint16(src[pos:]))
				pos += 2
				if length == 0 {
					if pos+4 > len(src) {
						return corrupt("xpress", pos, "match length u32 past the end of the input")
					}
					length = int(binary.LittleEndian.Uint32(src[pos:]))
					pos += 4
				}
				if length < 15 {
					return corrupt("xpress", pos, "extended match length %d below 15", length)
				}
				length -= 15
			}
			length += 15
		}
		length += xpressMinMatch
		offset := 1<<offBits | int(uint64(next)>>(32-offBits)) // next>>32 is 0 for offBits 0
		consume(offBits)
		if offset > out {
			return corrupt("xpress", pos, "match offset %d reaches before the chunk start (output byte %d)", offset, out)
		}
		if length > len(dst)-out {
			return corrupt("xpress", pos, "match of %d bytes at output byte %d passes the chunk end %d", length, out, len(dst))
		}
		copyMatch(dst, out, offset, length)
		out += length
	}
	return nil
}

// copyMatch copies length bytes from offset bytes before dst[out] to
// dst[out:], byte by byte where the ranges overlap.
func copyMatch(dst []byte, out, offset, length int) {
	if offset >= length {
		copy(dst[out:out+length], dst[out-offset:])
		return
	}
	for i := 0; i < length; i++ {
		dst[out+i] = dst[out-offset+i]
	}
}

// xpressWriter writes an XPRESS bit stream with interleaved bytes.
// Not an on-disk structure.
type xpressWriter struct {
	out          []byte
	acc          uint64
	n            uint // pending bits, ≤ 16 between calls
	slot1, slot2 int  // reserved words: the next two the bits go to
}

func newXpressWriter(table []byte) *xpressWriter {
	w := &xpressWriter{out: append(table, 0, 0, 0, 0)}
	w.slot1, w.slot2 = len(table), len(table)+2
	return w
}

// bits appends the low n ≤ 16 bits of v. A word is written once more than
// 16 bits are pending, which keeps the byte position in step with the
// decoder's look-ahead.
func (w *xpressWriter) bits(v uint32, n uint) {
	w.acc = w.acc<<n | uint64(v)&(1<<n-1)
	w.n += n
	if w.n > 16 {
		w.n -= 16
		binary.LittleEndian.PutUint16(w.out[w.slot1:], uint16(w.acc>>w.n))
		w.slot1, w.slot2 = w.slot2, len(w.out)
		w.out = append(w.out, 0, 0)
	}
}

func (w *xpressWriter) byte(b byte) { w.out = append(w.out, b) }

func (w *xpressWriter) finish() []byte {
	if w.n > 0 {
		binary.LittleEndian.PutUint16(w.out[w.slot1:], uint16(w.acc<<(16-w.n)))
	}
	return w.out
}

// xpressSymbol returns the symbol of a match.
func xpressSymbol(m match) int {
	return 256 + (bits.Len(uint(m.offset))-1)<<4 | min(m.length-xpressMinMatch, 15)
}

// CompressXpress encodes src (at most 64 KiB) as one XPRESS chunk and
// appends it to dst.
func CompressXpress(dst, src []byte) []byte {
	if len(src) > XpressMaxChunk {
		panic("wof: CompressXpress: chunk larger than 64 KiB")
	}
	ms := parse(src, xpressMinMatch, len(src), 65535, false)
	freq := make([]int, xpressSymbols)
	pos := 0
	for _, m := range ms {
		if m.length == 0 {
			freq[src[pos]]++
			pos++
			continue
		}
		freq[xpressSymbol(m)]++
		pos += m.length
	}
	lens := huffLengths(freq, xpressMaxLen)
	codes := huffCodes(lens)
	table := make([]byte, xpressTableSize)
	for i := range table {
		table[i] = lens[2*i] | lens[2*i+1]<<4
	}
	w := newXpressWriter(append(dst, table...))
	pos = 0
	for _, m := range ms {
		if m.length == 0 {
			s := src[pos]
			w.bits(codes[s], uint(lens[s]))
			pos++
			continue
		}
		s := xpressSymbol(m)
		w.bits(codes[s], uint(lens[s]))
		if l := m.length - xpressMinMatch; l >= 15 {
			if l-15 < 255 {
				w.byte(byte(l - 15))
			} else {
				w.byte(255)
				w.byte(byte(l))
				w.byte(byte(l >> 8))
			}
		}
		ob := uint(bits.Len(uint(m.offset)) - 1)
		w.bits(uint32(m.offset), ob)
		pos += m.length
	}
	return w.finish()
}
