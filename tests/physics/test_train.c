/*
 * MTP training on small synthetic data (energies, forces, stresses made by a
 * random reference MTP through the production evaluator):
 *  - the gradient of the loss with respect to every parameter (radial,
 *    species, moment coefficients) equals finite differences;
 *  - the variable-projection gradient equals finite differences of the
 *    reduced loss (linear part re-solved at each point);
 *  - with the reference's radial coefficients the linear solve recovers the
 *    reference exactly (loss ~ 0): the least-squares rows are right;
 *  - training lowers the loss; results are identical for 1 and 2 threads;
 *    a run interrupted and restarted from its checkpoint ends where an
 *    uninterrupted run ends, bit for bit.
 */
#include "test.h"
#include "internal.h"
#include "potential/mtp.h"
#include "train/train.h"

#include "train_data.h"

static double ridge = 1e-12;
static double w_stress = 0.01;

static aion_mtp_trainer *make_trainer(const aion_frame *fr, int nf, int level, const char *init, int nthreads,
                                      const char *ckpt, int restart, int max_iter)
{
    aion_train_opts o;
    aion_mtp_trainer *t = NULL;
    aion_error err = {0};
    aion_train_opts_init(&o);
    o.level = level;
    o.cutoff = 4.0;
    o.radial_size = 6;
    o.species_z = ZS;
    o.n_species = 2;
    o.init_path = init;
    o.seed = 7;
    o.nthreads = nthreads;
    o.max_iter = max_iter;
    o.tol = 0;
    o.checkpoint = ckpt;
    o.checkpoint_every = 1;
    o.restart = restart;
    o.w_stress = w_stress;
    o.ridge = ridge;
    if (aion_mtp_trainer_create(&t, fr, nf, NULL, 0, &o, &err)) fprintf(stderr, "%s\n", err.msg);
    return t;
}

static void test_full_gradient(void)
{
    unsigned long long seed = 3;
    mtp_model ref;
    random_model(&ref, 8, 2, 4.0, &seed);
    aion_frame *fr = make_data(6, &ref, &seed);
    aion_mtp_trainer *t = make_trainer(fr, 6, 8, NULL, 1, NULL, 0, 10);
    CHECK(t != NULL);
    if (!t) return;
    mtp_model *m = tr_trainer_model(t);
    aion_error err = {0};
    for (int a = 0; a < m->nscalar; a++) m->moment_coeffs[a] = 0.02 * (2 * test_rand(&seed) - 1);
    m->species_coeffs[0] = -2.5;
    m->species_coeffs[1] = -3.1;
    int nr = 4 * m->nradial * m->rb_size, P = 2 + m->nscalar;
    double f, *gr = calloc((size_t)nr, sizeof *gr), *gl = calloc((size_t)P, sizeof *gl), *gr2 = calloc((size_t)nr, 8),
              *gl2 = calloc((size_t)P, 8);
    CHECK_OK(tr_trainer_full_grad(t, &f, gr, gl, &err));
    double worst = 0;
    for (int q = 0; q < nr; q++) {
        /* 4-point central differences */
        double keep = m->radial[q], h = 1e-4, v[4];
        static const double off[4] = {-2, -1, 1, 2};
        for (int s = 0; s < 4; s++) {
            m->radial[q] = keep + off[s] * h;
            tr_trainer_full_grad(t, &v[s], gr2, gl2, &err);
        }
        m->radial[q] = keep;
        double fd = (v[0] - 8 * v[1] + 8 * v[2] - v[3]) / (12 * h), d = fabs(fd - gr[q]) / (fabs(fd) + 1e-6 * f);
        if (d > worst) worst = d;
    }
    CHECK(worst < 1e-5);
    double worstl = 0;
    for (int q = 0; q < P; q++) {
        double *v = q < 2 ? &m->species_coeffs[q] : &m->moment_coeffs[q - 2];
        double keep = *v, h = 1e-4 * (fabs(keep) + 1e-2), fp, fm;
        *v = keep + h;
        tr_trainer_full_grad(t, &fp, gr2, gl2, &err);
        *v = keep - h;
        tr_trainer_full_grad(t, &fm, gr2, gl2, &err);
        *v = keep;
        /* the loss is quadratic in the linear coefficients: central differences are exact */
        double fd = (fp - fm) / (2 * h), d = fabs(fd - gl[q]) / (fabs(fd) + 1e-8 * f / h);
        if (d > worstl) worstl = d;
    }
    CHECK(worstl < 1e-6);
    if (getenv("VERBOSE")) fprintf(stderr, "full gradient: radial %.2g, linear %.2g (loss %.3g)\n", worst, worstl, f);

    /* variable projection: the reduced loss and its gradient */
    double *x = calloc((size_t)nr, sizeof *x), fr0;
    memcpy(x, m->radial, (size_t)nr * sizeof *x);
    CHECK_OK(tr_trainer_eval(t, x, &fr0, gr, &err));
    CHECK(fr0 < f);
    double worstv = 0;
    for (int q = 0; q < nr; q += 3) {
        double keep = x[q], h = 1e-5, fp, fm;
        x[q] = keep + h;
        tr_trainer_eval(t, x, &fp, gr2, &err);
        x[q] = keep - h;
        tr_trainer_eval(t, x, &fm, gr2, &err);
        x[q] = keep;
        double fd = (fp - fm) / (2 * h), d = fabs(fd - gr[q]) / (fabs(fd) + 1e-6 * fr0);
        if (d > worstv) worstv = d;
    }
    CHECK(worstv < 1e-4);
    if (getenv("VERBOSE")) fprintf(stderr, "reduced gradient: %.2g (loss %.3g)\n", worstv, fr0);
    free(x);
    free(gr);
    free(gl);
    free(gr2);
    free(gl2);
    aion_mtp_trainer_free(t);
    aion_frames_free(fr, 6);
    mtp_model_free(&ref);
}

