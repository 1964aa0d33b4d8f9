package volume

import (
	"encoding/binary"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// Well-known SIDs of the descriptors a new volume carries.
var (
	sidSystem        = mft.SID{Revision: 1, Authority: 5, SubAuthorities: []uint32{18}}      // SY, S-1-5-18
	sidAdmins        = mft.SID{Revision: 1, Authority: 5, SubAuthorities: []uint32{32, 544}} // BA, S-1-5-32-544
	sidUsers         = mft.SID{Revision: 1, Authority: 5, SubAuthorities: []uint32{32, 545}} // BU, S-1-5-32-545
	sidAuthenticated = mft.SID{Revision: 1, Authority: 5, SubAuthorities: []uint32{11}}      // AU, S-1-5-11
)

// Access masks of the system files' descriptors (mkntfs's).
const (
	readOnlyRights mft.AccessMask = 0x00120089 // FR: $AttrDef, $Boot, security id 256
	volumeRights   mft.AccessMask = 0x0012019F // FR + FW - append: $Volume, records 12–15, security id 257
)

// sdOrder is the part order mkntfs and ntfs-3g write: DACL, owner, group.
var sdOrder = []mft.SDPart{mft.PartDACL, mft.PartOwner, mft.PartGroup}

func allow(flags mft.ACEFlags, mask mft.AccessMask, sid mft.SID) mft.ACE {
	return mft.ACE{Type: mft.ACEAccessAllowed, Flags: flags, Mask: mask, SID: sid}
}

func encodeSD(owner, group mft.SID, aces ...mft.ACE) []byte {
	sd := mft.SecurityDescriptor{Revision: 1, Control: mft.SESelfRelative | mft.SEDACLPresent,
		Owner: &owner, Group: &group, DACL: &mft.ACL{Revision: 2, ACEs: aces}, Order: sdOrder}
	b, err := sd.AppendBinary(nil)
	if err != nil {
		panic("volume: format: built-in security descriptor: " + err.Error()) // constant input
	}
	return b
}

// systemFileSD is the $SECURITY_DESCRIPTOR of $Volume, $AttrDef, $Boot and
// records 12–15: owner SYSTEM, group Administrators, rights for both.
func systemFileSD(rights mft.AccessMask) []byte {
	return encodeSD(sidSystem, sidAdmins, allow(0, rights, sidSystem), allow(0, rights, sidAdmins))
}

// secureSD is the descriptor of $Secure's security ids 256 and 257:
// owner and group Administrators, rights for SYSTEM and Administrators.
func secureSD(rights mft.AccessMask) []byte {
	return encodeSD(sidAdmins, sidAdmins, allow(0, rights, sidSystem), allow(0, rights, sidAdmins))
}

// rootSD is the root directory's descriptor: full control for
// Administrators and SYSTEM, modify for authenticated users, read and
// execute for users, each also inherited by what is created below. The
// ACEs are mkntfs's; mkntfs pads the DACL to 4 KiB, which makes the
// attribute non-resident, we do not.
func rootSD() []byte {
	const (
		oiciio  = mft.ACEObjectInherit | mft.ACEContainerInherit | mft.ACEInheritOnly
		modify  = 0x001301BF
		readExe = 0x001200A9
	)
	return encodeSD(sidSystem, sidSystem,
		allow(0, fileAllAccess, sidAdmins), allow(oiciio, genericAll, sidAdmins),
		allow(0, fileAllAccess, sidSystem), allow(oiciio, genericAll, sidSystem),
		allow(0, modify, sidAuthenticated), allow(oiciio, 0x00010000|genericExecute|genericWrite|genericRead, sidAuthenticated),
		allow(0, readExe, sidUsers), allow(oiciio, genericExecute|genericRead, sidUsers))
}

// sdsMirror is the offset of the second copy of $SDS's first 256 KiB
// block: entries are written twice, at o and o+256 KiB.
const sdsMirror = 256 << 10

// secureStreams returns $Secure's $SDS data (ids 256 and 257, and their
// mirror copy 256 KiB further) and the entries of its $SDH and $SII
// indexes, in their collation order.
func secureStreams() (sds []byte, sdh, sii []index.Entry, err error) {
	var heads []mft.SDSHeader
	for i, rights := range []mft.AccessMask{readOnlyRights, volumeRights} {
		d := secureSD(rights)
		h := mft.SDSHeader{Hash: mft.SecurityHash(d), SecurityID: secIDReadOnly + uint32(i), Offset: uint64(len(sds)),
			Length: uint32(mft.SDSHeaderLen + len(d))}
		if sds, err = h.AppendBinary(sds); err != nil {
			return nil, nil, nil, err
		}
		sds = append(sds, d...)
		for len(sds)%16 != 0 {
			sds = append(sds, 0)
		}
		heads = append(heads, h)
	}
	// The data ends after the mirror copy's last descriptor (unpadded).
	used := int(heads[len(heads)-1].Offset) + int(heads[len(heads)-1].Length)
	out := make([]byte, sdsMirror+used)
	copy(out, sds[:used])
	copy(out[sdsMirror:], sds[:used])

	for _, h := range heads {
		data, err := h.AppendBinary(nil)
		if err != nil {
			return nil, nil, nil, err
		}
		// $SII: key = security id; $SDH: key = hash, security id.
		e, err := index.NewViewEntry(binary.LittleEndian.AppendUint32(nil, h.SecurityID), data, nil)
		if err != nil {
			return nil, nil, nil, err
		}
		sii = append(sii, e)
		key := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, h.Hash), h.SecurityID)
		if e, err = index.NewViewEntry(key, data, []byte{'I', 0, 'I', 0}); err != nil {
			return nil, nil, nil, err
		}
		sdh = append(sdh, e)
	}
	// $SII is in id order already; $SDH sorts by hash, then id.
	if heads[0].Hash > heads[1].Hash {
		sdh[0], sdh[1] = sdh[1], sdh[0]
	}
	return out, sdh, sii, nil
}

