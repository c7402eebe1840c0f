/*
 * Percolation on periodic grids against a brute-force oracle (BFS in the
 * unwrapped crystal at every threshold, windings from revisits), a channel
 * model with known answers, level-map properties, free volume and Ξ.
 */
#include "test.h"
#include "aion.h"

/* rank of a set of integer vectors (double elimination is exact for these
 * tiny integers) */
static int rank_of(int (*w)[3], int n)
{
    double m[64][3];
    int r = 0;
    if (n > 64) n = 64;
    for (int k = 0; k < n; k++)
        for (int c = 0; c < 3; c++) m[k][c] = w[k][c];
    for (int c = 0; c < 3 && r < n; c++) {
        int piv = -1;
        for (int k = r; k < n; k++)
            if (fabs(m[k][c]) > 1e-9) {
                piv = k;
                break;
            }
        if (piv < 0) continue;
        for (int cc = 0; cc < 3; cc++) {
            double t = m[r][cc];
            m[r][cc] = m[piv][cc];
            m[piv][cc] = t;
        }
        for (int k = 0; k < n; k++)
            if (k != r) {
                double f = m[k][c] / m[r][c];
                for (int cc = 0; cc < 3; cc++) m[k][cc] -= f * m[r][cc];
            }
        r++;
    }
    return r;
}

/* percolation rank of the cluster of start at threshold thr, by BFS */
static int brute_rank(const int n[3], const double *e, int start, double thr)
{
    long np = (long)n[0] * n[1] * n[2];
    int *seen = calloc((size_t)np, sizeof *seen), (*per)[3] = calloc((size_t)np, sizeof *per);
    int *queue = malloc((size_t)np * sizeof *queue), qh = 0, qt = 0, nw = 0;
    int wind[64][3];
    if (e[start] > thr) {
        free(seen), free(per), free(queue);
        return 0;
    }
    seen[start] = 1;
    queue[qt++] = start;
    while (qh < qt) {
        int v = queue[qh++];
        int c0[3] = {v / (n[1] * n[2]), (v / n[2]) % n[1], v % n[2]};
        for (int d = 0; d < 27; d++) {
            int dd[3] = {d / 9 - 1, (d / 3) % 3 - 1, d % 3 - 1};
            if (!dd[0] && !dd[1] && !dd[2]) continue;
            int c[3], t[3];
            for (int k = 0; k < 3; k++) {
                c[k] = c0[k] + dd[k];
                t[k] = c[k] < 0 ? -1 : c[k] >= n[k] ? 1 : 0;
                c[k] -= t[k] * n[k];
            }
            int w = (c[0] * n[1] + c[1]) * n[2] + c[2];
            if (e[w] > thr) continue;
            int p[3] = {per[v][0] + t[0], per[v][1] + t[1], per[v][2] + t[2]};
            if (!seen[w]) {
                seen[w] = 1;
                memcpy(per[w], p, sizeof p);
                queue[qt++] = w;
            } else if (memcmp(per[w], p, sizeof p) != 0) {
                /* keep the winding only if it raises the rank (a basis) */
                for (int k = 0; k < 3; k++) wind[nw][k] = p[k] - per[w][k];
                if (rank_of(wind, nw + 1) > nw) nw++;
            }
        }
    }
    free(seen), free(per), free(queue);
    return rank_of(wind, nw);
}

static void test_against_brute_force(void)
{
    unsigned long long s = 12345;
    for (int trial = 0; trial < 40; trial++) {
        int n[3] = {2 + (int)(test_rand(&s) * 5), 1 + (int)(test_rand(&s) * 6), 2 + (int)(test_rand(&s) * 4)};
        long np = (long)n[0] * n[1] * n[2];
        double *e = malloc((size_t)np * sizeof *e), ep[3];
        int start;
        aion_error err;
        for (long k = 0; k < np; k++) e[k] = floor(test_rand(&s) * 20); /* ties on purpose */
        CHECK_OK(aion_pes_percolation(n, e, -1, ep, &start, &err));
        /* oracle: lowest sorted energy at which the BFS rank reaches d */
        for (int d = 1; d <= 3; d++) {
            double best = INFINITY;
            for (int lvl = 0; lvl < 20; lvl++)
                if (brute_rank(n, e, start, lvl) >= d) {
                    best = lvl;
                    break;
                }
            CHECK(ep[d - 1] == best);
        }
        /* any start point, not only the minimum */
        int st2 = (int)(test_rand(&s) * np);
        CHECK_OK(aion_pes_percolation(n, e, st2, ep, NULL, &err));
        for (int d = 1; d <= 3; d++) {
            double best = INFINITY;
            for (int lvl = 0; lvl < 20; lvl++)
                if (brute_rank(n, e, st2, lvl) >= d) {
                    best = lvl;
                    break;
                }
            CHECK(ep[d - 1] == best);
        }
        free(e);
    }
}

