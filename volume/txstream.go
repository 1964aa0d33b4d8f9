package volume

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ntfsedit/ntfsedit/mft"
)

// Streaming of large new data.
//
// Data of a new file or stream of streamMin bytes or more is not staged
// in memory: it is read streamChunk bytes at a time and written at once
// to clusters allocated by this transaction. Those clusters are free in
// the on-disk $Bitmap until the commit, and nothing on disk refers to
// them, so writing them early is crash-safe: a crash (or an abandoned
// transaction) before the commit leaves only free clusters changed. The
// commit syncs these writes before it writes the journal. A dry run
// streams nothing: it allocates (to size the plan) without writing, and
// reads a source only when its size is unknown (a pipe), once, to count
// its bytes.

const (
	// streamMin is the amount of data from which it is streamed.
	streamMin = directDataMin
	// streamChunk is the size of one read and one device write.
	streamChunk = 1 << 20
	// stagedDataMax bounds the new file data a transaction stages in
	// memory: once its small files have staged this much, later
	// non-resident data streams whatever its size.
	stagedDataMax = 8 << 20
)

// txStream is the streaming state of a transaction.
//
// Not an on-disk structure.
type txStream struct {
	bytes int64  // bytes written (or, in a dry run, planned) straight to clusters
	buf   []byte // the chunk buffer, reused
}

// chunkBuf returns the transaction's chunk buffer: streamChunk bytes, at
// least one cluster, a whole number of clusters.
func (tx *Tx) chunkBuf() []byte {
	if tx.stream.buf == nil {
		cs := int64(tx.v.clusterSize)
		n := (max(int64(streamChunk), cs) + cs - 1) / cs * cs
		tx.stream.buf = make([]byte, n)
	}
	return tx.stream.buf
}

// stagedData is the new file data staged in memory so far.
func (tx *Tx) stagedData() int64 { return tx.plan.DataBytes - tx.stream.bytes }

// readerSize returns the number of bytes r has left when that is known
// without reading: a regular file, or a reader that can seek.
func readerSize(r io.Reader) (int64, bool) {
	if f, ok := r.(*os.File); ok {
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return 0, false
		}
		cur, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return 0, false
		}
		return max(st.Size()-cur, 0), true
	}
	s, ok := r.(io.Seeker)
	if !ok {
		return 0, false
	}
	cur, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, false
	}
	end, err := s.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, false
	}
	if _, err := s.Seek(cur, io.SeekStart); err != nil {
		return 0, false
	}
	return max(end-cur, 0), true
}

// readUpTo reads from r into b until b is full or r ends; eof reports the
// end.
func readUpTo(r io.Reader, b []byte) (n int, eof bool, err error) {
	n, err = io.ReadFull(r, b)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return n, true, nil
	case err != nil:
		return n, false, err
	}
	return n, false, nil
}

// dataAttrFrom builds the $DATA attribute named name holding what r
// yields: resident when it fits room bytes, staged in clusters (as
// before streaming existed) when it is below streamMin and the
// transaction's staging budget allows, else streamed.
func (tx *Tx) dataAttrFrom(name []uint16, r io.Reader, room int) (mft.Attr, error) {
	a := mft.Attr{Type: mft.AttrData, Name: name}
	if r == nil {
		r = bytes.NewReader(nil) // no data
	}
	size, known := readerSize(r)
	if known && size >= streamMin {
		return a, tx.streamAttr(&a, nil, r, size)
	}
	buf := tx.chunkBuf()
	n, eof, err := readUpTo(r, buf[:streamMin])
	if err != nil {
		return a, err
	}
	if eof && (n <= room || tx.stagedData()+int64(n) < stagedDataMax) {
		a.Value = bytes.Clone(buf[:n])
		if a.Value == nil {
			a.Value = []byte{}
		}
		if n > room {
			if err := tx.writeNonResident(&a, a.Value); err != nil {
				return a, err
			}
		}
		return a, nil
	}
	if eof {
		return a, tx.streamAttr(&a, buf[:n], bytes.NewReader(nil), int64(n))
	}
	return a, tx.streamAttr(&a, buf[:n], r, -1)
}

