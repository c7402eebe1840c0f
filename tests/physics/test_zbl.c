/*
 * ZBL baseline under an MTP (src/potential/zbl.c, docs/mtp.md):
 *  - forces and virial of MTP + baseline against finite differences on a random
 *    4-species triclinic cell with pairs inside inner, in the switching range and
 *    beyond outer (also with outer beyond the MTP cutoff); site energies sum to
 *    the energy;
 *  - the baseline alone (with minus without) against a brute-force sum over
 *    periodic images written here from the equations (LAMMPS's pair_style zbl
 *    itself is the peer in tests/peers/zbl_lammps.sh);
 *  - the pair function: E, dE/dr and d2E/dr2 vanish at outer, constant shift
 *    below inner;
 *  - the probe fast path equals full evaluations;
 *  - .mtp write -> read -> write is exact; bad input gives FILE:LINE messages;
 *    --species disagreeing with aion_zbl_z is refused;
 *  - training: the baseline is written, kept from --init (aion learn's case),
 *    replaced or dropped; the training errors of the history are those of the
 *    written potential (baseline + MTP) against the labels.
 */
#include "train_data.h"

#include "potential/zbl.h"

static const int Z4[4] = {3, 15, 8, 7};

/* --- independent ZBL (from the equations in zbl.h) ---------------------- */
static double ref_raw(int zi, int zj, double r, double *d1, double *d2)
{
    static const double c[4] = {0.18175, 0.50986, 0.28022, 0.02817}, d[4] = {3.19980, 0.94229, 0.40290, 0.20162};
    const double a = 0.46850 / (pow(zi, 0.23) + pow(zj, 0.23)), k = zi * zj * 14.399645;
    double phi = 0, dphi = 0, ddphi = 0;
    for (int q = 0; q < 4; q++) {
        double e = c[q] * exp(-d[q] * r / a);
        phi += e;
        dphi -= d[q] / a * e;
        ddphi += d[q] / a * d[q] / a * e;
    }
    /* E = k phi / r */
    *d1 = k * (dphi / r - phi / (r * r));
    *d2 = k * (ddphi / r - 2 * dphi / (r * r) + 2 * phi / (r * r * r));
    return k * phi / r;
}

static double ref_pair(int zi, int zj, double r, double inner, double outer)
{
    double ec, d1, d2, tc = outer - inner, e, x1, x2;
    if (r >= outer) return 0;
    ec = ref_raw(zi, zj, outer, &d1, &d2);
    double A = (-3 * d1 + tc * d2) / (tc * tc), B = (2 * d1 - tc * d2) / (tc * tc * tc),
           C = -ec + tc * d1 / 2 - tc * tc * d2 / 12;
    e = ref_raw(zi, zj, r, &x1, &x2) + C;
    if (r > inner) e += A / 3 * pow(r - inner, 3) + B / 4 * pow(r - inner, 4);
    return e;
}

/* brute force over images n in [-m, m]^3 */
static double ref_energy(const aion_frame *f, double inner, double outer)
{
    double e = 0;
    const int m = 2;
    for (int i = 0; i < f->n; i++)
        for (int j = 0; j < f->n; j++)
            for (int a = -m; a <= m; a++)
                for (int b = -m; b <= m; b++)
                    for (int c = -m; c <= m; c++) {
                        if (i == j && !a && !b && !c) continue;
                        double d2 = 0;
                        for (int x = 0; x < 3; x++) {
                            double d = f->pos[j][x] + a * f->cell[0][x] + b * f->cell[1][x] + c * f->cell[2][x] -
                                       f->pos[i][x];
                            d2 += d * d;
                        }
                        e += 0.5 * ref_pair(f->z[i], f->z[j], sqrt(d2), inner, outer);
                    }
    return e;
}

