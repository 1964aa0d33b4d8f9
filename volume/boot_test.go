package volume_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ntfsedit/ntfsedit/volume"
)

func TestBootSectorRoundTrip(t *testing.T) {
	img := sampleImage(t)
	b, err := volume.DecodeBootSector(img[:512])
	if err != nil {
		t.Fatal(err)
	}
	if b.ClusterSize() != 1024 || b.RecordSize != 1024 || b.IndexBlockSize != 4096 || b.MFTLCN != 16 {
		t.Errorf("decoded %+v", b)
	}
	out, err := b.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, img[:512]) {
		t.Errorf("re-encoded boot sector differs")
	}
}

func TestBootSectorErrors(t *testing.T) {
	good := sampleImage(t)[:512]
	tests := []struct {
		name   string
		mess   func(b []byte)
		offset int
	}{
		{"oem", func(b []byte) { copy(b[3:], "EXFAT   ") }, 3},
		{"signature", func(b []byte) { b[0x1FF] = 0 }, 0x1FE},
		{"bytes per sector", func(b []byte) { b[0x0B], b[0x0C] = 0x00, 0x03 }, 0x0B},
		{"sectors per cluster", func(b []byte) { b[0x0D] = 0 }, 0x0D},
		{"total sectors", func(b []byte) { clear(b[0x28:0x30]) }, 0x28},
		{"mft lcn", func(b []byte) { b[0x37] = 0x7F }, 0x30},
		{"mftmirr lcn", func(b []byte) { clear(b[0x38:0x40]) }, 0x38},
		{"record size", func(b []byte) { b[0x40] = 0 }, 0x40},
		{"index block size", func(b []byte) { b[0x44] = 0xE0 }, 0x44},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := volume.DecodeBootSector(messWith(good, tc.mess))
			var be *volume.BootError
			if !errors.As(err, &be) || be.Offset != tc.offset || !errors.Is(err, volume.ErrNotNTFS) {
				t.Fatalf("err = %v, want a BootError at 0x%x", err, tc.offset)
			}
		})
	}
}

func FuzzDecodeBootSector(f *testing.F) {
	f.Add(sampleImage(f)[:512])
	f.Fuzz(func(t *testing.T, s []byte) {
		b, err := volume.DecodeBootSector(s)
		if err != nil {
			return
		}
		out, err := b.AppendBinary(nil)
		if err != nil {
			t.Fatalf("decoded boot sector does not encode: %v", err)
		}
		if !bytes.Equal(out, s[:512]) {
			t.Fatalf("re-encoding differs")
		}
	})
}
