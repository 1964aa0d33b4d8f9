package mft

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// windowsOnes is one compression unit of ones.bin ("ONES" repeated, 16 KiB
// units on a 1 KiB-cluster volume) as Windows wrote it: the first 36 bytes of
// cluster 1190 of go-ntfs v0.2.1's parser/test_data/test.ntfs.dd
// (dd bs=1024 skip=1190 count=1). Each chunk is 4 literals and one
// back-reference (offset 4, length 4092).
var windowsOnes = []byte{
	0x06, 0xb0, 0x10, 'O', 'N', 'E', 'S', 0xf9, 0x3f,
	0x06, 0xb0, 0x10, 'O', 'N', 'E', 'S', 0xf9, 0x3f,
	0x06, 0xb0, 0x10, 'O', 'N', 'E', 'S', 0xf9, 0x3f,
	0x06, 0xb0, 0x10, 'O', 'N', 'E', 'S', 0xf9, 0x3f,
}

// lznt1Chunk frames data as one chunk with a correct header.
func lznt1Chunk(compressed bool, data ...byte) []byte {
	h := uint16(lznt1Signature | (len(data) + 2 - 3))
	if compressed {
		h |= lznt1Compressed
	}
	return append(binary.LittleEndian.AppendUint16(nil, h), data...)
}

func lznt1Cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func lznt1Alpha(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

func TestDecompressLZNT1(t *testing.T) {
	seventeen := lznt1Alpha(17) // a..q
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"empty", nil, nil},
		{"zero header", []byte{0, 0, 0xff, 0xff}, nil},
		{"one zero byte", []byte{0}, nil},
		{"uncompressed", lznt1Chunk(false, 'a', 'b', 'c'), []byte("abc")},
		{"literals only", lznt1Chunk(true, 0x00, 'x', 'y', 'z'), []byte("xyz")},
		// Flag bits for absent tokens at the chunk end are ignored.
		{"unused flag bits", lznt1Chunk(true, 0xfe, 'x'), []byte("x")},
		{
			// "ab", then offset 2 length 6 at position 2 (12 length bits).
			"overlapping back-reference",
			lznt1Chunk(true, 0x04, 'a', 'b', 0x03, 0x10),
			[]byte("abababab"),
		},
		{
			// At position 17 the offset has 5 bits: 0x8000 is offset 17,
			// length 3 (with a 4-bit offset it would be offset 9: "ijk").
			"position-dependent split",
			lznt1Chunk(true, lznt1Cat([]byte{0x00}, seventeen[:8], []byte{0x00}, seventeen[8:16],
				[]byte{0x02, 'q', 0x00, 0x80})...),
			lznt1Cat(seventeen, []byte("abc")),
		},
		{
			"match filling the chunk",
			lznt1Chunk(true, 0x02, 'z', 0xfc, 0x0f),
			bytes.Repeat([]byte("z"), 4096),
		},
		{
			"short chunk padded when another follows",
			lznt1Cat(lznt1Chunk(true, 0x00, 'x'), lznt1Chunk(false, 'y')),
			lznt1Cat([]byte("x"), make([]byte, 4095), []byte("y")),
		},
		{
			"stops at zero header",
			lznt1Cat(lznt1Chunk(false, 'a'), []byte{0, 0}, lznt1Chunk(false, 'b')),
			[]byte("a"),
		},
		{"windows", windowsOnes, bytes.Repeat([]byte("ONES"), 4*4096/4)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecompressLZNT1([]byte("pre"), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			want := lznt1Cat([]byte("pre"), tt.want)
			if !bytes.Equal(got, want) {
				t.Errorf("got %d bytes %.40q, want %d bytes %.40q", len(got), got, len(want), want)
			}
		})
	}
}

func TestDecompressLZNT1Errors(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		offset int
	}{
		{"truncated header", []byte{0x01}, 0},
		{"chunk past end", []byte{0x10, 0xb0, 0x00, 'a', 'b'}, 0},
		{"second chunk past end", lznt1Cat(lznt1Chunk(false, 'a'), []byte{0x05, 0x30, 'b'}), 3},
		{"back-reference at chunk start", lznt1Chunk(true, 0x01, 0x00, 0x00), 3},
		{"back-reference before chunk start", lznt1Chunk(true, 0x02, 'a', 0x00, 0x10), 4},
		{"truncated back-reference", lznt1Chunk(true, 0x02, 'a', 0x00), 4},
		{"match past chunk end", lznt1Chunk(true, 0x02, 'a', 0xff, 0x0f), 4},
		{"literal past chunk end", lznt1Chunk(true, 0x02, 'a', 0xfc, 0x0f, 'b'), 6},
		{
			"error in second chunk",
			lznt1Cat(lznt1Chunk(false, 'a', 'b'), lznt1Chunk(true, 0x04, 'c', 'd', 0x00, 0x20)),
			4 + 2 + 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecompressLZNT1([]byte("pre"), tt.in)
			if !errors.Is(err, ErrLZNT1) {
				t.Fatalf("err = %v, want ErrLZNT1", err)
			}
			var e *LZNT1Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %T, want *LZNT1Error", err)
			}
			if e.Offset != tt.offset {
				t.Errorf("offset = %#x, want %#x (%v)", e.Offset, tt.offset, err)
			}
			if string(got) != "pre" {
				t.Errorf("dst = %q, want it unchanged", got)
			}
		})
	}
}

