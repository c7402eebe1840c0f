#!/bin/sh
# Short Li-P contacts for the interface MTP (docs/interface.md): the MTP trained without them drops a
# glass Li onto a P (0.9 A). In each of the two 72-atom Li(100) || glass cells of make-data.sh and in one
# 64-atom bulk glass of the Li-P-O set (frame 72: the last quench_d2.4 snapshot, the glass), the glass Li nearest to a P is moved
# along the P-Li line to 1.6, 1.9 and 2.2 A from that P (everything else as built), labelled with
# GFN1-xTB (Gamma, OT, as make-data.sh) and appended to examples/data/li-interface-xtb.xyz as
# config_type li_p_contact. About 3 min of CP2K time.
set -e
cd "$(dirname "$0")/../.."
AION=./build/aion
W=out/interface/contacts
mkdir -p "$W"
$AION convert examples/data/lipon-xtb-train.xyz "$W/glass64.xyz" --frames 72 --keep none 2>/dev/null
/usr/bin/python3 - "$W/contacts.xyz" out/interface/data/if100-1.8.xyz out/interface/data/if100-2.2.xyz \
    "$W/glass64.xyz" <<'PYEOF'
import sys
import numpy as np
from ase.io import read, write
out = []
for path in sys.argv[2:]:
    a = read(path)
    s = np.array(a.get_chemical_symbols())
    glass = np.arange(len(a)) if "region" not in a.arrays else np.where(a.arrays["region"] == 1)[0]
    li = [i for i in glass if s[i] == "Li"]
    p = [i for i in glass if s[i] == "P"]
    d = a.get_all_distances(mic=True)
    i, j = min(((i, j) for i in li for j in p), key=lambda t: d[t])
    v = a.get_distance(j, i, mic=True, vector=True)
    for r in (1.6, 1.9, 2.2):
        b = a.copy()
        b.positions[i] = a.positions[j] + v / np.linalg.norm(v) * r
        for k in list(b.arrays):
            if k not in ("numbers", "positions"): del b.arrays[k]
        b.info = {"contact": "Li%d-P%d %.1f A" % (i, j, r)}
        out.append(b)
write(sys.argv[1], out)
PYEOF
nice $AION label --in "$W/contacts.xyz" --out "$W/contacts-xtb.xyz" --template examples/dataset/xtb-nocheck.inp \
    --jobs 1 --timeout 900 || true
$AION convert "$W/contacts-xtb.xyz" examples/data/li-interface-xtb.xyz --append --info config_type=li_p_contact \
    --keep energy,forces,stress,config_type --precision 8
