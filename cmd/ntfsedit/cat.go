package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	var stream string
	var raw, force bool
	register(&command{
		name:  "cat",
		usage: "PATH",
		short: "Copy the bytes of a file's unnamed $DATA stream, or of an alternate data stream, to standard output.\nPATH may be FILE:STREAM (Windows style) when no file has that literal name.\nWOF-compressed files (Windows 10 compact) are decompressed; --raw copies what is stored.",
		setup: func(fs *flag.FlagSet, o *opts) {
			fs.StringVar(&stream, "stream", "", "read the named alternate data stream instead of the unnamed one")
			fs.BoolVar(&raw, "raw", false, "copy a WOF-compressed file's unnamed stream as stored (zeros) instead of decompressing WofCompressedData")
			fs.BoolVar(&force, "force", false, "read a deleted file (#N) even when $Bitmap says some of its clusters were reused")
		},
		run: func(e *env, o *opts, args []string) error {
			return runCat(e, o, args[0], stream, raw, force)
		},
		minArgs: 1, maxArgs: 1,
	})
}

// catBuffer is the size of the copies from the volume to standard output.
const catBuffer = 1 << 20

func runCat(e *env, o *opts, path, stream string, raw, force bool) error {
	v, err := openVolume(o)
	if err != nil {
		return err
	}
	defer v.Close()
	f, err := v.Lookup(path)
	if err != nil && stream == "" && errors.Is(err, fs.ErrNotExist) {
		// FILE:STREAM, when no file has the literal name.
		if file, ads, ok := splitStream(path); ok {
			if g, err2 := v.Lookup(file); err2 == nil {
				f, err, path, stream = g, nil, file, ads
			}
		}
	}
	if err != nil {
		return err
	}
	shown := displayPath(v, path, f)
	if stream == "" && f.IsDir() {
		return fmt.Errorf("%s: is a directory", shown)
	}
	open := f.Stream
	if raw {
		open = f.RawStream
	}
	s, err := open(stream)
	if errors.Is(err, volume.ErrNoAttr) {
		if stream != "" {
			return fmt.Errorf("%s: no stream %q", shown, stream)
		}
		return nil // a file without unnamed $DATA (a reparse point, say) has no bytes
	}
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	if !f.InUse() {
		if err := checkDeletedClusters(e, v, shown, s, force); err != nil {
			return err
		}
	}
	buf := make([]byte, min(catBuffer, max(s.Size(), 1)))
	if _, err := io.CopyBuffer(e.stdout, io.NewSectionReader(s, 0, s.Size()), buf); err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	return nil
}

// splitStream splits "dir/file:stream" at the last colon of the last path
// component.
func splitStream(p string) (file, stream string, ok bool) {
	slash := strings.LastIndexByte(p, '/')
	i := strings.LastIndexByte(p, ':')
	if i <= slash+1 || i == len(p)-1 {
		return "", "", false
	}
	return p[:i], p[i+1:], true
}
