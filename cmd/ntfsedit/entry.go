package main

import (
	"encoding/hex"

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
		e.Attributes = si.Attributes.Names()
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

var _ = mft.RecordRoot
