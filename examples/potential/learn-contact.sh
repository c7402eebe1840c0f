#!/bin/sh
# Close-contact active learning from the shipped potential of sessions 4-5 (potentials/lipon-xtb.mtp) to the
# contact-trained potential out/learn-contact/run-c/final.mtp (session 6; docs/learning.md, "Close contacts";
# docs/verification.md, "Session 6"). Run from the repository root after `make` (restartable: run it again
# after Ctrl-C or a kill; finished steps and CP2K labels are kept):
#
#   examples/potential/learn-contact.sh            # everything into out/learn-contact/
#   INSTALL=1 examples/potential/learn-contact.sh  # and copy the labels to examples/data/lipon-xtb-al4.xyz
#
#  1. aion learn --run-file examples/potential/learn-contact.yaml (run/): six NVT tasks of 10 ps in 62-atom
#     LiPON-like and 64-atom Li3PO4 cells at 1000-3000 K, close contacts (--contact-select 0.9) labelled
#     whatever their grade, GFN1-xTB labels (xtb-nocheck.inp); session 6: 4 iterations, 12 labels;
#  2. screens those labels with examples/dataset/check-charges.py (Li up to 1.3 e) into labelled-ok.xyz;
#  3. retrains from the loop's final potential on the seed data + the accepted labels (100 L-BFGS
#     iterations) into pot.mtp;
#  4. aion learn --run-file examples/potential/learn-contact-b.yaml (run-b/): from pot.mtp, 62-atom LiPON-like
#     melts and 3000 -> 300 K quenches with the energy check (--audit 2) and close contacts; its final
#     potential (run-b/final.mtp; the last iteration's audit labels test it) blew up in 186-atom LiPON-like
#     runs (docs/verification.md), hence step 6;
#  5. the training report of run-b's potential (aion train --max-iter 0: errors on its data set and on the
#     held-out lipon-xtb-test.xyz) into report-b/;
#  6. aion learn --run-file examples/potential/learn-contact-c.yaml (run-c/): from run-b's potential on its data
#     set, 124-atom LiPON-like quenches and 900/1000 K runs with the energy check on the last frame of every
#     task, labels with examples/dataset/xtb-loose.inp (EPS_SCF 1e-5: the 124-atom SCFs stall at 2-5e-6);
#     its final potential and report (report-c/) are the result;
#  7. the contact check (never trained on): in the 62-atom LiPON-like glass the closest N-N, N-O, O-O, Li-Li
#     and P-O pairs pushed to 0.9, 1.1, 1.3, 1.6 and 2.0 A (contact-probe.py), GFN1-xTB labels, energies
#     relative to 2.0 A for xTB, the shipped potential, pot.mtp, run-b/final.mtp and run-c/final.mtp (contact-check.txt).
set -eu
AION=${AION:-build/aion}
D=out/learn-contact
mkdir -p "$D"
nice $AION learn --run-file examples/potential/learn-contact.yaml --out "$D/run"
examples/potential/screen-labels.sh "$D/run" "$D/labelled-ok.xyz" al_contact_run
cat examples/data/lipon-xtb-train.xyz examples/data/lipon-xtb-al.xyz examples/data/lipon-xtb-al2.xyz \
    examples/data/lipon-xtb-al3.xyz "$D/labelled-ok.xyz" > "$D/train-all.xyz"
if [ ! -f "$D/pot.mtp" ]; then
    nice $AION train --train "$D/train-all.xyz" --test examples/data/lipon-xtb-test.xyz --species Li,P,O,N \
        --init "$D/run/final.mtp" --weights 1,0.01,0 --max-iter 100 --tol 0 --seed 1 --threads 1 \
        --out "$D/pot.tmp.mtp" --report "$D/report" > "$D/train.log" 2>&1
    mv "$D/pot.tmp.als" "$D/pot.als" && mv "$D/pot.tmp.mtp" "$D/pot.mtp"
fi
nice $AION learn --run-file examples/potential/learn-contact-b.yaml --out "$D/run-b"
# 5. training reports (run-b now, run-c after step 6)
report() { # report NAME: the training report of $D/run-NAME/final.mtp into $D/report-NAME/
    [ -f "$D/report-$1/report.json" ] ||
        $AION train --train "$D/run-$1/dataset.xyz" --test examples/data/lipon-xtb-test.xyz --species Li,P,O,N \
            --init "$D/run-$1/final.mtp" --weights 1,0.01,0 --max-iter 0 --tol 0 --seed 1 --threads 1 \
            --out "$D/report-$1.mtp" --report "$D/report-$1" > "$D/report-$1.log" 2>&1
}
report b
# 6. 124-atom LiPON-like cells
examples/potential/large-starts.sh "$D" >/dev/null
nice $AION learn --run-file examples/potential/learn-contact-c.yaml --out "$D/run-c"
report c
# 7. the contact check
P=$D/probe
mkdir -p "$P"
[ -s "$P/probe.xyz" ] || /usr/bin/python3 examples/potential/contact-probe.py examples/pipelines/lipon-glass-62.xyz \
    "$P/probe.xyz" N-N,N-O,O-O,Li-Li,P-O 0.9,1.1,1.3,1.6,2.0
[ -s "$P/probe-xtb.xyz" ] || nice $AION label --in "$P/probe.xyz" --out "$P/probe-xtb.xyz" \
    --template examples/dataset/xtb-nocheck.inp --jobs 1 --keep --workdir "$P/work" || true
n=0
for pot in potentials/lipon-xtb.mtp "$D/pot.mtp" "$D/run-b/final.mtp" "$D/run-c/final.mtp"; do
    n=$((n + 1))
    $AION eval --potential "$pot" --species Li,P,O,N --in "$P/probe-xtb.xyz" --out "$P/pred-$n.xyz" >/dev/null
done
/usr/bin/python3 examples/potential/contact-table.py "$P/probe-xtb.xyz" "$P/pred-1.xyz" "$P/pred-2.xyz" "$P/pred-3.xyz" \
    "$P/pred-4.xyz" \
    | tee "$D/contact-check.txt"
if [ "${INSTALL:-0}" = 1 ]; then
    # the labels of the three loops
    cp "$D/labelled-ok.xyz" examples/data/lipon-xtb-al4.xyz
    # the iterations of run-b and run-c whose labels joined the data set (not the last: its audit labels
    # only test the final potential)
    for r in b c; do
        for it in $(/usr/bin/python3 -c "import json, sys; d = json.load(open(sys.argv[1]))
print(' '.join('iter-%03d' % i['iter'] for i in d['iterations'] if 'dataset_size_after' in i))" "$D/run-$r/learn.json"); do
            $AION convert "$D/run-$r/$it/labelled.xyz" examples/data/lipon-xtb-al4.xyz --append \
                --info config_type=al_contact_audit_run_$r
        done
    done
fi
