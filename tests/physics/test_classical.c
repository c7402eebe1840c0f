/*
 * Classical pair potentials (src/potential/classical.c):
 *  - energies and forces against an independent brute-force sum over periodic
 *    images (every term kind, Coulomb cut and DSF);
 *  - forces = −∇E (4th-order central differences), virial = −∂E/∂ε (strain
 *    finite differences) in random triclinic cells, for every term and every
 *    Coulomb method (none, cut, DSF, Ewald);
 *  - invariance under translation, rotation, permutation and lattice shifts;
 *  - per-atom energies sum to E; 1 vs 2 threads agree to 1e-12;
 *  - DSF on two atoms against the Fennell–Gezelter formula; Ewald on rock salt
 *    against the Madelung constant;
 *  - parameter-file errors name file:line; the Pedone set describes itself.
 */
#include "test.h"
#include "aion.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KE AION_COULOMB_EV_A
#define NAT 16

/* The all-terms test model: every term kind, shifted and unshifted, distinct
 * cutoffs; charges neutral for Li6P2O8. */
static const char *model_text =
    "# test model\n"
    "name test-all\n"
    "charge Li 0.6\n"
    "charge P 3.0\n"
    "charge O -1.2\n"
    "lj Li Li 0.01 2.0 cutoff 6.0 shift\n"
    "buckingham Li O 500 0.3 2.0 cutoff 5.0\n"
    "morse P O 0.8 2.6 1.6 cutoff 5.5 shift\n"
    "invpow O O 22 12 cutoff 4.5 shift\n"
    "invpow P P 10 8.5 cutoff 5.0\n"
    "lj O O 0.005 3.0 cutoff 7.0\n";

static char model_path[64];

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        perror(path);
        exit(2);
    }
    fputs(text, fp);
    fclose(fp);
}

static char *temp_file(const char *text)
{
    static char paths[16][64];
    static int k;
    char *p = paths[k++ % 16];
    snprintf(p, 64, "/tmp/aion_test_pot_XXXXXX");
    int fd = mkstemp(p);
    if (fd < 0) {
        perror("mkstemp");
        exit(2);
    }
    close(fd);
    write_file(p, text);
    return p;
}

/* ---------- the model, re-implemented independently for brute force ---------- */

typedef struct {
    int kind; /* 0 lj, 1 buck, 2 morse, 3 invpow */
    int z1, z2;
    double p[3], rc;
    int shift;
} bterm;

static const bterm bterms[] = {
    {0, 3, 3, {0.01, 2.0, 0}, 6.0, 1},       {1, 3, 8, {500, 0.3, 2.0}, 5.0, 0},
    {2, 15, 8, {0.8, 2.6, 1.6}, 5.5, 1},     {3, 8, 8, {22, 12, 0}, 4.5, 1},
    {3, 15, 15, {10, 8.5, 0}, 5.0, 0},       {0, 8, 8, {0.005, 3.0, 0}, 7.0, 0},
};
#define NBT (int)(sizeof bterms / sizeof bterms[0])

static double charge_of(int z) { return z == 3 ? 0.6 : z == 15 ? 3.0 : -1.2; }

static double phi(const bterm *t, double r)
{
    switch (t->kind) {
    case 0: return 4 * t->p[0] * (pow(t->p[1] / r, 12) - pow(t->p[1] / r, 6));
    case 1: return t->p[0] * exp(-r / t->p[1]) - t->p[2] / pow(r, 6);
    case 2: return t->p[0] * (pow(1 - exp(-t->p[1] * (r - t->p[2])), 2) - 1);
    default: return t->p[0] / pow(r, t->p[1]);
    }
}

static double dphi(const bterm *t, double r)
{
    switch (t->kind) {
    case 0: return 4 * t->p[0] * (-12 * pow(t->p[1], 12) / pow(r, 13) + 6 * pow(t->p[1], 6) / pow(r, 7));
    case 1: return -t->p[0] / t->p[1] * exp(-r / t->p[1]) + 6 * t->p[2] / pow(r, 7);
    case 2: {
        double ex = exp(-t->p[1] * (r - t->p[2]));
        return 2 * t->p[0] * (1 - ex) * t->p[1] * ex;
    }
    default: return -t->p[1] * t->p[0] / pow(r, t->p[1] + 1);
    }
}

