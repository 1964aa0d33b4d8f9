package mft

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Self-relative security descriptors (MS-DTYP 2.4.6), as stored in
// $Secure:$SDS and in the $SECURITY_DESCRIPTOR (0x50) attribute of old
// volumes:
//
//	0x00 revision u8 (1) | 0x01 Sbz1 u8 | 0x02 control u16
//	0x04 owner offset u32 | 0x08 group offset u32 | 0x0C SACL offset u32 | 0x10 DACL offset u32
//	(offsets from the start of the descriptor, 0 = absent), then the parts
//
// ACL (MS-DTYP 2.4.5): revision u8 | Sbz1 u8 | size u16 (the whole ACL,
// header included) | ACE count u16 | Sbz2 u16, then the ACEs.
// ACE (MS-DTYP 2.4.4): type u8 | flags u8 | size u16, then the body:
// mask u32 + SID, or for object ACEs mask u32 + object flags u32 + the
// GUIDs the flags announce + SID.
const sdHeaderLen = 0x14

// SDControl is the control field of a security descriptor.
type SDControl uint16

const (
	SEOwnerDefaulted     SDControl = 0x0001
	SEGroupDefaulted     SDControl = 0x0002
	SEDACLPresent        SDControl = 0x0004
	SEDACLDefaulted      SDControl = 0x0008
	SESACLPresent        SDControl = 0x0010
	SESACLDefaulted      SDControl = 0x0020
	SEDACLTrusted        SDControl = 0x0040
	SEServerSecurity     SDControl = 0x0080
	SEDACLAutoInheritReq SDControl = 0x0100
	SESACLAutoInheritReq SDControl = 0x0200
	SEDACLAutoInherited  SDControl = 0x0400
	SESACLAutoInherited  SDControl = 0x0800
	SEDACLProtected      SDControl = 0x1000
	SESACLProtected      SDControl = 0x2000
	SERMControlValid     SDControl = 0x4000
	SESelfRelative       SDControl = 0x8000
)

var sdControlNames = []flagName{
	{uint64(SEOwnerDefaulted), "owner-defaulted"},
	{uint64(SEGroupDefaulted), "group-defaulted"},
	{uint64(SEDACLPresent), "dacl-present"},
	{uint64(SEDACLDefaulted), "dacl-defaulted"},
	{uint64(SESACLPresent), "sacl-present"},
	{uint64(SESACLDefaulted), "sacl-defaulted"},
	{uint64(SEDACLTrusted), "dacl-trusted"},
	{uint64(SEServerSecurity), "server-security"},
	{uint64(SEDACLAutoInheritReq), "dacl-auto-inherit-req"},
	{uint64(SESACLAutoInheritReq), "sacl-auto-inherit-req"},
	{uint64(SEDACLAutoInherited), "dacl-auto-inherited"},
	{uint64(SESACLAutoInherited), "sacl-auto-inherited"},
	{uint64(SEDACLProtected), "dacl-protected"},
	{uint64(SESACLProtected), "sacl-protected"},
	{uint64(SERMControlValid), "rm-control-valid"},
	{uint64(SESelfRelative), "self-relative"},
}

func (c SDControl) String() string { return flagString(uint64(c), sdControlNames) }

// SDPart names one of the four parts of a security descriptor.
type SDPart uint8

const (
	PartOwner SDPart = iota + 1
	PartGroup
	PartSACL
	PartDACL
)

func (p SDPart) String() string {
	switch p {
	case PartOwner:
		return "owner"
	case PartGroup:
		return "group"
	case PartSACL:
		return "SACL"
	case PartDACL:
		return "DACL"
	}
	return fmt.Sprintf("part %d", uint8(p))
}

