package index

import (
	"errors"
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
)

// ErrCorrupt is matched (errors.Is) by every *CorruptError.
var ErrCorrupt = errors.New("index: corrupt index")

// NoVCN marks errors found in the $INDEX_ROOT rather than an INDX block.
const NoVCN mft.VCN = -1

// CorruptError locates a problem in an index node.
type CorruptError struct {
	VCN    mft.VCN // INDX block, or NoVCN for the root
	Offset int     // within the block or root value
	Field  string
	Value  any
}

func (e *CorruptError) Error() string {
	where := "$INDEX_ROOT"
	if e.VCN != NoVCN {
		where = fmt.Sprintf("INDX block at VCN %d", e.VCN)
	}
	s := fmt.Sprintf("index: %s: bad %s at offset 0x%x", where, e.Field, e.Offset)
	if e.Value != nil {
		s += fmt.Sprintf(" (value %v)", e.Value)
	}
	return s
}

// Is reports whether target is ErrCorrupt.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }
