package volume

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// Record numbers of the system files in $Extend on a volume mkntfs (and
// Format) makes; Windows puts them wherever free records are.
const (
	recordQuota   mft.RecordNumber = 24
	recordObjID   mft.RecordNumber = 25
	recordReparse mft.RecordNumber = 26
	// mkfsSystemRecords is the number of records a new volume formats as
	// system files (0–26; 16–23 reserved and free).
	mkfsSystemRecords = 27
)

// Security ids of the two descriptors a new $Secure holds (the first ids
// Windows hands out): read-only system files and the others.
const (
	secIDReadOnly = 0x100
	secIDSystem   = 0x101
)

// sysImage is a formatted volume's metadata, built in memory before it is
// written. Not an on-disk structure.
type sysImage struct {
	mft      []byte // the $MFT clusters, fixups applied
	mftRuns  []mft.Run
	mirrRuns []mft.Run
	logRuns  []mft.Run
	bmpRuns  []mft.Run // $Bitmap's clusters; content from layout.bitmapChunk
	extents  []sysExtent
}

// sysExtent is the content of some allocated clusters; the clusters past
// the data are zero.
type sysExtent struct {
	runs []mft.Run
	data []byte
}

// sysBuilder builds the system files' records. Not an on-disk structure.
type sysBuilder struct {
	l       *layout
	now     mft.Filetime
	recs    []*mft.Record
	upcase  index.UpCase
	rootIdx []index.Entry // the root directory's entries
}

func (b *sysBuilder) record(n mft.RecordNumber, seq uint16, flags mft.RecordFlags) *mft.Record {
	r := &mft.Record{
		Magic:          [4]byte{'F', 'I', 'L', 'E'},
		USAOffset:      0x30,
		USACount:       uint16(b.l.recordSize/mft.SectorSize + 1),
		Seq:            seq,
		AttrOffset:     uint16(b.l.attrOffset()),
		Flags:          flags,
		BytesAllocated: uint32(b.l.recordSize),
		Number:         n,
		HasNumber:      true,
	}
	b.recs[n] = r
	return r
}

// add lays a out, gives it the record's next attribute id and inserts it
// in type and name order.
func add(r *mft.Record, a mft.Attr) error {
	a.ID = r.NextAttrID
	r.NextAttrID++
	if err := a.Layout(); err != nil {
		return err
	}
	i := len(r.Attrs)
	for i > 0 && attrLess(&a, &r.Attrs[i-1]) {
		i--
	}
	r.Attrs = slices.Insert(r.Attrs, i, a)
	if a.Type == mft.AttrFileName {
		r.LinkCount++
	}
	return nil
}

func attrLess(a, b *mft.Attr) bool {
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	return slices.Compare(a.Name, b.Name) < 0
}

func resident(t mft.AttrType, name string, value []byte) mft.Attr {
	a := mft.Attr{Type: t, Value: value}
	if name != "" {
		a.Name = mft.NameUnits(name)
	}
	if t == mft.AttrFileName {
		a.ResidentFlags = mft.ResidentIndexed
	}
	return a
}

// nonResident is an attribute over runs with the given data size; all of
// it initialised except for sparse attributes.
func nonResident(t mft.AttrType, name string, runs []mft.Run, cs int, size int64) mft.Attr {
	n := mft.RunsClusters(runs)
	a := mft.Attr{Type: t, NonResident: true, LastVCN: mft.VCN(n - 1), AllocatedSize: n * int64(cs), DataSize: size, InitializedSize: size}
	if name != "" {
		a.Name = mft.NameUnits(name)
	}
	if len(runs) == 1 && runs[0].Sparse {
		a.InitializedSize = 0
	}
	a.SetRuns(runs)
	return a
}

func (b *sysBuilder) stdInfo(r *mft.Record, attrs mft.FileAttributes, secID uint32) error {
	si := mft.StandardInfo{Created: b.now, Modified: b.now, MFTModified: b.now, Accessed: b.now,
		Attributes: attrs, Extended: secID != 0, SecurityID: secID}
	v, err := si.AppendBinary(nil)
	if err != nil {
		return err
	}
	return add(r, resident(mft.AttrStandardInformation, "", v))
}

