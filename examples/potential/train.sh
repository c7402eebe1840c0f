#!/bin/sh
# First stage of the shipped MTP for Li-P-O(-N) (potentials/README.md): seed fit and active-learning rounds
# in 62/64-atom cells, into out/potential/al/r$ROUNDS.{mtp,als}. The shipped potentials/lipon-xtb.{mtp,als,json}
# is then made from it by examples/potential/learn-audit.sh (INSTALL=1): active learning in 124-192-atom
# cells with the energy check and a retraining (session 4). This stage was shipped until session 3.
# Run from the repository root after `make`; every step can be interrupted and run again.
#   1. seed fit: level 16, cutoff 5 A, species Li,P,O,N, weights energy 1, forces 0.01, stress 0 (GFN1-xTB
#      has no sound equation of state for Li3PO4: docs/training.md), 200 L-BFGS iterations, one thread,
#      on examples/data/lipon-xtb-train.xyz (110 frames), errors on lipon-xtb-test.xyz (26 held-out frames)
#   2. active-learning rounds 1..ROUNDS (examples/potential/active-round.sh: MD with the grade watched,
#      MaxVol selection, GFN1-xTB labels appended to examples/data/lipon-xtb-al.xyz, retraining with --init)
#   3. errors of the last round's potential per family on the held-out set and against the three PBE
#      cells (validate.py)
# About 2 min CPU for step 1 and 10-15 min per round (mostly CP2K) on one core.
set -eu
AION=${AION:-build/aion}
ROUNDS=${ROUNDS:-2}
D=out/potential/al
mkdir -p "$D"
if [ ! -f "$D/r0.mtp" ]; then
    LEVELS=16 ITER=200 examples/potential/compare-levels.sh
    cp out/potential/level16/pot.als "$D/r0.als"
    cp out/potential/level16/pot.mtp "$D/r0.mtp"
fi
# the active-learning additions are part of the repository; regenerating them from scratch needs an
# empty file (rounds append to it)
if [ "${FROM_SCRATCH:-0}" = 1 ]; then rm -rf "$D"/round* "$D/rounds.csv" examples/data/lipon-xtb-al.xyz; fi
R=1
while [ "$R" -le "$ROUNDS" ]; do
    examples/potential/active-round.sh "$R"
    R=$((R + 1))
done
cp "$D/round$ROUNDS/report/report.json" "$D/r$ROUNDS.json"
"$AION" eval --potential "$D/r$ROUNDS.mtp" --species Li,P,O,N --in examples/data/lipon-xtb-test.xyz \
    --out out/potential/test-pred.xyz
"$AION" eval --potential "$D/r$ROUNDS.mtp" --species Li,P,O,N --in examples/data/lipon-pbe-ref.xyz \
    --out out/potential/pbe-pred.xyz
/usr/bin/python3 examples/potential/validate.py examples/data/lipon-xtb-test.xyz out/potential/test-pred.xyz
/usr/bin/python3 examples/potential/validate.py examples/data/lipon-pbe-ref.xyz out/potential/pbe-pred.xyz --offset
