/* Extended XYZ: round trips, ASE conventions, malformed input, streaming. */
#include "test.h"
#include "internal.h"

#include <sys/stat.h>
#include <sys/wait.h>

static char tmpdir_[256];

static const char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int k;
    if (!tmpdir_[0]) {
        snprintf(tmpdir_, sizeof tmpdir_, "%s/aion-test-extxyz-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(tmpdir_)) {
            perror("mkdtemp");
            exit(1);
        }
    }
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir_, name);
    return buf[k];
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        perror(path);
        exit(1);
    }
    fputs(text, fp);
    fclose(fp);
}

/* Read every frame of text (as .xyz); returns the status of the first failure
 * (AION_OK if all frames read); msg gets the error, *nframes the count. */
static aion_status read_text(const char *text, aion_frame **frames, int *nframes, char *msg, size_t cap)
{
    aion_error err;
    aion_status st;
    const char *p = tmp_path("in.xyz");
    write_text(p, text);
    err.msg[0] = '\0';
    st = aion_read_all(p, NULL, frames, nframes, &err);
    if (msg) snprintf(msg, cap, "%s", st ? err.msg : "");
    return st;
}

static int bits_equal(const double *a, const double *b, long n)
{
    return memcmp(a, b, (size_t)n * sizeof *a) == 0;
}

/* ------------------------------------------------------------------ */

static void test_read_ase_conventions(void)
{
    const char *text =
        "3\n"
        "Lattice=\"5.0 0.0 0.0 1.0 6.0 0.0 0.5 0.5 7.0\" Properties=species:S:1:pos:R:3:forces:R:3:tag:I:1:note:S:1 "
        "energy=-12.5 stress=\"1 4 5 4 2 6 5 6 3\" pbc=\"T T F\" config_type=\"bulk melt\" weight=2 flag "
        "a = 1 Time=25.5 step=100\n"
        "li 0.0 0.0 0.0   0.1 0.2 0.3 7 x\n"
        "P  1.0 2.0 3.0  -0.1 -0.2 -0.3 8 y\n"
        "O  2.5 1.5e0 -1E-1  0 0 0 -9 zz\n";
    aion_frame *fs;
    int n;
    char msg[1024];
    CHECK_OK(read_text(text, &fs, &n, msg, sizeof msg));
    if (n != 1) {
        fprintf(stderr, "%s\n", msg);
        CHECK(n == 1);
        return;
    }
    aion_frame *f = &fs[0];
    CHECK(f->n == 3);
    CHECK(f->z[0] == 3 && f->z[1] == 15 && f->z[2] == 8);
    /* Lattice rows are a, b, c */
    CHECK(f->cell[1][0] == 1.0 && f->cell[1][1] == 6.0 && f->cell[2][0] == 0.5 && f->cell[2][2] == 7.0);
    CHECK((f->has & AION_HAS_CELL) && f->pbc[0] == 1 && f->pbc[1] == 1 && f->pbc[2] == 0);
    CHECK((f->has & AION_HAS_ENERGY) && f->energy == -12.5);
    /* Fortran order: M[i][j] = v[3j+i] (symmetric here, so diagonal/off-diagonal checks) */
    CHECK(f->stress[0][0] == 1 && f->stress[1][1] == 2 && f->stress[2][2] == 3);
    CHECK(f->stress[0][1] == 4 && f->stress[0][2] == 5 && f->stress[1][2] == 6);
    CHECK((f->has & AION_HAS_FORCES) && f->forces[1][2] == -0.3);
    CHECK(f->pos[2][1] == 1.5 && f->pos[2][2] == -0.1);
    CHECK((f->has & AION_HAS_TIME) && f->time_fs == 25.5 && (f->has & AION_HAS_STEP) && f->step == 100);
    CHECK(aion_frame_info_get(f, "config_type") && !strcmp(aion_frame_info_get(f, "config_type"), "bulk melt"));
    CHECK(aion_frame_info_get(f, "weight") && !strcmp(aion_frame_info_get(f, "weight"), "2"));
    CHECK(aion_frame_info_get(f, "flag") && !strcmp(aion_frame_info_get(f, "flag"), "T"));
    CHECK(aion_frame_info_get(f, "a") && !strcmp(aion_frame_info_get(f, "a"), "1"));
    CHECK(!aion_frame_info_get(f, "Time") && !aion_frame_info_get(f, "energy") && !aion_frame_info_get(f, "pbc"));
    aion_column *tag = aion_frame_column_get(f, "tag"), *note = aion_frame_column_get(f, "note");
    CHECK(tag && tag->kind == 'I' && tag->ncols == 1 && tag->d[2] == -9);
    CHECK(note && note->kind == 'S' && !strcmp(note->s[2], "zz"));
    aion_frames_free(fs, n);

    /* ASE tokenizer quirks: escapes, brace/bracket quotes, '=' in values, quoted keys */
    CHECK_OK(read_text("1\nk={1 2} j=[3,4] x=1=2 y=\"q r\"s t=a\\ b \"my key\"=v e=\"\" \nH 0 0 0\n", &fs, &n, msg,
                       sizeof msg));
    if (n == 1) {
        f = &fs[0];
        CHECK(!strcmp(aion_frame_info_get(f, "k"), "1 2"));
        CHECK(!strcmp(aion_frame_info_get(f, "j"), "3,4"));
        CHECK(!strcmp(aion_frame_info_get(f, "x"), "1=2"));
        CHECK(!strcmp(aion_frame_info_get(f, "y"), "q rs"));
        CHECK(!strcmp(aion_frame_info_get(f, "t"), "a b"));
        CHECK(aion_frame_info_get(f, "my key") && !strcmp(aion_frame_info_get(f, "my key"), "v"));
        CHECK(aion_frame_info_get(f, "e") && !strcmp(aion_frame_info_get(f, "e"), ""));
        CHECK(!(f->has & AION_HAS_CELL) && f->pbc[0] == 0);
        aion_frames_free(fs, n);
    }
    /* ASE: an empty quoted value swallows the next token (a="" b=1 -> a = "b=1") */
    CHECK_OK(read_text("1\na=\"\" b=1\nH 0 0 0\n", &fs, &n, msg, sizeof msg));
    if (n == 1) {
        CHECK(!strcmp(aion_frame_info_get(&fs[0], "a"), "b=1") && !aion_frame_info_get(&fs[0], "b"));
        aion_frames_free(fs, n);
    }
}

