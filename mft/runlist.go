package mft

import "math"

// Run is one extent of a non-resident attribute: Length clusters starting at
// LCN Start, or a hole of Length clusters when Sparse is set.
type Run struct {
	Start  LCN   // first cluster; 0 when Sparse
	Length int64 // clusters, > 0
	Sparse bool  // no clusters allocated: reads as zeros
}

// DecodeRuns decodes a runlist (mapping pairs) up to its terminating zero
// byte. It returns the runs and the number of bytes consumed, including the
// terminator. Each pair is a header byte whose low nibble is the size of the
// length field and whose high nibble is the size of the signed LCN delta
// (0 for a sparse run).
func DecodeRuns(b []byte) ([]Run, int, error) {
	var runs []Run
	var lcn, vcn int64
	i := 0
	for {
		if i >= len(b) {
			return nil, i, corrupt(i, "runlist (no terminator)", nil)
		}
		h := b[i]
		if h == 0 {
			return runs, i + 1, nil
		}
		ls, os := int(h&0x0F), int(h>>4)
		if ls == 0 || ls > 8 || os > 8 {
			return nil, i, corrupt(i, "runlist pair header", sprintf("0x%02x", h))
		}
		if i+1+ls+os > len(b) {
			return nil, i, corrupt(i, "runlist pair (past end)", sprintf("0x%02x", h))
		}
		length := signedLE(b[i+1 : i+1+ls])
		if length <= 0 {
			return nil, i, corrupt(i+1, "run length", length)
		}
		if vcn > math.MaxInt64-length {
			return nil, i, corrupt(i+1, "run length (VCN overflow)", length)
		}
		vcn += length
		r := Run{Length: length}
		if os == 0 {
			r.Sparse = true
		} else {
			d := signedLE(b[i+1+ls : i+1+ls+os])
			if (d > 0 && lcn > math.MaxInt64-d) || (d < 0 && lcn < math.MinInt64-d) {
				return nil, i, corrupt(i+1+ls, "run offset (overflow)", d)
			}
			lcn += d
			if lcn < 0 {
				return nil, i, corrupt(i+1+ls, "run start LCN", lcn)
			}
			r.Start = LCN(lcn)
		}
		runs = append(runs, r)
		i += 1 + ls + os
	}
}

// AppendRuns encodes runs as mapping pairs with minimal field sizes, as
// Windows writes them, followed by the terminating zero byte. It rejects the
// runs DecodeRuns rejects; error offsets are those the bad pair would have
// had in the encoded runlist, as DecodeRuns would report them. On error b is
// returned unchanged.
func AppendRuns(b []byte, runs []Run) ([]byte, error) {
	var lcn, vcn int64
	start := len(b)
	for _, r := range runs {
		at := len(b) - start
		if r.Length <= 0 {
			return b[:start], corrupt(at+1, "run length", r.Length)
		}
		if vcn > math.MaxInt64-r.Length {
			return b[:start], corrupt(at+1, "run length (VCN overflow)", r.Length)
		}
		vcn += r.Length
		lb := minSigned(r.Length)
		if r.Sparse {
			if r.Start != 0 {
				return b[:start], corrupt(at, "sparse run start LCN (want 0)", int64(r.Start))
			}
			b = append(b, byte(len(lb)))
			b = append(b, lb...)
			continue
		}
		if r.Start < 0 {
			return b[:start], corrupt(at+1+len(lb), "run start LCN", int64(r.Start))
		}
		ob := minSigned(int64(r.Start) - lcn)
		lcn = int64(r.Start)
		b = append(b, byte(len(lb))|byte(len(ob))<<4)
		b = append(b, lb...)
		b = append(b, ob...)
	}
	return append(b, 0), nil
}

// signedLE decodes a little-endian two's complement integer of 1 to 8 bytes.
func signedLE(b []byte) int64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	shift := 64 - 8*uint(len(b))
	return int64(v<<shift) >> shift
}

// minSigned encodes v in the fewest little-endian bytes that still sign-extend
// back to v.
func minSigned(v int64) []byte {
	var out []byte
	for {
		out = append(out, byte(v))
		rest := v >> 8
		if (rest == 0 && byte(v)&0x80 == 0) || (rest == -1 && byte(v)&0x80 != 0) {
			return out
		}
		v = rest
	}
}

// RunsClusters returns the total number of clusters the runs span.
func RunsClusters(runs []Run) int64 {
	var n int64
	for _, r := range runs {
		n += r.Length
	}
	return n
}
