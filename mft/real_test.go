package mft

// Round trips on records made by implementations we did not write: Windows
// (../shared/images, see its README for provenance), mkntfs (ntfs-3g) and
// the kernel's ntfs3 driver, with The Sleuth Kit's istat as an independent
// reader of the same bytes.

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// roundTripStats counts what the byte-exact round trip relied on.
type roundTripStats struct {
	records, attrs, typed int
	staleAttrBytes        int // attributes whose unmodelled bytes are not zero
}

// checkRecord requires raw → ParseRecord → AppendBinary → ProtectFixups to
// give raw back, every typed value to decode and re-encode exactly, and every
// attribute re-encoded from its fields alone (no saved bytes) to match raw
// except in bytes the model does not cover (padding, reserved fields), which
// Windows and mkntfs leave stale.
func checkRecord(t *testing.T, n RecordNumber, raw []byte, st *roundTripStats) *Record {
	t.Helper()
	r, err := ParseRecord(raw, n)
	if err != nil {
		t.Errorf("record %d: %v", n, err)
		return nil
	}
	st.records++
	enc, err := r.AppendBinary(nil)
	if err != nil {
		t.Errorf("record %d: AppendBinary: %v", n, err)
		return nil
	}
	if err := ProtectFixups(enc); err != nil {
		t.Errorf("record %d: ProtectFixups: %v", n, err)
		return nil
	}
	if d := bytesDiff(raw, enc); d != "" {
		t.Errorf("record %d: round trip (-want +got):\n%s", n, d)
	}
	// Unused records keep whatever number their formatter left (mkntfs
	// leaves 0 in the reserved records 16-23).
	if r.HasNumber && r.InUse() && n != NoRecord && r.Number != n {
		t.Errorf("record %d: header says %d", n, r.Number)
	}
	for i := range r.Attrs {
		a := &r.Attrs[i]
		st.attrs++
		if stale := checkAttrModel(t, n, a); stale {
			st.staleAttrBytes++
		}
		if checkTypedValue(t, n, a) {
			st.typed++
		}
	}
	return r
}

// checkAttrModel encodes a from its exported fields only and compares with
// its decoded bytes, masking the bytes the model does not cover. It reports
// whether any masked byte was non-zero.
func checkAttrModel(t *testing.T, n RecordNumber, a *Attr) (stale bool) {
	t.Helper()
	bare := *a
	bare.raw, bare.runsRaw = nil, nil
	got, err := bare.AppendBinary(nil)
	if err != nil {
		t.Errorf("record %d %v: AppendBinary without saved bytes: %v", n, a.Type, err)
		return false
	}
	covered := make([]bool, a.Length)
	mark := func(from, to int) {
		for i := from; i < to && i < len(covered); i++ {
			covered[i] = true
		}
	}
	if a.NonResident {
		mark(0, 0x24)
		mark(0x28, 0x40)
		if a.HasCompressedSize {
			mark(0x40, 0x48)
		}
		mark(int(a.RunsOffset), int(a.RunsOffset)+len(a.runsRaw))
	} else {
		mark(0, 0x17)
		mark(int(a.ValueOffset), int(a.ValueOffset)+len(a.Value))
	}
	mark(int(a.NameOffset), int(a.NameOffset)+2*len(a.Name))
	want := bytes.Clone(a.raw)
	for i, c := range covered {
		if !c && want[i] != 0 {
			stale = true
			want[i] = 0
		}
	}
	if d := bytesDiff(want, got); d != "" {
		t.Errorf("record %d %v %q: encoding from fields (-want +got):\n%s", n, a.Type, a.NameString(), d)
	}
	return stale
}

