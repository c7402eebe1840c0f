/*
 * aion_potential_probe (one atom moved over many points, everything else
 * fixed) against full aion_potential_compute evaluations of the moved
 * configurations, for every potential kind with a fast path: Lennard-Jones,
 * Buckingham (+ cut Coulomb), Morse, Pedone with DSF and with Ewald, and the
 * Mg-V-O MTP of ../shared/data/mgv2o5 on its 96-atom cell. Random triclinic
 * cells, points at random, on and across the cell faces, far outside the
 * cell, and small cells where the cutoff exceeds half the cell (the moved
 * atom then interacts with its own periodic images: those terms move with it
 * and are constant, checked directly on a one-atom cell). Also: the stored
 * position of the moved atom is not used, results do not depend on the
 * thread count, the fallback for non-periodic frames, errors.
 */
#include "test.h"
#include "aion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MGV_DIR "../shared/data/mgv2o5/"
#define RTOL 1e-10

static unsigned long long seed = 12345;

static char *temp_model(const char *text)
{
    static char paths[8][64];
    static int nk;
    char *p = paths[nk++ % 8];
    snprintf(p, 64, "/tmp/aion_test_probe_XXXXXX");
    int fd = mkstemp(p);
    if (fd < 0) {
        perror("mkstemp");
        exit(2);
    }
    FILE *fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
    return p;
}

/* Random triclinic cell: lengths in [lmin, lmax], angles 65..115 degrees. */
static void random_cell(double cell[3][3], double lmin, double lmax)
{
    for (;;) {
        double a = lmin + (lmax - lmin) * test_rand(&seed), b = lmin + (lmax - lmin) * test_rand(&seed),
               c = lmin + (lmax - lmin) * test_rand(&seed);
        double al = (65 + 50 * test_rand(&seed)) * M_PI / 180, be = (65 + 50 * test_rand(&seed)) * M_PI / 180,
               ga = (65 + 50 * test_rand(&seed)) * M_PI / 180;
        double cx = c * cos(be), cy = c * (cos(al) - cos(be) * cos(ga)) / sin(ga);
        double cz2 = c * c - cx * cx - cy * cy;
        if (cz2 < 0.3 * c * c) continue;
        memset(cell, 0, 9 * sizeof(double));
        cell[0][0] = a;
        cell[1][0] = b * cos(ga);
        cell[1][1] = b * sin(ga);
        cell[2][0] = cx;
        cell[2][1] = cy;
        cell[2][2] = sqrt(cz2);
        return;
    }
}

/* minimum image distance by brute force over neighbouring images */
static double min_dist(const double cell[3][3], const double a[3], const double b[3])
{
    double best = INFINITY;
    for (int i = -2; i <= 2; i++)
        for (int j = -2; j <= 2; j++)
            for (int l = -2; l <= 2; l++) {
                double d2 = 0;
                for (int c = 0; c < 3; c++) {
                    double d = b[c] - a[c] + i * cell[0][c] + j * cell[1][c] + l * cell[2][c];
                    d2 += d * d;
                }
                best = fmin(best, d2);
            }
    return sqrt(best);
}

static void frac_to_cart(const double cell[3][3], const double s[3], double x[3])
{
    for (int c = 0; c < 3; c++) x[c] = s[0] * cell[0][c] + s[1] * cell[1][c] + s[2] * cell[2][c];
}

/* n atoms of the given species (cycled) at random with a minimum distance */
static void random_frame(aion_frame *f, int n, const int *zs, int nz, double lmin, double lmax, double dmin)
{
    aion_frame_init(f);
    aion_frame_resize(f, n, 0);
    f->has |= AION_HAS_CELL;
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    random_cell(f->cell, lmin, lmax);
    for (int i = 0; i < n; i++) {
        f->z[i] = zs[i % nz];
        for (int tries = 0;; tries++) {
            double s[3] = {test_rand(&seed), test_rand(&seed), test_rand(&seed)};
            frac_to_cart(f->cell, s, f->pos[i]);
            int ok = 1;
            for (int j = 0; j < i && ok; j++) ok = min_dist(f->cell, f->pos[i], f->pos[j]) >= dmin;
            if (ok || tries > 100000) break;
        }
    }
}

/* Test points for atom k: random (at least 0.7 Å from the other atoms),
 * on and near the cell faces and corners, far outside the cell, and the
 * atom's own position. Returns the count (<= cap). */
