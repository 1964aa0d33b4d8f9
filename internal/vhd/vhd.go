// Package vhd reads the virtual hard disk images of Virtual PC and Hyper-V
// — VHD (fixed, dynamic and differencing) and VHDX (fixed, dynamic and
// differencing) — and presents the disk they hold as a random-access,
// read-only io.ReaderAt.
//
// References: Microsoft, "Virtual Hard Disk Image Format Specification"
// version 1.0 (2006), for VHD; Microsoft, [MS-VHDX] "Virtual Hard Disk v2
// (VHDX) File Format", for VHDX. Facts used are noted where the structures
// are decoded (vhd.go, vhdx.go).
//
// A differencing disk's parent is looked for through the locators the child
// stores (relative path first, then the absolute path's file name in the
// child's directory) and must carry the identifier the child names.
// A VHDX whose log holds entries not yet replayed is refused: its BAT and
// metadata may be stale until a writer (Hyper-V, qemu-img check -r all)
// replays it.
package vhd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode/utf16"
)

var be = binary.BigEndian

// Signatures.
const (
	FooterCookie  = "conectix" // the VHD footer, in the last 512 bytes
	dynamicCookie = "cxsparse" // the VHD dynamic disk header
	VHDXSignature = "vhdxfile" // the first 8 bytes of a VHDX file
)

// ErrCorrupt is wrapped by every *CorruptError.
var ErrCorrupt = errors.New("vhd: corrupt image")

// ErrUnsupported is returned for images this package does not read.
var ErrUnsupported = errors.New("vhd: unsupported image")

// ErrParent is wrapped by the error returned when a differencing disk's
// parent cannot be found or is not the one the child was made from.
var ErrParent = errors.New("vhd: parent disk")

// maxDepth bounds a chain of differencing disks.
const maxDepth = 32

// CorruptError locates a structure that does not decode.
//
//	vhd: disk.vhd: offset 0x200: dynamic header checksum: 0x1234 (computed 0x5678)
type CorruptError struct {
	File   string
	Offset int64 // byte offset in the file; -1 if none
	Field  string
	Value  any
}

func (e *CorruptError) Error() string {
	s := "vhd: " + e.File
	if e.Offset >= 0 {
		s += fmt.Sprintf(": offset %#x", e.Offset)
	}
	s += ": " + e.Field
	if e.Value != nil {
		s += fmt.Sprintf(": %v", e.Value)
	}
	return s
}

func (e *CorruptError) Is(t error) bool { return t == ErrCorrupt }

// Type is the kind of a disk.
type Type int

const (
	Fixed        Type = 2
	Dynamic      Type = 3
	Differencing Type = 4
)

var typeNames = map[Type]string{Fixed: "fixed", Dynamic: "dynamic", Differencing: "differencing"}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// File is an image file: its name (for errors and for finding a parent),
// contents and size.
type File struct {
	Name string
	R    io.ReaderAt
	Size int64
}

// OpenFunc opens a parent disk by file name; Open uses the file system.
type OpenFunc func(name string) (File, error)

// Disk is an opened VHD or VHDX image. It is safe for concurrent use.
type Disk struct {
	Format     string // "VHD" or "VHDX"
	Type       Type
	ID         [16]byte // VHD unique id; VHDX data write GUID (what children link to)
	file       File
	size       int64
	sectorSize int
	parent     *Disk
	closers    []io.Closer
	// blocks maps a disk offset to where its bytes are; see extent.
	blocks func(off int64) (extent, error)
}

// extent is a run of disk bytes from off with one source; not an on-disk
// structure.
type extent struct {
	n    int64 // bytes from the requested offset with this source
	src  int   // srcFile, srcZero or srcParent
	file int64 // offset in the file for srcFile
}

const (
	srcFile = iota
	srcZero
	srcParent
)

// Open opens the VHD or VHDX image at path and, for a differencing disk,
// its parents.
func Open(path string) (*Disk, error) {
	var closers []io.Closer
	open := func(name string) (File, error) {
		f, err := os.Open(name)
		if err != nil {
			return File{}, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return File{}, err
		}
		closers = append(closers, f)
		return File{Name: name, R: f, Size: fi.Size()}, nil
	}
	f, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("vhd: %w", err)
	}
	d, err := New(f, open)
	if err != nil {
		for _, c := range closers {
			c.Close()
		}
		return nil, err
	}
	d.closers = closers
	return d, nil
}

// New opens the image in f; open, if not nil, opens parents by name
// (without it a differencing disk is an error wrapping ErrParent).
func New(f File, open OpenFunc) (*Disk, error) {
	return newDisk(f, open, 0)
}

