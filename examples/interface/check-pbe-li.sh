#!/bin/sh
# bcc Li with PBE (CP2K, GTH pseudopotentials, MOLOPT basis): energy per atom against the lattice
# parameter for the 1-electron (q1, POTENTIAL_UZH / BASIS_MOLOPT_UZH) and the 3-electron (q3,
# GTH_POTENTIALS / BASIS_MOLOPT) Li pseudopotentials, to see whether PBE gives a sound Li metal for
# the interface (GFN1-xTB does not: docs/interface.md) and what the cheaper q1 setup costs.
# 2-atom cubic cells (aion build bcc), labelled by aion label with a template: Monkhorst-Pack KMESH^3
# (default 10), Fermi-Dirac 500 K, diagonalisation, CUTOFF (default 400 Ry), one thread.
# Prints a0 and B from a cubic fit of E(a) in V^(-2/3). Work files in out/interface/pbe-li/.
set -eu
cd "$(dirname "$0")/../.."
AION=./build/aion
W=out/interface/pbe-li
mkdir -p "$W"
K=${KMESH:-10}
rm -f "$W/cells.xyz"
for a in ${AS:-3.20 3.32 3.44 3.56 3.68 3.80}; do
    $AION build bcc --a "$a" --size 1x1 --layers 2 --out "$W/c2-$a.xyz" 2>/dev/null
    $AION convert "$W/c2-$a.xyz" "$W/cells.xyz" --append 2>/dev/null
done
for q in q1 q3; do
    if [ $q = q1 ]; then BF=BASIS_MOLOPT_UZH; PF=POTENTIAL_UZH; BAS=DZVP-MOLOPT-PBE-GTH-q1
    else BF=BASIS_MOLOPT; PF=GTH_POTENTIALS; BAS=DZVP-MOLOPT-SR-GTH; fi
    cat > "$W/pbe-$q.inp" <<INP
&GLOBAL
  PROJECT @AION_PROJECT@
  RUN_TYPE ENERGY_FORCE
  PRINT_LEVEL LOW
&END GLOBAL
&FORCE_EVAL
  METHOD QUICKSTEP
  &DFT
    BASIS_SET_FILE_NAME $BF
    POTENTIAL_FILE_NAME $PF
    &MGRID
      CUTOFF ${CUTOFF:-400}
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
@AION_CELL@@AION_COORD@    &KIND Li
      BASIS_SET $BAS
      POTENTIAL GTH-PBE-$q
    &END KIND
  &END SUBSYS
  &PRINT
    &FORCES ON
    &END FORCES
  &END PRINT
&END FORCE_EVAL
INP
    OMP_NUM_THREADS=1 nice $AION label --in "$W/cells.xyz" --out "$W/pbe-$q.xyz" --template "$W/pbe-$q.inp" \
        --jobs 1 --workdir "$W/work-$q" > "$W/label-$q.log" 2>&1
done
/usr/bin/python3 - "$W" <<'PY'
import sys
import numpy as np
from ase.io import read
W = sys.argv[1]
for q in ("q1", "q3"):
    fr = read(f"{W}/pbe-{q}.xyz", ":")
    a = np.array([f.cell[0, 0] for f in fr])
    e = np.array([f.get_potential_energy() / len(f) for f in fr])
    t = np.array([float(f.info.get("walltime_s", "nan")) for f in fr])
    for ai, ei in zip(a, e):
        print("%s a = %.2f A  E = %.5f eV/atom" % (q, ai, ei))
    V = a ** 3 / 2
    c = np.polyfit(V ** (-2 / 3), e, 3)
    f = lambda x: np.polyval(c, x ** (-2 / 3))
    Vs = np.linspace(V.min(), V.max(), 20001)
    V0 = Vs[f(Vs).argmin()]
    h = 1e-3
    B = V0 * (f(V0 + h) - 2 * f(V0) + f(V0 - h)) / h ** 2 * 160.2177
    print("%s: a0 = %.3f A, B = %.1f GPa, %.1f s per point" % (q, (2 * V0) ** (1 / 3), B, np.nanmean(t)))
PY
