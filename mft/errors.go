package mft

import (
	"errors"
	"fmt"
)

// ErrCorrupt is matched (errors.Is) by every *CorruptError.
var ErrCorrupt = errors.New("mft: corrupt record")

// CorruptError locates a structure that could not be decoded.
type CorruptError struct {
	Record RecordNumber // NoRecord if unknown
	Offset int          // byte offset within the record or value
	Field  string       // what was wrong, e.g. "attribute length"
	Value  any          // the offending value, or nil
}

func (e *CorruptError) Error() string {
	s := "mft: "
	if e.Record != NoRecord {
		s += fmt.Sprintf("record %d: ", e.Record)
	}
	s += fmt.Sprintf("bad %s at offset 0x%x", e.Field, e.Offset)
	if e.Value != nil {
		s += fmt.Sprintf(" (value %v)", e.Value)
	}
	return s
}

// Is reports whether target is ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func corrupt(off int, field string, v any) error {
	return &CorruptError{Record: NoRecord, Offset: off, Field: field, Value: v}
}

// withRecord sets the record number of a CorruptError found in err and
// shifts its offset by base.
func withRecord(err error, n RecordNumber, base int) error {
	var ce *CorruptError
	if errors.As(err, &ce) {
		c := *ce
		if c.Record == NoRecord {
			c.Record = n
		}
		c.Offset += base
		return &c
	}
	return err
}
