//go:build linux

package interop

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/reparse"
	"github.com/ntfsedit/ntfsedit/volume"
)

// The audit image's volume GUID (as --volume-guid gives it) and another
// volume's.
const (
	auditGUID = "0a1b2c3d-0000-4000-8000-00000000abcd"
	otherGUID = "11111111-2222-3333-4444-555555555555"
)

// auditLink is one link of the audit image: made by our writer
// (Junction, Symlink) or through ntfs-3g (WSL, Interix, app exec alias).
type auditLink struct {
	path, target string
	kind         string // "junction", "symlink", "dirsymlink", "lx", "interix", "appexec"
}

// auditLinks builds every case Audit reports, and a few it must not.
func auditLinks() []auditLink {
	ls := []auditLink{
		{"/scope/jt", `C:\target`, "junction"},                               // drive letter; outside /scope
		{"/scope/via", `jt\file.txt`, "symlink"},                             // resolves through jt
		{"/scope/via-broken", `jt\nofile.txt`, "symlink"},                    // dangling through jt
		{"/scope/loop/Application Data", `C:\scope\loop`, "junction"},        // cycle
		{"/scope/a", `b`, "symlink"},                                         // loop a -> b -> a, reported once
		{"/scope/b", `a`, "symlink"},                                         //
		{"/scope/above", `..\..\..\x`, "symlink"},                            // above the root
		{"/scope/inside", `local\f.txt`, "symlink"},                          // fine
		{"/scope/dangling", `missing.txt`, "symlink"},                        // dangling
		{"/scope/dangling-junction", `C:\nowhere`, "junction"},               // dangling with --drive C:
		{"/scope/other-drive", `D:\data`, "symlink"},                         // another drive
		{"/scope/unc", `\\server\share\x`, "symlink"},                        // a share
		{"/scope/guid-other", `\??\Volume{` + otherGUID + `}\x`, "junction"}, // another volume
		{"/scope/guid-self", `\??\Volume{` + auditGUID + `}\target`, "junction"},
		{"/scope/file-to-dir", `..\target`, "symlink"},             // type mismatch
		{"/scope/dir-to-file", `..\target\file.txt`, "dirsymlink"}, // type mismatch
		{"/scope/rootrel", `\target\file.txt`, "symlink"},          // root-relative, fine
		{"/scope/out-rel", `..\target\file.txt`, "symlink"},        // outside /scope
		{"/scope/abs-sym", `C:\target\file.txt`, "symlink"},        // absolute symlink on this volume
		{"/scope/abs-dir", `C:\scope\local`, "dirsymlink"},         // absolute directory symlink, inside /scope
		{"/scope/wsl", "local/f.txt", "lx"},                        // WSL
		{"/scope/interix", "local/f.txt", "interix"},               // Interix (ntfs-3g's ln -s)
		{"/appexec", `C:\Program Files\WindowsApps\app.exe`, "appexec"},
		{"/wci", "", "wci"}, // another name surrogate
	}
	// a chain of 64 links: /deep/l00 needs 64 reparses, one more than
	// Windows follows; /deep/l01 needs 63
	for i := range 64 {
		t := fmt.Sprintf("l%02d", i+1)
		if i == 63 {
			t = "f.txt"
		}
		ls = append(ls, auditLink{fmt.Sprintf("/deep/l%02d", i), t, "symlink"})
	}
	return ls
}

