/*
 * Peer check against LAMMPS (`lmp`): LAMMPS builds a small random triclinic
 * system (box origin away from 0, atoms displaced across the boundaries so
 * that image flags are non-zero) and writes a data file and custom dumps
 * (wrapped, scaled and unwrapped coordinates, image flags, velocities,
 * sorted by descending id); aion must read the same cell, positions, image
 * flags and velocities from all of them. Then LAMMPS reads data files and a
 * dump that aion wrote (LAMMPS orientation, a rotated cell, a cell with
 * large tilts, charge style) and writes them out again; aion compares.
 * Skips (77) when lmp is not installed.
 */
#include "test.h"
#include "internal.h"

static char dir[64];

static int run_lmp(const char *script_name, const char *script)
{
    char path[256], cmd[512];
    FILE *fp;
    snprintf(path, sizeof path, "%s/%s", dir, script_name);
    fp = fopen(path, "w");
    if (!fp) return -1;
    fputs(script, fp);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "cd %s && lmp -in %s -log none -screen none -echo none >%s.out 2>&1", dir, script_name,
             script_name);
    if (system(cmd) != 0) {
        snprintf(cmd, sizeof cmd, "tail -5 %s/%s.out >&2", dir, script_name);
        if (system(cmd) != 0) fprintf(stderr, "lmp failed\n");
        return -1;
    }
    return 0;
}

static const char *P(const char *name)
{
    static char buf[8][256];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static int read1(const char *path, aion_format fmt, aion_frame *f)
{
    aion_read_opts o;
    aion_frame *fr;
    aion_error e;
    int n;
    aion_read_opts_init(&o);
    o.format = fmt;
    if (aion_read_all(path, &o, &fr, &n, &e) != AION_OK) {
        fprintf(stderr, "read %s: %s\n", path, e.msg);
        return -1;
    }
    if (n < 1) return -1;
    aion_frame_copy(f, &fr[0]);
    aion_frames_free(fr, n);
    return 0;
}

static int write1(const char *path, const aion_frame *f, int style)
{
    aion_write_opts o;
    aion_writer *w;
    aion_error e;
    aion_write_opts_init(&o);
    o.precision = 17;
    o.lammps_atom_style = style;
    if (aion_writer_open(&w, path, &o, &e)) return -1;
    if (aion_writer_write(w, f)) {
        fprintf(stderr, "%s\n", aion_writer_errmsg(w));
        aion_writer_abort(w);
        return -1;
    }
    return aion_writer_close(w, &e) ? -1 : 0;
}

static void vm(const double v[3], const double m[3][3], double o[3])
{
    double t[3];
    for (int k = 0; k < 3; k++) t[k] = v[0] * m[0][k] + v[1] * m[1][k] + v[2] * m[2][k];
    memcpy(o, t, sizeof t);
}

static void unwrapped(const aion_frame *f, int i, double u[3])
{
    for (int k = 0; k < 3; k++) {
        u[k] = f->pos[i][k];
        if (f->has & AION_HAS_IMAGE)
            for (int q = 0; q < 3; q++) u[k] += f->image[i][q] * f->cell[q][k];
    }
}

/* Same atoms (by index, both sorted by id), same unwrapped positions, velocities, cell. */
static void compare(const aion_frame *a, const aion_frame *b, double tol, const char *what)
{
    double du = 0, dv = 0, dc = 0;
    CHECK(a->n == b->n);
    if (a->n != b->n) return;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) dc = fmax(dc, fabs(a->cell[i][j] - b->cell[i][j]));
    for (int i = 0; i < a->n; i++) {
        double u[3], v[3];
        CHECK(a->id[i] == b->id[i] && a->z[i] == b->z[i]);
        unwrapped(a, i, u);
        unwrapped(b, i, v);
        for (int k = 0; k < 3; k++) du = fmax(du, fabs(u[k] - v[k]));
        if ((a->has & AION_HAS_VEL) && (b->has & AION_HAS_VEL))
            for (int k = 0; k < 3; k++) dv = fmax(dv, fabs(a->vel[i][k] - b->vel[i][k]));
    }
    printf("%-44s max |Δcell| %.2e Å, |Δunwrapped| %.2e Å, |Δv| %.2e Å/fs\n", what, dc, du, dv);
    CHECK(dc <= tol);
    CHECK(du <= tol);
    CHECK(dv <= tol * 1e-3);
}

