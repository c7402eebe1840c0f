#!/bin/sh
# aion build interface / bcc: a Li(100) || "glass" stack read back by ASE
# (atom counts, region column, plane spacing a/2, strain as printed, gap),
# a periodic bcc crystal whose neighbour shells ASE counts, and bad input.
set -u
AION=${AION_BIN:-build/aion}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$PY" ] || { echo "SKIP: needs $PY"; exit 77; }
"$PY" -c "import ase" 2>/dev/null || { echo "SKIP: needs ASE"; exit 77; }
"$PY" - "$tmp/glass.xyz" <<'PYEOF'
import sys, numpy as np
from ase import Atoms
from ase.io import write
rng = np.random.default_rng(2)
t = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) * 1.54 / 3**0.5
L = np.array([10.5, 10.2, 16.0]); sym = []; pos = []
for u in range(10):
    c = rng.random(3) * L
    sym += ['P'] + ['O'] * 4 + ['Li'] * 3
    pos += [c] + [c + v for v in t] + [c + np.eye(3)[k] * 2.6 for k in range(3)]
a = Atoms(sym, positions=pos, cell=L, pbc=True); a.wrap(); write(sys.argv[1], a)
PYEOF
"$AION" build interface --glass "$tmp/glass.xyz" --face 100 --layers 5 --gap 2.5 --out "$tmp/if.xyz" \
    >"$tmp/edges.txt" 2>"$tmp/log" || fail "build: $(cat "$tmp/log")"
grep -q "lateral strain of the metal +1.744 % (a), -1.163 % (b)" "$tmp/log" || fail "strain line: $(cat "$tmp/log")"
grep -q "^--edges 0," "$tmp/edges.txt" || fail "no edges line"
"$PY" - "$tmp/if.xyz" "$tmp/glass.xyz" <<'PYEOF' || fail "interface geometry: $(cat "$tmp/log")"
import sys, numpy as np
from ase.io import read
a, g = read(sys.argv[1]), read(sys.argv[2])
reg = a.arrays["region"]
m = np.where(reg == 0)[0]; s = np.where(reg == 1)[0]
assert len(m) == 3 * 3 * 5 and len(s) == len(g), (len(m), len(s))
assert all(a[i].symbol == "Li" for i in m)
assert [a[i].symbol for i in s] == g.get_chemical_symbols()
z = np.unique(np.round(a.positions[m, 2], 6))
assert len(z) == 5 and np.allclose(np.diff(z), 3.44 / 2), z
assert abs(a.cell[0, 0] - 10.5) < 1e-9 and abs(a.cell[1, 1] - 10.2) < 1e-9
assert abs(float(a.info["interface_strain_a"]) - (10.5 / (3 * 3.44) - 1)) < 1e-6
d = a.get_all_distances(mic=True)[np.ix_(m, s)]
assert d.min() >= 2.5 - 1e-6, d.min()
PYEOF
"$AION" build bcc --size 3x3 --face 110 --layers 4 --out "$tmp/bcc.xyz" 2>"$tmp/log" || fail "bcc: $(cat "$tmp/log")"
"$PY" - "$tmp/bcc.xyz" <<'PYEOF' || fail "bcc neighbours"
import sys, numpy as np
from ase.io import read
from ase.neighborlist import neighbor_list
a = read(sys.argv[1])
assert len(a) == 3 * 3 * 4 * 2
i, d = neighbor_list("id", a, 3.5)
for k in range(len(a)):
    dk = np.sort(d[i == k])
    assert np.allclose(dk[:8], 3.44 * 3**0.5 / 2) and np.allclose(dk[8:14], 3.44) and len(dk) == 14, dk
PYEOF
# bad input: clear messages, no output
"$AION" build interface --glass "$tmp/glass.xyz" --face 111 --out "$tmp/x.xyz" 2>"$tmp/e" && fail "face 111 accepted"
grep -q "face must be 100 or 110" "$tmp/e" || fail "face message: $(cat "$tmp/e")"
"$AION" build interface --glass "$tmp/glass.xyz" --max-strain 0.001 --out "$tmp/x.xyz" 2>"$tmp/e" && fail "strain accepted"
grep -q "lateral strains" "$tmp/e" || fail "strain message: $(cat "$tmp/e")"
"$AION" build interface --glass "$tmp/none.xyz" --out "$tmp/x.xyz" 2>/dev/null && fail "missing glass accepted"
"$AION" build interface --glass "$tmp/glass.xyz" --metal Na --out "$tmp/x.xyz" 2>"$tmp/e" && fail "Na without --a"
grep -q "lattice parameter" "$tmp/e" || fail "Na message: $(cat "$tmp/e")"
"$AION" build bcc --size 3x3 --layers 3 --out "$tmp/x.xyz" 2>"$tmp/e" && fail "odd periodic crystal accepted"
[ -e "$tmp/x.xyz" ] && fail "output written after an error"
# aion quench --lateral: the start cell is A x B x c at the requested density
"$AION" quench --composition Li3PO4 --atoms 48 --density 2.4 --lateral 6.88,7.5 --ensemble nvt-csvr --t-start 300 \
    --equil 0.01 --t-melt 400 --rate 100000 --hold 0.01 --final-time 0.01 --traj none --checkpoint-every 0 \
    --threads 1 --out "$tmp/q" >"$tmp/qlog" 2>&1 || fail "quench --lateral: $(tail -3 "$tmp/qlog")"
"$PY" - "$tmp/q/glass.xyz" <<'PYEOF' || fail "quench --lateral cell"
import sys
from ase.io import read
a = read(sys.argv[1])
L = a.cell.lengths()
assert abs(L[0] - 6.88) < 1e-9 and abs(L[1] - 7.5) < 1e-9, L
rho = sum(a.get_masses()) / 0.602214076 / a.get_volume()
assert abs(rho - 2.4) < 1e-3, rho
PYEOF
"$AION" quench --in "$tmp/glass.xyz" --lateral 6.88,7.5 --out "$tmp/q2" 2>"$tmp/e" && fail "--lateral with --in accepted"
grep -q "composition starts only" "$tmp/e" || fail "--lateral message: $(cat "$tmp/e")"
exit 0
