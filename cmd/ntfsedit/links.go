package main

import (
	"fmt"
)

func init() {
	register(&command{
		name:    "links",
		usage:   "PATH",
		short:   "List every path of a file: one per $FILE_NAME, DOS names included.\nFor a hard-linked file, the paths of all its links, one per line.",
		run:     runLinks,
		minArgs: 1, maxArgs: 1,
	})
}

// linkJSON is one line of "links --json".
type linkJSON struct {
	Path      string `json:"path"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Parent    uint64 `json:"parent"`
	ParentSeq uint16 `json:"parent_seq"`
	Orphan    bool   `json:"orphan,omitempty"`
}

func runLinks(e *env, o *opts, args []string) error {
	v, err := openVolume(o)
	if err != nil {
		return err
	}
	defer v.Close()
	f, err := lookup(v, args[0])
	if err != nil {
		return err
	}
	names, err := f.Names()
	if err != nil {
		return fmt.Errorf("%s: %w", displayPath(v, args[0], f), err)
	}
	for _, fn := range names {
		n := nameOf(v, fn)
		if o.json {
			err = jsonLine(e.stdout, linkJSON{Path: n.Path, Name: n.Name, Namespace: n.Namespace,
				Parent: n.Parent, ParentSeq: n.ParentSeq, Orphan: n.Orphan})
		} else {
			_, err = fmt.Fprintln(e.stdout, n.Path)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