static const char gen[] =
    "units metal\n"
    "atom_style atomic\n"
    "boundary p p p\n"
    "region box prism -2 8 1 12 -3 9 2.0 -1.5 1.0\n"
    "create_box 3 box\n"
    "create_atoms 1 random 20 12345 box\n"
    "create_atoms 2 random 10 2345 box\n"
    "create_atoms 3 random 10 345 box\n"
    "mass 1 6.94\n"
    "mass 2 30.973762\n"
    "mass 3 15.999\n"
    "velocity all create 300 4928459\n"
    "displace_atoms all random 8 8 8 1234\n"
    "pair_style zero 3.0\n"
    "pair_coeff * *\n"
    "run 0\n"
    "write_data peer.data\n"
    "write_dump all custom peer.dump id type element x y z ix iy iz xs ys zs xu yu zu vx vy vz "
    "modify sort -1 format float %20.16g element Li P O\n"
    "write_dump all custom peer_u.dump id element xsu ysu zsu modify format float %20.16g element Li P O\n"
    "print \"$(xlo:%.17g) $(xhi:%.17g) $(ylo:%.17g) $(yhi:%.17g) $(zlo:%.17g) $(zhi:%.17g) $(xy:%.17g) $(xz:%.17g) "
    "$(yz:%.17g)\" file box.txt\n";

static void test_lammps_writes_aion_reads(aion_frame *data)
{
    double b[9], lo[3];
    FILE *fp;
    aion_frame d, u;
    aion_frame_init(&d);
    aion_frame_init(&u);
    fp = fopen(P("box.txt"), "r");
    CHECK(fp != NULL);
    if (!fp) return;
    CHECK(fscanf(fp, "%lf %lf %lf %lf %lf %lf %lf %lf %lf", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7],
                 &b[8]) == 9);
    fclose(fp);
    lo[0] = b[0], lo[1] = b[2], lo[2] = b[4];
    CHECK_OK(read1(P("peer.data"), AION_FMT_LAMMPS_DATA, data));
    CHECK(data->n == 40);
    /* cell rows from LAMMPS' own box variables */
    CHECK_NEAR(data->cell[0][0], b[1] - b[0], 1e-14);
    CHECK_NEAR(data->cell[1][1], b[3] - b[2], 1e-14);
    CHECK_NEAR(data->cell[2][2], b[5] - b[4], 1e-14);
    CHECK_NEAR(data->cell[1][0], b[6], 1e-14);
    CHECK_NEAR(data->cell[2][0], b[7], 1e-14);
    CHECK_NEAR(data->cell[2][1], b[8], 1e-14);
    {
        int nz[3] = {0, 0, 0}, nimg = 0;
        for (int i = 0; i < data->n; i++) {
            nz[0] += data->z[i] == 3, nz[1] += data->z[i] == 15, nz[2] += data->z[i] == 8;
            nimg += data->image[i][0] != 0 || data->image[i][1] != 0 || data->image[i][2] != 0;
        }
        CHECK(nz[0] == 20 && nz[1] == 10 && nz[2] == 10); /* masses -> Li, P, O */
        CHECK(nimg > 10);                                 /* the test needs image flags */
        CHECK(data->has & AION_HAS_VEL);
    }
    /* the dump: same atoms (sorted back from descending ids) */
    CHECK_OK(read1(P("peer.dump"), AION_FMT_LAMMPS_DUMP, &d));
    compare(data, &d, 1e-12, "data file vs dump (x y z + ix iy iz)");
    if (d.n == data->n) {
        double e_s = 0, e_u = 0;
        aion_column *xs[3] = {aion_frame_column_get(&d, "xs"), aion_frame_column_get(&d, "ys"), aion_frame_column_get(&d, "zs")};
        aion_column *xu[3] = {aion_frame_column_get(&d, "xu"), aion_frame_column_get(&d, "yu"), aion_frame_column_get(&d, "zu")};
        CHECK(xs[0] && xs[1] && xs[2] && xu[0] && xu[1] && xu[2]);
        for (int i = 0; i < d.n && xs[2] && xu[2]; i++) {
            double s[3] = {xs[0]->d[i], xs[1]->d[i], xs[2]->d[i]}, r[3], uw[3];
            vm(s, d.cell, r);
            unwrapped(&d, i, uw);
            for (int k = 0; k < 3; k++) {
                e_s = fmax(e_s, fabs(r[k] - d.pos[i][k]));
                e_u = fmax(e_u, fabs(xu[k]->d[i] - lo[k] - uw[k]));
            }
        }
        printf("LAMMPS xs·cell vs x: %.2e Å, LAMMPS xu vs x + image·cell: %.2e Å\n", e_s, e_u);
        CHECK(e_s < 1e-12);
        CHECK(e_u < 1e-12);
    }
    /* unwrapped scaled coordinates only */
    CHECK_OK(read1(P("peer_u.dump"), AION_FMT_LAMMPS_DUMP, &u));
    CHECK(!(u.has & AION_HAS_IMAGE));
    compare(data, &u, 1e-12, "data file vs dump (xsu ysu zsu)");
    aion_frame_free(&d);
    aion_frame_free(&u);
}

