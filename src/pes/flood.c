/*
 * Percolation on periodic energy grids, for potential-energy-landscape
 * screening of ionic conductors (Maevskiy et al., Phys. Rev. Research 7,
 * 023167 (2025), arXiv:2411.06804).
 *
 * Percolation energies are computed exactly by a Kruskal-like sweep: points are
 * added in order of energy and joined to their 26 already-added neighbours with
 * a union-find that records, for every point, its lattice translation P(x)
 * relative to its cluster's root (a cluster is a connected set in the
 * unwrapped, infinite crystal). Joining two points already in one cluster
 * closes a loop with winding w = t − P(u) + P(v), where t is the translation of
 * the edge; the cluster percolates in as many dimensions as its windings span
 * (their rank). The percolation energy in d dimensions is the energy of the
 * point whose addition first raises the start cluster's rank to d. This is the
 * quantity defined by flooding with a rising level, without bisection.
 *
 * The level map is the minimax-path ("bottleneck") distance from the start,
 * by a priority flood (Dijkstra with max instead of +).
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int *parent;
    int (*off)[3];     /* translation relative to the parent */
    int *size;
    int (*wind)[3][3]; /* independent windings of the cluster rooted here */
    unsigned char *rank;
} uf_t;

static int uf_find(uf_t *u, int x, int p[3])
{
    int r = x, acc[3] = {0, 0, 0};
    while (u->parent[r] != r) {
        for (int k = 0; k < 3; k++) acc[k] += u->off[r][k];
        r = u->parent[r];
    }
    /* path compression: every node on the path points at the root with its
     * accumulated translation */
    int y = x, rem[3] = {acc[0], acc[1], acc[2]};
    while (u->parent[y] != y) {
        int next = u->parent[y], o[3] = {u->off[y][0], u->off[y][1], u->off[y][2]};
        u->parent[y] = r;
        memcpy(u->off[y], rem, sizeof rem);
        for (int k = 0; k < 3; k++) rem[k] -= o[k];
        y = next;
    }
    memcpy(p, acc, sizeof acc);
    return r;
}

/* Add w to the windings of root r if it is linearly independent of them
 * (exact integer tests: cross product, determinant). */
static void add_winding(uf_t *u, int r, const int w[3])
{
    int rk = u->rank[r];
    int(*b)[3] = u->wind[r];
    if ((w[0] | w[1] | w[2]) == 0 || rk == 3) return;
    if (rk == 1) {
        long c0 = (long)b[0][1] * w[2] - (long)b[0][2] * w[1];
        long c1 = (long)b[0][2] * w[0] - (long)b[0][0] * w[2];
        long c2 = (long)b[0][0] * w[1] - (long)b[0][1] * w[0];
        if (!c0 && !c1 && !c2) return;
    } else if (rk == 2) {
        long det = (long)b[0][0] * ((long)b[1][1] * w[2] - (long)b[1][2] * w[1]) -
                   (long)b[0][1] * ((long)b[1][0] * w[2] - (long)b[1][2] * w[0]) +
                   (long)b[0][2] * ((long)b[1][0] * w[1] - (long)b[1][1] * w[0]);
        if (!det) return;
    }
    memcpy(b[rk], w, sizeof b[rk]);
    u->rank[r] = (unsigned char)(rk + 1);
}

typedef struct {
    double e;
    int i;
} ev_pair;

