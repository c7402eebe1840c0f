/*
 * Charge equilibration with Gaussian charges and Ewald summation (qeq.h,
 * docs/qeq.md).
 *
 * Hessian of E(q):  H = diag(J) + k_e [Ewald point matrix − erfc(r/(√2γ))/r],
 * applied without forming it: the real-space kernel
 *   K(r) = k_e [erfc(α r) − erfc(r/(√2γ))] / r
 * is tabulated per pair of a full neighbour list once per configuration, the
 * reciprocal, self and background parts come from
 * aion_ewald_kspace_potential(). The minimum of ½ qᵀHq + χᵀq on Σq = Q is
 * found by conjugate gradients in that subspace with the projected Jacobi
 * preconditioner P = M⁻¹ − M⁻¹11ᵀM⁻¹/(1ᵀM⁻¹1), M = diag(J): the update
 * directions keep Σq fixed, and at the minimum the gradient is uniform,
 * ∂E/∂q_i = −μ, which is the convergence test.
 */
#include "qeq.h"

#include "ewald.h"
#include "neighbor/nlist.h"
#include "potential.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define QEQ_SQRT_PI 1.77245385090551602730
#define QEQ_ACCURACY 1e-6  /* Ewald relative force accuracy (ewald.h) */
#define QEQ_TOL 1e-6       /* rms of ∂E/∂q_i + μ at convergence (eV/e) */
#define QEQ_MAXITER 1000
#define QEQ_SKIN 1.0
#define QEQ_ERFC_X 3.5     /* erfc(3.5) = 7e-7: the Gaussian correction is cut there, about the
                              Ewald truncation error (QEQ_ACCURACY) */

struct aion_qeq {
    int ns;
    double *chi, *hard, *width;
    double *diag;      /* J + k_e/(σ√π): the Hessian's diagonal without images */
    double *ccoef;     /* ns × ns: χ_i += ccoef[s_i][s_j] f(r_ij) (NULL: none) */
    double crc;        /* cutoff of f (Å) */
    double *chiv;      /* per atom: χ_i of this configuration */
    double charge;
    double rcut;
    int nthreads;
    aion_ewald *ew;
    aion_nlist *nl;
    /* per configuration */
    int n, cap_n;
    double *q, *qprev, *ones, *r, *z, *p, *hp, *minv;
    double *pa;        /* per atom: energy and virial (7n), reduced in atom order */
    int have_q;        /* q holds the last solution (for n atoms) */
    int have_prev;     /* qprev holds the one before: start from 2 q - qprev */
    long cap_pairs;
    double *pk;        /* K(r) per full-list entry (0 beyond the cutoff) */
    double *pf;        /* -(dK/dr)/r per entry */
};

double aion_qeq_cutoff(const aion_qeq *qe) { return qe->rcut; }
static int qeq_threads(const aion_qeq *qe)
{
#ifdef _OPENMP
    return qe->nthreads > 0 ? qe->nthreads : omp_get_max_threads();
#else
    (void)qe;
    return 1;
#endif
}
void aion_qeq_set_threads(aion_qeq *qe, int nthreads)
{
    qe->nthreads = nthreads > 0 ? nthreads : 0;
    aion_ewald_set_threads(qe->ew, qe->nthreads);
}
const double *aion_qeq_charges(const aion_qeq *qe, int *n)
{
    if (n) *n = qe->have_q ? qe->n : 0;
    return qe->have_q ? qe->q : NULL;
}

void aion_qeq_free(aion_qeq *qe)
{
    if (!qe) return;
    free(qe->chi);
    free(qe->hard);
    free(qe->width);
    free(qe->diag);
    free(qe->ccoef);
    aion_ewald_free(qe->ew);
    aion_nlist_free(qe->nl);
    double **bufs[] = {&qe->q, &qe->qprev, &qe->ones, &qe->r, &qe->z, &qe->p, &qe->hp, &qe->minv, &qe->pa, &qe->chiv, &qe->pk, &qe->pf};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(*bufs[i]);
    free(qe);
}

/* the default Gaussian width: the covalent radius (as Ko et al. 2021) */
static double default_width(int z) { return z > 0 ? aion_element_covalent_radius(z) : 0.0; }

