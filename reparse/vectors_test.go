package reparse

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Buffers made by tools we did not write. The junction and symlink
// buffers come from ../shared/tools/reparse-hex.py (beside the repository), which lays them out
// as Windows does:
//
//	reparse-hex.py junction '\??\C:\target' 'C:\target'
//	reparse-hex.py symlink  '..\target.txt' '..\target.txt' 1
//	reparse-hex.py symlink  '\??\C:\target.txt' 'C:\target.txt' 0
//	reparse-hex.py symlink  '\??\UNC\server\share\x' '\\server\share\x' 0
//	reparse-hex.py junction '\??\Volume{01234567-89ab-cdef-0123-456789abcdef}\dir' '\\?\Volume{01234567-89ab-cdef-0123-456789abcdef}\dir'
//	reparse-hex.py junction '\??\Volume{01234567-89ab-cdef-0123-456789abcdef}\' ''
//	reparse-hex.py symlink  '\dir\x' '\dir\x' 1
//
// hexRPBin is the $REPARSE_POINT value in rp.bin, an MFT record written
// by Windows (see TestRPBin). The others were built with Python's struct module.
const (
	hexJunction     = "030000a03800000000001a001c0012005c003f003f005c0043003a005c00740061007200670065007400000043003a005c007400610072006700650074000000"
	hexSymlinkRel   = "0c0000a0400000001a001a0000001a00010000002e002e005c007400610072006700650074002e007400780074002e002e005c007400610072006700650074002e00740078007400"
	hexSymlinkAbs   = "0c0000a0480000001a00220000001a000000000043003a005c007400610072006700650074002e007400780074005c003f003f005c0043003a005c007400610072006700650074002e00740078007400"
	hexSymlinkUNC   = "0c0000a05800000020002c0000002000000000005c005c007300650072007600650072005c00730068006100720065005c0078005c003f003f005c0055004e0043005c007300650072007600650072005c00730068006100720065005c007800"
	hexJunctionVol  = "030000a0dc000000000068006a0068005c003f003f005c0056006f006c0075006d0065007b00300031003200330034003500360037002d0038003900610062002d0063006400650066002d0030003100320033002d003400350036003700380039006100620063006400650066007d005c0064006900720000005c005c003f005c0056006f006c0075006d0065007b00300031003200330034003500360037002d0038003900610062002d0063006400650066002d0030003100320033002d003400350036003700380039006100620063006400650066007d005c006400690072000000"
	hexVolumeMount  = "030000a06e00000000006200640000005c003f003f005c0056006f006c0075006d0065007b00300031003200330034003500360037002d0038003900610062002d0063006400650066002d0030003100320033002d003400350036003700380039006100620063006400650066007d005c0000000000"
	hexSymlinkRoot  = "0c0000a0240000000c000c0000000c00010000005c006400690072005c0078005c006400690072005c007800"
	hexRPBin        = "0c0000a0340000001400140000001400010000007400610072006700650074002e007400780074007400610072006700650074002e00740078007400"
	hexLXSymlink    = "1d0000a014000000020000002e2e2f6c69622f6c6962632e736f2e36"
	hexAppExecLink  = "1b00008080010000030000004d006900630072006f0073006f00660074002e004400650073006b0074006f00700041007000700049006e007300740061006c006c00650072005f003800770065006b0079006200330064003800620062007700650000004d006900630072006f0073006f00660074002e004400650073006b0074006f00700041007000700049006e007300740061006c006c00650072005f003800770065006b007900620033006400380062006200770065002100770069006e00670065007400000043003a005c00500072006f006700720061006d002000460069006c00650073005c00570069006e0064006f007700730041007000700073005c004d006900630072006f0073006f00660074002e004400650073006b0074006f00700041007000700049006e007300740061006c006c00650072005f0031002e0030005f007800360034005f005f003800770065006b007900620033006400380062006200770065005c00770069006e006700650074002e00650078006500000030000000"
	hexWOFFile      = "170000801000000001000000020000000100000001000000"
	hexWOFWIM       = "170000802c00000001000000010000000100000000000000000102030405060708090a0b0c0d0e0f101112130500000000000000"
	hexGUIDTag      = "0a000000050000000102030405060708090a0b0c0d0e0f1068656c6c6f"
	hexCloud3       = "1a3000900a0000000100f0ffeeddccbbaa99"
	hexDedup        = "1300008020000000000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	hexEmptyData    = "2000008000000000"
	hexInterix      = "496e74784c4e4b012f007500730072002f00620069006e002f0065006e007600"
	hexInterixChr   = "496e74784348520001000000000000000300000000000000"
	volumeGUIDPath  = `Volume{01234567-89ab-cdef-0123-456789abcdef}`
	appxTargetPath  = `C:\Program Files\WindowsApps\Microsoft.DesktopAppInstaller_1.0_x64__8wekyb3d8bbwe\winget.exe`
	appxPackageID   = "Microsoft.DesktopAppInstaller_8wekyb3d8bbwe"
	appxAppUserModl = appxPackageID + "!winget"
)

