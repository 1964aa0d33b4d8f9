package shllink

import "strings"

// Shell item class types (the first byte after an item's size), as far
// as a path is concerned.
const (
	itemRootFolder = 0x1F // a shell folder by GUID (My Computer, …)
	itemVolumeMask = 0x70
	itemVolume     = 0x20 // 0x2? : a drive, "C:\"
	itemFileEntry  = 0x30 // 0x3? : a directory (0x31) or file (0x32)
	itemUnicode    = 0x04 // in a file entry: the primary name is UTF-16
	beef0004       = 0xBEEF0004
)

// IDListItems splits the ID list into its items (each without its size).
func (l *Link) IDListItems() [][]byte {
	var out [][]byte
	b := l.IDList
	for len(b) >= 2 {
		n := int(le.Uint16(b))
		if n < 2 || n > len(b) {
			break
		}
		out = append(out, b[2:n])
		b = b[n:]
	}
	return out
}

// IDListPath reads a path from the ID list: the drive of a volume item
// and the names of the file entry items after it (the long name of a
// 0xBEEF0004 extension block preferred), joined with backslashes. Items
// it does not know (root folders, control panel items, …) are left out.
func (l *Link) IDListPath() string {
	var parts []string
	for _, it := range l.IDListItems() {
		if len(it) == 0 {
			continue
		}
		switch t := it[0]; {
		case t == itemRootFolder:
		case t&itemVolumeMask == itemVolume:
			parts = append(parts[:0], strings.TrimSuffix(ansiZ(it[1:]), `\`))
		case t&itemVolumeMask == itemFileEntry:
			if name := fileEntryName(it); name != "" {
				parts = append(parts, name)
			}
		}
	}
	return strings.Join(parts, `\`)
}

// fileEntryName is the name of a file entry shell item: item[0] type,
// [1] unknown, [2:6] size, [6:10] FAT time, [10:12] attributes, [12:]
// the primary name (NUL-terminated, 16-bit aligned), then extension
// blocks whose last two bytes give the first block's offset.
func fileEntryName(it []byte) string {
	if len(it) < 13 {
		return ""
	}
	primary := ""
	if it[0]&itemUnicode != 0 {
		primary = utf16Z(it[12:])
	} else {
		primary = ansiZ(it[12:])
	}
	if len(it) < 4 {
		return primary
	}
	// the extension block starts at the offset in the item's last u16
	// (counted from the item's size field, two bytes before it)
	off := int(le.Uint16(it[len(it)-2:])) - 2
	if off < 12 || off+0x14 > len(it) || le.Uint32(it[off+4:]) != beef0004 {
		return primary
	}
	ext := it[off:]
	size, version := int(le.Uint16(ext)), int(le.Uint16(ext[2:]))
	if size > len(ext) {
		return primary
	}
	ext = ext[:size]
	// the long name's offset grows with the block version
	var at int
	switch {
	case version >= 9:
		at = 0x2E
	case version == 8:
		at = 0x2A
	case version == 7:
		at = 0x26
	case version >= 3:
		at = 0x14
	default:
		return primary
	}
	if at >= len(ext) {
		return primary
	}
	if long := utf16Z(ext[at:]); long != "" {
		return long
	}
	return primary
}
