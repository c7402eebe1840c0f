#!/bin/sh
# Unlabelled structures of the Li-P-O(-N) data set (examples/dataset/README.md), made with aion's own
# commands only. Deterministic: fixed seeds, one thread. Output: out/dataset/structures/*.xyz
# (one file per family; each frame carries config_type). About two minutes on one loaded core.
#
#   crystals  beta-Li3PO4 (Pmn2_1, mp-13725, 16 atoms) and gamma-Li3PO4 (Pmnb, 32 atoms,
#             examples/dataset/gamma-Li3PO4.cif): random symmetric strain, each component within
#             +-3 %, and Gaussian rattling of 0.05, 0.10 and 0.15 A per Cartesian component.
#   amorphous 64-atom Li3PO4 (8 formula units) melt-quenched with the Pedone potential at fixed
#             density 2.2, 2.4 and 2.6 g/cm3 (NVT: random start, 300 -> 3000 K at 1000 K/ps, 5 ps
#             melt, 3000 -> 300 K at 1000 K/ps, 3 ps glass): 10 snapshots of each run, 1.4 ps
#             apart, span the liquid, the supercooled liquid and the glass; then 3 ps of NVT MD of
#             the glass at 1000 K (6 snapshots).
#   LiPON-like the 1000 K glass snapshots with 4 of the 32 O replaced by N and 2 further O removed
#             (3 O2- -> 2 N3-: neutral, Li24 P8 O26 N4 = Li3PO3.25N0.5, near LiPON
#             Li2.9PO3.3N0.46), rattled by 0.05 A. The Pedone potential has no N, so these are not
#             relaxed: the O vacancies and the N sites are as the substitution left them.
#   held out  a fourth quench at 2.4 g/cm3 with another seed, with its 1000 K and N-substituted
#             snapshots, goes to the test set whole (assemble.sh); so does every 10th crystal.
set -e
cd "$(dirname "$0")/../.."
AION=./build/aion
make -s build/aion
S=out/dataset/structures
W=out/dataset/md
mkdir -p "$S" "$W"

BETA=../shared/data/cifs/beta-Li3PO4-mp-13725.cif
GAMMA=examples/dataset/gamma-Li3PO4.cif

# crystals: 10 copies at each rattle amplitude; streams differ through the seed
rm -f "$S/beta.xyz" "$S/gamma.xyz"
for sig in 0.05 0.10 0.15; do
    seed=$(echo "$sig" | tr -d .)
    $AION convert "$BETA" "$S/beta.xyz" --append --copies 10 --strain 0.03 --rattle "$sig" --seed "1$seed" \
        --info config_type=beta_crystal --keep config_type
    $AION convert "$GAMMA" "$S/gamma.xyz" --append --copies 10 --strain 0.03 --rattle "$sig" --seed "2$seed" \
        --info config_type=gamma_crystal --keep config_type
done

# amorphous: tag RHO SEED
amorphous() {
    tag=$1 rho=$2 seed=$3
    $AION quench --composition Li3PO4 --atoms 64 --density "$rho" --ensemble nvt-csvr --seed "$seed" \
        --t-start 300 --equil 0.5 --t-melt 3000 --rate 1000 --hold 5 --final-time 3 \
        --traj-every 1400 --checkpoint-every 0 --threads 1 --out "$W/quench-$tag" 2>/dev/null
    $AION convert "$W/quench-$tag/traj.xyz" "$S/quench-$tag.xyz" \
        --info "config_type=quench_$tag" --keep config_type
    $AION md --in "$W/quench-$tag/glass.xyz" --ensemble nvt-csvr --temp 1000 --time 3 --seed "$seed" \
        --traj-every 500 --checkpoint-every 0 --threads 1 --out "$W/hot-$tag" 2>/dev/null
    # frame 0 of the MD trajectory is the glass itself (already among the quench snapshots)
    $AION convert "$W/hot-$tag/traj.xyz" "$S/hot-$tag.xyz" --frames 1: \
        --info "config_type=glass1000K_$tag" --keep config_type
    $AION convert "$W/hot-$tag/traj.xyz" "$S/lipon-$tag.xyz" --frames 1: --seed "$seed" \
        --substitute O:N:4 --remove O:2 --rattle 0.05 \
        --info "config_type=lipon_$tag" --keep config_type
}
amorphous d2.2 2.2 11
amorphous d2.4 2.4 12
amorphous d2.6 2.6 13
amorphous d2.4b 2.4 14   # held out (test set)

for f in "$S"/*.xyz; do
    printf '%-40s %s\n' "$f" "$($AION info "$f" | awk '/frames|composition/ {printf "%s ", $0}')"
done
