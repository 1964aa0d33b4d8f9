package reparse

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

var interixVectors = []struct {
	name   string
	data   string
	target string
	ok     bool
}{
	{"absolute", hexInterix, "/usr/bin/env", true},
	{"relative", "496e74784c4e4b01" + "2e002e002f007800", "../x", true},
	{"trailing NUL tolerated", "496e74784c4e4b01" + "78000000", "x", true},
	{"trailing NULs tolerated", "496e74784c4e4b01" + "780000000000", "x", true},
	{"empty target", "496e74784c4e4b01", "", true},
	{"odd length", "496e74784c4e4b01" + "780000", "", false},
	{"wrong magic", "496e74784c4e4b02" + "7800", "", false},
	{"device", hexInterixChr, "", false},
	{"short", "496e7478", "", false},
	{"empty", "", "", false},
}

func TestDecodeInterix(t *testing.T) {
	for _, tt := range interixVectors {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DecodeInterix(hx(t, tt.data))
			if got != tt.target || ok != tt.ok {
				t.Errorf("DecodeInterix = %q, %v; want %q, %v", got, ok, tt.target, tt.ok)
			}
			desc, ok := DescribeInterix(hx(t, tt.data))
			want := Target{}
			if tt.ok {
				want = Target{Kind: KindInterix, Target: tt.target, Relative: tt.target == "" || tt.target[0] != '/'}
			}
			if d := cmp.Diff(want, desc); d != "" || ok != tt.ok {
				t.Errorf("DescribeInterix = %v (-want +got):\n%s", ok, d)
			}
		})
	}
}

func TestAppendInterix(t *testing.T) {
	diffBytes(t, "AppendInterix", append([]byte{0xAA}, hx(t, hexInterix)...), AppendInterix([]byte{0xAA}, "/usr/bin/env"))
	diffBytes(t, "AppendInterix relative", hx(t, "496e74784c4e4b01"+"2e002e002f007800"), AppendInterix(nil, "../x"))
	n := Name{0xDC00, 'a'}
	got, ok := DecodeInterixName(AppendInterixName(nil, n))
	if d := cmp.Diff(n, got); d != "" || !ok {
		t.Errorf("DecodeInterixName(AppendInterixName(%v)) = %v (-want +got):\n%s", n, ok, d)
	}
}

func TestInterixDevice(t *testing.T) {
	tests := []struct {
		name string
		data string
		want InterixDevice
		ok   bool
	}{
		{"char", hexInterixChr, InterixDevice{Major: 1, Minor: 3}, true},
		{"block", "496e7478424c4b00" + "0800000000000000" + "0100000000000000", InterixDevice{Block: true, Major: 8, Minor: 1}, true},
		{"short", "496e74784348520001000000000000000300000000000000"[:40], InterixDevice{}, false},
		{"long", hexInterixChr + "00", InterixDevice{}, false},
		{"symlink", "496e74784c4e4b01" + "2e002e002f0078002e002e002f007800", InterixDevice{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := DecodeInterixDevice(hx(t, tt.data))
			if d := cmp.Diff(tt.want, got); d != "" || ok != tt.ok {
				t.Fatalf("DecodeInterixDevice = %v (-want +got):\n%s", ok, d)
			}
			if !ok {
				return
			}
			b, err := got.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			diffBytes(t, "AppendBinary", hx(t, tt.data), b)
		})
	}
}
