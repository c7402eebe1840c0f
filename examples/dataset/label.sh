#!/bin/sh
# Labels every family of out/dataset/structures/ with GFN1-xTB (aion label --method xtb, CP2K), one
# CP2K process on one thread. Interrupt it at will: run it again and finished structures are not
# recomputed (docs/labelling.md). Failed structures are listed in out/dataset/labels/F.xyz.work/
# failures.txt and left out of the labelled files; the script goes on with the next family.
# Usage: examples/dataset/label.sh [FAMILY...]   (default: all, crystals first)
set -e
cd "$(dirname "$0")/../.."
AION=./build/aion
S=out/dataset/structures
L=out/dataset/labels
mkdir -p "$L"
families=${*:-"beta gamma quench-d2.2 quench-d2.4 quench-d2.6 quench-d2.4b hot-d2.2 hot-d2.4 hot-d2.6 hot-d2.4b
                lipon-d2.2 lipon-d2.4 lipon-d2.6 lipon-d2.4b"}
for fam in $families; do
    $AION label --in "$S/$fam.xyz" --out "$L/$fam.xyz" --method xtb --jobs 1 --threads-per-job 1 ||
        echo "label.sh: $fam: some structures failed (see $L/$fam.xyz.work/failures.txt)" >&2
done
