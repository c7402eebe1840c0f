#!/bin/sh
# aion_potential_probe vs one full evaluation per point (bench/probe_bench.c),
# one thread: LiFePO4 1x2x2 (112 atoms) with Pedone/DSF and Pedone/Ewald, and
# the Mg-V-O MTP on its 96-atom cell. usage: sh bench/probe_bench.sh
set -e
BUILD=${BUILD:-build}
make -s -j2 "$BUILD/libaion.a" "$BUILD/aion"
mkdir -p "$BUILD/bench"
${CC:-gcc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O3 -march=native -fopenmp \
    -Iinclude bench/probe_bench.c "$BUILD/libaion.a" -lfftw3 -llapack -lopenblas -lsymspg -lcjson -lyaml -lm \
    -o "$BUILD/bench/probe_bench"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
"$BUILD/aion" convert ../shared/data/cifs/LiFePO4-Pnma.cif "$D/lfp112.vasp" --supercell 1x2x2 2>/dev/null
"$BUILD/bench/probe_bench" "$D/lfp112.vasp" pedone --coulomb dsf --element Li --points 20000 --full 300
"$BUILD/bench/probe_bench" "$D/lfp112.vasp" pedone --coulomb ewald --element Li --points 20000 --full 200
"$BUILD/bench/probe_bench" ../shared/data/mgv2o5/amorphous-MgV2O5-96.lmp ../shared/data/mgv2o5/pot.mtp \
    --species Mg,V,O --element Mg --points 5000 --full 100
