#!/bin/sh
# Quick comparison of MTP levels for the Li-P-O(-N) xTB data (docs/verification.md, "Shipped MTP"):
# trains level 10, 12 and 16 (cutoff 5 A, stress weight 0) for a fixed number of iterations and writes
# out/potential/levelL/{pot.mtp,report/}. Run from the repository root after `make`.
set -eu
AION=${AION:-build/aion}
ITER=${ITER:-150}
for L in ${LEVELS:-10 12 16}; do
    d=out/potential/level$L
    mkdir -p "$d"
    [ -f "$d/report/report.json" ] && { echo "level $L: done"; continue; }
    /usr/bin/time -f "level $L: %U s CPU, %e s wall" nice "$AION" train \
        --train examples/data/lipon-xtb-train.xyz --test examples/data/lipon-xtb-test.xyz \
        --valid examples/data/lipon-pbe-ref.xyz \
        --species Li,P,O,N --level "$L" --cutoff 5 --weights 1,0.01,0 \
        --max-iter "$ITER" --tol 0 --seed 1 --threads 1 \
        --out "$d/pot.mtp" --report "$d/report" > "$d/train.log" 2>&1
done