static int make_points(const aion_frame *f, int k, double (*x)[3], int cap, int nrandom)
{
    int np = 0;
    for (int t = 0; t < 100000 && np < nrandom && np < cap; t++) {
        double s[3] = {test_rand(&seed), test_rand(&seed), test_rand(&seed)};
        frac_to_cart(f->cell, s, x[np]);
        int ok = 1;
        for (int j = 0; j < f->n && ok; j++)
            if (j != k) ok = min_dist(f->cell, x[np], f->pos[j]) > 0.7;
        if (ok) np++;
    }
    static const double edge[] = {0.0, 1e-14, 1e-9, -1e-14, -1e-9, 1.0, 1.0 - 1e-15, 1.0 + 1e-12, 0.5};
    const int ne = sizeof edge / sizeof edge[0];
    for (int t = 0; t < 12 && np < cap; t++) {
        double s[3] = {test_rand(&seed), test_rand(&seed), test_rand(&seed)};
        s[t % 3] = edge[(int)(test_rand(&seed) * ne)];
        if (t % 4 == 3) s[(t + 1) % 3] = edge[(int)(test_rand(&seed) * ne)];
        if (t == 11) s[0] = s[1] = s[2] = 1.0; /* the corner */
        frac_to_cart(f->cell, s, x[np]);
        int ok = 1;
        for (int j = 0; j < f->n && ok; j++)
            if (j != k) ok = min_dist(f->cell, x[np], f->pos[j]) > 0.5;
        if (ok) np++;
    }
    for (int t = 0; t < 4 && np < cap; t++) {
        double s[3] = {-3 + 7 * test_rand(&seed), -3 + 7 * test_rand(&seed), -3 + 7 * test_rand(&seed)};
        frac_to_cart(f->cell, s, x[np]);
        int ok = 1;
        for (int j = 0; j < f->n && ok; j++)
            if (j != k) ok = min_dist(f->cell, x[np], f->pos[j]) > 0.5;
        if (ok) np++;
    }
    if (np < cap) memcpy(x[np++], f->pos[k], sizeof x[0]);
    return np;
}

/* probe vs full evaluations for atom k at the points; returns the worst
 * relative difference */
static double compare(aion_potential *p, const aion_frame *f, int k, int np, const double (*x)[3])
{
    double *e = malloc((size_t)np * sizeof *e), worst = 0;
    aion_frame g;
    aion_frame_init(&g);
    aion_frame_copy(&g, f);
    int rc = aion_potential_probe(p, f, k, np, x, e);
    CHECK_OK(rc);
    if (rc) printf("  probe: %s\n", aion_potential_errmsg(p));
    for (int q = 0; q < np && !rc; q++) {
        aion_eval ev;
        memset(&ev, 0, sizeof ev);
        memcpy(g.pos[k], x[q], sizeof g.pos[k]);
        CHECK_OK(aion_potential_compute(p, &g, &ev));
        double rel = fabs(e[q] - ev.energy) / fmax(fabs(ev.energy), 1.0);
        if (rel > RTOL)
            printf("  atom %d point %d (%.6f %.6f %.6f): probe %.15g full %.15g\n", k, q, x[q][0], x[q][1], x[q][2], e[q],
                   ev.energy);
        CHECK(rel <= RTOL);
        worst = fmax(worst, rel);
    }
    aion_frame_free(&g);
    free(e);
    return worst;
}

/* Random frames (a few k each) for one model. */
static void check_model(const char *label, const char *spec, const aion_potential_opts *po, const int *zs, int nz,
                        int natoms, double lmin, double lmax, double dmin, int nframes)
{
    aion_potential *p = NULL;
    aion_error err;
    double worst = 0;
    int total = 0;
    if (aion_potential_create(&p, spec, po, &err) != AION_OK) {
        printf("  %s: %s\n", label, err.msg);
        CHECK(0);
        return;
    }
    CHECK(aion_potential_has_probe(p));
    for (int fr = 0; fr < nframes; fr++) {
        aion_frame f;
        random_frame(&f, natoms, zs, nz, lmin, lmax, dmin);
        for (int t = 0; t < 3; t++) {
            int k = (int)(test_rand(&seed) * natoms);
            double x[48][3];
            int np = make_points(&f, k, x, 48, 20);
            worst = fmax(worst, compare(p, &f, k, np, (const double(*)[3])x));
            total += np;
        }
        aion_frame_free(&f);
    }
    printf("  %-34s cutoff %5.2f A, cells %4.1f-%4.1f A: %4d points, worst relative difference %.1e\n", label,
           aion_potential_cutoff(p), lmin, lmax, total, worst);
    aion_potential_free(p);
}

