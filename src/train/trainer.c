/*
 * Fitting a Moment Tensor Potential to energies, forces and stresses.
 *
 * Loss (MLIP-2's default normalisation, "vibrations" weighting; as documented
 * for MLIP-2-compatible training in the motep package and Novikov et al.
 * 2021, doi:10.1088/2632-2153/abc9fe), configurations k with N_k atoms:
 *   L = sum_k [ w_e (dE_k/N_k)^2 + (w_f/N_k) sum_i |dF_ki|^2
 *             + w_s sum_{a,b} (dW_k,ab / N_k)^2 ]
 * dW = virial error (eV) = stress error times volume. Defaults w = 1, 0.01, 0.001.
 *
 * Parameters: radial coefficients c (C^2 K R), species constants and moment
 * coefficients theta = (c_z, xi). E, F and W are linear in theta, so for
 * fixed c the best theta solves a linear least-squares problem (rows: one
 * per energy, force component and virial component, scaled by the square
 * roots of the weights). Variable projection (Golub & Pereyra 1973): the
 * reduced loss Lr(c) = min_theta L(c, theta) is minimised by L-BFGS (Nocedal
 * 1980; strong-Wolfe line search, Nocedal & Wright alg. 3.5-3.6); theta is
 * re-solved at every evaluation, and by the envelope theorem
 * dLr/dc = dL/dc at theta*(c), computed exactly in reverse mode
 * (mtp_site_loss_grad). The linear solve carries a tiny relative ridge
 * (tr_ridge_solve), so the gradient is that of L at the ridge solution: exact
 * up to O(ridge).
 *
 * Optional ZBL baseline (zbl.h; aion_train_opts.zbl_*): the labels are
 * replaced once, before the optimisation, by label - baseline (energy,
 * forces, virial); the MTP is fitted to that residual. The errors tracked
 * here, E_MTP - (E_label - E_ZBL) = (E_ZBL + E_MTP) - E_label, are then those
 * of the whole model.
 *
 * Threads: OpenMP over fixed blocks of configurations; block results
 * are combined in block order, so results do not depend on the thread count.
 */
#include "potential/zbl.h"
#include "potential/qeq.h"
#include "train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define TR_BLOCK 8          /* configurations per block (fixed: determinism) */
#define TR_MAX_HIST 1000000

typedef struct tr_thread {
    mtp_tws ws;
    double *B;               /* nscalar */
    const double **dB;       /* nscalar */
    double *S;               /* rows x P1, row-major (one configuration) */
    size_t Scap;
    double *A;               /* block matrix, column-major */
    size_t Acap;
    double (*F)[3];          /* predicted forces */
    double (*lam)[3];        /* force residual weights */
    double (*grad)[3];       /* dV/dd per neighbour */
    double (*delta)[3];
    int ncap, nncap;
} tr_thread;

/* Per-block results of one loss/gradient pass. */
typedef struct tr_acc {
    double loss, se_e, se_f, se_s;
    long n_e, n_f, n_s;
} tr_acc;

struct aion_mtp_trainer {
    aion_train_opts o;
    int C;
    int *species_z;
    mtp_model model;
    mtp_tplan tp;
    tr_cfg *cfg, *val;
    int ncfg, nval;
    long natoms;
    int P;                   /* linear parameters C + nscalar */
    int nr;                  /* radial coefficients C*C*K*R */
    int nth;
    tr_thread *th;
    int nblk;
    double *Rblk;            /* nblk x P1 x P1 */
    double *rows;            /* copies of the blocks' rows [J | y] (column-major per block), or NULL */
    size_t *rows_off;        /* nblk + 1: offset of block b in rows (doubles) */
    int rows_valid;          /* rows belong to the current radial coefficients */
    double *gblk;            /* nblk x nr */
    tr_acc *ablk;
    /* optimiser */
    double *x, *g, f;        /* current point (radial), gradient, loss */
    double *xt, *gt;         /* trial */
    double *lin, *lint;      /* linear coefficients at x / at the last evaluation */
    double *S, *Y, *rho;     /* L-BFGS pairs */
    int mem, npairs, head;
    int iter;
    long nevals;
    double cpu0, wall0, cpu_base, wall_base;
    tr_acc last;             /* statistics of the last evaluation */
    double last_gnorm;
    aion_train_iter *hist;
    int nhist, hcap;
    aion_strbuf desc;
    int stop;
    int zbl_origin;          /* 0 none, 1 from init_path, 2 given, 3 given (replaces init_path's), 4 init_path's dropped */
    double zbl_old[2];       /* init_path's inner, outer (origins 3, 4) */
    int qeq_origin;          /* 0 none, 1 from init_path, 2 from qeq_params, 3 init_path's dropped */
};

/* ------------------------------------------------------------------ */

void aion_train_opts_init(aion_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->level = 16;
    o->cutoff = 5.0;
    o->radial_size = 8;
    o->w_energy = 1.0;
    o->w_force = 0.01;
    o->w_stress = 0.001;
    o->ridge = 1e-12;
    o->max_iter = 1000;
    o->tol = 1e-3;
    o->lbfgs_memory = 12;
    o->valid_every = 10;
    o->checkpoint_every = 10;
}

static double now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double now_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static void thread_free(tr_thread *h)
{
    mtp_tws_free(&h->ws);
    free(h->B);
    free(h->dB);
    free(h->S);
    free(h->A);
    free(h->F);
    free(h->lam);
    free(h->grad);
    free(h->delta);
    memset(h, 0, sizeof *h);
}

