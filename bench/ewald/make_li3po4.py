#!/usr/bin/env python3
"""Write the 288-atom beta-Li3PO4 cell (3x3x2 supercell of mp-13725) with Pedone
charges (Li +0.6, P +3.0, O -1.2) as a plain text file for ewald_bench and as a
LAMMPS data file (atom_style charge). Falls back to a random neutral 288-atom
system at the same density when the CIF is absent.
usage: make_li3po4.py CIF OUTDIR"""
import sys, os
import numpy as np

cif, out = sys.argv[1], sys.argv[2]
charge = {"Li": 0.6, "P": 3.0, "O": -1.2}
mass = {"Li": 6.94, "P": 30.973762, "O": 15.999}
if os.path.exists(cif):
    from ase.io import read
    at = read(cif) * (3, 3, 2)
    sym = at.get_chemical_symbols()
    cell = at.cell.array
    pos = at.positions
    label = "beta-Li3PO4 mp-13725 3x3x2"
else:
    rng = np.random.default_rng(1)
    sym = ["Li"] * 108 + ["P"] * 36 + ["O"] * 144
    cell = np.diag([14.767344, 15.889206, 12.352272])
    pos = rng.random((288, 3)) @ cell
    label = "random 288-atom Li3PO4 composition at the beta density"
q = np.array([charge[s] for s in sym])
assert abs(q.sum()) < 1e-9
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "li3po4.txt"), "w") as f:
    f.write(f"{len(sym)} {label}\n")
    for r in cell:
        f.write(" ".join(f"{x:.10f}" for x in r) + "\n")
    for s, p, c in zip(sym, pos, q):
        f.write(f"{p[0]:.10f} {p[1]:.10f} {p[2]:.10f} {c:+.3f}\n")
types = {"Li": 1, "P": 2, "O": 3}
with open(os.path.join(out, "li3po4.data"), "w") as f:
    f.write(f"{label}\n\n{len(sym)} atoms\n3 atom types\n\n")
    assert abs(cell[0, 1]) < 1e-9 and abs(cell[0, 2]) < 1e-9 and abs(cell[1, 2]) < 1e-9
    f.write(f"0 {cell[0,0]:.10f} xlo xhi\n0 {cell[1,1]:.10f} ylo yhi\n0 {cell[2,2]:.10f} zlo zhi\n")
    f.write(f"{cell[1,0]:.10f} {cell[2,0]:.10f} {cell[2,1]:.10f} xy xz yz\n\nMasses\n\n")
    for s, t in types.items():
        f.write(f"{t} {mass[s]}\n")
    f.write("\nAtoms # charge\n\n")
    for i, (s, p, c) in enumerate(zip(sym, pos, q)):
        f.write(f"{i+1} {types[s]} {c:.3f} {p[0]:.10f} {p[1]:.10f} {p[2]:.10f}\n")
print(label, len(sym), "atoms, volume", abs(np.linalg.det(cell)))
