package reparse

import (
	"errors"
	"fmt"
)

// ErrCorrupt is matched (with errors.Is) by every *CorruptError: a
// buffer whose lengths, offsets or strings do not fit together.
var ErrCorrupt = errors.New("reparse: corrupt buffer")

// ErrWrongTag is returned by the typed accessors of Point, such as
// Point.Symlink, when the point carries a different tag.
var ErrWrongTag = errors.New("reparse: unexpected reparse tag")

// ErrInvalidTarget is returned by WindowsTarget for paths that cannot be a
// link target.
var ErrInvalidTarget = errors.New("reparse: invalid link target")

// CorruptError locates a fault in a reparse buffer. Not an on-disk
// structure.
type CorruptError struct {
	Offset int    // of the bad field, in bytes from the start of the whole reparse buffer (tag at 0x00)
	Field  string // "reparse data length", "substitute name offset", …
	Value  any    // the value found there, or nil
	Reason string // optional detail, such as "name ends past the path buffer"
}

func (e *CorruptError) Error() string {
	s := fmt.Sprintf("reparse: bad %s at %#x", e.Field, e.Offset)
	if e.Value != nil {
		s += fmt.Sprintf(" (value %v)", e.Value)
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Is reports whether target is ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func corrupt(off int, field string, value any, format string, args ...any) error {
	return &CorruptError{Offset: off, Field: field, Value: value, Reason: fmt.Sprintf(format, args...)}
}
