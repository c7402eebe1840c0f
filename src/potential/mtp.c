/*
 * Moment Tensor Potential: energy, forces, virial and site energies.
 *
 * E = sum_i V(n_i),  V(n_i) = c_{z_i} + sum_a xi_a B_a(n_i)        (Shapeev 2016,
 * doi:10.1137/15M1054183; Novikov, Gubaev, Podryabinkin, Shapeev 2021,
 * doi:10.1088/2632-2153/abc9fe). With u = r_ij / |r_ij|:
 *   basic moment k = {mu, a, b, c}:  m_k = sum_j f_mu(r_ij) ux^a uy^b uz^c
 *   f_mu(r) = sum_beta c_{mu,beta}^{z_i z_j} * scaling * T_beta(x) (R_cut - r)^2,
 *   x = (2r - R_min - R_cut)/(R_cut - R_min),  R_cut = max_dist, R_min = min_dist
 *   products m_out += k m_i m_j (alpha_index_times), B_a = m[alpha_moment_mapping[a]].
 * Below min_dist nothing special happens: the Chebyshev recurrence is simply
 * evaluated at x < -1, as MLIP-2 does (checked against its calc-efs output on
 * a configuration with a pair closer than min_dist).
 *
 * Algorithm per atom i (full neighbour list, site energies):
 *  1. neighbours within R_cut, grouped by species into batches of MTP_NB lanes
 *     (SIMD over neighbours);
 *  2. pass 1: radial functions f_mu, monomials of u (one multiply each, from a
 *     parent monomial), basic moments m_k += f_mu * mono;
 *  3. forward sweep through the product table, site energy; reverse sweep
 *     (adjoint) gives g_k = dV/dm_k for the basic moments;
 *  4. pass 2: for each neighbour, with P_mu(u) = sum_{k in mu} g_k mono_k(u) and
 *     G_mu = grad_u P_mu, Euler's relation u.grad_u mono = nu mono gives
 *       dV/dr_ij = sum_mu [ (f'_mu P_mu - f_mu (u.G_mu)/r) u + (f_mu/r) G_mu ].
 * Forces F_j -= dV/dr_ij, F_i += dV/dr_ij; virial W = -sum r_ij (x) dV/dr_ij.
 * Threads: OpenMP over atoms (static schedule), per-thread force buffers
 * summed in thread order (results are reproducible for a given thread count).
 *
 * Optional baseline (aion extension of the .mtp file): a ZBL pair repulsion
 * with LAMMPS's switching (zbl.c) is added to energy, forces, virial, site
 * energies (half of each pair to each atom) and probe energies; the
 * neighbour list then reaches max(max_dist, aion_zbl_outer).
 */
#include "mtp.h"
#include "neighbor/nlist.h"
#include "potential.h"
#include "probe.h"
#include "zbl.h"
#include "qeq.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define MTP_NB 8 /* SIMD lanes: neighbours processed together */

/* Evaluation plan derived from the model. */
typedef struct mtp_plan {
    int C, K, R;
    double rcut, rmin, x_scale; /* x = (2r - rmin - rcut) * x_scale */
    double *coef;               /* [C][C][K][R] radial coefficients times scaling */
    int numax, nmono;
    int nbasic;
    int *bmu, *bmono;           /* radial function and monomial of basic moment k */
    int nrun;                   /* runs of basic moments k0..k0+len-1 with one mu and consecutive monomials */
    int (*run)[4];              /* {k0, mu, mono0, len} */
    /* Pass-2 term lists, grouped by radial function mu (offsets off[L][mu..mu+1]):
     * L = 0: P_mu = sum g_k mono_k; L = 1, 2, 3: d P_mu / d u_{x,y,z} = sum g_k a_k
     * mono(k with a_k - 1) (only basic moments with a_k > 0). */
    int nterm[4];
    int *off[4], *tsrc[4], *tmono[4];
    double *tpow[4];
    int nmoments, ntimes;
    mtp_times *times;
    int nscalar;
    int *mapping;
    double *spc, *xi;           /* species and moment coefficients */
    int level;                  /* inferred (max level of a basis function), 0 if unknown */
} mtp_plan;

typedef struct mtp_ws {
    int cap;                    /* padded neighbour slots */
    double *dx, *dy, *dz;       /* pair vectors per slot */
    int *jof;                   /* local index of the neighbour per slot (-1 = padding) */
    double *grad;               /* dV/dr per slot [cap][3] */
    int *bspc;                  /* species per batch */
    int *tmpj;                  /* scratch for sorting */
    double *tmpd;
    int *tmps;
    double *mono, *f, *df, *macc; /* MTP_NB-lane vectors, 64-byte aligned */
    double *m, *g, *cT[4];
    double *mv;                 /* probe: moments of MTP_NB central atoms, [nmoments][MTP_NB] */
    double *force;              /* per-thread forces [n][3] */
    size_t force_cap;
    double vir[3][3];
    double energy;
} mtp_ws;

typedef struct mtp_pot {
    mtp_model model;
    mtp_plan plan;
    char *path;
    int zmap[AION_MAX_Z + 1];   /* Z -> species, -1 if not a species */
    int *species_z;
    aion_nlist *nl;
    double skin;
    int nthreads;
    mtp_ws *ws;
    int nws;
    zbl_table zbl;              /* baseline (zbl.C = 0: none) */
    aion_qeq *qeq;              /* charge equilibration added (NULL: none) */
} mtp_pot;

/* ------------------------------------------------------------------ */
/* Plan                                                               */
/* ------------------------------------------------------------------ */

static void plan_free(mtp_plan *p)
{
    free(p->coef);
    free(p->bmu);
    free(p->bmono);
    free(p->run);
    for (int d = 0; d < 4; d++) {
        free(p->off[d]);
        free(p->tsrc[d]);
        free(p->tmono[d]);
        free(p->tpow[d]);
    }
    memset(p, 0, sizeof *p);
}

/* Index of monomial (a, b, c) in the table: degrees in increasing order, within
 * a degree a descending then b descending (as MLIP-2 lists tensor components). */
static int mono_index(int a, int b, int c)
{
    int n = a + b + c;
    int before = n * (n + 1) * (n + 2) / 6;
    /* within degree n: position of (a,b,c) with a descending, b descending */
    int pos = (n - a) * (n - a + 1) / 2 + (n - a - b);
    return before + pos;
}

static int infer_level(const mtp_model *m)
{
    int *lev = aion_calloc((size_t)m->nmoments, sizeof *lev), best = 0;
    if (!lev) return 0;
    for (int k = 0; k < m->nbasic; k++)
        lev[k] = 2 + 4 * m->basic[k][0] + m->basic[k][1] + m->basic[k][2] + m->basic[k][3];
    for (int t = 0; t < m->ntimes; t++) {
        int l = lev[m->times[t].i] + lev[m->times[t].j];
        if (l > lev[m->times[t].out]) lev[m->times[t].out] = l;
    }
    for (int a = 0; a < m->nscalar; a++)
        if (lev[m->mapping[a]] > best) best = lev[m->mapping[a]];
    free(lev);
    return best;
}

