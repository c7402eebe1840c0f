#!/usr/bin/python3
"""Is a Li || glass run still an interface? (docs/interface.md)

usage: stationarity.py BUILT.xyz TRAJ.xyz EDGES [DT_PS]

BUILT.xyz: the structure from `aion build interface` (its `region` column: 0 metal, 1 glass);
TRAJ.xyz: the trajectory (same atom order); EDGES: the slab edges (comma-separated, A) the analysis
uses, the first bin being metal + gaps; DT_PS: time between frames (default 0.05 ps).
Prints, at a few times, how many metal atoms are in the metal bin, how many glass atoms are in it
(1 A below its top edge, so glass atoms touching the metal do not count), and the P height range.
Heights are wrapped into the cell.
"""
import sys

import numpy as np
from ase.io import read


def main():
    built, traj, edges = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3].split(",")]
    dt = float(sys.argv[4]) if len(sys.argv) > 4 else 0.05
    metal = read(built).arrays["region"] == 0
    frames = read(traj, ":")
    sym = np.array(frames[0].get_chemical_symbols())
    n = len(frames)
    print("t (ps)  metal atoms in the metal bin  glass atoms in it  P heights (A)")
    for k in sorted({0, n // 10, n // 4, n // 2, 3 * n // 4, n - 1}):
        f = frames[k]
        z = f.positions[:, 2] % f.cell[2, 2]
        in_metal = z < edges[1]
        pz = z[sym == "P"]
        print("%6.1f  %2d / %2d  %27d  %6.1f .. %.1f" % (
            k * dt, (in_metal & metal).sum(), metal.sum(), ((z < edges[1] - 1.0) & ~metal).sum(),
            pz.min(), pz.max()))


if __name__ == "__main__":
    main()
