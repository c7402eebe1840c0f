#!/bin/sh
# NPT density, aion vs LAMMPS, Pedone potential on beta-Li3PO4 3x3x2 (288 atoms, Materials Project
# mp-13725, CC BY 4.0) at 1 bar (docs/verification.md).
# Both codes start from the crystal with the same Maxwell-Boltzmann velocities at TEMP (drawn by aion,
# passed in a LAMMPS data file) and run PS ps at TEMP and 1 bar with 1 fs steps, the same potential,
# cutoffs and Coulomb method (DSF alpha 0.25 / 8 A, or Ewald 10 A at accuracy ACC):
#   aion:   --ensemble npt (CSVR thermostat tau_T 100 fs + stochastic cell rescaling, isotropic,
#           tau_P 1 ps, compressibility estimate COMPRESS 1/GPa: the volume relaxes in tau_P x beta/COMPRESS)
#   LAMMPS: fix npt temp TEMP TEMP 0.1 iso 1 1 1.0 (Nose-Hoover chains + MTK barostat)
# Density every 10 steps; the first EQ ps are dropped; mean and error from 10 block averages; the
# isothermal compressibility from the volume fluctuations, beta_T = <dV^2>/(kT <V>), for both codes.
# usage: sh tests/validation/md_npt_lammps.sh [dsf|ewald] [TEMP=1500] [PS=20] [EQ=5] [ACC=1e-6] [COMPRESS=0.03]
# Output folder: $OUT (default /tmp/aion-npt-METHOD-TEMP).
set -eu
M=${1:-dsf}
TEMP=${2:-1500}
PS=${3:-20}
EQ=${4:-5}
ACC=${5:-1e-6}
COMPRESS=${6:-0.03}
PY=/usr/bin/python3
AION=${AION_BIN:-$PWD/build/aion}
CIF=../shared/data/cifs/beta-Li3PO4-mp-13725.cif
HERE=$(cd "$(dirname "$0")" && pwd)
O=${OUT:-/tmp/aion-npt-$M-$TEMP}
export OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive
mkdir -p "$O"
"$PY" "$HERE/../peers/li3po4_build.py" "$CIF" "$O/li3po4"
POT="--potential pedone --coulomb $M --ewald-accuracy $ACC --threads 1"
# Maxwell-Boltzmann velocities (0 steps of NVE just writes the start with velocities)
"$AION" md --in "$O/li3po4.xyz" $POT --ensemble nve --init-temp "$TEMP" --steps 1 --seed 5 --traj none \
    --out "$O/v0" >/dev/null
"$PY" "$HERE/xyz2lmp.py" "$O/v0/final.xyz" "$O/start.data"
NSTEPS=$(awk -v p="$PS" 'BEGIN {printf "%d", p * 1000 + 0.5}')
t0=$(date +%s.%N)
"$AION" md --in "$O/v0/final.xyz" $POT --ensemble npt --temp "$TEMP" --tau-t 100 --press 1e-4 --tau-p 1000 \
    --compress "$COMPRESS" --steps "$NSTEPS" --seed 11 --thermo-every 10 --traj none --checkpoint-every 0 --out "$O/aion" >/dev/null
t1=$(date +%s.%N)
sed -e '/^dump/d' -e '/^compute/d' -e '/^thermo_style/d' -e '/^thermo_modify/d' -e '/^run/d' \
    -e "s/^kspace_style.*/kspace_style    ewald $ACC/" "$HERE/../peers/pedone-li3po4-$M.lmp" > "$O/npt.lmp"
cat >> "$O/npt.lmp" <<EOF
neigh_modify    every 1 delay 0 check yes
timestep        0.001
fix             1 all npt temp $TEMP $TEMP 0.1 iso 1.0 1.0 1.0
thermo_style    custom step time temp press vol density pe
thermo_modify   format float %.12g norm no
thermo          10
run             $NSTEPS
EOF
(cd "$O" && lmp -in npt.lmp -var data start.data -log lmp.log -screen none)
t2=$(date +%s.%N)
"$PY" - "$O" "$M" "$TEMP" "$EQ" <<'PYEOF'
import sys
import numpy as np
O, M, TEMP, EQ = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
a = np.genfromtxt(O + "/aion/thermo.csv", delimiter=",", names=True)
log = open(O + "/lmp.log").read().splitlines()
k = [i for i, l in enumerate(log) if l.split()[:2] == ["Step", "Time"]][0]
rows = []
for l in log[k + 1:]:
    t = l.split()
    if not t or not t[0].isdigit():
        break
    rows.append([float(x) for x in t])
l = np.array(rows)
def block(x, nb=10):
    x = x[: len(x) // nb * nb].reshape(nb, -1).mean(axis=1)
    return x.mean(), x.std(ddof=1) / np.sqrt(nb)
res = {}
for name, t, rho, T, P, V in (("aion", a["time_fs"] / 1000, a["density_gcc"], a["T_K"], a["P_GPa"] * 1e4, a["V_A3"]),
                              ("LAMMPS", l[:, 1], l[:, 5], l[:, 2], l[:, 3], l[:, 4])):
    s = t >= EQ
    res[name] = block(rho[s])
    beta = V[s].var() / (8.617333262e-5 * TEMP * V[s].mean()) / 160.21766208
    print("%-6s %-5s %6.0f K  %5.1f ps (after %g ps)  density %.4f +- %.4f g/cm3  <T> %.0f K  <P> %.0f +- %.0f bar  "
          "beta_T(fluct) %.3g 1/GPa" % (name, M, TEMP, t[-1] - EQ, EQ, res[name][0], res[name][1], T[s].mean(), P[s].mean(),
                                        block(P[s])[1], beta))
d = res["aion"][0] / res["LAMMPS"][0] - 1
e = np.hypot(res["aion"][1], res["LAMMPS"][1]) / res["LAMMPS"][0]
print("aion/LAMMPS - 1 = %+.2f %% +- %.2f %%" % (100 * d, 100 * e))
PYEOF
echo "wall time: aion $(echo "$t1 - $t0" | bc) s, LAMMPS $(echo "$t2 - $t1" | bc) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
