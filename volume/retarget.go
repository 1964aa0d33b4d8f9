package volume

import (
	"fmt"
	"strings"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// RetargetOptions are the rewriting rules of Retarget. They apply to every
// junction and symbolic link below the root, in this order: the Prefixes
// (the first that matches), then To, then ToGUID, then Relative.
//
// Targets are matched in the form a user types them: `C:\dir` for the
// stored `\??\C:\dir`, `\\server\share\x` for `\??\UNC\server\share\x`,
// `\??\Volume{GUID}\dir` as stored, relative ones as stored. Names match
// ignoring case, at whole path components.
type RetargetOptions struct {
	// Drive is the drive letter this volume has on Windows ("C:"); To,
	// ToGUID and Relative rewrite targets on this letter.
	Drive string
	// To is a new drive letter ("D:") for targets on Drive.
	To string
	// ToGUID rewrites targets on Drive to the volume-GUID form
	// \??\Volume{GUID}\…, which survives drive-letter changes.
	ToGUID bool
	// VolumeGUID is this volume's GUID (see AuditOptions.VolumeGUID).
	VolumeGUID string
	// Relative rewrites absolute symbolic links to places on this volume
	// (on Drive, on this volume's GUID, or root-relative `\dir`) as
	// relative ones (..\dir\x), which survive the volume moving anywhere.
	// Junctions must stay absolute: they are skipped.
	Relative bool
	// Prefixes replace a leading part of targets: `C:\old` → `D:\new`.
	Prefixes []PrefixRule
}

// PrefixRule replaces the path prefix Old of a target with New.
type PrefixRule struct{ Old, New string }

// RetargetChange is one link Retarget rewrote (or, with Skipped set, left
// alone). Not an on-disk structure.
type RetargetChange struct {
	Path     string           `json:"path"`
	Record   mft.RecordNumber `json:"record"`
	Kind     string           `json:"kind"`
	Old      string           `json:"old"`           // substitute name before
	New      string           `json:"new,omitempty"` // substitute name after
	NewPrint string           `json:"new_print,omitempty"`
	Skipped  string           `json:"skipped,omitempty"` // why a rule did not apply
}

// Retarget rewrites the targets of the junctions and symbolic links below
// root (a volume path) by opts, in tx, and returns what it changed. Links
// whose target no rule matches are left alone and not listed; links a
// rule matched but could not rewrite are listed with Skipped set. Each
// reparse point is replaced in place (Tx.SetReparse): same record, same
// tag, so the $Extend\$Reparse index keeps its one key per link.
func Retarget(tx *Tx, root string, opts RetargetOptions) ([]RetargetChange, error) {
	r, err := newRetargeter(tx.v, opts)
	if err != nil {
		return nil, err
	}
	if len(opts.Prefixes) == 0 && r.to == 0 && !opts.ToGUID && !opts.Relative {
		return nil, fmt.Errorf("%w: retarget needs a rule (a prefix, a new drive letter, the GUID form or relative)", ErrInvalid)
	}
	type found struct {
		path string
		rec  mft.RecordNumber
		dir  bool
		p    reparse.Point
	}
	if root, err = storedPath(tx.v, root, "retarget"); err != nil {
		return nil, err
	}
	var links []found
	type loaded struct {
		f   *found
		err error
	}
	load := func(p string, e DirEntry, f *File, err error) loaded {
		if err != nil || !f.hasReparse() {
			return loaded{err: err}
		}
		rp, err := f.Reparse()
		if err != nil {
			return loaded{err: fmt.Errorf("%s: %w", p, err)}
		}
		if rp.Tag != reparse.TagMountPoint && rp.Tag != reparse.TagSymlink {
			return loaded{}
		}
		return loaded{f: &found{p, f.num, f.IsDir(), *rp}}
	}
	emit := func(x loaded) error {
		if x.f != nil {
			links = append(links, *x.f)
		}
		return x.err
	}
	if err := WalkTree(tx.v, root, false, load, emit); err != nil {
		return nil, err
	}
	var out []RetargetChange
	for _, l := range links {
		t, err := l.p.Describe()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l.path, err)
		}
		c := RetargetChange{Path: l.path, Record: l.rec, Kind: t.Kind, Old: t.Target}
		user, ok, skip := r.rewrite(l.path, t)
		switch {
		case skip != "":
			c.Skipped = skip
			out = append(out, c)
			continue
		case !ok:
			continue
		}
		subst, print, rel, err := reparse.WindowsTarget(user)
		if err != nil {
			c.Skipped = err.Error()
			out = append(out, c)
			continue
		}
		var np reparse.Point
		if t.Kind == reparse.KindJunction {
			if rel || !(isDriveNT(subst) || isVolumeNT(subst)) {
				c.Skipped = fmt.Sprintf("new target %s is not an absolute local path, which a junction needs", user)
				out = append(out, c)
				continue
			}
			np = reparse.NewJunction(subst, print)
		} else {
			np = reparse.NewSymlink(subst, print, rel)
		}
		if subst == t.Target && print == t.PrintName && rel == t.Relative {
			continue
		}
		if err := tx.setReparse(l.rec, np); err != nil {
			return out, pathErr("retarget", l.path, err)
		}
		c.New, c.NewPrint = subst, print
		out = append(out, c)
	}
	return out, nil
}

