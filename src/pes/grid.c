/*
 * Frozen-framework scans of the mobile-ion potential energy on a periodic
 * grid, and the screening descriptors of Maevskiy et al., "Predicting ionic
 * conductivity in solids from the machine-learned potential energy
 * landscape", Phys. Rev. Research 7, 023167 (2025), arXiv:2411.06804.
 *
 * Grid: n_i = ceil(|a_i| / h) points along lattice vector i, no endpoint,
 * point k at fractional o + k/n (o = 0 unless the symmetry reduction moves
 * the grid onto a high-symmetry origin). Two protocols:
 *   single: each mobile ion m in turn is placed at every grid point, all other
 *           atoms fixed; E_m(x) = total energy of the cell;
 *   probe:  all mobile ions removed, one probe ion; E(x) = its energy.
 * Points closer than the exclusion radius to any other atom are not
 * evaluated and take the highest evaluated energy of that ion.
 *
 * Energy models: BVSE (bvse.c) or any aion potential through
 * aion_potential_probe (the energy of the cell as one atom is placed at many
 * points: O(neighbours) per point for pair models and MTPs, a full
 * evaluation per point for models without a fast path).
 *
 * BVSE evaluation: every pair term has a finite range, so the field is
 * accumulated atom by atom over the grid points inside its range sphere (for
 * each grid row the chord of the sphere is solved exactly; rows run in
 * unwrapped index space, so periodic images come for free). In the single
 * protocol the total-energy change from moving ion m is its site energy
 * with all other atoms: E_m(x) = G(x) − C_m(x) + const, where G is the field
 * of ALL atoms (mobile ions included, as like-charged cations) and C_m the
 * Coulomb field of ion m's own lattice of images (whose interaction with the
 * moving ion itself is a constant). G is computed once, C_m per ion.
 *
 * Descriptors per ion: E_min; percolation energies (aion_pes_percolation,
 * from the ion's minimum); level map (aion_pes_level_map_multi, from every
 * point within 1e-6 eV of the minimum, so that the copies of the minimum in a
 * supercell count alike); free volumes
 * FV_disc(thr) = fraction of points with E − E_min < thr, FV_conn(thr) =
 * fraction with LM − E_min < thr; Ξ. Per structure: MPE = min over ions;
 * free volumes of the union over ions; Ξ of the union.
 *
 * Symmetry (optional, spglib): the space-group operations that map the grid
 * onto itself (the grid is made compatible: n_i rounded up to a multiple of
 * the translation denominators, equal n on axes a rotation mixes, origin on
 * the standard-setting origin if that keeps more operations) act on grid
 * indices; only one point per orbit is evaluated (full group for the probe
 * and for the BVSE field G; the stabiliser of the ion for the single
 * protocol with a potential) and the others are copied. With a potential,
 * only one ion per orbit is scanned; the others' grids are images under the
 * operation that maps the ions: E_g(m)(g x) = E_m(x).
 */
#include "pes.h"
#include "potential/potential.h"

#include <omp.h>
#include <spglib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double aion_pes_threshold(int k)
{
    if (k < 0 || k >= AION_PES_NTHR) return NAN;
    return k < 10 ? 0.1 * (k + 1) : 1.0 + 0.5 * (k - 9);
}

void aion_pes_opts_init(aion_pes_opts *o)
{
    memset(o, 0, sizeof *o);
    o->protocol = AION_PES_SINGLE;
    o->spacing = 0.25;
    o->exclusion = 1.2;
    o->symprec = 0.01;
    o->bvse_cutoff = 10.0;
    o->bvse_tol = 1e-5;
}

