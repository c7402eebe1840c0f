#!/bin/sh
# Wall and CPU time of `aion screen` (scan + descriptors, one thread) on
# ~100-atom cells: LiFePO4 1x2x2 (112 atoms) and beta-Li3PO4 2x2x2 (128
# atoms) with BVSE and Pedone (DSF and Ewald), amorphous MgV2O5 (96 atoms,
# Mg mobile) with the MTP of ../shared/data/mgv2o5; 0.25 Å grid, both
# protocols, with and without the symmetry reduction. CPU time is the honest
# number on a shared machine (one thread: CPU ≈ wall on an idle core).
# Then the time of MD with the same potentials on the same cells (2000 or
# 1000 steps of 1 fs, one thread), for the ratio to the scans.
# usage: bench/screen_speed.sh [AION_BIN]
set -e
AION=${1:-build/aion}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
MGV=../shared/data/mgv2o5
"$AION" convert ../shared/data/cifs/LiFePO4-Pnma.cif "$D/lfp112.vasp" --supercell 1x2x2 2>/dev/null
"$AION" convert ../shared/data/cifs/beta-Li3PO4-mp-13725.cif "$D/lpo128.vasp" --supercell 2x2x2 2>/dev/null
"$AION" convert $MGV/amorphous-MgV2O5-96.lmp "$D/mgv96.xyz" --species Mg,V,O 2>/dev/null
run() {
    label=$1; shift
    /usr/bin/time -f %U -o "$D/cpu" "$AION" screen --threads 1 --overwrite --out "$D/r.csv" "$@" 2>/dev/null
    python3 - "$D/r.csv" "$label" "$D/cpu" <<'PY'
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))[-1]
cpu = float(open(sys.argv[3]).read().split()[-1])
print(f"{sys.argv[2]:44s} {r['natoms']:>4s} atoms grid {r['grid']:>9s} ops {r['symmetry_ops']:>2s} "
      f"evals {r['n_eval']:>6s}  {float(r['seconds']):7.2f} s wall {cpu:7.2f} s CPU  MPE1D {float(r['mpe_1d_eV']):.3f} eV")
PY
}
for f in lfp112 lpo128; do
    run "$f bvse probe" --ion Li --protocol probe "$D/$f.vasp"
    run "$f bvse probe --symmetry" --ion Li --protocol probe --symmetry "$D/$f.vasp"
    run "$f bvse single" --ion Li --protocol single "$D/$f.vasp"
    run "$f bvse single --symmetry" --ion Li --protocol single --symmetry "$D/$f.vasp"
done
for c in dsf ewald; do
    for p in probe single; do
        run "lfp112 pedone/$c $p" --ion Li --energy pedone --coulomb $c --protocol $p "$D/lfp112.vasp"
        run "lfp112 pedone/$c $p --symmetry" --ion Li --energy pedone --coulomb $c --protocol $p --symmetry "$D/lfp112.vasp"
    done
done
run "mgv96 mtp probe (Mg)" --ion Mg --energy $MGV/pot.mtp --species Mg,V,O --protocol probe "$D/mgv96.xyz"
run "mgv96 mtp single (Mg)" --ion Mg --energy $MGV/pot.mtp --species Mg,V,O --protocol single "$D/mgv96.xyz"
md() {
    label=$1; steps=$2; shift 2
    /usr/bin/time -f "%U %e" -o "$D/cpu" "$AION" md --ensemble nvt-csvr --temp 1000 --dt 1 --steps "$steps" --threads 1 \
        --traj none --thermo-every 100 --checkpoint-every 1000000 --out "$D/md" "$@" >/dev/null 2>&1
    awk -v l="$label" -v n="$steps" '{printf "%-44s MD %d steps: %.2f s CPU (%.3f ms/step; 50 ps at 1 fs: %.0f s CPU)\n", l, n, $1, 1e3*$1/n, 5e4*$1/n}' "$D/cpu"
}
md "lfp112 pedone/dsf" 2000 --in "$D/lfp112.vasp" --potential pedone --coulomb dsf
md "lfp112 pedone/ewald" 2000 --in "$D/lfp112.vasp" --potential pedone --coulomb ewald
md "mgv96 mtp" 1000 --in "$D/mgv96.xyz" --potential $MGV/pot.mtp --species Mg,V,O
