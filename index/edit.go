package index

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ntfsedit/ntfsedit/mft"
)

// Errors of Editor.
var (
	// ErrExists is returned by Insert when an entry with an equal key
	// (Compare == 0) is already in the index.
	ErrExists = errors.New("index: key already in the index")
	// ErrNotFound is returned by Delete when no entry has the key.
	ErrNotFound = errors.New("index: key not in the index")
	// ErrTooLarge is returned by Insert when the entry is too large for
	// the index blocks: three such entries and an end entry must fit one
	// block, so that a full block can always be split in two.
	ErrTooLarge = errors.New("index: entry too large for an index block")
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
	// RootMaxFunc, when set, gives RootMax at the start of each Insert
	// and Delete, for a caller whose record changes between edits (and
	// that would rather not work RootMax out for lookups).
	RootMaxFunc func() int
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
	// RootChanged is set by an Insert or Delete that changed Root (the
	// caller clears it once it wrote Root back).
	RootChanged bool
	// InPlace lets Insert change the blocks Load returned in place
	// instead of copies, for a caller whose loaded blocks are its own
	// (a transaction's cache of decoded blocks). Insert changes a block
	// only after every Load it needs succeeded, so its errors other than
	// from Alloc, Store and Free still leave the index as it was.
	InPlace bool

	// op is the state of the last edit, reused by the next one; rootBufs
	// back the root copies of edits (two: Root may hold the last one's).
	op       *edit
	rootBufs [2][]Entry
}

// Insert adds e (Ref and Key set; Flags, Child and Length are the
// Editor's) in key order, splitting full nodes. It fails with ErrExists
// when the key is present and with ErrTooLarge when the entry could not be
// split off with others; then nothing has changed.
//
// The Editor changes copies of the loaded blocks and calls Store, Free and
// changes Root only once the edit has succeeded, so an error from Load or
// a corrupt block leaves the index as it was (Alloc may have been called).
// After an error from Alloc, Store or Free the caller must drop the whole
// transaction.
func (ed *Editor) Insert(e Entry) error {
	op, err := ed.begin()
	if err != nil {
		return err
	}
	op.inPlace = ed.InPlace
	if len(e.Key) == 0 {
		return errors.New("index: Insert: entry has no key")
	}
	if err := op.prepare(&e); err != nil {
		return err
	}
	path, found, err := op.search(e.Key)
	if err != nil {
		return err
	}
	if found {
		return ErrExists
	}
	leaf := path[len(path)-1]
	op.own(leaf)
	leaf.n.Entries = slices.Insert(leaf.n.Entries, leaf.i, e)
	op.markDirty(leaf.vcn)
	if err := op.fix(path, false); err != nil {
		return err
	}
	return op.commit()
}

// prepare sets the fields of a new entry that are the Editor's and checks
// its size.
func (op *edit) prepare(e *Entry) error {
	e.Flags, e.Child, e.Length, e.KeyLength, e.raw = 0, 0, 0, 0, nil
	e.DataOffset, e.DataLength = uint16(e.Ref), uint16(e.Ref>>16)
	packed := align8(entryHeaderLen + len(e.Key))
	if size, room := packed+childLen, op.newRoom(); 3*size+endLen+childLen > room {
		return fmt.Errorf("%w: key of %d bytes makes an entry of %d bytes; at most %d fit a %d-byte block",
			ErrTooLarge, len(e.Key), size, (room-endLen-childLen)/3&^7, op.ed.BlockSize)
	}
	if packed <= 0xFFF8 {
		// The packed length appendEntry gives it, set now so that sizing
		// the node (entriesLen) need not work it out on every edit.
		e.Length = uint16(packed)
	}
	return nil
}

// ErrNotLast is returned by Append when its first key is not above every
// key of the index, or its keys are not in increasing order.
var ErrNotLast = errors.New("index: keys not after every key of the index, in increasing order")

