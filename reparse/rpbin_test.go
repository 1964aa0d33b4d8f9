package reparse

import (
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rpBinPath is a 1 KiB MFT record written by Windows, holding a symlink
// $REPARSE_POINT (msuhanov/dfir_ntfs test_data/rp.bin). It is shared test
// data, not part of this repository.
const rpBinPath = "../../shared/images/rp.bin"

// readSharedImage reads a shared test image, skipping the test when it is
// absent unless CI=true.
func readSharedImage(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) && os.Getenv("CI") != "true" {
			t.Skipf("shared image missing: %v", err)
		}
		t.Fatal(err)
	}
	return b
}

// applyFixups undoes the update sequence protection of an MFT record in
// place: the last two bytes of every 512-byte sector must equal the update
// sequence number and are replaced by the saved array entries. This is a
// test-only reader; the mft package owns the real one.
func applyFixups(rec []byte) error {
	le := binary.LittleEndian
	usaOff, usaCount := int(le.Uint16(rec[0x04:])), int(le.Uint16(rec[0x06:]))
	if usaCount < 1 || usaOff+2*usaCount > len(rec) || (usaCount-1)*512 > len(rec) {
		return fmt.Errorf("bad update sequence array at %#x, count %d", usaOff, usaCount)
	}
	usn := le.Uint16(rec[usaOff:])
	for i := 1; i < usaCount; i++ {
		end := i*512 - 2
		if got := le.Uint16(rec[end:]); got != usn {
			return fmt.Errorf("sector %d ends with %#04x, want update sequence number %#04x", i-1, got, usn)
		}
		copy(rec[end:end+2], rec[usaOff+2*i:])
	}
	return nil
}

// findResidentAttr walks the attribute headers of a record and returns
// the value of the first resident attribute of type typ.
func findResidentAttr(rec []byte, typ uint32) ([]byte, error) {
	le := binary.LittleEndian
	off := int(le.Uint16(rec[0x14:]))
	for off+8 <= len(rec) {
		t := le.Uint32(rec[off:])
		if t == 0xFFFFFFFF {
			break
		}
		n := int(le.Uint32(rec[off+4:]))
		if n < 0x18 || off+n > len(rec) {
			return nil, fmt.Errorf("bad attribute length %#x at %#x", n, off)
		}
		if t == typ {
			if rec[off+8] != 0 {
				return nil, fmt.Errorf("attribute %#x at %#x is non-resident", typ, off)
			}
			vlen, voff := int(le.Uint32(rec[off+0x10:])), int(le.Uint16(rec[off+0x14:]))
			if voff+vlen > n {
				return nil, fmt.Errorf("value of attribute at %#x runs past it", off)
			}
			return rec[off+voff : off+voff+vlen], nil
		}
		off += n
	}
	return nil, fmt.Errorf("no attribute %#x", typ)
}

func TestRPBin(t *testing.T) {
	rec := readSharedImage(t, rpBinPath)
	if len(rec) != 1024 || string(rec[:4]) != "FILE" {
		t.Fatalf("%s is not a 1 KiB FILE record", rpBinPath)
	}
	if err := applyFixups(rec); err != nil {
		t.Fatal(err)
	}
	value, err := findResidentAttr(rec, 0xC0) // $REPARSE_POINT
	if err != nil {
		t.Fatal(err)
	}
	diffBytes(t, "$REPARSE_POINT value", hx(t, hexRPBin), value)

	p, err := Decode(value)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	s, err := p.Symlink()
	if err != nil {
		t.Fatalf("Symlink: %v", err)
	}
	want := Symlink{
		SubstituteNameOffset: 0x14, SubstituteNameLength: 0x14,
		PrintNameOffset: 0, PrintNameLength: 0x14,
		Flags:      SymlinkRelative,
		PathBuffer: clone(value[20:]),
	}
	if d := cmp.Diff(want, s); d != "" {
		t.Errorf("Symlink mismatch (-want +got):\n%s", d)
	}
	desc, err := p.Describe()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(Target{Kind: KindSymlink, Target: "target.txt", PrintName: "target.txt", Relative: true}, desc); d != "" {
		t.Errorf("Describe mismatch (-want +got):\n%s", d)
	}
	again, err := p.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	diffBytes(t, "re-encoding", value, again)
	// The same bytes come out of the writer's path.
	sub, pr, rel, err := WindowsTarget(desc.Target)
	if err != nil {
		t.Fatal(err)
	}
	built, err := NewSymlink(sub, pr, rel).AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	diffBytes(t, "NewSymlink", value, built)
}
