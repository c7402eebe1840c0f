/*
 * Moment Tensor Potential: basis counts for every level (against MLIP-2's
 * templates), generated basis functions are rotation invariant, forces and
 * virial equal finite differences of the energy for random levels, species
 * counts and triclinic cells (cutoff beyond half the cell: several images),
 * site energies sum to the energy, .mtp write -> read round trips, and the
 * error messages of bad input.
 */
#include "test.h"
#include "internal.h"
#include "potential/mtp.h"
#include "potential/potential.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/aion-test-mtp-XXXXXX");
    if (!mkdtemp(tmpdir)) abort();
}

static void tmp_path(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", tmpdir, name); }

/* Counts of MLIP-2's untrained templates (science.md sec. 1); levels 2-6 by hand:
 * 2: M00; 4: + M00^2; 6: + M10, M01.M01, M00^3. */
static void test_basis_counts(void)
{
    static const int lev[] = {2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28};
    static const int cnt[] = {1, 2, 5, 9, 16, 29, 52, 92, 163, 288, 500, 864, 1464, 2445};
    static const int rad[] = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6, 6};
    for (size_t q = 0; q < sizeof lev / sizeof lev[0]; q++) {
        int K = -1;
        CHECK(aion_mtp_basis_size(lev[q], &K) == cnt[q]);
        CHECK(K == rad[q]);
        /* odd levels add nothing: every scalar contraction has an even level */
        if (lev[q] < 28) CHECK(aion_mtp_basis_size(lev[q] + 1, NULL) == cnt[q]);
        mtp_model m;
        aion_error err = {0};
        CHECK_OK(mtp_basis_generate(&m, lev[q], 2, 1.0, 5.0, 8, &err));
        CHECK(m.nscalar == cnt[q] && m.nradial == rad[q]);
        mtp_model_free(&m);
    }
    CHECK(aion_mtp_basis_size(1, NULL) == -1);
    CHECK(aion_mtp_basis_size(30, NULL) == -1);
}

/* A random trained potential from a generated basis. */
static void random_model(mtp_model *m, int level, int nspecies, double rcut, unsigned long long *seed)
{
    aion_error err = {0};
    if (mtp_basis_generate(m, level, nspecies, 0.9, rcut, 6 + (int)(test_rand(seed) * 4), &err)) {
        fprintf(stderr, "%s\n", err.msg);
        abort();
    }
    size_t nr = (size_t)nspecies * (size_t)nspecies * (size_t)m->nradial * (size_t)m->rb_size;
    m->radial = calloc(nr, sizeof(double));
    m->species_coeffs = calloc((size_t)nspecies, sizeof(double));
    m->moment_coeffs = calloc((size_t)m->nscalar, sizeof(double));
    for (size_t q = 0; q < nr; q++) m->radial[q] = (2 * test_rand(seed) - 1) * 0.2;
    for (int s = 0; s < nspecies; s++) m->species_coeffs[s] = -3 + test_rand(seed);
    for (int a = 0; a < m->nscalar; a++) m->moment_coeffs[a] = (2 * test_rand(seed) - 1) * 0.1;
    m->has_scaling = 1;
    m->scaling = 0.5 + test_rand(seed);
}

