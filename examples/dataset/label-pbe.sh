#!/bin/sh
# PBE reference subset: the three beta-Li3PO4 test-set crystals (frames 0, 10, 20 of beta.xyz: one at
# each rattle amplitude, 16 atoms) labelled with the pbe preset (PBE, GTH, DZVP-MOLOPT-SR) at
# 600 Ry and a 2x2x2 Monkhorst-Pack mesh, to measure how far GFN1-xTB is from DFT
# (examples/dataset/compare-pbe.py). About 15-30 min per structure on one loaded core.
set -e
cd "$(dirname "$0")/../.."
AION=./build/aion
S=out/dataset/structures
L=out/dataset/labels
mkdir -p "$L"
$AION convert "$S/beta.xyz" "$S/pbe-ref.xyz" --frames ::10
$AION label --in "$S/pbe-ref.xyz" --out "$L/pbe-ref.xyz" --method pbe --set cutoff=600,kpoints=2x2x2 \
    --jobs 1 --threads-per-job 1 --timeout 7200
