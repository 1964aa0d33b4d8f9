// Package corrupt makes one precise inconsistency in an NTFS image file,
// located by path, for the checker's and the repairer's tests: a torn
// fixup, a wrong link count, an index entry removed, swapped or altered, a
// record freed, a bitmap bit cleared, a $Reparse key dropped, $MFTMirr
// changed, a $FILE_NAME pointed at the wrong parent, two files sharing a
// cluster.
//
// Each function opens the image read-only through package volume to find
// the bytes, closes it, then writes the changed bytes in place. Changed FILE
// records and INDX blocks are written with valid fixups (only the two Torn…
// functions leave a torn structure), so each image has exactly the one
// inconsistency asked for. The image must not be in use.
//
// The corruptions mirror those of the project's shared ntfscorrupt.py (the
// facts of which bytes each one changes), written anew in Go.
package corrupt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

var le = binary.LittleEndian

// ErrNotFound is matched when the name, entry or attribute to corrupt does
// not exist in the image.
var ErrNotFound = errors.New("corrupt: not found")

// image is an image being corrupted: the volume to locate bytes and the
// writes to make once it is closed. Not an on-disk structure.
type image struct {
	path   string
	v      *volume.Volume
	base   int64 // byte offset of the volume in the file
	cs     int64
	rs     int64
	mft    []mft.Run
	writes []write
}

type write struct {
	off int64 // in the file
	b   []byte
}

func open(img string) (*image, error) {
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		return nil, err
	}
	m := &image{path: img, v: v, base: v.Info().Offset, cs: int64(v.ClusterSize()), rs: int64(v.RecordSize())}
	f, err := v.File(mft.RecordMFT)
	if err != nil {
		v.Close()
		return nil, err
	}
	s, err := f.Stream("")
	if err != nil {
		v.Close()
		return nil, err
	}
	m.mft = s.Runs()
	return m, nil
}

// run opens img, lets fn locate and stage writes, and writes them.
func run(img string, fn func(m *image) error) error {
	m, err := open(img)
	if err != nil {
		return err
	}
	err = fn(m)
	m.v.Close()
	if err != nil {
		return fmt.Errorf("corrupt %s: %w", img, err)
	}
	return m.commit()
}

func (m *image) commit() error {
	f, err := os.OpenFile(m.path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	for _, w := range m.writes {
		if _, err := f.WriteAt(w.b, w.off); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// devOff maps byte off of a stream with runs to a file offset.
func (m *image) devOff(runs []mft.Run, off int64) (int64, error) {
	vcn := off / m.cs
	for _, r := range runs {
		if vcn < r.Length {
			if r.Sparse {
				return 0, fmt.Errorf("stream offset %d is in a sparse run", off)
			}
			return m.base + (int64(r.Start)+vcn)*m.cs + off%m.cs, nil
		}
		vcn -= r.Length
	}
	return 0, fmt.Errorf("stream offset %d beyond the runlist", off)
}

// stage queues b for stream offset off of a stream with runs, split at
// cluster boundaries.
func (m *image) stage(runs []mft.Run, off int64, b []byte) error {
	for len(b) > 0 {
		n := min(int64(len(b)), m.cs-off%m.cs)
		d, err := m.devOff(runs, off)
		if err != nil {
			return err
		}
		m.writes = append(m.writes, write{d, append([]byte(nil), b[:n]...)})
		b, off = b[n:], off+n
	}
	return nil
}

// record returns record n with fixups removed.
func (m *image) record(n mft.RecordNumber) ([]byte, error) {
	raw, err := m.v.RawRecord(n)
	if err != nil {
		return nil, err
	}
	if err := mft.ApplyFixups(raw); err != nil {
		return nil, fmt.Errorf("record %d: %w", n, err)
	}
	return raw, nil
}

// putRecord stages record n (fixups removed) protected again.
func (m *image) putRecord(n mft.RecordNumber, b []byte) error {
	b = append([]byte(nil), b...)
	if err := mft.ProtectFixups(b); err != nil {
		return err
	}
	return m.stage(m.mft, int64(n)*m.rs, b)
}

// lookup returns the record of path.
func (m *image) lookup(p string) (*volume.File, error) {
	f, err := m.v.Lookup(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, errors.Join(ErrNotFound, err))
	}
	return f, nil
}

// split returns the directory and name of a path.
func split(p string) (string, string) {
	p = "/" + strings.Trim(p, "/")
	return path.Dir(p), path.Base(p)
}

// attrAt returns the offset of the first attribute of type t named name in
// record b (fixups removed), or -1.
func attrAt(b []byte, t mft.AttrType, name string) int {
	off := int(le.Uint16(b[0x14:]))
	for off+16 <= len(b) {
		typ := mft.AttrType(le.Uint32(b[off:]))
		n := int(le.Uint32(b[off+4:]))
		if typ == mft.AttrEnd || n < 16 || off+n > len(b) {
			return -1
		}
		if typ == t && attrName(b, off) == name {
			return off
		}
		off += n
	}
	return -1
}

func attrName(b []byte, a int) string {
	nl, no := int(b[a+9]), int(le.Uint16(b[a+0x0A:]))
	if a+no+2*nl > len(b) {
		return ""
	}
	u := make([]uint16, nl)
	for i := range u {
		u[i] = le.Uint16(b[a+no+2*i:])
	}
	return mft.NameString(u)
}

// residentValue returns the offset and length of a resident value.
func residentValue(b []byte, a int) (int, int) {
	return a + int(le.Uint16(b[a+0x14:])), int(le.Uint32(b[a+0x10:]))
}

// setBit stages bit i of the stream with runs set or cleared.
func (m *image) setBit(runs []mft.Run, i int64, on bool) error {
	d, err := m.devOff(runs, i/8)
	if err != nil {
		return err
	}
	f, err := os.Open(m.path)
	if err != nil {
		return err
	}
	defer f.Close()
	var c [1]byte
	if _, err := f.ReadAt(c[:], d); err != nil {
		return err
	}
	if on {
		c[0] |= 1 << (i % 8)
	} else {
		c[0] &^= 1 << (i % 8)
	}
	m.writes = append(m.writes, write{d, c[:]})
	return nil
}

// flip stages the first byte at file offset d XORed with 0xFF.
func (m *image) flip(d int64) error {
	f, err := os.Open(m.path)
	if err != nil {
		return err
	}
	defer f.Close()
	var c [1]byte
	if _, err := f.ReadAt(c[:], d); err != nil {
		return err
	}
	m.writes = append(m.writes, write{d, []byte{c[0] ^ 0xFF}})
	return nil
}
