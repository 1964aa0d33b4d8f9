package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/volume"
)

// Custom testscript commands and conditions of the write-*.txtar scripts
// (registered in TestScripts):
//
//	mkfresh NAME [SIZE]      a fresh volume of SIZE bytes (default 8M; K and M
//	                         suffixes) formatted by mkntfs, nothing on it
//	halfcommit IMG JOURNAL PATH
//	                         mkdir PATH through the library, interrupted after
//	                         the redo journal JOURNAL is written and before the
//	                         volume is touched, as by a crash
//	setdirty IMG             set the dirty flag of $VOLUME_INFORMATION in
//	                         record 3 and its $MFTMirr copy, as Windows does
//	                         while the volume is mounted
//
// [mkntfs] is true when mkntfs is installed; without it the condition is an
// error under CI=true.

// condMkntfs is the [mkntfs] condition.
func condMkntfs() (bool, error) {
	if _, err := exec.LookPath("mkntfs"); err != nil {
		if oracle.CI() {
			return false, errors.New("CI=true but mkntfs is not installed (apt-get install ntfs-3g)")
		}
		return false, nil
	}
	return true, nil
}

func parseSize(s string) (int64, error) {
	mul := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mul, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mul, s = 1<<20, strings.TrimSuffix(s, "M")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mul, err
}

// formatFresh makes path a sparse file of size bytes and formats it with
// mkntfs (label FRESH, 4 KiB clusters).
func formatFresh(path string, size int64) error {
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		return err
	}
	if err := os.Truncate(path, size); err != nil {
		return err
	}
	out, err := exec.Command("mkntfs", "-F", "-q", "-f", "-c", "4096", "-L", "FRESH", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("mkntfs: %v\n%s", err, out)
	}
	return nil
}

func cmdMkfresh(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: mkfresh NAME [SIZE]")
	}
	size := int64(8 << 20)
	if len(args) == 2 {
		var err error
		if size, err = parseSize(args[1]); err != nil {
			ts.Fatalf("mkfresh: size %q: %v", args[1], err)
		}
	}
	ts.Check(formatFresh(ts.MkAbs(args[0]), size))
}

// crashDevice fails its failAt-th write and every write after it: a
// machine that stops there.
type crashDevice struct {
	volume.Device
	failAt int64
	writes atomic.Int64
}

var errSimulatedCrash = errors.New("simulated crash")

func (d *crashDevice) WriteAt(p []byte, off int64) (int, error) {
	if d.writes.Add(1) >= d.failAt {
		return 0, errSimulatedCrash
	}
	return d.Device.WriteAt(p, off)
}

// halfCommit runs Mkdir(path) on img and stops at its first write in
// place, after the journal is durable, leaving journal behind. The writes
// before it (new blocks in free clusters, written while the journal is)
// are counted: it crashes at the first write, then the second, …, on a
// fresh copy of img each time, until a commit reports ErrBroken (a
// journal complete and nothing in place), whatever the order the
// concurrent writes took.
func halfCommit(img, journal, path string) error {
	orig, err := os.ReadFile(img)
	if err != nil {
		return err
	}
	for n := int64(1); n <= 64; n++ {
		if err := os.WriteFile(img, orig, 0o644); err != nil {
			return err
		}
		err := crashAt(img, journal, path, n)
		if errors.Is(err, volume.ErrBroken) {
			if _, err := os.Stat(journal); err != nil {
				return fmt.Errorf("halfcommit: crash at write %d: journal not kept: %v", n, err)
			}
			return nil
		}
		if !errors.Is(err, errSimulatedCrash) {
			return fmt.Errorf("halfcommit: crash at write %d: Update = %v, want the crash or ErrBroken", n, err)
		}
		if _, err := os.Stat(journal); err == nil {
			return fmt.Errorf("halfcommit: crash at write %d (before the journal was complete): journal kept", n)
		}
	}
	return errors.New("halfcommit: no commit reached its writes in place in 64 writes")
}

// crashAt runs Mkdir(path) on img with a device that fails its n-th
// write.
func crashAt(img, journal, path string, n int64) error {
	dev, err := volume.OpenDevice(img, true)
	if err != nil {
		return err
	}
	cd := &crashDevice{Device: dev, failAt: n}
	v, err := volume.OpenWritableOn(cd, volume.Options{}, volume.WriteOptions{Journal: volume.FileJournal(journal)})
	if err != nil {
		dev.Close()
		return err
	}
	defer v.Close()
	return v.Update(func(tx *volume.Tx) error { return tx.Mkdir(path) })
}

func cmdHalfcommit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: halfcommit IMG JOURNAL PATH")
	}
	ts.Check(halfCommit(ts.MkAbs(args[0]), ts.MkAbs(args[1]), args[2]))
}

