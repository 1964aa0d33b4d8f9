package mft_test

import (
	"bytes"
	"testing"

	"github.com/ntfsedit/ntfsedit/mft"
)

// BenchmarkDecodeRecordInto decodes the first records of the bundled
// sample volume (system files, directories, files) into one reused
// Record, as walks of a whole $MFT do: ns per record.
func BenchmarkDecodeRecordInto(b *testing.B) {
	var raws [][]byte
	for n := range int64(40) {
		raw := bytes.Clone(readRecord(n))
		if string(raw[:4]) != "FILE" {
			continue
		}
		if err := mft.ApplyFixups(raw); err != nil {
			b.Fatalf("record %d: %v", n, err)
		}
		raws = append(raws, raw)
	}
	if len(raws) < 20 {
		b.Fatalf("%d records: too few", len(raws))
	}
	var rec mft.Record
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		raw := raws[i%len(raws)]
		if err := mft.DecodeRecordInto(&rec, raw, mft.RecordNumber(i%len(raws))); err != nil {
			b.Fatal(err)
		}
	}
}
