package wof

import (
	"encoding/binary"
	"fmt"

	"github.com/ntfsedit/ntfsedit/reparse"
)

// ChunkSize returns the chunk size of a WOF file-provider algorithm.
func ChunkSize(a reparse.WOFAlgorithm) (int, error) {
	switch a {
	case reparse.WOFXpress4K:
		return 4096, nil
	case reparse.WOFXpress8K:
		return 8192, nil
	case reparse.WOFXpress16K:
		return 16384, nil
	case reparse.WOFLZX:
		return 32768, nil
	}
	return 0, fmt.Errorf("wof: unsupported compression algorithm %v", a)
}

// DecompressChunk decodes one chunk stored in src into dst, whose length is
// the chunk's uncompressed size. A chunk as long as dst is stored raw.
func DecompressChunk(a reparse.WOFAlgorithm, dst, src []byte) error {
	if len(src) == len(dst) {
		copy(dst, src)
		return nil
	}
	if len(src) > len(dst) {
		return corrupt(a.String(), 0, "stored chunk of %d bytes is longer than its %d uncompressed bytes", len(src), len(dst))
	}
	switch a {
	case reparse.WOFXpress4K, reparse.WOFXpress8K, reparse.WOFXpress16K:
		return DecompressXpress(dst, src)
	case reparse.WOFLZX:
		return DecompressLZX(dst, src)
	}
	return fmt.Errorf("wof: unsupported compression algorithm %v", a)
}

// compressChunk encodes one chunk, stored raw when compression does not
// make it shorter.
func compressChunk(a reparse.WOFAlgorithm, src []byte) []byte {
	var c []byte
	if a == reparse.WOFLZX {
		c = CompressLZX(nil, src, LZXOptions{})
	} else {
		c = CompressXpress(nil, src)
	}
	if len(c) >= len(src) {
		return append([]byte(nil), src...)
	}
	return c
}

// Chunks returns the number of chunks of a file of size bytes.
func Chunks(size int64, chunkSize int) int64 {
	return (size + int64(chunkSize) - 1) / int64(chunkSize)
}

// entrySize returns the size of a chunk table entry for a file of size
// bytes.
func entrySize(size int64) int64 {
	if size > 0xffffffff {
		return 8
	}
	return 4
}

// TableSize returns the size in bytes of the chunk table at the start of
// the WofCompressedData stream of a file of size bytes.
func TableSize(size int64, chunkSize int) int64 {
	n := Chunks(size, chunkSize)
	if n <= 1 {
		return 0
	}
	return (n - 1) * entrySize(size)
}

// DecodeChunkTable decodes the chunk table (TableSize bytes) of a
// WofCompressedData stream of streamSize bytes holding a file of size
// bytes. It returns the stream offset of every chunk followed by
// streamSize: chunk i is stored in [bounds[i], bounds[i+1]).
func DecodeChunkTable(table []byte, size int64, chunkSize int, streamSize int64) ([]int64, error) {
	if size < 0 || chunkSize <= 0 {
		return nil, fmt.Errorf("wof: bad file size %d or chunk size %d", size, chunkSize)
	}
	n := Chunks(size, chunkSize)
	ts := TableSize(size, chunkSize)
	if int64(len(table)) != ts {
		return nil, corrupt("chunk table", 0, "%d bytes, want %d for %d chunks", len(table), ts, n)
	}
	if ts > streamSize {
		return nil, corrupt("chunk table", 0, "%d-byte table is longer than the %d-byte stream", ts, streamSize)
	}
	es := entrySize(size)
	bounds := make([]int64, 0, n+1)
	bounds = append(bounds, ts)
	for i := int64(1); i < n; i++ {
		var off uint64
		if es == 8 {
			off = binary.LittleEndian.Uint64(table[(i-1)*8:])
		} else {
			off = uint64(binary.LittleEndian.Uint32(table[(i-1)*4:]))
		}
		prev := bounds[len(bounds)-1]
		if off > uint64(streamSize-ts) || int64(off)+ts < prev {
			return nil, corrupt("chunk table", int((i-1)*es), "chunk %d at %#x: before chunk %d or past the %d bytes of chunk data", i, off, i-1, streamSize-ts)
		}
		bounds = append(bounds, ts+int64(off))
	}
	if n > 0 {
		bounds = append(bounds, streamSize)
	}
	for i := int64(0); i < n; i++ {
		usize := min(int64(chunkSize), size-i*int64(chunkSize))
		if stored := bounds[i+1] - bounds[i]; stored > usize {
			return nil, corrupt("chunk table", int(max(i-1, 0)*es), "chunk %d stores %d bytes, more than its %d uncompressed bytes", i, stored, usize)
		}
	}
	return bounds, nil
}

// AppendChunkTable appends the chunk table for chunks of the given stored
// sizes (the mirror of DecodeChunkTable).
func AppendChunkTable(b []byte, size int64, stored []int) []byte {
	es := entrySize(size)
	off := uint64(0)
	for i := 0; i+1 < len(stored); i++ {
		off += uint64(stored[i])
		if es == 8 {
			b = binary.LittleEndian.AppendUint64(b, off)
		} else {
			b = binary.LittleEndian.AppendUint32(b, uint32(off))
		}
	}
	return b
}

// Compress returns the WofCompressedData stream of data compressed with a.
func Compress(a reparse.WOFAlgorithm, data []byte) ([]byte, error) {
	cs, err := ChunkSize(a)
	if err != nil {
		return nil, err
	}
	var chunks [][]byte
	var stored []int
	for off := 0; off < len(data); off += cs {
		c := compressChunk(a, data[off:min(off+cs, len(data))])
		chunks = append(chunks, c)
		stored = append(stored, len(c))
	}
	out := AppendChunkTable(nil, int64(len(data)), stored)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}

// Decompress decodes a whole WofCompressedData stream holding size bytes.
func Decompress(a reparse.WOFAlgorithm, stream []byte, size int64) ([]byte, error) {
	cs, err := ChunkSize(a)
	if err != nil {
		return nil, err
	}
	if size > 1<<31 {
		return nil, fmt.Errorf("wof: %d bytes is too large to decompress at once", size)
	}
	ts := TableSize(size, cs)
	if ts > int64(len(stream)) {
		return nil, corrupt("chunk table", 0, "%d-byte table is longer than the %d-byte stream", ts, len(stream))
	}
	bounds, err := DecodeChunkTable(stream[:ts], size, cs, int64(len(stream)))
	if err != nil {
		return nil, err
	}
	out := make([]byte, size)
	for i := 0; i+1 < len(bounds); i++ {
		lo := i * cs
		hi := min(lo+cs, int(size))
		if err := DecompressChunk(a, out[lo:hi], stream[bounds[i]:bounds[i+1]]); err != nil {
			return nil, fmt.Errorf("chunk %d (stream offset %#x): %w", i, bounds[i], err)
		}
	}
	return out, nil
}
