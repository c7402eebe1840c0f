/*
 * Training of Moment Tensor Potentials (internal view): data set, linear
 * algebra helpers (LAPACK), extrapolation grade.
 */
#ifndef AION_TRAIN_H
#define AION_TRAIN_H

#include "aion.h"
#include "internal.h"
#include "potential/mtp.h"

/* LAPACK (Fortran interface; linked with -llapack -lopenblas). */
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work, const int *lwork,
             int *info);
void dtrtrs_(const char *uplo, const char *trans, const char *diag, const int *n, const int *nrhs, const double *a,
             const int *lda, double *b, const int *ldb, int *info);
void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork, int *info);
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetri_(const int *n, double *a, const int *lda, const int *ipiv, double *work, const int *lwork, int *info);
void dgeqp3_(const int *m, const int *n, double *a, const int *lda, int *jpvt, double *tau, double *work,
             const int *lwork, int *info);

/* One training configuration: species per atom, reference data, and the
 * pairs within the cutoff (full list: each pair from both sides). */
typedef struct tr_cfg {
    int n;              /* atoms */
    int has_e, has_f, has_s;
    int *spec;          /* species index per atom */
    double E;           /* eV */
    double (*F)[3];     /* eV/Å (NULL without forces) */
    double W[3][3];     /* reference virial -sigma V (eV), symmetric */
    double volume;      /* Å³ (0 without a cell) */
    int *off;           /* n + 1 */
    int *nj;            /* owner atom of each pair's neighbour */
    int *zj;            /* its species */
    double (*d)[3];     /* pair vectors r_j + S - r_i */
    int maxnn;          /* largest neighbour count */
    int nrows;          /* rows in the linear least-squares problem */
    double dmin;        /* shortest pair distance */
    double env_sum;     /* sum over pairs of (R_cut - r)^2 */
} tr_cfg;

/* Build a configuration from a frame (zmap: Z -> species, -1 = not a
 * species). which = index of the frame (for messages). */
aion_status tr_cfg_build(tr_cfg *c, const aion_frame *f, const int *zmap, double cutoff, int which, aion_error *err);
void tr_cfg_free(tr_cfg *c);

/* Dense QR helpers (column-major). R of an m x n matrix A (A destroyed) into
 * R[n*n] (upper triangle, zero below; rows beyond m zero). */
int tr_qr_r(double *A, int m, int n, int lda, double *R);
/* Racc <- R factor of [Racc; Rb] (both n x n upper triangular). */
int tr_qr_merge(double *Racc, const double *Rb, int n);
/* Given R (n1 x n1, n1 = p + 1: the R factor of [J | y]), solve
 * min |J x - y|^2 + lambda |D x|^2 with D = column norms of J (zero columns
 * count as 1). *misfit = |J x - y|^2. Returns 0 on success. */
int tr_ridge_solve(const double *R, int p, double lambda, double *x, double *misfit);

/* For tests: the reduced loss and its gradient with respect to the radial
 * coefficients x (linear coefficients re-solved; the model is left at x). */
aion_status tr_trainer_eval(aion_mtp_trainer *t, const double *x, double *f, double *g, aion_error *err);
/* For tests: the full loss at the model's current parameters and its gradient
 * with respect to all of them: g_radial (C*C*K*R), g_lin (C + nscalar). */
aion_status tr_trainer_full_grad(aion_mtp_trainer *t, double *f, double *g_radial, double *g_lin, aion_error *err);
mtp_model *tr_trainer_model(aion_mtp_trainer *t);

#endif
