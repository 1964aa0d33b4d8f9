//go:build linux || darwin || freebsd

package volume

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

// Block device queries, from the system headers:
//
//	Linux   <linux/fs.h>:     BLKGETSIZE64 = _IOR(0x12, 114, size_t), BLKSSZGET = _IO(0x12, 104)
//	macOS   <sys/disk.h>:     DKIOCGETBLOCKSIZE = _IOR('d', 24, uint32_t), DKIOCGETBLOCKCOUNT = _IOR('d', 25, uint64_t)
//	FreeBSD <sys/disk.h>:     DIOCGSECTORSIZE = _IOR('d', 128, u_int), DIOCGMEDIASIZE = _IOR('d', 129, off_t)
const (
	ioctlBLKGETSIZE64       = 0x80081272
	ioctlBLKSSZGET          = 0x1268
	ioctlDKIOCGETBLOCKSIZE  = 0x40046418
	ioctlDKIOCGETBLOCKCOUNT = 0x40086419
	ioctlDIOCGSECTORSIZE    = 0x40046480
	ioctlDIOCGMEDIASIZE     = 0x40086481
)

func openDevice(path string, writable bool) (Device, error) {
	devFlag := 0
	if writable && runtime.GOOS == "linux" {
		// On Linux, O_EXCL on a block device fails with EBUSY while
		// the device is mounted or otherwise claimed.
		devFlag = syscall.O_EXCL
	}
	d, err := openFile(path, writable, devFlag, blockGeometry)
	if err != nil {
		var de *DeviceError
		if devFlag != 0 && errors.As(err, &de) && errors.Is(de.Err, syscall.EBUSY) {
			de.Err = fmt.Errorf("%w (mounted, or open for writing elsewhere)", de.Err)
		}
		return nil, err
	}
	return d, nil
}

func ioctlPtr(f *os.File, req uintptr, arg unsafe.Pointer) error {
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg))
	if errno != 0 {
		return errno
	}
	return nil
}

// blockGeometry asks the kernel for the size in bytes and the logical sector
// size of the device open as f.
func blockGeometry(f *os.File) (size int64, sectorSize int, err error) {
	switch runtime.GOOS {
	case "linux":
		var n uint64
		var ss int32
		if err := ioctlPtr(f, ioctlBLKGETSIZE64, unsafe.Pointer(&n)); err != nil {
			return 0, 0, err
		}
		if err := ioctlPtr(f, ioctlBLKSSZGET, unsafe.Pointer(&ss)); err != nil {
			return int64(n), 0, err
		}
		return int64(n), int(ss), nil
	case "darwin":
		var count uint64
		var ss uint32
		if err := ioctlPtr(f, ioctlDKIOCGETBLOCKSIZE, unsafe.Pointer(&ss)); err != nil {
			return 0, 0, err
		}
		if err := ioctlPtr(f, ioctlDKIOCGETBLOCKCOUNT, unsafe.Pointer(&count)); err != nil {
			return 0, int(ss), err
		}
		return int64(count) * int64(ss), int(ss), nil
	case "freebsd":
		var n int64
		var ss uint32
		if err := ioctlPtr(f, ioctlDIOCGMEDIASIZE, unsafe.Pointer(&n)); err != nil {
			return 0, 0, err
		}
		if err := ioctlPtr(f, ioctlDIOCGSECTORSIZE, unsafe.Pointer(&ss)); err != nil {
			return n, 0, err
		}
		return n, int(ss), nil
	}
	return 0, 0, syscall.ENOTSUP
}
