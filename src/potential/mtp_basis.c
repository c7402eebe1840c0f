/*
 * MTP basis enumeration: the scalar basis functions of a given level and the
 * tables (alpha_index_basic / alpha_index_times / alpha_moment_mapping) that
 * evaluate them, for untrained potentials.
 *
 * Definitions (Shapeev 2016, doi:10.1137/15M1054183, sec. 2; Novikov et al.
 * 2021, doi:10.1088/2632-2153/abc9fe): moment tensors M_{mu,nu} (symmetric,
 * rank nu) with level lev = 2 + 4 mu + nu; a basis function is a full
 * contraction of a product of moment tensors to a scalar, its level the sum of
 * the factors' levels; the basis of level L holds every such contraction with
 * level <= L. A contraction is a loopless multigraph whose vertices are the
 * factors (vertex degree = rank, edge multiplicity = number of indices
 * contracted between two factors); distinct basis functions = non-isomorphic
 * labelled multigraphs (traces, i.e. loops, are excluded: with unit vectors a
 * trace only repeats a lower moment). Disconnected graphs are products of
 * their components' scalars.
 *
 * With the further limits of MLIP-2's published untrained templates -- at most
 * four factors, mu <= 5, nu <= 10 -- the counts are those of the templates:
 * level 8: 9, 10: 16, 12: 29, 14: 52, 16: 92, 18: 163, 20: 288, 22: 500,
 * 24: 864, 26: 1464, 28: 2445 (tests/physics/test_mtp.c checks all of them).
 *
 * Evaluation tables. Basic moments are the tensor components {mu, a, b, c}
 * (value sum_j f_mu ux^a uy^b uz^c). A connected graph with vertices v1..v4 is
 * contracted in three binary steps, every step a list of products
 * m_out += k m_i m_j with integer k:
 *   W1 = v1 .(e12) v2, keeping its free indices in two groups, P (going to v3)
 *        and Q (going to v4), each symmetrised (only the symmetric part of a
 *        group matters, since the group is later contracted with one symmetric
 *        tensor);
 *   W2 = W1 .(P) v3 (free: Q and v3's indices to v4), symmetrised;
 *   s  = W2 . v4.
 * Intermediates are stored "weighted": W[m] = C(m) T[m] for each symmetric
 * group with multi-index m, C(m) = |m|!/(m_x! m_y! m_z!) the number of index
 * tuples with that multiset; this makes every coefficient an integer:
 *   W1[mP, mQ] = sum C(aP) C(bP) C(aQ) C(bQ) C(kappa) v1[aP+aQ+kappa] v2[bP+bQ+kappa]
 *   W2[m]      = sum_{g + c = m} sum_kappa C(c) W1[kappa, g] v3[kappa + c]
 * over aP + bP = mP, aQ + bQ = mQ with |aP| = e13, |aQ| = e14, |kappa| = e12.
 * Three-factor graphs stop after W2 (rank 0), two-factor ones after W1.
 * Identical intermediates are shared between basis functions.
 */
#include "mtp.h"

#include <stdlib.h>
#include <string.h>

#define MB_MAX_MU 5
#define MB_MAX_NU 10
#define MB_MAX_V 4
#define MB_MAX_LEVEL 28

typedef struct mb_graph {
    int nv;
    int lab[MB_MAX_V]; /* label index (into the label table), nondecreasing */
    int e[6];          /* multiplicities of pairs 01 02 03 12 13 23 */
} mb_graph;

static const int PAIR[6][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};

static int pair_index(int i, int j)
{
    if (i > j) {
        int t = i;
        i = j;
        j = t;
    }
    for (int q = 0; q < 6; q++)
        if (PAIR[q][0] == i && PAIR[q][1] == j) return q;
    return -1;
}

typedef struct mb_labels {
    int n;
    int mu[64], nu[64];
} mb_labels;

static void make_labels(int level, mb_labels *L)
{
    L->n = 0;
    for (int mu = 0; mu <= MB_MAX_MU; mu++)
        for (int nu = 0; nu <= MB_MAX_NU; nu++)
            if (2 + 4 * mu + nu <= level) {
                L->mu[L->n] = mu;
                L->nu[L->n] = nu;
                L->n++;
            }
}