/* coul: 0 none, 1 cut (rc), 2 dsf (alpha, rc) */
static void pair_ref(int z1, int z2, double r, int coul, double alpha, double rcc, double *e, double *de)
{
    *e = *de = 0;
    for (int k = 0; k < NBT; k++) {
        const bterm *t = &bterms[k];
        if (!((t->z1 == z1 && t->z2 == z2) || (t->z1 == z2 && t->z2 == z1))) continue;
        if (r >= t->rc) continue;
        *e += phi(t, r) - (t->shift ? phi(t, t->rc) : 0);
        *de += dphi(t, r);
    }
    if (coul && r < rcc) {
        double qq = KE * charge_of(z1) * charge_of(z2);
        if (coul == 1) {
            *e += qq / r;
            *de += -qq / (r * r);
        } else {
            /* Fennell & Gezelter (2006) eq. for the DSF potential and its force */
            double S = erfc(alpha * rcc) / (rcc * rcc) + 2 * alpha / sqrt(M_PI) * exp(-alpha * alpha * rcc * rcc) / rcc;
            *e += qq * (erfc(alpha * r) / r - erfc(alpha * rcc) / rcc + S * (r - rcc));
            *de += -qq * (erfc(alpha * r) / (r * r) + 2 * alpha / sqrt(M_PI) * exp(-alpha * alpha * r * r) / r - S);
        }
    }
}

static double dsf_self(double q, double alpha, double rcc)
{
    double S = erfc(alpha * rcc) / (rcc * rcc) + 2 * alpha / sqrt(M_PI) * exp(-alpha * alpha * rcc * rcc) / rcc;
    double es = erfc(alpha * rcc) / rcc + S * rcc;
    return -KE * q * q * (es / 2 + alpha / sqrt(M_PI));
}

