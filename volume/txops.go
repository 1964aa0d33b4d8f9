package volume

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// MaxLinks is NTFS's limit of names per file.
const MaxLinks = 1024

// SymlinkOptions qualify Tx.Symlink.
type SymlinkOptions struct {
	// Dir makes a directory symbolic link (mklink /D); otherwise a file
	// symbolic link.
	Dir bool
}

// pathErr wraps err with the operation and volume path.
func pathErr(op, path string, err error) error {
	if err == nil {
		return nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	return &fs.PathError{Op: op, Path: path, Err: err}
}

// validName checks a new name as Windows does for Win32 names.
func validName(name string) error {
	// Names are ASCII as a rule: checked a byte at a time, without
	// decoding or upper-casing.
	ascii := true
	for i := 0; i < len(name); i++ {
		if name[i] >= 0x80 {
			ascii = false
			break
		}
	}
	units := len(name)
	if !ascii {
		units = utf16Len(name)
	}
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%w: name %q", ErrInvalid, name)
	case units > 255:
		return fmt.Errorf("%w: name longer than 255 UTF-16 code units", ErrInvalid)
	case strings.HasSuffix(name, " ") || strings.HasSuffix(name, "."):
		return fmt.Errorf("%w: name %q ends in a space or dot (Windows cannot open it)", ErrInvalid, name)
	}
	// Device names, with any extension, open the device on Windows.
	base, _, _ := strings.Cut(name, ".")
	base = strings.TrimRight(base, " ")
	if reservedDevice(base, ascii) {
		return fmt.Errorf("%w: name %q is a reserved device name on Windows", ErrInvalid, name)
	}
	if ascii {
		for i := 0; i < len(name); i++ {
			if c := name[i]; !win32Char[c] {
				return fmt.Errorf("%w: name %q holds %q, which Windows forbids", ErrInvalid, name, rune(c))
			}
		}
		return nil
	}
	for _, r := range name {
		if r < 0x80 && !win32Char[r] || r == 0xFFFD {
			return fmt.Errorf("%w: name %q holds %q, which Windows forbids", ErrInvalid, name, r)
		}
	}
	return nil
}

// reservedDevice reports whether base (a name up to its first dot, spaces
// trimmed) is CON, PRN, AUX, NUL, COM1–COM9 or LPT1–LPT9 in any case.
// (Upper-casing keeps the number of runes: only 3 or 4 can match.)
func reservedDevice(base string, ascii bool) bool {
	if !ascii {
		if n := utf8.RuneCountInString(base); n != 3 && n != 4 {
			return false
		}
		base = strings.ToUpper(base)
	} else if len(base) != 3 && len(base) != 4 {
		return false
	}
	var up [4]byte
	n := copy(up[:], base)
	if n != len(base) {
		return false
	}
	for i := range n {
		if c := up[i]; c >= 'a' && c <= 'z' {
			up[i] = c - 'a' + 'A'
		}
	}
	switch b := string(up[:n]); {
	case b == "CON" || b == "PRN" || b == "AUX" || b == "NUL":
		return true
	case n == 4 && (b[:3] == "COM" || b[:3] == "LPT") && b[3] >= '1' && b[3] <= '9':
		return true
	}
	return false
}

// win32Char tells the ASCII characters a Win32 name may hold: not the
// controls, nor \ / : * ? " < > |.
var win32Char = func() (ok [0x80]bool) {
	for c := 0x20; c < 0x80; c++ {
		ok[c] = !strings.ContainsRune(`\/:*?"<>|`, rune(c))
	}
	return ok
}()

// utf16Len is the number of UTF-16 code units of s.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// parentOf resolves the directory that holds path and returns it with the
// last name.
func (tx *Tx) parentOf(op, path string) (*File, string, error) {
	var name, dirPath string
	if isCleanPath(path) {
		i := strings.LastIndexByte(path, '/')
		name, dirPath = path[i+1:], path[:max(i, 1)]
	} else {
		parts := splitPath(path)
		if len(parts) == 0 {
			return nil, "", pathErr(op, path, fmt.Errorf("%w: the root has no parent", ErrInvalid))
		}
		name = parts[len(parts)-1]
		dirPath = "/" + strings.Join(parts[:len(parts)-1], "/")
	}
	dir, err := tx.lookup(dirPath)
	if err != nil {
		return nil, "", pathErr(op, path, err)
	}
	if !dir.IsDir() {
		return nil, "", pathErr(op, path, fmt.Errorf("%w: %s", ErrNotDir, dirPath))
	}
	return dir, name, nil
}

