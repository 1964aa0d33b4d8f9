package mft

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runVectors is shared by DecodeRuns and AppendRuns: enc is the minimal
// encoding Windows writes, followed by a byte past the terminator that must
// not be consumed.
var runVectors = []struct {
	name string
	enc  []byte
	runs []Run
}{
	{"empty", []byte{0x00}, nil},
	{"one run", []byte{0x11, 0x30, 0x60, 0x00}, []Run{{Start: 0x60, Length: 0x30}}},
	{"LCN 0 ($Boot)", []byte{0x11, 0x08, 0x00, 0x00}, []Run{{Start: 0, Length: 8}}},
	{"flatcap example: three fragments", // linux-ntfs docs, "Data runs"
		[]byte{0x31, 0x38, 0x73, 0x25, 0x34, 0x32, 0x14, 0x01, 0xE5, 0x11, 0x02, 0x31, 0x42, 0xAA, 0x00, 0x03, 0x00},
		[]Run{{Start: 0x342573, Length: 0x38}, {Start: 0x363758, Length: 0x114}, {Start: 0x393802, Length: 0x42}}},
	{"negative delta", []byte{0x11, 0x10, 0x20, 0x11, 0x05, 0xF0, 0x00},
		[]Run{{Start: 0x20, Length: 0x10}, {Start: 0x10, Length: 5}}},
	{"negative delta needing a sign byte", []byte{0x21, 0x01, 0x00, 0x01, 0x21, 0x01, 0x7F, 0xFF, 0x00},
		[]Run{{Start: 0x100, Length: 1}, {Start: 0x7F, Length: 1}}},
	{"delta -0x7F in one byte", []byte{0x11, 0x01, 0x7F, 0x11, 0x01, 0x81, 0x00},
		[]Run{{Start: 0x7F, Length: 1}, {Start: 0, Length: 1}}},
	{"positive delta 0x80 needs two bytes", []byte{0x21, 0x01, 0x80, 0x00, 0x00},
		[]Run{{Start: 0x80, Length: 1}}},
	{"length 0x80 needs two bytes", []byte{0x12, 0x80, 0x00, 0x05, 0x00},
		[]Run{{Start: 5, Length: 0x80}}},
	{"sparse between runs; delta from the last real run",
		[]byte{0x11, 0x10, 0x20, 0x01, 0x08, 0x11, 0x04, 0x10, 0x00},
		[]Run{{Start: 0x20, Length: 0x10}, {Length: 8, Sparse: true}, {Start: 0x30, Length: 4}}},
	{"compressed unit: data then sparse", []byte{0x11, 0x03, 0x40, 0x01, 0x0D, 0x00},
		[]Run{{Start: 0x40, Length: 3}, {Length: 13, Sparse: true}}},
	{"only sparse", []byte{0x03, 0x00, 0x00, 0x01, 0x00}, []Run{{Length: 0x010000, Sparse: true}}},
	{"8-byte length and LCN",
		[]byte{0x88, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00},
		[]Run{{Start: 0x4000000000000000, Length: math.MaxInt64}}},
	{"8-byte sparse length", []byte{0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00},
		[]Run{{Length: math.MaxInt64, Sparse: true}}},
	{"8-byte negative delta back to 0",
		[]byte{0x81, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x81, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00},
		[]Run{{Start: 0x4000000000000000, Length: 1}, {Start: 0, Length: 1}}},
}