/* Scratch for configuration c (rows: number of LSQ rows in use; 0 = none). */
static int thread_reserve(tr_thread *h, const aion_mtp_trainer *t, const tr_cfg *c, int need_rows, size_t block_rows)
{
    const size_t P1 = (size_t)t->P + 1;
    if (!h->B) {
        h->B = aion_calloc((size_t)t->tp.nscalar, sizeof *h->B);
        h->dB = aion_calloc((size_t)t->tp.nscalar, sizeof *h->dB);
        if (!h->B || !h->dB) return 0;
    }
    if (!mtp_tws_reserve(&h->ws, &t->tp, c->maxnn, need_rows)) return 0;
    if (c->n > h->ncap) {
        free(h->F);
        free(h->lam);
        h->F = aion_calloc((size_t)c->n, sizeof *h->F);
        h->lam = aion_calloc((size_t)c->n, sizeof *h->lam);
        h->ncap = h->F && h->lam ? c->n : 0;
        if (!h->ncap) return 0;
    }
    if (c->maxnn > h->nncap) {
        free(h->grad);
        free(h->delta);
        h->grad = aion_calloc((size_t)c->maxnn, sizeof *h->grad);
        h->delta = aion_calloc((size_t)c->maxnn, sizeof *h->delta);
        h->nncap = h->grad && h->delta ? c->maxnn : 0;
        if (!h->nncap) return 0;
    }
    if ((size_t)c->nrows > h->Scap) {
        free(h->S);
        h->S = aion_calloc((size_t)c->nrows * P1, sizeof *h->S);
        h->Scap = h->S ? (size_t)c->nrows * P1 : 0;
        if (!h->S) return 0;
    }
    if (need_rows) {
        size_t s = (size_t)c->nrows * P1;
        if (s > h->Scap) {
            free(h->S);
            h->S = aion_calloc(s, sizeof *h->S);
            h->Scap = h->S ? s : 0;
            if (!h->S) return 0;
        }
        s = block_rows * P1;
        if (s > h->Acap) {
            free(h->A);
            h->A = aion_calloc(s, sizeof *h->A);
            h->Acap = h->A ? s : 0;
            if (!h->A) return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Linear least squares: rows of one configuration                     */
/* ------------------------------------------------------------------ */

/* Rows [J | y] of configuration c into the column-major block A (leading
 * dimension lda) at row offset roff; the rows there must be zero. */
static void cfg_rows(const aion_mtp_trainer *t, const tr_cfg *c, tr_thread *h, double *A, size_t lda, size_t roff)
{
    const int C = t->C, NB = t->tp.nscalar, P = t->P, n = c->n;
    const double N = n;
    const double we = sqrt(t->o.w_energy) / N, wf = sqrt(t->o.w_force / N), ws = sqrt(t->o.w_stress) / N;
    const size_t rE = roff, rF = roff + (c->has_e ? 1 : 0), rS = rF + (c->has_f ? 3 * (size_t)n : 0);
#define COL(q) (A + (size_t)(q) * lda)
    for (int i = 0; i < n; i++) {
        const int nn = c->off[i + 1] - c->off[i], o = c->off[i];
        const int *nj = c->nj + o;
        const double (*d)[3] = (const double (*)[3])c->d + o;
        size_t ld = 0;
        int deriv = c->has_f || c->has_s;
        mtp_site_basis(&t->tp, &t->model, c->spec[i], nn, c->zj + o, d, h->B, deriv ? h->dB : NULL, &ld, &h->ws);
        if (c->has_e) {
            COL(c->spec[i])[rE] += 1.0;
            for (int a = 0; a < NB; a++) COL(C + a)[rE] += h->B[a];
        }
        if (!deriv) continue;
        for (int a = 0; a < NB; a++) {
            const double *row = h->dB[a];
            double *col = COL(C + a);
            double w6[6] = {0, 0, 0, 0, 0, 0}, fi[3] = {0, 0, 0};
            for (int q = 0; q < nn; q++) {
                const double *v = row + 3 * q, *dq = d[q];
                if (c->has_f) {
                    double *Fr = col + rF + 3 * (size_t)nj[q];
                    Fr[0] -= v[0];
                    Fr[1] -= v[1];
                    Fr[2] -= v[2];
                    fi[0] += v[0];
                    fi[1] += v[1];
                    fi[2] += v[2];
                }
                if (c->has_s) {
                    w6[0] -= dq[0] * v[0];
                    w6[1] -= dq[1] * v[1];
                    w6[2] -= dq[2] * v[2];
                    w6[3] -= 0.5 * (dq[1] * v[2] + dq[2] * v[1]);
                    w6[4] -= 0.5 * (dq[0] * v[2] + dq[2] * v[0]);
                    w6[5] -= 0.5 * (dq[0] * v[1] + dq[1] * v[0]);
                }
            }
            if (c->has_f)
                for (int cc = 0; cc < 3; cc++) col[rF + 3 * (size_t)i + cc] += fi[cc];
            if (c->has_s)
                for (int k = 0; k < 6; k++) col[rS + k] += w6[k];
        }
    }
    /* weights and right-hand sides */
    for (int q = 0; q < P; q++) {
        double *col = COL(q);
        if (c->has_e) col[rE] *= we;
        if (c->has_f)
            for (size_t r = 0; r < 3 * (size_t)n; r++) col[rF + r] *= wf;
        if (c->has_s)
            for (int k = 0; k < 6; k++) col[rS + k] *= ws * (k < 3 ? 1.0 : sqrt(2.0));
    }
    double *y = COL(P);
    if (c->has_e) y[rE] = we * c->E;
    if (c->has_f)
        for (int r = 0; r < 3 * n; r++) y[rF + r] = wf * c->F[r / 3][r % 3];
    if (c->has_s) {
        static const int ia[6] = {0, 1, 2, 1, 0, 0}, ib[6] = {0, 1, 2, 2, 2, 1};
        for (int k = 0; k < 6; k++) y[rS + k] = ws * (k < 3 ? 1.0 : sqrt(2.0)) * c->W[ia[k]][ib[k]];
    }
#undef COL
}

/* Solve for the linear coefficients at the current radial coefficients;
 * result in t->model (species_coeffs, moment_coeffs) and lin[P]. */
static aion_status solve_linear(aion_mtp_trainer *t, double *lin, aion_error *err)
{
    const int P1 = t->P + 1;
    int bad = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(t->nth)
    for (int b = 0; b < t->nblk; b++) {
        tr_thread *h = &t->th[thread_id()];
        int c0 = b * TR_BLOCK, c1 = AION_MIN(t->ncfg, c0 + TR_BLOCK);
        size_t rows = 0, roff = 0;
        double *Rb = t->Rblk + (size_t)b * P1 * P1;
        for (int k = c0; k < c1; k++) rows += (size_t)t->cfg[k].nrows;
        if (rows < (size_t)P1) rows = (size_t)P1;
        int ok = 1;
        for (int k = c0; k < c1 && ok; k++) ok = thread_reserve(h, t, &t->cfg[k], 1, rows);
        if (!ok) {
#pragma omp atomic write
            bad = 1;
            continue;
        }
        memset(h->A, 0, rows * (size_t)P1 * sizeof(double));
        for (int k = c0; k < c1; k++) {
            cfg_rows(t, &t->cfg[k], h, h->A, rows, roff);
            roff += (size_t)t->cfg[k].nrows;
        }
        if (t->rows) memcpy(t->rows + t->rows_off[b], h->A, rows * (size_t)P1 * sizeof(double));
        if (tr_qr_r(h->A, (int)rows, P1, (int)rows, Rb)) {
#pragma omp atomic write
            bad = 2;
        }
    }
    if (bad == 1) return aion_err_set(err, AION_ERR_NOMEM, "training: out of memory");
    if (bad) return aion_err_set(err, AION_ERR_NUMERIC, "training: QR factorisation failed");
    for (int b = 1; b < t->nblk; b++)
        if (tr_qr_merge(t->Rblk, t->Rblk + (size_t)b * P1 * P1, P1))
            return aion_err_set(err, AION_ERR_NUMERIC, "training: QR factorisation failed");
    if (tr_ridge_solve(t->Rblk, t->P, t->o.ridge, lin, NULL))
        return aion_err_set(err, AION_ERR_NUMERIC, "training: the linear least-squares solve failed (NaN/Inf?)");
    memcpy(t->model.species_coeffs, lin, (size_t)t->C * sizeof(double));
    memcpy(t->model.moment_coeffs, lin + t->C, (size_t)t->tp.nscalar * sizeof(double));
    t->rows_valid = t->rows != NULL;
    return AION_OK;
}

/* Rows of block b in the stored copy (NULL if not stored). */
static const double *block_rows(const aion_mtp_trainer *t, int b, int *lda)
{
    if (!t->rows_valid) return NULL;
    *lda = (int)((t->rows_off[b + 1] - t->rows_off[b]) / ((size_t)t->P + 1));
    return t->rows + t->rows_off[b];
}

/* ------------------------------------------------------------------ */
/* Loss and gradient                                                   */
/* ------------------------------------------------------------------ */

/* Predictions and loss for configuration c; with grad != NULL also the
 * gradient with respect to the radial coefficients (added). */
static int cfg_loss(const aion_mtp_trainer *t, const tr_cfg *c, tr_thread *h, const double *A, int lda, size_t roff,
                    double *grad, double *glin, tr_acc *acc)
{
    const int n = c->n;
    const double N = n;
    double E = 0, W[3][3] = {{0}}, dE = 0, dW[3][3] = {{0}}, loss = 0;
    /* A quantity with weight 0 is not part of the loss (and its rows are zero, so
     * it cannot be recovered from the stored rows): it is neither predicted nor
     * accumulated here; the report evaluates it with the production evaluator. */
    const int use_e = c->has_e && t->o.w_energy > 0, use_f = c->has_f && t->o.w_force > 0,
              use_s = c->has_s && t->o.w_stress > 0;
    if (!thread_reserve(h, t, c, 0, 0)) return 0;
    if (A) {
        /* predictions from the stored rows: residual_r = J_r theta - y_r (weighted) */
        const int P = t->P, C = t->C;
        const double we = sqrt(t->o.w_energy) / N, wf = sqrt(t->o.w_force / N), ws = sqrt(t->o.w_stress) / N;
        const int rF = c->has_e ? 1 : 0, rS = rF + (c->has_f ? 3 * n : 0);
        double *res = h->S; /* scratch: nrows */
        for (int r = 0; r < c->nrows; r++) res[r] = -A[(size_t)P * lda + roff + (size_t)r];
        for (int q = 0; q < P; q++) {
            const double th = q < C ? t->model.species_coeffs[q] : t->model.moment_coeffs[q - C];
            const double *col = A + (size_t)q * lda + roff;
            for (int r = 0; r < c->nrows; r++) res[r] += col[r] * th;
        }
        if (use_e) E = c->E + res[0] / we;
        if (use_f)
            for (int i = 0; i < n; i++)
                for (int a = 0; a < 3; a++) h->F[i][a] = c->F[i][a] + res[rF + 3 * i + a] / wf;
        if (use_s) {
            static const int ia[6] = {0, 1, 2, 1, 0, 0}, ib[6] = {0, 1, 2, 2, 2, 1};
            for (int k = 0; k < 6; k++) {
                double v = c->W[ia[k]][ib[k]] + res[rS + k] / (ws * (k < 3 ? 1.0 : sqrt(2.0)));
                W[ia[k]][ib[k]] = W[ib[k]][ia[k]] = v;
            }
        }
    } else {
        memset(h->F, 0, (size_t)n * sizeof *h->F);
        for (int i = 0; i < n; i++) {
            const int nn = c->off[i + 1] - c->off[i], o = c->off[i];
            const double (*d)[3] = (const double (*)[3])c->d + o;
            E += mtp_site_energy(&t->tp, &t->model, c->spec[i], nn, c->zj + o, d, h->grad, &h->ws);
            for (int q = 0; q < nn; q++) {
                const double *gq = h->grad[q];
                const int j = c->nj[o + q];
                for (int a = 0; a < 3; a++) {
                    h->F[j][a] -= gq[a];
                    h->F[i][a] += gq[a];
                    for (int b = 0; b < 3; b++) W[a][b] -= d[q][a] * gq[b];
                }
            }
        }
    }
    if (use_e) {
        dE = E - c->E;
        loss += t->o.w_energy * (dE / N) * (dE / N);
        acc->se_e += (dE / N) * (dE / N);
        acc->n_e++;
    }
    if (use_f) {
        double s = 0;
        for (int i = 0; i < n; i++)
            for (int a = 0; a < 3; a++) {
                double r = h->F[i][a] - c->F[i][a];
                h->lam[i][a] = 2.0 * t->o.w_force / N * r;
                s += r * r;
            }
        loss += t->o.w_force / N * s;
        acc->se_f += s;
        acc->n_f += 3L * n;
    } else {
        memset(h->lam, 0, (size_t)n * sizeof *h->lam);
    }
    if (use_s) {
        double s = 0;
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                dW[a][b] = 0.5 * (W[a][b] + W[b][a]) - c->W[a][b];
                s += dW[a][b] * dW[a][b];
            }
        loss += t->o.w_stress * s / (N * N);
        for (int a = 0; a < 3; a++)
            for (int b = a; b < 3; b++) acc->se_s += (dW[a][b] / c->volume) * (dW[a][b] / c->volume);
        acc->n_s += 6;
    }
    acc->loss += loss;
    if (!grad) return 1;
    /* Phi = a E + lambda.F + Lambda:W, differentiated site by site */
    const double ae = c->has_e ? 2.0 * t->o.w_energy * dE / (N * N) : 0.0;
    double Lam[3][3] = {{0}};
    if (c->has_s)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) Lam[a][b] = 2.0 * t->o.w_stress * dW[a][b] / (N * N);
    const size_t blk = (size_t)t->C * (size_t)t->tp.K * (size_t)t->tp.R;
    for (int i = 0; i < n; i++) {
        const int nn = c->off[i + 1] - c->off[i], o = c->off[i];
        const double (*d)[3] = (const double (*)[3])c->d + o;
        for (int q = 0; q < nn; q++) {
            const int j = c->nj[o + q];
            for (int a = 0; a < 3; a++)
                h->delta[q][a] = h->lam[j][a] - h->lam[i][a] + Lam[a][0] * d[q][0] + Lam[a][1] * d[q][1] +
                                 Lam[a][2] * d[q][2];
        }
        mtp_site_loss_grad(&t->tp, &t->model, c->spec[i], nn, c->zj + o, d, ae, (const double (*)[3])h->delta,
                           grad + (size_t)c->spec[i] * blk, glin ? glin + t->C : NULL, glin, &h->ws);
    }
    return 1;
}

/* Loss over a set of configurations (blocks in order); grad (nr) may be NULL. */
static aion_status set_loss(aion_mtp_trainer *t, const tr_cfg *cfg, int ncfg, double *grad, tr_acc *out,
                            aion_error *err)
{
    int nblk = (ncfg + TR_BLOCK - 1) / TR_BLOCK, bad = 0;
    tr_acc *acc = aion_calloc((size_t)nblk + 1, sizeof *acc);
    if (!acc) return aion_err_set(err, AION_ERR_NOMEM, "training: out of memory");
    if (grad) memset(t->gblk, 0, (size_t)nblk * (size_t)t->nr * sizeof(double));
#pragma omp parallel for schedule(dynamic, 1) num_threads(t->nth)
    for (int b = 0; b < nblk; b++) {
        tr_thread *h = &t->th[thread_id()];
        int lda = 0;
        const double *A = cfg == t->cfg ? block_rows(t, b, &lda) : NULL;
        size_t roff = 0;
        for (int k = b * TR_BLOCK; k < AION_MIN(ncfg, (b + 1) * TR_BLOCK); k++) {
            if (!cfg_loss(t, &cfg[k], h, A, lda, roff, grad ? t->gblk + (size_t)b * t->nr : NULL, NULL, &acc[b])) {
#pragma omp atomic write
                bad = 1;
            }
            roff += (size_t)cfg[k].nrows;
        }
    }
    if (bad) {
        free(acc);
        return aion_err_set(err, AION_ERR_NOMEM, "training: out of memory");
    }
    memset(out, 0, sizeof *out);
    if (grad) memset(grad, 0, (size_t)t->nr * sizeof(double));
    for (int b = 0; b < nblk; b++) {
        out->loss += acc[b].loss;
        out->se_e += acc[b].se_e;
        out->se_f += acc[b].se_f;
        out->se_s += acc[b].se_s;
        out->n_e += acc[b].n_e;
        out->n_f += acc[b].n_f;
        out->n_s += acc[b].n_s;
        if (grad)
            for (int q = 0; q < t->nr; q++) grad[q] += t->gblk[(size_t)b * t->nr + q];
    }
    free(acc);
    if (!isfinite(out->loss)) return aion_err_set(err, AION_ERR_NUMERIC, "training: the loss is not finite");
    return AION_OK;
}

/* Reduced loss at radial coefficients x: linear solve, loss, gradient. */
static aion_status evaluate(aion_mtp_trainer *t, const double *x, double *f, double *g, double *lin, aion_error *err)
{
    aion_status st;
    memcpy(t->model.radial, x, (size_t)t->nr * sizeof(double));
    t->rows_valid = 0;
    if ((st = solve_linear(t, lin, err))) return st;
    if ((st = set_loss(t, t->cfg, t->ncfg, g, &t->last, err))) return st;
    *f = t->last.loss;
    t->nevals++;
    return AION_OK;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

void aion_mtp_trainer_free(aion_mtp_trainer *t)
{
    if (!t) return;
    for (int k = 0; k < t->ncfg; k++) tr_cfg_free(&t->cfg[k]);
    for (int k = 0; k < t->nval; k++) tr_cfg_free(&t->val[k]);
    free(t->cfg);
    free(t->val);
    for (int k = 0; k < t->nth; k++) thread_free(&t->th[k]);
    free(t->th);
    mtp_tplan_free(&t->tp);
    mtp_model_free(&t->model);
    free(t->species_z);
    free(t->Rblk);
    free(t->rows);
    free(t->rows_off);
    free(t->gblk);
    free(t->ablk);
    free(t->x);
    free(t->g);
    free(t->xt);
    free(t->gt);
    free(t->lin);
    free(t->lint);
    free(t->S);
    free(t->Y);
    free(t->rho);
    free(t->hist);
    aion_sb_free(&t->desc);
    free(t);
}

static aion_status build_set(aion_mtp_trainer *t, const aion_frame *fr, int n, tr_cfg **out, const int *zmap,
                             double cutoff, const char *what, aion_error *err)
{
    aion_status st = AION_OK;
    int bad = -1;
    aion_error e1;
    *out = aion_calloc((size_t)n + 1, sizeof **out);
    if (!*out) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    e1.code = AION_OK;
    e1.msg[0] = 0;
#pragma omp parallel for schedule(dynamic, 4) num_threads(t->nth)
    for (int k = 0; k < n; k++) {
        aion_error e2;
        if (tr_cfg_build(&(*out)[k], &fr[k], zmap, cutoff, k, &e2) != AION_OK) {
#pragma omp critical(tr_build)
            if (bad < 0 || k < bad) {
                bad = k;
                e1 = e2;
            }
        }
    }
    if (bad >= 0) st = aion_err_set(err, e1.code, "%s set: %s", what, e1.msg);
    return st;
}

static void describe(aion_mtp_trainer *t)
{
    aion_strbuf *sb = &t->desc;
    const mtp_model *m = &t->model;
    long nf = 0, ne = 0, ns = 0;
    for (int k = 0; k < t->ncfg; k++) {
        ne += t->cfg[k].has_e;
        nf += t->cfg[k].has_f;
        ns += t->cfg[k].has_s;
    }
    aion_sb_printf(sb, "MTP training: %d basis functions, %d radial functions x %d Chebyshev polynomials, ",
                   m->nscalar, m->nradial, m->rb_size);
    aion_sb_printf(sb, "cutoff %.3f A, min_dist %.3f A, scaling %.6g\n", m->max_dist, m->min_dist, m->scaling);
    aion_sb_puts(sb, "  species:");
    for (int s = 0; s < t->C; s++) aion_sb_printf(sb, " %d=%s", s, aion_element_symbol(t->species_z[s]));
    aion_sb_printf(sb, "\n  parameters: %d radial (L-BFGS) + %d linear (least squares each evaluation)\n", t->nr,
                   t->P);
    aion_sb_printf(sb, "  training set: %d configurations, %ld atoms (energies %ld, forces %ld, stresses %ld)\n",
                   t->ncfg, t->natoms, ne, nf, ns);
    if (t->nval) aion_sb_printf(sb, "  validation set: %d configurations\n", t->nval);
    if (t->zbl_origin == 4)
        aion_sb_printf(sb, "  baseline: none (the ZBL baseline %g..%g A of the initial potential is dropped)\n",
                       t->zbl_old[0], t->zbl_old[1]);
    else if (t->zbl_origin)
        aion_sb_printf(sb, "  baseline: ZBL pair repulsion switched off between %g and %g A (%s); the MTP is fitted "
                           "to label - ZBL, errors are those of ZBL + MTP\n",
                       m->zbl_inner, m->zbl_outer,
                       t->zbl_origin == 1   ? "from the initial potential"
                       : t->zbl_origin == 2 ? "new"
                                            : "replaces the initial potential's");
    if (t->zbl_origin == 3)
        aion_sb_printf(sb, "  (the initial potential's baseline was %g..%g A)\n", t->zbl_old[0], t->zbl_old[1]);
    if (t->qeq_origin == 3)
        aion_sb_puts(sb, "  charge equilibration: the initial potential's dropped\n");
    else if (t->qeq_origin) {
        aion_sb_printf(sb, "  added: charge equilibration (docs/qeq.md; %s), total charge %g e; the MTP is fitted to "
                           "label - QEq:", t->qeq_origin == 1 ? "from the initial potential" : t->o.qeq_params,
                       m->qeq_charge);
        for (int s = 0; s < t->C; s++)
            aion_sb_printf(sb, " %s chi %g J %g sigma %g;", aion_element_symbol(t->species_z[s]), m->qeq_chi[s],
                           m->qeq_hard[s], m->qeq_width[s]);
        aion_sb_putc(sb, '\n');
    }
    aion_sb_printf(sb, "  weights: energy %g, forces %g, stress %g; ridge %g; threads %d\n", t->o.w_energy,
                   t->o.w_force, t->o.w_stress, t->o.ridge, t->nth);
}

/* A baseline's energy e, forces f and virial w taken off a configuration's labels. */
static void cfg_subtract(tr_cfg *c, double e, const double (*f)[3], const double w[3][3])
{
    if (c->has_e) c->E -= e;
    if (c->has_f)
        for (int i = 0; i < c->n; i++)
            for (int a = 0; a < 3; a++) c->F[i][a] -= f[i][a];
    if (c->has_s)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) c->W[a][b] -= 0.5 * (w[a][b] + w[b][a]);
}

/* Labels minus charge equilibration (serial over frames: the solver keeps
 * state; it runs its own threads). */
static aion_status subtract_qeq(aion_qeq *qe, tr_cfg *cfg, const aion_frame *fr, int n, const char *what,
                                aion_error *err)
{
    aion_status st = AION_OK;
    for (int k = 0; k < n && st == AION_OK; k++) {
        tr_cfg *c = &cfg[k];
        double e = 0.0, w[3][3] = {{0}}, (*f)[3] = aion_calloc(c->n ? (size_t)c->n : 1, sizeof *f);
        aion_error e2 = {0};
        if (!f) return aion_err_set(err, AION_ERR_NOMEM, "training: out of memory");
        if ((st = aion_qeq_compute(qe, &fr[k], c->spec, &e, f, w, NULL, &e2)) != AION_OK) {
            st = aion_err_set(err, st, "%s set: configuration %d: %s", what, k + 1, e2.msg);
        } else {
            cfg_subtract(c, e, f, w);
        }
        free(f);
    }
    return st;
}

/* The charge-equilibration part of the model: kept from init_path, dropped
 * ("none") or read from qeq_params; with one, labels minus QEq. */
static aion_status setup_qeq(aion_mtp_trainer *t, const aion_frame *train, const aion_frame *valid, aion_error *err)
{
    mtp_model *m = &t->model;
    aion_status st;
    t->qeq_origin = m->has_qeq ? 1 : 0;
    if (t->o.qeq_params) {
        free(m->qeq_chi);
        free(m->qeq_hard);
        free(m->qeq_width);
        free(m->qeq_chi_coord);
        m->qeq_chi = m->qeq_hard = m->qeq_width = m->qeq_chi_coord = NULL;
        m->qeq_coord_cutoff = 0.0;
        m->has_qeq = 0;
        m->qeq_charge = 0.0;
        t->qeq_origin = t->qeq_origin ? 3 : 0;
        if (strcmp(t->o.qeq_params, "none") != 0) {
            aion_qeq_table tab;
            if ((st = aion_qeq_read_table(t->o.qeq_params, &tab, err))) return st;
            m->qeq_chi = aion_calloc((size_t)t->C, sizeof(double));
            m->qeq_hard = aion_calloc((size_t)t->C, sizeof(double));
            m->qeq_width = aion_calloc((size_t)t->C, sizeof(double));
            if (!m->qeq_chi || !m->qeq_hard || !m->qeq_width)
                return aion_err_set(err, AION_ERR_NOMEM, "training: out of memory");
            int map[AION_QEQ_MAX_SPECIES]; /* training species -> table row (every one has a row: C <= tab.ns) */
            for (int s = 0; s < t->C; s++) {
                int r = 0;
                while (r < tab.ns && tab.z[r] != t->species_z[s]) r++;
                if (r == tab.ns)
                    return aion_err_set(err, AION_ERR_INVALID, "%s: no line for %s, a species of the training",
                                        t->o.qeq_params, aion_element_symbol(t->species_z[s]));
                map[s] = r;
                m->qeq_chi[s] = tab.chi[r];
                m->qeq_hard[s] = tab.hard[r];
                m->qeq_width[s] = tab.width[r] > 0.0 ? tab.width[r] : aion_element_covalent_radius(tab.z[r]);
            }
            m->qeq_charge = tab.charge;
            if (tab.has_coord) {
                m->qeq_chi_coord = aion_calloc((size_t)t->C * (size_t)t->C, sizeof(double));
                if (!m->qeq_chi_coord) return aion_err_set(err, AION_ERR_NOMEM, "training: out of memory");
                for (int a = 0; a < t->C; a++)
                    for (int b = 0; b < t->C; b++) m->qeq_chi_coord[a * t->C + b] = tab.coord[map[a]][map[b]];
                m->qeq_coord_cutoff = tab.coord_cutoff;
            }
            m->has_qeq = 1;
            t->qeq_origin = 2;
        }
    }
    if (!m->has_qeq) return AION_OK;
    aion_qeq *qe = NULL;
    if ((st = aion_qeq_create(&qe, t->C, t->species_z, m->qeq_chi, m->qeq_hard, m->qeq_width, m->qeq_charge, err)))
        return st;
    if (m->qeq_chi_coord && (st = aion_qeq_set_coord(qe, m->qeq_chi_coord, m->qeq_coord_cutoff, err))) {
        aion_qeq_free(qe);
        return st;
    }
    aion_qeq_set_threads(qe, t->nth);
    st = subtract_qeq(qe, t->cfg, train, t->ncfg, "training", err);
    if (!st && t->nval) st = subtract_qeq(qe, t->val, valid, t->nval, "validation", err);
    aion_qeq_free(qe);
    return st;
}

/* Labels minus the baseline, for configurations built from frames fr. */
static aion_status subtract_baseline(const aion_mtp_trainer *t, const zbl_table *zt, tr_cfg *cfg, const aion_frame *fr,
                                     int n, const char *what, aion_error *err)
{
    int bad = -1, nomem = 0;
    aion_error e1;
    e1.code = AION_OK;
    e1.msg[0] = 0;
#pragma omp parallel for schedule(dynamic, 4) num_threads(t->nth)
    for (int k = 0; k < n; k++) {
        tr_cfg *c = &cfg[k];
        double e = 0.0, w[3][3] = {{0}}, (*f)[3] = aion_calloc((size_t)c->n, sizeof *f);
        aion_error e2;
        if (!f) {
#pragma omp atomic write
            nomem = 1;
            continue;
        }
        if (zbl_add_frame(zt, &fr[k], c->spec, 1, &e, f, w, NULL, &e2) != AION_OK) {
#pragma omp critical(tr_zbl)
            if (bad < 0 || k < bad) {
                bad = k;
                e1 = e2;
            }
            free(f);
            continue;
        }
        cfg_subtract(c, e, f, w);
        free(f);
    }
    if (nomem) return aion_err_set(err, AION_ERR_NOMEM, "training: out of memory");
    if (bad >= 0) return aion_err_set(err, e1.code, "%s set: configuration %d: %s", what, bad + 1, e1.msg);
    return AION_OK;
}

/* The ZBL baseline: kept from init_path, given, replaced or dropped
 * (zbl_mode); with one, the labels become label - baseline. */
static aion_status setup_baseline(aion_mtp_trainer *t, const aion_frame *train, const aion_frame *valid,
                                  aion_error *err)
{
    mtp_model *m = &t->model;
    zbl_table zt;
    aion_status st;
    t->zbl_origin = m->has_zbl ? 1 : 0;
    if (t->o.zbl_mode != 0) {
        t->zbl_old[0] = m->zbl_inner;
        t->zbl_old[1] = m->zbl_outer;
        free(m->zbl_z);
        m->zbl_z = NULL;
        m->has_zbl = 0;
        m->zbl_inner = m->zbl_outer = 0.0;
        t->zbl_origin = t->zbl_origin ? 4 : 0;
    }
    if (t->o.zbl_mode > 0) {
        if (!(t->o.zbl_inner > 0.0) || !(t->o.zbl_outer > t->o.zbl_inner) || !isfinite(t->o.zbl_outer))
            return aion_err_set(err, AION_ERR_INVALID, "training: ZBL baseline: need 0 < inner < outer (got %g, %g)",
                                t->o.zbl_inner, t->o.zbl_outer);
        m->zbl_z = aion_calloc((size_t)t->C, sizeof *m->zbl_z);
        if (!m->zbl_z) return aion_err_set(err, AION_ERR_NOMEM, "training: out of memory");
        memcpy(m->zbl_z, t->species_z, (size_t)t->C * sizeof *m->zbl_z);
        m->has_zbl = 1;
        m->zbl_inner = t->o.zbl_inner;
        m->zbl_outer = t->o.zbl_outer;
        t->zbl_origin = t->zbl_origin == 4 ? 3 : 2;
    }
    if (!m->has_zbl) return AION_OK;
    if ((st = zbl_check_species(m->zbl_z, t->species_z, t->C, t->o.init_path ? t->o.init_path : "training",
                                "the species given", err)))
        return st;
    if ((st = zbl_table_build(&zt, m->zbl_z, t->C, m->zbl_inner, m->zbl_outer, err))) return st;
    st = subtract_baseline(t, &zt, t->cfg, train, t->ncfg, "training", err);
    if (!st && t->nval) st = subtract_baseline(t, &zt, t->val, valid, t->nval, "validation", err);
    zbl_table_free(&zt);
    return st;
}

aion_status aion_mtp_trainer_create(aion_mtp_trainer **out, const aion_frame *train, int ntrain,
                                    const aion_frame *valid, int nvalid, const aion_train_opts *o,
                                    aion_error *err)
{
    aion_mtp_trainer *t = NULL;
    aion_status st;
    int zmap[AION_MAX_Z + 1];
    *out = NULL;
    if (!o || !o->species_z || o->n_species < 1 || o->n_species > MTP_MAX_SPECIES)
        return aion_err_set(err, AION_ERR_INVALID, "training: give the species (e.g. --species Li)");
    if (ntrain < 1) return aion_err_set(err, AION_ERR_INVALID, "training: the training set is empty");
    t = calloc(1, sizeof *t);
    if (!t) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    t->o = *o;
    if (t->o.lbfgs_memory < 1) t->o.lbfgs_memory = 12;
    if (t->o.lbfgs_memory > 256) t->o.lbfgs_memory = 256;
    if (t->o.valid_every < 1) t->o.valid_every = 10;
    if (t->o.checkpoint_every < 1) t->o.checkpoint_every = 10;
    aion_sb_init(&t->desc);
    mtp_model_init(&t->model);
    t->C = o->n_species;
    t->species_z = aion_calloc((size_t)t->C, sizeof *t->species_z);
    if (!t->species_z) goto nomem;
    for (int z = 0; z <= AION_MAX_Z; z++) zmap[z] = -1;
    for (int s = 0; s < t->C; s++) {
        int z = o->species_z[s];
        if (z < 1 || z > AION_MAX_Z || zmap[z] >= 0) {
            st = aion_err_set(err, AION_ERR_INVALID, "training: invalid or repeated species %d", z);
            goto fail;
        }
        zmap[z] = s;
        t->species_z[s] = z;
    }
#ifdef _OPENMP
    t->nth = o->nthreads > 0 ? o->nthreads : omp_get_max_threads();
#else
    t->nth = 1;
#endif
    if (t->nth < 1) t->nth = 1;
    t->th = aion_calloc((size_t)t->nth, sizeof *t->th);
    if (!t->th) goto nomem;
    /* model: from a file or a generated basis */
    if (o->init_path) {
        if ((st = mtp_model_read(o->init_path, &t->model, err))) goto fail;
        if (t->model.nspecies != t->C) {
            st = aion_err_set(err, AION_ERR_INVALID, "%s has %d species but %d were given", o->init_path,
                              t->model.nspecies, t->C);
            goto fail;
        }
    }
    double cutoff = o->init_path ? t->model.max_dist : o->cutoff;
    if (!(cutoff > 0.5 && cutoff < 50)) {
        st = aion_err_set(err, AION_ERR_INVALID, "training: cutoff %g Å out of range", cutoff);
        goto fail;
    }
    if ((st = build_set(t, train, ntrain, &t->cfg, zmap, cutoff, "training", err))) goto fail;
    t->ncfg = ntrain;
    if (nvalid > 0) {
        if ((st = build_set(t, valid, nvalid, &t->val, zmap, cutoff, "validation", err))) goto fail;
        t->nval = nvalid;
    }
    double dmin = INFINITY, env = 0;
    long nsite = 0;
    for (int k = 0; k < t->ncfg; k++) {
        t->natoms += t->cfg[k].n;
        nsite += t->cfg[k].n;
        env += t->cfg[k].env_sum;
        if (t->cfg[k].dmin < dmin) dmin = t->cfg[k].dmin;
    }
    if (!o->init_path) {
        double rmin = o->min_dist > 0 ? o->min_dist : floor(dmin * 100.0) / 100.0;
        int lev = o->level;
        if (!isfinite(rmin) || rmin >= cutoff) {
            st = aion_err_set(err, AION_ERR_INVALID,
                              "training: min_dist %g Å is not below the cutoff (no pairs within the cutoff?)", rmin);
            goto fail;
        }
        if (mtp_basis_count(lev, NULL) < 0) {
            st = aion_err_set(err, AION_ERR_INVALID, "training: level %d out of range (2..28)", lev);
            goto fail;
        }
        if ((st = mtp_basis_generate(&t->model, lev, t->C, rmin, cutoff, o->radial_size > 0 ? o->radial_size : 8,
                                     err)))
            goto fail;
    }
    if ((st = setup_baseline(t, train, valid, err))) goto fail;
    if ((st = setup_qeq(t, train, valid, err))) goto fail;
    if ((st = mtp_tplan_build(&t->tp, &t->model, err))) goto fail;
    t->P = t->C + t->model.nscalar;
    t->nr = t->C * t->C * t->model.nradial * t->model.rb_size;
    if (!t->model.radial) {
        /* random radial coefficients; scaling makes the basic moments O(1) */
        aion_rng rng;
        t->model.radial = aion_calloc((size_t)t->nr, sizeof(double));
        if (!t->model.radial) goto nomem;
        aion_rng_seed(&rng, o->seed, 0);
        for (int q = 0; q < t->nr; q++) t->model.radial[q] = aion_rng_normal(&rng);
        t->model.has_scaling = 1;
        t->model.scaling = env > 0 && nsite > 0 ? (double)nsite / env : 1.0;
    }
    if (!t->model.has_scaling) t->model.has_scaling = 1;
    if (!t->model.species_coeffs) t->model.species_coeffs = aion_calloc((size_t)t->C, sizeof(double));
    if (!t->model.moment_coeffs) t->model.moment_coeffs = aion_calloc((size_t)t->model.nscalar, sizeof(double));
    if (!t->model.species_coeffs || !t->model.moment_coeffs) goto nomem;
    t->nblk = (t->ncfg + TR_BLOCK - 1) / TR_BLOCK;
    {
        size_t P1 = (size_t)t->P + 1, mem = (size_t)t->o.lbfgs_memory;
        int nvb = (t->nval + TR_BLOCK - 1) / TR_BLOCK, mb = AION_MAX(t->nblk, nvb);
        t->Rblk = aion_calloc((size_t)t->nblk * P1 * P1, sizeof(double));
        t->gblk = aion_calloc((size_t)mb * (size_t)t->nr, sizeof(double));
        t->x = aion_calloc((size_t)t->nr, sizeof(double));
        t->g = aion_calloc((size_t)t->nr, sizeof(double));
        t->xt = aion_calloc((size_t)t->nr, sizeof(double));
        t->gt = aion_calloc((size_t)t->nr, sizeof(double));
        t->lin = aion_calloc((size_t)t->P, sizeof(double));
        t->lint = aion_calloc((size_t)t->P, sizeof(double));
        t->S = aion_calloc(mem * (size_t)t->nr, sizeof(double));
        t->Y = aion_calloc(mem * (size_t)t->nr, sizeof(double));
        t->rho = aion_calloc(mem, sizeof(double));
        if (!t->Rblk || !t->gblk || !t->x || !t->g || !t->xt || !t->gt || !t->lin || !t->lint || !t->S || !t->Y ||
            !t->rho)
            goto nomem;
    }
    {
        /* keep a copy of the least-squares rows (predictions without a second
         * pass over the sites) when it takes at most 2 GiB */
        size_t P1 = (size_t)t->P + 1, tot = 0;
        t->rows_off = aion_calloc((size_t)t->nblk + 1, sizeof *t->rows_off);
        if (!t->rows_off) goto nomem;
        for (int b = 0; b < t->nblk; b++) {
            size_t r = 0;
            for (int k = b * TR_BLOCK; k < AION_MIN(t->ncfg, (b + 1) * TR_BLOCK); k++) r += (size_t)t->cfg[k].nrows;
            if (r < P1) r = P1;
            t->rows_off[b] = tot;
            tot += r * P1;
        }
        t->rows_off[t->nblk] = tot;
        if (tot * sizeof(double) <= ((size_t)2 << 30)) t->rows = malloc(tot * sizeof(double));
    }
    t->mem = t->o.lbfgs_memory;
    memcpy(t->x, t->model.radial, (size_t)t->nr * sizeof(double));
    t->f = NAN;
    t->iter = -1;
    describe(t);
    *out = t;
    return AION_OK;
nomem:
    st = aion_err_set(err, AION_ERR_NOMEM, "training: out of memory");
fail:
    aion_mtp_trainer_free(t);
    return st;
}

const char *aion_mtp_trainer_describe(const aion_mtp_trainer *t) { return t && t->desc.s ? t->desc.s : ""; }

int aion_mtp_trainer_history(const aion_mtp_trainer *t, const aion_train_iter **it)
{
    if (it) *it = t ? t->hist : NULL;
    return t ? t->nhist : 0;
}

aion_status aion_mtp_trainer_write(const aion_mtp_trainer *t, const char *path, aion_error *err)
{
    return mtp_model_write(path, &t->model, err);
}

/* ------------------------------------------------------------------ */
/* Checkpoint                                                          */
/* ------------------------------------------------------------------ */

#define TR_MAGIC "AIONTRN1"

static uint64_t fingerprint(const aion_mtp_trainer *t)
{
    /* FNV-1a over what must match for a restart: sizes, data, options */
    uint64_t h = 1469598103934665603ULL;
    const double w[5] = {t->o.w_energy, t->o.w_force, t->o.w_stress, t->model.min_dist, t->model.max_dist};
    const long v[6] = {t->nr, t->P, t->ncfg, t->natoms, t->mem, t->model.nmoments};
    const unsigned char *p = (const unsigned char *)w;
    for (size_t k = 0; k < sizeof w; k++) h = (h ^ p[k]) * 1099511628211ULL;
    p = (const unsigned char *)v;
    for (size_t k = 0; k < sizeof v; k++) h = (h ^ p[k]) * 1099511628211ULL;
    for (int k = 0; k < t->ncfg; k++) {
        p = (const unsigned char *)&t->cfg[k].E;
        for (size_t q = 0; q < sizeof(double); q++) h = (h ^ p[q]) * 1099511628211ULL;
    }
    if (t->model.has_zbl) {
        const double z[2] = {t->model.zbl_inner, t->model.zbl_outer};
        p = (const unsigned char *)z;
        for (size_t k = 0; k < sizeof z; k++) h = (h ^ p[k]) * 1099511628211ULL;
    }
    return h;
}

static aion_status save_checkpoint(const aion_mtp_trainer *t, aion_error *err)
{
    char tmp[4096];
    FILE *fp;
    uint64_t fpv = fingerprint(t);
    int ok = 1;
    if (!t->o.checkpoint) return AION_OK;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", t->o.checkpoint, (long)getpid());
    fp = fopen(tmp, "wb");
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: %s", tmp, strerror(errno));
    const size_t nr = (size_t)t->nr, mem = (size_t)t->mem;
    ok &= fwrite(TR_MAGIC, 8, 1, fp) == 1;
    ok &= fwrite(&fpv, sizeof fpv, 1, fp) == 1;
    ok &= fwrite(&t->iter, sizeof t->iter, 1, fp) == 1;
    ok &= fwrite(&t->nevals, sizeof t->nevals, 1, fp) == 1;
    ok &= fwrite(&t->npairs, sizeof t->npairs, 1, fp) == 1;
    ok &= fwrite(&t->head, sizeof t->head, 1, fp) == 1;
    ok &= fwrite(&t->f, sizeof t->f, 1, fp) == 1;
    ok &= fwrite(&t->model.scaling, sizeof(double), 1, fp) == 1;
    ok &= fwrite(t->x, sizeof(double), nr, fp) == nr;
    ok &= fwrite(t->g, sizeof(double), nr, fp) == nr;
    ok &= fwrite(t->lin, sizeof(double), (size_t)t->P, fp) == (size_t)t->P;
    ok &= fwrite(t->S, sizeof(double), mem * nr, fp) == mem * nr;
    ok &= fwrite(t->Y, sizeof(double), mem * nr, fp) == mem * nr;
    ok &= fwrite(t->rho, sizeof(double), mem, fp) == mem;
    ok &= fwrite(&t->nhist, sizeof t->nhist, 1, fp) == 1;
    ok &= fwrite(t->hist, sizeof *t->hist, (size_t)t->nhist, fp) == (size_t)t->nhist;
    ok &= fflush(fp) == 0;
    ok &= fclose(fp) == 0;
    if (!ok || rename(tmp, t->o.checkpoint)) {
        remove(tmp);
        return aion_err_set(err, AION_ERR_IO, "%s: cannot write the checkpoint", t->o.checkpoint);
    }
    if (t->o.snapshot) return mtp_model_write(t->o.snapshot, &t->model, err);
    return AION_OK;
}

static aion_status load_checkpoint(aion_mtp_trainer *t, aion_error *err)
{
    FILE *fp = fopen(t->o.checkpoint, "rb");
    char magic[8];
    uint64_t fpv = 0;
    int ok = 1, nh = 0;
    const size_t nr = (size_t)t->nr, mem = (size_t)t->mem;
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: %s", t->o.checkpoint, strerror(errno));
    ok &= fread(magic, 8, 1, fp) == 1 && !memcmp(magic, TR_MAGIC, 8);
    ok &= fread(&fpv, sizeof fpv, 1, fp) == 1;
    if (!ok || fpv != fingerprint(t)) {
        fclose(fp);
        return aion_err_set(err, AION_ERR_INVALID,
                            "%s: not a checkpoint of this training run (different data, basis or weights)",
                            t->o.checkpoint);
    }
    ok &= fread(&t->iter, sizeof t->iter, 1, fp) == 1;
    ok &= fread(&t->nevals, sizeof t->nevals, 1, fp) == 1;
    ok &= fread(&t->npairs, sizeof t->npairs, 1, fp) == 1;
    ok &= fread(&t->head, sizeof t->head, 1, fp) == 1;
    ok &= fread(&t->f, sizeof t->f, 1, fp) == 1;
    ok &= fread(&t->model.scaling, sizeof(double), 1, fp) == 1;
    ok &= fread(t->x, sizeof(double), nr, fp) == nr;
    ok &= fread(t->g, sizeof(double), nr, fp) == nr;
    ok &= fread(t->lin, sizeof(double), (size_t)t->P, fp) == (size_t)t->P;
    ok &= fread(t->S, sizeof(double), mem * nr, fp) == mem * nr;
    ok &= fread(t->Y, sizeof(double), mem * nr, fp) == mem * nr;
    ok &= fread(t->rho, sizeof(double), mem, fp) == mem;
    ok &= fread(&nh, sizeof nh, 1, fp) == 1 && nh >= 0 && nh <= TR_MAX_HIST;
    if (ok && nh > 0) {
        t->hist = aion_calloc((size_t)nh, sizeof *t->hist);
        ok = t->hist && fread(t->hist, sizeof *t->hist, (size_t)nh, fp) == (size_t)nh;
        t->nhist = t->hcap = ok ? nh : 0;
    }
    fclose(fp);
    if (!ok || t->npairs < 0 || t->npairs > t->mem || t->head < 0 || t->head >= t->mem)
        return aion_err_set(err, AION_ERR_PARSE, "%s: truncated or damaged checkpoint", t->o.checkpoint);
    t->rows_valid = 0;
    memcpy(t->model.radial, t->x, nr * sizeof(double));
    memcpy(t->model.species_coeffs, t->lin, (size_t)t->C * sizeof(double));
    memcpy(t->model.moment_coeffs, t->lin + t->C, (size_t)t->tp.nscalar * sizeof(double));
    if (t->nhist) {
        t->cpu_base = t->hist[t->nhist - 1].cpu_s;
        t->wall_base = t->hist[t->nhist - 1].wall_s;
    }
    return AION_OK;
}

/* ------------------------------------------------------------------ */
/* L-BFGS                                                              */
/* ------------------------------------------------------------------ */

static double dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int q = 0; q < n; q++) s += a[q] * b[q];
    return s;
}

