#!/usr/bin/python3
"""Compare aion eval output (extended XYZ) with a LAMMPS run (log + dump).

usage: compare_lammps.py AION.xyz LAMMPS.log LAMMPS.dump RTOL [RTOL_VIRIAL]
Energy: |ΔE| <= RTOL |E|. Forces: max |ΔF| <= RTOL max|F| (per component).
Virial: max |ΔW| <= RTOL_VIRIAL max|W| (W = P V / nktv2p from the log; default RTOL).
Per-atom energies: max |Δe| <= RTOL max|e| (when both sides have them).
Prints the numbers; exit 1 when a check fails."""
import sys

import numpy as np
from ase.io import read

NKTV2P = 1.6021765e6  # LAMMPS metal units: bar per eV/Å³


def lammps_thermo(log):
    lines = open(log).read().splitlines()
    for k, ln in enumerate(lines):
        if ln.split()[:2] == ["Step", "PotEng"]:
            keys = ln.split()
            vals = [float(v) for v in lines[k + 1].split()]
            return dict(zip(keys, vals))
    sys.exit("no thermo output in " + log)


def lammps_dump(path):
    lines = open(path).read().splitlines()
    n = int(lines[3])
    cols = lines[8].split()[2:]
    data = np.array([[float(v) for v in ln.split()] for ln in lines[9:9 + n]])
    return {c: data[:, k] for k, c in enumerate(cols)}


def main():
    xyz, log, dump, rtol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    rtol_w = float(sys.argv[5]) if len(sys.argv) > 5 else rtol
    a = read(xyz, format="extxyz")
    t = lammps_thermo(log)
    d = lammps_dump(dump)
    e_a = a.get_potential_energy()
    f_a = a.get_forces()
    s_a = a.get_stress(voigt=False)
    w_a = -s_a * a.get_volume()
    f_l = np.stack([d["fx"], d["fy"], d["fz"]], axis=1)
    p = t
    w_l = np.array([[p["Pxx"], p["Pxy"], p["Pxz"]], [p["Pxy"], p["Pyy"], p["Pyz"]], [p["Pxz"], p["Pyz"], p["Pzz"]]])
    w_l = w_l * p["Volume"] / NKTV2P
    e_l = t["PotEng"]
    ok = True
    de = abs(e_a - e_l) / abs(e_l)
    df = np.abs(f_a - f_l).max() / np.abs(f_l).max()
    dw = np.abs(w_a - w_l).max() / np.abs(w_l).max()
    print("energy  aion %.12f  lammps %.12f  rel diff %.2e" % (e_a, e_l, de))
    print("forces  max|dF| %.3e eV/A  max|F| %.3f  rel %.2e" % (np.abs(f_a - f_l).max(), np.abs(f_l).max(), df))
    print("virial  max|dW| %.3e eV  max|W| %.3f  rel %.2e" % (np.abs(w_a - w_l).max(), np.abs(w_l).max(), dw))
    for name, v, tol in (("energy", de, rtol), ("forces", df, rtol), ("virial", dw, rtol_w)):
        if not v <= tol:
            print("FAIL %s: %.2e > %.1e" % (name, v, tol))
            ok = False
    if "energies" in a.arrays and "c_pe" in d:
        ea, el = a.arrays["energies"], d["c_pe"]
        dpe = np.abs(ea - el).max() / np.abs(el).max()
        print("per-atom energies  max|de| %.3e eV  rel %.2e  (sum aion %.9f)" % (np.abs(ea - el).max(), dpe, ea.sum()))
        if not dpe <= rtol:
            print("FAIL per-atom energies: %.2e > %.1e" % (dpe, rtol))
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