/* ------------------------------------------------------------------ */
/* Graph enumeration                                                  */
/* ------------------------------------------------------------------ */

typedef struct mb_list {
    mb_graph *g;
    int n, cap;
    int oom;
} mb_list;

static void list_push(mb_list *l, const mb_graph *g)
{
    if (l->n == l->cap) {
        int nc = l->cap ? 2 * l->cap : 256;
        mb_graph *t = aion_realloc_array(l->g, (size_t)nc, sizeof *t);
        if (!t) {
            l->oom = 1;
            return;
        }
        l->g = t;
        l->cap = nc;
    }
    l->g[l->n++] = *g;
}

/* Is the edge vector the lexicographically smallest over label-preserving
 * vertex permutations? */
static int is_canonical(const mb_graph *g)
{
    static const int perms4[24][4] = {
        {0, 1, 2, 3}, {0, 1, 3, 2}, {0, 2, 1, 3}, {0, 2, 3, 1}, {0, 3, 1, 2}, {0, 3, 2, 1},
        {1, 0, 2, 3}, {1, 0, 3, 2}, {1, 2, 0, 3}, {1, 2, 3, 0}, {1, 3, 0, 2}, {1, 3, 2, 0},
        {2, 0, 1, 3}, {2, 0, 3, 1}, {2, 1, 0, 3}, {2, 1, 3, 0}, {2, 3, 0, 1}, {2, 3, 1, 0},
        {3, 0, 1, 2}, {3, 0, 2, 1}, {3, 1, 0, 2}, {3, 1, 2, 0}, {3, 2, 0, 1}, {3, 2, 1, 0}};
    for (int q = 0; q < 24; q++) {
        const int *pi = perms4[q];
        int ok = 1, e2[6];
        for (int v = 0; v < 4 && ok; v++) {
            if (v >= g->nv) {
                if (pi[v] != v) ok = 0;
            } else if (pi[v] >= g->nv || g->lab[pi[v]] != g->lab[v]) {
                ok = 0;
            }
        }
        if (!ok) continue;
        for (int p = 0; p < 6; p++) {
            int i = PAIR[p][0], j = PAIR[p][1];
            e2[p] = (i < g->nv && j < g->nv) ? g->e[pair_index(pi[i], pi[j])] : 0;
        }
        for (int p = 0; p < 6; p++) {
            if (e2[p] < g->e[p]) return 0;
            if (e2[p] > g->e[p]) break;
        }
    }
    return 1;
}

static void enum_edges(mb_graph *g, int p, int rem[MB_MAX_V], mb_list *out, long *count)
{
    if (p == 6) {
        for (int v = 0; v < g->nv; v++)
            if (rem[v]) return;
        if (!is_canonical(g)) return;
        if (out) list_push(out, g);
        (*count)++;
        return;
    }
    int i = PAIR[p][0], j = PAIR[p][1];
    if (i >= g->nv || j >= g->nv) {
        g->e[p] = 0;
        enum_edges(g, p + 1, rem, out, count);
        return;
    }
    int mx = rem[i] < rem[j] ? rem[i] : rem[j];
    for (int x = 0; x <= mx; x++) {
        g->e[p] = x;
        rem[i] -= x;
        rem[j] -= x;
        enum_edges(g, p + 1, rem, out, count);
        rem[i] += x;
        rem[j] += x;
    }
    g->e[p] = 0;
}

static void enum_labels(const mb_labels *L, int level, mb_graph *g, int v, int from, int lev, mb_list *out,
                        long *count)
{
    if (v == g->nv) {
        int rem[MB_MAX_V] = {0}, s = 0;
        for (int q = 0; q < g->nv; q++) {
            rem[q] = L->nu[g->lab[q]];
            s += rem[q];
        }
        if (s % 2) return;
        enum_edges(g, 0, rem, out, count);
        return;
    }
    for (int l = from; l < L->n; l++) {
        int lv = 2 + 4 * L->mu[l] + L->nu[l];
        if (lev + lv > level) continue;
        g->lab[v] = l;
        enum_labels(L, level, g, v + 1, l, lev + lv, out, count);
    }
}

