#!/bin/sh
# Production-drift active learning (session 7; docs/learning.md, "Production drift"; docs/verification.md,
# "Session 7"): from the contact-trained potential C (out/learn-contact/run-c/final.mtp of
# learn-contact.sh) to out/learn-prod/run/final.mtp. Run from the repository root after `make` and
# learn-contact.sh (restartable: run it again after Ctrl-C or a kill; finished steps and labels are kept):
#
#   examples/potential/learn-production.sh
#
#  1. lipon.yaml with potential C, a 3000 K / 10 ps melt and three glasses (out/lipon-c/); it blows up in
#     glass 1's 1000 K run after 102.5 ps (the pipeline stops with the stage named; that is expected here);
#     likewise potential B (out/learn-contact/run-b/final.mtp) into out/lipon-b/ (its glass 2 quench blows
#     up at ~800 K);
#  2. GFN1-xTB labels (xtb-loose.inp) of frames of those runs: glass 1's 1000 K run of C at 1, 10, 30, 50,
#     70, 90 and 100 ps and 101.4, 101.6, 101.9 and 102.3 ps, and B's glass 2 quench at 39.6 and 39.8 ps;
#     the table of E_MTP - E_xTB (the drift) into drift.txt; the seed data of step 3 = C's data set + the
#     audit labels of C's last iteration + these labels (seed.xyz);
#  3. aion learn --run-file examples/potential/learn-production.yaml (run/): 186-atom LiPON-like cells (C's
#     three glasses at 900/1000/1100 K, 20 ps; a 3000 -> 300 K quench of the start) with the energy check
#     on the last frame of every task;
#  4. the training report of its final potential (report/: errors on its data set and on the held-out
#     lipon-xtb-test.xyz);
#  5. a second potential for a committee (dz/pot.mtp): the same data set, fitted from the shipped potential
#     instead of C (150 L-BFGS iterations) and with a ZBL short-range baseline (--zbl 0.6,1.4);
#  6. with INSTALL=1: the labels that joined the data set (the drift labels of step 2 and those of the loop's
#     iterations but the last) into examples/data/lipon-xtb-al5.xyz.
# Both potentials are shipped as potentials/lipon-xtb-d.mtp and lipon-xtb-dz.mtp (copies of run/final.* and
# dz/pot.*, with their training reports). The LiPON-like committee run and its check against GFN1-xTB
# (docs/verification.md, "Session 7"):
#   aion run examples/pipelines/lipon.yaml --out out/lipon-d
#   TEMPLATE=examples/dataset/xtb-loose.inp JOBS=2 POTS="potentials/lipon-xtb-d.mtp potentials/lipon-xtb-dz.mtp" \
#       examples/potential/check-production.sh out/s7/check-d out/lipon-d          # and MODEL=2 for Dz's runs
set -eu
AION=${AION:-build/aion}
D=out/learn-prod
C=out/learn-contact
mkdir -p "$D"
# 1. the runs that drift (exit status 1 when they blow up)
for p in b c; do
    [ -d "out/lipon-$p/stages" ] && continue
    nice $AION run examples/pipelines/lipon.yaml --out "out/lipon-$p" --glasses 3 \
        --potential "$PWD/$C/run-$p/final.mtp" --set potential.validation_report="$PWD/$C/report-$p/report.json" \
        --set quench.t_melt=3000 --set quench.melt_hold=10 > "out/lipon-$p.log" 2>&1 || true
done
# 2. labels of the drifting frames
if [ ! -s "$D/drift.xyz" ]; then
    /usr/bin/python3 - "$D/drift.xyz" <<'PY'
import sys
from ase.io import read, write
picks = [("out/lipon-c/stages/md-1000K/traj.xyz", "drift_c_1000K",
          (1000, 10000, 30000, 50000, 70000, 90000, 100000, 101400, 101600, 101900, 102300)),
         ("out/lipon-b/stages/glass2/quench/traj.xyz", "drift_b_quench", (39600, 39800))]
out = []
for path, ctype, steps in picks:
    for a in read(path, ":"):
        if a.info.get("step") in steps:
            b = a.copy()
            b.info = {"config_type": ctype, "step": a.info["step"], "e_mtp": a.info["energy"]}
            b.arrays.pop("image", None)
            out.append(b)
write(sys.argv[1], out)
PY
fi
nice $AION label --in "$D/drift.xyz" --out "$D/drift-xtb.xyz" --template examples/dataset/xtb-loose.inp \
    --jobs 2 --timeout 900 --workdir "$D/drift.work" > "$D/drift-label.log" 2>&1 || true
/usr/bin/python3 - "$D/drift-xtb.xyz" > "$D/drift.txt" <<'PY'
import sys
from ase.io import read
print("config_type step(fs) | E_MTP - E_xTB (meV/atom) of the potential that ran the MD")
for a in read(sys.argv[1], ":"):
    print(a.info["config_type"], a.info["step"], "| %+.1f" % (1000 * (a.info["e_mtp"] - a.get_potential_energy()) / len(a)))
PY
cat "$C/run-c/dataset.xyz" "$C/run-c/iter-003/labelled.xyz" "$D/drift-xtb.xyz" > "$D/seed.xyz"
cp out/lipon-c/stages/quench/glass.xyz "$D/start-g1.xyz"
cp out/lipon-c/stages/glass2/quench/glass.xyz "$D/start-g2.xyz"
cp out/lipon-c/stages/glass3/quench/glass.xyz "$D/start-g3.xyz"
# 3. the loop
nice $AION learn --run-file examples/potential/learn-production.yaml --out "$D/run"
# 4. its training report
[ -f "$D/report/report.json" ] ||
    $AION train --train "$D/run/dataset.xyz" --test examples/data/lipon-xtb-test.xyz --species Li,P,O,N \
        --init "$D/run/final.mtp" --weights 1,0.01,0 --max-iter 0 --tol 0 --seed 1 --threads 1 \
        --out "$D/report.mtp" --report "$D/report" > "$D/report.log" 2>&1
# 5. the committee partner
if [ ! -f "$D/dz/pot.mtp" ]; then
    mkdir -p "$D/dz"
    nice $AION train --train "$D/run/dataset.xyz" --test examples/data/lipon-xtb-test.xyz --species Li,P,O,N \
        --init potentials/lipon-xtb.mtp --zbl 0.6,1.4 --weights 1,0.01,0 --max-iter 150 --tol 0 --seed 1 \
        --threads 2 --out "$D/dz/pot.tmp.mtp" --report "$D/dz/report" > "$D/dz/train.log" 2>&1
    mv "$D/dz/pot.tmp.als" "$D/dz/pot.als" && mv "$D/dz/pot.tmp.mtp" "$D/dz/pot.mtp"
fi
if [ "${INSTALL:-0}" = 1 ]; then
    $AION convert "$D/drift-xtb.xyz" examples/data/lipon-xtb-al5.xyz
    for it in $(/usr/bin/python3 -c "import json, sys; d = json.load(open(sys.argv[1]))
print(' '.join('iter-%03d' % i['iter'] for i in d['iterations'] if 'dataset_size_after' in i))" "$D/run/learn.json"); do
        $AION convert "$D/run/$it/labelled.xyz" examples/data/lipon-xtb-al5.xyz --append \
            --info config_type=al_production_run
    done
fi
