package volume

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ntfsedit/ntfsedit/mft"
)

// TestRecordActsBefore checks what writers note of the records they
// stage (recordActs.noteBefore), which the commit's write order trusts
// instead of reading the device: for every record a transaction of
// creates, spliced and general links, unlinks that free records and
// mkdirs staged, a known before-state must equal the device's, and most
// must be known.
func TestRecordActsBefore(t *testing.T) {
	v := memVolume(t, 16<<20)
	err := v.Update(func(tx *Tx) error {
		for i := range 40 {
			if err := tx.Create(fmt.Sprintf("/f%02d", i), strings.NewReader("x")); err != nil {
				return err
			}
		}
		return tx.Mkdir("/d")
	})
	if err != nil {
		t.Fatal(err)
	}
	rollback := errors.New("roll back")
	err = v.Update(func(tx *Tx) error {
		for i := range 40 {
			switch i % 4 {
			case 0:
				if err := tx.Link(fmt.Sprintf("/f%02d", i), fmt.Sprintf("/d/l%02d", i)); err != nil {
					return err
				}
			case 1:
				if err := tx.Unlink(fmt.Sprintf("/f%02d", i)); err != nil {
					return err
				}
			case 2:
				if err := tx.Create(fmt.Sprintf("/d/new%02d", i), strings.NewReader("y")); err != nil {
					return err
				}
			case 3:
				if err := tx.Mkdir(fmt.Sprintf("/d/dir%02d", i)); err != nil {
					return err
				}
			}
		}
		if tx.rawLinks == 0 {
			t.Error("no link was spliced")
		}
		known, total := 0, 0
		var hdr [0x18]byte
		var ferr error
		tx.recAct.each(func(n mft.RecordNumber, act string) {
			total++
			got, ok := tx.recAct.wasInUse(n)
			if !ok {
				return
			}
			known++
			r, err := tx.v.mft.deviceRange(int64(n)*int64(v.recordSize), int64(v.recordSize))
			if !err {
				ferr = fmt.Errorf("record %d: not in one run", n)
				return
			}
			if _, err := v.ov.base.ReadAt(hdr[:], r.off); err != nil {
				ferr = err
				return
			}
			want := string(hdr[:4]) == "FILE" && hdr[0x16]&byte(mft.RecordInUse) != 0
			if got != want {
				t.Errorf("record %d (%s): noted in use before %v, the device says %v", n, act, got, want)
			}
		})
		if ferr != nil {
			t.Fatal(ferr)
		}
		if known < total*3/4 {
			t.Errorf("%d of %d records have a known before-state", known, total)
		}
		t.Logf("%d of %d records known", known, total)
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
}