// mustNotExist fails when dir already has name (ignoring case, as Win32
// names are unique).
func (tx *Tx) mustNotExist(op, path string, dir *File, name string) error {
	err := tx.exists(dir, name)
	switch {
	case err == nil:
		return pathErr(op, path, ErrExist)
	case errors.Is(err, fs.ErrNotExist):
		return nil
	}
	return pathErr(op, path, err)
}

// nameInfo is what a $FILE_NAME carries of its file.
type nameInfo struct {
	si       mft.StandardInfo
	alloc    int64
	size     int64
	dir      bool
	tag      reparse.Tag // 0: no reparse point
	hasTag   bool
	siExists bool
}

func (fe *fileEdit) info() (nameInfo, error) {
	var fi nameInfo
	fi.dir = fe.base().IsDir()
	if r, ok := fe.find(mft.AttrStandardInformation, nil); ok {
		si, err := mft.DecodeStandardInfo(r.attr().Value)
		if err != nil {
			return fi, &RecordError{Record: fe.num(), Err: err}
		}
		fi.si, fi.siExists = si, true
	}
	if r, ok := fe.find(mft.AttrData, nil); ok && !fi.dir {
		fi.setData(r.attr())
	}
	if r, ok := fe.find(mft.AttrReparsePoint, nil); ok {
		a := r.attr()
		v := a.Value
		if a.NonResident {
			// Written by Windows for large reparse data; the tag is its
			// first four bytes.
			v = nil
			if st, err := fe.tx.v.newStream("$REPARSE_POINT", []*mft.Attr{a}); err == nil {
				b := make([]byte, 4)
				if st.readFull(b, 0) == nil {
					v = b
				}
			}
		}
		if len(v) >= 4 {
			fi.tag = reparse.Tag(le32(v))
			fi.hasTag = true
		}
	}
	return fi, nil
}

// setData takes the sizes a $FILE_NAME carries from the file's unnamed
// $DATA attribute a: allocated (compressed, for a compressed file) and
// data size.
func (fi *nameInfo) setData(a *mft.Attr) {
	if a.NonResident {
		fi.alloc, fi.size = a.AllocatedSize, a.DataSize
		if a.HasCompressedSize {
			fi.alloc = a.CompressedSize
		}
		return
	}
	fi.size = int64(len(a.Value))
	fi.alloc = int64((len(a.Value) + 7) &^ 7)
}

// fileName builds the $FILE_NAME of a new name; index is true for the
// copy that goes into the parent's index (it carries the reparse tag).
func (fi nameInfo) fileName(parent mft.FileRef, name []uint16, ns mft.Namespace, idx bool) mft.FileName {
	fn := mft.FileName{
		Parent: parent, Created: fi.si.Created, Modified: fi.si.Modified,
		MFTModified: fi.si.MFTModified, Accessed: fi.si.Accessed,
		AllocatedSize: fi.alloc, DataSize: fi.size,
		Attributes: fi.si.Attributes, Namespace: ns, Name: name,
	}
	if fi.dir {
		fn.Attributes |= mft.FileDupDirectory
	}
	if fi.hasTag {
		fn.Attributes |= mft.FileReparsePoint
		if idx {
			fn.EAReparse = uint32(fi.tag)
		}
	}
	return fn
}