// SecurityDescriptor is a self-relative security descriptor.
type SecurityDescriptor struct {
	Revision uint8 // 1
	Sbz1     uint8
	Control  SDControl
	Owner    *SID // nil: no owner (offset 0)
	Group    *SID
	SACL     *ACL // nil: none; with SESACLPresent set, a NULL SACL
	DACL     *ACL // nil: none; with SEDACLPresent set, a NULL DACL (everyone has full access)
	// Order lists the parts present in the order of their offsets, which
	// the encoder follows (Windows writes owner, group, SACL, DACL in
	// some places and SACL, DACL, owner, group in others; ntfs-3g DACL,
	// owner, group). Nil: owner, group, SACL, DACL.
	Order []SDPart
}

// ACL is an access control list.
type ACL struct {
	Revision uint8 // 2, or 4 with object ACEs
	Sbz1     uint8
	Sbz2     uint16
	ACEs     []ACE
	// Pad holds the bytes after the last ACE up to the ACL size as stored:
	// mkntfs pads the root directory's DACL to 4 KiB with zeros, Windows XP
	// with whatever was in memory.
	Pad []byte
}

// ACEType is the type of an ACE.
type ACEType uint8

const (
	ACEAccessAllowed               ACEType = 0x00
	ACEAccessDenied                ACEType = 0x01
	ACESystemAudit                 ACEType = 0x02
	ACESystemAlarm                 ACEType = 0x03
	ACEAccessAllowedCompound       ACEType = 0x04
	ACEAccessAllowedObject         ACEType = 0x05
	ACEAccessDeniedObject          ACEType = 0x06
	ACESystemAuditObject           ACEType = 0x07
	ACESystemAlarmObject           ACEType = 0x08
	ACEAccessAllowedCallback       ACEType = 0x09
	ACEAccessDeniedCallback        ACEType = 0x0A
	ACEAccessAllowedCallbackObject ACEType = 0x0B
	ACEAccessDeniedCallbackObject  ACEType = 0x0C
	ACESystemAuditCallback         ACEType = 0x0D
	ACESystemAlarmCallback         ACEType = 0x0E
	ACESystemAuditCallbackObject   ACEType = 0x0F
	ACESystemAlarmCallbackObject   ACEType = 0x10
	ACESystemMandatoryLabel        ACEType = 0x11
	ACESystemResourceAttribute     ACEType = 0x12
	ACESystemScopedPolicyID        ACEType = 0x13
	ACESystemProcessTrustLabel     ACEType = 0x14
	ACESystemAccessFilter          ACEType = 0x15
)

// aceTypeInfo: the SDDL string and the body layout of each ACE type.
var aceTypeInfo = map[ACEType]struct {
	name, sddl string
	object     bool
}{
	ACEAccessAllowed:               {"ACCESS_ALLOWED", "A", false},
	ACEAccessDenied:                {"ACCESS_DENIED", "D", false},
	ACESystemAudit:                 {"SYSTEM_AUDIT", "AU", false},
	ACESystemAlarm:                 {"SYSTEM_ALARM", "AL", false},
	ACEAccessAllowedObject:         {"ACCESS_ALLOWED_OBJECT", "OA", true},
	ACEAccessDeniedObject:          {"ACCESS_DENIED_OBJECT", "OD", true},
	ACESystemAuditObject:           {"SYSTEM_AUDIT_OBJECT", "OU", true},
	ACESystemAlarmObject:           {"SYSTEM_ALARM_OBJECT", "OL", true},
	ACEAccessAllowedCallback:       {"ACCESS_ALLOWED_CALLBACK", "XA", false},
	ACEAccessDeniedCallback:        {"ACCESS_DENIED_CALLBACK", "XD", false},
	ACEAccessAllowedCallbackObject: {"ACCESS_ALLOWED_CALLBACK_OBJECT", "ZA", true},
	ACEAccessDeniedCallbackObject:  {"ACCESS_DENIED_CALLBACK_OBJECT", "", true},
	ACESystemAuditCallback:         {"SYSTEM_AUDIT_CALLBACK", "XU", false},
	ACESystemAlarmCallback:         {"SYSTEM_ALARM_CALLBACK", "", false},
	ACESystemAuditCallbackObject:   {"SYSTEM_AUDIT_CALLBACK_OBJECT", "", true},
	ACESystemAlarmCallbackObject:   {"SYSTEM_ALARM_CALLBACK_OBJECT", "", true},
	ACESystemMandatoryLabel:        {"SYSTEM_MANDATORY_LABEL", "ML", false},
	ACESystemResourceAttribute:     {"SYSTEM_RESOURCE_ATTRIBUTE", "RA", false},
	ACESystemScopedPolicyID:        {"SYSTEM_SCOPED_POLICY_ID", "SP", false},
	ACESystemProcessTrustLabel:     {"SYSTEM_PROCESS_TRUST_LABEL", "TL", false},
	ACESystemAccessFilter:          {"SYSTEM_ACCESS_FILTER", "FL", false},
}

