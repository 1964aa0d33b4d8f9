package volume

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// I30 is the name of the directory index attributes.
var I30 = mft.NameUnits("$I30")

// DirEntry is one entry of a directory index: a name and the file it
// refers to, with the index's copy of the $FILE_NAME.
//
// Not an on-disk structure.
type DirEntry struct {
	Name     string
	Ref      mft.FileRef
	FileName mft.FileName
}

// IsDir reports whether the index copy marks the entry as a directory.
func (d *DirEntry) IsDir() bool { return d.FileName.IsDir() }

// Hidden reports whether ntfs-3g and Windows listings leave the entry out
// by default: pure DOS (8.3) names and the system files below record 16.
func (d *DirEntry) Hidden() bool { return d.Ref.Record() < mft.RecordFirstUser }

// DOSOnly reports whether the name is a separate DOS 8.3 name, which
// directory listings show only through its Win32 twin.
func (d *DirEntry) DOSOnly() bool { return d.FileName.Namespace == mft.NamespaceDOS }

// IndexTree returns the B-tree of the named index ($I30 for directories)
// with a block loader that reads INDX blocks from $INDEX_ALLOCATION and
// honours the index $BITMAP.
func (f *File) IndexTree(name []uint16) (*index.Tree, error) {
	t, _, err := f.indexTree(name, false)
	return t, err
}

// preloadMax bounds the $INDEX_ALLOCATION that a full listing reads at
// once instead of block by block.
const preloadMax = 8 << 20

// indexTree is IndexTree; with whole set, a listing that will visit every
// block reads a small allocation with one read, into a pooled buffer that
// done hands back: the tree's blocks must not be used after done.
func (f *File) indexTree(name []uint16, whole bool) (t *index.Tree, done func(), err error) {
	done = func() {}
	if err := f.ensure(); err != nil {
		return nil, done, err
	}
	v := f.v
	ra := f.Attr(mft.AttrIndexRoot, name)
	if ra == nil || ra.NonResident {
		return nil, done, &RecordError{Record: f.num, Err: fmt.Errorf("no resident $INDEX_ROOT %s", mft.NameString(name))}
	}
	root, err := index.DecodeRoot(ra.Value)
	if err != nil {
		return nil, done, &RecordError{Record: f.num, Err: err}
	}
	t = &index.Tree{Root: root}
	if f.Attr(mft.AttrIndexAllocation, name) == nil {
		return t, done, nil
	}
	alloc, err := f.AttrStream(mft.AttrIndexAllocation, name)
	if err != nil {
		return nil, done, err
	}
	var bitmap []byte
	if f.Attr(mft.AttrBitmap, name) != nil {
		bs, err := f.AttrStream(mft.AttrBitmap, name)
		if err != nil {
			return nil, done, err
		}
		if bitmap, err = bs.ReadAll(); err != nil {
			return nil, done, err
		}
	} else {
		return nil, done, &RecordError{Record: f.num, Err: fmt.Errorf("$INDEX_ALLOCATION %s without $BITMAP", mft.NameString(name))}
	}
	bsize := int64(root.BlockSize)
	// Sub-node VCNs count clusters, or 512-byte units when index blocks
	// are smaller than a cluster.
	unit := int64(v.clusterSize)
	if bsize < unit {
		unit = 512
	}
	t.InUse = func(vcn mft.VCN) bool {
		bit := int64(vcn) * unit / bsize
		return bit >= 0 && bit/8 < int64(len(bitmap)) && bitmap[bit/8]&(1<<(bit%8)) != 0
	}
	var all []byte
	if whole && alloc.Size() <= preloadMax && alloc.Size()%bsize == 0 {
		buf := v.scratch(int(alloc.Size()))
		all = *buf
		if err := alloc.readFull(all, 0); err != nil {
			all = nil // fall back to block reads, which locate the error
			v.putScratch(buf)
		} else {
			done = func() { v.putScratch(buf) }
		}
	}
	var spare []*index.Block // blocks the walk is done with (whole only)
	if whole {
		t.Release = func(b *index.Block) { spare = append(spare, b) }
	}
	t.Load = func(vcn mft.VCN) (*index.Block, error) {
		off := int64(vcn) * unit
		if off < 0 || off+bsize > alloc.Size() {
			return nil, &index.CorruptError{VCN: vcn, Field: "sub-node VCN (beyond $INDEX_ALLOCATION)", Value: off}
		}
		var raw []byte
		if all != nil {
			// Fixups are applied in place, so each block of all may be
			// parsed once: a tree walk loads every VCN at most once.
			raw = all[off : off+bsize]
		} else {
			raw = make([]byte, bsize)
			if _, err := alloc.ReadAt(raw, off); err != nil {
				return nil, fmt.Errorf("volume: record %d: read INDX block at VCN %d: %w", f.num, vcn, err)
			}
		}
		var reuse *index.Block
		if k := len(spare); k > 0 {
			reuse, spare = spare[k-1], spare[:k-1]
		}
		blk, err := index.ParseBlockReuse(reuse, raw, vcn)
		if err != nil {
			return nil, &RecordError{Record: f.num, Err: err}
		}
		return blk, nil
	}
	return t, done, nil
}

