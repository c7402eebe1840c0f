/*
 * Diffusion coefficients with honest uncertainties, conductivity, Arrhenius fits.
 *
 * Covariance model. For one 1-D walker sampled at T frames, x_t = y_t + η_t with
 * y a Gaussian random walk (step variance s², per frame) and η iid Gaussian
 * localisation noise (variance v, the vibration around a site), the all-origin
 * estimator MSD(n) = (1/K_n) Σ_{t=0}^{K_n−1} (x_{t+n} − x_t)², K_n = T − n, has mean
 * s²n + 2v and, since Cov(X², Y²) = 2 Cov(X, Y)² for zero-mean Gaussians,
 *     Cov[MSD(n), MSD(m)] = 2/(K_n K_m) Σ_{t,u} [s² o(t,n,u,m) + v e(t,n,u,m)]²,
 * o = overlap of the step intervals [t, t+n) and [u, u+m), e = δ_{t+n,u+m} − δ_{t+n,u}
 * − δ_{t,u+m} + δ_{t,u}. With δ = u − t the summand depends on δ only, times the
 * number of origin pairs with that δ; both are piecewise linear in δ with kinks
 * at 0 and n − m, so the double sum is evaluated exactly in O(1) with power sums.
 * Directions add (independent), N independent atoms divide by N. This is the
 * exact covariance of the all-origin estimator for that model (cf. Qian, Sheetz
 * & Elson, Biophys. J. 60, 910 (1991), doi:10.1016/S0006-3495(91)82125-7, for the
 * variance) and replaces the approximate n_o model of kinisi (McCluskey et al.,
 * J. Chem. Theory Comput. 2024, doi:10.1021/acs.jctc.4c00400).
 *
 * Fit: MSD(Δ) = 2dDΔ + c by generalised least squares with that covariance,
 * the model parameters (s², v per direction) taken from the fit itself and
 * iterated to self-consistency. Window rule in docs/analysis.md.
 */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- covariance model ---------------------------------------------------- */

static long lmin(long a, long b) { return a < b ? a : b; }
static long lmax(long a, long b) { return a > b ? a : b; }

static long cnt_d(long d, long Kn, long Km)
{
    long hi = lmin(Kn - 1, Km - 1 - d), lo = lmax(0, -d);
    return hi >= lo ? hi - lo + 1 : 0;
}

static long ovl_d(long d, long n, long m)
{
    long v = lmin(n, d + m) - lmax(0, d);
    return v > 0 ? v : 0;
}

/* Σ_{δ=a}^{b-1} cnt(δ) o(δ)², cnt and o linear on [a, b-1]. */
static long double piece(long a, long b, long n, long m, long Kn, long Km)
{
    long double L = (long double)(b - a);
    long double o0 = ovl_d(a, n, m), c0 = cnt_d(a, Kn, Km), o1 = 0, c1 = 0;
    if (b - a > 1) {
        o1 = ovl_d(a + 1, n, m) - o0;
        c1 = cnt_d(a + 1, Kn, Km) - c0;
    }
    long double S0 = L, S1 = L * (L - 1) / 2, S2 = (L - 1) * L * (2 * L - 1) / 6, S3 = S1 * S1;
    return o0 * o0 * c0 * S0 + (o0 * o0 * c1 + 2 * o0 * o1 * c0) * S1 + (2 * o0 * o1 * c1 + o1 * o1 * c0) * S2 +
           o1 * o1 * c1 * S3;
}

/* Σ_{δ=a}^{b-1} cnt(δ) o(δ) on a linear piece. */
static long double piece1(long a, long b, long n, long m, long Kn, long Km)
{
    long double L = (long double)(b - a);
    long double o0 = ovl_d(a, n, m), c0 = cnt_d(a, Kn, Km), o1 = 0, c1 = 0;
    if (b - a > 1) {
        o1 = ovl_d(a + 1, n, m) - o0;
        c1 = cnt_d(a + 1, Kn, Km) - c0;
    }
    long double S1 = L * (L - 1) / 2, S2 = (L - 1) * L * (2 * L - 1) / 6;
    return o0 * c0 * L + (o0 * c1 + o1 * c0) * S1 + o1 * c1 * S2;
}

/* Σ_{δ} cnt(δ)·o(δ)^p over the support, p = 1 or 2. */
static long double overlap_sum(long n, long m, long Kn, long Km, int p)
{
    long lo = lmax(-m + 1, -(Kn - 1)), hi = lmin(n - 1, Km - 1);
    long double S = 0;
    if (lo > hi) return 0;
    long c[4] = {lo, 0, n - m, hi + 1};
    for (int k = 0; k < 4; k++) {
        if (c[k] < lo) c[k] = lo;
        if (c[k] > hi + 1) c[k] = hi + 1;
    }
    for (int i = 1; i < 4; i++)
        for (int j = i; j > 0 && c[j - 1] > c[j]; j--) {
            long tmp = c[j];
            c[j] = c[j - 1];
            c[j - 1] = tmp;
        }
    for (int k = 0; k + 1 < 4; k++)
        if (c[k + 1] > c[k]) S += p == 1 ? piece1(c[k], c[k + 1], n, m, Kn, Km) : piece(c[k], c[k + 1], n, m, Kn, Km);
    return S;
}

