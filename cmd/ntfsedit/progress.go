package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress reports how far a long scan got, on standard error, only when
// that is a terminal: never when it is piped or redirected to a file, and
// never with --quiet. The line is rewritten in place and cleared by done.
//
// Not safe for concurrent use: call it from the goroutine that emits.
type progress struct {
	w     io.Writer // nil: report nothing
	what  string    // "records", "names"
	start time.Time
	last  time.Time
	shown bool
}

// progressEvery is how often the line is rewritten at most.
const progressEvery = 200 * time.Millisecond

// newProgress returns a reporter writing to e.stderr when it is a
// terminal and quiet is not set.
func newProgress(e *env, quiet bool, what string) *progress {
	p := &progress{what: what, start: time.Now()}
	if !quiet && isTerminal(e.stderr) {
		p.w = e.stderr
	}
	return p
}

// isTerminal reports whether w is a character device (a terminal), as
// os.File.Stat tells without any terminal library.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// update reports done of total (total ≤ 0: unknown), at most every
// progressEvery.
func (p *progress) update(done, total int64) {
	if p == nil || p.w == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < progressEvery && (total <= 0 || done < total) {
		return
	}
	p.last = now
	rate := float64(done) / max(now.Sub(p.start).Seconds(), 1e-3)
	if total > 0 {
		fmt.Fprintf(p.w, "\r%d/%d %s (%.0f%%, %.0f/s)\x1b[K", done, total, p.what, 100*float64(done)/float64(total), rate)
	} else {
		fmt.Fprintf(p.w, "\r%d %s (%.0f/s)\x1b[K", done, p.what, rate)
	}
	p.shown = true
}

// done clears the progress line.
func (p *progress) done() {
	if p == nil || p.w == nil || !p.shown {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.shown = false
}
