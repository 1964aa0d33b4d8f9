package vhd

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"strings"
)

// VHDX facts ([MS-VHDX]), all little-endian:
//
//   - 0 KiB: file type identifier, "vhdxfile" then the creator (UTF-16).
//   - 64 KiB and 128 KiB: two 4 KiB headers: "head", CRC-32C (over the 4 KiB
//     with the field zero), sequence number (uint64; the valid header with
//     the larger one is current), file write, data write and log GUIDs,
//     log version (uint16), version (uint16, 1), log length, log offset.
//   - 192 KiB and 256 KiB: two 64 KiB region tables: "regi", CRC-32C, entry
//     count (≤ 2047), then 32-byte entries: GUID, file offset (uint64),
//     length (uint32), flags (bit 0: required).
//   - The metadata region starts with a 64 KiB table: "metadata", entry
//     count (uint16 at 0x0a), then from 0x20 32-byte entries: item GUID,
//     offset from the region's start (uint32), length (uint32), flags.
//   - The BAT is uint64 entries: state in bits 0–2, file offset in MiB in
//     bits 20–63. After every chunk ratio = 2^23 × logical sector size /
//     block size payload entries comes one sector bitmap entry; a sector
//     bitmap block (1 MiB) has one bit per sector of its chunk, least
//     significant bit first.
var (
	guidBAT          = guid("2DC27766-F623-4200-9D64-115E9BFD4A08")
	guidMetadata     = guid("8B7CA206-4790-4B9A-B8FE-575F050F886E")
	guidFileParams   = guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B")
	guidDiskSize     = guid("2FA54224-CD1B-4876-B211-5DBED83BF4B8")
	guidLogicalSS    = guid("8141BF1D-A96F-4709-BA47-F233A8FAAB5F")
	guidParentLoc    = guid("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C")
	guidVHDXLocator  = guid("B04AEFB7-D19E-4A81-B789-25B8E9445913")
	castagnoli       = crc32.MakeTable(crc32.Castagnoli)
	leU              = binary.LittleEndian
	vhdxHeaderOffs   = [2]int64{64 << 10, 128 << 10}
	vhdxRegionOffs   = [2]int64{192 << 10, 256 << 10}
	vhdxRegionSize   = int64(64 << 10)
	vhdxHeaderSize   = int64(4 << 10)
	maxVHDXMetadata  = int64(1 << 20)
	maxVHDXBATLength = int64(1 << 30)
)

// BAT entry states.
const (
	payloadNotPresent       = 0
	payloadUndefined        = 1
	payloadZero             = 2
	payloadUnmapped         = 3
	payloadFullyPresent     = 6
	payloadPartiallyPresent = 7
	bitmapPresent           = 6
)

// guid returns the on-disk bytes of a GUID written in its usual text form
// (the first three groups little-endian).
func guid(s string) [16]byte {
	var g [16]byte
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		panic("vhd: bad GUID literal " + s)
	}
	copy(g[:], b)
	g[0], g[1], g[2], g[3] = b[3], b[2], b[1], b[0]
	g[4], g[5] = b[5], b[4]
	g[6], g[7] = b[7], b[6]
	return g
}

// guidString formats on-disk GUID bytes as text (no braces, upper case).
func guidString(g []byte) string {
	return fmt.Sprintf("%08X-%04X-%04X-%X-%X", leU.Uint32(g), leU.Uint16(g[4:]), leU.Uint16(g[6:]), g[8:10], g[10:16])
}

func crc32c(b []byte, skip int) uint32 {
	c := crc32.Update(0, castagnoli, b[:skip])
	c = crc32.Update(c, castagnoli, []byte{0, 0, 0, 0})
	return crc32.Update(c, castagnoli, b[skip+4:])
}