// addName gives fe a new name in dir: the $FILE_NAME attribute(s) (with
// a DOS twin when the volume options ask for one) and the index entries.
func (tx *Tx) addName(fe *fileEdit, dir *File, name string) error {
	// Scratch: the name is encoded into the value and the key below.
	tx.nameUnits = appendUnits(tx.nameUnits[:0], name)
	units := tx.nameUnits
	fi, err := fe.info()
	if err != nil {
		return err
	}
	type nm struct {
		units []uint16
		ns    mft.Namespace
	}
	// A name in the Win32 namespace promises a separate DOS twin: ntfs-3g
	// and ntfs3 look for it when unlinking and fail (ENOENT) without one.
	// A name without a twin therefore goes in the POSIX namespace, as
	// ntfs-3g writes it (validName keeps it a valid Win32 name).
	names := []nm{{units, mft.NamespacePOSIX}}
	if tx.v.wopts.DOSNames {
		names[0].ns = mft.NamespaceWin32
		if isDOSName(name) {
			names[0].ns = mft.NamespaceWin32DOS
		} else {
			short, err := tx.dosName(dir, name)
			if err != nil {
				return err
			}
			names = append(names, nm{mft.NameUnits(short), mft.NamespaceDOS})
		}
	}
	if n := fe.count(mft.AttrFileName) + len(names); n > MaxLinks {
		return fmt.Errorf("%w: record %d would have %d names; NTFS allows %d", ErrInvalid, fe.num(), n, MaxLinks)
	}
	parent := dir.Ref()
	for _, n := range names {
		fn := fi.fileName(parent, n.units, n.ns, false)
		val, err := fn.AppendBinary(tx.slab.bytes(fileNameLen(n.units)))
		if err != nil {
			return err
		}
		if err := fe.add(mft.Attr{Type: mft.AttrFileName, Value: val, ResidentFlags: mft.ResidentIndexed}); err != nil {
			return err
		}
	}
	if err := fe.save(); err != nil {
		return err
	}
	for _, n := range names {
		key, err := fi.fileName(parent, n.units, n.ns, true).AppendBinary(tx.slab.bytes(fileNameLen(n.units)))
		if err != nil {
			return err
		}
		if err := tx.indexInsert(dir.Number(), fe.ref(), key); err != nil {
			return err
		}
	}
	return nil
}

// fileNameLen is the size of a $FILE_NAME value holding name.
func fileNameLen(name []uint16) int { return 0x42 + 2*len(name) }

// indexInsert adds an $I30 entry to directory dir and updates its times.
func (tx *Tx) indexInsert(dir mft.RecordNumber, ref mft.FileRef, key []byte) error {
	dfe, err := tx.editFile(dir)
	if err != nil {
		return err
	}
	x, err := tx.openIndex(dfe, nameI30, tx.nameCompare())
	if err != nil {
		return err
	}
	if err := x.ed.Insert(index.Entry{Ref: ref, Key: key}); err != nil {
		if errors.Is(err, index.ErrExists) {
			return fmt.Errorf("%w: %q in directory %d", ErrExist, mft.NameString(keyName(key)), dir)
		}
		return fmt.Errorf("volume: directory %d: insert %q: %w", dir, mft.NameString(keyName(key)), err)
	}
	if err := x.close(); err != nil {
		return err
	}
	tx.touch(dfe, true)
	return dfe.save()
}

// indexDelete removes the $I30 entry with key from directory dir.
func (tx *Tx) indexDelete(dir mft.RecordNumber, key []byte) error {
	dfe, err := tx.editFile(dir)
	if err != nil {
		return err
	}
	x, err := tx.openIndex(dfe, nameI30, tx.nameCompare())
	if err != nil {
		return err
	}
	if err := x.ed.Delete(key); err != nil {
		return fmt.Errorf("volume: directory %d: remove %q: %w", dir, mft.NameString(keyName(key)), err)
	}
	if err := x.close(); err != nil {
		return err
	}
	tx.touch(dfe, true)
	return dfe.save()
}

// touch sets the change times in $STANDARD_INFORMATION (and the
// modification time when modified).
func (tx *Tx) touch(fe *fileEdit, modified bool) {
	r, ok := fe.find(mft.AttrStandardInformation, nil)
	if !ok {
		return
	}
	si, err := mft.DecodeStandardInfo(r.attr().Value)
	if err != nil {
		return
	}
	if si.MFTModified == tx.now && (!modified || si.Modified == tx.now) {
		return // already touched in this transaction
	}
	si.MFTModified = tx.now
	if modified {
		si.Modified = tx.now
	}
	// Encoded on the stack and copied over the old value when the size is
	// the same (the record's bytes are the transaction's own).
	var buf [0x48]byte
	if val, err := si.AppendBinary(buf[:0]); err == nil {
		if cur := r.attr().Value; len(cur) == len(val) {
			copy(cur, val)
		} else {
			r.attr().Value = append(make([]byte, 0, len(cur)), val...)
		}
		fe.changed(r)
	}
}