// hx decodes hex, ignoring spaces; it fails the test on bad input.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// mustHex is hx for package-level tables.
func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// diffBytes compares byte slices as hex dumps so a failure shows where.
func diffBytes(t testing.TB, what string, want, got []byte) {
	t.Helper()
	if d := cmp.Diff(hex.Dump(want), hex.Dump(got)); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// pointVectors pair whole buffers with their decoded Point and summary.
// TestDecode and TestAppendBinary share them.
var pointVectors = []struct {
	name string
	hex  string
	want Point
	desc Target
}{
	{
		name: "junction",
		hex:  hexJunction,
		want: Point{Tag: TagMountPoint, Data: mustHex(hexJunction)[8:]},
		desc: Target{Kind: KindJunction, Target: `\??\C:\target`, PrintName: `C:\target`},
	},
	{
		name: "junction volume GUID",
		hex:  hexJunctionVol,
		want: Point{Tag: TagMountPoint, Data: mustHex(hexJunctionVol)[8:]},
		desc: Target{Kind: KindJunction, Target: `\??\` + volumeGUIDPath + `\dir`, PrintName: `\\?\` + volumeGUIDPath + `\dir`},
	},
	{
		name: "volume mount point, empty print name",
		hex:  hexVolumeMount,
		want: Point{Tag: TagMountPoint, Data: mustHex(hexVolumeMount)[8:]},
		desc: Target{Kind: KindJunction, Target: `\??\` + volumeGUIDPath + `\`},
	},
	{
		name: "symlink relative",
		hex:  hexSymlinkRel,
		want: Point{Tag: TagSymlink, Data: mustHex(hexSymlinkRel)[8:]},
		desc: Target{Kind: KindSymlink, Target: `..\target.txt`, PrintName: `..\target.txt`, Relative: true},
	},
	{
		name: "symlink absolute",
		hex:  hexSymlinkAbs,
		want: Point{Tag: TagSymlink, Data: mustHex(hexSymlinkAbs)[8:]},
		desc: Target{Kind: KindSymlink, Target: `\??\C:\target.txt`, PrintName: `C:\target.txt`},
	},
	{
		name: "symlink UNC",
		hex:  hexSymlinkUNC,
		want: Point{Tag: TagSymlink, Data: mustHex(hexSymlinkUNC)[8:]},
		desc: Target{Kind: KindSymlink, Target: `\??\UNC\server\share\x`, PrintName: `\\server\share\x`},
	},
	{
		name: "symlink root-relative",
		hex:  hexSymlinkRoot,
		want: Point{Tag: TagSymlink, Data: mustHex(hexSymlinkRoot)[8:]},
		desc: Target{Kind: KindSymlink, Target: `\dir\x`, PrintName: `\dir\x`, Relative: true},
	},
	{
		name: "symlink from rp.bin",
		hex:  hexRPBin,
		want: Point{Tag: TagSymlink, Data: mustHex(hexRPBin)[8:]},
		desc: Target{Kind: KindSymlink, Target: `target.txt`, PrintName: `target.txt`, Relative: true},
	},
	{
		name: "LX symlink",
		hex:  hexLXSymlink,
		want: Point{Tag: TagLXSymlink, Data: mustHex(hexLXSymlink)[8:]},
		desc: Target{Kind: KindLXSymlink, Target: "../lib/libc.so.6", Relative: true},
	},
	{
		name: "app exec link",
		hex:  hexAppExecLink,
		want: Point{Tag: TagAppExecLink, Data: mustHex(hexAppExecLink)[8:]},
		desc: Target{Kind: KindAppExecLink, Target: appxTargetPath},
	},
	{
		name: "WOF file provider LZX",
		hex:  hexWOFFile,
		want: Point{Tag: TagWOF, Data: mustHex(hexWOFFile)[8:]},
		desc: Target{Kind: KindWOF},
	},
	{
		name: "WOF WIM provider",
		hex:  hexWOFWIM,
		want: Point{Tag: TagWOF, Data: mustHex(hexWOFWIM)[8:]},
		desc: Target{Kind: KindWOF},
	},
	{
		name: "non-Microsoft tag with GUID",
		hex:  hexGUIDTag,
		want: Point{
			Tag:  0x0000000A,
			GUID: [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
			Data: []byte("hello"),
		},
		desc: Target{Kind: KindOther},
	},
	{
		name: "cloud 3",
		hex:  hexCloud3,
		want: Point{Tag: TagCloud3, Data: mustHex("0100f0ffeeddccbbaa99")},
		desc: Target{Kind: KindCloud},
	},
	{
		name: "dedup",
		hex:  hexDedup,
		want: Point{Tag: TagDedup, Data: mustHex(hexDedup)[8:]},
		desc: Target{Kind: KindDedup},
	},
	{
		name: "no data",
		hex:  hexEmptyData,
		want: Point{Tag: TagUnhandled},
		desc: Target{Kind: KindOther},
	},
	{
		name: "reserved field kept",
		hex:  "0c0000a00c000100" + "000000000000000000000000",
		want: Point{Tag: TagSymlink, Reserved: 1, Data: make([]byte, 12)},
		desc: Target{Kind: KindSymlink},
	},
}
