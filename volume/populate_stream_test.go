//go:build linux

package volume_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/volume"
)

// largeFile is what TestPopulateLarge compares of a file: its content's
// hash, size and allocated 512-byte blocks.
type largeFile struct {
	Sum    string
	Size   int64
	Blocks int64
}

func statLarge(t *testing.T, p string) largeFile {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return largeFile{Sum: hex.EncodeToString(h.Sum(nil)), Size: n, Blocks: fi.Sys().(*syscall.Stat_t).Blocks}
}

// TestPopulateLarge copies a host tree holding a large dense file and a
// large sparse file (data runs of several MiB between holes): the data is
// streamed (the heap grows by far less than the data), the holes stay
// holes, and a read-only ntfs-3g mount shows the same bytes and, for the
// sparse file, the same allocated size as the host.
func TestPopulateLarge(t *testing.T) {
	oracle.Require(t, "ntfs-3g", "ntfsfix")
	host := t.TempDir()
	write := func(name string, size int64, data map[int64][]byte) {
		t.Helper()
		f, err := os.Create(filepath.Join(host, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		for off, b := range data {
			if _, err := f.WriteAt(b, off); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("dense.bin", 24<<20+123, map[int64][]byte{0: pseudo(24<<20+123, 21)})
	write("sparse.bin", 64<<20, map[int64][]byte{1 << 20: pseudo(3<<20, 22), 40 << 20: pseudo(2<<20+7, 23)})
	write("small.txt", 5, map[int64][]byte{0: []byte("small")})
	want := map[string]largeFile{}
	for _, n := range []string{"dense.bin", "sparse.bin", "small.txt"} {
		want[n] = statLarge(t, filepath.Join(host, n))
	}
	if want["sparse.bin"].Blocks*512 >= 16<<20 {
		t.Skipf("the host file system keeps no holes (sparse.bin has %d blocks)", want["sparse.bin"].Blocks)
	}

	img := formatImage(t, 128<<20)
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	if err := populate(t, img, host, "/", volume.PopulateOptions{}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&m1)
	alloc := m1.TotalAlloc - m0.TotalAlloc
	t.Logf("29 MiB of data: %.1f MiB allocated in all", float64(alloc)/(1<<20))
	if alloc >= 16<<20 {
		t.Errorf("populate allocated %d bytes for 29 MiB of data; want below 16 MiB (streamed)", alloc)
	}
	oracle.Run(t, "ntfsfix", "-n", img)
	mnt := oracle.MountRO(t, img)
	got := map[string]largeFile{}
	for _, n := range []string{"dense.bin", "sparse.bin", "small.txt"} {
		got[n] = statLarge(t, filepath.Join(mnt, n))
	}
	// Only the sparse file's allocation is compared: ntfs-3g reports a
	// dense file's allocated clusters, the host its blocks.
	for _, n := range []string{"dense.bin", "small.txt"} {
		w, g := want[n], got[n]
		w.Blocks, g.Blocks = 0, 0
		want[n], got[n] = w, g
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("host vs ntfs-3g mount (-want +got):\n%s", d)
	}
}
