package shllink

import (
	"bytes"
	"fmt"
	"unicode/utf16"
)

// AppendBinary appends the encoded shortcut. Sections are written as the
// header's flags say (HasLinkTargetIDList, HasLinkInfo, HasName, …);
// LinkInfo is laid out as Windows does: header, VolumeID, local base
// path, network link, common path suffix, then the Unicode copies.
func (l *Link) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	h := &l.Header
	b = le.AppendUint32(b, headerSize)
	b = append(b, linkCLSID[:]...)
	b = le.AppendUint32(b, uint32(h.Flags))
	b = le.AppendUint32(b, h.FileAttributes)
	b = le.AppendUint64(b, h.Created)
	b = le.AppendUint64(b, h.Accessed)
	b = le.AppendUint64(b, h.Modified)
	b = le.AppendUint32(b, h.FileSize)
	b = le.AppendUint32(b, uint32(h.IconIndex))
	b = le.AppendUint32(b, h.ShowCommand)
	b = le.AppendUint16(b, h.HotKey)
	b = le.AppendUint16(b, h.Reserved1)
	b = le.AppendUint32(b, h.Reserved2)
	b = le.AppendUint32(b, h.Reserved3)
	fail := func(format string, args ...any) ([]byte, error) {
		return b[:start], fmt.Errorf("shllink: "+format, args...)
	}
	if h.Flags&HasLinkTargetIDList != 0 {
		if len(l.IDList)+2 > 0xFFFF {
			return fail("IDList of %d bytes", len(l.IDList))
		}
		if _, err := idListEnd(append(append([]byte{}, l.IDList...), 0, 0), 0); err != nil {
			return fail("IDList: %v", err)
		}
		b = le.AppendUint16(b, uint16(len(l.IDList)+2))
		b = append(b, l.IDList...)
		b = append(b, 0, 0)
	}
	if h.Flags&HasLinkInfo != 0 {
		if l.Info == nil {
			return fail("HasLinkInfo set without LinkInfo")
		}
		var err error
		if b, err = l.Info.appendBinary(b); err != nil {
			return b[:start], err
		}
	}
	unicode := h.Flags&IsUnicode != 0
	for _, s := range []struct {
		flag Flags
		v    string
	}{
		{HasName, l.Name}, {HasRelativePath, l.RelativePath}, {HasWorkingDir, l.WorkingDir},
		{HasArguments, l.Arguments}, {HasIconLocation, l.IconLocation},
	} {
		if h.Flags&s.flag == 0 {
			continue
		}
		if unicode {
			u := utf16.Encode([]rune(s.v))
			if len(u) > 0xFFFF {
				return fail("string of %d units", len(u))
			}
			b = le.AppendUint16(b, uint16(len(u)))
			for _, c := range u {
				b = le.AppendUint16(b, c)
			}
			continue
		}
		a, ok := ansiBytes(s.v)
		if !ok || len(a) > 0xFFFF {
			return fail("string %q is not ANSI (set IsUnicode)", s.v)
		}
		b = le.AppendUint16(b, uint16(len(a)))
		b = append(b, a...)
	}
	for _, e := range l.Extra {
		if len(e.Data)+8 > 0x7FFFFFFF {
			return fail("extra block of %d bytes", len(e.Data))
		}
		b = le.AppendUint32(b, uint32(len(e.Data)+8))
		b = le.AppendUint32(b, e.Signature)
		b = append(b, e.Data...)
	}
	b = le.AppendUint32(b, 0) // TerminalBlock
	return append(b, l.Tail...), nil
}

