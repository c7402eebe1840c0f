/*
 * Memory-bounded MSD at scale: N atoms x T frames of random walkers streamed
 * through aion_transport (no file parsing) with a memory limit, reporting wall
 * time, peak RSS and whether positions were spilled to disk.
 * usage: msd_scale N T MEM_MB
 */
#include "aion.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int N = argc > 1 ? atoi(argv[1]) : 1000;
    long T = argc > 2 ? atol(argv[2]) : 100000;
    size_t mem = argc > 3 ? (size_t)atol(argv[3]) : 512;
    aion_transport_opts o;
    aion_transport_opts_init(&o);
    o.dt_fs = 10;
    o.mem_limit_mb = mem;
    o.drift = AION_DRIFT_NONE;
    aion_transport *t;
    aion_error e;
    if (aion_transport_create(&t, &o, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
    aion_frame f;
    aion_frame_init(&f);
    aion_frame_resize(&f, N, AION_HAS_CELL);
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    f.cell[0][0] = f.cell[1][1] = f.cell[2][2] = 30;
    unsigned long long s = 88172645463325252ULL;
    for (int i = 0; i < N; i++) f.z[i] = 3;
    double t0 = now();
    for (long k = 0; k < T; k++) {
        for (int i = 0; i < N; i++)
            for (int d = 0; d < 3; d++) {
                s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                double u = (double)(s >> 11) / 9007199254740992.0 - 0.5;
                f.pos[i][d] = fmod(f.pos[i][d] + 0.2 * u + 30.0, 30.0);
            }
        if (aion_transport_add(t, &f)) return fprintf(stderr, "%s\n", aion_transport_errmsg(t)), 1;
    }
    double t1 = now();
    if (aion_transport_finish(t)) return fprintf(stderr, "%s\n", aion_transport_errmsg(t)), 1;
    double t2 = now();
    aion_group_transport g;
    aion_transport_diffusion(t, 0, NULL, &g);
    double t3 = now();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("atoms %d frames %ld mem_limit %zu MiB: feed %.1f s, MSD %.1f s, fit %.2f s, peak RSS %.0f MiB, spilled %d, "
           "D = %.4g +- %.2g cm2/s (expected %.4g)\n",
           N, T, mem, t1 - t0, t2 - t1, t3 - t2, ru.ru_maxrss / 1024.0, aion_transport_spilled(t), g.tracer.D,
           g.tracer.D_err, 0.2 * 0.2 / 12.0 / (2 * 10.0) * 0.1);
    aion_transport_free(t);
    aion_frame_free(&f);
    return 0;
}
