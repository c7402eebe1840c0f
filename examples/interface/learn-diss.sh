#!/bin/sh
# The audited loop on Li-excess glass, then the bulk glass and Li-Li contacts (learn-diss.yaml;
# docs/interface.md, "The audited loop on Li-excess glass"). diss.sh showed by hand that Li-excess glass cells
# fix most of the free-metal error but shift the stoichiometric bulk glass by +12..+20 meV/atom. This
# runs aion learn with Li-excess and stoichiometric glass tasks and the energy check (one configuration
# per task labelled whatever its grade), then adds what the loop's small cells do not hold. Steps:
#   data     the 46 seed frames (diss.sh's ctlDX set, from examples/data) and the five Li-excess start
#            cells (excess.py on the 48-atom PBE glasses)
#   learn    aion learn --run-file learn-diss.yaml (resumable), out/interface/learn-diss/run; its
#            labels go to examples/data/li-interface-pbe-excess-al.xyz (the 10 added to the data) and
#            -excess-test.xyz (the last iteration's audits, not in the data: a test)
#   glass    three 104-atom Li3PO4 glasses as audit-pbe.sh glass104 makes its held-out ones (Pedone
#            melt-quench at 2.4 g/cm3, here seeds 93 and 94; the audit's is 72), 5 ps NVT with the loop's
#            final potential at 600/800 K (seed 93) and 700 K (seed 94), the last frames labelled at
#            Gamma as the audit's (examples/data/li-interface-pbe-glass104.xyz)
#   refit    with each of SEEDS, the loop's training settings on: the loop's final data (al, 56 frames,
#            rebuilt from examples/data), + the three 104-atom glasses (alG), + lili.sh's four Li-Li
#            contact labels (alGC, examples/data/li-interface-pbe-lili.xyz); each evaluated on the 12
#            held-out PBE audit frames and on -excess-test.xyz
#   md       the free-metal model of qeq.sh md (seed-71 glass, 5 ps NPT + 40 ps NVT at 600 K) with each
#            seed's refit of MD_VARIANTS (default al alG alGC), with the close-contact guard (run.sh
#            CONTACT_DATA: the variant's data); and LONG ps (default 200) with seed 2 of LONG_VARIANT
#   report   the tables of docs/interface.md
# Work in out/interface/learn-diss (W). Run again after an interruption and it continues. Times here (2
# cores): learn ~75 min (17 PBE labels of 48-54 atoms, 5-13 min each on one thread), glass ~30 min,
# refit ~1 min per fit, md ~1 min per 45 ps run.
set -e
cd "$(dirname "$0")/../.."
W=${W:-out/interface/learn-diss}
R=$W/run
SEEDS=${SEEDS:-2 3 4 5}
LONG=${LONG:-200}
LONG_VARIANT=${LONG_VARIANT:-alGC}
AUDIT=examples/data/li-interface-pbe-audit.xyz
XAL=examples/data/li-interface-pbe-excess-al.xyz
XTEST=examples/data/li-interface-pbe-excess-test.xyz
G104=examples/data/li-interface-pbe-glass104.xyz
LILI=examples/data/li-interface-pbe-lili.xyz
TRAIN="--species Li,P,O --level 12 --cutoff 5 --zbl 0.6,1.4 --max-iter 1500 --threads 2 --quiet"
STEPS=${1:-data learn glass refit md report}
[ -x ./build/aion ] || make -j2 >/dev/null
mkdir -p "$W/start"
. examples/interface/common.sh

for step in $STEPS; do case $step in
data)
    data38 "$W/data38.xyz"
    cat_data data46.xyz "$W/data38.xyz" examples/data/li-interface-pbe-diss.xyz examples/data/li-interface-pbe-excess.xyz
    for fkv in 8:3:12 6:6:12 11:1:12 7:4:12 9:2:8; do   # glass frame : added Li : A^3 per added Li
        f=${fkv%%:*} v=${fkv##*:} k=${fkv#*:}; k=${k%:*}
        [ -f "$W/start/x$f-$k.xyz" ] || /usr/bin/python3 examples/interface/excess.py examples/data/li-interface-pbe.xyz \
            "$W/start/x$f-$k.xyz" --frame "$f" --add "$k" --volume "$v" >/dev/null
    done
    ;;
learn)
    ./build/aion learn --run-file examples/interface/learn-diss.yaml --out "$R" >>"$W/learn.log" 2>&1 ||
        { tail -5 "$W/learn.log" >&2; exit 1; }
    n=$(grep -c Lattice "$W/data46.xyz")
    ./build/aion convert "$R/dataset.xyz" "$XAL" --frames "$n:" 2>/dev/null
    last=$(ls -d "$R"/iter-* | tail -1)
    cp "$last/labelled.xyz" "$XTEST"
    ;;
