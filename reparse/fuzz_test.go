package reparse

import (
	"bytes"
	"encoding"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every decoder is fuzzed for three properties: it never panics, what it
// accepts re-encodes to exactly the input, and decoding the re-encoding
// gives an equal value.

// seedBuffers returns every whole-buffer vector.
func seedBuffers() [][]byte {
	var out [][]byte
	for _, v := range pointVectors {
		out = append(out, mustHex(v.hex))
	}
	for _, v := range mountPointVectors {
		out = append(out, mustHex(v.hex))
	}
	for _, v := range symlinkVectors {
		out = append(out, mustHex(v.hex))
	}
	return out
}

// seedData returns the reparse data of every vector with the given tag,
// plus extra data-only vectors.
func seedData(tag Tag, extra ...string) [][]byte {
	var out [][]byte
	for _, b := range seedBuffers() {
		if p, err := Decode(b); err == nil && p.Tag == tag {
			out = append(out, p.Data)
		}
	}
	for _, h := range extra {
		out = append(out, mustHex(h))
	}
	return out
}

// roundTrip checks the re-encoding properties of a decoded value.
func roundTrip[T encoding.BinaryAppender](t *testing.T, in []byte, v T, decode func([]byte) (T, error)) {
	t.Helper()
	out, err := v.AppendBinary(nil)
	if err != nil {
		t.Fatalf("accepted input does not re-encode: %v\ninput %x\nvalue %+v", err, in, v)
	}
	if !bytes.Equal(in, out) {
		t.Fatalf("re-encoding differs\ninput %x\noutput %x", in, out)
	}
	again, err := decode(out)
	if err != nil {
		t.Fatalf("re-encoding does not decode: %v", err)
	}
	if !cmp.Equal(v, again) {
		t.Fatalf("decode(encode(v)) != v (-first +second):\n%s", cmp.Diff(v, again))
	}
}

func FuzzDecode(f *testing.F) {
	for _, b := range seedBuffers() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := Decode(in)
		if err != nil {
			return
		}
		roundTrip(t, in, p, Decode)
		// Describe and the typed accessors must not panic either, and they
		// agree on success.
		desc, derr := p.Describe()
		if desc.Kind != p.Kind() {
			t.Fatalf("Describe kind %q, Point kind %q", desc.Kind, p.Kind())
		}
		var terr error
		switch p.Tag {
		case TagMountPoint:
			_, terr = p.MountPoint()
		case TagSymlink:
			_, terr = p.Symlink()
		case TagLXSymlink:
			_, terr = p.LXSymlink()
		case TagAppExecLink:
			_, terr = p.AppExecLink()
		case TagWOF:
			_, terr = p.WOF()
		}
		if (derr == nil) != (terr == nil) {
			t.Fatalf("Describe error %v, typed decoder error %v", derr, terr)
		}
	})
}

func FuzzDecodeMountPoint(f *testing.F) {
	for _, b := range seedData(TagMountPoint) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := DecodeMountPoint(in)
		if err != nil {
			return
		}
		roundTrip(t, in, m, DecodeMountPoint)
		if int(m.SubstituteNameLength) != 2*len(m.SubstituteName()) || int(m.PrintNameLength) != 2*len(m.PrintName()) {
			t.Fatalf("name lengths disagree with the names: %+v", m)
		}
	})
}

func FuzzDecodeSymlink(f *testing.F) {
	for _, b := range seedData(TagSymlink) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := DecodeSymlink(in)
		if err != nil {
			return
		}
		roundTrip(t, in, s, DecodeSymlink)
		if int(s.SubstituteNameLength) != 2*len(s.SubstituteName()) || int(s.PrintNameLength) != 2*len(s.PrintName()) {
			t.Fatalf("name lengths disagree with the names: %+v", s)
		}
	})
}

func FuzzDecodeLXSymlink(f *testing.F) {
	for _, b := range seedData(TagLXSymlink, "02000000", "0200000041") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := DecodeLXSymlink(in)
		if err != nil {
			return
		}
		roundTrip(t, in, l, DecodeLXSymlink)
	})
}

