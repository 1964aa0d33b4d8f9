package volume

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
)

// Device is what a volume is read from: an image file, a block device, a
// Windows volume or disk.
//
// ReadAt follows the io.ReaderAt contract of *os.File: a read that reaches
// the end of the device returns the bytes before the end and io.EOF
// (unwrapped, so callers may compare with ==). Every other error is a
// *DeviceError that names the device and the byte offset. WriteAt never
// extends a device: writing past Size() fails with ErrOutOfRange.
type Device interface {
	io.ReaderAt
	io.WriterAt
	Size() int64     // bytes
	SectorSize() int // logical sector size; 512 for plain files
	Sync() error
	Close() error
}

// ErrOutOfRange is wrapped by the *DeviceError returned for a write (or a
// read at a negative offset) outside a device or a SubDevice window.
var ErrOutOfRange = errors.New("volume: access outside the device")

// errNotWritable is wrapped by the *DeviceError returned by WriteAt on a
// device opened read-only.
var errNotWritable = errors.New("device opened read-only")

// DeviceError is an I/O error located on a device.
//
//	volume: read at offset 0x1000 (length 4096) of /dev/sdb: input/output error
type DeviceError struct {
	Op     string // "read", "write", "sync", "open", "size"
	Offset int64  // byte offset on the device; -1 if the operation has none
	Length int    // bytes requested
	Path   string // the device as the user named it
	Err    error
}

func (e *DeviceError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("volume: %s %s: %v", e.Op, e.Path, e.Err)
	}
	return fmt.Sprintf("volume: %s at offset %#x (length %d) of %s: %v", e.Op, e.Offset, e.Length, e.Path, e.Err)
}

func (e *DeviceError) Unwrap() error { return e.Err }

// bare drops the *fs.PathError around err, whose operation and path a
// DeviceError repeats.
func bare(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// deviceName returns a name for d to put in errors.
func deviceName(d Device) string {
	if n, ok := d.(interface{ Name() string }); ok {
		return n.Name()
	}
	return fmt.Sprintf("%T", d)
}

// OpenDevice opens an image file or a raw device.
//
// Regular files get their size from Stat and a sector size of 512. Block
// devices (and, on Windows, paths such as \\.\C: and \\.\PhysicalDrive0) get
// both from the operating system, and their reads and writes are widened to
// whole sectors, so callers may use any offset and length. Container images
// (E01, VHD, VHDX; see container.go) give the disk they hold, read-only.
func OpenDevice(path string, writable bool) (Device, error) {
	if d, ok, err := openContainer(path, writable); ok {
		return d, err
	}
	d, err := openDevice(path, writable)
	if err != nil {
		return nil, err
	}
	if fd, ok := d.(*fileDevice); ok && !fd.regular && fd.sectorSize > 1 {
		return newAlignedDevice(fd), nil
	}
	return d, nil
}

// openFile opens path as a *fileDevice. devFlag is added to the open flags
// when path is not a regular file. geometry, if not nil, is asked for the
// size and sector size of anything that is not a regular file; when it fails
// or is nil, the size comes from seeking to the end and the sector size is
// 512.
func openFile(path string, writable bool, devFlag int, geometry func(*os.File) (size int64, sectorSize int, err error)) (*fileDevice, error) {
	flag := os.O_RDONLY
	if writable {
		flag = os.O_RDWR
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		flag |= devFlag
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, &DeviceError{Op: "open", Offset: -1, Path: path, Err: bare(err)}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &DeviceError{Op: "open", Offset: -1, Path: path, Err: bare(err)}
	}
	d := &fileDevice{f: f, name: path, writable: writable, sectorSize: 512}
	switch {
	case fi.Mode().IsRegular():
		d.regular = true
		d.size = fi.Size()
	case fi.IsDir():
		f.Close()
		return nil, &DeviceError{Op: "open", Offset: -1, Path: path, Err: errors.New("is a directory")}
	default:
		var size int64
		var ss int
		err := errors.New("no geometry query on this system")
		if geometry != nil {
			size, ss, err = geometry(f)
		}
		if err != nil || size <= 0 {
			size, err = f.Seek(0, io.SeekEnd)
			if err != nil {
				f.Close()
				return nil, &DeviceError{Op: "size", Offset: -1, Path: path, Err: bare(err)}
			}
		}
		d.size = size
		if ss > 0 {
			d.sectorSize = ss
		}
	}
	return d, nil
}

// fileDevice is a Device backed by an *os.File.
type fileDevice struct {
	f          *os.File
	name       string
	size       int64
	sectorSize int
	regular    bool // a regular file, not a device node
	writable   bool
}

var _ Device = (*fileDevice)(nil)

func (d *fileDevice) Name() string    { return d.name }
func (d *fileDevice) Size() int64     { return d.size }
func (d *fileDevice) SectorSize() int { return d.sectorSize }

func (d *fileDevice) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &DeviceError{Op: "read", Offset: off, Length: len(p), Path: d.name, Err: ErrOutOfRange}
	}
	if off >= d.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	q := p
	if int64(len(q)) > d.size-off {
		q = q[:d.size-off]
	}
	n, err := d.f.ReadAt(q, off)
	if err == nil && len(q) < len(p) {
		err = io.EOF
	}
	if err != nil && err != io.EOF {
		err = &DeviceError{Op: "read", Offset: off, Length: len(p), Path: d.name, Err: bare(err)}
	}
	return n, err
}

