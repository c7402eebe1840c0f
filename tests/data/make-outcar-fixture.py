#!/usr/bin/env python3
"""Writes tests/data/OUTCAR-Li4O2-relax: a small VASP 5.4.4-style OUTCAR of an
ISIF=3 relaxation (2 ionic steps, Li_sv and O, triclinic cell that changes
between the steps), laid out with VASP's own field widths. The numbers are
made up but self-consistent (stress "Total" in eV = kB * V / 1602.1766208,
forces sum to zero, Cartesian = fractional . cell). Regenerate with
    python3 tests/data/make-outcar-fixture.py > tests/data/OUTCAR-Li4O2-relax
"""
import numpy as np

rng = np.random.default_rng(20250801)
species = [("Li", "PAW_PBE Li_sv 10Sep2004", "Li: 1s2s2p", 7.0, 3.0), ("O", "PAW_PBE O 08Apr2002", "O: s2p4", 16.0, 6.0)]
counts = [4, 2]
frac = np.array([[0.02, 0.03, 0.01], [0.51, 0.48, 0.02], [0.49, 0.02, 0.52], [0.03, 0.51, 0.49],
                 [0.26, 0.24, 0.27], [0.74, 0.77, 0.73]])
cells = [np.array([[4.612345678, 0.123456789, -0.054321012],
                   [0.351234567, 4.981234567, 0.082345678],
                   [-0.212345678, 0.443456789, 5.271234567]])]
cells.append(cells[0] @ np.array([[1.0123, 0.0041, -0.0032], [0.0041, 0.9934, 0.0057], [-0.0032, 0.0057, 1.0078]]))
stress_kb = [[12.34567, -3.21098, 5.67891, 1.23456, -0.98765, 0.45678],
             [2.10987, -0.65432, 1.43210, 0.32109, -0.21098, 0.10987]]
energies = [(-28.12345678, -28.12000123, -28.12172901), (-28.31234567, -28.30987654, -28.31111111)]
dfrac = [np.zeros((6, 3)), rng.normal(0, 0.004, (6, 3))]

out = []
w = out.append
w(" vasp.5.4.4.18Apr17-6-g9f103f2a35 (build Sep 18 2019 20:55:32) complex          ")
w("  ")
w(" executed on             LinuxIFC date 2025.08.01  12:00:00")
w(" running on    4 total cores")
w(" distrk:  each k-point on    4 cores,    1 groups")
w(" distr:  one band on    1 cores,    4 groups")
w(" using from now: INCAR     ")
w("")
w("--------------------------------------------------------------------------------------------------------")
w("")
w("")
w(" INCAR:")
w(" POTCAR:    PAW_PBE Li_sv 10Sep2004               ")
w(" POTCAR:    PAW_PBE O 08Apr2002                   ")
for sym, titel, vrhfin, pomass, zval in species:
    w("")
    w(" POTCAR:    %-38s" % titel)
    w("   VRHFIN =%-68s" % vrhfin)
    w("   LEXCH  = PE                                                                  ")
    w("   EATOM  =   %8.4f eV,   %7.4f Ry                                         " % (200.0 + zval, (200.0 + zval) / 13.6057))
    w("                                                                                ")
    w("   TITEL  = %-68s" % titel)
    w("   LULTRA =        F    use ultrasoft PP ?                                      ")
    w("   POMASS =   %6.3f; ZVAL   =    %5.3f    mass and valenz                      " % (pomass, zval))
    w("   ENMAX  =  499.034; ENMIN  =  374.276 eV                                      ")
    w("  local pseudopotential read in")
    w("    PAW grid and wavefunctions read in")
    w(" ")
    w("   number of l-projection  operators is LMAX  =           4")
    w("   number of lm-projection operators is LMMAX =           8")
    w(" ")
