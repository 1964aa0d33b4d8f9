package corrupt

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/volume"
)

// TestCorruptions applies each corruption to a copy of the reference image
// and checks that it changed the image and, where our reader notices, that
// it now fails as the corruption implies. The checker's tests
// (volume/check_test.go) check every corruption in depth.
func TestCorruptions(t *testing.T) {
	ref := RefImage(t)
	orig, err := os.ReadFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		do     func(img string) error
		lookup string // a path our reader must no longer resolve, if any
	}{
		{"torn record", func(img string) error { _, err := TornRecordFixup(img, "/only.txt"); return err }, "/only.txt"},
		{"torn indx", func(img string) error { _, err := TornINDXFixup(img, "/many"); return err }, ""},
		{"link count", func(img string) error { _, err := LinkCount(img, "/third.txt", 1); return err }, ""},
		{"remove entry", func(img string) error { return RemoveIndexEntry(img, "/only.txt") }, "/only.txt"},
		{"remove root entry", func(img string) error { return RemoveIndexEntry(img, "/pair/b.txt") }, "/pair/b.txt"},
		{"remove block entry", func(img string) error { return RemoveIndexEntry(img, "/many/file123.txt") }, "/many/file123.txt"},
		{"empty block", func(img string) error { _, _, err := EmptyINDXBlock(img, "/many"); return err }, ""},
		{"free record", func(img string) error { _, err := FreeRecord(img, "/only.txt", false); return err }, "/only.txt"},
		{"free record keep bit", func(img string) error { _, err := FreeRecord(img, "/only.txt", true); return err }, "/only.txt"},
		{"swap root", func(img string) error { _, err := SwapEntries(img, "/pair", true); return err }, ""},
		{"swap block", func(img string) error { _, err := SwapEntries(img, "/many", false); return err }, ""},
		{"drop reparse key", func(img string) error { return DropReparseKey(img, "/junction") }, ""},
		{"entry sequence", func(img string) error { return EntrySequence(img, "/only.txt", 1) }, "/only.txt"},
		{"mirror", MirrorDiffer, ""},
		{"mft bit", func(img string) error { _, err := ClearMFTBit(img, "/only.txt"); return err }, ""},
		{"cluster bit", func(img string) error { _, err := ClearClusterBit(img, "/big.txt"); return err }, ""},
		{"parent", func(img string) error { _, err := FileNameParent(img, "/only.txt", "/dir1"); return err }, ""},
		{"entry size", func(img string) error { return EntrySize(img, "/big.txt", 7) }, ""},
		{"entry reparse tag", func(img string) error { return EntryReparseTag(img, "/junction", 0) }, ""},
		{"entry dir flag", func(img string) error { return EntryDirFlag(img, "/dir1") }, ""},
		{"cross link", func(img string) error { _, err := CrossLink(img, "/big.txt", "/big2.txt"); return err }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := oracle.CopyImage(t, ref)
			if err := tt.do(img); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(img)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(got, orig) {
				t.Fatal("image unchanged")
			}
			if tt.lookup == "" {
				return
			}
			v, err := volume.Open(img, volume.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			if _, err := v.Lookup(tt.lookup); err == nil {
				t.Errorf("Lookup(%s) succeeded on the corrupted image", tt.lookup)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	img := oracle.CopyImage(t, RefImage(t))
	if err := RemoveIndexEntry(img, "/no-such-file"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RemoveIndexEntry(missing) = %v, want ErrNotFound", err)
	}
	if _, err := SwapEntries(img, "/pair", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("SwapEntries(/pair in a block) = %v, want ErrNotFound", err)
	}
}
