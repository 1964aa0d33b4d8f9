// Package volume reads NTFS volumes from images, block devices and Windows
// volumes: the boot sector, $MFT (through its own runlist and attribute
// list), files with their attributes merged across extension records,
// attribute streams (sparse, compressed), and directories through their
// $I30 index B-trees. It is the only package of ntfsedit that does I/O; the
// on-disk structures are decoded by packages mft, index and reparse.
//
// Open takes an image path, "IMAGE@N" for partition N of an MBR or GPT
// disk, or a device. E01 (EWF), VHD and VHDX images are recognised by their
// signatures and read as the disk they hold, read-only (container.go).
//
// References: the Linux-NTFS project's NTFS documentation (flatcap),
// https://flatcap.github.io/linux-ntfs/ntfs/, for the boot sector, $MFT,
// runlists, compression and indexes; [MS-FSCC] for file attributes and
// reparse points, https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-fscc/;
// the UEFI Specification 2.10, section 5.3, for GPT (partition.go).
package volume

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// Options select the volume inside an image and tune reading.
type Options struct {
	// Partition picks partition N (1-based) of a partitioned image, as
	// IMAGE@N does. 0: the whole image if it is an NTFS volume, otherwise
	// its only NTFS partition.
	Partition int
	// Offset is the byte offset of the volume in the image (--offset); it
	// takes precedence over Partition when non-zero.
	Offset int64
	// CacheBytes is the capacity of the page cache; 0 means 2 MiB.
	CacheBytes int64
}

// defaultCacheBytes is the page cache capacity: enough for the records of
// a large directory and its index blocks, small next to fls's footprint.
const defaultCacheBytes = 2 << 20

// Volume is an open NTFS volume.
type Volume struct {
	dev         Device
	cache       *pageCache
	boot        *BootSector
	clusterSize int
	clusters    int64
	recordSize  int
	mft         *Stream
	records     int64
	upcase      index.UpCase
	info        Info
	mftOnly     []byte    // the whole bare $MFT file, when opened with OpenMFTFile
	filePool    sync.Pool // *File, recycled by tree walks
	bufPool     sync.Pool // *[]byte: record batches and INDX allocations of tree walks
	dirPool     sync.Pool // *dirScratch of readDir
	children    map[mft.RecordNumber][]DirEntry

	// Writable volumes (OpenWritable) read through ov, which holds the
	// staged writes of the open transaction.
	ov      *overlay
	journal JournalStore
	wopts   WriteOptions
	replay  *ReplayInfo
	broken  error // set when a commit failed after its journal was written
	inTx    bool
}

// Info describes an open volume.
type Info struct {
	Device         string          `json:"device"`
	Offset         int64           `json:"offset"`
	Partition      *Partition      `json:"partition,omitempty"`
	Label          string          `json:"label"`
	Version        string          `json:"version"`
	Flags          mft.VolumeFlags `json:"-"`
	FlagNames      []string        `json:"flags"`
	Dirty          bool            `json:"dirty"`
	Serial         string          `json:"serial"`
	SectorSize     int             `json:"sector_size"`
	ClusterSize    int             `json:"cluster_size"`
	RecordSize     int             `json:"record_size"`
	IndexBlockSize int             `json:"index_block_size"`
	Size           int64           `json:"size"`
	Clusters       int64           `json:"clusters"`
	MFTCluster     int64           `json:"mft_cluster"`
	MFTMirrCluster int64           `json:"mftmirr_cluster"`
	MFTRecords     int64           `json:"mft_records"`
	MFTExtents     int             `json:"mft_extents"`
	MFTMirrOK      bool            `json:"mftmirr_ok"`
	UpCase         string          `json:"upcase"`
	Warnings       []string        `json:"warnings,omitempty"`
}

// Open opens the NTFS volume in the image or device at path, read-only.
// path may end in @N to pick partition N of a partitioned disk image.
func Open(path string, opts Options) (*Volume, error) {
	p, part, err := ParseImageSpec(path, nil)
	if err != nil {
		return nil, err
	}
	if part != 0 && opts.Partition == 0 {
		opts.Partition = part
	}
	dev, err := OpenDevice(p, false)
	if err != nil {
		return nil, err
	}
	v, err := OpenOn(dev, opts)
	if err != nil {
		dev.Close()
		return nil, err
	}
	return v, nil
}

