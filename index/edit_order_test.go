package index

import (
	"fmt"
	"testing"

	"github.com/ntfsedit/ntfsedit/mft"
)

// TestEditorInOrder inserts names in increasing order (the case Insert
// places with one comparison per node), each followed by the same key
// again (present: ErrExists, nothing changed) and by the name in upper
// case (a key of its own: the collation orders it just before), then
// names in decreasing order between them; the index is checked against
// the model throughout.
func TestEditorInOrder(t *testing.T) {
	h := newHarness(t, true, 512, 0x100)
	n := 600
	for i := range n {
		name := fmt.Sprintf("n%05d", 2*i)
		h.insert(nameKey(name), mft.MakeFileRef(mft.RecordNumber(64+i), 1))
		h.insert(nameKey(name), mft.MakeFileRef(mft.RecordNumber(64+i), 1))
		h.insert(nameKey("N"+name[1:]), mft.MakeFileRef(mft.RecordNumber(64+i), 1))
		if i%50 == 0 {
			h.check(true)
		}
	}
	for i := n - 1; i >= 0; i-- {
		h.insert(nameKey(fmt.Sprintf("n%05d", 2*i+1)), mft.MakeFileRef(mft.RecordNumber(64+n+i), 1))
		if i%50 == 0 {
			h.check(true)
		}
	}
	h.check(true)
	if len(h.keys) != 3*n {
		t.Errorf("%d keys, want %d", len(h.keys), 3*n)
	}
	if h.depth < 2 {
		t.Errorf("depth %d, want at least 2 (blocks split)", h.depth)
	}
}
