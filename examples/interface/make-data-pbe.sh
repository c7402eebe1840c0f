#!/bin/sh
# PBE-labelled Li metal, Li3PO4 glass and Li(100) || glass interface data (docs/interface.md, "PBE
# data"): the reference GFN1-xTB could not be (no bound Li metal near 3.44 A, no equation of state for
# the glass). Made with aion's own commands; deterministic structures (fixed seeds, one thread).
# Output: examples/data/li-interface-pbe.xyz (the families labelled so far, in the order below).
#
#   bcc_bulk       16-atom bcc Li (2x2x2 conventional) at a = 3.30, 3.44, 3.58 A, 2 copies each:
#                  random symmetric strain within +-2 %, rattle 0.08 A (k-mesh 2x2x2 at 3.44 A)
#   glass          48-atom Li3PO4 glasses, Pedone NVT melt-quench at fixed cell 6.88 x 6.88 A
#                  (the lateral cell of Li(100) 2x2), 2.2, 2.4 and 2.6 g/cm3, 2 copies each:
#                  rattle 0.05 A, and strain +-2 % with rattle 0.10 A
#   iface100       Li(100) 2x2, 6 planes || the 2.4 g/cm3 glass (72 atoms, 6.88 x 6.88 x 23.4 A),
#                  gaps 1.8 and 2.2 A, rattle 0.05 / 0.10 A (k-mesh 2x2x1)
#   li100_surface  Li(100) 2x2, 6 planes, 10 A vacuum (24 atoms), rattle 0.08 A
#   li110_surface  Li(110) 2x2, 4 planes, 10 A vacuum, rattle 0.08 A
#
# Labels: PBE (examples/interface/pbe-metal.inp: DZVP-MOLOPT-SR-GTH, GTH q3/q5/q6, 400 Ry, Fermi-Dirac
# 1000 K, diagonalisation, Monkhorst-Pack k-mesh from kspacing 0.5 1/A), two CP2K jobs of one thread
# at a time. Measured here: a 72-atom interface cell takes 39 SCF steps, 7 s per step on two threads
# (about 5 min) at Gamma and the same per step with its 2x2x1 mesh.
# Each family is labelled by one `aion label` run whose work directory keeps every finished label, so
# an interrupted run continues where it stopped (run the script again).
# Usage: make-data-pbe.sh [structures|label|all] (default all); FAMILIES="bulk glass ..." to choose.
set -e
STAGE=${1:-all}
FAMILIES=${FAMILIES:-bulk glass iface100 surf}
cd "$(dirname "$0")/../.."
AION=./build/aion
make -s build/aion
W=out/interface/pbe
mkdir -p "$W"

if [ "$STAGE" != label ]; then
# -- structures ---------------------------------------------------------------------------------
rm -f "$W"/s-*.xyz
for a in 3.30 3.44 3.58; do
    $AION build bcc --a "$a" --size 2x2 --face 100 --layers 4 --out "$W/bcc-$a.xyz" 2>/dev/null
    $AION convert "$W/bcc-$a.xyz" "$W/s-bulk.xyz" --append --copies 2 --strain 0.02 --rattle 0.08 \
        --seed "$(echo "$a" | tr -d .)" --info config_type=bcc_bulk --keep config_type
done
glass() { # tag density seed
    $AION quench --composition Li3PO4 --atoms 48 --density "$2" --lateral 6.88,6.88 --ensemble nvt-csvr \
        --seed "$3" --t-start 300 --equil 0.5 --t-melt 3000 --rate 1000 --hold 5 --final-time 3 \
        --traj none --checkpoint-every 0 --threads 1 --out "$W/quench-$1" 2>/dev/null
}
glass d22 2.2 53
glass d24 2.4 51
glass d26 2.6 54
for d in d22 d24 d26; do
    $AION convert "$W/quench-$d/glass.xyz" "$W/s-glass.xyz" --append --rattle 0.05 --seed 71 \
        --info config_type=glass --keep config_type
    $AION convert "$W/quench-$d/glass.xyz" "$W/s-glass.xyz" --append --strain 0.02 --rattle 0.10 --seed 72 \
        --info config_type=glass --keep config_type
done
for gap in 1.8 2.2; do
    $AION build interface --glass "$W/quench-d24/glass.xyz" --face 100 --layers 6 --gap "$gap" \
        --out "$W/if100-$gap.xyz" >/dev/null 2>&1
    for sig in 0.05 0.10; do
        $AION convert "$W/if100-$gap.xyz" "$W/s-iface100.xyz" --append --rattle "$sig" --seed 61 \
            --info config_type=iface100 --keep config_type,region
    done
done
$AION build bcc --size 2x2 --face 100 --layers 6 --vacuum 10 --out "$W/li100.xyz" 2>/dev/null
$AION build bcc --size 2x2 --face 110 --layers 4 --vacuum 10 --out "$W/li110.xyz" 2>/dev/null
$AION convert "$W/li100.xyz" "$W/s-surf.xyz" --rattle 0.08 --seed 41 --info config_type=li100_surface \
    --keep config_type
$AION convert "$W/li110.xyz" "$W/s-surf.xyz" --append --rattle 0.08 --seed 42 --info config_type=li110_surface \
    --keep config_type
fi
[ "$STAGE" = structures ] && exit 0

# -- labels -------------------------------------------------------------------------------------
TPL=examples/interface/pbe-metal.inp
for fam in $FAMILIES; do
    # failures (if any) are listed in s-FAM-pbe.xyz.work/failures.txt and left out
    $AION label --in "$W/s-$fam.xyz" --out "$W/s-$fam-pbe.xyz" --method pbe --template "$TPL" --jobs 2 \
        --threads-per-job 1 --timeout 7200 || true
done

# assemble: species, positions, cell, energy, forces, stress, config_type, region
OUT=examples/data/li-interface-pbe.xyz
rm -f "$OUT.tmp"
for fam in bulk glass iface100 surf; do
    [ -s "$W/s-$fam-pbe.xyz" ] || continue
    $AION convert "$W/s-$fam-pbe.xyz" "$OUT.tmp" --append --format-out extxyz --keep energy,forces,stress,config_type,region,kpoints,scf_steps,walltime_s --precision 8
done
[ -s "$OUT.tmp" ] && mv "$OUT.tmp" "$OUT"