static const char *lj_text = "name lj-test\n"
                             "lj Li Li 0.01 2.0 cutoff 9.0 shift\n"
                             "lj Li O 0.02 2.4 cutoff 8.0\n"
                             "lj O O 0.005 3.0 cutoff 9.5\n";
static const char *buck_text = "name buck-test\n"
                               "charge Li 0.8\ncharge O -0.8\n"
                               "coulomb cut cutoff 9.0\n"
                               "buckingham Li O 500 0.3 2.0 cutoff 6.0\n"
                               "buckingham O O 9000 0.25 30 cutoff 7.5 shift\n";
static const char *morse_text = "name morse-test\n"
                                "morse Li O 0.8 1.6 2.0 cutoff 7.0 shift\n"
                                "morse O O 0.1 1.2 3.0 cutoff 8.0\n"
                                "morse Li Li 0.05 1.0 3.0 cutoff 6.0\n";

static const int li_o[2] = {3, 8};
static const int li2sio3[6] = {3, 3, 14, 8, 8, 8}; /* neutral with Pedone charges */

static void test_pair_models(void)
{
    aion_potential_opts po;
    aion_potential_opts_init(&po);
    po.nthreads = 2;
    const char *lj = temp_model(lj_text), *buck = temp_model(buck_text), *morse = temp_model(morse_text);
    /* ~20-atom cells (cutoff below half the cell or close) and 2-4 atom
     * cells of 3-5 Å (cutoff far beyond half the cell) */
    check_model("Lennard-Jones", lj, &po, li_o, 2, 24, 9, 12, 1.6, 2);
    check_model("Lennard-Jones, small cells", lj, &po, li_o, 2, 3, 3, 5, 1.6, 3);
    check_model("Buckingham + cut Coulomb", buck, &po, li_o, 2, 24, 9, 12, 1.6, 2);
    check_model("Buckingham + cut Coulomb, small", buck, &po, li_o, 2, 4, 3.5, 5, 1.6, 3);
    check_model("Morse", morse, &po, li_o, 2, 24, 9, 12, 1.6, 2);
    check_model("Morse, small cells", morse, &po, li_o, 2, 2, 3, 4.5, 1.6, 3);
    remove(lj);
    remove(buck);
    remove(morse);
}

static void test_pedone(void)
{
    aion_potential_opts po;
    aion_potential_opts_init(&po);
    po.nthreads = 2;
    po.coulomb = AION_COUL_DSF;
    check_model("Pedone DSF", "pedone", &po, li2sio3, 6, 36, 9, 12, 1.7, 2);
    check_model("Pedone DSF, small cells", "pedone", &po, li2sio3, 6, 6, 4.2, 5.5, 1.6, 3);
    po.coulomb = AION_COUL_EWALD;
    check_model("Pedone Ewald", "pedone", &po, li2sio3, 6, 36, 9, 12, 1.7, 2);
    check_model("Pedone Ewald, small cells", "pedone", &po, li2sio3, 6, 6, 4.2, 5.5, 1.6, 1);
    /* Ewald at a coarse accuracy (few k-vectors, α from the accuracy) */
    po.ewald_accuracy = 1e-4;
    check_model("Pedone Ewald, accuracy 1e-4", "pedone", &po, li2sio3, 6, 36, 9, 12, 1.7, 1);
}

/* The pair terms of the moved atom with its own images n·L do not depend on
 * where it is: in a one-atom cell the energy is ½ Σ_{n≠0} φ(|n·L|) at every
 * point, which the probe must give (and the full evaluation does). */
