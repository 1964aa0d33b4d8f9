package volume

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// span is one device read: length bytes at off.
type span struct{ Off, Len int64 }

// logReader records the reads it serves.
type logReader struct {
	r   io.ReaderAt
	mu  sync.Mutex
	log []span
}

func (l *logReader) ReadAt(p []byte, off int64) (int, error) {
	l.mu.Lock()
	l.log = append(l.log, span{off, int64(len(p))})
	l.mu.Unlock()
	return l.r.ReadAt(p, off)
}

func (l *logReader) take() []span {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.log
	l.log = nil
	return s
}

func TestPageCache(t *testing.T) {
	// 100 bytes, 16-byte pages (the last, page 6, holds 4 bytes), room
	// for 4 pages; reads over 32 bytes bypass the cache.
	data := pattern(100)
	type step struct {
		name       string
		off        int64
		n          int
		invalidate *span      // instead of a read
		wantReads  []span     // device reads made by this step
		wantStats  CacheStats // cumulative
	}
	steps := []step{
		{name: "first read misses", off: 0, n: 16,
			wantReads: []span{{0, 16}},
			wantStats: CacheStats{DeviceReads: 1, BytesRead: 16, Misses: 1}},
		{name: "same page hits", off: 4, n: 8,
			wantStats: CacheStats{DeviceReads: 1, BytesRead: 16, Hits: 1, Misses: 1}},
		{name: "straddling read: hit then miss", off: 8, n: 16,
			wantReads: []span{{16, 16}},
			wantStats: CacheStats{DeviceReads: 2, BytesRead: 32, Hits: 2, Misses: 2}},
		{name: "missing pages coalesce", off: 33, n: 30,
			wantReads: []span{{32, 32}},
			wantStats: CacheStats{DeviceReads: 3, BytesRead: 64, Hits: 2, Misses: 4}},
		// LRU order now (most recent first): 3 2 1 0.
		{name: "touch page 0", off: 0, n: 1,
			wantStats: CacheStats{DeviceReads: 3, BytesRead: 64, Hits: 3, Misses: 4}},
		// 0 3 2 1: reading page 4 evicts page 1.
		{name: "eviction of the least recently used", off: 64, n: 16,
			wantReads: []span{{64, 16}},
			wantStats: CacheStats{DeviceReads: 4, BytesRead: 80, Hits: 3, Misses: 5}},
		{name: "evicted page is read again", off: 16, n: 1,
			wantReads: []span{{16, 16}},
			wantStats: CacheStats{DeviceReads: 5, BytesRead: 96, Hits: 3, Misses: 6}},
		// 1 4 0 3 (page 2 evicted).
		{name: "last partial page, read to EOF", off: 90, n: 20,
			wantReads: []span{{80, 20}},
			wantStats: CacheStats{DeviceReads: 6, BytesRead: 116, Hits: 3, Misses: 8}},
		// 6 5 1 4.
		{name: "last page hits", off: 96, n: 4,
			wantStats: CacheStats{DeviceReads: 6, BytesRead: 116, Hits: 4, Misses: 8}},
		{name: "at EOF", off: 100, n: 4,
			wantStats: CacheStats{DeviceReads: 6, BytesRead: 116, Hits: 4, Misses: 8}},
		{name: "past EOF", off: 1000, n: 4,
			wantStats: CacheStats{DeviceReads: 6, BytesRead: 116, Hits: 4, Misses: 8}},
		{name: "empty read", off: 50, n: 0,
			wantStats: CacheStats{DeviceReads: 6, BytesRead: 116, Hits: 4, Misses: 8}},
		{name: "large read bypasses", off: 10, n: 40,
			wantReads: []span{{10, 40}},
			wantStats: CacheStats{DeviceReads: 7, BytesRead: 156, Hits: 4, Misses: 12}},
		{name: "bypass cached nothing: page 0 misses", off: 0, n: 1,
			wantReads: []span{{0, 16}},
			wantStats: CacheStats{DeviceReads: 8, BytesRead: 172, Hits: 4, Misses: 13}},
		// 0 6 5 1.
		{name: "invalidate page 5", invalidate: &span{85, 3},
			wantStats: CacheStats{DeviceReads: 8, BytesRead: 172, Hits: 4, Misses: 13}},
		{name: "invalidated page misses", off: 80, n: 4,
			wantReads: []span{{80, 16}},
			wantStats: CacheStats{DeviceReads: 9, BytesRead: 188, Hits: 4, Misses: 14}},
		{name: "neighbour page still cached", off: 96, n: 4,
			wantStats: CacheStats{DeviceReads: 9, BytesRead: 188, Hits: 5, Misses: 14}},
		{name: "invalidate everything", invalidate: &span{0, 1 << 62},
			wantStats: CacheStats{DeviceReads: 9, BytesRead: 188, Hits: 5, Misses: 14}},
		{name: "page 1 misses after invalidating all", off: 16, n: 16,
			wantReads: []span{{16, 16}},
			wantStats: CacheStats{DeviceReads: 10, BytesRead: 204, Hits: 5, Misses: 15}},
	}
	dev := &logReader{r: bytes.NewReader(data)}
	c := newPageCache(dev, int64(len(data)), 16, 64)
	for _, s := range steps {
		if s.invalidate != nil {
			c.Invalidate(s.invalidate.Off, s.invalidate.Len)
		} else if diff := diffRead(refRead(data, s.off, s.n), doRead(c, s.off, s.n)); diff != "" {
			t.Errorf("%s: ReadAt(%d bytes at %d) (-want +got):\n%s", s.name, s.n, s.off, diff)
		}
		if diff := cmp.Diff(s.wantReads, dev.take()); diff != "" {
			t.Errorf("%s: device reads (-want +got):\n%s", s.name, diff)
		}
		if diff := cmp.Diff(s.wantStats, c.Stats()); diff != "" {
			t.Errorf("%s: stats (-want +got):\n%s", s.name, diff)
		}
	}
}