/* --- helpers ----------------------------------------------------------- */
static aion_potential *pot_from(const mtp_model *m, const char *name, const int *z, aion_error *err)
{
    char path[160];
    aion_potential_opts o;
    aion_potential *p = NULL;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    if (mtp_model_write(path, m, err)) return NULL;
    aion_potential_opts_init(&o);
    o.species_z = z;
    o.n_species_z = m->nspecies;
    o.nthreads = 2;
    if (aion_potential_create(&p, path, &o, err)) return NULL;
    return p;
}

static void set_zbl(mtp_model *m, double inner, double outer, const int *z)
{
    free(m->zbl_z);
    m->zbl_z = calloc((size_t)m->nspecies, sizeof(int));
    memcpy(m->zbl_z, z, (size_t)m->nspecies * sizeof(int));
    m->has_zbl = 1;
    m->zbl_inner = inner;
    m->zbl_outer = outer;
}

/* 16 atoms of 4 species in a triclinic cell; atom 1 at 0.85 Å from atom 0
 * (inside inner), atom 3 at dmid from atom 2 (switching range) */
static void make_cell(aion_frame *f, double dmid, unsigned long long *seed)
{
    const int n = 16;
    aion_frame_init(f);
    if (aion_frame_resize(f, n, AION_HAS_CELL)) abort();
    double cell[3][3] = {{6.1, 0, 0}, {0.4, 5.8, 0}, {-0.3, 0.5, 6.0}};
    memcpy(f->cell, cell, sizeof cell);
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    for (int i = 0; i < n; i++) {
        for (int tries = 0; tries < 10000; tries++) {
            double s[3] = {test_rand(seed), test_rand(seed), test_rand(seed)};
            int ok = 1;
            for (int c = 0; c < 3; c++) f->pos[i][c] = s[0] * cell[0][c] + s[1] * cell[1][c] + s[2] * cell[2][c];
            for (int j = 0; j < i && ok; j++) {
                double d2 = 0;
                for (int c = 0; c < 3; c++) d2 += (f->pos[i][c] - f->pos[j][c]) * (f->pos[i][c] - f->pos[j][c]);
                if (d2 < 2.2 * 2.2) ok = 0;
            }
            if (ok) break;
        }
        f->z[i] = Z4[i % 4];
    }
    const double u[3] = {0.6, 0.48, 0.64}; /* unit vector */
    for (int c = 0; c < 3; c++) {
        f->pos[1][c] = f->pos[0][c] + 0.85 * u[c];
        f->pos[3][c] = f->pos[2][c] - dmid * u[c];
    }
}

static double energy_of(aion_potential *p, const aion_frame *f)
{
    aion_eval ev;
    memset(&ev, 0, sizeof ev);
    if (aion_potential_compute(p, f, &ev)) return NAN;
    return ev.energy;
}

static void check_fd(aion_potential *p, aion_frame *f, const char *what)
{
    const double h = 1e-5;
    const int n = f->n;
    static const double off[4] = {-2, -1, 1, 2};
    double (*F)[3] = calloc((size_t)n, sizeof *F), *ae = calloc((size_t)n, sizeof *ae), fmx = 0, esum = 0, worst = 0;
    aion_eval ev;
    memset(&ev, 0, sizeof ev);
    ev.forces = F;
    ev.atom_energy = ae;
    ev.want_virial = 1;
    CHECK_OK(aion_potential_compute(p, f, &ev));
    for (int i = 0; i < n; i++) {
        esum += ae[i];
        for (int c = 0; c < 3; c++) fmx = fmax(fmx, fabs(F[i][c]));
    }
    CHECK_REL(esum, ev.energy, 1e-12, 1e-10);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) {
            double x0 = f->pos[i][c], e[4];
            for (int q = 0; q < 4; q++) {
                f->pos[i][c] = x0 + off[q] * h;
                e[q] = energy_of(p, f);
            }
            f->pos[i][c] = x0;
            double fd = -(e[0] - 8 * e[1] + 8 * e[2] - e[3]) / (12 * h);
            worst = fmax(worst, fabs(fd - F[i][c]));
            CHECK_NEAR(F[i][c], fd, 1e-6 * (fmx + 1));
        }
    double vmax = 0, vworst = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) vmax = fmax(vmax, fabs(ev.virial[a][b]));
    aion_frame g;
    aion_frame_init(&g);
    aion_frame_copy(&g, f);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double e[4];
            for (int q = 0; q < 4; q++) {
                double eps = off[q] * h;
                for (int i = 0; i < n; i++) {
                    memcpy(g.pos[i], f->pos[i], sizeof g.pos[i]);
                    g.pos[i][b] += eps * f->pos[i][a];
                }
                memcpy(g.cell, f->cell, sizeof g.cell);
                for (int r = 0; r < 3; r++) g.cell[r][b] += eps * f->cell[r][a];
                e[q] = energy_of(p, &g);
            }
            double fd = -(e[0] - 8 * e[1] + 8 * e[2] - e[3]) / (12 * h);
            vworst = fmax(vworst, fabs(fd - ev.virial[a][b]));
            CHECK_NEAR(ev.virial[a][b], fd, 1e-6 * (vmax + 1));
        }
    printf("%s: E %.6g, max|F| %.3g, max |F - FD| %.1e; max|W| %.3g, max |W - FD| %.1e\n", what, ev.energy, fmx, worst,
           vmax, vworst);
    aion_frame_free(&g);
    free(F);
    free(ae);
}