static void test_self_images(void)
{
    const char *lj = temp_model(lj_text);
    aion_potential *p = NULL;
    aion_error err;
    CHECK_OK(aion_potential_create(&p, lj, NULL, &err));
    aion_frame f;
    aion_frame_init(&f);
    aion_frame_resize(&f, 1, 0);
    f.has |= AION_HAS_CELL;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    random_cell(f.cell, 3.0, 4.0);
    f.z[0] = 3;
    /* brute force: LJ Li-Li eps 0.01, sigma 2, cutoff 9, shifted */
    double ref = 0, s6 = pow(2.0 / 9.0, 6), shift = 4 * 0.01 * (s6 * s6 - s6);
    for (int a = -8; a <= 8; a++)
        for (int b = -8; b <= 8; b++)
            for (int c = -8; c <= 8; c++) {
                if (!a && !b && !c) continue;
                double d[3];
                for (int e = 0; e < 3; e++) d[e] = a * f.cell[0][e] + b * f.cell[1][e] + c * f.cell[2][e];
                double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                if (r >= 9.0) continue;
                double u = pow(2.0 / r, 6);
                ref += 0.5 * (4 * 0.01 * (u * u - u) - shift);
            }
    double x[6][3], e[6];
    for (int q = 0; q < 6; q++) {
        double s[3] = {-2 + 5 * test_rand(&seed), test_rand(&seed), test_rand(&seed)};
        frac_to_cart(f.cell, s, x[q]);
    }
    CHECK_OK(aion_potential_probe(p, &f, 0, 6, (const double(*)[3])x, e));
    aion_eval ev;
    memset(&ev, 0, sizeof ev);
    CHECK_OK(aion_potential_compute(p, &f, &ev));
    CHECK(fabs(ref) > 1e-3);
    CHECK_REL(ev.energy, ref, 1e-12, 0);
    for (int q = 0; q < 6; q++) CHECK_REL(e[q], ref, 1e-12, 0);
    printf("  one Li in a %.2f x %.2f x %.2f A cell: self-image energy %.10f eV (direct sum %.10f), probe %.10f .. %.10f\n",
           sqrt(f.cell[0][0] * f.cell[0][0]), sqrt(f.cell[1][0] * f.cell[1][0] + f.cell[1][1] * f.cell[1][1]),
           sqrt(f.cell[2][0] * f.cell[2][0] + f.cell[2][1] * f.cell[2][1] + f.cell[2][2] * f.cell[2][2]), ev.energy,
           ref, e[0], e[5]);
    aion_potential_free(p);
    aion_frame_free(&f);
    remove(lj);
}

/* f->pos[k] is not used (the probe protocol appends an atom anywhere);
 * results do not depend on the thread count; the fallback (non-periodic
 * frame) agrees; errors. */
static void test_contract(void)
{
    aion_potential_opts po;
    aion_potential *p1 = NULL, *p2 = NULL;
    aion_error err;
    aion_potential_opts_init(&po);
    po.coulomb = AION_COUL_EWALD;
    po.nthreads = 1;
    CHECK_OK(aion_potential_create(&p1, "pedone", &po, &err));
    po.nthreads = 3;
    CHECK_OK(aion_potential_create(&p2, "pedone", &po, &err));
    aion_frame f;
    random_frame(&f, 24, li2sio3, 6, 8, 10, 1.7);
    double x[40][3], e1[40], e2[40], e3[40];
    int np = make_points(&f, 5, x, 40, 30);
    CHECK_OK(aion_potential_probe(p1, &f, 5, np, (const double(*)[3])x, e1));
    CHECK_OK(aion_potential_probe(p2, &f, 5, np, (const double(*)[3])x, e2));
    CHECK(memcmp(e1, e2, (size_t)np * sizeof *e1) == 0);
    /* atom 5 parked on atom 0: nothing changes */
    memcpy(f.pos[5], f.pos[0], sizeof f.pos[0]);
    CHECK_OK(aion_potential_probe(p1, &f, 5, np, (const double(*)[3])x, e3));
    for (int q = 0; q < np; q++) CHECK_REL(e3[q], e1[q], 1e-12, 0);
    CHECK(compare(p1, &f, 5, np, (const double(*)[3])x) <= RTOL);

    /* errors: atom index, non-finite point, a point on an atom */
    CHECK(aion_potential_probe(p1, &f, 24, np, (const double(*)[3])x, e3) == AION_ERR_INVALID);
    CHECK(aion_potential_probe(p1, &f, -1, np, (const double(*)[3])x, e3) == AION_ERR_INVALID);
    double bad[2][3] = {{0, 0, 0}, {NAN, 0, 0}};
    CHECK(aion_potential_probe(p1, &f, 5, 2, (const double(*)[3])bad, e3) == AION_ERR_INVALID);
    memcpy(bad[1], f.pos[3], sizeof bad[1]);
    CHECK(aion_potential_probe(p1, &f, 5, 2, (const double(*)[3])bad, e3) == AION_ERR_NUMERIC);
    CHECK(strstr(aion_potential_errmsg(p1), "point 1") != NULL);
    CHECK_OK(aion_potential_probe(p1, &f, 5, 0, NULL, NULL));
    aion_potential_free(p1);
    aion_potential_free(p2);

    /* non-periodic frame (DSF): one full evaluation per point */
    po.coulomb = AION_COUL_DSF;
    CHECK_OK(aion_potential_create(&p1, "pedone", &po, &err));
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 0;
    f.has &= ~AION_HAS_CELL;
    np = make_points(&f, 5, x, 10, 6);
    CHECK(compare(p1, &f, 5, np, (const double(*)[3])x) <= RTOL);
    aion_potential_free(p1);
    aion_frame_free(&f);
}

