#!/bin/sh
# Charge equilibration (src/potential/qeq.c, docs/qeq.md):
#  - `aion eval --potential qeq:TABLE` against the independent dense NumPy reference
#    tests/peers/qeq_numpy.py (KKT solve of the Ewald-summed Gaussian Coulomb matrix, forces
#    and virial by finite differences of the re-minimised energy): energy, charges, forces and
#    virial on a neutral and a charged triclinic cell, and with an environment-dependent chi;
#  - the parameter table's errors name the file and line; an element without parameters is named;
#  - aion train --qeq: the .mtp carries aion_qeq_* lines, its energy is the MTP part plus the
#    table's QEq energy, the report's errors are those of `aion eval` (QEq + MTP), --init keeps
#    the parameters and --qeq none drops them;
#  - the same energies, forces and charges, byte for byte, on 1 and 2 threads (docs/qeq.md: sums in atom order);
#  - aion md with that potential, killed (-9) mid-run and continued with --restart, repeats an
#    uninterrupted run byte for byte (the checkpoint carries the charge solver's starting point).
AION=${AION_BIN:-build/aion}
PY=/usr/bin/python3
DATA=examples/data/li-interface-pbe.xyz
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
[ -x "$PY" ] && "$PY" -c "import ase, numpy, scipy" 2>/dev/null || { echo "SKIP: needs $PY with ASE, NumPy, SciPy"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$t/p.txt" <<'EOF'
# species  chi_eV  J_eV  sigma_A
Li   3.006   4.772  1.2
P    5.463   8.000  1.0
O    8.741  13.364  0.9   # a comment after the numbers
EOF
{ cat "$t/p.txt"; echo "charge 0.5"; } >"$t/pq.txt"
# environment-dependent chi: smooth coordination numbers within 3.5 A
{ cat "$t/p.txt"; printf 'coord-cutoff 3.5\nchi-coord Li O -0.4\nchi-coord Li Li 0.3\nchi-coord O Li 0.2\n'; } >"$t/pc.txt"
"$PY" - "$t" <<'PYEOF' || fail "making the cells"
import sys
import numpy as np
from ase import Atoms
from ase.io import write
rng = np.random.default_rng(7)
cell = np.array([[6.1, 0.0, 0.0], [0.7, 5.8, 0.0], [-0.5, 0.9, 6.4]])
syms = ['Li'] * 5 + ['P'] * 1 + ['O'] * 4
pos = []
while len(pos) < len(syms):
    x = rng.random(3) @ cell
    d = [np.linalg.norm(Atoms('H2', positions=[x, p], cell=cell, pbc=True).get_distance(0, 1, mic=True)) for p in pos]
    if all(v > 1.7 for v in d):
        pos.append(x)
write(sys.argv[1] + '/c10.xyz', Atoms(syms, positions=pos, cell=cell, pbc=True))
PYEOF

for p in p pq pc; do
    "$AION" eval --potential "qeq:$t/$p.txt" --in "$t/c10.xyz" --out "$t/c-$p.xyz" --charges 2>"$t/log" ||
        fail "eval qeq:$p.txt: $(cat "$t/log")"
    "$PY" tests/peers/qeq_numpy.py "$t/c10.xyz" --params "$t/$p.txt" >"$t/o-$p.json" 2>"$t/log" ||
        fail "qeq_numpy.py: $(cat "$t/log")"
    "$PY" - "$t/c-$p.xyz" "$t/o-$p.json" <<'PYEOF' || fail "aion and the NumPy reference disagree ($p.txt)"
import json, sys
import numpy as np
from ase.io import read
a, o = read(sys.argv[1]), json.load(open(sys.argv[2]))
q = a.arrays['initial_charges']
dE = abs(a.get_potential_energy() - o['energy'])
dq = np.abs(q - np.array(o['charges'])).max()
dF = np.abs(a.get_forces() - np.array(o['forces'])).max()
dW = np.abs(-a.get_stress(voigt=False) * a.get_volume() - np.array(o['virial'])).max()
print(f"E {a.get_potential_energy():.6f} eV (|dE| {dE:.1e}), sum q {q.sum():+.6f} (Q {o['total_charge']}), "
      f"|dq| {dq:.1e}, |dF| {dF:.1e} eV/A, |dW| {dW:.1e} eV; charges {np.round(q, 3).tolist()}")
# aion's Ewald is converged to 1e-6 relative, the reference to ~1e-13 (forces ~1e-9)
ok = dE < 2e-5 and dq < 1e-5 and dF < 2e-5 and dW < 1e-4 and abs(q.sum() - o['total_charge']) < 1e-9
ok &= np.abs(q).max() > 0.05          # charges actually moved
sys.exit(0 if ok else 1)
PYEOF
done

# bad tables: file and line named
printf 'Li 3.0 4.7\nO 8.7 x\n' >"$t/bad1.txt"
printf 'Li 3.0 4.7\ncharge\n' >"$t/bad2.txt"
printf 'Li 3.0 -1\n' >"$t/bad3.txt"
printf 'Xx 3.0 4.7\n' >"$t/bad4.txt"
printf 'Li 3.0 4.7\nchi-coord Li Li 0.1\n' >"$t/bad5.txt"
printf 'Li 3.0 4.7\ncoord-cutoff 3\nchi-coord Li O 0.1\n' >"$t/bad6.txt"
for b in "bad1.txt:2: field 3 ('x') is not a number" "bad2.txt:2: expected 'charge Q'" \
         "bad3.txt:1: J and sigma must be positive" "bad4.txt:1: 'Xx' is not an element symbol" \
         "bad5.txt:2: chi-coord without a 'coord-cutoff' line" "bad6.txt:3: chi-coord names O, which has no species line"; do
    f=${b%%:*}
    "$AION" eval --potential "qeq:$t/$f" --in "$t/c10.xyz" --out "$t/x.xyz" 2>"$t/log" && fail "$f accepted"
    grep -qF "$b" "$t/log" || fail "$f: message: $(cat "$t/log")"
done
printf 'Li 3.0 4.7\nO 8.7 13.0\n' >"$t/nop.txt"
"$AION" eval --potential "qeq:$t/nop.txt" --in "$t/c10.xyz" --out "$t/x.xyz" 2>"$t/log" && fail "missing P accepted"
grep -q "(P) has no parameters" "$t/log" || fail "missing species message: $(cat "$t/log")"

# training with QEq added
"$PY" -W ignore -c "
from ase.io import read, write
fr = [a for a in read('$DATA', ':') if len(a) <= 72]
write('$t/train.xyz', fr)
print(len(fr))" >"$t/ntrain" || fail "selecting training frames"
TR="--train $t/train.xyz --species Li,P,O --level 6 --threads 1 --max-iter 4"
"$AION" train $TR --qeq "$t/p.txt" --out "$t/q.mtp" --report "$t/rep" >"$t/out" 2>"$t/log" || fail "train --qeq: $(cat "$t/log")"
grep -q 'added: charge equilibration' "$t/log" || fail "no QEq line in the training log: $(cat "$t/log")"
[ "$(grep -c '^aion_qeq_' "$t/q.mtp")" = 4 ] || fail "aion_qeq lines: $(grep aion_qeq "$t/q.mtp")"
{ sed '/^aion_qeq/d' "$t/q.mtp" | head -c -1; } >"$t/mtp-only.mtp"
"$AION" eval --potential "$t/q.mtp" --species Li,P,O --in "$t/train.xyz" --out "$t/pred.xyz" 2>"$t/log" || fail "eval: $(cat "$t/log")"
"$AION" eval --potential "$t/mtp-only.mtp" --species Li,P,O --in "$t/train.xyz" --out "$t/pred0.xyz" 2>/dev/null || fail "eval (MTP part)"
"$AION" eval --potential "qeq:$t/p.txt" --in "$t/train.xyz" --out "$t/predq.xyz" 2>/dev/null || fail "eval (QEq part)"
"$PY" - "$t/train.xyz" "$t/pred.xyz" "$t/pred0.xyz" "$t/predq.xyz" "$t/rep/report.json" <<'PYEOF' || fail "QEq + MTP inconsistent"
import json, sys
import numpy as np
from ase.io import read
ref, pred, pred0, predq = (read(p, ":") for p in sys.argv[1:5])
rep = json.load(open(sys.argv[5]))
# the sum, part by part
dsum = max(abs(p.get_potential_energy() - p0.get_potential_energy() - pq.get_potential_energy())
           for p, p0, pq in zip(pred, pred0, predq))
fsum = max(np.abs(p.get_forces() - p0.get_forces() - pq.get_forces()).max() for p, p0, pq in zip(pred, pred0, predq))
eq = max(abs(pq.get_potential_energy()) for pq in predq)
# the report's training errors are those of QEq + MTP
de = np.array([(p.get_potential_energy() - r.get_potential_energy()) / len(r) for r, p in zip(ref, pred)])
df = np.concatenate([(p.get_forces() - r.get_forces()).ravel() for r, p in zip(ref, pred)])
rm = [1e3 * np.sqrt(np.mean(de ** 2)), 1e3 * np.sqrt(np.mean(df ** 2))]
al = rep["sets"]["train"]["all"]
rp = [al["energy_rmse_meV_atom"], al["force_rmse_meV_A"]]
print("largest QEq energy of a frame %.3f eV; |E - E_MTP - E_QEq| %.1e eV, forces %.1e eV/A; "
      "RMSE E F: aion eval %.6g %.6g | report %.6g %.6g" % (eq, dsum, fsum, *rm, *rp))
ok = eq > 0.1 and dsum < 1e-8 and fsum < 1e-8
for a, b in zip(rm, rp):
    ok &= abs(a - b) <= 1e-4 * abs(a)
sys.exit(0 if ok else 1)
PYEOF
"$AION" train $TR --init "$t/q.mtp" --max-iter 1 --out "$t/q2.mtp" >/dev/null 2>"$t/log" || fail "train --init: $(cat "$t/log")"
grep -q 'from the initial potential' "$t/log" || fail "--init did not keep QEq: $(cat "$t/log")"
[ "$(grep '^aion_qeq_' "$t/q2.mtp")" = "$(grep '^aion_qeq_' "$t/q.mtp")" ] || fail "--init changed the QEq lines"
"$AION" train $TR --init "$t/q.mtp" --max-iter 1 --qeq none --out "$t/q3.mtp" >/dev/null 2>"$t/log" || fail "train --qeq none: $(cat "$t/log")"
grep -q 'aion_qeq' "$t/q3.mtp" && fail "--qeq none kept the QEq lines"
"$AION" train $TR --qeq "$t/nop.txt" --out "$t/q4.mtp" >/dev/null 2>"$t/log" && fail "a table without P accepted"
grep -q "no line for P" "$t/log" || fail "missing species message: $(cat "$t/log")"
# training with an environment-dependent chi: the .mtp carries it, the sum is still MTP part + QEq
"$AION" train $TR --qeq "$t/pc.txt" --out "$t/qc.mtp" >/dev/null 2>"$t/log" || fail "train --qeq pc.txt: $(cat "$t/log")"
[ "$(grep -c '^aion_qeq_' "$t/qc.mtp")" = 6 ] || fail "aion_qeq lines with coordination: $(grep aion_qeq "$t/qc.mtp")"
grep -q '^aion_qeq_coord_cutoff = 3.5$' "$t/qc.mtp" || fail "coordination cutoff line: $(grep coord "$t/qc.mtp")"
{ sed '/^aion_qeq/d' "$t/qc.mtp" | head -c -1; } >"$t/mtpc-only.mtp"
"$AION" eval --potential "$t/qc.mtp" --species Li,P,O --in "$t/train.xyz" --out "$t/predc.xyz" 2>/dev/null || fail "eval qc.mtp"
"$AION" eval --potential "$t/mtpc-only.mtp" --species Li,P,O --in "$t/train.xyz" --out "$t/predc0.xyz" 2>/dev/null || fail "eval (MTP part)"
"$AION" eval --potential "qeq:$t/pc.txt" --in "$t/train.xyz" --out "$t/predcq.xyz" 2>/dev/null || fail "eval qeq:pc.txt"
"$PY" - "$t/predc.xyz" "$t/predc0.xyz" "$t/predcq.xyz" "$t/predq.xyz" <<'PYEOF' || fail "QEq (coordination) + MTP inconsistent"
import sys
import numpy as np
from ase.io import read
p, p0, pq, pplain = (read(f, ":") for f in sys.argv[1:5])
d = max(abs(a.get_potential_energy() - b.get_potential_energy() - c.get_potential_energy()) for a, b, c in zip(p, p0, pq))
dc = max(abs(a.get_potential_energy() - b.get_potential_energy()) for a, b in zip(pq, pplain))
print("coordination chi: |E - E_MTP - E_QEq| %.1e eV; it changes the QEq energy by up to %.2f eV" % (d, dc))
sys.exit(0 if d < 1e-8 and dc > 0.01 else 1)
PYEOF

# thread count: the same bytes
for th in 1 2; do
    "$AION" eval --potential "qeq:$t/pc.txt" --in "$t/train.xyz" --out "$t/th$th.xyz" --threads $th --charges 2>/dev/null ||
        fail "eval --threads $th"
done
cmp -s "$t/th1.xyz" "$t/th2.xyz" || fail "qeq results differ between 1 and 2 threads"

# MD restart: killed mid-run, continued, compared byte for byte with an uninterrupted run
"$PY" -W ignore -c "
from ase.io import read, write
write('$t/glass.xyz', read('$DATA', 6))" || fail "glass frame"
MD="--in $t/glass.xyz --potential $t/q.mtp --species Li,P,O --ensemble nvt-csvr --temp 300 --dt 0.5 --threads 2
    --seed 5 --steps 4000 --thermo-every 10 --checkpoint-every 40 --traj-every 100"
# shellcheck disable=SC2086
"$AION" md $MD --out "$t/mda" >"$t/log" 2>&1 || fail "md: $(tail -2 "$t/log")"
# shellcheck disable=SC2086
"$AION" md $MD --out "$t/mdb" >/dev/null 2>&1 &
pid=$!
n=0
while [ $n -lt 600 ]; do
    [ -s "$t/mdb/checkpoint.bin" ] && [ "$(wc -l <"$t/mdb/thermo.csv" 2>/dev/null || echo 0)" -ge 20 ] && break
    sleep 0.05
    n=$((n + 1))
done
kill -9 $pid 2>/dev/null || fail "the run finished before it could be killed"
wait $pid 2>/dev/null
killed=$(wc -l <"$t/mdb/thermo.csv")
[ "$killed" -lt 401 ] || fail "the run finished before it was killed"
# shellcheck disable=SC2086
"$AION" md $MD --out "$t/mdb" --restart >"$t/log" 2>&1 || fail "md --restart: $(tail -2 "$t/log")"
for f in thermo.csv traj.xyz final.xyz; do
    cmp -s "$t/mda/$f" "$t/mdb/$f" || fail "restarted run differs from the uninterrupted one in $f (killed after $killed thermo lines)"
done
echo "md restart with QEq: killed after $((killed - 1)) thermo rows, continued, identical"
echo "ok: qeq against the NumPy reference, table errors, train --qeq ($(cat "$t/ntrain") frames), md restart"
