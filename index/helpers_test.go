package index

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
	"unicode/utf16"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/mft"
)

// ignoreRaw compares decoded values by their exported fields; the kept
// original bytes are checked by the byte-exact round trips instead.
var ignoreRaw = cmpopts.IgnoreUnexported(Block{}, Root{}, Entry{})

// skipOrFail skips the test, or fails it when CI=true: in CI every tool and
// image is expected to be present.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	oracle.Unavailable(t, format, args...)
}

// gunzipFile decompresses src into a new file in dir and returns its path.
func gunzipFile(src, dir string) (string, error) {
	f, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return "", err
	}
	dst := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".gz"))
	out, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, zr); err != nil {
		out.Close()
		return "", err
	}
	return dst, out.Close()
}

// units converts a Go string to UTF-16 code units.
func units(s string) []uint16 { return utf16.Encode([]rune(s)) }

// bytesDiff reports the first differing offsets of two byte slices with a
// hex dump around each, or "" when they are equal.
func bytesDiff(want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	var sb strings.Builder
	if len(want) != len(got) {
		fmt.Fprintf(&sb, "length: want %d, got %d\n", len(want), len(got))
	}
	shown := 0
	for off := 0; off < max(len(want), len(got)) && shown < 4; off += 16 {
		w := want[min(off, len(want)):min(off+16, len(want))]
		g := got[min(off, len(got)):min(off+16, len(got))]
		if bytes.Equal(w, g) {
			continue
		}
		fmt.Fprintf(&sb, "-%06x % x\n+%06x % x\n", off, w, off, g)
		shown++
	}
	return sb.String()
}

// fileNameKey encodes a $FILE_NAME key for name in parent directory 5.
func fileNameKey(t testing.TB, name string) []byte {
	t.Helper()
	fn := mft.FileName{
		Parent:    mft.MakeFileRef(5, 5),
		Namespace: mft.NamespacePOSIX,
		Name:      units(name),
	}
	b, err := fn.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// keyEntry returns a packed (zero Length) entry for name.
func keyEntry(t testing.TB, ref uint64, name string) Entry {
	return Entry{Ref: mft.FileRef(ref), Flags: 0, Key: fileNameKey(t, name)}
}

// corruptAt returns the *CorruptError in err, failing the test if there
// is none.
func corruptAt(t testing.TB, err error) *CorruptError {
	t.Helper()
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want a *CorruptError", err)
	}
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("errors.Is(%v, ErrCorrupt) = false", err)
	}
	return ce
}
