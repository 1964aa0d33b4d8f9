//go:build !linux

package volume

import (
	"io/fs"
	"os"
)

// hostStat: without Linux's stat fields there is no hard-link detection,
// and creation is the modification time.
func hostStat(p string, fi fs.FileInfo) hostMeta {
	return hostMeta{nlink: 1, times: Times{Created: fi.ModTime(), Modified: fi.ModTime()}}
}

// hostRanges: the whole file is data (no hole detection here).
func hostRanges(f *os.File, size int64) ([]ByteRange, error) {
	if size == 0 {
		return nil, nil
	}
	return []ByteRange{{0, size}}, nil
}

// hostStreams: extended attributes are read on Linux only.
func hostStreams(p string) (map[string][]byte, error) { return nil, nil }
