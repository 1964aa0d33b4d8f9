package volume

import (
	"encoding/binary"

	"github.com/ntfsedit/ntfsedit/mft"
)

// txSlab hands out the memory of the records a transaction decodes for
// editing from chunks, instead of several allocations per record: a
// transaction that edits 10,000 files would otherwise make (and the
// garbage collector track) tens of thousands of small objects. Everything
// carved from it lives as long as the transaction's decoded state does.
//
// Not an on-disk structure.
type txSlab struct {
	raw   []byte
	attrs []mft.Attr
	files []fileSlot
}

// fileSlot is a fileEdit with room for its base record.
//
// Not an on-disk structure.
type fileSlot struct {
	fe   fileEdit
	er   editRec
	rec  mft.Record
	recs [1]*editRec
}

const (
	slabBytes = 256 << 10 // raw record bytes per chunk
	slabAttrs = 512       // attributes per chunk
	slabFiles = 128       // files per chunk
)

// rawRecord returns a buffer of n bytes for a record's raw bytes.
func (s *txSlab) rawRecord(n int) []byte {
	if n > slabBytes/8 {
		return make([]byte, n)
	}
	if len(s.raw) < n {
		s.raw = make([]byte, slabBytes)
	}
	b := s.raw[:n:n]
	s.raw = s.raw[n:]
	return b
}

// bytes returns an empty slice with room for n bytes (a $FILE_NAME
// value, an index key).
func (s *txSlab) bytes(n int) []byte { return s.rawRecord(n)[:0] }

// attrSlice returns an empty attribute slice with room for n.
func (s *txSlab) attrSlice(n int) []mft.Attr {
	if n > slabAttrs/8 {
		return make([]mft.Attr, 0, n)
	}
	if len(s.attrs) < n {
		s.attrs = make([]mft.Attr, slabAttrs)
	}
	a := s.attrs[:0:n]
	s.attrs = s.attrs[n:]
	return a
}

// attrsHint is the number of attributes in the raw record b (before its
// fixups are applied, so it may be off when an attribute header ends a
// sector: it sizes a slice, nothing more).
func attrsHint(b []byte) int {
	if len(b) < 0x20 {
		return 0
	}
	off, end := int(binary.LittleEndian.Uint16(b[0x14:])), min(int(binary.LittleEndian.Uint32(b[0x18:])), len(b))
	n := 0
	for off+8 <= end && binary.LittleEndian.Uint32(b[off:]) != uint32(mft.AttrEnd) && n < 64 {
		l := int(binary.LittleEndian.Uint32(b[off+4:]))
		if l < 16 {
			break
		}
		off += l
		n++
	}
	return n
}

// file returns a zeroed fileSlot.
func (s *txSlab) file() *fileSlot {
	if len(s.files) == 0 {
		s.files = make([]fileSlot, slabFiles)
	}
	f := &s.files[0]
	s.files = s.files[1:]
	return f
}

// fileTable maps record numbers to the files a transaction decoded, in
// pages of 1,024 record numbers (a map hashed and grew on every record of
// a large transaction).
//
// Not an on-disk structure.
type fileTable struct {
	pages []*[fileTablePage]*fileEdit
}

const fileTablePage = 1024

func (t *fileTable) get(n mft.RecordNumber) *fileEdit {
	if p := int(n / fileTablePage); p < len(t.pages) && t.pages[p] != nil {
		return t.pages[p][n%fileTablePage]
	}
	return nil
}

func (t *fileTable) set(n mft.RecordNumber, fe *fileEdit) {
	p := int(n / fileTablePage)
	if p >= len(t.pages) {
		if fe == nil {
			return
		}
		t.pages = append(t.pages, make([]*[fileTablePage]*fileEdit, p+1-len(t.pages))...)
	}
	if t.pages[p] == nil {
		if fe == nil {
			return
		}
		t.pages[p] = new([fileTablePage]*fileEdit)
	}
	t.pages[p][n%fileTablePage] = fe
}

// nameCompare is Volume.fileNameCompare as a func value made once per
// transaction (a method value passed on each call is an allocation).
func (tx *Tx) nameCompare() func(a, b []byte) int {
	if tx.nameCmp == nil {
		tx.nameCmp = tx.v.fileNameCompare
	}
	return tx.nameCmp
}
