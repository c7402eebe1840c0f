/*
 * Extrapolation grade of a Moment Tensor Potential: MaxVol active set
 * (Podryabinkin & Shapeev, Comput. Mater. Sci. 140, 171 (2017),
 * doi:10.1016/j.commatsci.2017.07.010; Goreinov et al., "How to find a good
 * submatrix" (2010) for the MaxVol iteration).
 *
 * Rows: site-energy derivatives with respect to the linear parameters,
 *   x_i = (onehot(z_i), B_1(n_i), ..., B_m(n_i))            (P = C + m columns).
 * Column scaling s_c = 1/RMS of column c over the training sites; the scaled
 * rows are projected on their q-dimensional row space (right singular vectors
 * with sigma > rcond sigma_max), T = diag(s) V_q (P x q), y_i = x_i T. This
 * removes exact linear dependences among the basis functions (the level-16
 * basis has rank 91 of 92), which would make every square submatrix singular.
 * MaxVol picks q training sites (rows of Y) with locally maximal |det A|:
 * start from a column-pivoted QR of Y^T, then swap while some |(Y A^-1)_ij| >
 * 1 + tol (each swap multiplies |det A| by that factor). The grade of any
 * site is gamma = max_j |(x T A^-1)_j|; for a training site it is <= 1 + tol.
 *
 * .als file (text, one number per token):
 *   AION_ACTIVE_SET 1
 *   potential_hash <16 hex digits>   (radial basis and coefficients)
 *   species_count C  basis_size m  rank q  rcond r  sites N
 *   T  (P rows of q numbers)
 *   A_inv  (q rows of q numbers)
 *   active  (q lines: configuration index, atom index; 0-based, training file order)
 */
#include "neighbor/nlist.h"
#include "train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define ALS_MAGIC "AION_ACTIVE_SET"

void aion_mtp_grade_opts_init(aion_mtp_grade_opts *o)
{
    memset(o, 0, sizeof *o);
    o->rcond = 1e-9;
    o->maxvol_tol = 1e-3;
    o->max_swaps = 100000;
}

struct aion_mtp_grade {
    mtp_model model;
    mtp_tplan tp;
    int C, m, P, q;
    int zmap[AION_MAX_Z + 1];
    double *T;      /* P x q, row-major */
    double *Ainv;   /* q x q, row-major */
    double *M;      /* T Ainv, P x q */
    aion_nlist *nl;
    int nth;
    mtp_tws *ws;
    double *xrow;   /* nth x P */
    aion_error err;
};

static uint64_t model_hash(const mtp_model *m)
{
    uint64_t h = 1469598103934665603ULL;
    const double v[4] = {m->min_dist, m->max_dist, m->scaling, (double)m->nscalar};
    const unsigned char *p = (const unsigned char *)v;
    size_t nr = (size_t)m->nspecies * (size_t)m->nspecies * (size_t)m->nradial * (size_t)m->rb_size;
    for (size_t k = 0; k < sizeof v; k++) h = (h ^ p[k]) * 1099511628211ULL;
    p = (const unsigned char *)m->radial;
    for (size_t k = 0; m->radial && k < nr * sizeof(double); k++) h = (h ^ p[k]) * 1099511628211ULL;
    p = (const unsigned char *)m->mapping;
    for (size_t k = 0; k < (size_t)m->nscalar * sizeof(int); k++) h = (h ^ p[k]) * 1099511628211ULL;
    return h;
}

static int nthreads_of(int n)
{
#ifdef _OPENMP
    return n > 0 ? n : omp_get_max_threads();
#else
    (void)n;
    return 1;
#endif
}

