/* LAMMPS data and dump files: reading, writing, round trips, malformed input. */
#include "test.h"
#include "test_files.h"
#include "internal.h"

#include <stdarg.h>

static aion_status read_fmt(const char *path, aion_format fmt, const int *type_z, int ntz, aion_frame **fr, int *n,
                            aion_error *err)
{
    aion_read_opts o;
    aion_read_opts_init(&o);
    o.format = fmt;
    o.type_z = type_z;
    o.n_type_z = ntz;
    return aion_read_all(path, &o, fr, n, err);
}

/* Read notes too (aion_read_all drops them). */
static aion_status read_one_notes(const char *path, aion_format fmt, aion_frame *f, char *notes, size_t nn)
{
    aion_read_opts o;
    aion_reader *r;
    aion_error e;
    aion_status st;
    aion_read_opts_init(&o);
    o.format = fmt;
    st = aion_reader_open(&r, path, &o, &e);
    if (st) return st;
    st = aion_reader_next(r, f);
    snprintf(notes, nn, "%s", aion_reader_notes(r) ? aion_reader_notes(r) : "");
    aion_reader_close(r);
    return st;
}

static const char data_charge[] =
    "triclinic test file\n"
    "\n"
    "   4 atoms\n"
    "   2 atom types\n"
    "   1 bonds\n"
    "   1 bond types\n"
    "\n"
    " -1.0 4.0 xlo xhi   # comment\n"
    " 2.0 8.0 ylo yhi\n"
    " 0.5 7.5 zlo zhi\n"
    " 1.5 -0.5 0.25 xy xz yz\n"
    "\n"
    "Masses\n"
    "\n"
    "1 6.94 # Li\n"
    "2 15.999 # O\n"
    "\n"
    "Atoms # charge\n"
    "\n"
    "3 2 -2.0 0.0 2.0 0.5 0 0 0\n"
    "1 1 1.0 1.0 3.0 1.5 1 -1 0\n"
    "4 2 -2.0 2.0 4.0 2.5 0 0 2\n"
    "2 1 1.0 3.0 5.0 3.5 0 0 0\n"
    "\n"
    "Velocities\n"
    "\n"
    "2 1.0 2.0 3.0\n"
    "1 -1.0 0.5 0.0\n"
    "3 0 0 0\n"
    "4 10 20 30\n"
    "\n"
    "Bonds\n"
    "\n"
    "1 1 1 2\n"
    "\n"
    "Bond Coeffs\n"
    "\n"
    "1 100.0 1.0\n";

static void test_data_read(void)
{
    aion_frame f;
    char notes[2048];
    const char *p = test_file_with("a.data", data_charge);
    aion_frame_init(&f);
    CHECK_OK(read_one_notes(p, AION_FMT_AUTO, &f, notes, sizeof notes));
    CHECK(f.n == 4);
    CHECK((f.has & (AION_HAS_CELL | AION_HAS_ID | AION_HAS_TYPE | AION_HAS_CHARGE | AION_HAS_IMAGE | AION_HAS_VEL |
                    AION_HAS_MASS)) == (AION_HAS_CELL | AION_HAS_ID | AION_HAS_TYPE | AION_HAS_CHARGE | AION_HAS_IMAGE |
                                        AION_HAS_VEL | AION_HAS_MASS));
    CHECK_NEAR(f.cell[0][0], 5.0, 0);
    CHECK_NEAR(f.cell[0][1], 0.0, 0);
    CHECK_NEAR(f.cell[1][0], 1.5, 0);
    CHECK_NEAR(f.cell[1][1], 6.0, 0);
    CHECK_NEAR(f.cell[2][0], -0.5, 0);
    CHECK_NEAR(f.cell[2][1], 0.25, 0);
    CHECK_NEAR(f.cell[2][2], 7.0, 0);
    CHECK(f.pbc[0] && f.pbc[1] && f.pbc[2]);
    /* sorted by id, shifted by the origin */
    for (int i = 0; i < 4; i++) CHECK(f.id[i] == i + 1);
    CHECK_NEAR(f.pos[0][0], 2.0, 1e-15);
    CHECK_NEAR(f.pos[0][1], 1.0, 1e-15);
    CHECK_NEAR(f.pos[0][2], 1.0, 1e-15);
    CHECK_NEAR(f.pos[2][0], 1.0, 1e-15);
    CHECK(f.image[0][0] == 1 && f.image[0][1] == -1 && f.image[3][2] == 2);
    CHECK(f.z[0] == 3 && f.z[1] == 3 && f.z[2] == 8 && f.z[3] == 8);
    CHECK(f.type[0] == 0 && f.type[2] == 1);
    CHECK_NEAR(f.charge[2], -2.0, 0);
    CHECK_NEAR(f.mass[3], 15.999, 0);
    /* metal velocities (Å/ps) -> Å/fs */
    CHECK_NEAR(f.vel[1][2], 3.0e-3, 1e-18);
    CHECK_NEAR(f.vel[3][1], 20.0e-3, 1e-18);
    CHECK_NEAR(f.vel[0][0], -1.0e-3, 1e-18);
    CHECK(aion_frame_info_get(&f, "lammps_origin") && strncmp(aion_frame_info_get(&f, "lammps_origin"), "-1 2 0.5", 8) == 0);
    CHECK(strstr(notes, "skipped section 'Bonds'") != NULL);
    CHECK(strstr(notes, "skipped section 'Bond Coeffs'") != NULL);
    CHECK(strstr(notes, "inferred") == NULL); /* element names came from comments */
    aion_frame_free(&f);
}

