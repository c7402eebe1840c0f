/*
 * The potential interface (internal view). Every energy model (classical pair
 * sums, Coulomb, MTP, BVSE, ...) fills an aion_potential_ops table; md, train,
 * pes and eval only ever call aion_potential_compute() and friends.
 */
#ifndef AION_POTENTIAL_H
#define AION_POTENTIAL_H

#include "aion.h"
#include "internal.h"

typedef struct aion_potential_ops {
    const char *name;   /* short name: "pair", "pedone", "mtp", ... */
    /* Compute into out (out->forces / atom_energy may be NULL; want_virial). */
    aion_status (*compute)(void *self, const aion_frame *f, aion_eval *out, aion_error *err);
    /* Largest interaction range (Å). */
    double (*cutoff)(const void *self);
    /* Append a human-readable description: parameters, units, references. */
    void (*describe)(const void *self, aion_strbuf *sb);
    void (*destroy)(void *self);
    /* Optional: state that makes results reproducible bit for bit across a
     * checkpoint (e.g. the neighbour list's reference configuration, which
     * fixes the summation order). size 0 = no state. load is called with the
     * frame the state belongs to (same atoms). */
    size_t (*state_size)(const void *self);
    aion_status (*state_save)(const void *self, void *buf, size_t len);
    aion_status (*state_load)(void *self, const void *buf, size_t len, const aion_frame *f, aion_error *err);
    /* Optional fast path of aion_potential_probe: energy[p] = total energy of
     * f with atom k at x[p] (Cartesian Å), every other atom as in f; f->pos[k]
     * is ignored. Called only with a cell periodic in 3D, 0 <= k < f->n,
     * npts >= 1 and finite x. Must agree with compute to rounding (the tests
     * ask for 1e-10 relative). May use the model's threads over the points;
     * not reentrant on one handle (like compute). See probe.h. */
    aion_status (*probe)(void *self, const aion_frame *f, int k, int npts, const double (*x)[3], double *energy,
                         aion_error *err);
} aion_potential_ops;

struct aion_potential {
    const aion_potential_ops *ops;
    void *self;
    aion_strbuf desc;
    aion_error err;
};

/* Wrap a model object into a handle (takes ownership of self; on failure
 * ops->destroy(self) is called and NULL returned). */
aion_potential *aion_potential_wrap(const aion_potential_ops *ops, void *self);

/* Helpers for potentials that own a neighbour list: serialise its reference
 * configuration, and rebuild it from such a blob (then the next update with
 * the current positions reproduces the original list exactly). */
size_t aion_nlist_state_size(const aion_nlist *nl);
aion_status aion_nlist_state_save(const aion_nlist *nl, void *buf, size_t len);
aion_status aion_nlist_state_load(aion_nlist *nl, const void *buf, size_t len, const aion_frame *f, aion_error *err);

/* Constructors of the model families, used by aion_potential_create()'s
 * dispatch (src/potential/potential.c). Each returns a handle or NULL with err. */
aion_potential *aion_classical_create(const char *spec, const aion_potential_opts *o, aion_error *err);
aion_potential *aion_mtp_create(const char *path, const aion_potential_opts *o, aion_error *err);

#endif