/* --- tests ------------------------------------------------------------- */

static void test_pair_function(void)
{
    zbl_table t;
    aion_error err = {0};
    CHECK_OK(zbl_table_build(&t, Z4, 4, 1.0, 2.0, &err));
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) {
            double d0, dm, dp, h = 1e-3;
            double e0 = zbl_pair_energy(&t, a, b, 2.0 - 1e-9, &d0);
            double em = zbl_pair_energy(&t, a, b, 2.0 - h, &dm);
            (void)zbl_pair_energy(&t, a, b, 2.0 - 2 * h, &dp);
            CHECK(fabs(e0) < 1e-12 && fabs(d0) < 1e-9);
            CHECK(fabs(em) < 1e-6 && fabs(dm) < 1e-4);
            /* d2E/dr2 = 0 at outer too: dE/dr ~ (outer - r)^2 (ratio 4, not 2) */
            CHECK(dm != 0 && fabs(dp / dm - 4.0) < 0.02);
            CHECK(zbl_pair_energy(&t, a, b, 2.0, &d0) == 0.0 && d0 == 0.0);
            /* below inner: E_ZBL + constant */
            double x1, x2, s1 = zbl_pair_energy(&t, a, b, 0.5, &d0) - ref_raw(Z4[a], Z4[b], 0.5, &x1, &x2);
            double s2 = zbl_pair_energy(&t, a, b, 0.9, &d0) - ref_raw(Z4[a], Z4[b], 0.9, &x1, &x2);
            CHECK_NEAR(s1, s2, 1e-9);
            CHECK_REL(d0, x1, 1e-12, 0);
            for (double r = 0.3; r < 2.1; r += 0.137)
                CHECK_REL(zbl_pair_energy(&t, a, b, r, &d0), ref_pair(Z4[a], Z4[b], r, 1.0, 2.0), 1e-12, 1e-13);
        }
    /* the hole that motivated it: Li-Li at 0.9 Å is strongly repulsive */
    double d;
    double e = zbl_pair_energy(&t, 0, 0, 0.9, &d);
    printf("Li-Li at 0.9 A: %.4f eV (dE/dr %.3f eV/A)\n", e, d);
    CHECK(e > 5 && d < 0);
    zbl_table_free(&t);
    zbl_table_free(NULL);
}

