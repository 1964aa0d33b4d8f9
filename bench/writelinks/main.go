// Command writelinks is the library side of bench/writer.sh: it times
// hard links made in one transaction and counts the index blocks a
// directory insert reads and writes as the directory grows.
//
//	writelinks -img IMG links  [-files 10000 -per 1]  10,000 files linked once each, one transaction
//	writelinks -img IMG prep   [-files 10000]         only the files; then links -prepared on copies
//	writelinks -img IMG insert [-sizes 1000,10000,100000]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ntfsedit/ntfsedit/volume"
)

// countingDevice counts the reads that reach the image and times the
// writes and syncs.
type countingDevice struct {
	volume.Device
	reads, bytes        atomic.Int64
	writes, wbytes      atomic.Int64
	writeTime, syncTime atomic.Int64 // ns
	syncs               atomic.Int64
}

func (d *countingDevice) WriteAt(p []byte, off int64) (int, error) {
	t := time.Now()
	n, err := d.Device.WriteAt(p, off)
	d.writeTime.Add(int64(time.Since(t)))
	d.writes.Add(1)
	d.wbytes.Add(int64(len(p)))
	return n, err
}

// Unwrap returns the device counted (for the writer's writeback hints).
func (d *countingDevice) Unwrap() volume.Device { return d.Device }

func (d *countingDevice) Sync() error {
	t := time.Now()
	err := d.Device.Sync()
	d.syncTime.Add(int64(time.Since(t)))
	d.syncs.Add(1)
	return err
}

// timedJournal times the journal's Write (which syncs) and Remove.
type timedJournal struct {
	volume.JournalStore
	bytes         int64
	write, remove time.Duration
}

func (j *timedJournal) Write(b []byte) error {
	t := time.Now()
	err := j.JournalStore.Write(b)
	j.write += time.Since(t)
	j.bytes += int64(len(b))
	return err
}

// WriteJournal streams the journal to its file, as a commit does with a
// plain FileJournal.
func (j *timedJournal) WriteJournal(write func(io.Writer) error) error {
	fj, ok := j.JournalStore.(volume.FileJournal)
	if !ok {
		return fmt.Errorf("journal %s is not a file", j.JournalStore)
	}
	t := time.Now()
	err := volume.WriteFileJournal(fj, func(w io.Writer) error { return write(&countingWriter{w, &j.bytes}) })
	j.write += time.Since(t)
	return err
}

// countingWriter adds the bytes written through it to *n.
type countingWriter struct {
	w io.Writer
	n *int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	k, err := c.w.Write(p)
	*c.n += int64(k)
	return k, err
}

func (j *timedJournal) Remove() error {
	t := time.Now()
	err := j.JournalStore.Remove()
	j.remove += time.Since(t)
	return err
}

func (d *countingDevice) ReadAt(p []byte, off int64) (int, error) {
	d.reads.Add(1)
	d.bytes.Add(int64(len(p)))
	return d.Device.ReadAt(p, off)
}

func open(img string) (*volume.Volume, *countingDevice, error) {
	v, cd, _, err := openTimed(img)
	return v, cd, err
}

func openTimed(img string) (*volume.Volume, *countingDevice, *timedJournal, error) {
	dev, err := volume.OpenDevice(img, true)
	if err != nil {
		return nil, nil, nil, err
	}
	cd := &countingDevice{Device: dev}
	j := &timedJournal{JournalStore: volume.FileJournal(volume.DefaultJournal(img))}
	v, err := volume.OpenWritableOn(cd, volume.Options{}, volume.WriteOptions{Journal: j})
	if err != nil {
		dev.Close()
		return nil, nil, nil, err
	}
	return v, cd, j, nil
}

func main() {
	img := flag.String("img", "", "fresh NTFS image")
	files := flag.Int("files", 10000, "links: files to link")
	per := flag.Int("per", 1, "links: links per file")
	sizes := flag.String("sizes", "1000,10000,100000", "insert: directory sizes to measure at")
	prepared := flag.Bool("prepared", false, "links: the image already holds /src's files and an empty /links (from a copy of an image prepared once)")
	flag.Parse()
	if *img == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: writelinks -img IMG links|insert")
		os.Exit(2)
	}
	var err error
	switch flag.Arg(0) {
	case "links":
		err = links(*img, *files, *per, *prepared)
	case "prep":
		err = prepare(*img, *files)
	case "insert":
		err = insert(*img, *sizes)
	default:
		err = fmt.Errorf("unknown mode %q", flag.Arg(0))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "writelinks:", err)
		os.Exit(1)
	}
}

// links creates the files (untimed), then times opening the volume and one
// transaction that adds files*per hard links into /links.
func links(img string, files, per int, prepared bool) error {
	if !prepared {
		if err := prepare(img, files); err != nil {
			return err
		}
	}
	return timeLinks(img, files, per)
}

