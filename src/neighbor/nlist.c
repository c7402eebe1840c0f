/*
 * Neighbour lists: linked cells (bins) over the local atoms and their periodic
 * images ("ghosts"), O(N) for any triclinic cell and any cutoff.
 *
 * Algorithm (see docs/neighbour-lists.md):
 *  1. Effective cell H: the periodic lattice vectors of the frame; vectors of
 *     non-periodic directions are replaced by an orthonormal completion (they
 *     never produce images, and a vacuum box or a zero row must not matter).
 *     Fully non-periodic frames use H = identity.
 *  2. Every local atom is wrapped into the cell along periodic directions
 *     (integer shift w_i kept until the next build, so x[i] = pos[i] - w_i·H
 *     moves continuously between builds).
 *  3. Ghosts: every image s + m (m integer, periodic directions only) whose
 *     fractional coordinate lies in [-rc/W_k, 1 + rc/W_k] along each periodic
 *     direction k, where W_k is the perpendicular width and rc = cutoff + skin.
 *     Since |Δs_k| <= |Δr| / W_k, this holds every image within rc of the
 *     cell, whatever the skew or the cutoff (several shells of images when
 *     rc > W_k).
 *  4. Cartesian bins of edge >= rc/2 over the bounding box of locals and
 *     ghosts (bin count capped relative to the atom count); stencil = the bins
 *     whose minimum distance to the home bin is <= rc.
 *  5. Pairs (i local, g local or ghost) with |x[g] - x[i]| < rc, filtered by
 *     the half-list rule: owner(g) > i, or owner(g) == i and img(g) > 0
 *     lexicographically.
 *
 * Verlet-skin validity between builds (rigorous, includes cell deformation):
 * with M = H0^{-1} H (affine deformation since the build) and the non-affine
 * displacement u_i = pos_i - pos0_i · M, a pair now closer than the cutoff was
 * at build time closer than (cutoff + 2 max|u|) / sigma_min(M), and
 * sigma_min(M) >= 1 - ||M - I||_F. So the list is still complete while
 *     cutoff + 2 max|u| <= (1 - ||M - I||_F) (cutoff + skin).
 * Linked-cell method: Allen & Tildesley, Computer Simulation of Liquids (2017),
 * ch. 5.3, doi:10.1093/oso/9780198803195.001.0001.
 */
#include "nlist.h"
#include "internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Relative margin on the ghost slab and the stencil so that rounding never
 * drops a pair at distance just below rc. */
#define NL_EPS 1e-9
/* Bins per atom at most (memory bound for sparse or very skewed systems). */
#define NL_MAX_BINS_PER_ATOM 4

typedef struct nl_priv {
    size_t cap_n, cap_all, cap_nbr, cap_bins, cap_stencil;
    /* per local atom */
    double (*pos0)[3]; /* positions given at the last build */
    int (*wrap)[3];    /* wrap shift used at the last build */
    double (*sfrac)[3];/* wrapped fractional coordinates (build scratch) */
    int *gstart;       /* n + 1: first ghost of each local (prefix sums) */
    int *cnt;          /* n: pair count per atom (build scratch) */
    int *lorder;       /* n: local atoms in bin order (build scratch) */
    /* per position ii in lorder (contiguous per thread: no false sharing) */
    int *tid;          /* thread whose buffer holds the pairs of lorder[ii] */
    size_t *tstart;    /* where in that buffer */
    int *ocnt;         /* how many */
    /* per local+ghost */
    int *bin_of;
    int *bin_atoms;    /* atoms sorted by bin (ascending index within a bin) */
    double (*bin_x)[3];/* their positions, contiguous per bin */
    int *bin_key;      /* half-list key: 2·owner + (img > 0), see build() */
    /* bins */
    int *bin_start;    /* nbins + 1 */
    int nb[3];
    double lo[3], bsize;
    int (*stencil)[3];
    int nstencil;
    /* per-thread pair buffers */
    int nbuf;
    int **tbuf;
    size_t *tcap;
    size_t *tlen;
    /* state of the last build */
    double H0[3][3], H0inv[3][3];
    double cell0[3][3];   /* f->cell as given at the last build */
    int per0[3];
    int n_built;
    int valid;
    int nthreads;      /* 0 = OpenMP default */
} nl_priv;

/* Geometric capacity growth without aliasing casts: NL_NEWCAP gives the new
 * capacity, NL_REALLOC reallocates one array (jumping to nomem on failure; the
 * old block stays valid), and the capacity is committed after all arrays that
 * share it were grown. */
