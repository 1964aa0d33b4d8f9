// Package ewf reads Expert Witness Compression Format images, version 1
// (EnCase .E01 and its segment files .E02 … .E99, .EAA …, as written by
// EnCase, FTK Imager and libewf's ewfacquire), and presents the media they
// hold as a random-access, read-only io.ReaderAt.
//
// Reference: Joachim Metz, "Expert Witness Compression Format (EWF)",
// libewf's documentation (documentation/Expert Witness Compression Format
// (EWF).asciidoc). Facts used, all little-endian:
//
//   - A segment file starts with a 13-byte header: the signature
//     "EVF\x09\x0d\x0a\xff\x00", 0x01, the segment number (uint16, from 1)
//     and 0x0000.
//   - Sections follow, each with a 76-byte descriptor: type (16 bytes,
//     NUL-padded), absolute offset of the next descriptor (uint64), section
//     size including the descriptor (uint64), 40 bytes of padding and the
//     Adler-32 of the first 72 bytes. The chain ends with a "next" section
//     (more segments follow) or a "done" section, whose next offset is its
//     own.
//   - "volume" (or "disk", and its copy "data" in later segments) holds the
//     geometry: number of chunks at 0x04, sectors per chunk at 0x08, bytes
//     per sector at 0x0c, number of sectors at 0x10 (uint64 in the 1052-byte
//     EnCase layout, uint32 in the 94-byte SMART one).
//   - "table" holds the chunk offsets of one run of chunks: entry count
//     (uint32), padding, base offset (uint64), padding, Adler-32 of those 20
//     bytes; then one uint32 per chunk (bit 31: compressed; bits 0–30: offset
//     from the base) and the Adler-32 of the entries. "table2" repeats it.
//   - A compressed chunk is a zlib stream; a stored chunk is followed by the
//     Adler-32 of its bytes. A chunk's stored size runs to the next chunk, the
//     last one of a table to the next section.
//
// EWF version 2 (.Ex01, signature "EVF2") and the logical evidence formats
// (.L01, .Lx01) are recognised and refused with ErrUnsupported.
package ewf

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

var le = binary.LittleEndian

// Signatures of the first bytes of a segment file.
const (
	Signature   = "EVF\x09\x0d\x0a\xff\x00" // EWF version 1 (.E01)
	SignatureV2 = "EVF2\x0d\x0a\x81\x00"    // EWF version 2 (.Ex01), not supported
	sigLogical  = "LVF\x09\x0d\x0a\xff\x00" // logical evidence (.L01), not supported
	sigLogical2 = "LEF2\x0d\x0a\x81\x00"    // logical evidence v2 (.Lx01), not supported
)

const (
	fileHeaderSize = 13
	descriptorSize = 76
	tableHeaderLen = 24
	maxChunkSize   = 64 << 20 // sectors per chunk × bytes per sector
	maxSections    = 1 << 20  // per segment file, against loops
	maxSegments    = 26*26*22 + 99
	cachedChunks   = 16
	cachedTables   = 8
)

// ErrCorrupt is wrapped by every *CorruptError.
var ErrCorrupt = errors.New("ewf: corrupt image")

// ErrUnsupported is returned for EWF variants this package does not read
// (version 2, logical evidence files).
var ErrUnsupported = errors.New("ewf: unsupported format")

// CorruptError locates a structure that does not decode.
//
//	ewf: disk.E02: offset 0x3f8: table header checksum: 0x1234 (computed 0x5678)
type CorruptError struct {
	Segment string // segment file name
	Offset  int64  // byte offset in the segment file; -1 if none
	Field   string // "section descriptor checksum", "chunk 12 data", …
	Value   any    // the offending value, or nil
}

