package main

import (
	"errors"

	"github.com/ntfsedit/ntfsedit/mft"

	"github.com/ntfsedit/ntfsedit/volume"
)

// securityJSON is a file's security descriptor in stat: owner, group and
// DACL in SDDL, and the whole descriptor in SDDL.
type securityJSON struct {
	Source string `json:"source,omitempty"` // "$Secure" or "$SECURITY_DESCRIPTOR"
	Owner  string `json:"owner,omitempty"`
	Group  string `json:"group,omitempty"`
	DACL   string `json:"dacl,omitempty"` // after "D:"; NO_ACCESS_CONTROL for a NULL DACL
	SDDL   string `json:"sddl,omitempty"`
	Hash   string `json:"hash,omitempty"` // "mismatch" when the $SDS hash is wrong
	Error  string `json:"error,omitempty"`
}

// securityOf looks f's descriptor up; nil when it has none.
func securityOf(v *volume.Volume, f *volume.File) *securityJSON {
	s, err := v.Security(f, nil)
	if errors.Is(err, volume.ErrNoSecurity) {
		return nil
	}
	if err != nil {
		return &securityJSON{Error: err.Error()}
	}
	d := s.Descriptor
	j := &securityJSON{Source: s.Source, SDDL: d.SDDL()}
	if d.Owner != nil {
		j.Owner = d.Owner.SDDL()
	}
	if d.Group != nil {
		j.Group = d.Group.SDDL()
	}
	if d.DACL != nil || d.Control&mft.SEDACLPresent != 0 {
		j.DACL = d.DACLSDDL()
	}
	if !s.HashOK {
		j.Hash = "mismatch"
	}
	return j
}

func printSecurity(kv func(k, format string, args ...any), s *securityJSON) {
	if s == nil {
		return
	}
	if s.Error != "" {
		kv("security", "error: %s", s.Error)
		return
	}
	kv("owner", "%s", orDash(s.Owner))
	kv("group", "%s", orDash(s.Group))
	kv("dacl", "%s", orDash(s.DACL))
	kv("sddl", "%s", s.SDDL)
	if s.Hash != "" {
		kv("sd hash", "%s", s.Hash)
	}
}