static int tid(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Site rows (C one-hot + basis values) of every atom of configuration c into X (row-major, P columns). */
static int cfg_site_rows(const mtp_tplan *tp, const mtp_model *m, const tr_cfg *c, int C, double *X, mtp_tws *w)
{
    const int P = C + tp->nscalar;
    if (!mtp_tws_reserve(w, tp, c->maxnn, 0)) return 0;
    for (int i = 0; i < c->n; i++) {
        const int o = c->off[i], nn = c->off[i + 1] - o;
        double *x = X + (size_t)i * P;
        memset(x, 0, (size_t)C * sizeof *x);
        x[c->spec[i]] = 1.0;
        mtp_site_basis(tp, m, c->spec[i], nn, c->zj + o, (const double (*)[3])c->d + o, x + C, NULL, NULL, w);
    }
    return 1;
}

static aion_status read_model(const char *path, const int *species_z, int n_species, mtp_model *m, int *zmap,
                              aion_error *err)
{
    aion_status st;
    if ((st = mtp_model_read(path, m, err))) return st;
    if (!mtp_model_is_trained(m)) return aion_err_set(err, AION_ERR_INVALID, "%s: untrained potential", path);
    if (!species_z || n_species != m->nspecies)
        return aion_err_set(err, AION_ERR_INVALID, "%s: the potential has %d species; give their elements (--species)",
                            path, m->nspecies);
    for (int z = 0; z <= AION_MAX_Z; z++) zmap[z] = -1;
    for (int s = 0; s < n_species; s++) {
        if (species_z[s] < 1 || species_z[s] > AION_MAX_Z || zmap[species_z[s]] >= 0)
            return aion_err_set(err, AION_ERR_INVALID, "invalid or repeated species %d", species_z[s]);
        zmap[species_z[s]] = s;
    }
    return AION_OK;
}

/* q x q inverse (row-major in and out) by LU; returns 0 on success. */
static int invert(const double *A, int q, double *Ainv)
{
    int info = 0, lwork = q * 64;
    int *ipiv = malloc((size_t)q * sizeof *ipiv);
    double *work = malloc((size_t)lwork * sizeof *work);
    if (!ipiv || !work) {
        free(ipiv);
        free(work);
        return -1;
    }
    /* row-major A is column-major A^T; inv(A^T) = inv(A)^T: same trick back */
    memcpy(Ainv, A, (size_t)q * (size_t)q * sizeof *Ainv);
    dgetrf_(&q, &q, Ainv, &q, ipiv, &info);
    if (!info) dgetri_(&q, Ainv, &q, ipiv, work, &lwork, &info);
    free(ipiv);
    free(work);
    return info;
}

/* C = Y A^-1 for rows Y (n x q) */
static void rows_times(const double *Y, long n, int q, const double *Ainv, double *Cm, int nth)
{
#pragma omp parallel for schedule(static) num_threads(nth)
    for (long i = 0; i < n; i++) {
        const double *y = Y + (size_t)i * q;
        double *c = Cm + (size_t)i * q;
        for (int j = 0; j < q; j++) c[j] = 0;
        for (int k = 0; k < q; k++) {
            const double yk = y[k], *a = Ainv + (size_t)k * q;
            for (int j = 0; j < q; j++) c[j] += yk * a[j];
        }
    }
}

/* Largest |C_ij| over rows (ties: first); returns the value. */
static double argmax_abs(const double *Cm, long n, int q, long *bi, int *bj)
{
    double best = -1;
    for (long i = 0; i < n; i++)
        for (int j = 0; j < q; j++) {
            double v = fabs(Cm[(size_t)i * q + j]);
            if (v > best) {
                best = v;
                *bi = i;
                *bj = j;
            }
        }
    return best;
}

/* MaxVol rank-1 update after row r (coefficients c_r = Cm[r]) replaces active row j:
 * Ainv' = Ainv - (Ainv e_j)(c_r - e_j)^T / c_rj ;  C' = C - C[:, j] (c_r - e_j)^T / c_rj. */
static void swap_update(double *Ainv, double *Cm, long n, int q, const double *cr_in, int j, int nth)
{
    double *cr = malloc((size_t)q * sizeof *cr), *aj = malloc((size_t)q * sizeof *aj);
    if (!cr || !aj) {
        free(cr);
        free(aj);
        return;
    }
    memcpy(cr, cr_in, (size_t)q * sizeof *cr);
    const double piv = cr[j];
    cr[j] -= 1.0;
    for (int k = 0; k < q; k++) aj[k] = Ainv[(size_t)k * q + j];
    for (int k = 0; k < q; k++) {
        double f = aj[k] / piv;
        for (int l = 0; l < q; l++) Ainv[(size_t)k * q + l] -= f * cr[l];
    }
    if (Cm) {
#pragma omp parallel for schedule(static) num_threads(nth)
        for (long i = 0; i < n; i++) {
            double f = Cm[(size_t)i * q + j] / piv;
            if (f == 0) continue;
            for (int l = 0; l < q; l++) Cm[(size_t)i * q + l] -= f * cr[l];
        }
    }
    free(cr);
    free(aj);
}

aion_status aion_mtp_active_set_build(const char *mtp_path, const int *species_z, int n_species,
                                      const aion_frame *frames, int nframes, const char *als_path,
                                      const aion_mtp_grade_opts *opts, aion_error *err)
{
    aion_mtp_grade_opts o;
    mtp_model m;
    mtp_tplan tp;
    tr_cfg *cfg = NULL;
    int zmap[AION_MAX_Z + 1], C = n_species, P = 0, q = 0, nth, bad = 0;
    long N = 0, *first = NULL;
    double *X = NULL, *Y = NULL, *s = NULL, *T = NULL, *A = NULL, *Ainv = NULL, *Cm = NULL;
    long *sel = NULL;
    aion_status st = AION_OK;
    mtp_tws *ws = NULL;
    FILE *fp = NULL;
    char tmp[4200];
    if (opts) o = *opts;
    else aion_mtp_grade_opts_init(&o);
    nth = nthreads_of(o.nthreads);
    mtp_model_init(&m);
    memset(&tp, 0, sizeof tp);
    tmp[0] = 0;
    if ((st = read_model(mtp_path, species_z, n_species, &m, zmap, err))) goto done;
    if ((st = mtp_tplan_build(&tp, &m, err))) goto done;
    P = C + m.nscalar;
    cfg = aion_calloc((size_t)nframes + 1, sizeof *cfg);
    first = aion_calloc((size_t)nframes + 1, sizeof *first);
    ws = aion_calloc((size_t)nth, sizeof *ws);
    if (!cfg || !first || !ws) goto nomem;
    for (int k = 0; k < nframes; k++) {
        if ((st = tr_cfg_build(&cfg[k], &frames[k], zmap, m.max_dist, k, err))) goto done;
        first[k] = N;
        N += cfg[k].n;
    }
    first[nframes] = N;
    if (N < 1) {
        st = aion_err_set(err, AION_ERR_INVALID, "active set: no atoms in the training set");
        goto done;
    }
    X = aion_calloc((size_t)N * (size_t)P, sizeof *X);
    s = aion_calloc((size_t)P, sizeof *s);
    if (!X || !s) goto nomem;
#pragma omp parallel for schedule(dynamic, 4) num_threads(nth)
    for (int k = 0; k < nframes; k++)
        if (!cfg_site_rows(&tp, &m, &cfg[k], C, X + (size_t)first[k] * P, &ws[tid()])) {
#pragma omp atomic write
            bad = 1;
        }
    if (bad) goto nomem;
    /* column scaling */
    for (int c = 0; c < P; c++) {
        double ss = 0;
        for (long i = 0; i < N; i++) ss += X[(size_t)i * P + c] * X[(size_t)i * P + c];
        s[c] = ss > 0 ? 1.0 / sqrt(ss / (double)N) : 1.0;
    }
    {
        /* row space of the scaled rows: R of a TSQR (blocks of rows), then the SVD of R */
        const int blk = 4096;
        double *R = aion_calloc((size_t)P * P, sizeof *R), *Rb = aion_calloc((size_t)P * P, sizeof *Rb), *Ab = NULL;
        int have = 0;
        if (!R || !Rb) {
            free(R);
            free(Rb);
            goto nomem;
        }
        for (long i0 = 0; i0 < N; i0 += blk) {
            long i1 = AION_MIN(N, i0 + blk);
            int rows = (int)AION_MAX(i1 - i0, (long)P);
            Ab = aion_calloc((size_t)rows * P, sizeof *Ab);
            if (!Ab) break;
            for (long i = i0; i < i1; i++)
                for (int c = 0; c < P; c++) Ab[(size_t)c * rows + (size_t)(i - i0)] = X[(size_t)i * P + c] * s[c];
            if (tr_qr_r(Ab, rows, P, rows, have ? Rb : R)) bad = 2;
            else if (have && tr_qr_merge(R, Rb, P)) bad = 2;
            have = 1;
            free(Ab);
            Ab = NULL;
            if (bad) break;
        }
        if (!bad && have) {
            /* SVD of R (column-major P x P): R = U S V^T */
            double *sv = aion_calloc((size_t)P, sizeof *sv), *vt = aion_calloc((size_t)P * P, sizeof *vt), wq = 0, *work;
            int info = 0, lwork = -1, one = 1;
            if (!sv || !vt) bad = 1;
            else {
                dgesvd_("N", "A", &P, &P, R, &P, sv, NULL, &one, vt, &P, &wq, &lwork, &info);
                lwork = info == 0 && wq > 5 * P ? (int)wq : 10 * P;
                work = malloc((size_t)lwork * sizeof *work);
                if (!work) bad = 1;
                else {
                    dgesvd_("N", "A", &P, &P, R, &P, sv, NULL, &one, vt, &P, work, &lwork, &info);
                    free(work);
                    if (info) bad = 2;
                }
            }
            if (!bad) {
                for (q = 0; q < P && sv[q] > o.rcond * sv[0]; q++) {
                }
                T = aion_calloc((size_t)P * (size_t)(q ? q : 1), sizeof *T);
                if (!T) bad = 1;
                else
                    /* V_q columns = first q rows of V^T (column-major vt: element (k, c) at vt[c*P + k]) */
                    for (int c = 0; c < P; c++)
                        for (int k = 0; k < q; k++) T[(size_t)c * q + k] = s[c] * vt[(size_t)c * P + k];
            }
            free(sv);
            free(vt);
        }
        free(R);
        free(Rb);
        if (bad == 1) goto nomem;
        if (bad) {
            st = aion_err_set(err, AION_ERR_NUMERIC, "active set: factorisation failed");
            goto done;
        }
    }
    if (q < 1 || N < q) {
        st = aion_err_set(err, AION_ERR_INVALID, "active set: %ld training sites for rank %d", N, q);
        goto done;
    }
    /* reduced rows Y = X T (N x q), overwriting the front of X is unsafe: new array */
    Y = aion_calloc((size_t)N * (size_t)q, sizeof *Y);
    if (!Y) goto nomem;
#pragma omp parallel for schedule(static) num_threads(nth)
    for (long i = 0; i < N; i++)
        for (int c = 0; c < P; c++) {
            double xc = X[(size_t)i * P + c];
            if (xc == 0) continue;
            for (int k = 0; k < q; k++) Y[(size_t)i * q + k] += xc * T[(size_t)c * q + k];
        }
    free(X);
    X = NULL;
    /* initial active set: column-pivoted QR of Y^T (q x N, column-major = Y row-major) */
    sel = aion_calloc((size_t)q, sizeof *sel);
    A = aion_calloc((size_t)q * q, sizeof *A);
    Ainv = aion_calloc((size_t)q * q, sizeof *Ainv);
    if (!sel || !A || !Ainv) goto nomem;
    {
        double *Yt = malloc((size_t)N * q * sizeof *Yt), *tau = malloc((size_t)q * sizeof *tau), wq = 0, *work = NULL;
        int *jp = calloc((size_t)N, sizeof *jp), info = 0, lwork = -1, Ni = (int)N;
        if (!Yt || !tau || !jp || N > 0x7fffffffL) {
            free(Yt);
            free(tau);
            free(jp);
            goto nomem;
        }
        memcpy(Yt, Y, (size_t)N * q * sizeof *Yt);
        dgeqp3_(&q, &Ni, Yt, &q, jp, tau, &wq, &lwork, &info);
        lwork = info == 0 && wq > 3 * N ? (int)wq : 3 * Ni + 64;
        work = malloc((size_t)lwork * sizeof *work);
        if (work) dgeqp3_(&q, &Ni, Yt, &q, jp, tau, work, &lwork, &info);
        for (int k = 0; k < q; k++) sel[k] = jp[k] - 1;
        free(Yt);
        free(tau);
        free(jp);
        if (!work) goto nomem;
        free(work);
        if (info) {
            st = aion_err_set(err, AION_ERR_NUMERIC, "active set: pivoted QR failed");
            goto done;
        }
    }
    for (int k = 0; k < q; k++) memcpy(A + (size_t)k * q, Y + (size_t)sel[k] * q, (size_t)q * sizeof *A);
    if (invert(A, q, Ainv)) {
        st = aion_err_set(err, AION_ERR_NUMERIC, "active set: singular initial active set (rank %d)", q);
        goto done;
    }
    /* MaxVol iterations */
    Cm = aion_calloc((size_t)N * q, sizeof *Cm);
    if (!Cm) goto nomem;
    rows_times(Y, N, q, Ainv, Cm, nth);
    for (int it = 0; it < o.max_swaps; it++) {
        long bi = 0;
        int bj = 0;
        double v = argmax_abs(Cm, N, q, &bi, &bj);
        if (v <= 1.0 + o.maxvol_tol) break;
        double *cr = malloc((size_t)q * sizeof *cr);
        if (!cr) goto nomem;
        memcpy(cr, Cm + (size_t)bi * q, (size_t)q * sizeof *cr);
        swap_update(Ainv, Cm, N, q, cr, bj, nth);
        free(cr);
        sel[bj] = bi;
        /* refresh from scratch now and then (rounding) */
        if (it % 200 == 199) {
            for (int k = 0; k < q; k++) memcpy(A + (size_t)k * q, Y + (size_t)sel[k] * q, (size_t)q * sizeof *A);
            if (invert(A, q, Ainv)) {
                st = aion_err_set(err, AION_ERR_NUMERIC, "active set: singular active set");
                goto done;
            }
            rows_times(Y, N, q, Ainv, Cm, nth);
        }
    }
    for (int k = 0; k < q; k++) memcpy(A + (size_t)k * q, Y + (size_t)sel[k] * q, (size_t)q * sizeof *A);
    if (invert(A, q, Ainv)) {
        st = aion_err_set(err, AION_ERR_NUMERIC, "active set: singular active set");
        goto done;
    }
    /* write */
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", als_path, (long)getpid());
    fp = fopen(tmp, "w");
    if (!fp) {
        st = aion_err_set(err, AION_ERR_IO, "%s: %s", tmp, strerror(errno));
        goto done;
    }
    fprintf(fp, "%s 1\npotential_hash %016llx\nspecies_count %d\nbasis_size %d\nrank %d\nrcond %.17g\nsites %ld\nT\n",
            ALS_MAGIC, (unsigned long long)model_hash(&m), C, m.nscalar, q, o.rcond, N);
    for (int c = 0; c < P; c++)
        for (int k = 0; k < q; k++) fprintf(fp, "%.17g%c", T[(size_t)c * q + k], k == q - 1 ? '\n' : ' ');
    fputs("A_inv\n", fp);
    for (int r = 0; r < q; r++)
        for (int k = 0; k < q; k++) fprintf(fp, "%.17g%c", Ainv[(size_t)r * q + k], k == q - 1 ? '\n' : ' ');
    fputs("active\n", fp);
    for (int k = 0; k < q; k++) {
        int cf = 0;
        while (cf + 1 <= nframes && first[cf + 1] <= sel[k]) cf++;
        fprintf(fp, "%d %ld\n", cf, sel[k] - first[cf]);
    }
    if (fclose(fp) != 0 || rename(tmp, als_path)) {
        fp = NULL;
        remove(tmp);
        st = aion_err_set(err, AION_ERR_IO, "%s: cannot write", als_path);
        goto done;
    }
    fp = NULL;
    goto done;
nomem:
    st = aion_err_set(err, AION_ERR_NOMEM, "active set: out of memory");
done:
    if (fp) {
        fclose(fp);
        remove(tmp);
    }
    if (cfg)
        for (int k = 0; k < nframes; k++) tr_cfg_free(&cfg[k]);
    free(cfg);
    free(first);
    if (ws)
        for (int t = 0; t < nth; t++) mtp_tws_free(&ws[t]);
    free(ws);
    free(X);
    free(Y);
    free(s);
    free(T);
    free(A);
    free(Ainv);
    free(Cm);
    free(sel);
    mtp_tplan_free(&tp);
    mtp_model_free(&m);
    return st;
}

/* ------------------------------------------------------------------ */
/* Loading and evaluating the grade                                    */
/* ------------------------------------------------------------------ */

void aion_mtp_grade_free(aion_mtp_grade *g)
{
    if (!g) return;
    if (g->ws)
        for (int t = 0; t < g->nth; t++) mtp_tws_free(&g->ws[t]);
    free(g->ws);
    free(g->xrow);
    free(g->T);
    free(g->Ainv);
    free(g->M);
    aion_nlist_free(g->nl);
    mtp_tplan_free(&g->tp);
    mtp_model_free(&g->model);
    free(g);
}

int aion_mtp_grade_rank(const aion_mtp_grade *g) { return g ? g->q : 0; }
const char *aion_mtp_grade_errmsg(const aion_mtp_grade *g) { return g ? g->err.msg : ""; }

static int read_word(FILE *fp, char *buf, size_t n)
{
    return fscanf(fp, "%255s", buf) == 1 && strlen(buf) < n;
}

static aion_status read_als(aion_mtp_grade *g, const char *path, aion_error *err)
{
    FILE *fp = fopen(path, "r");
    char w[256];
    unsigned long long hash = 0;
    int ver = 0, C = -1, m = -1, q = -1;
    double rcond;
    long sites;
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: %s", path, strerror(errno));
    int ok = read_word(fp, w, sizeof w) && !strcmp(w, ALS_MAGIC) && fscanf(fp, "%d", &ver) == 1 && ver == 1;
    ok = ok && fscanf(fp, " potential_hash %llx species_count %d basis_size %d rank %d rcond %lf sites %ld", &hash, &C,
                      &m, &q, &rcond, &sites) == 6;
    if (!ok) {
        fclose(fp);
        return aion_err_set(err, AION_ERR_PARSE, "%s: not an aion active-set file (bad header)", path);
    }
    if (hash != model_hash(&g->model) || C != g->C || m != g->model.nscalar) {
        fclose(fp);
        return aion_err_set(err, AION_ERR_INVALID,
                            "%s: this active set belongs to another potential (rebuild it from the training set)",
                            path);
    }
    if (q < 1 || q > C + m) {
        fclose(fp);
        return aion_err_set(err, AION_ERR_PARSE, "%s: rank %d out of range", path, q);
    }
    g->q = q;
    g->P = C + m;
    g->T = aion_calloc((size_t)g->P * q, sizeof *g->T);
    g->Ainv = aion_calloc((size_t)q * q, sizeof *g->Ainv);
    g->M = aion_calloc((size_t)g->P * q, sizeof *g->M);
    if (!g->T || !g->Ainv || !g->M) {
        fclose(fp);
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    }
    ok = read_word(fp, w, sizeof w) && !strcmp(w, "T");
    for (size_t k = 0; ok && k < (size_t)g->P * q; k++) ok = read_word(fp, w, sizeof w) && !aion_parse_double(w, &g->T[k]);
    ok = ok && read_word(fp, w, sizeof w) && !strcmp(w, "A_inv");
    for (size_t k = 0; ok && k < (size_t)q * q; k++) ok = read_word(fp, w, sizeof w) && !aion_parse_double(w, &g->Ainv[k]);
    fclose(fp);
    if (!ok) return aion_err_set(err, AION_ERR_PARSE, "%s: truncated or malformed matrix", path);
    for (int c = 0; c < g->P; c++)
        for (int k = 0; k < q; k++) {
            double v = g->T[(size_t)c * q + k];
            if (v == 0) continue;
            for (int j = 0; j < q; j++) g->M[(size_t)c * q + j] += v * g->Ainv[(size_t)k * q + j];
        }
    return AION_OK;
}

aion_status aion_mtp_grade_create(aion_mtp_grade **out, const char *mtp_path, const char *als_path,
                                  const int *species_z, int n_species, int nthreads, aion_error *err)
{
    aion_mtp_grade *g = calloc(1, sizeof *g);
    aion_status st;
    char path[4200];
    aion_nlist_opts no;
    *out = NULL;
    if (!g) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    mtp_model_init(&g->model);
    if ((st = read_model(mtp_path, species_z, n_species, &g->model, g->zmap, err))) goto fail;
    g->C = n_species;
    if ((st = mtp_tplan_build(&g->tp, &g->model, err))) goto fail;
    if (!als_path) {
        size_t L = strlen(mtp_path);
        snprintf(path, sizeof path, "%s", mtp_path);
        if (L > 4 && L < sizeof path && !strcmp(path + L - 4, ".mtp")) path[L - 4] = 0;
        strncat(path, ".als", sizeof path - strlen(path) - 1);
        als_path = path;
    }
    if ((st = read_als(g, als_path, err))) goto fail;
    g->nth = nthreads_of(nthreads);
    g->ws = aion_calloc((size_t)g->nth, sizeof *g->ws);
    g->xrow = aion_calloc((size_t)g->nth * (size_t)g->P, sizeof *g->xrow);
    if (!g->ws || !g->xrow) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto fail;
    }
    no.cutoff = g->model.max_dist;
    no.skin = 1.0;
    no.full = 1;
    if ((st = aion_nlist_create(&g->nl, &no, err))) goto fail;
    aion_nlist_set_threads(g->nl, nthreads);
    *out = g;
    return AION_OK;
fail:
    aion_mtp_grade_free(g);
    return st;
}