static long enumerate(int level, const mb_labels *L, mb_list *out)
{
    long count = 0;
    for (int nv = 1; nv <= MB_MAX_V; nv++) {
        mb_graph g;
        memset(&g, 0, sizeof g);
        g.nv = nv;
        enum_labels(L, level, &g, 0, 0, 0, out, &count);
    }
    return count;
}

int mtp_basis_count(int level, int *nradial)
{
    mb_labels L;
    long n;
    if (level < 2 || level > MB_MAX_LEVEL) return -1;
    make_labels(level, &L);
    n = enumerate(level, &L, NULL);
    if (nradial) {
        int k = (level - 2) / 4 + 1;
        *nradial = k > MB_MAX_MU + 1 ? MB_MAX_MU + 1 : k;
    }
    return (int)n;
}

int aion_mtp_basis_size(int level, int *n_radial) { return mtp_basis_count(level, n_radial); }

/* ------------------------------------------------------------------ */
/* Table generation                                                   */
/* ------------------------------------------------------------------ */

/* multi-index helpers: symmetric components of rank r in MLIP order */
static int ncomp(int r) { return (r + 1) * (r + 2) / 2; }
static int comp_pos(int a, int b, int c)
{
    int r = a + b + c;
    return (r - a) * (r - a + 1) / 2 + (r - a - b);
}
static void comp_at(int r, int pos, int m[3])
{
    int t = 0, off;
    while (t < r && (t + 1) * (t + 2) / 2 <= pos) t++;
    off = pos - t * (t + 1) / 2;
    m[0] = r - t;
    m[1] = t - off;
    m[2] = off;
}
static double multinom(const int m[3])
{
    static const double fact[] = {1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800, 39916800, 479001600,
                                  6227020800.0, 87178291200.0, 1307674368000.0, 20922789888000.0,
                                  355687428096000.0, 6402373705728000.0, 121645100408832000.0,
                                  2432902008176640000.0, 51090942171709440000.0};
    return fact[m[0] + m[1] + m[2]] / (fact[m[0]] * fact[m[1]] * fact[m[2]]);
}

typedef struct mb_obj {
    int key[8];
    int first;   /* first moment index */
    int p, q;    /* group ranks (bi-symmetric layout p x q; scalar: 0, 0) */
} mb_obj;

typedef struct mb_term {
    int i, j;
    double k;
} mb_term;

typedef struct mb_gen {
    mtp_model *m;
    int basic_first[64]; /* first basic index of label l, -1 if unused */
    const mb_labels *L;
    mb_obj *obj;
    int nobj, capobj;
    int ntimes, captimes;
    int nmoments;
    mb_term *terms;
    int nterms, capterms;
    int oom;
} mb_gen;

static int basic_index(const mb_gen *G, int lab, const int m[3])
{
    return G->basic_first[lab] + comp_pos(m[0], m[1], m[2]);
}

static void add_term(mb_gen *G, int i, int j, double k)
{
    if (i > j) {
        int t = i;
        i = j;
        j = t;
    }
    for (int t = 0; t < G->nterms; t++)
        if (G->terms[t].i == i && G->terms[t].j == j) {
            G->terms[t].k += k;
            return;
        }
    if (G->nterms == G->capterms) {
        int nc = G->capterms ? 2 * G->capterms : 64;
        mb_term *t = aion_realloc_array(G->terms, (size_t)nc, sizeof *t);
        if (!t) {
            G->oom = 1;
            return;
        }
        G->terms = t;
        G->capterms = nc;
    }
    G->terms[G->nterms].i = i;
    G->terms[G->nterms].j = j;
    G->terms[G->nterms].k = k;
    G->nterms++;
}

static int term_cmp(const void *a, const void *b)
{
    const mb_term *x = a, *y = b;
    if (x->i != y->i) return x->i < y->i ? -1 : 1;
    return (x->j > y->j) - (x->j < y->j);
}

