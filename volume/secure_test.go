package volume_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ntfsedit/ntfsedit/internal/oracle"
	"github.com/ntfsedit/ntfsedit/mft"
	"github.com/ntfsedit/ntfsedit/volume"
)

// secauditEntry is one file of "ntfssecaudit -b VOLUME /".
type secauditEntry struct {
	path   string
	key    uint32 // 0: "none" (the file's own $SECURITY_DESCRIPTOR)
	raw    []byte
	hash   uint32
	owner  string
	group  string
	hasRaw bool
}

// secaudit runs ntfs-3g's ntfssecaudit -b on an unpartitioned volume file
// and returns every file it lists with its descriptor bytes (files whose
// key was already shown get the bytes shown for the key).
func secaudit(t *testing.T, img string) []secauditEntry {
	t.Helper()
	out, err := oracle.Output("ntfssecaudit", "-b", img, "/")
	if err != nil && len(out) == 0 {
		t.Fatal(err)
	}
	var all []secauditEntry
	byKey := map[uint32]*secauditEntry{}
	var cur *secauditEntry
	flush := func() {
		if cur == nil {
			return
		}
		if cur.hasRaw && cur.key != 0 {
			e := *cur
			byKey[cur.key] = &e
		}
		all = append(all, *cur)
		cur = nil
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "File /"), strings.HasPrefix(line, "Directory /"):
			flush()
			_, p, _ := strings.Cut(line, " ")
			cur = &secauditEntry{path: p}
		case cur == nil:
		case strings.HasPrefix(line, "Security key : "):
			f := strings.Fields(strings.TrimPrefix(line, "Security key : "))
			if f[0] != "none" {
				k, err := strconv.ParseUint(strings.TrimPrefix(f[0], "0x"), 16, 32)
				if err != nil {
					t.Fatalf("ntfssecaudit: %q: %v", line, err)
				}
				cur.key = uint32(k)
			}
		case strings.HasPrefix(line, "        0"):
			f := strings.Fields(line)
			b, err := hex.DecodeString(strings.Join(f[1:], ""))
			if err != nil {
				t.Fatalf("ntfssecaudit: %q: %v", line, err)
			}
			cur.raw = append(cur.raw, b...)
			cur.hasRaw = true
		case strings.HasPrefix(line, "Computed hash : 0x"):
			h, _ := strconv.ParseUint(strings.TrimPrefix(line, "Computed hash : 0x"), 16, 32)
			cur.hash = uint32(h)
		case strings.HasPrefix(line, "# Windows owner "):
			cur.owner = strings.TrimPrefix(line, "# Windows owner ")
		case strings.HasPrefix(line, "# Windows group "):
			cur.group = strings.TrimPrefix(line, "# Windows group ")
		}
	}
	flush()
	for i := range all {
		if e := &all[i]; !e.hasRaw && e.key != 0 {
			if k := byKey[e.key]; k != nil {
				e.raw, e.hash, e.owner, e.group, e.hasRaw = k.raw, k.hash, k.owner, k.group, true
			}
		}
	}
	return all
}

