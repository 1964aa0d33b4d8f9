//go:build !linux

package oracle

import "testing"

// MountRW needs ntfs-3g and FUSE (Linux only).
func MountRW(t testing.TB, img string) (string, func()) {
	t.Helper()
	Unavailable(t, "ntfs-3g mounts are only run on Linux")
	return "", func() {}
}