static void test_data_mass_inference(void)
{
    aion_frame f, *fr;
    aion_error e;
    char notes[2048];
    int n;
    const char *p = test_file_with("m.data",
                                 "t\n3 atoms\n3 atom types\n0 10 xlo xhi\n0 10 ylo yhi\n0 10 zlo zhi\n\nMasses\n\n"
                                 "1 7.0\n2 30.97\n3 16.0\n\nAtoms\n\n1 1 1 1 1\n2 2 2 2 2\n3 3 3 3 3\n");
    aion_frame_init(&f);
    CHECK_OK(read_one_notes(p, AION_FMT_LAMMPS_DATA, &f, notes, sizeof notes));
    CHECK(f.n == 3 && f.z[0] == 3 && f.z[1] == 15 && f.z[2] == 8);
    CHECK(strstr(notes, "elements inferred from Masses: 1=Li (7), 2=P (30.97), 3=O (16)") != NULL);
    CHECK(strstr(notes, "no style comment: 5 columns read as atom style atomic") != NULL);
    CHECK(!(f.has & AION_HAS_IMAGE) && !(f.has & AION_HAS_CHARGE));
    aion_frame_free(&f);
    /* a caller's map wins over masses */
    {
        int tz[3] = {11, 15, 9};
        CHECK_OK(read_fmt(p, AION_FMT_LAMMPS_DATA, tz, 3, &fr, &n, &e));
        CHECK(n == 1 && fr[0].z[0] == 11 && fr[0].z[2] == 9);
        aion_frames_free(fr, n);
        CHECK(read_fmt(p, AION_FMT_LAMMPS_DATA, tz, 2, &fr, &n, &e) == AION_ERR_INVALID);
        CHECK(strstr(e.msg, "atom type 3 has no element in the type map") != NULL);
    }
    /* ambiguous mass (Ar 39.948 / Ca 40.078), and no element near 100.5 */
    p = test_file_with("amb.data", "t\n1 atoms\n1 atom types\n\nMasses\n\n1 40.0\n\nAtoms\n\n1 1 0 0 0\n");
    CHECK(read_fmt(p, AION_FMT_LAMMPS_DATA, NULL, 0, &fr, &n, &e) == AION_ERR_INVALID);
    CHECK(strstr(e.msg, "atom type 1: mass 40 matches more than one element") != NULL);
    p = test_file_with("none.data", "t\n1 atoms\n1 atom types\n\nMasses\n\n1 100.5\n\nAtoms\n\n1 1 0 0 0\n");
    CHECK(read_fmt(p, AION_FMT_LAMMPS_DATA, NULL, 0, &fr, &n, &e) == AION_ERR_INVALID);
    CHECK(strstr(e.msg, "matches no element") != NULL);
    /* no Masses at all */
    p = test_file_with("nomass.data", "t\n1 atoms\n1 atom types\n\nAtoms # atomic\n\n1 1 0 0 0\n");
    CHECK(read_fmt(p, AION_FMT_LAMMPS_DATA, NULL, 0, &fr, &n, &e) == AION_ERR_INVALID);
    CHECK(strstr(e.msg, "type map") != NULL);
}

static void test_data_full_style(void)
{
    aion_frame *fr;
    aion_error e;
    int n;
    const char *p = test_file_with("full.data",
                                 "t\n\n2 atoms\n1 atom types\n0 4 xlo xhi\n0 4 ylo yhi\n0 4 zlo zhi\n\nMasses\n\n1 "
                                 "15.999\n\nAtoms # full\n\n2 7 1 -0.8 1 2 3\n1 7 1 0.4 0.5 0.5 0.5\n");
    CHECK_OK(read_fmt(p, AION_FMT_LAMMPS_DATA, NULL, 0, &fr, &n, &e));
    CHECK(n == 1 && fr[0].n == 2);
    if (n == 1 && fr[0].n == 2) {
        CHECK_NEAR(fr[0].charge[0], 0.4, 0);
        CHECK_NEAR(fr[0].charge[1], -0.8, 0);
        CHECK_NEAR(fr[0].pos[1][2], 3.0, 0);
        CHECK(strcmp(aion_frame_info_get(&fr[0], "lammps_atom_style"), "full") == 0);
    }
    aion_frames_free(fr, n);
}

