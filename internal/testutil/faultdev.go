// Package testutil holds test helpers shared by several packages: a
// device that fails, tears or drops writes at a chosen point, and a redo
// journal store kept in memory that can be cut short.
package testutil

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
)

// Device is the subset of volume.Device that FaultDevice wraps (the same
// method set, so a FaultDevice is a volume.Device).
type Device interface {
	io.ReaderAt
	io.WriterAt
	Size() int64
	SectorSize() int
	Sync() error
	Close() error
}

// ErrInjected is the error of every write FaultDevice refuses.
var ErrInjected = errors.New("testutil: injected write failure")

// FaultMode says what FaultDevice does with the write that fails.
type FaultMode int

const (
	// FailWrite writes nothing of the failing call and returns ErrInjected.
	FailWrite FaultMode = iota
	// TearWrite writes the whole sectors of the first half of the call
	// plus half of the next sector (a sector torn by a power cut), then
	// returns ErrInjected.
	TearWrite
)

func (m FaultMode) String() string {
	switch m {
	case FailWrite:
		return "fail"
	case TearWrite:
		return "tear"
	}
	return fmt.Sprintf("FaultMode(%d)", int(m))
}

// FaultDevice passes reads through and counts WriteAt calls: calls before
// number FailAt (0-based) reach the inner device, call FailAt fails as
// Mode says, and every later call fails without writing (the machine is
// off). FailAt < 0 never fails. Sync fails once a write has failed.
//
// Not an on-disk structure.
type FaultDevice struct {
	Inner  Device
	FailAt int
	Mode   FaultMode

	mu     sync.Mutex
	writes int
	failed bool
}

// Writes returns the number of WriteAt calls so far (failed ones too).
func (d *FaultDevice) Writes() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.writes
}

// Failed reports whether a write was refused.
func (d *FaultDevice) Failed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.failed
}

func (d *FaultDevice) ReadAt(p []byte, off int64) (int, error) { return d.Inner.ReadAt(p, off) }
func (d *FaultDevice) Size() int64                             { return d.Inner.Size() }
func (d *FaultDevice) SectorSize() int                         { return d.Inner.SectorSize() }
func (d *FaultDevice) Close() error                            { return d.Inner.Close() }

func (d *FaultDevice) Sync() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.failed {
		return ErrInjected
	}
	return d.Inner.Sync()
}

func (d *FaultDevice) WriteAt(p []byte, off int64) (int, error) {
	d.mu.Lock()
	n := d.writes
	d.writes++
	fail := d.FailAt >= 0 && n >= d.FailAt
	if fail {
		d.failed = true
	}
	d.mu.Unlock()
	if !fail {
		return d.Inner.WriteAt(p, off)
	}
	if n == d.FailAt && d.Mode == TearWrite {
		k := TornLength(len(p), d.Inner.SectorSize())
		w, err := d.Inner.WriteAt(p[:k], off)
		if err != nil {
			return w, err
		}
		return w, fmt.Errorf("write %d at %#x: %w (torn after %d of %d bytes)", n, off, ErrInjected, k, len(p))
	}
	return 0, fmt.Errorf("write %d at %#x: %w", n, off, ErrInjected)
}

// TornLength is how many bytes of an n-byte write a TearWrite keeps: the
// whole sectors of the first half, then half a sector.
func TornLength(n, sector int) int {
	if sector <= 0 {
		sector = 512
	}
	k := n/2/sector*sector + sector/2
	return min(k, n)
}

// MemJournal is a volume.JournalStore in memory. CutAt ≥ 0 makes the next
// Write keep only its first CutAt bytes and fail (a crash while the
// journal was written); CutAt < 0 writes whole journals. After a cut the
// store is dead, as the machine is: Write and Remove fail and change
// nothing until Revive.
//
// Not an on-disk structure.
type MemJournal struct {
	CutAt int

	mu     sync.Mutex
	data   []byte
	exists bool
	dead   bool
}

// NewMemJournal returns an empty journal store that never cuts.
func NewMemJournal() *MemJournal { return &MemJournal{CutAt: -1} }

func (j *MemJournal) String() string { return "memory journal" }

func (j *MemJournal) Write(b []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.dead {
		return ErrInjected
	}
	if j.CutAt >= 0 {
		k := min(j.CutAt, len(b))
		j.data, j.exists = append([]byte(nil), b[:k]...), true
		j.CutAt, j.dead = -1, true
		return fmt.Errorf("journal cut after %d of %d bytes: %w", k, len(b), ErrInjected)
	}
	j.data, j.exists = append([]byte(nil), b...), true
	return nil
}

func (j *MemJournal) Read() ([]byte, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.exists {
		return nil, fs.ErrNotExist
	}
	return append([]byte(nil), j.data...), nil
}

func (j *MemJournal) Remove() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.dead {
		return ErrInjected
	}
	j.data, j.exists = nil, false
	return nil
}

// Bytes returns the stored journal (nil when there is none).
func (j *MemJournal) Bytes() []byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.exists {
		return nil
	}
	return append([]byte(nil), j.data...)
}

// Set replaces the stored journal (a copy of b), as if a crash had left it.
func (j *MemJournal) Set(b []byte) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.data, j.exists = append([]byte(nil), b...), true
}

// Revive brings a dead store back (the machine restarted).
func (j *MemJournal) Revive() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.dead = false
}
