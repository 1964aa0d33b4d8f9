#!/bin/bash
# Benchmark a whole-volume walk: `ntfsedit find` vs TSK `fls -r -p` vs a
# go-ntfs walk (bench/gontfswalk), on a 100k-file and a 1M-record image.
#
# Usage: bench/run.sh [build]        (build: only build the cached images)
#   BENCH_IMAGES="100k 1m"            which images (default both)
#   BENCH_REPEAT=3                    runs per tool; the fastest is reported
#   NTFSEDIT_BENCH_CACHE=DIR          image cache (default ~/.cache/ntfsedit-bench)
#
# Images are built once with mkntfs + an ntfs-3g FUSE mount (needs root,
# /dev/fuse, ntfs-3g, python3) and cached; build times are kept next to them
# (NAME.img.buildtime). Creating files through ntfs-3g is bound by its single
# FUSE thread (~2,500 empty files/s here); parallel creators (xargs -P) and
# lowntfs-3g were measured slower, so one python3 process creates every file
# in directories of 1,000, without forking per file.
# Prints a Markdown table: wall time and peak RSS from /usr/bin/time -f '%e %M'.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NTFSEDIT_BENCH_CACHE:-$HOME/.cache/ntfsedit-bench}
IMAGES=${BENCH_IMAGES:-100k 1m}
REPEAT=${BENCH_REPEAT:-3}
mkdir -p "$CACHE"

need() {
	for t in "$@"; do
		command -v "$t" >/dev/null && continue
		case $t in
		mkntfs | ntfs-3g) pkg=ntfs-3g ;; fls) pkg=sleuthkit ;; *) pkg=$t ;;
		esac
		echo "bench: $t missing, installing $pkg" >&2
		apt-get install -y -qq "$pkg" >/dev/null
	done
	[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null
}

. "$ROOT/bench/benchimg.sh"

need mkntfs ntfs-3g python3 fls go
for i in $IMAGES; do
	case $i in
	100k) build 100k 100000 1G ;;
	1m) build 1m 1000000 6G ;;
	*) echo "bench: unknown image $i" >&2; exit 2 ;;
	esac
done
[ "${1:-}" = build ] && exit 0

BIN=$(mktemp -d /tmp/ntfsedit-bench-bin.XXXXXX)
trap 'rm -rf "$BIN"' EXIT
(cd "$ROOT" && go build -o "$BIN/ntfsedit" ./cmd/ntfsedit && go build -o "$BIN/gontfswalk" ./bench/gontfswalk)

# measure LABEL CMD…: one table row, the fastest of $REPEAT runs (the machine
# may be shared; the minimum is the least disturbed); output goes to /dev/null
measure() {
	local label=$1 best="" r n
	shift
	for ((n = 0; n < REPEAT; n++)); do
		if ! /usr/bin/time -f '%e %M' -o "$BIN/time" "$@" >/dev/null 2>"$BIN/err"; then
			printf '| %s | %s | failed: %s | – |\n' "$img_name" "$label" "$(tail -1 "$BIN/err" | tr '|' ' ')"
			return
		fi
		r=$(tail -1 "$BIN/time")
		if [ -z "$best" ] || awk -v a="${r%% *}" -v b="${best%% *}" 'BEGIN{exit !(a < b)}'; then best=$r; fi
	done
	set -- $best
	printf '| %s | %s | %s | %.1f |\n' "$img_name" "$label" "$1" "$(awk -v k="$2" 'BEGIN{print k/1024}')"
}

echo "| image | tool | wall s (best of $REPEAT) | peak RSS MiB |"
echo "|---|---|---:|---:|"
for i in $IMAGES; do
	img=$CACHE/$i.img
	img_name="$i (built in $(cat "$img.buildtime") s)"
	sync
	cat "$img" >/dev/null # same page-cache state for every tool
	measure "ntfsedit find" "$BIN/ntfsedit" find "$img"
	measure "ntfsedit find --json" "$BIN/ntfsedit" find --json "$img"
	measure "fls -r -p" fls -r -p "$img"
	measure "go-ntfs walk" "$BIN/gontfswalk" "$img"
done