func (e *CorruptError) Error() string {
	s := "ewf: " + e.Segment
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

// Segment is one segment file of an image.
type Segment struct {
	Name string
	R    io.ReaderAt
	Size int64
}

// table is where the entries of one "table" section are; not an on-disk
// structure.
type table struct {
	seg     int   // index into Image.segs
	entries int64 // offset of the first entry in the segment file
	count   int64
	base    int64 // base offset of the chunk offsets
	first   int64 // index of its first chunk in the image
	alt     int64 // offset of the entries of the "table2" copy; 0 if none
}

// Image is an opened EWF image. It is safe for concurrent use.
type Image struct {
	segs       []Segment
	sections   [][]int64 // per segment, the offsets of its sections, ascending
	closers    []io.Closer
	tables     []table
	chunkSize  int64
	chunks     int64
	size       int64
	sectorSize int

	mu       sync.Mutex
	chunkLRU []cachedChunk // most recent last
	tableLRU []cachedTable
}

type cachedChunk struct {
	n    int64
	data []byte
}

type cachedTable struct {
	n       int
	entries []uint32
}

// IsImage reports whether b (the first bytes of a file) starts an EWF
// segment file of any version.
func IsImage(b []byte) bool {
	for _, s := range []string{Signature, SignatureV2, sigLogical, sigLogical2} {
		if bytes.HasPrefix(b, []byte(s)) {
			return true
		}
	}
	return false
}

// Open opens the image whose first segment file is path (IMAGE.E01) and
// the segment files that follow it (IMAGE.E02, …), as far as the chain of
// sections says there are more.
func Open(path string) (*Image, error) {
	var segs []Segment
	var closers []io.Closer
	fail := func(err error) (*Image, error) {
		for _, c := range closers {
			c.Close()
		}
		return nil, err
	}
	open := func(name string) error {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return err
		}
		closers = append(closers, f)
		segs = append(segs, Segment{Name: name, R: f, Size: fi.Size()})
		return nil
	}
	if err := open(path); err != nil {
		return fail(fmt.Errorf("ewf: %w", err))
	}
	im, err := newImage(segs, func() (Segment, error) {
		next, err := segmentName(path, len(segs)+1)
		if err != nil {
			return Segment{}, err
		}
		if err := open(next); err != nil {
			return Segment{}, fmt.Errorf("ewf: segment %d of %s: %w", len(segs)+1, path, err)
		}
		return segs[len(segs)-1], nil
	})
	if err != nil {
		return fail(err)
	}
	im.closers = closers
	return im, nil
}

// New reads an image from segment files already open, in order. It is
// Open without the file system (and what the fuzz test drives).
func New(segs []Segment) (*Image, error) {
	i := 0
	return newImage(segs[:min(1, len(segs))], func() (Segment, error) {
		i++
		if i >= len(segs) {
			return Segment{}, fmt.Errorf("ewf: segment %d missing (%d given)", i+1, len(segs))
		}
		return segs[i], nil
	})
}

// segmentName returns the name of segment n (from 1) of the image whose
// first segment is first: .E01 … .E99, then .EAA … .EZZ, .FAA … .ZZZ,
// keeping the case of the first letter.
func segmentName(first string, n int) (string, error) {
	ext := filepath.Ext(first)
	if len(ext) != 4 || n < 1 || n > maxSegments {
		return "", fmt.Errorf("ewf: %s: cannot name segment %d (the first segment must end in .E01)", first, n)
	}
	c := ext[1]
	lower := c >= 'a' && c <= 'z'
	var tail string
	if n <= 99 {
		tail = fmt.Sprintf("%c%02d", c, n)
	} else {
		k := n - 100
		a := byte('A')
		if lower {
			a = 'a'
		}
		hi := int(c-a) + k/(26*26)
		if hi >= 26 {
			return "", fmt.Errorf("ewf: %s: segment %d is past the last name", first, n)
		}
		tail = string([]byte{a + byte(hi), a + byte(k/26%26), a + byte(k%26)})
	}
	return strings.TrimSuffix(first, ext) + "." + tail, nil
}

