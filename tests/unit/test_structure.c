/* Structure analysis: neighbour-list pair counts = brute force over all images
 * (RDF partial counts, bond angles; periodic skewed cell with r_max beyond half
 * the cell, and a non-periodic cluster); ideal gas g(r) → 1 (r_max beyond half the cell), crystal
 * shell counts (cubic and skewed cells), partials of rock salt, bond angles of
 * a simple-cubic lattice, Qⁿ and fragments of a hand-built phosphate, S(q). */
#include "aion.h"
#include "test.h"

static void set_cell(aion_frame *f, const double h[3][3])
{
    memcpy(f->cell, h, sizeof f->cell);
    f->has |= AION_HAS_CELL;
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
}


/* Brute force: every pair with every image n (|n_k| <= 5; atoms lie up to 2 cells out), i == j only n != 0. */
static void brute_pairs(const aion_frame *f, double rmax, int periodic,
                        void (*visit)(void *ctx, int i, int j, const double d[3], double r), void *ctx)
{
    const int M = periodic ? 5 : 0;
    for (int i = 0; i < f->n; i++)
        for (int j = 0; j < f->n; j++)
            for (int a = -M; a <= M; a++)
                for (int b = -M; b <= M; b++)
                    for (int c = -M; c <= M; c++) {
                        if (i == j && !a && !b && !c) continue;
                        double d[3];
                        for (int k = 0; k < 3; k++)
                            d[k] = f->pos[j][k] - f->pos[i][k] + a * f->cell[0][k] + b * f->cell[1][k] +
                                   c * f->cell[2][k];
                        double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                        if (r < rmax) visit(ctx, i, j, d, r);
                    }
}

typedef struct rdf_ctx {
    const aion_frame *f;
    double dr;
    int nb;
    double h[2][2][64]; /* [Li/O][Li/O][bin] ordered pairs */
} rdf_ctx;

static void rdf_visit(void *c, int i, int j, const double d[3], double r)
{
    rdf_ctx *x = c;
    (void)d;
    int b = (int)(r / x->dr);
    if (b < x->nb) x->h[x->f->z[i] == 8][x->f->z[j] == 8][b] += 1;
}

typedef struct adf_ctx {
    const aion_frame *f;
    double rc;
    int nb;
    /* neighbours of the current centre */
    double d[4096][3], r[4096];
    int n;
} adf_ctx;

static void adf_collect(void *c, int i, int j, const double d[3], double r)
{
    adf_ctx *x = c;
    (void)i;
    if (x->f->z[j] != 8 || x->n >= 4096) return;
    memcpy(x->d[x->n], d, sizeof x->d[0]);
    x->r[x->n++] = r;
}

static void random_frame(aion_frame *f, int N, const double h[3][3], int periodic, unsigned long long seed)
{
    aion_frame_resize(f, N, 0);
    if (periodic) set_cell(f, h);
    unsigned long long s = seed;
    for (int i = 0; i < N; i++) {
        double fr[3] = {test_rand(&s), test_rand(&s), test_rand(&s)};
        for (int d = 0; d < 3; d++) f->pos[i][d] = fr[0] * h[0][d] + fr[1] * h[1][d] + fr[2] * h[2][d];
        if (periodic && i % 7 == 0) f->pos[i][0] += 2.0 * h[0][0]; /* outside the cell */
        f->z[i] = i % 3 ? 8 : 3;
    }
}

