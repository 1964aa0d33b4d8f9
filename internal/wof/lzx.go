package wof

import (
	"encoding/binary"
	"fmt"
)

// LZX as WIM and WOF use it, one chunk (at most the 32 KiB window) at a
// time, every chunk starting afresh (code lengths zero, recent offsets 1).
//
// A chunk is a sequence of blocks, each starting with
//
//	3 bits  block type: 1 verbatim, 2 aligned offset, 3 uncompressed
//	1 bit   set: the block holds 32768 bytes; clear: 16 bits of size follow
//
// Verbatim and aligned blocks then carry (aligned: first 8×3 bits of
// aligned-offset code lengths) the main code lengths in two parts
// (symbols 0..255, then 256..495) and the length code lengths (249
// symbols), each part sent as 20×4-bit pretree code lengths followed by
// pretree symbols: 0..16 give the length as (previous - symbol) mod 17,
// 17 and 18 give 4+4 bits or 20+5 bits of zeros, and 19 gives 4+1 bits of
// one length coded by the next pretree symbol. "Previous" is the length
// the symbol had in the block before (zero in the chunk's first block).
//
// A main symbol below 256 is a literal; 256+s is a match whose length
// header is s&7 (7: add a length-code symbol) plus 2, and whose position
// slot is s>>3. Slots 0..2 reuse the recent offsets R0..R2 (R1 and R2 swap
// with R0); others carry footer bits, in aligned blocks the low three from
// the aligned-offset code, and give offset = base + footer - 2.
//
// Uncompressed blocks skip 1 to 16 bits to a word boundary, then hold
// R0, R1, R2 (u32 each), the bytes, and a pad byte when the size is odd.
//
// After decoding, E8 bytes (x86 calls) followed by a 32-bit absolute
// target in [-position, 12000000) get their relative target back.

const (
	lzxWindow        = 32768
	lzxSlots         = 30 // position slots of a 32 KiB window
	lzxMainSyms      = 256 + 8*lzxSlots
	lzxLenSyms       = 249
	lzxPreSyms       = 20
	lzxAlignedSyms   = 8
	lzxMaxLen        = 16
	lzxMinMatch      = 2
	lzxMaxMatch      = lzxMinMatch + 7 + lzxLenSyms - 1 // 257
	lzxMaxOffset     = 32765                            // slot 29's base + footer - 2
	lzxE8FileSize    = 12000000
	lzxVerbatim      = 1
	lzxAligned       = 2
	lzxUncompressed  = 3
	lzxDefaultBlock  = 32768
	lzxAlignedBits   = 3
	lzxPretreeMaxLen = 15
	lzxAlignedMaxLen = 7
)

// lzxSlotBase and lzxSlotBits give each position slot's base formatted
// offset and footer bits.
var lzxSlotBase, lzxSlotBits = func() (base [lzxSlots]int, nbits [lzxSlots]uint) {
	for s := range lzxSlots {
		if s >= 4 {
			nbits[s] = uint(s/2 - 1)
		}
		if s > 0 {
			base[s] = base[s-1] + 1<<nbits[s-1]
		}
	}
	return
}()

// DecompressLZX decodes the LZX chunk src into dst, which must have exactly
// the chunk's uncompressed size (at most 32 KiB).
func DecompressLZX(dst, src []byte) error {
	if len(dst) > lzxWindow {
		return corrupt("lzx", 0, "chunk of %d bytes exceeds the %d-byte window", len(dst), lzxWindow)
	}
	d := lzxDecoder{r: newBitReader(src, 0), dst: dst, recent: [3]int{1, 1, 1}}
	if err := d.run(); err != nil {
		return err
	}
	lzxE8(dst, false)
	return nil
}

// lzxDecoder is the state of one chunk's decoding. Not an on-disk structure.
type lzxDecoder struct {
	r       bitReader
	dst     []byte
	out     int
	block   int // index of the current block, for errors
	recent  [3]int
	mainLen [lzxMainSyms]uint8
	lenLen  [lzxLenSyms]uint8
	main    huffDecoder
	length  huffDecoder
	aligned huffDecoder
	pre     huffDecoder
}

func (d *lzxDecoder) fail(format string, args ...any) error {
	return corrupt("lzx", d.r.offset(), "block %d, output byte %d: %s", d.block, d.out, fmt.Sprintf(format, args...))
}

func (d *lzxDecoder) run() error {
	for ; d.out < len(d.dst); d.block++ {
		typ := int(d.r.bits(3))
		size := lzxDefaultBlock
		if d.r.bits(1) == 0 {
			size = int(d.r.bits(16))
		}
		if size == 0 {
			return d.fail("block size 0")
		}
		end := d.out + min(size, len(d.dst)-d.out)
		var err error
		switch typ {
		case lzxVerbatim, lzxAligned:
			err = d.compressedBlock(typ == lzxAligned, end)
		case lzxUncompressed:
			err = d.uncompressedBlock(end)
		default:
			err = d.fail("block type %d", typ)
		}
		if err != nil {
			return err
		}
		if d.r.overrun() {
			return d.fail("input ends inside the block")
		}
	}
	return nil
}