// runCursor walks the clusters of a runlist in order, mapping them to
// device offsets.
//
// Not an on-disk structure.
type runCursor struct {
	runs []mft.Run
	i    int   // current run
	in   int64 // clusters of runs[i] already passed
}

// next returns the device cluster range for up to n clusters from the
// cursor (holes are skipped over by the caller: runs here have clusters).
func (c *runCursor) next(n int64) (lcn mft.LCN, k int64, ok bool) {
	for c.i < len(c.runs) && c.in == c.runs[c.i].Length {
		c.i, c.in = c.i+1, 0
	}
	if c.i == len(c.runs) {
		return 0, 0, false
	}
	r := c.runs[c.i]
	k = min(n, r.Length-c.in)
	lcn = r.Start + mft.LCN(c.in)
	c.in += k
	return lcn, k, true
}

// writeClusters writes p (whole clusters) at the cursor's clusters.
func (tx *Tx) writeClusters(c *runCursor, p []byte) error {
	cs := int64(tx.v.clusterSize)
	for len(p) > 0 {
		lcn, k, ok := c.next(int64(len(p)) / cs)
		if !ok {
			return fmt.Errorf("volume: stream: %d bytes past the clusters allocated", len(p))
		}
		if err := tx.writeDirect(p[:k*cs], int64(lcn)*cs); err != nil {
			return err
		}
		p = p[k*cs:]
	}
	return nil
}

// writeDirect writes new file data straight to the device, at clusters
// this transaction allocated (free on disk until the commit). Staged pages
// that share a page with them get the same bytes, so the commit does not
// write older ones over them. A dry run writes nothing.
func (tx *Tx) writeDirect(p []byte, off int64) error {
	if tx.dryRun {
		return nil
	}
	ov := tx.v.ov
	if _, err := ov.base.WriteAt(p, off); err != nil {
		return fmt.Errorf("volume: write new file data at %#x (only clusters free on disk were written; the volume is unchanged): %w", off, err)
	}
	ov.patch(p, off)
	tx.v.cache.Invalidate(off, int64(len(p)))
	return nil
}

// patch copies p into the staged pages that overlap [off, off+len(p)).
func (o *overlay) patch(p []byte, off int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.pages) == 0 || len(p) == 0 {
		return
	}
	end := off + int64(len(p))
	for pg := off / overlayPage; pg <= (end-1)/overlayPage; pg++ {
		b, ok := o.pages[pg]
		if !ok {
			continue
		}
		lo, hi := max(off, pg*overlayPage), min(end, pg*overlayPage+int64(len(b)))
		if lo < hi {
			copy(b[lo-pg*overlayPage:], p[lo-off:hi-off])
		}
	}
}

