/*
 * Synthetic training data for the training and grade tests: a random
 * reference MTP labels random periodic frames (energies, forces, stresses)
 * through the production evaluator.
 */
#ifndef AION_TEST_TRAIN_DATA_H
#define AION_TEST_TRAIN_DATA_H

#include "test.h"
#include "internal.h"
#include "potential/mtp.h"

static char tmpdir[64];
static const int ZS[2] = {3, 8};

static void random_model(mtp_model *m, int level, int nspecies, double rcut, unsigned long long *seed)
{
    aion_error err = {0};
    if (mtp_basis_generate(m, level, nspecies, 1.2, rcut, 6, &err)) abort();
    size_t nr = (size_t)nspecies * (size_t)nspecies * (size_t)m->nradial * (size_t)m->rb_size;
    m->radial = calloc(nr, sizeof(double));
    m->species_coeffs = calloc((size_t)nspecies, sizeof(double));
    m->moment_coeffs = calloc((size_t)m->nscalar, sizeof(double));
    for (size_t q = 0; q < nr; q++) m->radial[q] = (2 * test_rand(seed) - 1);
    for (int s = 0; s < nspecies; s++) m->species_coeffs[s] = -3 + test_rand(seed);
    for (int a = 0; a < m->nscalar; a++) m->moment_coeffs[a] = (2 * test_rand(seed) - 1) * 0.05;
    m->has_scaling = 1;
    m->scaling = 0.1;
}

/* nf random periodic frames labelled by the reference potential (written to ref.mtp) */
static aion_frame *make_data_scaled(int nf, const mtp_model *ref, double scale, unsigned long long *seed)
{
    char path[128];
    aion_error err = {0};
    aion_potential *p = NULL;
    aion_potential_opts o;
    aion_frame *fr = calloc((size_t)nf, sizeof *fr);
    snprintf(path, sizeof path, "%s/ref.mtp", tmpdir);
    if (mtp_model_write(path, ref, &err)) abort();
    aion_potential_opts_init(&o);
    o.species_z = ZS;
    o.n_species_z = ref->nspecies;
    o.nthreads = 1;
    if (aion_potential_create(&p, path, &o, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        abort();
    }
    for (int k = 0; k < nf; k++) {
        aion_frame *f = &fr[k];
        int n = 5 + k % 4;
        double L = (4.6 + 0.3 * test_rand(seed)) * scale;
        aion_frame_init(f);
        if (aion_frame_resize(f, n, AION_HAS_CELL | AION_HAS_FORCES | AION_HAS_ENERGY | AION_HAS_STRESS)) abort();
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) f->cell[a][b] = a == b ? L : (b > a ? 0.4 * (test_rand(seed) - 0.5) : 0);
        f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
        for (int i = 0; i < n; i++) {
            for (int tries = 0; tries < 10000; tries++) {
                double s[3] = {test_rand(seed), test_rand(seed), test_rand(seed)}, ok = 1;
                for (int c = 0; c < 3; c++) f->pos[i][c] = s[0] * f->cell[0][c] + s[1] * f->cell[1][c] + s[2] * f->cell[2][c];
                for (int j = 0; j < i && ok; j++) {
                    double d2 = 0;
                    for (int c = 0; c < 3; c++) d2 += (f->pos[i][c] - f->pos[j][c]) * (f->pos[i][c] - f->pos[j][c]);
                    if (d2 < 1.6 * 1.6 * scale * scale) ok = 0;
                }
                if (ok) break;
            }
            f->z[i] = ZS[i % ref->nspecies];
        }
        aion_eval ev;
        memset(&ev, 0, sizeof ev);
        ev.forces = f->forces;
        ev.want_virial = 1;
        if (aion_potential_compute(p, f, &ev)) abort();
        f->energy = ev.energy;
        double V = aion_frame_volume(f);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) f->stress[a][b] = -ev.virial[a][b] / V;
    }
    aion_potential_free(p);
    return fr;
}

static aion_frame *make_data(int nf, const mtp_model *ref, unsigned long long *seed)
{
    return make_data_scaled(nf, ref, 1.0, seed);
}

#endif
