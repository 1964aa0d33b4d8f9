package oracle

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// FlsEntry is one line of `fls -r -p`. Not an on-disk structure.
//
// Line format (TSK 4.11):
//
//	TYPE [* ]INODE[(realloc)]:<TAB>PATH
//	r/r 68-128-2:	dir1/dir2/deep.txt
//	-/r * 2133-128-2:	del2000/gone-0041.txt      (deleted: record is free)
//	r/- 2126:	del2000/gone-0034.txt              (entry to a record of another type)
//	r/r 2112-128-4:	ads.txt:secret                 (named $DATA stream)
//	d/r 2113-128-4:	ads-dir/.:dirstream            (stream of a directory, listed twice)
//	V/V 4092:	$OrphanFiles                       (TSK's virtual directory)
//
// TYPE is "name type/meta type": the first letter comes from the index entry
// ($FILE_NAME flags), the second from the MFT record; "-" means unknown.
// fls lists entries of index blocks that $BITMAP marks unused as if they were
// live (see NTFS-FACTS.md), never decodes reparse points (symlinks are r/r,
// junctions d/d) and always exits 0.
type FlsEntry struct {
	NameType string // "r", "d", "l", "V", "-" …
	MetaType string
	Deleted  bool   // "*": the name or its record is unallocated
	Realloc  bool   // "(realloc)": the record was reused by another file
	Record   uint64 // MFT record number
	AttrType int    // attribute type of INODE's N-T-I form (128 $DATA, 144 $INDEX_ROOT); 0 if absent
	AttrID   int    // attribute id of INODE's N-T-I form
	HasAttr  bool   // INODE had the N-T-I form
	Path     string // volume path with a leading "/", without ":stream"
	Stream   string // named stream after the last component's ':' ("" for none)
	Line     string // the raw line
}

// Live reports whether fls shows the entry as allocated (no "*").
func (e FlsEntry) Live() bool { return !e.Deleted }

var flsLine = regexp.MustCompile(`^(\S)/(\S) (\* )?(\d+)(?:-(\d+)-(\d+))?(\(realloc\))?:\t(.*)$`)

// ParseFls parses the output of `fls -r -p`.
//
// A ':' in the last path component is taken as the start of a stream name
// (fls's notation); a file name containing ':' (possible in the POSIX
// namespace) is therefore misread, which our fixtures avoid.
func ParseFls(out string) ([]FlsEntry, error) {
	var es []FlsEntry
	for n, line := range strings.Split(out, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		m := flsLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("oracle: fls line %d: unexpected format: %q", n+1, line)
		}
		e := FlsEntry{NameType: m[1], MetaType: m[2], Deleted: m[3] != "", Realloc: m[7] != "", Line: line}
		e.Record, _ = strconv.ParseUint(m[4], 10, 64)
		if m[5] != "" {
			e.HasAttr = true
			e.AttrType, _ = strconv.Atoi(m[5])
			e.AttrID, _ = strconv.Atoi(m[6])
		}
		p := m[8]
		dir, last := "", p
		if i := strings.LastIndexByte(p, '/'); i >= 0 {
			dir, last = p[:i+1], p[i+1:]
		}
		if i := strings.IndexByte(last, ':'); i >= 0 {
			e.Stream = last[i+1:]
			last = last[:i]
		}
		if last == "." { // "dir/.:stream": a stream of dir itself
			dir, last = strings.TrimSuffix(dir, "/"), ""
		}
		e.Path = "/" + dir + last
		if len(e.Path) > 1 {
			e.Path = strings.TrimSuffix(e.Path, "/")
		}
		es = append(es, e)
	}
	return es, nil
}

// Fls runs `fls -r -p [ARGS…] IMG` (ARGS such as "-o", "128" for a
// partition offset in sectors) and parses its output.
func Fls(t testing.TB, img string, args ...string) []FlsEntry {
	t.Helper()
	Require(t, "fls")
	out := Run(t, "fls", append(append([]string{"-r", "-p"}, args...), img)...)
	es, err := ParseFls(string(out))
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// IstatAttr is one line of istat's "Attributes:" section, e.g.
//
//	Type: $DATA (128-2)   Name: N/A   Non-Resident, Sparse   size: 10485760  init_size: 10485760
type IstatAttr struct {
	TypeName   string // "$DATA"
	Type       int    // 128
	ID         int
	Name       string // "" for unnamed ("N/A")
	Resident   bool
	Sparse     bool
	Compressed bool
	Encrypted  bool
	Size       int64
	InitSize   int64
}

// IstatResult is the parsed part of `istat IMG RECORD`. Not an on-disk structure.
type IstatResult struct {
	Record    uint64
	Seq       uint64
	Allocated bool
	Links     int
	Attrs     []IstatAttr
	Text      string // full output
}

var (
	istatEntry = regexp.MustCompile(`(?m)^Entry: (\d+)\s+Sequence: (\d+)`)
	istatLinks = regexp.MustCompile(`(?m)^Links: (\d+)`)
	istatAttr  = regexp.MustCompile(`^Type: (\S+) \((\d+)-(\d+)\)\s+Name: (.*?)\s{3}(Resident|Non-Resident(?:, [A-Za-z, ]+)?)\s+size: (\d+)(?:\s+init_size: (\d+))?`)
)

// ParseIstat parses the output of istat for one NTFS record.
func ParseIstat(out string) (IstatResult, error) {
	r := IstatResult{Text: out}
	m := istatEntry.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("oracle: istat: no \"Entry:\" line")
	}
	r.Record, _ = strconv.ParseUint(m[1], 10, 64)
	r.Seq, _ = strconv.ParseUint(m[2], 10, 64)
	r.Allocated = strings.Contains(out, "\nAllocated File")
	if m := istatLinks.FindStringSubmatch(out); m != nil {
		r.Links, _ = strconv.Atoi(m[1])
	}
	_, attrs, ok := strings.Cut(out, "\nAttributes: \n")
	if !ok {
		return r, nil
	}
	for line := range strings.Lines(attrs) {
		m := istatAttr.FindStringSubmatch(strings.TrimRight(line, "\n"))
		if m == nil {
			continue
		}
		a := IstatAttr{TypeName: m[1], Name: m[4], Resident: m[5] == "Resident"}
		a.Type, _ = strconv.Atoi(m[2])
		a.ID, _ = strconv.Atoi(m[3])
		if a.Name == "N/A" {
			a.Name = ""
		}
		a.Sparse = strings.Contains(m[5], "Sparse")
		a.Compressed = strings.Contains(m[5], "Compressed")
		a.Encrypted = strings.Contains(m[5], "Encrypted")
		a.Size, _ = strconv.ParseInt(m[6], 10, 64)
		a.InitSize, _ = strconv.ParseInt(m[7], 10, 64)
		r.Attrs = append(r.Attrs, a)
	}
	return r, nil
}

// Istat runs `istat [ARGS…] IMG RECORD` and parses its output.
func Istat(t testing.TB, img string, record uint64, args ...string) IstatResult {
	t.Helper()
	Require(t, "istat")
	out := Run(t, "istat", append(append(args, img), strconv.FormatUint(record, 10))...)
	r, err := ParseIstat(string(out))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Data returns the unnamed $DATA attribute, if any.
func (r IstatResult) Data() (IstatAttr, bool) {
	for _, a := range r.Attrs {
		if a.Type == 128 && a.Name == "" {
			return a, true
		}
	}
	return IstatAttr{}, false
}
