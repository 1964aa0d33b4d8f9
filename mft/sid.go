package mft

import (
	"fmt"
	"strconv"
	"strings"
)

// SID is a Windows security identifier (MS-DTYP 2.4.2.2):
//
//	0x00 revision u8 (1) | 0x01 sub-authority count u8 (≤ 15)
//	0x02 identifier authority: 6 bytes, big-endian
//	0x08 sub-authorities: u32 each, little-endian
type SID struct {
	Revision       uint8
	Authority      uint64 // 48 bits
	SubAuthorities []uint32
}

// sidMaxSubAuthorities is SID_MAX_SUB_AUTHORITIES.
const sidMaxSubAuthorities = 15

// Len is the encoded length of s.
func (s SID) Len() int { return 8 + 4*len(s.SubAuthorities) }

// DecodeSID decodes the SID at the start of b and returns its length.
func DecodeSID(b []byte) (SID, int, error) {
	if len(b) < 8 {
		return SID{}, 0, corrupt(0, "SID length", len(b))
	}
	n := int(b[1])
	if n > sidMaxSubAuthorities {
		return SID{}, 0, corrupt(1, "SID sub-authority count", n)
	}
	if len(b) < 8+4*n {
		return SID{}, 0, corrupt(0, "SID length", len(b))
	}
	s := SID{Revision: b[0]}
	for _, c := range b[2:8] {
		s.Authority = s.Authority<<8 | uint64(c)
	}
	if n > 0 {
		s.SubAuthorities = make([]uint32, n)
		for i := range s.SubAuthorities {
			s.SubAuthorities[i] = le.Uint32(b[8+4*i:])
		}
	}
	return s, 8 + 4*n, nil
}

// AppendBinary appends the encoded SID.
func (s SID) AppendBinary(b []byte) ([]byte, error) {
	if len(s.SubAuthorities) > sidMaxSubAuthorities {
		return b, fmt.Errorf("mft: SID with %d sub-authorities (at most %d)", len(s.SubAuthorities), sidMaxSubAuthorities)
	}
	if s.Authority >= 1<<48 {
		return b, fmt.Errorf("mft: SID authority 0x%x exceeds 48 bits", s.Authority)
	}
	b = append(b, s.Revision, byte(len(s.SubAuthorities)))
	for i := 5; i >= 0; i-- {
		b = append(b, byte(s.Authority>>(8*i)))
	}
	for _, a := range s.SubAuthorities {
		b = le.AppendUint32(b, a)
	}
	return b, nil
}

// String formats s as S-R-A-S1-S2…; an authority of 2^32 or more is
// written in hex (0x…), as Windows does.
func (s SID) String() string {
	var b strings.Builder
	b.WriteString("S-")
	b.WriteString(strconv.Itoa(int(s.Revision)))
	if s.Authority >= 1<<32 {
		fmt.Fprintf(&b, "-0x%012X", s.Authority)
	} else {
		b.WriteString("-" + strconv.FormatUint(s.Authority, 10))
	}
	for _, a := range s.SubAuthorities {
		b.WriteString("-" + strconv.FormatUint(uint64(a), 10))
	}
	return b.String()
}

// wellKnownSIDs are the SDDL abbreviations of SIDs that do not depend on a
// domain (MS-DTYP 2.5.1.1).
var wellKnownSIDs = map[string]string{
	"S-1-1-0":      "WD", // Everyone
	"S-1-3-0":      "CO", // Creator owner
	"S-1-3-1":      "CG", // Creator group
	"S-1-3-4":      "OW", // Owner rights
	"S-1-5-2":      "NU", // Network
	"S-1-5-4":      "IU", // Interactive
	"S-1-5-6":      "SU", // Service
	"S-1-5-7":      "AN", // Anonymous
	"S-1-5-9":      "ED", // Enterprise domain controllers
	"S-1-5-10":     "PS", // Principal self
	"S-1-5-11":     "AU", // Authenticated users
	"S-1-5-12":     "RC", // Restricted code
	"S-1-5-18":     "SY", // Local system
	"S-1-5-19":     "LS", // Local service
	"S-1-5-20":     "NS", // Network service
	"S-1-5-33":     "WR", // Write restricted code
	"S-1-5-32-544": "BA", // Administrators
	"S-1-5-32-545": "BU", // Users
	"S-1-5-32-546": "BG", // Guests
	"S-1-5-32-547": "PU", // Power users
	"S-1-5-32-548": "AO", // Account operators
	"S-1-5-32-549": "SO", // Server operators
	"S-1-5-32-550": "PO", // Print operators
	"S-1-5-32-551": "BO", // Backup operators
	"S-1-5-32-552": "RE", // Replicator
	"S-1-5-32-554": "RU", // Pre-Windows 2000 compatible access
	"S-1-5-32-555": "RD", // Remote desktop users
	"S-1-5-32-556": "NO", // Network configuration operators
	"S-1-5-32-558": "MU", // Performance monitor users
	"S-1-5-32-559": "LU", // Performance log users
	"S-1-5-32-568": "IS", // IIS_IUSRS
	"S-1-5-32-569": "CY", // Cryptographic operators
	"S-1-5-32-573": "ER", // Event log readers
	"S-1-5-32-574": "CD", // Certificate service DCOM access
	"S-1-5-32-575": "RA", // RDS remote access servers
	"S-1-5-32-576": "ES", // RDS endpoint servers
	"S-1-5-32-577": "MS", // RDS management servers
	"S-1-5-32-578": "HA", // Hyper-V administrators
	"S-1-5-32-579": "AA", // Access control assistance operators
	"S-1-5-32-580": "RM", // Remote management users
	"S-1-15-2-1":   "AC", // All app packages
	"S-1-16-4096":  "LW", // Low mandatory level
	"S-1-16-8192":  "ME", // Medium mandatory level
	"S-1-16-8448":  "MP", // Medium-plus mandatory level
	"S-1-16-12288": "HI", // High mandatory level
	"S-1-16-16384": "SI", // System mandatory level
}

// SDDL returns the SDDL form of s: its two-letter abbreviation when it is a
// well-known SID that does not depend on a domain, otherwise String.
func (s SID) SDDL() string {
	str := s.String()
	if a, ok := wellKnownSIDs[str]; ok {
		return a
	}
	return str
}
