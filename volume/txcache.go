package volume

import (
	"encoding/binary"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode/utf16"

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
// transaction's decoded files, indexes and blocks.
func (tx *Tx) lookup(path string) (*File, error) {
	if err := tx.settle(); err != nil {
		return nil, err
	}
	if strings.HasPrefix(path, "#") || tx.v.mftOnly != nil {
		return tx.v.Lookup(path)
	}
	fe, err := tx.resolve(path)
	if err != nil || fe == nil {
		if fe == nil && err == nil {
			return tx.v.Lookup(path)
		}
		return nil, err
	}
	return tx.fileOf(fe)
}

// lookedUp is what lookupNum finds.
//
// Not an on-disk structure.
type lookedUp struct {
	num   mft.RecordNumber
	isDir bool
}

// lookupNum is lookup for callers that need only the record number and
// whether it is a directory (no File is built).
func (tx *Tx) lookupNum(path string) (lookedUp, error) {
	if !strings.HasPrefix(path, "#") && tx.v.mftOnly == nil {
		fe, err := tx.resolve(path)
		if err != nil {
			return lookedUp{}, err
		}
		if fe != nil {
			return lookedUp{fe.num(), fe.base().IsDir()}, nil
		}
	}
	f, err := tx.lookup(path)
	if err != nil {
		return lookedUp{}, err
	}
	return lookedUp{f.Number(), f.IsDir()}, nil
}

// resolve is lookup returning the file to edit (nil, nil: the root is
// not editable, ask the reader).
func (tx *Tx) resolve(path string) (*fileEdit, error) {
	if err := tx.settle(); err != nil {
		return nil, err
	}
	clean := isCleanPath(path)
	if clean {
		if fe := tx.dirMemo.get(tx, path); fe != nil {
			return fe, nil
		}
	}
	rest := path
	fe, err := tx.editFile(mft.RecordRoot)
	if err != nil {
		return nil, nil // the reader says why
	}
	if clean {
		if d, ok := tx.cachedDir(path); ok {
			tx.dirMemo.put(path, d)
			return d, nil
		}
		// Start from the deepest directory resolved before.
		for i := strings.LastIndexByte(path, '/'); i > 0; i = strings.LastIndexByte(path[:i], '/') {
			if d, ok := tx.cachedDir(path[:i]); ok {
				fe, rest = d, path[i:]
				break
			}
		}
	}
	// The names of path, walked without splitting it; done is the path
	// up to the current name, for errors.
	for rest != "" {
		var name string
		name, rest, _ = strings.Cut(rest, "/")
		if name == "" || name == "." {
			continue
		}
		parent := fe.num()
		e, err := tx.lookupEntry(fe, name)
		if err == nil {
			fe, err = tx.entryEditOf(e)
		}
		if err != nil {
			done := "/" + strings.Join(splitPath(path[:len(path)-len(rest)]), "/")
			return nil, &fs.PathError{Op: "lookup", Path: done, Err: err}
		}
		if clean && fe.base().IsDir() {
			if tx.dirs == nil {
				tx.dirs = map[string]cachedDir{}
			}
			tx.dirs[path[:len(path)-len(rest)-min(len(rest), 1)]] = cachedDir{fe.num(), parent}
		}
	}
	return fe, nil
}

// cachedDir is a directory a transaction's lookup resolved, with its
// parent.
//
// Not an on-disk structure.
type cachedDir struct{ rec, parent mft.RecordNumber }

// cachedDir returns the directory at the clean path p when a lookup
// resolved it before and it is still there: in use, a directory, and
// named as the last name of p in the same parent. (Directories have one
// name, and lose it only by being freed.)
func (tx *Tx) cachedDir(p string) (*fileEdit, bool) {
	d, ok := tx.dirs[p]
	if !ok {
		return nil, false
	}
	fe, err := tx.editFile(d.rec)
	if err == nil && fe.base().IsDir() {
		tx.units = appendUnits(tx.units[:0], p[strings.LastIndexByte(p, '/')+1:])
		for _, r := range fe.recs {
			for i := range r.rec.Attrs {
				a := &r.rec.Attrs[i]
				if a.Type != mft.AttrFileName || a.NonResident || len(a.Value) < 8 {
					continue
				}
				c, ok := foldCompareKey(tx.v.upcase, tx.units, a.Value)
				if ok && c == 0 && mft.FileRef(binary.LittleEndian.Uint64(a.Value)).Record() == d.parent {
					return fe, true
				}
			}
		}
	}
	delete(tx.dirs, p)
	return nil, false
}

// dirMemo remembers the last directories cachedDir confirmed, each with
// its fileEdit as it was then: a run of operations in the same few
// directories (a tree of links made in bulk) resolves them without
// checking their names again. An entry holds while the transaction keeps
// the same fileEdit for the directory, clean and saved no more since:
// its names change only through a save (or leave it dirty), and a
// record decoded again is a new fileEdit.
//
// Not an on-disk structure.
type dirMemo struct {
	slot [2]struct {
		path  string
		fe    *fileEdit
		saves uint64
	}
	next int
}

// get returns the directory remembered for the clean path p, or nil.
func (m *dirMemo) get(tx *Tx, p string) *fileEdit {
	for i := range m.slot {
		s := &m.slot[i]
		if s.fe == nil || s.path != p {
			continue
		}
		if fe := s.fe; fe.saves == s.saves && tx.files.get(fe.num()) == fe && fe.clean() {
			return fe
		}
		s.fe = nil
	}
	return nil
}

// put remembers fe, just confirmed as the directory at p.
func (m *dirMemo) put(p string, fe *fileEdit) {
	s := &m.slot[m.next]
	s.path, s.fe, s.saves = p, fe, fe.saves
	m.next = (m.next + 1) % len(m.slot)
}

// isCleanPath reports whether p is absolute with no empty, "." or ".."
// names and no trailing slash: a path that names its directories
// exactly as their paths do.
func isCleanPath(p string) bool {
	if len(p) < 2 || p[0] != '/' || p[len(p)-1] == '/' {
		return false
	}
	// start is where the current name begins (after its slash).
	start := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		switch p[start:i] {
		case "", ".", "..":
			return false
		}
		start = i + 1
	}
	return true
}

