package volume

import (
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
}
