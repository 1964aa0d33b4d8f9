package volume

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pattern returns n bytes that differ from their neighbours.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// readResult is what one ReadAt returned.
type readResult struct {
	N    int
	Data []byte
	EOF  bool
	Err  string // other errors
}

func doRead(r io.ReaderAt, off int64, n int) readResult {
	p := make([]byte, n)
	got, err := r.ReadAt(p, off)
	res := readResult{N: got, Data: p[:got]}
	switch {
	case err == io.EOF:
		res.EOF = true
	case err != nil:
		res.Err = err.Error()
	}
	return res
}

// refRead is what an *os.File of contents b returns.
func refRead(b []byte, off int64, n int) readResult {
	if n == 0 {
		return readResult{Data: []byte{}}
	}
	return doRead(bytes.NewReader(b), off, n)
}

func TestMemDevice(t *testing.T) {
	data := pattern(1000)
	d := NewMemDevice(bytes.Clone(data), 0)
	if got := d.SectorSize(); got != 512 {
		t.Errorf("SectorSize = %d, want 512", got)
	}
	if got := d.Size(); got != 1000 {
		t.Errorf("Size = %d, want 1000", got)
	}
	for _, tt := range []struct {
		off int64
		n   int
	}{{0, 10}, {990, 10}, {995, 10}, {1000, 1}, {2000, 1}, {1000, 0}, {0, 1000}, {0, 1001}} {
		if diff := diffRead(refRead(data, tt.off, tt.n), doRead(d, tt.off, tt.n)); diff != "" {
			t.Errorf("ReadAt(%d bytes at %d) (-want +got):\n%s", tt.n, tt.off, diff)
		}
	}
	if _, err := d.WriteAt([]byte{1, 2}, 998); err != nil {
		t.Errorf("WriteAt at the end: %v", err)
	}
	if _, err := d.WriteAt([]byte{1, 2}, 999); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("WriteAt past the end = %v, want ErrOutOfRange", err)
	}
	if _, err := d.ReadAt(make([]byte, 1), -1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("ReadAt(-1) = %v, want ErrOutOfRange", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadAt(make([]byte, 1), 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("ReadAt after Close = %v, want os.ErrClosed", err)
	}
}

func TestSubDevice(t *testing.T) {
	data := pattern(4096)
	mem := NewMemDevice(bytes.Clone(data), 512)
	sub := SubDevice(mem, 1024, 2048)
	window := data[1024:3072]
	if got := sub.Size(); got != 2048 {
		t.Errorf("Size = %d, want 2048", got)
	}
	for _, tt := range []struct {
		off int64
		n   int
	}{{0, 512}, {2000, 48}, {2000, 100}, {2048, 1}, {5000, 1}, {0, 2048}, {0, 4096}} {
		if diff := diffRead(refRead(window, tt.off, tt.n), doRead(sub, tt.off, tt.n)); diff != "" {
			t.Errorf("ReadAt(%d bytes at %d) (-want +got):\n%s", tt.n, tt.off, diff)
		}
	}

	if n, err := sub.WriteAt([]byte{0xaa, 0xbb}, 2046); n != 2 || err != nil {
		t.Errorf("WriteAt at the window end = %d, %v", n, err)
	}
	if got := doRead(mem, 1024+2046, 2).Data; !bytes.Equal(got, []byte{0xaa, 0xbb}) {
		t.Errorf("parent bytes after write = %x, want aabb", got)
	}
	_, err := sub.WriteAt([]byte{1, 2}, 2047)
	if !errors.Is(err, ErrOutOfRange) {
		t.Errorf("WriteAt past the window = %v, want ErrOutOfRange", err)
	}
	want := "volume: write at offset 0x7ff (length 2) of memory[0x400+0x800]: volume: access outside the device"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant %s", err, want)
	}

	// Windows are cut to the parent.
	for _, tt := range []struct{ off, n, wantSize int64 }{
		{4000, 1000, 96},
		{5000, 10, 0},
		{-5, 10, 10},
		{0, -1, 0},
	} {
		if got := SubDevice(mem, tt.off, tt.n).Size(); got != tt.wantSize {
			t.Errorf("SubDevice(%d, %d).Size() = %d, want %d", tt.off, tt.n, got, tt.wantSize)
		}
	}
	if got := doRead(SubDevice(mem, 5000, 10), 0, 1); !got.EOF {
		t.Errorf("read of an empty window = %+v, want EOF", got)
	}
}