// prepare creates /src with files files and an empty /links.
func prepare(img string, files int) error {
	v, _, err := open(img)
	if err != nil {
		return err
	}
	err = v.Update(func(tx *volume.Tx) error {
		if err := tx.Mkdir("/src"); err != nil {
			return err
		}
		return tx.Mkdir("/links")
	})
	if err == nil {
		err = v.Update(func(tx *volume.Tx) error {
			for j := range files {
				if err := tx.Create(fmt.Sprintf("/src/f%05d", j), strings.NewReader("x")); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if cerr := v.Close(); err == nil {
		err = cerr
	}
	return err
}

// timeLinks times opening the volume and one transaction that links
// each /src/fNNNNN per times into /links.
func timeLinks(img string, files, per int) error {
	// NTFSEDIT_CPUPROFILE=FILE profiles the timed part (a few samples a
	// run: merge the profiles of many, or profile BenchmarkLinks10k).
	if p := os.Getenv("NTFSEDIT_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	cpu0, flt0 := cpuTime(), faults()
	u0, s0 := userSys()
	start := time.Now()
	v, cd, j, err := openTimed(img)
	if err != nil {
		return err
	}
	opened := time.Now()
	var staged time.Time
	buf := make([]byte, 0, 64)
	err = v.Update(func(tx *volume.Tx) error {
		for i := range files {
			for j := range per {
				src := padded(buf[:0], "/src/f", i, 5)
				dst := padded(padded(buf[len(src):len(src)], "/links/l", i, 5), "-", j, 4)
				if err := tx.Link(string(src), string(dst)); err != nil {
					return err
				}
			}
		}
		staged = time.Now()
		return nil
	})
	committed := time.Now()
	if cerr := v.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	end := time.Now()
	cpu, flt := cpuTime()-cpu0, faults()-flt0
	u1, s1 := userSys()
	fmt.Printf("ntfsedit library: %d hard links in one transaction (open, link, commit, close): %.3f s (open %.1f ms, links %.1f ms, commit %.1f ms)\n",
		files*per, end.Sub(start).Seconds(), ms(opened.Sub(start)), ms(staged.Sub(opened)), ms(committed.Sub(staged)))
	io := j.write + j.remove + time.Duration(cd.writeTime.Load()+cd.syncTime.Load())
	fmt.Printf("  device reads (open, link, commit): %d (%.1f MiB)\n", cd.reads.Load(), float64(cd.bytes.Load())/(1<<20))
	fmt.Printf("  commit I/O: journal %.1f MiB written+synced %.1f ms, removed %.1f ms; in place %d writes (%.1f MiB) %.1f ms, %d syncs %.1f ms\n",
		float64(j.bytes)/(1<<20), ms(j.write), ms(j.remove), cd.writes.Load(), float64(cd.wbytes.Load())/(1<<20),
		ms(time.Duration(cd.writeTime.Load())), cd.syncs.Load(), ms(time.Duration(cd.syncTime.Load())))
	if cpu0 >= 0 {
		fmt.Printf("  process CPU (user+sys) %.1f ms (user %.1f, sys %.1f), %d page faults; wall outside commit I/O %.1f ms\n",
			ms(cpu), ms(u1-u0), ms(s1-s0), flt, ms(end.Sub(start)-io))
	}
	return nil
}

// padded appends prefix and n in at least width digits (fmt's %0*d,
// which cost a tenth of the transaction's time).
func padded(b []byte, prefix string, n, width int) []byte {
	b = append(b, prefix...)
	for k := len(strconv.Itoa(n)); k < width; k++ {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(n), 10)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// insert grows /big with hard links (100 files, up to 1,000 names each)
// and, at each size, measures 20 single-link dry runs on a freshly opened
// volume: INDX blocks written (from the plan) and device reads.
func insert(img, sizes string) error {
	v, _, err := open(img)
	if err != nil {
		return err
	}
	err = v.Update(func(tx *volume.Tx) error {
		if err := tx.Mkdir("/big"); err != nil {
			return err
		}
		if err := tx.Mkdir("/src"); err != nil {
			return err
		}
		for i := range 101 {
			if err := tx.Create(fmt.Sprintf("/src/f%03d", i), strings.NewReader("x")); err != nil {
				return err
			}
		}
		return nil
	})
	v.Close()
	if err != nil {
		return err
	}
	have := 0
	for _, s := range strings.Split(sizes, ",") {
		want, err := strconv.Atoi(s)
		if err != nil {
			return err
		}
		if want > 100*1000 {
			return fmt.Errorf("size %d: at most 100000", want)
		}
		v, _, err := open(img)
		if err != nil {
			return err
		}
		err = v.Update(func(tx *volume.Tx) error {
			for ; have < want; have++ {
				if err := tx.Link(fmt.Sprintf("/src/f%03d", have/1000), fmt.Sprintf("/big/entry-%07d.txt", have*7919%1000003)); err != nil {
					return err
				}
			}
			return nil
		})
		v.Close()
		if err != nil {
			return err
		}
		const probes = 20
		var blocks, idxBlocks, reads, rbytes int64
		for p := range probes {
			v, cd, err := open(img)
			if err != nil {
				return err
			}
			r0, b0 := cd.reads.Load(), cd.bytes.Load()
			plan, err := v.DryRun(func(tx *volume.Tx) error {
				return tx.Link("/src/f100", fmt.Sprintf("/big/probe-%07d.txt", p*499979%1000003))
			})
			if err != nil {
				v.Close()
				return err
			}
			reads += cd.reads.Load() - r0
			rbytes += cd.bytes.Load() - b0
			for _, b := range plan.IndexBlocks {
				blocks++
				if b.Record != 26 {
					idxBlocks++
				}
			}
			v.Close()
		}
		fmt.Printf("directory of %6d entries: per insert %.2f INDX blocks written, %.1f device reads (%.0f KiB) after open\n",
			want, float64(idxBlocks)/probes, float64(reads)/probes, float64(rbytes)/probes/1024)
	}
	return nil
}
