#!/usr/bin/python3
"""Build close-contact probes: one pair of atoms of a glass pushed together along its axis.

Usage: contact-probe.py GLASS.xyz OUT.xyz PAIR[,PAIR...] D[,D...]
  PAIR  species pair, e.g. N-N, N-O, O-O: the closest such pair of the glass (minimum image) is used;
        PAIR@K (K = 1, 2, ...) uses the K-th closest pair with atoms not used by a closer one
  D     distances in Å; each gives one frame in which the two atoms, moved symmetrically along the
        line joining them, are D apart; every other atom stays where it is
Writes the frames (extended XYZ, info: probe_pair, probe_atoms 1-based, probe_dist_A) in the order
PAIR-major, D-minor. Used by examples/potential/learn-contact.sh for the contact check of the
potential (docs/verification.md, "Close contacts")."""
import sys

import numpy as np
from ase.io import read, write

glass = read(sys.argv[1])
pairs = sys.argv[3].split(",")
dists = [float(x) for x in sys.argv[4].split(",")]
sym = np.array(glass.get_chemical_symbols())
out = []
for spec in pairs:
    pair, _, rank = spec.partition("@")
    rank = int(rank) if rank else 1
    a, b = pair.split("-")
    cands = []
    for i in np.where(sym == a)[0]:
        js = [j for j in np.where(sym == b)[0] if j != i]
        if js:
            d = glass.get_distances(i, js, mic=True)
            cands += [(float(x), int(i), int(j)) for x, j in zip(d, js)]
    cands.sort()
    used, chosen = set(), []
    for d0, i, j in cands:
        if i in used or j in used:
            continue
        chosen.append((i, j, d0))
        used |= {i, j}
        if len(chosen) == rank:
            break
    if len(chosen) < rank:
        sys.exit(f"contact-probe.py: {sys.argv[1]} has no {rank} distinct {pair} pairs")
    i, j, d0 = chosen[-1]
    v = glass.get_distance(i, j, mic=True, vector=True)
    u = v / np.linalg.norm(v)
    for dist in dists:
        f = glass.copy()
        f.calc = None
        shift = 0.5 * (d0 - dist) * u
        p = f.get_positions()
        p[i] += shift
        p[j] -= shift
        f.set_positions(p)
        f.info = {"probe_pair": spec, "probe_atoms": f"{i + 1},{j + 1}", "probe_dist_A": dist,
                  "probe_start_A": round(d0, 4), "config_type": "contact_probe"}
        out.append(f)
write(sys.argv[2], out, format="extxyz")
