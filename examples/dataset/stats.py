#!/usr/bin/python3
"""Per-family summary of the labelled data set (examples/dataset/README.md): structures made, labelled
by the xtb preset, refused by CP2K's charge check and accepted in the second pass, lost (and why),
atoms per structure, CP2K wall time of the kept labels, energy and force ranges.
Reads out/dataset/{structures,labels,merged}/. Run from the repository root after assemble.sh:
/usr/bin/python3 examples/dataset/stats.py"""
import collections
import glob
import os

import numpy as np
from ase.io import read

S, L, M = "out/dataset/structures", "out/dataset/labels", "out/dataset/merged"


def frames(path):
    return read(path, ":") if os.path.exists(path) and os.path.getsize(path) > 0 else []


def reasons(workdir):
    out = collections.Counter()
    for p in sorted(glob.glob(f"{workdir}/failed/s*.txt")):
        r = "".join(ln for ln in open(p) if ln.startswith("reason "))
        if "xTB Charges" in r:
            out["charge check"] += 1
        elif "not converged" in r.lower():
            out["SCF not converged"] += 1
        else:
            out["other"] += 1
    return out


fams = ["beta", "gamma"] + [f"{k}-{t}" for k in ("quench", "hot", "lipon") for t in ("d2.2", "d2.4", "d2.6", "d2.4b")]
print("| family | made | atoms | preset labelled | charge-check refusals | accepted on retry | lost | kept | "
      "CP2K time of kept (s) | s per structure | E (eV/atom) | max abs F (eV/Å) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
tot = collections.Counter()
lost_why = collections.Counter()
for fam in fams:
    made = frames(f"{S}/{fam}.xyz")
    first = frames(f"{L}/{fam}.xyz")
    r1 = reasons(f"{L}/{fam}.xyz.work")
    retry = frames(f"{L}/retry-{fam}.xyz")
    acc_path = f"{L}/retry-{fam}.accepted"
    acc = [int(x) for x in open(acc_path).read().split()] if os.path.exists(acc_path) else []
    r2 = reasons(f"{L}/retry-{fam}.xyz.work")
    kept = frames(f"{M}/{fam}.xyz")
    lost = len(made) - len(kept)
    lost_why["SCF not converged"] += r1["SCF not converged"] + r2["SCF not converged"]
    lost_why["charges out of bounds after retry"] += len(retry) - len(acc)
    wall = [float(a.info.get("walltime_s", 0)) for a in first] + [float(retry[k].info.get("walltime_s", 0)) for k in acc]
    epa = [a.get_potential_energy() / len(a) for a in kept]
    fmax = max(np.abs(a.get_forces()).max() for a in kept) if kept else 0
    nat = "/".join(map(str, sorted({len(a) for a in made})))
    print(f"| {fam} | {len(made)} | {nat} | {len(first)} | {r1['charge check']} | {len(acc)} | {lost} | {len(kept)} | "
          f"{sum(wall):.0f} | {np.mean(wall):.0f} | {min(epa):.3f} .. {max(epa):.3f} | {fmax:.1f} |")
    for k, v in (("made", len(made)), ("first", len(first)), ("refused", r1["charge check"]), ("accepted", len(acc)),
                 ("lost", lost), ("kept", len(kept)), ("wall", sum(wall))):
        tot[k] += v
print(f"| total | {tot['made']} | | {tot['first']} | {tot['refused']} | {tot['accepted']} | {tot['lost']} | "
      f"{tot['kept']} | {tot['wall']:.0f} | | | |")
print("\nlost:", ", ".join(f"{k} {v}" for k, v in lost_why.items() if v))
for name in ("lipon-xtb-train", "lipon-xtb-test", "lipon-pbe-ref"):
    p = f"examples/data/{name}.xyz"
    if os.path.exists(p):
        fr = read(p, ":")
        ct = collections.Counter(a.info.get("config_type", "?") for a in fr)
        print(f"{p}: {len(fr)} frames, {sum(len(a) for a in fr)} atoms, {os.path.getsize(p) / 1024:.0f} KiB; "
              + ", ".join(f"{k} {v}" for k, v in sorted(ct.items())))