/* d = -H g (two-loop recursion, oldest pairs first in the second loop). */
static void lbfgs_direction(const aion_mtp_trainer *t, const double *g, double *d)
{
    const int n = t->nr;
    double alpha[256];
    for (int q = 0; q < n; q++) d[q] = -g[q];
    for (int k = 0; k < t->npairs; k++) {
        int s = (t->head - 1 - k + t->mem) % t->mem;
        double a = t->rho[s] * dot(t->S + (size_t)s * n, d, n);
        alpha[k] = a;
        for (int q = 0; q < n; q++) d[q] -= a * t->Y[(size_t)s * n + q];
    }
    if (t->npairs > 0) {
        int s = (t->head - 1 + t->mem) % t->mem;
        double yy = dot(t->Y + (size_t)s * n, t->Y + (size_t)s * n, n), gam = yy > 0 ? 1.0 / (t->rho[s] * yy) : 1.0;
        for (int q = 0; q < n; q++) d[q] *= gam;
    }
    for (int k = t->npairs - 1; k >= 0; k--) {
        int s = (t->head - 1 - k + t->mem) % t->mem;
        double b = t->rho[s] * dot(t->Y + (size_t)s * n, d, n);
        for (int q = 0; q < n; q++) d[q] += (alpha[k] - b) * t->S[(size_t)s * n + q];
    }
}

