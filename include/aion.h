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

/* mkdir -p: create PATH and its missing parents (mode 0777 & ~umask).
 * Returns 0, or -1 with errno set. */
int aion_mkdirs(const char *path);

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

enum { AION_COORDS_DEFAULT = 0, AION_COORDS_FRACTIONAL = 1, AION_COORDS_CARTESIAN = 2 };

typedef struct aion_write_opts {
    aion_format format;        /* AUTO = guess from path */
    int lammps_atom_style;     /* 0 = atomic, 1 = charge (data files) */
    int coords;                /* 0 = the format's default (POSCAR: Direct; dump: x y z),
                                  AION_COORDS_FRACTIONAL or AION_COORDS_CARTESIAN */
    int precision;             /* significant digits for reals (0 = the format's default; extxyz: exact round trip) */
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
    double *charges;        /* out: per-atom charges (e) of models that compute them (charge
                               equilibration), or NULL */
    int charges_set;        /* out: 1 when the model wrote charges */
} aion_eval;

/* Coulomb treatment for classical potentials. */
typedef enum aion_coulomb {
    AION_COUL_MODEL = 0,    /* as the model says (the zero-initialised default) */
    AION_COUL_NONE,         /* no Coulomb interaction */
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
/* Energies of f with ONE atom k moved: energy[q] = total energy (eV) of f with
 * atom k at Cartesian x[q] (Å), every other atom as in f (f->pos[k] itself is
 * not used), for q < npts. Equal to aion_potential_compute on each moved
 * configuration to rounding. Classical pair models (with DSF, cut or Ewald
 * Coulomb) and MTPs have a fast path for cells periodic in 3D (O(neighbours
 * of x) per point, plus O(N_k) for Ewald, after one O(N) set-up per call);
 * otherwise one full evaluation per point. Uses the potential's threads over
 * the points; like compute, not reentrant on one handle. Used by the
 * screening scans (aion screen). Message in aion_potential_errmsg. */
aion_status aion_potential_probe(aion_potential *p, const aion_frame *f, int k, int npts, const double (*x)[3],
                                 double *energy);
/* 1 if p has a fast path for aion_potential_probe (periodic cells), else 0. */
int aion_potential_has_probe(const aion_potential *p);

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
/*
 * No functions of their own: POSCAR/CONTCAR, XDATCAR, OUTCAR and MLIP-2 .cfg
 * are read and written through aion_reader / aion_writer (docs/formats.md).
 * Conventions a caller may rely on:
 *  - POSCAR/XDATCAR writers group atoms by species in order of first
 *    appearance (VASP requires it), which reorders them.
 *  - POSCAR: write_opts.fractional = 1 writes Direct, 0 Cartesian. A VASP 4
 *    file (no species line) needs read_opts.type_z.
 *  - OUTCAR: energy = "free  energy   TOTEN"; info "energy_without_entropy"
 *    and "energy_sigma0" hold the other two; stress = -(in kB) * 0.1 GPa.
 *  - .cfg: types map to elements through read_opts.type_z, else a
 *    "Feature aion_species Mg,V,O" line (which the writer adds), else z = 0
 *    with frame.type kept. stress = -PlusStress / V.
 */



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

/* The closest distance of every species pair in frame f, over all periodic
 * images (any cell size), looked for within cutoff: for the species
 * species_z[0..ns-1], dmin[a * ns + b] = dmin[b * ns + a] is the shortest
 * a-b distance (INFINITY where no a-b pair is closer than cutoff). Atoms of
 * other elements are ignored. If ia/ib are not NULL they receive the atoms
 * of each closest pair in the same layout, ia[a * ns + b] the one of species
 * a and ib[a * ns + b] the one of species b (-1 where none). Builds a neighbour
 * list for the call (one thread). */
aion_status aion_closest_pairs(const aion_frame *f, const int *species_z, int ns, double cutoff, double *dmin,
                               int *ia, int *ib, aion_error *err);

/* The same over frames[0..n-1]: dmin[a * ns + b] is the closest a-b pair of
 * any frame (INFINITY where none is within cutoff). */
aion_status aion_frames_closest_pairs(const aion_frame *frames, int n, const int *species_z, int ns, double cutoff,
                                      double *dmin, aion_error *err);

/* Close-contact guard: is a configuration closer in some species pair than
 * ratio x the closest pair of that species pair in the data a potential was
 * trained on? The extrapolation grade can miss such contacts (docs/learning.md,
 * "Close contacts"). dmin: the data's closest pairs (ns * ns, from
 * aion_frames_closest_pairs); where it is not finite, fallback (e.g. the
 * potential's cut-off) stands in. 0 < ratio < 1. */
typedef struct aion_contact aion_contact;
aion_status aion_contact_create(aion_contact **out, const int *species_z, int ns, const double *dmin, double fallback,
                                double ratio, aion_error *err);
/* *ratio: the smallest d_ab / d_ab(data) over the species pairs, exact
 * whenever it is below 1 (pairs farther than the largest reference are not
 * looked at: then a value >= 1 or INFINITY); *hit: 1 when it is below the
 * guard's ratio; desc (may be NULL): "Li-Li 1.620 A (atoms 66, 147;
 * data 1.862 A)", atoms 1-based, the pair of that smallest ratio. */
aion_status aion_contact_check(aion_contact *c, const aion_frame *f, double *ratio, int *hit, char *desc, size_t len,
                               aion_error *err);
void aion_contact_free(aion_contact *c);



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
    const char *snapshot;    /* write the current potential here at every checkpoint (NULL = no) */
    /* Short-range ZBL pair baseline under the MTP (docs/training.md): the model is
     * E = E_ZBL + E_MTP, the MTP is fitted to label - E_ZBL (energies, forces,
     * virials), the written .mtp carries the baseline (aion_zbl_* lines) and every
     * reported error is that of the sum. zbl_mode 0: as init_path has it (none
     * without init_path; aion learn relies on this to keep it); 1: a baseline
     * switched off between zbl_inner and zbl_outer (Å, 0 < inner < outer; it
     * replaces the init file's); -1: none (drops the init file's). */
    int zbl_mode;
    double zbl_inner, zbl_outer;
    /* Charge equilibration added to the MTP (docs/qeq.md): E = E_QEq + E_MTP (+ ZBL),
     * the MTP fitted to label - E_QEq, the .mtp carries the parameters
     * (aion_qeq_* lines). NULL: as init_path has it; "none": drop init_path's;
     * otherwise a parameter table (SPECIES CHI_eV J_eV [SIGMA_A] per line) that
     * names every species of the training. */
    const char *qeq_params;
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
 * or NULL, under "run"), parity_<label>_{energy,forces,stress}.svg for every
 * set and learning_curve.svg. */
aion_status aion_fit_report_write(const char *dir, const aion_fit_set *sets, int nsets, const int *species_z,
                                  int n_species, const aion_train_iter *hist, int nhist, const char *extra_json,
                                  aion_error *err);



/* ===================================================================== */
/* Section: transport and structure analysis */
/*
 * Transport (src/analysis/transport.c, msd.c, fit.c): frames are fed one at a
 * time (from aion_reader_next or from memory), unwrapped, drift-corrected and
 * stored (in memory up to a limit, then spilled as float32 to an unlinked
 * temporary file); aion_transport_finish computes the all-origin MSDs by FFT in
 * blocks of atoms so memory stays bounded. Fits use generalised least squares
 * with the exact covariance of the all-origin MSD of a Gaussian random walk
 * plus localisation noise (docs/analysis.md). Units: Å, fs, e, K; D in cm²/s,
 * σ in S/cm. Handles are single-threaded objects (internally OpenMP).
 */

typedef enum aion_drift {
    AION_DRIFT_FRAMEWORK = 0, /* subtract the centre of mass of the atoms not analysed
                                 (all atoms if every atom is analysed) */
    AION_DRIFT_ALL,           /* subtract the centre of mass of the whole system */
    AION_DRIFT_NONE
} aion_drift;

typedef struct aion_transport_opts {
    /* Selection: one group per species in species_z, or (if group != NULL)
     * group[i] in 0..n_groups-1 for atom i (-1 = not analysed), n_group_atoms
     * = atoms per frame. Neither: every species present is a group. */
    const int *species_z;
    int n_species;
    const int *group;
    int n_group_atoms;
    int n_groups;
    /* Charge (e) of each group for the charge MSD / conductivity; NULL = no
     * charge analysis. */
    const double *charge;
    aion_drift drift;
    long first_frame;   /* frames of the file to skip (0-based index of the first used) */
    long last_frame;    /* last frame index used (inclusive); < 0 = to the end */
    long stride;        /* keep every stride-th frame (0 = 1); unwrapping sees every frame */
    double dt_fs;       /* time between consecutive frames of the file; 0 = from frame times */
    double step_fs;     /* MD time step: frame time = step·step_fs for frames with step numbers
                           (LAMMPS dumps); used when dt_fs = 0 */
    double temperature_K; /* for conductivities */
    int dims;           /* Cartesian directions in the MSD/D: bits x=1 y=2 z=4; 0 = 7 */
    size_t mem_limit_mb;  /* memory for stored positions (0 = 2048 MiB) */
    const char *tmpdir;   /* spill directory (NULL = $TMPDIR or /tmp) */
    int n_ngp_lags;       /* lags (log-spaced) for α2 and van Hove (0 = 24) */
    long max_origins;     /* time origins per lag for α2 / van Hove (0 = 2000) */
    double vanhove_rmax_A; /* 0 = 12 Å */
    int vanhove_bins;      /* 0 = 240 */
    int nthreads;          /* 0 = OpenMP default */
    /* z-resolved (slab) MSDs: bins of the height along the third lattice vector
     * (h = fractional c · V/|a×b|, i.e. z for c ⟂ ab; first frame's cell, drift-
     * corrected positions, wrapped into the cell). slab_edges_A: slab_bins+1
     * increasing heights (Å); NULL = slab_bins equal bins over the cell height.
     * Every time origin belongs to the bin of the atom's height at that origin. */
    int slab_bins;
    const double *slab_edges_A;
} aion_transport_opts;

