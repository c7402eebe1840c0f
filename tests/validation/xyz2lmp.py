#!/usr/bin/python3
"""Write the last frame of an aion extended XYZ file as a LAMMPS data file (atom_style charge,
units metal) with the Pedone charges and, when the frame has them, velocities (Å/fs -> Å/ps).
Types 1 Li, 2 P, 3 O (as tests/peers/pedone-li3po4-*.lmp). The cell must be in LAMMPS orientation
(a along x, b in the xy plane); positions are written as they are (wrapped or not).

usage: xyz2lmp.py IN.xyz OUT.data
"""
import re
import sys

TYPES = ["Li", "P", "O"]
Q = {"Li": 0.6, "P": 3.0, "O": -1.2}
MASS = {"Li": 6.94, "P": 30.973762, "O": 15.999}


def last_frame(path):
    lines = open(path).read().splitlines()
    k, frame = 0, None
    while k < len(lines) and lines[k].strip():
        n = int(lines[k])
        frame = (lines[k + 1], lines[k + 2:k + 2 + n])
        k += 2 + n
    return frame


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    head, atoms = last_frame(sys.argv[1])
    cell = [float(v) for v in re.search(r'Lattice="([^"]*)"', head).group(1).split()]
    props = re.search(r"Properties=(\S+)", head).group(1).split(":")
    cols, c = {}, 0
    for name, kind, w in zip(props[0::3], props[1::3], props[2::3]):
        cols[name] = (c, int(w))
        c += int(w)
    if any(abs(cell[i]) > 1e-12 for i in (1, 2, 5)):
        sys.exit("cell is not in LAMMPS orientation")
    sp, (ps, _) = cols["species"][0], cols["pos"]
    vel = cols.get("velocities") or cols.get("vel")
    with open(sys.argv[2], "w") as fh:
        fh.write("written by tests/validation/xyz2lmp.py from %s\n\n" % sys.argv[1])
        fh.write("%d atoms\n%d atom types\n\n" % (len(atoms), len(TYPES)))
        fh.write("0 %.17g xlo xhi\n0 %.17g ylo yhi\n0 %.17g zlo zhi\n" % (cell[0], cell[4], cell[8]))
        fh.write("%.17g %.17g %.17g xy xz yz\n\nMasses\n\n" % (cell[3], cell[6], cell[7]))
        for k, s in enumerate(TYPES):
            fh.write("%d %.17g\n" % (k + 1, MASS[s]))
        fh.write("\nAtoms # charge\n\n")
        for i, line in enumerate(atoms):
            t = line.split()
            s = t[sp]
            fh.write("%d %d %g %s %s %s\n" % (i + 1, TYPES.index(s) + 1, Q[s], t[ps], t[ps + 1], t[ps + 2]))
        if vel:
            fh.write("\nVelocities\n\n")
            for i, line in enumerate(atoms):
                t = line.split()
                v = [float(x) * 1000.0 for x in t[vel[0]:vel[0] + 3]]
                fh.write("%d %.17g %.17g %.17g\n" % (i + 1, v[0], v[1], v[2]))


if __name__ == "__main__":
    main()
