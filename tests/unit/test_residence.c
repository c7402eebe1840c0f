/*
 * Residence times: a hand-made trajectory with known stays (transition-based
 * and strict counting, left- and right-censoring, Kaplan–Meier and MLE values
 * worked out by hand); sites moving with the framework drift; lattice hopping
 * with geometric stays of known mean (Kaplan–Meier and MLE recover it, their
 * intervals cover it about 95% of the time over seeds, the naive mean of
 * completed stays is biased low); sites found from the density.
 */
#include "aion.h"
#include "test.h"

static void cube(aion_frame *f, double L)
{
    memset(f->cell, 0, sizeof f->cell);
    f->cell[0][0] = f->cell[1][1] = f->cell[2][2] = L;
    f->has |= AION_HAS_CELL;
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
}

/* Sites at x = 2, 5, 8 (y = z = 5) in a 10 Å cube; -1 = between sites (x = 3.5). */
static void run_hand(int strict, aion_residence_result *res, aion_residence **keep)
{
    static const int path[2][9] = {{0, 0, 1, 1, 1, -1, 1, 2, 2}, {-1, 2, 2, 2, 0, 0, 0, 0, 1}};
    const double sx[3] = {2, 5, 8};
    double sites[3][3] = {{0.2, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0.8, 0.5, 0.5}};
    aion_residence_opts o;
    aion_residence_opts_init(&o);
    o.z_ion = 3;
    o.site_frac = (const double(*)[3])sites;
    o.n_sites = 3;
    o.r_site = 1.0;
    o.strict = strict;
    o.dt_fs = 10;
    o.drift = AION_DRIFT_NONE;
    aion_residence *r = NULL;
    CHECK_OK(aion_residence_create(&r, &o, NULL));
    aion_frame f;
    aion_frame_init(&f);
    aion_frame_resize(&f, 3, 0);
    cube(&f, 10);
    for (int t = 0; t < 9; t++) {
        for (int i = 0; i < 2; i++) {
            int s = path[i][t];
            f.pos[i][0] = s < 0 ? 3.5 : sx[s] + 0.3;
            f.pos[i][1] = 5.2;
            f.pos[i][2] = 4.9;
            f.z[i] = 3;
        }
        f.pos[2][0] = f.pos[2][1] = f.pos[2][2] = 1.0;
        f.z[2] = 8;
        CHECK_OK(aion_residence_add(r, &f));
    }
    CHECK_OK(aion_residence_finish(r));
    CHECK_OK(aion_residence_get(r, res));
    aion_frame_free(&f);
    *keep = r;
}

static void test_hand(void)
{
    aion_residence_result s;
    aion_residence *r = NULL;
    /* transition-based: A: site 0 (left out), 1 from frame 2 to 7 (5 frames,
     * the between frame absorbed), 2 from 7 (censored, 2 frames); B: 2 from 1 to
     * 4 (3), 0 from 4 to 8 (4), 1 at 8 (censored, 1). */
    run_hand(0, &s, &r);
    CHECK(s.n_frames == 9);
    CHECK(s.n_complete == 3);
    CHECK(s.n_censored == 2);
    CHECK(s.n_left == 1);
    CHECK_NEAR(s.f_between, 2.0 / 18.0, 1e-15);
    /* KM: at risk 4 at k = 1..2, events at 3, 4, 5 with 3, 2, 1 at risk */
    CHECK(s.n_surv == 6);
    const double S[6] = {1, 1, 1, 2.0 / 3, 1.0 / 3, 0};
    for (int k = 0; k < 6; k++) CHECK_NEAR(s.survival[k], S[k], 1e-15);
    CHECK_NEAR(s.km_mean_fs, 40.0, 1e-12);
    CHECK(!s.km_restricted);
    /* MLE: d = 3, S = (4 + 2 + 3) + (1 + 0) = 10 -> (3 + 10)/3 frames */
    CHECK_NEAR(s.mle_mean_fs, 130.0 / 3, 1e-12);
    CHECK_NEAR(s.naive_mean_fs, 40.0, 1e-12);
    CHECK(s.complete_hist[3] == 1 && s.complete_hist[4] == 1 && s.complete_hist[5] == 1);
    CHECK(s.site_entries[0] == 1 && s.site_entries[1] == 2 && s.site_entries[2] == 2);
    CHECK_NEAR(s.site_occupancy[0], 6.0 / 9, 1e-15);
    aion_residence_free(r);
    /* strict: A: 1 for frames 2-4 (3), 1 at 6 (1), 2 censored (2); B as above */
    run_hand(1, &s, &r);
    CHECK(s.n_complete == 4);
    CHECK(s.n_censored == 2);
    CHECK(s.n_left == 1);
    CHECK_NEAR(s.naive_mean_fs, 10.0 * (3 + 1 + 3 + 4) / 4, 1e-12);
    /* MLE: d = 4, S = (2 + 0 + 2 + 3) + (1 + 0) = 8 -> 12/4 frames */
    CHECK_NEAR(s.mle_mean_fs, 30.0, 1e-12);
    aion_residence_free(r);
}

