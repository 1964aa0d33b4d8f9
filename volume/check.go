package volume

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/ntfsedit/ntfsedit/mft"
)

// CheckOptions tune Check.
type CheckOptions struct {
	// NoPaths leaves Finding.Path empty (paths are rebuilt from parent
	// references for each finding, a few record reads each).
	NoPaths bool
	// Progress, when set, is called after each stage and every few
	// thousand records with the stage name and work done of total.
	Progress func(stage string, done, total int64)
}

// maxPaths bounds how many findings get a path: a badly broken volume can
// have a finding per record, and each path costs record reads.
const maxPaths = 10000

// Check verifies the consistency of the volume the way chkdsk does, and
// returns what it found in a stable order: boot sector, $MFTMirr, records
// (in record order), directory indexes (in directory record order), names,
// link counts, allocation bitmaps, reparse points, security ids. The error
// is for a volume that cannot be checked at all; inconsistencies are
// findings, never errors.
//
// One sequential pass over $MFT (two goroutines, a batch of records at a
// time) decodes every record once and keeps, per record, what the later
// stages need: sequence number, flags, link count, a hash of each
// $FILE_NAME with its parent, sizes, reparse tag, security id and the
// clusters of non-resident attributes. Each directory's $I30 B-tree is then
// walked once (INDX blocks read whole), every entry resolved against that
// table. The bitmaps are compared in memory.
//
// On a bare $MFT (OpenMFTFile) only the record-level checks run: headers,
// fixups, attributes, link counts, names whose parent is not a directory.
//
// How the link count is counted (as Windows keeps it, and ntfs-3g and
// ntfs3 agree): the record header's count (0x12) equals the number of
// $FILE_NAME attributes of the file, across its extension records. A name
// in the Win32&DOS namespace (one attribute) counts once; a long Win32 name
// with a separate DOS 8.3 name (two attributes) counts twice, although
// it is one link for the user (ntfs3's st_nlink leaves DOS names out).
// TestCheckDOSNameLinkCount checks this against a DOS name set by ntfs-3g.
func (v *Volume) Check(opts CheckOptions) ([]Finding, error) {
	c := &checker{v: v, opts: opts, seed: maphash.MakeSeed()}
	return c.run()
}

// Check is v.Check(opts).
func Check(v *Volume, opts CheckOptions) ([]Finding, error) { return v.Check(opts) }

// checker holds the state of one Check. Not an on-disk structure.
type checker struct {
	v    *Volume
	opts CheckOptions
	seed maphash.Seed

	mftBitmap  []byte // $MFT:$BITMAP; nil on a bare $MFT
	recs       []checkRec
	names      []checkName // sorted by record
	matched    []atomic.Bool
	extents    []extentClaim
	dirs       []mft.RecordNumber        // records with an $I30 $INDEX_ROOT
	exts       []extRef                  // extension records in use
	lists      []extRef                  // what attribute lists name (rec: the base, base: the named record)
	broken     []bool                    // directories whose index could not be read whole, by record
	extendDirs map[mft.RecordNumber]bool // $Extend and the directories below it

	findings []Finding

	mu         sync.Mutex
	entryNames map[mft.RecordNumber]entryName // an index entry of each bad record, for its path
}

// entryName is where an index entry names a record.
type entryName struct {
	dir  mft.RecordNumber
	name string
}

// noteEntry remembers an index entry naming a record that could not be
// decoded, so that its findings get a path.
func (c *checker) noteEntry(r, dir mft.RecordNumber, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entryNames == nil {
		c.entryNames = map[mft.RecordNumber]entryName{}
	}
	if _, ok := c.entryNames[r]; !ok {
		c.entryNames[r] = entryName{dir, name}
	}
}

// checkRec is what the record pass keeps of one record. Not an on-disk
// structure.
type checkRec struct {
	dataSize  int64  // unnamed $DATA data size
	tag       uint32 // reparse tag, when flagReparse
	secID     uint32 // $STANDARD_INFORMATION security id
	fileAttrs uint32 // $STANDARD_INFORMATION file attributes
	nameStart int32  // first name in checker.names
	nameCount uint16
	seq       uint16
	links     uint16
	flags     uint16
}

// checkRec flags.
const (
	flagInUse   = 1 << iota // in use (base or extension)
	flagBase                // a base record in use
	flagDir                 // record header's directory flag
	flagI30                 // has an $I30 $INDEX_ROOT
	flagReparse             // has a $REPARSE_POINT
	flagData                // has an unnamed $DATA
	flagBad                 // could not be decoded: checks that need its attributes are skipped
	flagSI                  // has a $STANDARD_INFORMATION
	flagSecID               // $STANDARD_INFORMATION holds a security id (NTFS 3.x)
)