// extractPartition writes bytes [off, off+n) of img to a file of its own,
// for tools that take only a bare volume.
func extractPartition(t *testing.T, img string, off int64) string {
	t.Helper()
	b, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "volume.img")
	if err := os.WriteFile(out, b[off:], 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSecurityAgainstNtfssecaudit compares every descriptor we find
// ($Secure by security id, or the file's own $SECURITY_DESCRIPTOR) with
// the bytes, key, hash, owner and group ntfs-3g's ntfssecaudit shows, on
// an image ntfs-3g filled with -o permissions and on Windows-made images.
func TestSecurityAgainstNtfssecaudit(t *testing.T) {
	oracle.Require(t, "ntfssecaudit")
	images := []struct {
		name string
		path func(t *testing.T) string
		min  int // at least this many files with distinct descriptors
	}{
		{"ntfs-3g-permissions", func(t *testing.T) string { return oracle.Image(t, "fixtures/mksecure.sh") }, 12},
		{"win7-sample-tiny", unzipShared("SampleTinyNtfsVolume.zip", "SampleTinyNtfsVolume/partition.dd"), 2},
		{"win10-partitioned", func(t *testing.T) string {
			return extractPartition(t, gunzipShared("ntfs_index.raw.gz")(t), 128*512)
		}, 3},
		{"winxp-dftt-undel", unzipShared("dftt-7-undel-ntfs.zip", "7-undel-ntfs/7-ntfs-undel.dd"), 2},
		{"win10-go-ntfs", goNTFSImage, 2},
	}
	for _, im := range images {
		t.Run(im.name, func(t *testing.T) {
			img := im.path(t)
			v, err := volume.Open(img, volume.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			sec, err := v.Secure()
			if err != nil {
				t.Fatal(err)
			}
			entries := secaudit(t, img)
			distinct := map[string]bool{}
			exact, none := 0, 0
			for _, e := range entries {
				f, err := v.Lookup(e.path)
				if err != nil {
					t.Errorf("%s: %v", e.path, err)
					continue
				}
				s, err := v.Security(f, sec)
				if errors.Is(err, volume.ErrNoSecurity) && e.key == 0 {
					// a system file without a descriptor: ntfssecaudit
					// shows one it makes up from the file's mode
					none++
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", e.path, err)
					continue
				}
				if s.SecurityID != e.key {
					t.Errorf("%s: security id %#x, ntfssecaudit says key %#x", e.path, s.SecurityID, e.key)
				}
				if !e.hasRaw {
					t.Errorf("%s: ntfssecaudit showed no descriptor", e.path)
					continue
				}
				if !s.HashOK {
					t.Errorf("%s: $SDS hash does not match the descriptor", e.path)
				}
				d := s.Descriptor
				enc, err := d.AppendBinary(nil)
				if err != nil || !bytes.Equal(enc, s.Raw) {
					t.Errorf("%s: re-encoded descriptor differs: %x (%v)", e.path, enc, err)
				}
				distinct[string(s.Raw)] = true
				if bytes.Equal(s.Raw, e.raw) {
					exact++
					if h := mft.SecurityHash(s.Raw); h != e.hash {
						t.Errorf("%s: hash %#08x, ntfssecaudit computed %#08x", e.path, h, e.hash)
					}
				} else {
					// ntfssecaudit shows descriptors rebuilt in ntfs-3g's
					// part order (DACL, owner, group): the same values.
					theirs, err := mft.DecodeSecurityDescriptor(e.raw)
					if err != nil {
						t.Errorf("%s: ntfssecaudit's descriptor: %v", e.path, err)
						continue
					}
					theirs.Order, d.Order = nil, nil
					if diff := cmp.Diff(theirs, d); diff != "" {
						t.Errorf("%s: descriptor differs from ntfssecaudit's (-theirs +ours):\n%s", e.path, diff)
					}
				}
				if d.Owner == nil || d.Owner.String() != e.owner {
					t.Errorf("%s: owner %v, ntfssecaudit says %s", e.path, d.Owner, e.owner)
				}
				if d.Group == nil || d.Group.String() != e.group {
					t.Errorf("%s: group %v, ntfssecaudit says %s", e.path, d.Group, e.group)
				}
			}
			t.Logf("%d files: %d descriptors byte-exact with ntfssecaudit, %d system files without one, %d distinct", len(entries), exact, none, len(distinct))
			if exact < len(entries)/2 {
				t.Errorf("only %d of %d descriptors byte-exact", exact, len(entries))
			}
			if len(distinct) < im.min {
				t.Errorf("%d files, %d distinct descriptors; want at least %d", len(entries), len(distinct), im.min)
			}
		})
	}
}

// TestSecurityKinds checks the SDDL of the descriptors fixtures/mksecure.sh
// sets raw through ntfs-3g, as read back from $Secure.
func TestSecurityKinds(t *testing.T) {
	img := oracle.Image(t, "fixtures/mksecure.sh")
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	want := map[string]string{
		"/acl-deny.txt":      "O:BAG:SYD:(D;;SD;;;WD)(A;OICIID;FA;;;BA)(A;;FR;;;AU)",
		"/acl-sacl.txt":      "O:BAG:SYD:(D;;SD;;;WD)(A;OICIID;FA;;;BA)(A;;FR;;;AU)S:(AU;SAFA;FA;;;WD)(ML;;NW;;;HI)",
		"/acl-protected.txt": "O:BAG:SYD:PAI(D;;SD;;;WD)(A;OICIID;FA;;;BA)(A;;FR;;;AU)",
		"/acl-null.txt":      "O:BAG:SYD:NO_ACCESS_CONTROL",
		"/acl-object.txt":    "O:BAG:SYD:(OA;;RPWP;bf967aba-0de6-11d0-a285-00aa003049e2;;AU)(A;;FA;;;SY)",
	}
	for p, w := range want {
		f, err := v.Lookup(p)
		if err != nil {
			t.Fatal(err)
		}
		s, err := v.Security(f, nil)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got := s.Descriptor.SDDL(); got != w {
			t.Errorf("%s:\n got %s\nwant %s", p, got, w)
		}
	}
	// the root keeps mkntfs's own $SECURITY_DESCRIPTOR attribute
	root, _ := v.Root()
	if s, err := v.Security(root, nil); err != nil || s.Source != "$SECURITY_DESCRIPTOR" || s.SecurityID != 0 {
		t.Errorf("root: %+v, %v; want the $SECURITY_DESCRIPTOR attribute", s, err)
	}
	// an unknown security id
	sec, err := v.Secure()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sec.Lookup(0xFFFFFF); err == nil {
		t.Error("lookup of an unknown security id succeeded")
	}
	ids := sec.IDs()
	if len(ids) < 10 || ids[0] != 0x100 {
		t.Errorf("IDs = %v, want ≥ 10 starting at 0x100", ids)
	}
	// $SDH finds every descriptor of $SII by its hash
	for _, id := range ids {
		s, err := sec.Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		byHash, err := sec.ByHash(mft.SecurityHash(s.Raw))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(byHash, id) {
			t.Errorf("security id %d: $SDH gives %v for its hash", id, byHash)
		}
	}
}
