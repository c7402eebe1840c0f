#!/usr/bin/python3
"""Independent dense NumPy reference of charge equilibration (QEq) with Gaussian
charges in a 3D-periodic (possibly triclinic) cell, by Ewald summation.

Model (Å, eV, e; k_e = 14.399645478425668 eV·Å): atom i of species s has
electronegativity chi_s, hardness J_s and a Gaussian charge q_i of width sigma_s
(default: the covalent radius, ase.data.covalent_radii); with gamma_ij =
sqrt(sigma_i^2 + sigma_j^2) and the Gaussian's self-energy s_i = k_e/(sigma_i sqrt(pi)),

    E(q) = sum_i [chi_i q_i + (J_i + s_i) q_i^2 / 2]
         + 1/2 sum'_{i,j,n} k_e q_i q_j erf(|r_ij+n| / (sqrt2 gamma_ij)) / |r_ij+n|

(prime: no i = j at n = 0), minimised at sum_i q_i = Q. erf(x)/r = 1/r - erfc(x)/r:
the 1/r part is the tin-foil point-charge Ewald matrix

    Phi_ij = sum_n erfc(a|r_ij+n|)/|r_ij+n| + 4pi/V sum_{k!=0} exp(-k^2/4a^2)/k^2 cos(k.r_ij)
           - delta_ij 2a/sqrt(pi) - pi/(V a^2)

(the constant is the uniform neutralising background: -k_e pi Q^2/(2 V a^2) in E),
the rest C_ij = sum_n erfc(|r_ij+n|/(sqrt2 gamma_ij))/|r_ij+n| is short-ranged (both
real-space sums leave out i = j, n = 0). H = diag(J + s) + k_e (Phi - C) and

    [[H, 1], [1^T, 0]] [q; lam] = [-chi; Q],   E = chi.q + q.H.q / 2.

"chemical_potential" is lam = -dE/dq_i (the same for every i at the minimum; the
sign of the chemical potential mu = -dE/dq_i), "dE_dq" = -lam.
Forces F = -dE/dR and the virial W_ab = -dE/d eps_ab (symmetric homogeneous strain
of cell and positions, R -> R (1 + eps) for row vectors) are central 4th-order
finite differences of the minimised E(q*(R), R): the charges are re-solved at
every displaced geometry (so Hellmann-Feynman is checked, not assumed).

Environment-dependent electronegativity (aion's 'coord-cutoff RC' and 'chi-coord A B V' lines):
chi_i = chi_s + sum_j V(s_i, s_j) (1 + cos(pi r_ij / RC)) / 2 over the neighbours (all images) within RC.

usage: qeq_numpy.py STRUCT.xyz --params PARAMS.txt [--frame N] [--no-forces]
                    [--no-virial] [--alpha A] [--fd-step H]
PARAMS: '# species chi_eV J_eV [sigma_A]' rows and an optional 'charge Q' row.
Prints one JSON object: energy, charges, forces, virial (3x3, eV), virial_voigt
(xx yy zz yz xz xy), chemical_potential, alpha, n_atoms. Errors: stderr, exit 2."""
import argparse
import json
import sys

import numpy as np
from scipy.special import erfc

KE = 14.399645478425668
SQPI = np.sqrt(np.pi)
TOL_X = 6.5  # erfc(6.5) ~ 4e-20, exp(-6.5^2) ~ 5e-19: real/reciprocal truncation


class InputError(Exception):
    pass


def read_params(path):
    """{species: (chi, J, sigma)}, Q, {(species, neighbour): eV}, coordination cutoff."""
    from ase.data import atomic_numbers, covalent_radii
    table, charge, coord, rc = {}, 0.0, {}, 0.0
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        raise InputError(f"{path}: {e.strerror}")
    for ln, raw in enumerate(lines, 1):
        tok = raw.split("#", 1)[0].split()
        if not tok:
            continue
        try:
            if tok[0] == "charge":
                if len(tok) != 2:
                    raise ValueError("'charge' takes one value")
                charge = float(tok[1])
                if not np.isfinite(charge):
                    raise ValueError("charge not finite")
                continue
            if tok[0] == "coord-cutoff":
                rc = float(tok[1])
                continue
            if tok[0] == "chi-coord":
                coord[(tok[1], tok[2])] = float(tok[3])
                continue
            if tok[0] not in atomic_numbers or tok[0] == "X":
                raise ValueError(f"unknown element '{tok[0]}'")
            if len(tok) not in (3, 4):
                raise ValueError("expected: species chi_eV J_eV [sigma_A]")
            if tok[0] in table:
                raise ValueError(f"species '{tok[0]}' given twice")
            chi, J = float(tok[1]), float(tok[2])
            sig = float(tok[3]) if len(tok) == 4 else covalent_radii[atomic_numbers[tok[0]]]
            if not all(np.isfinite([chi, J, sig])) or J <= 0 or sig <= 0:
                raise ValueError("need finite chi, J > 0, sigma > 0")
            table[tok[0]] = (chi, J, sig)
        except ValueError as e:
            raise InputError(f"{path}:{ln}: {e}: {raw.strip()!r}")
    if not table:
        raise InputError(f"{path}: no species")
    if coord and not rc > 0:
        raise InputError(f"{path}: chi-coord without coord-cutoff")
    return table, charge, coord, rc