static void widths(const double c[3][3], double w[3])
{
    for (int a = 0; a < 3; a++) {
        const double *u = c[(a + 1) % 3], *v = c[(a + 2) % 3];
        double n[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
        double nn = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
        w[a] = fabs(c[a][0] * n[0] + c[a][1] * n[1] + c[a][2] * n[2]) / nn;
    }
}

static double brute(const aion_frame *f, int coul, double alpha, double rcc, double (*F)[3])
{
    double rmax = 7.0, w[3], E = 0;
    int m[3];
    if (coul && rcc > rmax) rmax = rcc;
    widths(f->cell, w);
    for (int a = 0; a < 3; a++) m[a] = (int)ceil(rmax / w[a]) + 1;
    for (int i = 0; i < f->n; i++) F[i][0] = F[i][1] = F[i][2] = 0;
    for (int i = 0; i < f->n; i++) {
        if (coul == 2) E += dsf_self(charge_of(f->z[i]), alpha, rcc);
        for (int j = 0; j < f->n; j++)
            for (int a = -m[0]; a <= m[0]; a++)
                for (int b = -m[1]; b <= m[1]; b++)
                    for (int c = -m[2]; c <= m[2]; c++) {
                        if (i == j && !a && !b && !c) continue;
                        double d[3], r, e, de;
                        for (int k = 0; k < 3; k++)
                            d[k] = f->pos[j][k] + a * f->cell[0][k] + b * f->cell[1][k] + c * f->cell[2][k] - f->pos[i][k];
                        r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                        if (r > rmax) continue;
                        pair_ref(f->z[i], f->z[j], r, coul, alpha, rcc, &e, &de);
                        E += 0.5 * e;
                        for (int k = 0; k < 3; k++) F[i][k] += de * d[k] / r; /* −∂/∂r_i */
                    }
    }
    return E;
}

/* ---------- configurations ---------- */

static const double cutoffs[] = {6.0, 5.0, 5.5, 4.5, 7.0, 8.0, 10.0};

/* Smallest |r_ij − rc| over all pairs (with images) and cutoffs, and the
 * smallest distance. */
static void pair_margins(const aion_frame *f, double *margin, double *rmin)
{
    double w[3];
    int m[3];
    widths(f->cell, w);
    for (int a = 0; a < 3; a++) m[a] = (int)ceil(10.5 / w[a]) + 1;
    *margin = 1e9;
    *rmin = 1e9;
    for (int i = 0; i < f->n; i++)
        for (int j = i; j < f->n; j++)
            for (int a = -m[0]; a <= m[0]; a++)
                for (int b = -m[1]; b <= m[1]; b++)
                    for (int c = -m[2]; c <= m[2]; c++) {
                        if (i == j && !a && !b && !c) continue;
                        double d[3];
                        for (int k = 0; k < 3; k++)
                            d[k] = f->pos[j][k] + a * f->cell[0][k] + b * f->cell[1][k] + c * f->cell[2][k] - f->pos[i][k];
                        double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                        if (r < *rmin) *rmin = r;
                        for (size_t k = 0; k < sizeof cutoffs / sizeof cutoffs[0]; k++)
                            if (fabs(r - cutoffs[k]) < *margin) *margin = fabs(r - cutoffs[k]);
                    }
}

/* Random triclinic cell (angles 65..115°) with 6 Li, 2 P, 8 O, no pair
 * closer than 1.4 Å and no pair within 2e-4 Å of any cutoff. */
static void make_frame(aion_frame *f, unsigned long long seed)
{
    unsigned long long s = seed * 2654435761ULL + 12345;
    aion_frame_init(f);
    aion_frame_resize(f, NAT, AION_HAS_CELL);
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    for (int tries = 0; tries < 1000; tries++) {
        double abc[3], ang[3], margin, rmin;
        for (int a = 0; a < 3; a++) {
            abc[a] = 7.5 + 2.5 * test_rand(&s);
            ang[a] = 65 + 50 * test_rand(&s);
        }
        if (aion_cell_from_params(abc, ang, f->cell) != AION_OK || fabs(aion_det3(f->cell)) < 200) continue;
        for (int i = 0; i < NAT; i++) {
            double fr[3] = {test_rand(&s), test_rand(&s), test_rand(&s)};
            f->z[i] = i < 6 ? 3 : i < 8 ? 15 : 8;
            for (int k = 0; k < 3; k++)
                f->pos[i][k] = fr[0] * f->cell[0][k] + fr[1] * f->cell[1][k] + fr[2] * f->cell[2][k];
        }
        pair_margins(f, &margin, &rmin);
        if (rmin > 1.4 && margin > 2e-4) return;
    }
    fprintf(stderr, "cannot make a configuration\n");
    exit(2);
}

static aion_potential *make_pot(const char *spec, aion_coulomb coul, int nthreads)
{
    aion_potential_opts o;
    aion_potential *p = NULL;
    aion_error err = {0};
    aion_potential_opts_init(&o);
    o.coulomb = coul;
    o.nthreads = nthreads;
    o.ewald_accuracy = 1e-12;
    if (aion_potential_create(&p, spec, &o, &err) != AION_OK) {
        fprintf(stderr, "create %s: %s\n", spec, err.msg);
        return NULL;
    }
    return p;
}

static double energy(aion_potential *p, const aion_frame *f)
{
    aion_eval ev = {0};
    if (aion_potential_compute(p, f, &ev) != AION_OK) {
        fprintf(stderr, "compute: %s\n", aion_potential_errmsg(p));
        return NAN;
    }
    return ev.energy;
}

static int eval_all(aion_potential *p, const aion_frame *f, double *E, double (*F)[3], double W[3][3], double *ea)
{
    aion_eval ev = {0};
    *E = NAN;
    if (W) memset(W, 0, 9 * sizeof(double));
    ev.forces = F;
    ev.want_virial = W != NULL;
    ev.atom_energy = ea;
    if (aion_potential_compute(p, f, &ev) != AION_OK) {
        fprintf(stderr, "compute: %s\n", aion_potential_errmsg(p));
        return -1;
    }
    *E = ev.energy;
    if (W) memcpy(W, ev.virial, sizeof ev.virial);
    return 0;
}

static const aion_coulomb methods[] = {AION_COUL_NONE, AION_COUL_CUT, AION_COUL_DSF, AION_COUL_EWALD};
static const char *method_names[] = {"none", "cut", "dsf", "ewald"};

/* ---------- tests ---------- */

static void test_brute_force(void)
{
    for (int mth = 0; mth < 3; mth++) {
        aion_potential *p = make_pot(model_path, methods[mth], 1);
        CHECK(p != NULL);
        if (!p) continue;
        for (int seed = 1; seed <= 3; seed++) {
            aion_frame f;
            double F[NAT][3], Fb[NAT][3], E, Eb, fmx = 0;
            make_frame(&f, seed);
            CHECK_OK(eval_all(p, &f, &E, F, NULL, NULL));
            Eb = brute(&f, mth, 0.25, mth == 2 ? 8.0 : 10.0, Fb);
            CHECK_REL(E, Eb, 1e-11, 1e-10);
            for (int i = 0; i < NAT; i++)
                for (int k = 0; k < 3; k++) fmx = fmx > fabs(Fb[i][k]) ? fmx : fabs(Fb[i][k]);
            for (int i = 0; i < NAT; i++)
                for (int k = 0; k < 3; k++) CHECK_NEAR(F[i][k], Fb[i][k], 1e-10 * fmx + 1e-10);
            aion_frame_free(&f);
        }
        if (test_case_failed_) fprintf(stderr, "  (method %s)\n", method_names[mth]);
        aion_potential_free(p);
    }
}

static void test_fd_forces_virial(void)
{
    for (int mth = 0; mth < 4; mth++) {
        aion_potential *p = make_pot(model_path, methods[mth], 0);
        CHECK(p != NULL);
        if (!p) continue;
        for (int seed = 11; seed <= 12; seed++) {
            aion_frame f, g;
            double F[NAT][3], W[3][3], E, h = 1e-4, hs = 1e-6;
            make_frame(&f, seed);
            aion_frame_init(&g);
            aion_frame_copy(&g, &f);
            CHECK_OK(eval_all(p, &f, &E, F, W, NULL));
            for (int i = 0; i < NAT; i += 3)
                for (int k = 0; k < 3; k++) {
                    double em[4], st[4] = {-2, -1, 1, 2};
                    for (int s = 0; s < 4; s++) {
                        g.pos[i][k] = f.pos[i][k] + st[s] * h;
                        em[s] = energy(p, &g);
                    }
                    g.pos[i][k] = f.pos[i][k];
                    double fd = -(em[0] - 8 * em[1] + 8 * em[2] - em[3]) / (12 * h);
                    CHECK_NEAR(F[i][k], fd, 2e-6 * (1 + fabs(fd)));
                }
            /* strain derivative: r' = r (1 + ε), ε symmetric */
            for (int a = 0; a < 3; a++)
                for (int b = a; b < 3; b++) {
                    double em[4], st[4] = {-2, -1, 1, 2};
                    for (int s = 0; s < 4; s++) {
                        double eps[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
                        eps[a][b] += st[s] * hs;
                        if (a != b) eps[b][a] += st[s] * hs;
                        for (int r = 0; r < 3; r++)
                            for (int c = 0; c < 3; c++)
                                g.cell[r][c] = f.cell[r][0] * eps[0][c] + f.cell[r][1] * eps[1][c] + f.cell[r][2] * eps[2][c];
                        for (int i = 0; i < NAT; i++)
                            for (int c = 0; c < 3; c++)
                                g.pos[i][c] = f.pos[i][0] * eps[0][c] + f.pos[i][1] * eps[1][c] + f.pos[i][2] * eps[2][c];
                        em[s] = energy(p, &g);
                    }
                    double dE = (em[0] - 8 * em[1] + 8 * em[2] - em[3]) / (12 * hs);
                    double w = a == b ? -dE : -dE / 2;
                    CHECK_NEAR(W[a][b], w, 1e-5 * (1 + fabs(w)));
                    CHECK_NEAR(W[a][b], W[b][a], 1e-10 * (1 + fabs(w)));
                }
            aion_frame_free(&f);
            aion_frame_free(&g);
        }
        if (test_case_failed_) fprintf(stderr, "  (method %s)\n", method_names[mth]);
        aion_potential_free(p);
    }
}

static void rotation(unsigned long long *s, double R[3][3])
{
    /* random unit quaternion */
    double q[4], n = 0;
    for (int k = 0; k < 4; k++) {
        q[k] = test_rand(s) - 0.5;
        n += q[k] * q[k];
    }
    n = sqrt(n);
    for (int k = 0; k < 4; k++) q[k] /= n;
    double w = q[0], x = q[1], y = q[2], z = q[3];
    double M[3][3] = {{1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)},
                      {2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)},
                      {2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)}};
    memcpy(R, M, sizeof M);
}

