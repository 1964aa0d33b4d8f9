//go:build linux

package interop

import (
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// TestWriterNonResidentReparseTag: ntfs-3g stores a 10,000-byte reparse
// buffer non-resident; a hard link the writer adds to that file must carry
// the reparse tag in its index entry as the first name's does (the tag is
// read from the non-resident value), so check finds no entry-flags error.
func TestWriterNonResidentReparseTag(t *testing.T) {
	oracle.Require(t, "ntfs-3g", "setfattr", "umount")
	img := freshImage(t, 16<<20)
	mnt, unmount := oracle.MountRW(t, img)
	p := filepath.Join(mnt, "big-reparse")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	const tag uint32 = 0x80000013 // IO_REPARSE_TAG_DEDUP: a Microsoft tag, no GUID
	buf := make([]byte, 8+10000)
	binary.LittleEndian.PutUint32(buf, tag)
	binary.LittleEndian.PutUint16(buf[4:], 10000)
	for i := range buf[8:] {
		buf[8+i] = byte(i)
	}
	oracle.Run(t, "setfattr", "-n", "system.ntfs_reparse_data", "-v", "0x"+hex.EncodeToString(buf), p)
	unmount()

	v := openRW(t, img, volume.WriteOptions{})
	f, err := v.Lookup("/big-reparse")
	if err != nil {
		t.Fatal(err)
	}
	if a := f.Attr(mft.AttrReparsePoint, nil); a == nil || !a.NonResident {
		t.Fatalf("ntfs-3g's $REPARSE_POINT is not non-resident (%+v): the test needs one", a)
	}
	if err := v.Update(func(tx *volume.Tx) error { return tx.Link("/big-reparse", "/second-name") }); err != nil {
		t.Fatalf("Link: %v", err)
	}
	findings, err := volume.Check(v, volume.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// ntfs-3g itself leaves the first name's entry without the tag (it
	// does not rewrite the index entry on setfattr); ours must have it.
	var ours int
	for _, f := range findings {
		if f.Severity == volume.SevError && f.Name != "big-reparse" {
			t.Errorf("check: %v", f)
		}
	}
	root, err := v.Root()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := root.ReadDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name == "second-name" {
			ours++
			if got := e.FileName.EAReparse; got != tag {
				t.Errorf("index entry of /second-name: reparse tag %#x, want %#x", got, tag)
			}
		}
	}
	if ours != 1 {
		t.Errorf("found %d entries /second-name, want 1", ours)
	}
	v.Close()
	// ntfs-3g agrees: both names are the same reparse point.
	ro := oracle.MountRO(t, img)
	for _, name := range []string{"big-reparse", "second-name"} {
		out := string(oracle.Run(t, "getfattr", "-h", "-e", "hex", "-n", "system.ntfs_reparse_data", filepath.Join(ro, name)))
		if want := "0x" + hex.EncodeToString(buf[:8]); !strings.Contains(out, want) {
			t.Errorf("%s: ntfs-3g reparse data %q does not start with %s", name, out, want)
		}
	}
}
