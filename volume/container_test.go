package volume

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// containerTools are the Debian tools that make the test containers.
var containerTools = [][2]string{{"ewfacquire", "ewf-tools"}, {"qemu-img", "qemu-utils"}, {"sfdisk", "fdisk"}}

func requireContainerTools(t *testing.T) {
	t.Helper()
	for _, tp := range containerTools {
		if _, err := exec.LookPath(tp[0]); err != nil {
			oracle.Unavailable(t, "%s not installed: apt-get install %s", tp[0], tp[1])
		}
	}
}

var (
	containersOnce sync.Once
	containersDir  string
	containersErr  error
)

// containerRecipe names the build below; change it when the build changes.
const containerRecipe = "containers-v1"

// containerSet builds the sample volume and a partitioned disk holding it
// (partition 2, after a small partition 1) as raw images and as containers
// made by libewf's ewfacquire (compressed; stored in 1 MiB segments) and
// qemu-img (dynamic and fixed VHD, VHDX). The set is cached like
// internal/oracle's images, keyed by the sample's SHA-256 and the recipe;
// building it takes under a second.
func containerSet(t *testing.T) string {
	t.Helper()
	requireContainerTools(t)
	containersOnce.Do(func() {
		root := oracle.RepoRoot(t)
		sum := oracle.SHA256File(t, filepath.Join(root, "fixtures", "sample.img"))
		cache, err := oracle.CacheDir()
		if err != nil {
			containersErr = err
			return
		}
		dir := filepath.Join(cache, containerRecipe+"-"+sum[:16])
		if _, err := os.Stat(dir); err == nil {
			containersDir = dir
			return
		}
		if err := os.MkdirAll(cache, 0o755); err != nil {
			containersErr = err
			return
		}
		tmp, err := os.MkdirTemp(cache, containerRecipe+"-tmp-")
		if err != nil {
			containersErr = err
			return
		}
		if err := buildContainers(root, tmp); err != nil {
			os.RemoveAll(tmp)
			containersErr = err
			return
		}
		if err := os.Rename(tmp, dir); err != nil {
			os.RemoveAll(tmp) // built meanwhile by another test binary
		}
		containersDir = dir
	})
	if containersErr != nil {
		t.Fatal(containersErr)
	}
	return containersDir
}

func buildContainers(root, dir string) error {
	sample, err := os.ReadFile(filepath.Join(root, "fixtures", "sample.img"))
	if err != nil {
		return err
	}
	run := func(stdin []byte, name string, args ...string) error {
		cmd := exec.Command(name, args...)
		if stdin != nil {
			cmd.Stdin = bytes.NewReader(stdin)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	// disk.raw: 6 MiB, MBR; partition 1 at 1 MiB (1 MiB of 0x5a),
	// partition 2 at 3 MiB holding the sample volume.
	disk := make([]byte, 6<<20)
	copy(disk[1<<20:2<<20], bytes.Repeat([]byte{0x5a}, 1<<20))
	copy(disk[3<<20:], sample)
	rawDisk := filepath.Join(dir, "disk.raw")
	if err := os.WriteFile(rawDisk, disk, 0o644); err != nil {
		return err
	}
	if err := run([]byte("start=2048, size=2048, type=83\nstart=6144, size=4096, type=7\n"), "sfdisk", "-q", rawDisk); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sample.raw"), sample, 0o644); err != nil {
		return err
	}
	for _, base := range []string{"sample", "disk"} {
		raw := filepath.Join(dir, base+".raw")
		steps := [][]string{
			{"ewfacquire", "-u", "-q", "-c", "best", "-t", filepath.Join(dir, base+"-best"), raw},
			{"ewfacquire", "-u", "-q", "-c", "none", "-S", "1048576", "-t", filepath.Join(dir, base+"-seg"), raw},
			{"qemu-img", "convert", "-O", "vpc", "-o", "subformat=dynamic,force_size=on", raw, filepath.Join(dir, base+"-dyn.vhd")},
			{"qemu-img", "convert", "-O", "vpc", "-o", "subformat=fixed,force_size=on", raw, filepath.Join(dir, base+"-fixed.vhd")},
			{"qemu-img", "convert", "-O", "vhdx", raw, filepath.Join(dir, base+".vhdx")},
		}
		for _, s := range steps {
			if err := run(nil, s[0], s[1:]...); err != nil {
				return err
			}
		}
	}
	return nil
}

var containerNames = []string{"-best.E01", "-seg.E01", "-dyn.vhd", "-fixed.vhd", ".vhdx"}

// TestContainerDevice reads every container whole through OpenDevice and
// compares it with the raw image byte for byte.
func TestContainerDevice(t *testing.T) {
	dir := containerSet(t)
	for _, base := range []string{"sample", "disk"} {
		raw, err := os.ReadFile(filepath.Join(dir, base+".raw"))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range containerNames {
			t.Run(base+c, func(t *testing.T) {
				d, err := OpenDevice(filepath.Join(dir, base+c), false)
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				if d.Size() != int64(len(raw)) || d.SectorSize() != 512 {
					t.Fatalf("size %d, sector %d; want %d, 512", d.Size(), d.SectorSize(), len(raw))
				}
				got, err := io.ReadAll(io.NewSectionReader(d, 0, d.Size()))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, raw) {
					t.Fatal("disk differs from the raw image")
				}
				if _, err := d.WriteAt([]byte{1}, 0); !errors.Is(err, ErrReadOnlyContainer) {
					t.Errorf("WriteAt = %v; want ErrReadOnlyContainer", err)
				}
				if _, err := d.ReadAt(make([]byte, 1), -1); !errors.Is(err, ErrOutOfRange) {
					t.Errorf("ReadAt(-1) = %v; want ErrOutOfRange", err)
				}
			})
		}
	}
}