static aion_status plan_build(mtp_plan *p, const mtp_model *m, aion_error *err)
{
    size_t C = (size_t)m->nspecies, K = (size_t)m->nradial, R = (size_t)m->rb_size;
    memset(p, 0, sizeof *p);
    p->C = m->nspecies;
    p->K = m->nradial;
    p->R = m->rb_size;
    p->rcut = m->max_dist;
    p->rmin = m->min_dist;
    p->x_scale = 1.0 / (m->max_dist - m->min_dist);
    p->coef = aion_calloc(C * C * K * R, sizeof *p->coef);
    if (!p->coef) goto nomem;
    for (size_t q = 0; q < C * C * K * R; q++) p->coef[q] = m->radial[q] * m->scaling;
    p->numax = 0;
    for (int k = 0; k < m->nbasic; k++) {
        int nu = m->basic[k][1] + m->basic[k][2] + m->basic[k][3];
        if (nu > p->numax) p->numax = nu;
    }
    p->nmono = (p->numax + 1) * (p->numax + 2) * (p->numax + 3) / 6;
    p->nbasic = m->nbasic;
    p->bmu = aion_calloc((size_t)m->nbasic, sizeof(int));
    p->bmono = aion_calloc((size_t)m->nbasic, sizeof(int));
    if (!p->bmu || !p->bmono) goto nomem;
    for (int d = 0; d < 4; d++) {
        p->off[d] = aion_calloc((size_t)p->K + 1, sizeof(int));
        p->tsrc[d] = aion_calloc((size_t)m->nbasic, sizeof(int));
        p->tmono[d] = aion_calloc((size_t)m->nbasic, sizeof(int));
        p->tpow[d] = aion_calloc((size_t)m->nbasic, sizeof(double));
        if (!p->off[d] || !p->tsrc[d] || !p->tmono[d] || !p->tpow[d]) goto nomem;
    }
    for (int k = 0; k < m->nbasic; k++) {
        p->bmu[k] = m->basic[k][0];
        p->bmono[k] = mono_index(m->basic[k][1], m->basic[k][2], m->basic[k][3]);
    }
    p->run = aion_calloc((size_t)m->nbasic, sizeof *p->run);
    if (!p->run) goto nomem;
    for (int k = 0; k < m->nbasic; k++) {
        int r = p->nrun - 1;
        if (r >= 0 && p->run[r][1] == p->bmu[k] && p->run[r][2] + p->run[r][3] == p->bmono[k]) {
            p->run[r][3]++;
        } else {
            p->run[p->nrun][0] = k;
            p->run[p->nrun][1] = p->bmu[k];
            p->run[p->nrun][2] = p->bmono[k];
            p->run[p->nrun][3] = 1;
            p->nrun++;
        }
    }
    for (int d = 0; d < 4; d++) {
        int t = 0;
        for (int mu = 0; mu < p->K; mu++) {
            p->off[d][mu] = t;
            for (int k = 0; k < m->nbasic; k++) {
                const int *b = m->basic[k];
                int pw[3] = {b[1], b[2], b[3]};
                if (b[0] != mu || (d > 0 && pw[d - 1] == 0)) continue;
                p->tsrc[d][t] = k;
                p->tpow[d][t] = d > 0 ? pw[d - 1] : 1.0;
                if (d > 0) pw[d - 1]--;
                p->tmono[d][t] = mono_index(pw[0], pw[1], pw[2]);
                t++;
            }
        }
        p->off[d][p->K] = t;
        p->nterm[d] = t;
    }
    p->nmoments = m->nmoments;
    p->ntimes = m->ntimes;
    p->times = m->times;
    p->nscalar = m->nscalar;
    p->mapping = m->mapping;
    p->spc = m->species_coeffs;
    p->xi = m->moment_coeffs;
    p->level = infer_level(m);
    return AION_OK;
nomem:
    plan_free(p);
    return aion_err_set(err, AION_ERR_NOMEM, "out of memory preparing the MTP");
}

/* ------------------------------------------------------------------ */
/* Workspace                                                          */
/* ------------------------------------------------------------------ */

static void ws_free(mtp_ws *w)
{
    if (!w) return;
    free(w->dx);
    free(w->dy);
    free(w->dz);
    free(w->jof);
    free(w->grad);
    free(w->bspc);
    free(w->tmpj);
    free(w->tmpd);
    free(w->tmps);
    free(w->mono);
    free(w->f);
    free(w->df);
    free(w->macc);
    free(w->m);
    free(w->g);
    free(w->mv);
    for (int d = 0; d < 4; d++) free(w->cT[d]);
    free(w->force);
    memset(w, 0, sizeof *w);
}

static void *aligned_array(size_t n, size_t size)
{
    void *p = NULL;
    size_t bytes = n * size;
    if (n && bytes / n != size) return NULL;
    bytes = (bytes + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, bytes ? bytes : 64)) return NULL;
    memset(p, 0, bytes ? bytes : 64);
    return p;
}

static int ws_init(mtp_ws *w, const mtp_plan *p)
{
    size_t L = MTP_NB;
    memset(w, 0, sizeof *w);
    w->mono = aligned_array((size_t)p->nmono * L, sizeof(double));
    w->f = aligned_array((size_t)p->K * L, sizeof(double));
    w->df = aligned_array((size_t)p->K * L, sizeof(double));
    w->macc = aligned_array((size_t)p->nbasic * L, sizeof(double));
    w->m = aion_calloc((size_t)p->nmoments, sizeof(double));
    w->g = aion_calloc((size_t)p->nmoments, sizeof(double));
    w->mv = aligned_array((size_t)p->nmoments * L, sizeof(double));
    for (int d = 0; d < 4; d++) w->cT[d] = aion_calloc((size_t)p->nbasic + 1, sizeof(double));
    return w->mono && w->f && w->df && w->macc && w->m && w->g && w->mv && w->cT[0] &&
           w->cT[1] && w->cT[2] && w->cT[3];
}

