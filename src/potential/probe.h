/*
 * Probe support (internal): the total energy of a configuration as ONE atom k
 * is placed at many positions x_p, every other atom fixed
 * (aion_potential_probe; docs/screening.md "Speed").
 *
 * Models with a fast path fill aion_potential_ops.probe. They split
 *   E(x) = E_rest + ΔE_k(x),
 * E_rest independent of x, and find the neighbours of x in a cell list of the
 * frozen framework built here: every atom but k with all of its periodic
 * images whose fractional coordinates lie within rc·|b_d| of the unit cell
 * (b_d the reciprocal vectors), binned on a fractional grid. A query point is
 * first wrapped into the cell (energies only depend on differences, so the
 * wrap is exact up to rounding), then every stored image within rc is found,
 * also when rc exceeds half the cell (more images are stored).
 *
 * The periodic images of atom k itself move with it: the vector from k to
 * its image k + n·L is n·L whatever x is, so the pair terms (or, for a
 * many-body model, the environment contributions) of k with its own images
 * are constant and belong to E_rest (probe_lattice_vectors lists them).
 */
#ifndef AION_PROBE_H
#define AION_PROBE_H

#include "aion.h"
#include "internal.h"

typedef struct probe_cells {
    double cell[3][3], inv[3][3];
    double rc;                /* search radius (Å) */
    double pad[3];            /* fractional reach rc·|b_d| (slightly enlarged) */
    int nimg;                 /* images stored */
    double (*x)[3];           /* Cartesian positions of the images, in bin order */
    int *owner;               /* atom of each image */
    unsigned char *home;      /* 1 for the image that is the atom itself (zero shift, wrapped) */
    int nb[3];                /* bins per direction */
    double lo, h[3];          /* bin b covers fractional [lo_d + b h_d, ...), lo_d = -pad_d */
    int *start;               /* CSR over bins: nb0*nb1*nb2 + 1 */
} probe_cells;

/* Neighbours of one query point. */
typedef struct probe_nbrs {
    int n, cap;
    double (*d)[3];           /* image position − query point (Å) */
    double *r2;               /* |d|² */
    int *j;                   /* owner atom */
} probe_nbrs;

/* Cell list of every atom of f except `skip` (-1: none) and their images, for
 * queries of radius rc. f must have a cell periodic in 3D. */
aion_status probe_cells_build(probe_cells *pc, const aion_frame *f, int skip, double rc, aion_error *err);
void probe_cells_free(probe_cells *pc);
/* Every stored image within rc (r² < rc², strictly) of x (any Cartesian point;
 * wrapped into the cell first), except the home image of atom `home` (-1:
 * none; querying around an atom's own position with home = that atom gives
 * its neighbours, its own periodic images included). Order: by bin, then
 * storage order (deterministic). Returns AION_OK or AION_ERR_NOMEM. */
aion_status probe_cells_query(const probe_cells *pc, const double x[3], int home, probe_nbrs *out);
void probe_nbrs_free(probe_nbrs *nb);

/* Lattice vectors n·L with n ≠ 0 and |n·L| < rc into a new array *out
 * (caller frees; NULL when there are none); returns their number or -1 when
 * out of memory. */
int probe_lattice_vectors(const double cell[3][3], double rc, double (**out)[3]);

/* One full evaluation per point (the fallback of aion_potential_probe). */
aion_status probe_by_compute(aion_potential *p, const aion_frame *f, int k, int npts, const double (*x)[3],
                             double *energy);

#endif
