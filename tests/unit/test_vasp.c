/*
 * VASP files: POSCAR/CONTCAR, XDATCAR, OUTCAR.
 *  - hand-written inputs with known numbers (scaling, VASP 4, selective
 *    dynamics, velocities, variable-cell XDATCAR);
 *  - round trips read -> write -> read;
 *  - ASE as a peer (tests/peers/ase_io_helper.py): ASE writes, we read and
 *    compare; we write, ASE reads and compares; both read the OUTCAR fixture;
 *  - malformed inputs: each error names the file, the line and the problem.
 */
#include "test.h"
#include "test_files.h"
#include "internal.h"

#include <sys/stat.h>

static int have_ase;

/* Read every frame of path; returns status, frames in *fr. */
static aion_status read_all_fmt(const char *path, aion_format fmt, const int *type_z, int ntz, aion_frame **fr, int *n,
                                aion_error *err)
{
    aion_read_opts o;
    aion_read_opts_init(&o);
    o.format = fmt;
    o.type_z = type_z;
    o.n_type_z = ntz;
    return aion_read_all(path, &o, fr, n, err);
}

static aion_status write_frames(const char *path, aion_format fmt, const aion_frame *fr, int n, int fractional, int prec,
                                aion_error *err)
{
    aion_write_opts o;
    aion_writer *w;
    aion_status st;
    aion_write_opts_init(&o);
    o.format = fmt;
    o.coords = fractional ? AION_COORDS_FRACTIONAL : AION_COORDS_CARTESIAN;
    o.precision = prec;
    if ((st = aion_writer_open(&w, path, &o, err))) return st;
    for (int k = 0; k < n; k++)
        if ((st = aion_writer_write(w, &fr[k]))) {
            snprintf(err->msg, sizeof err->msg, "%s", aion_writer_errmsg(w));
            aion_writer_abort(w);
            return st;
        }
    return aion_writer_close(w, err);
}

/* The input must fail; the message must name path:line and contain `what`. */
static void expect_fail(const char *name, aion_format fmt, const char *text, long line, const char *what)
{
    const char *path = test_path(name);
    aion_frame *fr = NULL;
    int n = 0;
    aion_error err;
    aion_status st;
    char want[300];
    test_write_text(path, text);
    memset(&err, 0, sizeof err);
    st = read_all_fmt(path, fmt, NULL, 0, &fr, &n, &err);
    CHECK(st != AION_OK);
    if (line > 0)
        snprintf(want, sizeof want, "%s:%ld: ", path, line);
    else
        snprintf(want, sizeof want, "%s: ", path);
    if (!strstr(err.msg, want) || !strstr(err.msg, what)) {
        fprintf(stderr, "  case %s: message '%s' lacks '%s' or '%s'\n", name, err.msg, want, what);
        CHECK(0);
    }
    aion_frames_free(fr, n);
}

/* ------------------------------------------------------------ POSCAR */

static const char *poscar_sd =
    "Li3PO4 test cell\n"
    "   2.0\n"
    "   2.5 0.0 0.0\n"
    "   0.5 3.0 0.0\n"
    "   0.0 0.25 3.5\n"
    "   Li P O\n"
    "   2 1 1\n"
    "Selective dynamics\n"
    "Cartesian\n"
    "  0.0 0.0 0.0  T T T\n"
    "  1.0 1.0 1.0  F T F  ! comment\n"
    "  0.5 0.5 0.5  F F F\n"
    "  0.25 0.5 1.5 T F T\n"
    "\n"
    "  0.01 0.02 0.03\n"
    "  -0.01 0.00 0.00\n"
    "  0.00 0.00 0.00\n"
    "  1e-3 2e-3 3e-3\n";

