package volume

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// An AuditCode names one kind of link problem found by Audit. Codes are
// stable: scripts match on them and repair picks links to remove by them.
type AuditCode string

// Audit codes, with the level they are reported at.
const (
	// Broken links (errors): Windows fails to open them.
	AuditDangling     AuditCode = "dangling"       // the target does not exist on this volume
	AuditLoop         AuditCode = "loop"           // resolving the target comes back to a link already followed
	AuditTooDeep      AuditCode = "too-deep"       // more than MaxLinkDepth links followed
	AuditAboveRoot    AuditCode = "above-root"     // a relative symlink climbs above the volume root
	AuditInvalid      AuditCode = "invalid-target" // a target Windows refuses (relative junction, empty name)
	AuditCorrupt      AuditCode = "reparse-corrupt"
	AuditUnreadable   AuditCode = "unreadable"    // a record or directory of the tree could not be read
	AuditCycle        AuditCode = "cycle"         // the target is the link's own ancestor: a recursive walk never ends
	AuditTypeMismatch AuditCode = "type-mismatch" // file symlink to a directory, directory link to a file

	// Fragile or out-of-scope links (warnings).
	AuditOutsideScope    AuditCode = "outside-scope"    // a link below PATH whose target lies outside PATH
	AuditDriveLetter     AuditCode = "drive-letter"     // the target names a drive letter
	AuditOtherVolume     AuditCode = "other-volume"     // the target is on another drive letter or volume
	AuditUNC             AuditCode = "unc"              // the target is on a network share
	AuditUnresolved      AuditCode = "unresolved"       // a target on a volume GUID not known to be this one, or reached through such a link
	AuditHardLinkOutside AuditCode = "hardlink-outside" // a file below PATH has names outside PATH
	AuditWSL             AuditCode = "wsl-link"         // a WSL (LX) symlink: Windows does not follow it
	AuditInterix         AuditCode = "interix-link"     // an Interix symlink (ntfs-3g's ln -s): Windows does not follow it

	// Information.
	AuditAppExecLink AuditCode = "appexeclink"     // an app execution alias
	AuditOtherLink   AuditCode = "other-surrogate" // another name-surrogate reparse point (WCI link, global reparse…): its filter resolves it
)

// Audit finding levels.
const (
	LevelError   = "error"
	LevelWarning = "warning"
	LevelInfo    = "info"
)

// MaxLinkDepth is how many reparse points Windows follows while opening
// one path before it gives up (the I/O manager's limit of 63 reparses).
const MaxLinkDepth = 63

// AuditOptions tell Audit what the volume is called on Windows.
type AuditOptions struct {
	// Drive is the drive letter the volume has ("C:", "c" or "C:\"):
	// targets on it are resolved on this volume, targets on other letters
	// are on other volumes. Empty: drive-letter targets are not resolved.
	Drive string
	// VolumeGUID is the volume's GUID as in \??\Volume{GUID}\ (braces
	// optional). Empty: the unique partition GUID when the volume is a GPT
	// partition (Windows' mount manager uses it as the volume GUID), else
	// unknown. The GUID is not stored in the volume itself: the mount
	// manager keeps it in the registry (HKLM\SYSTEM\MountedDevices).
	VolumeGUID string
}

// AuditFinding is one link problem. Not an on-disk structure.
type AuditFinding struct {
	Code   AuditCode        `json:"code"`
	Level  string           `json:"level"`
	Path   string           `json:"path"`   // the link (or hard-linked file)
	Record mft.RecordNumber `json:"record"` // its MFT record
	Kind   string           `json:"kind"`   // junction, symlink, lx_symlink, interix, appexeclink, file
	// Target is the target as stored (a substitute name such as
	// \??\C:\dir, or ..\x); Resolved the volume path it leads to (for a
	// dangling link, the path that does not exist), when on this volume.
	Target   string `json:"target,omitempty"`
	Resolved string `json:"resolved,omitempty"`
	// Suggest is a better target, for drive-letter findings on this
	// volume when its GUID is known: the volume-GUID form.
	Suggest string `json:"suggest,omitempty"`
	Message string `json:"message"`
}

// String formats a finding as one line.
func (f AuditFinding) String() string {
	return fmt.Sprintf("%s: %s: %s: %s", f.Level, f.Code, f.Path, f.Message)
}