// checkTypedValue decodes and re-encodes the typed value of a resident
// attribute; it reports whether a was one of the typed values.
func checkTypedValue(t *testing.T, n RecordNumber, a *Attr) bool {
	t.Helper()
	if a.NonResident {
		return false
	}
	var enc []byte
	var err error
	switch a.Type {
	case AttrStandardInformation:
		var v StandardInfo
		if v, err = DecodeStandardInfo(a.Value); err == nil {
			enc, err = v.AppendBinary(nil)
		}
	case AttrFileName:
		var v FileName
		if v, err = DecodeFileName(a.Value); err == nil {
			enc, err = v.AppendBinary(nil)
		}
	case AttrAttributeList:
		var v []AttrListEntry
		if v, err = DecodeAttrList(a.Value); err == nil {
			enc, err = AppendAttrList(nil, v)
		}
	case AttrVolumeName:
		var v []uint16
		if v, err = DecodeVolumeName(a.Value); err == nil {
			enc = AppendVolumeName(nil, v)
		}
	case AttrVolumeInformation:
		var v VolumeInfo
		if v, err = DecodeVolumeInfo(a.Value); err == nil {
			enc, err = v.AppendBinary(nil)
		}
	default:
		return false
	}
	if err != nil {
		t.Errorf("record %d %v: %v", n, a.Type, err)
		return true
	}
	if d := bytesDiff(a.Value, enc); d != "" {
		t.Errorf("record %d %v: value re-encoding (-want +got):\n%s", n, a.Type, d)
	}
	return true
}

func TestRealRecordRP(t *testing.T) {
	raw := readImage(t, sharedImage(t, "rp.bin"))
	var st roundTripStats
	r := checkRecord(t, NoRecord, raw, &st)
	if r == nil {
		return
	}
	rp := r.Find(AttrReparsePoint, nil)
	if rp == nil || rp.NonResident || len(rp.Value) < 8 {
		t.Fatalf("no resident $REPARSE_POINT in rp.bin")
	}
	if tag := le.Uint32(rp.Value); tag != 0xA000000C {
		t.Errorf("reparse tag 0x%08x, want 0xA000000C (symlink)", tag)
	}
	si, err := DecodeStandardInfo(r.Find(AttrStandardInformation, nil).Value)
	if err != nil {
		t.Fatal(err)
	}
	if si.Attributes&FileReparsePoint == 0 {
		t.Errorf("$STANDARD_INFORMATION attributes %v lack reparse-point", si.Attributes)
	}
	t.Logf("%+v", st)
}

// TestRealMFTFiles checks every FILE record of the bare Windows $MFT files.
func TestRealMFTFiles(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(filepath.Dir(sharedImage(t, "rp.bin")), "*.mft.gz"))
	if err != nil || len(paths) == 0 {
		skipOrFail(t, "no *.mft.gz images: %v", err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			var st roundTripStats
			recs := fileRecords(t, readImage(t, p))
			for _, rr := range recs {
				checkRecord(t, rr.n, rr.raw, &st)
			}
			if st.records == 0 {
				t.Fatal("no FILE records")
			}
			t.Logf("%d records, %d attributes, %d typed values; %d attributes with stale unmodelled bytes",
				st.records, st.attrs, st.typed, st.staleAttrBytes)
		})
	}
	t.Run("4k records", func(t *testing.T) {
		recs := fileRecords(t, readImage(t, sharedImage(t, "4k-large.mft.gz")))
		if len(recs[0].raw) != 4096 {
			t.Errorf("record size %d, want 4096", len(recs[0].raw))
		}
	})
}

// istatInfo is what TSK's istat prints about one record.
type istatInfo struct {
	Seq        uint16
	Links      uint16
	Dir        bool
	SIFlags    []string
	SecurityID uint32
	SITimes    []string // created, modified, MFT modified, accessed
	FileNames  []istatName
	Attrs      []istatAttr
}

type istatName struct {
	Flags       []string
	Name        string
	Parent      FileRef
	Alloc, Size int64
	Times       []string
}

type istatAttr struct {
	Type     AttrType
	ID       uint16
	Name     string
	Resident bool
	Size     int64 // value length, or data size
	InitSize int64 // non-resident only
	Clusters []LCN // non-resident only
}

var (
	istatEntryRE  = regexp.MustCompile(`^Entry: (\d+)\s+Sequence: (\d+)$`)
	istatAttrRE   = regexp.MustCompile(`^Type: \S+ \((\d+)-(\d+)\)\s+Name: (.*?)\s+(Resident|Non-Resident)\s+size: (\d+)(?:\s+init_size: (\d+))?`)
	istatParentRE = regexp.MustCompile(`^Parent MFT Entry: (\d+)\s+Sequence: (\d+)$`)
	istatSizeRE   = regexp.MustCompile(`^Allocated Size: (\d+)\s+Actual Size: (\d+)$`)
)

