/* Metal || glass interface builder (src/core/interface.c): bcc geometry by
 * brute-force neighbour counts, atom counts, plane spacings, lateral strain,
 * gap, whole PO4 units across the cut, extxyz round trip, bad input. */
#include "aion.h"
#include "test.h"

static double mic(double d, double L) { return d - L * nearbyint(d / L); }

static double dist(const aion_frame *f, int i, int j)
{
    double s = 0;
    for (int x = 0; x < 3; x++) {
        double d = mic(f->pos[j][x] - f->pos[i][x], f->cell[x][x]);
        s += d * d;
    }
    return sqrt(s);
}

/* A fake "glass": n PO4 tetrahedra (P–O 1.54 Å) and 3n Li on a jittered grid
 * in an orthorhombic cell; tetrahedra deliberately straddle the cell's c
 * boundary. */
static void make_glass(aion_frame *g, double Lx, double Ly, double Lz, int nunit, aion_rng *rng)
{
    const double t[4][3] = {{1, 1, 1}, {1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}};
    aion_frame_init(g);
    aion_frame_resize(g, 8 * nunit, AION_HAS_CELL);
    g->cell[0][0] = Lx, g->cell[1][1] = Ly, g->cell[2][2] = Lz;
    g->pbc[0] = g->pbc[1] = g->pbc[2] = 1;
    int m = 0;
    for (int u = 0; u < nunit; u++) {
        double c[3] = {Lx * aion_rng_uniform(rng), Ly * aion_rng_uniform(rng), Lz * (u + 0.5) / nunit + 0.3};
        if (u == 0) c[2] = 0.2; /* straddles z = 0 */
        g->z[m] = 15;
        for (int x = 0; x < 3; x++) g->pos[m][x] = c[x];
        m++;
        for (int k = 0; k < 4; k++, m++) {
            g->z[m] = 8;
            for (int x = 0; x < 3; x++) g->pos[m][x] = fmod(c[x] + 1.54 / sqrt(3.0) * t[k][x] + 10 * g->cell[x][x], g->cell[x][x]);
        }
        for (int k = 0; k < 3; k++, m++) {
            g->z[m] = 3;
            for (int x = 0; x < 3; x++) g->pos[m][x] = c[x] + (x == k ? 2.6 : 0.0) + (x == 2 ? 0.0 : 0.0);
            g->pos[m][2] = fmod(g->pos[m][2] + Lz, Lz);
        }
    }
}

static void test_bcc_bulk(void)
{
    /* periodic crystal from the slab generator: 8 neighbours at a√3/2 and 6 at a */
    for (int face = 100; face <= 110; face += 10) {
        aion_frame f;
        aion_error err;
        const double a = 3.44;
        aion_frame_init(&f);
        CHECK_OK(aion_build_bcc_slab(3, a, face, 3, face == 100 ? 3 : 4, 6, 0.0, &f, &err));
        CHECK(f.n == 3 * (face == 100 ? 3 : 4) * 6 * (face == 100 ? 1 : 2));
        /* the volume per atom is a³/2 */
        CHECK_NEAR(aion_frame_volume(&f) / f.n, a * a * a / 2, 1e-9);
        int bad = 0;
        for (int i = 0; i < f.n; i++) {
            int n1 = 0, n2 = 0, closer = 0;
            for (int j = 0; j < f.n; j++) {
                if (j == i) continue;
                double d = dist(&f, i, j);
                if (fabs(d - a * sqrt(3.0) / 2) < 1e-9) n1++;
                else if (fabs(d - a) < 1e-9) n2++;
                else if (d < a) closer++;
            }
            if (n1 != 8 || n2 != 6 || closer) bad++;
        }
        CHECK(bad == 0);
        aion_frame_free(&f);
    }
}

