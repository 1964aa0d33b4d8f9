# Recipes for ntfsedit. `just --list` shows them.
set shell := ["bash", "-euo", "pipefail", "-c"]

fuzztime := env_var_or_default("FUZZTIME", "20s")
# Go minimizes each new interesting input for up to this long (its default,
# 60s, spends a short run on it: every step snapshots the coverage of the
# whole test binary, large for volume; FuzzDecodeJournal sat at 0 execs/s)
fuzzmin := env_var_or_default("FUZZMINIMIZE", "2s")

# the README's test command (oracle tests skip when a tool is missing, fail under CI=true)
test:
    go test ./...

# CLI acceptance tests against ntfs-3g, fls, fsntfsinfo and go-ntfs
interop:
    go test ./internal/interop/ -v -count=1

# ntfsedit find vs fls vs go-ntfs on 100k- and 1M-file images (cached builds)
bench:
    bench/run.sh

# the other benchmarks: writer (10k links vs ntfs-3g ln), check (vs ntfsck -n),
# mkfs (1 TiB vs mkntfs), mkfs --from (20k files vs mkntfs + cp through ntfs-3g), timeline
bench-writer:
    bench/writer.sh

bench-check:
    bench/check.sh

bench-mkfs:
    bench/mkfs.sh
    bench/mkfs-from.sh

bench-timeline:
    bench/timeline.sh

# run every Fuzz target for FUZZTIME (default 20s) each, minimizing new
# inputs for FUZZMINIMIZE (default 2s)
fuzz:
    for pkg in $(go list ./...); do \
        for f in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do \
            echo "== $pkg $f"; \
            go test "$pkg" -run '^$' -fuzz "^$f\$" -fuzztime {{fuzztime}} -fuzzminimizetime {{fuzzmin}}; \
        done; \
    done

# gofmt, go vet, staticcheck
lint:
    test -z "$(gofmt -l .)" || { gofmt -l .; exit 1; }
    go vet ./...
    if command -v staticcheck >/dev/null; then staticcheck ./...; else go run honnef.co/go/tools/cmd/staticcheck@latest ./...; fi

# regenerate the committed fixtures (sample.img, testdata/*.img.gz, manifests) from fixtures/specs.go
sample:
    go generate ./fixtures

# what CI runs
ci:
    bash .ci/run