static size_t nl_newcap(size_t cap, size_t need)
{
    size_t nc = cap ? cap : 16;
    while (nc < need) nc = nc + nc / 2 + 16;
    return nc;
}
#define NL_REALLOC(ptr, nc)                                          \
    do {                                                             \
        void *q_ = aion_realloc_array((ptr), (nc), sizeof *(ptr));   \
        if (!q_) goto nomem;                                         \
        (ptr) = q_;                                                  \
    } while (0)
#define NL_GROW(ptr, cap, need)                                      \
    do {                                                             \
        if ((need) > (cap) || !(ptr)) {                              \
            size_t nc_ = nl_newcap((cap), (need));                   \
            NL_REALLOC(ptr, nc_);                                    \
            (cap) = nc_;                                             \
        }                                                            \
    } while (0)

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static void cross3(const double a[3], const double b[3], double c[3])
{
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

static int normalize3(double a[3])
{
    double l = sqrt(dot3(a, a));
    if (!(l > 0) || !isfinite(l)) return -1;
    for (int k = 0; k < 3; k++) a[k] /= l;
    return 0;
}

static void periodic_dirs(const aion_frame *f, int per[3])
{
    for (int k = 0; k < 3; k++) per[k] = (f->has & AION_HAS_CELL) && f->pbc[k];
}

/* Effective cell: periodic rows of f->cell, the others an orthonormal
 * completion. */
static aion_status effective_cell(const aion_frame *f, const int per[3], double H[3][3], double Hinv[3][3],
                                  aion_error *err)
{
    int np = per[0] + per[1] + per[2];
    memset(H, 0, 9 * sizeof(double));
    if (np == 0) {
        for (int k = 0; k < 3; k++) H[k][k] = Hinv[k][k] = 1.0;
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                if (a != b) Hinv[a][b] = 0.0;
        return AION_OK;
    }
    for (int k = 0; k < 3; k++) {
        if (!per[k]) continue;
        for (int c = 0; c < 3; c++) {
            H[k][c] = f->cell[k][c];
            if (!isfinite(H[k][c])) return aion_err_set(err, AION_ERR_NUMERIC, "neighbour list: cell is not finite");
        }
        if (!(dot3(H[k], H[k]) > 0))
            return aion_err_set(err, AION_ERR_INVALID, "neighbour list: periodic lattice vector %c has zero length",
                                'a' + k);
    }
    if (np == 2) {
        int k = !per[0] ? 0 : !per[1] ? 1 : 2;
        cross3(H[(k + 1) % 3], H[(k + 2) % 3], H[k]);
        if (normalize3(H[k]))
            return aion_err_set(err, AION_ERR_INVALID, "neighbour list: periodic lattice vectors are parallel");
    } else if (np == 1) {
        int p = per[0] ? 0 : per[1] ? 1 : 2;
        double a[3] = {H[p][0], H[p][1], H[p][2]}, e[3] = {0, 0, 0}, b[3], c[3];
        normalize3(a);
        int m = 0;
        for (int k = 1; k < 3; k++)
            if (fabs(a[k]) < fabs(a[m])) m = k;
        e[m] = 1.0;
        double ea = dot3(e, a);
        for (int k = 0; k < 3; k++) b[k] = e[k] - ea * a[k];
        normalize3(b);
        cross3(a, b, c);
        memcpy(H[(p + 1) % 3], b, sizeof b);
        memcpy(H[(p + 2) % 3], c, sizeof c);
    }
    if (aion_cell_inverse((const double(*)[3])H, Hinv))
        return aion_err_set(err, AION_ERR_NUMERIC, "neighbour list: cell is singular");
    return AION_OK;
}

aion_status aion_nlist_create(aion_nlist **out, const aion_nlist_opts *opts, aion_error *err)
{
    aion_nlist *nl = NULL;
    *out = NULL;
    if (!opts || !(opts->cutoff > 0) || !isfinite(opts->cutoff) || !(opts->skin >= 0) || !isfinite(opts->skin))
        return aion_err_set(err, AION_ERR_INVALID, "neighbour list: cutoff must be > 0 and skin >= 0 (got %g, %g)",
                            opts ? opts->cutoff : 0.0, opts ? opts->skin : 0.0);
    nl = aion_calloc(1, sizeof *nl);
    if (!nl) goto fail;
    nl->priv = aion_calloc(1, sizeof(nl_priv));
    if (!nl->priv) goto fail;
    nl->cutoff = opts->cutoff;
    nl->skin = opts->skin;
    nl->full = opts->full ? 1 : 0;
    nl->offset = aion_calloc(1, sizeof(int));
    if (!nl->offset) goto fail;
    *out = nl;
    return AION_OK;
fail:
    aion_nlist_free(nl);
    return aion_err_set(err, AION_ERR_NOMEM, "neighbour list: out of memory");
}

void aion_nlist_free(aion_nlist *nl)
{
    if (!nl) return;
    nl_priv *p = nl->priv;
    if (p) {
        free(p->pos0);
        free(p->wrap);
        free(p->sfrac);
        free(p->gstart);
        free(p->cnt);
        free(p->lorder);
        free(p->tid);
        free(p->tstart);
        free(p->ocnt);
        free(p->bin_of);
        free(p->bin_atoms);
        free(p->bin_x);
        free(p->bin_key);
        free(p->bin_start);
        free(p->stencil);
        for (int t = 0; t < p->nbuf; t++) free(p->tbuf[t]);
        free(p->tbuf);
        free(p->tcap);
        free(p->tlen);
        free(p);
    }
    free(nl->x);
    free(nl->owner);
    free(nl->img);
    free(nl->offset);
    free(nl->nbr);
    free(nl);
}

void aion_nlist_invalidate(aion_nlist *nl)
{
    if (nl && nl->priv) ((nl_priv *)nl->priv)->valid = 0;
}

void aion_nlist_set_threads(aion_nlist *nl, int nthreads)
{
    if (nl && nl->priv) ((nl_priv *)nl->priv)->nthreads = nthreads > 0 ? nthreads : 0;
}

long aion_nlist_builds(const aion_nlist *nl) { return nl ? nl->builds : 0; }

int aion_nlist_reference(const aion_nlist *nl, const double (**pos)[3], double cell[3][3])
{
    const nl_priv *p = nl ? nl->priv : NULL;
    if (!p || !p->valid) return 0;
    *pos = (const double(*)[3])p->pos0;
    memcpy(cell, p->cell0, sizeof p->cell0);
    return p->n_built;
}

int aion_nlist_nall(const aion_nlist *nl) { return nl ? nl->nall : 0; }

static int nl_threads(const nl_priv *p)
{
#ifdef _OPENMP
    return p->nthreads > 0 ? p->nthreads : omp_get_max_threads();
#else
    (void)p;
    return 1;
#endif
}

/* x[] from the current positions and cell (no checks). */
static void refresh_x(aion_nlist *nl, const aion_frame *f, const double H[3][3], int nt)
{
    nl_priv *p = nl->priv;
    int n = nl->n, nall = nl->nall;
    double (*x)[3] = nl->x;
#pragma omp parallel for schedule(static) num_threads(nt) if (n > 16384)
    for (int i = 0; i < n; i++) {
        const int *w = p->wrap[i];
        for (int c = 0; c < 3; c++)
            x[i][c] = f->pos[i][c] - (w[0] * H[0][c] + w[1] * H[1][c] + w[2] * H[2][c]);
    }
#pragma omp parallel for schedule(static) num_threads(nt) if (nall - n > 16384)
    for (int g = n; g < nall; g++) {
        const int *m = nl->img[g];
        const double *xo = x[nl->owner[g]];
        for (int c = 0; c < 3; c++) x[g][c] = xo[c] + (m[0] * H[0][c] + m[1] * H[1][c] + m[2] * H[2][c]);
    }
}

static int img_positive(const int m[3])
{
    if (m[0] != 0) return m[0] > 0;
    if (m[1] != 0) return m[1] > 0;
    return m[2] > 0;
}

static aion_status build(aion_nlist *nl, const aion_frame *f)
{
    nl_priv *p = nl->priv;
    aion_error *err = &nl->err;
    int n = f->n, per[3];
    double H[3][3], Hinv[3][3], W[3];
    const double rc = nl->cutoff + nl->skin, rc2 = rc * rc;
    int nt = f->n < 1024 ? 1 : nl_threads(p); /* small frames (training sets): no team */
    aion_status st;

    p->valid = 0;
    if (n < 0 || (n > 0 && !f->pos)) return aion_err_set(err, AION_ERR_INVALID, "neighbour list: frame has no positions");
    periodic_dirs(f, per);
    if ((st = effective_cell(f, per, H, Hinv, err))) return st;
    aion_cell_widths((const double(*)[3])H, W);

    if ((size_t)n + 1 > p->cap_n) {
        size_t nc = nl_newcap(p->cap_n, (size_t)n + 1);
        NL_REALLOC(p->pos0, nc);
        NL_REALLOC(p->wrap, nc);
        NL_REALLOC(p->sfrac, nc);
        NL_REALLOC(p->gstart, nc);
        NL_REALLOC(p->cnt, nc);
        NL_REALLOC(p->lorder, nc);
        NL_REALLOC(p->tid, nc);
        NL_REALLOC(p->tstart, nc);
        NL_REALLOC(p->ocnt, nc);
        NL_REALLOC(nl->offset, nc);
        p->cap_n = nc;
    }

    /* 1. wrap locals, count ghosts */
    double slab[3];
    for (int k = 0; k < 3; k++) slab[k] = per[k] ? rc / W[k] * (1.0 + NL_EPS) + NL_EPS : 0.0;
    int bad = 0;
    double total_ghosts = 0.0;
#pragma omp parallel for schedule(static) num_threads(nt) reduction(|| : bad) reduction(+ : total_ghosts)
    for (int i = 0; i < n; i++) {
        double s[3];
        const double *r = f->pos[i];
        if (!isfinite(r[0]) || !isfinite(r[1]) || !isfinite(r[2])) {
            bad = 1;
            p->gstart[i] = 0;
            continue;
        }
        memcpy(p->pos0[i], r, sizeof p->pos0[i]);
        for (int k = 0; k < 3; k++) s[k] = r[0] * Hinv[0][k] + r[1] * Hinv[1][k] + r[2] * Hinv[2][k];
        double cnt = 1.0;
        for (int k = 0; k < 3; k++) {
            if (per[k]) {
                double fl = floor(s[k]);
                s[k] -= fl;
                if (s[k] >= 1.0) s[k] -= 1.0, fl += 1.0;
                if (s[k] < 0.0) s[k] = 0.0;
                if (fabs(fl) > 1e9) bad = 1, fl = 0.0;
                p->wrap[i][k] = (int)fl;
                cnt *= floor(1.0 + slab[k] - s[k]) - ceil(-slab[k] - s[k]) + 1.0;
            } else {
                p->wrap[i][k] = 0;
            }
            p->sfrac[i][k] = s[k];
        }
        total_ghosts += cnt - 1.0;
        p->gstart[i] = cnt > (double)INT_MAX ? INT_MAX : (int)cnt - 1;
    }
    if (bad) return aion_err_set(err, AION_ERR_NUMERIC, "neighbour list: positions are not finite or absurdly far outside the cell");
    if ((double)n + total_ghosts > (double)(INT_MAX / 4))
        return aion_err_set(err, AION_ERR_INVALID,
                            "neighbour list: cutoff+skin %g Å needs %.3g periodic images for cell widths %.3g %.3g %.3g Å",
                            rc, total_ghosts, W[0], W[1], W[2]);
    /* prefix sums: gstart[i] = index of first ghost of i */
    {
        int acc = n;
        for (int i = 0; i < n; i++) {
            int c = p->gstart[i];
            p->gstart[i] = acc;
            acc += c;
        }
        p->gstart[n] = acc;
        nl->nall = acc;
    }
    nl->n = n;
    int nall = nl->nall;
    if ((size_t)nall + 1 > p->cap_all) {
        size_t nc = nl_newcap(p->cap_all, (size_t)nall + 1);
        NL_REALLOC(nl->x, nc);
        NL_REALLOC(nl->owner, nc);
        NL_REALLOC(nl->img, nc);
        NL_REALLOC(p->bin_of, nc);
        NL_REALLOC(p->bin_atoms, nc);
        NL_REALLOC(p->bin_x, nc);
        NL_REALLOC(p->bin_key, nc);
        p->cap_all = nc;
    }

    /* 2. locals and ghosts */
    double (*x)[3] = nl->x;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int i = 0; i < n; i++) {
        double y[3];
        const int *w = p->wrap[i];
        for (int c = 0; c < 3; c++)
            y[c] = f->pos[i][c] - (w[0] * H[0][c] + w[1] * H[1][c] + w[2] * H[2][c]);
        memcpy(x[i], y, sizeof y);
        nl->owner[i] = i;
        nl->img[i][0] = nl->img[i][1] = nl->img[i][2] = 0;
        int lo[3], hi[3];
        for (int k = 0; k < 3; k++) {
            if (per[k]) {
                lo[k] = (int)ceil(-slab[k] - p->sfrac[i][k]);
                hi[k] = (int)floor(1.0 + slab[k] - p->sfrac[i][k]);
            } else {
                lo[k] = hi[k] = 0;
            }
        }
        int g = p->gstart[i];
        for (int a = lo[0]; a <= hi[0]; a++)
            for (int b = lo[1]; b <= hi[1]; b++)
                for (int c = lo[2]; c <= hi[2]; c++) {
                    if (a == 0 && b == 0 && c == 0) continue;
                    nl->owner[g] = i;
                    nl->img[g][0] = a;
                    nl->img[g][1] = b;
                    nl->img[g][2] = c;
                    for (int d = 0; d < 3; d++) x[g][d] = y[d] + a * H[0][d] + b * H[1][d] + c * H[2][d];
                    g++;
                }
    }

    /* 3. bins over the bounding box */
    double lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
    if (nall > 0) {
        for (int c = 0; c < 3; c++) lo[c] = hi[c] = x[0][c];
        for (int g = 1; g < nall; g++)
            for (int c = 0; c < 3; c++) {
                if (x[g][c] < lo[c]) lo[c] = x[g][c];
                if (x[g][c] > hi[c]) hi[c] = x[g][c];
            }
    }
    for (int c = 0; c < 3; c++)
        if (!(hi[c] - lo[c] < 1e12))
            return aion_err_set(err, AION_ERR_INVALID, "neighbour list: atoms span %.3g Å along %c", hi[c] - lo[c],
                                'x' + c);
    double bsize = rc / 2.0; /* measured: rc/2 beats rc and rc/3 */
    double maxbins = (double)NL_MAX_BINS_PER_ATOM * nall + 64.0;
    for (;;) {
        double tot = 1.0;
        for (int c = 0; c < 3; c++) tot *= floor((hi[c] - lo[c]) / bsize) + 1.0;
        if (tot <= maxbins) break;
        bsize *= fmax(1.1, cbrt(tot / maxbins));
    }
    int nb[3];
    for (int c = 0; c < 3; c++) nb[c] = (int)floor((hi[c] - lo[c]) / bsize) + 1;
    int nbins = nb[0] * nb[1] * nb[2];
    NL_GROW(p->bin_start, p->cap_bins, (size_t)nbins + 1);
    memcpy(p->nb, nb, sizeof nb);
    memcpy(p->lo, lo, sizeof lo);
    p->bsize = bsize;
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int g = 0; g < nall; g++) {
        int b[3];
        for (int c = 0; c < 3; c++) {
            b[c] = (int)((x[g][c] - lo[c]) / bsize);
            if (b[c] >= nb[c]) b[c] = nb[c] - 1;
            if (b[c] < 0) b[c] = 0;
        }
        p->bin_of[g] = (b[2] * nb[1] + b[1]) * nb[0] + b[0];
    }
    memset(p->bin_start, 0, ((size_t)nbins + 1) * sizeof *p->bin_start);
    for (int g = 0; g < nall; g++) p->bin_start[p->bin_of[g] + 1]++;
    for (int b = 0; b < nbins; b++) p->bin_start[b + 1] += p->bin_start[b];
    /* stable scatter: within a bin, atoms in ascending index */
    for (int g = 0; g < nall; g++) p->bin_atoms[p->bin_start[p->bin_of[g]]++] = g;
    for (int b = nbins; b > 0; b--) p->bin_start[b] = p->bin_start[b - 1];
    p->bin_start[0] = 0;
    /* Binned copies for a contiguous inner loop. The half-list rule "owner(g) >
     * i, or owner(g) == i and img(g) > 0" is key(g) > 2i with key(g) = 2·owner(g)
     * + (img(g) > 0 lexicographically): no overflow since nall <= INT_MAX/4. */
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int q = 0; q < nall; q++) {
        int g = p->bin_atoms[q];
        memcpy(p->bin_x[q], x[g], sizeof p->bin_x[q]);
        p->bin_key[q] = 2 * nl->owner[g] + img_positive(nl->img[g]);
    }

    /* stencil */
    int m = (int)ceil(rc / bsize * (1.0 + NL_EPS));
    if (m < 1) m = 1;
    size_t smax = (size_t)(2 * m + 1) * (2 * m + 1) * (2 * m + 1);
    NL_GROW(p->stencil, p->cap_stencil, smax);
    p->nstencil = 0;
    for (int dz = -m; dz <= m; dz++)
        for (int dy = -m; dy <= m; dy++)
            for (int dx = -m; dx <= m; dx++) {
                double ex = fmax(0, abs(dx) - 1) * bsize, ey = fmax(0, abs(dy) - 1) * bsize,
                       ez = fmax(0, abs(dz) - 1) * bsize;
                if (ex * ex + ey * ey + ez * ez > rc2 * (1.0 + NL_EPS)) continue;
                p->stencil[p->nstencil][0] = dx;
                p->stencil[p->nstencil][1] = dy;
                p->stencil[p->nstencil][2] = dz;
                p->nstencil++;
            }

    /* 4. pair search over local atoms in bin order (cache locality), each
     * thread a contiguous range of that order into its own buffer; the CSR
     * is assembled afterwards. Each atom's list depends only on the bins, so
     * the output is independent of the thread count. */
    {
        int at = 0;
        for (int q = 0; q < nall; q++)
            if (p->bin_atoms[q] < n) p->lorder[at++] = p->bin_atoms[q];
    }
    if (nt > n) nt = n > 0 ? n : 1;
    if (p->nbuf < nt) {
        void *q;
        if (!(q = realloc(p->tbuf, (size_t)nt * sizeof *p->tbuf))) goto nomem;
        p->tbuf = q;
        if (!(q = realloc(p->tcap, (size_t)nt * sizeof *p->tcap))) goto nomem;
        p->tcap = q;
        if (!(q = realloc(p->tlen, (size_t)nt * sizeof *p->tlen))) goto nomem;
        p->tlen = q;
        for (int t = p->nbuf; t < nt; t++) p->tbuf[t] = NULL, p->tcap[t] = 0;
        p->nbuf = nt;
    }
    int oom = 0;
    const int full = nl->full;
    size_t *lens = p->tlen;
    int used = 1; /* threads the runtime actually gave us (may be < nt) */
