package volume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// Target classes as stored by Windows (MS-FSCC 2.1.2.4, 2.1.2.5) and as
// tools write them.
func TestClassifyTarget(t *testing.T) {
	type out struct {
		Class int
		Drive byte
		GUID  string
		Rest  string
	}
	for _, tc := range []struct {
		in   string
		want out
	}{
		{`\??\C:\dir\x`, out{tgtDrive, 'C', "", `dir\x`}},
		{`\??\c:\`, out{tgtDrive, 'C', "", ``}},
		{`\??\C:`, out{tgtDrive, 'C', "", ``}},
		{`D:\data`, out{tgtDrive, 'D', "", `data`}},
		{`\\?\E:\x`, out{tgtDrive, 'E', "", `x`}},
		{`\??\UNC\server\share\x`, out{tgtUNC, 0, "", `server\share\x`}},
		{`\\server\share`, out{tgtUNC, 0, "", `server\share`}},
		{`\??\Volume{0a1b2c3d-0000-4000-8000-00000000abcd}\dir`, out{tgtVolume, 0, "0A1B2C3D-0000-4000-8000-00000000ABCD", `dir`}},
		{`\??\volume{ab}`, out{tgtVolume, 0, "AB", ``}},
		{`\??\GLOBALROOT\Device\HarddiskVolume2\x`, out{tgtDevice, 0, "", `GLOBALROOT\Device\HarddiskVolume2\x`}},
		{`\dir\x`, out{tgtRoot, 0, "", `dir\x`}},
		{`..\x`, out{tgtRel, 0, "", `..\x`}},
		{`x`, out{tgtRel, 0, "", `x`}},
		{`C:x`, out{tgtRel, 0, "", `C:x`}}, // drive-relative: not a drive root
		{``, out{tgtRel, 0, "", ``}},
	} {
		var got out
		got.Class, got.Drive, got.GUID, got.Rest = classifyTarget(tc.in)
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("classifyTarget(%q) (-want +got):\n%s", tc.in, d)
		}
	}
}

func TestAuditNormalize(t *testing.T) {
	for _, tc := range []struct {
		base, rel, want string
		climbed         bool
	}{
		{"/a/b", `..\c`, "/a/c", false},
		{"/a/b", `.\c\.\d`, "/a/b/c/d", false},
		{"/", `x\\y`, "/x/y", false},
		{"/a", `..\..\x`, "/x", true},
		{"/a/b", `..\..`, "/", false},
		{"/", ``, "/", false},
	} {
		got, climbed := auditNormalize(tc.base, tc.rel)
		if got != tc.want || climbed != tc.climbed {
			t.Errorf("auditNormalize(%q, %q) = %q, %v; want %q, %v", tc.base, tc.rel, got, climbed, tc.want, tc.climbed)
		}
	}
}

func TestCutPrefixFold(t *testing.T) {
	for _, tc := range []struct {
		s, prefix, rest string
		ok              bool
	}{
		{`C:\target\x`, `c:\TARGET`, `\x`, true},
		{`C:\target\x`, `C:\target\`, `\x`, true},
		{`C:\target`, `C:/target`, ``, true},
		{`C:\targets\x`, `C:\target`, ``, false}, // not at a component boundary
		{`C:\x`, `C:`, `\x`, true},
		{`\\server\share\x`, `\\SERVER\share`, `\x`, true},
		{`..\x`, `C:\`, ``, false},
	} {
		rest, ok := cutPrefixFold(tc.s, tc.prefix)
		if rest != tc.rest || ok != tc.ok {
			t.Errorf("cutPrefixFold(%q, %q) = %q, %v; want %q, %v", tc.s, tc.prefix, rest, ok, tc.rest, tc.ok)
		}
	}
}

func TestUserForm(t *testing.T) {
	for in, want := range map[string]string{
		`\??\C:\dir`:             `C:\dir`,
		`\??\UNC\server\share\x`: `\\server\share\x`,
		`\??\Volume{ab}\x`:       `\??\Volume{ab}\x`,
		`..\x`:                   `..\x`,
	} {
		if got := userForm(in); got != want {
			t.Errorf("userForm(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDriveLetter(t *testing.T) {
	for in, want := range map[string]byte{"C:": 'C', "c": 'C', `d:\`: 'D', "": 0, " e: ": 'E'} {
		got, err := driveLetter(in)
		if err != nil || got != want {
			t.Errorf("driveLetter(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"12", "CD:", "é:"} {
		if _, err := driveLetter(in); err == nil {
			t.Errorf("driveLetter(%q): no error", in)
		}
	}
}

// FuzzClassifyTarget: stored targets come from disk; classifying and
// normalising them never panics and gives a clean volume path.
func FuzzClassifyTarget(f *testing.F) {
	for _, s := range []string{`\??\C:\x`, `\??\UNC\s\h`, `\??\Volume{x}\y`, `..\..\x`, `\x`, `\\s\h`, `\??\`, `C:`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _, _, rest := classifyTarget(s)
		p, _ := auditNormalize("/a/b", rest)
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "//") {
			t.Errorf("auditNormalize(/a/b, %q) = %q: not a clean volume path", rest, p)
		}
		cutPrefixFold(s, rest)
		userForm(s)
	})
}

// On a GPT disk the volume GUID defaults to the partition's unique GUID,
// the one Windows' mount manager gives the volume: the sample volume as
// partition 2 of a GPT disk (buildGPTDisk, partition_test.go).
func TestAuditGPTVolumeGUID(t *testing.T) {
	vol, err := os.ReadFile(filepath.Join(oracle.RepoRoot(t), "fixtures", "sample.img"))
	if err != nil {
		t.Fatal(err)
	}
	disk := buildGPTDisk(16384, 512, 128, gptTestSpecs...)
	if len(vol) > 8192*512 {
		t.Fatalf("sample image of %d bytes does not fit partition 2", len(vol))
	}
	copy(disk[4096*512:], vol)
	v, err := OpenOn(NewMemDevice(disk, 512), Options{Partition: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts AuditOptions
		want string
	}{
		{AuditOptions{Drive: "C:"}, `\??\Volume{deadbeef-0001-0002-0304-05060708090a}\target`},
		{AuditOptions{Drive: "C:", VolumeGUID: "{AB}"}, `\??\Volume{ab}\target`}, // the option wins
		{AuditOptions{Drive: "D:"}, ``}, // another volume
	} {
		got, err := Audit(v, "/", tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[0].Code != AuditDriveLetter || got[0].Suggest != tc.want {
			t.Errorf("Audit(%+v) = %+v; want a drive-letter finding suggesting %q", tc.opts, got, tc.want)
		}
	}
	r, err := newRetargeter(v, RetargetOptions{Drive: "C:", ToGUID: true})
	if err != nil || r.guid != "DEADBEEF-0001-0002-0304-05060708090A" {
		t.Errorf("retarget GUID = %q, %v; want the partition's", r.guid, err)
	}
}