/* Room for nn neighbours (padded to whole batches per species). */
static int ws_reserve(mtp_ws *w, int nn, int C)
{
    int need = nn + C * MTP_NB;
    if (need <= w->cap) return 1;
    int cap = need + need / 2;
    free(w->dx);
    free(w->dy);
    free(w->dz);
    free(w->jof);
    free(w->grad);
    free(w->bspc);
    free(w->tmpj);
    free(w->tmpd);
    free(w->tmps);
    w->dx = aligned_array((size_t)cap, sizeof(double));
    w->dy = aligned_array((size_t)cap, sizeof(double));
    w->dz = aligned_array((size_t)cap, sizeof(double));
    w->jof = aion_calloc((size_t)cap, sizeof(int));
    w->grad = aligned_array((size_t)cap * 3, sizeof(double));
    w->bspc = aion_calloc((size_t)cap / MTP_NB + 1, sizeof(int));
    w->tmpj = aion_calloc((size_t)cap, sizeof(int));
    w->tmpd = aion_calloc((size_t)cap * 3, sizeof(double));
    w->tmps = aion_calloc((size_t)cap, sizeof(int));
    w->cap = cap;
    if (!w->dx || !w->dy || !w->dz || !w->jof || !w->grad || !w->bspc || !w->tmpj || !w->tmpd || !w->tmps) {
        w->cap = 0;
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Kernel                                                             */
/* ------------------------------------------------------------------ */

/* One SIMD vector of MTP_NB doubles (GCC/Clang vector extension); arithmetic
 * on it is element-wise, a scalar operand is broadcast. The build contracts
 * a*b+c into FMAs for this file (-ffp-contract=fast in the Makefile). */
typedef double vd __attribute__((vector_size(MTP_NB * sizeof(double))));

/* r, u, radial functions f_mu (and f'_mu if df) and monomials of u for one
 * batch of MTP_NB neighbours (pair vectors dx, dy, dz; 64-byte aligned). */
static inline void batch_prepare(const mtp_plan *restrict p, const double *restrict cf, const double *restrict dx,
                                 const double *restrict dy, const double *restrict dz, vd *restrict f,
                                 vd *restrict df, vd *restrict mono, vd *restrict ir_out, vd u[3])
{
    const int R = p->R, K = p->K;
    const vd X = *(const vd *)dx, Y = *(const vd *)dy, Z = *(const vd *)dz;
    const vd r2 = X * X + Y * Y + Z * Z;
    vd r, S[MTP_MAX_RADIAL], dS[MTP_MAX_RADIAL];
    {
        double ra[MTP_NB], r2a[MTP_NB];
        memcpy(r2a, &r2, sizeof r2a);
        for (int l = 0; l < MTP_NB; l++) ra[l] = sqrt(r2a[l]);
        memcpy(&r, ra, sizeof r);
    }
    const vd ir = 1.0 / r;
    *ir_out = ir;
    u[0] = X * ir;
    u[1] = Y * ir;
    u[2] = Z * ir;
    const vd x = (2.0 * r - (p->rmin + p->rcut)) * p->x_scale;
    const vd w = p->rcut - r, w2 = w * w;
    /* Chebyshev T_beta(x) and dT/dx by recurrence, summed into S_mu = sum c T */
    vd t0 = (vd){0} + 1.0, t1 = x, d0 = (vd){0}, d1 = d0 + 1.0;
    for (int mu = 0; mu < K; mu++) {
        S[mu] = cf[mu * R] * t0;
        dS[mu] = d0;
        if (R > 1) {
            S[mu] += cf[mu * R + 1] * t1;
            dS[mu] += cf[mu * R + 1] * d1;
        }
    }
    for (int beta = 2; beta < R; beta++) {
        const vd t2 = 2.0 * x * t1 - t0;
        t0 = t1;
        t1 = t2;
        if (df) {
            const vd d2 = 2.0 * t0 + 2.0 * x * d1 - d0;
            d0 = d1;
            d1 = d2;
            for (int mu = 0; mu < K; mu++) {
                const double c = cf[mu * R + beta];
                S[mu] += c * t1;
                dS[mu] += c * d1;
            }
        } else {
            for (int mu = 0; mu < K; mu++) S[mu] += cf[mu * R + beta] * t1;
        }
    }
    /* envelope: f = S w^2, f' = S' (dx/dr) w^2 - 2 S w */
    for (int mu = 0; mu < K; mu++) f[mu] = S[mu] * w2;
    if (df) {
        const double dxdr = 2.0 * p->x_scale;
        for (int mu = 0; mu < K; mu++) df[mu] = dS[mu] * dxdr * w2 - 2.0 * S[mu] * w;
    }
    /* monomials of u, degree by degree: the degree-n block is the degree-(n-1)
     * block times ux, then its a = 0 tail times uy, then (0,0,n-1) times uz */
    mono[0] = (vd){0} + 1.0;
    for (int n = 1; n <= p->numax; n++) {
        const vd *prev = mono + (n - 1) * n * (n + 1) / 6;
        vd *cur = mono + n * (n + 1) * (n + 2) / 6;
        const int np = n * (n + 1) / 2;
        for (int q = 0; q < np; q++) cur[q] = prev[q] * u[0];
        for (int q = 0; q < n; q++) cur[np + q] = prev[np - n + q] * u[1];
        cur[np + n] = prev[np - 1] * u[2];
    }
}

/* *out = sum_{t = t0..t1-1} c[t] mono[idx[t]], four independent accumulators
 * (result through a pointer: returning a wide vector by value changes the ABI
 * between builds with and without AVX-512). */
static inline void sum_terms(const vd *restrict mono, const int *restrict idx, const double *restrict c, int t0,
                             int t1, vd *restrict out)
{
    vd a0 = (vd){0}, a1 = a0, a2 = a0, a3 = a0;
    int t = t0;
    for (; t + 4 <= t1; t += 4) {
        a0 += c[t] * mono[idx[t]];
        a1 += c[t + 1] * mono[idx[t + 1]];
        a2 += c[t + 2] * mono[idx[t + 2]];
        a3 += c[t + 3] * mono[idx[t + 3]];
    }
    for (; t < t1; t++) a0 += c[t] * mono[idx[t]];
    *out = (a0 + a1) + (a2 + a3);
}

/* Basic moments of a central atom of species zi from the batches in w
 * (pass 1) into w->m[0 .. nbasic-1]. */
static void basic_moments(const mtp_plan *restrict p, int zi, int nbatch, mtp_ws *restrict w)
{
    const int K = p->K, nbasic = p->nbasic;
    vd ir, u[3];
    vd *restrict macc = (vd *)w->macc, *restrict mono = (vd *)w->mono, *restrict f = (vd *)w->f;
    double *restrict m = w->m;

    memset(macc, 0, (size_t)nbasic * sizeof(vd));
    for (int b = 0; b < nbatch; b++) {
        const double *cf = p->coef + ((size_t)zi * p->C + (size_t)w->bspc[b]) * (size_t)K * (size_t)p->R;
        size_t o = (size_t)b * MTP_NB;
        batch_prepare(p, cf, w->dx + o, w->dy + o, w->dz + o, f, NULL, mono, &ir, u);
        for (int r = 0; r < p->nrun; r++) {
            const vd fm = f[p->run[r][1]];
            const vd *mo = mono + p->run[r][2];
            vd *acc = macc + p->run[r][0];
            const int len = p->run[r][3];
            for (int q = 0; q < len; q++) acc[q] += fm * mo[q];
        }
    }
    for (int k = 0; k < nbasic; k++) {
        double s = 0.0;
        for (int l = 0; l < MTP_NB; l++) s += macc[k][l];
        m[k] = s;
    }
}

/* Site energy V from the basic moments in m[0 .. nbasic-1]: products
 * (filling the rest of m) and the linear combination. */
static double moments_energy(const mtp_plan *restrict p, int zi, double *restrict m)
{
    const int nbasic = p->nbasic;
    double e;
    memset(m + nbasic, 0, (size_t)(p->nmoments - nbasic) * sizeof(double));
    /* products (outputs are sorted and inputs precede them: accumulate each
     * output in a register) */
    for (int t = 0; t < p->ntimes;) {
        const int out = p->times[t].out;
        double s = 0.0;
        for (; t < p->ntimes && p->times[t].out == out; t++) {
            const mtp_times *x = &p->times[t];
            s += x->k * m[x->i] * m[x->j];
        }
        m[out] = s;
    }
    e = p->spc[zi];
    for (int a = 0; a < p->nscalar; a++) e += p->xi[a] * m[p->mapping[a]];
    return e;
}

/* Site energy of one atom and dV/dr for each of its neighbours (w->grad). */
static double site_energy(const mtp_plan *restrict p, int zi, int nbatch, mtp_ws *restrict w, int want_grad)
{
    const int K = p->K;
    vd ir, u[3];
    vd *restrict mono = (vd *)w->mono, *restrict f = (vd *)w->f, *restrict df = (vd *)w->df;
    double *restrict m = w->m, *restrict g = w->g;
    double e;

    basic_moments(p, zi, nbatch, w);
    e = moments_energy(p, zi, m);
    if (!want_grad) return e;

    /* adjoint sweep: g = dV/dm */
    memset(g, 0, (size_t)p->nmoments * sizeof(double));
    for (int a = 0; a < p->nscalar; a++) g[p->mapping[a]] += p->xi[a];
    for (int t = p->ntimes - 1; t >= 0; t--) {
        const mtp_times *x = &p->times[t];
        double go = x->k * g[x->out];
        g[x->i] += go * m[x->j];
        g[x->j] += go * m[x->i];
    }
    for (int d = 0; d < 4; d++)
        for (int t = 0; t < p->nterm[d]; t++) w->cT[d][t] = g[p->tsrc[d][t]] * p->tpow[d][t];

    for (int b = 0; b < nbatch; b++) {
        const double *cf = p->coef + ((size_t)zi * p->C + (size_t)w->bspc[b]) * (size_t)K * (size_t)p->R;
        size_t o = (size_t)b * MTP_NB;
        vd gx = (vd){0}, gy = gx, gz = gx;
        batch_prepare(p, cf, w->dx + o, w->dy + o, w->dz + o, f, df, mono, &ir, u);
        for (int mu = 0; mu < K; mu++) {
            vd P, GX, GY, GZ;
            sum_terms(mono, p->tmono[0], w->cT[0], p->off[0][mu], p->off[0][mu + 1], &P);
            sum_terms(mono, p->tmono[1], w->cT[1], p->off[1][mu], p->off[1][mu + 1], &GX);
            sum_terms(mono, p->tmono[2], w->cT[2], p->off[2][mu], p->off[2][mu + 1], &GY);
            sum_terms(mono, p->tmono[3], w->cT[3], p->off[3][mu], p->off[3][mu + 1], &GZ);
            const vd pn = u[0] * GX + u[1] * GY + u[2] * GZ;
            const vd s = df[mu] * P - f[mu] * pn * ir;
            const vd t = f[mu] * ir;
            gx += s * u[0] + t * GX;
            gy += s * u[1] + t * GY;
            gz += s * u[2] + t * GZ;
        }
        for (int l = 0; l < MTP_NB; l++) {
            w->grad[3 * (o + l)] = gx[l];
            w->grad[3 * (o + l) + 1] = gy[l];
            w->grad[3 * (o + l) + 2] = gz[l];
        }
    }
    return e;
}

/* Probe kernel, SIMD over central atoms instead of neighbours: lane l is a
 * central atom of species zi with basic moments Mb[l] (nbasic values) and
 * cnt[l] >= 1 extra neighbours of species zn at vectors d[off[l] ..
 * off[l] + cnt[l] - 1]; e[l] receives its site energy. Lanes nl..MTP_NB-1
 * are padding (as are the lanes with fewer extra neighbours than the most). */
static void site_energies_lanes(const mtp_plan *restrict p, int zi, int zn, int nl, const double *const *Mb,
                                const int *cnt, const int *off, const double (*d)[3], mtp_ws *restrict w, double *e)
{
    const int nbasic = p->nbasic;
    const double *cf = p->coef + ((size_t)zi * p->C + (size_t)zn) * (size_t)p->K * (size_t)p->R;
    vd ir, u[3], *restrict f = (vd *)w->f, *restrict mono = (vd *)w->mono, *restrict m = (vd *)w->mv;
    double *dx = w->dx, *dy = w->dy, *dz = w->dz;
    int cmax = 0;
    for (int l = 0; l < nl; l++) cmax = AION_MAX(cmax, cnt[l]);
    for (int k = 0; k < nbasic; k++) {
        double *mk = (double *)&m[k];
        for (int l = 0; l < MTP_NB; l++) mk[l] = l < nl ? Mb[l][k] : 0.0;
    }
    for (int c = 0; c < cmax; c++) {
        for (int l = 0; l < MTP_NB; l++) {
            const int use = l < nl && c < cnt[l];
            dx[l] = use ? d[off[l] + c][0] : p->rcut;
            dy[l] = use ? d[off[l] + c][1] : 0.0;
            dz[l] = use ? d[off[l] + c][2] : 0.0;
        }
        batch_prepare(p, cf, dx, dy, dz, f, NULL, mono, &ir, u);
        for (int r = 0; r < p->nrun; r++) {
            const vd fm = f[p->run[r][1]];
            const vd *mo = mono + p->run[r][2];
            vd *acc = m + p->run[r][0];
            const int len = p->run[r][3];
            for (int q = 0; q < len; q++) acc[q] += fm * mo[q];
        }
    }
    const vd zero = (vd){0};
    for (int q = nbasic; q < p->nmoments; q++) m[q] = zero;
    for (int t = 0; t < p->ntimes;) {
        const int out = p->times[t].out;
        vd sum = zero;
        for (; t < p->ntimes && p->times[t].out == out; t++) {
            const mtp_times *x = &p->times[t];
            sum += x->k * m[x->i] * m[x->j];
        }
        m[out] = sum;
    }
    vd acc = zero + p->spc[zi];
    for (int a = 0; a < p->nscalar; a++) acc += p->xi[a] * m[p->mapping[a]];
    for (int l = 0; l < nl; l++) e[l] = acc[l];
}

static int stage_to_batches(const mtp_plan *p, mtp_ws *w, int nn);

/* Gather atom i's neighbours within the cutoff into species-sorted padded
 * batches. Returns the number of batches, or -1 if two atoms overlap
 * (*bad = neighbour index). */
static int gather(const mtp_pot *mp, const aion_nlist *nl, const int *spec, int i, mtp_ws *w, int *bad)
{
    const mtp_plan *p = &mp->plan;
    const int C = p->C;
    const double rc2 = p->rcut * p->rcut;
    int b0 = nl->offset[i], b1 = nl->offset[i + 1], nn = 0;
    const double *xi = nl->x[i];
    if (!ws_reserve(w, b1 - b0, C)) return -2;
    for (int q = b0; q < b1; q++) {
        int gidx = nl->nbr[q];
        double d0 = nl->x[gidx][0] - xi[0], d1 = nl->x[gidx][1] - xi[1], d2 = nl->x[gidx][2] - xi[2];
        double r2 = d0 * d0 + d1 * d1 + d2 * d2;
        if (r2 >= rc2) continue;
        int j = nl->owner[gidx];
        if (r2 < 1e-20) {
            *bad = j;
            return -1;
        }
        w->tmpj[nn] = j;
        w->tmps[nn] = spec[j];
        w->tmpd[3 * nn] = d0;
        w->tmpd[3 * nn + 1] = d1;
        w->tmpd[3 * nn + 2] = d2;
        nn++;
    }
    return stage_to_batches(p, w, nn);
}

/* Sort the nn staged neighbours (w->tmpd vectors, w->tmps species, w->tmpj
 * atoms; room reserved) into species-sorted batches padded with r = rcut
 * lanes. Returns the number of batches. */
static int stage_to_batches(const mtp_plan *p, mtp_ws *w, int nn)
{
    const int C = p->C;
    int cnt[MTP_MAX_SPECIES], nb = 0;
    for (int s = 0; s < C; s++) cnt[s] = 0;
    for (int q = 0; q < nn; q++) cnt[w->tmps[q]]++;
    /* slots: species s occupies whole batches */
    {
        int start[MTP_MAX_SPECIES], fill[MTP_MAX_SPECIES], slot = 0;
        for (int s = 0; s < C; s++) {
            int nbs = (cnt[s] + MTP_NB - 1) / MTP_NB;
            start[s] = slot;
            fill[s] = slot;
            for (int b = 0; b < nbs; b++) w->bspc[nb + b] = s;
            nb += nbs;
            slot += nbs * MTP_NB;
            /* padding lanes: r = rcut exactly, so f = f' = 0 */
            for (int q = start[s] + cnt[s]; q < slot; q++) {
                w->dx[q] = p->rcut;
                w->dy[q] = 0.0;
                w->dz[q] = 0.0;
                w->jof[q] = -1;
            }
        }
        for (int q = 0; q < nn; q++) {
            int s = w->tmps[q], at = fill[s]++;
            w->dx[at] = w->tmpd[3 * q];
            w->dy[at] = w->tmpd[3 * q + 1];
            w->dz[at] = w->tmpd[3 * q + 2];
            w->jof[at] = w->tmpj[q];
        }
    }
    return nb;
}

/* ------------------------------------------------------------------ */
/* Potential interface                                                */
/* ------------------------------------------------------------------ */

static void mtp_destroy(void *self)
{
    mtp_pot *mp = self;
    if (!mp) return;
    for (int t = 0; t < mp->nws; t++) ws_free(&mp->ws[t]);
    free(mp->ws);
    aion_nlist_free(mp->nl);
    plan_free(&mp->plan);
    zbl_table_free(&mp->zbl);
    aion_qeq_free(mp->qeq);
    mtp_model_free(&mp->model);
    free(mp->species_z);
    free(mp->path);
    free(mp);
}

static double mtp_cutoff(const void *self)
{
    const mtp_pot *mp = self;
    return mp->zbl.C ? AION_MAX(mp->model.max_dist, mp->zbl.outer) : mp->model.max_dist;
}

static void mtp_describe(const void *self, aion_strbuf *sb)
{
    const mtp_pot *mp = self;
    const mtp_model *m = &mp->model;
    aion_sb_printf(sb, "Moment Tensor Potential (MLIP-2 .mtp): %s\n", mp->path);
    aion_sb_puts(sb, "  species:");
    for (int s = 0; s < m->nspecies; s++)
        aion_sb_printf(sb, " %d=%s", s, aion_element_symbol(mp->species_z[s]));
    aion_sb_putc(sb, '\n');
    if (mp->plan.level) aion_sb_printf(sb, "  level %d (largest level of a basis function)\n", mp->plan.level);
    aion_sb_printf(sb, "  basis functions %d, moments %d (basic %d), products %d\n", m->nscalar, m->nmoments,
                   m->nbasic, m->ntimes);
    aion_sb_printf(sb, "  radial basis: Chebyshev, size %d, %d radial functions, min_dist %g A, cutoff %g A, "
                       "scaling %.15g\n",
                   m->rb_size, m->nradial, m->min_dist, m->max_dist, m->scaling);
    if (mp->zbl.C)
        aion_sb_printf(sb, "  baseline: ZBL screened-nuclear pair repulsion (Ziegler-Biersack-Littmark 1985), "
                           "switched off between inner %g A and outer %g A as LAMMPS pair_style zbl %g %g\n",
                       mp->zbl.inner, mp->zbl.outer, mp->zbl.inner, mp->zbl.outer);
    if (mp->qeq) {
        aion_sb_puts(sb, "  added: ");
        aion_qeq_describe(mp->qeq, mp->species_z, sb);
    }
    aion_sb_puts(sb, "  references: A. V. Shapeev, Multiscale Model. Simul. 14, 1153 (2016), "
                     "doi:10.1137/15M1054183;\n"
                     "              I. S. Novikov et al., Mach. Learn.: Sci. Technol. 2, 025002 (2021), "
                     "doi:10.1088/2632-2153/abc9fe\n");
    if (mp->zbl.C)
        aion_sb_puts(sb, "              J. F. Ziegler, J. P. Biersack, U. Littmark, The Stopping and Range of Ions "
                         "in Solids (Pergamon, 1985), doi:10.1007/978-3-642-68779-2_5\n");
    if (mp->qeq)
        aion_sb_puts(sb, "              A. K. Rappe, W. A. Goddard III, J. Phys. Chem. 95, 3358 (1991), "
                         "doi:10.1021/j100161a070;\n"
                         "              T. W. Ko et al., Nat. Commun. 12, 398 (2021), doi:10.1038/s41467-020-20427-2\n");
}

static int mtp_threads(const mtp_pot *mp)
{
#ifdef _OPENMP
    return mp->nthreads > 0 ? mp->nthreads : omp_get_max_threads();
#else
    (void)mp;
    return 1;
#endif
}

/* Species index of every atom into a new array *spec (caller frees). */
static aion_status species_of(const mtp_pot *mp, const aion_frame *fr, int **spec_out, aion_error *err)
{
    const int n = fr->n;
    int *spec = aion_calloc(n ? (size_t)n : 1, sizeof *spec);
    *spec_out = NULL;
    if (!spec) return aion_err_set(err, AION_ERR_NOMEM, "MTP: out of memory");
    for (int i = 0; i < n; i++) {
        int z = fr->z[i];
        int s = (z >= 0 && z <= AION_MAX_Z) ? mp->zmap[z] : -1;
        if (s < 0) {
            aion_strbuf sb;
            aion_status st;
            aion_sb_init(&sb);
            for (int q = 0; q < mp->plan.C; q++)
                aion_sb_printf(&sb, "%s%s", q ? "," : "", aion_element_symbol(mp->species_z[q]));
            st = aion_err_set(err, AION_ERR_INVALID, "MTP: atom %d is %s, not one of the potential's species (%s)",
                              i + 1, aion_element_symbol(z), sb.s ? sb.s : "");
            aion_sb_free(&sb);
            free(spec);
            return st;
        }
        spec[i] = s;
    }
    *spec_out = spec;
    return AION_OK;
}

/* At least nt thread workspaces; 0 when out of memory. */
static int ensure_ws(mtp_pot *mp, int nt)
{
    if (nt <= mp->nws) return 1;
    mtp_ws *nw = aion_realloc_array(mp->ws, (size_t)nt, sizeof *nw);
    if (!nw) return 0;
    mp->ws = nw;
    for (int t = mp->nws; t < nt; t++) {
        if (!ws_init(&mp->ws[t], &mp->plan)) {
            ws_free(&mp->ws[t]);
            mp->nws = t;
            return 0;
        }
    }
    mp->nws = nt;
    return 1;
}

static aion_status mtp_compute(void *self, const aion_frame *fr, aion_eval *out, aion_error *err)
{
    mtp_pot *mp = self;
    const mtp_plan *p = &mp->plan;
    const int n = fr->n;
    const int want_f = out->forces != NULL, want_v = out->want_virial, want_grad = want_f || want_v;
    int *spec = NULL, nt, bad_atom = -1, bad_nbr = -1, nomem = 0;
    double energy = 0.0, vir[3][3] = {{0}};
    aion_status st;

    if ((st = species_of(mp, fr, &spec, err)) != AION_OK) return st;
    if (n == 0) {
        free(spec);
        out->energy = 0.0;
        return AION_OK;
    }
    if ((st = aion_nlist_update(mp->nl, fr))) {
        free(spec);
        return aion_err_set(err, st, "MTP: neighbour list: %s", mp->nl->err.msg);
    }
    nt = mtp_threads(mp);
    if (nt > n) nt = n;
    if (nt < 1) nt = 1;
    if (!ensure_ws(mp, nt)) {
        free(spec);
        return aion_err_set(err, AION_ERR_NOMEM, "MTP: out of memory");
    }
    for (int t = 0; t < nt; t++) {
        mtp_ws *w = &mp->ws[t];
        w->energy = 0.0;
        memset(w->vir, 0, sizeof w->vir);
        if (want_f) {
            if (w->force_cap < (size_t)n) {
                free(w->force);
                w->force = aion_calloc((size_t)n * 3, sizeof(double));
                w->force_cap = w->force ? (size_t)n : 0;
                if (!w->force) nomem = 1;
            } else {
                memset(w->force, 0, (size_t)n * 3 * sizeof(double));
            }
        }
    }
    if (nomem) {
        free(spec);
        return aion_err_set(err, AION_ERR_NOMEM, "MTP: out of memory");
    }

#pragma omp parallel num_threads(nt)
    {
#ifdef _OPENMP
        mtp_ws *w = &mp->ws[omp_get_thread_num()];
#else
        mtp_ws *w = &mp->ws[0];
#endif
#pragma omp for schedule(static)
        for (int i = 0; i < n; i++) {
            int badj = -1, nb = gather(mp, mp->nl, spec, i, w, &badj);
            if (nb < 0) {
#pragma omp critical(mtp_err)
                {
                    if (nb == -2) nomem = 1;
                    else if (bad_atom < 0) {
                        bad_atom = i;
                        bad_nbr = badj;
                    }
                }
                continue;
            }
            double e = site_energy(p, spec[i], nb, w, want_grad);
            w->energy += e;
            if (out->atom_energy) out->atom_energy[i] = e;
            if (!want_grad) continue;
            double fi[3] = {0, 0, 0};
            for (int q = 0; q < nb * MTP_NB; q++) {
                int j = w->jof[q];
                if (j < 0) continue;
                const double *gr = w->grad + 3 * q;
                if (want_f) {
                    w->force[3 * j] -= gr[0];
                    w->force[3 * j + 1] -= gr[1];
                    w->force[3 * j + 2] -= gr[2];
                    fi[0] += gr[0];
                    fi[1] += gr[1];
                    fi[2] += gr[2];
                }
                if (want_v) {
                    const double d[3] = {w->dx[q], w->dy[q], w->dz[q]};
                    for (int a = 0; a < 3; a++)
                        for (int c = 0; c < 3; c++) w->vir[a][c] -= d[a] * gr[c];
                }
            }
            if (want_f) {
                w->force[3 * i] += fi[0];
                w->force[3 * i + 1] += fi[1];
                w->force[3 * i + 2] += fi[2];
            }
        }
    }
    if (nomem || bad_atom >= 0) {
        free(spec);
        if (nomem) return aion_err_set(err, AION_ERR_NOMEM, "MTP: out of memory");
        return aion_err_set(err, AION_ERR_NUMERIC, "MTP: atoms %d and %d are at the same position", bad_atom + 1,
                            bad_nbr + 1);
    }
    for (int t = 0; t < nt; t++) {
        energy += mp->ws[t].energy;
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 3; c++) vir[a][c] += mp->ws[t].vir[a][c];
    }
    if (want_f) {
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 3; c++) {
                double s = 0.0;
                for (int t = 0; t < nt; t++) s += mp->ws[t].force[3 * i + c];
                out->forces[i][c] = s;
            }
    }
    if (mp->zbl.C) {
        /* the baseline, on the same (full) list */
        double zv[3][3] = {{0}};
        st = zbl_add_nlist(&mp->zbl, mp->nl, spec, nt, &energy, want_f ? out->forces : NULL, want_v ? zv : NULL,
                           out->atom_energy, err);
        if (st) {
            free(spec);
            return st;
        }
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 3; c++) vir[a][c] += zv[a][c];
    }
    if (mp->qeq) {
        /* adds energy, forces and (symmetric) virial */
        st = aion_qeq_compute(mp->qeq, fr, spec, &energy, want_f ? out->forces : NULL, want_v ? vir : NULL,
                              out->atom_energy, err);
        if (st) {
            free(spec);
            return st;
        }
        if (out->charges && n > 0) {
            memcpy(out->charges, aion_qeq_charges(mp->qeq, NULL), (size_t)n * sizeof *out->charges);
            out->charges_set = 1;
        }
    }
    free(spec);
    out->energy = energy;
    if (want_v)
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 3; c++) out->virial[a][c] = 0.5 * (vir[a][c] + vir[c][a]);
    if (!isfinite(energy)) return aion_err_set(err, AION_ERR_NUMERIC, "MTP: energy is not finite");
    return AION_OK;
}

