#!/bin/sh
# aion run with the shipped MTP (potentials/lipon-xtb.mtp) at fixed density: the shipped default pipeline
# (examples/pipelines/default.yaml: 64-atom Li3PO4 start glass, quench.ensemble nvt, production.npt 0) cut
# to a few ps. Checks that the glass keeps system.density exactly (no barostat anywhere), that no npt-*
# stage ran, that the report says the density is fixed and shows the potential's validation errors
# (potentials/lipon-xtb.json), and that it does not call the MTP a classical stand-in.
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
echo ok
