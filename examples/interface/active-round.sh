#!/bin/sh
# One active-learning round for the interface MTP (docs/interface.md). Round R (1, 2, ...):
#   1. NVT MD with the current potential (round R-1; round 0 = train.sh's fit) of the two small
#      Li(100) || glass cells of make-data.sh (72 atoms; gaps 1.8 and 2.2 A) at 700 K for 3 ps, the
#      extrapolation grade every 10 steps, stopping when it passes GSTOP (default 3: a first try that
#      stopped at 20 only caught configurations that had already collapsed, Li on P at 0.5-0.9 A);
#      frames every 10 steps;
#   2. aion select: up to 3 configurations per run with grade > 1.5 (MaxVol, greedy);
#   3. GFN1-xTB labels (Gamma, OT, as make-data.sh); frames with a force above 30 eV/A or a pair
#      closer than 1.2 A are dropped; the rest are appended to examples/data/li-interface-xtb.xyz with
#      config_type iface100_md;
#   4. retrain (train.sh, INIT = the previous potential, ITER iterations).
set -e
cd "$(dirname "$0")/../.."
AION=./build/aion
R=$1
W=out/interface/al/round$R
mkdir -p "$W"
POT=out/interface/train/pot.mtp
cp "$POT" "out/interface/al/r$((R - 1)).mtp"
cp "${POT%.mtp}.als" "out/interface/al/r$((R - 1)).als"
rm -f "$W/sel.xyz"
for gap in 1.8 2.2; do
    rm -rf "$W/md-$gap"
    nice $AION md --in "out/interface/data/if100-$gap.xyz" --potential "$POT" --species Li,P,O,N \
        --ensemble nvt-csvr --temp 700 --time 3 --dt 1 --seed "$R$(echo $gap | tr -d .)" --grade \
        --grade-every 10 --grade-stop "${GSTOP:-3}" --traj-every 10 --checkpoint-every 0 --threads 1 \
        --out "$W/md-$gap" >"$W/md-$gap.log" 2>&1 || true
    $AION select --potential "$POT" --species Li,P,O,N --pool "$W/md-$gap/traj.xyz" --threshold 1.5 --max 3 \
        --out "$W/sel-$gap.xyz" >"$W/select-$gap.log" 2>&1 || true
    [ -s "$W/sel-$gap.xyz" ] && cat "$W/sel-$gap.xyz" >>"$W/sel.xyz"
done
[ -s "$W/sel.xyz" ] || { echo "round $R: nothing above the threshold"; exit 0; }
nice $AION label --in "$W/sel.xyz" --out "$W/labelled.xyz" --template examples/dataset/xtb-nocheck.inp \
    --jobs 1 --timeout 900 || true
/usr/bin/python3 - "$W/labelled.xyz" "$W/accepted.xyz" <<'PYEOF'
import sys
import numpy as np
from ase.io import read, write
ok = []
for a in read(sys.argv[1], ":"):
    d = a.get_all_distances(mic=True); np.fill_diagonal(d, 9)
    fmax = np.abs(a.get_forces()).max()
    print("  frame: min distance %.2f A, max force %.1f eV/A: %s" % (d.min(), fmax, "kept" if fmax <= 30 and d.min() >= 1.2 else "dropped"))
    if fmax <= 30 and d.min() >= 1.2: ok.append(a)
write(sys.argv[2], ok)
PYEOF
[ -s "$W/accepted.xyz" ] || { echo "round $R: every labelled frame dropped"; exit 0; }
$AION convert "$W/accepted.xyz" examples/data/li-interface-xtb.xyz --append --info config_type=iface100_md \
    --keep energy,forces,stress,config_type --precision 8
ITER=${ITER:-100} INIT="out/interface/al/r$((R - 1)).mtp" examples/interface/train.sh
