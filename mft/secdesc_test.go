package mft

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSIDString(t *testing.T) {
	tests := []struct {
		in         string // hex
		str, sddl  string
		wantLength int
	}{
		{"010100000000000512000000", "S-1-5-18", "SY", 12},
		{"01020000000000052000000020020000", "S-1-5-32-544", "BA", 16},
		{"010100000000000100000000", "S-1-1-0", "WD", 12},
		{"010100000000000000000000", "S-1-0-0", "S-1-0-0", 12},
		{"010000000000000a", "S-1-10", "S-1-10", 8},
		{"0105000000000005150000004de640bbd6872723f76d961be02e0000",
			"S-1-5-21-3141592653-589793238-462843383-12000", "S-1-5-21-3141592653-589793238-462843383-12000", 28},
		{"0101010203040506ffffffff", "S-1-0x010203040506-4294967295", "S-1-0x010203040506-4294967295", 12},
		{"010100000000001000300000", "S-1-16-12288", "HI", 12},
	}
	for _, tt := range tests {
		b := unhex(t, tt.in)
		s, n, err := DecodeSID(append(b, 0xEE)) // trailing bytes are not part of the SID
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if n != tt.wantLength || s.Len() != n {
			t.Errorf("%s: length %d (Len %d), want %d", tt.in, n, s.Len(), tt.wantLength)
		}
		if got := s.String(); got != tt.str {
			t.Errorf("%s: String = %q, want %q", tt.in, got, tt.str)
		}
		if got := s.SDDL(); got != tt.sddl {
			t.Errorf("%s: SDDL = %q, want %q", tt.in, got, tt.sddl)
		}
		enc, err := s.AppendBinary(nil)
		if err != nil || !bytes.Equal(enc, b) {
			t.Errorf("%s: AppendBinary = %x, %v", tt.in, enc, err)
		}
	}
}

func TestDecodeSIDErrors(t *testing.T) {
	for _, in := range []string{"", "0101000000", "0110000000000005", "01020000000000052000000020"} {
		if _, _, err := DecodeSID(unhex(t, in)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%q: err = %v, want ErrCorrupt", in, err)
		}
	}
	if _, err := (SID{Revision: 1, SubAuthorities: make([]uint32, 16)}).AppendBinary(nil); err == nil {
		t.Error("16 sub-authorities encoded")
	}
}

func TestAccessMaskSDDL(t *testing.T) {
	tests := []struct {
		m    AccessMask
		want string
	}{
		{0x1F01FF, "FA"}, {0x120089, "FR"}, {0x120116, "FW"}, {0x1200A0, "FX"},
		{0x10000000, "GA"}, {0xA0010000, "SDGXGR"}, {0xE0010000, "SDGXGWGR"},
		{0x1301BF, "0x1301bf"}, {0x1200A9, "0x1200a9"}, {0x30, "RPWP"}, {0x20000, "RC"},
		{0, "0x0"}, {0x01000000, "0x1000000"},
	}
	for _, tt := range tests {
		if got := tt.m.SDDL(); got != tt.want {
			t.Errorf("0x%x: SDDL = %q, want %q", uint32(tt.m), got, tt.want)
		}
	}
}

