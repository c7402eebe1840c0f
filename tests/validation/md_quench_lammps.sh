#!/bin/sh
# Melt-quench of Li3PO4 from a random start, aion vs LAMMPS, Pedone potential (docs/verification.md).
#  1. aion quench --composition Li3PO4 --atoms 304: random structure (38 formula units, RHO g/cm3,
#     minimum distances 0.8 x the sums of covalent radii), FIRE relaxation (written as start.xyz), then
#     hold TMELT for HOLD ps, cool to 300 K at RATE K/ps, hold 300 K for FINAL ps; 1 fs steps, CSVR
#     thermostat (tau 100 fs). MODE npt: every stage at 1 bar (stochastic cell rescaling, isotropic,
#     tau_P 1 ps). MODE nvt: melt and cooling at constant volume (density RHO), the 300 K hold at 1 bar
#     (aion md --ensemble npt on the quenched structure).
#  2. LAMMPS: the same start (start.xyz as a data file), velocities at TMELT, the same schedule with fix
#     npt / fix nvt (Nose-Hoover, Tdamp 0.1 ps, Pdamp 1 ps, iso 1 bar), the same potential and Coulomb method.
#  3. Glass analysis of both final structures: density (mean over the final hold, 10 block averages),
#     P-O coordination (cutoff 2.0 A), shortest distance of every species pair, Li-O coordination (2.6 A).
# usage: sh tests/validation/md_quench_lammps.sh [MODE=npt] [RATE=100] [TMELT=1500] [RHO=2.0] [HOLD=10] [FINAL=10]
#        [dsf|ewald] [SEED=1]
# Output folder: $OUT (default /tmp/aion-quench-MODE-RATE-TMELT).
set -eu
MODE=${1:-npt}
RATE=${2:-100}
TMELT=${3:-1500}
RHO=${4:-2.0}
HOLD=${5:-10}
FINAL=${6:-10}
M=${7:-dsf}
SEED=${8:-1}
PY=/usr/bin/python3
AION=${AION_BIN:-$PWD/build/aion}
HERE=$(cd "$(dirname "$0")" && pwd)
O=${OUT:-/tmp/aion-quench-$MODE-$RATE-$TMELT}
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive
mkdir -p "$O"
t0=$(date +%s.%N)
COMMON="--potential pedone --coulomb $M --ewald-accuracy 1e-6 --threads 1 --tau-t 100 --tau-p 1000 --thermo-every 10"
if [ "$MODE" = npt ]; then
    "$AION" quench --composition Li3PO4 --atoms 304 --density "$RHO" $COMMON --ensemble npt --compress 0.25 \
        --t-start "$TMELT" --t-melt "$TMELT" --equil 0 --hold "$HOLD" --rate "$RATE" --t-final 300 --final-time "$FINAL" \
        --seed "$SEED" --traj-every 5000 --checkpoint-every 10000 --out "$O/aion" >"$O/aion.log" 2>&1
else
    "$AION" quench --composition Li3PO4 --atoms 304 --density "$RHO" $COMMON --ensemble nvt-csvr \
        --t-start "$TMELT" --t-melt "$TMELT" --equil 0 --hold "$HOLD" --rate "$RATE" --t-final 300 --final-time 0 \
        --seed "$SEED" --traj-every 5000 --checkpoint-every 10000 --out "$O/aion-nvt" >"$O/aion.log" 2>&1
    "$AION" md --in "$O/aion-nvt/glass.xyz" $COMMON --ensemble npt --compress 0.03 --temp 300 --time "$FINAL" \
        --seed "$SEED" --traj none --out "$O/aion" >>"$O/aion.log" 2>&1
    cp "$O/aion-nvt/start.xyz" "$O/aion/start.xyz"
    cp "$O/aion/final.xyz" "$O/aion/glass.xyz"
fi
t1=$(date +%s.%N)
"$PY" "$HERE/xyz2lmp.py" "$O/aion/start.xyz" "$O/start.data"
NCOOL=$(awk -v r="$RATE" -v t="$TMELT" 'BEGIN {printf "%d", (t - 300) / r * 1000 + 0.5}')
NHOLD=$(awk -v p="$HOLD" 'BEGIN {printf "%d", p * 1000 + 0.5}')
NFINAL=$(awk -v p="$FINAL" 'BEGIN {printf "%d", p * 1000 + 0.5}')
BARO=""; [ "$MODE" = npt ] && BARO="iso 1.0 1.0 1.0"
sed -e '/^dump/d' -e '/^compute/d' -e '/^thermo_style/d' -e '/^thermo_modify/d' -e '/^run/d' \
    -e "s/^kspace_style.*/kspace_style    ewald 1e-6/" "$HERE/../peers/pedone-li3po4-$M.lmp" > "$O/quench.lmp"
