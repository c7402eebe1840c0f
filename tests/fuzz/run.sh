#!/bin/sh
# Build the libFuzzer targets (tests/fuzz/fuzz_*.c) and run each on its seed
# corpus (tests/fuzz/corpus/<target>/). Fails if a target crashes or leaks.
#
#   sh tests/fuzz/run.sh [SECONDS] [SEED] [RUNS]
#
# CI runs a fixed seed (default 1) and a fixed number of inputs (default
# 50000; SECONDS, default 120, is only a cap that the slowest target does not
# reach here) from an empty work corpus, so that a CI result is reproduced
# exactly by the same command here. For a real campaign give a long
# time, another seed and RUNS=-1 (unlimited); new inputs stay in
# tests/fuzz/corpus-work/ (ignored by git) and crashers are saved next to it.
set -e
secs=${1:-120}
seed=${2:-1}
runs=${3:-50000}
make -s -j2 fuzz BUILD=build-fuzz
for t in build-fuzz/fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    seeds=tests/fuzz/corpus/${name#fuzz_}
    work=tests/fuzz/corpus-work/${name#fuzz_}
    if [ "$runs" != -1 ]; then
        work=tests/fuzz/corpus-work/${name#fuzz_}-seed$seed
        rm -rf "$work"
    fi
    mkdir -p "$work"
    echo "fuzz $name: seed $seed, at most ${secs}s and $runs inputs"
    if ! "$t" -seed="$seed" -runs="$runs" -artifact_prefix="$work-" -max_total_time="$secs" -rss_limit_mb=2048 \
        -max_len=65536 "$work" $( [ -d "$seeds" ] && echo "$seeds" ) >"$work.log" 2>&1; then
        tail -n 40 "$work.log"; echo "fuzz target $name FAILED (input saved as $work-crash-* or -leak-*)"; exit 1
    fi
    tail -n 2 "$work.log"
done
