package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

func init() {
	register(&command{
		name:    "stat",
		usage:   "PATH",
		short:   "Show everything about one record: names (DOS ones included), times, streams, reparse point, attributes.",
		run:     runStat,
		minArgs: 1, maxArgs: 1,
	})
}

// timesJSON holds the four NTFS timestamps, RFC 3339 in UTC with
// nanoseconds; "" (left out) when zero.
type timesJSON struct {
	Created     string `json:"created,omitempty"`
	Modified    string `json:"modified,omitempty"`
	MFTModified string `json:"mft_modified,omitempty"`
	Accessed    string `json:"accessed,omitempty"`
}

func timesOf(c, m, mm, a mft.Filetime) timesJSON {
	return timesJSON{Created: timeString(c), Modified: timeString(m), MFTModified: timeString(mm), Accessed: timeString(a)}
}

// nameJSON is one $FILE_NAME attribute (stat, links).
type nameJSON struct {
	Path      string    `json:"path"`
	Name      string    `json:"name"`
	Namespace string    `json:"namespace"`
	Parent    uint64    `json:"parent"`
	ParentSeq uint16    `json:"parent_seq"`
	Orphan    bool      `json:"orphan,omitempty"` // the path could not be rebuilt up to the root
	Times     timesJSON `json:"times"`
}

func nameOf(v *volume.Volume, fn mft.FileName) nameJSON {
	p, ok := v.PathOf(fn)
	return nameJSON{
		Path: p, Name: fn.NameString(), Namespace: namespaceName(fn.Namespace),
		Parent: uint64(fn.Parent.Record()), ParentSeq: fn.Parent.Seq(), Orphan: !ok,
		Times: timesOf(fn.Created, fn.Modified, fn.MFTModified, fn.Accessed),
	}
}

// rawAttrJSON is one attribute as stored (every extent of a non-resident
// attribute on its own).
type rawAttrJSON struct {
	Type     string   `json:"type"`
	Name     string   `json:"name,omitempty"`
	ID       uint16   `json:"id"`
	Resident bool     `json:"resident"`
	Size     int64    `json:"size"`
	Flags    []string `json:"flags,omitempty"`
	StartVCN *int64   `json:"start_vcn,omitempty"`
	Runs     *int     `json:"runs,omitempty"`
}

// statJSON is the JSON form of stat.
type statJSON struct {
	Path           string              `json:"path"`
	Record         uint64              `json:"record"`
	Seq            uint16              `json:"seq"`
	Links          int                 `json:"links"`
	Flags          []string            `json:"flags"`
	Base           *uint64             `json:"base,omitempty"` // extension records only
	Type           string              `json:"type"`
	Size           int64               `json:"size"`
	Names          []nameJSON          `json:"names"`
	Reparse        *reparseJSON        `json:"reparse,omitempty"`
	Interix        string              `json:"interix,omitempty"`
	Streams        []volume.StreamInfo `json:"streams"`
	Times          *timesJSON          `json:"times,omitempty"`
	Attributes     []string            `json:"attributes"`
	SecurityID     uint32              `json:"security_id"`
	Security       *securityJSON       `json:"security,omitempty"`
	Shortcut       *shortcutJSON       `json:"shortcut,omitempty"`
	AttributesList []rawAttrJSON       `json:"attributes_list"`
	Errors         []string            `json:"errors,omitempty"`
}

func runStat(e *env, o *opts, args []string) error {
	v, err := openVolume(o)
	if err != nil {
		return err
	}
	defer v.Close()
	f, err := lookup(v, args[0])
	if err != nil {
		return err
	}
	s := statOf(v, displayPath(v, args[0], f), f)
	if o.json {
		err = jsonLine(e.stdout, s)
	} else {
		err = printStat(e.stdout, &s)
	}
	if err != nil {
		return err
	}
	for _, m := range s.Errors {
		e.errorf("stat: %s: %s", s.Path, m)
	}
	return nil
}

