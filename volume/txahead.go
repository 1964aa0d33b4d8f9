package volume

// mftWindow is the part of $MFT a transaction read ahead (readAhead),
// kept so that records read in order are copied from it instead of going
// through the stream and the page cache one at a time. It stays exact:
// every write the overlay stages or promises over it (a record saved, a
// block encoded) cuts the bytes it covers off the window (see staged).
//
// Not an on-disk structure.
type mftWindow struct {
	s      *Stream // the $MFT stream read (a reloaded $MFT is a new one)
	buf    []byte  // the bytes read, from stream offset off
	off    int64
	dev    int64 // device offset of buf[0]: the window is contiguous there
	lo, hi int64 // stream offsets of the bytes still current: [lo, hi)
}

// set makes buf, read at stream offset off of s, the window when it lies
// in one run on the device.
func (w *mftWindow) set(s *Stream, buf []byte, off int64) {
	*w = mftWindow{}
	if r, ok := s.deviceRange(off, int64(len(buf))); ok {
		*w = mftWindow{s: s, buf: buf, off: off, dev: r.off, lo: off, hi: off + int64(len(buf))}
	}
}

// read copies the n bytes at stream offset off of s into p when the
// window holds them current.
func (w *mftWindow) read(s *Stream, p []byte, off int64) bool {
	if w.s == nil || s != w.s || off < w.lo || off+int64(len(p)) > w.hi {
		return false
	}
	copy(p, w.buf[off-w.off:])
	return true
}

// staged is told of every write staged or promised at device bytes
// [off, off+n): the window drops the side of it nearer to the write
// (records are read in order and written once read, so this is the start).
func (w *mftWindow) staged(off, n int64) {
	if w.s == nil || n <= 0 {
		return
	}
	lo, hi := w.dev+(w.lo-w.off), w.dev+(w.hi-w.off) // current bytes, on the device
	a, b := max(off, lo), min(off+n, hi)
	if a >= b {
		return
	}
	// As stream offsets.
	a, b = w.off+(a-w.dev), w.off+(b-w.dev)
	if a-w.lo <= w.hi-b {
		w.lo = b
	} else {
		w.hi = a
	}
	if w.lo >= w.hi {
		*w = mftWindow{}
	}
}

// peekDev returns the window's bytes for device bytes [off, off+n) when
// it holds them current (nil otherwise): a slice of the window, valid
// until the next read ahead (the overlay stages a page from it instead of
// reading it).
func (w *mftWindow) peekDev(off int64, n int) []byte {
	if w.s == nil {
		return nil
	}
	lo, hi := w.dev+(w.lo-w.off), w.dev+(w.hi-w.off)
	if off < lo || off+int64(n) > hi {
		return nil
	}
	return w.buf[off-w.dev : off-w.dev+int64(n)]
}
