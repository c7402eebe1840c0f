#!/bin/sh
# Li(100) (or Li(110)) || Li3PO4 glass: MTP MD at several temperatures and z-resolved Li diffusivity
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
#   rest). DILATE (aion md --dilate): mobile by default with FREEZE=all -- the frozen metal keeps its
#   positions and plane spacing, only the glass is rescaled, the slab edges keep their distance to the
#   metal faces (the upper two move with the cell top) and the freeze window stays; all otherwise (the
#   earlier behaviour: every height scaled, edges and window stretched with the cell).
#   SPECIES: the potential's elements (default Li,P,O,N; Li,P,O for learn-pbe.sh's).
#   FACE=110: a Li(110) metal instead (6 planes 2.43 A apart, 3 x 2 surface cells of 3.44 x 4.86 A = 72
#   atoms; the glass made in a 10.32 x 9.73 A cell so the metal is not strained; output if110.xyz).
#   SEED: the glass's melt-quench seed (default 71); the MD seeds are T + 1000 (SEED - 71), so SEED=71
#   repeats the earlier runs and other seeds make independent replicas (replicas.sh).
#   NSUB=K (even): a LiPON-like glass (docs/interface.md, "Nitrogen in the glass"): after the Pedone
#   quench, K O are replaced by N and K/2 further O removed (3 O2- -> 2 N3-; K = 12 gives Li78 P26 O86 N12
#   = Li3PO3.31N0.46, near LiPON films' Li2.9PO3.3N0.46), then annealed at fixed cell as the N training glasses
#   were (make-data-pbe-n.sh): 2 ps NVT at 1000 K with the GFN1-xTB LiPON potential (potentials/lipon-
#   xtb-d.mtp), which relaxes the N sites and O vacancies the substitution leaves (the PBE potential
#   never saw those: started from them it collapses within 0.2 ps), then 5 ps at 1000 K with POT (which
#   must know N; grade watched) and a cooling to 300 K over 1.4 ps.
#   CONTACT_DATA=TRAIN.xyz: the close-contact guard on every MD stage (aion md --contact-stop, default
#   CONTACT_STOP=0.9 x the closest pair of each species pair in TRAIN.xyz, the potential's training data):
#   a run that brings a pair closer stops there, named, instead of going on into a hole the grade may
#   not see (docs/interface.md, "The MTP + QEq blow-up is a Li-Li hole").
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
SEED=${SEED:-71}
FACE=${FACE:-100}
case $FACE in
100) LAT=10.32,10.32 LAYERS=8 SP=1.72 ;;
110) LAT=10.32,9.7295 LAYERS=6 SP=2.4324 ;;
*) echo "FACE must be 100 or 110" >&2; exit 1 ;;
esac
IF=$W/if$FACE.xyz
FREEZE=${FREEZE:-inner}
CG=""
[ -n "${CONTACT_DATA:-}" ] && CG="--contact-stop ${CONTACT_STOP:-0.9} --contact-data $CONTACT_DATA"
if [ "$FREEZE" = all ]; then DILATE=${DILATE:-mobile}; else DILATE=${DILATE:-all}; fi
MSEED=$((1000 * (SEED - 71)))
mkdir -p "$W"
[ -f "$W/glass/glass.xyz" ] ||
    $AION quench --composition Li3PO4 --atoms 208 --density 2.4 --lateral "$LAT" --ensemble nvt-csvr \
        --seed "$SEED" --t-start 300 --equil 0.5 --t-melt 3000 --rate 1000 --hold 5 --final-time 3 --traj none \
        --checkpoint-every 0 --threads 1 --out "$W/glass" 2>"$W/quench.log"
GLASS=$W/glass/glass.xyz
NSUB=${NSUB:-0}
if [ "$NSUB" != 0 ]; then
    if [ ! -f "$W/nglass-cool/final.xyz" ]; then
        $AION convert "$GLASS" "$W/nsub.xyz" --substitute "O:N:$NSUB" --remove "O:$((NSUB / 2))" --seed "$SEED" \
            --keep none 2>/dev/null
        nice $AION md --in "$W/nsub.xyz" --potential potentials/lipon-xtb-d.mtp --species Li,P,O,N \
            --ensemble nvt-csvr --temp 1000 --time 2 --dt 1 --seed "$SEED" --traj-every 500 --thermo-every 100 \
            --checkpoint-every 0 --threads 1 --out "$W/nglass-xtb" >"$W/nglass-xtb.log" 2>&1
        nice $AION md --in "$W/nglass-xtb/final.xyz" --potential "$POT" --species "$SPECIES" --ensemble nvt-csvr \
            --temp 1000 --time 5 --dt 1 --seed "$SEED" --grade --grade-every 50 --grade-stop "$GRADE_STOP" --traj-every 500 \
            --thermo-every 100 --checkpoint-every 0 --threads 1 --out "$W/nglass" >"$W/nglass.log" 2>&1
        nice $AION md --in "$W/nglass/final.xyz" --potential "$POT" --species "$SPECIES" --ensemble nvt-csvr \
            --temp 1000 --temp-end 300 --time 1.4 --dt 1 --seed "$((SEED + 1))" --grade --grade-every 50 \
            --grade-stop "$GRADE_STOP" --traj-every 700 --thermo-every 100 --checkpoint-every 0 --threads 1 \
            --out "$W/nglass-cool" >"$W/nglass-cool.log" 2>&1
    fi
    echo "== N-substituted glass: $($AION info "$W/nglass-cool/final.xyz" | sed -n 's/^  composition  //p'), grade max $(cat "$W/nglass/grade.csv" "$W/nglass-cool/grade.csv" | awk -F, '$3 + 0 > m {m = $3} END {print m + 0}') while annealing"
    GLASS=$W/nglass-cool/final.xyz
