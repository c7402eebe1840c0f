/* MSD kernels: FFT vs direct sums, covariance model vs brute force, streamed
 * unwrapping (minimum image, image flags, shuffled ids, variable cell), drift
 * removal, spill to disk. */
#include "aion.h"
#include "test.h"

static double gauss(unsigned long long *s)
{
    double u1 = test_rand(s), u2 = test_rand(s);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* pos [n][T][3] random walk */
static double *walk(int n, long T, double step, unsigned long long seed)
{
    double *p = malloc(sizeof(double) * (size_t)n * (size_t)T * 3);
    unsigned long long s = seed;
    for (int i = 0; i < n; i++) {
        double *x = p + (size_t)i * (size_t)T * 3;
        for (int d = 0; d < 3; d++) x[d] = 10.0 * test_rand(&s);
        for (long t = 1; t < T; t++)
            for (int d = 0; d < 3; d++) x[t * 3 + d] = x[(t - 1) * 3 + d] + step * gauss(&s);
    }
    return p;
}

static void direct_msd(const double *p, int n, long T, double *out[3])
{
    for (int d = 0; d < 3; d++)
        for (long lag = 0; lag < T; lag++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                const double *x = p + (size_t)i * (size_t)T * 3;
                for (long t = 0; t + lag < T; t++) {
                    double dd = x[(t + lag) * 3 + d] - x[t * 3 + d];
                    s += dd * dd;
                }
            }
            out[d][lag] = s / ((double)n * (double)(T - lag));
        }
}

static void test_fft_vs_direct(void)
{
    const int n = 5;
    const long T = 317;
    double *p = walk(n, T, 0.4, 42), *a[3], *b[3];
    for (int d = 0; d < 3; d++) {
        a[d] = calloc(T, sizeof(double));
        b[d] = calloc(T, sizeof(double));
    }
    CHECK_OK(aion_msd_fft(p, n, T, a, NULL));
    direct_msd(p, n, T, b);
    double worst = 0;
    for (int d = 0; d < 3; d++)
        for (long k = 0; k < T; k++) {
            double rel = fabs(a[d][k] - b[d][k]) / fmax(fabs(b[d][k]), 1e-300);
            if (k > 0 && rel > worst) worst = rel;
        }
    printf("FFT vs direct MSD: worst relative difference %.3g\n", worst);
    CHECK(worst < 1e-10);
    for (int d = 0; d < 3; d++) {
        free(a[d]);
        free(b[d]);
    }
    free(p);
}

static double brute_cov(long T, long n, long m, double s2, double v)
{
    long Kn = T - n, Km = T - m;
    double S = 0;
    for (long t = 0; t < Kn; t++)
        for (long u = 0; u < Km; u++) {
            long lo = t > u ? t : u, hi = (t + n) < (u + m) ? t + n : u + m;
            double o = hi > lo ? (double)(hi - lo) : 0.0;
            double e = (t + n == u + m) - (t + n == u) - (t == u + m) + (t == u);
            double c = s2 * o + v * e;
            S += c * c;
        }
    return 2.0 * S / ((double)Kn * (double)Km);
}

static void test_cov_model(void)
{
    const long Ts[] = {7, 23, 40};
    double worst = 0;
    for (int it = 0; it < 3; it++) {
        long T = Ts[it];
        for (long n = 1; n < T; n++)
            for (long m = 1; m < T; m++) {
                double a = aion_msd_cov_model(T, n, m, 0.7, 0.3), b = brute_cov(T, n, m, 0.7, 0.3);
                double rel = fabs(a - b) / fabs(b);
                if (rel > worst) worst = rel;
                double a0 = aion_msd_cov_model(T, n, m, 1.3, 0.0), b0 = brute_cov(T, n, m, 1.3, 0.0);
                rel = fabs(a0 - b0) / fabs(b0);
                if (rel > worst) worst = rel;
            }
    }
    printf("covariance model vs brute force: worst relative difference %.3g\n", worst);
    CHECK(worst < 1e-12);
}

/* Wrapped frame from unwrapped fractional walk; variable cell optional. */
static void make_cell(double h[3][3], long t, int vary)
{
    double s = vary ? 1.0 + 0.05 * sin(0.05 * (double)t) : 1.0;
    double h0[3][3] = {{9.0, 0, 0}, {2.0, 8.5, 0}, {-1.5, 1.0, 10.0}};
    for (int a = 0; a < 3; a++)
        for (int k = 0; k < 3; k++) h[a][k] = h0[a][k] * s;
}

/* Feed a streamed trajectory: unwrapped fractional walk fu[n][T][3].
 * mode: 0 = wrapped, minimum image; 1 = wrapped with image flags; 2 = shuffled ids. */
