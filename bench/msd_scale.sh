#!/bin/sh
# Build and run the memory-bounded MSD benchmark (see msd_scale.c).
# usage: sh bench/msd_scale.sh [N] [T] [MEM_MB]
set -e
BUILD=${BUILD:-build}
make -s "$BUILD/libaion.a"
gcc -O3 -march=native -std=c11 -D_POSIX_C_SOURCE=200809L -fopenmp -Iinclude -o "$BUILD/msd_scale" bench/msd_scale.c \
    "$BUILD/libaion.a" -lfftw3 -llapack -lopenblas -lsymspg -lcjson -lm
"$BUILD/msd_scale" "${1:-1000}" "${2:-100000}" "${3:-512}"
