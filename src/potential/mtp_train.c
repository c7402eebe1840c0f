/*
 * Moment Tensor Potential: per-site kernels for training and for the
 * extrapolation grade (scalar code, one atomic environment at a time).
 *
 * Model as in mtp.c (Shapeev 2016, doi:10.1137/15M1054183; Novikov et al. 2021,
 * doi:10.1088/2632-2153/abc9fe): V_i = c_{z_i} + sum_a xi_a B_a(n_i), with
 *   m_k = sum_j f_mu(r_ij) u^(a,b,c),  f_mu(r) = sum_b s c_{mu b}^{z_i z_j} Q_b(r),
 *   Q_b(r) = T_b(x) (R_cut - r)^2,  products m_out += k m_p m_q.
 *
 * What the trainer needs besides the energy:
 *
 *  1. mtp_site_basis: the basis values B_a(n_i) and, optionally, their
 *     derivatives with respect to every pair vector d_ij (the rows of the
 *     linear least-squares problem: energy, forces and virial are linear in
 *     (c_z, xi)). Forward mode with all 3 n_nbr pair-vector components as
 *     tangents at once, propagated through the product table:
 *       dm_out += k (m_q dm_p + m_p dm_q)   (one vector of 3 n_nbr lanes),
 *     and for a basic moment
 *       d(f mono)/dd = f' u mono + (f/r) (grad_u mono - nu mono u).
 *
 *  2. mtp_site_loss_grad: the gradient of a weighted loss with respect to all
 *     parameters. With residual weights a (energy), lambda_j (forces) and
 *     Lambda (virial, symmetric), dL = d Phi where
 *       Phi = a E + sum_j lambda_j . F_j + Lambda : W
 *           = sum_i [ a V_i - sum_j dV_i/dd_ij . delta_ij ],
 *       delta_ij = lambda_j - lambda_i + Lambda d_ij
 *     (F_j = -dE/dr_j, W = -sum_pairs d (x) dV/dd). The directional derivative
 *     Vdot_i = sum_j dV_i/dd_ij . delta_ij is computed in forward mode (one
 *     tangent), and Psi_i = a V_i - Vdot_i is differentiated in reverse mode
 *     with respect to the radial coefficients, xi and c_z.
 *
 * Clean-room: written from the papers' definitions; MLIP-2's code was not
 * consulted.
 */
#include "mtp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int mono_index(int a, int b, int c)
{
    int n = a + b + c;
    return n * (n + 1) * (n + 2) / 6 + (n - a) * (n - a + 1) / 2 + (n - a - b);
}

void mtp_tplan_free(mtp_tplan *tp)
{
    if (!tp) return;
    free(tp->bmu);
    free(tp->bmono);
    free(tp->bnu);
    for (int c = 0; c < 3; c++) {
        free(tp->bd[c]);
        free(tp->bp[c]);
    }
    free(tp->mexp);
    free(tp->mpar);
    free(tp->korder);
    free(tp->moff);
    free(tp->unset);
    memset(tp, 0, sizeof *tp);
}

