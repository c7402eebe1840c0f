#!/usr/bin/env python3
"""ASE side of the VASP peer checks in tests/unit/test_vasp.c.

    ase_io_helper.py MODE FILE REF

MODE write-poscar-direct | write-poscar-cart | write-xdatcar: ASE writes FILE
from a fixed, seeded structure (or trajectory) and REF describes it.
MODE read-poscar | read-xdatcar | read-outcar: ASE reads FILE and REF
describes what it read.

REF holds, per frame:
    frame N
    cell a_x a_y a_z b_x b_y b_z c_x c_y c_z
    extra E_free E_sigma0 s_xx s_yy s_zz s_yz s_xz s_xy   (OUTCAR; zeros otherwise)
    Z x y z c1 c2 c3     (N lines; c = fixed flags 0/1, or forces for OUTCAR)
"""
import sys

import numpy as np
from ase import Atoms
from ase.constraints import FixAtoms, FixScaled
from ase.io import read, write


def structure(seed=7):
    rng = np.random.default_rng(seed)
    cell = np.array([[7.1, 0.3, -0.2], [0.9, 8.3, 0.4], [-1.1, 0.6, 9.2]])
    symbols = ["Li", "O", "Li", "P", "O", "O", "Li", "P", "O", "Li"]
    frac = rng.uniform(-0.1, 1.1, (len(symbols), 3))
    atoms = Atoms(symbols, scaled_positions=frac, cell=cell, pbc=True)
    return atoms


def flags_of(atoms):
    fl = np.zeros((len(atoms), 3), dtype=int)
    for c in atoms.constraints:
        if isinstance(c, FixAtoms):
            fl[c.index] = 1
        elif isinstance(c, FixScaled):
            fl[c.a] = np.array(c.mask, dtype=int)
    return fl


def dump(images, ref, outcar=False):
    with open(ref, "w") as f:
        for a in images:
            f.write("frame %d\n" % len(a))
            f.write("cell " + " ".join("%.17g" % x for x in a.cell.array.ravel()) + "\n")
            if outcar:
                ef = a.get_potential_energy(force_consistent=True)
                e0 = a.get_potential_energy()
                s = a.get_stress()  # xx yy zz yz xz xy, eV/A^3
                f.write("extra %.17g %.17g " % (ef, e0) + " ".join("%.17g" % x for x in s) + "\n")
                third = a.get_forces()
            else:
                f.write("extra" + " 0" * 8 + "\n")
                third = flags_of(a)
            for z, p, c in zip(a.numbers, a.positions, third):
                f.write("%d %.17g %.17g %.17g %.17g %.17g %.17g\n" % (z, *p, *c))


def main():
    mode, path, ref = sys.argv[1:4]
    if mode.startswith("write-poscar"):
        a = structure()
        a.set_constraint([FixAtoms([1, 6]), FixScaled(a.cell, 3, [True, False, True])])
        write(path, a, format="vasp", direct=(mode == "write-poscar-direct"), vasp5=True)
        dump([a], ref)
    elif mode == "write-xdatcar":
        a = structure()
        rng = np.random.default_rng(11)
        images = []
        for k in range(3):
            b = a.copy()
            b.positions += rng.normal(0, 0.05, b.positions.shape)
            b.wrap()  # XDATCAR holds wrapped fractional coordinates
            images.append(b)
        write(path, images, format="vasp-xdatcar")
        dump(images, ref)
    elif mode == "read-poscar":
        dump([read(path, format="vasp")], ref)
    elif mode == "read-xdatcar":
        dump(read(path, index=":", format="vasp-xdatcar"), ref)
    elif mode == "read-outcar":
        dump(read(path, index=":", format="vasp-out"), ref, outcar=True)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
