/*
 * Ewald summation for point charges in a triclinic periodic cell.
 *
 *   E = E_real + E_recip + E_self + E_bg
 *   E_real  = k_e/2 Σ_{i,j,n}' q_i q_j erfc(α|r_ij + n|)/|r_ij + n|          (|r| < r_c)
 *   E_recip = Σ_{k in half space, |k| ≤ K} A(k) |S(k)|²,
 *             A(k) = (4π k_e/V) exp(-k²/4α²)/k²,  S(k) = Σ_j q_j exp(i k·r_j)
 *   E_self  = -k_e α/√π Σ_i q_i²
 *   E_bg    = -k_e π/(2Vα²) (Σ_i q_i)²       (uniform neutralising background)
 * k = 2π (m1 b1 + m2 b2 + m3 b3) with b_j the reciprocal vectors (a_i·b_j = δ_ij).
 *
 * Forces:  F_i = Σ_k 2 A(k) k Im[S(k)* q_i exp(i k·r_i)]
 * Virial (W = -dE/dε, positive when compressed):
 *   W_ab = Σ_k A(k)|S(k)|² [δ_ab - 2 k_a k_b (1/k² + 1/(4α²))] + E_bg δ_ab
 *          + Σ_pairs fr d_a d_b   (real space)
 * Per-atom energies: real space 1/2 of every pair to each partner;
 *   e_i^recip = Σ_k A(k) Re[q_i exp(-i k·r_i) S(k)],  e_i^self = -k_e α q_i²/√π,
 *   e_i^bg = -k_e π q_i (Σ_j q_j)/(2Vα²); they sum to the total exactly.
 *
 * Parameters from the requested accuracy δ (RMS force error per atom, in units of
 * the force between two unit charges 1 Å apart, k_e e²/Å², as LAMMPS' kspace
 * accuracy), with the Kolafa–Perram estimates (Mol. Sim. 9, 351 (1992),
 * doi:10.1080/08927029208049126), Q = Σ q_i² (e²), N atoms, V volume:
 *   ΔF_real  = 2 Q / sqrt(N r_c V) · exp(-α² r_c²)
 *   ΔF_recip = 2√2 Q α / sqrt(N V K) · exp(-K²/4α²)      (spherical cutoff K)
 * α is chosen so that ΔF_real = δ/2 at the given r_c; then K so that
 * ΔF_recip = δ/2. The errors are independent: expected total δ/√2 ≈ 0.71 δ,
 * leaving a margin for the statistical scatter of the estimates (±30 %).
 * Standard Ewald references: Ewald, Ann. Phys. 369, 253 (1921); the per-direction
 * exp(i m 2π s) tables by recurrence as in e.g. Allen & Tildesley (2017), ch. 6.
 *
 * Determinism: structure factors are computed one k-column per thread, forces
 * one atom block per thread, each with a fixed summation order; energy and
 * virial are summed serially. Results do not depend on the thread count.
 */
#include "ewald.h"
#include "internal.h"
#include "neighbor/nlist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define EW_PI 3.14159265358979323846
#define EW_BLOCK 64

struct aion_ewald {
    /* settings */
    double accuracy;
    double rcut_req;          /* 0 = choose */
    double alpha_set, kcut_set; /* 0 = choose */
    int nthreads;             /* 0 = OpenMP default */
    /* parameters for the prepared configuration */
    int valid;
    double cell[3][3], inv[3][3], volume;
    int n;
    double qsq, qsum;
    double alpha, rcut, kcut;
    int mmax[3];
    /* k-vectors in the half space, grouped in columns of fixed (m1, m2) with
     * consecutive m3: column c holds k = col_start[c] .. col_start[c+1]-1 */
    int nk, cap_k;
    double (*kvec)[3];
    double *pref;             /* A(k) */
    double *vfac;             /* 2 (1/k² + 1/(4α²)) */
    int ncol, cap_col;
    int *col_m1, *col_m2, *col_m3lo, *col_start;
    /* per-evaluation work */
    int cap_n;                /* atoms the tables were sized for */
    int cap_m[3];
    double *er[3], *ei[3];    /* exp(2πi m s) tables, layout [m + off][atom] */
    double *sr, *si;          /* structure factors (nk) */
    double *tkr, *tki;        /* exp(i k·r_j), [k][atom], for repeated potentials (kspace_table) */
    size_t cap_t;
    int t_n, t_nk;            /* the table's atoms and k-vectors (0: none) */
    double *pa;               /* per-atom scratch for the real-space sums (7n) */
    int cap_pa;
    /* aion_ewald_compute's own full neighbour list (cutoff r_c, skin) */
    aion_nlist *nl;
    double nl_cut;
    long nl_builds_seen;      /* list build the transposed list belongs to */
    int nl_n;
    int *in_off, cap_in;      /* transposed half list: pairs k where atom j is the partner */
    int *in_k, *in_i;
    double *pfr, *pe;         /* per pair: fr and energy (pass 1 -> pass 2) */
    long cap_pair;
    /* probe: structure factor of all atoms but the moved one (nk) */
    double *psr, *psi;
    int cap_p;
};

#define EW_SKIN 1.0 /* Verlet skin of the private neighbour list (Å) */

/* ---------------------------------------------------------------------- */
/* creation and settings                                                  */

aion_status aion_ewald_create(aion_ewald **out, double accuracy, double rcut, aion_error *err)
{
    *out = NULL;
    if (!(accuracy > 0.0 && accuracy < 1.0))
        return aion_err_set(err, AION_ERR_INVALID, "ewald: accuracy %g must be in (0, 1)", accuracy);
    if (!(rcut >= 0.0) || !isfinite(rcut))
        return aion_err_set(err, AION_ERR_INVALID, "ewald: real-space cutoff %g must be >= 0", rcut);
    aion_ewald *ew = aion_calloc(1, sizeof *ew);
    if (!ew) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
    ew->accuracy = accuracy;
    ew->rcut_req = rcut;
    *out = ew;
    return AION_OK;
}

void aion_ewald_free(aion_ewald *ew)
{
    if (!ew) return;
    free(ew->kvec);
    free(ew->pref);
    free(ew->vfac);
    free(ew->col_m1);
    free(ew->col_m2);
    free(ew->col_m3lo);
    free(ew->col_start);
    for (int d = 0; d < 3; d++) {
        free(ew->er[d]);
        free(ew->ei[d]);
    }
    free(ew->sr);
    free(ew->si);
    free(ew->tkr);
    free(ew->tki);
    free(ew->pa);
    aion_nlist_free(ew->nl);
    free(ew->in_off);
    free(ew->in_k);
    free(ew->in_i);
    free(ew->pfr);
    free(ew->pe);
    free(ew->psr);
    free(ew->psi);
    free(ew);
}

aion_status aion_ewald_set_params(aion_ewald *ew, double alpha, double kcut)
{
    if (!(alpha >= 0.0) || !(kcut >= 0.0) || !isfinite(alpha) || !isfinite(kcut)) return AION_ERR_INVALID;
    ew->alpha_set = alpha;
    ew->kcut_set = kcut;
    ew->valid = 0;
    return AION_OK;
}

void aion_ewald_set_threads(aion_ewald *ew, int nthreads) { ew->nthreads = nthreads > 0 ? nthreads : 0; }