func newDisk(f File, open OpenFunc, depth int) (*Disk, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: %s: more than %d differencing disks in a chain", ErrParent, f.Name, maxDepth)
	}
	var sig [8]byte
	if f.Size >= 8 {
		if err := readFull(f, sig[:], 0); err != nil {
			return nil, err
		}
	}
	if string(sig[:]) == VHDXSignature {
		return openVHDX(f, open, depth)
	}
	return openVHD(f, open, depth)
}

// IsImage reports whether a file starting with head and ending with tail
// (its last 512 bytes) is a VHD or VHDX image.
func IsImage(head, tail []byte) bool {
	return bytes.HasPrefix(head, []byte(VHDXSignature)) || bytes.HasPrefix(tail, []byte(FooterCookie))
}

// Size returns the size of the virtual disk in bytes.
func (d *Disk) Size() int64 { return d.size }

// SectorSize returns the disk's logical sector size.
func (d *Disk) SectorSize() int { return d.sectorSize }

// Parent returns the parent of a differencing disk, or nil.
func (d *Disk) Parent() *Disk { return d.parent }

// Name returns the image's file name.
func (d *Disk) Name() string { return d.file.Name }

// Close closes the files Open opened (the parents' too).
func (d *Disk) Close() error {
	var first error
	for _, c := range d.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	d.closers = nil
	return first
}

// ReadAt reads disk bytes. A read reaching the end of the disk returns the
// bytes before it and io.EOF.
func (d *Disk) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("vhd: %s: read at negative offset %d", d.file.Name, off)
	}
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		if pos >= d.size {
			return done, io.EOF
		}
		e, err := d.blocks(pos)
		if err != nil {
			return done, err
		}
		n := min(int64(len(p)-done), e.n, d.size-pos)
		if n <= 0 {
			return done, fmt.Errorf("vhd: %s: empty extent at offset %#x", d.file.Name, pos)
		}
		q := p[done : done+int(n)]
		switch e.src {
		case srcZero:
			clear(q)
		case srcParent:
			if d.parent == nil {
				clear(q)
				break
			}
			m, err := d.parent.ReadAt(q, pos)
			if err == io.EOF {
				// A parent smaller than its child reads as zeros past
				// its end.
				clear(q[m:])
				err = nil
			}
			if err != nil {
				return done, err
			}
		case srcFile:
			if err := readFull(d.file, q, e.file); err != nil {
				return done, err
			}
		}
		done += int(n)
	}
	return done, nil
}

// footer is the 512-byte VHD footer (big-endian). Offsets:
// 0x00 cookie "conectix", 0x08 features, 0x0c format version (1.0),
// 0x10 data offset (dynamic header; all ones for a fixed disk),
// 0x18 time stamp, 0x1c creator application, 0x20 creator version,
// 0x24 creator host OS, 0x28 original size, 0x30 current size,
// 0x38 geometry, 0x3c disk type, 0x40 checksum (ones' complement of the
// byte sum with this field zero), 0x44 unique id, 0x54 saved state.
type footer []byte

func (h footer) dataOffset() uint64 { return be.Uint64(h[0x10:]) }
func (h footer) currentSize() int64 { return int64(be.Uint64(h[0x30:])) }
func (h footer) diskType() Type     { return Type(be.Uint32(h[0x3c:])) }
func (h footer) checksum() uint32   { return be.Uint32(h[0x40:]) }

// vhdChecksum is the ones' complement of the sum of b's bytes, skipping the
// 4-byte checksum field at skip.
func vhdChecksum(b []byte, skip int) uint32 {
	var s uint32
	for i, c := range b {
		if i >= skip && i < skip+4 {
			continue
		}
		s += uint32(c)
	}
	return ^s
}