// fileName adds r's $FILE_NAME in parent and returns the value, the key
// of its index entry.
func (b *sysBuilder) fileName(r *mft.Record, parent mft.FileRef, name string, alloc, size int64, attrs mft.FileAttributes) ([]byte, error) {
	fn := mft.FileName{Parent: parent, Created: b.now, Modified: b.now, MFTModified: b.now, Accessed: b.now,
		AllocatedSize: alloc, DataSize: size, Attributes: attrs, Namespace: mft.NamespaceWin32DOS, Name: mft.NameUnits(name)}
	v, err := fn.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	return v, add(r, resident(mft.AttrFileName, "", v))
}

var rootRef = mft.MakeFileRef(mft.RecordRoot, uint16(mft.RecordRoot))

// rootFile adds a system file's name to the root directory.
func (b *sysBuilder) rootFile(r *mft.Record, name string, alloc, size int64, attrs mft.FileAttributes) error {
	v, err := b.fileName(r, rootRef, name, alloc, size, attrs)
	if err != nil {
		return err
	}
	b.rootIdx = append(b.rootIdx, index.Entry{Ref: mft.MakeFileRef(r.Number, r.Seq), Key: v})
	return nil
}

func (b *sysBuilder) roundUp(n int64) int64 {
	cs := int64(b.l.clusterSize)
	return (n + cs - 1) / cs * cs
}

// A viewRoot is one resident view index ($SDH, $SII, $Q, $O …) of a
// system file.
type viewRoot struct {
	name    string
	coll    index.CollationRule
	entries []index.Entry
}

// viewRoots adds each view index to r as an $INDEX_ROOT holding all its
// entries.
func (b *sysBuilder) viewRoots(r *mft.Record, roots ...viewRoot) error {
	for _, ix := range roots {
		v, err := b.indexRoot(ix.coll, ix.entries, false)
		if err != nil {
			return err
		}
		if err := add(r, resident(mft.AttrIndexRoot, ix.name, v)); err != nil {
			return err
		}
	}
	return nil
}

// indexRoot is an $INDEX_ROOT value holding entries (then an end entry);
// collation CollationFileName makes an $I30 (indexed attribute
// $FILE_NAME), any other a view index. With child the end entry points to
// the INDX block at VCN 0 (a large index).
func (b *sysBuilder) indexRoot(coll index.CollationRule, entries []index.Entry, child bool) ([]byte, error) {
	r := &index.Root{Collation: coll, BlockSize: uint32(b.l.indexSize)}
	if coll == index.CollationFileName {
		r.AttrType = mft.AttrFileName
	}
	if b.l.indexSize >= b.l.clusterSize {
		r.ClustersPerBlock = uint8(b.l.indexSize / b.l.clusterSize)
	} else {
		r.ClustersPerBlock = uint8(b.l.indexSize / mft.SectorSize)
	}
	end := index.Entry{Flags: index.EntryLast}
	if child {
		r.Flags = index.NodeHasChildren
		end.Flags |= index.EntryHasChild
	}
	r.Entries = append(slices.Clone(entries), end)
	return r.AppendBinary(nil)
}

const (
	sysAttrs  = mft.FileHidden | mft.FileSystem
	dirIndex  = mft.FileDupDirectory
	viewIndex = mft.FileDupViewIndex
)

