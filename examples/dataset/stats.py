#!/usr/bin/python3
"""Per-family summary of the labelled data set (examples/dataset/README.md): structures made,
labelled, failed (and why), atoms per structure, CP2K wall time, energy and force ranges.
Reads out/dataset/structures/ and out/dataset/labels/ (before assemble.sh strips the bookkeeping
fields). Run from the repository root: /usr/bin/python3 examples/dataset/stats.py"""
import collections
import glob
import os
import sys

import numpy as np
from ase.io import read

S, L = "out/dataset/structures", "out/dataset/labels"
rows = []
tot = collections.Counter()
for path in sorted(glob.glob(f"{S}/*.xyz")):
    fam = os.path.basename(path)[:-4]
    if fam == "pbe-ref":
        continue
    made = read(path, ":")
    lab_path = f"{L}/{fam}.xyz"
    lab = read(lab_path, ":") if os.path.exists(lab_path) else []
    fails = collections.Counter()
    for fpath in sorted(glob.glob(f"{L}/{fam}.xyz.work/failed/s*.txt")):
        reason = [ln for ln in open(fpath) if ln.startswith("reason ")]
        reason = reason[0] if reason else "unknown"
        if "xTB Charges" in reason:
            fails["xTB charge check"] += 1
        elif "not converged" in reason.lower():
            fails["SCF not converged"] += 1
        else:
            fails[reason.split(": ", 1)[-1].strip()[:60]] += 1
    nat = sorted({len(a) for a in made})
    wall = [float(a.info.get("walltime_s", 0)) for a in lab]
    epa = [a.get_potential_energy() / len(a) for a in lab]
    fmax = [np.abs(a.get_forces()).max() for a in lab]
    rows.append((fam, len(made), len(lab), sum(fails.values()), "/".join(map(str, nat)), sum(wall),
                 np.mean(wall) if wall else 0, (min(epa), max(epa)) if epa else (0, 0), max(fmax) if fmax else 0,
                 dict(fails)))
    tot["made"] += len(made)
    tot["labelled"] += len(lab)
    tot["failed"] += sum(fails.values())
    tot["wall"] += sum(wall)

print("| family | made | labelled | failed | atoms | CP2K time (s) | per structure (s) | E/atom (eV) | max abs F (eV/Å) |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]:.0f} | {r[6]:.1f} | "
          f"{r[7][0]:.3f} .. {r[7][1]:.3f} | {r[8]:.2f} |")
print(f"| total | {tot['made']} | {tot['labelled']} | {tot['failed']} | | {tot['wall']:.0f} | | | |")
reasons = collections.Counter()
for r in rows:
    reasons.update(r[9])
if reasons:
    print("\nfailures:", ", ".join(f"{k}: {v}" for k, v in reasons.items()), file=sys.stdout)
