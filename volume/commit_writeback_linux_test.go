//go:build linux && !arm

package volume

import (
	"os"
	"path/filepath"
	"testing"
)

// unwrapping wraps a Device and says what it wraps.
type unwrapping struct{ Device }

func (u unwrapping) Unwrap() Device { return u.Device }

// The writeback hint reaches the image file through the volume window,
// sector alignment and a wrapper that unwraps, at the file's offset;
// devices without a writable file under them get none.
func TestWritebackFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "img")
	if err := os.WriteFile(path, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	rw, err := OpenDevice(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	ro, err := OpenDevice(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	file := rw.(*fileDevice).f
	tests := []struct {
		name   string
		d      Device
		off    int64
		wantOK bool
		want   int64
	}{
		{"file", rw, 100, true, 100},
		{"window", &subDevice{d: rw, off: 0x10000, n: 0x20000}, 0x200, true, 0x10200},
		{"aligned window", newAlignedDevice(&subDevice{d: rw, off: 0x8000, n: 0x8000}), 7, true, 0x8007},
		{"unwrapped", &subDevice{d: unwrapping{&subDevice{d: rw, off: 512, n: 4096}}, off: 1024, n: 1024}, 1, true, 1537},
		{"read-only", ro, 0, false, 0},
		{"memory", NewMemDevice(make([]byte, 4096), 512), 0, false, 0},
		{"wrapper without Unwrap", struct{ Device }{rw}, 0, false, 0},
	}
	for _, tc := range tests {
		f, off, ok := writebackFile(tc.d, tc.off)
		if ok != tc.wantOK || (ok && (f != file || off != tc.want)) {
			t.Errorf("%s: writebackFile = %v, %#x, %v; want the image at %#x, %v", tc.name, f, off, ok, tc.want, tc.wantOK)
		}
		startWriteback(tc.d, tc.off, 4096) // a hint: never fails
	}
}
