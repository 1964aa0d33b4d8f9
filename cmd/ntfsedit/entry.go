package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/reparse"
	"github.com/ntfsedit/ntfsedit/volume"
)

// reparseJSON is the JSON form of a reparse point (the contract other tools
// rely on: tag, tag_value, target, print_name, relative).
type reparseJSON struct {
	Tag       string `json:"tag"`
	TagValue  uint32 `json:"tag_value"`
	Kind      string `json:"kind"`
	Target    string `json:"target"`
	PrintName string `json:"print_name"`
	Relative  bool   `json:"relative"`
	Data      string `json:"data,omitempty"` // hex of the data of undecoded kinds
	Error     string `json:"error,omitempty"`
}

// entryJSON is the JSON form of one name of a file (find, ls).
type entryJSON struct {
	Path       string       `json:"path"`
	Record     uint64       `json:"record"`
	Seq        uint16       `json:"seq"`
	Type       string       `json:"type"`
	Links      int          `json:"links"`
	Size       int64        `json:"size"`
	Attributes []string     `json:"attributes,omitempty"`
	Modified   string       `json:"modified,omitempty"`
	Reparse    *reparseJSON `json:"reparse,omitempty"`
	Interix    string       `json:"interix,omitempty"`
	Streams    []string     `json:"streams,omitempty"`
}

func fileType(f *volume.File) string {
	if f.IsDir() {
		return "dir"
	}
	return "file"
}

// describeReparse decodes f's reparse point; nil when it has none.
func describeReparse(f *volume.File) *reparseJSON {
	p, err := f.Reparse()
	if p == nil && err == nil {
		return nil
	}
	if err != nil {
		return &reparseJSON{Error: err.Error()}
	}
	r := &reparseJSON{Tag: p.Tag.String(), TagValue: uint32(p.Tag)}
	t, err := p.Describe()
	r.Kind, r.Target, r.PrintName, r.Relative = t.Kind, t.Target, t.PrintName, t.Relative
	if err != nil {
		r.Error = err.Error()
	}
	if t.Kind == reparse.KindOther || err != nil {
		r.Data = hex.EncodeToString(p.Data)
	}
	return r
}

// describe builds the entry for one path of f.
func describe(path string, f *volume.File) entryJSON {
	e := entryJSON{
		Path:   path,
		Record: uint64(f.Number()),
		Seq:    f.Rec.Seq,
		Type:   fileType(f),
		Links:  f.LinkCount(),
	}
	if !f.IsDir() {
		e.Size = f.Size()
	}
	if si, err := f.StandardInfo(); err == nil {
		e.Attributes = attributeNames(si.Attributes)
		if si.Modified != 0 {
			e.Modified = si.Modified.String()
		}
	}
	e.Reparse = describeReparse(f)
	if t, ok := f.Interix(); ok {
		e.Interix = t
	}
	for _, s := range f.Streams() {
		if s.Name != "" {
			e.Streams = append(e.Streams, s.Name)
		}
	}
	return e
}

// isLink reports whether an entry is a symbolic link of any kind.
func (e *entryJSON) isLink() bool {
	if e.Interix != "" {
		return true
	}
	return e.Reparse != nil && (e.Reparse.Kind == reparse.KindJunction || e.Reparse.Kind == reparse.KindSymlink || e.Reparse.Kind == reparse.KindLXSymlink)
}

// namespaceName is the JSON and text name of a $FILE_NAME namespace:
// "posix", "win32", "dos" or "win32+dos".
func namespaceName(ns mft.Namespace) string { return ns.String() }

// timeString formats a FILETIME as RFC 3339 in UTC with nanoseconds;
// "" for a zero FILETIME (never set).
func timeString(ft mft.Filetime) string {
	if ft == 0 {
		return ""
	}
	return ft.Time().UTC().Format(time.RFC3339Nano)
}

// shortTime formats a FILETIME as RFC 3339 in UTC to the second; "-" for
// a zero FILETIME.
func shortTime(ft mft.Filetime) string {
	if ft == 0 {
		return "-"
	}
	return ft.Time().UTC().Format(time.RFC3339)
}

// flagList splits a "a|b|c" flag string into names; nil for none.
func flagList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

// linkTarget returns where an entry that is a link points, as stored:
// the substitute name of a junction or symlink, the target of a WSL or
// Interix symlink. ok is false when the entry is not a link.
func (e *entryJSON) linkTarget() (string, bool) {
	if !e.isLink() {
		return "", false
	}
	if e.Interix != "" {
		return e.Interix, true
	}
	return e.Reparse.Target, true
}

// typeChar is the first column of "ls -l": l for links, d for
// directories, - for files.
func (e *entryJSON) typeChar() string {
	switch {
	case e.isLink():
		return "l"
	case e.Type == "dir":
		return "d"
	}
	return "-"
}

// lookup resolves a path argument and names it in errors.
func lookup(v *volume.Volume, p string) (*volume.File, error) {
	f, err := v.Lookup(p)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, err // names the component that failed
		}
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return f, nil
}

// displayPath is the path to show for argument p naming file f: the
// cleaned path, or for "#N" the path rebuilt from the record's first
// name ("/" for the root, "#N" when the record has no name).
func displayPath(v *volume.Volume, p string, f *volume.File) string {
	if !strings.HasPrefix(p, "#") {
		return cleanStart(p)
	}
	if f.Number() == mft.RecordRoot {
		return "/"
	}
	if fn, ok := primaryFileName(f); ok {
		path, _ := v.PathOf(fn)
		return path
	}
	return p
}

// primaryFileName picks the name listings show for f: the first name that
// is not a separate DOS name, else the first name.
func primaryFileName(f *volume.File) (mft.FileName, bool) {
	names, err := f.Names()
	if err != nil || len(names) == 0 {
		return mft.FileName{}, false
	}
	for _, n := range names {
		if n.Namespace != mft.NamespaceDOS {
			return n, true
		}
	}
	return names[0], true
}