static void test_mgv2o5(void)
{
    aion_frame *fr;
    aion_error e;
    int n, cnt[3] = {0, 0, 0};
    static const int tz[3] = {12, 23, 8};
#define MGV "../shared/data/mgv2o5/amorphous-MgV2O5-96.lmp"
    if (access(MGV, R_OK) != 0) {
        printf("note: %s absent, MgV2O5 check skipped\n", MGV);
        return;
    }
    CHECK_OK(read_fmt(MGV, AION_FMT_AUTO, tz, 3, &fr, &n, &e));
    CHECK(n == 1);
    if (n != 1) return;
    CHECK(fr[0].n == 96);
    CHECK_NEAR(fr[0].cell[0][0], 8.80983, 1e-12);
    CHECK_NEAR(fr[0].cell[1][1], 10.766565, 1e-12);
    CHECK_NEAR(fr[0].cell[2][2], 11.60172, 1e-12);
    CHECK(fr[0].cell[1][0] == 0 && fr[0].cell[2][0] == 0 && fr[0].cell[2][1] == 0);
    for (int i = 0; i < fr[0].n; i++) {
        if (fr[0].z[i] == 12) cnt[0]++;
        if (fr[0].z[i] == 23) cnt[1]++;
        if (fr[0].z[i] == 8) cnt[2]++;
        CHECK(fr[0].id[i] == i + 1);
    }
    /* file: ids 1-12 type 1, 13-36 type 2? count and check stoichiometry Mg V2 O5 */
    CHECK(cnt[0] + cnt[1] + cnt[2] == 96);
    CHECK(cnt[1] == 2 * cnt[0] && cnt[2] == 5 * cnt[0]);
    CHECK_NEAR(fr[0].pos[0][0], 8.15056, 1e-12);
    CHECK_NEAR(fr[0].pos[95][2], 5.77534, 1e-12);
    aion_frames_free(fr, n);
    /* without a type map: no masses -> a clear error */
    CHECK(read_fmt(MGV, AION_FMT_AUTO, NULL, 0, &fr, &n, &e) == AION_ERR_INVALID);
    CHECK(strstr(e.msg, "type map") != NULL);
}

/* ---------------------------------------------------------------- writer */

static void random_rotation(unsigned long long *s, double q[3][3])
{
    /* Gram-Schmidt on random vectors, proper rotation */
    double a[3], b[3], c[3], na, nb;
    for (int k = 0; k < 3; k++) a[k] = test_rand(s) - 0.5, b[k] = test_rand(s) - 0.5;
    na = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    for (int k = 0; k < 3; k++) a[k] /= na;
    nb = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    for (int k = 0; k < 3; k++) b[k] -= nb * a[k];
    nb = sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
    for (int k = 0; k < 3; k++) b[k] /= nb;
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
    for (int k = 0; k < 3; k++) q[0][k] = a[k], q[1][k] = b[k], q[2][k] = c[k];
}

static void vm(const double v[3], const double m[3][3], double o[3])
{
    for (int k = 0; k < 3; k++) o[k] = v[0] * m[0][k] + v[1] * m[1][k] + v[2] * m[2][k];
}

static void make_frame(aion_frame *f, unsigned long long *s, int n, const double cell[3][3], int with_image)
{
    aion_frame_init(f);
    aion_frame_resize(f, n, AION_HAS_CELL | AION_HAS_VEL | AION_HAS_CHARGE | AION_HAS_FORCES | (with_image ? AION_HAS_IMAGE : 0));
    memcpy(f->cell, cell, sizeof f->cell);
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    for (int i = 0; i < n; i++) {
        double fr[3];
        for (int k = 0; k < 3; k++) fr[k] = test_rand(s) * 1.4 - 0.2; /* some outside the cell */
        vm(fr, f->cell, f->pos[i]);
        f->z[i] = (i % 3 == 0) ? 3 : (i % 3 == 1) ? 8 : 15;
        f->charge[i] = f->z[i] == 3 ? 1 : f->z[i] == 8 ? -2 : 5;
        for (int k = 0; k < 3; k++) {
            f->vel[i][k] = (test_rand(s) - 0.5) * 0.02;
            f->forces[i][k] = test_rand(s) - 0.5;
            if (with_image) f->image[i][k] = (int)floor(test_rand(s) * 5) - 2;
        }
    }
}

static void unwrapped(const aion_frame *f, int i, double u[3])
{
    for (int k = 0; k < 3; k++) {
        u[k] = f->pos[i][k];
        if (f->has & AION_HAS_IMAGE)
            for (int q = 0; q < 3; q++) u[k] += f->image[i][q] * f->cell[q][k];
    }
}

/* Written then read back: u' = u·Q with Q a proper rotation, the same for
 * positions, velocities, forces; Q from the cells (rows c' = c_used·Q). */