static aion_potential *make_pot(const mtp_model *m, const int *species_z, int nthreads)
{
    char path[128];
    aion_error err = {0};
    aion_potential_opts o;
    aion_potential *p = NULL;
    tmp_path(path, sizeof path, "rand.mtp");
    if (mtp_model_write(path, m, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return NULL;
    }
    aion_potential_opts_init(&o);
    o.species_z = species_z;
    o.n_species_z = m->nspecies;
    o.nthreads = nthreads;
    if (aion_potential_create(&p, path, &o, &err)) fprintf(stderr, "%s\n", err.msg);
    return p;
}

/* random triclinic cell and atoms (no two closer than dmin) */
static void random_frame(aion_frame *f, int n, int nspecies, const int *zs, double scale, unsigned long long *seed)
{
    aion_frame_init(f);
    if (aion_frame_resize(f, n, AION_HAS_CELL)) abort();
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) f->cell[a][b] = (a == b ? scale : 0.0) + (b != a ? (test_rand(seed) - 0.5) * 1.5 : 0);
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    for (int i = 0; i < n; i++) {
        for (int tries = 0; tries < 1000; tries++) {
            double s[3] = {test_rand(seed), test_rand(seed), test_rand(seed)};
            for (int c = 0; c < 3; c++) f->pos[i][c] = s[0] * f->cell[0][c] + s[1] * f->cell[1][c] + s[2] * f->cell[2][c];
            int ok = 1;
            for (int j = 0; j < i && ok; j++) {
                double d2 = 0;
                for (int c = 0; c < 3; c++) d2 += (f->pos[i][c] - f->pos[j][c]) * (f->pos[i][c] - f->pos[j][c]);
                if (d2 < 1.0) ok = 0;
            }
            if (ok) break;
        }
        f->z[i] = zs[i % nspecies];
    }
}

static double energy_of(aion_potential *p, const aion_frame *f)
{
    aion_eval ev;
    memset(&ev, 0, sizeof ev);
    if (aion_potential_compute(p, f, &ev)) {
        fprintf(stderr, "%s\n", aion_potential_errmsg(p));
        return NAN;
    }
    return ev.energy;
}

/* Forces and virial against 4-point finite differences; site energies. */
static void check_fd(aion_potential *p, aion_frame *f, const char *what)
{
    const double h = 1e-4;
    int n = f->n;
    double (*F)[3] = calloc((size_t)n, sizeof *F), *ae = calloc((size_t)n, sizeof *ae);
    aion_eval ev;
    memset(&ev, 0, sizeof ev);
    ev.forces = F;
    ev.atom_energy = ae;
    ev.want_virial = 1;
    CHECK_OK(aion_potential_compute(p, f, &ev));
    double fmx = 0, esum = 0, worst = 0;
    for (int i = 0; i < n; i++) {
        esum += ae[i];
        for (int c = 0; c < 3; c++) fmx = fmx > fabs(F[i][c]) ? fmx : fabs(F[i][c]);
    }
    CHECK_REL(esum, ev.energy, 1e-12, 1e-12);
    for (int i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) {
            double x0 = f->pos[i][c], e[4];
            static const double off[4] = {-2, -1, 1, 2};
            for (int q = 0; q < 4; q++) {
                f->pos[i][c] = x0 + off[q] * h;
                e[q] = energy_of(p, f);
            }
            f->pos[i][c] = x0;
            double fd = -(e[0] - 8 * e[1] + 8 * e[2] - e[3]) / (12 * h);
            double d = fabs(fd - F[i][c]);
            if (d > worst) worst = d;
            CHECK_NEAR(F[i][c], fd, 1e-6 * (fmx + 1));
        }
    /* virial: W_ab = -dE/d eps_ab, positions and cell r -> r (I + eps) */
    double vmax = 0, vworst = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) vmax = vmax > fabs(ev.virial[a][b]) ? vmax : fabs(ev.virial[a][b]);
    aion_frame g;
    aion_frame_init(&g);
    aion_frame_copy(&g, f);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double e[4];
            static const double off[4] = {-2, -1, 1, 2};
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
            if (fabs(fd - ev.virial[a][b]) > vworst) vworst = fabs(fd - ev.virial[a][b]);
            CHECK_NEAR(ev.virial[a][b], fd, 1e-6 * (vmax + 1));
        }
    printf("%s: E %.6g, max|F| %.3g, max |F - FD| %.1e; max|W| %.3g, max |W - FD| %.1e\n", what, ev.energy, fmx,
           worst, vmax, vworst);
    aion_frame_free(&g);
    free(F);
    free(ae);
}

