package mft

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// realSeeds returns records from the shared Windows images when present
// (fuzz seeds are best effort: the corpus and the vectors below always run).
func realSeeds(f *testing.F) [][]byte {
	f.Helper()
	dir := filepath.Join(filepath.Dir(oracle.RepoRoot(f)), "shared", "images")
	var out [][]byte
	if b, err := os.ReadFile(filepath.Join(dir, "rp.bin")); err == nil {
		out = append(out, b)
	}
	for _, name := range []string{"compressed_sparse.mft.gz", "4k-large.mft.gz", "unicode.mft.gz"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		for i, r := range fileRecords(f, readImage(f, p)) {
			if i%4 == 0 || r.n >= 24 { // keep the corpus small but varied
				out = append(out, r.raw)
			}
		}
	}
	return out
}

// realAttrs returns the attributes of the seed records, decoded.
func realAttrs(f *testing.F) []Attr {
	var out []Attr
	for _, raw := range realSeeds(f) {
		if r, err := ParseRecord(raw, NoRecord); err == nil {
			out = append(out, r.Attrs...)
		}
	}
	return out
}

var equateEmpty = cmpopts.EquateEmpty()

func FuzzApplyFixups(f *testing.F) {
	for _, v := range fixupVectors {
		f.Add(v.disk)
	}
	for _, raw := range realSeeds(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, disk []byte) {
		b := bytes.Clone(disk)
		if err := ApplyFixups(b); err != nil {
			if !bytes.Equal(b, disk) {
				t.Fatalf("ApplyFixups changed a structure it rejected")
			}
			return
		}
		if err := ProtectFixups(b); err != nil {
			t.Fatalf("ProtectFixups after ApplyFixups: %v", err)
		}
		if d := bytesDiff(disk, b); d != "" {
			t.Fatalf("ProtectFixups(ApplyFixups(x)) != x (-want +got):\n%s", d)
		}
	})
}

func FuzzDecodeRuns(f *testing.F) {
	for _, v := range runVectors {
		f.Add(v.enc)
	}
	for _, v := range runErrorVectors {
		f.Add(v.enc)
	}
	for _, a := range realAttrs(f) {
		if a.NonResident {
			f.Add(bytes.Clone(a.runsRaw))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		runs, n, err := DecodeRuns(b)
		if err != nil {
			return
		}
		if n < 1 || n > len(b) || b[n-1] != 0 {
			t.Fatalf("consumed %d of %d bytes", n, len(b))
		}
		enc, err := AppendRuns(nil, runs)
		if err != nil {
			t.Fatalf("AppendRuns of decoded runs: %v", err)
		}
		// Other encoders may use wider fields than needed, so the bytes
		// can differ; the minimal encoding is never longer and decodes to
		// the same runs.
		if len(enc) > n {
			t.Fatalf("minimal encoding %d bytes longer than the input %d", len(enc), n)
		}
		again, m, err := DecodeRuns(enc)
		if err != nil || m != len(enc) {
			t.Fatalf("DecodeRuns(AppendRuns(runs)) = %d, %v", m, err)
		}
		if diff := cmp.Diff(runs, again); diff != "" {
			t.Fatalf("runs after re-encoding (-want +got):\n%s", diff)
		}
		// A minimal input re-encodes to itself.
		if bytes.Equal(enc, b[:len(enc)]) || isMinimalRuns(b[:n]) {
			if d := bytesDiff(b[:n], enc); d != "" {
				t.Fatalf("minimal input re-encoded differently (-want +got):\n%s", d)
			}
		}
	})
}

// isMinimalRuns reports whether every field of a runlist uses the fewest
// bytes that sign-extend back to its value.
func isMinimalRuns(b []byte) bool {
	for i := 0; b[i] != 0; {
		ls, os := int(b[i]&0x0F), int(b[i]>>4)
		if len(minSigned(signedLE(b[i+1:i+1+ls]))) != ls {
			return false
		}
		if os > 0 && len(minSigned(signedLE(b[i+1+ls:i+1+ls+os]))) != os {
			return false
		}
		i += 1 + ls + os
	}
	return true
}

func FuzzDecodeAttr(f *testing.F) {
	for _, v := range attrVectors {
		f.Add(v.enc)
	}
	for _, a := range realAttrs(f) {
		f.Add(bytes.Clone(a.raw))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAttr(b)
		if err != nil {
			return
		}
		enc, err := a.AppendBinary(nil)
		if err != nil {
			t.Fatalf("AppendBinary of a decoded attribute: %v", err)
		}
		if d := bytesDiff(b[:a.Length], enc); d != "" {
			t.Fatalf("re-encoding (-want +got):\n%s", d)
		}
		again, err := DecodeAttr(enc)
		if err != nil {
			t.Fatalf("decode of the re-encoding: %v", err)
		}
		if diff := cmp.Diff(a, again, ignoreRaw, equateEmpty); diff != "" {
			t.Fatalf("value after re-encoding (-want +got):\n%s", diff)
		}
		// Layout repacks the attribute; the result still decodes to the
		// same values.
		if err := a.Layout(); err != nil {
			t.Fatalf("Layout: %v", err)
		}
		if a.Length > 0xFFFF_FFF8 {
			return
		}
		packed, err := a.AppendBinary(nil)
		if err != nil {
			t.Fatalf("AppendBinary after Layout: %v", err)
		}
		got, err := DecodeAttr(packed)
		if err != nil {
			t.Fatalf("decode after Layout: %v", err)
		}
		if diff := cmp.Diff(a, got, ignoreRaw, equateEmpty); diff != "" {
			t.Fatalf("value after Layout (-want +got):\n%s", diff)
		}
	})
}

