//go:build linux

package interop

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"github.com/ntfsedit/ntfsedit/internal/crashcheck"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/corrupt"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/internal/testutil"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// Repair tests: each of the checker's corruptions (internal/corrupt) is
// made in a copy of the reference image (mkntfs + ntfs-3g), repaired, and
// the result compared with what ntfs-3g shows of the uncorrupted image
// (names, inodes, types, link counts, sizes, contents, reparse data,
// streams) and with fls -r -p (every name live, no "(realloc)", name and
// record types agreeing).

// repairCase is one corruption and the findings it leads to.
type repairCase struct {
	name string
	// corrupt damages img and returns the findings that describe it (as
	// the checker reports them, fields per finding.go).
	corrupt func(t *testing.T, img string, ref *volume.Volume) []volume.Finding
	// gone are paths the repair may not bring back (the record was freed).
	gone []string
	// changed are files whose content the repair may change (cross links:
	// the later file gets a copy of the shared clusters).
	changed []string
	// moved are paths the repair gives a new name (orphans into
	// /found.000), old to new.
	moved map[string]string
}

func fatal(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func refFile(t *testing.T, v *volume.Volume, p string) *volume.File {
	t.Helper()
	f, err := v.Lookup(p)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var repairCases = []repairCase{
	{name: "torn-record", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		n, err := corrupt.TornRecordFixup(img, "/only.txt")
		fatal(t, err)
		return []volume.Finding{{Code: volume.CodeRecordFixup, Record: n}}
	}},
	{name: "torn-indx", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		vcn, err := corrupt.TornINDXFixup(img, "/many")
		fatal(t, err)
		return []volume.Finding{{Code: volume.CodeIndexFixup, Parent: refFile(t, ref, "/many").Number(), VCN: vcn}}
	}},
	{name: "link-count-high", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		got, err := corrupt.LinkCount(img, "/third.txt", 1)
		fatal(t, err)
		return []volume.Finding{{Code: volume.CodeLinkCount, Record: refFile(t, ref, "/third.txt").Number(), Want: 3, Got: int64(got)}}
	}},
	{name: "link-count-low", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		got, err := corrupt.LinkCount(img, "/Long File Name.txt", -1)
		fatal(t, err)
		return []volume.Finding{{Code: volume.CodeLinkCount, Record: refFile(t, ref, "/Long File Name.txt").Number(), Want: 2, Got: int64(got)}}
	}},
	{name: "entry-removed-only-name", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		if err := corrupt.RemoveIndexEntry(img, "/only.txt"); err != nil {
			t.Fatal(err)
		}
		return []volume.Finding{notIndexed(t, ref, "/only.txt")}
	}},
	{name: "entry-removed-hard-link", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		if err := corrupt.RemoveIndexEntry(img, "/links/b/second.txt"); err != nil {
			t.Fatal(err)
		}
		return []volume.Finding{notIndexed(t, ref, "/links/b/second.txt")}
	}},
	{name: "entry-removed-block", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		if err := corrupt.RemoveIndexEntry(img, "/many/file123.txt"); err != nil {
			t.Fatal(err)
		}
		return []volume.Finding{notIndexed(t, ref, "/many/file123.txt")}
	}},
	{name: "indx-block-emptied", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		_, names, err := corrupt.EmptyINDXBlock(img, "/many")
		fatal(t, err)
		var fs []volume.Finding
		for _, n := range names {
			fs = append(fs, notIndexed(t, ref, "/many/"+n))
		}
		return fs
	}},
	{name: "entry-to-freed-record", gone: []string{"/only.txt"}, corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		_, err := corrupt.FreeRecord(img, "/only.txt", false)
		fatal(t, err)
		return []volume.Finding{entryFinding(t, ref, volume.CodeEntryDangling, "/only.txt")}
	}},
	{name: "entry-to-freed-record-bit-kept", gone: []string{"/only.txt"}, corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		n, err := corrupt.FreeRecord(img, "/only.txt", true)
		fatal(t, err)
		return []volume.Finding{entryFinding(t, ref, volume.CodeEntryDangling, "/only.txt"),
			{Code: volume.CodeMFTBitmap, Record: n, Want: 0, Got: 1}}
	}},
	{name: "swapped-root", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		names, err := corrupt.SwapEntries(img, "/pair", true)
		fatal(t, err)
		return []volume.Finding{{Code: volume.CodeIndexOrder, Parent: refFile(t, ref, "/pair").Number(), Name: names[1], VCN: -1}}
	}},
	{name: "swapped-block", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		names, err := corrupt.SwapEntries(img, "/many", false)
		fatal(t, err)
		return []volume.Finding{{Code: volume.CodeIndexOrder, Parent: refFile(t, ref, "/many").Number(), Name: names[1]}}
	}},
	{name: "reparse-key-missing", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		if err := corrupt.DropReparseKey(img, "/junction"); err != nil {
			t.Fatal(err)
		}
		return []volume.Finding{{Code: volume.CodeReparseKeyMissing, Record: refFile(t, ref, "/junction").Number(), Want: 0xA0000003}}
	}},
	{name: "entry-sequence", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		if err := corrupt.EntrySequence(img, "/only.txt", 1); err != nil {
			t.Fatal(err)
		}
		f := entryFinding(t, ref, volume.CodeEntrySequence, "/only.txt")
		f.Want, f.Got = int64(f.Ref.Seq()), int64(f.Ref.Seq())+1
		f.Ref = mft.MakeFileRef(f.Ref.Record(), f.Ref.Seq()+1)
		return []volume.Finding{f}
	}},
	{name: "mftmirr", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		if err := corrupt.MirrorDiffer(img); err != nil {
			t.Fatal(err)
		}
		return []volume.Finding{{Code: volume.CodeMFTMirr, Record: 0}}
	}},
	{name: "mft-bit-cleared", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		n, err := corrupt.ClearMFTBit(img, "/only.txt")
		fatal(t, err)
		return []volume.Finding{{Code: volume.CodeMFTBitmap, Record: n, Want: 1, Got: 0}}
	}},
	{name: "cluster-bit-cleared", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		lcn, err := corrupt.ClearClusterBit(img, "/big.txt")
		fatal(t, err)
		return []volume.Finding{{Code: volume.CodeClusterBitmap, LCN: lcn, Count: 1, Want: 1, Got: 0}}
	}},
	{name: "wrong-parent", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		n, err := corrupt.FileNameParent(img, "/only.txt", "/dir1")
		fatal(t, err)
		return []volume.Finding{
			{Code: volume.CodeNameNotIndexed, Record: n, Parent: refFile(t, ref, "/dir1").Number(), Name: "only.txt"},
			entryFinding(t, ref, volume.CodeEntryNoName, "/only.txt"),
		}
	}},
	{name: "entry-size", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		if err := corrupt.EntrySize(img, "/big.txt", 7); err != nil {
			t.Fatal(err)
		}
		f := entryFinding(t, ref, volume.CodeEntrySize, "/big.txt")
		f.Want, f.Got = 20000, 7
		return []volume.Finding{f}
	}},
	{name: "entry-reparse-tag", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		if err := corrupt.EntryReparseTag(img, "/junction", 0); err != nil {
			t.Fatal(err)
		}
		return []volume.Finding{entryFinding(t, ref, volume.CodeEntryFlags, "/junction")}
	}},
	{name: "entry-dir-flag", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		if err := corrupt.EntryDirFlag(img, "/dir1"); err != nil {
			t.Fatal(err)
		}
		return []volume.Finding{entryFinding(t, ref, volume.CodeEntryFlags, "/dir1")}
	}},
	{name: "cross-link", changed: []string{"/big2.txt"}, corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		lcn, err := corrupt.CrossLink(img, "/big.txt", "/big2.txt")
		fatal(t, err)
		a, b := refFile(t, ref, "/big.txt"), refFile(t, ref, "/big2.txt")
		sb, err := b.RawStream("")
		fatal(t, err)
		fs := []volume.Finding{{Code: volume.CodeClusterCross, Record: b.Number(), Ref: a.Ref(), LCN: lcn, Count: sb.Runs()[0].Length}}
		// big2's own clusters are left allocated to nobody; clusters past
		// big.txt's that big2 now claims may be free.
		for _, r := range sb.Runs() {
			fs = append(fs, volume.Finding{Code: volume.CodeClusterBitmap, LCN: int64(r.Start), Count: r.Length, Want: 0, Got: 1})
		}
		return fs
	}},
	// Beyond the checker's list: a record torn past saving, a name whose
	// parent is a file, a directory freed under its files.
	{name: "torn-record-garbage", gone: []string{"/dir1/dir2/deep.txt"}, corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		n, err := corrupt.TornRecordFixup(img, "/dir1/dir2/deep.txt")
		fatal(t, err)
		// The first attribute's length becomes impossible too.
		off := ref.Info().MFTCluster*int64(ref.ClusterSize()) + int64(n)*int64(ref.RecordSize())
		b, err := os.ReadFile(img)
		fatal(t, err)
		ao := off + int64(b[off+0x14]) | int64(b[off+0x15])<<8
		copy(b[ao+4:], []byte{0xff, 0xff, 0, 0})
		fatal(t, os.WriteFile(img, b, 0o644))
		return []volume.Finding{{Code: volume.CodeRecordFixup, Record: n},
			entryFinding(t, ref, volume.CodeEntryDangling, "/dir1/dir2/deep.txt")}
	}},
	{name: "parent-is-a-file", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		n, err := corrupt.FileNameParent(img, "/dir1/dir2/deep.txt", "/only.txt")
		fatal(t, err)
		return []volume.Finding{
			{Code: volume.CodeBadParent, Record: n, Parent: refFile(t, ref, "/only.txt").Number(), Name: "deep.txt"},
			entryFinding(t, ref, volume.CodeEntryNoName, "/dir1/dir2/deep.txt"),
		}
	}},
	{name: "reparse-point-freed", gone: []string{"/junction"}, corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		f := refFile(t, ref, "/junction")
		_, err := corrupt.FreeRecord(img, "/junction", false)
		fatal(t, err)
		return []volume.Finding{entryFinding(t, ref, volume.CodeEntryDangling, "/junction"),
			{Code: volume.CodeReparseKeyStale, Ref: f.Ref(), Got: 0xA0000003}}
	}},
	{name: "si-reparse-flag", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		f := refFile(t, ref, "/junction")
		// FILE_ATTRIBUTE_REPARSE_POINT cleared in $STANDARD_INFORMATION
		// (the first attribute, in the record's first sector).
		off := ref.Info().MFTCluster*int64(ref.ClusterSize()) + int64(f.Number())*int64(ref.RecordSize())
		b, err := os.ReadFile(img)
		fatal(t, err)
		ao := off + (int64(b[off+0x14]) | int64(b[off+0x15])<<8)
		if mft.AttrType(b[ao]) != mft.AttrStandardInformation {
			t.Fatalf("record %d: first attribute is %#x", f.Number(), b[ao])
		}
		vo := ao + (int64(b[ao+0x14]) | int64(b[ao+0x15])<<8)
		b[vo+0x21] &^= 0x04 // 0x400 in the u32 at 0x20
		fatal(t, os.WriteFile(img, b, 0o644))
		return []volume.Finding{{Code: volume.CodeReparseFlag, Record: f.Number(), Want: 1, Got: 0}}
	}},
	{name: "attr-order", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		n := editRecord(t, img, ref, "/only.txt", func(b []byte) {
			// The first two attributes ($STANDARD_INFORMATION, $FILE_NAME)
			// change places.
			ao := int(b[0x14]) | int(b[0x15])<<8
			l1 := int(b[ao+4]) | int(b[ao+5])<<8
			l2 := int(b[ao+l1+4]) | int(b[ao+l1+5])<<8
			first := bytes.Clone(b[ao : ao+l1])
			copy(b[ao:], b[ao+l1:ao+l1+l2])
			copy(b[ao+l2:], first)
		})
		return []volume.Finding{{Code: volume.CodeAttrOrder, Record: n, Attr: "$FILE_NAME"}}
	}},
	{name: "attr-instance", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		n := editRecord(t, img, ref, "/only.txt", func(b []byte) { b[0x28], b[0x29] = 0, 0 })
		return []volume.Finding{{Code: volume.CodeAttrInstance, Record: n, Attr: "$STANDARD_INFORMATION", Want: 0, Got: 0}}
	}},
	{name: "indx-magic", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		d := refFile(t, ref, "/many")
		s, err := d.AttrStream(mft.AttrIndexAllocation, volume.I30)
		fatal(t, err)
		off := int64(s.Runs()[0].Start) * int64(ref.ClusterSize()) // the block at VCN 0
		b, err := os.ReadFile(img)
		fatal(t, err)
		copy(b[off:], "XNDX")
		fatal(t, os.WriteFile(img, b, 0o644))
		return []volume.Finding{{Code: volume.CodeIndexCorrupt, Parent: d.Number(), Offset: off}}
	}},
	{name: "index-bitmap-bit", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		d := refFile(t, ref, "/many")
		n := editRecord(t, img, ref, "/many", func(b []byte) {
			// Clear the last set bit of the $I30 $BITMAP (resident).
			for ao := int(b[0x14]) | int(b[0x15])<<8; ao+8 < len(b); {
				typ := mft.AttrType(uint32(b[ao]) | uint32(b[ao+1])<<8 | uint32(b[ao+2])<<16 | uint32(b[ao+3])<<24)
				l := int(b[ao+4]) | int(b[ao+5])<<8
				if typ == mft.AttrEnd || l == 0 {
					break
				}
				if typ == mft.AttrBitmap && b[ao+8] == 0 {
					vo := ao + (int(b[ao+0x14]) | int(b[ao+0x15])<<8)
					vl := int(b[ao+0x10]) | int(b[ao+0x11])<<8
					for i := vl - 1; i >= 0; i-- {
						if c := b[vo+i]; c != 0 {
							for k := 7; k >= 0; k-- {
								if c&(1<<k) != 0 {
									b[vo+i] &^= 1 << k
									return
								}
							}
						}
					}
				}
				ao += l
			}
			t.Fatal("no resident $BITMAP with a bit set")
		})
		return []volume.Finding{{Code: volume.CodeIndexBitmap, Parent: n, Record: d.Number(), Want: 1, Got: 0}}
	}},
	{name: "index-bitmap-missing", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		d := refFile(t, ref, "/many")
		editRecord(t, img, ref, "/many", func(b []byte) {
			// The $I30 $BITMAP's type becomes an unused one ($LOGGED_UTILITY_STREAM
			// keeps the record decodable, sorted and named).
			for ao := int(b[0x14]) | int(b[0x15])<<8; ao+8 < len(b); {
				typ := mft.AttrType(uint32(b[ao]) | uint32(b[ao+1])<<8 | uint32(b[ao+2])<<16 | uint32(b[ao+3])<<24)
				l := int(b[ao+4]) | int(b[ao+5])<<8
				if typ == mft.AttrEnd || l == 0 {
					break
				}
				if typ == mft.AttrBitmap {
					b[ao], b[ao+1] = 0x00, 0x01 // 0x100
					return
				}
				ao += l
			}
			t.Fatal("no $BITMAP")
		})
		return []volume.Finding{{Code: volume.CodeIndexBitmap, Parent: d.Number(), Record: d.Number(), VCN: -1}}
	}},
	{name: "boot-backup", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		b, err := os.ReadFile(img)
		fatal(t, err)
		off := int64(len(b)) - 512 // mkntfs puts the backup in the image's last sector
		b[off+0x48] ^= 0xff        // a byte of the volume serial number
		fatal(t, os.WriteFile(img, b, 0o644))
		return []volume.Finding{{Code: volume.CodeBootBackup, Offset: off}}
	}},
	{name: "security-id", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		fatal(t, corrupt.SecurityID(img, "/$UpCase", 0xABCDE))
		return []volume.Finding{{Code: volume.CodeSecurityID, Record: mft.RecordUpCase, Got: 0xABCDE}}
	}},
	{name: "attr-instance-repeated", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		fatal(t, corrupt.AttrInstance(img, "/only.txt"))
		return []volume.Finding{{Code: volume.CodeAttrInstance, Record: refFile(t, ref, "/only.txt").Number()}}
	}},
	{name: "record-number", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		n := editRecord(t, img, ref, "/only.txt", func(b []byte) { binary.LittleEndian.PutUint32(b[0x2C:], 12345) })
		return []volume.Finding{{Code: volume.CodeRecordNumber, Record: n, Want: int64(n), Got: 12345}}
	}},
	{name: "dir-flag-on-file", corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		n := editRecord(t, img, ref, "/only.txt", func(b []byte) { b[0x16] |= byte(mft.RecordDirectory) })
		return []volume.Finding{{Code: volume.CodeDirFlag, Record: n, Want: 0, Got: 1}}
	}},
	{name: "record-signature", gone: []string{"/dir1/dir2/deep.txt"}, corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		n := editRecord(t, img, ref, "/dir1/dir2/deep.txt", func([]byte) {})
		off := ref.Info().MFTCluster*int64(ref.ClusterSize()) + int64(n)*int64(ref.RecordSize())
		b, err := os.ReadFile(img)
		fatal(t, err)
		copy(b[off:], "BAAD") // what Windows writes over a record that failed its check
		fatal(t, os.WriteFile(img, b, 0o644))
		return []volume.Finding{{Code: volume.CodeRecordHeader, Record: n},
			entryFinding(t, ref, volume.CodeEntryDangling, "/dir1/dir2/deep.txt")}
	}},
	{name: "parent-freed", gone: []string{"/dir1/dir2"}, moved: map[string]string{"/dir1/dir2/deep.txt": "/found.000/deep.txt"},
		corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
			n, err := corrupt.FreeRecord(img, "/dir1/dir2", false)
			fatal(t, err)
			return []volume.Finding{
				entryFinding(t, ref, volume.CodeEntryDangling, "/dir1/dir2"),
				{Code: volume.CodeBadParent, Record: refFile(t, ref, "/dir1/dir2/deep.txt").Number(), Parent: n, Name: "deep.txt"},
			}
		}},
}