void aion_transport_opts_init(aion_transport_opts *o);

typedef struct aion_transport aion_transport;

/* Create (options are copied). */
aion_status aion_transport_create(aion_transport **out, const aion_transport_opts *o, aion_error *err);
/* Feed the next frame of the file (all frames, in order: first_frame, stride,
 * last_frame are applied here). Atoms are matched by id when frames have ids. */
aion_status aion_transport_add(aion_transport *t, const aion_frame *f);
/* Feed every remaining frame of a reader (stops early after last_frame). */
aion_status aion_transport_read(aion_transport *t, aion_reader *r);
/* Compute MSDs etc. after the last frame. */
aion_status aion_transport_finish(aion_transport *t);
const char *aion_transport_errmsg(const aion_transport *t);
void aion_transport_free(aion_transport *t);

/* Results (valid after finish, arrays owned by t). Lag k is k·dt_fs, k = 0..n-1. */
typedef struct aion_msd_result {
    long n;                  /* number of lags = stored frames */
    double dt_fs;            /* time between stored frames */
    int n_atoms;             /* atoms in the group */
    int z;                   /* species (0 for a custom group) */
    int n_dims;              /* directions summed in msd (opts.dims) */
    const double *msd;       /* tracer MSD ⟨|Δr|²⟩ (Å²), over the chosen directions */
    const double *msd_dir[3];  /* per Cartesian direction x, y, z */
    const double *coll;      /* ⟨|Σ_i Δr_i|²⟩ over the group (Å²) */
    const double *coll_dir[3];
    int n_ngp;               /* lags sampled for α2 and van Hove */
    const long *ngp_lag;     /* lag index of each */
    const double *ngp;       /* non-Gaussian parameter α2 = d⟨Δr⁴⟩/((d+2)⟨Δr²⟩²) − 1 */
    const double *ngp_dir[3];/* per direction α_1D = ⟨Δx⁴⟩/(3⟨Δx²⟩²) − 1 */
    int vh_bins;
    double vh_dr;            /* bin width (Å); bin b covers [b·dr, (b+1)·dr) */
    const double *vanhove;   /* [n_ngp][vh_bins]: 4πr²G_s(r,t), density of |Δr| (1/Å) */
} aion_msd_result;

long aion_transport_nframes(const aion_transport *t);
int aion_transport_ngroups(const aion_transport *t);
double aion_transport_volume(const aion_transport *t); /* mean cell volume (Å³) */
/* 1 when positions were spilled to disk (stored as float32). */
int aion_transport_spilled(const aion_transport *t);
aion_status aion_transport_msd(const aion_transport *t, int group, aion_msd_result *out);
/* Charge MSD ⟨|Σ_i q_i Δr_i|²⟩ (e²Å²) over every charged group; NULL without charges. */
const double *aion_transport_charge_msd(const aion_transport *t, const double **dir3);

/* Fit window and options for D. Default window: from start_frac to end_frac of
 * the run (0.1 to 0.5), starting no earlier than MSD >= msd_min_A2 (off by
 * default; He et al. use 4.5 Å²); explicit times override. */
typedef struct aion_fit_opts {
    double t_start_fs, t_end_fs;  /* > 0 overrides the rule */
    double start_frac, end_frac;
    double msd_min_A2;
    int n_points;                 /* lags used in the fit, evenly spaced (0 = 64) */
    double hop_length_A;          /* for the effective number of hops (0 = 3 Å) */
    int ols;                      /* 1 = ordinary least squares errors (comparison only) */
    /* Non-Gaussian (hopping) correction, per direction of msd_dir: κ_t = t·α_1D(t) (fs), with
     * α_1D = ⟨Δx⁴⟩/(3⟨Δx²⟩²) − 1 (constant for independent non-Gaussian increments); adds
     * the fourth-cumulant term 3 s⁴ (κ_t/dt) Σ overlap to the covariance. 0 = Gaussian.
     * aion_transport_diffusion/_conductivity fill it from the data unless no_kurtosis. */
    double kurt_fs[3];
    int no_kurtosis;
} aion_fit_opts;

void aion_fit_opts_init(aion_fit_opts *o);

enum {
    AION_WARN_FEW_HOPS = 1u << 0,     /* N_eff < 100 effective hops */
    AION_WARN_LARGE_ERROR = 1u << 1,  /* relative error of D > 30% */
    AION_WARN_NOT_DIFFUSIVE = 1u << 2,/* D not significantly > 0 */
    AION_WARN_BAD_FIT = 1u << 3,      /* χ²/dof > 3 under the covariance model */
    AION_WARN_SHORT_RUN = 1u << 4     /* window has fewer than 10 distinct lags */
};

typedef struct aion_diffusion {
    double D, D_err;              /* cm²/s, 1σ */
    double D_lo, D_hi;            /* 95% interval: inverted GLS test (asymmetric when the error is
                                     large; D_hi may be +inf); OLS: D ± 1.96σ */
    double D_dir[3], D_dir_err[3];/* per direction given (x, y, z order of msd_dir) */
    double intercept_A2, intercept_err_A2;
    double t_start_fs, t_end_fs;
    int n_points, n_dims;
    double n_particles;
    double chi2_dof;              /* χ²/dof of the GLS fit */
    double msd_max_A2;            /* largest MSD over the run */
    double n_hops_eff;            /* N_particles·MSD_max/a² (He et al. 2018) */
    double rsd_he2018;            /* 3.43/√N_eff + 0.04 (He et al.'s empirical estimate) */
    unsigned warnings;            /* AION_WARN_* */
} aion_diffusion;

/* Fit D from one MSD curve (Å², msd[k] at lag k·dt_fs, k = 0..n-1; msd[0] = 0).
 * msd_dir: n_dims per-direction curves whose sum is msd (NULL = isotropic).
 * n_particles: independent walkers averaged (1 for a collective MSD). */
aion_status aion_msd_fit(const double *msd, const double *const *msd_dir, long n, double dt_fs,
                         int n_dims, double n_particles, const aion_fit_opts *o,
                         aion_diffusion *out, aion_error *err);
/* Covariance model used by the fit, exposed for tests: Cov[MSD_1D(n), MSD_1D(m)]
 * of one 1-D walker over T frames (all origins), Brownian variance s2 per frame,
 * localisation noise variance v. */
double aion_msd_cov_model(long T, long n, long m, double s2, double v);

/* Tracer and collective (D_σ = slope/(2dN)) diffusivity and Haven ratio of a group. */
typedef struct aion_group_transport {
    aion_diffusion tracer;
    aion_diffusion collective;    /* D, D_err of D_σ */
    double haven, haven_err;      /* Haven ratio D_tracer / D_sigma */
} aion_group_transport;
aion_status aion_transport_diffusion(aion_transport *t, int group, const aion_fit_opts *o,
                                     aion_group_transport *out);

typedef struct aion_conductivity {
    double temperature_K, volume_A3;
    double sigma_ne, sigma_ne_err;  /* S/cm: Σ_groups N q² D_tracer / (V k_B T) */
    double sigma, sigma_err;        /* S/cm from the charge MSD */
    double haven, haven_err;        /* σ_NE/σ */
    aion_diffusion charge_fit;      /* fit of the charge MSD (D field: slope/(2d) in cm²/s·e²) */
} aion_conductivity;
aion_status aion_transport_conductivity(aion_transport *t, const aion_fit_opts *o,
                                        aion_conductivity *out);

/* Slab results (valid after finish; opts.slab_bins > 0): bin b of group g.
 * MSDs are averaged over the origins in the bin (the atom counted in the bin of
 * its height at the origin, wherever it goes later); survival[n] = fraction of
 * those origins whose atom stayed in the bin through the whole lag. */
typedef struct aion_slab_result {
    int n_bins;
    const double *edges_A;     /* n_bins + 1 heights (Å) */
    long n;                    /* lags */
    double dt_fs;
    const double *msd_dir[3];  /* x, y, z (Å²) */
    const double *origins;     /* origins in the bin at each lag */
    const double *survival;
    double n_mean;             /* mean number of the group's atoms in the bin */
} aion_slab_result;
aion_status aion_transport_slab(const aion_transport *t, int group, int bin, aion_slab_result *out);
/* D_xy (n_dims 2: x, y) and D_z of bin b, GLS as aion_msd_fit with n_particles =
 * n_mean (Gaussian covariance: no kurtosis term). Default window: the standard
 * rule, but ending no later than t_half (the lag where the survival falls to
 * 1/2) and then starting at t_half/5 at the latest; explicit times override.
 * D_z is NaN (warning NOT_DIFFUSIVE) when its fit is impossible (no z motion). */
typedef struct aion_slab_diffusion {
    aion_diffusion xy, z;
    double n_mean;
    double t_half_fs;          /* survival = 1/2 (inf if never reached) */
} aion_slab_diffusion;
aion_status aion_transport_slab_diffusion(aion_transport *t, int group, int bin, const aion_fit_opts *o,
                                          aion_slab_diffusion *out);

/* Nernst–Einstein factor: σ (S/cm) = factor · D (cm²/s) for n_ions of charge q in V. */
double aion_nernst_einstein_factor(double n_ions, double charge_e, double volume_A3, double T_K);

/* FFT MSD of explicit series (for callers with data in memory): pos is
 * [n_atoms][n_frames][3] (Å, unwrapped); msd_dir[3] get n_frames values each
 * (averaged over atoms). */