static void test_poscar_read(void)
{
    aion_frame *fr;
    int n;
    aion_error err;
    const char *p = test_path("POSCAR-sd");
    test_write_text(p, poscar_sd);
    CHECK_OK(read_all_fmt(p, AION_FMT_POSCAR, NULL, 0, &fr, &n, &err));
    if (n != 1) {
        CHECK(n == 1);
        return;
    }
    aion_frame *f = &fr[0];
    CHECK(f->n == 4);
    CHECK(f->z[0] == 3 && f->z[1] == 3 && f->z[2] == 15 && f->z[3] == 8);
    CHECK((f->has & AION_HAS_CELL) && (f->has & AION_HAS_FIXED) && (f->has & AION_HAS_VEL));
    CHECK(f->pbc[0] && f->pbc[1] && f->pbc[2]);
    CHECK_NEAR(f->cell[1][0], 1.0, 0);
    CHECK_NEAR(f->cell[2][1], 0.5, 0);
    CHECK_NEAR(f->cell[2][2], 7.0, 0);
    /* Cartesian positions are scaled too */
    CHECK_NEAR(f->pos[1][0], 2.0, 0);
    CHECK_NEAR(f->pos[3][2], 3.0, 0);
    CHECK(f->fixed[0][0] == 0 && f->fixed[1][0] == 1 && f->fixed[1][1] == 0 && f->fixed[1][2] == 1);
    CHECK(f->fixed[2][0] == 1 && f->fixed[3][1] == 1 && f->fixed[3][2] == 0);
    /* velocities: Å/fs, not scaled */
    CHECK_NEAR(f->vel[0][2], 0.03, 0);
    CHECK_NEAR(f->vel[3][1], 2e-3, 0);
    CHECK(strcmp(aion_frame_info_get(f, "comment"), "Li3PO4 test cell") == 0);
    aion_frames_free(fr, n);

    /* negative scale = volume; three scale factors; direct coordinates */
    p = test_path("POSCAR-vol");
    test_write_text(p, "vol\n-125.0\n1 0 0\n0 2 0\n0.5 0 3\nNa Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n");
    CHECK_OK(read_all_fmt(p, AION_FMT_POSCAR, NULL, 0, &fr, &n, &err));
    CHECK_NEAR(aion_frame_volume(&fr[0]), 125.0, 1e-10);
    CHECK_NEAR(fr[0].cell[1][1] / fr[0].cell[0][0], 2.0, 1e-14);
    CHECK_NEAR(fr[0].pos[1][0], 0.5 * (fr[0].cell[0][0] + fr[0].cell[2][0]), 1e-14);
    aion_frames_free(fr, n);
    p = test_path("POSCAR-3s");
    test_write_text(p, "three\n 2 3 4\n1 0 0\n0 1 0\n0.5 0.5 1\nNa Cl\n1 1\nCartesian\n0 0 0\n1 1 1\n");
    CHECK_OK(read_all_fmt(p, AION_FMT_POSCAR, NULL, 0, &fr, &n, &err));
    CHECK_NEAR(fr[0].cell[2][0], 1.0, 0);
    CHECK_NEAR(fr[0].cell[2][1], 1.5, 0);
    CHECK_NEAR(fr[0].cell[2][2], 4.0, 0);
    CHECK_NEAR(fr[0].pos[1][0], 2.0, 0);
    CHECK_NEAR(fr[0].pos[1][1], 3.0, 0);
    CHECK_NEAR(fr[0].pos[1][2], 4.0, 0);
    aion_frames_free(fr, n);

    /* VASP 4: no species line; elements from the type map */
    p = test_path("POSCAR-v4");
    test_write_text(p, "old style\n1.0\n4 0 0\n0 4 0\n0 0 4\n 1 2\nDirect\n0 0 0\n0.5 0 0\n0 0.5 0\n");
    {
        static const int tz[2] = {12, 8};
        CHECK_OK(read_all_fmt(p, AION_FMT_POSCAR, tz, 2, &fr, &n, &err));
        CHECK(n == 1 && fr[0].n == 3 && fr[0].z[0] == 12 && fr[0].z[1] == 8 && fr[0].z[2] == 8);
        CHECK_NEAR(fr[0].pos[2][1], 2.0, 0);
        aion_frames_free(fr, n);
    }
    CHECK(read_all_fmt(p, AION_FMT_POSCAR, NULL, 0, &fr, &n, &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, ":6: ") && strstr(err.msg, "VASP 4"));

    /* species labels with POTCAR suffixes, repeated species, CONTCAR velocities with "Lattice velocities" */
    p = test_path("CONTCAR-lv");
    test_write_text(p, "md\n1.0\n5 0 0\n0 5 0\n0 0 5\nLi_sv O Li_sv/8a1b2c\n1 1 1\nDirect\n0 0 0\n0.5 0 0\n0 0.5 0\n"
                  "Lattice velocities and vectors\n  1\n 0 0 0\n 0 0 0\n 0 0 0\n 5 0 0\n 0 5 0\n 0 0 5\n"
                  "Cartesian\n 0.1 0 0\n 0 0.2 0\n 0 0 0.3\n\n 0 0 0\n 0 0 0\n 0 0 0\n");
    CHECK_OK(read_all_fmt(p, AION_FMT_POSCAR, NULL, 0, &fr, &n, &err));
    CHECK(fr[0].z[0] == 3 && fr[0].z[1] == 8 && fr[0].z[2] == 3);
    CHECK((fr[0].has & AION_HAS_VEL) && fr[0].vel[2][2] == 0.3 && fr[0].vel[1][1] == 0.2);
    aion_frames_free(fr, n);
}

/* A triclinic frame with interleaved species, some atoms outside the cell. */
static void make_frame(aion_frame *f, int n, unsigned long long seed, int fixed, int vel)
{
    static const int zs[4] = {3, 8, 15, 8};
    aion_frame_init(f);
    aion_frame_resize(f, n, AION_HAS_CELL | (fixed ? AION_HAS_FIXED : 0) | (vel ? AION_HAS_VEL : 0));
    double cell[3][3] = {{7.13, 0.31, -0.22}, {0.91, 8.27, 0.43}, {-1.17, 0.64, 9.21}};
    memcpy(f->cell, cell, sizeof cell);
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    for (int i = 0; i < n; i++) {
        double s[3];
        for (int k = 0; k < 3; k++) s[k] = -0.1 + 1.2 * test_rand(&seed);
        for (int k = 0; k < 3; k++) f->pos[i][k] = s[0] * cell[0][k] + s[1] * cell[1][k] + s[2] * cell[2][k];
        f->z[i] = zs[(int)(4 * test_rand(&seed)) % 4];
        if (fixed)
            for (int k = 0; k < 3; k++) f->fixed[i][k] = test_rand(&seed) < 0.3;
        if (vel)
            for (int k = 0; k < 3; k++) f->vel[i][k] = 0.02 * (test_rand(&seed) - 0.5);
    }
}

