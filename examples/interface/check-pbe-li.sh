#!/bin/sh
# bcc Li with PBE (CP2K, GTH pseudopotentials, MOLOPT basis): energy per atom against the lattice
# parameter for the 1-electron (q1, POTENTIAL_UZH / BASIS_MOLOPT_UZH) and the 3-electron (q3,
# GTH_POTENTIALS / BASIS_MOLOPT) Li pseudopotentials, to see whether PBE gives a sound Li metal for
# the interface (GFN1-xTB does not: docs/interface.md) and what the cheaper q1 setup costs.
# 2-atom cubic cell, Monkhorst-Pack KMESH^3 (default 10), Fermi-Dirac 500 K, diagonalisation,
# CUTOFF (default 400 Ry), one thread. Output: out/interface/pbe-li/eos.txt (a, E per atom, seconds).
set -eu
cd "$(dirname "$0")/../.."
W=out/interface/pbe-li
mkdir -p "$W"
K=${KMESH:-10}
CUT=${CUTOFF:-400}
: > "$W/eos.txt"
for q in q1 q3; do
    if [ $q = q1 ]; then BF=BASIS_MOLOPT_UZH; PF=POTENTIAL_UZH; BAS=DZVP-MOLOPT-PBE-GTH-q1
    else BF=BASIS_MOLOPT; PF=GTH_POTENTIALS; BAS=DZVP-MOLOPT-SR-GTH; fi
    for a in ${AS:-3.20 3.32 3.44 3.56 3.68 3.80}; do
        h=$(echo "$a / 2" | bc -l)
        f=$W/li-$q-$a
        cat > "$f.inp" <<INP
&GLOBAL
  PROJECT li-$q-$a
  RUN_TYPE ENERGY
  PRINT_LEVEL LOW
&END GLOBAL
&FORCE_EVAL
  METHOD QUICKSTEP
  &DFT
    BASIS_SET_FILE_NAME $BF
    POTENTIAL_FILE_NAME $PF
    &MGRID
      CUTOFF $CUT
      REL_CUTOFF 60
    &END MGRID
    &KPOINTS
      SCHEME MONKHORST-PACK $K $K $K
    &END KPOINTS
    &SCF
      EPS_SCF 1.0E-8
      MAX_SCF 100
      ADDED_MOS 10
      &SMEAR ON
        METHOD FERMI_DIRAC
        ELECTRONIC_TEMPERATURE [K] 500
      &END SMEAR
      &DIAGONALIZATION
        ALGORITHM STANDARD
      &END DIAGONALIZATION
      &MIXING
        METHOD BROYDEN_MIXING
        ALPHA 0.3
      &END MIXING
    &END SCF
    &XC
      &XC_FUNCTIONAL PBE
      &END XC_FUNCTIONAL
    &END XC
  &END DFT
  &SUBSYS
    &CELL
      ABC $a $a $a
    &END CELL
    &COORD
      Li 0 0 0
      Li $h $h $h
    &END COORD
    &KIND Li
      BASIS_SET $BAS
      POTENTIAL GTH-PBE-$q
    &END KIND
  &END SUBSYS
&END FORCE_EVAL
INP
        t0=$(date +%s.%N)
        (cd "$W" && OMP_NUM_THREADS=1 cp2k -i "li-$q-$a.inp" -o "li-$q-$a.out") || echo "cp2k failed: $f.out"
        t1=$(date +%s.%N)
        e=$(sed -n 's/.*ENERGY| Total FORCE_EVAL.*:\s*\([-0-9.E+]*\).*/\1/p' "$f.out" | tail -1)
        echo "$q $a $(echo "$e * 27.211386245988 / 2" | bc -l) $(echo "$t1 - $t0" | bc)" | tee -a "$W/eos.txt"
    done
done
# a0 and B from a cubic fit of E(a) in V^(-2/3) (V per atom = a^3 / 2)
/usr/bin/python3 - "$W/eos.txt" <<'PY'
import sys
import numpy as np
d = {}
for line in open(sys.argv[1]):
    q, a, e, t = line.split()
    d.setdefault(q, []).append((float(a), float(e), float(t)))
for q, v in d.items():
    v = np.array(v)
    V = v[:, 0] ** 3 / 2
    c = np.polyfit(V ** (-2 / 3), v[:, 1], 3)
    f = lambda x: np.polyval(c, x ** (-2 / 3))
    Vs = np.linspace(V.min(), V.max(), 20001)
    V0 = Vs[f(Vs).argmin()]
    h = 1e-3
    B = V0 * (f(V0 + h) - 2 * f(V0) + f(V0 - h)) / h ** 2 * 160.2177
    print("%s: a0 = %.3f A, B = %.1f GPa, %.1f s per point" % (q, (2 * V0) ** (1 / 3), B, v[:, 2].mean()))
PY