// entryEditOf is entryEdit of an undecoded entry: its key is decoded
// only to explain an error.
func (tx *Tx) entryEditOf(e index.Entry) (*fileEdit, error) {
	if fe, err := tx.editFile(e.Ref.Record()); err == nil && fe.base().Seq == e.Ref.Seq() {
		return fe, nil
	}
	de, err := dirEntry(e)
	if err != nil {
		return nil, err
	}
	return tx.entryEdit(de)
}

// entryEdit is entryFile through the transaction's files.
func (tx *Tx) entryEdit(e DirEntry) (*fileEdit, error) {
	fe, err := tx.editFile(e.Ref.Record())
	if err != nil {
		// Not an editable base record: the reader says why.
		if _, rerr := tx.v.entryFile(e); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	if fe.base().Seq != e.Ref.Seq() {
		_, err := checkEntry(e, &File{v: tx.v, num: fe.num(), Rec: fe.base()})
		return nil, err
	}
	return fe, nil
}

// fileOf returns a File of fe as it is now: a copy of its records'
// attribute lists (values shared), or for a file with extension records
// the file read through the volume.
//
// A clean file's File is kept until the file is written again: callers
// only read it.
func (tx *Tx) fileOf(fe *fileEdit) (*File, error) {
	clean := fe.clean()
	if fe.view != nil && clean {
		return fe.view, nil
	}
	var f *File
	var err error
	if len(fe.recs) > 1 {
		f, err = tx.v.File(fe.num())
	} else {
		rec := *fe.base()
		rec.Attrs = slices.Clone(rec.Attrs)
		f, err = tx.v.fileOf(fe.num(), &rec)
	}
	if err == nil && clean {
		fe.view = f
	}
	return f, err
}

// lookupIn finds name in directory dir (ignoring case, exact case
// preferred), through the transaction's decoded index of dir.
func (tx *Tx) lookupIn(dir *File, name string) (DirEntry, error) {
	if !dir.IsDir() {
		return DirEntry{}, ErrNotDir
	}
	if tx.v.mftOnly != nil {
		return tx.v.lookupIn(dir, name)
	}
	fe, err := tx.editFile(dir.Number())
	if err != nil {
		return DirEntry{}, err
	}
	return tx.lookupEdit(fe, name)
}

// exists is lookupIn without the entry: nil when dir has name,
// fs.ErrNotExist when not.
func (tx *Tx) exists(dir *File, name string) error {
	if !dir.IsDir() {
		return ErrNotDir
	}
	if tx.v.mftOnly != nil {
		_, err := tx.v.lookupIn(dir, name)
		return err
	}
	fe, err := tx.editFile(dir.Number())
	if err != nil {
		return err
	}
	x, err := tx.openIndex(fe, nameI30, tx.nameCompare())
	if err != nil {
		return err
	}
	tx.units = appendUnits(tx.units[:0], name)
	es, err := x.lookupFold(tx.v.upcase, tx.units, tx.found)
	tx.found = es
	if err != nil {
		return &RecordError{Record: fe.num(), Err: err}
	}
	if len(es) == 0 {
		return fs.ErrNotExist
	}
	return nil
}

// lookupEdit finds name in the directory fe.
func (tx *Tx) lookupEdit(fe *fileEdit, name string) (DirEntry, error) {
	e, err := tx.lookupEntry(fe, name)
	if err != nil {
		return DirEntry{}, err
	}
	return dirEntry(e)
}

// dirEntry decodes the $FILE_NAME key of an $I30 entry.
func dirEntry(e index.Entry) (DirEntry, error) {
	fn, err := e.FileName()
	if err != nil {
		return DirEntry{}, err
	}
	return DirEntry{Name: fn.NameString(), Ref: e.Ref, FileName: fn}, nil
}

// lookupEntry is lookupEdit returning the index entry, undecoded.
func (tx *Tx) lookupEntry(fe *fileEdit, name string) (index.Entry, error) {
	if !fe.base().IsDir() {
		return index.Entry{}, ErrNotDir
	}
	x, err := tx.openIndex(fe, nameI30, tx.nameCompare())
	if err != nil {
		return index.Entry{}, err
	}
	tx.units = appendUnits(tx.units[:0], name)
	units := tx.units
	es, err := x.lookupFold(tx.v.upcase, units, tx.found)
	tx.found = es
	if err != nil {
		return index.Entry{}, &RecordError{Record: fe.num(), Err: err}
	}
	if len(es) == 0 {
		return index.Entry{}, fs.ErrNotExist
	}
	pick := 0
	for i := range es {
		if equalKeyName(es[i].Key, units) {
			pick = i
			break
		}
	}
	return es[pick], nil
}

// lookupFold returns the entries of an $I30 index whose names equal name
// ignoring case (through u), in index order. Each node is searched by
// bisection on the names in the keys, without decoding them. The result
// is appended to out[:0] (a caller's scratch: no allocation once it has
// grown).
func (x *txIndex) lookupFold(u index.UpCase, name []uint16, out []index.Entry) ([]index.Entry, error) {
	if out, ok := x.fingerFold(u, name, out[:0]); ok {
		return out, nil
	}
	return x.foldNode(u, name, index.NoVCN, &x.root.Node, 0, out[:0])
}

// foldCompare compares name with entry e of the node at vcn (the last
// entry sorts after every name).
func foldCompare(u index.UpCase, name []uint16, vcn mft.VCN, e *index.Entry) (int, error) {
	if e.IsLast() {
		return -1, nil
	}
	c, ok := foldCompareKey(u, name, e.Key)
	if !ok {
		return 0, &index.CorruptError{VCN: vcn, Field: "$FILE_NAME key", Value: len(e.Key)}
	}
	return c, nil
}

// foldNode is lookupFold below node n (at vcn, depth below the root).
func (x *txIndex) foldNode(u index.UpCase, name []uint16, vcn mft.VCN, n *index.Node, depth int, out []index.Entry) ([]index.Entry, error) {
	if depth > 32 {
		return out, &index.CorruptError{VCN: vcn, Field: "index depth", Value: depth}
	}
	es := n.Entries
	if len(es) == 0 {
		return out, &index.CorruptError{VCN: vcn, Field: "index node (no last entry)"}
	}
	lo, hi := 0, len(es)-1
	if hi > 0 { // a name after the last key (names added in order): no bisection
		c, err := foldCompare(u, name, vcn, &es[hi-1])
		if err != nil {
			return out, err
		}
		if c > 0 {
			lo = hi
		}
	}
	for lo < hi { // first entry the name does not sort after
		m := int(uint(lo+hi) >> 1)
		c, err := foldCompare(u, name, vcn, &es[m])
		if err != nil {
			return out, err
		}
		if c > 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for i := lo; i < len(es); i++ {
		e := &es[i]
		c, err := foldCompare(u, name, vcn, e)
		if err != nil {
			return out, err
		}
		if c <= 0 && e.HasChild() {
			blk, err := x.load(e.Child)
			if err != nil {
				return out, err
			}
			if blk.IsLeaf() {
				x.finger = blk
			}
			if out, err = x.foldNode(u, name, e.Child, &blk.Node, depth+1, out); err != nil {
				return out, err
			}
		}
		if c != 0 {
			return out, nil
		}
		out = append(out, *e)
	}
	return out, nil
}

// foldCompareKey compares name with the name of a $FILE_NAME key, both
// upper-cased through u (equal names in different case compare 0); ok is
// false for a key too short to hold its name.
func foldCompareKey(u index.UpCase, name []uint16, key []byte) (int, bool) {
	if len(key) < 0x42 {
		return 0, false
	}
	n := int(key[0x40])
	if 0x42+2*n > len(key) {
		return 0, false
	}
	k := key[0x42:]
	for i := range min(len(name), n) {
		a, b := name[i], binary.LittleEndian.Uint16(k[2*i:])
		if a == b {
			continue // equal units: no table lookups
		}
		if a, b = u.Upper(a), u.Upper(b); a != b {
			if a < b {
				return -1, true
			}
			return 1, true
		}
	}
	switch {
	case len(name) < n:
		return -1, true
	case len(name) > n:
		return 1, true
	}
	return 0, true
}

// equalKeyName reports whether a $FILE_NAME key holds exactly name.
func equalKeyName(key []byte, name []uint16) bool {
	if len(key) < 0x42 || int(key[0x40]) != len(name) || 0x42+2*len(name) > len(key) {
		return false
	}
	for i, c := range name {
		if binary.LittleEndian.Uint16(key[0x42+2*i:]) != c {
			return false
		}
	}
	return true
}

// pendingBlock is an INDX block changed by the transaction and not yet
// encoded into the staged pages.
//
// Not an on-disk structure.
type pendingBlock struct {
	x      *txIndex
	blk    *index.Block
	ranges []devRange
	live   bool // still to encode
}

// pendBlock promises the encoding of blk (replacing an earlier promise
// for the same block): the overlay stages it before any read of its
// pages, and finish stages what is left.
func (tx *Tx) pendBlock(x *txIndex, blk *index.Block) (*pendingBlock, error) {
	k := x.key(blk.VCN)
	if p := tx.pending[k]; p != nil {
		p.x, p.blk = x, blk
		return p, nil
	}
	ranges, err := x.alloc.deviceRanges(int64(blk.VCN)*x.unit, x.bsize)
	if err != nil {
		return nil, fmt.Errorf("volume: record %d: write INDX block at VCN %d: %w", x.fe.num(), blk.VCN, err)
	}
	if tx.pending == nil {
		tx.pending = map[blockKey]*pendingBlock{}
		tx.pendingPages = map[int64][]blockKey{}
		tx.v.ov.fill = tx.fillPage
	}
	p := &pendingBlock{x: x, blk: blk, ranges: ranges, live: true}
	tx.pending[k] = p
	for _, r := range ranges {
		for pg := r.off / overlayPage; pg <= (r.off+r.n-1)/overlayPage; pg++ {
			tx.pendingPages[pg] = append(tx.pendingPages[pg], k)
		}
		tx.v.ov.promise(r.off, r.n)
	}
	return p, nil
}

// dropBlock forgets the promise for block k (freed: nothing to write).
func (tx *Tx) dropBlock(k blockKey) {
	p := tx.pending[k]
	if p == nil {
		return
	}
	p.live = false
	delete(tx.pending, k)
	for _, r := range p.ranges {
		tx.v.ov.kept(r.off, r.n)
	}
}

// stageBlock encodes pending block k into the staged pages.
func (tx *Tx) stageBlock(k blockKey) error {
	p := tx.pending[k]
	if p == nil {
		return nil
	}
	tx.dropBlock(k)
	return p.x.encode(p.blk)
}

// fillPage stages the pending blocks on page pg.
func (tx *Tx) fillPage(pg int64) error {
	keys := tx.pendingPages[pg]
	delete(tx.pendingPages, pg)
	for _, k := range keys {
		if err := tx.stageBlock(k); err != nil {
			return err
		}
	}
	return nil
}

// stageBlocks encodes every pending block, in device order.
func (tx *Tx) stageBlocks() error {
	ps := make([]*pendingBlock, 0, len(tx.pending))
	for _, p := range tx.pending {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *pendingBlock) int { return cmpInt64(a.ranges[0].off, b.ranges[0].off) })
	for _, p := range ps {
		if err := tx.stageBlock(p.x.key(p.blk.VCN)); err != nil {
			return err
		}
	}
	tx.pendingPages = nil
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// appendUnits appends the UTF-16 code units of s (mft.NameUnits without
// a new slice).
func appendUnits(b []uint16, s string) []uint16 {
	for _, r := range s {
		b = utf16.AppendRune(b, r)
	}
	return b
}
