package volume

import (
	"fmt"

	"github.com/ntfsedit/ntfsedit/mft"
)

// File generic rights mapped to specific ones (MS-DTYP 2.4.3, the file
// object's generic mapping).
const (
	genericRead    mft.AccessMask = 0x80000000
	genericWrite   mft.AccessMask = 0x40000000
	genericExecute mft.AccessMask = 0x20000000
	genericAll     mft.AccessMask = 0x10000000
	fileAllAccess  mft.AccessMask = 0x001F01FF
	fileRead       mft.AccessMask = 0x00120089
	fileWrite      mft.AccessMask = 0x00120116
	fileExecute    mft.AccessMask = 0x001200A0
	genericMask                   = genericRead | genericWrite | genericExecute | genericAll
)

func mapGeneric(m mft.AccessMask) mft.AccessMask {
	out := m &^ genericMask
	if m&genericRead != 0 {
		out |= fileRead
	}
	if m&genericWrite != 0 {
		out |= fileWrite
	}
	if m&genericExecute != 0 {
		out |= fileExecute
	}
	if m&genericAll != 0 {
		out |= fileAllAccess
	}
	return out
}

// inheritDescriptor builds the descriptor Windows gives a new file or
// directory created in a directory whose descriptor is parent: the
// parent's owner and group, and a DACL of the parent's inheritable ACEs
// (object-inherit ones for files; container-inherit ones, and
// object-inherit ones as inherit-only, for directories), marked inherited,
// with generic rights mapped for the ACEs that apply to the new object.
// The SACL is not inherited (writing one needs a privilege).
func inheritDescriptor(parent mft.SecurityDescriptor, dir bool) (mft.SecurityDescriptor, error) {
	sd := mft.SecurityDescriptor{Revision: 1, Control: mft.SESelfRelative, Owner: parent.Owner, Group: parent.Group}
	if parent.DACL == nil {
		return sd, fmt.Errorf("parent has no DACL to inherit")
	}
	acl := &mft.ACL{Revision: parent.DACL.Revision}
	add := func(e mft.ACE, flags mft.ACEFlags, mask mft.AccessMask) {
		e.Flags, e.Mask = flags|mft.ACEInherited, mask
		acl.ACEs = append(acl.ACEs, e)
	}
	for _, e := range parent.DACL.ACEs {
		if e.Raw != nil || (e.Type != mft.ACEAccessAllowed && e.Type != mft.ACEAccessDenied) {
			continue
		}
		oi, ci := e.Flags&mft.ACEObjectInherit != 0, e.Flags&mft.ACEContainerInherit != 0
		np := e.Flags&mft.ACENoPropagate != 0
		switch {
		case !dir && oi:
			add(e, 0, mapGeneric(e.Mask))
		case dir && ci:
			inherit := e.Flags & (mft.ACEObjectInherit | mft.ACEContainerInherit)
			switch {
			case np:
				add(e, 0, mapGeneric(e.Mask))
			case e.Mask&genericMask != 0:
				add(e, 0, mapGeneric(e.Mask))
				add(e, inherit|mft.ACEInheritOnly, e.Mask)
			default:
				add(e, inherit, e.Mask)
			}
		case dir && oi && !np:
			add(e, mft.ACEObjectInherit|mft.ACEInheritOnly, e.Mask)
		}
	}
	sd.DACL = acl
	sd.Control |= mft.SEDACLPresent | mft.SEDACLAutoInherited
	return sd, nil
}