// sdVectors are descriptors made by other implementations, with the
// hash ntfssecaudit computed for them and their SDDL.
var sdVectors = []struct {
	name, hex string
	hash      uint32 // ntfssecaudit's "Computed hash"
	sddl      string
	order     []SDPart
}{
	{
		// ntfs-3g -o permissions, chmod 600: DACL, owner, group
		name: "ntfs-3g chmod 600",
		hex: "010004908c0000009c00000000000000140000000200780005000000000418009f011f000102000000000005200000002002000000" +
			"0418008800120001020000000000052000000020020000000414008800120001010000000000010000000000041800bf011f0001020000" +
			"00000005200000002002000000041400bf011f000101000000000005120000000102000000000005200000002002000001020000000000" +
			"052000000020020000",
		sddl:  "O:BAG:BAD:P(A;NP;0x1f019f;;;BA)(A;NP;0x120088;;;BA)(A;NP;0x120088;;;WD)(A;NP;0x1f01bf;;;BA)(A;NP;0x1f01bf;;;SY)",
		order: []SDPart{PartDACL, PartOwner, PartGroup},
	},
	{
		// ntfs-3g, owner uid 1000: a domain SID
		name: "ntfs-3g uid 1000",
		hex: "01000490800000009c000000000000001400000002006c0004000000000424009f011f000105000000000005150000004de640bbd6872723" +
			"f76d961be02e0000000414008900120001010000000000010000000000041800bf011f000102000000000005200000002002000000041400" +
			"bf011f000101000000000005120000000105000000000005150000004de640bbd6872723f76d961be02e00000105000000000005150000004d" +
			"e640bbd6872723f76d961be12e0000",
		hash: 0x4da03b8f,
		sddl: "O:S-1-5-21-3141592653-589793238-462843383-12000G:S-1-5-21-3141592653-589793238-462843383-12001" +
			"D:P(A;NP;0x1f019f;;;S-1-5-21-3141592653-589793238-462843383-12000)(A;NP;FR;;;WD)(A;NP;0x1f01bf;;;BA)(A;NP;0x1f01bf;;;SY)",
		order: []SDPart{PartDACL, PartOwner, PartGroup},
	},
	{
		// Windows 10, a directory (ntfs_index.raw, security id 0x108)
		name: "Windows 10 directory",
		hex: "01000480cc000000e80000000000000014000000" + "0200b800080000000000180" + "0ff011f00010200000000000520000000200200" +
			"00000b180000000010010200000000000520000000200200000000140" + "0ff011f0001010000000000051200000000" +
			"0b140000000010010100000000000512000000000014" + "00bf011300010100000000000" + "50b000000000b1400000001e0010100" +
			"000000000" + "50b00000000001800a90012000102000000000005200000002102000000" + "0b1800000000a0010200000000000520000000" +
			"2102000001050000000000051500" + "0000acfd8b8bac96ac9d63e356cee903000001050000000000051500" + "0000acfd8b8bac96ac9d63e356ce01020000",
		hash: 0x6ffc30a0,
		sddl: "O:S-1-5-21-2341207468-2645333676-3461800803-1001G:S-1-5-21-2341207468-2645333676-3461800803-513" +
			"D:(A;;FA;;;BA)(A;OICIIO;GA;;;BA)(A;;FA;;;SY)(A;OICIIO;GA;;;SY)(A;;0x1301bf;;;AU)(A;OICIIO;SDGXGWGR;;;AU)(A;;0x1200a9;;;BU)(A;OICIIO;GXGR;;;BU)",
		order: []SDPart{PartDACL, PartOwner, PartGroup},
	},
	{
		// fixtures/mksecure.sh (accepted by ntfs-3g): owner, group, SACL with an
		// audit ACE and a mandatory label, DACL with a deny ACE
		name: "SACL",
		hex: "010014801400000024000000300000006000000001020000000000052000000020020000010100000000000512000000020030000200" +
			"000002c01400ff011f0001010000000000010000000011001400010000000101000000000010003000000200480003000000010014000000" +
			"010001010000000000010000000000131800ff011f0001020000000000052000000020020000000014008900120001010000000000050b000000",
		sddl:  "O:BAG:SYD:(D;;SD;;;WD)(A;OICIID;FA;;;BA)(A;;FR;;;AU)S:(AU;SAFA;FA;;;WD)(ML;;NW;;;HI)",
		order: []SDPart{PartOwner, PartGroup, PartSACL, PartDACL},
	},
	{
		name: "object ACE",
		hex: "0100048014000000240000000000000030000000010200000000000520000000200200000101000000000005120000000400440002000000" +
			"050028003000000001000000ba7a96bfe60dd011a28500aa003049e201010000000000050b00000000001400ff011f00010100000000000512000000",
		sddl:  "O:BAG:SYD:(OA;;RPWP;bf967aba-0de6-11d0-a285-00aa003049e2;;AU)(A;;FA;;;SY)",
		order: []SDPart{PartOwner, PartGroup, PartDACL},
	},
	{
		name:  "NULL DACL",
		hex:   "010004801400000024000000000000000000000001020000000000052000000020020000010100000000000512000000",
		sddl:  "O:BAG:SYD:NO_ACCESS_CONTROL",
		order: []SDPart{PartOwner, PartGroup},
	},
	{
		name: "protected auto-inherited",
		hex: "0100049414000000240000000000000030000000010200000000000520000000200200000101000000000005120000000200480003000000" +
			"010014000000010001010000000000010000000000131800ff011f0001020000000000052000000020020000000014008900120001010000000000050b000000",
		sddl:  "O:BAG:SYD:PAI(D;;SD;;;WD)(A;OICIID;FA;;;BA)(A;;FR;;;AU)",
		order: []SDPart{PartOwner, PartGroup, PartDACL},
	},
}

