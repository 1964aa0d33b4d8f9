package volume

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// PopulateOptions tune Tx.Populate.
type PopulateOptions struct {
	// Drive is the drive an absolute host symlink target is taken to
	// name ("/a/b" becomes the Windows symlink C:\a\b); "" means "C:".
	Drive string
	// NoStreams leaves out the host's user.* extended attributes, which
	// otherwise become alternate data streams of the same name (what an
	// ntfs-3g mount with streams_interface=xattr shows them as).
	NoStreams bool
	// HostTimesOnly makes the creation and change times the modification
	// time: a host's birth and inode change times cannot be set, so an
	// image that must be the same for the same tree (mkfs --reproducible)
	// cannot use them.
	HostTimesOnly bool
}

// hostMeta is what Populate takes from a host file beyond its type.
//
// Not an on-disk structure.
type hostMeta struct {
	dev, ino uint64 // 0, 0: unknown (no hard-link detection)
	nlink    uint64
	times    Times
}

// Populate copies the host directory tree hostDir into the directory dest
// of the volume (created if missing), like mke2fs -d:
//
//   - directories and regular files with their data; holes of sparse host
//     files (found with lseek SEEK_DATA/SEEK_HOLE) stay holes, as sparse
//     NTFS files (see CreateSparse);
//   - host hard links (same device and inode) become one record with
//     several names;
//   - symbolic links become Windows symbolic links (a directory link when
//     the host target is a directory): a relative target stays relative,
//     with '\' separators; an absolute target /a/b is stored as
//     Drive\a\b (C:\a\b): the volume is taken to be the drive the tree
//     is meant for, as mke2fs -d keeps absolute targets verbatim for the
//     root it builds (ntfs-3g shows C:\a\b as MOUNTPOINT/.NTFS-3G/C:/a/b);
//   - times: modification, access and change (inode change becomes MFT
//     change) from the host; creation from statx's birth time where the
//     host has one (Linux), else the modification time; see SetTimes for
//     what is updated;
//   - user.NAME extended attributes become alternate data streams NAME
//     (unless opts.NoStreams), on Linux.
//
// Host names NTFS cannot hold (characters Windows forbids, reserved device
// names, a trailing dot or space, two names differing only in case) and
// files other than directories, regular files and symlinks fail with an
// error naming the host path. Ownership and permissions are not copied:
// new files inherit the parent's security as other new files do.
func (tx *Tx) Populate(hostDir, dest string, opts PopulateOptions) error {
	if opts.Drive == "" {
		opts.Drive = "C:"
	}
	if d := opts.Drive; len(d) != 2 || d[1] != ':' || !(d[0]|0x20 >= 'a' && d[0]|0x20 <= 'z') {
		return fmt.Errorf("%w: populate: drive %q (want a letter and a colon, like C:)", ErrInvalid, opts.Drive)
	}
	root, err := os.Lstat(hostDir)
	if err != nil {
		return fmt.Errorf("volume: populate: %w", err)
	}
	if !root.IsDir() {
		return fmt.Errorf("volume: populate: %s is not a directory", hostDir)
	}
	dest = "/" + strings.Join(splitPath(dest), "/")
	if err := tx.MkdirAll(dest); err != nil {
		return err
	}
	type timed struct {
		vpath string
		t     Times
	}
	var times []timed
	links := map[[2]uint64]string{}
	err = filepath.WalkDir(hostDir, func(hp string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("volume: populate: %w", err)
		}
		rel, err := filepath.Rel(hostDir, hp)
		if err != nil {
			return err
		}
		vp := path.Join(dest, filepath.ToSlash(rel))
		fi, err := d.Info()
		if err != nil {
			return fmt.Errorf("volume: populate: %w", err)
		}
		meta := hostStat(hp, fi)
		if opts.HostTimesOnly {
			meta.times.Created, meta.times.Changed = meta.times.Modified, meta.times.Modified
		}
		if rel != "." {
			if err := validName(d.Name()); err != nil {
				return fmt.Errorf("volume: populate %s: %w", hp, err)
			}
		}
		fail := func(err error) error {
			if err == nil {
				return nil
			}
			return fmt.Errorf("volume: populate %s: %w", hp, err)
		}
		switch mode := fi.Mode(); {
		case rel == ".":
		case mode.IsDir():
			if err := tx.Mkdir(vp); err != nil {
				return fail(err)
			}
		case mode.IsRegular():
			key := [2]uint64{meta.dev, meta.ino}
			if meta.nlink > 1 && meta.ino != 0 {
				if first, ok := links[key]; ok {
					return fail(tx.Link(first, vp))
				}
				links[key] = vp
			}
			streams, err := hostFileStreams(hp, opts)
			if err != nil {
				return fail(err)
			}
			// A file with one name and no streams gets its times as it
			// is created; the others once everything is made.
			var t *Times
			if meta.nlink <= 1 && len(streams) == 0 {
				t = &meta.times
			}
			if err := tx.createHostFile(vp, hp, t); err != nil {
				return fail(err)
			}
			if err := writeStreams(tx, vp, streams); err != nil {
				return fail(err)
			}
			if t != nil {
				return nil
			}
		case mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(hp)
			if err != nil {
				return fail(err)
			}
			wt, err := windowsLinkTarget(target, opts.Drive)
			if err != nil {
				return fail(err)
			}
			st, serr := os.Stat(hp)
			if err := tx.Symlink(vp, wt, SymlinkOptions{Dir: serr == nil && st.IsDir()}); err != nil {
				return fail(err)
			}
		default:
			return fail(fmt.Errorf("%w: %v is not a directory, regular file or symbolic link", ErrInvalid, mode.Type()))
		}
		if fi.IsDir() && rel != "." {
			streams, err := hostFileStreams(hp, opts)
			if err != nil {
				return fail(err)
			}
			if err := writeStreams(tx, vp, streams); err != nil {
				return fail(err)
			}
		}
		times = append(times, timed{vp, meta.times})
		return nil
	})
	if err != nil {
		return err
	}
	// Times last, children before their directories: creating names
	// changes the directories' times.
	for i := len(times) - 1; i >= 0; i-- {
		if err := tx.SetTimes(times[i].vpath, times[i].t); err != nil {
			return err
		}
	}
	return nil
}

