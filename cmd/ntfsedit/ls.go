package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	var long, recursive bool
	register(&command{
		name:  "ls",
		usage: "[PATH]",
		short: "List a directory (default /) in index order, or just the file PATH names.\nSeparate DOS (8.3) names are left out, system files (records below 16) too unless -a.",
		setup: func(fs *flag.FlagSet, o *opts) {
			fs.BoolVar(&long, "l", false, "long listing: type, links, size, modified (UTC), record, name and link target")
			fs.BoolVar(&o.all, "a", false, "include system files (records below 16)")
			fs.BoolVar(&recursive, "R", false, "list subdirectories recursively (junctions and symlinks are not entered)")
		},
		run: func(e *env, o *opts, args []string) error {
			return runLs(e, o, args, long, recursive)
		},
		minArgs: 0, maxArgs: 1,
	})
}

// lsItem is one line of a listing.
type lsItem struct {
	name string // as shown: the entry name, or the path for a file argument
	d    entryJSON
	f    *volume.File
}

func runLs(e *env, o *opts, args []string, long, recursive bool) error {
	v, err := openVolume(o)
	if err != nil {
		return err
	}
	defer v.Close()
	arg := "/"
	if len(args) == 1 {
		arg = args[0]
	}
	f, err := lookup(v, arg)
	if err != nil {
		return err
	}
	p := displayPath(v, arg, f)
	d := describe(p, f)
	// A file, or a link (a junction is a directory): list the entry itself,
	// as "ls -l" does for a symbolic link; links are never followed.
	if !f.IsDir() || d.isLink() {
		it := lsItem{name: p, d: d, f: f}
		if o.json {
			return jsonLine(e.stdout, it.d)
		}
		return printLs(e, []lsItem{it}, long)
	}
	l := &lister{e: e, o: o, v: v, long: long, recursive: recursive, seen: map[mft.RecordNumber]bool{}}
	return l.list(p, f, true)
}

type lister struct {
	e               *env
	o               *opts
	v               *volume.Volume
	long, recursive bool
	seen            map[mft.RecordNumber]bool
}

// list prints directory dir (shown as path) and, with -R, its
// subdirectories after it.
func (l *lister) list(path string, dir *volume.File, first bool) error {
	l.seen[dir.Number()] = true
	entries, err := dir.ReadDir()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var items []lsItem
	for _, de := range entries {
		if de.DOSOnly() || (!l.o.all && de.Hidden()) {
			continue
		}
		p := volume.JoinPath(path, de.Name)
		f, err := l.v.OpenEntry(de)
		if err != nil {
			l.e.errorf("ls: %s: %v", p, err)
			continue
		}
		items = append(items, lsItem{name: de.Name, d: describe(p, f), f: f})
	}
	if l.o.json {
		for _, it := range items {
			if err := jsonLine(l.e.stdout, it.d); err != nil {
				return err
			}
		}
	} else {
		if l.recursive {
			if !first {
				fmt.Fprintln(l.e.stdout)
			}
			fmt.Fprintf(l.e.stdout, "%s:\n", path)
		}
		if err := printLs(l.e, items, l.long); err != nil {
			return err
		}
	}
	if !l.recursive {
		return nil
	}
	for _, it := range items {
		if !it.f.IsDir() || it.d.Reparse != nil || l.seen[it.f.Number()] {
			continue
		}
		if err := l.list(it.d.Path, it.f, false); err != nil {
			l.e.errorf("ls: %v", err)
		}
	}
	return nil
}

// printLs prints names, or with long the columns of "ls -l", aligned
// within the listing.
func printLs(e *env, items []lsItem, long bool) error {
	if !long {
		for _, it := range items {
			if _, err := fmt.Fprintln(e.stdout, it.name); err != nil {
				return err
			}
		}
		return nil
	}
	rows := make([][]string, len(items))
	var width [4]int
	for i, it := range items {
		mod := "-"
		if si, err := it.f.StandardInfo(); err == nil {
			mod = shortTime(si.Modified)
		}
		rows[i] = []string{strconv.Itoa(it.d.Links), strconv.FormatInt(it.d.Size, 10), mod, strconv.FormatUint(it.d.Record, 10)}
		for j, c := range rows[i] {
			width[j] = max(width[j], len(c))
		}
	}
	for i, it := range items {
		var b strings.Builder
		b.WriteString(it.d.typeChar())
		for j, c := range rows[i] {
			b.WriteByte(' ')
			if j == 2 {
				fmt.Fprintf(&b, "%-*s", width[j], c)
			} else {
				fmt.Fprintf(&b, "%*s", width[j], c)
			}
		}
		b.WriteByte(' ')
		b.WriteString(it.name)
		if t, ok := it.d.linkTarget(); ok {
			b.WriteString(" -> ")
			b.WriteString(t)
		}
		b.WriteByte('\n')
		if _, err := fmt.Fprint(e.stdout, b.String()); err != nil {
			return err
		}
	}
	return nil
}
