#!/bin/sh
# PBE checks of the PBE interface potential outside its loop (docs/interface.md, "Why the 280-atom
# model is off"). Output: examples/data/li-interface-pbe-audit.xyz (labelled frames, held out of every
# training; config_type names each check) and the printed comparisons. Stages (default: all):
#   kmesh     the first Li(100) || glass test frame of learn-pbe (72 atoms, 6.88 A lateral) at 3x3x1 and
#             4x4x1 (the data use 2x2x1), the first 48-atom glass test frame at Gamma (data: 2x2x2)
#   glass104  a 104-atom bulk Li3PO4 glass made as run.sh makes the interface's glass (Pedone melt-quench,
#             2.4 g/cm3, seed 72), 12 ps of NVT with the potential at 600 and 800 K, frames at 5 and
#             12 ps, labelled at Gamma (a 10.1 A insulating cell)
#   iface280  the 280-atom Li(100) || glass model of run.sh (W=out/interface/run-pbe, POT the learn-pbe
#             potential, ZRELAX=5): the built structure (no MD) and the last frame of the 700 K run, with
#             Hirshfeld charges and the electrostatic potential printed (CP2K V_HARTREE_CUBE); one
#             CP2K job of two threads at a time (a 280-atom k-point job holds 14 GB; two were killed
#             for memory on this 23 GB machine), about 25 min each; and, if RR (default
#             out/interface/run-pbe-rigid) holds run.sh runs with FREEZE=all (a rigid metal: no metal
#             atom can leave) at 600 and 800 K, their last frames too
#   replicas  the last frames of independent rigid-metal replicas (replicas.sh), AUDIT_REPS
#             (replica:temperature) from BASE; by default the one labelled in session 10: the Li(110)
#             replica s81 at 800 K of FACE=110 SEEDS="81 ..." BASE=out/interface/repm110 replicas.sh;
#             TAG (e.g. _lipon) names another set's frames apart (files rep_lipon-sSEED-T*, config_type
#             audit_iface280_li100_lipon_rigid_sSEED_TK), SPECIES the potential's elements (default Li,P,O);
#             with TAG, collect appends only that set's frames, to OUTF (default the file below; the N
#             frames go to examples/data/li-interface-pbe-n-audit.xyz, which the Li,P,O potential cannot read)
#   collect   append the labels of glass104, iface280 and replicas to the output (each config_type once)
# The 280-atom frame of the 600 K run (audit_iface280_600K) was labelled in session 8 with the plain
# template; it is the first frame of the output file. Resumable: labels are kept in out/interface/audit.
set -e
STAGES=${1:-kmesh glass104 iface280 replicas collect}
cd "$(dirname "$0")/../.."
AION=./build/aion
POT=${POT:-potentials/li-iface-pbe.mtp}
TPL=examples/interface/pbe-metal.inp
W=out/interface/audit
R=${R:-out/interface/run-pbe}
RR=${RR:-out/interface/run-pbe-rigid}
BASE=${BASE:-out/interface/repm110}
AUDIT_REPS=${AUDIT_REPS:-s81:800}
TAG=${TAG:-}
SPECIES=${SPECIES:-Li,P,O}
OUTF=${OUTF:-examples/data/li-interface-pbe-audit.xyz}
make -s build/aion
mkdir -p "$W"
label() {   # label IN OUT WORKDIR THREADS [--set ...] [--template ...]
    in=$1 out=$2 wd=$3 th=$4
    shift 4
    $AION label --in "$in" --out "$out" --method pbe --jobs 1 --threads-per-job "$th" --workdir "$wd" "$@"
}
for S in $STAGES; do case $S in
kmesh)
    $AION convert examples/data/li-interface-pbe-al.xyz "$W/test.xyz" --frames 20:22 2>/dev/null
    $AION convert "$W/test.xyz" "$W/if72.xyz" --frames 0 2>/dev/null
    $AION convert "$W/test.xyz" "$W/g48.xyz" --frames 1 2>/dev/null
    for m in 3x3x1 4x4x1; do
        label "$W/if72.xyz" "$W/if72-$m.xyz" "$W/w-if72-$m" 2 --template "$TPL" --set kpoints=$m
    done
    label "$W/g48.xyz" "$W/g48-gamma.xyz" "$W/w-g48-gamma" 2 --template "$TPL" --set kpoints=gamma
    for pair in if72:if72-3x3x1 if72:if72-4x4x1 if72-3x3x1:if72-4x4x1 g48:g48-gamma; do
        echo "${pair#*:} against ${pair%:*}: $(/usr/bin/python3 examples/interface/field.py "$W/${pair%:*}.xyz" \
            "$W/${pair#*:}.xyz" | sed -n 2p)"
    done
    ;;
glass104)
    [ -f "$W/glass104/glass.xyz" ] ||
        $AION quench --composition Li3PO4 --atoms 104 --density 2.4 --ensemble nvt-csvr --seed 72 --t-start 300 \
            --equil 0.5 --t-melt 3000 --rate 1000 --hold 5 --final-time 3 --traj none --checkpoint-every 0 \
            --threads 1 --out "$W/glass104" 2>"$W/glass104.log"
    rm -f "$W/g104.xyz"
    for T in 600 800; do
        [ -f "$W/g104-md-$T/final.xyz" ] ||
            $AION md --in "$W/glass104/glass.xyz" --potential "$POT" --species Li,P,O --ensemble nvt-csvr --temp "$T" \
                --time 12 --dt 1 --seed "$T" --grade --grade-every 50 --traj-every 1000 --thermo-every 500 \
                --checkpoint-every 0 --threads 1 --out "$W/g104-md-$T" 2>"$W/g104-md-$T.log"
        for f in 5 12; do
            $AION convert "$W/g104-md-$T/traj.xyz" "$W/g104.xyz" --append --frames "$f" --keep none \
                --info "config_type=glass104_${T}K_${f}ps" 2>/dev/null
        done
    done
    label "$W/g104.xyz" "$W/g104-pbe.xyz" "$W/w-g104" 2 --template "$TPL" --set kpoints=gamma
    $AION eval --potential "$POT" --species Li,P,O --in "$W/g104-pbe.xyz" --out "$W/g104-mtp.xyz" >/dev/null 2>&1
    for k in 0 1 2 3; do
        /usr/bin/python3 examples/interface/field.py "$W/g104-pbe.xyz" "$W/g104-mtp.xyz" --frame $k | sed -n 2p
    done
    ;;