static void test_nlist_equals_brute_force(void)
{
    const double h[3][3] = {{8, 0, 0}, {2.5, 7.5, 0}, {-1.5, 1, 9}};
    aion_frame f;
    aion_frame_init(&f);
    random_frame(&f, 90, h, 1, 11);
    /* RDF: r_max beyond half the cell widths */
    const int nb = 48;
    /* not a multiple of a lattice vector length (|a| = 8 would put self-images
     * exactly on a bin edge, where rounding decides) */
    const double rmax = 9.7;
    static rdf_ctx rc;
    memset(&rc, 0, sizeof rc);
    rc.f = &f;
    rc.dr = rmax / nb;
    rc.nb = nb;
    brute_pairs(&f, rmax, 1, rdf_visit, &rc);
    aion_rdf_opts o = {.r_max = rmax, .n_bins = nb};
    aion_rdf *r = NULL;
    CHECK_OK(aion_rdf_create(&r, &o, NULL));
    CHECK_OK(aion_rdf_add(r, &f));
    int zz[2] = {3, 8};
    long na[2] = {30, 60};
    double worst = 0, total = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            double cn[48], cum = 0;
            CHECK_OK(aion_rdf_get(r, zz[a], zz[b], NULL, NULL, cn));
            for (int k = 0; k < nb; k++) {
                cum += rc.h[a][b][k];
                worst = fmax(worst, fabs(cn[k] * na[a] - cum));
            }
            total += cum;
        }
    CHECK(total > 3e4);
    CHECK(worst < 1e-8);
    printf("rdf: %.0f ordered pairs, largest count difference vs brute force %.2g\n", total, worst);
    aion_rdf_free(r);

    /* bond angles O-Li-O within 3.1 Å, periodic and non-periodic */
    for (int periodic = 1; periodic >= 0; periodic--) {
        if (!periodic) {
            aion_frame_free(&f);
            aion_frame_init(&f);
            random_frame(&f, 160, h, 0, 5);
        }
        aion_adf_opts ao = {.z_center = 3, .z_a = 8, .z_b = 8, .rcut_a = 3.1, .rcut_b = 3.1, .n_bins = 36};
        aion_adf *ad = NULL;
        CHECK_OK(aion_adf_create(&ad, &ao, NULL));
        CHECK_OK(aion_adf_add(ad, &f));
        static adf_ctx ac;
        double hb[36] = {0}, nang = 0;
        long centres = 0;
        for (int i = 0; i < f.n; i++) {
            if (f.z[i] != 3) continue;
            centres++;
            memset(&ac, 0, sizeof ac);
            ac.f = &f;
            /* neighbours of i only */
            const int M = periodic ? 5 : 0;
            for (int j = 0; j < f.n; j++)
                for (int a = -M; a <= M; a++)
                    for (int b = -M; b <= M; b++)
                        for (int c = -M; c <= M; c++) {
                            if (i == j && !a && !b && !c) continue;
                            double d[3];
                            for (int k = 0; k < 3; k++)
                                d[k] = f.pos[j][k] - f.pos[i][k] + a * f.cell[0][k] + b * f.cell[1][k] +
                                       c * f.cell[2][k];
                            double rr = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                            if (rr < 3.1) adf_collect(&ac, i, j, d, rr);
                        }
            for (int p = 0; p < ac.n; p++)
                for (int q = p + 1; q < ac.n; q++) {
                    double cs = (ac.d[p][0] * ac.d[q][0] + ac.d[p][1] * ac.d[q][1] + ac.d[p][2] * ac.d[q][2]) /
                                (ac.r[p] * ac.r[q]);
                    cs = fmax(-1, fmin(1, cs));
                    int b = (int)(acos(cs) * 180.0 / M_PI / 5.0);
                    if (b > 35) b = 35;
                    hb[b] += 1;
                    nang += 1;
                }
        }
        double th[36], p[36], n_angles = 0, w2 = 0;
        CHECK_OK(aion_adf_get(ad, th, p, &n_angles));
        CHECK_NEAR(n_angles * centres, nang, 1e-9);
        for (int k = 0; k < 36; k++) w2 = fmax(w2, fabs(p[k] * n_angles * centres * 5.0 - hb[k]));
        CHECK(w2 < 1e-8);
        CHECK(nang > 50);
        printf("adf (%s): %.0f angles, largest bin difference vs brute force %.2g\n",
               periodic ? "periodic" : "cluster", nang, w2);
        aion_adf_free(ad);
    }
    aion_frame_free(&f);
}

