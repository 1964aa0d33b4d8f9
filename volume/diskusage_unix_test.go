//go:build unix

package volume

import (
	"os"
	"syscall"
)

// diskUsage is the space a file takes on disk (its blocks), which for a
// sparse image is far less than its size.
func diskUsage(fi os.FileInfo) (int64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Blocks * 512, true
}