aion_status mtp_tplan_build(mtp_tplan *tp, const mtp_model *m, aion_error *err)
{
    memset(tp, 0, sizeof *tp);
    tp->C = m->nspecies;
    tp->K = m->nradial;
    tp->R = m->rb_size;
    tp->rmin = m->min_dist;
    tp->rcut = m->max_dist;
    tp->xs = 1.0 / (m->max_dist - m->min_dist);
    tp->nbasic = m->nbasic;
    tp->nmoments = m->nmoments;
    tp->ntimes = m->ntimes;
    tp->nscalar = m->nscalar;
    tp->times = m->times;
    tp->mapping = m->mapping;
    if (tp->R < 1 || tp->R > MTP_MAX_RB_SIZE || tp->K < 1 || tp->K > MTP_MAX_RADIAL || !(m->max_dist > m->min_dist))
        return aion_err_set(err, AION_ERR_INVALID, "MTP: invalid radial basis");
    for (int k = 0; k < m->nbasic; k++) {
        int nu = m->basic[k][1] + m->basic[k][2] + m->basic[k][3];
        if (nu > tp->numax) tp->numax = nu;
    }
    tp->nmono = (tp->numax + 1) * (tp->numax + 2) * (tp->numax + 3) / 6;
    tp->bmu = aion_calloc((size_t)m->nbasic + 1, sizeof(int));
    tp->bmono = aion_calloc((size_t)m->nbasic + 1, sizeof(int));
    tp->bnu = aion_calloc((size_t)m->nbasic + 1, sizeof(int));
    tp->mexp = aion_calloc((size_t)tp->nmono, sizeof *tp->mexp);
    tp->mpar = aion_calloc((size_t)tp->nmono, sizeof *tp->mpar);
    tp->korder = aion_calloc((size_t)m->nbasic + 1, sizeof(int));
    tp->moff = aion_calloc((size_t)tp->K + 1, sizeof(int));
    if (!tp->bmu || !tp->bmono || !tp->bnu || !tp->mexp || !tp->mpar || !tp->korder || !tp->moff) goto nomem;
    for (int c = 0; c < 3; c++) {
        tp->bd[c] = aion_calloc((size_t)m->nbasic + 1, sizeof(int));
        tp->bp[c] = aion_calloc((size_t)m->nbasic + 1, sizeof(double));
        if (!tp->bd[c] || !tp->bp[c]) goto nomem;
    }
    for (int k = 0; k < m->nbasic; k++) {
        const int *b = m->basic[k];
        tp->bmu[k] = b[0];
        tp->bmono[k] = mono_index(b[1], b[2], b[3]);
        tp->bnu[k] = b[1] + b[2] + b[3];
        for (int c = 0; c < 3; c++) {
            int pw[3] = {b[1], b[2], b[3]};
            if (pw[c] == 0) {
                tp->bd[c][k] = 0;
                tp->bp[c][k] = 0.0;
            } else {
                tp->bp[c][k] = pw[c];
                pw[c]--;
                tp->bd[c][k] = mono_index(pw[0], pw[1], pw[2]);
            }
        }
    }
    /* moments that no product writes (zero; normally none) */
    {
        unsigned char *out = aion_calloc((size_t)m->nmoments + 1, 1);
        if (!out) goto nomem;
        for (int t = 0; t < m->ntimes; t++) out[m->times[t].out] = 1;
        for (int q = m->nbasic; q < m->nmoments; q++) tp->nunset += !out[q];
        tp->unset = aion_calloc((size_t)tp->nunset + 1, sizeof(int));
        if (!tp->unset) {
            free(out);
            goto nomem;
        }
        tp->nunset = 0;
        for (int q = m->nbasic; q < m->nmoments; q++)
            if (!out[q]) tp->unset[tp->nunset++] = q;
        free(out);
    }
    /* basic moments grouped by radial function */
    {
        int t = 0;
        for (int mu = 0; mu < tp->K; mu++) {
            tp->moff[mu] = t;
            for (int k = 0; k < m->nbasic; k++)
                if (tp->bmu[k] == mu) tp->korder[t++] = k;
        }
        tp->moff[tp->K] = t;
        if (t != m->nbasic) {
            mtp_tplan_free(tp);
            return aion_err_set(err, AION_ERR_INVALID, "MTP: basic moment with a radial function out of range");
        }
    }
    /* monomial table: exponents and a parent (monomial / u_axis) */
    for (int n = 0; n <= tp->numax; n++)
        for (int a = n; a >= 0; a--)
            for (int b = n - a; b >= 0; b--) {
                int c = n - a - b, q = mono_index(a, b, c);
                tp->mexp[q][0] = a;
                tp->mexp[q][1] = b;
                tp->mexp[q][2] = c;
                if (n == 0) {
                    tp->mpar[q][0] = -1;
                    tp->mpar[q][1] = 0;
                } else if (a > 0) {
                    tp->mpar[q][0] = mono_index(a - 1, b, c);
                    tp->mpar[q][1] = 0;
                } else if (b > 0) {
                    tp->mpar[q][0] = mono_index(0, b - 1, c);
                    tp->mpar[q][1] = 1;
                } else {
                    tp->mpar[q][0] = mono_index(0, 0, c - 1);
                    tp->mpar[q][1] = 2;
                }
            }
    return AION_OK;
nomem:
    mtp_tplan_free(tp);
    return aion_err_set(err, AION_ERR_NOMEM, "MTP: out of memory");
}