func (t ACEType) String() string {
	if i, ok := aceTypeInfo[t]; ok {
		return i.name
	}
	return fmt.Sprintf("ACE type 0x%02X", uint8(t))
}

// decoded reports whether ACEs of type t have a mask + SID body that ACE
// decodes (every type except compound and unknown ones).
func (t ACEType) decoded() bool { _, ok := aceTypeInfo[t]; return ok }

// ACEFlags are the inheritance and audit flags of an ACE.
type ACEFlags uint8

const (
	ACEObjectInherit    ACEFlags = 0x01 // OI
	ACEContainerInherit ACEFlags = 0x02 // CI
	ACENoPropagate      ACEFlags = 0x04 // NP
	ACEInheritOnly      ACEFlags = 0x08 // IO
	ACEInherited        ACEFlags = 0x10 // ID
	ACESuccessfulAccess ACEFlags = 0x40 // SA
	ACEFailedAccess     ACEFlags = 0x80 // FA
)

var aceFlagNames = []flagName{
	{uint64(ACEObjectInherit), "OI"},
	{uint64(ACEContainerInherit), "CI"},
	{uint64(ACENoPropagate), "NP"},
	{uint64(ACEInheritOnly), "IO"},
	{uint64(ACEInherited), "ID"},
	{uint64(ACESuccessfulAccess), "SA"},
	{uint64(ACEFailedAccess), "FA"},
}

// String lists the flags by their SDDL names (OI|CI|…).
func (f ACEFlags) String() string { return flagString(uint64(f), aceFlagNames) }

// SDDL is the flags as SDDL writes them: the names run together (OICIID).
func (f ACEFlags) SDDL() string { return strings.ReplaceAll(f.String(), "|", "") }

// AccessMask is the access mask of an ACE.
type AccessMask uint32

// exactRights are the file access masks SDDL writes as one alias.
var exactRights = []struct {
	mask AccessMask
	name string
}{
	{0x001F01FF, "FA"}, // FILE_ALL_ACCESS
	{0x00120089, "FR"}, // FILE_GENERIC_READ
	{0x00120116, "FW"}, // FILE_GENERIC_WRITE
	{0x001200A0, "FX"}, // FILE_GENERIC_EXECUTE
}

// rightBits are the single rights SDDL has a name for, in the order
// Windows writes them: by increasing bit (C:\ of Windows 7 has
// "(A;OICIIO;SDGXGWGR;;;AU)").
var rightBits = []struct {
	mask AccessMask
	name string
}{
	{0x00000001, "CC"}, {0x00000002, "DC"}, {0x00000004, "LC"}, {0x00000008, "SW"},
	{0x00000010, "RP"}, {0x00000020, "WP"}, {0x00000040, "DT"}, {0x00000080, "LO"},
	{0x00000100, "CR"}, {0x00010000, "SD"}, {0x00020000, "RC"}, {0x00040000, "WD"},
	{0x00080000, "WO"}, {0x10000000, "GA"}, {0x20000000, "GX"}, {0x40000000, "GW"},
	{0x80000000, "GR"},
}

