#!/bin/sh
# The MTP + QEq blow-up of diss.sh md2 (qeqDX seed 5) and what it shows: a hole of the potentials at
# Li-Li distances below the data (docs/interface.md, "The MTP + QEq blow-up is a Li-Li hole"). Steps:
#   blowup   the blown-up NPT stage continued bit for bit from its step-2000 checkpoint with every step
#            written (needs diss.sh md2's out/interface/diss/md-qeqDX-s5 and qeqDX-s5.mtp): the closest
#            pair of each of the last frames, the grade of each (aion select --grades) and the model's
#            charges of the approaching pair (aion eval --charges)
#   scan     that pair moved apart and together (pairscan.py: the metal Li along the line to the glass
#            Li, 0.9-2.6 A, in the frame where they are 1.42 A apart), evaluated by the shipped potential
#            and diss.sh's refits (seed 5 of ctl, ctlDX, qeqDX; seed 2 of ctlX) and learn-diss.sh's (al,
#            alG seed 2; alGC seeds 2-5) where they exist; and the metal Li - glass Li pair of the
#            contact step's 72-atom cell, 1.0-2.4 A
#   contact  PBE for Li-Li contacts in small cells: the closest Li-Li pair of a 48-atom training glass
#            (examples/data/li-interface-pbe.xyz frame 8, 2.06 A), of a Li-excess cell
#            (li-interface-pbe-excess.xyz frame 3, 2.33 A) and the closest metal Li - glass Li pair of a
#            72-atom Li(100) || glass training cell (frame 12, atoms 23 and 28, 2.39 A; metal: no O within
#            2.4 A, glass: two or more) brought to 1.4 and 1.7 A, one Li moved,
#            labelled with the interface template; with the unmoved frames' labels, the PBE energy
#            change against each potential's (examples/data/li-interface-pbe-lili.xyz; learn-diss.sh
#            refits with them)
#   report   what is there
# Work in out/interface/lili (W).
set -e
cd "$(dirname "$0")/../.."
W=${W:-out/interface/lili}
D=${D:-out/interface/diss}
L=${L:-out/interface/learn-diss}
LILI=examples/data/li-interface-pbe-lili.xyz
STEPS=${1:-blowup scan contact report}
[ -x ./build/aion ] || make -j2 >/dev/null
mkdir -p "$W"
pots() { # the potentials that exist: shipped, diss.sh's refits, learn-diss.sh's
    echo potentials/li-iface-pbe.mtp
    for p in $D/ctl-s5 $D/ctlX-s2 $D/ctlDX-s5 $D/qeqDX-s5 $L/al-s2 $L/alG-s2 $L/alGC-s2 $L/alGC-s3 $L/alGC-s4 $L/alGC-s5; do
        [ -f "$p.mtp" ] && echo "$p.mtp"
    done
}
evalscan() { # SCAN.xyz TAG: every potential of pots on SCAN, then pairscan.py show
    fs=""
    for p in $(pots); do
        t=$(basename "$p" .mtp)
        o=$W/$2-$t.xyz
        [ -f "$o" ] || ./build/aion eval --potential "$p" --species Li,P,O --in "$1" --out "$o" --threads 2 2>/dev/null
        fs="$fs $o"
    done
    # shellcheck disable=SC2086
    /usr/bin/python3 examples/interface/pairscan.py show $fs
}

for step in $STEPS; do case $step in
blowup)
    m=$D/md-qeqDX-s5
    [ -f "$m/zrelax-600/checkpoint.bin" ] && [ -f "$D/qeqDX-s5.mtp" ] || {
        echo "lili.sh: no $m (run diss.sh refit md2 first)" >&2; exit 1; }
    if [ ! -f "$W/last.xyz" ]; then
        rm -rf "$W/z"; cp -r "$m/zrelax-600" "$W/z"
        # the options of run.sh's NPT stage for this run (seed 71 glass, 4 inner metal planes frozen)
        ./build/aion md --in "$m/if100.xyz" --potential "$D/qeqDX-s5.mtp" --species Li,P,O --ensemble npt \
            --cell z --press 0 --temp 600 --time 5 --dt 1 --seed 601 --freeze-zlo 4.14 --freeze-zhi 9.9 \
            --dilate all --grade --grade-every 50 --grade-stop 50 --traj-every 1 --thermo-every 1 \
            --checkpoint-every 2000 --threads 1 --out "$W/z" --restart >"$W/z.log" 2>&1 || true
        tail -1 "$W/z.log"
        /usr/bin/python3 -c "from ase.io import read, write; write('$W/last.xyz', read('$W/z/traj.xyz', '-16:'))"
    fi
    ./build/aion select --potential "$D/qeqDX-s5.mtp" --species Li,P,O --pool "$W/last.xyz" --out "$W/sel.xyz" \
        --grades "$W/grades.csv" >/dev/null 2>&1
    ./build/aion eval --potential "$D/qeqDX-s5.mtp" --species Li,P,O --in "$W/last.xyz" --out "$W/last-q.xyz" \
        --charges 2>/dev/null
    /usr/bin/python3 - "$W" <<'PY'