static void apply_rot(const double R[3][3], const double v[3], double out[3])
{
    for (int a = 0; a < 3; a++) out[a] = R[a][0] * v[0] + R[a][1] * v[1] + R[a][2] * v[2];
}

static void test_invariance(void)
{
    for (int mth = 0; mth < 4; mth++) {
        aion_potential *p = make_pot(model_path, methods[mth], 0);
        CHECK(p != NULL);
        if (!p) continue;
        aion_frame f, g;
        double F[NAT][3], G[NAT][3], W[3][3], V[3][3], E, Eg, ea[NAT], sum = 0, fmx = 0;
        unsigned long long s = 99;
        make_frame(&f, 21 + mth);
        aion_frame_init(&g);
        CHECK_OK(eval_all(p, &f, &E, F, W, ea));
        for (int i = 0; i < NAT; i++) {
            sum += ea[i];
            for (int k = 0; k < 3; k++) fmx = fmx > fabs(F[i][k]) ? fmx : fabs(F[i][k]);
        }
        const double tE = 1e-10 * (1 + fabs(E)), tF = 1e-9 * (1 + fmx);
        CHECK_NEAR(sum, E, tE);
        /* translation */
        aion_frame_copy(&g, &f);
        for (int i = 0; i < NAT; i++)
            for (int k = 0; k < 3; k++) g.pos[i][k] += 3.7 - 1.3 * k;
        CHECK_OK(eval_all(p, &g, &Eg, G, NULL, NULL));
        CHECK_NEAR(Eg, E, tE);
        for (int i = 0; i < NAT; i++)
            for (int k = 0; k < 3; k++) CHECK_NEAR(G[i][k], F[i][k], tF);
        /* lattice shifts of single atoms */
        aion_frame_copy(&g, &f);
        for (int i = 0; i < NAT; i++) {
            int n[3] = {(i % 3) - 1, (i % 5) - 2, (i % 2) ? 1 : -1};
            for (int k = 0; k < 3; k++)
                g.pos[i][k] += n[0] * f.cell[0][k] + n[1] * f.cell[1][k] + n[2] * f.cell[2][k];
        }
        CHECK_OK(eval_all(p, &g, &Eg, G, V, NULL));
        CHECK_NEAR(Eg, E, tE);
        for (int i = 0; i < NAT; i++)
            for (int k = 0; k < 3; k++) CHECK_NEAR(G[i][k], F[i][k], tF);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) CHECK_NEAR(V[a][b], W[a][b], tE);
        /* permutation (reverse order) */
        aion_frame_copy(&g, &f);
        for (int i = 0; i < NAT; i++) {
            g.z[i] = f.z[NAT - 1 - i];
            memcpy(g.pos[i], f.pos[NAT - 1 - i], sizeof g.pos[i]);
        }
        CHECK_OK(eval_all(p, &g, &Eg, G, NULL, NULL));
        CHECK_NEAR(Eg, E, tE);
        for (int i = 0; i < NAT; i++)
            for (int k = 0; k < 3; k++) CHECK_NEAR(G[i][k], F[NAT - 1 - i][k], tF);
        /* rotation of cell and positions: E invariant, F and W rotate */
        double R[3][3];
        rotation(&s, R);
        aion_frame_copy(&g, &f);
        for (int a = 0; a < 3; a++) apply_rot(R, f.cell[a], g.cell[a]);
        for (int i = 0; i < NAT; i++) apply_rot(R, f.pos[i], g.pos[i]);
        CHECK_OK(eval_all(p, &g, &Eg, G, V, NULL));
        CHECK_NEAR(Eg, E, tE);
        for (int i = 0; i < NAT; i++) {
            double fr[3];
            apply_rot(R, F[i], fr);
            for (int k = 0; k < 3; k++) CHECK_NEAR(G[i][k], fr[k], tF);
        }
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                double rw = 0; /* (R W Rᵀ)_ab */
                for (int c = 0; c < 3; c++)
                    for (int d = 0; d < 3; d++) rw += R[a][c] * W[c][d] * R[b][d];
                CHECK_NEAR(V[a][b], rw, tE);
            }
        if (test_case_failed_) fprintf(stderr, "  (method %s)\n", method_names[mth]);
        aion_frame_free(&f);
        aion_frame_free(&g);
        aion_potential_free(p);
    }
}

