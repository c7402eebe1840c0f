#!/usr/bin/python3
"""Li-excess glass cells: Li atoms inserted into the emptiest places of a glass (docs/interface.md, "PBE
data with dissolved metal Li").

usage: excess.py IN.xyz OUT.xyz --frame I --add K [--volume 12] [--grid 0.25]

Takes frame I of IN.xyz, scales it uniformly by K x --volume (A^3 per added Li) and inserts K Li atoms one after another, each at the grid point (spacing
--grid, Angstrom) with the most room: the largest min over atoms (periodic images included) of the
distance less a contact distance of the atom's element (O 1.7, Li 2.0, P 2.3, other 2.0 A), so the
cell holds K more Li than its glass and no charge-balancing anion: Li_{3+x}PO4 as the glass next to a Li
metal holds it once metal Li have entered it. Fails if no point has room (the min below 0). OUT.xyz:
the structure without energies or forces, config_type li_excess_glass_K.
"""
import argparse
import sys

import numpy as np
from ase import Atom
from ase.io import read, write

CONTACT = {'O': 1.7, 'Li': 2.0, 'P': 2.3}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('inp')
    ap.add_argument('out')
    ap.add_argument('--frame', type=int, default=0)
    ap.add_argument('--add', type=int, required=True)
    ap.add_argument('--volume', type=float, default=12.0)
    ap.add_argument('--grid', type=float, default=0.25)
    a = ap.parse_args()
    at = read(a.inp, index=a.frame)
    at.calc = None
    at.set_cell(at.cell * (1 + a.add * a.volume / at.get_volume()) ** (1 / 3), scale_atoms=True)
    cell = np.array(at.cell)
    n = [max(4, int(np.ceil(L / a.grid))) for L in at.cell.lengths()]
    fr = np.stack(np.meshgrid(*[np.arange(k) / k for k in n], indexing='ij'), -1).reshape(-1, 3)
    pts = fr @ cell
    inv = np.linalg.inv(cell)
    for k in range(a.add):
        room = np.full(len(pts), np.inf)
        for p, el in zip(at.positions, at.get_chemical_symbols()):
            d = (pts - p) @ inv
            d -= np.round(d)
            room = np.minimum(room, np.linalg.norm(d @ cell, axis=1) - CONTACT.get(el, 2.0))
        j = int(np.argmax(room))
        if room[j] < 0:
            sys.exit(f'{a.inp} frame {a.frame}: no room for Li number {k + 1} (best point {-room[j]:.2f} A '
                     'inside a contact distance)')
        at.append(Atom('Li', pts[j]))
        print(f'Li {k + 1}: {room[j]:.2f} A of room beyond the contact distances')
    at.info = {'config_type': f'li_excess_glass_{a.add}'}
    write(a.out, at, format='extxyz')


if __name__ == '__main__':
    main()