aion_status aion_qeq_create(aion_qeq **out, int ns, const int *zs, const double *chi, const double *hard,
                            const double *width, double charge, aion_error *err)
{
    *out = NULL;
    if (ns < 1) return aion_err_set(err, AION_ERR_INVALID, "qeq: no species");
    if (!isfinite(charge)) return aion_err_set(err, AION_ERR_INVALID, "qeq: total charge is not finite");
    double wmax = 0.0;
    for (int s = 0; s < ns; s++) {
        if (!isfinite(chi[s]) || !(hard[s] > 0.0) || !isfinite(hard[s]))
            return aion_err_set(err, AION_ERR_INVALID, "qeq: species %d: need a finite chi and 0 < J (got %g, %g)", s,
                                chi[s], hard[s]);
        double w = (width && width[s] > 0.0) ? width[s] : default_width(zs ? zs[s] : 0);
        if (!(w > 0.0) || !isfinite(w))
            return aion_err_set(err, AION_ERR_INVALID, "qeq: species %d: no width given and none known", s);
        wmax = AION_MAX(wmax, w);
    }
    aion_qeq *qe = aion_calloc(1, sizeof *qe);
    if (!qe) return aion_err_set(err, AION_ERR_NOMEM, "qeq: out of memory");
    qe->ns = ns;
    qe->charge = charge;
    qe->chi = aion_calloc((size_t)ns, sizeof(double));
    qe->hard = aion_calloc((size_t)ns, sizeof(double));
    qe->width = aion_calloc((size_t)ns, sizeof(double));
    qe->diag = aion_calloc((size_t)ns, sizeof(double));
    if (!qe->chi || !qe->hard || !qe->width || !qe->diag) {
        aion_qeq_free(qe);
        return aion_err_set(err, AION_ERR_NOMEM, "qeq: out of memory");
    }
    for (int s = 0; s < ns; s++) {
        qe->chi[s] = chi[s];
        qe->hard[s] = hard[s];
        qe->width[s] = (width && width[s] > 0.0) ? width[s] : default_width(zs ? zs[s] : 0);
        qe->diag[s] = hard[s] + AION_COULOMB_EV_A / (qe->width[s] * QEQ_SQRT_PI);
    }
    /* the widest pair: γ = √2 σ_max; the correction erfc(r/(√2γ)) is cut at
     * r/(√2γ) = QEQ_ERFC_X; at least 9 Å for the Ewald real space */
    qe->rcut = AION_MAX(9.0, QEQ_ERFC_X * 2.0 * wmax);
    aion_status st = aion_ewald_create(&qe->ew, QEQ_ACCURACY, qe->rcut, err);
    if (st != AION_OK) {
        aion_qeq_free(qe);
        return st;
    }
    aion_nlist_opts o = {qe->rcut, QEQ_SKIN, 1};
    if ((st = aion_nlist_create(&qe->nl, &o, err)) != AION_OK) {
        aion_qeq_free(qe);
        return st;
    }
    *out = qe;
    return AION_OK;
}

aion_status aion_qeq_set_coord(aion_qeq *qe, const double *coef, double rc, aion_error *err)
{
    const int ns = qe->ns;
    free(qe->ccoef);
    qe->ccoef = NULL;
    qe->crc = 0.0;
    if (!coef) return AION_OK;
    if (!(rc > 0.0) || rc > qe->rcut)
        return aion_err_set(err, AION_ERR_INVALID, "qeq: coordination cutoff %g A must be in (0, %g]", rc, qe->rcut);
    for (int k = 0; k < ns * ns; k++)
        if (!isfinite(coef[k]))
            return aion_err_set(err, AION_ERR_INVALID, "qeq: coordination coefficient %d is not finite", k);
    qe->ccoef = aion_calloc((size_t)ns * (size_t)ns, sizeof(double));
    if (!qe->ccoef) return aion_err_set(err, AION_ERR_NOMEM, "qeq: out of memory");
    memcpy(qe->ccoef, coef, (size_t)ns * (size_t)ns * sizeof(double));
    qe->crc = rc;
    qe->have_q = qe->have_prev = 0;
    return AION_OK;
}


/* the coordination function f(r) = ½ (1 + cos(π r / r_c)) for r < r_c, and
 * its derivative (only the forces need it) */
static inline double coord_f(double r, double rc) { return 0.5 * (1.0 + cos(M_PI * r / rc)); }
static inline double coord_df(double r, double rc) { return -0.5 * M_PI / rc * sin(M_PI * r / rc); }

/* χ_i of every atom: χ_s, plus the coordination terms */
static void atom_chi(aion_qeq *qe, const int *spec, int n)
{
    const aion_nlist *nl = qe->nl;
    const int ns = qe->ns;
    const double rc2 = qe->crc * qe->crc;
#pragma omp parallel for schedule(dynamic, 16) num_threads(qeq_threads(qe))
    for (int i = 0; i < n; i++) {
        double c = qe->chi[spec[i]];
        if (qe->ccoef) {
            const double *row = qe->ccoef + (size_t)spec[i] * ns, *xi = nl->x[i];
            for (int k = nl->offset[i]; k < nl->offset[i + 1]; k++) {
                int g = nl->nbr[k];
                double d[3] = {nl->x[g][0] - xi[0], nl->x[g][1] - xi[1], nl->x[g][2] - xi[2]};
                double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                if (r2 >= rc2 || r2 == 0.0) continue;
                c += row[spec[nl->owner[g]]] * coord_f(sqrt(r2), qe->crc);
            }
        }
        qe->chiv[i] = c;
    }
}

