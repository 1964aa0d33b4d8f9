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
