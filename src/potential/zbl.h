/*
 * ZBL screened-nuclear pair repulsion with LAMMPS's switching (internal view):
 * the optional short-range baseline of an MTP (aion extension of the .mtp
 * format: aion_zbl_inner, aion_zbl_outer, aion_zbl_z; docs/mtp.md). The
 * evaluation is that of LAMMPS `pair_style zbl inner outer` (metal units).
 *
 * Ziegler, Biersack, Littmark, "The Stopping and Range of Ions in Solids"
 * (Pergamon, 1985), doi:10.1007/978-3-642-68779-2_5:
 *   E_ZBL(r) = (Zi Zj e²/(4πε0) / r) φ(r/a),   a = 0.46850 Å / (Zi^0.23 + Zj^0.23)
 *   φ(x) = 0.18175 e^{-3.19980 x} + 0.50986 e^{-0.94229 x} + 0.28022 e^{-0.40290 x}
 *        + 0.02817 e^{-0.20162 x},              e²/(4πε0) = 14.399645 eV Å
 * Switch (GROMACS-style, as pair_style lj/gromacs), t = r - inner, tc = outer - inner,
 * E_c, E'_c, E''_c = E_ZBL and its derivatives at outer:
 *   A = (-3 E'_c + tc E''_c) / tc²,  B = (2 E'_c - tc E''_c) / tc³,
 *   C = -E_c + tc E'_c / 2 - tc² E''_c / 12
 *   E(r) = E_ZBL(r) + C                               r <= inner
 *        = E_ZBL(r) + C + A t³/3 + B t⁴/4             inner < r < outer
 *        = 0                                          r >= outer
 * so that E, dE/dr and d²E/dr² vanish at outer.
 */
#ifndef AION_ZBL_H
#define AION_ZBL_H

#include "aion.h"
#include "internal.h"
#include "neighbor/nlist.h"

#define ZBL_QQR2E 14.399645 /* e²/(4πε0) in eV Å (LAMMPS metal units) */

typedef struct zbl_pair {
    double zze;        /* Zi Zj e²/(4πε0), eV Å */
    double ka[4];      /* exponents d_k / a, 1/Å */
    double A, B, C;    /* switch */
} zbl_pair;

typedef struct zbl_table {
    int C;             /* species */
    double inner, outer;
    zbl_pair *p;       /* [C][C] */
} zbl_table;

/* Pair tables for species with atomic numbers z[0..nspecies-1] (each 1..118)
 * and 0 < inner < outer (Å). Free with zbl_table_free (NULL ok). */
aion_status zbl_table_build(zbl_table *t, const int *z, int nspecies, double inner, double outer, aion_error *err);
void zbl_table_free(zbl_table *t);

/* The baseline's stored atomic numbers zbl_z[n] against those given for the
 * species, z[n]: AION_ERR_INVALID "NAME: the ZBL baseline was made for species
 * s = X (aion_zbl_z), but WHAT names Y" at the first difference. */
aion_status zbl_check_species(const int *zbl_z, const int *z, int n, const char *name, const char *what,
                              aion_error *err);

/* Pair energy of species si, sj at distance r (> 0), *dedr = dE/dr; 0 at r >= outer. */
double zbl_pair_energy(const zbl_table *t, int si, int sj, double r, double *dedr);

/* Baseline of the local atoms of a FULL neighbour list (updated for the
 * frame; its cutoff at least t->outer), species spec[]: ADDS the energy to
 * *energy, forces to forces[n][3] (may be NULL), the virial W = -Σ r_ij ⊗
 * dE/dr_ij to vir (may be NULL) and half of each pair's energy to each atom's
 * atom_energy[n] (may be NULL). Per-atom partial sums are combined in atom
 * order: the result does not depend on nthreads (0 = OpenMP default). */
aion_status zbl_add_nlist(const zbl_table *t, const aion_nlist *nl, const int *spec, int nthreads, double *energy,
                          double (*forces)[3], double vir[3][3], double *atom_energy, aion_error *err);

/* The same for a frame (builds its own neighbour list). */
aion_status zbl_add_frame(const zbl_table *t, const aion_frame *f, const int *spec, int nthreads, double *energy,
                          double (*forces)[3], double vir[3][3], double *atom_energy, aion_error *err);

/* Probe (aion_potential_probe, probe.h): ADDS to energy[q] the baseline
 * energy of f with atom k at x[q] (f periodic in 3D). */
aion_status zbl_add_probe(const zbl_table *t, const aion_frame *f, const int *spec, int k, int npts,
                          const double (*x)[3], int nthreads, double *energy, aion_error *err);

#endif