static void test_interface_geometry(void)
{
    aion_rng rng;
    aion_frame g, f, back;
    aion_error err;
    aion_interface_info info;
    aion_interface_opts o;
    aion_rng_seed(&rng, 5, 0);
    /* glass 13.9 x 10.2 Å: (100) fits 4 x 3 cells of 3.44 Å */
    make_glass(&g, 13.9, 10.2, 14.0, 8, &rng);
    for (int face = 100; face <= 110; face += 10)
        for (int vac = 0; vac <= 1; vac++) {
            aion_interface_opts_init(&o);
            o.face = face;
            o.layers = 7;
            o.gap_A = 2.3;
            o.vacuum_A = vac ? 12.0 : 0.0;
            o.max_strain = 0.08;
            aion_frame_init(&f);
            CHECK_OK(aion_build_interface(&g, &o, &f, &info, &err));
            if (test_case_failed_) {
                fprintf(stderr, "%s\n", err.msg);
                return;
            }
            double a = 3.44, d = face == 100 ? a / 2 : a / sqrt(2.0);
            int per = face == 100 ? 1 : 2;
            /* exact counts */
            CHECK(info.n_glass == g.n);
            CHECK(info.n_metal == info.rep[0] * info.rep[1] * 7 * per);
            CHECK(f.n == info.n_metal + g.n);
            CHECK_NEAR(info.spacing_A, d, 1e-12);
            /* lateral strain: glass length / (n p) - 1, the smallest over n */
            for (int x = 0; x < 2; x++) {
                double L = g.cell[x][x], p = info.period_A[x];
                CHECK_NEAR(info.strain[x], L / (info.rep[x] * p) - 1, 1e-12);
                for (int n = 1; n < 20; n++) CHECK(fabs(L / (n * p) - 1) >= fabs(info.strain[x]) - 1e-12);
                CHECK_NEAR(f.cell[x][x], L, 1e-12);
            }
            if (face == 100) CHECK(info.rep[0] == 4 && info.rep[1] == 3);
            /* metal planes: heights, spacing, atoms per plane */
            int per_plane = info.rep[0] * info.rep[1] * per, bad = 0;
            for (int i = 0; i < info.n_metal; i++) {
                int k = i / per_plane;
                if (fabs(f.pos[i][2] - (info.metal_z_A[0] + k * d)) > 1e-9) bad++;
            }
            CHECK(bad == 0);
            CHECK_NEAR(info.metal_z_A[1] - info.metal_z_A[0], 6 * d, 1e-9);
            /* nearest metal–metal distance within the slab: strained a√3/2 */
            double dmin = 1e9;
            for (int i = 0; i < info.n_metal; i++)
                for (int j = i + 1; j < info.n_metal; j++) dmin = fmin(dmin, dist(&f, i, j));
            double ex = a * (1 + info.strain[0]), ey = a * (1 + info.strain[1]);
            CHECK(dmin > 0.8 * a * sqrt(3.0) / 2 * fmin(1 + info.strain[0], 1 + info.strain[1]));
            (void)ex, (void)ey;
            /* gap: every metal–glass distance ≥ gap (periodic images), and
             * the reported minimum is the brute-force one */
            double mg = 1e9;
            for (int i = 0; i < info.n_metal; i++)
                for (int j = info.n_metal; j < f.n; j++) mg = fmin(mg, dist(&f, i, j));
            CHECK(mg >= o.gap_A - 1e-9);
            CHECK_NEAR(info.min_dist_A, mg, 1e-12);
            /* periodic stack: the lower interface (metal bottom vs glass top image) is exactly gap in z */
            if (!vac) {
                CHECK_NEAR(f.cell[2][2] - (info.glass_z_A[1] - info.metal_z_A[0]), o.gap_A, 1e-9);
                CHECK_NEAR(info.glass_z_A[0] - info.metal_z_A[1], o.gap_A, 1e-9);
            } else {
                CHECK_NEAR(f.cell[2][2] - (info.glass_z_A[1] - info.metal_z_A[0]), o.vacuum_A, 1e-9);
            }
            /* glass: species kept in order, lateral positions kept mod L,
             * whole PO4: every P has 4 O at 1.54 Å with the z difference
             * unwrapped (no bond crosses the metal) */
            int sp = 0, lat = 0, po = 0;
            for (int i = 0; i < g.n; i++) {
                int m = info.n_metal + i;
                sp += f.z[m] != g.z[i];
                for (int x = 0; x < 2; x++) lat += fabs(mic(f.pos[m][x] - g.pos[i][x], g.cell[x][x])) > 1e-9;
                if (g.z[i] == 15)
                    for (int k = 1; k <= 4; k++) {
                        double s = 0;
                        for (int x = 0; x < 3; x++) {
                            double dd = f.pos[m + k][x] - f.pos[m][x];
                            if (x < 2) dd = mic(dd, f.cell[x][x]);
                            s += dd * dd;
                        }
                        po += fabs(sqrt(s) - 1.54) < 1e-9;
                    }
            }
            CHECK(sp == 0);
            CHECK(lat == 0);
            if (po != 32) fprintf(stderr, "face %d vac %d: po %d whole %d\n", face, vac, po, info.units_whole);
            CHECK(po == 4 * 8);
            /* region column and fields */
            aion_column *rc = aion_frame_column_get(&f, "region");
            CHECK(rc && rc->kind == 'I');
            if (rc) {
                int wrong = 0;
                for (int i = 0; i < f.n; i++) wrong += (int)rc->d[i] != (i >= info.n_metal);
                CHECK(wrong == 0);
            }
            CHECK(aion_frame_info_get(&f, "interface_face") &&
                  !strcmp(aion_frame_info_get(&f, "interface_face"), face == 100 ? "bcc(100)" : "bcc(110)"));
            /* extxyz round trip */
            {
                char path[64];
                aion_writer *w;
                aion_frame *fr = NULL;
                int nf = 0;
                snprintf(path, sizeof path, "/tmp/aion-iface-%d.xyz", (int)getpid());
                CHECK_OK(aion_writer_open(&w, path, NULL, &err));
                CHECK_OK(aion_writer_write(w, &f));
                CHECK_OK(aion_writer_close(w, &err));
                CHECK_OK(aion_read_all(path, NULL, &fr, &nf, &err));
                CHECK(nf == 1);
                if (nf == 1) {
                    double dp = 0;
                    for (int i = 0; i < f.n; i++)
                        for (int x = 0; x < 3; x++) dp = fmax(dp, fabs(fr[0].pos[i][x] - f.pos[i][x]));
                    CHECK(dp == 0);
                    aion_column *r2 = aion_frame_column_get(&fr[0], "region");
                    CHECK(r2 && r2->kind == 'I' && r2->d[0] == 0 && r2->d[f.n - 1] == 1);
                    CHECK(aion_frame_info_get(&fr[0], "interface_strain_a") != NULL);
                }
                aion_frames_free(fr, nf);
                unlink(path);
            }
            aion_frame_free(&f);
        }
    (void)back;
    aion_frame_free(&g);
}