static const char back_atomic[] = "units metal\natom_style atomic\nread_data in.data\nwrite_data out.data\n";
static const char back_charge[] = "units metal\natom_style charge\nread_data in.data\nwrite_data out.data\n";
static const char back_dump[] =
    "units metal\natom_style atomic\nread_data in.data\n"
    "read_dump in.dump 0 x y z vx vy vz ix iy iz box yes replace yes\n"
    "write_data out.data\n";

static void roundtrip(const aion_frame *src, const aion_frame *ref, int style, const char *what)
{
    aion_frame g;
    char cmd[512];
    aion_frame_init(&g);
    snprintf(cmd, sizeof cmd, "rm -f %s %s", P("in.data"), P("out.data"));
    if (system(cmd) != 0) return;
    CHECK_OK(write1(P("in.data"), src, style));
    CHECK_OK(run_lmp("in.back", style ? back_charge : back_atomic));
    CHECK_OK(read1(P("out.data"), AION_FMT_LAMMPS_DATA, &g));
    compare(ref, &g, 1e-9, what);
    if (style == 1 && g.n == src->n && (g.has & AION_HAS_CHARGE))
        for (int i = 0; i < g.n; i++) CHECK_NEAR(g.charge[i], src->charge[i], 1e-15);
    aion_frame_free(&g);
}

