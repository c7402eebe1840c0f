/*
 * A tiny Lennard-Jones potential for MD tests (O(N²), minimum image in an
 * orthorhombic cell, cutoff < L/2, energy shifted at the cutoff), so that the
 * MD engine can be tested independently of the production potentials. With
 * eps = 0 it is an ideal gas.
 */
#ifndef AION_MD_TESTPOT_H
#define AION_MD_TESTPOT_H

#include "potential/potential.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    double eps, sig, rc;
} tp_lj;

static aion_status tp_compute(void *self, const aion_frame *f, aion_eval *out, aion_error *err)
{
    const tp_lj *p = self;
    double L[3] = {f->cell[0][0], f->cell[1][1], f->cell[2][2]};
    double rc2 = p->rc * p->rc, sr6c = pow(p->sig / p->rc, 6), ec = 4 * p->eps * (sr6c * sr6c - sr6c);
    (void)err;
    out->energy = 0;
    memset(out->virial, 0, sizeof out->virial);
    if (out->forces) memset(out->forces, 0, (size_t)f->n * sizeof *out->forces);
    if (p->eps == 0) return AION_OK;
    for (int i = 0; i < f->n; i++)
        for (int j = i + 1; j < f->n; j++) {
            double d[3], r2 = 0;
            for (int k = 0; k < 3; k++) {
                d[k] = f->pos[j][k] - f->pos[i][k];
                d[k] -= L[k] * round(d[k] / L[k]);
                r2 += d[k] * d[k];
            }
            if (r2 >= rc2) continue;
            double sr2 = p->sig * p->sig / r2, sr6 = sr2 * sr2 * sr2;
            out->energy += 4 * p->eps * (sr6 * sr6 - sr6) - ec;
            double fr = 24 * p->eps * (2 * sr6 * sr6 - sr6) / r2; /* -dE/dr / r */
            for (int a = 0; a < 3; a++) {
                if (out->forces) {
                    out->forces[i][a] -= fr * d[a];
                    out->forces[j][a] += fr * d[a];
                }
                for (int b = 0; b < 3; b++) out->virial[a][b] += fr * d[a] * d[b];
            }
        }
    return AION_OK;
}

static double tp_cutoff(const void *self) { return ((const tp_lj *)self)->rc; }
static void tp_destroy(void *self) { free(self); }
static const aion_potential_ops tp_ops = {.name = "test-lj", .compute = tp_compute, .cutoff = tp_cutoff, .destroy = tp_destroy};

static aion_potential *tp_create(double eps, double sig, double rc)
{
    tp_lj *p = malloc(sizeof *p);
    p->eps = eps, p->sig = sig, p->rc = rc;
    return aion_potential_wrap(&tp_ops, p);
}

/* n³ simple-cubic lattice of Ar-like atoms at spacing a, slightly jittered. */
static void tp_lattice(aion_frame *f, int n, double a, unsigned long long seed)
{
    aion_frame_init(f);
    aion_frame_resize(f, n * n * n, AION_HAS_CELL);
    int k = 0;
    for (int x = 0; x < n; x++)
        for (int y = 0; y < n; y++)
            for (int z = 0; z < n; z++, k++) {
                f->z[k] = 18;
                f->pos[k][0] = (x + 0.5) * a + 0.05 * (((seed = seed * 6364136223846793005ULL + 1) >> 33) / 2147483648.0 - 0.5);
                f->pos[k][1] = (y + 0.5) * a + 0.05 * (((seed = seed * 6364136223846793005ULL + 1) >> 33) / 2147483648.0 - 0.5);
                f->pos[k][2] = (z + 0.5) * a + 0.05 * (((seed = seed * 6364136223846793005ULL + 1) >> 33) / 2147483648.0 - 0.5);
            }
    f->cell[0][0] = f->cell[1][1] = f->cell[2][2] = n * a;
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
}

#endif
