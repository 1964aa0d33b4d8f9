package wof

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// A non-solid WIM resource is laid out exactly like a WofCompressedData
// stream (chunk table, then chunks, raw when not smaller), so wimlib — an
// XPRESS and LZX implementation we did not write — produces test streams:
// capture a directory with the chunk size of a WOF algorithm, find each
// file's resource through the WIM's blob table, and decompress it.
//
// WIM layout used here (wimlib's and WIMGAPI's documentation):
//
//	header 0x00 "MSWIM\0\0\0"; 0x30 blob table resource header
//	resource header (24 bytes): size in WIM (7 bytes) and flags (1 byte;
//	  0x04 compressed, 0x10 solid), offset u64, uncompressed size u64
//	blob table entry (50 bytes): resource header, part number u16,
//	  reference count u32, SHA-1 of the data (20 bytes)

type wimBlob struct {
	stored, offset, size int64
	flags                byte
}

func wimResHdr(b []byte) wimBlob {
	var s [8]byte
	copy(s[:], b[:7])
	return wimBlob{
		stored: int64(binary.LittleEndian.Uint64(s[:])),
		flags:  b[7],
		offset: int64(binary.LittleEndian.Uint64(b[8:])),
		size:   int64(binary.LittleEndian.Uint64(b[16:])),
	}
}

// wimBlobs maps the SHA-1 of each blob in a WIM to its resource header.
func wimBlobs(t *testing.T, wim []byte) map[[20]byte]wimBlob {
	t.Helper()
	if len(wim) < 208 || string(wim[:8]) != "MSWIM\x00\x00\x00" {
		t.Fatalf("not a WIM file")
	}
	bt := wimResHdr(wim[0x30:])
	if bt.flags&0x04 != 0 || bt.offset+bt.stored > int64(len(wim)) {
		t.Fatalf("blob table %+v: compressed or past the end", bt)
	}
	out := map[[20]byte]wimBlob{}
	table := wim[bt.offset : bt.offset+bt.stored]
	for len(table) >= 50 {
		var h [20]byte
		copy(h[:], table[30:50])
		out[h] = wimResHdr(table)
		table = table[50:]
	}
	return out
}

func TestWimlibOracle(t *testing.T) {
	if _, err := exec.LookPath("wimlib-imagex"); err != nil {
		oracle.Unavailable(t, "wimlib-imagex not installed: apt-get install wimtools")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	binary, err := os.ReadFile(exe) // real x86-64 code, full of E8 calls
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"text.txt":   textData(100000),
		"x86.bin":    x86Data(70000),
		"binary.bin": binary[:min(len(binary), 400000)],
		"pattern":    repeated("KUSJESVANSRT", 65536),
		"mixed.bin":  append(append(textData(20000), randomData(20000, 9)...), textData(30000)...),
		"small.txt":  textData(100),
		"long-runs":  append(repeated("a", 40000), repeated("ab", 30000)...),
	}
	src := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		compress string
		a        reparse.WOFAlgorithm
	}{
		{"XPRESS", reparse.WOFXpress4K},
		{"XPRESS", reparse.WOFXpress8K},
		{"XPRESS", reparse.WOFXpress16K},
		{"LZX", reparse.WOFLZX},
	} {
		t.Run(tc.a.String(), func(t *testing.T) {
			cs, err := ChunkSize(tc.a)
			if err != nil {
				t.Fatal(err)
			}
			wimPath := filepath.Join(t.TempDir(), "out.wim")
			oracle.Run(t, "wimlib-imagex", "capture", src, wimPath,
				"--compress="+tc.compress, fmt.Sprintf("--chunk-size=%d", cs), "--no-acls")
			wim, err := os.ReadFile(wimPath)
			if err != nil {
				t.Fatal(err)
			}
			blobs := wimBlobs(t, wim)
			compressed := 0
			for name, data := range files {
				b, ok := blobs[sha1.Sum(data)]
				if !ok {
					t.Fatalf("%s: no blob in the WIM", name)
				}
				if b.flags&0x10 != 0 || b.size != int64(len(data)) {
					t.Fatalf("%s: blob %+v is solid or of the wrong size", name, b)
				}
				if b.flags&0x04 == 0 {
					continue // stored whole: nothing to decompress
				}
				compressed++
				stream := wim[b.offset : b.offset+b.stored]
				got, err := Decompress(tc.a, stream, int64(len(data)))
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if !bytes.Equal(data, got) {
					t.Errorf("%s: differs from the original at byte %d", name, firstDiff(data, got))
				}
			}
			if compressed < len(files)-1 {
				t.Errorf("only %d of %d files were compressed by wimlib", compressed, len(files))
			}
		})
	}
}