static void test_aion_writes_lammps_reads(const aion_frame *data)
{
    unsigned long long s = 99;
    aion_frame f, ref, g;
    aion_frame_init(&f);
    aion_frame_init(&ref);
    aion_frame_init(&g);
    if (data->n == 0) return;
    /* reference: the frame in LAMMPS form, as read from LAMMPS (origin 0) */
    aion_frame_copy(&ref, data);
    roundtrip(data, &ref, 0, "aion data -> LAMMPS -> data");
    /* charge style */
    aion_frame_copy(&f, data);
    aion_frame_resize(&f, f.n, AION_HAS_CHARGE);
    for (int i = 0; i < f.n; i++) f.charge[i] = f.z[i] == 3 ? 1.0 : f.z[i] == 15 ? 5.0 : -2.0 + 0.125 * (i % 3);
    roundtrip(&f, &ref, 1, "aion data (charge) -> LAMMPS -> data");
    /* rotated cell: rotate everything by a random rotation; LAMMPS orientation
     * must come back to the reference exactly (up to rounding) */
    {
        double a[3], b[3], c[3], q[3][3], n;
        for (int k = 0; k < 3; k++) a[k] = test_rand(&s) - 0.5, b[k] = test_rand(&s) - 0.5;
        n = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
        for (int k = 0; k < 3; k++) a[k] /= n;
        n = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        for (int k = 0; k < 3; k++) b[k] -= n * a[k];
        n = sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]);
        for (int k = 0; k < 3; k++) b[k] /= n;
        c[0] = a[1] * b[2] - a[2] * b[1], c[1] = a[2] * b[0] - a[0] * b[2], c[2] = a[0] * b[1] - a[1] * b[0];
        for (int k = 0; k < 3; k++) q[0][k] = a[k], q[1][k] = b[k], q[2][k] = c[k];
        aion_frame_copy(&f, data);
        for (int i = 0; i < f.n; i++) {
            vm(f.pos[i], q, f.pos[i]);
            vm(f.vel[i], q, f.vel[i]);
        }
        for (int k = 0; k < 3; k++) vm(f.cell[k], q, f.cell[k]);
        roundtrip(&f, &ref, 0, "rotated cell -> aion data -> LAMMPS -> data");
        /* and as a dump that LAMMPS reads with read_dump */
        {
            aion_write_opts o;
            aion_writer *w;
            aion_error e;
            aion_frame zero;
            aion_write_opts_init(&o);
            o.precision = 17;
            CHECK_OK(aion_writer_open(&w, P("in.dump"), &o, &e));
            CHECK_OK(aion_writer_write(w, &f));
            CHECK_OK(aion_writer_close(w, &e));
            /* the data file read before the dump has zero velocities and shifted atoms */
            aion_frame_init(&zero);
            aion_frame_copy(&zero, data);
            for (int i = 0; i < zero.n; i++)
                for (int k = 0; k < 3; k++) zero.vel[i][k] = 0, zero.pos[i][k] = 0.5 * zero.cell[k][k], zero.image[i][k] = 0;
            CHECK_OK(write1(P("in.data"), &zero, 0));
            CHECK_OK(run_lmp("in.dumpback", back_dump));
            CHECK_OK(read1(P("out.data"), AION_FMT_LAMMPS_DATA, &g));
            compare(&ref, &g, 1e-9, "rotated -> aion dump -> LAMMPS read_dump -> data");
            aion_frame_free(&zero);
        }
    }
    /* a cell with large tilts (b -> b + 2a, c -> c - a + b: the same lattice):
     * LAMMPS refuses such a box unless aion reduces it */
    aion_frame_copy(&f, data);
    for (int k = 0; k < 3; k++) {
        f.cell[2][k] += -f.cell[0][k] + f.cell[1][k];
        f.cell[1][k] += 2 * f.cell[0][k];
    }
    aion_frame_resize(&f, f.n, AION_HAS_IMAGE);
    for (int i = 0; i < f.n; i++) f.image[i][0] = f.image[i][1] = f.image[i][2] = 0; /* positions = unwrapped */
    for (int i = 0; i < f.n; i++) unwrapped(data, i, f.pos[i]);
    roundtrip(&f, &ref, 0, "large tilts -> aion data -> LAMMPS -> data");
    aion_frame_free(&f);
    aion_frame_free(&ref);
    aion_frame_free(&g);
}

int main(void)
{
    aion_frame data;
    if (system("command -v lmp >/dev/null 2>&1") != 0) TEST_SKIP("lmp (LAMMPS) not installed");
    snprintf(dir, sizeof dir, "/tmp/aion_lmp_peer_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    if (run_lmp("in.gen", gen) != 0) TEST_SKIP("lmp did not run the generator script");
    aion_frame_init(&data);
    test_lammps_writes_aion_reads(&data);
    test_aion_writes_lammps_reads(&data);
    aion_frame_free(&data);
    {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    }
    return TEST_END();
}
