/*
 * Residence times of ions in sites, and sites from the time-averaged density.
 *
 * Assignment: an ion is in the nearest site centre within r_site (Cartesian,
 * minimum image; r_site < half the smallest cell width so the minimum image is
 * the nearest one), found through a fractional grid over the centres (bins at
 * least r_site wide along each lattice direction, so the 27 bins around the ion
 * hold every centre within r_site).
 * Stays (transition-based, the "core set" idea of milestoning: Buchete & Hummer,
 * J. Phys. Chem. B 112, 6057 (2008), doi:10.1021/jp0761665): a stay in site k
 * starts at the first frame the ion is seen in k and ends at the first frame it
 * is seen in another site (strict: at the first frame it is not in k). The
 * duration X (frames, ≥ 1) is that difference; the time resolution is the frame
 * interval.
 * Censoring: stays whose entry precedes the first frame are left out (their
 * length is unknown and length-biased); stays still open at the last frame,
 * seen for c frames, are right-censored with X ≥ c, i.e. known to survive past
 * c − 1. Because the censoring time depends only on the entry time, the
 * Kaplan–Meier estimator (Kaplan & Meier, J. Am. Stat. Assoc. 53, 457 (1958),
 * doi:10.1080/01621459.1958.10501452) of S(k) = P(X > k) is unbiased:
 *     S(k) = Π_{1 ≤ j ≤ k} (1 − d_j / R_j)
 * (d_j completed stays of j frames, R_j stays at risk at j: completed with
 * X ≥ j or censored with c − 1 ≥ j). The mean is
 * Σ_{k=0}^{K−1} S(k) up to the longest observation K (restricted when that one
 * is censored). For memoryless hopping X is geometric, P(X = n) = (1−p)^{n−1} p;
 * with censoring the MLE is p̂ = d/(d + S), S = Σ_all (frames − 1), mean 1/p̂,
 * Var(1/p̂) ≈ (1 − p)/(d p²).
 * Errors: bootstrap over ions (Efron & Tibshirani 1993), so the correlation of
 * consecutive stays of one ion is kept.
 */
#include "analysis.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct stay {
    int ion;
    long len;     /* frames */
    int censored; /* 1: X >= len (open at the end) */
} stay;

struct aion_residence {
    aion_residence_opts o;
    double (*site)[3];
    aion_error err;
    long nread, nused;
    int started, finished, done, drift_started;
    int N, n_ion;
    int *ion;                 /* atom index of each ion */
    int *id_sorted, *id_index, *perm;
    /* drift */
    double *w, wsum;
    double (*fprev)[3], (*fu)[3], (*fu0)[3];
    /* time */
    double t0, tlast, dt;
    int have_time;
    /* per ion */
    int *cur, *left;
    long *entry;
    /* stays */
    stay *st;
    size_t n_st, cap_st;
    long n_left;
    /* per site */
    long *entries;
    double *occ;
    long between, ion_frames;
    /* grid */
    int nb[3];
    int *head, *next;
    double (*sf)[3];
    /* results */
    double *surv, *site_occ;
    long *hist;
    int n_surv;
    aion_residence_result res;
};

void aion_residence_opts_init(aion_residence_opts *o)
{
    memset(o, 0, sizeof *o);
    o->last_frame = -1;
    o->stride = 1;
    o->drift = AION_DRIFT_FRAMEWORK;
}

static aion_status rfail(aion_residence *r, aion_status code, const char *fmt, ...) AION_PRINTF(3, 4);
static aion_status rfail(aion_residence *r, aion_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    aion_err_vset(&r->err, code, fmt, ap);
    va_end(ap);
    return code;
}

const char *aion_residence_errmsg(const aion_residence *r) { return r ? r->err.msg : ""; }

