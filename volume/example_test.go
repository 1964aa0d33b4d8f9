package volume_test

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/ntfsedit/ntfsedit/volume"
)

// The bundled sample volume, found from the package directory. A
// partition of a disk image is "disk.img@2"; E01, VHD and VHDX images are
// opened the same way.
const sample = "../fixtures/sample.img"

func ExampleOpen() {
	v, err := volume.Open(sample, volume.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	fmt.Println("cluster:", v.ClusterSize(), "record:", v.RecordSize(), "records:", v.Records())
	// Output:
	// cluster: 1024 record: 1024 records: 91
}

// List a directory in index order, as `ntfsedit ls -a` does.
func ExampleFile_ReadDir() {
	v, err := volume.Open(sample, volume.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	dir, err := v.Lookup("/docs")
	if err != nil {
		log.Fatal(err)
	}
	entries, err := dir.ReadDir()
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		fmt.Printf("%-12s record %d dir=%v\n", e.Name, e.Ref.Record(), e.IsDir())
	}
	// Output:
	// linked.txt   record 69 dir=false
	// notes        record 65 dir=true
}

// Look a path up (case-insensitively, through the volume's $UpCase) and
// read its main stream and an alternate data stream.
func ExampleVolume_Lookup() {
	v, err := volume.Open(sample, volume.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	f, err := v.Lookup("/ADS.TXT")
	if err != nil {
		log.Fatal(err)
	}
	for _, si := range f.Streams() {
		s, err := f.Stream(si.Name)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("stream %q, %d bytes: ", si.Name, s.Size())
		if _, err := io.Copy(os.Stdout, io.NewSectionReader(s, 0, s.Size())); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// stream "", 12 bytes: main stream
	// stream "stream", 14 bytes: alternate data
}

// Walk the whole tree, as `ntfsedit find` does; a hard-linked file comes
// once per name.
func ExampleVolume_Walk() {
	v, err := volume.Open(sample, volume.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	err = v.Walk("/", false, func(path string, e volume.DirEntry, f *volume.File, err error) error {
		if err != nil {
			fmt.Println(path, "error:", err)
			return nil
		}
		fmt.Printf("%-28s %d bytes\n", path, f.Size())
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// /ads.txt                     12 bytes
	// /compressed                  0 bytes
	// /compressed/text.txt         54000 bytes
	// /docs                        0 bytes
	// /docs/linked.txt             19 bytes
	// /docs/notes                  0 bytes
	// /docs/notes/linked-2.txt     19 bytes
	// /docs/notes/note.txt         7 bytes
	// /junction                    0 bytes
	// /linked-3.txt                19 bytes
	// /readme.txt                  29 bytes
	// /résumé-日本.txt               8 bytes
	// /sparse.bin                  1048576 bytes
	// /symlink                     0 bytes
	// /target                      0 bytes
	// /target/file.txt             12 bytes
}

// Where a junction or symbolic link points: as stored in its
// $REPARSE_POINT, or, for the Interix symlinks ntfs-3g's ln -s makes, in
// its data.
func ExampleFile_Reparse() {
	v, err := volume.Open(sample, volume.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	for _, path := range []string{"/junction", "/symlink", "/docs/notes"} {
		f, err := v.Lookup(path)
		if err != nil {
			log.Fatal(err)
		}
		p, err := f.Reparse()
		if err != nil {
			log.Fatal(err)
		}
		if p == nil {
			if target, ok := f.Interix(); ok {
				fmt.Printf("%s: interix symlink -> %s\n", path, target)
			} else {
				fmt.Println(path, "is no link")
			}
			continue
		}
		t, err := p.Describe()
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %s -> %s\n", path, t.Kind, t.Target)
	}
	// Output:
	// /junction: junction -> \??\C:\target
	// /symlink: symlink -> target\file.txt
	// /docs/notes is no link
}
