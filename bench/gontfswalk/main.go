// Command gontfswalk walks a whole NTFS volume with go-ntfs's parser
// (www.velocidex.com/golang/go-ntfs) and prints one line per entry:
// "path<TAB>record". It is the go-ntfs column of bench/run.sh.
//
// Usage: gontfswalk IMAGE
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"www.velocidex.com/golang/go-ntfs/parser"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gontfswalk IMAGE")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gontfswalk:", err)
		os.Exit(1)
	}
}

func run(image string) error {
	f, err := os.Open(image)
	if err != nil {
		return err
	}
	defer f.Close()
	// go-ntfs reads in small pieces; its paged reader caches pages.
	reader, err := parser.NewPagedReader(f, 0x10000, 10000)
	if err != nil {
		return err
	}
	ntfs, err := parser.GetNTFSContext(reader, 0)
	if err != nil {
		return err
	}
	root, err := ntfs.GetMFT(5)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	seen := map[int64]bool{5: true}
	var walk func(dir *parser.MFT_ENTRY, prefix string)
	walk = func(dir *parser.MFT_ENTRY, prefix string) {
		for _, fi := range parser.ListDir(ntfs, dir) {
			if fi.Name == "." || strings.Contains(fi.Name, ":") {
				continue // the root's self entry; named streams
			}
			rec, _, _ := strings.Cut(fi.MFTId, "-")
			n, err := strconv.ParseInt(rec, 10, 64)
			if err != nil {
				continue
			}
			p := prefix + "/" + fi.Name
			fmt.Fprintf(w, "%s\t%d\n", p, n)
			if !fi.IsDir || seen[n] {
				continue
			}
			seen[n] = true
			child, err := ntfs.GetMFT(n)
			if err != nil {
				fmt.Fprintf(os.Stderr, "gontfswalk: %s: %v\n", p, err)
				continue
			}
			walk(child, p)
		}
	}
	walk(root, "")
	return nil
}
