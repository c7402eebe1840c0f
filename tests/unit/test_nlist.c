/*
 * Neighbour lists against brute force: every pair (i, j, S) with
 * |r_j + S·cell - r_i| below the cutoff, enumerated over all images S, on
 * random triclinic cells (skewed, tiny, cutoff beyond the cell), mixed and no
 * periodicity, unwrapped positions; half and full lists; the Verlet-skin
 * refresh path, rebuild triggers, strain, thread-count independence, errors.
 */
#include "test.h"
#include "internal.h"
#include "neighbor/nlist.h"

typedef struct key {
    int i, j, s[3];
    double d[3];
} key;

static int key_cmp(const void *pa, const void *pb)
{
    const key *a = pa, *b = pb;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    if (a->j != b->j) return a->j < b->j ? -1 : 1;
    for (int k = 0; k < 3; k++)
        if (a->s[k] != b->s[k]) return a->s[k] < b->s[k] ? -1 : 1;
    return 0;
}

typedef struct keys {
    key *v;
    size_t n, cap;
} keys;

static void keys_push(keys *ks, key k)
{
    if (ks->n == ks->cap) {
        ks->cap = ks->cap ? 2 * ks->cap : 256;
        ks->v = realloc(ks->v, ks->cap * sizeof *ks->v);
        if (!ks->v) abort();
    }
    ks->v[ks->n++] = k;
}

static int img_pos(const int s[3])
{
    if (s[0]) return s[0] > 0;
    if (s[1]) return s[1] > 0;
    return s[2] > 0;
}

/* Cell used by brute force: the frame's cell with non-periodic rows replaced
 * by something non-singular (they carry no images anyway). */
static void brute_cell(const aion_frame *f, int per[3], double H[3][3])
{
    for (int k = 0; k < 3; k++) per[k] = (f->has & AION_HAS_CELL) && f->pbc[k];
    memset(H, 0, 9 * sizeof(double));
    for (int k = 0; k < 3; k++) {
        if (per[k])
            memcpy(H[k], f->cell[k], sizeof H[k]);
        else
            H[k][k] = 1.0;
    }
    if (fabs(aion_det3((const double(*)[3])H)) < 1e-6) {
        /* e.g. pbc along a only with the unit row parallel: orthogonalise */
        for (int k = 0; k < 3; k++)
            if (!per[k]) {
                int p = (k + 1) % 3, q = (k + 2) % 3;
                double c[3] = {H[p][1] * H[q][2] - H[p][2] * H[q][1], H[p][2] * H[q][0] - H[p][0] * H[q][2],
                               H[p][0] * H[q][1] - H[p][1] * H[q][0]};
                double l = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
                if (l > 0)
                    for (int c2 = 0; c2 < 3; c2++) H[k][c2] = c[c2] / l;
            }
    }
}

/* All (i, j, S) within rcut, brute force, canonical for half lists. */
static void brute(const aion_frame *f, double rcut, int full, keys *out)
{
    int per[3];
    double H[3][3], inv[3][3], W[3];
    brute_cell(f, per, H);
    if (aion_cell_inverse((const double(*)[3])H, inv)) abort();
    aion_cell_widths((const double(*)[3])H, W);
    out->n = 0;
    for (int i = 0; i < f->n; i++)
        for (int j = 0; j < f->n; j++) {
            if (!full && j < i) continue;
            double r[3], ds[3];
            int lo[3], hi[3];
            for (int c = 0; c < 3; c++) r[c] = f->pos[j][c] - f->pos[i][c];
            for (int k = 0; k < 3; k++) ds[k] = r[0] * inv[0][k] + r[1] * inv[1][k] + r[2] * inv[2][k];
            for (int k = 0; k < 3; k++) {
                if (per[k]) {
                    lo[k] = (int)floor(-ds[k] - rcut / W[k]) - 1;
                    hi[k] = (int)ceil(-ds[k] + rcut / W[k]) + 1;
                } else {
                    lo[k] = hi[k] = 0;
                }
            }
            for (int a = lo[0]; a <= hi[0]; a++)
                for (int b = lo[1]; b <= hi[1]; b++)
                    for (int c = lo[2]; c <= hi[2]; c++) {
                        key k = {i, j, {a, b, c}, {0, 0, 0}};
                        if (i == j && !a && !b && !c) continue;
                        if (!full && i == j && !img_pos(k.s)) continue;
                        double d2 = 0;
                        for (int e = 0; e < 3; e++) {
                            k.d[e] = r[e] + a * H[0][e] + b * H[1][e] + c * H[2][e];
                            d2 += k.d[e] * k.d[e];
                        }
                        if (d2 < rcut * rcut) keys_push(out, k);
                    }
        }
    if (out->n) qsort(out->v, out->n, sizeof *out->v, key_cmp);
}

/* List entries with |d| < rcut as keys; checks d against the frame (true pair
 * vector) and that every entry lies within cutoff+skin of the build. Returns
 * the number of inconsistent entries. */
