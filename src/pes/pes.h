/*
 * Internal view of the potential-energy-landscape screening module (src/pes):
 * BVSE interaction sources, periodic images binned for grid gathers, grid
 * symmetry maps. Not part of the public API.
 */
#ifndef AION_PES_H
#define AION_PES_H

#include "aion.h"
#include "internal.h"

#include <math.h>

/* One interaction of the mobile ion with a framework atom (BVSE):
 *   kind PES_MORSE:   e(r) = p0 [(exp(p1 (p2 − r)) − 1)² − 1]   (p0 = D0/2, p1 = α, p2 = r_min)
 *   kind PES_COULOMB: e(r) = p0 erfc(p1 r) / r                 (p0 = k_e q1 q2/√(n1 n2), p1 = 1/(f (rc1 + rc2)))
 * rc2 is the squared range beyond which the term is dropped. */
enum { PES_MORSE = 0, PES_COULOMB = 1 };

typedef struct pes_term {
    int kind;
    double p0, p1, p2;
    double rc2;
} pes_term;

static inline double pes_term_energy(const pes_term *t, double r)
{
    if (t->kind == PES_MORSE) {
        double x = exp(t->p1 * (t->p2 - r)) - 1.0;
        return t->p0 * (x * x - 1.0);
    }
    return t->p0 * erfc(t->p1 * r) / r;
}

/* BVSE terms of the mobile ion (Z mz, charge mq) with every atom j of f for
 * which use[j] is nonzero (use NULL = all): term[j].kind = -1 when the atom
 * does not interact (neutral, or a like-signed anion). Range: terms are
 * dropped where |e| < tol_eV, and never beyond cutoff. Returns an error naming
 * the pair when Morse parameters are missing. Caller frees *terms. */
aion_status pes_bvse_terms(const aion_bvse *b, const aion_frame *f, const double *ox, int mz, double mq,
                           const unsigned char *use, double cutoff, double tol_eV, pes_term **terms, aion_error *err);

#endif
