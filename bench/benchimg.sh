# Sourced by bench/run.sh and bench/check.sh (bash): the benchmark images,
# cached in $CACHE under one name so the scripts share them.

# build NAME FILES SIZE: an NTFS image with FILES empty files in dirs of 1,000
build() {
	local name=$1 files=$2 size=$3 img=$CACHE/$1.img
	[ -f "$img" ] && return 0
	echo "bench: building $img ($files files)…" >&2
	local start=$SECONDS tmp=$img.tmp mnt
	rm -f "$tmp"
	truncate -s "$size" "$tmp"
	mkntfs -F -f -q -c 4096 -L "BENCH$name" "$tmp" >/dev/null 2>&1
	mnt=$(mktemp -d /tmp/ntfsedit-bench.XXXXXX)
	ntfs-3g -o big_writes "$tmp" "$mnt"
	python3 - "$mnt" "$files" <<'PY'
import os, sys, time
mnt, n = sys.argv[1], int(sys.argv[2])
t0 = time.time()
for i in range(n):
    if i % 1000 == 0:
        d = os.path.join(mnt, "d%04d" % (i // 1000 // 100), "d%06d" % (i // 1000))
        os.makedirs(d)
        if i % 50000 == 0 and i:
            print("bench: %d files, %.0f/s" % (i, i / (time.time() - t0)), file=sys.stderr, flush=True)
    os.close(os.open(os.path.join(d, "file-%07d.txt" % i), os.O_CREAT | os.O_WRONLY, 0o644))
PY
	sync
	umount "$mnt" || umount -l "$mnt"
	rmdir "$mnt"
	mv "$tmp" "$img"
	echo "$((SECONDS - start))" >"$img.buildtime"
	echo "bench: built $img in $((SECONDS - start)) s" >&2
}