func TestDeviceErrorMessage(t *testing.T) {
	tests := []struct {
		err  *DeviceError
		want string
	}{
		{
			&DeviceError{Op: "read", Offset: 0x1000, Length: 4096, Path: "/dev/sdb", Err: errors.New("input/output error")},
			"volume: read at offset 0x1000 (length 4096) of /dev/sdb: input/output error",
		},
		{
			&DeviceError{Op: "open", Offset: -1, Path: "disk.img", Err: fs.ErrNotExist},
			"volume: open disk.img: file does not exist",
		},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestOpenDeviceFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "disk.img")
	data := pattern(3000)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}

	ro, err := OpenDevice(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, ok := ro.(*fileDevice); !ok {
		t.Errorf("OpenDevice(regular file) = %T, want *fileDevice (no aligning)", ro)
	}
	if got, want := [2]int64{ro.Size(), int64(ro.SectorSize())}, [2]int64{3000, 512}; got != want {
		t.Errorf("size, sector size = %v, want %v", got, want)
	}
	for _, tt := range []struct {
		off int64
		n   int
	}{{0, 100}, {1, 511}, {2990, 20}, {3000, 1}, {4000, 1}} {
		if diff := diffRead(refRead(data, tt.off, tt.n), doRead(ro, tt.off, tt.n)); diff != "" {
			t.Errorf("ReadAt(%d bytes at %d) (-want +got):\n%s", tt.n, tt.off, diff)
		}
	}
	_, err = ro.WriteAt([]byte{1}, 0)
	var de *DeviceError
	if !errors.As(err, &de) || !errors.Is(err, errNotWritable) || de.Op != "write" || de.Path != path {
		t.Errorf("WriteAt on a read-only device = %v", err)
	}
	if err := ro.Sync(); err != nil {
		t.Errorf("Sync on a read-only device: %v", err)
	}

	rw, err := OpenDevice(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.WriteAt([]byte("hello"), 2995); err != nil {
		t.Fatal(err)
	}
	if _, err := rw.WriteAt([]byte("hello!"), 2995); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("WriteAt past the end = %v, want ErrOutOfRange", err)
	}
	if err := rw.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := append(bytes.Clone(data[:2995]), "hello"...)
	if !bytes.Equal(got, want) {
		t.Errorf("file after write: size %d, tail %q; want size %d, tail %q", len(got), got[2990:], len(want), want[2990:])
	}

	_, err = OpenDevice(filepath.Join(dir, "missing.img"), false)
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &de) || de.Op != "open" {
		t.Errorf("OpenDevice(missing) = %v, want a located fs.ErrNotExist", err)
	}
	if _, err := OpenDevice(dir, false); err == nil {
		t.Errorf("OpenDevice(directory) succeeded")
	}
}

// strictDevice rejects any access that is not sector-aligned, as Windows
// volume handles and O_DIRECT block devices do.
type strictDevice struct {
	Device
	reads, writes int
}

var errUnaligned = errors.New("unaligned access")

func (s *strictDevice) check(p []byte, off int64) error {
	ss := int64(s.SectorSize())
	if off%ss != 0 || int64(len(p))%ss != 0 {
		return fmt.Errorf("%w: %d bytes at %d", errUnaligned, len(p), off)
	}
	return nil
}

func (s *strictDevice) ReadAt(p []byte, off int64) (int, error) {
	s.reads++
	if err := s.check(p, off); err != nil {
		return 0, err
	}
	return s.Device.ReadAt(p, off)
}

func (s *strictDevice) WriteAt(p []byte, off int64) (int, error) {
	s.writes++
	if err := s.check(p, off); err != nil {
		return 0, err
	}
	return s.Device.WriteAt(p, off)
}

func TestStrictDeviceRejects(t *testing.T) {
	s := &strictDevice{Device: NewMemDevice(make([]byte, 64), 8)}
	if _, err := s.ReadAt(make([]byte, 3), 1); !errors.Is(err, errUnaligned) {
		t.Fatalf("strictDevice accepted an unaligned read: %v", err)
	}
}

// TestAlignedDeviceExhaustive tries every read and write of a 64-byte device
// with 8-byte sectors.
func TestAlignedDeviceExhaustive(t *testing.T) {
	const size, ss = 64, 8
	data := pattern(size)
	strict := &strictDevice{Device: NewMemDevice(bytes.Clone(data), ss)}
	a := newAlignedDevice(strict)
	for off := int64(0); off <= size+ss; off++ {
		for n := 0; n <= size+ss; n++ {
			if diff := diffRead(refRead(data, off, n), doRead(a, off, n)); diff != "" {
				t.Fatalf("ReadAt(%d bytes at %d) (-want +got):\n%s", n, off, diff)
			}
		}
	}

	for off := int64(0); off <= size; off++ {
		for n := 0; int64(n) <= size-off; n++ {
			mem := bytes.Clone(data)
			strict := &strictDevice{Device: NewMemDevice(mem, ss)}
			a := newAlignedDevice(strict)
			p := bytes.Repeat([]byte{0xee}, n)
			got, err := a.WriteAt(p, off)
			if got != n || err != nil {
				t.Fatalf("WriteAt(%d bytes at %d) = %d, %v", n, off, got, err)
			}
			want := bytes.Clone(data)
			copy(want[off:], p)
			if !bytes.Equal(mem, want) {
				t.Fatalf("after WriteAt(%d bytes at %d):\n got %x\nwant %x", n, off, mem, want)
			}
			// Each partial sector costs one read, at most two.
			if strict.reads > 2 {
				t.Errorf("WriteAt(%d bytes at %d) read %d times", n, off, strict.reads)
			}
		}
	}
	if _, err := a.WriteAt([]byte{1, 2}, size-1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("WriteAt past the end = %v, want ErrOutOfRange", err)
	}
	if _, err := a.ReadAt([]byte{1, 2}, -1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("ReadAt(-1) = %v, want ErrOutOfRange", err)
	}
}

