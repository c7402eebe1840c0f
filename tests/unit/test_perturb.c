/* Structure generation: strain, rattle, substitution with compensation,
 * removal of atoms, stripping (src/core/perturb.c). */
#include "test.h"
#include "internal.h"

/* A triclinic cell with n atoms (z cycling Li, P, O, O), labels, velocities,
 * ids, masses and a string column. */
static void make_frame(aion_frame *f, int n)
{
    double abc[3] = {7.0, 8.0, 9.0}, ang[3] = {85.0, 95.0, 100.0};
    static const int zs[4] = {3, 15, 8, 8};
    aion_frame_init(f);
    aion_frame_resize(f, n, AION_HAS_FORCES | AION_HAS_VEL | AION_HAS_ID | AION_HAS_MASS);
    f->has |= AION_HAS_CELL | AION_HAS_ENERGY | AION_HAS_STRESS;
    aion_cell_from_params(abc, ang, f->cell);
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    aion_column *c = aion_frame_column_add(f, "tag", 'S', 1);
    aion_column *d = aion_frame_column_add(f, "q", 'R', 2);
    for (int i = 0; i < n; i++) {
        char buf[16];
        f->z[i] = zs[i % 4];
        f->mass[i] = aion_element_mass(f->z[i]);
        f->id[i] = 100 + i;
        for (int x = 0; x < 3; x++) {
            f->pos[i][x] = 0.37 * i + 0.11 * x * x + 0.05 * (i % 3);
            f->vel[i][x] = 0.001 * (i + x);
            f->forces[i][x] = 0.1 * x;
        }
        snprintf(buf, sizeof buf, "a%d", i);
        c->s[i] = aion_strdup(buf);
        d->d[2 * i] = i;
        d->d[2 * i + 1] = -i;
    }
    f->energy = -5.0;
    aion_frame_info_set(f, "config_type", "test");
    aion_frame_info_set(f, "method", "x");
}

static void frac(const aion_frame *f, const double r[3], double s[3])
{
    double inv[3][3];
    aion_cell_inverse(f->cell, inv);
    for (int x = 0; x < 3; x++) s[x] = r[0] * inv[0][x] + r[1] * inv[1][x] + r[2] * inv[2][x];
}

static void test_strain(void)
{
    aion_frame f, g;
    aion_error err;
    double eps[3][3] = {{0.02, -0.01, 0.005}, {-0.01, -0.03, 0.015}, {0.005, 0.015, 0.01}}, d[3][3];
    make_frame(&f, 8);
    aion_frame_init(&g);
    CHECK_OK(aion_frame_copy(&g, &f));
    CHECK_OK(aion_frame_strain(&g, eps, &err));
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) d[i][j] = (i == j) + eps[i][j];
    /* volume scales by det(I + eps) */
    CHECK_REL(aion_frame_volume(&g), aion_frame_volume(&f) * aion_det3(d), 1e-13, 0);
    /* fractional coordinates are unchanged */
    for (int i = 0; i < f.n; i++) {
        double s0[3], s1[3];
        frac(&f, f.pos[i], s0);
        frac(&g, g.pos[i], s1);
        for (int x = 0; x < 3; x++) CHECK_NEAR(s1[x], s0[x], 1e-13);
    }
    /* a pair vector r_ij becomes r_ij (I + eps): its length follows the metric */
    {
        double r[3], l2 = 0, l2s = 0;
        for (int x = 0; x < 3; x++) r[x] = f.pos[5][x] - f.pos[1][x];
        for (int x = 0; x < 3; x++) {
            double y = r[0] * d[0][x] + r[1] * d[1][x] + r[2] * d[2][x];
            l2 += y * y;
            l2s += (g.pos[5][x] - g.pos[1][x]) * (g.pos[5][x] - g.pos[1][x]);
        }
        CHECK_REL(l2s, l2, 1e-13, 0);
    }
    /* labels dropped, the rest kept */
    CHECK(!(g.has & (AION_HAS_ENERGY | AION_HAS_FORCES | AION_HAS_STRESS)));
    CHECK((g.has & AION_HAS_VEL) && (g.has & AION_HAS_CELL));
    CHECK(aion_frame_info_get(&g, "config_type") != NULL);
    /* bad input */
    eps[0][1] = 0.02;
    CHECK(aion_frame_strain(&g, eps, &err) == AION_ERR_INVALID);
    double flat[3][3] = {{-1, 0, 0}, {0, 0, 0}, {0, 0, 0}};
    CHECK(aion_frame_strain(&g, flat, &err) == AION_ERR_INVALID);
    g.has &= ~(unsigned)AION_HAS_CELL;
    double zero[3][3] = {{0}};
    CHECK(aion_frame_strain(&g, zero, &err) == AION_ERR_INVALID);
    aion_frame_free(&f);
    aion_frame_free(&g);
}