static void check_roundtrip(const aion_frame *f, const aion_frame *g, const double used_cell[3][3], int check_vec,
                            double tol)
{
    double inv[3][3], q[3][3], qqt[3][3], qt[3][3];
    CHECK(g->n == f->n);
    if (g->n != f->n) return;
    CHECK_OK(aion_cell_inverse(used_cell, inv));
    aion_matmul3(inv, g->cell, q);
    aion_transpose3(q, qt);
    aion_matmul3(q, qt, qqt);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) CHECK_NEAR(qqt[i][j], i == j, 1e-9);
    CHECK_NEAR(aion_det3(q), 1.0, 1e-9);
    /* lower-triangular, positive diagonal */
    CHECK(g->cell[0][1] == 0 && g->cell[0][2] == 0 && g->cell[1][2] == 0);
    CHECK(g->cell[0][0] > 0 && g->cell[1][1] > 0 && g->cell[2][2] > 0);
    for (int i = 0; i < f->n; i++) {
        double u[3], ur[3], v[3], s[3], gi[3][3];
        unwrapped(f, i, u);
        vm(u, q, ur);
        unwrapped(g, i, v);
        for (int k = 0; k < 3; k++) CHECK_NEAR(v[k], ur[k], tol);
        /* written positions are inside the box */
        CHECK_OK(aion_cell_inverse(g->cell, gi));
        vm(g->pos[i], gi, s);
        for (int k = 0; k < 3; k++) CHECK(s[k] >= -1e-12 && s[k] < 1 + 1e-12);
        CHECK(g->z[i] == f->z[i]);
        if (check_vec) {
            vm(f->vel[i], q, ur);
            for (int k = 0; k < 3; k++) CHECK_NEAR(g->vel[i][k], ur[k], 1e-15);
            if (g->has & AION_HAS_FORCES) {
                vm(f->forces[i], q, ur);
                for (int k = 0; k < 3; k++) CHECK_NEAR(g->forces[i][k], ur[k], 1e-12);
            }
        }
    }
}

static aion_status write_one(const char *path, const aion_frame *f, aion_format fmt, int style, const int *tz, int ntz)
{
    aion_write_opts o;
    aion_writer *w;
    aion_error e;
    aion_status st;
    aion_write_opts_init(&o);
    o.format = fmt;
    o.precision = 17;
    o.lammps_atom_style = style;
    o.type_z = tz;
    o.n_type_z = ntz;
    st = aion_writer_open(&w, path, &o, &e);
    if (st) return st;
    st = aion_writer_write(w, f);
    if (st) {
        aion_writer_abort(w);
        return st;
    }
    st = aion_writer_close(w, &e);
    if (st) fprintf(stderr, "close: %s\n", e.msg);
    return st;
}

static void test_data_write_roundtrip(void)
{
    unsigned long long s = 12345;
    aion_frame f, *fr;
    aion_error e;
    int n;
    /* 1: already a LAMMPS cell, with image flags: exact geometry */
    double c1[3][3] = {{9.0, 0, 0}, {1.2, 8.0, 0}, {-0.7, 2.1, 10.0}};
    make_frame(&f, &s, 30, c1, 1);
    CHECK_OK(write_one(test_path("w1.data"), &f, AION_FMT_LAMMPS_DATA, 1, NULL, 0));
    CHECK_OK(read_fmt(test_path("w1.data"), AION_FMT_LAMMPS_DATA, NULL, 0, &fr, &n, &e));
    CHECK(n == 1);
    if (n == 1) {
        check_roundtrip(&f, &fr[0], c1, 1, 1e-12);
        CHECK(memcmp(fr[0].cell, c1, sizeof c1) == 0);
        for (int i = 0; i < f.n; i++) CHECK_NEAR(fr[0].charge[i], f.charge[i], 0);
        CHECK(fr[0].has & AION_HAS_IMAGE);
        CHECK(!(fr[0].has & AION_HAS_FORCES));
        /* types by first appearance: Li O P */
        CHECK(fr[0].type[0] == 0 && fr[0].type[1] == 1 && fr[0].type[2] == 2);
    }
    aion_frames_free(fr, n);
    /* 2: rotated cell (not lower-triangular), without image flags */
    {
        double q[3][3], c2[3][3];
        random_rotation(&s, q);
        aion_matmul3(c1, q, c2);
        aion_frame_free(&f);
        make_frame(&f, &s, 25, c2, 0);
        CHECK_OK(write_one(test_path("w2.data"), &f, AION_FMT_LAMMPS_DATA, 0, NULL, 0));
        CHECK_OK(read_fmt(test_path("w2.data"), AION_FMT_LAMMPS_DATA, NULL, 0, &fr, &n, &e));
        CHECK(n == 1);
        if (n == 1) {
            check_roundtrip(&f, &fr[0], c2, 1, 1e-11);
            CHECK(!(fr[0].has & AION_HAS_CHARGE));
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) CHECK_NEAR(fr[0].cell[i][j], c1[i][j], 1e-12);
        }
        aion_frames_free(fr, n);
        /* 3: left-handed version of it (c -> -c; same lattice) */
        for (int k = 0; k < 3; k++) c2[2][k] = -c2[2][k];
        memcpy(f.cell, c2, sizeof c2);
        CHECK_OK(write_one(test_path("w3.data"), &f, AION_FMT_LAMMPS_DATA, 0, NULL, 0));
        CHECK_OK(read_fmt(test_path("w3.data"), AION_FMT_LAMMPS_DATA, NULL, 0, &fr, &n, &e));
        if (n == 1) {
            double flip[3][3];
            memcpy(flip, c2, sizeof flip);
            for (int k = 0; k < 3; k++) flip[2][k] = -flip[2][k];
            check_roundtrip(&f, &fr[0], flip, 1, 1e-11);
        }
        aion_frames_free(fr, n);
    }
    /* 4: tilts beyond half a box: reduced, same lattice and unwrapped positions */
    {
        double c4[3][3] = {{6.0, 0, 0}, {4.9, 7.0, 0}, {-4.0, 5.0, 8.0}};
        aion_frame_free(&f);
        make_frame(&f, &s, 20, c4, 1);
        CHECK_OK(write_one(test_path("w4.data"), &f, AION_FMT_LAMMPS_DATA, 0, NULL, 0));
        CHECK_OK(read_fmt(test_path("w4.data"), AION_FMT_LAMMPS_DATA, NULL, 0, &fr, &n, &e));
        if (n == 1) {
            aion_frame *g = &fr[0];
            double inv[3][3], m[3][3];
            CHECK(fabs(g->cell[1][0]) <= 3.0 && fabs(g->cell[2][0]) <= 3.0 && fabs(g->cell[2][1]) <= 3.5);
            /* new rows are integer combinations of the old ones, unimodular */
            CHECK_OK(aion_cell_inverse(c4, inv));
            aion_matmul3(g->cell, inv, m);
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) CHECK_NEAR(m[i][j], round(m[i][j]), 1e-12);
            CHECK_NEAR(fabs(aion_det3(m)), 1.0, 1e-12);
            for (int i = 0; i < f.n; i++) {
                double u[3], v[3];
                unwrapped(&f, i, u);
                unwrapped(g, i, v);
                for (int k = 0; k < 3; k++) CHECK_NEAR(u[k], v[k], 1e-11);
            }
        }
        aion_frames_free(fr, n);
    }
    /* 5: type order from the caller; elements not in it are an error */
    {
        static const int tz[3] = {8, 15, 3};
        CHECK_OK(write_one(test_path("w5.data"), &f, AION_FMT_LAMMPS_DATA, 0, tz, 3));
        CHECK_OK(read_fmt(test_path("w5.data"), AION_FMT_LAMMPS_DATA, NULL, 0, &fr, &n, &e));
        if (n == 1) {
            for (int i = 0; i < fr[0].n; i++) CHECK(fr[0].type[i] == (fr[0].z[i] == 8 ? 0 : fr[0].z[i] == 15 ? 1 : 2));
        }
        aion_frames_free(fr, n);
        CHECK(write_one(test_path("w6.data"), &f, AION_FMT_LAMMPS_DATA, 0, tz, 2) == AION_ERR_INVALID);
        CHECK(access(test_path("w6.data"), F_OK) != 0);
    }
    /* a second frame is refused */
    {
        aion_writer *w;
        aion_write_opts o;
        aion_write_opts_init(&o);
        CHECK_OK(aion_writer_open(&w, test_path("w7.data"), &o, &e));
        CHECK_OK(aion_writer_write(w, &f));
        CHECK(aion_writer_write(w, &f) == AION_ERR_UNSUPPORTED);
        CHECK(strstr(aion_writer_errmsg(w), "one structure") != NULL);
        aion_writer_abort(w);
    }
    aion_frame_free(&f);
}

