/*
 * MTP evaluation benchmark: microseconds per atom for energy + forces + stress
 * with ../shared/data/mgv2o5/pot.mtp (Mg-V-O, level 16, cutoff 7 Å) on the
 * 96-atom amorphous cell replicated NxNxN (default 3: 2,592 atoms, the size of
 * the MLIP-2 figure in issue 5: 241 µs/atom single-threaded with `mlp calc-efs`).
 * Also counts the floating-point operations per atom of the kernel
 * (analytically, from the basis sizes and the neighbour count) to give GFLOP/s.
 * Prints: threads, µs/atom wall and CPU time (steady state: neighbour list
 * reused as in MD), µs/atom of a neighbour-list build, GFLOP/s (wall).
 * Usage: mtp_bench [pot.mtp] [data.lmp] [replicas=3] [repeats=5]
 */
#include "internal.h"
#include "neighbor/nlist.h"
#include "potential/mtp.h"

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

/* CPU time of the process (all threads): robust against a busy machine */
static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* Minimal LAMMPS data reader (atom_style atomic; orthogonal or triclinic). */
static int read_lmp(const char *path, aion_frame *f)
{
    FILE *fp = fopen(path, "r");
    char line[512];
    int n = 0, in_atoms = 0, got = 0;
    double lo[3] = {0}, hi[3] = {0}, xy = 0, xz = 0, yz = 0;
    if (!fp) return -1;
    aion_frame_init(f);
    while (fgets(line, sizeof line, fp)) {
        double a, b, c;
        if (!in_atoms) {
            if (strstr(line, " atoms")) sscanf(line, "%d", &n);
            else if (strstr(line, "xlo xhi")) sscanf(line, "%lf %lf", &lo[0], &hi[0]);
            else if (strstr(line, "ylo yhi")) sscanf(line, "%lf %lf", &lo[1], &hi[1]);
            else if (strstr(line, "zlo zhi")) sscanf(line, "%lf %lf", &lo[2], &hi[2]);
            else if (strstr(line, "xy xz yz")) sscanf(line, "%lf %lf %lf", &xy, &xz, &yz);
            else if (strncmp(line, "Atoms", 5) == 0) {
                in_atoms = 1;
                if (n <= 0 || aion_frame_resize(f, n, AION_HAS_CELL)) break;
            }
            continue;
        }
        int id, type;
        if (sscanf(line, "%d %d %lf %lf %lf", &id, &type, &a, &b, &c) == 5) {
            static const int z[3] = {12, 23, 8};
            if (id < 1 || id > n || type < 1 || type > 3) break;
            f->pos[id - 1][0] = a;
            f->pos[id - 1][1] = b;
            f->pos[id - 1][2] = c;
            f->z[id - 1] = z[type - 1];
            if (++got == n) break;
        }
    }
    fclose(fp);
    if (got != n || n == 0) return -1;
    memset(f->cell, 0, sizeof f->cell);
    f->cell[0][0] = hi[0] - lo[0];
    f->cell[1][0] = xy;
    f->cell[1][1] = hi[1] - lo[1];
    f->cell[2][0] = xz;
    f->cell[2][1] = yz;
    f->cell[2][2] = hi[2] - lo[2];
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    return 0;
}

static void replicate(const aion_frame *f, int r, aion_frame *g)
{
    int n = f->n, q = 0;
    aion_frame_init(g);
    if (aion_frame_resize(g, n * r * r * r, AION_HAS_CELL)) abort();
    for (int a = 0; a < 3; a++)
        for (int c = 0; c < 3; c++) g->cell[a][c] = r * f->cell[a][c];
    g->pbc[0] = g->pbc[1] = g->pbc[2] = 1;
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++)
            for (int k = 0; k < r; k++)
                for (int a = 0; a < n; a++, q++) {
                    for (int c = 0; c < 3; c++)
                        g->pos[q][c] = f->pos[a][c] + i * f->cell[0][c] + j * f->cell[1][c] + k * f->cell[2][c];
                    g->z[q] = f->z[a];
                }
}

