/*
 * Extrapolation grade (MaxVol active set):
 *  - every training site has grade <= 1 + tol (MaxVol's defining property),
 *    and the active-set sites themselves have grade 1 (within rounding);
 *  - the grade of a configuration equals the largest per-atom grade and is
 *    invariant under rotation and translation;
 *  - strongly compressed configurations (outside the training distribution)
 *    get grades well above 1;
 *  - selection: among copies of one extrapolating configuration only one is
 *    picked (after it joins the active set the copies interpolate); the first
 *    pick has the largest grade; max_pick caps;
 *  - an active set refuses to load with another potential.
 */
#include "train_data.h"

static void train_pot(aion_frame *fr, int nf, const char *out)
{
    aion_train_opts o;
    aion_mtp_trainer *t = NULL;
    aion_error err = {0};
    aion_train_opts_init(&o);
    o.level = 8;
    o.cutoff = 4.0;
    o.radial_size = 6;
    o.species_z = ZS;
    o.n_species = 2;
    o.seed = 3;
    o.nthreads = 1;
    o.max_iter = 3;
    if (aion_mtp_trainer_create(&t, fr, nf, NULL, 0, &o, &err) || aion_mtp_trainer_run(t, &err) ||
        aion_mtp_trainer_write(t, out, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        abort();
    }
    aion_mtp_trainer_free(t);
}

static void test_grade(void)
{
    unsigned long long seed = 17;
    mtp_model ref;
    aion_error err = {0};
    char pot[128], als[128], pot2[128];
    random_model(&ref, 8, 2, 4.0, &seed);
    aion_frame *fr = make_data(12, &ref, &seed);
    snprintf(pot, sizeof pot, "%s/g.mtp", tmpdir);
    snprintf(als, sizeof als, "%s/g.als", tmpdir);
    train_pot(fr, 12, pot);
    aion_mtp_grade_opts go;
    aion_mtp_grade_opts_init(&go);
    go.nthreads = 1;
    CHECK_OK(aion_mtp_active_set_build(pot, ZS, 2, fr, 12, als, &go, &err));
    aion_mtp_grade *g = NULL;
    CHECK_OK(aion_mtp_grade_create(&g, pot, NULL, ZS, 2, 1, &err));
    if (!g) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    int q = aion_mtp_grade_rank(g);
    CHECK(q >= 2 && q <= 2 + 9);
    /* training sites interpolate; some reach 1 (the active set) */
    double worst = 0;
    int ones = 0;
    for (int k = 0; k < 12; k++) {
        double gm, pa[16];
        int w;
        CHECK_OK(aion_mtp_grade_compute(g, &fr[k], &gm, pa, &w));
        worst = fmax(worst, gm);
        double mx = 0;
        for (int i = 0; i < fr[k].n; i++) {
            mx = fmax(mx, pa[i]);
            ones += fabs(pa[i] - 1.0) < 1e-8;
        }
        CHECK_NEAR(mx, gm, 0);
        CHECK(pa[w] == gm);
    }
    CHECK(worst <= 1.0 + go.maxvol_tol + 1e-9);
    CHECK(ones >= 1);
    /* rotation + translation invariance */
    {
        aion_frame f2;
        aion_frame_init(&f2);
        CHECK_OK(aion_frame_copy(&f2, &fr[3]));
        const double c = cos(0.7), s = sin(0.7);
        double R[3][3] = {{c, -s, 0}, {s, c, 0}, {0, 0, 1}};
        for (int i = 0; i < f2.n; i++) {
            double v[3];
            for (int a = 0; a < 3; a++) v[a] = R[a][0] * f2.pos[i][0] + R[a][1] * f2.pos[i][1] + R[a][2] * f2.pos[i][2] + 0.3;
            memcpy(f2.pos[i], v, sizeof v);
        }
        for (int r = 0; r < 3; r++) {
            double v[3];
            for (int a = 0; a < 3; a++) v[a] = R[a][0] * f2.cell[r][0] + R[a][1] * f2.cell[r][1] + R[a][2] * f2.cell[r][2];
            memcpy(f2.cell[r], v, sizeof v);
        }
        double g1, g2;
        CHECK_OK(aion_mtp_grade_compute(g, &fr[3], &g1, NULL, NULL));
        CHECK_OK(aion_mtp_grade_compute(g, &f2, &g2, NULL, NULL));
        CHECK_REL(g1, g2, 1e-8, 1e-10);
        aion_frame_free(&f2);
    }
    /* compressed configurations extrapolate */
    aion_frame *hot = make_data_scaled(3, &ref, 0.6, &seed);
    double gh[3];
    for (int k = 0; k < 3; k++) {
        CHECK_OK(aion_mtp_grade_compute(g, &hot[k], &gh[k], NULL, NULL));
        CHECK(gh[k] > 2.0);
    }
    if (getenv("VERBOSE"))
        fprintf(stderr, "rank %d, training max %.6f, compressed %.3g %.3g %.3g\n", q, worst, gh[0], gh[1], gh[2]);
    /* selection: pool = 3 copies of hot[0] (one slightly perturbed) and 4 training frames:
     * one copy is picked, the rest then interpolate */
    {
        aion_frame pool[7];
        int src[7] = {0, 0, -1, -2, -3, -4, 0};
        for (int k = 0; k < 7; k++) {
            aion_frame_init(&pool[k]);
            const aion_frame *f = src[k] >= 0 ? &hot[src[k]] : &fr[-src[k]];
            CHECK_OK(aion_frame_copy(&pool[k], f));
        }
        pool[6].pos[0][0] += 0.001;
        int picked[7], np = 0;
        double gam[7];
        CHECK_OK(aion_mtp_select(g, pool, 7, 2.0, 0, gam, picked, &np, &err));
        CHECK(np == 1);
        CHECK(np == 1 && (picked[0] == 0 || picked[0] == 1 || picked[0] == 6));
        for (int k = 2; k < 6; k++) CHECK(gam[k] <= 1.0 + 1e-3 + 1e-9);
        CHECK_REL(gam[0], gh[0], 1e-9, 1e-12);
        CHECK_REL(gam[6], gh[0], 1e-2, 0);
        for (int k = 0; k < 7; k++) aion_frame_free(&pool[k]);
    }
    /* pool = the three compressed frames: the first pick has the largest grade; --max caps */
    {
        int picked[3], np = 0, np1 = 0;
        double gam[3];
        CHECK_OK(aion_mtp_select(g, hot, 3, 2.0, 0, gam, picked, &np, &err));
        double gmax = fmax(gam[0], fmax(gam[1], gam[2]));
        CHECK(np >= 1 && gam[picked[0]] == gmax);
        CHECK_OK(aion_mtp_select(g, hot, 3, 2.0, 1, NULL, picked, &np1, &err));
        CHECK(np1 == 1);
        if (getenv("VERBOSE")) fprintf(stderr, "compressed pool: picked %d of 3\n", np);
    }
    aion_mtp_grade_free(g);
    /* another potential: refused */
    snprintf(pot2, sizeof pot2, "%s/g2.mtp", tmpdir);
    CHECK_OK(mtp_model_write(pot2, &ref, &err));
    g = NULL;
    CHECK(aion_mtp_grade_create(&g, pot2, als, ZS, 2, 1, &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "another potential") != NULL);
    aion_frames_free(hot, 3);
    aion_frames_free(fr, 12);
    mtp_model_free(&ref);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/aion-test-grade-XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    TEST_RUN(test_grade);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) {
    }
    return TEST_END();
}
