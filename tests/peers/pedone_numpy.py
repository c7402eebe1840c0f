#!/usr/bin/python3
"""Independent NumPy reference of the Pedone potential with DSF Coulomb
(brute force over periodic images), in two flavours:
  exact   erfc from SciPy, k_e = 14.399645478425668 eV·Å (CODATA; aion's constant)
  lammps  erfc by the Abramowitz–Stegun 7.1.26 polynomial (|error| <= 1.5e-7) and
          k_e = 14.399645 (LAMMPS metal qqr2e), as LAMMPS coul/dsf computes
It tells the differences between aion and LAMMPS that come from LAMMPS'
approximations apart from real disagreements.

usage: pedone_numpy.py STRUCTURE.xyz [exact|lammps]   -> prints E and the virial W (eV)"""
import sys

import numpy as np
from ase.io import read
from scipy.special import erfc

PED = {  # X-O: D, a, r0, C ; charges
    "Li": (0.001114, 3.429506, 2.681360, 1.0), "P": (0.831326, 2.585833, 1.800790, 1.0),
    "O": (0.042395, 1.379316, 3.618701, 22.0)}
Q = {"Li": 0.6, "P": 3.0, "O": -1.2}
RC_SR, RC_C, ALPHA = 5.5, 8.0, 0.25


def erfc_as(x):
    t = 1.0 / (1.0 + 0.3275911 * x)
    return t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * np.exp(-x * x)


def main():
    atoms = read(sys.argv[1])
    flavour = sys.argv[2] if len(sys.argv) > 2 else "exact"
    ke, erfcf = (14.399645478425668, erfc) if flavour == "exact" else (14.399645, erfc_as)
    sym = atoms.get_chemical_symbols()
    q = np.array([Q[s] for s in sym])
    pos, cell = atoms.positions, atoms.cell.array
    n = len(atoms)
    E, W = 0.0, np.zeros((3, 3))
    # the shift constants use the exact erfc in LAMMPS too (init_style)
    S = erfc(ALPHA * RC_C) / RC_C**2 + 2 * ALPHA / np.sqrt(np.pi) * np.exp(-(ALPHA * RC_C) ** 2) / RC_C
    es = erfc(ALPHA * RC_C) / RC_C + S * RC_C
    E += np.sum(-ke * q * q * (es / 2 + ALPHA / np.sqrt(np.pi)))
    isO = np.array([s == "O" for s in sym])
    for a in range(-1, 2):
        for b in range(-1, 2):
            for c in range(-1, 2):
                shift = a * cell[0] + b * cell[1] + c * cell[2]
                d = pos[None, :, :] + shift - pos[:, None, :]
                r = np.linalg.norm(d, axis=2)
                if a == b == c == 0:
                    np.fill_diagonal(r, np.inf)
                m = r < RC_C
                qq = ke * q[:, None] * q[None, :]
                rr = np.where(m, r, 1.0)
                e = np.where(m, qq * (erfcf(ALPHA * rr) / rr - erfc(ALPHA * RC_C) / RC_C + S * (rr - RC_C)), 0)
                de = np.where(m, -qq * (erfcf(ALPHA * rr) / rr**2 + 2 * ALPHA / np.sqrt(np.pi) * np.exp(-(ALPHA * rr) ** 2) / rr - S), 0)
                # short range: cation-O and O-O
                for sp, (D, al, r0, C) in PED.items():
                    isx = np.array([s == sp for s in sym])
                    pair = (isx[:, None] & isO[None, :]) | (isO[:, None] & isx[None, :]) if sp != "O" else (isO[:, None] & isO[None, :])
                    ms = pair & (r < RC_SR)
                    rs = np.where(ms, r, 1.0)
                    ex, exc = np.exp(-al * (rs - r0)), np.exp(-al * (RC_SR - r0))
                    e += np.where(ms, D * ex * (ex - 2) - D * exc * (exc - 2) + C / rs**12 - C / RC_SR**12, 0)
                    de += np.where(ms, 2 * al * D * ex * (1 - ex) - 12 * C / rs**13, 0)
                E += 0.5 * e.sum()
                fr = np.where(r < RC_C, -de / np.where(r < RC_C, r, 1.0), 0)
                W += 0.5 * np.einsum("ij,ija,ijb->ab", fr, d, d)
    print("E %.12f" % E)
    print("W " + " ".join("%.9f" % v for v in W.ravel()))


if __name__ == "__main__":
    main()
