package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

var update = flag.Bool("update", false, "rewrite the golden output in testdata/script/*.txtar")

// cleanupM runs the tests, then removes the images built for this run.
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	code := c.m.Run()
	if imgDir != "" {
		os.RemoveAll(imgDir)
	}
	return code
}

func TestMain(m *testing.M) {
	testscript.Main(cleanupM{m}, map[string]func(){
		"ntfsedit": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs testdata/script/*.txtar. Custom commands:
//
//	mkimg NAME        an NTFS volume made by mkntfs and filled through ntfs-3g (see buildImage)
//	mkimg -mbr NAME   the same volume as partition 1 (LBA 2048) of an MBR disk
//	status N PROG ARGS…  run PROG and require exit status N (0, 1 or 2)
//	corrupt FILE OFF…     flip every bit of the byte at each offset (0x… or decimal)
//
// Conditions: [mkimg] (mkntfs, ntfs-3g, setfattr, root and /dev/fuse are
// available; an error under CI=true when they are not) and [sample] (the
// committed fixtures/sample.img exists; $SAMPLE is its path).
func TestScripts(t *testing.T) {
	sample, _ := filepath.Abs("../../fixtures/sample.img")
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SAMPLE", sample)
			env.Setenv("CI", os.Getenv("CI"))
			// A script that fails between `exec ntfs-3g` and `exec umount`
			// would leave its mount behind (and its work directory).
			dir := env.WorkDir
			env.Defer(func() { unmountUnder(dir) })
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "mkimg":
				if msg := mkimgMissing(); msg != "" {
					if oracle.CI() {
						return false, fmt.Errorf("CI=true but images cannot be built: %s", msg)
					}
					return false, nil
				}
				return true, nil
			case "mkntfs":
				return condMkntfs()
			case "sample":
				_, err := os.Stat(sample)
				if err != nil && oracle.CI() {
					return false, fmt.Errorf("CI=true but %s is missing", sample)
				}
				return err == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mkimg":   cmdMkimg,
			"status":  cmdStatus,
			"corrupt": cmdCorrupt,
			// write_test.go
			"mkfresh":    cmdMkfresh,
			"halfcommit": cmdHalfcommit,
			"setdirty":   cmdSetdirty,
			"breakimg":   cmdBreakimg, // repair_test.go
		},
	})
}

func cmdMkimg(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! mkimg")
	}
	mbr := len(args) == 2 && args[0] == "-mbr"
	if mbr {
		args = args[1:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: mkimg [-mbr] NAME")
	}
	img, err := cachedImage()
	if err != nil {
		ts.Fatalf("mkimg: %v", err)
	}
	vol, err := os.ReadFile(img)
	ts.Check(err)
	out := vol
	if mbr {
		out = mbrDisk(vol)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), out, 0o644))
}

// cmdStatus runs "status N PROG ARGS..." and requires exit status N; the
// output is then checked with stdout and stderr as after exec.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s: exit status %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

func cmdCorrupt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: corrupt FILE OFFSET...")
	}
	name := ts.MkAbs(args[0])
	b, err := os.ReadFile(name)
	ts.Check(err)
	for _, a := range args[1:] {
		off, err := strconv.ParseInt(a, 0, 64)
		ts.Check(err)
		if off < 0 || off >= int64(len(b)) {
			ts.Fatalf("corrupt: offset %s outside %s (%d bytes)", a, args[0], len(b))
		}
		b[off] ^= 0xFF
	}
	ts.Check(os.WriteFile(name, b, 0o644))
}

// mkimgMissing names what buildImage lacks, or returns "".
func mkimgMissing() string {
	for _, tool := range []string{"mkntfs", "ntfs-3g", "setfattr", "umount"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " not installed (apt-get install ntfs-3g attr)"
		}
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return "no /dev/fuse"
	}
	if os.Geteuid() != 0 {
		return "ntfs-3g mounts of image files need root"
	}
	return ""
}

var (
	imgOnce sync.Once
	imgDir  string // holds the images built in this run
	imgPath string
	imgErr  error
)

// cachedImage builds the mkimg volume once per test run.
func cachedImage() (string, error) {
	imgOnce.Do(func() {
		if msg := mkimgMissing(); msg != "" {
			imgErr = fmt.Errorf("cannot build images: %s", msg)
			return
		}
		imgDir, imgErr = os.MkdirTemp("", "ntfsedit-cmd-test")
		if imgErr != nil {
			return
		}
		imgPath = filepath.Join(imgDir, "mkimg.img")
		imgErr = buildImage(imgPath)
	})
	return imgPath, imgErr
}

// mkimg needs an image; tests skip (fail under CI=true) when it cannot be
// built.
func mkimg(t *testing.T) string {
	t.Helper()
	if msg := mkimgMissing(); msg != "" {
		oracle.Unavailable(t, "%s", msg)
	}
	img, err := cachedImage()
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// Reparse targets of the mkimg volume.
const (
	junctionSubst = `\??\C:\target`
	junctionPrint = `C:\target`
	symlinkTarget = `target\file.txt`
	symAbsSubst   = `\??\C:\target\file.txt`
	symAbsPrint   = `C:\target\file.txt`
)

// bigData is the content of /big.bin: 100 KiB that do not fit a record.
func bigData() []byte {
	b := make([]byte, 100<<10)
	x := uint32(1)
	for i := range b {
		x = x*1103515245 + 12345
		b[i] = byte(x >> 16)
	}
	return b
}

// buildImage makes a 4 MiB volume with mkntfs and fills it through a
// writable ntfs-3g mount:
//
//	/hello.txt                     resident file
//	/LongFileName.txt              a Win32 name with a DOS name LONGFI~1.TXT
//	/big.bin                       100 KiB, non-resident
//	/ads.txt                       with the stream "x" (setfattr -n user.x)
//	/dir/a.txt                     3 hard links: dir/a.txt, dir/sub/b.txt, c.txt
//	/dir/sub/deep.txt
//	/target/file.txt
//	/junction -> \??\C:\target     junction (setfattr system.ntfs_reparse_data)
//	/symlink -> target\file.txt    relative symlink
//	/symlink-abs -> \??\C:\target\file.txt
//	/interix -> target/file.txt    Interix symlink (ln -s through ntfs-3g)
//	/café.txt                      a non-ASCII name
func buildImage(img string) (err error) {
	f, err := os.Create(img)
	if err != nil {
		return err
	}
	if err := f.Truncate(4 << 20); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if out, err := exec.Command("mkntfs", "-F", "-f", "-q", "-c", "1024", "-L", "MKIMG", img).CombinedOutput(); err != nil {
		return fmt.Errorf("mkntfs: %v\n%s", err, out)
	}
	mnt, err := os.MkdirTemp("", "ntfsedit-mkimg")
	if err != nil {
		return err
	}
	defer os.Remove(mnt)
	if out, err := exec.Command("ntfs-3g", "-o", "streams_interface=xattr", img, mnt).CombinedOutput(); err != nil {
		return fmt.Errorf("ntfs-3g: %v\n%s", err, out)
	}
	defer func() {
		var out []byte
		var uerr error
		for range 10 {
			if out, uerr = exec.Command("umount", mnt).CombinedOutput(); uerr == nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err == nil {
			err = fmt.Errorf("umount %s: %v\n%s", mnt, uerr, out)
		}
	}()
	p := func(s string) string { return filepath.Join(mnt, s) }
	write := func(name, data string) {
		if err == nil {
			err = os.WriteFile(p(name), []byte(data), 0o644)
		}
	}
	mkdir := func(name string) {
		if err == nil {
			err = os.MkdirAll(p(name), 0o755)
		}
	}
	setfattr := func(name, attr, value string) {
		if err != nil {
			return
		}
		if out, e := exec.Command("setfattr", "-n", attr, "-v", value, p(name)).CombinedOutput(); e != nil {
			err = fmt.Errorf("setfattr -n %s %s: %v\n%s", attr, name, e, out)
		}
	}
	write("hello.txt", "hello, world\n")
	write("LongFileName.txt", "long name\n")
	setfattr("LongFileName.txt", "system.ntfs_dos_name", "LONGFI~1.TXT")
	if err == nil {
		err = os.WriteFile(p("big.bin"), bigData(), 0o644)
	}
	write("ads.txt", "main stream\n")
	setfattr("ads.txt", "user.x", "alternate data")
	mkdir("dir/sub")
	write("dir/a.txt", "hard-linked\n")
	write("dir/sub/deep.txt", "deep\n")
	if err == nil {
		err = os.Link(p("dir/a.txt"), p("dir/sub/b.txt"))
	}
	if err == nil {
		err = os.Link(p("dir/a.txt"), p("c.txt"))
	}
	mkdir("target")
	write("target/file.txt", "target\n")
	mkdir("junction")
	setfattr("junction", "system.ntfs_reparse_data", "0x"+hex.EncodeToString(junctionData(junctionSubst, junctionPrint)))
	write("symlink", "")
	setfattr("symlink", "system.ntfs_reparse_data", "0x"+hex.EncodeToString(symlinkData(symlinkTarget, symlinkTarget, true)))
	write("symlink-abs", "")
	setfattr("symlink-abs", "system.ntfs_reparse_data", "0x"+hex.EncodeToString(symlinkData(symAbsSubst, symAbsPrint, false)))
	if err == nil {
		err = os.Symlink("target/file.txt", p("interix"))
	}
	write("café.txt", "unicode\n")
	return err
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// reparseBuffer wraps reparse data in the 8-byte header: tag, data length,
// reserved.
func reparseBuffer(tag uint32, data []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, tag)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(data)))
	b = binary.LittleEndian.AppendUint16(b, 0)
	return append(b, data...)
}

// junctionData is an IO_REPARSE_TAG_MOUNT_POINT buffer laid out as Windows
// writes it: substitute offset/length, print offset/length, then the
// substitute name and the print name, each NUL-terminated (MS-FSCC
// 2.1.2.5; NTFS-FACTS.md).
func junctionData(subst, print string) []byte {
	s, p := utf16le(subst), utf16le(print)
	var d []byte
	for _, v := range []int{0, len(s), len(s) + 2, len(p)} {
		d = binary.LittleEndian.AppendUint16(d, uint16(v))
	}
	d = append(append(append(append(d, s...), 0, 0), p...), 0, 0)
	return reparseBuffer(0xA0000003, d)
}

// symlinkData is an IO_REPARSE_TAG_SYMLINK buffer laid out as Windows
// writes it: the four offsets and lengths, flags (1 = relative), then the
// print name first and the substitute name, without NULs (MS-FSCC
// 2.1.2.4; NTFS-FACTS.md).
func symlinkData(subst, print string, relative bool) []byte {
	s, p := utf16le(subst), utf16le(print)
	var d []byte
	for _, v := range []int{len(p), len(s), 0, len(p)} {
		d = binary.LittleEndian.AppendUint16(d, uint16(v))
	}
	var flags uint32
	if relative {
		flags = 1
	}
	d = binary.LittleEndian.AppendUint32(d, flags)
	d = append(append(d, p...), s...)
	return reparseBuffer(0xA000000C, d)
}

// mbrDisk puts vol at LBA 2048 of a disk with an MBR: partition 1 is the
// volume (type 0x07), partition 2 a 1 MiB Linux partition (0x83) after it.
func mbrDisk(vol []byte) []byte {
	const start = 2048
	volSectors := (len(vol) + 511) / 512
	disk := make([]byte, (start+volSectors+2048)*512)
	copy(disk[start*512:], vol)
	entry := func(i int, typ byte, lba, sectors int) {
		e := disk[0x1BE+16*i:]
		e[0] = 0x00
		copy(e[1:4], []byte{0xFE, 0xFF, 0xFF}) // CHS unused: LBA only
		e[4] = typ
		copy(e[5:8], []byte{0xFE, 0xFF, 0xFF})
		binary.LittleEndian.PutUint32(e[8:], uint32(lba))
		binary.LittleEndian.PutUint32(e[12:], uint32(sectors))
	}
	entry(0, 0x07, start, volSectors)
	entry(1, 0x83, start+volSectors, 2048)
	binary.LittleEndian.PutUint32(disk[0x1B8:], 0x4E544653) // disk signature
	disk[510], disk[511] = 0x55, 0xAA
	return disk
}

// ntfsedit runs the CLI in-process and returns its exit status and output.
func ntfsedit(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, nil, &out, &errb)
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := ntfsedit(args...)
	if code != 0 {
		t.Fatalf("ntfsedit %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

// crossImages are the volumes checked against other implementations: the
// mkimg volume and the interop volume of fixtures/mkinterop.sh (compressed,
// sparse, attribute-list and many-link files).
func crossImages(t *testing.T) map[string]string {
	t.Helper()
	imgs := map[string]string{"mkimg": mkimg(t)}
	if testing.Short() {
		return imgs
	}
	oracle.Require(t, "bash", "mkntfs", "ntfs-3g", "setfattr", "python3")
	imgs["interop"] = oracle.Image(t, "fixtures/mkinterop.sh")
	return imgs
}

// TestCatMatchesNtfs3g compares "cat" of every file and every alternate
// data stream with what a read-only ntfs-3g mount returns.
func TestCatMatchesNtfs3g(t *testing.T) {
	for name, img := range crossImages(t) {
		t.Run(name, func(t *testing.T) {
			files, streams := 0, 0
			for _, e := range oracle.MountTree(t, oracle.MountRO(t, img)) {
				if e.Err != "" {
					t.Errorf("mount: %s: %s", e.Path, e.Err)
					continue
				}
				if e.Type == "file" {
					files++
					got := mustRun(t, "cat", img, e.Path)
					if sum := fmt.Sprintf("%x", sha256.Sum256([]byte(got))); sum != e.SHA256 {
						t.Errorf("cat %s: %d bytes, sha256 %s; ntfs-3g: %d bytes, sha256 %s", e.Path, len(got), sum, e.Size, e.SHA256)
					}
				}
				for s, want := range e.Streams {
					streams++
					if len(want) >= 64<<10 {
						continue // the xattr interface caps streams at 64 KiB
					}
					got := mustRun(t, "cat", "--stream", s, img, e.Path)
					if got != string(want) {
						t.Errorf("cat --stream %s %s: got %q, ntfs-3g %q", s, e.Path, got, want)
					}
				}
			}
			if files == 0 || streams == 0 {
				t.Errorf("checked %d files and %d streams; want some of each", files, streams)
			}
		})
	}
}

// istatName is one "$FILE_NAME Attribute Values" block of istat.
type istatName struct {
	Name      string
	Parent    uint64
	ParentSeq uint64
}

var istatNameRE = regexp.MustCompile(`(?m)^\$FILE_NAME Attribute Values:\n(?:.*\n)*?Name: (.*)\nParent MFT Entry: (\d+)\s+Sequence: (\d+)`)

func istatNames(text string) []istatName {
	var out []istatName
	for _, m := range istatNameRE.FindAllStringSubmatch(text, -1) {
		p, _ := strconv.ParseUint(m[2], 10, 64)
		s, _ := strconv.ParseUint(m[3], 10, 64)
		out = append(out, istatName{Name: m[1], Parent: p, ParentSeq: s})
	}
	return out
}

// TestStatMatchesIstat compares the record header and the $FILE_NAME list
// of "stat --json" with The Sleuth Kit's istat, for every in-use base record
// (a sample of the 2,000 alike files of big2000/ and del2000/), and checks
// that "links" prints one path per name, as stat rebuilds it.
func TestStatMatchesIstat(t *testing.T) {
	oracle.Require(t, "istat")
	for name, img := range crossImages(t) {
		t.Run(name, func(t *testing.T) {
			checked := 0
			for i, line := range strings.Split(strings.TrimSpace(mustRun(t, "mft", "--json", img)), "\n") {
				var m mftJSON
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatal(err)
				}
				if m.Base != nil || (strings.HasPrefix(m.Path, "/big2000/") || strings.HasPrefix(m.Path, "/del2000/")) && i%50 != 0 {
					continue
				}
				checked++
				ref := "#" + strconv.FormatUint(m.Record, 10)
				var s statJSON
				if err := json.Unmarshal([]byte(mustRun(t, "stat", "--json", img, ref)), &s); err != nil {
					t.Fatal(err)
				}
				is := oracle.Istat(t, img, m.Record)
				if s.Seq != uint16(is.Seq) || s.Links != is.Links {
					t.Errorf("record %d: stat seq %d links %d; istat seq %d links %d", m.Record, s.Seq, s.Links, is.Seq, is.Links)
				}
				var got []istatName
				for _, n := range s.Names {
					got = append(got, istatName{Name: n.Name, Parent: n.Parent, ParentSeq: uint64(n.ParentSeq)})
				}
				// Record order differs from istat's for names spread over
				// extension records; the set must match.
				byName := cmpopts.SortSlices(func(a, b istatName) bool {
					return a.Name < b.Name || a.Name == b.Name && a.Parent < b.Parent
				})
				if diff := cmp.Diff(istatNames(is.Text), got, byName); diff != "" {
					t.Errorf("record %d: names (-istat +stat):\n%s", m.Record, diff)
				}
				var paths []string
				for _, n := range s.Names {
					paths = append(paths, n.Path+"\n")
				}
				if got := mustRun(t, "links", img, ref); got != strings.Join(paths, "") {
					t.Errorf("links %s:\n%s\nwant the paths of stat:\n%s", ref, got, strings.Join(paths, ""))
				}
			}
			if checked < 10 {
				t.Errorf("checked only %d records", checked)
			}
		})
	}
}

// decodedReparse is a reparse buffer decoded here, independently of package
// reparse: the names at the offsets the buffer gives.
type decodedReparse struct {
	Tag             uint32
	Subst, Print    string
	Relative, Named bool
}

func decodeReparseForTest(t *testing.T, b []byte) decodedReparse {
	t.Helper()
	le := binary.LittleEndian
	if len(b) < 8 {
		t.Fatalf("reparse buffer of %d bytes", len(b))
	}
	r := decodedReparse{Tag: le.Uint32(b)}
	var buf []byte
	switch r.Tag {
	case 0xA0000003:
		buf = b[16:]
	case 0xA000000C:
		buf = b[20:]
		r.Relative = le.Uint32(b[16:])&1 != 0
	default:
		return r
	}
	name := func(off, n uint16) string {
		u := make([]uint16, n/2)
		for i := range u {
			u[i] = le.Uint16(buf[int(off)+2*i:])
		}
		return string(utf16.Decode(u))
	}
	r.Named = true
	r.Subst = name(le.Uint16(b[8:]), le.Uint16(b[10:]))
	r.Print = name(le.Uint16(b[12:]), le.Uint16(b[14:]))
	return r
}

// TestReadlinkMatchesNtfs3g compares "readlink" with the reparse data
// read through a read-only ntfs-3g mount (getxattr
// system.ntfs_reparse_data), and with readlink(2) for Interix symlinks.
func TestReadlinkMatchesNtfs3g(t *testing.T) {
	for name, img := range crossImages(t) {
		t.Run(name, func(t *testing.T) {
			links := 0
			for _, e := range oracle.MountTree(t, oracle.MountRO(t, img)) {
				switch {
				case e.ReparseData != nil:
					want := decodeReparseForTest(t, e.ReparseData)
					code, out, errs := ntfsedit("readlink", "--json", img, e.Path)
					if !want.Named {
						if code != 1 {
							t.Errorf("readlink %s (tag 0x%08X): exit %d, want 1", e.Path, want.Tag, code)
						}
						continue
					}
					links++
					if code != 0 {
						t.Errorf("readlink %s: exit %d: %s", e.Path, code, errs)
						continue
					}
					var r reparseJSON
					if err := json.Unmarshal([]byte(out), &r); err != nil {
						t.Fatal(err)
					}
					got := decodedReparse{Tag: r.TagValue, Subst: r.Target, Print: r.PrintName, Relative: r.Relative, Named: true}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("readlink %s (-ntfs-3g +ours):\n%s", e.Path, diff)
					}
					if out := mustRun(t, "readlink", img, e.Path); out != want.Subst+"\n" {
						t.Errorf("readlink %s = %q, want %q", e.Path, out, want.Subst)
					}
					if out := mustRun(t, "readlink", "-p", img, e.Path); out != want.Print+"\n" {
						t.Errorf("readlink -p %s = %q, want %q", e.Path, out, want.Print)
					}
				case e.Type == "symlink":
					links++ // Interix: ntfs-3g shows the stored target
					if out := mustRun(t, "readlink", img, e.Path); out != e.Symlink+"\n" {
						t.Errorf("readlink %s = %q, ntfs-3g %q", e.Path, out, e.Symlink)
					}
				case e.Type == "file" || e.Type == "dir":
					if code, _, _ := ntfsedit("readlink", img, e.Path); code != 1 {
						t.Errorf("readlink %s (not a link): exit %d, want 1", e.Path, code)
					}
				}
			}
			if links < 4 {
				t.Errorf("checked only %d links", links)
			}
		})
	}
}

// TestMkimgLayout checks the reparse buffers buildImage sets against the
// layouts of NTFS-FACTS.md byte by byte, so a mistake in the helpers does
// not hide behind a matching mistake in package reparse.
func TestMkimgLayout(t *testing.T) {
	got := junctionData(`\??\C:\t`, `C:\t`)
	want := "030000a0" + "2400" + "0000" + // tag, data length 36, reserved
		"0000" + "1000" + "1200" + "0800" + // subst 0/16, print 18/8
		hex.EncodeToString(utf16le(`\??\C:\t`)) + "0000" + hex.EncodeToString(utf16le(`C:\t`)) + "0000"
	if h := hex.EncodeToString(got); h != want {
		t.Errorf("junction:\n got %s\nwant %s", h, want)
	}
	got = symlinkData(`x\y`, `x\y`, true)
	want = "0c0000a0" + "18000000" + // tag, data length 24, reserved
		"0600" + "0600" + "0000" + "0600" + "01000000" + // subst 6/6, print 0/6, relative
		hex.EncodeToString(utf16le(`x\y`)) + hex.EncodeToString(utf16le(`x\y`))
	if h := hex.EncodeToString(got); h != want {
		t.Errorf("symlink:\n got %s\nwant %s", h, want)
	}
}

// TestReadOnly checks that the read verbs never write the image (the
// committed sample image, which needs no tools).
func TestReadOnly(t *testing.T) {
	src := "../../fixtures/sample.img"
	if _, err := os.Stat(src); err != nil {
		src = mkimg(t)
	}
	img := filepath.Join(t.TempDir(), "ro.img")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, b, 0o444); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"info", img}, {"ls", "-l", "-R", "-a", img}, {"stat", img, "#5"}, {"cat", img, "#0"},
		{"readlink", img, "/junction"}, {"links", img, "#5"}, {"mft", "--all", img}, {"partitions", img},
	} {
		mustRun(t, args...)
	}
	after, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, after) {
		t.Error("the image changed")
	}
}

// unmountUnder lazily unmounts every mount point below dir, deepest first,
// as listed in /proc/self/mounts (octal escapes as the kernel writes them).
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		p := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(f[1])
		if strings.HasPrefix(p, dir+"/") {
			points = append(points, p)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(points)))
	for _, p := range points {
		exec.Command("umount", "-l", p).Run()
	}
}