func FuzzParseRecord(f *testing.F) {
	f.Add(buildRecord(f))
	for _, raw := range realSeeds(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkParsedRecord(t, raw)
		// Most mutations tear a sector; treating the input as plain bytes
		// and protecting it reaches the record decoder instead.
		if b := bytes.Clone(raw); ProtectFixups(b) == nil {
			checkParsedRecord(t, b)
		}
	})
}

func checkParsedRecord(t *testing.T, raw []byte) {
	{
		r, err := ParseRecord(raw, 1)
		if err != nil {
			return
		}
		plain := bytes.Clone(raw)
		if err := ApplyFixups(plain); err != nil {
			t.Fatalf("ParseRecord accepted bytes ApplyFixups rejects: %v", err)
		}
		enc, err := r.AppendBinary(nil)
		if err != nil {
			t.Fatalf("AppendBinary of a decoded record: %v", err)
		}
		// Documented exception: AppendBinary recomputes BytesInUse as the
		// end marker's offset + 8, so a record claiming more in use than
		// that re-encodes with the correct value. Everything else is
		// byte-exact.
		want := bytes.Clone(plain)
		le.PutUint32(want[0x18:], le.Uint32(enc[0x18:]))
		if d := bytesDiff(want, enc); d != "" {
			t.Fatalf("re-encoding (-want +got):\n%s", d)
		}
		if err := ProtectFixups(enc); err != nil {
			t.Fatal(err)
		}
		again, err := ParseRecord(enc, 1)
		if err != nil {
			t.Fatalf("parse of the re-encoding: %v", err)
		}
		if diff := cmp.Diff(r, again, ignoreRaw, equateEmpty); diff != "" {
			t.Fatalf("value after re-encoding (-want +got):\n%s", diff)
		}
		if bytes.Equal(want, plain) {
			if d := bytesDiff(raw, enc); d != "" {
				t.Fatalf("on-disk bytes (-want +got):\n%s", d)
			}
		}
	}
}

// fuzzValue is the shared body of the typed-value fuzzers: decode, and for
// accepted input require that the encoding is the input (trimmed by trim)
// and decodes to an equal value.
func fuzzValue[V any](t *testing.T, b []byte, decode func([]byte) (V, error), encode func(V) ([]byte, error), trim func(V) int) {
	v, err := decode(b)
	if err != nil {
		return
	}
	enc, err := encode(v)
	if err != nil {
		t.Fatalf("encode of a decoded value: %v", err)
	}
	if d := bytesDiff(b[:trim(v)], enc); d != "" {
		t.Fatalf("re-encoding (-want +got):\n%s", d)
	}
	again, err := decode(enc)
	if err != nil {
		t.Fatalf("decode of the re-encoding: %v", err)
	}
	if diff := cmp.Diff(v, again, ignoreRaw, equateEmpty); diff != "" {
		t.Fatalf("value after re-encoding (-want +got):\n%s", diff)
	}
}

func addValues(f *testing.F, typ AttrType) {
	for _, a := range realAttrs(f) {
		if a.Type == typ && !a.NonResident {
			f.Add(bytes.Clone(a.Value))
		}
	}
}

func FuzzDecodeStandardInfo(f *testing.F) {
	for _, v := range stdInfoVectors {
		f.Add(v.enc)
	}
	addValues(f, AttrStandardInformation)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzValue(t, b, DecodeStandardInfo,
			func(s StandardInfo) ([]byte, error) { return s.AppendBinary(nil) },
			func(StandardInfo) int { return len(b) })
	})
}

func FuzzDecodeFileName(f *testing.F) {
	for _, v := range fileNameVectors {
		f.Add(v.enc)
	}
	addValues(f, AttrFileName)
	f.Fuzz(func(t *testing.T, b []byte) {
		// Bytes after the name are padding DecodeFileName ignores.
		fuzzValue(t, b, DecodeFileName,
			func(fn FileName) ([]byte, error) { return fn.AppendBinary(nil) },
			func(fn FileName) int { return fn.Len() })
	})
}

func FuzzDecodeAttrList(f *testing.F) {
	for _, v := range attrListVectors {
		f.Add(v.enc)
	}
	addValues(f, AttrAttributeList)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzValue(t, b, DecodeAttrList,
			func(e []AttrListEntry) ([]byte, error) { return AppendAttrList(nil, e) },
			func([]AttrListEntry) int { return len(b) })
	})
}

func FuzzDecodeVolumeInfo(f *testing.F) {
	for _, v := range volumeInfoVectors {
		f.Add(v.enc)
	}
	addValues(f, AttrVolumeInformation)
	f.Fuzz(func(t *testing.T, b []byte) {
		fuzzValue(t, b, DecodeVolumeInfo,
			func(v VolumeInfo) ([]byte, error) { return v.AppendBinary(nil) },
			func(VolumeInfo) int { return len(b) })
	})
}