// ReadDir returns the entries of directory f in index order, every
// namespace included (see DirEntry.DOSOnly and Hidden for what listings
// leave out). The root directory's entry for itself (".") is skipped.
func (f *File) ReadDir() ([]DirEntry, error) {
	out, _, err := f.readDir(nil, "", nil)
	return out, err
}

// dirScratch holds the buffers readDir builds a directory's text in.
type dirScratch struct {
	text []byte
	ends []int
}

// readDir is ReadDir appending to out[:0], whose capacity tree walks reuse.
// With a prefix it also returns each entry's path, prefix+name, in paths
// (appended to paths[:0]); the names and paths share one string.
func (f *File) readDir(out []DirEntry, prefix string, paths []string) ([]DirEntry, []string, error) {
	if f.v.mftOnly != nil {
		kids, err := f.v.mftChildren(f.num)
		if prefix != "" {
			paths = paths[:0]
			for _, k := range kids {
				paths = append(paths, prefix+k.Name)
			}
		}
		return kids, paths, err
	}
	if !f.IsDir() {
		return nil, nil, &fs.PathError{Op: "readdir", Path: "#" + strconv.FormatUint(uint64(f.num), 10), Err: ErrNotDir}
	}
	t, done, err := f.indexTree(I30, true)
	defer done()
	if err != nil {
		return nil, nil, err
	}
	// Size the result once: index entries of typical names take about
	// 100 bytes of $INDEX_ALLOCATION.
	hint := len(t.Root.Entries)
	if a := f.Attr(mft.AttrIndexAllocation, I30); a != nil && a.NonResident {
		hint += int(min(a.DataSize/100, 1<<20))
	}
	if cap(out) < hint {
		out = make([]DirEntry, 0, hint)
	}
	out = out[:0]
	// Every name's code units are decoded into shared chunks, and its
	// UTF-8 text (after prefix) into one pooled buffer that becomes one
	// string for all names and paths.
	sc, _ := f.v.dirPool.Get().(*dirScratch)
	if sc == nil {
		sc = new(dirScratch)
	}
	defer f.v.dirPool.Put(sc)
	text, ends := sc.text[:0], sc.ends[:0]
	chunk := min(max(512, 16*hint), 8192)
	var units []uint16
	err = t.Walk(func(e *index.Entry) error {
		if e.Ref.Record() == f.num {
			if _, err := e.FileName(); err != nil {
				return &RecordError{Record: f.num, Err: fmt.Errorf("$I30 entry: %w", err)}
			}
			return nil // "." in the root
		}
		if cap(units)-len(units) < 255 {
			units = make([]uint16, 0, chunk)
		}
		fn, u, err := mft.DecodeFileNameAppend(e.Key, units)
		if err != nil {
			return &RecordError{Record: f.num, Err: fmt.Errorf("$I30 entry: %w", err)}
		}
		units = u
		text = append(text, prefix...)
		text = mft.AppendNameString(text, fn.Name)
		ends = append(ends, len(text))
		out = append(out, DirEntry{Ref: e.Ref, FileName: fn})
		return nil
	})
	all := string(text)
	sc.text, sc.ends = text, ends
	if prefix != "" {
		paths = paths[:0]
	}
	start := 0
	for i, end := range ends {
		out[i].Name = all[start+len(prefix) : end]
		if prefix != "" {
			paths = append(paths, all[start:end])
		}
		start = end
	}
	return out, paths, err
}