static void test_strain_random(void)
{
    aion_rng r;
    double eps[3][3], m = 0.03, sum = 0, sum2 = 0, mx = 0;
    long n = 0;
    aion_rng_seed(&r, 7, 0);
    for (int t = 0; t < 20000; t++) {
        aion_strain_random(&r, m, eps);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                CHECK(eps[i][j] == eps[j][i]);
                if (j < i) continue;
                sum += eps[i][j];
                sum2 += eps[i][j] * eps[i][j];
                mx = fmax(mx, fabs(eps[i][j]));
                n++;
            }
    }
    CHECK(mx <= m && mx > 0.999 * m);
    /* uniform on [-m, m]: mean 0 (sd of the mean m/sqrt(3n)), variance m²/3 */
    CHECK_NEAR(sum / n, 0.0, 5 * m / sqrt(3.0 * n));
    CHECK_REL(sum2 / n, m * m / 3, 0.02, 0);
}

static void test_rattle(void)
{
    aion_frame f, g, h;
    aion_rng r;
    aion_error err;
    double s = 0.1, sum = 0, sum2 = 0;
    long n = 0;
    make_frame(&f, 4000);
    aion_frame_init(&g);
    aion_frame_init(&h);
    CHECK_OK(aion_frame_copy(&g, &f));
    CHECK_OK(aion_frame_copy(&h, &f));
    aion_rng_seed(&r, 3, 5);
    CHECK_OK(aion_frame_rattle(&g, s, &r, &err));
    for (int i = 0; i < f.n; i++)
        for (int x = 0; x < 3; x++) {
            double d = g.pos[i][x] - f.pos[i][x];
            sum += d;
            sum2 += d * d;
            n++;
        }
    CHECK_NEAR(sum / n, 0.0, 5 * s / sqrt((double)n));
    /* sd of the sample variance of a normal: s² sqrt(2/n) */
    CHECK_NEAR(sum2 / n, s * s, 5 * s * s * sqrt(2.0 / n));
    CHECK(!(g.has & AION_HAS_FORCES));
    /* same seed and stream: the same displacements */
    aion_rng_seed(&r, 3, 5);
    CHECK_OK(aion_frame_rattle(&h, s, &r, &err));
    CHECK(memcmp(g.pos, h.pos, sizeof *g.pos * (size_t)g.n) == 0);
    CHECK(aion_frame_rattle(&h, -0.1, &r, &err) == AION_ERR_INVALID);
    CHECK(aion_frame_rattle(&h, NAN, &r, &err) == AION_ERR_INVALID);
    aion_frame_free(&f);
    aion_frame_free(&g);
    aion_frame_free(&h);
}

static void test_remove(void)
{
    aion_frame f;
    aion_error err;
    unsigned char del[10] = {1, 0, 0, 1, 0, 1, 0, 0, 0, 1};
    int keep[6] = {1, 2, 4, 6, 7, 8};
    double pos[10][3];
    make_frame(&f, 10);
    memcpy(pos, f.pos, sizeof pos);
    CHECK_OK(aion_frame_remove_atoms(&f, del, &err));
    CHECK(f.n == 6);
    aion_column *c = aion_frame_column_get(&f, "tag"), *d = aion_frame_column_get(&f, "q");
    for (int k = 0; k < 6; k++) {
        char buf[16];
        int i = keep[k];
        snprintf(buf, sizeof buf, "a%d", i);
        CHECK(f.id[k] == 100 + i);
        CHECK(f.pos[k][1] == pos[i][1]);
        CHECK(f.vel[k][2] == 0.001 * (i + 2));
        CHECK(c && c->s[k] && !strcmp(c->s[k], buf));
        CHECK(d && d->d[2 * k] == i && d->d[2 * k + 1] == -i);
    }
    CHECK(!(f.has & AION_HAS_ENERGY));
    aion_frame_free(&f);
}

