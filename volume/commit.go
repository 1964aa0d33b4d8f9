package volume

import (
	"cmp"
	"fmt"
	"hash/crc32"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/ntfsedit/ntfsedit/mft"
)

// commit makes the staged writes durable:
//
//  1. large new file data straight to its fresh clusters, synced (nothing
//     refers to it yet);
//  2. the CRCs of the other staged pages that lie in clusters free before
//     the transaction (new INDX blocks, records of a grown $MFT), for the
//     journal's checks;
//  3. in parallel: those pages are written straight to their clusters
//     and synced; the changed bytes of the rest (marked as they were
//     staged, see commit_diff.go) are written to the journal, which is
//     synced; the in-place phases are planned (writePhases);
//  4. only when all three are done, the phases in place, synced after
//     each; then the journal is removed.
//
// A crash before the journal is complete leaves the volume as it was but
// for clusters that were free (and are still free in its $Bitmap). A
// crash after it replays the journal, unless a check fails: then the
// writes of step 2 were not all durable, so step 4 never began, and the
// journal is discarded.
func (v *Volume) commit(tx *Tx) error {
	exts := v.ov.extents()
	if len(exts) == 0 {
		return nil
	}
	base := v.ov.base
	if err := tx.syncStreamed(); err != nil {
		v.rollback()
		return err
	}
	if direct, rest := splitFresh(exts, tx.freshRanges); len(direct) > 0 {
		for _, e := range direct {
			if _, err := base.WriteAt(e.Data, e.Off); err != nil {
				v.rollback()
				return fmt.Errorf("volume: write new file data (nothing refers to it yet, the volume is unchanged): %w", err)
			}
		}
		if err := base.Sync(); err != nil {
			v.rollback()
			return fmt.Errorf("volume: sync new file data (the volume is unchanged): %w", err)
		}
		exts = rest
	}
	free, exts, err := tx.splitFreeBefore(exts)
	if err != nil {
		v.rollback()
		return err
	}
	if err := v.resetLogFile(); err != nil {
		v.rollback()
		return err
	}
	h := journalHeader{Serial: v.boot.Serial, Offset: v.info.Offset, Size: base.Size()}
	h.Checks = journalChecks(free)

	// The pages in free clusters are written and synced while the journal
	// is: both must be durable before the first write in place, and a
	// journal whose checks fail after a crash is discarded.
	var wg sync.WaitGroup
	var freeErr, journalErr error
	if len(free) > 0 {
		wg.Go(func() {
			wb := newWriteback(base)
			for _, e := range free {
				if _, err := base.WriteAt(e.Data, e.Off); err != nil {
					freeErr = fmt.Errorf("volume: write new blocks to free clusters (the volume is unchanged): %w", err)
					return
				}
				wb.wrote(e.Off, int64(len(e.Data)))
			}
			if err := base.Sync(); err != nil {
				freeErr = fmt.Errorf("volume: sync new blocks in free clusters (the volume is unchanged): %w", err)
			}
		})
	}
	wg.Go(func() {
		journalErr = v.putJournalSeq(h, v.ov.changedSeq(exts))
	})
	// The journal is the longest of the three: it starts first (else it
	// waits for a core until the planning below is done).
	runtime.Gosched()
	phases, err := tx.writePhases(exts)
	wg.Wait()
	switch {
	case freeErr != nil:
		err = freeErr
	case journalErr != nil:
		err = fmt.Errorf("volume: write journal (nothing changed on the volume): %w", journalErr)
	}
	if err != nil {
		v.journal.Remove()
		v.rollback()
		return err
	}
	for _, ph := range phases {
		if len(ph) == 0 {
			continue
		}
		wb := newWriteback(base)
		for _, e := range ph {
			if _, err := base.WriteAt(e.Data, e.Off); err != nil {
				v.broken = err
				return fmt.Errorf("%w: %s kept: %v", ErrBroken, v.journal, err)
			}
			wb.wrote(e.Off, int64(len(e.Data)))
		}
		if err := base.Sync(); err != nil {
			v.broken = err
			return fmt.Errorf("%w: %s kept: %v", ErrBroken, v.journal, err)
		}
	}
	v.ov.discard()
	if err := v.journal.Remove(); err != nil {
		return fmt.Errorf("volume: committed, but %v (the next open replays it harmlessly)", err)
	}
	return nil
}

// maxCheck is the most bytes one journal check covers.
const maxCheck = 1 << 30

// journalChecks returns the checks of the extents written outside the
// journal (in device order; neighbours merged).
func journalChecks(exts []stagedExtent) []journalCheck {
	var out []journalCheck
	for _, e := range exts {
		for b, off := e.Data, e.Off; len(b) > 0; {
			n := len(b)
			if k := len(out); k > 0 && out[k-1].Off+int64(out[k-1].Len) == off && int64(out[k-1].Len)+int64(n) <= maxCheck {
				out[k-1].Len += uint32(n)
				out[k-1].CRC = crc32.Update(out[k-1].CRC, castagnoli, b)
				break
			}
			n = min(n, maxCheck)
			out = append(out, journalCheck{Off: off, Len: uint32(n), CRC: crc32.Checksum(b[:n], castagnoli)})
			b, off = b[n:], off+int64(n)
		}
	}
	return out
}

