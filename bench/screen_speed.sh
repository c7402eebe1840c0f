#!/bin/sh
# Wall time of `aion screen` (scan + descriptors, one thread) on ~100-atom
# cells: LiFePO4 1x2x2 (112 atoms) and beta-Li3PO4 2x2x2 (128 atoms), 0.25 Å
# grid, BVSE and Pedone (DSF and Ewald), both protocols, with and without
# the symmetry reduction. usage: bench/screen_speed.sh [AION_BIN]
set -e
AION=${1:-build/aion}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
"$AION" convert ../shared/data/cifs/LiFePO4-Pnma.cif "$D/lfp112.vasp" --supercell 1x2x2 2>/dev/null
"$AION" convert ../shared/data/cifs/beta-Li3PO4-mp-13725.cif "$D/lpo128.vasp" --supercell 2x2x2 2>/dev/null
run() {
    label=$1; shift
    "$AION" screen --ion Li --threads 1 --overwrite --out "$D/r.csv" "$@" 2>/dev/null
    python3 - "$D/r.csv" "$label" <<'PY'
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))[-1]
print(f"{sys.argv[2]:44s} {r['natoms']:>4s} atoms grid {r['grid']:>9s} ops {r['symmetry_ops']:>2s} "
      f"evals {r['n_eval']:>6s}  {float(r['seconds']):7.2f} s  MPE1D {float(r['mpe_1d_eV']):.3f} eV")
PY
}
for f in lfp112 lpo128; do
    run "$f bvse probe" --protocol probe "$D/$f.vasp"
    run "$f bvse probe --symmetry" --protocol probe --symmetry "$D/$f.vasp"
    run "$f bvse single" --protocol single "$D/$f.vasp"
    run "$f bvse single --symmetry" --protocol single --symmetry "$D/$f.vasp"
done
run "lfp112 pedone/dsf probe --symmetry" --energy pedone --coulomb dsf --protocol probe --symmetry "$D/lfp112.vasp"
run "lfp112 pedone/ewald probe --symmetry" --energy pedone --coulomb ewald --protocol probe --symmetry "$D/lfp112.vasp"
