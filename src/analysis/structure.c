/*
 * Structure of glasses: partial and total radial distribution functions with
 * coordination numbers, neutron-weighted total structure factor, bond-angle
 * distributions, Qⁿ speciation and corner-sharing fragment sizes.
 *
 * Pairs: the linked-cell neighbour list of src/neighbor (periodic images as
 * ghosts, any triclinic cell, any cut-off), so r_max may exceed half the cell:
 * an atom's own images count as neighbours. Cost O(N) per frame at fixed
 * density and cut-off (one list build per frame, skin 0).
 *
 * g_ab(r) = ⟨H_ab(r)⟩ / [N_a (N_b − δ_ab)/V · 4π/3 ((r+dr/2)³ − (r−dr/2)³)]
 * (H_ab: ordered a–b pairs in the bin; an ideal gas gives 1). Coordination
 * n_ab(r) = mean number of b within r of an a (direct count).
 * S(q) (Faber & Ziman, Phil. Mag. 11, 153 (1965), doi:10.1080/14786436508211931):
 * S(q) − 1 = Σ_ab c_a c_b b_a b_b [4πρ ∫ r² (g_ab − 1) sin(qr)/(qr) L(r) dr] / (Σ_a c_a b_a)²,
 * L(r) = sin(πr/r_max)/(πr/r_max) (Lorch, J. Phys. C 2, 229 (1969)) or 1.
 * Neutron coherent scattering lengths: V. F. Sears, Neutron News 3, 26 (1992),
 * doi:10.1080/10448639208218770 (NIST table), real parts.
 * Qⁿ: a former (P, Si) is Qⁿ when n of its anions (O) within the cut-off are
 * bonded to another former (bridging); fragments are clusters of formers linked
 * by bridging anions (union–find).
 */
#include "analysis.h"
#include "neighbor/nlist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* --- neutron scattering lengths (fm) ----------------------------------------- */

static const struct {
    int z;
    double b;
} b_table[] = {
    {1, -3.7390}, {2, 3.26},    {3, -1.90},   {4, 7.79},    {5, 5.30},   {6, 6.6460},  {7, 9.36},
    {8, 5.803},   {9, 5.654},   {10, 4.566},  {11, 3.63},   {12, 5.375}, {13, 3.449},  {14, 4.1491},
    {15, 5.13},   {16, 2.847},  {17, 9.5770}, {18, 1.909},  {19, 3.67},  {20, 4.70},   {21, 12.29},
    {22, -3.438}, {23, -0.3824}, {24, 3.635}, {25, -3.73},  {26, 9.45},  {27, 2.49},   {28, 10.3},
    {29, 7.718},  {30, 5.680},  {31, 7.288},  {32, 8.185},  {33, 6.58},  {34, 7.970},  {35, 6.795},
    {36, 7.81},   {37, 7.09},   {38, 7.02},   {39, 7.75},   {40, 7.16},  {41, 7.054},  {42, 6.715},
    {44, 7.03},   {45, 5.88},   {46, 5.91},   {47, 5.922},  {48, 4.87},  {49, 4.065},  {50, 6.225},
    {51, 5.57},   {52, 5.80},   {53, 5.28},   {54, 4.92},   {55, 5.42},  {56, 5.07},   {57, 8.24},
    {58, 4.84},   {59, 4.58},   {60, 7.69},   {62, 0.80},   {63, 7.22},  {64, 6.5},    {65, 7.38},
    {66, 16.9},   {67, 8.01},   {68, 7.79},   {69, 7.07},   {70, 12.43}, {71, 7.21},   {72, 7.7},
    {73, 6.91},   {74, 4.86},   {75, 9.2},    {76, 10.7},   {77, 10.6},  {78, 9.60},   {79, 7.63},
    {80, 12.692}, {81, 8.776},  {82, 9.405},  {83, 8.532},  {90, 10.31}, {92, 8.417},
};