func openVHD(f File, open OpenFunc, depth int) (*Disk, error) {
	corrupt := func(off int64, field string, v any) error {
		return &CorruptError{File: f.Name, Offset: off, Field: field, Value: v}
	}
	if f.Size < 512 {
		return nil, corrupt(-1, "too small for a VHD footer", f.Size)
	}
	ft := footer(make([]byte, 512))
	foff := f.Size - 512
	if err := readFull(f, ft, foff); err != nil {
		return nil, err
	}
	if string(ft[:8]) != FooterCookie || vhdChecksum(ft, 0x40) != ft.checksum() {
		// A dynamic disk keeps a copy of its footer at the start.
		cp := footer(make([]byte, 512))
		if err := readFull(f, cp, 0); err != nil {
			return nil, err
		}
		if string(cp[:8]) != FooterCookie || vhdChecksum(cp, 0x40) != cp.checksum() {
			if string(ft[:8]) != FooterCookie {
				return nil, corrupt(foff, "footer cookie", fmt.Sprintf("%q", ft[:8]))
			}
			return nil, corrupt(foff, "footer checksum", fmt.Sprintf("%#08x (computed %#08x)", ft.checksum(), vhdChecksum(ft, 0x40)))
		}
		ft, foff = cp, 0
	}
	d := &Disk{Format: "VHD", Type: ft.diskType(), file: f, size: ft.currentSize(), sectorSize: 512}
	copy(d.ID[:], ft[0x44:0x54])
	if d.size < 0 || d.size%512 != 0 {
		return nil, corrupt(foff+0x30, "current size", d.size)
	}
	switch d.Type {
	case Fixed:
		if d.size > f.Size-512 {
			return nil, corrupt(foff+0x30, "current size", fmt.Sprintf("%d bytes in a file of %d", d.size, f.Size))
		}
		d.blocks = func(off int64) (extent, error) {
			return extent{n: d.size - off, src: srcFile, file: off}, nil
		}
		return d, nil
	case Dynamic, Differencing:
	default:
		return nil, corrupt(foff+0x3c, "disk type", uint32(d.Type))
	}
	if err := d.loadDynamic(int64(ft.dataOffset()), open, depth); err != nil {
		return nil, err
	}
	return d, nil
}

// Dynamic disk header (1024 bytes, big-endian): 0x00 cookie "cxsparse",
// 0x08 data offset (unused), 0x10 BAT offset, 0x18 header version,
// 0x1c max table entries, 0x20 block size, 0x24 checksum, 0x28 parent
// unique id, 0x38 parent time stamp, 0x40 parent name (512 bytes,
// UTF-16BE), 0x240 eight parent locators of 24 bytes: platform code,
// data space (sectors), data length (bytes), reserved, data offset
// (uint64).
const dynHeaderSize = 1024

func (d *Disk) loadDynamic(hoff int64, open OpenFunc, depth int) error {
	f := d.file
	corrupt := func(off int64, field string, v any) error {
		return &CorruptError{File: f.Name, Offset: off, Field: field, Value: v}
	}
	if hoff < 0 || hoff > f.Size-dynHeaderSize {
		return corrupt(0x10, "dynamic header offset", hoff)
	}
	h := make([]byte, dynHeaderSize)
	if err := readFull(f, h, hoff); err != nil {
		return err
	}
	if string(h[:8]) != dynamicCookie {
		return corrupt(hoff, "dynamic header cookie", fmt.Sprintf("%q", h[:8]))
	}
	if sum, want := vhdChecksum(h, 0x24), be.Uint32(h[0x24:]); sum != want {
		return corrupt(hoff+0x24, "dynamic header checksum", fmt.Sprintf("%#08x (computed %#08x)", want, sum))
	}
	batOff := int64(be.Uint64(h[0x10:]))
	entries := int64(be.Uint32(h[0x1c:]))
	block := int64(be.Uint32(h[0x20:]))
	if block < 512 || block%512 != 0 || block&(block-1) != 0 || block > 1<<28 {
		return corrupt(hoff+0x20, "block size", block)
	}
	need := (d.size + block - 1) / block
	if entries < need {
		return corrupt(hoff+0x1c, "max table entries", fmt.Sprintf("%d, need %d for %d bytes", entries, need, d.size))
	}
	if batOff < 0 || batOff > f.Size || need*4 > f.Size-batOff {
		return corrupt(hoff+0x10, "BAT offset", batOff)
	}
	rawBAT := make([]byte, need*4)
	if err := readFull(f, rawBAT, batOff); err != nil {
		return err
	}
	bat := make([]uint32, need)
	for i := range bat {
		bat[i] = be.Uint32(rawBAT[4*i:])
	}
	// A block is its sector bitmap (one bit a sector, most significant bit
	// first, padded to whole sectors) followed by its data.
	bitmap := (block/512/8 + 511) / 512 * 512
	var (
		mu    sync.Mutex
		cache = map[int64][]byte{}
	)
	bits := func(b int64, start int64) ([]byte, error) {
		mu.Lock()
		bm, ok := cache[b]
		mu.Unlock()
		if ok {
			return bm, nil
		}
		bm = make([]byte, bitmap)
		if err := readFull(f, bm, start); err != nil {
			return nil, err
		}
		mu.Lock()
		if len(cache) > 1024 {
			clear(cache)
		}
		cache[b] = bm
		mu.Unlock()
		return bm, nil
	}
	diff := d.Type == Differencing
	d.blocks = func(off int64) (extent, error) {
		b := off / block
		in := off - b*block
		left := block - in
		e := bat[b]
		if e == 0xffffffff {
			if diff {
				return extent{n: left, src: srcParent}, nil
			}
			return extent{n: left, src: srcZero}, nil
		}
		start := int64(e) * 512
		if start+bitmap+block > f.Size {
			return extent{}, corrupt(batOff+4*b, fmt.Sprintf("BAT entry %d", b), fmt.Sprintf("block at %#x past the end of the file", start))
		}
		if !diff {
			return extent{n: left, src: srcFile, file: start + bitmap + in}, nil
		}
		bm, err := bits(b, start)
		if err != nil {
			return extent{}, err
		}
		s := in / 512
		set := func(s int64) bool { return bm[s/8]&(0x80>>(s%8)) != 0 }
		first := set(s)
		e2 := s + 1
		for e2 < block/512 && set(e2) == first {
			e2++
		}
		n := e2*512 - in
		if first {
			return extent{n: n, src: srcFile, file: start + bitmap + in}, nil
		}
		return extent{n: n, src: srcParent}, nil
	}
	if !diff {
		return nil
	}
	var parentID [16]byte
	copy(parentID[:], h[0x28:0x38])
	var names []string
	for i := range 8 {
		l := h[0x240+24*i:]
		code := string(l[:4])
		length := int64(be.Uint32(l[8:]))
		doff := int64(be.Uint64(l[16:]))
		if code == "\x00\x00\x00\x00" || length == 0 {
			continue
		}
		if length > 64<<10 || doff < 0 || doff > f.Size || length > f.Size-doff {
			return corrupt(hoff+0x240+int64(24*i), "parent locator", fmt.Sprintf("%q: %d bytes at %#x", code, length, doff))
		}
		b := make([]byte, length)
		if err := readFull(f, b, doff); err != nil {
			return err
		}
		switch code {
		case "W2ru", "W2ku", "Wi2r", "Wi2k":
			names = append(names, utf16String(b, binary.LittleEndian))
		case "MacX":
			names = append(names, strings.TrimPrefix(string(b), "file://"))
		}
	}
	names = append(names, utf16String(h[0x40:0x240], be))
	p, err := openParent(d, names, open, depth, func(p *Disk) bool { return p.Format == "VHD" && p.ID == parentID })
	if err != nil {
		return err
	}
	d.parent = p
	return nil
}

