#!/bin/sh
# MTP evaluation benchmark (see bench/mtp_bench.c).
# Usage: sh bench/mtp_bench.sh [pot.mtp data.lmp replicas repeats]
set -e
BUILD=${BUILD:-build}
make -s -j2 "$BUILD/libaion.a"
mkdir -p "$BUILD/bench"
${CC:-gcc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O3 -march=native -fopenmp \
    -Iinclude -Isrc -Isrc/core bench/mtp_bench.c "$BUILD/libaion.a" -lm -o "$BUILD/bench/mtp_bench"
"$BUILD/bench/mtp_bench" "$@"
