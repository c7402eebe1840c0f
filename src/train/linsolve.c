/*
 * Linear least squares for the MTP's linear coefficients, by QR (LAPACK
 * dgeqrf): the rows of [J | y] are reduced block by block to an R factor
 * (tall-skinny QR, blocks combined in a fixed order so that the result does
 * not depend on the thread count), then solved with a relative ridge:
 *   min |J x - y|^2 + lambda |D x|^2,  D = diag(column norms of J),
 * as the least-squares problem [R_J D^-1; sqrt(lambda) I] z = [q; 0], x = D^-1 z.
 * The column scaling makes lambda dimensionless; the ridge makes the problem
 * full rank (the level-16 basis has rank 91 of 92, docs/mtp.md).
 * QR never forms J^T J, so the condition number is not squared.
 */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int qr_inplace(double *A, int m, int n, int lda)
{
    int info = 0, lwork = -1, k = m < n ? m : n;
    double wq = 0, *tau, *work;
    if (m <= 0 || n <= 0) return 0;
    tau = malloc((size_t)k * sizeof *tau);
    if (!tau) return -1;
    dgeqrf_(&m, &n, A, &lda, tau, &wq, &lwork, &info);
    lwork = info == 0 && wq > n ? (int)wq : n * 64;
    work = malloc((size_t)lwork * sizeof *work);
    if (!work) {
        free(tau);
        return -1;
    }
    dgeqrf_(&m, &n, A, &lda, tau, work, &lwork, &info);
    free(work);
    free(tau);
    return info;
}

int tr_qr_r(double *A, int m, int n, int lda, double *R)
{
    int info = qr_inplace(A, m, n, lda);
    if (info) return info;
    memset(R, 0, (size_t)n * (size_t)n * sizeof *R);
    for (int c = 0; c < n; c++)
        for (int r = 0; r <= c && r < m; r++) R[(size_t)c * n + r] = A[(size_t)c * lda + r];
    return 0;
}

int tr_qr_merge(double *Racc, const double *Rb, int n)
{
    int m = 2 * n, info;
    double *A = calloc((size_t)m * (size_t)n, sizeof *A);
    if (!A) return -1;
    for (int c = 0; c < n; c++) {
        memcpy(A + (size_t)c * m, Racc + (size_t)c * n, (size_t)(c + 1) * sizeof(double));
        memcpy(A + (size_t)c * m + n, Rb + (size_t)c * n, (size_t)(c + 1) * sizeof(double));
    }
    info = tr_qr_r(A, m, n, m, Racc);
    free(A);
    return info;
}

int tr_ridge_solve(const double *R, int p, double lambda, double *x, double *misfit)
{
    const int n1 = p + 1, m = 2 * p;
    int info = 0, one = 1;
    double *D = malloc((size_t)p * sizeof *D), *A = calloc((size_t)m * (size_t)n1, sizeof *A), *Rp = NULL;
    if (!D || !A) goto nomem;
    for (int c = 0; c < p; c++) {
        double s = 0;
        for (int r = 0; r <= c; r++) s += R[(size_t)c * n1 + r] * R[(size_t)c * n1 + r];
        D[c] = s > 0 ? sqrt(s) : 1.0;
    }
    for (int c = 0; c < p; c++) {
        for (int r = 0; r <= c; r++) A[(size_t)c * m + r] = R[(size_t)c * n1 + r] / D[c];
        A[(size_t)c * m + p + c] = sqrt(lambda);
    }
    for (int r = 0; r < p; r++) A[(size_t)p * m + r] = R[(size_t)p * n1 + r];
    Rp = calloc((size_t)n1 * (size_t)n1, sizeof *Rp);
    if (!Rp) goto nomem;
    if ((info = tr_qr_r(A, m, n1, m, Rp))) goto done;
    memcpy(x, Rp + (size_t)p * n1, (size_t)p * sizeof *x);
    dtrtrs_("U", "N", "N", &p, &one, Rp, &n1, x, &p, &info);
    if (info) goto done;
    for (int c = 0; c < p; c++) {
        x[c] /= D[c];
        if (!isfinite(x[c])) info = -2;
    }
    if (misfit) {
        /* |J x - y|^2 = |R_J x - q|^2 + rho^2 */
        double s = R[(size_t)p * n1 + p] * R[(size_t)p * n1 + p];
        for (int r = 0; r < p; r++) {
            double v = -R[(size_t)p * n1 + r];
            for (int c = r; c < p; c++) v += R[(size_t)c * n1 + r] * x[c];
            s += v * v;
        }
        *misfit = s;
    }
done:
    free(D);
    free(A);
    free(Rp);
    return info;
nomem:
    info = -1;
    goto done;
}
