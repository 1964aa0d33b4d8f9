package volume

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/internal/testutil"
	"github.com/ntfsedit/ntfsedit/mft"
)

// Benchmarks of the transaction's index lookups and inserts alone, on a
// volume formatted by FormatOn with benchIndexFiles files in /src and an
// empty /links (the shape of BenchmarkLinks10k): the lookups of
// Tx.Link's source paths and the inserts of its new names.

const benchIndexFiles = 10000

var (
	benchIndexOnce sync.Once
	benchIndexImg  []byte
	benchIndexErr  error
)

func benchIndexImage(b *testing.B) []byte {
	b.Helper()
	benchIndexOnce.Do(func() {
		raw := make([]byte, 64<<20)
		dev := NewMemDevice(raw, 512)
		if benchIndexErr = FormatOn(dev, 0, FormatOptions{}); benchIndexErr != nil {
			return
		}
		v, err := OpenWritableOn(dev, Options{}, WriteOptions{Journal: testutil.NewMemJournal()})
		if err != nil {
			benchIndexErr = err
			return
		}
		defer v.Close()
		err = v.Update(func(tx *Tx) error {
			if err := tx.Mkdir("/src"); err != nil {
				return err
			}
			return tx.Mkdir("/links")
		})
		for i := 0; err == nil && i < benchIndexFiles; i += 1000 {
			err = v.Update(func(tx *Tx) error {
				for j := i; j < min(i+1000, benchIndexFiles); j++ {
					if err := tx.Create(fmt.Sprintf("/src/f%05d", j), strings.NewReader("x")); err != nil {
						return err
					}
				}
				return nil
			})
		}
		benchIndexImg, benchIndexErr = raw, err
	})
	if benchIndexErr != nil {
		b.Fatal(benchIndexErr)
	}
	return benchIndexImg
}

var errBenchRollback = errors.New("benchmark: roll back")

// benchIndexTx runs f in a transaction on a fresh copy of the image with
// the timer stopped; f starts and stops it around what it measures.
func benchIndexTx(b *testing.B, img []byte, f func(tx *Tx) error) {
	raw := bytes.Clone(img)
	v, err := OpenWritableOn(NewMemDevice(raw, 512), Options{}, WriteOptions{Journal: testutil.NewMemJournal()})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	if err := v.Update(f); !errors.Is(err, errBenchRollback) {
		b.Fatal(err)
	}
}

// BenchmarkTxIndexLookup looks up every name of /src in name order,
// twice: "cold" decodes the blocks on first use, "warm" finds them
// decoded.
func BenchmarkTxIndexLookup(b *testing.B) {
	img := benchIndexImage(b)
	names := make([]string, benchIndexFiles)
	for i := range names {
		names[i] = fmt.Sprintf("f%05d", i)
	}
	for _, warm := range []bool{false, true} {
		b.Run(map[bool]string{false: "cold", true: "warm"}[warm], func(b *testing.B) {
			b.ReportAllocs()
			b.StopTimer()
			var cpu time.Duration
			for range b.N {
				benchIndexTx(b, img, func(tx *Tx) error {
					fe, err := tx.resolve("/src")
					if err != nil {
						return err
					}
					lookAll := func() error {
						for _, n := range names {
							if _, err := tx.lookupEntry(fe, n); err != nil {
								return err
							}
						}
						return nil
					}
					if warm {
						if err := lookAll(); err != nil {
							return err
						}
					}
					b.StartTimer()
					c := cpuTime()
					err = lookAll()
					cpu += cpuTime() - c
					b.StopTimer()
					if err != nil {
						return err
					}
					return errBenchRollback
				})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchIndexFiles), "ns/lookup")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*benchIndexFiles), "cpu-ns/lookup")
		})
	}
}

// BenchmarkTxIndexInsert adds benchIndexFiles names to the empty /links
// in name order, each after a check that it is not there (as Tx.Link
// does): lookup, Editor.Insert and writing the root back.
func BenchmarkTxIndexInsert(b *testing.B) {
	img := benchIndexImage(b)
	b.ReportAllocs()
	b.StopTimer()
	var cpu time.Duration
	for range b.N {
		benchIndexTx(b, img, func(tx *Tx) error {
			dfe, err := tx.resolve("/links")
			if err != nil {
				return err
			}
			src, err := tx.resolve("/src/f00000")
			if err != nil {
				return err
			}
			names := make([]string, benchIndexFiles)
			keys := make([][]byte, benchIndexFiles)
			for i := range keys {
				names[i] = fmt.Sprintf("l%05d-0000", i)
				fn := mft.FileName{Parent: dfe.ref(), Namespace: mft.NamespacePOSIX, Name: mft.NameUnits(names[i])}
				if keys[i], err = fn.AppendBinary(nil); err != nil {
					return err
				}
			}
			b.StartTimer()
			c := cpuTime()
			for i, key := range keys {
				if _, err := tx.lookupEntry(dfe, names[i]); !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("lookup %s: %v", names[i], err)
				}
				x, err := tx.openIndex(dfe, nameI30, tx.nameCompare())
				if err != nil {
					return err
				}
				if err := x.ed.Insert(index.Entry{Ref: src.ref(), Key: key}); err != nil {
					return err
				}
				if err := x.close(); err != nil {
					return err
				}
			}
			cpu += cpuTime() - c
			b.StopTimer()
			return errBenchRollback
		})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchIndexFiles), "ns/insert")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*benchIndexFiles), "cpu-ns/insert")
}
