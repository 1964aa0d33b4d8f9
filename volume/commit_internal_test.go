package volume

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeback hints cover what was written since the last one, once it
// adds up to writebackChunk bytes.
func TestWriteback(t *testing.T) {
	const c = writebackChunk
	tests := []struct {
		name   string
		writes [][2]int64 // off, n
		want   [][2]int64
	}{
		{"small", [][2]int64{{0, 4096}, {8192, 4096}}, nil},
		{"one chunk", [][2]int64{{4096, c}}, [][2]int64{{4096, c}}},
		{"pieces", [][2]int64{{0, c / 2}, {c / 2, c / 4}, {c, c / 4}, {5 * c / 4, 10}}, [][2]int64{{0, 5 * c / 4}}},
		{"gap", [][2]int64{{0, c - 1}, {3 * c, 2}, {3*c + 2, c}}, [][2]int64{{0, 3*c + 2}, {3*c + 2, c}}},
		{"starts late", [][2]int64{{7 * c, 4096}, {7*c + 4096, c}}, [][2]int64{{7 * c, c + 4096}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got [][2]int64
			w := &writeback{start: func(off, n int64) { got = append(got, [2]int64{off, n}) }}
			for _, x := range tc.writes {
				w.wrote(x[0], x[1])
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("hints (-want +got):\n%s", d)
			}
		})
	}
}
