package volume

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// TestChunkPool checks that the pool refills itself to its mark and never
// hands out one buffer twice: each buffer taken is written with its own
// pattern and all are read back.
func TestChunkPool(t *testing.T) {
	var p chunkPool
	first := p.get()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		n, running := len(p.ready), p.running
		p.mu.Unlock()
		if n == chunksAhead && !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pool holds %d buffers after 10 s (running %v), want %d", n, running, chunksAhead)
		}
		time.Sleep(time.Millisecond)
	}
	bufs := [][]byte{first}
	for range 3 * chunksAhead {
		bufs = append(bufs, p.get())
	}
	for i, b := range bufs {
		if len(b) != chunkBytes {
			t.Fatalf("buffer %d: %d bytes, want %d", i, len(b), chunkBytes)
		}
		for k := range b {
			b[k] = byte(i)
		}
	}
	for i, b := range bufs {
		for k, c := range b {
			if c != byte(i) {
				t.Fatalf("buffer %d byte %d = %d: shared with buffer %d", i, k, c, c)
			}
		}
	}
	// release waits for a fill under way and empties the pool, which
	// fills again on the next get.
	p.get()
	p.release()
	p.mu.Lock()
	n, arenas := len(p.ready), len(p.arenas)
	p.mu.Unlock()
	if n != 0 || arenas != 0 {
		t.Errorf("after release: %d buffers ready, %d arenas, want none", n, arenas)
	}
	b := p.get()
	clear(b)
	p.release()
}

// TestOverlayDiscardReaders reads staged pages on several goroutines while
// the overlay discards them (and unmaps their memory): each page read
// holds the staged bytes or the device's, and no read faults (also under
// -race). A smoke test: a read copying from a chunk as it is unmapped is
// a window too small to hit at will.
func TestOverlayDiscardReaders(t *testing.T) {
	dev := make([]byte, 4<<20)
	for round := range 20 {
		o := newOverlay(NewMemDevice(dev, 512))
		// The pool filled first: the pages are staged in its memory
		// (arenas, where the system maps them).
		o.ahead.get()
		o.ahead.done.Wait()
		staged := bytes.Repeat([]byte{byte(round + 1)}, 1<<20)
		if _, err := o.WriteAt(staged, 1<<20); err != nil {
			t.Fatal(err)
		}
		var wg, started sync.WaitGroup
		for g := range 2 {
			started.Add(1)
			wg.Go(func() {
				started.Done()
				buf := make([]byte, 8192)
				for k := range 200 {
					off := int64(1<<20 + (g*200+k)%120*8192)
					if _, err := o.ReadAt(buf, off); err != nil {
						t.Error(err)
						return
					}
					// Page by page (a read across the discard may take
					// one page staged and the next from the device).
					for pg := 0; pg < len(buf); pg += overlayPage {
						part := buf[pg : pg+overlayPage]
						if c := part[0]; c != 0 && c != byte(round+1) || !bytes.Equal(part, bytes.Repeat(part[:1], len(part))) {
							t.Errorf("round %d: read at %#x holds neither the staged nor the device's bytes", round, off+int64(pg))
							return
						}
					}
				}
			})
		}
		started.Wait()
		o.discard()
		wg.Wait()
	}
}
