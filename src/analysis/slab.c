/*
 * z-resolved (slab) MSDs: every time origin t0 of an atom is assigned to the
 * bin of its height at t0 (χ_b(t0) = 1), and the displacement over the lag n
 * counts for that bin whatever happens later:
 *   MSD_b,d(n) = Σ_i Σ_{t0<T−n} χ_b,i(t0) (x_d,i(t0+n) − x_d,i(t0))² / Σ_i Σ_{t0<T−n} χ_b,i(t0).
 * Expanding the square, per atom and direction,
 *   Σ χ(t0) x²(t0+n) + Σ_{t0<T−n} χ x²(t0) − 2 Σ χ(t0) x(t0) x(t0+n),
 * the first and last sums are cross-correlations, computed as the inverse FFT
 * of conj(F[χ])·F[x²] − 2 conj(F[χx])·F[x] (zero-padded to L ≥ 2T; spectra
 * summed over atoms before one inverse transform per bin and direction), the
 * middle one from prefix sums. This is the FFT algorithm of the all-origin MSD
 * (Kneller et al. 1995, doi:10.1016/0010-4655(95)00048-K) with a window on the
 * origins. Also the survival S_b(n): the fraction of the origins in b whose
 * atom stayed in b through [t0, t0+n] (runs of consecutive frames in b of
 * length ℓ contribute max(0, ℓ − n)); Liu, Harder & Berne, J. Phys. Chem. B
 * 108, 6595 (2004), doi:10.1021/jp0375057, discuss why it limits the lags
 * at which an origin-binned MSD still describes the layer.
 */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

aion_status an_slab_acc_init(an_slab_acc *a, const an_msd_plan *p, int nbins)
{
    const size_t T = (size_t)p->T, K = p->L / 2 + 1, nb = (size_t)nbins;
    memset(a, 0, sizeof *a);
    a->nbins = nbins;
    a->spec = aion_calloc(nb * 3 * K, sizeof(fftw_complex));
    a->s1 = aion_calloc(nb * 3 * T, sizeof(double));
    a->cnt = aion_calloc(nb * T, sizeof(double));
    a->surv = aion_calloc(nb * T, sizeof(double));
    a->fx = fftw_malloc(sizeof(fftw_complex) * 6 * K);
    a->fc = fftw_malloc(sizeof(fftw_complex) * K);
    a->buf = fftw_malloc(sizeof(double) * p->L);
    a->x = malloc(sizeof(double) * 3 * T);
    a->bin = malloc(sizeof(int) * T);
    if (!a->spec || !a->s1 || !a->cnt || !a->surv || !a->fx || !a->fc || !a->buf || !a->x || !a->bin) {
        an_slab_acc_free(a);
        return AION_ERR_NOMEM;
    }
    return AION_OK;
}

void an_slab_acc_free(an_slab_acc *a)
{
    if (!a) return;
    free(a->spec);
    free(a->s1);
    free(a->cnt);
    free(a->surv);
    fftw_free(a->fx);
    fftw_free(a->fc);
    fftw_free(a->buf);
    free(a->x);
    free(a->bin);
    memset(a, 0, sizeof *a);
}

void an_slab_acc_zero(an_slab_acc *a, const an_msd_plan *p)
{
    const size_t T = (size_t)p->T, K = p->L / 2 + 1, nb = (size_t)a->nbins;
    memset(a->spec, 0, sizeof(fftw_complex) * nb * 3 * K);
    memset(a->s1, 0, sizeof(double) * nb * 3 * T);
    memset(a->cnt, 0, sizeof(double) * nb * T);
    memset(a->surv, 0, sizeof(double) * nb * T);
}

void an_slab_acc_merge(an_slab_acc *a, const an_slab_acc *b, const an_msd_plan *p)
{
    const size_t T = (size_t)p->T, K = p->L / 2 + 1, nb = (size_t)a->nbins;
    for (size_t k = 0; k < nb * 3 * K; k++) a->spec[k] += b->spec[k];
    for (size_t k = 0; k < nb * 3 * T; k++) a->s1[k] += b->s1[k];
    for (size_t k = 0; k < nb * T; k++) {
        a->cnt[k] += b->cnt[k];
        a->surv[k] += b->surv[k];
    }
}

