package shllink

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

var equateEmpty = cmpopts.EquateEmpty()

// sampleLinks are shortcuts built from values: a local target with a
// Unicode string section, an ANSI one with a network share, one with an
// ID list and a Unicode volume label.
func sampleLinks() map[string]*Link {
	ft := uint64(0x01D4B29A6F9CC0E9)
	idl := func(items ...[]byte) []byte {
		var b []byte
		for _, it := range items {
			b = le.AppendUint16(b, uint16(len(it)+2))
			b = append(b, it...)
		}
		return b
	}
	myComputer := append([]byte{0x1F, 0x50}, 0xE0, 0x4F, 0xD0, 0x20, 0xEA, 0x3A, 0x69, 0x10, 0xA2, 0xD8, 0x08, 0x00, 0x2B, 0x30, 0x30, 0x9D)
	drive := append([]byte{0x2F}, append([]byte(`C:\`), make([]byte, 19)...)...)
	// a file entry: type, unknown, size, FAT time, attributes, 8.3 name,
	// then a version 9 0xBEEF0004 block with the long name
	fileEntry := func(t byte, short, long string) []byte {
		it := []byte{t, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0}
		it = append(append(it, short...), 0)
		if len(it)%2 == 1 {
			it = append(it, 0)
		}
		extOff := len(it) + 2 // from the item's size field
		ext := make([]byte, 0x2E)
		le.PutUint16(ext[2:], 9)
		le.PutUint32(ext[4:], beef0004)
		le.PutUint16(ext[0x10:], 0x2E)
		ext = appendUTF16Z(ext, long)
		ext = le.AppendUint16(ext, uint16(extOff))
		le.PutUint16(ext, uint16(len(ext)))
		return append(it, ext...)
	}
	// TrackerDataBlock: length 0x58, version 0, machine id, two droids
	tracker := make([]byte, 0x58)
	le.PutUint32(tracker, 0x58)
	copy(tracker[8:], "host")
	return map[string]*Link{
		"local-unicode": {
			Header: Header{Flags: HasLinkInfo | HasName | HasRelativePath | HasWorkingDir | HasArguments | HasIconLocation | IsUnicode,
				FileAttributes: 0x20, Created: ft, Accessed: ft + 1, Modified: ft + 2, FileSize: 12345, IconIndex: 3, ShowCommand: 1, HotKey: 0x0641},
			Info: &LinkInfo{Volume: &VolumeID{DriveType: DriveFixed, SerialNumber: 0x9E31FC72, Label: "SYSTEM"},
				LocalBasePath: `C:\Users\me\Documents\report.txt`},
			Name: "Quarterly report", RelativePath: `..\..\Documents\report.txt`, WorkingDir: `C:\Users\me\Documents`,
			Arguments: `/open "x y" é日本`, IconLocation: `%SystemRoot%\system32\shell32.dll`,
		},
		"network-ansi": {
			Header: Header{Flags: HasLinkInfo | HasRelativePath | HasWorkingDir, FileAttributes: 0x21, Modified: ft, ShowCommand: 7},
			Info: &LinkInfo{Network: &NetworkLink{Flags: 3, NetName: `\\server\share`, DeviceName: "Z:", ProviderType: 0x20000},
				CommonPathSuffix: `dir\file€.doc`},
			RelativePath: `..\file€.doc`, WorkingDir: `Z:\dir`,
		},
		"idlist-unicode-label": {
			Header: Header{Flags: HasLinkTargetIDList | HasLinkInfo | IsUnicode, FileAttributes: 0x10, Created: ft, Modified: ft, Accessed: ft},
			IDList: idl(myComputer, drive, fileEntry(0x31, "PROGRA~1", "Program Files"), fileEntry(0x32, "TOOL~1.EXE", "Tool Name.exe")),
			Info: &LinkInfo{Volume: &VolumeID{DriveType: DriveRemovable, SerialNumber: 1, Label: "Clé USB 日本", LabelUnicode: true},
				LocalBasePath: `C:\Program Files\Tool Name.exe`, HasUnicode: true, LocalBasePathUnicode: `C:\Program Files\Tool Name.exe`},
			Extra: []ExtraBlock{{Signature: TrackerBlock, Data: tracker}},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	for name, l := range sampleLinks() {
		t.Run(name, func(t *testing.T) {
			b, err := l.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(l, got, equateEmpty); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			again, _ := got.AppendBinary(nil)
			if !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs")
			}
		})
	}
}

func TestIDListPath(t *testing.T) {
	l := sampleLinks()["idlist-unicode-label"]
	if got, want := l.IDListPath(), `C:\Program Files\Tool Name.exe`; got != want {
		t.Errorf("IDListPath = %q, want %q", got, want)
	}
	if got := sampleLinks()["network-ansi"].Target(); got != `\\server\share\dir\file€.doc` {
		t.Errorf("Target = %q", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	good, err := sampleLinks()["local-unicode"].AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		mess func(b []byte) []byte
		off  int
	}{
		{"short", func(b []byte) []byte { return b[:0x40] }, 0},
		{"header size", func(b []byte) []byte { b[0] = 0x4D; return b }, 0},
		{"CLSID", func(b []byte) []byte { b[5] ^= 1; return b }, 4},
		{"LinkInfo size", func(b []byte) []byte { b[0x4C+2] = 0x7F; return b }, 0x4C},
		{"string past the end", func(b []byte) []byte { return b[:len(b)-10] }, -1},
	}
	for _, tt := range tests {
		_, err := Decode(tt.mess(bytes.Clone(good)))
		var ce *CorruptError
		if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want a CorruptError", tt.name, err)
			continue
		}
		if tt.off >= 0 && ce.Offset != tt.off {
			t.Errorf("%s: offset 0x%x, want 0x%x (%v)", tt.name, ce.Offset, tt.off, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, l := range sampleLinks() {
		b, _ := l.AppendBinary(nil)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := Decode(b)
		if err != nil {
			return
		}
		_, _ = l.Target(), l.IDListPath()
		enc, err := l.AppendBinary(nil)
		if err != nil {
			t.Fatalf("decoded but cannot encode: %v", err)
		}
		again, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if diff := cmp.Diff(l, again, equateEmpty); diff != "" {
			t.Fatalf("re-decoded value differs (-first +second):\n%s", diff)
		}
	})
}

// lnkinfoFields runs liblnk's lnkinfo and returns its "Link information"
// fields; ok is false when lnkinfo cannot read the file.
func lnkinfoFields(t *testing.T, path string) (map[string]string, bool) {
	t.Helper()
	out, err := oracle.Output("lnkinfo", path)
	if err != nil {
		return nil, false
	}
	fields := map[string]string{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "Link information:":
			in = true
			continue
		case in && line == "":
			in = false
		}
		if !in || !strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "\t\t") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "\t"), ":")
		if ok {
			fields[strings.TrimSpace(k)] = strings.TrimPrefix(v, " ")
		}
	}
	return fields, true
}

func lnkinfoTime(ft uint64) string {
	if ft == 0 {
		return "Not set (0)"
	}
	const epochDiff = 116444736000000000
	t := time.Unix(0, 0).Add(time.Duration(int64(ft)-epochDiff) * 100).UTC()
	return t.Format("Jan 02, 2006 15:04:05") + fmt.Sprintf(".%09d UTC", (ft%10000000)*100)
}

var driveNum = regexp.MustCompile(`\((\d+)\)$`)

// ourFields renders what lnkinfo prints, from our decoding.
func ourFields(l *Link, theirs map[string]string) map[string]string {
	h := l.Header
	f := map[string]string{
		"Creation time":          lnkinfoTime(h.Created),
		"Modification time":      lnkinfoTime(h.Modified),
		"Access time":            lnkinfoTime(h.Accessed),
		"File size":              fmt.Sprintf("%d bytes", h.FileSize),
		"Icon index":             fmt.Sprint(h.IconIndex),
		"File attribute flags":   fmt.Sprintf("0x%08x", h.FileAttributes),
		"Description":            l.Name,
		"Relative path":          l.RelativePath,
		"Working directory":      l.WorkingDir,
		"Command line arguments": l.Arguments,
		"Icon location":          l.IconLocation,
	}
	if l.Info != nil {
		f["Drive type"], f["Drive serial number"] = "0", "0x00000000" // lnkinfo's values without a VolumeID
		if v := l.Info.Volume; v != nil {
			f["Drive type"] = fmt.Sprint(v.DriveType)
			f["Drive serial number"] = fmt.Sprintf("0x%08x", v.SerialNumber)
			f["Volume label"] = v.Label
		}
		f["Local path"] = l.Info.LocalPath()
		f["Network path"] = l.Info.NetworkPath()
	}
	if e := l.EnvironmentTarget(); e != "" {
		f["Environment variables location"] = e
	}
	if e := l.IconEnvironment(); e != "" {
		f["Icon location"] = e // lnkinfo shows the block's path over the string's
	}
	// Windows-1252 has no character for 0x81, 0x8D, 0x8F, 0x90 and 0x9D:
	// we keep them as the C1 controls of Latin-1 (so they encode back),
	// lnkinfo shows U+FFFD
	ansi := []string{"Local path", "Network path", "Volume label"}
	if h.Flags&IsUnicode == 0 {
		ansi = append(ansi, "Description", "Relative path", "Working directory", "Command line arguments", "Icon location")
	}
	for _, k := range ansi {
		f[k] = strings.Map(func(r rune) rune {
			switch r {
			case 0x81, 0x8D, 0x8F, 0x90, 0x9D:
				return 0xFFFD
			}
			return r
		}, f[k])
	}
	// only what lnkinfo shows is compared; lnkinfo leaves out empty strings
	out := map[string]string{}
	for k := range theirs {
		out[k] = f[k]
	}
	for k, v := range f {
		if _, ok := theirs[k]; !ok && v != "" && !strings.HasSuffix(k, "time") {
			out[k] = v
		}
	}
	return out
}

func compareWithLnkinfo(t *testing.T, path string, b []byte) bool {
	t.Helper()
	theirs, ok := lnkinfoFields(t, path)
	l, err := Decode(b)
	if !ok {
		if err == nil {
			t.Errorf("%s: lnkinfo rejects it, we decode it", filepath.Base(path))
		}
		return false
	}
	if err != nil {
		t.Errorf("%s: lnkinfo reads it, we fail: %v", filepath.Base(path), err)
		return false
	}
	if m := driveNum.FindStringSubmatch(theirs["Drive type"]); m != nil {
		theirs["Drive type"] = m[1]
	}
	// lnkinfo 20181227 prints the file size as both of these
	delete(theirs, "Show Window value")
	delete(theirs, "Hot Key value")
	if diff := cmp.Diff(theirs, ourFields(l, theirs)); diff != "" {
		t.Errorf("%s: differs from lnkinfo (-lnkinfo +ours):\n%s", filepath.Base(path), diff)
	}
	return true
}

// TestLnkinfo writes the sample shortcuts and compares our decoding with
// liblnk's lnkinfo (an implementation we did not write).
func TestLnkinfo(t *testing.T) {
	oracle.Require(t, "lnkinfo")
	dir := t.TempDir()
	for name, l := range sampleLinks() {
		b, err := l.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".lnk")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if !compareWithLnkinfo(t, p, b) {
			t.Errorf("%s: lnkinfo cannot read our encoding", name)
		}
	}
}

// TestRealShortcuts compares real shortcuts made by Windows with lnkinfo:
// the .lnk files in $NTFSEDIT_LNK_SAMPLES (e.g. the test samples of
// LnkParse3, MIT); skipped without it. Files lnkinfo rejects must be
// rejected by us too.
func TestRealShortcuts(t *testing.T) {
	dir := os.Getenv("NTFSEDIT_LNK_SAMPLES")
	if dir == "" {
		t.Skip("NTFSEDIT_LNK_SAMPLES not set")
	}
	oracle.Require(t, "lnkinfo")
	files, _ := filepath.Glob(filepath.Join(dir, "*.lnk"))
	read := 0
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if compareWithLnkinfo(t, p, b) {
			read++
		}
	}
	t.Logf("%d of %d shortcuts compared with lnkinfo", read, len(files))
}
