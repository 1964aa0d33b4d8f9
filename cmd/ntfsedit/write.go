package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ntfsedit/ntfsedit/volume"
)

// writeFlags are the flags every writing verb shares.
type writeFlags struct {
	dryRun   bool
	journal  string
	force    bool
	dosNames bool
	// verb-specific
	symbolic, dir, junction, parents, rmDirs bool
	removeBroken                             bool // repair
}

// setupWrite adds the shared writing flags; more adds the verb's own.
func setupWrite(more func(fs *flag.FlagSet, w *writeFlags)) func(fs *flag.FlagSet, o *opts) {
	return func(fs *flag.FlagSet, o *opts) {
		o.w = &writeFlags{}
		fs.BoolVar(&o.w.dryRun, "dry-run", false, "print the plan (records, index blocks, bitmap ranges) and change nothing")
		fs.StringVar(&o.w.journal, "journal", "", "redo journal file (default: IMAGE.ntfsedit-journal; needed for devices on read-only directories)")
		fs.BoolVar(&o.w.force, "force", false, "write even if the volume is dirty, hibernated or has a $LogFile to replay")
		fs.BoolVar(&o.w.dosNames, "dos-names", false, "give new names an 8.3 DOS twin, as Windows does")
		if more != nil {
			more(fs, o.w)
		}
	}
}

// openWritable opens IMAGE for a transaction with the writing flags
// (--journal, --force, --dos-names) and says on standard error when a
// leftover journal was replayed or discarded.
func openWritable(e *env, o *opts) (*volume.Volume, error) {
	if o.mftFile != "" {
		return nil, usagef("--mft-file is read-only input")
	}
	w := volume.WriteOptions{Force: o.w.force, DOSNames: o.w.dosNames}
	if o.w.journal != "" {
		w.Journal = volume.FileJournal(o.w.journal)
	}
	v, err := volume.OpenWritable(o.image, volume.Options{Offset: o.offset}, w)
	if err != nil {
		return nil, err
	}
	if r := v.Replay(); r != nil {
		switch {
		case r.Replayed:
			fmt.Fprintf(e.stderr, "ntfsedit: replayed journal %s (%d extents, %d bytes): an earlier commit was interrupted and is now complete\n", r.Journal, r.Extents, r.Bytes)
		case r.Discarded:
			fmt.Fprintf(e.stderr, "ntfsedit: discarded incomplete journal %s: an earlier commit stopped before touching the volume\n", r.Journal)
		}
	}
	return v, nil
}

// commitOps opens IMAGE writable and runs fn in one transaction (or, with
// --dry-run, prints its plan).
func commitOps(e *env, o *opts, fn func(tx *volume.Tx) error) error {
	v, err := openWritable(e, o)
	if err != nil {
		return err
	}
	defer v.Close()
	return runTx(e, o, v, fn)
}

// runTx runs fn in one transaction on v (or, with --dry-run, prints its
// plan).
func runTx(e *env, o *opts, v *volume.Volume, fn func(tx *volume.Tx) error) error {
	if !o.w.dryRun {
		return v.Update(fn)
	}
	plan, err := v.DryRun(fn)
	if err != nil {
		return err
	}
	return printPlan(e, o, plan)
}

func printPlan(e *env, o *opts, p *volume.Plan) error {
	if o.json {
		return jsonLine(e.stdout, p)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "dry run: nothing written; the commit would journal %d bytes of metadata and write %d bytes of file data\n", p.Bytes, p.DataBytes)
	for _, r := range p.Records {
		m := ""
		if r.Mirror {
			m = " (+$MFTMirr)"
		}
		fmt.Fprintf(&b, "record %d: %s%s\n", r.Record, r.Action, m)
	}
	for _, x := range p.IndexBlocks {
		fmt.Fprintf(&b, "index block: record %d %s VCN %d: %s\n", x.Record, x.Index, x.VCN, x.Action)
	}
	for _, x := range p.Bitmaps {
		act := "clear"
		if x.Set {
			act = "set"
		}
		fmt.Fprintf(&b, "bitmap %s: %s bits %d-%d\n", x.Bitmap, act, x.First, x.First+x.Count-1)
	}
	_, err := io.WriteString(e.stdout, b.String())
	return err
}