double aion_neutron_b(int z)
{
    for (size_t k = 0; k < sizeof b_table / sizeof b_table[0]; k++)
        if (b_table[k].z == z) return b_table[k].b;
    return NAN;
}

/* --- neighbour list of one frame ------------------------------------------- */

/* Build (or reuse) *nl for frame f: half or full list with cut-off rc, skin 0
 * (every frame of a trajectory is rebuilt unless the positions repeat). */
static aion_status frame_nlist(aion_nlist **nl, const aion_frame *f, double rc, int full, int nthreads,
                               aion_error *err)
{
    aion_status st;
    if (!*nl) {
        aion_nlist_opts no = {.cutoff = rc, .skin = 0.0, .full = full};
        if ((st = aion_nlist_create(nl, &no, err))) return st;
        aion_nlist_set_threads(*nl, nthreads);
    }
    /* frames may differ in size or periodicity: always a fresh build */
    aion_nlist_invalidate(*nl);
    if ((st = aion_nlist_update(*nl, f))) return aion_err_set(err, st, "%s", aion_nlist_errmsg(*nl));
    return AION_OK;
}

/* --- RDF -------------------------------------------------------------------- */

struct aion_rdf {
    aion_rdf_opts o;
    aion_error err;
    int nsp;
    int sp[AION_MAX_Z + 1];    /* species Z sorted */
    int idx[AION_MAX_Z + 1];   /* Z -> species index (-1) */
    long count[AION_MAX_Z + 1];/* atoms per species (per frame) */
    int N;
    long nframes;
    double vsum;
    double *hist;              /* [nsp][nsp][nbins] ordered pair counts */
    double *norm;              /* [nsp][nsp] Σ_frames N_a (N_b − δ_ab)/V */
    double norm_tot;
    aion_nlist *nl;
};

aion_status aion_rdf_create(aion_rdf **out, const aion_rdf_opts *o, aion_error *err)
{
    *out = NULL;
    if (!o || !(o->r_max > 0)) return aion_err_set(err, AION_ERR_INVALID, "rdf: r_max must be > 0");
    aion_rdf *r = calloc(1, sizeof *r);
    if (!r) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    r->o = *o;
    if (r->o.n_bins <= 0) r->o.n_bins = 200;
    *out = r;
    return AION_OK;
}

void aion_rdf_free(aion_rdf *r)
{
    if (!r) return;
    aion_nlist_free(r->nl);
    free(r->hist);
    free(r->norm);
    free(r);
}

const char *aion_rdf_errmsg(const aion_rdf *r) { return r ? r->err.msg : ""; }
int aion_rdf_nbins(const aion_rdf *r) { return r ? r->o.n_bins : 0; }

int aion_rdf_species(const aion_rdf *r, const int **z)
{
    if (z) *z = r ? r->sp : NULL;
    return r ? r->nsp : 0;
}

