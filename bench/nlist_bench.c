/*
 * Neighbour-list benchmark: build, update (rebuild check + refresh) and
 * scaling with N for random (amorphous-like) configurations at a glass-like
 * number density of 0.075 Å⁻³ in a triclinic cell. Prints one line per case:
 *   N nall pairs build_ms pairs_per_s ns_per_atom update_ms threads
 * Usage: nlist_bench [cutoff=8] [skin=1] [full=0] [threads=0] [N ...]
 * Build time should grow linearly with N (constant ns/atom).
 */
#include "internal.h"
#include "neighbor/nlist.h"

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

static double rnd(unsigned long long *s)
{
    *s ^= *s >> 12, *s ^= *s << 25, *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

int main(int argc, char **argv)
{
    double cutoff = argc > 1 ? atof(argv[1]) : 8.0, skin = argc > 2 ? atof(argv[2]) : 1.0;
    int full = argc > 3 ? atoi(argv[3]) : 0, nthreads = argc > 4 ? atoi(argv[4]) : 0;
    int sizes_default[] = {1000, 3000, 10000, 30000, 100000};
    int nsizes = argc > 5 ? argc - 5 : 5;
    const double rho = 0.075;
    printf("# cutoff %g skin %g %s list, density %g /A^3\n", cutoff, skin, full ? "full" : "half", rho);
    printf("# %8s %9s %11s %9s %11s %9s %9s\n", "N", "nall", "pairs", "build_ms", "pairs/s", "ns/atom", "update_ms");
    for (int si = 0; si < nsizes; si++) {
        int n = argc > 5 ? atoi(argv[5 + si]) : sizes_default[si];
        aion_frame f;
        aion_frame_init(&f);
        if (aion_frame_resize(&f, n, AION_HAS_CELL)) return 1;
        double L = cbrt(n / rho);
        /* mildly triclinic cell of the right volume */
        double H[3][3] = {{L, 0, 0}, {0.2 * L, L, 0}, {-0.1 * L, 0.15 * L, L}};
        memcpy(f.cell, H, sizeof H);
        f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
        unsigned long long seed = 42 + n;
        for (int i = 0; i < n; i++) {
            double s[3] = {rnd(&seed), rnd(&seed), rnd(&seed)};
            for (int c = 0; c < 3; c++) f.pos[i][c] = s[0] * H[0][c] + s[1] * H[1][c] + s[2] * H[2][c];
        }
        aion_nlist *nl;
        aion_nlist_opts o = {cutoff, skin, full};
        aion_error err;
        if (aion_nlist_create(&nl, &o, &err)) return 1;
        aion_nlist_set_threads(nl, nthreads);
        if (aion_nlist_update(nl, &f)) return 1; /* warm-up: allocations */
        int reps = n <= 10000 ? 5 : 2;
        double best = 1e30;
        for (int r = 0; r < reps; r++) {
            aion_nlist_invalidate(nl);
            double t0 = now_s();
            if (aion_nlist_update(nl, &f)) return 1;
            double t = now_s() - t0;
            if (t < best) best = t;
        }
        double tu = 1e30;
        for (int r = 0; r < reps; r++) {
            f.pos[r % n][0] += 1e-3;
            double t0 = now_s();
            if (aion_nlist_update(nl, &f)) return 1;
            double t = now_s() - t0;
            if (t < tu) tu = t;
        }
        long pairs = aion_nlist_total_pairs(nl);
        printf("  %8d %9d %11ld %9.2f %11.3g %9.1f %9.3f\n", n, nl->nall, pairs, best * 1e3, pairs / best,
               best * 1e9 / n, tu * 1e3);
        aion_nlist_free(nl);
        aion_frame_free(&f);
    }
    return 0;
}