static aion_status ensure_n(aion_qeq *qe, int n)
{
    if (n <= qe->cap_n) return AION_OK;
    double **bufs[] = {&qe->q, &qe->qprev, &qe->ones, &qe->r, &qe->z, &qe->p, &qe->hp, &qe->minv, &qe->pa, &qe->chiv};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) {
        double *b = aion_realloc_array(*bufs[i], (size_t)n * (bufs[i] == &qe->pa ? 7 : 1), sizeof(double));
        if (!b) return AION_ERR_NOMEM;
        *bufs[i] = b;
    }
    qe->cap_n = n;
    return AION_OK;
}

/* k_e erfc(a r)/r and its -(d/dr)/r, with the fast erfcx of ewald.h */
static inline void screened(double a, double r, double rinv, double *e, double *fr)
{
    const double ke = AION_COULOMB_EV_A;
    double ar = a * r, ex = exp(-ar * ar);
    double ec = (ar < AION_ERFCX_XMAX) ? aion_erfcx_poly(ar) * ex : erfc(ar);
    *e = ke * ec * rinv;
    *fr = (*e + ke * (2.0 / QEQ_SQRT_PI) * a * ex) * rinv * rinv;
}

/* K(r) and -(dK/dr)/r per entry of the full list for this configuration */
static aion_status tabulate_pairs(aion_qeq *qe, const int *spec, int n)
{
    const aion_nlist *nl = qe->nl;
    long np = nl->offset[n];
    if (np > qe->cap_pairs) {
        double *b = aion_realloc_array(qe->pk, (size_t)np, sizeof(double));
        if (!b) return AION_ERR_NOMEM;
        qe->pk = b;
        b = aion_realloc_array(qe->pf, (size_t)np, sizeof(double));
        if (!b) return AION_ERR_NOMEM;
        qe->pf = b;
        qe->cap_pairs = np;
    }
    const double alpha = aion_ewald_alpha(qe->ew), rc2 = qe->rcut * qe->rcut;
    const double *w = qe->width;
    double *pk = qe->pk, *pf = qe->pf;
#pragma omp parallel for schedule(dynamic, 16) num_threads(qeq_threads(qe))
    for (int i = 0; i < n; i++) {
        const double *xi = nl->x[i];
        for (int k = nl->offset[i]; k < nl->offset[i + 1]; k++) {
            int g = nl->nbr[k], j = nl->owner[g];
            double d[3] = {nl->x[g][0] - xi[0], nl->x[g][1] - xi[1], nl->x[g][2] - xi[2]};
            double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
            if (r2 >= rc2 || r2 == 0.0) {
                pk[k] = pf[k] = 0.0;
                continue;
            }
            double r = sqrt(r2), rinv = 1.0 / r, si = w[spec[i]], sj = w[spec[j]];
            double b = 1.0 / sqrt(2.0 * (si * si + sj * sj)); /* 1/(√2γ) */
            double e1, f1, e2, f2;
            screened(alpha, r, rinv, &e1, &f1);
            screened(b, r, rinv, &e2, &f2);
            pk[k] = e1 - e2;
            pf[k] = f1 - f2;
        }
    }
    return AION_OK;
}

/* hv = H v (without the χ term): J v + real-space kernel + k-space part */
static aion_status matvec(aion_qeq *qe, const aion_frame *f, const int *spec, const double *v, double *hv,
                          aion_error *err)
{
    const int n = f->n;
    const aion_nlist *nl = qe->nl;
    const double *pk = qe->pk, *J = qe->diag;
#pragma omp parallel for schedule(dynamic, 16) num_threads(qeq_threads(qe))
    for (int i = 0; i < n; i++) {
        double s = J[spec[i]] * v[i];
        for (int k = nl->offset[i]; k < nl->offset[i + 1]; k++) s += pk[k] * v[nl->owner[nl->nbr[k]]];
        hv[i] = s;
    }
    if (aion_ewald_has_table(qe->ew, n)) {
        aion_ewald_kspace_potential_tab(qe->ew, v, hv);
        return AION_OK;
    }
    return aion_ewald_kspace_potential(qe->ew, f, v, hv, err);
}