aion_status aion_msd_fft(const double *pos, int n_atoms, long n_frames, double *const msd_dir[3],
                         aion_error *err);

/* Arrhenius: ln y = ln A − Ea/(k_B T), or ln(yT) when times_T (conductivity). */
typedef struct aion_arrhenius_opts {
    int times_T;        /* fit ln(y·T) (σT Arrhenius form) */
    int scale_by_chi2;  /* multiply the covariance by χ²/dof (errors relative only) */
    double kb_eV;       /* 0 = CODATA 2018 (AION_KB_EV); He et al.'s code used 8.617e-5 */
} aion_arrhenius_opts;
void aion_arrhenius_opts_init(aion_arrhenius_opts *o);

typedef struct aion_arrhenius {
    double Ea_eV, Ea_err;
    double lnA, lnA_err, cov_lnA_Ea;  /* covariance of (ln A, Ea) */
    double chi2_dof;
    int n;
    int times_T;
    double kb_eV;
} aion_arrhenius;
/* y_err: 1σ of y (weights 1/(y_err/y)²); NULL = unweighted, errors from residuals. */
aion_status aion_arrhenius_fit(const double *T_K, const double *y, const double *y_err, int n,
                               const aion_arrhenius_opts *o, aion_arrhenius *out, aion_error *err);
/* Value at T (y, not yT); ln_sd: 1σ of ln y with the full covariance;
 * ln_sd_nocov (may be NULL): without the covariance term (as He et al.'s code). */
double aion_arrhenius_predict(const aion_arrhenius *a, double T_K, double *ln_sd, double *ln_sd_nocov);

/* --- Residence times of ions in sites (src/analysis/residence.c) --- */
/*
 * Sites are centres given in fractional coordinates (they follow the cell of
 * each frame, and the framework's centre of mass with drift != NONE). An ion is
 * in the nearest centre within r_site (Å) — spheres for a small r_site, Voronoi
 * polyhedra of the centres (cut at r_site) for a large one — else between sites.
 * A stay ("residence") starts at the first frame an ion is seen in a site and
 * ends at the first frame it is seen in a different site (transition-based
 * counting: excursions out of the sphere that return to the same site do not
 * end it), or, with strict, at the first frame outside the sphere. Stays already
 * in progress at the first frame (entry unseen) are left out; stays still in
 * progress at the last frame are right-censored. Estimators: Kaplan–Meier
 * survival and its restricted mean, the censored geometric (exponential) MLE,
 * and the naive mean of completed stays (biased low; for comparison).
 * Errors: bootstrap over ions (a stay's neighbours in time belong to one ion).
 */
typedef struct aion_residence_opts {
    int z_ion;                      /* mobile species (required) */
    const double (*site_frac)[3];   /* site centres, fractional (copied) */
    int n_sites;
    double r_site;                  /* Å; must be < half the smallest cell width (0 = 1.0) */
    int strict;                     /* 1: a stay ends when the ion leaves the sphere */
    aion_drift drift;               /* FRAMEWORK/ALL: sites move with that centre of mass */
    long first_frame, last_frame, stride;   /* as aion_transport_opts (last < 0 = to the end) */
    double dt_fs, step_fs;          /* as aion_transport_opts */
    int n_boot;                     /* bootstrap replicas over ions (0 = 200) */
    unsigned long long seed;        /* bootstrap seed (0 = fixed default) */
} aion_residence_opts;
void aion_residence_opts_init(aion_residence_opts *o);

typedef struct aion_residence aion_residence;
aion_status aion_residence_create(aion_residence **out, const aion_residence_opts *o, aion_error *err);
aion_status aion_residence_add(aion_residence *r, const aion_frame *f);
aion_status aion_residence_read(aion_residence *r, aion_reader *rd);
/* Close open stays (right-censored) and compute the estimators. */
aion_status aion_residence_finish(aion_residence *r);
const char *aion_residence_errmsg(const aion_residence *r);
void aion_residence_free(aion_residence *r);

typedef struct aion_residence_result {
    long n_frames;             /* frames used */
    double dt_fs;              /* between used frames: the time resolution */
    int n_ions, n_sites;
    long n_complete;           /* stays with entry and exit seen */
    long n_censored;           /* entry seen, still there at the last frame */
    long n_left;               /* in progress at the first frame: left out */
    double f_between;          /* fraction of ion-frames in no site sphere */
    /* Kaplan–Meier: S(t) at t = k·dt_fs, k = 0..n_surv-1 (S(0) = 1); the
     * restricted mean ∫_0^τ S dt up to the longest stay τ (a lower bound of the
     * mean when the longest stay is censored: km_restricted = 1) */
    int n_surv;
    const double *survival;
    double km_mean_fs, km_mean_err_fs, km_lo_fs, km_hi_fs; /* bootstrap 1σ and 95% percentile interval */
    int km_restricted;
    /* Censored geometric MLE (memoryless hops sampled every dt): mean = dt·(d + S)/d,
     * d completed stays, S = Σ (frames − 1) over all stays; 1σ from the Fisher
     * information, and the bootstrap 1σ */
    double mle_mean_fs, mle_err_fs, mle_boot_err_fs;
    double naive_mean_fs, naive_err_fs;   /* completed stays only (biased low) */
    /* histogram of completed stays: count[k] stays of k frames (k = 1..n_surv-1) */
    const long *complete_hist;
    /* per site: fraction of frames occupied (mean number of ions in it) and entries seen */
    const double *site_occupancy;
    const long *site_entries;
} aion_residence_result;
aion_status aion_residence_get(const aion_residence *r, aion_residence_result *out);

/* Sites from the time-averaged density of one species: positions histogrammed
 * on a fractional grid of spacing ~grid_A, smoothed (Gaussian, σ = grid_A),
 * local maxima above min_rel × the mean density, merged greedily (densest
 * first) closer than min_dist_A; centres refined per axis by a parabola through
 * the logarithm of the density at the maximum and its two neighbours. */
typedef struct aion_sitefind_opts {
    int z_ion;
    double grid_A;       /* 0 = 0.2 */
    double min_dist_A;   /* 0 = 1.5 */
    double min_rel;      /* 0 = 2 */
    long stride;         /* frames used (0 = 1) */
} aion_sitefind_opts;
typedef struct aion_sitefind aion_sitefind;
aion_status aion_sitefind_create(aion_sitefind **out, const aion_sitefind_opts *o, aion_error *err);
aion_status aion_sitefind_add(aion_sitefind *s, const aion_frame *f);
/* Sites found (fractional; array owned by s); returns the count or < 0 on error. */
int aion_sitefind_get(aion_sitefind *s, const double (**site_frac)[3]);
const char *aion_sitefind_errmsg(const aion_sitefind *s);
void aion_sitefind_free(aion_sitefind *s);

/* --- Structure (src/analysis/structure.c) --- */

/* Coherent neutron scattering length (fm, Sears 1992 / NIST); NAN if not tabulated. */
double aion_neutron_b(int z);

typedef struct aion_rdf_opts {
    double r_max;   /* Å; may exceed half the cell width (periodic images are summed) */
    int n_bins;     /* 0 = 200 */
    int nthreads;
} aion_rdf_opts;

typedef struct aion_rdf aion_rdf;
aion_status aion_rdf_create(aion_rdf **out, const aion_rdf_opts *o, aion_error *err);
/* Accumulate one periodic frame (composition must not change). */
aion_status aion_rdf_add(aion_rdf *r, const aion_frame *f);
const char *aion_rdf_errmsg(const aion_rdf *r);
int aion_rdf_nbins(const aion_rdf *r);
/* Species seen, sorted by Z; returns the count. */
int aion_rdf_species(const aion_rdf *r, const int **z);
/* Partial g_ab(r) (normalised by N_a(N_b − δ_ab)/V: an ideal gas gives 1) and the
 * running coordination n_ab(r) (mean number of b within the bin's upper edge of
 * an a). za = zb = 0: total number-weighted g(r) (cn: all atoms). Any output may
 * be NULL; arrays have n_bins entries; r_A gets bin centres. */
aion_status aion_rdf_get(const aion_rdf *r, int za, int zb, double *r_A, double *g, double *cn);
/* Neutron-weighted total structure factor (Faber–Ziman) from the partials:
 * S(q) = 1 + 4πρ ∫ r² Σ c_a c_b b_a b_b (g_ab − 1)/⟨b⟩² sin(qr)/(qr) L(r) dr, with the Lorch
 * window L when lorch != 0. q in 1/Å. */
aion_status aion_rdf_sq(const aion_rdf *r, const double *q, int nq, int lorch, double *sq);
void aion_rdf_free(aion_rdf *r);

/* Bond-angle distribution a–centre–b (degrees), neighbours within cut-offs. */
typedef struct aion_adf_opts {
    int z_center, z_a, z_b;     /* 0 = any species */
    double rcut_a, rcut_b;      /* Å */
    int n_bins;                 /* over 0..180°, 0 = 180 */
} aion_adf_opts;
typedef struct aion_adf aion_adf;
aion_status aion_adf_create(aion_adf **out, const aion_adf_opts *o, aion_error *err);
aion_status aion_adf_add(aion_adf *a, const aion_frame *f);
/* theta_deg: bin centres; p: probability density (1/degree); mean angles per centre in *n_angles. */
aion_status aion_adf_get(const aion_adf *a, double *theta_deg, double *p, double *n_angles);
int aion_adf_nbins(const aion_adf *a);
const char *aion_adf_errmsg(const aion_adf *a);
void aion_adf_free(aion_adf *a);

/* Qⁿ speciation of network formers (P, Si, ...) bonded through bridging anions
 * (O) and fragment (corner-sharing cluster) sizes. */