/* ---------------------------------------------------------------- dumps */

static const char dump_text[] =
    "ITEM: TIMESTEP\n"
    "100\n"
    "ITEM: NUMBER OF ATOMS\n"
    "3\n"
    "ITEM: BOX BOUNDS xy xz yz pp pp pp\n"
    "-1.5 12.0 2.0\n"      /* xlo_bound xhi_bound xy */
    "0.0 9.0 -1.5\n"       /* ylo_bound yhi_bound xz */
    "1.0 11.0 1.0\n"       /* zlo zhi yz */
    "ITEM: ATOMS type x y z id element ix iy iz c_pe vx vy vz fx fy fz label\n"
    "2 1.0 2.0 3.0 7 O 0 1 -1 -0.5 1 2 3 0.1 0.2 0.3 a\n"
    "1 2.0 3.0 4.0 2 Li 0 0 0 -0.25 0 0 0 0 0 0 b\n"
    "2 3.0 4.0 5.0 5 O 1 0 0 0.75 -1 -2 -3 1 2 3 c\n"
    "ITEM: TIME\n"
    "0.25\n"
    "ITEM: TIMESTEP\n"
    "200\n"
    "ITEM: NUMBER OF ATOMS\n"
    "2\n"
    "ITEM: BOX BOUNDS pp pp ff\n"
    "0 10\n"
    "0 10\n"
    "-5 5\n"
    "ITEM: ATOMS id type xs ys zs\n"
    "2 1 0.5 0.25 0.5\n"
    "1 2 0.1 0.2 0.3\n"
    "ITEM: TIMESTEP\n"
    "300\n"
    "ITEM: NUMBER OF ATOMS\n"
    "2\n"
    "ITEM: BOX BOUNDS pp pp pp\n"
    "0 10\n"
    "0 10\n"
    "0 10\n"
    "ITEM: ATOMS id type xu yu zu ix iy iz\n"
    "1 1 12.5 -3.0 4.0 1 -1 0\n"
    "2 1 5.0 5.0 5.0 0 0 0\n";

