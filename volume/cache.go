package volume

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// CacheStats counts the work of a page cache; not an on-disk structure.
type CacheStats struct {
	DeviceReads int64 // ReadAt calls on the device
	BytesRead   int64 // bytes those calls returned
	Hits        int64 // pages served from the cache
	Misses      int64 // pages read from the device, including reads that bypass the cache
}

// pageCache is a read cache of fixed-size pages over a device, so that a
// tree walk never reads the same cluster twice. Missing pages next to each
// other are read with one device read; the least recently used pages are
// evicted first. Reads larger than half the capacity bypass the cache, so a
// big file copy does not evict the metadata.
//
// The cache does not see writes: whoever writes to the device must call
// Invalidate for the bytes written. A pageCache is safe for concurrent use:
// one mutex guards its state, but device reads run without it, so that
// readers of different pages read in parallel; a page being read is marked
// loading, and readers wanting it wait for that read rather than read it
// again.
type pageCache struct {
	mu       sync.Mutex
	r        io.ReaderAt
	size     int64 // device size in bytes; reads stop here
	pageSize int64
	maxPages int
	maxRead  int64       // reads longer than this bypass the cache
	pages    pageIndex   // page number → slot
	slots    []cacheSlot // grows up to maxPages; a slot's buffer is reused
	lru      lruList     // slots holding pages; front: most recently used
	free     []int32     // slots holding no page
	stats    CacheStats
	devMu    sync.Mutex // serializes device reads unless parallel
	parallel bool       // the device may be read from several goroutines
	loading  []*loadRun // runs of pages being read from the device
	loaded   *sync.Cond // on mu; broadcast when reads of pages end
	scratch  sync.Pool  // *[]byte: device read buffers of readPages
	// used marks, a bit per regionShift-sized region of the device, the
	// regions where a page was ever cached or read for the cache (never
	// cleared): Invalidate skips, without the lock, a range where none
	// was. Set before the page is, under mu.
	used        []atomic.Uint64
	regionShift uint
}

var _ io.ReaderAt = (*pageCache)(nil)

// cacheSlot holds one cached page; data is shorter than the page size only
// for the last page of the device. prev and next link the LRU list.
type cacheSlot struct {
	n          int64
	data       []byte
	prev, next int32 // LRU list
	hnext      int32 // next slot in the same pageIndex bucket
}

// pageIndex finds the slot of a cached page: a hash table chained through
// the slots, with a bucket per page number modulo a power of two, so that
// neighbouring pages (what sequential reads insert) never share a bucket.
type pageIndex struct {
	slots   *[]cacheSlot
	buckets []int32 // first slot of each bucket, -1 for none
	n       int
}

func newPageIndex(slots *[]cacheSlot, maxPages int) pageIndex {
	size := 1
	for size < maxPages && size < 1<<20 {
		size *= 2
	}
	b := make([]int32, size)
	for i := range b {
		b[i] = -1
	}
	return pageIndex{slots: slots, buckets: b}
}

func (x *pageIndex) bucket(n int64) *int32 { return &x.buckets[uint64(n)&uint64(len(x.buckets)-1)] }

// get returns the slot of page n.
func (x *pageIndex) get(n int64) (int32, bool) {
	s := *x.slots
	for i := *x.bucket(n); i >= 0; i = s[i].hnext {
		if s[i].n == n {
			return i, true
		}
	}
	return -1, false
}

// add records that slot i holds page (*x.slots)[i].n.
func (x *pageIndex) add(i int32) {
	s := *x.slots
	b := x.bucket(s[i].n)
	s[i].hnext, *b = *b, i
	x.n++
}

// remove forgets slot i.
func (x *pageIndex) remove(i int32) {
	s := *x.slots
	for p := x.bucket(s[i].n); *p >= 0; p = &s[*p].hnext {
		if *p == i {
			*p = s[i].hnext
			x.n--
			return
		}
	}
}

// Len returns the number of pages indexed.
func (x *pageIndex) Len() int { return x.n }

// lruList is a doubly linked list of slots by index (-1 ends it), so that
// caching a page allocates nothing once the slots exist.
type lruList struct {
	slots      *[]cacheSlot
	head, tail int32
	n          int
}

// Len returns the number of slots in the list.
func (l *lruList) Len() int { return l.n }

func (l *lruList) pushFront(i int32) {
	s := *l.slots
	s[i].prev, s[i].next = -1, l.head
	if l.head >= 0 {
		s[l.head].prev = i
	} else {
		l.tail = i
	}
	l.head = i
	l.n++
}

func (l *lruList) remove(i int32) {
	s := *l.slots
	p, n := s[i].prev, s[i].next
	if p >= 0 {
		s[p].next = n
	} else {
		l.head = n
	}
	if n >= 0 {
		s[n].prev = p
	} else {
		l.tail = p
	}
	l.n--
}

func (l *lruList) moveToFront(i int32) {
	if l.head != i {
		l.remove(i)
		l.pushFront(i)
	}
}

