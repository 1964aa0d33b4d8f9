package volume_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/corrupt"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/volume"
)

func TestCheckDump(t *testing.T) {
	if os.Getenv("CHECKDUMP") == "" {
		t.Skip()
	}
	ref := corrupt.RefImage(t)
	for _, tt := range corruptions {
		img := oracle.CopyImage(t, ref)
		if err := tt.do(img); err != nil {
			t.Fatal(tt.name, err)
		}
		v, err := volume.Open(img, volume.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fs, err := volume.Check(v, volume.CheckOptions{})
		v.Close()
		fmt.Println("==", tt.name, err)
		for _, f := range fs {
			fmt.Printf("   %s rec=%d parent=%d name=%q ref=%s\n", f, f.Record, f.Parent, f.Name, f.Ref)
		}
	}
}

var corruptions = []struct {
	name string
	do   func(img string) error
}{
	{"torn record", func(img string) error { _, err := corrupt.TornRecordFixup(img, "/only.txt"); return err }},
	{"torn indx", func(img string) error { _, err := corrupt.TornINDXFixup(img, "/many"); return err }},
	{"link count high", func(img string) error { _, err := corrupt.LinkCount(img, "/third.txt", 1); return err }},
	{"link count low", func(img string) error { _, err := corrupt.LinkCount(img, "/third.txt", -1); return err }},
	{"remove only name", func(img string) error { return corrupt.RemoveIndexEntry(img, "/only.txt") }},
	{"remove one hard link", func(img string) error { return corrupt.RemoveIndexEntry(img, "/links/b/second.txt") }},
	{"empty block", func(img string) error { _, _, err := corrupt.EmptyINDXBlock(img, "/many"); return err }},
	{"free record", func(img string) error { _, err := corrupt.FreeRecord(img, "/only.txt", false); return err }},
	{"free record keep bit", func(img string) error { _, err := corrupt.FreeRecord(img, "/only.txt", true); return err }},
	{"swap root", func(img string) error { _, err := corrupt.SwapEntries(img, "/pair", true); return err }},
	{"swap block", func(img string) error { _, err := corrupt.SwapEntries(img, "/many", false); return err }},
	{"drop reparse key", func(img string) error { return corrupt.DropReparseKey(img, "/junction") }},
	{"entry sequence", func(img string) error { return corrupt.EntrySequence(img, "/only.txt", 1) }},
	{"mirror", corrupt.MirrorDiffer},
	{"mft bit", func(img string) error { _, err := corrupt.ClearMFTBit(img, "/only.txt"); return err }},
	{"cluster bit", func(img string) error { _, err := corrupt.ClearClusterBit(img, "/big.txt"); return err }},
	{"parent", func(img string) error { _, err := corrupt.FileNameParent(img, "/only.txt", "/dir1"); return err }},
	{"entry size", func(img string) error { return corrupt.EntrySize(img, "/big.txt", 7) }},
	{"entry reparse tag", func(img string) error { return corrupt.EntryReparseTag(img, "/junction", 0) }},
	{"entry dir flag", func(img string) error { return corrupt.EntryDirFlag(img, "/dir1") }},
	{"cross link", func(img string) error { _, err := corrupt.CrossLink(img, "/big.txt", "/big2.txt"); return err }},
}
