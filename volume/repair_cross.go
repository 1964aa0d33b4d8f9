package volume

import (
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
)

// unshareClusters gives record n's attributes fresh copies of the clusters
// [lcn, lcn+count) they share with another file, as chkdsk does for
// cross-linked clusters: the bytes are copied into newly allocated
// clusters and the runs of n point there. It reports whether anything
// moved (false when n no longer claims those clusters).
func (tx *Tx) unshareClusters(n mft.RecordNumber, lcn, count int64) (bool, error) {
	fe, err := tx.editFile(n)
	if err != nil {
		return false, err
	}
	cs := int64(tx.v.clusterSize)
	moved := false
	for _, r := range fe.recs {
		for i := range r.rec.Attrs {
			a := &r.rec.Attrs[i]
			if !a.NonResident {
				continue
			}
			var out []mft.Run
			changed := false
			for _, run := range a.Runs {
				lo, hi := int64(run.Start), int64(run.Start)+run.Length
				s, e := max(lo, lcn), min(hi, lcn+count)
				if run.Sparse || s >= e {
					out = append(out, run)
					continue
				}
				if s > lo {
					out = append(out, mft.Run{Start: run.Start, Length: s - lo})
				}
				fresh, err := tx.allocClusters(e-s, -1)
				if err != nil {
					return false, err
				}
				buf := make([]byte, (e-s)*cs)
				if err := tx.v.readDev(buf, s*cs); err != nil {
					return false, err
				}
				if err := tx.writeRuns(fresh, buf); err != nil {
					return false, err
				}
				out = append(out, fresh...)
				if e < hi {
					out = append(out, mft.Run{Start: mft.LCN(e), Length: hi - e})
				}
				changed = true
			}
			if !changed {
				continue
			}
			a.SetRuns(out)
			if err := a.Layout(); err != nil {
				return false, fmt.Errorf("volume: record %d: %w", n, err)
			}
			r.dirty = true
			moved = true
		}
	}
	if !moved {
		return false, nil
	}
	return true, fe.save()
}