/* Fourth-cumulant term: Cov += κ4 Σ_{t,u} o(t,n,u,m) / (K_n K_m) for independent
 * non-Gaussian increments with fourth cumulant κ4 per frame. */
static double msd_cov_kappa(long T, long n, long m)
{
    if (n < 1 || m < 1 || n >= T || m >= T) return 0.0;
    const long Kn = T - n, Km = T - m;
    return (double)(overlap_sum(n, m, Kn, Km, 1) / ((long double)Kn * Km));
}

double aion_msd_cov_model(long T, long n, long m, double s2, double v)
{
    if (n < 1 || m < 1 || n >= T || m >= T) return 0.0;
    const long Kn = T - n, Km = T - m;
    long double S = overlap_sum(n, m, Kn, Km, 2);
    long double extra = 0;
    if (v != 0) {
        long sp[4] = {n - m, n, -m, 0};
        for (int k = 0; k < 4; k++) {
            int dup = 0;
            for (int j = 0; j < k; j++) dup |= sp[j] == sp[k];
            if (dup) continue;
            long d = sp[k];
            long cn = cnt_d(d, Kn, Km);
            if (!cn || d < -(Kn - 1) || d > Km - 1) continue;
            int e = (d == n - m) - (d == n) - (d == -m) + (d == 0);
            if (!e) continue;
            extra += (long double)cn * (2.0L * s2 * v * ovl_d(d, n, m) * e + (long double)v * v * e * e);
        }
    }
    return (double)(2.0L * ((long double)s2 * s2 * S + extra) / ((long double)Kn * Km));
}

/* --- generalised least squares ---------------------------------------------- */

/* In-place Cholesky (lower) of a P×P matrix; adds jitter if needed. */
static int cholesky(double *A, int P)
{
    double dmax = 0;
    for (int i = 0; i < P; i++) dmax = fmax(dmax, A[i * P + i]);
    if (!(dmax > 0)) return -1;
    double *save = malloc(sizeof(double) * (size_t)P * (size_t)P);
    if (!save) return -1;
    memcpy(save, A, sizeof(double) * (size_t)P * (size_t)P);
    double jitter = 0;
    for (int attempt = 0; attempt < 8; attempt++) {
        int ok = 1;
        memcpy(A, save, sizeof(double) * (size_t)P * (size_t)P);
        for (int i = 0; i < P; i++) A[i * P + i] += jitter;
        for (int j = 0; j < P && ok; j++) {
            double s = A[j * P + j];
            for (int k = 0; k < j; k++) s -= A[j * P + k] * A[j * P + k];
            if (!(s > 0)) {
                ok = 0;
                break;
            }
            double ljj = sqrt(s);
            A[j * P + j] = ljj;
            for (int i = j + 1; i < P; i++) {
                double t = A[i * P + j];
                for (int k = 0; k < j; k++) t -= A[i * P + k] * A[j * P + k];
                A[i * P + j] = t / ljj;
            }
        }
        if (ok) {
            for (int i = 0; i < P; i++)
                for (int j = i + 1; j < P; j++) A[i * P + j] = 0;
            free(save);
            return 0;
        }
        jitter = jitter ? jitter * 100 : 1e-13 * dmax;
    }
    free(save);
    return -1;
}

/* Solve L z = b in place. */
static void fwd_subst(const double *L, int P, double *b)
{
    for (int i = 0; i < P; i++) {
        double s = b[i];
        for (int k = 0; k < i; k++) s -= L[i * P + k] * b[k];
        b[i] = s / L[i * P + i];
    }
}

/* Fit y = b·x + c with covariance C (destroyed). beta = {b, c}, cov 2x2, chi2. */
static int gls_line(const double *x, const double *y, int P, double *C, double beta[2], double cov[2][2],
                    double *chi2)
{
    double *w0 = malloc(sizeof(double) * (size_t)P * 3);
    if (!w0) return -1;
    double *w1 = w0 + P, *z = w0 + 2 * P;
    if (cholesky(C, P)) {
        free(w0);
        return -1;
    }
    for (int i = 0; i < P; i++) {
        w0[i] = x[i];
        w1[i] = 1.0;
        z[i] = y[i];
    }
    fwd_subst(C, P, w0);
    fwd_subst(C, P, w1);
    fwd_subst(C, P, z);
    double a00 = 0, a01 = 0, a11 = 0, r0 = 0, r1 = 0;
    for (int i = 0; i < P; i++) {
        a00 += w0[i] * w0[i];
        a01 += w0[i] * w1[i];
        a11 += w1[i] * w1[i];
        r0 += w0[i] * z[i];
        r1 += w1[i] * z[i];
    }
    double det = a00 * a11 - a01 * a01;
    if (!(det > 0)) {
        free(w0);
        return -1;
    }
    cov[0][0] = a11 / det;
    cov[1][1] = a00 / det;
    cov[0][1] = cov[1][0] = -a01 / det;
    beta[0] = cov[0][0] * r0 + cov[0][1] * r1;
    beta[1] = cov[1][0] * r0 + cov[1][1] * r1;
    double c2 = 0;
    for (int i = 0; i < P; i++) {
        double r = z[i] - beta[0] * w0[i] - beta[1] * w1[i];
        c2 += r * r;
    }
    *chi2 = c2;
    free(w0);
    return 0;
}

