package oracle

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// FsEntry is what `fsntfsinfo -E all` (libfsntfs 20200921) reports for one MFT
// entry. Not an on-disk structure.
//
// Output format, one block per entry, key and value separated by tabs and ": ":
//
//	MFT entry: 2097 information:
//		Is allocated			: true
//		File reference			: 2097-2
//		Base record file reference	: Not set (0)      (or "80-1" in an extension record)
//		…
//	Attribute: 2
//		Type				: $FILE_NAME (0x00000030)
//		Parent file reference		: 5-5
//		Name space			: POSIX (0)
//		Name				: junction
//	Attribute: 5
//		Type				: $REPARSE_POINT (0x000000c0)
//		Tag				: 0xa0000003
//		Substitute name			: \??\C:\target
//		Print name			: C:\target        (line absent when the print name is empty)
//
// The base entry of a record with an $ATTRIBUTE_LIST lists the attributes of
// its extension records too; extension records are reported again on their
// own (Base != 0). fsntfsinfo does not print the symlink flags (relative or
// not), ignores fixup errors, and mis-decodes UTF-16 surrogate pairs (😀
// U+1F600 comes out as U+1F201), so names outside the BMP cannot be compared.
type FsEntry struct {
	Record    uint64
	Seq       uint64
	Allocated bool
	Base      uint64 // base record of an extension record; 0 for a base record
	Flags     uint32 // $STANDARD_INFORMATION file attribute flags
	Names     []FsName
	Reparse   *FsReparse
	DataSize  int64 // size of the unnamed $DATA, -1 when there is none
	Streams   []FsStream
}

// FsName is one $FILE_NAME attribute.
type FsName struct {
	Parent    uint64
	ParentSeq uint64
	Namespace string // "POSIX", "Windows", "DOS", "DOS and Windows"
	Name      string
}

// FsReparse is a decoded $REPARSE_POINT.
type FsReparse struct {
	Tag        uint32
	Substitute string
	Print      string
}

// FsStream is a named $DATA attribute.
type FsStream struct {
	Name string
	Size int64
}

var (
	fsEntryLine = regexp.MustCompile(`^MFT entry: (\d+) information:$`)
	fsKeyValue  = regexp.MustCompile(`^\t([^\t]+)\t+: ?(.*)$`)
	fsRef       = regexp.MustCompile(`^(\d+)-(\d+)$`)
	fsBaseRef   = regexp.MustCompile(`^(\d+)-(\d+)`)
	fsSize      = regexp.MustCompile(`^(\d+) bytes`)
)

// ParseFsntfsinfo parses the output of `fsntfsinfo -E all`.
func ParseFsntfsinfo(out string) ([]FsEntry, error) {
	var (
		es   []FsEntry
		cur  *FsEntry
		typ  string // type of the current attribute
		name *FsName
		data *FsStream // the current $DATA attribute
	)
	flushData := func() {
		if cur != nil && data != nil {
			if data.Name == "" {
				if cur.DataSize < 0 {
					cur.DataSize = data.Size
				}
			} else {
				cur.Streams = append(cur.Streams, *data)
			}
		}
		data = nil
	}
	flushEntry := func() {
		flushData()
		if cur != nil {
			es = append(es, *cur)
		}
		cur, typ, name = nil, "", nil
	}
	for n, line := range strings.Split(out, "\n") {
		if m := fsEntryLine.FindStringSubmatch(line); m != nil {
			flushEntry()
			rec, _ := strconv.ParseUint(m[1], 10, 64)
			cur = &FsEntry{Record: rec, DataSize: -1}
			continue
		}
		if cur == nil {
			continue
		}
		if strings.HasPrefix(line, "Attribute: ") {
			flushData()
			typ, name = "", nil
			continue
		}
		m := fsKeyValue.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		key, val := m[1], m[2]
		bad := func(err error) error {
			return fmt.Errorf("oracle: fsntfsinfo line %d (record %d): %s: %q: %v", n+1, cur.Record, key, val, err)
		}
		switch {
		case key == "Type":
			typ, _, _ = strings.Cut(val, " ")
			switch typ {
			case "$FILE_NAME":
				cur.Names = append(cur.Names, FsName{})
				name = &cur.Names[len(cur.Names)-1]
			case "$REPARSE_POINT":
				cur.Reparse = &FsReparse{}
			case "$DATA":
				data = &FsStream{}
			}
		case typ == "":
			switch key {
			case "Is allocated":
				cur.Allocated = val == "true"
			case "File reference":
				if r := fsRef.FindStringSubmatch(val); r != nil {
					cur.Seq, _ = strconv.ParseUint(r[2], 10, 64)
				}
			case "Base record file reference":
				if r := fsBaseRef.FindStringSubmatch(val); r != nil {
					cur.Base, _ = strconv.ParseUint(r[1], 10, 64)
				}
			}
		case typ == "$STANDARD_INFORMATION" && key == "File attribute flags":
			v, err := strconv.ParseUint(strings.TrimPrefix(val, "0x"), 16, 32)
			if err != nil {
				return nil, bad(err)
			}
			cur.Flags = uint32(v)
		case typ == "$FILE_NAME" && name != nil:
			switch key {
			case "Parent file reference":
				if r := fsRef.FindStringSubmatch(val); r != nil {
					name.Parent, _ = strconv.ParseUint(r[1], 10, 64)
					name.ParentSeq, _ = strconv.ParseUint(r[2], 10, 64)
				}
			case "Name space":
				name.Namespace, _, _ = strings.Cut(val, " (")
			case "Name":
				name.Name = val
			}
		case typ == "$REPARSE_POINT":
			switch key {
			case "Tag":
				v, err := strconv.ParseUint(strings.TrimPrefix(val, "0x"), 16, 32)
				if err != nil {
					return nil, bad(err)
				}
				cur.Reparse.Tag = uint32(v)
			case "Substitute name":
				cur.Reparse.Substitute = val
			case "Print name":
				cur.Reparse.Print = val
			}
		case typ == "$DATA" && data != nil:
			switch key {
			case "Data size":
				if r := fsSize.FindStringSubmatch(val); r != nil {
					data.Size, _ = strconv.ParseInt(r[1], 10, 64)
				}
			case "Name":
				data.Name = val
			}
		}
	}
	flushEntry()
	return es, nil
}

// Fsntfsinfo runs `fsntfsinfo [ARGS…] -E all IMG` (ARGS such as "-o",
// "65536" for a volume offset in bytes) and returns the entries by record
// number.
func Fsntfsinfo(t testing.TB, img string, args ...string) map[uint64]FsEntry {
	t.Helper()
	Require(t, "fsntfsinfo")
	out := Run(t, "fsntfsinfo", append(append(args, "-E", "all"), img)...)
	es, err := ParseFsntfsinfo(string(out))
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[uint64]FsEntry, len(es))
	for _, e := range es {
		m[e.Record] = e
	}
	return m
}
