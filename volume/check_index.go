package volume

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// maxIndexRead bounds the $INDEX_ALLOCATION read at once; larger ones are
// read block by block.
const maxIndexRead = 64 << 20

// maxIndexDepth bounds the B-tree depth the walk follows.
const maxIndexDepth = 64

// checkIndexes walks the $I30 B-tree of every directory, on up to two
// goroutines, and merges their findings in directory record order.
func (c *checker) checkIndexes() {
	c.broken = make([]bool, c.v.records)
	c.extendDirs = map[mft.RecordNumber]bool{}
	for _, d := range c.dirs {
		if c.underExtend(d) {
			c.extendDirs[d] = true
		}
	}
	results := make([][]Finding, len(c.dirs))
	var next, done atomic.Int64
	var wg sync.WaitGroup
	workers := min(2, runtime.GOMAXPROCS(0))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			iw := &indexWalk{c: c}
			for {
				i := next.Add(1) - 1
				if i >= int64(len(c.dirs)) {
					return
				}
				if d := c.dirs[i]; c.recs[d].flags&flagBad != 0 {
					c.broken[d] = true // reported by the record pass
					continue
				}
				results[i] = iw.dir(c.dirs[i])
				if d := done.Add(1); w == 0 && d%256 == 0 {
					c.progress("indexes", d, int64(len(c.dirs)))
				}
			}
		}()
	}
	wg.Wait()
	for _, r := range results {
		c.findings = append(c.findings, r...)
	}
}

// indexWalk checks one directory's index at a time, reusing its buffers.
// Not an on-disk structure.
type indexWalk struct {
	c        *checker
	d        mft.RecordNumber
	out      []Finding
	buf      []byte         // the whole $INDEX_ALLOCATION
	blocks   []*index.Block // one per depth, reused
	visited  []bool
	bitmap   []byte
	alloc    *Stream
	allBuf   bool // buf holds the whole allocation
	bsize    int64
	unit     int64
	prev     []byte // the previous entry's name, UTF-16LE
	havePrev bool
	units    [2][]uint16
	broken   bool
}

func (w *indexWalk) add(f Finding) {
	f.Parent = w.d
	if f.Record == 0 {
		f.Record = w.d
	}
	w.out = append(w.out, f)
}

// fail reports an index that cannot be walked whole: names whose entries
// it would hold are then not reported as missing.
func (w *indexWalk) fail(f Finding) {
	w.broken = true
	w.add(f)
}

func (w *indexWalk) dir(d mft.RecordNumber) []Finding {
	c := w.c
	*w = indexWalk{c: c, d: d, buf: w.buf, blocks: w.blocks, visited: w.visited[:0], prev: w.prev[:0], units: w.units}
	defer func() {
		if w.broken {
			c.broken[d] = true
		}
	}()
	f, err := c.v.File(d)
	if err != nil {
		w.fail(Finding{Code: CodeIndexCorrupt, VCN: -1, Message: fmt.Sprintf("directory %d unreadable: %v", d, err)})
		return w.out
	}
	ra := f.Attr(mft.AttrIndexRoot, I30)
	if ra == nil || ra.NonResident {
		w.fail(Finding{Code: CodeIndexCorrupt, VCN: -1, Message: fmt.Sprintf("directory %d: no resident $INDEX_ROOT $I30", d)})
		return w.out
	}
	root, err := index.DecodeRoot(ra.Value)
	if err != nil {
		w.fail(Finding{Code: CodeIndexCorrupt, VCN: -1, Message: fmt.Sprintf("directory %d: $INDEX_ROOT $I30: %v", d, err)})
		return w.out
	}
	if root.AttrType != mft.AttrFileName || root.Collation != index.CollationFileName {
		w.fail(Finding{Code: CodeIndexCorrupt, VCN: -1,
			Message: fmt.Sprintf("directory %d: $INDEX_ROOT $I30 indexes %s with collation %s, want $FILE_NAME with %s", d, root.AttrType, root.Collation, index.CollationFileName)})
		return w.out
	}
	w.bsize = int64(root.BlockSize)
	w.unit = int64(c.v.clusterSize)
	if w.bsize < w.unit {
		w.unit = 512
	}
	if f.Attr(mft.AttrIndexAllocation, I30) != nil {
		if !w.loadAllocation(f) {
			return w.out
		}
	} else if !root.IsLeaf() {
		w.fail(Finding{Code: CodeIndexCorrupt, VCN: -1, Message: fmt.Sprintf("directory %d: $INDEX_ROOT has sub-nodes but there is no $INDEX_ALLOCATION", d)})
		return w.out
	}
	w.node(&root.Node, -1, 0)
	// Blocks marked in use that no entry leads to.
	if w.alloc != nil && !w.broken {
		n := w.alloc.Size() / w.bsize
		for i := int64(0); i < n; i++ {
			if w.bit(i) && !w.visited[i] {
				vcn := i * w.bsize / w.unit
				w.add(Finding{Code: CodeIndexBitmap, VCN: vcn, Want: 0, Got: 1,
					Message: fmt.Sprintf("directory %d: INDX block at VCN %d is marked in use in the index $BITMAP but no entry leads to it", d, vcn)})
			}
		}
	}
	return w.out
}