double aion_ewald_alpha(const aion_ewald *ew) { return ew->alpha; }
double aion_ewald_rcut(const aion_ewald *ew) { return ew->rcut; }
double aion_ewald_kcut(const aion_ewald *ew) { return ew->kcut; }
int aion_ewald_nkvec(const aion_ewald *ew) { return ew->nk; }

static int ew_threads(const aion_ewald *ew)
{
#ifdef _OPENMP
    return ew->nthreads > 0 ? ew->nthreads : omp_get_max_threads();
#else
    (void)ew;
    return 1;
#endif
}

/* ---------------------------------------------------------------------- */
/* parameter choice (Kolafa & Perram 1992)                                */

static double err_real(double alpha, double rc, double qsq, int n, double vol)
{
    return 2.0 * qsq / sqrt((double)n * rc * vol) * exp(-alpha * alpha * rc * rc);
}

static double err_recip(double alpha, double kc, double qsq, int n, double vol)
{
    if (!(kc > 0.0)) return INFINITY;
    return 2.0 * sqrt(2.0) * qsq * alpha / sqrt((double)n * vol * kc) * exp(-kc * kc / (4.0 * alpha * alpha));
}

void aion_ewald_error_estimate(const aion_ewald *ew, double *df_real, double *df_recip)
{
    double ke = AION_COULOMB_EV_A;
    if (!ew->valid || ew->qsq <= 0.0) {
        if (df_real) *df_real = 0.0;
        if (df_recip) *df_recip = 0.0;
        return;
    }
    if (df_real) *df_real = ke * err_real(ew->alpha, ew->rcut, ew->qsq, ew->n, ew->volume);
    if (df_recip) *df_recip = ke * err_recip(ew->alpha, ew->kcut, ew->qsq, ew->n, ew->volume);
}

/* α such that ΔF_real(α, rc) = acc; α rc at least 2 (below that the estimate
 * is meaningless and the k-space part would be tiny anyway). */
static double choose_alpha(double acc, double rc, double qsq, int n, double vol)
{
    double arg = 2.0 * qsq / (acc * sqrt((double)n * rc * vol));
    double p = arg > 1.0 ? sqrt(log(arg)) : 0.0;
    if (p < 2.0) p = 2.0;
    return p / rc;
}

/* K such that ΔF_recip(α, K) = acc: with K = 2αx solve
 * x² + ln(x)/2 = ln(2√2 Q α/(acc sqrt(N V))) - ln(2α)/2, x ≥ 1. */
static double choose_kcut(double acc, double alpha, double qsq, int n, double vol)
{
    double rhs = log(2.0 * sqrt(2.0) * qsq * alpha / (acc * sqrt((double)n * vol))) - 0.5 * log(2.0 * alpha);
    double x = sqrt(fmax(rhs, 1.0));
    for (int it = 0; it < 100; it++) {
        double h = x * x + 0.5 * log(x) - rhs;
        double dx = h / (2.0 * x + 0.5 / x);
        x -= dx;
        if (x < 1e-3) x = 1e-3;
        if (fabs(dx) < 1e-14 * x) break;
    }
    if (x < 1.0) x = 1.0;
    return 2.0 * alpha * x;
}

/* Default real-space cutoff: balance the real-space work τ_r N² (2π/3) r_c³/V
 * against the reciprocal work τ_k N (2π/3) K³ V/(8π³) with r_c = p/α and
 * K = 2pα: α_opt = √π (τ_r/τ_k)^{1/6} (N/V²)^{1/6}. τ_r/τ_k ≈ 16 is the measured
 * ratio of the cost of one real-space pair to one (k-vector, atom) term of
 * this implementation (bench/ewald). Then r_c = p/α_opt with p from the
 * accuracy, clamped to [5, 12] Å. */
static double choose_rcut(double acc, double qsq, int n, double vol)
{
    const double cost_ratio = 16.0;
    double aopt = sqrt(EW_PI) * pow(cost_ratio * (double)n / (vol * vol), 1.0 / 6.0);
    double rc = 10.0;
    for (int it = 0; it < 20; it++) {
        double arg = 2.0 * qsq / (acc * sqrt((double)n * rc * vol));
        double p = arg > 1.0 ? sqrt(log(arg)) : 2.0;
        if (p < 2.0) p = 2.0;
        rc = fmin(12.0, fmax(5.0, p / aopt));
    }
    return rc;
}

/* ---------------------------------------------------------------------- */
/* k-vector list                                                          */

static aion_status grow_k(aion_ewald *ew, int need)
{
    if (need <= ew->cap_k) return AION_OK;
    int cap = ew->cap_k ? ew->cap_k : 256;
    while (cap < need) {
        if (cap > (1 << 29)) return AION_ERR_NOMEM;
        cap *= 2;
    }
    void *p;
    if (!(p = aion_realloc_array(ew->kvec, (size_t)cap, sizeof *ew->kvec))) return AION_ERR_NOMEM;
    ew->kvec = p;
    if (!(p = aion_realloc_array(ew->pref, (size_t)cap, sizeof *ew->pref))) return AION_ERR_NOMEM;
    ew->pref = p;
    if (!(p = aion_realloc_array(ew->vfac, (size_t)cap, sizeof *ew->vfac))) return AION_ERR_NOMEM;
    ew->vfac = p;
    if (!(p = aion_realloc_array(ew->sr, (size_t)cap, sizeof *ew->sr))) return AION_ERR_NOMEM;
    ew->sr = p;
    if (!(p = aion_realloc_array(ew->si, (size_t)cap, sizeof *ew->si))) return AION_ERR_NOMEM;
    ew->si = p;
    ew->cap_k = cap;
    return AION_OK;
}

static aion_status grow_col(aion_ewald *ew, int need)
{
    if (need + 1 <= ew->cap_col) return AION_OK;
    int cap = ew->cap_col ? ew->cap_col : 64;
    while (cap < need + 1) {
        if (cap > (1 << 29)) return AION_ERR_NOMEM;
        cap *= 2;
    }
    void *p;
    if (!(p = aion_realloc_array(ew->col_m1, (size_t)cap, sizeof(int)))) return AION_ERR_NOMEM;
    ew->col_m1 = p;
    if (!(p = aion_realloc_array(ew->col_m2, (size_t)cap, sizeof(int)))) return AION_ERR_NOMEM;
    ew->col_m2 = p;
    if (!(p = aion_realloc_array(ew->col_m3lo, (size_t)cap, sizeof(int)))) return AION_ERR_NOMEM;
    ew->col_m3lo = p;
    if (!(p = aion_realloc_array(ew->col_start, (size_t)cap, sizeof(int)))) return AION_ERR_NOMEM;
    ew->col_start = p;
    ew->cap_col = cap;
    return AION_OK;
}

/* k = 2π Σ_j m_j b_j, b_j = column j of inv (r·b_j = s_j). */
static void kvector(const double inv[3][3], int m1, int m2, int m3, double k[3])
{
    for (int a = 0; a < 3; a++) k[a] = 2.0 * EW_PI * (inv[a][0] * m1 + inv[a][1] * m2 + inv[a][2] * m3);
}

