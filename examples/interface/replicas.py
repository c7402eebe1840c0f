#!/usr/bin/python3
"""Pool the z-resolved Li diffusivities of independent interface replicas (replicas.sh).

Reads BASE/s*/slab-T.json (aion analyze slab, four bins: metal | interface 1 | bulk glass |
interface 2, as run.sh passes them) and BASE/s*/md-T/grade.csv. For each region and temperature:
the mean of the replicas' D, its standard error (the spread between replicas, not the fits' own
errors, which understate it) and the number of replicas. The two interfaces of a cell are pooled
into one "interface" region (two samples per replica, averaged within the replica first so that
replicas stay the independent unit). The interface effect is the ratio D_interface / D_bulk taken
within each replica and temperature (same glass, same run), averaged in log over temperatures per
replica, then over replicas with a Student-t 95 % interval. Arrhenius fits of the pooled means
(weights from their standard errors) by `aion analyze arrhenius`; the 300 K value only as an
extrapolation of that fit.

With --against OTHER (another set of replicas, e.g. the same glass seeds without N): the ratio of this
set's D to the other's in each region, paired by replica name (s71 with s71: the same Pedone glass
before any change), geometric mean over temperatures per replica, then over replicas with a Student-t
95 % interval.

    replicas.py BASE [--temps 600,700,800] [--aion ./build/aion] [--json OUT.json] [--against OTHER]
"""
import argparse
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import stats

REGIONS = ("metal", "interface 1", "bulk", "interface 2")


def read_grade(path):
    g = 0.0
    try:
        with open(path) as f:
            next(f)
            for line in f:
                c = line.split(",")
                if len(c) > 2:
                    g = max(g, float(c[2]))
    except (OSError, StopIteration, ValueError):
        return None
    return g


def read_replica(d, temps):
    """{T: {region: {'xy': D, 'z': D, 'warn': [...]}}, 'grade': {T: g}} for one replica folder."""
    out, grades = {}, {}
    for t in temps:
        p = os.path.join(d, "slab-%d.json" % t)
        if not os.path.exists(p):
            continue
        bins = json.load(open(p))["results"]["groups"][0]["slab"]
        if len(bins) != 4:
            sys.exit("%s: %d bins, expected 4 (metal, interface 1, bulk, interface 2)" % (p, len(bins)))
        out[t] = {}
        for name, b in zip(REGIONS, bins):
            r = {"atoms": b["atoms_mean"], "z_lo": b.get("z_lo_A"), "z_hi": b.get("z_hi_A")}
            for dim in ("xy", "z"):
                fit = b.get(dim) or {}
                r[dim] = fit.get("D_cm2_s")
                r[dim + "_msd_max"] = fit.get("msd_max_A2")
                r[dim + "_hops"] = fit.get("n_hops_eff")
                r[dim + "_window"] = (fit.get("fit_start_fs"), fit.get("fit_end_fs"))
                r[dim + "_warn"] = fit.get("warnings", [])
            out[t][name] = r
        grades[t] = read_grade(os.path.join(d, "md-%d" % t, "grade.csv"))
    return out, grades


def read_set(base, temps):
    reps = {}
    for d in sorted(glob.glob(os.path.join(base, "s*"))):
        if os.path.isdir(d):
            data, grades = read_replica(d, temps)
            if data:
                reps[os.path.basename(d)] = (data, grades)
    if not reps:
        sys.exit("%s: no replica with slab-T.json" % base)
    return reps


def region_d(row, region, dim):
    d = iface_mean(row, dim) if region == "interface" else row[region][dim]
    return d if d is not None and d > 0 else None


