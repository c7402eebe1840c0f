/*
 * MTP per-site training kernels (src/potential/mtp_train.c): the site energy
 * equals the production evaluator's site energy; dV/dd, dB/dd and the
 * reverse-mode gradient of Psi = a V - dV.delta with respect to radial,
 * moment and species coefficients equal central finite differences; the
 * basis values reproduce V through the linear coefficients.
 */
#include "test.h"
#include "internal.h"
#include "potential/mtp.h"
#include "potential/potential.h"

static char tmpdir[64];

static void random_model(mtp_model *m, int level, int nspecies, double rcut, unsigned long long *seed)
{
    aion_error err = {0};
    if (mtp_basis_generate(m, level, nspecies, 1.1, rcut, 5 + (int)(test_rand(seed) * 4), &err)) abort();
    size_t nr = (size_t)nspecies * (size_t)nspecies * (size_t)m->nradial * (size_t)m->rb_size;
    m->radial = calloc(nr, sizeof(double));
    m->species_coeffs = calloc((size_t)nspecies, sizeof(double));
    m->moment_coeffs = calloc((size_t)m->nscalar, sizeof(double));
    for (size_t q = 0; q < nr; q++) m->radial[q] = (2 * test_rand(seed) - 1) * 0.3;
    for (int s = 0; s < nspecies; s++) m->species_coeffs[s] = -3 + test_rand(seed);
    for (int a = 0; a < m->nscalar; a++) m->moment_coeffs[a] = (2 * test_rand(seed) - 1) * 0.1;
    m->has_scaling = 1;
    m->scaling = 0.5 + test_rand(seed);
}

typedef struct env {
    int zi, nn, zj[32];
    double d[32][3];
} env;

static void random_env(env *e, int C, double rcut, unsigned long long *seed)
{
    e->zi = (int)(test_rand(seed) * C);
    e->nn = 6 + (int)(test_rand(seed) * 10);
    for (int j = 0; j < e->nn; j++) {
        double r = 1.3 + test_rand(seed) * (rcut - 1.4), v[3], n2 = 0;
        do {
            n2 = 0;
            for (int c = 0; c < 3; c++) {
                v[c] = 2 * test_rand(seed) - 1;
                n2 += v[c] * v[c];
            }
        } while (n2 > 1 || n2 < 1e-3);
        for (int c = 0; c < 3; c++) e->d[j][c] = v[c] / sqrt(n2) * r;
        e->zj[j] = (int)(test_rand(seed) * C);
    }
}

static double Vof(const mtp_tplan *tp, const mtp_model *m, const env *e, mtp_tws *w)
{
    return mtp_site_energy(tp, m, e->zi, e->nn, e->zj, (const double (*)[3])e->d, NULL, w);
}

/* Psi = a V - sum grad . delta, from the plain energy kernel */
static double Psi_ref(const mtp_tplan *tp, const mtp_model *m, const env *e, double a, const double (*dl)[3],
                      mtp_tws *w)
{
    double g[32][3];
    double V = mtp_site_energy(tp, m, e->zi, e->nn, e->zj, (const double (*)[3])e->d, g, w), s = a * V;
    for (int j = 0; j < e->nn; j++)
        for (int c = 0; c < 3; c++) s -= g[j][c] * dl[j][c];
    return s;
}

