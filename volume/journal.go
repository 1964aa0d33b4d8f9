package volume

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Redo journal layout (a side file, never inside the volume), version 3:
//
//	0x00 magic "NTFSEDIT-JOURNAL" | 0x10 version u32 (3) | 0x14 zero u32
//	0x18 volume serial u64 | 0x20 volume offset in the image i64 | 0x28 volume size i64
//	0x30 check count u32 | 0x34 zero u32
//	then per check: device offset i64 | length u32 | CRC-32C u32 of the bytes the device must hold there
//	then per extent, up to the trailer: varint (device offset − end of the previous extent, 0 first) | uvarint length | data
//	then the commit trailer: "NTFSEDIT-COMMIT!" | CRC-32C u32 of every byte before it
//
// (varints as encoding/binary writes them; no extent count, so that the
// journal is written while the changes are still being found.) Checks name bytes the commit
// wrote to clusters free before it, outside the journal, in parallel
// with writing it: a journal whose checks fail was left by a commit that
// stopped before touching anything in place, and is discarded.
//
// Versions 1 and 2 (still replayed) have an extent count at 0x14, no
// checks, a header of 0x30 bytes, and per extent: device offset i64 | length u32 | CRC-32C u32 of
// the data | data. Version 1 ends in a SHA-256 of every byte before the
// trailer instead of the CRC-32C.
//
// A journal without a valid trailer was cut short before the volume was
// touched; it is discarded. A complete one is applied again on open:
// writing the same bytes twice is harmless, so replay is idempotent.
const (
	journalMagic     = "NTFSEDIT-JOURNAL"
	journalTrailer   = "NTFSEDIT-COMMIT!"
	journalHeaderLen = 0x30 // versions 1 and 2
	journalHeaderV3  = 0x38
	journalVersion   = 3
	journalCheckLen  = 16
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// journalHeader identifies the volume a journal belongs to, and the
// bytes written outside it that it depends on.
type journalHeader struct {
	Serial uint64
	Offset int64 // volume offset in the image
	Size   int64 // volume (device window) size
	Checks []journalCheck
}

// journalCheck is bytes a commit wrote to free clusters outside the
// journal: the device must hold them for the journal to apply.
type journalCheck struct {
	Off int64
	Len uint32
	CRC uint32 // CRC-32C
}

// errJournalIncomplete marks a journal cut short before its trailer.
var errJournalIncomplete = errors.New("journal incomplete (cut short before commit)")

func encodeJournal(h journalHeader, blocks ...[]stagedExtent) []byte {
	var b bytes.Buffer
	b.Grow(int(journalLen(h, blocks...)))
	writeJournal(&b, h, blocks...) // a bytes.Buffer does not fail
	return b.Bytes()
}

// journalLen is the size of the journal of the extents in blocks.
func journalLen(h journalHeader, blocks ...[]stagedExtent) int64 {
	n := int64(journalHeaderV3 + journalCheckLen*len(h.Checks) + len(journalTrailer) + 4)
	end := int64(0)
	var tmp [binary.MaxVarintLen64]byte
	for _, exts := range blocks {
		for _, e := range exts {
			n += int64(binary.PutVarint(tmp[:], e.Off-end) + binary.PutUvarint(tmp[:], uint64(len(e.Data))) + len(e.Data))
			end = e.Off + int64(len(e.Data))
		}
	}
	return n
}

// journalWriter writes a journal through a buffer of its own, carrying
// the trailer's CRC-32C along: the CRC is computed once, over large
// spans, and a small extent costs an append, not a Write.
type journalWriter struct {
	w   io.Writer
	buf []byte
	sum uint32
	err error
}

func (jw *journalWriter) flush() {
	if jw.err != nil || len(jw.buf) == 0 {
		return
	}
	jw.sum = crc32.Update(jw.sum, castagnoli, jw.buf)
	_, jw.err = jw.w.Write(jw.buf)
	jw.buf = jw.buf[:0]
}

func (jw *journalWriter) write(p []byte) {
	if len(p) <= cap(jw.buf)-len(jw.buf) {
		jw.buf = append(jw.buf, p...)
		return
	}
	if len(p) < cap(jw.buf)/2 {
		jw.flush()
		jw.buf = append(jw.buf, p...)
		return
	}
	// A large slice goes through as it is.
	jw.flush()
	if jw.err == nil {
		jw.sum = crc32.Update(jw.sum, castagnoli, p)
		_, jw.err = jw.w.Write(p)
	}
}

// room makes sure n more bytes fit in the buffer without a flush.
func (jw *journalWriter) room(n int) {
	if cap(jw.buf)-len(jw.buf) < n {
		jw.flush()
	}
}

// writeJournal writes the journal of the extents in blocks, in order, to
// w: the same bytes encodeJournal returns, without a copy of every
// changed byte in memory.
func writeJournal(w io.Writer, h journalHeader, blocks ...[]stagedExtent) error {
	return writeJournalSeq(w, h, blockSeq(blocks))
}

// blockSeq is a journalSeq of the extents in blocks.
func blockSeq(blocks [][]stagedExtent) journalSeq {
	return func(yield func([]stagedExtent) bool) error {
		for _, b := range blocks {
			if !yield(b) {
				break
			}
		}
		return nil
	}
}

// journalSeq calls yield with blocks of extents in order until yield
// returns false, and reports whether it could produce them all (a
// journal whose extents are produced as it is written). A block is valid
// only until yield returns: its memory may serve the next one.
type journalSeq func(yield func([]stagedExtent) bool) error

// writeJournalSeq is writeJournal of the extents seq yields. When seq
// fails, the trailer is not written: the journal stays incomplete.
func writeJournalSeq(w io.Writer, h journalHeader, seq journalSeq) error {
	jw := journalWriter{w: w, buf: make([]byte, 0, journalBuffer)}
	le := binary.LittleEndian
	b := append(jw.buf, journalMagic...)
	b = le.AppendUint32(b, journalVersion)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint64(b, h.Serial)
	b = le.AppendUint64(b, uint64(h.Offset))
	b = le.AppendUint64(b, uint64(h.Size))
	b = le.AppendUint32(b, uint32(len(h.Checks)))
	jw.buf = le.AppendUint32(b, 0)
	for _, c := range h.Checks {
		jw.room(journalCheckLen)
		b := le.AppendUint64(jw.buf, uint64(c.Off))
		b = le.AppendUint32(b, c.Len)
		jw.buf = le.AppendUint32(b, c.CRC)
	}
	end := int64(0)
	err := seq(func(exts []stagedExtent) bool {
		for _, e := range exts {
			jw.room(2 * binary.MaxVarintLen64)
			jw.buf = binary.AppendVarint(jw.buf, e.Off-end)
			jw.buf = binary.AppendUvarint(jw.buf, uint64(len(e.Data)))
			jw.write(e.Data)
			end = e.Off + int64(len(e.Data))
		}
		return jw.err == nil
	})
	if err != nil {
		return err
	}
	jw.flush()
	if jw.err != nil {
		return jw.err
	}
	var tr [len(journalTrailer) + 4]byte
	copy(tr[:], journalTrailer)
	le.PutUint32(tr[len(journalTrailer):], jw.sum)
	_, err = w.Write(tr[:])
	return err
}

// putJournal writes the journal of the extents in blocks to the volume's
// store, as it is encoded when the store streams: a FileJournal itself
// (not a type embedding one, whose Write may do more) or a
// JournalStreamer.
func (v *Volume) putJournal(h journalHeader, blocks [][]stagedExtent) error {
	return v.putJournalSeq(h, blockSeq(blocks))
}

// putJournalSeq is putJournal of the extents seq yields.
func (v *Volume) putJournalSeq(h journalHeader, seq journalSeq) error {
	write := func(w io.Writer) error { return writeJournalSeq(w, h, seq) }
	switch j := v.journal.(type) {
	case FileJournal:
		return WriteFileJournal(j, write)
	case JournalStreamer:
		return j.WriteJournal(write)
	}
	var blocks [][]stagedExtent
	if err := seq(func(b []stagedExtent) bool { blocks = append(blocks, slices.Clone(b)); return true }); err != nil {
		return err
	}
	return v.journal.Write(encodeJournal(h, blocks...))
}

// decodeJournal checks and decodes a journal file's bytes (any version).
func decodeJournal(b []byte) (journalHeader, []stagedExtent, error) {
	var h journalHeader
	if len(b) < journalHeaderLen || string(b[:16]) != journalMagic {
		if len(b) < journalHeaderLen && bytes.HasPrefix([]byte(journalMagic), b[:min(len(b), 16)]) {
			return h, nil, errJournalIncomplete
		}
		return h, nil, errors.New("not an ntfsedit journal (bad magic)")
	}
	le := binary.LittleEndian
	version := le.Uint32(b[0x10:])
	sumLen := 4
	switch version {
	case 1:
		sumLen = sha256.Size
	case 2, journalVersion:
	default:
		return h, nil, fmt.Errorf("journal version %d not supported", version)
	}
	count := le.Uint32(b[0x14:])
	h.Serial = le.Uint64(b[0x18:])
	h.Offset = int64(le.Uint64(b[0x20:]))
	h.Size = int64(le.Uint64(b[0x28:]))
	tail := len(journalTrailer) + sumLen
	if len(b) < journalHeaderLen+tail || string(b[len(b)-tail:len(b)-sumLen]) != journalTrailer {
		return h, nil, errJournalIncomplete
	}
	body := b[:len(b)-tail]
	ok := false
	if version == 1 {
		sum := sha256.Sum256(body)
		ok = bytes.Equal(sum[:], b[len(b)-sumLen:])
	} else {
		ok = crc32.Checksum(body, castagnoli) == le.Uint32(b[len(b)-sumLen:])
	}
	if !ok {
		return h, nil, errors.New("journal checksum mismatch (damaged after it was written)")
	}
	if version == journalVersion {
		if count != 0 {
			return h, nil, fmt.Errorf("journal: %#x at byte 0x14, want 0", count)
		}
		return decodeJournalV3(h, body)
	}
	var exts []stagedExtent
	off := journalHeaderLen
	for i := range count {
		if off+16 > len(body) {
			return h, nil, fmt.Errorf("journal extent %d: header at byte %d past the end", i, off)
		}
		dev := int64(le.Uint64(body[off:]))
		n := int(le.Uint32(body[off+8:]))
		crc := le.Uint32(body[off+12:])
		off += 16
		if n < 0 || n > len(body)-off || dev < 0 || dev > h.Size || int64(n) > h.Size-dev { // n < 0: int of 32 bits
			return h, nil, fmt.Errorf("journal extent %d: %d bytes at device offset %#x out of range", i, n, dev)
		}
		data := body[off : off+n]
		if crc32.Checksum(data, castagnoli) != crc {
			return h, nil, fmt.Errorf("journal extent %d at device offset %#x: CRC mismatch", i, dev)
		}
		exts = append(exts, stagedExtent{Off: dev, Data: data})
		off += n
	}
	if off != len(body) {
		return h, nil, fmt.Errorf("journal: %d stray bytes after the last extent", len(body)-off)
	}
	return h, exts, nil
}

// decodeJournalV3 decodes the checks and extents of a version-3 journal
// whose body (every byte before the trailer) passed its CRC.
func decodeJournalV3(h journalHeader, body []byte) (journalHeader, []stagedExtent, error) {
	le := binary.LittleEndian
	if len(body) < journalHeaderV3 {
		return h, nil, fmt.Errorf("journal: header of %d bytes, want %d", len(body), journalHeaderV3)
	}
	checks := int64(le.Uint32(body[0x30:]))
	off := journalHeaderV3
	if checks > int64(len(body)-off)/journalCheckLen {
		return h, nil, fmt.Errorf("journal: %d checks at byte %#x past the end", checks, off)
	}
	for i := range checks {
		c := journalCheck{Off: int64(le.Uint64(body[off:])), Len: le.Uint32(body[off+8:]), CRC: le.Uint32(body[off+12:])}
		if c.Off < 0 || c.Off > h.Size || int64(c.Len) > h.Size-c.Off {
			return h, nil, fmt.Errorf("journal check %d at byte %#x: %d bytes at device offset %#x out of range", i, off, c.Len, c.Off)
		}
		h.Checks = append(h.Checks, c)
		off += journalCheckLen
	}
	var exts []stagedExtent
	end := int64(0)
	for i := 0; off < len(body); i++ {
		gap, k := binary.Varint(body[off:])
		if k <= 0 {
			return h, nil, fmt.Errorf("journal extent %d: bad offset varint at byte %#x", i, off)
		}
		off += k
		n, k := binary.Uvarint(body[off:])
		if k <= 0 {
			return h, nil, fmt.Errorf("journal extent %d: bad length varint at byte %#x", i, off)
		}
		off += k
		if gap < -end || gap > h.Size-end || n > uint64(len(body)-off) {
			return h, nil, fmt.Errorf("journal extent %d at byte %#x: %d bytes %+d from device offset %#x out of range", i, off, n, gap, end)
		}
		dev := end + gap
		if int64(n) > h.Size-dev {
			return h, nil, fmt.Errorf("journal extent %d at byte %#x: %d bytes at device offset %#x past the volume end", i, off, n, dev)
		}
		exts = append(exts, stagedExtent{Off: dev, Data: body[off : off+int(n)]})
		off += int(n)
		end = dev + int64(n)
	}
	return h, exts, nil
}

// JournalStore keeps the redo journal of a writable volume. Write must be
// durable when it returns (written and synced); Read returns an error
// matching fs.ErrNotExist when there is no journal.
type JournalStore interface {
	Write(b []byte) error
	Read() ([]byte, error)
	Remove() error
	String() string
}

// JournalStreamer is a JournalStore that writes a journal as it is
// produced instead of from one slice holding all of it (a commit that
// changes megabytes of metadata would otherwise hold them twice).
// WriteJournal calls write once with the store's writer and, when it
// succeeds, makes what it wrote durable as Write does. A commit writes
// the journal of a plain FileJournal that way too (WriteFileJournal).
type JournalStreamer interface {
	JournalStore
	WriteJournal(write func(io.Writer) error) error
}

// FileJournal is a JournalStore in a file: by default the image path with
// ".ntfsedit-journal" appended.
type FileJournal string

// DefaultJournal returns the journal path for an image or device path
// (without any @N partition suffix).
func DefaultJournal(image string) string { return image + ".ntfsedit-journal" }

func (j FileJournal) String() string { return string(j) }

func (j FileJournal) Write(b []byte) error {
	return WriteFileJournal(j, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// journalBuffer is the buffer WriteFileJournal writes a journal through.
const journalBuffer = 256 << 10

// WriteFileJournal is FileJournal's Write streaming, for a JournalStreamer
// that wraps one: it writes the journal file j with write, through a
// buffer of 256 KiB (a larger slice goes through as it is), then syncs it
// and its directory. (A function, not a method: a type embedding a
// FileJournal to do more in its Write must not be streamed past it.)
func WriteFileJournal(j FileJournal, write func(io.Writer) error) error {
	f, err := os.OpenFile(string(j), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("volume: journal: %w", err)
	}
	bw := bufio.NewWriterSize(&writebackWriter{f: f}, journalBuffer)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("volume: journal: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("volume: journal: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("volume: journal: %w", err)
	}
	return syncDir(filepath.Dir(string(j)))
}

func (j FileJournal) Read() ([]byte, error) { return os.ReadFile(string(j)) }

func (j FileJournal) Remove() error {
	if err := os.Remove(string(j)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("volume: remove journal: %w", err)
	}
	return syncDir(filepath.Dir(string(j)))
}

// syncDir makes a file's creation or removal durable (best effort where
// directories cannot be synced).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	d.Sync()
	return nil
}

// ReplayInfo says what opening a volume did with a leftover journal.
type ReplayInfo struct {
	Journal   string `json:"journal"`
	Replayed  bool   `json:"replayed"`  // a complete journal was applied
	Discarded bool   `json:"discarded"` // an incomplete journal was dropped (the volume was never touched)
	Extents   int    `json:"extents"`
	Bytes     int64  `json:"bytes"`
}

// replayJournal applies a leftover journal to dev (the volume window) and
// removes it. serial is the volume's serial number from its boot sector.
func replayJournal(dev Device, j JournalStore, serial uint64, volOffset int64) (*ReplayInfo, error) {
	b, err := j.Read()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("volume: read journal %s: %w", j, err)
	}
	info := &ReplayInfo{Journal: j.String()}
	h, exts, err := decodeJournal(b)
	if errors.Is(err, errJournalIncomplete) {
		if err := j.Remove(); err != nil {
			return nil, err
		}
		info.Discarded = true
		return info, nil
	}
	if err != nil {
		return nil, fmt.Errorf("volume: journal %s: %w; the volume may be half written: keep the journal and report it", j, err)
	}
	if h.Serial != serial || h.Offset != volOffset || h.Size != dev.Size() {
		return nil, fmt.Errorf("volume: journal %s belongs to another volume (serial %016x at offset %d, %d bytes; this one is %016x at %d, %d bytes)",
			j, h.Serial, h.Offset, h.Size, serial, volOffset, dev.Size())
	}
	if ok, err := checksHold(dev, h.Checks); err != nil {
		return nil, fmt.Errorf("volume: journal %s: %w", j, err)
	} else if !ok {
		// The commit stopped before its writes outside the journal were
		// durable, so before anything in place: nothing to redo.
		if err := j.Remove(); err != nil {
			return nil, err
		}
		info.Discarded = true
		return info, nil
	}
	for _, e := range exts {
		if _, err := dev.WriteAt(e.Data, e.Off); err != nil {
			return nil, fmt.Errorf("volume: replay journal %s: %w", j, err)
		}
		info.Bytes += int64(len(e.Data))
	}
	if err := dev.Sync(); err != nil {
		return nil, fmt.Errorf("volume: replay journal %s: %w", j, err)
	}
	if err := j.Remove(); err != nil {
		return nil, err
	}
	info.Replayed, info.Extents = true, len(exts)
	return info, nil
}

// checksHold reports whether the device holds the bytes of every check.
func checksHold(dev Device, checks []journalCheck) (bool, error) {
	var buf []byte
	for _, c := range checks {
		sum := uint32(0)
		for done := int64(0); done < int64(c.Len); {
			n := min(int64(c.Len)-done, 1<<20)
			buf = slices.Grow(buf[:0], int(n))[:n]
			if _, err := dev.ReadAt(buf, c.Off+done); err != nil {
				return false, fmt.Errorf("read the %d bytes at %#x it checks: %w", c.Len, c.Off, err)
			}
			sum = crc32.Update(sum, castagnoli, buf)
			done += n
		}
		if sum != c.CRC {
			return false, nil
		}
	}
	return true, nil
}
