/*
 * Charge equilibration (QEq) with Gaussian charges and Ewald summation
 * (internal; docs/qeq.md).
 *
 * Every atom i of species s carries a Gaussian charge q_i of width σ_s; the
 * charges minimise
 *
 *   E(q) = Σ_i [χ_s q_i + ½ (J_s + k_e/(σ_s √π)) q_i²]
 *        + ½ Σ'_{i,j,n} k_e q_i q_j erf(|r_ij + n| / (√2 γ_ij)) / |r_ij + n|,
 *   γ_ij = sqrt(σ_i² + σ_j²),
 *
 * at fixed total charge Σ q_i = Q (n over lattice translations, the prime
 * leaving out i = j, n = 0). k_e/(σ√π) is the Gaussian's Coulomb self-energy,
 * J > 0 the hardness on top of it (Ko et al., Nat. Commun. 12, 398 (2021),
 * "4G-HDNNP"), so the Hessian is the Coulomb matrix of the Gaussians plus a
 * positive diagonal: positive definite for any geometry. The erf kernel is 1/r
 * (Ewald, ewald.h) minus the short-ranged erfc(r/(√2γ))/r, summed over the
 * pairs within the real-space cutoff. Because the charges minimise E under a
 * constraint that does not depend on the positions, the forces and the
 * virial are those at fixed charges (Hellmann–Feynman).
 *
 * The solver is a projected, Jacobi-preconditioned conjugate gradient in the
 * subspace Σ q = Q, started from the previous call's charges when the atom
 * count is the same. Results do not depend on the thread count beyond
 * rounding order of the k-space sums (none: fixed order).
 */
#ifndef AION_QEQ_H
#define AION_QEQ_H

#include "aion.h"
#include "internal.h"

typedef struct aion_qeq aion_qeq;

/* ns species (atomic numbers zs, may be NULL when every width is given) with
 * electronegativity chi (eV), hardness hard (eV, > 0) and Gaussian width
 * width (Å; NULL or <= 0: the covalent radius of zs[s]); total charge Q (e).
 * Copies the arrays. */
aion_status aion_qeq_create(aion_qeq **out, int ns, const int *zs, const double *chi, const double *hard,
                            const double *width, double charge, aion_error *err);
void aion_qeq_free(aion_qeq *qe);
/* Environment-dependent electronegativity (docs/qeq.md):
 *   χ_i = χ_s + Σ_j coef[s_i·ns + s_j] f(r_ij),  f(r) = ½ (1 + cos(π r / rc)) for r < rc,
 * i.e. coef[s][t] eV per t neighbour of an s atom (a smooth coordination
 * number). coef NULL: none. rc must not exceed aion_qeq_cutoff. */
aion_status aion_qeq_set_coord(aion_qeq *qe, const double *coef, double rc, aion_error *err);
/* Real-space cutoff (Å) of the Ewald and Gaussian sums. */
double aion_qeq_cutoff(const aion_qeq *qe);
void aion_qeq_set_threads(aion_qeq *qe, int nthreads);
/* Solve for the charges of frame f (species index spec[i] in 0..ns-1 per
 * atom; a cell periodic in 3D) and ADD the energy, forces, virial (-dE/dε,
 * eV) and per-atom energies; any output may be NULL. */
aion_status aion_qeq_compute(aion_qeq *qe, const aion_frame *f, const int *spec, double *energy, double (*forces)[3],
                             double (*virial)[3], double *atom_energy, aion_error *err);
/* Charges of the last compute (n atoms). */
const double *aion_qeq_charges(const aion_qeq *qe, int *n);
/* Parameters and cutoffs, one line each (species_z: element of species s). */
void aion_qeq_describe(const aion_qeq *qe, const int *species_z, aion_strbuf *sb);

/* Checkpoint state (the solver's last two solutions and the neighbour
 * list's reference), so that a restarted MD run repeats the original bit
 * for bit. load: f is the configuration the state belongs to. */
size_t aion_qeq_state_size(const aion_qeq *qe);
aion_status aion_qeq_state_save(const aion_qeq *qe, void *buf, size_t len);
aion_status aion_qeq_state_load(aion_qeq *qe, const void *buf, size_t len, const aion_frame *f, aion_error *err);

/* Read a parameter table (docs/qeq.md):
 *     # species  chi_eV  J_eV  [sigma_A]
 *     Li  3.006  4.772
 *     charge 0
 *     coord-cutoff 3.5          (environment-dependent χ, optional)
 *     chi-coord Li O -0.2       (eV per O neighbour of a Li)
 * into per-species arrays (at most AION_MAX_SPECIES rows; z[] atomic
 * numbers). Errors name the file and line. */
#define AION_QEQ_MAX_SPECIES 16
typedef struct aion_qeq_table {
    int ns;
    int z[AION_QEQ_MAX_SPECIES];
    double chi[AION_QEQ_MAX_SPECIES], hard[AION_QEQ_MAX_SPECIES], width[AION_QEQ_MAX_SPECIES];
    double charge;
    /* 'coord-cutoff RC' and 'chi-coord A B VALUE' lines (has_coord: any given) */
    int has_coord;
    double coord_cutoff;
    double coord[AION_QEQ_MAX_SPECIES][AION_QEQ_MAX_SPECIES];
} aion_qeq_table;
aion_status aion_qeq_read_table(const char *path, aion_qeq_table *t, aion_error *err);
/* The same from memory (path names it in messages). */
aion_status aion_qeq_parse_table(const char *text, size_t len, const char *path, aion_qeq_table *t, aion_error *err);

/* Potential wrapper ("qeq:PARAMS" in aion_potential_create). */
aion_potential *aion_qeq_potential_create(const char *path, const aion_potential_opts *o, aion_error *err);

#endif