/*
 * Probe (aion_potential_probe): atom k placed at x, every other atom fixed.
 *   E(x) = Σ_{j≠k} W_j + V_k(x) + Σ_{j ∈ A(x)} [V_j(x) − W_j]
 * W_j: site energy of atom j in the framework without k (its basic moments
 * M_j are kept); A(x): the atoms with an image within R_cut of x. Basic
 * moments are sums over neighbours, so V_j(x) = V(M_j + contributions of the
 * images of k within R_cut of j): one short batch and one product sweep per
 * atom of A(x). V_k(x): from the framework images within R_cut of x and from
 * k's own images n·L (|n·L| < R_cut), which move with k (constant vectors).
 * Cost per point: |A(x)| sweeps + O(neighbours) radial evaluations, instead
 * of N site energies.
 */
static aion_status mtp_probe(void *self, const aion_frame *fr, int k, int npts, const double (*x)[3], double *energy,
                             aion_error *err)
{
    mtp_pot *mp = self;
    const mtp_plan *p = &mp->plan;
    const int n = fr->n, nbasic = p->nbasic;
    int *spec = NULL, nomem = 0, bad_atom = -1, bad_pt = -1, nt;
    double *M = NULL, *W = NULL, (*lv)[3] = NULL;
    probe_cells pc;
    aion_status st;
    memset(&pc, 0, sizeof pc);
    if ((st = species_of(mp, fr, &spec, err)) != AION_OK) return st;
    nt = mtp_threads(mp);
    if (nt < 1) nt = 1;
    if (!ensure_ws(mp, nt)) {
        st = aion_err_set(err, AION_ERR_NOMEM, "MTP: out of memory");
        goto done;
    }
    if ((st = probe_cells_build(&pc, fr, k, p->rcut, err)) != AION_OK) goto done;
    int nlv = probe_lattice_vectors(fr->cell, p->rcut, &lv);
    M = malloc((size_t)n * (size_t)(nbasic ? nbasic : 1) * sizeof *M);
    W = malloc((size_t)n * sizeof *W);
    if (nlv < 0 || !M || !W) {
        st = aion_err_set(err, AION_ERR_NOMEM, "MTP: out of memory");
        goto done;
    }
    const int sk = spec[k];
#pragma omp parallel num_threads(nt)
    {
#ifdef _OPENMP
        mtp_ws *w = &mp->ws[omp_get_thread_num()];
#else
        mtp_ws *w = &mp->ws[0];
#endif
        probe_nbrs nb;
        int *head = malloc((size_t)n * sizeof *head), *dist = malloc((size_t)n * sizeof *dist), *nxt = NULL;
        int nxt_cap = 0;
        memset(&nb, 0, sizeof nb);
        if (!head || !dist) {
#pragma omp atomic write
            nomem = 1;
        } else {
            for (int j = 0; j < n; j++) head[j] = -1;
        }
        /* the framework without k: site energies and basic moments */
#pragma omp for schedule(dynamic, 4)
        for (int j = 0; j < n; j++) {
            W[j] = 0.0;
            if (j == k || !head) continue;
            if (probe_cells_query(&pc, fr->pos[j], j, &nb) != AION_OK || !ws_reserve(w, nb.n, p->C)) {
#pragma omp atomic write
                nomem = 1;
                continue;
            }
            for (int t = 0; t < nb.n; t++) {
                if (nb.r2[t] < 1e-20) {
#pragma omp critical(mtp_probe_err)
                    if (bad_atom < 0 || j < bad_atom) bad_atom = j;
                }
                memcpy(w->tmpd + 3 * t, nb.d[t], 3 * sizeof(double));
                w->tmps[t] = spec[nb.j[t]];
                w->tmpj[t] = nb.j[t];
            }
            int nbt = stage_to_batches(p, w, nb.n);
            basic_moments(p, spec[j], nbt, w);
            memcpy(M + (size_t)j * nbasic, w->m, (size_t)nbasic * sizeof *M);
            W[j] = moments_energy(p, spec[j], w->m);
        }
        double e_fw = 0.0;
        for (int j = 0; j < n; j++) e_fw += W[j];
#pragma omp for schedule(dynamic, 8)
        for (int q = 0; q < npts; q++) {
            int stop;
#pragma omp atomic read
            stop = nomem;
            if (stop || bad_atom >= 0 || !head) continue;
            if (probe_cells_query(&pc, x[q], -1, &nb) != AION_OK || !ws_reserve(w, nb.n + nlv, p->C)) {
#pragma omp atomic write
                nomem = 1;
                continue;
            }
            if (nb.n > nxt_cap) {
                free(nxt);
                nxt_cap = nb.n + nb.n / 2;
                if (!(nxt = malloc((size_t)nxt_cap * sizeof *nxt))) {
                    nxt_cap = 0;
#pragma omp atomic write
                    nomem = 1;
                    continue;
                }
            }
            /* V_k: framework images near x and k's own images */
            int nn = 0, nd = 0;
            for (int t = 0; t < nb.n; t++, nn++) {
                if (nb.r2[t] < 1e-20) {
#pragma omp critical(mtp_probe_err)
                    if (bad_pt < 0 || q < bad_pt) bad_pt = q;
                }
                memcpy(w->tmpd + 3 * nn, nb.d[t], 3 * sizeof(double));
                w->tmps[nn] = spec[nb.j[t]];
                w->tmpj[nn] = nb.j[t];
            }
            for (int t = 0; t < nlv; t++, nn++) {
                memcpy(w->tmpd + 3 * nn, lv[t], 3 * sizeof(double));
                w->tmps[nn] = sk;
                w->tmpj[nn] = k;
            }
            basic_moments(p, sk, stage_to_batches(p, w, nn), w);
            double e = moments_energy(p, sk, w->m), de = 0.0;
            /* the neighbours of x, each with the images of k near it */
            for (int t = 0; t < nb.n; t++) {
                int j = nb.j[t];
                if (head[j] < 0) dist[nd++] = j;
                nxt[t] = head[j];
                head[j] = t;
            }
            /* each of them with the images of k near it (several when the
             * cutoff exceeds half the cell), MTP_NB atoms of one species at a time */
            for (int sj = 0; sj < p->C; sj++) {
                const double *Ml[MTP_NB];
                int jl[MTP_NB], cl[MTP_NB], ol[MTP_NB], nl = 0, nv = 0;
                double el[MTP_NB];
                for (int a = 0; a <= nd; a++) {
                    if (a < nd) {
                        int j = dist[a];
                        if (spec[j] != sj) continue;
                        Ml[nl] = M + (size_t)j * nbasic;
                        ol[nl] = nv;
                        for (int t = head[j]; t >= 0; t = nxt[t], nv++) {
                            w->tmpd[3 * nv] = -nb.d[t][0];
                            w->tmpd[3 * nv + 1] = -nb.d[t][1];
                            w->tmpd[3 * nv + 2] = -nb.d[t][2];
                        }
                        cl[nl] = nv - ol[nl];
                        jl[nl++] = j;
                        if (nl < MTP_NB) continue;
                    }
                    if (nl == 0) continue;
                    site_energies_lanes(p, sj, sk, nl, Ml, cl, ol, (const double(*)[3])w->tmpd, w, el);
                    for (int l = 0; l < nl; l++) de += el[l] - W[jl[l]];
                    nl = nv = 0;
                }
            }
            for (int a = 0; a < nd; a++) head[dist[a]] = -1;
            energy[q] = e_fw + e + de;
        }
        free(head);
        free(dist);
        free(nxt);
        probe_nbrs_free(&nb);
    }
    if (nomem)
        st = aion_err_set(err, AION_ERR_NOMEM, "MTP: out of memory");
    else if (bad_atom >= 0)
        st = aion_err_set(err, AION_ERR_NUMERIC, "MTP: atom %d is on top of another atom", bad_atom + 1);
    else if (bad_pt >= 0)
        st = aion_err_set(err, AION_ERR_NUMERIC, "MTP: probe point %d (%g, %g, %g) is on top of an atom", bad_pt,
                          x[bad_pt][0], x[bad_pt][1], x[bad_pt][2]);
    else if (mp->zbl.C)
        st = zbl_add_probe(&mp->zbl, fr, spec, k, npts, x, nt, energy, err);
    if (st == AION_OK)
        for (int q = 0; q < npts; q++)
            if (!isfinite(energy[q])) {
                st = aion_err_set(err, AION_ERR_NUMERIC, "MTP: energy is not finite at probe point %d", q);
                break;
            }
done:
    probe_cells_free(&pc);
    free(lv);
    free(M);
    free(W);
    free(spec);
    return st;
}

