package mft

// LZNT1 (MS-XCA section 2.5), the compression NTFS uses for compressed $DATA
// streams. A compression unit (16 clusters) is stored as a sequence of chunks,
// each holding up to 4096 bytes of decompressed data:
//
//	chunk header (u16, little-endian)
//	  bits 0-11  chunk size in bytes, header included, minus 3
//	  bits 12-14 signature, 3 (0b011)
//	  bit  15    set if the chunk is compressed
//	uncompressed chunk: 4096 raw bytes (ntfs-3g and TSK reject fewer)
//	compressed chunk:   groups of one flag byte and up to eight tokens; flag
//	                    bit i (LSB first) clear means token i is a literal
//	                    byte, set means it is a u16 back-reference
//
// A back-reference packs (offset-1) into its high bits and (length-3) into its
// low bits. The split depends on how many bytes of the current chunk have been
// produced so far (pos): offset bits = max(4, bits.Len(pos-1)), length bits =
// 16 - offset bits. So the offset field can always reach the chunk start, and
// the longest match shrinks from 4098 bytes (pos ≤ 16) to 18 (pos > 2048).
// Matches may overlap the bytes they produce (offset < length); such copies
// repeat the last offset bytes. A zero chunk header, or the end of the
// compressed clusters, ends the unit.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"slices"
)

// ErrLZNT1 is matched (with errors.Is) by every error DecompressLZNT1 returns.
var ErrLZNT1 = errors.New("mft: corrupt LZNT1 data")

// LZNT1Error describes corrupt LZNT1 data.
type LZNT1Error struct {
	Offset int    // byte offset within the compressed input
	Msg    string // what is wrong there
}

func (e *LZNT1Error) Error() string {
	return fmt.Sprintf("mft: corrupt LZNT1 data at offset %#x: %s", e.Offset, e.Msg)
}

// Is reports whether target is ErrLZNT1.
func (e *LZNT1Error) Is(target error) bool { return target == ErrLZNT1 }

const (
	lznt1ChunkSize  = 4096   // decompressed bytes per chunk
	lznt1SizeMask   = 0x0fff // chunk header: chunk size - 3
	lznt1Signature  = 0x3000 // chunk header: signature 3 in bits 12-14
	lznt1Compressed = 0x8000 // chunk header: chunk is compressed
	lznt1MinMatch   = 3
)

// lznt1LengthBits returns how many low bits of a back-reference hold the
// match length when pos bytes (pos ≥ 1) of the chunk have been produced.
func lznt1LengthBits(pos int) uint {
	offBits := max(4, bits.Len(uint(pos-1)))
	return uint(16 - offBits)
}

// DecompressLZNT1 decompresses one compression unit's worth (or any sequence)
// of LZNT1 chunks from src, appending to dst, stopping at a zero chunk header
// or end of src. A single trailing zero byte is accepted as padding.
//
// Every chunk but the last stands for exactly 4096 bytes: as in ntfs-3g, a
// chunk that yields fewer bytes and is followed by another chunk is
// padded with zeros. The last chunk's output is not padded, so callers fill
// the remainder of the compression unit themselves.
//
// Corrupt input (a chunk running past src, a back-reference before the chunk
// start, a chunk producing more than 4096 bytes, a token cut short) yields a
// *LZNT1Error matching ErrLZNT1, and dst as passed in.
func DecompressLZNT1(dst, src []byte) ([]byte, error) {
	orig := dst
	short := 0 // zero bytes owed by the previous chunk, paid if another follows
	for pos := 0; ; {
		switch len(src) - pos {
		case 0:
			return dst, nil
		case 1:
			if src[pos] == 0 {
				return dst, nil
			}
			return orig, &LZNT1Error{pos, "truncated chunk header"}
		}
		h := binary.LittleEndian.Uint16(src[pos:])
		if h == 0 {
			return dst, nil
		}
		size := int(h&lznt1SizeMask) + 3
		if size > len(src)-pos {
			return orig, &LZNT1Error{pos, fmt.Sprintf("chunk size %#x runs past end of input (%#x bytes left)", size, len(src)-pos)}
		}
		data := src[pos+2 : pos+size]
		if short > 0 {
			dst = slices.Grow(dst, short)
			dst = dst[:len(dst)+short]
			clear(dst[len(dst)-short:])
		}
		var n int
		if h&lznt1Compressed == 0 {
			// size-2 ≤ 4096 by construction of the 12-bit field.
			dst = append(dst, data...)
			n = len(data)
		} else {
			var err error
			dst, n, err = lznt1DecompressChunk(dst, data, pos+2)
			if err != nil {
				return orig, err
			}
		}
		short = lznt1ChunkSize - n
		pos += size
	}
}