typedef struct aion_qn_opts {
    const int *former_z;   /* NULL = {P, Si} */
    int n_former;
    int anion_z;           /* 0 = O */
    double cutoff;         /* former–anion bond cut-off (Å), 0 = 2.0 */
} aion_qn_opts;

typedef struct aion_qn_result {
    long n_frames;
    long n_formers;          /* summed over frames */
    double qn[9];            /* fraction of formers with n bridging anions, n = 0..8 */
    double mean_cn;          /* mean former–anion coordination */
    double f_bridging, f_nonbridging, f_free, f_tricluster; /* anions with 2, 1, 0, ≥3 former neighbours */
    int frag_max;            /* largest fragment size seen (formers) */
    const double *frag;      /* frag[s] = fraction of formers in fragments of s formers, s = 1..frag_max */
    double mean_chain;       /* number-average fragment size (formers) */
} aion_qn_result;

typedef struct aion_qn aion_qn;
aion_status aion_qn_create(aion_qn **out, const aion_qn_opts *o, aion_error *err);
aion_status aion_qn_add(aion_qn *q, const aion_frame *f);
aion_status aion_qn_get(aion_qn *q, aion_qn_result *out);
const char *aion_qn_errmsg(const aion_qn *q);
void aion_qn_free(aion_qn *q);

/* --- Plots (src/core/svg.c): small SVG line/scatter plots, for every module --- */
enum { AION_PLOT_LINE = 1, AION_PLOT_POINTS = 2 };
typedef struct aion_plot aion_plot;
/* NULL on allocation failure. Labels are copied (may be NULL). */
aion_plot *aion_plot_create(const char *title, const char *xlabel, const char *ylabel);
void aion_plot_set_log(aion_plot *p, int logx, int logy);
/* Add a series (copied); yerr may be NULL (error bars otherwise). Non-finite
 * points (and ≤ 0 on log axes) are skipped. */
aion_status aion_plot_add(aion_plot *p, const char *label, const double *x, const double *y,
                          const double *yerr, int n, unsigned style);
/* The SVG document (malloc'd; caller frees), NULL on allocation failure. */
char *aion_plot_svg(const aion_plot *p, int width, int height);
/* Write the SVG to path (temporary file + rename). */
aion_status aion_plot_write(const aion_plot *p, const char *path, aion_error *err);
void aion_plot_free(aion_plot *p);




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
/* Same from several seeds at once: level[x] = min over seeds s of the minimax
 * path energy from s (level[s] = e[s]). */
aion_status aion_pes_level_map_multi(const int n[3], const double *e, int nseed, const int *seeds, double *level,
                                     aion_error *err);

/* Free volume fractions at threshold thr (eV) above e_min: disconnected =
 * fraction of points with e - e_min < thr; connected = fraction with level -
 * e_min < thr. Either output may be NULL. */
void aion_pes_free_volume(long npts, const double *e, const double *level, double e_min, double thr, double *fv_disc,
                          double *fv_conn);

/* The SSE-ranking descriptor of Maevskiy et al. (2025):
 * Ξ = s(10 (log10 FV_conn(0.5 eV) + 2)) · s(10 (log10 FV_disc(0.5 eV) + 1.15)),
 * s the logistic function. */
double aion_pes_xi(double fv_conn_05, double fv_disc_05);

/* Free-volume thresholds of Maevskiy et al. (eV): 0.1, 0.2, ..., 1.0, then
 * 1.5, 2.0, ..., 4.0 (AION_PES_NTHR values); k out of range gives NAN. */
#define AION_PES_NTHR 16
double aion_pes_threshold(int k);

/* --- Bond-valence site energy (BVSE; Adams & Chen, softBV parameters) ---
 * Tables are read at run time from a folder holding softbv-pairs.csv
 * (cation,cation_oxidation,anion,anion_oxidation,r0_A,r_min_A,alpha_per_A,
 * d0_eV) and principal-quantum-number.csv (element,n). Immutable after
 * loading: one table may be shared by any number of threads. */
typedef struct aion_bvse aion_bvse;

aion_status aion_bvse_load(aion_bvse **out, const char *dir, aion_error *err);
void aion_bvse_free(aion_bvse *b);
/* Parameters of a cation–anion pair by oxidation states; returns 1 if the
 * table has the pair (outputs may be NULL), 0 if not. */
int aion_bvse_pair(const aion_bvse *b, int zc, int qc, int za, int qa, double *r0, double *rmin, double *alpha,
                   double *d0);
/* Principal quantum number used to screen the cation–cation term (0 if absent). */
int aion_bvse_quantum_n(const aion_bvse *b, int z);
/* Formal charge of a supported mobile ion: Li, Na, K +1; Mg, Ca, Zn +2;
 * Al +3; 0 for anything else. */
int aion_pes_mobile_charge(int z);

/* Oxidation states of every atom of f into ox[f->n].
 *  1. From the file: a per-atom column "oxidation" (CIF oxidation numbers;
 *     also read from extended XYZ) when every atom has a nonzero value; it
 *     must be charge-neutral (|sum| < 1e-3) or this fails.
 *  2. Otherwise by rule: alkali metals +1, alkaline earths +2, F −1, the most
 *     electronegative of the anion formers (F, O, Cl, N, Br, I, S, Se, Te)
 *     present takes its anion state; every other element may take any state
 *     the table knows for it (as cation, or as anion for the anion formers).
 *     Among the charge-neutral combinations (one state per element) the one
 *     with the lowest global instability index (RMS deviation of the
 *     bond-valence sums, bonds within 5 Å, s = exp(α (r0 − r)); bonds the
 *     table has no parameters for add nothing) wins. When no integer
 *     combination is neutral, one element with several cation states may take
 *     the (fractional or untabulated) mean state the balance demands within
 *     its range (mixed valence; parameters of the nearest tabulated state).
 *  3. AION_ERR_INVALID with a message when neither works.
 * note (may be NULL) receives a one-line account ("assigned: Li+1 Fe+2 P+5
 * O-2, GII 0.09 v.u."). Needs a periodic cell. Thread-safe. */
aion_status aion_bvse_oxidation(const aion_bvse *b, const aion_frame *f, double *ox, char *note, size_t note_cap,
                                aion_error *err);

/* BVSE energy (eV) of a mobile ion (Z mz, charge mq) at Cartesian x in
 * crystal f with oxidation states ox, from every atom j with skip[j] == 0
 * (skip may be NULL) and all their periodic images within cutoff (Å):
 *   E = Σ_anions D0/2 [(exp(α (r_min − r)) − 1)² − 1]
 *     + Σ_like cations k_e q q_j /√(n n_j) erfc(r / (f (rc + rc_j))) / r,
 * f = 0.74, rc = covalent radii, n = principal quantum numbers, k_e =
 * AION_COULOMB_EV_A. A direct sum over all images, for checks; the grid scan
 * uses the same terms. Thread-safe. */
aion_status aion_bvse_site_energy(const aion_bvse *b, const aion_frame *f, const double *ox, int mz, double mq,
                                  const unsigned char *skip, const double x[3], double cutoff, double *e,
                                  aion_error *err);

/* --- Frozen-framework scans --- */
typedef enum aion_pes_protocol {
    AION_PES_SINGLE = 0, /* each mobile ion moved in turn, all other atoms fixed (Maevskiy et al.) */
    AION_PES_PROBE = 1   /* all mobile ions removed, one probe ion (the BVSE convention) */
} aion_pes_protocol;

typedef struct aion_pes_opts {
    int mobile_z;              /* Z of the mobile species (required) */
    double mobile_q;           /* BVSE formal charge; 0 = aion_pes_mobile_charge() */
    aion_pes_protocol protocol;
    double spacing;            /* grid spacing (Å), default 0.25: n_i = ceil(|a_i| / spacing) */
    int grid_n[3];             /* > 0: use exactly these grid points instead (symmetry then keeps
                                * only the operations that fit this grid) */
    double exclusion;          /* Å, default 1.2: points closer to another atom are not evaluated
                                * and get the highest evaluated energy; < 0 disables */
    int symmetry;              /* evaluate only symmetry-irreducible points (spglib) */
    double symprec;            /* Å, default 0.01 (spglib tolerance) */
    int nthreads;              /* 0 = OpenMP default */
    /* Energy model: BVSE when bvse != NULL, else the potential `potential`
     * (a spec for aion_potential_create, one instance per thread). */
    const aion_bvse *bvse;
    const double *ox;          /* BVSE oxidation states (NULL = aion_bvse_oxidation) */
    double bvse_cutoff;        /* Å, default 10 */
    double bvse_tol;           /* eV, default 1e-5: a pair term smaller than this is dropped */
    const char *potential;
    const aion_potential_opts *potential_opts;
    int keep_grids;            /* keep the energy and level map of the best ion in the result */
} aion_pes_opts;

void aion_pes_opts_init(aion_pes_opts *o);

/* Descriptors of one mobile ion (or of the probe). Energies in eV; mpe and
 * free volumes relative to e_min. */
typedef struct aion_pes_ion {
    int atom;                  /* index in the frame; -1 for the probe */
    int mapped_from;           /* symmetry: atom whose grid was mapped here; else = atom */
    double e_min;              /* lowest evaluated energy (absolute) */
    int start;                 /* grid index of the minimum */
    double mpe[3];             /* 1D/2D/3D percolation energies above e_min (INFINITY: none) */
    double fv_disc[AION_PES_NTHR], fv_conn[AION_PES_NTHR];
    double xi;
    long n_excluded;           /* grid points inside the exclusion radius */
} aion_pes_ion;

