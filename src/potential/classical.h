/*
 * Classical pair models (internal): the definition of a model before it is
 * compiled into per type-pair tables. A definition comes from a parameter file
 * (classical.c), or from a built-in set (pedone.c). See docs/potentials.md.
 */
#ifndef AION_CLASSICAL_H
#define AION_CLASSICAL_H

#include "aion.h"
#include "internal.h"

/* Short-range term kinds and their parameters p[]:
 *   CL_LJ      4ε[(σ/r)¹² − (σ/r)⁶]               p = {ε (eV), σ (Å)}
 *   CL_BUCK    A exp(−r/ρ) − C/r⁶                   p = {A (eV), ρ (Å), C (eV·Å⁶)}
 *   CL_MORSE   D[(1 − exp(−a(r − r0)))² − 1]        p = {D (eV), a (Å⁻¹), r0 (Å)}
 *   CL_INVPOW  A/rⁿ                                 p = {A (eV·Åⁿ), n}            */
enum { CL_LJ = 0, CL_BUCK, CL_MORSE, CL_INVPOW, CL_NKIND };

typedef struct cl_term {
    int kind;
    int z1, z2;      /* species pair (order irrelevant) */
    double p[4];
    double rc;       /* cutoff (Å); 0 = the model's default short-range cutoff */
    int shift;       /* -1 = model default, 0 = no, 1 = shift E to zero at rc */
    int line;        /* line of the parameter file (0 for built-in sets) */
} cl_term;

typedef struct cl_def {
    char name[64];
    char origin[512];   /* parameter file path, or "built-in NAME" (messages) */
    cl_term *terms;
    int nterms, cap;
    double charge[AION_MAX_Z + 1];          /* e */
    unsigned char has_charge[AION_MAX_Z + 1];
    int charge_from_frame;                   /* 1: per-atom charges from the frame */
    aion_coulomb coulomb;                    /* AION_COUL_MODEL = none */
    double coul_cutoff;                      /* Å, 0 = method default */
    double dsf_alpha;                        /* Å⁻¹, 0 = 0.25 */
    double ewald_accuracy;                   /* 0 = 1e-8 */
    double sr_cutoff;                        /* default short-range cutoff (Å) */
    int shift;                               /* default energy shift of terms */
    aion_strbuf notes;                       /* references/remarks for describe */
} cl_def;

void cl_def_init(cl_def *d);
void cl_def_free(cl_def *d);
/* Append a term (p has the kind's parameters). */
aion_status cl_def_add(cl_def *d, int kind, int z1, int z2, const double *p, double rc, int shift, int line);
/* Name of a term kind as written in parameter files ("morse", ...). */
const char *cl_kind_name(int kind);

/* Fill d with the built-in Pedone et al. (2006) set. variant: NULL or "" (Fe
 * is Fe(II)), or "fe3" (Fe is Fe(III)). */
aion_status aion_pedone_def(cl_def *d, const char *variant, aion_error *err);

#endif
