#!/bin/sh
# Independent replicas of the rigid-metal Li(100) or Li(110) || Li3PO4 glass runs (docs/interface.md,
# "Rigid metal, eight glasses per face"): each SEED makes its own glass (melt-quench seed) and its own
# MD seeds, then run.sh's NPT (cell z) relaxation, production and slab analysis at each of TEMPS;
# replicas.py pools the slab D over the replicas (mean, standard error, the interface/bulk ratio paired
# within each replica, the walls-only D_z expectation) and fits Arrhenius to the pooled D.
#   SEEDS   glass seeds (default 71..78: 8 replicas; 71 is run.sh's default glass)
#   BASE    output folder (default out/interface/rep; replica SEED in BASE/sSEED)
#   JOBS    replicas run at once (default 2; each run.sh uses one thread)
#   POT, SPECIES, TIME, EQUIL, ZRELAX, FREEZE, TEMPS, FACE (100 or 110), DILATE, NSUB (N in the glass):
#   passed to run.sh
#   (defaults below: the shipped PBE potential, a frozen metal that the NPT stage does not strain
#   (run.sh's DILATE=mobile for FREEZE=all), 5 ps NPT then 100 ps at 600, 700 and 800 K; about 7 min
#   per replica on one core here)
# Finished runs are kept: run it again after an interruption and it continues where it stopped.
set -e
cd "$(dirname "$0")/../.."
SEEDS=${SEEDS:-71 72 73 74 75 76 77 78}
BASE=${BASE:-out/interface/rep}
JOBS=${JOBS:-2}
POT=${POT:-potentials/li-iface-pbe.mtp}
SPECIES=${SPECIES:-Li,P,O}
TIME=${TIME:-100}
EQUIL=${EQUIL:-5}
ZRELAX=${ZRELAX:-5}
FREEZE=${FREEZE:-all}
TEMPS=${TEMPS:-600 700 800}
FACE=${FACE:-100}
export POT SPECIES TIME EQUIL ZRELAX FREEZE TEMPS FACE BASE
if [ -n "${DILATE:-}" ]; then export DILATE; fi
if [ -n "${NSUB:-}" ]; then export NSUB; fi
mkdir -p "$BASE"
[ -x ./build/aion ] || make -j2 >/dev/null
printf '%s\n' $SEEDS | xargs -P "$JOBS" -I{} sh -c \
    'SEED={} W="$BASE/s{}" examples/interface/run.sh >"$BASE/s{}.log" 2>&1 || echo "replica {} failed: see $BASE/s{}.log"'
/usr/bin/python3 examples/interface/replicas.py "$BASE" --temps "$(echo $TEMPS | tr ' ' ,)"