// Broken reports whether the finding is a link Windows cannot open:
// dangling, looping, too deep, above the root or with an invalid target.
func (f AuditFinding) Broken() bool {
	switch f.Code {
	case AuditDangling, AuditLoop, AuditTooDeep, AuditAboveRoot, AuditInvalid:
		return f.Kind == reparse.KindJunction || f.Kind == reparse.KindSymlink
	}
	return false
}

// BrokenLinks returns the junctions and symbolic links below root that
// Windows cannot open (the findings of Audit for which Broken is true), one
// finding per link: what repair --remove-broken-links removes. Unlike
// Audit, which reports a loop once, it lists every link of a loop.
func BrokenLinks(v *Volume, root string, opts AuditOptions) ([]AuditFinding, error) {
	all, err := audit(v, root, opts, true)
	if err != nil {
		return nil, err
	}
	var out []AuditFinding
	for _, f := range all {
		if f.Broken() && (len(out) == 0 || out[len(out)-1].Record != f.Record) {
			out = append(out, f)
		}
	}
	return out, nil
}

// auditLink is a link found by the walk. Not an on-disk structure.
type auditLink struct {
	path     string
	rec      mft.RecordNumber
	dir      bool
	kind     string      // reparse.Kind…; "" for a file that is not a link
	target   string      // substitute name as stored
	relative bool        // symlink flag
	tag      reparse.Tag // other name surrogates
	err      error       // undecodable reparse data
}

// follows reports whether Windows follows the link while opening a path.
func (l *auditLink) follows() bool {
	return l.err == nil && (l.kind == reparse.KindJunction || l.kind == reparse.KindSymlink)
}

// auditor holds the state of one Audit.
type auditor struct {
	v     *Volume
	scope string
	drive byte   // upper-case letter, 0: unknown
	guid  string // upper-case, no braces; "": unknown
	links map[mft.RecordNumber]*auditLink
	loops map[string]bool // cycles already reported, by member records
	every bool            // report every link of a loop
	out   []AuditFinding
}

// Audit reports the link problems below root ("/" for the whole volume):
// broken junctions and symbolic links, cycles, targets outside root, on
// drive letters, other volumes or shares, type mismatches, hard links with
// names outside root, and links Windows cannot follow (WSL, Interix). It
// fails only when root cannot be read; unreadable parts of the tree are
// findings. Findings are sorted by path, a path's in a fixed order.
func Audit(v *Volume, root string, opts AuditOptions) ([]AuditFinding, error) {
	return audit(v, root, opts, false)
}

func audit(v *Volume, root string, opts AuditOptions, everyLoopLink bool) ([]AuditFinding, error) {
	a := &auditor{v: v, scope: cleanPath(root), links: map[mft.RecordNumber]*auditLink{}, loops: map[string]bool{}, every: everyLoopLink}
	var err error
	if a.drive, err = driveLetter(opts.Drive); err != nil {
		return nil, err
	}
	a.guid = normGUID(opts.VolumeGUID)
	if a.guid == "" && v.info.Partition != nil && v.info.Partition.Scheme == "gpt" {
		a.guid = normGUID(v.info.Partition.GUID)
	}
	if a.scope, err = storedPath(v, a.scope, "audit"); err != nil {
		return nil, err
	}
	// The walk loads records in parallel (WalkTree): load only reads the
	// file, emit (sequential, in walk order) keeps what load found.
	type entry struct {
		path    string
		rec     mft.RecordNumber
		err     error
		link    *auditLink
		links   int      // hard links, for files with several
		outside []string // names outside the scope
	}
	var order []*auditLink
	hardSeen := map[mft.RecordNumber]bool{}
	load := func(p string, e DirEntry, f *File, err error) entry {
		if err != nil {
			return entry{path: p, rec: e.Ref.Record(), err: err}
		}
		x := entry{path: p, rec: f.num, link: makeLink(p, f)}
		if x.link == nil && !f.IsDir() && a.scope != "/" && f.LinkCount() > 1 {
			x.links = f.LinkCount()
			x.outside, x.err = a.outsideNames(f)
		}
		return x
	}
	emit := func(x entry) error {
		switch {
		case x.err != nil:
			a.add(AuditFinding{Code: AuditUnreadable, Level: LevelError, Path: x.path, Record: x.rec, Message: x.err.Error()})
		case x.link != nil:
			if _, ok := a.links[x.rec]; !ok {
				a.links[x.rec] = x.link
				order = append(order, x.link)
			}
		case len(x.outside) > 0 && !hardSeen[x.rec]:
			hardSeen[x.rec] = true
			a.add(AuditFinding{Code: AuditHardLinkOutside, Level: LevelWarning, Path: x.path, Record: x.rec, Kind: "file",
				Message: fmt.Sprintf("hard-linked file (%d names) also named outside %s: %s", x.links, a.scope, strings.Join(x.outside, ", "))})
		}
		return nil
	}
	if err := WalkTree(v, a.scope, false, load, emit); err != nil {
		return nil, err
	}
	for _, l := range order {
		a.check(l)
	}
	// Hard-link findings were added during the walk, link findings after
	// it: sorting by path (stable, so each path keeps its codes in check
	// order) gives one deterministic order.
	out := a.out
	slices.SortStableFunc(out, func(x, y AuditFinding) int { return strings.Compare(x.Path, y.Path) })
	return out, nil
}

