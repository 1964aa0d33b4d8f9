package volume

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// RepairOptions tune Repair.
type RepairOptions struct {
	// DryRun runs the repair in a transaction that is thrown away: the
	// report and its plan say what a repair would do.
	DryRun bool
	// Recheck runs the checker on the volume as the transaction sees it
	// (normally Check). After each pass of fixes Repair calls it and fixes
	// what it still finds — fixes that uncover others (a torn record freed
	// leaves dangling entries) — until nothing is left or a pass changes
	// nothing (at most maxRepairPasses). nil: one pass over the findings
	// given.
	Recheck func(v *Volume) ([]Finding, error)
	// ClearDirty clears the volume's dirty flag when the repair leaves it
	// clean: the last recheck finds no error (so it needs Recheck). A
	// volume Windows marked dirty is opened with WriteOptions.Force.
	ClearDirty bool
	// RemoveBrokenLinks deletes the junctions and symbolic links that
	// BrokenLinks reports, after the other fixes.
	RemoveBrokenLinks bool
	// BrokenLinks lists the links Windows cannot open (normally
	// BrokenLinks of the link auditor, with the volume's drive letter).
	// RemoveBrokenLinks without it is an error.
	BrokenLinks func(v *Volume) ([]AuditFinding, error)
}

// maxRepairPasses bounds the fix-and-recheck loop.
const maxRepairPasses = 4

// ErrNoAudit is returned for RemoveBrokenLinks without a BrokenLinks hook.
var ErrNoAudit = errors.New("volume: removing broken links needs the link auditor (RepairOptions.BrokenLinks)")

// RepairAction is one fix a repair made (or would make).
type RepairAction struct {
	Code    Code             `json:"code,omitempty"` // the finding it fixes ("" for removed links)
	Action  string           `json:"action"`
	Record  mft.RecordNumber `json:"record"`
	Parent  mft.RecordNumber `json:"parent,omitempty"`
	Name    string           `json:"name,omitempty"`
	Path    string           `json:"path,omitempty"`
	Message string           `json:"message"`
}

func (a RepairAction) String() string {
	s := a.Action + ": " + a.Message
	if a.Path != "" {
		s += " (" + a.Path + ")"
	}
	return s
}

// Report is what Repair did.
type Report struct {
	Actions []RepairAction `json:"actions"`
	// Unfixed are the findings of the last recheck that no fix applies
	// to (or, without Recheck, the findings Repair has no fix for).
	Unfixed []Finding `json:"unfixed"`
	Passes  int       `json:"passes"`
	Plan    *Plan     `json:"plan"`
}

