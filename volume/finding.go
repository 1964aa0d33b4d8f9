package volume

import (
	"fmt"
	"strings"

	"github.com/ntfsedit/ntfsedit/mft"
)

// A Code names one kind of inconsistency found by the checker. Codes are
// stable: scripts match on them, and the repairer chooses its fix by them.
type Code string

// The checker's codes. A finding's fields that matter for a code are listed
// with it; Record is always the record the finding is about when there is
// one.
const (
	// Boot sector and mirror.
	CodeBootInvalid    Code = "boot-invalid"     // Offset
	CodeBootBackup     Code = "boot-backup"      // the backup boot sector differs; Offset of the backup
	CodeMFTMirr        Code = "mftmirr-mismatch" // Record (0..n) differs from its $MFTMirr copy
	CodeMFTMirrMissing Code = "mftmirr-missing"  // $MFTMirr unreadable or too short

	// File records.
	CodeRecordFixup     Code = "record-fixup"     // torn write: a sector's update sequence number differs; Record, Offset
	CodeRecordHeader    Code = "record-header"    // bad magic, sizes, offsets; Record, Offset
	CodeRecordNumber    Code = "record-number"    // the header's record number (0x2C) is another's; Record, Offset, Want, Got
	CodeDirFlag         Code = "record-dir-flag"  // directory flag vs a $I30 $INDEX_ROOT; Record, Offset, Want (1: the record has one), Got (1: flag set)
	CodeAttrOrder       Code = "attr-order"       // attributes not sorted by type then name; Record, Attr
	CodeAttrInstance    Code = "attr-instance"    // duplicate instance, or instance ≥ next instance; Record, Attr
	CodeAttrCorrupt     Code = "attr-corrupt"     // an attribute or its value cannot be decoded; Record, Attr
	CodeLinkCount       Code = "link-count"       // header link count differs; Record, Want, Got
	CodeAttrListCorrupt Code = "attrlist-corrupt" // $ATTRIBUTE_LIST names a missing or foreign extension record; Record, Ref. Record is the base and Ref the record its list names, or (an extension record whose base is not in use, or that no list names: a warning) Record is the extension and Ref its base

	// Names and directory indexes. Parent is the directory record, Name the
	// name as stored, Ref the file reference an index entry holds. For the
	// findings about an index entry (entry-*, index-*) Record is the
	// directory too, and VCN the INDX block holding the entry (-1: the
	// $INDEX_ROOT).
	CodeNameNotIndexed Code = "name-not-indexed" // a $FILE_NAME has no entry in its parent's $I30; Record, Parent, Name
	CodeBadParent      Code = "name-bad-parent"  // a $FILE_NAME's parent is not an in-use directory; Record, Parent, Name
	CodeEntryDangling  Code = "entry-dangling"   // an entry points to a record not in use; Parent, Name, Ref
	CodeEntrySequence  Code = "entry-sequence"   // an entry's sequence number differs from the record's; Parent, Name, Ref, Want, Got
	CodeEntryNoName    Code = "entry-no-name"    // an entry's record (in use) has no such $FILE_NAME; Parent, Name, Ref
	CodeEntryFlags     Code = "entry-flags"      // directory flag or reparse tag in the entry's $FILE_NAME copy wrong; Parent, Name, Ref, Want, Got; Attr says which: "directory" (0x10000000 in the file attributes), "reparse-point" (0x400), "reparse-tag" (the tag at 0x3C)
	CodeEntrySize      Code = "entry-size"       // data size in the entry's $FILE_NAME copy differs; Parent, Name, Ref, Want, Got; a warning for metadata files and hard-linked files (Windows leaves those stale), else an error
	CodeIndexOrder     Code = "index-order"      // entries out of $UpCase collation order; Parent, Name, VCN (-1 = root)
	CodeIndexFixup     Code = "index-fixup"      // torn INDX block; Parent, VCN, Offset
	CodeIndexCorrupt   Code = "index-corrupt"    // INDX block or $INDEX_ROOT undecodable, or the tree unwalkable (loop, sub-node outside $INDEX_ALLOCATION); Parent, VCN, Offset
	CodeIndexBitmap    Code = "index-bitmap"     // index $BITMAP bit vs block in use; Parent, VCN, Want, Got (1/0); Want 0: a block marked in use that no entry leads to; VCN -1: the $BITMAP itself is missing or short

	// Allocation.
	CodeMFTBitmap     Code = "mft-bitmap"     // $MFT:$BITMAP bit vs record in-use flag; Record, Want, Got (1/0); a bit set for a free record is a warning (space lost)
	CodeClusterBitmap Code = "cluster-bitmap" // $Bitmap bit vs clusters in use; LCN, Count, Want, Got (1/0); allocated clusters nobody uses (Want 0) are a warning
	CodeClusterCross  Code = "cluster-cross"  // two attributes claim a cluster; Record, Ref (the other record), LCN, Count (both are base records)

	// Reparse points and security.
	CodeReparseFlag       Code = "reparse-flag"        // $REPARSE_POINT vs FILE_ATTRIBUTE_REPARSE_POINT disagree; Record, Want, Got
	CodeReparseKeyMissing Code = "reparse-key-missing" // no $Extend\$Reparse key for a reparse point; Record, Want (tag)
	CodeReparseKeyStale   Code = "reparse-key-stale"   // a $Reparse key for a record without that reparse point; Record ($Reparse's record), Ref (the key's reference), Got (tag)
	CodeSecurityID        Code = "security-id"         // $STANDARD_INFORMATION security id not in $Secure; Record, Got
)