// storedPath resolves the directory path p name by name and returns it
// spelt as the names are stored (lookups ignore case), so that paths the
// walk builds compare with paths resolution builds.
func storedPath(v *Volume, p, op string) (string, error) {
	f, err := v.Root()
	if err != nil {
		return "", err
	}
	out := "/"
	for _, name := range splitPath(p) {
		e, err := v.lookupIn(f, name)
		if err == nil {
			f, err = v.entryFile(e)
		}
		if err != nil {
			return "", &fs.PathError{Op: op, Path: p, Err: err}
		}
		out = JoinPath(out, e.Name)
	}
	if !f.IsDir() {
		return "", &fs.PathError{Op: op, Path: p, Err: ErrNotDir}
	}
	return out, nil
}

func normGUID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimSuffix(s, "}"), "{")
	return strings.ToUpper(s)
}

func (a *auditor) add(f AuditFinding) { a.out = append(a.out, f) }

// linkOf returns the link f is (nil when it is none), caching it by record.
func (a *auditor) linkOf(p string, f *File) *auditLink {
	if l, ok := a.links[f.num]; ok {
		return l
	}
	l := makeLink(p, f)
	a.links[f.num] = l
	return l
}

// makeLink returns the link f (named p) is, or nil.
func makeLink(p string, f *File) *auditLink {
	var l *auditLink
	if f.hasReparse() {
		l = &auditLink{path: p, rec: f.num, dir: f.IsDir()}
		rp, err := f.Reparse()
		if err != nil {
			l.kind, l.err = "reparse", err
		} else {
			t, err := rp.Describe()
			l.kind, l.target, l.relative, l.err = t.Kind, t.Target, t.Relative, err
		}
		switch {
		case l.kind == reparse.KindJunction, l.kind == reparse.KindSymlink, l.kind == reparse.KindLXSymlink,
			l.kind == reparse.KindAppExecLink, l.kind == "reparse":
		case err == nil && rp.Tag.IsNameSurrogate():
			l.tag = rp.Tag
		default:
			if l.err == nil {
				l = nil // WOF, cloud, dedup…: not links
			}
		}
	} else if t, ok := f.Interix(); ok {
		l = &auditLink{path: p, rec: f.num, kind: reparse.KindInterix, target: t}
	}
	return l
}

// outsideNames returns the paths of f's names (DOS names aside) that lie
// outside the scope, sorted.
func (a *auditor) outsideNames(f *File) ([]string, error) {
	names, err := f.Names()
	if err != nil {
		return nil, err
	}
	var outside []string
	for _, fn := range names {
		if fn.Namespace == mft.NamespaceDOS {
			continue
		}
		np, _ := a.v.PathOf(fn)
		if !a.under(np, a.scope) {
			outside = append(outside, np)
		}
	}
	slices.Sort(outside)
	return outside, nil
}

// under reports whether volume path p is dir or below it, comparing names
// as Windows does (ignoring case through $UpCase).
func (a *auditor) under(p, dir string) bool {
	pc, dc := splitPath(p), splitPath(dir)
	if len(pc) < len(dc) {
		return false
	}
	for i := range dc {
		if !a.v.upcase.EqualFold(mft.NameUnits(pc[i]), mft.NameUnits(dc[i])) {
			return false
		}
	}
	return true
}

