package volume_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/internal/testutil"
	"github.com/ntfsedit/ntfsedit/reparse"
	"github.com/ntfsedit/ntfsedit/volume"
)

// The sample image (mkntfs + ntfs-3g) holds a junction to \??\C:\target
// (which exists), a relative symlink that resolves, and a file with three
// names: /linked-3.txt, /docs/linked.txt and /docs/notes/linked-2.txt.
func TestAuditSample(t *testing.T) {
	v, err := openMem(t, sampleImage(t))
	if err != nil {
		t.Fatal(err)
	}
	type cp struct{ Code, Path, Resolved, Suggest string }
	for _, tc := range []struct {
		root string
		opts volume.AuditOptions
		want []cp
	}{
		{"/", volume.AuditOptions{}, []cp{{"drive-letter", "/junction", "", ""}}},
		{"/", volume.AuditOptions{Drive: "c:"}, []cp{{"drive-letter", "/junction", "", ""}}},
		{"/", volume.AuditOptions{Drive: "C", VolumeGUID: "{AB}"}, []cp{{"drive-letter", "/junction", "", `\??\Volume{ab}\target`}}},
		{"/", volume.AuditOptions{Drive: "D:"}, []cp{{"drive-letter", "/junction", "", ""}, {"other-volume", "/junction", "", ""}}},
		{"/docs", volume.AuditOptions{}, []cp{{"hardlink-outside", "/docs/linked.txt", "", ""}}},
		{"/DOCS/notes", volume.AuditOptions{}, []cp{{"hardlink-outside", "/docs/notes/linked-2.txt", "", ""}}},
	} {
		found, err := volume.Audit(v, tc.root, tc.opts)
		if err != nil {
			t.Fatalf("Audit(%s, %+v): %v", tc.root, tc.opts, err)
		}
		var got []cp
		for _, f := range found {
			got = append(got, cp{string(f.Code), f.Path, f.Resolved, f.Suggest})
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("Audit(%s, %+v) (-want +got):\n%s", tc.root, tc.opts, d)
		}
	}
	found, _ := volume.Audit(v, "/docs", volume.AuditOptions{})
	if len(found) != 1 || !strings.Contains(found[0].Message, "/linked-3.txt") || strings.Contains(found[0].Message, "/docs/notes") {
		t.Errorf("hard-link finding %+v: want the one name outside /docs, /linked-3.txt", found)
	}
	if b, err := volume.BrokenLinks(v, "/", volume.AuditOptions{Drive: "C:"}); err != nil || len(b) != 0 {
		t.Errorf("BrokenLinks = %v, %v; want none", b, err)
	}
	for _, tc := range []struct {
		root string
		opts volume.AuditOptions
		want error
	}{
		{"/nope", volume.AuditOptions{}, fs.ErrNotExist},
		{"/ads.txt", volume.AuditOptions{}, volume.ErrNotDir},
		{"/", volume.AuditOptions{Drive: "CD"}, volume.ErrInvalid},
	} {
		if _, err := volume.Audit(v, tc.root, tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("Audit(%s, %+v) = %v, want %v", tc.root, tc.opts, err, tc.want)
		}
	}
}

// auditFresh returns a writable in-memory volume made by mkntfs.
func auditFresh(t *testing.T) (*volume.Volume, volume.Device) {
	t.Helper()
	oracle.Require(t, "mkntfs")
	img := filepath.Join(t.TempDir(), "a.img")
	if err := os.WriteFile(img, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 8<<20); err != nil {
		t.Fatal(err)
	}
	oracle.Run(t, "mkntfs", "-F", "-q", "-f", "-L", "audit", img)
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	dev := volume.NewMemDevice(b, 512)
	v, err := volume.OpenWritableOn(dev, volume.Options{}, volume.WriteOptions{Journal: testutil.NewMemJournal()})
	if err != nil {
		t.Fatal(err)
	}
	return v, dev
}