/* Order in which the VASP writers put atoms: grouped by species, first appearance. */
static void vasp_perm(const aion_frame *f, int *perm)
{
    int seen[AION_MAX_Z + 1] = {0}, order[AION_MAX_Z + 1], ns = 0, q = 0;
    for (int i = 0; i < f->n; i++)
        if (!seen[f->z[i]]++) order[ns++] = f->z[i];
    for (int k = 0; k < ns; k++)
        for (int i = 0; i < f->n; i++)
            if (f->z[i] == order[k]) perm[q++] = i;
}

static void compare_permuted(const aion_frame *a, const aion_frame *b, const int *perm, double tol, int fixed, int vel)
{
    CHECK(a->n == b->n);
    if (a->n != b->n) return;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) CHECK_NEAR(a->cell[i][k], b->cell[i][k], tol);
    for (int q = 0; q < a->n; q++) {
        int i = perm[q];
        CHECK(a->z[i] == b->z[q]);
        for (int k = 0; k < 3; k++) CHECK_NEAR(a->pos[i][k], b->pos[q][k], tol);
        if (fixed)
            for (int k = 0; k < 3; k++) CHECK(a->fixed[i][k] == b->fixed[q][k]);
        if (vel)
            for (int k = 0; k < 3; k++) CHECK_REL(a->vel[i][k], b->vel[q][k], 1e-15, 0);
    }
}

static void test_poscar_roundtrip(void)
{
    aion_frame f, *fr, *fr2;
    int n, n2, perm[40];
    aion_error err;
    make_frame(&f, 40, 42, 1, 1);
    aion_frame_info_set(&f, "comment", "round trip");
    vasp_perm(&f, perm);
    /* Direct */
    CHECK_OK(write_frames(test_path("rt-direct.vasp"), AION_FMT_POSCAR, &f, 1, 1, 17, &err));
    CHECK_OK(read_all_fmt(test_path("rt-direct.vasp"), AION_FMT_POSCAR, NULL, 0, &fr, &n, &err));
    CHECK(n == 1);
    compare_permuted(&f, &fr[0], perm, 1e-13, 1, 1);
    CHECK(strcmp(aion_frame_info_get(&fr[0], "comment"), "round trip") == 0);
    /* Cartesian, full precision: exact */
    CHECK_OK(write_frames(test_path("rt-cart.vasp"), AION_FMT_POSCAR, &f, 1, 0, 17, &err));
    CHECK_OK(read_all_fmt(test_path("rt-cart.vasp"), AION_FMT_POSCAR, NULL, 0, &fr2, &n2, &err));
    compare_permuted(&f, &fr2[0], perm, 0, 1, 1);
    /* read -> write -> read gives the same file */
    CHECK_OK(write_frames(test_path("rt-cart2.vasp"), AION_FMT_POSCAR, &fr2[0], 1, 0, 17, &err));
    {
        char *a = test_slurp(test_path("rt-cart.vasp")), *b = test_slurp(test_path("rt-cart2.vasp"));
        CHECK(a && b && strcmp(a, b) == 0);
        free(a);
        free(b);
    }
    /* default precision (10 decimals) */
    CHECK_OK(write_frames(test_path("rt-p10.vasp"), AION_FMT_POSCAR, &f, 1, 1, 0, &err));
    aion_frames_free(fr, n);
    CHECK_OK(read_all_fmt(test_path("rt-p10.vasp"), AION_FMT_POSCAR, NULL, 0, &fr, &n, &err));
    compare_permuted(&f, &fr[0], perm, 2e-9, 1, 0);
    aion_frames_free(fr, n);
    aion_frames_free(fr2, n2);

    /* a second frame is refused; a frame without cell or elements too */
    {
        aion_writer *w;
        aion_write_opts o;
        aion_write_opts_init(&o);
        CHECK_OK(aion_writer_open(&w, test_path("two.vasp"), &o, &err));
        CHECK_OK(aion_writer_write(w, &f));
        CHECK(aion_writer_write(w, &f) == AION_ERR_UNSUPPORTED);
        CHECK(strstr(aion_writer_errmsg(w), "one structure") != NULL);
        aion_writer_abort(w);
        f.has &= ~(unsigned)AION_HAS_CELL;
        CHECK(write_frames(test_path("nocell.vasp"), AION_FMT_POSCAR, &f, 1, 1, 0, &err) == AION_ERR_INVALID);
        CHECK(strstr(err.msg, "cell") != NULL);
        f.has |= AION_HAS_CELL;
        f.z[5] = 0;
        CHECK(write_frames(test_path("noz.vasp"), AION_FMT_POSCAR, &f, 1, 1, 0, &err) == AION_ERR_INVALID);
        CHECK(strstr(err.msg, "atom 6") != NULL);
        CHECK(access(test_path("noz.vasp"), F_OK) != 0); /* nothing left behind */
    }
    aion_frame_free(&f);
}

/* ------------------------------------------------------------ XDATCAR */