static void test_ideal_gas(void)
{
    const int N = 300, frames = 30;
    double h[3][3] = {{10, 0, 0}, {3, 9, 0}, {-2, 1, 11}};
    aion_rdf_opts o = {.r_max = 7.5, .n_bins = 30};
    aion_rdf *r = NULL;
    CHECK_OK(aion_rdf_create(&r, &o, NULL));
    aion_frame f;
    aion_frame_init(&f);
    aion_frame_resize(&f, N, 0);
    set_cell(&f, h);
    unsigned long long s = 3;
    for (int k = 0; k < frames; k++) {
        for (int i = 0; i < N; i++) {
            double fr[3] = {test_rand(&s), test_rand(&s), test_rand(&s)};
            for (int d = 0; d < 3; d++) f.pos[i][d] = fr[0] * h[0][d] + fr[1] * h[1][d] + fr[2] * h[2][d];
            f.z[i] = i % 2 ? 8 : 3;
        }
        CHECK_OK(aion_rdf_add(r, &f));
    }
    double g[30], rr[30], cn[30], gp[30];
    CHECK_OK(aion_rdf_get(r, 0, 0, rr, g, cn));
    CHECK_OK(aion_rdf_get(r, 3, 8, NULL, gp, NULL));
    double worst = 0, mean = 0;
    double V = fabs(h[0][0] * h[1][1] * h[2][2]);
    for (int k = 5; k < 30; k++) {
        /* Poisson error of the bin */
        double shell = 4.0 * M_PI / 3.0 * (pow(rr[k] + 0.125, 3) - pow(rr[k] - 0.125, 3));
        double expect = frames * (double)N * (N - 1) / V * shell;
        double z = (g[k] - 1.0) * sqrt(expect);
        worst = fmax(worst, fabs(z));
        mean += g[k] / 25;
    }
    printf("ideal gas: mean g = %.4f, worst bin %.2f sigma, n(7.5) = %.3f (expected %.3f)\n", mean, worst, cn[29],
           (N - 1) / V * 4.0 / 3.0 * M_PI * pow(7.5, 3));
    CHECK(worst < 4.5);
    CHECK_NEAR(mean, 1.0, 0.01);
    CHECK_REL(cn[29], (N - 1) / V * 4.0 / 3.0 * M_PI * pow(7.5, 3), 0.01, 0);
    CHECK_NEAR(gp[29], 1.0, 0.1);
    /* S(q) of an ideal gas is 1 away from q = 0. Tolerance: the Li (b < 0) / O
     * neutron weights (O–O weight 2.2) amplify the statistical noise of the
     * partials to ~0.05 here. */
    double q[3] = {4, 8, 12}, sq[3];
    CHECK_OK(aion_rdf_sq(r, q, 3, 1, sq));
    for (int k = 0; k < 3; k++) CHECK_NEAR(sq[k], 1.0, 0.15);
    aion_rdf_free(r);
    aion_frame_free(&f);
}

/* simple cubic a = 2: cumulative neighbours within shells */
static void sc_frame(aion_frame *f, int skew)
{
    const double a = 2.0;
    const int m = 4;
    aion_frame_resize(f, m * m * m, 0);
    double h[3][3] = {{m * a, 0, 0}, {0, m * a, 0}, {0, 0, m * a}};
    if (skew) { /* same lattice, sheared cell: b' = b + a */
        h[1][0] = m * a;
    }
    set_cell(f, h);
    int k = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            for (int l = 0; l < m; l++) {
                f->pos[k][0] = i * a;
                f->pos[k][1] = j * a;
                f->pos[k][2] = l * a;
                f->z[k++] = 11;
            }
}