aion_status aion_residence_create(aion_residence **out, const aion_residence_opts *o, aion_error *err)
{
    *out = NULL;
    if (!o || o->z_ion < 1 || o->z_ion > AION_MAX_Z)
        return aion_err_set(err, AION_ERR_INVALID, "residence: give the ion species");
    if (!o->site_frac || o->n_sites < 1) return aion_err_set(err, AION_ERR_INVALID, "residence: no sites");
    if (o->r_site < 0 || !isfinite(o->r_site)) return aion_err_set(err, AION_ERR_INVALID, "residence: bad r_site");
    aion_residence *r = calloc(1, sizeof *r);
    if (!r) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    r->o = *o;
    if (r->o.r_site == 0) r->o.r_site = 1.0;
    if (r->o.stride <= 0) r->o.stride = 1;
    if (r->o.n_boot <= 0) r->o.n_boot = 200;
    if (r->o.seed == 0) r->o.seed = 0x5eed5eedULL;
    r->site = malloc(sizeof *r->site * (size_t)o->n_sites);
    r->entries = calloc((size_t)o->n_sites, sizeof(long));
    r->occ = calloc((size_t)o->n_sites, sizeof(double));
    r->next = malloc(sizeof(int) * (size_t)o->n_sites);
    r->sf = malloc(sizeof *r->sf * (size_t)o->n_sites);
    if (!r->site || !r->entries || !r->occ || !r->next || !r->sf) {
        aion_residence_free(r);
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < o->n_sites; k++)
        for (int d = 0; d < 3; d++) {
            double v = o->site_frac[k][d];
            if (!isfinite(v)) {
                aion_residence_free(r);
                return aion_err_set(err, AION_ERR_INVALID, "residence: site %d is not finite", k);
            }
            r->site[k][d] = v - floor(v);
        }
    r->o.site_frac = (const double(*)[3])r->site;
    *out = r;
    return AION_OK;
}

void aion_residence_free(aion_residence *r)
{
    if (!r) return;
    free(r->site);
    free(r->ion);
    free(r->id_sorted);
    free(r->id_index);
    free(r->perm);
    free(r->w);
    free(r->fprev);
    free(r->fu);
    free(r->fu0);
    free(r->cur);
    free(r->left);
    free(r->entry);
    free(r->st);
    free(r->entries);
    free(r->occ);
    free(r->head);
    free(r->next);
    free(r->sf);
    free(r->surv);
    free(r->site_occ);
    free(r->hist);
    free(r);
}

