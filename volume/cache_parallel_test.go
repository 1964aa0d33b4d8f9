package volume

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// slowLog is a logReader whose reads take a while, so that concurrent
// readers of one page overlap.
type slowLog struct{ logReader }

func (s *slowLog) ReadAt(p []byte, off int64) (int, error) {
	time.Sleep(200 * time.Microsecond)
	return s.logReader.ReadAt(p, off)
}

// TestPageCacheParallelReadsOnce: goroutines reading the same pages of a
// device read in parallel get the right bytes, and a page that fits in
// the cache is read from the device once: readers of a page being read
// wait for that read.
func TestPageCacheParallelReadsOnce(t *testing.T) {
	const size = 64 << 10
	data := pattern(size)
	dev := &slowLog{logReader{r: NewMemDevice(data, 512)}}
	c := newPageCache(dev, size, 1024, size) // room for every page
	c.parallel = true
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for range 200 {
				off := rng.Int64N(size)
				n := rng.IntN(4096)
				if diff := diffRead(refRead(data, off, n), doRead(c, off, n)); diff != "" {
					t.Errorf("ReadAt(%d bytes at %d) (-want +got):\n%s", n, off, diff)
					return
				}
			}
		})
	}
	wg.Wait()
	reads := map[int64]int{}
	for _, s := range dev.take() {
		for pg := s.Off / 1024; pg*1024 < s.Off+s.Len; pg++ {
			reads[pg]++
		}
	}
	for pg, n := range reads {
		if n > 1 {
			t.Errorf("page %d read %d times", pg, n)
		}
	}
	if len(reads) == 0 || len(c.loading) != 0 {
		t.Errorf("%d pages read, %d still marked loading", len(reads), len(c.loading))
	}
}

// TestPageCacheInvalidateWhileLoading: bytes invalidated while a read of
// them is under way are not cached, so the next read sees the device's
// new contents.
func TestPageCacheInvalidateWhileLoading(t *testing.T) {
	data := pattern(8192)
	mem := NewMemDevice(data, 512)
	gate := &gateDevice{Device: mem, started: make(chan struct{}), release: make(chan struct{})}
	c := newPageCache(gate, mem.Size(), 4096, 1<<20)
	c.parallel = true
	done := make(chan readResult)
	go func() { done <- doRead(c, 100, 10) }()
	<-gate.started
	if _, err := mem.WriteAt([]byte("new!"), 104); err != nil {
		t.Fatal(err)
	}
	c.Invalidate(104, 4)
	close(gate.release)
	<-done
	gate.open = true
	if got := doRead(c, 104, 4).Data; string(got) != "new!" {
		t.Errorf("read after Invalidate during a load = %q, want %q", got, "new!")
	}
}

// gateDevice holds its first read, once it has read the bytes, until
// release is closed.
type gateDevice struct {
	Device
	once    sync.Once
	started chan struct{}
	release chan struct{}
	open    bool
}

func (g *gateDevice) ReadAt(p []byte, off int64) (int, error) {
	n, err := g.Device.ReadAt(p, off)
	if !g.open {
		g.once.Do(func() {
			close(g.started)
			<-g.release
		})
	}
	return n, err
}
