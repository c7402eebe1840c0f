#!/bin/sh
# Does CP2K's GFN1-xTB give a sensible bcc Li? Energy against the lattice parameter a:
#  (1) the 2-atom cubic cell with Fermi-Dirac smearing (1000 K) and an 8x8x8 Monkhorst-Pack mesh
#      (xtb-metal.inp), 3.20-8.00 A, plus 6x6x6 and 10x10x10 at 3.44 A (k-point convergence);
#  (2) the 54-atom 3x3x3 supercell at Gamma with aion's xtb preset (OT, no smearing), and the
#      128-atom 4x4x4 supercell at 3.44 A (size/Gamma convergence);
#  (3) one Li atom in a 14 A cubic cell (Gamma, smearing): the free-atom limit.
# Results: docs/interface.md ("GFN1-xTB and Li metal"). About 15 minutes on one loaded core.
set -e
cd "$(dirname "$0")/../.."
AION=./build/aion
W=out/interface/xtb-li
mkdir -p "$W"
TPL=examples/interface/xtb-metal.inp
rm -f "$W"/cell2.xyz "$W"/cell54.xyz
for a in 3.20 3.44 3.70 3.90 4.10 4.30 4.50 4.70 5.20 6.00 8.00; do
    $AION build bcc --a "$a" --size 1x1 --layers 2 --out "$W/c2-$a.xyz" 2>/dev/null
    $AION convert "$W/c2-$a.xyz" "$W/cell2.xyz" --append --info "a=$a" 2>/dev/null
done
for a in 3.20 3.30 3.40 3.44 3.50 3.60 3.70 3.80 3.90 4.00 4.10 4.25 4.50 4.70; do
    $AION build bcc --a "$a" --size 3x3 --layers 6 --out "$W/c54-$a.xyz" 2>/dev/null
    $AION convert "$W/c54-$a.xyz" "$W/cell54.xyz" --append --info "a=$a" 2>/dev/null
done
$AION build bcc --a 3.44 --size 4x4 --layers 8 --out "$W/cell128.xyz" 2>/dev/null
$AION build bcc --a 14 --size 1x1 --layers 2 --out "$W/atom2.xyz" 2>/dev/null
$AION convert "$W/atom2.xyz" "$W/atom.xyz" --remove Li:1 2>/dev/null   # one atom in a 14 A cube
for k in 6 8 10; do sed "s/@KMESH@/$k $k $k/" "$TPL" > "$W/k$k.inp"; done
sed "s/@KMESH@/1 1 1/" "$TPL" > "$W/k1.inp"
nice $AION label --in "$W/cell2.xyz" --out "$W/cell2-k8.xyz" --template "$W/k8.inp" --jobs 1
$AION convert "$W/cell2.xyz" "$W/cell2-344.xyz" --frames 1 2>/dev/null
nice $AION label --in "$W/cell2-344.xyz" --out "$W/cell2-344-k6.xyz" --template "$W/k6.inp" --jobs 1
nice $AION label --in "$W/cell2-344.xyz" --out "$W/cell2-344-k10.xyz" --template "$W/k10.inp" --jobs 1
nice $AION label --in "$W/cell54.xyz" --out "$W/cell54-gamma.xyz" --method xtb --jobs 1
nice $AION label --in "$W/cell128.xyz" --out "$W/cell128-gamma.xyz" --method xtb --jobs 1
nice $AION label --in "$W/atom.xyz" --out "$W/atom-xtb.xyz" --template "$W/k1.inp" --jobs 1
/usr/bin/python3 - "$W" <<'PYEOF'
import sys
from ase.io import read
W = sys.argv[1]
for name in ("cell2-k8", "cell54-gamma"):
    print(name)
    for a in read(f"{W}/{name}.xyz", ":"):
        print("  a = %.2f A  E = %.4f eV/atom  P = %.2f GPa" % (a.cell[0, 0] / (len(a) / 2) ** (1 / 3),
              a.get_potential_energy() / len(a), -a.get_stress()[:3].mean() * 160.2177 if "stress" in a.calc.results else float("nan")))
for name in ("cell2-344-k6", "cell2-344-k10", "cell128-gamma", "atom-xtb"):
    a = read(f"{W}/{name}.xyz")
    print("%s: E = %.4f eV/atom" % (name, a.get_potential_energy() / len(a)))
PYEOF
