package volume

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ntfsedit/ntfsedit/index"
	"github.com/ntfsedit/ntfsedit/mft"
)

// Secure is the security descriptor store of an NTFS 3.x volume: the
// $Secure file (record 9), whose $SDS stream holds the descriptors and
// whose $SII index maps a security id ($STANDARD_INFORMATION 0x34) to an
// $SDS entry. Open it once with Volume.Secure and look descriptors up
// with Lookup.
//
// Not an on-disk structure.
type Secure struct {
	sds    *Stream
	byID   map[uint32]mft.SDSHeader
	byHash map[uint32][]uint32 // from $SDH; nil until ByHash is first called
	file   *File
}

// Security is a file's security descriptor and where it came from.
//
// Not an on-disk structure.
type Security struct {
	Descriptor mft.SecurityDescriptor
	Raw        []byte // the self-relative descriptor as stored
	// SecurityID is the key into $Secure; 0 when the descriptor came from
	// the file's own $SECURITY_DESCRIPTOR attribute.
	SecurityID uint32
	// Source is "$Secure" or "$SECURITY_DESCRIPTOR".
	Source string
	// HashOK reports whether the $SDS entry's hash matches the descriptor
	// (always true for $SECURITY_DESCRIPTOR).
	HashOK bool
}

// ErrNoSecurity is matched when a file has no security descriptor: no
// $SECURITY_DESCRIPTOR attribute and security id 0 (or an NTFS 1.2
// $STANDARD_INFORMATION without one).
var ErrNoSecurity = errors.New("no security descriptor")

var (
	nameSDS = mft.NameUnits("$SDS")
	nameSII = mft.NameUnits("$SII")
	nameSDH = mft.NameUnits("$SDH")
)

