/*
 * One-atom-moved energies: aion_potential_probe against one full
 * aion_potential_compute per point (what `aion screen` did before), one
 * thread. Points: random in the cell, at least 1.2 Å (the screening
 * exclusion radius) from every other atom. Prints the set-up cost of one
 * probe call, CPU and wall time per point of both paths, their ratio and the
 * largest relative difference of the energies.
 * Usage: probe_bench STRUCTURE POTENTIAL [--species A,B,C] [--coulomb dsf|ewald]
 *                    [--element Z] [--points N] [--full N]
 */
#include "aion.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double min_dist(const double cell[3][3], const double a[3], const double b[3])
{
    double best = INFINITY;
    for (int i = -1; i <= 1; i++)
        for (int j = -1; j <= 1; j++)
            for (int l = -1; l <= 1; l++) {
                double d2 = 0;
                for (int c = 0; c < 3; c++) {
                    double d = b[c] - a[c] + i * cell[0][c] + j * cell[1][c] + l * cell[2][c];
                    d2 += d * d;
                }
                best = fmin(best, d2);
            }
    return sqrt(best);
}

int main(int argc, char **argv)
{
    const char *spec = NULL, *path = NULL, *species = NULL, *coul = NULL;
    int element = 0, npts = 2000, nfull = 200, zs[16], nz = 0;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--species") && a + 1 < argc) species = argv[++a];
        else if (!strcmp(argv[a], "--coulomb") && a + 1 < argc) coul = argv[++a];
        else if (!strcmp(argv[a], "--element") && a + 1 < argc) element = aion_element_z(argv[++a]);
        else if (!strcmp(argv[a], "--points") && a + 1 < argc) npts = atoi(argv[++a]);
        else if (!strcmp(argv[a], "--full") && a + 1 < argc) nfull = atoi(argv[++a]);
        else if (!path) path = argv[a];
        else if (!spec) spec = argv[a];
    }
    if (!path || !spec || npts < 1 || nfull < 1) {
        fprintf(stderr, "usage: probe_bench STRUCTURE POTENTIAL [--species A,B,C] [--coulomb dsf|ewald] "
                        "[--element Li] [--points N] [--full N]\n");
        return 2;
    }
    if (species) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", species);
        for (char *t = strtok(buf, ","); t && nz < 16; t = strtok(NULL, ",")) zs[nz++] = aion_element_z(t);
    }
    aion_read_opts ro;
    aion_read_opts_init(&ro);
    ro.type_z = nz ? zs : NULL;
    ro.n_type_z = nz;
    aion_frame *frames = NULL, g;
    int nf = 0;
    aion_error err;
    if (aion_read_all(path, &ro, &frames, &nf, &err) != AION_OK || nf < 1) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    aion_frame *f = &frames[nf - 1];
    aion_potential_opts po;
    aion_potential_opts_init(&po);
    po.nthreads = 1;
    po.species_z = nz ? zs : NULL;
    po.n_species_z = nz;
    if (coul) po.coulomb = !strcmp(coul, "dsf") ? AION_COUL_DSF : !strcmp(coul, "ewald") ? AION_COUL_EWALD : AION_COUL_MODEL;
    aion_potential *p = NULL;
    if (aion_potential_create(&p, spec, &po, &err) != AION_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int k = 0;
    for (int i = 0; i < f->n; i++)
        if (f->z[i] == element) {
            k = i;
            break;
        }
    double(*x)[3] = malloc((size_t)npts * sizeof *x), *e = malloc((size_t)npts * sizeof *e);
    unsigned long long s = 88172645463325252ULL;
    for (int q = 0; q < npts;) {
        double u[3];
        for (int c = 0; c < 3; c++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            u[c] = (double)(s >> 11) / 9007199254740992.0;
        }
        for (int c = 0; c < 3; c++) x[q][c] = u[0] * f->cell[0][c] + u[1] * f->cell[1][c] + u[2] * f->cell[2][c];
        int ok = 1;
        for (int j = 0; j < f->n && ok; j++)
            if (j != k) ok = min_dist(f->cell, x[q], f->pos[j]) > 1.2;
        if (ok) q++;
    }
    /* probe: one call (set-up + all points), and the set-up alone (one point) */
    double t0 = now_s(), c0 = cpu_s();
    if (aion_potential_probe(p, f, k, 1, (const double(*)[3])x, e) != AION_OK) {
        fprintf(stderr, "%s\n", aion_potential_errmsg(p));
        return 1;
    }
    double setup_w = now_s() - t0, setup_c = cpu_s() - c0;
    t0 = now_s(), c0 = cpu_s();
    aion_potential_probe(p, f, k, npts, (const double(*)[3])x, e);
    double pw = now_s() - t0, pc = cpu_s() - c0;
    /* full evaluations at the first nfull points */
    aion_frame_init(&g);
    aion_frame_copy(&g, f);
    double worst = 0;
    if (nfull > npts) nfull = npts;
    t0 = now_s(), c0 = cpu_s();
    for (int q = 0; q < nfull; q++) {
        aion_eval ev;
        memset(&ev, 0, sizeof ev);
        memcpy(g.pos[k], x[q], sizeof g.pos[k]);
        aion_potential_compute(p, &g, &ev);
        worst = fmax(worst, fabs(ev.energy - e[q]) / fmax(1.0, fabs(ev.energy)));
    }
    double fw = (now_s() - t0) / nfull, fc = (cpu_s() - c0) / nfull;
    double pw1 = (pw - setup_w) / npts, pc1 = (pc - setup_c) / npts;
    printf("%s %s%s%s, %d atoms, moved atom %d (%s): set-up %.2f ms CPU; per point: probe %.2f us CPU (%.2f wall), "
           "full %.1f us CPU (%.1f wall); ratio %.0f (CPU); %d+%d points, worst relative difference %.1e\n",
           path, spec, coul ? " " : "", coul ? coul : "", f->n, k, aion_element_symbol(f->z[k]), 1e3 * setup_c, 1e6 * pc1,
           1e6 * pw1, 1e6 * fc, 1e6 * fw, fc / pc1, npts, nfull, worst);
    aion_frame_free(&g);
    aion_frames_free(frames, nf);
    aion_potential_free(p);
    free(x);
    free(e);
    return 0;
}