static void feed(aion_transport *tr, const double *fu, const int *z, int n, long T, int vary, int mode,
                 double *cart /* out: expected unwrapped Cartesian [n][T][3] */)
{
    aion_frame f;
    aion_frame_init(&f);
    unsigned has = AION_HAS_CELL | AION_HAS_TIME | (mode == 1 ? AION_HAS_IMAGE : 0) | (mode == 2 ? AION_HAS_ID : 0);
    aion_frame_resize(&f, n, has);
    f.has = has;
    unsigned long long s = 99;
    for (long t = 0; t < T; t++) {
        double h[3][3];
        make_cell(h, t, vary);
        memcpy(f.cell, h, sizeof h);
        f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
        f.time_fs = 2.0 * (double)t;
        int order[512];
        for (int i = 0; i < n; i++) order[i] = i;
        if (mode == 2)
            for (int i = n - 1; i > 0; i--) {
                int j = (int)(test_rand(&s) * (i + 1));
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
        for (int r = 0; r < n; r++) {
            int i = order[r];
            const double *x = fu + ((size_t)i * (size_t)T + (size_t)t) * 3;
            double w[3];
            int img[3];
            for (int k = 0; k < 3; k++) {
                img[k] = (int)floor(x[k]);
                w[k] = x[k] - img[k];
            }
            for (int k = 0; k < 3; k++) {
                f.pos[r][k] = w[0] * h[0][k] + w[1] * h[1][k] + w[2] * h[2][k];
                /* expected: f_u·h(t), counting images from the one given at frame 0
                 * (the wrapped cell without image flags): LAMMPS' convention */
                const double *x0 = fu + (size_t)i * (size_t)T * 3;
                double o[3];
                for (int a = 0; a < 3; a++) o[a] = mode == 1 ? 0.0 : floor(x0[a]);
                if (cart)
                    cart[((size_t)i * (size_t)T + (size_t)t) * 3 + k] =
                        (x[0] - o[0]) * h[0][k] + (x[1] - o[1]) * h[1][k] + (x[2] - o[2]) * h[2][k];
            }
            f.z[r] = z[i];
            if (mode == 1) memcpy(f.image[r], img, sizeof img);
            if (mode == 2) f.id[r] = 1000 + 7 * i;
        }
        CHECK_OK(aion_transport_add(tr, &f));
    }
    aion_frame_free(&f);
}

static void test_stream(int vary, int mode, size_t mem_mb, int n, long T, double tol)
{
    double *fu = walk(n, T, 0.03, 7 + (unsigned long long)mode), *cart = malloc(sizeof(double) * (size_t)n * (size_t)T * 3);
    int *z = malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) z[i] = i % 3 == 0 ? 3 : 8; /* Li, O */
    aion_transport_opts o;
    aion_transport_opts_init(&o);
    int sp[1] = {3};
    o.species_z = sp;
    o.n_species = 1;
    o.drift = AION_DRIFT_NONE;
    o.mem_limit_mb = mem_mb;
    aion_transport *tr = NULL;
    aion_error e;
    CHECK_OK(aion_transport_create(&tr, &o, &e));
    feed(tr, fu, z, n, T, vary, mode, cart);
    CHECK_OK(aion_transport_finish(tr));
    if (mem_mb == 1) CHECK(aion_transport_spilled(tr) == 1);
    aion_msd_result m;
    CHECK_OK(aion_transport_msd(tr, 0, &m));
    CHECK(m.n == T);
    CHECK_NEAR(m.dt_fs, 2.0, 1e-12);
    /* expected: MSD of the Li atoms' Cartesian unwrapped paths */
    int nli = 0;
    for (int i = 0; i < n; i++) nli += z[i] == 3;
    CHECK(m.n_atoms == nli);
    double *li = malloc(sizeof(double) * (size_t)nli * (size_t)T * 3), *ex[3];
    for (int i = 0, k = 0; i < n; i++)
        if (z[i] == 3) memcpy(li + (size_t)(k++) * (size_t)T * 3, cart + (size_t)i * (size_t)T * 3, sizeof(double) * (size_t)T * 3);
    for (int d = 0; d < 3; d++) ex[d] = calloc(T, sizeof(double));
    CHECK_OK(aion_msd_fft(li, nli, T, ex, NULL));
    double worst = 0;
    for (int d = 0; d < 3; d++)
        for (long k = 1; k < T; k++) worst = fmax(worst, fabs(m.msd_dir[d][k] - ex[d][k]) / ex[d][k]);
    printf("stream vary=%d mode=%d mem=%zu: worst relative MSD difference %.3g\n", vary, mode, mem_mb, worst);
    CHECK(worst < tol);
    /* total = sum of directions */
    CHECK_NEAR(m.msd[T / 2], m.msd_dir[0][T / 2] + m.msd_dir[1][T / 2] + m.msd_dir[2][T / 2], 1e-12 * m.msd[T / 2]);
    for (int d = 0; d < 3; d++) free(ex[d]);
    free(li);
    aion_transport_free(tr);
    free(fu);
    free(cart);
    free(z);
}

static void test_stream_all(void)
{
    test_stream(0, 0, 0, 30, 150, 1e-9);
    test_stream(0, 1, 0, 30, 150, 1e-9);
    test_stream(0, 2, 0, 30, 150, 1e-9);
    test_stream(1, 0, 0, 30, 150, 1e-9);
    test_stream(1, 1, 0, 30, 150, 1e-9);
    /* 60 atoms x 3000 frames x 24 B = 4.3 MB > 1 MiB: spilled as float32 */
    test_stream(0, 0, 1, 60, 3000, 2e-5);
}

