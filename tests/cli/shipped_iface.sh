#!/bin/sh
# The shipped PBE interface potentials against PBE labels none of them was trained on
# (docs/interface.md, "Nitrogen in the glass"; examples/interface/errors.py):
#   potentials/li-iface-pbe.mtp (Li,P,O)    the four test frames of its loop (li-interface-pbe-al.xyz,
#                                           config_type active_learning_test) and the twelve held-out
#                                           104/280-atom frames (li-interface-pbe-audit.xyz)
#   potentials/li-iface-pbe-n.mtp (Li,P,O,N) the same sixteen frames, and six N frames from its own runs
#                                           (li-interface-pbe-n-test.xyz, examples/interface/learn-pbe-n.sh test)
#                                           and a 274-atom LiPON-like replica frame at a rigid Li(100)
#                                           (li-interface-pbe-n-audit.xyz, audit-pbe.sh with TAG=_lipon)
# and, as a record of what it gets wrong (docs/interface.md, "Data for the dissolved state"), li-iface-pbe.mtp
# on two 280-atom free-metal frames with 14-15 dissolved metal Li and six Li-excess glass cells
# (li-interface-pbe-diss.xyz, li-interface-pbe-excess.xyz; examples/interface/diss.sh), and on the labels
# of session 15 (docs/interface.md, "The audited loop on Li-excess glass", "The MTP + QEq blow-up"):
# the audited loop's 17 Li-excess and glass cells (li-interface-pbe-excess-al.xyz, -excess-test.xyz),
# three 104-atom Li3PO4 glasses (-glass104.xyz) and six Li-Li contacts (-lili.xyz; examples/interface/
# learn-diss.sh, lili.sh).
# The bounds are the errors measured when the potentials were made (docs/interface.md) plus about 10 %:
# the test fails if a potential file, the MTP evaluator or the species mapping changes the errors.
AION=${AION_BIN:-$PWD/build/aion}
PY=/usr/bin/python3
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
$PY -c "import numpy, ase" 2>/dev/null || { echo "SKIP: needs numpy and ase for $PY"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
D=examples/data

# held-out Li-P-O frames: the loop's test frames and the audit frames
"$AION" convert $D/li-interface-pbe-al.xyz "$t/lpo.xyz" --frames 20: 2>/dev/null || fail "convert"
"$AION" convert $D/li-interface-pbe-audit.xyz "$t/lpo.xyz" --append 2>/dev/null || fail "convert"
# held-out N frames: last frames of runs of the N potential itself (learn-pbe-n.sh test)
cp $D/li-interface-pbe-n-test.xyz "$t/n.xyz" || fail "no $D/li-interface-pbe-n-test.xyz"

check() { # NAME POT SPECIES LABELS E_MAX F_MAX
    "$AION" eval --potential "$2" --species "$3" --in "$4" --out "$t/m.xyz" --threads 1 2>"$t/err" \
        || fail "$1: eval: $(cat "$t/err")"
    $PY examples/interface/errors.py "$4" "$t/m.xyz" --json "$t/e.json" >"$t/out" || fail "$1: errors.py"
    $PY - "$t/e.json" "$5" "$6" "$1" <<'EOF' || { cat "$t/out"; fail "$1"; }
import json, sys
e = json.load(open(sys.argv[1]))
emax, fmax = float(sys.argv[2]), float(sys.argv[3])
print(f"{sys.argv[4]}: {e['frames']} frames, E RMSE {e['energy_rmse_meV_atom']:.1f} meV/atom (<= {emax}), "
      f"F RMSE {e['force_rmse_meV_A']:.0f} meV/A (<= {fmax})")
sys.exit(0 if e['energy_rmse_meV_atom'] <= emax and e['force_rmse_meV_A'] <= fmax else 1)
EOF
}
check "li-iface-pbe on Li-P-O held-out" potentials/li-iface-pbe.mtp Li,P,O "$t/lpo.xyz" 14.5 270
check "li-iface-pbe-n on Li-P-O held-out" potentials/li-iface-pbe-n.mtp Li,P,O,N "$t/lpo.xyz" 16.2 268
check "li-iface-pbe-n on N held-out" potentials/li-iface-pbe-n.mtp Li,P,O,N "$t/n.xyz" 17.5 420
check "li-iface-pbe-n on an N replica" potentials/li-iface-pbe-n.mtp Li,P,O,N $D/li-interface-pbe-n-audit.xyz 18.0 305
check "li-iface-pbe on free-metal frames" potentials/li-iface-pbe.mtp Li,P,O $D/li-interface-pbe-diss.xyz 22.0 285
check "li-iface-pbe on Li-excess glass" potentials/li-iface-pbe.mtp Li,P,O $D/li-interface-pbe-excess.xyz 91.0 395
"$AION" convert $D/li-interface-pbe-excess-al.xyz "$t/x17.xyz" 2>/dev/null || fail "convert"
"$AION" convert $D/li-interface-pbe-excess-test.xyz "$t/x17.xyz" --append 2>/dev/null || fail "convert"
check "li-iface-pbe on the Li-excess loop's cells" potentials/li-iface-pbe.mtp Li,P,O "$t/x17.xyz" 39.0 340
check "li-iface-pbe on 104-atom glasses" potentials/li-iface-pbe.mtp Li,P,O $D/li-interface-pbe-glass104.xyz 2.5 245
check "li-iface-pbe on Li-Li contacts" potentials/li-iface-pbe.mtp Li,P,O $D/li-interface-pbe-lili.xyz 61.0 490
# the Li,P,O potential cannot evaluate N: a clear error, not a wrong number
if "$AION" eval --potential potentials/li-iface-pbe.mtp --species Li,P,O --in "$t/n.xyz" --out "$t/x.xyz" 2>"$t/err"; then
    fail "li-iface-pbe.mtp evaluated a structure with N"
fi
grep -q 'N' "$t/err" || fail "no message naming the element: $(cat "$t/err")"
echo "PASS"