void mtp_tws_free(mtp_tws *w)
{
    if (!w) return;
    free(w->r);
    free(w->u);
    free(w->Q);
    free(w->dQ);
    free(w->f);
    free(w->df);
    free(w->mono);
    free(w->mod);
    free(w->m);
    free(w->mb);
    free(w->mt);
    free(w->mtb);
    free(w->tm);
    memset(w, 0, sizeof *w);
}

/* Room for nn neighbours and (if tangents) the forward-mode block. */
int mtp_tws_reserve(mtp_tws *w, const mtp_tplan *tp, int nn, int tangents)
{
    if (!w->m) {
        w->m = aion_calloc((size_t)tp->nmoments + 1, sizeof(double));
        w->mb = aion_calloc((size_t)tp->nmoments + 1, sizeof(double));
        w->mt = aion_calloc((size_t)tp->nmoments + 1, sizeof(double));
        w->mtb = aion_calloc((size_t)tp->nmoments + 1, sizeof(double));
        if (!w->m || !w->mb || !w->mt || !w->mtb) return 0;
    }
    if (nn > w->cap) {
        int cap = nn + nn / 2 + 8;
        free(w->r);
        free(w->u);
        free(w->Q);
        free(w->dQ);
        free(w->f);
        free(w->df);
        free(w->mono);
        free(w->mod);
        w->r = aion_calloc((size_t)cap, sizeof(double));
        w->u = aion_calloc((size_t)cap * 3, sizeof(double));
        w->Q = aion_calloc((size_t)cap * (size_t)tp->R, sizeof(double));
        w->dQ = aion_calloc((size_t)cap * (size_t)tp->R, sizeof(double));
        w->f = aion_calloc((size_t)cap * (size_t)tp->K, sizeof(double));
        w->df = aion_calloc((size_t)cap * (size_t)tp->K, sizeof(double));
        w->mono = aion_calloc((size_t)cap * (size_t)tp->nmono, sizeof(double));
        w->mod = aion_calloc((size_t)cap * (size_t)(tp->nbasic + 1), sizeof(double));
        w->cap = w->r && w->u && w->Q && w->dQ && w->f && w->df && w->mono && w->mod ? cap : 0;
        if (!w->cap) return 0;
    }
    if (tangents) {
        size_t ld = ((size_t)3 * (size_t)nn + 7) & ~(size_t)7;
        size_t need = ld * (size_t)tp->nmoments;
        if (need > w->tcap) {
            free(w->tm);
            w->tm = NULL;
            if (posix_memalign((void **)&w->tm, 64, (need ? need : 1) * sizeof(double))) w->tm = NULL;
            w->tcap = w->tm ? need : 0;
            if (!w->tm) return 0;
        }
    }
    return 1;
}

/* Per-neighbour quantities: r, u, Q_b, Q'_b, f_mu, f'_mu, monomials. */
static void prepare(const mtp_tplan *restrict tp, const mtp_model *restrict m, int zi, int nn, const int *restrict zj,
                    const double (*restrict d)[3], mtp_tws *restrict w)
{
    const int R = tp->R, K = tp->K;
    const double s = m->scaling, dxdr = 2.0 * tp->xs;
    for (int j = 0; j < nn; j++) {
        double r = sqrt(d[j][0] * d[j][0] + d[j][1] * d[j][1] + d[j][2] * d[j][2]);
        double *u = w->u + 3 * j, *Q = w->Q + (size_t)j * R, *dQ = w->dQ + (size_t)j * R;
        double *f = w->f + (size_t)j * K, *df = w->df + (size_t)j * K, *mono = w->mono + (size_t)j * tp->nmono;
        double x = (2.0 * r - tp->rmin - tp->rcut) * tp->xs, wc = tp->rcut - r, w2 = wc * wc;
        double t0 = 1.0, t1 = x, d0 = 0.0, d1 = 1.0;
        w->r[j] = r;
        u[0] = d[j][0] / r;
        u[1] = d[j][1] / r;
        u[2] = d[j][2] / r;
        for (int b = 0; b < R; b++) {
            double T, dT;
            if (b == 0) {
                T = 1.0;
                dT = 0.0;
            } else if (b == 1) {
                T = x;
                dT = 1.0;
            } else {
                double t2 = 2.0 * x * t1 - t0, e2 = 2.0 * t1 + 2.0 * x * d1 - d0;
                t0 = t1;
                t1 = t2;
                d0 = d1;
                d1 = e2;
                T = t1;
                dT = d1;
            }
            Q[b] = T * w2;
            dQ[b] = dT * dxdr * w2 - 2.0 * T * wc;
        }
        const double *c = m->radial + ((size_t)zi * tp->C + (size_t)zj[j]) * (size_t)K * (size_t)R;
        for (int mu = 0; mu < K; mu++) {
            double a = 0.0, da = 0.0;
            for (int b = 0; b < R; b++) {
                a += c[mu * R + b] * Q[b];
                da += c[mu * R + b] * dQ[b];
            }
            f[mu] = s * a;
            df[mu] = s * da;
        }
        mono[0] = 1.0;
        for (int q = 1; q < tp->nmono; q++) mono[q] = mono[tp->mpar[q][0]] * u[tp->mpar[q][1]];
    }
}

