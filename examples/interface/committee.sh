#!/bin/sh
# How much does the potential itself move D? (docs/interface.md, "Nitrogen in the glass", committee)
# Trains MEMBERS extra Li,P,O,N MTPs from scratch on the training set of the shipped
# potentials/li-iface-pbe-n.mtp (the 66 frames of learn-pbe-n.sh round2), each with its own random seed,
# prints their errors on the held-out N frames and the N replica audit frame, runs the rigid-metal
# Li(100) || Li3PO4 replicas (replicas.sh: 8 glasses, 600/700/800 K, 100 ps) with each, and compares
# their D per region, paired by glass, with the shipped N potential's run (REF); then the same with the
# LiPON-like glasses (replicas.sh NSUB=12) against the shipped N potential's (REFN).
#   MEMBERS  training seeds (default "2 3")
#   DATA     training frames (default out/interface/learn-pbe-n2/dataset.xyz, from learn-pbe-n.sh round2)
#   REF      the shipped N potential's replicas (default out/interface/repmn: POT=potentials/li-iface-pbe-n.mtp
#            SPECIES=Li,P,O,N BASE=out/interface/repmn sh examples/interface/replicas.sh)
#   REFN     the shipped N potential's LiPON-like replicas (default out/interface/repn: NSUB=12, as REF)
#   BASE     member replicas go to ${BASE}M and ${BASE}M-n (default out/interface/repmc)
# Each member: ~1 min training (2 threads), ~15 + ~13 min of replicas here. Finished work is kept: run it again
# after an interruption and it continues.
set -e
cd "$(dirname "$0")/../.."
MEMBERS=${MEMBERS:-2 3}
DATA=${DATA:-out/interface/learn-pbe-n2/dataset.xyz}
REF=${REF:-out/interface/repmn}
REFN=${REFN:-out/interface/repn}
BASE=${BASE:-out/interface/repmc}
C=out/interface/committee
[ -x ./build/aion ] || make -j2 >/dev/null
[ -f "$DATA" ] || { echo "committee.sh: no $DATA (run examples/interface/learn-pbe-n.sh round2 first)" >&2; exit 1; }
mkdir -p "$C"
for m in $MEMBERS; do
    if [ ! -f "$C/m$m.mtp" ] || [ ! -f "$C/m$m.als" ]; then
        # the settings of the loop (learn-pbe-n.yaml): level 12, 5 A, ZBL under 0.6-1.4 A, weights 1/0.01/0.001
        ./build/aion train --train "$DATA" --valid out/interface/learn-pbe-n-data/valid.xyz \
            --species Li,P,O,N --level 12 --cutoff 5 --zbl 0.6,1.4 --max-iter 1500 --seed "$m" \
            --threads 2 --quiet --out "$C/m$m.mtp" >"$C/m$m.log" 2>&1
    fi
    tail -3 "$C/m$m.log" | head -2
    for f in li-interface-pbe-n-test li-interface-pbe-n-audit; do
        ./build/aion eval --potential "$C/m$m.mtp" --species Li,P,O,N --in "examples/data/$f.xyz" \
            --out "$C/m$m-$f.xyz" --threads 2 2>/dev/null
        printf 'member %s on %s: ' "$m" "$f"
        /usr/bin/python3 examples/interface/errors.py "examples/data/$f.xyz" "$C/m$m-$f.xyz" | tail -1
    done
done
for m in $MEMBERS; do
    POT="$C/m$m.mtp" SPECIES=Li,P,O,N BASE="$BASE$m" sh examples/interface/replicas.sh >"$BASE$m.log" 2>&1
    echo "member $m / shipped N potential (paired by glass):"
    /usr/bin/python3 examples/interface/replicas.py "$BASE$m" --temps 600,700,800 --against "$REF" | \
        sed -n '/paired by replica name/,$p'
done
for m in $MEMBERS; do
    NSUB=12 POT="$C/m$m.mtp" SPECIES=Li,P,O,N BASE="$BASE$m-n" sh examples/interface/replicas.sh >"$BASE$m-n.log" 2>&1
    echo "member $m, LiPON-like glasses / shipped N potential's (paired by glass):"
    /usr/bin/python3 examples/interface/replicas.py "$BASE$m-n" --temps 600,700,800 --against "$REFN" | \
        sed -n '/paired by replica name/,$p'
    echo "member $m, LiPON-like / Li3PO4 glasses, both with this member (paired by glass):"
    /usr/bin/python3 examples/interface/replicas.py "$BASE$m-n" --temps 600,700,800 --against "$BASE$m" | \
        sed -n '/paired by replica name/,$p'
done
echo "committee on the Li3PO4 glasses (shipped N potential and the members):"
/usr/bin/python3 examples/interface/committee.py "$REF" $(for m in $MEMBERS; do printf '%s ' "$BASE$m"; done)
echo "committee on the LiPON-like glasses:"
/usr/bin/python3 examples/interface/committee.py "$REFN" $(for m in $MEMBERS; do printf '%s ' "$BASE$m-n"; done)
