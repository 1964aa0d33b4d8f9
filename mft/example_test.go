package mft_test

import (
	"encoding/binary"
	"fmt"
	"log"
	"os"

	"github.com/ntfsedit/ntfsedit/mft"
)

// readRecord reads MFT record n of the bundled sample volume the way a
// reader that knows only the boot sector would: the $MFT starts at the
// cluster the boot sector names, and its first records are contiguous.
func readRecord(n int64) []byte {
	img, err := os.ReadFile("../fixtures/sample.img")
	if err != nil {
		log.Fatal(err)
	}
	le := binary.LittleEndian
	cluster := int64(le.Uint16(img[0x0b:])) * int64(img[0x0d]) // bytes per sector × sectors per cluster
	mftStart := int64(le.Uint64(img[0x30:])) * cluster
	size := int64(1024)
	if c := int8(img[0x40]); c < 0 {
		size = 1 << -c // clusters per record, negative: 2^-c bytes
	} else {
		size = int64(c) * cluster
	}
	return img[mftStart+n*size : mftStart+(n+1)*size]
}

// Decode a FILE record (ParseRecord applies the fixups on a copy) and the
// typed values of its attributes.
func ExampleParseRecord() {
	rec, err := mft.ParseRecord(readRecord(5), 5) // record 5 is the root directory
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("in use:", rec.InUse(), "directory:", rec.IsDir(), "links:", rec.LinkCount)
	for _, a := range rec.Attrs {
		fmt.Printf("%v %q resident=%v\n", a.Type, a.NameString(), !a.NonResident)
		if a.Type == mft.AttrFileName {
			fn, err := mft.DecodeFileName(a.Value)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("  name %q, parent record %d\n", fn.NameString(), fn.Parent.Record())
		}
	}
	// Output:
	// in use: true directory: true links: 1
	// $STANDARD_INFORMATION "" resident=true
	// $FILE_NAME "" resident=true
	//   name ".", parent record 5
	// $SECURITY_DESCRIPTOR "" resident=true
	// $INDEX_ROOT "$I30" resident=true
	// $INDEX_ALLOCATION "$I30" resident=false
	// $BITMAP "$I30" resident=true
}

// A non-resident attribute's runlist maps its clusters; DecodeRuns and
// AppendRuns are inverses.
func ExampleDecodeRuns() {
	rec, err := mft.ParseRecord(readRecord(0), 0) // $MFT itself
	if err != nil {
		log.Fatal(err)
	}
	data := rec.Attrs[0]
	for _, a := range rec.Attrs {
		if a.Type == mft.AttrData {
			data = a
		}
	}
	b, err := mft.AppendRuns(nil, data.Runs) // the mapping pairs as stored
	if err != nil {
		log.Fatal(err)
	}
	runs, n, err := mft.DecodeRuns(b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("mapping pairs % x (%d bytes)\n", b, n)
	for _, r := range runs {
		fmt.Printf("%d clusters at LCN %d\n", r.Length, r.Start)
	}
	fmt.Println("data size:", data.DataSize)
	// Output:
	// mapping pairs 11 5b 10 00 (4 bytes)
	// 91 clusters at LCN 16
	// data size: 93184
}