w("")
w(" POSCAR: Li4 O2 test                             ")
w("  positions in direct lattice")
w("  No initial velocities read in")
w("")
w(" Dimension of arrays:")
w("   k-points           NKPTS =      4   k-points in BZ     NKDIM =      4   number of bands    NBANDS=     16")
w("   number of dos      NEDOS =    301   number of ions     NIONS =      6")
w("   non local maximal  LDIM  =      4   non local SUM 2l+1 LMDIM =      8")
w("   total plane-waves  NPLWV =  13824")
w("   ions per type =            " + "".join("%4d" % c for c in counts))
w(" NGX,Y,Z   is equivalent  to a cutoff of   9.97, 10.02,  9.51 a.u.")
w("")
w(" SYSTEM =  Li4O2 relax                             ")
w(" POSCAR =  Li4 O2 test                             ")
w("")
w(" Ionic relaxation")
w("   EDIFFG = -.1E-01   stopping-criterion for IOM")
w("   NSW    =      2    number of steps for IOM")
w("   IBRION =      2    ionic relax: 0-MD 1-quasi-New 2-CG")
w("   ISIF   =      3    stress and relaxation")
w("")
w("--------------------------------------------------------------------------------------------------------")
w("")
w("")


def lattice_block(cell):
    rec = np.linalg.inv(cell).T
    w("      direct lattice vectors                 reciprocal lattice vectors")
    for i in range(3):
        w("   " + "".join("%13.9f" % x for x in cell[i]) + "   " + "".join("%13.9f" % x for x in rec[i]))
    w("")
    w("  length of vectors")
    w("   " + "".join("%13.9f" % x for x in np.linalg.norm(cell, axis=1)) + "   " +
      "".join("%13.9f" % x for x in np.linalg.norm(rec, axis=1)))
    w("")


w("  energy-cutoff  :      520.00")
w("  volume of cell :  %10.2f" % abs(np.linalg.det(cells[0])))
lattice_block(cells[0])
w(" ")
kpts = [(0.0, 0.0, 0.0, 0.125), (0.5, 0.0, 0.0, 0.375), (0.0, 0.5, 0.0, 0.375), (0.5, 0.5, 0.5, 0.125)]
w(" k-points in units of 2pi/SCALE and weight: Automatically generated mesh                  ")
for k in kpts:
    kc = np.array(k[:3]) @ np.linalg.inv(cells[0]).T * np.linalg.norm(cells[0][0])
    w("  " + "".join("%12.8f" % x for x in kc) + "%12.3f" % k[3])
w(" ")
w(" k-points in reciprocal lattice and weights: Automatically generated mesh                  ")
for k in kpts:
    w("  " + "".join("%12.8f" % x for x in k[:3]) + "%12.3f" % k[3])
w(" ")
w(" position of ions in fractional coordinates (direct lattice) ")
for f in frac:
    w("   " + "".join("%11.8f" % x for x in f))
w(" ")
w(" position of ions in cartesian coordinates  (Angst):")
for p in frac @ cells[0]:
    w("   " + "".join("%11.8f" % x for x in p))
w(" ")
w("")
w("")
w("--------------------------------------------------------------------------------------------------------")
w("")

