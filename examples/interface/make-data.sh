#!/bin/sh
# xTB-labelled Li-metal and Li || Li3PO4 interface data (docs/interface.md), made with aion's own
# commands. Deterministic (fixed seeds, one thread). Output: examples/data/li-interface-xtb.xyz.
#
#   bcc_bulk      54-atom bcc Li (3x3x3 conventional, 10.32 A at a = 3.44 A) at a = 3.30, 3.44, 3.60,
#                 3.80, 4.00 A (GFN1-xTB has no minimum near 3.44 A, docs/interface.md), 2 copies
#                 each: random symmetric strain within +-2 %, rattle 0.08 A.
#   li100_surface Li(100) 3x3 surface cells, 8 planes, 10 A vacuum (72 atoms), rattle 0.05/0.10 A.
#   li110_surface Li(110) 2x3 (a*sqrt2 x a cells), 6 planes, 10 A vacuum (72 atoms), rattle 0.05/0.10 A.
#   iface100      Li(100) 2x2, 6 planes || 48-atom Li3PO4 glass (6.88 x 6.88 A lateral, 2.4 g/cm3,
#                 Pedone melt-quench at fixed cell), gaps 1.8 and 2.2 A, rattle 0.05/0.10 A (72 atoms).
#   iface110      Li(110) 2x2, 5 planes || 64-atom Li3PO4 glass (6.88 x 9.73 A) (104 atoms), gap 2.0 A,
#                 rattle 0.05/0.10 A.
#
# Labels: GFN1-xTB at Gamma with OT, as the Li-P-O(-N) data set (examples/dataset/xtb-nocheck.inp: the
# xtb preset without CP2K's atomic-charge check), one CP2K job at a time (nice). Gamma-only labels of
# metallic cells are not k-point converged (docs/interface.md); smeared k-point labels
# (xtb-metal.inp) were tried and abandoned: their SCF did not converge within 200 steps on the
# interface cells and would not be consistent with the Li-P-O(-N) data. About 10 min on one core.
# Usage: make-data.sh [structures|label|all] (default all)
set -e
STAGE=${1:-all}
cd "$(dirname "$0")/../.."
AION=./build/aion
make -s build/aion
W=out/interface/data
mkdir -p "$W"

if [ "$STAGE" != label ]; then
# -- structures ---------------------------------------------------------------------------------
rm -f "$W"/s-*.xyz
for a in 3.30 3.44 3.60 3.80 4.00; do
    $AION build bcc --a "$a" --size 3x3 --face 100 --layers 6 --out "$W/bcc-$a.xyz" 2>/dev/null
    $AION convert "$W/bcc-$a.xyz" "$W/s-bulk.xyz" --append --copies 2 --strain 0.02 --rattle 0.08 \
        --seed "$(echo "$a" | tr -d .)" --info config_type=bcc_bulk --keep config_type
done
$AION build bcc --size 3x3 --face 100 --layers 8 --vacuum 10 --out "$W/li100.xyz" 2>/dev/null
$AION build bcc --size 2x3 --face 110 --layers 6 --vacuum 10 --out "$W/li110.xyz" 2>/dev/null
for sig in 0.05 0.10; do
    $AION convert "$W/li100.xyz" "$W/s-surf100.xyz" --append --rattle "$sig" --seed 41 \
        --info config_type=li100_surface --keep config_type
    $AION convert "$W/li110.xyz" "$W/s-surf110.xyz" --append --rattle "$sig" --seed 42 \
        --info config_type=li110_surface --keep config_type
done
# glass slabs at fixed lateral cell (Pedone, NVT melt-quench as examples/dataset)
glass() {
    tag=$1 n=$2 lat=$3 seed=$4
    $AION quench --composition Li3PO4 --atoms "$n" --density 2.4 --lateral "$lat" --ensemble nvt-csvr \
        --seed "$seed" --t-start 300 --equil 0.5 --t-melt 3000 --rate 1000 --hold 5 --final-time 3 \
        --traj none --checkpoint-every 0 --threads 1 --out "$W/quench-$tag" 2>/dev/null
}
glass g100 48 6.88,6.88 51
glass g110 64 6.88,9.7286 52
for gap in 1.8 2.2; do
    $AION build interface --glass "$W/quench-g100/glass.xyz" --face 100 --layers 6 --gap "$gap" \
        --out "$W/if100-$gap.xyz" >/dev/null 2>&1
    for sig in 0.05 0.10; do
        $AION convert "$W/if100-$gap.xyz" "$W/s-if100.xyz" --append --rattle "$sig" --seed 61 \
            --info config_type=iface100 --keep config_type,region
    done
done
$AION build interface --glass "$W/quench-g110/glass.xyz" --face 110 --layers 5 --gap 2.0 \
    --out "$W/if110.xyz" >/dev/null 2>&1
for sig in 0.05 0.10; do
    $AION convert "$W/if110.xyz" "$W/s-if110.xyz" --append --rattle "$sig" --seed 62 \
        --info config_type=iface110 --keep config_type,region
done

fi
[ "$STAGE" = structures ] && exit 0

# -- labels -------------------------------------------------------------------------------------
TPL=examples/dataset/xtb-nocheck.inp
for fam in bulk surf100 surf110 if100 if110; do
    # failures (if any) are listed in s-FAM-xtb.xyz.work/failures.txt and left out
    nice $AION label --in "$W/s-$fam.xyz" --out "$W/s-$fam-xtb.xyz" --template "$TPL" --jobs 1 --timeout 1800 || true
done

# assemble: species, positions, cell, energy, forces, stress, config_type, region
OUT=examples/data/li-interface-xtb.xyz
rm -f "$OUT"
for fam in bulk surf100 surf110 if100 if110; do
    $AION convert "$W/s-$fam-xtb.xyz" "$OUT" --append --keep energy,forces,stress,config_type,region --precision 8
done