def paired_ratio(pairs, temps):
    """Ratios x/y paired within each replica: pairs holds, per replica, {T: (x, y)} (D values; None
    for no fit). Geometric mean over T per replica, then over replicas with a Student-t 95 % interval;
    se_log is the standard error of the mean log ratio (None for one replica). None if no pair."""
    per_rep, per_t = [], {t: [] for t in temps}
    for p in pairs:
        logs = []
        for t in temps:
            x, y = p.get(t, (None, None))
            if x and y:
                logs.append(math.log(x / y))
                per_t[t].append(x / y)
        if logs:
            per_rep.append(math.exp(np.mean(logs)))
    if not per_rep:
        return None
    gm, lo, hi, n = t_interval_log(per_rep)
    se = float(np.std(np.log(per_rep), ddof=1) / math.sqrt(n)) if n > 1 else None
    return {"geo_mean": gm, "ci95_lo": lo, "ci95_hi": hi, "replicas": n, "se_log": se,
            "per_replica": per_rep,
            "per_T": {str(t): math.exp(np.mean(np.log(per_t[t]))) for t in temps if per_t[t]}}


def against(reps, other, temps):
    """This set's D over the other's, paired by replica name and temperature."""
    out = {}
    common = sorted(set(reps) & set(other))
    for region in ("interface", "bulk"):
        for dim in ("xy", "z"):
            r = paired_ratio([{t: (region_d(reps[k][0][t], region, dim), region_d(other[k][0][t], region, dim))
                               for t in temps if t in reps[k][0] and t in other[k][0]} for k in common], temps)
            if r:
                out.setdefault(region, {})[dim] = r
    return common, out


def iface_mean(row, dim):
    """D of the cell's two interfaces averaged within one replica (None if neither has a fit)."""
    v = [row[r][dim] for r in ("interface 1", "interface 2")]
    v = [x for x in v if x is not None]
    return float(np.mean(v)) if v else None


def mean_sem(x):
    x = np.asarray([v for v in x if v is not None], float)  # a fit may give D <= 0 (frozen metal): kept
    if len(x) == 0:
        return None, None, 0
    if len(x) == 1:
        return float(x[0]), None, 1
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x))), len(x)


def t_interval_log(v):
    """Geometric mean and 95 % Student-t interval of positive ratios."""
    v = np.log(np.asarray(v, float))
    n = len(v)
    m = v.mean()
    if n < 2:
        return math.exp(m), None, None, n
    h = stats.t.ppf(0.975, n - 1) * v.std(ddof=1) / math.sqrt(n)
    return math.exp(m), math.exp(m - h), math.exp(m + h), n


def wall_null(d_cm2_s, edges, window, seed=1, n=20000, dt=50.0):
    """D_z(interface)/D_z(bulk) that reflecting walls alone give an origin-binned MSD.

    1D Brownian motion with the bulk's D_z between reflecting walls at the glass's two faces (edges
    e1 and e4: the metal bin ends at e1, the cell at e4), uniform start heights; the MSD of the
    origins in each bin fitted over the same window as the real fit. Li hop rather than diffuse
    smoothly, so this is the geometric expectation, not a model of the glass."""
    e1, e2, e3, e4 = edges[1], edges[2], edges[3], edges[4]
    length, d = e4 - e1, d_cm2_s * 10.0  # cm^2/s -> A^2/fs
    t0, t1 = window
    rng = np.random.default_rng(seed)
    z0 = rng.uniform(0.0, length, n)
    z = z0.copy()
    sel = [(z0 < e2 - e1), (z0 >= e2 - e1) & (z0 < e3 - e1), (z0 >= e3 - e1)]
    steps = int(math.ceil(t1 / dt))
    t, msd = np.arange(1, steps + 1) * dt, np.empty((3, steps))
    for k in range(steps):
        z += rng.normal(0.0, math.sqrt(2.0 * d * dt), n)
        z = np.abs(z)
        z = np.where(z > length, 2.0 * length - z, z)
        for j in range(3):
            msd[j, k] = np.mean((z[sel[j]] - z0[sel[j]]) ** 2)
    w = (t >= t0) & (t <= t1)
    slope = [np.polyfit(t[w], msd[j, w], 1)[0] for j in range(3)]
    return slope[0] / slope[1], slope[2] / slope[1]


