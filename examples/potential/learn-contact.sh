#!/bin/sh
# Active learning with the close-contact criterion from the shipped potential of sessions 4-5: the third
# stage of the shipped potential since session 6 (docs/learning.md, "Close contacts"; docs/verification.md,
# "Close contacts (session 6)"). Run from the repository root after `make` (restartable: run it again
# after Ctrl-C or a kill):
#
#   examples/potential/learn-contact.sh            # learn, screen, retrain, check into out/learn-contact/
#   INSTALL=1 examples/potential/learn-contact.sh  # and copy the result to potentials/ and examples/data/
#
#  1. aion learn --run-file examples/potential/learn-contact.yaml: six NVT tasks of 10 ps in 62-atom
#     LiPON-like and 64-atom Li3PO4 cells at 1000-3000 K (one 3000 -> 300 K quench), gamma-select 2,
#     gamma-break 6, at most 8 MaxVol picks per iteration, and every close contact (a pair closer than
#     0.9 x the closest pair of its species in the data), GFN1-xTB labels (xtb-nocheck.inp), 8 iterations;
#  2. screens every iteration's labels with examples/dataset/check-charges.py (Li up to 1.3 e) into
#     out/learn-contact/labelled-ok.xyz;
#  3. retrains from the loop's final potential on the seed data + the accepted labels (100 L-BFGS
#     iterations, errors on the held-out lipon-xtb-test.xyz) into out/learn-contact/pot.mtp (+ .als, report/);
#  4. the contact check (never trained on): in the 62-atom LiPON-like glass the closest N-N, N-O, O-O,
#     Li-Li and P-O pairs pushed to 0.9, 1.1, 1.3, 1.6 and 2.0 A (contact-probe.py), GFN1-xTB labels,
#     energies relative to 2.0 A for xTB, the shipped potential and the new one (contact-check.txt).
set -eu
AION=${AION:-build/aion}
D=out/learn-contact
mkdir -p "$D"
nice $AION learn --run-file examples/potential/learn-contact.yaml --out "$D/run"
# every label the loop made (screened)
: > "$D/labelled-ok.xyz"
for it in "$D/run"/iter-*; do
    [ -s "$it/labelled.xyz" ] || continue
    for k in $(/usr/bin/python3 examples/dataset/check-charges.py --li-max 1.3 "$it/label" "$it/labelled.xyz" \
               examples/data/lipon-xtb-train.xyz); do
        $AION convert "$it/labelled.xyz" "$D/labelled-ok.xyz" --frames "$k" --append --info config_type=al_contact_run
    done
done
cat examples/data/lipon-xtb-train.xyz examples/data/lipon-xtb-al.xyz examples/data/lipon-xtb-al2.xyz \
    examples/data/lipon-xtb-al3.xyz "$D/labelled-ok.xyz" > "$D/train-all.xyz"
if [ ! -f "$D/pot.mtp" ]; then
    nice $AION train --train "$D/train-all.xyz" --test examples/data/lipon-xtb-test.xyz --species Li,P,O,N \
        --init "$D/run/final.mtp" --weights 1,0.01,0 --max-iter 100 --tol 0 --seed 1 --threads 1 \
        --out "$D/pot.tmp.mtp" --report "$D/report" > "$D/train.log" 2>&1
    mv "$D/pot.tmp.als" "$D/pot.als" && mv "$D/pot.tmp.mtp" "$D/pot.mtp"
fi
# 4. the contact check
P=$D/probe
mkdir -p "$P"
[ -s "$P/probe.xyz" ] || /usr/bin/python3 examples/potential/contact-probe.py examples/pipelines/lipon-glass-62.xyz \
    "$P/probe.xyz" N-N,N-O,O-O,Li-Li,P-O 0.9,1.1,1.3,1.6,2.0
[ -s "$P/probe-xtb.xyz" ] || nice $AION label --in "$P/probe.xyz" --out "$P/probe-xtb.xyz" \
    --template examples/dataset/xtb-nocheck.inp --jobs 1 --keep --workdir "$P/work" || true
$AION eval --potential potentials/lipon-xtb.mtp --species Li,P,O,N --in "$P/probe-xtb.xyz" --out "$P/shipped.xyz" >/dev/null
$AION eval --potential "$D/pot.mtp" --species Li,P,O,N --in "$P/probe-xtb.xyz" --out "$P/new.xyz" >/dev/null
/usr/bin/python3 examples/potential/contact-table.py "$P/probe-xtb.xyz" "$P/shipped.xyz" "$P/new.xyz" | tee "$D/contact-check.txt"
if [ "${INSTALL:-0}" = 1 ]; then
    cp "$D/labelled-ok.xyz" examples/data/lipon-xtb-al4.xyz
    cp "$D/pot.mtp" potentials/lipon-xtb.mtp
    cp "$D/pot.als" potentials/lipon-xtb.als
    cp "$D/report/report.json" potentials/lipon-xtb.json
fi