def atom_chi(pos, cell, chi0, A, rc):
    """chi_i = chi0_i + sum_{j,n} A_ij f(|r_j + n - r_i|), f = (1 + cos(pi r / rc)) / 2 below rc
    (no i = j at n = 0); A_ij = coefficient of species(i) for a neighbour of species(j)."""
    if rc <= 0:
        return chi0
    chi = chi0.copy()
    shifts = lattice_range(cell, rc) @ cell
    for i in range(len(pos)):
        d = pos[None, :, :] + shifts[:, None, :] - pos[i]
        r = np.linalg.norm(d, axis=2)
        m = (r < rc) & (r > 1e-12)
        f = np.where(m, 0.5 * (1 + np.cos(np.pi * np.where(m, r, 0) / rc)), 0.0)
        chi[i] += (f * A[i][None, :]).sum()
    return chi


def lattice_range(cell, rmax):
    """Integer triples covering every n with |n @ cell| <= rmax (box, a superset)."""
    inv = np.linalg.inv(cell)  # frac = x @ inv, so |n_a| <= |x| |inv[:, a]|
    nmax = np.ceil(rmax * np.linalg.norm(inv, axis=0)).astype(int) + 1
    g = [np.arange(-m, m + 1) for m in nmax]
    return np.stack(np.meshgrid(*g, indexing="ij"), -1).reshape(-1, 3)


def coulomb_matrix(pos, cell, gam, alpha):
    """G_ij = Phi_ij - C_ij (without k_e), gam = gamma_ij matrix."""
    n = len(pos)
    V = abs(np.linalg.det(cell))
    inv = np.linalg.inv(cell)
    frac = (pos[None, :, :] - pos[:, None, :]) @ inv  # r_j - r_i
    d0 = (frac - np.round(frac)) @ cell  # minimum-image-ish; images added below
    # real space: both erfc pieces with one image set
    bmin = 1.0 / (np.sqrt(2.0) * gam.max())
    rcut = TOL_X / min(alpha, bmin)
    dmax = 0.5 * np.linalg.norm(cell, axis=1).sum()  # |d0| <= dmax
    shifts = lattice_range(cell, rcut + dmax) @ cell
    shifts = shifts[np.linalg.norm(shifts, axis=1) <= rcut + 2 * dmax]
    bij = 1.0 / (np.sqrt(2.0) * gam)
    G = np.zeros((n, n))
    eye = np.eye(n, dtype=bool)
    for s in shifts:
        r = np.linalg.norm(d0 + s, axis=2)
        zero = r < 1e-12
        if np.any(zero & ~eye):
            raise InputError("two atoms on the same site")
        rr = np.where(zero, 1.0, r)
        G += np.where(zero, 0.0, (erfc(alpha * rr) - erfc(bij * rr)) / rr)
    # reciprocal space
    rec = 2 * np.pi * inv.T  # rows b_a, b_a . cell_b = 2 pi delta
    kcut = 2 * alpha * TOL_X
    mmax = np.ceil(kcut * np.linalg.norm(cell, axis=1) / (2 * np.pi)).astype(int)
    m = np.stack(np.meshgrid(*[np.arange(-k, k + 1) for k in mmax], indexing="ij"), -1).reshape(-1, 3)
    k = m @ rec
    k2 = np.einsum("ij,ij->i", k, k)
    keep = (k2 > 0) & (k2 <= kcut**2)
    k, k2 = k[keep], k2[keep]
    w = 4 * np.pi / V * np.exp(-k2 / (4 * alpha**2)) / k2
    ph = pos @ k.T  # (n, nk)
    c, s = np.cos(ph), np.sin(ph)
    G += (c * w) @ c.T + (s * w) @ s.T
    G -= eye * 2 * alpha / SQPI + np.pi / (V * alpha**2)
    return G