// Link adds the name newPath to the file at existing (a hard link).
func (tx *Tx) Link(existing, newPath string) error {
	if done, err := tx.linkRaw(existing, newPath); done {
		return err
	}
	f, err := tx.lookupNum(existing)
	if err != nil {
		return pathErr("link", existing, err)
	}
	if f.isDir {
		return pathErr("link", existing, fmt.Errorf("%w: hard links to directories are not allowed", ErrInvalid))
	}
	if f.num < mft.RecordFirstUser {
		return pathErr("link", existing, fmt.Errorf("%w: system file", ErrInvalid))
	}
	dir, name, err := tx.parentOf("link", newPath)
	if err != nil {
		return err
	}
	if err := validName(name); err != nil {
		return pathErr("link", newPath, err)
	}
	if err := tx.mustNotExist("link", newPath, dir, name); err != nil {
		return err
	}
	fe, err := tx.editFile(f.num)
	if err != nil {
		return pathErr("link", existing, err)
	}
	tx.touch(fe, false)
	if err := tx.addName(fe, dir, name); err != nil {
		return pathErr("link", newPath, err)
	}
	return nil
}

// Unlink removes the name at path; the file goes when its last name
// does. Removing a Win32 name removes its DOS twin (and the reverse).
// Directories are refused: use Rmdir.
func (tx *Tx) Unlink(path string) error {
	dir, name, err := tx.parentOf("unlink", path)
	if err != nil {
		return err
	}
	e, err := tx.lookupIn(dir, name)
	if err != nil {
		return pathErr("unlink", path, err)
	}
	if e.IsDir() {
		return pathErr("unlink", path, fmt.Errorf("%w: is a directory (use rmdir)", ErrInvalid))
	}
	return pathErr("unlink", path, tx.removeName(dir, e))
}

// removeName removes the name e of directory dir (and its DOS or Win32
// twin), freeing the file with its last name.
func (tx *Tx) removeName(dir *File, e DirEntry) error {
	f, err := tx.v.entryFile(e)
	if err != nil {
		return err
	}
	if f.Number() < mft.RecordFirstUser {
		return fmt.Errorf("%w: system file", ErrInvalid)
	}
	fe, err := tx.editFile(f.Number())
	if err != nil {
		return err
	}
	var gone []mft.FileName
	for _, r := range fe.all(mft.AttrFileName) {
		fn, err := mft.DecodeFileName(r.attr().Value)
		if err != nil {
			return &RecordError{Record: fe.num(), Err: err}
		}
		if fn.Parent.Record() != dir.Number() {
			continue
		}
		same := equalName(fn.Name, e.FileName.Name) && fn.Namespace == e.FileName.Namespace
		twin := fn.Namespace != e.FileName.Namespace && isTwin(fn.Namespace, e.FileName.Namespace)
		if same || twin {
			gone = append(gone, fn)
		}
	}
	if len(gone) == 0 {
		return fmt.Errorf("%w: record %d has no $FILE_NAME %q in directory %d", ErrNotExist, fe.num(), e.Name, dir.Number())
	}
	// Drop the attributes (walk backwards per record so indexes stay valid).
	// The last names stay in the freed record, as Windows and ntfs-3g
	// leave them, so that undelete tools still find the file's name.
	last := fe.count(mft.AttrFileName) == len(gone)
	for _, fn := range gone {
		if last {
			break
		}
		for _, r := range fe.all(mft.AttrFileName) {
			got, _ := mft.DecodeFileName(r.attr().Value)
			if got.Parent.Record() == fn.Parent.Record() && got.Namespace == fn.Namespace && equalName(got.Name, fn.Name) {
				fe.remove(r)
				break
			}
		}
	}
	fi, err := fe.info()
	if err != nil {
		return err
	}
	for _, fn := range gone {
		key, err := fi.fileName(fn.Parent, fn.Name, fn.Namespace, true).AppendBinary(nil)
		if err != nil {
			return err
		}
		if err := tx.indexDelete(dir.Number(), key); err != nil {
			return err
		}
	}
	if last {
		if fi.hasTag {
			if err := tx.reparseIndexDelete(fi.tag, fe.ref()); err != nil {
				return err
			}
		}
		return fe.freeFile()
	}
	tx.touch(fe, false)
	return fe.save()
}

// isTwin reports whether names in namespaces a and b are the Win32/DOS
// pair of one name.
func isTwin(a, b mft.Namespace) bool {
	return a == mft.NamespaceWin32 && b == mft.NamespaceDOS || a == mft.NamespaceDOS && b == mft.NamespaceWin32
}

