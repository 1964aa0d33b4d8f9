package volume

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/mft"
)

// TestMFTWindow checks that the read-ahead window serves only bytes no
// staged write has covered since it was read.
func TestMFTWindow(t *testing.T) {
	// A stream of 64 KiB at device offset 1 MiB (4 KiB clusters), the
	// window over its bytes [8 KiB, 40 KiB).
	v := &Volume{clusterSize: 4096}
	s := &Stream{v: v, runs: []extent{{vcn: 0, Run: mft.Run{Start: 256, Length: 16}}}, size: 64 << 10}
	const dev, from, size = 1 << 20, 8 << 10, 32 << 10
	type read struct {
		off int64
		ok  bool
	}
	tests := []struct {
		name   string
		writes [][2]int64 // device offset, length
		reads  []read     // 1 KiB records at stream offsets
	}{
		{"untouched", nil, []read{{from, true}, {from + size - 1024, true}, {from - 1024, false}, {from + size, false}}},
		{"record written after its read", [][2]int64{{dev + from, 1024}},
			[]read{{from, false}, {from + 1024, true}, {from + size - 1024, true}}},
		{"write near the end", [][2]int64{{dev + from + size - 2048, 1024}},
			[]read{{from, true}, {from + size - 3072, true}, {from + size - 2048, false}, {from + size - 1024, false}}},
		{"write elsewhere on the device", [][2]int64{{dev + from + size, 4096}, {0, 4096}},
			[]read{{from, true}, {from + size - 1024, true}}},
		{"write over all of it", [][2]int64{{dev, 64 << 10}}, []read{{from, false}, {from + 4096, false}}},
		{"in order, each written after its read", [][2]int64{{dev + from, 1024}, {dev + from + 1024, 1024}, {dev + from + 2048, 1024}},
			[]read{{from + 2048, false}, {from + 3072, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf := make([]byte, size)
			for i := range buf {
				buf[i] = byte(i / 1024)
			}
			var w mftWindow
			w.set(s, buf, from)
			for _, wr := range tt.writes {
				w.staged(wr[0], wr[1])
			}
			var want, got []read
			for _, r := range tt.reads {
				p := make([]byte, 1024)
				ok := w.read(s, p, r.off)
				if ok && !bytes.Equal(p, buf[r.off-from:r.off-from+1024]) {
					t.Errorf("read at %d: wrong bytes", r.off)
				}
				want, got = append(want, r), append(got, read{r.off, ok})
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(read{})); diff != "" {
				t.Errorf("reads served from the window (-want +got):\n%s", diff)
			}
		})
	}
	// Device reads (a page the overlay stages) are served the same way.
	var d mftWindow
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = byte(i / 4096)
	}
	d.set(s, buf, from)
	if page := d.peekDev(dev+from+4096, 4096); page == nil || !bytes.Equal(page, buf[4096:8192]) {
		t.Error("page inside the window: not served, or wrong bytes")
	}
	if d.peekDev(dev+from-2048, 4096) != nil || d.peekDev(dev+from+size-2048, 4096) != nil {
		t.Error("page across an end of the window served")
	}
	d.staged(dev+from+4096+100, 10)
	if d.peekDev(dev+from+4096, 4096) != nil {
		t.Error("page written since served")
	}
	if d.peekDev(dev+from+8192, 4096) == nil {
		t.Error("page after the write not served")
	}

	// Another stream (a reloaded $MFT) is never served.
	var w mftWindow
	w.set(s, make([]byte, size), from)
	other := &Stream{v: v, runs: s.runs, size: s.size}
	if w.read(other, make([]byte, 1024), from) {
		t.Error("window served a read of another stream")
	}
}
