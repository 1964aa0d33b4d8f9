package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/ntfsedit/ntfsedit/volume"
)

// mkfsFlags are the options of mkfs, kept together so that more can join
// them (a tree to copy in, say) without touching the other verbs.
type mkfsFlags struct {
	size         sizeFlag
	clusterSize  sizeFlag
	sectorSize   int
	label        string
	reproducible bool
	force        bool
	json         bool
	from         string // a host directory copied in (mkfsfrom.go)
}

func init() {
	var f *mkfsFlags
	register(&command{
		name:  "mkfs",
		usage: "IMAGE",
		short: "Make a new, empty NTFS 3.1 volume in IMAGE, laid out as mkntfs lays it out.\n" +
			"IMAGE is an image file (created or truncated to --size, left sparse) or a block device.\n" +
			"An existing IMAGE whose first 64 KiB are not all zero (an old volume, a\n" +
			"partition table) is refused unless --force.",
		setup: func(fs *flag.FlagSet, o *opts) {
			f = &mkfsFlags{}
			fs.Var(&f.size, "size", "volume size in bytes, with an optional K, M, G or T suffix (powers of 1024);\n"+
				"needed for a new image; default: the existing image's or device's size")
			fs.Var(&f.clusterSize, "cluster-size", "cluster size in bytes (512 to 2M, a power of two); default 4096, more above 16 TiB")
			fs.IntVar(&f.sectorSize, "sector-size", 0, "sector size: 512 (default for images), 1024, 2048 or 4096")
			fs.StringVar(&f.label, "label", "", "volume label (at most 128 UTF-16 units)")
			fs.BoolVar(&f.reproducible, "reproducible", false, "fixed serial number and timestamps: the same options give the same bytes")
			fs.BoolVar(&f.force, "force", false, "overwrite an IMAGE that holds data")
			fs.BoolVar(&f.json, "json", false, "print the new volume's info as JSON")
			fs.StringVar(&f.from, "from", "", "copy the host directory `DIR` into the new volume, in one transaction (like mke2fs -d)")
		},
		run:     func(e *env, o *opts, args []string) error { return runMkfs(e, f, args[0]) },
		minArgs: 1, maxArgs: 1,
		noImage: true,
	})
}

// sizeFlag is a byte count with an optional binary suffix.
type sizeFlag int64

func (s *sizeFlag) String() string { return strconv.FormatInt(int64(*s), 10) }

func (s *sizeFlag) Set(v string) error {
	n, err := parseByteSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

// parseByteSize parses a whole number of bytes with an optional K, M, G or T
// suffix (powers of 1024; "MiB" and "MB" mean the same): "4096", "64M".
func parseByteSize(v string) (int64, error) {
	s := strings.TrimSuffix(strings.TrimSuffix(v, "B"), "i")
	shift := 0
	if s != "" {
		switch s[len(s)-1] {
		case 'k', 'K':
			shift = 10
		case 'm', 'M':
			shift = 20
		case 'g', 'G':
			shift = 30
		case 't', 'T':
			shift = 40
		}
		if shift != 0 {
			s = s[:len(s)-1]
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)>>shift {
		return 0, fmt.Errorf("bad size %q (want a positive whole number, optionally with K, M, G or T)", v)
	}
	return n << shift, nil
}

func runMkfs(e *env, f *mkfsFlags, image string) error {
	size := int64(f.size)
	if f.clusterSize != 0 && int64(f.clusterSize) > 1<<30 {
		return usagef("bad cluster size %d", f.clusterSize)
	}
	fi, err := os.Stat(image)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if size == 0 {
			return usagef("%s does not exist: --size is needed to create it", image)
		}
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%s is a directory", image)
	default:
		if size == 0 && fi.Mode().IsRegular() {
			if size = fi.Size(); size == 0 {
				return usagef("%s is empty: give --size", image)
			}
		}
		if !f.force {
			if what, err := holdsData(image); err != nil {
				return err
			} else if what != "" {
				return fmt.Errorf("%s holds data (%s); --force overwrites it", image, what)
			}
		}
	}
	if f.from != "" {
		if err := checkFromDir(f.from); err != nil {
			return err
		}
	}
	opts := volume.FormatOptions{Size: size, ClusterSize: int(f.clusterSize), SectorSize: f.sectorSize,
		Label: f.label, Reproducible: f.reproducible}
	if err := volume.Format(image, opts); err != nil {
		if errors.Is(err, volume.ErrGeometry) {
			return usagef("%v", err)
		}
		return err
	}
	if f.from != "" {
		if err := populateFrom(image, f.from, f.reproducible); err != nil {
			return err
		}
	}
	v, err := volume.Open(image, volume.Options{})
	if err != nil {
		return fmt.Errorf("reading the new volume back: %w", err)
	}
	defer v.Close()
	in := v.Info()
	if f.json {
		j := infoJSON{Info: in}
		if j.FlagNames == nil {
			j.FlagNames = []string{}
		}
		return jsonLine(e.stdout, j)
	}
	_, err = fmt.Fprintf(e.stdout, "%s: NTFS %s, %d bytes, %d clusters of %d bytes, sectors of %d, serial %s, label %q\n",
		image, in.Version, in.Size, in.Clusters, in.ClusterSize, in.SectorSize, in.Serial, in.Label)
	return err
}

// holdsData reports what an existing image or device holds, "" when its
// first 64 KiB are zeros (or it is empty).
func holdsData(path string) (string, error) {
	fl, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fl.Close()
	b := make([]byte, 64<<10)
	n, err := io.ReadFull(fl, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	b = b[:n]
	for _, c := range b {
		if c != 0 {
			if bs, err := volume.DecodeBootSector(b); err == nil {
				return fmt.Sprintf("an NTFS volume, serial %016X", bs.Serial), nil
			}
			return "not all zeros", nil
		}
	}
	return "", nil
}