// finding starts a finding about link l.
func (l *auditLink) finding(code AuditCode, level, format string, args ...any) AuditFinding {
	return AuditFinding{Code: code, Level: level, Path: l.path, Record: l.rec, Kind: l.kind, Target: l.target, Message: fmt.Sprintf(format, args...)}
}

// check reports the findings of one link.
func (a *auditor) check(l *auditLink) {
	switch {
	case l.err != nil:
		a.add(l.finding(AuditCorrupt, LevelError, "reparse point cannot be decoded: %v", l.err))
		return
	case l.kind == reparse.KindLXSymlink:
		a.add(l.finding(AuditWSL, LevelWarning, "WSL symbolic link to %q: only WSL follows it, Windows programs see a file", l.target))
		return
	case l.kind == reparse.KindInterix:
		a.add(l.finding(AuditInterix, LevelWarning, "Interix symbolic link to %q (ntfs-3g's ln -s): Windows sees a system file", l.target))
		return
	case l.kind == reparse.KindAppExecLink:
		a.add(l.finding(AuditAppExecLink, LevelInfo, "app execution alias for %q", l.target))
		return
	case !l.follows():
		a.add(l.finding(AuditOtherLink, LevelInfo, "reparse point %v names another file through its own filter, which this audit does not follow", l.tag))
		return
	}
	if l.kind == reparse.KindJunction && !l.dir {
		a.add(l.finding(AuditTypeMismatch, LevelError, "junction on a file: Windows sets junctions on directories only"))
	}
	first, stop := a.target(l, l.path, true)
	if stop {
		return
	}
	if a.scope != "/" && !a.under(first, a.scope) {
		a.add(l.finding(AuditOutsideScope, LevelWarning, "target %s lies outside %s", first, a.scope))
	}
	res := a.resolve(l, first)
	switch {
	case res.code != "":
		level := LevelError
		if res.code == AuditUnresolved {
			level = LevelWarning
		}
		f := l.finding(res.code, level, "%s", res.why)
		f.Resolved = res.path
		if res.code == AuditLoop {
			key := fmt.Sprint(res.loop)
			if a.loops[key] && !a.every {
				return
			}
			a.loops[key] = true
		}
		a.add(f)
		return
	}
	if a.under(l.path, res.path) {
		f := l.finding(AuditCycle, LevelError, "target %s is the link's own ancestor: a walk following links recurses forever", res.path)
		f.Resolved = res.path
		a.add(f)
	}
	if l.kind == reparse.KindJunction && l.dir && !res.file.IsDir() {
		f := l.finding(AuditTypeMismatch, LevelError, "junction to a file (%s): junction targets must be directories", res.path)
		f.Resolved = res.path
		a.add(f)
	}
	if l.kind == reparse.KindSymlink && l.dir != res.file.IsDir() {
		what := map[bool]string{true: "directory", false: "file"}
		f := l.finding(AuditTypeMismatch, LevelError, "%s symbolic link to a %s (%s): Windows opens it as a %s and fails", what[l.dir], what[res.file.IsDir()], res.path, what[l.dir])
		f.Resolved = res.path
		a.add(f)
	}
}

// Target classes.
const (
	tgtLocal  = iota // a path on this volume
	tgtDrive         // X:\…
	tgtVolume        // \??\Volume{GUID}\…
	tgtUNC           // \??\UNC\server\share\… or \\server\share\…
	tgtDevice        // any other \??\ name
	tgtRoot          // \dir\x: the link's own volume
	tgtRel           // relative to the link's directory
)