static void test_against_evaluator(void)
{
    unsigned long long seed = 11;
    static const int zs[3] = {3, 15, 8};
    for (int rep = 0; rep < 4; rep++) {
        mtp_model m;
        mtp_tplan tp;
        mtp_tws w = {0};
        env e;
        aion_error err = {0};
        int C = 1 + rep % 3;
        random_model(&m, 8 + 2 * rep, C, 4.0, &seed);
        CHECK_OK(mtp_tplan_build(&tp, &m, &err));
        random_env(&e, C, 4.0, &seed);
        CHECK(mtp_tws_reserve(&w, &tp, e.nn, 1));
        double V = Vof(&tp, &m, &e, &w);
        /* production evaluator: a cluster, atom 0 at the origin */
        char path[128];
        snprintf(path, sizeof path, "%s/m.mtp", tmpdir);
        CHECK_OK(mtp_model_write(path, &m, &err));
        aion_potential_opts o;
        aion_potential *p = NULL;
        aion_potential_opts_init(&o);
        o.species_z = zs;
        o.n_species_z = C;
        CHECK_OK(aion_potential_create(&p, path, &o, &err));
        aion_frame f;
        aion_frame_init(&f);
        CHECK_OK(aion_frame_resize(&f, e.nn + 1, 0));
        f.z[0] = zs[e.zi];
        f.pos[0][0] = f.pos[0][1] = f.pos[0][2] = 0.0;
        for (int j = 0; j < e.nn; j++) {
            f.z[j + 1] = zs[e.zj[j]];
            for (int c = 0; c < 3; c++) f.pos[j + 1][c] = e.d[j][c];
        }
        double *ae = calloc((size_t)f.n, sizeof *ae);
        aion_eval ev;
        memset(&ev, 0, sizeof ev);
        ev.atom_energy = ae;
        if (p) {
            CHECK_OK(aion_potential_compute(p, &f, &ev));
            /* atom 0 sees exactly the environment (other atoms see each other too) */
            CHECK_REL(ae[0], V, 1e-12, 1e-12);
        }
        free(ae);
        aion_frame_free(&f);
        aion_potential_free(p);
        mtp_tws_free(&w);
        mtp_tplan_free(&tp);
        mtp_model_free(&m);
    }
}

