package volume_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/internal/testutil"
	"github.com/ntfsedit/ntfsedit/volume"
)

// TestLinkAppendedMixed makes links in name order into directories (their
// entries appended, not inserted yet) and, in the same transaction, the
// operations that must see them: a link to one of them, a link whose name
// differs from one only in case, one in the middle of them, a directory
// created among them and linked into, a non-empty directory refused, then
// more links in order (more than appendBatch); with unlinks too (of appended names, in and of an
// appended directory). With linkRaw on and off the errors are the same,
// the volume after has the names the model says with the link counts the
// general path gives, and check finds no error. Without the unlinks the
// images are byte for byte equal; with them, records where linkRaw
// spliced a name that an unlink then removed keep the spliced bytes after
// their end marker (unused bytes the general path leaves zero), so the
// images are compared name by name.
func TestLinkAppendedMixed(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join(oracle.RepoRoot(t), "fixtures", "sample.img"))
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	opts := volume.WriteOptions{Force: true, Now: func() time.Time { return clock }}
	// The files to link, and the directories: one new (empty), one that
	// has names before and after those linked.
	setup := func(tx *volume.Tx) error {
		for _, d := range []string{"/src", "/d", "/e"} {
			if err := tx.Mkdir(d); err != nil {
				return err
			}
		}
		for i := range 60 {
			if err := tx.Create(fmt.Sprintf("/src/f%02d", i), strings.NewReader("x")); err != nil {
				return err
			}
		}
		for i := range 600 {
			if err := tx.Create(fmt.Sprintf("/src/g%04d", i), nil); err != nil {
				return err
			}
		}
		for _, n := range []string{"/e/a", "/e/zz"} {
			if err := tx.Create(n, strings.NewReader("y")); err != nil {
				return err
			}
		}
		return nil
	}
	type step struct {
		what   string
		fn     func(tx *volume.Tx) error
		unlink bool
	}
	link := func(i int, p string) step {
		return step{"link " + p, func(tx *volume.Tx) error { return tx.Link(fmt.Sprintf("/src/f%02d", i), p) }, false}
	}
	unlink := func(p string) step {
		return step{"unlink " + p, func(tx *volume.Tx) error { return tx.Unlink(p) }, true}
	}
	var steps []step
	for i := range 20 {
		steps = append(steps, link(i, fmt.Sprintf("/d/l%03d", i*10)), link(i, fmt.Sprintf("/e/m%03d", i*10)))
	}
	steps = append(steps,
		link(20, "/d/L190"), // the last one, in another case: exists
		link(21, "/d/l005"), // in the middle of the appended ones
		step{"link to an appended name", func(tx *volume.Tx) error { return tx.Link("/d/l030", "/e/m195") }, false},
		unlink("/d/l040"),
		step{"rmdir a directory with appended names", func(tx *volume.Tx) error { return tx.Rmdir("/d") }, false},
		link(22, "/d/l200"),
		step{"mkdir among appended names", func(tx *volume.Tx) error { return tx.Mkdir("/d/l205") }, false},
		link(23, "/d/l205/inner"),
		link(24, "/d/l210"),
		unlink("/d/l205/inner"),
		step{"rmdir an appended directory", func(tx *volume.Tx) error { return tx.Rmdir("/d/l205") }, true},
		link(25, "/d/l205"),
		link(26, "/d/l220"),
		unlink("/d/l220"),
		link(27, "/d/l220"),
		link(28, "/d/l230"),
	)
	for i := 29; i < 60; i++ {
		steps = append(steps, link(i, fmt.Sprintf("/d/l%03d", i*10)))
	}
	// More than a batch of appended entries.
	for i := range 600 {
		steps = append(steps, step{"link /d/n", func(tx *volume.Tx) error {
			return tx.Link(fmt.Sprintf("/src/g%04d", i), fmt.Sprintf("/d/n%04d", i))
		}, false})
	}
	for _, withUnlinks := range []bool{false, true} {
		t.Run(fmt.Sprintf("unlinks=%v", withUnlinks), func(t *testing.T) {
			var imgs [2][]byte
			var errs [2][]string
			raw := 0
			for k, on := range []bool{true, false} {
				img := writeTemp(t, "img", orig)
				imgs[k] = updatedImage(t, img, "", opts, setup, func(tx *volume.Tx) error {
					tx.SetRawLink(on)
					for _, s := range steps {
						if s.unlink && !withUnlinks {
							continue
						}
						if err := s.fn(tx); err != nil {
							errs[k] = append(errs[k], s.what+": "+err.Error())
						}
					}
					raw = max(raw, tx.RawLinks())
					return nil
				})
			}
			if d := cmp.Diff(errs[1], errs[0]); d != "" {
				t.Errorf("errors (-general +raw):\n%s", d)
			}
			// Without the unlinks, /d/l205 and /d/l220 stay taken.
			wantErrs := []string{"L190", "rmdir /d:", "/d/l205", "/d/l220"}
			if withUnlinks {
				wantErrs = wantErrs[:2]
			}
			if len(errs[0]) != len(wantErrs) {
				t.Errorf("errors: %q; want one each for %q", errs[0], wantErrs)
			}
			for i, w := range wantErrs {
				if i < len(errs[0]) && !strings.Contains(errs[0][i], w) {
					t.Errorf("error %d: %q, want one about %q", i, errs[0][i], w)
				}
			}
			if raw < 600 {
				t.Errorf("%d links spliced, want most of them", raw)
			}
			if !withUnlinks && !bytes.Equal(imgs[0], imgs[1]) {
				for off := range imgs[0] {
					if imgs[0][off] != imgs[1][off] {
						lo, hi := off&^15, min(off&^15+32, len(imgs[0]))
						t.Fatalf("images differ first at %#x:\nraw     % x\ngeneral % x", off, imgs[0][lo:hi], imgs[1][lo:hi])
					}
				}
			}
			// The names the steps leave.
			want := map[string][]string{"/e": {"a", "m195", "zz"}, "/d": {"l005", "l200", "l205", "l210", "l220", "l230"}}
			for i := range 20 {
				want["/e"] = append(want["/e"], fmt.Sprintf("m%03d", i*10))
				if i != 4 || !withUnlinks {
					want["/d"] = append(want["/d"], fmt.Sprintf("l%03d", i*10))
				}
			}
			for i := 29; i < 60; i++ {
				want["/d"] = append(want["/d"], fmt.Sprintf("l%03d", i*10))
			}
			for i := range 600 {
				want["/d"] = append(want["/d"], fmt.Sprintf("n%04d", i))
			}
			views := [2]map[string]string{}
			for k := range imgs {
				views[k] = namesAndLinks(t, imgs[k], want)
			}
			if d := cmp.Diff(views[1], views[0]); d != "" {
				t.Errorf("names and link counts (-general +raw):\n%s", d)
			}
		})
	}
}