func openRO(img string) (*volume.Volume, error) { return volume.Open(img, volume.Options{}) }

// The combined case makes several corruptions at once (some in one
// directory); it is added at init since it uses the other cases.
func init() {
	repairCases = append(repairCases, repairCase{name: "combined", gone: []string{"/pair/b.txt"}, corrupt: func(t *testing.T, img string, ref *volume.Volume) []volume.Finding {
		// Several corruptions at once, some in the same directory.
		var fs []volume.Finding
		for _, name := range []string{"mft-bit-cleared", "link-count-high", "swapped-block", "entry-removed-only-name",
			"reparse-key-missing", "entry-dir-flag", "mftmirr", "cross-link"} {
			for _, c := range repairCases {
				if c.name == name {
					fs = append(fs, c.corrupt(t, img, ref)...)
				}
			}
		}
		_, err := corrupt.FreeRecord(img, "/pair/b.txt", true)
		fatal(t, err)
		n := refFile(t, ref, "/pair/b.txt").Number()
		return append(fs, entryFinding(t, ref, volume.CodeEntryDangling, "/pair/b.txt"),
			volume.Finding{Code: volume.CodeMFTBitmap, Record: n, Want: 0, Got: 1})
	}, changed: []string{"/big2.txt"}})
}

// editRecord changes the bytes of path's record (fixups applied) and
// protects it again; it returns the record number. The reference image's
// $MFT is contiguous.
func editRecord(t *testing.T, img string, ref *volume.Volume, path string, edit func(b []byte)) mft.RecordNumber {
	t.Helper()
	f := refFile(t, ref, path)
	rs := int64(ref.RecordSize())
	off := ref.Info().MFTCluster*int64(ref.ClusterSize()) + int64(f.Number())*rs
	b, err := os.ReadFile(img)
	fatal(t, err)
	rec := b[off : off+rs]
	fatal(t, mft.ApplyFixups(rec))
	edit(rec)
	fatal(t, mft.ProtectFixups(rec))
	fatal(t, os.WriteFile(img, b, 0o644))
	return f.Number()
}