// newPageCache returns a cache of capacityBytes (rounded down to whole pages)
// over the first size bytes of d. pageSize 0 means 4096. A capacity below
// one page disables caching: every read goes to d.
func newPageCache(d io.ReaderAt, size int64, pageSize int, capacityBytes int64) *pageCache {
	if pageSize <= 0 {
		pageSize = 4096
	}
	c := &pageCache{
		r:        d,
		size:     size,
		pageSize: int64(pageSize),
		maxPages: int(max(capacityBytes, 0) / int64(pageSize)),
	}
	c.pages = newPageIndex(&c.slots, c.maxPages)
	c.loaded = sync.NewCond(&c.mu)
	c.parallel = parallelReads(d)
	c.lru = lruList{slots: &c.slots, head: -1, tail: -1}
	c.maxRead = int64(c.maxPages) * c.pageSize / 2
	// Regions of 1 MiB, or more on a device of more than 64 Gi of them.
	c.regionShift = 20
	for size>>c.regionShift > 1<<16 {
		c.regionShift++
	}
	c.used = make([]atomic.Uint64, (size>>c.regionShift)/64+1)
	return c
}

// markUsed notes that pages [first, end) are cached or being read for the
// cache.
func (c *pageCache) markUsed(first, end int64) {
	if end <= first {
		return
	}
	lo, hi := first*c.pageSize>>c.regionShift, ((end*c.pageSize)-1)>>c.regionShift
	for r := lo; r <= hi && r/64 < int64(len(c.used)); r++ {
		if w := &c.used[r/64]; w.Load()&(1<<(r%64)) == 0 {
			w.Or(1 << (r % 64))
		}
	}
}

// unused reports whether no page of device bytes [off, end) was ever
// cached or read for the cache.
func (c *pageCache) unused(off, end int64) bool {
	lo, hi := off>>c.regionShift, (end-1)>>c.regionShift
	for r := lo; r <= hi; r++ {
		if r/64 >= int64(len(c.used)) || c.used[r/64].Load()&(1<<(r%64)) != 0 {
			return false
		}
	}
	return true
}

// Stats returns the counters so far.
func (c *pageCache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// ReadAt reads like an *os.File of c.size bytes: a read reaching the end is
// short and returns io.EOF.
func (c *pageCache) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("volume: cache read at negative offset %d", off)
	}
	if off >= c.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	q := p
	if int64(len(q)) > c.size-off {
		q = q[:c.size-off]
	}
	var n int
	var err error
	if int64(len(q)) > c.maxRead {
		n, err = c.bypass(q, off)
	} else {
		n, err = c.readPages(q, off)
	}
	if err == nil && len(q) < len(p) {
		err = io.EOF
	}
	return n, err
}

// bypass reads p straight from the device.
func (c *pageCache) bypass(p []byte, off int64) (int, error) {
	c.mu.Lock()
	c.stats.Misses += (off+int64(len(p))-1)/c.pageSize - off/c.pageSize + 1
	c.mu.Unlock()
	return c.deviceRead(p, off)
}

