#!/usr/bin/python3
"""Energy along the close-contact probes (contact-probe.py) for a reference and one or more potentials.

Usage: contact-table.py REFERENCE.xyz PRED1.xyz [PRED2.xyz ...]
  REFERENCE.xyz  labelled probe frames (aion label; frames whose SCF failed are missing)
  PREDn.xyz      the same frames evaluated by a potential (aion eval --in REFERENCE.xyz)
For each probed pair, the energy of every distance relative to the largest distance of that pair
(eV; the rest of the cell is the same in all frames of a pair), one column per file. A row whose
reference frame is missing is not printed; a pair without its largest distance is skipped."""
import sys
from collections import defaultdict

from ase.io import read

files = sys.argv[1:]
sets = [read(f, ":") for f in files]
n = len(sets[0])
assert all(len(s) == n for s in sets), "frame counts differ"
rows = defaultdict(list)
for k, f in enumerate(sets[0]):
    rows[f.info["probe_pair"]].append((float(f.info["probe_dist_A"]), k))
names = ["reference"] + [f"pred{j}" for j in range(1, len(files))]
print("| pair | d (Å) | " + " | ".join(f"{nm}: {fn.split('/')[-1]} (eV)" for nm, fn in zip(names, files)) + " |")
print("|---|---|" + "---|" * len(files))
for pair, lst in rows.items():
    lst.sort()
    dref, kref = lst[-1]
    for d, k in lst[:-1]:
        vals = [s[k].get_potential_energy() - s[kref].get_potential_energy() for s in sets]
        print(f"| {pair} | {d:.2f} | " + " | ".join(f"{v:+.2f}" for v in vals) + f" |")
print(f"(relative to the largest distance of each pair; {n} frames labelled)")
