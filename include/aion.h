/*
 * aion: ion transport in amorphous solids with machine-learned potentials.
 *
 * The whole public API is in this header. Conventions:
 *  - Units: Å, eV, fs, amu, K, elementary charge. Stress inside is eV/Å³ with the
 *    ASE sign (positive = tensile, sigma = -virial/V); GPa only at the edges.
 *  - Handles are opaque; every free and close function accepts NULL (no-op).
 *  - Functions that can fail return an aion_status; the message is either on the
 *    handle (the matching errmsg function) or, for functions that create a handle, in a
 *    caller-owned aion_error (may be NULL if the caller does not want it).
 *  - Messages name the file and line where they can: "FILE:LINE: problem".
 *  - The library never prints and never exits. It keeps no global mutable state;
 *    distinct handles may be used from distinct threads at once.
 *  - Cell matrices are row-major with the lattice vectors as ROWS:
 *    cell[0] = a, cell[1] = b, cell[2] = c (as ASE). Cartesian r = f·cell.
 */
#ifndef AION_H
#define AION_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AION_VERSION "0.1.0"

/* ===================================================================== */
/* Status codes and errors                                               */
/* ===================================================================== */

typedef enum aion_status {
    AION_OK = 0,
    AION_EOF = 1,          /* a reader has no more frames (not an error) */
    AION_ERR_IO = -1,      /* cannot open/read/write/rename a file */
    AION_ERR_PARSE = -2,   /* malformed input (message names file:line) */
    AION_ERR_NOMEM = -3,   /* allocation failed */
    AION_ERR_INVALID = -4, /* bad argument, inconsistent input, unknown element */
    AION_ERR_UNSUPPORTED = -5, /* feature or format not (yet) supported */
    AION_ERR_NUMERIC = -6, /* NaN/Inf, singular matrix, no convergence */
    AION_ERR_INTERNAL = -7
} aion_status;

#define AION_ERRMSG_MAX 1024

/* Caller-owned error record. Functions fill it (if non-NULL) when they fail. */
typedef struct aion_error {
    aion_status code;
    char msg[AION_ERRMSG_MAX];
} aion_error;

/* Constant string naming a status ("parse error", ...). */
const char *aion_status_str(aion_status s);

/* ===================================================================== */
/* Elements                                                              */
/* ===================================================================== */

#define AION_MAX_Z 118

/* Atomic number of a symbol ("Li", "li", "LI" accepted; trailing digits or
 * charge signs such as "Li1", "O2-" are NOT accepted here); 0 if unknown. */
int aion_element_z(const char *symbol);
/* Symbol for Z (1..118), or "X" for anything else. */
const char *aion_element_symbol(int z);
/* Standard atomic mass (amu) for Z, 0 if unknown. */
double aion_element_mass(int z);
/* Covalent radius (Å, Cordero 2008) for Z, 0 if unknown. */
double aion_element_covalent_radius(int z);

/* ===================================================================== */
/* Frames: one structure (a snapshot) with optional data                 */
/* ===================================================================== */

/* Bits of aion_frame.has */
enum {
    AION_HAS_ENERGY = 1u << 0,
    AION_HAS_FORCES = 1u << 1,
    AION_HAS_STRESS = 1u << 2,  /* stress[][] valid (eV/Å³, ASE sign) */
    AION_HAS_VEL = 1u << 3,
    AION_HAS_CHARGE = 1u << 4,
    AION_HAS_MASS = 1u << 5,
    AION_HAS_IMAGE = 1u << 6,
    AION_HAS_ID = 1u << 7,
    AION_HAS_TYPE = 1u << 8,
    AION_HAS_FIXED = 1u << 9,   /* selective dynamics */
    AION_HAS_CELL = 1u << 10,   /* cell[][] meaningful (else non-periodic box) */
    AION_HAS_TIME = 1u << 11,
    AION_HAS_STEP = 1u << 12,
    AION_HAS_ATOM_ENERGY = 1u << 13
};

/* Parse a formula ("Li3PO4", "Li2.9PO3.3N0.46") or explicit counts
 * ("Li:96,P:32,O:128") into up to max (Z, amount) pairs. */
aion_status aion_parse_formula(const char *s, int *z, double *amount, int max, int *n, aion_error *err);

/* Free-form per-frame key/value (extended XYZ comment line, CIF tags...).
 * value is the unquoted text exactly as read. */
typedef struct aion_kv {
    char *key;
    char *value;
} aion_kv;

/* Free-form per-atom column (extended XYZ Properties not otherwise known).
 * kind: 'R' real, 'I' integer, 'L' logical, 'S' string.
 * R/I/L values are in d[n*ncols] (L as 0/1), S values in s[n*ncols]. */
typedef struct aion_column {
    char *name;
    char kind;
    int ncols;
    double *d;
    char **s;
} aion_column;

/*
 * A frame is plain data owned by whoever created it (aion_frame_init/…_free).
 * Arrays are allocated for n atoms when the matching `has` bit is set (pos, z
 * always). Readers reuse a frame across calls (arrays are grown as needed).
 */
typedef struct aion_frame {
    int n;                   /* number of atoms */
    unsigned has;            /* AION_HAS_* bits */
    int pbc[3];              /* periodic along a, b, c */
    double cell[3][3];       /* rows = lattice vectors (Å) */
    double (*pos)[3];        /* Cartesian positions (Å) */
    int *z;                  /* atomic numbers (0 = unknown species) */
    int *type;               /* file's type index (LAMMPS type, .cfg type; 0-based) */
    int *id;                 /* atom ids as in the file */
    double *mass;            /* amu */
    double *charge;          /* e */
    double (*vel)[3];        /* Å/fs */
    int (*image)[3];         /* periodic image flags */
    unsigned char (*fixed)[3]; /* selective dynamics: 1 = fixed along x/y/z */
    double energy;           /* eV (total) */
    double (*forces)[3];     /* eV/Å */
    double stress[3][3];     /* eV/Å³, ASE sign (tensile positive) */
    double *atom_energy;     /* eV per atom */
    double time_fs;          /* simulation time */
    long step;               /* MD step or ionic step */
    int n_info;              /* free-form per-frame fields */
    aion_kv *info;
    int n_cols;              /* free-form per-atom columns */
    aion_column *cols;
} aion_frame;