// buildSystem builds every system file of a new volume; guid is the
// volume's object id.
func buildSystem(l *layout, label []uint16, guid mft.GUID, now mft.Filetime) (*sysImage, error) {
	b := &sysBuilder{l: l, now: now, recs: make([]*mft.Record, l.mftRecords), upcase: index.DefaultUpCase()}
	img := &sysImage{}
	cs := l.clusterSize
	fail := func(n mft.RecordNumber, err error) (*sysImage, error) {
		return nil, fmt.Errorf("volume: format: record %d: %w", n, err)
	}

	// Clusters, in mkntfs's order: the root's index block, $AttrDef,
	// $Bitmap, $Secure:$SDS, $UpCase.
	idxRuns, err := l.allocate(ceilDiv(int64(l.indexSize), int64(cs)), "the root directory's index")
	if err != nil {
		return nil, err
	}
	attrDef, err := mft.AppendAttrDefs(nil, mft.StandardAttrDefs(), mft.AttrDefTableSize)
	if err != nil {
		return nil, err
	}
	// $AttrDef is resident when it fits its record (4 KiB records), as
	// mkntfs makes it: header, $STANDARD_INFORMATION (v1), $FILE_NAME,
	// $SECURITY_DESCRIPTOR, $DATA and the end marker.
	attrDefResident := l.attrOffset()+0x48+0x70+align8(0x18+len(systemFileSD(readOnlyRights)))+
		align8(0x18+len(attrDef))+8 <= l.recordSize
	var attrDefRuns []mft.Run
	if !attrDefResident {
		if attrDefRuns, err = l.allocate(ceilDiv(int64(len(attrDef)), int64(cs)), "$AttrDef"); err != nil {
			return nil, err
		}
	}
	img.bmpRuns, err = l.allocate(ceilDiv(l.bitmapBytes, int64(cs)), "$Bitmap")
	if err != nil {
		return nil, err
	}
	sds, sdh, sii, err := secureStreams()
	if err != nil {
		return nil, err
	}
	sdsRuns, err := l.allocate(ceilDiv(int64(len(sds)), int64(cs)), "$Secure")
	if err != nil {
		return nil, err
	}
	upcase, err := b.upcase.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	upcaseRuns, err := l.allocate(ceilDiv(int64(len(upcase)), int64(cs)), "$UpCase")
	if err != nil {
		return nil, err
	}
	img.mftRuns = []mft.Run{{Start: mft.LCN(l.mftLCN), Length: ceilDiv(l.mftSize, int64(cs))}}
	img.mirrRuns = []mft.Run{{Start: mft.LCN(l.mirrLCN), Length: l.mirrClusters}}
	img.logRuns = []mft.Run{{Start: mft.LCN(l.logLCN), Length: l.logSize / int64(cs)}}
	bootRuns := []mft.Run{{Start: 0, Length: l.bootClusters}}
	mftBmpRuns := []mft.Run{{Start: mft.LCN(l.mftBitmapLCN), Length: 1}}

	// Records 0–26, as mkntfs makes them: sequence number = record number
	// (1 for $MFT and the $Extend files), in use but for 16–23.
	for n := range mft.RecordNumber(mkfsSystemRecords) {
		seq := uint16(n)
		if n == 0 || n > 23 {
			seq = 1
		}
		var flags mft.RecordFlags
		if n < 16 || n > 23 {
			flags = mft.RecordInUse
		}
		r := b.record(n, seq, flags)
		attrs := sysAttrs
		var sec uint32
		switch n {
		case mft.RecordMFT, mft.RecordMFTMirr, mft.RecordLogFile, mft.RecordBitmap, mft.RecordBadClus, mft.RecordUpCase:
			sec = secIDReadOnly
		case mft.RecordSecure:
			sec, attrs = secIDSystem, attrs|viewIndex
		case mft.RecordExtend:
			sec = secIDSystem
		case mft.RecordRoot:
			attrs |= mft.FileArchive
		case recordQuota, recordObjID, recordReparse:
			sec, attrs = secIDSystem, attrs|mft.FileArchive|viewIndex
		}
		if err := b.stdInfo(r, attrs, sec); err != nil {
			return fail(n, err)
		}
	}
	// Records past the system files: formatted, free.
	for n := mft.RecordNumber(mkfsSystemRecords); n < mft.RecordNumber(l.mftRecords); n++ {
		b.record(n, uint16(n), 0)
	}

	type step struct {
		n  mft.RecordNumber
		fn func(r *mft.Record) error
	}
	dataAttr := func(r *mft.Record, runs []mft.Run, size int64) error {
		return add(r, nonResident(mft.AttrData, "", runs, cs, size))
	}
	sd := func(r *mft.Record, d []byte) error { return add(r, resident(mft.AttrSecurityDescriptor, "", d)) }
	steps := []step{
		{mft.RecordMFT, func(r *mft.Record) error {
			if err := dataAttr(r, img.mftRuns, l.mftSize); err != nil {
				return err
			}
			if err := b.rootFile(r, "$MFT", b.roundUp(l.mftSize), l.mftSize, sysAttrs); err != nil {
				return err
			}
			return add(r, nonResident(mft.AttrBitmap, "", mftBmpRuns, cs, l.mftBitmapBytes))
		}},
		{mft.RecordMFTMirr, func(r *mft.Record) error {
			n := l.mirrClusters * int64(cs)
			if err := dataAttr(r, img.mirrRuns, n); err != nil {
				return err
			}
			return b.rootFile(r, "$MFTMirr", n, n, sysAttrs)
		}},
		{mft.RecordLogFile, func(r *mft.Record) error {
			if err := dataAttr(r, img.logRuns, l.logSize); err != nil {
				return err
			}
			return b.rootFile(r, "$LogFile", l.logSize, l.logSize, sysAttrs)
		}},
		{mft.RecordVolume, func(r *mft.Record) error {
			if err := b.rootFile(r, "$Volume", 0, 0, sysAttrs); err != nil {
				return err
			}
			if err := sd(r, systemFileSD(volumeRights)); err != nil {
				return err
			}
			if err := add(r, resident(mft.AttrData, "", nil)); err != nil {
				return err
			}
			if err := add(r, resident(mft.AttrVolumeName, "", mft.AppendVolumeName(nil, label))); err != nil {
				return err
			}
			vi, err := mft.VolumeInfo{Major: 3, Minor: 1}.AppendBinary(nil)
			if err != nil {
				return err
			}
			if err := add(r, resident(mft.AttrVolumeInformation, "", vi)); err != nil {
				return err
			}
			// The volume's object id (Windows gives every volume one;
			// mkntfs with --with-uuid), indexed in $ObjId:$O.
			return add(r, resident(mft.AttrObjectID, "", guid[:]))
		}},
		{mft.RecordAttrDef, func(r *mft.Record) error {
			if attrDefResident {
				if err := add(r, resident(mft.AttrData, "", attrDef)); err != nil {
					return err
				}
			} else {
				img.extents = append(img.extents, sysExtent{attrDefRuns, attrDef})
				if err := dataAttr(r, attrDefRuns, int64(len(attrDef))); err != nil {
					return err
				}
			}
			// A resident value's allocated size is its length (8-aligned).
			alloc := b.roundUp(int64(len(attrDef)))
			if attrDefResident {
				alloc = int64(align8(len(attrDef)))
			}
			if err := b.rootFile(r, "$AttrDef", alloc, int64(len(attrDef)), sysAttrs); err != nil {
				return err
			}
			return sd(r, systemFileSD(readOnlyRights))
		}},
		{mft.RecordBitmap, func(r *mft.Record) error {
			if err := dataAttr(r, img.bmpRuns, l.bitmapBytes); err != nil {
				return err
			}
			return b.rootFile(r, "$Bitmap", b.roundUp(l.bitmapBytes), l.bitmapBytes, sysAttrs)
		}},
		{mft.RecordBoot, func(r *mft.Record) error {
			if err := dataAttr(r, bootRuns, 8192); err != nil {
				return err
			}
			if err := b.rootFile(r, "$Boot", b.roundUp(8192), 8192, sysAttrs); err != nil {
				return err
			}
			return sd(r, systemFileSD(readOnlyRights))
		}},
		{mft.RecordBadClus, func(r *mft.Record) error {
			bad := []mft.Run{{Length: l.clusters, Sparse: true}}
			if err := add(r, nonResident(mft.AttrData, "$Bad", bad, cs, l.clusters*int64(cs))); err != nil {
				return err
			}
			if err := add(r, resident(mft.AttrData, "", nil)); err != nil {
				return err
			}
			return b.rootFile(r, "$BadClus", 0, 0, sysAttrs)
		}},
		{mft.RecordSecure, func(r *mft.Record) error {
			r.Flags |= mft.RecordViewIndex
			if err := b.rootFile(r, "$Secure", 0, 0, sysAttrs|viewIndex); err != nil {
				return err
			}
			img.extents = append(img.extents, sysExtent{sdsRuns, sds})
			if err := add(r, nonResident(mft.AttrData, "$SDS", sdsRuns, cs, int64(len(sds)))); err != nil {
				return err
			}
			return b.viewRoots(r, viewRoot{"$SDH", index.CollationSecurityHash, sdh}, viewRoot{"$SII", index.CollationULong, sii})
		}},
		{mft.RecordUpCase, func(r *mft.Record) error {
			img.extents = append(img.extents, sysExtent{upcaseRuns, upcase})
			if err := dataAttr(r, upcaseRuns, int64(len(upcase))); err != nil {
				return err
			}
			info, err := index.NewUpCaseInfo(b.upcase)
			if err != nil {
				return err
			}
			v, err := info.AppendBinary(nil)
			if err != nil {
				return err
			}
			if err := add(r, resident(mft.AttrData, "$Info", v)); err != nil {
				return err
			}
			return b.rootFile(r, "$UpCase", b.roundUp(int64(len(upcase))), int64(len(upcase)), sysAttrs)
		}},
		{mft.RecordExtend, func(r *mft.Record) error {
			r.Flags |= mft.RecordDirectory
			if err := b.rootFile(r, "$Extend", 0, 0, sysAttrs|dirIndex); err != nil {
				return err
			}
			// $Extend's index stays resident (Windows Server 2003 wants it
			// so, mkntfs notes): its three entries fit the record.
			extRef := mft.MakeFileRef(mft.RecordExtend, uint16(mft.RecordExtend))
			var entries []index.Entry
			for _, f := range []struct {
				n    mft.RecordNumber
				name string
			}{{recordQuota, "$Quota"}, {recordObjID, "$ObjId"}, {recordReparse, "$Reparse"}} {
				v, err := b.fileName(b.recs[f.n], extRef, f.name, 0, 0, sysAttrs|mft.FileArchive|viewIndex)
				if err != nil {
					return err
				}
				entries = append(entries, index.Entry{Ref: mft.MakeFileRef(f.n, 1), Key: v})
			}
			b.sortEntries(entries)
			v, err := b.indexRoot(index.CollationFileName, entries, false)
			if err != nil {
				return err
			}
			return add(r, resident(mft.AttrIndexRoot, "$I30", v))
		}},
		{recordQuota, func(r *mft.Record) error {
			r.Flags |= mft.RecordInExtend | mft.RecordViewIndex
			o, q, err := quotaEntries(b.now)
			if err != nil {
				return err
			}
			return b.viewRoots(r, viewRoot{"$Q", index.CollationULong, q}, viewRoot{"$O", index.CollationSID, o})
		}},
		{recordObjID, func(r *mft.Record) error {
			r.Flags |= mft.RecordInExtend | mft.RecordViewIndex
			// Key: the object id; data: the file reference, then the birth
			// volume id, birth object id and domain id (zero).
			data := make([]byte, 8+3*16)
			binary.LittleEndian.PutUint64(data, uint64(mft.MakeFileRef(mft.RecordVolume, uint16(mft.RecordVolume))))
			e, err := index.NewViewEntry(guid[:], data, nil)
			if err != nil {
				return err
			}
			v, err := b.indexRoot(index.CollationULongs, []index.Entry{e}, false)
			if err != nil {
				return err
			}
			return add(r, resident(mft.AttrIndexRoot, "$O", v))
		}},
		{recordReparse, func(r *mft.Record) error {
			r.Flags |= mft.RecordInExtend | mft.RecordViewIndex
			v, err := b.indexRoot(index.CollationULongs, nil, false)
			if err != nil {
				return err
			}
			return add(r, resident(mft.AttrIndexRoot, "$R", v))
		}},
	}
	for n := mft.RecordNumber(12); n < 16; n++ {
		steps = append(steps, step{n, func(r *mft.Record) error {
			if err := add(r, resident(mft.AttrData, "", nil)); err != nil {
				return err
			}
			return sd(r, systemFileSD(volumeRights))
		}})
	}
	for _, s := range steps {
		if err := s.fn(b.recs[s.n]); err != nil {
			return fail(s.n, err)
		}
	}

	// The root directory last: its index lists the others.
	root := b.recs[mft.RecordRoot]
	root.Flags |= mft.RecordDirectory
	if err := b.rootFile(root, ".", 0, 0, sysAttrs|dirIndex); err != nil {
		return fail(mft.RecordRoot, err)
	}
	if err := b.rootDir(root, idxRuns, img); err != nil {
		return fail(mft.RecordRoot, err)
	}

	// Encode the records, fixups applied.
	img.mft = make([]byte, 0, mft.RunsClusters(img.mftRuns)*int64(cs))
	for _, r := range b.recs {
		start := len(img.mft)
		var err error
		if img.mft, err = r.AppendBinary(img.mft); err != nil {
			return fail(r.Number, err)
		}
		rec := img.mft[start:]
		if _, err := mft.NextUSN(rec); err != nil {
			return fail(r.Number, err)
		}
		if err := mft.ProtectFixups(rec); err != nil {
			return fail(r.Number, err)
		}
	}
	mftBmp := make([]byte, l.mftBitmapBytes)
	for n := range mkfsSystemRecords {
		if n < 16 || n > 23 {
			mftBmp[n/8] |= 1 << (n % 8)
		}
	}
	img.extents = append(img.extents, sysExtent{mftBmpRuns, mftBmp}, sysExtent{bootRuns, nil})
	return img, nil
}