#pragma omp parallel num_threads(nt) reduction(|| : oom)
    {
#ifdef _OPENMP
        int t = omp_get_thread_num(), tn = omp_get_num_threads();
#else
        int t = 0, tn = 1;
#endif
        if (t == 0) used = tn;
        int i0 = (int)((long)n * t / tn), i1 = (int)((long)n * (t + 1) / tn);
        size_t len = 0;
        int *buf = p->tbuf[t];
        size_t cap = p->tcap[t];
        for (int ii = i0; ii < i1 && !oom; ii++) {
            const int i = p->lorder[ii];
            const double *xi = x[i];
            int bi = p->bin_of[i];
            int bx = bi % nb[0], by = (bi / nb[0]) % nb[1], bz = bi / (nb[0] * nb[1]);
            size_t c0 = len;
            const int key_i = 2 * i;
            for (int s = 0; s < p->nstencil; s++) {
                int cx = bx + p->stencil[s][0], cy = by + p->stencil[s][1], cz = bz + p->stencil[s][2];
                if (cx < 0 || cy < 0 || cz < 0 || cx >= nb[0] || cy >= nb[1] || cz >= nb[2]) continue;
                int b = (cz * nb[1] + cy) * nb[0] + cx;
                const int q0 = p->bin_start[b], q1 = p->bin_start[b + 1];
                if (len + (size_t)(q1 - q0) > cap) {
                    size_t nc = cap ? cap : 4096;
                    while (nc < len + (size_t)(q1 - q0)) nc *= 2;
                    int *nbuf = aion_realloc_array(buf, nc, sizeof *buf);
                    if (!nbuf) {
                        oom = 1;
                        break;
                    }
                    buf = nbuf;
                    cap = nc;
                }
                /* branch-free compaction: write every candidate, advance on
                 * acceptance (the tests are unpredictable) */
                const double(*bxq)[3] = p->bin_x;
                const int *bk = p->bin_key, *ba = p->bin_atoms;
                if (full) {
                    for (int q = q0; q < q1; q++) {
                        double dx = bxq[q][0] - xi[0], dy = bxq[q][1] - xi[1], dz = bxq[q][2] - xi[2];
                        buf[len] = ba[q];
                        len += (dx * dx + dy * dy + dz * dz < rc2) & (ba[q] != i);
                    }
                } else {
                    for (int q = q0; q < q1; q++) {
                        double dx = bxq[q][0] - xi[0], dy = bxq[q][1] - xi[1], dz = bxq[q][2] - xi[2];
                        buf[len] = ba[q];
                        len += (dx * dx + dy * dy + dz * dz < rc2) & (bk[q] > key_i);
                    }
                }
            }
            p->ocnt[ii] = (int)(len - c0);
            p->tid[ii] = t;
            p->tstart[ii] = c0;
        }
        p->tbuf[t] = buf;
        p->tcap[t] = cap;
        lens[t] = len;
    }
    if (oom) goto nomem;
    size_t total = 0;
    for (int t = 0; t < used; t++) total += lens[t];
    if (total > (size_t)INT_MAX)
        return aion_err_set(err, AION_ERR_INVALID, "neighbour list: more than %d pairs", INT_MAX);
    if (total + 1 > p->cap_nbr) {
        size_t nc = nl_newcap(p->cap_nbr, total + 1);
        void *q = aion_realloc_array(nl->nbr, nc, sizeof *nl->nbr);
        if (!q) goto nomem;
        nl->nbr = q;
        p->cap_nbr = nc;
    }
    for (int ii = 0; ii < n; ii++) p->cnt[p->lorder[ii]] = p->ocnt[ii];
    nl->offset[0] = 0;
    for (int i = 0; i < n; i++) nl->offset[i + 1] = nl->offset[i] + p->cnt[i];