/* Zero a frame (no allocation). */
void aion_frame_init(aion_frame *f);
/* Free everything the frame owns and re-initialise it. NULL is a no-op. */
void aion_frame_free(aion_frame *f);
/* Ensure arrays for n atoms exist for pos, z and every array whose bit is in
 * `has` (existing contents preserved up to min(old n, n)); sets f->n, ORs has. */
aion_status aion_frame_resize(aion_frame *f, int n, unsigned has);
/* Deep copy src into dst (dst is freed first). */
aion_status aion_frame_copy(aion_frame *dst, const aion_frame *src);
/* Per-frame info access. get returns NULL if absent. set copies key and value. */
const char *aion_frame_info_get(const aion_frame *f, const char *key);
aion_status aion_frame_info_set(aion_frame *f, const char *key, const char *value);
/* Add (or replace) a per-atom column; returns it (NULL on allocation failure). */
aion_column *aion_frame_column_add(aion_frame *f, const char *name, char kind, int ncols);
aion_column *aion_frame_column_get(const aion_frame *f, const char *name);
/* Volume |det(cell)| in Å³ (0 when the frame has no cell). */
double aion_frame_volume(const aion_frame *f);
/* Total mass in amu (uses f->mass if present, else the element table). */
double aion_frame_total_mass(const aion_frame *f);
/* Density in g/cm³ (0 without a cell). */
double aion_frame_density(const aion_frame *f);

/* ===================================================================== */
/* Cell geometry                                                         */
/* ===================================================================== */

/* Inverse of a cell (rows = lattice vectors): frac = r · inv. Returns
 * AION_ERR_NUMERIC if the cell is singular. */
aion_status aion_cell_inverse(const double cell[3][3], double inv[3][3]);
/* Lengths a,b,c (Å) and angles alpha, beta, gamma (degrees). */
void aion_cell_to_params(const double cell[3][3], double abc[3], double angles[3]);
/* Cell in the standard orientation (a along x, b in the xy plane: LAMMPS/ASE). */
aion_status aion_cell_from_params(const double abc[3], const double angles[3], double cell[3][3]);
/* Perpendicular widths of the cell (distance between opposite faces), Å. */
void aion_cell_widths(const double cell[3][3], double w[3]);
/* Wrap all positions into the cell along periodic directions. */
aion_status aion_frame_wrap(aion_frame *f);

/* ===================================================================== */
/* File I/O: streamed readers and atomic writers                         */
/* ===================================================================== */

/* Formats; AION_FMT_AUTO = guess from the file name. */
typedef enum aion_format {
    AION_FMT_AUTO = 0,
    AION_FMT_EXTXYZ,     /* .xyz, .extxyz */
    AION_FMT_POSCAR,     /* POSCAR, CONTCAR, *.vasp, *.poscar */
    AION_FMT_XDATCAR,    /* XDATCAR */
    AION_FMT_OUTCAR,     /* OUTCAR (read only) */
    AION_FMT_LAMMPS_DATA,/* *.data, *.lmp, *.lammps */
    AION_FMT_LAMMPS_DUMP,/* *.dump, *.lammpstrj */
    AION_FMT_CFG,        /* MLIP-2 .cfg */
    AION_FMT_CIF,        /* .cif (read only) */
    AION_FMT_COUNT
} aion_format;

/* Name ("extxyz", "poscar", ...) of a format; parse returns AUTO if unknown. */
const char *aion_format_name(aion_format fmt);
aion_format aion_format_from_name(const char *name);
/* Guess from a path (basename rules above); AUTO if no rule applies. */
aion_format aion_format_guess(const char *path);

/* What to do with partially occupied CIF sites. */
typedef enum aion_disorder {
    AION_DISORDER_ERROR = 0,  /* default: a site with occupancy < 1 is an error */
    AION_DISORDER_MAJORITY,   /* keep the majority species of each site, report it */
    AION_DISORDER_KEEP_ALL    /* keep every species at the site (overlapping atoms) */
} aion_disorder;

typedef struct aion_read_opts {
    aion_format format;      /* AUTO = guess */
    /* Map from file type index (0-based: LAMMPS type-1, .cfg type) to Z.
     * Needed for LAMMPS files without element column and for .cfg. */
    const int *type_z;
    int n_type_z;
    aion_disorder disorder;  /* CIF partial occupancies */
    double symprec;          /* CIF: merge symmetry images closer than this (Å); 0 = 1e-3 */
} aion_read_opts;

/* Defaults: everything zero. */
void aion_read_opts_init(aion_read_opts *o);

typedef struct aion_reader aion_reader;

/* Open a file for frame-by-frame reading. path "-" reads stdin (format required). */
aion_status aion_reader_open(aion_reader **out, const char *path,
                             const aion_read_opts *opts, aion_error *err);
/* Read the next frame into f (reused). AION_EOF when done; on failure the
 * message is in aion_reader_errmsg(r). */
aion_status aion_reader_next(aion_reader *r, aion_frame *f);
/* 1-based line number the reader is at (for messages). */
long aion_reader_line(const aion_reader *r);
const char *aion_reader_errmsg(const aion_reader *r);
aion_format aion_reader_format(const aion_reader *r);
/* Free-form notes a reader wants the user to see (e.g. CIF occupancies),
 * accumulated as text lines; NULL if none. Valid until the next call. */
