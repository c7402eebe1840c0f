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

/* ===================================================================== */
/* Section: I/O extras (extxyz, convert, info) */
/* (declarations of this module go here) */



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
/* (declarations of this module go here) */



/* ===================================================================== */
/* Section: classical potentials (pair, DSF, Pedone) */
/* (declarations of this module go here) */



/* ===================================================================== */
/* Section: Ewald summation */
/* (declarations of this module go here) */



/* ===================================================================== */
/* Section: Moment Tensor Potentials */
/* (declarations of this module go here) */



/* ===================================================================== */
/* Section: transport and structure analysis */
/* (declarations of this module go here) */



/* ===================================================================== */
/* Section: potential-energy-landscape screening */
/* (declarations of this module go here) */



/* ===================================================================== */
/* Section: molecular dynamics */
/* (declarations of this module go here) */



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