func init() {
	register(&command{
		name:  "ln",
		usage: "TARGET LINK | TARGET... DIRECTORY",
		short: "Make a link named LINK on the volume, or links in DIRECTORY named as the TARGETs\n" +
			"end (one transaction for all), as coreutils ln does; a LINK that is a directory\n" +
			"gets the link inside it too.\n" +
			"Without flags hard links: TARGET is a volume path (/dir/file).\n" +
			"With -s a Windows symbolic link (--dir for a directory link) and with --junction a\n" +
			"junction: TARGET is given as typed on Windows (..\\x.txt, C:\\dir, \\\\server\\share)\n" +
			"and stored as Windows stores it (\\??\\C:\\dir).",
		setup: setupWrite(func(fs *flag.FlagSet, w *writeFlags) {
			fs.BoolVar(&w.symbolic, "s", false, "make a Windows symbolic link")
			fs.BoolVar(&w.dir, "dir", false, "with -s: a directory symbolic link (mklink /D)")
			fs.BoolVar(&w.junction, "junction", false, "make a junction (mklink /J); TARGET must be an absolute local path")
		}),
		run:     runLn,
		minArgs: 2, maxArgs: -1,
	})
	register(&command{
		name:  "mkdir",
		usage: "PATH...",
		short: "Create directories (one transaction for all).",
		setup: setupWrite(func(fs *flag.FlagSet, w *writeFlags) {
			fs.BoolVar(&w.parents, "p", false, "create missing parents; no error if the directory exists")
		}),
		run:     runMkdir,
		minArgs: 1, maxArgs: -1,
	})
	register(&command{
		name:  "put",
		usage: "HOSTFILE PATH",
		short: "Copy a host file (- for standard input) to a new file PATH on the volume.\n" +
			"Data of 1 MiB or more is copied a chunk at a time, never held in memory whole.\n" +
			"With --dry-run nothing is written; standard input is read once to size the plan.",
		setup:   setupWrite(nil),
		run:     runPut,
		minArgs: 2, maxArgs: 2,
	})
	register(&command{
		name:  "rm",
		usage: "PATH...",
		short: "Remove names of files, symbolic links and junctions (one transaction for all).\nA file goes with its last name; removing a Win32 name removes its DOS twin.",
		setup: setupWrite(func(fs *flag.FlagSet, w *writeFlags) {
			fs.BoolVar(&w.rmDirs, "d", false, "also remove empty directories")
		}),
		run:     runRm,
		minArgs: 1, maxArgs: -1,
	})
	register(&command{
		name:    "rmdir",
		usage:   "PATH...",
		short:   "Remove empty directories (one transaction for all).",
		setup:   setupWrite(nil),
		run:     runRmdir,
		minArgs: 1, maxArgs: -1,
	})
	register(&command{
		name:    "unlink",
		usage:   "PATH",
		short:   "Remove one name of a file (never a directory).",
		setup:   setupWrite(nil),
		run:     runUnlink,
		minArgs: 1, maxArgs: 1,
	})
}

func runLn(e *env, o *opts, args []string) error {
	w := o.w
	switch {
	case w.junction && w.symbolic:
		return usagef("ln: -s and --junction exclude each other")
	case w.dir && !w.symbolic:
		return usagef("ln: --dir goes with -s")
	}
	targets, last := args[:len(args)-1], args[len(args)-1]
	v, err := openWritable(e, o)
	if err != nil {
		return err
	}
	defer v.Close()
	// LINK names the link, unless it is a directory (or ends in a slash,
	// or several targets are given): then each link goes into it, named
	// as its target ends.
	links := []string{last}
	if dir := isPlainDir(v, last); dir || len(targets) > 1 || strings.HasSuffix(last, "/") {
		if !dir {
			return fmt.Errorf("target %s is not a directory", last)
		}
		links = links[:0]
		for _, t := range targets {
			name := linkName(t, !w.symbolic && !w.junction)
			if name == "" {
				return fmt.Errorf("%s: no name to give the link in %s", t, last)
			}
			links = append(links, strings.TrimSuffix(last, "/")+"/"+name)
		}
	}
	return runTx(e, o, v, func(tx *volume.Tx) error {
		for i, target := range targets {
			var err error
			switch {
			case w.junction:
				err = tx.Junction(links[i], target)
			case w.symbolic:
				err = tx.Symlink(links[i], target, volume.SymlinkOptions{Dir: w.dir})
			default:
				err = tx.Link(target, links[i])
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// isPlainDir reports whether path is a directory of v that is not a
// reparse point (links go into it, not over it; coreutils' ln -n).
func isPlainDir(v *volume.Volume, path string) bool {
	f, err := v.Lookup(path)
	if err != nil || !f.IsDir() {
		return false
	}
	p, err := f.Reparse()
	return err == nil && p == nil
}

// linkName is the name a link into a directory takes from its target: the
// last name of a volume path, or of a target as typed on Windows (which
// also splits at backslashes); "" when the target ends in no name (/,
// C:\, .., a drive).
func linkName(target string, volumePath bool) string {
	seps := "/"
	if !volumePath {
		seps = "/\\"
	}
	t := strings.TrimRight(target, seps)
	name := t[strings.LastIndexAny(t, seps)+1:]
	if name == "." || name == ".." || !volumePath && strings.HasSuffix(name, ":") {
		return ""
	}
	return name
}

// eachPath runs op on every path in one transaction.
func eachPath(e *env, o *opts, paths []string, op func(tx *volume.Tx, p string) error) error {
	return commitOps(e, o, func(tx *volume.Tx) error {
		for _, p := range paths {
			if err := op(tx, p); err != nil {
				return err
			}
		}
		return nil
	})
}

func runMkdir(e *env, o *opts, args []string) error {
	return eachPath(e, o, args, func(tx *volume.Tx, p string) error {
		if o.w.parents {
			return tx.MkdirAll(p)
		}
		return tx.Mkdir(p)
	})
}

func runPut(e *env, o *opts, args []string) error {
	var r io.Reader = e.stdin
	if args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return fmt.Errorf("put: %s is a directory", args[0])
		}
		r = f
	}
	return commitOps(e, o, func(tx *volume.Tx) error { return tx.Create(args[1], r) })
}

func runRm(e *env, o *opts, args []string) error {
	return eachPath(e, o, args, func(tx *volume.Tx, p string) error {
		if o.w.rmDirs {
			return tx.Remove(p)
		}
		return tx.RemoveFile(p)
	})
}

func runRmdir(e *env, o *opts, args []string) error {
	return eachPath(e, o, args, (*volume.Tx).Rmdir)
}

func runUnlink(e *env, o *opts, args []string) error {
	return commitOps(e, o, func(tx *volume.Tx) error { return tx.Unlink(args[0]) })
}
