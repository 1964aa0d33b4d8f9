package volume

import (
	"io/fs"
	"strings"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// blockKey names one INDX block of one index.
type blockKey struct {
	rec  mft.RecordNumber
	name string
	vcn  mft.VCN
}

// cachedBlock returns the decoded block at k, reading it with load on a
// miss. Blocks are decoded once per transaction: the cache is updated by
// every Store and Free of the transaction's own edits, which are the only
// writers while it is open. Callers must not change the block.
func (tx *Tx) cachedBlock(k blockKey, load func() (*index.Block, error)) (*index.Block, error) {
	if b, ok := tx.blocks[k]; ok {
		return b, nil
	}
	b, err := load()
	if err != nil {
		return nil, err
	}
	if tx.blocks == nil {
		tx.blocks = map[blockKey]*index.Block{}
	}
	tx.blocks[k] = b
	return b, nil
}

// lookup resolves a volume path as Volume.Lookup does, through the
// transaction's block cache.
func (tx *Tx) lookup(path string) (*File, error) {
	if strings.HasPrefix(path, "#") {
		return tx.v.Lookup(path)
	}
	f, err := tx.v.Root()
	if err != nil {
		return nil, err
	}
	done := ""
	for _, name := range splitPath(path) {
		done += "/" + name
		e, err := tx.lookupIn(f, name)
		if err != nil {
			return nil, &fs.PathError{Op: "lookup", Path: done, Err: err}
		}
		if f, err = tx.v.entryFile(e); err != nil {
			return nil, &fs.PathError{Op: "lookup", Path: done, Err: err}
		}
	}
	return f, nil
}

// lookupIn finds name in directory dir (ignoring case, exact case
// preferred), reading INDX blocks through the transaction's cache.
func (tx *Tx) lookupIn(dir *File, name string) (DirEntry, error) {
	if !dir.IsDir() {
		return DirEntry{}, ErrNotDir
	}
	t, err := dir.IndexTree(I30)
	if err != nil {
		return DirEntry{}, err
	}
	if load := t.Load; load != nil {
		num := dir.Number()
		t.Load = func(vcn mft.VCN) (*index.Block, error) {
			return tx.cachedBlock(blockKey{num, "$I30", vcn}, func() (*index.Block, error) { return load(vcn) })
		}
	}
	return tx.v.lookupTree(t, mft.NameUnits(name))
}
