package volume

import (
	"errors"
	"io"
	"io/fs"
	"sort"
	"time"

	"github.com/ntfsedit/ntfsedit/mft"
)

// A Volume is a read-only io/fs file system of its live files:
//
//	fsys := fs.FS(v)
//	b, err := fs.ReadFile(fsys, "Users/me/file.txt")
//	err = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error { … })
//
// Paths follow fs.ValidPath ("." is the root, no leading slash) and match
// names as Lookup does (case-insensitively through $UpCase, an exact-case
// match preferred). Directory listings leave out separate DOS 8.3 names,
// the system files below record 16 and stale entries, and are sorted by
// name. Junctions, symlinks, WSL and Interix symlinks have fs.ModeSymlink
// and ReadLink gives their target as stored (`\??\C:\dir`, `..\x`); they
// are never followed, by Open and Stat either, since their targets are
// Windows paths that may name another volume: Open gives the link itself.
// FileInfo.Sys returns the *File of the record.
var (
	_ fs.FS         = (*Volume)(nil)
	_ fs.ReadDirFS  = (*Volume)(nil)
	_ fs.StatFS     = (*Volume)(nil)
	_ fs.ReadLinkFS = (*Volume)(nil)
)

// fsNode is a resolved io/fs path.
type fsNode struct {
	name string // the stored name ("." for the root)
	f    *File
}

// resolveFS resolves an io/fs path to its file, without following links.
func (v *Volume) resolveFS(op, name string) (fsNode, error) {
	if !fs.ValidPath(name) {
		return fsNode{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	f, err := v.Root()
	if err != nil {
		return fsNode{}, &fs.PathError{Op: op, Path: name, Err: err}
	}
	n := fsNode{name: ".", f: f}
	if name == "." {
		return n, nil
	}
	for _, comp := range splitPath(name) {
		if !n.f.IsDir() {
			return fsNode{}, &fs.PathError{Op: op, Path: name, Err: ErrNotDir}
		}
		e, err := v.lookupIn(n.f, comp)
		if err != nil {
			return fsNode{}, &fs.PathError{Op: op, Path: name, Err: err}
		}
		f, err := v.entryFile(e)
		if errors.Is(err, ErrStale) {
			err = errors.Join(fs.ErrNotExist, err)
		}
		if err != nil {
			return fsNode{}, &fs.PathError{Op: op, Path: name, Err: err}
		}
		n = fsNode{name: e.Name, f: f}
	}
	return n, nil
}

// fileInfo is the fs.FileInfo of one name of a file.
type fileInfo struct {
	name string
	size int64
	mode fs.FileMode
	mod  time.Time
	f    *File
}

func (i *fileInfo) Name() string       { return i.name }
func (i *fileInfo) Size() int64        { return i.size }
func (i *fileInfo) Mode() fs.FileMode  { return i.mode }
func (i *fileInfo) ModTime() time.Time { return i.mod }
func (i *fileInfo) IsDir() bool        { return i.mode.IsDir() }
func (i *fileInfo) Sys() any           { return i.f }

// Type, Info and String make a fileInfo its own fs.DirEntry.
func (i *fileInfo) Type() fs.FileMode          { return i.mode.Type() }
func (i *fileInfo) Info() (fs.FileInfo, error) { return i, nil }
func (i *fileInfo) String() string             { return fs.FormatFileInfo(i) }

// isLink reports whether f is a junction, a symlink, a WSL symlink or an
// Interix symlink, and its target as stored.
func isLink(f *File) (string, bool) {
	if p, err := f.Reparse(); err == nil && p != nil {
		t, err := p.Describe()
		if err == nil && t.IsLink() {
			return t.Target, true
		}
		return "", false
	}
	if t, ok := f.Interix(); ok {
		return t, true
	}
	return "", false
}

// infoOf describes file f under name: directories 0555, files 0444 (the
// volume is read-only), links 0777 with fs.ModeSymlink.
func infoOf(name string, f *File) *fileInfo {
	i := &fileInfo{name: name, f: f}
	_, link := isLink(f)
	switch {
	case link:
		i.mode = fs.ModeSymlink | 0o777
		i.size = f.Size()
	case f.IsDir():
		i.mode = fs.ModeDir | 0o555
	default:
		i.mode = 0o444
		i.size = f.Size()
	}
	if si, err := f.StandardInfo(); err == nil && si.Modified != 0 {
		i.mod = si.Modified.Time()
	}
	return i
}

// Stat returns the FileInfo of the named file (links are not followed).
func (v *Volume) Stat(name string) (fs.FileInfo, error) {
	n, err := v.resolveFS("stat", name)
	if err != nil {
		return nil, err
	}
	return infoOf(n.name, n.f), nil
}

// Lstat is Stat: links are never followed.
func (v *Volume) Lstat(name string) (fs.FileInfo, error) {
	n, err := v.resolveFS("lstat", name)
	if err != nil {
		return nil, err
	}
	return infoOf(n.name, n.f), nil
}

// ReadLink returns the target of a junction, symlink, WSL or Interix
// symlink as stored; fs.ErrInvalid for anything else.
func (v *Volume) ReadLink(name string) (string, error) {
	n, err := v.resolveFS("readlink", name)
	if err != nil {
		return "", err
	}
	t, ok := isLink(n.f)
	if !ok {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return t, nil
}

// ReadDir lists the named directory sorted by name (see the Volume's io/fs
// notes for what is left out).
func (v *Volume) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := v.resolveFS("readdir", name)
	if err != nil {
		return nil, err
	}
	es, err := v.fsList(n.f)
	if err != nil {
		return es, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	return es, nil
}

// fsList loads the entries of directory dir for io/fs.
func (v *Volume) fsList(dir *File) ([]fs.DirEntry, error) {
	if !dir.IsDir() {
		return nil, ErrNotDir
	}
	all, err := dir.ReadDir()
	if err != nil {
		return nil, err
	}
	var entries []DirEntry
	for _, e := range all {
		if !e.DOSOnly() && !e.Hidden() {
			entries = append(entries, e)
		}
	}
	sort.SliceStable(entries, func(a, b int) bool { return entries[a].Ref.Record() < entries[b].Ref.Record() })
	nums := make([]mft.RecordNumber, len(entries))
	for i, e := range entries {
		nums[i] = e.Ref.Record()
	}
	out := make([]fs.DirEntry, 0, len(entries))
	var first error
	v.loadFiles(nums, false, false, func(i int, f *File, err error) {
		if err == nil {
			f, err = checkEntry(entries[i], f)
		}
		switch {
		case errors.Is(err, ErrStale):
			return // a stale entry is not a file
		case err != nil:
			if first == nil {
				first = err
			}
			return
		}
		out = append(out, infoOf(entries[i].Name, f))
	})
	sort.Slice(out, func(a, b int) bool { return out[a].Name() < out[b].Name() })
	return out, first
}

// Open opens the named file or directory for reading (links are not
// followed: see the Volume's io/fs notes).
func (v *Volume) Open(name string) (fs.File, error) {
	n, err := v.resolveFS("open", name)
	if err != nil {
		return nil, err
	}
	info := infoOf(n.name, n.f)
	if n.f.IsDir() && info.mode&fs.ModeSymlink == 0 {
		return &fsDir{v: v, path: name, info: info}, nil
	}
	var r io.ReaderAt = eofReader{}
	size := int64(0)
	s, err := n.f.Stream("")
	switch {
	case err == nil:
		r, size = s, s.Size()
	case !errors.Is(err, ErrNoAttr):
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &fsFile{path: name, info: info, r: io.NewSectionReader(r, 0, size)}, nil
}

// eofReader reads nothing: a file without unnamed $DATA.
type eofReader struct{}

func (eofReader) ReadAt([]byte, int64) (int, error) { return 0, io.EOF }

// fsFile is an open file (or link) of the io/fs view.
type fsFile struct {
	path   string
	info   *fileInfo
	r      *io.SectionReader
	closed bool
}

var (
	_ io.ReaderAt = (*fsFile)(nil)
	_ io.Seeker   = (*fsFile)(nil)
)

func (f *fsFile) Stat() (fs.FileInfo, error) {
	if f.closed {
		return nil, &fs.PathError{Op: "stat", Path: f.path, Err: fs.ErrClosed}
	}
	return f.info, nil
}

func (f *fsFile) Read(p []byte) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.path, Err: fs.ErrClosed}
	}
	return f.r.Read(p)
}

func (f *fsFile) ReadAt(p []byte, off int64) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.path, Err: fs.ErrClosed}
	}
	return f.r.ReadAt(p, off)
}