static void test_fd(void)
{
    unsigned long long seed = 5;
    for (int rep = 0; rep < 5; rep++) {
        mtp_model m;
        mtp_tplan tp;
        mtp_tws w = {0};
        env e;
        aion_error err = {0};
        int C = 1 + rep % 2, level = 6 + 2 * rep;
        const double h = 1e-5;
        random_model(&m, level, C, 4.5, &seed);
        CHECK_OK(mtp_tplan_build(&tp, &m, &err));
        random_env(&e, C, 4.5, &seed);
        CHECK(mtp_tws_reserve(&w, &tp, e.nn, 1));
        double g[32][3], V = mtp_site_energy(&tp, &m, e.zi, e.nn, e.zj, (const double (*)[3])e.d, g, &w);
        /* basis values reproduce V; dB/dd against finite differences */
        double *B = calloc((size_t)m.nscalar, sizeof *B), *Bp = calloc((size_t)m.nscalar, sizeof *Bp),
               *Bm = calloc((size_t)m.nscalar, sizeof *Bm);
        const double **dB = calloc((size_t)m.nscalar, sizeof *dB);
        size_t ld = 0;
        mtp_site_basis(&tp, &m, e.zi, e.nn, e.zj, (const double (*)[3])e.d, B, dB, &ld, &w);
        double Vb = m.species_coeffs[e.zi];
        for (int a = 0; a < m.nscalar; a++) Vb += m.moment_coeffs[a] * B[a];
        CHECK_REL(Vb, V, 1e-12, 1e-12);
        double *dBc = calloc((size_t)m.nscalar * ld, sizeof *dBc);
        for (int a = 0; a < m.nscalar; a++) memcpy(dBc + (size_t)a * ld, dB[a], ld * sizeof(double));
        double worst = 0, worstg = 0;
        for (int j = 0; j < e.nn; j++)
            for (int c = 0; c < 3; c++) {
                double keep = e.d[j][c];
                e.d[j][c] = keep + h;
                double Vp = Vof(&tp, &m, &e, &w);
                mtp_site_basis(&tp, &m, e.zi, e.nn, e.zj, (const double (*)[3])e.d, Bp, NULL, NULL, &w);
                e.d[j][c] = keep - h;
                double Vm = Vof(&tp, &m, &e, &w);
                mtp_site_basis(&tp, &m, e.zi, e.nn, e.zj, (const double (*)[3])e.d, Bm, NULL, NULL, &w);
                e.d[j][c] = keep;
                double fd = (Vp - Vm) / (2 * h);
                double dv = fabs(fd - g[j][c]) / (fabs(fd) + 1e-3);
                if (dv > worstg) worstg = dv;
                for (int a = 0; a < m.nscalar; a++) {
                    double fdb = (Bp[a] - Bm[a]) / (2 * h), an = dBc[(size_t)a * ld + 3 * j + c];
                    double dd = fabs(fdb - an) / (fabs(fdb) + fabs(B[a]) * 1e-3 + 1e-6);
                    if (dd > worst) worst = dd;
                }
            }
        CHECK(worstg < 1e-6);
        CHECK(worst < 1e-6);
        if (worst >= 1e-6 || worstg >= 1e-6) fprintf(stderr, "level %d: dV %.3g dB %.3g\n", level, worstg, worst);

        /* reverse-mode gradient of Psi */
        double dl[32][3], a = 0.7;
        for (int j = 0; j < e.nn; j++)
            for (int c = 0; c < 3; c++) dl[j][c] = 2 * test_rand(&seed) - 1;
        size_t nrad = (size_t)C * (size_t)m.nradial * (size_t)m.rb_size;
        double *gr = calloc((size_t)C * nrad, sizeof *gr), *gx = calloc((size_t)m.nscalar, sizeof *gx),
               *gs = calloc((size_t)C, sizeof *gs);
        double Psi = mtp_site_loss_grad(&tp, &m, e.zi, e.nn, e.zj, (const double (*)[3])e.d, a,
                                        (const double (*)[3])dl, gr + (size_t)e.zi * nrad, gx, gs, &w);
        double Pr = Psi_ref(&tp, &m, &e, a, (const double (*)[3])dl, &w);
        CHECK_REL(Psi, Pr, 1e-11, 1e-11);
        double worstr = 0, worstx = 0;
        for (size_t q = 0; q < (size_t)C * nrad; q++) {
            /* 4-point central difference (error h^4) */
            double keep = m.radial[q], hh = 1e-4, v[4];
            static const double off[4] = {-2, -1, 1, 2};
            for (int s = 0; s < 4; s++) {
                m.radial[q] = keep + off[s] * hh;
                v[s] = Psi_ref(&tp, &m, &e, a, (const double (*)[3])dl, &w);
            }
            m.radial[q] = keep;
            double fd = (v[0] - 8 * v[1] + 8 * v[2] - v[3]) / (12 * hh);
            double dd = fabs(fd - gr[q]) / (fabs(fd) + 1e-6 * fabs(Psi) + 1e-8);
            if (dd > worstr) worstr = dd;
        }
        for (int al = 0; al < m.nscalar; al++) {
            double keep = m.moment_coeffs[al], hh = 0.5; /* Psi is linear in xi */
            m.moment_coeffs[al] = keep + hh;
            double pp = Psi_ref(&tp, &m, &e, a, (const double (*)[3])dl, &w);
            m.moment_coeffs[al] = keep - hh;
            double pm = Psi_ref(&tp, &m, &e, a, (const double (*)[3])dl, &w);
            m.moment_coeffs[al] = keep;
            double fd = (pp - pm) / (2 * hh), dd = fabs(fd - gx[al]) / (fabs(fd) + 1e-8);
            if (dd > worstx) worstx = dd;
        }
        if (getenv("VERBOSE")) fprintf(stderr, "level %d: dV %.2g dB %.2g radial %.2g xi %.2g\n", level, worstg, worst, worstr, worstx);
        CHECK(worstr < 1e-5);
        CHECK(worstx < 1e-6);
        CHECK_NEAR(gs[e.zi], a, 0);
        if (worstr >= 1e-5 || worstx >= 1e-6) fprintf(stderr, "level %d: radial %.3g xi %.3g\n", level, worstr, worstx);
        free(gr);
        free(gx);
        free(gs);
        free(dBc);
        free(B);
        free(Bp);
        free(Bm);
        free(dB);
        mtp_tws_free(&w);
        mtp_tplan_free(&tp);
        mtp_model_free(&m);
    }
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/aion-test-mtptr-XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    TEST_RUN(test_against_evaluator);
    TEST_RUN(test_fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) {
    }
    return TEST_END();
}
