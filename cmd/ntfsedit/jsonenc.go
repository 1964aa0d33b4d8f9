package main

import (
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/ntfsedit/ntfsedit/mft"
)

// appendJSON appends e as encoding/json would marshal it (same field order,
// same escaping), without reflection: find --json writes one object per
// name of the volume, and this is its hot path. TestAppendJSON holds it to
// json.Marshal's output.
func (e *entryJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"path":`...)
	b = appendJSONString(b, e.Path)
	b = append(b, `,"record":`...)
	b = strconv.AppendUint(b, e.Record, 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, uint64(e.Seq), 10)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, e.Type)
	b = append(b, `,"links":`...)
	b = strconv.AppendInt(b, int64(e.Links), 10)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, e.Size, 10)
	if len(e.Attributes) > 0 {
		b = append(b, `,"attributes":`...)
		b = appendJSONStrings(b, e.Attributes)
	}
	if e.Modified != "" {
		b = append(b, `,"modified":`...)
		b = appendJSONString(b, e.Modified)
	}
	if r := e.Reparse; r != nil {
		b = append(b, `,"reparse":{"tag":`...)
		b = appendJSONString(b, r.Tag)
		b = append(b, `,"tag_value":`...)
		b = strconv.AppendUint(b, uint64(r.TagValue), 10)
		b = append(b, `,"kind":`...)
		b = appendJSONString(b, r.Kind)
		b = append(b, `,"target":`...)
		b = appendJSONString(b, r.Target)
		b = append(b, `,"print_name":`...)
		b = appendJSONString(b, r.PrintName)
		b = append(b, `,"relative":`...)
		b = strconv.AppendBool(b, r.Relative)
		if r.Data != "" {
			b = append(b, `,"data":`...)
			b = appendJSONString(b, r.Data)
		}
		if r.Error != "" {
			b = append(b, `,"error":`...)
			b = appendJSONString(b, r.Error)
		}
		b = append(b, '}')
	}
	if e.Interix != "" {
		b = append(b, `,"interix":`...)
		b = appendJSONString(b, e.Interix)
	}
	if len(e.Streams) > 0 {
		b = append(b, `,"streams":`...)
		b = appendJSONStrings(b, e.Streams)
	}
	return append(b, '}')
}

func appendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s like encoding/json with its default HTML
// escaping: <, > and & as \u00XX, invalid UTF-8 as U+FFFD, U+2028 and
// U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// attrNames caches FileAttributes.Names: a volume has few distinct values.
var attrNames sync.Map // mft.FileAttributes → []string

func attributeNames(a mft.FileAttributes) []string {
	if v, ok := attrNames.Load(a); ok {
		return v.([]string)
	}
	names := a.Names()
	attrNames.Store(a, names)
	return names
}
