#!/bin/sh
# Li(100) || Li3PO4 glass: MTP MD at several temperatures and z-resolved Li diffusivity
# (docs/interface.md). Needs the potential from train.sh (POT, default out/interface/train/pot.mtp,
# with its active set pot.als for the extrapolation grade).
#   1. glass: 208 atoms of Li3PO4 (26 formula units) at 2.4 g/cm3 in a 10.32 x 10.32 A cell (3 x 3
#      Li(100) surface cells at a = 3.44 A, so the metal is not strained), Pedone melt-quench at fixed
#      cell (NVT: 3000 K for 5 ps, 1000 K/ps, 3 ps at 300 K).
#   2. Li(100), 8 planes (72 atoms) || glass, 2.0 A gaps, periodic (two interfaces): 280 atoms.
#   3. NVT (CSVR, tau 100 fs, dt 1 fs) with the MTP at each of TEMPS for TIME ps from the built structure
#      (no FIRE relaxation: with the potential of train.sh it drops a glass Li onto a P at 0.88 A);
#      the metal's 4 inner planes are frozen (they keep a = 3.44 A; the xTB-trained metal would
#      otherwise expand, docs/interface.md); FREEZE=all freezes all 8 planes (a rigid Li(100) wall;
#      docs/interface.md, "A rigid metal"); the extrapolation grade every 50 steps (grade.csv).
#      The run stops when the grade passes GRADE_STOP (default 50).
#   4. aion analyze slab on Li with the edges printed by the builder (metal | interface 1 | bulk glass |
#      interface 2), frames after EQUIL ps -- only for runs that finished with a grade below GRADE_OK
#      (default 5) throughout; otherwise the run is reported as unreliable and not analysed.
#   ZRELAX=PS: before each production run, PS ps of NPT with only the cell height free (aion md
#   --ensemble npt --cell z, P = 0, same frozen planes), so the glass takes the normal stress the metal
#   and the potential give it; the production starts from there with the slab edges stretched by the
#   same factor, and the freeze window too (the barostat scales the frozen planes' heights with the
#   rest). SPECIES: the potential's elements (default Li,P,O,N; Li,P,O for learn-pbe.sh's).
# With the potential of train.sh every run stops after 0.25-0.35 ps (docs/interface.md).
# One thread, nice; TIME=20 TEMPS="600 700 800" takes about 1-2 h on one loaded core.
set -e
cd "$(dirname "$0")/../.."
AION=./build/aion
POT=${POT:-out/interface/train/pot.mtp}
SPECIES=${SPECIES:-Li,P,O,N}
ZRELAX=${ZRELAX:-0}
TIME=${TIME:-20}
EQUIL=${EQUIL:-2}
TEMPS=${TEMPS:-600 700 800}
GRADE_STOP=${GRADE_STOP:-50}
GRADE_OK=${GRADE_OK:-5}
W=${W:-out/interface/run}
mkdir -p "$W"
[ -f "$W/glass/glass.xyz" ] ||
    $AION quench --composition Li3PO4 --atoms 208 --density 2.4 --lateral 10.32,10.32 --ensemble nvt-csvr \
        --seed 71 --t-start 300 --equil 0.5 --t-melt 3000 --rate 1000 --hold 5 --final-time 3 --traj none \
        --checkpoint-every 0 --threads 1 --out "$W/glass" 2>"$W/quench.log"
$AION build interface --glass "$W/glass/glass.xyz" --face 100 --layers 8 --gap 2.0 --out "$W/if100.xyz" \
    >"$W/edges.txt" 2>"$W/build.log"
cat "$W/build.log"
EDGES=$(sed -n 's/^--edges \([^ ]*\).*/\1/p' "$W/edges.txt")
# inner planes: 3rd to 6th of 8 (heights from interface_metal_z_A = lo,hi; spacing 1.72 A)
ZLO=$(sed -n 's/.*interface_metal_z_A=\([0-9.]*\),.*/\1/p' "$W/if100.xyz" | head -1)
if [ "${FREEZE:-inner}" = all ]; then
    FLO=$(echo "$ZLO - 0.3" | bc -l)
    FHI=$(echo "$ZLO + 7 * 1.72 + 0.3" | bc -l)
