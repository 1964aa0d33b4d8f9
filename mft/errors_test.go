package mft

import (
	"errors"
	"fmt"
	"testing"
)

func TestCorruptErrorString(t *testing.T) {
	tests := []struct {
		err  *CorruptError
		want string
	}{
		{&CorruptError{Record: 42, Offset: 0x3fe, Field: "update sequence number (torn write)", Value: "0x0001, want 0x0002"},
			"mft: record 42: bad update sequence number (torn write) at offset 0x3fe (value 0x0001, want 0x0002)"},
		{&CorruptError{Record: NoRecord, Offset: 0x14, Field: "first attribute offset"},
			"mft: bad first attribute offset at offset 0x14"},
		{&CorruptError{Record: 0, Offset: 0, Field: "signature", Value: `"BAAD"`},
			`mft: record 0: bad signature at offset 0x0 (value "BAAD")`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestCorruptErrorIsAs(t *testing.T) {
	base := &CorruptError{Record: NoRecord, Offset: 4, Field: "x"}
	wrapped := fmt.Errorf("read record 7: %w", withRecord(base, 7, 0x100))
	if !errors.Is(wrapped, ErrCorrupt) {
		t.Errorf("errors.Is(wrapped, ErrCorrupt) = false")
	}
	if errors.Is(wrapped, errors.New("mft: corrupt record")) {
		t.Errorf("errors.Is matched a different error with the same text")
	}
	checkCorrupt(t, wrapped, corruptAt{Record: 7, Offset: 0x104})
	if base.Record != NoRecord || base.Offset != 4 {
		t.Errorf("withRecord modified its argument: %+v", base)
	}
	// A record number already set is kept.
	checkCorrupt(t, withRecord(&CorruptError{Record: 3, Offset: 1}, 9, 0), corruptAt{Record: 3, Offset: 1})
	// Other errors pass through.
	other := errors.New("other")
	if got := withRecord(other, 1, 1); got != other {
		t.Errorf("withRecord(other) = %v", got)
	}
}
