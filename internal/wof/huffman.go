package wof

import (
	"container/heap"
	"errors"
	"slices"
)

// Canonical Huffman codes as XPRESS and LZX use them: codes are assigned in
// order of increasing length, and within a length in symbol order, and are
// read from the most significant bit.

// huffTableBits is how many leading bits the direct lookup table resolves;
// longer codes are found by a search per length.
const huffTableBits = 10

// maxHuffLen is the longest code any table here allows (LZX: 16).
const maxHuffLen = 16

// huffDecoder decodes one canonical code. Not an on-disk structure.
type huffDecoder struct {
	table  [1 << huffTableBits]uint32 // symbol<<5 | length; 0: no code (or a longer one)
	count  [maxHuffLen + 1]int        // codes of each length
	first  [maxHuffLen + 1]int        // first code of each length
	index  [maxHuffLen + 1]int        // position in syms of the first symbol of each length
	syms   []uint16                   // symbols in canonical order
	maxLen int
	empty  bool // no symbol has a code
}

var (
	errOversubscribed = errors.New("code lengths are over-subscribed")
	errBadLength      = errors.New("code length too long")
)

// build prepares d for the code lengths lens (0: symbol unused). An
// incomplete code is accepted (its unused codes fail to decode); an
// over-subscribed one is not.
func (d *huffDecoder) build(lens []uint8, maxLen int) error {
	d.maxLen = maxLen
	d.count = [maxHuffLen + 1]int{}
	for _, l := range lens {
		if int(l) > maxLen {
			return errBadLength
		}
		d.count[l]++
	}
	d.count[0] = 0
	left := 1
	for l := 1; l <= maxLen; l++ {
		left = left<<1 - d.count[l]
		if left < 0 {
			return errOversubscribed
		}
	}
	d.empty = left == 1<<maxLen
	code, n := 0, 0
	for l := 1; l <= maxLen; l++ {
		code = (code + d.count[l-1]) << 1
		d.first[l] = code
		d.index[l] = n
		n += d.count[l]
	}
	d.syms = slices.Grow(d.syms[:0], n)[:n]
	next := d.index
	for s, l := range lens {
		if l != 0 {
			d.syms[next[l]] = uint16(s)
			next[l]++
		}
	}
	clear(d.table[:])
	for l := 1; l <= min(maxLen, huffTableBits); l++ {
		for i := 0; i < d.count[l]; i++ {
			c := d.first[l] + i
			s := uint32(d.syms[d.index[l]+i])
			lo := c << (huffTableBits - l)
			hi := (c + 1) << (huffTableBits - l)
			for j := lo; j < hi; j++ {
				d.table[j] = s<<5 | uint32(l)
			}
		}
	}
	return nil
}

// decode resolves the next symbol from the next 16 bits of input, most
// significant first (bits past the end of the input are zero). It returns
// the symbol and its code length, or ok false when no code matches.
func (d *huffDecoder) decode(next16 uint32) (sym, length int, ok bool) {
	if e := d.table[next16>>(16-huffTableBits)]; e != 0 {
		return int(e >> 5), int(e & 31), true
	}
	for l := huffTableBits + 1; l <= d.maxLen; l++ {
		c := int(next16 >> (16 - l))
		if i := c - d.first[l]; i >= 0 && i < d.count[l] {
			return int(d.syms[d.index[l]+i]), l, true
		}
	}
	return 0, 0, false
}

// huffLengths returns code lengths, none longer than maxLen, for symbols
// with the given counts: a Huffman code, with the counts flattened until it
// fits. A lone used symbol gets a partner so that every code has two
// codewords of length 1 at least.
func huffLengths(freq []int, maxLen int) []uint8 {
	lens := make([]uint8, len(freq))
	var used []int
	for s, f := range freq {
		if f > 0 {
			used = append(used, s)
		}
	}
	switch len(used) {
	case 0:
		return lens
	case 1:
		lens[used[0]] = 1
		lens[(used[0]+1)%len(freq)] = 1
		return lens
	}
	f := make([]int, len(freq))
	copy(f, freq)
	for {
		depth := huffDepths(f, used)
		ok := true
		for _, s := range used {
			if depth[s] > maxLen {
				ok = false
				break
			}
		}
		if ok {
			for _, s := range used {
				lens[s] = uint8(depth[s])
			}
			return lens
		}
		for _, s := range used {
			f[s] = f[s]/2 + 1
		}
	}
}

// huffNode is a node of the tree huffDepths builds. Not an on-disk structure.
type huffNode struct {
	weight, order int // order breaks ties, so the result is deterministic
	sym           int // leaf symbol, or -1
	left, right   *huffNode
}

type huffHeap []*huffNode

func (h huffHeap) Len() int { return len(h) }
func (h huffHeap) Less(i, j int) bool {
	if h[i].weight != h[j].weight {
		return h[i].weight < h[j].weight
	}
	return h[i].order < h[j].order
}
func (h huffHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *huffHeap) Push(x any)   { *h = append(*h, x.(*huffNode)) }
func (h *huffHeap) Pop() any {
	old := *h
	n := old[len(old)-1]
	*h = old[:len(old)-1]
	return n
}

// huffDepths returns the depth of each used symbol in a Huffman tree.
func huffDepths(freq []int, used []int) []int {
	h := make(huffHeap, 0, len(used))
	for i, s := range used {
		h = append(h, &huffNode{weight: freq[s], order: i, sym: s})
	}
	heap.Init(&h)
	order := len(used)
	for h.Len() > 1 {
		a := heap.Pop(&h).(*huffNode)
		b := heap.Pop(&h).(*huffNode)
		heap.Push(&h, &huffNode{weight: a.weight + b.weight, order: order, sym: -1, left: a, right: b})
		order++
	}
	depth := make([]int, len(freq))
	var walk func(n *huffNode, d int)
	walk = func(n *huffNode, d int) {
		if n.sym >= 0 {
			depth[n.sym] = d
			return
		}
		walk(n.left, d+1)
		walk(n.right, d+1)
	}
	walk(h[0], 0)
	return depth
}

// huffCodes returns the canonical code of each symbol for lens.
func huffCodes(lens []uint8) []uint32 {
	var count [maxHuffLen + 2]int
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [maxHuffLen + 2]uint32
	code := uint32(0)
	for l := 1; l <= maxHuffLen; l++ {
		code = (code + uint32(count[l-1])) << 1
		next[l] = code
	}
	codes := make([]uint32, len(lens))
	for s, l := range lens {
		if l != 0 {
			codes[s] = next[l]
			next[l]++
		}
	}
	return codes
}
