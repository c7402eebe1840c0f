#!/bin/sh
# Ewald benchmark: aion vs LAMMPS (kspace ewald and pppm, coul/long only) on the
# 288-atom beta-Li3PO4 cell with Pedone charges. Run from the repository root
# after `make`. Writes to ${OUT:-/tmp/aion-bench-ewald}.
set -e
OUT=${OUT:-/tmp/aion-bench-ewald}
BUILD=${BUILD:-build}
mkdir -p "$OUT"
/usr/bin/python3 bench/ewald/make_li3po4.py ../shared/data/cifs/beta-Li3PO4-mp-13725.cif "$OUT"
${CC:-gcc} -std=c11 -D_POSIX_C_SOURCE=200809L -O3 -march=native -fopenmp -Iinclude -Isrc -Isrc/core \
    bench/ewald/ewald_bench.c "$BUILD/libaion.a" -lm -o "$OUT/ewald_bench"
echo "== aion, 1 thread (CPU time per evaluation: energy + forces + virial)"
"$OUT/ewald_bench" "$OUT/li3po4.txt" 1 "$OUT/ref.forces"
if [ "${THREADS:-1}" -gt 1 ]; then
    echo "== aion, $THREADS threads (wall time)"
    BENCH_WALL=1 "$OUT/ewald_bench" "$OUT/li3po4.txt" "$THREADS" | tail -n 4
fi
command -v lmp >/dev/null || { echo "lmp not found: no LAMMPS comparison"; exit 0; }
cp bench/ewald/in.coul_long "$OUT/"
cd "$OUT"
lmprun() { # tag ks acc rc table nsteps
    lmp -in in.coul_long -var data li3po4.data -var tag "$1" -var ks "$2" -var acc "$3" -var rc "$4" \
        -var table "$5" -var nsteps "$6" -log "$1.log" -screen none
}
# peer check of the reference: LAMMPS ewald at 1e-12 with exact erfc, r_c 14
lmprun lmp_ref ewald 1e-12 14.0 0 0
echo "== LAMMPS (1 process, wall time per step; pair + kspace), r_c = 10 Å"
printf "%-6s %-6s %-5s %9s %9s %9s %11s %11s\n" style acc table t_ms pair_ms kspace_ms dF_rms dE_eV
for ks in ewald pppm; do
    for acc in 1e-5 1e-8; do
        for table in 12 0; do
            tag="lmp_${ks}_${acc}_t${table}"
            steps=200
            [ "$ks" = pppm ] && [ "$acc" = 1e-8 ] && steps=20
            best=""
            for round in 1 2 3; do  # best of 3 (the machine may be shared)
                lmprun "$tag.$round" "$ks" "$acc" 10.0 "$table" "$steps"
                t=$(sed -n "s/^Loop time of \([^ ]*\) on 1 procs for $steps steps.*/\1/p" "$tag.$round.log")
                if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; cp "$tag.$round.log" "$tag.log"; cp "$tag.$round.forces" "$tag.forces"; fi
            done
            /usr/bin/python3 - "$tag" "$steps" <<'PY'
import sys, re, numpy as np
tag, steps = sys.argv[1], int(sys.argv[2])
log = open(tag + ".log").read()
ref = np.loadtxt("ref.forces", skiprows=1); eref = float(open("ref.forces").readline())
f = np.loadtxt(tag + ".forces", skiprows=9)[:, 1:]
pe = [float(m) for m in re.findall(r"^\s+0\s+(-?\d+\.\d+)\s", log, re.M)][0]
loop = float(re.findall(r"Loop time of (\S+) on 1 procs for %d steps" % steps, log)[0]) / steps
pair = float(re.findall(r"^Pair\s+\|\s+(\S+)", log, re.M)[-1]) / steps
ksp = float(re.findall(r"^Kspace\s+\|\s+(\S+)", log, re.M)[-1]) / steps
rms = np.sqrt(((f - ref) ** 2).sum(1).mean())
ks, acc, t = tag.split("_")[1:]
print("%-6s %-6s %-5s %9.3f %9.3f %9.3f %11.3e %11.3e" % (ks, acc, t[1:], loop * 1e3, pair * 1e3, ksp * 1e3, rms, abs(pe - eref)))
PY
        done
    done
done
/usr/bin/python3 - <<'PY'
import re, numpy as np
ref = np.loadtxt("ref.forces", skiprows=1); eref = float(open("ref.forces").readline())
log = open("lmp_ref.log").read()
f = np.loadtxt("lmp_ref.forces", skiprows=9)[:, 1:]
pe = [float(m) for m in re.findall(r"^\s+0\s+(-?\d+\.\d+)\s", log, re.M)][0]
print("== LAMMPS ewald 1e-12 (table 0, r_c 14) vs aion reference (1e-14, r_c 14); the difference is")
print("   LAMMPS coul/long's polynomial erfc (~1e-6 relative), see tests/peers/test_ewald_peers.c")
print("   energy %.10f vs %.10f eV (rel. diff %.2e; LAMMPS metal qqr2e = 14.399645, aion 14.3996454784)"
      % (pe, eref, abs(pe - eref) / abs(eref)))
print("   RMS force difference %.3e eV/Å, max %.3e" % (np.sqrt(((f - ref) ** 2).sum(1).mean()), abs(f - ref).max()))
PY
