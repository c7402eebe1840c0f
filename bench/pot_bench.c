/*
 * Force-evaluation benchmark for classical potentials, MD-like: velocity
 * Verlet (NVE, dt = 1 fs, zero initial velocities) on the first frame of an
 * extended XYZ file, so the neighbour list is reused and rebuilt as LAMMPS
 * does with `run N`. Prints atom-steps/s and the energy drift.
 * Usage: pot_bench SPEC FILE NSTEPS THREADS COULOMB(dsf|ewald|none) [ewald_accuracy]
 */
#include "aion.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    aion_frame *frames = NULL;
    int nframes = 0;
    aion_error err = {0};
    aion_potential_opts o;
    aion_potential *p = NULL;
    if (argc < 6) {
        fprintf(stderr, "usage: pot_bench SPEC FILE NSTEPS THREADS dsf|ewald|none [ewald_accuracy]\n");
        return 2;
    }
    int nsteps = atoi(argv[3]);
    aion_potential_opts_init(&o);
    o.nthreads = atoi(argv[4]);
    o.coulomb = !strcmp(argv[5], "dsf") ? AION_COUL_DSF : !strcmp(argv[5], "ewald") ? AION_COUL_EWALD : AION_COUL_NONE;
    if (argc > 6) o.ewald_accuracy = atof(argv[6]);
    if (aion_read_all(argv[2], NULL, &frames, &nframes, &err) != AION_OK || nframes < 1) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (aion_potential_create(&p, argv[1], &o, &err) != AION_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    aion_frame *f = &frames[0];
    int n = f->n;
    double (*v)[3] = calloc((size_t)n, sizeof *v), (*F)[3] = calloc((size_t)n, sizeof *F), *minv = calloc((size_t)n, sizeof *minv);
    const double dt = 1.0, cv = 1.0 / AION_AMU_A2_FS2_TO_EV; /* a = F/m in Å/fs² with F eV/Å, m amu */
    for (int i = 0; i < n; i++) minv[i] = cv / aion_element_mass(f->z[i]);
    aion_eval ev = {0};
    ev.forces = F;
    if (aion_potential_compute(p, f, &ev) != AION_OK) {
        fprintf(stderr, "%s\n", aion_potential_errmsg(p));
        return 1;
    }
    double e0 = ev.energy, ek = 0;
    double t0 = now_s();
    for (int s = 0; s < nsteps; s++) {
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 3; k++) {
                v[i][k] += 0.5 * dt * F[i][k] * minv[i];
                f->pos[i][k] += dt * v[i][k];
            }
        if (aion_potential_compute(p, f, &ev) != AION_OK) {
            fprintf(stderr, "%s\n", aion_potential_errmsg(p));
            return 1;
        }
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 3; k++) v[i][k] += 0.5 * dt * F[i][k] * minv[i];
    }
    double t1 = now_s();
    for (int i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) ek += 0.5 * v[i][k] * v[i][k] / minv[i];
    printf("aion %s coulomb=%s threads=%d atoms=%d steps=%d time=%.4f s atom-steps/s=%.4g E0=%.6f E=%.6f drift=%.2e eV/atom\n",
           argv[1], argv[5], o.nthreads, n, nsteps, t1 - t0, (double)n * nsteps / (t1 - t0), e0, ev.energy + ek,
           (ev.energy + ek - e0) / n);
    aion_potential_free(p);
    aion_frames_free(frames, nframes);
    free(v);
    free(F);
    free(minv);
    return 0;
}