static void test_fd_and_brute_force(void)
{
    unsigned long long seed = 11;
    static const double cases[2][4] = {
        /* MTP cutoff, inner, outer, switching-range distance */
        {3.0, 1.0, 2.0, 1.5},
        {2.5, 1.2, 3.2, 2.1}, /* outer beyond the MTP cutoff */
    };
    for (int q = 0; q < 2; q++) {
        mtp_model m;
        aion_frame f;
        aion_error err = {0};
        char what[96];
        random_model(&m, 8, 4, cases[q][0], &seed);
        make_cell(&f, cases[q][3], &seed);
        aion_potential *p0 = pot_from(&m, "nozbl.mtp", Z4, &err);
        set_zbl(&m, cases[q][1], cases[q][2], Z4);
        aion_potential *p1 = pot_from(&m, "zbl.mtp", Z4, &err);
        CHECK(p0 && p1);
        if (!p0 || !p1) {
            fprintf(stderr, "%s\n", err.msg);
            return;
        }
        CHECK_NEAR(aion_potential_cutoff(p1), fmax(cases[q][0], cases[q][2]), 0);
        snprintf(what, sizeof what, "MTP cutoff %g + ZBL %g..%g", cases[q][0], cases[q][1], cases[q][2]);
        check_fd(p1, &f, what);
        /* the baseline alone */
        double eb = energy_of(p1, &f) - energy_of(p0, &f), er = ref_energy(&f, cases[q][1], cases[q][2]);
        printf("  baseline %.10f eV, brute force %.10f eV\n", eb, er);
        CHECK(er > 1.0);
        CHECK_REL(eb, er, 1e-10, 1e-10);
        /* described */
        const char *d = aion_potential_describe(p1);
        CHECK(d && strstr(d, "ZBL") && strstr(d, "Ziegler"));
        aion_potential_free(p0);
        aion_potential_free(p1);
        aion_frame_free(&f);
        mtp_model_free(&m);
    }
}

static void test_probe(void)
{
    unsigned long long seed = 5;
    mtp_model m;
    aion_frame f, g;
    aion_error err = {0};
    random_model(&m, 8, 4, 2.8, &seed);
    set_zbl(&m, 1.1, 3.3, Z4); /* outer beyond the MTP cutoff */
    make_cell(&f, 1.6, &seed);
    aion_potential *p = pot_from(&m, "probe.mtp", Z4, &err);
    CHECK(p != NULL);
    if (!p) return;
    CHECK(aion_potential_has_probe(p));
    double x[12][3], e[12], worst = 0;
    for (int k = 0; k < 3; k++) {
        /* around atom k (its own position first), one point 0.3 Å from atom 4 */
        for (int q = 0; q < 12; q++)
            for (int c = 0; c < 3; c++) x[q][c] = f.pos[k][c] + (q == 0 ? 0.0 : 2.0 * (test_rand(&seed) - 0.5));
        memcpy(x[11], f.pos[4], sizeof x[11]);
        x[11][0] += 0.3;
        CHECK_OK(aion_potential_probe(p, &f, k, 12, (const double(*)[3])x, e));
        aion_frame_init(&g);
        aion_frame_copy(&g, &f);
        for (int q = 0; q < 12; q++) {
            memcpy(g.pos[k], x[q], sizeof g.pos[k]);
            double ef = energy_of(p, &g);
            worst = fmax(worst, fabs(e[q] - ef) / fmax(fabs(ef), 1));
            CHECK_REL(e[q], ef, 1e-10, 1e-10);
        }
        aion_frame_free(&g);
    }
    printf("probe vs full evaluation: worst relative difference %.1e\n", worst);
    aion_potential_free(p);
    aion_frame_free(&f);
    mtp_model_free(&m);
}

static char *format_model(const mtp_model *m)
{
    aion_strbuf sb;
    aion_error err = {0};
    aion_sb_init(&sb);
    if (mtp_model_format(m, &sb, &err)) abort();
    return sb.s;
}

