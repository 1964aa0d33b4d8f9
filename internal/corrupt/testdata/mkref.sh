#!/bin/bash
# Build the reference image of the checker's corruption tests with mkntfs and
# ntfs-3g (implementations that are not ours).
#
# Usage: internal/corrupt/testdata/mkref.sh OUT.img
#   needs root, /dev/fuse, ntfs-3g (mkntfs), attr (setfattr), python3.
#
# Contents: nested dirs; /links/a/original.txt with hard links
# /links/b/second.txt and /third.txt; /many with 400 files (a multi-level
# $I30 B-tree in INDX blocks); /pair with two files (a leaf $INDEX_ROOT);
# /only.txt; a junction /junction -> C:\pair and a relative symlink
# /symlink -> pair\a.txt (reparse points, keys in $Extend\$Reparse);
# non-resident /big.txt and /big2.txt; /Long File Name.txt with a separate
# DOS name LONGFI~1.TXT (two $FILE_NAME attributes); an alternate data stream.
set -euo pipefail
OUT=${1:?usage: mkref.sh OUT.img}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
for t in mkntfs ntfs-3g setfattr python3; do
	command -v "$t" >/dev/null || { echo "mkref.sh: $t not installed" >&2; exit 1; }
done

# rhex junction|symlink SUBST PRINT [FLAGS] -> 0x<hex> for system.ntfs_reparse_data
# (MS-FSCC 2.1.2: junction = substitute then print, NUL-terminated;
#  symlink = print then substitute, no NULs, flags 1 = relative)
rhex() {
	python3 - "$@" <<'PY'
import struct, sys
kind, subst, prnt = sys.argv[1], sys.argv[2], sys.argv[3]
s, p = subst.encode("utf-16-le"), prnt.encode("utf-16-le")
if kind == "junction":
    body = struct.pack("<HHHH", 0, len(s), len(s) + 2, len(p)) + s + b"\0\0" + p + b"\0\0"
    tag = 0xA0000003
else:
    flags = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    body = struct.pack("<HHHHI", len(p), len(s), 0, len(p), flags) + p + s
    tag = 0xA000000C
print("0x" + (struct.pack("<IHH", tag, len(body), 0) + body).hex())
PY
}

rm -f "$OUT"
truncate -s 8M "$OUT"
mkntfs -F -f -q -L CHECKREF "$OUT" >/dev/null 2>&1 || { echo "mkref.sh: mkntfs failed" >&2; exit 1; }
MNT=$(mktemp -d /tmp/mkref.XXXXXX)
cleanup() {
	cd /
	if mountpoint -q "$MNT"; then umount "$MNT" || umount -l "$MNT"; fi
	rmdir "$MNT"
}
trap cleanup EXIT
ntfs-3g -o streams_interface=xattr "$OUT" "$MNT"
cd "$MNT"

mkdir -p dir1/dir2 links/a links/b many pair
echo "deep" >dir1/dir2/deep.txt
echo "hard-linked" >links/a/original.txt
ln links/a/original.txt links/b/second.txt
ln links/a/original.txt third.txt
for i in $(seq -w 0 399); do echo "file $i" >"many/file$i.txt"; done
echo "a" >pair/a.txt
echo "b" >pair/b.txt
echo "only" >only.txt
mkdir junction
setfattr -n system.ntfs_reparse_data -v "$(rhex junction '\??\C:\pair' 'C:\pair')" junction
touch symlink
setfattr -n system.ntfs_reparse_data -v "$(rhex symlink 'pair\a.txt' 'pair\a.txt' 1)" symlink
head -c 20000 /dev/zero | tr '\0' 'x' >big.txt
head -c 30000 /dev/zero | tr '\0' 'y' >big2.txt
echo "long" >"Long File Name.txt"
setfattr -n system.ntfs_dos_name -v "LONGFI~1.TXT" "Long File Name.txt"
echo "main" >ads.txt
setfattr -n user.stream -v "alternate data" ads.txt
cd /
sync
umount "$MNT"
