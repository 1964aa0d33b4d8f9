package mft

import (
	"bytes"
	"testing"
)

// protected builds a multi-sector structure of size bytes with the update
// sequence array at usaOff holding usn, and returns it both with fixups
// applied (plain: each block ends in its saved bytes) and as on disk
// (disk: each block ends in usn, the saved bytes in the array).
func protected(size, usaOff int, usn uint16) (plain, disk []byte) {
	plain = make([]byte, size)
	copy(plain, "FILE")
	count := size/SectorSize + 1
	le.PutUint16(plain[4:], uint16(usaOff))
	le.PutUint16(plain[6:], uint16(count))
	le.PutUint16(plain[usaOff:], usn)
	for i := 1; i < count; i++ {
		end := i*SectorSize - 2
		// Distinct saved bytes per block, so a swapped entry shows.
		plain[end], plain[end+1] = byte(0xA0+i), byte(0x10+i)
		le.PutUint16(plain[usaOff+2*i:], uint16(0xA0+i)|uint16(0x10+i)<<8)
	}
	disk = bytes.Clone(plain)
	for i := 1; i < count; i++ {
		le.PutUint16(disk[i*SectorSize-2:], usn)
	}
	return plain, disk
}

// fixupVectors is shared by ApplyFixups (disk → plain) and ProtectFixups
// (plain → disk).
var fixupVectors = func() []struct {
	name        string
	plain, disk []byte
} {
	type v = struct {
		name        string
		plain, disk []byte
	}
	var out []v
	for _, c := range []struct {
		name         string
		size, usaOff int
		usn          uint16
	}{
		{"1k record, USA at 0x30", 1024, 0x30, 0x0002},
		{"1k record, NTFS 3.0 USA at 0x2A", 1024, 0x2A, 0x1234},
		{"4k record", 4096, 0x30, 0xFFFE},
		{"4k INDX block, USA at 0x28", 4096, 0x28, 0x0001},
		{"one sector", 512, 0x30, 0x00FF},
	} {
		p, d := protected(c.size, c.usaOff, c.usn)
		out = append(out, v{c.name, p, d})
	}
	return out
}()

func TestApplyFixups(t *testing.T) {
	for _, tt := range fixupVectors {
		t.Run(tt.name, func(t *testing.T) {
			got := bytes.Clone(tt.disk)
			if err := ApplyFixups(got); err != nil {
				t.Fatal(err)
			}
			if d := bytesDiff(tt.plain, got); d != "" {
				t.Errorf("ApplyFixups (-want +got):\n%s", d)
			}
		})
	}
}

func TestProtectFixups(t *testing.T) {
	for _, tt := range fixupVectors {
		t.Run(tt.name, func(t *testing.T) {
			got := bytes.Clone(tt.plain)
			if err := ProtectFixups(got); err != nil {
				t.Fatal(err)
			}
			if d := bytesDiff(tt.disk, got); d != "" {
				t.Errorf("ProtectFixups (-want +got):\n%s", d)
			}
		})
	}
}

func TestFixupErrors(t *testing.T) {
	tests := []struct {
		name   string
		mess   func(b []byte) []byte
		offset int
		// protect is false for torn writes: ProtectFixups overwrites the
		// check bytes and so accepts them.
		protect bool
	}{
		{"torn second sector", func(b []byte) []byte { b[0x3fe] ^= 0xff; return b }, 0x3fe, false},
		{"torn first sector", func(b []byte) []byte { b[0x1ff] ^= 0x01; return b }, 0x1fe, false},
		{"too short", func(b []byte) []byte { return b[:6] }, 0, true},
		{"not a multiple of 512", func(b []byte) []byte { return b[:1000] }, 0, true},
		{"count too small", func(b []byte) []byte { le.PutUint16(b[6:], 2); return b }, 6, true},
		{"count too large", func(b []byte) []byte { le.PutUint16(b[6:], 4); return b }, 6, true},
		{"offset odd", func(b []byte) []byte { le.PutUint16(b[4:], 0x31); return b }, 4, true},
		{"offset inside header", func(b []byte) []byte { le.PutUint16(b[4:], 6); return b }, 4, true},
		{"array crosses the first check bytes", func(b []byte) []byte { le.PutUint16(b[4:], 0x1FC); return b }, 4, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, disk := protected(1024, 0x30, 2)
			b := tt.mess(disk)
			before := bytes.Clone(b)
			checkCorrupt(t, ApplyFixups(b), corruptAt{NoRecord, tt.offset})
			if d := bytesDiff(before, b); d != "" {
				t.Errorf("ApplyFixups changed a structure it rejected:\n%s", d)
			}
			if tt.protect {
				checkCorrupt(t, ProtectFixups(b), corruptAt{NoRecord, tt.offset})
				_, err := NextUSN(b)
				checkCorrupt(t, err, corruptAt{NoRecord, tt.offset})
			}
		})
	}
}

// A torn write found through ParseRecord names the record too.
func TestParseRecordTorn(t *testing.T) {
	b := buildRecord(t)
	b[0x3fe] ^= 0xff
	_, err := ParseRecord(b, 42)
	checkCorrupt(t, err, corruptAt{42, 0x3fe})
}

func TestNextUSN(t *testing.T) {
	tests := []struct{ from, want uint16 }{
		{0, 1}, {1, 2}, {0x1234, 0x1235}, {0xFFFD, 0xFFFE}, {0xFFFE, 1}, {0xFFFF, 1},
	}
	for _, tt := range tests {
		_, b := protected(1024, 0x30, tt.from)
		got, err := NextUSN(b)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want || le.Uint16(b[0x30:]) != tt.want {
			t.Errorf("NextUSN from 0x%04x = 0x%04x (stored 0x%04x), want 0x%04x", tt.from, got, le.Uint16(b[0x30:]), tt.want)
		}
	}
}
