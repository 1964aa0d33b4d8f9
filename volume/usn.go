package volume

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ntfsedit/ntfsedit/mft"
)

// USNJournalPath is where NTFS keeps its change journal: the $J stream of
// $Extend\$UsnJrnl.
const USNJournalPath = "/$Extend/$UsnJrnl:$J"

// ErrNoJournal is matched when a volume has no change journal.
var ErrNoJournal = errors.New("no USN change journal")

// JournalStream opens a journal stream named "PATH:STREAM" (USNJournalPath
// for the volume's own journal).
func (v *Volume) JournalStream(spec string) (*Stream, error) {
	i := strings.LastIndexByte(spec, ':')
	if i < 0 || strings.Contains(spec[i:], "/") {
		return nil, fmt.Errorf("volume: journal %q: want PATH:STREAM", spec)
	}
	f, err := v.Lookup(spec[:i])
	if err != nil {
		if spec == USNJournalPath {
			return nil, fmt.Errorf("volume: %w (%v)", ErrNoJournal, err)
		}
		return nil, err
	}
	return f.Stream(spec[i+1:])
}

// ByteRange is a range [Start, End) of bytes.
type ByteRange struct{ Start, End int64 }

// DataRanges returns the byte ranges of s that have clusters behind them,
// in order: sparse runs (the trimmed head of a change journal) are left
// out. A resident or compressed stream is one range.
func (s *Stream) DataRanges() []ByteRange {
	if s.resident != nil || s.cuShift != 0 {
		return []ByteRange{{0, s.size}}
	}
	var out []ByteRange
	cs := int64(s.v.clusterSize)
	for _, e := range s.runs {
		if e.Sparse {
			continue
		}
		a, b := int64(e.vcn)*cs, (int64(e.vcn)+e.Length)*cs
		b = min(b, s.size)
		if a >= b {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End == a {
			out[n-1].End = b
		} else {
			out = append(out, ByteRange{a, b})
		}
	}
	return out
}

// usnMaxRecord bounds one USN record: a name of 255 UTF-16 units makes a
// record well below 1 KiB; anything above 64 KiB is corruption.
const usnMaxRecord = 1 << 16

// usnChunk is how much of a journal is read at once.
const usnChunk = 1 << 20

// USNError locates a journal record that could not be decoded.
type USNError struct {
	Offset int64 // in the journal stream
	Err    error
}

func (e *USNError) Error() string {
	return fmt.Sprintf("volume: USN journal offset %d (0x%x): %v", e.Offset, e.Offset, e.Err)
}

func (e *USNError) Unwrap() error { return e.Err }

// ScanUSN calls fn for every record in the given ranges of a journal
// stream r (see Stream.DataRanges; a bare $J file is one range), in
// order, with the record's offset. Zero bytes between records (the
// padding at the end of each page) are skipped. A record that cannot be
// decoded is reported to fn as a *USNError with a nil record, and the
// scan resumes 8 bytes further. An error returned by fn stops the scan.
func ScanUSN(r io.ReaderAt, ranges []ByteRange, fn func(off int64, rec *mft.USNRecord, err error) error) error {
	buf := make([]byte, usnChunk+usnMaxRecord)
	for _, rg := range ranges {
		pos := rg.Start
		for pos < rg.End {
			n := int(min(int64(len(buf)), rg.End-pos))
			if _, err := r.ReadAt(buf[:n], pos); err != nil && !(errors.Is(err, io.EOF)) {
				return &USNError{Offset: pos, Err: err}
			}
			b := buf[:n]
			last := pos+int64(n) >= rg.End
			i := 0
			for i+8 <= len(b) {
				l := int(mft.USNRecordLength(b[i:]))
				if l == 0 {
					i += 8
					continue
				}
				if l > usnMaxRecord || l%8 != 0 || l < 8 {
					if err := fn(pos+int64(i), nil, &USNError{Offset: pos + int64(i), Err: fmt.Errorf("record length %d", l)}); err != nil {
						return err
					}
					i += 8
					continue
				}
				if i+l > len(b) && !last {
					break // read on from this record
				}
				rec, err := mft.DecodeUSNRecord(b[i:])
				if err != nil {
					if err := fn(pos+int64(i), nil, &USNError{Offset: pos + int64(i), Err: err}); err != nil {
						return err
					}
					i += 8
					continue
				}
				if err := fn(pos+int64(i), &rec, nil); err != nil {
					return err
				}
				i += l
			}
			if i == 0 && !last {
				i = 8 // cannot happen with a buffer larger than a record; never loop
			}
			if last && i+8 > len(b) {
				i = len(b)
			}
			pos += int64(i)
		}
	}
	return nil
}

// USNPath is where a journal record's file is now, as far as the volume
// tells.
//
// Not an on-disk structure.
type USNPath struct {
	Path string
	// Stale is set when the path could not be rebuilt from the record's
	// references: the parent (or an ancestor) was deleted or its record
	// reused (sequence number mismatch). Path then starts with /$Orphan/.
	Stale bool
}

// USNPaths resolves the paths of journal records, caching directories.
//
// Not an on-disk structure.
type USNPaths struct {
	v    *Volume
	dirs map[mft.FileRef]USNPath
}

// NewUSNPaths returns a resolver for v.
func (v *Volume) NewUSNPaths() *USNPaths {
	return &USNPaths{v: v, dirs: map[mft.FileRef]USNPath{}}
}

// Of rebuilds the path of rec from its parent reference and name (V2,
// V3); a V4 record has no name, so its file reference is followed when
// it still names the same file.
func (p *USNPaths) Of(rec *mft.USNRecord) USNPath {
	name, parent := rec.NameString(), rec.Parent
	if rec.Major == 4 || len(rec.Name) == 0 {
		f, err := p.v.File(rec.File.Record())
		if err != nil || !f.InUse() || f.Rec.Seq != rec.File.Seq() {
			return USNPath{Path: fmt.Sprintf("/$Orphan/#%d", rec.File.Record()), Stale: true}
		}
		fn, ok := firstName(f)
		if !ok {
			return USNPath{Path: fmt.Sprintf("/$Orphan/#%d", rec.File.Record()), Stale: true}
		}
		name, parent = fn.NameString(), fn.Parent
	}
	dir, ok := p.dirs[parent]
	if !ok {
		full, good := p.v.PathOf(mft.FileName{Parent: parent, Name: mft.NameUnits("x")})
		dir = USNPath{Path: strings.TrimSuffix(full, "/x"), Stale: !good}
		p.dirs[parent] = dir
	}
	return USNPath{Path: dir.Path + "/" + name, Stale: dir.Stale}
}

// firstName is the first name of f that is not a separate DOS name.
func firstName(f *File) (mft.FileName, bool) {
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