// OpenOn opens the volume on an already open device; closing the volume
// closes dev.
func OpenOn(dev Device, opts Options) (*Volume, error) {
	info := Info{Device: deviceName(dev)}
	vdev, err := selectVolume(dev, opts, &info)
	if err != nil {
		return nil, err
	}
	v := &Volume{dev: vdev, info: info}
	if err := v.load(opts); err != nil {
		return nil, err
	}
	return v, nil
}

// selectVolume applies Offset/Partition, or finds the NTFS partition.
func selectVolume(dev Device, opts Options, info *Info) (Device, error) {
	name := deviceName(dev)
	switch {
	case opts.Offset < 0 || opts.Offset >= dev.Size() && opts.Offset != 0:
		return nil, fmt.Errorf("volume: offset %d outside %s (%d bytes)", opts.Offset, name, dev.Size())
	case opts.Offset > 0:
		info.Offset = opts.Offset
		return SubDevice(dev, opts.Offset, dev.Size()-opts.Offset), nil
	case opts.Partition > 0:
		d, p, err := OpenPartition(dev, opts.Partition)
		if err != nil {
			return nil, err
		}
		info.Partition, info.Offset = &p, p.Start
		return d, nil
	}
	s := make([]byte, 512)
	if _, err := dev.ReadAt(s, 0); err != nil {
		return nil, fmt.Errorf("volume: read boot sector of %s: %w", name, err)
	}
	if string(s[3:11]) == "NTFS    " {
		return dev, nil
	}
	parts, err := ReadPartitions(dev, dev.Size(), 0)
	if err != nil {
		return nil, fmt.Errorf("volume: %s: not an NTFS volume and its partition table is unreadable: %w", name, err)
	}
	var ntfs []Partition
	var all []string
	for _, p := range parts {
		all = append(all, fmt.Sprintf("%d (%s at byte %d)", p.Index, p.Type, p.Start))
		b := make([]byte, 512)
		if _, err := dev.ReadAt(b, p.Start); err == nil && string(b[3:11]) == "NTFS    " {
			ntfs = append(ntfs, p)
		}
	}
	switch len(ntfs) {
	case 1:
		p := ntfs[0]
		info.Partition, info.Offset = &p, p.Start
		return SubDevice(dev, p.Start, p.Length), nil
	case 0:
		if len(parts) == 0 {
			return nil, fmt.Errorf("%w: %s: no NTFS boot sector (OEM id %q) and no partition table", ErrNotNTFS, name, s[3:11])
		}
		return nil, fmt.Errorf("%w: %s: no NTFS partition among partitions %s", ErrNotNTFS, name, strings.Join(all, ", "))
	}
	var ids []string
	for _, p := range ntfs {
		ids = append(ids, fmt.Sprint(p.Index))
	}
	return nil, fmt.Errorf("volume: %s has several NTFS partitions (%s): pick one with IMAGE@N", name, strings.Join(ids, ", "))
}

// load reads the boot sector, $MFT, $Volume, $UpCase and checks $MFTMirr.
func (v *Volume) load(opts Options) error {
	s := make([]byte, 512)
	if _, err := v.dev.ReadAt(s, 0); err != nil {
		return fmt.Errorf("volume: read boot sector: %w", err)
	}
	boot, err := DecodeBootSector(s)
	if err != nil {
		return err
	}
	v.boot = boot
	v.clusterSize = boot.ClusterSize()
	v.clusters = boot.TotalSectors / int64(boot.SectorsPerCluster)
	v.recordSize = boot.RecordSize
	if boot.Size() > v.dev.Size() {
		v.warn("boot sector says %d bytes but the device has %d: image truncated?", boot.Size(), v.dev.Size())
	}
	capacity := opts.CacheBytes
	if capacity == 0 {
		capacity = defaultCacheBytes
	}
	v.cache = newPageCache(v.dev, v.dev.Size(), max(4096, v.clusterSize), capacity)
	if err := v.loadMFT(); err != nil {
		return err
	}
	i := &v.info
	i.SectorSize = boot.BytesPerSector
	i.ClusterSize = v.clusterSize
	i.RecordSize = v.recordSize
	i.IndexBlockSize = boot.IndexBlockSize
	i.Size = boot.Size()
	i.Clusters = v.clusters
	i.MFTCluster = boot.MFTLCN
	i.MFTMirrCluster = boot.MFTMirrLCN
	i.Serial = fmt.Sprintf("%016X", boot.Serial)
	v.loadVolumeInfo()
	v.loadUpCase()
	v.checkMirror()
	return nil
}

