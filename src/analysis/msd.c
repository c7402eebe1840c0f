/*
 * All-origin mean squared displacement by FFT.
 *
 * For one coordinate series x_t, t = 0..T-1, the MSD at lag n averaged over the
 * T-n time origins is
 *     MSD(n) = [Σ_{t=0}^{T-1-n} (x_{t+n}² + x_t²) − 2 Σ_{t=0}^{T-1-n} x_t x_{t+n}] / (T − n).
 * The first sum comes from prefix sums of x², the second is the autocorrelation,
 * computed as the inverse FFT of |FFT(x)|² with zero padding to L >= 2T (no
 * wrap-around). Spectra of many series are summed before the single inverse
 * transform. Each series is centred first (the MSD is translation invariant)
 * to limit cancellation. Reference: Kneller et al., Comput. Phys. Commun. 91,
 * 191 (1995), doi:10.1016/0010-4655(95)00048-K (the "nMoldyn" algorithm).
 */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

/* guards FFTW's planner, which is process-global and not thread-safe */
static pthread_mutex_t an_fftw_planner_lock = PTHREAD_MUTEX_INITIALIZER;

size_t an_fft_size(size_t n)
{
    size_t best = (size_t)-1;
    if (n < 2) return 2;
    for (size_t p7 = 1; p7 < best && p7 / 7 < n; p7 *= 7)
        for (size_t p5 = p7; p5 < best && p5 / 5 < n; p5 *= 5)
            for (size_t p3 = p5; p3 < best && p3 / 3 < n; p3 *= 3) {
                size_t v = p3;
                while (v < n) v *= 2;
                if (v < best) best = v;
            }
    return best;
}

aion_status an_msd_plan_init(an_msd_plan *p, long T)
{
    double *buf = NULL;
    fftw_complex *spec = NULL;
    memset(p, 0, sizeof *p);
    if (T < 1) return AION_ERR_INVALID;
    p->T = T;
    p->L = an_fft_size((size_t)(2 * T));
    buf = fftw_malloc(sizeof(double) * p->L);
    spec = fftw_malloc(sizeof(fftw_complex) * (p->L / 2 + 1));
    if (!buf || !spec) goto fail;
    /* FFTW's planner (creating and destroying plans) is not thread-safe: distinct
     * transport handles used from distinct threads (aion run analyses
     * temperatures side by side) must not plan at once. fftw_execute is safe. */
    pthread_mutex_lock(&an_fftw_planner_lock);
    p->fwd = fftw_plan_dft_r2c_1d((int)p->L, buf, spec, FFTW_ESTIMATE);
    p->bwd = fftw_plan_dft_c2r_1d((int)p->L, spec, buf, FFTW_ESTIMATE);
    pthread_mutex_unlock(&an_fftw_planner_lock);
    if (!p->fwd || !p->bwd) goto fail;
    fftw_free(buf);
    fftw_free(spec);
    return AION_OK;
fail:
    fftw_free(buf);
    fftw_free(spec);
    an_msd_plan_free(p);
    return AION_ERR_NOMEM;
}

void an_msd_plan_free(an_msd_plan *p)
{
    if (!p) return;
    pthread_mutex_lock(&an_fftw_planner_lock);
    if (p->fwd) fftw_destroy_plan(p->fwd);
    if (p->bwd) fftw_destroy_plan(p->bwd);
    pthread_mutex_unlock(&an_fftw_planner_lock);
    memset(p, 0, sizeof *p);
}

aion_status an_msd_acc_init(an_msd_acc *a, const an_msd_plan *p)
{
    a->s1 = aion_calloc((size_t)p->T, sizeof(double));
    a->psd = aion_calloc(p->L / 2 + 1, sizeof(double));
    a->count = 0;
    if (!a->s1 || !a->psd) {
        an_msd_acc_free(a);
        return AION_ERR_NOMEM;
    }
    return AION_OK;
}

void an_msd_acc_free(an_msd_acc *a)
{
    if (!a) return;
    free(a->s1);
    free(a->psd);
    a->s1 = a->psd = NULL;
    a->count = 0;
}

void an_msd_acc_zero(an_msd_acc *a, const an_msd_plan *p)
{
    memset(a->s1, 0, sizeof(double) * (size_t)p->T);
    memset(a->psd, 0, sizeof(double) * (p->L / 2 + 1));
    a->count = 0;
}

