package main

import (
	"strconv"

	"github.com/ntfsedit/ntfsedit/internal/corrupt"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdBreakimg is the testscript command "breakimg IMAGE KIND PATH [ARG]":
// one of the checker's corruptions (internal/corrupt) on PATH of IMAGE.
// KIND is linkcount (ARG: delta), rmentry, torn, freerec, swap (PATH a
// directory with a leaf root), mirror (PATH ignored) or parent (ARG: the
// new parent directory).
func cmdBreakimg(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: breakimg IMAGE KIND PATH [ARG]")
	}
	img, kind, p := ts.MkAbs(args[0]), args[1], args[2]
	arg := ""
	if len(args) > 3 {
		arg = args[3]
	}
	var err error
	switch kind {
	case "linkcount":
		d, perr := strconv.Atoi(arg)
		ts.Check(perr)
		_, err = corrupt.LinkCount(img, p, d)
	case "rmentry":
		err = corrupt.RemoveIndexEntry(img, p)
	case "torn":
		_, err = corrupt.TornRecordFixup(img, p)
	case "freerec":
		_, err = corrupt.FreeRecord(img, p, false)
	case "swap":
		_, err = corrupt.SwapEntries(img, p, true)
	case "mirror":
		err = corrupt.MirrorDiffer(img)
	case "parent":
		_, err = corrupt.FileNameParent(img, p, arg)
	default:
		ts.Fatalf("breakimg: unknown kind %q", kind)
	}
	if err != nil {
		ts.Fatalf("breakimg %s %s: %v", kind, p, err)
	}
}