static double cubic_min(double a, double fa, double da, double b, double fb, double db)
{
    /* minimiser of the cubic through (a, fa, da), (b, fb, db), safeguarded */
    double d1 = da + db - 3 * (fa - fb) / (a - b), r = d1 * d1 - da * db, lo = AION_MIN(a, b), hi = AION_MAX(a, b), x;
    if (r < 0) return 0.5 * (a + b);
    double d2 = (b > a ? 1 : -1) * sqrt(r);
    x = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
    if (!isfinite(x) || x < lo + 0.1 * (hi - lo) || x > hi - 0.1 * (hi - lo)) x = 0.5 * (a + b);
    return x;
}

/* Strong-Wolfe line search along d from (x, f, g) (Nocedal & Wright alg.
 * 3.5/3.6, cubic interpolation). On success the new point is in x, f, g and
 * the linear coefficients in lin. Returns 1 on success, 0 if no step reduced
 * the loss (x unchanged), -1 on error. A step where the model gives NaN/Inf
 * counts as too long. */
static int line_search(aion_mtp_trainer *t, const double *d, double a0, aion_error *err)
{
    const int n = t->nr, maxev = 25;
    const double c1 = 1e-4, c2 = 0.9, f0 = t->f, dg0 = dot(t->g, d, n);
    double alo = 0, flo = f0, dlo = dg0, ahi = 0, fhi = 0, dhi = 0, a = a0, fa, da;
    int zoom = 0, hi_bad = 0, lo_is_last = 0, done = 0;
    double *x0 = malloc((size_t)n * sizeof *x0);
    if (!x0) return -1;
    memcpy(x0, t->x, (size_t)n * sizeof *x0);
    for (int ev = 0; ev < maxev && !done; ev++) {
        if (zoom) a = hi_bad ? 0.5 * (alo + ahi) : cubic_min(alo, flo, dlo, ahi, fhi, dhi);
        for (int q = 0; q < n; q++) t->xt[q] = x0[q] + a * d[q];
        aion_status st = evaluate(t, t->xt, &fa, t->gt, t->lint, err);
        if (st && st != AION_ERR_NUMERIC) {
            free(x0);
            return -1;
        }
        if (st) fa = INFINITY;
        da = st ? 0.0 : dot(t->gt, d, n);
        lo_is_last = 0;
        if (!(fa <= f0 + c1 * a * dg0) || ((zoom || ev > 0) && fa >= flo)) {
            ahi = a;
            fhi = fa;
            dhi = da;
            hi_bad = !isfinite(fa);
            zoom = 1;
        } else if (fabs(da) <= -c2 * dg0) {
            alo = a;
            lo_is_last = 1;
            done = 1;
        } else if (zoom) {
            if (da * (ahi - alo) >= 0) {
                ahi = alo;
                fhi = flo;
                dhi = dlo;
                hi_bad = 0;
            }
            alo = a;
            flo = fa;
            dlo = da;
            lo_is_last = 1;
        } else if (da >= 0) {
            ahi = alo;
            fhi = flo;
            dhi = dlo;
            hi_bad = 0;
            alo = a;
            flo = fa;
            dlo = da;
            lo_is_last = 1;
            zoom = 1;
        } else {
            alo = a;
            flo = fa;
            dlo = da;
            lo_is_last = 1;
            a *= 2.5;
        }
        if (zoom && !done && fabs(ahi - alo) < 1e-10 * AION_MAX(fabs(alo), fabs(ahi))) break;
    }
    int result = 0;
    if (alo > 0) {
        if (!lo_is_last) {
            /* the accepted point is not the last one evaluated: evaluate it again */
            for (int q = 0; q < n; q++) t->xt[q] = x0[q] + alo * d[q];
            if (evaluate(t, t->xt, &fa, t->gt, t->lint, err)) {
                free(x0);
                return -1;
            }
        }
        int s = t->head;
        for (int q = 0; q < n; q++) {
            t->S[(size_t)s * n + q] = t->xt[q] - t->x[q];
            t->Y[(size_t)s * n + q] = t->gt[q] - t->g[q];
        }
        double sy = dot(t->S + (size_t)s * n, t->Y + (size_t)s * n, n);
        if (sy > 1e-300) {
            t->rho[s] = 1.0 / sy;
            t->head = (t->head + 1) % t->mem;
            if (t->npairs < t->mem) t->npairs++;
        }
        memcpy(t->x, t->xt, (size_t)n * sizeof(double));
        memcpy(t->g, t->gt, (size_t)n * sizeof(double));
        memcpy(t->lin, t->lint, (size_t)t->P * sizeof(double));
        t->f = t->last.loss;
        result = 1;
    } else {
        /* restore the model at x (statistics of the last evaluation are stale:
         * the caller evaluates again before recording) */
        t->rows_valid = 0;
        memcpy(t->model.radial, t->x, (size_t)n * sizeof(double));
        memcpy(t->model.species_coeffs, t->lin, (size_t)t->C * sizeof(double));
        memcpy(t->model.moment_coeffs, t->lin + t->C, (size_t)t->tp.nscalar * sizeof(double));
    }
    free(x0);
    return result;
}

