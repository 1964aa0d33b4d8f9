//go:build !linux

package oracle

import "testing"

// MountOptions: see the Linux implementation.
const MountOptions = "ro,streams_interface=xattr"

// Entry: see the Linux implementation.
type Entry struct {
	Path        string
	Inode       uint64
	Type        string
	Links       uint64
	Size        int64
	SHA256      string
	Symlink     string
	ReparseData []byte
	Streams     map[string][]byte
	Err         string
}

// MountRO needs Linux FUSE and ntfs-3g.
func MountRO(t testing.TB, img string) string {
	t.Helper()
	Unavailable(t, "ntfs-3g mounts need Linux")
	return ""
}

// MountTree needs a mount made by MountRO.
func MountTree(t testing.TB, dir string) []Entry {
	t.Helper()
	Unavailable(t, "ntfs-3g mounts need Linux")
	return nil
}
