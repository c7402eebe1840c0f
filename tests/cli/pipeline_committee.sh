#!/bin/sh
# aion run with a committee of potentials (potential.committee) on the tiny pipeline
# (tests/data/pipeline-tiny.yaml: Pedone, 48 atoms, 3 ps per temperature): model 1 = pedone, model 2 =
# examples/pedone-lipo.pot with a deeper Li-O Morse well (another classical model of the same system).
#  - a plain run, then the same folder with a committee given in a pipeline file (relative path), one
#    worker, killed with SIGKILL in model 2's production and run again: model 1's stages are reused
#    untouched (same records, names and hashes as the plain run), model 2's stages are in stages/model2/,
#    its quench has model 1's seed, its MD continues from its checkpoint;
#  - a fresh committee run on two workers reproduces model 2 bit for bit;
#  - summary.json: model 1's values are the plain run's, the committee's combined Ea, ln D(300 K) and
#    ln sigma(300 K) are recomputed here from the per-model values (mean, u_stat = sqrt(sum u^2)/M,
#    u_model = sample standard deviation, u_total), model 2's file hash is FNV-1a of its bytes;
#  - report.html has the committee section, the CLI prints the committee lines;
#  - changing model 2's file reruns model 2's stages only;
#  - bad input: a missing model file, the same potential twice, too many models, an empty entry.
set -u
AION=${AION_BIN:-$PWD/build/aion}
P=$PWD/tests/data/pipeline-tiny.yaml
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$PWD/tests/cli/lib/pipeline_kill.sh"

sed 's/^morse  Li O   0.001114/morse  Li O   0.0030  /' examples/pedone-lipo.pot >"$T/b.pot"
cmp -s "$T/b.pot" examples/pedone-lipo.pot && fail "b.pot is not modified"
# the committee in a pipeline file, relative to it
sed 's/^  species: ""$/  species: ""\n  committee: ["b.pot"]/' "$P" >"$T/p.yaml"
grep -q 'committee: \["b.pot"\]' "$T/p.yaml" || fail "could not write p.yaml"

"$AION" run "$P" --out "$T/a" >"$T/a1.out" 2>"$T/a1.err" || fail "plain run: $(tail -5 "$T/a1.err")"
[ -d "$T/a/stages/model2" ] && fail "a run without a committee made model 2 stages"
grep -q committee "$T/a/pipeline.yaml" && fail "an empty committee is written into pipeline.yaml"
cp "$T/a/summary.json" "$T/plain.json"
rec() { stage_records "$T/a"; }
before=$(rec)

# the committee, one worker; kill -9 once model 2's first production MD has a checkpoint
"$AION" run "$T/p.yaml" --out "$T/a" --threads 1 >"$T/a2.out" 2>"$T/a2.err" &
kill_at_checkpoint $! "$T/a/stages/model2/md-600K/checkpoint.bin" "the committee run"
[ -f "$T/a/stages/model2/md-600K/stage.json" ] && fail "model2/md-600K finished before the kill"
[ -f "$T/a/stages/model2/quench/stage.json" ] || fail "model 2's quench record missing after the kill"
grep -q "2 models × 1 glass × 3 temperatures on 1 worker" "$T/a2.err" || fail "pool note: $(grep production "$T/a2.err")"
grep -q "^\[ *[0-9]* s\] quench: skipped" "$T/a2.err" || fail "model 1's quench was not reused: $(cat "$T/a2.err")"
[ "$(rec)" = "$before" ] || fail "model 1's stage records were rewritten by the killed committee run"

"$AION" run "$T/p.yaml" --out "$T/a" --threads 1 >"$T/a3.out" 2>"$T/a3.err" || fail "restart: $(tail -5 "$T/a3.err")"
grep -q "model2/quench: skipped" "$T/a3.err" || fail "model 2's quench was not reused on restart"
grep -q "model2/md-600K: continued from its checkpoint at step [1-9]" "$T/a3.err" \
    || fail "model2/md-600K did not continue from its checkpoint: $(grep md-600K "$T/a3.err")"
for s in quench structure npt-600K md-600K transport-600K md-900K md-1200K transport-1200K; do
    grep -q "\] $s: skipped" "$T/a3.err" || fail "model 1's $s was not reused on restart"
done
[ "$(rec)" = "$before" ] || fail "model 1's stage records were rewritten when the committee was added"
for s in quench md-600K transport-600K md-900K structure; do
    [ -f "$T/a/stages/model2/$s/stage.json" ] || fail "model2/$s missing"