static int push_hist(aion_mtp_trainer *t, const aion_train_iter *it)
{
    if (t->nhist == t->hcap) {
        int cap = t->hcap ? 2 * t->hcap : 64;
        aion_train_iter *h = aion_realloc_array(t->hist, (size_t)cap, sizeof *h);
        if (!h) return 0;
        t->hist = h;
        t->hcap = cap;
    }
    t->hist[t->nhist++] = *it;
    return 1;
}

static aion_status validate(aion_mtp_trainer *t, aion_train_iter *it, aion_error *err)
{
    tr_acc v;
    aion_status st = set_loss(t, t->val, t->nval, NULL, &v, err);
    if (st) return st;
    it->valid_loss = v.loss;
    it->valid_rmse_e = v.n_e ? sqrt(v.se_e / (double)v.n_e) : NAN;
    it->valid_rmse_f = v.n_f ? sqrt(v.se_f / (double)v.n_f) : NAN;
    it->valid_rmse_s = v.n_s ? sqrt(v.se_s / (double)v.n_s) : NAN;
    return AION_OK;
}

static aion_status record(aion_mtp_trainer *t, int with_valid, aion_error *err)
{
    aion_train_iter it;
    memset(&it, 0, sizeof it);
    it.iter = t->iter;
    it.nevals = t->nevals;
    it.loss = t->f;
    it.rmse_e = t->last.n_e ? sqrt(t->last.se_e / (double)t->last.n_e) : NAN;
    it.rmse_f = t->last.n_f ? sqrt(t->last.se_f / (double)t->last.n_f) : NAN;
    it.rmse_s = t->last.n_s ? sqrt(t->last.se_s / (double)t->last.n_s) : NAN;
    it.grad_norm = sqrt(dot(t->g, t->g, t->nr));
    it.valid_loss = it.valid_rmse_e = it.valid_rmse_f = it.valid_rmse_s = NAN;
    if (with_valid && t->nval > 0) {
        aion_status st = validate(t, &it, err);
        if (st) return st;
    }
    it.cpu_s = t->cpu_base + now_cpu() - t->cpu0;
    it.wall_s = t->wall_base + now_wall() - t->wall0;
    if (!push_hist(t, &it)) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    if (t->o.progress && t->o.progress(t->o.user, &it)) t->stop = 1;
    return AION_OK;
}

