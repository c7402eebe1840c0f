/* Committee of potentials in a pipeline (potential.committee; src/pipeline/combine.c): the combination
 * (mean, u_stat = √(Σu²)/M, u_model = sample standard deviation not divided by √M, u_total) against
 * numbers computed by hand (Python statistics.stdev) for Session 6's Li3PO4 activation energies
 * 0.30/0.50/0.76 eV, one model, no errors; model stage names; the potential.committee key (--set forms,
 * YAML list, bounds, empty entries, printed only when set, never part of a stage hash). */
#include "pipeline/pipeline.h"
#include "test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_combine(void)
{
    /* python3: statistics.stdev([0.30, 0.50, 0.76]) = 0.23065125189341593;
     * sqrt(0.02² + 0.05² + 0.23²)/3 = 0.07874007874011811; hypot of both = 0.24372115213907883 */
    const double x[3] = {0.30, 0.50, 0.76}, u[3] = {0.02, 0.05, 0.23};
    pipe_committee k;
    aion_pipe_committee(x, u, 3, &k);
    CHECK(k.n == 3);
    CHECK_REL(k.mean, 0.52, 1e-14, 0);
    CHECK_REL(k.u_model, 0.23065125189341593, 1e-13, 0);
    CHECK_REL(k.u_stat, 0.07874007874011811, 1e-13, 0);
    CHECK_REL(k.u_total, 0.24372115213907883, 1e-13, 0);
    /* not the standard error of the mean: s, not s/√M */
    CHECK(k.u_model > 0.2 && fabs(k.u_model - 0.23065125189341593 / sqrt(3.0)) > 0.05);
    /* two models: s = |x1 − x2|/√2 */
    aion_pipe_committee(x, u, 2, &k);
    CHECK_REL(k.u_model, 0.2 / sqrt(2.0), 1e-13, 0);
    CHECK_REL(k.u_stat, sqrt(0.02 * 0.02 + 0.05 * 0.05) / 2, 1e-13, 0);
    /* one model: no model part, the total is the statistical error */
    aion_pipe_committee(x + 1, u + 1, 1, &k);
    CHECK(k.n == 1 && k.mean == 0.50 && isnan(k.u_model));
    CHECK_REL(k.u_stat, 0.05, 1e-15, 0);
    CHECK(k.u_total == k.u_stat);
    /* no errors given */
    aion_pipe_committee(x, NULL, 3, &k);
    CHECK(isnan(k.u_stat) && k.u_total == k.u_model);
    aion_pipe_committee(x, u, 0, &k);
    CHECK(k.n == 0 && isnan(k.mean) && isnan(k.u_total));
    /* identical models: no model uncertainty */
    const double y[2] = {0.4, 0.4}, v[2] = {0.03, 0.04};
    aion_pipe_committee(y, v, 2, &k);
    CHECK(k.u_model == 0);
    CHECK_REL(k.u_total, 0.025, 1e-13, 0);
}

static void test_names(void)
{
    char name[64];
    aion_pipe_model_stage_name(1, 1, "quench", name, sizeof name);
    CHECK(!strcmp(name, "quench"));
    aion_pipe_model_stage_name(1, 3, "md-800K", name, sizeof name);
    CHECK(!strcmp(name, "glass3/md-800K"));
    aion_pipe_model_stage_name(2, 1, "transport-900K", name, sizeof name);
    CHECK(!strcmp(name, "model2/transport-900K"));
    aion_pipe_model_stage_name(AION_PIPELINE_MAX_MODELS, AION_PIPELINE_MAX_GLASSES, "transport-1234.5K", name, sizeof name);
    CHECK(!strcmp(name, "model8/glass32/transport-1234.5K"));
}