static aion_status build_kvectors(aion_ewald *ew)
{
    const double K = ew->kcut, K2 = K * K, a2 = ew->alpha * ew->alpha;
    const double ke = AION_COULOMB_EV_A;
    ew->nk = 0;
    ew->ncol = 0;
    for (int d = 0; d < 3; d++) {
        double len = sqrt(ew->cell[d][0] * ew->cell[d][0] + ew->cell[d][1] * ew->cell[d][1] +
                          ew->cell[d][2] * ew->cell[d][2]);
        /* m_d = k·a_d/(2π), so |m_d| ≤ K |a_d|/(2π) */
        double m = floor(K * len / (2.0 * EW_PI) + 1e-9);
        if (m > 100000.0) return AION_ERR_NUMERIC;
        ew->mmax[d] = K > 0.0 ? (int)m : 0;
    }
    if (grow_col(ew, 0)) return AION_ERR_NOMEM;
    ew->col_start[0] = 0;
    if (!(K > 0.0)) return AION_OK;
    const int M1 = ew->mmax[0], M2 = ew->mmax[1], M3 = ew->mmax[2];
    for (int m1 = 0; m1 <= M1; m1++) {
        for (int m2 = (m1 == 0 ? 0 : -M2); m2 <= M2; m2++) {
            int lo = (m1 == 0 && m2 == 0) ? 1 : -M3;
            int first = 0, found = 0;
            int start = ew->nk;
            for (int m3 = lo; m3 <= M3; m3++) {
                double k[3];
                kvector(ew->inv, m1, m2, m3, k);
                double k2 = k[0] * k[0] + k[1] * k[1] + k[2] * k[2];
                if (k2 > K2) {
                    if (found) break; /* the sphere cuts a line in one interval */
                    continue;
                }
                if (!found) {
                    first = m3;
                    found = 1;
                }
                if (grow_k(ew, ew->nk + 1)) return AION_ERR_NOMEM;
                int i = ew->nk++;
                memcpy(ew->kvec[i], k, sizeof k);
                ew->pref[i] = 4.0 * EW_PI * ke / ew->volume * exp(-k2 / (4.0 * a2)) / k2;
                ew->vfac[i] = 2.0 * (1.0 / k2 + 1.0 / (4.0 * a2));
            }
            if (!found) continue;
            if (grow_col(ew, ew->ncol + 1)) return AION_ERR_NOMEM;
            int c = ew->ncol++;
            ew->col_m1[c] = m1;
            ew->col_m2[c] = m2;
            ew->col_m3lo[c] = first;
            ew->col_start[c] = start;
            ew->col_start[c + 1] = ew->nk;
        }
    }
    return AION_OK;
}

/* ---------------------------------------------------------------------- */
/* prepare                                                                */

aion_status aion_ewald_prepare(aion_ewald *ew, const double cell[3][3], int n, const double *q, aion_error *err)
{
    if (n < 0 || (n > 0 && !q)) return aion_err_set(err, AION_ERR_INVALID, "ewald: bad atom count or charges");
    double qsq = 0.0, qsum = 0.0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(q[i])) return aion_err_set(err, AION_ERR_INVALID, "ewald: charge of atom %d is not finite", i);
        qsq += q[i] * q[i];
        qsum += q[i];
    }
    if (ew->valid && n == ew->n && qsq == ew->qsq && qsum == ew->qsum && memcmp(cell, ew->cell, sizeof ew->cell) == 0)
        return AION_OK;
    ew->valid = 0;
    ew->t_n = ew->t_nk = 0;
    double inv[3][3];
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            if (!isfinite(cell[a][b])) return aion_err_set(err, AION_ERR_INVALID, "ewald: cell is not finite");
    if (aion_cell_inverse(cell, inv) != AION_OK)
        return aion_err_set(err, AION_ERR_NUMERIC, "ewald: the cell is singular");
    double vol = fabs(aion_det3(cell));
    memcpy(ew->cell, cell, sizeof ew->cell);
    memcpy(ew->inv, inv, sizeof ew->inv);
    ew->volume = vol;
    ew->n = n;
    ew->qsq = qsq;
    ew->qsum = qsum;
    /* each truncation gets δ/2: the two errors are independent, so the expected
     * total is δ/√2, which leaves room for the ±30 % scatter of the estimates */
    double acc = 0.5 * ew->accuracy;
    int nn = n > 0 ? n : 1;
    double qq = qsq > 0.0 ? qsq : 1.0; /* all-neutral atoms: any α works, K = 0 below */
    /* an automatic r_c is chosen at the first prepare and then kept, so that a
     * deforming cell does not change the neighbour-list cutoff */
    if (ew->rcut_req > 0.0)
        ew->rcut = ew->rcut_req;
    else if (!(ew->rcut > 0.0))
        ew->rcut = choose_rcut(acc, qq, nn, vol);
    ew->alpha = ew->alpha_set > 0.0 ? ew->alpha_set : choose_alpha(acc, ew->rcut, qq, nn, vol);
    if (qsq <= 0.0)
        ew->kcut = 0.0;
    else
        ew->kcut = ew->kcut_set > 0.0 ? ew->kcut_set : choose_kcut(acc, ew->alpha, qq, nn, vol);
    if (build_kvectors(ew) != AION_OK)
        return aion_err_set(err, AION_ERR_NOMEM, "ewald: cannot build the k-vector list (K = %g Å⁻¹)", ew->kcut);
    ew->valid = 1;
    return AION_OK;
}

/* ---------------------------------------------------------------------- */
/* reciprocal space                                                       */

static aion_status ensure_tables(aion_ewald *ew, int n)
{
    int need[3] = {ew->mmax[0] + 1, 2 * ew->mmax[1] + 1, 2 * ew->mmax[2] + 1};
    int grow = n > ew->cap_n;
    for (int d = 0; d < 3; d++)
        if (need[d] > ew->cap_m[d]) grow = 1;
    if (!grow) return AION_OK;
    int cn = AION_MAX(n, ew->cap_n);
    for (int d = 0; d < 3; d++) {
        int cm = AION_MAX(need[d], ew->cap_m[d]);
        free(ew->er[d]);
        free(ew->ei[d]);
        ew->er[d] = aion_calloc((size_t)cm * (size_t)cn, sizeof(double));
        ew->ei[d] = aion_calloc((size_t)cm * (size_t)cn, sizeof(double));
        if (!ew->er[d] || !ew->ei[d]) {
            ew->cap_n = 0;
            for (int e = 0; e < 3; e++) ew->cap_m[e] = 0;
            return AION_ERR_NOMEM;
        }
        ew->cap_m[d] = cm;
    }
    ew->cap_n = cn;
    return AION_OK;
}