static void ols_line(const double *x, const double *y, int P, double beta[2], double cov[2][2])
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < P; i++) {
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        sxy += x[i] * y[i];
    }
    double det = P * sxx - sx * sx;
    beta[0] = (P * sxy - sx * sy) / det;
    beta[1] = (sy - beta[0] * sx) / P;
    double rss = 0;
    for (int i = 0; i < P; i++) {
        double r = y[i] - beta[0] * x[i] - beta[1];
        rss += r * r;
    }
    double s2 = P > 2 ? rss / (P - 2) : 0;
    cov[0][0] = s2 * P / det;
    cov[1][1] = s2 * sxx / det;
    cov[0][1] = cov[1][0] = -s2 * sx / det;
}

void aion_fit_opts_init(aion_fit_opts *o)
{
    memset(o, 0, sizeof *o);
    o->start_frac = 0.1;
    o->end_frac = 0.5;
    o->n_points = 64;
    o->hop_length_A = 3.0;
}

/* Model parameters of one direction: s2 per frame, v. */
static void model_params(double b, double c, double ymax, long n1, double *s2, double *v)
{
    double floor_s2 = 1e-6 * fabs(ymax) / (double)n1 + 1e-300;
    *s2 = b > floor_s2 ? b : floor_s2;
    *v = c > 0 ? c / 2 : 0;
}

/* Base matrices of the model for the chosen lags: C(s2, v) = s2²·MS + s2·v·MX + v²·MY. */
typedef struct cov_base {
    int P;
    double *MS, *MX, *MY, *MK;
} cov_base;

static int cov_base_init(cov_base *cb, const long *lag, int P, long T)
{
    size_t PP = (size_t)P * (size_t)P;
    cb->P = P;
    cb->MS = malloc(sizeof(double) * PP * 4);
    if (!cb->MS) return -1;
    cb->MX = cb->MS + PP;
    cb->MY = cb->MX + PP;
    cb->MK = cb->MY + PP;
    for (int i = 0; i < P; i++)
        for (int j = i; j < P; j++) {
            double s = aion_msd_cov_model(T, lag[i], lag[j], 1.0, 0.0);
            double y = aion_msd_cov_model(T, lag[i], lag[j], 0.0, 1.0);
            double x = aion_msd_cov_model(T, lag[i], lag[j], 1.0, 1.0) - s - y;
            cb->MS[i * P + j] = cb->MS[j * P + i] = s;
            cb->MX[i * P + j] = cb->MX[j * P + i] = x;
            cb->MY[i * P + j] = cb->MY[j * P + i] = y;
            cb->MK[i * P + j] = cb->MK[j * P + i] = msd_cov_kappa(T, lag[i], lag[j]);
        }
    return 0;
}

/* C += (s2²·MS + s2·v·MX + v²·MY + κ4·MK)·scale, κ4 = 3 s2² g (g = n·α_1D(n), frames) */
static void cov_add(const cov_base *cb, double *C, double s2, double v, double g, double scale)
{
    size_t PP = (size_t)cb->P * (size_t)cb->P;
    double a = s2 * s2 * scale, b = s2 * v * scale, c = v * v * scale, k4 = 3.0 * s2 * s2 * g * scale;
    for (size_t k = 0; k < PP; k++) C[k] += a * cb->MS[k] + b * cb->MX[k] + c * cb->MY[k] + k4 * cb->MK[k];
}

/* Slope σ of the GLS fit when the true diffusive part is λ times the fitted one. */
static double sigma_at(const cov_base *cb, const double *x, const double *y, double *C, int nd, const double *s2,
                       const double *v, const double *g, double npart, double lam)
{
    double beta[2], cov[2][2], chi2;
    memset(C, 0, sizeof(double) * (size_t)cb->P * (size_t)cb->P);
    for (int a = 0; a < nd; a++) cov_add(cb, C, lam * s2[a], v[a], g[a], 1.0 / npart);
    if (gls_line(x, y, cb->P, C, beta, cov, &chi2)) return lam > 0 ? NAN : 0.0;
    return sqrt(fmax(cov[0][0], 0));
}

/* Solve g(λ) = sgn·(λ − 1)·b − z·σ(λ) = 0 by bisection between lo and hi
 * (g(lo) < 0 < g(hi) for sgn = +1). */
