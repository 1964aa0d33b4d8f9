package volume

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ntfsedit/ntfsedit/mft"
)

// TestInheritedOncePerTx checks copySecurity's per-transaction memo: files
// and directories created in one transaction under a parent with its own
// $SECURITY_DESCRIPTOR get what ones created alone, each in a transaction
// of its own, get (files one descriptor, directories another), and the
// memo holds one entry per kind.
func TestInheritedOncePerTx(t *testing.T) {
	v := memVolume(t, 64<<20)
	root, err := v.Lookup("/")
	if err != nil {
		t.Fatal(err)
	}
	if root.Attr(mft.AttrSecurityDescriptor, nil) == nil {
		t.Fatal("the root has no $SECURITY_DESCRIPTOR: copySecurity is not exercised")
	}
	sd := func(p string) []byte {
		t.Helper()
		f, err := v.Lookup(p)
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.AttrStream(mft.AttrSecurityDescriptor, nil)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		b, err := s.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Alone, each in its own transaction: the memo is empty each time.
	for _, op := range []func(tx *Tx) error{
		func(tx *Tx) error { return tx.Create("/alone.txt", strings.NewReader("x")) },
		func(tx *Tx) error { return tx.Mkdir("/alone") },
	} {
		if err := v.Update(op); err != nil {
			t.Fatal(err)
		}
	}
	memo := 0
	err = v.Update(func(tx *Tx) error {
		for _, p := range []string{"/f1", "/f2", "/f3"} {
			if err := tx.Create(p, strings.NewReader("x")); err != nil {
				return err
			}
		}
		for _, p := range []string{"/d1", "/d2"} {
			if err := tx.Mkdir(p); err != nil {
				return err
			}
		}
		memo = len(tx.inherited)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if memo != 2 {
		t.Errorf("memo holds %d descriptors, want 2 (a file's, a directory's)", memo)
	}
	file, dir := sd("/alone.txt"), sd("/alone")
	if bytes.Equal(file, dir) {
		t.Error("a file and a directory inherit the same descriptor: the test cannot tell them apart")
	}
	for _, p := range []string{"/f1", "/f2", "/f3"} {
		if got := sd(p); !bytes.Equal(got, file) {
			t.Errorf("%s: descriptor % x, want % x (as a file created alone)", p, got, file)
		}
	}
	for _, p := range []string{"/d1", "/d2"} {
		if got := sd(p); !bytes.Equal(got, dir) {
			t.Errorf("%s: descriptor % x, want % x (as a directory created alone)", p, got, dir)
		}
	}
}
