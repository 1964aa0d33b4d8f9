package volume

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// naiveMask marks, one byte at a time, the granules of a page where to
// (written at in) differs from from.
func naiveMask(in int, from, to []byte) pageMask {
	var m pageMask
	for i := range to {
		if from[i] != to[i] {
			g := (in + i) / maskGranule
			m[g/64] |= 1 << (g % 64)
		}
	}
	return m
}

// TestMarkChanged compares markChanged with marking byte by byte: the
// same granules where a write starts on a multiple of 8 bytes (records,
// blocks), at least those elsewhere (a word across three granules marks
// its middle one with its ends).
func TestMarkChanged(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 2000 {
		page := make([]byte, overlayPage)
		for i := range page {
			page[i] = byte(rng.IntN(4))
		}
		in := rng.IntN(overlayPage)
		switch rng.IntN(3) {
		case 0:
			in &^= 63
		case 1:
			in &^= 7
		}
		n := 1 + rng.IntN(overlayPage-in)
		to := bytes.Clone(page[in : in+n])
		for range rng.IntN(20) {
			at := rng.IntN(n)
			for k := at; k < min(n, at+1+rng.IntN(40)); k++ {
				to[k] = byte(rng.IntN(4)) // some bytes stay as they were
			}
		}
		var got pageMask
		got.markChanged(in, page[in:in+n], to)
		want := naiveMask(in, page[in:in+n], to)
		if in%8 == 0 {
			if got != want {
				t.Fatalf("round %d (write of %d bytes at %d): mask %x, want %x", round, n, in, got, want)
			}
			continue
		}
		for w := range want {
			if want[w]&^got[w] != 0 {
				t.Fatalf("round %d (write of %d bytes at %d): mask %x misses granules of %x", round, n, in, got, want)
			}
		}
	}
}

// memOverlay is an overlay over a copy of dev in memory.
func memOverlay(dev []byte) *overlay {
	return newOverlay(NewMemDevice(bytes.Clone(dev), 512))
}

