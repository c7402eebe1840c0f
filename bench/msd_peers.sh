#!/bin/sh
# Benchmark: tracer MSD of N atoms x T frames, the same extended XYZ file read by
# aion (analyze msd, streamed, FFT) and by MDAnalysis (EinsteinMSD; fft=True
# needs tidynamics, which is not installed here, so fft=False, the windowed
# direct sum) and, when installed, pymatgen's DiffusionAnalyzer (package
# pymatgen-analysis-diffusion; not installed here). Wall time and peak RSS from
# /usr/bin/time -v, in the same run, so the ratios are comparable on a shared
# machine; CPU time (user+sys) is less sensitive to other jobs than wall time.
# Also checks that the MSDs agree.
# usage: bench/msd_peers.sh [N] [T] [threads]
set -eu
N=${1:-1000}
T=${2:-2000}
TH=${3:-1}
AION=${AION_BIN:-build/aion}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" - "$tmp/traj.xyz" "$N" "$T" <<'PYEOF'
import sys, numpy as np
path, n, T = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(1)
x = rng.uniform(100, 900, (n, 3))
hdr = 'Lattice="1000 0 0 0 1000 0 0 0 1000" Properties=species:S:1:pos:R:3 pbc="T T T" Time=%g\n'
with open(path, "w") as f:
    for t in range(T):
        if t:
            x += rng.normal(0, 0.2, (n, 3))
        f.write("%d\n" % n)
        f.write(hdr % (2.0 * t))
        f.write("".join("Li %.6f %.6f %.6f\n" % tuple(r) for r in x))
PYEOF
size=$(du -m "$tmp/traj.xyz" | cut -f1)
echo "trajectory: $N atoms x $T frames, extended XYZ, $size MB"

run() { # name, command...: prints seconds and MiB
    name=$1; shift
    /usr/bin/time -v "$@" >"$tmp/$name.out" 2>"$tmp/$name.time" || { cat "$tmp/$name.out" "$tmp/$name.time"; exit 1; }
    wall=$(grep "Elapsed (wall clock)" "$tmp/$name.time" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(grep "Maximum resident" "$tmp/$name.time" | awk '{print $NF/1024}')
    cpu=$(awk -F: '/User time|System time/ {s += $2} END {print s}' "$tmp/$name.time")
    echo "$name $wall $cpu $rss" >>"$tmp/results"
}

OMP_NUM_THREADS=$TH run aion "$AION" analyze msd --traj "$tmp/traj.xyz" --species Li --drift none --max-points 1000000 --out "$tmp/aion"
cat >"$tmp/mda.py" <<'PYEOF'
import sys, warnings, numpy as np
warnings.filterwarnings("ignore")
import MDAnalysis as mda
from MDAnalysis.analysis.msd import EinsteinMSD
u = mda.Universe(sys.argv[1], format="XYZ")
m = EinsteinMSD(u, select="all", msd_type="xyz", fft=False).run()
np.save(sys.argv[2], m.results.timeseries)
PYEOF
OMP_NUM_THREADS=$TH run mdanalysis "$PY" "$tmp/mda.py" "$tmp/traj.xyz" "$tmp/mda.npy"
have_pmg=0
if "$PY" -c "import pymatgen.analysis.diffusion.analyzer" 2>/dev/null; then
    have_pmg=1
    cat >"$tmp/pmg.py" <<'PYEOF'
import sys, warnings
warnings.filterwarnings("ignore")
from ase.io import iread
from pymatgen.io.ase import AseAtomsAdaptor
from pymatgen.analysis.diffusion.analyzer import DiffusionAnalyzer
structs = [AseAtomsAdaptor.get_structure(a) for a in iread(sys.argv[1])]
d = DiffusionAnalyzer.from_structures(structs, "Li", 300, 2.0, 1, smoothed="max")
print(d.diffusivity)
PYEOF
    OMP_NUM_THREADS=$TH run pymatgen "$PY" "$tmp/pmg.py" "$tmp/traj.xyz"
fi
"$PY" - "$tmp/aion.json" "$tmp/mda.npy" <<'PYEOF'
import json, sys, numpy as np
g = json.load(open(sys.argv[1]))["results"]["groups"][0]["msd_A2"]
a = np.array([v for _, v in g])
m = np.load(sys.argv[2])
n = min(len(a), len(m))
rel = np.max(np.abs(a[1:n] - m[1:n]) / m[1:n])
print("MSD aion vs MDAnalysis: %d lags, worst relative difference %.2g" % (n, rel))
PYEOF
echo "| code | wall (s) | CPU user+sys (s) | peak RSS (MiB) | wall / aion | CPU / aion | memory / aion |"
echo "|---|---|---|---|---|---|---|"
awk 'NR==1{t0=$2; c0=$3; m0=$4} {printf "| %s | %.2f | %.2f | %.0f | %.1f | %.1f | %.1f |\n", $1, $2, $3, $4, $2/t0, $3/c0, $4/m0}' "$tmp/results"
[ $have_pmg = 1 ] || echo "(pymatgen DiffusionAnalyzer: package pymatgen-analysis-diffusion not installed, not measured)"
