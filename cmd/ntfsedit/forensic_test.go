package main

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// sharedImage materialises ../shared/images/NAME in a temporary directory:
// gunzipped, or MEMBER extracted from a zip.
func sharedImage(t *testing.T, name, member string) string {
	t.Helper()
	src := filepath.Join(oracle.SharedDir(t), "images", name)
	var r io.Reader
	switch {
	case member != "":
		zr, err := zip.OpenReader(src)
		if err != nil {
			oracle.Unavailable(t, "%v", err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			if f.Name == member {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				r = rc
			}
		}
		if r == nil {
			t.Fatalf("%s has no %s", name, member)
		}
	default:
		f, err := os.Open(src)
		if err != nil {
			oracle.Unavailable(t, "%v", err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	out := filepath.Join(t.TempDir(), filepath.Base(strings.TrimSuffix(name+"-"+member, ".gz")))
	w, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, r); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// forensicImages are Windows-made volumes (and the committed sample) the
// forensic verbs are checked on. spec is what ntfsedit takes, flsArgs
// what TSK needs for the same volume.
type forensicImage struct {
	name    string
	path    func(t *testing.T) string
	spec    string
	flsArgs []string
}

var forensicImages = []forensicImage{
	{name: "sample", path: func(t *testing.T) string { p, _ := filepath.Abs("../../fixtures/sample.img"); return p }},
	{name: "win7-sample-tiny", path: func(t *testing.T) string {
		return sharedImage(t, "SampleTinyNtfsVolume.zip", "SampleTinyNtfsVolume/partition.dd")
	}},
	{name: "winxp-dftt-undel", path: func(t *testing.T) string {
		return sharedImage(t, "dftt-7-undel-ntfs.zip", "7-undel-ntfs/7-ntfs-undel.dd")
	}},
	{name: "win10-partitioned", path: func(t *testing.T) string { return sharedImage(t, "ntfs_index.raw.gz", "") },
		spec: "@1", flsArgs: []string{"-o", "128"}},
}

// mactimeEvent is one letter of one row of mactime -d output.
type mactimeEvent struct{ Date, Letter string }

// mactime runs TSK's mactime -b -d -z UTC on a bodyfile and returns, per
// file name, its events sorted.
func mactime(t *testing.T, body string) map[string][]mactimeEvent {
	t.Helper()
	f := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out := oracle.Run(t, "mactime", "-b", f, "-d", "-z", "UTC")
	rows, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
	if err != nil {
		t.Fatalf("mactime output: %v", err)
	}
	ev := map[string][]mactimeEvent{}
	for _, r := range rows[1:] { // Date,Size,Type,Mode,UID,GID,Meta,File Name
		for _, c := range r[2] {
			if c != '.' {
				ev[r[7]] = append(ev[r[7]], mactimeEvent{r[0], string(c)})
			}
		}
	}
	for _, e := range ev {
		sort.Slice(e, func(i, j int) bool { return e[i].Letter < e[j].Letter })
	}
	return ev
}

// bodyNames returns the names of bodyfile lines that carry at least one
// time after 1970, which mactime must all show.
func bodyNames(t *testing.T, body string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 11 {
			t.Fatalf("bodyfile line with %d fields: %q", len(f), sc.Text())
		}
		for _, tm := range f[7:] {
			if tm != "0" {
				names[f[1]] = true
			}
		}
	}
	return names
}

// TestTimelineMactime feeds our bodyfile to TSK's mactime, which drops
// malformed lines silently, so every line must come out; then compares
// the $STANDARD_INFORMATION events with those of fls -m / -r on the same
// volume. Known differences, left out: fls also lists deleted names,
// orphans and one line per stream; TSK 4.11 writes a zero FILETIME as
// 3373865674 (2076-11-29), we write 0 (mactime leaves it out).
func TestTimelineMactime(t *testing.T) {
	oracle.Require(t, "mactime", "fls")
	for _, im := range forensicImages {
		t.Run(im.name, func(t *testing.T) {
			img := im.path(t)
			body := mustRun(t, "timeline", img+im.spec)
			ours := mactime(t, body)
			want := bodyNames(t, body)
			var missing []string
			for n := range want {
				if _, ok := ours[n]; !ok {
					missing = append(missing, n)
				}
			}
			if len(missing) > 0 {
				sort.Strings(missing)
				t.Errorf("mactime dropped %d of our lines: %q", len(missing), missing)
			}

			args := append(append([]string{"-m", "/", "-r"}, im.flsArgs...), img)
			theirs := mactime(t, string(oracle.Run(t, "fls", args...)))
			compared := 0
			for name, ev := range theirs {
				if strings.Contains(name, " (deleted") ||
					strings.HasPrefix(name, "/$OrphanFiles") || strings.Contains(name[strings.LastIndex(name, "/")+1:], ":") {
					continue
				}
				var keep []mactimeEvent
				for _, e := range ev {
					if !strings.Contains(e.Date, "Nov 29 2076") {
						keep = append(keep, e)
					}
				}
				o, ok := ours[name]
				if !ok && len(keep) > 0 {
					t.Errorf("fls has %s, our timeline not", name)
					continue
				}
				if diff := cmp.Diff(keep, o); diff != "" {
					t.Errorf("%s: mactime events differ (-fls +ours):\n%s", name, diff)
				}
				compared++
			}
			if compared < 10 {
				t.Errorf("compared only %d names with fls", compared)
			}
			t.Logf("%d names compared with fls -m + mactime", compared)
		})
	}
}

// TestUSNCommand runs usn on the journal fixtures/mkusn.sh wrote with
// python into /journal.bin:$J (ntfs-3g cannot make $Extend/$UsnJrnl).
func TestUSNCommand(t *testing.T) {
	img := oracle.Image(t, "fixtures/mkusn.sh")
	out := mustRun(t, "usn", "--journal", "/journal.bin:$J", img)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []string{
		"1048576 2019-01-22T21:35:46.8887273Z file-create 64-1 5-5 /docs",
		"1048648 2019-01-22T21:35:46.8887345Z file-create|close 65-1 64-1 /docs/report.txt",
		"1048728 2019-01-22T21:35:46.8887425Z rename-new-name 65-1 64-1 /docs/renamed.txt",
		"1048832 - data-extend|close 65-1 64-1 /docs/report.txt [0+4096]",
		"1048912 2019-01-22T21:35:46.8887609Z file-create 200-1 64-7 /$Orphan/gone.txt (stale)",
		"1052672 2019-01-22T21:35:46.8891369Z file-delete|close 201-1 64-1 /docs/é日本.txt",
	}
	if len(lines) != 206 {
		t.Errorf("%d lines, want 206", len(lines))
	}
	if diff := cmp.Diff(want, lines[:min(len(lines), len(want))]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	js := mustRun(t, "usn", "--json", "--journal", "/journal.bin:$J", img)
	first, _, _ := strings.Cut(js, "\n")
	wantJSON := `{"offset":1048576,"usn":1048576,"version":"2.0","time":"2019-01-22T21:35:46.8887273Z","reasons":["file-create"],` +
		`"reason_value":256,"file":64,"file_seq":1,"parent":5,"parent_seq":5,"name":"docs","path":"/docs","attributes":["directory"]}`
	if first != wantJSON {
		t.Errorf("json:\n got %s\nwant %s", first, wantJSON)
	}
	if n := strings.Count(js, "\n"); n != 206 {
		t.Errorf("%d JSON lines, want 206", n)
	}
	// a bare $J extracted from the volume (cat), with paths from the image
	j := filepath.Join(t.TempDir(), "J")
	if err := os.WriteFile(j, []byte(mustRun(t, "cat", img, "/journal.bin:$J")), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := mustRun(t, "usn", "--j-file", j, img); got != out {
		t.Errorf("--j-file output differs from the stream's")
	}
	if got := mustRun(t, "usn", "--j-file", j); !strings.Contains(got, " 65-1 64-1 report.txt\n") {
		t.Errorf("--j-file without a volume: want bare names, got %.300s", got)
	}
}

// lnkinfoOf runs liblnk's lnkinfo on a file and returns its "Link
// information" fields; ok is false when lnkinfo cannot read it.
func lnkinfoOf(t *testing.T, path string) (map[string]string, bool) {
	t.Helper()
	out, err := oracle.Output("lnkinfo", path)
	if err != nil {
		return nil, false
	}
	f := map[string]string{}
	for line := range strings.Lines(string(out)) {
		line = strings.TrimRight(line, "\n")
		if !strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "\t\t") {
			continue
		}
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "\t"), ":"); ok {
			f[strings.TrimSpace(k)] = strings.TrimPrefix(v, " ")
		}
	}
	return f, true
}

// TestShortcutsMatchLnkinfo decodes the shortcuts fixtures/mklnk.sh put on
// a volume (laid out by python from MS-SHLLINK) with readlink --json and
// compares them with lnkinfo on the bytes cat returns.
func TestShortcutsMatchLnkinfo(t *testing.T) {
	oracle.Require(t, "lnkinfo")
	img := oracle.Image(t, "fixtures/mklnk.sh")
	for _, name := range []string{"/Desktop/report.lnk", "/Desktop/share.lnk", "/Desktop/broken.lnk"} {
		raw := filepath.Join(t.TempDir(), "x.lnk")
		if err := os.WriteFile(raw, []byte(mustRun(t, "cat", img, name)), 0o644); err != nil {
			t.Fatal(err)
		}
		theirs, ok := lnkinfoOf(t, raw)
		code, out, errs := ntfsedit("readlink", "--json", img, name)
		if !ok {
			if code != 1 || !strings.Contains(errs, "shortcut: shllink: bad") {
				t.Errorf("%s: lnkinfo rejects it; readlink: exit %d, %q", name, code, errs)
			}
			continue
		}
		if code != 0 {
			t.Fatalf("%s: readlink exit %d: %s", name, code, errs)
		}
		var sc shortcutJSON
		if err := json.Unmarshal([]byte(out), &sc); err != nil {
			t.Fatal(err)
		}
		target := theirs["Local path"]
		if target == "" {
			target = theirs["Network path"]
		}
		serial := ""
		if sc.VolumeSerial != "" {
			serial = "0x" + strings.ToLower(strings.ReplaceAll(sc.VolumeSerial, "-", ""))
		}
		got := map[string]string{"target": sc.Target, "relative": sc.RelativePath, "workdir": sc.WorkingDir,
			"args": sc.Arguments, "name": sc.Name, "icon": sc.Icon, "label": sc.VolumeLabel, "serial": serial}
		want := map[string]string{"target": target, "relative": theirs["Relative path"], "workdir": theirs["Working directory"],
			"args": theirs["Command line arguments"], "name": theirs["Description"], "icon": theirs["Icon location"],
			"label": theirs["Volume label"], "serial": theirs["Drive serial number"]}
		if sc.VolumeSerial == "" && want["serial"] == "0x00000000" {
			want["serial"] = "" // lnkinfo's value without a VolumeID
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-lnkinfo +readlink):\n%s", name, diff)
		}
		st := mustRun(t, "stat", img, name)
		if !strings.Contains(st, "shortcut:     "+target+"\n") {
			t.Errorf("%s: stat does not show the target:\n%s", name, st)
		}
	}
}
