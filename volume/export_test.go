package volume

// SetRawLink turns Link's splice of a record's bytes (linkRaw) on or off
// for the rest of the transaction.
func (tx *Tx) SetRawLink(on bool) { tx.noRawLink = !on }

// RawLinks is the number of links linkRaw made in the transaction.
func (tx *Tx) RawLinks() int { return tx.rawLinks }