func (d *fileDevice) WriteAt(p []byte, off int64) (int, error) {
	if !d.writable {
		return 0, &DeviceError{Op: "write", Offset: off, Length: len(p), Path: d.name, Err: errNotWritable}
	}
	if off < 0 || off > d.size || int64(len(p)) > d.size-off {
		return 0, &DeviceError{Op: "write", Offset: off, Length: len(p), Path: d.name, Err: ErrOutOfRange}
	}
	n, err := d.f.WriteAt(p, off)
	if err != nil {
		err = &DeviceError{Op: "write", Offset: off, Length: len(p), Path: d.name, Err: bare(err)}
	}
	return n, err
}

func (d *fileDevice) Sync() error {
	if !d.writable {
		return nil
	}
	if err := d.f.Sync(); err != nil {
		return &DeviceError{Op: "sync", Offset: -1, Path: d.name, Err: bare(err)}
	}
	return nil
}

func (d *fileDevice) Close() error {
	if err := d.f.Close(); err != nil {
		return &DeviceError{Op: "close", Offset: -1, Path: d.name, Err: bare(err)}
	}
	return nil
}

// maxAlignedChunk bounds the bounce buffer of an alignedDevice.
const maxAlignedChunk = 1 << 20

// alignedDevice widens every access to whole sectors of the device it wraps,
// for devices that reject unaligned offsets or lengths (Windows volume and
// disk handles; Linux block devices accept them but gain nothing from
// them). Partial sectors of a write are read, patched and written back. The
// bounce buffer is reused, so an alignedDevice serializes its accesses with
// a mutex.
type alignedDevice struct {
	mu    sync.Mutex
	inner Device
	ss    int64
	buf   []byte
}

var _ Device = (*alignedDevice)(nil)

// newAlignedDevice wraps d. d.SectorSize() must be positive.
func newAlignedDevice(d Device) *alignedDevice {
	return &alignedDevice{inner: d, ss: int64(d.SectorSize())}
}

func (a *alignedDevice) Name() string    { return deviceName(a.inner) }
func (a *alignedDevice) Size() int64     { return a.inner.Size() }
func (a *alignedDevice) SectorSize() int { return int(a.ss) }
func (a *alignedDevice) Sync() error     { return a.inner.Sync() }
func (a *alignedDevice) Close() error    { return a.inner.Close() }

func (a *alignedDevice) aligned(p []byte, off int64) bool {
	return off%a.ss == 0 && int64(len(p))%a.ss == 0
}

