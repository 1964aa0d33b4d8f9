package vhd

import (
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// probe reads the start, middle and end of d: errors are fine, panics are
// not.
func probe(d *Disk) {
	p := make([]byte, 64<<10)
	for _, off := range []int64{0, d.Size() / 2, d.Size() - 1000} {
		d.ReadAt(p, max(off, 0))
	}
}

// patch copies w over b at off, as far as b and window allow.
func patch(b []byte, off int, w []byte, window int) {
	if off < len(b) {
		copy(b[off:min(len(b), off+window)], w)
	}
}

// FuzzVHD mutates the footer copy, dynamic header, BAT and first sector
// bitmap of small.vhd (2,560 bytes from the start) and the footer at its
// end; fix recomputes the checksums so mutations reach the decoders
// behind them.
func FuzzVHD(f *testing.F) {
	base := oracle.ReadGzip(f, "testdata/small.vhd.gz")
	f.Add(base[:2560], base[len(base)-512:], false)
	f.Add(base[:2560], base[len(base)-512:], true)
	f.Fuzz(func(t *testing.T, head, tail []byte, fix bool) {
		b := make([]byte, len(base))
		copy(b, base)
		patch(b, 0, head, 2560)
		patch(b, len(b)-512, tail, 512)
		if fix {
			for _, off := range []int{0, len(b) - 512} {
				be.PutUint32(b[off+0x40:], vhdChecksum(b[off:off+512], 0x40))
			}
			be.PutUint32(b[512+0x24:], vhdChecksum(b[512:512+dynHeaderSize], 0x24))
		}
		d, err := New(mem("f.vhd", b), nil)
		if err != nil {
			return
		}
		probe(d)
	})
}

// FuzzVHDX mutates the first header, the first region table, the metadata
// table and items and the start of the BAT of small.vhdx (qemu-img's
// layout: BAT at 2 MiB, metadata at 3 MiB); the second header and region
// table are cleared so the first ones are used, and fix recomputes their
// CRC-32C.
func FuzzVHDX(f *testing.F) {
	base := oracle.ReadGzip(f, "testdata/small.vhdx.gz")
	const hdr, reg, bat, meta = 64 << 10, 192 << 10, 2 << 20, 3 << 20
	f.Add(base[hdr:hdr+128], base[reg:reg+128], base[meta:meta+128], base[meta+64<<10:meta+64<<10+1024], base[bat:bat+64], false)
	f.Add(base[hdr:hdr+128], base[reg:reg+128], base[meta:meta+128], base[meta+64<<10:meta+64<<10+1024], base[bat:bat+64], true)
	f.Fuzz(func(t *testing.T, h, r, mt, mi, bt []byte, fix bool) {
		b := make([]byte, len(base))
		copy(b, base)
		clear(b[128<<10 : 132<<10])
		clear(b[256<<10 : 320<<10])
		patch(b, hdr, h, 4096)
		patch(b, reg, r, 64<<10)
		patch(b, meta, mt, 64<<10)
		patch(b, meta+64<<10, mi, 64<<10)
		patch(b, bat, bt, 1<<20)
		if fix {
			leU.PutUint32(b[hdr+4:], crc32c(b[hdr:hdr+4096], 4))
			leU.PutUint32(b[reg+4:], crc32c(b[reg:reg+64<<10], 4))
		}
		d, err := New(mem("f.vhdx", b), nil)
		if err != nil {
			return
		}
		probe(d)
	})
}
