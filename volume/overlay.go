package volume

import (
	"io"
	"slices"
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
	// chunks back the pages: overlayChunk consecutive pages share one
	// buffer, in order, so that a run of staged pages is one slice.
	chunks map[int64]*chunk
	// onWrite is told which bytes changed (the volume drops them from its
	// page cache).
	onWrite func(off, n int64)
	// watch, when set, is told of the same (a transaction's read-ahead
	// window of $MFT, txahead.go); window, when set, returns the current
	// bytes of a page about to be staged when it holds them (nil: read
	// them), to be used at once.
	watch  func(off, n int64)
	window func(off int64, n int) []byte
	// lazy counts, per page, writes promised but not staged yet (a
	// transaction encodes changed INDX blocks once, at its end); fill
	// stages those of a page, and is called before the page is read.
	lazy map[int64]int
	fill func(pg int64) error
	// readClean, when set, reads bytes of pages with nothing staged or
	// promised (the volume's page cache over this overlay, which often
	// holds the page a write is about to stage).
	readClean func(p []byte, off int64) (int, error)
	filling   int // fills under way: the page cache may be loading the page
	// ahead holds chunk buffers made ready on another goroutine.
	ahead chunkPool
}

var _ Device = (*overlay)(nil)

func newOverlay(base Device) *overlay {
	return &overlay{base: base, pages: make(map[int64][]byte), chunks: make(map[int64]*chunk)}
}

func (o *overlay) Name() string    { return deviceName(o.base) }
func (o *overlay) Size() int64     { return o.base.Size() }
func (o *overlay) SectorSize() int { return o.base.SectorSize() }
func (o *overlay) Sync() error     { return nil }
func (o *overlay) Close() error {
	o.discard()
	return o.base.Close()
}

// ReadAt reads staged pages from memory and the rest from the device,
// staging promised writes of the pages it reads first.
func (o *overlay) ReadAt(p []byte, off int64) (int, error) {
	o.mu.Lock()
	lazy := len(o.lazy) > 0
	o.mu.Unlock()
	if lazy && len(p) > 0 {
		for pg := off / overlayPage; pg <= (off+int64(len(p))-1)/overlayPage; pg++ {
			o.mu.Lock()
			k := o.lazy[pg]
			o.mu.Unlock()
			if k > 0 {
				o.mu.Lock()
				o.filling++
				o.mu.Unlock()
				err := o.fill(pg)
				o.mu.Lock()
				o.filling--
				o.mu.Unlock()
				if err != nil {
					return 0, err
				}
			}
		}
	}
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
		if ok {
			// Copied under the lock: once discard has run, no reader
			// (a goroutine a walk left behind) touches a chunk, whose
			// memory may be unmapped then.
			if in >= int64(len(b)) {
				o.mu.Unlock()
				return done, errEOF(o, cur)
			}
			c := copy(p[done:done+int(n)], b[in:])
			o.mu.Unlock()
			done += c
			if int64(c) < n {
				return done, errEOF(o, cur)
			}
			continue
		}
		o.mu.Unlock()
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
		ch := o.chunks[pg/overlayChunk]
		o.mu.Unlock()
		if !ok {
			b, ch = o.page(pg, size)
		}
		m := &ch.masks[pg%overlayChunk]
		n := min(len(b)-int(in), len(p)-done)
		switch {
		case ok:
			m.markChanged(int(in), b[in:int(in)+n], p[done:done+n])
		case in == 0 && n == len(b):
			// A page the write covers whole needs nothing read under it
			// (an INDX block, a run of records): all of it may change.
			m.markAll(len(b))
		default:
			read := o.base.ReadAt
			o.mu.Lock()
			clean := o.lazy[pg] == 0 && o.filling == 0
			if o.readClean != nil && clean {
				read = o.readClean
			}
			o.mu.Unlock()
			var src []byte
			if clean && o.window != nil {
				src = o.window(pg*overlayPage, len(b))
			}
			if src != nil {
				// The page's bytes from the window but those the write
				// covers, which are compared there (just read: in cache).
				copy(b[:in], src[:in])
				copy(b[int(in)+n:], src[int(in)+n:])
				m.markChanged(int(in), src[in:int(in)+n], p[done:done+n])
				break
			}
			if _, err := read(b, pg*overlayPage); err == io.EOF {
				m.markAll(len(b))
			} else if err != nil {
				return done, err
			}
			m.markChanged(int(in), b[in:int(in)+n], p[done:done+n])
		}
		if !ok {
			o.mu.Lock()
			o.pages[pg] = b
			o.mu.Unlock()
		}
		done += copy(b[in:], p[done:done+n])
	}
	if o.onWrite != nil {
		o.onWrite(off, int64(len(p)))
	}
	if o.watch != nil {
		o.watch(off, int64(len(p)))
	}
	return len(p), nil
}