aion_status aion_rdf_add(aion_rdf *r, const aion_frame *f)
{
    aion_status st;
    const int nb = r->o.n_bins;
    const double rmax = r->o.r_max, dr = rmax / nb;
    if (!r || !f) return AION_ERR_INVALID;
    if (!((f->has & AION_HAS_CELL) && f->pbc[0] && f->pbc[1] && f->pbc[2]))
        return aion_err_set(&r->err, AION_ERR_INVALID,
                            "rdf: frame %ld is not periodic in 3-D (g(r) needs the volume)", r->nframes);
    if (r->nframes == 0) {
        long cnt[AION_MAX_Z + 1] = {0};
        for (int i = 0; i < f->n; i++) {
            if (f->z[i] < 1 || f->z[i] > AION_MAX_Z)
                return aion_err_set(&r->err, AION_ERR_INVALID, "rdf: atom %d has no known species", i);
            cnt[f->z[i]]++;
        }
        r->nsp = 0;
        for (int z = 0; z <= AION_MAX_Z; z++) {
            r->idx[z] = -1;
            if (cnt[z]) {
                r->idx[z] = r->nsp;
                r->sp[r->nsp++] = z;
            }
            r->count[z] = cnt[z];
        }
        r->N = f->n;
        r->hist = calloc((size_t)r->nsp * (size_t)r->nsp * (size_t)nb, sizeof(double));
        r->norm = calloc((size_t)r->nsp * (size_t)r->nsp, sizeof(double));
        if (!r->hist || !r->norm) return aion_err_set(&r->err, AION_ERR_NOMEM, "out of memory");
    } else {
        long cnt[AION_MAX_Z + 1] = {0};
        if (f->n != r->N) return aion_err_set(&r->err, AION_ERR_INVALID, "rdf: the number of atoms changed");
        for (int i = 0; i < f->n; i++)
            if (f->z[i] >= 1 && f->z[i] <= AION_MAX_Z) cnt[f->z[i]]++;
        for (int z = 0; z <= AION_MAX_Z; z++)
            if (cnt[z] != r->count[z]) return aion_err_set(&r->err, AION_ERR_INVALID, "rdf: the composition changed");
    }
    if ((st = frame_nlist(&r->nl, f, rmax, 0, r->o.nthreads, &r->err))) return st;
    const aion_nlist *nl = r->nl;
    const int N = f->n, nsp = r->nsp;
    const double rmax2 = rmax * rmax, V = fabs(aion_det3(f->cell));
    int nth = r->o.nthreads;
#ifdef _OPENMP
    if (nth <= 0) nth = omp_get_max_threads();
#else
    nth = 1;
#endif
    int failed = 0;
    /* Half list: each physical pair (i, j+S) once, self-images included; it is
     * an ordered pair from both sides (a self-image i, i±S counts twice). */
#pragma omp parallel num_threads(nth)
    {
        double *h = calloc((size_t)nsp * (size_t)nsp * (size_t)nb, sizeof(double));
        if (!h) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 64)
        for (int i = 0; i < N; i++) {
            if (!h) continue;
            const int si = r->idx[f->z[i]];
            for (int k = nl->offset[i]; k < nl->offset[i + 1]; k++) {
                const int g = nl->nbr[k], sj = r->idx[f->z[nl->owner[g]]];
                const double d0 = nl->x[g][0] - nl->x[i][0], d1 = nl->x[g][1] - nl->x[i][1],
                             d2 = nl->x[g][2] - nl->x[i][2];
                const double r2 = d0 * d0 + d1 * d1 + d2 * d2;
                if (r2 >= rmax2) continue;
                const int b = (int)(sqrt(r2) / dr);
                if (b < nb) {
                    h[((size_t)si * nsp + sj) * nb + b] += 1.0;
                    h[((size_t)sj * nsp + si) * nb + b] += 1.0;
                }
            }
        }
        if (h) {
#pragma omp critical(an_rdf_merge)
            for (size_t k = 0; k < (size_t)nsp * nsp * nb; k++) r->hist[k] += h[k];
        }
        free(h);
    }
    if (failed) return aion_err_set(&r->err, AION_ERR_NOMEM, "out of memory");
    for (int a = 0; a < nsp; a++)
        for (int b = 0; b < nsp; b++)
            r->norm[a * nsp + b] += (double)r->count[r->sp[a]] * (double)(r->count[r->sp[b]] - (a == b)) / V;
    r->norm_tot += (double)N * (N - 1) / V;
    r->vsum += V;
    r->nframes++;
    return AION_OK;
}