def solve(pos, cell, chi0, J, sig, Q, alpha, A=None, rc=0.0):
    """(E, q, lam) at the constrained minimum."""
    n = len(pos)
    chi = atom_chi(pos, cell, chi0, A, rc)
    gam = np.sqrt(sig[:, None] ** 2 + sig[None, :] ** 2)
    H = np.diag(J + KE / (sig * SQPI)) + KE * coulomb_matrix(pos, cell, gam, alpha)
    H = 0.5 * (H + H.T)
    A = np.zeros((n + 1, n + 1))
    A[:n, :n], A[:n, n], A[n, :n] = H, 1.0, 1.0
    x = np.linalg.solve(A, np.concatenate([-chi, [Q]]))
    q = x[:n]
    return chi @ q + 0.5 * q @ H @ q, q, x[n]


def fd(fun, h):
    """4th-order central difference d fun(t)/dt at t = 0."""
    return (8 * (fun(h) - fun(-h)) - (fun(2 * h) - fun(-2 * h))) / (12 * h)


def compute(pos, cell, chi, J, sig, Q, alpha, forces=True, virial=True, h=1e-3, A=None, rc=0.0):
    E, q, lam = solve(pos, cell, chi, J, sig, Q, alpha, A, rc)
    out = {"energy": E, "charges": q.tolist(), "chemical_potential": lam, "dE_dq": -lam,
           "total_charge": Q, "alpha": alpha, "n_atoms": len(pos)}
    energy = lambda p, c: solve(p, c, chi, J, sig, Q, alpha, A, rc)[0]
    if forces:
        F = np.zeros_like(pos)
        for i in range(len(pos)):
            for a in range(3):
                def e(t):
                    p = pos.copy()
                    p[i, a] += t
                    return energy(p, cell)
                F[i, a] = -fd(e, h)
        out["forces"] = F.tolist()
        out["force_sum"] = F.sum(0).tolist()
    if virial:
        W = np.zeros((3, 3))
        for a in range(3):
            for b in range(a, 3):
                def e(t):
                    eps = np.zeros((3, 3))
                    eps[a, b] += t / 2
                    eps[b, a] += t / 2
                    D = np.eye(3) + eps
                    return energy(pos @ D, cell @ D)
                W[a, b] = W[b, a] = -fd(e, h)
        out["virial"] = W.tolist()
        out["virial_voigt"] = [W[0, 0], W[1, 1], W[2, 2], W[1, 2], W[0, 2], W[0, 1]]
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("xyz")
    ap.add_argument("--params", required=True)
    ap.add_argument("--frame", type=int, default=0)
    ap.add_argument("--no-forces", action="store_true")
    ap.add_argument("--no-virial", action="store_true")
    ap.add_argument("--alpha", type=float, default=0.35, help="Ewald splitting (1/Å)")
    ap.add_argument("--fd-step", type=float, default=1e-3, help="finite-difference step (Å / strain)")
    args = ap.parse_args(argv)
    try:
        table, Q, coord, rc = read_params(args.params)
        from ase.io import read
        try:
            atoms = read(args.xyz, index=args.frame)
        except Exception as e:  # ase raises many kinds
            raise InputError(f"{args.xyz}: cannot read frame {args.frame}: {type(e).__name__}: {e}")
        if not all(atoms.pbc) or atoms.cell.rank != 3:
            raise InputError(f"{args.xyz}: need a cell periodic in 3D")
        sym = atoms.get_chemical_symbols()
        bad = sorted(set(sym) - set(table))
        if bad:
            raise InputError(f"{args.xyz}: species {', '.join(bad)} not in {args.params}")
        chi, J, sig = (np.array([table[s][k] for s in sym]) for k in range(3))
        A = np.array([[coord.get((a, b), 0.0) for b in sym] for a in sym])
        out = compute(atoms.positions.copy(), atoms.cell.array.copy(), chi, J, sig, Q, args.alpha,
                      not args.no_forces, not args.no_virial, args.fd_step, A, rc)
    except InputError as e:
        print(f"qeq_numpy: {e}", file=sys.stderr)
        return 2
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