// Remove removes a file's name (as Unlink) or an empty directory (as
// Rmdir).
func (tx *Tx) Remove(path string) error {
	f, err := tx.lookup(path)
	if err != nil {
		return pathErr("remove", path, err)
	}
	if f.IsDir() && !f.hasReparse() {
		return tx.Rmdir(path)
	}
	return tx.removePath("remove", path)
}

// removePath removes the name path from its directory.
func (tx *Tx) removePath(op, path string) error {
	dir, name, err := tx.parentOf(op, path)
	if err != nil {
		return err
	}
	e, err := tx.lookupIn(dir, name)
	if err != nil {
		return pathErr(op, path, err)
	}
	return pathErr(op, path, tx.removeName(dir, e))
}

func (f *File) hasReparse() bool { return f.Attr(mft.AttrReparsePoint, nil) != nil }

// Rmdir removes an empty directory (or a junction or directory symbolic
// link, whatever its target holds).
func (tx *Tx) Rmdir(path string) error {
	f, err := tx.lookup(path)
	if err != nil {
		return pathErr("rmdir", path, err)
	}
	if !f.IsDir() {
		return pathErr("rmdir", path, ErrNotDir)
	}
	if f.Number() < mft.RecordFirstUser {
		return pathErr("rmdir", path, fmt.Errorf("%w: system directory", ErrInvalid))
	}
	ents, err := f.ReadDir()
	if err != nil {
		return pathErr("rmdir", path, err)
	}
	if len(ents) > 0 {
		return pathErr("rmdir", path, ErrNotEmpty)
	}
	return tx.removePath("rmdir", path)
}

// newObject creates a record for a new file or directory named path:
// $STANDARD_INFORMATION (the parent's security), the caller's attributes
// through fill, then the names.
func (tx *Tx) newObject(op, path string, isDir bool, attrs mft.FileAttributes, fill func(fe *fileEdit) error) (*fileEdit, error) {
	dir, name, err := tx.parentOf(op, path)
	if err != nil {
		return nil, err
	}
	if err := validName(name); err != nil {
		return nil, pathErr(op, path, err)
	}
	if err := tx.mustNotExist(op, path, dir, name); err != nil {
		return nil, err
	}
	fe, err := tx.newFile(isDir)
	if err != nil {
		return nil, pathErr(op, path, err)
	}
	psi, err := dir.StandardInfo()
	if err != nil {
		return nil, pathErr(op, path, err)
	}
	si := mft.StandardInfo{
		Created: tx.now, Modified: tx.now, MFTModified: tx.now, Accessed: tx.now,
		Attributes: attrs, Extended: psi.Extended, SecurityID: psi.SecurityID, OwnerID: psi.OwnerID,
	}
	val, err := si.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	if err := fe.add(mft.Attr{Type: mft.AttrStandardInformation, Value: val}); err != nil {
		return nil, err
	}
	if psi.SecurityID == 0 {
		if err := tx.copySecurity(dir, fe); err != nil {
			return nil, pathErr(op, path, err)
		}
	}
	if isDir {
		root := &index.Root{AttrType: mft.AttrFileName, Collation: index.CollationFileName,
			BlockSize: uint32(tx.v.boot.IndexBlockSize), ClustersPerBlock: clustersPerBlock(tx.v.boot),
			Node: index.Node{Entries: []index.Entry{{Flags: index.EntryLast}}}}
		rv, err := root.AppendBinary(nil)
		if err != nil {
			return nil, err
		}
		if err := fe.add(mft.Attr{Type: mft.AttrIndexRoot, Name: nameI30, Value: rv}); err != nil {
			return nil, err
		}
	}
	if fill != nil {
		if err := fill(fe); err != nil {
			return nil, pathErr(op, path, err)
		}
	}
	if err := tx.addName(fe, dir, name); err != nil {
		return nil, pathErr(op, path, err)
	}
	return fe, nil
}

func clustersPerBlock(b *BootSector) uint8 {
	if b.IndexBlockSize >= b.ClusterSize() {
		return uint8(b.IndexBlockSize / b.ClusterSize())
	}
	return uint8(b.IndexBlockSize / 512)
}