func (b *sysBuilder) sortEntries(es []index.Entry) {
	slices.SortFunc(es, func(x, y index.Entry) int {
		return b.upcase.CompareNames(keyName(x.Key), keyName(y.Key))
	})
}

// rootDir gives the root directory its descriptor and its $I30: a large
// index (as mkntfs makes it) whose root holds only an end entry pointing to
// the one INDX block listing the system files.
func (b *sysBuilder) rootDir(r *mft.Record, runs []mft.Run, img *sysImage) error {
	if err := add(r, resident(mft.AttrSecurityDescriptor, "", rootSD())); err != nil {
		return err
	}
	v, err := b.indexRoot(index.CollationFileName, nil, true)
	if err != nil {
		return err
	}
	if err := add(r, resident(mft.AttrIndexRoot, "$I30", v)); err != nil {
		return err
	}
	entries := slices.Clone(b.rootIdx)
	b.sortEntries(entries)
	entries = append(entries, index.Entry{Flags: index.EntryLast})
	blk := &index.Block{VCN: 0, Node: index.Node{Entries: entries}}
	raw, err := blk.AppendBinary(nil, b.l.indexSize)
	if err != nil {
		return err
	}
	if _, err := mft.NextUSN(raw); err != nil {
		return err
	}
	if err := mft.ProtectFixups(raw); err != nil {
		return err
	}
	img.extents = append(img.extents, sysExtent{runs, raw})
	bm := make([]byte, 8)
	bm[0] = 1
	if err := add(r, resident(mft.AttrBitmap, "$I30", bm)); err != nil {
		return err
	}
	return add(r, nonResident(mft.AttrIndexAllocation, "$I30", runs, b.l.clusterSize, int64(b.l.indexSize)))
}

