#!/usr/bin/python3
"""Errors of the shipped MTP against labelled data, per config_type, from `aion eval` output.

Usage: validate.py REFERENCE.xyz PREDICTED.xyz [--offset]
  REFERENCE.xyz  labelled frames (energy, forces; e.g. examples/data/lipon-xtb-test.xyz)
  PREDICTED.xyz  the same frames evaluated by the MTP (aion eval --potential POT.mtp --in REFERENCE.xyz ...)
  --offset       remove the mean energy-per-atom difference first (a reference with another energy zero,
                 e.g. PBE against an xTB-trained potential); forces are also reported per element with the
                 least-squares slope of predicted on reference components (1 = same stiffness).
Prints a Markdown table: frames, energy MAE/RMSE (meV/atom), force MAE/RMSE per component (meV/A)."""
import sys
from collections import defaultdict

import numpy as np
from ase.io import read

ref = read(sys.argv[1], ":")
pred = read(sys.argv[2], ":")
offset = "--offset" in sys.argv
assert len(ref) == len(pred), "frame counts differ"
de = np.array([p.get_potential_energy() / len(p) - r.get_potential_energy() / len(r) for r, p in zip(ref, pred)])
if offset:
    print(f"mean energy offset removed: {1000 * de.mean():.1f} meV/atom")
    de = de - de.mean()
groups = defaultdict(list)
for k, r in enumerate(ref):
    groups[r.info.get("config_type", "all")].append(k)
groups["all"] = list(range(len(ref)))
print("| set | frames | energy MAE | energy RMSE | force MAE | force RMSE |")
print("|---|---|---|---|---|---|")
for name, idx in groups.items():
    e = 1000 * de[idx]
    df = np.concatenate([(pred[k].get_forces() - ref[k].get_forces()).ravel() for k in idx]) * 1000
    print(f"| {name} | {len(idx)} | {np.abs(e).mean():.1f} | {np.sqrt((e ** 2).mean()):.1f} | "
          f"{np.abs(df).mean():.0f} | {np.sqrt((df ** 2).mean()):.0f} |")
if offset:
    print("\n| element | components | force MAE | force RMSE | reference RMS | slope |")
    print("|---|---|---|---|---|---|")
    for el in sorted(set(ref[0].get_chemical_symbols())):
        fr = np.concatenate([r.get_forces()[np.array(r.get_chemical_symbols()) == el].ravel() for r in ref])
        fp = np.concatenate([p.get_forces()[np.array(r.get_chemical_symbols()) == el].ravel() for r, p in zip(ref, pred)])
        d = 1000 * (fp - fr)
        print(f"| {el} | {fr.size} | {np.abs(d).mean():.0f} | {np.sqrt((d ** 2).mean()):.0f} | "
              f"{1000 * np.sqrt((fr ** 2).mean()):.0f} | {fp @ fr / (fr @ fr):.2f} |")