static void test_read_special_columns(void)
{
    /* Z wins over species (ASE); species as atomic numbers; X = unknown;
     * Voigt stress; virial -> stress = -W/V; momenta -> velocities; masses */
    const char *text = "3\n"
                       "Lattice=\"2 0 0 0 4 0 0 0 5\" Properties=species:S:1:pos:R:3:Z:I:1:masses:R:1:momenta:R:3:"
                       "initial_charges:R:1:energies:R:1:id:I:1:move_mask:L:3:image:I:3 "
                       "stress=\"1 2 3 4 5 6\" virial=\"40 0 0 0 80 0 0 0 120\"\n"
                       "H 0 0 0 3 7.0 7.0 0 0 1.5 -1.25 11 T T F 0 0 1\n"
                       "8 1 1 1 8 16.0 0 16 0 -2 0.5 12 F F F -1 0 0\n"
                       "X 1 1 1 0 2.0 0 0 2 0 0 13 T F T 0 2 0\n";
    aion_frame *fs;
    int n;
    char msg[1024];
    CHECK_OK(read_text(text, &fs, &n, msg, sizeof msg));
    if (n != 1) {
        fprintf(stderr, "%s\n", msg);
        CHECK(n == 1);
        return;
    }
    aion_frame *f = &fs[0];
    double t_fs = 1e5 * sqrt(1.66053906660e-27 / 1.602176634e-19); /* ASE time unit in fs */
    CHECK(f->z[0] == 3 && f->z[1] == 8 && f->z[2] == 0);
    /* Voigt xx yy zz yz xz xy */
    CHECK(f->stress[0][0] == 1 && f->stress[1][1] == 2 && f->stress[2][2] == 3);
    CHECK(f->stress[1][2] == 4 && f->stress[2][1] == 4 && f->stress[0][2] == 5 && f->stress[0][1] == 6);
    /* stress given, so the virial stays a free-form field */
    CHECK(aion_frame_info_get(f, "virial") != NULL);
    CHECK((f->has & AION_HAS_MASS) && f->mass[1] == 16.0);
    CHECK((f->has & AION_HAS_VEL));
    CHECK_NEAR(f->vel[0][0], 1.0 / t_fs, 1e-15);
    CHECK_NEAR(f->vel[1][1], 1.0 / t_fs, 1e-15);
    CHECK_NEAR(f->vel[2][2], 1.0 / t_fs, 1e-15);
    CHECK((f->has & AION_HAS_CHARGE) && f->charge[0] == 1.5 && f->charge[1] == -2);
    CHECK((f->has & AION_HAS_ATOM_ENERGY) && f->atom_energy[0] == -1.25 && f->atom_energy[1] == 0.5);
    CHECK((f->has & AION_HAS_ID) && f->id[2] == 13);
    CHECK((f->has & AION_HAS_FIXED) && f->fixed[0][0] == 0 && f->fixed[0][2] == 1 && f->fixed[1][1] == 1 &&
          f->fixed[2][1] == 1 && f->fixed[2][2] == 0);
    CHECK((f->has & AION_HAS_IMAGE) && f->image[0][2] == 1 && f->image[1][0] == -1 && f->image[2][1] == 2);
    CHECK(f->n_cols == 0);
    aion_frames_free(fs, n);

    /* virial alone: stress = -W/V, the field is consumed */
    CHECK_OK(read_text("1\nLattice=\"2 0 0 0 4 0 0 0 5\" virial=\"40 1 0 2 80 0 0 0 120\"\nH 0 0 0\n", &fs, &n, msg,
                       sizeof msg));
    if (n == 1) {
        f = &fs[0];
        CHECK(f->has & AION_HAS_STRESS);
        CHECK_NEAR(f->stress[0][0], -1.0, 1e-15);
        CHECK_NEAR(f->stress[2][2], -3.0, 1e-15);
        /* Fortran order: v[1] is W[1][0], v[3] is W[0][1] */
        CHECK_NEAR(f->stress[1][0], -1.0 / 40, 1e-15);
        CHECK_NEAR(f->stress[0][1], -2.0 / 40, 1e-15);
        CHECK(aion_frame_info_get(f, "virial") == NULL);
        aion_frames_free(fs, n);
    }

    /* plain XYZ: no keys, free-text comment, extra columns ignored with a note,
     * trailing blank lines, several frames with different sizes */
    CHECK_OK(read_text("2\nwater molecule\nO 0 0 0 9 9\nH 0.96 0 0 9 9\n1\n\nH 1 2 3\n\n\n", &fs, &n, msg, sizeof msg));
    CHECK(n == 2);
    if (n == 2) {
        CHECK(fs[0].n == 2 && fs[1].n == 1 && fs[1].pos[0][2] == 3.0 && fs[1].z[0] == 1);
        CHECK(!(fs[0].has & AION_HAS_CELL) && aion_frame_info_get(&fs[0], "water") != NULL);
        aion_frames_free(fs, n);
    }
}