// lznt1DecompressChunk appends the decompressed contents of one compressed
// chunk (data, without its header, found at offset base of the input) to dst
// and returns the number of bytes it appended.
func lznt1DecompressChunk(dst, data []byte, base int) ([]byte, int, error) {
	start := len(dst)
	dst = slices.Grow(dst, lznt1ChunkSize)
	out := dst[start : start+lznt1ChunkSize]
	w := 0 // bytes produced
	for i := 0; i < len(data); {
		flags := data[i]
		i++
		for bit := 0; bit < 8 && i < len(data); bit++ {
			if flags&1 == 0 {
				if w == lznt1ChunkSize {
					return dst, 0, &LZNT1Error{base + i, "literal past the 4096-byte chunk end"}
				}
				out[w] = data[i]
				w++
				i++
			} else {
				if len(data)-i < 2 {
					return dst, 0, &LZNT1Error{base + i, "truncated back-reference"}
				}
				if w == 0 {
					return dst, 0, &LZNT1Error{base + i, "back-reference at chunk start"}
				}
				tok := uint(data[i]) | uint(data[i+1])<<8
				lb := lznt1LengthBits(w)
				off := int(tok>>lb) + 1
				n := int(tok&(1<<lb-1)) + lznt1MinMatch
				if off > w {
					return dst, 0, &LZNT1Error{base + i, fmt.Sprintf("back-reference offset %d before chunk start (position %#x)", off, w)}
				}
				if n > lznt1ChunkSize-w {
					return dst, 0, &LZNT1Error{base + i, fmt.Sprintf("back-reference length %d at position %#x passes the 4096-byte chunk end", n, w)}
				}
				if off >= n {
					copy(out[w:w+n], out[w-off:])
				} else {
					// Overlapping: the output repeats with period off. Copy
					// whole periods, doubling each time.
					for done := 0; done < n; {
						done += copy(out[w+done:w+n], out[w-off:w+done])
					}
				}
				w += n
				i += 2
			}
			flags >>= 1
		}
	}
	return dst[:start+w], w, nil
}

// CompressLZNT1 compresses src (chunks of 4096 bytes) and appends to dst;
// chunks that don't shrink are stored uncompressed (header flag bit clear) as
// Windows does. No terminating zero header is appended: on disk the zero
// slack of the unit's last cluster ends the sequence. Deciding whether a whole
// compression unit is worth storing compressed is up to the caller.
//
// NTFS readers accept only full 4096-byte uncompressed chunks (ntfs-3g and The
// Sleuth Kit reject a shorter one). So a last chunk shorter than 4096 bytes is
// written compressed, as ntfs-3g does, unless its compressed form exceeds 4096
// bytes; only then is it stored padded with zeros to 4096 bytes, and
// decompressing the result yields src followed by those zeros.
func CompressLZNT1(dst, src []byte) []byte {
	if len(src) == 0 {
		return dst
	}
	c := new(lznt1Compressor)
	for len(src) > 0 {
		n := min(len(src), lznt1ChunkSize)
		dst = c.chunk(dst, src[:n])
		src = src[n:]
	}
	return dst
}

const (
	lznt1HashBits  = 12
	lznt1MaxChain  = 64 // candidates tried per position
	lznt1LazyBelow = 32 // try a lazy match when the greedy one is shorter
)

