#!/bin/sh
# aion analyze slab: three layers of Li walkers (D_xy set per layer, slow z
# motion) in extended XYZ; D_xy and D_z per bin must contain the set values.
set -u
AION=${AION_BIN:-build/aion}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$PY" ] || { echo "SKIP: needs $PY"; exit 77; }
"$PY" - "$tmp/slab.xyz" <<'PYEOF'
import random, sys
random.seed(3)
n, T, L, Lz = 40, 500, 12.0, 30.0
x = [[random.uniform(0, L), random.uniform(0, L), Lz * ((i % 3) + 0.5) / 3] for i in range(n)]
sig = [0.1, 0.3, 0.1]
with open(sys.argv[1], "w") as f:
    for t in range(T):
        f.write('%d\nLattice="%g 0 0 0 %g 0 0 0 %g" Properties=species:S:1:pos:R:3 pbc="T T T" Time=%g\n' % (n, L, L, Lz, 2.0 * t))
        for i in range(n):
            if t:
                for d in range(2):
                    x[i][d] += random.gauss(0, sig[i % 3])
                x[i][2] += random.gauss(0, 0.05)
            f.write("Li %.8f %.8f %.8f\n" % (x[i][0] % L, x[i][1] % L, x[i][2] % Lz))
PYEOF
"$AION" analyze slab --traj "$tmp/slab.xyz" --species Li --edges 0,10,20,30 --out "$tmp/s" >"$tmp/s.log" 2>&1 ||
    fail "slab: $(cat "$tmp/s.log")"
[ -s "$tmp/s.svg" ] || fail "no SVG"
"$PY" - "$tmp/s.json" <<'PYEOF' || fail "slab values: $(cat "$tmp/s.log")"
import json, sys
bins = json.load(open(sys.argv[1]))["results"]["groups"][0]["slab"]
assert len(bins) == 3
for b, sig in zip(bins, (0.1, 0.3, 0.1)):
    dxy, dz = sig**2 / 4 * 0.1, 0.05**2 / 4 * 0.1   # A^2/fs -> cm^2/s (dt = 2 fs)
    assert abs(b["xy"]["D_cm2_s"] - dxy) < 4 * b["xy"]["D_err_cm2_s"], (b["xy"], dxy)
    assert abs(b["z"]["D_cm2_s"] - dz) < 4 * b["z"]["D_err_cm2_s"], (b["z"], dz)
    assert 12 <= b["atoms_mean"] <= 15
PYEOF
"$AION" analyze slab --traj "$tmp/slab.xyz" --species Li --edges 0,20,10 2>/dev/null && fail "decreasing edges accepted"
exit 0