func TestPageCacheInvalidateSeesWrites(t *testing.T) {
	data := pattern(8192)
	mem := NewMemDevice(data, 512)
	c := newPageCache(mem, mem.Size(), 4096, 1<<20)
	if got := doRead(c, 100, 10); !bytes.Equal(got.Data, pattern(8192)[100:110]) {
		t.Fatalf("first read = %x", got.Data)
	}
	if _, err := mem.WriteAt([]byte("new!"), 104); err != nil {
		t.Fatal(err)
	}
	if got := doRead(c, 104, 4).Data; bytes.Equal(got, []byte("new!")) {
		t.Fatalf("the cache saw the write without Invalidate; the test is wrong")
	}
	c.Invalidate(104, 4)
	if got := doRead(c, 104, 4).Data; !bytes.Equal(got, []byte("new!")) {
		t.Errorf("read after Invalidate = %q, want %q", got, "new!")
	}
	for _, tt := range []struct{ off, n int64 }{{0, 0}, {-10, 5}, {9000, 10}, {-1 << 62, 1 << 62}} {
		c.Invalidate(tt.off, tt.n) // must not panic
	}
}

func TestPageCacheDisabled(t *testing.T) {
	data := pattern(100)
	dev := &logReader{r: bytes.NewReader(data)}
	c := newPageCache(dev, 100, 0, 100) // capacity below one 4096-byte page
	for range 2 {
		if diff := diffRead(refRead(data, 10, 5), doRead(c, 10, 5)); diff != "" {
			t.Errorf("ReadAt (-want +got):\n%s", diff)
		}
	}
	if diff := cmp.Diff([]span{{10, 5}, {10, 5}}, dev.take()); diff != "" {
		t.Errorf("device reads (-want +got):\n%s", diff)
	}
}