/* Basic moments and products (values only). */
static void moments(const mtp_tplan *restrict tp, int nn, mtp_tws *restrict w)
{
    double *restrict mm = w->m;
    memset(mm, 0, (size_t)tp->nmoments * sizeof(double));
    for (int j = 0; j < nn; j++) {
        const double *f = w->f + (size_t)j * tp->K, *mono = w->mono + (size_t)j * tp->nmono;
        for (int k = 0; k < tp->nbasic; k++) mm[k] += f[tp->bmu[k]] * mono[tp->bmono[k]];
    }
    for (int t = 0; t < tp->ntimes; t++) {
        const mtp_times *x = &tp->times[t];
        mm[x->out] += x->k * mm[x->i] * mm[x->j];
    }
}

double mtp_site_energy(const mtp_tplan *tp, const mtp_model *m, int zi, int nn, const int *zj, const double (*d)[3],
                       double (*grad)[3], mtp_tws *w)
{
    double e;
    prepare(tp, m, zi, nn, zj, d, w);
    moments(tp, nn, w);
    e = m->species_coeffs[zi];
    for (int a = 0; a < tp->nscalar; a++) e += m->moment_coeffs[a] * w->m[tp->mapping[a]];
    if (!grad) return e;
    double *restrict g = w->mb;
    const double *restrict mm = w->m;
    memset(g, 0, (size_t)tp->nmoments * sizeof(double));
    for (int a = 0; a < tp->nscalar; a++) g[tp->mapping[a]] += m->moment_coeffs[a];
    for (int t = tp->ntimes - 1; t >= 0; t--) {
        const mtp_times *x = &tp->times[t];
        double go = x->k * g[x->out];
        g[x->i] += go * mm[x->j];
        g[x->j] += go * mm[x->i];
    }
    for (int j = 0; j < nn; j++) {
        const double *f = w->f + (size_t)j * tp->K, *df = w->df + (size_t)j * tp->K;
        const double *mono = w->mono + (size_t)j * tp->nmono, *u = w->u + 3 * j;
        const double ir = 1.0 / w->r[j];
        double gr[3] = {0, 0, 0};
        for (int k = 0; k < tp->nbasic; k++) {
            const int mu = tp->bmu[k];
            const double gk = g[k], mo = mono[tp->bmono[k]];
            double G[3];
            for (int c = 0; c < 3; c++) G[c] = tp->bp[c][k] * mono[tp->bd[c][k]];
            /* d(f mono)/dd = f' u mono + (f/r)(grad mono - nu mono u) */
            const double s1 = gk * (df[mu] * mo - f[mu] * ir * tp->bnu[k] * mo), s2 = gk * f[mu] * ir;
            for (int c = 0; c < 3; c++) gr[c] += s1 * u[c] + s2 * G[c];
        }
        grad[j][0] = gr[0];
        grad[j][1] = gr[1];
        grad[j][2] = gr[2];
    }
    return e;
}