static void test_xdatcar(void)
{
    aion_frame fr[4], *rd;
    int n, perm[30];
    aion_error err;
    /* fixed cell */
    for (int k = 0; k < 4; k++) {
        make_frame(&fr[k], 30, 100 + (unsigned long long)k, 0, 0);
        if (k) memcpy(fr[k].z, fr[0].z, 30 * sizeof(int));
        fr[k].has |= AION_HAS_STEP;
        fr[k].step = 10 * (k + 1);
    }
    vasp_perm(&fr[0], perm);
    CHECK_OK(write_frames(test_path("XDATCAR-fixed"), AION_FMT_XDATCAR, fr, 4, 1, 17, &err));
    {
        char *t = test_slurp(test_path("XDATCAR-fixed"));
        int headers = 0;
        for (char *q = t; (q = strstr(q, "   1.0\n")); q++) headers++;
        CHECK(headers == 1);
        CHECK(strstr(t, "Direct configuration=    40\n") != NULL);
        free(t);
    }
    CHECK_OK(read_all_fmt(test_path("XDATCAR-fixed"), AION_FMT_XDATCAR, NULL, 0, &rd, &n, &err));
    CHECK(n == 4);
    for (int k = 0; k < n && k < 4; k++) {
        compare_permuted(&fr[k], &rd[k], perm, 1e-13, 0, 0);
        CHECK(rd[k].step == 10 * (k + 1) && (rd[k].has & AION_HAS_STEP));
    }
    aion_frames_free(rd, n);
    /* variable cell: the header is repeated from the first change on */
    for (int k = 2; k < 4; k++) fr[k].cell[0][0] += 0.1 * k;
    CHECK_OK(write_frames(test_path("XDATCAR-npt"), AION_FMT_XDATCAR, fr, 4, 1, 17, &err));
    {
        char *t = test_slurp(test_path("XDATCAR-npt"));
        int headers = 0;
        for (char *q = t; (q = strstr(q, "   1.0\n")); q++) headers++;
        CHECK(headers == 3);
        free(t);
    }
    CHECK_OK(read_all_fmt(test_path("XDATCAR-npt"), AION_FMT_XDATCAR, NULL, 0, &rd, &n, &err));
    CHECK(n == 4);
    for (int k = 0; k < n && k < 4; k++) compare_permuted(&fr[k], &rd[k], perm, 1e-13, 0, 0);
    /* read -> write -> read: same file */
    CHECK_OK(write_frames(test_path("XDATCAR-npt2"), AION_FMT_XDATCAR, rd, n, 1, 17, &err));
    {
        aion_frame *rd2;
        int n2;
        CHECK_OK(read_all_fmt(test_path("XDATCAR-npt2"), AION_FMT_XDATCAR, NULL, 0, &rd2, &n2, &err));
        CHECK(n2 == n);
        for (int k = 0; k < n && k < n2; k++)
            for (int i = 0; i < rd[k].n; i++)
                for (int c = 0; c < 3; c++) CHECK_NEAR(rd[k].pos[i][c], rd2[k].pos[i][c], 1e-13);
        aion_frames_free(rd2, n2);
    }
    aion_frames_free(rd, n);
    /* a frame with other atoms is refused */
    fr[1].z[perm[0]] = 1;
    CHECK(write_frames(test_path("XDATCAR-bad"), AION_FMT_XDATCAR, fr, 2, 1, 0, &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "same order") != NULL);
    for (int k = 0; k < 4; k++) aion_frame_free(&fr[k]);

    /* hand-written VASP-style variable-cell file with a blank comment line and Cartesian configuration */
    test_write_text(test_path("XDATCAR-hand"),
               "run\n1\n3 0 0\n0 3 0\n0 0 3\nH\n1\nDirect configuration=     1\n 0.5 0.5 0.5\n"
               "\n2\n2 0 0\n0 2 0\n0 0 2\nH\n1\nDirect configuration=     2\n 0.5 0.5 0.5\n"
               "Cartesian configuration=     3\n 0.25 0.5 0.75\n\n");
    CHECK_OK(read_all_fmt(test_path("XDATCAR-hand"), AION_FMT_XDATCAR, NULL, 0, &rd, &n, &err));
    CHECK(n == 3);
    if (n == 3) {
        CHECK_NEAR(rd[0].pos[0][0], 1.5, 0);
        CHECK_NEAR(rd[1].cell[1][1], 4.0, 0);
        CHECK_NEAR(rd[1].pos[0][2], 2.0, 0);
        CHECK_NEAR(rd[2].pos[0][2], 1.5, 0); /* Cartesian, scaled by 2 */
        CHECK(rd[2].step == 3);
    }
    aion_frames_free(rd, n);
}

/* ------------------------------------------------------------ OUTCAR */

#define OUTCAR_FIXTURE "tests/data/OUTCAR-Li4O2-relax"