// chunk returns the bounce buffer sized for n bytes (n ≤ maxAlignedChunk
// rounded up to a sector).
func (a *alignedDevice) chunk(n int64) []byte {
	if int64(cap(a.buf)) < n {
		a.buf = make([]byte, n)
	}
	return a.buf[:n]
}

// maxChunk is the largest whole number of sectors in maxAlignedChunk (at
// least one sector).
func (a *alignedDevice) maxChunk() int64 {
	m := maxAlignedChunk / a.ss * a.ss
	if m == 0 {
		m = a.ss
	}
	return m
}

func (a *alignedDevice) ReadAt(p []byte, off int64) (int, error) {
	if a.aligned(p, off) {
		return a.inner.ReadAt(p, off)
	}
	if off < 0 {
		return 0, &DeviceError{Op: "read", Offset: off, Length: len(p), Path: a.Name(), Err: ErrOutOfRange}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	size := a.inner.Size()
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		if pos >= size {
			return done, io.EOF
		}
		start := pos / a.ss * a.ss
		want := int64(len(p) - done) // bytes of p still to fill
		end := roundUp(pos+want, a.ss)
		if end-start > a.maxChunk() {
			end = start + a.maxChunk()
		}
		buf := a.chunk(end - start)
		n, err := a.inner.ReadAt(buf, start)
		if got := int64(n) - (pos - start); got > 0 {
			done += copy(p[done:], buf[pos-start:n])
		}
		if err != nil {
			if err == io.EOF && done == len(p) {
				return done, nil
			}
			return done, err
		}
		if n < len(buf) {
			return done, io.ErrUnexpectedEOF
		}
	}
	return done, nil
}

func (a *alignedDevice) WriteAt(p []byte, off int64) (int, error) {
	if a.aligned(p, off) {
		return a.inner.WriteAt(p, off)
	}
	size := a.inner.Size()
	if off < 0 || off > size || int64(len(p)) > size-off {
		return 0, &DeviceError{Op: "write", Offset: off, Length: len(p), Path: a.Name(), Err: ErrOutOfRange}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		start := pos / a.ss * a.ss
		end := min(roundUp(off+int64(len(p)), a.ss), start+a.maxChunk())
		buf := a.chunk(end - start)
		n := min(int64(len(p)-done), end-pos) // bytes of p in this chunk
		// Read back the sectors the new bytes cover only in part: the
		// head sector before pos and the tail sector after pos+n.
		headRead := false
		if pos > start {
			if err := a.readSector(buf[:a.ss], start); err != nil {
				return done, err
			}
			headRead = true
		}
		if ts := end - a.ss; pos+n < end && !(headRead && ts == start) {
			if err := a.readSector(buf[ts-start:], ts); err != nil {
				return done, err
			}
		}
		copy(buf[pos-start:], p[done:done+int(n)])
		if _, err := a.inner.WriteAt(buf, start); err != nil {
			return done, err
		}
		done += int(n)
	}
	return done, nil
}

// readSector fills buf (one sector) from the device at off. A sector cut
// short by the end of the device is padded with zeros.
func (a *alignedDevice) readSector(buf []byte, off int64) error {
	n, err := a.inner.ReadAt(buf, off)
	if err == io.EOF && off+int64(n) >= a.inner.Size() {
		clear(buf[n:])
		return nil
	}
	return err
}

func roundUp(n, m int64) int64 {
	return (n + m - 1) / m * m
}

// SubDevice returns the window [offset, offset+length) of d as a Device, as
// for a partition or a volume at a known offset. The window is cut to the
// end of d. Reads past its end are short and return io.EOF; writes past its
// end fail with ErrOutOfRange. Closing the window closes d.
func SubDevice(d Device, offset, length int64) Device {
	size := d.Size()
	offset = min(max(offset, 0), size)
	length = min(max(length, 0), size-offset)
	return &subDevice{d: d, off: offset, n: length}
}