/* A frame that uses everything the writer knows. */
static void make_rich_frame(aion_frame *f, int n, unsigned long long *seed)
{
    aion_frame_init(f);
    aion_frame_resize(f, n, AION_HAS_FORCES | AION_HAS_VEL | AION_HAS_MASS | AION_HAS_CHARGE | AION_HAS_ID |
                                AION_HAS_FIXED | AION_HAS_IMAGE | AION_HAS_ATOM_ENERGY);
    f->has |= AION_HAS_CELL | AION_HAS_ENERGY | AION_HAS_STRESS | AION_HAS_TIME | AION_HAS_STEP;
    double abc[3] = {9.1, 10.3, 11.7}, ang[3] = {78.0, 95.5, 112.25};
    aion_cell_from_params(abc, ang, f->cell);
    f->pbc[0] = 1, f->pbc[1] = 0, f->pbc[2] = 1;
    f->energy = -1234.567890123456789 * test_rand(seed);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) f->stress[i][j] = test_rand(seed) - 0.5; /* not symmetric: tests the order */
    f->time_fs = 1e-3 / 3.0;
    f->step = 123456789012L;
    for (int i = 0; i < n; i++) {
        f->z[i] = 1 + (int)(test_rand(seed) * 117.99);
        for (int k = 0; k < 3; k++) {
            f->pos[i][k] = 20 * test_rand(seed) - 5;
            f->forces[i][k] = (test_rand(seed) - 0.5) * 1e-3;
            f->vel[i][k] = (test_rand(seed) - 0.5) * 1e-2;
            f->fixed[i][k] = test_rand(seed) < 0.3;
            f->image[i][k] = (int)(test_rand(seed) * 7) - 3;
        }
        f->mass[i] = 1 + 200 * test_rand(seed);
        f->charge[i] = test_rand(seed) - 0.5;
        f->atom_energy[i] = -3 * test_rand(seed);
        f->id[i] = 1000 + i;
    }
    f->pos[0][0] = -0.0;
    f->pos[0][1] = 1e-300;
    f->pos[0][2] = 0.1;
    aion_frame_info_set(f, "config_type", "bulk melt");
    aion_frame_info_set(f, "quote", "say \"hi\" \\ back");
    aion_frame_info_set(f, "brackets", "{a} [b] c=d");
    aion_frame_info_set(f, "key with space", "1 2 3");
    aion_frame_info_set(f, "empty", "");
    aion_frame_info_set(f, "virial", "1 0 0 0 1 0 0 0 1");
    aion_frame_info_set(f, "last", "x");
    aion_column *c = aion_frame_column_add(f, "spin", 'R', 2);
    for (int i = 0; i < 2 * n; i++) c->d[i] = test_rand(seed) - 0.5;
    c = aion_frame_column_add(f, "cluster", 'I', 1);
    for (int i = 0; i < n; i++) c->d[i] = (double)(i % 5) - 2;
    c = aion_frame_column_add(f, "surface", 'L', 1);
    for (int i = 0; i < n; i++) c->d[i] = i % 2;
    c = aion_frame_column_add(f, "label", 'S', 1);
    for (int i = 0; i < n; i++) {
        char b[32];
        snprintf(b, sizeof b, "site_%d", i);
        c->s[i] = aion_strdup(b);
    }
}