#pragma omp parallel for schedule(static) num_threads(nt)
    for (int ii = 0; ii < n; ii++)
        if (p->ocnt[ii])
            memcpy(nl->nbr + nl->offset[p->lorder[ii]], p->tbuf[p->tid[ii]] + p->tstart[ii],
                   (size_t)p->ocnt[ii] * sizeof *nl->nbr);

    memcpy(p->H0, H, sizeof p->H0);
    memcpy(p->H0inv, Hinv, sizeof p->H0inv);
    memcpy(p->cell0, f->cell, sizeof p->cell0);
    memcpy(p->per0, per, sizeof p->per0);
    p->n_built = n;
    p->valid = 1;
    nl->builds++;
    return AION_OK;
nomem:
    return aion_err_set(err, AION_ERR_NOMEM, "neighbour list: out of memory");
}

aion_status aion_nlist_update(aion_nlist *nl, const aion_frame *f)
{
    if (!nl || !f) return AION_ERR_INVALID;
    nl_priv *p = nl->priv;
    int per[3];
    double H[3][3], Hinv[3][3];
    aion_status st;
    if (!p->valid || f->n != p->n_built) return build(nl, f);
    periodic_dirs(f, per);
    if (per[0] != p->per0[0] || per[1] != p->per0[1] || per[2] != p->per0[2]) return build(nl, f);
    if ((st = effective_cell(f, per, H, Hinv, &nl->err))) {
        p->valid = 0;
        return st;
    }
    /* M = H0^{-1} H */
    double M[3][3], e2 = 0.0;
    aion_matmul3((const double(*)[3])p->H0inv, (const double(*)[3])H, M);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) {
            double d = M[a][b] - (a == b);
            e2 += d * d;
        }
    double e = sqrt(e2);
    if (!(e < 0.5)) return build(nl, f);
    int n = f->n;
    double umax2 = 0.0;
    int bad = 0;
    int nt = nl_threads(p);
