#!/bin/sh
# aion screen batch mode: results for good structures, a reported failure for
# a bad one without stopping the batch, resume without redoing finished
# structures, repair of a torn last line, valid JSON, volumetric files that
# ASE reads back with the same numbers (when ASE is present).
set -u
BVSE=../shared/data/bvse
LFP=../shared/data/cifs/LiFePO4-Pnma.cif
LPO=../shared/data/cifs/beta-Li3PO4-mp-13725.cif
[ -r "$BVSE/softbv-pairs.csv" ] && [ -r "$LFP" ] && [ -r "$LPO" ] || { echo "SKIP: needs ../shared/data"; exit 77; }
AION=${AION_BIN:-build/aion}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf 'not a cif\n' > "$T/bad.cif"
"$AION" screen --ion Li --protocol probe --grid 0.4 --bvse-data "$BVSE" --threads 2 --grids "$T/g" \
    "$LFP" "$T/bad.cif" --out "$T/res.csv" 2>"$T/err1" || fail "batch with one bad file must succeed: $(cat "$T/err1")"
[ "$(tail -n +2 "$T/res.csv" | grep -c ',ok,')" = 1 ] || fail "one ok row expected"
[ "$(tail -n +2 "$T/res.csv" | grep -c ',error,')" = 1 ] || fail "one error row expected"
grep -q "bad.cif#0" "$T/res.csv" || fail "failure not reported"
# every row has as many fields as the header (no quoted commas in these rows)
nh=$(head -1 "$T/res.csv" | awk -F, '{print NF}')
awk -F, -v n="$nh" 'NR>1 && $0 !~ /"/ && NF!=n {exit 1}' "$T/res.csv" || fail "ragged CSV rows"

# resume: only the new structure is scanned
"$AION" screen --ion Li --protocol probe --grid 0.4 --bvse-data "$BVSE" \
    "$LFP" "$T/bad.cif" "$LPO" --out "$T/res.csv" 2>"$T/err2" || fail "resume run failed"
grep -q "already in" "$T/err2" || fail "no resume message: $(cat "$T/err2")"
[ "$(grep -c '#0,' "$T/res.csv")" = 3 ] || fail "resume must add exactly one row: $(cut -d, -f1 "$T/res.csv")"

# a torn last line (crash mid-write) is cut off and that structure redone
head -c -20 "$T/res.csv" > "$T/torn.csv" && mv "$T/torn.csv" "$T/res.csv"
"$AION" screen --ion Li --protocol probe --grid 0.4 --bvse-data "$BVSE" \
    "$LFP" "$T/bad.cif" "$LPO" --out "$T/res.csv" 2>"$T/err3" || fail "run after a torn line failed"
[ "$(grep -c '#0,' "$T/res.csv")" = 3 ] || fail "torn line not repaired"
tail -c 1 "$T/res.csv" | od -c | grep -q '\\n' || fail "file does not end with a newline"

[ -s "$T/res.json" ] || fail "no results.json"
for f in energy.cube level.cube energy_CHGCAR.vasp level_CHGCAR.vasp path.svg; do
    [ -s "$T/g/LiFePO4-Pnma_0.$f" ] || fail "missing $f"
done

PY=/usr/bin/python3
if [ -x "$PY" ] && "$PY" -c "import ase, numpy" 2>/dev/null; then
"$PY" - "$T" <<'PYEOF' || fail "python checks"
import csv, json, sys
import numpy as np
import xml.dom.minidom
from ase.io.cube import read_cube_data
from ase.calculators.vasp import VaspChargeDensity
T = sys.argv[1]
j = json.load(open(f"{T}/res.json"))
assert len(j["structures"]) == 3, len(j["structures"])
rows = {r["key"].split("/")[-1]: r for r in csv.DictReader(open(f"{T}/res.csv"))}
r = rows["LiFePO4-Pnma.cif#0"]
e, atoms = read_cube_data(f"{T}/g/LiFePO4-Pnma_0.energy.cube")
lv, _ = read_cube_data(f"{T}/g/LiFePO4-Pnma_0.level.cube")
n = [int(x) for x in r["grid"].split("x")]
assert list(e.shape) == n, (e.shape, n)
assert len(atoms) == 28
assert abs(e.min()) < 1e-9 and abs(lv.min()) < 1e-9
# connected free volume at 0.5 eV from the level map in the file = the CSV value
fv = np.mean(lv < 0.5)
assert abs(fv - float(r["fv_conn_0.5"])) < 2e-5, (fv, r["fv_conn_0.5"])
fvd = np.mean(e < 0.5)
assert abs(fvd - float(r["fv_disc_0.5"])) < 2e-5, (fvd, r["fv_disc_0.5"])
c = VaspChargeDensity(f"{T}/g/LiFePO4-Pnma_0.energy_CHGCAR.vasp")
# ASE divides CHGCAR data by the volume, as VESTA does
assert np.allclose(c.chg[0], e, atol=1e-5 * max(1, e.max())), abs(c.chg[0] - e).max()
xml.dom.minidom.parse(f"{T}/g/LiFePO4-Pnma_0.path.svg")
print("python checks ok: grid", n, "fv_conn(0.5)", fv)
PYEOF
fi
echo "screen CLI ok"
