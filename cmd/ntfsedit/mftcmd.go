package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	var from, count int64
	register(&command{
		name:  "mft",
		usage: "",
		short: "List the MFT records in use: record, sequence, state, flags, links, base record and path.\nWith --all, records not in use (\"free\": deleted files) too; records never written are skipped.",
		setup: func(fs *flag.FlagSet, o *opts) {
			fs.BoolVar(&o.all, "all", false, "also list records not in use (deleted files)")
			fs.Int64Var(&from, "from", 0, "first record to list")
			fs.Int64Var(&count, "count", -1, "list at most this many records (-1: to the end)")
		},
		run: func(e *env, o *opts, args []string) error {
			if from < 0 {
				return usagef("--from must not be negative")
			}
			if count < -1 {
				return usagef("--count must be -1 or more")
			}
			return runMFT(e, o, from, count)
		},
		minArgs: 0, maxArgs: 0,
	})
}

// mftJSON is one line of "mft --json".
type mftJSON struct {
	Record uint64   `json:"record"`
	Seq    uint16   `json:"seq"`
	InUse  bool     `json:"in_use"`
	Flags  []string `json:"flags"`
	Links  int      `json:"links"`
	Base   *uint64  `json:"base,omitempty"` // extension records only
	Name   string   `json:"name,omitempty"`
	Path   string   `json:"path,omitempty"`
	Orphan bool     `json:"orphan,omitempty"`
}

func runMFT(e *env, o *opts, from, count int64) error {
	v, err := openVolume(o)
	if err != nil {
		return err
	}
	defer v.Close()
	end := v.Records()
	if count >= 0 && from+count < end {
		end = from + count
	}
	for n := from; n < end; n++ {
		rn := mft.RecordNumber(n)
		rec, err := v.Record(rn)
		if errors.Is(err, volume.ErrUnusedRecord) {
			continue
		}
		if err != nil {
			e.errorf("mft: record %d: %v", n, err)
			continue
		}
		if !rec.InUse() && !o.all {
			continue
		}
		m := mftJSON{Record: uint64(n), Seq: rec.Seq, InUse: rec.InUse(), Flags: flagList(rec.Flags.String()),
			Links: int(rec.LinkCount)}
		if m.Flags == nil {
			m.Flags = []string{}
		}
		if !rec.IsBase() {
			b := uint64(rec.Base.Record())
			m.Base = &b
		} else if f, err := v.File(rn); err != nil {
			e.errorf("mft: record %d: %v", n, err)
		} else if fn, ok := primaryFileName(f); ok {
			m.Name = fn.NameString()
			if rn == mft.RecordRoot {
				m.Path = "/"
			} else {
				p, ok := v.PathOf(fn)
				m.Path, m.Orphan = p, !ok
			}
		}
		if o.json {
			err = jsonLine(e.stdout, m)
		} else {
			err = printMFTLine(e, &m)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func printMFTLine(e *env, m *mftJSON) error {
	state := "in-use"
	if !m.InUse {
		state = "free" // a deleted file, or a record never given out
	}
	var flags []string
	for _, f := range m.Flags {
		if f != "in-use" {
			flags = append(flags, f)
		}
	}
	fl := strings.Join(flags, ",")
	if fl == "" {
		fl = "-"
	}
	base, what := "-", m.Path
	if m.Base != nil {
		base = fmt.Sprint(*m.Base)
		what = fmt.Sprintf("(extension of record %d)", *m.Base)
	}
	line := fmt.Sprintf("%8d %5d %-6s %-20s %3d %8s %s", m.Record, m.Seq, state, fl, m.Links, base, what)
	_, err := fmt.Fprintln(e.stdout, strings.TrimRight(line, " "))
	return err
}