// loadAllocation reads the index $BITMAP and, when it is not too large,
// the whole $INDEX_ALLOCATION.
func (w *indexWalk) loadAllocation(f *File) bool {
	d := w.d
	alloc, err := f.AttrStream(mft.AttrIndexAllocation, I30)
	if err != nil {
		w.fail(Finding{Code: CodeIndexCorrupt, VCN: -1, Message: fmt.Sprintf("directory %d: $INDEX_ALLOCATION: %v", d, err)})
		return false
	}
	if f.Attr(mft.AttrBitmap, I30) == nil {
		w.fail(Finding{Code: CodeIndexBitmap, VCN: -1, Message: fmt.Sprintf("directory %d: $INDEX_ALLOCATION without an index $BITMAP", d)})
		return false
	}
	bs, err := f.AttrStream(mft.AttrBitmap, I30)
	if err == nil {
		w.bitmap, err = bs.ReadAll()
	}
	if err != nil {
		w.fail(Finding{Code: CodeIndexBitmap, VCN: -1, Message: fmt.Sprintf("directory %d: index $BITMAP: %v", d, err)})
		return false
	}
	w.alloc = alloc
	n := alloc.Size() / w.bsize
	if int64(len(w.bitmap))*8 < n {
		w.add(Finding{Code: CodeIndexBitmap, VCN: -1, Want: (n + 7) / 8, Got: int64(len(w.bitmap)),
			Message: fmt.Sprintf("directory %d: index $BITMAP of %d bytes cannot cover the %d blocks of $INDEX_ALLOCATION", d, len(w.bitmap), n)})
	}
	w.visited = grow(w.visited, int(n))
	clear(w.visited)
	if size := alloc.Size(); size <= maxIndexRead {
		w.buf = grow(w.buf, int(size))
		if err := w.c.v.readDirect(alloc, w.buf, 0); err == nil {
			w.allBuf = true
		}
	}
	return true
}

func (w *indexWalk) bit(i int64) bool {
	return i/8 < int64(len(w.bitmap)) && w.bitmap[i/8]&(1<<(i%8)) != 0
}

// node walks the entries of one node in order, descending into sub-nodes
// before the entry that points to them.
func (w *indexWalk) node(n *index.Node, vcn mft.VCN, depth int) {
	for i := range n.Entries {
		e := &n.Entries[i]
		if e.HasChild() {
			w.child(e.Child, vcn, depth+1)
			if w.broken {
				return
			}
		}
		if e.IsLast() {
			return
		}
		w.entry(e, vcn)
	}
}

// child loads and walks the INDX block at vcn, which an entry of the node
// at from points to.
func (w *indexWalk) child(vcn, from mft.VCN, depth int) {
	d := w.d
	if depth > maxIndexDepth {
		w.fail(Finding{Code: CodeIndexCorrupt, VCN: int64(from), Message: fmt.Sprintf("directory %d: index deeper than %d levels", d, maxIndexDepth)})
		return
	}
	off := int64(vcn) * w.unit
	if w.alloc == nil || off < 0 || off%w.bsize != 0 || off+w.bsize > w.alloc.Size() {
		w.fail(Finding{Code: CodeIndexCorrupt, VCN: int64(from), Message: fmt.Sprintf("directory %d: an entry of the node at VCN %d points to sub-node VCN %d, outside $INDEX_ALLOCATION", d, from, vcn)})
		return
	}
	i := off / w.bsize
	if w.visited[i] {
		w.fail(Finding{Code: CodeIndexCorrupt, VCN: int64(vcn), Message: fmt.Sprintf("directory %d: INDX block at VCN %d is reached twice (a loop or a shared sub-node)", d, vcn)})
		return
	}
	w.visited[i] = true
	if !w.bit(i) {
		w.add(Finding{Code: CodeIndexBitmap, VCN: int64(vcn), Want: 1, Got: 0,
			Message: fmt.Sprintf("directory %d: INDX block at VCN %d is in the tree but free in the index $BITMAP", d, vcn)})
	}
	var raw []byte
	if w.allBuf {
		raw = w.buf[off : off+w.bsize]
	} else {
		raw = make([]byte, w.bsize)
		if err := w.alloc.readFull(raw, off); err != nil {
			w.fail(Finding{Code: CodeIndexCorrupt, VCN: int64(vcn), Message: fmt.Sprintf("directory %d: INDX block at VCN %d unreadable: %v", d, vcn, err)})
			return
		}
	}
	for len(w.blocks) <= depth {
		w.blocks = append(w.blocks, nil)
	}
	blk, err := index.ParseBlockReuse(w.blocks[depth], raw, vcn)
	if err != nil {
		var ce *index.CorruptError
		errors.As(err, &ce)
		f := Finding{Code: CodeIndexCorrupt, VCN: int64(vcn), Message: fmt.Sprintf("directory %d: %v", d, err)}
		if ce != nil {
			f.Message = fmt.Sprintf("directory %d: INDX block at VCN %d: bad %s at offset 0x%x (value %v)", d, vcn, ce.Field, ce.Offset, ce.Value)
			f.Offset = w.c.v.streamDevOffset(w.alloc, off+int64(ce.Offset))
			if ce.Field == "update sequence number (torn write)" {
				f.Code = CodeIndexFixup
			}
		}
		w.fail(f)
		return
	}
	w.blocks[depth] = blk
	w.node(&blk.Node, vcn, depth)
}

