#!/bin/sh
# NVE energy conservation, aion vs LAMMPS, Pedone potential on beta-Li3PO4 3x3x2 (288 atoms, Materials
# Project mp-13725, CC BY 4.0) at 1500 K with 1 fs steps (docs/verification.md).
#  1. aion: NVT (CSVR, tau 50 fs) at 1500 K for EQ ps from the crystal -> positions and velocities;
#  2. the same state is written as a LAMMPS data file with velocities (tests/validation/xyz2lmp.py);
#  3. NVE for PS ps in both codes (aion md --ensemble nve; LAMMPS fix nve, the paired potential inputs
#     tests/peers/pedone-li3po4-{dsf,ewald}.lmp: DSF alpha 0.25 / 8 A, or Ewald with real-space cutoff
#     10 A at accuracy ACC in both, LAMMPS without tables); E_tot every 10 steps;
#  4. drift = slope of a linear fit of E_tot(t), and fluctuation = RMS deviation from that line, per atom.
# usage: sh tests/validation/md_nve_lammps.sh [dsf|ewald] [PS=10] [ACC=1e-6] [EQ=2]   (repository root)
# Output folder: $OUT (default /tmp/aion-nve-METHOD).
set -eu
M=${1:-dsf}
PS=${2:-10}
ACC=${3:-1e-6}
EQ=${4:-2}
PY=/usr/bin/python3
AION=${AION_BIN:-$PWD/build/aion}
CIF=../shared/data/cifs/beta-Li3PO4-mp-13725.cif
HERE=$(cd "$(dirname "$0")" && pwd)
O=${OUT:-/tmp/aion-nve-$M}
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive
mkdir -p "$O"
"$PY" "$HERE/../peers/li3po4_build.py" "$CIF" "$O/li3po4"
POT="--potential pedone --coulomb $M --ewald-accuracy $ACC --threads 1"
"$AION" md --in "$O/li3po4.xyz" $POT --ensemble nvt-csvr --temp 1500 --tau-t 50 --time "$EQ" --seed 3 \
    --traj none --out "$O/eq" >/dev/null
"$PY" "$HERE/xyz2lmp.py" "$O/eq/final.xyz" "$O/start.data"
NSTEPS=$(awk -v p="$PS" 'BEGIN {printf "%d", p * 1000 + 0.5}')
t0=$(date +%s.%N)
"$AION" md --in "$O/eq/final.xyz" $POT --ensemble nve --time "$PS" --thermo-every 10 --traj none \
    --checkpoint-every 0 --out "$O/aion" >/dev/null
t1=$(date +%s.%N)
sed -e '/^dump/d' -e '/^compute/d' -e '/^thermo_style/d' -e '/^thermo_modify/d' -e '/^run/d' \
    -e "s/^kspace_style.*/kspace_style    ewald $ACC/" "$HERE/../peers/pedone-li3po4-$M.lmp" > "$O/nve.lmp"
cat >> "$O/nve.lmp" <<EOF
neigh_modify    every 1 delay 0 check yes
timestep        0.001
fix             1 all nve
thermo_style    custom step time pe ke etotal temp press
thermo_modify   format float %.12g norm no
thermo          10
run             $NSTEPS
EOF
(cd "$O" && lmp -in nve.lmp -var data start.data -log lmp.log -screen none)
t2=$(date +%s.%N)
"$PY" - "$O" "$M" "$ACC" <<'PYEOF'
import sys
import numpy as np
O, M, ACC = sys.argv[1:4]
a = np.genfromtxt(O + "/aion/thermo.csv", delimiter=",", names=True)
ta, ea, Ta = a["time_fs"] / 1000.0, a["Etot_eV"], a["T_K"]
log = open(O + "/lmp.log").read().splitlines()
k = [i for i, l in enumerate(log) if l.split()[:2] == ["Step", "Time"]][0]
rows = []
for l in log[k + 1:]:
    t = l.split()
    if not t or not t[0].isdigit():
        break
    rows.append([float(x) for x in t])
l = np.array(rows)
tl, el, Tl = l[:, 1], l[:, 4], l[:, 5]
n = 288
def stats(t, e):
    p = np.polyfit(t, e, 1)
    res = e - np.polyval(p, t)
    return p[0] / n, res.std() / n, (e.max() - e.min()) / n
for name, t, e, T in (("aion", ta, ea, Ta), ("LAMMPS", tl, el, Tl)):
    d, f, r = stats(t, e)
    print("%-6s %-5s %5.1f ps  <T> %6.0f K  drift %+.2e eV/atom/ps  fluctuation (RMS) %.2e eV/atom  range %.2e eV/atom"
          % (name, M, t[-1] - t[0], T.mean(), d, f, r))
PYEOF
echo "wall time: aion $(echo "$t1 - $t0" | bc) s, LAMMPS $(echo "$t2 - $t1" | bc) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
