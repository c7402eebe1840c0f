/*
 * Pipelines (aion run), internal view: the key table of the configuration,
 * stage hashing, the small JSON and file helpers the stages share.
 */
#ifndef AION_PIPELINE_INTERNAL_H
#define AION_PIPELINE_INTERNAL_H

#include "aion.h"
#include "internal.h"

#include <stdint.h>

/* Which stages read a key (their input hash includes it). */
enum {
    PK_QUENCH = 1u << 0,    /* glass making */
    PK_MD = 1u << 1,        /* production MD at each temperature */
    PK_TRANSPORT = 1u << 2, /* per-temperature transport analysis */
    PK_STRUCTURE = 1u << 3, /* glass structure */
    PK_REPORT = 1u << 4     /* report only (always regenerated) */
};

/* PT_STR_LIST: an array of char[AION_PIPELINE_STR] entries (potential.committee);
 * left out of the configuration's YAML while empty. */
typedef enum { PT_STR, PT_INT, PT_LONG, PT_U64, PT_DBL, PT_DBL_LIST, PT_STR_LIST } pipe_key_type;

typedef struct pipe_key {
    const char *name;     /* "section.key" (YAML) */
    pipe_key_type type;
    size_t off;           /* offset in aion_pipeline_config */
    size_t size;          /* PT_STR: capacity; PT_DBL_LIST, PT_STR_LIST: capacity (entries) */
    size_t count_off;     /* PT_DBL_LIST, PT_STR_LIST: offset of the int count */
    unsigned stages;      /* PK_* bits (0 = execution only, never hashed) */
    const char *help;
} pipe_key;

/* The table (NULL-named terminator). */
extern const pipe_key aion_pipe_keys[];

/* Canonical "key: value" text of one key. */
void aion_pipe_key_value(const aion_pipeline_config *c, const pipe_key *k, aion_strbuf *b);

/* 64-bit FNV-1a. */
uint64_t aion_pipe_hash(uint64_t h, const void *data, size_t len);
#define AION_PIPE_HASH0 0xcbf29ce484222325ULL
/* Hash of the keys used by the stages in mask, plus extra text. */
uint64_t aion_pipe_stage_hash(const aion_pipeline_config *c, unsigned mask, const char *extra);
/* Hash of a file's bytes (0 if it cannot be read). */
uint64_t aion_pipe_file_hash(const char *path);

/* Glasses (replicas, system.glasses; glass numbers are 1-based). Stage name of
 * a glass's stage: base itself for glass 1 (the names of a one-glass run, so
 * its outputs stay valid), "glass<g>/base" for g > 1 (out/stages/glass<g>/base/). */
void aion_pipe_stage_name(int glass, const char *base, char *out, size_t cap);
/* Models of a committee (potential.committee; model numbers are 1-based, model 1 =
 * potential.model): stage name of glass g's stage of model m: that of
 * aion_pipe_stage_name for m = 1 (the names of a run without a committee),
 * "model<m>/" followed by it for m > 1 (out/stages/model<m>/[glass<g>/]base/). */
void aion_pipe_model_stage_name(int model, int glass, const char *base, char *out, size_t cap);
/* Seed of glass g: seed itself for g = 1, a splitmix derivative of (seed, g) after. */
uint64_t aion_pipe_glass_seed(uint64_t seed, int glass);

/* Replicate mean (combine.c) of n estimates x[g] with their own 1σ errors u[g]
 * (u may be NULL): mean = Σx/n; se_between = s/√n with s the sample standard
 * deviation (n − 1 in the denominator; NaN for n = 1); se_within = √(Σu²)/n;
 * se = max(se_between, se_within) (se_within alone for n = 1). */
typedef struct pipe_mean {
    int n;
    double mean, sd, se, se_between, se_within;
} pipe_mean;
void aion_pipe_replicate_mean(const double *x, const double *u, int n, pipe_mean *out);

/* Combination of per-glass Arrhenius fits (ln D = ln D0 − Ea/kT): the means of
 * (ln D0_g, Ea_g) with two covariances of those means: between = the sample
 * covariance of the n pairs / n (the glass-to-glass spread, which contains each
 * fit's own noise too), within = Σ_g C_g / n² (the fits' own covariances C_g).
 * Both are aion_arrhenius values (means in lnA and Ea_eV, errors and covariance
 * of the means) usable with aion_arrhenius_predict. n ≥ 1 (between is NaN for n = 1). */