done
cmp -s "$T/a/stages/quench/glass.xyz" "$T/a/stages/model2/quench/glass.xyz" && fail "model 2's glass is model 1's"
grep -q "committee of 2 potentials" "$T/a3.out" || fail "no committee lines: $(cat "$T/a3.out")"
grep -q "committee: Ea = .* (statistical .*, model .*)" "$T/a3.out" || fail "no committee Ea line: $(cat "$T/a3.out")"

# a fresh committee run on two workers: model 2 bit for bit
"$AION" run "$T/p.yaml" --out "$T/b" --threads 2 >"$T/b.out" 2>"$T/b.err" || fail "two workers: $(tail -5 "$T/b.err")"
grep -q "22 stages computed" "$T/b.out" || fail "expected 22 stages: $(cat "$T/b.out")"
for f in quench/glass.xyz md-600K/traj.xyz model2/quench/glass.xyz model2/npt-900K/start.xyz model2/md-600K/traj.xyz \
         model2/md-600K/thermo.csv model2/md-1200K/final.xyz; do
    cmp -s "$T/a/stages/$f" "$T/b/stages/$f" || fail "$f differs between the interrupted and the fresh committee run"
done

/usr/bin/python3 - "$T/a" "$T/plain.json" "$T/b.pot" <<'PY' || fail "summary.json of the committee"
import json, math, sys
d = json.load(open(sys.argv[1] + "/summary.json"))
plain = json.load(open(sys.argv[2]))
# model 1 = the plain run: headline, per-glass values and stage hashes
assert d["arrhenius"] == plain["arrhenius"] and d["temperatures"] == plain["temperatures"]
assert "committee" not in plain
h0 = {s["name"]: s["hash"] for s in plain["stages"]}
h1 = {s["name"]: s["hash"] for s in d["stages"]}
assert len(h0) == 11 and all(h1[k] == v for k, v in h0.items()), "model 1's hashes changed"
m2 = sorted(k for k in h1 if k.startswith("model2/"))
assert len(m2) == 11 and len(h1) == 22, m2
assert all(h1[k] != h1[k[len("model2/"):]] for k in m2)
def stage(name): return json.load(open(sys.argv[1] + "/stages/" + name + "/stage.json"))
assert stage("model2/quench")["seed"] == stage("quench")["seed"], "model 2's quench has another seed"
assert stage("model2/md-900K")["seed"] == stage("md-900K")["seed"]
c = d["committee"]
mem = c["members"]
assert c["n_models"] == 2 and [m["index"] for m in mem] == [1, 2]
assert mem[0]["model"] == "pedone" and mem[0]["file_hash_fnv1a64"] is None and mem[0]["stage_prefix"] == ""
assert mem[1]["model"] == "b.pot" and mem[1]["stage_prefix"] == "model2/" and mem[1]["n_glasses"] == 1
h = 0xcbf29ce484222325
for byte in open(sys.argv[3], "rb").read():
    h = ((h ^ byte) * 0x100000001b3) & 0xffffffffffffffff
assert mem[1]["file_hash_fnv1a64"] == "%016x" % h, (mem[1]["file_hash_fnv1a64"], "%016x" % h)
assert mem[0]["arrhenius"] == d["arrhenius"]
M = 2
def committee(x, u):
    m = sum(x) / M
    sd = math.sqrt(sum((v - m) ** 2 for v in x) / (M - 1))
    us = math.sqrt(sum(v * v for v in u)) / M
    return m, us, sd, math.sqrt(us * us + sd * sd)
a = [m["arrhenius"] for m in mem]
k = c["combined"]
assert k["models_used"] == 2
m, us, um, ut = committee([x["Ea_eV"] for x in a], [x["Ea_err_eV"] for x in a])
for key, v in (("Ea_eV", m), ("Ea_eV_u_stat", us), ("Ea_eV_u_model", um), ("Ea_eV_u_total", ut)):
    assert abs(k[key] - v) < 1e-12, (key, k[key], v)