static void check_frames_identical(const aion_frame *a, const aion_frame *b)
{
    CHECK(a->n == b->n);
    if (a->n != b->n) return;
    CHECK(a->has == b->has);
    CHECK(!memcmp(a->z, b->z, (size_t)a->n * sizeof *a->z));
    CHECK(bits_equal(&a->pos[0][0], &b->pos[0][0], 3L * a->n));
    CHECK(bits_equal(&a->cell[0][0], &b->cell[0][0], 9));
    CHECK(!memcmp(a->pbc, b->pbc, sizeof a->pbc));
    if (a->has & AION_HAS_ENERGY) CHECK(a->energy == b->energy);
    if (a->has & AION_HAS_STRESS) CHECK(bits_equal(&a->stress[0][0], &b->stress[0][0], 9));
    if (a->has & AION_HAS_TIME) CHECK(a->time_fs == b->time_fs);
    if (a->has & AION_HAS_STEP) CHECK(a->step == b->step);
    if (a->has & AION_HAS_FORCES) CHECK(bits_equal(&a->forces[0][0], &b->forces[0][0], 3L * a->n));
    if (a->has & AION_HAS_VEL) CHECK(bits_equal(&a->vel[0][0], &b->vel[0][0], 3L * a->n));
    if (a->has & AION_HAS_MASS) CHECK(bits_equal(a->mass, b->mass, a->n));
    if (a->has & AION_HAS_CHARGE) CHECK(bits_equal(a->charge, b->charge, a->n));
    if (a->has & AION_HAS_ATOM_ENERGY) CHECK(bits_equal(a->atom_energy, b->atom_energy, a->n));
    if (a->has & AION_HAS_ID) CHECK(!memcmp(a->id, b->id, (size_t)a->n * sizeof *a->id));
    if (a->has & AION_HAS_FIXED) CHECK(!memcmp(a->fixed, b->fixed, (size_t)a->n * sizeof *a->fixed));
    if (a->has & AION_HAS_IMAGE) CHECK(!memcmp(a->image, b->image, (size_t)a->n * sizeof *a->image));
    CHECK(a->n_info == b->n_info);
    for (int k = 0; k < a->n_info; k++) {
        const char *v = aion_frame_info_get(b, a->info[k].key);
        CHECK(v && !strcmp(v, a->info[k].value));
        if (!v || strcmp(v, a->info[k].value))
            fprintf(stderr, "  info '%s': '%s' vs '%s'\n", a->info[k].key, a->info[k].value, v ? v : "(missing)");
    }
    CHECK(a->n_cols == b->n_cols);
    for (int k = 0; k < a->n_cols; k++) {
        const aion_column *x = &a->cols[k], *y = aion_frame_column_get(b, x->name);
        CHECK(y && y->kind == x->kind && y->ncols == x->ncols);
        if (!y || y->kind != x->kind || y->ncols != x->ncols) continue;
        if (x->kind == 'S') {
            for (long q = 0; q < (long)a->n * x->ncols; q++) CHECK(!strcmp(x->s[q], y->s[q]));
        } else {
            CHECK(bits_equal(x->d, y->d, (long)a->n * x->ncols));
        }
    }
}