// SDDL writes m as a file alias (FA, FR, FW, FX) when it is exactly one,
// as a run of single rights (GA, RC, WD…) when every bit has a name, and
// otherwise in hex (0x1301bf), as Windows does.
func (m AccessMask) SDDL() string {
	for _, r := range exactRights {
		if m == r.mask {
			return r.name
		}
	}
	var b strings.Builder
	rest := m
	for _, r := range rightBits {
		if rest&r.mask != 0 {
			b.WriteString(r.name)
			rest &^= r.mask
		}
	}
	if rest != 0 || m == 0 {
		return fmt.Sprintf("0x%x", uint32(m))
	}
	return b.String()
}

// GUID is a GUID as stored (the first three fields little-endian).
type GUID [16]byte

func (g GUID) String() string {
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", le.Uint32(g[0:]), le.Uint16(g[4:]), le.Uint16(g[6:]), g[8:10], g[10:16])
}

// Object ACE flags (ACE_OBJECT_TYPE_PRESENT, ACE_INHERITED_OBJECT_TYPE_PRESENT).
const (
	ACEObjectTypePresent          = 0x1
	ACEInheritedObjectTypePresent = 0x2
)

// ACE is one access control entry.
type ACE struct {
	Type  ACEType
	Flags ACEFlags
	Mask  AccessMask
	// Object ACEs only: the object flags and the GUIDs they announce.
	ObjectFlags         uint32
	ObjectType          *GUID
	InheritedObjectType *GUID
	SID                 SID
	// Extra holds the bytes after the SID up to the ACE size (the
	// application data of callback ACEs, or padding).
	Extra []byte
	// Raw is the whole body (after the 4-byte header) of an ACE type this
	// package does not decode; Mask, SID and Extra are then unset.
	Raw []byte
}

// DecodeSecurityDescriptor decodes a self-relative security descriptor.
// Errors give the offset within b.
func DecodeSecurityDescriptor(b []byte) (SecurityDescriptor, error) {
	var sd SecurityDescriptor
	if len(b) < sdHeaderLen {
		return sd, corrupt(0, "security descriptor length", len(b))
	}
	sd.Revision, sd.Sbz1, sd.Control = b[0], b[1], SDControl(le.Uint16(b[2:]))
	type part struct {
		p   SDPart
		off uint32
	}
	var parts []part
	for i, p := range []SDPart{PartOwner, PartGroup, PartSACL, PartDACL} {
		off := le.Uint32(b[4+4*i:])
		if off == 0 {
			continue
		}
		if off < sdHeaderLen || uint64(off) >= uint64(len(b)) {
			return sd, corrupt(4+4*i, "security descriptor "+p.String()+" offset", off)
		}
		parts = append(parts, part{p, off})
		var err error
		switch p {
		case PartOwner, PartGroup:
			s, _, e := DecodeSID(b[off:])
			if e == nil {
				if p == PartOwner {
					sd.Owner = &s
				} else {
					sd.Group = &s
				}
			}
			err = e
		case PartSACL, PartDACL:
			a, e := decodeACL(b[off:])
			if e == nil {
				if p == PartSACL {
					sd.SACL = &a
				} else {
					sd.DACL = &a
				}
			}
			err = e
		}
		if err != nil {
			return sd, withRecord(err, NoRecord, int(off))
		}
	}
	slices.SortStableFunc(parts, func(a, b part) int { return cmp.Compare(a.off, b.off) })
	for _, p := range parts {
		sd.Order = append(sd.Order, p.p)
	}
	return sd, nil
}