// Errors of path lookups, wrapped in *fs.PathError.
var (
	ErrNotDir = errors.New("not a directory")
	// ErrStale means an index entry refers to a record that was freed or
	// reused since (its sequence number differs).
	ErrStale = errors.New("stale index entry")
)

// Root returns the root directory.
func (v *Volume) Root() (*File, error) { return v.File(mft.RecordRoot) }

// Lookup resolves a volume path: "/"-separated from the root ("/" is the
// root), or "#N" for record N. Names match as Windows does, ignoring case
// through $UpCase, with an exact-case match preferred.
func (v *Volume) Lookup(path string) (*File, error) {
	if strings.HasPrefix(path, "#") {
		n, err := strconv.ParseUint(path[1:], 10, 48)
		if err != nil {
			return nil, &fs.PathError{Op: "lookup", Path: path, Err: fmt.Errorf("bad record number: %w", err)}
		}
		if int64(n) >= v.records {
			return nil, &fs.PathError{Op: "lookup", Path: path, Err: fmt.Errorf("beyond the last record %d: %w", v.records-1, fs.ErrNotExist)}
		}
		return v.File(mft.RecordNumber(n))
	}
	f, err := v.Root()
	if err != nil {
		return nil, err
	}
	done := ""
	for _, name := range splitPath(path) {
		done += "/" + name
		e, err := v.lookupIn(f, name)
		if err != nil {
			return nil, &fs.PathError{Op: "lookup", Path: done, Err: err}
		}
		if f, err = v.entryFile(e); err != nil {
			return nil, &fs.PathError{Op: "lookup", Path: done, Err: err}
		}
	}
	return f, nil
}

// entryFile loads the record an index entry refers to, checking that the
// entry is not stale.
func (v *Volume) entryFile(e DirEntry) (*File, error) {
	f, err := v.File(e.Ref.Record())
	if err != nil {
		return nil, err
	}
	return checkEntry(e, f)
}

// checkEntry fails with ErrStale when e no longer refers to f's current
// incarnation.
func checkEntry(e DirEntry, f *File) (*File, error) {
	if !f.InUse() || f.Rec.Seq != e.Ref.Seq() {
		return nil, fmt.Errorf("%w: entry %q refers to record %d seq %d, but the record has seq %d (in use: %v)",
			ErrStale, e.Name, e.Ref.Record(), e.Ref.Seq(), f.Rec.Seq, f.InUse())
	}
	return f, nil
}

// OpenEntry loads the file of a directory entry, failing with ErrStale
// for an entry whose record was freed or reused.
func (v *Volume) OpenEntry(e DirEntry) (*File, error) { return v.entryFile(e) }

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return out
}

// lookupIn finds name in directory dir.
func (v *Volume) lookupIn(dir *File, name string) (DirEntry, error) {
	if !dir.IsDir() {
		return DirEntry{}, ErrNotDir
	}
	units := mft.NameUnits(name)
	if v.mftOnly != nil {
		kids, err := v.mftChildren(dir.num)
		if err != nil {
			return DirEntry{}, err
		}
		var fold *DirEntry
		for i := range kids {
			k := &kids[i]
			if k.Name == name {
				return *k, nil
			}
			if fold == nil && v.upcase.EqualFold(mft.NameUnits(k.Name), units) {
				fold = k
			}
		}
		if fold != nil {
			return *fold, nil
		}
		return DirEntry{}, fs.ErrNotExist
	}
	t, err := dir.IndexTree(I30)
	if err != nil {
		return DirEntry{}, err
	}
	return v.lookupTree(t, units)
}