// splitFreeBefore separates the staged pages that lie wholly in clusters
// this transaction allocated and that its volume's $Bitmap (on the device,
// as before the transaction) marks free, from the rest. Nothing on disk
// refers to such a page before the commit's in-place writes, so writing
// it first, outside the journal, changes nothing a reader sees.
func (tx *Tx) splitFreeBefore(exts []stagedExtent) (free, rest []stagedExtent, err error) {
	ranges, err := tx.freeBeforeRanges()
	if err != nil || len(ranges) == 0 {
		return nil, exts, err
	}
	rest = make([]stagedExtent, 0, len(exts))
	r := 0
	// inFree reports whether bytes [off, end) lie in one free range.
	inFree := func(off, end int64) bool {
		for r < len(ranges) && ranges[r].off+ranges[r].n <= off {
			r++
		}
		return r < len(ranges) && ranges[r].off <= off && end <= ranges[r].off+ranges[r].n
	}
	for _, e := range exts {
		n := int64(len(e.Data))
		// Runs of pages going the same way, as slices of e.
		for i := int64(0); i < n; {
			f := inFree(e.Off+i, e.Off+min(i+overlayPage, n))
			j := i + overlayPage
			for j < n && inFree(e.Off+j, e.Off+min(j+overlayPage, n)) == f {
				j += overlayPage
			}
			j = min(j, n)
			x := stagedExtent{Off: e.Off + i, Data: e.Data[i:j:j]}
			if f {
				free = append(free, x)
			} else {
				rest = append(rest, x)
			}
			i = j
		}
	}
	return free, rest, nil
}

// freeBeforeRanges returns the device ranges of the clusters this
// transaction allocated that the $Bitmap on the device marks free, in
// device order, neighbours merged.
func (tx *Tx) freeBeforeRanges() ([]devRange, error) {
	if len(tx.fresh) == 0 || tx.cbm == nil {
		return nil, nil
	}
	runs := slices.Clone(tx.fresh)
	slices.SortFunc(runs, func(a, b mft.Run) int { return cmp.Compare(a.Start, b.Start) })
	cs := int64(tx.v.clusterSize)
	var out []devRange
	var bits []byte
	for _, r := range runs {
		if r.Sparse || r.Length <= 0 || r.Start < 0 || int64(r.Start)+r.Length > tx.cbm.limit {
			continue
		}
		first, last := int64(r.Start), int64(r.Start)+r.Length-1
		lo, hi := first/8, last/8+1
		ds, err := tx.cbm.s.deviceRanges(lo, hi-lo)
		if err != nil {
			return nil, fmt.Errorf("volume: %s: %w", tx.cbm.name, err)
		}
		bits = slices.Grow(bits[:0], int(hi-lo))[:hi-lo]
		at := 0
		for _, d := range ds {
			if _, err := tx.v.ov.base.ReadAt(bits[at:at+int(d.n)], d.off); err != nil {
				return nil, fmt.Errorf("volume: read %s: %w", tx.cbm.name, err)
			}
			at += int(d.n)
		}
		// Runs of clusters clear in the bitmap before.
		for c := first; c <= last; {
			if bits[c/8-lo]&(1<<(c%8)) != 0 {
				c++
				continue
			}
			d := c
			for d <= last && bits[d/8-lo]&(1<<(d%8)) == 0 {
				d++
			}
			off, n := c*cs, (d-c)*cs
			if k := len(out); k > 0 && out[k-1].off+out[k-1].n >= off {
				out[k-1].n = max(out[k-1].n, off+n-out[k-1].off)
			} else {
				out = append(out, devRange{off, n})
			}
			c = d
		}
	}
	return out, nil
}

// writebackChunk is how many bytes a commit writes between two
// startWriteback hints.
const writebackChunk = 1 << 20

// writeback gives a startWriteback hint (start) for every writebackChunk
// bytes written, in device order.
type writeback struct {
	start  func(off, n int64)
	lo, hi int64 // written since the last hint
}

func newWriteback(d Device) *writeback {
	return &writeback{start: func(off, n int64) { startWriteback(d, off, n) }}
}

func (w *writeback) wrote(off, n int64) {
	if w.hi == w.lo {
		w.lo, w.hi = off, off
	}
	w.hi = max(w.hi, off+n)
	if w.hi-w.lo >= writebackChunk {
		w.start(w.lo, w.hi-w.lo)
		w.lo = w.hi
	}
}

// writebackWriter gives fileWriteback hints for a file written in order
// through it.
type writebackWriter struct {
	f          *os.File
	off, since int64
}

func (w *writebackWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.since >= writebackChunk {
		fileWriteback(w.f, w.since, w.off-w.since)
		w.since = w.off
	}
	return n, err
}