aion_status aion_rdf_get(const aion_rdf *r, int za, int zb, double *r_A, double *g, double *cn)
{
    if (!r || !r->nframes) return AION_ERR_INVALID;
    const int nb = r->o.n_bins, nsp = r->nsp;
    const double dr = r->o.r_max / nb;
    int total = za == 0 && zb == 0;
    int a = -1, b = -1;
    if (!total) {
        if (za < 1 || za > AION_MAX_Z || zb < 1 || zb > AION_MAX_Z) return AION_ERR_INVALID;
        a = r->idx[za];
        b = r->idx[zb];
        if (a < 0 || b < 0) return AION_ERR_INVALID;
    }
    double cum = 0;
    for (int k = 0; k < nb; k++) {
        double rc = (k + 0.5) * dr, shell = 4.0 * M_PI / 3.0 * (pow(rc + dr / 2, 3) - pow(rc - dr / 2, 3));
        double h = 0, norm, per;
        if (total) {
            for (size_t q = 0; q < (size_t)nsp * nsp; q++) h += r->hist[q * nb + k];
            norm = r->norm_tot;
            per = (double)r->nframes * r->N;
        } else {
            h = r->hist[((size_t)a * nsp + b) * nb + k];
            norm = r->norm[a * nsp + b];
            per = (double)r->nframes * r->count[za];
        }
        cum += h;
        if (r_A) r_A[k] = rc;
        if (g) g[k] = norm > 0 ? h / (norm * shell) : 0.0;
        if (cn) cn[k] = cum / per;
    }
    return AION_OK;
}

aion_status aion_rdf_sq(const aion_rdf *r, const double *q, int nq, int lorch, double *sq)
{
    if (!r || !r->nframes || !q || !sq || nq < 0) return AION_ERR_INVALID;
    const int nb = r->o.n_bins, nsp = r->nsp;
    const double dr = r->o.r_max / nb, rm = r->o.r_max;
    const double V = r->vsum / r->nframes, rho = r->N / V;
    double bbar = 0;
    for (int a = 0; a < nsp; a++) {
        double b = aion_neutron_b(r->sp[a]);
        if (isnan(b)) return AION_ERR_UNSUPPORTED;
        bbar += (double)r->count[r->sp[a]] / r->N * b;
    }
    if (bbar == 0) return AION_ERR_NUMERIC;
    /* weighted G(r) = Σ c_a c_b b_a b_b (g_ab − 1)/⟨b⟩² */
    double *G = calloc((size_t)nb, sizeof(double)), *gab = malloc(sizeof(double) * (size_t)nb);
    if (!G || !gab) {
        free(G);
        free(gab);
        return AION_ERR_NOMEM;
    }
    for (int a = 0; a < nsp; a++)
        for (int b = 0; b < nsp; b++) {
            aion_rdf_get(r, r->sp[a], r->sp[b], NULL, gab, NULL);
            double w = (double)r->count[r->sp[a]] / r->N * (double)r->count[r->sp[b]] / r->N *
                       aion_neutron_b(r->sp[a]) * aion_neutron_b(r->sp[b]) / (bbar * bbar);
            for (int k = 0; k < nb; k++) G[k] += w * (gab[k] - 1.0);
        }
    for (int iq = 0; iq < nq; iq++) {
        double s = 0;
        for (int k = 0; k < nb; k++) {
            double rc = (k + 0.5) * dr, x = q[iq] * rc;
            double sinc = x > 1e-12 ? sin(x) / x : 1.0;
            double L = lorch ? sin(M_PI * rc / rm) / (M_PI * rc / rm) : 1.0;
            s += rc * rc * G[k] * sinc * L * dr;
        }
        sq[iq] = 1.0 + 4.0 * M_PI * rho * s;
    }
    free(G);
    free(gab);
    return AION_OK;
}

/* --- neighbour lists for ADF and Qⁿ ------------------------------------------ */

typedef struct nbr {
    int j;
    double d[3], r;
} nbr;

typedef struct nlist_b {
    int n;
    int *off;   /* n+1 */
    nbr *e;
    size_t cap, len;
} nlist_b;

static void nl_free(nlist_b *l)
{
    free(l->off);
    free(l->e);
    memset(l, 0, sizeof *l);
}

/* For atoms with ci[i], neighbours j with cj[j] within rc (from the full
 * neighbour list *nlh, built here; images included). */
