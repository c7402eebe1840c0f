#!/bin/sh
# aion run with several glasses (system.glasses, --glasses) on the tiny pipeline (tests/data/pipeline-tiny.yaml:
# Pedone, 48 atoms, 3 ps per temperature; seconds per glass):
#  A: one glass, then the same folder with --glasses 2 and one worker, killed with SIGKILL in glass 2's
#     production, then run again: glass 1's stages are reused untouched (same names and hashes as the
#     one-glass run), glass 2's MD continues from its checkpoint.
#  B: three glasses at once on two workers: glasses 1 and 2 equal A's bit for bit (seeds do not depend
#     on the number of glasses or the scheduling), glass 3 is another glass; summary.json's combined
#     values are recomputed here from its per-glass entries (mean, standard error from the spread,
#     floored by the propagated fit errors), and the report has the per-glass table and plot.
set -u
AION=${AION_BIN:-$PWD/build/aion}
P=$PWD/tests/data/pipeline-tiny.yaml
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$PWD/tests/cli/lib/pipeline_kill.sh"

"$AION" run "$P" --out "$T/a" >"$T/a1.out" 2>"$T/a1.err" || fail "one glass: $(tail -5 "$T/a1.err")"
[ -d "$T/a/stages/glass2" ] && fail "a one-glass run made glass 2 stages"
cp "$T/a/summary.json" "$T/one.json"
rec() { stage_records "$T/a"; }
before=$(rec)

# two glasses, one worker; kill -9 once glass 2's first production MD has a checkpoint
"$AION" run "$P" --out "$T/a" --glasses 2 --threads 1 >"$T/a2.out" 2>"$T/a2.err" &
kill_at_checkpoint $! "$T/a/stages/glass2/md-600K/checkpoint.bin" "the two-glass run"
[ -f "$T/a/stages/glass2/md-600K/stage.json" ] && fail "glass2/md-600K finished before the kill"
[ -f "$T/a/stages/glass2/quench/stage.json" ] || fail "glass 2's quench record missing after the kill"
grep -q "^\[ *[0-9]* s\] quench: skipped" "$T/a2.err" || fail "glass 1's quench was not reused: $(cat "$T/a2.err")"
grep -q "md-900K: skipped" "$T/a2.err" || fail "glass 1's md-900K was not reused"

"$AION" run "$P" --out "$T/a" --glasses 2 --threads 1 >"$T/a3.out" 2>"$T/a3.err" || fail "restart: $(tail -5 "$T/a3.err")"
grep -q "glass2/quench: skipped" "$T/a3.err" || fail "glass 2's quench was not reused on restart"
grep -q "glass2/md-600K: continued from its checkpoint at step [1-9]" "$T/a3.err" \
    || fail "glass2/md-600K did not continue from its checkpoint: $(grep md-600K "$T/a3.err")"
[ "$(rec)" = "$before" ] || fail "glass 1's stage records were rewritten when glasses went from 1 to 2"
grep -q "glass 2: Ea = " "$T/a3.out" || fail "no per-glass line: $(cat "$T/a3.out")"
cmp -s "$T/a/stages/quench/glass.xyz" "$T/a/stages/glass2/quench/glass.xyz" && fail "glass 2 is glass 1"

# three glasses at once, two workers
"$AION" run "$P" --out "$T/b" --glasses 3 --threads 2 >"$T/b.out" 2>"$T/b.err" || fail "three glasses: $(tail -5 "$T/b.err")"
grep -q "3 glasses × 3 temperatures on 2 workers" "$T/b.err" || fail "pool note: $(grep production "$T/b.err")"
grep -q "33 stages computed" "$T/b.out" || fail "expected 33 stages: $(cat "$T/b.out")"
for f in quench/glass.xyz md-600K/traj.xyz md-1200K/final.xyz glass2/quench/glass.xyz glass2/npt-900K/start.xyz \
         glass2/md-600K/traj.xyz glass2/md-600K/thermo.csv glass2/md-1200K/final.xyz; do
    cmp -s "$T/a/stages/$f" "$T/b/stages/$f" || fail "$f differs between the interrupted two-glass and the three-glass run"
done
for s in transport-900K glass2/transport-600K glass2/structure; do
    sed -n '/"results"/,$p' "$T/a/stages/$s/stage.json" > "$T/ra"
    sed -n '/"results"/,$p' "$T/b/stages/$s/stage.json" > "$T/rb"
    cmp -s "$T/ra" "$T/rb" || fail "$s results differ"
done
cmp -s "$T/b/stages/glass3/quench/glass.xyz" "$T/b/stages/glass2/quench/glass.xyz" && fail "glass 3 is glass 2"