static void test_fd_random(void)
{
    unsigned long long seed = 987654321;
    static const int zs[3] = {3, 15, 8};
    static const int levels[] = {2, 6, 8, 10, 12, 14, 16, 20};
    for (size_t q = 0; q < sizeof levels / sizeof levels[0]; q++) {
        int nspecies = 1 + (int)(test_rand(&seed) * 3);
        mtp_model m;
        aion_frame f;
        char what[64];
        random_model(&m, levels[q], nspecies, 3.5 + test_rand(&seed), &seed);
        aion_potential *p = make_pot(&m, zs, 0);
        CHECK(p != NULL);
        if (!p) {
            mtp_model_free(&m);
            continue;
        }
        random_frame(&f, 5 + (int)(test_rand(&seed) * 4), nspecies, zs, 4.0 + test_rand(&seed), &seed);
        snprintf(what, sizeof what, "level %d, %d species, %d atoms", levels[q], nspecies, f.n);
        check_fd(p, &f, what);
        aion_frame_free(&f);
        aion_potential_free(p);
        mtp_model_free(&m);
    }
}

/* Pairs closer than min_dist: the radial basis continues smoothly (Chebyshev
 * polynomials at x < -1); forces remain the derivative of the energy. */
static void test_below_min_dist(void)
{
    unsigned long long seed = 4242;
    static const int zs[2] = {12, 8};
    mtp_model m;
    aion_frame f;
    random_model(&m, 10, 2, 4.0, &seed);
    m.min_dist = 2.0;
    aion_potential *p = make_pot(&m, zs, 1);
    CHECK(p != NULL);
    random_frame(&f, 6, 2, zs, 5.0, &seed);
    /* put atom 1 at 1.6 A from atom 0 (x = -1.4 in the Chebyshev variable) */
    for (int c = 0; c < 3; c++) f.pos[1][c] = f.pos[0][c] + (c == 0 ? 1.6 : 0.0);
    if (p) check_fd(p, &f, "pair below min_dist");
    aion_frame_free(&f);
    aion_potential_free(p);
    mtp_model_free(&m);
}

/* A cluster without a cell (no periodic images). */
static void test_cluster(void)
{
    unsigned long long seed = 99;
    static const int zs[3] = {1, 6, 8};
    mtp_model m;
    aion_frame f;
    random_model(&m, 14, 3, 4.0, &seed);
    aion_potential *p = make_pot(&m, zs, 0);
    CHECK(p != NULL);
    random_frame(&f, 9, 3, zs, 4.0, &seed);
    f.has &= ~(unsigned)AION_HAS_CELL;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 0;
    if (p) check_fd(p, &f, "cluster without cell, level 14");
    aion_frame_free(&f);
    aion_potential_free(p);
    mtp_model_free(&m);
}

static void rotate(const double R[3][3], const double x[3], double y[3])
{
    for (int a = 0; a < 3; a++) y[a] = R[a][0] * x[0] + R[a][1] * x[1] + R[a][2] * x[2];
}

/* Energy invariant under rotation, translation and permutation; forces
 * rotate; independent of the thread count. Covers the generated contraction
 * tables of every level up to 28 (a wrong coefficient breaks invariance). */
