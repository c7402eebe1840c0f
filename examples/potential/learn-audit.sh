#!/bin/sh
# Active learning with the energy check (aion learn --audit) from the MTP of examples/potential/train.sh on
# 124-192-atom cells: the second stage of the shipped potential since session 4
# (docs/learning.md, "Large cells, with the energy check (session 3)"). Run from the repository root
# after `make` (restartable: run it again after Ctrl-C or a kill):
#
#   examples/potential/learn-audit.sh            # learn, screen, retrain into out/learn-audit/
#   INSTALL=1 examples/potential/learn-audit.sh  # and copy the result to potentials/ and examples/data/
#
#  1. start structures in out/learn-audit/ (examples/potential/large-starts.sh: 128- and 192-atom Li3PO4,
#     124-atom LiPON-like, all at 2.3 g/cm3);
#  2. aion learn --run-file examples/potential/learn-audit.yaml --out out/learn-audit/run: six NVT tasks of
#     4 ps (128 atoms at 900 and 1200 K and 300 -> 2000 -> 300 K, 192 atoms at 800 K, LiPON-like 124 atoms
#     at 900 and 1200 K), gamma-select 1.3, gamma-break 2, at most 4 MaxVol picks per iteration plus the
#     last configuration of every task (--audit 1, tolerance 40 meV/atom), GFN1-xTB labels (xtb-nocheck.inp);
#  3. screens every iteration's labels (the last iteration's too: they tested the loop's final potential)
#     with examples/dataset/check-charges.py (Li up to 1.3 e) into out/learn-audit/labelled-ok.xyz;
#  4. retrains from the loop's final potential on the seed data + the accepted labels (100 L-BFGS
#     iterations, errors on the held-out lipon-xtb-test.xyz) into out/learn-audit/pot.mtp (+ .als, report/);
#  5. checks that potential on configurations it has never seen (examples/potential/check-large.sh: melt at
#     2000 K for 5 ps, then 10 ps at 1100 K, from the 192-atom Li3PO4 and 124-atom LiPON-like starts, new
#     seeds; GFN1-xTB labels of the last frames, E_MTP - E_xTB per atom and force errors; out/learn-audit/check/).
set -eu
AION=${AION:-build/aion}
D=out/learn-audit
mkdir -p "$D"
[ -f out/potential/al/r2.mtp ] || { echo "learn-audit.sh: out/potential/al/r2.mtp missing: run examples/potential/train.sh first" >&2; exit 1; }
examples/potential/large-starts.sh "$D"
nice $AION learn --run-file examples/potential/learn-audit.yaml --out "$D/run"
# every label the loop made (screened)
examples/potential/screen-labels.sh "$D/run" "$D/labelled-ok.xyz" al_audit_run
cat examples/data/lipon-xtb-train.xyz examples/data/lipon-xtb-al.xyz examples/data/lipon-xtb-al2.xyz \
    "$D/labelled-ok.xyz" > "$D/train-all.xyz"
if [ ! -f "$D/pot.mtp" ]; then
    nice $AION train --train "$D/train-all.xyz" --test examples/data/lipon-xtb-test.xyz --species Li,P,O,N \
        --init "$D/run/final.mtp" --weights 1,0.01,0 --max-iter 100 --tol 0 --seed 1 --threads 1 \
        --out "$D/pot.tmp.mtp" --report "$D/report" > "$D/train.log" 2>&1
    mv "$D/pot.tmp.als" "$D/pot.als" && mv "$D/pot.tmp.mtp" "$D/pot.mtp"
fi
# 5. a fresh check on configurations the potential has not seen
examples/potential/check-large.sh "$D/pot.mtp" "$D/check"
if [ "${INSTALL:-0}" = 1 ]; then
    cp "$D/labelled-ok.xyz" examples/data/lipon-xtb-al3.xyz
    cp "$D/pot.mtp" potentials/lipon-xtb.mtp
    cp "$D/pot.als" potentials/lipon-xtb.als
    cp "$D/report/report.json" potentials/lipon-xtb.json
fi