typedef struct aion_pes_result {
    int n[3];                  /* grid points along a, b, c */
    double origin[3];          /* fractional coordinates of grid point 0 (0 unless symmetry) */
    int n_ion;
    aion_pes_ion *ion;
    double mpe[3];             /* minimum over ions */
    int best_ion;              /* ion[] index with the lowest 1D MPE (first on ties) */
    double fv_disc[AION_PES_NTHR], fv_conn[AION_PES_NTHR]; /* union over ions */
    double xi;                 /* Ξ of the union free volumes */
    int n_ops;                 /* symmetry operations used (1 without symmetry) */
    int spacegroup;            /* space-group number found (0 without symmetry) */
    long n_eval;               /* energy evaluations done */
    double seconds;            /* wall time of the scan and the descriptors */
    char ox_note[256];         /* how the BVSE oxidation states were obtained */
    double *energy;            /* keep_grids: best ion's energy − e_min per grid point */
    double *level;             /* keep_grids: its level map − e_min */
} aion_pes_result;

/* Scan crystal f (periodic cell needed) and compute the descriptors. res is
 * overwritten (call aion_pes_result_free afterwards, also after a failure).
 * Thread-safe for distinct results; uses up to o->nthreads threads. */
aion_status aion_pes_scan(const aion_frame *f, const aion_pes_opts *o, aion_pes_result *res, aion_error *err);
void aion_pes_result_free(aion_pes_result *r);

/* Volumetric files of a grid (r->n points, origin r->origin) over the cell of
 * f, with the atoms of f: Gaussian cube (Bohr; values as given, eV) and VASP
 * CHGCAR layout (values multiplied by the cell volume, as CHGCAR stores ρ·V;
 * VESTA and OVITO divide by V on reading). Written atomically. */
aion_status aion_pes_write_cube(const char *path, const aion_frame *f, const aion_pes_result *r, const double *grid,
                                const char *comment, aion_error *err);
aion_status aion_pes_write_chgcar(const char *path, const aion_frame *f, const aion_pes_result *r,
                                  const double *grid, const char *comment, aion_error *err);
/* SVG picture of the percolating region: three projections (along a, b, c)
 * of the best ion's level map, the minimum over the projected axis, coloured
 * up to the 1D MPE (+ 5 % of it) and grey above, with the projected atoms.
 * Needs keep_grids. */
aion_status aion_pes_write_svg(const char *path, const aion_frame *f, const aion_pes_result *r, const char *title,
                               aion_error *err);




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
    AION_CELL_TRI,       /* fully flexible triclinic cell (Del Tatto et al. 2022) */
    AION_CELL_Z          /* normal stress only (slabs, interfaces): a and b stay exactly as
                          * they are, the cell and the atoms are stretched along z, driven
                          * by P_zz (LAMMPS `fix npt ... z P P Pdamp`). Needs a and b in the
                          * xy plane (a_z = b_z = 0 to 1e-9 of their length); c may be
                          * tilted (its x, y components are kept). */
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
    /* NPT with frozen atoms: 0 (default) = the cell deformation moves them with
     * everything else (LAMMPS `dilate all`); 1 = they keep their Cartesian
     * positions and only mobile atoms are rescaled (LAMMPS `dilate partial`),
     * so a frozen metal slab is not strained by --cell z. The barostat is
     * driven by the full stress either way. */
    int frozen_fixed;
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
    int traj_positions_only;     /* 1 = trajectories without velocities, forces, masses (smaller) */
    int traj_precision;          /* significant digits of trajectory reals (0 = writer default) */
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
    /* Blow-up guard, checked at every output/checkpoint/progress step: the run
     * stops with AION_ERR_NUMERIC (no checkpoint, the outputs so far kept) when
     * the temperature exceeds max_temp_ratio × the highest target temperature
     * of the segments, or is not finite. 0 = 20; < 0 = never. Segments without
     * a target temperature (all 0) are not checked. */
    double max_temp_ratio;
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
/* Section: labelling (CP2K) */
/* Energies, forces and stresses from CP2K (docs/labelling.md): input files
 * from presets, parsing of CP2K's output with units converted. Running CP2K
 * (processes, restarts) is the command line's job (app/label_driver.c). */

#define AION_HARTREE_EV 27.211386245988     /* 1 Hartree in eV (CODATA 2018) */
#define AION_BOHR_A 0.529177210903          /* 1 bohr in Å (CODATA 2018) */

typedef enum aion_cp2k_method {
    AION_CP2K_XTB = 0,   /* GFN1-xTB with Ewald, OT; fast, for screening and seeds */
    AION_CP2K_PBE = 1    /* PBE, GTH pseudopotentials, MOLOPT basis, GPW */
} aion_cp2k_method;

/* "xtb" / "pbe"; from_name returns -1 for an unknown name. */
const char *aion_cp2k_method_name(aion_cp2k_method m);
int aion_cp2k_method_from_name(const char *name);

/* Settings of one preset; aion_cp2k_opts_init fills the preset's defaults and
 * aion_cp2k_opts_set overrides them one "key=value" at a time. */
typedef struct aion_cp2k_opts {
    aion_cp2k_method method;
    double cutoff_Ry;        /* pbe: MGRID CUTOFF (Ry) */
    double rel_cutoff_Ry;    /* pbe: MGRID REL_CUTOFF (Ry) */
    double eps_scf;          /* SCF convergence (inner and outer loop) */
    double eps_default;      /* QS EPS_DEFAULT */
    int max_scf;             /* inner SCF steps per outer iteration */
    int max_outer_scf;       /* outer SCF iterations (OT) */
    int kpoints[3];          /* pbe: Monkhorst-Pack mesh; {1,1,1} = Γ only (OT);
                              * {0,0,0} = from kspacing per structure */
    double kspacing;         /* Å⁻¹: n_i = max(1, ceil(2π / (w_i kspacing))), w_i the
                              * cell widths (as ASE/VASP KSPACING) */
    int charge;              /* total charge */
    int stress;              /* 1 = analytical stress tensor (default) */
    char basis[64];          /* pbe: basis set name (BASIS_MOLOPT) */
    char data_dir[512];      /* CP2K data files (GTH_POTENTIALS, BASIS_MOLOPT) */
    /* Optional user template (borrowed; NULL = preset). It is a whole CP2K
     * input in which @AION_PROJECT@, @AION_CELL@, @AION_COORD@, @AION_KINDS@ and
     * @AION_SUBSYS@ (= cell + coord + kinds) are replaced; it must contain
     * @AION_COORD@ or @AION_SUBSYS@. */
    const char *template_text;
} aion_cp2k_opts;

/* Preset defaults for method m (see docs/labelling.md for what was measured). */
void aion_cp2k_opts_init(aion_cp2k_opts *o, aion_cp2k_method m);
/* Override one setting: "cutoff=800", "rel_cutoff=60", "eps_scf=1e-7",
 * "eps_default=1e-12", "max_scf=50", "outer_scf=10", "kpoints=2x2x2" (or
 * "gamma", "auto"), "kspacing=0.5", "charge=0", "stress=0|1", "basis=NAME",
 * "data_dir=PATH". Unknown keys and bad values are errors. */
aion_status aion_cp2k_opts_set(aion_cp2k_opts *o, const char *key_value, aion_error *err);
/* Monkhorst-Pack mesh the options give for cell (kpoints, or from kspacing). */
void aion_cp2k_kmesh(const aion_cp2k_opts *o, const double cell[3][3], int mesh[3]);
/* Valence charge q of the GTH pseudopotential CP2K would use for element z
 * with basis `basis` (the -qN alias of that basis in data_dir/BASIS_MOLOPT,
 * checked against GTH-PBE-qN in data_dir/GTH_POTENTIALS). */
aion_status aion_cp2k_valence(const char *data_dir, const char *basis, int z, int *q, aion_error *err);

/* The CP2K input for frame f (3D-periodic, any triclinic cell, every z known)
 * as a malloc'd string in *text (caller frees). project names CP2K's files. */
aion_status aion_cp2k_input(const aion_frame *f, const aion_cp2k_opts *o, const char *project, char **text,
                            aion_error *err);

/* Why a CP2K run cannot be used. */
typedef enum aion_cp2k_failure {
    AION_CP2K_OK = 0,
    AION_CP2K_FAIL_ABORT,       /* CP2K stopped with an [ABORT] message */
    AION_CP2K_FAIL_SCF,         /* "SCF run NOT converged" */
    AION_CP2K_FAIL_INCOMPLETE,  /* the output ends early or lacks energy/forces (crash, kill) */
    AION_CP2K_FAIL_MALFORMED    /* a block could not be read */
} aion_cp2k_failure;

/* What one CP2K output file says, in aion units. */
typedef struct aion_cp2k_result {
    unsigned has;            /* AION_HAS_ENERGY | AION_HAS_FORCES | AION_HAS_STRESS */
    int n;                   /* atoms in the force block */
    double energy;           /* eV (ENERGY| Total FORCE_EVAL) */
    double (*forces)[3];     /* eV/Å, n rows (malloc'd; aion_cp2k_result_free) */
    int *z;                  /* element of each force row (0 if not an element) */
    double stress[3][3];     /* eV/Å³, ASE sign (CP2K prints -stress, in GPa) */
    int scf_steps;           /* SCF iterations in total (all outer loops) */
    int scf_converged;       /* 1: a converged SCF and no "NOT converged" */
    int ended;               /* "PROGRAM ENDED" seen */
    aion_cp2k_failure failure;
    char version[64];        /* "CP2K version 2023.1" */
    char abort_msg[512];     /* text of the [ABORT] box, empty if none */
    char warning[512];       /* text of the last "*** WARNING" of CP2K, empty if none */
} aion_cp2k_result;