static double invert(const cov_base *cb, const double *x, const double *y, double *C, int nd, const double *s2,
                     const double *v, const double *g, double npart, double b, double z, double lo, double hi, int sgn)
{
    for (int it = 0; it < 40 && hi - lo > 1e-4 * hi; it++) {
        double mid = 0.5 * (lo + hi);
        double sg = sigma_at(cb, x, y, C, nd, s2, v, g, npart, mid);
        double gv = sgn * (mid - 1.0) * b - z * sg;
        if ((gv > 0) == (sgn > 0)) hi = mid;
        else lo = mid;
    }
    return 0.5 * (lo + hi);
}

aion_status aion_msd_fit(const double *msd, const double *const *msd_dir, long n, double dt_fs, int n_dims,
                         double n_particles, const aion_fit_opts *opts, aion_diffusion *out, aion_error *err)
{
    aion_fit_opts o;
    aion_status st = AION_OK;
    long *lag = NULL;
    double *x = NULL, *y = NULL, *yd = NULL, *C = NULL;
    cov_base cb = {0};
    const double z95 = 1.959963984540054;
    if (!msd || !out || n < 4 || !(dt_fs > 0) || n_dims < 1 || n_dims > 3 || !(n_particles > 0))
        return aion_err_set(err, AION_ERR_INVALID, "msd fit: bad arguments (n=%ld, dt=%g, dims=%d)", n, dt_fs,
                            n_dims);
    if (opts) o = *opts;
    else aion_fit_opts_init(&o);
    if (o.n_points <= 0) o.n_points = 64;
    if (o.hop_length_A <= 0) o.hop_length_A = 3.0;
    if (o.start_frac <= 0 && o.t_start_fs <= 0) o.start_frac = 0.1;
    if (o.end_frac <= 0 && o.t_end_fs <= 0) o.end_frac = 0.5;
    memset(out, 0, sizeof *out);
    const long nrun = n - 1;
    long n0 = o.t_start_fs > 0 ? (long)llround(o.t_start_fs / dt_fs) : (long)llround(o.start_frac * nrun);
    long n1 = o.t_end_fs > 0 ? (long)llround(o.t_end_fs / dt_fs) : (long)llround(o.end_frac * nrun);
    if (n0 < 1) n0 = 1;
    if (n1 > nrun) n1 = nrun;
    if (o.msd_min_A2 > 0 && o.t_start_fs <= 0) {
        long k = n0;
        while (k < n1 && msd[k] < o.msd_min_A2) k++;
        n0 = k;
    }
    if (n1 - n0 < 2)
        return aion_err_set(err, AION_ERR_INVALID,
                            "fit window too short: lags %ld..%ld of %ld (%.6g..%.6g fs); extend the run or "
                            "set the window",
                            n0, n1, nrun, n0 * dt_fs, n1 * dt_fs);
    int P = o.n_points;
    if (P > n1 - n0 + 1) P = (int)(n1 - n0 + 1);
    if (P < 3) P = 3;
    lag = malloc(sizeof(long) * (size_t)P);
    x = malloc(sizeof(double) * (size_t)P);
    y = malloc(sizeof(double) * (size_t)P);
    yd = malloc(sizeof(double) * (size_t)P * 3);
    C = malloc(sizeof(double) * (size_t)P * (size_t)P);
    if (!lag || !x || !y || !yd || !C) goto nomem;
    {
        int k = 0;
        for (int i = 0; i < P; i++) {
            long l = n0 + (long)llround((double)i * (double)(n1 - n0) / (double)(P - 1));
            if (k == 0 || l > lag[k - 1]) lag[k++] = l;
        }
        P = k;
    }
    for (int i = 0; i < P; i++) {
        x[i] = (double)lag[i];
        y[i] = msd[lag[i]];
        for (int a = 0; a < n_dims; a++) yd[a * P + i] = msd_dir ? msd_dir[a][lag[i]] : msd[lag[i]] / n_dims;
    }
    double s2[3], v[3], gk[3], beta[2], cov[2][2], chi2 = NAN;
    for (int a = 0; a < 3; a++) gk[a] = o.kurt_fs[a] > 0 ? o.kurt_fs[a] / dt_fs : 0.0;
    if (o.ols) {
        /* comparison only: ordinary least squares with residual-based errors */
        for (int a = 0; a < n_dims; a++) {
            ols_line(x, yd + a * P, P, beta, cov);
            out->D_dir[a] = beta[0] / 2.0 / dt_fs * 0.1;
            out->D_dir_err[a] = sqrt(fmax(cov[0][0], 0)) / 2.0 / dt_fs * 0.1;
        }
        ols_line(x, y, P, beta, cov);
        out->D_lo = (beta[0] - z95 * sqrt(cov[0][0])) / (2.0 * n_dims) / dt_fs * 0.1;
        out->D_hi = (beta[0] + z95 * sqrt(cov[0][0])) / (2.0 * n_dims) / dt_fs * 0.1;
    } else {
        if (cov_base_init(&cb, lag, P, n)) goto nomem;
        /* per direction: GLS iterated until the model parameters are self-consistent */
        for (int a = 0; a < n_dims; a++) {
            double *ya = yd + a * P;
            ols_line(x, ya, P, beta, cov);
            for (int it = 0; it < 8; it++) {
                double b2[2], cv[2][2], prev = beta[0];
                model_params(beta[0], beta[1], ya[P - 1], lag[P - 1], &s2[a], &v[a]);
                memset(C, 0, sizeof(double) * (size_t)P * (size_t)P);
                cov_add(&cb, C, s2[a], v[a], gk[a], 1.0 / n_particles);
                if (gls_line(x, ya, P, C, b2, cv, &chi2)) break;
                memcpy(beta, b2, sizeof beta);
                memcpy(cov, cv, sizeof cov);
                if (it > 0 && fabs(beta[0] - prev) < 1e-3 * sqrt(cov[0][0])) break;
            }
            model_params(beta[0], beta[1], ya[P - 1], lag[P - 1], &s2[a], &v[a]);
            out->D_dir[a] = beta[0] / 2.0 / dt_fs * 0.1; /* Å²/fs -> cm²/s */
            out->D_dir_err[a] = sqrt(fmax(cov[0][0], 0)) / 2.0 / dt_fs * 0.1;
        }
        /* total: covariance = sum over directions */
        memset(C, 0, sizeof(double) * (size_t)P * (size_t)P);
        for (int a = 0; a < n_dims; a++) cov_add(&cb, C, s2[a], v[a], gk[a], 1.0 / n_particles);
        if (gls_line(x, y, P, C, beta, cov, &chi2)) {
            st = aion_err_set(err, AION_ERR_NUMERIC, "msd fit: covariance matrix not positive definite");
            goto done;
        }
        /* 95% interval by inversion: D' such that the estimate lies z·σ(D') from D',
         * σ(D') from the model with the diffusive part scaled to D'. Asymmetric
         * when the error is large (σ grows with D). */
        double b = beta[0], sb = sqrt(fmax(cov[0][0], 0));
        double lo_b = b - z95 * sb, hi_b = b + z95 * sb;
        if (b > 0 && sb > 0) {
            double hi = 2.0;
            while (hi < 1e6 && (hi - 1.0) * b - z95 * sigma_at(&cb, x, y, C, n_dims, s2, v, gk, n_particles, hi) <= 0)
                hi *= 2;
            hi_b = hi >= 1e6 ? INFINITY
                             : b * invert(&cb, x, y, C, n_dims, s2, v, gk, n_particles, b, z95, 1.0, hi, +1);
            /* lower: g(λ) = (1 − λ)b − zσ(λ) is > 0 at λ = 0+ unless noise dominates */
            double s0 = sigma_at(&cb, x, y, C, n_dims, s2, v, gk, n_particles, 1e-9);
            if (isfinite(s0) && b - z95 * s0 > 0)
                lo_b = b * invert(&cb, x, y, C, n_dims, s2, v, gk, n_particles, b, z95, 1e-9, 1.0, -1);
            else
                lo_b = fmin(lo_b, 0.0);
        }
        out->D_lo = lo_b / (2.0 * n_dims) / dt_fs * 0.1;
        out->D_hi = hi_b / (2.0 * n_dims) / dt_fs * 0.1;
    }
    out->D = beta[0] / (2.0 * n_dims) / dt_fs * 0.1;
    out->D_err = sqrt(fmax(cov[0][0], 0)) / (2.0 * n_dims) / dt_fs * 0.1;
    out->intercept_A2 = beta[1];
    out->intercept_err_A2 = sqrt(fmax(cov[1][1], 0));
    out->t_start_fs = lag[0] * dt_fs;
    out->t_end_fs = lag[P - 1] * dt_fs;
    out->n_points = P;
    out->n_dims = n_dims;
    out->n_particles = n_particles;
    out->chi2_dof = P > 2 ? chi2 / (P - 2) : NAN;
    double mx = 0;
    for (long k = 0; k < n; k++) mx = fmax(mx, msd[k]);
    out->msd_max_A2 = mx;
    out->n_hops_eff = n_particles * mx / (o.hop_length_A * o.hop_length_A);
    out->rsd_he2018 = out->n_hops_eff > 0 ? 3.43 / sqrt(out->n_hops_eff) + 0.04 : INFINITY;
    if (out->n_hops_eff < 100) out->warnings |= AION_WARN_FEW_HOPS;
    if (!(out->D_err <= 0.3 * fabs(out->D))) out->warnings |= AION_WARN_LARGE_ERROR;
    if (!(out->D_lo > 0)) out->warnings |= AION_WARN_NOT_DIFFUSIVE;
    if (out->chi2_dof > 3) out->warnings |= AION_WARN_BAD_FIT;
    if (P < 10) out->warnings |= AION_WARN_SHORT_RUN;
    goto done;
nomem:
    st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
done:
    free(cb.MS);
    free(lag);
    free(x);
    free(y);
    free(yd);
    free(C);
    return st;
}

