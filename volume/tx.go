package volume

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// Errors of the writer.
var (
	// ErrReadOnly is returned by Update on a volume opened with Open.
	ErrReadOnly = errors.New("volume: opened read-only")
	// ErrUnsafe is matched by OpenWritable's error for a volume Windows
	// has not left clean (dirty flag, hibernation, $LogFile to replay);
	// WriteOptions.Force overrides it.
	ErrUnsafe = errors.New("volume: not safe to write")
	// ErrTxOpen is returned by Update called inside a transaction.
	ErrTxOpen = errors.New("volume: a transaction is already open")
	// ErrBroken is matched after a commit failed half way: the journal is
	// kept and the volume must be reopened, which replays it.
	ErrBroken = errors.New("volume: commit interrupted; reopen to replay the journal")
	// ErrNoSpace is returned when no free cluster or MFT record is left.
	ErrNoSpace = errors.New("volume: no space left")
	// ErrExist and ErrNotExist name paths that must not or must exist.
	ErrExist    = errors.New("volume: already exists")
	ErrNotExist = errors.New("volume: no such file or directory")
	// ErrNotEmpty is returned by Rmdir for a directory with entries.
	ErrNotEmpty = errors.New("volume: directory not empty")
	// ErrInvalid marks input a Windows volume would refuse.
	ErrInvalid = errors.New("volume: invalid argument")
)

// WriteOptions tune a writable volume.
type WriteOptions struct {
	// Journal keeps the redo journal; nil means a file next to the image
	// (DefaultJournal).
	Journal JournalStore
	// Force writes to a volume that is dirty, hibernated or has a
	// $LogFile to replay.
	Force bool
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
	// DOSNames gives new names an 8.3 DOS twin as Windows does.
	DOSNames bool
	// FirstRecord is the lowest MFT record a new file may get (below 24,
	// the default, records are reserved; ntfs-3g starts at 64).
	FirstRecord mft.RecordNumber
}

// OpenWritable opens the volume at path (IMAGE@N picks a partition) for
// editing. A journal left by an interrupted commit is replayed first
// (ReplayInfo says so); a volume that Windows did not leave clean is
// refused (ErrUnsafe) unless w.Force is set.
func OpenWritable(path string, opts Options, w WriteOptions) (*Volume, error) {
	p, part, err := ParseImageSpec(path, nil)
	if err != nil {
		return nil, err
	}
	if part != 0 && opts.Partition == 0 {
		opts.Partition = part
	}
	if w.Journal == nil {
		w.Journal = FileJournal(DefaultJournal(p))
	}
	dev, err := OpenDevice(p, true)
	if err != nil {
		return nil, err
	}
	v, err := OpenWritableOn(dev, opts, w)
	if err != nil {
		dev.Close()
		return nil, err
	}
	return v, nil
}

