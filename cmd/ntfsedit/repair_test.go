package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/ntfsedit/ntfsedit/internal/corrupt"
	"github.com/ntfsedit/ntfsedit/volume"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdBreakimg is the testscript command "breakimg IMAGE KIND PATH [ARG]":
// one of the checker's corruptions (internal/corrupt) on PATH of IMAGE.
// KIND is linkcount (ARG: delta), rmentry, torn, freerec, swap (PATH a
// directory with a leaf root), mirror (PATH ignored), parent (ARG: the
// new parent directory) or garbage (a torn record whose first attribute's
// length is garbage too: past saving).
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
	case "garbage":
		err = garbageRecord(img, p)
	default:
		ts.Fatalf("breakimg: unknown kind %q", kind)
	}
	if err != nil {
		ts.Fatalf("breakimg %s %s: %v", kind, p, err)
	}
}

// garbageRecord tears p's record and makes its first attribute's length
// impossible ($MFT must be contiguous, as on a fresh mkntfs volume).
func garbageRecord(img, p string) error {
	v, err := volume.Open(img, volume.Options{})
	if err != nil {
		return err
	}
	f, err := v.Lookup(p)
	if err != nil {
		v.Close()
		return err
	}
	info := v.Info()
	off := info.MFTCluster*int64(info.ClusterSize) + int64(f.Number())*int64(info.RecordSize)
	v.Close()
	if _, err := corrupt.TornRecordFixup(img, p); err != nil {
		return err
	}
	b, err := os.ReadFile(img)
	if err != nil {
		return err
	}
	if off+0x40 > int64(len(b)) || string(b[off:off+4]) != "FILE" {
		return fmt.Errorf("garbage: record of %s not at %#x", p, off)
	}
	ao := off + (int64(b[off+0x14]) | int64(b[off+0x15])<<8)
	b[ao+4], b[ao+5] = 0xff, 0xff
	return os.WriteFile(img, b, 0o644)
}
