/* Several glasses in a pipeline (system.glasses; src/pipeline/combine.c): the combination of per-glass
 * Arrhenius fits against an independent numpy computation (weighted least squares by normal equations,
 * np.cov with ddof=1; the numbers below come from that script, reproduced in the comment of test_combine),
 * the identity "between-glass band at T = standard error of the per-glass ln D(T)" by brute force, the floor
 * by the propagated fit errors, one glass, Student t, glass seeds and stage names, and the system.glasses key
 * (YAML, --set, bounds, never part of a stage hash). */
#include "pipeline/pipeline.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const double T4[4] = {800, 900, 1000, 1100};
static const double D3[3][4] = {{2.1e-6, 5.3e-6, 1.02e-5, 1.9e-5},
                                {9.0e-7, 2.6e-6, 6.1e-6, 1.25e-5},
                                {3.3e-6, 6.8e-6, 1.31e-5, 2.2e-5}};
static const double E3[3][4] = {{0.2e-6, 0.5e-6, 0.9e-6, 1.5e-6},
                                {0.1e-6, 0.3e-6, 0.5e-6, 1.2e-6},
                                {0.4e-6, 0.6e-6, 1.0e-6, 2.5e-6}};

static void fit3(aion_arrhenius fits[3])
{
    aion_arrhenius_opts o;
    aion_error err;
    aion_arrhenius_opts_init(&o);
    for (int g = 0; g < 3; g++) CHECK_OK(aion_arrhenius_fit(T4, D3[g], E3[g], 4, &o, &fits[g], &err));
}

/* Reference (numpy, kB = 8.617333262e-5 eV/K):
 *   per glass: C = inv(AᵀWA), b = C AᵀW ln D with A = [1, 1/T], W = (D/err)²; Ea = −kB b₁
 *   P = [(lnA_g, Ea_g)], m = P.mean(0), S = np.cov(P.T, ddof=1); between = S/n; within = Σ C_g / n²
 *   at 300 K: ln D_g = lnA_g − Ea_g/(kB·300); se_between = std(ln D_g, ddof=1)/√n */
static void test_combine(void)
{
    aion_arrhenius fits[3];
    pipe_arrhenius_comb cb;
    fit3(fits);
    CHECK_REL(fits[0].Ea_eV, 0.552416096349, 1e-9, 0);
    CHECK_REL(fits[1].lnA, -4.29025073835, 1e-9, 0);
    CHECK_REL(fits[2].cov_lnA_Ea, 0.01760872969, 1e-8, 0);
    CHECK_OK(aion_pipe_combine_arrhenius(fits, 3, &cb));
    CHECK(cb.n == 3);
    CHECK_REL(cb.between.lnA, -4.99248541665, 1e-10, 0);
    CHECK_REL(cb.between.Ea_eV, 0.566801975655, 1e-10, 0);
    CHECK_REL(cb.between.lnA_err, 0.389182596547, 1e-9, 0);
    CHECK_REL(cb.between.Ea_err, 0.0526495084612, 1e-9, 0);
    CHECK_REL(cb.between.cov_lnA_Ea, 0.0204541086305, 1e-9, 0);
    CHECK_REL(cb.within.lnA_err, 0.243867120997, 1e-9, 0);
    CHECK_REL(cb.within.Ea_err, 0.0198878159189, 1e-9, 0);
    CHECK_REL(cb.within.cov_lnA_Ea, 0.00481987313262, 1e-8, 0);
    CHECK_REL(cb.Ea_sd, 0.0911916236483, 1e-9, 0);
    /* the spread is larger than the fits' errors here: the errors are the between ones */
    CHECK(cb.Ea_err == cb.between.Ea_err && cb.lnA_err == cb.between.lnA_err);
    CHECK_NEAR(cb.t95, 4.3027, 1e-4);
    double se, se_nocov;
    double D = aion_pipe_combined_predict(&cb, 300, &se, &se_nocov);
    CHECK_REL(log(D), -26.9173647431, 1e-10, 0);
    CHECK_REL(se, 1.64824024854, 1e-9, 0);
    CHECK(se_nocov > se); /* positive covariance of (ln D0, Ea): the band is narrower with it */
    /* brute force at several temperatures: the between band is the standard error of the per-glass
     * values ln D_g(T), the within band the fits' own errors propagated to the mean */
    for (double T = 250; T <= 1500; T += 125) {
        double v[3], m = 0, ss = 0, w = 0;
        for (int g = 0; g < 3; g++) {
            double sg;
            v[g] = log(aion_arrhenius_predict(&fits[g], T, &sg, NULL));
            m += v[g] / 3;
            w += sg * sg;
        }
        for (int g = 0; g < 3; g++) ss += (v[g] - m) * (v[g] - m);
        double sb_ref = sqrt(ss / 2) / sqrt(3.0), sw_ref = sqrt(w) / 3, sb, sw, s;
        double vb = aion_arrhenius_predict(&cb.between, T, &sb, NULL);
        aion_arrhenius_predict(&cb.within, T, &sw, NULL);
        double vc = aion_pipe_combined_predict(&cb, T, &s, NULL);
        CHECK_REL(log(vb), m, 1e-12, 1e-12);
        CHECK_REL(log(vc), m, 1e-12, 1e-12);
        CHECK_REL(sb, sb_ref, 1e-9, 1e-12);
        CHECK_REL(sw, sw_ref, 1e-9, 1e-12);
        CHECK_NEAR(s, fmax(sb_ref, sw_ref), 1e-9 * s);
    }
}