// lookupTree finds a name in a directory's $I30 tree: ignoring case, an
// exact-case match preferred.
func (v *Volume) lookupTree(t *index.Tree, units []uint16) (DirEntry, error) {
	es, err := t.LookupFileName(v.upcase, units)
	if err != nil {
		return DirEntry{}, err
	}
	if len(es) == 0 {
		return DirEntry{}, fs.ErrNotExist
	}
	pick := 0
	for i := range es {
		fn, _ := es[i].FileName()
		if equalName(fn.Name, units) {
			pick = i
			break
		}
	}
	fn, err := es[pick].FileName()
	if err != nil {
		return DirEntry{}, err
	}
	return DirEntry{Name: fn.NameString(), Ref: es[pick].Ref, FileName: fn}, nil
}

// PathOf rebuilds the path of a $FILE_NAME from its parent references,
// following deleted parent directories too (see ResolvePath). The second
// result is false when a parent could not be followed (reused, unreadable,
// or a loop): the path then starts with "/$Orphan/".
func (v *Volume) PathOf(fn mft.FileName) (string, bool) {
	pi := v.ResolvePath(fn)
	return pi.Path, !pi.Orphan
}

// primaryName picks the Win32 (or POSIX) name of a directory record.
func primaryName(rec *mft.Record) (string, mft.FileRef, bool) {
	var best *mft.FileName
	for i := range rec.Attrs {
		a := &rec.Attrs[i]
		if a.Type != mft.AttrFileName || a.NonResident {
			continue
		}
		fn, err := mft.DecodeFileName(a.Value)
		if err != nil {
			continue
		}
		if best == nil || best.Namespace == mft.NamespaceDOS {
			best = &fn
		}
	}
	if best == nil {
		return "", 0, false
	}
	return best.NameString(), best.Parent, true
}

func joinRev(parts []string) string {
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(parts[i])
		if i > 0 {
			b.WriteByte('/')
		}
	}
	return b.String()
}

// JoinPath joins a directory path and a name.
func JoinPath(dir, name string) string {
	if dir == "/" || dir == "" {
		return "/" + name
	}
	return dir + "/" + name
}

// WalkFunc is called for every entry of a walk. f is nil when err is set
// (the entry's record could not be read, or the entry is stale). Returning
// fs.SkipDir skips a directory's children; fs.SkipAll ends the walk.
type WalkFunc func(path string, e DirEntry, f *File, err error) error

// Walk visits the tree below the directory at path depth-first, children in
// index order. DOS-only names and the root's "." are left out; system files
// (records below 16) too unless all is set. Directories already visited
// (a corrupt loop) are not entered again.
func (v *Volume) Walk(path string, all bool, fn WalkFunc) error {
	type visit struct {
		p   string
		e   DirEntry
		f   *File
		err error
	}
	return walkTree(v, path, all,
		func(p string, e DirEntry, f *File, err error) visit { return visit{p, e, f, err} },
		func(x visit) error { return fn(x.p, x.e, x.f, x.err) }, walkMode{})
}

// WalkTree is Walk for large trees. It splits the work on each entry in two:
// load turns an entry and its file into a small value T, and is called for
// the children of one directory in record-number order, so that the
// records are read from $MFT sequentially and each cluster once; emit then
// receives the values in index order, depth-first, as Walk's fn would. The
// File passed to load must not be retained: only directories' files are
// kept until their children are walked. emit may return fs.SkipDir or
// fs.SkipAll.
func WalkTree[T any](v *Volume, path string, all bool, load func(path string, e DirEntry, f *File, err error) T, emit func(T) error) error {
	return walkTree(v, path, all, load, emit, walkMode{recycle: true})
}

