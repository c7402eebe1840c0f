#!/usr/bin/python3
"""Fit the charge-equilibration parameters of an MTP + QEq model to PBE labels by alternation
(docs/interface.md, "Charge equilibration added to the MTP"; called by qeq.sh fit).

usage: qeq_fit.py DATA.xyz OUTDIR [--iters 6] [--start SJ,SX] [--aion build/aion]

Parameters: theta = (chi_P - chi_Li, chi_O - chi_Li, J_Li, J_P, J_O) (eV; chi_Li = 3.006, widths the
covalent radii). Every fourth frame of DATA is the validation set, the rest the training set. Each
iteration: (1) fit the MTP at fixed theta (aion train --qeq, level 12, 5 A, ZBL 0.6-1.4 A; from the
previous iteration's MTP after the first); (2) at fixed MTP, one damped Gauss-Newton step on theta
for the training residuals (energies per atom and force components, weighted 1 : 0.1 as the
trainer's 1 : 0.01 on squares), the derivatives of the QEq energies and forces by central
differences (aion eval --potential qeq:TABLE; the MTP part does not depend on theta). Prints the
validation errors of every iteration's model (the selection criterion) and writes OUTDIR/fit.json.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
from ase.io import read, write

CHI_LI = 3.006
NAMES = ["chi_P-chi_Li", "chi_O-chi_Li", "J_Li", "J_P", "J_O"]


def table(theta, path):
    dp, do, jl, jp, jo = theta
    with open(path, "w") as f:
        f.write("# qeq_fit.py: chi_Li fixed, widths the covalent radii\n")
        f.write(f"Li {CHI_LI:.10g} {jl:.10g}\nP {CHI_LI + dp:.10g} {jp:.10g}\nO {CHI_LI + do:.10g} {jo:.10g}\n")


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"qeq_fit.py: {' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return r


def ef(path):
    fr = read(path, ":")
    return np.array([a.get_potential_energy() / len(a) for a in fr]), np.concatenate([a.get_forces().ravel() for a in fr])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--iters", type=int, default=6)
    ap.add_argument("--start", default="0.5,2")
    ap.add_argument("--aion", default="build/aion")
    ap.add_argument("--seed", default="2")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    frames = read(a.data, ":")
    tr = [f for k, f in enumerate(frames) if k % 4 != 3]
    va = [f for k, f in enumerate(frames) if k % 4 == 3]
    trp, vap = f"{a.out}/train.xyz", f"{a.out}/valid.xyz"
    write(trp, tr)
    write(vap, va)
    e_ref, f_ref = ef(trp)
    sj, sx = (float(x) for x in a.start.split(","))
    theta = np.array([sx * (5.463 - CHI_LI), sx * (8.741 - CHI_LI), 4.772 * sj, 8.000 * sj, 13.364 * sj])
    hist, prev = [], None
    for it in range(a.iters + 1):
        tab, pot = f"{a.out}/it{it}.txt", f"{a.out}/it{it}.mtp"
        table(theta, tab)
        cmd = [a.aion, "train", "--train", trp, "--valid", vap, "--species", "Li,P,O", "--level", "12",
               "--cutoff", "5", "--zbl", "0.6,1.4", "--seed", a.seed, "--threads", "2", "--quiet",
               "--qeq", tab, "--out", pot]
        cmd += ["--init", prev, "--max-iter", "500"] if prev else ["--max-iter", "1500"]
        res = run(cmd)
        log = res.stdout + res.stderr
        val = [ln for ln in log.splitlines() if ln.startswith("valid")]
        trn = [ln for ln in log.splitlines() if ln.startswith("train ")]
        ve, vf = float(val[-1].split()[7]), float(val[-1].split()[13])
        te, tf = float(trn[-1].split()[7]), float(trn[-1].split()[13])
        rec = {"iter": it, "theta": dict(zip(NAMES, theta.round(4).tolist())), "valid_E_meV_atom": ve,
               "valid_F_meV_A": vf, "valid_loss": ve ** 2 + 0.01 * vf ** 2, "train_E_meV_atom": te, "train_F_meV_A": tf}
        hist.append(rec)
        print(f"iter {it}: theta {np.round(theta, 3).tolist()}  valid {ve:.2f} meV/atom {vf:.1f} meV/A "
              f"(loss {rec['valid_loss']:.1f})  train {te:.2f} {tf:.1f}", flush=True)
        prev = pot
        if it == a.iters:
            break
        # residuals of the whole model on the training frames
        run([a.aion, "eval", "--potential", pot, "--species", "Li,P,O", "--in", trp, "--out", f"{a.out}/m.xyz"])
        e_m, f_m = ef(f"{a.out}/m.xyz")
        r = np.concatenate([(e_ref - e_m) * 1e3, 0.1 * (f_ref - f_m) * 1e3])   # meV/atom, 0.1 x meV/A
        cols = []
        for p in range(len(theta)):
            h = 0.02 * max(1.0, abs(theta[p]))
            ep = []
            for sgn in (1, -1):
                th = theta.copy()
                th[p] += sgn * h
                table(th, f"{a.out}/d.txt")
                run([a.aion, "eval", "--potential", f"qeq:{a.out}/d.txt", "--in", trp, "--out", f"{a.out}/d.xyz"])
                ep.append(ef(f"{a.out}/d.xyz"))
            de = (ep[0][0] - ep[1][0]) / (2 * h) * 1e3
            dfv = (ep[0][1] - ep[1][1]) / (2 * h) * 1e3
            cols.append(np.concatenate([de, 0.1 * dfv]))
        G = np.array(cols).T
        A = G.T @ G
        lam = 1e-3 * np.trace(A) / len(theta)
        step = np.linalg.solve(A + lam * np.eye(len(theta)), G.T @ r)
        # keep the hardnesses positive and the step moderate
        scale = min(1.0, 0.5 * np.min(np.where(step[2:] < 0, theta[2:] / -step[2:], np.inf)))
        theta = theta + scale * step
    best = min(hist, key=lambda h: h["valid_loss"])
    json.dump({"history": hist, "best": best}, open(f"{a.out}/fit.json", "w"), indent=1)
    print(f"best (validation loss): iter {best['iter']}, theta {best['theta']}")


if __name__ == "__main__":
    main()
