//go:build !linux

package volume

// mapping is an arena with the mapping it lies in (none here).
//
// Not an on-disk structure.
type mapping struct {
	arena, whole []byte
}

// mapArena maps nothing here: chunk buffers come from the Go heap.
func mapArena() (mapping, bool) { return mapping{}, false }

// unmapArena has nothing to unmap.
func unmapArena(mapping) {}
