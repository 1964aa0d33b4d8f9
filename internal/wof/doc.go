// Package wof decodes and encodes the data of files compressed by the
// Windows Overlay Filter's file provider ("compact /c /exe:…" on Windows 10
// and later): the WofCompressedData stream and the two compression formats
// it uses.
//
// A WOF-compressed file carries an IO_REPARSE_TAG_WOF reparse point naming
// the algorithm, an unnamed $DATA stream that only holds the file size (it
// is sparse: other readers see zeros), and a "WofCompressedData" alternate
// data stream laid out like a WIM resource:
//
//	chunk table: one entry per chunk after the first, the offset of that
//	             chunk from the end of the table; entries are u32, or u64
//	             when the uncompressed size exceeds 0xffffffff
//	chunks:      each decompresses to the chunk size (the last one to what
//	             is left); a chunk whose stored size equals its
//	             uncompressed size is stored raw
//
// Chunk sizes: XPRESS4K 4096, XPRESS8K 8192, XPRESS16K 16384, LZX 32768.
// Every chunk is compressed on its own.
//
// XPRESS is the LZ77+Huffman format of [MS-XCA] section 2.1: a 256-byte
// table of 512 four-bit code lengths, then a bit stream of 16-bit
// little-endian words read from the most significant bit, with the extra
// length bytes of long matches interleaved in the byte stream.
//
// LZX is the variant used by WIM files (the format of [MS-PATCH] LZX DELTA
// without its reference data and with the block-size header of WIM): the
// window is the 32 KiB chunk, the block size is one bit (set: 32768) or 16
// bits, and the decoder undoes the x86 call (E8) translation with a file
// size of 12000000 on every chunk longer than 10 bytes.
//
// The encoders (CompressXpress, CompressLZX, Compress) are simple (greedy
// matches, Huffman codes from symbol counts); they exist so the decoders
// have round-trip tests and fuzz seeds, and so test images can be built.
// The decoders are checked against data compressed by wimlib.
//
// References: [MS-XCA] "Xpress Compression Algorithm", sections 2.1 and
// 2.2; [MS-PATCH] "LZX DELTA Compression and Decompression"; the WIM
// format as documented by wimlib's header files and Microsoft's WIMGAPI
// documentation; wofapi.h for the reparse data.
package wof
