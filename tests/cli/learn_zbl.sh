#!/bin/sh
# aion learn --zbl (a ZBL pair baseline under the MTP, as aion train --zbl) with the Pedone potential as the
# oracle on 32-atom gamma-Li3PO4 (level-6 MTP, short trainings and MD):
#  Z: --zbl 0.6,1.4: the first and every later iteration's pot.mtp and final.mtp carry the aion_zbl lines
#     (the first training adds the baseline, later ones start from the previous potential and keep it);
#     train.json and learn.json record it, the progress lines name it;
#  the same command again reuses every step (nothing retrained, the potentials untouched);
#  another --zbl retrains from the first iteration (a copy of Z); --zbl 0 (run file `zbl: 0`) on an --init
#  potential with a baseline drops it; bad values (1.4,0.6; -1; in a run file) are refused with a message.
set -u
AION=${AION_BIN:-$PWD/build/aion}
PY=/usr/bin/python3
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
[ -x "$PY" ] || { echo "SKIP: needs python3 for the JSON checks"; exit 77; }
. "$PWD/tests/cli/lib/learn_seed.sh"
pedone_run_file 1.1
ZL='aion_zbl_inner = 0.6
aion_zbl_outer = 1.4
aion_zbl_z = {3, 15, 8}'

"$AION" learn --run-file learn.yaml --zbl 0.6,1.4 --out Z >Z.out 2>Z.err || fail "run Z: $(tail -5 Z.err)"
[ -s Z/iter-002/pot.mtp ] || fail "Z has no second iteration (the test needs one): $(cat Z.out)"
for f in iter-001/pot.mtp iter-002/pot.mtp final.mtp; do
    [ "$(grep '^aion_zbl' "Z/$f")" = "$ZL" ] || fail "Z/$f: baseline lines: $(grep '^aion_zbl' "Z/$f")"
done
grep -q '\[iter 1\] train: training on 8 configurations, new ZBL baseline 0.6..1.4 A' Z.err ||
    fail "the first training does not announce the baseline: $(grep train Z.err)"
grep -q '\[iter 2\] train: training RMSE.*, ZBL baseline 0.6..1.4 A)' Z.err ||
    fail "the second training does not name the baseline: $(grep train Z.err)"
$PY - Z <<'EOF' || fail "Z: train.json / learn.json checks"
import json, sys
out = sys.argv[1]
d = json.load(open(f"{out}/learn.json"))
assert d["training"]["zbl"] == {"inner_A": 0.6, "outer_A": 1.4}, d["training"]
its = d["iterations"]
assert len(its) >= 2, len(its)
for k, it in enumerate(its, 1):
    rec = json.load(open(f"{out}/iter-{k:03d}/train.json"))["results"]
    assert rec["zbl"] == {"inner_A": 0.6, "outer_A": 1.4}, (k, rec.get("zbl"))
    assert it["train"]["zbl"] == rec["zbl"], k
assert its[1]["train"]["init"].endswith("iter-001/pot.mtp"), its[1]["train"]["init"]
EOF
sums() { (cd "$1" && for f in iter-*/pot.mtp iter-*/pot.als iter-*/train.json final.mtp; do cksum <"$f"; done); }
before=$(sums Z)

# the same command again: every step is reused
"$AION" learn --run-file learn.yaml --zbl 0.6,1.4 --out Z >Z2.out 2>Z2.err || fail "rerun Z: $(tail -5 Z2.err)"
n=$(ls -d Z/iter-* | wc -l)
[ "$(grep -c 'train: finished in an earlier run (kept)' Z2.err)" = "$n" ] || fail "rerun: trainings not all kept: $(cat Z2.err)"
! grep -q 'train: training\|train: continuing' Z2.err || fail "rerun retrained: $(cat Z2.err)"
[ "$(sums Z)" = "$before" ] || fail "rerun changed the potentials or train records"

# another baseline: the first training runs again (on a copy)
cp -r Z Y
"$AION" learn --run-file learn.yaml --zbl 0.7,1.5 --max-iter 1 --out Y >Y.out 2>Y.err || fail "run Y: $(tail -5 Y.err)"
grep -q '\[iter 1\] train: .*new ZBL baseline 0.7..1.5 A' Y.err || fail "changed --zbl did not retrain: $(cat Y.err)"
grep -q '^aion_zbl_outer = 1.5$' Y/iter-001/pot.mtp || fail "Y: baseline not replaced"

# --zbl 0 (as a run-file key) drops the baseline of the --init potential
cp learn.yaml drop.yaml
echo 'zbl: 0' >>drop.yaml
"$AION" learn --run-file drop.yaml --init Z/final.mtp --out D >D.out 2>D.err || fail "run D: $(tail -5 D.err)"
grep -q '\[iter 1\] train: training on 8 configurations, starting from Z/final.mtp, no ZBL baseline' D.err ||
    fail "the drop is not announced: $(grep train D.err)"
! grep -q aion_zbl D/iter-*/pot.mtp D/final.mtp || fail "--zbl 0 kept the baseline of --init"
$PY -c "
import json
d = json.load(open('D/learn.json'))
assert d['training']['zbl'] == 'none', d['training']
for it in d['iterations']:
    assert 'zbl' not in it['train'], it['iter']
" || fail "D: records"

# bad values are refused before anything runs
for bad in 1.4,0.6 -1 0.6 0,1.4; do
    "$AION" learn --run-file learn.yaml --zbl "$bad" --out B >/dev/null 2>err && fail "--zbl $bad accepted"
    grep -q 'zbl takes INNER,OUTER with 0 < INNER < OUTER' err || fail "--zbl $bad: unclear message: $(cat err)"
done
cp learn.yaml bad.yaml
echo 'zbl: [1.4, 0.6]' >>bad.yaml
"$AION" learn --run-file bad.yaml --out B >/dev/null 2>err && fail "run file zbl: [1.4, 0.6] accepted"
grep -q 'zbl takes INNER,OUTER' err || fail "run file: unclear message: $(cat err)"
[ -e B ] && fail "a refused run made its output directory"
echo "ok"
