package reparse

import "strings"

// Kinds reported in Target.Kind.
const (
	KindJunction    = "junction"    // IO_REPARSE_TAG_MOUNT_POINT
	KindSymlink     = "symlink"     // IO_REPARSE_TAG_SYMLINK
	KindLXSymlink   = "lx_symlink"  // IO_REPARSE_TAG_LX_SYMLINK
	KindAppExecLink = "appexeclink" // IO_REPARSE_TAG_APPEXECLINK
	KindWOF         = "wof"         // IO_REPARSE_TAG_WOF
	KindCloud       = "cloud"       // IO_REPARSE_TAG_CLOUD and CLOUD_1 … CLOUD_F
	KindDedup       = "dedup"       // IO_REPARSE_TAG_DEDUP
	KindInterix     = "interix"     // an Interix symlink in $DATA, not a reparse point
	KindOther       = "other"       // any other tag; the data is opaque
)

// Target summarises a reparse point or an Interix symlink for listings
// and JSON. Not an on-disk structure.
type Target struct {
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Target is where the link points, as stored: the substitute name of
	// a junction or symlink (`\??\C:\dir`, `..\x.txt`), the target of a
	// WSL or Interix symlink, or the executable of an app execution alias.
	// Empty for kinds that do not point anywhere.
	Target string `json:"target,omitempty"`
	// PrintName is the name Windows shows for junctions and symlinks.
	PrintName string `json:"print_name,omitempty"`
	// Relative is set for symlinks with SYMLINK_FLAG_RELATIVE and for WSL
	// and Interix targets that do not start with "/".
	Relative bool `json:"relative,omitempty"`
}

// IsLink reports whether t redirects to a path: a junction, a symlink, a
// WSL symlink or an Interix symlink.
func (t Target) IsLink() bool {
	switch t.Kind {
	case KindJunction, KindSymlink, KindLXSymlink, KindInterix:
		return true
	}
	return false
}

// Describe summarises p, decoding its data for the kinds that have a
// target. Cloud, dedup, WOF and other points only get a Kind. When the data
// is corrupt, Describe returns the Kind with the error.
func (p Point) Describe() (Target, error) {
	t := Target{Kind: p.Kind()}
	switch t.Kind {
	case KindJunction:
		m, err := DecodeMountPoint(p.Data)
		if err != nil {
			return t, err
		}
		t.Target, t.PrintName = m.SubstituteName().String(), m.PrintName().String()
	case KindSymlink:
		s, err := DecodeSymlink(p.Data)
		if err != nil {
			return t, err
		}
		t.Target, t.PrintName = s.SubstituteName().String(), s.PrintName().String()
		t.Relative = s.Relative()
	case KindLXSymlink:
		l, err := DecodeLXSymlink(p.Data)
		if err != nil {
			return t, err
		}
		t.Target = l.Target
		t.Relative = !strings.HasPrefix(l.Target, "/")
	case KindAppExecLink:
		a, err := DecodeAppExecLink(p.Data)
		if err != nil {
			return t, err
		}
		t.Target = a.TargetPath()
	case KindWOF:
		if _, err := DecodeWOF(p.Data); err != nil {
			return t, err
		}
	}
	return t, nil
}

// DescribeInterix summarises the $DATA of an Interix symlink, reporting
// false if data is not one.
func DescribeInterix(data []byte) (Target, bool) {
	s, ok := DecodeInterix(data)
	if !ok {
		return Target{}, false
	}
	return Target{Kind: KindInterix, Target: s, Relative: !strings.HasPrefix(s, "/")}, true
}

// NewJunction returns a mount point reparse buffer laid out as Windows
// writes it, for example NewJunction(`\??\C:\dir`, `C:\dir`). Use
// WindowsTarget to derive both names from a user's path. The names are
// not checked; Point.AppendBinary fails if they are too long.
func NewJunction(substitute, print string) Point {
	return Point{Tag: TagMountPoint, Data: NewMountPointData(NameOf(substitute), NameOf(print)).append(nil)}
}

// NewSymlink returns a symbolic link reparse buffer laid out as Windows
// writes it, with SYMLINK_FLAG_RELATIVE if relative. Use WindowsTarget to
// derive the arguments from a user's path. The names are not checked;
// Point.AppendBinary fails if they are too long.
func NewSymlink(substitute, print string, relative bool) Point {
	var f SymlinkFlags
	if relative {
		f = SymlinkRelative
	}
	return Point{Tag: TagSymlink, Data: NewSymlinkData(NameOf(substitute), NameOf(print), f).append(nil)}
}