static void test_threads(void)
{
    for (int mth = 0; mth < 4; mth++) {
        aion_potential *p1 = make_pot(model_path, methods[mth], 1), *p2 = make_pot(model_path, methods[mth], 2);
        CHECK(p1 && p2);
        if (p1 && p2) {
            aion_frame f;
            double F1[NAT][3], F2[NAT][3], W1[3][3], W2[3][3], E1, E2, e1[NAT], e2[NAT];
            make_frame(&f, 31);
            CHECK_OK(eval_all(p1, &f, &E1, F1, W1, e1));
            CHECK_OK(eval_all(p2, &f, &E2, F2, W2, e2));
            CHECK_NEAR(E1, E2, 1e-12 * fabs(E1));
            for (int i = 0; i < NAT; i++) {
                CHECK_NEAR(e1[i], e2[i], 1e-12 * (fabs(E1) / NAT));
                for (int k = 0; k < 3; k++) CHECK_NEAR(F1[i][k], F2[i][k], 1e-12 * (1 + fabs(F1[i][k])));
            }
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) CHECK_NEAR(W1[a][b], W2[a][b], 1e-12 * (1 + fabs(W1[a][b])));
            aion_frame_free(&f);
        }
        aion_potential_free(p1);
        aion_potential_free(p2);
    }
}

