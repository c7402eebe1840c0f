/*
 * Molecular dynamics engine (internal view): the integrator state shared by
 * md.c (integrators, thermostats, barostat), checkpoint.c and minimize.c.
 */
#ifndef AION_MD_INTERNAL_H
#define AION_MD_INTERNAL_H

#include "aion.h"
#include "internal.h"

#define AION_NHC_MAX 10

/* 1 eV/(amu·Å) in Å/fs² */
#define AION_ACC_UNIT (1.0 / AION_AMU_A2_FS2_TO_EV)

struct aion_md {
    aion_md_opts o;
    int *group;               /* n entries, copied from o.group (or zeros) */
    aion_potential *pot;      /* borrowed */
    aion_frame f;             /* unwrapped positions, velocities, forces, masses */
    aion_frame out;           /* wrapped copy with image flags for output */
    double *inv_mass;         /* 1/m (0 for frozen atoms) */
    unsigned char *frozen;    /* 1 = atom never moves */
    double epot;              /* eV */
    double virial[3][3];      /* eV, -dE/dε */
    double virial_frozen[3][3]; /* eV, Σ over frozen atoms of r_a F_b (before their forces are
                               * zeroed); with o.frozen_fixed the deformation's energy change
                               * is booked with virial − virial_frozen (they do not move) */
    int have_forces;
    long step;
    double time_fs;
    double ramp_t0, ramp_t1;  /* temperature ramp t0 -> t1 ... */
    long ramp_start, ramp_len; /* ... from step ramp_start over ramp_len steps (len 0 = none) */
    aion_rng rng;
    /* thermostats, per group */
    int ngroups;
    double t_target[AION_MD_MAX_GROUPS];
    double tau_t[AION_MD_MAX_GROUPS];
    double ndof[AION_MD_MAX_GROUPS];
    double ndof_total;
    double nhc_x[AION_MD_MAX_GROUPS][AION_NHC_MAX];
    double nhc_v[AION_MD_MAX_GROUPS][AION_NHC_MAX];
    /* barostat */
    double press_target;      /* eV/Å³ */
    double heat;              /* energy given to the system by baths (eV) */
    /* log of the last cell deformation: its potential-energy change is
     * booked as −½(W_before + W_after) : ln μ, the second half after the next
     * force evaluation (within the same step, never across a checkpoint) */
    double lnmu_pending[3][3];
    int have_lnmu;
    aion_error err;
};

/* Kinetic energy (eV) of all atoms, or of group g (g >= 0). */
double aion_md_kinetic(const aion_md *md, int g);
/* Kinetic tensor Σ m v_a v_b (eV). */
void aion_md_kinetic_tensor(const aion_md *md, double k[3][3]);
/* Ramp the target temperature linearly from t0 to t1 over the next nsteps. */
void aion_md_set_ramp(aion_md *md, double t0, double t1, long nsteps);
/* Evaluate forces, energy and virial at the current positions. */
aion_status aion_md_compute(aion_md *md);

#endif
