package main

import "testing"

func TestParseByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64 // 0: an error
	}{
		{"4096", 4096},
		{"64M", 64 << 20},
		{"64m", 64 << 20},
		{"64MiB", 64 << 20},
		{"64MB", 64 << 20},
		{"2K", 2048},
		{"3G", 3 << 30},
		{"1T", 1 << 40},
		{"256T", 256 << 40},
		{"", 0},
		{"M", 0},
		{"0", 0},
		{"-1M", 0},
		{"1.5G", 0},
		{"12Q", 0},
		{"9999999T", 0}, // overflows
		{"0x100", 0},
	} {
		got, err := parseByteSize(tc.in)
		if tc.want == 0 {
			if err == nil {
				t.Errorf("parseByteSize(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}