int main(int argc, char **argv)
{
    const char *potpath = argc > 1 ? argv[1] : "../shared/data/mgv2o5/pot.mtp";
    const char *lmp = argc > 2 ? argv[2] : "../shared/data/mgv2o5/amorphous-MgV2O5-96.lmp";
    int rep = argc > 3 ? atoi(argv[3]) : 3, repeats = argc > 4 ? atoi(argv[4]) : 5;
    static const int species[3] = {12, 23, 8};
    aion_frame base, f;
    aion_error err = {0};
    mtp_model m;

    if (read_lmp(lmp, &base)) {
        fprintf(stderr, "cannot read %s\n", lmp);
        return 1;
    }
    replicate(&base, rep, &f);
    if (mtp_model_read(potpath, &m, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }

    /* neighbours within the cutoff (for the operation count) */
    double nnb = 0;
    {
        aion_nlist *nl = NULL;
        aion_nlist_opts o = {m.max_dist, 0.0, 1};
        if (aion_nlist_create(&nl, &o, &err) || aion_nlist_update(nl, &f)) {
            fprintf(stderr, "nlist: %s\n", err.msg);
            return 1;
        }
        long cnt = 0;
        for (int i = 0; i < f.n; i++)
            for (int q = nl->offset[i]; q < nl->offset[i + 1]; q++) {
                const double *a = nl->x[i], *b = nl->x[nl->nbr[q]];
                double d2 = (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]);
                cnt += d2 < m.max_dist * m.max_dist;
            }
        nnb = (double)cnt / f.n;
        aion_nlist_free(nl);
    }

    /* Floating-point operations (add, mul, FMA = 2, sqrt and div = 1 each). */
    double K = m.nradial, R = m.rb_size, nb = m.nbasic, nt = m.ntimes, ns = m.nscalar;
    int numax = 0, ngrad = 0;
    for (int k = 0; k < m.nbasic; k++) {
        int a = m.basic[k][1], b = m.basic[k][2], c = m.basic[k][3];
        numax = a + b + c > numax ? a + b + c : numax;
        ngrad += (a > 0) + (b > 0) + (c > 0);
    }
    double nmono = (numax + 1) * (numax + 2) * (numax + 3) / 6.0;
    double prep = 15 + 8 * (R - 2) + (nmono - 1);                       /* r, u, Chebyshev T and T', monomials */
    double pass1 = prep + 2 * K * R + K + 2 * nb;                       /* f_mu, moments */
    double pass2 = prep + 4 * K * R + 6 * K + 2 * nb + 2 * ngrad + 22 * K + 24; /* f, f', P, grad P, dV/dr, scatter */
    double per_atom = 7 * nb + 3 * nt + 2 * ns + 5 * nt + ns;           /* lane sums, products forward + adjoint */
    double flops = nnb * (pass1 + pass2) + per_atom;

    printf("# %s on %s x%d^3: %d atoms, %.1f neighbours within %.2f A\n", potpath, lmp, rep, f.n, nnb, m.max_dist);
    printf("# basis: %d functions, %d basic moments, %d products, %d radial functions x %d Chebyshev\n", m.nscalar,
           m.nbasic, m.ntimes, m.nradial, m.rb_size);
    printf("# flops/atom %.0f (per neighbour: pass1 %.0f, pass2 %.0f; per atom %.0f)\n", flops, pass1, pass2,
           per_atom);
    printf("# E+F+stress per atom: wall time (best of %d), CPU time of all threads; neighbour-list build (wall)\n",
           repeats);
    printf("# threads  wall_us/atom   cpu_us/atom  build_us/atom  GFLOP/s(wall)  GFLOP/s(cpu)  energy\n");
    for (int threads = 1; threads <= 2; threads++) {
        aion_potential_opts o;
        aion_potential *p = NULL;
        aion_potential_opts_init(&o);
        o.species_z = species;
        o.n_species_z = 3;
        o.nthreads = threads;
        if (aion_potential_create(&p, potpath, &o, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        double (*F)[3] = calloc((size_t)f.n, sizeof *F);
        aion_eval ev;
        memset(&ev, 0, sizeof ev);
        ev.forces = F;
        ev.want_virial = 1;
        if (aion_potential_compute(p, &f, &ev)) { /* warm-up, builds the list */
            fprintf(stderr, "%s\n", aion_potential_errmsg(p));
            return 1;
        }
        double best = 1e30, bestcpu = 1e30;
        for (int r = 0; r < repeats; r++) {
            double t0 = now_s(), c0 = cpu_s();
            aion_potential_compute(p, &f, &ev);
            double t = now_s() - t0, c = cpu_s() - c0;
            best = t < best ? t : best;
            bestcpu = c < bestcpu ? c : bestcpu;
        }
        /* a full neighbour-list build at the same cutoff and skin */
        double tb = 1e30;
        for (int r = 0; r < 3; r++) {
            aion_nlist *nl = NULL;
            aion_nlist_opts no = {m.max_dist, 1.0, 1};
            aion_nlist_create(&nl, &no, &err);
            aion_nlist_set_threads(nl, threads);
            double t0 = now_s();
            aion_nlist_update(nl, &f);
            double t = now_s() - t0;
            tb = t < tb ? t : tb;
            aion_nlist_free(nl);
        }
        printf("%8d  %12.2f  %12.2f  %12.2f  %9.2f  %9.2f  %.10f\n", threads, 1e6 * best / f.n,
               1e6 * bestcpu / f.n, 1e6 * tb / f.n, flops * f.n / best * 1e-9, flops * f.n / bestcpu * 1e-9,
               ev.energy);
        free(F);
        aion_potential_free(p);
    }
    mtp_model_free(&m);
    aion_frame_free(&f);
    aion_frame_free(&base);
    return 0;
}
