package wof

import (
	"errors"
	"fmt"
)

// ErrCorrupt is matched (with errors.Is) by every *CorruptError.
var ErrCorrupt = errors.New("wof: corrupt data")

// CorruptError locates a fault in compressed data. Not an on-disk structure.
type CorruptError struct {
	Format string // "xpress", "lzx" or "chunk table"
	Offset int    // byte offset within the input (the chunk or the table)
	Msg    string // what is wrong there
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("wof: corrupt %s data at offset %#x: %s", e.Format, e.Offset, e.Msg)
}

// Is reports whether target is ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func corrupt(format string, off int, msg string, args ...any) error {
	return &CorruptError{Format: format, Offset: off, Msg: fmt.Sprintf(msg, args...)}
}