static void test_dump_read(void)
{
    aion_frame *fr;
    aion_error e;
    int n;
    static const int tz[2] = {3, 8};
    const char *p = test_file_with("t.dump", dump_text);
    CHECK_OK(read_fmt(p, AION_FMT_AUTO, tz, 2, &fr, &n, &e));
    CHECK(n == 3);
    if (n != 3) return;
    /* frame 1: triclinic bounds -> xlo = -1.5 - min(0,2,-1.5,0.5) = 0, xhi = 12 - 2 = 10;
     * ylo = 0 - min(0,1) = 0, yhi = 9 - 1 = 8 */
    CHECK_NEAR(fr[0].cell[0][0], 10.0, 1e-15);
    CHECK_NEAR(fr[0].cell[1][0], 2.0, 0);
    CHECK_NEAR(fr[0].cell[1][1], 8.0, 1e-15);
    CHECK_NEAR(fr[0].cell[2][0], -1.5, 0);
    CHECK_NEAR(fr[0].cell[2][1], 1.0, 0);
    CHECK_NEAR(fr[0].cell[2][2], 10.0, 0);
    CHECK(fr[0].step == 100 && (fr[0].has & AION_HAS_STEP));
    CHECK(fr[0].n == 3 && fr[0].id[0] == 2 && fr[0].id[1] == 5 && fr[0].id[2] == 7);
    CHECK(fr[0].z[0] == 3 && fr[0].z[1] == 8 && fr[0].z[2] == 8);
    CHECK(fr[0].type[0] == 0 && fr[0].type[2] == 1);
    CHECK_NEAR(fr[0].pos[2][0], 1.0, 0);
    CHECK_NEAR(fr[0].pos[2][2], 2.0, 0); /* z - zlo */
    CHECK((fr[0].has & AION_HAS_IMAGE) && fr[0].image[2][1] == 1 && fr[0].image[2][2] == -1 && fr[0].image[1][0] == 1);
    CHECK_NEAR(fr[0].vel[2][1], 2e-3, 1e-18);
    CHECK_NEAR(fr[0].forces[1][2], 3.0, 0);
    {
        aion_column *c = aion_frame_column_get(&fr[0], "c_pe"), *l = aion_frame_column_get(&fr[0], "label");
        CHECK(c && c->kind == 'R' && c->d[0] == -0.25 && c->d[1] == 0.75 && c->d[2] == -0.5);
        CHECK(l && l->kind == 'S' && !strcmp(l->s[0], "b") && !strcmp(l->s[2], "a"));
    }
    CHECK(strcmp(aion_frame_info_get(&fr[0], "lammps_coords"), "wrapped") == 0);
    /* frame 2: time item, scaled coordinates, non-periodic z, types from the map */
    CHECK(fr[1].step == 200 && (fr[1].has & AION_HAS_TIME));
    CHECK_NEAR(fr[1].time_fs, 250.0, 1e-12);
    CHECK(fr[1].pbc[0] && fr[1].pbc[1] && !fr[1].pbc[2]);
    CHECK(fr[1].id[0] == 1 && fr[1].z[0] == 8 && fr[1].z[1] == 3);
    CHECK_NEAR(fr[1].pos[0][2], 3.0, 1e-14);
    CHECK_NEAR(fr[1].pos[1][1], 2.5, 1e-14);
    CHECK(!(fr[1].has & AION_HAS_IMAGE));
    /* frame 3: unwrapped coordinates as given; image flags kept as columns only */
    CHECK_NEAR(fr[2].pos[0][0], 12.5, 0);
    CHECK_NEAR(fr[2].pos[0][1], -3.0, 0);
    CHECK(!(fr[2].has & AION_HAS_IMAGE));
    CHECK(strcmp(aion_frame_info_get(&fr[2], "lammps_coords"), "unwrapped") == 0);
    {
        aion_column *c = aion_frame_column_get(&fr[2], "iy");
        CHECK(c && c->kind == 'I' && c->d[0] == -1);
    }
    aion_frames_free(fr, n);
    /* no element column and no map: error */
    CHECK(read_fmt(p, AION_FMT_AUTO, NULL, 0, &fr, &n, &e) == AION_ERR_INVALID);
    CHECK(strstr(e.msg, "no element column") != NULL);
}

static void test_dump_units_and_masses(void)
{
    aion_frame *fr;
    aion_error e;
    int n;
    char notes[1024];
    aion_frame f;
    const char *p = test_file_with("real.dump", "ITEM: UNITS\nreal\nITEM: TIME\n12.5\nITEM: TIMESTEP\n5\n"
                                              "ITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 5\n0 5\n0 5\n"
                                              "ITEM: ATOMS id mass x y z vx vy vz fx fy fz\n"
                                              "1 6.941 1 1 1 0.5 0 0 10 0 0\n2 15.9994 2 2 2 0 0 0 0 0 -1\n");
    CHECK_OK(read_fmt(p, AION_FMT_LAMMPS_DUMP, NULL, 0, &fr, &n, &e));
    CHECK(n == 1);
    if (n == 1) {
        CHECK(fr[0].z[0] == 3 && fr[0].z[1] == 8);
        CHECK_NEAR(fr[0].time_fs, 12.5, 0);            /* real: fs */
        CHECK_NEAR(fr[0].vel[0][0], 0.5, 0);            /* real: Å/fs */
        CHECK_NEAR(fr[0].forces[0][0], 0.433641043, 1e-12); /* kcal/mol/Å -> eV/Å */
        CHECK(!strcmp(aion_frame_info_get(&fr[0], "lammps_units"), "real"));
    }
    aion_frames_free(fr, n);
    aion_frame_init(&f);
    CHECK_OK(read_one_notes(p, AION_FMT_LAMMPS_DUMP, &f, notes, sizeof notes));
    CHECK(strstr(notes, "elements inferred from the mass column: Li (6.941), O (15.9994)") != NULL);
    aion_frame_free(&f);
}