static void test_config_key(void)
{
    aion_pipeline_config c, d;
    aion_error err;
    aion_pipeline_config_init(&c);
    CHECK(c.n_committee == 0);
    char *y0 = aion_pipeline_config_yaml(&c);
    CHECK(y0 && !strstr(y0, "committee")); /* an empty committee is not printed */
    d = c;
    CHECK_OK(aion_pipeline_config_set(&d, "potential.committee", "[../b.mtp, \"c d.mtp\"]", &err));
    CHECK(d.n_committee == 2 && !strcmp(d.committee[0], "../b.mtp") && !strcmp(d.committee[1], "c d.mtp"));
    CHECK_OK(aion_pipeline_config_check(&d, &err));
    /* in no stage's hash by name: model 1's stages keep their hashes */
    const unsigned masks[] = {PK_QUENCH, PK_MD, PK_TRANSPORT, PK_STRUCTURE};
    for (int k = 0; k < 4; k++) CHECK(aion_pipe_stage_hash(&c, masks[k], NULL) == aion_pipe_stage_hash(&d, masks[k], NULL));
    char *y1 = aion_pipeline_config_yaml(&d);
    CHECK(y1 && strstr(y1, "\n  committee: [\"../b.mtp\", \"c d.mtp\"]\n"));
    /* the printed YAML minus the committee line is the one without a committee */
    if (y0 && y1) {
        char *p = strstr(y1, "  committee: ");
        char *e = p ? strchr(p, '\n') : NULL;
        if (e) memmove(p, e + 1, strlen(e + 1) + 1);
        CHECK(!strcmp(y0, y1));
    }
    free(y0);
    free(y1);
    CHECK_OK(aion_pipeline_config_set(&d, "potential.committee", "x.pot", &err));
    CHECK(d.n_committee == 1 && !strcmp(d.committee[0], "x.pot") && !d.committee[1][0]);
    CHECK_OK(aion_pipeline_config_set(&d, "potential.committee", "[]", &err));
    CHECK(d.n_committee == 0);
    CHECK_OK(aion_pipeline_config_set(&d, "potential.committee", "a,b,c,d,e,f,g", &err));
    CHECK(d.n_committee == AION_PIPELINE_MAX_MODELS - 1);
    CHECK(aion_pipeline_config_set(&d, "potential.committee", "a,b,c,d,e,f,g,h", &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "potential.committee") && strstr(err.msg, "at most 7"));
    CHECK(d.n_committee == AION_PIPELINE_MAX_MODELS - 1); /* unchanged by a failed setting */
    CHECK(aion_pipeline_config_set(&d, "potential.committee", "[a.mtp, , b.mtp]", &err) == AION_ERR_PARSE);
    CHECK(strstr(err.msg, "empty entry") != NULL);
    CHECK(aion_pipeline_config_set(&d, "potential.committee", "[a.mtp", &err) == AION_ERR_PARSE);
    d.n_committee = 1;
    d.committee[0][0] = '\0';
    CHECK(aion_pipeline_config_check(&d, &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "potential.committee") != NULL);
    /* YAML: a block list and a flow list */
    const char *ys[2] = {"potential:\n  model: a.mtp\n  committee:\n    - b.mtp\n    - ../c.mtp\n",
                         "potential:\n  model: a.mtp\n  committee: [b.mtp, ../c.mtp]\n"};
    for (int k = 0; k < 2; k++) {
        char path[] = "/tmp/aion-committee-XXXXXX";
        int fd = mkstemp(path);
        CHECK(fd >= 0);
        if (fd < 0) return;
        CHECK(write(fd, ys[k], strlen(ys[k])) == (ssize_t)strlen(ys[k]));
        close(fd);
        aion_pipeline_config_init(&d);
        CHECK_OK(aion_pipeline_config_load(&d, path, &err));
        CHECK(d.n_committee == 2 && !strcmp(d.committee[0], "b.mtp") && !strcmp(d.committee[1], "../c.mtp"));
        remove(path);
    }
}

int main(void)
{
    TEST_RUN(test_combine);
    TEST_RUN(test_names);
    TEST_RUN(test_config_key);
    return TEST_END();
}