const char *aion_reader_notes(const aion_reader *r);
void aion_reader_close(aion_reader *r);

/* Convenience: read all frames of a small file (caller frees with
 * aion_frames_free). */
aion_status aion_read_all(const char *path, const aion_read_opts *opts,
                          aion_frame **frames, int *nframes, aion_error *err);
void aion_frames_free(aion_frame *frames, int nframes);

typedef struct aion_write_opts {
    aion_format format;        /* AUTO = guess from path */
    int lammps_atom_style;     /* 0 = atomic, 1 = charge (data files) */
    int fractional;            /* POSCAR: Direct (1) or Cartesian (0); dump: xs ys zs */
    int precision;             /* significant digits for reals (0 = 10) */
    int append;                /* append to an existing file (trajectories) */
    /* Element order for type numbering (LAMMPS, .cfg): Z of type 0,1,...; if
     * NULL, order of first appearance. */
    const int *type_z;
    int n_type_z;
} aion_write_opts;

void aion_write_opts_init(aion_write_opts *o);

typedef struct aion_writer aion_writer;

/* Writes go to PATH.tmp.<pid> and are renamed to PATH on aion_writer_close
 * (unless opts->append, which writes in place). */
aion_status aion_writer_open(aion_writer **out, const char *path,
                             const aion_write_opts *opts, aion_error *err);
aion_status aion_writer_write(aion_writer *w, const aion_frame *f);
/* Flush and commit (rename into place). Returns the first error seen. */
aion_status aion_writer_close(aion_writer *w, aion_error *err);
/* Drop the temporary file without touching PATH. */
void aion_writer_abort(aion_writer *w);
/* Flush buffered output; *offset (may be NULL) receives the byte size written
 * so far (for restartable trajectories opened with append). */
aion_status aion_writer_flush(aion_writer *w, long *offset);
const char *aion_writer_errmsg(const aion_writer *w);

/* ===================================================================== */
/* Neighbour lists                                                       */
/* ===================================================================== */

typedef struct aion_nlist aion_nlist;

typedef struct aion_nlist_opts {
    double cutoff;   /* Å */
    double skin;     /* Verlet skin (Å); rebuild when an atom moved > skin/2 */
    int full;        /* 1 = full list (each pair twice), 0 = half (once) */
} aion_nlist_opts;

aion_status aion_nlist_create(aion_nlist **out, const aion_nlist_opts *opts, aion_error *err);
/* Build (or rebuild if needed) for the frame's positions and cell. */
aion_status aion_nlist_update(aion_nlist *nl, const aion_frame *f);
/* Read access: for atom i, neighbours are entries offset[i]..offset[i+1]-1;
 * each entry k has j = nbr_j[k] (local atom index) and the Cartesian vector
 * d[k] = r_j + image - r_i (valid after the last update). */
int aion_nlist_count(const aion_nlist *nl, int i);
aion_status aion_nlist_get(const aion_nlist *nl, int i, int k, int *j, double d[3]);
long aion_nlist_total_pairs(const aion_nlist *nl);
const char *aion_nlist_errmsg(const aion_nlist *nl);
void aion_nlist_free(aion_nlist *nl);

/* ===================================================================== */
/* Potentials: one interface for every energy model                      */
/* ===================================================================== */

typedef struct aion_potential aion_potential;

/* What to compute and where to put it. Arrays are caller-owned, sized for
 * the frame's n atoms; set a pointer to NULL to skip that quantity. */
typedef struct aion_eval {
    double energy;          /* out: total energy (eV) */
    double (*forces)[3];    /* out: eV/Å, or NULL */
    double virial[3][3];    /* out: -dE/dε (eV), symmetric; positive = compressed */
    int want_virial;        /* in: compute virial */
    double *atom_energy;    /* out: per-atom energies (eV), or NULL */
} aion_eval;

/* Coulomb treatment for classical potentials. */
typedef enum aion_coulomb {
    AION_COUL_NONE = 0,
    AION_COUL_EWALD,        /* Ewald summation to a relative accuracy */
    AION_COUL_DSF,          /* damped shifted force (Fennell & Gezelter 2006) */
    AION_COUL_CUT           /* plain cut-off Coulomb (for tests) */
} aion_coulomb;

typedef struct aion_potential_opts {
    aion_coulomb coulomb;    /* default: as the model says (Pedone: Ewald) */
    double coul_cutoff;      /* Å (0 = model default: DSF 8.0, Ewald 10.0 or less) */
    double dsf_alpha;        /* Å⁻¹ (0 = 0.25) */
    double ewald_accuracy;   /* relative force accuracy (0 = 1e-8) */
    double sr_cutoff;        /* short-range cutoff override (0 = model default) */
    double skin;             /* neighbour skin (Å), 0 = 1.0 */
    /* For models whose files name no elements (.mtp): Z of species 0,1,... */
    const int *species_z;
    int n_species_z;
    int nthreads;            /* 0 = OpenMP default */
} aion_potential_opts;

void aion_potential_opts_init(aion_potential_opts *o);

/* Create a potential from SPEC: a built-in name ("pedone", "lj:...") or a file
 * (parameter file *.pot / *.json, MTP *.mtp). */
aion_status aion_potential_create(aion_potential **out, const char *spec,
                                  const aion_potential_opts *opts, aion_error *err);
/* Evaluate on a frame. Thread-safe across distinct potentials only. */
aion_status aion_potential_compute(aion_potential *p, const aion_frame *f, aion_eval *out);
/* Largest interaction range (Å). */
double aion_potential_cutoff(const aion_potential *p);
/* Short name ("pedone", "pair", "mtp"). */
const char *aion_potential_name(const aion_potential *p);
/* Human-readable self-description: parameters and literature references
 * (multi-line text). Valid while p lives. */
