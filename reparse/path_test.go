package reparse

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWindowsTarget(t *testing.T) {
	type result struct {
		Subst, Print string
		Relative     bool
	}
	tests := []struct {
		in   string
		want result
	}{
		{`C:\dir`, result{`\??\C:\dir`, `C:\dir`, false}},
		{`c:\`, result{`\??\c:\`, `c:\`, false}},
		{`C:/dir/x.txt`, result{`\??\C:\dir\x.txt`, `C:\dir\x.txt`, false}},
		{`\\server\share\x`, result{`\??\UNC\server\share\x`, `\\server\share\x`, false}},
		{`\\server\share`, result{`\??\UNC\server\share`, `\\server\share`, false}},
		{`\??\C:\dir`, result{`\??\C:\dir`, `C:\dir`, false}},
		{`\??\UNC\server\share\x`, result{`\??\UNC\server\share\x`, `\\server\share\x`, false}},
		{`\??\` + volumeGUIDPath + `\dir`, result{`\??\` + volumeGUIDPath + `\dir`, `\\?\` + volumeGUIDPath + `\dir`, false}},
		{`\\?\C:\dir`, result{`\??\C:\dir`, `C:\dir`, false}},
		{`\\?\UNC\server\share`, result{`\??\UNC\server\share`, `\\server\share`, false}},
		{`\\.\C:\dir`, result{`\??\C:\dir`, `C:\dir`, false}},
		{`\\?\` + volumeGUIDPath + `\`, result{`\??\` + volumeGUIDPath + `\`, `\\?\` + volumeGUIDPath + `\`, false}},
		{`..\x.txt`, result{`..\x.txt`, `..\x.txt`, true}},
		{`../x.txt`, result{`..\x.txt`, `..\x.txt`, true}},
		{`x`, result{`x`, `x`, true}},
		{`.`, result{`.`, `.`, true}},
		{`\dir\x`, result{`\dir\x`, `\dir\x`, true}},
		{`dir:stream`, result{`dir:stream`, `dir:stream`, true}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, p, rel, err := WindowsTarget(tt.in)
			if err != nil {
				t.Fatalf("WindowsTarget: %v", err)
			}
			if d := cmp.Diff(tt.want, result{s, p, rel}); d != "" {
				t.Errorf("WindowsTarget mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func TestWindowsTargetErrors(t *testing.T) {
	for _, in := range []string{
		``, "a\x00b", `C:`, `C:dir`, `\\`, `\\server`, `\\server\`, `\\\share`,
		`\??\`, `\\?\`, `\??\\x`, `\??\UNC\server`, `\\?\UNC\`,
	} {
		t.Run(in, func(t *testing.T) {
			s, p, rel, err := WindowsTarget(in)
			if !errors.Is(err, ErrInvalidTarget) {
				t.Errorf("WindowsTarget(%q) = %q, %q, %v, %v; want ErrInvalidTarget", in, s, p, rel, err)
			}
		})
	}
}

// TestConstructors checks that the writer's constructors, fed by
// WindowsTarget, produce the very bytes reparse-hex.py makes.
func TestConstructors(t *testing.T) {
	tests := []struct {
		name     string
		junction bool
		in       string
		want     string
	}{
		{"junction", true, `C:\target`, hexJunction},
		{"junction from NT path", true, `\??\C:\target`, hexJunction},
		{"junction volume GUID", true, `\??\` + volumeGUIDPath + `\dir`, hexJunctionVol},
		{"symlink relative", false, `..\target.txt`, hexSymlinkRel},
		{"symlink absolute", false, `C:\target.txt`, hexSymlinkAbs},
		{"symlink UNC", false, `\\server\share\x`, hexSymlinkUNC},
		{"symlink root-relative", false, `\dir\x`, hexSymlinkRoot},
		{"symlink like rp.bin", false, `target.txt`, hexRPBin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, p, rel, err := WindowsTarget(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var pt Point
			if tt.junction {
				pt = NewJunction(s, p)
			} else {
				pt = NewSymlink(s, p, rel)
			}
			got, err := pt.AppendBinary(nil)
			if err != nil {
				t.Fatalf("AppendBinary: %v", err)
			}
			diffBytes(t, "encoding", hx(t, tt.want), got)
		})
	}
	// A volume mount point as mountvol makes it: empty print name.
	got, err := NewJunction(`\??\`+volumeGUIDPath+`\`, "").AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	diffBytes(t, "volume mount point", hx(t, hexVolumeMount), got)
}

func TestConstructorsTooLong(t *testing.T) {
	long := make([]rune, 0x8000)
	for i := range long {
		long[i] = 'a'
	}
	for name, p := range map[string]Point{
		"junction": NewJunction(string(long), "x"),
		"symlink":  NewSymlink("x", string(long), true),
	} {
		if _, err := p.AppendBinary(nil); err == nil {
			t.Errorf("%s: AppendBinary of a %d-unit name: no error", name, len(long))
		}
		if p.Size() <= MaxBufferSize {
			t.Errorf("%s: Size = %d, want > MaxBufferSize", name, p.Size())
		}
	}
	// Right at the limit of the 16-bit length, the names still round-trip.
	n := (0xFFFF - 8 - 4) / 2 / 2
	sub := string(long[:n])
	p := NewJunction(sub, sub)
	b, err := p.AppendBinary(nil)
	if err != nil {
		t.Fatalf("AppendBinary near the limit: %v", err)
	}
	q, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := q.Describe()
	if err != nil {
		t.Fatal(err)
	}
	if desc.Target != sub || desc.PrintName != sub {
		t.Errorf("names near the limit did not round-trip")
	}
}
