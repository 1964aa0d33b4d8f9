package oracle

import (
	"os/exec"
	"testing"
)

// MountRW mounts img read-write with ntfs-3g and returns the mount point
// and a function that unmounts it, failing t when the unmount does (a
// clean unmount is part of what writer tests check). The mount is also
// undone in t.Cleanup if the test stops early.
func MountRW(t testing.TB, img string) (dir string, unmountFn func()) {
	t.Helper()
	Require(t, "ntfs-3g")
	dir = t.TempDir()
	if out, err := exec.Command("ntfs-3g", "-o", "rw", img, dir).CombinedOutput(); err != nil {
		t.Fatalf("oracle: ntfs-3g -o rw %s: %v\n%s", img, err, out)
	}
	done := false
	unmountFn = func() {
		t.Helper()
		if done {
			return
		}
		done = true
		unmount(t, dir)
	}
	t.Cleanup(unmountFn)
	return dir, unmountFn
}