// Append adds es (Ref and Key set, as for Insert), whose keys are in
// strictly increasing order and above every key of the index: the index
// is then as after inserting them one by one, in order, and is built
// faster, a leaf at a time (one descent and one Store of each changed
// block per leaf filled, instead of one of each per entry). es is not
// changed.
//
// Before any change it fails with ErrNotLast when the keys are not so,
// and with ErrTooLarge as Insert does. After an error from Load, Alloc,
// Store or Free some of es may be in the index: the caller must drop the
// whole transaction.
func (ed *Editor) Append(es []Entry) error {
	if len(es) == 0 {
		return nil
	}
	op, err := ed.begin()
	if err != nil {
		return err
	}
	for i := range es {
		if len(es[i].Key) == 0 {
			return errors.New("index: Append: entry has no key")
		}
		e := es[i]
		if err := op.prepare(&e); err != nil {
			return err
		}
		if i > 0 && ed.Compare(es[i-1].Key, es[i].Key) >= 0 {
			return fmt.Errorf("%w: key %d of %d is not above the one before", ErrNotLast, i, len(es))
		}
	}
	for i := 0; i < len(es); {
		if i > 0 {
			if op, err = ed.begin(); err != nil {
				return err
			}
		}
		op.inPlace = ed.InPlace
		path, found, err := op.search(es[i].Key)
		if err != nil {
			return err
		}
		for _, s := range path {
			if found || s.i != len(s.n.Entries)-1 {
				return fmt.Errorf("%w: key %d of %d is not above every key of the index", ErrNotLast, i, len(es))
			}
		}
		// The keys go at the end of the rightmost leaf until it
		// overflows; fix then splits it as an Insert would have.
		leaf := &path[len(path)-1]
		op.own(*leaf)
		used, room := entriesLen(leaf.n.Entries), op.room(*leaf)
		for i < len(es) && used <= room {
			e := es[i]
			_ = op.prepare(&e) // checked above
			k := len(leaf.n.Entries) - 1
			leaf.n.Entries = slices.Insert(leaf.n.Entries, k, e)
			leaf.i = k
			used += e.encodedLen()
			i++
		}
		op.markDirty(leaf.vcn)
		if err := op.fix(path, false); err != nil {
			return err
		}
		if err := op.commit(); err != nil {
			return err
		}
	}
	return nil
}

// LastKey returns the key of the last entry of the index in key order
// (nil when it has none): the last key of the deepest node on the path of
// last sub-nodes that has one.
func (ed *Editor) LastKey() ([]byte, error) {
	if ed.Root == nil {
		return nil, errNoRoot
	}
	var last []byte
	n, vcn := &ed.Root.Node, NoVCN
	for depth := 0; ; depth++ {
		es := n.Entries
		if len(es) == 0 || !es[len(es)-1].IsLast() {
			return nil, &CorruptError{VCN: vcn, Field: "index node (no last entry)"}
		}
		if len(es) >= 2 {
			last = es[len(es)-2].Key
		}
		end := &es[len(es)-1]
		if !end.HasChild() {
			return last, nil
		}
		if depth >= maxDepth {
			return nil, &CorruptError{VCN: vcn, Field: "index depth", Value: depth}
		}
		if ed.Load == nil {
			return nil, &CorruptError{VCN: end.Child, Field: "sub-node pointer (index has no $INDEX_ALLOCATION)"}
		}
		blk, err := ed.Load(end.Child)
		if err != nil {
			return nil, fmt.Errorf("index: load INDX block at VCN %d: %w", end.Child, err)
		}
		if blk == nil {
			return nil, &CorruptError{VCN: end.Child, Field: "sub-node pointer (no block loaded)"}
		}
		n, vcn = &blk.Node, end.Child
	}
}

// Delete removes the entry whose key compares equal to key, merging or
// rebalancing nodes that become too empty and freeing emptied blocks. It
// fails with ErrNotFound when the key is absent; then nothing has changed.
//
// An entry of an index node is replaced by its predecessor, the last key
// of its left sub-tree. A block left with less than a third of its room in
// use (or no key) is merged with a sibling and their separator when they
// fit one block, and otherwise shares the entries evenly with it. A root
// left with only an end entry takes in its one sub-node when that fits
// RootMax, and becomes a leaf again once the index is empty. When the
// predecessor is longer than the deleted key a node may overflow and be
// split, so Delete may call Alloc. Errors are as for Insert.
func (ed *Editor) Delete(key []byte) error {
	op, err := ed.begin()
	if err != nil {
		return err
	}
	path, found, err := op.search(key)
	if err != nil {
		return err
	}
	if !found {
		return ErrNotFound
	}
	at := path[len(path)-1]
	if at.n.IsLeaf() {
		op.own(at)
		at.n.Entries = slices.Delete(at.n.Entries, at.i, at.i+1)
		op.markDirty(at.vcn)
		if err := op.fix(path, true); err != nil {
			return err
		}
		return op.commit()
	}
	// Find the predecessor: the last key of the rightmost leaf under the
	// deleted entry's sub-node.
	for s := at; !s.n.IsLeaf(); {
		if s, err = op.child(s, len(path)); err != nil {
			return err
		}
		s.i = len(s.n.Entries) - 1
		path = append(path, s)
	}
	leaf := &path[len(path)-1]
	if len(leaf.n.Entries) < 2 {
		return &CorruptError{VCN: leaf.vcn, Field: "index node (no key in a sub-node)"}
	}
	leaf.i = len(leaf.n.Entries) - 2
	pred := leaf.n.Entries[leaf.i]
	op.own(*leaf)
	leaf.n.Entries = slices.Delete(leaf.n.Entries, leaf.i, leaf.i+1)
	op.markDirty(leaf.vcn)
	setChild(&pred, true, at.n.Entries[at.i].Child)
	op.own(at)
	at.n.Entries[at.i] = pred
	op.markDirty(at.vcn)
	if err := op.fix(path, true); err != nil {
		return err
	}
	return op.commit()
}

