#!/bin/sh
# mkfs --from benchmark (not a test): a host tree of FILES small files
# (100 directories, a few hard links, symlinks and sparse files among
# them) copied into a new 1 GiB image, by `ntfsedit mkfs --from` (format
# and copy in one run) against mkntfs -f plus `cp -a` through an ntfs-3g
# mount (mount and umount included), in the same run. Reports wall time
# and peak RSS (/usr/bin/time) of each. Needs mkntfs, ntfs-3g, python3,
# root and /dev/fuse.
#
# BIG adds one dense file of that size (random bytes, head -c syntax:
# 512M) to the tree, which shows what streaming does to peak RSS.
#
#   bench/mkfs-from.sh          # FILES=20000 SIZE=1G BIG=0
#   BIG=512M SIZE=2G bench/mkfs-from.sh
set -eu
cd "$(dirname "$0")/.."
FILES=${FILES:-20000}
SIZE=${SIZE:-1G}
BIG=${BIG:-0}
tmp=$(mktemp -d)
trap 'umount "$tmp/mnt" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/ntfsedit" ./cmd/ntfsedit
mkdir "$tmp/tree" "$tmp/mnt"
python3 - "$tmp/tree" "$FILES" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "file-%06d.txt" % i)
    with open(p, "w") as f:
        f.write("file %d\n" % i * (1 + i % 50))
    if i % 1000 == 1:
        os.link(p, os.path.join(root, "link-%06d.txt" % i))
    if i % 1000 == 2:
        os.symlink(os.path.relpath(p, root), os.path.join(root, "sym-%06d" % i))
    if i % 5000 == 3:
        with open(os.path.join(root, "sparse-%06d.bin" % i), "wb") as f:
            f.truncate(64 << 20)
            f.write(b"head")
PY
if [ "$BIG" != 0 ]; then head -c "$BIG" /dev/urandom >"$tmp/tree/big.bin"; fi
sync
echo "tree: $(find "$tmp/tree" | wc -l) names, $(du -sh "$tmp/tree" | cut -f1)"

run() { /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null; }

truncate -s "$SIZE" "$tmp/a.img"
run "$tmp/ntfsedit" mkfs --from "$tmp/tree" "$tmp/a.img"
read -r s kb <"$tmp/time"
echo "ntfsedit mkfs --from: $s s, peak RSS $((kb / 1024)) MiB"

t0=$(date +%s.%N)
truncate -s "$SIZE" "$tmp/b.img"
mkntfs -F -q -f "$tmp/b.img" >/dev/null 2>&1
ntfs-3g "$tmp/b.img" "$tmp/mnt"
cp -a "$tmp/tree/." "$tmp/mnt/"
umount "$tmp/mnt"
t1=$(date +%s.%N)
echo "mkntfs -f + ntfs-3g mount + cp -a + umount: $(echo "$t1 - $t0" | bc) s"

# Both hold the same tree.
for img in a b; do
	"$tmp/ntfsedit" find "$tmp/$img.img" / | sort >"$tmp/$img.txt"
done
if cmp -s "$tmp/a.txt" "$tmp/b.txt"; then echo "same names: $(wc -l <"$tmp/a.txt")"; else echo "the two images differ:"; diff "$tmp/a.txt" "$tmp/b.txt" | head; fi
