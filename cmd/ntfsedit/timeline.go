package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"strconv"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	var format string
	register(&command{
		name:  "timeline",
		usage: "[PATH]",
		short: "The $STANDARD_INFORMATION and $FILE_NAME times of every name below PATH (default /), system files included.\n" +
			"--format bodyfile (TSK 3.x, for mactime -b; the default), csv or json (NDJSON; --json is the same).\n" +
			"csv and json flag names whose $STANDARD_INFORMATION creation time is earlier than their $FILE_NAME's\n" +
			"(si_before_fn), a sign of timestomping. Order: depth-first in index order, as find.",
		setup: func(fs *flag.FlagSet, o *opts) {
			fs.StringVar(&format, "format", "bodyfile", "bodyfile, csv or json")
		},
		run: func(e *env, o *opts, args []string) error {
			if o.json {
				format = "json"
			}
			switch format {
			case "bodyfile", "csv", "json":
			default:
				return usagef("--format must be bodyfile, csv or json, not %q", format)
			}
			return runTimeline(e, o, args, format)
		},
		minArgs: 0, maxArgs: 1,
	})
}

// timelineJSON is one name of a file in timeline --format json.
type timelineJSON struct {
	Path      string     `json:"path"`
	Record    uint64     `json:"record"`
	Seq       uint16     `json:"seq"`
	Type      string     `json:"type"`
	Size      int64      `json:"size"`
	SI        *timesJSON `json:"si"` // null without $STANDARD_INFORMATION
	FN        *timesJSON `json:"fn"` // null when no $FILE_NAME matches the path's name
	SIBeforeF bool       `json:"si_before_fn"`
}

// timelineRow holds what every format needs about one name.
type timelineRow struct {
	path     string
	rec      mft.RecordNumber
	seq      uint16
	dir      bool
	readOnly bool
	size     int64
	si       *mft.StandardInfo
	fn       *mft.FileName
}

// siBeforeFN: $STANDARD_INFORMATION says the file was created before its
// $FILE_NAME was. Windows sets both at creation and tools that backdate
// files (timestomping) usually rewrite only $STANDARD_INFORMATION. A
// copy keeps the modification time but gets new creation times in both,
// so only creation times are compared.
func (r *timelineRow) siBeforeFN() bool {
	return r.si != nil && r.fn != nil && r.si.Created != 0 && r.si.Created < r.fn.Created
}

func timelineRowOf(p string, de volume.DirEntry, f *volume.File) timelineRow {
	r := timelineRow{path: p, rec: f.Number(), seq: f.Rec.Seq, dir: f.IsDir()}
	if !r.dir {
		r.size = f.Size()
	}
	if si, err := f.StandardInfo(); err == nil {
		r.si = &si
		r.readOnly = si.Attributes&mft.FileReadOnly != 0
	}
	// the record's own $FILE_NAME for this name (the index entry's copy
	// of its times may be stale)
	if names, err := f.Names(); err == nil {
		for i := range names {
			n := &names[i]
			if n.Parent.Record() == de.FileName.Parent.Record() && equalUnits(n.Name, de.FileName.Name) {
				r.fn = n
				break
			}
		}
	}
	return r
}

