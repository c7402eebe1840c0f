#!/bin/sh
# aion learn --contact-select with the Pedone potential as the oracle on 32-atom gamma-Li3PO4 (level-8 MTP):
#  - every iteration records the closest pair of each species pair in the data it trained on, equal to
#    ASE's neighbour search over the data set of that iteration (seed + the labels of earlier iterations);
#  - grade.csv's contact_ratio (closest pair / the data's closest pair of its species, minimised over
#    the pairs) equals ASE's on the contact configuration; every earlier graded step is above the ratio;
#    a task with a contact stops at it, and its configuration is in contacts.xyz, selected.xyz and labelled
#    (the data set grows by it), named by its pair in al_contact;
#  - an iteration with a contact is not converged; a run again reuses every step;
#  - a ratio outside [0, 1) is refused with a message.
set -u
AION=${AION_BIN:-$PWD/build/aion}
PY=/usr/bin/python3
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
$PY -c "import ase" 2>/dev/null || { echo "SKIP: needs ASE (/usr/bin/python3)"; exit 77; }
. "$PWD/tests/cli/lib/learn_seed.sh"
cat >learn.yaml <<EOF
data: seed.xyz
species: Li,P,O
labeller: potential:pedone
level: 8
train-max-iter: 60
train-tol: 0
threads: 1
gamma-select: 3
gamma-break: 30
max-select: 2
max-iter: 3
contact-select: 0.9
task:
  - start=seed.xyz T=2500 steps=1500 every=10
  - start=seed.xyz T=1500 steps=1000 every=10 seed=5
EOF
"$AION" learn --run-file learn.yaml --out R >R.out 2>R.err || fail "run: $(tail -5 R.err)"
grep -q "close contact" R.err || fail "no close contact reported: $(tail -20 R.err)"

$PY - R <<'EOF' || fail "contact checks"
import json, sys
import numpy as np
from ase.io import read
from ase.neighborlist import neighbor_list
out = sys.argv[1]
d = json.load(open(f"{out}/learn.json"))
assert d["contact_select"] == 0.9
sp = d["species"]
cut = d["training"]["cutoff_A"]
def closest(frames):
    m = {}
    for a in frames:
        i, j, r = neighbor_list("ijd", a, cut)
        s = a.get_chemical_symbols()
        for x, y, dist in zip(i, j, r):
            ka = sp.index(s[x]); kb = sp.index(s[y])
            k = f"{sp[min(ka, kb)]}-{sp[max(ka, kb)]}"
            m[k] = min(m.get(k, 1e9), dist)
    return m
data = read("seed.xyz", ":")
ncontact_total = 0
for k, it in enumerate(d["iterations"], 1):
    ref = closest(data)
    cp = it["closest_pairs_A"]
    for key, v in cp.items():
        if v is None:
            assert key not in ref, (k, key)
        else:
            assert abs(v - ref[key]) < 1e-6, (k, key, v, ref[key])
    assert set(ref) <= {kk for kk, v in cp.items() if v is not None}
    ncon = 0
    for t in it["tasks"]:
        base = f"{out}/iter-{k:03d}/{t['name']}"
        rows = [l.strip().split(",") for l in open(f"{base}/grade.csv")]
        assert rows[0] == ["step", "T_K", "grade", "worst_atom", "contact_ratio"], rows[0]
        ratios = [float(r[4]) for r in rows[1:]]
        cons = read(f"{base}/contacts.xyz", ":") if open(f"{base}/contacts.xyz").read().strip() else []
        assert len(cons) == t["contacts"], (len(cons), t)
        if "contact" in t:
            assert len(cons) == 1 and t["stopped_early"]
            assert all(q >= 0.9 for q in ratios[:-1]) and ratios[-1] < 0.9, ratios[-3:]
            assert int(rows[-1][0]) == t["steps_run"] < t["steps"], (rows[-1], t)
            c = cons[0]
            assert int(c.info["al_step"]) == t["steps_run"]
            m = closest([c])
            q = min(m[kk] / (cp[kk] if cp.get(kk) is not None else cut) for kk in m)
            assert abs(q - ratios[-1]) < 1e-4 and abs(q - t["contact_ratio"]) < 1e-4, (q, ratios[-1], t)
            pair = t["contact"].split()[0]
            assert abs(m[pair] / cp[pair] - q) < 1e-4, (pair, m, q)
            assert c.info["al_contact"].split()[0] == pair
            ncon += 1
        else:
            assert not cons and all(q >= 0.9 or q == -1 for q in ratios), t
    assert it["contacts"] == ncon
    ncontact_total += ncon
    if ncon:
        assert not it.get("converged", False), it
    if k < len(d["iterations"]):
        sel = read(f"{out}/iter-{k:03d}/selected.xyz", ":")
        named = [s for s in sel if "al_contact" in s.info]
        assert len(named) == ncon and it["select"]["contacts"] == ncon, (len(named), ncon)
        lab = read(f"{out}/iter-{k:03d}/labelled.xyz", ":")
        assert len(lab) == it["labelled"]
        # the oracle never fails: every contact is labelled, once, with the pair it was selected for
        got = sorted((f.info["al_task"], int(f.info["al_step"]), f.info["al_contact"].split()[0]) for f in lab if "al_contact" in f.info)
        want = sorted((t["name"], t["steps_run"], t["contact"].split()[0]) for t in it["tasks"] if "contact" in t)
        assert got == want, (got, want)
        data += lab
assert ncontact_total >= 2, "the test should see contacts"
print("contact checks ok:", ncontact_total, "contacts")
EOF

# run again: every step reused, the same record
cp R/learn.json first.json
"$AION" learn --run-file learn.yaml --out R >R2.out 2>R2.err || fail "rerun: $(tail -5 R2.err)"
grep -q "md-0.: stopped at step" R2.err && fail "a task ran again"
grep -q "md-02: finished in an earlier run" R2.err || fail "the tasks were not reused"
$PY -c "
import json, sys
a = json.load(open('first.json')); b = json.load(open('R/learn.json'))
strip = lambda d: [{k: v for k, v in it.items() if k != 'wall_s'} for it in d['iterations']]
for it in a['iterations'] + b['iterations']:
    for t in it['tasks']: t.pop('wall_s', None)
sys.exit(strip(a) != strip(b))" || fail "the rerun changed learn.json"

"$AION" learn --out X --data seed.xyz --species Li,P,O --labeller potential:pedone --contact-select 1.2 \
    --task 'start=seed.xyz T=300 steps=10' 2>err && fail "accepted --contact-select 1.2"
grep -q "contact_select must be in \[0, 1)" err || fail "unclear message: $(cat err)"
echo "learn_contact: ok"