// copySecurity gives a new file the descriptor it inherits from a parent
// that has its own $SECURITY_DESCRIPTOR instead of a $Secure id (volumes
// made by mkntfs, whose root holds a 4 KiB descriptor): a small resident
// one built as Windows builds inherited descriptors, or, when the parent's
// cannot be decoded, a copy of it.
func (tx *Tx) copySecurity(dir *File, fe *fileEdit) error {
	a := dir.Attr(mft.AttrSecurityDescriptor, nil)
	if a == nil {
		return nil
	}
	s, err := dir.AttrStream(mft.AttrSecurityDescriptor, nil)
	if err != nil {
		return err
	}
	sd, err := s.ReadAll()
	if err != nil {
		return err
	}
	// What a parent's descriptor gives is worked out once per
	// transaction (a tree created in bulk: a quarter of each Create).
	key := inheritKey{parent: string(sd), dir: fe.base().IsDir()}
	if b, ok := tx.inherited[key]; ok {
		sd = bytes.Clone(b)
	} else if psd, err := mft.DecodeSecurityDescriptor(sd); err == nil {
		if nsd, err := inheritDescriptor(psd, key.dir); err == nil {
			if b, err := nsd.AppendBinary(nil); err == nil {
				if tx.inherited == nil {
					tx.inherited = map[inheritKey][]byte{}
				}
				tx.inherited[key] = b
				sd = bytes.Clone(b)
			}
		}
	}
	na := mft.Attr{Type: mft.AttrSecurityDescriptor, Value: sd}
	if len(sd) > 512 {
		if err := tx.writeNonResident(&na, sd); err != nil {
			return err
		}
	}
	return fe.add(na)
}

// inheritKey names what copySecurity inherits: the parent's descriptor,
// as its bytes, for a directory or a file.
//
// Not an on-disk structure.
type inheritKey struct {
	parent string
	dir    bool
}

// Mkdir creates a directory.
func (tx *Tx) Mkdir(path string) error {
	_, err := tx.newObject("mkdir", path, true, 0, nil)
	return err
}

// MkdirAll creates a directory and any missing parents.
func (tx *Tx) MkdirAll(path string) error {
	parts := splitPath(path)
	for i := range parts {
		p := "/" + strings.Join(parts[:i+1], "/")
		f, err := tx.lookup(p)
		if err == nil {
			if !f.IsDir() {
				return pathErr("mkdir", p, ErrNotDir)
			}
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return pathErr("mkdir", p, err)
		}
		if err := tx.Mkdir(p); err != nil {
			return err
		}
	}
	return nil
}

// Create makes a file at path holding what r yields (nothing when r is
// nil).
//
// Data of 1 MiB or more is streamed: read a chunk at a time and written
// to clusters the transaction allocates (free on disk until the commit),
// never held in memory whole (see txstream.go). An error reading r, or
// ErrNoSpace, leaves the transaction's new record and clusters
// unfinished: return the error from the function given to Update, which
// then changes nothing on the volume but those free clusters.
func (tx *Tx) Create(path string, r io.Reader) error {
	_, err := tx.newObject("create", path, false, mft.FileArchive, func(fe *fileEdit) error {
		a, err := tx.dataAttrFrom(nil, r, tx.residentMax(fe))
		if err != nil {
			return err
		}
		return fe.add(a)
	})
	return err
}

// residentMax is the largest $DATA value kept in the record.
func (tx *Tx) residentMax(fe *fileEdit) int {
	return fe.recordSpace() - attrsLen(fe.base()) - 0x18 - 0xA0 // room for names
}