aion_status aion_mtp_trainer_run(aion_mtp_trainer *t, aion_error *err)
{
    aion_status st;
    const int n = t->nr;
    double *d = NULL;
    int fails = 0;
    t->cpu0 = now_cpu();
    t->wall0 = now_wall();
    t->stop = 0;
    if (t->o.restart && t->o.checkpoint && access(t->o.checkpoint, R_OK) == 0) {
        if ((st = load_checkpoint(t, err))) return st;
        /* recompute the statistics at the restored point (bitwise the same loss) */
        if ((st = evaluate(t, t->x, &t->f, t->g, t->lin, err))) return st;
    } else if (t->iter < 0) {
        if ((st = evaluate(t, t->x, &t->f, t->g, t->lin, err))) return st;
        t->iter = 0;
        if ((st = record(t, 1, err))) return st;
    }
    d = malloc((size_t)n * sizeof *d);
    if (!d) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    st = AION_OK;
    while (t->iter < t->o.max_iter && !t->stop) {
        double gn = sqrt(dot(t->g, t->g, n)), a0 = 1.0;
        if (gn == 0) break;
        lbfgs_direction(t, t->g, d);
        double dg = dot(d, t->g, n);
        if (!(dg < 0)) {
            /* not a descent direction: reset the memory */
            t->npairs = 0;
            for (int q = 0; q < n; q++) d[q] = -t->g[q];
            dg = -gn * gn;
        }
        if (t->npairs == 0) {
            double xn = sqrt(dot(t->x, t->x, n));
            a0 = 0.01 * AION_MAX(xn, 1.0) / gn;
        }
        int r = line_search(t, d, a0, err);
        if (r < 0) {
            st = err ? err->code : AION_ERR_INTERNAL;
            break;
        }
        if (r == 0) {
            /* no progress: drop the curvature memory once, then give up */
            if (++fails >= 2 || t->npairs == 0) break;
            t->npairs = 0;
            continue;
        }
        fails = 0;
        t->iter++;
        int last = t->iter >= t->o.max_iter;
        /* convergence: relative decrease over the last 50 iterations */
        if (t->nhist >= 50 && t->o.tol > 0) {
            double f20 = t->hist[t->nhist - 50].loss;
            if (f20 - t->f < t->o.tol * t->f) last = 1;
        }
        if ((st = record(t, last || t->iter % t->o.valid_every == 0, err))) break;
        if (t->stop || last || t->iter % t->o.checkpoint_every == 0)
            if ((st = save_checkpoint(t, err))) break;
        if (last) break;
    }
    free(d);
    if (st) return st;
    /* the model holds the linear coefficients of x (a failed line search
     * restores them); the last history entry carries validation errors */
    if (t->nhist && t->nval && isnan(t->hist[t->nhist - 1].valid_loss)) {
        if ((st = validate(t, &t->hist[t->nhist - 1], err))) return st;
        if ((st = save_checkpoint(t, err))) return st;
    }
    return t->stop ? AION_EOF : AION_OK;
}

aion_status tr_trainer_eval(aion_mtp_trainer *t, const double *x, double *f, double *g, aion_error *err)
{
    return evaluate(t, x, f, g, t->lint, err);
}

aion_status tr_trainer_full_grad(aion_mtp_trainer *t, double *f, double *g_radial, double *g_lin, aion_error *err)
{
    tr_acc acc;
    memset(&acc, 0, sizeof acc);
    memset(g_radial, 0, (size_t)t->nr * sizeof(double));
    memset(g_lin, 0, (size_t)t->P * sizeof(double));
    for (int k = 0; k < t->ncfg; k++)
        if (!cfg_loss(t, &t->cfg[k], &t->th[0], NULL, 0, 0, g_radial, g_lin, &acc))
            return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    *f = acc.loss;
    return AION_OK;
}

mtp_model *tr_trainer_model(aion_mtp_trainer *t) { return &t->model; }
