// Package crashcheck holds checks that tests of the writer's crash
// safety share.
package crashcheck

import (
	"bytes"
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// FreeOnlyDiff returns nil when img differs from before only in bytes of
// clusters that before's $Bitmap marks free (data streamed ahead of a
// commit, or blocks a commit writes to clusters it allocated, outside its
// journal, before a crash stopped it); otherwise it names the first byte
// that differs elsewhere.
func FreeOnlyDiff(before, img []byte) error {
	if len(before) != len(img) {
		return fmt.Errorf("sizes differ: %d and %d bytes", len(before), len(img))
	}
	v, err := volume.OpenOn(volume.NewMemDevice(bytes.Clone(before), 512), volume.Options{})
	if err != nil {
		return err
	}
	defer v.Close()
	f, err := v.File(mft.RecordBitmap)
	if err != nil {
		return err
	}
	s, err := f.Stream("")
	if err != nil {
		return err
	}
	bm, err := s.ReadAll()
	if err != nil {
		return err
	}
	cs := int64(v.ClusterSize())
	for i := range before {
		if before[i] == img[i] {
			continue
		}
		c := int64(i) / cs
		if c >= v.Info().Clusters || c/8 >= int64(len(bm)) || bm[c/8]&(1<<(c%8)) != 0 {
			return fmt.Errorf("byte %#x (cluster %d, not free before) differs", i, c)
		}
	}
	return nil
}