/* Ions sit in their sites while the whole system drifts by 0.7 Å per frame:
 * with the framework drift the sites follow (no transitions); without, the
 * ions leave their sites. */
static void test_drift(void)
{
    double sites[8][3];
    for (int k = 0; k < 8; k++)
        for (int d = 0; d < 3; d++) sites[k][d] = 0.25 + 0.5 * ((k >> d) & 1);
    for (int mode = 0; mode < 2; mode++) {
        aion_residence_opts o;
        aion_residence_opts_init(&o);
        o.z_ion = 3;
        o.site_frac = (const double(*)[3])sites;
        o.n_sites = 8;
        o.r_site = 0.8;
        o.dt_fs = 1;
        o.drift = mode ? AION_DRIFT_NONE : AION_DRIFT_FRAMEWORK;
        aion_residence *r = NULL;
        CHECK_OK(aion_residence_create(&r, &o, NULL));
        aion_frame f;
        aion_frame_init(&f);
        aion_frame_resize(&f, 16, 0);
        cube(&f, 8);
        for (int t = 0; t < 40; t++) {
            for (int i = 0; i < 16; i++) {
                int k = i % 8;
                for (int d = 0; d < 3; d++) f.pos[i][d] = 8 * sites[k][d] + (i < 8 ? 0.1 : 2.0);
                f.pos[i][0] += 0.7 * t;
                f.pos[i][0] -= 8 * floor(f.pos[i][0] / 8); /* wrapped */
                f.z[i] = i < 8 ? 3 : 8;
            }
            CHECK_OK(aion_residence_add(r, &f));
        }
        CHECK_OK(aion_residence_finish(r));
        aion_residence_result s;
        CHECK_OK(aion_residence_get(r, &s));
        if (mode == 0) {
            CHECK(s.n_complete == 0);
            CHECK(s.n_left == 8);
            CHECK_NEAR(s.f_between, 0.0, 0);
        } else {
            CHECK(s.n_complete > 20);
        }
        aion_residence_free(r);
        aion_frame_free(&f);
    }
}

static double gauss(unsigned long long *s)
{
    double u1 = test_rand(s), u2 = test_rand(s);
    return sqrt(-2.0 * log(u1 + 1e-300)) * cos(2.0 * M_PI * u2);
}

/* 32 ions hopping on a simple-cubic lattice of 64 sites (3 Å apart, 12 Å cube)
 * with probability p per frame; vibration 0.15 Å. Stays are geometric with mean
 * 1/p frames. */
static void hop_run(double p, long T, unsigned long long seed, aion_residence_result *res, aion_residence **keep,
                    aion_sitefind *sf)
{
    double sites[64][3];
    for (int k = 0; k < 64; k++) {
        sites[k][0] = (0.5 + k % 4) / 4;
        sites[k][1] = (0.5 + k / 4 % 4) / 4;
        sites[k][2] = (0.5 + k / 16) / 4;
    }
    aion_residence_opts o;
    aion_residence_opts_init(&o);
    o.z_ion = 3;
    o.site_frac = (const double(*)[3])sites;
    o.n_sites = 64;
    o.r_site = 1.0;
    o.dt_fs = 2;
    o.seed = seed;
    aion_residence *r = NULL;
    CHECK_OK(aion_residence_create(&r, &o, NULL));
    aion_frame f;
    aion_frame_init(&f);
    aion_frame_resize(&f, 40, 0);
    cube(&f, 12);
    unsigned long long s = seed * 7919 + 1;
    int at[32][3];
    for (int i = 0; i < 32; i++)
        for (int d = 0; d < 3; d++) at[i][d] = (int)(test_rand(&s) * 4) % 4;
    for (long t = 0; t < T; t++) {
        for (int i = 0; i < 32; i++) {
            if (t > 0 && test_rand(&s) < p) {
                int dir = (int)(test_rand(&s) * 6) % 6;
                at[i][dir / 2] = (at[i][dir / 2] + (dir % 2 ? 1 : 3)) % 4;
            }
            for (int d = 0; d < 3; d++) f.pos[i][d] = 3.0 * (at[i][d] + 0.5) + 0.15 * gauss(&s);
            f.z[i] = 3;
        }
        for (int i = 32; i < 40; i++) {
            for (int d = 0; d < 3; d++) f.pos[i][d] = 1.5 + 3.0 * ((i >> (d % 3)) & 1) + 0.05 * gauss(&s);
            f.z[i] = 8;
        }
        CHECK_OK(aion_residence_add(r, &f));
        if (sf) CHECK_OK(aion_sitefind_add(sf, &f));
    }
    CHECK_OK(aion_residence_finish(r));
    CHECK_OK(aion_residence_get(r, res));
    aion_frame_free(&f);
    *keep = r;
}