static void test_round_trip(void)
{
    unsigned long long seed = 42;
    aion_frame f[3], *back = NULL;
    aion_writer *w;
    aion_error err;
    int nback = 0;
    const char *p = tmp_path("rt.xyz");
    make_rich_frame(&f[0], 17, &seed);
    make_rich_frame(&f[1], 1, &seed);
    aion_frame_init(&f[2]); /* minimal: no cell, no data */
    aion_frame_resize(&f[2], 2, 0);
    f[2].z[0] = 0; /* unknown species -> "X" */
    f[2].z[1] = 118;
    f[2].pos[1][0] = 0.1 + 0.2;
    CHECK_OK(aion_writer_open(&w, p, NULL, &err));
    for (int k = 0; k < 3; k++) CHECK_OK(aion_writer_write(w, &f[k]));
    CHECK_OK(aion_writer_close(w, &err));
    CHECK_OK(aion_read_all(p, NULL, &back, &nback, &err));
    CHECK(nback == 3);
    if (nback == 3)
        for (int k = 0; k < 3; k++) check_frames_identical(&f[k], &back[k]);
    aion_frames_free(back, nback);

    /* reduced precision: values within the requested digits */
    aion_write_opts wo;
    aion_write_opts_init(&wo);
    wo.precision = 6;
    CHECK_OK(aion_writer_open(&w, p, &wo, &err));
    CHECK_OK(aion_writer_write(w, &f[0]));
    CHECK_OK(aion_writer_close(w, &err));
    CHECK_OK(aion_read_all(p, NULL, &back, &nback, &err));
    if (nback == 1) {
        for (int i = 0; i < f[0].n; i++)
            for (int k = 0; k < 3; k++) CHECK_REL(back[0].pos[i][k], f[0].pos[i][k], 1e-5, 1e-300);
        CHECK(back[0].pos[0][0] != f[0].pos[0][1] || 1);
    }
    aion_frames_free(back, nback);

    /* the writer refuses what it could not read back: two empty values (ASE's
     * grammar allows one, at the end of the line), a column named like a quantity the frame has */
    aion_frame_info_set(&f[1], "empty2", "");
    CHECK_OK(aion_writer_open(&w, p, NULL, &err));
    CHECK(aion_writer_write(w, &f[1]) == AION_ERR_INVALID);
    CHECK(strstr(aion_writer_errmsg(w), "empty") != NULL);
    aion_writer_abort(w);
    aion_frame_info_set(&f[1], "empty2", "x");
    aion_column *c = aion_frame_column_add(&f[1], "forces", 'R', 3);
    CHECK(c != NULL);
    CHECK_OK(aion_writer_open(&w, p, NULL, &err));
    CHECK(aion_writer_write(w, &f[1]) == AION_ERR_INVALID);
    CHECK(strstr(aion_writer_errmsg(w), "forces") != NULL);
    aion_writer_abort(w);
    for (int k = 0; k < 3; k++) aion_frame_free(&f[k]);
}

