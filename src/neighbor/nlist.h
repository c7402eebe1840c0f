/*
 * Neighbour lists (internal view). Linked cells over the atoms and their
 * periodic images ("ghosts"), O(N), any triclinic cell, any cutoff (a cutoff
 * larger than half the cell simply produces more images).
 *
 * Layout, LAMMPS-like: atoms 0..n-1 are the local atoms; nall-n ghosts follow.
 * x[g] = x[owner[g]] + img[g] · cell for every g in 0..nall-1 (img = 0 for
 * local atoms). The list for local atom i is nbr[offset[i] .. offset[i+1]-1],
 * indices into 0..nall-1, all within cutoff+skin at build time.
 *
 * Half list: every physical pair (i, j+S) appears once: kept iff
 *   owner(j) > i, or owner(j) == i and S > 0 lexicographically.
 * Full list: every pair appears from both sides.
 *
 * Between rebuilds call aion_nlist_update: it refreshes x[] (locals and ghosts
 * from the current positions and cell) and rebuilds only when an atom moved
 * more than skin/2 since the last build, or the cell changed enough that the
 * images no longer cover cutoff+skin.
 *
 * What a potential needs to know (implementation in nlist.c,
 * docs/neighbour-lists.md):
 *  - Loop: for i in 0..n-1, for k in offset[i]..offset[i+1]-1: g = nbr[k],
 *    j = owner[g], d = x[g] - x[i] (the true pair vector r_j + S·cell - r_i).
 *    Entries are within cutoff+skin at the LAST BUILD: always test
 *    |d| < your cutoff. Forces on g go to owner[g]; the virial needs only
 *    the pair vectors d (W = -sum over pairs of d ⊗ dE/dd), no positions.
 *  - x[i] for a local atom is f->pos[i] wrapped into the cell at build time:
 *    x[i] = pos[i] - w_i·cell with w_i integer and FIXED until the next
 *    build, so x[] moves continuously with the atoms. x[i] may differ from
 *    pos[i] by a lattice vector: never mix pos[] and x[] in one difference.
 *  - img[g] is the lattice shift of ghost g relative to x[owner[g]]
 *    (not relative to pos[owner[g]]).
 *  - Order within a list: by stencil bin, then ascending g within a bin;
 *    deterministic and independent of the thread count, not sorted.
 *  - Non-periodic directions (pbc false or no AION_HAS_CELL) never get
 *    images; their cell vectors are ignored (may be zero).
 *  - The list must be updated (or refreshed) with the same frame before
 *    x[] is read; aion_nlist_refresh skips the validity check: only use it
 *    when you know atoms moved less than the skin allows.
 */
#ifndef AION_NLIST_H
#define AION_NLIST_H

#include "aion.h"

struct aion_nlist {
    /* options */
    double cutoff, skin;
    int full;
    /* atoms */
    int n;              /* local atoms */
    int nall;           /* local + ghosts */
    double (*x)[3];     /* positions of local + ghost atoms (nall) */
    int *owner;         /* owner[g]: local index (nall) */
    int (*img)[3];      /* image shift of g (nall; zero for locals) */
    /* pairs (CSR) */
    int *offset;        /* n + 1 */
    int *nbr;           /* offset[n] entries */
    long builds;        /* number of full rebuilds so far (statistics) */
    /* private bookkeeping (positions and cell at last build, capacities,
     * cell bins, ...) lives behind this pointer */
    void *priv;
    aion_error err;
};

/* Force a rebuild at the next update (e.g. after atoms were added/removed). */
void aion_nlist_invalidate(aion_nlist *nl);
/* Refresh ghost positions from f (no rebuild check); used by potentials that
 * know no rebuild is needed. */
void aion_nlist_refresh(aion_nlist *nl, const aion_frame *f);
/* aion_closest_pairs (aion.h) on a list the caller keeps (a half list; its
 * cut-off is the search distance): updated for f (aion_nlist_update: rebuilt
 * unless f's atoms are within skin/2 of the last build), so one list serves
 * any sequence of frames (MD steps, a trajectory), and with a skin consecutive
 * MD frames without a build each. */
aion_status aion_nlist_closest_pairs(aion_nlist *nl, const aion_frame *f, const int *species_z, int ns, double *dmin,
                                     int *ia, int *ib, aion_error *err);

#endif
