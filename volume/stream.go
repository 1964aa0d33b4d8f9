package volume

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/ntfsedit/ntfsedit/mft"
)

// Stream reads the value of one attribute: resident bytes, or the clusters
// of a non-resident attribute (all its extents merged). Reads honour the
// initialized size (bytes past it read as zeros), sparse runs (zeros) and
// LZNT1 compression units.
//
// Not an on-disk structure.
type Stream struct {
	v        *Volume
	resident []byte
	runs     []extent // sorted by VCN, covering [0, clusters)
	size     int64    // data size
	alloc    int64
	init     int64 // initialized size
	cuShift  uint  // log2 clusters per compression unit; 0 when not compressed
	what     string
	wof      *wofData // set: reads decompress a WOF file's data (wof.go)

	mu       sync.Mutex // guards the last decompressed unit
	lastCU   int64
	lastData []byte
}

// extent is a run placed at its VCN.
type extent struct {
	vcn mft.VCN
	mft.Run
}

var _ io.ReaderAt = (*Stream)(nil)

// Size returns the data size in bytes.
func (s *Stream) Size() int64 { return s.size }

// AllocatedSize returns the allocated size in bytes (the value length for
// a resident attribute).
func (s *Stream) AllocatedSize() int64 { return s.alloc }

// Resident reports whether the value is stored in the MFT record.
func (s *Stream) Resident() bool { return s.resident != nil }

// Compressed reports whether the stream uses LZNT1 compression units.
func (s *Stream) Compressed() bool { return s.cuShift != 0 }

// Sparse reports whether any run of the stream is a hole.
func (s *Stream) Sparse() bool {
	for _, e := range s.runs {
		if e.Sparse {
			return true
		}
	}
	return false
}

// Runs returns the runs with their starting VCNs.
func (s *Stream) Runs() []mft.Run {
	out := make([]mft.Run, len(s.runs))
	for i, e := range s.runs {
		out[i] = e.Run
	}
	return out
}

// newStream builds a stream from the extents of one attribute (the first
// holds the sizes). what names the attribute in errors.
func (v *Volume) newStream(what string, exts []*mft.Attr) (*Stream, error) {
	return v.buildStream(what, exts, true)
}

// buildStream is newStream; complete false accepts a runlist that does not
// yet cover the data size (while $MFT's own extents are being gathered).
func (v *Volume) buildStream(what string, exts []*mft.Attr, complete bool) (*Stream, error) {
	if len(exts) == 0 {
		return nil, fmt.Errorf("volume: %s: no attribute", what)
	}
	first := exts[0]
	s := &Stream{v: v, what: what}
	if !first.NonResident {
		s.resident = first.Value
		if s.resident == nil {
			s.resident = []byte{}
		}
		s.size = int64(len(first.Value))
		s.alloc = s.size
		s.init = s.size
		return s, nil
	}
	sort.SliceStable(exts, func(i, j int) bool { return exts[i].StartVCN < exts[j].StartVCN })
	first = exts[0]
	if first.StartVCN != 0 {
		return nil, fmt.Errorf("volume: %s: first extent starts at VCN %d, not 0", what, first.StartVCN)
	}
	s.size, s.alloc, s.init = first.DataSize, first.AllocatedSize, first.InitializedSize
	if s.init > s.size {
		s.init = s.size
	}
	if first.CompressionUnit != 0 && first.Flags&mft.AttrCompressionMask != 0 {
		if first.CompressionUnit > 16 {
			return nil, fmt.Errorf("volume: %s: compression unit 2^%d clusters", what, first.CompressionUnit)
		}
		s.cuShift = uint(first.CompressionUnit)
	}
	next := mft.VCN(0)
	for _, a := range exts {
		if !a.NonResident {
			return nil, fmt.Errorf("volume: %s: resident and non-resident extents mixed", what)
		}
		if a.StartVCN != next {
			return nil, fmt.Errorf("volume: %s: extent starts at VCN %d, want %d", what, a.StartVCN, next)
		}
		vcn := a.StartVCN
		for _, r := range a.Runs {
			s.runs = append(s.runs, extent{vcn, r})
			vcn += mft.VCN(r.Length)
		}
		next = a.LastVCN + 1
	}
	cs := int64(v.clusterSize)
	if need := (s.size + cs - 1) / cs; complete && int64(next) < need && s.size > 0 {
		return nil, fmt.Errorf("volume: %s: runlist covers %d clusters, data size %d needs %d", what, next, s.size, need)
	}
	for _, e := range s.runs {
		if !e.Sparse && runBeyond(e.Run, v.clusters) {
			return nil, fmt.Errorf("volume: %s: run at LCN %d (+%d clusters) beyond the volume's %d clusters", what, e.Start, e.Length, v.clusters)
		}
	}
	return s, nil
}

// ReadAt implements io.ReaderAt over the data size.
func (s *Stream) ReadAt(p []byte, off int64) (int, error) {
	if s.wof != nil {
		return s.wof.ReadAt(p, off)
	}
	if off < 0 {
		return 0, fmt.Errorf("volume: %s: negative offset", s.what)
	}
	if off >= s.size {
		return 0, io.EOF
	}
	want := len(p)
	if rem := s.size - off; int64(len(p)) > rem {
		p = p[:rem]
	}
	if s.resident != nil {
		n := copy(p, s.resident[off:])
		return s.eof(n, want)
	}
	// Bytes past the initialized size read as zeros.
	n := len(p)
	if end := off + int64(n); end > s.init {
		z := int64(0)
		if off < s.init {
			z = s.init - off
		}
		clear(p[z:])
		p = p[:z]
	}
	var err error
	if s.cuShift != 0 {
		err = s.readCompressed(p, off)
	} else {
		err = s.readPlain(p, off, s.v.readDev)
	}
	if err != nil {
		return 0, err
	}
	return s.eof(n, want)
}