func (v *Volume) warn(format string, args ...any) {
	v.info.Warnings = append(v.info.Warnings, fmt.Sprintf(format, args...))
}

// readDev reads exactly len(p) bytes at a volume byte offset.
func (v *Volume) readDev(p []byte, off int64) error {
	if v.mftOnly != nil {
		return fmt.Errorf("volume: clusters at byte %d are not available: input is a bare $MFT file", off)
	}
	n, err := v.cache.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("volume: read %d bytes at volume offset 0x%x: %w", len(p), off, err)
}

// loadMFT reads record 0 at the boot sector's $MFT cluster and builds the
// $MFT data stream from its runlist, following its attribute list into
// extension records when $MFT is too fragmented for one record.
func (v *Volume) loadMFT() error {
	raw := make([]byte, v.recordSize)
	if err := v.readDev(raw, v.boot.MFTLCN*int64(v.clusterSize)); err != nil {
		return fmt.Errorf("volume: read $MFT record 0: %w", err)
	}
	rec, err := mft.ParseRecord(raw, 0)
	if err != nil {
		return fmt.Errorf("volume: $MFT: %w", err)
	}
	exts := dataExtents(rec, nil)
	if len(exts) == 0 {
		return errors.New("volume: $MFT record 0 has no unnamed $DATA attribute")
	}
	al := rec.Find(mft.AttrAttributeList, nil)
	v.mft, err = v.buildStream("$MFT:$DATA", exts, al == nil)
	if err != nil {
		return err
	}
	if al != nil {
		// A fragmented $MFT keeps more $DATA extents in extension records,
		// which lie in the part of $MFT already mapped (Windows and ntfs-3g
		// keep them low); map them in list (VCN) order.
		list, err := v.attrListOf(rec, al)
		if err != nil {
			return fmt.Errorf("volume: $MFT attribute list: %w", err)
		}
		done := map[mft.RecordNumber]bool{0: true}
		for _, e := range list {
			r := e.Ref.Record()
			if e.Type != mft.AttrData || len(e.Name) != 0 || done[r] {
				continue
			}
			done[r] = true
			ext, err := v.readRecordFrom(v.mft, r)
			if err != nil {
				return fmt.Errorf("volume: $MFT extension record %d (for VCN %d): %w", r, e.StartVCN, err)
			}
			if ext.Base.Record() != 0 {
				return fmt.Errorf("volume: $MFT extension record %d has base %s, not record 0", r, ext.Base)
			}
			exts = dataExtents(ext, exts)
			if v.mft, err = v.buildStream("$MFT:$DATA", exts, false); err != nil {
				return err
			}
		}
		if v.mft, err = v.newStream("$MFT:$DATA", exts); err != nil {
			return err
		}
	}
	v.info.MFTExtents = len(v.mft.runs)
	v.records = v.mft.size / int64(v.recordSize)
	v.info.MFTRecords = v.records
	return nil
}

// dataExtents appends the unnamed $DATA attributes of rec to exts.
func dataExtents(rec *mft.Record, exts []*mft.Attr) []*mft.Attr {
	for i := range rec.Attrs {
		a := &rec.Attrs[i]
		if a.Type == mft.AttrData && len(a.Name) == 0 {
			exts = append(exts, a)
		}
	}
	return exts
}

// Records returns the number of records $MFT holds.
func (v *Volume) Records() int64 { return v.records }

// RecordSize returns the FILE record size in bytes.
func (v *Volume) RecordSize() int { return v.recordSize }

// ClusterSize returns the cluster size in bytes.
func (v *Volume) ClusterSize() int { return v.clusterSize }

// UpCase returns the volume's $UpCase table.
func (v *Volume) UpCase() index.UpCase { return v.upcase }

// Info describes the volume.
func (v *Volume) Info() Info { return v.info }

// CacheStats reports device reads made so far.
func (v *Volume) CacheStats() CacheStats {
	if v.cache == nil {
		return CacheStats{}
	}
	return v.cache.Stats()
}

