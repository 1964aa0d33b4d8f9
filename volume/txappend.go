package volume

import (
	"fmt"
	"slices"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// Links made in name order into one directory (ln src/* dir/, a tree of
// links made file after file) each add a name after every name of the
// directory. linkRaw keeps those entries on the directory's index
// (txIndex.appended) instead of inserting each, and they go in together,
// a leaf at a time (index.Editor.Append): one descent, one store of each
// block and one save of the directory's record per leaf filled, instead
// of one of each per link. The index and the record end as inserting
// them one by one leaves them.
//
// Only linkRaw sees an index with entries appended: it checks a new name
// against the last of them, and any lookup it makes that would need them
// fails over to the general path. Everything else the transaction does
// first inserts them all (settle): resolve, lookup, editFile, openIndex
// (through which every path, record and index of the transaction is
// reached) and finish.
//
// An error inserting them (no room for a new INDX block on a full volume,
// a block that does not decode) is the transaction's: it comes from the
// Link or the operation that made them go in, names the entries, and
// finish returns it again, so that the transaction cannot commit (part of
// them may be in the index, as after a failed Insert). A transaction that
// would go on after ErrNoSpace from one link and commit the links before
// it cannot when the links were appended.

// appendable reports whether the name units (new in directory x: not in
// its index, nor appended) sorts after every name in x and its appended
// entries, ignoring case: its entry can then be appended.
func (tx *Tx) appendable(x *txIndex, units []uint16) bool {
	var last []byte
	if n := len(x.appended); n > 0 {
		last = x.appended[n-1].Key
	} else {
		k, err := x.ed.LastKey()
		if err != nil {
			return false
		}
		if k == nil {
			return true
		}
		last = k
	}
	c, ok := foldCompareKey(tx.v.upcase, units, last)
	return ok && c > 0
}

// appendBatch is the most entries kept appended to an index: then they
// are inserted, and the next ones appended again (the memory is reused,
// and an index of many blocks is built leaf after leaf as they come).
const appendBatch = 512

// appendEntry keeps the entry of a new name on x, to be inserted with the
// others (see appendable).
func (tx *Tx) appendEntry(x *txIndex, e index.Entry) error {
	if len(x.appended) == 0 {
		tx.appended = append(tx.appended, x)
		if x.appended == nil {
			x.appended = make([]index.Entry, 0, appendBatch)
		}
	}
	x.appended = append(x.appended, e)
	if len(x.appended) >= appendBatch {
		return tx.insertAppended(x)
	}
	return nil
}

// settle inserts the entries appended to every index (nothing while
// linkRaw runs), and returns the first error doing so, which is the
// transaction's.
func (tx *Tx) settle() error {
	if tx.inLinkRaw || len(tx.appended) == 0 {
		return tx.appendErr
	}
	for len(tx.appended) > 0 {
		if err := tx.insertAppended(tx.appended[0]); err != nil {
			return err
		}
	}
	return nil
}

// insertAppended inserts the entries appended to x, writes the root back
// and sets the directory's times, as indexInsert does for each.
func (tx *Tx) insertAppended(x *txIndex) error {
	es := x.appended
	x.appended = nil
	tx.appended = slices.DeleteFunc(tx.appended, func(y *txIndex) bool { return y == x })
	if len(es) == 0 {
		return tx.appendErr
	}
	// The entries are copied into the nodes: the memory serves again.
	defer func() { x.appended = es[:0] }()
	was := tx.inLinkRaw
	tx.inLinkRaw = true // what this reaches needs no settling
	defer func() { tx.inLinkRaw = was }()
	err := x.ed.Append(es)
	if err != nil {
		err = fmt.Errorf("volume: directory %d: insert %d names from %q on: %w", x.fe.num(), len(es), mft.NameString(keyName(es[0].Key)), err)
	}
	if err == nil {
		err = x.close()
	}
	if err == nil {
		tx.touch(x.fe, true)
		err = x.fe.save()
	}
	if err != nil && tx.appendErr == nil {
		tx.appendErr = err
	}
	return err
}
