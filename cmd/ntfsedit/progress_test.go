package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ntfsedit/ntfsedit/internal/oracle"
)

// TestProgressNotTerminal: a scan writing to a pipe or a buffer prints no
// progress, only its listing.
func TestProgressNotTerminal(t *testing.T) {
	sample := filepath.Join(oracle.RepoRoot(t), "fixtures", "sample.img")
	for _, args := range [][]string{
		{"find", sample},
		{"find", "--deleted", sample},
		{"find", "--slack", sample},
	} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		var stdout bytes.Buffer
		code := run(args, nil, &stdout, w)
		w.Close()
		got, _ := io.ReadAll(r)
		r.Close()
		if code != 0 || len(got) != 0 {
			t.Errorf("%q: exit %d, stderr %q; want 0 and nothing on a pipe", args, code, got)
		}
		if args[1] == sample && !strings.Contains(stdout.String(), "/readme.txt\n") {
			t.Errorf("%q: listing lacks /readme.txt:\n%s", args, stdout.String())
		}
	}
}

// TestProgressTerminal checks terminal detection (os.File.Stat
// ModeCharDevice: /dev/null is a character device, a pipe and a buffer
// are not), --quiet, and the line itself.
func TestProgressTerminal(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	tests := []struct {
		name   string
		stderr io.Writer
		quiet  bool
		want   bool
	}{
		{"character device", null, false, true},
		{"character device, --quiet", null, true, false},
		{"pipe", w, false, false},
		{"buffer", &bytes.Buffer{}, false, false},
	}
	for _, tt := range tests {
		p := newProgress(&env{stderr: tt.stderr}, tt.quiet, "records")
		if got := p.w != nil; got != tt.want {
			t.Errorf("%s: reports progress %v, want %v", tt.name, got, tt.want)
		}
	}

	var buf bytes.Buffer
	p := &progress{w: &buf, what: "records"}
	p.update(512, 1024)
	if !strings.HasPrefix(buf.String(), "\r512/1024 records (50%, ") {
		t.Errorf("line = %q", buf.String())
	}
	buf.Reset()
	p.update(600, 1024) // within progressEvery of the last line: not shown
	if buf.Len() != 0 {
		t.Errorf("line rewritten too soon: %q", buf.String())
	}
	p.update(1024, 1024) // the last one always is
	p.done()
	if !strings.HasPrefix(buf.String(), "\r1024/1024 records (100%") || !strings.HasSuffix(buf.String(), "\r\x1b[K") {
		t.Errorf("final line and clearing = %q", buf.String())
	}
}