static void test_110_orientation(void)
{
    /* a glass of 6.88 x 9.73 Å fits the (110) cell a × a√2 (2 × 2) without strain
     * only in the swapped orientation; the builder must find it */
    aion_rng rng;
    aion_frame g, f;
    aion_error err;
    aion_interface_info info;
    aion_interface_opts o;
    aion_rng_seed(&rng, 7, 0);
    make_glass(&g, 2 * 3.44, 2 * 3.44 * sqrt(2.0), 12.0, 3, &rng);
    aion_interface_opts_init(&o);
    o.face = 110;
    o.layers = 4;
    aion_frame_init(&f);
    CHECK_OK(aion_build_interface(&g, &o, &f, &info, &err));
    CHECK(info.rep[0] == 2 && info.rep[1] == 2);
    CHECK_NEAR(info.period_A[0], 3.44, 1e-12);
    CHECK_NEAR(info.period_A[1], 3.44 * sqrt(2.0), 1e-12);
    CHECK_NEAR(info.strain[0], 0, 1e-12);
    CHECK_NEAR(info.strain[1], 0, 1e-12);
    CHECK(info.n_metal == 2 * 2 * 4 * 2);
    aion_frame_free(&f);
    aion_frame_free(&g);
}

static void test_whole_units(void)
{
    /* an O–P–O–P–O chain along c (bonds 1.6 Å) and Li filling the rest of the
     * height 0.8 Å apart: the widest empty interval is inside the chain, so
     * the cut goes through it; whole = 1 must move one end across, whole = 0
     * breaks one P–O bond */
    aion_frame c, f;
    aion_error err;
    aion_interface_opts o;
    aion_interface_info info;
    aion_frame_init(&c);
    aion_frame_init(&f);
    aion_frame_resize(&c, 5 + 6, AION_HAS_CELL);
    c.cell[0][0] = c.cell[1][1] = 6.88, c.cell[2][2] = 12.0;
    c.pbc[0] = c.pbc[1] = c.pbc[2] = 1;
    for (int i = 0; i < 5; i++) c.z[i] = i % 2 ? 15 : 8, c.pos[i][0] = c.pos[i][1] = 1, c.pos[i][2] = 1.6 * i;
    for (int i = 5; i < 11; i++) c.z[i] = 3, c.pos[i][0] = c.pos[i][1] = 4, c.pos[i][2] = 7.2 + 0.8 * (i - 5);
    for (int whole = 0; whole <= 1; whole++) {
        aion_interface_opts_init(&o);
        o.whole = whole;
        o.layers = 4;
        CHECK_OK(aion_build_interface(&c, &o, &f, &info, &err));
        int nb = 0;
        for (int i = 0; i < 4; i++) nb += fabs(fabs(f.pos[info.n_metal + i + 1][2] - f.pos[info.n_metal + i][2]) - 1.6) < 1e-9;
        CHECK(nb == (whole ? 4 : 3));
        CHECK(info.units_whole == whole);
        CHECK(info.min_dist_A >= o.gap_A - 1e-9);
    }
    aion_frame_free(&f);
    aion_frame_free(&c);
}