/* Checkpoint state: the neighbour list's reference configuration (it fixes
 * the order of the neighbour sums, hence the last bits of the results). */
static size_t mtp_state_size(const void *self) { return aion_nlist_state_size(((const mtp_pot *)self)->nl); }

static aion_status mtp_state_save(const void *self, void *buf, size_t len)
{
    return aion_nlist_state_save(((const mtp_pot *)self)->nl, buf, len);
}

static aion_status mtp_state_load(void *self, const void *buf, size_t len, const aion_frame *f, aion_error *err)
{
    return aion_nlist_state_load(((mtp_pot *)self)->nl, buf, len, f, err);
}

static const aion_potential_ops mtp_ops = {
    .name = "mtp",
    .compute = mtp_compute,
    .cutoff = mtp_cutoff,
    .describe = mtp_describe,
    .destroy = mtp_destroy,
    .state_size = mtp_state_size,
    .state_save = mtp_state_save,
    .state_load = mtp_state_load,
    .probe = mtp_probe,
};

/* With charge equilibration: the state is the MTP's list and the QEq
 * solver's (u64 bytes of the first, then both); no probe fast path (the
 * charges respond to the probe atom everywhere). */
static size_t mtp_qeq_state_size(const void *self)
{
    const mtp_pot *mp = self;
    return sizeof(uint64_t) + aion_nlist_state_size(mp->nl) + aion_qeq_state_size(mp->qeq);
}