// Repair fixes findings (from Check) in one transaction of the writer —
// same journal, same commit, all or nothing — choosing each fix by the
// finding's code, as chkdsk does:
//
//   - record-fixup, record-header: a torn record whose data is otherwise
//     sane (it decodes with the check bytes ignored) gets fresh fixups;
//     otherwise it is freed (entries to it are then dropped).
//   - link-count: the count is set to the number of $FILE_NAMEs.
//   - entry-dangling, entry-no-name: the entry is dropped; entry-sequence,
//     entry-flags, entry-size: the entry is rewritten from the record's
//     $FILE_NAME; name-not-indexed: the entry is inserted.
//   - an entry without its name in the record paired with the record's
//     same name under another parent (name-not-indexed or name-bad-parent):
//     the $FILE_NAME's parent is corrected to the directory holding the
//     entry (the name kept its place in the tree, the record's parent
//     field is what broke).
//   - name-bad-parent otherwise: the name is removed; a record left with
//     no name is moved into /found.000 (created when needed).
//   - index-order, index-fixup, index-corrupt, index-bitmap: the directory's
//     index is rebuilt from the $FILE_NAMEs of the records whose parent it
//     is (a scan of $MFT).
//   - reparse-flag: $STANDARD_INFORMATION follows the $REPARSE_POINT;
//     reparse-key-missing, reparse-key-stale: the $Extend\$Reparse key is
//     added or dropped.
//   - cluster-cross: the file with the higher record number gets its own
//     copy of the shared clusters.
//   - mft-bitmap, cluster-bitmap: $MFT:$BITMAP and $Bitmap are rebuilt from
//     what is in use; mftmirr-mismatch: $MFTMirr is copied from $MFT;
//     boot-backup: the backup boot sector is copied from the boot sector.
//   - attrlist-corrupt: an extension record freed while its base's
//     $ATTRIBUTE_LIST names it (and still its base's) is taken back into
//     use; an extension record no in-use base claims is freed.
//   - security-id: the record gets its parent directory's security id (or
//     $Secure's lowest, when the parent's is not valid either).
//   - attr-order: the record's attributes are sorted; attr-instance: the
//     next instance number is raised past the largest and repeated ones
//     renumbered (not in records an $ATTRIBUTE_LIST names by instance).
//
// Other codes (attr-corrupt, boot-invalid,
// mftmirr-missing when $MFTMirr cannot be written) are left in
// Report.Unfixed, and so are findings whose fix does not apply (a system
// record that does not read). A fix that fails part way fails the whole
// repair: nothing is written.
func Repair(v *Volume, findings []Finding, opts RepairOptions) (*Report, error) {
	rep := &Report{Actions: []RepairAction{}, Unfixed: []Finding{}}
	fn := func(tx *Tx) error {
		rep.Actions, rep.Unfixed, rep.Passes = rep.Actions[:0], rep.Unfixed[:0], 0
		r := &repairer{tx: tx, rep: rep}
		if opts.RemoveBrokenLinks && opts.BrokenLinks == nil {
			return ErrNoAudit
		}
		if err := r.fixAll(findings, opts); err != nil {
			return err
		}
		if opts.RemoveBrokenLinks {
			if err := r.removeBrokenLinks(opts); err != nil {
				return err
			}
		}
		if opts.ClearDirty && opts.Recheck != nil && !hasErrors(rep.Unfixed) {
			cleared, err := tx.clearDirty()
			if err != nil {
				return err
			}
			if cleared {
				rep.Actions = append(rep.Actions, RepairAction{Action: "clear-dirty", Record: mft.RecordVolume,
					Message: "$Volume: dirty flag cleared (the volume checks clean)"})
			}
		}
		return nil
	}
	var err error
	if opts.DryRun {
		rep.Plan, err = v.DryRun(fn)
	} else {
		rep.Plan, err = v.UpdatePlan(fn)
	}
	return rep, err
}

// fixAll runs the passes: fixes, recheck, fixes of what is left.
func (r *repairer) fixAll(findings []Finding, opts RepairOptions) error {
	tx, rep, v := r.tx, r.rep, r.tx.v
	cur := actionable(findings)
	for pass := 1; len(cur) > 0; pass++ {
		before := len(rep.Actions)
		unfixed, err := r.pass(cur)
		if err != nil {
			return err
		}
		rep.Passes = pass
		if opts.Recheck == nil {
			rep.Unfixed = append(rep.Unfixed, unfixed...)
			return nil
		}
		if err := tx.finish(); err != nil { // bitmaps, for the checker to see
			return err
		}
		next, err := opts.Recheck(v)
		if err != nil {
			return fmt.Errorf("volume: recheck after repair pass %d: %w", pass, err)
		}
		next = actionable(next)
		if len(next) == 0 || len(rep.Actions) == before || pass == maxRepairPasses {
			rep.Unfixed = append(rep.Unfixed, next...)
			return nil
		}
		cur = next
	}
	return nil
}

// actionable drops the findings repair leaves alone: stale sizes in
// directory entries that the checker reports as warnings or notes, because Windows
// leaves them so on its own volumes (the entries of metadata files, the
// other names of a hard-linked file); and entry flags of system files
// reported as warnings.
func actionable(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		switch {
		case f.Severity != SevError && f.Code == CodeEntrySize:
			continue
		case f.Severity == SevWarning && f.Code == CodeEntryFlags && f.Ref.Record() < mft.RecordFirstUser:
			continue
		}
		out = append(out, f)
	}
	return out
}

func hasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == SevError {
			return true
		}
	}
	return false
}

// repairer carries one repair transaction.
//
// Not an on-disk structure.
type repairer struct {
	tx  *Tx
	rep *Report
}

func (r *repairer) did(f Finding, action, format string, args ...any) {
	r.rep.Actions = append(r.rep.Actions, RepairAction{Code: f.Code, Action: action, Record: f.Record,
		Parent: f.Parent, Name: f.Name, Path: f.Path, Message: fmt.Sprintf(format, args...)})
}

// dirOps are the index fixes of one directory.
//
// Not an on-disk structure.
type dirOps struct {
	rebuild bool
	drops   []Finding // entries to remove
	inserts []Finding // names to (re)insert: Record, Name
	because []Finding // what asked for a rebuild
}

