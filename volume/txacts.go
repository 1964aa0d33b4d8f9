package volume

import "github.com/ntfsedit/ntfsedit/mft"

// recordActs holds what a transaction does to each record it writes
// ("create", "update", "free", "format"), for its plan and its write
// order: in pages of record numbers, as a map of ten thousand records
// cost a bulk transaction more than the records' own bytes.
//
// Not an on-disk structure.
type recordActs struct {
	pages [][]uint8 // 0: not written; else 1 + index in names
	names []string
	n     int
	// before holds, for records whose writer knew it when it first
	// staged them, whether they were in use before the transaction
	// (beforeInUse, beforeFree; 0: not known): the commit's write order
	// needs it, and reads the device for the others.
	before [][]uint8
}

const (
	beforeInUse = 1
	beforeFree  = 2
)

// noteBefore records that record n, not staged yet in this transaction,
// was in use before it (or free).
func (a *recordActs) noteBefore(n mft.RecordNumber, inUse bool) {
	if _, ok := a.get(n); ok {
		return // staged before: what the writer saw is not the volume's
	}
	p, i := int(n/recordActsPage), n%recordActsPage
	if p >= len(a.before) {
		a.before = append(a.before, make([][]uint8, p+1-len(a.before))...)
	}
	if a.before[p] == nil {
		a.before[p] = make([]uint8, recordActsPage)
	}
	a.before[p][i] = beforeFree
	if inUse {
		a.before[p][i] = beforeInUse
	}
}

// wasInUse reports whether record n was in use before the transaction,
// when its writer said so (known).
func (a *recordActs) wasInUse(n mft.RecordNumber) (inUse, known bool) {
	p, i := int(n/recordActsPage), n%recordActsPage
	if p >= len(a.before) || a.before[p] == nil || a.before[p][i] == 0 {
		return false, false
	}
	return a.before[p][i] == beforeInUse, true
}

const recordActsPage = 1 << 14 // record numbers per page

// get returns record n's action.
func (a *recordActs) get(n mft.RecordNumber) (string, bool) {
	p, i := int(n/recordActsPage), n%recordActsPage
	if p >= len(a.pages) || a.pages[p] == nil || a.pages[p][i] == 0 {
		return "", false
	}
	return a.names[a.pages[p][i]-1], true
}

// set gives record n action act.
func (a *recordActs) set(n mft.RecordNumber, act string) {
	code := 0
	for k, s := range a.names {
		if s == act {
			code = k + 1
			break
		}
	}
	if code == 0 {
		a.names = append(a.names, act)
		code = len(a.names)
	}
	p, i := int(n/recordActsPage), n%recordActsPage
	if p >= len(a.pages) {
		a.pages = append(a.pages, make([][]uint8, p+1-len(a.pages))...)
	}
	if a.pages[p] == nil {
		a.pages[p] = make([]uint8, recordActsPage)
	}
	if a.pages[p][i] == 0 {
		a.n++
	}
	a.pages[p][i] = uint8(code)
}

// del forgets record n.
func (a *recordActs) del(n mft.RecordNumber) {
	p, i := int(n/recordActsPage), n%recordActsPage
	if p < len(a.pages) && a.pages[p] != nil && a.pages[p][i] != 0 {
		a.pages[p][i] = 0
		a.n--
	}
}

// len is the number of records with an action.
func (a *recordActs) len() int { return a.n }

// each calls fn for every record with an action, in record order.
func (a *recordActs) each(fn func(n mft.RecordNumber, act string)) {
	for p, page := range a.pages {
		for i, c := range page {
			if c != 0 {
				fn(mft.RecordNumber(p*recordActsPage+i), a.names[c-1])
			}
		}
	}
}