func (li *LinkInfo) appendBinary(b []byte) ([]byte, error) {
	start := len(b)
	hs := 0x1C
	if li.HasUnicode {
		hs = 0x24
	}
	var flags uint32
	if li.Volume != nil {
		flags |= 1
	}
	if li.Network != nil {
		flags |= 2
	}
	b = append(b, make([]byte, hs)...)
	put := func(at int, v int) { le.PutUint32(b[start+at:], uint32(v)) }
	put(4, hs)
	put(8, int(flags))
	ansi := func(s string) error {
		a, ok := ansiBytes(s)
		if !ok || bytes.IndexByte(a, 0) >= 0 {
			return fmt.Errorf("shllink: LinkInfo string %q is not ANSI without NUL", s)
		}
		b = append(append(b, a...), 0)
		return nil
	}
	if li.Volume != nil {
		put(0x0C, len(b)-start)
		v := li.Volume
		vs := len(b)
		if v.LabelUnicode {
			b = append(b, make([]byte, 0x14)...)
			le.PutUint32(b[vs+0x0C:], 0x14)
			le.PutUint32(b[vs+0x10:], 0x14)
			b = appendUTF16Z(b, v.Label)
		} else {
			b = append(b, make([]byte, 0x10)...)
			le.PutUint32(b[vs+0x0C:], 0x10)
			a, ok := ansiBytes(v.Label)
			if !ok {
				return b[:start], fmt.Errorf("shllink: volume label %q is not ANSI (set LabelUnicode)", v.Label)
			}
			b = append(append(b, a...), 0)
		}
		le.PutUint32(b[vs:], uint32(len(b)-vs))
		le.PutUint32(b[vs+4:], v.DriveType)
		le.PutUint32(b[vs+8:], v.SerialNumber)
		put(0x10, len(b)-start)
		if err := ansi(li.LocalBasePath); err != nil {
			return b[:start], err
		}
	}
	if n := li.Network; n != nil {
		put(0x14, len(b)-start)
		ns := len(b)
		_, okN := ansiBytes(n.NetName)
		_, okD := ansiBytes(n.DeviceName)
		uni := !okN || !okD
		hdr := 0x14
		if uni {
			hdr = 0x1C
		}
		b = append(b, make([]byte, hdr)...)
		le.PutUint32(b[ns+4:], n.Flags)
		le.PutUint32(b[ns+0x10:], n.ProviderType)
		le.PutUint32(b[ns+8:], uint32(len(b)-ns))
		b = append(append(b, ansiLossy(n.NetName)...), 0)
		if n.Flags&1 != 0 {
			le.PutUint32(b[ns+0x0C:], uint32(len(b)-ns))
			b = append(append(b, ansiLossy(n.DeviceName)...), 0)
		}
		if uni {
			le.PutUint32(b[ns+0x14:], uint32(len(b)-ns))
			b = appendUTF16Z(b, n.NetName)
			if n.Flags&1 != 0 {
				le.PutUint32(b[ns+0x18:], uint32(len(b)-ns))
				b = appendUTF16Z(b, n.DeviceName)
			}
		}
		le.PutUint32(b[ns:], uint32(len(b)-ns))
	}
	put(0x18, len(b)-start)
	if err := ansi(li.CommonPathSuffix); err != nil {
		return b[:start], err
	}
	if li.HasUnicode {
		if li.Volume != nil {
			put(0x1C, len(b)-start)
			b = appendUTF16Z(b, li.LocalBasePathUnicode)
		}
		put(0x20, len(b)-start)
		b = appendUTF16Z(b, li.CommonPathSuffixUnicode)
	}
	put(0, len(b)-start)
	return b, nil
}

func appendUTF16Z(b []byte, s string) []byte {
	for _, c := range utf16.Encode([]rune(s)) {
		b = le.AppendUint16(b, c)
	}
	return append(b, 0, 0)
}

// ansiBytes encodes s as Windows-1252; ok is false for what it cannot hold.
func ansiBytes(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		c, ok := ansiByte(r)
		if !ok {
			return nil, false
		}
		out = append(out, c)
	}
	return out, true
}

func ansiByte(r rune) (byte, bool) {
	if r < 0x80 || (r >= 0xA0 && r <= 0xFF) {
		return byte(r), true
	}
	for i, c := range cp1252 {
		if c == r || (c == 0 && r == rune(0x80+i)) {
			return byte(0x80 + i), true
		}
	}
	return 0, false
}

// ansiLossy is ansiBytes with '?' for what Windows-1252 cannot hold (the ANSI
// copy next to a Unicode one).
func ansiLossy(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		c, ok := ansiByte(r)
		if !ok || c == 0 {
			c = '?'
		}
		out = append(out, c)
	}
	return out
}