// WalkTreeLazy is WalkTree for callers that mostly need names: the files
// passed to load have only their record header decoded (number, sequence,
// flags, link count). Their attributes are decoded on first use by any
// accessor, which then also reports an attribute that does not decode;
// a listing that never asks does not notice one.
func WalkTreeLazy[T any](v *Volume, path string, all bool, load func(path string, e DirEntry, f *File, err error) T, emit func(T) error) error {
	return walkTree(v, path, all, load, emit, walkMode{recycle: true, lazy: true})
}

// walkMode tunes walkTree: recycle says that load keeps nothing of the
// File, so that its buffers can serve the next record; lazy loads files
// header-only.
type walkMode struct{ recycle, lazy bool }

func walkTree[T any](v *Volume, path string, all bool, load func(path string, e DirEntry, f *File, err error) T, emit func(T) error, mode walkMode) error {
	start, err := v.Lookup(path)
	if err != nil {
		return err
	}
	if !start.IsDir() {
		return &fs.PathError{Op: "walk", Path: path, Err: ErrNotDir}
	}
	w := &treeWalk[T]{v: v, all: all, load: load, emit: emit, recycle: mode.recycle, lazy: mode.lazy, seen: map[mft.RecordNumber]bool{start.num: true}}
	err = w.run(w.prepare(cleanPath(path), start))
	if errors.Is(err, fs.SkipAll) {
		return nil
	}
	return err
}

type treeWalk[T any] struct {
	v       *Volume
	all     bool
	recycle bool
	lazy    bool
	load    func(string, DirEntry, *File, error) T
	emit    func(T) error
	seen    map[mft.RecordNumber]bool

	spareMu sync.Mutex
	spare   []*prepared[T] // emitted directories, for reuse by prepare
}

func cleanPath(p string) string {
	parts := splitPath(p)
	if len(parts) == 0 {
		return "/"
	}
	return "/" + strings.Join(parts, "/")
}

// prepared is a directory whose children are loaded, waiting to be emitted.
type prepared[T any] struct {
	path    string
	err     error // ReadDir failed
	entries []DirEntry
	vals    []T
	subdirs []*File // the children that are directories, by entry
	paths   []string
	order   []int
}

// getPrepared returns an emptied prepared directory whose slices keep the
// capacity of one the walk is done with.
func (w *treeWalk[T]) getPrepared() *prepared[T] {
	w.spareMu.Lock()
	defer w.spareMu.Unlock()
	if k := len(w.spare); k > 0 {
		p := w.spare[k-1]
		w.spare = w.spare[:k-1]
		return p
	}
	return new(prepared[T])
}

// putPrepared hands back a directory whose children were all emitted.
func (w *treeWalk[T]) putPrepared(p *prepared[T]) {
	clear(p.entries[:cap(p.entries)])
	clear(p.vals[:cap(p.vals)])
	clear(p.subdirs[:cap(p.subdirs)])
	clear(p.paths[:cap(p.paths)])
	*p = prepared[T]{entries: p.entries[:0], vals: p.vals[:0], subdirs: p.subdirs[:0], paths: p.paths[:0], order: p.order[:0]}
	w.spareMu.Lock()
	w.spare = append(w.spare, p)
	w.spareMu.Unlock()
}

// grow returns s resliced to n elements, reallocated when too small.
func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}

