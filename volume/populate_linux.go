package volume

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// hostStat reads what Populate keeps of a host file: device and inode
// (hard links), link count and times, the creation time from statx's
// birth time when the file system has one.
func hostStat(p string, fi fs.FileInfo) hostMeta {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return hostMeta{times: Times{Created: fi.ModTime(), Modified: fi.ModTime()}}
	}
	m := hostMeta{dev: uint64(st.Dev), ino: uint64(st.Ino), nlink: uint64(st.Nlink)}
	// int64 conversions: 32-bit Linux has 32-bit fields.
	m.times.Modified = time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec)).UTC()
	m.times.Accessed = time.Unix(int64(st.Atim.Sec), int64(st.Atim.Nsec)).UTC()
	m.times.Changed = time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec)).UTC()
	m.times.Created = m.times.Modified
	if bt, ok := birthTime(p); ok {
		m.times.Created = bt
	}
	return m
}

// statxNumbers are the statx system call numbers (Linux 4.11+) of the
// architectures we know; elsewhere creation falls back to mtime.
var statxNumbers = map[string]uintptr{
	"amd64": 332, "arm64": 291, "riscv64": 291, "loong64": 291,
	"386": 383, "arm": 397, "ppc64le": 383,
}

// birthTime asks statx (struct statx: stx_mask at 0x00, stx_btime at
// 0x50 as {s64 sec, u32 nsec}) for the birth time of p, not following a
// symlink.
func birthTime(p string) (time.Time, bool) {
	nr, ok := statxNumbers[runtime.GOARCH]
	if !ok {
		return time.Time{}, false
	}
	const (
		atFDCWD           = -100
		atSymlinkNoFollow = 0x100
		statxBtime        = 0x800
	)
	pp, err := syscall.BytePtrFromString(p)
	if err != nil {
		return time.Time{}, false
	}
	var buf [256]byte
	dirfd := atFDCWD
	_, _, errno := syscall.Syscall6(nr, uintptr(dirfd), uintptr(unsafe.Pointer(pp)),
		atSymlinkNoFollow, statxBtime, uintptr(unsafe.Pointer(&buf[0])), 0)
	if errno != 0 || binary.LittleEndian.Uint32(buf[0:])&statxBtime == 0 {
		return time.Time{}, false
	}
	le := binary.LittleEndian
	return time.Unix(int64(le.Uint64(buf[0x50:])), int64(le.Uint32(buf[0x58:]))).UTC(), true
}

// Whence values of lseek that find data and holes (Linux 3.1+).
const (
	seekData = 3
	seekHole = 4
)

// hostRanges returns the byte ranges of the open host file f (size
// bytes) that hold data, skipping the holes lseek(SEEK_DATA/SEEK_HOLE)
// reports; on a file system without that support the whole file is one
// range. Nothing is read.
func hostRanges(f *os.File, size int64) ([]ByteRange, error) {
	fd := int(f.Fd())
	var out []ByteRange
	for off := int64(0); off < size; {
		d, err := syscall.Seek(fd, off, seekData)
		if errors.Is(err, syscall.ENXIO) {
			break // only a hole is left
		}
		if err != nil {
			return []ByteRange{{0, size}}, nil
		}
		h, err := syscall.Seek(fd, d, seekHole)
		if err != nil {
			return []ByteRange{{0, size}}, nil
		}
		h = min(h, size)
		if h <= d {
			break
		}
		out = append(out, ByteRange{d, h})
		off = h
	}
	return out, nil
}

// hostStreams returns the user.* extended attributes of p by name
// without the prefix (ntfs-3g's streams_interface=xattr naming).
func hostStreams(p string) (map[string][]byte, error) {
	sz, err := syscall.Listxattr(p, nil)
	if err != nil {
		if errors.Is(err, syscall.ENOTSUP) {
			return nil, nil
		}
		return nil, err
	}
	if sz == 0 {
		return nil, nil
	}
	buf := make([]byte, sz)
	n, err := syscall.Listxattr(p, buf)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		s, ok := strings.CutPrefix(name, "user.")
		if !ok || s == "" {
			continue
		}
		vs, err := syscall.Getxattr(p, name, nil)
		if err != nil {
			return nil, err
		}
		v := make([]byte, vs)
		k, err := syscall.Getxattr(p, name, v)
		if err != nil {
			return nil, err
		}
		out[s] = v[:k]
	}
	return out, nil
}
