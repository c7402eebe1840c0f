#!/bin/sh
# Check potentials on the configurations of finished pipeline runs (docs/verification.md, "Which
# potential to trust"): three frames (at 30, 60 and 90 % of the trajectory) of the 800 K and 1000 K
# production runs of every RUN, GFN1-xTB labels (xtb-nocheck.inp, one CP2K job), and
# for every potential in POTS the energy error E_MTP - E_xTB per frame (meV/atom) and the force errors
# (all atoms and Li; slope of the Li force components on xTB's) per run and temperature.
# Usage (repository root, after make):
#   POTS="potentials/lipon-xtb.mtp other.mtp" examples/potential/check-production.sh OUTDIR RUN [RUN...]
# RUN is an `aion run --out` folder. Restartable: finished labels are reused (aion label --keep).
# Environment: TEMPLATE (CP2K template, default examples/dataset/xtb-nocheck.inp; the 186-atom LiPON-like
# glasses need examples/dataset/xtb-loose.inp), JOBS (CP2K jobs at once, default 1), MODEL (committee
# member m >= 2 of the runs: its frames, stages/model<m>/, instead of model 1's).
set -eu
AION=${AION:-build/aion}
POTS=${POTS:-potentials/lipon-xtb.mtp}
TEMPLATE=${TEMPLATE:-examples/dataset/xtb-nocheck.inp}
JOBS=${JOBS:-1}
PREFIX=
[ "${MODEL:-1}" -gt 1 ] && PREFIX=model$MODEL/
O=$1
shift
mkdir -p "$O"
rm -f "$O/frames.xyz" "$O/names.txt"
for run in "$@"; do
    for T in 800 1000; do
        nf=$(grep -c Lattice "$run/stages/${PREFIX}md-${T}K/traj.xyz")
        for k in $((nf * 3 / 10)) $((nf * 6 / 10)) $((nf * 9 / 10)); do
            $AION convert "$run/stages/${PREFIX}md-${T}K/traj.xyz" "$O/frames.xyz" --frames $k --keep none --append 2>/dev/null
            echo "$(basename "$run") ${T}K" >> "$O/names.txt"
        done
    done
done
nice $AION label --in "$O/frames.xyz" --out "$O/frames-xtb.xyz" --template "$TEMPLATE" \
    --jobs "$JOBS" --keep --workdir "$O/work" > "$O/label.log" 2>&1 || true
n=0
for pot in $POTS; do
    n=$((n + 1))
    $AION eval --potential "$pot" --species Li,P,O,N --in "$O/frames-xtb.xyz" --out "$O/pred-$n.xyz" >/dev/null 2>&1
done
/usr/bin/python3 - "$O" $POTS <<'PY'
import sys
import numpy as np
from ase.io import read
O, pots = sys.argv[1], sys.argv[2:]
names = [l.strip() for l in open(O + "/names.txt")]
ref = read(O + "/frames-xtb.xyz", ":")
print("| potential | frames from | labelled | E_MTP - E_xTB (meV/atom) | force MAE (meV/A) | Li force MAE | Li slope |")
print("|---|---|---|---|---|---|---|")
for n, pot in enumerate(pots, 1):
    pred = read("%s/pred-%d.xyz" % (O, n), ":")
    groups = {}
    for r, p in zip(ref, pred):
        g = names[r.info["label_index"]]
        li = np.array(r.get_chemical_symbols()) == "Li"
        d = p.get_forces() - r.get_forces()
        x, y = r.get_forces()[li].ravel(), p.get_forces()[li].ravel()
        groups.setdefault(g, []).append((1000 * (p.get_potential_energy() - r.get_potential_energy()) / len(r),
                                         1000 * np.abs(d).mean(), 1000 * np.abs(d[li]).mean(), x @ y / (x @ x)))
    for g, v in groups.items():
        v = np.array(v)
        print("| %s | %s | %d of 3 | %s | %.0f | %.0f | %.2f |" % (pot, g, len(v), ", ".join("%+.0f" % e for e in v[:, 0]),
              v[:, 1].mean(), v[:, 2].mean(), v[:, 3].mean()))
PY
