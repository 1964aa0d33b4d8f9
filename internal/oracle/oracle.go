// Package oracle drives NTFS implementations we did not write — ntfs-3g (through
// a read-only FUSE mount), The Sleuth Kit (fls, istat) and libfsntfs
// (fsntfsinfo) — so tests can compare our reader with them.
//
// Every helper takes a testing.TB. A missing tool skips the test with an
// install hint, except under CI=true, where it fails: CI must run every oracle.
//
// References: ntfs-3g(8), fls(1), istat(1), fsntfsinfo(1); what these tools do
// and get wrong is collected in NTFS-FACTS.md of the shared notes.
package oracle

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CI reports whether we run under continuous integration (CI=true), where a
// missing oracle is a failure rather than a skip.
func CI() bool { return os.Getenv("CI") == "true" }

// packages maps a tool to the Debian package that provides it.
var packages = map[string]string{
	"ntfs-3g":    "ntfs-3g",
	"mkntfs":     "ntfs-3g",
	"ntfsfix":    "ntfs-3g",
	"fls":        "sleuthkit",
	"istat":      "sleuthkit",
	"ifind":      "sleuthkit",
	"icat":       "sleuthkit",
	"mmls":       "sleuthkit",
	"fsntfsinfo": "libfsntfs-utils",
	"setfattr":   "attr",
	"getfattr":   "attr",
	"python3":    "python3",
	"unzip":      "unzip",
	"gzip":       "gzip",
	"bash":       "bash",

	// forensic verbs (security, timeline, usn, shortcuts)
	"ntfssecaudit": "ntfs-3g",
	"mactime":      "sleuthkit",
	"lnkinfo":      "liblnk-utils",

	// containers and WOF
	"ewfacquire":    "ewf-tools",
	"ewfverify":     "ewf-tools",
	"qemu-img":      "qemu-utils",
	"vhdiinfo":      "libvhdi-utils",
	"vhdimount":     "libvhdi-utils",
	"wimlib-imagex": "wimtools",
}

// Unavailable skips t with msg, or fails it when CI=true.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf("oracle unavailable under CI=true: "+format, args...)
	}
	t.Skipf(format, args...)
}

// Require skips t (fails it under CI=true) unless every tool is in $PATH.
// Requiring "ntfs-3g" also requires what a FUSE mount needs: /dev/fuse and
// root (ntfs-3g refuses to mount an image file for other users).
func Require(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			pkg := packages[tool]
			if pkg == "" {
				pkg = tool
			}
			Unavailable(t, "%s not installed: apt-get install %s", tool, pkg)
		}
		if tool == "ntfs-3g" {
			if _, err := os.Stat("/dev/fuse"); err != nil {
				Unavailable(t, "ntfs-3g mounts need /dev/fuse: %v", err)
			}
			if os.Geteuid() != 0 {
				Unavailable(t, "ntfs-3g mounts of image files need root (euid %d)", os.Geteuid())
			}
		}
	}
}

// RepoRoot returns the directory holding the module's go.mod, found by
// walking up from the working directory (tests run in their package dir).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("oracle: no go.mod above the working directory")
		}
		dir = parent
	}
}

// SharedDir returns ../shared relative to the repository root (real-world
// images and tools kept outside the project). It skips t when the directory
// is missing, and fails under CI=true.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(filepath.Dir(RepoRoot(t)), "shared")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		Unavailable(t, "shared test data not found at ../shared (relative to the repository root)")
	}
	return dir
}

// ModuleDir returns the module cache directory of a Go module required by
// go.mod (go mod download -json MODULE → Dir), downloading it when needed.
func ModuleDir(t testing.TB, module string) string {
	t.Helper()
	out := Run(t, "go", "mod", "download", "-json", module)
	for line := range strings.Lines(string(out)) {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, `"Dir": `); ok {
			return strings.Trim(strings.TrimSuffix(v, ","), `"`)
		}
	}
	t.Fatalf("oracle: go mod download -json %s: no Dir in output:\n%s", module, out)
	return ""
}

// Run runs a command and returns its standard output; a non-zero exit fails t
// with the command's standard error.
func Run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, err := Output(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Output runs a command and returns its standard output, or an error that
// includes the command line and its standard error.
func Output(name string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("oracle: %s %s: %w\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes(), nil
}