// OpenWritableOn is OpenWritable on an open device; w.Journal must be set.
// Closing the volume closes dev.
func OpenWritableOn(dev Device, opts Options, w WriteOptions) (*Volume, error) {
	if w.Journal == nil {
		return nil, errors.New("volume: OpenWritableOn needs a journal store")
	}
	info := Info{Device: deviceName(dev)}
	vdev, err := selectVolume(dev, opts, &info)
	if err != nil {
		return nil, err
	}
	s := make([]byte, 512)
	if _, err := vdev.ReadAt(s, 0); err != nil {
		return nil, fmt.Errorf("volume: read boot sector: %w", err)
	}
	boot, err := DecodeBootSector(s)
	if err != nil {
		return nil, err
	}
	rep, err := replayJournal(vdev, w.Journal, boot.Serial, info.Offset)
	if err != nil {
		return nil, err
	}
	ov := newOverlay(vdev)
	v := &Volume{dev: ov, info: info, ov: ov, journal: w.Journal, wopts: w, replay: rep}
	if err := v.load(opts); err != nil {
		return nil, err
	}
	ov.onWrite = func(off, n int64) { v.cache.Invalidate(off, n) }
	ov.readClean = func(p []byte, off int64) (int, error) { return v.cache.ReadAt(p, off) }
	if !w.Force {
		if err := v.checkSafe(); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Replay reports what opening did with a leftover journal (nil: none).
func (v *Volume) Replay() *ReplayInfo { return v.replay }

// Writable reports whether the volume was opened with OpenWritable.
func (v *Volume) Writable() bool { return v.ov != nil }

// checkSafe refuses volumes Windows has not left clean.
func (v *Volume) checkSafe() error {
	var why []string
	if v.info.Dirty {
		why = append(why, "the volume is marked dirty (let chkdsk check it first)")
	}
	if h, err := v.hibernated(); err != nil {
		why = append(why, err.Error())
	} else if h {
		why = append(why, "Windows is hibernated on it (hiberfil.sys holds a hibernation image)")
	}
	if err := v.logFileClean(); err != nil {
		why = append(why, err.Error())
	}
	if len(why) > 0 {
		return fmt.Errorf("%w: %s; --force writes anyway", ErrUnsafe, strings.Join(why, "; "))
	}
	return nil
}

// hibernated reports whether /hiberfil.sys starts with a hibernation
// signature ("hibr", or "HIBR"; "wake" means resumed).
func (v *Volume) hibernated() (bool, error) {
	f, err := v.Lookup("/hiberfil.sys")
	if err != nil {
		return false, nil
	}
	s, err := f.Stream("")
	if err != nil || s.Size() < 4 {
		return false, nil
	}
	b := make([]byte, 4)
	if err := s.readFull(b, 0); err != nil {
		return false, fmt.Errorf("hiberfil.sys unreadable: %v", err)
	}
	return strings.EqualFold(string(b), "hibr"), nil
}

// logFileClean checks $LogFile's restart area as ntfs-3g does: a log that
// was emptied (all 0xFF) or whose restart area says the volume is clean (no
// client in use, or the clean flag) needs no replay.
func (v *Volume) logFileClean() error {
	f, err := v.File(mft.RecordLogFile)
	if err != nil {
		return fmt.Errorf("$LogFile unreadable: %v", err)
	}
	s, err := f.Stream("")
	if err != nil {
		return fmt.Errorf("$LogFile unreadable: %v", err)
	}
	n := min(s.Size(), 4096)
	b := make([]byte, n)
	if err := s.readFull(b, 0); err != nil {
		return fmt.Errorf("$LogFile unreadable: %v", err)
	}
	if bytes.Count(b, []byte{0xFF}) == len(b) {
		return nil
	}
	if n < 512 || (string(b[:4]) != "RSTR" && string(b[:4]) != "CHKD") {
		return fmt.Errorf("$LogFile has no restart page (signature %q)", b[:4])
	}
	pageSize := int64(le32(b[0x10:]))
	if pageSize < 512 || pageSize > 65536 || pageSize&(pageSize-1) != 0 {
		return fmt.Errorf("$LogFile restart page size %d", pageSize)
	}
	page := make([]byte, pageSize)
	if err := s.readFull(page, 0); err != nil {
		return fmt.Errorf("$LogFile unreadable: %v", err)
	}
	if err := mft.ApplyFixups(page); err != nil {
		return fmt.Errorf("$LogFile restart page: %v", err)
	}
	ra := int(uint16(page[0x18]) | uint16(page[0x19])<<8)
	if ra+0x10 > len(page) {
		return fmt.Errorf("$LogFile restart area offset %#x", ra)
	}
	inUse := uint16(page[ra+0x0C]) | uint16(page[ra+0x0D])<<8
	flags := uint16(page[ra+0x0E]) | uint16(page[ra+0x0F])<<8
	if inUse != 0xFFFF && flags&0x0002 == 0 {
		return errors.New("$LogFile has records to replay (Windows was not shut down cleanly)")
	}
	return nil
}

// Plan lists what a transaction changes (or would change, for a dry
// run): records, index blocks and bitmap ranges.
type Plan struct {
	Records     []PlanRecord `json:"records"`
	IndexBlocks []PlanBlock  `json:"index_blocks"`
	Bitmaps     []PlanBits   `json:"bitmaps"`
	// Bytes is the metadata written through the journal (in 4 KiB
	// pages); DataBytes the file data written straight to clusters the
	// transaction allocated.
	Bytes     int64 `json:"bytes"`
	DataBytes int64 `json:"data_bytes"`
}

// PlanRecord is one MFT record the transaction writes.
type PlanRecord struct {
	Record mft.RecordNumber `json:"record"`
	Action string           `json:"action"` // "create", "update", "free"
	Mirror bool             `json:"mirror,omitempty"`
}

// PlanBlock is one INDX block the transaction writes.
type PlanBlock struct {
	Record mft.RecordNumber `json:"record"` // the directory (or $Reparse)
	Index  string           `json:"index"`
	VCN    mft.VCN          `json:"vcn"`
	Action string           `json:"action"` // "create", "update", "free"
}

// PlanBits is a range of bitmap bits the transaction sets or clears.
type PlanBits struct {
	Bitmap string `json:"bitmap"` // "$Bitmap", "$MFT:$BITMAP"
	First  int64  `json:"first"`
	Count  int64  `json:"count"`
	Set    bool   `json:"set"`
}

// Tx is an open transaction: its operations stage their writes in memory,
// where the transaction's own reads see them; Update commits them all or
// none.
type Tx struct {
	v      *Volume
	now    mft.Filetime
	plan   Plan
	recAct recordActs
	blkAct map[PlanBlock]string
	cbm    *bitmap // $Bitmap
	mbm    *bitmap // $MFT:$BITMAP
	mirror *Stream
	closed bool
	dryRun bool
	blocks map[blockKey]*index.Block // decoded INDX blocks (txcache.go)
	// files are the files decoded for editing, by record number (every
	// record of a file maps to its fileEdit; see editFile).
	files fileTable
	// pending are the changed INDX blocks not yet encoded, pendingPages
	// their keys by overlay page (txcache.go).
	pending      map[blockKey]*pendingBlock
	pendingPages map[int64][]blockKey
	units        []uint16 // scratch: a name being looked up
	recBuf       []byte   // scratch: a record being encoded (putRecord)
	// found is scratch for the entries a lookup found (lookupFold); slab
	// the memory of decoded records (txslab.go); blkBuf scratch for an
	// INDX block being encoded (txIndex.encode).
	found  []index.Entry
	slab   txSlab
	blkBuf []byte
	// Read-ahead of $MFT (readAhead): the last record read, the end of
	// what was read ahead, and its buffer.
	lastRead  mft.RecordNumber
	aheadEnd  int64
	aheadBuf  []byte
	window    mftWindow             // what of aheadBuf is current (txahead.go)
	nameCmp   func(a, b []byte) int // see nameCompare
	nameUnits []uint16              // scratch: the name addName adds
	// dirs are directories lookups resolved, by clean path (txcache.go).
	dirs map[string]cachedDir
	// dirMemo holds the directories resolved last (txcache.go).
	dirMemo dirMemo
	// inherited are the descriptors new files took from their parents'
	// (copySecurity).
	inherited map[inheritKey][]byte
	fresh     []mft.Run // clusters allocated by this transaction
	// freshRanges are device ranges of data written to fresh clusters.
	freshRanges []devRange
	stream      txStream // large new data written straight to the device (txstream.go)
	// linkScratch is linkRaw's memory; noRawLink turns linkRaw off (tests
	// compare it with the general path).
	linkScratch linkScratch
	noRawLink   bool
	rawLinks    int
	// appended are the indexes holding entries linkRaw appended but not
	// inserted yet (txappend.go); inLinkRaw is set while linkRaw runs
	// (and while they are inserted); appendErr is the first error
	// inserting them.
	appended  []*txIndex
	inLinkRaw bool
	appendErr error
}

// Update runs fn in a transaction and commits what it staged: all of it,
// or, when fn or the commit fails, nothing. Commit writes a redo journal
// (synced) before touching the volume, then the blocks in place, syncs and
// removes the journal; a crash in between is repaired by the next open,
// which replays the journal.
func (v *Volume) Update(fn func(tx *Tx) error) error {
	_, err := v.exec(fn, true, false)
	return err
}

// DryRun runs fn as Update would, but writes nothing and returns the plan.
func (v *Volume) DryRun(fn func(tx *Tx) error) (*Plan, error) {
	return v.run(fn, false)
}

// UpdatePlan is Update that also returns the plan it carried out.
func (v *Volume) UpdatePlan(fn func(tx *Tx) error) (*Plan, error) {
	return v.run(fn, true)
}

// run runs fn in a transaction, commits it when commit is set, and
// returns the plan.
func (v *Volume) run(fn func(tx *Tx) error, commit bool) (*Plan, error) {
	return v.exec(fn, commit, true)
}

// exec is run; the plan is built only when wantPlan is set (Update does
// not return it).
func (v *Volume) exec(fn func(tx *Tx) error, commit, wantPlan bool) (*Plan, error) {
	switch {
	case v.ov == nil:
		return nil, ErrReadOnly
	case v.broken != nil:
		return nil, fmt.Errorf("%w: %v", ErrBroken, v.broken)
	case v.inTx:
		return nil, ErrTxOpen
	}
	v.inTx = true
	defer func() { v.inTx, v.ov.fill, v.ov.watch, v.ov.window = false, nil, nil, nil }()
	now := time.Now
	if v.wopts.Now != nil {
		now = v.wopts.Now
	}
	tx := &Tx{v: v, now: mft.FiletimeOf(now()), blkAct: map[PlanBlock]string{}, dryRun: !commit}
	v.ov.watch, v.ov.window = tx.window.staged, tx.window.peekDev
	// Memory for the pages it stages is made ready while it starts.
	v.ov.ahead.prime()
	err := fn(tx)
	if err == nil {
		err = tx.finish()
	}
	tx.closed = true
	var plan *Plan
	if wantPlan {
		plan = tx.buildPlan()
	}
	if err != nil || !commit {
		if rerr := v.rollback(); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return plan, err
	}
	return plan, v.commit(tx)
}

func (tx *Tx) buildPlan() *Plan {
	p := tx.plan
	// Empty lists stay lists in JSON.
	p.Records, p.IndexBlocks = []PlanRecord{}, []PlanBlock{}
	if p.Bitmaps == nil {
		p.Bitmaps = []PlanBits{}
	}
	tx.recAct.each(func(n mft.RecordNumber, a string) {
		p.Records = append(p.Records, PlanRecord{Record: n, Action: a, Mirror: tx.v.mirrored(n)})
	})
	sort.Slice(p.Records, func(i, j int) bool { return p.Records[i].Record < p.Records[j].Record })
	for b, a := range tx.blkAct {
		b.Action = a
		p.IndexBlocks = append(p.IndexBlocks, b)
	}
	sort.Slice(p.IndexBlocks, func(i, j int) bool {
		a, b := p.IndexBlocks[i], p.IndexBlocks[j]
		if a.Record != b.Record {
			return a.Record < b.Record
		}
		return a.VCN < b.VCN
	})
	p.Bytes = tx.v.ov.stagedBytes()
	return &p
}

// finish encodes the changed INDX blocks and writes the bitmaps.
func (tx *Tx) finish() error {
	if err := tx.settle(); err != nil {
		return err
	}
	if err := tx.stageBlocks(); err != nil {
		return err
	}
	for _, bm := range []*bitmap{tx.mbm, tx.cbm} {
		if bm == nil {
			continue
		}
		if err := bm.flush(tx); err != nil {
			return err
		}
	}
	return nil
}

// rollback forgets the staged writes and reloads what depends on them.
func (v *Volume) rollback() error {
	for _, pg := range v.ov.discard() {
		v.cache.Invalidate(pg*overlayPage, overlayPage)
	}
	if err := v.loadMFT(); err != nil {
		return fmt.Errorf("volume: reload after rollback: %w", err)
	}
	return nil
}

// directDataMin is the amount of new file data from which a commit
// writes it outside the journal.
const directDataMin = 1 << 20

// splitFresh separates the staged pages that lie wholly inside fresh data
// ranges (when they add up to directDataMin) from the rest.
func splitFresh(exts []stagedExtent, fresh []devRange) (direct, rest []stagedExtent) {
	total := int64(0)
	for _, r := range fresh {
		total += r.n
	}
	if total < directDataMin {
		return nil, exts
	}
	sort.Slice(fresh, func(i, j int) bool { return fresh[i].off < fresh[j].off })
	inside := func(off, n int64) bool {
		i := sort.Search(len(fresh), func(i int) bool { return fresh[i].off+fresh[i].n > off })
		for ; i < len(fresh) && fresh[i].off <= off; i++ {
			if off+n <= fresh[i].off+fresh[i].n {
				return true
			}
		}
		return false
	}
	add := func(list []stagedExtent, off int64, b []byte) []stagedExtent {
		if k := len(list); k > 0 && list[k-1].Off+int64(len(list[k-1].Data)) == off {
			list[k-1].Data = append(list[k-1].Data, b...)
			return list
		}
		return append(list, stagedExtent{Off: off, Data: append([]byte(nil), b...)})
	}
	for _, e := range exts {
		for p := int64(0); p < int64(len(e.Data)); p += overlayPage {
			b := e.Data[p:min(p+overlayPage, int64(len(e.Data)))]
			if inside(e.Off+p, int64(len(b))) {
				direct = add(direct, e.Off+p, b)
			} else {
				rest = add(rest, e.Off+p, b)
			}
		}
	}
	return direct, rest
}

// resetLogFile empties $LogFile (fills it with 0xFF, as ntfs-3g does on
// mount) unless it already is, so that Windows does not replay records
// older than our changes. It writes straight to the device, before the
// journal: an emptied log is valid whatever happens next.
func (v *Volume) resetLogFile() error {
	f, err := v.File(mft.RecordLogFile)
	if err != nil {
		return fmt.Errorf("volume: $LogFile: %w", err)
	}
	s, err := f.Stream("")
	if err != nil {
		return fmt.Errorf("volume: $LogFile: %w", err)
	}
	if s.Resident() || s.Size() == 0 {
		return nil
	}
	head := make([]byte, min(s.Size(), 8192))
	if err := s.readFull(head, 0); err != nil {
		return fmt.Errorf("volume: $LogFile: %w", err)
	}
	if bytes.Count(head, []byte{0xFF}) == len(head) {
		return nil
	}
	ranges, err := s.deviceRanges(0, s.Size())
	if err != nil {
		return fmt.Errorf("volume: $LogFile: %w", err)
	}
	ff := bytes.Repeat([]byte{0xFF}, 1<<20)
	base := v.ov.base
	for _, r := range ranges {
		for done := int64(0); done < r.n; {
			n := min(r.n-done, int64(len(ff)))
			if _, err := base.WriteAt(ff[:n], r.off+done); err != nil {
				return fmt.Errorf("volume: empty $LogFile: %w", err)
			}
			done += n
		}
		v.cache.Invalidate(r.off, r.n)
	}
	if err := base.Sync(); err != nil {
		return fmt.Errorf("volume: empty $LogFile: %w", err)
	}
	return nil
}

// devRange is a byte range on the volume device.
type devRange struct{ off, n int64 }

// deviceRanges maps bytes [off, off+n) of a non-resident, uncompressed
// stream to device ranges (through the allocation, not the data size).
func (s *Stream) deviceRanges(off, n int64) ([]devRange, error) {
	if s.resident != nil {
		return nil, fmt.Errorf("%s is resident", s.what)
	}
	if s.cuShift != 0 {
		return nil, fmt.Errorf("%s is compressed: not writable", s.what)
	}
	cs := int64(s.v.clusterSize)
	var out []devRange
	for n > 0 {
		vcn := mft.VCN(off / cs)
		i := s.find(vcn)
		if i < 0 {
			return nil, fmt.Errorf("volume: %s: no run maps VCN %d (offset %d)", s.what, vcn, off)
		}
		e := s.runs[i]
		if e.Sparse {
			return nil, fmt.Errorf("volume: %s: offset %d is in a hole", s.what, off)
		}
		runEnd := (int64(e.vcn) + e.Length) * cs
		k := min(n, runEnd-off)
		dev := int64(e.Start)*cs + (off - int64(e.vcn)*cs)
		if m := len(out); m > 0 && out[m-1].off+out[m-1].n == dev {
			out[m-1].n += k
		} else {
			out = append(out, devRange{dev, k})
		}
		off, n = off+k, n-k
	}
	return out, nil
}

// deviceRange is deviceRanges for bytes [off, off+n) within one run (a
// record, a block: the common case, without allocating); ok is false
// otherwise.
func (s *Stream) deviceRange(off, n int64) (devRange, bool) {
	cs := int64(s.v.clusterSize)
	if s.resident != nil || s.cuShift != 0 || off < 0 {
		return devRange{}, false
	}
	i := s.find(mft.VCN(off / cs))
	if i < 0 || s.runs[i].Sparse {
		return devRange{}, false
	}
	e := s.runs[i]
	if off+n > (int64(e.vcn)+e.Length)*cs {
		return devRange{}, false
	}
	return devRange{int64(e.Start)*cs + (off - int64(e.vcn)*cs), n}, true
}

// writeStream stages p at byte off of a non-resident stream.
func (tx *Tx) writeStream(s *Stream, off int64, p []byte) error {
	if r, ok := s.deviceRange(off, int64(len(p))); ok {
		_, err := tx.v.ov.WriteAt(p, r.off)
		return err
	}
	ranges, err := s.deviceRanges(off, int64(len(p)))
	if err != nil {
		return err
	}
	for _, r := range ranges {
		if _, err := tx.v.ov.WriteAt(p[:r.n], r.off); err != nil {
			return err
		}
		p = p[r.n:]
	}
	return nil
}

// mirrored reports whether record n has a copy in $MFTMirr.
func (v *Volume) mirrored(n mft.RecordNumber) bool {
	return int64(n) < v.mirrorRecords()
}

func (v *Volume) mirrorRecords() int64 {
	// $MFTMirr holds the first four records, or one cluster's worth when
	// clusters are larger (mkntfs and Windows agree).
	return max(4, int64(v.clusterSize)/int64(v.recordSize))
}
