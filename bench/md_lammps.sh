#!/bin/sh
# MD speed, aion vs LAMMPS: the whole MD loop (`aion md` vs LAMMPS `run`), NVE, 1 fs, Pedone potential on
# beta-Li3PO4 (Materials Project mp-13725, CC BY 4.0): 288 atoms (3x3x2) and 10,240 atoms (10x8x8), both
# starting from the same positions and 1500 K Maxwell-Boltzmann velocities (a LAMMPS data file written
# from aion's start). Same potential, cutoffs (short range 5.5 A shifted; DSF alpha 0.25 / 8 A, or Ewald
# real space 10 A at accuracy ACC), neighbour skin 1 A, list checked every step.
#   aion:   aion md --ensemble nve --threads T; rate from run.json (the dynamics loop with its thermo
#           output every 100 steps; no trajectory)
#   LAMMPS: fix nve, thermo every 100 steps, "Loop time"; 2-way = 2 MPI ranks (this LAMMPS has no OPENMP
#           package); Ewald also against pppm (LAMMPS' usual choice, a different, O(N log N) method)
# Rates in atom-steps/s, best of REPEAT. Usage (repository root, after make):
#   sh bench/md_lammps.sh [STEPS_288=2000] [STEPS_10K=100] [ACC=1e-5] [REPEAT=2] [CASES="dsf ewald pppm"]
set -eu
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
N1=${1:-2000}
N2=${2:-100}
ACC=${3:-1e-5}
REPEAT=${4:-2}
CASES=${5:-dsf ewald pppm}
PY=/usr/bin/python3
AION=${AION_BIN:-$PWD/build/aion}
CIF=../shared/data/cifs/beta-Li3PO4-mp-13725.cif
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for sz in 288:3x3x2 10240:10x8x8; do
    n=${sz%%:*}
    "$AION" convert "$CIF" "$T/c$n.xyz" --supercell "${sz#*:}" >/dev/null 2>&1
    "$AION" md --in "$T/c$n.xyz" --coulomb dsf --ensemble nve --init-temp 1500 --steps 1 --seed 5 --traj none \
        --out "$T/v$n" >/dev/null 2>&1
    "$PY" tests/validation/xyz2lmp.py "$T/v$n/final.xyz" "$T/s$n.data"
done
mk_lmp() { # case steps file
    m=$1; [ "$m" = pppm ] && m=ewald
    sed -e '/^dump/d' -e '/^compute/d' -e '/^thermo_style/d' -e '/^thermo_modify/d' -e '/^run/d' \
        "tests/peers/pedone-li3po4-$m.lmp" > "$3"
    [ "$m" = ewald ] && sed -i -e "s/^kspace_style.*/kspace_style    $1 $ACC/" -e '/^pair_modify     table 0/d' "$3"
    printf 'neigh_modify every 1 delay 0 check yes\ntimestep 0.001\nfix 1 all nve\nthermo_style custom step pe ke etotal\nthermo 100\nrun %s\n' "$2" >> "$3"
}
lmp_rate() { # case natoms steps nprocs
    mk_lmp "$1" "$3" "$T/in.lmp"
    (cd "$T" && mpirun --allow-run-as-root --oversubscribe -np "$4" lmp -in in.lmp -var data "s$2.data" -log lmp.log \
        -screen none) >/dev/null 2>&1
    awk -v n="$3" '/^Loop time of/ {t=$4; a=$(NF-1)} END {printf "%.6g", a*n/t}' "$T/lmp.log"
}
aion_rate() { # case natoms steps threads
    m=$1; [ "$m" = pppm ] && m=ewald
    rm -rf "$T/a"
    "$AION" md --in "$T/v$2/final.xyz" --potential pedone --coulomb "$m" --ewald-accuracy "$ACC" --threads "$4" \
        --ensemble nve --steps "$3" --thermo-every 100 --traj none --checkpoint-every 0 --out "$T/a" >/dev/null 2>&1
    sed -n 's/.*"atom_steps_per_s":[[:space:]]*\([0-9.eE+-]*\).*/\1/p' "$T/a/run.json"
}
best() { # command... : best of REPEAT
    b=0
    for r in $(seq "$REPEAT"); do
        v=$("$@")
        b=$(awk -v a="$b" -v v="$v" 'BEGIN {print (v > a) ? v : a}')
    done
    echo "$b"
}
echo "# NVE MD, atom-steps/s (higher is better), best of $REPEAT; $N1 steps (288 atoms), $N2 steps (10,240 atoms); Ewald accuracy $ACC"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs"
echo "| case | atoms | LAMMPS 1 | LAMMPS 2 ranks | aion 1 | aion 2 threads | aion/LAMMPS (1) | aion/LAMMPS (2) |"
echo "|---|---|---|---|---|---|---|---|"
for c in $CASES; do
    for n in 288 10240; do
        ns=$N1; [ $n = 10240 ] && ns=$N2
        l1=$(best lmp_rate $c $n $ns 1); l2=$(best lmp_rate $c $n $ns 2)
        if [ $c = pppm ] && [ -s "$T/ewald-$n" ]; then
            read -r a1 a2 < "$T/ewald-$n" # the same aion runs as the Ewald row
        else
            a1=$(best aion_rate $c $n $ns 1); a2=$(best aion_rate $c $n $ns 2)
            echo "$a1 $a2" > "$T/$c-$n"
        fi
        label=$c; [ $c = dsf ] && label="DSF 8 A"; [ $c = ewald ] && label="Ewald (LAMMPS ewald)"
        [ $c = pppm ] && label="aion Ewald vs LAMMPS pppm"
        awk -v L="$label" -v n="$n" -v l1="$l1" -v l2="$l2" -v a1="$a1" -v a2="$a2" \
            'BEGIN {printf "| %s | %d | %.3g | %.3g | %.3g | %.3g | %.2f | %.2f |\n", L, n, l1, l2, a1, a2, a1/l1, a2/l2}'
    done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
