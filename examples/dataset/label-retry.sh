#!/bin/sh
# Second pass for the structures that `aion label --method xtb` refused with "xTB Charges" (CP2K's
# CHECK_ATOMIC_CHARGES: a Li Mulliken charge above 1.05 e during the SCF). They are labelled again
# with the same GFN1-xTB settings but the check off (xtb-nocheck.inp, CP2K files kept), and
# check-charges.py accepts those whose final charges and energy are sane. Output per family F:
#   out/dataset/labels/retry-F.xyz            labelled with the check off (info orig_index)
#   out/dataset/labels/retry-F.accepted       positions in retry-F.xyz that passed the check
# Run after label.sh; interrupt and rerun at will (aion label restarts).
# Usage: examples/dataset/label-retry.sh [FAMILY...]
set -e
cd "$(dirname "$0")/../.."
AION=./build/aion
S=out/dataset/structures
L=out/dataset/labels
families=${*:-"beta gamma quench-d2.2 quench-d2.4 quench-d2.6 quench-d2.4b hot-d2.2 hot-d2.4 hot-d2.6 hot-d2.4b
                lipon-d2.2 lipon-d2.4 lipon-d2.6 lipon-d2.4b"}
for fam in $families; do
    ls "$L/$fam.xyz.work/failed/"s*.txt >/dev/null 2>&1 || continue
    idx=$(grep -l "xTB Charges" "$L/$fam.xyz.work/failed/"s*.txt | xargs sed -n 's/^index //p' | sort -n)
    [ -n "$idx" ] || continue
    rm -f "$S/retry-$fam.xyz"
    for i in $idx; do
        $AION convert "$S/$fam.xyz" "$S/retry-$fam.xyz" --append --frames "$i" --info "orig_index=$i" 2>/dev/null
    done
    $AION label --in "$S/retry-$fam.xyz" --out "$L/retry-$fam.xyz" --template examples/dataset/xtb-nocheck.inp \
        --keep --jobs 1 --threads-per-job 1 ||
        echo "label-retry.sh: $fam: some structures failed again (see $L/retry-$fam.xyz.work/failures.txt)" >&2
    /usr/bin/python3 examples/dataset/check-charges.py "$L/retry-$fam.xyz.work" "$L/retry-$fam.xyz" "$L/$fam.xyz" \
        >"$L/retry-$fam.accepted"
done