/* Grade of one site from its row x: max_j |(x M)_j| */
static double site_gamma(const aion_mtp_grade *g, const double *x, double *c)
{
    const int q = g->q;
    double best = 0;
    for (int j = 0; j < q; j++) c[j] = 0;
    for (int k = 0; k < g->P; k++) {
        if (x[k] == 0) continue;
        const double *mk = g->M + (size_t)k * q;
        for (int j = 0; j < q; j++) c[j] += x[k] * mk[j];
    }
    for (int j = 0; j < q; j++) best = fmax(best, fabs(c[j]));
    return best;
}

/* Rows x (n x P) of the frame's sites through g's neighbour list. */
static aion_status frame_rows(aion_mtp_grade *g, const aion_frame *f, double *X, aion_error *err)
{
    tr_cfg c;
    aion_status st = tr_cfg_build(&c, f, g->zmap, g->model.max_dist, 0, err);
    if (st) return st;
    if (!cfg_site_rows(&g->tp, &g->model, &c, g->C, X, &g->ws[0])) st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    tr_cfg_free(&c);
    return st;
}

aion_status aion_mtp_grade_compute(aion_mtp_grade *g, const aion_frame *f, double *gamma_max, double *per_atom,
                                   int *worst)
{
    const int n = f->n, P = g->P, q = g->q;
    int *spec = NULL, bad = 0, nth = g->nth;
    double best = 0;
    int bw = -1;
    aion_status st;
    if (n <= 0) {
        *gamma_max = 0;
        if (worst) *worst = -1;
        return AION_OK;
    }
    spec = aion_calloc((size_t)n, sizeof *spec);
    if (!spec) return aion_err_set(&g->err, AION_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        int z = f->z[i], s = (z >= 0 && z <= AION_MAX_Z) ? g->zmap[z] : -1;
        if (s < 0) {
            free(spec);
            return aion_err_set(&g->err, AION_ERR_INVALID, "grade: atom %d is %s, not one of the potential's species",
                                i + 1, aion_element_symbol(z));
        }
        spec[i] = s;
    }
    if ((st = aion_nlist_update(g->nl, f))) {
        free(spec);
        return aion_err_set(&g->err, st, "grade: neighbour list: %s", g->nl->err.msg);
    }
    const double rc2 = g->model.max_dist * g->model.max_dist;
    double *gam = per_atom ? per_atom : aion_calloc((size_t)n, sizeof *gam);
    if (!gam) {
        free(spec);
        return aion_err_set(&g->err, AION_ERR_NOMEM, "out of memory");
    }
#pragma omp parallel num_threads(nth)
    {
        const int t = tid();
        mtp_tws *w = &g->ws[t];
        double *x = g->xrow + (size_t)t * P, *cbuf = malloc((size_t)q * sizeof *cbuf);
        int cap = 0, *zj = NULL;
        double (*d)[3] = NULL;
        if (!cbuf) {
#pragma omp atomic write
            bad = 1;
        }
#pragma omp for schedule(static)
        for (int i = 0; i < n; i++) {
            if (!cbuf) continue;
            const aion_nlist *nl = g->nl;
            int nn = 0, k0 = nl->offset[i], k1 = nl->offset[i + 1];
            if (k1 - k0 > cap) {
                cap = k1 - k0 + 16;
                free(zj);
                free(d);
                zj = malloc((size_t)cap * sizeof *zj);
                d = malloc((size_t)cap * sizeof *d);
                if (!zj || !d) {
#pragma omp atomic write
                    bad = 1;
                    cap = 0;
                    continue;
                }
            }
            for (int k = k0; k < k1; k++) {
                int gg = nl->nbr[k];
                double v[3] = {nl->x[gg][0] - nl->x[i][0], nl->x[gg][1] - nl->x[i][1], nl->x[gg][2] - nl->x[i][2]};
                double r2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
                if (r2 >= rc2 || r2 < 1e-20) continue;
                zj[nn] = spec[nl->owner[gg]];
                memcpy(d[nn], v, sizeof v);
                nn++;
            }
            if (!mtp_tws_reserve(w, &g->tp, nn, 0)) {
#pragma omp atomic write
                bad = 1;
                continue;
            }
            memset(x, 0, (size_t)g->C * sizeof *x);
            x[spec[i]] = 1.0;
            mtp_site_basis(&g->tp, &g->model, spec[i], nn, zj, (const double (*)[3])d, x + g->C, NULL, NULL, w);
            gam[i] = site_gamma(g, x, cbuf);
        }
        free(cbuf);
        free(zj);
        free(d);
    }
    for (int i = 0; i < n; i++)
        if (gam[i] > best || bw < 0) {
            best = gam[i];
            bw = i;
        }
    if (gam != per_atom) free(gam);
    free(spec);
    if (bad) return aion_err_set(&g->err, AION_ERR_NOMEM, "out of memory");
    if (!isfinite(best)) return aion_err_set(&g->err, AION_ERR_NUMERIC, "grade: not finite");
    *gamma_max = best;
    if (worst) *worst = bw;
    return AION_OK;
}

