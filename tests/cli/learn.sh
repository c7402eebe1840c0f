#!/bin/sh
# aion learn with the Pedone potential as the oracle on 32-atom gamma-Li3PO4 (level-8 MTP, short MD):
#  R: an uninterrupted run: learn.json records (training errors, per-task grades and steps, candidates,
#     selected = labelled + failed), the data set grows by the labelled count, every selected configuration
#     has a grade above gamma_select against the potential that picked it (recomputed with aion select),
#     a task above gamma_break stopped early, final.mtp is the last iteration's potential.
#  K: the same run stopped with SIGINT during the first training (exit 130, status "stopped"), then
#     killed with SIGKILL during the second training, then run to the end: finished steps are kept
#     (files untouched), training continues from its checkpoint, and the result equals R bit for bit.
set -u
AION=${AION_BIN:-$PWD/build/aion}
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIP: needs python3 for the JSON checks"; exit 77; }
# seed.xyz: 8 strained and rattled copies of gamma-Li3PO4 (32 atoms) labelled with Pedone, in a temporary directory
. "$PWD/tests/cli/lib/learn_seed.sh"

cat >learn.yaml <<EOF
data: seed.xyz
species: Li,P,O
labeller: potential:pedone
level: 8
train-max-iter: 150
train-tol: 0
threads: 1
gamma-select: 1.5
gamma-break: 10
max-select: 8
max-iter: 3
task:
  - start=seed.xyz T=300:2500 steps=1500 every=10
  - random=Li3PO4 atoms=32 density=2.3 T=1500 steps=500
EOF

"$AION" learn --run-file learn.yaml --out R >R.out 2>R.err || fail "run R: $(tail -5 R.err)"
grep -q "oracle" R.err || fail "the oracle labeller is not announced"
for f in learn.json dataset.xyz final.mtp final.als run.json iter-001/pot.mtp iter-001/pot.als iter-001/train.json \
         iter-001/md-01/grade.csv iter-001/md-01/thermo.csv iter-001/selected.xyz iter-001/labelled.xyz; do
    [ -s "R/$f" ] || fail "R/$f missing"
done
[ -f R/iter-001/md-01/candidates.xyz ] || fail "R/iter-001/md-01/candidates.xyz missing (may be empty, not absent)"

# learn.json: records and their consistency with the files
python3 - R <<'EOF' || fail "learn.json checks"
import json, sys
out = sys.argv[1]
d = json.load(open(f"{out}/learn.json"))
def nframes(path):
    return sum(1 for line in open(path) if "Lattice=" in line)
its = d["iterations"]
assert d["status"] in ("converged", "max_iterations"), d["status"]
assert len(its) >= 2, f"only {len(its)} iterations"
assert d["seed_size"] == 8
size = 8
stopped_early = 0
for k, it in enumerate(its, 1):
    assert it["iter"] == k
    assert it["dataset_size"] == size, (k, it["dataset_size"], size)
    tr = it["train"]["train_errors"]
    assert tr["configs"] == size and tr["force_rmse_meV_A"] > 0 and tr["energy_rmse_meV_atom"] >= 0, tr
    assert len(it["tasks"]) == 2
    ncand = 0
    for t in it["tasks"]:
        assert 0 <= t["steps_run"] <= t["steps"]
        if t["stopped_early"]:
            stopped_early += 1
            assert t["max_grade"] > d["gamma_break"], t
            assert t["steps_run"] < t["steps"], t
        grades = [float(l.split(",")[2]) for l in open(f"{out}/iter-{k:03d}/{t['name']}/grade.csv").readlines()[1:]]
        assert abs(max(grades) - t["max_grade"]) <= 1e-5 * t["max_grade"], (max(grades), t["max_grade"])
        above = sum(1 for g in grades if g > d["gamma_select"])
        assert above == t["candidates"], (above, t["candidates"])
        assert nframes(f"{out}/iter-{k:03d}/{t['name']}/candidates.xyz") == t["candidates"]
        ncand += t["candidates"]
    assert it["candidates"] == ncand
    assert it["converged"] == (ncand == 0)
    if k < len(its):
        assert it["selected"] >= 1 and it["selected"] <= d["max_select"]
        assert it["labelled"] + it["failed"] == it["selected"], it
        assert nframes(f"{out}/iter-{k:03d}/selected.xyz") == it["selected"]
        assert nframes(f"{out}/iter-{k:03d}/labelled.xyz") == it["labelled"]
        assert it["label"]["errors_before"]["force_rmse_meV_A"] > 0
        size += it["labelled"]
        assert it["dataset_size_after"] == size
    for w in ("train", "explore"):
        assert it["wall_s"][w] >= 0
assert stopped_early >= 1, "no task went above gamma_break (the test should exercise it)"
assert d["dataset_size"] == size and nframes(f"{out}/dataset.xyz") == size
assert d["final_from"] == f"iter-{len(its):03d}/pot.mtp"
print("learn.json ok:", len(its), "iterations, data set", size)
EOF
cmp -s R/final.mtp "R/$(python3 -c "import json; print(json.load(open('R/learn.json'))['final_from'])")" \
    || fail "final.mtp is not the last iteration's potential"

# the selected configurations extrapolate (grade > gamma_select) for the potential that picked them
for sel in R/iter-*/selected.xyz; do
    dir=$(dirname "$sel")
    [ -s "$sel" ] || continue
    "$AION" select --potential "$dir/pot.mtp" --species Li,P,O --pool "$sel" --threshold 0 --out x.xyz \
        --grades g.csv >/dev/null 2>&1 || fail "aion select on $sel"
    awk -F, 'NR > 1 && !($2 > 1.5) { bad = 1 } END { exit bad }' g.csv || fail "$sel holds a configuration with grade <= 1.5: $(cat g.csv)"