static void test_outcar(void)
{
    aion_frame *fr;
    int n;
    aion_error err;
    aion_reader *r;
    CHECK_OK(read_all_fmt(OUTCAR_FIXTURE, AION_FMT_AUTO, NULL, 0, &fr, &n, &err));
    CHECK(n == 2);
    if (n != 2) return;
    for (int k = 0; k < 2; k++) {
        CHECK(fr[k].n == 6);
        CHECK(fr[k].z[0] == 3 && fr[k].z[3] == 3 && fr[k].z[4] == 8 && fr[k].z[5] == 8);
        CHECK((fr[k].has & (AION_HAS_CELL | AION_HAS_FORCES | AION_HAS_ENERGY | AION_HAS_STRESS | AION_HAS_STEP)) ==
              (AION_HAS_CELL | AION_HAS_FORCES | AION_HAS_ENERGY | AION_HAS_STRESS | AION_HAS_STEP));
        CHECK(fr[k].step == k + 1);
        /* forces sum to zero in the fixture */
        double s[3] = {0, 0, 0};
        for (int i = 0; i < 6; i++)
            for (int c = 0; c < 3; c++) s[c] += fr[k].forces[i][c];
        for (int c = 0; c < 3; c++) CHECK_NEAR(s[c], 0.0, 1e-12);
    }
    /* the numbers printed in the fixture (not the SCF-iteration energies) */
    CHECK(fr[0].energy == -28.12345678 && fr[1].energy == -28.31234567);
    CHECK(strcmp(aion_frame_info_get(&fr[0], "energy_sigma0"), "-28.12172901") == 0);
    CHECK(strcmp(aion_frame_info_get(&fr[1], "energy_without_entropy"), "-28.30987654") == 0);
    /* cell of each step (ISIF=3: it changes) */
    CHECK(fr[0].cell[2][0] == -0.212345678 && fr[0].cell[0][1] == 0.123456789);
    CHECK(fr[1].cell[0][0] != fr[0].cell[0][0]);
    CHECK(fr[0].pos[1][0] == 2.51664 && fr[0].forces[4][1] == -0.666845);
    /* stress: "in kB  12.34567 -3.21098 5.67891 1.23456 -0.98765 0.45678" (XX YY ZZ XY YZ ZX) */
    {
        const double kb[6] = {12.34567, -3.21098, 5.67891, 1.23456, -0.98765, 0.45678};
        const double g = 0.1 / AION_EV_A3_TO_GPA;
        CHECK_REL(fr[0].stress[0][0], -kb[0] * g, 1e-15, 0);
        CHECK_REL(fr[0].stress[1][1], -kb[1] * g, 1e-15, 0);
        CHECK_REL(fr[0].stress[2][2], -kb[2] * g, 1e-15, 0);
        CHECK_REL(fr[0].stress[0][1], -kb[3] * g, 1e-15, 0);
        CHECK_REL(fr[0].stress[1][0], -kb[3] * g, 1e-15, 0);
        CHECK_REL(fr[0].stress[1][2], -kb[4] * g, 1e-15, 0);
        CHECK_REL(fr[0].stress[2][0], -kb[5] * g, 1e-15, 0);
        /* compressed (positive kB pressure) reads as negative (compressive) ASE stress */
        CHECK(fr[0].stress[0][0] < 0);
    }
    aion_frames_free(fr, n);

    /* streamed: frames come one at a time */
    {
        aion_read_opts o;
        aion_frame f;
        long line1;
        aion_read_opts_init(&o);
        aion_frame_init(&f);
        CHECK_OK(aion_reader_open(&r, OUTCAR_FIXTURE, &o, &err));
        CHECK(aion_reader_format(r) == AION_FMT_OUTCAR);
        CHECK_OK(aion_reader_next(r, &f));
        line1 = aion_reader_line(r);
        CHECK(line1 > 200 && line1 < 300);
        CHECK_OK(aion_reader_next(r, &f));
        CHECK(aion_reader_next(r, &f) == AION_EOF);
        CHECK(aion_reader_notes(r) == NULL);
        aion_reader_close(r);
        aion_frame_free(&f);
    }

    /* Fortran fields that run together are split */
    {
        char *t = test_slurp(OUTCAR_FIXTURE), *p = strstr(t, "      0.10066      0.15634");
        const char *glued = "      0.10066-123456.15634      0.05410        -0.289774-100000.011182      0.421568";
        size_t old = strcspn(p, "\n");
        CHECK(strlen(glued) == old);
        memcpy(p, glued, old);
        test_write_text(test_path("OUTCAR-glued"), t);
        free(t);
        CHECK_OK(read_all_fmt(test_path("OUTCAR-glued"), AION_FMT_OUTCAR, NULL, 0, &fr, &n, &err));
        CHECK(n == 2 && fr[0].pos[0][1] == -123456.15634 && fr[0].forces[0][0] == -0.289774 &&
              fr[0].forces[0][1] == -100000.011182 && fr[0].pos[0][2] == 0.05410);
        aion_frames_free(fr, n);
    }

    /* an interrupted run: the complete step is returned, the rest noted */
    {
        char *t = test_slurp(OUTCAR_FIXTURE), *cut;
        aion_read_opts o;
        aion_frame f;
        CHECK(t != NULL);
        cut = strstr(t, "Iteration    2(   2)");
        *cut = '\0';
        test_write_text(test_path("OUTCAR-running"), t);
        aion_read_opts_init(&o);
        o.format = AION_FMT_OUTCAR;
        aion_frame_init(&f);
        CHECK_OK(aion_reader_open(&r, test_path("OUTCAR-running"), &o, &err));
        CHECK_OK(aion_reader_next(r, &f));
        CHECK(aion_reader_next(r, &f) == AION_EOF);
        CHECK(aion_reader_notes(r) && strstr(aion_reader_notes(r), "incomplete"));
        aion_reader_close(r);
        aion_frame_free(&f);
        free(t);
    }
}

/* ------------------------------------------------------------ ASE peer */

typedef struct ref_frame {
    int n;
    double cell[9], extra[8];
    int z[64];
    double a[64][3], b[64][3];
} ref_frame;

static int read_ref(const char *path, ref_frame *rf, int max)
{
    FILE *fp = fopen(path, "r");
    int nf = 0;
    if (!fp) return -1;
    while (nf < max && fscanf(fp, " frame %d", &rf[nf].n) == 1) {
        ref_frame *r = &rf[nf];
        if (r->n > 64 || fscanf(fp, " cell") != 0) break;
        for (int k = 0; k < 9; k++)
            if (fscanf(fp, "%lf", &r->cell[k]) != 1) goto bad;
        if (fscanf(fp, " extra") != 0) goto bad;
        for (int k = 0; k < 8; k++)
            if (fscanf(fp, "%lf", &r->extra[k]) != 1) goto bad;
        for (int i = 0; i < r->n; i++)
            if (fscanf(fp, "%d %lf %lf %lf %lf %lf %lf", &r->z[i], &r->a[i][0], &r->a[i][1], &r->a[i][2], &r->b[i][0],
                       &r->b[i][1], &r->b[i][2]) != 7)
                goto bad;
        nf++;
    }
    fclose(fp);
    return nf;
bad:
    fclose(fp);
    return -1;
}

