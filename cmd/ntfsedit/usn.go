package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	var journal, jFile string
	register(&command{
		name:  "usn",
		usage: "IMAGE",
		short: "List the records of the USN change journal ($Extend/$UsnJrnl:$J), versions 2, 3 and 4, in journal order:\n" +
			"USN, time, reasons, file and parent references (record-sequence), path rebuilt from the parent reference\n" +
			"(\"stale\" when a parent was deleted or its record reused). The sparse head of $J is skipped unread.\n" +
			"--journal PATH:STREAM reads a journal stream elsewhere in the volume; --j-file FILE a bare extracted $J\n" +
			"(paths then come from IMAGE or --mft-file when given, otherwise only names are shown).",
		// IMAGE is optional with --j-file: the verb takes its own flags.
		noImage: true,
		setup: func(fs *flag.FlagSet, o *opts) {
			fs.BoolVar(&o.json, "json", false, "print JSON (one object per line)")
			fs.Int64Var(&o.offset, "offset", 0, "byte offset of the NTFS volume inside IMAGE")
			fs.StringVar(&o.mftFile, "mft-file", "", "read a bare extracted $MFT file instead of an IMAGE (for paths)")
			fs.StringVar(&journal, "journal", volume.USNJournalPath, "the journal stream inside the volume, PATH:STREAM")
			fs.StringVar(&jFile, "j-file", "", "read a bare extracted $J file instead of the volume's journal")
		},
		run: func(e *env, o *opts, args []string) error {
			if len(args) == 1 {
				o.image = args[0]
			}
			if o.image == "" && o.mftFile == "" && jFile == "" {
				return usagef("missing IMAGE (or --j-file)")
			}
			return runUSN(e, o, journal, jFile)
		},
		minArgs: 0, maxArgs: 1,
	})
}

// usnJSON is one journal record in usn --json.
type usnJSON struct {
	Offset      int64        `json:"offset"`
	USN         int64        `json:"usn"`
	Version     string       `json:"version"`
	Time        string       `json:"time,omitempty"`
	Reasons     []string     `json:"reasons"`
	ReasonValue uint32       `json:"reason_value"`
	Source      []string     `json:"source,omitempty"`
	File        uint64       `json:"file"`
	FileSeq     uint16       `json:"file_seq"`
	Parent      uint64       `json:"parent"`
	ParentSeq   uint16       `json:"parent_seq"`
	Name        string       `json:"name,omitempty"`
	Path        string       `json:"path,omitempty"`
	Stale       bool         `json:"stale,omitempty"`
	Attributes  []string     `json:"attributes,omitempty"`
	SecurityID  uint32       `json:"security_id,omitempty"`
	Extents     []extentJSON `json:"extents,omitempty"`
}

type extentJSON struct {
	Offset int64 `json:"offset"`
	Length int64 `json:"length"`
}

func runUSN(e *env, o *opts, journal, jFile string) error {
	var v *volume.Volume
	if o.image != "" || o.mftFile != "" {
		var err error
		if v, err = openVolume(o); err != nil {
			return err
		}
		defer v.Close()
	}
	var (
		r interface {
			ReadAt([]byte, int64) (int, error)
		}
		ranges []volume.ByteRange
	)
	if jFile != "" {
		f, err := os.Open(jFile)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		r, ranges = f, []volume.ByteRange{{Start: 0, End: fi.Size()}}
	} else {
		if o.mftFile != "" {
			return usagef("--mft-file has no journal data: give --j-file too")
		}
		s, err := v.JournalStream(journal)
		if err != nil {
			return err
		}
		r, ranges = s, s.DataRanges()
	}
	var paths *volume.USNPaths
	if v != nil {
		paths = v.NewUSNPaths()
	}
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	defer out.Flush()
	return volume.ScanUSN(r, ranges, func(off int64, rec *mft.USNRecord, err error) error {
		if err != nil {
			out.Flush()
			e.errorf("usn: %v", err)
			return nil
		}
		j := usnOf(off, rec, paths)
		if o.json {
			b, err := json.Marshal(j)
			if err != nil {
				return err
			}
			out.Write(b)
			return out.WriteByte('\n')
		}
		return writeUSNLine(out, &j)
	})
}

func usnOf(off int64, rec *mft.USNRecord, paths *volume.USNPaths) usnJSON {
	j := usnJSON{
		Offset: off, USN: rec.USN, Version: fmt.Sprintf("%d.%d", rec.Major, rec.Minor),
		Reasons: flagList(rec.Reason.String()), ReasonValue: uint32(rec.Reason), Source: flagList(rec.Source.String()),
		File: uint64(rec.File.Record()), FileSeq: rec.File.Seq(), Parent: uint64(rec.Parent.Record()), ParentSeq: rec.Parent.Seq(),
		Name: rec.NameString(), Attributes: rec.Attributes.Names(), SecurityID: rec.SecurityID,
	}
	if j.Reasons == nil {
		j.Reasons = []string{}
	}
	if rec.Major != 4 {
		j.Time = timeString(rec.Time)
	}
	for _, x := range rec.Extents {
		j.Extents = append(j.Extents, extentJSON{x.Offset, x.Length})
	}
	if paths != nil {
		p := paths.Of(rec)
		j.Path, j.Stale = p.Path, p.Stale
	}
	return j
}

// writeUSNLine prints: USN TIME REASONS FILE PARENT PATH-or-NAME [stale].
func writeUSNLine(w *bufio.Writer, j *usnJSON) error {
	t := j.Time
	if t == "" {
		t = "-"
	}
	reasons := "-"
	if len(j.Reasons) > 0 {
		reasons = ""
		for i, r := range j.Reasons {
			if i > 0 {
				reasons += "|"
			}
			reasons += r
		}
	}
	name := j.Path
	if name == "" {
		name = j.Name
	}
	w.WriteString(strconv.FormatInt(j.USN, 10))
	fmt.Fprintf(w, " %s %s %d-%d %d-%d %s", t, reasons, j.File, j.FileSeq, j.Parent, j.ParentSeq, name)
	if j.Stale {
		w.WriteString(" (stale)")
	}
	if len(j.Extents) > 0 {
		for _, x := range j.Extents {
			fmt.Fprintf(w, " [%d+%d]", x.Offset, x.Length)
		}
	}
	return w.WriteByte('\n')
}
