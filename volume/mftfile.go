package volume

import (
	"fmt"
	"os"
	"sort"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// OpenMFTFile opens a bare $MFT file, as forensic collection tools extract
// it: records are read from the file itself, directory contents and paths
// are rebuilt from the parent references of $FILE_NAME attributes (there
// are no index blocks), and only resident data can be read.
func OpenMFTFile(path string) (*Volume, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("volume: %w", err)
	}
	return OpenMFTBytes(b, path)
}

// OpenMFTBytes is OpenMFTFile on bytes already in memory; name is used in
// messages.
func OpenMFTBytes(b []byte, name string) (*Volume, error) {
	if len(b) < 1024 || string(b[:4]) != "FILE" {
		return nil, fmt.Errorf("volume: %s: not a $MFT file (no FILE signature at offset 0)", name)
	}
	rs := int(mft.SectorSize)
	if n := int(le32(b[0x1C:])); n >= 512 && n <= 64<<10 && n&(n-1) == 0 {
		rs = n
	} else {
		return nil, fmt.Errorf("volume: %s: record 0 has bad allocated size %d", name, n)
	}
	v := &Volume{mftOnly: b, recordSize: rs, clusterSize: 4096, clusters: 1 << 62}
	v.mft = &Stream{v: v, resident: b, size: int64(len(b)), alloc: int64(len(b)), init: int64(len(b)), what: name}
	v.records = int64(len(b) / rs)
	v.upcase = index.DefaultUpCase()
	v.info = Info{Device: name, RecordSize: rs, MFTRecords: v.records, UpCase: "default"}
	if len(b)%rs != 0 {
		v.warn("%s: %d trailing bytes after the last whole record", name, len(b)%rs)
	}
	if err := v.buildChildren(); err != nil {
		return nil, err
	}
	v.loadVolumeInfo() // label and version are resident in $Volume
	return v, nil
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// buildChildren indexes every in-use record's names by parent, standing in
// for the $I30 indexes a bare $MFT lacks.
func (v *Volume) buildChildren() error {
	v.children = make(map[mft.RecordNumber][]DirEntry)
	for n := mft.RecordNumber(0); int64(n) < v.records; n++ {
		rec, err := v.Record(n)
		if err != nil || !rec.InUse() || !rec.IsBase() {
			continue
		}
		for i := range rec.Attrs {
			a := &rec.Attrs[i]
			if a.Type != mft.AttrFileName || a.NonResident {
				continue
			}
			fn, err := mft.DecodeFileName(a.Value)
			if err != nil || fn.Parent.Record() == n && n != mft.RecordRoot {
				continue
			}
			if n == mft.RecordRoot {
				continue
			}
			p := fn.Parent.Record()
			v.children[p] = append(v.children[p], DirEntry{Name: fn.NameString(), Ref: mft.MakeFileRef(n, rec.Seq), FileName: fn})
		}
	}
	// Extension records hold names too when a file has many links.
	for n := mft.RecordNumber(0); int64(n) < v.records; n++ {
		rec, err := v.Record(n)
		if err != nil || !rec.InUse() || rec.IsBase() {
			continue
		}
		base := rec.Base
		for i := range rec.Attrs {
			a := &rec.Attrs[i]
			if a.Type != mft.AttrFileName || a.NonResident {
				continue
			}
			fn, err := mft.DecodeFileName(a.Value)
			if err != nil {
				continue
			}
			p := fn.Parent.Record()
			v.children[p] = append(v.children[p], DirEntry{Name: fn.NameString(), Ref: base, FileName: fn})
		}
	}
	for p, kids := range v.children {
		sort.SliceStable(kids, func(i, j int) bool {
			return v.upcase.CompareNames(kids[i].FileName.Name, kids[j].FileName.Name) < 0
		})
		v.children[p] = kids
	}
	return nil
}

// mftChildren lists the names whose parent is dir, with a parent sequence
// number that matches dir's current one.
func (v *Volume) mftChildren(dir mft.RecordNumber) ([]DirEntry, error) {
	rec, err := v.Record(dir)
	if err != nil {
		return nil, err
	}
	var out []DirEntry
	for _, e := range v.children[dir] {
		if e.FileName.Parent.Seq() == rec.Seq || e.FileName.Parent.Seq() == 0 {
			out = append(out, e)
		}
	}
	return out, nil
}