// Junction creates a junction (a directory mount point) at path pointing
// to target, an absolute local path as a user types it (C:\dir,
// \??\C:\dir or \??\Volume{GUID}\dir).
func (tx *Tx) Junction(path, target string) error {
	subst, print, rel, err := reparse.WindowsTarget(target)
	if err != nil {
		return pathErr("junction", path, fmt.Errorf("%w: %v", ErrInvalid, err))
	}
	if rel || strings.HasPrefix(subst, `\??\UNC\`) || !(isDriveNT(subst) || isVolumeNT(subst)) {
		return pathErr("junction", path, fmt.Errorf("%w: junction target %q must be an absolute local path (C:\\dir or \\??\\Volume{GUID}\\dir)", ErrInvalid, target))
	}
	return tx.reparseObject("junction", path, true, reparse.NewJunction(subst, print))
}

// Symlink creates a Windows symbolic link at path to target: relative
// (..\x), absolute (C:\x) or UNC (\\server\share\x); the target need not
// exist.
func (tx *Tx) Symlink(path, target string, opts SymlinkOptions) error {
	subst, print, rel, err := reparse.WindowsTarget(target)
	if err != nil {
		return pathErr("symlink", path, fmt.Errorf("%w: %v", ErrInvalid, err))
	}
	return tx.reparseObject("symlink", path, opts.Dir, reparse.NewSymlink(subst, print, rel))
}

func isDriveNT(s string) bool {
	return len(s) >= 7 && strings.HasPrefix(s, `\??\`) && s[5] == ':' && s[6] == '\\' &&
		(s[4]|0x20 >= 'a' && s[4]|0x20 <= 'z')
}

func isVolumeNT(s string) bool {
	return len(s) >= len(`\??\Volume{`) && strings.EqualFold(s[:len(`\??\Volume{`)], `\??\Volume{`)
}

// reparseObject creates a file or directory carrying a reparse point.
func (tx *Tx) reparseObject(op, path string, isDir bool, p reparse.Point) error {
	buf, err := p.AppendBinary(nil)
	if err != nil {
		return pathErr(op, path, err)
	}
	fe, err := tx.newObject(op, path, isDir, mft.FileArchive|mft.FileReparsePoint, func(fe *fileEdit) error {
		if !isDir {
			if err := fe.add(mft.Attr{Type: mft.AttrData, Value: []byte{}}); err != nil {
				return err
			}
		}
		return fe.add(mft.Attr{Type: mft.AttrReparsePoint, Value: buf})
	})
	if errors.Is(err, errNoFit) {
		return pathErr(op, path, fmt.Errorf("%w: the reparse data (%d bytes) does not fit the MFT record beside the file's names: target too long (non-resident reparse points are not written)", ErrInvalid, len(buf)))
	}
	if err != nil {
		return err
	}
	return pathErr(op, path, tx.reparseIndexInsert(p.Tag, fe.ref()))
}

// reparseKey is a $Reparse:$R key: tag, then the file reference.
func reparseKey(tag reparse.Tag, ref mft.FileRef) []byte {
	k := make([]byte, 12)
	k[0], k[1], k[2], k[3] = byte(tag), byte(tag>>8), byte(tag>>16), byte(tag>>24)
	for i := range 8 {
		k[4+i] = byte(uint64(ref) >> (8 * i))
	}
	return k
}

// reparseIndex opens $Extend\$Reparse:$R.
func (tx *Tx) reparseIndex() (*txIndex, error) {
	f, err := tx.lookup("/$Extend/$Reparse")
	if err != nil {
		return nil, fmt.Errorf("volume: $Extend\\$Reparse: %w", err)
	}
	fe, err := tx.editFile(f.Number())
	if err != nil {
		return nil, err
	}
	return tx.openIndex(fe, mft.NameUnits("$R"), ulongsCompare)
}

// reparseDataOffset is the data offset of a $R entry (header + key); its
// data is empty.
const reparseDataOffset = 0x1C

func (tx *Tx) reparseIndexInsert(tag reparse.Tag, ref mft.FileRef) error {
	x, err := tx.reparseIndex()
	if err != nil {
		return err
	}
	e := index.Entry{Ref: mft.FileRef(reparseDataOffset), Key: reparseKey(tag, ref)}
	if err := x.ed.Insert(e); err != nil {
		return fmt.Errorf("volume: $Reparse: insert %v for %s: %w", tag, ref, err)
	}
	if err := x.close(); err != nil {
		return err
	}
	return x.fe.save()
}

func (tx *Tx) reparseIndexDelete(tag reparse.Tag, ref mft.FileRef) error {
	x, err := tx.reparseIndex()
	if err != nil {
		return err
	}
	if err := x.ed.Delete(reparseKey(tag, ref)); err != nil {
		if errors.Is(err, index.ErrNotFound) {
			return nil // a missing key is check's business, not a reason to fail
		}
		return fmt.Errorf("volume: $Reparse: remove %v for %s: %w", tag, ref, err)
	}
	if err := x.close(); err != nil {
		return err
	}
	return x.fe.save()
}

// RemoveFile is Remove for everything but directories: files, symbolic
// links and junctions (a junction is removed, never its target).
func (tx *Tx) RemoveFile(path string) error {
	f, err := tx.lookup(path)
	if err != nil {
		return pathErr("remove", path, err)
	}
	if f.IsDir() && !f.hasReparse() {
		return pathErr("remove", path, fmt.Errorf("%w: is a directory (rm -d or rmdir)", ErrInvalid))
	}
	return tx.Remove(path)
}
