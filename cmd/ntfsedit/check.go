package main

import (
	"flag"
	"fmt"
	"sync"

	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	register(&command{
		name:  "check",
		short: "Check the volume's consistency as chkdsk does; one finding per line (NDJSON with --json). Exit status 0 clean (warnings allowed), 1 errors found, 2 unreadable.\nNotes (what Windows itself leaves on every volume, such as stale sizes in the\ndirectory entries of metadata files) are counted, and listed only with --all.",
		run:   runCheck,
		setup: func(fs *flag.FlagSet, o *opts) {
			fs.BoolVar(&o.quiet, "quiet", false, "no progress line on a terminal")
			fs.BoolVar(&o.all, "all", false, "list notes too")
		},
		// IMAGE only.
		minArgs: 0, maxArgs: 0,
	})
}

func runCheck(e *env, o *opts, args []string) error {
	v, err := openVolume(o)
	if err != nil {
		// Exit status 2: the volume could not be read at all (reported
		// the way usage errors are).
		return &usageError{fmt.Sprintf("cannot check: %v", err)}
	}
	defer v.Close()
	// One progress line per stage ("records", then "indexes"), on a
	// terminal only.
	var mu sync.Mutex
	var prog *progress
	stage := ""
	report := func(s string, done, total int64) {
		mu.Lock()
		defer mu.Unlock()
		if s != stage {
			prog.done()
			prog, stage = newProgress(e, o.quiet, s), s
		}
		prog.update(done, total)
	}
	findings, err := volume.Check(v, volume.CheckOptions{Progress: report})
	mu.Lock()
	prog.done()
	mu.Unlock()
	if err != nil {
		return &usageError{fmt.Sprintf("cannot check: %v", err)}
	}
	var errs, warns, notes int
	for _, f := range findings {
		switch f.Severity {
		case volume.SevError:
			errs++
		case volume.SevWarning:
			warns++
		default:
			notes++
			if !o.all {
				continue
			}
		}
		if o.json {
			if err := jsonLine(e.stdout, f); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintln(e.stdout, f.String())
	}
	if !o.json {
		fmt.Fprintf(e.stdout, "%d errors, %d warnings, %d notes (%d records)\n", errs, warns, notes, v.Records())
	}
	if errs > 0 {
		e.failed = true
	}
	return nil
}