// openParent tries the candidate names of d's parent in order: each as
// given relative to d's directory, then its last element in d's directory.
func openParent(d *Disk, names []string, open OpenFunc, depth int, ok func(*Disk) bool) (*Disk, error) {
	if open == nil {
		return nil, fmt.Errorf("%w: %s is a differencing disk and no parent can be opened", ErrParent, d.file.Name)
	}
	dir := filepath.Dir(d.file.Name)
	var tried []string
	var lastErr error
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimRight(n, "\x00")
		if n == "" {
			continue
		}
		n = strings.ReplaceAll(n, `\`, "/")
		var cands []string
		if !strings.Contains(n, ":") && !filepath.IsAbs(n) {
			cands = append(cands, filepath.Join(dir, filepath.FromSlash(n)))
		}
		cands = append(cands, filepath.Join(dir, n[strings.LastIndexAny(n, "/:")+1:]))
		for _, c := range cands {
			if seen[c] || filepath.Clean(c) == filepath.Clean(d.file.Name) {
				continue
			}
			seen[c] = true
			tried = append(tried, c)
			pf, err := open(c)
			if err != nil {
				lastErr = err
				continue
			}
			p, err := newDisk(pf, open, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%w of %s: %w", ErrParent, d.file.Name, err)
			}
			if !ok(p) {
				lastErr = fmt.Errorf("%s is not the parent (identifier differs)", c)
				continue
			}
			return p, nil
		}
	}
	if lastErr == nil {
		lastErr = errors.New("no parent locator")
	}
	return nil, fmt.Errorf("%w of %s not found (tried %s): %v", ErrParent, d.file.Name, strings.Join(tried, ", "), lastErr)
}

// utf16String decodes UTF-16 (in byte order o) up to the first NUL.
func utf16String(b []byte, o binary.ByteOrder) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := o.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// readFull reads len(b) bytes of f at off.
func readFull(f File, b []byte, off int64) error {
	if off < 0 || off > f.Size || int64(len(b)) > f.Size-off {
		return &CorruptError{File: f.Name, Offset: off, Field: fmt.Sprintf("%d bytes past the end of the file (%d bytes)", len(b), f.Size)}
	}
	n, err := f.R.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("vhd: read %d bytes at offset %#x of %s: %w", len(b), off, f.Name, err)
}