/* ------------------------------------------------------------------ */
/* Selection                                                           */
/* ------------------------------------------------------------------ */

aion_status aion_mtp_select(aion_mtp_grade *g, const aion_frame *pool, int npool, double threshold, int max_pick,
                            double *gamma, int *picked, int *npicked, aion_error *err)
{
    const int P = g->P, q = g->q;
    long N = 0, *first = NULL;
    double *Y = NULL, *Cm = NULL, *Ainv = NULL, *X = NULL, *gcfg = NULL;
    unsigned char *taken = NULL;
    aion_status st = AION_OK;
    *npicked = 0;
    first = aion_calloc((size_t)npool + 1, sizeof *first);
    if (!first) goto nomem;
    for (int k = 0; k < npool; k++) {
        first[k] = N;
        N += pool[k].n > 0 ? pool[k].n : 0;
    }
    first[npool] = N;
    Y = aion_calloc((size_t)(N ? N : 1) * q, sizeof *Y);
    Cm = aion_calloc((size_t)(N ? N : 1) * q, sizeof *Cm);
    Ainv = aion_calloc((size_t)q * q, sizeof *Ainv);
    gcfg = aion_calloc((size_t)npool + 1, sizeof *gcfg);
    taken = aion_calloc((size_t)npool + 1, 1);
    if (!Y || !Cm || !Ainv || !gcfg || !taken) goto nomem;
    memcpy(Ainv, g->Ainv, (size_t)q * q * sizeof *Ainv);
    for (int k = 0; k < npool; k++) {
        if (pool[k].n <= 0) continue;
        X = aion_calloc((size_t)pool[k].n * P, sizeof *X);
        if (!X) goto nomem;
        if ((st = frame_rows(g, &pool[k], X, err))) {
            aion_error e2 = *err;
            st = aion_err_set(err, e2.code, "pool configuration %d: %s", k + 1, e2.msg);
            goto done;
        }
        for (int i = 0; i < pool[k].n; i++) {
            double *y = Y + (size_t)(first[k] + i) * q;
            for (int c = 0; c < P; c++) {
                double xc = X[(size_t)i * P + c];
                if (xc == 0) continue;
                for (int j = 0; j < q; j++) y[j] += xc * g->T[(size_t)c * q + j];
            }
        }
        free(X);
        X = NULL;
    }
    rows_times(Y, N, q, Ainv, Cm, g->nth);
    for (;;) {
        int best = -1;
        for (int k = 0; k < npool; k++) {
            double gm = 0;
            for (long i = first[k]; i < first[k + 1]; i++)
                for (int j = 0; j < q; j++) gm = fmax(gm, fabs(Cm[(size_t)i * q + j]));
            gcfg[k] = gm;
            if (gamma && *npicked == 0) gamma[k] = gm;
            if (!taken[k] && gm > threshold && (best < 0 || gm > gcfg[best])) best = k;
        }
        if (best < 0 || (max_pick > 0 && *npicked >= max_pick)) break;
        taken[best] = 1;
        picked[(*npicked)++] = best;
        /* swap the picked configuration's extrapolating sites into the active set */
        for (int guard = 0; guard < pool[best].n * 4 + 16; guard++) {
            long bi = -1;
            int bj = 0;
            double bv = 1.0 + 1e-3;
            for (long i = first[best]; i < first[best + 1]; i++)
                for (int j = 0; j < q; j++) {
                    double v = fabs(Cm[(size_t)i * q + j]);
                    if (v > bv) {
                        bv = v;
                        bi = i;
                        bj = j;
                    }
                }
            if (bi < 0) break;
            double *cr = malloc((size_t)q * sizeof *cr);
            if (!cr) goto nomem;
            memcpy(cr, Cm + (size_t)bi * q, (size_t)q * sizeof *cr);
            swap_update(Ainv, Cm, N, q, cr, bj, g->nth);
            free(cr);
        }
    }
    goto done;
nomem:
    st = aion_err_set(err, AION_ERR_NOMEM, "select: out of memory");
done:
    free(first);
    free(Y);
    free(Cm);
    free(Ainv);
    free(X);
    free(gcfg);
    free(taken);
    return st;
}