func (s *Stream) eof(n, want int) (int, error) {
	if n < want {
		return n, io.EOF
	}
	return n, nil
}

// find returns the index of the extent holding vcn, or -1.
func (s *Stream) find(vcn mft.VCN) int {
	i := sort.Search(len(s.runs), func(i int) bool { return s.runs[i].vcn+mft.VCN(s.runs[i].Length) > vcn })
	if i < len(s.runs) && s.runs[i].vcn <= vcn {
		return i
	}
	return -1
}

// readPlain reads p at off of an uncompressed stream, one run at a time
// (consecutive clusters of a run in one device read).
func (s *Stream) readPlain(p []byte, off int64, read func([]byte, int64) error) error {
	cs := int64(s.v.clusterSize)
	for len(p) > 0 {
		vcn := mft.VCN(off / cs)
		i := s.find(vcn)
		if i < 0 {
			return fmt.Errorf("volume: %s: no run maps VCN %d (offset %d)", s.what, vcn, off)
		}
		e := s.runs[i]
		runEnd := (int64(e.vcn) + e.Length) * cs
		n := min(int64(len(p)), runEnd-off)
		if e.Sparse {
			clear(p[:n])
		} else {
			dev := int64(e.Start)*cs + (off - int64(e.vcn)*cs)
			if err := read(p[:n], dev); err != nil {
				return fmt.Errorf("%s: %w", s.what, err)
			}
		}
		p, off = p[n:], off+n
	}
	return nil
}

// readFull fills p at off, failing on a short read.
func (s *Stream) readFull(p []byte, off int64) error {
	n, err := s.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// readCompressed reads through compression units: a unit whose clusters are
// all allocated is stored raw; one ending in a hole holds LZNT1 data in its
// allocated clusters; one that is all hole reads as zeros.
func (s *Stream) readCompressed(p []byte, off int64) error {
	cs := int64(s.v.clusterSize)
	cuClusters := int64(1) << s.cuShift
	cuBytes := cuClusters * cs
	for len(p) > 0 {
		cu := off / cuBytes
		within := off - cu*cuBytes
		n := min(int64(len(p)), cuBytes-within)
		data, err := s.unit(cu, cuClusters)
		if err != nil {
			return err
		}
		if data == nil {
			clear(p[:n])
		} else {
			m := copy(p[:n], data[min(within, int64(len(data))):])
			clear(p[m:n])
		}
		p, off = p[n:], off+n
	}
	return nil
}

// unit returns the decompressed bytes of compression unit cu (nil for an
// all-sparse unit). The last decoded unit is kept for sequential reads.
// A Stream is safe for concurrent use.
func (s *Stream) unit(cu, cuClusters int64) ([]byte, error) {
	s.mu.Lock()
	if s.lastCU == cu && s.lastData != nil {
		data := s.lastData
		s.mu.Unlock()
		return data, nil
	}
	s.mu.Unlock()
	cs := int64(s.v.clusterSize)
	first := mft.VCN(cu * cuClusters)
	raw := make([]byte, 0, cuClusters*cs)
	allocated := int64(0)
	for vcn := first; vcn < first+mft.VCN(cuClusters); {
		i := s.find(vcn)
		if i < 0 {
			break // past the runlist: the rest is unallocated
		}
		e := s.runs[i]
		n := min(int64(e.vcn)+e.Length-int64(vcn), int64(first)+cuClusters-int64(vcn))
		if e.Sparse {
			break // a hole ends the compressed data
		}
		buf := make([]byte, n*cs)
		if err := s.v.readDev(buf, (int64(e.Start)+int64(vcn-e.vcn))*cs); err != nil {
			return nil, fmt.Errorf("%s: %w", s.what, err)
		}
		raw = append(raw, buf...)
		allocated += n
		vcn += mft.VCN(n)
	}
	var data []byte
	switch {
	case allocated == 0:
		data = nil
	case allocated == cuClusters:
		data = raw
	default:
		out, err := mft.DecompressLZNT1(make([]byte, 0, cuClusters*cs), raw)
		if err != nil {
			return nil, fmt.Errorf("volume: %s: compression unit %d (VCN %d): %w", s.what, cu, first, err)
		}
		data = out
	}
	s.mu.Lock()
	s.lastCU, s.lastData = cu, data
	s.mu.Unlock()
	return data, nil
}

// ReadAll reads the whole stream.
func (s *Stream) ReadAll() ([]byte, error) {
	if s.size > 1<<31 {
		return nil, fmt.Errorf("volume: %s: %d bytes is too large to read at once", s.what, s.size)
	}
	b := make([]byte, s.size)
	n, err := s.ReadAt(b, 0)
	if err != nil && !(errors.Is(err, io.EOF) && n == len(b)) {
		return nil, err
	}
	return b, nil
}

// Reader returns an io.Reader over the stream from the start.
func (s *Stream) Reader() io.Reader { return io.NewSectionReader(s, 0, s.size) }

// runBeyond reports whether run r (not sparse) reaches outside a volume of
// clusters clusters. It never overflows: a start near the top of int64 plus
// a length must not wrap around to a small number and pass.
func runBeyond(r mft.Run, clusters int64) bool {
	return r.Start < 0 || int64(r.Start) > clusters || r.Length < 0 || r.Length > clusters-int64(r.Start)
}