// write writes the metadata (all but the boot sectors).
func (img *sysImage) write(w *formatWriter, l *layout) error {
	for _, e := range img.extents {
		if err := w.writeRuns(e.runs, e.data); err != nil {
			return err
		}
	}
	if err := w.writeRuns(img.mftRuns, img.mft); err != nil {
		return err
	}
	if err := w.writeRuns(img.mirrRuns, img.mft[:l.mirrClusters*int64(l.clusterSize)]); err != nil {
		return err
	}
	// $LogFile: all 0xFF, as mkntfs leaves it (an empty log).
	for _, r := range img.logRuns {
		if err := w.fill(int64(r.Start)*w.cs, r.Length*w.cs, 0xFF); err != nil {
			return err
		}
	}
	// $Bitmap, a chunk at a time (512 MiB on the largest volumes).
	chunk := make([]byte, 1<<20)
	var off int64 // byte offset in $Bitmap
	for _, r := range img.bmpRuns {
		for done := int64(0); done < r.Length*w.cs; {
			n := min(int64(len(chunk)), r.Length*w.cs-done)
			l.bitmapChunk(chunk[:n], off)
			if off+n > l.bitmapBytes {
				clear(chunk[max(0, l.bitmapBytes-off):n])
			}
			if err := w.write(chunk[:n], int64(r.Start)*w.cs+done); err != nil {
				return err
			}
			done, off = done+n, off+n
		}
	}
	return nil
}