// notIndexed is the finding for a name whose entry is missing.
func notIndexed(t *testing.T, ref *volume.Volume, p string) volume.Finding {
	t.Helper()
	dir, name := filepath.Split(p)
	return volume.Finding{Code: volume.CodeNameNotIndexed, Record: refFile(t, ref, p).Number(),
		Parent: refFile(t, ref, dir).Number(), Name: name, Path: p}
}

// entryFinding is a finding about p's entry in its parent.
func entryFinding(t *testing.T, ref *volume.Volume, c volume.Code, p string) volume.Finding {
	t.Helper()
	dir, name := filepath.Split(p)
	f := refFile(t, ref, p)
	return volume.Finding{Code: c, Parent: refFile(t, ref, dir).Number(), Name: name, Ref: f.Ref(), Path: p}
}

// repairTree is the ntfs-3g view of img with the mount point taken out of
// symlink targets.
func repairTree(t *testing.T, img string) []oracle.Entry {
	t.Helper()
	mnt := oracle.MountRO(t, img)
	tree := oracle.MountTree(t, mnt)
	for i := range tree {
		if rest, ok := strings.CutPrefix(tree[i].Symlink, mnt); ok {
			tree[i].Symlink = rest
			tree[i].Size -= int64(len(mnt))
		}
	}
	return tree
}

