package main

import (
	"bufio"
	"flag"

	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	var typ string
	var deleted, slack bool
	register(&command{
		name:  "find",
		usage: "[PATH]",
		short: "List every name below PATH (default /), depth-first in index order.\nA hard-linked file appears once per path. System files ($MFT …) only with -a.\n--deleted lists the names of MFT records not in use instead, --slack the\n$I30 entries carved from the unused bytes of directory indexes.",
		setup: func(fs *flag.FlagSet, o *opts) {
			fs.StringVar(&typ, "type", "", "only entries of this type: f (file), d (directory), l (link: junction, symlink, Interix)")
			fs.BoolVar(&o.all, "a", false, "include system files (records below 16 and $Extend)")
			fs.BoolVar(&deleted, "deleted", false, "list deleted files: records not in use, paths rebuilt through deleted parents (orphans under /$Orphan)")
			fs.BoolVar(&slack, "slack", false, "list $I30 entries recovered from index slack and unused index blocks (never live entries)")
			fs.BoolVar(&o.quiet, "quiet", false, "no progress line on a terminal")
		},
		run: func(e *env, o *opts, args []string) error {
			switch typ {
			case "", "f", "d", "l":
			default:
				return usagef("--type must be f, d or l, not %q", typ)
			}
			switch {
			case deleted && slack:
				return usagef("--deleted and --slack exclude each other")
			case deleted:
				return runFindDeleted(e, o, args, typ)
			case slack:
				return runFindSlack(e, o, args, typ)
			}
			return runFind(e, o, args, typ)
		},
		minArgs: 0, maxArgs: 1,
	})
}

// openWalk opens the volume of a walking verb and resolves its optional
// PATH argument (default "/"; "#N" starts at record N, shown by its path).
func openWalk(o *opts, args []string) (*volume.Volume, string, *volume.File, error) {
	v, err := openVolume(o)
	if err != nil {
		return nil, "", nil, err
	}
	start := "/"
	if len(args) == 1 {
		start = args[0]
	}
	root, err := lookup(v, start)
	if err != nil {
		v.Close()
		return nil, "", nil, err
	}
	return v, displayPath(v, start, root), root, nil
}

func runFind(e *env, o *opts, args []string, typ string) error {
	v, start, root, err := openWalk(o, args)
	if err != nil {
		return err
	}
	defer v.Close()
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	defer out.Flush()
	// An entry is rendered where it is loaded (on the walk's worker
	// goroutines); emitting only writes the bytes, in walk order.
	type item struct {
		path string // printed when line is nil
		line []byte // the JSON object and its newline
		skip bool   // filtered out by --type
		err  error
	}
	render := func(p string, f *volume.File) item {
		if !o.json && typ == "" {
			return item{path: p} // only the path is printed
		}
		d := describe(p, f)
		switch typ {
		case "f":
			if d.Type != "file" || d.isLink() {
				return item{skip: true}
			}
		case "d":
			if d.Type != "dir" || d.isLink() {
				return item{skip: true}
			}
		case "l":
			if !d.isLink() {
				return item{skip: true}
			}
		}
		if !o.json {
			return item{path: p}
		}
		return item{line: append(d.appendJSON(make([]byte, 0, 256)), '\n')}
	}
	prog := newProgress(e, o.quiet, "names")
	defer prog.done()
	var emitted int64
	emit := func(it item) error {
		emitted++
		prog.update(emitted, 0)
		switch {
		case it.err != nil:
			prog.done()
			e.errorf("%v", it.err)
			return nil
		case it.skip:
			return nil
		case it.line != nil:
			_, err := out.Write(it.line)
			return err
		}
		out.WriteString(it.path)
		return out.WriteByte('\n')
	}
	if err := emit(render(start, root)); err != nil {
		return err
	}
	if !root.IsDir() {
		return nil
	}
	walk := volume.WalkTree[item]
	if !o.json && typ == "" {
		walk = volume.WalkTreeLazy[item] // only paths: records' headers suffice
	}
	return walk(v, start, o.all,
		func(p string, de volume.DirEntry, f *volume.File, err error) item {
			if err != nil {
				return item{err: err}
			}
			return render(p, f)
		}, emit)
}

func cleanStart(p string) string {
	out := ""
	for _, s := range splitSlash(p) {
		out += "/" + s
	}
	if out == "" {
		return "/"
	}
	return out
}

func splitSlash(p string) []string {
	var out []string
	cur := ""
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			if cur != "" && cur != "." {
				out = append(out, cur)
			}
			cur = ""
			continue
		}
		cur += string(p[i])
	}
	if cur != "" && cur != "." {
		out = append(out, cur)
	}
	return out
}