// Sizes of packed entries.
const (
	endLen   = entryHeaderLen // an end entry without sub-node
	childLen = 8              // the sub-node VCN ending an entry
)

// step is one node on the path from the root: the node, and the index of
// the entry whose sub-node is the next step (or of the key found).
//
// Not an on-disk structure.
type step struct {
	vcn mft.VCN // NoVCN for the root
	n   *Node
	i   int
}

// edit is the state of one Insert or Delete. It works on copies of the
// root and of every block it loads, and hands them to Store and Root only
// in commit.
//
// Not an on-disk structure.
type edit struct {
	ed          *Editor
	root        Node
	rootChanged bool
	blocks      blockSet  // copies of the loaded and new blocks
	dirty       []mft.VCN // blocks to store, in the order first changed
	isDirty     vcnSet
	freed       []mft.VCN
	isFreed     vcnSet
	owned       vcnSet // blocks whose Entries this edit may change in place
	reached     vcnSet // VCNs reached through sub-node pointers
	made        vcnSet // blocks this edit allocated
	inPlace     bool   // loaded blocks are changed in place (Editor.InPlace)
	// Backing for the sets above: an edit rarely touches more than a
	// few blocks, so they need no allocation of their own.
	space     [6][4]mft.VCN
	bspace    [4]*Block
	dspace    [4]mft.VCN
	fspace    [2]mft.VCN
	rootBuf   int     // the Editor.rootBufs element backing root.Entries
	rootOwned bool    // root.Entries is this edit's copy (ownRoot)
	pathBuf   [5]step // a path from the root, without allocating
}

// vcnSet is a set of VCNs. An edit touches a few blocks (a path from the
// root, siblings, new blocks), so a list beats a map.
//
// Not an on-disk structure.
type vcnSet []mft.VCN

func (s vcnSet) has(v mft.VCN) bool { return slices.Contains(s, v) }

func (s *vcnSet) set(v mft.VCN) {
	if !s.has(v) {
		*s = append(*s, v)
	}
}

// blockSet maps the VCNs of an edit's blocks to its copies.
//
// Not an on-disk structure.
type blockSet struct {
	vcns   []mft.VCN
	blocks []*Block
}

func (s *blockSet) get(v mft.VCN) *Block {
	if i := slices.Index(s.vcns, v); i >= 0 {
		return s.blocks[i]
	}
	return nil
}

// add is put for a VCN not in the set.
func (s *blockSet) add(v mft.VCN, b *Block) {
	s.vcns, s.blocks = append(s.vcns, v), append(s.blocks, b)
}

func (s *blockSet) put(v mft.VCN, b *Block) {
	if i := slices.Index(s.vcns, v); i >= 0 {
		s.blocks[i] = b
		return
	}
	s.vcns, s.blocks = append(s.vcns, v), append(s.blocks, b)
}

