#!/bin/sh
# examples/interface/replicas.py on synthetic slab results: three replicas whose D follow
# D0 f_r exp(-Ea/kT) with Ea = 0.40 eV in the bulk and 0.30 eV at the interfaces (interface 1 and 2
# at 1.5x and 2.5x the Arrhenius law, replica factors f_r = 0.5, 1, 2). The pooled Arrhenius fit must
# give the two Ea, the paired interface/bulk ratio its known geometric mean (exact, since the replica
# factor cancels within a replica), and the replicas' standard error must be the spread of f_r.
AION=${AION_BIN:-build/aion}
PY=/usr/bin/python3
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
$PY -c "import numpy, scipy" 2>/dev/null || { echo "SKIP: needs numpy and scipy for $PY"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

$PY - "$t" <<'PYEOF' || fail "could not write the synthetic replicas"
import json, math, os, sys
kB = 8.617333262e-5
for s, f in (("s1", 0.5), ("s2", 1.0), ("s3", 2.0)):
    os.makedirs(os.path.join(sys.argv[1], s))
    for T in (600, 700, 800):
        def d(ea, x):
            return 1e-2 * f * x * math.exp(-ea / (kB * T))
        bins = []
        edges = (0.0, 15.0, 20.0, 31.0, 37.0)
        for k, (name, dd) in enumerate((("metal", 1e-9), ("if1", d(0.30, 1.5)), ("bulk", d(0.40, 1.0)), ("if2", d(0.30, 2.5)))):
            fit = {"D_cm2_s": dd, "msd_max_A2": 10.0, "warnings": [], "fit_start_fs": 500, "fit_end_fs": 2500}
            bins.append({"atoms_mean": 20.0, "z_lo_A": edges[k], "z_hi_A": edges[k + 1], "xy": fit,
                         "z": dict(fit, D_cm2_s=dd / 2)})
        json.dump({"results": {"groups": [{"slab": bins}]}},
                  open(os.path.join(sys.argv[1], s, "slab-%d.json" % T), "w"))
PYEOF
$PY examples/interface/replicas.py "$t" --aion "$AION" >"$t/out" 2>&1 || fail "replicas.py: $(cat "$t/out")"
$PY - "$t/replicas.json" <<'PYEOF' || fail "wrong pooled results: $(cat "$t/out")"
import json, math, sys
r = json.load(open(sys.argv[1]))
assert r["replicas"] == ["s1", "s2", "s3"], r["replicas"]
for dim in ("xy", "z"):
    bulk = r["regions"]["bulk"][dim]["arrhenius"]
    iface = r["regions"]["interface"][dim]["arrhenius"]
    assert abs(bulk["Ea_eV"] - 0.40) < 1e-6, bulk
    assert abs(iface["Ea_eV"] - 0.30) < 1e-6, iface
    kB, T = 8.617333262e-5, 700
    want = 1.5 * 1e-2 * (0.5 + 1 + 2) / 3 * math.exp(-0.30 / (kB * T)) * (1 if dim == "xy" else 0.5)
    got = [p for p in r["regions"]["interface 1"][dim]["per_T"] if p["T_K"] == T][0]
    assert abs(got["D_cm2_s"] / want - 1) < 1e-9, (got, want)
    sd = (sum((x - 3.5 / 3) ** 2 for x in (0.5, 1, 2)) / 2) ** 0.5
    assert abs(got["sem_cm2_s"] / (want / (3.5 / 3) * sd / 3 ** 0.5) - 1) < 1e-9, got
    ratio = r["ratio"][dim]
    gm = math.exp(sum(math.log(2.0 * math.exp(0.10 / (kB * T))) for T in (600, 700, 800)) / 3)
    assert abs(ratio["geo_mean"] / gm - 1) < 1e-9, (ratio, gm)
    assert abs(ratio["ci95_hi"] / ratio["ci95_lo"] - 1) < 1e-9, ratio  # identical in every replica
# the walls' geometric expectation: below 1 (the interface bins touch a wall), above 0.5 here
for T in ("600", "700", "800"):
    assert 0.5 < r["wall_null_z"][T] < 1.0, r["wall_null_z"]
assert r["wall_null_z"]["600"] > r["wall_null_z"]["800"], r["wall_null_z"]  # slower: less wall
print("ok")
PYEOF
grep -q "interface / bulk" "$t/out" || fail "no ratio line printed"

# --against: a second set made from the first with the bulk D x 0.5 and the interface D x 0.8 in
# replicas s1 and s2 (s3 missing there): ratios 2.0 and 1.25 exactly, over the two common replicas
$PY - "$t" <<'PYEOF' || fail "could not write the second set"
import json, os, sys
for s in ("s1", "s2"):
    os.makedirs(os.path.join(sys.argv[1], "other", s))
    for T in (600, 700, 800):
        d = json.load(open(os.path.join(sys.argv[1], s, "slab-%d.json" % T)))
        for k, b in enumerate(d["results"]["groups"][0]["slab"]):
            f = 0.5 if k == 2 else 0.8
            for dim in ("xy", "z"):
                b[dim]["D_cm2_s"] *= f
        json.dump(d, open(os.path.join(sys.argv[1], "other", s, "slab-%d.json" % T), "w"))
PYEOF
$PY examples/interface/replicas.py "$t" --aion "$AION" --against "$t/other" --json "$t/ag.json" >"$t/out2" 2>&1 \
    || fail "replicas.py --against: $(cat "$t/out2")"
$PY - "$t/ag.json" <<'PYEOF' || fail "wrong paired ratios between sets: $(cat "$t/out2")"
import json, sys
r = json.load(open(sys.argv[1]))["against"]
assert r["replicas"] == ["s1", "s2"], r["replicas"]
for dim in ("xy", "z"):
    assert abs(r["ratio"]["bulk"][dim]["geo_mean"] - 2.0) < 1e-9, r["ratio"]["bulk"]
    assert abs(r["ratio"]["interface"][dim]["geo_mean"] - 1.25) < 1e-9, r["ratio"]["interface"]
    assert r["ratio"]["bulk"][dim]["replicas"] == 2
print("ok")
PYEOF
grep -q "paired by replica name" "$t/out2" || fail "no --against lines printed"

# paired_ratio's standard error of the mean log ratio (committee.py reads it): two replicas with log
# ratios 0 and 2 (one and two temperatures) give geometric mean e, SD sqrt 2, SE 1
$PY - <<'PYEOF' || fail "paired_ratio: wrong se_log"
import importlib.util, math
spec = importlib.util.spec_from_file_location("replicas", "examples/interface/replicas.py")
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
e2 = math.exp(2)
r = m.paired_ratio([{600: (1.0, 1.0)}, {600: (e2, 1.0), 700: (2 * e2, 2.0), 800: (None, 1.0)}], [600, 700, 800])
assert r["replicas"] == 2 and abs(r["geo_mean"] - math.e) < 1e-12, r
assert abs(r["se_log"] - 1.0) < 1e-12, r
assert abs(r["per_T"]["600"] - math.e) < 1e-12 and abs(r["per_T"]["700"] - e2) < 1e-9, r
assert "800" not in r["per_T"], r
assert m.paired_ratio([{600: (None, 1.0)}], [600]) is None
PYEOF