func FuzzDecodeAppExecLink(f *testing.F) {
	for _, b := range seedData(TagAppExecLink, "03000000", "03000000000000004100") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := DecodeAppExecLink(in)
		if err != nil {
			return
		}
		roundTrip(t, in, a, DecodeAppExecLink)
		_ = a.PackageID() + a.AppUserModelID() + a.TargetPath()
	})
}

func FuzzDecodeWOF(f *testing.F) {
	for _, b := range seedData(TagWOF, "0100000009000000", "010000000200000001000000030000000000") {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		w, err := DecodeWOF(in)
		if err != nil {
			return
		}
		roundTrip(t, in, w, DecodeWOF)
	})
}

func FuzzDecodeInterix(f *testing.F) {
	for _, v := range interixVectors {
		f.Add(mustHex(v.data))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		n, ok := DecodeInterixName(in)
		s, sok := DecodeInterix(in)
		if ok != sok || (ok && s != n.String()) {
			t.Fatalf("DecodeInterix = %q, %v; DecodeInterixName = %v, %v", s, sok, n, ok)
		}
		if !ok {
			return
		}
		// The only bytes a decode may drop are trailing NULs.
		out := AppendInterixName(nil, n)
		if !bytes.HasPrefix(in, out) || strings.Trim(string(in[len(out):]), "\x00") != "" {
			t.Fatalf("re-encoding differs\ninput %x\noutput %x", in, out)
		}
		again, ok := DecodeInterixName(out)
		if !ok || !cmp.Equal(n, again) {
			t.Fatalf("decode(encode(%v)) = %v, %v", n, again, ok)
		}
		if d, ok := DecodeInterixDevice(in); ok {
			t.Fatalf("symlink data also decodes as device %+v", d)
		}
	})
}

func FuzzDecodeInterixDevice(f *testing.F) {
	for _, v := range interixVectors {
		f.Add(mustHex(v.data))
	}
	f.Add(mustHex("496e7478424c4b00" + "0800000000000000" + "0100000000000000"))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, ok := DecodeInterixDevice(in)
		if !ok {
			return
		}
		roundTrip(t, in, d, func(b []byte) (InterixDevice, error) {
			d, ok := DecodeInterixDevice(b)
			if !ok {
				return d, ErrCorrupt
			}
			return d, nil
		})
	})
}

// FuzzWindowsTarget checks that WindowsTarget never panics and that what
// it accepts builds links whose names read back unchanged.
func FuzzWindowsTarget(f *testing.F) {
	for _, s := range []string{`C:\dir`, `\\server\share\x`, `\??\C:\x`, `\\?\UNC\a\b`, `..\x`, `x`, `\x`, `C:x`, ``, `\\`, "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		subst, print, rel, err := WindowsTarget(in)
		if err != nil {
			return
		}
		if subst == "" || strings.ContainsRune(subst, 0) || strings.Contains(subst, "/") {
			t.Fatalf("WindowsTarget(%q) gave substitute name %q", in, subst)
		}
		if !rel && !strings.HasPrefix(subst, ntPrefix) {
			t.Fatalf("WindowsTarget(%q): absolute substitute name %q lacks %s", in, subst, ntPrefix)
		}
		p := NewSymlink(subst, print, rel)
		b, err := p.AppendBinary(nil)
		if err != nil {
			return // too long
		}
		q, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode of a built symlink: %v", err)
		}
		desc, err := q.Describe()
		if err != nil {
			t.Fatalf("Describe of a built symlink: %v", err)
		}
		want := Target{Kind: KindSymlink, Target: NameOf(subst).String(), PrintName: NameOf(print).String(), Relative: rel}
		if d := cmp.Diff(want, desc); d != "" {
			t.Fatalf("built symlink reads back wrong (-want +got):\n%s", d)
		}
	})
}
