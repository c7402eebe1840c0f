#!/bin/sh
# One active-learning round for the shipped Li-P-O(-N) MTP, with aion's own commands only
# (docs/verification.md, "Shipped MTP"; the automated loop is `aion learn`).
#
#   examples/potential/active-round.sh R      (R = 1, 2, ...; run from the repository root after `make`)
#
# Round R starts from out/potential/al/r$((R-1)).mtp (r0.mtp = the potential of train.sh's first step) and
#  1. runs NVT MD (CSVR) from four 64/62-atom training glasses (Li3PO4 at 2.4 and 2.2 g/cm3, Li3PO3.25N0.5 at
#     2.4 and 2.2) at 600, 1200 and 2000 K for up to $MDPS ps with the extrapolation grade checked every 10
#     steps; a run stops when the grade exceeds $STOP (aion md --grade-stop, exit status 4);
#  2. pools the trajectory frames (every 10 steps; those from the first grade above $CAP on are left out)
#     and picks at most $MAX configurations with grade > 2 by
#     MaxVol (aion select);
#  3. labels them with GFN1-xTB (aion label, examples/dataset/xtb-nocheck.inp, one CP2K job at a time)
#     and keeps those whose Mulliken charges and energies are sane (examples/dataset/check-charges.py, with
#     Li charges up to 1.3 e: configurations with a Li pressed against P or O, which the MTP must learn,
#     carry 1.2-1.3 e at ordinary energies);
#  4. appends them to examples/data/lipon-xtb-al.xyz and retrains from r$((R-1)).mtp (--init) on
#     lipon-xtb-train.xyz + lipon-xtb-al.xyz, writing out/potential/al/rR.mtp (+ .als, report).
# One line per round goes to out/potential/al/rounds.csv. Every step can be interrupted and run again
# (aion label keeps finished labels; finished steps are skipped).
set -eu
R=$1
P=$((R - 1))
AION=${AION:-build/aion}
MDPS=${MDPS:-10}
STOP=${STOP:-5}
CAP=${CAP:-50}
MAX=${MAX:-14}
ITER=${ITER:-120}
D=out/potential/al
W=$D/round$R
mkdir -p "$W"
[ -f "$D/r$P.mtp" ] || { echo "active-round.sh: $D/r$P.mtp missing" >&2; exit 1; }
SP=Li,P,O,N
TRAIN=examples/data/lipon-xtb-train.xyz
AL=examples/data/lipon-xtb-al.xyz
[ -f "$AL" ] || : > "$AL"

# 1. MD with the grade watched: start frames 72 (quench_d2.4, 300 K glass), 86 (glass1000K_d2.2),
#    105 (lipon_d2.4), 101 (lipon_d2.2) of the training set
if [ ! -f "$W/md.done" ]; then
    : > "$W/md.txt"
    for f in 72 86 105 101; do
        "$AION" convert "$TRAIN" "$W/start$f.xyz" --frames "$f" 2>/dev/null
        for T in 600 1200 2000; do
            o=$W/md-$f-$T
            rc=0
            nice "$AION" md --in "$W/start$f.xyz" --potential "$D/r$P.mtp" --species $SP --ensemble nvt-csvr \
                --temp "$T" --tau-t 50 --time "$MDPS" --seed "$R$f" --threads 1 --out "$o" --traj-every 10 \
                --thermo-every 10 --grade --grade-every 10 --grade-stop "$STOP" >"$o.log" 2>&1 || rc=$?
            [ "$rc" = 0 ] || [ "$rc" = 4 ] || { echo "md $f $T failed (rc $rc), see $o.log" >&2; exit 1; }
            last=$(tail -1 "$o/grade.csv" | cut -d, -f1)
            gmax=$(awk -F, 'NR>1 && $3>m{m=$3} END{print m}' "$o/grade.csv")
            echo "start $f T $T: steps $last, max grade $gmax, $( [ "$rc" = 4 ] && echo stopped || echo completed)" >>"$W/md.txt"
        done
    done
    touch "$W/md.done"
fi
cat "$W/md.txt"

# 2. pool and select
if [ ! -f "$W/selected.xyz" ]; then
    rm -f "$W/pool.xyz"
    # frames up to (not including) the first step with grade > $CAP: beyond that the MTP has already
    # run into a hole (atoms ~1 A apart) and the configuration says nothing about the glass
    for o in "$W"/md-*/; do
        cut=$(awk -F, -v c="$CAP" '$1!="step" && $3+0>c {print $1/10; exit}' "$o/grade.csv")
        "$AION" convert "$o/traj.xyz" "$W/pool.xyz" --append --frames "0:${cut:-}" 2>/dev/null
    done
    "$AION" select --potential "$D/r$P.mtp" --species $SP --pool "$W/pool.xyz" --threshold 2 --max "$MAX" \
        --out "$W/selected.tmp.xyz" >"$W/select.log" 2>&1
    mv "$W/selected.tmp.xyz" "$W/selected.xyz"
fi
nsel=$(grep -c Lattice "$W/selected.xyz" || true)
npool=$(grep -c Lattice "$W/pool.xyz" || true)

# 3. label (xTB, charge check off, Mulliken charges kept) and check
if [ ! -f "$W/accepted.txt" ]; then
    nice "$AION" label --in "$W/selected.xyz" --out "$W/labelled.xyz" --template examples/dataset/xtb-nocheck.inp \
        --keep --jobs 1 --threads-per-job 1 >"$W/label.log" 2>&1 || echo "some labels failed: $W/labelled.xyz.work/failures.txt" >&2
    /usr/bin/python3 examples/dataset/check-charges.py --li-max 1.3 "$W/labelled.xyz.work" "$W/labelled.xyz" "$TRAIN" \
        >"$W/accepted.txt.tmp" 2>"$W/check.log"
    mv "$W/accepted.txt.tmp" "$W/accepted.txt"
fi
nlab=$(grep -c Lattice "$W/labelled.xyz" || true)
nacc=$(wc -l <"$W/accepted.txt")

# 4. append (once) and retrain from the previous potential
if [ ! -f "$W/appended" ]; then
    for k in $(cat "$W/accepted.txt"); do
        "$AION" convert "$W/labelled.xyz" "$AL" --append --frames "$k" --info "config_type=al_round$R" 2>/dev/null
    done
    touch "$W/appended"
fi
if [ ! -f "$D/r$R.mtp" ]; then
    cat "$TRAIN" "$AL" >"$W/train-all.xyz"
    nice "$AION" train --train "$W/train-all.xyz" --test examples/data/lipon-xtb-test.xyz --species $SP \
        --init "$D/r$P.mtp" --weights 1,0.01,0 --max-iter "$ITER" --tol 0 --seed 1 --threads 1 \
        --out "$W/pot.mtp" --report "$W/report" >"$W/train.log" 2>&1
    cp "$W/pot.mtp" "$D/r$R.mtp.tmp" && cp "$W/pot.als" "$D/r$R.als" && mv "$D/r$R.mtp.tmp" "$D/r$R.mtp"
fi
ntot=$(grep -c Lattice "$AL" || true)
[ -f "$D/rounds.csv" ] || echo "round,md_runs_stopped,max_grade,pool,selected,labelled,accepted,al_total" >"$D/rounds.csv"
grep -q "^$R," "$D/rounds.csv" || echo "$R,$(grep -c stopped "$W/md.txt"),$(cat "$W"/md-*/grade.csv | awk -F, '$1!="step" && $3+0>m{m=$3+0} END{print m}'),$npool,$nsel,$nlab,$nacc,$ntot" >>"$D/rounds.csv"
tail -1 "$D/rounds.csv"
