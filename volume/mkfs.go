package volume

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/bits"
	"os"
	"time"

	"github.com/ntfsedit/ntfsedit/mft"
)

// FormatOptions configure Format and FormatOn.
type FormatOptions struct {
	// Size is the size of the volume in bytes. It is required for an
	// image file (created or truncated to it); for a block device 0 means
	// the whole device.
	Size int64
	// ClusterSize in bytes; 0 chooses as mkntfs does: 4096 (at least one
	// sector), doubled while the volume would have 2³² clusters or more.
	ClusterSize int
	// SectorSize is 512 (the default for image files), 1024, 2048 or 4096;
	// 0 means the device's logical sector size.
	SectorSize int
	// Label is the volume label ($Volume's $VOLUME_NAME), at most 128
	// UTF-16 code units.
	Label string
	// Reproducible fixes the serial number and every timestamp, so that
	// the same options give the same bytes.
	Reproducible bool
	// Now is the clock for the timestamps; nil means time.Now. Ignored
	// when Reproducible is set.
	Now func() time.Time
}

// ErrGeometry is matched by Format's errors for a size, cluster size or
// sector size no NTFS volume can have.
var ErrGeometry = errors.New("volume: bad geometry")

// reproducibleTime is the timestamp of every file of a volume formatted
// with FormatOptions.Reproducible.
var reproducibleTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Format writes a new, empty NTFS 3.1 volume to path: an image file, which
// is created or truncated to opts.Size (sparse: only the metadata is
// written), or a block device, which is formatted whole (or its first
// opts.Size bytes). The layout follows mkntfs (ntfs-3g): see FormatOn.
func Format(path string, opts FormatOptions) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return fmt.Errorf("volume: format %s: is a directory", path)
	case err == nil && !fi.Mode().IsRegular():
		dev, err := OpenDevice(path, true)
		if err != nil {
			return err
		}
		size := dev.Size()
		if opts.Size > 0 {
			if opts.Size > size {
				dev.Close()
				return fmt.Errorf("%w: size %d is larger than %s (%d bytes)", ErrGeometry, opts.Size, path, size)
			}
			size = opts.Size
		}
		if opts.SectorSize == 0 {
			opts.SectorSize = max(dev.SectorSize(), 512)
		}
		err = format(dev, size, opts, false)
		if cerr := dev.Close(); err == nil {
			err = cerr
		}
		return err
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("volume: format: %w", err)
	}
	if opts.Size <= 0 {
		return fmt.Errorf("%w: an image file needs a size", ErrGeometry)
	}
	if opts.SectorSize == 0 {
		opts.SectorSize = 512
	}
	// Build the volume before touching the file: a bad geometry leaves
	// it as it was.
	p, err := planFormat(opts.Size, opts)
	if err != nil {
		return err
	}
	created := fi == nil
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("volume: format: %w", err)
	}
	if err = f.Truncate(opts.Size); err != nil {
		err = fmt.Errorf("volume: format %s: %w", path, err)
		f.Close()
	} else {
		dev := &fileDevice{f: f, name: path, size: opts.Size, sectorSize: 512, regular: true, writable: true}
		err = p.write(dev, true)
		if cerr := dev.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil && created {
		os.Remove(path) // an image we created and could not finish
	}
	return err
}

// FormatOn writes a new, empty NTFS 3.1 volume over the first size bytes
// of dev (size 0: all of dev). Every cluster the metadata allocates is
// written whole, so dev may hold anything before; clusters left free are
// not touched.
//
// The volume is laid out as mkntfs lays it out: $Boot at cluster 0 and a
// backup boot sector in the last sector, $MFT:$BITMAP after the first
// 8 KiB, $MFT (27 records, or one cluster) from 16 KiB, $MFTMirr in the
// middle of the volume followed by $LogFile (all 0xFF bytes, sized from the
// volume size), the other metadata after the MFT zone (the first eighth of
// the volume); records 0–15 and 24–26 hold the system files, 16–23 are
// reserved and free. $Volume gets an object id (a version 4 GUID) indexed
// in $Extend\$ObjId, as Windows gives every volume.
//
// Errors: ErrGeometry for a size, cluster or sector size no volume can
// have (or metadata that does not fit), ErrInvalid for a label longer
// than 128 UTF-16 units, else the device's error; nothing is written
// unless the whole volume could be built.
func FormatOn(dev Device, size int64, opts FormatOptions) error {
	if size == 0 {
		size = dev.Size()
	}
	if size > dev.Size() {
		return fmt.Errorf("%w: size %d is larger than the device (%d bytes)", ErrGeometry, size, dev.Size())
	}
	if opts.SectorSize == 0 {
		opts.SectorSize = max(dev.SectorSize(), 512)
	}
	return format(dev, size, opts, false)
}

