/*
 * Moment Tensor Potentials (internal view): the model as stored in an MLIP-2
 * `.mtp` file, its reader/writer (mtp_file.c), the basis enumeration that
 * makes untrained potentials (mtp_basis.c) and the evaluator (mtp.c).
 *
 * Model (Shapeev 2016, doi:10.1137/15M1054183; Novikov et al. 2021,
 * doi:10.1088/2632-2153/abc9fe):
 *   E = sum_i V(n_i),  V(n_i) = species_coeffs[z_i] + sum_a moment_coeffs[a] * m[mapping[a]]
 *   basic moment k = {mu, a, b, c}:  m_k = sum_j f_mu(r_ij) * x^a y^b z^c / r^(a+b+c)
 *   f_mu(r) = sum_beta radial_coeffs[z_i][z_j][mu][beta] * scaling * T_beta(x) * (max_dist - r)^2
 *             for r < max_dist,  x = (2r - min_dist - max_dist) / (max_dist - min_dist)
 *   alpha_index_times entry {i, j, k, out}:  m_out += k * m_i * m_j  (in file order)
 * Optional baseline (aion extension): E += sum over pairs of the ZBL pair
 * repulsion switched off between aion_zbl_inner and aion_zbl_outer (zbl.h).
 */
#ifndef AION_MTP_H
#define AION_MTP_H

#include "aion.h"
#include "internal.h"

/* Limits on sizes read from files (far above any published potential). */
#define MTP_MAX_SPECIES 128
#define MTP_MAX_RB_SIZE 64
#define MTP_MAX_RADIAL 64
#define MTP_MAX_MOMENTS 10000000
#define MTP_MAX_RANK 64

typedef struct mtp_times {
    int i, j;     /* input moments */
    int out;      /* output moment */
    double k;     /* multiplicity (an integer in MLIP-2 files) */
} mtp_times;

typedef struct mtp_model {
    char *version;          /* "1.1.0" */
    char *name;             /* potential_name ("MTP1m") */
    char *tag;              /* potential_tag (often empty) */
    char *rb_type;          /* radial_basis_type ("RBChebyshev", the only one supported) */
    int has_scaling;        /* untrained templates have no `scaling` line */
    double scaling;         /* 1 when absent */
    int nspecies;
    double min_dist, max_dist;   /* Å */
    int rb_size;            /* radial_basis_size R (Chebyshev polynomials 0..R-1) */
    int nradial;            /* radial_funcs_count K (mu = 0..K-1) */
    double *radial;         /* [nspecies][nspecies][K][R] (central, neighbour); NULL in templates */
    int nmoments;           /* alpha_moments_count */
    int nbasic;             /* alpha_index_basic_count */
    int (*basic)[4];        /* {mu, a, b, c} */
    int ntimes;             /* alpha_index_times_count */
    mtp_times *times;
    int nscalar;            /* alpha_scalar_moments: number of basis functions */
    int *mapping;           /* alpha_moment_mapping[nscalar] */
    double *species_coeffs; /* [nspecies] or NULL (template) */
    double *moment_coeffs;  /* [nscalar] or NULL (template) */
    /* aion extension, not MLIP-2 (written after moment_coeffs, which MLIP-2's
     * reader never reads past): a ZBL pair baseline under the MTP (zbl.h) */
    int has_zbl;
    double zbl_inner, zbl_outer; /* Å, 0 < inner < outer */
    int *zbl_z;             /* [nspecies] atomic numbers of the species */
    /* aion extension: charge equilibration with Gaussian charges and Ewald
     * added to the MTP (qeq.h): per species χ (eV), J (eV), σ (Å) */
    int has_qeq;
    double *qeq_chi, *qeq_hard, *qeq_width;
    double qeq_charge;      /* total charge (e) */
    double *qeq_chi_coord;  /* [nspecies][nspecies] eV per neighbour (qeq_set_coord), or NULL */
    double qeq_coord_cutoff; /* Å */
} mtp_model;

void mtp_model_init(mtp_model *m);
void mtp_model_free(mtp_model *m);   /* frees contents, re-initialises; NULL ok */
aion_status mtp_model_copy(mtp_model *dst, const mtp_model *src, aion_error *err);

/* Read an MLIP-2 .mtp file. Messages "PATH:LINE: problem". */
aion_status mtp_model_read(const char *path, mtp_model *m, aion_error *err);
/* Parse from memory (name is used in messages). */
aion_status mtp_model_parse(const char *text, size_t len, const char *name, mtp_model *m, aion_error *err);
/* Format in MLIP-2's layout (numbers %.15e, or %.16e where needed to round-trip). */
aion_status mtp_model_format(const mtp_model *m, aion_strbuf *sb, aion_error *err);
/* Write atomically (temporary file renamed into place). */
aion_status mtp_model_write(const char *path, const mtp_model *m, aion_error *err);
/* Consistency checks shared by reader and generator (indices in range,
 * product table ordered so that it can be evaluated in one forward sweep). */
