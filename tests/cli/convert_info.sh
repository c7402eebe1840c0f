#!/bin/sh
# aion convert / aion info on extended XYZ: frame selection, supercell, wrap,
# atomic output, error messages with file:line, info summary.
AION=${AION_BIN:-build/aion}
[ -x "$AION" ] || { echo "SKIP: no $AION"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 5 frames of a 2-atom cell with energy, forces, stress and a free-form field
i=0
while [ $i -lt 5 ]; do
    cat >>"$t/in.xyz" <<EOT
2
Lattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3:forces:R:3 energy=-$i.5 stress="0.1 0 0 0 0.1 0 0 0 0.1" pbc="T T T" config_type="melt $i"
Li 0.5 0.5 0.5 0.1 0 0
O 2.5 2.5 4.5 -0.1 0 0
EOT
    i=$((i + 1))
done

"$AION" convert "$t/in.xyz" "$t/all.xyz" 2>"$t/log" || fail "convert: $(cat "$t/log")"
grep -q "5 frames" "$t/log" || fail "convert did not report 5 frames: $(cat "$t/log")"
[ "$(grep -c '^2$' "$t/all.xyz")" = 5 ] || fail "all.xyz does not have 5 frames"
grep -q 'config_type="melt 3"' "$t/all.xyz" || fail "free-form field lost"
grep -q 'energy=-3.5' "$t/all.xyz" || fail "energy lost"

"$AION" convert "$t/in.xyz" "$t/sel.xyz" --frames 1::2 2>/dev/null || fail "convert --frames"
[ "$(grep -c '^2$' "$t/sel.xyz")" = 2 ] || fail "--frames 1::2 should keep 2 frames"
grep -q 'energy=-1.5' "$t/sel.xyz" && grep -q 'energy=-3.5' "$t/sel.xyz" || fail "--frames 1::2 kept the wrong frames"
"$AION" convert "$t/in.xyz" "$t/last.xyz" --frames -1 2>/dev/null || fail "convert --frames -1"
[ "$(grep -c '^2$' "$t/last.xyz")" = 1 ] && grep -q 'energy=-4.5' "$t/last.xyz" || fail "--frames -1 is not the last frame"

"$AION" convert "$t/in.xyz" "$t/sc.xyz" --frames 0 --supercell 2x2x3 --wrap 2>/dev/null || fail "convert --supercell"
head -n 1 "$t/sc.xyz" | grep -qx 24 || fail "supercell 2x2x3 of 2 atoms should have 24"
grep -q 'Lattice="8 0 0 0 8 0 0 0 12"' "$t/sc.xyz" || fail "supercell lattice wrong: $(sed -n 2p "$t/sc.xyz")"
grep -q 'energy=-6 ' "$t/sc.xyz" || fail "supercell energy should be 12 x -0.5"
# O at z = 4.5 wraps to 0.5 (then copies at +4, +8)
awk 'NR > 2 && $1 == "O" && ($4 < 0 || $4 >= 12) { bad = 1 } END { exit bad }' "$t/sc.xyz" || fail "--wrap left atoms outside"
grep -q '^O 2.5 2.5 0.5 ' "$t/sc.xyz" || fail "--wrap did not wrap z = 4.5 to 0.5"

"$AION" info "$t/in.xyz" >"$t/info" 2>&1 || fail "info: $(cat "$t/info")"
for want in "frames       5" "atoms        2" "composition  Li1 O1" "formula      LiO" "volume       64 Å³" \
            "energy 5/5, forces 5/5, stress 5/5" "config_type 5/5" "cell varies  no" "pbc          T T T"; do
    grep -q "$want" "$t/info" || fail "info lacks '$want': $(cat "$t/info")"
done
# density of Li + O in 64 Å³: (6.94 + 15.999) * 1.66054 / 64 = 0.5952 g/cm³
grep -q "density      0.595" "$t/info" || fail "info density: $(cat "$t/info")"

# errors: the message names file and line; nothing is written
printf '2\n\nLi 0 0 0\nO 0 zero 0\n' >"$t/bad.xyz"
if "$AION" convert "$t/bad.xyz" "$t/out.xyz" 2>"$t/err"; then fail "convert of a bad file succeeded"; fi
grep -q "bad.xyz:4: atom 2, column 'pos': not a number 'zero'" "$t/err" || fail "error message: $(cat "$t/err")"
[ ! -e "$t/out.xyz" ] || fail "a failed convert left $t/out.xyz"
ls "$t" | grep -q 'tmp' && fail "a failed convert left a temporary file"
if "$AION" info "$t/bad.xyz" 2>"$t/err" >/dev/null; then fail "info of a bad file succeeded"; fi
grep -q "bad.xyz:4:" "$t/err" || fail "info error message: $(cat "$t/err")"
printf '3\n\nLi 0 0 0\n' >"$t/trunc.xyz"
if "$AION" info "$t/trunc.xyz" 2>"$t/err" >/dev/null; then fail "info of a truncated file succeeded"; fi
grep -q "trunc.xyz:3: truncated file" "$t/err" || fail "truncation message: $(cat "$t/err")"
if "$AION" convert "$t/in.xyz" "$t/x.xyz" --supercell 0x1x1 2>"$t/err"; then fail "--supercell 0x1x1 accepted"; fi
if "$AION" convert "$t/in.xyz" "$t/x.xyz" --frames ::-1 2>"$t/err"; then fail "--frames ::-1 accepted"; fi
grep -q "STEP must be positive" "$t/err" || fail "--frames message: $(cat "$t/err")"

# plain XYZ with extra columns: a note on stderr
printf '1\nplain\nH 0 0 0 7\n' >"$t/plain.xyz"
"$AION" info "$t/plain.xyz" >/dev/null 2>"$t/err" || fail "info plain.xyz"
grep -q "extra columns are ignored" "$t/err" || fail "reader note not shown: $(cat "$t/err")"

# the shared data sets, if present
if [ -r ../shared/data/mlearn/Li-training.xyz ]; then
    "$AION" info ../shared/data/mlearn/Li-training.xyz >"$t/info" 2>&1 || fail "info Li-training"
    grep -q "frames       241" "$t/info" || fail "Li-training frames: $(cat "$t/info")"
    "$AION" convert ../shared/data/mlearn/Li-training.xyz "$t/li.xyz" --frames ::10 2>/dev/null || fail "convert Li-training"
    [ "$("$AION" info "$t/li.xyz" | sed -n 's/^  frames *//p')" = 25 ] || fail "Li-training ::10 should have 25 frames"
fi

# a potential's self-description (or the reason it cannot be made)
"$AION" info --potential pedone >"$t/pot" 2>&1
[ -s "$t/pot" ] || fail "info --potential printed nothing"
exit 0