static int from_list(const aion_nlist *nl, const aion_frame *f, double rcut, keys *out)
{
    int per[3], bad = 0;
    double H[3][3], inv[3][3];
    brute_cell(f, per, H);
    if (aion_cell_inverse((const double(*)[3])H, inv)) abort();
    out->n = 0;
    if (aion_nlist_total_pairs(nl) < 0) bad++;
    long tot = 0;
    for (int i = 0; i < f->n; i++) {
        int cnt = aion_nlist_count(nl, i);
        tot += cnt;
        for (int k = 0; k < cnt; k++) {
            key e;
            double r[3], s[3];
            if (aion_nlist_get(nl, i, k, &e.j, e.d) != AION_OK) {
                bad++;
                continue;
            }
            e.i = i;
            if (e.j < 0 || e.j >= f->n) {
                bad++;
                continue;
            }
            for (int c = 0; c < 3; c++) r[c] = e.d[c] - (f->pos[e.j][c] - f->pos[i][c]);
            for (int c = 0; c < 3; c++) s[c] = r[0] * inv[0][c] + r[1] * inv[1][c] + r[2] * inv[2][c];
            for (int c = 0; c < 3; c++) {
                e.s[c] = (int)lround(s[c]);
                if (fabs(s[c] - e.s[c]) > 1e-6 || (!per[c] && e.s[c] != 0)) bad++;
            }
            /* d reproduces r_j + S·H - r_i */
            double scale = 1.0;
            for (int c = 0; c < 3; c++) scale = fmax(scale, fabs(f->pos[e.j][c]) + fabs(f->pos[i][c]));
            for (int c = 0; c < 3; c++) {
                double want = f->pos[e.j][c] - f->pos[i][c] + e.s[0] * H[0][c] + e.s[1] * H[1][c] + e.s[2] * H[2][c];
                if (fabs(want - e.d[c]) > 1e-10 * scale) bad++;
            }
            double d2 = e.d[0] * e.d[0] + e.d[1] * e.d[1] + e.d[2] * e.d[2];
            if (d2 < rcut * rcut) keys_push(out, e);
        }
        if (aion_nlist_get(nl, i, cnt, NULL, NULL) == AION_OK) bad++;
    }
    if (tot != aion_nlist_total_pairs(nl)) bad++;
    if (out->n) qsort(out->v, out->n, sizeof *out->v, key_cmp);
    for (size_t q = 1; q < out->n; q++)
        if (key_cmp(&out->v[q - 1], &out->v[q]) == 0) bad++; /* duplicate */
    return bad;
}

static int same_keys(const keys *a, const keys *b)
{
    if (a->n != b->n) {
        fprintf(stderr, "  pair count %zu (list) vs %zu (brute force)\n", a->n, b->n);
        size_t p = 0, q = 0;
        int shown = 0;
        while ((p < a->n || q < b->n) && shown < 5) {
            int c = p == a->n ? 1 : q == b->n ? -1 : key_cmp(&a->v[p], &b->v[q]);
            if (c == 0) {
                p++, q++;
                continue;
            }
            const key *k = c < 0 ? &a->v[p++] : &b->v[q++];
            fprintf(stderr, "  only in %s: (%d,%d,%d %d %d) |d| %.12g\n", c < 0 ? "list" : "brute force", k->i, k->j,
                    k->s[0], k->s[1], k->s[2], sqrt(k->d[0] * k->d[0] + k->d[1] * k->d[1] + k->d[2] * k->d[2]));
            shown++;
        }
        return 0;
    }
    for (size_t q = 0; q < a->n; q++)
        if (key_cmp(&a->v[q], &b->v[q])) {
            fprintf(stderr, "  first difference at %zu: (%d,%d,%d %d %d) vs (%d,%d,%d %d %d)\n", q, a->v[q].i,
                    a->v[q].j, a->v[q].s[0], a->v[q].s[1], a->v[q].s[2], b->v[q].i, b->v[q].j, b->v[q].s[0],
                    b->v[q].s[1], b->v[q].s[2]);
            return 0;
        }
    return 1;
}

/* Compare list and brute force for cutoff rcut (all pairs below rcut must be
 * in the list exactly once). */
static int check_list(const aion_nlist *nl, const aion_frame *f, double rcut)
{
    keys a = {0}, b = {0};
    int bad = from_list(nl, f, rcut, &a);
    brute(f, rcut, nl->full, &b);
    int ok = bad == 0 && same_keys(&a, &b);
    if (bad) fprintf(stderr, "  %d inconsistent list entries\n", bad);
    free(a.v);
    free(b.v);
    return ok;
}

static void random_frame(aion_frame *f, int n, const double H[3][3], const int pbc[3], int has_cell, double spread,
                         unsigned long long *seed)
{
    aion_frame_free(f);
    if (aion_frame_resize(f, n, has_cell ? AION_HAS_CELL : 0)) abort();
    memcpy(f->cell, H, sizeof f->cell);
    memcpy(f->pbc, pbc, sizeof f->pbc);
    for (int i = 0; i < n; i++) {
        double s[3];
        for (int k = 0; k < 3; k++) s[k] = spread * (2.0 * test_rand(seed) - 1.0) + 0.5;
        for (int c = 0; c < 3; c++) f->pos[i][c] = s[0] * H[0][c] + s[1] * H[1][c] + s[2] * H[2][c];
    }
}

static void random_cell(double H[3][3], double L, double skew, unsigned long long *seed)
{
    for (;;) {
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) H[a][b] = L * ((a == b) + skew * (2.0 * test_rand(seed) - 1.0));
        if (aion_det3((const double(*)[3])H) > 0.05 * L * L * L) return;
    }
}

static int build_and_check(aion_frame *f, double cutoff, double skin, int full)
{
    aion_nlist *nl = NULL;
    aion_nlist_opts o = {cutoff, skin, full};
    aion_error err;
    int ok = 0;
    if (aion_nlist_create(&nl, &o, &err)) return 0;
    if (aion_nlist_update(nl, f) == AION_OK) ok = check_list(nl, f, cutoff + skin);
    else fprintf(stderr, "  update failed: %s\n", aion_nlist_errmsg(nl));
    aion_nlist_free(nl);
    return ok;
}

