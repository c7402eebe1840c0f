#!/bin/sh
# Extended XYZ read speed: aion (aion info, which reads every frame) against
# ASE's ase.io.iread on the same generated file. Prints MB/s and the ratio.
#   sh bench/extxyz_read.sh [MB]     (default 200 MB; ASE reads the first 10%)
# The file: frames of 1000 atoms, Lattice, energy, stress, species, pos, forces
# (%.10f positions, %.8e forces: typical of DFT training sets).
set -e
MB=${1:-200}
AION=${AION_BIN:-build/aion}
PY=/usr/bin/python3
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
$PY - "$t/big.xyz" "$MB" <<'PYEOF'
import sys, numpy as np
path, mb = sys.argv[1], float(sys.argv[2])
rng = np.random.default_rng(0)
n = 1000
sym = np.array(['Li', 'P', 'O', 'O'] * (n // 4))
with open(path, 'w') as fp:
    size, k = 0, 0
    while size < mb * 1e6:
        pos = rng.uniform(0, 20, (n, 3))
        frc = rng.normal(0, 1, (n, 3))
        head = ('%d\nLattice="20.0 0.0 0.0 0.0 20.0 0.0 0.0 0.0 20.0" Properties=species:S:1:pos:R:3:forces:R:3 '
                'energy=%.10f stress="%s" config_type=md pbc="T T T"\n'
                % (n, -4000 - rng.random(), ' '.join('%.8e' % x for x in rng.normal(0, 1e-3, 9))))
        lines = ''.join('%-2s %15.10f %15.10f %15.10f %16.8e %16.8e %16.8e\n' % (s, *p, *f)
                        for s, p, f in zip(sym, pos, frc))
        fp.write(head + lines)
        size += len(head) + len(lines)
        k += 1
PYEOF
size=$(stat -c %s "$t/big.xyz")
cat "$t/big.xyz" >/dev/null  # page cache warm for both
# aion: best of 3, wall and CPU (user + sys) time: on a shared machine the
# CPU time is the fairer number
best=; bestcpu=
for i in 1 2 3; do
    /usr/bin/time -f '%e %U %S' -o "$t/time" "$AION" info "$t/big.xyz" >/dev/null
    read -r d u sy <"$t/time"
    c=$(echo "$u + $sy" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$d < $best" | bc -l)" = 1 ]; then best=$d; fi
    if [ -z "$bestcpu" ] || [ "$(echo "$c < $bestcpu" | bc -l)" = 1 ]; then bestcpu=$c; fi
done
aion_mbs=$(echo "$size / 1000000 / $best" | bc -l)
aion_cpu_mbs=$(echo "$size / 1000000 / $bestcpu" | bc -l)
# ASE on the first ~10% of the file (whole frames)
lines_per_frame=1002
frames=$(( $(wc -l <"$t/big.xyz") / lines_per_frame ))
part=$(( frames / 10 )); [ $part -lt 1 ] && part=1
head -n $(( part * lines_per_frame )) "$t/big.xyz" >"$t/part.xyz"
psize=$(stat -c %s "$t/part.xyz")
set -- $($PY -c '
import sys, time, ase.io
t = time.perf_counter(); c = time.process_time(); n = 0
for a in ase.io.iread(sys.argv[1], format="extxyz"):
    n += 1
print(time.perf_counter() - t, time.process_time() - c)' "$t/part.xyz")
ase_s=$1; ase_cpu=$2
ase_mbs=$(echo "$psize / 1000000 / $ase_s" | bc -l)
ase_cpu_mbs=$(echo "$psize / 1000000 / $ase_cpu" | bc -l)
printf 'file: %.0f MB, %d frames of 1000 atoms (species, pos, forces; energy, stress)\n' "$(echo "$size/1000000" | bc -l)" "$frames"
printf 'aion info (reads every frame): wall %.3f s = %.0f MB/s, CPU %.3f s = %.0f MB/s\n' "$best" "$aion_mbs" "$bestcpu" "$aion_cpu_mbs"
printf 'ASE iread (%.0f MB):            wall %.3f s = %.1f MB/s, CPU %.3f s = %.1f MB/s\n' "$(echo "$psize/1000000" | bc -l)" \
    "$ase_s" "$ase_mbs" "$ase_cpu" "$ase_cpu_mbs"
printf 'ratio aion / ASE: %.0fx (wall), %.0fx (CPU)\n' "$(echo "$aion_mbs / $ase_mbs" | bc -l)" "$(echo "$aion_cpu_mbs / $ase_cpu_mbs" | bc -l)"