/* ------------------------------------------------------------------ errors */

static void expect_error(const char *text, aion_status code, int line, const char *what)
{
    aion_frame *fs = NULL;
    int n = 0;
    char msg[1024], want[64];
    aion_status st = read_text(text, &fs, &n, msg, sizeof msg);
    aion_frames_free(fs, n);
    CHECK(st == code);
    snprintf(want, sizeof want, "in.xyz:%d: ", line);
    CHECK(strstr(msg, want) != NULL);
    CHECK(strstr(msg, what) != NULL);
    if (st != code || !strstr(msg, want) || !strstr(msg, what))
        fprintf(stderr, "  expected [%s ... %s] (status %d), got status %d: %s\n", want, what, code, st, msg);
}

static void test_malformed(void)
{
    const char *ok2 = "2\nProperties=species:S:1:pos:R:3\nH 0 0 0\nH 0 0 1\n";
    (void)ok2;
    expect_error("3\n\nH 0 0 0\nH 0 0 1\n", AION_ERR_PARSE, 4, "truncated file");
    expect_error("2\n", AION_ERR_PARSE, 1, "no comment line");
    expect_error("1\n\nH 0 0 0\nH 1 1 1\n", AION_ERR_PARSE, 4, "expected the number of atoms");
    expect_error("3\n\nH 0 0 0\nH 0 0 1\n1\n\nH 0 0 0\n", AION_ERR_PARSE, 5, "next frame");
    expect_error("1\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 1 2\n", AION_ERR_PARSE, 3,
                 "line has 6 columns, Properties needs 7");
    expect_error("1\nProperties=species:S:1:pos:R:3\nH 0 0 0 1\n", AION_ERR_PARSE, 3, "line has 5 columns");
    expect_error("2\n\nH 0 0 0\nH 0 nan 0\n", AION_ERR_NUMERIC, 4, "NaN or infinite");
    expect_error("1\n\nH 0 0 inf\n", AION_ERR_NUMERIC, 3, "NaN or infinite");
    expect_error("1\n\nH 0 0 1.0.0\n", AION_ERR_PARSE, 3, "not a number");
    expect_error("1\nenergy=nan\nH 0 0 0\n", AION_ERR_NUMERIC, 2, "energy");
    expect_error("2\n\nH 0 0 0\nQq 0 0 0\n", AION_ERR_INVALID, 4, "unknown element 'Qq'");
    expect_error("1\n\nLi1 0 0 0\n", AION_ERR_INVALID, 3, "unknown element 'Li1'");
    expect_error("999999999\n\nH 0 0 0\n", AION_ERR_PARSE, 1, "absurd atom count");
    expect_error("100000\n\nH 0 0 0\n", AION_ERR_PARSE, 2, "absurd or the file is truncated");
    expect_error("-1\n\n", AION_ERR_PARSE, 1, "absurd atom count");
    expect_error("5000\n\nH 0 0 0\nH 0 0 1\n", AION_ERR_PARSE, 2, "5000 atoms need at least 40000 bytes");
    expect_error("abc\n\n", AION_ERR_PARSE, 1, "expected the number of atoms, found 'abc'");
    expect_error("1\nLattice=\"1 0 0 0 1 0 0 0\"\nH 0 0 0\n", AION_ERR_PARSE, 2, "malformed Lattice");
    expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 x\"\nH 0 0 0\n", AION_ERR_PARSE, 2, "malformed Lattice");
    expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 inf\"\nH 0 0 0\n", AION_ERR_NUMERIC, 2, "malformed Lattice");
    expect_error("1\nProperties=species:S:1:pos:R\nH 0 0 0\n", AION_ERR_PARSE, 2, "NAME:TYPE:NCOLS");
    expect_error("1\nProperties=species:S:1:pos:Q:3\nH 0 0 0\n", AION_ERR_PARSE, 2, "not R, I, S or L");
    expect_error("1\nProperties=species:S:1:pos:R:2\nH 0 0\n", AION_ERR_PARSE, 2, "'pos' must be R:3");
    expect_error("1\nProperties=species:S:1:pos:R:0\nH\n", AION_ERR_PARSE, 2, "column count");
    expect_error("1\nProperties=species:S:1:pos:R:3:pos:R:3\nH 0 0 0 0 0 0\n", AION_ERR_PARSE, 2, "appears twice");
    expect_error("1\nProperties=species:S:1:pos:R:3:force:R:3:forces:R:3\nH 0 0 0 0 0 0 0 0 0\n", AION_ERR_PARSE, 2,
                 "forces given twice");
    expect_error("1\nProperties=species:S:1:pos:R:3:forces:R:1:force:R:3\nH 0 0 0 0 0 0 0\n", AION_ERR_PARSE, 2,
                 "forces given twice");
    expect_error("1\nProperties=species:S:1\nH\n", AION_ERR_PARSE, 2, "no pos:R:3");
    expect_error("1\nstress=\"1 2 3 4 5\"\nH 0 0 0\n", AION_ERR_PARSE, 2, "malformed stress");
    expect_error("1\npbc=\"T T\"\nH 0 0 0\n", AION_ERR_PARSE, 2, "malformed pbc");
    expect_error("1\npbc=\"T T Q\"\nH 0 0 0\n", AION_ERR_PARSE, 2, "malformed pbc");
    expect_error("1\nProperties=species:S:1:pos:R:3:t:I:1\nH 0 0 0 1.5\n", AION_ERR_PARSE, 3, "not an integer");
    expect_error("1\nProperties=species:S:1:pos:R:3:t:L:1\nH 0 0 0 maybe\n", AION_ERR_PARSE, 3, "not a logical");
    expect_error("1\nProperties=species:S:1:pos:R:3:Z:I:1\nH 0 0 0 500\n", AION_ERR_PARSE, 3, "out of range");
    expect_error("1\nProperties=species:S:1:pos:R:3:momenta:R:3\nX 0 0 0 1 1 1\n", AION_ERR_INVALID, 3, "no mass");
    /* the second frame's error names its own line */
    expect_error("1\n\nH 0 0 0\n1\n\nH 0 0 x\n", AION_ERR_PARSE, 6, "not a number");
}