def arrhenius(aion, rows):
    """rows: [(T, D, err)] -> Ea, err, D300, lo, hi from aion analyze arrhenius."""
    rows = [r for r in rows if r[1] is not None and r[2] is not None and r[1] > 0]
    if len(rows) < 3:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "arr.csv")
        with open(csv, "w") as f:
            f.write("T,D,D_error\n")
            for t, d, e in rows:
                f.write("%g,%.6e,%.6e\n" % (t, d, e))
        res = subprocess.run([aion, "analyze", "arrhenius", "--data", csv, "--out", os.path.join(tmp, "arr")],
                             capture_output=True, text=True)
        if res.returncode:
            sys.exit("aion analyze arrhenius failed: " + res.stderr.strip())
        r = json.load(open(os.path.join(tmp, "arr.json")))["results"]
    p = r["prediction"]
    return {"Ea_eV": r["Ea_eV"], "Ea_err_eV": r["Ea_err_eV"], "chi2_dof": r["chi2_dof"],
            "D300_cm2_s": p["value"], "D300_lo": p["lo_1sigma"], "D300_hi": p["hi_1sigma"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base")
    ap.add_argument("--temps", default="600,700,800")
    ap.add_argument("--aion", default="./build/aion")
    ap.add_argument("--json", default=None, help="summary file (default BASE/replicas.json)")
    ap.add_argument("--against", default=None, help="another set: ratios of D paired by replica name")
    a = ap.parse_args()
    temps = [int(t) for t in a.temps.split(",")]
    reps = read_set(a.base, temps)

    print("replicas: %s" % ", ".join("%s (%s K)" % (k, ",".join(str(t) for t in sorted(v[0]))) for k, v in reps.items()))
    gmax = max((g for _, gr in reps.values() for g in gr.values() if g is not None), default=None)
    print("largest extrapolation grade of any analysed run: %s" % ("%.2f" % gmax if gmax is not None else "?"))

    summary = {"replicas": sorted(reps), "temperatures_K": temps, "max_grade": gmax, "regions": {}, "ratio": {}}
    print("\nD in 1e-6 cm^2/s: mean over replicas +- standard error (n replicas); interface = both faces")
    print("%-12s %-3s " % ("region", "dim") + " ".join("%20s" % ("%d K" % t) for t in temps) +
          "   Ea (eV)        D(300 K) extrapolated")
    for region in ("interface", "interface 1", "bulk", "interface 2", "metal"):
        for dim in ("xy", "z"):
            rows, cells = [], []
            for t in temps:
                vals = []
                for data, _ in reps.values():
                    if t not in data:
                        continue
                    if region == "interface":
                        vals.append(iface_mean(data[t], dim))
                    else:
                        vals.append(data[t][region][dim])
                m, e, n = mean_sem(vals)
                rows.append((t, m, e))
                cells.append("%8.2f +- %5.2f (%d)" % (m * 1e6, e * 1e6, n) if e is not None else "%20s" % "-")
            fit = arrhenius(a.aion, rows) if region != "metal" else None
            summary["regions"].setdefault(region, {})[dim] = {"per_T": [
                {"T_K": t, "D_cm2_s": m, "sem_cm2_s": e} for t, m, e in rows], "arrhenius": fit}
            ftxt = ("%.2f +- %.2f   %.2g (%.2g..%.2g) cm^2/s" % (fit["Ea_eV"], fit["Ea_err_eV"], fit["D300_cm2_s"],
                                                              fit["D300_lo"], fit["D300_hi"]) if fit else "")
            print("%-12s %-3s " % (region, dim) + " ".join(cells) + "   " + ftxt)

    print("\ninterface / bulk, paired within each replica (geometric mean over T per replica, then over replicas):")
    for dim in ("xy", "z"):
        r = paired_ratio([{t: (region_d(data[t], "interface", dim), region_d(data[t], "bulk", dim)) for t in data}
                          for data, _ in reps.values()], temps)
        if r is None:
            print("  D_%s: no replica with both an interface and a bulk fit" % dim)
            continue
        tt = "; ".join("%s K %.2f" % (t, v) for t, v in r["per_T"].items())
        if r["ci95_lo"] is not None:
            print("  D_%s: %.2f (95%% interval %.2f..%.2f, %d replicas; per T: %s)" % (
                dim, r["geo_mean"], r["ci95_lo"], r["ci95_hi"], r["replicas"], tt))
        else:
            print("  D_%s: %.2f (%d replica)" % (dim, r["geo_mean"], r["replicas"]))
        summary["ratio"][dim] = r

    print("\nD_z interface/bulk that the walls alone give (reflecting walls at the glass faces, Brownian")
    print("motion with the pooled bulk D_z, each replica's bins and fit window, averaged over replicas):")
    summary["wall_null_z"] = {}
    for t in temps:
        bulk = summary["regions"]["bulk"]["z"]["per_T"][temps.index(t)]["D_cm2_s"]
        r1, r2 = [], []
        for k, (data, _) in enumerate(reps.values()):
            if t not in data or not bulk or bulk <= 0:
                continue
            b = [data[t][r] for r in REGIONS]
            if any(x["z_lo"] is None for x in b) or None in b[2]["z_window"]:
                continue
            edges = [b[0]["z_lo"], b[1]["z_lo"], b[2]["z_lo"], b[3]["z_lo"], b[3]["z_hi"]]
            a1, a2 = wall_null(bulk, edges, b[2]["z_window"], seed=k + 1)
            r1.append(a1)
            r2.append(a2)
        if r1:
            g = math.exp(np.mean(np.log(np.r_[r1, r2])))
            summary["wall_null_z"][str(t)] = g
            print("  %d K: %.2f (interface 1 %.2f, interface 2 %.2f)" % (t, g, np.mean(r1), np.mean(r2)))

    print("\nhow diffusive (medians over replicas; He et al. ask for MSD >= 4.5 A^2 and many hops):")
    print("%-12s %-3s " % ("region", "dim") + " ".join("%22s" % ("%d K: MSD max, hops" % t) for t in temps))
    summary["diffusive"] = {}
    for region in REGIONS[1:]:
        for dim in ("xy", "z"):
            cells = []
            for t in temps:
                m = [data[t][region][dim + "_msd_max"] for data, _ in reps.values() if t in data]
                h = [data[t][region][dim + "_hops"] for data, _ in reps.values() if t in data]
                m = [x for x in m if x is not None]
                h = [x for x in h if x is not None]
                mm = float(np.median(m)) if m else float("nan")
                hh = float(np.median(h)) if h else float("nan")
                summary["diffusive"].setdefault(region, {}).setdefault(dim, {})[str(t)] = {
                    "median_msd_max_A2": mm, "median_hops_eff": hh}
                cells.append("%13.1f A2 %6.0f" % (mm, hh))
            print("%-12s %-3s " % (region, dim) + " ".join(cells))

    nw = sum(1 for data, _ in reps.values() for t in data for r in REGIONS[1:] for dim in ("xy", "z")
             if data[t][r][dim + "_warn"])
    nt = sum(1 for data, _ in reps.values() for t in data for r in REGIONS[1:] for dim in ("xy", "z"))
    msd = [data[t][r][dim + "_msd_max"] for data, _ in reps.values() for t in data for r in REGIONS[1:]
           for dim in ("xy", "z") if data[t][r][dim + "_msd_max"] is not None]
    print("\nfits with warnings (aion analyze slab): %d of %d; largest MSD reached per fit %.1f..%.1f A^2" %
          (nw, nt, min(msd), max(msd)))
    if a.against:
        common, ag = against(reps, read_set(a.against, temps), temps)
        print("\nthis set / %s, paired by replica name (%d in both; geometric mean over T, then replicas):" %
              (a.against, len(common)))
        for region, dims in ag.items():
            for dim, r in dims.items():
                tt = "; ".join("%s K %.2f" % (t, v) for t, v in r["per_T"].items())
                ci = "95%% interval %.2f..%.2f, " % (r["ci95_lo"], r["ci95_hi"]) if r["ci95_lo"] is not None else ""
                print("  %-9s D_%-2s %.2f (%s%d replicas; per T: %s)" % (region, dim, r["geo_mean"], ci,
                                                                     r["replicas"], tt))
        summary["against"] = {"other": a.against, "replicas": common, "ratio": ag}
    out = a.json or os.path.join(a.base, "replicas.json")
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(summary, f, indent=1)
    os.replace(tmp, out)
    print("wrote %s" % out)


if __name__ == "__main__":
    main()