// entry checks one $I30 entry against the record it points to.
func (w *indexWalk) entry(e *index.Entry, vcn mft.VCN) {
	c := w.c
	d := w.d
	k := e.Key
	if len(k) < 0x42 || 0x42+2*int(k[0x40]) > len(k) {
		w.fail(Finding{Code: CodeIndexCorrupt, VCN: int64(vcn), Ref: e.Ref,
			Message: fmt.Sprintf("directory %d: entry for %s in the node at VCN %d has a $FILE_NAME key of %d bytes", d, e.Ref, vcn, len(k))})
		return
	}
	nameB := k[0x42 : 0x42+2*int(k[0x40])]
	name := func() string { return mft.NameString(w.unitsOf(0, nameB)) }
	if w.havePrev && w.collate(w.prev, nameB) >= 0 {
		w.add(Finding{Code: CodeIndexOrder, VCN: int64(vcn), Name: name(),
			Message: fmt.Sprintf("directory %d: entry %q (node at VCN %d) is not after %q in $UpCase collation order", d, name(), vcn, mft.NameString(w.unitsOf(1, w.prev)))})
	}
	w.prev = append(w.prev[:0], nameB...)
	w.havePrev = true

	ref := e.Ref
	r := ref.Record()
	if int64(r) >= c.v.records {
		w.add(Finding{Code: CodeEntryDangling, VCN: int64(vcn), Name: name(), Ref: ref,
			Message: fmt.Sprintf("directory %d: entry %q points to record %d, beyond $MFT (%d records)", d, name(), r, c.v.records)})
		return
	}
	ri := &c.recs[r]
	switch {
	case ri.flags&flagInUse == 0:
		w.add(Finding{Code: CodeEntryDangling, VCN: int64(vcn), Name: name(), Ref: ref,
			Message: fmt.Sprintf("directory %d: entry %q points to record %s, which is not in use", d, name(), ref)})
		return
	case ri.flags&flagBase == 0:
		w.add(Finding{Code: CodeEntryDangling, VCN: int64(vcn), Name: name(), Ref: ref,
			Message: fmt.Sprintf("directory %d: entry %q points to record %s, an extension record", d, name(), ref)})
		return
	case ri.seq != ref.Seq():
		w.add(Finding{Code: CodeEntrySequence, VCN: int64(vcn), Name: name(), Ref: ref, Want: int64(ri.seq), Got: int64(ref.Seq()),
			Message: fmt.Sprintf("directory %d: entry %q has sequence number %d, record %d has %d", d, name(), ref.Seq(), r, ri.seq)})
		return
	case ri.flags&flagBad != 0:
		c.noteEntry(r, d, name())
		return
	}
	h := c.nameHash(nameB)
	found := false
	for j, nm := range c.namesOf(r) {
		if nm.parent.Record() == d && nm.hash == h {
			c.matched[int(ri.nameStart)+j].Store(true)
			found = true
			break
		}
	}
	if !found {
		w.add(Finding{Code: CodeEntryNoName, VCN: int64(vcn), Name: name(), Ref: ref,
			Message: fmt.Sprintf("directory %d: entry %q points to record %d, which has no such name in this directory", d, name(), r)})
		return
	}
	attrs := mft.FileAttributes(le32(k[0x38:]))
	if want, got := ri.flags&flagI30 != 0, attrs&mft.FileDupDirectory != 0; want != got {
		w.add(Finding{Code: CodeEntryFlags, VCN: int64(vcn), Name: name(), Ref: ref, Attr: "directory",
			Want: b2i(want) * int64(mft.FileDupDirectory), Got: b2i(got) * int64(mft.FileDupDirectory),
			Message: fmt.Sprintf("directory %d: entry %q: directory flag (0x10000000) is %v in the entry, %v in record %d", d, name(), got, want, r)})
	}
	if ri.flags&flagReparse != 0 {
		if attrs&mft.FileReparsePoint == 0 {
			w.add(Finding{Code: CodeEntryFlags, VCN: int64(vcn), Name: name(), Ref: ref, Attr: "reparse-point", Want: int64(mft.FileReparsePoint), Got: 0,
				Message: fmt.Sprintf("directory %d: entry %q lacks the reparse-point attribute (0x400) of record %d", d, name(), r)})
		}
		if tag := le32(k[0x3C:]); tag != ri.tag {
			w.add(Finding{Code: CodeEntryFlags, VCN: int64(vcn), Name: name(), Ref: ref, Attr: "reparse-tag", Want: int64(ri.tag), Got: int64(tag),
				Message: fmt.Sprintf("directory %d: entry %q has reparse tag 0x%08x, record %d's reparse point has 0x%08x", d, name(), tag, r, ri.tag)})
		}
	} else if attrs&mft.FileReparsePoint != 0 {
		w.add(Finding{Code: CodeEntryFlags, VCN: int64(vcn), Name: name(), Ref: ref, Attr: "reparse-point", Want: 0, Got: int64(mft.FileReparsePoint),
			Message: fmt.Sprintf("directory %d: entry %q has the reparse-point attribute (0x400) but record %d has no reparse point", d, name(), r)})
	}
	if ri.flags&(flagI30|flagData) == flagData {
		if got := int64(le64(k[0x30:])); got != ri.dataSize {
			w.add(Finding{Code: CodeEntrySize, Severity: c.sizeSeverity(r, d, ri), VCN: int64(vcn), Name: name(), Ref: ref, Want: ri.dataSize, Got: got,
				Message: fmt.Sprintf("directory %d: entry %q says %d bytes, record %d's data is %d bytes", d, name(), got, r, ri.dataSize)})
		}
	}
}

