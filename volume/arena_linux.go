package volume

import (
	"syscall"
	"unsafe"
)

// arenaBytes is the size of an arena of chunk buffers: one huge page of
// x86-64 and arm64.
const arenaBytes = 2 << 20

// mapping is an arena with the mapping it lies in.
//
// Not an on-disk structure.
type mapping struct {
	arena, whole []byte
}

// mapArena maps twice arenaBytes of anonymous memory and returns the
// arenaBytes inside that start on a multiple of it, asked to be one huge
// page and touched, so that they are mapped now (the rest is never
// touched: no memory behind it). ok is false when the mapping fails.
func mapArena() (m mapping, ok bool) {
	b, err := syscall.Mmap(-1, 0, 2*arenaBytes, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return mapping{}, false
	}
	addr := uintptr(unsafe.Pointer(&b[0]))
	skip := int((arenaBytes - addr%arenaBytes) % arenaBytes)
	a := b[skip : skip+arenaBytes : skip+arenaBytes]
	// Without transparent huge pages this fails, and the touch below
	// maps the arena a page at a time.
	syscall.Madvise(a, syscall.MADV_HUGEPAGE)
	for i := 0; i < len(a); i += 4096 {
		a[i] = 0
	}
	return mapping{arena: a, whole: b}, true
}

// unmapArena unmaps what mapArena mapped.
func unmapArena(m mapping) { syscall.Munmap(m.whole) }