func openVHDX(f File, open OpenFunc, depth int) (*Disk, error) {
	corrupt := func(off int64, field string, v any) error {
		return &CorruptError{File: f.Name, Offset: off, Field: field, Value: v}
	}
	// Current header.
	var hdr []byte
	var seq uint64
	var firstErr error
	for _, off := range vhdxHeaderOffs {
		h := make([]byte, vhdxHeaderSize)
		if err := readFull(f, h, off); err != nil {
			return nil, err
		}
		if string(h[:4]) != "head" {
			firstErr = corrupt(off, "header signature", fmt.Sprintf("%q", h[:4]))
			continue
		}
		if sum, want := crc32c(h, 4), leU.Uint32(h[4:]); sum != want {
			firstErr = corrupt(off, "header checksum", fmt.Sprintf("%#08x (computed %#08x)", want, sum))
			continue
		}
		if s := leU.Uint64(h[8:]); hdr == nil || s > seq {
			hdr, seq = h, s
		}
	}
	if hdr == nil {
		return nil, firstErr
	}
	if v := leU.Uint16(hdr[66:]); v != 1 {
		return nil, fmt.Errorf("%w: %s: VHDX version %d", ErrUnsupported, f.Name, v)
	}
	if g := hdr[48:64]; !allZero(g) {
		return nil, fmt.Errorf("%w: %s: the log (GUID %s) has entries not replayed; replay it first (Hyper-V, or qemu-img check -r all on a copy)", ErrUnsupported, f.Name, guidString(g))
	}

	// Region table.
	var regions []byte
	var roff int64
	for _, off := range vhdxRegionOffs {
		r := make([]byte, vhdxRegionSize)
		if err := readFull(f, r, off); err != nil {
			return nil, err
		}
		if string(r[:4]) != "regi" {
			firstErr = corrupt(off, "region table signature", fmt.Sprintf("%q", r[:4]))
			continue
		}
		if sum, want := crc32c(r, 4), leU.Uint32(r[4:]); sum != want {
			firstErr = corrupt(off, "region table checksum", fmt.Sprintf("%#08x (computed %#08x)", want, sum))
			continue
		}
		regions, roff = r, off
		break
	}
	if regions == nil {
		return nil, firstErr
	}
	count := int(leU.Uint32(regions[8:]))
	if count > 2047 {
		return nil, corrupt(roff+8, "region entry count", count)
	}
	var batOff, batLen, metaOff, metaLen int64 = -1, 0, -1, 0
	for i := range count {
		e := regions[16+32*i:]
		off, length := int64(leU.Uint64(e[16:])), int64(leU.Uint32(e[24:]))
		if off < 0 || off > f.Size || length > f.Size-off || off%(1<<20) != 0 {
			return nil, corrupt(roff+16+32*int64(i), "region", fmt.Sprintf("%d bytes at %#x", length, off))
		}
		switch [16]byte(e[:16]) {
		case guidBAT:
			batOff, batLen = off, length
		case guidMetadata:
			metaOff, metaLen = off, length
		default:
			if leU.Uint32(e[28:])&1 != 0 {
				return nil, fmt.Errorf("%w: %s: required region %s", ErrUnsupported, f.Name, guidString(e[:16]))
			}
		}
	}
	if batOff < 0 || metaOff < 0 {
		return nil, corrupt(roff, "region table", "no BAT or no metadata region")
	}

	// Metadata.
	meta := make([]byte, min(metaLen, maxVHDXMetadata))
	if int64(len(meta)) < vhdxRegionSize {
		return nil, corrupt(roff, "metadata region length", metaLen)
	}
	if err := readFull(f, meta, metaOff); err != nil {
		return nil, err
	}
	if string(meta[:8]) != "metadata" {
		return nil, corrupt(metaOff, "metadata table signature", fmt.Sprintf("%q", meta[:8]))
	}
	items := map[[16]byte][]byte{}
	n := int(leU.Uint16(meta[10:]))
	if n > 2047 {
		return nil, corrupt(metaOff+10, "metadata entry count", n)
	}
	for i := range n {
		e := meta[32+32*i:]
		off, length := int64(leU.Uint32(e[16:])), int64(leU.Uint32(e[20:]))
		id := [16]byte(e[:16])
		if length == 0 {
			items[id] = nil
			continue
		}
		if off < vhdxRegionSize || off > int64(len(meta)) || length > int64(len(meta))-off {
			return nil, corrupt(metaOff+32+32*int64(i), "metadata item "+guidString(id[:]), fmt.Sprintf("%d bytes at %#x", length, off))
		}
		items[id] = meta[off : off+length]
		if leU.Uint32(e[24:])&4 != 0 { // required
			switch id {
			case guidFileParams, guidDiskSize, guidLogicalSS, guidParentLoc,
				guid("BECA12AB-B2E6-4523-93EF-C309E000C746"), // virtual disk id
				guid("CDA348C7-445D-4471-9CC9-E9885251C556"): // physical sector size
			default:
				return nil, fmt.Errorf("%w: %s: required metadata item %s", ErrUnsupported, f.Name, guidString(id[:]))
			}
		}
	}
	item := func(id [16]byte, name string, size int) ([]byte, error) {
		b, ok := items[id]
		if !ok || len(b) < size {
			return nil, corrupt(metaOff, "metadata item "+name, fmt.Sprintf("%d bytes", len(b)))
		}
		return b, nil
	}
	fp, err := item(guidFileParams, "file parameters", 8)
	if err != nil {
		return nil, err
	}
	ds, err := item(guidDiskSize, "virtual disk size", 8)
	if err != nil {
		return nil, err
	}
	ls, err := item(guidLogicalSS, "logical sector size", 4)
	if err != nil {
		return nil, err
	}
	block := int64(leU.Uint32(fp))
	hasParent := leU.Uint32(fp[4:])&2 != 0
	size := int64(leU.Uint64(ds))
	ss := int64(leU.Uint32(ls))
	switch {
	case block < 1<<20 || block > 256<<20 || block&(block-1) != 0:
		return nil, corrupt(metaOff, "block size", block)
	case ss != 512 && ss != 4096:
		return nil, corrupt(metaOff, "logical sector size", ss)
	case size < 0 || size%ss != 0 || size > 64<<40:
		return nil, corrupt(metaOff, "virtual disk size", size)
	}
	d := &Disk{Format: "VHDX", Type: Dynamic, file: f, size: size, sectorSize: int(ss)}
	copy(d.ID[:], hdr[32:48]) // data write GUID
	if hasParent {
		d.Type = Differencing
	}
	ratio := (int64(1) << 23) * ss / block
	blocks := (size + block - 1) / block
	need := blocks + (blocks-1)/ratio // last payload entry's index + 1
	if hasParent {
		need = (blocks + ratio - 1) / ratio * (ratio + 1)
	}
	if blocks == 0 {
		need = 0
	}
	if need*8 > batLen || need*8 > maxVHDXBATLength {
		return nil, corrupt(batOff, "BAT length", fmt.Sprintf("%d bytes, need %d", batLen, need*8))
	}
	raw := make([]byte, need*8)
	if err := readFull(f, raw, batOff); err != nil {
		return nil, err
	}
	bat := make([]uint64, need)
	for i := range bat {
		bat[i] = leU.Uint64(raw[8*i:])
	}
	if leU.Uint32(fp[4:])&1 != 0 && !hasParent { // LeaveBlocksAllocated
		d.Type = Fixed
	}
	entryErr := func(i int64, why string) error {
		return corrupt(batOff+8*i, fmt.Sprintf("BAT entry %d", i), why)
	}
	d.blocks = func(off int64) (extent, error) {
		b := off / block
		in := off - b*block
		left := block - in
		i := b + b/ratio
		e := bat[i]
		state := e & 7
		foff := int64(e>>20) << 20
		switch state {
		case payloadFullyPresent:
			if foff < 3<<20 || foff > f.Size-block {
				return extent{}, entryErr(i, fmt.Sprintf("block at %#x outside the file", foff))
			}
			return extent{n: left, src: srcFile, file: foff + in}, nil
		case payloadNotPresent, payloadUndefined:
			if hasParent {
				return extent{n: left, src: srcParent}, nil
			}
			return extent{n: left, src: srcZero}, nil
		case payloadZero, payloadUnmapped:
			return extent{n: left, src: srcZero}, nil
		case payloadPartiallyPresent:
			if !hasParent {
				return extent{}, entryErr(i, "partially present block in a disk without a parent")
			}
		default:
			return extent{}, entryErr(i, fmt.Sprintf("state %d", state))
		}
		if foff < 3<<20 || foff > f.Size-block {
			return extent{}, entryErr(i, fmt.Sprintf("block at %#x outside the file", foff))
		}
		// A partially present block: its chunk's sector bitmap says which
		// sectors are here.
		c := b / ratio
		si := c*(ratio+1) + ratio
		se := bat[si]
		soff := int64(se>>20) << 20
		if se&7 != bitmapPresent || soff < 3<<20 || soff > f.Size-(1<<20) {
			return extent{}, entryErr(si, fmt.Sprintf("sector bitmap state %d at %#x", se&7, soff))
		}
		sector := (off - c*ratio*block) / ss // within the chunk
		last := (b*block + block - c*ratio*block) / ss
		// Read the bitmap bytes for the rest of the block.
		lo, hi := sector/8, (last+7)/8
		bm := make([]byte, hi-lo)
		if err := readFull(f, bm, soff+lo); err != nil {
			return extent{}, err
		}
		set := func(s int64) bool { return bm[s/8-lo]&(1<<(s%8)) != 0 }
		first := set(sector)
		s := sector + 1
		for s < last && set(s) == first {
			s++
		}
		n := (s-sector)*ss - (off % ss)
		if first {
			return extent{n: n, src: srcFile, file: foff + in}, nil
		}
		return extent{n: n, src: srcParent}, nil
	}
	if !hasParent {
		return d, nil
	}
	pl, ok := items[guidParentLoc]
	if !ok || len(pl) < 20 || [16]byte(pl[:16]) != guidVHDXLocator {
		return nil, corrupt(metaOff, "parent locator", "missing or not a VHDX locator")
	}
	kv := map[string]string{}
	nkv := int(leU.Uint16(pl[18:]))
	for i := range nkv {
		e := 20 + 12*i
		if e+12 > len(pl) {
			return nil, corrupt(metaOff, "parent locator entries", nkv)
		}
		ko, vo := int(leU.Uint32(pl[e:])), int(leU.Uint32(pl[e+4:]))
		kl, vl := int(leU.Uint16(pl[e+8:])), int(leU.Uint16(pl[e+10:]))
		if ko+kl > len(pl) || vo+vl > len(pl) || ko < 0 || vo < 0 {
			return nil, corrupt(metaOff, "parent locator entry", i)
		}
		kv[utf16String(pl[ko:ko+kl], leU)] = utf16String(pl[vo:vo+vl], leU)
	}
	links := []string{strings.Trim(kv["parent_linkage"], "{}"), strings.Trim(kv["parent_linkage2"], "{}")}
	var names []string
	for _, k := range []string{"relative_path", "absolute_win32_path", "volume_path"} {
		if v := kv[k]; v != "" {
			names = append(names, v)
		}
	}
	p, err := openParent(d, names, open, depth, func(p *Disk) bool {
		id := guidString(p.ID[:])
		return p.Format == "VHDX" && (strings.EqualFold(id, links[0]) || strings.EqualFold(id, links[1]))
	})
	if err != nil {
		return nil, err
	}
	d.parent = p
	return d, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