/* The reference's own radial coefficients: the linear solve must give the
 * reference back (loss at rounding level). */
static void test_linear_recovers_reference(void)
{
    unsigned long long seed = 9;
    mtp_model ref;
    random_model(&ref, 10, 2, 4.0, &seed);
    aion_frame *fr = make_data(8, &ref, &seed);
    char path[128];
    snprintf(path, sizeof path, "%s/ref.mtp", tmpdir);
    ridge = 1e-20; /* the ridge biases the solution by O(ridge) */
    aion_mtp_trainer *t = make_trainer(fr, 8, 10, path, 1, NULL, 0, 0);
    ridge = 1e-12;
    CHECK(t != NULL);
    if (t) {
        aion_error err = {0};
        mtp_model *m = tr_trainer_model(t);
        int nr = 4 * m->nradial * m->rb_size;
        double f, *g = calloc((size_t)nr, sizeof *g), *x = calloc((size_t)nr, sizeof *x);
        memcpy(x, m->radial, (size_t)nr * sizeof *x);
        CHECK_OK(tr_trainer_eval(t, x, &f, g, &err));
        double e2 = 0;
        for (int k = 0; k < 8; k++) e2 += fr[k].energy * fr[k].energy / (fr[k].n * fr[k].n);
        CHECK(f < 1e-18 * e2);
        if (getenv("VERBOSE")) fprintf(stderr, "loss with the reference radial coefficients: %.3g\n", f);
        free(g);
        free(x);
        aion_mtp_trainer_free(t);
    }
    aion_frames_free(fr, 8);
    mtp_model_free(&ref);
}

static void test_training_and_determinism(void)
{
    unsigned long long seed = 21;
    mtp_model ref;
    random_model(&ref, 8, 2, 4.0, &seed);
    aion_frame *fr = make_data(10, &ref, &seed);
    aion_error err = {0};
    char ck1[128], ck2[128];
    snprintf(ck1, sizeof ck1, "%s/a.ckpt", tmpdir);
    snprintf(ck2, sizeof ck2, "%s/b.ckpt", tmpdir);
    /* uninterrupted: 8 iterations, 1 thread */
    aion_mtp_trainer *t1 = make_trainer(fr, 10, 8, NULL, 1, ck1, 0, 8);
    /* 2 threads, 4 iterations, then restart to 8 */
    aion_mtp_trainer *t2 = make_trainer(fr, 10, 8, NULL, 2, ck2, 0, 4);
    CHECK(t1 && t2);
    if (!t1 || !t2) return;
    CHECK_OK(aion_mtp_trainer_run(t1, &err));
    CHECK_OK(aion_mtp_trainer_run(t2, &err));
    aion_mtp_trainer_free(t2);
    t2 = make_trainer(fr, 10, 8, NULL, 2, ck2, 1, 8);
    CHECK_OK(aion_mtp_trainer_run(t2, &err));
    const aion_train_iter *h1, *h2;
    int n1 = aion_mtp_trainer_history(t1, &h1), n2 = aion_mtp_trainer_history(t2, &h2);
    CHECK(n1 >= 2 && n2 >= 2);
    if (n1 >= 2 && n2 >= 2) {
        CHECK(h1[n1 - 1].iter == 8 && h2[n2 - 1].iter == 8);
        CHECK(h1[n1 - 1].loss == h2[n2 - 1].loss); /* bit for bit */
        CHECK(h1[n1 - 1].loss < 0.2 * h1[0].loss);
        if (getenv("VERBOSE"))
            fprintf(stderr, "training: loss %.4g -> %.4g (%.17g vs %.17g)\n", h1[0].loss, h1[n1 - 1].loss,
                    h1[n1 - 1].loss, h2[n2 - 1].loss);
    }
    /* the written potential evaluates as the trainer says */
    char out[128];
    snprintf(out, sizeof out, "%s/fit.mtp", tmpdir);
    CHECK_OK(aion_mtp_trainer_write(t1, out, &err));
    aion_potential_opts po;
    aion_potential *p = NULL;
    aion_potential_opts_init(&po);
    po.species_z = ZS;
    po.n_species_z = 2;
    CHECK_OK(aion_potential_create(&p, out, &po, &err));
    if (p) {
        /* recompute the training loss with the production evaluator */
        double L = 0;
        for (int k = 0; k < 10; k++) {
            aion_eval ev;
            double (*F)[3] = calloc((size_t)fr[k].n, sizeof *F), N = fr[k].n, V = aion_frame_volume(&fr[k]);
            memset(&ev, 0, sizeof ev);
            ev.forces = F;
            ev.want_virial = 1;
            CHECK_OK(aion_potential_compute(p, &fr[k], &ev));
            double dE = ev.energy - fr[k].energy, sf = 0, ss = 0;
            for (int i = 0; i < fr[k].n; i++)
                for (int c = 0; c < 3; c++) sf += (F[i][c] - fr[k].forces[i][c]) * (F[i][c] - fr[k].forces[i][c]);
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    double dw = ev.virial[a][b] + fr[k].stress[a][b] * V;
                    ss += dw * dw;
                }
            L += dE * dE / (N * N) + 0.01 / N * sf + 0.01 * ss / (N * N);
            free(F);
        }
        if (n1 >= 1) CHECK_REL(L, h1[n1 - 1].loss, 1e-9, 1e-15);
        aion_potential_free(p);
    }
    aion_mtp_trainer_free(t1);
    aion_mtp_trainer_free(t2);
    aion_frames_free(fr, 10);
    mtp_model_free(&ref);
}

