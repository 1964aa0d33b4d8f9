package volume_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/internal/testutil"
	"github.com/ntfsedit/ntfsedit/volume"
)

// The writer benchmark of bench/writer.sh as a Go benchmark: 10,000 hard
// links, to 10,000 distinct files in /src, into one directory in one
// transaction (open, link, commit, close). "mem" runs on a device and
// journal in memory (the CPU part); "file" on an image file with a journal
// file next to it, synced as a real commit is.

const benchLinks = 10000

var (
	benchOnce sync.Once
	benchImg  []byte
	benchErr  error
)

// linksImage returns a 64 MiB volume made by mkntfs holding /links and
// /src with benchLinks one-byte files (built once per test binary).
func linksImage(b *testing.B) []byte {
	b.Helper()
	oracle.Require(b, "mkntfs")
	benchOnce.Do(func() { benchImg, benchErr = buildLinksImage() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchImg
}

func buildLinksImage() ([]byte, error) {
	dir, err := os.MkdirTemp("", "txbench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	img := filepath.Join(dir, "b.img")
	if err := os.WriteFile(img, nil, 0o644); err != nil {
		return nil, err
	}
	if err := os.Truncate(img, 64<<20); err != nil {
		return nil, err
	}
	if out, err := oracle.Output("mkntfs", "-F", "-q", "-f", "-L", "bench", img); err != nil {
		return nil, fmt.Errorf("mkntfs: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(img)
	if err != nil {
		return nil, err
	}
	v, err := volume.OpenWritableOn(volume.NewMemDevice(raw, 512), volume.Options{}, volume.WriteOptions{Journal: testutil.NewMemJournal()})
	if err != nil {
		return nil, err
	}
	defer v.Close()
	err = v.Update(func(tx *volume.Tx) error {
		if err := tx.Mkdir("/src"); err != nil {
			return err
		}
		return tx.Mkdir("/links")
	})
	for i := 0; err == nil && i < benchLinks; i += 1000 {
		err = v.Update(func(tx *volume.Tx) error {
			for j := i; j < min(i+1000, benchLinks); j++ {
				if err := tx.Create(fmt.Sprintf("/src/f%05d", j), strings.NewReader("x")); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return raw, err
}

// linkAll is the timed transaction.
func linkAll(tx *volume.Tx) error {
	for i := range benchLinks {
		if err := tx.Link(fmt.Sprintf("/src/f%05d", i), fmt.Sprintf("/links/l%05d-0000", i)); err != nil {
			return err
		}
	}
	return nil
}

func BenchmarkLinks10k(b *testing.B) {
	img := linksImage(b)
	b.Run("mem", func(b *testing.B) {
		raw := bytes.Clone(img)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			copy(raw, img)
			b.StartTimer()
			v, err := volume.OpenWritableOn(volume.NewMemDevice(raw, 512), volume.Options{}, volume.WriteOptions{Journal: testutil.NewMemJournal()})
			if err != nil {
				b.Fatal(err)
			}
			if err := v.Update(linkAll); err != nil {
				b.Fatal(err)
			}
			v.Close()
		}
	})
	b.Run("file", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "links.img")
		for b.Loop() {
			b.StopTimer()
			if err := os.WriteFile(path, img, 0o644); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			v, err := volume.OpenWritable(path, volume.Options{}, volume.WriteOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if err := v.Update(linkAll); err != nil {
				b.Fatal(err)
			}
			if err := v.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestLinksImageReadable keeps the benchmark's transaction honest: after
// it, every link resolves to its file.
func TestLinksImageReadable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-file volume")
	}
	oracle.Require(t, "mkntfs")
	benchOnce.Do(func() { benchImg, benchErr = buildLinksImage() })
	if benchErr != nil {
		t.Fatal(benchErr)
	}
	raw := bytes.Clone(benchImg)
	v, err := volume.OpenWritableOn(volume.NewMemDevice(raw, 512), volume.Options{}, volume.WriteOptions{Journal: testutil.NewMemJournal()})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Update(linkAll); err != nil {
		t.Fatal(err)
	}
	v.Close()
	v, err = volume.OpenOn(volume.NewMemDevice(raw, 512), volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, i := range []int{0, 1, 4999, benchLinks - 1} {
		a, err := v.Lookup(fmt.Sprintf("/src/f%05d", i))
		if err != nil {
			t.Fatal(err)
		}
		l, err := v.Lookup(fmt.Sprintf("/links/l%05d-0000", i))
		if err != nil {
			t.Fatal(err)
		}
		if a.Number() != l.Number() {
			t.Errorf("link %d: record %d, want %d", i, l.Number(), a.Number())
		}
	}
	ents, err := v.ReadDir("links")
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != benchLinks {
		t.Errorf("/links has %d entries, want %d", len(ents), benchLinks)
	}
}
