package reparse

// AppExecLink is the reparse data of IO_REPARSE_TAG_APPEXECLINK, an app
// execution alias such as %LOCALAPPDATA%\Microsoft\WindowsApps\winget.exe.
// The layout is not in MS-FSCC; as observed and as other readers parse it:
//
//	0x00 u32  version, 3
//	0x04      NUL-terminated UTF-16 strings, to the end of the data:
//	          package ID, app user model ID, target executable path and,
//	          on newer Windows, an application type
//
// Every string is kept, so unknown trailing strings survive a round trip.
type AppExecLink struct {
	Version uint32 // 0x00: 3 on every known writer; other values are kept
	Strings []Name // 0x04: each stored with a NUL terminator that is not part of the Name; nil when none
}

// AppExecLinkVersion is the version Windows writes.
const AppExecLinkVersion = 3

const appExecLinkFixedSize = 4

// DecodeAppExecLink parses the reparse data (Point.Data) of an app
// execution alias. The string list must have an even length and, unless
// empty, end with a NUL code unit.
func DecodeAppExecLink(data []byte) (AppExecLink, error) {
	if len(data) < appExecLinkFixedSize {
		return AppExecLink{}, corrupt(HeaderSize, "app exec link data", len(data), "%d bytes, shorter than the %d-byte version", len(data), appExecLinkFixedSize)
	}
	r := readBuf(data)
	var a AppExecLink
	a.Version = r.uint32()
	const at = HeaderSize + appExecLinkFixedSize
	if len(r)%2 != 0 {
		return AppExecLink{}, corrupt(at, "app exec link strings", len(r), "odd length for UTF-16 strings")
	}
	if len(r) > 0 && le.Uint16(r[len(r)-2:]) != 0 {
		return AppExecLink{}, corrupt(at+len(r)-2, "app exec link strings", nil, "last string is not NUL-terminated")
	}
	start := 0
	for i := 0; i < len(r); i += 2 {
		if le.Uint16(r[i:]) == 0 {
			a.Strings = append(a.Strings, decodeName(r[start:i]))
			start = i + 2
		}
	}
	return a, nil
}

// AppendBinary appends the reparse data (not the 8-byte header) to b. It
// implements encoding.BinaryAppender. A string holding a NUL code unit
// cannot be encoded.
func (a AppExecLink) AppendBinary(b []byte) ([]byte, error) {
	n := appExecLinkFixedSize
	for i, s := range a.Strings {
		for _, u := range s {
			if u == 0 {
				return b, corrupt(HeaderSize+n, "app exec link strings", i, "string %d holds a NUL", i)
			}
		}
		n += 2*len(s) + 2
	}
	if err := checkDataLen(n); err != nil {
		return b, err
	}
	w := writeBuf(b)
	w.uint32(a.Version)
	for _, s := range a.Strings {
		w = appendName(w, s)
		w.uint16(0)
	}
	return w, nil
}

// Point wraps a in a Point tagged IO_REPARSE_TAG_APPEXECLINK.
func (a AppExecLink) Point() (Point, error) {
	data, err := a.AppendBinary(nil)
	return pointOf(TagAppExecLink, data, err)
}

func (a AppExecLink) str(i int) string {
	if i >= len(a.Strings) {
		return ""
	}
	return a.Strings[i].String()
}

// PackageID returns the first string, such as
// "Microsoft.DesktopAppInstaller_8wekyb3d8bbwe", or "" if absent.
func (a AppExecLink) PackageID() string { return a.str(0) }

// AppUserModelID returns the second string, or "" if absent.
func (a AppExecLink) AppUserModelID() string { return a.str(1) }

// TargetPath returns the third string, the executable that runs, or "" if
// absent.
func (a AppExecLink) TargetPath() string { return a.str(2) }
