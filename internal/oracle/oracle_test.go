package oracle

import (
	"strings"
	"testing"
)

// TestInteropImage checks the oracles themselves on fixtures/mkinterop.sh's
// image: what the builder promises is really there, seen by three tools.
func TestInteropImage(t *testing.T) {
	Require(t, "ntfs-3g", "mkntfs", "setfattr", "fls", "istat", "fsntfsinfo")
	img := Image(t, "fixtures/mkinterop.sh")
	tree := MountTree(t, MountRO(t, img))
	byPath := map[string]Entry{}
	for _, e := range tree {
		if e.Err != "" {
			t.Errorf("%s: %s", e.Path, e.Err)
		}
		byPath[e.Path] = e
	}
	if tree[0].Path != "/" || tree[0].Inode != 5 {
		t.Errorf("first entry %+v, want the root (inode 5)", tree[0])
	}
	count := func(dir string) (n int) {
		for _, e := range tree {
			if strings.HasPrefix(e.Path, dir+"/") {
				n++
			}
		}
		return n
	}
	if n := count("/del2000"); n != 10 {
		t.Errorf("del2000 has %d entries through the mount, want 10", n)
	}
	if n := count("/big2000"); n != 2000 {
		t.Errorf("big2000 has %d entries through the mount, want 2000", n)
	}
	if e := byPath["/many-links/hardlink-number-00-with-a-long-name.txt"]; e.Links != 45 {
		t.Errorf("45-link file: st_nlink %d", e.Links)
	}
	if e := byPath["/ads.txt"]; string(e.Streams["secret"]) != "hidden stream data" || len(e.Streams["big"]) != 60000 {
		t.Errorf("ads.txt streams: %d streams, secret=%q", len(e.Streams), e.Streams["secret"])
	}
	for _, p := range []string{"/junction", "/symlink-rel", "/symlink-unc", "/loop/Application Data"} {
		if e := byPath[p]; e.Type != "symlink" || len(e.ReparseData) < 8 {
			t.Errorf("%s: type %q, %d bytes of reparse data", p, e.Type, len(e.ReparseData))
		}
	}
	if e := byPath["/interix-symlink"]; e.Type != "symlink" || e.Symlink != "target/file.txt" || e.ReparseData != nil {
		t.Errorf("interix symlink: %+v", e)
	}

	// istat: sparse, compressed, fragmented and $ATTRIBUTE_LIST are real.
	attr := func(p string) IstatAttr {
		t.Helper()
		r := Istat(t, img, byPath[p].Inode)
		d, ok := r.Data()
		if !ok {
			t.Fatalf("%s: no unnamed $DATA in istat", p)
		}
		return d
	}
	if !attr("/sparse.bin").Sparse {
		t.Error("sparse.bin is not sparse")
	}
	for _, p := range []string{"/compressed/big-text.txt", "/compressed/mixed.bin", "/compressed/subdir/inherit.txt"} {
		if !attr(p).Compressed {
			t.Errorf("%s is not compressed", p)
		}
	}
	if r := Istat(t, img, byPath["/many-links/hardlink-number-00-with-a-long-name.txt"].Inode); !strings.Contains(r.Text, "$ATTRIBUTE_LIST") {
		t.Error("45-link file has no $ATTRIBUTE_LIST")
	}

	// fls and fsntfsinfo parse their full output.
	live := 0
	for _, e := range Fls(t, img) {
		if e.Live() && strings.HasPrefix(e.Path, "/del2000/") {
			live++
		}
	}
	if live < 10 {
		t.Errorf("fls: %d live entries in del2000, want at least 10", live)
	}
	fs := Fsntfsinfo(t, img)
	if r := fs[byPath["/junction"].Inode].Reparse; r == nil || r.Substitute != `\??\C:\target` {
		t.Errorf("fsntfsinfo junction: %+v", r)
	}
}
