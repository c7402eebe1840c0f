#!/usr/bin/python3
"""Metal atoms that have left the metal of a Li || glass slab (docs/interface.md, "PBE data with dissolved
metal Li").

usage: dissolved.py BUILT.xyz FRAME.xyz [FRAME.xyz ...]

BUILT.xyz: the structure from `aion build interface` (its 'region' column, 0 = metal, and its
interface_metal_z_A = lo,hi); FRAME.xyz: structures of a run from it (same atom order; the last frame of
each file). Prints per file the cell height and how many metal atoms are more than 1 A outside the metal
(heights lo, hi stretched with the cell height, as field.py counts them).
"""
import sys

import numpy as np
from ase.io import read


def in_metal(z, c, lo, hi):
    """Atoms within 1 A of the metal slab lo..hi (heights z wrapped into a cell of height c; the metal's
    periodic image counts from the middle of the glass up), and that middle."""
    zmid = (lo + hi + c) / 2          # middle of the glass: above it, an atom is below the metal's image
    zw = np.where(z > zmid, z - c, z)
    return (zw > lo - 1.0) & (zw < hi + 1.0), zmid


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split('\n\n')[1])
    o = read(sys.argv[1])
    if 'region' not in o.arrays or 'interface_metal_z_A' not in o.info:
        sys.exit(f'{sys.argv[1]}: not a structure from aion build interface (no region column or metal heights)')
    metal = o.arrays['region'] == 0
    lo, hi = (float(x) for x in o.info['interface_metal_z_A'])
    for fn in sys.argv[2:]:
        f = read(fn, index=-1)
        if len(f) != len(o):
            sys.exit(f'{fn}: {len(f)} atoms, {sys.argv[1]} has {len(o)}')
        c = f.cell[2, 2]
        s = c / o.cell[2, 2]
        l, h = lo * s, hi * s
        out = metal & ~in_metal(f.positions[:, 2] % c, c, l, h)[0]
        print(f'{fn}: cell height {c:.2f} A, {out.sum()} of {metal.sum()} metal atoms more than 1 A outside the metal')


if __name__ == '__main__':
    main()
