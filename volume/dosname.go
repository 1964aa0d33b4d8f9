package volume

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// dosValid reports whether c may appear in an 8.3 name as Windows
// generates them (upper-case ASCII letters, digits and the allowed
// punctuation).
func dosValid(c rune) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	case c > 0x7F || c < 0x20:
		return false
	}
	return strings.ContainsRune("!#$%&'()-@^_`{}~", c)
}

// isDOSName reports whether name is already a valid 8.3 name, all in
// upper or all in lower case: Windows then stores one name in the
// Win32&DOS namespace (Windows 7 stores file1.txt and desktop.ini so).
func isDOSName(name string) bool {
	up := strings.ToUpper(name)
	if name != up && name != strings.ToLower(name) {
		return false // mixed case: kept as the Win32 name, with a DOS twin
	}
	base, ext, dot := strings.Cut(up, ".")
	if base == "" || len(base) > 8 || len(ext) > 3 || (dot && ext == "") || strings.Contains(ext, ".") {
		return false
	}
	for _, c := range base + ext {
		if !dosValid(c) {
			return false
		}
	}
	return true
}

// dosParts turns a long name into the upper-case base and extension an
// 8.3 name is made from: spaces and extra dots dropped, characters not
// allowed in 8.3 names replaced by '_'.
func dosParts(name string) (base, ext string) {
	name = strings.TrimLeft(name, ".")
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ext = name[i+1:]
		name = name[:i]
	}
	clean := func(s string, n int) string {
		var b strings.Builder
		for _, c := range strings.ToUpper(s) {
			if c == ' ' || c == '.' {
				continue
			}
			if !dosValid(c) {
				c = '_'
			}
			if b.Len() >= n {
				break
			}
			b.WriteRune(c)
		}
		return b.String()
	}
	return clean(name, 8), clean(ext, 3)
}

// dosName generates the DOS twin of a long name in dir as Windows does:
// the first six characters and ~1 … ~4, then two characters, four hex
// digits of a hash of the long name and ~1 … ~9.
func (tx *Tx) dosName(dir *File, long string) (string, error) {
	base, ext := dosParts(long)
	if base == "" {
		base = "_"
	}
	suffix := ""
	if ext != "" {
		suffix = "." + ext
	}
	free := func(short string) (bool, error) {
		_, err := tx.lookupIn(dir, short)
		switch {
		case err == nil:
			return false, nil
		case errors.Is(err, fs.ErrNotExist):
			return true, nil
		}
		return false, err
	}
	for i := 1; i <= 4; i++ {
		s := fmt.Sprintf("%s~%d%s", base[:min(6, len(base))], i, suffix)
		if ok, err := free(s); err != nil || ok {
			return s, err
		}
	}
	h := uint16(0)
	for _, c := range long {
		h = h*37 + uint16(c)
	}
	for i := 1; i <= 9; i++ {
		s := fmt.Sprintf("%s%04X~%d%s", base[:min(2, len(base))], h+uint16(i-1)*0x101, i, suffix)
		if ok, err := free(s); err != nil || ok {
			return s, err
		}
	}
	return "", fmt.Errorf("%w: no free 8.3 name for %q", ErrExist, long)
}
