package volume

import (
	"io"
	"sort"
	"sync"
)

// overlayPage is the granularity of staged writes.
const overlayPage = 4096

// overlay is the Device a writable Volume reads through: the real device
// with the pages a transaction has written so far laid over it. Writes
// stay in memory until Commit hands the pages to the journal and then to
// the device; a rollback forgets them.
//
// Not an on-disk structure.
type overlay struct {
	base  Device
	mu    sync.Mutex
	pages map[int64][]byte // page index → page bytes (shorter at the device end)
	// onWrite is told which bytes changed (the volume drops them from its
	// page cache).
	onWrite func(off, n int64)
}

var _ Device = (*overlay)(nil)

func newOverlay(base Device) *overlay {
	return &overlay{base: base, pages: make(map[int64][]byte)}
}

func (o *overlay) Name() string    { return deviceName(o.base) }
func (o *overlay) Size() int64     { return o.base.Size() }
func (o *overlay) SectorSize() int { return o.base.SectorSize() }
func (o *overlay) Sync() error     { return nil }
func (o *overlay) Close() error    { return o.base.Close() }

// ReadAt reads staged pages from memory and the rest from the device.
func (o *overlay) ReadAt(p []byte, off int64) (int, error) {
	o.mu.Lock()
	staged := len(o.pages) > 0
	o.mu.Unlock()
	if !staged {
		return o.base.ReadAt(p, off)
	}
	done := 0
	for done < len(p) {
		cur := off + int64(done)
		pg := cur / overlayPage
		in := cur - pg*overlayPage
		n := min(int64(len(p)-done), overlayPage-in)
		o.mu.Lock()
		b, ok := o.pages[pg]
		o.mu.Unlock()
		if ok {
			if in >= int64(len(b)) {
				return done, errEOF(o, cur)
			}
			c := copy(p[done:done+int(n)], b[in:])
			done += c
			if int64(c) < n {
				return done, errEOF(o, cur)
			}
			continue
		}
		// Read the clean pages up to the next staged one in one call.
		end := pg + 1
		o.mu.Lock()
		for int64(done)+(end*overlayPage-cur) < int64(len(p)) {
			if _, ok := o.pages[end]; ok {
				break
			}
			end++
		}
		o.mu.Unlock()
		n = min(int64(len(p)-done), end*overlayPage-cur)
		c, err := o.base.ReadAt(p[done:done+int(n)], cur)
		done += c
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

func errEOF(o *overlay, off int64) error {
	if off >= o.base.Size() {
		return io.EOF
	}
	return &DeviceError{Op: "read", Offset: off, Path: o.Name(), Err: ErrOutOfRange}
}

// WriteAt stages p at off; it never reaches the device.
func (o *overlay) WriteAt(p []byte, off int64) (int, error) {
	size := o.base.Size()
	if off < 0 || off > size || int64(len(p)) > size-off {
		return 0, &DeviceError{Op: "write", Offset: off, Length: len(p), Path: o.Name(), Err: ErrOutOfRange}
	}
	done := 0
	for done < len(p) {
		cur := off + int64(done)
		pg := cur / overlayPage
		in := cur - pg*overlayPage
		o.mu.Lock()
		b, ok := o.pages[pg]
		o.mu.Unlock()
		if !ok {
			b = make([]byte, min(overlayPage, size-pg*overlayPage))
			if _, err := o.base.ReadAt(b, pg*overlayPage); err != nil && err != io.EOF {
				return done, err
			}
			o.mu.Lock()
			o.pages[pg] = b
			o.mu.Unlock()
		}
		done += copy(b[in:], p[done:])
	}
	if o.onWrite != nil {
		o.onWrite(off, int64(len(p)))
	}
	return len(p), nil
}

// extent is a run of staged bytes at a device offset.
type stagedExtent struct {
	Off  int64
	Data []byte
}

// extents returns the staged pages merged into contiguous runs, in device
// order.
func (o *overlay) extents() []stagedExtent {
	o.mu.Lock()
	defer o.mu.Unlock()
	idx := make([]int64, 0, len(o.pages))
	for pg := range o.pages {
		idx = append(idx, pg)
	}
	sort.Slice(idx, func(i, j int) bool { return idx[i] < idx[j] })
	var out []stagedExtent
	for _, pg := range idx {
		b := o.pages[pg]
		off := pg * overlayPage
		if n := len(out); n > 0 && out[n-1].Off+int64(len(out[n-1].Data)) == off {
			out[n-1].Data = append(out[n-1].Data, b...)
			continue
		}
		out = append(out, stagedExtent{Off: off, Data: append([]byte(nil), b...)})
	}
	return out
}

// discard forgets every staged write and reports the page ranges it held.
func (o *overlay) discard() []int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var pgs []int64
	for pg := range o.pages {
		pgs = append(pgs, pg)
	}
	o.pages = make(map[int64][]byte)
	return pgs
}
