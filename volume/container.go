package volume

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ntfsedit/ntfsedit/internal/ewf"
	"github.com/ntfsedit/ntfsedit/internal/vhd"
)

// ErrReadOnlyContainer is wrapped by the *DeviceError returned when a
// container image (E01, VHD, VHDX) is opened writable or written to: the
// disk inside is presented read-only.
var ErrReadOnlyContainer = errors.New("volume: container images (E01, VHD, VHDX) are read-only")

// containerImage is what the ewf and vhd readers have in common.
type containerImage interface {
	io.ReaderAt
	Size() int64
	SectorSize() int
	Close() error
}

// openContainer opens path as a container image when its signature says it
// is one: the EWF segment header "EVF\x09\x0d\x0a\xff\x00" at 0 (with the
// segment files .E02 … that follow it), "vhdxfile" at 0, or a "conectix" VHD
// footer in the last 512 bytes. ok is false (and err nil) for anything
// else, which OpenDevice then opens as a raw image or device.
func openContainer(path string, writable bool) (d Device, ok bool, err error) {
	kind, err := sniffContainer(path)
	if err != nil || kind == "" {
		return nil, false, nil // not a regular file, or unreadable: OpenDevice reports it
	}
	if writable {
		return nil, true, &DeviceError{Op: "open", Offset: -1, Path: path, Err: fmt.Errorf("%w (%s)", ErrReadOnlyContainer, kind)}
	}
	var img containerImage
	switch kind {
	case "EWF":
		img, err = ewf.Open(path)
	default:
		img, err = vhd.Open(path)
	}
	if err != nil {
		return nil, true, &DeviceError{Op: "open", Offset: -1, Path: path, Err: err}
	}
	return &containerDevice{img: img, name: path, kind: kind}, true, nil
}

// sniffContainer returns "EWF", "VHDX", "VHD" or "" for path.
func sniffContainer(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return "", err
	}
	head := make([]byte, 8)
	if _, err := f.ReadAt(head, 0); err != nil {
		return "", nil // shorter than any container
	}
	if ewf.IsImage(head) {
		return "EWF", nil
	}
	if string(head) == vhd.VHDXSignature {
		return "VHDX", nil
	}
	if fi.Size() < 512 {
		return "", nil
	}
	tail := make([]byte, 8)
	if _, err := f.ReadAt(tail, fi.Size()-512); err != nil {
		return "", err
	}
	if string(tail) == vhd.FooterCookie || string(head) == vhd.FooterCookie {
		return "VHD", nil
	}
	return "", nil
}

// containerDevice is the read-only Device of the disk inside a container
// image; not an on-disk structure.
type containerDevice struct {
	img  containerImage
	name string
	kind string
}

var _ Device = (*containerDevice)(nil)

func (c *containerDevice) Name() string    { return c.name }
func (c *containerDevice) Size() int64     { return c.img.Size() }
func (c *containerDevice) SectorSize() int { return c.img.SectorSize() }
func (c *containerDevice) Sync() error     { return nil }

func (c *containerDevice) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &DeviceError{Op: "read", Offset: off, Length: len(p), Path: c.name, Err: ErrOutOfRange}
	}
	if off >= c.img.Size() && len(p) == 0 {
		return 0, nil
	}
	n, err := c.img.ReadAt(p, off)
	if err != nil && err != io.EOF {
		err = &DeviceError{Op: "read", Offset: off, Length: len(p), Path: c.name, Err: err}
	}
	return n, err
}

func (c *containerDevice) WriteAt(p []byte, off int64) (int, error) {
	return 0, &DeviceError{Op: "write", Offset: off, Length: len(p), Path: c.name, Err: ErrReadOnlyContainer}
}

func (c *containerDevice) Close() error {
	if err := c.img.Close(); err != nil {
		return &DeviceError{Op: "close", Offset: -1, Path: c.name, Err: err}
	}
	return nil
}
