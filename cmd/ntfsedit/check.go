package main

import (
	"fmt"

	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	register(&command{
		name:  "check",
		short: "Check the volume's consistency as chkdsk does; one finding per line (NDJSON with --json). Exit status 0 clean (warnings allowed), 1 errors found, 2 unreadable.",
		run:   runCheck,
		setup: nil,
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
	findings, err := volume.Check(v, volume.CheckOptions{})
	if err != nil {
		return &usageError{fmt.Sprintf("cannot check: %v", err)}
	}
	var errs, warns int
	for _, f := range findings {
		if f.Severity == volume.SevError {
			errs++
		} else {
			warns++
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
		fmt.Fprintf(e.stdout, "%d errors, %d warnings (%d records)\n", errs, warns, v.Records())
	}
	if errs > 0 {
		e.failed = true
	}
	return nil
}