// Quota entries of a new volume ($Extend\$Quota): owner id 1 (the
// defaults) and 256 (Administrators, the first owner id), each with no
// limits, and $O mapping Administrators' SID to 256.
const (
	quotaVersion       = 2
	quotaDefaultLimits = 0x00000001 // QUOTA_FLAG_DEFAULT_LIMITS
	quotaFirstUserID   = 0x100
)

// quotaControl encodes a $Q entry's data (QUOTA_CONTROL_ENTRY): version
// u32, flags u32, bytes used u64, change time u64, threshold s64, limit
// s64, exceeded time u64, then the owner's SID when there is one.
func quotaControl(now mft.Filetime, sid *mft.SID) ([]byte, error) {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, quotaVersion)
	b = le.AppendUint32(b, quotaDefaultLimits)
	b = le.AppendUint64(b, 0)
	b = le.AppendUint64(b, uint64(now))
	b = le.AppendUint64(b, ^uint64(0)) // threshold: none
	b = le.AppendUint64(b, ^uint64(0)) // limit: none
	b = le.AppendUint64(b, 0)
	if sid != nil {
		return sid.AppendBinary(b)
	}
	return b, nil
}

func quotaEntries(now mft.Filetime) (o, q []index.Entry, err error) {
	le := binary.LittleEndian
	for _, e := range []struct {
		id  uint32
		sid *mft.SID
	}{{1, nil}, {quotaFirstUserID, &sidAdmins}} {
		data, err := quotaControl(now, e.sid)
		if err != nil {
			return nil, nil, err
		}
		ent, err := index.NewViewEntry(le.AppendUint32(nil, e.id), data, nil)
		if err != nil {
			return nil, nil, err
		}
		q = append(q, ent)
	}
	key, err := sidAdmins.AppendBinary(nil)
	if err != nil {
		return nil, nil, err
	}
	// The data is the owner id; mkntfs (like Windows) writes 0x20 in the
	// four bytes that pad the entry.
	ent, err := index.NewViewEntry(key, le.AppendUint32(nil, quotaFirstUserID), le.AppendUint32(nil, 0x20))
	if err != nil {
		return nil, nil, err
	}
	return []index.Entry{ent}, q, nil
}
