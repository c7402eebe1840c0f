#!/usr/bin/python3
"""Long-range error check of a local potential in a metal || glass slab (docs/interface.md, "Why the
280-atom model is off").

usage: field.py LABEL.xyz MODEL.xyz [--frame N] [--cube V_HARTREE.cube] [--cp2k-out cp2k.out]
                [--bin 2.5] [--metal-z LO,HI] [--origin REFERENCE.xyz]

LABEL.xyz: frames labelled by DFT (energy, forces); MODEL.xyz: the same frames evaluated by the
potential (aion eval) or by another DFT setting; frame N of each (default 0) is compared. Prints, in z bins, the mean of F_z(DFT) - F_z(model) per species: a local
potential's errors average out in a bin unless a long-range field acts on the ions (cations pushed one
way, anions the other, the sign changing where the field does). With --cube (CP2K V_HARTREE_CUBE of the
same run) it also prints the planar average of the electrostatic potential along z, and with --cp2k-out
the Hirshfeld charges summed per z bin. The field signature averages the z error times the side of the
glass's middle: a local potential's errors give about zero. --origin: the structure the run started from, with the
builder's 'region' column (0 = metal); counts metal atoms that have left the metal (z outside
--metal-z, default from the builder's interface_metal_z_A, stretched with the cell height).
"""
import argparse
import sys

import numpy as np
from ase.io import read

from dissolved import in_metal

BOHR = 0.529177210903
HARTREE = 27.211386245988


def read_frame(fn, index=0):
    f = read(fn, index=index)
    out = {'species': np.array(f.get_chemical_symbols()), 'lattice': np.array(f.cell), 'pos': f.positions,
           'info': f.info, 'energy': None, 'forces': None}
    if f.calc is not None:
        out['energy'] = f.get_potential_energy()
        out['forces'] = f.get_forces()
    if 'region' in f.arrays:
        out['region'] = f.arrays['region']
    return out


def read_cube(fn):
    with open(fn) as f:
        f.readline(), f.readline()
        nat = int(f.readline().split()[0])
        grid = [f.readline().split() for _ in range(3)]
        n = [int(g[0]) for g in grid]
        dz = float(grid[2][3]) * BOHR
        for _ in range(abs(nat)):
            f.readline()
        data = np.array(f.read().split(), dtype=float)
    v = data.reshape(n) * HARTREE          # x, y, z (z fastest)
    return np.arange(n[2]) * dz, v.mean(axis=(0, 1))


def hirshfeld(fn, natoms):
    text = open(fn).read()
    i = text.rfind('Hirshfeld Charges')
    if i < 0:
        sys.exit(f'{fn}: no Hirshfeld charges')
    q = []
    for line in text[i:].splitlines()[3:]:
        f = line.split()
        if len(f) < 6 or not f[0].isdigit():
            break
        q.append(float(f[-1]))
    if len(q) != natoms:
        sys.exit(f'{fn}: {len(q)} Hirshfeld charges for {natoms} atoms')
    return np.array(q)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('label')
    ap.add_argument('model')
    ap.add_argument('--cube')
    ap.add_argument('--cp2k-out')
    ap.add_argument('--bin', type=float, default=2.5)
    ap.add_argument('--frame', type=int, default=0)
    ap.add_argument('--metal-z')
    ap.add_argument('--origin')
    a = ap.parse_args()
    lab, mod = read_frame(a.label, a.frame), read_frame(a.model, a.frame)
    sp = lab['species']
    n = len(sp)
    c = lab['lattice'][2, 2]
    z = lab['pos'][:, 2] % c
    df = lab['forces'] - mod['forces']
    print(f'{a.label}: {n} atoms, cell height {c:.3f} A')
    if lab['energy'] is not None and mod['energy'] is not None:
        print(f'E(model) - E(DFT) = {(mod["energy"] - lab["energy"]) / n * 1000:+.1f} meV/atom; '
              f'force RMSE {np.sqrt((df ** 2).mean()) * 1000:.0f} meV/A per component; '
              f'sum of DFT forces {np.round(lab["forces"].sum(0), 2)} eV/A')
    q = hirshfeld(a.cp2k_out, n) if a.cp2k_out else None
    elems = [e for e in ('Li', 'Na', 'Mg', 'P', 'S', 'N', 'O') if (sp == e).any()]
    print('\nmean F_z(DFT) - F_z(model) in eV/A (atoms in bin)' + ('; Hirshfeld charge of the bin (e)' if q is not None else ''))
    edges = np.arange(0, c + a.bin, a.bin)
    for lo in edges[:-1]:
        hi = lo + a.bin
        row = f'{lo:5.1f}-{hi:5.1f}'
        for e in elems:
            m = (sp == e) & (z >= lo) & (z < hi)
            row += f'  {e:>2} {df[m, 2].mean():+.2f} ({m.sum():2d})' if m.any() else f'  {e:>2}    -   ( 0)'
        if q is not None:
            row += f'  q {q[(z >= lo) & (z < hi)].sum():+.2f}'
        print(row)
    if a.origin:
        o = read_frame(a.origin)
        if 'region' not in o:
            sys.exit(f'{a.origin}: no region column')
        metal = o['region'] == 0
        if a.metal_z:
            lo, hi = (float(x) for x in a.metal_z.split(','))
        else:
            lo, hi = (float(x) for x in o['info']['interface_metal_z_A'])
            s = c / o['lattice'][2, 2]
            lo, hi = lo * s, hi * s
        inmetal, zmid = in_metal(z, c, lo, hi)
        out = metal & ~inmetal
        side = np.sign(z - zmid)        # +1 in the upper half of the glass, -1 in the lower
        sig = '  '.join(f'{e} {(df[:, 2] * side)[~inmetal & (sp == e)].mean():+.3f}' for e in elems)
        print(f'\nfield signature outside the metal, mean of (F_z(DFT) - F_z(model)) x sign(z - {zmid:.2f}) in eV/A '
              f'(positive: pushed toward the nearer metal face): {sig}')
        print(f'\nmetal atoms more than 1 A outside the metal (z {lo:.2f}..{hi:.2f}): {out.sum()} of {metal.sum()}')
        if q is not None:
            print(f'Hirshfeld charge outside the metal slab: {q[~inmetal].sum():+.2f} e '
                  f'({out.sum()} metal atoms among it); in it: {q[inmetal].sum():+.2f} e')
    if a.cube:
        zz, v = read_cube(a.cube)
        # CP2K's Hartree potential is that of the density with electrons positive (its core charges are
        # negative Gaussians): the electrostatic potential is its negative
        v = -v
        print('\nplanar average of the electrostatic potential (V; minus CP2K V_HARTREE_CUBE), per bin')
        for lo in edges[:-1]:
            m = (zz >= lo) & (zz < lo + a.bin)
            if m.any():
                print(f'{lo:5.1f}-{lo + a.bin:5.1f}  {v[m].mean():+8.3f}')


if __name__ == '__main__':
    main()