#pragma omp parallel for schedule(static) num_threads(nt) reduction(max : umax2) reduction(|| : bad) if (n > 16384)
    for (int i = 0; i < n; i++) {
        const double *r0 = p->pos0[i];
        double u2 = 0.0;
        for (int c = 0; c < 3; c++) {
            double u = f->pos[i][c] - (r0[0] * M[0][c] + r0[1] * M[1][c] + r0[2] * M[2][c]);
            u2 += u * u;
        }
        if (!(u2 <= 1e300)) bad = 1;
        if (u2 > umax2) umax2 = u2;
    }
    if (bad || !(nl->cutoff + 2.0 * sqrt(umax2) <= (1.0 - e) * (nl->cutoff + nl->skin))) return build(nl, f);
    refresh_x(nl, f, (const double(*)[3])H, nt);
    return AION_OK;
}

void aion_nlist_refresh(aion_nlist *nl, const aion_frame *f)
{
    if (!nl || !f) return;
    nl_priv *p = nl->priv;
    int per[3];
    double H[3][3], Hinv[3][3];
    if (!p->valid || f->n != p->n_built) return;
    periodic_dirs(f, per);
    if (effective_cell(f, per, H, Hinv, &nl->err)) return;
    refresh_x(nl, f, (const double(*)[3])H, nl_threads(p));
}