func (ed *Editor) begin() (*edit, error) {
	if ed.Root == nil {
		return nil, errNoRoot
	}
	if ed.RootMaxFunc != nil {
		ed.RootMax = ed.RootMaxFunc()
	}
	if ed.Compare == nil {
		return nil, errors.New("index: Editor has no Compare function")
	}
	if ed.BlockSize < 0 || !validBlockSize(uint32(ed.BlockSize)) {
		return nil, fmt.Errorf("index: Editor block size %d is not a power of two from 512 bytes to 1 MiB", ed.BlockSize)
	}
	if n := len(ed.Root.Entries); n == 0 || !ed.Root.Entries[n-1].IsLast() {
		return nil, &CorruptError{VCN: NoVCN, Offset: rootHeaderLen, Field: "index node (no last entry)"}
	}
	// The edit's state is reused: an edit lives only during one Insert or
	// Delete, and the Editor is not safe for concurrent use.
	op := ed.op
	if op == nil {
		op = new(edit)
		ed.op = op
		op.blocks.vcns, op.blocks.blocks = op.space[0][:0], op.bspace[:0]
		op.isDirty, op.isFreed, op.owned, op.reached, op.made = op.space[1][:0], op.space[2][:0], op.space[3][:0], op.space[4][:0], op.space[5][:0]
		op.dirty, op.freed = op.dspace[:0], op.fspace[:0]
	}
	// Every field but the buffers is reset; the lists keep their arrays
	// (the last edit's, grown or not). Reslicing in place writes no
	// pointers: assigning a whole edit costs a GC write barrier for
	// each of its pointer words.
	op.ed, op.root, op.rootChanged, op.inPlace = ed, ed.Root.Node, false, false
	op.rootBuf, op.rootOwned = 0, false
	op.blocks.vcns, op.blocks.blocks = op.blocks.vcns[:0], op.blocks.blocks[:0]
	op.isDirty, op.isFreed, op.owned, op.reached, op.made = op.isDirty[:0], op.isFreed[:0], op.owned[:0], op.reached[:0], op.made[:0]
	op.dirty, op.freed = op.dirty[:0], op.freed[:0]
	// The root's entries are shared (capacity capped) until ownRoot
	// copies them: most edits change only a block.
	rs := ed.Root.Entries
	op.root.Entries = rs[:len(rs):len(rs)]
	if least := rootHeaderLen + op.entriesOff(NoVCN, &op.root) + endLen + childLen; ed.RootMax < least {
		return nil, fmt.Errorf("index: Editor RootMax %d is below %d bytes, the smallest root with a sub-node", ed.RootMax, least)
	}
	return op, nil
}

// newEntriesOff is where the entries of a new block start, relative to the
// node header: after the update sequence array, 8-aligned (as
// Block.AppendBinary lays it out).
func newEntriesOff(blockSize int) int {
	return align8(blockHeaderLen+nodeHeaderLen+2*(blockSize/mft.SectorSize+1)) - blockHeaderLen
}

// newRoom is the room for the entries of a new block.
func (op *edit) newRoom() int {
	return op.ed.BlockSize - blockHeaderLen - newEntriesOff(op.ed.BlockSize)
}

func (op *edit) entriesOff(vcn mft.VCN, n *Node) int {
	switch {
	case n.EntriesOffset != 0:
		return int(n.EntriesOffset)
	case vcn == NoVCN:
		return nodeHeaderLen
	}
	return newEntriesOff(op.ed.BlockSize)
}

// room is the number of bytes the entries of the node may take.
func (op *edit) room(s step) int {
	if s.vcn == NoVCN {
		return op.ed.RootMax - rootHeaderLen - op.entriesOff(NoVCN, s.n)
	}
	return op.ed.BlockSize - blockHeaderLen - op.entriesOff(s.vcn, s.n)
}

func entriesLen(es []Entry) int {
	n := 0
	for i := range es {
		n += es[i].encodedLen()
	}
	return n
}

func (op *edit) markDirty(vcn mft.VCN) {
	if vcn == NoVCN {
		op.rootChanged = true
		return
	}
	if !op.isDirty.has(vcn) {
		op.isDirty.set(vcn)
		op.dirty = append(op.dirty, vcn)
	}
}

func (op *edit) free(vcn mft.VCN) {
	if !op.isFreed.has(vcn) {
		op.isFreed.set(vcn)
		op.freed = append(op.freed, vcn)
	}
}