static void test_crystal(void)
{
    const double shells[] = {2.0, 2.0 * M_SQRT2, 2.0 * sqrt(3.0), 4.0, 2.0 * sqrt(5.0), 2.0 * sqrt(6.0),
                             2.0 * sqrt(8.0)};
    const int cum[] = {6, 18, 26, 32, 56, 80, 92};
    for (int skew = 0; skew < 2; skew++) {
        aion_frame f;
        aion_frame_init(&f);
        sc_frame(&f, skew);
        aion_rdf_opts o = {.r_max = 5.9, .n_bins = 590};
        aion_rdf *r = NULL;
        CHECK_OK(aion_rdf_create(&r, &o, NULL));
        CHECK_OK(aion_rdf_add(r, &f));
        double cn[590], rr[590];
        CHECK_OK(aion_rdf_get(r, 11, 11, rr, NULL, cn));
        for (int s = 0; s < 7; s++) {
            int b = (int)(shells[s] / 0.01) + 2; /* a bin just past the shell */
            CHECK_NEAR(cn[b], cum[s], 1e-9);
            CHECK_NEAR(cn[b - 4], s ? cum[s - 1] : 0, 1e-9);
        }
        aion_rdf_free(r);
        /* bond angles: 6 neighbours -> 12 right angles, 3 straight */
        aion_adf_opts ao = {.rcut_a = 2.1, .rcut_b = 2.1, .n_bins = 180};
        aion_adf *ad = NULL;
        CHECK_OK(aion_adf_create(&ad, &ao, NULL));
        CHECK_OK(aion_adf_add(ad, &f));
        double th[180], p[180], na;
        CHECK_OK(aion_adf_get(ad, th, p, &na));
        CHECK_NEAR(na, 15.0, 1e-12);
        CHECK_NEAR(p[90] + p[89], 0.8, 1e-12);
        CHECK_NEAR(p[179], 0.2, 1e-12);
        aion_adf_free(ad);
        aion_frame_free(&f);
    }
}