// retargeter applies RetargetOptions. Not an on-disk structure.
type retargeter struct {
	v     *Volume
	opts  RetargetOptions
	drive byte // upper case; 0: none
	to    byte
	guid  string
}

func driveLetter(s string) (byte, error) {
	d := strings.TrimRight(strings.TrimSpace(s), `:\/`)
	if d == "" {
		return 0, nil
	}
	if len(d) != 1 || !auditIsLetter(d[0]) {
		return 0, fmt.Errorf("%w: drive %q is not a drive letter (C:, D:, …)", ErrInvalid, s)
	}
	return d[0] &^ 0x20, nil
}

func newRetargeter(v *Volume, opts RetargetOptions) (*retargeter, error) {
	r := &retargeter{v: v, opts: opts, guid: normGUID(opts.VolumeGUID)}
	var err error
	if r.drive, err = driveLetter(opts.Drive); err != nil {
		return nil, err
	}
	if r.to, err = driveLetter(opts.To); err != nil {
		return nil, err
	}
	if r.guid == "" && v.info.Partition != nil && v.info.Partition.Scheme == "gpt" {
		r.guid = normGUID(v.info.Partition.GUID)
	}
	switch {
	case (r.to != 0 || opts.ToGUID) && r.drive == 0:
		return nil, fmt.Errorf("%w: a new drive letter or the GUID form needs the old letter (Drive)", ErrInvalid)
	case opts.ToGUID && r.guid == "":
		return nil, fmt.Errorf("%w: the volume's GUID is unknown (not a GPT partition): give it (VolumeGUID)", ErrInvalid)
	case opts.ToGUID && r.to != 0:
		return nil, fmt.Errorf("%w: a new drive letter and the GUID form exclude each other", ErrInvalid)
	}
	for i, p := range opts.Prefixes {
		if strings.TrimRight(p.Old, `\/`) == "" {
			return nil, fmt.Errorf("%w: prefix rule %d: empty old prefix", ErrInvalid, i+1)
		}
	}
	return r, nil
}

// userForm turns a stored substitute name into the form a user types.
func userForm(subst string) string {
	switch {
	case isDriveNT(subst):
		return subst[4:]
	case auditHasPrefixFold(subst, `\??\UNC\`):
		return `\\` + subst[len(`\??\UNC\`):]
	}
	return subst
}

// cutPrefixFold cuts prefix from s at a path-component boundary, ignoring
// case and treating / as \.
func cutPrefixFold(s, prefix string) (string, bool) {
	prefix = strings.TrimRight(strings.ReplaceAll(prefix, "/", `\`), `\`)
	if !auditHasPrefixFold(s, prefix) {
		return "", false
	}
	rest := s[len(prefix):]
	if rest != "" && rest[0] != '\\' && !strings.HasSuffix(prefix, ":") {
		return "", false
	}
	return rest, true
}

// rewrite returns the new target of the link at path, in user form: ok
// when a rule changed it, skip with a reason when a rule matched but
// cannot apply.
func (r *retargeter) rewrite(path string, t reparse.Target) (user string, ok bool, skip string) {
	user = userForm(t.Target)
	if t.Relative {
		user = t.Target
	}
	for _, p := range r.opts.Prefixes {
		if rest, m := cutPrefixFold(user, p.Old); m {
			user, ok = strings.TrimRight(strings.ReplaceAll(p.New, "/", `\`), `\`)+rest, true
			if strings.HasSuffix(user, ":") {
				user += `\`
			}
			break
		}
	}
	class, drive, guid, rest := classifyTarget(user)
	onThis := class == tgtDrive && drive == r.drive && r.drive != 0
	if onThis && r.to != 0 {
		user, ok = string(r.to)+`:\`+rest, true
		onThis = r.to == r.drive
	}
	if onThis && r.opts.ToGUID {
		user, ok = `\??\Volume{`+strings.ToLower(r.guid)+`}\`+rest, true
		class, guid = tgtVolume, r.guid
	}
	if r.opts.Relative {
		local := onThis || class == tgtVolume && guid == r.guid && r.guid != "" || class == tgtRoot && t.Kind == reparse.KindSymlink
		switch {
		case !local:
		case t.Kind == reparse.KindJunction:
			return "", false, "junction targets must stay absolute (--relative applies to symbolic links)"
		default:
			abs, _ := auditNormalize("/", rest)
			user, ok = relativePath(r.v, auditParent(path), abs), true
		}
	}
	return user, ok, ""
}

// relativePath returns the relative Windows path from directory dir to
// target (both volume paths), comparing names ignoring case.
func relativePath(v *Volume, dir, target string) string {
	d, t := splitPath(dir), splitPath(target)
	i := 0
	for i < len(d) && i < len(t) && v.upcase.EqualFold(mft.NameUnits(d[i]), mft.NameUnits(t[i])) {
		i++
	}
	var parts []string
	for range d[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[i:]...)
	if len(parts) == 0 {
		return "."
	}
	return strings.Join(parts, `\`)
}