func decodeACL(b []byte) (ACL, error) {
	var a ACL
	if len(b) < 8 {
		return a, corrupt(0, "ACL length", len(b))
	}
	a.Revision, a.Sbz1 = b[0], b[1]
	size, count := int(le.Uint16(b[2:])), int(le.Uint16(b[4:]))
	a.Sbz2 = le.Uint16(b[6:])
	if size < 8 || size > len(b) {
		return a, corrupt(2, "ACL size", size)
	}
	body := b[:size]
	off := 8
	for i := range count {
		if len(body)-off < 4 {
			return a, corrupt(off, fmt.Sprintf("ACE %d (beyond the ACL size)", i), size)
		}
		size := int(le.Uint16(body[off+2:]))
		if size < 4 || size > len(body)-off {
			return a, corrupt(off+2, fmt.Sprintf("ACE %d size", i), size)
		}
		e, err := decodeACE(body[off : off+size])
		if err != nil {
			return a, withRecord(err, NoRecord, off)
		}
		a.ACEs = append(a.ACEs, e)
		off += size
	}
	if off < size {
		a.Pad = append([]byte{}, body[off:]...)
	}
	return a, nil
}

func decodeACE(b []byte) (ACE, error) {
	e := ACE{Type: ACEType(b[0]), Flags: ACEFlags(b[1])}
	body := b[4:]
	if !e.Type.decoded() {
		e.Raw = append([]byte{}, body...)
		return e, nil
	}
	if len(body) < 4 {
		return e, corrupt(4, e.Type.String()+" ACE mask", len(body))
	}
	e.Mask = AccessMask(le.Uint32(body))
	off := 4
	if aceTypeInfo[e.Type].object {
		if len(body) < 8 {
			return e, corrupt(8, "object ACE flags", len(body))
		}
		e.ObjectFlags = le.Uint32(body[4:])
		off = 8
		for _, g := range []struct {
			bit uint32
			dst **GUID
		}{{ACEObjectTypePresent, &e.ObjectType}, {ACEInheritedObjectTypePresent, &e.InheritedObjectType}} {
			if e.ObjectFlags&g.bit == 0 {
				continue
			}
			if len(body)-off < 16 {
				return e, corrupt(4+off, "object ACE GUID", len(body))
			}
			var id GUID
			copy(id[:], body[off:])
			*g.dst = &id
			off += 16
		}
	}
	s, n, err := DecodeSID(body[off:])
	if err != nil {
		return e, withRecord(err, NoRecord, 4+off)
	}
	e.SID = s
	if rest := body[off+n:]; len(rest) > 0 {
		e.Extra = append([]byte{}, rest...)
	}
	return e, nil
}

// AppendBinary appends the encoded self-relative descriptor, its parts
// in sd.Order.
func (sd SecurityDescriptor) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, sd.Revision, sd.Sbz1)
	b = le.AppendUint16(b, uint16(sd.Control))
	b = append(b, make([]byte, 16)...)
	order := sd.Order
	if order == nil {
		order = []SDPart{PartOwner, PartGroup, PartSACL, PartDACL}
	}
	var done [5]bool
	for _, p := range order {
		if p < PartOwner || p > PartDACL || done[p] {
			return b[:start], fmt.Errorf("mft: security descriptor part order %v", order)
		}
		done[p] = true
		off := uint32(len(b) - start)
		var err error
		switch {
		case p == PartOwner && sd.Owner != nil:
			b, err = sd.Owner.AppendBinary(b)
		case p == PartGroup && sd.Group != nil:
			b, err = sd.Group.AppendBinary(b)
		case p == PartSACL && sd.SACL != nil:
			b, err = sd.SACL.AppendBinary(b)
		case p == PartDACL && sd.DACL != nil:
			b, err = sd.DACL.AppendBinary(b)
		default:
			continue
		}
		if err != nil {
			return b[:start], err
		}
		le.PutUint32(b[start+4+4*int(p-PartOwner):], off)
	}
	for i, ok := range []bool{sd.Owner != nil, sd.Group != nil, sd.SACL != nil, sd.DACL != nil} {
		if p := PartOwner + SDPart(i); ok && !done[p] {
			return b[:start], fmt.Errorf("mft: security descriptor part order %v leaves out the %v", order, p)
		}
	}
	return b, nil
}

