#!/bin/sh
# examples/interface/committee.py on three synthetic replica sets (replicas.json as replicas.py writes
# it, with se_log): interface/bulk D_xy ratios 0.5, 1 and 2 (geometric mean 1, log SD ln 2, 95 % interval of the mean
# exp(+-t(0.975, 2) ln2 / sqrt 3)), each set's 95 % interval built from a known within-set standard error
# (0.05, 0.10, 0.15 in log, 8 replicas: mean 0.10), bulk D_xy 1, 2, 4 (x1e-6) at 600 K.
PY=/usr/bin/python3
$PY -c "import numpy, scipy" 2>/dev/null || { echo "SKIP: needs numpy and scipy for $PY"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
$PY - "$t" <<'PYEOF' || fail "could not write the synthetic sets"
import json, math, os, sys
from scipy import stats
q = stats.t.ppf(0.975, 7)
for name, r, se, d in (("a", 0.5, 0.05, 1e-6), ("b", 1.0, 0.10, 2e-6), ("c", 2.0, 0.15, 4e-6)):
    os.makedirs(os.path.join(sys.argv[1], name))
    e = {"geo_mean": r, "ci95_lo": r * math.exp(-q * se), "ci95_hi": r * math.exp(q * se), "replicas": 8,
         "se_log": se}
    json.dump({"replicas": ["s1", "s2"], "temperatures_K": [600],
               "ratio": {"xy": e, "z": e},
               "regions": {"bulk": {"xy": {"per_T": [{"T_K": 600, "D_cm2_s": d, "sem_cm2_s": 0.1 * d}]}}}},
              open(os.path.join(sys.argv[1], name, "replicas.json"), "w"))
PYEOF
$PY examples/interface/committee.py "$t/a" "$t/b" "$t/c" --json "$t/c.json" >"$t/out" 2>&1 \
    || fail "committee.py: $(cat "$t/out")"
$PY - "$t/c.json" <<'PYEOF' || fail "wrong committee statistics: $(cat "$t/out")"
import json, math, sys
from scipy import stats
c = json.load(open(sys.argv[1]))
x = c["ratio"]["xy"]
h = stats.t.ppf(0.975, 2) * math.log(2) / math.sqrt(3)
assert x["k"] == 3 and abs(x["geo_mean"] - 1) < 1e-12, x
assert abs(x["sd_between_log"] - math.log(2)) < 1e-12, x
assert abs(x["ci95_lo"] - math.exp(-h)) < 1e-9 and abs(x["ci95_hi"] - math.exp(h)) < 1e-9, x
assert abs(x["se_within_log"] - 0.10) < 1e-9, x
b = c["bulk_xy"]["600"]
assert abs(b["geo_mean"] - 2e-6) < 1e-18 and abs(b["sd_between_log"] - math.log(2)) < 1e-12, b
assert abs(b["se_within_log"] - 0.1) < 1e-12, b
PYEOF
# one set is not a committee: a clear refusal
$PY examples/interface/committee.py "$t/a" >"$t/out" 2>&1 && fail "accepted a single set"
grep -q "at least two" "$t/out" || fail "no message: $(cat "$t/out")"
# a missing set names the file
$PY examples/interface/committee.py "$t/a" "$t/nope" >"$t/out" 2>&1 && fail "accepted a missing set"
grep -q "nope/replicas.json" "$t/out" || fail "message does not name the file: $(cat "$t/out")"
# a replicas.json of an older replicas.py (no se_log): refused with what to do
$PY -c "import json,sys; f=sys.argv[1]; d=json.load(open(f)); del d['ratio']['xy']['se_log']; json.dump(d, open(f,'w'))" "$t/b/replicas.json"
$PY examples/interface/committee.py "$t/a" "$t/b" >"$t/out" 2>&1 && fail "accepted a set without se_log"
grep -q "run replicas.py" "$t/out" || fail "no advice: $(cat "$t/out")"
echo "PASS"