cat >> "$O/quench.lmp" <<EOF
neigh_modify    every 1 delay 0 check yes
timestep        0.001
velocity        all create $TMELT $SEED mom yes rot no dist gaussian
thermo_style    custom step time temp press vol density pe
thermo_modify   format float %.10g norm no
thermo          10
fix             1 all $MODE temp $TMELT $TMELT 0.1 $BARO
run             $NHOLD
fix             1 all $MODE temp $TMELT 300 0.1 $BARO
run             $NCOOL
unfix           1
fix             2 all npt temp 300 300 0.1 iso 1.0 1.0 1.0
run             $NFINAL
write_data      glass.data
EOF
(cd "$O" && lmp -in quench.lmp -var data start.data -log lmp.log -screen none)
t2=$(date +%s.%N)
"$PY" - "$O" "$FINAL" <<'PYEOF'
import re
import sys
import numpy as np
O, FINAL = sys.argv[1], float(sys.argv[2])

def read_xyz(path):
    lines = open(path).read().splitlines()
    n = int(lines[0])
    cell = np.array([float(v) for v in re.search(r'Lattice="([^"]*)"', lines[1]).group(1).split()]).reshape(3, 3)
    sp = [l.split()[0] for l in lines[2:2 + n]]
    pos = np.array([[float(v) for v in l.split()[1:4]] for l in lines[2:2 + n]])
    return sp, pos, cell

def read_data(path):
    lines = open(path).read().splitlines()
    lo, hi, tilt = {}, {}, [0.0, 0.0, 0.0]
    for l in lines:
        t = l.split()
        for ax in "xyz":
            if t[2:4] == [ax + "lo", ax + "hi"]:
                lo[ax], hi[ax] = float(t[0]), float(t[1])
        if t[3:6] == ["xy", "xz", "yz"]:
            tilt = [float(v) for v in t[:3]]
    cell = np.array([[hi["x"] - lo["x"], 0, 0], [tilt[0], hi["y"] - lo["y"], 0], [tilt[1], tilt[2], hi["z"] - lo["z"]]])
    k = [i for i, l in enumerate(lines) if l.startswith("Atoms")][0] + 2
    sp, pos = [], []
    names = {1: "Li", 2: "P", 3: "O"}
    for l in lines[k:]:
        t = l.split()
        if not t:
            break
        sp.append(names[int(t[1])])
        pos.append([float(v) for v in t[3:6]])
    return sp, np.array(pos), cell

def analyse(name, sp, pos, cell, rho):
    sp = np.array(sp)
    inv = np.linalg.inv(cell)
    d = pos[None, :, :] - pos[:, None, :]
    s = d @ inv
    s -= np.round(s)
    r = np.linalg.norm(s @ cell, axis=2)
    np.fill_diagonal(r, np.inf)
    P, Ox, Li = sp == "P", sp == "O", sp == "Li"
    cn_po = (r[np.ix_(P, Ox)] < 2.0).sum(axis=1)
    cn_lio = (r[np.ix_(Li, Ox)] < 2.6).sum(axis=1)
    mins = []
    for a, b in (("P", "O"), ("Li", "O"), ("O", "O"), ("Li", "Li"), ("Li", "P"), ("P", "P")):
        mins.append("%s-%s %.2f" % (a, b, r[np.ix_(sp == a, sp == b)].min()))
    hist = np.bincount(cn_po, minlength=6)
    print("%-6s density %.4f +- %.4f g/cm3 | P-O CN %.3f (P with CN 3/4/5: %d/%d/%d of %d) | Li-O CN (2.6 A) %.2f | "
          "shortest: %s" % (name, rho[0], rho[1], cn_po.mean(), hist[3], hist[4], hist[5], P.sum(), cn_lio.mean(),
                            ", ".join(mins)))

def block(x, nb=10):
    x = x[: len(x) // nb * nb].reshape(nb, -1).mean(axis=1)
    return x.mean(), x.std(ddof=1) / np.sqrt(nb)

a = np.genfromtxt(O + "/aion/thermo.csv", delimiter=",", names=True)
ta = a["time_fs"] / 1000
rho_a = block(a["density_gcc"][ta > ta[-1] - FINAL])
log = open(O + "/lmp.log").read().splitlines()
rows = []
for i, l in enumerate(log):
    if l.split()[:2] == ["Step", "Time"]:
        for m in log[i + 1:]:
            t = m.split()
            if not t or not t[0].isdigit():
                break
            rows.append([float(x) for x in t])
l = np.array(rows)
rho_l = block(l[:, 5][l[:, 1] > l[-1, 1] - FINAL])
analyse("aion", *read_xyz(O + "/aion/glass.xyz"), rho_a)
analyse("LAMMPS", *read_data(O + "/glass.data"), rho_l)
print("density aion/LAMMPS - 1 = %+.2f %% +- %.2f %%" % (100 * (rho_a[0] / rho_l[0] - 1), 100 * np.hypot(rho_a[1], rho_l[1]) / rho_l[0]))
PYEOF
grep "quench of" "$O/aion.log" || true
echo "mode $MODE, melt $TMELT K for $HOLD ps, cooling $RATE K/ps to 300 K, $FINAL ps at 300 K and 1 bar, start density $RHO g/cm3"
echo "wall time: aion $(echo "$t1 - $t0" | bc) s, LAMMPS $(echo "$t2 - $t1" | bc) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
