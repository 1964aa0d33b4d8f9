package index

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ntfsedit/ntfsedit/mft"
)

// TestEditorAscendingFill inserts names in increasing order, as a
// directory filled in name order gets them: the tree must stay valid and
// its leaves full but for one key (and the last), where the same names
// inserted in random order leave blocks about two thirds full.
func TestEditorAscendingFill(t *testing.T) {
	const n = 3000
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("file-%05d.txt", i)
	}
	blocks := func(order []string) (int, *edHarness) {
		h := newHarness(t, true, 4096, 0x200)
		for i, name := range order {
			h.insert(nameKey(name), mft.MakeFileRef(mft.RecordNumber(100+i), 1))
			if i%500 == 0 {
				h.check(false)
			}
		}
		h.check(true)
		return len(h.ms.allocated), h
	}
	asc, h := blocks(names)
	shuffled := append([]string(nil), names...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	random, _ := blocks(shuffled)

	// Leaves as full as a split leaves them: one key short of full (a
	// block keeps a key), plus the index nodes above, a block per 30
	// leaves or so, and a partial block per level.
	per := align8(len(nameKey(names[0])) + entryHeaderLen)
	room := h.ed.BlockSize - blockHeaderLen - newEntriesOff(h.ed.BlockSize) - endLen
	leaves := (n + room/per - 2) / (room/per - 1)
	want := leaves + leaves/30 + 2*h.depth
	t.Logf("%d names: %d blocks in increasing order (%d leaves at most full), %d in random order", n, asc, leaves, random)
	if asc > want {
		t.Errorf("increasing order: %d blocks, want at most %d", asc, want)
	}
	if random <= asc {
		t.Errorf("random order: %d blocks, increasing %d: the test expects half-full splits in random order", random, asc)
	}
}
