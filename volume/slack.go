package volume

import (
	"fmt"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// Where a slack entry was carved from.
const (
	SlackRoot        = "root"         // $INDEX_ROOT past its last entry
	SlackBlock       = "block"        // an INDX block in use, past its last entry
	SlackUnusedBlock = "unused-block" // an INDX block $BITMAP marks unused
	SlackRecord      = "record"       // the directory's MFT record past its bytes in use
)

// SlackEntry is an $I30 entry recovered from the unused bytes of a
// directory's index. It is never a live entry: the directory's listing
// does not contain it there (it may contain another copy).
//
// Not an on-disk structure.
type SlackEntry struct {
	Dir    mft.RecordNumber
	Source string  // SlackRoot, SlackBlock, SlackUnusedBlock or SlackRecord
	VCN    mft.VCN // the INDX block; index.NoVCN for root and record slack
	Offset int     // of the entry in the root value, block or record
	// Unfixed: an unused block whose fixups could not be applied; the
	// last two bytes of each 512-byte sector may be wrong.
	Unfixed bool
	index.Carved
}

// IndexSlack carves the $I30 slack of directory f: its $INDEX_ROOT past
// the last entry, each INDX block in use past its last entry, each block
// of $INDEX_ALLOCATION the index $BITMAP marks unused, and the record's
// own slack (a root that was moved to INDX blocks leaves its old entries
// there). A block that cannot be read is an error; the entries carved
// before it are returned with it.
func (f *File) IndexSlack() ([]SlackEntry, error) {
	if err := f.ensure(); err != nil {
		return nil, err
	}
	var out []SlackEntry
	add := func(src string, vcn mft.VCN, cs []index.Carved, unfixed bool) {
		for _, c := range cs {
			out = append(out, SlackEntry{Dir: f.num, Source: src, VCN: vcn, Offset: c.Offset, Unfixed: unfixed, Carved: c})
		}
	}
	if raw := f.Rec.Bytes(); int(f.Rec.BytesInUse) < len(raw) {
		from := int(f.Rec.BytesInUse)
		add(SlackRecord, index.NoVCN, index.CarveEntries(raw[from:], from), false)
	}
	ra := f.Attr(mft.AttrIndexRoot, I30)
	if ra == nil || ra.NonResident {
		return out, nil
	}
	root, err := index.DecodeRoot(ra.Value)
	if err != nil {
		return out, &RecordError{Record: f.num, Err: err}
	}
	b, off := root.Slack()
	add(SlackRoot, index.NoVCN, index.CarveEntries(b, off), false)
	if f.Attr(mft.AttrIndexAllocation, I30) == nil {
		return out, nil
	}
	if f.v.mftOnly != nil {
		return out, nil // no clusters to read INDX blocks from
	}
	alloc, err := f.AttrStream(mft.AttrIndexAllocation, I30)
	if err != nil {
		return out, err
	}
	var bitmap []byte
	if f.Attr(mft.AttrBitmap, I30) != nil {
		bs, err := f.AttrStream(mft.AttrBitmap, I30)
		if err != nil {
			return out, err
		}
		if bitmap, err = bs.ReadAll(); err != nil {
			return out, err
		}
	}
	bsize := int64(root.BlockSize)
	unit := int64(f.v.clusterSize)
	if bsize < unit {
		unit = 512
	}
	raw := make([]byte, bsize)
	for i := int64(0); (i+1)*bsize <= alloc.Size(); i++ {
		vcn := mft.VCN(i * bsize / unit)
		if err := alloc.readFull(raw, i*bsize); err != nil {
			return out, fmt.Errorf("volume: record %d: read INDX block at VCN %d: %w", f.num, vcn, err)
		}
		inUse := i/8 < int64(len(bitmap)) && bitmap[i/8]&(1<<(i%8)) != 0
		if !inUse {
			cs, fixed := index.CarveUnusedBlock(raw)
			add(SlackUnusedBlock, vcn, cs, !fixed)
			continue
		}
		blk, err := index.ParseBlock(raw, vcn)
		if err != nil {
			return out, &RecordError{Record: f.num, Err: err}
		}
		b, off := blk.Slack()
		add(SlackBlock, vcn, index.CarveEntries(b, off), false)
	}
	return out, nil
}

// SlackState says what became of the file a slack entry refers to:
// "live" (its record is in use with the entry's sequence number: the file
// exists, renamed, moved, or this is an old copy), "deleted" (free, same
// incarnation), "reused" or "unreadable".
func (v *Volume) SlackState(ref mft.FileRef) string {
	rec, err := v.Record(ref.Record())
	switch {
	case err != nil:
		return "unreadable"
	case rec.InUse() && rec.Seq == ref.Seq():
		return "live" // the file exists: renamed, moved, or an old copy
	case !rec.InUse() && (rec.Seq == ref.Seq() || rec.Seq == nextSeq(ref.Seq())):
		return "deleted"
	}
	return "reused"
}