// staged reads the whole device through o.
func staged(t *testing.T, o *overlay) []byte {
	t.Helper()
	b := make([]byte, o.Size())
	if _, err := o.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

// collect returns what seq yields, and the blocks' sizes.
func collect(t *testing.T, seq journalSeq) (exts []stagedExtent, sizes []int) {
	t.Helper()
	err := seq(func(b []stagedExtent) bool {
		exts = append(exts, b...)
		sizes = append(sizes, len(b))
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return exts, sizes
}

// TestChangedSeqReplays stages random writes (single bytes, records,
// whole pages, writes of the bytes already there, bytes changed and
// changed back, the short page at the device end) and checks the
// journal's extents: in order, apart, each the staged bytes at its
// offset; the device with them written over it reads as the overlay
// does; and every byte they leave out is the device's.
func TestChangedSeqReplays(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 40 {
		size := 1<<20 + rng.IntN(3)*512 // not always whole pages
		dev := make([]byte, size)
		for i := range dev {
			dev[i] = byte(rng.IntN(256))
		}
		o := memOverlay(dev)
		for range 1 + rng.IntN(300) {
			var off, n int
			switch rng.IntN(5) {
			case 0: // a record
				off, n = rng.IntN(size/1024)*1024, 1024
			case 1: // a page, whole
				off, n = rng.IntN(size/overlayPage)*overlayPage, overlayPage
			case 2: // a few bytes anywhere
				off = rng.IntN(size)
				n = 1 + rng.IntN(min(16, size-off))
			case 3: // a run across pages
				off = rng.IntN(size)
				n = 1 + rng.IntN(min(20000, size-off))
			default: // the end of the device
				n = 1 + rng.IntN(3000)
				off = size - n
			}
			cur := make([]byte, n)
			if _, err := o.ReadAt(cur, int64(off)); err != nil {
				t.Fatal(err)
			}
			p := bytes.Clone(cur)
			switch rng.IntN(4) {
			case 0: // the same bytes
			case 1: // back to the device's
				copy(p, dev[off:off+n])
			default:
				for range 1 + rng.IntN(8) {
					at := rng.IntN(n)
					for k := at; k < min(n, at+1+rng.IntN(100)); k++ {
						p[k] = byte(rng.IntN(256))
					}
				}
			}
			if _, err := o.WriteAt(p, int64(off)); err != nil {
				t.Fatal(err)
			}
		}
		after := staged(t, o)
		exts, _ := collect(t, o.changedSeq(o.extents()))
		replayed := bytes.Clone(dev)
		covered := make([]bool, size)
		for i, e := range exts {
			if len(e.Data) == 0 {
				t.Fatalf("round %d: extent %d at %#x is empty", round, i, e.Off)
			}
			if i > 0 {
				prev := exts[i-1]
				// Closer than journalMerge only where a chunk ends (the
				// extents are slices of the chunks).
				end := prev.Off + int64(len(prev.Data))
				if gap := e.Off - end; gap < 0 || gap < journalMerge && e.Off/chunkBytes == (end-1)/chunkBytes {
					t.Fatalf("round %d: extent %d at %#x is %d bytes after the one before", round, i, e.Off, gap)
				}
			}
			if !bytes.Equal(e.Data, after[e.Off:e.Off+int64(len(e.Data))]) {
				t.Fatalf("round %d: extent %d at %#x does not hold the staged bytes", round, i, e.Off)
			}
			copy(replayed[e.Off:], e.Data)
			for k := range e.Data {
				covered[e.Off+int64(k)] = true
			}
		}
		if !bytes.Equal(replayed, after) {
			for i := range after {
				if replayed[i] != after[i] {
					t.Fatalf("round %d: byte %#x is %#x after replaying the journal, staged %#x", round, i, replayed[i], after[i])
				}
			}
		}
		for i := range covered {
			if !covered[i] && dev[i] != after[i] {
				t.Fatalf("round %d: byte %#x changed but is in no extent", round, i)
			}
		}
	}
}

// TestChangedSeqExact stages writes on multiples of 8 bytes and checks
// the journal's extents against the granules where the bytes differ,
// marked one at a time: the overlay journals no more than those (merged
// across gaps below journalMerge), but for pages written whole, which it
// stages without reading the bytes under them.
func TestChangedSeqExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const size = 256 << 10
	dev := make([]byte, size)
	for i := range dev {
		dev[i] = byte(rng.IntN(256))
	}
	o := memOverlay(dev)
	whole := map[int]bool{}
	for range 200 {
		off := rng.IntN(size/8) * 8
		n := 8 * (1 + rng.IntN(min(300, (size-off)/8)))
		if rng.IntN(10) == 0 {
			off, n = rng.IntN(size/overlayPage)*overlayPage, overlayPage
			if _, ok := o.pages[int64(off/overlayPage)]; !ok {
				whole[off/overlayPage] = true
			}
		}
		p := make([]byte, n)
		if _, err := o.ReadAt(p, int64(off)); err != nil {
			t.Fatal(err)
		}
		for range 1 + rng.IntN(4) {
			at := rng.IntN(n)
			p[at] ^= 1 << rng.IntN(8)
		}
		if _, err := o.WriteAt(p, int64(off)); err != nil {
			t.Fatal(err)
		}
	}
	after := staged(t, o)
	// The granules expected: those with a changed byte, and the pages
	// staged whole (no write here changes a byte back).
	var want []stagedExtent
	start, stop := -1, -1
	for g := 0; g < size/maskGranule; g++ {
		lo, hi := g*maskGranule, (g+1)*maskGranule
		_, pageStaged := o.pages[int64(lo/overlayPage)]
		if !pageStaged || (!whole[lo/overlayPage] && bytes.Equal(dev[lo:hi], after[lo:hi])) {
			continue
		}
		if start >= 0 && lo-stop < journalMerge {
			stop = hi
			continue
		}
		if start >= 0 {
			want = append(want, stagedExtent{Off: int64(start), Data: after[start:stop]})
		}
		start, stop = lo, hi
	}
	if start >= 0 {
		want = append(want, stagedExtent{Off: int64(start), Data: after[start:stop]})
	}
	got, _ := collect(t, o.changedSeq(o.extents()))
	eq := cmp.Comparer(func(a, b stagedExtent) bool { return a.Off == b.Off && bytes.Equal(a.Data, b.Data) })
	if d := cmp.Diff(want, got, eq); d != "" {
		t.Errorf("extents (-want +got):\n%s", d)
	}
}

// TestChangedSeqBlocks checks the blocks changedSeq yields: at most
// extentBlock extents each, all of them in order, and none after yield
// returns false.
func TestChangedSeqBlocks(t *testing.T) {
	const n = 3*extentBlock + 100
	dev := make([]byte, n*32+overlayPage)
	o := memOverlay(dev)
	for c := range n {
		at := int64(c*32 + c%16&^3) // 16 to 44 bytes apart: never merged
		if _, err := o.WriteAt([]byte{1}, at); err != nil {
			t.Fatal(err)
		}
	}
	exts, sizes := collect(t, o.changedSeq(o.extents()))
	if len(exts) != n {
		t.Fatalf("%d extents, want %d", len(exts), n)
	}
	for i, e := range exts {
		// The granule of the byte.
		if want := int64(i*32 + i%16&^3); e.Off != want || !bytes.Equal(e.Data, []byte{1, 0, 0, 0}) {
			t.Fatalf("extent %d: % x at %#x, want 01 00 00 00 at %#x", i, e.Data, e.Off, want)
		}
	}
	for i, s := range sizes {
		if s == 0 || s > extentBlock {
			t.Errorf("block %d holds %d extents, want 1 to %d", i, s, extentBlock)
		}
	}
	if len(sizes) < 3 {
		t.Errorf("%d blocks for %d extents", len(sizes), n)
	}
	blocks := 0
	err := o.changedSeq(o.extents())(func([]stagedExtent) bool {
		blocks++
		return blocks < 2
	})
	if err != nil || blocks != 2 {
		t.Errorf("stopped after the second block: %d blocks, error %v", blocks, err)
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
