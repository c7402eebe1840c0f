#!/bin/sh
# aion analyze residence: lattice hopping written as extended XYZ (Li hop with
# probability p per frame between the 64 sites of a simple-cubic lattice); the
# mean residence from sites given as a structure file and from the density
# must agree with 1/p frames within the reported error.
set -u
AION=${AION_BIN:-build/aion}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$PY" ] || { echo "SKIP: needs $PY"; exit 77; }

"$PY" - "$tmp/hop.xyz" "$tmp/sites.xyz" <<'PYEOF'
import random, sys
random.seed(7)
n, T, L, a, p = 24, 600, 12.0, 3.0, 0.03
site = [[random.randrange(4) for _ in range(3)] for _ in range(n)]
hdr = 'Lattice="%g 0 0 0 %g 0 0 0 %g" Properties=species:S:1:pos:R:3 pbc="T T T"' % (L, L, L)
with open(sys.argv[1], "w") as f:
    for t in range(T):
        f.write("%d\n%s Time=%g\n" % (n + 8, hdr, 5.0 * t))
        for i in range(n):
            if t and random.random() < p:
                d = random.randrange(3)
                site[i][d] = (site[i][d] + random.choice((1, 3))) % 4
            f.write("Li %.6f %.6f %.6f\n" % tuple(a * (c + 0.5) + random.gauss(0, 0.15) for c in site[i]))
        for k in range(8):
            f.write("O %.6f %.6f %.6f\n" % tuple(1.5 + 6.0 * ((k >> d) & 1) + random.gauss(0, 0.03) for d in range(3)))
with open(sys.argv[2], "w") as f:
    f.write("64\n%s\n" % hdr)
    for k in range(64):
        f.write("Li %g %g %g\n" % (a * (k % 4 + 0.5), a * (k // 4 % 4 + 0.5), a * (k // 16 + 0.5)))
PYEOF

for src in file density; do
    sites="$tmp/sites.xyz"
    [ $src = density ] && sites=density
    "$AION" analyze residence --traj "$tmp/hop.xyz" --species Li --sites "$sites" --rsite 1.0 \
        --out "$tmp/r_$src" >"$tmp/r_$src.log" 2>&1 || fail "residence ($src): $(cat "$tmp/r_$src.log")"
    [ -s "$tmp/r_$src.svg" ] || fail "no SVG ($src)"
    "$PY" - "$tmp/r_$src.json" <<'PYEOF' || fail "residence values ($src): $(cat "$tmp/r_$src.log")"
import json, sys
r = json.load(open(sys.argv[1]))["results"]
truth = 5.0 / 0.03
assert r["sites"] == 64, r["sites"]
km, ml = r["kaplan_meier"], r["geometric_mle"]
assert abs(km["mean_fs"] - truth) < 4 * km["mean_err_fs"], (km, truth)
assert abs(ml["mean_fs"] - truth) < 4 * ml["mean_err_fs"], (ml, truth)
assert r["completed_only"]["mean_fs"] < km["mean_fs"]
assert r["stays_complete"] > 300 and r["stays_left_out"] == 24
PYEOF
done
# errors: no sites, r_site too large
"$AION" analyze residence --traj "$tmp/hop.xyz" --species Li 2>/dev/null && fail "missing --sites accepted"
"$AION" analyze residence --traj "$tmp/hop.xyz" --species Li --sites density --rsite 7 2>"$tmp/e.log" && fail "rsite 7 accepted"
grep -q "half the smallest cell width" "$tmp/e.log" || fail "message: $(cat "$tmp/e.log")"
cat "$tmp/r_density.log"
exit 0