/* Stress weight 0 (xTB-trained potentials): the stress rows are zero, so the
 * loss must not try to recover stresses from them (it did: 0/0 gave a NaN
 * loss). The reduced loss and its gradient must equal those of the same data
 * without stresses. */
static void test_zero_stress_weight(void)
{
    /* the same data twice (same seeds), the second copy without stresses */
    unsigned long long seed = 5, seed2 = 5;
    mtp_model ref, ref2;
    random_model(&ref, 8, 2, 4.0, &seed);
    aion_frame *fr = make_data(6, &ref, &seed);
    random_model(&ref2, 8, 2, 4.0, &seed2);
    aion_frame *fr2 = make_data(6, &ref2, &seed2);
    for (int k = 0; k < 6; k++) fr2[k].has &= ~AION_HAS_STRESS;
    w_stress = 0;
    aion_mtp_trainer *t1 = make_trainer(fr, 6, 8, NULL, 1, NULL, 0, 3);
    w_stress = 0.01;
    aion_mtp_trainer *t2 = make_trainer(fr2, 6, 8, NULL, 1, NULL, 0, 3);
    CHECK(t1 && t2);
    if (t1 && t2) {
        aion_error err = {0};
        mtp_model *m = tr_trainer_model(t1);
        int nr = 4 * m->nradial * m->rb_size;
        double f1, f2, *g1 = calloc((size_t)nr, 8), *g2 = calloc((size_t)nr, 8), *x = calloc((size_t)nr, 8);
        memcpy(x, m->radial, (size_t)nr * sizeof *x);
        CHECK_OK(tr_trainer_eval(t1, x, &f1, g1, &err));
        CHECK_OK(tr_trainer_eval(t2, x, &f2, g2, &err));
        CHECK(isfinite(f1) && f1 > 0);
        CHECK_REL(f1, f2, 1e-12, 0);
        double worst = 0;
        for (int q = 0; q < nr; q++) {
            double d = fabs(g1[q] - g2[q]) / (fabs(g2[q]) + 1e-12);
            if (d > worst) worst = d;
        }
        CHECK(worst < 1e-9);
        CHECK_OK(aion_mtp_trainer_run(t1, &err));
        const aion_train_iter *h;
        int n = aion_mtp_trainer_history(t1, &h);
        CHECK(n >= 1 && isfinite(h[n - 1].loss));
        free(g1);
        free(g2);
        free(x);
    }
    aion_mtp_trainer_free(t1);
    aion_mtp_trainer_free(t2);
    aion_frames_free(fr, 6);
    aion_frames_free(fr2, 6);
    mtp_model_free(&ref);
    mtp_model_free(&ref2);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/aion-test-train-XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    TEST_RUN(test_full_gradient);
    TEST_RUN(test_linear_recovers_reference);
    TEST_RUN(test_training_and_determinism);
    TEST_RUN(test_zero_stress_weight);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) {
    }
    return TEST_END();
}
