/*
 * Internal interface of the analysis module (not public).
 *  - msd.c: FFT accumulator for all-origin MSDs (sums over atoms of S1 and of
 *    the power spectrum, one inverse transform at the end).
 *  - store.c: per-atom displacement series, in memory or spilled to disk.
 *  - structure.c: brute-force periodic neighbour search with images.
 */
#ifndef AION_ANALYSIS_H
#define AION_ANALYSIS_H

#include "internal.h"

#include <complex.h>
#include <fftw3.h>

/* FFT length >= n with only factors 2, 3, 5, 7. */
size_t an_fft_size(size_t n);

/* Plans shared by all accumulators of one series length (created once,
 * executed with the new-array interface from any thread). */
typedef struct an_msd_plan {
    long T;        /* frames */
    size_t L;      /* padded length >= 2T */
    fftw_plan fwd, bwd;
} an_msd_plan;

aion_status an_msd_plan_init(an_msd_plan *p, long T);
void an_msd_plan_free(an_msd_plan *p);

/* Sums over series (atoms) for one direction. */
typedef struct an_msd_acc {
    double *s1;    /* [T] Σ (P[T-n] + P[T] - P[n]) */
    double *psd;   /* [L/2+1] Σ |F_k|² */
    long count;    /* series added */
} an_msd_acc;

/* Scratch of one thread. */
typedef struct an_msd_work {
    double *buf;          /* L reals (fftw_malloc) */
    fftw_complex *spec;   /* L/2+1 (fftw_malloc) */
} an_msd_work;

aion_status an_msd_acc_init(an_msd_acc *a, const an_msd_plan *p);
void an_msd_acc_free(an_msd_acc *a);
void an_msd_acc_zero(an_msd_acc *a, const an_msd_plan *p);
/* a += b */
void an_msd_acc_merge(an_msd_acc *a, const an_msd_acc *b, const an_msd_plan *p);
aion_status an_msd_work_init(an_msd_work *w, const an_msd_plan *p);
void an_msd_work_free(an_msd_work *w);
/* Add the series x[k*stride], k = 0..T-1. */
void an_msd_acc_add(an_msd_acc *a, const an_msd_plan *p, an_msd_work *w, const double *x, long stride);
/* msd[n] = mean over series of the all-origin MSD at lag n (n = 0..T-1). */
void an_msd_acc_result(const an_msd_acc *a, const an_msd_plan *p, an_msd_work *w, double *msd);

/* slab.c: origin-binned MSDs per height bin (sums over atoms). */
typedef struct an_slab_acc {
    int nbins;
    fftw_complex *spec;   /* [nbins][3][L/2+1] conj(F[χ])F[x²] − 2conj(F[χx])F[x] */
    double *s1;           /* [nbins][3][T] Σ_{t0<T−n} χ x²(t0) */
    double *cnt;          /* [nbins][T] origins */
    double *surv;         /* [nbins][T] origins whose atom stayed through the lag */
    fftw_complex *fx, *fc;/* scratch: F[x_d], F[x_d²] (6·(L/2+1)); one spectrum */
    double *buf, *x;      /* scratch: L reals; centred series 3T */
    int *bin;             /* scratch for the caller: bin of each frame (T) */
} an_slab_acc;
aion_status an_slab_acc_init(an_slab_acc *a, const an_msd_plan *p, int nbins);
void an_slab_acc_free(an_slab_acc *a);
void an_slab_acc_zero(an_slab_acc *a, const an_msd_plan *p);
void an_slab_acc_merge(an_slab_acc *a, const an_slab_acc *b, const an_msd_plan *p);
void an_slab_acc_add(an_slab_acc *a, const an_msd_plan *p, const double *disp, const int *bin);
void an_slab_acc_result(const an_slab_acc *a, const an_msd_plan *p, int g, double *work_buf, fftw_complex *work_spec,
                        double *const msd_dir[3], double *count, double *surv);

/* transport.c accessors for fit.c */
int an_transport_dims(const aion_transport *t);
double an_transport_temperature(const aion_transport *t);
const double *an_transport_charges(const aion_transport *t);
void an_transport_set_error(aion_transport *t, const aion_error *e);


#endif