static void test_hopping(void)
{
    const double p = 0.02, truth = 2.0 / p; /* fs */
    const int seeds = 120;
    int cov_km = 0, cov_mle = 0, cov_mleb = 0;
    double sum_km = 0, sum_mle = 0, sum_naive = 0, sum_err = 0;
    for (int k = 0; k < seeds; k++) {
        aion_residence_result s;
        aion_residence *r = NULL;
        hop_run(p, 500, 1000 + (unsigned long long)k, &s, &r, NULL);
        cov_km += s.km_lo_fs <= truth && truth <= s.km_hi_fs;
        cov_mle += fabs(s.mle_mean_fs - truth) <= 1.96 * s.mle_err_fs;
        cov_mleb += fabs(s.mle_mean_fs - truth) <= 1.96 * s.mle_boot_err_fs;
        sum_km += s.km_mean_fs;
        sum_mle += s.mle_mean_fs;
        sum_naive += s.naive_mean_fs;
        sum_err += s.km_mean_err_fs;
        if (k == 0) {
            CHECK(s.f_between < 1e-3);
            CHECK(s.n_complete > 100);
        }
        aion_residence_free(r);
    }
    double m_km = sum_km / seeds, m_mle = sum_mle / seeds, m_naive = sum_naive / seeds, m_err = sum_err / seeds;
    printf("hopping p = %.3g (true mean %.1f fs): KM %.2f, MLE %.2f, naive %.2f fs; KM 1σ %.2f fs; "
           "coverage KM %.3f, MLE %.3f (Fisher) %.3f (bootstrap) over %d seeds\n",
           p, truth, m_km, m_mle, m_naive, m_err, (double)cov_km / seeds, (double)cov_mle / seeds,
           (double)cov_mleb / seeds, seeds);
    /* unbiased within the error of the mean over seeds */
    CHECK_NEAR(m_km, truth, 4 * m_err / sqrt(seeds) + 0.01 * truth);
    CHECK_NEAR(m_mle, truth, 4 * m_err / sqrt(seeds));
    CHECK(m_naive < m_km - 2 * m_err / sqrt(seeds));
    CHECK(cov_km >= 0.88 * seeds && cov_km <= seeds);
    CHECK(cov_mle >= 0.88 * seeds);
    CHECK(cov_mleb >= 0.88 * seeds);
    /* stays as long as the run: the naive mean is far off, the KM mean is
     * restricted (a lower bound), the MLE still unbiased */
    const double p2 = 0.004, truth2 = 2.0 / p2;
    double s_mle = 0, s_naive = 0, s_km = 0, s_err = 0;
    int restricted = 0;
    const int seeds2 = 20;
    for (int k = 0; k < seeds2; k++) {
        aion_residence_result s;
        aion_residence *r = NULL;
        hop_run(p2, 500, 5000 + (unsigned long long)k, &s, &r, NULL);
        s_mle += s.mle_mean_fs;
        s_naive += s.naive_mean_fs;
        s_km += s.km_mean_fs;
        s_err += s.mle_err_fs;
        restricted += s.km_restricted;
        aion_residence_free(r);
    }
    printf("long stays p = %.3g (true mean %.1f fs): MLE %.1f (1σ of the mean %.1f), KM %.1f (restricted in %d/%d), "
           "naive %.1f fs\n",
           p2, truth2, s_mle / seeds2, s_err / seeds2 / sqrt(seeds2), s_km / seeds2, restricted, seeds2,
           s_naive / seeds2);
    CHECK_NEAR(s_mle / seeds2, truth2, 4 * s_err / seeds2 / sqrt(seeds2));
    CHECK(s_naive / seeds2 < 0.7 * truth2);
    CHECK(restricted > seeds2 / 2);
}

static void test_sitefind(void)
{
    aion_sitefind_opts so = {.z_ion = 3, .grid_A = 0.25, .min_dist_A = 1.5};
    aion_sitefind *sf = NULL;
    CHECK_OK(aion_sitefind_create(&sf, &so, NULL));
    aion_residence_result s;
    aion_residence *r = NULL;
    hop_run(0.05, 400, 99, &s, &r, sf);
    aion_residence_free(r);
    const double (*site)[3] = NULL;
    int n = aion_sitefind_get(sf, &site);
    CHECK(n == 64);
    double worst = 0;
    for (int k = 0; k < n && n == 64; k++) {
        double best = 1e9;
        for (int q = 0; q < 64; q++) {
            double d2 = 0;
            double ref[3] = {(0.5 + q % 4) / 4, (0.5 + q / 4 % 4) / 4, (0.5 + q / 16) / 4};
            for (int d = 0; d < 3; d++) {
                double df = site[k][d] - ref[d];
                df -= nearbyint(df);
                d2 += 144 * df * df;
            }
            best = fmin(best, d2);
        }
        worst = fmax(worst, sqrt(best));
    }
    printf("sites from the density: %d found, farthest from the lattice %.3f Å\n", n, worst);
    CHECK(worst < 0.1);
    aion_sitefind_free(sf);
}

int main(void)
{
    TEST_RUN(test_hand);
    TEST_RUN(test_drift);
    TEST_RUN(test_hopping);
    TEST_RUN(test_sitefind);
    return TEST_END();
}