func statOf(v *volume.Volume, path string, f *volume.File) statJSON {
	s := statJSON{
		Path:           path,
		Record:         uint64(f.Number()),
		Seq:            f.Rec.Seq,
		Links:          f.LinkCount(),
		Flags:          flagList(f.Rec.Flags.String()),
		Type:           fileType(f),
		Names:          []nameJSON{},
		Streams:        f.Streams(),
		Attributes:     []string{},
		AttributesList: []rawAttrJSON{},
	}
	if s.Flags == nil {
		s.Flags = []string{}
	}
	if s.Streams == nil {
		s.Streams = []volume.StreamInfo{}
	}
	if !f.Rec.IsBase() {
		b := uint64(f.Rec.Base.Record())
		s.Base = &b
	}
	if !f.IsDir() {
		s.Size = f.Size()
	}
	names, err := f.Names()
	if err != nil {
		s.Errors = append(s.Errors, err.Error())
	}
	for _, fn := range names {
		s.Names = append(s.Names, nameOf(v, fn))
	}
	s.Reparse = describeReparse(f)
	if t, ok := f.Interix(); ok {
		s.Interix = t
	}
	if si, err := f.StandardInfo(); err == nil {
		t := timesOf(si.Created, si.Modified, si.MFTModified, si.Accessed)
		s.Times = &t
		if n := si.Attributes.Names(); n != nil {
			s.Attributes = n
		}
		s.SecurityID = si.SecurityID
	} else if f.Rec.IsBase() { // extension records have no $STANDARD_INFORMATION
		s.Errors = append(s.Errors, err.Error())
	}
	if f.Rec.IsBase() {
		s.Security = securityOf(v, f)
		s.Shortcut = shortcutOf(path, f)
	}
	for _, a := range f.Attrs() {
		r := rawAttrJSON{Type: a.Type.String(), Name: a.NameString(), ID: a.ID, Resident: !a.NonResident,
			Flags: flagList(a.Flags.String())}
		if a.NonResident {
			r.Size = a.DataSize
			vcn, runs := int64(a.StartVCN), len(a.Runs)
			r.StartVCN, r.Runs = &vcn, &runs
		} else {
			r.Size = int64(len(a.Value))
		}
		s.AttributesList = append(s.AttributesList, r)
	}
	return s
}

func printStat(w io.Writer, s *statJSON) error {
	var b strings.Builder
	kv := func(k, format string, args ...any) {
		fmt.Fprintf(&b, "%-13s %s\n", k+":", fmt.Sprintf(format, args...))
	}
	kv("path", "%s", s.Path)
	rec := fmt.Sprintf("%d  seq %d  links %d", s.Record, s.Seq, s.Links)
	if s.Base != nil {
		rec += fmt.Sprintf("  extension of record %d", *s.Base)
	}
	kv("record", "%s", rec)
	kv("flags", "%s", listOrNone(s.Flags))
	kv("type", "%s", s.Type)
	kv("size", "%d", s.Size)
	kv("attributes", "%s", listOrNone(s.Attributes))
	kv("security id", "%d", s.SecurityID)
	printSecurity(kv, s.Security)
	printShortcut(kv, s.Shortcut)
	if s.Times != nil {
		kv("created", "%s", orDash(s.Times.Created))
		kv("modified", "%s", orDash(s.Times.Modified))
		kv("mft modified", "%s", orDash(s.Times.MFTModified))
		kv("accessed", "%s", orDash(s.Times.Accessed))
	}
	if r := s.Reparse; r != nil {
		kv("reparse", "%s (0x%08X) %s", orDash(r.Tag), r.TagValue, orDash(r.Kind))
		if r.Target != "" || r.PrintName != "" {
			kv("  target", "%s", r.Target)
			kv("  print name", "%s", r.PrintName)
			kv("  relative", "%v", r.Relative)
		}
		if r.Data != "" {
			kv("  data", "%s", r.Data)
		}
		if r.Error != "" {
			kv("  error", "%s", r.Error)
		}
	}
	if s.Interix != "" {
		kv("interix", "%s", s.Interix)
	}
	fmt.Fprintf(&b, "names:\n")
	for _, n := range s.Names {
		fmt.Fprintf(&b, "  %s\n", n.Path)
		fmt.Fprintf(&b, "    namespace %s  parent %d seq %d\n", n.Namespace, n.Parent, n.ParentSeq)
		fmt.Fprintf(&b, "    created %s  modified %s  mft modified %s  accessed %s\n",
			orDash(n.Times.Created), orDash(n.Times.Modified), orDash(n.Times.MFTModified), orDash(n.Times.Accessed))
	}
	fmt.Fprintf(&b, "streams:\n")
	for _, st := range s.Streams {
		name := st.Name
		if name == "" {
			name = `""`
		}
		var extra []string
		if st.Resident {
			extra = append(extra, "resident")
		} else {
			extra = append(extra, "non-resident")
		}
		if st.Sparse {
			extra = append(extra, "sparse")
		}
		if st.Compressed {
			extra = append(extra, "compressed")
		}
		if st.Encrypted {
			extra = append(extra, "encrypted")
		}
		fmt.Fprintf(&b, "  %s  size %d  allocated %d  %s\n", name, st.Size, st.Allocated, strings.Join(extra, " "))
	}
	fmt.Fprintf(&b, "attributes list:\n")
	for _, a := range s.AttributesList {
		line := "  " + a.Type
		if a.Name != "" {
			line += ":" + a.Name
		}
		line += fmt.Sprintf("  id %d", a.ID)
		if a.Resident {
			line += fmt.Sprintf("  resident  size %d", a.Size)
		} else {
			line += fmt.Sprintf("  non-resident  size %d  start vcn %d  runs %d", a.Size, *a.StartVCN, *a.Runs)
		}
		if len(a.Flags) > 0 {
			line += "  " + strings.Join(a.Flags, " ")
		}
		fmt.Fprintln(&b, line)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	return strings.Join(l, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