// Close releases the device.
func (v *Volume) Close() error {
	if v.dev == nil {
		return nil
	}
	return v.dev.Close()
}

// RawRecord returns the on-disk bytes of record n (fixups not applied).
func (v *Volume) RawRecord(n mft.RecordNumber) ([]byte, error) {
	return v.rawRecordFrom(v.mft, n)
}

func (v *Volume) rawRecordFrom(s *Stream, n mft.RecordNumber) ([]byte, error) {
	off := int64(n) * int64(v.recordSize)
	if n >= mft.RecordNumber(s.size/int64(v.recordSize)) {
		return nil, &RecordError{Record: n, Err: fmt.Errorf("beyond the end of $MFT (%d records)", s.size/int64(v.recordSize))}
	}
	raw := v.recordBuf()
	if _, err := s.ReadAt(raw, off); err != nil && err != io.EOF {
		return nil, &RecordError{Record: n, Err: err}
	}
	return raw, nil
}

// recordBuf returns a record-sized buffer.
func (v *Volume) recordBuf() []byte { return make([]byte, v.recordSize) }

// pooledFile returns a File recycled from a tree walk (its record buffer,
// Record and attribute slices are reused), or a new one.
func (v *Volume) pooledFile() *File {
	if f, ok := v.filePool.Get().(*File); ok {
		return f
	}
	return &File{v: v, Rec: new(mft.Record), buf: make([]byte, v.recordSize)}
}

// scratch returns a buffer of n bytes from the volume's pool, with
// unspecified contents; putScratch hands it back. Tree walks read record
// batches and index allocations into them, so that a walk does not
// allocate (and clear) a large buffer per directory.
func (v *Volume) scratch(n int) *[]byte {
	if b, ok := v.bufPool.Get().(*[]byte); ok {
		if cap(*b) >= n {
			*b = (*b)[:n]
			return b
		}
		// Too small: dropped, so that the pool holds buffers that fit.
	}
	b := make([]byte, n, max(n, scratchMin))
	return &b
}

// scratchMin is the smallest pooled buffer: a full record batch of 1 KiB
// records widened to whole 4 KiB pages.
const scratchMin = 264 << 10

func (v *Volume) putScratch(b *[]byte) {
	if b != nil && cap(*b) <= preloadMax {
		v.bufPool.Put(b)
	}
}

// release hands f back for reuse by later loads; f and everything decoded
// from it must not be used afterwards. Only files made by pooledFile
// without extension records are recycled.
func (f *File) release() {
	if f == nil || f.buf == nil || len(f.attrs) != len(f.Rec.Attrs) {
		return
	}
	f.v.filePool.Put(f)
}

// RecordError wraps a failure to read or decode one record.
type RecordError struct {
	Record mft.RecordNumber
	Err    error
}

