#!/usr/bin/python3
"""Build the β-Li3PO4 test cell for the LAMMPS peer comparison and the benchmark.

Source structure: Materials Project mp-13725 (β-Li3PO4, Pmn2_1, 16 atoms),
../shared/data/cifs/beta-Li3PO4-mp-13725.cif, licence CC BY 4.0.
The 16-atom cell is replicated 3x3x2 (288 atoms); with --rattle S every atom is
displaced by a Gaussian of width S Å (fixed seed) so that forces are not zero by
symmetry. Writes extended XYZ (for aion) and a LAMMPS data file (atom_style
charge, Pedone charges; types 1 Li, 2 P, 3 O).

usage: li3po4_build.py CIF OUT_PREFIX [--rattle S] [--seed N]
"""
import sys

import numpy as np
from ase import Atoms
from ase.io import read

PEDONE_Q = {"Li": 0.6, "P": 3.0, "O": -1.2}
TYPES = ["Li", "P", "O"]
MASS = {"Li": 6.94, "P": 30.973762, "O": 15.999}


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    cif, prefix = args[0], args[1]
    rattle = float(args[args.index("--rattle") + 1]) if "--rattle" in args else 0.0
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 42
    unit = read(cif)
    unit = Atoms(unit.get_chemical_symbols(), positions=unit.positions, cell=unit.cell, pbc=True)
    atoms = unit * (3, 3, 2)
    if rattle > 0:
        atoms.rattle(stdev=rattle, seed=seed)
    atoms.wrap()
    sym = atoms.get_chemical_symbols()
    with open(prefix + ".xyz", "w") as fh:  # full precision (ASE writes 8 decimals)
        fh.write("%d\n" % len(atoms))
        fh.write('Lattice="%s" Properties=species:S:1:pos:R:3 pbc="T T T"\n'
                 % " ".join("%.17g" % v for v in atoms.cell.array.ravel()))
        for s, p in zip(sym, atoms.positions):
            fh.write("%-2s %.17g %.17g %.17g\n" % (s, p[0], p[1], p[2]))
    c = atoms.cell.array
    assert abs(c[0, 1]) < 1e-12 and abs(c[0, 2]) < 1e-12 and abs(c[1, 2]) < 1e-12, "cell not LAMMPS-oriented"
    with open(prefix + ".data", "w") as fh:
        fh.write("beta-Li3PO4 3x3x2 from Materials Project mp-13725 (CC BY 4.0)\n\n")
        fh.write("%d atoms\n%d atom types\n\n" % (len(atoms), len(TYPES)))
        fh.write("0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n" % (c[0, 0], c[1, 1], c[2, 2]))
        fh.write("%.17g %.17g %.17g xy xz yz\n\n" % (c[1, 0], c[2, 0], c[2, 1]))
        fh.write("Masses\n\n")
        for k, s in enumerate(TYPES):
            fh.write("%d %g\n" % (k + 1, MASS[s]))
        fh.write("\nAtoms # charge\n\n")
        for i, (s, p) in enumerate(zip(sym, atoms.positions)):
            fh.write("%d %d %.4f %.17g %.17g %.17g\n" % (i + 1, TYPES.index(s) + 1, PEDONE_Q[s], p[0], p[1], p[2]))


if __name__ == "__main__":
    main()