assert um > us, "the two models should differ by more than their statistical errors"
m, us, um, ut = committee([x["lnD0"] for x in a], [x["lnD0_err"] for x in a])
assert abs(k["lnD0"] - m) < 1e-12 and abs(k["lnD0_u_model"] - um) < 1e-12 and abs(k["lnD0_u_total"] - ut) < 1e-12
lnD = [math.log(x["at"]["D_cm2_s"]) for x in a]
uD = [math.log(x["at"]["D_1sigma"][1] / x["at"]["D_cm2_s"]) for x in a]
m, us, um, ut = committee(lnD, uD)
at = k["at"]
assert at["T_K"] == 300
assert abs(at["lnD"] - m) < 1e-9 and abs(at["lnD_u_stat"] - us) < 1e-9 and abs(at["lnD_u_model"] - um) < 1e-9
assert abs(at["lnD_u_total"] - ut) < 1e-9 and abs(math.log(at["D_cm2_s"]) - m) < 1e-9
assert abs(math.log(at["D_1sigma"][0]) - (m - ut)) < 1e-9 and abs(math.log(at["D_1sigma"][1]) - (m + ut)) < 1e-9
assert abs(math.log(at["D_1sigma_stat"][1]) - (m + us)) < 1e-9
lnS = [math.log(x["at"]["sigma_ne_S_cm"]) for x in a]
uS = [math.log(x["at"]["sigma_ne_1sigma"][1] / x["at"]["sigma_ne_S_cm"]) for x in a]
m, us, um, ut = committee(lnS, uS)
assert abs(at["ln_sigma_ne"] - m) < 1e-9 and abs(at["ln_sigma_ne_u_model"] - um) < 1e-9
assert abs(at["ln_sigma_ne_u_stat"] - us) < 1e-9 and abs(at["ln_sigma_ne_u_total"] - ut) < 1e-9
assert abs(math.log(at["sigma_ne_1sigma"][0]) - (m - ut)) < 1e-9 and abs(math.log(at["sigma_ne_1sigma"][1]) - (m + ut)) < 1e-9
print("committee Ea %.3f +- %.3f (stat %.3f, model %.3f) from %s" % (k["Ea_eV"], k["Ea_eV_u_total"], k["Ea_eV_u_stat"],
      k["Ea_eV_u_model"], ", ".join("%.3f" % x["Ea_eV"] for x in a)))
PY
H="$T/a/report.html"
for s in "<h2>Committee of potentials</h2>" "Committee E<sub>a</sub> = <b>" "(statistical " "model 2 (±1σ)" \
         "of which model (spread of the models)" "b.pot" "Results of model 1 (potential.model)"; do
    grep -q "$s" "$H" || fail "report lacks '$s'"
done
grep -q "Committee of potentials" "$T/a/../plain.json" 2>/dev/null && fail "plain summary mentions a committee"

# model 2's file changes (bytes only): model 2's stages rerun, model 1's are reused
echo "# changed" >>"$T/b.pot"
"$AION" run "$T/p.yaml" --out "$T/a" --threads 2 >"$T/a4.out" 2>"$T/a4.err" || fail "changed model 2: $(tail -5 "$T/a4.err")"
grep -q "11 stages computed, 11 reused" "$T/a4.out" || fail "changing model 2's file: $(tail -3 "$T/a4.out")"
grep -q "model2/quench: inputs changed" "$T/a4.err" || fail "model2/quench not recomputed"
[ "$(rec)" = "$before" ] || fail "model 1's records changed when model 2's file changed"

# bad input
"$AION" run "$P" --out "$T/x" --set potential.committee=[missing.pot] 2>"$T/bad1.err" && fail "a missing model accepted"
grep -q "potential.committee: model 2: .*missing.pot: cannot read" "$T/bad1.err" || fail "missing model: $(cat "$T/bad1.err")"
"$AION" run "$P" --out "$T/x" --set potential.committee=pedone 2>"$T/bad2.err" && fail "the same model twice accepted"
grep -q "potential.committee: model 2 (pedone) is the same potential as model 1" "$T/bad2.err" \
    || fail "duplicate: $(cat "$T/bad2.err")"
"$AION" run "$P" --out "$T/x" --set "potential.committee=[a,b,c,d,e,f,g,h]" 2>"$T/bad3.err" && fail "9 models accepted"
grep -q "potential.committee: at most 7 entries" "$T/bad3.err" || fail "too many: $(cat "$T/bad3.err")"
"$AION" run "$P" --out "$T/x" --set "potential.committee=[a.pot,,b.pot]" 2>"$T/bad4.err" && fail "an empty entry accepted"
grep -q "potential.committee: empty entry" "$T/bad4.err" || fail "empty entry: $(cat "$T/bad4.err")"
[ -d "$T/x/stages/model2" ] && fail "a bad committee started stages"
"$AION" run "$P" --print --committee "x.mtp, y.mtp" | grep -q '^  committee: \["x.mtp", "y.mtp"\]$' \
    || fail "--print: $("$AION" run "$P" --print --committee x.mtp,y.mtp | grep committee)"
echo ok
