package index

import (
	"errors"

	"github.com/ntfsedit/ntfsedit/mft"
)

// Errors of Editor.
var (
	// ErrExists is returned by Insert when an entry with an equal key
	// (Compare == 0) is already in the index.
	ErrExists = errors.New("index: key already in the index")
	// ErrNotFound is returned by Delete when no entry has the key.
	ErrNotFound = errors.New("index: key not in the index")
)

// Editor inserts and deletes the entries of one index B-tree ($I30 of a
// directory, $R of $Extend\$Reparse, …), keeping it ordered by Compare and
// balanced: every leaf at the same depth. It is pure: blocks come from Load
// and go back through Store; the caller maps them to disk, keeps the
// index's $BITMAP in step with Alloc and Free, and writes Root back into
// the record.
//
// Not an on-disk structure.
type Editor struct {
	// Root is the $INDEX_ROOT value, edited in place. When the root
	// gains its first sub-node, Root.Flags gets NodeHasChildren (the
	// caller sets the "large index" state: $INDEX_ALLOCATION and $BITMAP
	// must then exist).
	Root *Root
	// RootMax is the largest encoded $INDEX_ROOT value, in bytes (0x10
	// header + node header + entries), that fits the MFT record. When an
	// insert would make the root larger, its entries move down into a new
	// block and the root keeps only an end entry pointing at it.
	RootMax int
	// BlockSize is the INDX block size in bytes (Root.BlockSize).
	BlockSize int
	// Compare orders two keys (Entry.Key). It must be a total order; 0
	// means the same key.
	Compare func(a, b []byte) int
	// Load returns the current content of the block at vcn. The Editor
	// may change the returned block and then passes it to Store.
	Load func(vcn mft.VCN) (*Block, error)
	// Store takes a changed or new block (Block.VCN says where it goes).
	Store func(b *Block) error
	// Alloc returns the VCN of a free block; the caller marks it in the
	// index $BITMAP and grows $INDEX_ALLOCATION as needed.
	Alloc func() (mft.VCN, error)
	// Free returns a block that is no longer referenced.
	Free func(vcn mft.VCN) error
}

// Insert adds e (Ref and Key set; Flags, Child and Length are the
// Editor's) in key order, splitting full nodes. It fails with ErrExists
// when the key is present; then nothing has changed.
func (ed *Editor) Insert(e Entry) error {
	return errors.New("index: Editor.Insert not implemented")
}

// Delete removes the entry whose key compares equal to key, merging or
// rebalancing nodes that become too empty and freeing emptied blocks. It
// fails with ErrNotFound when the key is absent; then nothing has changed.
func (ed *Editor) Delete(key []byte) error {
	return errors.New("index: Editor.Delete not implemented")
}