func (e *RecordError) Error() string {
	var ce *mft.CorruptError
	if errors.As(e.Err, &ce) && ce.Record == e.Record {
		return e.Err.Error()
	}
	return fmt.Sprintf("volume: record %d: %v", e.Record, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// ErrUnusedRecord is matched by errors for a record that has never been
// used (no FILE signature).
var ErrUnusedRecord = errors.New("volume: record never used")

// Record reads and decodes record n.
func (v *Volume) Record(n mft.RecordNumber) (*mft.Record, error) {
	return v.readRecordFrom(v.mft, n)
}

func (v *Volume) readRecordFrom(s *Stream, n mft.RecordNumber) (*mft.Record, error) {
	raw, err := v.rawRecordFrom(s, n)
	if err != nil {
		return nil, err
	}
	return v.decodeRecord(n, raw)
}

// decodeRecord decodes raw, the on-disk bytes of record n, in place.
func (v *Volume) decodeRecord(n mft.RecordNumber, raw []byte) (*mft.Record, error) {
	rec := new(mft.Record)
	if err := v.decodeRecordInto(rec, n, raw); err != nil {
		return nil, err
	}
	return rec, nil
}

// decodeRecordInto is decodeRecord into a recycled Record.
func (v *Volume) decodeRecordInto(rec *mft.Record, n mft.RecordNumber, raw []byte) error {
	return v.decodeRecordMode(rec, n, raw, false)
}

// decodeRecordMode is decodeRecordInto; headerOnly leaves the attributes
// for mft.Record.DecodeAttrs.
func (v *Volume) decodeRecordMode(rec *mft.Record, n mft.RecordNumber, raw []byte, headerOnly bool) error {
	if isZero(raw[:4]) {
		return &RecordError{Record: n, Err: ErrUnusedRecord}
	}
	// raw is ours: decode in place rather than through ParseRecord's copy.
	if string(raw[:4]) != "FILE" {
		return &RecordError{Record: n, Err: &mft.CorruptError{Record: n, Field: "signature", Value: fmt.Sprintf("%q", raw[:4])}}
	}
	if err := mft.ApplyFixups(raw); err != nil {
		var ce *mft.CorruptError
		if errors.As(err, &ce) {
			c := *ce
			c.Record = n
			err = &c
		}
		return &RecordError{Record: n, Err: err}
	}
	decode := mft.DecodeRecordInto
	if headerOnly {
		decode = mft.DecodeRecordHeader
	}
	if err := decode(rec, raw, n); err != nil {
		return &RecordError{Record: n, Err: err}
	}
	if rec.HasNumber && rec.Number != n&0xFFFFFFFF && rec.InUse() {
		return &RecordError{Record: n, Err: fmt.Errorf("record header says it is record %d", rec.Number)}
	}
	return nil
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// loadVolumeInfo reads the label and version from $Volume (record 3).
func (v *Volume) loadVolumeInfo() {
	f, err := v.File(mft.RecordVolume)
	if err != nil {
		v.warn("$Volume: %v", err)
		return
	}
	if a := f.Attr(mft.AttrVolumeName, nil); a != nil && !a.NonResident {
		if name, err := mft.DecodeVolumeName(a.Value); err == nil {
			v.info.Label = mft.NameString(name)
		} else {
			v.warn("$Volume: %v", err)
		}
	}
	if a := f.Attr(mft.AttrVolumeInformation, nil); a != nil && !a.NonResident {
		vi, err := mft.DecodeVolumeInfo(a.Value)
		if err != nil {
			v.warn("$Volume: %v", err)
			return
		}
		v.info.Version = fmt.Sprintf("%d.%d", vi.Major, vi.Minor)
		v.info.Flags = vi.Flags
		v.info.Dirty = vi.Flags&mft.VolumeDirty != 0
		if s := vi.Flags.String(); s != "" {
			v.info.FlagNames = strings.Split(s, "|")
		}
	} else {
		v.warn("$Volume has no $VOLUME_INFORMATION")
	}
}

// loadUpCase reads $UpCase (record 10); a missing or bad table falls back
// to the default one, with a warning.
func (v *Volume) loadUpCase() {
	v.upcase = index.DefaultUpCase()
	v.info.UpCase = "default"
	f, err := v.File(mft.RecordUpCase)
	if err != nil {
		v.warn("$UpCase: %v (using the default table)", err)
		return
	}
	s, err := f.Stream("")
	if err != nil {
		v.warn("$UpCase: %v (using the default table)", err)
		return
	}
	b, err := s.ReadAll()
	if err == nil {
		var u index.UpCase
		if u, err = index.DecodeUpCase(b); err == nil {
			v.upcase = u
			v.info.UpCase = "$UpCase"
			return
		}
	}
	v.warn("$UpCase: %v (using the default table)", err)
}

// checkMirror compares the records kept in $MFTMirr with $MFT.
func (v *Volume) checkMirror() {
	f, err := v.File(mft.RecordMFTMirr)
	if err != nil {
		v.warn("$MFTMirr: %v", err)
		return
	}
	s, err := f.Stream("")
	if err != nil {
		v.warn("$MFTMirr: %v", err)
		return
	}
	n := min(s.size/int64(v.recordSize), v.records, 16)
	var bad []string
	for i := int64(0); i < n; i++ {
		a, err1 := v.rawRecordFrom(s, mft.RecordNumber(i))
		b, err2 := v.RawRecord(mft.RecordNumber(i))
		if err1 != nil || err2 != nil {
			v.warn("$MFTMirr: record %d unreadable: %v", i, errors.Join(err1, err2))
			return
		}
		if !bytes.Equal(a, b) {
			bad = append(bad, fmt.Sprint(i))
		}
	}
	if len(bad) > 0 {
		v.warn("$MFTMirr differs from $MFT in records %s", strings.Join(bad, ", "))
		return
	}
	v.info.MFTMirrOK = n > 0
}