static int run_ase(const char *mode, const char *file, const char *ref)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/peers/ase_io_helper.py %s %s %s", mode, file, ref);
    return system(cmd);
}

/* Compare our frame with ASE's: same order (perm NULL) or ASE order = perm of ours. */
static void compare_ref(const aion_frame *f, const ref_frame *r, double tol, int flags)
{
    CHECK(f->n == r->n);
    if (f->n != r->n) return;
    for (int k = 0; k < 9; k++) CHECK_NEAR(f->cell[k / 3][k % 3], r->cell[k], tol);
    for (int i = 0; i < f->n; i++) {
        CHECK(f->z[i] == r->z[i]);
        for (int c = 0; c < 3; c++) CHECK_NEAR(f->pos[i][c], r->a[i][c], tol);
        if (flags == 1)
            for (int c = 0; c < 3; c++) CHECK((f->has & AION_HAS_FIXED) && f->fixed[i][c] == (r->b[i][c] != 0));
        if (flags == 2)
            for (int c = 0; c < 3; c++) CHECK_NEAR(f->forces[i][c], r->b[i][c], 0);
    }
}

static ref_frame rf[8];

static void test_ase_peer(void)
{
    aion_frame *fr;
    int n, nr;
    aion_error err;
    if (!have_ase) {
        printf("  (ASE peer checks skipped: /usr/bin/python3 with ase not found)\n");
        return;
    }
    /* ASE writes POSCAR (Direct and Cartesian, selective dynamics, repeated species runs), we read */
    for (int cart = 0; cart < 2; cart++) {
        const char *file = test_path(cart ? "ase-cart.vasp" : "ase-direct.vasp"), *ref = test_path("ase-poscar.ref");
        CHECK(run_ase(cart ? "write-poscar-cart" : "write-poscar-direct", file, ref) == 0);
        nr = read_ref(ref, rf, 8);
        CHECK(nr == 1);
        CHECK_OK(read_all_fmt(file, AION_FMT_POSCAR, NULL, 0, &fr, &n, &err));
        if (n == 1 && nr == 1) compare_ref(&fr[0], &rf[0], 1e-12, 1);
        /* we write it back (grouped by species), ASE reads ours */
        CHECK_OK(write_frames(test_path("ours.vasp"), AION_FMT_POSCAR, fr, 1, !cart, 0, &err));
        aion_frames_free(fr, n);
        CHECK(run_ase("read-poscar", test_path("ours.vasp"), ref) == 0);
        nr = read_ref(ref, rf, 8);
        CHECK_OK(read_all_fmt(test_path("ours.vasp"), AION_FMT_POSCAR, NULL, 0, &fr, &n, &err));
        CHECK(nr == 1 && n == 1);
        if (n == 1 && nr == 1) compare_ref(&fr[0], &rf[0], 1e-12, 1);
        aion_frames_free(fr, n);
    }
    /* ASE writes an XDATCAR (8 decimals), we read */
    CHECK(run_ase("write-xdatcar", test_path("XDATCAR-ase"), test_path("xdat.ref")) == 0);
    nr = read_ref(test_path("xdat.ref"), rf, 8);
    CHECK_OK(read_all_fmt(test_path("XDATCAR-ase"), AION_FMT_XDATCAR, NULL, 0, &fr, &n, &err));
    CHECK(nr == 3 && n == 3);
    for (int k = 0; k < n && k < nr; k++) compare_ref(&fr[k], &rf[k], 1e-6, 0);
    /* we write a variable-cell XDATCAR, ASE reads it */
    fr[1].cell[1][1] *= 1.01;
    fr[2].cell[2][0] += 0.05;
    CHECK_OK(write_frames(test_path("XDATCAR-ours"), AION_FMT_XDATCAR, fr, n, 1, 0, &err));
    aion_frames_free(fr, n);
    CHECK(run_ase("read-xdatcar", test_path("XDATCAR-ours"), test_path("xdat2.ref")) == 0);
    nr = read_ref(test_path("xdat2.ref"), rf, 8);
    CHECK_OK(read_all_fmt(test_path("XDATCAR-ours"), AION_FMT_XDATCAR, NULL, 0, &fr, &n, &err));
    CHECK(nr == 3 && n == 3);
    for (int k = 0; k < n && k < nr; k++) compare_ref(&fr[k], &rf[k], 1e-9, 0);
    if (n == 3 && nr == 3) CHECK_NEAR(rf[2].cell[6], fr[2].cell[2][0], 1e-9);
    aion_frames_free(fr, n);
    /* both read the OUTCAR fixture */
    CHECK(run_ase("read-outcar", OUTCAR_FIXTURE, test_path("outcar.ref")) == 0);
    nr = read_ref(test_path("outcar.ref"), rf, 8);
    CHECK_OK(read_all_fmt(OUTCAR_FIXTURE, AION_FMT_OUTCAR, NULL, 0, &fr, &n, &err));
    CHECK(nr == 2 && n == 2);
    for (int k = 0; k < n && k < nr; k++) {
        const aion_frame *f = &fr[k];
        compare_ref(f, &rf[k], 0, 2);
        CHECK_NEAR(f->energy, rf[k].extra[0], 0);
        CHECK_NEAR(atof(aion_frame_info_get(f, "energy_sigma0")), rf[k].extra[1], 0);
        /* ASE Voigt order xx yy zz yz xz xy */
        CHECK_REL(f->stress[0][0], rf[k].extra[2], 1e-14, 0);
        CHECK_REL(f->stress[1][1], rf[k].extra[3], 1e-14, 0);
        CHECK_REL(f->stress[2][2], rf[k].extra[4], 1e-14, 0);
        CHECK_REL(f->stress[1][2], rf[k].extra[5], 1e-14, 0);
        CHECK_REL(f->stress[0][2], rf[k].extra[6], 1e-14, 0);
        CHECK_REL(f->stress[0][1], rf[k].extra[7], 1e-14, 0);
    }
    aion_frames_free(fr, n);
}