static const int PBC3[3] = {1, 1, 1};

static void test_random_triclinic(void)
{
    unsigned long long seed = 12345;
    aion_frame f;
    aion_frame_init(&f);
    for (int rep = 0; rep < 6; rep++) {
        double H[3][3];
        random_cell(H, 8.0 + 4.0 * test_rand(&seed), 0.3, &seed);
        random_frame(&f, 40, (const double(*)[3])H, PBC3, 1, 0.5, &seed);
        for (int full = 0; full <= 1; full++) {
            CHECK(build_and_check(&f, 3.5, 0.0, full));
            CHECK(build_and_check(&f, 2.5, 1.0, full));
        }
    }
    aion_frame_free(&f);
}

static void test_skewed(void)
{
    unsigned long long seed = 777;
    aion_frame f;
    aion_frame_init(&f);
    /* strongly tilted cells (tilt factors several times the box length) */
    double cells[3][3][3] = {
        {{6, 0, 0}, {20, 5, 0}, {-15, 13, 4}},
        {{10, 0, 0}, {9.9, 1.0, 0}, {0.5, 0.5, 8}},
        {{4, 1, 0}, {-3, 4, 1}, {7, -6, 3}},
    };
    for (int c = 0; c < 3; c++) {
        if (aion_det3((const double(*)[3])cells[c]) < 0)
            for (int k = 0; k < 3; k++) cells[c][2][k] = -cells[c][2][k];
        random_frame(&f, 30, (const double(*)[3])cells[c], PBC3, 1, 0.5, &seed);
        for (int full = 0; full <= 1; full++) {
            CHECK(build_and_check(&f, 3.0, 0.5, full));
            CHECK(build_and_check(&f, 6.3, 0.0, full)); /* not 6: |a| = 6 would tie */
        }
    }
    aion_frame_free(&f);
}

static void test_large_cutoff(void)
{
    unsigned long long seed = 99;
    aion_frame f;
    aion_frame_init(&f);
    double H[3][3];
    aion_frame_init(&f);
    random_cell(H, 5.0, 0.2, &seed);
    double W[3];
    aion_cell_widths((const double(*)[3])H, W);
    double wmin = fmin(W[0], fmin(W[1], W[2]));
    random_frame(&f, 12, (const double(*)[3])H, PBC3, 1, 0.5, &seed);
    for (int full = 0; full <= 1; full++) {
        CHECK(build_and_check(&f, 0.8 * wmin, 0.0, full)); /* > half the cell */
        CHECK(build_and_check(&f, 2.5 * wmin, 0.3, full)); /* > the cell */
    }
    /* tiny cells with 1 and 2 atoms and a cutoff of several cells */
    for (int n = 1; n <= 2; n++) {
        random_cell(H, 2.0, 0.3, &seed);
        random_frame(&f, n, (const double(*)[3])H, PBC3, 1, 0.5, &seed);
        for (int full = 0; full <= 1; full++) CHECK(build_and_check(&f, 6.0, 0.5, full));
    }
    aion_frame_free(&f);
}

/* One atom in a cubic cell of 3 Å with cutoff 3.5 Å: exactly its 6 face
 * images (3 in a half list), at distance 3. */
static void test_self_images_exact(void)
{
    aion_frame f;
    aion_frame_init(&f);
    CHECK_OK(aion_frame_resize(&f, 1, AION_HAS_CELL));
    f.cell[0][0] = f.cell[1][1] = f.cell[2][2] = 3.0;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    f.pos[0][0] = 0.3, f.pos[0][1] = -7.0, f.pos[0][2] = 100.0;
    for (int full = 0; full <= 1; full++) {
        aion_nlist *nl;
        aion_nlist_opts o = {3.5, 0.0, full};
        CHECK_OK(aion_nlist_create(&nl, &o, NULL));
        CHECK_OK(aion_nlist_update(nl, &f));
        CHECK(aion_nlist_count(nl, 0) == (full ? 6 : 3));
        CHECK(aion_nlist_total_pairs(nl) == (full ? 6 : 3));
        double sum[3] = {0, 0, 0};
        for (int k = 0; k < aion_nlist_count(nl, 0); k++) {
            int j;
            double d[3];
            CHECK_OK(aion_nlist_get(nl, 0, k, &j, d));
            CHECK(j == 0);
            CHECK_NEAR(sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]), 3.0, 1e-12);
            for (int c = 0; c < 3; c++) sum[c] += d[c];
        }
        if (full)
            for (int c = 0; c < 3; c++) CHECK_NEAR(sum[c], 0.0, 1e-12);
        aion_nlist_free(nl);
    }
    aion_frame_free(&f);
}

