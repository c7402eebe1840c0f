"""Helper for the extended XYZ peer tests (tests/peers/test_extxyz_ase*.c).

    python3 ase_extxyz.py gen OUT.xyz   ASE writes a set of test structures
    python3 ase_extxyz.py dump IN.xyz   ASE reads a file and prints what it got as JSON

The JSON values are exactly what ASE holds (floats printed round-trip), so the
C side can compare them bit for bit with what aion reads or wrote.
"""
import json
import sys

import numpy as np
import ase.io
from ase import Atoms, units
from ase.calculators.singlepoint import SinglePointCalculator
from ase.constraints import FixCartesian


def gen(path):
    rng = np.random.default_rng(1234)
    images = []
    # triclinic, mixed pbc, energy/forces/stress, free-form info and arrays
    cell = [[9.123456789, 0.0, 0.0], [-2.5, 8.75, 0.0], [1.25, -0.5, 10.000000001]]
    sym = ['Li'] * 6 + ['P'] * 2 + ['O'] * 8
    a = Atoms(sym, positions=rng.uniform(-1, 10, (16, 3)), cell=cell, pbc=[True, True, False])
    a.set_masses(a.get_masses() * rng.uniform(0.9, 1.1, 16))
    a.set_initial_charges(rng.uniform(-2, 1, 16))
    a.set_momenta(rng.normal(0, 0.05, (16, 3)))
    a.set_tags(np.arange(16) % 3)
    a.new_array('spin', rng.uniform(-1, 1, 16))
    a.new_array('dipole_v', rng.uniform(-1, 1, (16, 3)))
    a.info['config_type'] = 'bulk melt'
    a.info['temperature'] = 1500.5
    a.info['nsteps'] = 12
    a.info['kpts'] = np.array([2, 2, 1])
    a.info['converged'] = True
    s6 = rng.uniform(-0.01, 0.01, 6)
    a.calc = SinglePointCalculator(a, energy=-123.4567890123, forces=rng.normal(0, 1, (16, 3)), stress=s6)
    images.append(a)
    # molecule without cell, only energy
    m = Atoms('H2O', positions=[[0, 0, 0], [0.9572, 0, 0], [-0.239987, 0.926627, 0]])
    m.calc = SinglePointCalculator(m, energy=-14.2)
    images.append(m)
    # orthorhombic, fully periodic, forces only, more atoms
    b = Atoms(['Mg', 'V', 'O', 'O', 'O'] * 6, positions=rng.uniform(0, 6, (30, 3)), cell=[6.1, 6.2, 6.3], pbc=True)
    b.calc = SinglePointCalculator(b, forces=rng.normal(0, 0.3, (30, 3)), energy=1.0e-3)
    images.append(b)
    ase.io.write(path, images, format='extxyz')


def norm(v):
    """A free-form value as the text it came from (for the simple values used here)."""
    if isinstance(v, (bool, np.bool_)):
        return 'T' if v else 'F'
    if isinstance(v, np.ndarray):
        return ' '.join(norm(x) for x in v.ravel())
    if isinstance(v, (list, tuple)):
        return ' '.join(norm(x) for x in v)
    if isinstance(v, (np.integer, int)):
        return str(int(v))
    if isinstance(v, (np.floating, float)):
        return repr(float(v))
    return str(v)


def flat(x):
    return [float(v) for v in np.asarray(x, dtype=float).ravel()]


def dump(path):
    out = []
    for a in ase.io.read(path, ':', format='extxyz'):
        d = {'n': len(a), 'numbers': [int(z) for z in a.numbers], 'positions': flat(a.positions),
             'cell': flat(a.cell[:]), 'pbc': [bool(p) for p in a.pbc]}
        res = a.calc.results if a.calc is not None else {}
        d['energy'] = float(res['energy']) if 'energy' in res else None
        d['forces'] = flat(res['forces']) if 'forces' in res else None
        d['stress'] = flat(a.get_stress(voigt=False)) if 'stress' in res else None
        d['velocities'] = flat(a.get_velocities() * units.fs) if 'momenta' in a.arrays else None
        d['masses'] = flat(a.get_masses()) if 'masses' in a.arrays else None
        d['charges'] = flat(a.get_initial_charges()) if 'initial_charges' in a.arrays else None
        fixed = None
        if a.constraints:
            fixed = [0] * (3 * len(a))
            for c in a.constraints:
                if isinstance(c, FixCartesian):
                    for i in np.atleast_1d(c.a):
                        for k in range(3):
                            # ASE 3.22 stores the mask inverted (True = free)
                            fixed[3 * i + k] = int(not c.mask[k])
        d['fixed'] = fixed
        # ASE 3.22 leaves energy/stress in info as well as in the calculator
        d['info'] = {k: norm(v) for k, v in a.info.items() if k not in res}
        arrays = {}
        for k, v in a.arrays.items():
            if k in ('numbers', 'positions', 'momenta', 'masses', 'initial_charges'):
                continue
            if v.dtype.kind in 'fiub':
                arrays[k] = flat(v)
            else:
                arrays[k] = [str(s) for s in v.ravel()]
        d['arrays'] = arrays
        out.append(d)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    {'gen': gen, 'dump': dump}[sys.argv[1]](sys.argv[2])