/* ------------------------------------------------------------ errors */

#define HDR "c\n1.0\n3 0 0\n0 3 0\n0 0 3\n"

static void test_errors(void)
{
    expect_fail("e-empty", AION_FMT_POSCAR, "", 0, "empty");
    expect_fail("e-scale0", AION_FMT_POSCAR, "c\n0.0\n3 0 0\n0 3 0\n0 0 3\nH\n1\nD\n0 0 0\n", 2, "zero");
    expect_fail("e-scale2", AION_FMT_POSCAR, "c\n1 2\n3 0 0\n0 3 0\n0 0 3\nH\n1\nD\n0 0 0\n", 2, "1 or 3");
    expect_fail("e-scalenan", AION_FMT_POSCAR, "c\nnan\n3 0 0\n0 3 0\n0 0 3\nH\n1\nD\n0 0 0\n", 2, "'nan' is not a finite");
    expect_fail("e-latnan", AION_FMT_POSCAR, "c\n1\n3 0 0\n0 NaN 0\n0 0 3\nH\n1\nD\n0 0 0\n", 4, "lattice vector b");
    expect_fail("e-latshort", AION_FMT_POSCAR, "c\n1\n3 0 0\n0 3\n0 0 3\nH\n1\nD\n0 0 0\n", 4, "expected 3 numbers");
    expect_fail("e-flat", AION_FMT_POSCAR, "c\n1\n3 0 0\n6 0 0\n0 0 3\nH\n1\nD\n0 0 0\n", 5, "linearly dependent");
    expect_fail("e-flat3", AION_FMT_POSCAR, "c\n1e-10 1 1e10\n1 0 0\n0 1 0\n0 0 1\nH\n1\nD\n0 0 0\n", 5, "degenerate");
    expect_fail("e-elem", AION_FMT_POSCAR, HDR "Li Qq\n1 1\nD\n0 0 0\n0 0 0\n", 6, "unknown element 'Qq'");
    expect_fail("e-count", AION_FMT_POSCAR, HDR "Li O\n1\nD\n0 0 0\n", 7, "2 species names");
    expect_fail("e-absurd", AION_FMT_POSCAR, HDR "Li\n99999999999\nD\n0 0 0\n", 7, "implausible atom count");
    expect_fail("e-negcount", AION_FMT_POSCAR, HDR "Li O\n1 -1\nD\n0 0 0\n", 7, "implausible");
    expect_fail("e-zero", AION_FMT_POSCAR, HDR "Li\n0\nD\n", 7, "zero");
    expect_fail("e-nomode", AION_FMT_POSCAR, HDR "Li\n1\n", 7, "Direct");
    expect_fail("e-trunc", AION_FMT_POSCAR, HDR "Li O\n2 1\nDirect\n0 0 0\n0.5 0.5 0.5\n", 10, "2 of 3 atom positions");
    expect_fail("e-posnan", AION_FMT_POSCAR, HDR "Li\n2\nDirect\n0 0 0\n0.5 inf 0.5\n", 10, "'inf' is not a finite");
    expect_fail("e-posshort", AION_FMT_POSCAR, HDR "Li\n1\nDirect\n0 0\n", 9, "expected 3 numbers");
    expect_fail("e-sd", AION_FMT_POSCAR, HDR "Li\n2\nSelective dynamics\nDirect\n0 0 0 T T T\n0 0 0 T X T\n", 11,
                "flag 'X'");
    expect_fail("e-sdmissing", AION_FMT_POSCAR, HDR "Li\n1\nSelective\nDirect\n0 0 0\n", 10, "3 T/F flags");
    expect_fail("e-vel", AION_FMT_POSCAR, HDR "Li\n2\nDirect\n0 0 0\n0.5 0.5 0.5\nCartesian\n0 0 0\n", 12,
                "1 of 2 velocities");
    expect_fail("e-velnan", AION_FMT_POSCAR, HDR "Li\n1\nDirect\n0 0 0\n\n1 nan 0\n", 11, "velocity");
    expect_fail("e-v4", AION_FMT_POSCAR, HDR "1 1\nDirect\n0 0 0\n0 0 0\n", 6, "VASP 4");
    /* XDATCAR */
    expect_fail("e-x-vasp4", AION_FMT_XDATCAR, "   4   4   1\n  0.0 0.0 0.0 0.0 0.5E-14\n  1.0E-004\n  CAR\n", 1, "VASP 4 XDATCAR");
    expect_fail("e-x-empty", AION_FMT_XDATCAR, "", 0, "empty");
    expect_fail("e-x-trunc", AION_FMT_XDATCAR, HDR "H\n2\nDirect configuration= 1\n0 0 0\n0 0 0\nDirect configuration= 2\n0 0 0\n",
                12, "1 of 2 positions of configuration 2");
    expect_fail("e-x-nan", AION_FMT_XDATCAR, HDR "H\n1\nDirect configuration= 1\n0 nan 0\n", 9, "not a finite");
    expect_fail("e-x-noconf", AION_FMT_XDATCAR, HDR "H\n1\n0 0 0\n", 8, "Direct configuration");
    expect_fail("e-x-step", AION_FMT_XDATCAR, HDR "H\n1\nDirect configuration= x1\n0 0 0\n", 8, "not an integer");
    expect_fail("e-x-hdr", AION_FMT_XDATCAR, HDR "H\n1\nDirect configuration= 1\n0 0 0\nnew\n1\n3 0 0\n0 3 0\n", 13,
                "lattice vector c");
    /* OUTCAR: damage the fixture */
    {
        char *t = test_slurp(OUTCAR_FIXTURE), *p, *q;
        long line;
        /* truncated in the second POSITION block */
        p = strstr(strstr(t, "Iteration    2(   3)"), "POSITION");
        for (int k = 0; k < 4; k++) p = strchr(p, '\n') + 1;
        *p = '\0';
        line = 0;
        for (q = t; *q; q++) line += *q == '\n';
        test_write_text(test_path("OUTCAR-trunc"), t);
        free(t);
        {
            aion_frame *fr;
            int n;
            aion_error err;
            char want[300];
            CHECK(read_all_fmt(test_path("OUTCAR-trunc"), AION_FMT_OUTCAR, NULL, 0, &fr, &n, &err) == AION_ERR_PARSE);
            snprintf(want, sizeof want, "%s:%ld: ", test_path("OUTCAR-trunc"), line);
            CHECK(strstr(err.msg, want) && strstr(err.msg, "2 of 6 positions and forces"));
        }
        /* an overflowed field */
        t = test_slurp(OUTCAR_FIXTURE);
        p = strstr(t, "      2.51664");
        memcpy(p, "*************", 13);
        line = 1;
        for (q = t; q < p; q++) line += *q == '\n';
        test_write_text(test_path("OUTCAR-star"), t);
        {
            aion_frame *fr;
            int n;
            aion_error err;
            char want[300];
            CHECK(read_all_fmt(test_path("OUTCAR-star"), AION_FMT_OUTCAR, NULL, 0, &fr, &n, &err) == AION_ERR_PARSE);
            snprintf(want, sizeof want, "%s:%ld: ", test_path("OUTCAR-star"), line);
            CHECK(strstr(err.msg, want) && strstr(err.msg, "not a finite number"));
        }
        free(t);
        /* ions per type that do not match the species */
        t = test_slurp(OUTCAR_FIXTURE);
        p = strstr(t, "   4   2\n");
        memcpy(p, "   4 2 1\n", 9);
        test_write_text(test_path("OUTCAR-ipt"), t);
        free(t);
    }
    {
        aion_frame *fr;
        int n;
        aion_error err;
        CHECK(read_all_fmt(test_path("OUTCAR-ipt"), AION_FMT_OUTCAR, NULL, 0, &fr, &n, &err) == AION_ERR_PARSE);
        CHECK(strstr(err.msg, "2 species (TITEL lines) but 'ions per type' has 3") != NULL);
    }
    /* a new "ions per type" between the positions and the energy (found by fuzzing) */
    {
        char *t = test_slurp(OUTCAR_FIXTURE), *p = strstr(t, "  FREE ENERGIE"), *u;
        long line = 1;
        size_t len = strlen(t);
        u = malloc(len + 64);
        memcpy(u, t, (size_t)(p - t));
        strcpy(u + (p - t), "   ions per type =               4   2\n");
        strcat(u, p);
        for (char *q = t; q < p; q++) line += *q == '\n'; /* line of the inserted text */
        test_write_text(test_path("OUTCAR-ipt2"), u);
        {
            aion_frame *fr;
            int n;
            aion_error err;
            char want[300];
            CHECK(read_all_fmt(test_path("OUTCAR-ipt2"), AION_FMT_OUTCAR, NULL, 0, &fr, &n, &err) == AION_ERR_PARSE);
            snprintf(want, sizeof want, "%s:%ld: ", test_path("OUTCAR-ipt2"), line + 5); /* the energy(sigma->0) line */
            CHECK(strstr(err.msg, want) && strstr(err.msg, "without its POSITION block"));
            if (!strstr(err.msg, want)) fprintf(stderr, "  %s / %s\n", err.msg, want);
        }
        free(t);
        free(u);
    }
    expect_fail("OUTCAR-none", AION_FMT_OUTCAR, " vasp.5.4.4\n POTCAR:    PAW_PBE O 08Apr2002\n", 2, "no complete ionic step");
}

static void cleanup(void)
{
    test_tmpdir_remove();
}

int main(void)
{
    test_tmpdir_make("vasp");
    have_ase = system("/usr/bin/python3 -c 'import ase' >/dev/null 2>&1") == 0;
    TEST_RUN(test_poscar_read);
    TEST_RUN(test_poscar_roundtrip);
    TEST_RUN(test_xdatcar);
    TEST_RUN(test_outcar);
    TEST_RUN(test_ase_peer);
    TEST_RUN(test_errors);
    cleanup();
    return TEST_END();
}
