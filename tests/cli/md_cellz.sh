#!/bin/sh
# aion md --cell z (normal-stress barostat for slabs and interfaces): an fcc Lennard-Jones argon
# crystal (108 atoms, 40 K) at --press 0.5 GPa with npt and npt-langevin: --cell z is recorded in
# run.json, a and b stay exactly as given in every thermo line and in the final structure, c_z
# shrinks (the crystal starts at P ≈ 0); an unknown --cell value and a cell whose a vector leaves
# the xy plane are refused; a checkpoint written with --cell z is refused by --restart --cell iso;
# --dilate mobile keeps frozen atoms where they are, --dilate all moves them with the cell.
set -u
AION=${AION_BIN:-build/aion}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
printf 'name argon-lj\nlj Ar Ar 0.0104 3.40 cutoff 7.5 shift\n' >"$T/ar.pot"
fcc() { # ax az: fcc 3x3x3, a = (ax, 0, az)
    awk -v ax="$1" -v az="$2" 'BEGIN { n = 3; a = 5.30; L = n * a
        printf "%d\nLattice=\"%s 0 %s 0 %.6f 0 0 0 %.6f\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n", 4 * n * n * n, ax, az, L, L
        split("0 0 0 0.5 0.5 0 0.5 0 0.5 0 0.5 0.5", b, " ")
        for (i = 0; i < n; i++) for (j = 0; j < n; j++) for (k = 0; k < n; k++) for (q = 0; q < 4; q++)
            printf "Ar %.6f %.6f %.6f\n", (i + b[3 * q + 1]) * a, (j + b[3 * q + 2]) * a, (k + b[3 * q + 3]) * a }'
}
fcc 15.9 0 >"$T/fcc.xyz"
fcc 15.9 0.3 >"$T/tilted.xyz"
common="--potential $T/ar.pot --temp 40 --dt 5 --press 0.5 --tau-p 250 --compress 0.35 --threads 1 --traj none --seed 3"
for ens in npt npt-langevin; do
    out=$T/$ens
    # shellcheck disable=SC2086
    "$AION" md --in "$T/fcc.xyz" $common --ensemble $ens --cell z --steps 2000 --out "$out" >"$T/$ens.log" 2>&1 ||
        { cat "$T/$ens.log"; fail "$ens --cell z run"; }
    grep -q '"cell":[[:space:]]*"z"' "$out/run.json" || fail "$ens: run.json does not record --cell z"
    # thermo.csv: a_A, b_A (columns 11, 12) exactly 15.9 in every line, alpha..gamma 90; c_A (13) final < 15.5
    awk -F, 'NR > 1 { n++; if ($11 != "15.9" || $12 != "15.9" || $14 != "90" || $15 != "90" || $16 != "90") bad++; c = $13 }
        END { if (n < 200 || bad || !(c < 15.5)) { printf "lines %d, changed a/b/angles in %d, final c %s\n", n, bad, c; exit 1 } }' \
        "$out/thermo.csv" || fail "$ens: the lateral cell moved or c did not shrink"
    lat=$(sed -n 2p "$out/final.xyz" | sed 's/.*Lattice="\([^"]*\)".*/\1/')
    echo "$lat" | awk '{ if ($1 != 15.9 || $2 != 0 || $3 != 0 || $4 != 0 || $5 != 15.9 || $6 != 0 || $7 != 0 || $8 != 0 || !($9 < 15.5)) exit 1 }' ||
        fail "$ens: final lattice $lat"
    echo "ok: $ens --cell z: final lattice $lat"
done
# unknown cell mode
if "$AION" md --in "$T/fcc.xyz" $common --ensemble npt --cell zz --steps 10 --out "$T/bad" >"$T/bad.log" 2>&1; then
    fail "--cell zz accepted"
fi
grep -q "unknown --cell 'zz' (iso, aniso, tri, z)" "$T/bad.log" || { cat "$T/bad.log"; fail "--cell zz message"; }
# a out of the xy plane
if "$AION" md --in "$T/tilted.xyz" $common --ensemble npt --cell z --steps 10 --out "$T/tilt" >"$T/tilt.log" 2>&1; then
    fail "a cell with a_z != 0 accepted by --cell z"