iface280)
    [ -f "$R/md-700/traj.xyz" ] || { echo "run examples/interface/run.sh first (W=$R, see docs/interface.md)" >&2; exit 1; }
    sed 's/^    &END SCF$/    \&END SCF\n    \&PRINT\n      \&HIRSHFELD ON\n      \&END HIRSHFELD\n      \&V_HARTREE_CUBE ON\n        STRIDE 2 2 2\n      \&END V_HARTREE_CUBE\n    \&END PRINT/' \
        "$TPL" >"$W/pbe-charges.inp"
    $AION convert "$R/if100.xyz" "$W/built.xyz" --keep none --info config_type=audit_iface280_built 2>/dev/null
    $AION convert "$R/md-700/traj.xyz" "$W/f700.xyz" --frames -1 --keep none --info config_type=audit_iface280_700K 2>/dev/null
    FR="built f700"
    for T in 600 800; do
        [ -f "$RR/md-$T/traj.xyz" ] || continue
        $AION convert "$RR/md-$T/traj.xyz" "$W/rigid$T.xyz" --frames -1 --keep none \
            --info "config_type=audit_iface280_rigid${T}K" 2>/dev/null
        FR="$FR rigid$T"
    done
    for f in $FR; do
        O=$R/if100.xyz
        case $f in rigid*) O=$RR/if100.xyz ;; esac
        label "$W/$f.xyz" "$W/$f-pbe.xyz" "$W/w-$f" 2 --template "$W/pbe-charges.inp" --keep
        $AION eval --potential "$POT" --species Li,P,O --in "$W/$f-pbe.xyz" --out "$W/$f-mtp.xyz" >/dev/null 2>&1
        /usr/bin/python3 examples/interface/field.py "$W/$f-pbe.xyz" "$W/$f-mtp.xyz" --origin "$O" \
            --cp2k-out "$W/w-$f/jobs/s000000/cp2k.out" --cube "$W/w-$f/jobs/s000000/aion-v_hartree-1_0.cube"
    done
    ;;
replicas)
    for rt in $AUDIT_REPS; do
        s=${rt%:*} T=${rt#*:}
        [ -f "$BASE/$s/md-$T/final.xyz" ] || { echo "no finished run $BASE/$s/md-$T (run replicas.sh first)" >&2; exit 1; }
        O=$(ls "$BASE/$s"/if1*.xyz | head -1)
        F=$(basename "$O" .xyz | sed 's/^if/li/')
        r=rep$TAG-$s-$T
        $AION convert "$BASE/$s/md-$T/traj.xyz" "$W/$r.xyz" --frames -1 --keep none \
            --info "config_type=audit_iface280_${F}${TAG}_rigid_${s}_${T}K" 2>/dev/null
        label "$W/$r.xyz" "$W/$r-pbe.xyz" "$W/w-$r" 2 --template "$TPL"
        $AION eval --potential "$POT" --species "$SPECIES" --in "$W/$r-pbe.xyz" --out "$W/$r-mtp.xyz" >/dev/null 2>&1
        /usr/bin/python3 examples/interface/field.py "$W/$r-pbe.xyz" "$W/$r-mtp.xyz" --origin "$O"
    done
    ;;
collect)    # append the held-out labels to $OUTF, each config_type once
    if [ -n "$TAG" ]; then
        FILES=$(ls "$W"/rep"$TAG"-*-pbe.xyz 2>/dev/null || true)
    else
        FILES="$W/g104-pbe.xyz $W/built-pbe.xyz $W/f700-pbe.xyz $W/rigid600-pbe.xyz $W/rigid800-pbe.xyz $(ls "$W"/rep-*-pbe.xyz)"
    fi
    touch "$OUTF"
    for f in $FILES; do
        [ -f "$f" ] || continue
        /usr/bin/python3 - "$f" "$OUTF" <<'EOF'
import re, sys
have = set(re.findall(r'config_type=(\S+)', open(sys.argv[2]).read()))
lines, out, i = open(sys.argv[1]).read().splitlines(True), [], 0
while i < len(lines):
    n = int(lines[i])
    if re.search(r'config_type=(\S+)', lines[i + 1]).group(1) not in have:
        out += lines[i:i + 2 + n]
    i += 2 + n
open(sys.argv[2], 'a').writelines(out)
print(f'{sys.argv[1]}: {sum(1 for l in out if "config_type=" in l)} frames appended')
EOF
    done
    ;;
*) echo "unknown stage $S (kmesh, glass104, iface280, replicas, collect)" >&2; exit 1 ;;
esac; done