// classifyTarget splits a stored target into its class, the drive letter
// or volume GUID it names, and the rest of the path (backslash-separated,
// without a leading backslash).
func classifyTarget(t string) (class int, drive byte, guid, rest string) {
	s := t
	nt := false
	for _, p := range []string{`\??\`, `\\?\`, `\\.\`} {
		if auditHasPrefixFold(s, p) {
			s, nt = s[len(p):], true
			break
		}
	}
	switch {
	case len(s) >= 2 && auditIsLetter(s[0]) && s[1] == ':' && (len(s) == 2 || s[2] == '\\'):
		return tgtDrive, s[0] &^ 0x20, "", strings.TrimPrefix(s[2:], `\`)
	case nt && auditHasPrefixFold(s, `UNC\`):
		return tgtUNC, 0, "", s[4:]
	case nt && auditHasPrefixFold(s, `Volume{`):
		g, r, _ := strings.Cut(s[len(`Volume{`):], `}`)
		return tgtVolume, 0, strings.ToUpper(g), strings.TrimPrefix(r, `\`)
	case nt:
		return tgtDevice, 0, "", s
	case strings.HasPrefix(s, `\\`):
		return tgtUNC, 0, "", s[2:]
	case strings.HasPrefix(s, `\`):
		return tgtRoot, 0, "", s[1:]
	}
	return tgtRel, 0, "", s
}

func auditHasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

func auditIsLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// normalize turns base (a volume path) and a backslash-separated path
// into a clean volume path; climbed is set when ".." went above the root.
func auditNormalize(base, rel string) (p string, climbed bool) {
	parts := splitPath(base)
	// Windows writes targets with backslashes; a forward slash (which
	// NTFS names cannot hold) is taken as a separator too, as
	// reparse.WindowsTarget does when it makes a target.
	for _, c := range strings.FieldsFunc(rel, func(r rune) bool { return r == '\\' || r == '/' }) {
		switch c {
		case "", ".":
		case "..":
			if len(parts) == 0 {
				climbed = true
				continue
			}
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, c)
		}
	}
	return "/" + strings.Join(parts, "/"), climbed
}

// parentPath returns the directory part of a volume path.
func auditParent(p string) string {
	parts := splitPath(p)
	if len(parts) <= 1 {
		return "/"
	}
	return "/" + strings.Join(parts[:len(parts)-1], "/")
}

// target works out where link l (at volume path at) points on this
// volume. With report set it adds the findings about the target itself
// (drive letter, other volume, share, above the root); stop is true when
// the target is not on this volume (or not known to be).
func (a *auditor) target(l *auditLink, at string, report bool) (p string, stop bool) {
	add := func(f AuditFinding) {
		if report {
			a.add(f)
		}
	}
	class, drive, guid, rest := classifyTarget(l.target)
	if l.kind == reparse.KindJunction && (class == tgtRel || class == tgtRoot || class == tgtUNC) {
		add(l.finding(AuditInvalid, LevelError, "junction target %q is not an absolute local path: Windows refuses it", l.target))
		return "", true
	}
	switch class {
	case tgtDrive:
		f := l.finding(AuditDriveLetter, LevelWarning, "")
		switch {
		case a.drive == 0:
			f.Message = fmt.Sprintf("target names drive %c:, which changes when the disk moves; not resolved (--drive says which letter this volume has)", drive)
		case drive != a.drive:
			f.Message = fmt.Sprintf("target names drive %c:, which changes when the disk moves", drive)
		case a.guid != "":
			f.Suggest = `\??\Volume{` + strings.ToLower(a.guid) + `}\` + rest
			f.Message = fmt.Sprintf("target names drive %c:, which changes when the disk moves; the volume-GUID form %s does not", drive, f.Suggest)
		default:
			f.Message = fmt.Sprintf("target names drive %c:, which changes when the disk moves; use the volume-GUID form %s (--volume-guid fills it in)", drive, `\??\Volume{GUID}\`+rest)
		}
		add(f)
		if a.drive == 0 {
			return "", true
		}
		if drive != a.drive {
			add(l.finding(AuditOtherVolume, LevelWarning, "target is on drive %c:, not on this volume (%c:)", drive, a.drive))
			return "", true
		}
		p, _ = auditNormalize("/", rest)
		return p, false
	case tgtVolume:
		switch {
		case a.guid == "":
			add(l.finding(AuditUnresolved, LevelWarning, "target is on volume {%s}; this volume's GUID is unknown (--volume-guid), so it is not resolved", strings.ToLower(guid)))
			return "", true
		case guid != a.guid:
			add(l.finding(AuditOtherVolume, LevelWarning, "target is on volume {%s}, not on this volume {%s}", strings.ToLower(guid), strings.ToLower(a.guid)))
			return "", true
		}
		p, _ = auditNormalize("/", rest)
		return p, false
	case tgtUNC:
		add(l.finding(AuditUNC, LevelWarning, `target is on the network share \\%s`, rest))
		return "", true
	case tgtDevice:
		add(l.finding(AuditOtherVolume, LevelWarning, "target is on the device %s, not on this volume", l.target))
		return "", true
	case tgtRoot:
		p, _ = auditNormalize("/", rest)
		return p, false
	}
	if rest == "" {
		add(l.finding(AuditInvalid, LevelError, "empty target"))
		return "", true
	}
	p, climbed := auditNormalize(auditParent(at), rest)
	if climbed {
		f := l.finding(AuditAboveRoot, LevelError, "relative target %q climbs above the volume root", l.target)
		add(f)
		return "", true
	}
	return p, false
}

// auditResolution is where a link leads. Not an on-disk structure.
type auditResolution struct {
	path string // the final volume path (for failures, as far as known)
	file *File  // the final file, on success
	code AuditCode
	why  string
	loop []mft.RecordNumber // the members of a loop, sorted
}

// resolve follows link l, whose own target is the volume path first,
// through every junction and symbolic link on the way, as Windows opens a
// path: each link met restarts the lookup from the root with its target
// in place of the path up to it.
func (a *auditor) resolve(l *auditLink, first string) auditResolution {
	hops := []*auditLink{l}
	p := first
	root, err := a.v.Root()
	if err != nil {
		return auditResolution{code: AuditUnreadable, why: err.Error()}
	}
restart:
	comps := splitPath(p)
	cur, curPath := root, "/"
	for i, c := range comps {
		if !cur.IsDir() {
			return auditResolution{path: p, code: AuditDangling, why: fmt.Sprintf("%s does not exist: %s is not a directory%s", p, curPath, auditVia(hops))}
		}
		e, err := a.v.lookupIn(cur, c)
		if errors.Is(err, fs.ErrNotExist) {
			return auditResolution{path: p, code: AuditDangling, why: fmt.Sprintf("%s does not exist%s", p, auditVia(hops))}
		}
		var f *File
		if err == nil {
			f, err = a.v.entryFile(e)
		}
		if err != nil {
			return auditResolution{path: p, code: AuditUnreadable, why: fmt.Sprintf("%s: %v", JoinPath(curPath, c), err)}
		}
		next := JoinPath(curPath, e.Name)
		if !f.hasReparse() {
			if _, ok := f.Interix(); !ok {
				cur, curPath = f, next
				continue
			}
		}
		m := a.linkOf(next, f)
		if m == nil {
			cur, curPath = f, next
			continue
		}
		if !m.follows() && m.tag != 0 {
			return auditResolution{path: p, code: AuditUnresolved, why: fmt.Sprintf("%s passes through %s, a %v reparse point: not checked%s", p, next, m.tag, auditVia(hops))}
		}
		if !m.follows() {
			return auditResolution{path: p, code: AuditDangling, why: fmt.Sprintf("%s passes through %s, a %s Windows does not follow%s", p, next, m.kind, auditVia(hops))}
		}
		for k, h := range hops {
			if h.rec == m.rec {
				var recs []mft.RecordNumber
				var names []string
				for _, x := range hops[k:] {
					recs = append(recs, x.rec)
					names = append(names, x.path)
				}
				slices.Sort(recs)
				why := fmt.Sprintf("loop: %s -> %s", strings.Join(names, " -> "), next)
				if k > 0 {
					why = fmt.Sprintf("leads into a loop: %s -> %s", strings.Join(names, " -> "), next)
					recs = append(recs, l.rec) // reported per entry link
				}
				return auditResolution{path: p, code: AuditLoop, why: why, loop: recs}
			}
		}
		hops = append(hops, m)
		if len(hops) > MaxLinkDepth {
			return auditResolution{path: p, code: AuditTooDeep, why: fmt.Sprintf("more than %d links to follow (Windows' limit)%s", MaxLinkDepth, auditVia(hops[:4]))}
		}
		t, stop := a.target(m, next, false)
		if stop {
			return auditResolution{path: p, code: AuditUnresolved, why: fmt.Sprintf("%s passes through %s, whose target %s is not on this volume (or not known to be): not checked%s", p, next, m.target, auditVia(hops[:len(hops)-1]))}
		}
		p, _ = auditNormalize(t, strings.Join(comps[i+1:], `\`))
		goto restart
	}
	return auditResolution{path: curPath, file: cur}
}

// via describes the links followed after the first one.
func auditVia(hops []*auditLink) string {
	if len(hops) < 2 {
		return ""
	}
	var s []string
	for _, h := range hops[1:] {
		s = append(s, h.path)
	}
	return " (via " + strings.Join(s, ", ") + ")"
}