const char *aion_potential_describe(aion_potential *p);
const char *aion_potential_errmsg(const aion_potential *p);
void aion_potential_free(aion_potential *p);
/* Internal state that decides the summation order (neighbour lists): saved in
 * MD checkpoints so that restarted runs are identical bit for bit. Size 0 =
 * none. Load with the frame the state belongs to. */
size_t aion_potential_state_size(const aion_potential *p);
aion_status aion_potential_state_save(const aion_potential *p, void *buf, size_t len);
aion_status aion_potential_state_load(aion_potential *p, const void *buf, size_t len, const aion_frame *f);

/* ===================================================================== */
/* Random numbers (xoshiro256**, Blackman & Vigna 2018)                  */
/* ===================================================================== */

/* Plain state, so that checkpoints can store it; copy it to fork a stream. */
typedef struct aion_rng {
    uint64_t s[4];
    int has_spare;     /* Box-Muller spare normal deviate */
    double spare;
} aion_rng;

/* Seed (any value, 0 included) through splitmix64. stream selects an
 * independent stream for the same seed (e.g. a thread or replica index). */
void aion_rng_seed(aion_rng *r, uint64_t seed, uint64_t stream);
uint64_t aion_rng_u64(aion_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double aion_rng_uniform(aion_rng *r);
/* Standard normal deviate. */
double aion_rng_normal(aion_rng *r);
/* Gamma(shape, 1) deviate (Marsaglia & Tsang 2000), shape > 0. */
double aion_rng_gamma(aion_rng *r, double shape);

/* ===================================================================== */
/* Section: I/O extras (extxyz, convert, info) */

/* Reset a frame for reuse: clears the `has` bits, cell, pbc, energy, stress,
 * time, step and the free-form fields and columns; keeps n and the per-atom
 * arrays (their contents are stale until refilled). NULL is a no-op. */
void aion_frame_clear(aion_frame *f);

/* Replicate src rep[0] x rep[1] x rep[2] times along its lattice vectors into
 * dst (dst is freed first and must not be src). Atom order as ASE's
 * atoms.repeat(): copies (i, j, k) with k fastest, each copy holding all atoms
 * of src in order. Per-atom data is replicated; the cell rows are scaled; the
 * total energy is multiplied by the number of copies, stress is kept (it is
 * intensive); ids become id + copy * max(id); image flags are dropped (they
 * refer to the old cell) and so is a free-form "virial" field. Free-form fields
 * and columns are copied unchanged. Needs a cell (AION_ERR_INVALID otherwise).
 * Thread-safe. */
aion_status aion_frame_supercell(aion_frame *dst, const aion_frame *src, const int rep[3], aion_error *err);

/* Composition text in order of first appearance, e.g. "Li96 P32 O128"
 * (reduced = 0), or the reduced formula "Li3PO4" (reduced = 1: counts divided
 * by their greatest common divisor, a count of 1 omitted). Z 0 shows as "X".
 * Writes at most cap bytes, always NUL-terminated; returns the length the
 * full text needs (as snprintf). */
int aion_frame_formula(const aion_frame *f, int reduced, char *buf, size_t cap);

/* Frame selection with Python slice meaning: "START:STOP:STEP", each part
 * optional ("::10", "100:", "-5:"); a single index "K" selects frame K.
 * Negative START/STOP count from the end. STEP must be positive. */
typedef struct aion_slice {
    long start, stop, step;
    int has_start, has_stop;
} aion_slice;

/* The whole range (every frame). */
void aion_slice_all(aion_slice *s);
/* Parse text into s; AION_ERR_INVALID with a message on bad syntax. */
aion_status aion_slice_parse(aion_slice *s, const char *text, aion_error *err);
/* 1 if the slice needs the number of frames (a negative START or STOP). */
int aion_slice_needs_count(const aion_slice *s);
/* Make negative or missing bounds absolute for a file with nframes frames. */
void aion_slice_resolve(aion_slice *s, long nframes);
/* For 0-based frame index k: 1 = selected, 0 = skipped, -1 = k is at or past
 * STOP (no later frame is selected either; a reader may stop). The slice must
 * have no negative bounds left (resolve it first if needed). */
int aion_slice_select(const aion_slice *s, long k);

/* Number of frames in a file (reads it through with the normal reader). */
aion_status aion_count_frames(const char *path, const aion_read_opts *opts, long *nframes, aion_error *err);



/* ===================================================================== */
/* Section: VASP and MLIP .cfg */
/* (declarations of this module go here) */



/* ===================================================================== */
/* Section: LAMMPS and CIF */
/* (declarations of this module go here) */



/* ===================================================================== */
/* Section: neighbour list extras */
/* Semantics of the neighbour-list functions above (see docs/neighbour-lists.md):
 *  - aion_nlist_get(nl, i, k, ...): k runs over 0..aion_nlist_count(nl, i)-1
 *    (the k-th neighbour of atom i); j is the local index of the neighbour
 *    (the owner of the image) and d the true Cartesian pair vector
 *    r_j + S·cell - r_i of the current positions and cell. Entries are within
 *    cutoff+skin of i at the last build, so callers MUST test |d| < cutoff.
 *    The order within a list is deterministic (by spatial bin, then index),
 *    independent of the thread count, but not sorted.
 *  - Half list: each pair (i, j+S) once (kept by the atom with the lower
 *    index; for an atom and its own image, the side with S > 0
 *    lexicographically). Full list: from both sides. Self-images count.
 *  - aion_nlist_update decides between a rebuild and a cheap refresh of the
 *    pair vectors; a list is valid for any frame with the same atom count and
 *    periodicity (positions may be unwrapped, the cell may change).
 *  - Not thread-safe on one handle; distinct handles are independent. */
/* Threads for build and refresh (0 = OpenMP default). */
void aion_nlist_set_threads(aion_nlist *nl, int nthreads);
/* Number of full builds so far (a refresh does not count). */
long aion_nlist_builds(const aion_nlist *nl);
/* Local + ghost atoms of the current build. */
int aion_nlist_nall(const aion_nlist *nl);
/* The configuration of the last build: positions and cell exactly as given
 * then (valid until the next update). Returns the atom count, 0 if the list
 * was never built. Rebuilding from this configuration and then updating to the
 * current one reproduces the list exactly: MD checkpoints use it so that a
 * restarted run sums forces in the same order, bit for bit. */
int aion_nlist_reference(const aion_nlist *nl, const double (**pos)[3], double cell[3][3]);



/* ===================================================================== */
/* Section: classical potentials (pair, DSF, Pedone) */
/* (declarations of this module go here) */



/* ===================================================================== */
/* Section: Ewald summation */
/* (declarations of this module go here) */



/* ===================================================================== */
/* Section: Moment Tensor Potentials */
/* An MTP is created with aion_potential_create("file.mtp", opts, ...): an MLIP-2
 * .mtp file names no elements, so opts->species_z must give the atomic number of
 * species 0, 1, ... (the CLI's --species Mg,V,O). Evaluation gives energy,
 * forces, virial and site energies (docs/mtp.md). */

/* Number of scalar basis functions of an MTP of the given level (2..28; the
 * basis of MLIP-2's untrained templates: every scalar contraction of at most
 * four moment tensors M_{mu,nu}, mu < 6, nu <= 10, with summed level
 * lev = sum (2 + 4 mu + nu) <= level), and in *n_radial (may be NULL) the number
 * of radial functions it uses. Returns -1 for a level out of range. */
int aion_mtp_basis_size(int level, int *n_radial);

/* Write an untrained MTP (basis tables, no coefficients; the layout of MLIP-2's
 * untrained_mtps/NN.mtp) for n_species species, radial basis min_dist..max_dist
 * (Å) with radial_basis_size Chebyshev polynomials (MLIP-2 default 8). */
aion_status aion_mtp_write_untrained(const char *path, int level, int n_species, double min_dist,
                                     double max_dist, int radial_basis_size, aion_error *err);

/* --- Training (aion train; docs/training.md) ---------------------------
 * Loss (MLIP-2's default "vibrations" normalisation), summed over configurations k
 * with N_k atoms:
 *   L = sum_k [ w_e (dE_k/N_k)^2 + (w_f/N_k) sum_i |dF_i|^2 + w_s sum_ab (dW_ab/N_k)^2 ]
 * (dE energy error in eV, dF force errors in eV/Å, dW virial errors in eV: the
 * stress error times the volume). Terms a frame lacks are left out. The
 * species constants and moment coefficients solve a regularised linear least-
 * squares problem (QR, column-scaled, relative ridge) at every evaluation; the
 * radial coefficients are optimised by L-BFGS on that reduced loss (variable
 * projection) with exact gradients. Deterministic for a given seed and any
 * thread count. */
typedef struct aion_train_iter {
    int iter;               /* L-BFGS iteration (0 = initial point) */
    long nevals;            /* loss evaluations so far */
    double loss;            /* training loss L */
    double rmse_e, rmse_f, rmse_s;   /* training RMSE: eV/atom, eV/Å per component, eV/Å³ per component */
    double valid_loss;      /* validation loss (NAN when not evaluated at this iteration) */
    double valid_rmse_e, valid_rmse_f, valid_rmse_s;
    double grad_norm;       /* |dL/d radial| */
    double cpu_s, wall_s;   /* cumulative, this process and earlier runs restored from a checkpoint */
} aion_train_iter;

typedef struct aion_train_opts {
    int level;               /* basis level 2..28 (default 16); ignored with init_path */
    double cutoff;           /* Å (default 5.0); ignored with init_path */
    double min_dist;         /* Å; 0 = the shortest pair distance in the training set, rounded down to 0.01 Å */
    int radial_size;         /* Chebyshev polynomials (default 8) */
    const int *species_z;    /* Z of species 0, 1, ... (required) */
    int n_species;
    const char *init_path;   /* start from this trained or untrained .mtp (NULL = random radial coefficients) */
    double w_energy, w_force, w_stress;  /* default 1, 0.01, 0.001 */
    double ridge;            /* relative ridge of the linear solve (default 1e-12) */
    int max_iter;            /* L-BFGS iterations (default 1000) */
    double tol;              /* stop when L fell by less than tol*L over the last 50 iterations (default 1e-3) */
    int lbfgs_memory;        /* default 12 */
    uint64_t seed;           /* random initial radial coefficients */
    int nthreads;            /* 0 = OpenMP default */
    int valid_every;         /* evaluate the validation set every N iterations (default 10) */
    const char *checkpoint;  /* optimiser state file, written every checkpoint_every iterations (NULL = none) */
    int checkpoint_every;    /* default 10 */
    int restart;             /* continue from the checkpoint (same data and options) */
    /* Called after every iteration; return nonzero to stop (a checkpoint is written first). */
    int (*progress)(void *user, const aion_train_iter *it);
    void *user;
} aion_train_opts;

void aion_train_opts_init(aion_train_opts *o);

typedef struct aion_mtp_trainer aion_mtp_trainer;

/* Prepare a training run on frames (copied; energies, forces, stresses as the
 * frames have them) with an optional validation set (may be NULL, 0). */
aion_status aion_mtp_trainer_create(aion_mtp_trainer **out, const aion_frame *train, int ntrain,
                                    const aion_frame *valid, int nvalid, const aion_train_opts *o,
                                    aion_error *err);
/* Optimise until converged, max_iter, or a stop request (then AION_EOF, after
 * writing the checkpoint). */
aion_status aion_mtp_trainer_run(aion_mtp_trainer *t, aion_error *err);
/* Write the current potential (MLIP-2 .mtp). */
aion_status aion_mtp_trainer_write(const aion_mtp_trainer *t, const char *path, aion_error *err);
/* History of the iterations (valid until the next run call); returns the count. */
int aion_mtp_trainer_history(const aion_mtp_trainer *t, const aion_train_iter **it);
/* Text lines describing the setup (basis, data, parameters); valid while t lives. */
const char *aion_mtp_trainer_describe(const aion_mtp_trainer *t);
void aion_mtp_trainer_free(aion_mtp_trainer *t);

/* Error statistics of predictions against reference frames (same atoms and
 * order). Energies per atom, forces per Cartesian component, stresses per
 * component (the 6 independent ones). */
typedef struct aion_fit_errors {
    long n_e, n_f, n_s;                 /* counts: configurations, force components, stress components */
    double mae_e, rmse_e, max_e;        /* eV/atom */
    double mae_f, rmse_f, max_f;        /* eV/Å per component */
    double mlip_f;                      /* eV/Å: mean over atoms of |dF|/3 (MLIP-2 calc-errors "average") */
    double mae_s, rmse_s, max_s;        /* eV/Å³ */
} aion_fit_errors;

/* Statistics over the frames whose config_type (info key) equals type (NULL =
 * all) and, for force errors, over atoms of element z (0 = all). */
void aion_fit_errors_compute(const aion_frame *ref, const aion_frame *pred, int n, const char *type, int z,
                             aion_fit_errors *out);

/* --- Extrapolation grade (MaxVol active set; docs/training.md) ------------
 * Podryabinkin & Shapeev 2017 (doi:10.1016/j.commatsci.2017.07.010). Rows are
 * the derivatives of the SITE energies V_i with respect to the linear
 * parameters (species constants, moment coefficients): x_i = (onehot(z_i),
 * B_1(n_i), ..., B_m(n_i)), reduced to the q-dimensional row space of the
 * training sites (column-scaled SVD, relative cut rcond). The active set A is
 * the q training sites whose rows have (locally) maximal |det| (MaxVol). The
 * grade of an atom is gamma_i = max_j |(y_i A^-1)_j| (y_i the reduced row);
 * a configuration's grade is the largest over its atoms. gamma <= 1 means
 * interpolation; > 2 extrapolation worth labelling; > 10 unreliable.
 * The active set is stored next to the potential (POT.als, text; format in
 * docs/training.md) and is tied to the potential's radial basis. */
typedef struct aion_mtp_grade_opts {
    double rcond;          /* singular values below rcond * largest are dropped (default 1e-9) */
    double maxvol_tol;     /* MaxVol stops when every |coefficient| <= 1 + tol (default 1e-3) */
    int max_swaps;         /* default 100000 */
    int nthreads;          /* 0 = OpenMP default */
} aion_mtp_grade_opts;

void aion_mtp_grade_opts_init(aion_mtp_grade_opts *o);

/* Build the active set of the potential mtp_path (elements species_z) from
 * the training frames and write it to als_path. */
aion_status aion_mtp_active_set_build(const char *mtp_path, const int *species_z, int n_species,
                                      const aion_frame *frames, int nframes, const char *als_path,
                                      const aion_mtp_grade_opts *o, aion_error *err);

typedef struct aion_mtp_grade aion_mtp_grade;

/* Load a potential and its active set (als_path NULL = mtp_path with .mtp
 * replaced by .als). Fails if the active set belongs to another potential. */
aion_status aion_mtp_grade_create(aion_mtp_grade **out, const char *mtp_path, const char *als_path,
                                  const int *species_z, int n_species, int nthreads, aion_error *err);
/* Grade of a configuration: *gamma_max (largest over atoms), per_atom[n]
 * (may be NULL), *worst (may be NULL: the atom with the largest grade).
 * Not thread-safe on one handle (it owns a neighbour list). Message in
 * aion_mtp_grade_errmsg on failure. */
aion_status aion_mtp_grade_compute(aion_mtp_grade *g, const aion_frame *f, double *gamma_max, double *per_atom,
                                   int *worst);
/* Rank q of the active set. */
int aion_mtp_grade_rank(const aion_mtp_grade *g);
const char *aion_mtp_grade_errmsg(const aion_mtp_grade *g);
void aion_mtp_grade_free(aion_mtp_grade *g);

/* Active-learning selection from a pool: gamma[k] (may be NULL) receives each
 * pool configuration's grade against the active set; then, greedily, the
 * configuration with the largest grade above threshold is picked, its
 * extrapolating atoms are swapped into the active set (MaxVol updates), the
 * grades of the rest are updated, and so on until no grade exceeds the
 * threshold or max_pick (0 = no limit) are picked. Similar configurations are
 * thus picked once. picked[] (capacity npool) receives pool indices in order
 * of picking, *npicked their count. The handle's active set is not changed. */
aion_status aion_mtp_select(aion_mtp_grade *g, const aion_frame *pool, int npool, double threshold, int max_pick,
                            double *gamma, int *picked, int *npicked, aion_error *err);

/* One data set of a fit report: reference frames and the potential's
 * predictions for them (same atoms and order). */
typedef struct aion_fit_set {
    const char *label;         /* "train", "valid", "test" */
    const aion_frame *ref, *pred;
    int n;
} aion_fit_set;

/* Report of a fit into directory dir (created by the caller): report.json
 * (errors of every set, overall, per element for forces, per config_type;
 * meV/atom, meV/Å, GPa; the learning curve; extra_json, a JSON object text
 * or NULL, under "run"), parity_<label>.svg (energy, force and stress
 * parity panels for every set) and learning_curve.svg. */
aion_status aion_fit_report_write(const char *dir, const aion_fit_set *sets, int nsets, const int *species_z,
                                  int n_species, const aion_train_iter *hist, int nhist, const char *extra_json,
                                  aion_error *err);



/* ===================================================================== */
/* Section: transport and structure analysis */
/* (declarations of this module go here) */



/* ===================================================================== */
/* Section: potential-energy-landscape screening */

/* Periodic grids: n[0] x n[1] x n[2] points along the lattice vectors, point
 * (i,j,k) at fractional (i/n0, j/n1, k/n2), stored at index (i*n1 + j)*n2 + k. */

/* Percolation energies on a periodic grid (26-neighbour connectivity): for
 * the cluster grown from grid point `start` (or the global minimum if start <
 * 0) by adding points in order of energy, eperc[d] is the lowest energy at
 * which the cluster connects to its own periodic images along d+1 independent
 * lattice directions (1D, 2D, 3D percolation); INFINITY if never. Exact (union-
 * find with periodic offsets), O(N log N). *start_out (may be NULL) receives
 * the start index used. */
aion_status aion_pes_percolation(const int n[3], const double *e, int start, double eperc[3], int *start_out,
                                 aion_error *err);

/* Level map: level[x] = minimax path energy from start to x on the periodic
 * grid (the lowest possible highest energy along a path), by a priority flood.
 * level[start] = e[start]. */
aion_status aion_pes_level_map(const int n[3], const double *e, int start, double *level, aion_error *err);

/* Free volume fractions at threshold thr (eV) above e_min: disconnected =
 * fraction of points with e - e_min < thr; connected = fraction with level -
 * e_min < thr. Either output may be NULL. */
void aion_pes_free_volume(long npts, const double *e, const double *level, double e_min, double thr, double *fv_disc,
                          double *fv_conn);

/* The SSE-ranking descriptor of Maevskiy et al. (2025):
 * Ξ = s(10 (log10 FV_conn(0.5 eV) + 2)) · s(10 (log10 FV_disc(0.5 eV) + 1.15)),
 * s the logistic function. */
double aion_pes_xi(double fv_conn_05, double fv_disc_05);




/* ===================================================================== */
/* Section: molecular dynamics */

typedef enum aion_ensemble {
    AION_NVE = 0,
    AION_NVT_LANGEVIN,   /* BAOAB splitting (Leimkuhler & Matthews 2013) */
    AION_NVT_CSVR,       /* stochastic velocity rescaling (Bussi, Donadio, Parrinello 2007) */
    AION_NVT_NHC,        /* Nosé-Hoover chains (Martyna, Klein, Tuckerman 1992) */
    AION_NPT_CSVR,       /* CSVR thermostat + stochastic cell rescaling (Bernetti & Bussi 2020) */
    AION_NPT_LANGEVIN    /* Langevin thermostat + stochastic cell rescaling */
} aion_ensemble;

typedef enum aion_cell_dof {
    AION_CELL_ISO = 0,   /* isotropic scaling (shape kept) */
    AION_CELL_ANISO,     /* a, b, c lengths independently (orthogonal cells) */
    AION_CELL_TRI        /* fully flexible triclinic cell (Del Tatto et al. 2022) */
} aion_cell_dof;

#define AION_MD_MAX_GROUPS 8

/* Per-group thermostat: atoms with group g use temp_K[g], tau_t_fs[g];
 * tau <= 0 means the group is not thermostatted (NVE for it). */
typedef struct aion_md_opts {
    aion_ensemble ensemble;
    double dt_fs;            /* time step (fs), default 1 */
    double temp_K;           /* target temperature (all groups unless group_temp_K set) */
    double temp_end_K;       /* if > 0: ramp linearly from temp_K to this over the run */
    double tau_t_fs;         /* thermostat time constant (Langevin: 1/γ), default 100 */
    double press_GPa;        /* target pressure (NPT), default 1e-4 (1 bar) */
    double tau_p_fs;         /* barostat time constant, default 1000 */
    double compress_GPa;     /* compressibility estimate β_T (1/GPa), default 0.01 */
    aion_cell_dof cell_dof;
    int nhc_length;          /* Nosé-Hoover chain length, default 3 */
    uint64_t seed;           /* random seed */
    /* groups: atom -> group index in [0, n_groups); NULL = everyone group 0 */
    const int *group;
    int n_groups;
    double group_temp_K[AION_MD_MAX_GROUPS];  /* 0 = use temp_K */
    double group_tau_t_fs[AION_MD_MAX_GROUPS];/* 0 = use tau_t_fs; < 0 = no thermostat */
    int group_frozen[AION_MD_MAX_GROUPS];     /* 1 = atoms of the group never move */
    int remove_com;          /* remove centre-of-mass motion at start (default 1 via init) */
} aion_md_opts;

void aion_md_opts_init(aion_md_opts *o);

typedef struct aion_md aion_md;

/* Thermodynamic state after the last step. Pressures/stress: eV/Å³. */
typedef struct aion_thermo {
    long step;
    double time_fs;
    double temp_K;
    double epot, ekin, etot;   /* eV */
    double conserved;          /* eV: E_tot plus thermostat/barostat bookkeeping */
    double press;              /* eV/Å³ (instantaneous, kinetic + virial) */
    double stress[3][3];       /* eV/Å³, ASE sign (= -pressure tensor) */
    double volume;             /* Å³ */
    double cell[3][3];
    double density;            /* g/cm³ */
} aion_thermo;

/* Create an integrator for a copy of frame f (positions used unwrapped as given;
 * masses from f->mass or the element table; velocities from f->vel if present,
 * else zero) with the potential p (borrowed; must outlive md). */
aion_status aion_md_create(aion_md **out, const aion_frame *f, aion_potential *p, const aion_md_opts *o,
                           aion_error *err);
/* Maxwell-Boltzmann velocities at temp_K (zero total momentum, exact T). */
aion_status aion_md_init_velocities(aion_md *md, double temp_K);
/* Change the targets during a run (protocols): temperature, pressure. */
void aion_md_set_temperature(aion_md *md, double temp_K);
void aion_md_set_pressure(aion_md *md, double press_GPa);
void aion_md_set_ensemble(aion_md *md, aion_ensemble e);
/* Advance nsteps. */
aion_status aion_md_step(aion_md *md, long nsteps);
void aion_md_thermo(const aion_md *md, aion_thermo *t);
/* Current configuration (positions unwrapped, velocities, forces, energy,
 * stress, cell, image flags relative to the wrapped cell). Valid until the next
 * call that changes md. */
const aion_frame *aion_md_frame(aion_md *md);
long aion_md_step_count(const aion_md *md);
/* Save/restore the complete state (binary, atomic). Restoring into an md made
 * with the same frame size and options continues bit for bit. */
aion_status aion_md_save(const aion_md *md, const char *path, const void *extra, size_t extra_len);
aion_status aion_md_load(aion_md *md, const char *path, void *extra, size_t extra_cap, size_t *extra_len);
const char *aion_md_errmsg(const aion_md *md);
void aion_md_free(aion_md *md);

/* FIRE minimisation (Bitzek et al. 2006; Guénolé et al. 2020), optionally with
 * the cell (target pressure press_GPa). Stops when max |F| < fmax (eV/Å) and,
 * with the cell, |stress - target| < fmax/ (eV/Å³ scaled by 1/Å) or after
 * max_steps. Returns steps taken in *steps. */
typedef struct aion_min_opts {
    double fmax;        /* eV/Å, default 0.01 */
    int max_steps;      /* default 1000 */
    int relax_cell;     /* 0/1 */
    double press_GPa;   /* target pressure for relax_cell */
    double dt_max_fs;   /* default 1.0 (FIRE time step cap; masses = 1 amu... as in ASE) */
} aion_min_opts;
void aion_min_opts_init(aion_min_opts *o);
aion_status aion_minimize(aion_frame *f, aion_potential *p, const aion_min_opts *o, int *steps, double *fmax_out,
                          aion_error *err);

/* One stage of a protocol: temperature ramp t_start -> t_end over nsteps at
 * press_GPa (used by NPT ensembles). */
typedef struct aion_segment {
    double t_start_K, t_end_K;
    double press_GPa;
    long nsteps;
} aion_segment;

/* Melt-quench: equilibrate at t_start, heat to t_melt at rate, hold t_hold,
 * cool at rate to t_final through anneal_K[] (held anneal_ps each), hold
 * t_final_ps. Rates in K/ps, times in ps. */
typedef struct aion_quench_opts {
    double t_start_K, t_melt_K, t_final_K;
    double rate_K_ps;
    double t_equil_ps, t_hold_ps, t_final_ps;
    double anneal_K[64];
    int n_anneal;
    double anneal_ps;
    double press_GPa;
    double dt_fs;
} aion_quench_opts;

/* Expand a quench into segments (caller frees *segs with free()). */
aion_status aion_quench_schedule(const aion_quench_opts *q, aion_segment **segs, int *nseg, aion_error *err);

/* Output and control of a protocol run (aion_md_run). Intervals in steps; 0 =
 * never. Paths may be NULL. */
typedef struct aion_run_opts {
    const char *traj_xyz;        /* extended XYZ trajectory (wrapped positions + image flags) */
    const char *traj_dump;       /* LAMMPS dump with image flags */
    long traj_every;
    const char *thermo_csv;      /* thermodynamic log */
    long thermo_every;
    const char *checkpoint;      /* checkpoint file */
    long checkpoint_every;
    int restart;                 /* continue from the checkpoint */
    /* Called every progress_every steps and at the end; return nonzero to stop
     * (a checkpoint is written first: use it for SIGINT/SIGTERM). */
    int (*progress)(void *user, long done, long total, const aion_thermo *t);
    void *user;
    long progress_every;
} aion_run_opts;

/* Run the segments in order with md (NPT segments use their pressure). On a
 * stop request returns AION_EOF after writing the checkpoint. */
aion_status aion_md_run(aion_md *md, const aion_segment *segs, int nseg, const aion_run_opts *o, aion_error *err);

/* Random structure: n_species species with counts, at density_gcc, with minimum
 * distances dmin[a*n_species+b] (Å; NULL = 0.8 × sum of covalent radii),
 * cubic cell, random sequential insertion. */
aion_status aion_random_structure(aion_frame *f, const int *z, const int *count, int n_species, double density_gcc,
                                  const double *dmin, uint64_t seed, aion_error *err);




/* ===================================================================== */
/* Units (edges only)                                                    */
/* ===================================================================== */

#define AION_EV_A3_TO_GPA 160.21766208      /* 1 eV/Å³ in GPa */
#define AION_KB_EV 8.617333262e-5           /* Boltzmann constant, eV/K */
#define AION_COULOMB_EV_A 14.399645478425668 /* e²/(4πε0) in eV·Å */
#define AION_AMU_A2_FS2_TO_EV 103.6427191   /* 1 amu·Å²/fs² in eV */
#define AION_AVOGADRO 6.02214076e23

#ifdef __cplusplus
}
#endif
#endif /* AION_H */