int aion_nlist_count(const aion_nlist *nl, int i)
{
    if (!nl || i < 0 || i >= nl->n || !nl->priv || !((nl_priv *)nl->priv)->valid) return 0;
    return nl->offset[i + 1] - nl->offset[i];
}

aion_status aion_nlist_get(const aion_nlist *nl, int i, int k, int *j, double d[3])
{
    if (!nl || !nl->priv || !((nl_priv *)nl->priv)->valid || i < 0 || i >= nl->n || k < 0 ||
        k >= nl->offset[i + 1] - nl->offset[i])
        return AION_ERR_INVALID;
    int g = nl->nbr[nl->offset[i] + k];
    if (j) *j = nl->owner[g];
    if (d)
        for (int c = 0; c < 3; c++) d[c] = nl->x[g][c] - nl->x[i][c];
    return AION_OK;
}

long aion_nlist_total_pairs(const aion_nlist *nl)
{
    if (!nl || !nl->priv || !((nl_priv *)nl->priv)->valid) return 0;
    return nl->offset[nl->n];
}

const char *aion_nlist_errmsg(const aion_nlist *nl) { return nl ? nl->err.msg : "no neighbour list"; }

aion_status aion_nlist_closest_pairs(aion_nlist *nl, const aion_frame *f, const int *species_z, int ns, double *dmin,
                                     int *ia, int *ib, aion_error *err)
{
    aion_status st;
    int *sp = NULL;
    const double cutoff = nl ? nl->cutoff : 0;
    if (!nl || !f || !species_z || ns < 1 || !dmin)
        return aion_err_set(err, AION_ERR_INVALID, "closest pairs: need a list, a frame and species");
    for (int k = 0; k < ns * ns; k++) {
        dmin[k] = INFINITY;
        if (ia) ia[k] = -1;
        if (ib) ib[k] = -1;
    }
    if (f->n < 1) return AION_OK;
    if (!(sp = aion_calloc((size_t)f->n, sizeof *sp))) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    for (int i = 0; i < f->n; i++) {
        sp[i] = -1;
        for (int s = 0; s < ns; s++)
            if (f->z[i] == species_z[s]) sp[i] = s;
    }
    /* update rebuilds unless every atom is within skin/2 of where the list was built (any frame: it
     * need not follow the last one), so a list with a skin serves consecutive MD frames without a build */
    if ((st = aion_nlist_update(nl, f)) != AION_OK) {
        st = aion_err_set(err, st, "%s", aion_nlist_errmsg(nl));
        goto done;
    }
    for (int i = 0; i < f->n; i++) {
        if (sp[i] < 0) continue;
        for (int k = 0, nk = aion_nlist_count(nl, i); k < nk; k++) {
            int j = -1;
            double d[3] = {0, 0, 0};
            if (aion_nlist_get(nl, i, k, &j, d) != AION_OK || sp[j] < 0) continue;
            double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            int a = sp[i], b = sp[j];
            if (r < cutoff && r < dmin[a * ns + b]) {
                dmin[a * ns + b] = dmin[b * ns + a] = r;
                if (ia) ia[a * ns + b] = i, ia[b * ns + a] = j;
                if (ib) ib[a * ns + b] = j, ib[b * ns + a] = i;
            }
        }
    }
    st = AION_OK;
done:
    free(sp);
    return st;
}

aion_status aion_closest_pairs(const aion_frame *f, const int *species_z, int ns, double cutoff, double *dmin,
                               int *ia, int *ib, aion_error *err)
{
    aion_nlist *nl = NULL;
    aion_status st;
    if (!f || !species_z || ns < 1 || !dmin || !(cutoff > 0))
        return aion_err_set(err, AION_ERR_INVALID, "closest pairs: need a frame, species and a cut-off > 0");
    aion_nlist_opts no = {.cutoff = cutoff, .skin = 0.0, .full = 0};
    if ((st = aion_nlist_create(&nl, &no, err)) != AION_OK) return st;
    aion_nlist_set_threads(nl, 1);
    st = aion_nlist_closest_pairs(nl, f, species_z, ns, dmin, ia, ib, err);
    aion_nlist_free(nl);
    return st;
}