// readLens reads one part of a code's lengths through a pretree, as
// deltas from the lengths already in lens.
func (d *lzxDecoder) readLens(lens []uint8) error {
	var pl [lzxPreSyms]uint8
	for i := range pl {
		pl[i] = uint8(d.r.bits(4))
	}
	if err := d.pre.build(pl[:], lzxPretreeMaxLen); err != nil {
		return d.fail("pretree: %v", err)
	}
	sym := func() (int, error) {
		s, n, ok := d.pre.decode(d.r.peek16())
		if !ok {
			return 0, d.fail("no pretree code matches")
		}
		d.r.skip(uint(n))
		return s, nil
	}
	for i := 0; i < len(lens); {
		p, err := sym()
		if err != nil {
			return err
		}
		run, val := 1, uint8(0)
		switch {
		case p < 17:
			val = uint8((int(lens[i]) + 17 - p) % 17)
		case p == 17:
			run = 4 + int(d.r.bits(4))
		case p == 18:
			run = 20 + int(d.r.bits(5))
		default: // 19
			run = 4 + int(d.r.bits(1))
			q, err := sym()
			if err != nil {
				return err
			}
			if q > 16 {
				return d.fail("pretree symbol %d after a same-length run", q)
			}
			val = uint8((int(lens[i]) + 17 - q) % 17)
		}
		if run > len(lens)-i {
			return d.fail("code length run of %d at symbol %d passes the %d symbols", run, i, len(lens))
		}
		for k := 0; k < run; k++ {
			lens[i+k] = val
		}
		i += run
	}
	return nil
}

func (d *lzxDecoder) compressedBlock(aligned bool, end int) error {
	if aligned {
		var al [lzxAlignedSyms]uint8
		for i := range al {
			al[i] = uint8(d.r.bits(3))
		}
		if err := d.aligned.build(al[:], lzxAlignedMaxLen); err != nil {
			return d.fail("aligned offset code: %v", err)
		}
	}
	if err := d.readLens(d.mainLen[:256]); err != nil {
		return err
	}
	if err := d.readLens(d.mainLen[256:]); err != nil {
		return err
	}
	if err := d.main.build(d.mainLen[:], lzxMaxLen); err != nil {
		return d.fail("main code: %v", err)
	}
	if err := d.readLens(d.lenLen[:]); err != nil {
		return err
	}
	if err := d.length.build(d.lenLen[:], lzxMaxLen); err != nil {
		return d.fail("length code: %v", err)
	}
	for d.out < end {
		if d.r.overrun() {
			return d.fail("input ends inside the block")
		}
		sym, n, ok := d.main.decode(d.r.peek16())
		if !ok {
			return d.fail("no main code matches")
		}
		d.r.skip(uint(n))
		if sym < 256 {
			d.dst[d.out] = byte(sym)
			d.out++
			continue
		}
		sym -= 256
		length := sym&7 + lzxMinMatch
		if sym&7 == 7 {
			ls, n, ok := d.length.decode(d.r.peek16())
			if !ok {
				return d.fail("no length code matches")
			}
			d.r.skip(uint(n))
			length += ls
		}
		slot := sym >> 3
		var offset int
		if slot < 3 {
			offset = d.recent[slot]
			d.recent[slot] = d.recent[0]
			d.recent[0] = offset
		} else {
			nb := lzxSlotBits[slot]
			var footer int
			if aligned && nb >= lzxAlignedBits {
				footer = int(d.r.bits(nb-lzxAlignedBits)) << lzxAlignedBits
				a, n, ok := d.aligned.decode(d.r.peek16())
				if !ok {
					return d.fail("no aligned offset code matches")
				}
				d.r.skip(uint(n))
				footer |= a
			} else {
				footer = int(d.r.bits(nb))
			}
			offset = lzxSlotBase[slot] + footer - 2
			d.recent = [3]int{offset, d.recent[0], d.recent[1]}
		}
		if offset <= 0 || offset > d.out {
			return d.fail("match offset %d reaches before the chunk start", offset)
		}
		if length > end-d.out {
			return d.fail("match of %d bytes passes the block end at output byte %d", length, end)
		}
		copyMatch(d.dst, d.out, offset, length)
		d.out += length
	}
	return nil
}