// hostFileStreams returns the user.* extended attributes of a host file
// or directory, unless opts leave them out.
func hostFileStreams(hp string, opts PopulateOptions) (map[string][]byte, error) {
	if opts.NoStreams {
		return nil, nil
	}
	return hostStreams(hp)
}

// writeStreams writes streams (by name) to the volume path vp, in name
// order.
func writeStreams(tx *Tx, vp string, streams map[string][]byte) error {
	names := make([]string, 0, len(streams))
	for n := range streams {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := tx.WriteStream(vp, n, bytes.NewReader(streams[n])); err != nil {
			return err
		}
	}
	return nil
}

// windowsLinkTarget turns a host symlink target into one Tx.Symlink
// takes: '/' separators become '\', an absolute target gets the drive.
func windowsLinkTarget(target, drive string) (string, error) {
	if target == "" {
		return "", fmt.Errorf("%w: empty symbolic link target", ErrInvalid)
	}
	if strings.Contains(target, `\`) {
		return "", fmt.Errorf("%w: symbolic link target %q holds '\\', which would change meaning on Windows", ErrInvalid, target)
	}
	w := strings.ReplaceAll(target, "/", `\`)
	if strings.HasPrefix(target, "/") {
		w = drive + `\` + strings.TrimLeft(w, `\`)
	}
	return w, nil
}

// createHostFile copies the regular host file hp to the new file vp
// with times t (nil: the transaction's). Its data is read once, a chunk
// at a time when large (see createFrom).
func (tx *Tx) createHostFile(vp, hp string, t *Times) error {
	f, err := os.Open(hp)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	ranges, err := hostRanges(f, fi.Size())
	if err != nil {
		return err
	}
	return tx.createFrom(vp, fi.Size(), f, ranges, t)
}
