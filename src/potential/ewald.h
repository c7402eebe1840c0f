/*
 * Ewald summation for point charges in a triclinic periodic cell (internal).
 *
 *   E = E_real + E_recip + E_self + E_background
 *   E_real  = k_e/2 Σ_{i,j,n}' q_i q_j erfc(α r)/r        (pair loop, cutoff r_c)
 *   E_recip = k_e 2π/V Σ_{k≠0} exp(-k²/4α²)/k² |S(k)|²,  S(k) = Σ_j q_j exp(i k·r_j)
 *   E_self  = -k_e α/√π Σ q_i²
 *   E_bg    = -k_e π/(2 V α²) (Σ q_i)²                   (neutralising background)
 * with k_e = AION_COULOMB_EV_A. Parameters (α, r_c, k-space cutoff) are chosen
 * from a requested relative accuracy (Kolafa & Perram, Mol. Sim. 9, 351 (1992)).
 *
 * Two ways to use it:
 *  - aion_ewald_compute(): everything (own neighbour list), for tests and for
 *    Coulomb-only evaluations;
 *  - a classical potential with a fused pair loop calls aion_ewald_prepare()
 *    once per configuration, adds aion_ewald_real_pair() terms itself for pairs
 *    within aion_ewald_rcut(), then calls aion_ewald_kspace() for the
 *    reciprocal, self and background parts.
 */
#ifndef AION_EWALD_H
#define AION_EWALD_H

#include "aion.h"

#include <math.h>

typedef struct aion_ewald aion_ewald;

/* accuracy: target relative accuracy of forces (e.g. 1e-8); rcut: real-space
 * cutoff in Å (0 = choose). */
aion_status aion_ewald_create(aion_ewald **out, double accuracy, double rcut, aion_error *err);
void aion_ewald_free(aion_ewald *ew);

/* Choose α and the k-vectors for this cell and these charges (cheap when the
 * cell did not change). Must be called before real_pair/kspace. */
aion_status aion_ewald_prepare(aion_ewald *ew, const double cell[3][3], int n, const double *q, aion_error *err);
double aion_ewald_alpha(const aion_ewald *ew);
double aion_ewald_rcut(const aion_ewald *ew);

/* erfcx(x) = exp(x²) erfc(x) for 0 <= x < AION_ERFCX_XMAX by piecewise
 * polynomials (tools/gen_erfcx.py; relative error < 3e-16): erfc(x) is then
 * erfcx(x)·exp(-x²), sharing the exponential the force needs anyway and ~4x
 * cheaper than libm's erfc. */
#define AION_ERFCX_NSEG 64
#define AION_ERFCX_DEG 9 /* aion_erfcx_poly is written for degree 9 */
#define AION_ERFCX_XMAX 8.0
extern const double aion_erfcx_coef[AION_ERFCX_NSEG][AION_ERFCX_DEG + 1];

static inline double aion_erfcx_poly(double x)
{
    const double h = AION_ERFCX_XMAX / AION_ERFCX_NSEG;
    int s = (int)(x * (1.0 / h));
    const double *a = aion_erfcx_coef[s];
    double u = x - (s + 0.5) * h;
    /* degree 9 by Estrin's scheme with fused multiply-adds (short dependency
     * chain; fma is exactly rounded, so results are the same everywhere) */
    double u2 = u * u, u4 = u2 * u2, u8 = u4 * u4;
    double b0 = fma(a[1], u, a[0]), b1 = fma(a[3], u, a[2]), b2 = fma(a[5], u, a[4]);
    double b3 = fma(a[7], u, a[6]), b4 = fma(a[9], u, a[8]);
    double c0 = fma(b1, u2, b0), c1 = fma(b3, u2, b2);
    return fma(b4, u8, fma(c1, u4, c0));
}

/* Real-space term for one pair at distance r with charge product qq (e²):
 * energy e (eV) and fr = -(dE/dr)/r (eV/Å²), so that F_i += fr * (r_i - r_j). */
static inline void aion_ewald_real_pair(double alpha, double qq, double r, double *e, double *fr)
{
    const double ke = AION_COULOMB_EV_A;
    double ar = alpha * r, rinv = 1.0 / r;
    double ex = exp(-ar * ar);
    double erfc_ar = (ar >= 0.0 && ar < AION_ERFCX_XMAX) ? aion_erfcx_poly(ar) * ex : erfc(ar);
    double kq = ke * qq;
    double ee = kq * erfc_ar * rinv;
    *e = ee;
    *fr = (ee + kq * (2.0 / 1.77245385090551602730) * alpha * ex) * rinv * rinv;
}