/* ------------------------------------------------------------------ streaming */

static void test_streaming(void)
{
    const char *p = tmp_path("many.xyz");
    const int nf = 3000;
    unsigned long long seed = 7;
    aion_writer *w;
    aion_reader *r;
    aion_error err;
    aion_frame f, g;
    int k = 0, ok = 1;
    aion_status st;
    aion_frame_init(&f);
    aion_frame_init(&g);
    CHECK_OK(aion_writer_open(&w, p, NULL, &err));
    for (int q = 0; q < nf; q++) {
        int n = 1 + q % 37;
        aion_frame_clear(&f);
        aion_frame_resize(&f, n, AION_HAS_FORCES);
        f.has |= AION_HAS_ENERGY | AION_HAS_CELL;
        f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
        f.cell[0][0] = f.cell[1][1] = f.cell[2][2] = 10 + q;
        f.energy = -q - 0.5;
        for (int i = 0; i < n; i++) {
            f.z[i] = 1 + (q + i) % 10;
            for (int c = 0; c < 3; c++) f.pos[i][c] = test_rand(&seed), f.forces[i][c] = q + i + c;
        }
        if (q % 2) aion_frame_info_set(&f, "odd", "yes");
        CHECK_OK(aion_writer_write(w, &f));
    }
    CHECK_OK(aion_writer_close(w, &err));
    CHECK_OK(aion_reader_open(&r, p, NULL, &err));
    seed = 7;
    while ((st = aion_reader_next(r, &g)) == AION_OK) {
        int n = 1 + k % 37;
        if (g.n != n || g.energy != -k - 0.5 || g.cell[1][1] != 10 + k || g.forces[n - 1][2] != k + n - 1 + 2 ||
            g.z[0] != 1 + k % 10 || (k % 2 ? !aion_frame_info_get(&g, "odd") : g.n_info != 0))
            ok = 0;
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 3; c++)
                if (g.pos[i][c] != test_rand(&seed)) ok = 0;
        k++;
    }
    CHECK(st == AION_EOF);
    CHECK(k == nf);
    CHECK(ok);
    CHECK(aion_reader_line(r) > nf * 3);
    aion_reader_close(r);
    aion_frame_free(&f);
    aion_frame_free(&g);
}

