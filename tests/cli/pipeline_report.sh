#!/bin/sh
# The report of a pipeline renders in a browser: runs the tiny pipeline (tests/data/pipeline-tiny.yaml),
# checks report.html is self-contained (inline SVG, no external resources) and has its sections,
# then takes a screenshot with headless Chromium (Debian's `chromium`; skip without it) and checks
# that the page is not blank and that the plots drew coloured lines and points.
set -u
AION=${AION_BIN:-$PWD/build/aion}
P=$PWD/tests/data/pipeline-tiny.yaml
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$AION" run "$P" --out "$T/r" --quiet >"$T/out" 2>"$T/err" || fail "run: $(tail -5 "$T/err")"
H="$T/r/report.html"
[ "$(grep -c '<svg' "$H")" -ge 6 ] || fail "expected at least 6 inline SVG plots, found $(grep -c '<svg' "$H")"
for s in "Mean squared displacement" "Arrhenius" "Transport at each temperature" "Glass structure" "Provenance" \
         "Classical stand-in potential" "Qⁿ speciation" "1σ band"; do
    grep -q "$s" "$H" || fail "report lacks '$s'"
done
grep -qi '<script\|<link \|src="http\|href="http' "$H" && fail "report refers to external resources or scripts"
/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['arrhenius']['Ea_eV'] > 0" "$T/r/summary.json" \
    || fail "summary.json unreadable or without Ea"

# a training report (the layout aion train --report writes) puts validation errors in the report;
# only the report is redone (a report-only key)
cat > "$T/train-report.json" <<'JSON'
{"units": {"energy": "meV/atom"}, "sets": {
  "train": {"all": {"n_configs": 120, "energy_mae_meV_atom": 3.25, "energy_rmse_meV_atom": 4.5,
            "force_mae_meV_A": 81.5, "force_rmse_meV_A": 110.25, "stress_rmse_GPa": 0.35}},
  "valid": {"all": {"n_configs": 14, "energy_mae_meV_atom": 5.75, "energy_rmse_meV_atom": 7.125,
            "force_mae_meV_A": 95.5, "force_rmse_meV_A": 131.5, "stress_rmse_GPa": 0.5}}}}
JSON
"$AION" run "$P" --out "$T/r" --set potential.validation_report="$T/train-report.json" >"$T/out2" 2>"$T/err2" \
    || fail "run with a training report: $(tail -5 "$T/err2")"
grep -q "0 stages computed" "$T/out2" || fail "a report-only key recomputed stages"
grep -q "Validation errors" "$H" || fail "no validation table"
grep -q "<td class=\"l\">valid</td><td>14</td><td>5.75</td><td>7.12</td><td>95.5</td><td>132</td>" "$H" \
    || fail "validation numbers missing: $(grep -o '<td class="l">valid</td>[^/]*' "$H")"

command -v chromium >/dev/null 2>&1 || { echo "SKIP: chromium not installed (sh scripts/install-deps.sh --test)"; exit 77; }
command -v /usr/bin/python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing"; exit 77; }
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$T/profile" --screenshot="$T/shot.png" \
    --window-size=1200,3000 "file://$H" >"$T/chromium.log" 2>&1
[ -s "$T/shot.png" ] || fail "no screenshot: $(tail -3 "$T/chromium.log")"
# decode the PNG (zlib, no extra modules) and count non-white and coloured pixels
/usr/bin/python3 - "$T/shot.png" <<'PY' || fail "screenshot check failed"
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, typ = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if typ == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        assert depth == 8 and ctype in (2, 6), 'unexpected PNG type'
        bpp = 3 if ctype == 2 else 4
    elif typ == b'IDAT':
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
nonwhite = colour = 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    for x in range(0, stride, bpp):
        r, g, bl = line[x], line[x + 1], line[x + 2]
        if r < 240 or g < 240 or bl < 240: nonwhite += 1
        if max(r, g, bl) - min(r, g, bl) > 60: colour += 1
total = w * h
print('screenshot %dx%d: %.1f%% non-white, %d coloured pixels' % (w, h, 100.0 * nonwhite / total, colour))
assert nonwhite > 0.02 * total, 'page looks blank'
assert colour > 5000, 'too few coloured pixels: plots did not render'
PY
echo ok