// TestAlignedDeviceLarge crosses the bounce buffer's chunk size.
func TestAlignedDeviceLarge(t *testing.T) {
	const size = 3*maxAlignedChunk + 4096
	data := pattern(size)
	rng := rand.New(rand.NewPCG(1, 2))
	mem := bytes.Clone(data)
	strict := &strictDevice{Device: NewMemDevice(mem, 4096)}
	a := newAlignedDevice(strict)
	for range 20 {
		off := rng.Int64N(size)
		n := rng.IntN(size)
		if diff := diffRead(refRead(data, off, n), doRead(a, off, n)); diff != "" {
			t.Fatalf("ReadAt(%d bytes at %d) (-want +got):\n%s", n, off, diff)
		}
	}
	for range 20 {
		off := rng.Int64N(size)
		p := pattern(rng.IntN(int(size - off)))
		for i := range p {
			p[i] ^= 0x5a
		}
		if n, err := a.WriteAt(p, off); n != len(p) || err != nil {
			t.Fatalf("WriteAt(%d bytes at %d) = %d, %v", len(p), off, n, err)
		}
		copy(data[off:], p)
		if !bytes.Equal(mem, data) {
			t.Fatalf("contents differ after WriteAt(%d bytes at %d)", len(p), off)
		}
	}
}

// failDevice fails reads at or after a given offset.
type failDevice struct {
	Device
	failAt int64
}

var errMedium = errors.New("medium error")

func (f *failDevice) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.failAt {
		n := max(0, int(f.failAt-off))
		f.Device.ReadAt(p[:n], off)
		return n, &DeviceError{Op: "read", Offset: off, Length: len(p), Path: "fail", Err: errMedium}
	}
	return f.Device.ReadAt(p, off)
}

func TestAlignedDeviceErrors(t *testing.T) {
	data := pattern(4096)
	a := newAlignedDevice(&failDevice{Device: NewMemDevice(bytes.Clone(data), 512), failAt: 2048})
	n, err := a.ReadAt(make([]byte, 100), 2000)
	if !errors.Is(err, errMedium) {
		t.Errorf("ReadAt over a bad sector = %d, %v; want errMedium", n, err)
	}
	if _, err := a.WriteAt([]byte{1}, 3000); !errors.Is(err, errMedium) {
		t.Errorf("WriteAt needing a bad sector = %v; want errMedium", err)
	}
	if n, err := a.ReadAt(make([]byte, 100), 100); n != 100 || err != nil {
		t.Errorf("ReadAt of good sectors = %d, %v", n, err)
	}
}

func TestOpenPartitionNoTable(t *testing.T) {
	d := NewMemDevice(ntfsBootSector(), 512)
	if _, _, err := OpenPartition(d, 1); err == nil {
		t.Errorf("OpenPartition(1) of an unpartitioned volume succeeded")
	}
	whole, p, err := OpenPartition(d, 0)
	if err != nil || whole != d || p != (Partition{}) {
		t.Errorf("OpenPartition(0) = %v, %+v, %v; want the device itself", whole, p, err)
	}
}

// diffRead compares two read results, cheaply when they are equal.
func diffRead(want, got readResult) string {
	if want.N == got.N && want.EOF == got.EOF && want.Err == got.Err && bytes.Equal(want.Data, got.Data) {
		return ""
	}
	if len(want.Data) > 256 || len(got.Data) > 256 {
		i := 0
		for i < min(len(want.Data), len(got.Data)) && want.Data[i] == got.Data[i] {
			i++
		}
		return fmt.Sprintf("want n=%d EOF=%v err=%q, got n=%d EOF=%v err=%q; data first differs at byte %d",
			want.N, want.EOF, want.Err, got.N, got.EOF, got.Err, i)
	}
	return cmp.Diff(want, got)
}