func devBytes(t *testing.T, d volume.Device) []byte {
	t.Helper()
	b := make([]byte, d.Size())
	if _, err := d.ReadAt(b, 0); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRetargetRules checks the rules that cannot apply and the errors of
// Retarget and SetReparse, and that a dry run writes nothing.
func TestRetargetRules(t *testing.T) {
	v, dev := auditFresh(t)
	err := v.Update(func(tx *volume.Tx) error {
		for _, op := range []error{
			tx.Mkdir("/t"), tx.Create("/t/f", strings.NewReader("x")),
			tx.Junction("/j", `C:\t`), tx.Symlink("/s", `C:\t\f`, volume.SymlinkOptions{}),
			tx.Symlink("/d", `\t`, volume.SymlinkOptions{Dir: true}), tx.Symlink("/r", `t\f`, volume.SymlinkOptions{}),
		} {
			if op != nil {
				return op
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts volume.RetargetOptions
		want error
	}{
		{"no rule", volume.RetargetOptions{Drive: "C:"}, volume.ErrInvalid},
		{"to without drive", volume.RetargetOptions{To: "D:"}, volume.ErrInvalid},
		{"guid unknown", volume.RetargetOptions{Drive: "C:", ToGUID: true}, volume.ErrInvalid},
		{"guid and letter", volume.RetargetOptions{Drive: "C:", To: "D:", ToGUID: true, VolumeGUID: "ab"}, volume.ErrInvalid},
		{"bad letter", volume.RetargetOptions{Drive: "C:", To: "DD"}, volume.ErrInvalid},
		{"empty prefix", volume.RetargetOptions{Prefixes: []volume.PrefixRule{{Old: `\`, New: "x"}}}, volume.ErrInvalid},
	} {
		_, err := v.DryRun(func(tx *volume.Tx) error {
			_, err := volume.Retarget(tx, "/", tc.opts)
			return err
		})
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Retarget = %v, want %v", tc.name, err, tc.want)
		}
	}
	before := devBytes(t, dev)
	var changes []volume.RetargetChange
	if _, err := v.DryRun(func(tx *volume.Tx) (err error) {
		changes, err = volume.Retarget(tx, "/", volume.RetargetOptions{Drive: "C:", Relative: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, devBytes(t, dev)) {
		t.Error("the dry run wrote to the device")
	}
	want := []volume.RetargetChange{
		{Path: "/d", Kind: "symlink", Old: `\t`, New: "t", NewPrint: "t"},
		{Path: "/j", Kind: "junction", Old: `\??\C:\t`, Skipped: "junction targets must stay absolute (--relative applies to symbolic links)"},
		{Path: "/s", Kind: "symlink", Old: `\??\C:\t\f`, New: `t\f`, NewPrint: `t\f`},
	}
	for i := range changes {
		changes[i].Record = 0
	}
	if d := cmp.Diff(want, changes); d != "" {
		t.Errorf("Retarget --relative (-want +got):\n%s", d)
	}
	for _, tc := range []struct {
		path string
		p    reparse.Point
		want error
	}{
		{"/t/f", reparse.NewSymlink("x", "x", true), volume.ErrInvalid},                     // no reparse point to replace
		{"/s", reparse.NewJunction(`\??\C:\t`, `C:\t`), volume.ErrInvalid},                  // a junction on a file
		{"/s", reparse.NewSymlink(strings.Repeat("x", 9000), "x", true), volume.ErrInvalid}, // over 16 KiB
		{"/nope", reparse.NewSymlink("x", "x", true), fs.ErrNotExist},
	} {
		_, err := v.DryRun(func(tx *volume.Tx) error { return tx.SetReparse(tc.path, tc.p) })
		if !errors.Is(err, tc.want) {
			t.Errorf("SetReparse(%s) = %v, want %v", tc.path, err, tc.want)
		}
	}
	// a replaced buffer reads back, and Audit sees the new target
	if err := v.Update(func(tx *volume.Tx) error {
		return tx.SetReparse("/s", reparse.NewSymlink(`..\gone`, `..\gone`, true))
	}); err != nil {
		t.Fatal(err)
	}
	got, err := v.ReadLink("s")
	if err != nil || got != `..\gone` {
		t.Errorf("ReadLink(s) = %q, %v", got, err)
	}
	b, err := volume.BrokenLinks(v, "/", volume.AuditOptions{})
	if err != nil || len(b) != 1 || b[0].Path != "/s" || b[0].Code != volume.AuditAboveRoot {
		t.Errorf("BrokenLinks = %+v, %v; want /s above the root", b, err)
	}
}

// A junction whose reparse data no longer decodes is reported, located,
// and the walk goes on.
func TestAuditCorruptReparse(t *testing.T) {
	img := sampleImage(t)
	subst := []byte{'\\', 0, '?', 0, '?', 0, '\\', 0, 'C', 0, ':', 0, '\\', 0, 't', 0}
	i := bytes.Index(img, subst)
	if i < 16 {
		t.Fatal("the junction's substitute name is not in the sample image")
	}
	// the value starts 16 bytes before its substitute name (header, then
	// the four offsets and lengths); its data length is at +4
	bad := messWith(img, func(b []byte) { b[i-16+4], b[i-16+5] = 0xFF, 0x7F })
	v, err := openMem(t, bad)
	if err != nil {
		t.Fatal(err)
	}
	found, err := volume.Audit(v, "/", volume.AuditOptions{Drive: "C:"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].Code != volume.AuditCorrupt || found[0].Path != "/junction" || found[0].Level != volume.LevelError ||
		!strings.Contains(found[0].Message, "reparse data length") {
		t.Errorf("Audit = %+v; want one reparse-corrupt error for /junction naming the data length", found)
	}
}