/* Glasses that agree by chance: the error is not taken below the fits' own errors. */
static void test_floor_and_one(void)
{
    aion_arrhenius fits[3], one[1];
    pipe_arrhenius_comb cb;
    fit3(fits);
    for (int g = 0; g < 3; g++) {
        fits[g].Ea_eV = 0.55 + 1e-4 * g;
        fits[g].lnA = -5.0 - 1e-3 * g;
    }
    CHECK_OK(aion_pipe_combine_arrhenius(fits, 3, &cb));
    CHECK(cb.between.Ea_err < cb.within.Ea_err);
    CHECK_NEAR(cb.Ea_err, cb.within.Ea_err, 1e-15);
    CHECK_NEAR(cb.Ea_err, sqrt(fits[0].Ea_err * fits[0].Ea_err + fits[1].Ea_err * fits[1].Ea_err +
                               fits[2].Ea_err * fits[2].Ea_err) / 3,
               1e-12);
    double se, sw;
    aion_pipe_combined_predict(&cb, 300, &se, NULL);
    aion_arrhenius_predict(&cb.within, 300, &sw, NULL);
    CHECK_NEAR(se, sw, 1e-12);
    /* one glass: its own fit, unchanged; no spread */
    one[0] = fits[1];
    CHECK_OK(aion_pipe_combine_arrhenius(one, 1, &cb));
    CHECK(isnan(cb.between.Ea_err) && isnan(cb.Ea_sd) && isnan(cb.t95));
    CHECK_NEAR(cb.Ea_err, fits[1].Ea_err, 1e-15);
    CHECK_NEAR(cb.within.cov_lnA_Ea, fits[1].cov_lnA_Ea, 1e-15);
    double s1, s2;
    double v1 = aion_pipe_combined_predict(&cb, 300, &s1, NULL), v2 = aion_arrhenius_predict(&fits[1], 300, &s2, NULL);
    CHECK_REL(v1, v2, 1e-13, 0);
    CHECK_REL(s1, s2, 1e-13, 0);
    CHECK(aion_pipe_combine_arrhenius(fits, 0, &cb) != AION_OK);
}

static void test_replicate_mean(void)
{
    /* numpy: x.mean(), x.std(ddof=1), /√n, √Σu²/n */
    const double x[4] = {0.53, 0.61, 0.70, 0.58}, u[4] = {0.03, 0.05, 0.04, 0.02};
    pipe_mean m;
    aion_pipe_replicate_mean(x, u, 4, &m);
    CHECK(m.n == 4);
    CHECK_NEAR(m.mean, 0.605, 1e-14);
    CHECK_REL(m.sd, 0.0714142842854, 1e-10, 0);
    CHECK_REL(m.se_between, 0.0357071421427, 1e-10, 0);
    CHECK_REL(m.se_within, 0.0183711730709, 1e-10, 0);
    CHECK_NEAR(m.se, m.se_between, 1e-15);
    aion_pipe_replicate_mean(x, NULL, 4, &m);
    CHECK(isnan(m.se_within) && m.se == m.se_between);
    aion_pipe_replicate_mean(x, u, 1, &m);
    CHECK(m.mean == 0.53 && isnan(m.sd) && m.se == 0.03);
    aion_pipe_replicate_mean(x, u, 0, &m);
    CHECK(m.n == 0 && isnan(m.mean));
}