func TestPageCacheDeviceError(t *testing.T) {
	data := pattern(8192)
	c := newPageCache(&failDevice{Device: NewMemDevice(data, 512), failAt: 6000}, 8192, 1024, 8192)
	if _, err := c.ReadAt(make([]byte, 100), 4000); err != nil {
		t.Fatalf("good read: %v", err)
	}
	n, err := c.ReadAt(make([]byte, 2000), 5000)
	if !errors.Is(err, errMedium) {
		t.Errorf("ReadAt over a bad page = %d, %v; want errMedium", n, err)
	}
	// A failed read caches nothing: asking again fails again.
	if _, err := c.ReadAt(make([]byte, 10), 6100); !errors.Is(err, errMedium) {
		t.Errorf("second ReadAt of the bad page = %v; want errMedium", err)
	}
	// A device that ends early is an error, not a short read.
	short := newPageCache(bytes.NewReader(data[:5000]), 8192, 1024, 8192)
	if _, err := short.ReadAt(make([]byte, 10), 5100); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadAt past a truncated device = %v; want io.ErrUnexpectedEOF", err)
	}
	if _, err := c.ReadAt(make([]byte, 1), -1); err == nil {
		t.Errorf("ReadAt(-1) succeeded")
	}
}

// TestPageCacheRandom compares the cache with the device under random reads
// and invalidations from several goroutines.
func TestPageCacheRandom(t *testing.T) {
	const size = 100_000
	data := pattern(size)
	for _, tt := range []struct {
		pageSize int
		capacity int64
	}{{512, 4096}, {4096, 64 << 10}, {1000, 1000}, {4096, 1 << 30}} {
		c := newPageCache(bytes.NewReader(data), size, tt.pageSize, tt.capacity)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(g), uint64(tt.pageSize)))
				for range 2000 {
					off := rng.Int64N(size + 100)
					n := rng.IntN(3 * tt.pageSize)
					if rng.IntN(10) == 0 {
						c.Invalidate(off, int64(n))
						continue
					}
					if diff := diffRead(refRead(data, off, n), doRead(c, off, n)); diff != "" {
						t.Errorf("page %d, capacity %d: ReadAt(%d bytes at %d) (-want +got):\n%s", tt.pageSize, tt.capacity, n, off, diff)
						return
					}
				}
			})
		}
		wg.Wait()
		st := c.Stats()
		if st.Hits == 0 || st.Misses == 0 {
			t.Errorf("page %d, capacity %d: stats %+v", tt.pageSize, tt.capacity, st)
		}
		if n := c.lru.Len(); n > c.maxPages || n != c.pages.Len() {
			t.Errorf("page %d, capacity %d: %d pages in the LRU list, %d in the index, limit %d", tt.pageSize, tt.capacity, n, c.pages.Len(), c.maxPages)
		}
	}
}

// TestPageCacheRegions checks the regions Invalidate skips without the
// lock: none before a read, the region of every page read after, and no
// other.
func TestPageCacheRegions(t *testing.T) {
	dev := make([]byte, 8<<20)
	c := newPageCache(bytes.NewReader(dev), int64(len(dev)), 4096, 1<<20)
	if !c.unused(0, int64(len(dev))) {
		t.Fatal("a fresh cache has a region in use")
	}
	buf := make([]byte, 100)
	if _, err := c.ReadAt(buf, 3<<20+5000); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		off, end int64
		want     bool
	}{
		{0, 3 << 20, true},
		{3<<20 - 1, 3 << 20, true},
		{3<<20 - 1, 3<<20 + 1, false}, // across into the region read
		{3 << 20, 4 << 20, false},
		{4 << 20, 8 << 20, true},
		{0, 8 << 20, false},
	} {
		if got := c.unused(tc.off, tc.end); got != tc.want {
			t.Errorf("unused(%#x, %#x) = %v, want %v", tc.off, tc.end, got, tc.want)
		}
	}
}