func newImage(segs []Segment, next func() (Segment, error)) (*Image, error) {
	if len(segs) == 0 {
		return nil, errors.New("ewf: no segment files")
	}
	im := &Image{}
	var geom *geometry
	seg := segs[0]
	for n := 1; ; n++ {
		im.segs = append(im.segs, seg)
		more, g, err := im.readSegment(len(im.segs)-1, n)
		if err != nil {
			return nil, err
		}
		if geom == nil && g != nil {
			geom = g
			im.chunkSize = g.chunkSize
			im.chunks = g.chunks
			im.size = g.size
			im.sectorSize = g.sectorSize
		}
		if !more {
			break
		}
		if seg, err = next(); err != nil {
			return nil, err
		}
	}
	if geom == nil {
		return nil, &CorruptError{Segment: segs[0].Name, Offset: -1, Field: "no volume section"}
	}
	var have int64
	if len(im.tables) > 0 {
		t := im.tables[len(im.tables)-1]
		have = t.first + t.count
	}
	if have < im.chunks || have*im.chunkSize < im.size {
		return nil, &CorruptError{Segment: im.segs[len(im.segs)-1].Name, Offset: -1,
			Field: "chunk tables end early", Value: fmt.Sprintf("%d of %d chunks (%d bytes of media)", have, im.chunks, im.size)}
	}
	return im, nil
}

// geometry is what a volume section says; not an on-disk structure.
type geometry struct {
	chunks     int64
	chunkSize  int64
	size       int64
	sectorSize int
}

// readSegment walks the sections of segment i, expected to be segment
// number n, adding its tables. more reports whether a "next" section ends
// it.
func (im *Image) readSegment(i, n int) (more bool, g *geometry, err error) {
	s := im.segs[i]
	corrupt := func(off int64, field string, v any) error {
		return &CorruptError{Segment: s.Name, Offset: off, Field: field, Value: v}
	}
	var h [fileHeaderSize]byte
	if err := readFull(s, h[:], 0); err != nil {
		return false, nil, err
	}
	switch {
	case bytes.HasPrefix(h[:], []byte(Signature)):
	case bytes.HasPrefix(h[:], []byte(SignatureV2)), bytes.HasPrefix(h[:], []byte(sigLogical2)):
		return false, nil, fmt.Errorf("%w: %s is EWF version 2 (Ex01/Lx01)", ErrUnsupported, s.Name)
	case bytes.HasPrefix(h[:], []byte(sigLogical)):
		return false, nil, fmt.Errorf("%w: %s is a logical evidence file (L01)", ErrUnsupported, s.Name)
	default:
		return false, nil, corrupt(0, "signature", fmt.Sprintf("%q", h[:8]))
	}
	if got := int(le.Uint16(h[9:])); got != n {
		return false, nil, corrupt(9, "segment number", fmt.Sprintf("%d, want %d", got, n))
	}

	// Pass 1: the chain of sections.
	type section struct {
		typ       string
		off, size int64
	}
	var secs []section
	off := int64(fileHeaderSize)
	for {
		if len(secs) >= maxSections {
			return false, nil, corrupt(off, "too many sections", len(secs))
		}
		var d [descriptorSize]byte
		if err := readFull(s, d[:], off); err != nil {
			return false, nil, err
		}
		if sum, want := adler32.Checksum(d[:72]), le.Uint32(d[72:]); sum != want {
			return false, nil, corrupt(off, "section descriptor checksum", fmt.Sprintf("%#08x (computed %#08x)", want, sum))
		}
		typ := string(bytes.TrimRight(d[:16], "\x00"))
		nxt, size := int64(le.Uint64(d[16:])), int64(le.Uint64(d[24:]))
		if size < 0 || size > s.Size-off {
			return false, nil, corrupt(off, typ+" section size", size)
		}
		secs = append(secs, section{typ, off, size})
		if typ == "next" || typ == "done" {
			more = typ == "next"
			break
		}
		if nxt <= off || nxt > s.Size-descriptorSize {
			return false, nil, corrupt(off, typ+" section: next section offset", nxt)
		}
		off = nxt
	}

	offs := make([]int64, len(secs))
	for k, sec := range secs {
		offs[k] = sec.off
	}
	im.sections = append(im.sections, offs)

	// Pass 2: geometry and tables.
	var lastTable = -1 // index in im.tables of this segment's latest table
	for _, sec := range secs {
		body := sec.off + descriptorSize
		switch sec.typ {
		case "volume", "disk", "data":
			if g != nil || (i > 0 && im.chunkSize > 0) {
				continue // a copy
			}
			if g, err = readVolume(s, body, sec.size-descriptorSize); err != nil {
				return false, nil, err
			}
		case "table", "table2":
			if sec.typ == "table2" && lastTable >= 0 && im.tables[lastTable].alt == 0 {
				// The copy of the table before it.
				im.tables[lastTable].alt = body + tableHeaderLen
				continue
			}
			t, err := im.readTableHeader(i, body, sec.size-descriptorSize)
			if err != nil {
				return false, nil, err
			}
			if len(im.tables) > 0 {
				prev := im.tables[len(im.tables)-1]
				t.first = prev.first + prev.count
			}
			im.tables = append(im.tables, t)
			lastTable = len(im.tables) - 1
		}
	}
	return more, g, nil
}