func equalUnits(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// unixSeconds converts a FILETIME to whole seconds since 1970 (bodyfile
// 3.x has no fractions); 0 for unset times and times before 1970.
func unixSeconds(ft mft.Filetime) int64 {
	if ft == 0 {
		return 0
	}
	s := ft.Time().Unix()
	if s < 0 {
		return 0
	}
	return s
}

// bodyMode is the mode column as fls -m writes it for NTFS: the type,
// then rwx bits (read-only files lose w).
func (r *timelineRow) bodyMode() string {
	t, perm := "r/r", "rwxrwxrwx"
	if r.dir {
		t = "d/d"
	}
	if r.readOnly {
		perm = "r-xr-xr-x"
	}
	return t + perm
}

// appendBody appends the bodyfile lines of a name:
// MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime, ctime being
// the MFT-entry change time; the $FILE_NAME line's name ends in
// " ($FILE_NAME)" as with fls -m. inode is the record number.
func (r *timelineRow) appendBody(b []byte) []byte {
	line := func(name string, c, m, mm, a mft.Filetime) {
		b = append(b, "0|"...)
		b = append(b, name...)
		b = append(b, '|')
		b = strconv.AppendUint(b, uint64(r.rec), 10)
		b = append(b, '|')
		b = append(b, r.bodyMode()...)
		b = append(b, "|0|0|"...)
		b = strconv.AppendInt(b, r.size, 10)
		for _, t := range []mft.Filetime{a, m, mm, c} {
			b = append(b, '|')
			b = strconv.AppendInt(b, unixSeconds(t), 10)
		}
		b = append(b, '\n')
	}
	if si := r.si; si != nil {
		line(r.path, si.Created, si.Modified, si.MFTModified, si.Accessed)
	}
	if fn := r.fn; fn != nil {
		line(r.path+" ($FILE_NAME)", fn.Created, fn.Modified, fn.MFTModified, fn.Accessed)
	}
	return b
}

var timelineCSVHeader = []string{"path", "record", "seq", "type", "size",
	"si_created", "si_modified", "si_mft_modified", "si_accessed",
	"fn_created", "fn_modified", "fn_mft_modified", "fn_accessed", "si_before_fn"}

func (r *timelineRow) typeName() string {
	if r.dir {
		return "dir"
	}
	return "file"
}

func (r *timelineRow) appendCSV(b []byte) []byte {
	rec := []string{r.path, strconv.FormatUint(uint64(r.rec), 10), strconv.Itoa(int(r.seq)), r.typeName(),
		strconv.FormatInt(r.size, 10)}
	if si := r.si; si != nil {
		rec = append(rec, timeString(si.Created), timeString(si.Modified), timeString(si.MFTModified), timeString(si.Accessed))
	} else {
		rec = append(rec, "", "", "", "")
	}
	if fn := r.fn; fn != nil {
		rec = append(rec, timeString(fn.Created), timeString(fn.Modified), timeString(fn.MFTModified), timeString(fn.Accessed))
	} else {
		rec = append(rec, "", "", "", "")
	}
	rec = append(rec, strconv.FormatBool(r.siBeforeFN()))
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(rec)
	w.Flush()
	return append(b, buf.Bytes()...)
}

func (r *timelineRow) appendJSON(b []byte) ([]byte, error) {
	j := timelineJSON{Path: r.path, Record: uint64(r.rec), Seq: r.seq, Type: r.typeName(), Size: r.size, SIBeforeF: r.siBeforeFN()}
	if si := r.si; si != nil {
		t := timesOf(si.Created, si.Modified, si.MFTModified, si.Accessed)
		j.SI = &t
	}
	if fn := r.fn; fn != nil {
		t := timesOf(fn.Created, fn.Modified, fn.MFTModified, fn.Accessed)
		j.FN = &t
	}
	out, err := json.Marshal(j)
	if err != nil {
		return b, err
	}
	return append(append(b, out...), '\n'), nil
}

func runTimeline(e *env, o *opts, args []string, format string) error {
	v, start, root, err := openWalk(o, args)
	if err != nil {
		return err
	}
	defer v.Close()
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	defer out.Flush()
	if format == "csv" {
		w := csv.NewWriter(out)
		w.Write(timelineCSVHeader)
		w.Flush()
	}
	type item struct {
		line []byte
		err  error
	}
	render := func(p string, de volume.DirEntry, f *volume.File) item {
		r := timelineRowOf(p, de, f)
		switch format {
		case "csv":
			return item{line: r.appendCSV(make([]byte, 0, 256))}
		case "json":
			b, err := r.appendJSON(make([]byte, 0, 512))
			return item{line: b, err: err}
		}
		return item{line: r.appendBody(make([]byte, 0, 192))}
	}
	emit := func(it item) error {
		if it.err != nil {
			e.errorf("%v", it.err)
			return nil
		}
		_, err := out.Write(it.line)
		return err
	}
	if !root.IsDir() {
		names, _ := root.Names()
		if len(names) == 0 {
			return nil
		}
		n := names[0]
		for _, c := range names {
			if c.Namespace != mft.NamespaceDOS {
				n = c
				break
			}
		}
		return emit(render(start, volume.DirEntry{FileName: n}, root))
	}
	return volume.WalkTree(v, start, true,
		func(p string, de volume.DirEntry, f *volume.File, err error) item {
			if err != nil {
				return item{err: err}
			}
			return render(p, de, f)
		}, emit)
}