// namesAndLinks checks that the directories of want hold exactly its
// names and that the volume has no check error, and returns each name
// with the record and link count it leads to.
func namesAndLinks(t *testing.T, raw []byte, want map[string][]string) map[string]string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "after.img")
	if err := os.WriteFile(img, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	out := map[string]string{}
	for dir, names := range want {
		f, err := v.Lookup(dir)
		if err != nil {
			t.Fatal(err)
		}
		ents, err := f.ReadDir()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range ents {
			got = append(got, e.Name)
		}
		names = slices.Clone(names)
		slices.Sort(names) // lower-case ASCII: index order
		if d := cmp.Diff(names, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", dir, d)
		}
		for _, n := range names {
			g, err := v.Lookup(dir + "/" + n)
			if err != nil {
				t.Errorf("lookup %s/%s: %v", dir, n, err)
				continue
			}
			out[dir+"/"+n] = fmt.Sprintf("record %d, %d links", g.Number(), g.LinkCount())
		}
	}
	findings, err := v.Check(volume.CheckOptions{NoPaths: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		if f.Severity == volume.SevError {
			t.Errorf("check: %v", f)
		}
	}
	return out
}

// TestLinkAppendedNoSpace links files in order into a directory of a
// volume with one cluster free: the entries appended need more INDX
// blocks than that, and the transaction fails with ErrNoSpace, whichever
// link or the commit it surfaces in, with linkRaw on and off, leaving the
// volume byte for byte as it was.
func TestLinkAppendedNoSpace(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("raw=%v", on), func(t *testing.T) {
			raw := make([]byte, 24<<20)
			dev := volume.NewMemDevice(raw, 512)
			if err := volume.FormatOn(dev, 0, volume.FormatOptions{}); err != nil {
				t.Fatal(err)
			}
			v, err := volume.OpenWritableOn(dev, volume.Options{}, volume.WriteOptions{Journal: testutil.NewMemJournal()})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			err = v.Update(func(tx *volume.Tx) error {
				for _, d := range []string{"/src", "/links"} {
					if err := tx.Mkdir(d); err != nil {
						return err
					}
				}
				for i := range 600 {
					if err := tx.Create(fmt.Sprintf("/src/f%04d", i), strings.NewReader("x")); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			bm, err := v.ClusterBitmap()
			if err != nil {
				t.Fatal(err)
			}
			free := int64(0)
			for lcn := range v.Info().Clusters {
				if !bm.Allocated(lcn) {
					free++
				}
			}
			cs := int64(v.ClusterSize())
			if err := v.Update(func(tx *volume.Tx) error {
				return tx.Create("/fill", bytes.NewReader(make([]byte, (free-1)*cs)))
			}); err != nil {
				t.Fatal(err)
			}
			before := bytes.Clone(raw)
			links := 0
			err = v.Update(func(tx *volume.Tx) error {
				tx.SetRawLink(on)
				for i := range 600 {
					if err := tx.Link(fmt.Sprintf("/src/f%04d", i), fmt.Sprintf("/links/l%04d", i)); err != nil {
						return err
					}
					links++
				}
				return nil
			})
			if !errors.Is(err, volume.ErrNoSpace) {
				t.Fatalf("after %d links: Update = %v, want ErrNoSpace", links, err)
			}
			if !bytes.Equal(raw, before) {
				t.Error("the failed transaction changed the volume")
			}
			t.Logf("%d links made before the error: %v", links, err)
		})
	}
}
