package volume

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ntfsedit/ntfsedit/mft"
)

// TestRootMax checks txIndex.rootMax, which walks the attributes once,
// against the same rule written with find and attrsLen: the record's
// space less its other attributes, the root attribute's header and the
// reserve (more while the index has no $INDEX_ALLOCATION), for the root
// directory, an empty directory, one that grew $INDEX_ALLOCATION and
// $Extend\$Reparse's $R.
func TestRootMax(t *testing.T) {
	v := memVolume(t, 16<<20)
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
	err := v.Update(func(tx *Tx) error {
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

// TestOpenIndexReuse checks that openIndex hands back the index it opened
// before while the record still holds its root, also after attributes
// were added before the root (its place in the record moved), and a new
// one once the root attribute holds another value.
func TestOpenIndexReuse(t *testing.T) {
	v := memVolume(t, 16<<20)
	rollback := errors.New("roll back")
	err := v.Update(func(tx *Tx) error {
		if err := tx.Mkdir("/d"); err != nil {
			return err
		}
		fe, err := tx.resolve("/d")
		if err != nil {
			return err
		}
		open := func() *txIndex {
			t.Helper()
			x, err := tx.openIndex(fe, nameI30, tx.nameCompare())
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		x := open()
		if !x.rootCurrent() {
			t.Fatal("rootCurrent false right after openIndex")
		}
		at := x.rootAt.i
		// A named $DATA sorts before $INDEX_ROOT: the root moves on.
		if err := fe.add(mft.Attr{Type: mft.AttrData, Name: mft.NameUnits("s"), Value: []byte("x")}); err != nil {
			return err
		}
		if x.rootCurrent() {
			t.Error("rootCurrent true with the root attribute moved")
		}
		if y := open(); y != x {
			t.Error("openIndex opened the index again after an attribute was added")
		}
		if x.rootAt.i != at+1 || !x.rootCurrent() {
			t.Errorf("root found at attribute %d (was %d), rootCurrent %v", x.rootAt.i, at, x.rootCurrent())
		}
		// Another value in the root attribute: the index is read again.
		ra, _ := fe.find(mft.AttrIndexRoot, nameI30)
		ra.attr().Value = append([]byte(nil), ra.attr().Value...)
		if x.rootCurrent() {
			t.Error("rootCurrent true with another root value")
		}
		if y := open(); y == x {
			t.Error("openIndex kept the index with another root value")
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
}