/* Emit the collected terms as products into moment `out`. */
static void flush_terms(mb_gen *G, int out)
{
    qsort(G->terms, (size_t)G->nterms, sizeof *G->terms, term_cmp);
    for (int t = 0; t < G->nterms; t++) {
        if (G->terms[t].k == 0.0) continue;
        if (G->ntimes == G->captimes) {
            int nc = G->captimes ? 2 * G->captimes : 1024;
            mtp_times *x = aion_realloc_array(G->m->times, (size_t)nc, sizeof *x);
            if (!x) {
                G->oom = 1;
                return;
            }
            G->m->times = x;
            G->captimes = nc;
        }
        G->m->times[G->ntimes].i = G->terms[t].i;
        G->m->times[G->ntimes].j = G->terms[t].j;
        G->m->times[G->ntimes].k = G->terms[t].k;
        G->m->times[G->ntimes].out = out;
        G->ntimes++;
    }
    G->nterms = 0;
}

static int find_obj(const mb_gen *G, const int key[8])
{
    for (int o = 0; o < G->nobj; o++)
        if (memcmp(G->obj[o].key, key, sizeof G->obj[o].key) == 0) return o;
    return -1;
}

static int new_obj(mb_gen *G, const int key[8], int p, int q)
{
    if (G->nobj == G->capobj) {
        int nc = G->capobj ? 2 * G->capobj : 256;
        mb_obj *t = aion_realloc_array(G->obj, (size_t)nc, sizeof *t);
        if (!t) {
            G->oom = 1;
            return -1;
        }
        G->obj = t;
        G->capobj = nc;
    }
    mb_obj *o = &G->obj[G->nobj];
    memcpy(o->key, key, sizeof o->key);
    o->first = G->nmoments;
    o->p = p;
    o->q = q;
    G->nmoments += ncomp(p) * ncomp(q);
    return G->nobj++;
}

/* enumerate sub-multisets s <= m with |s| = r: iterate s0 from high to low */
#define FOR_SUB(s, m, r)                                                                           \
    for (s[0] = (m[0] < (r) ? m[0] : (r)); s[0] >= 0; s[0]--)                                     \
        for (s[1] = (m[1] < (r)-s[0] ? m[1] : (r)-s[0]); s[1] >= 0; s[1]--)                       \
            if ((s[2] = (r)-s[0] - s[1]) <= m[2])

/* W1 = v1 .(e) v2 with groups P (pA from v1, pB from v2) and Q (qA, qB). */
static int op_pair(mb_gen *G, int l1, int l2, int e, int pA, int qA, int pB, int qB)
{
    int key[8];
    /* normalise the symmetric pair */
    if (l1 > l2 || (l1 == l2 && (pA > pB || (pA == pB && qA > qB)))) {
        int t;
        t = l1, l1 = l2, l2 = t;
        t = pA, pA = pB, pB = t;
        t = qA, qA = qB, qB = t;
    }
    key[0] = 1, key[1] = l1, key[2] = l2, key[3] = e, key[4] = pA, key[5] = qA, key[6] = pB, key[7] = qB;
    int o = find_obj(G, key);
    if (o >= 0) return o;
    int p = pA + pB, q = qA + qB;
    o = new_obj(G, key, p, q);
    if (o < 0) return -1;
    int first = G->obj[o].first;
    for (int cp = 0; cp < ncomp(p); cp++)
        for (int cq = 0; cq < ncomp(q); cq++) {
            int mP[3], mQ[3], aP[3], aQ[3], bP[3], bQ[3], ka[3];
            comp_at(p, cp, mP);
            comp_at(q, cq, mQ);
            FOR_SUB(aP, mP, pA)
            FOR_SUB(aQ, mQ, qA)
            {
                for (int c = 0; c < 3; c++) {
                    bP[c] = mP[c] - aP[c];
                    bQ[c] = mQ[c] - aQ[c];
                }
                double w0 = multinom(aP) * multinom(bP) * multinom(aQ) * multinom(bQ);
                for (int ck = 0; ck < ncomp(e); ck++) {
                    int x[3], y[3];
                    comp_at(e, ck, ka);
                    for (int c = 0; c < 3; c++) {
                        x[c] = aP[c] + aQ[c] + ka[c];
                        y[c] = bP[c] + bQ[c] + ka[c];
                    }
                    add_term(G, basic_index(G, l1, x), basic_index(G, l2, y), w0 * multinom(ka));
                }
            }
            flush_terms(G, first + cp * ncomp(q) + cq);
        }
    return o;
}