static void test_invariance(void)
{
    unsigned long long seed = 31337;
    static const int zs[2] = {14, 8};
    static const int levels[] = {12, 18, 22, 24, 26, 28};
    for (size_t q = 0; q < sizeof levels / sizeof levels[0]; q++) {
        mtp_model m;
        aion_frame f, g;
        random_model(&m, levels[q], 2, 3.2, &seed);
        /* keep energies moderate at high level */
        for (int a = 0; a < m.nscalar; a++) m.moment_coeffs[a] *= 1e-3;
        aion_potential *p = make_pot(&m, zs, 0), *p1 = make_pot(&m, zs, 1);
        CHECK(p != NULL && p1 != NULL);
        if (!p || !p1) {
            aion_potential_free(p);
            aion_potential_free(p1);
            mtp_model_free(&m);
            continue;
        }
        random_frame(&f, 7, 2, zs, 4.5, &seed);
        aion_frame_init(&g);
        aion_frame_copy(&g, &f);
        /* random rotation from a random unit quaternion */
        double qv[4], nq = 0;
        for (int k = 0; k < 4; k++) {
            qv[k] = 2 * test_rand(&seed) - 1;
            nq += qv[k] * qv[k];
        }
        for (int k = 0; k < 4; k++) qv[k] /= sqrt(nq);
        double w = qv[0], x = qv[1], y = qv[2], z = qv[3];
        double R[3][3] = {{1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)},
                          {2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)},
                          {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)}};
        for (int r = 0; r < 3; r++) rotate(R, f.cell[r], g.cell[r]);
        /* rotate, translate, and reverse the atom order */
        for (int i = 0; i < f.n; i++) {
            double t[3];
            rotate(R, f.pos[i], t);
            for (int c = 0; c < 3; c++) g.pos[f.n - 1 - i][c] = t[c] + 0.37 * (c + 1);
            g.z[f.n - 1 - i] = f.z[i];
        }
        double (*F)[3] = calloc((size_t)f.n, sizeof *F), (*G)[3] = calloc((size_t)f.n, sizeof *G),
               (*H)[3] = calloc((size_t)f.n, sizeof *H);
        aion_eval e1, e2, e3;
        memset(&e1, 0, sizeof e1);
        memset(&e2, 0, sizeof e2);
        memset(&e3, 0, sizeof e3);
        e1.forces = F;
        e2.forces = G;
        e3.forces = H;
        e1.want_virial = e2.want_virial = 1;
        CHECK_OK(aion_potential_compute(p, &f, &e1));
        CHECK_OK(aion_potential_compute(p, &g, &e2));
        CHECK_OK(aion_potential_compute(p1, &f, &e3));
        CHECK(isfinite(e1.energy) && fabs(e1.energy) > 0);
        double ec = 0; /* species constants: the interaction part must agree too */
        for (int i = 0; i < f.n; i++) ec += m.species_coeffs[f.z[i] == zs[0] ? 0 : 1];
        CHECK_REL(e2.energy - ec, e1.energy - ec, 1e-9, 1e-13);
        CHECK_REL(e3.energy, e1.energy, 1e-12, 0);
        double fmx = 0;
        for (int i = 0; i < f.n; i++)
            for (int c = 0; c < 3; c++) fmx = fmx > fabs(F[i][c]) ? fmx : fabs(F[i][c]);
        for (int i = 0; i < f.n; i++) {
            double t[3];
            rotate(R, F[i], t);
            for (int c = 0; c < 3; c++) {
                CHECK_NEAR(G[f.n - 1 - i][c], t[c], 1e-9 * (fmx + 1));
                CHECK_NEAR(H[i][c], F[i][c], 1e-12 * (fmx + 1));
            }
        }
        /* virial rotates: W' = R W R^T */
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                double s = 0, vmax = 0;
                for (int c = 0; c < 3; c++)
                    for (int d = 0; d < 3; d++) {
                        s += R[a][c] * e1.virial[c][d] * R[b][d];
                        vmax = vmax > fabs(e1.virial[c][d]) ? vmax : fabs(e1.virial[c][d]);
                    }
                CHECK_NEAR(e2.virial[a][b], s, 1e-9 * (vmax + 1));
            }
        printf("level %d (%d functions): E - sum c_z %.12g, rotated %.12g\n", levels[q], m.nscalar, e1.energy - ec,
               e2.energy - ec);
        free(F);
        free(G);
        free(H);
        aion_frame_free(&f);
        aion_frame_free(&g);
        aion_potential_free(p);
        aion_potential_free(p1);
        mtp_model_free(&m);
    }
}

