#!/bin/sh
# aion train --zbl (ZBL baseline under the MTP) on the mlearn Li data, small level:
# the written potential carries the aion_zbl lines; the training errors of the last
# iteration (learning curve, fitted to label - ZBL) and the report's errors equal
# those recomputed with `aion eval` of the written potential (ZBL + MTP) against the
# labels; --init keeps the baseline (aion learn trains every iteration that way),
# --zbl replaces it, --zbl 0 drops it; without --zbl no aion_zbl line is written;
# bad --zbl values are refused.
AION=${AION_BIN:-build/aion}
D=../shared/data/mlearn
PY=/usr/bin/python3
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
[ -r "$D/Li-training.xyz" ] || { echo "SKIP: needs $D/Li-training.xyz (../shared absent?)"; exit 77; }
[ -x "$PY" ] && "$PY" -c "import ase, numpy" 2>/dev/null || { echo "SKIP: needs $PY with ASE and NumPy"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
TR="--train $D/Li-training.xyz --species Li --level 6 --threads 1"

# outer 3.2 Å reaches the nearest Li-Li pairs of the data (about 2.7-3.1 Å)
"$AION" train $TR --max-iter 4 --zbl 2.0,3.2 --out "$t/z.mtp" --report "$t/rep" >"$t/out" 2>"$t/log" ||
    fail "train: $(cat "$t/log")"
grep -q 'baseline: ZBL pair repulsion switched off between 2 and 3.2 A (new)' "$t/log" || fail "no baseline line: $(cat "$t/log")"
[ "$(tail -n 3 "$t/z.mtp")" = "$(printf 'aion_zbl_inner = 2\naion_zbl_outer = 3.2\naion_zbl_z = {3}')" ] ||
    fail "baseline lines: $(tail -n 3 "$t/z.mtp")"
"$AION" eval --potential "$t/z.mtp" --species Li --in "$D/Li-training.xyz" --out "$t/pred.xyz" 2>/dev/null || fail "eval"
{ sed '/^aion_zbl/d' "$t/z.mtp" | head -c -1; } >"$t/mtp-only.mtp"
"$AION" eval --potential "$t/mtp-only.mtp" --species Li --in "$D/Li-training.xyz" --out "$t/pred0.xyz" 2>/dev/null || fail "eval (MTP part)"
"$PY" - "$D/Li-training.xyz" "$t/pred.xyz" "$t/pred0.xyz" "$t/rep/report.json" <<'PYEOF' || fail "errors differ"
import json, sys
import numpy as np
from ase.io import read
ref, pred, pred0 = (read(p, ":") for p in sys.argv[1:4])
rep = json.load(open(sys.argv[4]))
de = np.array([(p.get_potential_energy() - r.get_potential_energy()) / len(r) for r, p in zip(ref, pred)])
df = np.concatenate([(p.get_forces() - r.get_forces()).ravel() for r, p in zip(ref, pred)])
iu = np.triu_indices(3)
ds = np.concatenate([(p.get_stress(voigt=False) - r.get_stress(voigt=False))[iu] for r, p in zip(ref, pred)])
rm = [1e3 * np.sqrt(np.mean(de ** 2)), 1e3 * np.sqrt(np.mean(df ** 2)), 160.21766208 * np.sqrt(np.mean(ds ** 2))]
base = max(abs(p.get_potential_energy() - q.get_potential_energy()) for p, q in zip(pred, pred0))
lc = rep["learning_curve"]["rows"][-1]            # iter, evals, loss, E, F, S (training, fitted to label - ZBL)
al = rep["sets"]["train"]["all"]
rp = [al["energy_rmse_meV_atom"], al["force_rmse_meV_A"], al["stress_rmse_GPa"]]
print("largest baseline energy of a frame %.4f eV" % base)
print("RMSE E F S: aion eval %.6g %.6g %.6g | report %.6g %.6g %.6g | last iteration %.6g %.6g %.6g" % (*rm, *rp, *lc[3:6]))
ok = base > 1e-3
for a, b, c in zip(rm, rp, lc[3:6]):
    ok &= abs(a - b) <= 1e-4 * abs(a) and abs(a - c) <= 1e-4 * abs(a)
sys.exit(0 if ok else 1)
PYEOF

# --init keeps the baseline, --zbl replaces it, --zbl 0 drops it
"$AION" train $TR --max-iter 2 --init "$t/z.mtp" --out "$t/k.mtp" >/dev/null 2>"$t/log" || fail "init: $(cat "$t/log")"
grep -q 'from the initial potential' "$t/log" || fail "kept baseline not reported: $(cat "$t/log")"
tail -n 3 "$t/k.mtp" | grep -q '^aion_zbl_outer = 3.2$' || fail "baseline not kept from --init"
"$AION" train $TR --max-iter 1 --init "$t/z.mtp" --zbl 1.5,2.9 --out "$t/r.mtp" >/dev/null 2>"$t/log" || fail "replace: $(cat "$t/log")"
grep -q "replaces the initial potential's" "$t/log" || fail "replacement not reported: $(cat "$t/log")"
tail -n 2 "$t/r.mtp" | grep -q '^aion_zbl_outer = 2.9$' || fail "baseline not replaced"
"$AION" train $TR --max-iter 1 --init "$t/z.mtp" --zbl 0 --out "$t/n.mtp" >/dev/null 2>"$t/log" || fail "drop: $(cat "$t/log")"
grep -q 'dropped' "$t/log" || fail "drop not reported: $(cat "$t/log")"
! grep -q aion_zbl "$t/n.mtp" || fail "--zbl 0 left a baseline"
"$AION" train $TR --max-iter 1 --out "$t/p.mtp" >/dev/null 2>&1 || fail "plain training"
! grep -q aion_zbl "$t/p.mtp" || fail "baseline lines without --zbl"
for bad in 2.0,1.0 -1,2 1.0 1,2,3; do
    "$AION" train $TR --max-iter 1 --zbl "$bad" --out "$t/b.mtp" >/dev/null 2>"$t/log" && fail "--zbl $bad accepted"
    grep -q 'zbl takes INNER,OUTER' "$t/log" || grep -q 'at most 2 values' "$t/log" || fail "--zbl $bad: $(cat "$t/log")"
done
# --species disagreeing with the baseline's elements
"$AION" eval --potential "$t/z.mtp" --species Na --in "$D/Li-test.xyz" --out "$t/x.xyz" 2>"$t/log" && fail "eval with Na"
grep -q 'aion_zbl_z' "$t/log" || fail "species mismatch message: $(cat "$t/log")"
echo ok
