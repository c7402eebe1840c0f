#!/bin/sh
# aion learn --qeq (charge equilibration added to the MTP, as aion train --qeq) with the Pedone potential as
# the oracle on 32-atom gamma-Li3PO4 (level-6 MTP, short trainings and MD): the first training adds the
# aion_qeq lines and every later iteration's pot.mtp and final.mtp keep them unchanged; learn.json records
# the table; the same command again reuses every step; --qeq none on an --init potential with QEq drops it.
set -u
AION=${AION_BIN:-$PWD/build/aion}
PY=/usr/bin/python3
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
[ -x "$PY" ] || { echo "SKIP: needs python3 for the JSON checks"; exit 77; }
. "$PWD/tests/cli/lib/learn_seed.sh"
pedone_run_file 1.02
cat >q.txt <<'EOF2'
Li 3.006 4.772
P  5.463 8.000
O  8.741 13.364
EOF2
"$AION" learn --run-file learn.yaml --qeq q.txt --out Q >Q.out 2>Q.err || fail "run Q: $(tail -5 Q.err)"
[ -s Q/iter-002/pot.mtp ] || fail "Q has no second iteration (the test needs one): $(cat Q.out)"
grep -q '\[iter 1\] train: training on 8 configurations, charge equilibration from q.txt' Q.err ||
    fail "the first training does not announce QEq: $(grep train: Q.err)"
ref=$(grep '^aion_qeq' Q/iter-001/pot.mtp)
[ "$(echo "$ref" | wc -l)" = 4 ] || fail "iter-001/pot.mtp: QEq lines: $ref"
for f in iter-002/pot.mtp final.mtp; do
    [ "$(grep '^aion_qeq' "Q/$f")" = "$ref" ] || fail "Q/$f: QEq lines differ from the first iteration's"
done
$PY -c "
import json
d = json.load(open('Q/learn.json'))
assert d['training']['qeq'] == 'q.txt', d['training']
" || fail "learn.json does not record the table"
sums() { (cd "$1" && for f in iter-*/pot.mtp final.mtp; do cksum <"$f"; done); }
before=$(sums Q)
"$AION" learn --run-file learn.yaml --qeq q.txt --out Q >Q2.out 2>Q2.err || fail "rerun Q: $(tail -5 Q2.err)"
! grep -q 'train: training\|train: continuing' Q2.err || fail "rerun retrained: $(cat Q2.err)"
[ "$(sums Q)" = "$before" ] || fail "rerun changed the potentials"
"$AION" learn --run-file learn.yaml --qeq none --init Q/final.mtp --max-iter 1 --out D >D.out 2>D.err ||
    fail "run D: $(tail -5 D.err)"
! grep -q aion_qeq D/iter-*/pot.mtp D/final.mtp || fail "--qeq none kept the QEq of --init"
grep -q 'starting from Q/final.mtp, no charge equilibration' D.err || fail "the drop is not announced: $(grep train: D.err)"
echo "ok: learn --qeq ($(ls -d Q/iter-* | wc -l) iterations), reuse, --qeq none"