static void count(const aion_frame *f, int *li, int *p, int *o, int *nn)
{
    *li = *p = *o = *nn = 0;
    for (int i = 0; i < f->n; i++) {
        *li += f->z[i] == 3;
        *p += f->z[i] == 15;
        *o += f->z[i] == 8;
        *nn += f->z[i] == 7;
    }
}

static void test_substitute(void)
{
    aion_frame f, g;
    aion_rng r;
    aion_error err;
    aion_subst s = {8, 7, 4, 8, 2};
    int li, p, o, nn, hits[64] = {0}, trials = 4000;
    make_frame(&f, 64); /* Li16 P16 O32 */
    aion_frame_init(&g);
    aion_rng_seed(&r, 1, 0);
    for (int t = 0; t < trials; t++) {
        CHECK_OK(aion_frame_copy(&g, &f));
        CHECK_OK(aion_frame_substitute(&g, &s, &r, &err));
        count(&g, &li, &p, &o, &nn);
        if (t == 0) {
            CHECK(g.n == 62 && li == 16 && p == 16 && o == 26 && nn == 4);
            /* charge balance with formal charges Li+1 P+5 O-2 N-3: 16+80-52-12 = 32 (as before: 16+80-64) */
            CHECK(li + 5 * p - 2 * o - 3 * nn == 16 + 80 - 64);
            for (int i = 0; i < g.n; i++)
                if (g.z[i] == 7) CHECK_NEAR(g.mass[i], aion_element_mass(7), 1e-12);
        }
        /* which original atoms became N: the ids survive */
        for (int i = 0; i < g.n; i++)
            if (g.z[i] == 7) hits[g.id[i] - 100]++;
    }
    /* uniform choice among the 32 O: each is substituted with probability 4/32 */
    {
        int bad = 0, non_o = 0;
        double pr = 4.0 / 32, sd = sqrt(trials * pr * (1 - pr));
        for (int i = 0; i < 64; i++) {
            if (f.z[i] != 8) {
                non_o += hits[i];
                continue;
            }
            if (fabs(hits[i] - trials * pr) > 5 * sd) bad++;
        }
        CHECK(non_o == 0);
        CHECK(bad == 0);
    }
    /* not enough atoms: error, frame unchanged */
    {
        aion_subst too = {8, 7, 33, 0, 0}, rem = {8, 7, 30, 8, 3};
        CHECK_OK(aion_frame_copy(&g, &f));
        CHECK(aion_frame_substitute(&g, &too, &r, &err) == AION_ERR_INVALID);
        CHECK(aion_frame_substitute(&g, &rem, &r, &err) == AION_ERR_INVALID);
        CHECK(g.n == 64 && memcmp(g.z, f.z, sizeof *g.z * 64) == 0);
    }
    aion_frame_free(&f);
    aion_frame_free(&g);
}

static void test_strip(void)
{
    aion_frame f;
    const char *keys[2] = {"config_type", "q"};
    make_frame(&f, 5);
    aion_frame_strip(&f, AION_HAS_ENERGY | AION_HAS_FORCES, keys, 2);
    CHECK(f.has == (AION_HAS_ENERGY | AION_HAS_FORCES | AION_HAS_CELL));
    CHECK(f.n_info == 1 && !strcmp(f.info[0].key, "config_type"));
    CHECK(f.n_cols == 1 && !strcmp(f.cols[0].name, "q") && f.cols[0].d[2] == 1.0);
    aion_frame_strip(NULL, 0, NULL, 0);
    aion_frame_free(&f);
}

int main(void)
{
    TEST_RUN(test_strain);
    TEST_RUN(test_strain_random);
    TEST_RUN(test_rattle);
    TEST_RUN(test_remove);
    TEST_RUN(test_substitute);
    TEST_RUN(test_strip);
    return TEST_END();
}