/* W2 = X .(P) v (X has groups p, q; v has rank p + e): symmetric rank q + e,
 * stored as groups (q + e, 0). */
static int op_absorb(mb_gen *G, int x, int l, int e)
{
    int key[8] = {2, x, l, e, 0, 0, 0, 0};
    int o = find_obj(G, key);
    if (o >= 0) return o;
    int p = G->obj[x].p, q = G->obj[x].q, r = q + e;
    int xfirst = G->obj[x].first;
    o = new_obj(G, key, r, 0);
    if (o < 0) return -1;
    int first = G->obj[o].first;
    for (int cm = 0; cm < ncomp(r); cm++) {
        int mm[3], g[3], c3[3], ka[3];
        comp_at(r, cm, mm);
        FOR_SUB(g, mm, q)
        {
            for (int c = 0; c < 3; c++) c3[c] = mm[c] - g[c];
            double w0 = multinom(c3);
            for (int ck = 0; ck < ncomp(p); ck++) {
                int y[3];
                comp_at(p, ck, ka);
                for (int c = 0; c < 3; c++) y[c] = ka[c] + c3[c];
                int xi = xfirst + ck * ncomp(q) + comp_pos(g[0], g[1], g[2]);
                add_term(G, xi, basic_index(G, l, y), w0);
            }
        }
        flush_terms(G, first + cm);
    }
    return o;
}

/* scalar moment index of object o */
static int scalar_of(const mb_gen *G, int o) { return G->obj[o].first; }

/* product of two scalar objects */
static int op_prod(mb_gen *G, int a, int b)
{
    if (a > b) {
        int t = a;
        a = b;
        b = t;
    }
    int key[8] = {3, a, b, 0, 0, 0, 0, 0};
    int o = find_obj(G, key);
    if (o >= 0) return o;
    o = new_obj(G, key, 0, 0);
    if (o < 0) return -1;
    add_term(G, scalar_of(G, a), scalar_of(G, b), 1.0);
    flush_terms(G, G->obj[o].first);
    return o;
}

/* scalar of a single basic moment M_{mu,0}: wrap as an object without products */
static int op_basic_scalar(mb_gen *G, int l)
{
    int key[8] = {4, l, 0, 0, 0, 0, 0, 0};
    int o = find_obj(G, key);
    if (o >= 0) return o;
    if (G->nobj == G->capobj) {
        int nc = G->capobj ? 2 * G->capobj : 256;
        mb_obj *t = aion_realloc_array(G->obj, (size_t)nc, sizeof *t);
        if (!t) {
            G->oom = 1;
            return -1;
        }
        G->obj = t;
        G->capobj = nc;
    }
    mb_obj *ob = &G->obj[G->nobj];
    memcpy(ob->key, key, sizeof ob->key);
    ob->first = G->basic_first[l];
    ob->p = ob->q = 0;
    return G->nobj++;
}

static int ncomp_cost(int p, int q) { return ncomp(p) * ncomp(q); }

