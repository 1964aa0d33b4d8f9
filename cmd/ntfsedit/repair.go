package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	var ao volume.AuditOptions
	register(&command{
		name:  "repair",
		usage: "",
		short: "Fix what check finds, in one transaction of the writer (same journal, all or nothing):\n" +
			"link counts, index entries (dropped, inserted, rewritten, or the directory's index rebuilt),\n" +
			"names whose parent is gone (orphans go to /found.000), $Extend\\$Reparse keys, the reparse\n" +
			"flag, $MFT:$BITMAP and $Bitmap, $MFTMirr, torn records and cross-linked clusters.\n" +
			"A volume marked dirty needs --force; its dirty flag is cleared when it checks clean.\n" +
			"Exit status 0 when the volume checks clean afterwards, 1 otherwise.",
		setup: setupWrite(func(fs *flag.FlagSet, w *writeFlags) {
			fs.BoolVar(&w.removeBroken, "remove-broken-links", false, "also delete the junctions and symbolic links Windows cannot open (audit's broken links)")
			fs.StringVar(&ao.Drive, "drive", "", "with --remove-broken-links: the drive letter the volume has on Windows (C:), so that targets on it are resolved")
			fs.StringVar(&ao.VolumeGUID, "volume-guid", "", "with --remove-broken-links: the volume's GUID, for \\??\\Volume{GUID}\\ targets")
		}),
		run: func(e *env, o *opts, args []string) error {
			return runRepair(e, o, args, ao)
		},
		minArgs: 0, maxArgs: 0,
	})
}

// checkVolume is the checker repair runs before, during and after its
// transaction.
func checkVolume(v *volume.Volume) ([]volume.Finding, error) {
	return volume.Check(v, volume.CheckOptions{})
}

// errorsOnly keeps the findings that make a volume unclean.
func errorsOnly(fs []volume.Finding) []volume.Finding {
	var out []volume.Finding
	for _, f := range fs {
		if f.Severity == volume.SevError {
			out = append(out, f)
		}
	}
	return out
}

func runRepair(e *env, o *opts, _ []string, ao volume.AuditOptions) error {
	if o.mftFile != "" {
		return usagef("--mft-file is read-only input")
	}
	if o.w.dosNames {
		return usagef("repair: --dos-names does not apply")
	}
	if (ao.Drive != "" || ao.VolumeGUID != "") && !o.w.removeBroken {
		return usagef("repair: --drive and --volume-guid go with --remove-broken-links")
	}
	brokenLinks := func(v *volume.Volume) ([]volume.AuditFinding, error) { return volume.BrokenLinks(v, "/", ao) }
	v, err := openWritable(e, o)
	if err != nil {
		return err
	}
	defer v.Close()
	findings, err := checkVolume(v)
	if err != nil {
		return err
	}
	dirty := v.Info().Dirty // opened with --force
	ropts := volume.RepairOptions{DryRun: o.w.dryRun, Recheck: checkVolume, ClearDirty: dirty,
		RemoveBrokenLinks: o.w.removeBroken, BrokenLinks: brokenLinks}
	var rep *volume.Report
	if len(findings) == 0 && !o.w.removeBroken && !dirty {
		// Nothing to do: the plan of an empty transaction.
		rep, err = volume.Repair(v, nil, volume.RepairOptions{DryRun: true})
	} else {
		rep, err = volume.Repair(v, findings, ropts)
	}
	if err != nil {
		return err
	}
	// What is left: after a commit, what the checker finds on the volume;
	// for a dry run, what the last recheck inside it found.
	left := errorsOnly(rep.Unfixed)
	if !o.w.dryRun {
		after, err := checkVolume(v)
		if err != nil {
			return fmt.Errorf("check after repair: %w", err)
		}
		left = errorsOnly(after)
	}
	if len(left) > 0 {
		e.failed = true // exit status 1
	}
	if o.json {
		return jsonLine(e.stdout, struct {
			*volume.Report
			Left  []volume.Finding `json:"left"`
			Clean bool             `json:"clean"`
		}{rep, append([]volume.Finding{}, left...), len(left) == 0})
	}
	var b strings.Builder
	for _, a := range rep.Actions {
		fmt.Fprintf(&b, "%s\n", a)
	}
	if o.w.dryRun {
		if _, err := io.WriteString(e.stdout, b.String()); err != nil {
			return err
		}
		if err := printPlan(e, o, rep.Plan); err != nil {
			return err
		}
		b.Reset()
	}
	for _, f := range left {
		fmt.Fprintf(&b, "not fixed: %s\n", f)
	}
	switch {
	case o.w.dryRun || len(left) > 0:
	case len(rep.Actions) == 0:
		b.WriteString("clean: nothing to repair\n")
	default:
		fmt.Fprintf(&b, "repaired: %d fixes in one commit; check is clean\n", len(rep.Actions))
	}
	_, err = io.WriteString(e.stdout, b.String())
	return err
}