// load returns this edit's copy of the block at vcn, loading it on first
// use.
func (op *edit) load(vcn mft.VCN) (*Block, error) {
	if op.isFreed.has(vcn) {
		return nil, &CorruptError{VCN: vcn, Field: "sub-node pointer (to a block freed by this edit)"}
	}
	if b := op.blocks.get(vcn); b != nil {
		return b, nil
	}
	if op.ed.Load == nil {
		return nil, &CorruptError{VCN: vcn, Field: "sub-node pointer (index has no $INDEX_ALLOCATION)"}
	}
	blk, err := op.ed.Load(vcn)
	if err != nil {
		return nil, fmt.Errorf("index: load INDX block at VCN %d: %w", vcn, err)
	}
	if blk == nil {
		return nil, &CorruptError{VCN: vcn, Field: "sub-node pointer (no block loaded)"}
	}
	if blk.VCN != vcn {
		return nil, &CorruptError{VCN: vcn, Offset: 0x10, Field: "INDX block VCN", Value: int64(blk.VCN)}
	}
	if int(blk.AllocatedSize)+blockHeaderLen != op.ed.BlockSize {
		return nil, &CorruptError{VCN: vcn, Offset: blockHeaderLen + 8, Field: "INDX allocated size (differs from the index block size)", Value: blk.AllocatedSize}
	}
	if n := len(blk.Entries); n == 0 || !blk.Entries[n-1].IsLast() {
		return nil, &CorruptError{VCN: vcn, Offset: blockHeaderLen, Field: "index node (no last entry)"}
	}
	// vcn is new to the edit (not in blocks, so not owned either).
	if op.inPlace {
		op.blocks.add(vcn, blk)
		op.owned = append(op.owned, vcn)
		return blk, nil
	}
	// The copy shares the loaded entries until own is called for it
	// (capacity capped, so an append never writes into the loaded block).
	c := *blk
	c.Entries = blk.Entries[:len(blk.Entries):len(blk.Entries)]
	op.blocks.add(vcn, &c)
	return &c, nil
}

// own gives the node of s its own copy of its entries before they are
// changed in place; new blocks own theirs already.
func (op *edit) own(s step) {
	if s.vcn == NoVCN {
		op.ownRoot()
		return
	}
	if op.owned.has(s.vcn) {
		return
	}
	// Room for one more: an insert follows.
	s.n.Entries = append(make([]Entry, 0, len(s.n.Entries)+1), s.n.Entries...)
	op.owned.set(s.vcn)
}

// ownRoot gives the edit's root its own copy of the Editor's root
// entries, in whichever of Editor.rootBufs Root does not hold (Root keeps
// the entries of the last edit until this one commits).
func (op *edit) ownRoot() {
	if op.rootOwned {
		return
	}
	ed := op.ed
	k := 0
	if rs, b := ed.Root.Entries, ed.rootBufs[0]; len(rs) > 0 && cap(b) > 0 && &rs[0] == &b[:1][0] {
		k = 1
	}
	ed.rootBufs[k] = append(ed.rootBufs[k][:0], op.root.Entries...)
	op.root.Entries, op.rootBuf, op.rootOwned = ed.rootBufs[k], k, true
}

// child loads the sub-node of entry p.i of p, at depth below the root.
func (op *edit) child(p step, depth int) (step, error) {
	if depth > maxDepth {
		return step{}, &CorruptError{VCN: p.vcn, Field: "index depth", Value: depth}
	}
	return op.reach(p, p.i)
}

// reach loads the sub-node of entry i of p. Every block of the index is
// reached at most once per edit: a second pointer to it is a loop or a
// cross-link. Blocks this edit allocated may be reached again as siblings.
func (op *edit) reach(p step, i int) (step, error) {
	e := &p.n.Entries[i]
	if !e.HasChild() {
		return step{}, &CorruptError{VCN: p.vcn, Field: "index entry flags (no sub-node in an index node)", Value: e.Flags}
	}
	if op.reached.has(e.Child) && !op.made.has(e.Child) {
		return step{}, &CorruptError{VCN: e.Child, Field: "sub-node pointer (loop)"}
	}
	blk, err := op.load(e.Child)
	if err != nil {
		return step{}, err
	}
	op.reached.set(e.Child)
	return step{vcn: e.Child, n: &blk.Node}, nil
}

// find returns the index of the first entry of n whose key is not below
// key (the end entry when there is none), and whether that key equals key.
func (op *edit) find(n *Node, key []byte) (int, bool) {
	keys := n.Entries[:len(n.Entries)-1]
	// Keys inserted in increasing order (mkfs --from, a directory filled
	// in name order) go after the last: one comparison instead of a
	// bisection.
	if k := len(keys); k > 0 && op.ed.Compare(keys[k-1].Key, key) < 0 {
		return k, false
	}
	return slices.BinarySearchFunc(keys, key, func(e Entry, k []byte) int {
		return op.ed.Compare(e.Key, k)
	})
}