// AppendBinary appends the encoded ACL, a.Pad included.
func (a ACL) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, a.Revision, a.Sbz1, 0, 0)
	if len(a.ACEs) > 0xFFFF {
		return b[:start], fmt.Errorf("mft: ACL with %d ACEs", len(a.ACEs))
	}
	b = le.AppendUint16(b, uint16(len(a.ACEs)))
	b = le.AppendUint16(b, a.Sbz2)
	for i, e := range a.ACEs {
		var err error
		if b, err = e.AppendBinary(b); err != nil {
			return b[:start], fmt.Errorf("ACE %d: %w", i, err)
		}
	}
	b = append(b, a.Pad...)
	n := len(b) - start
	if n > 0xFFFF {
		return b[:start], fmt.Errorf("mft: ACL of %d bytes", n)
	}
	le.PutUint16(b[start+2:], uint16(n))
	return b, nil
}

// AppendBinary appends the encoded ACE.
func (e ACE) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, byte(e.Type), byte(e.Flags), 0, 0)
	if !e.Type.decoded() {
		b = append(b, e.Raw...)
	} else {
		b = le.AppendUint32(b, uint32(e.Mask))
		if aceTypeInfo[e.Type].object {
			flags := e.ObjectFlags
			if (e.ObjectType != nil) != (flags&ACEObjectTypePresent != 0) ||
				(e.InheritedObjectType != nil) != (flags&ACEInheritedObjectTypePresent != 0) {
				return b[:start], fmt.Errorf("mft: object ACE flags 0x%x disagree with its GUIDs", flags)
			}
			b = le.AppendUint32(b, flags)
			if e.ObjectType != nil {
				b = append(b, e.ObjectType[:]...)
			}
			if e.InheritedObjectType != nil {
				b = append(b, e.InheritedObjectType[:]...)
			}
		}
		var err error
		if b, err = e.SID.AppendBinary(b); err != nil {
			return b[:start], err
		}
		b = append(b, e.Extra...)
	}
	n := len(b) - start
	if n > 0xFFFF {
		return b[:start], fmt.Errorf("mft: ACE of %d bytes", n)
	}
	le.PutUint16(b[start+2:], uint16(n))
	return b, nil
}

// SDDL renders sd in the Security Descriptor Definition Language
// (MS-DTYP 2.5.1): O:owner G:group D:flags(ACE)… S:flags(ACE)….
func (sd SecurityDescriptor) SDDL() string {
	var b strings.Builder
	if sd.Owner != nil {
		b.WriteString("O:" + sd.Owner.SDDL())
	}
	if sd.Group != nil {
		b.WriteString("G:" + sd.Group.SDDL())
	}
	if sd.Control&SEDACLPresent != 0 || sd.DACL != nil {
		b.WriteString("D:" + sd.DACLSDDL())
	}
	if sd.Control&SESACLPresent != 0 || sd.SACL != nil {
		b.WriteString("S:")
		b.WriteString(aclSDDL(sd.SACL, sd.Control&SESACLProtected != 0,
			sd.Control&SESACLAutoInheritReq != 0, sd.Control&SESACLAutoInherited != 0))
	}
	return b.String()
}

// DACLSDDL renders the DACL part of SDDL after "D:": its flags and ACEs,
// or NO_ACCESS_CONTROL for a NULL DACL.
func (sd SecurityDescriptor) DACLSDDL() string {
	return aclSDDL(sd.DACL, sd.Control&SEDACLProtected != 0,
		sd.Control&SEDACLAutoInheritReq != 0, sd.Control&SEDACLAutoInherited != 0)
}