// lznt1Compressor holds the hash chains of a greedy matcher. Positions are
// chunk-relative; matches never cross a chunk start. Not an on-disk structure.
type lznt1Compressor struct {
	head [1 << lznt1HashBits]int16 // latest position with a hash, -1 if none
	prev [lznt1ChunkSize]int16     // previous position with the same hash
}

func lznt1Hash(b []byte) uint32 {
	v := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	return (v * 2654435761) >> (32 - lznt1HashBits)
}

func (c *lznt1Compressor) insert(in []byte, p int) {
	if p+lznt1MinMatch > len(in) {
		return
	}
	h := lznt1Hash(in[p:])
	c.prev[p] = c.head[h]
	c.head[h] = int16(p)
}

// uninsert undoes insert(in, p), p being the latest position inserted.
func (c *lznt1Compressor) uninsert(in []byte, p int) {
	if p+lznt1MinMatch > len(in) {
		return
	}
	c.head[lznt1Hash(in[p:])] = c.prev[p]
}

// match returns the longest earlier match for in[pos:] (length 0 if none
// of at least 3 bytes), limited by what a back-reference at pos can encode.
func (c *lznt1Compressor) match(in []byte, pos int) (off, length int) {
	if pos == 0 || len(in)-pos < lznt1MinMatch {
		return 0, 0
	}
	maxLen := min(len(in)-pos, 1<<lznt1LengthBits(pos)-1+lznt1MinMatch)
	cur := in[pos : pos+maxLen]
	cand := c.head[lznt1Hash(cur)]
	for tries := 0; cand >= 0 && tries < lznt1MaxChain; tries++ {
		p := int(cand)
		// Only look further when this candidate could beat the best.
		if length == 0 || in[p+length] == cur[length] {
			n := 0
			for n < maxLen && in[p+n] == cur[n] {
				n++
			}
			if n > length {
				off, length = pos-p, n
				if n == maxLen {
					break
				}
			}
		}
		cand = c.prev[p]
	}
	if length < lznt1MinMatch {
		return 0, 0
	}
	return off, length
}

// chunk appends in (1 to 4096 bytes) as one chunk.
func (c *lznt1Compressor) chunk(dst, in []byte) []byte {
	for i := range c.head {
		c.head[i] = -1
	}
	hdr := len(dst)
	dst = append(dst, 0, 0)
	// A stored chunk always takes 4096 bytes. Keep the compressed form when it
	// is smaller, or for a short last chunk when it is no larger.
	limit := hdr + 2 + lznt1ChunkSize
	if len(in) < lznt1ChunkSize {
		limit++
	}
	for pos := 0; pos < len(in); {
		flagAt := len(dst)
		dst = append(dst, 0)
		var flags byte
		for bit := 0; bit < 8 && pos < len(in); bit++ {
			off, n := c.match(in, pos)
			if n > 0 && n < lznt1LazyBelow {
				// Lazy matching: prefer a literal when the next position
				// starts a longer match.
				c.insert(in, pos)
				_, next := c.match(in, pos+1)
				c.uninsert(in, pos)
				if next > n {
					n = 0
				}
			}
			if n == 0 {
				dst = append(dst, in[pos])
				c.insert(in, pos)
				pos++
				continue
			}
			tok := uint16(off-1)<<lznt1LengthBits(pos) | uint16(n-lznt1MinMatch)
			dst = binary.LittleEndian.AppendUint16(dst, tok)
			flags |= 1 << bit
			for k := range n {
				c.insert(in, pos+k)
			}
			pos += n
		}
		dst[flagAt] = flags
		if len(dst) >= limit {
			// Does not shrink: store the bytes as they are, zero-padded.
			dst = binary.LittleEndian.AppendUint16(dst[:hdr], lznt1Signature|(lznt1ChunkSize+2-3))
			dst = append(dst, in...)
			return append(dst, make([]byte, lznt1ChunkSize-len(in))...)
		}
	}
	binary.LittleEndian.PutUint16(dst[hdr:], lznt1Compressed|lznt1Signature|uint16(len(dst)-hdr-3))
	return dst
}
