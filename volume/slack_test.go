package volume_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// TestSlackMFTFile carves the slack of slack.mft (dfir_ntfs's sample):
// its test asserts that the slack of record 39 (/test_folder) holds
// exactly these three names, in this order.
func TestSlackMFTFile(t *testing.T) {
	v, err := volume.OpenMFTFile(gunzipShared("slack.mft.gz")(t))
	if err != nil {
		t.Fatal(err)
	}
	f, err := v.Lookup("/test_folder")
	if err != nil {
		t.Fatal(err)
	}
	if f.Number() != 39 {
		t.Fatalf("/test_folder is record %d, want 39", f.Number())
	}
	es, err := f.IndexSlack()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		if e.Source != volume.SlackRecord || e.Dir != 39 {
			t.Errorf("%s: source %s dir %d, want record slack of 39", e.FileName.NameString(), e.Source, e.Dir)
		}
		got = append(got, e.FileName.NameString())
	}
	want := []string{"New Text Document - Copy (3).txt", "New Text Document - Copy.txt", "New Text Document.txt"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("slack names (-dfir_ntfs +ours):\n%s", diff)
	}
}

// TestSlackInterop carves del2000 of the interop image, where ntfs-3g
// deleted 1,990 of 2,000 files: the slack holds only names of those
// files, nearly all of them, and an entry whose record is still live
// names one of the 10 files left. fls -r -p lists the stale names it
// finds (in unused blocks, mixed with live ones) and the deleted records
// of the directory: each is among ours (slack, deleted or live).
func TestSlackInterop(t *testing.T) {
	img := oracle.Image(t, "fixtures/mkinterop.sh")
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	dir, err := v.Lookup("/del2000")
	if err != nil {
		t.Fatal(err)
	}
	es, err := dir.IndexSlack()
	if err != nil {
		t.Fatal(err)
	}
	left := map[string]bool{}
	for _, n := range strings.Fields("0000 0199 0400 0777 1000 1234 1500 1800 1998 1999") {
		left["gone-"+n+".txt"] = true
	}
	name := regexp.MustCompile(`^gone-\d{4}\.txt$`)
	ours := map[string]bool{}
	deleted := map[string]bool{}
	for _, e := range es {
		n := e.FileName.NameString()
		ours["/del2000/"+n] = true
		if !name.MatchString(n) {
			t.Errorf("carved %q (%s at VCN %d offset 0x%x): not a name the script made", n, e.Source, e.VCN, e.Offset)
		}
		if !left[n] {
			deleted[n] = true
		}
		if e.HasRef && v.SlackState(e.Ref) == "live" && !left[n] {
			t.Errorf("%s: record %s is live but the file was deleted", n, e.Ref)
		}
	}
	if len(deleted) < 1950 {
		t.Errorf("carved %d of the 1990 deleted names, want at least 1950", len(deleted))
	}
	t.Logf("carved %d entries, %d of the 1990 deleted names", len(es), len(deleted))
	err = v.ScanDeleted(func(d volume.Deleted, err error) error {
		for _, n := range d.Names {
			ours[n.Path] = true
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := range left {
		ours["/del2000/"+n] = true
	}
	for _, e := range oracle.Fls(t, img) {
		if strings.HasPrefix(e.Path, "/del2000/") && e.Record >= uint64(mft.RecordFirstUser) && !ours[e.Path] {
			t.Errorf("fls lists %s (%s), which we find neither in slack nor among deleted or live files", e.Path, e.Line)
		}
	}
}