type subDevice struct {
	d      Device
	off, n int64
}

var _ Device = (*subDevice)(nil)

func (s *subDevice) Name() string {
	return fmt.Sprintf("%s[%#x+%#x]", deviceName(s.d), s.off, s.n)
}
func (s *subDevice) Size() int64     { return s.n }
func (s *subDevice) SectorSize() int { return s.d.SectorSize() }
func (s *subDevice) Sync() error     { return s.d.Sync() }
func (s *subDevice) Close() error    { return s.d.Close() }

func (s *subDevice) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &DeviceError{Op: "read", Offset: off, Length: len(p), Path: s.Name(), Err: ErrOutOfRange}
	}
	if off >= s.n {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	q := p
	if int64(len(q)) > s.n-off {
		q = q[:s.n-off]
	}
	n, err := s.d.ReadAt(q, s.off+off)
	if err == nil && len(q) < len(p) {
		err = io.EOF
	}
	return n, err
}

func (s *subDevice) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off > s.n || int64(len(p)) > s.n-off {
		return 0, &DeviceError{Op: "write", Offset: off, Length: len(p), Path: s.Name(), Err: ErrOutOfRange}
	}
	return s.d.WriteAt(p, s.off+off)
}

// NewMemDevice returns a writable Device over b, for tests. Writes change b
// and never grow it. sectorSize 0 means 512.
func NewMemDevice(b []byte, sectorSize int) Device {
	if sectorSize <= 0 {
		sectorSize = 512
	}
	return &memDevice{b: b, ss: sectorSize}
}

// memDevice is an in-memory Device; not an on-disk structure.
type memDevice struct {
	mu     sync.RWMutex
	b      []byte
	ss     int
	closed bool
}

var _ Device = (*memDevice)(nil)

func (m *memDevice) Name() string    { return "memory" }
func (m *memDevice) Size() int64     { return int64(len(m.b)) }
func (m *memDevice) SectorSize() int { return m.ss }
func (m *memDevice) Sync() error     { return nil }

func (m *memDevice) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

func (m *memDevice) ReadAt(p []byte, off int64) (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return 0, &DeviceError{Op: "read", Offset: off, Length: len(p), Path: m.Name(), Err: os.ErrClosed}
	}
	if off < 0 {
		return 0, &DeviceError{Op: "read", Offset: off, Length: len(p), Path: m.Name(), Err: ErrOutOfRange}
	}
	if off >= int64(len(m.b)) {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memDevice) WriteAt(p []byte, off int64) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, &DeviceError{Op: "write", Offset: off, Length: len(p), Path: m.Name(), Err: os.ErrClosed}
	}
	if off < 0 || off > int64(len(m.b)) || int64(len(p)) > int64(len(m.b))-off {
		return 0, &DeviceError{Op: "write", Offset: off, Length: len(p), Path: m.Name(), Err: ErrOutOfRange}
	}
	return copy(m.b[off:], p), nil
}

// OpenPartition returns partition number part (as in Partition.Index) of d
// as a SubDevice. part 0 means the whole device.
func OpenPartition(d Device, part int) (Device, Partition, error) {
	if part == 0 {
		return d, Partition{}, nil
	}
	// Image files report 512-byte sectors whatever disk they came from;
	// let ReadPartitions also look for GPT with 4096-byte sectors then.
	ss := d.SectorSize()
	if ss == 512 {
		ss = 0
	}
	parts, err := ReadPartitions(d, d.Size(), ss)
	if err != nil {
		return nil, Partition{}, err
	}
	for _, p := range parts {
		if p.Index == part {
			return SubDevice(d, p.Start, p.Length), p, nil
		}
	}
	if len(parts) == 0 {
		return nil, Partition{}, fmt.Errorf("volume: %s has no partition table (no partition %d)", deviceName(d), part)
	}
	return nil, Partition{}, fmt.Errorf("volume: %s has no partition %d", deviceName(d), part)
}