/* Scalar object of a connected graph on vertices vs[0..k-1] of g. */
static int connected_scalar(mb_gen *G, const mb_graph *g, const int *vs, int k)
{
    const mb_labels *L = G->L;
#define E(a, b) g->e[pair_index((a), (b))]
    if (k == 1) return op_basic_scalar(G, g->lab[vs[0]]);
    if (k == 2) return op_pair(G, g->lab[vs[0]], g->lab[vs[1]], E(vs[0], vs[1]), 0, 0, 0, 0);
    if (k == 3) {
        /* v3 = the vertex of smallest rank (smallest intermediate) */
        int best = 0;
        for (int t = 1; t < 3; t++)
            if (L->nu[g->lab[vs[t]]] < L->nu[g->lab[vs[best]]]) best = t;
        int v3 = vs[best], v1 = vs[(best + 1) % 3], v2 = vs[(best + 2) % 3];
        int w1 = op_pair(G, g->lab[v1], g->lab[v2], E(v1, v2), E(v1, v3), 0, E(v2, v3), 0);
        if (w1 < 0) return -1;
        return op_absorb(G, w1, g->lab[v3], 0);
    }
    /* k == 4: choose the order with the smallest intermediates */
    static const int ord[12][4] = {{0, 1, 2, 3}, {0, 1, 3, 2}, {0, 2, 1, 3}, {0, 2, 3, 1}, {0, 3, 1, 2},
                                   {0, 3, 2, 1}, {1, 2, 0, 3}, {1, 2, 3, 0}, {1, 3, 0, 2}, {1, 3, 2, 0},
                                   {2, 3, 0, 1}, {2, 3, 1, 0}};
    int bo = 0, bc = 1 << 30;
    for (int t = 0; t < 12; t++) {
        int a = vs[ord[t][0]], b = vs[ord[t][1]], c = vs[ord[t][2]], d = vs[ord[t][3]];
        int p = E(a, c) + E(b, c), q = E(a, d) + E(b, d);
        int cost = ncomp_cost(p, q) + ncomp(L->nu[g->lab[d]]);
        if (cost < bc) {
            bc = cost;
            bo = t;
        }
    }
    int a = vs[ord[bo][0]], b = vs[ord[bo][1]], c = vs[ord[bo][2]], d = vs[ord[bo][3]];
    int w1 = op_pair(G, g->lab[a], g->lab[b], E(a, b), E(a, c), E(a, d), E(b, c), E(b, d));
    if (w1 < 0) return -1;
    int w2 = op_absorb(G, w1, g->lab[c], E(c, d));
    if (w2 < 0) return -1;
    return op_absorb(G, w2, g->lab[d], 0);
#undef E
}

static int graph_scalar(mb_gen *G, const mb_graph *g)
{
    int comp[MB_MAX_V], nc = 0, sc[MB_MAX_V];
    for (int v = 0; v < g->nv; v++) comp[v] = -1;
    for (int v = 0; v < g->nv; v++) {
        if (comp[v] >= 0) continue;
        int stack[MB_MAX_V], sp = 0;
        comp[v] = nc;
        stack[sp++] = v;
        while (sp) {
            int x = stack[--sp];
            for (int y = 0; y < g->nv; y++)
                if (y != x && comp[y] < 0 && g->e[pair_index(x, y)] > 0) {
                    comp[y] = nc;
                    stack[sp++] = y;
                }
        }
        nc++;
    }
    for (int c = 0; c < nc; c++) {
        int vs[MB_MAX_V], k = 0;
        for (int v = 0; v < g->nv; v++)
            if (comp[v] == c) vs[k++] = v;
        sc[c] = connected_scalar(G, g, vs, k);
        if (sc[c] < 0) return -1;
    }
    /* product of the components (sorted, so that partial products are shared) */
    for (int a = 1; a < nc; a++)
        for (int b = a; b > 0 && sc[b - 1] > sc[b]; b--) {
            int t = sc[b];
            sc[b] = sc[b - 1];
            sc[b - 1] = t;
        }
    int o = sc[0];
    for (int c = 1; c < nc; c++) {
        o = op_prod(G, o, sc[c]);
        if (o < 0) return -1;
    }
    return o;
}