// search descends from the root towards key and returns the path, whose
// last step is the node holding key (found) or the leaf where it belongs.
func (op *edit) search(key []byte) (path []step, found bool, err error) {
	path = op.pathBuf[:0]
	s := step{vcn: NoVCN, n: &op.root}
	for depth := 0; ; depth++ {
		var eq bool
		s.i, eq = op.find(s.n, key)
		path = append(path, s)
		if eq || s.n.IsLeaf() {
			return path, eq, nil
		}
		if s, err = op.child(s, depth+1); err != nil {
			return nil, false, err
		}
	}
}

// setChild gives e a sub-node pointer to vcn (has) or removes it. An entry
// that keeps its decoded layout grows or shrinks by the 8 bytes of the
// pointer, so bytes between the key and the pointer (view-index data)
// stay; others get the packed layout.
func setChild(e *Entry, has bool, vcn mft.VCN) {
	if e.HasChild() != has {
		n := int(e.Length)
		switch {
		case n != 0 && len(e.raw) == n && has && n+childLen <= 0xFFF8:
			raw := make([]byte, n+childLen)
			copy(raw, e.raw)
			e.raw, e.Length = raw, uint16(n+childLen)
		case n != 0 && len(e.raw) == n && !has:
			e.raw, e.Length = e.raw[:n-childLen], uint16(n-childLen)
		default:
			e.raw, e.Length = nil, 0
		}
		e.Flags ^= EntryHasChild
	}
	e.Child = 0
	if has {
		e.Child = vcn
	}
}

// fix walks the path up from the leaf: it splits nodes that overflow,
// moves the root's entries into a new block when the root overflows, and
// when deleting rebalances nodes that are too empty and shrinks the root.
//
// An insert changes the leaf, and a split the parent of the node split;
// a block it did not change still fits (blocks are decoded or left by an
// edit fitting their room), so only the changed levels and the root
// (whose room, RootMax, may have shrunk since the last edit) are checked.
func (op *edit) fix(path []step, deleting bool) error {
	changed := len(path) - 1 // the highest level changed
	for level := len(path) - 1; level >= 0; {
		s := &path[level]
		if !deleting && level > 0 && level < changed {
			level = 0
			continue
		}
		if entriesLen(s.n.Entries) > op.room(*s) {
			if level == 0 {
				b, err := op.pushDown()
				if err != nil {
					return err
				}
				path = slices.Insert(path, 1, step{vcn: b.VCN, n: &b.Node, i: path[0].i})
				path[0].i = 0
				level, changed = 1, 1
				continue
			}
			if err := op.split(s, &path[level-1]); err != nil {
				return err
			}
			changed = level - 1
			continue
		}
		if deleting && level > 0 && op.underfull(*s) {
			if err := op.rebalance(*s, &path[level-1]); err != nil {
				return err
			}
		}
		level--
	}
	if deleting {
		return op.shrinkRoot()
	}
	return nil
}

func (op *edit) alloc() (mft.VCN, error) {
	if op.ed.Alloc == nil {
		return 0, errors.New("index: Editor has no Alloc function")
	}
	vcn, err := op.ed.Alloc()
	if err != nil {
		return 0, fmt.Errorf("index: allocate an INDX block: %w", err)
	}
	if vcn < 0 || op.blocks.get(vcn) != nil || op.isFreed.has(vcn) || op.reached.has(vcn) {
		return 0, fmt.Errorf("index: Alloc returned VCN %d, which is in use", vcn)
	}
	op.made.set(vcn)
	return vcn, nil
}

// pushDown moves every entry of the root into a new block and leaves the
// root with an end entry pointing at it.
func (op *edit) pushDown() (*Block, error) {
	vcn, err := op.alloc()
	if err != nil {
		return nil, err
	}
	op.ownRoot()
	b := &Block{VCN: vcn, Node: Node{Flags: op.root.Flags & NodeHasChildren, Entries: op.root.Entries}}
	op.ed.rootBufs[op.rootBuf] = nil // the block has the buffer now
	op.blocks.put(vcn, b)
	op.owned.set(vcn)
	op.reached.set(vcn)
	op.markDirty(vcn)
	op.root.Entries = []Entry{{Flags: EntryLast | EntryHasChild, Child: vcn}}
	op.root.Flags |= NodeHasChildren
	op.markDirty(NoVCN)
	return b, nil
}