/* channels: energy 0 along a line in x, 1 in the plane z=0, 5 elsewhere:
 * 1D at 0, 2D at 1, 3D at 5 */
static void test_channels(void)
{
    int n[3] = {8, 6, 5};
    double e[8 * 6 * 5], ep[3], lvl[8 * 6 * 5];
    aion_error err;
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 6; j++)
            for (int k = 0; k < 5; k++) {
                int idx = (i * 6 + j) * 5 + k;
                e[idx] = (j == 2 && k == 0) ? 0.0 : (k == 0 ? 1.0 : 5.0);
            }
    e[(3 * 6 + 2) * 5 + 0] = -0.5; /* the minimum on the channel */
    CHECK_OK(aion_pes_percolation(n, e, -1, ep, NULL, &err));
    CHECK(ep[0] == 0.0 && ep[1] == 1.0 && ep[2] == 5.0);
    /* a barrier of 0.3 on the channel raises 1D percolation to 0.3 */
    e[(6 * 6 + 2) * 5 + 0] = 0.3;
    CHECK_OK(aion_pes_percolation(n, e, -1, ep, NULL, &err));
    CHECK(ep[0] == 0.3 && ep[1] == 1.0);
    /* level map from the minimum: channel points level 0 before the barrier,
     * the plane 1, the rest 5; always >= e and >= e[start] */
    int start = (3 * 6 + 2) * 5;
    CHECK_OK(aion_pes_level_map(n, e, start, lvl, &err));
    CHECK(lvl[start] == -0.5);
    CHECK(lvl[(4 * 6 + 2) * 5] == 0.0);
    CHECK(lvl[(4 * 6 + 3) * 5] == 1.0);
    CHECK(lvl[(4 * 6 + 3) * 5 + 2] == 5.0);
    int ok = 1;
    for (int k = 0; k < 240; k++) ok &= lvl[k] >= e[k] && lvl[k] >= e[start];
    CHECK(ok);
    /* free volume and Xi */
    double fd, fc;
    aion_pes_free_volume(240, e, lvl, -0.5, 0.6, &fd, &fc); /* the barrier point is excluded */
    CHECK_NEAR(fd, 7.0 / 240, 1e-15);
    CHECK_NEAR(fc, 7.0 / 240, 1e-15);
    aion_pes_free_volume(240, e, lvl, -0.5, 1.0, &fd, &fc);
    CHECK_NEAR(fd, 8.0 / 240, 1e-15);
    CHECK_NEAR(fc, 8.0 / 240, 1e-15);
    CHECK_NEAR(aion_pes_xi(0.01, 10.0 / 141.25), 0.25, 1e-3);
    CHECK(aion_pes_xi(0.0, 0.5) == 0.0);
    CHECK(aion_pes_xi(1.0, 1.0) > 0.99);
}

/* Invariance: shifting the grid origin (a periodic roll) and replicating the
 * grid 2x along a direction give the same percolation energies. */
static void test_invariance(void)
{
    unsigned long long s = 99;
    int n[3] = {5, 4, 6}, n2[3] = {10, 4, 6};
    double e[120], r[120], e2[240], a[3], b[3], c[3];
    aion_error err;
    for (int k = 0; k < 120; k++) e[k] = test_rand(&s);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 6; k++) {
                r[(((i + 2) % 5) * 4 + (j + 1) % 4) * 6 + (k + 3) % 6] = e[(i * 4 + j) * 6 + k];
                e2[(i * 4 + j) * 6 + k] = e2[((i + 5) * 4 + j) * 6 + k] = e[(i * 4 + j) * 6 + k];
            }
    CHECK_OK(aion_pes_percolation(n, e, -1, a, NULL, &err));
    CHECK_OK(aion_pes_percolation(n, r, -1, b, NULL, &err));
    CHECK_OK(aion_pes_percolation(n2, e2, -1, c, NULL, &err));
    for (int d = 0; d < 3; d++) {
        CHECK(a[d] == b[d]);
        CHECK(a[d] == c[d]);
    }
    /* errors */
    int bad[3] = {0, 4, 6};
    CHECK(aion_pes_percolation(bad, e, -1, a, NULL, &err) == AION_ERR_INVALID);
    e[7] = NAN;
    CHECK(aion_pes_percolation(n, e, -1, a, NULL, &err) == AION_ERR_NUMERIC);
}

int main(void)
{
    TEST_RUN(test_against_brute_force);
    TEST_RUN(test_channels);
    TEST_RUN(test_invariance);
    return TEST_END();
}
