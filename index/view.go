package index

// NewViewEntry builds an entry of a view index ($Secure's $SII and $SDH,
// $Quota's $O and $Q, $ObjId's $O, $Reparse's $R): the header's first
// eight bytes hold the data offset u16, data length u16 and a reserved
// u32; the key follows at 0x10, the data right after the key, and tail
// fills the bytes from the end of the data to the entry's 8-aligned end
// (Windows writes "II" there in $SDH entries, mkntfs 0x20 in $Quota's $O
// entry; nil leaves zeros). The entry encodes to exactly these bytes and
// decodes back to key (Key) and data (Data).
func NewViewEntry(key, data, tail []byte) (Entry, error) {
	dataOff := entryHeaderLen + len(key)
	n := align8(dataOff + len(data))
	switch {
	case len(key) == 0 || len(key) > 0xFFFF:
		return Entry{}, &CorruptError{VCN: NoVCN, Offset: 0x0A, Field: "view index key length", Value: len(key)}
	case dataOff > 0xFFFF || len(data) > 0xFFFF || n > 0xFFFF:
		return Entry{}, &CorruptError{VCN: NoVCN, Offset: 0, Field: "view index data length", Value: len(data)}
	case len(tail) > n-dataOff-len(data):
		return Entry{}, &CorruptError{VCN: NoVCN, Offset: dataOff + len(data), Field: "view index entry tail (past the 8-aligned end)", Value: len(tail)}
	}
	raw := make([]byte, n)
	le.PutUint16(raw, uint16(dataOff))
	le.PutUint16(raw[2:], uint16(len(data)))
	le.PutUint16(raw[8:], uint16(n))
	le.PutUint16(raw[0x0A:], uint16(len(key)))
	copy(raw[entryHeaderLen:], key)
	copy(raw[dataOff:], data)
	copy(raw[dataOff+len(data):], tail)
	return decodeEntry(raw)
}
