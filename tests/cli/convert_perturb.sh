#!/bin/sh
# aion convert structure generation: --copies, --strain, --rattle, --seed, --substitute/--remove,
# --info, --keep; reproducibility, composition and charge balance; fractional coordinates kept by
# a pure strain (checked with ASE when it is there).
AION=${AION_BIN:-build/aion}
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Li3PO4-like 8-atom cell with labels and a free-form field
cat >"$t/in.xyz" <<'EOT'
8
Lattice="5 0 0 0.5 6 0 0 0.3 7" Properties=species:S:1:pos:R:3:forces:R:3 energy=-10.5 stress="0.1 0 0 0 0.1 0 0 0 0.1" pbc="T T T" method=xtb
Li 0.5 0.5 0.5 0.1 0 0
Li 2.5 0.5 3.5 0.1 0 0
Li 0.5 3.5 3.5 0.1 0 0
P 2.5 3.0 1.0 0 0 0
O 1.0 2.0 5.0 0 0 0
O 4.0 1.0 2.0 0 0 0
O 3.0 5.0 4.5 0 0 0
O 1.5 4.5 6.0 0 0 0
EOT

"$AION" convert "$t/in.xyz" "$t/a.xyz" --copies 5 --strain 0.03 --rattle 0.1 --seed 7 \
    --info config_type=test --keep config_type 2>"$t/log" || fail "convert: $(cat "$t/log")"
grep -q "5 frames" "$t/log" || fail "5 copies expected: $(cat "$t/log")"
"$AION" convert "$t/in.xyz" "$t/b.xyz" --copies 5 --strain 0.03 --rattle 0.1 --seed 7 \
    --info config_type=test --keep config_type 2>/dev/null || fail "convert (again)"
cmp -s "$t/a.xyz" "$t/b.xyz" || fail "same seed gave different structures"
"$AION" convert "$t/in.xyz" "$t/c.xyz" --copies 5 --strain 0.03 --rattle 0.1 --seed 8 2>/dev/null || fail "seed 8"
cmp -s "$t/a.xyz" "$t/c.xyz" && fail "different seeds gave the same structures"
[ "$(grep -c 'config_type=test' "$t/a.xyz")" = 5 ] || fail "--info missing"
grep -q 'energy=\|forces\|method=' "$t/a.xyz" && fail "labels or fields survived --keep config_type / perturbation"
# the 5 copies differ from each other
[ "$(awk 'NR % 10 == 3' "$t/a.xyz" | sort -u | wc -l)" = 5 ] || fail "copies are not distinct"

# --keep with labels and no perturbation: energy kept, forces and method dropped
"$AION" convert "$t/in.xyz" "$t/k.xyz" --keep energy,config_type --precision 8 2>/dev/null || fail "--keep"
grep -q 'energy=-10.5' "$t/k.xyz" || fail "--keep energy lost the energy"
grep -q 'forces\|method\|stress' "$t/k.xyz" && fail "--keep energy kept more: $(sed -n 2p "$t/k.xyz")"
# a field set with --info survives --keep none (both paths: plain copy and perturbed copies)
"$AION" convert "$t/in.xyz" "$t/kn.xyz" --keep none --info config_type=audit_x 2>/dev/null || fail "--keep none --info"
grep -q 'config_type=audit_x' "$t/kn.xyz" || fail "--keep none dropped the --info field: $(sed -n 2p "$t/kn.xyz")"
grep -q 'energy=\|forces' "$t/kn.xyz" && fail "--keep none kept labels: $(sed -n 2p "$t/kn.xyz")"
"$AION" convert "$t/in.xyz" "$t/kr.xyz" --rattle 0.01 --keep none --info config_type=audit_y 2>/dev/null || fail "--rattle --keep none --info"
grep -q 'config_type=audit_y' "$t/kr.xyz" || fail "--rattle --keep none dropped the --info field"

# substitution with charge compensation: 4 O -> 2 N + 1 O removed... here 2 O -> N, remove 1 O
"$AION" convert "$t/in.xyz" "$t/n.xyz" --copies 20 --substitute O:N:2 --remove O:1 --seed 3 2>/dev/null ||
    fail "--substitute"
[ "$(grep -c '^7$' "$t/n.xyz")" = 20 ] || fail "substituted frames should have 7 atoms"
awk 'NF == 4 && $1 == "N" { n++ } NF == 4 && $1 == "O" { o++ } END { exit !(n == 40 && o == 20) }' "$t/n.xyz" ||
    fail "expected 2 N and 1 O per frame"
# over 20 copies more than one choice of N sites appears (random, not always the first O)
[ "$(awk 'NF == 4 && $1 == "N" { printf "%s ", $2 } /^7$/ { print "" }' "$t/n.xyz" | sort -u | wc -l)" -gt 3 ] ||
    fail "substitution sites do not vary"
"$AION" convert "$t/in.xyz" "$t/x.xyz" --substitute O:N:5 2>"$t/log" && fail "5 of 4 O accepted"
grep -q "4" "$t/log" || fail "message should say how many O there are: $(cat "$t/log")"
"$AION" convert "$t/in.xyz" "$t/x.xyz" --substitute O:Xx:1 2>/dev/null && fail "unknown element accepted"
"$AION" convert "$t/in.xyz" "$t/x.xyz" --strain -0.1 2>/dev/null && fail "negative strain accepted"
"$AION" convert "$t/in.xyz" "$t/x.xyz" --info novalue 2>/dev/null && fail "--info without = accepted"

# pure strain keeps fractional coordinates, and the strain is within +-3 % (ASE)
PY=/usr/bin/python3
if $PY -c 'import ase' 2>/dev/null; then
    "$AION" convert "$t/in.xyz" "$t/s.xyz" --copies 4 --strain 0.03 --seed 1 2>/dev/null || fail "strain only"
    $PY - "$t/in.xyz" "$t/s.xyz" <<'EOF' || fail "ASE check of the strained frames"
import sys
import numpy as np
from ase.io import read
a = read(sys.argv[1])
for b in read(sys.argv[2], ':'):
    d = np.linalg.solve(a.cell.array, b.cell.array)   # b = a (I + eps)
    eps = d - np.eye(3)
    assert np.allclose(eps, eps.T, atol=1e-12), eps
    assert 0 < abs(eps).max() <= 0.03 + 1e-12, eps
    assert np.allclose(a.get_scaled_positions(wrap=False), b.get_scaled_positions(wrap=False), atol=1e-12)
EOF
fi
echo "PASS"