static void test_dump_write_roundtrip(void)
{
    unsigned long long s = 777;
    aion_frame f[2], *fr;
    aion_error e;
    aion_writer *w;
    aion_write_opts o;
    int n;
    double q[3][3], c[3][3], c0[3][3] = {{8.0, 0, 0}, {-2.0, 9.0, 0}, {1.5, -1.0, 7.5}};
    random_rotation(&s, q);
    aion_matmul3(c0, q, c);
    make_frame(&f[0], &s, 17, c0, 1);
    make_frame(&f[1], &s, 17, c, 0);
    f[1].has |= AION_HAS_STEP | AION_HAS_TIME;
    f[1].step = 5000;
    f[1].time_fs = 10000.0;
    for (int fmt = 0; fmt < 2; fmt++) {
        aion_write_opts_init(&o);
        o.precision = 17;
        o.coords = fmt ? AION_COORDS_FRACTIONAL : AION_COORDS_DEFAULT;
        CHECK_OK(aion_writer_open(&w, test_path("w.lammpstrj"), &o, &e));
        CHECK_OK(aion_writer_write(w, &f[0]));
        CHECK_OK(aion_writer_write(w, &f[1]));
        CHECK_OK(aion_writer_close(w, &e));
        CHECK_OK(read_fmt(test_path("w.lammpstrj"), AION_FMT_AUTO, NULL, 0, &fr, &n, &e));
        CHECK(n == 2);
        if (n != 2) continue;
        check_roundtrip(&f[0], &fr[0], c0, 1, 1e-12);
        check_roundtrip(&f[1], &fr[1], c, 1, 1e-11);
        CHECK(fr[0].step == 0 && fr[1].step == 5000);
        CHECK_NEAR(fr[1].time_fs, 10000.0, 1e-9);
        CHECK(fr[0].has & AION_HAS_IMAGE);
        aion_frames_free(fr, n);
    }
    aion_frame_free(&f[0]);
    aion_frame_free(&f[1]);
}

/* ---------------------------------------------------------------- errors */

static void expect_error(const char *name, aion_format fmt, const char *text, const char *want)
{
    aion_frame *fr;
    aion_error e;
    int n;
    static const int tz[4] = {3, 8, 15, 1};
    const char *p = test_file_with(name, text);
    aion_status st = read_fmt(p, fmt, tz, 4, &fr, &n, &e);
    CHECK(st != AION_OK);
    if (st == AION_OK) {
        fprintf(stderr, "  %s: read without error, expected '%s'\n", name, want);
        aion_frames_free(fr, n);
        return;
    }
    if (!strstr(e.msg, want)) fprintf(stderr, "  %s: got '%s', expected '%s'\n", name, e.msg, want);
    CHECK(strstr(e.msg, want) != NULL);
    CHECK(strstr(e.msg, p) == e.msg); /* message starts with the path */
}