/* exp(2πi m s_d) tables of the atoms (needs n > 0). */
static aion_status atom_tables(aion_ewald *ew, const aion_frame *f)
{
    const int n = f->n;
    if (ensure_tables(ew, n) != AION_OK) return AION_ERR_NOMEM;

    const int nth = ew_threads(ew);
    const int M[3] = {ew->mmax[0], ew->mmax[1], ew->mmax[2]};
    /* offsets: e1 stores m = 0..M1, e2/e3 store m = -M..M at row m + M */
    const int off[3] = {0, M[1], M[2]};
    double *er[3] = {ew->er[0], ew->er[1], ew->er[2]};
    double *ei[3] = {ew->ei[0], ew->ei[1], ew->ei[2]};
    const double(*pos)[3] = (const double(*)[3])f->pos;
    const double(*inv)[3] = (const double(*)[3])ew->inv;

    /* exp(2πi m s_d) tables by recurrence from exp(2πi s_d) */
#pragma omp parallel for schedule(static) num_threads(nth)
    for (int j = 0; j < n; j++) {
        for (int d = 0; d < 3; d++) {
            double s = pos[j][0] * inv[0][d] + pos[j][1] * inv[1][d] + pos[j][2] * inv[2][d];
            s -= floor(s);
            double c1 = cos(2.0 * EW_PI * s), s1 = sin(2.0 * EW_PI * s);
            double *R = er[d], *I = ei[d];
            size_t o = (size_t)off[d];
            R[o * n + j] = 1.0;
            I[o * n + j] = 0.0;
            double cr = 1.0, ci = 0.0;
            for (int m = 1; m <= M[d]; m++) {
                double t = cr * c1 - ci * s1;
                ci = cr * s1 + ci * c1;
                cr = t;
                R[(o + m) * n + j] = cr;
                I[(o + m) * n + j] = ci;
                if (d > 0) {
                    R[(o - m) * n + j] = cr;
                    I[(o - m) * n + j] = -ci;
                }
            }
        }
    }
    return AION_OK;
}

/* exp(2πi m s_d) tables of the atoms and structure factors S(k) = Σ_j q_j
 * exp(i k·r_j) into ew->sr, ew->si (needs nk > 0 and n > 0). */
static aion_status structure_factors(aion_ewald *ew, const aion_frame *f, const double *q)
{
    const int n = f->n;
    if (atom_tables(ew, f) != AION_OK) return AION_ERR_NOMEM;
    const int nth = ew_threads(ew);
    const int off[3] = {0, ew->mmax[1], ew->mmax[2]};
    double *er[3] = {ew->er[0], ew->er[1], ew->er[2]};
    double *ei[3] = {ew->ei[0], ew->ei[1], ew->ei[2]};
    const int ncol = ew->ncol;
    const int *cm1 = ew->col_m1, *cm2 = ew->col_m2, *cm3 = ew->col_m3lo, *cst = ew->col_start;
    double *Sr = ew->sr, *Si = ew->si;

    /* structure factors: one column (m1, m2) per task, atoms in blocks */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
    for (int c = 0; c < ncol; c++) {
        const double *e1r = er[0] + (size_t)cm1[c] * n, *e1i = ei[0] + (size_t)cm1[c] * n;
        const double *e2r = er[1] + (size_t)(cm2[c] + off[1]) * n, *e2i = ei[1] + (size_t)(cm2[c] + off[1]) * n;
        const int k0 = cst[c], k1 = cst[c + 1];
        for (int k = k0; k < k1; k++) Sr[k] = Si[k] = 0.0;
        double tr[EW_BLOCK], ti[EW_BLOCK];
        for (int j0 = 0; j0 < n; j0 += EW_BLOCK) {
            int nb = AION_MIN(EW_BLOCK, n - j0);
            for (int j = 0; j < nb; j++) {
                double ar = e1r[j0 + j], ai = e1i[j0 + j], br = e2r[j0 + j], bi = e2i[j0 + j];
                tr[j] = q[j0 + j] * (ar * br - ai * bi);
                ti[j] = q[j0 + j] * (ar * bi + ai * br);
            }
            for (int k = k0; k < k1; k++) {
                int row = cm3[c] + (k - k0) + off[2];
                const double *e3r = er[2] + (size_t)row * n + j0, *e3i = ei[2] + (size_t)row * n + j0;
                double sr = 0.0, si = 0.0;
#pragma omp simd reduction(+ : sr, si)
                for (int j = 0; j < nb; j++) {
                    sr += tr[j] * e3r[j] - ti[j] * e3i[j];
                    si += tr[j] * e3i[j] + ti[j] * e3r[j];
                }
                Sr[k] += sr;
                Si[k] += si;
            }
        }
    }
    return AION_OK;
}

/* virial += the symmetric tensor (xx, yy, zz, xy, xz, yz) */
static void add_sym6(double (*virial)[3], const double w[6])
{
    virial[0][0] += w[0];
    virial[1][1] += w[1];
    virial[2][2] += w[2];
    virial[0][1] += w[3];
    virial[1][0] += w[3];
    virial[0][2] += w[4];
    virial[2][0] += w[4];
    virial[1][2] += w[5];
    virial[2][1] += w[5];
}

