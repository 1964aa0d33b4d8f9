package oracle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// MountOptions are the ntfs-3g options MountRO uses:
//
//   - ro: never write the image (ntfs-3g also leaves $LogFile alone then).
//   - streams_interface=xattr (the default, made explicit): every named $DATA
//     stream NAME appears as the extended attribute user.NAME.
//
// Deliberately absent: posix_nlink (without it st_nlink of a file is the raw
// link count of its record header, DOS names included, and directories report
// 1), show_sys_files (the records < 16 stay hidden at the root, as our
// `find` hides them without -a) and hide_hid_files (hidden files are listed).
// ntfs-3g reports MFT record numbers as inode numbers.
const MountOptions = "ro,streams_interface=xattr"

// MountRO mounts img read-only with ntfs-3g on a temporary directory and
// returns it; the mount is undone in t.Cleanup.
func MountRO(t testing.TB, img string) string {
	t.Helper()
	Require(t, "ntfs-3g")
	dir := t.TempDir()
	if out, err := exec.Command("ntfs-3g", "-o", MountOptions, img, dir).CombinedOutput(); err != nil {
		t.Fatalf("oracle: ntfs-3g -o %s %s: %v\n%s", MountOptions, img, err, out)
	}
	t.Cleanup(func() { unmount(t, dir) })
	return dir
}

// unmount retries umount (the FUSE daemon may still be busy), then falls
// back to fusermount -u and a lazy umount.
func unmount(t testing.TB, dir string) {
	var last []byte
	for range 10 {
		out, err := exec.Command("umount", dir).CombinedOutput()
		if err == nil {
			return
		}
		last = out
		time.Sleep(200 * time.Millisecond)
	}
	if exec.Command("fusermount", "-u", dir).Run() == nil {
		return
	}
	if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
		t.Errorf("oracle: cannot unmount %s: %v\n%s\n%s", dir, err, last, out)
	}
}

// Entry is one name seen through an ntfs-3g mount. Not an on-disk structure.
type Entry struct {
	Path  string // volume path, "/" for the root, "/a/b"
	Inode uint64 // st_ino: ntfs-3g uses the MFT record number
	Type  string // "file", "dir", "symlink" or "other"
	Links uint64 // st_nlink: record header link count for files, 1 for dirs
	Size  int64  // st_size (for symlinks: length of the target ntfs-3g shows)

	SHA256 string // hex SHA-256 of the content, regular files only

	// Symlink is os.Readlink's answer for reparse points and Interix
	// symlinks. ntfs-3g rewrites absolute targets (\??\C:\x) to paths under
	// its own mount point, and for targets it cannot translate (UNC, volume
	// GUIDs, broken relative links) returns the text
	// "unsupported reparse tag 0x…" as the target.
	Symlink string

	// ReparseData is the raw $REPARSE_POINT value (the whole
	// REPARSE_DATA_BUFFER) from the xattr system.ntfs_reparse_data, read
	// without following the link; nil when the file has none (Interix
	// symlinks have none).
	ReparseData []byte

	// Streams maps each named $DATA stream to its content, read from the
	// xattr user.NAME (streams_interface=xattr). Nil when there are none.
	// The xattr interface caps a stream at 64 KiB.
	Streams map[string][]byte

	Err string // first error met reading this entry, if any
}

// MountTree walks a mount made by MountRO with Lstat, never following
// symlinks, and returns one Entry per name (a hard-linked file once per
// path), sorted by path, the root first. ntfs-3g hides the system files
// (records 0–15, $MFT … $Extend) at the root, so they never appear.
func MountTree(t testing.TB, dir string) []Entry {
	t.Helper()
	var out []Entry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, rerr := filepath.Rel(dir, p)
		if rerr != nil {
			return rerr
		}
		vp := path.Join("/", filepath.ToSlash(rel))
		if err != nil {
			out = append(out, Entry{Path: vp, Err: err.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		out = append(out, mountEntry(p, vp))
		return nil
	})
	if err != nil {
		t.Fatalf("oracle: walk %s: %v", dir, err)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
	return out
}

func mountEntry(p, vp string) Entry {
	e := Entry{Path: vp}
	fail := func(err error) {
		if e.Err == "" && err != nil {
			e.Err = err.Error()
		}
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(p, &st); err != nil {
		fail(err)
		return e
	}
	e.Inode = st.Ino
	e.Links = uint64(st.Nlink)
	e.Size = st.Size
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
		e.Type = "file"
		sum, err := hashFile(p)
		fail(err)
		e.SHA256 = sum
	case syscall.S_IFDIR:
		e.Type = "dir"
	case syscall.S_IFLNK:
		e.Type = "symlink"
		target, err := os.Readlink(p)
		fail(err)
		e.Symlink = target
	default:
		e.Type = "other"
	}
	rp, err := lgetxattr(p, "system.ntfs_reparse_data")
	if err != nil && !errors.Is(err, syscall.ENODATA) {
		fail(err)
	}
	if len(rp) > 0 {
		e.ReparseData = rp
	}
	names, err := llistxattr(p)
	fail(err)
	for _, n := range names {
		stream, ok := strings.CutPrefix(n, "user.")
		if !ok {
			continue
		}
		v, err := lgetxattr(p, n)
		fail(err)
		if e.Streams == nil {
			e.Streams = map[string][]byte{}
		}
		e.Streams[stream] = v
	}
	return e
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// lgetxattr reads an extended attribute without following symlinks (the
// syscall package only wraps getxattr, which follows them).
func lgetxattr(p, name string) ([]byte, error) {
	pp, err := syscall.BytePtrFromString(p)
	if err != nil {
		return nil, err
	}
	np, err := syscall.BytePtrFromString(name)
	if err != nil {
		return nil, err
	}
	size := 1024
	for {
		buf := make([]byte, size)
		n, _, errno := syscall.Syscall6(syscall.SYS_LGETXATTR,
			uintptr(unsafe.Pointer(pp)), uintptr(unsafe.Pointer(np)),
			uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0)
		if errno == syscall.ERANGE && size < 1<<20 {
			size *= 8
			continue
		}
		if errno != 0 {
			return nil, &os.PathError{Op: "lgetxattr " + name, Path: p, Err: errno}
		}
		return buf[:n], nil
	}
}

// llistxattr lists extended attribute names without following symlinks.
func llistxattr(p string) ([]string, error) {
	pp, err := syscall.BytePtrFromString(p)
	if err != nil {
		return nil, err
	}
	size := 4096
	for {
		buf := make([]byte, size)
		n, _, errno := syscall.Syscall(syscall.SYS_LLISTXATTR,
			uintptr(unsafe.Pointer(pp)), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
		if errno == syscall.ERANGE && size < 1<<20 {
			size *= 8
			continue
		}
		if errno != 0 {
			return nil, &os.PathError{Op: "llistxattr", Path: p, Err: errno}
		}
		var names []string
		for _, b := range bytes.Split(buf[:n], []byte{0}) {
			if len(b) > 0 {
				names = append(names, string(b))
			}
		}
		slices.Sort(names)
		return names, nil
	}
}
