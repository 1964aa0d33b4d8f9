package mft

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// ignoreRaw compares decoded values by their exported fields only; the
// unexported copies of the original bytes are checked by the byte-exact
// round trips instead.
var ignoreRaw = cmpopts.IgnoreUnexported(Attr{}, Record{}, AttrListEntry{})

// skipOrFail skips the test, or fails it when CI=true.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	oracle.Unavailable(t, format, args...)
}

// sharedImage returns the path of a file in ../shared/images (relative to the
// repository root): real images made by Windows and other tools.
func sharedImage(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(oracle.SharedDir(t), "images", name)
	if _, err := os.Stat(p); err != nil {
		skipOrFail(t, "shared test image missing: %v", err)
	}
	return p
}

func requireTool(t testing.TB, name string) {
	t.Helper()
	oracle.Require(t, name)
}

// readImage reads a file, gunzipping names ending in .gz.
func readImage(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// rawRecord is one FILE record of a bare $MFT, as on disk (fixups applied).
type rawRecord struct {
	n   RecordNumber
	raw []byte
}

// fileRecords splits a bare $MFT into records. The record size is the
// bytes-allocated field (0x1C) of the first record; records without a FILE
// signature (never used, or BAAD) are skipped.
func fileRecords(t testing.TB, mft []byte) []rawRecord {
	t.Helper()
	if len(mft) < 0x20 || string(mft[:4]) != "FILE" {
		t.Fatalf("$MFT does not start with a FILE record")
	}
	size := int(le.Uint32(mft[0x1C:]))
	if size < SectorSize || size%SectorSize != 0 {
		t.Fatalf("record size %d from the first record", size)
	}
	var out []rawRecord
	for off := 0; off+size <= len(mft); off += size {
		if string(mft[off:off+4]) == "FILE" {
			out = append(out, rawRecord{RecordNumber(off / size), mft[off : off+size]})
		}
	}
	return out
}

// bytesDiff is a hex-dump differ for byte slices (tar's bytediff): it lists
// the 16-byte lines that differ, "-" for want and "+" for got.
func bytesDiff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "len want %d, got %d\n", len(want), len(got))
	lines := 0
	for off := 0; off < max(len(want), len(got)); off += 16 {
		w := want[min(off, len(want)):min(off+16, len(want))]
		g := got[min(off, len(got)):min(off+16, len(got))]
		if bytes.Equal(w, g) {
			continue
		}
		if lines++; lines > 8 {
			sb.WriteString("...\n")
			break
		}
		fmt.Fprintf(&sb, "-%04x % x\n+%04x % x\n", off, w, off, g)
	}
	return sb.String()
}

// corruptAt is the part of a *CorruptError that tests compare: Value is left
// out because its dynamic type is an implementation detail.
type corruptAt struct {
	Record RecordNumber
	Offset int
}

// checkCorrupt requires err to be a *CorruptError matching ErrCorrupt at the
// given location.
func checkCorrupt(t testing.TB, err error, want corruptAt) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want corrupt at %+v", want)
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("errors.Is(%v, ErrCorrupt) = false", err)
	}
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("errors.As(%v, *CorruptError) = false", err)
	}
	if diff := cmp.Diff(want, corruptAt{ce.Record, ce.Offset}); diff != "" {
		t.Errorf("error %q location (-want +got):\n%s", err, diff)
	}
}
