#!/usr/bin/python3
"""Pair-approach scans: the energy as one atom is moved towards another (docs/interface.md, "The MTP + QEq
blow-up is a Li-Li hole").

usage: pairscan.py make IN.xyz OUT.xyz --frame I --pair P,Q [--from 0.9] [--to 2.6] [--step 0.1]
       pairscan.py show EVAL.xyz [EVAL.xyz ...]

make: frame I of IN.xyz with atom P moved along the line from Q (nearest image) so that the P-Q distance is
d = --from, --from + --step, ..., --to; nothing else moves. Each frame carries pair_distance_A.
show: per file (the frames of make, evaluated by a potential with aion eval), the energy at each distance
less the energy at the largest one (eV), one line per file; the first line lists the distances.
"""
import argparse
import os
import sys

import numpy as np
from ase.io import read, write


def make(a):
    at = read(a.inp, index=a.frame)
    p, q = a.pair
    if max(p, q) >= len(at) or p == q:
        sys.exit(f'{a.inp} frame {a.frame}: no pair {p},{q} among {len(at)} atoms')
    v = at.get_distance(q, p, mic=True, vector=True)
    d0 = np.linalg.norm(v)
    u = v / d0
    out = []
    for d in np.arange(a.dfrom, a.to + 0.5 * a.step, a.step):
        b = at.copy()
        b.calc = None
        b.positions[p] = at.positions[q] + d * u
        b.info = {'pair_distance_A': round(float(d), 6), 'config_type': f'pairscan_{p}_{q}'}
        out.append(b)
    write(a.out, out, format='extxyz')
    print(f'{a.inp} frame {a.frame}: {at[p].symbol} {p} - {at[q].symbol} {q} at {d0:.3f} A, '
          f'{len(out)} frames from {a.dfrom} to {a.to} A -> {a.out}')


def show(files):
    rows = []
    for fn in files:
        fr = read(fn, ':')
        d = [f.info.get('pair_distance_A') for f in fr]
        if None in d:
            sys.exit(f'{fn}: not a scan of pairscan.py make (no pair_distance_A)')
        e = np.array([f.get_potential_energy() for f in fr])
        rows.append((fn, d, e - e[int(np.argmax(d))]))
    print('d (A)'.ljust(28), ' '.join(f'{x:7.2f}' for x in rows[0][1]))
    for fn, d, e in rows:
        if d != rows[0][1]:
            sys.exit(f'{fn}: other distances than {rows[0][0]}')
        print(os.path.basename(fn)[:-4][-28:].ljust(28), ' '.join(f'{x:7.2f}' for x in e))


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ('make', 'show'):
        sys.exit(__doc__.split('\n\n')[1])
    if sys.argv[1] == 'show':
        if len(sys.argv) < 3:
            sys.exit(__doc__.split('\n\n')[1])
        show(sys.argv[2:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('inp')
    ap.add_argument('out')
    ap.add_argument('--frame', type=int, default=0)
    ap.add_argument('--pair', type=lambda s: [int(x) for x in s.split(',')], required=True)
    ap.add_argument('--from', dest='dfrom', type=float, default=0.9)
    ap.add_argument('--to', type=float, default=2.6)
    ap.add_argument('--step', type=float, default=0.1)
    a = ap.parse_args(sys.argv[2:])
    if len(a.pair) != 2 or a.step <= 0 or a.to < a.dfrom:
        sys.exit('pairscan.py make: --pair P,Q and --from <= --to, --step > 0')
    make(a)


if __name__ == '__main__':
    main()