/* --- transport-level results ------------------------------------------------ */


static int dir_list(int dims, const double *const src[3], const double *dst[3])
{
    int k = 0;
    for (int d = 0; d < 3; d++)
        if (dims >> d & 1) dst[k++] = src[d];
    return k;
}

/* Tracer fit with the non-Gaussian correction estimated from the data: κ_t =
 * weighted mean over the sampled lags inside the fit window of t·α_1D(t), ≥ 0. */
static aion_status tracer_fit(const aion_msd_result *m, int dims, const aion_fit_opts *o, aion_diffusion *out,
                              aion_error *e)
{
    const double *dl[3], *al[3];
    aion_fit_opts f;
    aion_status st;
    if (o) f = *o;
    else aion_fit_opts_init(&f);
    int nd = dir_list(dims, m->msd_dir, dl);
    dir_list(dims, m->ngp_dir, al);
    memset(f.kurt_fs, 0, sizeof f.kurt_fs);
    if ((st = aion_msd_fit(m->msd, dl, m->n, m->dt_fs, nd, m->n_atoms, &f, out, e))) return st;
    if (o && o->no_kurtosis) return AION_OK;
    int any = 0;
    for (int a = 0; a < nd; a++) {
        /* weights ∝ t⁻³: the noise of t·α_1D(t) grows like t^1.5 */
        double sum = 0, wsum = 0;
        int near = -1;
        for (int l = 0; l < m->n_ngp; l++) {
            double tl = m->ngp_lag[l] * m->dt_fs;
            if (tl >= out->t_start_fs && tl <= out->t_end_fs) {
                double w = 1.0 / (tl * tl * tl);
                sum += w * tl * al[a][l];
                wsum += w;
            } else if (tl < out->t_start_fs) {
                near = l;
            }
        }
        if (wsum == 0 && near >= 0) {
            sum = m->ngp_lag[near] * m->dt_fs * al[a][near];
            wsum = 1;
        }
        f.kurt_fs[a] = wsum > 0 && sum > 0 ? sum / wsum : 0.0;
        any |= f.kurt_fs[a] > 0;
    }
    if (!any) return AION_OK;
    return aion_msd_fit(m->msd, dl, m->n, m->dt_fs, nd, m->n_atoms, &f, out, e);
}