void mtp_site_basis(const mtp_tplan *tp, const mtp_model *m, int zi, int nn, const int *zj, const double (*d)[3],
                    double *B, const double **dB, size_t *ld, mtp_tws *w)
{
    prepare(tp, m, zi, nn, zj, d, w);
    if (!dB) {
        moments(tp, nn, w);
        for (int a = 0; a < tp->nscalar; a++) B[a] = w->m[tp->mapping[a]];
        return;
    }
    const size_t L = ((size_t)3 * (size_t)nn + 7) & ~(size_t)7, L3 = (size_t)3 * (size_t)nn;
    double *restrict tm = w->tm, *restrict mm = w->m;
    memset(mm, 0, (size_t)tp->nmoments * sizeof(double));
    /* basic rows: every lane below 3 nn is written below; zero the padding */
    if (L3 < L)
        for (int k = 0; k < tp->nbasic; k++) memset(tm + (size_t)k * L + L3, 0, (L - L3) * sizeof(double));
    for (int q = 0; q < tp->nunset; q++) memset(tm + (size_t)tp->unset[q] * L, 0, L * sizeof(double));
    for (int j = 0; j < nn; j++) {
        const double *f = w->f + (size_t)j * tp->K, *df = w->df + (size_t)j * tp->K;
        const double *mono = w->mono + (size_t)j * tp->nmono, *u = w->u + 3 * j;
        const double ir = 1.0 / w->r[j];
        for (int k = 0; k < tp->nbasic; k++) {
            const int mu = tp->bmu[k];
            const double mo = mono[tp->bmono[k]];
            const double s1 = df[mu] * mo - f[mu] * ir * tp->bnu[k] * mo, s2 = f[mu] * ir;
            double *row = tm + (size_t)k * L + 3 * (size_t)j;
            mm[k] += f[mu] * mo;
            for (int c = 0; c < 3; c++) row[c] = s1 * u[c] + s2 * tp->bp[c][k] * mono[tp->bd[c][k]];
        }
    }
    /* products: outputs come in sorted groups after their inputs; the first
     * product of a group assigns (no zeroing of the product rows) */
    for (int t = 0; t < tp->ntimes; t++) {
        const mtp_times *x = &tp->times[t];
        const double a = x->k * mm[x->j], b = x->k * mm[x->i];
        double *restrict to = tm + (size_t)x->out * L;
        const double *ti = tm + (size_t)x->i * L, *tj = tm + (size_t)x->j * L;
        mm[x->out] += x->k * mm[x->i] * mm[x->j];
        if (t == 0 || tp->times[t - 1].out != x->out)
            for (size_t q = 0; q < L; q++) to[q] = a * ti[q] + b * tj[q];
        else
            for (size_t q = 0; q < L; q++) to[q] += a * ti[q] + b * tj[q];
    }
    for (int a = 0; a < tp->nscalar; a++) {
        B[a] = mm[tp->mapping[a]];
        dB[a] = tm + (size_t)tp->mapping[a] * L;
    }
    *ld = L;
}