func TestContainerWritable(t *testing.T) {
	dir := containerSet(t)
	for _, c := range containerNames {
		_, err := OpenDevice(filepath.Join(dir, "sample"+c), true)
		var de *DeviceError
		if !errors.Is(err, ErrReadOnlyContainer) || !errors.As(err, &de) || de.Path != filepath.Join(dir, "sample"+c) {
			t.Errorf("OpenDevice(%s, writable) = %v; want a DeviceError wrapping ErrReadOnlyContainer", c, err)
		}
	}
}

// volumeListing is what `ntfsedit find -a` and `cat` would print for every
// name: the path, record, type and the SHA-256 of each stream.
func volumeListing(t *testing.T, spec string) []string {
	t.Helper()
	v, err := Open(spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var out []string
	err = v.Walk("/", true, func(path string, e DirEntry, f *File, err error) error {
		if err != nil {
			out = append(out, path+": "+err.Error())
			return nil
		}
		line := fmt.Sprintf("%s #%d dir=%v", path, f.Number(), f.IsDir())
		for _, si := range f.Streams() {
			s, err := f.Stream(si.Name)
			if err != nil {
				line += " " + si.Name + ":" + err.Error()
				continue
			}
			b, err := s.ReadAll()
			if err != nil {
				line += " " + si.Name + ":" + err.Error()
				continue
			}
			line += fmt.Sprintf(" %s:%x", si.Name, sha256.Sum256(b))
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestContainerVolume walks the volume inside every container (for the
// partitioned disk through IMAGE@2) and reads every stream: the listing
// must equal the one of the raw image.
func TestContainerVolume(t *testing.T) {
	dir := containerSet(t)
	want := volumeListing(t, filepath.Join(dir, "sample.raw"))
	if len(want) < 20 {
		t.Fatalf("raw sample: only %d names", len(want))
	}
	if diff := cmp.Diff(want, volumeListing(t, filepath.Join(dir, "disk.raw")+"@2")); diff != "" {
		t.Fatalf("disk.raw@2 differs from sample.raw (-want +got):\n%s", diff)
	}
	for _, c := range containerNames {
		for _, spec := range []string{"sample" + c, "disk" + c + "@2"} {
			t.Run(spec, func(t *testing.T) {
				if diff := cmp.Diff(want, volumeListing(t, filepath.Join(dir, spec))); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	}
	// Partition 1 of the disk is no NTFS volume, through the container too.
	if _, err := Open(filepath.Join(dir, "disk-best.E01@1"), Options{}); !errors.Is(err, ErrNotNTFS) {
		t.Errorf("disk-best.E01@1: %v; want ErrNotNTFS", err)
	}
}

func TestContainerCorrupt(t *testing.T) {
	dir := containerSet(t)
	b, err := os.ReadFile(filepath.Join(dir, "sample-best.E01"))
	if err != nil {
		t.Fatal(err)
	}
	b[20] ^= 1 // the first section descriptor
	bad := filepath.Join(t.TempDir(), "bad.E01")
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(bad, Options{})
	var de *DeviceError
	if !errors.As(err, &de) || de.Path != bad || !strings.Contains(err.Error(), "section descriptor checksum") {
		t.Errorf("Open(corrupt E01) = %v; want a DeviceError naming it and the checksum", err)
	}
}