/* Two ions in a large box: DSF against the closed form, including the self terms. */
static void test_dsf_two_atoms(void)
{
    const char *path = temp_file("charge Na 1\ncharge Cl -1\ncoulomb dsf\n");
    aion_potential_opts o;
    aion_potential *p = NULL;
    aion_error err = {0};
    aion_potential_opts_init(&o);
    o.dsf_alpha = 0.3;
    o.coul_cutoff = 9.0;
    CHECK_OK(aion_potential_create(&p, path, &o, &err));
    if (!p) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    aion_frame f;
    aion_frame_init(&f);
    aion_frame_resize(&f, 2, AION_HAS_CELL);
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    for (int a = 0; a < 3; a++) f.cell[a][a] = 40.0;
    f.z[0] = 11;
    f.z[1] = 17;
    for (double r = 1.5; r < 10; r += 0.75) {
        double F[2][3], E, a = 0.3, rc = 9.0;
        f.pos[0][0] = f.pos[0][1] = f.pos[0][2] = 5.0;
        f.pos[1][0] = 5.0 + r * 0.6;
        f.pos[1][1] = 5.0 + r * 0.8;
        f.pos[1][2] = 5.0;
        CHECK_OK(eval_all(p, &f, &E, F, NULL, NULL));
        double S = erfc(a * rc) / (rc * rc) + 2 * a / sqrt(M_PI) * exp(-a * a * rc * rc) / rc;
        double epair = r < rc ? -KE * (erfc(a * r) / r - erfc(a * rc) / rc + S * (r - rc)) : 0;
        double fpair = r < rc ? -KE * (erfc(a * r) / (r * r) + 2 * a / sqrt(M_PI) * exp(-a * a * r * r) / r - S) : 0;
        double eself = 2 * -KE * ((erfc(a * rc) / rc + S * rc) / 2 + a / sqrt(M_PI));
        CHECK_NEAR(E, epair + eself, 1e-12 * fabs(eself));
        /* force on atom 1 along the unit vector (0.6, 0.8, 0): F = −dE/dr */
        CHECK_NEAR(F[1][0], 0.6 * fpair, 1e-12 * (1 + fabs(fpair)));
        CHECK_NEAR(F[1][1], 0.8 * fpair, 1e-12 * (1 + fabs(fpair)));
        CHECK_NEAR(F[0][0], -0.6 * fpair, 1e-12 * (1 + fabs(fpair)));
        CHECK_NEAR(F[1][2], 0.0, 1e-14);
    }
    aion_frame_free(&f);
    aion_potential_free(p);
    unlink(path);
}

/* Rock salt NaCl (conventional cell, 8 ions): E = −N/2 · M k_e / r0 with the
 * Madelung constant M = 1.747564594633. */
static void test_ewald_madelung(void)
{
    const char *path = temp_file("charge Na 1\ncharge Cl -1\ncoulomb ewald\n");
    aion_potential *p = make_pot(path, AION_COUL_MODEL, 0);
    CHECK(p != NULL);
    if (!p) return;
    aion_frame f;
    const double a0 = 5.64, M = 1.747564594633;
    const double fr[4][3] = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
    aion_frame_init(&f);
    aion_frame_resize(&f, 8, AION_HAS_CELL);
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    for (int a = 0; a < 3; a++) f.cell[a][a] = a0;
    for (int k = 0; k < 4; k++) {
        f.z[k] = 11;
        f.z[k + 4] = 17;
        for (int c = 0; c < 3; c++) {
            f.pos[k][c] = fr[k][c] * a0;
            f.pos[k + 4][c] = (fr[k][c] + (c == 0 ? 0.5 : 0)) * a0;
        }
    }
    double F[8][3], W[3][3], E;
    CHECK_OK(eval_all(p, &f, &E, F, W, NULL));
    CHECK_REL(E, -4 * M * KE / (a0 / 2), 1e-9, 0);
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 3; k++) CHECK_NEAR(F[i][k], 0, 1e-8);
    /* homogeneous Coulomb energy: W = −dE/dε = E/3 on the diagonal */
    for (int a = 0; a < 3; a++) CHECK_REL(W[a][a], E / 3, 1e-8, 1e-9);
    aion_frame_free(&f);
    aion_potential_free(p);
    unlink(path);
}

static void expect_error(const char *text, const char *needle)
{
    const char *path = temp_file(text);
    aion_potential *p = NULL;
    aion_error err = {0};
    aion_status st = aion_potential_create(&p, path, NULL, &err);
    CHECK(st != AION_OK);
    CHECK(p == NULL);
    if (!strstr(err.msg, needle) || !strstr(err.msg, path)) {
        fprintf(stderr, "  message '%s' lacks '%s' or the path\n", err.msg, needle);
        CHECK(0);
    }
    aion_potential_free(p);
    unlink(path);
}