// Severity says how bad a finding is.
type Severity uint8

const (
	// SevError is an inconsistency chkdsk would fix.
	SevError Severity = iota
	// SevWarning is a deviation Windows tolerates (a space leak, a stale
	// size whose cause we could not verify); it is reported but does not
	// make the volume unclean.
	SevWarning
	// SevNote is what Windows itself leaves on every volume it writes (the
	// stale sizes in the directory entries of its metadata files and of
	// the other names of a hard-linked file). `check` lists notes only with
	// --all.
	SevNote
)

var severityNames = [...]string{SevError: "error", SevWarning: "warning", SevNote: "note"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// MarshalText makes Severity encode as its name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// A Finding is one inconsistency, located. Only the fields listed with its
// Code are meaningful; the others are zero and omitted from JSON, except
// Record, which is always present because record 0 ($MFT) is a real record.
type Finding struct {
	Code     Code             `json:"code"`
	Severity Severity         `json:"severity"`
	Record   mft.RecordNumber `json:"record"`
	Parent   mft.RecordNumber `json:"parent,omitempty"`
	Ref      mft.FileRef      `json:"ref,omitempty"`
	Name     string           `json:"name,omitempty"`
	Attr     string           `json:"attr,omitempty"`
	VCN      int64            `json:"vcn,omitempty"` // omitted from JSON when 0, the first INDX block
	LCN      int64            `json:"lcn,omitempty"`
	Count    int64            `json:"count,omitempty"`
	Offset   int64            `json:"offset,omitempty"` // byte offset in the volume, when known
	Path     string           `json:"path,omitempty"`   // a path of Record (or Parent), when one resolves
	Want     int64            `json:"want,omitempty"`
	Got      int64            `json:"got,omitempty"`
	Message  string           `json:"message"`
}

// String formats a finding as one line: "code: record N: message (path)".
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(string(f.Code))
	b.WriteString(": ")
	if f.Severity != SevError {
		b.WriteString(f.Severity.String())
		b.WriteString(": ")
	}
	b.WriteString(f.Message)
	if f.Path != "" {
		fmt.Fprintf(&b, " (%s)", f.Path)
	}
	return b.String()
}