static void test_rocksalt(void)
{
    aion_frame f;
    aion_frame_init(&f);
    const double a = 5.64;
    const int m = 2;
    aion_frame_resize(&f, 8 * m * m * m, 0);
    double h[3][3] = {{m * a, 0, 0}, {0, m * a, 0}, {0, 0, m * a}};
    set_cell(&f, h);
    const double base[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
    int k = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
            for (int l = 0; l < m; l++)
                for (int b = 0; b < 4; b++) {
                    for (int sp = 0; sp < 2; sp++) {
                        f.pos[k][0] = (i + base[b][0] + 0.5 * sp) * a;
                        f.pos[k][1] = (j + base[b][1]) * a;
                        f.pos[k][2] = (l + base[b][2]) * a;
                        f.z[k++] = sp ? 17 : 11;
                    }
                }
    aion_rdf_opts o = {.r_max = 4.5, .n_bins = 450};
    aion_rdf *r = NULL;
    CHECK_OK(aion_rdf_create(&r, &o, NULL));
    CHECK_OK(aion_rdf_add(r, &f));
    double cn[450];
    CHECK_OK(aion_rdf_get(r, 11, 17, NULL, NULL, cn));
    CHECK_NEAR(cn[300], 6, 1e-12); /* 2.82 < 3.0 Å */
    CHECK_OK(aion_rdf_get(r, 17, 11, NULL, NULL, cn));
    CHECK_NEAR(cn[300], 6, 1e-12);
    CHECK_OK(aion_rdf_get(r, 11, 11, NULL, NULL, cn));
    CHECK_NEAR(cn[300], 0, 1e-12);
    CHECK_NEAR(cn[420], 12, 1e-12); /* 3.99 Å */
    const int *z;
    CHECK(aion_rdf_species(r, &z) == 2 && z[0] == 11 && z[1] == 17);
    CHECK(aion_rdf_get(r, 3, 11, NULL, NULL, cn) == AION_ERR_INVALID);
    aion_rdf_free(r);
    aion_frame_free(&f);
}

/* A 4-P chain, a P2O7 dimer and an isolated PO4 in a 40 Å box. */
static void test_qn(void)
{
    double at[64][4];
    int n = 0;
#define ADD(zz, x, y, w) (at[n][0] = (zz), at[n][1] = (x), at[n][2] = (y), at[n][3] = (w), n++)
    for (int k = 0; k < 4; k++) {
        ADD(15, 5 + 3.0 * k, 5, 5);
        ADD(8, 5 + 3.0 * k, 6.5, 5);
        ADD(8, 5 + 3.0 * k, 5, 6.5);
        if (k < 3) ADD(8, 6.5 + 3.0 * k, 5, 5); /* bridging */
    }
    ADD(8, 3.5, 5, 5);  /* terminal O of the first P */
    ADD(8, 15.5, 5, 5); /* terminal O of the last P */
    ADD(15, 20, 20, 20);
    ADD(8, 21.5, 20, 20);
    ADD(8, 18.5, 20, 20);
    ADD(8, 20, 21.5, 20);
    ADD(8, 20, 18.5, 20);
    ADD(15, 10, 30, 10);
    ADD(15, 13, 30, 10);
    ADD(8, 11.5, 30, 10);
    ADD(8, 10, 31.5, 10);
    ADD(8, 13, 31.5, 10);
    ADD(3, 30, 30, 30);
#undef ADD
    aion_frame f;
    aion_frame_init(&f);
    aion_frame_resize(&f, n, 0);
    double h[3][3] = {{40, 0, 0}, {0, 40, 0}, {0, 0, 40}};
    set_cell(&f, h);
    for (int i = 0; i < n; i++) {
        f.z[i] = (int)at[i][0];
        for (int d = 0; d < 3; d++) f.pos[i][d] = at[i][1 + d];
    }
    aion_qn *q = NULL;
    CHECK_OK(aion_qn_create(&q, NULL, NULL));
    CHECK_OK(aion_qn_add(q, &f));
    aion_qn_result res;
    CHECK_OK(aion_qn_get(q, &res));
    CHECK(res.n_formers == 7);
    CHECK_NEAR(res.qn[0], 1.0 / 7, 1e-12);
    CHECK_NEAR(res.qn[1], 4.0 / 7, 1e-12);
    CHECK_NEAR(res.qn[2], 2.0 / 7, 1e-12);
    CHECK(res.frag_max == 4);
    CHECK_NEAR(res.frag[1], 1.0 / 7, 1e-12);
    CHECK_NEAR(res.frag[2], 2.0 / 7, 1e-12);
    CHECK_NEAR(res.frag[3], 0.0, 1e-12);
    CHECK_NEAR(res.frag[4], 4.0 / 7, 1e-12);
    CHECK_NEAR(res.mean_chain, 7.0 / 3, 1e-12);
    /* O: 4 bridging of 4+... count: chain 3 bridging + dimer 1 = 4 of 22 */
    int no = 0;
    for (int i = 0; i < n; i++) no += f.z[i] == 8;
    CHECK_NEAR(res.f_bridging, 4.0 / no, 1e-12);
    CHECK_NEAR(res.f_free, 0.0, 1e-12);
    /* chain P: 3 or 4 O; PO4: 4; dimer P: 3 */
    CHECK_NEAR(res.mean_cn, (4 + 4 + 4 + 4 + 4 + 3 + 3) / 7.0 - 0.0, 0.6);
    aion_qn_free(q);
    aion_frame_free(&f);
}

static void test_neutron_table(void)
{
    const int mission[] = {3, 11, 19, 12, 20, 13, 14, 15, 8, 7, 16, 23, 9, 17, 35, 53, 31, 49, 40, 57};
    for (size_t k = 0; k < sizeof mission / sizeof mission[0]; k++) CHECK(!isnan(aion_neutron_b(mission[k])));
    CHECK_NEAR(aion_neutron_b(3), -1.90, 1e-12);
    CHECK_NEAR(aion_neutron_b(8), 5.803, 1e-12);
    CHECK_NEAR(aion_neutron_b(15), 5.13, 1e-12);
    CHECK(isnan(aion_neutron_b(0)));
}

int main(void)
{
    TEST_RUN(test_nlist_equals_brute_force);
    TEST_RUN(test_ideal_gas);
    TEST_RUN(test_crystal);
    TEST_RUN(test_rocksalt);
    TEST_RUN(test_qn);
    TEST_RUN(test_neutron_table);
    return TEST_END();
}