func TestLZNT1ErrorMessage(t *testing.T) {
	err := error(&LZNT1Error{Offset: 0x1a, Msg: "truncated back-reference"})
	want := "mft: corrupt LZNT1 data at offset 0x1a: truncated back-reference"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

func TestCompressLZNT1Windows(t *testing.T) {
	got := CompressLZNT1(nil, bytes.Repeat([]byte("ONES"), 4096))
	if !bytes.Equal(got, windowsOnes) {
		t.Errorf("got % x\nwant % x", got, windowsOnes)
	}
}

func TestCompressLZNT1Stored(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	in := lznt1Rand(r, 8192)
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"full chunk", in[:4096], lznt1Chunk(false, in[:4096]...)},
		{"two full chunks", in, lznt1Cat(lznt1Chunk(false, in[:4096]...), lznt1Chunk(false, in[4096:]...))},
		// A short last chunk is never stored short: compressed if that
		// fits in 4096 bytes (as ntfs-3g writes it), else padded.
		{"1 byte", in[:1], lznt1Chunk(true, 0x00, in[0])},
		{"4096+1 bytes", in[:4097], lznt1Cat(lznt1Chunk(false, in[:4096]...), lznt1Chunk(true, 0x00, in[4096]))},
		{"4000 bytes", in[:4000], lznt1Chunk(false, lznt1Cat(in[:4000], make([]byte, 96))...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CompressLZNT1([]byte("pre"), tt.in)
			if want := lznt1Cat([]byte("pre"), tt.want); !bytes.Equal(got, want) {
				t.Errorf("got %d bytes, header % x; want %d bytes, header % x", len(got), got[3:5], len(want), want[3:5])
			}
		})
	}
	// 3640 incompressible bytes still fit compressed: 3640 + 455 flag bytes.
	got := CompressLZNT1(nil, in[:3640])
	if h := binary.LittleEndian.Uint16(got); h != lznt1Compressed|lznt1Signature|(3640+455+2-3) {
		t.Errorf("3640 bytes: header %#04x", h)
	}
}

func lznt1Rand(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// lznt1Inputs returns named inputs of many shapes and the listed sizes.
func lznt1Inputs(r *rand.Rand, sizes []int) map[string][]byte {
	m := make(map[string][]byte)
	for _, n := range sizes {
		text := make([]byte, 0, n)
		for len(text) < n {
			text = fmt.Appendf(text, "line %d of some fairly repetitive text, id=%d\n", len(text)%977, r.IntN(50))
		}
		mixed := lznt1Rand(r, n)
		for i := 0; i+64 <= n; i += 128 {
			copy(mixed[i:i+64], text[i:])
		}
		smallAlphabet := make([]byte, n)
		for i := range smallAlphabet {
			smallAlphabet[i] = "ab"[r.IntN(2)]
		}
		m[fmt.Sprintf("random/%d", n)] = lznt1Rand(r, n)
		m[fmt.Sprintf("zeros/%d", n)] = make([]byte, n)
		m[fmt.Sprintf("text/%d", n)] = text[:n]
		m[fmt.Sprintf("mixed/%d", n)] = mixed
		m[fmt.Sprintf("ab/%d", n)] = smallAlphabet
		m[fmt.Sprintf("alpha/%d", n)] = lznt1Alpha(n)
	}
	return m
}

// checkLZNT1Chunks walks compressed output and checks the framing NTFS
// readers expect: one chunk per 4096 input bytes, signature 3, stored chunks
// of exactly 4096 bytes, compressed chunks smaller than that (or, for a short
// last chunk, no larger).
func checkLZNT1Chunks(t *testing.T, comp []byte, n int) {
	t.Helper()
	chunks := 0
	for pos := 0; pos < len(comp); chunks++ {
		h := binary.LittleEndian.Uint16(comp[pos:])
		size := int(h&lznt1SizeMask) + 3
		raw := min(lznt1ChunkSize, n-chunks*lznt1ChunkSize)
		if h&0x7000 != lznt1Signature {
			t.Errorf("chunk %d: header %#04x has no signature 3", chunks, h)
		}
		switch {
		case h&lznt1Compressed == 0 && size-2 != lznt1ChunkSize:
			t.Errorf("chunk %d: stored %d bytes, want 4096", chunks, size-2)
		case h&lznt1Compressed != 0 && raw == lznt1ChunkSize && size-2 >= raw:
			t.Errorf("chunk %d: compressed to %d bytes, not less than 4096", chunks, size-2)
		}
		pos += size
	}
	if want := (n + lznt1ChunkSize - 1) / lznt1ChunkSize; chunks != want {
		t.Errorf("%d chunks, want %d", chunks, want)
	}
}

// checkLZNT1RoundTrip checks that got is in, possibly followed by the zeros
// padding a stored short last chunk.
func checkLZNT1RoundTrip(t *testing.T, got, in []byte) {
	t.Helper()
	padded := (len(in) + lznt1ChunkSize - 1) / lznt1ChunkSize * lznt1ChunkSize
	if len(got) != len(in) && len(got) != padded {
		t.Fatalf("round trip gave %d bytes, want %d (or %d padded)", len(got), len(in), padded)
	}
	if !bytes.Equal(got[:len(in)], in) {
		t.Fatal("round trip differs")
	}
	if bytes.ContainsFunc(got[len(in):], func(r rune) bool { return r != 0 }) {
		t.Fatal("padding is not zero")
	}
}

func TestLZNT1RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for name, in := range lznt1Inputs(r, []int{0, 1, 2, 3, 17, 3640, 3641, 4095, 4096, 4097, 65536}) {
		t.Run(name, func(t *testing.T) {
			comp := CompressLZNT1(nil, in)
			checkLZNT1Chunks(t, comp, len(in))
			got, err := DecompressLZNT1(nil, comp)
			if err != nil {
				t.Fatal(err)
			}
			checkLZNT1RoundTrip(t, got, in)
			// As stored on disk: followed by the zero slack of a cluster.
			got2, err := DecompressLZNT1(nil, append(comp, make([]byte, 512)...))
			if err != nil || !bytes.Equal(got2, got) {
				t.Fatalf("with zero padding: %d bytes, err %v", len(got2), err)
			}
		})
	}
}