static void test_nonperiodic_and_mixed(void)
{
    unsigned long long seed = 4242;
    aion_frame f;
    aion_frame_init(&f);
    double H[3][3];
    random_cell(H, 10.0, 0.25, &seed);
    /* no cell at all: a cluster */
    random_frame(&f, 60, (const double(*)[3])H, PBC3, 0, 0.5, &seed);
    for (int full = 0; full <= 1; full++) CHECK(build_and_check(&f, 4.0, 0.5, full));
    /* cell present but pbc all false */
    int none[3] = {0, 0, 0};
    random_frame(&f, 40, (const double(*)[3])H, none, 1, 0.7, &seed);
    for (int full = 0; full <= 1; full++) CHECK(build_and_check(&f, 4.0, 0.5, full));
    /* mixed periodicity, atoms spread beyond the cell along every direction */
    int mixes[6][3] = {{1, 0, 1}, {0, 1, 1}, {1, 1, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    for (int m = 0; m < 6; m++) {
        random_frame(&f, 40, (const double(*)[3])H, mixes[m], 1, 1.5, &seed);
        for (int full = 0; full <= 1; full++) CHECK(build_and_check(&f, 3.0 + m * 0.7, 0.5, full));
    }
    /* slab with a zero third row (ASE style) */
    double slab[3][3] = {{7, 0, 0}, {2, 6, 0}, {0, 0, 0}};
    int pbc2[3] = {1, 1, 0};
    random_frame(&f, 30, (const double(*)[3])slab, pbc2, 1, 0.5, &seed);
    for (int i = 0; i < f.n; i++) f.pos[i][2] = 20.0 * test_rand(&seed) - 10.0;
    for (int full = 0; full <= 1; full++) CHECK(build_and_check(&f, 5.0, 0.5, full));
    /* a wire: periodic along a only, other rows zero */
    double wire[3][3] = {{0, 0, 5}, {0, 0, 0}, {0, 0, 0}};
    int pbc1[3] = {1, 0, 0};
    random_frame(&f, 20, (const double(*)[3])wire, pbc1, 1, 0.5, &seed);
    for (int i = 0; i < f.n; i++) f.pos[i][0] = 8.0 * test_rand(&seed), f.pos[i][1] = 8.0 * test_rand(&seed);
    for (int full = 0; full <= 1; full++) CHECK(build_and_check(&f, 7.0, 0.5, full));
    aion_frame_free(&f);
}

static void test_unwrapped(void)
{
    unsigned long long seed = 31337;
    aion_frame f;
    aion_frame_init(&f);
    double H[3][3];
    random_cell(H, 9.0, 0.3, &seed);
    /* fractional coordinates in [-29.5, 30.5]: far outside the cell */
    random_frame(&f, 40, (const double(*)[3])H, PBC3, 1, 30.0, &seed);
    for (int full = 0; full <= 1; full++) {
        CHECK(build_and_check(&f, 3.5, 0.0, full));
        CHECK(build_and_check(&f, 4.5, 1.0, full));
    }
    aion_frame_free(&f);
}

/* Random displacement of exact length len for every atom. */
static void displace(aion_frame *f, double len, unsigned long long *seed)
{
    for (int i = 0; i < f->n; i++) {
        double v[3], l;
        do {
            for (int c = 0; c < 3; c++) v[c] = 2.0 * test_rand(seed) - 1.0;
            l = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        } while (l < 0.1 || l > 1.0);
        for (int c = 0; c < 3; c++) f->pos[i][c] += len * v[c] / l;
    }
}

static void test_skin_refresh_and_rebuild(void)
{
    unsigned long long seed = 2024;
    aion_frame f;
    aion_frame_init(&f);
    double H[3][3];
    random_cell(H, 10.0, 0.3, &seed);
    random_frame(&f, 80, (const double(*)[3])H, PBC3, 1, 3.0, &seed);
    const double cut = 3.0, skin = 1.0;
    for (int full = 0; full <= 1; full++) {
        aion_nlist *nl;
        aion_nlist_opts o = {cut, skin, full};
        CHECK_OK(aion_nlist_create(&nl, &o, NULL));
        CHECK_OK(aion_nlist_update(nl, &f));
        CHECK(aion_nlist_builds(nl) == 1);
        aion_frame g;
        aion_frame_init(&g);
        CHECK_OK(aion_frame_copy(&g, &f));
        /* every atom moves by 0.49 skin: refresh only, still complete */
        displace(&g, 0.49 * skin, &seed);
        CHECK_OK(aion_nlist_update(nl, &g));
        CHECK(aion_nlist_builds(nl) == 1);
        CHECK(check_list(nl, &g, cut));
        /* same again from the first build positions is still within skin/2 */
        /* one atom moves by 0.6 skin: rebuild */
        CHECK_OK(aion_frame_copy(&g, &f));
        g.pos[7][0] += 0.6 * skin;
        CHECK_OK(aion_nlist_update(nl, &g));
        CHECK(aion_nlist_builds(nl) == 2);
        CHECK(check_list(nl, &g, cut + skin));
        /* jumping by a lattice vector (re-wrapping) forces a rebuild but the
         * pairs stay the same physical pairs */
        for (int c = 0; c < 3; c++) g.pos[3][c] += H[1][c];
        CHECK_OK(aion_nlist_update(nl, &g));
        CHECK(aion_nlist_builds(nl) == 3);
        CHECK(check_list(nl, &g, cut + skin));
        /* invalidate forces a rebuild */
        aion_nlist_invalidate(nl);
        CHECK_OK(aion_nlist_update(nl, &g));
        CHECK(aion_nlist_builds(nl) == 4);
        /* atom count change */
        CHECK_OK(aion_frame_resize(&g, 79, 0));
        CHECK_OK(aion_nlist_update(nl, &g));
        CHECK(aion_nlist_builds(nl) == 5);
        CHECK(check_list(nl, &g, cut + skin));
        /* a random walk of small steps: always complete, few rebuilds */
        CHECK_OK(aion_frame_copy(&g, &f));
        CHECK_OK(aion_nlist_update(nl, &g));
        long b0 = aion_nlist_builds(nl);
        int ok = 1;
        for (int step = 0; step < 40; step++) {
            displace(&g, 0.08, &seed);
            if (aion_nlist_update(nl, &g) || !check_list(nl, &g, cut)) ok = 0;
        }
        CHECK(ok);
        long nb = aion_nlist_builds(nl) - b0;
        CHECK(nb >= 1 && nb < 20);
        aion_frame_free(&g);
        aion_nlist_free(nl);
    }
    aion_frame_free(&f);
}

/* Affine strain of cell and positions, plus noise. */
static void strain(aion_frame *f, const double eps[3][3])
{
    double M[3][3], t[3][3];
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) M[a][b] = (a == b) + eps[a][b];
    aion_matmul3((const double(*)[3])f->cell, (const double(*)[3])M, t);
    memcpy(f->cell, t, sizeof t);
    for (int i = 0; i < f->n; i++) {
        double r[3];
        for (int c = 0; c < 3; c++) r[c] = f->pos[i][0] * M[0][c] + f->pos[i][1] * M[1][c] + f->pos[i][2] * M[2][c];
        memcpy(f->pos[i], r, sizeof r);
    }
}

static void test_strain(void)
{
    unsigned long long seed = 555;
    aion_frame f;
    aion_frame_init(&f);
    double H[3][3];
    random_cell(H, 9.0, 0.3, &seed);
    random_frame(&f, 60, (const double(*)[3])H, PBC3, 1, 2.0, &seed);
    const double cut = 4.0, skin = 1.0;
    for (int full = 0; full <= 1; full++) {
        aion_nlist *nl;
        aion_nlist_opts o = {cut, skin, full};
        aion_frame g;
        aion_frame_init(&g);
        CHECK_OK(aion_frame_copy(&g, &f));
        CHECK_OK(aion_nlist_create(&nl, &o, NULL));
        CHECK_OK(aion_nlist_update(nl, &g));
        /* small shear (0.5 %) with small noise: refresh, complete */
        double e1[3][3] = {{0.003, 0.005, 0}, {0, -0.002, 0}, {0.001, 0, 0.004}};
        strain(&g, e1);
        displace(&g, 0.1, &seed);
        CHECK_OK(aion_nlist_update(nl, &g));
        CHECK(aion_nlist_builds(nl) == 1);
        CHECK(check_list(nl, &g, cut));
        /* large compression (15 %): pairs move in from beyond the skin, the
         * list must rebuild and stay complete */
        double e2[3][3] = {{-0.15, 0, 0}, {0, -0.15, 0.05}, {0, 0, -0.15}};
        strain(&g, e2);
        CHECK_OK(aion_nlist_update(nl, &g));
        CHECK(aion_nlist_builds(nl) == 2);
        CHECK(check_list(nl, &g, cut));
        /* a sequence of small strains: always complete */
        int ok = 1;
        for (int step = 0; step < 15; step++) {
            double e3[3][3] = {{-0.01, 0.004, 0}, {0, -0.01, 0}, {0.003, 0, -0.008}};
            strain(&g, e3);
            if (aion_nlist_update(nl, &g) || !check_list(nl, &g, cut)) ok = 0;
        }
        CHECK(ok);
        aion_frame_free(&g);
        aion_nlist_free(nl);
    }
    aion_frame_free(&f);
}

static void test_threads_deterministic(void)
{
    unsigned long long seed = 8080;
    aion_frame f;
    aion_frame_init(&f);
    double H[3][3];
    random_cell(H, 22.0, 0.2, &seed);
    /* above the size (1024) below which builds run on one thread */
    random_frame(&f, 1500, (const double(*)[3])H, PBC3, 1, 0.5, &seed);
    for (int full = 0; full <= 1; full++) {
        aion_nlist *ref = NULL;
        aion_nlist_opts o = {4.0, 0.5, full};
        CHECK_OK(aion_nlist_create(&ref, &o, NULL));
        aion_nlist_set_threads(ref, 1);
        CHECK_OK(aion_nlist_update(ref, &f));
        for (int nt = 2; nt <= 5; nt++) {
            aion_nlist *nl = NULL;
            CHECK_OK(aion_nlist_create(&nl, &o, NULL));
            aion_nlist_set_threads(nl, nt);
            CHECK_OK(aion_nlist_update(nl, &f));
            CHECK(aion_nlist_total_pairs(nl) == aion_nlist_total_pairs(ref));
            CHECK(nl->nall == ref->nall);
            CHECK(memcmp(nl->offset, ref->offset, (size_t)(f.n + 1) * sizeof(int)) == 0);
            CHECK(memcmp(nl->nbr, ref->nbr, (size_t)ref->offset[f.n] * sizeof(int)) == 0);
            aion_nlist_free(nl);
        }
        aion_nlist_free(ref);
    }
    aion_frame_free(&f);
}

/* The ghost layout promised in nlist.h: x[g] = x[owner[g]] + img[g]·cell. */
static void test_ghost_layout(void)
{
    unsigned long long seed = 1;
    aion_frame f;
    aion_frame_init(&f);
    double H[3][3];
    random_cell(H, 6.0, 0.3, &seed);
    random_frame(&f, 20, (const double(*)[3])H, PBC3, 1, 5.0, &seed);
    aion_nlist *nl;
    aion_nlist_opts o = {5.0, 0.5, 0};
    CHECK_OK(aion_nlist_create(&nl, &o, NULL));
    CHECK_OK(aion_nlist_update(nl, &f));
    int bad = 0;
    for (int g = 0; g < nl->nall; g++) {
        int ow = nl->owner[g];
        if (ow < 0 || ow >= f.n || (g < f.n && (ow != g || nl->img[g][0] || nl->img[g][1] || nl->img[g][2]))) {
            bad++;
            continue;
        }
        for (int c = 0; c < 3; c++) {
            double want = nl->x[ow][c] + nl->img[g][0] * H[0][c] + nl->img[g][1] * H[1][c] + nl->img[g][2] * H[2][c];
            if (fabs(want - nl->x[g][c]) > 1e-9) bad++;
        }
    }
    CHECK(bad == 0);
    /* locals differ from the given positions by lattice vectors only */
    double inv[3][3];
    CHECK_OK(aion_cell_inverse((const double(*)[3])H, inv));
    for (int i = 0; i < f.n; i++)
        for (int k = 0; k < 3; k++) {
            double s = 0;
            for (int c = 0; c < 3; c++) s += (f.pos[i][c] - nl->x[i][c]) * inv[c][k];
            if (fabs(s - round(s)) > 1e-9) bad++;
        }
    CHECK(bad == 0);
    CHECK(aion_nlist_nall(nl) == nl->nall);
    aion_nlist_free(nl);
    aion_frame_free(&f);
}

static void test_errors(void)
{
    aion_nlist *nl = NULL;
    aion_error err;
    aion_nlist_opts bad1 = {0.0, 1.0, 0}, bad2 = {3.0, -1.0, 0}, bad3 = {NAN, 0.0, 0}, ok = {3.0, 0.5, 0};
    CHECK(aion_nlist_create(&nl, &bad1, &err) == AION_ERR_INVALID && nl == NULL);
    CHECK(aion_nlist_create(&nl, &bad2, &err) == AION_ERR_INVALID);
    CHECK(aion_nlist_create(&nl, &bad3, &err) == AION_ERR_INVALID);
    CHECK(aion_nlist_create(&nl, NULL, NULL) == AION_ERR_INVALID);
    aion_nlist_free(NULL);
    CHECK_OK(aion_nlist_create(&nl, &ok, &err));
    /* before any update */
    CHECK(aion_nlist_count(nl, 0) == 0);
    CHECK(aion_nlist_total_pairs(nl) == 0);
    CHECK(aion_nlist_get(nl, 0, 0, NULL, NULL) == AION_ERR_INVALID);
    aion_frame f;
    aion_frame_init(&f);
    /* empty frame */
    CHECK_OK(aion_nlist_update(nl, &f));
    CHECK(aion_nlist_total_pairs(nl) == 0);
    CHECK_OK(aion_frame_resize(&f, 3, AION_HAS_CELL));
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    f.cell[0][0] = f.cell[1][1] = 5.0;
    f.cell[2][0] = 5.0; /* parallel to a: singular */
    CHECK(aion_nlist_update(nl, &f) == AION_ERR_NUMERIC);
    CHECK(strstr(aion_nlist_errmsg(nl), "singular") != NULL);
    CHECK(aion_nlist_count(nl, 0) == 0);
    f.cell[2][0] = 0.0;
    f.cell[2][2] = 5.0;
    f.pos[1][1] = NAN;
    CHECK(aion_nlist_update(nl, &f) == AION_ERR_NUMERIC);
    f.pos[1][1] = 1.0;
    CHECK_OK(aion_nlist_update(nl, &f));
    CHECK(aion_nlist_get(nl, -1, 0, NULL, NULL) == AION_ERR_INVALID);
    CHECK(aion_nlist_get(nl, 3, 0, NULL, NULL) == AION_ERR_INVALID);
    /* NaN after a good build: update must fail, not refresh */
    f.pos[2][0] = NAN;
    CHECK(aion_nlist_update(nl, &f) == AION_ERR_NUMERIC);
    f.pos[2][0] = 0.0;
    /* absurd image count */
    f.cell[0][0] = 1e-3;
    f.cell[1][1] = 1e-3;
    f.cell[2][2] = 1e-3;
    CHECK(aion_nlist_update(nl, &f) == AION_ERR_INVALID);
    aion_nlist_free(nl);
    aion_frame_free(&f);
}

/* Many small random systems: random cell (sometimes very skewed), random
 * periodicity, cutoff from a fraction of the cell to several cells, spread
 * positions; half and full. */
static void test_random_small(void)
{
    unsigned long long seed = 9001;
    aion_frame f;
    aion_frame_init(&f);
    int fails = 0;
    for (int trial = 0; trial < 150; trial++) {
        double H[3][3], W[3];
        random_cell(H, 2.0 + 6.0 * test_rand(&seed), trial % 3 == 0 ? 1.5 : 0.3, &seed);
        aion_cell_widths((const double(*)[3])H, W);
        int pbc[3] = {test_rand(&seed) < 0.8, test_rand(&seed) < 0.8, test_rand(&seed) < 0.8};
        int has_cell = test_rand(&seed) < 0.9;
        int n = 1 + (int)(8 * test_rand(&seed));
        random_frame(&f, n, (const double(*)[3])H, pbc, has_cell, 0.5 + 3.0 * test_rand(&seed), &seed);
        double wmin = fmin(W[0], fmin(W[1], W[2]));
        double cut = wmin * (0.2 + 2.0 * test_rand(&seed));
        double skin = test_rand(&seed) < 0.3 ? 0.0 : 0.5 * test_rand(&seed);
        int full = trial & 1;
        if (!build_and_check(&f, cut, skin, full)) {
            fprintf(stderr, "  trial %d: n %d pbc %d%d%d cell %d cutoff %g skin %g full %d\n", trial, n, pbc[0],
                    pbc[1], pbc[2], has_cell, cut, skin, full);
            fails++;
        }
    }
    CHECK(fails == 0);
    aion_frame_free(&f);
}

/* MD-like walk in a slab (pbc a, b; zero third row) with in-plane strain:
 * complete at every step through refreshes and rebuilds. */
static void test_walk_slab(void)
{
    unsigned long long seed = 64;
    aion_frame f;
    aion_frame_init(&f);
    double slab[3][3] = {{9, 0, 0}, {3, 8, 0}, {0, 0, 0}};
    int pbc[3] = {1, 1, 0};
    random_frame(&f, 50, (const double(*)[3])slab, pbc, 1, 2.0, &seed);
    for (int i = 0; i < f.n; i++) f.pos[i][2] = 12.0 * test_rand(&seed);
    for (int full = 0; full <= 1; full++) {
        aion_nlist *nl;
        aion_nlist_opts o = {3.5, 0.8, full};
        aion_frame g;
        aion_frame_init(&g);
        CHECK_OK(aion_frame_copy(&g, &f));
        CHECK_OK(aion_nlist_create(&nl, &o, NULL));
        int ok = 1;
        for (int step = 0; step < 30; step++) {
            double e[3][3] = {{0.004, 0.002, 0}, {0, -0.003, 0}, {0, 0, 0}};
            strain(&g, e);
            displace(&g, 0.1, &seed);
            if (aion_nlist_update(nl, &g) || !check_list(nl, &g, 3.5)) ok = 0;
        }
        CHECK(ok);
        CHECK(aion_nlist_builds(nl) > 1 && aion_nlist_builds(nl) < 30);
        aion_frame_free(&g);
        aion_nlist_free(nl);
    }
    aion_frame_free(&f);
}

/* aion_closest_pairs against the brute-force pair search: random triclinic
 * cells down to smaller than the cut-off, three species plus one element that
 * is not a species (ignored) and one species absent from the frame (INFINITY). */
static void test_closest_pairs(void)
{
    unsigned long long seed = 4242;
    aion_frame f;
    aion_frame_init(&f);
    const int spz[4] = {3, 8, 15, 7}; /* N is never present */
    const int ns = 4;
    aion_nlist *kept = NULL;
    aion_nlist_opts ko = {.cutoff = 3.0, .skin = 0.0, .full = 0};
    CHECK(aion_nlist_create(&kept, &ko, NULL) == AION_OK);
    for (int trial = 0; trial < 12; trial++) {
        double H[3][3], cutoff = 1.0 + 0.5 * trial;
        random_cell(H, 3.0 + trial, 0.25, &seed);
        random_frame(&f, 6 + 3 * trial, (const double(*)[3])H, PBC3, 1, 0.5, &seed);
        for (int i = 0; i < f.n; i++) f.z[i] = i == 0 ? 1 : spz[i % 3];
        double dm[16], ref[16];
        int ia[16], ib[16];
        for (int k = 0; k < 16; k++) ref[k] = INFINITY;
        keys all = {0};
        brute(&f, cutoff, 1, &all);
        for (size_t q = 0; q < all.n; q++) {
            int a = -1, b = -1;
            for (int s = 0; s < ns; s++) {
                if (f.z[all.v[q].i] == spz[s]) a = s;
                if (f.z[all.v[q].j] == spz[s]) b = s;
            }
            if (a < 0 || b < 0) continue;
            const double *d = all.v[q].d;
            ref[a * ns + b] = fmin(ref[a * ns + b], sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]));
        }
        free(all.v);
        CHECK(aion_closest_pairs(&f, spz, ns, cutoff, dm, ia, ib, NULL) == AION_OK);
        for (int a = 0; a < ns; a++)
            for (int b = 0; b < ns; b++) {
                int k = a * ns + b;
                if (isinf(ref[k])) {
                    CHECK(isinf(dm[k]) && ia[k] == -1 && ib[k] == -1);
                    continue;
                }
                CHECK_NEAR(dm[k], ref[k], 1e-12);
                CHECK(dm[k] == dm[b * ns + a]);
                CHECK(ia[k] >= 0 && ib[k] >= 0 && f.z[ia[k]] == spz[a] && f.z[ib[k]] == spz[b]);
            }
        for (int a = 0; a < ns; a++) CHECK(isinf(dm[a * ns + 3]));
        /* one list kept across frames of other sizes and cells (aion_learn, the pipeline's grade) gives the
         * same as a fresh one per frame */
        double dk[16], df[16];
        int ka[16], kb[16], fa[16], fb[16];
        CHECK(aion_nlist_closest_pairs(kept, &f, spz, ns, dk, ka, kb, NULL) == AION_OK);
        CHECK(aion_closest_pairs(&f, spz, ns, 3.0, df, fa, fb, NULL) == AION_OK);
        for (int k = 0; k < 16; k++) CHECK(dk[k] == df[k] && ka[k] == fa[k] && kb[k] == fb[k]);
    }
    aion_nlist_free(kept);
    /* bad input */
    double dm[1];
    CHECK(aion_closest_pairs(&f, spz, 1, 0.0, dm, NULL, NULL, NULL) == AION_ERR_INVALID);
    CHECK(aion_closest_pairs(NULL, spz, 1, 1.0, dm, NULL, NULL, NULL) == AION_ERR_INVALID);
    aion_frame_free(&f);
}