else
    FLO=$(echo "$ZLO + 2 * 1.72 - 0.3" | bc -l)
    FHI=$(echo "$ZLO + 5 * 1.72 + 0.3" | bc -l)
fi
for T in $TEMPS; do
    D=$W/md-$T
    START=$W/if100.xyz
    TEDGES=$EDGES
    if [ "$ZRELAX" != 0 ]; then
        Z=$W/zrelax-$T
        if [ ! -f "$Z/final.xyz" ]; then
            R=""
            [ -f "$Z/checkpoint.bin" ] && R=--restart
            nice $AION md --in "$W/if100.xyz" --potential "$POT" --species "$SPECIES" --ensemble npt --cell z \
                --press 0 --temp "$T" --time "$ZRELAX" --dt 1 --seed "$((T + 1))" --freeze-zlo "$FLO" --freeze-zhi "$FHI" \
                --grade --grade-every 50 --grade-stop "$GRADE_STOP" --traj-every 100 --thermo-every 50 \
                --checkpoint-every 2000 --threads 1 --out "$Z" $R >"$Z.log" 2>&1 || true
        fi
        if [ ! -f "$Z/final.xyz" ]; then
            echo "== $T K: the NPT (cell z) relaxation did not finish: $(grep -h 'stopped' "$Z.log" | tail -1)"
            continue
        fi
        START=$Z/final.xyz
        # the cell height's stretch, applied to the slab edges and to the freeze window (the barostat
        # scales every height, the frozen planes' too; with the unscaled window the top plane of an
        # 800 K run was left free)
        S=$(/usr/bin/python3 -c "
import sys, re
c = [float(re.search(r'Lattice=\"([^\"]*)\"', open(f).readlines()[1]).group(1).split()[8]) for f in sys.argv[1:]]
print(c[1] / c[0])" "$W/if100.xyz" "$START")
        TEDGES=$(echo "$EDGES" | awk -v s="$S" -F, '{for (i = 1; i <= NF; i++) printf "%s%.4f", (i > 1 ? "," : ""), $i * s}')
        PFLO=$(awk -v s="$S" -v lo="$FLO" -v hi="$FHI" 'BEGIN {printf "%.4f %.4f", lo * s, hi * s}')
        echo "== $T K: cell height $(sed -n 's/^final: .*V \([0-9.]*\) .*/V \1 A^3/p' "$Z.log" | tail -1) after $ZRELAX ps of NPT (cell z); edges $TEDGES"
    else
        PFLO="$FLO $FHI"
    fi
    if [ ! -f "$D/final.xyz" ]; then
        R=""
        [ -f "$D/checkpoint.bin" ] && R=--restart
        nice $AION md --in "$START" --potential "$POT" --species "$SPECIES" --ensemble nvt-csvr --temp "$T" \
            --time "$TIME" --dt 1 --seed "$T" --freeze-zlo "${PFLO% *}" --freeze-zhi "${PFLO#* }" \
            --grade --grade-every 50 --grade-stop "$GRADE_STOP" --traj-every 50 --thermo-every 50 --checkpoint-every 2000 --threads 1 \
            --out "$D" $R 2>"$D.log" || true
    fi
    GMAX=$(awk -F, 'NR > 1 && $3 > m {m = $3} END {print m + 0}' "$D/grade.csv")
    if [ ! -f "$D/final.xyz" ] || [ "$(echo "$GMAX > $GRADE_OK" | bc)" = 1 ]; then
        echo "== $T K: NOT ANALYSED: extrapolation grade reached $GMAX (limit $GRADE_OK); $(grep -h 'stopped' "$D.log" | tail -1)"
        continue
    fi
    FIRST=$(echo "$EQUIL * 1000 / 50" | bc)
    $AION analyze slab --traj "$D/traj.xyz" --species Li --edges "$TEDGES" --first "$FIRST" --temperature "$T" \
        --out "$W/slab-$T" >"$W/slab-$T.txt" 2>&1 || true
    echo "== $T K: grade max $GMAX"
    cat "$W/slab-$T.txt"
done