static int cmp_pair(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

static aion_status start(aion_residence *r, const aion_frame *f)
{
    const int N = f->n;
    int *pairs = NULL;
    r->N = N;
    for (int i = 0; i < N; i++) r->n_ion += f->z[i] == r->o.z_ion;
    if (!r->n_ion) return rfail(r, AION_ERR_INVALID, "no %s atoms in the first frame", aion_element_symbol(r->o.z_ion));
    r->ion = malloc(sizeof(int) * (size_t)r->n_ion);
    r->cur = malloc(sizeof(int) * (size_t)r->n_ion);
    r->left = calloc((size_t)r->n_ion, sizeof(int));
    r->entry = calloc((size_t)r->n_ion, sizeof(long));
    r->perm = malloc(sizeof(int) * (size_t)N);
    r->w = calloc((size_t)N, sizeof(double));
    r->fprev = calloc((size_t)N, sizeof *r->fprev);
    r->fu = calloc((size_t)N, sizeof *r->fu);
    r->fu0 = calloc((size_t)N, sizeof *r->fu0);
    if (!r->ion || !r->cur || !r->left || !r->entry || !r->perm || !r->w || !r->fprev || !r->fu || !r->fu0)
        goto nomem;
    for (int i = 0, k = 0; i < N; i++)
        if (f->z[i] == r->o.z_ion) r->ion[k++] = i;
    for (int k = 0; k < r->n_ion; k++) r->cur[k] = -1;
    for (int i = 0; i < N; i++) r->perm[i] = i;
    if (f->has & AION_HAS_ID) {
        pairs = malloc(sizeof(int) * 2 * (size_t)N);
        r->id_sorted = malloc(sizeof(int) * (size_t)N);
        r->id_index = malloc(sizeof(int) * (size_t)N);
        if (!pairs || !r->id_sorted || !r->id_index) goto nomem;
        for (int i = 0; i < N; i++) {
            pairs[2 * i] = f->id[i];
            pairs[2 * i + 1] = i;
        }
        qsort(pairs, (size_t)N, 2 * sizeof(int), cmp_pair);
        for (int i = 0; i < N; i++) {
            r->id_sorted[i] = pairs[2 * i];
            r->id_index[i] = pairs[2 * i + 1];
            if (i && pairs[2 * i] == pairs[2 * i - 2]) {
                int dup = pairs[2 * i];
                free(pairs);
                return rfail(r, AION_ERR_INVALID, "frame %ld: duplicate atom id %d", r->nread, dup);
            }
        }
        free(pairs);
        pairs = NULL;
    }
    if (r->o.drift != AION_DRIFT_NONE) {
        int any = 0;
        for (int i = 0; i < N; i++) any |= f->z[i] != r->o.z_ion;
        for (int i = 0; i < N; i++) {
            int ref = r->o.drift == AION_DRIFT_ALL || !any || f->z[i] != r->o.z_ion;
            double m = (f->has & AION_HAS_MASS) ? f->mass[i] : aion_element_mass(f->z[i]);
            if (!(m > 0)) m = 1.0;
            r->w[i] = ref ? m : 0.0;
            r->wsum += r->w[i];
        }
    }
    r->started = 1;
    return AION_OK;
nomem:
    free(pairs);
    return rfail(r, AION_ERR_NOMEM, "out of memory");
}

static aion_status push_stay(aion_residence *r, int ion, long len, int censored)
{
    if (r->n_st == r->cap_st) {
        size_t nc = r->cap_st ? 2 * r->cap_st : 1024;
        stay *ns = aion_realloc_array(r->st, nc, sizeof *ns);
        if (!ns) return rfail(r, AION_ERR_NOMEM, "out of memory");
        r->st = ns;
        r->cap_st = nc;
    }
    r->st[r->n_st++] = (stay){ion, len, censored};
    return AION_OK;
}

/* Close the open stay of ion k at frame index `now` (exit seen there). */
static aion_status close_stay(aion_residence *r, int k, long now)
{
    if (r->cur[k] < 0) return AION_OK;
    if (r->left[k]) {
        r->n_left++;
        return AION_OK;
    }
    return push_stay(r, k, now - r->entry[k], 0);
}

aion_status aion_residence_add(aion_residence *r, const aion_frame *f)
{
    aion_status st;
    if (!r || !f) return AION_ERR_INVALID;
    if (r->finished) return rfail(r, AION_ERR_INVALID, "residence: frame added after finish");
    const long idx = r->nread++;
    if (r->done || idx < r->o.first_frame) return AION_OK;
    if (r->o.last_frame >= 0 && idx > r->o.last_frame) {
        r->done = 1;
        return AION_OK;
    }
    if (!((f->has & AION_HAS_CELL) && f->pbc[0] && f->pbc[1] && f->pbc[2]))
        return rfail(r, AION_ERR_INVALID, "frame %ld: residence analysis needs a 3-D periodic cell", idx);
    if (!r->started) {
        if ((st = start(r, f))) return st;
    } else if (f->n != r->N) {
        return rfail(r, AION_ERR_INVALID, "frame %ld has %d atoms, the first %d", idx, f->n, r->N);
    }
    const int N = r->N;
    /* atom matching by id */
    if (r->id_sorted) {
        if (!(f->has & AION_HAS_ID)) return rfail(r, AION_ERR_INVALID, "frame %ld has no atom ids", idx);
        for (int row = 0; row < N; row++) {
            int lo = 0, hi = N - 1, want = f->id[row], at = -1;
            while (lo <= hi) {
                int mid = (lo + hi) / 2;
                if (r->id_sorted[mid] == want) {
                    at = mid;
                    break;
                }
                if (r->id_sorted[mid] < want) lo = mid + 1;
                else hi = mid - 1;
            }
            if (at < 0) return rfail(r, AION_ERR_INVALID, "frame %ld: atom id %d not in the first frame", idx, want);
            r->perm[r->id_index[at]] = row;
        }
    }
    double inv[3][3], w[3];
    if (aion_cell_inverse(f->cell, inv)) return rfail(r, AION_ERR_INVALID, "frame %ld: singular cell", idx);
    aion_cell_widths(f->cell, w);
    const double rs = r->o.r_site, rs2 = rs * rs;
    if (!(rs < 0.5 * fmin(w[0], fmin(w[1], w[2]))))
        return rfail(r, AION_ERR_INVALID, "r_site %g Å is not below half the smallest cell width (%g Å)", rs,
                     fmin(w[0], fmin(w[1], w[2])));
    /* framework drift in fractional coordinates (every frame read, also strided ones) */
    double dF[3] = {0, 0, 0};
    if (r->wsum > 0) {
        const int first = !r->drift_started, img = (f->has & AION_HAS_IMAGE) != 0;
        for (int i = 0; i < N; i++) {
            if (r->w[i] == 0) continue;
            const int row = r->perm[i];
            const double *p = f->pos[row];
            double fr[3];
            for (int k = 0; k < 3; k++) fr[k] = p[0] * inv[0][k] + p[1] * inv[1][k] + p[2] * inv[2][k];
            for (int k = 0; k < 3; k++) {
                if (img) r->fu[i][k] = fr[k] + f->image[row][k];
                else if (first) r->fu[i][k] = fr[k];
                else {
                    double d = fr[k] - r->fprev[i][k];
                    r->fu[i][k] += d - nearbyint(d);
                }
            }
            if (first) memcpy(r->fu0[i], r->fu[i], sizeof r->fu0[i]);
            memcpy(r->fprev[i], fr, sizeof fr);
            for (int k = 0; k < 3; k++) dF[k] += r->w[i] * (r->fu[i][k] - r->fu0[i][k]);
        }
        for (int k = 0; k < 3; k++) dF[k] /= r->wsum;
        r->drift_started = 1;
    }
    if ((idx - r->o.first_frame) % r->o.stride) return AION_OK;
    /* time */
    double tf = NAN;
    if (f->has & AION_HAS_TIME) tf = f->time_fs;
    else if ((f->has & AION_HAS_STEP) && r->o.step_fs > 0) tf = (double)f->step * r->o.step_fs;
    if (r->o.dt_fs > 0) tf = (double)(idx - r->o.first_frame) * r->o.dt_fs;
    if (r->nused == 0) {
        r->have_time = !isnan(tf);
        r->t0 = tf;
    } else if (r->have_time) {
        if (isnan(tf)) return rfail(r, AION_ERR_INVALID, "frame %ld has no time", idx);
        double dt = tf - r->tlast;
        if (r->nused == 1) {
            if (!(dt > 0)) return rfail(r, AION_ERR_INVALID, "frame %ld: time does not increase", idx);
            r->dt = dt;
        } else if (fabs(dt - r->dt) > 1e-6 * r->dt + 1e-9) {
            return rfail(r, AION_ERR_INVALID, "frame %ld: frames are not evenly spaced in time (%g fs, expected %g fs)",
                         idx, dt, r->dt);
        }
    }
    r->tlast = tf;
    /* site grid for this frame */
    int nbt = 1;
    for (int k = 0; k < 3; k++) {
        int n = (int)floor(w[k] / rs);
        if (n < 1) n = 1;
        if (n > 64) n = 64;
        r->nb[k] = n;
        nbt *= n;
    }
    {
        int *nh = aion_realloc_array(r->head, (size_t)nbt, sizeof(int));
        if (!nh) return rfail(r, AION_ERR_NOMEM, "out of memory");
        r->head = nh;
    }
    for (int b = 0; b < nbt; b++) r->head[b] = -1;
    for (int s = 0; s < r->o.n_sites; s++) {
        int b = 0;
        for (int k = 0; k < 3; k++) {
            double v = r->site[s][k] + dF[k];
            v -= floor(v);
            r->sf[s][k] = v;
            int c = (int)(v * r->nb[k]);
            if (c >= r->nb[k]) c = r->nb[k] - 1;
            b = b * r->nb[k] + c;
        }
        r->next[s] = r->head[b];
        r->head[b] = s;
    }
    const long now = r->nused;
    for (int q = 0; q < r->n_ion; q++) {
        const double *p = f->pos[r->perm[r->ion[q]]];
        double fr[3];
        int c[3];
        for (int k = 0; k < 3; k++) {
            fr[k] = p[0] * inv[0][k] + p[1] * inv[1][k] + p[2] * inv[2][k];
            fr[k] -= floor(fr[k]);
            c[k] = (int)(fr[k] * r->nb[k]);
            if (c[k] >= r->nb[k]) c[k] = r->nb[k] - 1;
        }
        int best = -1;
        double bd = rs2;
        int lo[3], hi[3];
        for (int k = 0; k < 3; k++) {
            if (r->nb[k] < 3) {
                lo[k] = 0;
                hi[k] = r->nb[k] - 1;
            } else {
                lo[k] = c[k] - 1;
                hi[k] = c[k] + 1;
            }
        }
        for (int a = lo[0]; a <= hi[0]; a++)
            for (int b = lo[1]; b <= hi[1]; b++)
                for (int e = lo[2]; e <= hi[2]; e++) {
                    int ia = (a + r->nb[0]) % r->nb[0], ib = (b + r->nb[1]) % r->nb[1], ie = (e + r->nb[2]) % r->nb[2];
                    for (int s = r->head[(ia * r->nb[1] + ib) * r->nb[2] + ie]; s >= 0; s = r->next[s]) {
                        double df[3], d[3];
                        for (int k = 0; k < 3; k++) {
                            df[k] = r->sf[s][k] - fr[k];
                            df[k] -= nearbyint(df[k]);
                        }
                        for (int k = 0; k < 3; k++)
                            d[k] = df[0] * f->cell[0][k] + df[1] * f->cell[1][k] + df[2] * f->cell[2][k];
                        double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                        if (r2 < bd || (r2 == bd && best >= 0 && s < best)) {
                            bd = r2;
                            best = s;
                        }
                    }
                }
        if (best >= 0) r->occ[best] += 1.0;
        else r->between++;
        if (now == 0) {
            r->cur[q] = best;
            r->entry[q] = 0;
            r->left[q] = best >= 0;
            continue;
        }
        int change = r->o.strict ? best != r->cur[q] : (best >= 0 && best != r->cur[q]);
        if (!change) continue;
        if ((st = close_stay(r, q, now))) return st;
        r->cur[q] = best;
        r->left[q] = 0;
        r->entry[q] = now;
        if (best >= 0) r->entries[best]++;
    }
    r->ion_frames += r->n_ion;
    r->nused++;
    return AION_OK;
}

aion_status aion_residence_read(aion_residence *r, aion_reader *rd)
{
    aion_frame f;
    aion_status st;
    if (!r || !rd) return AION_ERR_INVALID;
    aion_frame_init(&f);
    while (!r->done && (st = aion_reader_next(rd, &f)) == AION_OK)
        if ((st = aion_residence_add(r, &f))) goto out;
    if (r->done) st = AION_OK;
    if (st == AION_EOF) st = AION_OK;
    else if (st) rfail(r, st, "%s", aion_reader_errmsg(rd));
out:
    aion_frame_free(&f);
    return st;
}

/* Kaplan–Meier with per-ion weights: S[k] = P(X > k), k = 0..K; returns the
 * restricted mean Σ_{k<K} S[k] (frames); *K_out = longest observation;
 * *restricted = 1 when S[K] > 0. ev, ce: scratch of T+1. Also the geometric MLE
 * (d + S)/d. */
static double km(const stay *s, size_t n, const double *wion, long T, double *ev, double *ce, double *S, long *K_out,
                 int *restricted, double *mle, double *d_out)
{
    memset(ev, 0, sizeof(double) * (size_t)(T + 1));
    memset(ce, 0, sizeof(double) * (size_t)(T + 1));
    long K = 0;
    double d = 0, sum = 0;
    for (size_t q = 0; q < n; q++) {
        double w = wion ? wion[s[q].ion] : 1.0;
        if (w == 0) continue;
        if (s[q].censored) {
            long c = s[q].len - 1; /* survived past c */
            ce[c] += w;
            if (c > K) K = c;
        } else {
            ev[s[q].len] += w;
            d += w;
            if (s[q].len > K) K = s[q].len;
        }
        sum += w * (double)(s[q].len - 1);
    }
    double risk = 0;
    for (long k = 0; k <= K; k++) risk += ev[k] + ce[k];
    double surv = 1.0, mean = 0.0;
    for (long k = 0; k <= K; k++) {
        /* at risk at k: stays with X >= k (events at >= k, censored past >= k) */
        if (k > 0 && risk > 0) surv *= 1.0 - ev[k] / risk;
        if (S) S[k] = surv;
        if (k < K) mean += surv;
        risk -= ev[k] + ce[k];
    }
    *K_out = K;
    *restricted = surv > 1e-12;
    *mle = d > 0 ? (d + sum) / d : NAN;
    *d_out = d;
    return mean;
}

static unsigned long long splitmix(unsigned long long *x)
{
    unsigned long long z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

aion_status aion_residence_finish(aion_residence *r)
{
    aion_status st;
    double *ev = NULL, *ce = NULL, *wion = NULL, *bkm = NULL;
    if (!r) return AION_ERR_INVALID;
    if (r->finished) return AION_OK;
    if (!r->started || r->nused < 2) return rfail(r, AION_ERR_INVALID, "residence: fewer than 2 frames used");
    if (!r->have_time)
        return rfail(r, AION_ERR_INVALID, "frames carry no time: give dt_fs (--dt) or step_fs (--timestep)");
    r->finished = 1;
    const long T = r->nused;
    for (int q = 0; q < r->n_ion; q++) {
        if (r->cur[q] < 0) continue;
        if (r->left[q]) r->n_left++;
        else if ((st = push_stay(r, q, T - r->entry[q], 1))) return st;
    }
    aion_residence_result *o = &r->res;
    memset(o, 0, sizeof *o);
    o->n_frames = T;
    o->dt_fs = r->dt;
    o->n_ions = r->n_ion;
    o->n_sites = r->o.n_sites;
    o->n_left = r->n_left;
    for (size_t q = 0; q < r->n_st; q++) {
        if (r->st[q].censored) o->n_censored++;
        else o->n_complete++;
    }
    o->f_between = r->ion_frames > 0 ? (double)r->between / (double)r->ion_frames : 0;
    ev = malloc(sizeof(double) * (size_t)(T + 1));
    ce = malloc(sizeof(double) * (size_t)(T + 1));
    r->surv = malloc(sizeof(double) * (size_t)(T + 1));
    r->hist = calloc((size_t)(T + 1), sizeof(long));
    r->site_occ = malloc(sizeof(double) * (size_t)r->o.n_sites);
    wion = malloc(sizeof(double) * (size_t)r->n_ion);
    bkm = malloc(sizeof(double) * (size_t)r->o.n_boot);
    if (!ev || !ce || !r->surv || !r->hist || !r->site_occ || !wion || !bkm) {
        st = rfail(r, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int s = 0; s < r->o.n_sites; s++) r->site_occ[s] = r->occ[s] / (double)T;
    double sum = 0, sum2 = 0;
    for (size_t q = 0; q < r->n_st; q++)
        if (!r->st[q].censored) {
            r->hist[r->st[q].len]++;
            sum += (double)r->st[q].len;
            sum2 += (double)r->st[q].len * (double)r->st[q].len;
        }
    const double dt = r->dt;
    if (o->n_complete > 0) {
        double m = sum / (double)o->n_complete, var = o->n_complete > 1 ? (sum2 - m * sum) / (double)(o->n_complete - 1) : NAN;
        o->naive_mean_fs = m * dt;
        o->naive_err_fs = sqrt(var / (double)o->n_complete) * dt;
    } else {
        o->naive_mean_fs = o->naive_err_fs = NAN;
    }
    long K;
    int restricted;
    double mle, d;
    double kmm = km(r->st, r->n_st, NULL, T, ev, ce, r->surv, &K, &restricted, &mle, &d);
    r->n_surv = (int)(K + 1);
    o->n_surv = r->n_surv;
    o->survival = r->surv;
    o->km_mean_fs = r->n_st ? kmm * dt : NAN;
    o->km_restricted = restricted;
    o->mle_mean_fs = mle * dt;
    if (d > 0) {
        double p = 1.0 / mle;
        o->mle_err_fs = sqrt((1.0 - p) / d) / p * dt;
    } else {
        o->mle_err_fs = NAN;
    }
    /* bootstrap over ions */
    unsigned long long seed = r->o.seed;
    double bs = 0, bs2 = 0, ms = 0, ms2 = 0;
    int nb = 0, nmle = 0;
    for (int b = 0; b < r->o.n_boot && r->n_st; b++) {
        memset(wion, 0, sizeof(double) * (size_t)r->n_ion);
        for (int q = 0; q < r->n_ion; q++) wion[splitmix(&seed) % (unsigned long long)r->n_ion] += 1.0;
        long Kb;
        int rb;
        double mb, db;
        double v = km(r->st, r->n_st, wion, T, ev, ce, NULL, &Kb, &rb, &mb, &db);
        bkm[nb++] = v * dt;
        bs += v * dt;
        bs2 += v * dt * v * dt;
        if (db > 0) {
            ms += mb * dt;
            ms2 += mb * dt * mb * dt;
            nmle++;
        }
    }
    if (nb > 1) {
        double m = bs / nb;
        o->km_mean_err_fs = sqrt(fmax(0, (bs2 - nb * m * m) / (nb - 1)));
        qsort(bkm, (size_t)nb, sizeof(double), cmp_double);
        o->km_lo_fs = bkm[(int)floor(0.025 * (nb - 1))];
        o->km_hi_fs = bkm[(int)ceil(0.975 * (nb - 1))];
    } else {
        o->km_mean_err_fs = o->km_lo_fs = o->km_hi_fs = NAN;
    }
    if (nmle > 1) {
        double m = ms / nmle;
        o->mle_boot_err_fs = sqrt(fmax(0, (ms2 - nmle * m * m) / (nmle - 1)));
    } else {
        o->mle_boot_err_fs = NAN;
    }
    o->complete_hist = r->hist;
    o->site_occupancy = r->site_occ;
    o->site_entries = r->entries;
    st = AION_OK;
done:
    free(ev);
    free(ce);
    free(wion);
    free(bkm);
    return st;
}

aion_status aion_residence_get(const aion_residence *r, aion_residence_result *out)
{
    if (!r || !out) return AION_ERR_INVALID;
    if (!r->finished || !r->surv) return AION_ERR_INVALID;
    *out = r->res;
    return AION_OK;
}

/* --- sites from the density ------------------------------------------------- */

struct aion_sitefind {
    aion_sitefind_opts o;
    aion_error err;
    int n[3];
    double *h;          /* counts on the grid */
    double cell[3][3];  /* sum of cells (mean at the end) */
    long frames, nread;
    double (*sites)[3];
};

aion_status aion_sitefind_create(aion_sitefind **out, const aion_sitefind_opts *o, aion_error *err)
{
    *out = NULL;
    if (!o || o->z_ion < 1 || o->z_ion > AION_MAX_Z) return aion_err_set(err, AION_ERR_INVALID, "sitefind: no species");
    aion_sitefind *s = calloc(1, sizeof *s);
    if (!s) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    s->o = *o;
    if (!(s->o.grid_A > 0)) s->o.grid_A = 0.2;
    if (!(s->o.min_dist_A > 0)) s->o.min_dist_A = 1.5;
    if (!(s->o.min_rel > 0)) s->o.min_rel = 2.0;
    if (s->o.stride <= 0) s->o.stride = 1;
    *out = s;
    return AION_OK;
}

void aion_sitefind_free(aion_sitefind *s)
{
    if (!s) return;
    free(s->h);
    free(s->sites);
    free(s);
}

const char *aion_sitefind_errmsg(const aion_sitefind *s) { return s ? s->err.msg : ""; }

aion_status aion_sitefind_add(aion_sitefind *s, const aion_frame *f)
{
    if (!s || !f) return AION_ERR_INVALID;
    if (s->nread++ % s->o.stride) return AION_OK;
    if (!((f->has & AION_HAS_CELL) && f->pbc[0] && f->pbc[1] && f->pbc[2]))
        return aion_err_set(&s->err, AION_ERR_INVALID, "sitefind: frames need a 3-D periodic cell");
    double inv[3][3];
    if (aion_cell_inverse(f->cell, inv)) return aion_err_set(&s->err, AION_ERR_INVALID, "sitefind: singular cell");
    if (!s->h) {
        size_t tot = 1;
        for (int k = 0; k < 3; k++) {
            double len = sqrt(f->cell[k][0] * f->cell[k][0] + f->cell[k][1] * f->cell[k][1] + f->cell[k][2] * f->cell[k][2]);
            int n = (int)ceil(len / s->o.grid_A);
            if (n < 4) n = 4;
            if (n > 256) n = 256;
            s->n[k] = n;
            tot *= (size_t)n;
        }
        s->h = calloc(tot, sizeof(double));
        if (!s->h) return aion_err_set(&s->err, AION_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < f->n; i++) {
        if (f->z[i] != s->o.z_ion) continue;
        int c[3];
        for (int k = 0; k < 3; k++) {
            double v = f->pos[i][0] * inv[0][k] + f->pos[i][1] * inv[1][k] + f->pos[i][2] * inv[2][k];
            v -= floor(v);
            c[k] = (int)(v * s->n[k]);
            if (c[k] >= s->n[k]) c[k] = s->n[k] - 1;
        }
        s->h[((size_t)c[0] * s->n[1] + c[1]) * s->n[2] + c[2]] += 1.0;
    }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) s->cell[a][b] += f->cell[a][b];
    s->frames++;
    return AION_OK;
}

typedef struct peak {
    double v;
    int idx;
} peak;

static int cmp_peak(const void *a, const void *b)
{
    const peak *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? 1 : -1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

int aion_sitefind_get(aion_sitefind *s, const double (**site_frac)[3])
{
    if (!s || !s->frames || !s->h) return -1;
    const int n0 = s->n[0], n1 = s->n[1], n2 = s->n[2];
    const size_t tot = (size_t)n0 * n1 * n2;
    double h[3][3];
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) h[a][b] = s->cell[a][b] / (double)s->frames;
    double *A = malloc(sizeof(double) * tot), *B = malloc(sizeof(double) * tot);
    peak *pk = NULL;
    int np = 0, ns = 0;
    if (!A || !B) goto nomem;
    memcpy(A, s->h, sizeof(double) * tot);
    /* separable periodic Gaussian along each lattice direction, σ = grid_A */
    for (int k = 0; k < 3; k++) {
        double len = sqrt(h[k][0] * h[k][0] + h[k][1] * h[k][1] + h[k][2] * h[k][2]);
        int n = s->n[k];
        double sig = s->o.grid_A / (len / n);
        int R = (int)ceil(3 * sig);
        if (R > n / 2) R = n / 2;
        double ker[257], norm = 0;
        for (int m = -R; m <= R; m++) norm += ker[m + R] = exp(-0.5 * m * m / (sig * sig));
        for (int m = 0; m <= 2 * R; m++) ker[m] /= norm;
        int st[3] = {n1 * n2, n2, 1};
        for (size_t q = 0; q < tot; q++) {
            int c = (int)(q / (size_t)st[k] % (size_t)n);
            double v = 0;
            for (int m = -R; m <= R; m++) {
                int cc = ((c + m) % n + n) % n;
                v += ker[m + R] * A[q + (size_t)((long)(cc - c) * st[k])];
            }
            B[q] = v;
        }
        double *t = A;
        A = B;
        B = t;
    }
    double mean = 0;
    for (size_t q = 0; q < tot; q++) mean += A[q];
    mean /= (double)tot;
    pk = malloc(sizeof *pk * tot);
    if (!pk) goto nomem;
    for (int a = 0; a < n0; a++)
        for (int b = 0; b < n1; b++)
            for (int c = 0; c < n2; c++) {
                size_t q = ((size_t)a * n1 + b) * n2 + c;
                double v = A[q];
                if (!(v > s->o.min_rel * mean)) continue;
                int is_max = 1;
                for (int da = -1; da <= 1 && is_max; da++)
                    for (int db = -1; db <= 1 && is_max; db++)
                        for (int dc = -1; dc <= 1 && is_max; dc++) {
                            if (!da && !db && !dc) continue;
                            size_t p = ((size_t)((a + da + n0) % n0) * n1 + (size_t)((b + db + n1) % n1)) * n2 +
                                       (size_t)((c + dc + n2) % n2);
                            if (A[p] > v || (A[p] == v && p < q)) is_max = 0;
                        }
                if (is_max) pk[np++] = (peak){v, (int)q};
            }
    qsort(pk, (size_t)np, sizeof *pk, cmp_peak);
    free(s->sites);
    s->sites = malloc(sizeof *s->sites * (size_t)(np ? np : 1));
    if (!s->sites) goto nomem;
    for (int p = 0; p < np; p++) {
        int a = pk[p].idx / (n1 * n2), b = pk[p].idx / n2 % n1, c = pk[p].idx % n2;
        /* sub-grid centre: log-parabola through the maximum and its two
         * neighbours along each axis (exact for a Gaussian peak) */
        const int c3[3] = {a, b, c};
        double fc[3];
        for (int k = 0; k < 3; k++) {
            int lo[3] = {a, b, c}, hi[3] = {a, b, c};
            lo[k] = (c3[k] - 1 + s->n[k]) % s->n[k];
            hi[k] = (c3[k] + 1) % s->n[k];
            double ym = A[((size_t)lo[0] * n1 + lo[1]) * n2 + lo[2]], y0 = pk[p].v,
                   yp = A[((size_t)hi[0] * n1 + hi[1]) * n2 + hi[2]];
            double off = 0;
            if (ym > 0 && yp > 0) {
                double lm = log(ym), l0 = log(y0), lp = log(yp), den = lm - 2 * l0 + lp;
                if (den < 0) off = 0.5 * (lm - lp) / den;
            }
            if (off > 0.5) off = 0.5;
            if (off < -0.5) off = -0.5;
            fc[k] = (c3[k] + 0.5 + off) / s->n[k];
            fc[k] -= floor(fc[k]);
        }
        int keep = 1;
        for (int q = 0; q < ns && keep; q++) {
            double df[3], d[3];
            for (int k = 0; k < 3; k++) {
                df[k] = s->sites[q][k] - fc[k];
                df[k] -= nearbyint(df[k]);
            }
            for (int k = 0; k < 3; k++) d[k] = df[0] * h[0][k] + df[1] * h[1][k] + df[2] * h[2][k];
            if (d[0] * d[0] + d[1] * d[1] + d[2] * d[2] < s->o.min_dist_A * s->o.min_dist_A) keep = 0;
        }
        if (keep) memcpy(s->sites[ns++], fc, sizeof fc);
    }
    free(A);
    free(B);
    free(pk);
    if (site_frac) *site_frac = (const double(*)[3])s->sites;
    return ns;
nomem:
    free(A);
    free(B);
    free(pk);
    aion_err_set(&s->err, AION_ERR_NOMEM, "out of memory");
    return -1;
}
