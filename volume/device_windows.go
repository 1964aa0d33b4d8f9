//go:build windows

package volume

import (
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"syscall"
)

// Device I/O control codes, from <winioctl.h>.
const (
	ioctlDiskGetDriveGeometry = 0x70000 // IOCTL_DISK_GET_DRIVE_GEOMETRY → DISK_GEOMETRY
	ioctlDiskGetLengthInfo    = 0x7405c // IOCTL_DISK_GET_LENGTH_INFO → GET_LENGTH_INFORMATION
	fsctlLockVolume           = 0x90018 // FSCTL_LOCK_VOLUME
)

// isWindowsDevicePath reports whether path names a volume or disk rather
// than a file: \\.\C:, \\.\PhysicalDrive0, \\?\Volume{…}.
func isWindowsDevicePath(path string) bool {
	if strings.HasPrefix(path, `\\.\`) {
		return true
	}
	return strings.HasPrefix(strings.ToLower(path), `\\?\volume{`) && !strings.Contains(strings.TrimSuffix(path[4:], `\`), `\`)
}

func openDevice(path string, writable bool) (Device, error) {
	if !isWindowsDevicePath(path) {
		d, err := openFile(path, writable, 0, nil)
		if err != nil {
			return nil, err
		}
		return d, nil
	}
	// A trailing backslash opens the root directory, not the volume.
	name := strings.TrimSuffix(path, `\`)
	p, err := syscall.UTF16PtrFromString(name)
	if err != nil {
		return nil, &DeviceError{Op: "open", Offset: -1, Path: path, Err: err}
	}
	access := uint32(syscall.GENERIC_READ)
	if writable {
		access |= syscall.GENERIC_WRITE
	}
	h, err := syscall.CreateFile(p, access, syscall.FILE_SHARE_READ|syscall.FILE_SHARE_WRITE, nil, syscall.OPEN_EXISTING, 0, 0)
	if err != nil {
		return nil, &DeviceError{Op: "open", Offset: -1, Path: path, Err: err}
	}
	fail := func(op string, err error) (Device, error) {
		syscall.CloseHandle(h)
		return nil, &DeviceError{Op: op, Offset: -1, Path: path, Err: err}
	}

	var length [8]byte // GET_LENGTH_INFORMATION: 0x00 LARGE_INTEGER Length
	if err := deviceIoControl(h, ioctlDiskGetLengthInfo, length[:]); err != nil {
		return fail("size", err)
	}
	size := int64(binary.LittleEndian.Uint64(length[:]))
	if size <= 0 {
		return fail("size", errors.New("device reports no length"))
	}

	// DISK_GEOMETRY: 0x00 Cylinders (8), 0x08 MediaType (4),
	// 0x0c TracksPerCylinder (4), 0x10 SectorsPerTrack (4),
	// 0x14 BytesPerSector (4).
	ss := 512
	var geom [24]byte
	if err := deviceIoControl(h, ioctlDiskGetDriveGeometry, geom[:]); err == nil {
		if n := binary.LittleEndian.Uint32(geom[0x14:]); n > 0 && n <= 1<<16 {
			ss = int(n)
		}
	}

	if writable && !strings.Contains(strings.ToLower(name), "physicaldrive") {
		// Windows refuses writes to sectors a mounted file system owns
		// unless the volume is locked; fail early with a clear error.
		if err := deviceIoControl(h, fsctlLockVolume, nil); err != nil {
			return fail("lock", err)
		}
	}

	d := &fileDevice{
		f:          os.NewFile(uintptr(h), path),
		name:       path,
		size:       size,
		sectorSize: ss,
		writable:   writable,
	}
	return d, nil
}

// deviceIoControl runs a control code without input and with out as the
// output buffer.
func deviceIoControl(h syscall.Handle, code uint32, out []byte) error {
	var ret uint32
	var p *byte
	if len(out) > 0 {
		p = &out[0]
	}
	return syscall.DeviceIoControl(h, code, nil, 0, p, uint32(len(out)), &ret, nil)
}
