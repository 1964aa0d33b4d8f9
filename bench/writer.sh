#!/bin/sh
# Writer benchmark (not a test): 10,000 hard links into one directory
# with ntfsedit's library in one transaction, against ln through an ntfs-3g
# mount (mount and umount included), REPEAT times alternately, each run
# with its ratio, then medians and fastest runs; then index blocks per
# insert as a directory grows. Needs mkntfs, ntfs-3g, python3, root and
# /dev/fuse.
#
#   bench/writer.sh            # FILES=10000 PER=1 REPEAT=5 SIZES=1000,10000,100000
set -eu
cd "$(dirname "$0")/.."
FILES=${FILES:-10000}
PER=${PER:-1}
REPEAT=${REPEAT:-5}
SIZES=${SIZES:-1000,10000,100000}
tmp=$(mktemp -d)
trap 'umount "$tmp/mnt" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/writelinks" ./bench/writelinks
fresh() { rm -f "$1"; truncate -s 512M "$1"; mkntfs -F -q -f "$1" >/dev/null 2>&1; }
now() { date +%s.%N; }
mkdir "$tmp/mnt"

for run in $(seq "$REPEAT"); do
	fresh "$tmp/a.img"
	"$tmp/writelinks" -img "$tmp/a.img" -files "$FILES" -per "$PER" links | tee "$tmp/lib.txt"
	lib=$(sed -n 's/.*commit, close): \([0-9.]*\) s.*/\1/p' "$tmp/lib.txt")

	fresh "$tmp/b.img"
	ntfs-3g "$tmp/b.img" "$tmp/mnt"
	mkdir "$tmp/mnt/src" "$tmp/mnt/links"
	python3 -c 'import sys
for i in range(int(sys.argv[2])): open("%s/src/f%05d" % (sys.argv[1], i), "w").write("x")' "$tmp/mnt" "$FILES"
	umount "$tmp/mnt"
	t0=$(now)
	ntfs-3g "$tmp/b.img" "$tmp/mnt"
	python3 -c 'import os, sys
d, files, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(files):
    for j in range(per):
        os.link("%s/src/f%05d" % (d, i), "%s/links/l%05d-%04d" % (d, i, j))' "$tmp/mnt" "$FILES" "$PER"
	umount "$tmp/mnt"
	t1=$(now)
	ref=$(echo "$t1 - $t0" | bc)
	echo "ntfs-3g: $((FILES * PER)) hard links (mount, os.link from one python3 process, umount): $ref s"
	echo "run $run: library $lib s, ntfs-3g $ref s, ratio $(echo "scale=1; $ref / $lib" | bc)x (load $(cut -d' ' -f1 /proc/loadavg))"
	echo "$lib $ref" >>"$tmp/runs.txt"
done
# Over the runs: the median of the per-run ratios, and each side's median
# and fastest run (on a shared VM the noise only ever adds time).
python3 - "$tmp/runs.txt" <<'PY'
import statistics as st, sys
lib, ref = zip(*(map(float, l.split()) for l in open(sys.argv[1])))
print("summary of %d runs: ratio median %.1fx; library median %.3f s, fastest %.3f s; ntfs-3g median %.3f s, fastest %.3f s; fastest/fastest %.1fx"
      % (len(lib), st.median(r / l for l, r in zip(lib, ref)), st.median(lib), min(lib), st.median(ref), min(ref), min(ref) / min(lib)))
PY

fresh "$tmp/c.img"
"$tmp/writelinks" -img "$tmp/c.img" -sizes "$SIZES" insert