func readVolume(s Segment, off, n int64) (*geometry, error) {
	corrupt := func(field string, v any) error {
		return &CorruptError{Segment: s.Name, Offset: off, Field: field, Value: v}
	}
	if n < 94 {
		return nil, corrupt("volume section size", n)
	}
	n = min(n, 1052)
	b := make([]byte, n)
	if err := readFull(s, b, off); err != nil {
		return nil, err
	}
	sectors := int64(le.Uint32(b[0x10:]))
	if n == 1052 {
		if sum, want := adler32.Checksum(b[:1048]), le.Uint32(b[1048:]); sum != want {
			return nil, corrupt("volume checksum", fmt.Sprintf("%#08x (computed %#08x)", want, sum))
		}
		sectors = int64(le.Uint64(b[0x10:]))
	}
	g := &geometry{
		chunks:     int64(le.Uint32(b[0x04:])),
		sectorSize: int(le.Uint32(b[0x0c:])),
	}
	spc := int64(le.Uint32(b[0x08:]))
	switch {
	case g.sectorSize < 1 || g.sectorSize > 1<<16:
		return nil, corrupt("bytes per sector", g.sectorSize)
	case spc < 1 || spc*int64(g.sectorSize) > maxChunkSize:
		return nil, corrupt("sectors per chunk", spc)
	case sectors < 0 || sectors > (1<<62)/int64(g.sectorSize):
		return nil, corrupt("number of sectors", sectors)
	}
	g.chunkSize = spc * int64(g.sectorSize)
	g.size = sectors * int64(g.sectorSize)
	if need := (g.size + g.chunkSize - 1) / g.chunkSize; g.chunks < need {
		return nil, corrupt("number of chunks", fmt.Sprintf("%d, need %d for %d sectors", g.chunks, need, sectors))
	}
	return g, nil
}

// readTableHeader decodes the 24-byte header of the table whose section
// body is at off (n bytes).
func (im *Image) readTableHeader(i int, off, n int64) (table, error) {
	s := im.segs[i]
	var h [tableHeaderLen]byte
	if n < tableHeaderLen {
		return table{}, &CorruptError{Segment: s.Name, Offset: off, Field: "table section size", Value: n}
	}
	if err := readFull(s, h[:], off); err != nil {
		return table{}, err
	}
	if sum, want := adler32.Checksum(h[:20]), le.Uint32(h[20:]); sum != want {
		return table{}, &CorruptError{Segment: s.Name, Offset: off, Field: "table header checksum", Value: fmt.Sprintf("%#08x (computed %#08x)", want, sum)}
	}
	count := int64(le.Uint32(h[0:]))
	base := int64(le.Uint64(h[8:]))
	if count*4 > n-tableHeaderLen || base < 0 || base > s.Size {
		return table{}, &CorruptError{Segment: s.Name, Offset: off, Field: "table entries", Value: fmt.Sprintf("%d entries from base %#x", count, base)}
	}
	return table{seg: i, entries: off + tableHeaderLen, count: count, base: base}, nil
}