func TestCompressLZNT1Ratio(t *testing.T) {
	// Guard against a matcher that silently stops finding matches.
	r := rand.New(rand.NewPCG(5, 6))
	in := lznt1Inputs(r, []int{65536})["text/65536"]
	comp := CompressLZNT1(nil, in)
	if len(comp) > len(in)/4 {
		t.Errorf("text compressed to %d of %d bytes", len(comp), len(in))
	}
	zeros := CompressLZNT1(nil, make([]byte, 65536))
	if len(zeros) > 16*8 {
		t.Errorf("zeros compressed to %d bytes", len(zeros))
	}
}

func FuzzDecompressLZNT1(f *testing.F) {
	f.Add(windowsOnes)
	f.Add(lznt1Chunk(true, 0x04, 'a', 'b', 0x03, 0x10))
	f.Add(lznt1Cat(lznt1Chunk(true, 0x00, 'x'), lznt1Chunk(false, 'y')))
	f.Add(CompressLZNT1(nil, lznt1Inputs(rand.New(rand.NewPCG(7, 8)), []int{5000})["text/5000"]))
	f.Fuzz(func(t *testing.T, src []byte) {
		out, err := DecompressLZNT1(nil, src)
		if err != nil {
			if !errors.Is(err, ErrLZNT1) {
				t.Fatalf("error %v does not match ErrLZNT1", err)
			}
			if out != nil {
				t.Fatalf("got %d bytes with an error", len(out))
			}
			return
		}
		// A chunk is at least 3 bytes and yields at most 4096.
		if max := lznt1ChunkSize * (len(src)/3 + 1); len(out) > max {
			t.Fatalf("%d bytes of input gave %d bytes, more than %d", len(src), len(out), max)
		}
		again, err := DecompressLZNT1(nil, CompressLZNT1(nil, out))
		if err != nil {
			t.Fatal(err)
		}
		checkLZNT1RoundTrip(t, again, out)
	})
}

func FuzzLZNT1RoundTrip(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("abababababababababab"))
	f.Add(bytes.Repeat([]byte("ONES"), 1100))
	f.Add(lznt1Alpha(5000))
	f.Fuzz(func(t *testing.T, in []byte) {
		comp := CompressLZNT1(nil, in)
		checkLZNT1Chunks(t, comp, len(in))
		got, err := DecompressLZNT1(nil, comp)
		if err != nil {
			t.Fatal(err)
		}
		checkLZNT1RoundTrip(t, got, in)
	})
}

func BenchmarkDecompressLZNT1(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, kind := range []string{"text", "mixed", "random", "zeros"} {
		in := lznt1Inputs(r, []int{65536})[kind+"/65536"]
		comp := CompressLZNT1(nil, in)
		b.Run(kind, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			buf := make([]byte, 0, len(in))
			for b.Loop() {
				var err error
				buf, err = DecompressLZNT1(buf[:0], comp)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompressLZNT1(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, kind := range []string{"text", "random"} {
		in := lznt1Inputs(r, []int{65536})[kind+"/65536"]
		b.Run(kind, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			buf := make([]byte, 0, 2*len(in))
			for b.Loop() {
				buf = CompressLZNT1(buf[:0], in)
			}
		})
	}
}
