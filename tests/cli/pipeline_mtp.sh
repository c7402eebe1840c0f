#!/bin/sh
# aion run with the shipped MTP (potentials/lipon-xtb.mtp) at fixed density: the shipped default pipeline
# (examples/pipelines/default.yaml: 64-atom Li3PO4 start glass, quench.ensemble nvt, production.npt 0) cut
# to a few ps. Checks that the glass keeps system.density exactly (no barostat anywhere), that no npt-*
# stage ran, that the report says the density is fixed and shows the potential's validation errors
# (potentials/lipon-xtb.json), and that it does not call the MTP a classical stand-in. The extrapolation
# grade (potential.active_set auto = potentials/lipon-xtb.als): every production frame after the
# equilibration and every quench frame graded, the largest and mean grades the same as `aion select
# --grades` gives for those frames, the table in the report, a note when a grade exceeds
# analysis.grade_warn, and none with grading switched off; the shortest pair of the production frames
# and the frames with a pair closer than the MTP's min_dist equal ASE's; a start with a pair closer than
# min_dist is counted, named and noted; a start that blows up stops the run with the stage named.
set -u
AION=${AION_BIN:-$PWD/build/aion}
P=$PWD/examples/pipelines/default.yaml
POT=$PWD/potentials/lipon-xtb.mtp
[ -f "$POT" ] || { echo "SKIP: $POT missing"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$AION" run "$P" --out "$T/r" --quiet --set quench.melt_hold=0.5 --set quench.final_hold=0.5 \
    --set quench.heat_rate=2000 --set quench.cool_rate=2000 --set quench.equilibrate=0.1 --set production.equilibrate=0.1 \
    --time 2 --set production.frame=20 --temperatures 900,1200 --set run.checkpoint_every=500 >"$T/out" 2>"$T/err" \
    || fail "run: $(tail -5 "$T/err")"
ls "$T/r/stages" | grep -q '^npt-' && fail "an npt stage ran with production.npt 0"
/usr/bin/python3 - "$T/r" <<'PY' || fail "glass density or volume changed"
import json, sys
from ase.io import read
d = sys.argv[1]
q = json.load(open(d + "/stages/quench/stage.json"))
rho = q["results"]["final_hold"]["density_gcc"]
assert abs(rho - 2.3) < 1e-6 and q["results"]["final_hold"]["density_sd_gcc"] < 1e-9, rho
g = read(d + "/stages/quench/glass.xyz")
m = read(d + "/stages/md-900K/final.xyz")
assert abs(g.get_volume() - m.get_volume()) < 1e-6 * g.get_volume()
rho_g = sum(g.get_masses()) / g.get_volume() * 1.66053907
assert abs(rho_g - 2.3) < 1e-4, rho_g
PY
H=$T/r/report.html
grep -q "Fixed density" "$H" || fail "report does not say the density is fixed"
grep -q "Classical stand-in potential" "$H" && fail "the MTP is called a classical stand-in"
grep -q "Validation errors" "$H" || fail "no validation table"
grep -q "melt-quench (NVT)" "$H" || fail "quench plot not labelled NVT"
grep -q "Extrapolation grade along the runs" "$H" || fail "no grade table in the report"
"$AION" select --potential "$POT" --species Li,P,O,N --pool "$T/r/stages/md-900K/traj.xyz" --out "$T/sel.xyz" \
    --grades "$T/g900.csv" >/dev/null 2>&1 || fail "aion select on the 900 K trajectory"
"$AION" select --potential "$POT" --species Li,P,O,N --pool "$T/r/stages/quench/traj.xyz" --out "$T/selq.xyz" \
    --grades "$T/gq.csv" >/dev/null 2>&1 || fail "aion select on the quench trajectory"
/usr/bin/python3 - "$T" "$POT" <<'PY' || fail "grades of the pipeline differ from aion select's"
import csv, json, sys
d = sys.argv[1]
def grades(path):
    rows = list(csv.reader(open(path)))
    col = rows[0].index("gamma") if rows and "gamma" in rows[0] else -1
    return [float(r[col]) for r in rows[1:]]
md = json.load(open(d + "/r/stages/md-900K/stage.json"))["results"]
tr = json.load(open(d + "/r/stages/transport-900K/stage.json"))["results"]["grade"]
g = grades(d + "/g900.csv")[md["first_production_frame"]:]
assert tr["frames"] == len(g) == md["production_steps"] // md["frame_every"] + 1, (tr["frames"], len(g))
assert abs(tr["max"] - max(g)) <= 1e-5 * max(g), (tr["max"], max(g))
assert abs(tr["mean"] - sum(g) / len(g)) <= 1e-5 * tr["mean"], (tr["mean"], sum(g) / len(g))
assert tr["frames_above_2"] == sum(x > 2 for x in g)
assert 0 < tr["mean"] <= tr["max"] and tr["max_element"] in ("Li", "P", "O")
qg = json.load(open(d + "/r/stages/structure/stage.json"))["results"]["quench_grade"]
gq = grades(d + "/gq.csv")
assert qg["frames"] == len(gq) and abs(qg["max"] - max(gq)) <= 1e-5 * max(gq), (qg, max(gq))
# the shortest pair of the production frames and the frames closer than the MTP's min_dist, by ASE
from ase.io import read
import numpy as np
frames = read(d + "/r/stages/md-900K/traj.xyz", ":")[md["first_production_frame"]:]
short = [min(f.get_all_distances(mic=True)[np.triu_indices(len(f), 1)]) for f in frames]
assert abs(tr["shortest_pair_A"] - min(short)) < 1e-6, (tr["shortest_pair_A"], min(short))
assert tr["frames_below_min_dist"] == sum(x < tr["min_dist_A"] for x in short)
mtp_min_dist = [float(l.split("=")[1]) for l in open(sys.argv[2]) if l.strip().startswith("min_dist")][0]
assert tr["min_dist_A"] == mtp_min_dist, (tr["min_dist_A"], mtp_min_dist)
k = int(np.argmin(short)); f = frames[k]
D = f.get_all_distances(mic=True); np.fill_diagonal(D, 1e9); i, j = np.unravel_index(np.argmin(D), D.shape)
from ase.data import atomic_numbers
assert tr["shortest_pair"] == "-".join(sorted((f[i].symbol, f[j].symbol), key=atomic_numbers.get)), tr["shortest_pair"]
s = json.load(open(d + "/r/summary.json"))
assert s["temperatures"][0]["grade_max"] > 0 and s["glass"]["quench_grade_max"] == qg["max"]
PY
# a threshold below the measured grades: the report notes it; no active set: no grades, stages rerun
"$AION" run "$P" --out "$T/r" --quiet --set quench.melt_hold=0.5 --set quench.final_hold=0.5 \
    --set quench.heat_rate=2000 --set quench.cool_rate=2000 --set quench.equilibrate=0.1 --set production.equilibrate=0.1 \
    --time 2 --set production.frame=20 --temperatures 900,1200 --set run.checkpoint_every=500 \
    --set analysis.grade_warn=1 >"$T/out2" 2>"$T/err2" || fail "rerun: $(tail -5 "$T/err2")"
grep -q "quench: extrapolation grade up to" "$T/r/summary.json" || fail "no quench note for grades above analysis.grade_warn"
grep -q "extrapolation grade above analysis.grade_warn = 1 in production at 900 K" "$T/r/summary.json" \
    || fail "no production note for grades above analysis.grade_warn"
"$AION" run "$P" --out "$T/r" --quiet --set quench.melt_hold=0.5 --set quench.final_hold=0.5 \
    --set quench.heat_rate=2000 --set quench.cool_rate=2000 --set quench.equilibrate=0.1 --set production.equilibrate=0.1 \
    --time 2 --set production.frame=20 --temperatures 900,1200 --set run.checkpoint_every=500 \
    --set potential.active_set= >"$T/out3" 2>"$T/err3" || fail "run without grades: $(tail -5 "$T/err3")"
grep -q '"grade"' "$T/r/stages/transport-900K/stage.json" && fail "graded with potential.active_set empty"
grep -q "Not graded" "$T/r/report.html" || fail "report does not say the runs were not graded"
"$AION" run "$P" --out "$T/bad" --quiet --set potential.active_set=nonexistent.als >/dev/null 2>"$T/err4" \
    && fail "a missing active set was accepted"
grep -q "nonexistent.als" "$T/err4" || fail "missing active set: message does not name it: $(cat "$T/err4")"

# a start with one pair moved closer than the MTP's min_dist (0.97 A): the first quench frame holds it,
# counted and named as ASE finds it, and the report says the run is not trustworthy; a start with two Li
# 0.9 A apart blows up: the run stops with the stage named and writes no report
close_start() { # A B distance out
    /usr/bin/python3 - "$@" <<'PY'
import sys
import numpy as np
from ase.io import read, write
A, B, dist, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
a = read("examples/pipelines/li3po4-glass-192.xyz")
D = a.get_all_distances(mic=True)
d, i, j = min((D[i, j], i, j) for i in range(len(a)) for j in range(len(a))
              if i != j and a[i].symbol == A and a[j].symbol == B)
v = a.get_distance(i, j, mic=True, vector=True)
a.positions[j] = a.positions[i] + v / np.linalg.norm(v) * dist
write(out, a)
PY
}
short_run() { # start out
    "$AION" run "$P" --out "$2" --quiet --set quench.melt_hold=0.5 --set quench.final_hold=0.5 \
        --set quench.heat_rate=2000 --set quench.cool_rate=2000 --set quench.equilibrate=0.1 \
        --set production.equilibrate=0.1 --time 2 --set production.frame=20 --temperatures 900,1200 \
        --set system.start="$1"
}
close_start P O 0.97 "$T/close.xyz" || fail "close-pair start"
short_run "$T/close.xyz" "$T/c" >"$T/out5" 2>"$T/err5" || fail "close-pair run: $(tail -3 "$T/err5")"
/usr/bin/python3 - "$T/c" <<'PY' || fail "close pairs of the quench differ from ASE's"
import json, sys
import numpy as np
from ase.io import read
d = sys.argv[1]
qg = json.load(open(d + "/stages/structure/stage.json"))["results"]["quench_grade"]
short = [min(f.get_all_distances(mic=True)[np.triu_indices(len(f), 1)]) for f in read(d + "/stages/quench/traj.xyz", ":")]
below = sum(x < qg["min_dist_A"] for x in short)
assert below >= 1 and qg["frames_below_min_dist"] == below, (qg, below)
assert abs(qg["shortest_pair_A"] - 0.97) < 1e-6 and abs(min(short) - 0.97) < 1e-6 and qg["shortest_pair"] == "O-P", qg
PY
grep -q "pairs closer than the potential's inner radius (min_dist 0.99 Å), where it has no training data" "$T/c/summary.json" \
    || fail "no note for a pair closer than min_dist"
close_start Li Li 0.9 "$T/blow.xyz" || fail "blow-up start"
short_run "$T/blow.xyz" "$T/b" >"$T/out6" 2>"$T/err6" && fail "a blown-up quench was not stopped"
grep -q "stage quench (.*): step [0-9]*: temperature .* the dynamics has blown up" "$T/err6" \
    || fail "blow-up message: $(cat "$T/err6")"
[ -e "$T/b/report.html" ] && fail "a report was written after the quench blew up"
echo ok