// prepare reads directory dir and loads its children (the parallel part).
func (w *treeWalk[T]) prepare(dirPath string, dir *File) *prepared[T] {
	pr := w.getPrepared()
	pr.path = dirPath
	prefix := dirPath
	if prefix != "/" && prefix != "" {
		prefix += "/"
	} else {
		prefix = "/"
	}
	all, allPaths, err := dir.readDir(pr.entries, prefix, pr.paths)
	if err != nil {
		pr.err = err
		return pr
	}
	// ReadDir's results are ours: filter in place.
	entries, paths := all[:0], allPaths[:0]
	for i, e := range all {
		if e.DOSOnly() || (!w.all && e.Hidden()) {
			continue
		}
		entries = append(entries, e)
		paths = append(paths, allPaths[i])
	}
	clear(all[len(entries):])
	clear(allPaths[len(paths):])
	pr.paths = paths
	order := grow(pr.order, len(entries))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(entries[a].Ref.Record(), entries[b].Ref.Record()) })
	vals := grow(pr.vals, len(entries))
	files := grow(pr.subdirs, len(entries))
	loadPart := func(part []int) {
		nums := make([]mft.RecordNumber, len(part))
		for k, i := range part {
			nums[k] = entries[i].Ref.Record()
		}
		w.v.loadFiles(nums, w.lazy, w.recycle, func(k int, f *File, ferr error) {
			i := part[k]
			e := entries[i]
			p := paths[i]
			if ferr == nil {
				f, ferr = checkEntry(e, f)
			}
			if ferr != nil {
				ferr = &fs.PathError{Op: "walk", Path: p, Err: ferr}
				f = nil
			}
			vals[i] = w.load(p, e, f, ferr)
			if f != nil && f.IsDir() {
				files[i] = f
			} else if w.recycle {
				f.release() // load kept nothing of it
			}
		})
	}
	// Large directories are loaded by several goroutines, each taking a
	// contiguous share of the record-ordered list so that its reads stay
	// sequential.
	workers := runtime.GOMAXPROCS(0)
	if len(order) < 256 || workers < 2 {
		workers = 1
	}
	var wg sync.WaitGroup
	share := (len(order) + workers - 1) / workers
	for k := 0; k < workers; k++ {
		part := order[min(k*share, len(order)):min((k+1)*share, len(order))]
		if k == workers-1 {
			loadPart(part)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			loadPart(part)
		}()
	}
	wg.Wait()
	pr.entries, pr.vals, pr.subdirs, pr.order = entries, vals, files, order
	return pr
}

// run emits a prepared directory's children in index order and descends
// into its subdirectories, preparing the next ones in the background while
// the current one is walked.
func (w *treeWalk[T]) run(p *prepared[T]) error {
	defer w.putPrepared(p)
	if p.err != nil {
		return w.emit(w.load(p.path, DirEntry{}, nil, p.err))
	}
	nextSub := func(from int) int {
		for j := from; j < len(p.subdirs); j++ {
			if p.subdirs[j] != nil {
				return j
			}
		}
		return -1
	}
	// Up to lookahead subdirectories are prepared ahead, in order.
	lookahead := max(2, runtime.GOMAXPROCS(0))
	pending := map[int]chan *prepared[T]{}
	cursor := 0
	fill := func() {
		for len(pending) < lookahead {
			j := nextSub(cursor)
			if j < 0 {
				return
			}
			ch := make(chan *prepared[T], 1)
			path, f := p.paths[j], p.subdirs[j]
			go func() { ch <- w.prepare(path, f) }()
			pending[j], cursor = ch, j+1
		}
	}
	fill()
	for i := range p.entries {
		err := w.emit(p.vals[i])
		var zero T
		p.vals[i] = zero
		skip := errors.Is(err, fs.SkipDir)
		if err != nil && !skip {
			return err
		}
		f := p.subdirs[i]
		if f == nil {
			continue
		}
		p.subdirs[i] = nil
		var cur *prepared[T]
		if ch, ok := pending[i]; ok {
			cur = <-ch
			delete(pending, i)
		}
		cursor = max(cursor, i+1)
		// Whether to enter is decided here, in walk order, so that a
		// corrupt volume listing a directory twice gives the same output
		// every time.
		if skip || w.seen[f.num] {
			fill()
			continue
		}
		w.seen[f.num] = true
		if cur == nil {
			cur = w.prepare(p.paths[i], f)
		}
		fill()
		if err := w.run(cur); err != nil {
			return err
		}
	}
	return nil
}
