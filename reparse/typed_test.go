package reparse

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The typed vectors hold whole buffers; the typed codecs see data = [8:].

var mountPointVectors = []struct {
	name          string
	hex           string
	want          MountPoint // PathBuffer is filled from hex
	subst, prName string
}{
	{"junction", hexJunction, MountPoint{0, 0x1a, 0x1c, 0x12, nil}, `\??\C:\target`, `C:\target`},
	{"volume GUID", hexJunctionVol, MountPoint{0, 0x68, 0x6a, 0x68, nil}, `\??\` + volumeGUIDPath + `\dir`, `\\?\` + volumeGUIDPath + `\dir`},
	{"volume mount point", hexVolumeMount, MountPoint{0, 0x62, 0x64, 0, nil}, `\??\` + volumeGUIDPath + `\`, ``},
	{
		// Print name first, no NULs, two bytes of padding between:
		// readers must follow the offsets.
		"print name first with padding",
		"030000a0" + "1200" + "0000" + "0600" + "0400" + "0000" + "0400" + "4100" + "4200" + "eeee" + "5800" + "5900",
		MountPoint{6, 4, 0, 4, nil}, "XY", "AB",
	},
	{
		// Both names share the same bytes.
		"overlapping names",
		"030000a0" + "0c00" + "0000" + "0000" + "0400" + "0000" + "0400" + "4100" + "4200",
		MountPoint{0, 4, 0, 4, nil}, "AB", "AB",
	},
	{"empty names", "030000a0" + "0800" + "0000" + "0000000000000000", MountPoint{}, "", ""},
}

func TestDecodeMountPoint(t *testing.T) {
	for _, tt := range mountPointVectors {
		t.Run(tt.name, func(t *testing.T) {
			b := hx(t, tt.hex)
			want := tt.want
			want.PathBuffer = clone(b[16:])
			p, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got, err := p.MountPoint()
			if err != nil {
				t.Fatalf("MountPoint: %v", err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("MountPoint mismatch (-want +got):\n%s", d)
			}
			if s := got.SubstituteName().String(); s != tt.subst {
				t.Errorf("SubstituteName = %q, want %q", s, tt.subst)
			}
			if s := got.PrintName().String(); s != tt.prName {
				t.Errorf("PrintName = %q, want %q", s, tt.prName)
			}
		})
	}
}

func TestAppendMountPoint(t *testing.T) {
	for _, tt := range mountPointVectors {
		t.Run(tt.name, func(t *testing.T) {
			b := hx(t, tt.hex)
			m := tt.want
			m.PathBuffer = clone(b[16:])
			p, err := m.Point()
			if err != nil {
				t.Fatalf("Point: %v", err)
			}
			got, err := p.AppendBinary(nil)
			if err != nil {
				t.Fatalf("AppendBinary: %v", err)
			}
			diffBytes(t, "encoding", b, got)
		})
	}
}

var symlinkVectors = []struct {
	name          string
	hex           string
	want          Symlink // PathBuffer is filled from hex
	subst, prName string
}{
	{"relative", hexSymlinkRel, Symlink{0x1a, 0x1a, 0, 0x1a, SymlinkRelative, nil}, `..\target.txt`, `..\target.txt`},
	{"absolute", hexSymlinkAbs, Symlink{0x1a, 0x22, 0, 0x1a, 0, nil}, `\??\C:\target.txt`, `C:\target.txt`},
	{"UNC", hexSymlinkUNC, Symlink{0x20, 0x2c, 0, 0x20, 0, nil}, `\??\UNC\server\share\x`, `\\server\share\x`},
	{"root-relative", hexSymlinkRoot, Symlink{0x0c, 0x0c, 0, 0x0c, SymlinkRelative, nil}, `\dir\x`, `\dir\x`},
	{"rp.bin", hexRPBin, Symlink{0x14, 0x14, 0, 0x14, SymlinkRelative, nil}, `target.txt`, `target.txt`},
	{
		// Substitute first, NUL-terminated like a junction, unknown flag.
		"junction-like layout",
		"0c0000a0" + "1400" + "0000" + "0000" + "0200" + "0400" + "0200" + "03000080" + "4100" + "0000" + "4200" + "0000",
		Symlink{0, 2, 4, 2, 0x80000003, nil}, "A", "B",
	},
	{
		// An unpaired high surrogate (0xD800) must survive.
		"unpaired surrogate",
		"0c0000a0" + "1000" + "0000" + "0000" + "0200" + "0200" + "0200" + "00000000" + "00d8" + "4100",
		Symlink{0, 2, 2, 2, 0, nil}, "\uFFFD", "A",
	},
}

func TestDecodeSymlink(t *testing.T) {
	for _, tt := range symlinkVectors {
		t.Run(tt.name, func(t *testing.T) {
			b := hx(t, tt.hex)
			want := tt.want
			want.PathBuffer = clone(b[20:])
			p, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got, err := p.Symlink()
			if err != nil {
				t.Fatalf("Symlink: %v", err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("Symlink mismatch (-want +got):\n%s", d)
			}
			if s := got.SubstituteName().String(); s != tt.subst {
				t.Errorf("SubstituteName = %q, want %q", s, tt.subst)
			}
			if s := got.PrintName().String(); s != tt.prName {
				t.Errorf("PrintName = %q, want %q", s, tt.prName)
			}
			if got.Relative() != (tt.want.Flags&SymlinkRelative != 0) {
				t.Errorf("Relative = %v with flags %v", got.Relative(), got.Flags)
			}
		})
	}
}

func TestAppendSymlink(t *testing.T) {
	for _, tt := range symlinkVectors {
		t.Run(tt.name, func(t *testing.T) {
			b := hx(t, tt.hex)
			s := tt.want
			s.PathBuffer = clone(b[20:])
			p, err := s.Point()
			if err != nil {
				t.Fatalf("Point: %v", err)
			}
			got, err := p.AppendBinary(nil)
			if err != nil {
				t.Fatalf("AppendBinary: %v", err)
			}
			diffBytes(t, "encoding", b, got)
		})
	}
}

func TestUnpairedSurrogateKept(t *testing.T) {
	p, err := Decode(hx(t, symlinkVectors[len(symlinkVectors)-1].hex))
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Symlink()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(Name{0xD800}, s.SubstituteName()); d != "" {
		t.Errorf("SubstituteName mismatch (-want +got):\n%s", d)
	}
}

func TestSymlinkFlagsString(t *testing.T) {
	for f, want := range map[SymlinkFlags]string{
		0:          "0",
		1:          "SYMLINK_FLAG_RELATIVE",
		0x80000001: "SYMLINK_FLAG_RELATIVE|0x80000000",
		2:          "0x00000002",
	} {
		if got := f.String(); got != want {
			t.Errorf("SymlinkFlags(%#x).String() = %q, want %q", uint32(f), got, want)
		}
	}
}

// TestNameErrors covers the checks shared by junctions and symlinks.
func TestNameErrors(t *testing.T) {
	tests := []struct {
		name string
		tag  Tag
		data string
		want *CorruptError
	}{
		{"junction short", TagMountPoint, "000000000000", &CorruptError{Offset: 8, Field: "mount point data", Value: 6}},
		{"symlink short", TagSymlink, "0000000000000000", &CorruptError{Offset: 8, Field: "symlink data", Value: 8}},
		{"odd substitute length", TagMountPoint, "0000" + "0100" + "0000" + "0000" + "4100", &CorruptError{Offset: 0x0a, Field: "substitute name length", Value: uint16(1)}},
		{"odd print length", TagMountPoint, "0000" + "0000" + "0000" + "0100" + "4100", &CorruptError{Offset: 0x0e, Field: "print name length", Value: uint16(1)}},
		{"substitute offset past end", TagMountPoint, "2c01" + "0000" + "0000" + "0000" + "4100", &CorruptError{Offset: 0x08, Field: "substitute name offset", Value: uint16(300)}},
		{"substitute runs past end", TagMountPoint, "0000" + "0400" + "0000" + "0000" + "4100", &CorruptError{Offset: 0x0a, Field: "substitute name length", Value: uint16(4)}},
		{"print offset past end", TagSymlink, "0000" + "0000" + "0400" + "0000" + "00000000" + "4100", &CorruptError{Offset: 0x0c, Field: "print name offset", Value: uint16(4)}},
		{"print runs past end", TagSymlink, "0000" + "0000" + "0000" + "0400" + "00000000" + "4100", &CorruptError{Offset: 0x0e, Field: "print name length", Value: uint16(4)}},
		{"length wraps past 0xffff", TagSymlink, "ffff" + "0200" + "0000" + "0000" + "00000000" + "4100", &CorruptError{Offset: 0x08, Field: "substitute name offset", Value: uint16(0xffff)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.tag == TagMountPoint {
				_, err = DecodeMountPoint(hx(t, tt.data))
			} else {
				_, err = DecodeSymlink(hx(t, tt.data))
			}
			checkCorrupt(t, err, tt.want)
			// The encoders refuse what the decoders refuse.
			p := Point{Tag: tt.tag, Data: hx(t, tt.data)}
			if _, err := p.Describe(); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Describe error %v, want ErrCorrupt", err)
			}
		})
	}
	bad := MountPoint{SubstituteNameOffset: 2, SubstituteNameLength: 2, PathBuffer: []byte{1, 2}}
	if _, err := bad.AppendBinary(nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("MountPoint.AppendBinary of a name past the buffer: error %v, want ErrCorrupt", err)
	}
	if n := bad.SubstituteName(); n != nil {
		t.Errorf("SubstituteName of a name past the buffer = %v, want nil", n)
	}
	badS := Symlink{PrintNameLength: 3, PathBuffer: []byte{1, 2, 3, 4}}
	if _, err := badS.Point(); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Symlink.Point with an odd length: error %v, want ErrCorrupt", err)
	}
}

var lxVectors = []struct {
	name string
	data string
	want LXSymlink
}{
	{"relative", hexLXSymlink[16:], LXSymlink{2, "../lib/libc.so.6"}},
	{"absolute", "02000000" + "2f7573722f62696e", LXSymlink{2, "/usr/bin"}},
	{"empty target", "02000000", LXSymlink{Version: 2}},
	{"invalid UTF-8 and odd version", "07000000" + "ff00fe", LXSymlink{7, "\xff\x00\xfe"}},
}

func TestDecodeLXSymlink(t *testing.T) {
	for _, tt := range lxVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeLXSymlink(hx(t, tt.data))
			if err != nil {
				t.Fatalf("DecodeLXSymlink: %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("DecodeLXSymlink mismatch (-want +got):\n%s", d)
			}
		})
	}
	_, err := DecodeLXSymlink([]byte{2, 0, 0})
	checkCorrupt(t, err, &CorruptError{Offset: 8, Field: "LX symlink data", Value: 3})
}

func TestAppendLXSymlink(t *testing.T) {
	for _, tt := range lxVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.want.AppendBinary(nil)
			if err != nil {
				t.Fatalf("AppendBinary: %v", err)
			}
			diffBytes(t, "encoding", hx(t, tt.data), got)
		})
	}
	got, err := NewLXSymlink("../lib/libc.so.6").AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	diffBytes(t, "NewLXSymlink", hx(t, hexLXSymlink), got)
}

var appExecVectors = []struct {
	name string
	data string
	want AppExecLink
}{
	{
		"winget",
		hexAppExecLink[16:],
		AppExecLink{3, []Name{NameOf(appxPackageID), NameOf(appxAppUserModl), NameOf(appxTargetPath), NameOf("0")}},
	},
	{"no strings", "03000000", AppExecLink{Version: 3}},
	{"empty strings", "03000000" + "0000" + "0000" + "4100" + "0000", AppExecLink{3, []Name{nil, nil, {'A'}}}},
}

func TestDecodeAppExecLink(t *testing.T) {
	for _, tt := range appExecVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeAppExecLink(hx(t, tt.data))
			if err != nil {
				t.Fatalf("DecodeAppExecLink: %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("DecodeAppExecLink mismatch (-want +got):\n%s", d)
			}
		})
	}
	a, err := DecodeAppExecLink(hx(t, appExecVectors[0].data))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{a.PackageID(), a.AppUserModelID(), a.TargetPath()}
	if d := cmp.Diff([]string{appxPackageID, appxAppUserModl, appxTargetPath}, got); d != "" {
		t.Errorf("accessors mismatch (-want +got):\n%s", d)
	}
	if s := (AppExecLink{}).TargetPath(); s != "" {
		t.Errorf("TargetPath of no strings = %q", s)
	}
}

func TestAppendAppExecLink(t *testing.T) {
	for _, tt := range appExecVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.want.AppendBinary(nil)
			if err != nil {
				t.Fatalf("AppendBinary: %v", err)
			}
			diffBytes(t, "encoding", hx(t, tt.data), got)
		})
	}
	if _, err := (AppExecLink{3, []Name{{'a', 0, 'b'}}}).AppendBinary(nil); err == nil {
		t.Error("AppendBinary of a string holding NUL: no error")
	}
}

func TestAppExecLinkErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want *CorruptError
	}{
		{"short", "0300", &CorruptError{Offset: 8, Field: "app exec link data", Value: 2}},
		{"odd", "03000000" + "410000", &CorruptError{Offset: 12, Field: "app exec link strings", Value: 3}},
		{"unterminated", "03000000" + "41000000" + "4200", &CorruptError{Offset: 16, Field: "app exec link strings"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeAppExecLink(hx(t, tt.data))
			checkCorrupt(t, err, tt.want)
		})
	}
}

var wofVectors = []struct {
	name string
	data string
	want WOF
}{
	{"file LZX", hexWOFFile[16:], WOF{Version: 1, Provider: WOFProviderFile, FileVersion: 1, Algorithm: WOFLZX}},
	{"file XPRESS16K with flags", "01000000" + "02000000" + "01000000" + "03000000" + "00000000", WOF{1, WOFProviderFile, 1, WOFXpress16K, []byte{0, 0, 0, 0}}},
	{"WIM", hexWOFWIM[16:], WOF{Version: 1, Provider: WOFProviderWIM, Rest: mustHex(hexWOFWIM)[16:]}},
	{"unknown provider, nothing after", "01000000" + "09000000", WOF{Version: 1, Provider: 9}},
}

func TestDecodeWOF(t *testing.T) {
	for _, tt := range wofVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeWOF(hx(t, tt.data))
			if err != nil {
				t.Fatalf("DecodeWOF: %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("DecodeWOF mismatch (-want +got):\n%s", d)
			}
		})
	}
	for _, tt := range []struct {
		name string
		data string
		want *CorruptError
	}{
		{"short", "010000000200", &CorruptError{Offset: 8, Field: "WOF data", Value: 6}},
		{"file provider short", "01000000" + "02000000" + "01000000", &CorruptError{Offset: 16, Field: "WOF file provider data", Value: 4}},
	} {
		_, err := DecodeWOF(hx(t, tt.data))
		checkCorrupt(t, err, tt.want)
	}
}

func TestAppendWOF(t *testing.T) {
	for _, tt := range wofVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.want.AppendBinary(nil)
			if err != nil {
				t.Fatalf("AppendBinary: %v", err)
			}
			diffBytes(t, "encoding", hx(t, tt.data), got)
		})
	}
	got, err := NewWOFFile(WOFLZX).Point()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(Point{Tag: TagWOF, Data: hx(t, hexWOFFile)[8:]}, got); d != "" {
		t.Errorf("NewWOFFile mismatch (-want +got):\n%s", d)
	}
	if _, err := (WOF{Provider: WOFProviderWIM, Algorithm: WOFLZX}).AppendBinary(nil); err == nil {
		t.Error("AppendBinary of a WIM WOF with an algorithm: no error")
	}
}

func TestWOFNames(t *testing.T) {
	got := []string{WOFXpress4K.String(), WOFLZX.String(), WOFXpress8K.String(), WOFXpress16K.String(), WOFAlgorithm(9).String(),
		WOFProviderWIM.String(), WOFProviderFile.String(), WOFProvider(7).String()}
	want := []string{"XPRESS4K", "LZX", "XPRESS8K", "XPRESS16K", "WOFAlgorithm(9)", "WOF_PROVIDER_WIM", "WOF_PROVIDER_FILE", "WOFProvider(7)"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("names mismatch (-want +got):\n%s", d)
	}
}
