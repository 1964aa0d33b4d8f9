package index

import (
	"bytes"

	"github.com/ntfsedit/ntfsedit/mft"
)

// Slack: bytes of an index node past its last entry (up to the node's
// allocated size), and INDX blocks that the index $BITMAP no longer marks
// in use, keep entries that were removed or moved. Windows and ntfs-3g
// delete an entry by moving the entries after it down over it, so the tail
// of the node keeps the old copies of the last entries, at 8-byte
// aligned offsets; a block emptied of entries is released in $BITMAP but
// not cleared. Carving scans such bytes for entries whose header and
// $FILE_NAME key are consistent and plausible.

// Carved is an $I30 entry recovered from slack.
//
// Not an on-disk structure.
type Carved struct {
	Offset int // of the entry header (or of the bare key), in the caller's coordinates
	// HasRef: the entry header was intact, so Ref and Flags are known.
	// Without it only the $FILE_NAME key survived: moving entries down
	// over a removed one often writes a new header (the end entry's)
	// over an old entry's header and leaves its key.
	HasRef   bool
	Ref      mft.FileRef
	Flags    EntryFlags
	FileName mft.FileName
}

// Plausible FILETIME range for carved names: 1980-01-01 to 2200-01-01.
const (
	minCarveTime mft.Filetime = 119600064000000000
	maxCarveTime mft.Filetime = 189025920000000000
)

// knownAttributes are the file attribute bits Windows defines (up to
// FILE_ATTRIBUTE_STRICTLY_SEQUENTIAL) plus NTFS's index-copy bits for
// directories (0x10000000) and view indexes (0x20000000).
const knownAttributes mft.FileAttributes = 0x007FFFFF | 0x30000000

// CarveEntries scans b for $I30 index entries at every 8-byte aligned
// offset (index entries are 8-aligned within their node, and the nodes
// within their blocks) and returns those that pass checkCarved; where no
// entry header checks out, a bare $FILE_NAME key is tried (HasRef false).
// Entries never overlap: the scan resumes after each one found. base is
// added to the offsets returned, so they can name the entry's place in its
// block or root value. An entry whose key fits in b but whose trailing
// sub-node VCN was cut off is kept.
func CarveEntries(b []byte, base int) []Carved {
	var out []Carved
	start := 0
	if r := base % 8; r != 0 {
		start = 8 - r
	}
	for i := start; i+entryHeaderLen+0x42 <= len(b); {
		c, keyEnd, ok := carveAt(b[i:])
		if !ok {
			c, keyEnd, ok = carveKey(b[i:])
		}
		if !ok {
			i += 8
			continue
		}
		c.Offset = base + i
		out = append(out, c)
		i += align8(keyEnd)
	}
	return out
}

// carveAt checks for an entry at the start of b; keyEnd is the end of its
// key relative to b.
func carveAt(b []byte) (Carved, int, bool) {
	var c Carved
	length := int(le.Uint16(b[8:]))
	keyLen := int(le.Uint16(b[0x0A:]))
	c.Flags = EntryFlags(le.Uint16(b[0x0C:]))
	if c.Flags&^(EntryHasChild|EntryLast) != 0 || c.Flags&EntryLast != 0 {
		return c, 0, false
	}
	if keyLen < 0x42+2 || keyLen > 0x42+2*255 || entryHeaderLen+keyLen > len(b) {
		return c, 0, false
	}
	nameLen := int(b[entryHeaderLen+0x40])
	exact := 0x42 + 2*nameLen
	if nameLen == 0 || (keyLen != exact && keyLen != align8(exact)) {
		return c, 0, false
	}
	want := align8(entryHeaderLen + keyLen)
	if c.Flags&EntryHasChild != 0 {
		want += 8
	}
	if length != want {
		return c, 0, false
	}
	key := b[entryHeaderLen : entryHeaderLen+keyLen]
	fn, err := mft.DecodeFileName(key)
	if err != nil || !checkCarved(&fn) {
		return c, 0, false
	}
	c.Ref = mft.FileRef(le.Uint64(b))
	if c.Ref.Record() >= 1<<40 {
		return c, 0, false
	}
	c.FileName, c.HasRef = fn, true
	return c, entryHeaderLen + keyLen, true
}

// carveKey checks for a bare $FILE_NAME at the start of b.
func carveKey(b []byte) (Carved, int, bool) {
	if len(b) < 0x42+2 {
		return Carved{}, 0, false
	}
	fn, err := mft.DecodeFileName(b)
	if err != nil || !checkCarved(&fn) {
		return Carved{}, 0, false
	}
	return Carved{FileName: fn}, fn.Len(), true
}

// checkCarved reports whether a $FILE_NAME decoded from slack looks like
// one Windows or ntfs-3g wrote: a parent at or after the root, plausible
// times, sizes and attributes, and a name without NUL, control characters
// or '/' (and at most 12 characters in the DOS namespace).
func checkCarved(fn *mft.FileName) bool {
	p := fn.Parent.Record()
	if p < mft.RecordRoot || p >= 1<<40 {
		return false
	}
	for _, t := range []mft.Filetime{fn.Created, fn.Modified, fn.MFTModified, fn.Accessed} {
		if t < minCarveTime || t >= maxCarveTime {
			return false
		}
	}
	if fn.AllocatedSize < 0 || fn.DataSize < 0 || fn.AllocatedSize >= 1<<50 || fn.DataSize >= 1<<50 {
		return false
	}
	if fn.Attributes&^knownAttributes != 0 {
		return false
	}
	if fn.Namespace == mft.NamespaceDOS && len(fn.Name) > 12 {
		return false
	}
	for _, u := range fn.Name {
		if u < 0x20 || u == '/' {
			return false
		}
	}
	return true
}

// Slack returns the bytes of the root's node past its last entry, up to
// the node's allocated size, and their offset in the $INDEX_ROOT value.
// Windows keeps the root packed, so it is usually empty.
func (r *Root) Slack() ([]byte, int) {
	return nodeSlack(r.raw, rootHeaderLen, &r.Node)
}

// Slack returns the bytes of the block past its last entry and their
// offset in the block (fixups applied).
func (b *Block) Slack() ([]byte, int) {
	return nodeSlack(b.raw, blockHeaderLen, &b.Node)
}

func nodeSlack(raw []byte, hdr int, n *Node) ([]byte, int) {
	from := hdr + int(n.IndexLength)
	to := min(hdr+int(n.AllocatedSize), len(raw))
	if from >= to {
		return nil, to
	}
	return raw[from:to], from
}

// CarveUnusedBlock carves an INDX block that the index $BITMAP marks
// unused: the whole block past its headers, since its own node header
// may be stale. With a valid INDX signature and update sequence array its
// fixups are applied first (on a copy); otherwise the raw bytes are
// carved, and fixed is false (the last two bytes of each sector may be
// wrong then).
func CarveUnusedBlock(raw []byte) (entries []Carved, fixed bool) {
	b := raw
	if len(raw) >= blockHeaderLen+nodeHeaderLen && string(raw[:4]) == "INDX" {
		c := bytes.Clone(raw)
		if mft.ApplyFixups(c) == nil {
			b, fixed = c, true
		}
	}
	from := blockHeaderLen + nodeHeaderLen
	if len(b) <= from {
		return nil, fixed
	}
	return CarveEntries(b[from:], from), fixed
}