static void test_t_and_seeds(void)
{
    /* scipy.stats.t.ppf(0.975, dof) */
    CHECK_NEAR(aion_pipe_t975(1), 12.7062, 1e-4);
    CHECK_NEAR(aion_pipe_t975(4), 2.7764, 1e-4);
    CHECK_NEAR(aion_pipe_t975(30), 2.0423, 1e-4);
    CHECK_NEAR(aion_pipe_t975(31), 2.039513446, 1e-5);
    CHECK_NEAR(aion_pipe_t975(100), 1.983971518, 1e-5);
    CHECK(isnan(aion_pipe_t975(0)));
    /* glass 1 keeps the pipeline's seed; the others differ from it and from each other */
    CHECK(aion_pipe_glass_seed(7, 1) == 7);
    uint64_t s[AION_PIPELINE_MAX_GLASSES + 1];
    for (int g = 1; g <= AION_PIPELINE_MAX_GLASSES; g++) {
        s[g] = aion_pipe_glass_seed(7, g);
        for (int h = 1; h < g; h++) CHECK(s[g] != s[h]);
    }
    CHECK(aion_pipe_glass_seed(8, 2) != s[2]);
    char name[64];
    aion_pipe_stage_name(1, "md-800K", name, sizeof name);
    CHECK(!strcmp(name, "md-800K"));
    aion_pipe_stage_name(3, "md-800K", name, sizeof name);
    CHECK(!strcmp(name, "glass3/md-800K"));
}

static void test_config_key(void)
{
    aion_pipeline_config c, d;
    aion_error err;
    aion_pipeline_config_init(&c);
    CHECK(c.glasses == 1);
    d = c;
    CHECK_OK(aion_pipeline_config_set(&d, "system.glasses", "4", &err));
    CHECK(d.glasses == 4);
    CHECK_OK(aion_pipeline_config_check(&d, &err));
    /* no stage's inputs: glass 1's stages keep their hashes whatever the number of glasses */
    const unsigned masks[] = {PK_QUENCH, PK_MD, PK_TRANSPORT, PK_STRUCTURE};
    for (int k = 0; k < 4; k++) CHECK(aion_pipe_stage_hash(&c, masks[k], NULL) == aion_pipe_stage_hash(&d, masks[k], NULL));
    CHECK(aion_pipeline_config_set(&d, "system.glasses", "two", &err) == AION_ERR_PARSE);
    d.glasses = 0;
    CHECK(aion_pipeline_config_check(&d, &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "system.glasses") != NULL);
    d.glasses = AION_PIPELINE_MAX_GLASSES + 1;
    CHECK(aion_pipeline_config_check(&d, &err) == AION_ERR_INVALID);
    d.glasses = AION_PIPELINE_MAX_GLASSES;
    CHECK_OK(aion_pipeline_config_check(&d, &err));
    /* YAML */
    char path[] = "/tmp/aion-glasses-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    const char *y = "seed: 3\nsystem:\n  atoms: 48\n  glasses: 3\n";
    CHECK(write(fd, y, strlen(y)) == (ssize_t)strlen(y));
    close(fd);
    aion_pipeline_config_init(&d);
    CHECK_OK(aion_pipeline_config_load(&d, path, &err));
    CHECK(d.glasses == 3 && d.atoms == 48);
    /* and back out in the effective configuration */
    char *out = aion_pipeline_config_yaml(&d);
    CHECK(out && strstr(out, "\n  glasses: 3\n"));
    free(out);
    remove(path);
}

int main(void)
{
    TEST_RUN(test_combine);
    TEST_RUN(test_floor_and_one);
    TEST_RUN(test_replicate_mean);
    TEST_RUN(test_t_and_seeds);
    TEST_RUN(test_config_key);
    return TEST_END();
}