/* One atom: disp[t*3+d] (T frames), bin[t] in -1..nbins-1 (-1 = outside every bin). */
void an_slab_acc_add(an_slab_acc *a, const an_msd_plan *p, const double *disp, const int *bin)
{
    const long T = p->T;
    const size_t K = p->L / 2 + 1, L = p->L;
    double *b = a->buf;
    /* centred coordinates (the MSD is translation invariant) */
    for (int d = 0; d < 3; d++) {
        double m = 0;
        for (long t = 0; t < T; t++) m += disp[t * 3 + d];
        m /= (double)T;
        for (long t = 0; t < T; t++) a->x[t * 3 + d] = disp[t * 3 + d] - m;
    }
    /* F[x_d] and F[x_d²] */
    for (int d = 0; d < 3; d++)
        for (int sq = 0; sq < 2; sq++) {
            for (long t = 0; t < T; t++) {
                double v = a->x[t * 3 + d];
                b[t] = sq ? v * v : v;
            }
            memset(b + T, 0, sizeof(double) * (L - (size_t)T));
            fftw_execute_dft_r2c(p->fwd, b, a->fx + (size_t)(2 * d + sq) * K);
        }
    for (int g = 0; g < a->nbins; g++) {
        int any = 0;
        for (long t = 0; t < T && !any; t++) any = bin[t] == g;
        if (!any) continue;
        fftw_complex *sp = a->spec + (size_t)g * 3 * K;
        /* conj(F[χ])·F[x²] */
        for (long t = 0; t < T; t++) b[t] = bin[t] == g;
        memset(b + T, 0, sizeof(double) * (L - (size_t)T));
        fftw_execute_dft_r2c(p->fwd, b, a->fc);
        for (int d = 0; d < 3; d++) {
            const fftw_complex *fq = a->fx + (size_t)(2 * d + 1) * K;
            for (size_t k = 0; k < K; k++) sp[d * K + k] += conj(a->fc[k]) * fq[k];
        }
        /* − 2 conj(F[χx])·F[x] */
        for (int d = 0; d < 3; d++) {
            for (long t = 0; t < T; t++) b[t] = bin[t] == g ? a->x[t * 3 + d] : 0.0;
            memset(b + T, 0, sizeof(double) * (L - (size_t)T));
            fftw_execute_dft_r2c(p->fwd, b, a->fc);
            const fftw_complex *fx = a->fx + (size_t)(2 * d) * K;
            for (size_t k = 0; k < K; k++) sp[d * K + k] -= 2.0 * conj(a->fc[k]) * fx[k];
        }
        /* Σ_{t0<T−n} χ x²(t0) and counts: running sums from the end */
        double *s1 = a->s1 + (size_t)g * 3 * (size_t)T, *cnt = a->cnt + (size_t)g * (size_t)T;
        double tot[3] = {0, 0, 0}, c = 0;
        for (long t = 0; t < T; t++)
            if (bin[t] == g) {
                c += 1;
                for (int d = 0; d < 3; d++) tot[d] += a->x[t * 3 + d] * a->x[t * 3 + d];
            }
        for (long n = 0; n < T; n++) {
            /* origins t0 <= T-1-n: remove t0 = T-n at step n */
            if (n > 0 && bin[T - n] == g) {
                c -= 1;
                for (int d = 0; d < 3; d++) tot[d] -= a->x[(T - n) * 3 + d] * a->x[(T - n) * 3 + d];
            }
            for (int d = 0; d < 3; d++) s1[d * T + n] += tot[d];
            cnt[n] += c;
        }
        /* survival: runs in g */
        double *sv = a->surv + (size_t)g * (size_t)T;
        for (long t = 0; t < T;) {
            if (bin[t] != g) {
                t++;
                continue;
            }
            long e = t;
            while (e < T && bin[e] == g) e++;
            long len = e - t;
            for (long n = 0; n < len; n++) sv[n] += (double)(len - n);
            t = e;
        }
    }
}

/* Results of bin g: msd_dir[d][n] (Å²), count[n] (origins), surv[n] (fraction). */
void an_slab_acc_result(const an_slab_acc *a, const an_msd_plan *p, int g, double *work_buf, fftw_complex *work_spec,
                        double *const msd_dir[3], double *count, double *surv)
{
    const long T = p->T;
    const size_t K = p->L / 2 + 1;
    const double *cnt = a->cnt + (size_t)g * (size_t)T, *sv = a->surv + (size_t)g * (size_t)T;
    for (int d = 0; d < 3; d++) {
        memcpy(work_spec, a->spec + ((size_t)g * 3 + (size_t)d) * K, sizeof(fftw_complex) * K);
        fftw_execute_dft_c2r(p->bwd, work_spec, work_buf);
        const double *s1 = a->s1 + ((size_t)g * 3 + (size_t)d) * (size_t)T;
        for (long n = 0; n < T; n++) {
            double v = work_buf[n] / (double)p->L + s1[n];
            msd_dir[d][n] = n == 0 ? 0.0 : cnt[n] > 0 ? v / cnt[n] : NAN;
        }
    }
    for (long n = 0; n < T; n++) {
        if (count) count[n] = cnt[n];
        if (surv) surv[n] = cnt[n] > 0 ? sv[n] / cnt[n] : NAN;
    }
}