done

# a bad task is refused with a message
"$AION" learn --out X --data seed.xyz --species Li,P,O --labeller potential:pedone --task 'T=300 steps=10' 2>err \
    && fail "accepted a task without a start"
grep -q "start=FILE or random=FORMULA" err || fail "unclear task message: $(cat err)"

# A: the energy check (--audit): no candidate (gamma-select 1e5), one audit configuration labelled, within a
#    loose tolerance: converged after one iteration, its label recorded and not added to the data set
"$AION" learn --out A --data seed.xyz --species Li,P,O --labeller potential:pedone --level 6 --train-max-iter 20 \
    --threads 1 --gamma-select 1e5 --gamma-break 1e6 --max-iter 3 --audit 1 --audit-tol 1e9 \
    --task 'start=seed.xyz T=300 steps=100' >A.out 2>A.err || fail "run A: $(tail -5 A.err)"
grep -q "energy check of the final potential: 1 configurations" A.out || fail "no energy check summary: $(cat A.out)"
python3 - A <<'EOF' || fail "learn.json audit checks"
import json, sys
d = json.load(open(f"{sys.argv[1]}/learn.json"))
assert d["status"] == "converged" and d["audit"] == 1, (d["status"], d["audit"])
it = d["iterations"]
assert len(it) == 1 and it[0]["converged"] and it[0]["audit_ok"], it
a = it[0]["label"]["audit"]
assert a["labelled"] == 1 and a["failed"] == 0 and len(a["frames"]) == 1, a
assert a["frames"][0]["step"] == 100 and a["energy_max_abs_meV_atom"] > 0, a
assert abs(a["frames"][0]["energy_error_meV_atom"]) == a["energy_max_abs_meV_atom"], a
assert sum(1 for l in open(f"{sys.argv[1]}/dataset.xyz") if "Lattice=" in l) == 8
EOF

# K: Ctrl-C during the first training ...
"$AION" learn --run-file learn.yaml --out K >K1.out 2>K1.err &
pid=$!
n=0
while [ ! -f K/iter-001/pot.mtp.ckpt ] && kill -0 $pid 2>/dev/null; do
    sleep 0.02; n=$((n + 1)); [ $n -gt 3000 ] && { kill -9 $pid; fail "no checkpoint after 60 s"; }
done
kill -INT $pid 2>/dev/null || fail "run K finished before SIGINT"
wait $pid
rc=$?
[ $rc = 130 ] || fail "SIGINT: exit status $rc, expected 130: $(tail -3 K1.err)"
grep -q '"status":[[:space:]]*"stopped"' K/learn.json || fail "learn.json does not say stopped"
[ -f K/iter-001/train.json ] && fail "training finished although it was interrupted"

# ... SIGKILL during the second training ...
"$AION" learn --run-file learn.yaml --out K >K2.out 2>K2.err &
pid=$!
n=0
while [ ! -f K/iter-002/pot.mtp.ckpt ] && kill -0 $pid 2>/dev/null; do
    sleep 0.02; n=$((n + 1)); [ $n -gt 3000 ] && { kill -9 $pid; fail "no checkpoint after 60 s"; }
done
kill -9 $pid 2>/dev/null || fail "run K finished before SIGKILL"
wait $pid 2>/dev/null
grep -q "\[iter 1\] train: continuing from the checkpoint" K2.err || fail "training was not continued: $(head -3 K2.err)"
[ -f K/iter-002/train.json ] && fail "second training finished before the kill (the test did not interrupt it)"
[ -f K/iter-001/label.json ] || fail "iteration 1 did not finish before the kill"
before=$(cd K/iter-001 && for f in train.json pot.mtp pot.als md-01.json md-01/candidates.xyz md-02/grade.csv \
         selected.xyz select.json labelled.xyz label.json; do ls -l --time-style=full-iso "$f"; cksum <"$f"; done)

# ... and to the end
"$AION" learn --run-file learn.yaml --out K >K3.out 2>K3.err || fail "restart: $(tail -5 K3.err)"
grep -q "\[iter 1\] label: finished in an earlier run" K3.err || fail "iteration 1 was not kept: $(head -8 K3.err)"
grep -q "\[iter 2\] train: continuing from the checkpoint" K3.err || fail "training 2 was not continued"
after=$(cd K/iter-001 && for f in train.json pot.mtp pot.als md-01.json md-01/candidates.xyz md-02/grade.csv \
         selected.xyz select.json labelled.xyz label.json; do ls -l --time-style=full-iso "$f"; cksum <"$f"; done)
[ "$before" = "$after" ] || fail "files of the finished iteration 1 changed on restart"
python3 -c "
import json
r, k = json.load(open('R/learn.json')), json.load(open('K/learn.json'))
assert len(r['iterations']) == len(k['iterations']), (len(r['iterations']), len(k['iterations']))
assert r['status'] == k['status'] and r['dataset_size'] == k['dataset_size']
" || fail "the restarted run differs from R in iterations, status or data set size"
for f in final.mtp final.als dataset.xyz iter-002/selected.xyz; do
    cmp -s "R/$f" "K/$f" || fail "K/$f differs from R/$f (restart is not exact)"
done
echo "ok"