glass)
    if [ ! -f "$W/g104.xyz" ]; then
        for gs in 93 94; do
            g=$W/g104-s$gs
            [ -f "$g/glass.xyz" ] || ./build/aion quench --composition Li3PO4 --atoms 104 --density 2.4 --ensemble nvt-csvr \
                --seed "$gs" --t-start 300 --equil 0.5 --t-melt 3000 --rate 1000 --hold 5 --final-time 3 --traj none \
                --checkpoint-every 0 --threads 1 --out "$g" 2>"$g.log"
        done
        for gt in 93:600 93:800 94:700; do
            gs=${gt%:*} T=${gt#*:} d=$W/g104-s${gt%:*}-${gt#*:}
            [ -f "$d/final.xyz" ] || ./build/aion md --in "$W/g104-s$gs/glass.xyz" --potential "$R/final.mtp" --species Li,P,O \
                --ensemble nvt-csvr --temp "$T" --time 5 --dt 1 --seed "$T" --grade --grade-every 50 --traj-every 1000 \
                --thermo-every 500 --checkpoint-every 0 --threads 1 --out "$d" 2>"$d.log"
            ./build/aion convert "$d/final.xyz" "$W/g.tmp.xyz" --append --keep none \
                --info "config_type=glass104_s${gs}_${T}K_5ps" 2>/dev/null
        done
        mv "$W/g.tmp.xyz" "$W/g104.xyz"
    fi
    ./build/aion label --in "$W/g104.xyz" --out "$W/g104-pbe.xyz" --method pbe --jobs 2 --threads-per-job 1 \
        --workdir "$W/w-g104" --template examples/interface/pbe-metal.inp --set kpoints=gamma
    if [ "$(grep -c Lattice "$W/g104-pbe.xyz")" = 3 ]; then cp "$W/g104-pbe.xyz" "$G104"; fi
    ;;
refit)
    [ -f "$XAL" ] && [ -f "$XTEST" ] || { echo "learn-diss.sh: no loop labels yet (step learn)" >&2; exit 1; }
    data38 "$W/data38.xyz"
    cat_data data56.xyz "$W/data38.xyz" examples/data/li-interface-pbe-diss.xyz examples/data/li-interface-pbe-excess.xyz "$XAL"
    refit_audit al "$W/data56.xyz"
    if [ -f "$G104" ]; then
        cat_data data59g.xyz "$W/data56.xyz" "$G104"
        refit_audit alG "$W/data59g.xyz"
        if [ -f "$LILI" ]; then
            cat_data data63gc.xyz "$W/data59g.xyz" "$LILI"
            refit_audit alGC "$W/data63gc.xyz"
        fi
    fi
    for v in al alG alGC; do for s in $SEEDS; do
        [ -f "$W/$v-s$s.mtp" ] || continue
        [ -f "$W/$v-s$s-test.xyz" ] || ./build/aion eval --potential "$W/$v-s$s.mtp" --species Li,P,O \
            --in "$XTEST" --out "$W/$v-s$s-test.xyz" --threads 2 2>/dev/null
    done; done
    ;;
md)
    for v in ${MD_VARIANTS:-al alG alGC}; do
        d=$W/data56.xyz
        [ "$v" = alG ] && d=$W/data59g.xyz
        [ "$v" = alGC ] && d=$W/data63gc.xyz
        CONTACT_DATA=$d   # run.sh's close-contact guard (0.9 x the data's closest pairs)
        export CONTACT_DATA
        for s in $SEEDS; do
            if [ -f "$W/$v-s$s.mtp" ]; then free_metal_md "$v-s$s"; fi
        done
    done
    d=$W/long-$LONG_VARIANT-s2
    if [ -f "$W/$LONG_VARIANT-s2.mtp" ] && [ ! -f "$d/md-600/final.xyz" ]; then
        POT="$W/$LONG_VARIANT-s2.mtp" SPECIES=Li,P,O TIME=$LONG EQUIL=4 ZRELAX=5 TEMPS=600 W="$d" \
            sh examples/interface/run.sh >"$d.log" 2>&1
    fi
    ;;
report)
    grep -E '^aion: \[iter [0-9]+\] (train: training RMSE|md-0[0-9]: [0-9]+ of|select: [0-9]|learn: energy check)' \
        "$W/learn.log" 2>/dev/null || true
    echo "the loop's labels against the potential that ran the MD (E_MTP - E_PBE, meV/atom)"
    for i in "$R"/iter-*; do
        for f in "$i"/label/results/*.xyz; do
            [ -f "$f" ] || continue
            ./build/aion eval --potential "$i/pot.mtp" --species Li,P,O --in "$f" --out "$W/e.tmp.xyz" 2>/dev/null
            /usr/bin/python3 -c "
import sys
from ase.io import read
r, m = read(sys.argv[1]), read(sys.argv[2])
print(sys.argv[3], r.info.get('al_task'), 'audit' if r.info.get('al_audit') else 'pick ', r.get_chemical_formula(),
      'grade %.2f' % float(r.info.get('al_grade', 0)), '%+.1f' % ((m.get_potential_energy() - r.get_potential_energy()) / len(r) * 1000))" \
                "$f" "$W/e.tmp.xyz" "${i##*/}"
        done
    done
    audit_report al alG alGC
    for v in al alG alGC; do
        set -- "$W/$v"-s*-audit.xyz
        [ -f "$1" ] || continue
        echo "== $v: signed errors on the audit frames, mean over the seeds, and the seeds' spread"
        /usr/bin/python3 examples/interface/spread.py "$AUDIT" "$@"
        echo "== $v: the last iteration's audits (not in the data)"
        /usr/bin/python3 examples/interface/spread.py "$XTEST" "$W/$v"-s*-test.xyz
    done
    metal_report al alG alGC
    echo "metal atoms more than 1 A outside the metal after 40 ps (long: after $LONG ps)"
    for d in "$W"/md-al*-s* "$W"/long-*; do
        [ -f "$d/md-600/final.xyz" ] || { [ -d "$d" ] && echo "${d##*/}: did not finish: $(grep -h stopped "$d"/*.log | tail -1)"; continue; }
        printf '%s: %s\n' "${d##*/}" "$(/usr/bin/python3 examples/interface/dissolved.py "$d/if100.xyz" \
            "$d/md-600/final.xyz" | sed 's/.*, \([0-9]*\) of .*/\1/')"
    done
    ;;
*) echo "learn-diss.sh: unknown step '$step' (data learn glass refit md report)" >&2; exit 1 ;;
esac; done
