#!/usr/bin/python3
"""Errors of a potential against labelled frames (docs/interface.md, "Nitrogen in the glass").

usage: errors.py LABEL.xyz MODEL.xyz [--json OUT.json] [--per-frame]

LABEL.xyz: frames with reference energy, forces and stress (aion label); MODEL.xyz: the same frames
evaluated by the potential (aion eval --in LABEL.xyz). Prints the energy error per atom (model - label),
the force RMSE and the pressure of both, per frame with --per-frame, and RMSEs over all frames grouped by
config_type; --json writes the totals (energy_rmse_meV_atom, energy_mae_meV_atom, force_rmse_meV_A,
pressure_rmse_GPa, frames).
"""
import argparse
import json
import sys

import numpy as np
from ase.io import read

EV_A3_GPA = 160.21766208


def pressure(frame):
    s = frame.info.get('stress')
    if s is None:
        return None
    return -np.trace(np.asarray(s, dtype=float).reshape(3, 3)) / 3 * EV_A3_GPA


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('label')
    ap.add_argument('model')
    ap.add_argument('--json')
    ap.add_argument('--per-frame', action='store_true')
    a = ap.parse_args()
    lab, mod = read(a.label, ':'), read(a.model, ':')
    if len(lab) != len(mod):
        sys.exit(f'errors.py: {a.label} has {len(lab)} frames, {a.model} {len(mod)}')
    rows = []
    for k, (fl, fm) in enumerate(zip(lab, mod)):
        if fl.get_chemical_symbols() != fm.get_chemical_symbols():
            sys.exit(f'errors.py: frame {k}: the two files have different atoms')
        n = len(fl)
        de = (fm.get_potential_energy() - fl.get_potential_energy()) / n * 1000
        df = fm.get_forces() - fl.get_forces()
        rows.append({'frame': k, 'config_type': str(fl.info.get('config_type', '')), 'atoms': n,
                     'de': de, 'f2': float(np.sum(df ** 2)), 'nf': 3 * n,
                     'p_label': pressure(fl), 'p_model': pressure(fm)})
        if a.per_frame:
            r = rows[-1]
            p = '' if r['p_label'] is None or r['p_model'] is None else \
                f"  P {r['p_model']:6.2f} / {r['p_label']:6.2f} GPa"
            print(f"{k:3d} {r['config_type']:40s} {n:4d} atoms  dE {de:+7.1f} meV/atom  "
                  f"F RMSE {1000 * np.sqrt(r['f2'] / r['nf']):5.0f} meV/A{p}")

    def total(sel):
        de = np.array([r['de'] for r in sel])
        dp = [r['p_model'] - r['p_label'] for r in sel if r['p_label'] is not None and r['p_model'] is not None]
        return {'frames': len(sel), 'energy_rmse_meV_atom': float(np.sqrt(np.mean(de ** 2))),
                'energy_mae_meV_atom': float(np.mean(np.abs(de))),
                'force_rmse_meV_A': float(1000 * np.sqrt(sum(r['f2'] for r in sel) / sum(r['nf'] for r in sel))),
                'pressure_rmse_GPa': float(np.sqrt(np.mean(np.square(dp)))) if dp else None}

    groups = {}
    for r in rows:
        groups.setdefault(r['config_type'], []).append(r)
    for name, sel in sorted(groups.items()):
        t = total(sel)
        p = '' if t['pressure_rmse_GPa'] is None else f"  P RMSE {t['pressure_rmse_GPa']:.2f} GPa"
        print(f"{name or '(none)':40s} {t['frames']:3d} frames  E RMSE {t['energy_rmse_meV_atom']:6.1f} meV/atom  "
              f"F RMSE {t['force_rmse_meV_A']:5.0f} meV/A{p}")
    t = total(rows)
    p = '' if t['pressure_rmse_GPa'] is None else f"  P RMSE {t['pressure_rmse_GPa']:.2f} GPa"
    print(f"{'all':40s} {t['frames']:3d} frames  E RMSE {t['energy_rmse_meV_atom']:6.1f} meV/atom  "
          f"F RMSE {t['force_rmse_meV_A']:5.0f} meV/A{p}")
    if a.json:
        with open(a.json, 'w') as f:
            json.dump(t, f, indent=1)


if __name__ == '__main__':
    main()
