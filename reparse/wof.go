package reparse

import "fmt"

// WOFProvider is WOF_EXTERNAL_INFO.Provider (wofapi.h).
type WOFProvider uint32

// Known WOF providers.
const (
	WOFProviderWIM  WOFProvider = 1 // WOF_PROVIDER_WIM: file backed by a WIM image (WIMBoot)
	WOFProviderFile WOFProvider = 2 // WOF_PROVIDER_FILE: "compact" file compression
)

var wofProviderNames = map[WOFProvider]string{
	WOFProviderWIM:  "WOF_PROVIDER_WIM",
	WOFProviderFile: "WOF_PROVIDER_FILE",
}

func (p WOFProvider) String() string {
	if s, ok := wofProviderNames[p]; ok {
		return s
	}
	return fmt.Sprintf("WOFProvider(%d)", uint32(p))
}

// WOFAlgorithm is the compression algorithm of the file provider
// (FILE_PROVIDER_EXTERNAL_INFO_V1.Algorithm). The compressed bytes live in
// the file's "WofCompressedData" alternate data stream.
type WOFAlgorithm uint32

// File provider algorithms.
const (
	WOFXpress4K  WOFAlgorithm = 0 // FILE_PROVIDER_COMPRESSION_XPRESS4K: XPRESS, 4 KiB chunks
	WOFLZX       WOFAlgorithm = 1 // FILE_PROVIDER_COMPRESSION_LZX: LZX, 32 KiB chunks
	WOFXpress8K  WOFAlgorithm = 2 // FILE_PROVIDER_COMPRESSION_XPRESS8K: XPRESS, 8 KiB chunks
	WOFXpress16K WOFAlgorithm = 3 // FILE_PROVIDER_COMPRESSION_XPRESS16K: XPRESS, 16 KiB chunks
)

var wofAlgorithmNames = map[WOFAlgorithm]string{
	WOFXpress4K:  "XPRESS4K",
	WOFLZX:       "LZX",
	WOFXpress8K:  "XPRESS8K",
	WOFXpress16K: "XPRESS16K",
}

func (a WOFAlgorithm) String() string {
	if s, ok := wofAlgorithmNames[a]; ok {
		return s
	}
	return fmt.Sprintf("WOFAlgorithm(%d)", uint32(a))
}

// WOF is the reparse data of IO_REPARSE_TAG_WOF, the Windows Overlay
// Filter: a WOF_EXTERNAL_INFO, then provider-specific data. For the file
// provider that is the version and algorithm pair that wofapi.h calls
// FILE_PROVIDER_EXTERNAL_INFO_V0/V1 (Windows stores 16 bytes in all);
// other providers' data (for WIM, WIM_PROVIDER_EXTERNAL_INFO) is kept
// raw in Rest.
type WOF struct {
	Version  uint32      // 0x00: WOF_EXTERNAL_INFO.Version, WOF_CURRENT_VERSION (1)
	Provider WOFProvider // 0x04: WOF_EXTERNAL_INFO.Provider
	// File provider only; zero for other providers.
	FileVersion uint32       // 0x08: FILE_PROVIDER_CURRENT_VERSION (1)
	Algorithm   WOFAlgorithm // 0x0C
	// Rest holds what follows: from 0x10 for the file provider (normally
	// nothing), from 0x08 for other providers. nil when empty.
	Rest []byte
}

const (
	wofFixedSize     = 8  // WOF_EXTERNAL_INFO
	wofFileFixedSize = 16 // WOF_EXTERNAL_INFO + version and algorithm
)

// DecodeWOF parses the reparse data (Point.Data) of a WOF reparse point.
func DecodeWOF(data []byte) (WOF, error) {
	if len(data) < wofFixedSize {
		return WOF{}, corrupt(HeaderSize, "WOF data", len(data), "%d bytes, shorter than the %d-byte WOF_EXTERNAL_INFO", len(data), wofFixedSize)
	}
	r := readBuf(data)
	var w WOF
	w.Version = r.uint32()
	w.Provider = WOFProvider(r.uint32())
	if w.Provider == WOFProviderFile {
		if len(data) < wofFileFixedSize {
			return WOF{}, corrupt(HeaderSize+wofFixedSize, "WOF file provider data", len(r), "%d bytes, shorter than the %d-byte version and algorithm", len(r), wofFileFixedSize-wofFixedSize)
		}
		w.FileVersion = r.uint32()
		w.Algorithm = WOFAlgorithm(r.uint32())
	}
	w.Rest = r.rest()
	return w, nil
}

// AppendBinary appends the reparse data (not the 8-byte header) to b. It
// implements encoding.BinaryAppender.
func (w WOF) AppendBinary(b []byte) ([]byte, error) {
	n := wofFixedSize + len(w.Rest)
	if w.Provider == WOFProviderFile {
		n += wofFileFixedSize - wofFixedSize
	} else if w.FileVersion != 0 || w.Algorithm != 0 {
		return b, fmt.Errorf("reparse: WOF FileVersion and Algorithm are set for provider %v", w.Provider)
	}
	if err := checkDataLen(n); err != nil {
		return b, err
	}
	wb := writeBuf(b)
	wb.uint32(w.Version)
	wb.uint32(uint32(w.Provider))
	if w.Provider == WOFProviderFile {
		wb.uint32(w.FileVersion)
		wb.uint32(uint32(w.Algorithm))
	}
	wb.bytes(w.Rest)
	return wb, nil
}

// Point wraps w in a Point tagged IO_REPARSE_TAG_WOF.
func (w WOF) Point() (Point, error) {
	data, err := w.AppendBinary(nil)
	return pointOf(TagWOF, data, err)
}

// NewWOFFile returns the WOF information Windows writes for a file
// compressed with algorithm a ("compact /exe:…").
func NewWOFFile(a WOFAlgorithm) WOF {
	return WOF{Version: 1, Provider: WOFProviderFile, FileVersion: 1, Algorithm: a}
}
