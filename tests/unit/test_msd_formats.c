/*
 * One trajectory (Li and O random walkers in a triclinic cell, wrapped into the
 * cell) written by hand as extended XYZ, LAMMPS dump with image flags (atoms
 * shuffled each frame, matched by id), LAMMPS dump without image flags
 * (minimum-image unwrapping) and XDATCAR (fractional, time from dt), each read
 * through aion_reader into aion_transport: the tracer MSDs must equal the MSD
 * of the known unwrapped path (drift off) and each other (framework drift).
 */
#include "aion.h"
#include "test.h"

#define N 24
#define T 150
static const double H[3][3] = {{11.0, 0, 0}, {1.5, 10.0, 0}, {-1.0, 0.8, 12.0}};

static double gauss(unsigned long long *s)
{
    double u1 = test_rand(s), u2 = test_rand(s);
    return sqrt(-2.0 * log(u1 + 1e-300)) * cos(2.0 * M_PI * u2);
}

static double path[N][T][3]; /* unwrapped Cartesian */

static void frac_of(const double r[3], double f[3])
{
    double inv[3][3];
    aion_cell_inverse(H, inv);
    for (int k = 0; k < 3; k++) f[k] = r[0] * inv[0][k] + r[1] * inv[1][k] + r[2] * inv[2][k];
}

static int isli(int i) { return i % 3 != 0; }

static void write_files(const char *dir)
{
    char p[512];
    unsigned long long s = 2024;
    for (int i = 0; i < N; i++) {
        double f0[3] = {test_rand(&s), test_rand(&s), test_rand(&s)};
        for (int k = 0; k < 3; k++) path[i][0][k] = f0[0] * H[0][k] + f0[1] * H[1][k] + f0[2] * H[2][k];
        for (int t = 1; t < T; t++)
            for (int k = 0; k < 3; k++) path[i][t][k] = path[i][t - 1][k] + (isli(i) ? 0.45 : 0.08) * gauss(&s);
    }
    FILE *xyz, *dimg, *dmin, *xd;
    snprintf(p, sizeof p, "%s/traj.xyz", dir);
    xyz = fopen(p, "w");
    snprintf(p, sizeof p, "%s/img.dump", dir);
    dimg = fopen(p, "w");
    snprintf(p, sizeof p, "%s/min.dump", dir);
    dmin = fopen(p, "w");
    snprintf(p, sizeof p, "%s/XDATCAR", dir);
    xd = fopen(p, "w");
    fprintf(xd, "random walkers\n1.0\n");
    for (int a = 0; a < 3; a++) fprintf(xd, " %.10f %.10f %.10f\n", H[a][0], H[a][1], H[a][2]);
    fprintf(xd, " O Li\n %d %d\n", N / 3, N - N / 3);
    const double xy = H[1][0], xz = H[2][0], yz = H[2][1];
    const double xlo_b = fmin(fmin(0, xy), fmin(xz, xy + xz)), xhi_b = H[0][0] + fmax(fmax(0, xy), fmax(xz, xy + xz));
    const double ylo_b = fmin(0, yz), yhi_b = H[1][1] + fmax(0, yz);
    int order[N];
    for (int i = 0; i < N; i++) order[i] = i;
    for (int t = 0; t < T; t++) {
        fprintf(xyz, "%d\nLattice=\"%.10f %.10f %.10f %.10f %.10f %.10f %.10f %.10f %.10f\" "
                     "Properties=species:S:1:pos:R:3 pbc=\"T T T\" Time=%.1f\n",
                N, H[0][0], H[0][1], H[0][2], H[1][0], H[1][1], H[1][2], H[2][0], H[2][1], H[2][2], 5.0 * t);
        for (int i = 0; i < N; i++) {
            double f[3], w[3];
            frac_of(path[i][t], f);
            for (int k = 0; k < 3; k++) f[k] -= floor(f[k]);
            for (int k = 0; k < 3; k++) w[k] = f[0] * H[0][k] + f[1] * H[1][k] + f[2] * H[2][k];
            fprintf(xyz, "%s %.10f %.10f %.10f\n", isli(i) ? "Li" : "O", w[0], w[1], w[2]);
        }
        /* dumps: shuffled rows */
        for (int i = N - 1; i > 0; i--) {
            int j = (int)(test_rand(&s) * (i + 1)) % (i + 1), tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (int pass = 0; pass < 2; pass++) {
            FILE *d = pass ? dmin : dimg;
            fprintf(d, "ITEM: TIMESTEP\n%d\nITEM: NUMBER OF ATOMS\n%d\nITEM: BOX BOUNDS xy xz yz pp pp pp\n", 10 * t, N);
            fprintf(d, "%.10f %.10f %.10f\n%.10f %.10f %.10f\n%.10f %.10f %.10f\n", xlo_b, xhi_b, xy, ylo_b, yhi_b, xz,
                    0.0, H[2][2], yz);
            fprintf(d, pass ? "ITEM: ATOMS id type x y z\n" : "ITEM: ATOMS id type x y z ix iy iz\n");
            for (int q = 0; q < N; q++) {
                int i = order[q];
                double f[3], w[3];
                int im[3];
                frac_of(path[i][t], f);
                for (int k = 0; k < 3; k++) {
                    im[k] = (int)floor(f[k]);
                    f[k] -= im[k];
                }
                for (int k = 0; k < 3; k++) w[k] = f[0] * H[0][k] + f[1] * H[1][k] + f[2] * H[2][k];
                if (pass)
                    fprintf(d, "%d %d %.10f %.10f %.10f\n", i + 1, isli(i) ? 1 : 2, w[0], w[1], w[2]);
                else
                    fprintf(d, "%d %d %.10f %.10f %.10f %d %d %d\n", i + 1, isli(i) ? 1 : 2, w[0], w[1], w[2], im[0],
                            im[1], im[2]);
            }
        }
        /* XDATCAR: species blocks O then Li, fractional */
        fprintf(xd, "Direct configuration= %d\n", t + 1);
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < N; i++) {
                if (isli(i) != pass) continue;
                double f[3];
                frac_of(path[i][t], f);
                for (int k = 0; k < 3; k++) f[k] -= floor(f[k]);
                fprintf(xd, "  %.12f %.12f %.12f\n", f[0], f[1], f[2]);
            }
    }
    fclose(xyz);
    fclose(dimg);
    fclose(dmin);
    fclose(xd);
}

