#!/bin/sh
# Peer comparison with LAMMPS (paired inputs, miniMD style): the Pedone potential on
# beta-Li3PO4 3x3x2 (288 atoms, Materials Project mp-13725, CC BY 4.0, rattled 0.05 A),
# with DSF (alpha 0.25, 8 A) and with Ewald. aion half: `aion eval --potential pedone`;
# LAMMPS half: tests/peers/pedone-li3po4-{dsf,ewald}.lmp.
# Energies, forces and per-atom energies must agree to 1e-6 (relative). The virial
# differs more because LAMMPS evaluates erfc by a polynomial (|error| 1.5e-7) and uses
# k_e = 14.399645: an independent NumPy sum (tests/peers/pedone_numpy.py) with those
# approximations reproduces LAMMPS, and with exact erfc reproduces aion.
# Skips (77) without lmp, Python with ASE/SciPy, or ../shared/data.
set -u
PY=/usr/bin/python3
CIF=../shared/data/cifs/beta-Li3PO4-mp-13725.cif
HERE=$(cd "$(dirname "$0")" && pwd)
AION=${AION_BIN:-$PWD/build/aion}
command -v lmp >/dev/null 2>&1 || { echo "SKIP: lmp not found"; exit 77; }
[ -x "$PY" ] && "$PY" -c "import ase, scipy" 2>/dev/null || { echo "SKIP: needs $PY with ASE and SciPy"; exit 77; }
[ -r "$CIF" ] || { echo "SKIP: needs $CIF (../shared absent?)"; exit 77; }
[ -x "$AION" ] || { echo "no aion binary at $AION"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
"$PY" "$HERE/li3po4_build.py" "$CIF" "$T/li3po4" --rattle 0.05 --seed 42 || exit 1
for m in dsf ewald; do
    (cd "$T" && lmp -in "$HERE/pedone-li3po4-$m.lmp" -var data li3po4.data -var dump lmp-$m.dump \
        -log lmp-$m.log -screen none) || { echo "lmp failed ($m)"; exit 1; }
    "$AION" eval --potential pedone --coulomb $m --ewald-accuracy 1e-12 --per-atom \
        --in "$T/li3po4.xyz" --out "$T/aion-$m.xyz" || exit 1
    echo "== $m: aion vs LAMMPS"
    wtol=1e-5; [ $m = ewald ] && wtol=5e-5
    "$PY" "$HERE/compare_lammps.py" "$T/aion-$m.xyz" "$T/lmp-$m.log" "$T/lmp-$m.dump" 1e-6 $wtol || fail=1
done
# DSF: the remaining differences are LAMMPS' approximations
echo "== dsf: NumPy reference (exact erfc) vs aion, (LAMMPS' erfc and k_e) vs LAMMPS"
"$PY" - "$T" "$HERE/pedone_numpy.py" <<'PYEOF' || fail=1
import subprocess, sys
import numpy as np
from ase.io import read
T, ref = sys.argv[1], sys.argv[2]
def run(fl):
    out = subprocess.run([sys.executable, ref, T + "/li3po4.xyz", fl], capture_output=True, text=True, check=True).stdout.split("\n")
    return float(out[0].split()[1]), np.array([float(v) for v in out[1].split()[1:]]).reshape(3, 3)
ee, we = run("exact")
el, wl = run("lammps")
a = read(T + "/aion-dsf.xyz")
wa = -a.get_stress(voigt=False) * a.get_volume()
log = open(T + "/lmp-dsf.log").read().splitlines()
k = [i for i, l in enumerate(log) if l.split()[:2] == ["Step", "PotEng"]][0]
v = dict(zip(log[k].split(), map(float, log[k + 1].split())))
V, c = v["Volume"], 1.6021765e6
wlmp = np.array([[v["Pxx"], v["Pxy"], v["Pxz"]], [v["Pxy"], v["Pyy"], v["Pyz"]], [v["Pxz"], v["Pyz"], v["Pzz"]]]) * V / c
d1 = abs(a.get_potential_energy() - ee) / abs(ee); w1 = np.abs(wa - we).max() / np.abs(we).max()
d2 = abs(v["PotEng"] - el) / abs(el); w2 = np.abs(wlmp - wl).max() / np.abs(wl).max()
print("aion vs NumPy exact:          energy %.2e  virial %.2e" % (d1, w1))
print("LAMMPS vs NumPy LAMMPS-style: energy %.2e  virial %.2e" % (d2, w2))
ok = d1 < 1e-11 and w1 < 1e-9 and d2 < 1e-11 and w2 < 1e-7
print("ok" if ok else "FAIL")
sys.exit(0 if ok else 1)
PYEOF
exit $fail
