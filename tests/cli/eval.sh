#!/bin/sh
# aion eval end to end: a small LiPO cell (made here) with the built-in Pedone set and the example
# parameter file; checks the output has energy, stress and forces, that --per-atom energies sum
# to the energy, that the two spellings of the model agree, and that bad input fails cleanly.
set -u
AION=${AION_BIN:-$PWD/build/aion}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat > "$T/in.xyz" <<'XYZ'
8
Lattice="6.1 0.0 0.0 0.4 5.9 0.0 -0.3 0.2 6.3" Properties=species:S:1:pos:R:3 pbc="T T T"
Li 0.1 0.2 0.3
Li 3.0 0.4 3.1
Li 0.5 3.1 2.9
P  2.9 3.0 0.2
O  1.6 1.5 1.4
O  4.4 1.7 4.6
O  1.8 4.4 4.5
O  4.5 4.3 1.6
2
Lattice="8 0 0 0 8 0 0 0 8" Properties=species:S:1:pos:R:3 pbc="T T T"
Li 1 1 1
O 3 1 1
XYZ
"$AION" eval --potential pedone --coulomb dsf --per-atom --in "$T/in.xyz" --out "$T/a.xyz" 2>"$T/err" \
    || fail "eval pedone: $(cat "$T/err")"
"$AION" eval --potential examples/pedone-lipo.pot --coulomb dsf --threads 2 --in "$T/in.xyz" --out "$T/b.xyz" 2>"$T/err" \
    || fail "eval example file: $(cat "$T/err")"
[ "$(grep -c '^8$\|^2$' "$T/a.xyz")" = 2 ] || fail "expected 2 frames"
head -2 "$T/a.xyz" | grep -q 'energy=' || fail "no energy= in output"
head -2 "$T/a.xyz" | grep -q 'stress="' || fail "no stress= in output"
head -2 "$T/a.xyz" | grep -q 'forces:R:3' || fail "no forces column"
head -2 "$T/a.xyz" | grep -q 'energies:R:1' || fail "no per-atom energies with --per-atom"
awk 'NR==2 { match($0, /energy=[-0-9.eE+]+/); e = substr($0, RSTART + 7, RLENGTH - 7) }
     NR>2 && NR<=10 { s += $NF }
     END { d = e - s; if (d < 0) d = -d; if (d > 1e-9 * (e < 0 ? -e : e)) { print "sum " s " != " e; exit 1 } }' "$T/a.xyz" \
    || fail "per-atom energies do not sum to the energy"
ea=$(sed -n 2p "$T/a.xyz" | sed 's/.*energy=\([^ ]*\).*/\1/')
eb=$(sed -n 2p "$T/b.xyz" | sed 's/.*energy=\([^ ]*\).*/\1/')
awk -v a="$ea" -v b="$eb" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-9) }' || fail "pedone $ea != example file $eb"
# errors: unknown potential, element not in the model, bad option
"$AION" eval --potential nosuch.pot --in "$T/in.xyz" --out "$T/c.xyz" 2>"$T/err" && fail "accepted a missing potential"
grep -q "nosuch.pot" "$T/err" || fail "message does not name the file: $(cat "$T/err")"
printf 'charge Li 1\ncharge O -1\ncoulomb dsf\n' > "$T/m.pot"
printf '1\nLattice="9 0 0 0 9 0 0 0 9" Properties=species:S:1:pos:R:3 pbc="T T T"\nSi 0 0 0\n' > "$T/si.xyz"
"$AION" eval --potential "$T/m.pot" --in "$T/si.xyz" --out "$T/c.xyz" 2>"$T/err" && fail "accepted Si"
grep -q "Si" "$T/err" || fail "message does not name the element: $(cat "$T/err")"
[ -e "$T/c.xyz" ] && fail "output left behind after a failure"
"$AION" eval --potential pedone --coulomb wolf --in "$T/in.xyz" --out "$T/c.xyz" 2>/dev/null && fail "accepted --coulomb wolf"
echo "ok"
