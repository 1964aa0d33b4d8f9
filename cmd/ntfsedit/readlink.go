package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/ntfsedit/ntfsedit/reparse"
)

func init() {
	var printName bool
	register(&command{
		name:  "readlink",
		usage: "PATH",
		short: "Print the target of a junction, symlink, WSL symlink, Interix symlink or Windows shortcut (.lnk).\nThe target is shown as stored: the substitute name of a junction or symlink (with -p its print name);\nfor a shortcut its LinkInfo path (local or network), else its environment or ID-list path.",
		setup: func(fs *flag.FlagSet, o *opts) {
			fs.BoolVar(&printName, "p", false, "print the print name of a junction or symlink instead of its substitute name")
		},
		run: func(e *env, o *opts, args []string) error {
			return runReadlink(e, o, args[0], printName)
		},
		minArgs: 1, maxArgs: 1,
	})
}

// errNotLink is returned for a path that is not a link.
var errNotLink = errors.New("not a link")

func runReadlink(e *env, o *opts, path string, printName bool) error {
	v, err := openVolume(o)
	if err != nil {
		return err
	}
	defer v.Close()
	f, err := lookup(v, path)
	if err != nil {
		return err
	}
	shown := displayPath(v, path, f)
	r := describeReparse(f)
	if r == nil && isShortcutName(shown) {
		// a Windows shortcut: its target as the shortcut gives it
		sc := shortcutOf(shown, f)
		if sc.Error != "" {
			return fmt.Errorf("%s: shortcut: %s", shown, sc.Error)
		}
		if o.json {
			return jsonLine(e.stdout, sc)
		}
		_, err = fmt.Fprintln(e.stdout, sc.Target)
		return err
	}
	if r == nil {
		t, ok := f.Interix()
		if !ok {
			return fmt.Errorf("%s: %w", shown, errNotLink)
		}
		r = &reparseJSON{Kind: reparse.KindInterix, Target: t, Relative: !strings.HasPrefix(t, "/")}
	}
	switch r.Kind {
	case reparse.KindJunction, reparse.KindSymlink, reparse.KindLXSymlink, reparse.KindInterix:
	default:
		if r.Error != "" {
			return fmt.Errorf("%s: reparse point: %s", shown, r.Error)
		}
		return fmt.Errorf("%s: %w (reparse tag %s, kind %s)", shown, errNotLink, r.Tag, r.Kind)
	}
	if r.Error != "" {
		return fmt.Errorf("%s: reparse point: %s", shown, r.Error)
	}
	if o.json {
		return jsonLine(e.stdout, r)
	}
	t := r.Target
	if printName && (r.Kind == reparse.KindJunction || r.Kind == reparse.KindSymlink) {
		t = r.PrintName
	}
	_, err = fmt.Fprintln(e.stdout, t)
	return err
}
