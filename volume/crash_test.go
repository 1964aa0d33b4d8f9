package volume_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/ntfsedit/ntfsedit/internal/crashcheck"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/internal/testutil"
	"github.com/ntfsedit/ntfsedit/volume"
)

// Crash tests: for every operation kind, the commit is interrupted at
// each of its device writes (the write fails, or tears a sector), and the
// journal write is cut at several byte counts; reopening (which replays
// the journal) must give exactly the volume before or after the
// operation, byte for byte. Without the journal, the reader must still
// read every path of the crashed volume.

var (
	crashOnce sync.Once
	crashImg  []byte
	crashErr  error
)

// crashFresh returns the bytes of an 8 MiB volume made by mkntfs (cached
// for the test binary).
func crashFresh(t *testing.T) []byte {
	t.Helper()
	oracle.Require(t, "mkntfs")
	crashOnce.Do(func() {
		dir, err := os.MkdirTemp("", "crash")
		if err != nil {
			crashErr = err
			return
		}
		defer os.RemoveAll(dir)
		img := filepath.Join(dir, "c.img")
		if err := os.WriteFile(img, nil, 0o644); err != nil {
			crashErr = err
			return
		}
		if err := os.Truncate(img, 8<<20); err != nil {
			crashErr = err
			return
		}
		if out, err := oracle.Output("mkntfs", "-F", "-q", "-f", "-L", "crash", img); err != nil {
			crashErr = fmt.Errorf("mkntfs: %v\n%s", err, out)
			return
		}
		crashImg, crashErr = os.ReadFile(img)
	})
	if crashErr != nil {
		t.Fatal(crashErr)
	}
	return bytes.Clone(crashImg)
}

var crashNow = func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }

// crashUpdate opens img (on dev) writable, runs fn in one transaction and
// returns Update's error; the volume is dropped without Close, as a
// crashed process would.
func crashUpdate(t *testing.T, dev volume.Device, j volume.JournalStore, fn func(tx *volume.Tx) error) error {
	t.Helper()
	v, err := volume.OpenWritableOn(dev, volume.Options{}, volume.WriteOptions{Journal: j, Now: crashNow})
	if err != nil {
		t.Fatalf("OpenWritableOn: %v", err)
	}
	return v.Update(fn)
}