func TestRepairCorruptions(t *testing.T) {
	oracle.Require(t, "ntfs-3g", "fls")
	refImg := corrupt.RefImage(t)
	ref, err := volume.Open(refImg, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	want := repairTree(t, refImg)
	keep := os.Getenv("NTFSEDIT_KEEP_REPAIRED") // a directory: keep each repaired image there
	for _, tc := range repairCases {
		// "check": the checker's findings, rechecked between passes, as
		// the repair verb does; "by-code": the findings the corruption
		// implies (finding.go's fields), one pass, so that each fix is
		// tested whatever the checker reports.
		for _, mode := range []string{"check", "by-code"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				img := oracle.CopyImage(t, refImg)
				findings := tc.corrupt(t, img, ref)
				changed := map[string]string{}
				if len(tc.changed) > 0 {
					cv, err := openRO(img)
					fatal(t, err)
					for _, p := range tc.changed {
						changed[p] = fileSHA(t, cv, p)
					}
					cv.Close()
				}
				if keep != "" && mode == "check" {
					b, err := os.ReadFile(img)
					fatal(t, err)
					fatal(t, os.WriteFile(filepath.Join(keep, tc.name+".corrupt.img"), b, 0o644))
				}
				v := openRW(t, img, volume.WriteOptions{})
				var opts volume.RepairOptions
				if mode == "check" {
					findings = checkErrors(t, v)
					if len(findings) == 0 {
						t.Fatal("check finds nothing on the corrupted image")
					}
					opts.Recheck = checkAll
				}
				rep, err := volume.Repair(v, findings, opts)
				if err != nil {
					t.Fatalf("Repair: %v", err)
				}
				for _, a := range rep.Actions {
					t.Log(a)
				}
				if len(rep.Unfixed) > 0 {
					t.Errorf("unfixed: %v", rep.Unfixed)
				}
				if len(rep.Actions) == 0 {
					t.Errorf("no action for %v", findings)
				}
				if left := checkErrors(t, v); len(left) > 0 {
					t.Errorf("check after repair: %v", left)
				}
				if err := v.Close(); err != nil {
					t.Fatal(err)
				}
				if keep != "" && mode == "check" {
					b, err := os.ReadFile(img)
					fatal(t, err)
					fatal(t, os.WriteFile(filepath.Join(keep, tc.name+".img"), b, 0o644))
				}
				// The repaired image reopened: check is clean, and a repair
				// plans nothing.
				v2 := openRW(t, img, volume.WriteOptions{})
				defer v2.Close()
				if left := checkErrors(t, v2); len(left) > 0 {
					t.Errorf("check of the reopened image: %v", left)
				}
				again, err := volume.Repair(v2, checkErrors(t, v2), volume.RepairOptions{DryRun: true, Recheck: checkAll})
				fatal(t, err)
				if n := len(again.Plan.Records) + len(again.Plan.IndexBlocks) + len(again.Plan.Bitmaps); n != 0 || len(again.Actions) != 0 {
					t.Errorf("a second repair plans %d writes: %v", n, again.Actions)
				}
				// ntfs-3g sees the uncorrupted tree.
				got := repairTree(t, img)
				exp := expectTree(want, tc.gone, changed, tc.moved, got)
				if d := cmp.Diff(exp, got); d != "" {
					t.Errorf("ntfs-3g tree after repair (-want +got):\n%s", d)
				}
				// fls shows every name live, with no anomaly.
				checkFlsClean(t, img, exp)
				for _, e := range exp {
					if _, err := v2.Lookup(e.Path); err != nil {
						t.Errorf("our reader: %v", err)
					}
				}
			})
		}
	}
}