func (d *lzxDecoder) uncompressedBlock(end int) error {
	// 1 to 16 bits of padding reach the next word boundary.
	c := d.r.consumed()
	pos := (c + 16 - c%16) / 8
	n := end - d.out
	if pos+12+n > len(d.r.src) {
		return corrupt("lzx", pos, "block %d: uncompressed block of %d bytes passes the end of the %d-byte input", d.block, n, len(d.r.src))
	}
	for i := range d.recent {
		d.recent[i] = int(binary.LittleEndian.Uint32(d.r.src[pos+4*i:]))
	}
	pos += 12
	copy(d.dst[d.out:end], d.r.src[pos:])
	pos += n + n&1
	d.out = end
	d.r = newBitReader(d.r.src, pos)
	return nil
}

// lzxE8 undoes (or, with encode set, applies) the x86 call translation of
// a chunk in place.
func lzxE8(b []byte, encode bool) {
	if len(b) <= 10 {
		return
	}
	for i := 0; i < len(b)-10; i++ {
		if b[i] != 0xe8 {
			continue
		}
		v := int32(binary.LittleEndian.Uint32(b[i+1:]))
		pos := int32(i)
		if encode {
			if v >= -pos && v < lzxE8FileSize {
				if v < lzxE8FileSize-pos {
					v += pos
				} else {
					v -= lzxE8FileSize
				}
				binary.LittleEndian.PutUint32(b[i+1:], uint32(v))
			}
		} else if v >= -pos && v < lzxE8FileSize {
			if v >= 0 {
				v -= pos
			} else {
				v += lzxE8FileSize
			}
			binary.LittleEndian.PutUint32(b[i+1:], uint32(v))
		}
		i += 4
	}
}

// LZXBlockType is the type of an LZX block.
type LZXBlockType int

// LZX block types.
const (
	LZXVerbatim     LZXBlockType = lzxVerbatim
	LZXAligned      LZXBlockType = lzxAligned
	LZXUncompressed LZXBlockType = lzxUncompressed
)

// LZXOptions shape what CompressLZX writes. Not an on-disk structure.
type LZXOptions struct {
	BlockSize int            // bytes per block (the last one may be shorter); 0: one block
	Types     []LZXBlockType // block types used in turn; empty: verbatim
}

// lzxItem is a literal (length 0) or match at a position. Not an on-disk
// structure.
type lzxItem struct{ pos, length, offset int }

// CompressLZX encodes src (at most 32 KiB) as one LZX chunk and appends it
// to dst.
func CompressLZX(dst, src []byte, opt LZXOptions) []byte {
	if len(src) > lzxWindow {
		panic("wof: CompressLZX: chunk larger than 32 KiB")
	}
	buf := append([]byte(nil), src...)
	lzxE8(buf, true)
	var items []lzxItem
	pos := 0
	for _, m := range parse(buf, 3, lzxMaxMatch, lzxMaxOffset, true) {
		items = append(items, lzxItem{pos, m.length, m.offset})
		pos += max(m.length, 1)
	}
	bs := opt.BlockSize
	if bs <= 0 || bs > lzxDefaultBlock {
		bs = lzxDefaultBlock
	}
	e := lzxEncoder{w: bitWriter{out: dst}, recent: [3]int{1, 1, 1}}
	next := 0 // first item that may reach into the block
	for start, k := 0, 0; start < len(buf); start, k = start+bs, k+1 {
		end := min(start+bs, len(buf))
		typ := LZXVerbatim
		if len(opt.Types) > 0 {
			typ = opt.Types[k%len(opt.Types)]
		}
		// The items of [start, end), matches cut at its edges.
		var blk []lzxItem
		for next < len(items) && items[next].pos < end {
			it := items[next]
			s, t := max(it.pos, start), min(it.pos+max(it.length, 1), end)
			switch {
			case it.length == 0:
				blk = append(blk, it)
			case t-s >= lzxMinMatch:
				blk = append(blk, lzxItem{s, t - s, it.offset})
			default:
				for p := s; p < t; p++ {
					blk = append(blk, lzxItem{pos: p})
				}
			}
			if it.pos+max(it.length, 1) > end {
				break // the rest of this match belongs to the next block
			}
			next++
		}
		e.block(typ, buf, start, end, blk)
	}
	e.w.pad(false)
	return e.w.out
}

// lzxEncoder is the state of one chunk's encoding. Not an on-disk structure.
type lzxEncoder struct {
	w       bitWriter
	recent  [3]int
	mainLen [lzxMainSyms]uint8
	lenLen  [lzxLenSyms]uint8
}

// lzxSym is one coded match or literal of a block. Not an on-disk structure.
type lzxSym struct {
	main   int    // main symbol
	lenSym int    // length symbol, or -1
	footer uint32 // position footer
	nb     uint   // footer bits
}