static int models_equal(const mtp_model *a, const mtp_model *b)
{
    size_t nr = (size_t)a->nspecies * (size_t)a->nspecies * (size_t)a->nradial * (size_t)a->rb_size;
    if (a->nspecies != b->nspecies || a->nradial != b->nradial || a->rb_size != b->rb_size ||
        a->nmoments != b->nmoments || a->nbasic != b->nbasic || a->ntimes != b->ntimes || a->nscalar != b->nscalar ||
        a->min_dist != b->min_dist || a->max_dist != b->max_dist || a->scaling != b->scaling ||
        a->has_scaling != b->has_scaling)
        return 0;
    if (memcmp(a->basic, b->basic, sizeof *a->basic * (size_t)a->nbasic)) return 0;
    for (int t = 0; t < a->ntimes; t++)
        if (a->times[t].i != b->times[t].i || a->times[t].j != b->times[t].j || a->times[t].k != b->times[t].k ||
            a->times[t].out != b->times[t].out)
            return 0;
    if (memcmp(a->mapping, b->mapping, sizeof(int) * (size_t)a->nscalar)) return 0;
    if (!a->radial != !b->radial || !a->species_coeffs != !b->species_coeffs || !a->moment_coeffs != !b->moment_coeffs)
        return 0;
    if (a->radial && memcmp(a->radial, b->radial, sizeof(double) * nr)) return 0;
    if (a->species_coeffs && memcmp(a->species_coeffs, b->species_coeffs, sizeof(double) * (size_t)a->nspecies))
        return 0;
    if (a->moment_coeffs && memcmp(a->moment_coeffs, b->moment_coeffs, sizeof(double) * (size_t)a->nscalar)) return 0;
    return 1;
}

/* write -> read gives back every number bit for bit (trained and template);
 * writing the re-read model gives the same text. */
static void test_roundtrip(void)
{
    unsigned long long seed = 777;
    char path[128];
    aion_error err = {0};
    for (int level = 2; level <= 24; level += 2) {
        mtp_model m, r;
        aion_strbuf s1, s2;
        random_model(&m, level, 1 + level % 3, 5.0, &seed);
        /* awkward numbers: need 17 digits, tiny, huge, negative zero */
        m.radial[0] = 0.1 + 0.2;
        m.moment_coeffs[0] = 1e-300;
        if (m.nscalar > 1) m.moment_coeffs[1] = -1.2345678901234567e+250;
        m.scaling = 1.0 / 3.0;
        tmp_path(path, sizeof path, "rt.mtp");
        CHECK_OK(mtp_model_write(path, &m, &err));
        CHECK_OK(mtp_model_read(path, &r, &err));
        CHECK(models_equal(&m, &r));
        aion_sb_init(&s1);
        aion_sb_init(&s2);
        CHECK_OK(mtp_model_format(&m, &s1, &err));
        CHECK_OK(mtp_model_format(&r, &s2, &err));
        CHECK(s1.s && s2.s && strcmp(s1.s, s2.s) == 0);
        aion_sb_free(&s1);
        aion_sb_free(&s2);
        mtp_model_free(&m);
        mtp_model_free(&r);
    }
    /* untrained template through the public API */
    {
        mtp_model r;
        tmp_path(path, sizeof path, "untrained.mtp");
        CHECK_OK(aion_mtp_write_untrained(path, 16, 3, 1.2, 6.5, 8, &err));
        CHECK_OK(mtp_model_read(path, &r, &err));
        CHECK(r.nscalar == 92 && r.nradial == 4 && r.nspecies == 3 && !r.has_scaling && !r.radial &&
              !mtp_model_is_trained(&r));
        CHECK(r.min_dist == 1.2 && r.max_dist == 6.5);
        mtp_model_free(&r);
        /* an untrained file cannot be evaluated */
        static const int zs[3] = {12, 23, 8};
        aion_potential_opts o;
        aion_potential *p = NULL;
        aion_potential_opts_init(&o);
        o.species_z = zs;
        o.n_species_z = 3;
        CHECK(aion_potential_create(&p, path, &o, &err) == AION_ERR_INVALID);
        CHECK(strstr(err.msg, "untrained") != NULL);
    }
    /* MLIP-2 template style: integers without exponent, lists over several lines */
    {
        const char *txt = "MTP\nversion = 1.1.0\npotential_name = MTP1m\nspecies_count = 1\npotential_tag = \n"
                          "radial_basis_type = RBChebyshev\n\tmin_dist = 2\n\tmax_dist = 5\n"
                          "\tradial_basis_size = 8\n\tradial_funcs_count = 1\nalpha_moments_count = 2\n"
                          "alpha_index_basic_count = 1\nalpha_index_basic = {{0, 0, 0, 0}}\n"
                          "alpha_index_times_count = 1\nalpha_index_times = {{0, 0, 1, 1}\n}\n"
                          "alpha_scalar_moments = 2\nalpha_moment_mapping = {0,\n 1}\n";
        mtp_model r;
        CHECK_OK(mtp_model_parse(txt, strlen(txt), "tmpl", &r, &err));
        CHECK(r.min_dist == 2.0 && r.max_dist == 5.0 && r.nscalar == 2 && r.ntimes == 1 && r.tag && !*r.tag);
        mtp_model_free(&r);
    }
}

