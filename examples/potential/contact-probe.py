#!/usr/bin/python3
"""Build close-contact probes: one pair of atoms of a glass pushed together along its axis.

Usage: contact-probe.py GLASS.xyz OUT.xyz PAIR[,PAIR...] D[,D...]
  PAIR  species pair, e.g. N-N, N-O, O-O: the closest such pair of the glass (minimum image) is used
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
for pair in pairs:
    a, b = pair.split("-")
    best = None
    for i in np.where(sym == a)[0]:
        js = [j for j in np.where(sym == b)[0] if j != i]
        if not js:
            continue
        d = glass.get_distances(i, js, mic=True)
        k = int(np.argmin(d))
        if best is None or d[k] < best[2]:
            best = (int(i), int(js[k]), float(d[k]))
    if best is None:
        sys.exit(f"contact-probe.py: {sys.argv[1]} has no {pair} pair")
    i, j, d0 = best
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
        f.info = {"probe_pair": pair, "probe_atoms": f"{i + 1},{j + 1}", "probe_dist_A": dist,
                  "probe_start_A": round(d0, 4), "config_type": "contact_probe"}
        out.append(f)
write(sys.argv[2], out, format="extxyz")
