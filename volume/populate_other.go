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

// readHostExtents reads the file whole (no hole detection here).
func readHostExtents(p string) (int64, []Extent, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, nil, err
	}
	ext, err := wholeFile(f, fi.Size())
	return fi.Size(), ext, err
}

// hostStreams: extended attributes are read on Linux only.
func hostStreams(p string) (map[string][]byte, error) { return nil, nil }