aion_status mtp_model_check(const mtp_model *m, const char *name, aion_error *err);
/* Whether the model has trained parameters (radial, species and moment coefficients). */
int mtp_model_is_trained(const mtp_model *m);

/* Basis enumeration (mtp_basis.c). Number of scalar basis functions and of
 * radial functions of level `level` (2..28, even or odd); -1 if out of range. */
int mtp_basis_count(int level, int *nradial);
/* Fill m with an untrained potential of the given level: basis tables,
 * species count, radial basis; no coefficients (a template as MLIP-2's
 * untrained_mtps/NN.mtp). */
aion_status mtp_basis_generate(mtp_model *m, int level, int nspecies, double min_dist, double max_dist,
                               int rb_size, aion_error *err);

/* ------------------------------------------------------------------ */
/* Per-site kernels for training and the extrapolation grade           */
/* (mtp_train.c; scalar code, one atomic environment at a time).       */
/* An environment is atom i of species zi with nn neighbours inside    */
/* the cutoff: species zj[j] and pair vectors d[j] = r_j - r_i (Å).     */
/* ------------------------------------------------------------------ */

typedef struct mtp_tplan {
    int C, K, R, numax, nmono, nbasic, nmoments, ntimes, nscalar;
    double rmin, rcut, xs;       /* x = (2r - rmin - rcut) * xs */
    int *bmu, *bmono, *bnu;      /* per basic moment: radial function, monomial, degree */
    int *bd[3];                  /* monomial of d mono / d u_c (power bp[c] in front) */
    double *bp[3];
    int (*mexp)[3];              /* monomial exponents */
    int (*mpar)[2];              /* monomial = mono[mpar[0]] * u[mpar[1]] */
    int *korder, *moff;          /* basic moments grouped by mu: korder[moff[mu] .. moff[mu+1]-1] */
    int *unset, nunset;          /* non-basic moments no product writes (normally none) */
    const mtp_times *times;      /* borrowed from the model */
    const int *mapping;
} mtp_tplan;

/* Per-thread workspace (grown on demand; zero-initialise, free with mtp_tws_free). */
typedef struct mtp_tws {
    int cap;
    double *r, *u, *Q, *dQ, *f, *df, *mono;
    double *mod;                 /* [cap][nbasic] tangents of the monomials */
    double *m, *mb, *mt, *mtb;
    double *tm;
    size_t tcap;
} mtp_tws;

/* Tables for the model's basis (the model must outlive the plan; the plan
 * does not depend on coefficients, which are read at each call). */
aion_status mtp_tplan_build(mtp_tplan *tp, const mtp_model *m, aion_error *err);
void mtp_tplan_free(mtp_tplan *tp);
/* Make room for nn neighbours (tangents: also for mtp_site_basis with
 * derivatives). Returns 0 on allocation failure. */
int mtp_tws_reserve(mtp_tws *w, const mtp_tplan *tp, int nn, int tangents);
void mtp_tws_free(mtp_tws *w);

/* Site energy V_i; grad (may be NULL) receives dV_i/dd_j. */
double mtp_site_energy(const mtp_tplan *tp, const mtp_model *m, int zi, int nn, const int *zj, const double (*d)[3],
                       double (*grad)[3], mtp_tws *w);
/* Basis values B[a] = B_a(n_i) (a < nscalar). With dB non-NULL also their
 * derivatives: dB[a] points to a row (valid until the next call with w) whose
 * entry 3 j + c is dB_a/dd_{j,c}; *ld = row stride. Needs
 * mtp_tws_reserve(w, tp, nn, 1). */
void mtp_site_basis(const mtp_tplan *tp, const mtp_model *m, int zi, int nn, const int *zj, const double (*d)[3],
                    double *B, const double **dB, size_t *ld, mtp_tws *w);
/* Psi_i = a V_i - sum_j dV_i/dd_j . delta_j and its gradient, ADDED to
 * g_radial (the [C][K][R] block of central species zi, may be NULL),
 * g_xi[nscalar] and g_spc[C] (may be NULL). Returns Psi_i. */
double mtp_site_loss_grad(const mtp_tplan *tp, const mtp_model *m, int zi, int nn, const int *zj,
                          const double (*d)[3], double a, const double (*delta)[3], double *g_radial, double *g_xi,
                          double *g_spc, mtp_tws *w);

#endif
