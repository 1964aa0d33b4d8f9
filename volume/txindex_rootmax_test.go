package volume

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/testutil"
	"github.com/ntfsedit/ntfsedit/mft"
)

// TestRootMax checks txIndex.rootMax, which walks the attributes once,
// against the same rule written with find and attrsLen: the record's
// space less its other attributes, the root attribute's header and the
// reserve (more while the index has no $INDEX_ALLOCATION), for the root
// directory, an empty directory, one that grew $INDEX_ALLOCATION and
// $Extend\$Reparse's $R.
func TestRootMax(t *testing.T) {
	raw := make([]byte, 16<<20)
	dev := NewMemDevice(raw, 512)
	if err := FormatOn(dev, 0, FormatOptions{}); err != nil {
		t.Fatal(err)
	}
	v, err := OpenWritableOn(dev, Options{}, WriteOptions{Journal: testutil.NewMemJournal()})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	reference := func(x *txIndex) int {
		base := x.fe.recs[0].rec
		ra, _ := x.fe.find(mft.AttrIndexRoot, x.name)
		others := attrsLen(base) - int(ra.attr().Length)
		hdr := (0x18 + 2*len(x.name) + 7) &^ 7
		reserve := 0x20
		if _, ok := x.fe.find(mft.AttrIndexAllocation, x.name); !ok {
			reserve += 0x48 + 2*len(x.name) + 0x20 + 0x28 + 8
		}
		return max(x.fe.recordSpace()-others-hdr-reserve, 0x10+0x10+0x18)
	}
	rollback := errors.New("roll back")
	err = v.Update(func(tx *Tx) error {
		for _, d := range []string{"/empty", "/big"} {
			if err := tx.Mkdir(d); err != nil {
				return err
			}
		}
		for i := range 300 {
			if err := tx.Create(fmt.Sprintf("/big/file-%04d.txt", i), strings.NewReader("x")); err != nil {
				return err
			}
		}
		check := func(path string, name []uint16, wantAlloc bool) {
			t.Helper()
			fe, err := tx.resolve(path)
			if err != nil {
				t.Fatal(err)
			}
			x, err := tx.openIndex(fe, name, tx.nameCompare())
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := fe.find(mft.AttrIndexAllocation, name); ok != wantAlloc {
				t.Errorf("%s: $INDEX_ALLOCATION present %v, want %v", path, ok, wantAlloc)
			}
			if got, want := x.rootMax(), reference(x); got != want {
				t.Errorf("%s %s: rootMax %d, want %d", path, mft.NameString(name), got, want)
			}
		}
		check("/", nameI30, true)
		check("/empty", nameI30, false)
		check("/big", nameI30, true)
		check("/$Extend/$Reparse", mft.NameUnits("$R"), false)
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
}
