#!/bin/bash
# Benchmark `ntfsedit check` against ntfsck (ntfsprogs-plus, a real NTFS
# fsck) in read-only mode, `ntfsck -n -q`, on the 1M-record image of
# bench/run.sh (and optionally its 100k one), in the same run: the runs of
# the two tools alternate, and the fastest of BENCH_REPEAT runs of each is
# reported with its peak RSS (/usr/bin/time -f '%e %M').
#
# Usage: bench/check.sh
#   BENCH_IMAGES="1m"            which images (default 1m; "100k 1m" for both)
#   BENCH_REPEAT=5               runs per tool
#   NTFSEDIT_BENCH_CACHE=DIR     image cache shared with bench/run.sh
#                                (default ~/.cache/ntfsedit-bench)
#   NTFSCK=PATH                  ntfsck binary (default
#                                ~/.cache/ntfs-oracles/bin/ntfsck, built by
#                                ../shared/tools/build-ntfsck.sh)
#
# A missing image is built as bench/run.sh builds it (mkntfs + ntfs-3g,
# empty files in directories of 1,000; the 1M one takes about 8 minutes),
# under the same name, so the two scripts share their cache. Both tools
# must find the image clean: a run whose exit status is not 0 is reported
# as failed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NTFSEDIT_BENCH_CACHE:-$HOME/.cache/ntfsedit-bench}
IMAGES=${BENCH_IMAGES:-1m}
REPEAT=${BENCH_REPEAT:-5}
NTFSCK=${NTFSCK:-$HOME/.cache/ntfs-oracles/bin/ntfsck}
mkdir -p "$CACHE"
[ -x "$NTFSCK" ] || { echo "bench/check.sh: $NTFSCK missing (build it with ../shared/tools/build-ntfsck.sh)" >&2; exit 1; }
for t in mkntfs ntfs-3g python3 go; do
	command -v "$t" >/dev/null || { echo "bench/check.sh: $t not installed" >&2; exit 1; }
done
[ -x /usr/bin/time ] || apt-get install -y -qq time >/dev/null

. "$ROOT/bench/benchimg.sh"   # build NAME FILES SIZE: the images of bench/run.sh

for i in $IMAGES; do
	case $i in
	100k) build 100k 100000 1G ;;
	1m) build 1m 1000000 6G ;;
	*) echo "bench/check.sh: unknown image $i" >&2; exit 2 ;;
	esac
done

BIN=$(mktemp -d /tmp/ntfsedit-bench-check.XXXXXX)
trap 'rm -rf "$BIN"' EXIT
(cd "$ROOT" && go build -o "$BIN/ntfsedit" ./cmd/ntfsedit)

# run LABEL CMD…: one timed run; prints "WALL RSS_KB" or "failed"
run() {
	if /usr/bin/time -f '%e %M' -o "$BIN/time" "$@" >/dev/null 2>"$BIN/err"; then
		tail -1 "$BIN/time"
	else
		echo failed
	fi
}

echo "| image | tool | wall s (best of $REPEAT) | peak RSS MiB |"
echo "|---|---|---:|---:|"
for i in $IMAGES; do
	img=$CACHE/$i.img
	sync
	cat "$img" >/dev/null # same page-cache state for both tools
	best_ours="" best_ck=""
	for ((n = 0; n < REPEAT; n++)); do
		r=$(run "$BIN/ntfsedit" check "$img")
		[ "$r" = failed ] && { echo "ntfsedit check failed: $(tail -3 "$BIN/err")" >&2; exit 1; }
		if [ -z "$best_ours" ] || awk -v a="${r%% *}" -v b="${best_ours%% *}" 'BEGIN{exit !(a < b)}'; then best_ours=$r; fi
		r=$(run "$NTFSCK" -n -q "$img")
		[ "$r" = failed ] && { echo "ntfsck -n -q failed: $(tail -3 "$BIN/err")" >&2; exit 1; }
		if [ -z "$best_ck" ] || awk -v a="${r%% *}" -v b="${best_ck%% *}" 'BEGIN{exit !(a < b)}'; then best_ck=$r; fi
	done
	set -- $best_ours
	printf '| %s | ntfsedit check | %s | %.1f |\n' "$i" "$1" "$(awk -v k="$2" 'BEGIN{print k/1024}')"
	ours=$1
	set -- $best_ck
	printf '| %s | ntfsck -n -q | %s | %.1f |\n' "$i" "$1" "$(awk -v k="$2" 'BEGIN{print k/1024}')"
	awk -v a="$1" -v b="$ours" 'BEGIN{ printf "%s: ntfsedit check is %.1fx faster than ntfsck -n\n", "'"$i"'", a / b }' >&2
done
