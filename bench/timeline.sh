#!/bin/bash
# Benchmark a whole-volume timeline: `ntfsedit timeline` (bodyfile, and
# through mactime) vs TSK `fls -r -m /` piped into `mactime -b -`, on the
# cached 1M-record image of bench/run.sh (never built here: run
# `bench/run.sh build` first).
#
# Usage: bench/timeline.sh
#   BENCH_IMAGE=1m                    image name in the cache (default 1m)
#   BENCH_REPEAT=1                    runs per tool; the fastest is reported
#   NTFSEDIT_BENCH_CACHE=DIR          image cache (default ~/.cache/ntfsedit-bench)
# Prints a Markdown table: the wall time of each whole pipeline and the peak
# RSS of its largest process (/usr/bin/time -f '%e %M' around bash -c).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${NTFSEDIT_BENCH_CACHE:-$HOME/.cache/ntfsedit-bench}
IMG=$CACHE/${BENCH_IMAGE:-1m}.img
REPEAT=${BENCH_REPEAT:-1}
[ -f "$IMG" ] || { echo "bench: $IMG missing (bench/run.sh build makes it)" >&2; exit 1; }
for t in fls mactime; do command -v $t >/dev/null || { echo "bench: $t missing (apt-get install sleuthkit)" >&2; exit 1; }; done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
BIN=$(mktemp -d)/ntfsedit
trap 'rm -rf "$(dirname "$BIN")"' EXIT
(cd "$ROOT" && go build -o "$BIN" ./cmd/ntfsedit)

# best NAME CMD: run the shell pipeline CMD REPEAT times, print the row
best() {
	local name=$1 cmd=$2 bw= brss= lines=
	for _ in $(seq "$REPEAT"); do
		local out
		out=$( { /usr/bin/time -f '%e %M' bash -c "$cmd" >/dev/null; } 2>&1 | tail -1)
		local w=${out% *} rss=${out#* }
		if [ -z "$bw" ] || awk "BEGIN{exit !($w < $bw)}"; then bw=$w brss=$rss; fi
	done
	printf '| %s | %s | %.1f |\n' "$name" "$bw" "$(awk "BEGIN{print $brss/1024}")"
}

echo "image: $IMG ($(du -h --apparent-size "$IMG" | cut -f1)), best of $REPEAT"
echo "lines: ntfsedit $("$BIN" timeline "$IMG" | wc -l), fls -m $(fls -r -m / "$IMG" | wc -l)"
echo
echo "| pipeline | wall s | peak RSS MiB (largest process) |"
echo "|---|---:|---:|"
best "ntfsedit timeline (bodyfile)" "'$BIN' timeline '$IMG'"
best "ntfsedit timeline --format csv" "'$BIN' timeline --format csv '$IMG'"
best "fls -r -m /" "fls -r -m / '$IMG'"
best "ntfsedit timeline \\| mactime -b -" "'$BIN' timeline '$IMG' | mactime -b - -z UTC"
best "fls -r -m / \\| mactime -b -" "fls -r -m / '$IMG' | mactime -b - -z UTC"
