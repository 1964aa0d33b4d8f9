package reparse_test

import (
	"fmt"
	"log"

	"github.com/ntfsedit/ntfsedit/reparse"
)

// Build a junction's reparse buffer (the value of $REPARSE_POINT), decode
// it again and describe where it points.
func ExampleDecode() {
	b, err := reparse.NewJunction(`\??\C:\target`, `C:\target`).AppendBinary(nil)
	if err != nil {
		log.Fatal(err)
	}
	p, err := reparse.Decode(b)
	if err != nil {
		log.Fatal(err)
	}
	t, err := p.Describe()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%v (%#x) %s -> %s (print name %s)\n", p.Tag, uint32(p.Tag), t.Kind, t.Target, t.PrintName)
	// Output:
	// IO_REPARSE_TAG_MOUNT_POINT (0xa0000003) junction -> \??\C:\target (print name C:\target)
}

// A relative symbolic link, as mklink creates it, and the fields of its
// IO_REPARSE_TAG_SYMLINK buffer.
func ExamplePoint_Symlink() {
	b, err := reparse.NewSymlink(`..\docs\readme.txt`, `..\docs\readme.txt`, true).AppendBinary(nil)
	if err != nil {
		log.Fatal(err)
	}
	p, err := reparse.Decode(b)
	if err != nil {
		log.Fatal(err)
	}
	s, err := p.Symlink()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Kind(), s.SubstituteName(), s.Flags, "relative:", s.Relative(), len(b), "bytes")
	// Output:
	// symlink ..\docs\readme.txt SYMLINK_FLAG_RELATIVE relative: true 92 bytes
}