static aion_status nl_build(nlist_b *l, aion_nlist **nlh, const aion_frame *f, const unsigned char *ci,
                            const unsigned char *cj, double rc, aion_error *err)
{
    aion_status st;
    memset(l, 0, sizeof *l);
    if ((st = frame_nlist(nlh, f, rc, 1, 0, err))) return st;
    const aion_nlist *nl = *nlh;
    const double rc2 = rc * rc;
    l->n = f->n;
    l->off = calloc((size_t)f->n + 1, sizeof(int));
    if (!l->off) goto nomem;
    for (int i = 0; i < f->n; i++) {
        l->off[i] = (int)l->len;
        if (!ci[i]) continue;
        for (int k = nl->offset[i]; k < nl->offset[i + 1]; k++) {
            const int g = nl->nbr[k], j = nl->owner[g];
            if (!cj[j]) continue;
            double d[3];
            for (int c = 0; c < 3; c++) d[c] = nl->x[g][c] - nl->x[i][c];
            const double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            if (r2 >= rc2) continue;
            if (l->len == l->cap) {
                size_t nc = l->cap ? 2 * l->cap : 256;
                nbr *ne = aion_realloc_array(l->e, nc, sizeof *ne);
                if (!ne) goto nomem;
                l->e = ne;
                l->cap = nc;
            }
            nbr *e = &l->e[l->len++];
            e->j = j;
            memcpy(e->d, d, sizeof d);
            e->r = sqrt(r2);
        }
    }
    l->off[f->n] = (int)l->len;
    return AION_OK;
nomem:
    nl_free(l);
    return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
}

/* --- bond-angle distribution ------------------------------------------------ */

struct aion_adf {
    aion_adf_opts o;
    aion_error err;
    double *hist;
    double total;
    long centres;
    aion_nlist *nl;
};

aion_status aion_adf_create(aion_adf **out, const aion_adf_opts *o, aion_error *err)
{
    *out = NULL;
    if (!o || !(o->rcut_a > 0) || !(o->rcut_b > 0))
        return aion_err_set(err, AION_ERR_INVALID, "adf: cut-offs must be > 0");
    aion_adf *a = calloc(1, sizeof *a);
    if (!a) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    a->o = *o;
    if (a->o.n_bins <= 0) a->o.n_bins = 180;
    a->hist = calloc((size_t)a->o.n_bins, sizeof(double));
    if (!a->hist) {
        free(a);
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    }
    *out = a;
    return AION_OK;
}

void aion_adf_free(aion_adf *a)
{
    if (!a) return;
    aion_nlist_free(a->nl);
    free(a->hist);
    free(a);
}

const char *aion_adf_errmsg(const aion_adf *a) { return a ? a->err.msg : ""; }
int aion_adf_nbins(const aion_adf *a) { return a ? a->o.n_bins : 0; }

static int zmatch(int want, int z) { return want == 0 || want == z; }