/usr/bin/python3 - "$T/b/summary.json" "$T/one.json" "$T/a/summary.json" <<'PY' || fail "summary.json of three glasses"
import json, math, sys
d, one, two = (json.load(open(p)) for p in sys.argv[1:4])
g = d["glasses"]
assert d["n_glasses"] == 3 and len(g) == 3 and [x["index"] for x in g] == [1, 2, 3]
assert g[0]["quench_stage"] == "quench" and g[2]["quench_stage"] == "glass3/quench"
assert len({x["seed"] for x in g}) == 3
# glass 1 of three = the one-glass run, glass 2 = the two-glass run's glass 2 (values, bit for bit)
assert g[0]["arrhenius"] == one["arrhenius"], (g[0]["arrhenius"], one["arrhenius"])
assert g[0]["temperatures"] == one["temperatures"]
assert g[1]["arrhenius"] == two["glasses"][1]["arrhenius"]
# the one-glass summary: the top level is glass 1's and "glasses" repeats it
assert one["n_glasses"] == 1 and one["glasses"][0]["arrhenius"] == one["arrhenius"] and "combination" not in one
a = [x["arrhenius"] for x in g]
n = 3
def mean_se(x, u):
    m = sum(x) / n
    sd = math.sqrt(sum((v - m) ** 2 for v in x) / (n - 1))
    return m, sd, max(sd / math.sqrt(n), math.sqrt(sum(v * v for v in u)) / n)
m, sd, se = mean_se([x["Ea_eV"] for x in a], [x["Ea_err_eV"] for x in a])
c = d["arrhenius"]
assert abs(c["Ea_eV"] - m) < 1e-12 and abs(c["Ea_err_eV"] - se) < 1e-12, (c, m, se)
assert abs(d["combination"]["Ea_sd_eV"] - sd) < 1e-12
assert abs(d["combination"]["Ea_95"][1] - (m + 4.3027 * se)) < 1e-9
ml, _, sel = mean_se([x["lnD0"] for x in a], [x["lnD0_err"] for x in a])
assert abs(c["lnD0"] - ml) < 1e-12 and abs(c["lnD0_err"] - sel) < 1e-12
# D*(300 K): geometric mean of the glasses' extrapolations, 1 sigma of ln D from their spread
lnD = [math.log(x["at"]["D_cm2_s"]) for x in a]
sdD = [math.log(x["at"]["D_1sigma"][1] / x["at"]["D_cm2_s"]) for x in a]
m, _, se = mean_se(lnD, sdD)
assert abs(math.log(c["at"]["D_cm2_s"]) - m) < 1e-9, (c["at"]["D_cm2_s"], math.exp(m))
assert abs(math.log(c["at"]["D_1sigma"][1]) - (m + se)) < 1e-9 and abs(math.log(c["at"]["D_1sigma"][0]) - (m - se)) < 1e-9
lnS = [math.log(x["at"]["sigma_ne_S_cm"]) for x in a]
sdS = [math.log(x["at"]["sigma_ne_1sigma"][1] / x["at"]["sigma_ne_S_cm"]) for x in a]
m, _, se = mean_se(lnS, sdS)
assert abs(math.log(c["at"]["sigma_ne_S_cm"]) - m) < 1e-9 and abs(math.log(c["at"]["sigma_ne_1sigma"][1]) - (m + se)) < 1e-9
# per temperature: geometric mean of D* over the glasses, 1 sigma from the spread of ln D*
for k, t in enumerate(d["temperatures"]):
    x = [gg["temperatures"][k] for gg in g]
    m, _, se = mean_se([math.log(v["D_cm2_s"]) for v in x], [v["D_err_cm2_s"] / v["D_cm2_s"] for v in x])
    assert abs(math.log(t["D_cm2_s"]) - m) < 1e-12 and abs(t["D_err_cm2_s"] / t["D_cm2_s"] - se) < 1e-12
print("combined Ea %.3f +- %.3f eV from %s" % (c["Ea_eV"], c["Ea_err_eV"], ", ".join("%.3f" % x["Ea_eV"] for x in a)))
PY
H="$T/b/report.html"
for s in "3 glasses</b>" "<h3>Each glass</h3>" "glass 3 (±1σ)" "combined fit" "1σ band (glass-to-glass)" \
         "glass 2: tracer MSD" "<th>glass</th><th>T (K)</th>" "Student t"; do
    grep -q "$s" "$H" || fail "report lacks '$s'"
done
[ "$(grep -c '<svg' "$H")" -ge 8 ] || fail "expected at least 8 plots (3 MSD, Arrhenius, 2 RDF, Qn, quench), found $(grep -c '<svg' "$H")"

"$AION" run "$P" --out "$T/x" --glasses 0 2>"$T/bad.err" && fail "0 glasses accepted"
grep -q "system.glasses must be 1" "$T/bad.err" || fail "no message for 0 glasses: $(cat "$T/bad.err")"
echo ok
