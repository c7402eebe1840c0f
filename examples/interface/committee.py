#!/usr/bin/python3
"""Pool rigid-metal replica sets run with different potentials on the same glasses (a committee).

Each BASE is a set of replicas (replicas.sh / replicas.py; BASE/replicas.json), all on the same glass
seeds, each with its own potential (committee.sh fits potentials to the same data with different
seeds). replicas.py's error bars are the spread between glasses for one potential; this adds the
spread between potentials. For the paired interface/bulk ratio (xy and z) and for the bulk D_xy at
each temperature it prints, on a log scale:
  - each potential's value and its within-potential standard error (replicas.py's se_log: the spread
    between that set's glasses);
  - the committee's geometric mean, the standard deviation between potentials (what one more
    potential's answer would scatter by), the mean within-potential standard error (what more glasses
    would reduce), and a 95 % Student-t interval of the committee mean over the k potentials.
A potential is not a random sample of "the right potential", so the interval of the mean says how well
the committee agrees, not how close it is to PBE.

    committee.py BASE BASE [BASE ...] [--json OUT.json]
"""
import argparse
import json
import math
import os
import sys

import numpy as np
from scipy import stats


def pool(values, ses):
    """Committee statistics of k >= 2 positive values (log scale); ses: their within-set standard
    errors in log (None where a set has one replica)."""
    v = np.log(np.asarray(values, float))
    k = len(v)
    sd = float(v.std(ddof=1))
    h = stats.t.ppf(0.975, k - 1) * sd / math.sqrt(k)
    s = [x for x in ses if x is not None]
    return {"k": k, "geo_mean": float(math.exp(v.mean())), "min": float(min(values)),
            "max": float(max(values)), "sd_between_log": sd, "ci95_lo": float(math.exp(v.mean() - h)),
            "ci95_hi": float(math.exp(v.mean() + h)), "se_within_log": float(np.mean(s)) if s else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bases", nargs="+")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    if len(a.bases) < 2:
        sys.exit("committee.py: give at least two replica sets")
    sets = []
    for b in a.bases:
        f = os.path.join(b, "replicas.json")
        try:
            sets.append(json.load(open(f)))
        except (OSError, ValueError) as e:
            sys.exit(f"committee.py: {f}: {e} (run replicas.py {b} first)")
        if "se_log" not in sets[-1]["ratio"]["xy"]:
            sys.exit(f"committee.py: {f} has no se_log (written by an older replicas.py): run replicas.py {b} again")
    names = [s["replicas"] for s in sets]
    if any(n != names[0] for n in names):
        print("committee.py: warning: the sets do not hold the same replicas: "
              + "; ".join(f"{b}: {','.join(n)}" for b, n in zip(a.bases, names)), file=sys.stderr)
    summary = {"sets": a.bases, "ratio": {}, "bulk_xy": {}}
    w = max(len(b) for b in a.bases)
    for dim in ("xy", "z"):
        es = [s["ratio"][dim] for s in sets]
        p = pool([e["geo_mean"] for e in es], [e["se_log"] for e in es])
        summary["ratio"][dim] = dict(p, per_set=[e["geo_mean"] for e in es])
        print(f"interface/bulk D_{dim}, paired within each replica, per potential:")
        for b, e in zip(a.bases, es):
            se = e["se_log"]
            print(f"  {b:<{w}}  {e['geo_mean']:.2f} (95% {e['ci95_lo']:.2f}..{e['ci95_hi']:.2f}, "
                  f"{e['replicas']} replicas; within-set SE {se * 100:.0f} % in log)"
                  if se is not None else f"  {b:<{w}}  {e['geo_mean']:.2f} (1 replica)")
        line = (f"  committee of {p['k']}: {p['geo_mean']:.2f} (range {p['min']:.2f}..{p['max']:.2f}; "
                f"between potentials SD {p['sd_between_log'] * 100:.0f} % in log, "
                f"95% of the mean {p['ci95_lo']:.2f}..{p['ci95_hi']:.2f}")
        if p["se_within_log"] is not None:
            line += f"; between glasses SE {p['se_within_log'] * 100:.0f} % (mean over sets)"
        print(line + ")")
    temps = [str(t) for t in sets[0]["temperatures_K"]]
    print("bulk D_xy (1e-6 cm^2/s), per potential and committee:")
    for i, T in enumerate(temps):
        ds, ses = [], []
        for s in sets:
            row = s["regions"]["bulk"]["xy"]["per_T"][i]
            if str(row["T_K"]) != T:
                sys.exit(f"committee.py: the sets' temperatures differ ({row['T_K']} vs {T} K)")
            ds.append(row["D_cm2_s"])
            sem = row.get("sem_cm2_s")
            ses.append(sem / row["D_cm2_s"] if sem else None)
        p = pool(ds, ses)
        summary["bulk_xy"][T] = dict(p, per_set=ds)
        print(f"  {T} K: " + " ".join(f"{d * 1e6:.2f}" for d in ds)
              + f"  -> {p['geo_mean'] * 1e6:.2f}, between potentials SD {p['sd_between_log'] * 100:.0f} %"
              + ("" if p["se_within_log"] is None else f", between glasses SE {p['se_within_log'] * 100:.0f} %"))
    if a.json:
        tmp = a.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(summary, f, indent=1)
        os.replace(tmp, a.json)
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