for step in range(2):
    cell = cells[step]
    fr = frac + dfrac[step]
    pos = fr @ cell
    forces = rng.normal(0, 0.3, (6, 3))
    forces -= forces.mean(axis=0)
    forces = np.round(forces, 6)
    forces[-1] -= forces.sum(axis=0)  # exact zero drift at printed precision
    vol = abs(np.linalg.det(cell))
    ftot, fwo, f0 = energies[step]
    for it in range(1, 4):
        w("")
        w("")
        w("----------------------------------------- Iteration %4d(%4d)  ---------------------------------------" % (step + 1, it))
        w("")
        w("")
        w("    POTLOK:  cpu time    0.0123: real time    0.0131")
        w("     EDDAV:  cpu time    0.1001: real time    0.1013")
        w("")
        w(" eigenvalue-minimisations  :    48")
        w(" total energy-change (2. order) :-0.%07dE-02  (-0.1234567E-02)" % (1234567 // it))
        w(" number of electron      26.0000000 magnetization ")
        w(" augmentation part        2.1234567 magnetization ")
        w("")
        w(" Free energy of the ion-electron system (eV)")
        w("  ---------------------------------------------------")
        w("  alpha Z        PSCENC =        12.34567890")
        w("  Ewald energy   TEWEN  =      -345.67890123")
        w("  entropy T*S    EENTRO =        -0.00345555")
        w("  ---------------------------------------------------")
        e_it = ftot + 0.5 / it**3 - 0.5
        w("  free energy    TOTEN  =  %17.8f eV" % (e_it + 1.0))
        w("")
        w("  energy without entropy =  %16.8f  energy(sigma->0) =  %16.8f" % (e_it + 1.003, e_it + 1.0015))
        w("")
        w("")
        w("--------------------------------------------------------------------------------------------------------")
    w("")
    w("")
    w(" E-fermi :   1.2345     XC(G=0):  -0.8765     alpha+bet : -0.4321")
    w("")
    w("")
    w("------------------------ aborting loop because EDIFF is reached ----------------------------------------")
    w("")
    w("")
    w("    CHARGE:  cpu time    0.0234: real time    0.0235")
    w("    STRESS:  cpu time    0.3456: real time    0.3461")
    w("")
    w("  FORCE on cell =-STRESS in cart. coord.  units (eV):")
    w("  Direction    XX          YY          ZZ          XY          YZ          ZX")
    w("  --------------------------------------------------------------------------------------")
    w("  Alpha Z    %12.5f%12.5f%12.5f" % (12.34568, 12.34568, 12.34568))
    w("  Ewald   " + "".join("%12.5f" % x for x in [-115.2, -114.9, -116.1, 0.31, -0.22, 0.12]))
    w("  -------------------------------------------------------------------------------------")
    kb = np.array(stress_kb[step])
    w("  Total   " + "".join("%12.5f" % x for x in kb * vol / 1602.1766208))
    w("  in kB   " + "".join("%12.5f" % x for x in kb))
    w("  external pressure =  %10.2f kB  Pullay stress =        0.00 kB" % (kb[:3].mean()))
    w("")
    w("")
    w(" VOLUME and BASIS-vectors are now :")
    w(" -----------------------------------------------------------------------------")
    w("  energy-cutoff  :      520.00")
    w("  volume of cell :  %10.2f" % vol)
    lattice_block(cell)
    w("")
    w(" FORCES acting on ions")
    w("    electron-ion (+dipol)            ewald-force                    non-local-force                 convergence-correction")
    w(" -----------------------------------------------------------------------------------------------")
    for f in forces:
        w("   " + " ".join("%10.3E" % x for x in f * 0.9) + "   " + " ".join("%10.3E" % x for x in f * 0.1) +
          "   0.000E+00 0.000E+00 0.000E+00   0.000E+00 0.000E+00 0.000E+00")
    w(" -----------------------------------------------------------------------------------------------")
    w("   0.000E+00 0.000E+00 0.000E+00   0.000E+00 0.000E+00 0.000E+00   0.000E+00 0.000E+00 0.000E+00   0.000E+00 0.000E+00 0.000E+00")
    w(" ")
    w(" ")
    w(" POSITION                                       TOTAL-FORCE (eV/Angst)")
    w(" " + "-" * 83)
    for p, f in zip(pos, forces):
        w("".join("%13.5f" % x for x in p) + "   " + "".join("%14.6f" % x for x in f))
    w(" " + "-" * 83)
    w("    total drift:                           " + "".join("%14.6f" % x for x in forces.sum(axis=0)))
    w("")
    w("")
    w("--------------------------------------------------------------------------------------------------------")
    w("")
    w("")
    w("")
    w("  FREE ENERGIE OF THE ION-ELECTRON SYSTEM (eV)")
    w("  ---------------------------------------------------")
    w("  free  energy   TOTEN  = %18.8f eV" % ftot)
    w("")
    w("  energy  without entropy=%18.8f  energy(sigma->0) =%18.8f" % (fwo, f0))
    w(" ")
    w("")
    w("")
    w("--------------------------------------------------------------------------------------------------------")
    w("")
    w("")
    w("    POTLOK:  cpu time    0.0119: real time    0.0120")
    w("")
    w("")
    w("--------------------------------------------------------------------------------------------------------")
    w("")
    w("")
    w("")
w(" reached required accuracy - stopping structural energy minimisation")
w("     LOOP+:  cpu time    2.3456: real time    2.3512")
w("")
w("")
w(" General timing and accounting informations for this job:")
w(" ========================================================")
w("  ")
w("                  Total CPU time used (sec):        2.812")
w("                            User time (sec):        2.601")
w("                          System time (sec):        0.211")
w("                         Elapsed time (sec):        2.954")
print("\n".join(out))