static double dot(const double *a, const double *b, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* z = P r: the Jacobi step projected onto Σz = 0, z_i = (r_i − c)/M_i with
 * c = Σ(r/M)/Σ(1/M). Returns r·z = Σ (r_i − c)²/M_i, computed in that form:
 * r carries the uniform part μ, and r·z summed directly would be spoiled by
 * μ times the rounding of Σz near convergence. */
static double precondition(const aion_qeq *qe, int n, const double *r, double *z)
{
    double a = 0.0, b = 0.0, rz = 0.0;
    for (int i = 0; i < n; i++) {
        a += qe->minv[i] * r[i];
        b += qe->minv[i];
    }
    double c = a / b;
    for (int i = 0; i < n; i++) {
        double d = r[i] - c;
        z[i] = qe->minv[i] * d;
        rz += z[i] * d;
    }
    return rz;
}

/* rms of r − mean(r): zero at the constrained minimum */
static double spread(const double *r, int n)
{
    double m = 0.0, s = 0.0;
    for (int i = 0; i < n; i++) m += r[i];
    m /= n;
    for (int i = 0; i < n; i++) s += (r[i] - m) * (r[i] - m);
    return sqrt(s / n);
}

static aion_status solve(aion_qeq *qe, const aion_frame *f, const int *spec, aion_error *err)
{
    const int n = f->n;
    double *q = qe->q, *r = qe->r, *z = qe->z, *p = qe->p, *hp = qe->hp;
    aion_status st;
    double sum = 0.0;
    for (int i = 0; i < n; i++) sum += q[i];
    for (int i = 0; i < n; i++) {
        q[i] += (qe->charge - sum) / n;
        qe->minv[i] = 1.0 / qe->diag[spec[i]];
    }
    /* r = −(Hq + χ) */
    if ((st = matvec(qe, f, spec, q, r, err)) != AION_OK) return st;
    for (int i = 0; i < n; i++) r[i] = -(r[i] + qe->chiv[i]);
    double rz = precondition(qe, n, r, z), res = spread(r, n);
    memcpy(p, z, (size_t)n * sizeof *p);
    int it = 0;
    while (res > QEQ_TOL) {
        if (it == QEQ_MAXITER)
            return aion_err_set(err, AION_ERR_NUMERIC,
                                "qeq: charges not converged in %d iterations (gradient spread %.3g eV/e)", it, res);
        if ((st = matvec(qe, f, spec, p, hp, err)) != AION_OK) return st;
        double php = dot(p, hp, n);
        if (!(php > 0.0))
            return aion_err_set(err, AION_ERR_NUMERIC, "qeq: the charge Hessian is not positive definite (p.Hp = %g)",
                                php);
        double a = rz / php;
        for (int i = 0; i < n; i++) {
            q[i] += a * p[i];
            r[i] -= a * hp[i];
        }
        double rz1 = precondition(qe, n, r, z);
        double beta = rz1 / rz;
        rz = rz1;
        for (int i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
        res = spread(r, n);
        it++;
    }
    return AION_OK;
}

aion_status aion_qeq_compute(aion_qeq *qe, const aion_frame *f, const int *spec, double *energy, double (*forces)[3],
                             double (*virial)[3], double *atom_energy, aion_error *err)
{
    const int n = f->n;
    if (!(f->has & AION_HAS_CELL) || !f->pbc[0] || !f->pbc[1] || !f->pbc[2])
        return aion_err_set(err, AION_ERR_UNSUPPORTED, "qeq: needs a cell periodic in all three directions");
    if (n == 0) return AION_OK;
    for (int i = 0; i < n; i++)
        if (spec[i] < 0 || spec[i] >= qe->ns)
            return aion_err_set(err, AION_ERR_INVALID, "qeq: atom %d has species %d, the model has %d", i, spec[i],
                                qe->ns);
    if (ensure_n(qe, n) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "qeq: out of memory");
    if (!qe->have_q || qe->n != n) {
        memset(qe->q, 0, (size_t)n * sizeof *qe->q);
        qe->have_prev = 0;
    } else {
        /* start from the linear extrapolation of the last two solutions (an MD
         * trajectory); keep the last one for the next call */
        for (int i = 0; i < n; i++) {
            double q0 = qe->q[i];
            if (qe->have_prev) qe->q[i] = 2.0 * q0 - qe->qprev[i];
            qe->qprev[i] = q0;
        }
        qe->have_prev = 1;
    }
    qe->n = n;
    qe->have_q = 0;
    /* α and the k-vectors for unit charges: the same for every configuration
     * of this cell, whatever the charges come out as */
    for (int i = 0; i < n; i++) qe->ones[i] = 1.0;
    aion_status st = aion_ewald_prepare(qe->ew, (const double(*)[3])f->cell, n, qe->ones, err);
    if (st != AION_OK) return st;
    aion_nlist_set_threads(qe->nl, qe->nthreads);
    if ((st = aion_nlist_update(qe->nl, f)) != AION_OK) return aion_err_set(err, st, "qeq: %s", aion_nlist_errmsg(qe->nl));
    if (tabulate_pairs(qe, spec, n) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "qeq: out of memory");
    atom_chi(qe, spec, n);
    {
        /* exp(ik·r) once per configuration when it fits; else recomputed per iteration */
        aion_error e2 = {0};
        (void)aion_ewald_kspace_table(qe->ew, f, &e2);
    }
    if ((st = solve(qe, f, spec, err)) != AION_OK) return st;
    qe->have_q = 1;

    /* energy, forces and virial at these charges */
    const double *q = qe->q;
    const aion_nlist *nl = qe->nl;
    double *pa = qe->pa;
#pragma omp parallel for schedule(dynamic, 16) num_threads(qeq_threads(qe))
    for (int i = 0; i < n; i++) {
        const int si = spec[i];
        double ei = qe->chiv[i] * q[i] + 0.5 * qe->diag[si] * q[i] * q[i], fi[3] = {0, 0, 0};
        double wv[6] = {0, 0, 0, 0, 0, 0};
        const double *xi = nl->x[i];
        for (int k = nl->offset[i]; k < nl->offset[i + 1]; k++) {
            if (qe->pk[k] == 0.0 && qe->pf[k] == 0.0) continue;
            int g = nl->nbr[k], j = nl->owner[g];
            double d[3] = {nl->x[g][0] - xi[0], nl->x[g][1] - xi[1], nl->x[g][2] - xi[2]};
            double fr = qe->pf[k] * q[i] * q[j];
            if (qe->ccoef) {
                /* the pair's share of Σ_i χ_i q_i: c f(r), c = q_i a[s_i][s_j] + q_j a[s_j][s_i];
                 * its energy is in χ_i q_i already, the force is -c f'(r) along the pair */
                double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                if (r2 < qe->crc * qe->crc) {
                    const int ns = qe->ns, sj = spec[j];
                    double r = sqrt(r2);
                    double c = q[i] * qe->ccoef[si * ns + sj] + q[j] * qe->ccoef[sj * ns + si];
                    fr -= c * coord_df(r, qe->crc) / r;
                }
            }
            ei += 0.5 * qe->pk[k] * q[i] * q[j];
            fi[0] -= fr * d[0];
            fi[1] -= fr * d[1];
            fi[2] -= fr * d[2];
            /* full list: each pair twice, half the virial each time */
            wv[0] += 0.5 * fr * d[0] * d[0];
            wv[1] += 0.5 * fr * d[1] * d[1];
            wv[2] += 0.5 * fr * d[2] * d[2];
            wv[3] += 0.5 * fr * d[0] * d[1];
            wv[4] += 0.5 * fr * d[0] * d[2];
            wv[5] += 0.5 * fr * d[1] * d[2];
        }
        if (forces)
            for (int a = 0; a < 3; a++) forces[i][a] += fi[a];
        if (atom_energy) atom_energy[i] += ei;
        pa[7 * i] = ei;
        for (int a = 0; a < 6; a++) pa[7 * i + 1 + a] = wv[a];
    }
    /* in atom order: the same sums whatever the thread count */
    double e_tot = 0.0, wv[6] = {0, 0, 0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        e_tot += pa[7 * i];
        for (int a = 0; a < 6; a++) wv[a] += pa[7 * i + 1 + a];
    }
    if (energy) *energy += e_tot;
    if (virial) {
        virial[0][0] += wv[0];
        virial[1][1] += wv[1];
        virial[2][2] += wv[2];
        virial[0][1] += wv[3];
        virial[1][0] += wv[3];
        virial[0][2] += wv[4];
        virial[2][0] += wv[4];
        virial[1][2] += wv[5];
        virial[2][1] += wv[5];
    }
    return aion_ewald_kspace(qe->ew, f, q, energy, forces, virial, atom_energy, err);
}

void aion_qeq_describe(const aion_qeq *qe, const int *species_z, aion_strbuf *sb)
{
    aion_sb_printf(sb, "charge equilibration, Gaussian charges, Ewald (docs/qeq.md): total charge %g e, "
                       "real-space cutoff %g A\n", qe->charge, qe->rcut);
    for (int s = 0; s < qe->ns; s++)
        aion_sb_printf(sb, "    %-2s chi %g eV  J %g eV  sigma %g A\n", aion_element_symbol(species_z[s]), qe->chi[s],
                       qe->hard[s], qe->width[s]);
    if (!qe->ccoef) return;
    aion_sb_printf(sb, "    chi depends on the environment, coordination cutoff %g A:\n", qe->crc);
    for (int a = 0; a < qe->ns; a++)
        for (int b = 0; b < qe->ns; b++)
            if (qe->ccoef[a * qe->ns + b] != 0.0)
                aion_sb_printf(sb, "      chi(%s) += %g eV per %s neighbour\n", aion_element_symbol(species_z[a]),
                               qe->ccoef[a * qe->ns + b], aion_element_symbol(species_z[b]));
}

/* ---------------------------------------------------------------------- */
/* checkpoint state: the solver's starting point and the pair order        */

/* int32 n (0: no charges yet), int32 have_prev, u64 list bytes, q[n],
 * qprev[n], the neighbour list's reference (potential.h) */
size_t aion_qeq_state_size(const aion_qeq *qe)
{
    int n = qe->have_q ? qe->n : 0;
    return 2 * sizeof(int32_t) + sizeof(uint64_t) + 2 * (size_t)n * sizeof(double) + aion_nlist_state_size(qe->nl);
}

aion_status aion_qeq_state_save(const aion_qeq *qe, void *buf, size_t len)
{
    int32_t n = qe->have_q ? qe->n : 0, hp = qe->have_prev;
    uint64_t ln = aion_nlist_state_size(qe->nl);
    char *b = buf;
    if (len != aion_qeq_state_size(qe)) return AION_ERR_INVALID;
    memcpy(b, &n, sizeof n);
    memcpy(b + 4, &hp, sizeof hp);
    memcpy(b + 8, &ln, sizeof ln);
    b += 16;
    if (n > 0) {
        memcpy(b, qe->q, (size_t)n * sizeof(double));
        memcpy(b + (size_t)n * sizeof(double), qe->qprev, (size_t)n * sizeof(double));
        b += 2 * (size_t)n * sizeof(double);
    }
    return aion_nlist_state_save(qe->nl, b, (size_t)ln);
}

aion_status aion_qeq_state_load(aion_qeq *qe, const void *buf, size_t len, const aion_frame *f, aion_error *err)
{
    int32_t n, hp;
    uint64_t ln;
    const char *b = buf;
    if (len < 16) return aion_err_set(err, AION_ERR_INVALID, "charge-equilibration state: truncated");
    memcpy(&n, b, sizeof n);
    memcpy(&hp, b + 4, sizeof hp);
    memcpy(&ln, b + 8, sizeof ln);
    if (n < 0 || (n > 0 && n != f->n) || len != 16 + 2 * (size_t)n * sizeof(double) + ln)
        return aion_err_set(err, AION_ERR_INVALID, "charge-equilibration state does not fit the system (%d atoms, "
                            "%d in the state)", f->n, (int)n);
    b += 16;
    qe->have_q = qe->have_prev = 0;
    if (n > 0) {
        if (ensure_n(qe, n) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "qeq: out of memory");
        memcpy(qe->q, b, (size_t)n * sizeof(double));
        memcpy(qe->qprev, b + (size_t)n * sizeof(double), (size_t)n * sizeof(double));
        b += 2 * (size_t)n * sizeof(double);
        qe->n = n;
        qe->have_q = 1;
        qe->have_prev = hp != 0;
    }
    return aion_nlist_state_load(qe->nl, b, (size_t)ln, f, err);
}

/* ---------------------------------------------------------------------- */
/* parameter table                                                        */

aion_status aion_qeq_parse_table(const char *text, size_t len, const char *path, aion_qeq_table *t, aion_error *err)
{
    memset(t, 0, sizeof *t);
    char line[1024];
    long ln = 0;
    size_t pos = 0;
    aion_status st = AION_OK;
    int have_charge = 0, n_cc = 0;
    struct {
        int za, zb;
        long line;
        double v;
    } cc[AION_QEQ_MAX_SPECIES * AION_QEQ_MAX_SPECIES];
    while (pos < len) {
        size_t e = pos;
        while (e < len && text[e] != '\n') e++;
        ln++;
        if (e - pos >= sizeof line) {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: line longer than %zu characters", path, ln,
                              sizeof line - 1);
            break;
        }
        if (memchr(text + pos, '\0', e - pos)) {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: NUL byte in the line", path, ln);
            break;
        }
        memcpy(line, text + pos, e - pos);
        line[e - pos] = '\0';
        pos = e + 1;
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *tok[6], *save = NULL;
        int nt = 0;
        for (char *s = strtok_r(line, " \t\r", &save); s; s = strtok_r(NULL, " \t\r", &save)) {
            if (nt == 5) {
                nt = 6;
                break;
            }
            tok[nt++] = s;
        }
        if (nt == 0) continue;
        if (strcmp(tok[0], "coord-cutoff") == 0) {
            if (nt != 2 || aion_parse_double(tok[1], &t->coord_cutoff) != 0 || !(t->coord_cutoff > 0.0) ||
                !isfinite(t->coord_cutoff)) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: expected 'coord-cutoff RC' (A, > 0)", path, ln);
                break;
            }
            continue;
        }
        if (strcmp(tok[0], "chi-coord") == 0) {
            int za = nt == 4 ? aion_element_z(tok[1]) : 0, zb = nt == 4 ? aion_element_z(tok[2]) : 0;
            if (nt != 4 || za <= 0 || zb <= 0) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: expected 'chi-coord SPECIES NEIGHBOUR eV'", path, ln);
                break;
            }
            if (n_cc == (int)(sizeof cc / sizeof *cc)) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: too many chi-coord lines", path, ln);
                break;
            }
            if (aion_parse_double(tok[3], &cc[n_cc].v) != 0 || !isfinite(cc[n_cc].v)) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: field 4 ('%s') is not a number", path, ln, tok[3]);
                break;
            }
            cc[n_cc].za = za;
            cc[n_cc].zb = zb;
            cc[n_cc].line = ln;
            n_cc++;
            continue;
        }
        if (strcmp(tok[0], "charge") == 0) {
            if (nt != 2 || aion_parse_double(tok[1], &t->charge) != 0 || !isfinite(t->charge)) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: expected 'charge Q' (total charge in e)", path, ln);
                break;
            }
            if (have_charge) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: second 'charge' line", path, ln);
                break;
            }
            have_charge = 1;
            continue;
        }
        if (nt < 3 || nt > 4) {
            st = aion_err_set(err, AION_ERR_PARSE,
                              "%s:%ld: expected 'SPECIES CHI_eV J_eV [SIGMA_A]' or 'charge Q', got %d fields", path, ln,
                              nt);
            break;
        }
        int z = aion_element_z(tok[0]);
        if (z <= 0) {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: '%s' is not an element symbol", path, ln, tok[0]);
            break;
        }
        for (int s = 0; s < t->ns; s++)
            if (t->z[s] == z) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: %s is listed twice", path, ln, tok[0]);
                break;
            }
        if (st != AION_OK) break;
        if (t->ns == AION_QEQ_MAX_SPECIES) {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: more than %d species", path, ln, AION_QEQ_MAX_SPECIES);
            break;
        }
        double v[3] = {0, 0, 0};
        for (int c = 1; c < nt; c++)
            if (aion_parse_double(tok[c], &v[c - 1]) != 0 || !isfinite(v[c - 1])) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: field %d ('%s') is not a number", path, ln, c + 1,
                                  tok[c]);
                break;
            }
        if (st != AION_OK) break;
        if (!(v[1] > 0.0) || (nt == 4 && !(v[2] > 0.0))) {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: J and sigma must be positive", path, ln);
            break;
        }
        t->z[t->ns] = z;
        t->chi[t->ns] = v[0];
        t->hard[t->ns] = v[1];
        t->width[t->ns] = nt == 4 ? v[2] : 0.0;
        t->ns++;
    }
    if (st == AION_OK && t->ns == 0) st = aion_err_set(err, AION_ERR_PARSE, "%s: no species lines", path);
    /* chi-coord lines name species of the table; they need a cutoff */
    for (int c = 0; st == AION_OK && c < n_cc; c++) {
        int a = -1, b = -1;
        for (int s = 0; s < t->ns; s++) {
            if (t->z[s] == cc[c].za) a = s;
            if (t->z[s] == cc[c].zb) b = s;
        }
        if (a < 0 || b < 0)
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: chi-coord names %s, which has no species line", path,
                              cc[c].line, aion_element_symbol(a < 0 ? cc[c].za : cc[c].zb));
        else if (!(t->coord_cutoff > 0.0))
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: chi-coord without a 'coord-cutoff' line", path, cc[c].line);
        else {
            t->coord[a][b] = cc[c].v;
            t->has_coord = 1;
        }
    }
    return st;
}

