#!/bin/sh
# aion train / aion select / aion md --grade on the mlearn Li data (small level,
# few iterations): outputs exist, the report has the sets, a restart continues
# the iteration count, the active set loads, MD logs the grade and stops above
# --grade-stop with the extrapolating configuration written.
AION=${AION_BIN:-build/aion}
D=../shared/data/mlearn
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
[ -r "$D/Li-training.xyz" ] || { echo "SKIP: needs $D/Li-training.xyz (../shared absent?)"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$AION" train --train "$D/Li-training.xyz" --valid-fraction 0.1 --test "$D/Li-test.xyz" --species Li --level 6 \
    --max-iter 4 --threads 1 --out "$t/li.mtp" --report "$t/rep" >"$t/out" 2>"$t/log" || fail "train: $(cat "$t/log")"
for f in li.mtp li.als li.mtp.ckpt rep/report.json rep/parity_train_energy.svg rep/parity_valid_forces.svg rep/parity_test_stress.svg \
         rep/learning_curve.svg rep/run.json; do
    [ -s "$t/$f" ] || fail "missing $f"
done
grep -q '^test ' "$t/out" || fail "no test errors printed: $(cat "$t/out")"
grep -q '"valid": {"all"' "$t/rep/report.json" || fail "report.json lacks the validation set"
grep -q '"AIMD-NVT"' "$t/rep/report.json" || fail "report.json lacks the per-config_type errors"
grep -q '^iter    4 ' "$t/log" || fail "no iteration 4 in the log"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$t/rep/report.json" 2>/dev/null || \
    [ ! -x /usr/bin/python3 ] || fail "report.json is not valid JSON"

# restart continues from the checkpoint
"$AION" train --train "$D/Li-training.xyz" --valid-fraction 0.1 --species Li --level 6 --max-iter 6 --threads 1 \
    --out "$t/li.mtp" --restart >"$t/out2" 2>"$t/log2" || fail "restart: $(cat "$t/log2")"
grep -q '^iter    5 ' "$t/log2" || fail "restart did not continue at iteration 5: $(cat "$t/log2")"
grep -q '^iter    1 ' "$t/log2" && fail "restart started again from iteration 1"

# starting from the trained potential: the first loss is the last one of the run it came from
last=$(grep '^iter    6 ' "$t/log2" | awk '{print $6}')
"$AION" train --train "$D/Li-training.xyz" --valid-fraction 0.1 --species Li --init "$t/li.mtp" --max-iter 0 \
    --threads 1 --out "$t/li-init.mtp" >"$t/out3" 2>"$t/log3" || fail "--init: $(cat "$t/log3")"
first=$(grep '^iter    0 ' "$t/log3" | awk '{print $6}')
[ -n "$last" ] && [ "$first" = "$last" ] || fail "--init: first loss $first differs from the previous last loss $last"

# MLIP-2 .cfg training data (types mapped by --species)
"$AION" convert "$D/Li-test.xyz" "$t/li.cfg" --species Li 2>/dev/null || fail "convert to .cfg"
"$AION" train --train "$t/li.cfg" --species Li --level 4 --max-iter 2 --threads 1 --out "$t/cfg.mtp" \
    >"$t/out4" 2>"$t/log4" || fail "train on .cfg: $(cat "$t/log4")"
grep -q "29 configurations, 1320 atoms (energies 29, forces 29, stresses 29)" "$t/log4" || fail ".cfg data: $(head -5 "$t/log4")"

# a wrong species list is refused
"$AION" train --train "$D/Li-training.xyz" --species Mo --level 6 --max-iter 1 --out "$t/x.mtp" 2>"$t/err" && fail "accepted Mo for Li data"
grep -q "not one of the species" "$t/err" || fail "unclear message: $(cat "$t/err")"

# selection: the test set interpolates at threshold 2 (well-sampled bcc Li)
"$AION" select --potential "$t/li.mtp" --species Li --train "$D/Li-training.xyz" --pool "$D/Li-test.xyz" \
    --out "$t/sel.xyz" --grades "$t/g.csv" >"$t/sout" 2>"$t/slog" || fail "select: $(cat "$t/slog")"
grep -q "pool 29 configurations" "$t/sout" || fail "select summary: $(cat "$t/sout")"
[ "$(wc -l <"$t/g.csv")" = 30 ] || fail "grades.csv should have 29 rows"
# with a threshold of 0 every distinct configuration is a candidate; --max caps
"$AION" select --potential "$t/li.mtp" --species Li --pool "$D/Li-test.xyz" --threshold 0 --max 3 \
    --out "$t/sel3.xyz" >"$t/sout" 2>"$t/slog" || fail "select --max: $(cat "$t/slog")"
[ "$(grep -c mtp_gamma "$t/sel3.xyz")" = 3 ] || fail "--max 3 did not write 3 frames"

# MD with the grade
"$AION" convert "$D/Li-test.xyz" "$t/one.xyz" --frames 0 2>/dev/null || fail "convert"
"$AION" md --in "$t/one.xyz" --potential "$t/li.mtp" --species Li --steps 20 --grade --grade-every 5 --traj none \
    --temp 300 --out "$t/md" >"$t/mout" 2>"$t/mlog" || fail "md --grade: $(cat "$t/mlog")"
[ "$(grep -c '^[0-9]' "$t/md/grade.csv")" -ge 4 ] || fail "grade.csv: $(cat "$t/md/grade.csv")"
"$AION" md --in "$t/one.xyz" --potential "$t/li.mtp" --species Li --steps 20 --grade-stop 1e-6 --grade-every 5 \
    --traj none --out "$t/md2" >"$t/mout" 2>"$t/mlog"
[ $? -eq 4 ] || fail "md --grade-stop should exit 4: $(cat "$t/mlog")"
[ -s "$t/md2/extrapolating.xyz" ] || fail "no extrapolating.xyz"
exit 0
