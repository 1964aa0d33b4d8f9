package main

import (
	"flag"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseInterleaved(t *testing.T) {
	tests := []struct {
		args []string
		pos  []string
		l, r bool
		n    string
	}{
		{args: []string{"img", "/d", "-l"}, pos: []string{"img", "/d"}, l: true},
		{args: []string{"-lR", "img"}, pos: []string{"img"}, l: true, r: true},
		{args: []string{"img", "-Rl", "/d"}, pos: []string{"img", "/d"}, l: true, r: true},
		{args: []string{"-n", "x", "img"}, pos: []string{"img"}, n: "x"},
		{args: []string{"img", "--", "-lR"}, pos: []string{"img", "-lR"}},
		{args: []string{"-ln", "img"}, pos: nil}, // -n takes a value: not a group
	}
	for _, tc := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		l := fs.Bool("l", false, "")
		r := fs.Bool("R", false, "")
		n := fs.String("n", "", "")
		pos, err := parseInterleaved(fs, tc.args)
		if tc.pos == nil {
			if err == nil {
				t.Errorf("%q: no error", tc.args)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if diff := cmp.Diff(tc.pos, pos); diff != "" || *l != tc.l || *r != tc.r || *n != tc.n {
			t.Errorf("%q: pos (-want +got) %s; l=%v R=%v n=%q", tc.args, diff, *l, *r, *n)
		}
	}
}