/* Parse a CP2K output file. If the file holds several runs (CP2K appends),
 * only the last one counts. Returns AION_OK when the run is usable: it ended,
 * the SCF converged, energy and forces are present. Otherwise r->failure says
 * why and err holds "PATH[:LINE]: reason"; the status is AION_ERR_IO (cannot
 * read), AION_ERR_PARSE (malformed or incomplete), AION_ERR_NUMERIC (SCF not
 * converged) or AION_ERR_INVALID (CP2K aborted). r is filled with whatever was
 * found in every case and must be freed. */
aion_status aion_cp2k_parse_output(const char *path, aion_cp2k_result *r, aion_error *err);
void aion_cp2k_result_free(aion_cp2k_result *r);
/* Copy energy, forces and (if present) stress into f after checking that the
 * atom count and elements match; sets f->has bits and info "scf_steps". */
aion_status aion_cp2k_result_apply(const aion_cp2k_result *r, aion_frame *f, aion_error *err);

/* 64-bit FNV-1a hash of a string as 16 hex digits (+ NUL) in out[17]: the key
 * that ties a stored label to the exact CP2K input it came from. */
void aion_label_key(const char *text, char out[17]);


/* ===================================================================== */
/* Section: pipelines (aion run) */
/*
 * A pipeline is the main job as one restartable run: make a glass by
 * melt-quench, run MD at several temperatures (concurrently), analyse
 * transport and structure, fit Arrhenius and write report.html and
 * summary.json (docs/pipeline.md). The configuration is plain data with
 * defaults (the shipped default pipeline, examples/pipelines/default.yaml);
 * YAML files and "section.key=value" settings overlay it. Every stage writes
 * its outputs atomically with a record holding the hash of its inputs: a run
 * that is killed and started again skips finished stages, continues MD from
 * its checkpoints, and recomputes stages whose inputs changed. Several glasses
 * (system.glasses) and a committee of potentials (potential.committee) repeat
 * the stages per glass and per model and are combined in the report.
 */

#define AION_PIPELINE_MAX_T 32
#define AION_PIPELINE_MAX_GLASSES 32
#define AION_PIPELINE_MAX_MODELS 8   /* committee: potential.model and up to 7 further models */
#define AION_PIPELINE_STR 512

typedef struct aion_pipeline_config {
    char name[128];
    uint64_t seed;                        /* every random number of the run derives from it */
    /* potential */
    char potential[AION_PIPELINE_STR];    /* "pedone", a .pot/.json parameter file or a .mtp file;
                                             relative paths are relative to base_dir */
    char species[128];                    /* .mtp species order, e.g. "Li,P,O" */
    char coulomb[16];                     /* classical models: "dsf" (default), "ewald", "model" */
    double coul_cutoff_A, dsf_alpha;      /* 0 = model defaults */
    char validation_report[AION_PIPELINE_STR]; /* training report JSON (aion train --report) or "" */
    char active_set[AION_PIPELINE_STR];   /* MaxVol active set of an .mtp (aion train writes POT.als):
                                             the structure and transport stages grade the quench and
                                             production frames against it; "auto" = the model's .als
                                             when it exists, "" = no grades */
    char committee[AION_PIPELINE_MAX_MODELS - 1][AION_PIPELINE_STR]; /* further models of a committee
                                             of potentials (model 2, 3, ...; same kind of spec as
                                             potential, same species order; relative to base_dir):
                                             each repeats every stage in stages/model<m>/ and the
                                             report combines the models (docs/pipeline.md) */
    int n_committee;                      /* entries of committee (0 = no committee) */
    /* system */
    char composition[128];                /* formula */
    int atoms;                            /* about this many atoms (whole formula units) */
    double density_gcc;                   /* density of the random start */
    double dmin_scale;                    /* minimum distances = this × sum of covalent radii */
    char start[AION_PIPELINE_STR];        /* start structure of the quench instead of a random one
                                             (relative to base_dir; scaled to density_gcc; its
                                             composition must be composition × whole units) or "" */
    char dmin_pairs[128];                 /* per-pair minimum distances of the random start overriding
                                             dmin_scale, "O-O:2.2,N-O:2.2" (Å); "" = none */
    int glasses;                          /* independent glasses (replicas), 1..AION_PIPELINE_MAX_GLASSES:
                                             glass g is melted from the same start with its own seed
                                             (glass 1 with seed itself) and has its own stages; the
                                             report combines them (docs/pipeline.md) */
    /* molecular dynamics, shared */
    double dt_fs, tau_t_fs, tau_p_fs, press_GPa;
    double compress_GPa;                  /* compressibility estimate of the barostat (1/GPa) */
    char thermostat[16];                  /* "csvr", "langevin", "nhc" */
    /* melt-quench */
    char quench_ensemble[8];              /* "npt" (volume from the barostat) or "nvt" (fixed at
                                             system.density: potentials without a sound equation of
                                             state, e.g. trained on xTB without stresses) */
    double t_start_K, t_melt_K, t_final_K, heat_rate_K_ps, cool_rate_K_ps;
    double equil_ps, melt_ps, final_ps;   /* hold at t_start, t_melt, t_final */
    double glass_frame_fs;                /* frames kept of the final hold (structure analysis) */
    /* production */
    double temps_K[AION_PIPELINE_MAX_T];
    int n_temps;
    double npt_ps;                        /* NPT at T first (0 = none), then the cell is set to the
                                             mean volume of its second half */
    double nvt_equil_ps;                  /* NVT equilibration (not analysed) */
    double prod_ps;                       /* NVT production */
    double frame_fs;                      /* trajectory interval */
    /* analysis */
    char ion[8];                          /* mobile species */
    double ion_charge;                    /* formal charge for conductivities (e) */
    char framework[8];                    /* network former watched for flow (P), "" = none */
    double fit_start, fit_end;            /* MSD fit window, fractions of the production run */
    double hop_A;                         /* hop length for the effective number of hops */
    double rdf_rmax_A;
    int rdf_bins;
    double qn_cutoff_A;                   /* former–O bond cut-off for Qⁿ */
    double report_T_K;                    /* extrapolation temperature (300 K) */
    double grade_warn;                    /* the report warns where a stage's largest grade exceeds it */
    /* execution (not part of the inputs of any stage) */
    int threads;                          /* total threads (0 = OpenMP default) */
    int threads_per_run;                  /* threads of each production run (default 1); results are
                                             bitwise reproducible for a fixed value */
    int quench_threads;                   /* threads of the quench (0 = threads) */
    long checkpoint_every;                /* MD steps between checkpoints */
    /* where the file came from (relative paths are resolved against base_dir) */
    char source[AION_PIPELINE_STR];
    char base_dir[AION_PIPELINE_STR];
} aion_pipeline_config;

/* The built-in default pipeline (identical to examples/pipelines/default.yaml). */
void aion_pipeline_config_init(aion_pipeline_config *c);
/* Overlay a YAML pipeline file (sections and keys of docs/pipeline.md) onto c;
 * sets c->source and c->base_dir. Unknown keys are errors ("FILE:LINE: ..."). */
aion_status aion_pipeline_config_load(aion_pipeline_config *c, const char *path, aion_error *err);
/* Set one key: "production.temperatures" = "[700, 800]", "system.atoms" = "400",
 * "potential.committee" = "[b.mtp, c.mtp]" (or "b.mtp,c.mtp"; "[]" = none). */
aion_status aion_pipeline_config_set(aion_pipeline_config *c, const char *key, const char *value, aion_error *err);
/* Check values (positive times, at least one temperature, ...). */
aion_status aion_pipeline_config_check(const aion_pipeline_config *c, aion_error *err);
/* The configuration as YAML (every key, except potential.committee while it is
 * empty; malloc'd, caller frees; NULL on allocation failure). */
char *aion_pipeline_config_yaml(const aion_pipeline_config *c);

/* Progress events, called from the thread that runs the stage with a lock
 * held (never concurrently). Return nonzero to stop: running MD stages write a
 * checkpoint and aion_pipeline_run returns AION_EOF. */
typedef enum aion_pipeline_event_kind {
    AION_PIPE_STAGE_START = 0,  /* message says fresh / resumed / inputs changed */
    AION_PIPE_STAGE_SKIP,       /* finished in an earlier run with the same inputs */
    AION_PIPE_STAGE_DONE,
    AION_PIPE_PROGRESS,         /* done/total MD steps */
    AION_PIPE_NOTE              /* a warning or remark for the user */
} aion_pipeline_event_kind;

typedef struct aion_pipeline_event {
    aion_pipeline_event_kind kind;
    const char *stage;          /* "quench", "md-800K", ... */
    long done, total;
    double seconds;             /* wall time of the stage so far */
    const char *message;        /* may be NULL */
} aion_pipeline_event;

typedef int (*aion_pipeline_callback)(void *user, const aion_pipeline_event *ev);

/* Headline results (summary.json has everything). With several glasses the
 * headline values are the combined ones (mean over glasses with the
 * glass-to-glass spread in the errors, docs/pipeline.md) and glass_* hold each
 * glass's own fit (NaN where a glass has none). */