aion_status mtp_basis_generate(mtp_model *m, int level, int nspecies, double min_dist, double max_dist, int rb_size,
                               aion_error *err)
{
    mb_labels L;
    mb_list list = {0};
    mb_gen G;
    int used[64] = {0}, *seen = NULL;
    aion_status st = AION_OK;

    mtp_model_init(m);
    memset(&G, 0, sizeof G);
    if (level < 2 || level > MB_MAX_LEVEL)
        return aion_err_set(err, AION_ERR_INVALID, "MTP level %d out of range 2..%d", level, MB_MAX_LEVEL);
    if (nspecies < 1 || nspecies > MTP_MAX_SPECIES)
        return aion_err_set(err, AION_ERR_INVALID, "MTP species count %d out of range 1..%d", nspecies,
                            MTP_MAX_SPECIES);
    if (rb_size < 2 || rb_size > MTP_MAX_RB_SIZE)
        return aion_err_set(err, AION_ERR_INVALID, "radial basis size %d out of range 2..%d", rb_size,
                            MTP_MAX_RB_SIZE);
    if (!(min_dist >= 0.0) || !(max_dist > min_dist) || !(max_dist < 1e6))
        return aion_err_set(err, AION_ERR_INVALID, "need 0 <= min_dist < max_dist (got %g, %g)", min_dist, max_dist);
    make_labels(level, &L);
    enumerate(level, &L, &list);
    if (list.oom) goto nomem;

    m->version = aion_strdup("1.1.0");
    m->name = aion_strdup("MTP1m");
    m->tag = aion_strdup("");
    m->rb_type = aion_strdup("RBChebyshev");
    if (!m->version || !m->name || !m->tag || !m->rb_type) goto nomem;
    m->nspecies = nspecies;
    m->min_dist = min_dist;
    m->max_dist = max_dist;
    m->rb_size = rb_size;
    m->scaling = 1.0;
    m->has_scaling = 0;

    /* basic moments: every component of every label used, by (mu, nu) */
    for (int q = 0; q < list.n; q++)
        for (int v = 0; v < list.g[q].nv; v++) used[list.g[q].lab[v]] = 1;
    G.m = m;
    G.L = &L;
    m->nradial = 0;
    for (int l = 0; l < L.n; l++) {
        G.basic_first[l] = -1;
        if (!used[l]) continue;
        G.basic_first[l] = G.nmoments;
        G.nmoments += ncomp(L.nu[l]);
        if (L.mu[l] + 1 > m->nradial) m->nradial = L.mu[l] + 1;
    }
    m->nbasic = G.nmoments;
    m->basic = aion_calloc((size_t)m->nbasic, sizeof *m->basic);
    if (!m->basic) goto nomem;
    for (int l = 0; l < L.n; l++) {
        if (!used[l]) continue;
        for (int c = 0; c < ncomp(L.nu[l]); c++) {
            int mm[3];
            comp_at(L.nu[l], c, mm);
            int *b = m->basic[G.basic_first[l] + c];
            b[0] = L.mu[l];
            b[1] = mm[0];
            b[2] = mm[1];
            b[3] = mm[2];
        }
    }
    m->nscalar = list.n;
    m->mapping = aion_calloc((size_t)list.n, sizeof(int));
    if (!m->mapping) goto nomem;
    for (int q = 0; q < list.n; q++) {
        int o = graph_scalar(&G, &list.g[q]);
        if (G.oom || o < 0) goto nomem;
        m->mapping[q] = scalar_of(&G, o);
    }
    m->nmoments = G.nmoments;
    m->ntimes = G.ntimes;
    if (!m->times) {
        m->times = aion_calloc(1, sizeof *m->times);
        if (!m->times) goto nomem;
    }
    /* distinct graphs must give distinct moments */
    seen = aion_calloc((size_t)m->nmoments, sizeof *seen);
    if (!seen) goto nomem;
    for (int q = 0; q < m->nscalar; q++) {
        if (seen[m->mapping[q]]) {
            st = aion_err_set(err, AION_ERR_INTERNAL, "MTP basis: two basis functions share moment %d",
                              m->mapping[q]);
            goto fail;
        }
        seen[m->mapping[q]] = 1;
    }
    st = mtp_model_check(m, "generated MTP", err);
    if (st) goto fail;
    free(seen);
    free(list.g);
    free(G.obj);
    free(G.terms);
    return AION_OK;
nomem:
    st = aion_err_set(err, AION_ERR_NOMEM, "out of memory generating the MTP basis");
fail:
    free(seen);
    free(list.g);
    free(G.obj);
    free(G.terms);
    mtp_model_free(m);
    return st;
}

aion_status aion_mtp_write_untrained(const char *path, int level, int n_species, double min_dist, double max_dist,
                                     int radial_basis_size, aion_error *err)
{
    mtp_model m;
    aion_status st = mtp_basis_generate(&m, level, n_species, min_dist, max_dist, radial_basis_size, err);
    if (st) return st;
    st = mtp_model_write(path, &m, err);
    mtp_model_free(&m);
    return st;
}
