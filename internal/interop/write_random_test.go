//go:build linux

package interop

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/volume"
)

var randomSeed = flag.Uint64("seed", 0, "seed of TestWriterRandom (0: from NTFSEDIT_SEED or the clock)")

// randomOps is the number of operations TestWriterRandom applies.
const randomOps = 1000

// randomRun is the state of TestWriterRandom: the model and the names it
// can pick from.
type randomRun struct {
	t      *testing.T
	r      *rand.Rand
	m      model
	groups int
	hot    string // a directory that grows past several INDX blocks, then shrinks
}

// nameRunes mixes ASCII with letters that have case pairs in $UpCase.
var nameRunes = []rune("abcxyzABCXYZ0129-_ .éÉöÖжЖΩω日本")

func (rr *randomRun) name() string {
	r := rr.r
	var n int
	switch r.IntN(10) {
	case 0:
		// 255 UTF-16 units, the most NTFS allows (ASCII, so that it is
		// also within Linux's 255-byte limit through the mount).
		b := make([]byte, 255)
		for i := range b {
			b[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[r.IntN(36)]
		}
		return string(b)
	case 1, 2:
		n = 20 + r.IntN(60)
	default:
		n = 1 + r.IntN(12)
	}
	rs := make([]rune, n)
	for i := range rs {
		rs[i] = nameRunes[r.IntN(len(nameRunes))]
	}
	s := strings.Trim(string(rs), " .")
	if s == "" {
		s = "x"
	}
	return s
}

func (rr *randomRun) shortName() string {
	n := rr.name()
	if r := []rune(n); len(r) > 40 {
		n = strings.Trim(string(r[:40]), " .")
	}
	if n == "" {
		n = "t"
	}
	return n
}

// taken reports whether dir holds name in any case.
func (rr *randomRun) taken(dir, name string) bool {
	for p := range rr.m {
		if path.Dir(p) == dir && strings.EqualFold(path.Base(p), name) {
			return true
		}
	}
	return false
}

// freshPath returns a new path in dir.
func (rr *randomRun) freshPath(dir string) string {
	for {
		n := rr.name()
		if !rr.taken(dir, n) {
			return path.Join(dir, n)
		}
	}
}

// pick returns a random model path of type typ ("" any), below root.
func (rr *randomRun) pick(typ string, ok func(p string) bool) (string, bool) {
	var ps []string
	for p, e := range rr.m {
		if (typ == "" || e.Type == typ) && (ok == nil || ok(p)) {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return "", false
	}
	sort.Strings(ps)
	return ps[rr.r.IntN(len(ps))], true
}

func (rr *randomRun) dir() string {
	if rr.r.IntN(3) == 0 {
		return rr.hot
	}
	d, _ := rr.pick("dir", func(p string) bool { return rr.m[p].Target == "" })
	return d
}

func (rr *randomRun) empty(d string) bool {
	for p := range rr.m {
		if strings.HasPrefix(p, d+"/") {
			return false
		}
	}
	return true
}

// op applies one random operation in tx and to the model; it returns a
// description, or an error when the library disagrees with the model.
func (rr *randomRun) op(tx *volume.Tx, i int) (string, error) {
	r := rr.r
	// The first 60% of the operations mostly add names, the rest mostly
	// remove them.
	k := r.IntN(100)
	if i < randomOps*6/10 {
		if k >= 55 && r.IntN(4) != 0 {
			k = r.IntN(55)
		}
	} else if k < 55 && r.IntN(2) == 0 {
		k = 55 + r.IntN(45)
	}
	switch {
	case k < 8:
		d := rr.dir()
		p := rr.freshPath(d)
		rr.m[p] = modelEntry{Type: "dir"}
		return "mkdir " + p, tx.Mkdir(p)
	case k < 35:
		d := rr.dir()
		p := rr.freshPath(d)
		var size int
		switch r.IntN(3) {
		case 0:
		case 1:
			size = 1 + r.IntN(400)
		default:
			size = 4096*(1+r.IntN(4)) + r.IntN(4096)
		}
		b := make([]byte, size)
		for j := range b {
			b[j] = byte('a' + r.IntN(26))
		}
		rr.groups++
		rr.m[p] = modelEntry{Type: "file", Content: string(b), Group: "g" + strconv.Itoa(rr.groups)}
		return fmt.Sprintf("create %s (%d bytes)", p, size), tx.Create(p, bytes.NewReader(b))
	case k < 45:
		src, ok := rr.pick("file", nil)
		if !ok {
			return "link: no file", nil
		}
		p := rr.freshPath(rr.dir())
		rr.m[p] = rr.m[src]
		return "link " + src + " " + p, tx.Link(src, p)
	case k < 50:
		p := rr.freshPath(rr.dir())
		// Targets stay short: a reparse point too long for the record
		// is not supported yet (see the report of issue 3).
		target := `..\` + rr.shortName()
		if r.IntN(2) == 0 {
			rr.m[p] = modelEntry{Type: "symlink", Target: target}
			return "symlink " + p, tx.Symlink(p, target, volume.SymlinkOptions{Dir: r.IntN(2) == 0})
		}
		target = `C:\` + rr.shortName()
		rr.m[p] = modelEntry{Type: "symlink", Target: `\??\` + target}
		return "junction " + p, tx.Junction(p, target)
	case k < 52:
		// A name that differs only in case must be refused.
		p, ok := rr.pick("", nil)
		if !ok {
			return "case: nothing", nil
		}
		v := swapCase(path.Base(p))
		if v == path.Base(p) {
			return "case: no letter", nil
		}
		q := path.Join(path.Dir(p), v)
		if err := tx.Mkdir(q); !errors.Is(err, volume.ErrExist) {
			return "", fmt.Errorf("mkdir %s next to %s: %v, want ErrExist", q, p, err)
		}
		if err := tx.Create(q, strings.NewReader("x")); !errors.Is(err, volume.ErrExist) {
			return "", fmt.Errorf("create %s next to %s: %v, want ErrExist", q, p, err)
		}
		return "case-variant " + q + " refused", nil
	case k < 55:
		bad := []string{"a?b", "trail.", "trail ", "x:y", "<>", "p|q", strings.Repeat("y", 256), "c\x01"}
		q := path.Join(rr.dir(), bad[r.IntN(len(bad))])
		if err := tx.Create(q, strings.NewReader("x")); !errors.Is(err, volume.ErrInvalid) {
			return "", fmt.Errorf("create %q: %v, want ErrInvalid", q, err)
		}
		return fmt.Sprintf("invalid %q refused", q), nil
	case k < 90:
		p, ok := rr.pick("", func(p string) bool { return rr.m[p].Type != "dir" })
		if !ok {
			return "unlink: nothing", nil
		}
		delete(rr.m, p)
		return "remove " + p, tx.Remove(p)
	default:
		p, ok := rr.pick("dir", func(p string) bool { return p != rr.hot && rr.empty(p) })
		if !ok {
			return "rmdir: nothing", nil
		}
		delete(rr.m, p)
		return "rmdir " + p, tx.Rmdir(p)
	}
}

func swapCase(s string) string {
	rs := []rune(s)
	for i, c := range rs {
		if u := []rune(strings.ToUpper(string(c))); len(u) == 1 && u[0] != c {
			rs[i] = u[0]
		} else if l := []rune(strings.ToLower(string(c))); len(l) == 1 && l[0] != c {
			rs[i] = l[0]
		}
	}
	return string(rs)
}

// TestWriterRandom applies random operations in random transactions and
// compares the volume with a model through ntfs-3g and fls every 100
// operations. Reproduce a failure with -seed N (or NTFSEDIT_SEED=N).
func TestWriterRandom(t *testing.T) {
	oracle.Require(t, "ntfs-3g", "fls", "mkntfs")
	seed := *randomSeed
	if s := os.Getenv("NTFSEDIT_SEED"); seed == 0 && s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("NTFSEDIT_SEED: %v", err)
		}
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (reproduce with: go test ./internal/interop -run TestWriterRandom -seed %d)", seed, seed)
	img := freshImage(t, 48<<20)
	rr := &randomRun{t: t, r: rand.New(rand.NewPCG(seed, 0x5eed)), m: model{"/r": {Type: "dir"}, "/r/hot": {Type: "dir"}}, hot: "/r/hot"}
	v := openRW(t, img, volume.WriteOptions{})
	if err := v.Update(func(tx *volume.Tx) error { return tx.MkdirAll("/r/hot") }); err != nil {
		t.Fatal(err)
	}
	var log []string
	maxHot := 0
	for done := 0; done < randomOps; {
		n := min(1+rr.r.IntN(20), randomOps-done, 100-done%100)
		snapshot := maps(rr.m)
		groups := rr.groups
		err := v.Update(func(tx *volume.Tx) error {
			for j := range n {
				what, err := rr.op(tx, done+j)
				log = append(log, what)
				if err != nil {
					return fmt.Errorf("op %d: %s: %w", done+j, what, err)
				}
			}
			return nil
		})
		if err != nil {
			rr.m, rr.groups = snapshot, groups
			t.Fatalf("seed %d: %v\nlast ops:\n%s", seed, err, strings.Join(log[max(0, len(log)-20):], "\n"))
		}
		done += n
		hot := 0
		for p := range rr.m {
			if path.Dir(p) == rr.hot {
				hot++
			}
		}
		maxHot = max(maxHot, hot)
		if done%100 == 0 {
			if err := v.Close(); err != nil {
				t.Fatal(err)
			}
			t.Logf("after %d operations: %d names, %d in %s (most %d)", done, len(rr.m), hot, rr.hot, maxHot)
			checkModel(t, img, []string{"/r"}, rr.m)
			if t.Failed() {
				t.Fatalf("seed %d: the volume and the model disagree after %d operations", seed, done)
			}
			v = openRW(t, img, volume.WriteOptions{})
		}
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if maxHot < 120 {
		t.Errorf("%s held at most %d names; the test wants it past several INDX blocks", rr.hot, maxHot)
	}
	keep(t, img, fmt.Sprintf("random-%d", seed))
	switch _, err := exec.LookPath("ntfsfix"); {
	case err == nil:
		if out, err := oracle.Output("ntfsfix", "-n", img); err != nil {
			t.Errorf("ntfsfix -n: %v\n%s", err, out)
		}
	case oracle.CI():
		t.Error("ntfsfix not installed (apt-get install ntfs-3g)")
	default:
		t.Log("ntfsfix not installed (apt-get install ntfs-3g): final check skipped")
	}
}

func maps(m model) model {
	c := make(model, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
