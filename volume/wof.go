package volume

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ntfsedit/ntfsedit/internal/wof"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// WOF-compressed files (Windows 10 "compact"): an IO_REPARSE_TAG_WOF
// reparse point of the file provider names the algorithm, the unnamed
// $DATA only carries the size (sparse: zeros), and the bytes live
// compressed in the "WofCompressedData" stream (layout in internal/wof).
// File.Stream("") reads through the compression; File.RawStream("") reads
// what is stored.

// WOFStreamName is the alternate data stream holding a WOF-compressed
// file's data.
const WOFStreamName = "WofCompressedData"

// wofData is an io.ReaderAt over the decompressed data of a WOF file,
// decoding one chunk per read (the last one is kept for sequential reads).
// Safe for concurrent use. Not an on-disk structure.
type wofData struct {
	what      string
	alg       reparse.WOFAlgorithm
	size      int64 // uncompressed: the unnamed $DATA's data size
	chunkSize int
	comp      *Stream // WofCompressedData

	tableOnce sync.Once
	bounds    []int64 // stream offset of each chunk, then the stream size
	tableErr  error

	mu        sync.Mutex
	lastChunk int64
	lastData  []byte
}

var _ io.ReaderAt = (*wofData)(nil)

// RawStream returns the $DATA stream of the given name as stored: for a
// WOF-compressed file's unnamed stream, the placeholder (zeros) rather
// than the decompressed bytes Stream returns.
func (f *File) RawStream(name string) (*Stream, error) {
	var n []uint16
	if name != "" {
		n = mft.NameUnits(name)
	}
	return f.AttrStream(mft.AttrData, n)
}

// WOF returns the WOF information of a file compressed by the WOF file
// provider; nil without error for any other file.
func (f *File) WOF() (*reparse.WOF, error) {
	if f.Attr(mft.AttrReparsePoint, nil) == nil {
		return nil, nil
	}
	p, err := f.Reparse()
	if err != nil || p == nil || p.Tag != reparse.TagWOF {
		return nil, err
	}
	w, err := p.WOF()
	if err != nil {
		return nil, &RecordError{Record: f.num, Err: fmt.Errorf("WOF reparse data: %w", err)}
	}
	if w.Provider != reparse.WOFProviderFile {
		return nil, nil // WIMBoot: the data is in a WIM file elsewhere
	}
	return &w, nil
}

// wofStream makes s, the unnamed $DATA stream, read the decompressed data
// when f is a WOF-compressed file.
func (f *File) wofStream(s *Stream) (*Stream, error) {
	w, err := f.WOF()
	if err != nil || w == nil {
		return s, err
	}
	cs, err := wof.ChunkSize(w.Algorithm)
	if err != nil {
		return nil, &RecordError{Record: f.num, Err: err}
	}
	comp, err := f.RawStream(WOFStreamName)
	if errors.Is(err, ErrNoAttr) {
		// Not ErrNoAttr: the file has data, just not where it should be.
		return nil, &RecordError{Record: f.num, Err: fmt.Errorf("WOF-compressed (%v) file without a %s stream", w.Algorithm, WOFStreamName)}
	}
	if err != nil {
		return nil, err
	}
	s.wof = &wofData{
		what:      fmt.Sprintf("record %d %s (%v)", f.num, WOFStreamName, w.Algorithm),
		alg:       w.Algorithm,
		size:      s.size,
		chunkSize: cs,
		comp:      comp,
		lastChunk: -1,
	}
	return s, nil
}

// WOF reports the algorithm when the stream reads a WOF-compressed file's
// decompressed data.
func (s *Stream) WOF() (reparse.WOFAlgorithm, bool) {
	if s.wof == nil {
		return 0, false
	}
	return s.wof.alg, true
}

// table reads and checks the chunk table once.
func (w *wofData) table() ([]int64, error) {
	w.tableOnce.Do(func() {
		ts := wof.TableSize(w.size, w.chunkSize)
		if ts > w.comp.Size() {
			w.tableErr = fmt.Errorf("volume: %s: %d-byte chunk table for %d bytes is longer than the %d-byte stream", w.what, ts, w.size, w.comp.Size())
			return
		}
		b := make([]byte, ts)
		if err := w.comp.readFull(b, 0); err != nil {
			w.tableErr = fmt.Errorf("volume: %s: chunk table: %w", w.what, err)
			return
		}
		w.bounds, w.tableErr = wof.DecodeChunkTable(b, w.size, w.chunkSize, w.comp.Size())
		if w.tableErr != nil {
			w.tableErr = fmt.Errorf("volume: %s: %w", w.what, w.tableErr)
		}
	})
	return w.bounds, w.tableErr
}

// chunk returns the decompressed bytes of chunk i.
func (w *wofData) chunk(i int64) ([]byte, error) {
	w.mu.Lock()
	if w.lastChunk == i {
		data := w.lastData
		w.mu.Unlock()
		return data, nil
	}
	w.mu.Unlock()
	bounds, err := w.table()
	if err != nil {
		return nil, err
	}
	lo, hi := bounds[i], bounds[i+1]
	src := make([]byte, hi-lo)
	if err := w.comp.readFull(src, lo); err != nil {
		return nil, fmt.Errorf("volume: %s: chunk %d: %w", w.what, i, err)
	}
	data := make([]byte, min(int64(w.chunkSize), w.size-i*int64(w.chunkSize)))
	if err := wof.DecompressChunk(w.alg, data, src); err != nil {
		return nil, fmt.Errorf("volume: %s: chunk %d (stream offset %#x, %d bytes): %w", w.what, i, lo, hi-lo, err)
	}
	w.mu.Lock()
	w.lastChunk, w.lastData = i, data
	w.mu.Unlock()
	return data, nil
}

// ReadAt implements io.ReaderAt over the decompressed data.
func (w *wofData) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("volume: %s: negative offset", w.what)
	}
	if off >= w.size {
		return 0, io.EOF
	}
	want := len(p)
	if rem := w.size - off; int64(len(p)) > rem {
		p = p[:rem]
	}
	n := 0
	cs := int64(w.chunkSize)
	for n < len(p) {
		i := (off + int64(n)) / cs
		data, err := w.chunk(i)
		if err != nil {
			return n, err
		}
		n += copy(p[n:], data[off+int64(n)-i*cs:])
	}
	if n < want {
		return n, io.EOF
	}
	return n, nil
}
