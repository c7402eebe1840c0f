#!/bin/sh
# A potential on large cells it was not trained in (docs/learning.md, "Session 4"): from the 192-atom
# Li3PO4 and 124-atom LiPON-like starts (large-starts.sh), NVT CSVR melt at 2000 K for 5 ps, then 10 ps
# at 1100 K, extrapolation grade every 20 steps (runs stop at grade 1000); then GFN1-xTB labels of the
# last frame of every stage that finished (in the order melt-192, run-192, melt-lipon-124, run-lipon-124;
# label_index in the output names the frame) and E_MTP - E_xTB per atom, force errors (validate.py).
# Usage (repository root, after make): examples/potential/check-large.sh POT.mtp OUTDIR
# POT.als (the active set) must sit next to POT.mtp. Restartable: finished stages are kept.
set -eu
AION=${AION:-build/aion}
POT=$1
O=$2
mkdir -p "$O"
examples/potential/large-starts.sh "$O"
: > "$O/grades.txt"
for spec in 192:31 lipon-124:32; do
    name=${spec%%:*}; seed=${spec#*:}
    for stage in melt run; do
        if [ $stage = melt ]; then in=$O/start-$name.xyz; T=2000; t=5; s=$seed
        else in=$O/melt-$name/final.xyz; T=1100; t=10; s=$((seed + 100)); fi
        [ -f "$in" ] || continue
        [ -f "$O/$stage-$name/final.xyz" ] ||
            nice $AION md --in "$in" --potential "$POT" --species Li,P,O,N --ensemble nvt-csvr --temp $T --init-temp $T \
                --time $t --seed $s --threads 1 --traj-every 100 --thermo-every 100 --grade --grade-every 20 \
                --grade-stop 1000 --out "$O/$stage-$name" > "$O/$stage-$name.log" 2>&1 || true
        [ -f "$O/$stage-$name/grade.csv" ] || { echo "$stage-$name: did not start (see $O/$stage-$name.log)"; continue; }
        awk -F, -v f="$stage-$name" 'NR > 1 {if ($3 > m) {m = $3; t = $2}; if ($3 > 5 && !x) x = $2}
            END {printf "%s: grade max %.3g at %s ps; first above 5 at %s\n", f, m, t, x ? x " ps" : "never"}' \
            "$O/$stage-$name/grade.csv" | tee -a "$O/grades.txt"
    done
done
if [ ! -s "$O/frames-xtb.xyz" ]; then
    rm -f "$O/frames.xyz"
    for f in melt-192 run-192 melt-lipon-124 run-lipon-124; do
        [ -f "$O/$f/final.xyz" ] && $AION convert "$O/$f/final.xyz" "$O/frames.xyz" --keep none --append 2>/dev/null
    done
    [ -s "$O/frames.xyz" ] || { echo "no stage finished: nothing to label"; exit 0; }
    nice $AION label --in "$O/frames.xyz" --out "$O/frames-xtb.xyz" --template examples/dataset/xtb-nocheck.inp \
        --jobs 1 --keep --workdir "$O/work" || true
fi
[ -s "$O/frames-xtb.xyz" ] || { echo "no label converged"; exit 0; }
$AION eval --potential "$POT" --species Li,P,O,N --in "$O/frames-xtb.xyz" --out "$O/frames-mtp.xyz" >/dev/null
/usr/bin/python3 examples/potential/validate.py "$O/frames-xtb.xyz" "$O/frames-mtp.xyz"