aion_status aion_transport_diffusion(aion_transport *t, int group, const aion_fit_opts *o,
                                     aion_group_transport *out)
{
    aion_msd_result m;
    aion_error e;
    aion_status st;
    const double *dl[3];
    if (!t || !out) return AION_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if ((st = aion_transport_msd(t, group, &m)))
        return st;
    int nd = dir_list(an_transport_dims(t), m.msd_dir, dl);
    if ((st = tracer_fit(&m, an_transport_dims(t), o, &out->tracer, &e))) goto fail;
    aion_fit_opts oc;
    if (o) oc = *o;
    else aion_fit_opts_init(&oc);
    memset(oc.kurt_fs, 0, sizeof oc.kurt_fs); /* the sum over N atoms is Gaussian to O(1/N) */
    nd = dir_list(an_transport_dims(t), m.coll_dir, dl);
    if ((st = aion_msd_fit(m.coll, dl, m.n, m.dt_fs, nd, 1.0, &oc, &out->collective, &e))) goto fail;
    /* D_σ = slope of ⟨|Σ Δr|²⟩ / (2 d N) */
    aion_diffusion *c = &out->collective;
    double N = m.n_atoms;
    c->D /= N;
    c->D_err /= N;
    c->D_lo /= N;
    c->D_hi /= N;
    for (int d = 0; d < 3; d++) {
        c->D_dir[d] /= N;
        c->D_dir_err[d] /= N;
    }
    if (c->D != 0) {
        out->haven = out->tracer.D / c->D;
        double r1 = out->tracer.D_err / out->tracer.D, r2 = c->D_err / c->D;
        out->haven_err = fabs(out->haven) * sqrt(r1 * r1 + r2 * r2);
    } else {
        out->haven = out->haven_err = NAN;
    }
    return AION_OK;
fail:
    an_transport_set_error(t, &e);
    return st;
}

double aion_nernst_einstein_factor(double n_ions, double charge_e, double volume_A3, double T_K)
{
    /* σ = n q² e² D/(V k_B T): with D in cm²/s (1e-4 m²/s), V in Å³ (1e-30 m³), k_B T in
     * eV (= e·J/C): σ[S/m] = n q² D/(V kT_eV) · e·1e26; S/cm = S/m / 100. */
    const double e = 1.602176634e-19;
    if (!(volume_A3 > 0) || !(T_K > 0)) return NAN;
    return n_ions * charge_e * charge_e / (volume_A3 * AION_KB_EV * T_K) * e * 1e26 / 100.0;
}