func (f *fsFile) Seek(off int64, whence int) (int64, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "seek", Path: f.path, Err: fs.ErrClosed}
	}
	return f.r.Seek(off, whence)
}

func (f *fsFile) Close() error {
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.path, Err: fs.ErrClosed}
	}
	f.closed = true
	return nil
}

// fsDir is an open directory of the io/fs view; its entries are loaded on
// the first ReadDir.
type fsDir struct {
	v       *Volume
	path    string
	info    *fileInfo
	entries []fs.DirEntry
	loaded  bool
	pos     int
	closed  bool
}

var _ fs.ReadDirFile = (*fsDir)(nil)

func (d *fsDir) Stat() (fs.FileInfo, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "stat", Path: d.path, Err: fs.ErrClosed}
	}
	return d.info, nil
}

func (d *fsDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: errors.New("is a directory")}
}

func (d *fsDir) Close() error {
	if d.closed {
		return &fs.PathError{Op: "close", Path: d.path, Err: fs.ErrClosed}
	}
	d.closed = true
	return nil
}

// ReadDir returns the next n entries (all the remaining ones for n ≤ 0),
// sorted by name, as fs.ReadDirFile specifies.
func (d *fsDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "readdir", Path: d.path, Err: fs.ErrClosed}
	}
	if !d.loaded {
		es, err := d.v.fsList(d.info.f)
		if err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: d.path, Err: err}
		}
		d.entries, d.loaded = es, true
	}
	rest := d.entries[d.pos:]
	if n <= 0 {
		d.pos = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	k := min(n, len(rest))
	d.pos += k
	return rest[:k], nil
}