static void test_malformed(void)
{
    const aion_format D = AION_FMT_LAMMPS_DATA, U = AION_FMT_LAMMPS_DUMP;
    expect_error("e1", D, "", ":1: empty file");
    expect_error("e2", D, "t\n2 atoms\n1 atom types\n\nAtoms\n\n1 1 0 0 0\n", ":7: end of file in the Atoms section (1 of 2 atoms)");
    expect_error("e3", D, "t\n1 atoms\n1 atom types\n0 x xlo xhi\n", ":4: bad number in the xlo xhi line");
    expect_error("e4", D, "t\n1 atoms\n1 atom types\n5 1 xlo xhi\n", ":4: xlo xhi: the box is empty");
    expect_error("e5", D, "t\n1 atoms\n1 atom types\nfoo bar\n", ":4: unrecognised header line");
    expect_error("e6", D, "t\n1 atoms\n1 atom types\n\nAtoms\n\n1 2 0 0 0\n", ":7: atom 1: bad type '2'");
    expect_error("e7", D, "t\n2 atoms\n1 atom types\n\nAtoms\n\n1 1 0 0 0\n1 1 1 1 1\n", ":8: atom id 1 appears twice");
    expect_error("e8", D, "t\n1 atoms\n1 atom types\n\nAtoms # sphere\n\n1 1 1 0 0 0 0\n", ":5: atom style 'sphere' is not supported");
    expect_error("e9", D, "t\n1 atoms\n1 atom types\n\nAtoms # atomic\n\n1 1 0 0 0 0\n", ":7: atom style atomic has 5 or 8 columns, this line has 6");
    expect_error("e10", D, "t\n1 atoms\n1 atom types\n\nAtoms\n\n1 1 0 nan 0\n", ":7: atom 1: bad coordinate 'nan'");
    expect_error("e11", D, "t\n1 atoms\n1 atom types\n\nVelocities\n\n1 0 0 0\n", ":5: Velocities section before the Atoms section");
    expect_error("e12", D, "t\n1 atoms\n1 atom types\n\nAtoms\n\n1 1 0 0 0\n\nVelocities\n\n2 0 0 0\n", ":11: Velocities: atom id '2' is not");
    expect_error("e13", D, "t\n1 atoms\n2 atom types\n\nMasses\n\n1 1.0\nAtoms\n\n1 1 0 0 0\n", ":8: Masses section has 1 lines but the header says 2");
    expect_error("e14", D, "t\n1 atoms\n1 atom types\n\nMasses\n\n1 -1.0\n", ":7: bad mass '-1.0' for type 1");
    expect_error("e15", D, "t\n1 atoms\n1 atom types\n\n1 1 0 0 0\n", ":5: unrecognised header line");
    /* a header count far beyond the file is refused before allocating for it (fuzzing found 60M atoms -> 2 GB) */
    expect_error("e16", D, "t\n60000000 atoms\n1 atom types\n\nAtoms\n\n1 1 0 0 0\n",
                 ":5: the header's 60000000 atoms is absurd or the file is truncated");
    expect_error("e17", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n90000000\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\n"
                 "ITEM: ATOMS id type x y z\n1 1 0 0 0\n", ":9: NUMBER OF ATOMS 90000000 is absurd or the file is truncated");
    expect_error("e16", D, "t\n3 atoms\n1 atom types\n", "no Atoms section (the header says 3 atoms)");
    expect_error("e17", D, "t\n-3 atoms\n", ":2: bad count '-3'");
    expect_error("e18", D, "t\n99999999999 atoms\n", ":2: implausible number of atoms");
    expect_error("e19", D, "t\n1 atoms\n1 atom types\n\nAtoms # atomic\n\n1 1 0 0 0 1 1\n", ":7: atom style atomic has 5 or 8 columns");
    expect_error("e20", D, "t\n1 atoms\n1 atom types\n\nAtoms\n\n1 1 0 0 0 1.5 0 0\n", ":7: atom 1: bad image flag '1.5'");
    expect_error("u1", U, "hello\n", ":1: expected an 'ITEM:' line");
    expect_error("u2", U, "ITEM: TIMESTEP\nabc\n", ":2: bad timestep 'abc'");
    expect_error("u3", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n1\nITEM: ATOMS id x y z\n1 0 0 0\n", ":5: ITEM: ATOMS before ITEM: BOX BOUNDS");
    expect_error("u4", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n",
                 ":7: end of file after ITEM: BOX BOUNDS");
    expect_error("u5", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1 2\n",
                 ":8: BOX BOUNDS line must have 2 numbers");
    expect_error("u6", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\nITEM: ATOMS id type x y\n1 1 0 0\n",
                 ":9: incomplete coordinate columns (x y z needs all three)");
    expect_error("u7", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\nITEM: ATOMS id type x y z\n1 1 0 0 0\n",
                 ":10: end of file in ITEM: ATOMS (1 of 2 atoms)");
    expect_error("u8", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\nITEM: ATOMS id type x y z\n1 1 0 0\n",
                 ":10: atom line has 4 columns, ITEM: ATOMS names 5");
    expect_error("u9", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\nITEM: ATOMS id type x y z\n1 1 0 0 zz\n",
                 ":10: bad number 'zz' in column 'z'");
    expect_error("u10", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\nITEM: ATOMS id element x y z\n1 Qq 0 0 0\n",
                 ":10: unknown element 'Qq'");
    expect_error("u11", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n2\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\nITEM: ATOMS id type x y z\n1 1 0 0 0\n1 1 0 0 0\n",
                 ":11: atom id 1 appears twice in this snapshot");
    expect_error("u12", U, "ITEM: UNITS\nlj\n", ":2: LAMMPS units 'lj' are not supported");
    expect_error("u13", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\nITEM: ATOMS id type vx vy vz\n1 1 0 0 0\n",
                 ":9: no coordinate columns");
    expect_error("u14", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\nITEM: ATOMS id type x y z\n1 9 0 0 0\n",
                 "atom type 9 has no element in the type map");
    expect_error("u15", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n0 1\n0 1\n0 1\nITEM: ATOMS id type x y z\n1 1 0 0 0\nITEM: TIMESTEP\n",
                 ":11: end of file after ITEM: TIMESTEP");
    expect_error("u16", U, "ITEM: TIMESTEP\n1\nITEM: NUMBER OF ATOMS\n1\nITEM: BOX BOUNDS pp pp pp\n1 1\n0 1\n0 1\n",
                 ":8: BOX BOUNDS: empty box along x");
    expect_error("u17", U, "ITEM: FOO\n", ":1: unknown item 'ITEM: FOO'");
}

int main(void)
{
    test_tmpdir_make("lammps");
    TEST_RUN(test_data_read);
    TEST_RUN(test_data_mass_inference);
    TEST_RUN(test_data_full_style);
    TEST_RUN(test_mgv2o5);
    TEST_RUN(test_data_write_roundtrip);
    TEST_RUN(test_dump_read);
    TEST_RUN(test_dump_units_and_masses);
    TEST_RUN(test_dump_write_roundtrip);
    TEST_RUN(test_malformed);
    test_tmpdir_remove();
    return TEST_END();
}
