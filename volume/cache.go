package volume

import (
	"container/list"
	"fmt"
	"io"
	"sync"
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
// Invalidate for the bytes written. A pageCache is safe for concurrent use;
// one mutex serializes all of its methods, device reads included.
type pageCache struct {
	mu       sync.Mutex
	r        io.ReaderAt
	size     int64 // device size in bytes; reads stop here
	pageSize int64
	maxPages int
	maxRead  int64                   // reads longer than this bypass the cache
	pages    map[int64]*list.Element // page number → element holding a *cachePage
	lru      list.List               // front: most recently used
	free     [][]byte                // buffers of evicted pages, for reuse
	stats    CacheStats
	scratch  []byte // device read buffer of readPages, reused
}

var _ io.ReaderAt = (*pageCache)(nil)

// cachePage is one cached page; data is shorter than the page size only for
// the last page of the device.
type cachePage struct {
	n    int64
	data []byte
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
		pages:    make(map[int64]*list.Element),
	}
	c.maxRead = int64(c.maxPages) * c.pageSize / 2
	return c
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
	c.mu.Lock()
	defer c.mu.Unlock()
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
	c.stats.Misses += (off+int64(len(p))-1)/c.pageSize - off/c.pageSize + 1
	n, err := c.deviceRead(p, off)
	return n, err
}

// deviceRead reads p at off and counts the read. A read that fills p does
// not return io.EOF.
func (c *pageCache) deviceRead(p []byte, off int64) (int, error) {
	c.stats.DeviceReads++
	n, err := c.r.ReadAt(p, off)
	c.stats.BytesRead += int64(n)
	if n == len(p) {
		return n, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// readPages fills p (within the device) from cached pages, reading each run
// of missing pages with one device read.
func (c *pageCache) readPages(p []byte, off int64) (int, error) {
	end := off + int64(len(p))
	first, last := off/c.pageSize, (end-1)/c.pageSize
	done := 0
	for pg := first; pg <= last; {
		if e, ok := c.pages[pg]; ok {
			c.stats.Hits++
			c.lru.MoveToFront(e)
			done += c.copyOut(p[done:], off+int64(done), e.Value.(*cachePage))
			pg++
			continue
		}
		run := pg + 1
		for run <= last && c.pages[run] == nil {
			run++
		}
		runOff := pg * c.pageSize
		runLen := min(run*c.pageSize, c.size) - runOff
		if int64(cap(c.scratch)) < runLen {
			c.scratch = make([]byte, runLen)
		}
		buf := c.scratch[:runLen] // pages copy out of it; reused under c.mu
		if _, err := c.deviceRead(buf, runOff); err != nil {
			return done, err
		}
		c.stats.Misses += run - pg
		for ; pg < run; pg++ {
			o := pg*c.pageSize - runOff
			cp := c.insert(pg, buf[o:min(o+c.pageSize, runLen)])
			done += c.copyOut(p[done:], off+int64(done), cp)
		}
	}
	return done, nil
}

// copyOut copies the part of page cp at and after off into p.
func (c *pageCache) copyOut(p []byte, off int64, cp *cachePage) int {
	return copy(p, cp.data[off-cp.n*c.pageSize:])
}

// insert caches a copy of data as page n, evicting the least recently used
// page when the cache is full.
func (c *pageCache) insert(n int64, data []byte) *cachePage {
	var buf []byte
	if c.lru.Len() >= c.maxPages {
		old := c.lru.Back()
		op := old.Value.(*cachePage)
		c.lru.Remove(old)
		delete(c.pages, op.n)
		buf = op.data[:cap(op.data)]
	} else if k := len(c.free); k > 0 {
		buf, c.free = c.free[k-1], c.free[:k-1]
	} else {
		buf = make([]byte, c.pageSize)
	}
	cp := &cachePage{n: n, data: buf[:copy(buf, data)]}
	c.pages[n] = c.lru.PushFront(cp)
	return cp
}

// Invalidate drops the pages holding any of the bytes [off, off+length), so
// the next read of them goes to the device.
func (c *pageCache) Invalidate(off, length int64) {
	if length <= 0 {
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
	drop := func(n int64, e *list.Element) {
		cp := e.Value.(*cachePage)
		c.lru.Remove(e)
		delete(c.pages, n)
		c.free = append(c.free, cp.data[:cap(cp.data)])
	}
	if last-first+1 > int64(len(c.pages)) {
		for n, e := range c.pages {
			if n >= first && n <= last {
				drop(n, e)
			}
		}
		return
	}
	for n := first; n <= last; n++ {
		if e, ok := c.pages[n]; ok {
			drop(n, e)
		}
	}
}