typedef struct aion_pipeline_summary {
    int n_temps;
    double T_K[AION_PIPELINE_MAX_T], D[AION_PIPELINE_MAX_T], D_err[AION_PIPELINE_MAX_T]; /* cm²/s */
    double Ea_eV, Ea_err;
    double D_report, D_report_lo, D_report_hi;           /* at report_T_K, 1σ band (cm²/s) */
    double sigma_report, sigma_report_lo, sigma_report_hi; /* Nernst–Einstein, H_R = 1 (S/cm) */
    double density_gcc;                                   /* glass at t_final */
    int n_glasses;                                        /* glasses of the run (1 = one glass) */
    double glass_Ea_eV[AION_PIPELINE_MAX_GLASSES], glass_Ea_err[AION_PIPELINE_MAX_GLASSES];
    double glass_sigma_report[AION_PIPELINE_MAX_GLASSES]; /* each glass's σ(report_T_K) (S/cm) */
    /* Committee of potentials (potential.committee). The values above are always
     * model 1's (potential.model); model_* hold each model's own (glass-combined)
     * values, model_*[0] = the values above; committee_* combine the models
     * (mean over the models with a fit; u_stat = √(Σ u_m²)/M, u_model = sample
     * standard deviation of the models' values, u = √(u_stat² + u_model²);
     * σ in ln space) and are NaN with one model. */
    int n_models;                                         /* 1 + potential.committee entries */
    double model_Ea_eV[AION_PIPELINE_MAX_MODELS], model_Ea_err[AION_PIPELINE_MAX_MODELS];
    double model_sigma_report[AION_PIPELINE_MAX_MODELS];  /* each model's σ(report_T_K) (S/cm) */
    double committee_Ea_eV, committee_Ea_u_stat, committee_Ea_u_model, committee_Ea_err; /* err = total */
    double committee_D_report, committee_D_report_lo, committee_D_report_hi;          /* total 1σ band */
    double committee_sigma_report, committee_sigma_report_lo, committee_sigma_report_hi; /* total 1σ band */
    double committee_ln_sigma_u_stat, committee_ln_sigma_u_model;                        /* of ln σ(report_T_K) */
    int stages_run, stages_skipped;
    double seconds;
} aion_pipeline_summary;

/* Run (or continue) the pipeline in out_dir (created if needed): stages in
 * out_dir/stages/, then out_dir/report.html and out_dir/summary.json.
 * summary may be NULL. Returns AION_EOF when the callback asked to stop. */
aion_status aion_pipeline_run(const aion_pipeline_config *c, const char *out_dir, aion_pipeline_callback cb,
                              void *user, aion_pipeline_summary *summary, aion_error *err);

/* Plot extras used by the report (additive to src/core/svg.c): a series drawn
 * as a filled band y ± yerr (AION_PLOT_BAND), as a dashed line
 * (AION_PLOT_DASHED), or in the colour of the series before it
 * (AION_PLOT_SAME_COLOR, e.g. a fit line next to its data). */
enum { AION_PLOT_BAND = 4, AION_PLOT_DASHED = 8, AION_PLOT_SAME_COLOR = 16 };



/* ===================================================================== */
/* Section: structure generation (data sets) */
/* Perturbations for training sets (src/core/perturb.c). None of them keeps
 * labels: energy, forces, stress and per-atom energies are dropped (their has
 * bits cleared); velocities and free-form fields are kept. Thread-safe on
 * distinct frames. */

/* Random symmetric strain: the six independent components of eps uniform in
 * [-max, max] (max is a fraction, 0.03 = 3 %). */
void aion_strain_random(aion_rng *rng, double max, double eps[3][3]);
/* Homogeneous deformation by the symmetric strain eps: cell rows and positions
 * v become v·(I + eps) (fractional coordinates unchanged). Needs a cell; eps
 * must be finite and symmetric and det(I + eps) > 0 (AION_ERR_INVALID). */
aion_status aion_frame_strain(aion_frame *f, const double eps[3][3], aion_error *err);
/* Add a normal deviate of standard deviation sigma_A (Å) to every Cartesian
 * component of every position (as ASE's Atoms.rattle). */
aion_status aion_frame_rattle(aion_frame *f, double sigma_A, aion_rng *rng, aion_error *err);
/* Delete the atoms with del[i] != 0 (del has f->n entries), keeping the order
 * of the rest; every per-atom array and column follows. */
aion_status aion_frame_remove_atoms(aion_frame *f, const unsigned char *del, aion_error *err);

/* Substitution with charge compensation: `count` atoms of z_from, chosen
 * uniformly at random, become z_to; then n_remove atoms of z_remove, chosen
 * uniformly among those left, are deleted (z_remove 0 / n_remove 0: none).
 * LiPON-like glasses: {O, N, 2k, O, k} replaces 3 O(2-) by 2 N(3-) (neutral):
 * Li3PO4 -> Li3PO(4-1.5x)Nx. */
typedef struct aion_subst {
    int z_from, z_to, count;
    int z_remove, n_remove;
} aion_subst;
/* Masses (if present) follow the new element; type indices and charges are
 * dropped. AION_ERR_INVALID if there are not enough atoms to substitute or
 * remove (f unchanged then). */
aion_status aion_frame_substitute(aion_frame *f, const aion_subst *s, aion_rng *rng, aion_error *err);

/* Keep species, positions and the cell, plus the AION_HAS_* data in keep_has,
 * the free-form fields and the per-atom columns whose names are in keys[0..
 * nkeys-1]; drop everything else (for compact data sets). NULL is a no-op. */
void aion_frame_strip(aion_frame *f, unsigned keep_has, const char *const *keys, int nkeys);

/* Metal || glass interfaces (src/core/interface.c). A bcc metal slab with the
 * chosen face normal to z is strained laterally onto the glass cell's a and b
 * (the glass keeps its cell and density) and stacked along z:
 *   periodic (vacuum_A = 0): [gap/2] metal [gap] glass [gap/2], c = t_metal +
 *   2 gap + h_glass (two metal|glass interfaces: the metal's bottom face meets
 *   the periodic image of the glass's top face);
 *   vacuum_A > 0: metal [gap] glass [vacuum], one metal|glass interface and
 *   the metal's bottom face open to the vacuum (cell still periodic in 3D).
 * The glass must be orthorhombic (a ∥ x, b ∥ y, c ∥ z). Its atoms are wrapped
 * into the cell and cut at the widest empty height interval; with whole != 0,
 * covalent units (bonds d < 1.15 (r_i + r_j) between atoms that are not in
 * groups 1-2, e.g. PO4 tetrahedra) are kept whole across the cut. The metal
 * supercell has n1 × n2 surface cells, each n_i the integer (≥ 1) giving the
 * smallest |strain| of glass length / (n_i · surface period) − 1 (for (110)
 * both orientations of the a × a√2 surface cell are tried). Output atoms: the
 * metal first (layer by layer, bottom up), then the glass in its input order;
 * per-atom integer column "region" (0 metal, 1 glass) and the per-frame fields
 * interface_face, interface_strain_a/b, interface_metal_z_A ("lo,hi" of the
 * metal's atom planes), interface_glass_z_A ("lo,hi" of the glass atoms),
 * interface_gap_A. Velocities, labels and other columns of the glass are
 * dropped. */
typedef struct aion_interface_opts {
    int metal_z;        /* element of the bcc metal (default 3, Li) */
    double a_A;         /* bcc lattice parameter (Å; 0 = 3.44 for Li, else required) */
    int face;           /* 100 or 110 */
    int layers;         /* atomic planes of the metal (≥ 2) */
    double gap_A;       /* empty height between the metal's outer plane and the
                           nearest glass atom, each interface (Å, > 0; default 2.0) */
    double vacuum_A;    /* 0 = periodic stack; > 0 = vacuum above the glass (Å) */
    int whole;          /* keep covalent units of the glass whole (default 1) */
    int max_rep;        /* largest lateral repetition tried (default 64) */
    double max_strain;  /* refuse a lateral metal strain above this (fraction; default 0.05) */
} aion_interface_opts;

typedef struct aion_interface_info {
    int n_metal, n_glass;
    int rep[2];             /* surface cells of the metal along a and b */
    double period_A[2];     /* unstrained surface-cell lengths along a and b */
    double strain[2];       /* lateral strain of the metal along a and b (fraction) */
    double spacing_A;       /* interlayer spacing of the metal (100: a/2, 110: a/√2) */
    double metal_z_A[2];    /* heights of the metal's lowest and highest atom planes */
    double glass_z_A[2];    /* lowest and highest glass atom heights */
    double c_A;             /* cell height */
    double min_dist_A;      /* smallest metal–glass distance (periodic images included) */
    int units_whole;        /* covalent units moved across the cut to keep them whole */
} aion_interface_info;

void aion_interface_opts_init(aion_interface_opts *o);
/* Build metal || glass into out (freed first). info may be NULL. Errors
 * (AION_ERR_INVALID, message in err): non-orthorhombic or non-periodic glass,
 * face not 100/110, layers < 2, gap ≤ 0, vacuum < 0, unknown element, a_A
 * missing for a metal other than Li, a lateral strain above max_strain (the
 * message gives the best repetitions and strains), a glass network that percolates along c with
 * whole set (then no cut keeps units whole). */
aion_status aion_build_interface(const aion_frame *glass, const aion_interface_opts *o, aion_frame *out,
                                 aion_interface_info *info, aion_error *err);
/* bcc metal slab alone (no glass): n1 × n2 surface cells of the face, layers
 * planes, in a cell of height layers·spacing + vacuum_A (vacuum_A = 0: a
 * periodic bulk crystal, layers must then be even). For data sets. */
aion_status aion_build_bcc_slab(int metal_z, double a_A, int face, int n1, int n2, int layers, double vacuum_A,
                                aion_frame *out, aion_error *err);