double mtp_site_loss_grad(const mtp_tplan *tp, const mtp_model *m, int zi, int nn, const int *zj,
                          const double (*d)[3], double a, const double (*delta)[3], double *g_radial, double *g_xi,
                          double *g_spc, mtp_tws *w)
{
    const int K = tp->K, R = tp->R;
    double *restrict mm = w->m, *restrict mt = w->mt, *restrict mb = w->mb, *restrict mtb = w->mtb;
    double V, Vdot = 0.0;
    prepare(tp, m, zi, nn, zj, d, w);
    memset(mm, 0, (size_t)tp->nmoments * sizeof(double));
    memset(mt, 0, (size_t)tp->nmoments * sizeof(double));
    /* forward: values and one tangent (the perturbation delta of the pair vectors) */
    for (int j = 0; j < nn; j++) {
        const double *f = w->f + (size_t)j * K, *df = w->df + (size_t)j * K;
        const double *mono = w->mono + (size_t)j * tp->nmono, *u = w->u + 3 * j, *dl = delta[j];
        double *restrict modj = w->mod + (size_t)j * tp->nbasic;
        const double ir = 1.0 / w->r[j];
        const double rdot = u[0] * dl[0] + u[1] * dl[1] + u[2] * dl[2];
        const double ud[3] = {(dl[0] - u[0] * rdot) * ir, (dl[1] - u[1] * rdot) * ir, (dl[2] - u[2] * rdot) * ir};
        double fr[MTP_MAX_RADIAL];
        for (int mu = 0; mu < K; mu++) fr[mu] = df[mu] * rdot;
        for (int k = 0; k < tp->nbasic; k++) {
            const int mu = tp->bmu[k];
            const double mo = mono[tp->bmono[k]];
            /* tangent of the monomial: grad_u mono . udot */
            const double mod = tp->bp[0][k] * mono[tp->bd[0][k]] * ud[0] + tp->bp[1][k] * mono[tp->bd[1][k]] * ud[1] +
                               tp->bp[2][k] * mono[tp->bd[2][k]] * ud[2];
            modj[k] = mod;
            mm[k] += f[mu] * mo;
            mt[k] += fr[mu] * mo + f[mu] * mod;
        }
    }
    for (int t = 0; t < tp->ntimes; t++) {
        const mtp_times *x = &tp->times[t];
        mm[x->out] += x->k * mm[x->i] * mm[x->j];
        mt[x->out] += x->k * (mt[x->i] * mm[x->j] + mm[x->i] * mt[x->j]);
    }
    V = m->species_coeffs[zi];
    for (int al = 0; al < tp->nscalar; al++) {
        const int q = tp->mapping[al];
        V += m->moment_coeffs[al] * mm[q];
        Vdot += m->moment_coeffs[al] * mt[q];
        if (g_xi) g_xi[al] += a * mm[q] - mt[q];
    }
    if (g_spc) g_spc[zi] += a;
    if (!g_radial) return a * V - Vdot;
    /* reverse: adjoints of m (mb) and of the tangent (mtb) for Psi = a V - Vdot */
    memset(mb, 0, (size_t)tp->nmoments * sizeof(double));
    memset(mtb, 0, (size_t)tp->nmoments * sizeof(double));
    for (int al = 0; al < tp->nscalar; al++) {
        mb[tp->mapping[al]] += a * m->moment_coeffs[al];
        mtb[tp->mapping[al]] -= m->moment_coeffs[al];
    }
    for (int t = tp->ntimes - 1; t >= 0; t--) {
        const mtp_times *x = &tp->times[t];
        const double bo = x->k * mb[x->out], to = x->k * mtb[x->out];
        mb[x->i] += bo * mm[x->j] + to * mt[x->j];
        mb[x->j] += bo * mm[x->i] + to * mt[x->i];
        mtb[x->i] += to * mm[x->j];
        mtb[x->j] += to * mm[x->i];
    }
    /* basic moments -> radial coefficients of the pair (zi, zj) */
    for (int j = 0; j < nn; j++) {
        const double *mono = w->mono + (size_t)j * tp->nmono, *u = w->u + 3 * j, *dl = delta[j];
        const double *modj = w->mod + (size_t)j * tp->nbasic;
        const double *Q = w->Q + (size_t)j * R, *dQ = w->dQ + (size_t)j * R;
        const double rdot = u[0] * dl[0] + u[1] * dl[1] + u[2] * dl[2];
        double A[MTP_MAX_RADIAL], Bt[MTP_MAX_RADIAL];
        for (int mu = 0; mu < K; mu++) {
            /* m_k += f mo ; mt_k += f' rdot mo + f mod:
             * A = d Psi / d f_mu, Bt = d Psi / d f'_mu / rdot (two accumulators each) */
            double a0 = 0, a1 = 0, b0 = 0, b1 = 0;
            int t = tp->moff[mu];
            const int t1 = tp->moff[mu + 1];
            for (; t + 1 < t1; t += 2) {
                const int k0 = tp->korder[t], k1 = tp->korder[t + 1];
                const double m0 = mono[tp->bmono[k0]], m1 = mono[tp->bmono[k1]];
                a0 += mb[k0] * m0 + mtb[k0] * modj[k0];
                b0 += mtb[k0] * m0;
                a1 += mb[k1] * m1 + mtb[k1] * modj[k1];
                b1 += mtb[k1] * m1;
            }
            if (t < t1) {
                const int k0 = tp->korder[t];
                const double m0 = mono[tp->bmono[k0]];
                a0 += mb[k0] * m0 + mtb[k0] * modj[k0];
                b0 += mtb[k0] * m0;
            }
            A[mu] = a0 + a1;
            Bt[mu] = b0 + b1;
        }
        double *gr = g_radial + (size_t)zj[j] * (size_t)K * (size_t)R;
        for (int mu = 0; mu < K; mu++) {
            const double sa = m->scaling * A[mu], sb = m->scaling * Bt[mu] * rdot;
            for (int b = 0; b < R; b++) gr[mu * R + b] += sa * Q[b] + sb * dQ[b];
        }
    }
    return a * V - Vdot;
}
