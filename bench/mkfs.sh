#!/bin/sh
# mkfs benchmark (not a test): `ntfsedit mkfs` against `mkntfs -F -q -f`
# (quick: no zeroing) on the same sparse image size, in the same run.
# Reports the best wall time of REPEAT runs, peak RSS and the disk space
# the image takes. Needs mkntfs and GNU time (/usr/bin/time).
#
#   bench/mkfs.sh              # SIZE=1T REPEAT=5
set -eu
cd "$(dirname "$0")/.."
SIZE=${SIZE:-1T}
REPEAT=${REPEAT:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/ntfsedit" ./cmd/ntfsedit

# best TOOL CMD...: the fastest of REPEAT runs, "seconds peakKiB"; the image
# is recreated (empty, sparse) before each run.
best() {
	tool=$1
	shift
	b=""
	for _ in $(seq "$REPEAT"); do
		rm -f "$tmp/img"
		truncate -s "$SIZE" "$tmp/img"
		/usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null 2>&1
		r=$(cat "$tmp/time")
		if [ -z "$b" ] || [ "$(echo "${r% *} < ${b% *}" | bc)" = 1 ]; then b=$r; fi
	done
	printf '%-16s %8s s %8s KiB RSS %8s KiB on disk\n' "$tool" "${b% *}" "${b#* }" "$(du -k "$tmp/img" | cut -f1)"
}

echo "image size $SIZE, best of $REPEAT"
best "ntfsedit mkfs" "$tmp/ntfsedit" mkfs --force "$tmp/img"
best "mkntfs -f" mkntfs -F -q -f "$tmp/img"