static int read_mgv(aion_frame *f)
{
    static const int tz[3] = {12, 23, 8};
    aion_read_opts ro;
    aion_frame *fr = NULL;
    int nf = 0;
    aion_error err;
    aion_read_opts_init(&ro);
    ro.type_z = tz;
    ro.n_type_z = 3;
    if (aion_read_all(MGV_DIR "amorphous-MgV2O5-96.lmp", &ro, &fr, &nf, &err) != AION_OK || nf < 1) {
        printf("  read: %s\n", err.msg);
        return -1;
    }
    aion_frame_init(f);
    aion_frame_copy(f, &fr[0]);
    aion_frames_free(fr, nf);
    return 0;
}

static void test_mtp(void)
{
    if (access(MGV_DIR "pot.mtp", R_OK) || access(MGV_DIR "amorphous-MgV2O5-96.lmp", R_OK)) {
        printf("  note: " MGV_DIR " absent, MTP check skipped\n");
        return;
    }
    static const int zs[3] = {12, 23, 8};
    aion_potential_opts po;
    aion_potential *p = NULL;
    aion_error err;
    aion_potential_opts_init(&po);
    po.species_z = zs;
    po.n_species_z = 3;
    po.nthreads = 2;
    CHECK_OK(aion_potential_create(&p, MGV_DIR "pot.mtp", &po, &err));
    CHECK(aion_potential_has_probe(p));
    aion_frame f;
    CHECK(read_mgv(&f) == 0);
    CHECK(f.n == 96);
    double worst = 0;
    int total = 0;
    /* one Mg, one V, one O of the 96-atom cell (cutoff 7 Å > half of every cell width) */
    int ks[3] = {-1, -1, -1};
    for (int i = 0; i < f.n; i++)
        for (int s = 0; s < 3; s++)
            if (f.z[i] == zs[s] && ks[s] < 0) ks[s] = i;
    for (int s = 0; s < 3; s++) {
        double x[40][3];
        int np = make_points(&f, ks[s], x, 40, 20);
        worst = fmax(worst, compare(p, &f, ks[s], np, (const double(*)[3])x));
        total += np;
    }
    printf("  MTP (level 16, cutoff 7 A), 96-atom MgV2O5: %d points, worst relative difference %.1e\n", total, worst);
    aion_frame_free(&f);
    /* small random cells: many images of the moved atom within the cutoff */
    static const int mgv2o5[8] = {12, 23, 23, 8, 8, 8, 8, 8};
    worst = 0;
    total = 0;
    for (int t = 0; t < 3; t++) {
        random_frame(&f, 8, mgv2o5, 8, 4.5, 6.0, 1.7);
        int k = (int)(test_rand(&seed) * 8);
        double x[30][3];
        int np = make_points(&f, k, x, 30, 12);
        worst = fmax(worst, compare(p, &f, k, np, (const double(*)[3])x));
        total += np;
        aion_frame_free(&f);
    }
    printf("  MTP, 8-atom cells of 4.5-6 A: %d points, worst relative difference %.1e\n", total, worst);
    aion_potential_free(p);
}

int main(void)
{
    TEST_RUN(test_self_images);
    TEST_RUN(test_pair_models);
    TEST_RUN(test_pedone);
    TEST_RUN(test_contract);
    TEST_RUN(test_mtp);
    return TEST_END();
}
