// Command ntfsedit reads and edits NTFS volumes offline: disk images,
// partitioned disks and raw devices.
//
// Usage:
//
//	ntfsedit <verb> [flags] IMAGE [ARGS]
//
// Run "ntfsedit help" for the verbs. A path inside the volume is
// "/"-separated from the volume root; "#N" names MFT record N. IMAGE@N
// picks partition N of a partitioned disk image.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
)

// command is one verb of the binary.
type command struct {
	name  string
	usage string // arguments after the verb
	short string
	// setup adds the verb's own flags; run executes it on the positional
	// arguments.
	setup func(fs *flag.FlagSet, o *opts)
	run   func(e *env, o *opts, args []string) error
	// minArgs and maxArgs bound the positional arguments (-1: unbounded).
	minArgs, maxArgs int
	// noImage: the verb takes no IMAGE argument.
	noImage bool
}

// env carries the process streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// failed is set when a verb reported per-entry errors but went on.
	failed bool
}

func (e *env) errorf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "ntfsedit: "+format+"\n", args...)
	e.failed = true
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// usageError is reported with exit status 2.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func main() {
	// NTFSEDIT_CPUPROFILE=FILE writes a CPU profile (for bench/ work).
	if p := os.Getenv("NTFSEDIT_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
		}
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit status: 0 success,
// 1 failure, 2 usage error.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printHelp(stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "--help", "-help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fs, _ := newFlagSet(c, stdout)
				fs.Usage()
				return 0
			}
		}
		printHelp(stdout)
		return 0
	case "version", "--version":
		fmt.Fprintln(stdout, "ntfsedit", version())
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "ntfsedit: unknown verb %q\n", name)
		printHelp(stderr)
		return 2
	}
	fs, o := newFlagSet(c, stderr)
	pos, err := parseInterleaved(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if !c.noImage && o.mftFile == "" {
		if len(pos) == 0 {
			fmt.Fprintf(stderr, "ntfsedit %s: missing IMAGE\n", c.name)
			fs.Usage()
			return 2
		}
		o.image, pos = pos[0], pos[1:]
	}
	if len(pos) < c.minArgs || (c.maxArgs >= 0 && len(pos) > c.maxArgs) {
		fmt.Fprintf(stderr, "ntfsedit %s: wrong number of arguments\n", c.name)
		fs.Usage()
		return 2
	}
	err = c.run(e, o, pos)
	var ue *usageError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "ntfsedit %s: %v\n", c.name, err)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "ntfsedit %s: %v\n", c.name, err)
		return 1
	case e.failed:
		return 1
	}
	return 0
}

// opts are the flags shared by the verbs that read a volume.
type opts struct {
	image   string
	json    bool
	offset  int64
	mftFile string
	all     bool
	w       *writeFlags // writing verbs (write.go)
	quiet   bool        // no progress line on a terminal (find)
}

func newFlagSet(c *command, out io.Writer) (*flag.FlagSet, *opts) {
	o := &opts{}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		img := "IMAGE "
		if c.noImage {
			img = ""
		}
		fmt.Fprintf(out, "usage: ntfsedit %s [flags] %s%s\n\n%s\n\nflags:\n", c.name, img, c.usage, c.short)
		fs.PrintDefaults()
	}
	if !c.noImage {
		fs.BoolVar(&o.json, "json", false, "print JSON (one object per line for lists)")
		fs.Int64Var(&o.offset, "offset", 0, "byte offset of the NTFS volume inside IMAGE")
		fs.StringVar(&o.mftFile, "mft-file", "", "read a bare extracted $MFT file instead of an IMAGE (resident data only)")
	}
	if c.setup != nil {
		c.setup(fs, o)
	}
	return fs, o
}

// parseInterleaved parses flags that may come before, between or after
// positional arguments ("ntfsedit ls IMAGE /dir -l"); "--" ends flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	args = expandShort(fs, args)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first positional argument or after "--".
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// expandShort splits grouped one-letter boolean flags as coreutils users
// type them ("-lR" → "-l -R"), leaving anything else alone.
func expandShort(fs *flag.FlagSet, args []string) []string {
	var out []string
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if len(a) < 3 || a[0] != '-' || a[1] == '-' || fs.Lookup(a[1:]) != nil || !allBoolFlags(fs, a[1:]) {
			out = append(out, a)
			continue
		}
		for _, c := range a[1:] {
			out = append(out, "-"+string(c))
		}
	}
	return out
}

func allBoolFlags(fs *flag.FlagSet, letters string) bool {
	for _, c := range letters {
		f := fs.Lookup(string(c))
		if f == nil {
			return false
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
			return false
		}
	}
	return true
}

func printHelp(w io.Writer) {
	fmt.Fprintf(w, "ntfsedit reads and edits NTFS volumes offline (images, partitioned disks, devices).\n\n")
	fmt.Fprintf(w, "usage: ntfsedit <verb> [flags] IMAGE [args]\n\nverbs:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  %-10s %s\n", n, firstLine(c.short))
	}
	fmt.Fprintf(w, "\nIMAGE@N picks partition N; --offset BYTES a volume at an offset; --mft-file reads a bare $MFT.\n")
	fmt.Fprintf(w, "Paths are /-separated from the volume root; #N names MFT record N.\n")
	fmt.Fprintf(w, "Run 'ntfsedit help VERB' for a verb's flags.\n")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