// streamAttr makes a non-resident a holding head and then what r yields:
// exactly size bytes (head included) when size ≥ 0, with every cluster
// allocated first (so ENOSPC comes before anything is written), else
// until r ends, allocating one chunk at a time next to the last. head
// may alias the chunk buffer.
func (tx *Tx) streamAttr(a *mft.Attr, head []byte, r io.Reader, size int64) error {
	cs := int64(tx.v.clusterSize)
	var runs []mft.Run
	if size >= 0 {
		if need := (size + cs - 1) / cs; need > 0 {
			got, err := tx.allocClusters(need, -1)
			if err != nil {
				return err
			}
			runs = got
		}
	}
	total, clusters := int64(0), int64(0)
	if tx.dryRun && size >= 0 {
		// Planned, not read: the size is known.
		total, clusters = size, (size+cs-1)/cs
	} else {
		buf := tx.chunkBuf()
		n := copy(buf, head)
		cur := runCursor{runs: runs}
		near := mft.LCN(-1)
		for {
			want := len(buf)
			if size >= 0 {
				want = int(min(int64(want), size-total))
			}
			eof := false
			if n < want {
				k, e, err := readUpTo(r, buf[n:want])
				if err != nil {
					return err
				}
				n, eof = n+k, e
			}
			if n == 0 {
				break
			}
			c := (int64(n) + cs - 1) / cs
			clear(buf[n : c*cs])
			if size < 0 {
				more, err := tx.allocClusters(c, near)
				if err != nil {
					return fmt.Errorf("%w (after %d bytes of data)", err, total)
				}
				cur.runs = appendRuns(cur.runs, more)
				last := more[len(more)-1]
				near = last.Start + mft.LCN(last.Length)
			}
			if err := tx.writeClusters(&cur, buf[:c*cs]); err != nil {
				return err
			}
			total, clusters = total+int64(n), clusters+c
			if eof || (size >= 0 && total == size) {
				break
			}
			n = 0
		}
		if size >= 0 && total < size {
			return fmt.Errorf("volume: the data ended after %d of %d bytes: %w", total, size, io.ErrUnexpectedEOF)
		}
		runs = cur.runs
	}
	if clusters == 0 {
		*a = mft.Attr{Type: a.Type, Name: a.Name, Value: []byte{}}
		return nil
	}
	tx.plan.DataBytes += clusters * cs
	tx.stream.bytes += clusters * cs
	a.NonResident, a.Value = true, nil
	a.StartVCN, a.LastVCN = 0, mft.VCN(clusters-1)
	a.CompressionUnit, a.HasCompressedSize = 0, false
	a.AllocatedSize = clusters * cs
	a.DataSize, a.InitializedSize = total, total
	a.SetRuns(runs)
	return nil
}

// syncStreamed makes the streamed data durable before the journal.
func (tx *Tx) syncStreamed() error {
	if tx.stream.bytes == 0 || tx.dryRun {
		return nil
	}
	if err := tx.v.ov.base.Sync(); err != nil {
		return fmt.Errorf("volume: sync new file data (the volume is unchanged): %w", err)
	}
	return nil
}

// extentsAt reads a sparse file's extents as one file: bytes no extent
// covers read as zeros; a later extent wins where they overlap.
//
// Not an on-disk structure.
type extentsAt []Extent

func (x extentsAt) ReadAt(p []byte, off int64) (int, error) {
	clear(p)
	end := off + int64(len(p))
	for _, e := range x {
		a, b := max(e.Off, off), min(e.Off+int64(len(e.Data)), end)
		if a < b {
			copy(p[a-off:], e.Data[a-e.Off:b-e.Off])
		}
	}
	return len(p), nil
}

// readAtFull reads exactly len(p) bytes of src at off.
func readAtFull(src io.ReaderAt, p []byte, off int64) error {
	for len(p) > 0 {
		n, err := src.ReadAt(p, off)
		p, off = p[n:], off+int64(n)
		if len(p) == 0 {
			return nil
		}
		if err == io.EOF {
			return fmt.Errorf("volume: the data ended at byte %d: %w", off, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("volume: read returned no data")
		}
	}
	return nil
}

// streamSpan writes bytes [lo, hi) of src (a whole number of clusters,
// hi clamped to size when reading) to runs, a chunk at a time.
func (tx *Tx) streamSpan(runs []mft.Run, src io.ReaderAt, lo, hi, size int64) error {
	if tx.dryRun {
		return nil
	}
	buf := tx.chunkBuf()
	cur := runCursor{runs: runs}
	for off := lo; off < hi; {
		n := min(int64(len(buf)), hi-off)
		r := max(min(n, size-off), 0)
		clear(buf[r:n])
		if err := readAtFull(src, buf[:r], off); err != nil {
			return err
		}
		if err := tx.writeClusters(&cur, buf[:n]); err != nil {
			return err
		}
		off += n
	}
	return nil
}

// CreateSparseFrom is CreateSparse with the data read from r: ranges
// [Start, End) of the file have data (read from r at the same offsets),
// the rest are holes. Large data is written in chunks, never held in
// memory.
func (tx *Tx) CreateSparseFrom(path string, size int64, r io.ReaderAt, ranges []ByteRange) error {
	return tx.createSparseFrom(path, size, r, ranges, nil)
}
