#!/bin/sh
# aion md restarts with real processes: a run is killed (kill -9, or SIGINT which writes a checkpoint
# and stops) in the middle, continued with --restart, and its trajectory (extended XYZ and LAMMPS
# dump), thermo log and final structure are compared byte for byte with an uninterrupted run with the
# same seed and thread count. Pedone potential on beta-Li3PO4 2x2x2 (128 atoms, Materials Project
# mp-13725, CC BY 4.0), 2 threads.
# Default: NVT (CSVR) with DSF killed by -9, NPT (triclinic, CSVR) with Ewald stopped by SIGINT.
# SLOW=1: every combination of {NVT, NPT iso, NPT tri} x {DSF, Ewald} x {kill -9, SIGINT}, NPT aniso,
# and NPT with --cell z (normal stress only; CSVR/DSF/kill -9 and Langevin/Ewald/SIGINT).
# Skips (77) without ../shared/data.
set -u
AION=${AION_BIN:-$PWD/build/aion}
CIF=../shared/data/cifs/beta-Li3PO4-mp-13725.cif
[ -r "$CIF" ] || { echo "SKIP: needs $CIF (../shared absent?)"; exit 77; }
T=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$AION" convert "$CIF" "$T/start.xyz" --supercell 2x2x2 >/dev/null 2>&1 || fail "convert"
STEPS=10000 # about 5000 steps/s here: long enough that the kill lands well before the end on a faster machine
common() { # ensemble coulomb out [extra...]
    ens=$1 coul=$2 out=$3
    shift 3
    echo --in "$T/start.xyz" --potential pedone --coulomb "$coul" --ewald-accuracy 1e-6 --threads 2 --temp 1200 \
        --steps $STEPS --seed 7 --out "$out" --traj both --traj-every 100 --thermo-every 10 --checkpoint-every 25 \
        --tau-p 200 --compress 0.03 $ens "$@"
}
# wait until the checkpoint of a running process exists and the log has gone past it
wait_progress() { # pid dir minlines
    n=0
    while [ $n -lt 600 ]; do
        kill -0 "$1" 2>/dev/null || return 1
        if [ -s "$2/checkpoint.bin" ] && [ "$(wc -l < "$2/thermo.csv" 2>/dev/null || echo 0)" -ge "$3" ]; then return 0; fi
        sleep 0.05
        n=$((n + 1))
    done
    return 1
}
check_case() { # name ensemble-args coulomb signal
    name=$1 ens=$2 coul=$3 sig=$4
    ref=$T/$name-ref run=$T/$name-run
    # shellcheck disable=SC2046
    "$AION" md $(common "$ens" "$coul" "$ref") >"$T/$name-ref.log" 2>&1 || { cat "$T/$name-ref.log"; fail "$name: reference run"; }
    # shellcheck disable=SC2046
    "$AION" md $(common "$ens" "$coul" "$run") >"$T/$name-run.log" 2>&1 &
    pid=$!
    PIDS="$PIDS $pid"
    # past the fifth checkpoint (step 130: 1 header + 13 lines) but well before the end
    if ! wait_progress $pid "$run" 14; then
        wait $pid
        fail "$name: the run ended before it could be interrupted (machine too fast? raise STEPS)"
    fi
    kill -s "$sig" $pid
    wait $pid
    rc=$?
    case $sig in
        KILL) [ $rc -ge 128 ] || fail "$name: kill -9 gave rc $rc" ;;
        INT) [ $rc -eq 3 ] || { cat "$T/$name-run.log"; fail "$name: SIGINT should stop with rc 3 (got $rc)"; }
             grep -q "checkpoint written" "$T/$name-run.log" || fail "$name: no checkpoint message after SIGINT" ;;
    esac
    at=$(($(wc -l < "$run/thermo.csv") - 1))
    [ -s "$run/final.xyz" ] && fail "$name: interrupted run wrote final.xyz"
    # shellcheck disable=SC2046
    "$AION" md $(common "$ens" "$coul" "$run") --restart >>"$T/$name-run.log" 2>&1 || { cat "$T/$name-run.log"; fail "$name: restart"; }
    for f in thermo.csv traj.xyz traj.dump final.xyz; do
        cmp -s "$ref/$f" "$run/$f" || { diff "$ref/$f" "$run/$f" | head -5; fail "$name: $f differs after $sig at log line $at"; }
    done
    echo "ok: $name ($sig after $at thermo lines; thermo, xyz, dump and final structure identical)"
}
check_case nvt-dsf "--ensemble nvt-csvr" dsf KILL
check_case npt-tri-ewald "--ensemble npt --cell tri" ewald INT
if [ -n "${SLOW:-}" ] && [ "${SLOW:-}" != 0 ]; then
    check_case nvt-dsf-int "--ensemble nvt-csvr" dsf INT
    check_case nvt-ewald-kill "--ensemble nvt-nhc" ewald KILL
    check_case nvt-ewald-int "--ensemble nvt-langevin" ewald INT
    check_case npt-iso-dsf-kill "--ensemble npt --cell iso" dsf KILL
    check_case npt-iso-ewald-kill "--ensemble npt-langevin --cell iso" ewald KILL
    check_case npt-tri-dsf-int "--ensemble npt --cell tri" dsf INT
    check_case npt-aniso-ewald-kill "--ensemble npt --cell aniso" ewald KILL
    check_case npt-z-dsf-kill "--ensemble npt --cell z" dsf KILL
    check_case npt-z-ewald-int "--ensemble npt-langevin --cell z" ewald INT
fi
exit 0