void aion_pes_result_free(aion_pes_result *r)
{
    if (!r) return;
    free(r->ion);
    free(r->energy);
    free(r->level);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------------ */
/* Grid geometry                                                       */
/* ------------------------------------------------------------------ */

typedef struct {
    int n[3];
    long np;
    double o[3];           /* fractional origin */
    double cell[3][3], inv[3][3];
} grid_t;

/* Cartesian position of grid point with UNWRAPPED integer index K */
static inline void grid_point(const grid_t *g, long K0, long K1, long K2, double x[3])
{
    double f0 = g->o[0] + (double)K0 / g->n[0], f1 = g->o[1] + (double)K1 / g->n[1],
           f2 = g->o[2] + (double)K2 / g->n[2];
    for (int c = 0; c < 3; c++) x[c] = f0 * g->cell[0][c] + f1 * g->cell[1][c] + f2 * g->cell[2][c];
}

static inline long wrapi(long k, int n)
{
    long r = k % n;
    return r < 0 ? r + n : r;
}

/*
 * Visit every grid point within radius R of Cartesian point p (all periodic
 * images), calling body(idx, r2). Rows along c are clipped to the exact chord
 * of the sphere.
 */
#define GRID_SPHERE_FOR(g, p, R, IDX, R2, BODY)                                                              \
    do {                                                                                                     \
        double fp_[3], w_[3];                                                                                \
        for (int c_ = 0; c_ < 3; c_++) {                                                                     \
            fp_[c_] = (p)[0] * (g)->inv[0][c_] + (p)[1] * (g)->inv[1][c_] + (p)[2] * (g)->inv[2][c_] -       \
                      (g)->o[c_];                                                                            \
            w_[c_] = sqrt((g)->inv[0][c_] * (g)->inv[0][c_] + (g)->inv[1][c_] * (g)->inv[1][c_] +            \
                          (g)->inv[2][c_] * (g)->inv[2][c_]); /* 1 / plane spacing */                       \
        }                                                                                                    \
        long lo0_ = (long)floor((fp_[0] - (R)*w_[0]) * (g)->n[0]), hi0_ = (long)ceil((fp_[0] + (R)*w_[0]) * (g)->n[0]); \
        long lo1_ = (long)floor((fp_[1] - (R)*w_[1]) * (g)->n[1]), hi1_ = (long)ceil((fp_[1] + (R)*w_[1]) * (g)->n[1]); \
        double cv_[3];                                                                                       \
        for (int c_ = 0; c_ < 3; c_++) cv_[c_] = (g)->cell[2][c_] / (g)->n[2];                              \
        double cc_ = cv_[0] * cv_[0] + cv_[1] * cv_[1] + cv_[2] * cv_[2];                                    \
        for (long K0_ = lo0_; K0_ <= hi0_; K0_++)                                                            \
            for (long K1_ = lo1_; K1_ <= hi1_; K1_++) {                                                      \
                double b_[3];                                                                                \
                grid_point((g), K0_, K1_, 0, b_);                                                            \
                for (int c_ = 0; c_ < 3; c_++) b_[c_] -= (p)[c_];                                            \
                /* |b + t cv|² < R²: t² cc + 2 t (b·cv) + b² − R² < 0 */                                   \
                double bc_ = b_[0] * cv_[0] + b_[1] * cv_[1] + b_[2] * cv_[2];                               \
                double bb_ = b_[0] * b_[0] + b_[1] * b_[1] + b_[2] * b_[2];                                  \
                double disc_ = bc_ * bc_ - cc_ * (bb_ - (R) * (R));                                          \
                if (disc_ < 0) continue;                                                                     \
                double sq_ = sqrt(disc_);                                                                    \
                long t0_ = (long)ceil((-bc_ - sq_) / cc_), t1_ = (long)floor((-bc_ + sq_) / cc_);            \
                long base_ = (wrapi(K0_, (g)->n[0]) * (g)->n[1] + wrapi(K1_, (g)->n[1])) * (g)->n[2];        \
                for (long t_ = t0_; t_ <= t1_; t_++) {                                                       \
                    double R2 = bb_ + 2.0 * t_ * bc_ + (double)t_ * t_ * cc_;                                \
                    if (R2 >= (R) * (R)) continue;                                                           \
                    long IDX = base_ + wrapi(t_, (g)->n[2]);                                                 \
                    BODY;                                                                                    \
                }                                                                                            \
            }                                                                                                \
    } while (0)

/* ------------------------------------------------------------------ */
/* Symmetry                                                            */
/* ------------------------------------------------------------------ */

typedef struct {
    int nops;
    int (*rot)[3][3];
    double (*tau)[3];  /* translation at the grid origin, [0,1) */
    int number;
} sym_t;

static void sym_free(sym_t *s)
{
    free(s->rot);
    free(s->tau);
    memset(s, 0, sizeof *s);
}

static int denom_of(double x)
{
    x -= floor(x);
    for (int d = 1; d <= 12; d++)
        if (fabs(x * d - floor(x * d + 0.5)) < 1e-4 * d) return d;
    return 0;
}

static long lcm(long a, long b)
{
    long x = a, y = b;
    while (y) {
        long t = x % y;
        x = y;
        y = t;
    }
    return a / x * b;
}

/* Is op (R, tau) an exact bijection of grid n? */
static int op_fits(const int R[3][3], const double tau[3], const int n[3])
{
    for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++)
            if (R[a][b] && ((long)R[a][b] * n[a]) % n[b]) return 0;
        double t = tau[a] * n[a];
        if (fabs(t - floor(t + 0.5)) > 1e-3) return 0;
    }
    return 1;
}

/* Choose n (>= n0) and keep the fitting operations for origin o. */
static int sym_fit(const SpglibDataset *ds, const double o[3], const int n0[3], int fixed, int n[3], sym_t *s)
{
    long L[3] = {1, 1, 1};
    int grp[3] = {0, 1, 2};
    double(*tau)[3] = malloc((size_t)ds->n_operations * sizeof *tau);
    if (!tau) return -1;
    for (int k = 0; k < ds->n_operations; k++) {
        const int(*R)[3] = ds->rotations[k];
        for (int a = 0; a < 3; a++) {
            double t = ds->translations[k][a] - o[a];
            for (int b = 0; b < 3; b++) t += R[a][b] * o[b];
            tau[k][a] = t - floor(t);
            int d = denom_of(tau[k][a]);
            if (d) L[a] = lcm(L[a], d);
            for (int b = 0; b < 3; b++)
                if (a != b && R[a][b]) {
                    int ga = grp[a], gb = grp[b];
                    for (int c = 0; c < 3; c++)
                        if (grp[c] == gb) grp[c] = ga;
                }
        }
    }
    for (int a = 0; a < 3; a++) {
        long Lg = 1, ng = 1;
        for (int b = 0; b < 3; b++)
            if (grp[b] == grp[a]) Lg = lcm(Lg, L[b]), ng = AION_MAX(ng, n0[b]);
        n[a] = fixed ? n0[a] : (int)(((ng + Lg - 1) / Lg) * Lg);
    }
    s->rot = malloc((size_t)ds->n_operations * sizeof *s->rot);
    s->tau = malloc((size_t)ds->n_operations * sizeof *s->tau);
    if (!s->rot || !s->tau) {
        free(tau);
        return -1;
    }
    s->nops = 0;
    for (int k = 0; k < ds->n_operations; k++)
        if (op_fits((const int(*)[3])ds->rotations[k], tau[k], n)) {
            memcpy(s->rot[s->nops], ds->rotations[k], sizeof s->rot[0]);
            memcpy(s->tau[s->nops], tau[k], sizeof s->tau[0]);
            s->nops++;
        }
    s->number = ds->spacegroup_number;
    free(tau);
    return 0;
}

