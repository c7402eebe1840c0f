/*
 * Arrhenius regression against the published D(T) set of He et al. (mogroupumd/aimd
 * tests): Ea = 0.258128 ± 0.016832 eV, D(300 K) = 6.8075e-9 cm²/s,
 * σ(300 K) = 1.0804 mS/cm with interval 0.5451–2.1413 mS/cm. Their fit: log10 D vs
 * 1000/T weighted by σ_log10D = log10(e)·δD/D with absolute errors (curve_fit,
 * absolute_sigma=True), k_B = 8.617e-5 eV/K, and an interval that omits the
 * slope–intercept covariance. The Nernst–Einstein factor for 56 Li⁺ in the
 * 12.98 Å cubic LLZO cell at 300 K is 1.587012e8 (mS/cm)/(cm²/s).
 */
#include "aion.h"
#include "test.h"

static int load(const char *path, double *T, double *D, double *E)
{
    FILE *f = fopen(path, "r");
    char line[256];
    int n = 0;
    if (!f) return 0;
    if (!fgets(line, sizeof line, f)) n = -1;
    while (n >= 0 && n < 64 && fgets(line, sizeof line, f))
        if (sscanf(line, "%lf,%lf,%lf", &T[n], &D[n], &E[n]) == 3) n++;
    fclose(f);
    return n;
}

static void test_published(void)
{
    TEST_SKIP_UNLESS_FILE("../shared/data/arrhenius/D_T.csv");
    double T[64], D[64], E[64];
    int n = load("../shared/data/arrhenius/D_T.csv", T, D, E);
    CHECK(n == 9);
    aion_arrhenius_opts o;
    aion_arrhenius a;
    aion_arrhenius_opts_init(&o);
    o.kb_eV = 8.617e-5; /* as in the published code */
    CHECK_OK(aion_arrhenius_fit(T, D, E, n, &o, &a, NULL));
    CHECK_NEAR(a.Ea_eV, 0.258128283041, 1e-6);
    CHECK_NEAR(a.Ea_err, 0.0168320198494, 1e-6);
    double sd, sd_nocov;
    double D300 = aion_arrhenius_predict(&a, 300.0, &sd, &sd_nocov);
    CHECK_REL(D300, 6.80754024147e-09, 1e-6, 0);
    /* conversion factor from the LLZO cell with our (CODATA 2018) constants */
    double V = 12.98 * 12.98 * 12.98;
    double f = aion_nernst_einstein_factor(56, 1.0, V, 300.0) * 1000.0; /* mS/cm per cm²/s */
    printf("NE factor %.9g (published 158701249.73)\n", f);
    CHECK_REL(f, 158701249.73192352, 2e-6, 0);
    double s300 = f * D300;
    printf("sigma(300 K) = %.6f mS/cm; published interval %.6f..%.6f; with covariance %.6f..%.6f\n", s300,
           s300 * exp(-sd_nocov), s300 * exp(sd_nocov), s300 * exp(-sd), s300 * exp(sd));
    CHECK_REL(s300, 1.08036514392, 3e-6, 0);
    CHECK_REL(s300 * exp(-sd_nocov), 0.54509683117599272, 3e-6, 0);
    CHECK_REL(s300 * exp(sd_nocov), 2.1412504667878154, 3e-6, 0);
    /* the full-covariance interval is narrower (cov(ln A, Ea) > 0 here) */
    CHECK(sd < sd_nocov);
    /* CODATA k_B changes Ea by the ratio of the constants only */
    aion_arrhenius b;
    o.kb_eV = 0;
    CHECK_OK(aion_arrhenius_fit(T, D, E, n, &o, &b, NULL));
    CHECK_REL(b.Ea_eV, a.Ea_eV * AION_KB_EV / 8.617e-5, 1e-12, 0);
    CHECK_REL(aion_arrhenius_predict(&b, 300.0, NULL, NULL), D300, 1e-10, 0);
}

/* Exact data: recover Ea and A; unweighted errors vanish; σT form. */
static void test_exact(void)
{
    double T[5] = {500, 600, 700, 800, 1000}, y[5], yT[5];
    for (int i = 0; i < 5; i++) {
        y[i] = 3e-3 * exp(-0.4 / (AION_KB_EV * T[i]));
        yT[i] = 50.0 * exp(-0.3 / (AION_KB_EV * T[i])) / T[i];
    }
    aion_arrhenius a;
    CHECK_OK(aion_arrhenius_fit(T, y, NULL, 5, NULL, &a, NULL));
    CHECK_NEAR(a.Ea_eV, 0.4, 1e-12);
    CHECK_NEAR(a.lnA, log(3e-3), 1e-10);
    CHECK(a.Ea_err < 1e-10);
    CHECK_REL(aion_arrhenius_predict(&a, 300, NULL, NULL), 3e-3 * exp(-0.4 / (AION_KB_EV * 300)), 1e-10, 0);
    aion_arrhenius_opts o;
    aion_arrhenius_opts_init(&o);
    o.times_T = 1;
    CHECK_OK(aion_arrhenius_fit(T, yT, NULL, 5, &o, &a, NULL));
    CHECK_NEAR(a.Ea_eV, 0.3, 1e-12);
    CHECK_REL(aion_arrhenius_predict(&a, 350, NULL, NULL), 50.0 * exp(-0.3 / (AION_KB_EV * 350)) / 350, 1e-10, 0);
    /* bad input */
    y[2] = -1;
    aion_error e;
    CHECK(aion_arrhenius_fit(T, y, NULL, 5, NULL, &a, &e) == AION_ERR_INVALID);
}

/* Monte Carlo: the prediction interval with the full covariance covers ~68%. */
static void test_prediction_coverage(void)
{
    double T[6] = {600, 700, 800, 900, 1000, 1200}, y[6], e[6];
    unsigned long long s = 77;
    int hit = 0, hit_nocov = 0, N = 2000;
    double truth = 1e-3 * exp(-0.35 / (AION_KB_EV * 300));
    for (int k = 0; k < N; k++) {
        for (int i = 0; i < 6; i++) {
            double u1 = test_rand(&s), u2 = test_rand(&s);
            double g = sqrt(-2 * log(u1 + 1e-300)) * cos(2 * M_PI * u2);
            double rel = 0.2;
            y[i] = 1e-3 * exp(-0.35 / (AION_KB_EV * T[i])) * exp(rel * g);
            e[i] = rel * y[i];
        }
        aion_arrhenius a;
        if (aion_arrhenius_fit(T, y, e, 6, NULL, &a, NULL)) continue;
        double sd, sdn, p = aion_arrhenius_predict(&a, 300, &sd, &sdn);
        hit += fabs(log(p / truth)) <= sd;
        hit_nocov += fabs(log(p / truth)) <= sdn;
    }
    printf("Arrhenius extrapolation to 300 K: 1σ coverage %.3f (full covariance), %.3f (no covariance)\n",
           (double)hit / N, (double)hit_nocov / N);
    CHECK(fabs((double)hit / N - 0.6827) < 0.035);
}

int main(void)
{
    TEST_RUN(test_exact);
    TEST_RUN(test_prediction_coverage);
    TEST_RUN(test_published);
    return TEST_END();
}
