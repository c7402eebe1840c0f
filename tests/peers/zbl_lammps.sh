#!/bin/sh
# Peer comparison with LAMMPS: the ZBL baseline of an MTP (aion_zbl_* lines,
# docs/mtp.md) against `pair_style zbl INNER OUTER`. aion half: `aion eval` of the
# shipped Li-P-O-N potential with and without the baseline lines; the difference is
# the baseline alone. LAMMPS half: the same structure (a random triclinic 4-species
# cell with pairs inside inner, in the switching range and beyond outer, in LAMMPS's
# lower-triangular form, so no rotation) with pair_style zbl only.
# Energy, forces and virial must agree to 1e-8 (relative to the largest value).
# Two cases: 1.0..2.0 Å and 0.8..6.0 Å (outer beyond the MTP's 5 Å cutoff).
# Skips (77) without lmp or Python with ASE/NumPy.
set -u
PY=/usr/bin/python3
AION=${AION_BIN:-$PWD/build/aion}
POT=potentials/lipon-xtb.mtp
command -v lmp >/dev/null 2>&1 || { echo "SKIP: lmp not found"; exit 77; }
[ -x "$PY" ] && "$PY" -c "import ase, numpy" 2>/dev/null || { echo "SKIP: needs $PY with ASE and NumPy"; exit 77; }
[ -x "$AION" ] || { echo "no aion binary at $AION"; exit 1; }
[ -r "$POT" ] || { echo "no $POT"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# structure: extended XYZ for aion, a LAMMPS data file with the same numbers
"$PY" - "$T" <<'PYEOF' || exit 1
import sys
import numpy as np
T = sys.argv[1]
rng = np.random.default_rng(7)
Z = [3, 15, 8, 7]; sym = ["Li", "P", "O", "N"]
cell = np.array([[9.3, 0, 0], [0.7, 8.9, 0], [-0.6, 0.9, 9.1]])
n = 40
pos = []
while len(pos) < n:
    p = rng.random(3) @ cell
    if all(np.linalg.norm(p - q) > 1.9 for q in pos):
        pos.append(p)
pos = np.array(pos)
types = np.arange(n) % 4
u = np.array([0.6, 0.48, 0.64])
for a, b, d in [(0, 1, 0.75), (2, 3, 1.35), (4, 5, 1.7), (6, 7, 2.5), (8, 9, 0.95), (10, 11, 1.05)]:
    pos[b] = pos[a] + d * u          # inside inner, switching range, beyond (case 1)
pos = np.round(pos, 8)
with open(f"{T}/s.xyz", "w") as f:
    f.write(f"{n}\n")
    f.write('Lattice="' + " ".join("%.8f" % x for x in cell.ravel()) + '" Properties=species:S:1:pos:R:3 pbc="T T T"\n')
    for t, p in zip(types, pos):
        f.write("%s %.8f %.8f %.8f\n" % (sym[t], *p))
with open(f"{T}/s.data", "w") as f:
    f.write(f"zbl peer\n\n{n} atoms\n4 atom types\n\n")
    f.write(f"0 {cell[0,0]:.8f} xlo xhi\n0 {cell[1,1]:.8f} ylo yhi\n0 {cell[2,2]:.8f} zlo zhi\n")
    f.write(f"{cell[1,0]:.8f} {cell[2,0]:.8f} {cell[2,1]:.8f} xy xz yz\n\nMasses\n\n")
    for t, m in enumerate([6.94, 30.97, 16.0, 14.01]):
        f.write(f"{t+1} {m}\n")
    f.write("\nAtoms # atomic\n\n")
    for i, (t, p) in enumerate(zip(types, pos)):
        f.write("%d %d %.8f %.8f %.8f\n" % (i + 1, t + 1, *p))
PYEOF

"$AION" eval --potential "$POT" --species Li,P,O,N --in "$T/s.xyz" --out "$T/mtp.xyz" || exit 1
fail=0
for radii in "1.0 2.0" "0.8 6.0"; do
    set -- $radii
    { cat "$POT"; printf '\naion_zbl_inner = %s\naion_zbl_outer = %s\naion_zbl_z = {3, 15, 8, 7}' "$1" "$2"; } >"$T/zbl.mtp"
    "$AION" eval --potential "$T/zbl.mtp" --species Li,P,O,N --in "$T/s.xyz" --out "$T/zbl.xyz" || exit 1
    cat >"$T/in.lmp" <<EOF
units metal
atom_style atomic
boundary p p p
read_data $T/s.data
pair_style zbl $1 $2
pair_coeff * * 3 3
pair_coeff 2 2 15 15
pair_coeff 3 3 8 8
pair_coeff 4 4 7 7
pair_coeff 1 2 3 15
pair_coeff 1 3 3 8
pair_coeff 1 4 3 7
pair_coeff 2 3 15 8
pair_coeff 2 4 15 7
pair_coeff 3 4 8 7
compute w all pressure NULL virial
thermo_style custom pe vol c_w[1] c_w[2] c_w[3] c_w[4] c_w[5] c_w[6]
thermo_modify format float %.17g
dump d all custom 1 $T/lmp.dump id fx fy fz
dump_modify d sort id format float %.17g
run 0
EOF
    (cd "$T" && lmp -in in.lmp -log lmp.log -screen none) || { echo "lmp failed"; exit 1; }
    echo "== ZBL $1..$2: aion (with - without baseline) vs LAMMPS pair_style zbl $1 $2"
    "$PY" - "$T" <<'PYEOF' || fail=1
import sys
import numpy as np
from ase.io import read
T = sys.argv[1]
a, b = read(f"{T}/zbl.xyz"), read(f"{T}/mtp.xyz")
V = a.get_volume()
E = a.get_potential_energy() - b.get_potential_energy()
F = a.get_forces() - b.get_forces()
W = -(a.get_stress(voigt=False) - b.get_stress(voigt=False)) * V   # virial, eV
lines = open(f"{T}/lmp.log").read().splitlines()
k = next(i for i, l in enumerate(lines) if l.split()[:2] == ["PotEng", "Volume"])
v = [float(x) for x in lines[k + 1].split()]
nktv2p = 1.6021765e6                     # LAMMPS metal units: bar = eV/A^3 * nktv2p
P = np.array(v[2:8]) * v[1] / nktv2p      # xx yy zz xy xz yz, as virial (eV)
Wl = np.array([[P[0], P[3], P[4]], [P[3], P[1], P[5]], [P[4], P[5], P[2]]])
d = np.loadtxt(f"{T}/lmp.dump", skiprows=9)
Fl = d[:, 1:4]
dE, dF, dW = abs(E - v[0]), np.abs(F - Fl).max(), np.abs(W - Wl).max()
rE, rF, rW = dE / abs(v[0]), dF / np.abs(Fl).max(), dW / np.abs(Wl).max()
print(f"energy {E:.12f} vs {v[0]:.12f} eV (|diff| {dE:.2e}, rel {rE:.1e}); "
      f"forces max|F| {np.abs(Fl).max():.6g}, max |diff| {dF:.2e} eV/A (rel {rF:.1e}); "
      f"virial max|W| {np.abs(Wl).max():.6g}, max |diff| {dW:.2e} eV (rel {rW:.1e})")
ok = rE < 1e-8 and rF < 1e-8 and rW < 1e-8 and abs(v[0]) > 1
sys.exit(0 if ok else 1)
PYEOF
done
[ $fail -eq 0 ] || { echo "FAIL: aion's ZBL baseline differs from LAMMPS"; exit 1; }
echo "ok"