aion_status aion_transport_conductivity(aion_transport *t, const aion_fit_opts *o, aion_conductivity *out)
{
    aion_error e;
    aion_status st;
    const double *qdir[3], *dl[3];
    if (!t || !out) return AION_ERR_INVALID;
    memset(out, 0, sizeof *out);
    const double *q = an_transport_charges(t);
    const double *qm = aion_transport_charge_msd(t, qdir);
    double T = an_transport_temperature(t), V = aion_transport_volume(t);
    if (!q || !qm) {
        aion_err_set(&e, AION_ERR_INVALID, "conductivity needs the charge of each group");
        an_transport_set_error(t, &e);
        return AION_ERR_INVALID;
    }
    if (!(T > 0) || !(V > 0)) {
        aion_err_set(&e, AION_ERR_INVALID, "conductivity needs the temperature and a periodic cell");
        an_transport_set_error(t, &e);
        return AION_ERR_INVALID;
    }
    out->temperature_K = T;
    out->volume_A3 = V;
    double var_ne = 0;
    for (int g = 0; g < aion_transport_ngroups(t); g++) {
        aion_msd_result m;
        aion_diffusion d;
        if ((st = aion_transport_msd(t, g, &m))) return st;
        if (q[g] == 0) continue;
        int nd = dir_list(an_transport_dims(t), m.msd_dir, dl);
        (void)nd;
        if ((st = tracer_fit(&m, an_transport_dims(t), o, &d, &e))) {
            an_transport_set_error(t, &e);
            return st;
        }
        double f = aion_nernst_einstein_factor(m.n_atoms, q[g], V, T);
        out->sigma_ne += f * d.D;
        var_ne += f * f * d.D_err * d.D_err;
    }
    out->sigma_ne_err = sqrt(var_ne);
    aion_msd_result m0;
    if ((st = aion_transport_msd(t, 0, &m0))) return st;
    int nd = dir_list(an_transport_dims(t), qdir, dl);
    if ((st = aion_msd_fit(qm, dl, m0.n, m0.dt_fs, nd, 1.0, o, &out->charge_fit, &e))) {
        an_transport_set_error(t, &e);
        return st;
    }
    double f1 = aion_nernst_einstein_factor(1.0, 1.0, V, T);
    out->sigma = f1 * out->charge_fit.D;
    out->sigma_err = f1 * out->charge_fit.D_err;
    if (out->sigma != 0) {
        out->haven = out->sigma_ne / out->sigma;
        double r1 = out->sigma_ne_err / out->sigma_ne, r2 = out->sigma_err / out->sigma;
        out->haven_err = fabs(out->haven) * sqrt(r1 * r1 + r2 * r2);
    } else {
        out->haven = out->haven_err = NAN;
    }
    return AION_OK;
}

/* --- Arrhenius ------------------------------------------------------------ */

void aion_arrhenius_opts_init(aion_arrhenius_opts *o) { memset(o, 0, sizeof *o); }

aion_status aion_arrhenius_fit(const double *T_K, const double *y, const double *y_err, int n,
                               const aion_arrhenius_opts *opts, aion_arrhenius *out, aion_error *err)
{
    aion_arrhenius_opts o;
    if (opts) o = *opts;
    else aion_arrhenius_opts_init(&o);
    if (!T_K || !y || !out || n < 2) return aion_err_set(err, AION_ERR_INVALID, "arrhenius: need at least 2 points");
    if (n < 3 && !y_err)
        return aion_err_set(err, AION_ERR_INVALID, "arrhenius: unweighted fit needs at least 3 points");
    double kb = o.kb_eV > 0 ? o.kb_eV : AION_KB_EV;
    double S = 0, Sx = 0, Sxx = 0, Sy = 0, Sxy = 0;
    for (int i = 0; i < n; i++) {
        if (!(T_K[i] > 0) || !(y[i] > 0))
            return aion_err_set(err, AION_ERR_INVALID, "arrhenius: point %d has T = %g, value = %g (must be > 0)",
                                i + 1, T_K[i], y[i]);
        if (y_err && !(y_err[i] > 0))
            return aion_err_set(err, AION_ERR_INVALID, "arrhenius: point %d has error %g (must be > 0)", i + 1,
                                y_err[i]);
        double xi = 1.0 / T_K[i], yi = log(y[i] * (o.times_T ? T_K[i] : 1.0));
        double w = y_err ? 1.0 / ((y_err[i] / y[i]) * (y_err[i] / y[i])) : 1.0;
        S += w;
        Sx += w * xi;
        Sxx += w * xi * xi;
        Sy += w * yi;
        Sxy += w * xi * yi;
    }
    double det = S * Sxx - Sx * Sx;
    if (!(det > 0)) return aion_err_set(err, AION_ERR_NUMERIC, "arrhenius: all temperatures equal");
    double slope = (S * Sxy - Sx * Sy) / det, icpt = (Sxx * Sy - Sx * Sxy) / det;
    double c_ss = S / det, c_ii = Sxx / det, c_si = -Sx / det;
    double chi2 = 0;
    for (int i = 0; i < n; i++) {
        double xi = 1.0 / T_K[i], yi = log(y[i] * (o.times_T ? T_K[i] : 1.0));
        double w = y_err ? 1.0 / ((y_err[i] / y[i]) * (y_err[i] / y[i])) : 1.0;
        double r = yi - icpt - slope * xi;
        chi2 += w * r * r;
    }
    double dof = n > 2 ? chi2 / (n - 2) : NAN;
    double scale = (!y_err || o.scale_by_chi2) ? (n > 2 ? dof : 0.0) : 1.0;
    memset(out, 0, sizeof *out);
    out->Ea_eV = -slope * kb;
    out->Ea_err = kb * sqrt(c_ss * scale);
    out->lnA = icpt;
    out->lnA_err = sqrt(c_ii * scale);
    out->cov_lnA_Ea = -kb * c_si * scale;
    out->chi2_dof = dof;
    out->n = n;
    out->times_T = o.times_T;
    out->kb_eV = kb;
    return AION_OK;
}

