#!/bin/sh
# Peer: pymatgen's DiffusionAnalyzer (package pymatgen-analysis-diffusion) on
# the same extended XYZ trajectory (Li walkers, O framework): its all-origin
# MSD (smoothed="max", framework drift removed) equals aion's; its D (fitted
# over its own window) lies within aion's 95% interval; its Haven ratio (D* over
# the D of the summed Li displacement) within 3σ of aion's; its Nernst–Einstein
# conversion factor equals aion's. Skips (77) when the package is missing.
# NOTE: written against the documented API; not run where the package is absent.
set -u
AION=${AION_BIN:-build/aion}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$PY" ] || { echo "SKIP: needs $PY"; exit 77; }
"$PY" -c "import pymatgen.analysis.diffusion.analyzer" 2>/dev/null ||
    { echo "SKIP: pymatgen-analysis-diffusion (DiffusionAnalyzer) not installed"; exit 77; }
"$PY" - "$tmp/traj.xyz" <<'PYEOF'
import sys, numpy as np
rng = np.random.default_rng(11)
nli, no, T, L = 32, 16, 400, 14.0
x = rng.uniform(0, L, (nli + no, 3))
hdr = 'Lattice="%g 0 0 0 %g 0 0 0 %g" Properties=species:S:1:pos:R:3 pbc="T T T" Time=%g\n'
with open(sys.argv[1], "w") as f:
    for t in range(T):
        if t:
            x[:nli] += rng.normal(0, 0.3, (nli, 3))
            x[nli:] += rng.normal(0, 0.02, (no, 3))
        f.write("%d\n" % (nli + no) + hdr % (L, L, L, 2.0 * t))
        for i, r in enumerate(x % L):
            f.write("%s %.10f %.10f %.10f\n" % ("Li" if i < nli else "O", *r))
PYEOF
"$AION" analyze conductivity --traj "$tmp/traj.xyz" --species Li --charge Li=1 --temperature 600 \
    --max-points 1000000 --out "$tmp/a" >"$tmp/a.log" 2>&1 || fail "aion: $(cat "$tmp/a.log")"
"$PY" - "$tmp/traj.xyz" "$tmp/a.json" <<'PYEOF' || fail "pymatgen comparison"
import sys, json, warnings, numpy as np
warnings.filterwarnings("ignore")
from ase.io import iread
from pymatgen.io.ase import AseAtomsAdaptor
from pymatgen.analysis.diffusion.analyzer import DiffusionAnalyzer
structs = []
for a in iread(sys.argv[1]):
    s = AseAtomsAdaptor.get_structure(a)
    s.add_oxidation_state_by_element({"Li": 1, "O": -2})
    structs.append(s)
d = DiffusionAnalyzer.from_structures(structs, "Li", 600, 2.0, 1, smoothed="max")
r = json.load(open(sys.argv[2]))["results"]
g = r["groups"][0]
msd = dict((round(t / 2.0), v) for t, v in g["msd_A2"])
worst = max(abs(msd[round(t / 2.0)] - m) / m for t, m in zip(d.dt, d.msd) if t > 0)
print("MSD: %d lags, worst relative difference %.2g" % (len(d.dt), worst))
assert worst < 1e-6
tr = g["tracer"]
print("D: pymatgen %.5g, aion %.5g (95%%: %.5g..%.5g)" % (d.diffusivity, tr["D_cm2_s"], tr["D_95_lo_cm2_s"], tr["D_95_hi_cm2_s"]))
assert tr["D_95_lo_cm2_s"] <= d.diffusivity <= tr["D_95_hi_cm2_s"]
hr, hre = g["haven_ratio"], g["haven_ratio_err"]
print("Haven ratio: pymatgen %.4g, aion %.4g +- %.2g" % (d.haven_ratio, hr, hre))
assert abs(d.haven_ratio - hr) < 3 * hre
c = r["conductivity"]
f_aion = c["sigma_nernst_einstein_S_cm"] * 1e3 / tr["D_cm2_s"]
f_pmg = d.conductivity / d.diffusivity
print("Nernst-Einstein factor (mS/cm per cm2/s): pymatgen %.7g, aion %.7g" % (f_pmg, f_aion))
assert abs(f_pmg / f_aion - 1) < 1e-4
PYEOF
exit 0