static aion_status mtp_qeq_state_save(const void *self, void *buf, size_t len)
{
    const mtp_pot *mp = self;
    uint64_t l1 = aion_nlist_state_size(mp->nl);
    char *b = buf;
    aion_status st;
    if (len != mtp_qeq_state_size(self)) return AION_ERR_INVALID;
    memcpy(b, &l1, sizeof l1);
    if ((st = aion_nlist_state_save(mp->nl, b + sizeof l1, (size_t)l1))) return st;
    return aion_qeq_state_save(mp->qeq, b + sizeof l1 + l1, len - sizeof l1 - (size_t)l1);
}

static aion_status mtp_qeq_state_load(void *self, const void *buf, size_t len, const aion_frame *f, aion_error *err)
{
    mtp_pot *mp = self;
    uint64_t l1;
    const char *b = buf;
    aion_status st;
    if (len < sizeof l1) return aion_err_set(err, AION_ERR_INVALID, "MTP state: truncated");
    memcpy(&l1, b, sizeof l1);
    if (l1 > len - sizeof l1) return aion_err_set(err, AION_ERR_INVALID, "MTP state: truncated");
    if ((st = aion_nlist_state_load(mp->nl, b + sizeof l1, (size_t)l1, f, err))) return st;
    return aion_qeq_state_load(mp->qeq, b + sizeof l1 + l1, len - sizeof l1 - (size_t)l1, f, err);
}

