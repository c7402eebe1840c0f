#!/bin/sh
# Neighbour-list build benchmark (scaling with N; see bench/nlist_bench.c).
# Usage: sh bench/nlist_bench.sh [cutoff skin full threads N...]
set -e
BUILD=${BUILD:-build}
make -s -j2 "$BUILD/libaion.a"
mkdir -p "$BUILD/bench"
${CC:-gcc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O3 -march=native -fopenmp \
    -Iinclude -Isrc -Isrc/core bench/nlist_bench.c "$BUILD/libaion.a" -lm -o "$BUILD/bench/nlist_bench"
"$BUILD/bench/nlist_bench" "$@"
