package reparse

import (
	"fmt"
	"strings"
)

// ntPrefix is the NT object-manager prefix of DOS device names, the form
// substitute names take.
const ntPrefix = `\??\`

// WindowsTarget turns a link target as a user types it into the names
// Windows stores (as CreateSymbolicLink and mklink /J do):
//
//	C:\dir                      subst \??\C:\dir             print C:\dir
//	\\server\share\x            subst \??\UNC\server\share\x print \\server\share\x
//	\??\C:\dir                  subst \??\C:\dir             print C:\dir
//	\??\UNC\server\share\x      subst \??\UNC\server\share\x print \\server\share\x
//	\??\Volume{GUID}\dir        subst \??\Volume{GUID}\dir   print \\?\Volume{GUID}\dir
//	\\?\… and \\.\…             as \??\…
//	..\x.txt, x, \dir\x         subst = print = the path, relative
//
// Forward slashes are turned into backslashes first. Relative targets,
// root-relative ones (`\dir\x`, resolved on the link's own volume)
// included, are returned unchanged with relative set: they suit symbolic
// links only, as junction targets must be absolute. Paths are not
// otherwise normalised ("." and ".." stay). Empty paths, paths holding
// NUL, drive-relative paths such as `C:x` and UNC paths without a share
// are rejected with an error wrapping ErrInvalidTarget.
func WindowsTarget(userPath string) (subst, print string, relative bool, err error) {
	bad := func(why string) (string, string, bool, error) {
		return "", "", false, fmt.Errorf("%w %q: %s", ErrInvalidTarget, userPath, why)
	}
	if userPath == "" {
		return bad("empty path")
	}
	if strings.ContainsRune(userPath, 0) {
		return bad("path holds a NUL")
	}
	p := strings.ReplaceAll(userPath, "/", `\`)
	switch {
	case hasPrefixFold(p, ntPrefix), hasPrefixFold(p, `\\?\`), hasPrefixFold(p, `\\.\`):
		rest := p[len(ntPrefix):]
		if rest == "" || rest[0] == '\\' {
			return bad("nothing after the device prefix")
		}
		switch {
		case isDriveAbs(rest):
			return ntPrefix + rest, rest, false, nil
		case hasPrefixFold(rest, `UNC\`):
			if !validUNC(rest[len(`UNC\`):]) {
				return bad(`UNC path needs \\server\share`)
			}
			return ntPrefix + rest, `\\` + rest[len(`UNC\`):], false, nil
		}
		return ntPrefix + rest, `\\?\` + rest, false, nil
	case strings.HasPrefix(p, `\\`):
		if !validUNC(p[2:]) {
			return bad(`UNC path needs \\server\share`)
		}
		return ntPrefix + `UNC\` + p[2:], p, false, nil
	case isDriveAbs(p):
		return ntPrefix + p, p, false, nil
	case len(p) >= 2 && p[1] == ':' && isLetter(p[0]):
		return bad("drive-relative path; write " + p[:2] + `\…`)
	}
	return p, p, true, nil
}

// isDriveAbs reports whether p is `X:\…`.
func isDriveAbs(p string) bool {
	return len(p) >= 3 && isLetter(p[0]) && p[1] == ':' && p[2] == '\\'
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// validUNC reports whether p (after the leading `\\` or `UNC\`) names a
// server and a share.
func validUNC(p string) bool {
	server, share, ok := strings.Cut(p, `\`)
	if !ok || server == "" {
		return false
	}
	share, _, _ = strings.Cut(share, `\`)
	return share != ""
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
