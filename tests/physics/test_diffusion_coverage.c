/*
 * Honest error bars: over many seeds of synthetic walks with a known D, the
 * reported 95% interval must contain the true D about 95% of the time, and the
 * reported σ must match the scatter of the estimates. Cases: isotropic
 * Gaussian walk with vibration noise, anisotropic walk, time-correlated
 * (persistent) steps, lattice hopping (non-Gaussian at short lags), and the
 * collective MSD of independent walkers (one effective particle).
 * Default: 100 seeds per case; SLOW=1: 2000 seeds (the numbers in
 * docs/analysis.md).
 */
#include "aion.h"
#include "test.h"

static double gauss(unsigned long long *s)
{
    double u1 = test_rand(s), u2 = test_rand(s);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

enum { ISO, ANISO, PERSIST, HOP, COLL, NCASE };
static const char *names[NCASE] = {"isotropic+vibration", "anisotropic", "persistent (AR1)", "lattice hopping",
                                   "collective"};

/* Generate [N][T][3] and return the true D (Å²/fs -> cm²/s), per direction in Dd. */
static double generate(int c, int N, long T, double dt, double *p, unsigned long long *s, double Dd[3])
{
    const double sig[3] = {0.3, 0.3, 0.3}, sa[3] = {0.4, 0.2, 0.1}, phi = 0.5, vib = 0.15, a = 2.5, hop = 0.05;
    for (int i = 0; i < N; i++) {
        double *x = p + (size_t)i * (size_t)T * 3, y[3] = {0, 0, 0}, v[3] = {0, 0, 0};
        for (long t = 0; t < T; t++) {
            for (int d = 0; d < 3; d++) {
                if (t > 0) {
                    if (c == ISO || c == COLL) y[d] += sig[d] * gauss(s);
                    else if (c == ANISO) y[d] += sa[d] * gauss(s);
                    else if (c == PERSIST) {
                        v[d] = phi * v[d] + sqrt(1 - phi * phi) * sig[d] * gauss(s);
                        y[d] += v[d];
                    }
                }
                x[t * 3 + d] = y[d] + (c == ISO || c == HOP ? vib * gauss(s) : 0.0);
            }
            if (c == HOP && test_rand(s) < hop) {
                int k = (int)(test_rand(s) * 6);
                y[k / 2] += k % 2 ? a : -a;
            }
        }
    }
    for (int d = 0; d < 3; d++) {
        double s2;
        switch (c) {
        case ANISO: s2 = sa[d] * sa[d]; break;
        case PERSIST: s2 = sig[d] * sig[d] * (1 + phi) / (1 - phi); break;
        case HOP: s2 = hop * a * a / 3.0; break;
        default: s2 = sig[d] * sig[d];
        }
        Dd[d] = s2 / (2 * dt) * 0.1;
    }
    return (Dd[0] + Dd[1] + Dd[2]) / 3.0;
}

/* Stream the walk through aion_transport (so α_1D is measured as for real data). */
static int analyse(const double *p, int N, long T, double dt, aion_group_transport *out, aion_group_transport *ols)
{
    aion_transport_opts o;
    aion_transport_opts_init(&o);
    o.drift = AION_DRIFT_NONE;
    o.dt_fs = dt;
    o.nthreads = 1;
    aion_transport *tr = NULL;
    if (aion_transport_create(&tr, &o, NULL)) return -1;
    aion_frame f;
    aion_frame_init(&f);
    aion_frame_resize(&f, N, 0);
    int rc = 0;
    for (long t = 0; t < T && !rc; t++) {
        for (int i = 0; i < N; i++) {
            f.z[i] = 3;
            memcpy(f.pos[i], p + ((size_t)i * T + t) * 3, sizeof(double) * 3);
        }
        rc = aion_transport_add(tr, &f) != AION_OK;
    }
    aion_fit_opts fo;
    aion_fit_opts_init(&fo);
    if (!rc) rc = aion_transport_finish(tr) != AION_OK;
    if (!rc) rc = aion_transport_diffusion(tr, 0, &fo, out) != AION_OK;
    fo.ols = 1;
    if (!rc) rc = aion_transport_diffusion(tr, 0, &fo, ols) != AION_OK;
    if (rc) printf("analysis failed: %s\n", aion_transport_errmsg(tr));
    aion_frame_free(&f);
    aion_transport_free(tr);
    return rc;
}

int main(void)
{
    const char *slow = getenv("SLOW");
    int big = slow && *slow && strcmp(slow, "0");
    const int seeds = big ? 2000 : 100;
    const int N = 16;
    const long T = 500;
    const double dt = 10.0;
    double *p = malloc(sizeof(double) * N * T * 3);
    printf("%-22s %8s %8s %8s %8s %8s %10s\n", "case", "cover", "D±1.96σ", "z-dir", "OLS", "sd/err", "bias/err");
    for (int c = 0; c < NCASE; c++) {
        unsigned long long s = 1234567ULL + 7919ULL * (unsigned long long)c;
        int hit = 0, hit_sym = 0, hit_dir = 0, hit_ols = 0, nok = 0;
        double sum = 0, sum2 = 0, sum_err = 0, Dtrue = 0;
        for (int k = 0; k < seeds; k++) {
            double Dd[3];
            Dtrue = generate(c, N, T, dt, p, &s, Dd);
            aion_group_transport g, go;
            if (analyse(p, N, T, dt, &g, &go)) continue;
            const aion_diffusion *r = c == COLL ? &g.collective : &g.tracer;
            const aion_diffusion *ro = c == COLL ? &go.collective : &go.tracer;
            nok++;
            hit += r->D_lo <= Dtrue && Dtrue <= r->D_hi;
            hit_sym += fabs(r->D - Dtrue) <= 1.959964 * r->D_err;
            hit_ols += ro->D_lo <= Dtrue && Dtrue <= ro->D_hi;
            hit_dir += fabs(r->D_dir[2] - Dd[2]) <= 1.959964 * r->D_dir_err[2];
            sum += r->D;
            sum2 += r->D * r->D;
            sum_err += r->D_err;
        }
        double mean = sum / nok, sd = sqrt(fmax(sum2 / nok - mean * mean, 0)), merr = sum_err / nok;
        double cov = (double)hit / nok;
        printf("%-22s %8.3f %8.3f %8.3f %8.3f %8.3f %10.3f\n", names[c], cov, (double)hit_sym / nok,
               (double)hit_dir / nok, (double)hit_ols / nok, sd / merr, (mean - Dtrue) / merr);
        CHECK(nok == seeds);
        if (big) {
            CHECK(cov > 0.935 && cov < 0.965);
            CHECK(sd / merr > 0.9 && sd / merr < 1.1);
        } else {
            CHECK(cov > 0.90 && cov < 0.99);
            CHECK(sd / merr > 0.8 && sd / merr < 1.2);
        }
        /* the estimate is unbiased to well within its error */
        CHECK(fabs(mean - Dtrue) < 0.3 * merr);
    }
    free(p);
    return TEST_END();
}
