#!/bin/sh
# aion run restart and determinism on a pipeline of seconds (tests/data/pipeline-tiny.yaml):
#  A: uninterrupted, 2 workers.
#  B: 1 worker, killed with SIGKILL right after the first production checkpoint, then run again:
#     finished stages are skipped (their records untouched), the MD stage continues from its
#     checkpoint, and every result equals A's bit for bit (structures and summary numbers).
#  Then changed inputs: a new analysis setting recomputes only the transport stages; a new
#  temperature adds its own stages and reuses the others; a new seed recomputes everything.
set -u
AION=${AION_BIN:-$PWD/build/aion}
P=$PWD/tests/data/pipeline-tiny.yaml
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$PWD/tests/cli/lib/pipeline_kill.sh"

"$AION" run "$P" --out "$T/a" >"$T/a.out" 2>"$T/a.err" || fail "run A: $(tail -5 "$T/a.err")"
grep -q "Ea = " "$T/a.out" || fail "run A printed no Ea"
for f in report.html summary.json pipeline.yaml stages/quench/glass.xyz stages/md-900K/traj.xyz; do
    [ -s "$T/a/$f" ] || fail "run A: $f missing"
done

# B: 1 worker; kill -9 as soon as the first production MD stage has a checkpoint
"$AION" run "$P" --out "$T/b" --threads 1 >"$T/b1.out" 2>"$T/b1.err" &
kill_at_checkpoint $! "$T/b/stages/md-600K/checkpoint.bin" "run B"
[ -f "$T/b/stages/md-600K/stage.json" ] && fail "md-600K finished before the kill (test did not interrupt it)"
[ -f "$T/b/stages/quench/stage.json" ] || fail "quench record missing after the kill"
[ -f "$T/b/report.html" ] && fail "report written by a killed run"
q_before=$(ls -i "$T/b/stages/quench/stage.json"; cksum < "$T/b/stages/quench/stage.json")
g_before=$(cksum < "$T/b/stages/quench/glass.xyz")

"$AION" run "$P" --out "$T/b" --threads 1 >"$T/b2.out" 2>"$T/b2.err" || fail "restart: $(tail -5 "$T/b2.err")"
grep -q "quench: skipped" "$T/b2.err" || fail "quench was not skipped on restart: $(cat "$T/b2.err")"
grep -q "md-600K: continuing an interrupted run" "$T/b2.err" || fail "md-600K was not resumed"
grep -q "md-600K: continued from its checkpoint at step [1-9]" "$T/b2.err" || fail "md-600K did not continue from its checkpoint"
[ "$(ls -i "$T/b/stages/quench/stage.json"; cksum < "$T/b/stages/quench/stage.json")" = "$q_before" ] \
    || fail "quench record rewritten on restart"
[ "$(cksum < "$T/b/stages/quench/glass.xyz")" = "$g_before" ] || fail "glass rewritten on restart"
grep -q '"resumed": true' "$T/b/stages/md-600K/stage.json" || fail "md-600K record does not say resumed"

# B equals A bit for bit
for f in stages/quench/glass.xyz stages/npt-600K/start.xyz stages/md-600K/final.xyz stages/md-900K/final.xyz \
         stages/md-1200K/final.xyz stages/md-600K/traj.xyz stages/md-600K/thermo.csv; do
    cmp -s "$T/a/$f" "$T/b/$f" || fail "$f differs between the uninterrupted and the restarted run"
done
for s in transport-600K transport-900K transport-1200K structure; do
    # results part of the records (timings differ)
    sed -n '/"results"/,$p' "$T/a/stages/$s/stage.json" > "$T/ra"
    sed -n '/"results"/,$p' "$T/b/stages/$s/stage.json" > "$T/rb"
    cmp -s "$T/ra" "$T/rb" || fail "$s results differ between the runs"
done
ea=$(grep "^Ea" "$T/a.out"); eb=$(grep "^Ea" "$T/b2.out")
[ "$ea" = "$eb" ] || fail "Ea differs: '$ea' vs '$eb'"

# nothing changed: everything is reused
"$AION" run "$P" --out "$T/a" >"$T/c.out" 2>"$T/c.err" || fail "rerun: $(tail -5 "$T/c.err")"
grep -q "0 stages computed" "$T/c.out" || fail "an unchanged rerun recomputed stages: $(cat "$T/c.out")"

# a changed analysis setting: transport stages only
"$AION" run "$P" --out "$T/a" --set analysis.fit_end=0.6 >"$T/d.out" 2>"$T/d.err" || fail "fit_end: $(tail -5 "$T/d.err")"
grep -q "transport-900K: inputs changed: recomputing" "$T/d.err" || fail "transport not recomputed after fit_end changed"
grep -q "md-900K: skipped" "$T/d.err" || fail "md recomputed after an analysis-only change"
grep -q "3 stages computed" "$T/d.out" || fail "expected 3 recomputed stages: $(cat "$T/d.out")"

# one more temperature: its stages only
"$AION" run "$P" --out "$T/a" --set analysis.fit_end=0.6 --temperatures 600,900,1200,1500 >"$T/e.out" 2>"$T/e.err" \
    || fail "new temperature: $(tail -5 "$T/e.err")"
grep -q "3 stages computed" "$T/e.out" || fail "a new temperature should add 3 stages: $(cat "$T/e.out")"
grep -q "T   1500 K" "$T/e.out" || fail "1500 K missing from the summary"

# a new seed: a new glass, everything recomputed
"$AION" run "$P" --out "$T/a" --seed 8 >"$T/f.out" 2>"$T/f.err" || fail "new seed: $(tail -5 "$T/f.err")"
grep -q "quench: inputs changed: recomputing" "$T/f.err" || fail "quench not recomputed after a seed change"
cmp -s "$T/a/stages/quench/glass.xyz" "$T/b/stages/quench/glass.xyz" && fail "another seed gave the same glass"

# bad input fails cleanly
printf 'production:\n  temperatures: [600]\n' > "$T/bad.yaml"
"$AION" run "$T/bad.yaml" --out "$T/x" 2>"$T/g.err" && fail "one temperature accepted"
grep -q "at least 2 temperatures" "$T/g.err" || fail "no message for one temperature: $(cat "$T/g.err")"
printf 'production:\n  temprature: 600\n' > "$T/bad2.yaml"
"$AION" run "$T/bad2.yaml" --out "$T/x" 2>"$T/h.err" && fail "unknown key accepted"
grep -q "bad2.yaml:2: unknown key 'production.temprature'" "$T/h.err" || fail "unknown key message: $(cat "$T/h.err")"
echo "ok"