// buildAuditImage makes the audit image: a mkntfs volume filled by our
// writer, then WSL, Interix and app-exec links set through ntfs-3g.
func buildAuditImage(t *testing.T) string {
	t.Helper()
	oracle.Require(t, "mkntfs", "ntfs-3g", "setfattr")
	img := freshImage(t, 16<<20)
	v := openRW(t, img, volume.WriteOptions{})
	err := v.Update(func(tx *volume.Tx) error {
		for _, d := range []string{"/target/sub", "/scope/local", "/scope/loop", "/deep", "/ext"} {
			if err := tx.MkdirAll(d); err != nil {
				return err
			}
		}
		for _, f := range []string{"/target/file.txt", "/scope/local/f.txt", "/scope/hard.txt", "/scope/hard-in.txt", "/deep/f.txt"} {
			if err := tx.Create(f, strings.NewReader(f+"\n")); err != nil {
				return err
			}
		}
		if err := tx.Link("/scope/hard.txt", "/ext/hard-outside.txt"); err != nil {
			return err
		}
		if err := tx.Link("/scope/hard-in.txt", "/scope/local/hard-in2.txt"); err != nil {
			return err
		}
		for _, l := range auditLinks() {
			var err error
			switch l.kind {
			case "junction":
				err = tx.Junction(l.path, l.target)
			case "symlink", "dirsymlink":
				err = tx.Symlink(l.path, l.target, volume.SymlinkOptions{Dir: l.kind == "dirsymlink"})
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	mnt, umount := oracle.MountRW(t, img)
	for _, l := range auditLinks() {
		p := filepath.Join(mnt, l.path)
		var pt reparse.Point
		switch l.kind {
		case "interix":
			if err := os.Symlink(l.target, p); err != nil {
				t.Fatal(err)
			}
			continue
		case "lx":
			pt = reparse.NewLXSymlink(l.target)
		case "wci":
			pt = reparse.Point{Tag: reparse.TagWCILink, Data: []byte{1, 0, 0, 0, 'x', 0}}
		case "appexec":
			var err error
			pt, err = reparse.AppExecLink{Version: reparse.AppExecLinkVersion, Strings: []reparse.Name{
				reparse.NameOf("Test.App_8wekyb3d8bbwe"), reparse.NameOf("Test.App_8wekyb3d8bbwe!App"),
				reparse.NameOf(l.target), reparse.NameOf("0")}}.Point()
			if err != nil {
				t.Fatal(err)
			}
		default:
			continue
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := pt.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		oracle.Run(t, "setfattr", "-n", "system.ntfs_reparse_data", "-v", "0x"+hex.EncodeToString(b), p)
	}
	umount()
	return img
}

// ntfsInfoReparseKeys lists the keys of $Extend\$Reparse:$R as ntfs-3g's
// ntfsinfo prints them: tag → record → how many times.
func ntfsInfoReparseKeys(t *testing.T, img string) map[uint32]map[uint64]int {
	t.Helper()
	oracle.Require(t, "ntfsinfo")
	out, err := exec.Command("ntfsinfo", "-i", "26", "-v", img).CombinedOutput()
	if err != nil {
		t.Fatalf("ntfsinfo -i 26: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "$Reparse") {
		t.Fatalf("ntfsinfo -i 26: record 26 is not $Reparse:\n%s", out)
	}
	keys := map[uint32]map[uint64]int{}
	tagRE := regexp.MustCompile(`Key reparse tag:\s+0x([0-9a-f]+)`)
	idRE := regexp.MustCompile(`Key file id:\s+(\d+)`)
	var tag uint32
	for _, line := range strings.Split(string(out), "\n") {
		if m := tagRE.FindStringSubmatch(line); m != nil {
			v, _ := strconv.ParseUint(m[1], 16, 32)
			tag = uint32(v)
		}
		if m := idRE.FindStringSubmatch(line); m != nil {
			id, _ := strconv.ParseUint(m[1], 10, 64)
			if keys[tag] == nil {
				keys[tag] = map[uint64]int{}
			}
			keys[tag][id&(1<<48-1)]++
		}
	}
	return keys
}

// wantReparseKeys is one $R key per reparse point, from the records our
// reader sees: what ntfsinfo must list.
func wantReparseKeys(t *testing.T, img string) map[uint32]map[uint64]int {
	t.Helper()
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	keys := map[uint32]map[uint64]int{}
	err = v.Walk("/", false, func(p string, e volume.DirEntry, f *volume.File, err error) error {
		if err != nil {
			return err
		}
		rp, err := f.Reparse()
		if err != nil || rp == nil {
			return err
		}
		if keys[uint32(rp.Tag)] == nil {
			keys[uint32(rp.Tag)] = map[uint64]int{}
		}
		keys[uint32(rp.Tag)][uint64(f.Number())]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// checkAuditImage proves the image holds what auditLinks says, through a
// read-only ntfs-3g mount (the raw reparse buffers, decoded here; Interix
// targets by readlink(2); hard links by inode), fls -r -p (the names) and
// ntfsinfo's $R keys.
func checkAuditImage(t *testing.T, img string) {
	t.Helper()
	// ntfsinfo first: it refuses a volume that is mounted
	if d := cmp.Diff(wantReparseKeys(t, img), ntfsInfoReparseKeys(t, img)); d != "" {
		t.Errorf("$Extend\\$Reparse:$R keys (-ours +ntfsinfo):\n%s", d)
	}
	entries := map[string]oracle.Entry{}
	for _, e := range oracle.MountTree(t, oracle.MountRO(t, img)) {
		entries[e.Path] = e
	}
	for _, l := range auditLinks() {
		e, ok := entries[l.path]
		if !ok {
			t.Errorf("ntfs-3g: %s missing", l.path)
			continue
		}
		switch l.kind {
		case "interix":
			if e.ReparseData != nil || e.Symlink != l.target {
				t.Errorf("ntfs-3g: %s: readlink %q, reparse data %x; want an Interix symlink to %q", l.path, e.Symlink, e.ReparseData, l.target)
			}
			continue
		case "lx", "appexec", "wci":
			want := map[string]uint32{"lx": 0xA000001D, "appexec": 0x8000001B, "wci": 0xA0000027}[l.kind]
			if len(e.ReparseData) < 8 || uint32(e.ReparseData[0])|uint32(e.ReparseData[3])<<24 != want&0xFF0000FF {
				t.Errorf("ntfs-3g: %s: reparse data %x, want tag %#x", l.path, e.ReparseData, want)
			}
			continue
		}
		r, err := decodeReparse(e.ReparseData)
		if err != nil {
			t.Errorf("ntfs-3g: %s: %v", l.path, err)
			continue
		}
		subst, print, rel, err := reparse.WindowsTarget(l.target)
		if err != nil {
			t.Fatal(err)
		}
		want := Reparse{Tag: "IO_REPARSE_TAG_SYMLINK", TagValue: 0xA000000C, Target: subst, PrintName: print, Relative: rel}
		if l.kind == "junction" {
			want = Reparse{Tag: "IO_REPARSE_TAG_MOUNT_POINT", TagValue: 0xA0000003, Target: subst, PrintName: print}
		}
		if d := cmp.Diff(want, r); d != "" {
			t.Errorf("ntfs-3g: %s (-want +got):\n%s", l.path, d)
		}
	}
	if a, b := entries["/scope/hard.txt"], entries["/ext/hard-outside.txt"]; a.Inode == 0 || a.Inode != b.Inode || a.Links != 2 {
		t.Errorf("ntfs-3g: /scope/hard.txt inode %d links %d, /ext/hard-outside.txt inode %d: want one file with 2 links", a.Inode, a.Links, b.Inode)
	}
	for _, p := range []string{"/target/file.txt", "/scope/local/f.txt", "/deep/f.txt", "/target/sub"} {
		if _, ok := entries[p]; !ok {
			t.Errorf("ntfs-3g: %s missing", p)
		}
	}
	// The Sleuth Kit sees the same names (each link, both hard links on
	// the same record).
	fls := map[string]uint64{}
	for _, e := range oracle.Fls(t, img) {
		if e.Live() {
			fls[e.Path] = e.Record
		}
	}
	for _, l := range auditLinks() {
		if _, ok := fls[l.path]; !ok {
			t.Errorf("fls: %s missing", l.path)
		}
	}
	if a, b := fls["/scope/hard.txt"], fls["/ext/hard-outside.txt"]; a == 0 || a != b {
		t.Errorf("fls: /scope/hard.txt is record %d, /ext/hard-outside.txt %d: want one record", a, b)
	}
}

// codePath is what the audit tests compare of a finding.
type codePath struct{ Code, Path string }

func codePaths(fs []volume.AuditFinding) []codePath {
	var out []codePath
	for _, f := range fs {
		out = append(out, codePath{string(f.Code), f.Path})
	}
	return out
}

// TestAudit builds the audit image, proves it with ntfs-3g and ntfsinfo,
// and requires Audit to list exactly the expected findings: on the whole
// volume without and with --drive and --volume-guid, and below /scope.
func TestAudit(t *testing.T) {
	img := buildAuditImage(t)
	checkAuditImage(t, img)
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	resolved := volume.AuditOptions{Drive: "C:", VolumeGUID: "{" + strings.ToUpper(auditGUID) + "}"}
	for _, tc := range []struct {
		name string
		root string
		opts volume.AuditOptions
		want []codePath
	}{
		{"volume", "/", volume.AuditOptions{}, []codePath{
			{"appexeclink", "/appexec"},
			{"too-deep", "/deep/l00"},
			{"loop", "/scope/a"},
			{"above-root", "/scope/above"},
			{"drive-letter", "/scope/abs-dir"},
			{"drive-letter", "/scope/abs-sym"},
			{"dangling", "/scope/dangling"},
			{"drive-letter", "/scope/dangling-junction"},
			{"type-mismatch", "/scope/dir-to-file"},
			{"type-mismatch", "/scope/file-to-dir"},
			{"unresolved", "/scope/guid-other"},
			{"unresolved", "/scope/guid-self"},
			{"interix-link", "/scope/interix"},
			{"drive-letter", "/scope/jt"},
			{"drive-letter", "/scope/loop/Application Data"},
			{"drive-letter", "/scope/other-drive"},
			{"unc", "/scope/unc"},
			{"unresolved", "/scope/via"},
			{"unresolved", "/scope/via-broken"},
			{"wsl-link", "/scope/wsl"},
			{"other-surrogate", "/wci"},
		}},
		{"volume --drive C:", "/", resolved, []codePath{
			{"appexeclink", "/appexec"},
			{"too-deep", "/deep/l00"},
			{"loop", "/scope/a"},
			{"above-root", "/scope/above"},
			{"drive-letter", "/scope/abs-dir"},
			{"drive-letter", "/scope/abs-sym"},
			{"dangling", "/scope/dangling"},
			{"drive-letter", "/scope/dangling-junction"},
			{"dangling", "/scope/dangling-junction"},
			{"type-mismatch", "/scope/dir-to-file"},
			{"type-mismatch", "/scope/file-to-dir"},
			{"other-volume", "/scope/guid-other"},
			{"interix-link", "/scope/interix"},
			{"drive-letter", "/scope/jt"},
			{"drive-letter", "/scope/loop/Application Data"},
			{"cycle", "/scope/loop/Application Data"},
			{"drive-letter", "/scope/other-drive"},
			{"other-volume", "/scope/other-drive"},
			{"unc", "/scope/unc"},
			{"dangling", "/scope/via-broken"},
			{"wsl-link", "/scope/wsl"},
			{"other-surrogate", "/wci"},
		}},
		{"/scope --drive C:", "/scope", resolved, []codePath{
			{"loop", "/scope/a"},
			{"above-root", "/scope/above"},
			{"drive-letter", "/scope/abs-dir"},
			{"drive-letter", "/scope/abs-sym"},
			{"outside-scope", "/scope/abs-sym"},
			{"dangling", "/scope/dangling"},
			{"drive-letter", "/scope/dangling-junction"},
			{"outside-scope", "/scope/dangling-junction"},
			{"dangling", "/scope/dangling-junction"},
			{"outside-scope", "/scope/dir-to-file"},
			{"type-mismatch", "/scope/dir-to-file"},
			{"outside-scope", "/scope/file-to-dir"},
			{"type-mismatch", "/scope/file-to-dir"},
			{"other-volume", "/scope/guid-other"},
			{"outside-scope", "/scope/guid-self"},
			{"hardlink-outside", "/scope/hard.txt"},
			{"interix-link", "/scope/interix"},
			{"drive-letter", "/scope/jt"},
			{"outside-scope", "/scope/jt"},
			{"drive-letter", "/scope/loop/Application Data"},
			{"cycle", "/scope/loop/Application Data"},
			{"drive-letter", "/scope/other-drive"},
			{"other-volume", "/scope/other-drive"},
			{"outside-scope", "/scope/out-rel"},
			{"outside-scope", "/scope/rootrel"},
			{"unc", "/scope/unc"},
			{"dangling", "/scope/via-broken"},
			{"wsl-link", "/scope/wsl"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := volume.Audit(v, tc.root, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, codePaths(got)); d != "" {
				t.Errorf("Audit(%s) (-want +got):\n%s", tc.root, d)
				for _, f := range got {
					t.Log(f)
				}
			}
			broken, err := volume.BrokenLinks(v, tc.root, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var wantBroken []codePath
			for _, c := range tc.want {
				switch c.Code {
				case "dangling", "loop", "too-deep", "above-root":
					wantBroken = append(wantBroken, c)
				}
				if c == (codePath{"loop", "/scope/a"}) {
					// every link of a loop, so that removing them all
					// leaves none broken
					wantBroken = append(wantBroken, codePath{"loop", "/scope/b"})
				}
			}
			slices.SortStableFunc(wantBroken, func(a, b codePath) int { return strings.Compare(a.Path, b.Path) })
			if d := cmp.Diff(wantBroken, codePaths(broken)); d != "" {
				t.Errorf("BrokenLinks(%s) (-want +got):\n%s", tc.root, d)
			}
		})
	}
	// the drive-letter finding shows the volume-GUID form
	got, _ := volume.Audit(v, "/scope/loop", resolved)
	if len(got) == 0 || got[0].Suggest != `\??\Volume{`+auditGUID+`}\scope\loop` || got[1].Resolved != "/scope/loop" {
		t.Errorf("Audit(/scope/loop): %+v; want the suggestion \\??\\Volume{%s}\\scope\\loop and the cycle resolved to /scope/loop", got, auditGUID)
	}
}

// retargetImage is a fresh copy of the audit image.
func retargetImage(t *testing.T, src string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(t.TempDir(), "retarget.img")
	if err := os.WriteFile(img, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return img
}

// TestRetarget applies each rule to a copy of the audit image and checks
// the new targets through ntfs-3g (raw buffers decoded here and readlink
// of relative links), the $R keys through ntfsinfo (one per reparse
// point, tags unchanged), and ntfsfix -n; a dry run changes no byte.
func TestRetarget(t *testing.T) {
	oracle.Require(t, "ntfsfix")
	src := buildAuditImage(t)
	keys := ntfsInfoReparseKeys(t, src)
	type want struct{ subst, print string }
	for _, tc := range []struct {
		name    string
		root    string
		opts    volume.RetargetOptions
		changed map[string]want // path → new names; other links keep theirs
		skipped []string
	}{
		{"drive", "/scope", volume.RetargetOptions{Drive: "C:", To: "D:"}, map[string]want{
			"/scope/jt":                    {`\??\D:\target`, `D:\target`},
			"/scope/loop/Application Data": {`\??\D:\scope\loop`, `D:\scope\loop`},
			"/scope/dangling-junction":     {`\??\D:\nowhere`, `D:\nowhere`},
			"/scope/abs-sym":               {`\??\D:\target\file.txt`, `D:\target\file.txt`},
			"/scope/abs-dir":               {`\??\D:\scope\local`, `D:\scope\local`},
		}, nil},
		{"guid", "/", volume.RetargetOptions{Drive: "c", ToGUID: true, VolumeGUID: auditGUID}, map[string]want{
			"/scope/jt":                    {`\??\Volume{` + auditGUID + `}\target`, `\\?\Volume{` + auditGUID + `}\target`},
			"/scope/loop/Application Data": {`\??\Volume{` + auditGUID + `}\scope\loop`, `\\?\Volume{` + auditGUID + `}\scope\loop`},
			"/scope/dangling-junction":     {`\??\Volume{` + auditGUID + `}\nowhere`, `\\?\Volume{` + auditGUID + `}\nowhere`},
			"/scope/abs-sym":               {`\??\Volume{` + auditGUID + `}\target\file.txt`, `\\?\Volume{` + auditGUID + `}\target\file.txt`},
			"/scope/abs-dir":               {`\??\Volume{` + auditGUID + `}\scope\local`, `\\?\Volume{` + auditGUID + `}\scope\local`},
		}, nil},
		{"relative", "/scope", volume.RetargetOptions{Drive: "C:", Relative: true, VolumeGUID: auditGUID}, map[string]want{
			"/scope/abs-sym": {`..\target\file.txt`, `..\target\file.txt`},
			"/scope/abs-dir": {`local`, `local`},
			"/scope/rootrel": {`..\target\file.txt`, `..\target\file.txt`},
		}, []string{"/scope/dangling-junction", "/scope/guid-self", "/scope/jt", "/scope/loop/Application Data"}},
		{"prefix", "/", volume.RetargetOptions{Prefixes: []volume.PrefixRule{{Old: `c:\TARGET`, New: `C:\scope\local`}, {Old: `\\server\share`, New: `\\nas\backup`}}}, map[string]want{
			"/scope/jt":      {`\??\C:\scope\local`, `C:\scope\local`},
			"/scope/abs-sym": {`\??\C:\scope\local\file.txt`, `C:\scope\local\file.txt`},
			"/scope/unc":     {`\??\UNC\nas\backup\x`, `\\nas\backup\x`},
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := retargetImage(t, src)
			before := sha256File(t, img)
			v := openRW(t, img, volume.WriteOptions{})
			var dry []volume.RetargetChange
			if _, err := v.DryRun(func(tx *volume.Tx) error {
				var err error
				dry, err = volume.Retarget(tx, tc.root, tc.opts)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if after := sha256File(t, img); after != before {
				t.Fatal("the dry run changed the image")
			}
			var changes []volume.RetargetChange
			if err := v.Update(func(tx *volume.Tx) error {
				var err error
				changes, err = volume.Retarget(tx, tc.root, tc.opts)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := v.Close(); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(dry, changes); d != "" {
				t.Errorf("dry run and commit differ (-dry +commit):\n%s", d)
			}
			gotChanged := map[string]want{}
			var gotSkipped []string
			for _, c := range changes {
				if c.Skipped != "" {
					gotSkipped = append(gotSkipped, c.Path)
					continue
				}
				gotChanged[c.Path] = want{c.New, c.NewPrint}
			}
			if d := cmp.Diff(tc.changed, gotChanged, cmp.AllowUnexported(want{})); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.skipped, gotSkipped); d != "" {
				t.Errorf("skipped (-want +got):\n%s", d)
			}
			// (ntfsinfo and ntfsfix before the mount, which they refuse)
			// $R: the same keys, each once
			if d := cmp.Diff(keys, ntfsInfoReparseKeys(t, img)); d != "" {
				t.Errorf("$Extend\\$Reparse:$R keys changed (-before +after):\n%s", d)
			}
			if out, err := exec.Command("ntfsfix", "-n", img).CombinedOutput(); err != nil {
				t.Errorf("ntfsfix -n: %v\n%s", err, out)
			}
			// ntfs-3g: every link's buffer, rewritten or not
			mnt := oracle.MountRO(t, img)
			entries := map[string]oracle.Entry{}
			for _, e := range oracle.MountTree(t, mnt) {
				entries[e.Path] = e
			}
			for _, l := range auditLinks() {
				if l.kind != "junction" && l.kind != "symlink" && l.kind != "dirsymlink" {
					continue
				}
				r, err := decodeReparse(entries[l.path].ReparseData)
				if err != nil {
					t.Errorf("ntfs-3g: %s: %v", l.path, err)
					continue
				}
				w, ok := tc.changed[l.path]
				if !ok {
					w.subst, w.print, _, _ = reparse.WindowsTarget(l.target)
				}
				if r.Target != w.subst || r.PrintName != w.print {
					t.Errorf("ntfs-3g: %s: %q (print %q), want %q (print %q)", l.path, r.Target, r.PrintName, w.subst, w.print)
				}
				wantTag := uint32(0xA000000C)
				if l.kind == "junction" {
					wantTag = 0xA0000003
				}
				if r.TagValue != wantTag {
					t.Errorf("ntfs-3g: %s: tag %#x, want %#x", l.path, r.TagValue, wantTag)
				}
			}
			// readlink(2) through ntfs-3g follows what we wrote (ntfs-3g maps
			// every drive letter onto its own mount and cannot show
			// volume-GUID targets: for those the raw buffers above are the
			// oracle)
			switch tc.name {
			case "drive":
				for p, w := range map[string]string{"/scope/jt": "/target", "/scope/abs-sym": "/target/file.txt"} {
					got, err := os.Readlink(filepath.Join(mnt, p))
					if err != nil || got != filepath.Join(mnt, w) {
						t.Errorf("ntfs-3g readlink %s = %q, %v; want %q", p, got, err, filepath.Join(mnt, w))
					}
				}
			case "relative":
				for p, w := range map[string]string{"/scope/abs-sym": "../target/file.txt", "/scope/abs-dir": "local"} {
					if got, err := os.Readlink(filepath.Join(mnt, p)); err != nil || got != w {
						t.Errorf("ntfs-3g readlink %s = %q, %v; want %q", p, got, err, w)
					}
				}
				if b, err := os.ReadFile(filepath.Join(mnt, "/scope/abs-sym")); err != nil || string(b) != "/target/file.txt\n" {
					t.Errorf("ntfs-3g: cat /scope/abs-sym = %q, %v", b, err)
				}
			case "prefix":
				for p, w := range map[string]string{"/scope/jt": "/scope/local", "/scope/abs-sym": "/scope/local/file.txt"} {
					got, err := os.Readlink(filepath.Join(mnt, p))
					if err != nil || !strings.HasSuffix(got, w) {
						t.Errorf("ntfs-3g readlink %s = %q, %v; want it to end in %q", p, got, err, w)
					}
				}
			}
		})
	}
}

// TestSetReparseNewTag replaces a directory symlink by a junction with
// Tx.SetReparse: $R must move the record's key to the new tag (ntfsinfo)
// and the parent's index entry carry the new tag (ntfsinfo of the parent).
func TestSetReparseNewTag(t *testing.T) {
	oracle.Require(t, "ntfsfix")
	img := retargetImage(t, buildAuditImage(t))
	v := openRW(t, img, volume.WriteOptions{})
	f, err := v.Lookup("/scope/abs-dir")
	if err != nil {
		t.Fatal(err)
	}
	rec, parent := uint64(f.Number()), uint64(0)
	names, _ := f.Names()
	parent = uint64(names[0].Parent.Record())
	err = v.Update(func(tx *volume.Tx) error {
		return tx.SetReparse("/scope/abs-dir", reparse.NewJunction(`\??\C:\scope\local`, `C:\scope\local`))
	})
	if err != nil {
		t.Fatal(err)
	}
	// a junction on a file is refused
	err = v.Update(func(tx *volume.Tx) error {
		return tx.SetReparse("/scope/abs-sym", reparse.NewJunction(`\??\C:\x`, `C:\x`))
	})
	if err == nil {
		t.Error("SetReparse put a junction on a file")
	}
	v.Close()
	keys := ntfsInfoReparseKeys(t, img)
	if keys[0xA0000003][rec] != 1 || keys[0xA000000C][rec] != 0 {
		t.Errorf("$R keys of record %d: mount point %d, symlink %d; want 1 and 0", rec, keys[0xA0000003][rec], keys[0xA000000C][rec])
	}
	out, err := exec.Command("ntfsinfo", "-i", strconv.FormatUint(parent, 10), "-v", img).CombinedOutput()
	if err != nil {
		t.Fatalf("ntfsinfo: %v\n%s", err, out)
	}
	// the entry of abs-dir: its "Reparse point tag" line follows its file reference
	blocks := strings.Split(string(out), "Entry length")
	found := false
	for _, b := range blocks {
		if strings.Contains(b, "'abs-dir'") || strings.Contains(b, "abs-dir\n") {
			found = true
			if !regexp.MustCompile(`Reparse point tag:\s+0xa0000003`).MatchString(b) {
				t.Errorf("ntfsinfo: index entry of abs-dir:\n%s\nwant reparse tag 0xa0000003", b)
			}
		}
	}
	if !found {
		t.Errorf("ntfsinfo -i %d: no index entry for abs-dir:\n%s", parent, out)
	}
	if out, err := exec.Command("ntfsfix", "-n", img).CombinedOutput(); err != nil {
		t.Errorf("ntfsfix -n: %v\n%s", err, out)
	}
	entries := map[string]oracle.Entry{}
	for _, e := range oracle.MountTree(t, oracle.MountRO(t, img)) {
		entries[e.Path] = e
	}
	r, err := decodeReparse(entries["/scope/abs-dir"].ReparseData)
	if err != nil || r.TagValue != 0xA0000003 || r.Target != `\??\C:\scope\local` {
		t.Errorf("ntfs-3g: /scope/abs-dir: %+v, %v; want a junction to \\??\\C:\\scope\\local", r, err)
	}

}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}
