package wof

// A greedy LZ77 match finder with hash chains, shared by the encoders.

// match is one step of a parse: a literal (length 0) or a copy of length
// bytes from offset bytes back. Not an on-disk structure.
type match struct {
	length, offset int
}

const (
	hashBits  = 15
	maxChain  = 64
	minHashed = 3 // bytes hashed per position
)

// parse splits src into literals and matches of minLen..maxLen bytes at
// offsets 1..maxOffset. With repeats set it also tries LZX's three recent
// offsets (updated as LZX does), which the encoder then sends as repeats.
func parse(src []byte, minLen, maxLen, maxOffset int, repeats bool) []match {
	recent := [3]int{1, 1, 1}
	var out []match
	head := make([]int32, 1<<hashBits)
	for i := range head {
		head[i] = -1
	}
	prev := make([]int32, len(src))
	hash := func(i int) int {
		v := uint32(src[i]) | uint32(src[i+1])<<8 | uint32(src[i+2])<<16
		return int((v * 2654435761) >> (32 - hashBits))
	}
	insert := func(i int) {
		if i+minHashed <= len(src) {
			h := hash(i)
			prev[i] = head[h]
			head[h] = int32(i)
		}
	}
	matchLen := func(i, j, limit int) int {
		n := 0
		for n < limit && src[i+n] == src[j+n] {
			n++
		}
		return n
	}
	for i := 0; i < len(src); {
		limit := min(maxLen, len(src)-i)
		bestLen, bestOff := 0, 0
		if repeats {
			for _, off := range recent {
				if off <= i && off <= maxOffset {
					if n := matchLen(i, i-off, limit); n > bestLen {
						bestLen, bestOff = n, off
					}
				}
			}
		}
		if i+minHashed <= len(src) {
			j := int(head[hash(i)])
			for c := 0; j >= 0 && c < maxChain; c++ {
				off := i - j
				if off > maxOffset {
					break
				}
				if n := matchLen(i, j, limit); n > bestLen {
					bestLen, bestOff = n, off
				}
				j = int(prev[j])
			}
		}
		if bestLen < minLen {
			out = append(out, match{})
			insert(i)
			i++
			continue
		}
		out = append(out, match{bestLen, bestOff})
		if repeats {
			recent = updateRecent(recent, bestOff)
		}
		for k := 0; k < bestLen; k++ {
			insert(i + k)
		}
		i += bestLen
	}
	return out
}

// updateRecent returns LZX's recent offsets after a match at off: a repeat
// of R1 or R2 swaps it with R0; a new offset is pushed in front.
func updateRecent(r [3]int, off int) [3]int {
	switch off {
	case r[0]:
	case r[1]:
		r[0], r[1] = r[1], r[0]
	case r[2]:
		r[0], r[2] = r[2], r[0]
	default:
		r = [3]int{off, r[0], r[1]}
	}
	return r
}
