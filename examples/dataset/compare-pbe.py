#!/usr/bin/python3
"""GFN1-xTB against PBE on the reference subset (label-pbe.sh): energies per atom after removing the
mean offset (the two methods have different zeros), forces, stresses. Matches each PBE frame to the
xTB label of the same structure by positions. Run from the repository root after label.sh,
label-retry.sh and label-pbe.sh."""
import glob

import numpy as np
from ase.io import read

L = "out/dataset/labels"
pbe = read(f"{L}/pbe-ref.xyz", ":")
xtb = []
for p in [f"{L}/beta.xyz"] + sorted(glob.glob(f"{L}/retry-beta.xyz")):
    xtb += read(p, ":")


def match(a):
    for b in xtb:
        if len(b) == len(a) and np.abs(b.positions - a.positions).max() < 1e-6:
            return b
    return None


pairs = [(a, match(a)) for a in pbe]
missing = sum(b is None for _, b in pairs)
pairs = [(a, b) for a, b in pairs if b is not None]
print(f"{len(pairs)} structures with both labels ({missing} PBE frames without an xTB label)")
if not pairs:
    raise SystemExit(1)
n = np.array([len(a) for a, _ in pairs])
e_p = np.array([a.get_potential_energy() for a, _ in pairs]) / n
e_x = np.array([b.get_potential_energy() for _, b in pairs]) / n
d = e_x - e_p
print(f"E/atom: PBE {np.round(e_p, 4)} eV, xTB {np.round(e_x, 4)} eV")
print(f"offset xTB - PBE (mean) {d.mean():.4f} eV/atom; after removing it: "
      f"RMS {1000 * np.sqrt(np.mean((d - d.mean()) ** 2)):.1f}, max {1000 * np.abs(d - d.mean()).max():.1f} meV/atom")
print(f"spread of E/atom across the structures: PBE {1000 * np.ptp(e_p):.1f}, xTB {1000 * np.ptp(e_x):.1f} meV/atom")
fp = np.concatenate([a.get_forces().ravel() for a, _ in pairs])
fx = np.concatenate([b.get_forces().ravel() for _, b in pairs])
df = fx - fp
slope = float(np.dot(fx, fp) / np.dot(fp, fp))
print(f"forces ({fp.size} components): RMS PBE {1000 * np.sqrt(np.mean(fp ** 2)):.0f} meV/A; "
      f"xTB - PBE RMS {1000 * np.sqrt(np.mean(df ** 2)):.0f}, MAE {1000 * np.mean(np.abs(df)):.0f}, "
      f"max {1000 * np.abs(df).max():.0f} meV/A; slope xTB on PBE {slope:.3f}; "
      f"correlation {np.corrcoef(fx, fp)[0, 1]:.3f}")
gpa = 160.21766208
for a, b in pairs:
    sp, sx = a.get_stress(voigt=False) * gpa, b.get_stress(voigt=False) * gpa
    print(f"{a.info.get('config_type', '')}: pressure PBE {-np.trace(sp) / 3:.2f} GPa, xTB {-np.trace(sx) / 3:.2f} GPa,"
          f" max |stress diff| {np.abs(sx - sp).max():.2f} GPa")