// Secure reads $Secure's $SII index.
func (v *Volume) Secure() (*Secure, error) {
	f, err := v.File(mft.RecordSecure)
	if err != nil {
		return nil, fmt.Errorf("volume: $Secure: %w", err)
	}
	sds, err := f.AttrStream(mft.AttrData, nameSDS)
	if err != nil {
		return nil, fmt.Errorf("volume: $Secure: %w", err)
	}
	t, err := f.IndexTree(nameSII)
	if err != nil {
		return nil, fmt.Errorf("volume: $Secure:$SII: %w", err)
	}
	s := &Secure{sds: sds, byID: map[uint32]mft.SDSHeader{}, file: f}
	err = t.Walk(func(e *index.Entry) error {
		if len(e.Key) != 4 {
			return fmt.Errorf("$SII entry key of %d bytes (want 4)", len(e.Key))
		}
		id := le32(e.Key)
		d, err := e.Data()
		if err != nil {
			return fmt.Errorf("$SII entry %d: %w", id, err)
		}
		h, err := mft.DecodeSDSHeader(d)
		if err != nil {
			return fmt.Errorf("$SII entry %d: %w", id, err)
		}
		if h.SecurityID != id {
			return fmt.Errorf("$SII entry %d: data names security id %d", id, h.SecurityID)
		}
		s.byID[id] = h
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("volume: $Secure: %w", err)
	}
	return s, nil
}

// ByHash returns the security ids whose descriptors have hash h
// (mft.SecurityHash), from the $SDH index (key: hash u32, security id
// u32; data: the $SDS entry header), in index order. Writers use it to
// reuse an existing descriptor.
func (s *Secure) ByHash(h uint32) ([]uint32, error) {
	if s.byHash == nil {
		t, err := s.file.IndexTree(nameSDH)
		if err != nil {
			return nil, fmt.Errorf("volume: $Secure:$SDH: %w", err)
		}
		m := map[uint32][]uint32{}
		err = t.Walk(func(e *index.Entry) error {
			if len(e.Key) != 8 {
				return fmt.Errorf("$SDH entry key of %d bytes (want 8)", len(e.Key))
			}
			hash, id := le32(e.Key), le32(e.Key[4:])
			d, err := e.Data()
			if err != nil {
				return fmt.Errorf("$SDH entry %08x/%d: %w", hash, id, err)
			}
			hd, err := mft.DecodeSDSHeader(d)
			if err != nil {
				return fmt.Errorf("$SDH entry %08x/%d: %w", hash, id, err)
			}
			if hd.Hash != hash || hd.SecurityID != id {
				return fmt.Errorf("$SDH entry %08x/%d: data names %08x/%d", hash, id, hd.Hash, hd.SecurityID)
			}
			m[hash] = append(m[hash], id)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("volume: $Secure: %w", err)
		}
		s.byHash = m
	}
	return s.byHash[h], nil
}

// IDs returns the security ids in $SII, in increasing order.
func (s *Secure) IDs() []uint32 {
	ids := make([]uint32, 0, len(s.byID))
	for id := range s.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// sdsMax bounds one $SDS entry: a descriptor is at most 64 KiB.
const sdsMax = 1 << 16

// Lookup reads the descriptor with the given security id from $SDS.
func (s *Secure) Lookup(id uint32) (*Security, error) {
	h, ok := s.byID[id]
	if !ok {
		return nil, fmt.Errorf("volume: security id %d not in $Secure:$SII", id)
	}
	if h.Length > sdsMax || h.Offset > uint64(s.sds.Size()) || uint64(h.Length) > uint64(s.sds.Size())-h.Offset {
		return nil, fmt.Errorf("volume: security id %d: $SDS entry at 0x%x, %d bytes, outside $SDS (%d bytes)", id, h.Offset, h.Length, s.sds.Size())
	}
	b := make([]byte, h.Length)
	if err := s.sds.readFull(b, int64(h.Offset)); err != nil {
		return nil, fmt.Errorf("volume: security id %d: read $SDS at 0x%x: %w", id, h.Offset, err)
	}
	got, err := mft.DecodeSDSHeader(b)
	if err != nil {
		return nil, fmt.Errorf("volume: security id %d: $SDS at 0x%x: %w", id, h.Offset, err)
	}
	if got != h {
		return nil, fmt.Errorf("volume: security id %d: $SDS entry at 0x%x is %+v, $SII says %+v", id, h.Offset, got, h)
	}
	raw := b[mft.SDSHeaderLen:]
	sd, err := mft.DecodeSecurityDescriptor(raw)
	if err != nil {
		return nil, fmt.Errorf("volume: security id %d: $SDS at 0x%x: %w", id, h.Offset+mft.SDSHeaderLen, err)
	}
	return &Security{Descriptor: sd, Raw: raw, SecurityID: id, Source: "$Secure", HashOK: mft.SecurityHash(raw) == h.Hash}, nil
}

// Security returns f's security descriptor: from its $SECURITY_DESCRIPTOR
// attribute when it has one (NTFS 1.2 volumes; mkntfs gives the root
// directory one), otherwise from sec (nil: read $Secure now) by the
// security id of its $STANDARD_INFORMATION. Pass the same *Secure for
// many files.
func (v *Volume) Security(f *File, sec *Secure) (*Security, error) {
	if f.Attr(mft.AttrSecurityDescriptor, nil) != nil {
		st, err := f.AttrStream(mft.AttrSecurityDescriptor, nil)
		if err != nil {
			return nil, err
		}
		if st.Size() > sdsMax {
			return nil, &RecordError{Record: f.num, Err: fmt.Errorf("$SECURITY_DESCRIPTOR of %d bytes", st.Size())}
		}
		raw, err := st.ReadAll()
		if err != nil {
			return nil, err
		}
		sd, err := mft.DecodeSecurityDescriptor(raw)
		if err != nil {
			return nil, &RecordError{Record: f.num, Err: fmt.Errorf("$SECURITY_DESCRIPTOR: %w", err)}
		}
		return &Security{Descriptor: sd, Raw: raw, Source: "$SECURITY_DESCRIPTOR", HashOK: true}, nil
	}
	si, err := f.StandardInfo()
	if err != nil {
		return nil, err
	}
	if !si.Extended || si.SecurityID == 0 {
		return nil, &RecordError{Record: f.num, Err: ErrNoSecurity}
	}
	if sec == nil {
		if sec, err = v.Secure(); err != nil {
			return nil, err
		}
	}
	s, err := sec.Lookup(si.SecurityID)
	if err != nil {
		return nil, &RecordError{Record: f.num, Err: err}
	}
	return s, nil
}
