package wof

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/reparse"
)

// Inputs shared by the round-trip tests and the fuzz seeds.

func textData(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"volume", "record", "cluster", "stream", "chunk", "index", "the", "of", "a", "NTFS"}
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
		if r.IntN(9) == 0 {
			b.WriteString(".\n")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.Bytes()[:n]
}

func randomData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// x86Data looks like machine code: E8 calls with relative targets among
// repeated instruction patterns.
func x86Data(n int) []byte {
	r := rand.New(rand.NewPCG(3, 4))
	var b []byte
	for len(b) < n {
		switch r.IntN(4) {
		case 0:
			b = append(b, 0xe8)
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(r.IntN(20000)-10000)))
		case 1:
			b = append(b, 0x48, 0x89, 0xe5, 0x48, 0x83, 0xec, 0x20)
		case 2:
			b = append(b, 0xe8, 0xff, 0xff, 0xff, 0x7f) // a target out of range: left alone
		default:
			b = append(b, byte(r.IntN(256)))
		}
	}
	return b[:n]
}

func repeated(s string, n int) []byte { return bytes.Repeat([]byte(s), n/len(s)+1)[:n] }

type sample struct {
	name string
	data []byte
}

func samples(max int) []sample {
	all := []sample{
		{"one byte", []byte{'x'}},
		{"two bytes", []byte("ab")},
		{"short text", []byte("hello, hello, hello world")},
		{"zeros", make([]byte, max)},
		{"one long run", repeated("a", max)},
		{"pattern", repeated("KUSJESVANSRT", max)},
		{"text", textData(max)},
		{"random", randomData(max, 1)},
		{"x86", x86Data(max)},
		{"all bytes", func() []byte {
			b := make([]byte, 0, 512)
			for i := range 512 {
				b = append(b, byte(i), byte(i*7))
			}
			return b[:min(len(b), max)]
		}()},
		{"text and random", append(textData(max/2), randomData(max-max/2, 2)...)},
		{"odd size", textData(max - 3)},
	}
	return all
}

func TestXpressRoundTrip(t *testing.T) {
	for _, size := range []int{4096, 8192, 16384, 65536} {
		for _, s := range samples(size) {
			t.Run(fmt.Sprintf("%d/%s", size, s.name), func(t *testing.T) {
				c := CompressXpress(nil, s.data)
				got := make([]byte, len(s.data))
				if err := DecompressXpress(got, c); err != nil {
					t.Fatalf("DecompressXpress: %v", err)
				}
				if !bytes.Equal(s.data, got) {
					t.Fatalf("round trip differs at byte %d", firstDiff(s.data, got))
				}
			})
		}
	}
}

