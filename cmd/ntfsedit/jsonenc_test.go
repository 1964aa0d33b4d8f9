package main

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAppendJSON(t *testing.T) {
	tests := []entryJSON{
		{Path: "/", Record: 5, Seq: 5, Type: "dir", Links: 1},
		{Path: "/a<b>&c\"d\\e\n\t\x01\u2028\u2029é日本😀\xff", Record: 1 << 40, Seq: 65535, Type: "file", Links: 1024, Size: -1,
			Attributes: []string{"archive", "reparse-point"}, Modified: "2026-01-02T03:04:05.1234567Z",
			Reparse: &reparseJSON{Tag: "IO_REPARSE_TAG_SYMLINK", TagValue: 0xA000000C, Kind: "symlink", Target: `\??\C:\x`, PrintName: `C:\x`, Relative: true, Data: "00ff", Error: "bad"},
			Interix: "../x", Streams: []string{"a", "Zone.Identifier"}},
		{Path: "/j", Type: "dir", Reparse: &reparseJSON{Tag: "IO_REPARSE_TAG_MOUNT_POINT"}},
	}
	for _, e := range tests {
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(e.appendJSON(nil))); diff != "" {
			t.Errorf("appendJSON differs from json.Marshal (-want +got):\n%s", diff)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a", "<&>", "\xff\xfe", "\u2028", "日本", "\x00\x1f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}