// pass applies the fixes for one list of findings and returns those it
// has no fix for.
func (r *repairer) pass(fs []Finding) ([]Finding, error) {
	tx := r.tx
	var unfixed []Finding
	by := map[Code][]Finding{}
	for _, f := range fs {
		by[f.Code] = append(by[f.Code], f)
	}
	// 1. Records that do not read: everything else depends on them.
	done := map[mft.RecordNumber]bool{}
	for _, f := range append(by[CodeRecordFixup], by[CodeRecordHeader]...) {
		if done[f.Record] {
			continue
		}
		done[f.Record] = true
		how, err := tx.fixupRecord(f.Record)
		if err != nil {
			unfixed = append(unfixed, f)
			continue
		}
		if how == "reprotect" {
			r.did(f, "reprotect", "record %d: fixups rewritten (the record is otherwise intact)", f.Record)
		} else {
			r.did(f, "free", "record %d: unreadable, freed", f.Record)
		}
	}

	// Header fields of records that otherwise read: the record number
	// at 0x2C, and the directory flag set to match the $I30 root.
	for _, f := range by[CodeRecordNumber] {
		if done[f.Record] {
			continue
		}
		n := f.Record
		if err := tx.patchRecord(n, func(b []byte) { binary.LittleEndian.PutUint32(b[0x2C:], uint32(n)) }); err != nil {
			unfixed = append(unfixed, f)
			continue
		}
		r.did(f, "record-number", "record %d: header record number set to %d", n, n)
	}
	for _, f := range by[CodeDirFlag] {
		if done[f.Record] {
			continue
		}
		dir := f.Want == 1
		err := tx.patchRecord(f.Record, func(b []byte) {
			fl := binary.LittleEndian.Uint16(b[0x16:]) &^ uint16(mft.RecordDirectory)
			if dir {
				fl |= uint16(mft.RecordDirectory)
			}
			binary.LittleEndian.PutUint16(b[0x16:], fl)
		})
		if err != nil {
			unfixed = append(unfixed, f)
			continue
		}
		r.did(f, "dir-flag", "record %d: directory flag %s to match its $I30 index", f.Record, map[bool]string{true: "set", false: "cleared"}[dir])
	}

	// Attributes out of order, instance numbers repeated or too high.
	done = map[mft.RecordNumber]bool{}
	for _, f := range by[CodeAttrOrder] {
		if done[f.Record] {
			continue
		}
		done[f.Record] = true
		moved, err := tx.sortAttrs(f.Record)
		if err != nil {
			unfixed = append(unfixed, f)
			continue
		}
		if moved {
			r.did(f, "sort-attributes", "record %d: attributes sorted by type and name", f.Record)
		}
	}
	done = map[mft.RecordNumber]bool{}
	for _, f := range by[CodeAttrInstance] {
		if done[f.Record] {
			continue
		}
		done[f.Record] = true
		changed, err := tx.fixInstances(f.Record)
		if err != nil {
			unfixed = append(unfixed, f)
			continue
		}
		if changed {
			r.did(f, "instances", "record %d: attribute instance numbers made unique, next instance raised past them", f.Record)
		}
	}

	// Attribute lists: an extension record freed while its base's list
	// names it is taken back; one that no base claims is freed.
	for _, f := range by[CodeAttrListCorrupt] {
		rec, err := tx.v.Record(f.Record)
		if err != nil || f.Ref == 0 {
			unfixed = append(unfixed, f)
			continue
		}
		if rec.IsBase() {
			ok, err := tx.reclaimExtension(f.Record, f.Ref)
			if err != nil {
				unfixed = append(unfixed, f)
				continue
			}
			if ok {
				r.did(f, "reclaim-extension", "record %d: extension record %d, freed while its $ATTRIBUTE_LIST names it, in use again", f.Record, f.Ref.Record())
			}
			continue
		}
		if err := tx.freeExtension(f.Record); err != nil {
			unfixed = append(unfixed, f)
			continue
		}
		r.did(f, "free-extension", "extension record %d freed (base %s does not claim it)", f.Record, f.Ref)
	}

	// 2. Names: a $FILE_NAME whose parent is wrong, paired with the entry
	// that still holds the name.
	dirs := map[mft.RecordNumber]*dirOps{}
	ops := func(d mft.RecordNumber) *dirOps {
		if dirs[d] == nil {
			dirs[d] = &dirOps{}
		}
		return dirs[d]
	}
	type recName struct {
		rec  mft.RecordNumber
		name string
	}
	noName := map[recName]Finding{}
	for _, f := range by[CodeEntryNoName] {
		noName[recName{f.Ref.Record(), f.Name}] = f
	}
	paired := map[recName]bool{}
	for _, f := range append(by[CodeNameNotIndexed], by[CodeBadParent]...) {
		k := recName{f.Record, f.Name}
		e, ok := noName[k]
		if !ok || paired[k] {
			continue
		}
		if err := tx.setNameParent(f.Record, mft.NameUnits(f.Name), f.Parent, e.Parent); err != nil {
			continue // handled below as separate findings
		}
		paired[k] = true
		r.did(f, "set-parent", "record %d: $FILE_NAME %q parent %d → %d (the directory whose index holds it)", f.Record, f.Name, f.Parent, e.Parent)
	}
	// 3. Names under a parent that is no directory: dropped; a record left
	// without names goes to /found.000.
	bad := map[mft.RecordNumber][]Finding{}
	var badOrder []mft.RecordNumber
	for _, f := range by[CodeBadParent] {
		if paired[recName{f.Record, f.Name}] {
			continue
		}
		if bad[f.Record] == nil {
			badOrder = append(badOrder, f.Record)
		}
		bad[f.Record] = append(bad[f.Record], f)
	}
	for _, n := range badOrder {
		list := bad[n]
		isBad := func(fn mft.FileName) bool {
			for _, f := range list {
				if fn.Parent.Record() == f.Parent && fn.NameString() == f.Name {
					return true
				}
			}
			return false
		}
		path, err := tx.adoptOrphan(n, isBad)
		if err != nil {
			// Names may already be gone from the record: nothing of this
			// transaction may be committed.
			return nil, fmt.Errorf("volume: record %d: move to %s: %w", n, FoundDir, err)
		}
		for _, f := range list {
			r.did(f, "drop-name", "record %d: $FILE_NAME %q removed (parent %d is not a directory in use)", n, f.Name, f.Parent)
		}
		if path != "" {
			r.did(list[0], "orphan", "record %d: no name left, moved to %s", n, path)
		}
	}

	// 4. Index entries, directory by directory. An entry rewritten from
	// the record also indexes the name, so a name-not-indexed finding for
	// the same name (a wrong sequence number hides the entry) is not a
	// second insert.
	type dirName struct {
		dir  mft.RecordNumber
		name string
	}
	rewritten := map[dirName]bool{}
	for _, f := range fs {
		switch f.Code {
		case CodeEntrySequence, CodeEntryFlags, CodeEntrySize:
			rewritten[dirName{f.Parent, f.Name}] = true
		}
	}
	for _, f := range fs {
		switch f.Code {
		case CodeEntryDangling:
			ops(f.Parent).drops = append(ops(f.Parent).drops, f)
		case CodeEntryNoName:
			if !paired[recName{f.Ref.Record(), f.Name}] {
				ops(f.Parent).drops = append(ops(f.Parent).drops, f)
			}
		case CodeEntrySequence, CodeEntryFlags, CodeEntrySize:
			o := ops(f.Parent)
			o.drops = append(o.drops, f)
			o.inserts = append(o.inserts, f)
		case CodeNameNotIndexed:
			if !paired[recName{f.Record, f.Name}] && !rewritten[dirName{f.Parent, f.Name}] {
				ops(f.Parent).inserts = append(ops(f.Parent).inserts, f)
			}
		case CodeIndexOrder, CodeIndexFixup, CodeIndexCorrupt, CodeIndexBitmap:
			o := ops(f.Parent)
			o.rebuild = true
			o.because = append(o.because, f)
		}
	}
	order := make([]mft.RecordNumber, 0, len(dirs))
	for d := range dirs {
		order = append(order, d)
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	rebuild := map[mft.RecordNumber]mft.FileRef{}
	for _, d := range order {
		o := dirs[d]
		if !o.rebuild {
			if err := r.entryFixes(d, o); err != nil {
				o.rebuild = true
			}
		}
		if o.rebuild {
			df, err := tx.v.File(d)
			if err != nil || !df.InUse() || !df.IsDir() {
				unfixed = append(unfixed, append(append(o.because, o.drops...), o.inserts...)...)
				continue
			}
			rebuild[d] = df.Ref()
		}
	}
	if len(rebuild) > 0 {
		names, err := tx.childNames(rebuild)
		if err != nil {
			return nil, err
		}
		for _, d := range order {
			if _, ok := rebuild[d]; !ok {
				continue
			}
			o := dirs[d]
			if err := tx.rebuildIndex(d, names[d]); err != nil {
				return nil, fmt.Errorf("volume: rebuild the index of directory %d: %w", d, err)
			}
			f := Finding{Record: d, Parent: d}
			if all := append(append(o.because, o.drops...), o.inserts...); len(all) > 0 {
				f = all[0]
			}
			r.did(f, "rebuild-index", "directory %d: $I30 rebuilt from the %d names whose parent it is", d, len(names[d]))
		}
	}

	// 5. Link counts and reparse points.
	for _, f := range by[CodeLinkCount] {
		changed, err := tx.fixLinkCount(f.Record)
		if err != nil {
			unfixed = append(unfixed, f)
			continue
		}
		if changed {
			r.did(f, "link-count", "record %d: link count %d → %d", f.Record, f.Got, f.Want)
		}
	}
	for _, f := range by[CodeReparseFlag] {
		changed, err := tx.fixReparseFlag(f.Record)
		if err != nil {
			unfixed = append(unfixed, f)
			continue
		}
		if changed {
			r.did(f, "reparse-flag", "record %d: reparse-point attribute flag set to match $REPARSE_POINT", f.Record)
		}
	}
	for _, f := range by[CodeReparseKeyMissing] {
		added, err := tx.addReparseKey(f.Record)
		if err != nil {
			unfixed = append(unfixed, f)
			continue
		}
		if added {
			r.did(f, "reparse-key-add", "$Extend\\$Reparse: key for record %d added", f.Record)
		}
	}
	for _, f := range by[CodeReparseKeyStale] {
		if err := tx.dropReparseKey(reparse.Tag(uint32(f.Got)), f.Ref); err != nil {
			unfixed = append(unfixed, f)
			continue
		}
		r.did(f, "reparse-key-drop", "$Extend\\$Reparse: key %#x for %s dropped", uint32(f.Got), f.Ref)
	}

	for _, f := range by[CodeSecurityID] {
		if f.Record == mft.RecordSecure {
			unfixed = append(unfixed, f) // $Secure itself unreadable
			continue
		}
		id, err := tx.fixSecurityID(f.Record)
		if err != nil {
			unfixed = append(unfixed, f)
			continue
		}
		r.did(f, "security-id", "record %d: security id %d → %d (its parent directory's)", f.Record, f.Got, id)
	}

	// 6. Cross-linked clusters: the file with the higher record number
	// (the later claimant; a system file never) gets its own copy.
	for _, f := range by[CodeClusterCross] {
		n := max(f.Record, f.Ref.Record())
		if n < mft.RecordFirstUser {
			unfixed = append(unfixed, f)
			continue
		}
		moved, err := tx.unshareClusters(n, f.LCN, max(f.Count, 1))
		if err != nil {
			return nil, fmt.Errorf("volume: record %d: copy shared clusters: %w", n, err)
		}
		if moved {
			r.did(f, "unshare-clusters", "record %d: clusters %d-%d copied to its own clusters (shared with record %d)", n, f.LCN, f.LCN+max(f.Count, 1)-1, min(f.Record, f.Ref.Record()))
		}
	}

	// 7. Boot sector backup.
	if fs := by[CodeBootBackup]; len(fs) > 0 {
		if off, err := tx.copyBootBackup(); err != nil {
			unfixed = append(unfixed, fs...)
		} else {
			r.did(fs[0], "boot-backup", "backup boot sector at %#x copied from the boot sector", off)
		}
	}

	// 8. Last, what follows from everything above: bitmaps and $MFTMirr.
	if fs := by[CodeMFTBitmap]; len(fs) > 0 {
		diffs, err := tx.rebuildMFTBitmap()
		if err != nil {
			return nil, err
		}
		r.bitsDone(fs[0], "$MFT:$BITMAP", diffs)
	}
	if fs := by[CodeClusterBitmap]; len(fs) > 0 {
		diffs, err := tx.rebuildClusterBitmap()
		if err != nil {
			return nil, err
		}
		r.bitsDone(fs[0], "$Bitmap", diffs)
	}
	if fs := append(by[CodeMFTMirr], by[CodeMFTMirrMissing]...); len(fs) > 0 {
		recs, err := tx.syncMirror()
		if err != nil {
			unfixed = append(unfixed, fs...)
		} else if len(recs) > 0 {
			var s []string
			for _, n := range recs {
				s = append(s, fmt.Sprint(n))
			}
			r.did(fs[0], "sync-mirror", "$MFTMirr: records %s copied from $MFT", strings.Join(s, ", "))
		}
	}
	for _, c := range []Code{CodeAttrCorrupt, CodeBootInvalid} {
		unfixed = append(unfixed, by[c]...)
	}
	return unfixed, nil
}

func (r *repairer) bitsDone(f Finding, name string, diffs []bitDiff) {
	for _, d := range diffs {
		verb := "cleared"
		if d.Set {
			verb = "set"
		}
		g := f
		g.Path = ""
		r.did(g, "bitmap", "%s: bits %d-%d %s", name, d.First, d.First+d.Count-1, verb)
	}
}

// entryFixes drops and (re)inserts single entries of directory d; an error
// asks the caller to rebuild the whole index instead.
func (r *repairer) entryFixes(d mft.RecordNumber, o *dirOps) error {
	tx := r.tx
	for _, f := range o.drops {
		ok, err := tx.dropEntry(d, mft.NameUnits(f.Name))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("volume: directory %d: no entry %q", d, f.Name)
		}
		switch f.Code {
		case CodeEntryDangling:
			r.did(f, "drop-entry", "directory %d: entry %q dropped (record %d is not in use)", d, f.Name, f.Ref.Record())
		case CodeEntryNoName:
			r.did(f, "drop-entry", "directory %d: entry %q dropped (record %d has no such name)", d, f.Name, f.Ref.Record())
		}
	}
	for _, f := range o.inserts {
		rec := f.Record
		if f.Code != CodeNameNotIndexed {
			rec = f.Ref.Record()
		}
		if f.Code == CodeNameNotIndexed {
			// A name of a record no longer in use (its base freed, the
			// name left in an extension record this repair frees) needs
			// no entry.
			if rf, err := tx.v.Record(rec); err == nil && !rf.InUse() {
				continue
			}
		}
		fn, ok, err := tx.recordName(rec, d, mft.NameUnits(f.Name))
		if err != nil {
			return err
		}
		if !ok {
			if f.Code != CodeNameNotIndexed {
				r.did(f, "drop-entry", "directory %d: entry %q dropped (record %d has no such name)", d, f.Name, rec)
				continue
			}
			return fmt.Errorf("volume: record %d has no name %q in directory %d", rec, f.Name, d)
		}
		if err := tx.insertEntry(rec, fn); err != nil {
			return err
		}
		switch f.Code {
		case CodeNameNotIndexed:
			r.did(f, "insert-entry", "directory %d: entry %q for record %d inserted", d, f.Name, rec)
		case CodeEntrySequence:
			r.did(f, "rewrite-entry", "directory %d: entry %q now refers to record %d seq %d", d, f.Name, rec, f.Want)
		default:
			r.did(f, "rewrite-entry", "directory %d: entry %q rewritten from record %d's $FILE_NAME", d, f.Name, rec)
		}
	}
	return nil
}