func checkAll(v *volume.Volume) ([]volume.Finding, error) {
	return volume.Check(v, volume.CheckOptions{})
}

// checkErrors is what Check reports, warnings left out.
func checkErrors(t *testing.T, v *volume.Volume) []volume.Finding {
	t.Helper()
	fs, err := checkAll(v)
	fatal(t, err)
	var out []volume.Finding
	for _, f := range fs {
		if f.Severity == volume.SevError {
			out = append(out, f)
		}
	}
	return out
}

func fileSHA(t *testing.T, v *volume.Volume, p string) string {
	t.Helper()
	s, err := refFile(t, v, p).Stream("")
	fatal(t, err)
	b, err := s.ReadAll()
	fatal(t, err)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// expectTree is want without gone, with the content of changed files
// replaced and moved files under their new names (in a directory of got's,
// /found.000).
func expectTree(want []oracle.Entry, gone []string, changed map[string]string, moved map[string]string, got []oracle.Entry) []oracle.Entry {
	var out []oracle.Entry
	if len(moved) > 0 {
		for _, e := range got {
			if e.Path == volume.FoundDir {
				out = append(out, e)
			}
		}
	}
	for _, e := range want {
		skip := false
		for _, g := range gone {
			if e.Path == g {
				skip = true
			}
		}
		if skip {
			continue
		}
		if h, ok := changed[e.Path]; ok {
			e.SHA256 = h
		}
		if p, ok := moved[e.Path]; ok {
			e.Path = p
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b oracle.Entry) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// checkFlsClean requires every path of tree to be listed live by fls, not
// "(realloc)", with the index's and the record's types agreeing.
func checkFlsClean(t *testing.T, img string, tree []oracle.Entry) {
	t.Helper()
	byPath := map[string][]oracle.FlsEntry{}
	for _, e := range oracle.Fls(t, img) {
		if e.Stream == "" {
			byPath[e.Path] = append(byPath[e.Path], e)
		}
	}
	for _, e := range tree {
		if e.Path == "/" {
			continue
		}
		es := byPath[e.Path]
		ok := false
		for _, f := range es {
			if f.Live() && !f.Realloc && f.NameType == f.MetaType && f.Record == e.Inode {
				ok = true
			}
		}
		if !ok {
			var lines []string
			for _, f := range es {
				lines = append(lines, f.Line)
			}
			t.Errorf("fls: %s (record %d): no clean live entry: %q", e.Path, e.Inode, lines)
		}
	}
}

// TestRepairCleanPlan: on a clean image (warnings aside) a repair plans
// nothing.
func TestRepairCleanPlan(t *testing.T) {
	img := oracle.CopyImage(t, corrupt.RefImage(t))
	v := openRW(t, img, volume.WriteOptions{})
	defer v.Close()
	if left := checkErrors(t, v); len(left) > 0 {
		t.Fatalf("the reference image does not check clean: %v", left)
	}
	all, err := checkAll(v) // warnings (stale sizes of system files) included
	fatal(t, err)
	rep, err := volume.Repair(v, all, volume.RepairOptions{DryRun: true, Recheck: checkAll})
	if err != nil {
		t.Fatal(err)
	}
	empty := &volume.Plan{Records: []volume.PlanRecord{}, IndexBlocks: []volume.PlanBlock{}, Bitmaps: []volume.PlanBits{}}
	if d := cmp.Diff(empty, rep.Plan); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
	if len(rep.Actions) != 0 {
		t.Errorf("actions: %v", rep.Actions)
	}
}

// TestRepairCrash interrupts the commit of a few repairs at each of their
// device writes: after reopening (which replays the journal) the image is
// byte for byte the corrupted one (but for bytes of clusters free in it)
// or the repaired one.
func TestRepairCrash(t *testing.T) {
	oracle.Require(t, "ntfs-3g")
	refImg := corrupt.RefImage(t)
	ref, err := openRO(refImg)
	fatal(t, err)
	defer ref.Close()
	for _, name := range []string{"swapped-block", "entry-to-freed-record-bit-kept", "wrong-parent", "cross-link", "torn-record-garbage", "parent-freed"} {
		var tc repairCase
		for _, c := range repairCases {
			if c.name == name {
				tc = c
			}
		}
		t.Run(name, func(t *testing.T) {
			img := oracle.CopyImage(t, refImg)
			tc.corrupt(t, img, ref)
			before, err := os.ReadFile(img)
			fatal(t, err)
			// The repaired state, and the number of writes its commit makes.
			after, writes := repairOn(t, before, -1, testutil.FailWrite)
			if bytes.Equal(before, after) || writes == 0 {
				t.Fatalf("repair changed nothing (%d writes)", writes)
			}
			if left := checkBytes(t, after); len(left) > 0 {
				t.Fatalf("check after repair: %v", left)
			}
			for _, mode := range []testutil.FaultMode{testutil.FailWrite, testutil.TearWrite} {
				for at := 0; at < writes; at += max(1, writes/6) {
					got, _ := repairOn(t, before, at, mode)
					switch {
					case bytes.Equal(got, before), bytes.Equal(got, after):
					case crashcheck.FreeOnlyDiff(before, got) == nil:
						// A crash while the commit wrote to clusters it
						// allocated, before its journal.
					default:
						t.Errorf("%v at write %d of %d: image is neither before (but for clusters free in it) nor after the repair: %v", mode, at, writes, crashcheck.FreeOnlyDiff(before, got))
					}
				}
			}
		})
	}
}

// checkBytes is checkErrors on an image in memory.
func checkBytes(t *testing.T, img []byte) []volume.Finding {
	t.Helper()
	v, err := volume.OpenOn(volume.NewMemDevice(bytes.Clone(img), 512), volume.Options{})
	fatal(t, err)
	defer v.Close()
	return checkErrors(t, v)
}

// repairOn repairs a copy of img on a device that fails at write failAt,
// then reopens it (replaying the journal) and returns its bytes and the
// writes the repair made.
func repairOn(t *testing.T, img []byte, failAt int, mode testutil.FaultMode) ([]byte, int) {
	t.Helper()
	b := bytes.Clone(img)
	now := func() time.Time { return time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) }
	j := testutil.NewMemJournal()
	dev := &testutil.FaultDevice{Inner: volume.NewMemDevice(b, 512), FailAt: failAt, Mode: mode}
	v, err := volume.OpenWritableOn(dev, volume.Options{}, volume.WriteOptions{Journal: j, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	findings, err := checkAll(v) // the checker's, as the repair verb does
	fatal(t, err)
	_, rerr := volume.Repair(v, findings, volume.RepairOptions{Recheck: checkAll})
	if failAt < 0 && rerr != nil {
		t.Fatalf("Repair: %v", rerr)
	}
	writes := dev.Writes()
	// v is dropped without Close, as a crashed process would.
	j.Revive()
	v2, err := volume.OpenWritableOn(volume.NewMemDevice(b, 512), volume.Options{}, volume.WriteOptions{Journal: j, Now: now})
	if err != nil {
		t.Fatalf("reopen after crash at %d: %v", failAt, err)
	}
	v2.Close()
	return b, writes
}

// TestRepairRemoveBrokenLinks: with RemoveBrokenLinks the links the
// auditor finds broken are removed, the others kept, as ntfs-3g sees it.
func TestRepairRemoveBrokenLinks(t *testing.T) {
	oracle.Require(t, "ntfs-3g")
	img := freshImage(t, 8<<20)
	v := openRW(t, img, volume.WriteOptions{})
	err := v.Update(func(tx *volume.Tx) error {
		for _, f := range []func() error{
			func() error { return tx.Mkdir("/d") },
			func() error { return tx.Create("/d/a.txt", strings.NewReader("a")) },
			func() error { return tx.Junction("/dead-junction", `C:\nowhere`) },
			func() error { return tx.Junction("/good-junction", `C:\d`) },
			func() error { return tx.Symlink("/d/dead-link", `missing.txt`, volume.SymlinkOptions{}) },
			func() error { return tx.Symlink("/d/good-link", `a.txt`, volume.SymlinkOptions{}) },
		} {
			if err := f(); err != nil {
				return err
			}
		}
		return nil
	})
	fatal(t, err)
	broken := func(v *volume.Volume) ([]volume.AuditFinding, error) {
		return volume.BrokenLinks(v, "/", volume.AuditOptions{Drive: "C:"})
	}
	if _, err := volume.Repair(v, nil, volume.RepairOptions{RemoveBrokenLinks: true}); !errors.Is(err, volume.ErrNoAudit) {
		t.Errorf("RemoveBrokenLinks without a hook: %v, want ErrNoAudit", err)
	}
	rep, err := volume.Repair(v, nil, volume.RepairOptions{RemoveBrokenLinks: true, BrokenLinks: broken})
	fatal(t, err)
	var removed []string
	for _, a := range rep.Actions {
		removed = append(removed, a.Action+" "+a.Path)
	}
	if d := cmp.Diff([]string{"remove-link /d/dead-link", "remove-link /dead-junction"}, removed); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	fatal(t, v.Close())
	var got []string
	for _, e := range repairTree(t, img) {
		got = append(got, e.Path)
	}
	want := []string{"/", "/d", "/d/a.txt", "/d/good-link", "/good-junction"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ntfs-3g tree (-want +got):\n%s", d)
	}
}

// TestRepairAttrList frees an extension record of the interop image's
// 45-link file (the list then names a record not in use) and, separately,
// makes an extension record that no list names: repair takes the first
// back and frees the second; ntfs-3g sees the tree as before.
func TestRepairAttrList(t *testing.T) {
	oracle.Require(t, "ntfs-3g")
	src := oracle.Image(t, "fixtures/mkinterop.sh")
	const p = "/many-links/hardlink-number-00-with-a-long-name.txt"
	ref, err := openRO(src)
	fatal(t, err)
	f := refFile(t, ref, p)
	base := f.Number()
	var exts []mft.RecordNumber
	for n := base + 1; n < base+64; n++ {
		if r, err := ref.Record(n); err == nil && r.InUse() && r.Base.Record() == base {
			exts = append(exts, n)
		}
	}
	ref.Close()
	if len(exts) == 0 {
		t.Fatalf("%s (record %d) has no extension record", p, base)
	}
	want := repairTree(t, src)
	t.Run("extension-freed", func(t *testing.T) {
		repairAttrList(t, src, want, nil, []string{"reclaim-extension"}, func(img string) {
			fatal(t, corrupt.FreeRecordNumber(img, exts[0], false))
		})
	})
	// The base record freed: its extension records belong to nobody, its
	// 45 names are dangling entries.
	t.Run("base-freed", func(t *testing.T) {
		var gone []string
		for _, e := range want {
			if e.Inode == uint64(base) {
				gone = append(gone, e.Path)
			}
		}
		acts := []string{}
		for range gone {
			acts = append(acts, "drop-entry")
		}
		for range exts {
			acts = append(acts, "free-extension")
		}
		repairAttrList(t, src, want, gone, acts, func(img string) {
			_, err := corrupt.FreeRecord(img, p, false)
			fatal(t, err)
		})
	})
}

// repairAttrList corrupts a copy of src, repairs it from the checker's
// findings and compares the actions (in any order, bitmap fixes left out)
// and ntfs-3g's tree (want without gone).
func repairAttrList(t *testing.T, src string, want []oracle.Entry, gone, wantActs []string, mess func(img string)) {
	t.Helper()
	img := oracle.CopyImage(t, src)
	mess(img)
	v := openRW(t, img, volume.WriteOptions{})
	fs := checkErrors(t, v)
	if len(fs) == 0 {
		t.Fatal("check finds nothing")
	}
	rep, err := volume.Repair(v, fs, volume.RepairOptions{Recheck: checkAll})
	fatal(t, err)
	acts := []string{}
	for _, a := range rep.Actions {
		t.Log(a)
		if a.Action != "bitmap" {
			acts = append(acts, a.Action)
		}
	}
	slices.Sort(acts)
	slices.Sort(wantActs)
	if d := cmp.Diff(wantActs, acts); d != "" {
		t.Errorf("actions (-want +got):\n%s", d)
	}
	if left := checkErrors(t, v); len(left) > 0 {
		t.Errorf("check after repair: %v", left)
	}
	fatal(t, v.Close())
	if d := cmp.Diff(expectTree(want, gone, nil, nil, nil), repairTree(t, img)); d != "" {
		t.Errorf("ntfs-3g tree after repair (-want +got):\n%s", d)
	}
}