// splitPoint chooses the entry of keys (a node's entries without its end
// entry) to move up between keys[:m] + an end entry of leftEnd bytes and
// keys[m+1:] + one of rightEnd bytes, so that both keep a key, the left
// fits leftRoom, and the larger side is as small as possible. With
// bothFit the right side must fit rightRoom too; without, a right side
// that does not fit is split again. It returns -1 when there is no such
// entry.
func splitPoint(keys []Entry, leftEnd, rightEnd, leftRoom, rightRoom int, bothFit bool) int {
	best, bestMax := -1, 0
	total := entriesLen(keys)
	pre := 0
	for m := range keys {
		size := keys[m].encodedLen()
		if m >= 1 && m <= len(keys)-2 {
			l, r := pre+leftEnd, total-pre-size+rightEnd
			if l <= leftRoom && (!bothFit || r <= rightRoom) {
				if big := max(l, r); best < 0 || big < bestMax {
					best, bestMax = m, big
				}
			}
		}
		pre += size
	}
	return best
}

// split moves the first entries of the overflowing block s into a new
// block and the entry after them up into the parent p, pointing at the
// new block. s keeps its VCN and the rest.
func (op *edit) split(s, p *step) error {
	es := s.n.Entries
	keys := len(es) - 1
	leftEnd := Entry{Flags: EntryLast}
	if !s.n.IsLeaf() {
		leftEnd.Flags |= EntryHasChild
	}
	m := -1
	if keys >= 3 && appended(*s, *p) {
		// Keys added in increasing order (a directory filled in name
		// order) keep coming after this one: the new block takes all but
		// the last two keys, full, and s keeps the last, with room for
		// what follows. Split in the middle, both halves would stay half
		// full, and there would be twice the splits and blocks.
		if k := keys - 2; entriesLen(es[:k])+leftEnd.encodedLen() <= op.newRoom() {
			m = k
		}
	}
	if m < 0 {
		m = splitPoint(es[:keys], leftEnd.encodedLen(), es[keys].encodedLen(), op.newRoom(), op.room(*s), false)
	}
	if m < 0 {
		return fmt.Errorf("%w: INDX block at VCN %d overflows and cannot be split", ErrTooLarge, s.vcn)
	}
	vcn, err := op.alloc()
	if err != nil {
		return err
	}
	mid := es[m]
	if leftEnd.HasChild() {
		leftEnd.Child = mid.Child
	}
	left := make([]Entry, 0, m+1)
	left = append(append(left, es[:m]...), leftEnd)
	b := &Block{VCN: vcn, Node: Node{Flags: s.n.Flags & NodeHasChildren, Entries: left}}
	op.blocks.put(vcn, b)
	op.owned.set(vcn)
	op.reached.set(vcn)
	op.markDirty(vcn)
	if op.owned.has(s.vcn) {
		// s keeps the rest in its own array, with the room it has for
		// the inserts that follow.
		n := copy(es, es[m+1:])
		clear(es[n:])
		s.n.Entries = es[:n]
	} else {
		s.n.Entries = slices.Clone(es[m+1:])
		op.owned.set(s.vcn)
	}
	op.markDirty(s.vcn)
	setChild(&mid, true, vcn)
	op.own(*p)
	p.n.Entries = slices.Insert(p.n.Entries, p.i, mid)
	p.i++
	op.markDirty(p.vcn)
	return nil
}

// appended reports whether the entry an insert just added to s is its
// last key (a leaf's at s.i; an index node's, the separator of a split
// below, just before s.i, at its end entry) and s is the last sub-node of
// p: the insert went after every key of the tree under p.
func appended(s, p step) bool {
	last := len(s.n.Entries) - 2 // the last key
	if s.n.IsLeaf() {
		if s.i != last {
			return false
		}
	} else if s.i != last+1 {
		return false
	}
	return p.i == len(p.n.Entries)-1
}

// underfull reports whether a block holds no key or uses less than a third
// of its room. A split leaves about half in each block, so a block has to
// lose a good part of its entries before it is rebalanced again.
func (op *edit) underfull(s step) bool {
	return len(s.n.Entries) < 2 || 3*entriesLen(s.n.Entries) < op.room(s)
}