// Size returns the size of the media in bytes.
func (im *Image) Size() int64 { return im.size }

// SectorSize returns the media's bytes per sector.
func (im *Image) SectorSize() int { return im.sectorSize }

// ChunkSize returns the size of a chunk, the unit of compression.
func (im *Image) ChunkSize() int64 { return im.chunkSize }

// Segments returns the names of the segment files, in order.
func (im *Image) Segments() []string {
	var n []string
	for _, s := range im.segs {
		n = append(n, s.Name)
	}
	return n
}

// Close closes the segment files Open opened.
func (im *Image) Close() error {
	var first error
	for _, c := range im.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	im.closers = nil
	return first
}

// ReadAt reads media bytes. A read reaching the end of the media returns
// the bytes before it and io.EOF.
func (im *Image) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("ewf: read at negative offset %d", off)
	}
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		if pos >= im.size {
			return done, io.EOF
		}
		c := pos / im.chunkSize
		in := pos - c*im.chunkSize
		clen := min(im.chunkSize, im.size-c*im.chunkSize)
		want := min(int64(len(p)-done), clen-in)
		if in == 0 && want == clen {
			if err := im.readChunk(c, p[done:done+int(clen)]); err != nil {
				return done, err
			}
		} else {
			data, err := im.cachedChunk(c, clen)
			if err != nil {
				return done, err
			}
			copy(p[done:], data[in:in+want])
		}
		done += int(want)
	}
	return done, nil
}

// cachedChunk returns chunk c (clen bytes) from the cache, reading it on a
// miss. The returned slice must not be changed.
func (im *Image) cachedChunk(c, clen int64) ([]byte, error) {
	im.mu.Lock()
	for k, e := range im.chunkLRU {
		if e.n == c {
			im.chunkLRU = append(append(im.chunkLRU[:k:k], im.chunkLRU[k+1:]...), e)
			im.mu.Unlock()
			return e.data, nil
		}
	}
	im.mu.Unlock()
	buf := make([]byte, clen)
	if err := im.readChunk(c, buf); err != nil {
		return nil, err
	}
	im.mu.Lock()
	if len(im.chunkLRU) >= cachedChunks {
		im.chunkLRU = append(im.chunkLRU[:0], im.chunkLRU[1:]...)
	}
	im.chunkLRU = append(im.chunkLRU, cachedChunk{c, buf})
	im.mu.Unlock()
	return buf, nil
}