/* Framework drift is removed: Li walk + rigid translation of everything. */
static void test_drift(void)
{
    const int n = 12;
    const long T = 200;
    double *p = walk(n, T, 0.2, 5);
    aion_transport_opts o;
    aion_transport_opts_init(&o);
    int sp[1] = {3};
    o.species_z = sp;
    o.n_species = 1;
    o.dt_fs = 1.0;
    aion_transport *tr = NULL;
    CHECK_OK(aion_transport_create(&tr, &o, NULL));
    aion_frame f;
    aion_frame_init(&f);
    aion_frame_resize(&f, n, AION_HAS_CELL);
    f.has = AION_HAS_CELL;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    f.cell[0][0] = f.cell[1][1] = f.cell[2][2] = 50.0;
    for (long t = 0; t < T; t++) {
        double shift[3] = {0.05 * t, -0.02 * t, 0.01 * t * t / 100};
        for (int i = 0; i < n; i++) {
            f.z[i] = i < 4 ? 3 : 8;
            const double *x = p + ((size_t)i * (size_t)T + (size_t)(i < 4 ? t : 0)) * 3;
            for (int k = 0; k < 3; k++) f.pos[i][k] = x[k] + shift[k];
        }
        CHECK_OK(aion_transport_add(tr, &f));
    }
    CHECK_OK(aion_transport_finish(tr));
    aion_msd_result m;
    CHECK_OK(aion_transport_msd(tr, 0, &m));
    double *ex[3];
    for (int d = 0; d < 3; d++) ex[d] = calloc(T, sizeof(double));
    CHECK_OK(aion_msd_fft(p, 4, T, ex, NULL));
    double worst = 0;
    for (int d = 0; d < 3; d++)
        for (long k = 1; k < T; k++) worst = fmax(worst, fabs(m.msd_dir[d][k] - ex[d][k]) / ex[d][k]);
    printf("drift removal: worst relative MSD difference %.3g\n", worst);
    CHECK(worst < 1e-9);
    for (int d = 0; d < 3; d++) free(ex[d]);
    aion_frame_free(&f);
    aion_transport_free(tr);
    free(p);
}

/* Frame selection: first/last/stride, and errors for uneven times. */
static void test_selection(void)
{
    const int n = 4;
    const long T = 100;
    double *p = walk(n, T, 0.2, 11);
    aion_transport_opts o;
    aion_transport_opts_init(&o);
    o.first_frame = 10;
    o.last_frame = 89;
    o.stride = 4;
    o.drift = AION_DRIFT_NONE;
    aion_transport *tr = NULL;
    CHECK_OK(aion_transport_create(&tr, &o, NULL));
    aion_frame f;
    aion_frame_init(&f);
    aion_frame_resize(&f, n, AION_HAS_TIME);
    f.has = AION_HAS_TIME;
    for (long t = 0; t < T; t++) {
        f.time_fs = 0.5 * t;
        for (int i = 0; i < n; i++) {
            f.z[i] = 11;
            memcpy(f.pos[i], p + ((size_t)i * (size_t)T + (size_t)t) * 3, sizeof(double) * 3);
        }
        CHECK_OK(aion_transport_add(tr, &f));
    }
    CHECK_OK(aion_transport_finish(tr));
    aion_msd_result m;
    CHECK_OK(aion_transport_msd(tr, 0, &m));
    CHECK(m.n == 20); /* frames 10, 14, ..., 86 */
    CHECK_NEAR(m.dt_fs, 2.0, 1e-12);
    CHECK(m.z == 11);
    /* lag 1 = 4 file frames: direct */
    double s = 0;
    int cnt = 0;
    for (int i = 0; i < n; i++)
        for (long t = 10; t + 4 <= 86; t += 4, cnt++)
            for (int d = 0; d < 3; d++) {
                double dd = p[((size_t)i * T + t + 4) * 3 + d] - p[((size_t)i * T + t) * 3 + d];
                s += dd * dd;
            }
    CHECK_NEAR(m.msd[1], s / cnt, 1e-10 * s / cnt);
    aion_transport_free(tr);
    /* uneven time spacing is an error */
    aion_transport_opts_init(&o);
    CHECK_OK(aion_transport_create(&tr, &o, NULL));
    for (long t = 0; t < 5; t++) {
        f.time_fs = t < 3 ? t : t + 0.5;
        aion_status st = aion_transport_add(tr, &f);
        if (t < 3) CHECK_OK(st);
        else {
            CHECK(st == AION_ERR_INVALID);
            CHECK(strstr(aion_transport_errmsg(tr), "evenly") != NULL);
            break;
        }
    }
    aion_transport_free(tr);
    aion_frame_free(&f);
    free(p);
}

int main(void)
{
    TEST_RUN(test_fft_vs_direct);
    TEST_RUN(test_cov_model);
    TEST_RUN(test_stream_all);
    TEST_RUN(test_drift);
    TEST_RUN(test_selection);
    return TEST_END();
}