import sys
import numpy as np
from ase.io import read
w = sys.argv[1]
g = np.loadtxt(f'{w}/grades.csv', delimiter=',', skiprows=1, usecols=1)
print('step  closest pair (A)          grade   q_i, q_j (e)   |F_i| (eV/A)')
for a, gi in zip(read(f'{w}/last-q.xyz', ':'), g):
    d = a.get_all_distances(mic=True)
    np.fill_diagonal(d, 99)
    i, j = np.unravel_index(np.argmin(d), d.shape)
    s = a.get_chemical_symbols()
    q = a.arrays['initial_charges']
    print(f"{a.info.get('step', '?'):>5} {s[i]:2s}{i:4d} {s[j]:2s}{j:4d} {d[i, j]:6.3f} {gi:8.2f}   "
          f"{q[i]:+.3f} {q[j]:+.3f}   {np.linalg.norm(a.get_forces()[i]):8.1f}")
PY
    ;;
scan)
    # the metal Li - glass Li pair of the 72-atom training cell (contact step) from 1.0 to 2.4 A
    [ -f "$W/scan-if12.xyz" ] || /usr/bin/python3 examples/interface/pairscan.py make examples/data/li-interface-pbe.xyz \
        "$W/scan-if12.xyz" --frame 12 --pair 23,28 --from 1.0 --to 2.4
    evalscan "$W/scan-if12.xyz" scanif
    [ -f "$W/last.xyz" ] || { echo "lili.sh: step blowup first" >&2; exit 1; }
    # frame 4 of the last 16 (step 3224): metal Li 65 and glass Li 146 at 1.42 A
    [ -f "$W/scan.xyz" ] || /usr/bin/python3 examples/interface/pairscan.py make "$W/last.xyz" "$W/scan.xyz" \
        --frame 4 --pair 65,146
    evalscan "$W/scan.xyz" scan
    ;;
contact)
    if [ ! -f "$W/contact.xyz" ]; then
        /usr/bin/python3 examples/interface/pairscan.py make examples/data/li-interface-pbe.xyz "$W/g8.xyz" \
            --frame 8 --pair 8,12 --from 1.4 --to 1.7 --step 0.3
        /usr/bin/python3 examples/interface/pairscan.py make examples/data/li-interface-pbe-excess.xyz "$W/x3.xyz" \
            --frame 3 --pair 5,13 --from 1.4 --to 1.7 --step 0.3
        /usr/bin/python3 examples/interface/pairscan.py make examples/data/li-interface-pbe.xyz "$W/if12.xyz" \
            --frame 12 --pair 23,28 --from 1.4 --to 1.7 --step 0.3
        cat "$W/g8.xyz" "$W/x3.xyz" "$W/if12.xyz" >"$W/contact.xyz"
    fi
    ./build/aion label --in "$W/contact.xyz" --out "$W/contact-pbe.xyz" --method pbe --jobs 2 --threads-per-job 1 \
        --workdir "$W/work" --template examples/interface/pbe-metal.inp
    if [ "$(grep -c Lattice "$W/contact-pbe.xyz")" = 6 ]; then cp "$W/contact-pbe.xyz" "$LILI"; fi
    ;;
report)
    [ -f "$W/scan.xyz" ] && { echo "== the blow-up pair, E(d) - E(2.6 A), eV"; evalscan "$W/scan.xyz" scan; }
    [ -f "$W/scan-if12.xyz" ] && { echo "== the 72-atom cell's metal-glass Li pair, E(d) - E(2.4 A), eV"; evalscan "$W/scan-if12.xyz" scanif; }
    [ -f "$LILI" ] || exit 0
    echo "== Li-Li contacts in small cells: E(d) - E(unmoved frame), eV; PBE, then each potential"
    ./build/aion convert examples/data/li-interface-pbe.xyz "$W/ref.xyz" --frames 8:9 2>/dev/null
    ./build/aion convert examples/data/li-interface-pbe-excess.xyz "$W/ref.xyz" --append --frames 3:4 2>/dev/null
    ./build/aion convert examples/data/li-interface-pbe.xyz "$W/ref.xyz" --append --frames 12:13 2>/dev/null
    for p in $(pots); do
        t=$(basename "$p" .mtp)
        for f in contact ref; do
            [ -f "$W/$f-$t.xyz" ] || ./build/aion eval --potential "$p" --species Li,P,O --in "$W/$f.xyz" \
                --out "$W/$f-$t.xyz" --threads 2 2>/dev/null
        done
    done
    /usr/bin/python3 - "$W" "$LILI" $(pots) <<'PY'
import os
import sys
from ase.io import read
w, pots = sys.argv[1], sys.argv[3:]
def de(c, r):  # contact frames 2k, 2k + 1 against ref k
    return [c[k].get_potential_energy() - r[k // 2].get_potential_energy() for k in range(6)]
c = read(sys.argv[2], ':')
print('frames: glass Li 8-12 at 1.4, 1.7 A; Li-excess Li 5-13 at 1.4, 1.7 A; interface metal Li 23 - glass Li 28 at 1.4, 1.7 A')
print('PBE'.ljust(24), ' '.join(f'{x:7.2f}' for x in de(c, read(f'{w}/ref.xyz', ':'))))
for p in pots:
    t = os.path.basename(p)[:-4]
    print(t.ljust(24), ' '.join(f'{x:7.2f}' for x in de(read(f'{w}/contact-{t}.xyz', ':'), read(f'{w}/ref-{t}.xyz', ':'))))
PY
    ;;
*) echo "lili.sh: unknown step '$step' (blowup scan contact report)" >&2; exit 1 ;;
esac; done