/* One frame through the guard against the per-frame closest pairs: the smallest ratio to dref (the
 * fallback 4 A where dref is not finite) is exact below 1, flagged below 0.9, named by its pair. */
static void check_guard(aion_contact *g, const aion_frame *f, const int *spz, int ns, const double *dref, int *nbelow,
                        int *nhit)
{
    double one[9], q = 0, want = INFINITY;
    int hit = -1, wk = -1;
    char desc[96];
    CHECK(aion_closest_pairs(f, spz, ns, 6.0, one, NULL, NULL, NULL) == AION_OK);
    for (int a = 0; a < ns; a++)
        for (int b = a; b < ns; b++) {
            int k = a * ns + b;
            double r = one[k] / (isfinite(dref[k]) ? dref[k] : 4.0);
            if (r < want) want = r, wk = k;
        }
    CHECK(aion_contact_check(g, f, &q, &hit, desc, sizeof desc, NULL) == AION_OK);
    if (want < 1) {
        (*nbelow)++;
        CHECK_NEAR(q, want, 1e-12);
        CHECK(hit == (want < 0.9));
        *nhit += hit;
        char sym[16];
        snprintf(sym, sizeof sym, "%s-%s ", aion_element_symbol(spz[wk / ns]), aion_element_symbol(spz[wk % ns]));
        CHECK(strncmp(desc, sym, strlen(sym)) == 0);
    } else {
        CHECK(q >= 1 && !hit);
    }
}