double aion_arrhenius_predict(const aion_arrhenius *a, double T_K, double *ln_sd, double *ln_sd_nocov)
{
    double kT = a->kb_eV * T_K;
    double ly = a->lnA - a->Ea_eV / kT - (a->times_T ? log(T_K) : 0.0);
    double v0 = a->lnA_err * a->lnA_err + a->Ea_err * a->Ea_err / (kT * kT);
    if (ln_sd) *ln_sd = sqrt(fmax(v0 - 2.0 * a->cov_lnA_Ea / kT, 0.0));
    if (ln_sd_nocov) *ln_sd_nocov = sqrt(v0);
    return exp(ly);
}

/* z-resolved D: origin-binned MSDs of one bin, GLS with n_particles = mean
 * occupancy of the bin; default window capped at the survival half-time. */
aion_status aion_transport_slab_diffusion(aion_transport *t, int group, int bin, const aion_fit_opts *o,
                                          aion_slab_diffusion *out)
{
    aion_slab_result s;
    aion_error e;
    aion_status st;
    if (!t || !out) return AION_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if ((st = aion_transport_slab(t, group, bin, &s))) {
        aion_err_set(&e, st, "slab: no results for group %d bin %d (slab_bins set? finished?)", group, bin);
        an_transport_set_error(t, &e);
        return st;
    }
    out->n_mean = s.n_mean;
    long nh = -1;
    for (long n = 1; n < s.n; n++)
        if (s.survival[n] < 0.5) {
            nh = n;
            break;
        }
    out->t_half_fs = nh > 0 ? nh * s.dt_fs : INFINITY;
    if (!(s.n_mean > 0)) {
        aion_err_set(&e, AION_ERR_INVALID, "slab bin %d (%g..%g Å) holds no atoms of the group", bin,
                     s.edges_A[bin], s.edges_A[bin + 1]);
        an_transport_set_error(t, &e);
        return AION_ERR_INVALID;
    }
    aion_fit_opts f;
    if (o) f = *o;
    else aion_fit_opts_init(&f);
    memset(f.kurt_fs, 0, sizeof f.kurt_fs);
    f.no_kurtosis = 1;
    const long nrun = s.n - 1;
    if (!(f.t_end_fs > 0) && nh > 0) {
        double end_frac = f.end_frac > 0 ? f.end_frac : 0.5, start_frac = f.start_frac > 0 ? f.start_frac : 0.1;
        if (nh < (long)llround(end_frac * nrun)) {
            f.t_end_fs = nh * s.dt_fs;
            if (!(f.t_start_fs > 0)) f.t_start_fs = fmin(start_frac * nrun, nh / 5.0) * s.dt_fs;
            if (f.t_start_fs < s.dt_fs) f.t_start_fs = s.dt_fs;
        }
    }
    const double *xy[2] = {s.msd_dir[0], s.msd_dir[1]};
    double *sum = malloc(sizeof(double) * (size_t)s.n);
    if (!sum) return AION_ERR_NOMEM;
    for (long n = 0; n < s.n; n++) sum[n] = xy[0][n] + xy[1][n];
    st = aion_msd_fit(sum, xy, s.n, s.dt_fs, 2, s.n_mean, &f, &out->xy, &e);
    free(sum);
    if (st) {
        an_transport_set_error(t, &e);
        return st;
    }
    /* D_z may be undefined (no motion along z, e.g. a confined layer): NaN, not an error */
    if (aion_msd_fit(s.msd_dir[2], NULL, s.n, s.dt_fs, 1, s.n_mean, &f, &out->z, &e)) {
        out->z.D = out->z.D_err = out->z.D_lo = out->z.D_hi = NAN;
        out->z.warnings |= AION_WARN_NOT_DIFFUSIVE;
    }
    return AION_OK;
}