aion_status aion_adf_add(aion_adf *a, const aion_frame *f)
{
    nlist_b l;
    aion_status st;
    unsigned char *ci = malloc((size_t)f->n + 1), *cj = malloc((size_t)f->n + 1);
    if (!ci || !cj) {
        free(ci);
        free(cj);
        return aion_err_set(&a->err, AION_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < f->n; i++) {
        ci[i] = zmatch(a->o.z_center, f->z[i]);
        cj[i] = zmatch(a->o.z_a, f->z[i]) || zmatch(a->o.z_b, f->z[i]);
    }
    st = nl_build(&l, &a->nl, f, ci, cj, fmax(a->o.rcut_a, a->o.rcut_b), &a->err);
    if (st) goto done;
    const int nb = a->o.n_bins;
    for (int i = 0; i < f->n; i++) {
        if (!ci[i]) continue;
        a->centres++;
        for (int p = l.off[i]; p < l.off[i + 1]; p++)
            for (int q = p + 1; q < l.off[i + 1]; q++) {
                const nbr *x = &l.e[p], *y = &l.e[q];
                int zx = f->z[x->j], zy = f->z[y->j];
                int ok = (zmatch(a->o.z_a, zx) && x->r < a->o.rcut_a && zmatch(a->o.z_b, zy) && y->r < a->o.rcut_b) ||
                         (zmatch(a->o.z_b, zx) && x->r < a->o.rcut_b && zmatch(a->o.z_a, zy) && y->r < a->o.rcut_a);
                if (!ok) continue;
                double c = (x->d[0] * y->d[0] + x->d[1] * y->d[1] + x->d[2] * y->d[2]) / (x->r * y->r);
                if (c > 1) c = 1;
                if (c < -1) c = -1;
                int b = (int)(acos(c) * 180.0 / M_PI / 180.0 * nb);
                if (b >= nb) b = nb - 1;
                a->hist[b] += 1.0;
                a->total += 1.0;
            }
    }
    nl_free(&l);
done:
    free(ci);
    free(cj);
    return st;
}

aion_status aion_adf_get(const aion_adf *a, double *theta_deg, double *p, double *n_angles)
{
    if (!a) return AION_ERR_INVALID;
    const int nb = a->o.n_bins;
    const double w = 180.0 / nb;
    for (int k = 0; k < nb; k++) {
        if (theta_deg) theta_deg[k] = (k + 0.5) * w;
        if (p) p[k] = a->total > 0 ? a->hist[k] / (a->total * w) : 0.0;
    }
    if (n_angles) *n_angles = a->centres ? a->total / a->centres : 0.0;
    return AION_OK;
}

/* --- Qⁿ and fragments ------------------------------------------------------- */

struct aion_qn {
    aion_qn_opts o;
    int former[16];
    aion_error err;
    long n_frames, n_formers, qn[9], bonds;
    long anions, an_count[4]; /* 0, 1, 2, ≥3 formers */
    double *frag;             /* formers in fragments of size s */
    long n_frag;              /* number of fragments */
    int frag_max, frag_cap;
    double *frag_out;
    aion_nlist *nl;
};

aion_status aion_qn_create(aion_qn **out, const aion_qn_opts *o, aion_error *err)
{
    *out = NULL;
    aion_qn *q = calloc(1, sizeof *q);
    if (!q) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    if (o) q->o = *o;
    if (q->o.former_z && q->o.n_former > 0) {
        if (q->o.n_former > 16) {
            free(q);
            return aion_err_set(err, AION_ERR_INVALID, "qn: at most 16 former species");
        }
        memcpy(q->former, q->o.former_z, sizeof(int) * (size_t)q->o.n_former);
    } else {
        q->former[0] = 15;
        q->former[1] = 14;
        q->o.n_former = 2;
    }
    q->o.former_z = q->former;
    if (q->o.anion_z <= 0) q->o.anion_z = 8;
    if (!(q->o.cutoff > 0)) q->o.cutoff = 2.0;
    *out = q;
    return AION_OK;
}

void aion_qn_free(aion_qn *q)
{
    if (!q) return;
    aion_nlist_free(q->nl);
    free(q->frag);
    free(q->frag_out);
    free(q);
}

const char *aion_qn_errmsg(const aion_qn *q) { return q ? q->err.msg : ""; }

static int uf_find(int *p, int x)
{
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

aion_status aion_qn_add(aion_qn *q, const aion_frame *f)
{
    const int N = f->n;
    nlist_b l = {0};
    aion_status st = AION_OK;
    unsigned char *isf = calloc((size_t)N + 1, 1), *isa = calloc((size_t)N + 1, 1);
    int *nform = calloc((size_t)N + 1, sizeof(int)), *parent = malloc(sizeof(int) * ((size_t)N + 1));
    int *size = calloc((size_t)N + 1, sizeof(int));
    if (!isf || !isa || !nform || !parent || !size) {
        st = aion_err_set(&q->err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < q->o.n_former; k++) isf[i] |= f->z[i] == q->o.former_z[k];
        isa[i] = f->z[i] == q->o.anion_z;
        parent[i] = i;
    }
    /* anion -> formers */
    if ((st = nl_build(&l, &q->nl, f, isa, isf, q->o.cutoff, &q->err))) goto done;
    for (int i = 0; i < N; i++) {
        if (!isa[i]) continue;
        int c = l.off[i + 1] - l.off[i];
        nform[i] = c;
        q->anions++;
        q->an_count[c >= 3 ? 3 : c]++;
        for (int p = l.off[i] + 1; p < l.off[i + 1]; p++) {
            int x = uf_find(parent, l.e[l.off[i]].j), y = uf_find(parent, l.e[p].j);
            if (x != y) parent[x] = y;
        }
    }
    /* formers: count bridging anions */
    int nf = 0;
    for (int i = 0; i < N; i++) {
        if (!isf[i]) continue;
        nf++;
    }
    {
        /* per former: anions bonded (scan anion lists) */
        int *nbrg = calloc((size_t)N + 1, sizeof(int)), *cn = calloc((size_t)N + 1, sizeof(int));
        if (!nbrg || !cn) {
            free(nbrg);
            free(cn);
            st = aion_err_set(&q->err, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (int i = 0; i < N; i++) {
            if (!isa[i]) continue;
            for (int p = l.off[i]; p < l.off[i + 1]; p++) {
                cn[l.e[p].j]++;
                if (nform[i] >= 2) nbrg[l.e[p].j]++;
            }
        }
        for (int i = 0; i < N; i++) {
            if (!isf[i]) continue;
            q->qn[nbrg[i] > 8 ? 8 : nbrg[i]]++;
            q->bonds += cn[i];
            size[uf_find(parent, i)]++;
        }
        free(nbrg);
        free(cn);
    }
    q->n_formers += nf;
    for (int i = 0; i < N; i++) {
        int s = size[i];
        if (!s) continue;
        if (s > q->frag_cap) {
            int nc = s + 16;
            double *nfg = aion_realloc_array(q->frag, (size_t)nc + 1, sizeof(double));
            if (!nfg) {
                st = aion_err_set(&q->err, AION_ERR_NOMEM, "out of memory");
                goto done;
            }
            for (int k = q->frag_cap + 1; k <= nc; k++) nfg[k] = 0;
            if (q->frag_cap == 0) nfg[0] = 0;
            q->frag = nfg;
            q->frag_cap = nc;
        }
        q->frag[s] += s;
        q->n_frag++;
        if (s > q->frag_max) q->frag_max = s;
    }
    q->n_frames++;
done:
    nl_free(&l);
    free(isf);
    free(isa);
    free(nform);
    free(parent);
    free(size);
    return st;
}

aion_status aion_qn_get(aion_qn *q, aion_qn_result *out)
{
    if (!q || !out) return AION_ERR_INVALID;
    memset(out, 0, sizeof *out);
    out->n_frames = q->n_frames;
    out->n_formers = q->n_formers;
    if (!q->n_formers) return AION_OK;
    for (int k = 0; k < 9; k++) out->qn[k] = (double)q->qn[k] / q->n_formers;
    out->mean_cn = (double)q->bonds / q->n_formers;
    if (q->anions) {
        out->f_free = (double)q->an_count[0] / q->anions;
        out->f_nonbridging = (double)q->an_count[1] / q->anions;
        out->f_bridging = (double)q->an_count[2] / q->anions;
        out->f_tricluster = (double)q->an_count[3] / q->anions;
    }
    free(q->frag_out);
    q->frag_out = calloc((size_t)q->frag_max + 1, sizeof(double));
    if (!q->frag_out) return AION_ERR_NOMEM;
    for (int s = 1; s <= q->frag_max; s++) q->frag_out[s] = q->frag[s] / q->n_formers;
    out->frag_max = q->frag_max;
    out->frag = q->frag_out;
    out->mean_chain = q->n_frag ? (double)q->n_formers / q->n_frag : 0.0;
    return AION_OK;
}
