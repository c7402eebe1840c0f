#!/usr/bin/python3
"""Signed errors of a committee of potentials and its spread, per labelled frame (docs/interface.md,
"PBE data with dissolved metal Li").

usage: spread.py LABEL.xyz MODEL1.xyz MODEL2.xyz [...]

LABEL.xyz: frames with reference energies and forces; MODELk.xyz: the same frames evaluated by the
committee's members (aion eval). Per frame: the mean over members of E_model - E_label per atom, the
members' standard deviation (the committee spread a selection by disagreement would look at), and the
members' force spread (per atom, the RMS over members of |F_k - mean F|; mean and largest over atoms).
"""
import sys

import numpy as np
from ase.io import read


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.split('\n\n')[1])
    ref = read(sys.argv[1], ':')
    mods = [read(f, ':') for f in sys.argv[2:]]
    for m, fn in zip(mods, sys.argv[2:]):
        if len(m) != len(ref):
            sys.exit(f'{fn}: {len(m)} frames, {sys.argv[1]} has {len(ref)}')
    print(f'{"frame":42s} {"E err":>7s} {"SD":>5s} meV/atom   force spread mean/max meV/A')
    for i, r in enumerate(ref):
        n = len(r)
        e = np.array([m[i].get_potential_energy() for m in mods]) / n * 1000
        de = e.mean() - r.get_potential_energy() / n * 1000
        f = np.array([m[i].get_forces() for m in mods])
        fs = np.sqrt(((f - f.mean(0)) ** 2).sum(-1).mean(0)) * 1000
        print(f'{r.info.get("config_type", i)!s:42s} {de:+7.1f} {e.std(ddof=1):5.1f}            {fs.mean():4.0f} / {fs.max():4.0f}')


if __name__ == '__main__':
    main()