func aclSDDL(a *ACL, protected, req, inherited bool) string {
	var b strings.Builder
	if protected {
		b.WriteString("P")
	}
	if req {
		b.WriteString("AR")
	}
	if inherited {
		b.WriteString("AI")
	}
	if a == nil {
		b.WriteString("NO_ACCESS_CONTROL")
		return b.String()
	}
	for _, e := range a.ACEs {
		b.WriteString(e.SDDL())
	}
	return b.String()
}

// SDDL renders one ACE: (type;flags;rights;object guid;inherited object
// guid;SID). Types without an SDDL name are written in hex, as are the
// bodies of undecoded types.
func (e ACE) SDDL() string {
	t := aceTypeInfo[e.Type].sddl
	if t == "" {
		t = fmt.Sprintf("0x%02x", uint8(e.Type))
	}
	if e.Raw != nil || !e.Type.decoded() {
		return fmt.Sprintf("(%s;%s;;;;0x%x)", t, e.Flags.SDDL(), e.Raw)
	}
	var og, ig string
	if e.ObjectType != nil {
		og = e.ObjectType.String()
	}
	if e.InheritedObjectType != nil {
		ig = e.InheritedObjectType.String()
	}
	rights := e.Mask.SDDL()
	if e.Type == ACESystemMandatoryLabel {
		rights = labelRights(e.Mask)
	}
	return fmt.Sprintf("(%s;%s;%s;%s;%s;%s)", t, e.Flags.SDDL(), rights, og, ig, e.SID.SDDL())
}

// labelRights writes the policy of a mandatory label ACE: NW (no write
// up, 0x1), NR (no read up, 0x2), NX (no execute up, 0x4), else hex.
func labelRights(m AccessMask) string {
	var b strings.Builder
	for _, r := range []struct {
		bit  AccessMask
		name string
	}{{1, "NW"}, {2, "NR"}, {4, "NX"}} {
		if m&r.bit != 0 {
			b.WriteString(r.name)
		}
	}
	if m&^7 != 0 || m == 0 {
		return fmt.Sprintf("0x%x", uint32(m))
	}
	return b.String()
}

// SecurityHash is the hash $Secure keys descriptors by ($SDH, and the
// first field of each $SDS entry): over the descriptor's little-endian
// 32-bit words, h = (h rotated left by 3) + word; a trailing partial word
// is ignored.
func SecurityHash(sd []byte) uint32 {
	var h uint32
	for i := 0; i+4 <= len(sd); i += 4 {
		h = (h<<3 | h>>29) + le.Uint32(sd[i:])
	}
	return h
}

// SDSHeader is the header of an entry of $Secure:$SDS, which is also the
// data of a $SII or $SDH index entry:
//
//	0x00 hash u32 | 0x04 security id u32 | 0x08 offset of the entry in $SDS u64
//	0x10 length u32 (header + descriptor); entries are 16-byte aligned
type SDSHeader struct {
	Hash       uint32
	SecurityID uint32
	Offset     uint64
	Length     uint32
}

// SDSHeaderLen is the size of an SDSHeader.
const SDSHeaderLen = 0x14

// DecodeSDSHeader decodes the header of an $SDS entry (or the data of a
// $SII/$SDH entry).
func DecodeSDSHeader(b []byte) (SDSHeader, error) {
	if len(b) < SDSHeaderLen {
		return SDSHeader{}, corrupt(0, "$SDS entry header length", len(b))
	}
	h := SDSHeader{Hash: le.Uint32(b), SecurityID: le.Uint32(b[4:]), Offset: le.Uint64(b[8:]), Length: le.Uint32(b[16:])}
	if h.Length < SDSHeaderLen {
		return h, corrupt(0x10, "$SDS entry length", h.Length)
	}
	return h, nil
}

// AppendBinary appends the encoded header.
func (h SDSHeader) AppendBinary(b []byte) ([]byte, error) {
	b = le.AppendUint32(b, h.Hash)
	b = le.AppendUint32(b, h.SecurityID)
	b = le.AppendUint64(b, h.Offset)
	return le.AppendUint32(b, h.Length), nil
}