func runIstat(t *testing.T, img string, offset int64, n RecordNumber) istatInfo {
	t.Helper()
	out, err := exec.Command("istat", "-z", "UTC", "-o", strconv.FormatInt(offset, 10), img, strconv.FormatUint(uint64(n), 10)).CombinedOutput()
	if err != nil {
		t.Fatalf("istat %d: %v\n%s", n, err, out)
	}
	var info istatInfo
	section := ""
	var last *istatAttr
	sc := bufio.NewScanner(bytes.NewReader(out))
	atoi := func(s string) int64 { v, _ := strconv.ParseInt(s, 10, 64); return v }
	flags := func(s string) []string {
		var out []string
		for f := range strings.SplitSeq(s, ", ") {
			if f != "" {
				out = append(out, f)
			}
		}
		slices.Sort(out)
		return out
	}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " ")
		fn := func() *istatName { return &info.FileNames[len(info.FileNames)-1] }
		switch {
		case strings.HasSuffix(line, "Attribute Values:"):
			section = strings.TrimSuffix(line, " Attribute Values:")
			if section == "$FILE_NAME" {
				info.FileNames = append(info.FileNames, istatName{})
			}
		case line == "Attributes:":
			section = "attrs"
		case istatEntryRE.MatchString(line):
			info.Seq = uint16(atoi(istatEntryRE.FindStringSubmatch(line)[2]))
		case strings.HasPrefix(line, "Links: "):
			info.Links = uint16(atoi(strings.TrimPrefix(line, "Links: ")))
		case line == "Allocated Directory":
			info.Dir = true
		case strings.HasPrefix(line, "Flags: ") && section == "$STANDARD_INFORMATION":
			info.SIFlags = flags(strings.TrimPrefix(line, "Flags: "))
		case strings.HasPrefix(line, "Flags: ") && section == "$FILE_NAME":
			fn().Flags = flags(strings.TrimPrefix(line, "Flags: "))
		case strings.HasPrefix(line, "Security ID: ") && section == "$STANDARD_INFORMATION":
			info.SecurityID = uint32(atoi(strings.Fields(line)[2]))
		case strings.Contains(line, ":\t") && strings.HasSuffix(line, "(UTC)"):
			ts := line[strings.Index(line, "\t")+1:]
			if section == "$STANDARD_INFORMATION" {
				info.SITimes = append(info.SITimes, ts)
			} else if section == "$FILE_NAME" {
				fn().Times = append(fn().Times, ts)
			}
		case strings.HasPrefix(line, "Name: ") && section == "$FILE_NAME":
			fn().Name = strings.TrimPrefix(line, "Name: ")
		case istatParentRE.MatchString(line) && section == "$FILE_NAME":
			m := istatParentRE.FindStringSubmatch(line)
			fn().Parent = MakeFileRef(RecordNumber(atoi(m[1])), uint16(atoi(m[2])))
		case istatSizeRE.MatchString(line) && section == "$FILE_NAME":
			m := istatSizeRE.FindStringSubmatch(line)
			fn().Alloc, fn().Size = atoi(m[1]), atoi(m[2])
		case section == "attrs" && istatAttrRE.MatchString(line):
			m := istatAttrRE.FindStringSubmatch(line)
			a := istatAttr{Type: AttrType(atoi(m[1])), ID: uint16(atoi(m[2])), Name: m[3],
				Resident: m[4] == "Resident", Size: atoi(m[5])}
			if m[3] == "N/A" {
				a.Name = ""
			}
			if !a.Resident {
				a.InitSize = atoi(m[6])
			}
			info.Attrs = append(info.Attrs, a)
			last = &info.Attrs[len(info.Attrs)-1]
		case section == "attrs" && last != nil && !last.Resident && line != "":
			for f := range strings.FieldsSeq(line) {
				last.Clusters = append(last.Clusters, LCN(atoi(f)))
			}
		}
	}
	return info
}