aion_status aion_qeq_read_table(const char *path, aion_qeq_table *t, aion_error *err)
{
    memset(t, 0, sizeof *t);
    FILE *fp = fopen(path, "rb");
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    aion_status st = AION_OK;
    for (;;) {
        if (len == cap) {
            if (cap >= ((size_t)1 << 24)) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s: larger than 16 MB, not a parameter table", path);
                break;
            }
            char *nb = realloc(buf, cap ? 2 * cap : 4096);
            if (!nb) {
                st = aion_err_set(err, AION_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            buf = nb;
            cap = cap ? 2 * cap : 4096;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) break;
    }
    if (st == AION_OK && ferror(fp)) st = aion_err_set(err, AION_ERR_IO, "%s: read error", path);
    fclose(fp);
    if (st == AION_OK) st = aion_qeq_parse_table(buf ? buf : "", len, path, t, err);
    free(buf);
    return st;
}

/* ---------------------------------------------------------------------- */
/* the model as a potential of its own ("qeq:PARAMS")                     */

typedef struct qeq_pot {
    aion_qeq *qe;
    aion_qeq_table t;
    int *spec;
    int cap;
} qeq_pot;

static aion_status qp_compute(void *self, const aion_frame *f, aion_eval *out, aion_error *err)
{
    qeq_pot *qp = self;
    const int n = f->n;
    if (n > qp->cap) {
        int *s = aion_realloc_array(qp->spec, (size_t)n, sizeof(int));
        if (!s) return aion_err_set(err, AION_ERR_NOMEM, "qeq: out of memory");
        qp->spec = s;
        qp->cap = n;
    }
    for (int i = 0; i < n; i++) {
        int s = 0;
        while (s < qp->t.ns && qp->t.z[s] != f->z[i]) s++;
        if (s == qp->t.ns)
            return aion_err_set(err, AION_ERR_INVALID, "qeq: atom %d (%s) has no parameters", i,
                                aion_element_symbol(f->z[i]));
        qp->spec[i] = s;
    }
    if (out->forces) memset(out->forces, 0, (size_t)n * sizeof *out->forces);
    if (out->atom_energy) memset(out->atom_energy, 0, (size_t)n * sizeof *out->atom_energy);
    aion_status st = aion_qeq_compute(qp->qe, f, qp->spec, &out->energy, out->forces,
                                      out->want_virial ? out->virial : NULL, out->atom_energy, err);
    if (st == AION_OK && out->charges) {
        memcpy(out->charges, aion_qeq_charges(qp->qe, NULL), (size_t)n * sizeof *out->charges);
        out->charges_set = 1;
    }
    return st;
}

static double qp_cutoff(const void *self) { return aion_qeq_cutoff(((const qeq_pot *)self)->qe); }

static void qp_describe(const void *self, aion_strbuf *sb)
{
    const qeq_pot *qp = self;
    aion_qeq_describe(qp->qe, qp->t.z, sb);
}

static void qp_destroy(void *self)
{
    qeq_pot *qp = self;
    if (!qp) return;
    aion_qeq_free(qp->qe);
    free(qp->spec);
    free(qp);
}

static size_t qp_state_size(const void *self) { return aion_qeq_state_size(((const qeq_pot *)self)->qe); }
static aion_status qp_state_save(const void *self, void *buf, size_t len)
{
    return aion_qeq_state_save(((const qeq_pot *)self)->qe, buf, len);
}
static aion_status qp_state_load(void *self, const void *buf, size_t len, const aion_frame *f, aion_error *err)
{
    return aion_qeq_state_load(((qeq_pot *)self)->qe, buf, len, f, err);
}

static const aion_potential_ops qeq_ops = {.name = "qeq",
                                           .compute = qp_compute,
                                           .cutoff = qp_cutoff,
                                           .describe = qp_describe,
                                           .destroy = qp_destroy,
                                           .state_size = qp_state_size,
                                           .state_save = qp_state_save,
                                           .state_load = qp_state_load};

aion_potential *aion_qeq_potential_create(const char *path, const aion_potential_opts *o, aion_error *err)
{
    qeq_pot *qp = aion_calloc(1, sizeof *qp);
    if (!qp) {
        aion_err_set(err, AION_ERR_NOMEM, "qeq: out of memory");
        return NULL;
    }
    if (aion_qeq_read_table(path, &qp->t, err) != AION_OK ||
        aion_qeq_create(&qp->qe, qp->t.ns, qp->t.z, qp->t.chi, qp->t.hard, qp->t.width, qp->t.charge, err) != AION_OK) {
        free(qp);
        return NULL;
    }
    if (qp->t.has_coord) {
        const int ns = qp->t.ns;
        double coef[AION_QEQ_MAX_SPECIES * AION_QEQ_MAX_SPECIES];
        for (int a = 0; a < ns; a++)
            for (int b = 0; b < ns; b++) coef[a * ns + b] = qp->t.coord[a][b];
        if (aion_qeq_set_coord(qp->qe, coef, qp->t.coord_cutoff, err) != AION_OK) {
            aion_qeq_free(qp->qe);
            free(qp);
            return NULL;
        }
    }
    if (o) aion_qeq_set_threads(qp->qe, o->nthreads);
    return aion_potential_wrap(&qeq_ops, qp);
}