/* ===================================================================== */
/* Section: active learning (aion learn) */
/*
 * The active-learning loop of Podryabinkin & Shapeev 2017 (doi:10.1016/
 * j.commatsci.2017.07.010; MLIP-2's learning on the fly), docs/learning.md.
 * Each iteration k = 1, 2, ...: train an MTP on the data set (warm start from
 * the potential of iteration k-1), run the exploration MD tasks with it while
 * watching the extrapolation grade (configurations with grade > gamma_select
 * are candidates; a task stops at grade > gamma_break), pick at most
 * max_select candidates by MaxVol (aion_mtp_select), label them through the
 * caller's labeller, add the labelled ones to the data set. Converged when
 * an iteration's exploration gives no candidate. With the energy check on
 * (audit > 0), each task also keeps `audit` configurations whatever their
 * grade; they are labelled with the picks, and convergence also needs every
 * one of them labelled with |E_MTP - E_label| / N <= audit_tol (the grade
 * can stay low in a wrong basin); the labels of the last iteration are then
 * a test of the final potential and are not added to the data set. Every step of every
 * iteration writes its outputs atomically and a record with the hash of its
 * inputs (OUT/iter-NNN/STEP.json): a run that is killed and started again
 * skips finished steps, continues training from its checkpoint, reruns an
 * unfinished MD task from its start (same seed: same trajectory), and keeps
 * the labels the labeller stored in its work directory.
 */

#define AION_LEARN_MAX_TEMPS 16
#define AION_LEARN_STR 512

/* One exploration MD task. Text form (aion_learn_task_parse): key=value
 * pairs separated by spaces, commas or semicolons, e.g.
 * "start=glass.xyz T=300:2000:2000:300 steps=4000" or
 * "random=Li3PO4 atoms=32 density=2.4 T=1500 steps=2000 ensemble=nvt". */
typedef struct aion_learn_task {
    char start[AION_LEARN_STR];  /* start structure file ("" = random structure) */
    int frame;                   /* which frame of it (negative: from the end; default 0) */
    char composition[128];       /* random start: formula (key random= or composition=) */
    int atoms;                   /* random start: about this many atoms (whole formula units) */
    double density_gcc;          /* random start: density */
    int npt;                     /* 0 = NVT (CSVR thermostat, default), 1 = NPT (CSVR + cell rescaling) */
    double press_GPa;            /* NPT pressure (default 1e-4) */
    double temps_K[AION_LEARN_MAX_TEMPS]; /* schedule: piecewise linear through these temperatures,
                                             equal time per piece (key T=300:2000:300); one = constant */
    int n_temps;
    long steps;                  /* MD steps (default 1000) */
    double dt_fs;                /* time step (default 1) */
    double tau_t_fs;             /* thermostat time constant (default 100) */
    long grade_every;            /* steps between grades (key every=; default 10) */
    uint64_t seed;               /* the task's seed; iteration k uses a seed derived from it and k */
} aion_learn_task;

void aion_learn_task_init(aion_learn_task *t);
/* Parse the text form onto t (keys start, frame, random|composition, atoms,
 * density, ensemble=nvt|npt, press (GPa), T, steps, dt, tau, every, seed).
 * Unknown keys and bad values are errors; checks the result. */
aion_status aion_learn_task_parse(aion_learn_task *t, const char *spec, aion_error *err);
/* Canonical text form (every key; parses back to the same task). */
void aion_learn_task_format(const aion_learn_task *t, char *buf, size_t cap);
/* The temperature schedule as segments (n_temps - 1 ramps of equal length,
 * or one constant segment) at the task's pressure; returns the count
 * (at most AION_LEARN_MAX_TEMPS). */
int aion_learn_task_segments(const aion_learn_task *t, aion_segment *segs);

/* Labeller: compute energy, forces and (if it can) stress of frames[0..n-1]
 * in place; ok[k] = 1 for each frame labelled, 0 for each that failed (the
 * loop reports and skips those). workdir is a directory of this iteration
 * that survives restarts (for stored labels). Return AION_OK, AION_EOF when
 * stopped by the user (the loop stops; run again to continue) or an error
 * (fatal). */
typedef aion_status (*aion_learn_label_fn)(void *user, const char *workdir, aion_frame *frames, int n, int *ok,
                                           aion_error *err);
/* The labeller that uses a potential as the oracle (user = aion_potential *):
 * energy, forces and stress (-virial/V, for cells) from aion_potential_compute.
 * For tests, demonstrations and benchmarks of the loop itself. */
aion_status aion_learn_label_potential(void *potential, const char *workdir, aion_frame *frames, int n, int *ok,
                                       aion_error *err);

typedef enum aion_learn_event_kind {
    AION_LEARN_STEP_START = 0, /* message: fresh / continuing / inputs changed */
    AION_LEARN_STEP_SKIP,      /* finished in an earlier run with the same inputs */
    AION_LEARN_STEP_DONE,      /* message: a one-line summary */
    AION_LEARN_PROGRESS,       /* training iteration or MD step done/total; value = loss or grade */
    AION_LEARN_NOTE            /* a remark for the user */
} aion_learn_event_kind;

typedef struct aion_learn_event {
    aion_learn_event_kind kind;
    int iter;                  /* 1, 2, ... */
    const char *step;          /* "train", "md-01", "select", "label", "learn" */
    long done, total;
    double value;
    double seconds;
    const char *message;       /* may be NULL */
} aion_learn_event;

typedef struct aion_learn_opts {
    /* data */
    const char *const *seed_files;    /* labelled structures (any readable format; all frames) */
    int n_seed_files;
    const char *valid_file;           /* fixed validation set (NULL = none) */
    const int *species_z;             /* species 0, 1, ... of the MTP */
    int n_species;
    /* training (aion_train_opts) */
    const char *init_mtp;             /* first iteration starts from this .mtp (NULL = new level/cutoff) */
    int level;                        /* default 8 */
    double cutoff;                    /* Å, default 5 */
    double min_dist;                  /* 0 = from the data */
    int radial_size;                  /* default 8 */
    double w_energy, w_force, w_stress; /* default 1, 0.01, 0.001 (stress 0 allowed) */
    int train_max_iter;               /* L-BFGS iterations per training (default 500) */
    double train_tol;                 /* default 1e-3 */
    uint64_t seed;                    /* first training's random radial coefficients */
    int zbl_mode;                     /* ZBL pair baseline under the MTP, as aion_train_opts.zbl_mode, for the
                                         first training: 0 = as init_mtp has it (none without init_mtp),
                                         1 = a new baseline switched off between zbl_inner and zbl_outer
                                         (Å, 0 < inner < outer), -1 = none (drops init_mtp's). Later
                                         iterations start from the previous potential and keep its baseline */
    double zbl_inner, zbl_outer;
    const char *qeq_params;           /* charge equilibration added by the first training (a parameter table,
                                         docs/qeq.md; "none" drops init_mtp's; NULL: as init_mtp has it);
                                         later iterations keep it */
    /* exploration and selection */
    const aion_learn_task *tasks;
    int n_tasks;
    double gamma_select;              /* candidates: grade above this (default 2) */
    double gamma_break;               /* a task stops above this (default 10) */
    int max_select;                   /* configurations labelled per iteration at most (default 20) */
    int max_iter;                     /* iterations at most (default 10) */
    int audit;                        /* energy check: configurations per task labelled whatever their grade,
                                         at steps j*steps/audit, j = 1..audit (0 = none, the default) */
    double audit_tol;                 /* meV/atom: an audited configuration whose |E_MTP - E_label| / N is
                                         above this keeps the loop going (default 30) */
    double contact_select;            /* close contacts (0 = off, the default; e.g. 0.95): a configuration
                                         in which some pair of species a, b is closer than contact_select x
                                         the closest a-b pair of the data set the iteration trained on
                                         (x the cutoff where the data have no a-b pair within it) is
                                         labelled whatever its grade, and its task stops there: the
                                         potential is outside its data, which the grade can miss */
    int nthreads;                     /* 0 = OpenMP default */
    /* labelling */
    aion_learn_label_fn label;
    void *label_user;
    const char *label_id;             /* names the labeller and its settings (hashed: another
                                         labeller relabels) */
    /* progress; return nonzero to stop (training writes its checkpoint; the
     * run returns AION_EOF) */
    int (*progress)(void *user, const aion_learn_event *ev);
    void *user;
} aion_learn_opts;

void aion_learn_opts_init(aion_learn_opts *o);

typedef struct aion_learn_summary {
    int iterations;                   /* iterations run or reused */
    int converged;                    /* 1: the last exploration gave no candidate */
    int dataset_size;                 /* configurations in OUT/dataset.xyz */
    int labelled, failed;             /* over all iterations */
    int audited;                      /* audit configurations labelled in the last iteration */
    double audit_max_meV_atom;        /* their largest |E_MTP - E_label| / N (NAN: no audit) */
    double seconds;                   /* this session */
} aion_learn_summary;

/* Run (or continue) the loop in out_dir (created): OUT/learn.json (one record
 * per iteration), OUT/dataset.xyz, OUT/iter-NNN/ (pot.mtp, pot.als, the
 * step records train.json, md-TT.json, select.json, label.json,
 * md-TT/{thermo.csv, grade.csv, candidates.xyz}, selected.xyz, labelled.xyz,
 * label/ = the labeller's work directory), OUT/final.mtp and final.als.
 * Returns AION_EOF when stopped through the callback or the labeller. */
aion_status aion_learn_run(const aion_learn_opts *o, const char *out_dir, aion_learn_summary *sum, aion_error *err);



/* ===================================================================== */
/* Units (edges only)                                                    */
/* ===================================================================== */

#define AION_EV_A3_TO_GPA 160.21766208      /* 1 eV/Å³ in GPa */
#define AION_KB_EV 8.617333262e-5           /* Boltzmann constant, eV/K */
#define AION_COULOMB_EV_A 14.399645478425668 /* e²/(4πε0) in eV·Å */
#define AION_AMU_A2_FS2_TO_EV 103.64269652  /* 1 amu·Å²/fs² in eV (CODATA 2018) */
#define AION_AVOGADRO 6.02214076e23

#ifdef __cplusplus
}
#endif
#endif /* AION_H */
