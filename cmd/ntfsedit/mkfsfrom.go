package main

import (
	"fmt"
	"os"
	"time"

	"github.com/ntfsedit/ntfsedit/volume"
)

// populateFrom copies the host directory dir into the volume just made
// in image, in one transaction (mkfs --from). With reproducible the
// writer's clock is fixed (the root directory's times) and creation and
// change times are the files' modification times, so the same tree with
// the same modification times gives the same image.
func populateFrom(image, dir string, reproducible bool) error {
	w := volume.WriteOptions{}
	opts := volume.PopulateOptions{}
	if reproducible {
		// The formatter's fixed time for --reproducible.
		w.Now = func() time.Time { return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) }
		opts.HostTimesOnly = true
	}
	v, err := volume.OpenWritable(image, volume.Options{}, w)
	if err != nil {
		return fmt.Errorf("--from %s: %w", dir, err)
	}
	err = v.Update(func(tx *volume.Tx) error { return tx.Populate(dir, "/", opts) })
	if cerr := v.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("--from %s: %w (the volume is formatted but empty)", dir, err)
	}
	return nil
}

// checkFromDir refuses a --from that is not a directory before anything
// is formatted.
func checkFromDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("--from: %s is not a directory", dir)
	}
	return nil
}