static void expect_parse_error(const char *txt, const char *needle)
{
    mtp_model r;
    aion_error err = {0};
    aion_status st = mtp_model_parse(txt, strlen(txt), "bad.mtp", &r, &err);
    CHECK(st != AION_OK);
    CHECK(strstr(err.msg, needle) != NULL);
    if (!strstr(err.msg, needle)) fprintf(stderr, "  message was: %s (expected '%s')\n", err.msg, needle);
}

static void test_errors(void)
{
    const char *head = "MTP\nversion = 1.1.0\nspecies_count = 1\nradial_basis_type = RBChebyshev\n"
                       "\tmin_dist = 2\n\tmax_dist = 5\n\tradial_basis_size = 8\n\tradial_funcs_count = 1\n";
    char buf[2048];
    expect_parse_error("MLP\n", "bad.mtp:1: not an MLIP .mtp file");
    snprintf(buf, sizeof buf, "%salpha_moments_count = 2\nfoo = 3\n", head);
    expect_parse_error(buf, "bad.mtp:10: unknown key 'foo'");
    snprintf(buf, sizeof buf, "%salpha_moments_count = two\n", head);
    expect_parse_error(buf, "bad.mtp:9: alpha_moments_count: 'two' is not an integer");
    snprintf(buf, sizeof buf,
             "%salpha_moments_count = 2\nalpha_index_basic_count = 1\nalpha_index_basic = {{0, 0, 0}}\n", head);
    expect_parse_error(buf, "bad.mtp:11: alpha_index_basic: entry 0 needs 4 numbers");
    snprintf(buf, sizeof buf,
             "%salpha_moments_count = 2\nalpha_index_basic_count = 2\nalpha_index_basic = {{0, 0, 0, 0}}\n"
             "alpha_index_times_count = 0\nalpha_index_times = {}\nalpha_scalar_moments = 1\n"
             "alpha_moment_mapping = {0}\n",
             head);
    expect_parse_error(buf, "alpha_index_basic has 1 entries, alpha_index_basic_count = 2");
    snprintf(buf, sizeof buf,
             "%salpha_moments_count = 2\nalpha_index_basic_count = 1\nalpha_index_basic = {{0, 0, 0, 0}}\n"
             "alpha_index_times_count = 1\nalpha_index_times = {{0, 1, 1, 1}}\nalpha_scalar_moments = 1\n"
             "alpha_moment_mapping = {1}\n",
             head);
    expect_parse_error(buf, "need inputs < output");
    snprintf(buf, sizeof buf,
             "%salpha_moments_count = 1\nalpha_index_basic_count = 1\nalpha_index_basic = {{1, 0, 0, 0}}\n"
             "alpha_index_times_count = 0\nalpha_index_times = {}\nalpha_scalar_moments = 1\n"
             "alpha_moment_mapping = {0}\n",
             head);
    expect_parse_error(buf, "uses radial function 1");
    snprintf(buf, sizeof buf, "%s\tradial_coeffs\n\t\t0-1\n", head);
    expect_parse_error(buf, "bad.mtp:10: radial_coeffs: bad block label '0-1'");
    snprintf(buf, sizeof buf, "%s\tradial_coeffs\n\t\t0-0\n\t\t\t{1, 2, 3}\n", head);
    expect_parse_error(buf, "bad.mtp:11: radial_coeffs 0-0: 3 numbers, expected radial_basis_size = 8");
    snprintf(buf, sizeof buf, "%sspecies_count = 2\n", head);
    expect_parse_error(buf, "bad.mtp:9: species_count given twice");
    expect_parse_error("MTP\nspecies_count = 1\nradial_basis_type = RBShapeev\n\tmin_dist = 2\n\tmax_dist = 5\n"
                       "\tradial_basis_size = 8\n\tradial_funcs_count = 1\nalpha_moments_count = 1\n"
                       "alpha_index_basic_count = 1\nalpha_index_basic = {{0, 0, 0, 0}}\n"
                       "alpha_index_times_count = 0\nalpha_index_times = {}\nalpha_scalar_moments = 1\n"
                       "alpha_moment_mapping = {0}\n",
                       "radial_basis_type 'RBShapeev' not supported");
    snprintf(buf, sizeof buf, "%s", head);
    expect_parse_error(buf, "missing 'alpha_moments_count'");

    /* potential creation: species map */
    {
        unsigned long long seed = 5;
        mtp_model m;
        char path[128];
        aion_error err = {0};
        aion_potential *p = NULL;
        aion_potential_opts o;
        static const int zs[3] = {12, 23, 8}, dup[2] = {8, 8};
        random_model(&m, 8, 2, 4.0, &seed);
        tmp_path(path, sizeof path, "two.mtp");
        CHECK_OK(mtp_model_write(path, &m, &err));
        aion_potential_opts_init(&o);
        CHECK(aion_potential_create(&p, path, &o, &err) == AION_ERR_INVALID);
        CHECK(strstr(err.msg, "--species") != NULL);
        o.species_z = zs;
        o.n_species_z = 3;
        CHECK(aion_potential_create(&p, path, &o, &err) == AION_ERR_INVALID);
        CHECK(strstr(err.msg, "has 2 species but --species names 3") != NULL);
        o.species_z = dup;
        o.n_species_z = 2;
        CHECK(aion_potential_create(&p, path, &o, &err) == AION_ERR_INVALID);
        CHECK(strstr(err.msg, "given twice") != NULL);
        o.species_z = zs;
        o.n_species_z = 2;
        CHECK_OK(aion_potential_create(&p, path, &o, &err));
        if (p) {
            aion_frame f;
            aion_eval ev;
            memset(&ev, 0, sizeof ev);
            random_frame(&f, 4, 3, zs, 5.0, &seed); /* contains O, not a species of this potential */
            CHECK(aion_potential_compute(p, &f, &ev) == AION_ERR_INVALID);
            CHECK(strstr(aion_potential_errmsg(p), "atom 3 is O, not one of the potential's species (Mg,V)") !=
                  NULL);
            /* overlapping atoms */
            f.z[2] = 12;
            memcpy(f.pos[1], f.pos[0], sizeof f.pos[0]);
            CHECK(aion_potential_compute(p, &f, &ev) == AION_ERR_NUMERIC);
            CHECK(strstr(aion_potential_errmsg(p), "same position") != NULL);
            /* an isolated atom has the species constant as its energy */
            aion_frame one;
            aion_frame_init(&one);
            aion_frame_resize(&one, 1, 0);
            one.z[0] = 23;
            CHECK_OK(aion_potential_compute(p, &one, &ev));
            CHECK(ev.energy == m.species_coeffs[1]);
            aion_frame_free(&one);
            aion_frame_free(&f);
        }
        aion_potential_free(p);
        mtp_model_free(&m);
        CHECK(aion_potential_create(&p, "/nonexistent/x.mtp", &o, &err) == AION_ERR_IO);
    }
}

int main(void)
{
    make_tmpdir();
    TEST_RUN(test_basis_counts);
    TEST_RUN(test_roundtrip);
    TEST_RUN(test_errors);
    TEST_RUN(test_fd_random);
    TEST_RUN(test_below_min_dist);
    TEST_RUN(test_cluster);
    TEST_RUN(test_invariance);
    {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd)) fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return TEST_END();
}