static void test_file(void)
{
    unsigned long long seed = 3;
    mtp_model m, r;
    aion_error err = {0};
    char path[160];
    random_model(&m, 6, 4, 4.0, &seed);
    char *plain = format_model(&m);
    set_zbl(&m, 0.1 + 0.2, 2.0 / 3.0 + 1.0, Z4); /* radii that need 17 digits */
    char *t1 = format_model(&m);
    CHECK(strstr(t1, "\naion_zbl_inner = 0.30000000000000004\naion_zbl_outer = 1.6666666666666665\n"
                     "aion_zbl_z = {3, 15, 8, 7}") != NULL);
    CHECK(!strncmp(t1, plain, strlen(plain))); /* MLIP-2's part unchanged, baseline after it */
    snprintf(path, sizeof path, "%s/rt.mtp", tmpdir);
    CHECK_OK(mtp_model_write(path, &m, &err));
    CHECK_OK(mtp_model_read(path, &r, &err));
    CHECK(r.has_zbl && r.zbl_inner == m.zbl_inner && r.zbl_outer == m.zbl_outer && r.zbl_z &&
          !memcmp(r.zbl_z, Z4, sizeof Z4));
    char *t2 = format_model(&r);
    CHECK(!strcmp(t1, t2));
    mtp_model c;
    mtp_model_init(&c);
    CHECK_OK(mtp_model_copy(&c, &r, &err));
    CHECK(c.has_zbl && c.zbl_z != r.zbl_z && !memcmp(c.zbl_z, Z4, sizeof Z4));
    mtp_model_free(&c);
    mtp_model_free(&r);
    /* without a baseline: nothing written */
    CHECK(!strstr(plain, "aion_zbl"));

    /* bad input: FILE:LINE: messages */
    int line = 1;
    for (const char *s = plain; *s; s++) line += *s == '\n';
    static const struct {
        const char *tail, *msg;
        int dline;
    } bad[] = {
        {"\naion_zbl_inner = 2\naion_zbl_outer = 1\naion_zbl_z = {3, 15, 8, 7}", "need 0 < aion_zbl_inner", 2},
        {"\naion_zbl_inner = 1\naion_zbl_outer = 1\naion_zbl_z = {3, 15, 8, 7}", "need 0 < aion_zbl_inner", 2},
        {"\naion_zbl_inner = -1\naion_zbl_outer = 1\naion_zbl_z = {3, 15, 8, 7}", "need 0 < aion_zbl_inner", 1},
        {"\naion_zbl_inner = 1\naion_zbl_outer = 2\naion_zbl_z = {3, 15}", "aion_zbl_z has 2 atomic numbers", 3},
        {"\naion_zbl_inner = 1\naion_zbl_outer = 2\naion_zbl_z = {3, 15, 0, 7}", "not an atomic number", 3},
        {"\naion_zbl_inner = 1\naion_zbl_outer = 2\naion_zbl_z = {3, 15, 8, 7.5}", "not an atomic number", 3},
        {"\naion_zbl_inner = 1\naion_zbl_z = {3, 15, 8, 7}", "aion_zbl_inner without aion_zbl_outer", 1},
        {"\naion_zbl_inner = 1\naion_zbl_outer = x\naion_zbl_z = {3, 15, 8, 7}", "is not a number", 2},
        {"\naion_zbl_inner = 1\naion_zbl_outer = 2\naion_zbl_outer = 3\naion_zbl_z = {3}", "given twice", 3},
    };
    for (size_t q = 0; q < sizeof bad / sizeof bad[0]; q++) {
        size_t L = strlen(plain) + strlen(bad[q].tail) + 1;
        char *txt = malloc(L), want[64];
        snprintf(txt, L, "%s%s", plain, bad[q].tail);
        aion_error e2 = {0};
        CHECK(mtp_model_parse(txt, strlen(txt), "bad.mtp", &r, &e2) != AION_OK);
        snprintf(want, sizeof want, "bad.mtp:%d: ", line + bad[q].dline);
        if (!strstr(e2.msg, bad[q].msg) || !strstr(e2.msg, want))
            printf("  case %zu: expected '%s' and '%s', got: %s\n", q, want, bad[q].msg, e2.msg);
        CHECK(strstr(e2.msg, bad[q].msg) != NULL);
        CHECK(strstr(e2.msg, want) != NULL);
        free(txt);
    }
    /* --species disagreeing with aion_zbl_z */
    {
        static const int other[4] = {3, 15, 8, 9};
        aion_error e3 = {0};
        aion_potential *p = pot_from(&m, "mismatch.mtp", other, &e3);
        CHECK(p == NULL);
        CHECK(strstr(e3.msg, "aion_zbl_z") && strstr(e3.msg, "species 3 = N") && strstr(e3.msg, "names F"));
        printf("mismatch: %s\n", e3.msg);
        aion_potential_free(p);
    }
    free(plain);
    free(t1);
    free(t2);
    mtp_model_free(&m);
}