aion_status aion_ewald_kspace(aion_ewald *ew, const aion_frame *f, const double *q, double *energy,
                              double (*forces)[3], double (*virial)[3], double *atom_energy, aion_error *err)
{
    const int n = f->n;
    const double ke = AION_COULOMB_EV_A;
    if (!ew->valid || n != ew->n)
        return aion_err_set(err, AION_ERR_INVALID, "ewald: aion_ewald_prepare was not called for this configuration");
    if (!(f->has & AION_HAS_CELL) || !f->pbc[0] || !f->pbc[1] || !f->pbc[2])
        return aion_err_set(err, AION_ERR_UNSUPPORTED, "ewald: needs a cell periodic in all three directions");
    if (memcmp(f->cell, ew->cell, sizeof ew->cell) != 0)
        return aion_err_set(err, AION_ERR_INVALID, "ewald: the frame's cell differs from the prepared one");
    double qsum = 0.0;
    for (int i = 0; i < n; i++) qsum += q[i];

    const double alpha = ew->alpha, vol = ew->volume;
    /* self and background */
    {
        double cself = -ke * alpha / sqrt(EW_PI);
        double cbg = -ke * EW_PI / (2.0 * vol * alpha * alpha);
        double eself = 0.0;
        for (int i = 0; i < n; i++) eself += q[i] * q[i];
        double ebg = cbg * qsum * qsum;
        if (energy) *energy += cself * eself + ebg;
        if (atom_energy)
            for (int i = 0; i < n; i++) atom_energy[i] += cself * q[i] * q[i] + cbg * q[i] * qsum;
        if (virial)
            for (int a = 0; a < 3; a++) virial[a][a] += ebg;
    }
    const int nk = ew->nk;
    if (nk == 0 || n == 0) return AION_OK;
    if (structure_factors(ew, f, q) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
    const int nth = ew_threads(ew);
    const int M[3] = {ew->mmax[0], ew->mmax[1], ew->mmax[2]};
    const int off[3] = {0, M[1], M[2]};
    const double *er[3] = {ew->er[0], ew->er[1], ew->er[2]};
    const double *ei[3] = {ew->ei[0], ew->ei[1], ew->ei[2]};
    const int ncol = ew->ncol;
    const int *cm1 = ew->col_m1, *cm2 = ew->col_m2, *cm3 = ew->col_m3lo, *cst = ew->col_start;
    const double *Sr = ew->sr, *Si = ew->si;

    /* energy and virial (serial over k: fixed order) */
    {
        double e = 0.0, w[6] = {0, 0, 0, 0, 0, 0};
        for (int k = 0; k < nk; k++) {
            double ek = ew->pref[k] * (Sr[k] * Sr[k] + Si[k] * Si[k]);
            e += ek;
            if (virial) {
                const double *kv = ew->kvec[k];
                double g = ek * ew->vfac[k];
                w[0] += ek - g * kv[0] * kv[0];
                w[1] += ek - g * kv[1] * kv[1];
                w[2] += ek - g * kv[2] * kv[2];
                w[3] -= g * kv[0] * kv[1];
                w[4] -= g * kv[0] * kv[2];
                w[5] -= g * kv[1] * kv[2];
            }
        }
        if (energy) *energy += e;
        if (virial) {
            add_sym6(virial, w);
        }
    }

    if (!forces && !atom_energy) return AION_OK;

    /* forces and per-atom energies: one block of atoms per task, all k */
    const int nblk = (n + EW_BLOCK - 1) / EW_BLOCK;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
    for (int b = 0; b < nblk; b++) {
        const int j0 = b * EW_BLOCK, nb = AION_MIN(EW_BLOCK, n - j0);
        double fx[EW_BLOCK], fy[EW_BLOCK], fz[EW_BLOCK], ea[EW_BLOCK], tr[EW_BLOCK], ti[EW_BLOCK];
        for (int j = 0; j < nb; j++) fx[j] = fy[j] = fz[j] = ea[j] = 0.0;
        for (int c = 0; c < ncol; c++) {
            const double *e1r = er[0] + (size_t)cm1[c] * n + j0, *e1i = ei[0] + (size_t)cm1[c] * n + j0;
            const double *e2r = er[1] + (size_t)(cm2[c] + off[1]) * n + j0;
            const double *e2i = ei[1] + (size_t)(cm2[c] + off[1]) * n + j0;
            for (int j = 0; j < nb; j++) {
                tr[j] = q[j0 + j] * (e1r[j] * e2r[j] - e1i[j] * e2i[j]);
                ti[j] = q[j0 + j] * (e1r[j] * e2i[j] + e1i[j] * e2r[j]);
            }
            const int k0 = cst[c], k1 = cst[c + 1];
            for (int k = k0; k < k1; k++) {
                int row = cm3[c] + (k - k0) + off[2];
                const double *e3r = er[2] + (size_t)row * n + j0, *e3i = ei[2] + (size_t)row * n + j0;
                const double A = ew->pref[k], sr = Sr[k], si = Si[k];
                const double gx = 2.0 * A * ew->kvec[k][0], gy = 2.0 * A * ew->kvec[k][1],
                             gz = 2.0 * A * ew->kvec[k][2];
#pragma omp simd
                for (int j = 0; j < nb; j++) {
                    double ur = tr[j] * e3r[j] - ti[j] * e3i[j]; /* q_j exp(i k·r_j) */
                    double ui = tr[j] * e3i[j] + ti[j] * e3r[j];
                    double im = sr * ui - si * ur;               /* Im[S* u] */
                    fx[j] += gx * im;
                    fy[j] += gy * im;
                    fz[j] += gz * im;
                    ea[j] += A * (sr * ur + si * ui);            /* Re[u* S] */
                }
            }
        }
        if (forces)
            for (int j = 0; j < nb; j++) {
                forces[j0 + j][0] += fx[j];
                forces[j0 + j][1] += fy[j];
                forces[j0 + j][2] += fz[j];
            }
        if (atom_energy)
            for (int j = 0; j < nb; j++) atom_energy[j0 + j] += ea[j];
    }
    return AION_OK;
}

/* phi[i] += dE/dq_i of the self and background energies */
static void self_bg_potential(const aion_ewald *ew, int n, const double *q, double *phi)
{
    const double ke = AION_COULOMB_EV_A, alpha = ew->alpha;
    double qsum = 0.0;
    for (int i = 0; i < n; i++) qsum += q[i];
    const double cself = -2.0 * ke * alpha / sqrt(EW_PI), cbg = -ke * EW_PI / (ew->volume * alpha * alpha) * qsum;
    for (int i = 0; i < n; i++) phi[i] += cself * q[i] + cbg;
}

/* dE/dq_i of the reciprocal, self and background parts (charge
 * equilibration needs it once per solver iteration): ADDS to phi[i]
 *   2 Σ_k A(k) Re[exp(-i k·r_i) S(k)] - 2 k_e α/√π q_i - k_e π/(V α²) Σ_j q_j. */
aion_status aion_ewald_kspace_potential(aion_ewald *ew, const aion_frame *f, const double *q, double *phi,
                                        aion_error *err)
{
    const int n = f->n;
    if (!ew->valid || n != ew->n)
        return aion_err_set(err, AION_ERR_INVALID, "ewald: aion_ewald_prepare was not called for this configuration");
    if (memcmp(f->cell, ew->cell, sizeof ew->cell) != 0)
        return aion_err_set(err, AION_ERR_INVALID, "ewald: the frame's cell differs from the prepared one");
    self_bg_potential(ew, n, q, phi);
    const int nk = ew->nk;
    if (nk == 0 || n == 0) return AION_OK;
    if (structure_factors(ew, f, q) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
    const int nth = ew_threads(ew);
    const int off[3] = {0, ew->mmax[1], ew->mmax[2]};
    const double *er[3] = {ew->er[0], ew->er[1], ew->er[2]};
    const double *ei[3] = {ew->ei[0], ew->ei[1], ew->ei[2]};
    const int ncol = ew->ncol;
    const int *cm1 = ew->col_m1, *cm2 = ew->col_m2, *cm3 = ew->col_m3lo, *cst = ew->col_start;
    const double *Sr = ew->sr, *Si = ew->si;
    const int nblk = (n + EW_BLOCK - 1) / EW_BLOCK;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
    for (int b = 0; b < nblk; b++) {
        const int j0 = b * EW_BLOCK, nb = AION_MIN(EW_BLOCK, n - j0);
        double pj[EW_BLOCK], tr[EW_BLOCK], ti[EW_BLOCK];
        for (int j = 0; j < nb; j++) pj[j] = 0.0;
        for (int c = 0; c < ncol; c++) {
            const double *e1r = er[0] + (size_t)cm1[c] * n + j0, *e1i = ei[0] + (size_t)cm1[c] * n + j0;
            const double *e2r = er[1] + (size_t)(cm2[c] + off[1]) * n + j0;
            const double *e2i = ei[1] + (size_t)(cm2[c] + off[1]) * n + j0;
            for (int j = 0; j < nb; j++) {
                tr[j] = e1r[j] * e2r[j] - e1i[j] * e2i[j];
                ti[j] = e1r[j] * e2i[j] + e1i[j] * e2r[j];
            }
            const int k0 = cst[c], k1 = cst[c + 1];
            for (int k = k0; k < k1; k++) {
                int row = cm3[c] + (k - k0) + off[2];
                const double *e3r = er[2] + (size_t)row * n + j0, *e3i = ei[2] + (size_t)row * n + j0;
                const double A2 = 2.0 * ew->pref[k], sr = Sr[k], si = Si[k];
#pragma omp simd
                for (int j = 0; j < nb; j++) {
                    double ur = tr[j] * e3r[j] - ti[j] * e3i[j]; /* exp(i k·r_j) */
                    double ui = tr[j] * e3i[j] + ti[j] * e3r[j];
                    pj[j] += A2 * (sr * ur + si * ui);           /* 2A Re[u* S] */
                }
            }
        }
        for (int j = 0; j < nb; j++) phi[j0 + j] += pj[j];
    }
    return AION_OK;
}

/* Largest table (k-vectors × atoms) aion_ewald_kspace_table builds: 2 × 8
 * bytes each, 256 MB. */
#define EW_TABLE_MAX (16L * 1024 * 1024)

aion_status aion_ewald_kspace_table(aion_ewald *ew, const aion_frame *f, aion_error *err)
{
    const int n = f->n, nk = ew->nk;
    ew->t_n = ew->t_nk = 0;
    if (!ew->valid || n != ew->n)
        return aion_err_set(err, AION_ERR_INVALID, "ewald: aion_ewald_prepare was not called for this configuration");
    if (n == 0 || nk == 0) {
        ew->t_n = n;
        return AION_OK;
    }
    size_t need = (size_t)nk * (size_t)n;
    if ((long)nk * (long)n > EW_TABLE_MAX)
        return aion_err_set(err, AION_ERR_NOMEM, "ewald: k-space table of %d x %d too large", nk, n);
    if (need > ew->cap_t) {
        double *a = aion_realloc_array(ew->tkr, need, sizeof(double)), *b;
        if (!a) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
        ew->tkr = a;
        if (!(b = aion_realloc_array(ew->tki, need, sizeof(double)))) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
        ew->tki = b;
        ew->cap_t = need;
    }
    if (atom_tables(ew, f) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
    const int off[3] = {0, ew->mmax[1], ew->mmax[2]};
    const double *er[3] = {ew->er[0], ew->er[1], ew->er[2]};
    const double *ei[3] = {ew->ei[0], ew->ei[1], ew->ei[2]};
    const int *cm1 = ew->col_m1, *cm2 = ew->col_m2, *cm3 = ew->col_m3lo, *cst = ew->col_start;
    double *TR = ew->tkr, *TI = ew->tki;
#pragma omp parallel for schedule(dynamic, 1) num_threads(ew_threads(ew))
    for (int c = 0; c < ew->ncol; c++) {
        const double *e1r = er[0] + (size_t)cm1[c] * n, *e1i = ei[0] + (size_t)cm1[c] * n;
        const double *e2r = er[1] + (size_t)(cm2[c] + off[1]) * n, *e2i = ei[1] + (size_t)(cm2[c] + off[1]) * n;
        for (int k = cst[c]; k < cst[c + 1]; k++) {
            int row = cm3[c] + (k - cst[c]) + off[2];
            const double *e3r = er[2] + (size_t)row * n, *e3i = ei[2] + (size_t)row * n;
            double *tr = TR + (size_t)k * n, *ti = TI + (size_t)k * n;
#pragma omp simd
            for (int j = 0; j < n; j++) {
                double ar = e1r[j] * e2r[j] - e1i[j] * e2i[j], ai = e1r[j] * e2i[j] + e1i[j] * e2r[j];
                tr[j] = ar * e3r[j] - ai * e3i[j];
                ti[j] = ar * e3i[j] + ai * e3r[j];
            }
        }
    }
    ew->t_n = n;
    ew->t_nk = nk;
    return AION_OK;
}

int aion_ewald_has_table(const aion_ewald *ew, int n) { return ew->valid && ew->t_n == n && ew->t_nk == ew->nk; }

void aion_ewald_kspace_potential_tab(aion_ewald *ew, const double *q, double *phi)
{
    const int n = ew->t_n, nk = ew->t_nk;
    self_bg_potential(ew, n, q, phi);
    if (nk == 0 || n == 0) return;
    const double *TR = ew->tkr, *TI = ew->tki;
    double *Sr = ew->sr, *Si = ew->si;
    const int nth = ew_threads(ew);
#pragma omp parallel num_threads(nth)
    {
#pragma omp for schedule(static)
        for (int k = 0; k < nk; k++) {
            const double *tr = TR + (size_t)k * n, *ti = TI + (size_t)k * n;
            double a = 0.0, b = 0.0;
#pragma omp simd reduction(+ : a, b)
            for (int j = 0; j < n; j++) {
                a += q[j] * tr[j];
                b += q[j] * ti[j];
            }
            Sr[k] = 2.0 * ew->pref[k] * a;
            Si[k] = 2.0 * ew->pref[k] * b;
        }
        /* φ_j += Σ_k 2A Re[exp(-i k·r_j) S]: atoms in blocks, k in order */
#pragma omp for schedule(static)
        for (int j0 = 0; j0 < n; j0 += EW_BLOCK) {
            const int nb = AION_MIN(EW_BLOCK, n - j0);
            double pj[EW_BLOCK];
            for (int j = 0; j < nb; j++) pj[j] = 0.0;
            for (int k = 0; k < nk; k++) {
                const double *tr = TR + (size_t)k * n + j0, *ti = TI + (size_t)k * n + j0;
                const double sr = Sr[k], si = Si[k];
#pragma omp simd
                for (int j = 0; j < nb; j++) pj[j] += tr[j] * sr + ti[j] * si;
            }
            for (int j = 0; j < nb; j++) phi[j0 + j] += pj[j];
        }
    }
}

/* ---------------------------------------------------------------------- */
/* real space                                                             */

static aion_status ensure_pa(aion_ewald *ew, int n)
{
    if (7 * (long)n <= ew->cap_pa) return AION_OK;
    free(ew->pa);
    ew->cap_pa = 0;
    if (!(ew->pa = aion_calloc((size_t)n, 7 * sizeof(double)))) return AION_ERR_NOMEM;
    ew->cap_pa = 7 * n;
    return AION_OK;
}

/* per-atom energy and virial (7 per atom) summed in atom order */
static void reduce_pa(const double *pa, int n, double *energy, double (*virial)[3], double *atom_energy)
{
    double e = 0.0, w[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        e += pa[7 * i];
        for (int a = 0; a < 6; a++) w[a] += pa[7 * i + 1 + a];
        if (atom_energy) atom_energy[i] += pa[7 * i];
    }
    if (energy) *energy += e;
    if (virial) {
        add_sym6(virial, w);
    }
}

/* Direct sum over atom pairs and periodic images (test oracle). */
aion_status aion_ewald_real_direct(aion_ewald *ew, const aion_frame *f, const double *q, double *energy,
                                   double (*forces)[3], double (*virial)[3], double *atom_energy, aion_error *err)
{
    const int n = f->n;
    if (!ew->valid || n != ew->n)
        return aion_err_set(err, AION_ERR_INVALID, "ewald: aion_ewald_prepare was not called for this configuration");
    if (n == 0) return AION_OK;
    if (ensure_pa(ew, n) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
    const double rc = ew->rcut, rc2 = rc * rc, alpha = ew->alpha;
    const double(*cell)[3] = (const double(*)[3])ew->cell;
    const double(*inv)[3] = (const double(*)[3])ew->inv;
    const double(*pos)[3] = (const double(*)[3])f->pos;
    int nimg[3];
    for (int d = 0; d < 3; d++) {
        double blen = sqrt(inv[0][d] * inv[0][d] + inv[1][d] * inv[1][d] + inv[2][d] * inv[2][d]);
        nimg[d] = (int)ceil(rc * blen + 0.5);
    }
    double *pa = ew->pa;
    const int nth = ew_threads(ew);
#pragma omp parallel for schedule(dynamic, 4) num_threads(nth)
    for (int i = 0; i < n; i++) {
        double e = 0.0, fi[3] = {0, 0, 0}, w[6] = {0, 0, 0, 0, 0, 0};
        for (int j = 0; j < n; j++) {
            double dr[3], ds[3];
            for (int a = 0; a < 3; a++) dr[a] = pos[j][a] - pos[i][a];
            for (int d = 0; d < 3; d++) {
                ds[d] = dr[0] * inv[0][d] + dr[1] * inv[1][d] + dr[2] * inv[2][d];
                ds[d] = -round(ds[d]); /* lattice shift to the nearest image */
            }
            for (int a = 0; a < 3; a++) dr[a] += ds[0] * cell[0][a] + ds[1] * cell[1][a] + ds[2] * cell[2][a];
            double qq = q[i] * q[j];
            for (int n0 = -nimg[0]; n0 <= nimg[0]; n0++)
                for (int n1 = -nimg[1]; n1 <= nimg[1]; n1++)
                    for (int n2 = -nimg[2]; n2 <= nimg[2]; n2++) {
                        double d[3];
                        for (int a = 0; a < 3; a++)
                            d[a] = dr[a] + n0 * cell[0][a] + n1 * cell[1][a] + n2 * cell[2][a];
                        double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                        if (r2 >= rc2 || (i == j && n0 == 0 && n1 == 0 && n2 == 0 && r2 == 0.0)) continue;
                        if (r2 == 0.0) continue; /* overlapping distinct atoms: skipped (infinite) */
                        double ee, fr;
                        aion_ewald_real_pair(alpha, qq, sqrt(r2), &ee, &fr);
                        e += 0.5 * ee;
                        for (int a = 0; a < 3; a++) fi[a] -= fr * d[a];
                        w[0] += 0.5 * fr * d[0] * d[0];
                        w[1] += 0.5 * fr * d[1] * d[1];
                        w[2] += 0.5 * fr * d[2] * d[2];
                        w[3] += 0.5 * fr * d[0] * d[1];
                        w[4] += 0.5 * fr * d[0] * d[2];
                        w[5] += 0.5 * fr * d[1] * d[2];
                    }
        }
        if (forces)
            for (int a = 0; a < 3; a++) forces[i][a] += fi[a];
        pa[7 * i] = e;
        for (int a = 0; a < 6; a++) pa[7 * i + 1 + a] = w[a];
    }
    reduce_pa(pa, n, energy, virial, atom_energy);
    return AION_OK;
}

/* Real space from the private half neighbour list. Each pair is evaluated
 * once (pass 1, parallel over the owning atom i, which also takes its share
 * of force, energy and virial); the partner's share is gathered in pass 2
 * through the transposed list (parallel over the partner j, pairs in fixed
 * order). No write conflicts and no dependence on the thread count. */
static aion_status transpose_list(aion_ewald *ew, const aion_nlist *nl, int n)
{
    long np = nl->offset[n];
    if (np > ew->cap_pair) {
        long cap = np + np / 4 + 64;
        free(ew->in_k);
        free(ew->in_i);
        free(ew->pfr);
        free(ew->pe);
        ew->in_k = aion_calloc((size_t)cap, sizeof(int));
        ew->in_i = aion_calloc((size_t)cap, sizeof(int));
        ew->pfr = aion_calloc((size_t)cap, sizeof(double));
        ew->pe = aion_calloc((size_t)cap, sizeof(double));
        if (!ew->in_k || !ew->in_i || !ew->pfr || !ew->pe) {
            ew->cap_pair = 0;
            return AION_ERR_NOMEM;
        }
        ew->cap_pair = cap;
    }
    if (n + 1 > ew->cap_in) {
        free(ew->in_off);
        if (!(ew->in_off = aion_calloc((size_t)n + 1, sizeof(int)))) {
            ew->cap_in = 0;
            return AION_ERR_NOMEM;
        }
        ew->cap_in = n + 1;
    }
    int *off = ew->in_off;
    memset(off, 0, (size_t)(n + 1) * sizeof(int));
    for (long k = 0; k < np; k++) off[nl->owner[nl->nbr[k]] + 1]++;
    for (int j = 0; j < n; j++) off[j + 1] += off[j];
    for (int i = 0; i < n; i++)
        for (int k = nl->offset[i]; k < nl->offset[i + 1]; k++) {
            int j = nl->owner[nl->nbr[k]];
            int slot = off[j]++;
            ew->in_k[slot] = k;
            ew->in_i[slot] = i;
        }
    for (int j = n; j > 0; j--) off[j] = off[j - 1];
    off[0] = 0;
    ew->nl_builds_seen = nl->builds;
    ew->nl_n = n;
    return AION_OK;
}

static aion_status real_nlist(aion_ewald *ew, const aion_frame *f, const double *q, double *energy,
                              double (*forces)[3], double (*virial)[3], double *atom_energy, aion_error *err)
{
    const int n = f->n;
    if (n == 0) return AION_OK;
    if (ensure_pa(ew, n) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
    if (ew->nl && ew->nl_cut != ew->rcut) {
        aion_nlist_free(ew->nl);
        ew->nl = NULL;
    }
    if (!ew->nl) {
        aion_nlist_opts o = {ew->rcut, EW_SKIN, 0};
        aion_status st = aion_nlist_create(&ew->nl, &o, err);
        if (st != AION_OK) return st;
        ew->nl_cut = ew->rcut;
        ew->nl_builds_seen = -1;
    }
    aion_nlist_set_threads(ew->nl, ew->nthreads);
    aion_status st = aion_nlist_update(ew->nl, f);
    if (st != AION_OK) return aion_err_set(err, st, "ewald: %s", aion_nlist_errmsg(ew->nl));
    const aion_nlist *nl = ew->nl;
    if (nl->builds != ew->nl_builds_seen || ew->nl_n != n)
        if (transpose_list(ew, nl, n) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
    const double rc2 = ew->rcut * ew->rcut, alpha = ew->alpha;
    double *pa = ew->pa, *pfr = ew->pfr, *pe = ew->pe;
    const int nth = ew_threads(ew);
#pragma omp parallel num_threads(nth)
    {
#pragma omp for schedule(dynamic, 16)
        for (int i = 0; i < n; i++) {
            double e = 0.0, fi[3] = {0, 0, 0}, w[6] = {0, 0, 0, 0, 0, 0};
            const double *xi = nl->x[i];
            for (int k = nl->offset[i]; k < nl->offset[i + 1]; k++) {
                int g = nl->nbr[k];
                double d[3] = {nl->x[g][0] - xi[0], nl->x[g][1] - xi[1], nl->x[g][2] - xi[2]};
                double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                if (r2 >= rc2 || r2 == 0.0) {
                    pfr[k] = pe[k] = 0.0;
                    continue;
                }
                double ee, fr;
                aion_ewald_real_pair(alpha, q[i] * q[nl->owner[g]], sqrt(r2), &ee, &fr);
                pfr[k] = fr;
                pe[k] = ee;
                e += 0.5 * ee;
                fi[0] -= fr * d[0];
                fi[1] -= fr * d[1];
                fi[2] -= fr * d[2];
                w[0] += fr * d[0] * d[0];
                w[1] += fr * d[1] * d[1];
                w[2] += fr * d[2] * d[2];
                w[3] += fr * d[0] * d[1];
                w[4] += fr * d[0] * d[2];
                w[5] += fr * d[1] * d[2];
            }
            if (forces)
                for (int a = 0; a < 3; a++) forces[i][a] += fi[a];
            pa[7 * i] = e;
            for (int a = 0; a < 6; a++) pa[7 * i + 1 + a] = w[a];
        }
        /* implicit barrier: all pair terms are in pfr/pe */
#pragma omp for schedule(static)
        for (int j = 0; j < n; j++) {
            double e = 0.0, fj[3] = {0, 0, 0};
            for (int s = ew->in_off[j]; s < ew->in_off[j + 1]; s++) {
                int k = ew->in_k[s], i = ew->in_i[s], g = nl->nbr[k];
                double fr = pfr[k];
                fj[0] += fr * (nl->x[g][0] - nl->x[i][0]);
                fj[1] += fr * (nl->x[g][1] - nl->x[i][1]);
                fj[2] += fr * (nl->x[g][2] - nl->x[i][2]);
                e += 0.5 * pe[k];
            }
            if (forces)
                for (int a = 0; a < 3; a++) forces[j][a] += fj[a];
            pa[7 * j] += e;
        }
    }
    reduce_pa(pa, n, energy, virial, atom_energy);
    return AION_OK;
}

/* ---------------------------------------------------------------------- */
/* complete Ewald                                                         */

aion_status aion_ewald_compute(aion_ewald *ew, const aion_frame *f, const double *q, double *energy,
                               double (*forces)[3], double (*virial)[3], double *atom_energy, aion_error *err)
{
    const int n = f->n;
    if (!(f->has & AION_HAS_CELL) || !f->pbc[0] || !f->pbc[1] || !f->pbc[2])
        return aion_err_set(err, AION_ERR_UNSUPPORTED, "ewald: needs a cell periodic in all three directions");
    if (energy) *energy = 0.0;
    if (forces) memset(forces, 0, (size_t)n * sizeof *forces);
    if (virial) memset(virial, 0, 9 * sizeof(double));
    if (atom_energy) memset(atom_energy, 0, (size_t)n * sizeof *atom_energy);
    aion_status st = aion_ewald_prepare(ew, (const double(*)[3])f->cell, n, q, err);
    if (st != AION_OK) return st;
    st = real_nlist(ew, f, q, energy, forces, virial, atom_energy, err);
    if (st != AION_OK) return st;
    return aion_ewald_kspace(ew, f, q, energy, forces, virial, atom_energy, err);
}

/* ---------------------------------------------------------------------- */
/* probe: one atom moved, the others fixed                                */

aion_status aion_ewald_probe_prepare(aion_ewald *ew, const aion_frame *f, const double *q, int skip, double *e_const,
                                     aion_error *err)
{
    const int n = f->n;
    const double ke = AION_COULOMB_EV_A;
    if (!ew->valid || n != ew->n || memcmp(f->cell, ew->cell, sizeof ew->cell) != 0)
        return aion_err_set(err, AION_ERR_INVALID, "ewald: aion_ewald_prepare was not called for this configuration");
    if (skip < 0 || skip >= n) return aion_err_set(err, AION_ERR_INVALID, "ewald: probe atom %d of %d", skip, n);
    double qsum = 0.0, qsq = 0.0;
    for (int i = 0; i < n; i++) {
        qsum += q[i];
        qsq += q[i] * q[i];
    }
    *e_const = -ke * ew->alpha / sqrt(EW_PI) * qsq - ke * EW_PI / (2.0 * ew->volume * ew->alpha * ew->alpha) * qsum * qsum;
    const int nk = ew->nk;
    if (nk == 0) return AION_OK;
    if (nk > ew->cap_p) {
        free(ew->psr);
        free(ew->psi);
        ew->psr = aion_calloc((size_t)nk, sizeof(double));
        ew->psi = aion_calloc((size_t)nk, sizeof(double));
        ew->cap_p = ew->psr && ew->psi ? nk : 0;
        if (!ew->cap_p) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
    }
    double *qr = malloc((size_t)n * sizeof *qr);
    if (!qr) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
    memcpy(qr, q, (size_t)n * sizeof *qr);
    qr[skip] = 0.0;
    aion_status st = structure_factors(ew, f, qr);
    free(qr);
    if (st != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "ewald: out of memory");
    memcpy(ew->psr, ew->sr, (size_t)nk * sizeof(double));
    memcpy(ew->psi, ew->si, (size_t)nk * sizeof(double));
    return AION_OK;
}

int aion_ewald_probe_work_size(const aion_ewald *ew)
{
    return 2 * ((ew->mmax[0] + 1) + (2 * ew->mmax[1] + 1) + (2 * ew->mmax[2] + 1));
}

double aion_ewald_probe_recip(const aion_ewald *ew, double qk, const double x[3], double *work)
{
    const int M[3] = {ew->mmax[0], ew->mmax[1], ew->mmax[2]};
    const int off[3] = {0, M[1], M[2]};
    double *tr[3], *ti[3];
    tr[0] = work;
    ti[0] = tr[0] + (M[0] + 1);
    tr[1] = ti[0] + (M[0] + 1);
    ti[1] = tr[1] + (2 * M[1] + 1);
    tr[2] = ti[1] + (2 * M[1] + 1);
    ti[2] = tr[2] + (2 * M[2] + 1);
    /* exp(2πi m s_d) by the recurrence of the structure factors */
    for (int d = 0; d < 3; d++) {
        double s = x[0] * ew->inv[0][d] + x[1] * ew->inv[1][d] + x[2] * ew->inv[2][d];
        s -= floor(s);
        const double c1 = cos(2.0 * EW_PI * s), s1 = sin(2.0 * EW_PI * s);
        double *R = tr[d] + off[d], *I = ti[d] + off[d];
        double cr = 1.0, ci = 0.0;
        R[0] = 1.0;
        I[0] = 0.0;
        for (int m = 1; m <= M[d]; m++) {
            double t = cr * c1 - ci * s1;
            ci = cr * s1 + ci * c1;
            cr = t;
            R[m] = cr;
            I[m] = ci;
            if (d > 0) {
                R[-m] = cr;
                I[-m] = -ci;
            }
        }
    }
    const double *Sr = ew->psr, *Si = ew->psi;
    double e = 0.0;
    for (int c = 0; c < ew->ncol; c++) {
        const int m1 = ew->col_m1[c], m2 = ew->col_m2[c] + off[1];
        const double ar = tr[0][m1], ai = ti[0][m1], br = tr[1][m2], bi = ti[1][m2];
        const double pr = qk * (ar * br - ai * bi), pi = qk * (ar * bi + ai * br);
        const int k0 = ew->col_start[c], k1 = ew->col_start[c + 1];
        const double *e3r = tr[2] + ew->col_m3lo[c] + off[2], *e3i = ti[2] + ew->col_m3lo[c] + off[2];
        for (int k = k0; k < k1; k++) {
            const double er3 = e3r[k - k0], ei3 = e3i[k - k0];
            const double sr = Sr[k] + (pr * er3 - pi * ei3);
            const double si = Si[k] + (pr * ei3 + pi * er3);
            e += ew->pref[k] * (sr * sr + si * si);
        }
    }
    return e;
}
