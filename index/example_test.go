package index_test

import (
	"encoding/binary"
	"fmt"
	"log"
	"os"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// record reads and decodes MFT record n of the bundled sample volume.
func record(n int64) *mft.Record {
	img, err := os.ReadFile("../fixtures/sample.img")
	if err != nil {
		log.Fatal(err)
	}
	le := binary.LittleEndian
	cluster := int64(le.Uint16(img[0x0b:])) * int64(img[0x0d])
	off := int64(le.Uint64(img[0x30:]))*cluster + n*1024 // 1 KiB records
	rec, err := mft.ParseRecord(img[off:off+1024], mft.RecordNumber(n))
	if err != nil {
		log.Fatal(err)
	}
	return rec
}

// Decode a directory's $INDEX_ROOT and list the names of its entries. A
// small directory fits in the root; a larger one continues in INDX blocks
// of $INDEX_ALLOCATION (ParseBlock), walked with Tree.
func ExampleDecodeRoot() {
	rec := record(64) // the directory /docs
	for _, a := range rec.Attrs {
		if a.Type != mft.AttrIndexRoot {
			continue
		}
		root, err := index.DecodeRoot(a.Value)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("indexes:", root.AttrType, "collation:", root.Collation, "block size:", root.BlockSize, "leaf:", root.IsLeaf())
		for _, e := range root.Entries {
			if e.IsLast() {
				break
			}
			fn, err := e.FileName()
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("%-14s record %d %v\n", fn.NameString(), e.Ref.Record(), fn.Namespace)
		}
	}
	// Output:
	// indexes: $FILE_NAME collation: COLLATION_FILE_NAME block size: 4096 leaf: true
	// linked.txt     record 69 posix
	// notes          record 65 posix
}
