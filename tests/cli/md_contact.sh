#!/bin/sh
# aion md --contact-stop: the close-contact guard (docs/md.md "Close contacts"; the MTP + QEq blow-up
# of docs/interface.md was a Li-Li pair falling below the data at grades near 1).
#  - a 48-atom PBE glass of the shipped interface data with one Li-Li pair (atoms 9, 13; 2.055 A) set to
#    1.60 A, run with the shipped interface potential and its own data as --contact-data, stops before
#    the first step (the start is checked too) with exit code 5, names the pair (Li-Li 1.600 A, atoms 9
#    and 13, the data's 1.862 A) and writes contact.xyz (that configuration);
#  - the unmodified glass runs its 200 steps at 300 K (exit 0) and run.json's contact_ratio_min is the
#    smallest closest-pair ratio of its trajectory (every step written) as ASE computes it, within 1e-9,
#    and above 0.9;
#  - --contact-stop outside (0, 1) and a missing --contact-data are refused with a message.
set -u
AION=${AION_BIN:-$PWD/build/aion}
PY=/usr/bin/python3
POT=$PWD/potentials/li-iface-pbe.mtp
DATA=$PWD/examples/data/li-interface-pbe.xyz
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
$PY -c "import ase" 2>/dev/null || { echo "SKIP: needs ASE (/usr/bin/python3)"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$T" || exit 1
$PY - "$DATA" <<'PY' || fail "setup"
import sys
import numpy as np
from ase.io import read, write
a = read(sys.argv[1], 8)
a.calc = None
write('glass.xyz', a, format='extxyz')
v = a.get_distance(12, 8, mic=True, vector=True)
assert abs(np.linalg.norm(v) - 2.055) < 1e-3, np.linalg.norm(v)
a.positions[8] = a.positions[12] + 1.60 * v / np.linalg.norm(v)
write('pair.xyz', a, format='extxyz')
PY
run() { # in out [extra]
    i=$1 o=$2
    shift 2
    "$AION" md --in "$i" --potential "$POT" --species Li,P,O --ensemble nvt-csvr --temp 300 --steps 200 --dt 1 \
        --seed 3 --threads 1 --traj-every 1 --thermo-every 10 --checkpoint-every 100 --out "$o" "$@" >"$o.out" 2>"$o.err"
}
run pair.xyz P --contact-stop 0.9 --contact-data "$DATA"
rc=$?
[ "$rc" = 5 ] || fail "contact run: exit $rc, expected 5: $(tail -3 P.err)"
grep -q 'close contact at step 0: Li-Li 1.600 A (atoms \(9, 13\|13, 9\); data 1.862 A)' P.err ||
    fail "contact message: $(tail -1 P.err)"
[ -s P/contact.xyz ] || fail "no contact.xyz"
$PY -c "
from ase.io import read
import numpy as np
a, b = read('pair.xyz'), read('P/contact.xyz')
d = a.get_scaled_positions(wrap=False) - b.get_scaled_positions(wrap=False)
assert np.abs(d - np.round(d)).max() < 1e-6   # the same up to lattice vectors (the run wraps)
" || fail "contact.xyz is not the configuration that stopped"

run glass.xyz G --contact-stop 0.9 --contact-data "$DATA" || fail "glass run: $(tail -3 G.err)"
$PY - "$DATA" <<'PY' || fail "contact_ratio_min"
import json, sys
import numpy as np
from ase.io import read
from ase.neighborlist import neighbor_list
sp = ['Li', 'P', 'O']
def closest(frames):
    d = {}
    for a in frames:
        i, j, r = neighbor_list('ijd', a, 5.0)
        s = np.array(a.get_chemical_symbols())
        for x in range(3):
            for y in range(x, 3):
                m = ((s[i] == sp[x]) & (s[j] == sp[y]))
                if m.any():
                    d[(x, y)] = min(d.get((x, y), np.inf), r[m].min())
    return d
ref = closest(read(sys.argv[1], ':'))
assert abs(ref[(0, 0)] - 1.862) < 1e-3, ref
traj = read('G/traj.xyz', ':')
assert len(traj) == 201, len(traj)
q = min(min(closest([a]).get(k, np.inf) / ref.get(k, 5.0) for k in ref) for a in traj)
got = json.load(open('G/run.json'))['results']['contact_ratio_min']
assert abs(got - q) < 1e-9, (got, q)
assert got > 0.9 and q < 1, (got, q)   # below 1 the ratio is exact
print(f'contact_ratio_min {got:.6f} (ASE {q:.6f})')
PY

run glass.xyz B1 --contact-stop 1.2 --contact-data "$DATA" && fail "--contact-stop 1.2 accepted"
grep -q 'contact-stop must be between 0 and 1' B1.err || fail "ratio message: $(cat B1.err)"
run glass.xyz B2 --contact-stop 0.9 && fail "no --contact-data accepted"
grep -q 'needs --species and --contact-data' B2.err || fail "missing-data message: $(cat B2.err)"
echo "ok"
