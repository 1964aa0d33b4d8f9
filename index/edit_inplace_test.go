package index

import (
	"bytes"
	"testing"

	"github.com/ntfsedit/ntfsedit/mft"
)

// cachedStore serves the Editor the same decoded blocks it stored, as a
// transaction's cache does, so that Editor.InPlace changes them in place;
// every Store also goes through memStore's codec.
type cachedStore struct {
	*memStore
	decoded map[mft.VCN]*Block
}

func (c *cachedStore) load(vcn mft.VCN) (*Block, error) {
	if b := c.decoded[vcn]; b != nil {
		c.loads++
		return b, nil
	}
	b, err := c.memStore.load(vcn)
	if err == nil {
		c.decoded[vcn] = b
	}
	return b, err
}

func (c *cachedStore) store(b *Block) error {
	c.decoded[b.VCN] = b
	return c.memStore.store(b)
}

func (c *cachedStore) release(vcn mft.VCN) error {
	delete(c.decoded, vcn)
	return c.memStore.release(vcn)
}

// TestEditorInPlace runs the same random inserts and deletes on an
// Editor with InPlace over a cache of decoded blocks and on one with
// copies: the roots and every block's bytes stay identical, and an insert
// of a present key changes nothing.
func TestEditorInPlace(t *testing.T) {
	ref := newHarness(t, true, 4096, 0x100)
	h := newHarness(t, true, 4096, 0x100)
	cs := &cachedStore{memStore: h.ms, decoded: map[mft.VCN]*Block{}}
	h.ed.Load, h.ed.Store, h.ed.Free, h.ed.InPlace = cs.load, cs.store, cs.release, true
	g := newNameGen(7, 40)
	for i := range 4000 {
		names := h.names()
		switch {
		case g.rng.IntN(10) < 7 || len(names) == 0:
			k := nameKey(g.name(names))
			r := mft.MakeFileRef(mft.RecordNumber(100+i), 1)
			ref.insert(k, r)
			h.insert(k, r)
		case g.rng.IntN(6) == 0 && len(names) > 0:
			k := h.keys[g.rng.IntN(len(h.keys))]
			ref.insert(k, 1) // present: ErrExists, nothing changed (checked by insert)
			h.insert(k, 1)
		default:
			k := h.keys[g.rng.IntN(len(h.keys))]
			ref.delete(k)
			h.delete(k)
		}
		if i%100 == 0 {
			h.check(i%1000 == 0)
			a, b := ref.snapshot(), h.snapshot()
			if !bytes.Equal(a.root, b.root) {
				t.Fatalf("op %d: roots differ", i)
			}
			// Equal entries; slack past the entries may differ (the copies
			// carry the last stored bytes, the cache the first loaded).
			if len(a.blocks) != len(b.blocks) {
				t.Fatalf("op %d: %d blocks, want %d", i, len(b.blocks), len(a.blocks))
			}
			for vcn, x := range a.blocks {
				if !sameEntries(vcn, x, b.blocks[vcn]) {
					t.Fatalf("op %d: blocks at VCN %d differ", i, vcn)
				}
			}
		}
	}
	if h.depth < 2 {
		t.Errorf("tree reached depth %d only; the test wants several levels", h.depth)
	}
}

// sameEntries reports whether two stored blocks hold the same entries.
func sameEntries(vcn mft.VCN, a, b []byte) bool {
	x, err1 := ParseBlock(a, vcn)
	y, err2 := ParseBlock(b, vcn)
	if err1 != nil || err2 != nil || x.IndexLength != y.IndexLength || x.Flags != y.Flags || len(x.Entries) != len(y.Entries) {
		return false
	}
	for i := range x.Entries {
		e, f := &x.Entries[i], &y.Entries[i]
		if e.Ref != f.Ref || e.Flags != f.Flags || e.Child != f.Child || !bytes.Equal(e.Key, f.Key) {
			return false
		}
	}
	return true
}