typedef struct pipe_arrhenius_comb {
    int n;
    aion_arrhenius between, within;
    double Ea_sd;   /* sample standard deviation of Ea_g (the spread itself) */
    double Ea_err;  /* max(between, within) error of the mean Ea */
    double lnA_err; /* the same for ln D0 */
    double t95;     /* Student t quantile (0.975) for n − 1 degrees of freedom (NaN for n = 1) */
} pipe_arrhenius_comb;
aion_status aion_pipe_combine_arrhenius(const aion_arrhenius *fits, int n, pipe_arrhenius_comb *out);
/* Combined ln-value at T: returns exp(mean ln D(T)); ln_se = max of the between and
 * within 1σ of the mean ln D(T) (with the covariance), ln_se_nocov the same without it. */
double aion_pipe_combined_predict(const pipe_arrhenius_comb *c, double T_K, double *ln_se, double *ln_se_nocov);
/* Committee of potentials (combine.c): n models' estimates x[m] of one quantity
 * (Ea, ln D(T), ln σ(T)) with their statistical 1σ u[m] (each model's own
 * glass combination): mean = Σx/n; u_stat = √(Σu²)/n (the statistical error of
 * the mean); u_model = s, the sample standard deviation of the x[m] (n − 1 in
 * the denominator; NaN for n = 1), NOT divided by √n: it estimates how far one
 * reasonable potential's value lies from another's, which is what the result of
 * any one potential (the committee's included) may be off by; u_total =
 * √(u_stat² + u_model²) (u_stat for n = 1). u may be NULL (u_stat NaN). Pure. */
typedef struct pipe_committee {
    int n;
    double mean, u_stat, u_model, u_total;
} pipe_committee;
void aion_pipe_committee(const double *x, const double *u, int n, pipe_committee *out);
/* Student t quantile at 0.975 for dof degrees of freedom (dof >= 1). */
double aion_pipe_t975(int dof);

/* Resolve a path of the configuration: absolute or existing as given stays,
 * else relative to base_dir when the file exists there. */
void aion_pipe_resolve(const aion_pipeline_config *c, const char *in, char *out, size_t cap);

/* Files: write text atomically (tmp + fsync + rename), read a whole file
 * (malloc'd, NUL-terminated; NULL if absent), remove a stage folder's files (mkdir -p: aion_mkdirs). */
aion_status aion_pipe_write_atomic(const char *path, const char *text, size_t len, aion_error *err);
char *aion_pipe_read_file(const char *path, size_t *len);
void aion_pipe_clear_dir(const char *path);

/* JSON text helpers. */
void aion_pipe_json_str(aion_strbuf *b, const char *s);
void aion_pipe_json_num(aion_strbuf *b, double v);

/* Transport analysis of one production trajectory (analyse.c): results JSON
 * object appended to res. */
aion_status aion_pipe_transport(const aion_pipeline_config *c, const char *traj, double T, long first_frame,
                                double dt_fs, int nthreads, aion_strbuf *res, aion_error *err);

/* Extrapolation grade of the frames first_frame, ... of a trajectory against an
 * MTP's active set (analyse.c): appends {"frames", "max", "mean",
 * "frames_above_2", "frames_above_10", "max_frame", "max_time_ps" (frame index
 * × frame_fs, from the trajectory's first frame), "max_element"} to res; with
 * min_dist > 0 (the MTP's inner radius, below which it has no data and the grade
 * sees little) also "min_dist_A", "frames_below_min_dist" (frames with a pair
 * closer than that), "shortest_pair_A" and "shortest_pair" (e.g. "N-N"): the
 * shortest pair within pair_cutoff (the MTP's cut-off; NaN and "" if none)
 * among the atoms of the ns elements species_z (the MTP's species). */
#define AION_PIPE_MAX_SPECIES 16
aion_status aion_pipe_grade(aion_mtp_grade *g, const char *traj, long first_frame, double frame_fs, double min_dist,
                            double pair_cutoff, const int *species_z, int ns, aion_strbuf *res, aion_error *err);

/* Report (report.c): read the stage results under out_dir and write
 * report.html and summary.json. */
typedef struct pipe_stage_info {
    char name[64];
    char hash[20];
    int reused;            /* finished in an earlier run */
    int resumed;           /* continued from a checkpoint */
    double seconds;        /* wall time of the stage (of its last session when resumed) */
    uint64_t seed;
} pipe_stage_info;

aion_status aion_pipe_report(const aion_pipeline_config *c, const char *out_dir, const pipe_stage_info *st, int nst,
                             double wall_s, const char *started, aion_pipeline_summary *sum, char *notes,
                             size_t notes_cap, aion_error *err);

#endif
