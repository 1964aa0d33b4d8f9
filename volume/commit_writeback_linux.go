//go:build linux && !arm

package volume

import (
	"os"
	"syscall"
)

// syncFileRangeWrite is SYNC_FILE_RANGE_WRITE: start writing back the
// dirty pages of the range, without waiting.
const syncFileRangeWrite = 2

// startWriteback asks the kernel to start writing bytes [off, off+n) of d
// back to its disk now, so that the Sync to come waits less. A hint: it
// reaches the file under d through the devices of this package (and any
// that has an Unwrap() Device method), and errors are ignored.
func startWriteback(d Device, off, n int64) {
	if f, at, ok := writebackFile(d, off); ok && n > 0 {
		fileWriteback(f, at, n)
	}
}

// writebackFile finds the writable file under d and the offset in it of
// d's byte off.
func writebackFile(d Device, off int64) (*os.File, int64, bool) {
	for {
		switch t := d.(type) {
		case *subDevice:
			d, off = t.d, off+t.off
		case *alignedDevice:
			d = t.inner
		case *fileDevice:
			return t.f, off, t.writable
		case interface{ Unwrap() Device }:
			d = t.Unwrap()
		default:
			return nil, 0, false
		}
	}
}

// fileWriteback is startWriteback on a file.
func fileWriteback(f *os.File, off, n int64) {
	if c, err := f.SyscallConn(); err == nil {
		c.Control(func(fd uintptr) { syscall.SyncFileRange(int(fd), off, n, syncFileRangeWrite) })
	}
}