// tskFlags maps TSK's flag names (tsk/fs/ntfs.c) to file attributes.
var tskFlags = map[string]FileAttributes{
	"Read Only": FileReadOnly, "Hidden": FileHidden, "System": FileSystem, "Archive": FileArchive,
	"Device": FileDevice, "Normal": FileNormal, "Temporary": FileTemporary, "Sparse": FileSparse,
	"Reparse Point": FileReparsePoint, "Compressed": FileCompressed, "Offline": FileOffline,
	"Not Content Indexed": FileNotContentIndexed, "Encrypted": FileEncrypted,
	"Directory": FileDupDirectory, "Index View": FileDupViewIndex,
}

func tskFlagNames(f FileAttributes) []string {
	var out []string
	for name, bit := range tskFlags {
		if f&bit != 0 {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func tskTime(f Filetime) string {
	return f.Time().Format("2006-01-02 15:04:05.000000000") + " (UTC)"
}

// istatView is our decoding of r in istat's terms.
//
// Two TSK 4.11 habits are mirrored here: istat prints 0 for clusters past the
// initialized size, and for a non-resident attribute with data size 0 (an
// emptied $I30 on Windows 10) it prints the allocated size.
func istatView(t *testing.T, r *Record, clusterSize int64) istatInfo {
	t.Helper()
	info := istatInfo{Seq: r.Seq, Links: r.LinkCount, Dir: r.IsDir()}
	for i := range r.Attrs {
		a := &r.Attrs[i]
		ia := istatAttr{Type: a.Type, ID: a.ID, Name: a.NameString(), Resident: !a.NonResident}
		if a.NonResident {
			ia.Size, ia.InitSize = a.DataSize, a.InitializedSize
			if a.DataSize == 0 {
				ia.Size = a.AllocatedSize
			}
			initClusters := max(1, (a.InitializedSize+clusterSize-1)/clusterSize) // istat shows at least the first
			vcn := int64(a.StartVCN)
			for _, run := range a.Runs {
				for c := range run.Length {
					switch {
					case run.Sparse: // istat lists allocated clusters only
					case vcn+c >= initClusters:
						ia.Clusters = append(ia.Clusters, 0)
					default:
						ia.Clusters = append(ia.Clusters, run.Start+LCN(c))
					}
				}
				vcn += run.Length
			}
		} else {
			ia.Size = int64(len(a.Value))
		}
		info.Attrs = append(info.Attrs, ia)
		switch {
		case a.Type == AttrStandardInformation && !a.NonResident:
			si, err := DecodeStandardInfo(a.Value)
			if err != nil {
				t.Fatal(err)
			}
			// istat names the dup-index bits only in $FILE_NAME.
			info.SIFlags = tskFlagNames(si.Attributes &^ (FileDupDirectory | FileDupViewIndex))
			info.SecurityID = si.SecurityID
			info.SITimes = []string{tskTime(si.Created), tskTime(si.Modified), tskTime(si.MFTModified), tskTime(si.Accessed)}
		case a.Type == AttrFileName && !a.NonResident:
			fn, err := DecodeFileName(a.Value)
			if err != nil {
				t.Fatal(err)
			}
			info.FileNames = append(info.FileNames, istatName{
				Flags: tskFlagNames(fn.Attributes), Name: fn.NameString(), Parent: fn.Parent,
				Alloc: fn.AllocatedSize, Size: fn.DataSize,
				Times: []string{tskTime(fn.Created), tskTime(fn.Modified), tskTime(fn.MFTModified), tskTime(fn.Accessed)},
			})
		}
	}
	return info
}

// compareIstat compares our decoding of the in-use base records among recs
// with istat's. TSK merges attributes from extension records, so records
// with an $ATTRIBUTE_LIST compare only their header and names.
func compareIstat(t *testing.T, img string, offset int64, recs map[RecordNumber]*Record, limit int) {
	t.Helper()
	var nums []RecordNumber
	for n, r := range recs {
		if r.InUse() && r.IsBase() && int(n) < limit {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	out, err := exec.Command("fsstat", "-o", strconv.FormatInt(offset, 10), img).Output()
	m := regexp.MustCompile(`(?m)^Cluster Size: (\d+)$`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("fsstat: %v", err)
	}
	clusterSize, _ := strconv.ParseInt(string(m[1]), 10, 64)
	for _, n := range nums {
		r := recs[n]
		got := istatView(t, r, clusterSize)
		want := runIstat(t, img, offset, n)
		if r.Find(AttrAttributeList, nil) != nil {
			got.Attrs, want.Attrs = nil, nil
			got.FileNames, want.FileNames = nil, nil // istat shows those of the extension records too
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("record %d: istat vs ours (-istat +ours):\n%s", n, diff)
		}
	}
	if len(nums) == 0 {
		t.Errorf("no in-use records compared")
	}
}

// volumeMFT extracts $MFT (record 0's $DATA) from an image with TSK's icat.
func volumeMFT(t *testing.T, img string, offset int64) []byte {
	t.Helper()
	out, err := exec.Command("icat", "-o", strconv.FormatInt(offset, 10), img, "0").Output()
	if err != nil {
		t.Fatalf("icat %s 0: %v", img, err)
	}
	return out
}

func checkVolume(t *testing.T, img string, offset int64) map[RecordNumber]*Record {
	t.Helper()
	var st roundTripStats
	recs := map[RecordNumber]*Record{}
	for _, rr := range fileRecords(t, volumeMFT(t, img, offset)) {
		if r := checkRecord(t, rr.n, rr.raw, &st); r != nil {
			recs[rr.n] = r
		}
	}
	t.Logf("%d records, %d attributes, %d typed values; %d attributes with stale unmodelled bytes",
		st.records, st.attrs, st.typed, st.staleAttrBytes)
	return recs
}

// TestMkntfs formats a fresh volume with ntfs-3g's mkntfs and checks its
// records against the round trip, known facts about a new volume and istat.
func TestMkntfs(t *testing.T) {
	for _, tool := range []string{"mkntfs", "icat", "istat", "fsstat"} {
		requireTool(t, tool)
	}
	img := filepath.Join(t.TempDir(), "x.img")
	if err := os.WriteFile(img, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 16<<20); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mkntfs", "-F", "-f", "-q", img).CombinedOutput(); err != nil {
		t.Fatalf("mkntfs: %v\n%s", err, out)
	}
	recs := checkVolume(t, img, 0)

	root := recs[RecordRoot]
	if root == nil || !root.IsDir() || root.Seq != 5 {
		t.Fatalf("root record: %+v", root)
	}
	fn, err := DecodeFileName(root.Find(AttrFileName, nil).Value)
	if err != nil {
		t.Fatal(err)
	}
	wantFN := struct {
		Name      string
		Parent    FileRef
		Namespace Namespace
		Dir       bool
	}{".", MakeFileRef(RecordRoot, 5), NamespaceWin32DOS, true}
	gotFN := wantFN
	gotFN.Name, gotFN.Parent, gotFN.Namespace, gotFN.Dir = fn.NameString(), fn.Parent, fn.Namespace, fn.IsDir()
	if diff := cmp.Diff(wantFN, gotFN); diff != "" {
		t.Errorf("root $FILE_NAME (-want +got):\n%s", diff)
	}
	if i30 := root.Find(AttrIndexRoot, NameUnits("$I30")); i30 == nil {
		t.Errorf("root has no $INDEX_ROOT $I30")
	}

	vol := recs[RecordVolume]
	vi, err := DecodeVolumeInfo(vol.Find(AttrVolumeInformation, nil).Value)
	if err != nil {
		t.Fatal(err)
	}
	if vi.Major != 3 || vi.Minor != 1 {
		t.Errorf("$VOLUME_INFORMATION version %d.%d, want 3.1", vi.Major, vi.Minor)
	}
	// mkntfs stamps every system file with the time it ran.
	si, err := DecodeStandardInfo(recs[RecordMFT].Find(AttrStandardInformation, nil).Value)
	if err != nil {
		t.Fatal(err)
	}
	if age := time.Since(si.Created.Time()); age < -time.Minute || age > time.Hour {
		t.Errorf("$MFT created %v, %v ago", si.Created, age)
	}
	mftData := recs[RecordMFT].Find(AttrData, nil)
	if mftData == nil || !mftData.NonResident || mftData.DataSize%1024 != 0 {
		t.Errorf("$MFT $DATA: %+v", mftData)
	}

	compareIstat(t, img, 0, recs, 1<<30)
}

// gunzipTemp writes a gzipped shared image to a temporary file for the tools.
func gunzipTemp(t *testing.T, name string) string {
	t.Helper()
	b := readImage(t, sharedImage(t, name))
	p := filepath.Join(t.TempDir(), strings.TrimSuffix(name, ".gz"))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRealVolumes: whole volumes from Windows 10 (partitioned, NTFS at LBA
// 128) and from mkntfs + the kernel's ntfs3 (record 27 with 100 hard links
// and a non-resident $ATTRIBUTE_LIST).
func TestRealVolumes(t *testing.T) {
	for _, tool := range []string{"icat", "istat", "fsstat"} {
		requireTool(t, tool)
	}
	t.Run("ntfs_index (Windows 10)", func(t *testing.T) {
		img := gunzipTemp(t, "ntfs_index.raw.gz")
		recs := checkVolume(t, img, 128)
		name, err := DecodeVolumeName(recs[RecordVolume].Find(AttrVolumeName, nil).Value)
		if err != nil {
			t.Fatal(err)
		}
		if NameString(name) != "Test index" {
			t.Errorf("volume name %q, want %q", NameString(name), "Test index")
		}
		compareIstat(t, img, 128, recs, 64)
	})
	t.Run("ntfs3_attrlist (mkntfs + ntfs3)", func(t *testing.T) {
		img := gunzipTemp(t, "ntfs3_attrlist.raw.gz")
		recs := checkVolume(t, img, 0)
		compareIstat(t, img, 0, recs, 64)

		r := recs[27]
		al := r.Find(AttrAttributeList, nil)
		if al == nil || !al.NonResident {
			t.Fatalf("record 27 has no non-resident $ATTRIBUTE_LIST")
		}
		value, err := exec.Command("icat", img, "27-32").Output()
		if err != nil {
			t.Fatalf("icat 27-32: %v", err)
		}
		if int64(len(value)) != al.DataSize {
			t.Fatalf("icat gave %d bytes, data size %d", len(value), al.DataSize)
		}
		entries, err := DecodeAttrList(value)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := AppendAttrList(nil, entries)
		if err != nil {
			t.Fatal(err)
		}
		if d := bytesDiff(value, enc); d != "" {
			t.Errorf("$ATTRIBUTE_LIST re-encoding (-want +got):\n%s", d)
		}
		// Ground truth: 100 hard links, each a $FILE_NAME in the list,
		// and every entry points at a record that holds that attribute.
		var names []string
		for _, e := range entries {
			if e.Type != AttrFileName {
				continue
			}
			holder := recs[e.Ref.Record()]
			if holder == nil || holder.Seq != e.Ref.Seq() {
				t.Errorf("entry %v id %d: record %v not found", e.Type, e.ID, e.Ref)
				continue
			}
			var found *Attr
			for i := range holder.Attrs {
				if holder.Attrs[i].Type == e.Type && holder.Attrs[i].ID == e.ID {
					found = &holder.Attrs[i]
				}
			}
			if found == nil {
				t.Errorf("entry %v id %d: not in record %v", e.Type, e.ID, e.Ref)
				continue
			}
			fn, err := DecodeFileName(found.Value)
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, fn.NameString())
		}
		var want []string
		for i := 1; i <= 100; i++ {
			want = append(want, fmt.Sprintf("%d.txt", i))
		}
		slices.Sort(names)
		slices.Sort(want)
		if diff := cmp.Diff(want, names); diff != "" {
			t.Errorf("hard link names (-want +got):\n%s", diff)
		}
		if r.LinkCount != 100 {
			t.Errorf("link count %d, want 100", r.LinkCount)
		}
	})
}