/* RMSEs of the production evaluator (potential file) on frames, as the trainer defines them */
static void production_rmse(const char *path, const aion_frame *fr, int n, double rmse[3])
{
    aion_potential_opts o;
    aion_potential *p = NULL;
    aion_error err = {0};
    double se[3] = {0, 0, 0};
    long cnt[3] = {0, 0, 0};
    aion_potential_opts_init(&o);
    o.species_z = ZS;
    o.n_species_z = 2;
    CHECK_OK(aion_potential_create(&p, path, &o, &err));
    if (!p) return;
    for (int k = 0; k < n; k++) {
        double (*F)[3] = calloc((size_t)fr[k].n, sizeof *F), V = aion_frame_volume(&fr[k]);
        aion_eval ev;
        memset(&ev, 0, sizeof ev);
        ev.forces = F;
        ev.want_virial = 1;
        CHECK_OK(aion_potential_compute(p, &fr[k], &ev));
        double de = (ev.energy - fr[k].energy) / fr[k].n;
        se[0] += de * de;
        cnt[0]++;
        for (int i = 0; i < fr[k].n; i++)
            for (int c = 0; c < 3; c++) se[1] += (F[i][c] - fr[k].forces[i][c]) * (F[i][c] - fr[k].forces[i][c]);
        cnt[1] += 3L * fr[k].n;
        for (int a = 0; a < 3; a++)
            for (int b = a; b < 3; b++) {
                double ds = -ev.virial[a][b] / V - fr[k].stress[a][b];
                se[2] += ds * ds;
                cnt[2]++;
            }
        free(F);
    }
    for (int q = 0; q < 3; q++) rmse[q] = sqrt(se[q] / (double)cnt[q]);
    aion_potential_free(p);
}

static int has_zbl_lines(const char *path, double inner, double outer)
{
    mtp_model m;
    aion_error err = {0};
    int ok;
    if (mtp_model_read(path, &m, &err)) return -1;
    ok = m.has_zbl && m.zbl_inner == inner && m.zbl_outer == outer && m.zbl_z[0] == ZS[0] && m.zbl_z[1] == ZS[1];
    if (!m.has_zbl) ok = 0;
    mtp_model_free(&m);
    return ok;
}