func TestLZXRoundTrip(t *testing.T) {
	opts := []struct {
		name string
		opt  LZXOptions
	}{
		{"one verbatim block", LZXOptions{}},
		{"aligned", LZXOptions{Types: []LZXBlockType{LZXAligned}}},
		{"uncompressed", LZXOptions{Types: []LZXBlockType{LZXUncompressed}}},
		{"mixed 4K blocks", LZXOptions{BlockSize: 4096, Types: []LZXBlockType{LZXVerbatim, LZXAligned, LZXUncompressed, LZXAligned}}},
		{"odd 1001-byte blocks", LZXOptions{BlockSize: 1001, Types: []LZXBlockType{LZXUncompressed, LZXVerbatim, LZXAligned}}},
	}
	for _, size := range []int{32768, 20000} {
		for _, s := range samples(size) {
			for _, o := range opts {
				t.Run(fmt.Sprintf("%d/%s/%s", size, s.name, o.name), func(t *testing.T) {
					c := CompressLZX(nil, s.data, o.opt)
					got := make([]byte, len(s.data))
					if err := DecompressLZX(got, c); err != nil {
						t.Fatalf("DecompressLZX: %v", err)
					}
					if !bytes.Equal(s.data, got) {
						t.Fatalf("round trip differs at byte %d", firstDiff(s.data, got))
					}
				})
			}
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Hand-assembled chunks, from the format description alone.
func TestDecompressVectors(t *testing.T) {
	xpressTable := func(lens map[int]uint8) []byte {
		b := make([]byte, 256)
		for s, l := range lens {
			b[s/2] |= l << (4 * (s % 2))
		}
		return b
	}
	tests := []struct {
		name string
		lzx  bool
		in   []byte
		want string
	}{
		{
			// 'a' = 0, 'b' = 1: bits 0110.
			name: "xpress literals",
			in:   append(xpressTable(map[int]uint8{'a': 1, 'b': 1}), 0x00, 0x60, 0, 0),
			want: "abba",
		},
		{
			// 'a' = 0, 'b' = 10, match symbol 272 (length 3, one offset
			// bit) = 11: a b 272 with offset bit 0 (offset 2): 0 10 11 0.
			name: "xpress match",
			in:   append(xpressTable(map[int]uint8{'a': 1, 'b': 2, 272: 2}), 0x00, 0x58, 0, 0),
			want: "ababa",
		},
		{
			// Block type 3, size in 16 bits (3): 011 0 0000000000000011,
			// 12 bits of padding, R0..R2, "abc", a pad byte.
			name: "lzx uncompressed block",
			lzx:  true,
			in: []byte{0x00, 0x60, 0x00, 0x30,
				1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
				'a', 'b', 'c', 0},
			want: "abc",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]byte, len(tt.want))
			var err error
			if tt.lzx {
				err = DecompressLZX(got, tt.in)
			} else {
				err = DecompressXpress(got, tt.in)
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, string(got)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestDecompressErrors(t *testing.T) {
	text := textData(4096)
	xp := CompressXpress(nil, text)
	lz := CompressLZX(nil, text, LZXOptions{})
	tests := []struct {
		name string
		lzx  bool
		in   []byte
		size int
	}{
		{"xpress short table", false, xp[:100], 4096},
		{"xpress truncated", false, xp[:len(xp)/2], 4096},
		{"xpress over-subscribed table", false, append(bytes.Repeat([]byte{0x11}, 256), 0, 0, 0, 0), 16},
		{"xpress empty table", false, make([]byte, 260), 16},
		{"xpress chunk over 64 KiB", false, xp, 65537},
		// 'a' = 0, match symbol 256+0x10 (offset 2..3) = 1 at output byte 1.
		{"xpress offset before start", false, func() []byte {
			b := make([]byte, 256)
			b['a'/2] |= 1 << 4
			b[(256+16)/2] |= 1
			return append(b, 0x00, 0x40, 0, 0)
		}(), 8},
		{"lzx truncated", true, lz[:len(lz)/2], 4096},
		{"lzx empty", true, nil, 16},
		{"lzx block type 0", true, []byte{0x00, 0x00, 0x00, 0x00}, 16},
		{"lzx block type 7", true, []byte{0x00, 0xe0, 0x00, 0x00}, 16},
		{"lzx uncompressed past end", true, []byte{0x00, 0x60, 0x00, 0x30, 1, 0, 0, 0}, 3},
		{"lzx chunk over 32 KiB", true, lz, 32769},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]byte, tt.size)
			var err error
			if tt.lzx {
				err = DecompressLZX(dst, tt.in)
			} else {
				err = DecompressXpress(dst, tt.in)
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Offset < 0 {
				t.Fatalf("%v: not a located *CorruptError", err)
			}
		})
	}
}

// chunkTableVectors pair a chunk table with the stored chunk sizes.
var chunkTableVectors = []struct {
	name   string
	size   int64
	cs     int
	stored []int
	table  []byte
}{
	{"empty file", 0, 4096, nil, nil},
	{"one chunk", 100, 4096, []int{60}, nil},
	{"three chunks", 10000, 4096, []int{300, 4096, 1808}, []byte{0x2c, 1, 0, 0, 0x2c, 0x11, 0, 0}},
	{"exact chunks", 8192, 4096, []int{4096, 10}, []byte{0, 0x10, 0, 0}},
	{"8-byte entries", 0x100000000, 1 << 30, []int{5, 7, 9, 11}, []byte{5, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 0}}, // a chunk size that fits 32 bits
}

func TestChunkTable(t *testing.T) {
	for _, v := range chunkTableVectors {
		t.Run(v.name, func(t *testing.T) {
			enc := AppendChunkTable(nil, v.size, v.stored)
			if d := cmp.Diff(v.table, enc, cmp.Comparer(bytes.Equal)); d != "" {
				t.Fatalf("AppendChunkTable (-want +got):\n%s", d)
			}
			total := int64(len(v.table))
			want := []int64{total}
			for _, s := range v.stored {
				total += int64(s)
				want = append(want, total)
			}
			if len(v.stored) == 0 {
				want = []int64{0}
			}
			got, err := DecodeChunkTable(v.table, v.size, v.cs, total)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("DecodeChunkTable (-want +got):\n%s", d)
			}
		})
	}
}

func TestChunkTableErrors(t *testing.T) {
	tests := []struct {
		name   string
		table  []byte
		size   int64
		stream int64
	}{
		{"short table", []byte{1, 0, 0}, 5000, 100},
		{"table past stream", []byte{1, 0, 0, 0}, 5000, 3},
		{"offset past stream", []byte{0xff, 0, 0, 0}, 5000, 100},
		{"decreasing", []byte{0x20, 0, 0, 0, 0x10, 0, 0, 0}, 10000, 100},
		{"chunk longer than uncompressed", []byte{0x01, 0x10, 0, 0}, 5000, 0x2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeChunkTable(tt.table, tt.size, 4096, tt.stream)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestStreamRoundTrip(t *testing.T) {
	data := append(append(textData(50000), randomData(9000, 5)...), x86Data(40000)...)
	for _, a := range []reparse.WOFAlgorithm{reparse.WOFXpress4K, reparse.WOFXpress8K, reparse.WOFXpress16K, reparse.WOFLZX} {
		t.Run(a.String(), func(t *testing.T) {
			s, err := Compress(a, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(s) >= len(data) {
				t.Errorf("stream of %d bytes is not smaller than the %d-byte input", len(s), len(data))
			}
			got, err := Decompress(a, s, int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, got) {
				t.Fatalf("round trip differs at byte %d", firstDiff(data, got))
			}
			// Damage the second chunk: the error names it.
			cs, _ := ChunkSize(a)
			bounds, err := DecodeChunkTable(s[:TableSize(int64(len(data)), cs)], int64(len(data)), cs, int64(len(s)))
			if err != nil {
				t.Fatal(err)
			}
			bad := bytes.Clone(s)
			for i := bounds[1]; i < bounds[2]; i++ {
				bad[i] = 0xff
			}
			_, err = Decompress(a, bad, int64(len(data)))
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("damaged chunk 1: got %v, want ErrCorrupt", err)
			}
			if want := fmt.Sprintf("chunk 1 (stream offset %#x)", bounds[1]); !bytes.Contains([]byte(err.Error()), []byte(want)) {
				t.Errorf("error %q does not name %q", err, want)
			}
		})
	}
}

// TestWindowsSamples decodes WofCompressedData streams written by Windows,
// when NTFSEDIT_WOF_SAMPLES names a directory holding them. They are not
// part of the repository (their licence does not allow it): dissect.ntfs's
// tests/data/wof/test{4k,8k,16k,lzx}.txt:WofCompressedData.gz (gunzipped),
// whose files hold "KUSJESVANSRT" repeated.
func TestWindowsSamples(t *testing.T) {
	dir := os.Getenv("NTFSEDIT_WOF_SAMPLES")
	if dir == "" {
		t.Skip("NTFSEDIT_WOF_SAMPLES not set (optional: Windows-made samples from dissect.ntfs's test data)")
	}
	tests := []struct {
		file string
		a    reparse.WOFAlgorithm
		size int64
	}{
		{"test4k.txt:WofCompressedData", reparse.WOFXpress4K, 24408},
		{"test8k.txt:WofCompressedData", reparse.WOFXpress8K, 32832},
		{"test16k.txt:WofCompressedData", reparse.WOFXpress16K, 17004},
		{"testlzx.txt:WofCompressedData", reparse.WOFLZX, 32544},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decompress(tt.a, s, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			if want := repeated("KUSJESVANSRT", int(tt.size)); !bytes.Equal(want, got) {
				t.Fatalf("differs from the pattern at byte %d", firstDiff(want, got))
			}
		})
	}
}

func FuzzDecompressXpress(f *testing.F) {
	for _, s := range samples(4096) {
		f.Add(CompressXpress(nil, s.data), uint16(len(s.data)))
	}
	f.Fuzz(func(t *testing.T, in []byte, size uint16) {
		dst := make([]byte, size)
		if err := DecompressXpress(dst, in); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v is not ErrCorrupt", err)
		}
	})
}

func FuzzDecompressLZX(f *testing.F) {
	for _, s := range samples(4096) {
		f.Add(CompressLZX(nil, s.data, LZXOptions{}), uint16(len(s.data)))
		f.Add(CompressLZX(nil, s.data, LZXOptions{BlockSize: 1000, Types: []LZXBlockType{LZXAligned, LZXUncompressed}}), uint16(len(s.data)))
	}
	f.Fuzz(func(t *testing.T, in []byte, size uint16) {
		dst := make([]byte, int(size)%(lzxWindow+1))
		if err := DecompressLZX(dst, in); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v is not ErrCorrupt", err)
		}
	})
}

func FuzzDecodeChunkTable(f *testing.F) {
	for _, v := range chunkTableVectors {
		f.Add(v.table, uint32(v.size), uint32(len(v.table)+100))
	}
	f.Fuzz(func(t *testing.T, table []byte, size, stream uint32) {
		bounds, err := DecodeChunkTable(table, int64(size), 4096, int64(stream))
		if err != nil {
			return
		}
		// Accepted tables re-encode to the same bytes.
		var stored []int
		for i := 0; i+1 < len(bounds); i++ {
			stored = append(stored, int(bounds[i+1]-bounds[i]))
		}
		if got := AppendChunkTable(nil, int64(size), stored); !bytes.Equal(table, got) && len(table) > 0 {
			t.Fatalf("re-encoded table %x, want %x", got, table)
		}
	})
}

func BenchmarkDecompress(b *testing.B) {
	data := append(textData(1<<20), x86Data(1<<20)...)
	for _, a := range []reparse.WOFAlgorithm{reparse.WOFXpress4K, reparse.WOFXpress16K, reparse.WOFLZX} {
		s, err := Compress(a, data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(a.String(), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Decompress(a, s, int64(len(data))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzRoundTrip compresses any input with both encoders (LZX with mixed
// block types) and requires the decoders to give it back.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range samples(2000) {
		f.Add(s.data, uint16(700))
	}
	f.Fuzz(func(t *testing.T, data []byte, block uint16) {
		if len(data) > lzxWindow {
			data = data[:lzxWindow]
		}
		got := make([]byte, len(data))
		if err := DecompressXpress(got, CompressXpress(nil, data)); err != nil || !bytes.Equal(data, got) {
			t.Fatalf("xpress round trip: err %v, differs at %d", err, firstDiff(data, got))
		}
		opt := LZXOptions{BlockSize: 512 + int(block), Types: []LZXBlockType{LZXAligned, LZXVerbatim, LZXUncompressed}}
		if err := DecompressLZX(got, CompressLZX(nil, data, opt)); err != nil || !bytes.Equal(data, got) {
			t.Fatalf("lzx round trip: err %v, differs at %d", err, firstDiff(data, got))
		}
	})
}