/* aion_frames_closest_pairs is the minimum of aion_closest_pairs over the
 * frames; the contact guard built on it finds the smallest ratio d / d(data)
 * exactly whenever it is below 1 (checked against the per-frame closest pairs),
 * flags it below its ratio, names the pair, and uses the fallback for a
 * species pair the data lack. */
static void test_contact_guard(void)
{
    unsigned long long seed = 777;
    const int spz[3] = {3, 8, 15};
    const int ns = 3;
    aion_frame data[5], f;
    double dmin[9], one[9];
    for (int q = 0; q < 5; q++) {
        double H[3][3];
        aion_frame_init(&data[q]);
        random_cell(H, 6.0 + q, 0.2, &seed);
        random_frame(&data[q], 20 + 4 * q, (const double(*)[3])H, PBC3, 1, 0.5, &seed);
        for (int i = 0; i < data[q].n; i++) data[q].z[i] = i % 7 == 0 ? 15 : i % 2 ? 3 : 8; /* P from i = 0 */
    }
    CHECK(aion_frames_closest_pairs(data, 5, spz, ns, 4.0, dmin, NULL) == AION_OK);
    for (int k = 0; k < 9; k++) {
        double m = INFINITY;
        for (int q = 0; q < 5; q++) {
            CHECK(aion_closest_pairs(&data[q], spz, ns, 4.0, one, NULL, NULL, NULL) == AION_OK);
            m = fmin(m, one[k]);
        }
        CHECK(m == dmin[k]);
    }
    /* P-P absent from the data: the fallback (4 A) stands in */
    double dref[9];
    memcpy(dref, dmin, sizeof dref);
    dref[2 * ns + 2] = INFINITY;
    aion_contact *g = NULL;
    CHECK(aion_contact_create(&g, spz, ns, dref, 4.0, 0.9, NULL) == AION_OK);
    aion_frame_init(&f);
    int nhit = 0, nbelow = 0;
    for (int trial = 0; trial < 40; trial++) {
        double H[3][3];
        random_cell(H, 5.0 + 0.1 * trial, 0.2, &seed);
        random_frame(&f, 24, (const double(*)[3])H, PBC3, 1, 0.45, &seed);
        for (int i = 0; i < f.n; i++) f.z[i] = i % 7 == 0 ? 15 : i % 2 ? 3 : 8;
        check_guard(g, &f, spz, ns, dref, &nbelow, &nhit);
    }
    /* a frame of the data: no pair below the data's (P-P, the fallback, aside) */
    int b0 = 0, h0 = 0;
    dref[2 * ns + 2] = dmin[2 * ns + 2];
    aion_contact_free(g);
    CHECK(aion_contact_create(&g, spz, ns, dref, 4.0, 0.9, NULL) == AION_OK);
    check_guard(g, &data[3], spz, ns, dref, &b0, &h0);
    CHECK(b0 == 0 && h0 == 0);
    CHECK(nhit > 0 && nbelow > nhit); /* both cases were met */
    aion_contact_free(g);
    /* bad input */
    CHECK(aion_contact_create(&g, spz, ns, dref, 4.0, 1.0, NULL) == AION_ERR_INVALID && !g);
    CHECK(aion_contact_create(&g, spz, ns, dref, 0.0, 0.9, NULL) == AION_ERR_INVALID && !g);
    CHECK(aion_frames_closest_pairs(data, 5, spz, ns, 0.0, dmin, NULL) == AION_ERR_INVALID);
    aion_contact_free(NULL);
    for (int q = 0; q < 5; q++) aion_frame_free(&data[q]);
    aion_frame_free(&f);
}

int main(void)
{
    TEST_RUN(test_self_images_exact);
    TEST_RUN(test_random_triclinic);
    TEST_RUN(test_skewed);
    TEST_RUN(test_large_cutoff);
    TEST_RUN(test_nonperiodic_and_mixed);
    TEST_RUN(test_unwrapped);
    TEST_RUN(test_ghost_layout);
    TEST_RUN(test_skin_refresh_and_rebuild);
    TEST_RUN(test_strain);
    TEST_RUN(test_threads_deterministic);
    TEST_RUN(test_random_small);
    TEST_RUN(test_walk_slab);
    TEST_RUN(test_closest_pairs);
    TEST_RUN(test_contact_guard);
    TEST_RUN(test_errors);
    return TEST_END();
}
