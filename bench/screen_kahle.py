#!/usr/bin/env python3
"""Ranking experiment on the Kahle et al. (2020) development set.

Runs `aion screen` (BVSE energy; both protocols) on
../shared/data/kahle2020/kahle2020-dev.xyz and measures how well the minimum
percolation energy (MPE, lower = faster) and the Xi descriptor (higher =
faster) separate fast conductors (D > 1e-5 cm^2/s in the first-principles MD
of Kahle, Marcolongo & Marzari, Energy Environ. Sci. 13, 928 (2020)) from
slow ones: ROC AUC with a bootstrap error bar (2000 resamples of the
structures, percentile 95 % interval), plus the batch wall time.

usage: bench/screen_kahle.py [AION_BIN] [OUTDIR] [extra aion screen options...]
"""
import csv
import json
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "kahle2020", "kahle2020-dev.xyz")


def read_labels(path):
    """D (cm^2/s) and label of every frame, from the extended XYZ comment lines."""
    out = []
    with open(path) as f:
        while True:
            line = f.readline()
            if not line:
                break
            n = int(line)
            comment = f.readline()
            kv = {}
            for tok in comment.split():
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    kv[k] = v.strip('"')
            out.append((kv.get("label", ""), float(kv["D_cm2_s"])))
            for _ in range(n):
                f.readline()
    return out


def auc(scores, labels):
    """Mann-Whitney AUC: P(score of a positive > score of a negative), ties 1/2."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return float("nan")
    wins = 0.0
    for p in pos:
        for q in neg:
            wins += 1.0 if p > q else 0.5 if p == q else 0.0
    return wins / (len(pos) * len(neg))


def bootstrap(scores, labels, n=2000, seed=1):
    rng = random.Random(seed)
    idx = list(range(len(scores)))
    vals = []
    for _ in range(n):
        s = [rng.choice(idx) for _ in idx]
        a = auc([scores[i] for i in s], [labels[i] for i in s])
        if a == a:
            vals.append(a)
    vals.sort()
    return vals[int(0.025 * len(vals))], vals[int(0.975 * len(vals)) - 1]


def main():
    aion = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "aion")
    outdir = sys.argv[2] if len(sys.argv) > 2 else "kahle-screen"
    extra = sys.argv[3:]
    os.makedirs(outdir, exist_ok=True)
    truth = read_labels(DATA)
    report = {"n_structures": len(truth), "threshold_cm2_s": 1e-5, "runs": []}
    for protocol in ("probe", "single"):
        out = os.path.join(outdir, f"{protocol}.csv")
        cmd = [aion, "screen", "--ion", "Li", "--protocol", protocol, "--symmetry", "--overwrite",
               DATA, "--out", out] + extra
        t0 = time.time()
        subprocess.run(cmd, check=True)
        wall = time.time() - t0
        rows = {int(r["frame"]): r for r in csv.DictReader(open(out))}
        mpe, xi, y, failed = [], [], [], []
        for i, (label, d) in enumerate(truth):
            r = rows.get(i)
            if r is None or r["status"] != "ok":
                failed.append((label, r["error"] if r else "missing"))
                continue
            m = float(r["mpe_1d_eV"]) if r["mpe_1d_eV"] not in ("", "inf") else float("inf")
            mpe.append(-m)  # lower MPE = predicted faster
            xi.append(float(r["xi"]))
            y.append(d > 1e-5)
        res = {"protocol": protocol, "wall_s": wall, "n_ok": len(y), "n_fast": sum(y), "failed": failed}
        for name, sc in (("MPE_1D", mpe), ("Xi", xi)):
            a = auc(sc, y)
            lo, hi = bootstrap(sc, y)
            res[name] = {"auc": a, "ci95": [lo, hi]}
        report["runs"].append(res)
        print(f"{protocol:6s}: {len(y)} structures ({sum(y)} fast), wall {wall:.1f} s; "
              f"AUC(MPE) {res['MPE_1D']['auc']:.3f} [{res['MPE_1D']['ci95'][0]:.3f}, {res['MPE_1D']['ci95'][1]:.3f}], "
              f"AUC(Xi) {res['Xi']['auc']:.3f} [{res['Xi']['ci95'][0]:.3f}, {res['Xi']['ci95'][1]:.3f}]"
              + (f"; failed: {failed}" if failed else ""))
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