static aion_status sym_setup(const aion_frame *f, const double inv[3][3], double symprec, const int n0[3],
                             int fixed, int n[3], double o[3], sym_t *s, aion_error *err)
{
    double lat[3][3], (*pos)[3] = malloc((size_t)f->n * sizeof *pos);
    int *types = malloc((size_t)f->n * sizeof *types);
    SpglibDataset *ds = NULL;
    aion_status st = AION_OK;
    memset(s, 0, sizeof *s);
    if (!pos || !types) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) lat[i][j] = f->cell[j][i]; /* spglib: vectors as columns */
    for (int i = 0; i < f->n; i++) {
        for (int c = 0; c < 3; c++) {
            double x = f->pos[i][0] * inv[0][c] + f->pos[i][1] * inv[1][c] + f->pos[i][2] * inv[2][c];
            pos[i][c] = x - floor(x);
        }
        types[i] = f->z[i];
    }
    ds = spg_get_dataset(lat, pos, types, f->n, symprec);
    if (!ds || ds->n_operations < 1) {
        st = aion_err_set(err, AION_ERR_NUMERIC, "spglib found no symmetry (symprec %g Å)", symprec);
        goto done;
    }
    /* candidate origins: the cell's own and the standard-setting origin */
    double cand[2][3] = {{0, 0, 0}, {0, 0, 0}}, P[3][3], Pinv[3][3];
    memcpy(P, ds->transformation_matrix, sizeof P);
    if (aion_cell_inverse(P, Pinv) == AION_OK) {
        /* x_s = P x + p, so x = P^-1 (x_s - p); x_s = 0 */
        for (int a = 0; a < 3; a++) {
            double v = 0;
            for (int b = 0; b < 3; b++) v -= Pinv[a][b] * ds->origin_shift[b];
            cand[1][a] = v - floor(v);
        }
    }
    int best = -1, bestn[3] = {0, 0, 0};
    for (int c = 0; c < 2; c++) {
        sym_t t;
        int nn[3];
        memset(&t, 0, sizeof t);
        if (sym_fit(ds, cand[c], n0, fixed, nn, &t)) {
            sym_free(&t);
            st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (best < 0 || t.nops > s->nops) {
            sym_free(s);
            *s = t;
            best = c;
            memcpy(bestn, nn, sizeof nn);
        } else {
            sym_free(&t);
        }
    }
    memcpy(n, bestn, sizeof bestn);
    memcpy(o, cand[best], sizeof cand[best]);
done:
    if (ds) spg_free_dataset(ds);
    free(pos);
    free(types);
    return st;
}

/* image of grid point k under op */
static inline long sym_apply(const sym_t *s, int op, const int n[3], long k)
{
    long K[3] = {k / ((long)n[1] * n[2]), (k / n[2]) % n[1], k % n[2]}, M[3];
    for (int a = 0; a < 3; a++) {
        double v = s->tau[op][a] * n[a];
        long m = (long)floor(v + 0.5);
        for (int b = 0; b < 3; b++) m += (long)s->rot[op][a][b] * n[a] / n[b] * K[b];
        M[a] = wrapi(m, n[a]);
    }
    return (M[0] * n[1] + M[1]) * n[2] + M[2];
}

/* rep[k] = smallest index in k's orbit under the ops listed in use[] (NULL = all) */
static void sym_reps(const sym_t *s, const unsigned char *use, const int n[3], long np, int *rep)
{
#pragma omp parallel for schedule(static)
    for (long k = 0; k < np; k++) {
        long r = k;
        for (int op = 0; op < s->nops; op++)
            if (!use || use[op]) {
                long m = sym_apply(s, op, n, k);
                if (m < r) r = m;
            }
        rep[k] = (int)r;
    }
}