fi
grep -q "needs a and b in the xy plane" "$T/tilt.log" || { cat "$T/tilt.log"; fail "a_z message"; }
# a --cell z checkpoint continued with another cell mode
# shellcheck disable=SC2086
"$AION" md --in "$T/fcc.xyz" $common --ensemble npt --cell z --steps 200 --checkpoint-every 100 --out "$T/ck" >"$T/ck.log" 2>&1 ||
    { cat "$T/ck.log"; fail "checkpointed run"; }
# shellcheck disable=SC2086
if "$AION" md --in "$T/fcc.xyz" $common --ensemble npt --cell iso --steps 400 --out "$T/ck" --restart >"$T/ck2.log" 2>&1; then
    fail "--restart --cell iso accepted a --cell z checkpoint"
fi
grep -q "cell degrees of freedom z, this run has iso" "$T/ck2.log" || { cat "$T/ck2.log"; fail "cell mode mismatch message"; }
echo "ok: --cell zz and a_z != 0 refused; a --cell z checkpoint refused by --cell iso"
# --dilate mobile: the frozen layer at z = 5.3 (18 atoms) keeps its coordinates while c shrinks; with the
# default (all) it moves with the cell; an unknown value and a --dilate mode change at --restart are refused
for d in all mobile; do
    # shellcheck disable=SC2086
    "$AION" md --in "$T/fcc.xyz" $common --ensemble npt --cell z --steps 1000 --freeze-zlo 5.2 --freeze-zhi 5.4 \
        --dilate $d --checkpoint-every 500 --out "$T/dil-$d" >"$T/dil-$d.log" 2>&1 || { cat "$T/dil-$d.log"; fail "--dilate $d run"; }
    grep -q '"dilate":[[:space:]]*"'$d'"' "$T/dil-$d/run.json" || fail "run.json does not record --dilate $d"
done
# frozen atoms are the 18 with z = 5.3 at the start; compare their final z (wrapped) with the start
awk 'FNR == 2 { split($0, a, "Lattice=\""); split(a[2], l, " "); c[FILENAME] = l[9] }
     FNR > 2 && FILENAME ~ /fcc/ { z0[FNR] = $4 }
     FNR > 2 && FILENAME ~ /all/ && z0[FNR] == 5.3 { n1++; if ($4 - 5.3 * c[FILENAME] / 15.9 > 1e-4 || 5.3 * c[FILENAME] / 15.9 - $4 > 1e-4) bad1++ }
     FNR > 2 && FILENAME ~ /mobile/ && z0[FNR] == 5.3 { n2++; if ($4 != 5.3) bad2++ }
     END { if (n1 != 18 || n2 != 18 || bad1 || bad2 || !(c[ARGV[2]] < 15.5) || !(c[ARGV[3]] < 15.5)) {
               printf "frozen %d/%d, wrong %d/%d, c %s %s\n", n1, n2, bad1, bad2, c[ARGV[2]], c[ARGV[3]]; exit 1 } }' \
    "$T/fcc.xyz" "$T/dil-all/final.xyz" "$T/dil-mobile/final.xyz" || fail "frozen layer under --dilate all/mobile"
if "$AION" md --in "$T/fcc.xyz" $common --ensemble npt --cell z --dilate some --steps 10 --out "$T/bad2" >"$T/bad2.log" 2>&1; then
    fail "--dilate some accepted"
fi
grep -q "unknown --dilate 'some' (all, mobile)" "$T/bad2.log" || { cat "$T/bad2.log"; fail "--dilate some message"; }
# shellcheck disable=SC2086
if "$AION" md --in "$T/fcc.xyz" $common --ensemble npt --cell z --steps 1500 --freeze-zlo 5.2 --freeze-zhi 5.4 \
    --out "$T/dil-mobile" --restart >"$T/dil2.log" 2>&1; then
    fail "--restart with --dilate all accepted a --dilate mobile checkpoint"
fi
grep -q "frozen atoms fixed under the barostat, this run dilates them" "$T/dil2.log" || { cat "$T/dil2.log"; fail "dilate mismatch message"; }
echo "ok: --dilate mobile keeps the frozen layer, all moves it with the cell; bad value and mode change refused"
exit 0