/* Li MSD (x, y, z) from one file; 0 on success. */
static int msd_of(const char *file, aion_format fmt, aion_drift drift, double out[3][T], long *nframes)
{
    aion_read_opts ro;
    aion_read_opts_init(&ro);
    ro.format = fmt;
    int tz[2] = {3, 8};
    ro.type_z = tz;
    ro.n_type_z = 2;
    aion_reader *rd = NULL;
    aion_error e;
    if (aion_reader_open(&rd, file, &ro, &e)) {
        fprintf(stderr, "%s: %s\n", file, e.msg);
        return 1;
    }
    aion_transport_opts o;
    aion_transport_opts_init(&o);
    int sp[1] = {3};
    o.species_z = sp;
    o.n_species = 1;
    o.drift = drift;
    if (fmt == AION_FMT_LAMMPS_DUMP) o.step_fs = 0.5;
    else if (fmt == AION_FMT_XDATCAR) o.dt_fs = 5.0;
    aion_transport *tr = NULL;
    int rc = 1;
    if (aion_transport_create(&tr, &o, &e)) goto done;
    if (aion_transport_read(tr, rd) || aion_transport_finish(tr)) {
        fprintf(stderr, "%s: %s\n", file, aion_transport_errmsg(tr));
        goto done;
    }
    aion_msd_result m;
    if (aion_transport_msd(tr, 0, &m)) goto done;
    *nframes = m.n;
    if (m.n != T || fabs(m.dt_fs - 5.0) > 1e-9 || m.n_atoms != N - N / 3) goto done;
    for (int d = 0; d < 3; d++) memcpy(out[d], m.msd_dir[d], sizeof(double) * T);
    rc = 0;
done:
    aion_transport_free(tr);
    aion_reader_close(rd);
    return rc;
}

static void test_formats(void)
{
    char dir[] = "/tmp/aion-msdfmt-XXXXXX";
    if (!mkdtemp(dir)) return;
    write_files(dir);
    /* exact MSD of the Li paths */
    static double li[N][T][3], ex[3][T];
    int nl = 0;
    for (int i = 0; i < N; i++)
        if (isli(i)) memcpy(li[nl++], path[i], sizeof path[i]);
    double *ed[3] = {ex[0], ex[1], ex[2]};
    CHECK_OK(aion_msd_fft(&li[0][0][0], nl, T, ed, NULL));
    const char *names[4] = {"traj.xyz", "img.dump", "min.dump", "XDATCAR"};
    const aion_format fmts[4] = {AION_FMT_EXTXYZ, AION_FMT_LAMMPS_DUMP, AION_FMT_LAMMPS_DUMP, AION_FMT_XDATCAR};
    static double m[4][3][T], mf[4][3][T];
    for (int k = 0; k < 4; k++) {
        char p[600];
        long nf = 0;
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        CHECK(msd_of(p, fmts[k], AION_DRIFT_NONE, m[k], &nf) == 0);
        CHECK(msd_of(p, fmts[k], AION_DRIFT_FRAMEWORK, mf[k], &nf) == 0);
        double worst = 0, worstf = 0;
        for (int d = 0; d < 3; d++)
            for (long n = 1; n < T; n++) {
                worst = fmax(worst, fabs(m[k][d][n] - ex[d][n]) / ex[d][n]);
                worstf = fmax(worstf, fabs(mf[k][d][n] - mf[0][d][n]) / mf[0][d][n]);
            }
        printf("%-9s MSD vs exact unwrapped path: worst relative difference %.2g; with framework drift vs extxyz %.2g\n",
               names[k], worst, worstf);
        CHECK(worst < 1e-8);
        CHECK(worstf < 1e-8);
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        remove(p);
    }
    rmdir(dir);
    /* the walkers cross the cell: unwrapping mattered */
    CHECK(ex[0][T - 1] + ex[1][T - 1] + ex[2][T - 1] > 100.0);
}

int main(void)
{
    TEST_RUN(test_formats);
    return TEST_END();
}
