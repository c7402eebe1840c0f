#!/bin/sh
# Build the libFuzzer targets (tests/fuzz/fuzz_*.c) and run each for $1 seconds
# (default 20) on its seed corpus (tests/fuzz/corpus/<target>/). Fails if a
# target crashes or leaks.
set -e
secs=${1:-20}
make -s -j2 fuzz BUILD=build-fuzz
for t in build-fuzz/fuzz/fuzz_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    seeds=tests/fuzz/corpus/${name#fuzz_}
    work=tests/fuzz/corpus-work/${name#fuzz_}
    mkdir -p "$work"
    echo "fuzz $name for ${secs}s"
    if ! "$t" -artifact_prefix="$work-" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 "$work" $( [ -d "$seeds" ] && echo "$seeds" ) >"$work.log" 2>&1; then
        tail -n 40 "$work.log"; echo "fuzz target $name FAILED (input saved as $work-crash-*)"; exit 1
    fi
    tail -n 2 "$work.log"
done