// layout is the geometry of a volume being formatted and where its
// metadata goes. Not an on-disk structure.
type layout struct {
	size        int64 // as asked for
	sectorSize  int
	sectors     int64 // in the boot sector: all but the last (the backup boot sector)
	devSize     int64 // bytes of the device used: whole sectors
	clusterSize int
	clusters    int64
	recordSize  int
	indexSize   int

	bootClusters   int64
	mftBitmapLCN   int64
	mftBitmapBytes int64
	mftLCN         int64
	mftSize        int64 // bytes: mftRecords records
	mftRecords     int64
	mirrLCN        int64
	mirrClusters   int64
	logLCN         int64
	logSize        int64
	bitmapBytes    int64 // $Bitmap data size: one bit per cluster, 8-byte multiple
	zoneEnd        int64 // first cluster after the MFT zone

	alloc []mft.Run // allocated clusters, sorted, not overlapping
}

const minVolumeSize = 1 << 20 // mkntfs's minimum

// maxClusterSize is the largest cluster size Windows 10 (1709 and later)
// and mkntfs accept.
const maxClusterSize = 2 << 20

func log2(n int64) int { return bits.Len64(uint64(n)) - 1 }

func isPow2(n int64) bool { return n > 0 && n&(n-1) == 0 }

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// newLayout checks the geometry and places the fixed metadata.
func newLayout(size int64, opts FormatOptions) (*layout, error) {
	l := &layout{sectorSize: opts.SectorSize, size: size}
	if l.sectorSize == 0 {
		l.sectorSize = 512
	}
	ss := int64(l.sectorSize)
	if !isPow2(ss) || ss < 512 || ss > 4096 {
		return nil, fmt.Errorf("%w: sector size %d (want 512, 1024, 2048 or 4096)", ErrGeometry, l.sectorSize)
	}
	if size <= 0 {
		return nil, fmt.Errorf("%w: size %d", ErrGeometry, size)
	}
	l.devSize = size / ss * ss
	l.sectors = size/ss - 1
	volBytes := l.sectors * ss
	if volBytes < minVolumeSize {
		return nil, fmt.Errorf("%w: size %d bytes is too small: an NTFS volume needs at least 1 MiB and one sector", ErrGeometry, size)
	}
	cs := int64(opts.ClusterSize)
	if cs == 0 {
		cs = max(4096, ss)
		for volBytes>>(log2(cs)+32) != 0 {
			cs <<= 1
		}
		if cs > maxClusterSize {
			return nil, fmt.Errorf("%w: size %d bytes is too large for NTFS", ErrGeometry, size)
		}
	}
	switch {
	case !isPow2(cs):
		return nil, fmt.Errorf("%w: cluster size %d is not a power of two", ErrGeometry, cs)
	case cs < ss:
		return nil, fmt.Errorf("%w: cluster size %d is smaller than the sector size %d", ErrGeometry, cs, ss)
	case cs > maxClusterSize:
		return nil, fmt.Errorf("%w: cluster size %d is larger than 2 MiB", ErrGeometry, cs)
	case cs > 4096*ss:
		return nil, fmt.Errorf("%w: cluster size %d is more than 4096 sectors of %d bytes", ErrGeometry, cs, ss)
	}
	l.clusterSize = int(cs)
	l.clusters = volBytes / cs
	if l.clusters>>32 != 0 {
		return nil, fmt.Errorf("%w: %d clusters of %d bytes: NTFS needs fewer than 2³² (use a larger cluster size)", ErrGeometry, l.clusters, cs)
	}
	l.recordSize = max(1024, l.sectorSize)
	l.indexSize = max(4096, l.sectorSize)

	l.bitmapBytes = (ceilDiv(l.clusters, 8) + 7) &^ 7
	l.mftSize = max(27*int64(l.recordSize), cs)
	l.mftRecords = l.mftSize / int64(l.recordSize)
	l.mftBitmapBytes = (ceilDiv(l.mftRecords, 8) + 7) &^ 7
	l.bootClusters = ceilDiv(8192, cs)
	l.mftBitmapLCN = l.bootClusters
	l.mftLCN = max(l.mftBitmapLCN+1, ceilDiv(16<<10, cs))
	l.zoneEnd = l.mftLCN + l.clusters>>3
	l.mirrLCN = volBytes / 2 / cs
	l.mirrClusters = ceilDiv(4*int64(l.recordSize), cs)
	l.logLCN = l.mirrLCN + l.mirrClusters

	// $LogFile: 256 KiB below 2 MiB, 512 KiB below 4 MB, 2 MiB up to
	// 200 MiB, then 1/200 of the volume up to 64 MiB from 12 GiB; halved
	// while it would run past the end.
	vol := l.clusters * cs
	switch {
	case vol < 2<<20:
		l.logSize = 256 << 10
	case vol < 4000000:
		l.logSize = 512 << 10
	case vol <= 200<<20:
		l.logSize = 2 << 20
	case vol >= 12<<30:
		l.logSize = 64 << 20
	default:
		l.logSize = vol / 200 &^ (cs - 1)
	}
	for l.logSize >= 256<<10 && l.logLCN+l.logSize/cs >= l.clusters {
		l.logSize >>= 1
	}
	l.logSize = (l.logSize + cs - 1) &^ (cs - 1)
	if l.logSize < 256<<10 {
		return nil, l.tooSmall("no room for a 256 KiB $LogFile after $MFTMirr")
	}

	for _, m := range []struct {
		r    mft.Run
		what string
	}{
		{mft.Run{Start: 0, Length: l.bootClusters}, "$Boot"},
		{mft.Run{Start: mft.LCN(l.mftBitmapLCN), Length: 1}, "$MFT:$BITMAP"},
		{mft.Run{Start: mft.LCN(l.mftLCN), Length: ceilDiv(l.mftSize, cs)}, "$MFT"},
		{mft.Run{Start: mft.LCN(l.mirrLCN), Length: l.mirrClusters}, "$MFTMirr"},
		{mft.Run{Start: mft.LCN(l.logLCN), Length: l.logSize / cs}, "$LogFile"},
	} {
		if err := l.mark(m.r, m.what); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// tooSmall is the error for metadata that does not fit.
func (l *layout) tooSmall(format string, args ...any) error {
	return fmt.Errorf("%w: size %d bytes is too small for %d-byte clusters: %s", ErrGeometry, l.size, l.clusterSize, fmt.Sprintf(format, args...))
}

// mark records r, the clusters of what, as allocated; they must not
// overlap others.
func (l *layout) mark(r mft.Run, what string) error {
	end := int64(r.Start) + r.Length
	if end > l.clusters {
		return l.tooSmall("%s would end at cluster %d, past the volume's %d clusters", what, end-1, l.clusters)
	}
	i := 0
	for i < len(l.alloc) && l.alloc[i].Start < r.Start {
		i++
	}
	if i > 0 && int64(l.alloc[i-1].Start)+l.alloc[i-1].Length > int64(r.Start) || i < len(l.alloc) && int64(l.alloc[i].Start) < end {
		return l.tooSmall("%s (clusters %d-%d) would overlap other metadata", what, r.Start, end-1)
	}
	l.alloc = append(l.alloc, mft.Run{})
	copy(l.alloc[i+1:], l.alloc[i:])
	l.alloc[i] = r
	return nil
}

// allocate takes n free clusters, first fit from the end of the MFT zone
// (then from the start), as runs.
func (l *layout) allocate(n int64, what string) ([]mft.Run, error) {
	var runs []mft.Run
	for _, from := range [][2]int64{{l.zoneEnd, l.clusters}, {0, min(l.zoneEnd, l.clusters)}} {
		lcn, end := from[0], from[1]
		for n > 0 && lcn < end {
			free := end - lcn
			for _, a := range l.alloc {
				s, e := int64(a.Start), int64(a.Start)+a.Length
				if lcn >= s && lcn < e {
					lcn, free = e, 0
					break
				}
				if s > lcn {
					free = min(free, s-lcn)
					break
				}
			}
			if free <= 0 {
				continue
			}
			k := min(free, n)
			runs = append(runs, mft.Run{Start: mft.LCN(lcn), Length: k})
			lcn += k
			n -= k
		}
	}
	if n > 0 {
		return nil, l.tooSmall("no room left for %s", what)
	}
	for _, r := range runs {
		if err := l.mark(r, what); err != nil {
			return nil, err
		}
	}
	return runs, nil
}

// bitmapChunk fills b with the bytes of $Bitmap from byte offset off:
// the allocated clusters, and the bits past the last cluster up to the
// end of the data set.
func (l *layout) bitmapChunk(b []byte, off int64) {
	clear(b)
	first, last := off*8, (off+int64(len(b)))*8 // bit range of b
	set := func(s, e int64) {
		s, e = max(s, first), min(e, last)
		for c := s; c < e; c++ {
			b[(c-first)/8] |= 1 << (c % 8)
		}
	}
	for _, r := range l.alloc {
		set(int64(r.Start), int64(r.Start)+r.Length)
	}
	set(l.clusters, l.bitmapBytes*8)
}

// formatWriter writes the new volume's metadata. On a device known to
// read as zeros (a freshly truncated image file) it skips zero blocks, so
// the image stays sparse.
type formatWriter struct {
	dev    Device
	zeroed bool
	cs     int64
}

const formatBlock = 64 << 10

// zeroBlock is allZero eight bytes at a time, for the megabytes of an
// empty $Bitmap.
func zeroBlock(p []byte) bool {
	for len(p) >= 8 {
		if binary.LittleEndian.Uint64(p) != 0 {
			return false
		}
		p = p[8:]
	}
	return allZero(p)
}

// write writes p at off, leaving out whole zero blocks on a zeroed device.
func (w *formatWriter) write(p []byte, off int64) error {
	if !w.zeroed {
		_, err := w.dev.WriteAt(p, off)
		return err
	}
	for len(p) > 0 {
		n := min(len(p), formatBlock)
		if !zeroBlock(p[:n]) {
			if _, err := w.dev.WriteAt(p[:n], off); err != nil {
				return err
			}
		}
		p, off = p[n:], off+int64(n)
	}
	return nil
}

// writeRuns writes data over the clusters of runs, and zeros over the
// rest of them.
func (w *formatWriter) writeRuns(runs []mft.Run, data []byte) error {
	for _, r := range runs {
		off, n := int64(r.Start)*w.cs, r.Length*w.cs
		k := min(int64(len(data)), n)
		if err := w.write(data[:k], off); err != nil {
			return err
		}
		data = data[k:]
		if k < n && !w.zeroed {
			if err := w.fill(off+k, n-k, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// fill writes n bytes of value c at off.
func (w *formatWriter) fill(off, n int64, c byte) error {
	if c == 0 && w.zeroed {
		return nil
	}
	buf := bytes.Repeat([]byte{c}, int(min(n, 1<<20)))
	for n > 0 {
		k := min(n, int64(len(buf)))
		if _, err := w.dev.WriteAt(buf[:k], off); err != nil {
			return err
		}
		off, n = off+k, n-k
	}
	return nil
}

// format builds the volume in memory and writes it. zeroed says the device
// reads as zeros (a new sparse image file).
func format(dev Device, size int64, opts FormatOptions, zeroed bool) error {
	p, err := planFormat(size, opts)
	if err != nil {
		return err
	}
	return p.write(dev, zeroed)
}

// formatPlan is a volume built in memory, ready to be written. Not an
// on-disk structure.
type formatPlan struct {
	l    *layout
	img  *sysImage
	boot []byte
}

// planFormat builds the whole volume in memory: every error but the
// device's comes from here, before anything is written.
func planFormat(size int64, opts FormatOptions) (*formatPlan, error) {
	l, err := newLayout(size, opts)
	if err != nil {
		return nil, err
	}
	label := mft.NameUnits(opts.Label)
	if len(label) > 128 {
		return nil, fmt.Errorf("%w: label %q is longer than 128 UTF-16 units", ErrInvalid, opts.Label)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	// 8 bytes of serial number, 16 of volume GUID: random, or a hash of
	// the options.
	var id [24]byte
	if opts.Reproducible {
		now = func() time.Time { return reproducibleTime }
		for i := 0; i < len(id); i += 8 {
			h := fnv.New64a()
			fmt.Fprintf(h, "ntfsedit mkfs %d %d %d %q %d", size, l.clusterSize, l.sectorSize, opts.Label, i)
			binary.LittleEndian.PutUint64(id[i:], h.Sum64())
		}
	} else if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("volume: format: serial number: %w", err)
	}
	serial := binary.LittleEndian.Uint64(id[:])
	var guid mft.GUID
	copy(guid[:], id[8:])
	guid[7] = guid[7]&0x0F | 0x40 // version 4 (random)
	guid[8] = guid[8]&0x3F | 0x80 // RFC 4122 variant
	img, err := buildSystem(l, label, guid, mft.FiletimeOf(now()))
	if err != nil {
		return nil, err
	}
	boot, err := l.bootSector(serial)
	if err != nil {
		return nil, err
	}
	return &formatPlan{l, img, boot}, nil
}

// write writes the volume to dev; zeroed says dev reads as zeros (a new
// sparse image file), so zero blocks are left out.
func (p *formatPlan) write(dev Device, zeroed bool) error {
	l, img, boot := p.l, p.img, p.boot
	w := &formatWriter{dev: dev, zeroed: zeroed, cs: int64(l.clusterSize)}
	if err := img.write(w, l); err != nil {
		return fmt.Errorf("volume: format: %w", err)
	}
	if err := dev.Sync(); err != nil {
		return fmt.Errorf("volume: format: %w", err)
	}
	// The boot sectors last: until they are written the device is not an
	// NTFS volume.
	sector := make([]byte, l.sectorSize)
	copy(sector, boot)
	if _, err := dev.WriteAt(sector, l.devSize-int64(l.sectorSize)); err != nil {
		return fmt.Errorf("volume: format: backup boot sector: %w", err)
	}
	if _, err := dev.WriteAt(sector, 0); err != nil {
		return fmt.Errorf("volume: format: boot sector: %w", err)
	}
	if err := dev.Sync(); err != nil {
		return fmt.Errorf("volume: format: %w", err)
	}
	return nil
}

// bootStub is the boot code of a volume ntfsedit formats (at 0x54, where
// the jump at 0 lands): it prints bootMessage through the BIOS and halts.
//
//	push cs; pop ds; mov si, 0x7C00+msg
//	next: lodsb; test al, al; jz halt; mov ah, 0x0E; mov bx, 7; int 0x10; jmp next
//	halt: hlt; jmp halt
var bootStub = []byte{
	0x0E, 0x1F, 0xBE, 0x00, 0x00,
	0xAC, 0x84, 0xC0, 0x74, 0x09, 0xB4, 0x0E, 0xBB, 0x07, 0x00, 0xCD, 0x10, 0xEB, 0xF2,
	0xF4, 0xEB, 0xFD,
}

const bootMessage = "Not a bootable volume (NTFS formatted by ntfsedit).\r\n"

// bootSector encodes the boot sector (512 bytes).
func (l *layout) bootSector(serial uint64) ([]byte, error) {
	raw := make([]byte, 512)
	copy(raw, []byte{0xEB, 0x52, 0x90}) // jmp 0x54; nop
	raw[0x24] = 0x80                    // BIOS drive number
	raw[0x26] = 0x80                    // extended boot signature, as Windows writes it
	code := append([]byte(nil), bootStub...)
	msg := 0x54 + len(code)
	binary.LittleEndian.PutUint16(code[3:], uint16(0x7C00+msg))
	copy(raw[0x54:], code)
	copy(raw[msg:], bootMessage)
	b := &BootSector{
		OEMID:             "NTFS    ",
		BytesPerSector:    l.sectorSize,
		SectorsPerCluster: l.clusterSize / l.sectorSize,
		MediaDescriptor:   0xF8,
		TotalSectors:      l.sectors,
		MFTLCN:            l.mftLCN,
		MFTMirrLCN:        l.mirrLCN,
		RecordSizeRaw:     unitSizeRaw(l.recordSize, l.clusterSize),
		IndexBlockSizeRaw: unitSizeRaw(l.indexSize, l.clusterSize),
		Serial:            serial,
		raw:               raw,
	}
	return b.AppendBinary(nil)
}

// unitSizeRaw encodes a record or index block size for the boot sector:
// clusters when at least one, else a negative power of two in bytes.
func unitSizeRaw(size, cluster int) int8 {
	if size >= cluster {
		return int8(size / cluster)
	}
	return int8(-log2(int64(size)))
}

func align8(n int) int { return (n + 7) &^ 7 }

// attrOffset is where the attributes of a record start: after the
// 0x30-byte header and the update sequence array (one slot per 512 bytes,
// and the number).
func (l *layout) attrOffset() int { return align8(0x30 + 2*(l.recordSize/mft.SectorSize+1)) }