static void test_training(void)
{
    unsigned long long seed = 21;
    mtp_model ref;
    aion_error err = {0};
    char out1[160], out2[160], out3[160];
    random_model(&ref, 8, 2, 4.0, &seed);
    set_zbl(&ref, 1.0, 2.4, ZS); /* labels with a baseline in them */
    aion_frame *fr = make_data(24, &ref, &seed);
    snprintf(out1, sizeof out1, "%s/t1.mtp", tmpdir);
    snprintf(out2, sizeof out2, "%s/t2.mtp", tmpdir);
    snprintf(out3, sizeof out3, "%s/t3.mtp", tmpdir);

    /* 1: a new potential with a baseline */
    aion_train_opts o;
    aion_train_opts_init(&o);
    o.level = 6;
    o.cutoff = 4.0;
    o.species_z = ZS;
    o.n_species = 2;
    o.max_iter = 8;
    o.nthreads = 2;
    o.zbl_mode = 1;
    o.zbl_inner = 1.0;
    o.zbl_outer = 2.4;
    aion_mtp_trainer *t = NULL;
    CHECK_OK(aion_mtp_trainer_create(&t, fr, 24, NULL, 0, &o, &err));
    if (!t) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK(strstr(aion_mtp_trainer_describe(t), "ZBL") != NULL);
    CHECK_OK(aion_mtp_trainer_run(t, &err));
    CHECK_OK(aion_mtp_trainer_write(t, out1, &err));
    const aion_train_iter *h;
    int nh = aion_mtp_trainer_history(t, &h);
    double rm[3] = {0, 0, 0};
    production_rmse(out1, fr, 24, rm);
    printf("training with a baseline: history RMSE E %.6e F %.6e S %.6e; written potential %.6e %.6e %.6e\n",
           h[nh - 1].rmse_e, h[nh - 1].rmse_f, h[nh - 1].rmse_s, rm[0], rm[1], rm[2]);
    CHECK_REL(h[nh - 1].rmse_e, rm[0], 1e-6, 1e-12);
    CHECK_REL(h[nh - 1].rmse_f, rm[1], 1e-6, 1e-12);
    CHECK_REL(h[nh - 1].rmse_s, rm[2], 1e-6, 1e-12);
    CHECK(has_zbl_lines(out1, 1.0, 2.4) == 1);
    aion_mtp_trainer_free(t);

    /* 2: from --init with a baseline, no --zbl: kept (what aion learn does every iteration) */
    aion_train_opts_init(&o);
    o.species_z = ZS;
    o.n_species = 2;
    o.max_iter = 2;
    o.nthreads = 2;
    o.init_path = out1;
    CHECK_OK(aion_mtp_trainer_create(&t, fr, 24, NULL, 0, &o, &err));
    CHECK(t && strstr(aion_mtp_trainer_describe(t), "from the initial potential"));
    CHECK_OK(aion_mtp_trainer_run(t, &err));
    CHECK_OK(aion_mtp_trainer_write(t, out2, &err));
    CHECK(has_zbl_lines(out2, 1.0, 2.4) == 1);
    nh = aion_mtp_trainer_history(t, &h);
    production_rmse(out2, fr, 24, rm);
    CHECK_REL(h[nh - 1].rmse_e, rm[0], 1e-6, 1e-12);
    CHECK_REL(h[nh - 1].rmse_f, rm[1], 1e-6, 1e-12);
    aion_mtp_trainer_free(t);

    /* 3: replaced, then dropped */
    o.zbl_mode = 1;
    o.zbl_inner = 0.9;
    o.zbl_outer = 2.0;
    CHECK_OK(aion_mtp_trainer_create(&t, fr, 24, NULL, 0, &o, &err));
    CHECK(t && strstr(aion_mtp_trainer_describe(t), "replaces the initial potential's"));
    CHECK_OK(aion_mtp_trainer_write(t, out3, &err));
    CHECK(has_zbl_lines(out3, 0.9, 2.0) == 1);
    aion_mtp_trainer_free(t);
    o.zbl_mode = -1;
    CHECK_OK(aion_mtp_trainer_create(&t, fr, 24, NULL, 0, &o, &err));
    CHECK(t && strstr(aion_mtp_trainer_describe(t), "dropped"));
    CHECK_OK(aion_mtp_trainer_write(t, out3, &err));
    CHECK(has_zbl_lines(out3, 0.9, 2.0) == 0);
    aion_mtp_trainer_free(t);
    /* bad radii */
    o.zbl_mode = 1;
    o.zbl_inner = 2.0;
    o.zbl_outer = 1.0;
    CHECK(aion_mtp_trainer_create(&t, fr, 24, NULL, 0, &o, &err) != AION_OK && t == NULL);
    CHECK(strstr(err.msg, "inner < outer") != NULL);

    aion_frames_free(fr, 24);
    mtp_model_free(&ref);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/aion-test-zbl-XXXXXX");
    if (!mkdtemp(tmpdir)) return 2;
    TEST_RUN(test_pair_function);
    TEST_RUN(test_fd_and_brute_force);
    TEST_RUN(test_probe);
    TEST_RUN(test_file);
    TEST_RUN(test_training);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) return 2;
    return TEST_END();
}