// rebalance merges block s, a sub-node of entry p.i of p, with a sibling
// and their separator in p when they fit one block, freeing the emptied
// block; otherwise it shares their entries evenly between them.
func (op *edit) rebalance(s step, p *step) error {
	if len(p.n.Entries) < 2 {
		return nil // no sibling
	}
	// sep separates l, the sub-node of entry sep, from r, that of sep+1.
	sep := p.i - 1
	var l, r step
	var err error
	if p.i == 0 {
		sep, l = 0, s
		r, err = op.reach(*p, 1)
	} else {
		l, err = op.reach(*p, sep)
		r = s
	}
	if err != nil {
		return err
	}
	if l.n.IsLeaf() != r.n.IsLeaf() {
		return &CorruptError{VCN: p.vcn, Field: "sub-node depth (a leaf beside an index node)"}
	}
	internal := !l.n.IsLeaf()
	lkeys, lend := l.n.Entries[:len(l.n.Entries)-1], l.n.Entries[len(l.n.Entries)-1]
	rkeys, rend := r.n.Entries[:len(r.n.Entries)-1], r.n.Entries[len(r.n.Entries)-1]
	down := p.n.Entries[sep]
	setChild(&down, internal, lend.Child)

	if entriesLen(lkeys)+down.encodedLen()+entriesLen(r.n.Entries) <= op.room(r) {
		merged := make([]Entry, 0, len(lkeys)+1+len(r.n.Entries))
		merged = append(append(append(merged, lkeys...), down), r.n.Entries...)
		r.n.Entries = merged
		op.owned.set(r.vcn)
		op.markDirty(r.vcn)
		op.own(*p)
		p.n.Entries = slices.Delete(p.n.Entries, sep, sep+1)
		p.i = sep
		op.markDirty(p.vcn)
		op.free(l.vcn)
		return nil
	}

	all := make([]Entry, 0, len(lkeys)+1+len(rkeys))
	all = append(append(append(all, lkeys...), down), rkeys...)
	m := splitPoint(all, lend.encodedLen(), rend.encodedLen(), op.room(l), op.room(r), true)
	if m < 0 {
		if len(s.n.Entries) >= 2 {
			return nil // leave it less full than wanted
		}
		other := l.vcn
		if other == s.vcn {
			other = r.vcn
		}
		return fmt.Errorf("%w: INDX block at VCN %d has no key and cannot take one from VCN %d", ErrTooLarge, s.vcn, other)
	}
	if m == len(lkeys) {
		return nil // already as even as it gets
	}
	up := all[m]
	setChild(&lend, internal, up.Child)
	setChild(&up, true, l.vcn)
	left := make([]Entry, 0, m+1)
	l.n.Entries = append(append(left, all[:m]...), lend)
	right := make([]Entry, 0, len(all)-m)
	r.n.Entries = append(append(right, all[m+1:]...), rend)
	op.owned.set(l.vcn)
	op.owned.set(r.vcn)
	op.own(*p)
	p.n.Entries[sep] = up
	op.markDirty(l.vcn)
	op.markDirty(r.vcn)
	op.markDirty(p.vcn)
	return nil
}

// shrinkRoot takes the one sub-node of a root left with only an end entry
// into the root when its entries fit, freeing its block, as often as that
// applies. A root that takes in a leaf becomes a leaf.
func (op *edit) shrinkRoot() error {
	for !op.root.IsLeaf() && len(op.root.Entries) == 1 {
		vcn := op.root.Entries[0].Child
		blk, err := op.load(vcn)
		if err != nil {
			return err
		}
		if entriesLen(blk.Entries) > op.room(step{vcn: NoVCN, n: &op.root}) {
			return nil
		}
		op.root.Entries = blk.Entries
		op.root.Flags = op.root.Flags&^NodeHasChildren | blk.Flags&NodeHasChildren
		op.markDirty(NoVCN)
		op.free(vcn)
	}
	return nil
}

// commit stores the changed blocks, frees the emptied ones and updates the
// root.
func (op *edit) commit() error {
	for _, vcn := range op.dirty {
		if op.isFreed.has(vcn) {
			continue
		}
		if op.ed.Store == nil {
			return errors.New("index: Editor has no Store function")
		}
		if err := op.ed.Store(op.blocks.get(vcn)); err != nil {
			return fmt.Errorf("index: store INDX block at VCN %d: %w", vcn, err)
		}
	}
	for _, vcn := range op.freed {
		if op.ed.Free == nil {
			return errors.New("index: Editor has no Free function")
		}
		if err := op.ed.Free(vcn); err != nil {
			return fmt.Errorf("index: free INDX block at VCN %d: %w", vcn, err)
		}
	}
	if op.rootChanged {
		// A changed root is packed: allocated == in use.
		used := op.entriesOff(NoVCN, &op.root) + entriesLen(op.root.Entries)
		op.root.IndexLength, op.root.AllocatedSize = uint32(used), uint32(used)
		op.ed.Root.Node = op.root
		op.ed.RootChanged = true
	}
	return nil
}
