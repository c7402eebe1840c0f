#!/bin/sh
# PBE-labelled N-substituted (LiPON-like) glass and Li(100) || N-glass interface cells: the seed data
# that add nitrogen to the PBE interface potential (docs/interface.md, "Nitrogen in the glass").
# Needs make-data-pbe.sh's structures (out/interface/pbe/quench-d*/glass.xyz: 48-atom Pedone Li3PO4
# glasses at 6.88 x 6.88 A, the lateral cell of Li(100) 2x2).
#
#   glass_n    the three glasses with O replaced by N and O removed to keep formal charges
#              (3 O2- -> 2 N3-): 2 N (Li18 P6 O21 N2, N/P 0.33) or 4 N (Li18 P6 O18 N4, N/P 0.67);
#              LiPON films are about N/P 0.46. The Pedone potential has no N, so each substituted
#              glass is annealed for 2 ps at 1000 K (NVT, fixed cell) with the GFN1-xTB LiPON potential
#              (potentials/lipon-xtb-d.mtp, trained on such substitutions) before it is labelled: the
#              N sites and the O vacancies relax into bonded environments instead of staying as the
#              substitution left them. 4 frames: d22 2N, d24 2N, d24 4N, d26 4N.
#   iface100_n Li(100) 2x2, 6 planes || the annealed d24 glasses (2N: 71 atoms, 4N: 70 atoms),
#              gap 2.2 A, rattle 0.05 A (k-mesh 2x2x1).
#
# Labels: the same PBE template as make-data-pbe.sh (examples/interface/pbe-metal.inp), two CP2K jobs
# of one thread. Resumable (aion label keeps finished labels in its work directory).
# Output: examples/data/li-interface-pbe-n.xyz.
# Usage: make-data-pbe-n.sh [structures|label|all] (default all).
set -e
STAGE=${1:-all}
cd "$(dirname "$0")/../.."
AION=./build/aion
make -s build/aion
W=out/interface/pbe
N=$W/n
mkdir -p "$N"
[ -s "$W/quench-d24/glass.xyz" ] || sh examples/interface/make-data-pbe.sh structures

if [ "$STAGE" != label ]; then
# -- structures ---------------------------------------------------------------------------------
rm -f "$N"/s-*.xyz
nglass() { # tag density-tag nN seed
    nrem=$(($3 / 2))
    $AION convert "$W/quench-$2/glass.xyz" "$N/sub-$1.xyz" --substitute "O:N:$3" --remove "O:$nrem" \
        --seed "$4" --keep none
    $AION md --in "$N/sub-$1.xyz" --potential potentials/lipon-xtb-d.mtp --species Li,P,O,N \
        --ensemble nvt-csvr --temp 1000 --time 2 --dt 1 --seed "$4" --traj-every 500 --thermo-every 100 \
        --checkpoint-every 0 --threads 1 --out "$N/anneal-$1" 2>"$N/anneal-$1.log"
    $AION convert "$N/anneal-$1/final.xyz" "$N/s-glass_n.xyz" --append --info config_type=glass_n \
        --keep config_type
}
nglass d22n2 d22 2 201
nglass d24n2 d24 2 202
nglass d24n4 d24 4 203
nglass d26n4 d26 4 204
for t in d24n2 d24n4; do
    $AION build interface --glass "$N/anneal-$t/final.xyz" --face 100 --layers 6 --gap 2.2 \
        --out "$N/if100-$t.xyz" >/dev/null 2>&1
    $AION convert "$N/if100-$t.xyz" "$N/s-iface100_n.xyz" --append --rattle 0.05 --seed 205 \
        --info config_type=iface100_n --keep config_type,region
done
fi
[ "$STAGE" = structures ] && exit 0

# -- labels -------------------------------------------------------------------------------------
TPL=examples/interface/pbe-metal.inp
for fam in glass_n iface100_n; do
    $AION label --in "$N/s-$fam.xyz" --out "$N/s-$fam-pbe.xyz" --method pbe --template "$TPL" --jobs 2 \
        --threads-per-job 1 --timeout 7200 || true
done
OUT=examples/data/li-interface-pbe-n.xyz
rm -f "$OUT.tmp"
for fam in glass_n iface100_n; do
    [ -s "$N/s-$fam-pbe.xyz" ] || continue
    $AION convert "$N/s-$fam-pbe.xyz" "$OUT.tmp" --append --format-out extxyz \
        --keep energy,forces,stress,config_type,region,kpoints,scf_steps,walltime_s --precision 8
done
[ -s "$OUT.tmp" ] && mv "$OUT.tmp" "$OUT"