// pseudo returns n deterministic pseudo-random bytes.
func pseudo(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func bigName(i int) string {
	return fmt.Sprintf("/big/entry-%03d-%s.txt", i, strings.Repeat("n", i%30))
}

// crashSetup is the state every operation starts from.
func crashSetup(tx *volume.Tx) error {
	steps := []func() error{
		func() error { return tx.Mkdir("/d") },
		func() error { return tx.Mkdir("/e") },
		func() error { return tx.Mkdir("/d/empty") },
		func() error { return tx.Create("/d/f1", strings.NewReader("first file")) },
		func() error { return tx.Create("/d/f2", bytes.NewReader(pseudo(9000, 2))) },
		func() error { return tx.Link("/d/f2", "/e/f2b") },
		func() error { return tx.Symlink("/d/sl", `..\e\f2b`, volume.SymlinkOptions{}) },
		func() error { return tx.Junction("/d/j", `C:\target`) },
		func() error { return tx.Mkdir("/big") },
	}
	for i := range 60 {
		steps = append(steps, func() error { return tx.Create(bigName(i), strings.NewReader(bigName(i))) })
	}
	for i, s := range steps {
		if err := s(); err != nil {
			return fmt.Errorf("setup step %d: %w", i, err)
		}
	}
	return nil
}

type crashOp struct {
	name string
	fn   func(tx *volume.Tx) error
}

var crashOps = []crashOp{
	{"mkdir", func(tx *volume.Tx) error { return tx.Mkdir("/d/new") }},
	{"create-small", func(tx *volume.Tx) error { return tx.Create("/d/small.txt", strings.NewReader("small")) }},
	{"create-large", func(tx *volume.Tx) error { return tx.Create("/e/large.bin", bytes.NewReader(pseudo(40000, 3))) }},
	{"link", func(tx *volume.Tx) error { return tx.Link("/d/f1", "/e/f1-link") }},
	{"unlink", func(tx *volume.Tx) error { return tx.Unlink("/e/f2b") }},
	{"unlink-last", func(tx *volume.Tx) error { return tx.Unlink("/d/f2") }},
	{"rmdir", func(tx *volume.Tx) error { return tx.Rmdir("/d/empty") }},
	{"symlink", func(tx *volume.Tx) error { return tx.Symlink("/d/sl2", `..\d\f1`, volume.SymlinkOptions{}) }},
	{"junction", func(tx *volume.Tx) error { return tx.Junction("/e/j2", `C:\other`) }},
	{"remove-junction", func(tx *volume.Tx) error { return tx.Remove("/d/j") }},
	{"grow", func(tx *volume.Tx) error {
		// More records than the fresh $MFT holds, and a split index.
		for i := 60; i < 160; i++ {
			if err := tx.Create(bigName(i), strings.NewReader(bigName(i))); err != nil {
				return err
			}
		}
		return nil
	}},
	{"shrink", func(tx *volume.Tx) error {
		for i := range 60 {
			if i%6 != 0 {
				if err := tx.Unlink(bigName(i)); err != nil {
					return err
				}
			}
		}
		return nil
	}},
	{"mixed", func(tx *volume.Tx) error {
		for _, f := range []func() error{
			func() error { return tx.Mkdir("/d/m") },
			func() error { return tx.Create("/d/m/a", bytes.NewReader(pseudo(5000, 4))) },
			func() error { return tx.Link("/d/m/a", "/e/a2") },
			func() error { return tx.Unlink("/d/f1") },
			func() error { return tx.Rmdir("/d/empty") },
		} {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	}},
}

// dumpVolume is a canonical listing of the volume through the reader:
// every path (system files too) with its record, sequence number, link
// count, type, size, content hash and reparse data. It fails the test on
// any error the reader reports.
func dumpVolume(t *testing.T, img []byte) []string {
	t.Helper()
	out, errs := dumpVolumeErrs(img)
	for _, e := range errs {
		t.Error(e)
	}
	return out
}

func dumpVolumeErrs(img []byte) (out []string, errs []error) {
	v, err := volume.OpenOn(volume.NewMemDevice(img, 512), volume.Options{})
	if err != nil {
		return nil, []error{err}
	}
	defer v.Close()
	err = v.Walk("/", true, func(p string, e volume.DirEntry, f *volume.File, err error) error {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			return nil
		}
		if e.Ref.Record() < 16 || strings.HasPrefix(p, "/$Extend/") {
			// System file contents ($Bitmap, $MFT, $LogFile …) change
			// with every edit; the raw image comparison covers them.
			out = append(out, fmt.Sprintf("%s #%d", p, e.Ref.Record()))
			return nil
		}
		line := fmt.Sprintf("%s #%d seq %d links %d", p, f.Number(), f.Ref().Seq(), f.LinkCount())
		if f.IsDir() {
			line += " dir"
		} else if s, err := f.Stream(""); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		} else if b, err := s.ReadAll(); err != nil {
			errs = append(errs, fmt.Errorf("%s: read: %w", p, err))
		} else {
			h := sha256.Sum256(b)
			line += fmt.Sprintf(" size %d sha %s", len(b), hex.EncodeToString(h[:8]))
		}
		if rp, err := f.Reparse(); err != nil {
			errs = append(errs, fmt.Errorf("%s: reparse: %w", p, err))
		} else if rp != nil {
			line += fmt.Sprintf(" reparse %v %x", rp.Tag, rp.Data)
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	sort.Strings(out)
	return out, errs
}

// crashCase is one operation with its before and after states.
type crashCase struct {
	op            crashOp
	before, after []byte
	writes        int // device writes of the commit
	journalLen    int
	// direct is how many of the writes come before the first write in
	// place (blocks new in clusters free before, written outside the
	// journal while it is written), journal the journal of the commit.
	direct  int
	journal []byte
}

func prepareCrash(t *testing.T, base []byte, op crashOp) crashCase {
	t.Helper()
	c := crashCase{op: op, before: base}
	img := bytes.Clone(base)
	dev := &testutil.FaultDevice{Inner: volume.NewMemDevice(img, 512), FailAt: -1}
	j := &recJournal{MemJournal: testutil.NewMemJournal()}
	if err := crashUpdate(t, dev, j, op.fn); err != nil {
		t.Fatalf("%s: %v", op.name, err)
	}
	c.after, c.writes, c.journalLen, c.journal = img, dev.Writes(), len(j.last), j.last
	if c.writes == 0 || bytes.Equal(c.before, c.after) {
		t.Fatalf("%s: the commit wrote nothing", op.name)
	}
	// The blocks in free clusters are written while the journal is, so
	// how many writes came before it varies; those before the first
	// write in place do not: it is the first one whose failure breaks
	// the volume.
	for c.direct = 0; c.direct < c.writes; c.direct++ {
		dev := &testutil.FaultDevice{Inner: volume.NewMemDevice(bytes.Clone(base), 512), FailAt: c.direct}
		if err := crashUpdate(t, dev, testutil.NewMemJournal(), op.fn); errors.Is(err, volume.ErrBroken) {
			break
		}
	}

	if j.Bytes() != nil {
		t.Fatalf("%s: journal left after a clean commit", op.name)
	}
	// The commit is deterministic: a second run writes the same bytes.
	again := bytes.Clone(base)
	if err := crashUpdate(t, volume.NewMemDevice(again, 512), testutil.NewMemJournal(), op.fn); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, c.after) {
		t.Fatalf("%s: two runs of the operation wrote different images", op.name)
	}
	return c
}

// recJournal remembers the last journal written.
type recJournal struct {
	*testutil.MemJournal
	last []byte
}

func (j *recJournal) Write(b []byte) error {
	j.last = bytes.Clone(b)
	return j.MemJournal.Write(b)
}

// reopen opens the crashed image with a healthy device and the journal
// left behind, and returns the replay report.
func reopen(t *testing.T, img []byte, j *testutil.MemJournal) *volume.ReplayInfo {
	t.Helper()
	j.Revive()
	v, err := volume.OpenWritableOn(volume.NewMemDevice(img, 512), volume.Options{}, volume.WriteOptions{Journal: j, Now: crashNow})
	if err != nil {
		t.Fatalf("reopen after the crash: %v", err)
	}
	rep := v.Replay()
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if j.Bytes() != nil {
		t.Fatal("the journal is still there after reopening")
	}
	return rep
}

// which says whether img is the before or the after image, or
// "before+free": the before image except in bytes of clusters free in
// it (data streamed ahead of a commit that did not happen; see
// freeOnlyDiff), or neither.
func (c crashCase) which(img []byte) string {
	switch {
	case bytes.Equal(img, c.before):
		return "before"
	case bytes.Equal(img, c.after):
		return "after"
	case crashcheck.FreeOnlyDiff(c.before, img) == nil:
		return "before+free"
	}
	return "neither"
}

// diffState explains an image that is neither state.
func (c crashCase) diffState(t *testing.T, img []byte) {
	t.Helper()
	got := dumpVolume(t, img)
	db := cmp.Diff(dumpVolume(t, c.before), got)
	da := cmp.Diff(dumpVolume(t, c.after), got)
	first := -1
	for i := range img {
		if img[i] != c.before[i] && img[i] != c.after[i] {
			first = i
			break
		}
	}
	t.Errorf("image is neither the before nor the after state (first byte matching neither at %#x)\nvs before (-want +got):\n%s\nvs after (-want +got):\n%s", first, db, da)
}

func TestCrashEveryWrite(t *testing.T) {
	fresh := crashFresh(t)
	// The setup commit (the first one also empties $LogFile if needed).
	base := bytes.Clone(fresh)
	if err := crashUpdate(t, volume.NewMemDevice(base, 512), testutil.NewMemJournal(), crashSetup); err != nil {
		t.Fatal(err)
	}
	if d := dumpVolume(t, base); len(d) == 0 {
		t.Fatal("empty dump")
	}
	var points, flsChecks int
	for _, op := range crashOps {
		t.Run(op.name, func(t *testing.T) {
			c := prepareCrash(t, base, op)
			before, after := dumpVolume(t, c.before), dumpVolume(t, c.after)
			if cmp.Equal(before, after) {
				t.Fatalf("the operation changed nothing the reader shows")
			}
			t.Logf("%d device writes (%d before the journal), journal %d bytes", c.writes, c.direct, c.journalLen)
			if op.name == "grow" {
				if b, a := records(t, c.before), records(t, c.after); a <= b {
					t.Fatalf("grow: $MFT has %d records before and %d after; want it grown", b, a)
				}
			}
			for _, mode := range []testutil.FaultMode{testutil.FailWrite, testutil.TearWrite} {
				for n := 0; n <= c.writes; n++ {
					img := bytes.Clone(c.before)
					dev := &testutil.FaultDevice{Inner: volume.NewMemDevice(img, 512), FailAt: n, Mode: mode}
					j := testutil.NewMemJournal()
					err := crashUpdate(t, dev, j, op.fn)
					points++
					want := "after"
					switch {
					case n < c.direct:
						// New blocks in free clusters, before the journal:
						// the operation fails, nothing else is written.
						if !errors.Is(err, testutil.ErrInjected) || errors.Is(err, volume.ErrBroken) {
							t.Fatalf("%v at write %d (before the journal): Update = %v, want the write's error", mode, n, err)
						}
						if j.Bytes() != nil {
							t.Fatalf("%v at write %d (before the journal): a journal was left", mode, n)
						}
						if dev.Writes() != n+1 {
							t.Fatalf("%v at write %d (before the journal): %d writes tried, want none after the failed one", mode, n, dev.Writes())
						}
						want = "before+free"
					case n < c.writes && !errors.Is(err, volume.ErrBroken):
						t.Fatalf("%v at write %d: Update = %v, want ErrBroken", mode, n, err)
					case n == c.writes && err != nil:
						// The failure point is past the last write: only Sync
						// could notice, and nothing failed.
						t.Fatalf("%v at write %d (none): Update = %v", mode, n, err)
					}
					crashed := bytes.Clone(img)
					if n < c.direct {
						// A crash, not an error: the complete journal may
						// be durable before the blocks it checks are.
						// Reopening discards it, as a check fails (or
						// replays it, should every checked byte have
						// reached the device after all).
						jj := testutil.NewMemJournal()
						jj.Set(c.journal)
						img2 := bytes.Clone(img)
						rep := reopen(t, img2, jj)
						switch w := c.which(img2); {
						case rep == nil:
							t.Errorf("%v at write %d, complete journal: reopen did not see it", mode, n)
						case rep.Discarded && w != "before" && w != "before+free", rep.Replayed && w != "after":
							t.Errorf("%v at write %d, complete journal: reopen %+v left the volume %s", mode, n, rep, w)
						case rep.Replayed && n < c.direct-1:
							t.Errorf("%v at write %d, complete journal: replayed with writes it checks missing", mode, n)
						}
					}
					if n >= c.direct && n < c.writes && mode == testutil.FailWrite {
						// Without the journal (deleted, or a tool that
						// ignores it): the reader must still read every path.
						if _, errs := dumpVolumeErrs(bytes.Clone(crashed)); len(errs) > 0 {
							t.Errorf("%v at write %d, no replay: %v", mode, n, errors.Join(errs...))
						}
					}
					rep := reopen(t, img, j)
					if replayed := rep != nil && rep.Replayed; replayed != (n >= c.direct && n < c.writes) {
						t.Errorf("%v at write %d: replay %+v", mode, n, rep)
					}
					w := c.which(img)
					if w == "before" && want == "before+free" {
						w = want // nothing reached the device
					}
					if w != want {
						t.Errorf("%v at write %d: after replay the volume is %s, want %s", mode, n, w, want)
						if w == "neither" {
							c.diffState(t, img)
						}
						return
					}
					if n == max(c.writes/2, c.direct) && mode == testutil.FailWrite {
						flsChecks++
						checkFls(t, "after replay", img, after, nil)
						// The crashed image without replay: fls must see
						// every name the operation does not touch, and may
						// see the operation's (a created record not yet
						// in its directory, a freed one still there).
						checkFls(t, "no replay", crashed, common(before, after), append(before, after...))
					}
				}
			}
			// The journal cut short: nothing reached the volume; reopening
			// discards the journal.
			for _, cut := range journalCuts(c.journalLen) {
				img := bytes.Clone(c.before)
				j := testutil.NewMemJournal()
				j.CutAt = cut
				dev := &testutil.FaultDevice{Inner: volume.NewMemDevice(img, 512), FailAt: -1}
				if err := crashUpdate(t, dev, j, op.fn); err == nil {
					t.Fatalf("journal cut at %d: Update succeeded", cut)
				}
				points++
				if dev.Writes() != c.direct {
					t.Errorf("journal cut at %d: %d device writes, want the %d before the journal only", cut, dev.Writes(), c.direct)
				}
				rep := reopen(t, img, j)
				if rep == nil || !rep.Discarded {
					t.Errorf("journal cut at %d: reopen did not discard the journal (%+v)", cut, rep)
				}
				want := "before"
				if c.direct > 0 {
					want = "before+free"
				}
				if w := c.which(img); w != want {
					t.Errorf("journal cut at %d: the volume is %s, want %s", cut, w, want)
				}
			}
		})
	}
	t.Logf("%d crash points, %d fls checks", points, flsChecks)
}

// journalCuts are the byte counts at which a journal of n bytes is cut.
func journalCuts(n int) []int {
	cuts := []int{0, 1, 15, 16, 0x2f, 0x30, 0x30 + 16, n / 3, n / 2, n - 48, n - 33, n - 32, n - 1}
	var out []int
	seen := map[int]bool{}
	for _, c := range cuts {
		if c >= 0 && c < n && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// common returns the lines of a that are in b too.
func common(a, b []string) []string {
	in := map[string]bool{}
	for _, l := range b {
		in[l] = true
	}
	var out []string
	for _, l := range a {
		if in[l] {
			out = append(out, l)
		}
	}
	return out
}

// checkFls compares fls -r -p's live names on img with the paths of a
// reader's dump; names in the dump lines of allowed may be listed too.
func checkFls(t *testing.T, what string, img []byte, dump, allowed []string) {
	t.Helper()
	if !oracle.CI() {
		if _, err := oracle.Output("fls", "-V"); err != nil {
			t.Log("fls not installed (apt-get install sleuthkit): skipping the fls check")
			return
		}
	}
	f := filepath.Join(t.TempDir(), "crash.img")
	if err := os.WriteFile(f, img, 0o644); err != nil {
		t.Fatal(err)
	}
	var want []string
	ours := map[string]bool{}
	for _, l := range dump {
		p, _, _ := strings.Cut(l, " #")
		if !strings.HasPrefix(p, "/$") {
			want = append(want, p)
			ours[p] = true
		}
	}
	ok := map[string]bool{}
	for _, l := range allowed {
		p, _, _ := strings.Cut(l, " #")
		ok[p] = true
	}
	var got []string
	seen := map[string]bool{}
	for _, e := range oracle.Fls(t, f, "-r", "-p") {
		if e.Deleted || e.Stream != "" || strings.HasPrefix(e.Path, "/$") || seen[e.Path] {
			continue
		}
		seen[e.Path] = true
		if !ours[e.Path] && ok[e.Path] {
			continue
		}
		if !ours[e.Path] {
			// TSK 4.11 lists entries left in index slack as live; such a
			// name must belong to a free record or one without that name.
			if st := oracle.Istat(t, f, e.Record); st.Allocated && strings.Contains(st.Text, "\nName: "+filepath.Base(e.Path)+"\n") {
				t.Errorf("%s: fls lists %s (record %d), which the reader does not, and the record holds that name", what, e.Path, e.Record)
			}
			continue
		}
		got = append(got, e.Path)
	}
	sort.Strings(want)
	sort.Strings(got)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s: fls -r -p vs the reader (-want +got):\n%s", what, d)
	}
}

func records(t *testing.T, img []byte) int64 {
	t.Helper()
	v, err := volume.OpenOn(volume.NewMemDevice(img, 512), volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	return v.Records()
}