func TestDecodeSecurityDescriptor(t *testing.T) {
	for _, v := range sdVectors {
		t.Run(v.name, func(t *testing.T) {
			b := unhex(t, v.hex)
			sd, err := DecodeSecurityDescriptor(b)
			if err != nil {
				t.Fatal(err)
			}
			if got := sd.SDDL(); got != v.sddl {
				t.Errorf("SDDL\n got %s\nwant %s", got, v.sddl)
			}
			if diff := cmp.Diff(v.order, sd.Order); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			if v.hash != 0 {
				if got := SecurityHash(b); got != v.hash {
					t.Errorf("SecurityHash = 0x%08x, want 0x%08x (ntfssecaudit)", got, v.hash)
				}
			}
			enc, err := sd.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, b) {
				t.Errorf("round trip:\n got %x\nwant %x", enc, b)
			}
		})
	}
}

func TestSecurityDescriptorPaddedACL(t *testing.T) {
	// mkntfs pads the root's DACL to 4 KiB (Windows XP with garbage): Pad keeps it.
	pad := bytes.Repeat([]byte{0, 0xAB}, (0x1000-8-0x14)/2)
	sd := SecurityDescriptor{Revision: 1, Control: SESelfRelative | SEDACLPresent,
		DACL:  &ACL{Revision: 2, Pad: pad, ACEs: []ACE{{Type: ACEAccessAllowed, Mask: 0x1F01FF, SID: SID{Revision: 1, Authority: 5, SubAuthorities: []uint32{18}}}}},
		Order: []SDPart{PartDACL}}
	b, err := sd.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != sdHeaderLen+0x1000 {
		t.Fatalf("encoded %d bytes, want %d", len(b), sdHeaderLen+0x1000)
	}
	got, err := DecodeSecurityDescriptor(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sd, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDecodeSecurityDescriptorErrors(t *testing.T) {
	good := unhex(t, sdVectors[1].hex)
	tests := []struct {
		name string
		mess func(b []byte) []byte
		off  int
	}{
		{"short", func(b []byte) []byte { return b[:0x10] }, 0},
		{"owner offset outside", func(b []byte) []byte { b[4] = 0xF0; return b }, 4},
		{"DACL size too big", func(b []byte) []byte { b[0x16] = 0xFF; return b }, 0x16},
		{"ACE size zero", func(b []byte) []byte { b[0x1E], b[0x1F] = 0, 0; return b }, 0x1E},
		{"SID count", func(b []byte) []byte { b[0x81] = 0x20; return b }, 0x81},
	}
	for _, tt := range tests {
		_, err := DecodeSecurityDescriptor(tt.mess(bytes.Clone(good)))
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Errorf("%s: err = %v, want a CorruptError", tt.name, err)
			continue
		}
		if ce.Offset != tt.off {
			t.Errorf("%s: offset 0x%x, want 0x%x (%v)", tt.name, ce.Offset, tt.off, err)
		}
	}
}

func TestSDSHeader(t *testing.T) {
	b := unhex(t, "a0306ffc0801000040030000000000001c010000")
	want := SDSHeader{Hash: 0xfc6f30a0, SecurityID: 0x108, Offset: 0x340, Length: 0x11c}
	got, err := DecodeSDSHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	enc, _ := got.AppendBinary(nil)
	if !bytes.Equal(enc, b) {
		t.Errorf("round trip %x, want %x", enc, b)
	}
	if _, err := DecodeSDSHeader(b[:10]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("short header: %v", err)
	}
}

func FuzzDecodeSecurityDescriptor(f *testing.F) {
	for _, v := range sdVectors {
		f.Add(unhex(f, v.hex))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := DecodeSecurityDescriptor(b)
		if err != nil {
			return
		}
		_ = sd.SDDL()
		enc, err := sd.AppendBinary(nil)
		if err != nil {
			t.Fatalf("decoded %x but cannot encode: %v", b, err)
		}
		again, err := DecodeSecurityDescriptor(enc)
		if err != nil {
			t.Fatalf("re-decode of %x: %v", enc, err)
		}
		if diff := cmp.Diff(sd, again); diff != "" {
			t.Fatalf("re-decoded value differs (-first +second):\n%s", diff)
		}
	})
}
