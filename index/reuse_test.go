package index

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/mft"
)

// TestWalkReleaseReusesBlocks: a Walk whose Load decodes into the blocks
// handed back through Release (ParseBlockReuse) lists the same names as
// a plain walk, releases every block once, and needs only one block per
// level of the tree.
func TestWalkReleaseReusesBlocks(t *testing.T) {
	h := buildTree(t, threeLevels())
	protected := map[mft.VCN][]byte{}
	for vcn, blk := range h.blocks {
		b := bytes.Clone(blk.Raw())
		if err := mft.ProtectFixups(b); err != nil {
			t.Fatal(err)
		}
		protected[vcn] = b
	}
	var spare []*Block
	live, maxLive, released, made := 0, 0, 0, 0
	tr := &Tree{Root: h.tree.Root, InUse: h.tree.InUse}
	tr.Load = func(vcn mft.VCN) (*Block, error) {
		var reuse *Block
		if k := len(spare); k > 0 {
			reuse, spare = spare[k-1], spare[:k-1]
		} else {
			made++
		}
		live++
		maxLive = max(maxLive, live)
		return ParseBlockReuse(reuse, bytes.Clone(protected[vcn]), vcn)
	}
	tr.Release = func(b *Block) {
		live--
		released++
		spare = append(spare, b)
	}
	got, err := walkNames(t, tr)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(threeLevelsInOrder, got); diff != "" {
		t.Errorf("Walk names (-want +got):\n%s", diff)
	}
	if released != len(h.blocks) || made != 2 || maxLive != 2 {
		t.Errorf("released %d of %d blocks, allocated %d, at most %d live; want all, 2, 2", released, len(h.blocks), made, maxLive)
	}
}

// TestParseBlockReuseMatches: decoding into a used block gives what a
// fresh ParseBlockInPlace gives, whatever the block held before.
func TestParseBlockReuseMatches(t *testing.T) {
	for _, child := range []bool{false, true} {
		want, err := ParseBlock(validBlock(t, child), 4)
		if err != nil {
			t.Fatal(err)
		}
		old, err := ParseBlock(validBlock(t, !child), 4)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseBlockReuse(old, validBlock(t, child), 4)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(Block{}, Entry{})); diff != "" {
			t.Errorf("child %v (-want +got):\n%s", child, diff)
		}
	}
}