static int cmp_ev(const void *a, const void *b)
{
    const ev_pair *x = a, *y = b;
    if (x->e < y->e) return -1;
    if (x->e > y->e) return 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int check_grid(const int n[3], const double *e, aion_error *err, long *np)
{
    if (n[0] < 1 || n[1] < 1 || n[2] < 1 || (long)n[0] * n[1] * n[2] > 200000000L) {
        aion_err_set(err, AION_ERR_INVALID, "grid %dx%dx%d is not sensible", n[0], n[1], n[2]);
        return -1;
    }
    *np = (long)n[0] * n[1] * n[2];
    for (long k = 0; k < *np; k++)
        if (isnan(e[k])) {
            aion_err_set(err, AION_ERR_NUMERIC, "grid point %ld has a NaN energy", k);
            return -1;
        }
    return 0;
}

aion_status aion_pes_percolation(const int n[3], const double *e, int start, double eperc[3], int *start_out,
                                 aion_error *err)
{
    long np;
    uf_t u;
    ev_pair *order = NULL;
    unsigned char *active = NULL;
    aion_status st = AION_OK;
    for (int d = 0; d < 3; d++) eperc[d] = INFINITY;
    if (check_grid(n, e, err, &np)) return err ? err->code : AION_ERR_INVALID;
    if (start < 0) {
        start = 0;
        for (long k = 1; k < np; k++)
            if (e[k] < e[start]) start = (int)k;
    }
    if (start >= np) return aion_err_set(err, AION_ERR_INVALID, "start point %d outside the grid", start);
    if (start_out) *start_out = start;
    memset(&u, 0, sizeof u);
    u.parent = malloc((size_t)np * sizeof *u.parent);
    u.off = calloc((size_t)np, sizeof *u.off);
    u.size = malloc((size_t)np * sizeof *u.size);
    u.wind = calloc((size_t)np, sizeof *u.wind);
    u.rank = calloc((size_t)np, 1);
    order = malloc((size_t)np * sizeof *order);
    active = calloc((size_t)np, 1);
    if (!u.parent || !u.off || !u.size || !u.wind || !u.rank || !order || !active) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory for a %ld-point grid", np);
        goto done;
    }
    for (long k = 0; k < np; k++) {
        u.parent[k] = (int)k;
        u.size[k] = 1;
        order[k].e = e[k];
        order[k].i = (int)k;
    }
    qsort(order, (size_t)np, sizeof *order, cmp_ev);
    int found = 0;
    for (long q = 0; q < np && found < 3; q++) {
        int v = order[q].i;
        int vi = v / (n[1] * n[2]), vj = (v / n[2]) % n[1], vk = v % n[2];
        active[v] = 1;
        for (int da = -1; da <= 1; da++)
            for (int db = -1; db <= 1; db++)
                for (int dc = -1; dc <= 1; dc++) {
                    if (!da && !db && !dc) continue;
                    int c[3] = {vi + da, vj + db, vk + dc}, t[3];
                    for (int k = 0; k < 3; k++) {
                        /* grids thinner than 3 points: a neighbour may wrap
                         * onto the point itself or onto the same neighbour
                         * through two translations; both are handled exactly */
                        t[k] = c[k] < 0 ? -1 : c[k] >= n[k] ? 1 : 0;
                        c[k] -= t[k] * n[k];
                    }
                    int w = (c[0] * n[1] + c[1]) * n[2] + c[2];
                    if (!active[w]) continue;
                    int pv[3], pw[3], rel[3];
                    int rv = uf_find(&u, v, pv), rw = uf_find(&u, w, pw);
                    for (int k = 0; k < 3; k++) rel[k] = t[k] - pw[k] + pv[k];
                    if (rv == rw) {
                        add_winding(&u, rv, rel);
                    } else {
                        /* union by size; the child's translation relative to the new root */
                        int child = rw, root = rv, o[3] = {rel[0], rel[1], rel[2]};
                        if (u.size[rw] > u.size[rv]) {
                            child = rv, root = rw;
                            for (int k = 0; k < 3; k++) o[k] = -rel[k];
                        }
                        u.parent[child] = root;
                        memcpy(u.off[child], o, sizeof o);
                        u.size[root] += u.size[child];
                        for (int k = 0; k < u.rank[child]; k++) add_winding(&u, root, u.wind[child][k]);
                    }
                }
        if (active[start]) {
            int ps[3], rs = uf_find(&u, start, ps);
            while (found < u.rank[rs]) eperc[found++] = order[q].e;
        }
    }
done:
    free(u.parent);
    free(u.off);
    free(u.size);
    free(u.wind);
    free(u.rank);
    free(order);
    free(active);
    return st;
}

/* Binary min-heap of (level, index) for the priority flood. */
typedef struct {
    ev_pair *h;
    long n, cap;
} heap_t;

static int heap_push(heap_t *q, double e, int i)
{
    long k;
    if (q->n == q->cap) {
        long nc = q->cap ? 2 * q->cap : 1024;
        ev_pair *h = realloc(q->h, (size_t)nc * sizeof *h);
        if (!h) return -1;
        q->h = h;
        q->cap = nc;
    }
    k = q->n++;
    while (k > 0) {
        long p = (k - 1) / 2;
        if (q->h[p].e < e || (q->h[p].e == e && q->h[p].i <= i)) break;
        q->h[k] = q->h[p];
        k = p;
    }
    q->h[k].e = e;
    q->h[k].i = i;
    return 0;
}