// overlayChunk is the number of pages a chunk of staged pages holds.
const overlayChunk = 32

// chunk is the memory of overlayChunk consecutive pages, staged or not,
// and which of their bytes may differ from the device's.
//
// Not an on-disk structure.
type chunk struct {
	buf   []byte
	masks [overlayChunk]pageMask
}

// page returns the bytes for page pg (shorter at the device end) and its
// chunk, allocating the chunk on first use.
func (o *overlay) page(pg, size int64) ([]byte, *chunk) {
	c := pg / overlayChunk
	o.mu.Lock()
	ch := o.chunks[c]
	if ch == nil {
		ch = new(chunk)
		n := min(overlayChunk*overlayPage, size-c*overlayChunk*overlayPage)
		if n == overlayChunk*overlayPage {
			ch.buf = o.ahead.get()
		} else {
			ch.buf = make([]byte, n)
		}
		o.chunks[c] = ch
	}
	o.mu.Unlock()
	in := (pg - c*overlayChunk) * overlayPage
	return ch.buf[in:min(in+overlayPage, int64(len(ch.buf)))], ch
}

// chunkPool keeps chunk buffers ready, made on a goroutine of their own.
// A transaction stages its pages into fresh memory, and the kernel maps
// each of its pages in on first touch (about a microsecond each on a VM;
// 3,000 for the 10,000 records of the writer benchmark): done on a second
// core, that time leaves the transaction's. The goroutine runs only while
// the pool is below its mark, and takes no lock of the overlay.
//
// Where the system allows (arena_linux.go), the buffers are carved from
// arenas of 2 MiB mapped outside the Go heap and asked to be one huge page
// each: one fault maps an arena, and the staged bytes neither count
// towards the heap's growth (which sets how often the garbage collector
// runs) nor take TLB entries by the thousand. release unmaps them; it is
// called once nothing refers to a chunk (the overlay's discard).
//
// Not an on-disk structure.
type chunkPool struct {
	mu      sync.Mutex
	ready   [][]byte
	running bool
	done    sync.WaitGroup // the fill goroutine
	arenas  []mapping      // mapped by fill, unmapped by release
}

const (
	chunkBytes = overlayChunk * overlayPage
	// chunksAhead is the pool's mark: 2 MiB, one arena, staged by the
	// writer in about 3 ms.
	chunksAhead = 16
)

// prime starts the pool's goroutine when the pool is low, so that it has
// buffers by the time a transaction stages its first pages.
func (p *chunkPool) prime() {
	p.mu.Lock()
	p.startLocked()
	p.mu.Unlock()
}

// startLocked starts the fill goroutine when the pool runs low (p.mu
// held).
func (p *chunkPool) startLocked() {
	if !p.running && len(p.ready) < chunksAhead/2 {
		p.running = true
		p.done.Add(1)
		go p.fill()
	}
}

// get returns a chunk buffer (its bytes unspecified: every page is
// written whole or read from the device before use), from the pool when
// it has one, and starts the pool's goroutine when it runs low.
func (p *chunkPool) get() []byte {
	p.mu.Lock()
	var b []byte
	if n := len(p.ready); n > 0 {
		b = p.ready[n-1]
		p.ready[n-1] = nil
		p.ready = p.ready[:n-1]
	}
	p.startLocked()
	p.mu.Unlock()
	if b == nil {
		b = make([]byte, chunkBytes)
	}
	return b
}