// findTable returns the index of the table holding chunk c.
func (im *Image) findTable(c int64) int {
	lo, hi := 0, len(im.tables)
	for lo < hi {
		m := (lo + hi) / 2
		if im.tables[m].first+im.tables[m].count <= c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// entries returns the decoded entries of table k, checked against their
// Adler-32 (falling back to the table2 copy).
func (im *Image) entries(k int) ([]uint32, error) {
	im.mu.Lock()
	for _, e := range im.tableLRU {
		if e.n == k {
			im.mu.Unlock()
			return e.entries, nil
		}
	}
	im.mu.Unlock()
	t := im.tables[k]
	s := im.segs[t.seg]
	load := func(off int64) ([]uint32, error) {
		b := make([]byte, t.count*4+4)
		if err := readFull(s, b, off); err != nil {
			return nil, err
		}
		if sum, want := adler32.Checksum(b[:t.count*4]), le.Uint32(b[t.count*4:]); sum != want {
			return nil, &CorruptError{Segment: s.Name, Offset: off, Field: "table entries checksum", Value: fmt.Sprintf("%#08x (computed %#08x)", want, sum)}
		}
		e := make([]uint32, t.count)
		for j := range e {
			e[j] = le.Uint32(b[4*j:])
		}
		return e, nil
	}
	e, err := load(t.entries)
	if err != nil && t.alt != 0 {
		var err2 error
		if e, err2 = load(t.alt); err2 == nil {
			err = nil
		}
	}
	if err != nil {
		return nil, err
	}
	im.mu.Lock()
	if len(im.tableLRU) >= cachedTables {
		im.tableLRU = append(im.tableLRU[:0], im.tableLRU[1:]...)
	}
	im.tableLRU = append(im.tableLRU, cachedTable{k, e})
	im.mu.Unlock()
	return e, nil
}

// readChunk decodes chunk c into buf, whose length is the chunk's (shorter
// for the media's last chunk).
func (im *Image) readChunk(c int64, buf []byte) error {
	k := im.findTable(c)
	if k >= len(im.tables) {
		return fmt.Errorf("ewf: chunk %d: not in any table", c)
	}
	t := im.tables[k]
	es, err := im.entries(k)
	if err != nil {
		return err
	}
	s := im.segs[t.seg]
	j := c - t.first
	start := t.base + int64(es[j]&0x7fffffff)
	compressed := es[j]&0x80000000 != 0
	var end int64
	if j+1 < t.count {
		end = t.base + int64(es[j+1]&0x7fffffff)
	} else {
		// The last chunk of a table ends where the next section starts.
		offs := im.sections[t.seg]
		k := sort.Search(len(offs), func(k int) bool { return offs[k] > start })
		end = s.Size
		if k < len(offs) {
			end = offs[k]
		}
	}
	if end < start {
		return &CorruptError{Segment: s.Name, Offset: start, Field: fmt.Sprintf("chunk %d: offset after the next chunk's", c), Value: end}
	}
	corrupt := func(field string, v any) error {
		return &CorruptError{Segment: s.Name, Offset: start, Field: fmt.Sprintf("chunk %d: %s", c, field), Value: v}
	}
	stored := end - start
	clen := int64(len(buf))
	if !compressed {
		if stored < clen+4 {
			return corrupt("stored size", fmt.Sprintf("%d bytes, want %d", stored, clen+4))
		}
		b := make([]byte, 4)
		if err := readFull(s, buf, start); err != nil {
			return err
		}
		if err := readFull(s, b, start+clen); err != nil {
			return err
		}
		if sum, want := adler32.Checksum(buf), le.Uint32(b); sum != want {
			return corrupt("checksum", fmt.Sprintf("%#08x (computed %#08x)", want, sum))
		}
		return nil
	}
	// zlib adds at most a few bytes per 16 KiB block to incompressible data.
	if stored < 8 || stored > im.chunkSize+im.chunkSize/16+1024 {
		return corrupt("compressed size", stored)
	}
	z := make([]byte, stored)
	if err := readFull(s, z, start); err != nil {
		return err
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return corrupt("zlib", err)
	}
	n, err := io.ReadFull(zr, buf)
	if err != nil {
		return corrupt("zlib", fmt.Sprintf("%d of %d bytes: %v", n, clen, err))
	}
	// Reading on to the end checks the stream's Adler-32.
	var one [1]byte
	if m, err := zr.Read(one[:]); m != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = errors.New("more data than a chunk")
		}
		return corrupt("zlib", err)
	}
	return nil
}

// readFull reads len(b) bytes of segment s at off; running past the end of
// the file is an io.ErrUnexpectedEOF naming the segment and offset.
func readFull(s Segment, b []byte, off int64) error {
	if off < 0 || off > s.Size || int64(len(b)) > s.Size-off {
		return &CorruptError{Segment: s.Name, Offset: off, Field: fmt.Sprintf("%d bytes past the end of the file (%d bytes)", len(b), s.Size), Value: nil}
	}
	n, err := s.R.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("ewf: read %d bytes at offset %#x of %s: %w", len(b), off, s.Name, err)
}