// sizeSeverity decides how bad a stale size in an index entry is, from
// what Windows leaves on its own volumes (the Windows XP, 7 and 10 images
// the tests read): the entries of NTFS's metadata files (records below
// 24, hidden+system files, and every file under $Extend such as
// $TxfLog's $Tops and $TxfLog.blf) keep stale sizes, often 0; and Windows
// updates a file's sizes only in the entry of the name it was opened by, so
// the other links of a hard-linked file go stale. Those are notes; files
// with a separate DOS name get a warning. For any other file Windows rewrites
// the entry when the file is closed, so a size that differs is an error.
func (c *checker) sizeSeverity(r, dir mft.RecordNumber, ri *checkRec) Severity {
	const hiddenSystem = uint32(mft.FileHidden | mft.FileSystem)
	if r < 24 || ri.fileAttrs&hiddenSystem == hiddenSystem || c.extendDirs[dir] {
		return SevNote
	}
	links := 0
	for _, nm := range c.namesOf(r) {
		if nm.ns == mft.NamespaceDOS {
			// Whether Windows refreshes the entries of both names of a
			// long/short pair we could not verify: stay quiet.
			return SevWarning
		}
		links++
	}
	if links > 1 {
		return SevNote
	}
	return SevError
}

// underExtend reports whether directory d is $Extend or lies below it,
// following the parent of each directory's first name.
func (c *checker) underExtend(d mft.RecordNumber) bool {
	for range 64 {
		switch d {
		case mft.RecordExtend:
			return true
		case mft.RecordRoot:
			return false
		}
		if int64(d) >= c.v.records {
			return false
		}
		ns := c.namesOf(d)
		if len(ns) == 0 {
			return false
		}
		d = ns[0].parent.Record()
	}
	return false
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// unitsOf decodes UTF-16LE bytes into scratch buffer i.
func (w *indexWalk) unitsOf(i int, b []byte) []uint16 {
	u := w.units[i][:0]
	for j := 0; j+1 < len(b); j += 2 {
		u = append(u, uint16(b[j])|uint16(b[j+1])<<8)
	}
	w.units[i] = u
	return u
}

// collate orders two names given as UTF-16LE bytes as COLLATION_FILE_NAME
// does (index.UpCase.CompareNames), without decoding them.
func (w *indexWalk) collate(a, b []byte) int {
	up := w.c.v.upcase
	n := min(len(a), len(b)) &^ 1
	for i := 0; i < n; i += 2 {
		x, y := up.Upper(uint16(a[i])|uint16(a[i+1])<<8), up.Upper(uint16(b[i])|uint16(b[i+1])<<8)
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	if len(a) != len(b) {
		return cmp.Compare(len(a), len(b))
	}
	for i := 0; i < n; i += 2 {
		x, y := uint16(a[i])|uint16(a[i+1])<<8, uint16(b[i])|uint16(b[i+1])<<8
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return 0
}