// checkName is one $FILE_NAME attribute: its record, parent, and a hash of
// its name (UTF-16LE bytes as stored). Not an on-disk structure.
type checkName struct {
	hash   uint64
	parent mft.FileRef
	rec    uint32
	ns     mft.Namespace
}

// extentClaim is a run of clusters a non-resident attribute claims. Not an
// on-disk structure.
type extentClaim struct {
	rec   mft.RecordNumber
	typ   mft.AttrType
	start int64
	n     int64
}

// extRef is an extension record and the base it names.
type extRef struct {
	rec  mft.RecordNumber
	base mft.FileRef
}

func (c *checker) add(f Finding) { c.findings = append(c.findings, f) }

func (c *checker) progress(stage string, done, total int64) {
	if c.opts.Progress != nil {
		c.opts.Progress(stage, done, total)
	}
}

func (c *checker) run() ([]Finding, error) {
	v := c.v
	if v.records == 0 {
		return nil, fmt.Errorf("volume: check: $MFT holds no records")
	}
	bare := v.mftOnly != nil
	if !bare {
		c.checkBoot()
		c.checkMirror()
		c.loadMFTBitmap()
	}
	if err := c.scanMFT(); err != nil {
		return nil, err
	}
	c.progress("records", v.records, v.records)
	c.checkExtensions()
	if !bare {
		c.checkIndexes()
		c.progress("indexes", int64(len(c.dirs)), int64(len(c.dirs)))
	}
	c.checkNames(bare)
	c.checkLinkCounts()
	if !bare {
		c.checkClusters()
		c.checkReparse()
		c.checkSecurity()
	}
	c.addPaths()
	return c.findings, nil
}

// nameHash hashes a name's UTF-16LE bytes.
func (c *checker) nameHash(b []byte) uint64 { return maphash.Bytes(c.seed, b) }

// namesOf returns the names of record r.
func (c *checker) namesOf(r mft.RecordNumber) []checkName {
	ri := &c.recs[r]
	return c.names[ri.nameStart : int(ri.nameStart)+int(ri.nameCount)]
}

// recordDevOffset returns the volume byte offset of byte off of record n,
// or 0 when it cannot be mapped (a bare $MFT).
func (c *checker) recordDevOffset(n mft.RecordNumber, off int) int64 {
	return c.v.streamDevOffset(c.v.mft, int64(n)*int64(c.v.recordSize)+int64(off))
}

// streamDevOffset maps a stream offset to a volume byte offset (0 when it
// is resident, sparse or unmapped).
func (v *Volume) streamDevOffset(s *Stream, off int64) int64 {
	if s == nil || s.resident != nil || v.mftOnly != nil {
		return 0
	}
	cs := int64(v.clusterSize)
	i := s.find(mft.VCN(off / cs))
	if i < 0 || s.runs[i].Sparse {
		return 0
	}
	e := s.runs[i]
	return int64(e.Start)*cs + off - int64(e.vcn)*cs
}

// addPaths fills Finding.Path from the record's (or parent's) first name.
func (c *checker) addPaths() {
	if c.opts.NoPaths {
		return
	}
	cache := map[mft.RecordNumber]string{}
	var pathOf func(n mft.RecordNumber) string
	pathOf = func(n mft.RecordNumber) string {
		if p, ok := cache[n]; ok {
			return p
		}
		cache[n] = "" // a loop through entryNames ends here
		p := ""
		if n == mft.RecordRoot {
			p = "/"
		} else if int64(n) < c.v.records && c.recs[n].flags&flagBase != 0 {
			if rec, err := c.v.Record(n); err == nil {
				if name, parent, ok := primaryName(rec); ok {
					fn := mft.FileName{Parent: parent, Name: mft.NameUnits(name)}
					if pi := c.v.ResolvePath(fn); !pi.Orphan {
						p = pi.Path
					}
				}
			}
		}
		if e, ok := c.entryNames[n]; ok && p == "" {
			if dp := pathOf(e.dir); dp != "" {
				p = JoinPath(dp, e.name)
			}
		}
		cache[n] = p
		return p
	}
	for i := range c.findings {
		if i >= maxPaths {
			break
		}
		f := &c.findings[i]
		if f.Path != "" {
			continue
		}
		switch {
		case f.Parent != 0 && f.Name != "":
			if p := pathOf(f.Parent); p != "" {
				f.Path = JoinPath(p, f.Name)
			}
		case f.Record != 0 || f.Code == CodeMFTBitmap || f.Code == CodeRecordFixup || f.Code == CodeRecordHeader || f.Code == CodeRecordNumber || f.Code == CodeDirFlag:
			f.Path = pathOf(f.Record)
		}
	}
}

// equalBytes is bytes.Equal, named for what the checks compare.
var equalBytes = bytes.Equal