static void test_parse_errors(void)
{
    expect_error("charge Li 1\nmorse Li O 1 2\n", ":2: morse needs two elements and 3 parameters");
    expect_error("# c\n\nmorse Li Xx 1 2 3 cutoff 5\n", ":3: unknown element 'Xx'");
    expect_error("lj Li O 0.1 abc cutoff 5\n", ":1: sigma: 'abc' is not a number");
    expect_error("lj Li O 0.1 1.0 cutof 5\n", ":1: unexpected 'cutof'");
    expect_error("coulomb wolf\n", ":1: unknown Coulomb method 'wolf'");
    expect_error("frobnicate 3\n", ":1: unknown keyword 'frobnicate'");
    expect_error("buck Li O 1 -0.3 2 cutoff 5\n", ":1: rho must be positive");
    expect_error("charge Li 1\nlj Li O 0.1 1.0\n", ":2: lj Li O has no cutoff");
    expect_error("charge Li 1\ncoulomb dsf\nlj Li O 0.1 1.0 cutoff 5\n", "O has no charge");
    aion_potential *p = NULL;
    aion_error err = {0};
    CHECK(aion_potential_create(&p, "no/such/file.pot", NULL, &err) != AION_OK);
    CHECK(strstr(err.msg, "no/such/file.pot") != NULL);
    CHECK(aion_potential_create(&p, "pedone:fe4", NULL, &err) != AION_OK);
    /* element missing from the model */
    p = make_pot(model_path, AION_COUL_NONE, 1);
    if (p) {
        aion_frame f;
        make_frame(&f, 3);
        f.z[5] = 14;
        aion_eval ev = {0};
        CHECK(aion_potential_compute(p, &f, &ev) == AION_ERR_INVALID);
        CHECK(strstr(aion_potential_errmsg(p), "Si") != NULL);
        aion_frame_free(&f);
    }
    aion_potential_free(p);
}

static void test_pedone(void)
{
    aion_potential *p = make_pot("pedone", AION_COUL_DSF, 1);
    CHECK(p != NULL);
    if (!p) return;
    const char *d = aion_potential_describe(p);
    CHECK(strstr(d, "10.1021/jp0611018") != NULL);
    CHECK(strstr(d, "10.1063/1.2206581") != NULL);
    CHECK(strstr(d, "Li(+0.6 e)") != NULL);
    CHECK(strstr(d, "morse      P  O  D = 0.831326 eV, a = 2.58583 1/A, r0 = 1.80079 A, cutoff 5.5 A, shifted") != NULL);
    CHECK_NEAR(aion_potential_cutoff(p), 8.0, 0);
    CHECK(strcmp(aion_potential_name(p), "pedone") == 0);
    /* Li–O pair in a big box: Morse + C/r¹², both shifted at 5.5, + DSF */
    aion_frame f;
    aion_frame_init(&f);
    aion_frame_resize(&f, 2, AION_HAS_CELL);
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    for (int a = 0; a < 3; a++) f.cell[a][a] = 30.0;
    f.z[0] = 3;
    f.z[1] = 8;
    f.pos[1][0] = 2.0;
    double E, F[2][3];
    CHECK_OK(eval_all(p, &f, &E, F, NULL, NULL));
    double D = 0.001114, a = 3.429506, r0 = 2.681360, C = 1.0, rc = 5.5;
    double mo = D * (pow(1 - exp(-a * (2.0 - r0)), 2) - 1) - D * (pow(1 - exp(-a * (rc - r0)), 2) - 1);
    double rep = C / pow(2.0, 12) - C / pow(rc, 12);
    double al = 0.25, rcc = 8.0;
    double S = erfc(al * rcc) / (rcc * rcc) + 2 * al / sqrt(M_PI) * exp(-al * al * rcc * rcc) / rcc;
    double co = KE * 0.6 * -1.2 * (erfc(al * 2.0) / 2.0 - erfc(al * rcc) / rcc + S * (2.0 - rcc));
    double self = dsf_self(0.6, al, rcc) + dsf_self(-1.2, al, rcc);
    CHECK_NEAR(E, mo + rep + co + self, 1e-12 * fabs(E));
    /* Li–Li: Coulomb only */
    f.z[1] = 3;
    CHECK_OK(eval_all(p, &f, &E, F, NULL, NULL));
    co = KE * 0.36 * (erfc(al * 2.0) / 2.0 - erfc(al * rcc) / rcc + S * (2.0 - rcc));
    CHECK_NEAR(E, co + 2 * dsf_self(0.6, al, rcc), 1e-12 * fabs(E));
    aion_frame_free(&f);
    aion_potential_free(p);
    /* Fe(III) variant */
    p = make_pot("pedone:fe3", AION_COUL_DSF, 1);
    CHECK(p != NULL);
    if (p) CHECK(strstr(aion_potential_describe(p), "Fe(+1.8 e)") != NULL);
    aion_potential_free(p);
    /* sr cutoff override */
    aion_potential_opts o;
    aion_potential_opts_init(&o);
    o.coulomb = AION_COUL_NONE;
    o.sr_cutoff = 6.5;
    aion_error err = {0};
    CHECK_OK(aion_potential_create(&p, "pedone", &o, &err));
    if (p) CHECK_NEAR(aion_potential_cutoff(p), 6.5, 0);
    aion_potential_free(p);
}