// setDirty sets VOLUME_IS_DIRTY (0x0001) in the flags of $Volume's
// $VOLUME_INFORMATION (at 0x0A of its value), in record 3 and in its
// $MFTMirr copy, by patching the on-disk bytes.
func setDirty(img string) error {
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		return err
	}
	info := v.Info()
	raw, err := v.RawRecord(3)
	v.Close()
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	flagOff := -1
	for off := int(le.Uint16(raw[0x14:])); off+0x18 <= len(raw); {
		typ, n := le.Uint32(raw[off:]), int(le.Uint32(raw[off+4:]))
		if typ == 0xFFFFFFFF || n < 0x18 || off+n > len(raw) {
			break
		}
		if typ == 0x70 { // $VOLUME_INFORMATION, always resident
			flagOff = off + int(le.Uint16(raw[off+0x14:])) + 0x0A
			break
		}
		off += n
	}
	if flagOff < 0 || flagOff%512 >= 510 {
		return fmt.Errorf("setdirty: no patchable $VOLUME_INFORMATION in record 3 (offset %d)", flagOff)
	}
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, lcn := range []int64{info.MFTCluster, info.MFTMirrCluster} {
		at := lcn*int64(info.ClusterSize) + 3*int64(info.RecordSize) + int64(flagOff)
		b := make([]byte, 1)
		if _, err := f.ReadAt(b, at); err != nil {
			return err
		}
		b[0] |= 0x01
		if _, err := f.WriteAt(b, at); err != nil {
			return err
		}
	}
	return f.Close()
}

func cmdSetdirty(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: setdirty IMG")
	}
	ts.Check(setDirty(ts.MkAbs(args[0])))
}

// freshImage formats a volume for a Go test, skipping (failing under
// CI=true) without mkntfs.
func freshImage(t *testing.T, size int64) string {
	t.Helper()
	oracle.Require(t, "mkntfs")
	img := filepath.Join(t.TempDir(), "fresh.img")
	if err := formatFresh(img, size); err != nil {
		t.Fatal(err)
	}
	return img
}

// TestLnLinkLimit makes a file with volume.MaxLinks (1024) names in one
// transaction, checks that "ln" refuses the next one with exit status 1 and
// leaves the image unchanged, and that istat (The Sleuth Kit) counts 1024.
func TestLnLinkLimit(t *testing.T) {
	img := freshImage(t, 64<<20)
	v, err := volume.OpenWritable(img, volume.Options{}, volume.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = v.Update(func(tx *volume.Tx) error {
		if err := tx.Mkdir("/l"); err != nil {
			return err
		}
		if err := tx.Create("/l/f", strings.NewReader("x")); err != nil {
			return err
		}
		for i := 1; i < volume.MaxLinks; i++ {
			if err := tx.Link("/l/f", fmt.Sprintf("/l/n%04d", i)); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := v.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "stat", "--json", img, "/l/n1023"); !strings.Contains(out, fmt.Sprintf(`"links":%d,`, volume.MaxLinks)) {
		t.Errorf("stat /l/n1023: want %d links:\n%.300s", volume.MaxLinks, out)
	}
	before, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs := ntfsedit("ln", img, "/l/f", "/l/one-too-many")
	want := fmt.Sprintf("would have %d names; NTFS allows %d", volume.MaxLinks+1, volume.MaxLinks)
	if code != 1 || !strings.Contains(errs, want) {
		t.Errorf("ln of link %d: exit %d, stderr %q; want 1 and %q", volume.MaxLinks+1, code, errs, want)
	}
	after, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the refused ln changed the image")
	}
	var s statJSON
	if err := json.Unmarshal([]byte(mustRun(t, "stat", "--json", img, "/l/f")), &s); err != nil {
		t.Fatal(err)
	}
	if is := oracle.Istat(t, img, s.Record); is.Links != volume.MaxLinks {
		t.Errorf("istat %d: %d links, want %d", s.Record, is.Links, volume.MaxLinks)
	}
}

// TestLinkName covers the names links take in a directory from their
// targets: volume paths split at slashes only, Windows targets at either.
func TestLinkName(t *testing.T) {
	tests := []struct {
		target     string
		volumePath bool
		want       string
	}{
		{"/src/a.txt", true, "a.txt"},
		{"/src/dir/", true, "dir"},
		{"a.txt", true, "a.txt"},
		{`/src/back\slash`, true, `back\slash`},
		{"/", true, ""},
		{"/src/..", true, ""},
		{`..\d\a.txt`, false, "a.txt"},
		{`C:\Windows\notepad.exe`, false, "notepad.exe"},
		{`C:\dir\`, false, "dir"},
		{`\\server\share\f.txt`, false, "f.txt"},
		{`\??\C:\target`, false, "target"},
		{`C:\`, false, ""},
		{`C:`, false, ""},
		{`..`, false, ""},
		{`x/y`, false, "y"},
	}
	for _, tt := range tests {
		if got := linkName(tt.target, tt.volumePath); got != tt.want {
			t.Errorf("linkName(%q, %v) = %q, want %q", tt.target, tt.volumePath, got, tt.want)
		}
	}
}