/* Reciprocal + self + background parts; ADDS to *energy, forces (if not NULL),
 * virial (if not NULL; -dE/dε convention, eV) and atom_energy (if not NULL). */
aion_status aion_ewald_kspace(aion_ewald *ew, const aion_frame *f, const double *q, double *energy,
                              double (*forces)[3], double (*virial)[3], double *atom_energy, aion_error *err);

/* After prepare: ADDS to phi[i] the derivative of the reciprocal, self and
 * background energy with respect to q_i (eV/e), for charge equilibration. */
aion_status aion_ewald_kspace_potential(aion_ewald *ew, const aion_frame *f, const double *q, double *phi,
                                        aion_error *err);

/* For many potentials of one configuration (charge equilibration): after
 * prepare, tabulate exp(i k·r_j) for every k-vector and atom of f (fails
 * with AION_ERR_NOMEM above 16 M entries: use aion_ewald_kspace_potential);
 * then aion_ewald_kspace_potential_tab(ew, q, phi) ADDS the same as
 * aion_ewald_kspace_potential for charges q, at about half its cost. The
 * table holds until the next prepare that changes something or the next
 * kspace_table call; aion_ewald_has_table says whether it is there for n
 * atoms. The caller must not move the atoms in between. */
aion_status aion_ewald_kspace_table(aion_ewald *ew, const aion_frame *f, aion_error *err);
int aion_ewald_has_table(const aion_ewald *ew, int n);
void aion_ewald_kspace_potential_tab(aion_ewald *ew, const double *q, double *phi);

/* Complete Ewald energy/forces/virial for charges q (e) on frame f. Sets
 * (not adds) the outputs; forces/virial/atom_energy may be NULL. */
aion_status aion_ewald_compute(aion_ewald *ew, const aion_frame *f, const double *q, double *energy,
                               double (*forces)[3], double (*virial)[3], double *atom_energy, aion_error *err);

/* ---- additions (ewald branch) ---------------------------------------- */

/* Accuracy convention: `accuracy` is the target RMS force error per atom in
 * units of the force between two unit charges 1 Å apart (k_e e²/Å² =
 * 14.3996 eV/Å), as LAMMPS' kspace accuracy. */

/* Fix α (Å⁻¹) and/or the k-space cutoff K (Å⁻¹) instead of choosing them from
 * the accuracy (0 = choose). With α fixed and K = 0, K is chosen for α. */
aion_status aion_ewald_set_params(aion_ewald *ew, double alpha, double kcut);
/* OpenMP threads (0 = OpenMP default). Results do not depend on it. */
void aion_ewald_set_threads(aion_ewald *ew, int nthreads);
/* After prepare: K (Å⁻¹) and the number of k-vectors in the half space. */
double aion_ewald_kcut(const aion_ewald *ew);
int aion_ewald_nkvec(const aion_ewald *ew);
/* After prepare: Kolafa–Perram estimates of the RMS force error (eV/Å) of the
 * real-space truncation and of the k-space truncation. */
void aion_ewald_error_estimate(const aion_ewald *ew, double *df_real, double *df_recip);
/* Real-space part by a direct O(N² · images) sum (no neighbour list); ADDS like
 * aion_ewald_kspace. A reference for tests and a fallback. */
aion_status aion_ewald_real_direct(aion_ewald *ew, const aion_frame *f, const double *q, double *energy,
                                   double (*forces)[3], double (*virial)[3], double *atom_energy, aion_error *err);

/* ---- probe: one atom moved over many points, the others fixed ---------- */

/* After prepare (same cell, atom count and charges): store the structure
 * factor of every atom but `skip`, S_rest(k), and set *e_const to the self +
 * background energy of all atoms (independent of positions). */
aion_status aion_ewald_probe_prepare(aion_ewald *ew, const aion_frame *f, const double *q, int skip, double *e_const,
                                     aion_error *err);
/* Doubles of scratch that aion_ewald_probe_recip needs. */
int aion_ewald_probe_work_size(const aion_ewald *ew);
/* Reciprocal energy with the skipped atom (charge qk) at Cartesian x:
 * Σ_k A(k) |S_rest(k) + qk exp(i k·x)|², O(N_k). Reads ew only: thread-safe
 * (one work buffer per thread). */
double aion_ewald_probe_recip(const aion_ewald *ew, double qk, const double x[3], double *work);

#endif
