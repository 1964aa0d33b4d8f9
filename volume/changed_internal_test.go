package volume

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// naiveChanged is changedBytes one byte at a time, as the reference:
// runs of changed bytes, merged when fewer than journalMerge unchanged
// bytes lie between them.
func naiveChanged(old []byte, exts []stagedExtent) []stagedExtent {
	var out []stagedExtent
	for _, e := range exts {
		start, end := -1, -1
		for i := range e.Data {
			if e.Data[i] == old[e.Off+int64(i)] {
				continue
			}
			if start >= 0 && i-end < journalMerge {
				end = i + 1
				continue
			}
			if start >= 0 {
				out = append(out, stagedExtent{Off: e.Off + int64(start), Data: e.Data[start:end:end]})
			}
			start, end = i, i+1
		}
		if start >= 0 {
			out = append(out, stagedExtent{Off: e.Off + int64(start), Data: e.Data[start:end:end]})
		}
	}
	return out
}

// TestChangedBytes checks that comparing word by word and skipping equal
// spans whole leaves the journal's extents as comparing byte by byte
// gives them.
func TestChangedBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		dev := make([]byte, 3<<20)
		for i := range dev {
			dev[i] = byte(rng.IntN(256))
		}
		var exts []stagedExtent
		for off := int64(rng.IntN(4096)); off < int64(len(dev))-1; {
			n := int64(1 + rng.IntN(300<<10))
			if rng.IntN(8) == 0 {
				n = int64(1<<20 + rng.IntN(1<<19)) // across read windows
			}
			n = min(n, int64(len(dev))-off)
			data := bytes.Clone(dev[off : off+n])
			for range rng.IntN(64) { // changes of 1 to 600 bytes
				at := rng.IntN(len(data))
				for k := at; k < min(len(data), at+1+rng.IntN(600)); k++ {
					data[k]++
				}
			}
			for range rng.IntN(64) { // single bytes 1 to 20 apart: merged or not
				at := rng.IntN(len(data))
				for k := at; k < min(len(data), at+200); k += 1 + rng.IntN(20) {
					data[k] ^= 1 << rng.IntN(8)
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

// failingReads is a Device whose reads at or past from fail.
type failingReads struct {
	Device
	from int64
}

var errReadFails = errors.New("read fails")

func (d failingReads) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > d.from {
		return 0, errReadFails
	}
	return d.Device.ReadAt(p, off)
}

// changedSeq yields what changedBytes returns, in order, across its
// goroutines; a read error reaches the journal, which is then left
// without its trailer.
func TestChangedSeq(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	dev := make([]byte, 4<<20)
	for i := range dev {
		dev[i] = byte(rng.IntN(256))
	}
	var exts []stagedExtent
	for off := int64(0); off+8192 < int64(len(dev)); off += 8192 + int64(rng.IntN(3))*4096 {
		data := bytes.Clone(dev[off : off+8192])
		for range rng.IntN(40) {
			data[rng.IntN(len(data))]++
		}
		exts = append(exts, stagedExtent{Off: off, Data: data})
	}
	want, err := changedBytes(NewMemDevice(bytes.Clone(dev), 512), exts)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 1000 { // blocks of 64, 128, … extents
		t.Fatalf("%d extents: too few to fill several blocks", len(want))
	}
	for _, tc := range []struct {
		name string
		stop int // yield returns false after this many blocks (-1: never)
		buf  int // bytes of each goroutine's read buffer (0: its own)
	}{{"all", -1, 0}, {"all, reads of 5,000 bytes", -1, 5000}, {"stopped", 2, 0}, {"not called", 0, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			var bufs func() []byte
			if tc.buf > 0 {
				bufs = func() []byte { return make([]byte, tc.buf) }
			}
			seq, drain := changedSeq(NewMemDevice(bytes.Clone(dev), 512), exts, bufs)
			var got []stagedExtent
			blocks := 0
			if tc.stop != 0 {
				err := seq(func(b []stagedExtent) bool {
					got = append(got, b...)
					blocks++
					return blocks != tc.stop
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			drain()
			switch tc.stop {
			case -1:
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("extents (-want +got):\n%s", d)
				}
			case 0:
				if got != nil {
					t.Errorf("%d extents without a call", len(got))
				}
			default:
				if blocks != tc.stop || len(got) >= len(want) {
					t.Errorf("%d blocks, %d extents yielded after stopping at block %d", blocks, len(got), tc.stop)
				}
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		seq, drain := changedSeq(failingReads{NewMemDevice(bytes.Clone(dev), 512), 3 << 20}, exts, nil)
		var buf bytes.Buffer
		err := writeJournalSeq(&buf, journalHeader{Serial: 1, Size: int64(len(dev))}, seq)
		drain()
		if !errors.Is(err, errReadFails) {
			t.Fatalf("writeJournalSeq = %v, want the read error", err)
		}
		if _, _, err := decodeJournal(buf.Bytes()); !errors.Is(err, errJournalIncomplete) {
			t.Errorf("the journal written: %v, want errJournalIncomplete", err)
		}
	})
}