void an_msd_acc_merge(an_msd_acc *a, const an_msd_acc *b, const an_msd_plan *p)
{
    for (long n = 0; n < p->T; n++) a->s1[n] += b->s1[n];
    for (size_t k = 0; k <= p->L / 2; k++) a->psd[k] += b->psd[k];
    a->count += b->count;
}

aion_status an_msd_work_init(an_msd_work *w, const an_msd_plan *p)
{
    w->buf = fftw_malloc(sizeof(double) * p->L);
    w->spec = fftw_malloc(sizeof(fftw_complex) * (p->L / 2 + 1));
    if (!w->buf || !w->spec) {
        an_msd_work_free(w);
        return AION_ERR_NOMEM;
    }
    return AION_OK;
}

void an_msd_work_free(an_msd_work *w)
{
    if (!w) return;
    fftw_free(w->buf);
    fftw_free(w->spec);
    w->buf = NULL;
    w->spec = NULL;
}

void an_msd_acc_add(an_msd_acc *a, const an_msd_plan *p, an_msd_work *w, const double *x, long stride)
{
    const long T = p->T;
    double mean = 0.0, *b = w->buf;
    for (long t = 0; t < T; t++) mean += x[t * stride];
    mean /= (double)T;
    for (long t = 0; t < T; t++) b[t] = x[t * stride] - mean;
    memset(b + T, 0, sizeof(double) * (p->L - (size_t)T));
    /* S1 numerator: prefix sums P[k] = Σ_{t<k} x_t²; term(n) = P[T-n] + P[T] - P[n].
     * Computed from both ends as running sums to avoid storing P. */
    {
        double total = 0.0;
        for (long t = 0; t < T; t++) total += b[t] * b[t];
        double head = total, tail = total; /* head = P[T-n], tail = P[T] - P[n] */
        for (long n = 0; n < T; n++) {
            a->s1[n] += head + tail;
            head -= b[T - 1 - n] * b[T - 1 - n];
            tail -= b[n] * b[n];
        }
    }
    fftw_execute_dft_r2c(p->fwd, b, w->spec);
    for (size_t k = 0; k <= p->L / 2; k++) {
        double re = creal(w->spec[k]), im = cimag(w->spec[k]);
        a->psd[k] += re * re + im * im;
    }
    a->count++;
}

void an_msd_acc_result(const an_msd_acc *a, const an_msd_plan *p, an_msd_work *w, double *msd)
{
    const long T = p->T;
    for (size_t k = 0; k <= p->L / 2; k++) w->spec[k] = a->psd[k];
    fftw_execute_dft_c2r(p->bwd, w->spec, w->buf);
    msd[0] = 0.0;
    for (long n = 1; n < T; n++) {
        double ac = w->buf[n] / (double)p->L;
        double v = (a->s1[n] - 2.0 * ac) / ((double)(T - n) * (double)(a->count ? a->count : 1));
        msd[n] = v;
    }
}

aion_status aion_msd_fft(const double *pos, int n_atoms, long n_frames, double *const msd_dir[3],
                         aion_error *err)
{
    an_msd_plan p;
    an_msd_acc acc = {0};
    an_msd_work w = {0};
    aion_status st;
    if (!pos || n_atoms < 1 || n_frames < 1 || !msd_dir)
        return aion_err_set(err, AION_ERR_INVALID, "aion_msd_fft: bad arguments");
    st = an_msd_plan_init(&p, n_frames);
    if (st) return aion_err_set(err, st, "aion_msd_fft: cannot plan FFT of %ld frames", n_frames);
    if ((st = an_msd_acc_init(&acc, &p)) || (st = an_msd_work_init(&w, &p))) {
        aion_err_set(err, st, "aion_msd_fft: out of memory");
        goto done;
    }
    for (int d = 0; d < 3; d++) {
        an_msd_acc_zero(&acc, &p);
        for (int i = 0; i < n_atoms; i++)
            an_msd_acc_add(&acc, &p, &w, pos + (size_t)i * (size_t)n_frames * 3 + d, 3);
        if (msd_dir[d]) an_msd_acc_result(&acc, &p, &w, msd_dir[d]);
    }
done:
    an_msd_acc_free(&acc);
    an_msd_work_free(&w);
    an_msd_plan_free(&p);
    return st;
}