func (e *lzxEncoder) block(typ LZXBlockType, buf []byte, start, end int, items []lzxItem) {
	e.w.write(uint32(typ), 3)
	if end-start == lzxDefaultBlock {
		e.w.write(1, 1)
	} else {
		e.w.write(0, 1)
		e.w.write(uint32(end-start), 16)
	}
	if typ == LZXUncompressed {
		e.w.pad(true)
		for _, r := range e.recent {
			e.w.out = binary.LittleEndian.AppendUint32(e.w.out, uint32(r))
		}
		e.w.out = append(e.w.out, buf[start:end]...)
		if (end-start)&1 != 0 {
			e.w.out = append(e.w.out, 0)
		}
		return
	}
	aligned := typ == LZXAligned
	syms := make([]lzxSym, 0, len(items))
	mainFreq := make([]int, lzxMainSyms)
	lenFreq := make([]int, lzxLenSyms)
	alFreq := make([]int, lzxAlignedSyms)
	for _, it := range items {
		if it.length == 0 {
			c := int(buf[it.pos])
			syms = append(syms, lzxSym{main: c, lenSym: -1})
			mainFreq[c]++
			continue
		}
		s := lzxSym{lenSym: -1}
		hdr := min(it.length-lzxMinMatch, 7)
		if hdr == 7 {
			s.lenSym = it.length - lzxMinMatch - 7
			lenFreq[s.lenSym]++
		}
		slot := -1
		for i, r := range e.recent {
			if r == it.offset {
				slot = i
				break
			}
		}
		if slot < 0 {
			f := it.offset + 2
			slot = lzxSlots - 1
			for lzxSlotBase[slot] > f {
				slot--
			}
			s.nb = lzxSlotBits[slot]
			s.footer = uint32(f - lzxSlotBase[slot])
			if aligned && s.nb >= lzxAlignedBits {
				alFreq[s.footer&7]++
			}
		}
		e.recent = updateRecent(e.recent, it.offset)
		s.main = 256 + slot<<3 | hdr
		mainFreq[s.main]++
		syms = append(syms, s)
	}
	var alLens []uint8
	if aligned {
		alLens = huffLengths(alFreq, lzxAlignedMaxLen)
		for _, l := range alLens {
			e.w.write(uint32(l), 3)
		}
	}
	mainLens := huffLengths(mainFreq, lzxMaxLen)
	lenLens := huffLengths(lenFreq, lzxMaxLen)
	e.writeLens(e.mainLen[:256], mainLens[:256])
	e.writeLens(e.mainLen[256:], mainLens[256:])
	e.writeLens(e.lenLen[:], lenLens)
	mainCodes, lenCodes, alCodes := huffCodes(mainLens), huffCodes(lenLens), huffCodes(alLens)
	for _, s := range syms {
		e.w.write(mainCodes[s.main], uint(mainLens[s.main]))
		if s.lenSym >= 0 {
			e.w.write(lenCodes[s.lenSym], uint(lenLens[s.lenSym]))
		}
		if aligned && s.nb >= lzxAlignedBits {
			e.w.write(s.footer>>lzxAlignedBits, s.nb-lzxAlignedBits)
			a := s.footer & 7
			e.w.write(alCodes[a], uint(alLens[a]))
		} else {
			e.w.write(s.footer, s.nb)
		}
	}
}

// writeLens sends cur through a pretree as deltas from prev, then makes
// cur the previous lengths.
func (e *lzxEncoder) writeLens(prev []uint8, cur []uint8) {
	type pre struct {
		sym   int
		extra uint32
		nb    uint
	}
	var ps []pre
	delta := func(i int) int { return (int(prev[i]) + 17 - int(cur[i])) % 17 }
	for i := 0; i < len(cur); {
		r := 1
		for i+r < len(cur) && cur[i+r] == cur[i] {
			r++
		}
		switch {
		case cur[i] == 0 && r >= 20:
			r = min(r, 51)
			ps = append(ps, pre{18, uint32(r - 20), 5})
		case cur[i] == 0 && r >= 4:
			ps = append(ps, pre{17, uint32(r - 4), 4})
		case cur[i] != 0 && r >= 4:
			r = min(r, 5)
			ps = append(ps, pre{19, uint32(r - 4), 1}, pre{sym: delta(i)})
		default:
			r = 1
			ps = append(ps, pre{sym: delta(i)})
		}
		i += r
	}
	freq := make([]int, lzxPreSyms)
	for _, p := range ps {
		freq[p.sym]++
	}
	lens := huffLengths(freq, lzxPretreeMaxLen)
	codes := huffCodes(lens)
	for _, l := range lens {
		e.w.write(uint32(l), 4)
	}
	for _, p := range ps {
		e.w.write(codes[p.sym], uint(lens[p.sym]))
		e.w.write(p.extra, p.nb)
	}
	copy(prev, cur)
}
