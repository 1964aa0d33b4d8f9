package volume

import (
	"math"
	"testing"

	"github.com/ntfsedit/ntfsedit/mft"
)

// TestRunBeyond: a run whose start plus length wraps around int64 (a
// runlist DecodeRuns accepts: 81 04 FE FF FF FF FF FF FF 7F) must count as
// outside the volume, or the checker indexes its bitmaps out of range.
func TestRunBeyond(t *testing.T) {
	const clusters = 1000
	for _, tt := range []struct {
		run  mft.Run
		want bool
	}{
		{mft.Run{Start: 0, Length: 1000}, false},
		{mft.Run{Start: 999, Length: 1}, false},
		{mft.Run{Start: 999, Length: 2}, true},
		{mft.Run{Start: 1000, Length: 1}, true},
		{mft.Run{Start: -1, Length: 1}, true},
		{mft.Run{Start: math.MaxInt64 - 1, Length: 4}, true},
		{mft.Run{Start: 0x4000000000000000, Length: math.MaxInt64}, true},
		{mft.Run{Start: 5, Length: math.MaxInt64}, true},
	} {
		if got := runBeyond(tt.run, clusters); got != tt.want {
			t.Errorf("runBeyond(%+v, %d) = %v, want %v", tt.run, clusters, got, tt.want)
		}
	}
	runs, _, err := mft.DecodeRuns([]byte{0x81, 0x04, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00})
	if err != nil || len(runs) != 1 {
		t.Fatalf("DecodeRuns = %v, %v; want one run", runs, err)
	}
	if !runBeyond(runs[0], clusters) {
		t.Errorf("runBeyond(%+v) = false for a run that wraps around", runs[0])
	}
}

// TestSetBytesRange compares setBytesRange with setting bit by bit.
func TestSetBytesRange(t *testing.T) {
	for start := int64(0); start < 24; start++ {
		for n := int64(0); n < 40; n++ {
			got, want := make([]byte, 8), make([]byte, 8)
			setBytesRange(got, start, n)
			for c := start; c < start+n; c++ {
				want[c>>3] |= 1 << (c & 7)
			}
			if string(got) != string(want) {
				t.Fatalf("setBytesRange(%d, %d) = %x, want %x", start, n, got, want)
			}
		}
	}
}