// deviceRead reads p at off and counts the read, without c.mu held. A read
// that fills p does not return io.EOF.
func (c *pageCache) deviceRead(p []byte, off int64) (int, error) {
	if !c.parallel {
		c.devMu.Lock()
	}
	n, err := c.r.ReadAt(p, off)
	if !c.parallel {
		c.devMu.Unlock()
	}
	c.mu.Lock()
	c.stats.DeviceReads++
	c.stats.BytesRead += int64(n)
	c.mu.Unlock()
	if n == len(p) {
		return n, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// readPages fills p (within the device) from cached pages, reading each run
// of missing pages with one device read: straight into p when p covers the
// run's pages whole, otherwise through a scratch buffer.
func (c *pageCache) readPages(p []byte, off int64) (int, error) {
	end := off + int64(len(p))
	first, last := off/c.pageSize, (end-1)/c.pageSize
	done := 0
	c.mu.Lock()
	defer c.mu.Unlock()
	for pg := first; pg <= last; {
		if i, ok := c.pages.get(pg); ok {
			c.stats.Hits++
			c.lru.moveToFront(i)
			done += c.copyOut(p[done:], off+int64(done), &c.slots[i])
			pg++
			continue
		}
		if c.isLoading(pg) {
			c.loaded.Wait() // another reader is reading it: look again
			continue
		}
		run := pg + 1
		for run <= last {
			if _, cached := c.pages.get(run); cached || c.isLoading(run) {
				break
			}
			run++
		}
		runOff := pg * c.pageSize
		runLen := min(run*c.pageSize, c.size) - runOff
		var buf []byte
		var scratch *[]byte
		at := runOff - off
		direct := at >= 0 && at+runLen <= int64(len(p))
		if direct {
			buf = p[at : at+runLen] // the run lies inside p
		} else {
			scratch = c.getScratch(runLen)
			buf = *scratch
		}
		lr := &loadRun{first: pg, end: run}
		c.markUsed(pg, run)
		c.loading = append(c.loading, lr)
		c.mu.Unlock()
		_, err := c.deviceRead(buf, runOff)
		c.mu.Lock()
		c.doneLoading(lr)
		if err != nil {
			c.loaded.Broadcast()
			c.putScratch(scratch)
			return done, err
		}
		c.stats.Misses += run - pg
		for ; pg < run; pg++ {
			o := pg*c.pageSize - runOff
			page := buf[o:min(o+c.pageSize, runLen)]
			if !lr.stale { // not invalidated while it was read
				c.insert(pg, page)
			}
			if direct {
				done += len(page) // already in place
			} else {
				done += copy(p[done:], page[off+int64(done)-pg*c.pageSize:])
			}
		}
		c.loaded.Broadcast()
		c.putScratch(scratch)
	}
	return done, nil
}

// loadRun is a run of pages [first, end) being read from the device; stale
// is set when some of its bytes are invalidated meanwhile, and then none of
// them is cached.
type loadRun struct {
	first, end int64
	stale      bool
}

// isLoading reports whether page n is being read by another reader.
func (c *pageCache) isLoading(n int64) bool {
	for _, r := range c.loading {
		if n >= r.first && n < r.end {
			return true
		}
	}
	return false
}

// doneLoading forgets a run whose read ended.
func (c *pageCache) doneLoading(lr *loadRun) {
	for i, r := range c.loading {
		if r == lr {
			last := len(c.loading) - 1
			c.loading[i] = c.loading[last]
			c.loading[last] = nil
			c.loading = c.loading[:last]
			return
		}
	}
}

// parallelReads reports whether d is known to be safe for concurrent
// ReadAt calls: files (pread), memory devices and windows on them. Other
// devices (containers, test doubles) are read one call at a time.
func parallelReads(d io.ReaderAt) bool {
	switch d := d.(type) {
	case *fileDevice, *memDevice:
		return true
	case *alignedDevice:
		return parallelReads(d.inner)
	case *subDevice:
		return parallelReads(d.d)
	case *overlay:
		return parallelReads(d.base)
	}
	return false
}

// getScratch returns a buffer of n bytes for a device read.
func (c *pageCache) getScratch(n int64) *[]byte {
	if b, ok := c.scratch.Get().(*[]byte); ok && int64(cap(*b)) >= n {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n)
	return &b
}

func (c *pageCache) putScratch(b *[]byte) {
	if b != nil {
		c.scratch.Put(b)
	}
}

// copyOut copies the part of page s at and after off into p.
func (c *pageCache) copyOut(p []byte, off int64, s *cacheSlot) int {
	return copy(p, s.data[off-s.n*c.pageSize:])
}

// insert caches a copy of data as page n, evicting the least recently used
// page when the cache is full, and returns its slot.
func (c *pageCache) insert(n int64, data []byte) int32 {
	c.markUsed(n, n+1)
	var i int32
	switch {
	case c.lru.Len() >= c.maxPages:
		i = c.lru.tail
		c.lru.remove(i)
		c.pages.remove(i)
	case len(c.free) > 0:
		i, c.free = c.free[len(c.free)-1], c.free[:len(c.free)-1]
	default:
		c.slots = append(c.slots, cacheSlot{data: make([]byte, c.pageSize)})
		i = int32(len(c.slots) - 1)
	}
	s := &c.slots[i]
	s.n = n
	s.data = s.data[:copy(s.data[:cap(s.data)], data)]
	c.pages.add(i)
	c.lru.pushFront(i)
	return i
}

// Invalidate drops the pages holding any of the bytes [off, off+length), so
// the next read of them goes to the device.
func (c *pageCache) Invalidate(off, length int64) {
	if length <= 0 {
		return
	}
	// Nothing of the range was ever cached or read for the cache (a
	// transaction's records, read past it): nothing to drop or to mark
	// stale. A read for the cache marks its regions before it starts, so
	// one that starts after this check reads what was written before it.
	if off >= 0 && length <= c.size-off && c.unused(off, off+length) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	off = max(off, 0)
	end := c.size
	if length < c.size-off {
		end = off + length
	}
	if off >= end {
		return
	}
	first, last := off/c.pageSize, (end-1)/c.pageSize
	for _, r := range c.loading {
		if r.first <= last && r.end > first {
			r.stale = true // being read: do not cache what is read
		}
	}
	drop := func(i int32) {
		c.lru.remove(i)
		c.pages.remove(i)
		c.free = append(c.free, i)
	}
	if last-first+1 > int64(c.pages.Len()) {
		for i := c.lru.head; i >= 0; {
			next := c.slots[i].next
			if n := c.slots[i].n; n >= first && n <= last {
				drop(i)
			}
			i = next
		}
		return
	}
	for n := first; n <= last; n++ {
		if i, ok := c.pages.get(n); ok {
			drop(i)
		}
	}
}