/* Does op map atom i onto atom j (modulo lattice translations)? */
static int op_maps_atom(const sym_t *s, int op, const double o[3], const double fi[3], const double fj[3],
                        const double tol[3])
{
    for (int a = 0; a < 3; a++) {
        /* in grid-origin coordinates u = f − o: u' = R u + tau */
        double u = s->tau[op][a];
        for (int b = 0; b < 3; b++) u += s->rot[op][a][b] * (fi[b] - o[b]);
        double d = u - (fj[a] - o[a]);
        d -= floor(d + 0.5);
        if (fabs(d) > tol[a]) return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Scan context                                                        */
/* ------------------------------------------------------------------ */

typedef struct {
    const aion_frame *f;
    const aion_pes_opts *o;
    grid_t g;
    sym_t sym;
    int use_sym;
    int nth;
    /* mobile ions */
    int nmob, *mob;          /* atom indices */
    int *mob_slot;           /* atom -> slot in mob[] or -1 */
    /* exclusion */
    unsigned char *excl_fw;  /* a non-moving atom within the radius */
    unsigned char *mob_cnt;  /* distinct mobile atoms within the radius (capped at 2) */
    int *mob_who;            /* one of them */
    /* BVSE */
    double *ox;
    pes_term *terms;         /* per atom: probe = framework only; single = all atoms */
    double *field;           /* probe: E; single: G */
    /* potential path, single protocol: grids of the representative ions */
    double **ion_grid;       /* per slot (NULL unless scanned) */
    int *ion_rep, *ion_op;   /* slot of the representative and the op mapping rep -> this */
    double (*mfr)[3];        /* fractional positions of the mobile ions */
    double tol[3];           /* fractional tolerance for matching atoms */
    long n_eval;
} scan_t;

static int excluded_for(const scan_t *S, long k, int slot)
{
    if (S->excl_fw[k]) return 1;
    if (S->o->protocol == AION_PES_PROBE) return 0;
    int c = S->mob_cnt[k];
    if (c >= 2) return 1;
    return c == 1 && S->mob_who[k] != S->mob[slot];
}

static aion_status build_exclusion(scan_t *S, aion_error *err)
{
    const aion_frame *f = S->f;
    long np = S->g.np;
    double R = S->o->exclusion;
    S->excl_fw = calloc((size_t)np, 1);
    S->mob_cnt = calloc((size_t)np, 1);
    S->mob_who = malloc((size_t)np * sizeof *S->mob_who);
    if (!S->excl_fw || !S->mob_cnt || !S->mob_who) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    for (long k = 0; k < np; k++) S->mob_who[k] = -1;
    if (R <= 0) return AION_OK;
    for (int j = 0; j < f->n; j++) {
        int mobile = S->mob_slot[j] >= 0;
        if (mobile && S->o->protocol == AION_PES_PROBE) continue; /* removed */
        unsigned char *ef = S->excl_fw, *mc = S->mob_cnt;
        int *mw = S->mob_who;
        GRID_SPHERE_FOR(&S->g, f->pos[j], R, k, r2, {
            (void)r2;
            if (!mobile)
                ef[k] = 1;
            else if (mc[k] == 0) {
                mc[k] = 1;
                mw[k] = j;
            } else if (mw[k] != j)
                mc[k] = 2;
        });
    }
    return AION_OK;
}

/* Gather variant for sparse point sets (symmetry-reduced grids): for each
 * listed point, every atom's images within its range. */
static void bvse_field_gather(scan_t *S, const unsigned char *eval, long nev)
{
    const aion_frame *f = S->f;
    long np = S->g.np;
    double w[3];
    int m[3];
    aion_cell_widths(f->cell, w);
    double rmax = 0;
    for (int j = 0; j < f->n; j++)
        if (S->terms[j].kind >= 0) rmax = fmax(rmax, sqrt(S->terms[j].rc2));
    for (int a = 0; a < 3; a++) m[a] = (int)ceil(rmax / w[a]) + 1;
    int *pts = malloc((size_t)nev * sizeof *pts);
    if (!pts) return; /* caller checks via nev == 0 below */
    long q = 0;
    for (long k = 0; k < np; k++)
        if (eval[k]) pts[q++] = (int)k;
#pragma omp parallel for schedule(dynamic, 16) num_threads(S->nth)
    for (long t = 0; t < q; t++) {
        long k = pts[t];
        double x[3], sum = 0;
        grid_point(&S->g, k / ((long)S->g.n[1] * S->g.n[2]), (k / S->g.n[2]) % S->g.n[1], k % S->g.n[2], x);
        for (int j = 0; j < f->n; j++) {
            const pes_term *T = &S->terms[j];
            if (T->kind < 0) continue;
            double d0[3], fr[3];
            int s0[3];
            for (int c = 0; c < 3; c++) d0[c] = f->pos[j][c] - x[c];
            for (int c = 0; c < 3; c++) fr[c] = d0[0] * S->g.inv[0][c] + d0[1] * S->g.inv[1][c] + d0[2] * S->g.inv[2][c];
            for (int c = 0; c < 3; c++) s0[c] = -(int)floor(fr[c] + 0.5);
            for (int a = -m[0]; a <= m[0]; a++)
                for (int b = -m[1]; b <= m[1]; b++)
                    for (int c = -m[2]; c <= m[2]; c++) {
                        double d[3];
                        for (int e = 0; e < 3; e++)
                            d[e] = d0[e] + (s0[0] + a) * f->cell[0][e] + (s0[1] + b) * f->cell[1][e] +
                                   (s0[2] + c) * f->cell[2][e];
                        double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                        if (r2 < T->rc2 && r2 > 1e-16) sum += pes_term_energy(T, sqrt(r2));
                    }
        }
        S->field[k] = sum;
    }
    free(pts);
}

/* Accumulate the BVSE field of the atoms with terms into S->field at the
 * points with eval[k] (per-thread buffers, fixed static schedule), or by
 * gathering when only a few points are wanted. */
static aion_status bvse_field(scan_t *S, const unsigned char *eval, aion_error *err)
{
    const aion_frame *f = S->f;
    long np = S->g.np;
    int nth = S->nth;
    {
        /* cost estimates: scatter visits every point of every range sphere;
         * gather visits (2m+1)³ images of every atom per wanted point */
        long nev = 0, nat = 0;
        double sph = 0, w[3], vox = fabs(aion_det3(S->g.cell)) / (double)np, rmax = 0;
        for (long k = 0; k < np; k++) nev += eval[k];
        for (int j = 0; j < f->n; j++)
            if (S->terms[j].kind >= 0) {
                nat++;
                sph += 4.18879 * pow(S->terms[j].rc2, 1.5) / vox;
                rmax = fmax(rmax, sqrt(S->terms[j].rc2));
            }
        aion_cell_widths(f->cell, w);
        double img = 1;
        for (int a = 0; a < 3; a++) img *= 2 * (ceil(rmax / w[a]) + 1) + 1;
        if ((double)nev * (double)nat * img * 0.5 < sph) {
            for (long k = 0; k < np; k++) S->field[k] = 0;
            bvse_field_gather(S, eval, nev);
            S->n_eval += nev;
            return AION_OK;
        }
    }
    double *buf = aion_calloc((size_t)nth * (size_t)np, sizeof *buf);
    long nev = 0;
    if (!buf) return aion_err_set(err, AION_ERR_NOMEM, "out of memory for %d field buffers", nth);
#pragma omp parallel num_threads(nth)
    {
        double *my = buf + (size_t)omp_get_thread_num() * (size_t)np;
#pragma omp for schedule(static, 1)
        for (int j = 0; j < f->n; j++) {
            const pes_term *T = &S->terms[j];
            if (T->kind < 0) continue;
            double R = sqrt(T->rc2);
            GRID_SPHERE_FOR(&S->g, f->pos[j], R, k, r2, {
                if (eval[k] && r2 > 1e-16) my[k] += pes_term_energy(T, sqrt(r2));
            });
        }
#pragma omp for schedule(static) reduction(+ : nev)
        for (long k = 0; k < np; k++) {
            double s = 0;
            for (int t = 0; t < nth; t++) s += buf[(size_t)t * (size_t)np + (size_t)k];
            S->field[k] = s;
            nev += eval[k];
        }
    }
    free(buf);
    S->n_eval += nev;
    return AION_OK;
}

/* C_m: Coulomb field of mobile ion m's lattice at the points where
 * excluded_for(k, slot) is false, subtracted from e. */
static void subtract_own_lattice(const scan_t *S, int slot, double *e)
{
    const pes_term *T = &S->terms[S->mob[slot]];
    if (T->kind != PES_COULOMB) return;
    double R = sqrt(T->rc2);
    GRID_SPHERE_FOR(&S->g, S->f->pos[S->mob[slot]], R, k, r2, {
        if (r2 > 1e-16) e[k] -= pes_term_energy(T, sqrt(r2));
    });
}

/* Potential path: energies at the listed points with atom `moving` (or the
 * probe appended last when moving < 0) placed there, all other atoms fixed:
 * one aion_potential_probe call (one set-up, then O(neighbours of the point)
 * per point for the models with a fast path; threads over the points). */
static aion_status potential_scan(scan_t *S, const aion_frame *base, int moving, const int *pts, long npts, double *e,
                                  aion_error *err)
{
    aion_potential *p = NULL;
    aion_potential_opts po;
    aion_status st;
    double(*x)[3] = NULL, *en = NULL;
    if (npts <= 0) return AION_OK;
    if (npts > INT32_MAX) return aion_err_set(err, AION_ERR_INVALID, "too many grid points");
    if (S->o->potential_opts)
        po = *S->o->potential_opts;
    else
        aion_potential_opts_init(&po);
    po.nthreads = S->nth;
    if ((st = aion_potential_create(&p, S->o->potential, &po, err)) != AION_OK) return st;
    x = malloc((size_t)npts * sizeof *x);
    en = malloc((size_t)npts * sizeof *en);
    if (!x || !en) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (long q = 0; q < npts; q++) {
        long k = pts[q];
        grid_point(&S->g, k / ((long)S->g.n[1] * S->g.n[2]), (k / S->g.n[2]) % S->g.n[1], k % S->g.n[2], x[q]);
    }
    int at = moving >= 0 ? moving : base->n - 1;
    if ((st = aion_potential_probe(p, base, at, (int)npts, (const double(*)[3])x, en)) != AION_OK) {
        aion_err_set(err, st, "potential on the grid: %s", aion_potential_errmsg(p));
        goto done;
    }
    for (long q = 0; q < npts; q++) e[pts[q]] = en[q];
    S->n_eval += npts;
done:
    free(x);
    free(en);
    aion_potential_free(p);
    return st;
}

/* Fill E for a mobile slot (or the probe: slot -1) into e[np]. Points
 * excluded for it are set to NAN. */
static aion_status ion_energy(scan_t *S, int slot, double *e, aion_error *err)
{
    long np = S->g.np;
    int probe = S->o->protocol == AION_PES_PROBE;
    if (S->o->bvse || probe) {
        memcpy(e, S->field, (size_t)np * sizeof *e);
        if (!probe) subtract_own_lattice(S, slot, e);
    } else {
        const double *src = S->ion_grid[S->ion_rep[slot]];
        if (S->ion_rep[slot] == slot) {
            memcpy(e, src, (size_t)np * sizeof *e);
        } else {
            int op = S->ion_op[slot];
            for (long k = 0; k < np; k++) e[sym_apply(&S->sym, op, S->g.n, k)] = src[k];
        }
    }
    for (long k = 0; k < np; k++)
        if (excluded_for(S, k, probe ? -1 : slot)) e[k] = NAN;
    (void)err;
    return AION_OK;
}

/* Descriptors of one ion from its energies (NAN = excluded). e is modified
 * (excluded points get the maximum); level receives the level map. */
static aion_status analyse(const scan_t *S, double *e, double *level, aion_pes_ion *ion, aion_error *err)
{
    long np = S->g.np, nex = 0;
    double emin = INFINITY, emax = -INFINITY;
    aion_status st;
    for (long k = 0; k < np; k++) {
        if (isnan(e[k])) {
            nex++;
            continue;
        }
        if (e[k] < emin) emin = e[k];
        if (e[k] > emax) emax = e[k];
    }
    if (nex == np) return aion_err_set(err, AION_ERR_INVALID, "every grid point is inside the exclusion radius");
    for (long k = 0; k < np; k++)
        if (isnan(e[k])) e[k] = emax;
    double eperc[3];
    int start;
    if ((st = aion_pes_percolation(S->g.n, e, -1, eperc, &start, err)) != AION_OK) return st;
    /* the connected region grows from every point at the minimum energy (to
     * 1e-6 eV): the copies of the minimum in a supercell, or symmetry-
     * equivalent minima on a commensurate grid, count alike */
    int nseed = 0, *seeds = NULL;
    for (long k = 0; k < np; k++) nseed += e[k] <= emin + 1e-6;
    seeds = malloc((size_t)nseed * sizeof *seeds);
    if (!seeds) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    nseed = 0;
    for (long k = 0; k < np; k++)
        if (e[k] <= emin + 1e-6) seeds[nseed++] = (int)k;
    st = aion_pes_level_map_multi(S->g.n, e, nseed, seeds, level, err);
    free(seeds);
    if (st != AION_OK) return st;
    ion->e_min = emin;
    ion->start = start;
    ion->n_excluded = nex;
    for (int d = 0; d < 3; d++) ion->mpe[d] = eperc[d] - emin;
    for (int t = 0; t < AION_PES_NTHR; t++)
        aion_pes_free_volume(np, e, level, emin, aion_pes_threshold(t), &ion->fv_disc[t], &ion->fv_conn[t]);
    ion->xi = aion_pes_xi(ion->fv_conn[4], ion->fv_disc[4]);
    return AION_OK;
}

/* Union minima over ions: u[op(k)] = min(u, value at k) (op < 0: identity). */
static void union_update(const scan_t *S, const double *e, const double *level, double emin, int op, double *u_disc,
                         double *u_conn)
{
    long np = S->g.np;
#pragma omp critical(pes_union)
    for (long k = 0; k < np; k++) {
        long m = op < 0 ? k : sym_apply(&S->sym, op, S->g.n, k);
        double a = e[k] - emin, b = level[k] - emin;
        if (a < u_disc[m]) u_disc[m] = a;
        if (b < u_conn[m]) u_conn[m] = b;
    }
}

static void scan_free(scan_t *S)
{
    sym_free(&S->sym);
    free(S->mob);
    free(S->mob_slot);
    free(S->excl_fw);
    free(S->mob_cnt);
    free(S->mob_who);
    free(S->ox);
    free(S->terms);
    free(S->field);
    if (S->ion_grid)
        for (int s = 0; s < S->nmob; s++) free(S->ion_grid[s]);
    free(S->ion_grid);
    free(S->ion_rep);
    free(S->ion_op);
    free(S->mfr);
}

/* Mobile ions grouped by symmetry: ion_rep[s] = slot of the orbit's first
 * ion, ion_op[s] = an operation mapping it onto ion s (-1 for itself). */
static aion_status ion_orbits(scan_t *S, aion_error *err)
{
    S->ion_rep = malloc((size_t)S->nmob * sizeof *S->ion_rep);
    S->ion_op = malloc((size_t)S->nmob * sizeof *S->ion_op);
    S->mfr = malloc((size_t)S->nmob * sizeof *S->mfr);
    if (!S->ion_rep || !S->ion_op || !S->mfr) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    for (int a = 0; a < 3; a++) {
        double len = sqrt(S->g.cell[a][0] * S->g.cell[a][0] + S->g.cell[a][1] * S->g.cell[a][1] +
                          S->g.cell[a][2] * S->g.cell[a][2]);
        S->tol[a] = 2.0 * (S->o->symprec > 0 ? S->o->symprec : 0.01) / len + 1e-6;
    }
    for (int s = 0; s < S->nmob; s++) {
        const double *x = S->f->pos[S->mob[s]];
        for (int c = 0; c < 3; c++)
            S->mfr[s][c] = x[0] * S->g.inv[0][c] + x[1] * S->g.inv[1][c] + x[2] * S->g.inv[2][c];
        S->ion_rep[s] = s;
        S->ion_op[s] = -1;
        if (!S->use_sym) continue;
        for (int r = 0; r < s && S->ion_op[s] < 0; r++) {
            if (S->ion_rep[r] != r) continue;
            for (int op = 0; op < S->sym.nops; op++)
                if (op_maps_atom(&S->sym, op, S->g.o, S->mfr[r], S->mfr[s], S->tol)) {
                    S->ion_rep[s] = r;
                    S->ion_op[s] = op;
                    break;
                }
        }
    }
    return AION_OK;
}

/* Potential path for the single protocol: scan the representative ions,
 * each only at the points irreducible under its stabiliser. */
static aion_status potential_single(scan_t *S, aion_error *err)
{
    long np = S->g.np;
    aion_status st = AION_OK;
    int *rep = malloc((size_t)np * sizeof *rep), *pts = malloc((size_t)np * sizeof *pts);
    unsigned char *use = S->use_sym ? malloc((size_t)S->sym.nops) : NULL;
    S->ion_grid = aion_calloc((size_t)S->nmob, sizeof *S->ion_grid);
    if (!rep || !pts || (S->use_sym && !use) || !S->ion_grid) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int s = 0; s < S->nmob; s++) {
        if (S->ion_rep[s] != s) continue;
        double *e = malloc((size_t)np * sizeof *e);
        if (!e) {
            st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        S->ion_grid[s] = e;
        long npts = 0;
        if (S->use_sym) {
            for (int op = 0; op < S->sym.nops; op++)
                use[op] = (unsigned char)op_maps_atom(&S->sym, op, S->g.o, S->mfr[s], S->mfr[s], S->tol);
            sym_reps(&S->sym, use, S->g.n, np, rep);
        } else {
            for (long k = 0; k < np; k++) rep[k] = (int)k;
        }
        for (long k = 0; k < np; k++) {
            e[k] = NAN;
            if (rep[k] == k && !excluded_for(S, k, s)) pts[npts++] = (int)k;
        }
        if ((st = potential_scan(S, S->f, S->mob[s], pts, npts, e, err)) != AION_OK) goto done;
        for (long k = 0; k < np; k++) e[k] = e[rep[k]];
    }
done:
    free(rep);
    free(pts);
    free(use);
    return st;
}

aion_status aion_pes_scan(const aion_frame *f, const aion_pes_opts *o, aion_pes_result *res, aion_error *err)
{
    scan_t S;
    aion_status st = AION_OK;
    double t0 = now_s();
    double *u_disc = NULL, *u_conn = NULL;
    int *rep = NULL;
    unsigned char *eval = NULL;
    aion_frame fw;
    memset(&S, 0, sizeof S);
    memset(res, 0, sizeof *res);
    aion_frame_init(&fw);
    if (!f || !o) return aion_err_set(err, AION_ERR_INVALID, "NULL argument");
    if (!(f->has & AION_HAS_CELL) || !f->pbc[0] || !f->pbc[1] || !f->pbc[2])
        return aion_err_set(err, AION_ERR_INVALID, "a screening scan needs a cell periodic in 3D");
    if (o->mobile_z < 1 || o->mobile_z > AION_MAX_Z)
        return aion_err_set(err, AION_ERR_INVALID, "no mobile species given");
    if ((!(o->spacing > 0.01) || o->spacing > 5) && !(o->grid_n[0] > 0 && o->grid_n[1] > 0 && o->grid_n[2] > 0))
        return aion_err_set(err, AION_ERR_INVALID, "grid spacing %g Å is not sensible", o->spacing);
    if (!o->bvse && !o->potential) return aion_err_set(err, AION_ERR_INVALID, "no energy model (BVSE or potential)");
    S.f = f;
    S.o = o;
    S.nth = o->nthreads > 0 ? o->nthreads : omp_get_max_threads();
    if (S.nth < 1) S.nth = 1;
    memcpy(S.g.cell, f->cell, sizeof S.g.cell);
    if (aion_cell_inverse(f->cell, S.g.inv) != AION_OK) return aion_err_set(err, AION_ERR_NUMERIC, "singular cell");

    /* mobile ions */
    S.mob = malloc((size_t)(f->n > 0 ? f->n : 1) * sizeof *S.mob);
    S.mob_slot = malloc((size_t)(f->n > 0 ? f->n : 1) * sizeof *S.mob_slot);
    if (!S.mob || !S.mob_slot) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < f->n; i++) {
        S.mob_slot[i] = -1;
        if (f->z[i] == o->mobile_z) {
            S.mob_slot[i] = S.nmob;
            S.mob[S.nmob++] = i;
        }
    }
    if (o->protocol == AION_PES_SINGLE && S.nmob == 0) {
        st = aion_err_set(err, AION_ERR_INVALID, "no %s atoms to move (use the probe protocol)",
                          aion_element_symbol(o->mobile_z));
        goto done;
    }
    if (o->protocol == AION_PES_PROBE && S.nmob == f->n) {
        st = aion_err_set(err, AION_ERR_INVALID, "nothing is left when the mobile ions are removed");
        goto done;
    }

    /* grid */
    int n0[3];
    for (int a = 0; a < 3; a++) {
        double len = sqrt(f->cell[a][0] * f->cell[a][0] + f->cell[a][1] * f->cell[a][1] + f->cell[a][2] * f->cell[a][2]);
        n0[a] = o->grid_n[a] > 0 ? o->grid_n[a] : (int)ceil(len / o->spacing - 1e-9);
        if (n0[a] < 1) n0[a] = 1;
        S.g.n[a] = n0[a];
    }
    res->n_ops = 1;
    if (o->symmetry) {
        double symprec = o->symprec > 0 ? o->symprec : 0.01;
        int fixed = o->grid_n[0] > 0 && o->grid_n[1] > 0 && o->grid_n[2] > 0;
        if ((st = sym_setup(f, S.g.inv, symprec, n0, fixed, S.g.n, S.g.o, &S.sym, err)) != AION_OK) goto done;
        S.use_sym = S.sym.nops > 1;
        res->n_ops = S.sym.nops;
        res->spacegroup = S.sym.number;
    }
    S.g.np = (long)S.g.n[0] * S.g.n[1] * S.g.n[2];
    if (S.g.np > 100000000L || S.g.np > (long)INT32_MAX) {
        st = aion_err_set(err, AION_ERR_INVALID, "grid %dx%dx%d is too large", S.g.n[0], S.g.n[1], S.g.n[2]);
        goto done;
    }
    memcpy(res->n, S.g.n, sizeof res->n);
    memcpy(res->origin, S.g.o, sizeof res->origin);
    long np = S.g.np;
    if ((st = build_exclusion(&S, err)) != AION_OK) goto done;

    rep = malloc((size_t)np * sizeof *rep);
    eval = malloc((size_t)np);
    if (!rep || !eval) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (S.use_sym)
        sym_reps(&S.sym, NULL, S.g.n, np, rep);
    else
        for (long k = 0; k < np; k++) rep[k] = (int)k;

    int probe = o->protocol == AION_PES_PROBE;
    if (!probe && (st = ion_orbits(&S, err)) != AION_OK) goto done;
    if (o->bvse) {
        /* oxidation states, terms */
        S.ox = malloc((size_t)f->n * sizeof *S.ox);
        if (!S.ox) {
            st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (o->ox) {
            memcpy(S.ox, o->ox, (size_t)f->n * sizeof *S.ox);
            snprintf(res->ox_note, sizeof res->ox_note, "given by the caller");
        } else if ((st = aion_bvse_oxidation(o->bvse, f, S.ox, res->ox_note, sizeof res->ox_note, err)) != AION_OK) {
            goto done;
        }
        double mq = o->mobile_q != 0 ? o->mobile_q : aion_pes_mobile_charge(o->mobile_z);
        if (mq == 0) {
            st = aion_err_set(err, AION_ERR_INVALID, "no formal charge known for mobile %s",
                              aion_element_symbol(o->mobile_z));
            goto done;
        }
        for (int s = 0; s < S.nmob; s++)
            if (fabs(S.ox[S.mob[s]] - mq) > 1e-6) {
                st = aion_err_set(err, AION_ERR_INVALID, "mobile %s atom %d has oxidation state %+g, not %+g",
                                  aion_element_symbol(o->mobile_z), S.mob[s], S.ox[S.mob[s]], mq);
                goto done;
            }
        unsigned char *use = malloc((size_t)f->n);
        if (!use) {
            st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (int j = 0; j < f->n; j++) use[j] = !(probe && S.mob_slot[j] >= 0);
        st = pes_bvse_terms(o->bvse, f, S.ox, o->mobile_z, mq, use, o->bvse_cutoff > 0 ? o->bvse_cutoff : 10.0,
                            o->bvse_tol > 0 ? o->bvse_tol : 1e-5, &S.terms, err);
        free(use);
        if (st != AION_OK) goto done;
        /* the field where some ion may sit */
        S.field = malloc((size_t)np * sizeof *S.field);
        if (!S.field) {
            st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (long k = 0; k < np; k++) {
            int needed = probe ? !S.excl_fw[k] : (!S.excl_fw[k] && S.mob_cnt[k] < 2);
            eval[k] = (unsigned char)(needed && rep[k] == k);
        }
        if ((st = bvse_field(&S, eval, err)) != AION_OK) goto done;
        if (S.use_sym)
            for (long k = 0; k < np; k++) S.field[k] = S.field[rep[k]];
    } else if (probe) {
        /* framework + probe at the end */
        int nfw = f->n - S.nmob, q = 0;
        if ((st = aion_frame_resize(&fw, nfw + 1, 0)) != AION_OK) {
            aion_err_set(err, st, "out of memory");
            goto done;
        }
        fw.has |= AION_HAS_CELL;
        memcpy(fw.cell, f->cell, sizeof fw.cell);
        memcpy(fw.pbc, f->pbc, sizeof fw.pbc);
        for (int i = 0; i < f->n; i++)
            if (S.mob_slot[i] < 0) {
                fw.z[q] = f->z[i];
                memcpy(fw.pos[q], f->pos[i], sizeof fw.pos[q]);
                q++;
            }
        fw.z[nfw] = o->mobile_z;
        fw.pos[nfw][0] = fw.pos[nfw][1] = fw.pos[nfw][2] = 0.0; /* not used: the probe is placed per point */
        S.field = malloc((size_t)np * sizeof *S.field);
        int *pts = calloc((size_t)np, sizeof *pts);
        if (!S.field || !pts) {
            free(pts);
            st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        long npts = 0;
        for (long k = 0; k < np; k++) {
            S.field[k] = NAN;
            if (rep[k] == k && !S.excl_fw[k]) pts[npts++] = (int)k;
        }
        st = potential_scan(&S, &fw, -1, pts, npts, S.field, err);
        free(pts);
        if (st != AION_OK) goto done;
        for (long k = 0; k < np; k++) S.field[k] = S.field[rep[k]];
    } else {
        if ((st = potential_single(&S, err)) != AION_OK) goto done;
    }

    /* descriptors per ion, in parallel over ions */
    int nion = probe ? 1 : S.nmob;
    res->ion = aion_calloc((size_t)nion, sizeof *res->ion);
    u_disc = malloc((size_t)np * sizeof *u_disc);
    u_conn = malloc((size_t)np * sizeof *u_conn);
    if (!res->ion || !u_disc || !u_conn) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    res->n_ion = nion;
    for (long k = 0; k < np; k++) u_disc[k] = u_conn[k] = INFINITY;
    int failed = 0;
    aion_error first;
    memset(&first, 0, sizeof first);
#pragma omp parallel num_threads(AION_MIN(S.nth, nion))
    {
        double *e = malloc((size_t)np * sizeof *e), *lv = malloc((size_t)np * sizeof *lv);
        aion_error e1;
        memset(&e1, 0, sizeof e1);
        int ok = e && lv;
        if (!ok) {
#pragma omp critical(pes_err)
            if (!failed) failed = 1, aion_err_set(&first, AION_ERR_NOMEM, "out of memory");
        }
#pragma omp for schedule(dynamic, 1)
        for (int s = 0; s < nion; s++) {
            if (!ok || failed) continue;
            if (!probe && S.ion_rep[s] != s) continue; /* filled from its representative */
            aion_pes_ion one;
            memset(&one, 0, sizeof one);
            if (ion_energy(&S, probe ? -1 : s, e, &e1) != AION_OK || analyse(&S, e, lv, &one, &e1) != AION_OK) {
#pragma omp critical(pes_err)
                if (!failed) failed = 1, first = e1;
                continue;
            }
            /* the ion itself and the members of its orbit */
            for (int m = s; m < nion; m++) {
                if (m != s && (probe || S.ion_rep[m] != s)) continue;
                aion_pes_ion *ion = &res->ion[m];
                *ion = one;
                ion->atom = probe ? -1 : S.mob[m];
                ion->mapped_from = probe ? -1 : S.mob[s];
                if (!probe && m != s) {
                    /* the minimum moves with the ion */
                    ion->start = (int)sym_apply(&S.sym, S.ion_op[m], S.g.n, one.start);
                }
                union_update(&S, e, lv, one.e_min, m == s ? -1 : S.ion_op[m], u_disc, u_conn);
            }
        }
        free(e);
        free(lv);
    }
    if (failed) {
        st = aion_err_copy(err, &first);
        goto done;
    }
    res->best_ion = 0;
    for (int d = 0; d < 3; d++) res->mpe[d] = INFINITY;
    for (int s = 0; s < nion; s++) {
        for (int d = 0; d < 3; d++) res->mpe[d] = fmin(res->mpe[d], res->ion[s].mpe[d]);
        if (res->ion[s].mpe[0] < res->ion[res->best_ion].mpe[0] - 1e-9) res->best_ion = s;
    }
    for (int t = 0; t < AION_PES_NTHR; t++) {
        double thr = aion_pes_threshold(t);
        long nd = 0, nc = 0;
        for (long k = 0; k < np; k++) {
            nd += u_disc[k] < thr;
            nc += u_conn[k] < thr;
        }
        res->fv_disc[t] = (double)nd / (double)np;
        res->fv_conn[t] = (double)nc / (double)np;
    }
    res->xi = aion_pes_xi(res->fv_conn[4], res->fv_disc[4]);
    if (o->keep_grids) {
        int s = res->best_ion;
        res->energy = malloc((size_t)np * sizeof *res->energy);
        res->level = malloc((size_t)np * sizeof *res->level);
        if (!res->energy || !res->level) {
            st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        aion_pes_ion tmp;
        if ((st = ion_energy(&S, probe ? -1 : s, res->energy, err)) != AION_OK ||
            (st = analyse(&S, res->energy, res->level, &tmp, err)) != AION_OK)
            goto done;
        for (long k = 0; k < np; k++) {
            res->energy[k] -= tmp.e_min;
            res->level[k] -= tmp.e_min;
        }
    }
    res->n_eval = S.n_eval;
done:
    res->seconds = now_s() - t0;
    aion_frame_free(&fw);
    free(u_disc);
    free(u_conn);
    free(rep);
    free(eval);
    scan_free(&S);
    return st;
}