// copyBootBackup stages the boot sector over its backup, the sector after
// the last one the boot sector counts (where mkntfs and Windows keep it).
func (tx *Tx) copyBootBackup() (int64, error) {
	v := tx.v
	n := int64(v.boot.BytesPerSector)
	off := v.boot.TotalSectors * n
	if off <= 0 || off+n > v.ov.Size() {
		return off, fmt.Errorf("volume: backup boot sector at %#x lies outside the device", off)
	}
	b := make([]byte, n)
	if _, err := v.ov.ReadAt(b, 0); err != nil {
		return off, err
	}
	_, err := v.ov.WriteAt(b, off)
	return off, err
}

// removeBrokenLinks removes the links the auditor says are broken.
func (r *repairer) removeBrokenLinks(opts RepairOptions) error {
	links, err := opts.BrokenLinks(r.tx.v)
	if err != nil {
		return fmt.Errorf("volume: find broken links: %w", err)
	}
	for _, l := range links {
		if err := r.tx.RemoveFile(l.Path); err != nil {
			return err
		}
		r.rep.Actions = append(r.rep.Actions, RepairAction{Action: "remove-link", Record: l.Record, Path: l.Path,
			Message: fmt.Sprintf("record %d: %s to %s removed (%s: %s)", l.Record, l.Kind, l.Target, l.Code, l.Message)})
	}
	return nil
}