func TestDecodeRuns(t *testing.T) {
	for _, tt := range runVectors {
		t.Run(tt.name, func(t *testing.T) {
			in := append(tt.enc[:len(tt.enc):len(tt.enc)], 0xEE) // trailing byte must be left alone
			got, n, err := DecodeRuns(in)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(tt.enc) {
				t.Errorf("consumed %d bytes, want %d", n, len(tt.enc))
			}
			if diff := cmp.Diff(tt.runs, got); diff != "" {
				t.Errorf("DecodeRuns (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAppendRuns(t *testing.T) {
	for _, tt := range runVectors {
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte{0xAB}
			got, err := AppendRuns(prefix, tt.runs)
			if err != nil {
				t.Fatal(err)
			}
			if d := bytesDiff(append([]byte{0xAB}, tt.enc...), got); d != "" {
				t.Errorf("AppendRuns (-want +got):\n%s", d)
			}
		})
	}
}

// runErrorVectors is shared too: where runs is set, AppendRuns must refuse
// it with the offset DecodeRuns reports for enc (the bytes a naive encoder
// would write).
var runErrorVectors = []struct {
	name   string
	enc    []byte
	runs   []Run // nil: a decode-only error
	offset int
	// encodeOnly: enc decodes fine (to other runs); only AppendRuns can
	// be asked for this.
	encodeOnly bool
}{
	{"zero length", []byte{0x11, 0x00, 0x05, 0x00}, []Run{{Start: 5, Length: 0}}, 1, false},
	{"negative length", []byte{0x11, 0xFF, 0x05, 0x00}, []Run{{Start: 5, Length: -1}}, 1, false},
	{"zero length after a run", []byte{0x11, 0x01, 0x05, 0x01, 0x00, 0x00}, []Run{{Start: 5, Length: 1}, {Length: 0, Sparse: true}}, 4, false},
	{"negative LCN", []byte{0x11, 0x01, 0xFF, 0x00}, []Run{{Start: -1, Length: 1}}, 2, false},
	{"second run below LCN 0", []byte{0x11, 0x30, 0x60, 0x11, 0x01, 0x80, 0x00},
		[]Run{{Start: 0x60, Length: 0x30}, {Start: -0x20, Length: 1}}, 5, false},
	{"VCN overflow", []byte{0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x01, 0x01, 0x00},
		[]Run{{Length: math.MaxInt64, Sparse: true}, {Length: 1, Sparse: true}}, 10, false},
	{"sparse run with a start", []byte{0x01, 0x01, 0x00}, []Run{{Start: 7, Length: 1, Sparse: true}}, 0, true},

	{"no input", []byte{}, nil, 0, false},
	{"no terminator", []byte{0x11, 0x30, 0x60}, nil, 3, false},
	{"length size 0", []byte{0x10, 0x05, 0x00}, nil, 0, false},
	{"length size 9", []byte{0x19, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0}, nil, 0, false},
	{"offset size 9", []byte{0x91, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0}, nil, 0, false},
	{"pair past end", []byte{0x11, 0x01, 0x05, 0x33, 0x01, 0x02}, nil, 3, false},
	{"LCN overflow", []byte{0x81, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x11, 0x01, 0x01, 0x00}, nil, 12, false},
}

func TestDecodeRunsErrors(t *testing.T) {
	for _, tt := range runErrorVectors {
		if tt.encodeOnly {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			runs, _, err := DecodeRuns(tt.enc)
			checkCorrupt(t, err, corruptAt{NoRecord, tt.offset})
			if runs != nil {
				t.Errorf("runs = %v on error, want nil", runs)
			}
		})
	}
}

func TestAppendRunsErrors(t *testing.T) {
	for _, tt := range runErrorVectors {
		if tt.runs == nil {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			prefix := []byte{1, 2, 3}
			got, err := AppendRuns(prefix, tt.runs)
			checkCorrupt(t, err, corruptAt{NoRecord, tt.offset})
			if d := bytesDiff(prefix, got); d != "" {
				t.Errorf("AppendRuns changed b on error:\n%s", d)
			}
		})
	}
}

func TestRunsClusters(t *testing.T) {
	for _, tt := range runVectors {
		var want int64
		for _, r := range tt.runs {
			want += r.Length
		}
		if got := RunsClusters(tt.runs); got != want {
			t.Errorf("%s: RunsClusters = %d, want %d", tt.name, got, want)
		}
	}
}

func TestMinSigned(t *testing.T) {
	tests := []struct {
		v    int64
		want []byte
	}{
		{0, []byte{0}}, {1, []byte{1}}, {0x7F, []byte{0x7F}}, {0x80, []byte{0x80, 0}},
		{-1, []byte{0xFF}}, {-0x80, []byte{0x80}}, {-0x81, []byte{0x7F, 0xFF}},
		{math.MaxInt64, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}},
		{math.MinInt64, []byte{0, 0, 0, 0, 0, 0, 0, 0x80}},
	}
	for _, tt := range tests {
		got := minSigned(tt.v)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("minSigned(%d) (-want +got):\n%s", tt.v, diff)
		}
		if back := signedLE(got); back != tt.v {
			t.Errorf("signedLE(minSigned(%d)) = %d", tt.v, back)
		}
	}
}