/* A pipe is not seekable: an absurd count must end in a clean "truncated"
 * error without allocating for all of it. */
static void test_pipe_absurd_count(void)
{
    const char *fifo = tmp_path("fifo.xyz");
    aion_read_opts ro;
    aion_reader *r;
    aion_error err;
    aion_frame f;
    pid_t pid;
    aion_status st;
    unlink(fifo);
    if (mkfifo(fifo, 0600) != 0) TEST_SKIP("mkfifo failed");
    pid = fork();
    if (pid == 0) {
        FILE *fp = fopen(fifo, "w");
        if (!fp) _exit(1);
        fputs("2\n\nH 0 0 0\nH 0 0 1\n50000000\n\nH 0 0 0\nH 1 1 1\n", fp);
        fclose(fp);
        _exit(0);
    }
    aion_read_opts_init(&ro);
    ro.format = AION_FMT_EXTXYZ;
    aion_frame_init(&f);
    CHECK_OK(aion_reader_open(&r, fifo, &ro, &err));
    CHECK_OK(aion_reader_next(r, &f));
    CHECK(f.n == 2);
    st = aion_reader_next(r, &f);
    CHECK(st == AION_ERR_PARSE);
    CHECK(strstr(aion_reader_errmsg(r), "truncated file") != NULL);
    CHECK(strstr(aion_reader_errmsg(r), "fifo.xyz:8:") != NULL);
    CHECK(f.n <= (1 << 20));
    aion_reader_close(r);
    aion_frame_free(&f);
    waitpid(pid, NULL, 0);
    unlink(fifo);
}

int main(void)
{
    TEST_RUN(test_read_ase_conventions);
    TEST_RUN(test_read_special_columns);
    TEST_RUN(test_round_trip);
    TEST_RUN(test_malformed);
    TEST_RUN(test_streaming);
    TEST_RUN(test_pipe_absurd_count);
    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir_);
        if (tmpdir_[0] && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir_);
    }
    return TEST_END();
}
