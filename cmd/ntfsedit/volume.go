package main

import (
	"encoding/json"
	"io"
	"runtime/debug"

	"github.com/ntfsedit/ntfsedit/volume"
)

// openVolume opens the verb's IMAGE (or --mft-file) read-only.
func openVolume(o *opts) (*volume.Volume, error) {
	if o.mftFile != "" {
		return volume.OpenMFTFile(o.mftFile)
	}
	return volume.Open(o.image, volume.Options{Offset: o.offset})
}

// jsonLine writes v as one line of JSON.
func jsonLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
