package mft

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDecodeFileNameAppend: names decoded one after another into one
// buffer equal DecodeFileName's, and each keeps its own units.
func TestDecodeFileNameAppend(t *testing.T) {
	for _, start := range []int{0, 3, 300} { // cap 300: every name fits without growing
		units := make([]uint16, 0, start)
		var got []FileName
		for _, tt := range fileNameVectors {
			fn, u, err := DecodeFileNameAppend(tt.enc, units)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if len(u) != len(units)+len(fn.Name) || cap(fn.Name) != len(fn.Name) {
				t.Errorf("%s: units %d → %d, name len %d cap %d", tt.name, len(units), len(u), len(fn.Name), cap(fn.Name))
			}
			units = u
			got = append(got, fn)
		}
		var want []FileName
		for _, tt := range fileNameVectors {
			want = append(want, tt.want)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("start cap %d (-want +got):\n%s", start, diff)
		}
	}
}

func FuzzDecodeFileNameAppend(f *testing.F) {
	for _, v := range fileNameVectors {
		f.Add(v.enc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		want, werr := DecodeFileName(b)
		prefix := []uint16{'p', 'q'}
		got, units, err := DecodeFileNameAppend(b, prefix)
		if (werr == nil) != (err == nil) || (err != nil && !errors.Is(err, ErrCorrupt)) {
			t.Fatalf("errors differ: DecodeFileName %v, DecodeFileNameAppend %v", werr, err)
		}
		if err != nil {
			return
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
		if units[0] != 'p' || units[1] != 'q' || len(units) != 2+len(got.Name) {
			t.Fatalf("prefix units changed or wrong length: %v", units)
		}
	})
}
