#!/bin/sh
# What charge equilibration (docs/qeq.md) costs on top of an MTP, measured in the same run:
# two Li,P,O MTPs (level 12, 5 A, ZBL 0.6-1.4 A, TRAIN_ITER L-BFGS iterations, seed 2) fitted to
# examples/data/li-interface-pbe.xyz, one with QEq added (the parameters of examples/interface/qeq.sh:
# Rappe-Goddard J x 0.5, chi differences x 2), then NVT MD (CSVR, 600 K, 1 fs, STEPS steps) of the
# 280-atom Li(100) || glass frame of examples/data/li-interface-pbe-audit.xyz with each, 1 and 2 threads,
# best of REPEAT. Prints atom-steps/s and the ratio. No like-for-like peer: LAMMPS's fix qeq/* use
# cut-off Coulomb, not Ewald.
#   sh bench/qeq_cost.sh [STEPS] [REPEAT]     (defaults 500, 3; about 2 min here)
set -e
cd "$(dirname "$0")/.."
STEPS=${1:-500}
REPEAT=${2:-3}
TRAIN_ITER=${TRAIN_ITER:-300}
[ -x build/aion ] || make -j2 >/dev/null
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cat >"$t/qeq.txt" <<'TAB'
Li 3.006 2.386
P  7.92  4.0
O  14.476 6.682
TAB
for v in mtp qeq; do
    q=""; [ $v = qeq ] && q="--qeq $t/qeq.txt"
    # shellcheck disable=SC2086
    build/aion train --train examples/data/li-interface-pbe.xyz --species Li,P,O --level 12 --cutoff 5 \
        --zbl 0.6,1.4 --max-iter "$TRAIN_ITER" --seed 2 --threads 2 --quiet $q --out "$t/$v.mtp" >/dev/null 2>&1
done
build/aion convert examples/data/li-interface-pbe-audit.xyz "$t/cell.xyz" --frames 0:1 >/dev/null 2>&1
rate() { # potential threads
    best=0
    for r in $(seq "$REPEAT"); do
        x=$(build/aion md --in "$t/cell.xyz" --potential "$1" --species Li,P,O --ensemble nvt-csvr --temp 600 \
            --dt 1 --steps "$STEPS" --threads "$2" --seed 1 --out "$t/md" 2>&1 | grep -o '[0-9.e+]* atom-steps/s' | cut -d' ' -f1)
        best=$(awk -v a="$x" -v b="$best" 'BEGIN { print (a > b) ? a : b }')
    done
    echo "$best"
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| threads | MTP alone (atom-steps/s) | MTP + QEq (atom-steps/s) | cost of QEq |\n|---|---|---|---|\n'
for th in 1 2; do
    a=$(rate "$t/mtp.mtp" "$th")
    b=$(rate "$t/qeq.mtp" "$th")
    printf '| %s | %s | %s | %.1fx |\n' "$th" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a / b }')"
done
