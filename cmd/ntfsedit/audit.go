package main

import (
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	var ao volume.AuditOptions
	register(&command{
		name:  "audit",
		usage: "[PATH]",
		short: "Report link problems below PATH (default /): broken junctions and symbolic links, cycles,\n" +
			"targets outside PATH, on drive letters, other volumes or shares, type mismatches, hard links\n" +
			"named outside PATH, WSL and Interix links. Exit status 0: no findings, 1: findings, 2: unreadable.",
		setup: func(fs *flag.FlagSet, o *opts) {
			fs.StringVar(&ao.Drive, "drive", "", "the drive letter the volume has on Windows (C:): targets on it are resolved here")
			fs.StringVar(&ao.VolumeGUID, "volume-guid", "", "the volume's GUID, for \\??\\Volume{GUID}\\ targets (default: the GPT partition GUID)")
		},
		run: func(e *env, o *opts, args []string) error {
			return runAudit(e, o, args, ao)
		},
		minArgs: 0, maxArgs: 1,
	})
}

func runAudit(e *env, o *opts, args []string, ao volume.AuditOptions) error {
	root := "/"
	if len(args) == 1 {
		root = args[0]
	}
	v, err := openVolume(o)
	if err != nil {
		return usagef("%v", err) // exit status 2: could not read
	}
	defer v.Close()
	fs, err := volume.Audit(v, root, ao)
	if err != nil {
		return usagef("%v", err)
	}
	if len(fs) > 0 {
		e.failed = true // exit status 1
	}
	if o.json {
		for _, f := range fs {
			if err := jsonLine(e.stdout, f); err != nil {
				return err
			}
		}
		return nil
	}
	if len(fs) == 0 {
		_, err := fmt.Fprintf(e.stdout, "no link problems below %s\n", root)
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "LEVEL\tCODE\tPATH\tTARGET\tMESSAGE")
	count := map[string]int{}
	for _, f := range fs {
		count[f.Level]++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Level, f.Code, f.Path, dash(f.Target), f.Message)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var sum []string
	for _, l := range []string{volume.LevelError, volume.LevelWarning, volume.LevelInfo} {
		if count[l] > 0 {
			sum = append(sum, fmt.Sprintf("%d %s", count[l], l))
		}
	}
	noun := "findings"
	if len(fs) == 1 {
		noun = "finding"
	}
	_, err = fmt.Fprintf(e.stdout, "%d %s: %s\n", len(fs), noun, strings.Join(sum, ", "))
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