static ev_pair heap_pop(heap_t *q)
{
    ev_pair top = q->h[0], last = q->h[--q->n];
    long k = 0;
    for (;;) {
        long c = 2 * k + 1;
        if (c >= q->n) break;
        if (c + 1 < q->n && (q->h[c + 1].e < q->h[c].e || (q->h[c + 1].e == q->h[c].e && q->h[c + 1].i < q->h[c].i))) c++;
        if (last.e < q->h[c].e || (last.e == q->h[c].e && last.i <= q->h[c].i)) break;
        q->h[k] = q->h[c];
        k = c;
    }
    q->h[k] = last;
    return top;
}

aion_status aion_pes_level_map(const int n[3], const double *e, int start, double *level, aion_error *err)
{
    return aion_pes_level_map_multi(n, e, 1, &start, level, err);
}

aion_status aion_pes_level_map_multi(const int n[3], const double *e, int nseed, const int *seeds, double *level,
                                     aion_error *err)
{
    long np;
    heap_t q = {NULL, 0, 0};
    unsigned char *done = NULL;
    aion_status st = AION_OK;
    if (check_grid(n, e, err, &np)) return err ? err->code : AION_ERR_INVALID;
    if (nseed < 1) return aion_err_set(err, AION_ERR_INVALID, "no start point");
    for (int s = 0; s < nseed; s++)
        if (seeds[s] < 0 || seeds[s] >= np)
            return aion_err_set(err, AION_ERR_INVALID, "start point %d outside the grid", seeds[s]);
    done = calloc((size_t)np, 1);
    if (!done) return aion_err_set(err, AION_ERR_NOMEM, "out of memory for a %ld-point grid", np);
    for (long k = 0; k < np; k++) level[k] = INFINITY;
    for (int s = 0; s < nseed; s++) {
        level[seeds[s]] = e[seeds[s]];
        if (heap_push(&q, e[seeds[s]], seeds[s])) goto nomem;
    }
    while (q.n > 0) {
        ev_pair top = heap_pop(&q);
        int v = top.i;
        if (done[v] || top.e > level[v]) continue;
        done[v] = 1;
        int vi = v / (n[1] * n[2]), vj = (v / n[2]) % n[1], vk = v % n[2];
        for (int da = -1; da <= 1; da++)
            for (int db = -1; db <= 1; db++)
                for (int dc = -1; dc <= 1; dc++) {
                    if (!da && !db && !dc) continue;
                    int c[3] = {(vi + da + n[0]) % n[0], (vj + db + n[1]) % n[1], (vk + dc + n[2]) % n[2]};
                    int w = (c[0] * n[1] + c[1]) * n[2] + c[2];
                    if (done[w]) continue;
                    double lv = fmax(level[v], e[w]);
                    if (lv < level[w]) {
                        level[w] = lv;
                        if (heap_push(&q, lv, w)) goto nomem;
                    }
                }
    }
    goto out;
nomem:
    st = aion_err_set(err, AION_ERR_NOMEM, "out of memory in the level-map flood");
out:
    free(q.h);
    free(done);
    return st;
}

void aion_pes_free_volume(long npts, const double *e, const double *level, double e_min, double thr, double *fv_disc,
                          double *fv_conn)
{
    long nd = 0, nc = 0;
    for (long k = 0; k < npts; k++) {
        if (e && e[k] - e_min < thr) nd++;
        if (level && level[k] - e_min < thr) nc++;
    }
    if (fv_disc) *fv_disc = npts ? (double)nd / (double)npts : 0.0;
    if (fv_conn) *fv_conn = npts ? (double)nc / (double)npts : 0.0;
}

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

double aion_pes_xi(double fv_conn_05, double fv_disc_05)
{
    /* log10(0) = -inf gives s(-inf) = 0, the right limit */
    double a = fv_conn_05 > 0 ? log10(fv_conn_05) : -INFINITY;
    double b = fv_disc_05 > 0 ? log10(fv_disc_05) : -INFINITY;
    return logistic(10.0 * (a + 2.0)) * logistic(10.0 * (b + 1.15));
}
