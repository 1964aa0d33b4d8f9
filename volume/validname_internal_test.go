package volume

import (
	"errors"
	"strings"
	"testing"
)

// TestValidName checks the Win32 name rules validName applies: every
// forbidden ASCII character and control, reserved device names with and
// without extension, trailing space or dot, the length limit in UTF-16
// code units, and names that pass.
func TestValidName(t *testing.T) {
	bad := []string{"", ".", "..", "a.", "a ", "CON", "con.txt", "Nul", "COM1", "lpt9.log", "AUX .x",
		strings.Repeat("x", 256), strings.Repeat("日", 256), strings.Repeat("😀", 128), "a\ufffdb"}
	for c := range 0x20 {
		bad = append(bad, "a"+string(rune(c))+"b")
	}
	for _, c := range `\/:*?"<>|` {
		bad = append(bad, "a"+string(c)+"b")
	}
	good := []string{"a", "a.b", ".a", "a b", "COM0", "COM10", "CONX", "lpt", "a\x7fb", "日本", "😀",
		strings.Repeat("x", 255), strings.Repeat("😀", 127) + "x", "a~b", "[a]{b}(c)#%&'+,;=@^`!$"}
	for _, n := range bad {
		if err := validName(n); !errors.Is(err, ErrInvalid) {
			t.Errorf("validName(%q) = %v, want ErrInvalid", n, err)
		}
	}
	for _, n := range good {
		if err := validName(n); err != nil {
			t.Errorf("validName(%q) = %v, want nil", n, err)
		}
	}
}

// TestIsCleanPath checks which paths the transaction's caches may key by:
// absolute, no empty, "." or ".." name, no trailing slash.
func TestIsCleanPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/a": true, "/a/b": true, "/a.b/.c/..d/d..": true, "/日本/x": true, "/ a": true,
		"": false, "/": false, "a": false, "a/b": false, "/a/": false, "//a": false, "/a//b": false,
		"/.": false, "/..": false, "/a/.": false, "/a/..": false, "/./a": false, "/../a": false, "/a/./b": false,
	} {
		if got := isCleanPath(p); got != want {
			t.Errorf("isCleanPath(%q) = %v, want %v", p, got, want)
		}
	}
}
