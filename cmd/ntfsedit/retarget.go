package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/ntfsedit/ntfsedit/volume"
)

// prefixFlags collects repeated --prefix OLD=NEW rules.
type prefixFlags struct{ rules *[]volume.PrefixRule }

func (p prefixFlags) String() string {
	if p.rules == nil {
		return ""
	}
	var s []string
	for _, r := range *p.rules {
		s = append(s, r.Old+"="+r.New)
	}
	return strings.Join(s, " ")
}

func (p prefixFlags) Set(v string) error {
	old, new, ok := strings.Cut(v, "=")
	if !ok || old == "" {
		return fmt.Errorf("want OLD=NEW, such as 'C:\\old=D:\\new'")
	}
	*p.rules = append(*p.rules, volume.PrefixRule{Old: old, New: new})
	return nil
}

func init() {
	var ro volume.RetargetOptions
	register(&command{
		name:  "retarget",
		usage: "[PATH] RULE...",
		short: "Rewrite the targets of the junctions and symbolic links below PATH (default /), in one\n" +
			"transaction. Rules (applied in this order):\n" +
			"  --prefix OLD=NEW   replace a leading part of targets (C:\\old=D:\\new; repeatable, first match wins)\n" +
			"  --drive C: --to D: targets on drive C: go to drive D:\n" +
			"  --drive C: --to-guid  targets on C: (this volume) get the \\??\\Volume{GUID}\\ form\n" +
			"  --drive C: --relative absolute symbolic links into this volume become relative (junctions stay absolute)\n" +
			"Prints one line per link changed (PATH: OLD -> NEW) or skipped; --dry-run changes nothing.",
		setup: setupWrite(func(fs *flag.FlagSet, w *writeFlags) {
			ro = volume.RetargetOptions{}
			fs.StringVar(&ro.Drive, "drive", "", "the drive letter targets use for this volume (C:)")
			fs.StringVar(&ro.To, "to", "", "rule: move targets on --drive to this drive letter (D:)")
			fs.BoolVar(&ro.ToGUID, "to-guid", false, "rule: rewrite targets on --drive to the volume-GUID form")
			fs.StringVar(&ro.VolumeGUID, "volume-guid", "", "the volume's GUID (default: the GPT partition GUID)")
			fs.BoolVar(&ro.Relative, "relative", false, "rule: make absolute symbolic links into this volume relative")
			fs.Var(prefixFlags{&ro.Prefixes}, "prefix", "rule: OLD=NEW, replace the target prefix OLD by NEW (repeatable)")
		}),
		run: func(e *env, o *opts, args []string) error {
			return runRetarget(e, o, args, ro)
		},
		minArgs: 0, maxArgs: 1,
	})
}

func runRetarget(e *env, o *opts, args []string, ro volume.RetargetOptions) error {
	root := "/"
	if len(args) == 1 {
		root = args[0]
	}
	if len(ro.Prefixes) == 0 && ro.To == "" && !ro.ToGUID && !ro.Relative {
		return usagef("retarget: give a rule: --prefix OLD=NEW, --to D:, --to-guid or --relative")
	}
	if (ro.To != "" || ro.ToGUID || ro.Relative) && ro.Drive == "" {
		return usagef("retarget: --to, --to-guid and --relative need --drive (the letter targets use for this volume)")
	}
	v, err := openWritable(e, o)
	if err != nil {
		return err
	}
	defer v.Close()
	var changes []volume.RetargetChange
	fn := func(tx *volume.Tx) error {
		var err error
		changes, err = volume.Retarget(tx, root, ro)
		return err
	}
	if o.w.dryRun {
		_, err = v.DryRun(fn)
	} else {
		err = v.Update(fn)
	}
	if err != nil {
		return err
	}
	for _, c := range changes {
		if o.json {
			if err := jsonLine(e.stdout, c); err != nil {
				return err
			}
			continue
		}
		line := fmt.Sprintf("%s: %s -> %s", c.Path, c.Old, c.New)
		if c.Skipped != "" {
			line = fmt.Sprintf("%s: %s: skipped: %s", c.Path, c.Old, c.Skipped)
		}
		if _, err := fmt.Fprintln(e.stdout, line); err != nil {
			return err
		}
	}
	if o.w.dryRun && !o.json {
		fmt.Fprintf(e.stdout, "dry run: nothing written\n")
	}
	return nil
}
