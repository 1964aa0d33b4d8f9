package volume

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// naiveChanged is changedBytes one chunk at a time, as the reference.
func naiveChanged(old []byte, exts []stagedExtent) []stagedExtent {
	var out []stagedExtent
	for _, e := range exts {
		start := -1
		for i := 0; i < len(e.Data); i += journalChunk {
			j := min(i+journalChunk, len(e.Data))
			if !bytes.Equal(e.Data[i:j], old[e.Off+int64(i):e.Off+int64(j)]) {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				out = append(out, stagedExtent{Off: e.Off + int64(start), Data: e.Data[start:i]})
				start = -1
			}
		}
		if start >= 0 {
			out = append(out, stagedExtent{Off: e.Off + int64(start), Data: e.Data[start:]})
		}
	}
	return out
}

// TestChangedBytes checks that skipping equal spans whole leaves the
// journal's extents as comparing chunk by chunk gives them.
func TestChangedBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		dev := make([]byte, 3<<20)
		for i := range dev {
			dev[i] = byte(rng.IntN(256))
		}
		var exts []stagedExtent
		for off := int64(rng.IntN(4096)); off < int64(len(dev))-1; {
			n := min(int64(1+rng.IntN(300<<10)), int64(len(dev))-off)
			data := bytes.Clone(dev[off : off+n])
			for range rng.IntN(64) { // changes of 1 to 600 bytes
				at := rng.IntN(len(data))
				for k := at; k < min(len(data), at+1+rng.IntN(600)); k++ {
					data[k]++
				}
			}
			exts = append(exts, stagedExtent{Off: off, Data: data})
			off += n + int64(rng.IntN(8192))
		}
		got, err := changedBytes(NewMemDevice(bytes.Clone(dev), 512), exts)
		if err != nil {
			t.Fatal(err)
		}
		want := naiveChanged(dev, exts)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round %d: extents (-want +got):\n%s", round, diff)
		}
	}
}

func TestStagedAt(t *testing.T) {
	exts := []stagedExtent{{Off: 4096, Data: []byte("abcdefgh")}, {Off: 8192, Data: []byte("ijkl")}}
	tests := []struct {
		off, n int64
		want   string // "-": nil
	}{
		{4096, 3, "abc"},
		{4100, 4, "efgh"},
		{4100, 5, "-"}, // past the end of the extent
		{8192, 4, "ijkl"},
		{4095, 2, "-"}, // before the first
		{6000, 1, "-"}, // between
		{8196, 1, "-"}, // after the last
	}
	for _, tt := range tests {
		got := "-"
		if b := stagedAt(exts, tt.off, tt.n); b != nil {
			got = string(b)
		}
		if got != tt.want {
			t.Errorf("stagedAt(%d, %d) = %q, want %q", tt.off, tt.n, got, tt.want)
		}
	}
}
