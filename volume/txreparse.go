package volume

import (
	"errors"
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// SetReparse replaces the reparse point of the file or directory at path
// (which must have one) with p, in place: the record keeps its number,
// names and other attributes. When the tag stays (a junction retargeted
// as a junction) the $Extend\$Reparse key and the index entries stay as
// they are; when it changes, the $R key is replaced and the reparse tag in
// the parent directories' index entries is updated. The change time of
// $STANDARD_INFORMATION is set, as Windows does on FSCTL_SET_REPARSE_POINT.
//
// Junctions go on directories only; a buffer larger than
// reparse.MaxBufferSize, or one that does not fit the record beside the
// file's names, is refused with ErrInvalid (non-resident reparse points
// are not written).
func (tx *Tx) SetReparse(path string, p reparse.Point) error {
	f, err := tx.lookup(path)
	if err != nil {
		return pathErr("set reparse point", path, err)
	}
	return pathErr("set reparse point", path, tx.setReparse(f.Number(), p))
}

func (tx *Tx) setReparse(n mft.RecordNumber, p reparse.Point) error {
	if n < mft.RecordFirstUser {
		return fmt.Errorf("%w: system file", ErrInvalid)
	}
	buf, err := p.AppendBinary(nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if len(buf) > reparse.MaxBufferSize {
		return fmt.Errorf("%w: reparse buffer of %d bytes; Windows allows %d", ErrInvalid, len(buf), reparse.MaxBufferSize)
	}
	fe, err := tx.editFile(n)
	if err != nil {
		return err
	}
	if p.Tag == reparse.TagMountPoint && !fe.base().IsDir() {
		return fmt.Errorf("%w: a junction must be a directory", ErrInvalid)
	}
	r, ok := fe.find(mft.AttrReparsePoint, nil)
	if !ok {
		return fmt.Errorf("%w: record %d has no reparse point to replace", ErrInvalid, n)
	}
	a := r.attr()
	if a.NonResident {
		return fmt.Errorf("%w: record %d has a non-resident reparse point (not written)", ErrInvalid, n)
	}
	before, err := fe.info()
	if err != nil {
		return err
	}
	a.Value = buf
	if err := a.Layout(); err != nil {
		return err
	}
	fe.changed(r)
	tx.touch(fe, false)
	if err := fe.save(); err != nil {
		if errors.Is(err, errNoFit) {
			return fmt.Errorf("%w: the reparse data (%d bytes) does not fit the MFT record beside the file's names: target too long", ErrInvalid, len(buf))
		}
		return err
	}
	if before.hasTag && before.tag == p.Tag {
		return nil
	}
	// A new tag: the $R key and the index copies of the names carry it.
	if before.hasTag {
		if err := tx.reparseIndexDelete(before.tag, fe.ref()); err != nil {
			return err
		}
	}
	if err := tx.reparseIndexInsert(p.Tag, fe.ref()); err != nil {
		return err
	}
	// The index copies of the names are rewritten in place; like
	// FSCTL_SET_REPARSE_POINT, this leaves the parents' times alone.
	var names []mft.FileName
	for _, ar := range fe.all(mft.AttrFileName) {
		fn, err := mft.DecodeFileName(ar.attr().Value)
		if err != nil {
			return &RecordError{Record: n, Err: err}
		}
		names = append(names, fn)
	}
	return tx.refreshIndexCopies(fe, names)
}