fi
$AION build interface --glass "$GLASS" --face "$FACE" --layers "$LAYERS" --gap 2.0 --out "$IF" \
    >"$W/edges.txt" 2>"$W/build.log"
cat "$W/build.log"
EDGES=$(sed -n 's/^--edges \([^ ]*\).*/\1/p' "$W/edges.txt")
# frozen planes: all, or the inner ones (3rd to 6th of 8, 3rd to 4th of 6); heights from
# interface_metal_z_A = lo,hi and the plane spacing SP
ZLO=$(sed -n 's/.*interface_metal_z_A=\([0-9.]*\),.*/\1/p' "$IF" | head -1)
if [ "$FREEZE" = all ]; then
    FLO=$(echo "$ZLO - 0.3" | bc -l)
    FHI=$(echo "$ZLO + ($LAYERS - 1) * $SP + 0.3" | bc -l)
else
    FLO=$(echo "$ZLO + 2 * $SP - 0.3" | bc -l)
    FHI=$(echo "$ZLO + ($LAYERS - 3) * $SP + 0.3" | bc -l)
fi
for T in $TEMPS; do
    D=$W/md-$T
    START=$IF
    TEDGES=$EDGES
    if [ "$ZRELAX" != 0 ]; then
        Z=$W/zrelax-$T
        if [ ! -f "$Z/final.xyz" ]; then
            R=""
            [ -f "$Z/checkpoint.bin" ] && R=--restart
            nice $AION md --in "$IF" --potential "$POT" --species "$SPECIES" --ensemble npt --cell z \
                --press 0 --temp "$T" --time "$ZRELAX" --dt 1 --seed "$((T + 1 + MSEED))" --freeze-zlo "$FLO" --freeze-zhi "$FHI" \
                --dilate "$DILATE" \
                --grade --grade-every 50 --grade-stop "$GRADE_STOP" --traj-every 100 --thermo-every 50 \
                --checkpoint-every 2000 --threads 1 --out "$Z" $R $CG >"$Z.log" 2>&1 || true
        fi
        if [ ! -f "$Z/final.xyz" ]; then
            echo "== $T K: the NPT (cell z) relaxation did not finish: $(grep -h 'stopped' "$Z.log" | tail -1)"
            continue
        fi
        START=$Z/final.xyz
        # the cell height before and after
        C=$(/usr/bin/python3 -c "
import sys, re
c = [float(re.search(r'Lattice=\"([^\"]*)\"', open(f).readlines()[1]).group(1).split()[8]) for f in sys.argv[1:]]
print(c[0], c[1])" "$IF" "$START")
        if [ "$DILATE" = mobile ]; then
            # the metal did not move: edges keep their distance to its faces, the upper two (interface 2
            # and the cell top, next to the metal's periodic image) move with the top; window unchanged
            TEDGES=$(echo "$EDGES" | awk -v c0="${C% *}" -v c1="${C#* }" -F, '{for (i = 1; i <= NF; i++) printf "%s%.4f", (i > 1 ? "," : ""), $i + (i > NF - 2 ? c1 - c0 : 0)}')
            PFLO="$FLO $FHI"
        else
            # the barostat scaled every height, the frozen planes' too (with the unscaled window the top
            # plane of an 800 K run was left free): edges and window stretched with the cell
            S=$(echo "${C#* } / ${C% *}" | bc -l)
            TEDGES=$(echo "$EDGES" | awk -v s="$S" -F, '{for (i = 1; i <= NF; i++) printf "%s%.4f", (i > 1 ? "," : ""), $i * s}')
            PFLO=$(awk -v s="$S" -v lo="$FLO" -v hi="$FHI" 'BEGIN {printf "%.4f %.4f", lo * s, hi * s}')
        fi
        echo "== $T K: cell height $(sed -n 's/^final: .*V \([0-9.]*\) .*/V \1 A^3/p' "$Z.log" | tail -1) after $ZRELAX ps of NPT (cell z); edges $TEDGES"
    else
        PFLO="$FLO $FHI"
    fi
    if [ ! -f "$D/final.xyz" ]; then
        R=""
        [ -f "$D/checkpoint.bin" ] && R=--restart
        nice $AION md --in "$START" --potential "$POT" --species "$SPECIES" --ensemble nvt-csvr --temp "$T" \
            --time "$TIME" --dt 1 --seed "$((T + MSEED))" --freeze-zlo "${PFLO% *}" --freeze-zhi "${PFLO#* }" \
            --grade --grade-every 50 --grade-stop "$GRADE_STOP" --traj-every 50 --thermo-every 50 --checkpoint-every 2000 --threads 1 \
            --out "$D" $R $CG 2>"$D.log" || true
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