static void test_bad_input(void)
{
    aion_rng rng;
    aion_frame g, f;
    aion_error err;
    aion_interface_opts o;
    aion_rng_seed(&rng, 9, 0);
    make_glass(&g, 13.9, 10.2, 14.0, 4, &rng);
    aion_frame_init(&f);
#define BAD(stmt, word)                                                                   \
    do {                                                                                  \
        aion_interface_opts_init(&o);                                                     \
        stmt;                                                                             \
        err.msg[0] = 0;                                                                   \
        CHECK(aion_build_interface(&g, &o, &f, NULL, &err) == AION_ERR_INVALID);          \
        if (!strstr(err.msg, word)) fprintf(stderr, "message '%s' lacks '%s'\n", err.msg, word); \
        CHECK(strstr(err.msg, word) != NULL);                                             \
    } while (0)
    BAD(o.face = 111, "face");
    BAD(o.layers = 1, "layers");
    BAD(o.gap_A = 0, "gap");
    BAD(o.vacuum_A = -1, "vacuum");
    BAD(o.metal_z = 11, "lattice parameter");
    BAD(o.max_strain = 0.001, "strain");
    g.cell[1][0] = 1.0;
    BAD((void)0, "orthorhombic");
    g.cell[1][0] = 0.0;
    g.pbc[2] = 0;
    BAD((void)0, "periodic");
    g.pbc[2] = 1;
    /* a chain of bonded O–P along c across the whole cell percolates */
    {
        aion_frame c;
        aion_frame_init(&c);
        aion_frame_resize(&c, 4, AION_HAS_CELL);
        c.cell[0][0] = c.cell[1][1] = 8, c.cell[2][2] = 6.4;
        c.pbc[0] = c.pbc[1] = c.pbc[2] = 1;
        for (int i = 0; i < 4; i++) c.z[i] = i % 2 ? 8 : 15, c.pos[i][0] = c.pos[i][1] = 1, c.pos[i][2] = 1.6 * i;
        aion_interface_opts_init(&o);
        o.max_strain = 0.2;
        CHECK(aion_build_interface(&c, &o, &f, NULL, &err) == AION_ERR_INVALID);
        CHECK(strstr(err.msg, "percolates") != NULL);
        o.whole = 0;
        CHECK_OK(aion_build_interface(&c, &o, &f, NULL, &err));
        aion_frame_free(&c);
    }
    aion_frame_free(&f);
    aion_frame_free(&g);
}

int main(void)
{
    TEST_RUN(test_bcc_bulk);
    TEST_RUN(test_interface_geometry);
    TEST_RUN(test_110_orientation);
    TEST_RUN(test_whole_units);
    TEST_RUN(test_bad_input);
    return TEST_END();
}