// fill makes buffers ready up to the mark: an arena carved in chunks, or
// heap buffers with one byte of each memory page touched so that the
// kernel maps them now.
func (p *chunkPool) fill() {
	defer p.done.Done()
	for {
		var bufs [][]byte
		if m, ok := mapArena(); ok {
			a := m.arena
			for off := 0; off+chunkBytes <= len(a); off += chunkBytes {
				bufs = append(bufs, a[off:off+chunkBytes:off+chunkBytes])
			}
			p.mu.Lock()
			p.arenas = append(p.arenas, m)
			p.mu.Unlock()
		} else {
			b := make([]byte, chunkBytes)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 0
			}
			bufs = [][]byte{b}
		}
		p.mu.Lock()
		p.ready = append(p.ready, bufs...)
		if len(p.ready) >= chunksAhead {
			p.running = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
}

// release waits for the fill goroutine and unmaps every arena, with the
// ready buffers carved from them: no chunk handed out may be used after.
func (p *chunkPool) release() {
	p.done.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.arenas) == 0 {
		return
	}
	for _, a := range p.arenas {
		unmapArena(a)
	}
	p.arenas, p.ready = nil, nil
}

// extent is a run of staged bytes at a device offset.
type stagedExtent struct {
	Off  int64
	Data []byte
}

// extents returns the staged pages merged into contiguous runs, in device
// order. A run ends at a chunk boundary; its bytes are the chunk's, not a
// copy (nothing writes to the overlay between extents and discard).
func (o *overlay) extents() []stagedExtent {
	o.mu.Lock()
	defer o.mu.Unlock()
	idx := make([]int64, 0, len(o.pages))
	for pg := range o.pages {
		idx = append(idx, pg)
	}
	slices.Sort(idx)
	var out []stagedExtent
	for i := 0; i < len(idx); {
		c := idx[i] / overlayChunk
		j := i + 1
		for j < len(idx) && idx[j] == idx[j-1]+1 && idx[j]/overlayChunk == c {
			j++
		}
		buf := o.chunks[c].buf
		lo := (idx[i] - c*overlayChunk) * overlayPage
		hi := min((idx[j-1]-c*overlayChunk+1)*overlayPage, int64(len(buf)))
		out = append(out, stagedExtent{Off: idx[i] * overlayPage, Data: buf[lo:hi:hi]})
		i = j
	}
	return out
}

// stagedBytes is the size of the staged pages.
func (o *overlay) stagedBytes() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := int64(0)
	for _, b := range o.pages {
		n += int64(len(b))
	}
	return n
}

// discard forgets every staged write and reports the page ranges it
// held. The chunks' memory goes (see chunkPool): the transaction must
// hold no slice of it (the commit's extents are written by then).
func (o *overlay) discard() []int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var pgs []int64
	for pg := range o.pages {
		pgs = append(pgs, pg)
	}
	o.pages = make(map[int64][]byte)
	o.chunks = make(map[int64]*chunk)
	o.lazy = nil
	// Nothing refers to the chunks now: the arenas behind them go.
	o.ahead.release()
	return pgs
}

// promise notes a write to come on the pages of [off, off+n) (see lazy).
func (o *overlay) promise(off, n int64) {
	o.mu.Lock()
	if o.lazy == nil {
		o.lazy = map[int64]int{}
	}
	for pg := off / overlayPage; pg <= (off+n-1)/overlayPage; pg++ {
		o.lazy[pg]++
	}
	o.mu.Unlock()
	if o.onWrite != nil {
		o.onWrite(off, n)
	}
	if o.watch != nil {
		o.watch(off, n)
	}
}

// kept notes that a promised write of [off, off+n) was staged or dropped.
func (o *overlay) kept(off, n int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for pg := off / overlayPage; pg <= (off+n-1)/overlayPage; pg++ {
		if o.lazy[pg]--; o.lazy[pg] <= 0 {
			delete(o.lazy, pg)
		}
	}
}

// touchedIn reports whether a page of [off, off+n) is staged or has
// writes promised.
func (o *overlay) touchedIn(off, n int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for pg := off / overlayPage; n > 0 && pg <= (off+n-1)/overlayPage; pg++ {
		if _, ok := o.pages[pg]; ok || o.lazy[pg] > 0 {
			return true
		}
	}
	return false
}

// promisedIn reports whether a write is promised on any page of
// [off, off+n).
func (o *overlay) promisedIn(off, n int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.lazy) == 0 || n <= 0 {
		return false
	}
	for pg := off / overlayPage; pg <= (off+n-1)/overlayPage; pg++ {
		if o.lazy[pg] > 0 {
			return true
		}
	}
	return false
}