/* The example parameter file reproduces the built-in set (Li, P, O). */
static void test_example_file(void)
{
    const char *ex = "examples/pedone-lipo.pot";
    if (access(ex, R_OK) != 0) {
        fprintf(stderr, "  %s not found (run from the repository root)\n", ex);
        CHECK(0);
        return;
    }
    for (int mth = 2; mth < 4; mth++) {
        aion_potential *a = make_pot("pedone", methods[mth], 0), *b = make_pot(ex, methods[mth], 0);
        CHECK(a && b);
        if (a && b) {
            aion_frame f;
            double Fa[NAT][3], Fb[NAT][3], Wa[3][3], Wb[3][3], Ea, Eb;
            make_frame(&f, 41);
            CHECK_OK(eval_all(a, &f, &Ea, Fa, Wa, NULL));
            CHECK_OK(eval_all(b, &f, &Eb, Fb, Wb, NULL));
            CHECK_NEAR(Ea, Eb, 1e-12 * fabs(Ea));
            for (int i = 0; i < NAT; i++)
                for (int k = 0; k < 3; k++) CHECK_NEAR(Fa[i][k], Fb[i][k], 1e-11 * (1 + fabs(Fa[i][k])));
            for (int x = 0; x < 3; x++)
                for (int y = 0; y < 3; y++) CHECK_NEAR(Wa[x][y], Wb[x][y], 1e-11 * (1 + fabs(Wa[x][y])));
            aion_frame_free(&f);
        }
        aion_potential_free(a);
        aion_potential_free(b);
    }
}

/* The neighbour-list state saved and loaded into a fresh potential gives the
 * same bits (MD checkpoints). */
static void test_state(void)
{
    aion_potential *a = make_pot(model_path, AION_COUL_DSF, 2), *b = make_pot(model_path, AION_COUL_DSF, 2);
    CHECK(a && b);
    if (a && b) {
        aion_frame f;
        double Fa[NAT][3], Fb[NAT][3], Wa[3][3], Wb[3][3], Ea, Eb;
        make_frame(&f, 51);
        CHECK_OK(eval_all(a, &f, &Ea, Fa, Wa, NULL));
        for (int i = 0; i < NAT; i++) f.pos[i][i % 3] += 0.01 * (i % 5 - 2);
        CHECK_OK(eval_all(a, &f, &Ea, Fa, Wa, NULL));
        size_t len = aion_potential_state_size(a);
        CHECK(len > 0);
        void *buf = malloc(len);
        CHECK_OK(aion_potential_state_save(a, buf, len));
        CHECK_OK(aion_potential_state_load(b, buf, len, &f));
        CHECK_OK(eval_all(b, &f, &Eb, Fb, Wb, NULL));
        CHECK(Ea == Eb);
        CHECK(memcmp(Fa, Fb, sizeof Fa) == 0);
        CHECK(memcmp(Wa, Wb, sizeof Wa) == 0);
        free(buf);
        aion_frame_free(&f);
    }
    aion_potential_free(a);
    aion_potential_free(b);
}

int main(void)
{
    snprintf(model_path, sizeof model_path, "%s", temp_file(model_text));
    TEST_RUN(test_brute_force);
    TEST_RUN(test_dsf_two_atoms);
    TEST_RUN(test_fd_forces_virial);
    TEST_RUN(test_invariance);
    TEST_RUN(test_threads);
    TEST_RUN(test_ewald_madelung);
    TEST_RUN(test_parse_errors);
    TEST_RUN(test_pedone);
    TEST_RUN(test_example_file);
    TEST_RUN(test_state);
    unlink(model_path);
    return TEST_END();
}