static const aion_potential_ops mtp_qeq_ops = {
    .name = "mtp",
    .compute = mtp_compute,
    .cutoff = mtp_cutoff,
    .describe = mtp_describe,
    .destroy = mtp_destroy,
    .state_size = mtp_qeq_state_size,
    .state_save = mtp_qeq_state_save,
    .state_load = mtp_qeq_state_load,
};

aion_potential *aion_mtp_create(const char *path, const aion_potential_opts *o, aion_error *err)
{
    mtp_pot *mp = NULL;
    aion_nlist_opts nlo;
    aion_status st;
    if (!o || !o->species_z || o->n_species_z <= 0) {
        aion_err_set(err, AION_ERR_INVALID,
                     "%s: an .mtp file names no elements; give the element of each species in the potential's order "
                     "with --species (e.g. --species Mg,V,O)",
                     path);
        return NULL;
    }
    mp = calloc(1, sizeof *mp);
    if (!mp) goto nomem;
    mtp_model_init(&mp->model);
    mp->path = aion_strdup(path);
    if (!mp->path) goto nomem;
    if ((st = mtp_model_read(path, &mp->model, err))) goto fail;
    if (!mtp_model_is_trained(&mp->model)) {
        aion_err_set(err, AION_ERR_INVALID,
                     "%s: untrained MTP (no radial_coeffs, species_coeffs or moment_coeffs); train it first", path);
        goto fail;
    }
    if (o->n_species_z != mp->model.nspecies) {
        aion_err_set(err, AION_ERR_INVALID, "%s: the potential has %d species but --species names %d", path,
                     mp->model.nspecies, o->n_species_z);
        goto fail;
    }
    for (int z = 0; z <= AION_MAX_Z; z++) mp->zmap[z] = -1;
    mp->species_z = aion_calloc((size_t)mp->model.nspecies, sizeof(int));
    if (!mp->species_z) goto nomem;
    for (int s = 0; s < mp->model.nspecies; s++) {
        int z = o->species_z[s];
        if (z < 1 || z > AION_MAX_Z) {
            aion_err_set(err, AION_ERR_INVALID, "%s: species %d: invalid atomic number %d", path, s, z);
            goto fail;
        }
        if (mp->zmap[z] >= 0) {
            aion_err_set(err, AION_ERR_INVALID, "%s: element %s given twice in --species", path,
                         aion_element_symbol(z));
            goto fail;
        }
        mp->zmap[z] = s;
        mp->species_z[s] = z;
    }
    if (mp->model.has_zbl) {
        /* the baseline's elements are stored with it: they must be the ones given */
        if ((st = zbl_check_species(mp->model.zbl_z, mp->species_z, mp->model.nspecies, path, "--species", err)))
            goto fail;
        if ((st = zbl_table_build(&mp->zbl, mp->model.zbl_z, mp->model.nspecies, mp->model.zbl_inner,
                                  mp->model.zbl_outer, err)))
            goto fail;
    }
    if (mp->model.has_qeq) {
        const mtp_model *m = &mp->model;
        if ((st = aion_qeq_create(&mp->qeq, m->nspecies, mp->species_z, m->qeq_chi, m->qeq_hard, m->qeq_width,
                                  m->qeq_charge, err)))
            goto fail;
        aion_qeq_set_threads(mp->qeq, o->nthreads);
        if (m->qeq_chi_coord && (st = aion_qeq_set_coord(mp->qeq, m->qeq_chi_coord, m->qeq_coord_cutoff, err)))
            goto fail;
    }
    if ((st = plan_build(&mp->plan, &mp->model, err))) goto fail;
    mp->skin = o->skin > 0 ? o->skin : 1.0;
    mp->nthreads = o->nthreads;
    nlo.cutoff = mtp_cutoff(mp);
    nlo.skin = mp->skin;
    nlo.full = 1;
    if ((st = aion_nlist_create(&mp->nl, &nlo, err))) goto fail;
    aion_nlist_set_threads(mp->nl, o->nthreads);
    {
        aion_potential *pot = aion_potential_wrap(mp->qeq ? &mtp_qeq_ops : &mtp_ops, mp);
        if (!pot) {
            aion_err_set(err, AION_ERR_NOMEM, "out of memory");
            return NULL;
        }
        return pot;
    }
nomem:
    aion_err_set(err, AION_ERR_NOMEM, "%s: out of memory", path);
fail:
    mtp_destroy(mp);
    return NULL;
}
