package mft

// $FILE_NAME value layout:
//
//	0x00 parent directory reference u64
//	0x08 created | 0x10 modified | 0x18 MFT modified | 0x20 accessed (FILETIME each)
//	0x28 allocated size u64 | 0x30 data size u64 | 0x38 file attributes u32
//	0x3C EA size u16 + reserved u16, or the reparse tag u32 for reparse points
//	0x40 name length u8 (code units) | 0x41 namespace u8 | 0x42 name (UTF-16LE)
const fileNameHeaderLen = 0x42

// FileName is a $FILE_NAME (0x30) value; the same structure is the key of
// every $I30 index entry.
type FileName struct {
	Parent                                   FileRef
	Created, Modified, MFTModified, Accessed Filetime
	AllocatedSize                            int64
	DataSize                                 int64
	Attributes                               FileAttributes
	// EAReparse is the packed EA size, or the reparse tag in index copies
	// of reparse points (FileReparsePoint set in Attributes).
	EAReparse uint32
	Namespace Namespace
	Name      []uint16
}

// NameString returns the name as a Go string.
func (f *FileName) NameString() string { return NameString(f.Name) }

// IsDir reports whether the name belongs to a directory.
func (f *FileName) IsDir() bool { return f.Attributes&FileDupDirectory != 0 }

// Len is the encoded size in bytes.
func (f *FileName) Len() int { return fileNameHeaderLen + 2*len(f.Name) }

// DecodeFileName decodes a $FILE_NAME value. Trailing bytes after the name
// (index keys are sometimes padded) are ignored.
func DecodeFileName(b []byte) (FileName, error) {
	f, _, err := DecodeFileNameAppend(b, nil)
	return f, err
}

// DecodeFileNameAppend is DecodeFileName with the name's code units
// appended to units, which it returns: Name aliases the appended units
// (its capacity ends with them). Directory listings decode every name of a
// directory into one buffer this way.
func DecodeFileNameAppend(b []byte, units []uint16) (FileName, []uint16, error) {
	var f FileName
	if len(b) < fileNameHeaderLen {
		return f, units, corrupt(0, "$FILE_NAME length", len(b))
	}
	f.Parent = FileRef(le.Uint64(b))
	f.Created = Filetime(le.Uint64(b[0x08:]))
	f.Modified = Filetime(le.Uint64(b[0x10:]))
	f.MFTModified = Filetime(le.Uint64(b[0x18:]))
	f.Accessed = Filetime(le.Uint64(b[0x20:]))
	f.AllocatedSize = int64(le.Uint64(b[0x28:]))
	f.DataSize = int64(le.Uint64(b[0x30:]))
	f.Attributes = FileAttributes(le.Uint32(b[0x38:]))
	f.EAReparse = le.Uint32(b[0x3C:])
	n := int(b[0x40])
	f.Namespace = Namespace(b[0x41])
	if f.Namespace > NamespaceWin32DOS {
		return f, units, corrupt(0x41, "$FILE_NAME namespace", b[0x41])
	}
	if n == 0 {
		return f, units, corrupt(0x40, "$FILE_NAME name length", n)
	}
	if fileNameHeaderLen+2*n > len(b) {
		return f, units, corrupt(0x40, "$FILE_NAME name length", n)
	}
	k := len(units)
	if cap(units)-k < n {
		units = append(make([]uint16, 0, k+n), units...)
	}
	units = units[:k+n]
	dst, src := units[k:], b[fileNameHeaderLen:fileNameHeaderLen+2*n]
	for i := range dst {
		dst[i] = uint16(src[2*i]) | uint16(src[2*i+1])<<8
	}
	f.Name = units[k:len(units):len(units)]
	return f, units, nil
}

// AppendBinary appends the encoded value.
func (f FileName) AppendBinary(b []byte) ([]byte, error) {
	if len(f.Name) == 0 || len(f.Name) > 255 {
		return b, corrupt(0x40, "$FILE_NAME name length", len(f.Name))
	}
	if f.Namespace > NamespaceWin32DOS {
		return b, corrupt(0x41, "$FILE_NAME namespace", uint8(f.Namespace))
	}
	b = le.AppendUint64(b, uint64(f.Parent))
	b = le.AppendUint64(b, uint64(f.Created))
	b = le.AppendUint64(b, uint64(f.Modified))
	b = le.AppendUint64(b, uint64(f.MFTModified))
	b = le.AppendUint64(b, uint64(f.Accessed))
	b = le.AppendUint64(b, uint64(f.AllocatedSize))
	b = le.AppendUint64(b, uint64(f.DataSize))
	b = le.AppendUint32(b, uint32(f.Attributes))
	b = le.AppendUint32(b, f.EAReparse)
	b = append(b, byte(len(f.Name)), byte(f.Namespace))
	return AppendName(b, f.Name), nil
}
