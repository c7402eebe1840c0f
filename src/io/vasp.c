/*
 * VASP files: POSCAR/CONTCAR (read, write), XDATCAR (read, write; fixed and
 * variable cell) and OUTCAR (read: every ionic step).
 *
 * Layouts follow the VASP wiki pages POSCAR, XDATCAR and OUTCAR
 * (https://www.vasp.at/wiki). Points worth knowing:
 *  - POSCAR line 2 holds one scaling factor s (s > 0 scales the lattice and
 *    Cartesian positions, s < 0 is the target volume |s| in Å³) or three
 *    positive factors that scale the x, y, z components.
 *  - VASP 5 files name the species on line 6; VASP 4 files do not (the
 *    elements then come from aion_read_opts.type_z).
 *  - Selective dynamics flags: T = free, F = fixed (aion_frame.fixed = 1).
 *  - A velocity block may follow the positions: a mode line (blank, C or K =
 *    Cartesian Å/fs; D = direct, fractional per fs) and one line per atom.
 *  - OUTCAR stress ("in kB" line, order XX YY ZZ XY YZ ZX) is printed with the
 *    sign of a pressure (positive = compressed); we store
 *    sigma = -kB * 0.1 GPa / (160.21766208 GPa per eV/Å³), the ASE sign.
 *  - OUTCAR energy: "free  energy   TOTEN" (the force-consistent free energy)
 *    is aion_frame.energy; "energy  without entropy" and "energy(sigma->0)"
 *    go to info (energy_without_entropy, energy_sigma0).
 */
#include "io.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ================================================================ helpers */

typedef struct vasp_header {
    char *comment;
    double cell[3][3];   /* scaled lattice (Å), rows = vectors */
    double scale[3];     /* factors applied to Cartesian positions */
    int nsp;             /* species entries on the counts line */
    int *spz;            /* Z of each entry */
    long *cnt;           /* atoms of each entry */
    long natoms;
} vasp_header;

typedef struct vasp_state {
    char **tok;
    int tokcap;
    vasp_header h;
    int done;            /* POSCAR: the structure has been read */
    int need_config;     /* XDATCAR: a header was read, its configuration line comes next */
    long nconfig;        /* XDATCAR: configurations read */
} vasp_state;

static void header_free(vasp_header *h)
{
    free(h->comment);
    free(h->spz);
    free(h->cnt);
    memset(h, 0, sizeof *h);
}

static char *trim(char *s)
{
    size_t n;
    while (*s && isspace((unsigned char)*s)) s++;
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

static const char *skip_space(const char *s)
{
    while (*s && isspace((unsigned char)*s)) s++;
    return s;
}

/* Split the line in place into s->tok; returns the count or -1 (no memory). */
static int split(vasp_state *s, char *line)
{
    size_t len = strlen(line);
    size_t need = len / 2 + 2;
    if (need > (size_t)s->tokcap) {
        char **t;
        if (need > (size_t)(1 << 30)) return -1;
        t = aion_realloc_array(s->tok, need, sizeof *t);
        if (!t) return -1;
        s->tok = t;
        s->tokcap = (int)need;
    }
    return aion_io_split(line, s->tok, s->tokcap - 1);
}

/* Next line; at end of file fail with "expected WHAT". */
static aion_status need_line(aion_reader *r, const char *what)
{
    long len = aion_io_getline(r);
    if (len == -2) return r->err.code;
    if (len == -1) return aion_io_fail(r, AION_ERR_PARSE, "unexpected end of file: expected %s", what);
    return AION_OK;
}

static aion_status parse_reals(aion_reader *r, char **tok, int ntok, int need, double *v, const char *what)
{
    if (ntok < need)
        return aion_io_fail(r, AION_ERR_PARSE, "expected %d numbers (%s), found %d field%s", need, what, ntok,
                            ntok == 1 ? "" : "s");
    for (int k = 0; k < need; k++)
        if (aion_parse_double(tok[k], &v[k]))
            return aion_io_fail(r, AION_ERR_PARSE, "%s: '%.40s' is not a finite number", what, tok[k]);
    return AION_OK;
}

/* Element of a species label as VASP and POTCAR names write it: "Li",
 * "Li_sv", "Fe_pv/8b5e...", "H1.25": the leading letters. 0 if unknown. */
static int species_z(const char *label)
{
    char buf[4];
    int n = 0;
    while (label[n] && isalpha((unsigned char)label[n])) {
        if (n == 3) return 0;
        buf[n] = label[n];
        n++;
    }
    buf[n] = '\0';
    return n ? aion_element_z(buf) : 0;
}

static int is_comment_token(const char *t) { return t[0] == '!' || t[0] == '#'; }

/* 0 = free (T), 1 = fixed (F), -1 = neither. */
static int sd_flag(const char *t)
{
    if (!strcasecmp(t, "T") || !strcasecmp(t, ".T.") || !strcasecmp(t, ".TRUE.")) return 0;
    if (!strcasecmp(t, "F") || !strcasecmp(t, ".F.") || !strcasecmp(t, ".FALSE.")) return 1;
    return -1;
}

/*
 * Header shared by POSCAR and XDATCAR: comment, scaling, lattice, species
 * (VASP 5) and counts. With have_comment the comment line was consumed by
 * the caller (blank). AION_EOF if the file ends before the comment line.
 */
static aion_status read_header(aion_reader *r, vasp_state *s, int have_comment)
{
    vasp_header *h = &s->h;
    double raw[3][3], v[3];
    int n, nv = 0, nsp = 0, nlab = 0, vasp5;
    int *labz = NULL;
    long total = 0;
    aion_status st;

    header_free(h);
    if (have_comment) {
        h->comment = aion_strdup("");
    } else {
        long len = aion_io_getline(r);
        if (len == -2) return r->err.code;
        if (len == -1) return AION_EOF;
        h->comment = aion_strdup(trim(r->line));
    }
    if (!h->comment) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");

    /* scaling factor(s) */
    if ((st = need_line(r, "the scaling factor (line 2)"))) return st;
    if ((n = split(s, r->line)) < 0) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    if (n == 0) return aion_io_fail(r, AION_ERR_PARSE, "expected the scaling factor, found an empty line");
    while (nv < n && nv < 3 && !aion_parse_double(s->tok[nv], &v[nv])) nv++;
    if (nv == 0) return aion_io_fail(r, AION_ERR_PARSE, "scaling factor: '%.40s' is not a finite number", s->tok[0]);
    if (nv == 2) return aion_io_fail(r, AION_ERR_PARSE, "the scaling line has 2 numbers; VASP wants 1 or 3");
    if (nv == 1) v[1] = v[2] = v[0];
    if (nv == 3 && !(v[0] > 0 && v[1] > 0 && v[2] > 0))
        return aion_io_fail(r, AION_ERR_PARSE, "three scaling factors must all be positive");
    if (v[0] == 0.0) return aion_io_fail(r, AION_ERR_PARSE, "the scaling factor is zero");

    /* lattice */
    for (int i = 0; i < 3; i++) {
        static const char *what[3] = {"lattice vector a", "lattice vector b", "lattice vector c"};
        if ((st = need_line(r, what[i]))) return st;
        if ((n = split(s, r->line)) < 0) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        if ((st = parse_reals(r, s->tok, n, 3, raw[i], what[i]))) return st;
    }
    {
        double det = aion_det3(raw), f[3];
        double big = 0;
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++) big = fmax(big, fabs(raw[i][k]));
        if (!(fabs(det) > 1e-12 * big * big * big) || !isfinite(det))
            return aion_io_fail(r, AION_ERR_PARSE, "the lattice vectors are linearly dependent (zero volume)");
        if (nv == 1 && v[0] < 0) {
            double sc = cbrt(-v[0] / fabs(det));
            f[0] = f[1] = f[2] = sc;
        } else {
            f[0] = v[0], f[1] = v[1], f[2] = v[2];
        }
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++) h->cell[i][k] = raw[i][k] * f[k];
        memcpy(h->scale, f, sizeof f);
        big = 0;
        for (int i = 0; i < 3; i++)
            for (int k = 0; k < 3; k++) big = fmax(big, fabs(h->cell[i][k]));
        det = aion_det3(h->cell);
        if (!(fabs(det) > 1e-12 * big * big * big) || !isfinite(det) || !isfinite(big))
            return aion_io_fail(r, AION_ERR_PARSE, "the scaled lattice is degenerate (zero volume)");
    }

    /* species (VASP 5) and counts */
    if ((st = need_line(r, "the species or atom-count line"))) return st;
    if ((n = split(s, r->line)) < 0) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    if (n == 0) return aion_io_fail(r, AION_ERR_PARSE, "expected species names or atom counts, found an empty line");
    {
        long dummy;
        vasp5 = aion_parse_long(s->tok[0], &dummy) != 0;
    }
    if (vasp5) {
        while (nlab < n && !is_comment_token(s->tok[nlab])) nlab++;
        if (nlab == 0) return aion_io_fail(r, AION_ERR_PARSE, "expected species names or atom counts, found a comment");
        labz = malloc((size_t)nlab * sizeof *labz);
        if (!labz) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        for (int k = 0; k < nlab; k++) {
            labz[k] = species_z(s->tok[k]);
            if (!labz[k]) {
                st = aion_io_fail(r, AION_ERR_PARSE, "unknown element '%.20s' in the species line", s->tok[k]);
                goto fail;
            }
        }
        if ((st = need_line(r, "the atom-count line"))) goto fail;
        if ((n = split(s, r->line)) < 0) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    while (nsp < n && !is_comment_token(s->tok[nsp])) nsp++;
    if (nsp == 0) {
        st = aion_io_fail(r, AION_ERR_PARSE, "expected atom counts, found an empty line");
        goto fail;
    }
    h->cnt = malloc((size_t)nsp * sizeof *h->cnt);
    h->spz = malloc((size_t)nsp * sizeof *h->spz);
    if (!h->cnt || !h->spz) {
        st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (int k = 0; k < nsp; k++) {
        long c;
        if (aion_parse_long(s->tok[k], &c)) {
            st = aion_io_fail(r, AION_ERR_PARSE, "atom count '%.40s' is not an integer", s->tok[k]);
            goto fail;
        }
        if (c < 0 || c > AION_IO_MAX_ATOMS || total + c > AION_IO_MAX_ATOMS) {
            st = aion_io_fail(r, AION_ERR_PARSE, "implausible atom count %ld (limit %ld atoms)", c, AION_IO_MAX_ATOMS);
            goto fail;
        }
        h->cnt[k] = c;
        total += c;
    }
    if (total == 0) {
        st = aion_io_fail(r, AION_ERR_PARSE, "the atom counts add up to zero");
        goto fail;
    }
    if (vasp5) {
        if (nlab != nsp) {
            st = aion_io_fail(r, AION_ERR_PARSE, "%d species names on the line before but %d atom counts here", nlab, nsp);
            goto fail;
        }
        memcpy(h->spz, labz, (size_t)nsp * sizeof *labz);
    } else {
        /* VASP 4: no species line */
        if (!r->opts.type_z || r->opts.n_type_z < nsp) {
            st = aion_io_fail(r, AION_ERR_INVALID,
                              "VASP 4 file without a species line: %d species, but %d element%s given "
                              "(give the elements in POTCAR order, e.g. --type-map Li,P,O)",
                              nsp, r->opts.type_z ? r->opts.n_type_z : 0, r->opts.n_type_z == 1 ? "" : "s");
            goto fail;
        }
        for (int k = 0; k < nsp; k++) {
            int z = r->opts.type_z[k];
            if (z < 1 || z > AION_MAX_Z) {
                st = aion_io_fail(r, AION_ERR_INVALID, "type map entry %d is not an element (Z = %d)", k, z);
                goto fail;
            }
            h->spz[k] = z;
        }
    }
    h->nsp = nsp;
    h->natoms = total;
    if (total > INT32_MAX) {
        st = aion_io_fail(r, AION_ERR_PARSE, "too many atoms (%ld)", total);
        goto fail;
    }
    free(labz);
    return AION_OK;
fail:
    free(labz);
    return st;
}

/*
 * Arrays grow with the atom lines actually read (room_for), so an absurd
 * count in a short file allocates little.
 */
static aion_status room_for(aion_reader *r, aion_frame *f, long i, long total)
{
    long n;
    if (i < f->n) return AION_OK;
    n = AION_MAX(2L * f->n, 1024L);
    if (n < i + 1) n = i + 1;
    if (n > total) n = total;
    if (aion_frame_resize(f, (int)n, 0)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    return AION_OK;
}

/* Start a frame for the header's atoms: cell, pbc, comment (z: fill_z). */
static aion_status frame_from_header(aion_reader *r, const vasp_header *h, aion_frame *f, unsigned has)
{
    long n0 = AION_MIN(h->natoms, AION_MAX(1024L, (long)f->n));
    aion_frame_clear(f);
    if (aion_frame_resize(f, (int)n0, AION_HAS_CELL | has)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    memcpy(f->cell, h->cell, sizeof f->cell);
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    if (h->comment && h->comment[0] && aion_frame_info_set(f, "comment", h->comment))
        return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    return AION_OK;
}

static void fill_z(const vasp_header *h, aion_frame *f)
{
    long i = 0;
    for (int k = 0; k < h->nsp; k++)
        for (long c = 0; c < h->cnt[k]; c++) f->z[i++] = h->spz[k];
}

static void frac_to_cart(const double cell[3][3], const double s[3], double r[3])
{
    for (int k = 0; k < 3; k++) r[k] = s[0] * cell[0][k] + s[1] * cell[1][k] + s[2] * cell[2][k];
}

static int is_cartesian_mode(const char *p) { return *p == 'C' || *p == 'c' || *p == 'K' || *p == 'k'; }

static aion_status state_open(aion_reader *r)
{
    r->state = calloc(1, sizeof(vasp_state));
    return r->state ? AION_OK : aion_io_fail_noline(r, AION_ERR_NOMEM, "out of memory");
}

static void state_close(aion_reader *r)
{
    vasp_state *s = r->state;
    if (!s) return;
    header_free(&s->h);
    free(s->tok);
    free(s);
    r->state = NULL;
}

/* ================================================================ POSCAR */

/* Optional block after the positions: lattice velocities, then velocities. */
static aion_status poscar_velocities(aion_reader *r, vasp_state *s, aion_frame *f)
{
    long len = aion_io_getline(r);
    char *p;
    int cart, explicit_mode, n;
    aion_status st;
    if (len == -2) return r->err.code;
    if (len == -1) return AION_OK;
    p = trim(r->line);
    if (*p == 'L' || *p == 'l') {
        /* "Lattice velocities and vectors": init flag, 3 velocities, 3 vectors */
        for (int k = 0; k < 7; k++)
            if ((st = need_line(r, "the lattice velocities block (7 lines)"))) return st;
        len = aion_io_getline(r);
        if (len == -2) return r->err.code;
        if (len == -1) return AION_OK;
        p = trim(r->line);
    }
    explicit_mode = *p != '\0';
    if (!explicit_mode || is_cartesian_mode(p)) {
        cart = 1;
    } else if (*p == 'D' || *p == 'd') {
        cart = 0;
    } else {
        aion_io_note(r, "line %ld: text after the positions ignored", r->lineno);
        return AION_OK;
    }
    for (long i = 0; i < f->n; i++) {
        double v[3];
        len = aion_io_getline(r);
        if (len == -2) return r->err.code;
        if (i == 0 && !explicit_mode) {
            /* a blank line after the positions: velocities only if numbers follow */
            double x;
            if (len == -1 || *trim(r->line) == '\0') return AION_OK;
            if ((n = split(s, r->line)) < 0) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            if (n < 3 || aion_parse_double(s->tok[0], &x)) {
                aion_io_note(r, "line %ld: text after the positions ignored", r->lineno);
                return AION_OK;
            }
        } else {
            if (len == -1)
                return aion_io_fail(r, AION_ERR_PARSE, "unexpected end of file: %ld of %d velocities read", i, f->n);
            if ((n = split(s, r->line)) < 0) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        }
        if ((st = parse_reals(r, s->tok, n, 3, v, "velocity"))) return st;
        if (i == 0 && aion_frame_resize(f, f->n, AION_HAS_VEL)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        if (cart)
            memcpy(f->vel[i], v, sizeof v);
        else
            frac_to_cart(f->cell, v, f->vel[i]);
    }
    return AION_OK; /* predictor-corrector data may follow; not needed */
}

static aion_status poscar_next(aion_reader *r, aion_frame *f)
{
    vasp_state *s = r->state;
    vasp_header *h = &s->h;
    aion_status st;
    int sel = 0, cart, n;
    char *p;
    if (s->done) return AION_EOF;
    s->done = 1;
    st = read_header(r, s, 0);
    if (st == AION_EOF) return aion_io_fail_noline(r, AION_ERR_PARSE, "empty file: no POSCAR structure");
    if (st) return st;
    if ((st = need_line(r, "'Selective dynamics', 'Direct' or 'Cartesian'"))) return st;
    p = trim(r->line);
    if (*p == 'S' || *p == 's') {
        sel = 1;
        if ((st = need_line(r, "'Direct' or 'Cartesian'"))) return st;
        p = trim(r->line);
    }
    cart = is_cartesian_mode(p);
    if ((st = frame_from_header(r, h, f, sel ? AION_HAS_FIXED : 0))) return st;
    for (long i = 0; i < h->natoms; i++) {
        double v[3];
        long len = aion_io_getline(r);
        if (len == -2) return r->err.code;
        if (len == -1)
            return aion_io_fail(r, AION_ERR_PARSE, "unexpected end of file: %ld of %ld atom positions read", i, h->natoms);
        if ((st = room_for(r, f, i, h->natoms))) return st;
        if ((n = split(s, r->line)) < 0) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        if ((st = parse_reals(r, s->tok, n, 3, v, "atom position"))) return st;
        if (sel) {
            if (n < 6)
                return aion_io_fail(r, AION_ERR_PARSE, "selective dynamics: expected 3 T/F flags after the position");
            for (int k = 0; k < 3; k++) {
                int fl = sd_flag(s->tok[3 + k]);
                if (fl < 0)
                    return aion_io_fail(r, AION_ERR_PARSE, "selective dynamics flag '%.20s' is not T or F", s->tok[3 + k]);
                f->fixed[i][k] = (unsigned char)fl;
            }
        }
        if (cart)
            for (int k = 0; k < 3; k++) f->pos[i][k] = v[k] * h->scale[k];
        else
            frac_to_cart(h->cell, v, f->pos[i]);
    }
    fill_z(h, f);
    return poscar_velocities(r, s, f);
}

/* Species grouped in order of first appearance; perm lists atom indices in
 * the order they are written (VASP needs atoms grouped by species). */
typedef struct vasp_order {
    int nsp;
    int z[AION_MAX_Z + 1];
    long cnt[AION_MAX_Z + 1];
    int *perm;
    int n;
} vasp_order;

static aion_status make_order(aion_writer *w, const aion_frame *f, vasp_order *o)
{
    int slot[AION_MAX_Z + 1];
    long *start;
    memset(o, 0, sizeof *o);
    for (int z = 0; z <= AION_MAX_Z; z++) slot[z] = -1;
    if (f->n < 1) return aion_io_wfail(w, AION_ERR_INVALID, "a VASP file needs at least one atom");
    for (int i = 0; i < f->n; i++) {
        int z = f->z[i];
        if (z < 1 || z > AION_MAX_Z)
            return aion_io_wfail(w, AION_ERR_INVALID,
                                 "atom %d has no element (Z = %d): VASP files need element names (give a type map)",
                                 i + 1, z);
        if (slot[z] < 0) {
            slot[z] = o->nsp;
            o->z[o->nsp++] = z;
        }
        o->cnt[slot[z]]++;
    }
    o->perm = malloc((size_t)f->n * sizeof *o->perm);
    start = calloc((size_t)o->nsp, sizeof *start);
    if (!o->perm || !start) {
        free(o->perm);
        free(start);
        o->perm = NULL;
        return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
    }
    for (int k = 1; k < o->nsp; k++) start[k] = start[k - 1] + o->cnt[k - 1];
    for (int i = 0; i < f->n; i++) o->perm[start[slot[f->z[i]]]++] = i;
    free(start);
    o->n = f->n;
    return AION_OK;
}

static int wprec(const aion_writer *w)
{
    int p = w->opts.precision > 0 ? w->opts.precision : 10;
    return p > 20 ? 20 : p;
}

/* Three reals: fixed point with p decimals, or (p >= 16, for exact round
 * trips of any magnitude) scientific with p significant digits. */
static void put3(FILE *fp, int p, int width, const double x[3])
{
    if (p >= 16)
        fprintf(fp, " %*.*e %*.*e %*.*e", p + 7, p - 1, x[0], p + 7, p - 1, x[1], p + 7, p - 1, x[2]);
    else
        fprintf(fp, " %*.*f %*.*f %*.*f", p + width, p, x[0], p + width, p, x[1], p + width, p, x[2]);
}

static void write_comment(FILE *fp, const aion_frame *f, const vasp_order *o)
{
    const char *c = aion_frame_info_get(f, "comment");
    if (c && *c) {
        for (; *c; c++) fputc(*c == '\n' || *c == '\r' ? ' ' : *c, fp);
    } else {
        for (int k = 0; k < o->nsp; k++) fprintf(fp, "%s%s%ld", k ? " " : "", aion_element_symbol(o->z[k]), o->cnt[k]);
    }
    fputc('\n', fp);
}

static void write_header(aion_writer *w, const aion_frame *f, const vasp_order *o)
{
    int p = wprec(w);
    write_comment(w->fp, f, o);
    fprintf(w->fp, "   1.0\n");
    for (int i = 0; i < 3; i++) {
        put3(w->fp, p, 8, f->cell[i]);
        fputc('\n', w->fp);
    }
    for (int k = 0; k < o->nsp; k++) fprintf(w->fp, " %5s", aion_element_symbol(o->z[k]));
    fputc('\n', w->fp);
    for (int k = 0; k < o->nsp; k++) fprintf(w->fp, " %5ld", o->cnt[k]);
    fputc('\n', w->fp);
}

static aion_status check_cell(aion_writer *w, const aion_frame *f, double inv[3][3])
{
    if (!(f->has & AION_HAS_CELL))
        return aion_io_wfail(w, AION_ERR_INVALID, "VASP files need a periodic cell; the frame has none");
    if (aion_cell_inverse(f->cell, inv))
        return aion_io_wfail(w, AION_ERR_INVALID, "the frame's cell is singular");
    return AION_OK;
}

static void cart_to_frac(const double inv[3][3], const double r[3], double s[3])
{
    for (int k = 0; k < 3; k++) s[k] = r[0] * inv[0][k] + r[1] * inv[1][k] + r[2] * inv[2][k];
}

static aion_status poscar_write(aion_writer *w, const aion_frame *f)
{
    vasp_order o;
    double inv[3][3];
    int p = wprec(w), direct = w->opts.coords != AION_COORDS_CARTESIAN;
    aion_status st;
    if (w->frames_written > 0)
        return aion_io_wfail(w, AION_ERR_UNSUPPORTED,
                             "a POSCAR holds one structure; write trajectories as XDATCAR or extended XYZ");
    if ((st = check_cell(w, f, inv))) return st;
    if ((st = make_order(w, f, &o))) return st;
    write_header(w, f, &o);
    if ((f->has & AION_HAS_FIXED) && f->fixed) fprintf(w->fp, "Selective dynamics\n");
    fprintf(w->fp, "%s\n", direct ? "Direct" : "Cartesian");
    for (int k = 0; k < f->n; k++) {
        int i = o.perm[k];
        double x[3];
        if (direct)
            cart_to_frac(inv, f->pos[i], x);
        else
            memcpy(x, f->pos[i], sizeof x);
        put3(w->fp, p, 6, x);
        if ((f->has & AION_HAS_FIXED) && f->fixed)
            fprintf(w->fp, "   %c   %c   %c", f->fixed[i][0] ? 'F' : 'T', f->fixed[i][1] ? 'F' : 'T',
                    f->fixed[i][2] ? 'F' : 'T');
        fputc('\n', w->fp);
    }
    if ((f->has & AION_HAS_VEL) && f->vel) {
        fputc('\n', w->fp); /* blank mode line = Cartesian, Å/fs (as VASP writes CONTCAR) */
        for (int k = 0; k < f->n; k++) {
            int i = o.perm[k];
            fprintf(w->fp, " %*.*e %*.*e %*.*e\n", p + 8, p - 1, f->vel[i][0], p + 8, p - 1, f->vel[i][1], p + 8, p - 1,
                    f->vel[i][2]);
        }
    }
    free(o.perm);
    return AION_OK;
}

const aion_io_backend aion_io_poscar = {
    AION_FMT_POSCAR, "poscar", state_open, poscar_next, state_close, NULL, poscar_write, NULL,
};

/* ================================================================ XDATCAR */

static int is_config_line(const char *line)
{
    const char *p = skip_space(line);
    return !strncasecmp(p, "Direct configuration", 20) || !strncasecmp(p, "Cartesian configuration", 23);
}

static aion_status xdatcar_open(aion_reader *r)
{
    vasp_state *s;
    aion_status st = state_open(r);
    if (st) return st;
    s = r->state;
    {
        /* VASP 4 wrote a different header: "NIONS NIONS NBLOCK" on line 1 */
        long len = aion_io_getline(r), dummy;
        int n, nint = 0;
        if (len == -2) return r->err.code;
        if (len >= 0) {
            char *copy = aion_strdup(r->line);
            if (!copy) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            n = split(s, copy);
            while (nint < n && !aion_parse_long(s->tok[nint], &dummy)) nint++;
            free(copy);
            if (n >= 3 && nint == n)
                return aion_io_fail(r, AION_ERR_UNSUPPORTED,
                                    "this looks like a VASP 4 XDATCAR (atom counts on line 1); only the VASP 5 layout is read");
            aion_io_unread(r);
        }
    }
    st = read_header(r, s, 0);
    if (st == AION_EOF) return aion_io_fail_noline(r, AION_ERR_PARSE, "empty file: no XDATCAR header");
    if (st) return st;
    s->need_config = 1;
    return AION_OK;
}

static aion_status xdatcar_next(aion_reader *r, aion_frame *f)
{
    vasp_state *s = r->state;
    vasp_header *h = &s->h;
    aion_status st;
    long len, step;
    int cart, n;
    const char *eq;
    if (!s->need_config) {
        len = aion_io_getline(r);
        if (len == -2) return r->err.code;
        if (len == -1) return AION_EOF;
        if (*trim(r->line) == '\0') {
            /* a stray blank line, or the blank comment line of a new header */
            len = aion_io_getline(r);
            if (len == -2) return r->err.code;
            if (len == -1) return AION_EOF;
            if (is_config_line(r->line)) {
                aion_io_unread(r);
            } else {
                aion_io_unread(r);
                if ((st = read_header(r, s, 1))) return st;
            }
        } else if (is_config_line(r->line)) {
            aion_io_unread(r);
        } else {
            /* variable cell: the header is repeated before each configuration */
            aion_io_unread(r);
            if ((st = read_header(r, s, 0))) return st == AION_EOF ? AION_ERR_INTERNAL : st;
        }
    }
    s->need_config = 0;
    if ((st = need_line(r, "'Direct configuration= N'"))) return st;
    if (!is_config_line(r->line))
        return aion_io_fail(r, AION_ERR_PARSE, "expected 'Direct configuration= N', found '%.40s'", trim(r->line));
    cart = is_cartesian_mode(skip_space(r->line));
    step = s->nconfig + 1;
    eq = strchr(r->line, '=');
    if (eq) {
        char *t = trim((char *)eq + 1);
        if (*t && aion_parse_long(t, &step))
            return aion_io_fail(r, AION_ERR_PARSE, "configuration number '%.40s' is not an integer", t);
    }
    if ((st = frame_from_header(r, h, f, AION_HAS_STEP))) return st;
    f->step = step;
    for (long i = 0; i < h->natoms; i++) {
        double v[3];
        len = aion_io_getline(r);
        if (len == -2) return r->err.code;
        if (len == -1)
            return aion_io_fail(r, AION_ERR_PARSE, "unexpected end of file: %ld of %ld positions of configuration %ld read",
                                i, h->natoms, step);
        if ((st = room_for(r, f, i, h->natoms))) return st;
        if ((n = split(s, r->line)) < 0) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        if ((st = parse_reals(r, s->tok, n, 3, v, "atom position"))) return st;
        if (cart)
            for (int k = 0; k < 3; k++) f->pos[i][k] = v[k] * h->scale[k];
        else
            frac_to_cart(h->cell, v, f->pos[i]);
    }
    fill_z(h, f);
    s->nconfig++;
    return AION_OK;
}

typedef struct xdat_wstate {
    vasp_order o;
    double cell[3][3];   /* cell of the last header written */
    int variable;        /* header before every configuration */
} xdat_wstate;

static aion_status xdatcar_wopen(aion_writer *w)
{
    w->state = calloc(1, sizeof(xdat_wstate));
    return w->state ? AION_OK : aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
}

static aion_status xdatcar_write(aion_writer *w, const aion_frame *f)
{
    xdat_wstate *s = w->state;
    double inv[3][3];
    int p = wprec(w);
    long step;
    aion_status st;
    if ((st = check_cell(w, f, inv))) return st;
    if (w->frames_written == 0 || !s->o.perm) {
        if ((st = make_order(w, f, &s->o))) return st;
        memcpy(s->cell, f->cell, sizeof s->cell);
        write_header(w, f, &s->o);
    } else {
        if (f->n != s->o.n)
            return aion_io_wfail(w, AION_ERR_INVALID, "XDATCAR frames must have the same atoms: frame %ld has %d, the first %d",
                                 w->frames_written + 1, f->n, s->o.n);
        for (int k = 0, q = 0; k < s->o.nsp; k++)
            for (long c = 0; c < s->o.cnt[k]; c++, q++)
                if (f->z[s->o.perm[q]] != s->o.z[k])
                    return aion_io_wfail(w, AION_ERR_INVALID,
                                         "XDATCAR frames must have the same atoms in the same order (frame %ld, atom %d)",
                                         w->frames_written + 1, s->o.perm[q] + 1);
        if (memcmp(s->cell, f->cell, sizeof s->cell) != 0) s->variable = 1;
        if (s->variable) {
            memcpy(s->cell, f->cell, sizeof s->cell);
            write_header(w, f, &s->o);
        }
    }
    step = (f->has & AION_HAS_STEP) ? f->step : w->frames_written + 1;
    fprintf(w->fp, "Direct configuration=%6ld\n", step);
    for (int k = 0; k < f->n; k++) {
        double x[3];
        cart_to_frac(inv, f->pos[s->o.perm[k]], x);
        put3(w->fp, p, 4, x);
        fputc('\n', w->fp);
    }
    return AION_OK;
}

static aion_status xdatcar_wclose(aion_writer *w)
{
    xdat_wstate *s = w->state;
    if (s) free(s->o.perm);
    free(s);
    w->state = NULL;
    return AION_OK;
}

const aion_io_backend aion_io_xdatcar = {
    AION_FMT_XDATCAR, "xdatcar", xdatcar_open, xdatcar_next, state_close, xdatcar_wopen, xdatcar_write, xdatcar_wclose,
};

/* ================================================================ OUTCAR */

typedef struct int_list {
    int *v;
    int n, cap;
} int_list;

static int il_push(int_list *l, int x)
{
    if (l->n == l->cap) {
        int nc = l->cap ? 2 * l->cap : 8;
        int *p;
        if (nc > 100000) return -1;
        p = aion_realloc_array(l->v, (size_t)nc, sizeof *p);
        if (!p) return -1;
        l->v = p;
        l->cap = nc;
    }
    l->v[l->n++] = x;
    return 0;
}

typedef struct outcar_state {
    int_list titel, vrhfin, potcar; /* species from the three kinds of header lines */
    long *ipt;                      /* "ions per type" */
    int nipt;
    long nions;                     /* NIONS = (0 if not seen) */
    int in_header;                  /* species lines seen since the last "Iteration" */
    int *spz;                       /* Z per species, set at the first positions block */
    long natoms;
    long cap;                       /* atoms pos/frc have room for */
    double cell[3][3];
    int have_cell;
    double kb[6];
    int have_stress;
    double (*pos)[3], (*frc)[3];
    int have_pos;
    long ionic_step;                /* from "Iteration N(" (0 = not seen) */
    long nframes;
    int started;                    /* an ionic step has begun since the last frame */
} outcar_state;

static aion_status outcar_open(aion_reader *r)
{
    r->state = calloc(1, sizeof(outcar_state));
    return r->state ? AION_OK : aion_io_fail_noline(r, AION_ERR_NOMEM, "out of memory");
}

static void outcar_close(aion_reader *r)
{
    outcar_state *s = r->state;
    if (!s) return;
    free(s->titel.v);
    free(s->vrhfin.v);
    free(s->potcar.v);
    free(s->ipt);
    free(s->spz);
    free(s->pos);
    free(s->frc);
    free(s);
    r->state = NULL;
}

/*
 * Numbers of an OUTCAR line. Fortran fixed-width output can run numbers
 * together ("-0.123-45.678"): a '-' that follows a digit or '.' starts a new
 * number. Returns the count, or -1 with *bad pointing at a field that is not
 * a finite number ("*******" overflow fields, NaN).
 */
static int outcar_numbers(const char *s, double *v, int max, const char **bad)
{
    int n = 0;
    char buf[64];
    *bad = NULL;
    while (*s) {
        size_t k = 0;
        s = skip_space(s);
        if (!*s) break;
        if (n == max) return n + 1;
        {
            const char *t = s;
            while (*t && !isspace((unsigned char)*t)) {
                if (t > s && *t == '-' && (isdigit((unsigned char)t[-1]) || t[-1] == '.')) break;
                t++;
            }
            k = (size_t)(t - s);
            if (k >= sizeof buf || (memcpy(buf, s, k), buf[k] = '\0', aion_parse_double(buf, &v[n]))) {
                *bad = s;
                return -1;
            }
            s = t;
        }
        n++;
    }
    return n;
}

/* Element named after the '=' (TITEL) or ':' (POTCAR) of a header line:
 * "PAW_PBE Li_sv 10Sep2004", "US Li", "H 1/r potential". */
static int potcar_label_z(const char *p)
{
    char buf[64];
    const char *t1, *t2;
    size_t k;
    p = skip_space(p);
    t1 = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    t2 = skip_space(p);
    if ((!strncmp(t1, "PAW", 3) || !strncmp(t1, "US", 2) || !strncmp(t1, "NC", 2)) && *t2 && !strstr(t2, "1/r"))
        t1 = t2;
    for (k = 0; t1[k] && !isspace((unsigned char)t1[k]) && k < sizeof buf - 1; k++) buf[k] = t1[k];
    buf[k] = '\0';
    return species_z(buf);
}

static aion_status species_line(aion_reader *r, outcar_state *s, int_list *l, int z, const char *kind)
{
    if (!s->in_header) {
        /* a new header (e.g. concatenated OUTCARs): start the species lists over */
        s->titel.n = s->vrhfin.n = s->potcar.n = 0;
        s->in_header = 1;
    }
    if (!z) return aion_io_fail(r, AION_ERR_PARSE, "cannot tell the element from this %s line", kind);
    if (il_push(l, z)) return aion_io_fail(r, AION_ERR_PARSE, "too many species lines");
    return AION_OK;
}

/* Per-atom elements from the species lines and "ions per type". */
static aion_status outcar_species(aion_reader *r, outcar_state *s)
{
    const int_list *l;
    const char *kind;
    int nsp;
    long total = 0;
    if (!s->nipt) return aion_io_fail(r, AION_ERR_PARSE, "positions before any 'ions per type' line: cannot tell the atoms");
    if (s->titel.n) {
        l = &s->titel, kind = "TITEL", nsp = l->n;
    } else if (s->vrhfin.n) {
        l = &s->vrhfin, kind = "VRHFIN", nsp = l->n;
    } else if (s->potcar.n) {
        l = &s->potcar, kind = "POTCAR:", nsp = (l->n + 1) / 2; /* each species is listed twice */
    } else {
        return aion_io_fail(r, AION_ERR_PARSE, "no TITEL, VRHFIN or POTCAR: lines before the positions: cannot tell the elements");
    }
    if (nsp != s->nipt)
        return aion_io_fail(r, AION_ERR_PARSE, "the header names %d species (%s lines) but 'ions per type' has %d counts",
                            nsp, kind, s->nipt);
    for (int k = 0; k < nsp; k++) total += s->ipt[k];
    if (s->nions && s->nions != total)
        return aion_io_fail(r, AION_ERR_PARSE, "'ions per type' adds up to %ld but NIONS = %ld", total, s->nions);
    free(s->spz);
    s->spz = malloc((size_t)nsp * sizeof *s->spz);
    if (!s->spz) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    memcpy(s->spz, l->v, (size_t)nsp * sizeof *s->spz);
    s->natoms = total;
    return AION_OK;
}

static int dashes(const char *line)
{
    const char *p = skip_space(line);
    return p[0] == '-' && p[1] == '-' && p[2] == '-';
}

static aion_status outcar_positions(aion_reader *r, outcar_state *s)
{
    aion_status st;
    const char *bad;
    if (!s->spz || s->in_header || !s->natoms) {
        if ((st = outcar_species(r, s))) return st;
        s->in_header = 0;
    }
    if ((st = need_line(r, "the dashed line under POSITION"))) return st;
    if (!dashes(r->line)) return aion_io_fail(r, AION_ERR_PARSE, "expected a dashed line under the POSITION header");
    for (long i = 0; i < s->natoms; i++) {
        double v[7];
        int n;
        if ((st = need_line(r, "an atom's position and force"))) {
            if (r->err.code == AION_ERR_PARSE)
                return aion_io_fail(r, AION_ERR_PARSE, "unexpected end of file: %ld of %ld positions and forces read", i,
                                    s->natoms);
            return st;
        }
        n = outcar_numbers(r->line, v, 6, &bad);
        if (n < 0) return aion_io_fail(r, AION_ERR_PARSE, "'%.20s' is not a finite number", bad);
        if (i >= s->cap) {
            /* grow with the lines read, not with the header's count */
            long nc = AION_MIN(AION_MAX(2 * s->cap, 1024L), s->natoms);
            double(*p)[3] = aion_realloc_array(s->pos, (size_t)nc, sizeof *p), (*q)[3];
            if (p) s->pos = p;
            q = p ? aion_realloc_array(s->frc, (size_t)nc, sizeof *q) : NULL;
            if (!q) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            s->frc = q;
            s->cap = nc;
        }
        if (n != 6) {
            if (dashes(r->line))
                return aion_io_fail(r, AION_ERR_PARSE, "the POSITION block ends after %ld atoms; the header says %ld", i,
                                    s->natoms);
            return aion_io_fail(r, AION_ERR_PARSE, "expected 6 numbers (position and force), found %d", n > 6 ? 7 : n);
        }
        memcpy(s->pos[i], v, 3 * sizeof *v);
        memcpy(s->frc[i], v + 3, 3 * sizeof *v);
    }
    if ((st = need_line(r, "the dashed line closing the POSITION block"))) return st;
    if (!dashes(r->line))
        return aion_io_fail(r, AION_ERR_PARSE, "the POSITION block has more atoms than the header's %ld", s->natoms);
    s->have_pos = 1;
    return AION_OK;
}

static aion_status outcar_energy(aion_reader *r, outcar_state *s, aion_frame *f)
{
    double toten = 0, ewo = 0, e0 = 0;
    int got_toten = 0, got_e0 = 0, ml = strncmp(skip_space(r->line), "ML", 2) == 0;
    char ewo_s[64] = "", e0_s[64] = "";
    aion_status st;
    const char *bad;
    for (int k = 0; k < 8 && !got_e0; k++) {
        char *p;
        if ((st = need_line(r, "the energies after FREE ENERGIE OF THE ION-ELECTRON SYSTEM"))) return st;
        if ((p = strstr(r->line, "TOTEN")) && !got_toten) {
            double v[2];
            char *eq = strchr(p, '='), *ev;
            if (!eq) return aion_io_fail(r, AION_ERR_PARSE, "no '=' on the TOTEN line");
            if ((ev = strstr(eq, "eV"))) *ev = '\0';
            if (outcar_numbers(eq + 1, v, 1, &bad) != 1) return aion_io_fail(r, AION_ERR_PARSE, "cannot read the TOTEN energy");
            toten = v[0];
            got_toten = 1;
        } else if ((p = strstr(r->line, "energy(sigma->0)"))) {
            double v[2];
            char *a = strstr(r->line, "entropy"), *eq;
            if (!a || !(eq = strchr(a, '=')) || eq > p) return aion_io_fail(r, AION_ERR_PARSE, "cannot read 'energy  without entropy'");
            *p = '\0';
            if (outcar_numbers(eq + 1, v, 1, &bad) != 1)
                return aion_io_fail(r, AION_ERR_PARSE, "cannot read 'energy  without entropy'");
            ewo = v[0];
            snprintf(ewo_s, sizeof ewo_s, "%s", trim(eq + 1));
            eq = strchr(p + 1, '=');
            if (!eq || outcar_numbers(eq + 1, v, 1, &bad) != 1)
                return aion_io_fail(r, AION_ERR_PARSE, "cannot read 'energy(sigma->0)'");
            e0 = v[0];
            snprintf(e0_s, sizeof e0_s, "%s", trim(eq + 1));
            got_e0 = 1;
        }
    }
    if (!got_toten || !got_e0)
        return aion_io_fail(r, AION_ERR_PARSE, "no 'free  energy   TOTEN' and 'energy(sigma->0)' lines after FREE ENERGIE");
    if (!s->have_pos || !s->spz || !s->pos || !s->frc || s->cap < s->natoms)
        return aion_io_fail(r, AION_ERR_PARSE, "an ionic step's energy without its POSITION block");
    if (!s->have_cell) return aion_io_fail(r, AION_ERR_PARSE, "an ionic step without 'direct lattice vectors'");
    (void)ewo, (void)e0;

    aion_frame_clear(f);
    if (aion_frame_resize(f, (int)s->natoms, AION_HAS_CELL | AION_HAS_FORCES | AION_HAS_ENERGY | AION_HAS_STEP))
        return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    {
        long i = 0;
        for (int k = 0; k < s->nipt; k++)
            for (long c = 0; c < s->ipt[k]; c++) f->z[i++] = s->spz[k];
    }
    memcpy(f->pos, s->pos, (size_t)s->natoms * sizeof *f->pos);
    memcpy(f->forces, s->frc, (size_t)s->natoms * sizeof *f->forces);
    memcpy(f->cell, s->cell, sizeof f->cell);
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    f->energy = toten;
    f->step = s->ionic_step > 0 ? s->ionic_step : s->nframes + 1;
    if (s->have_stress) {
        /* VASP XX YY ZZ XY YZ ZX in kbar, pressure sign -> eV/Å³, tensile positive */
        static const int ij[6][2] = {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {1, 2}, {2, 0}};
        for (int k = 0; k < 6; k++) {
            double sg = -s->kb[k] * 0.1 / AION_EV_A3_TO_GPA;
            f->stress[ij[k][0]][ij[k][1]] = f->stress[ij[k][1]][ij[k][0]] = sg;
        }
        f->has |= AION_HAS_STRESS;
    }
    if (aion_frame_info_set(f, "energy_without_entropy", ewo_s) || aion_frame_info_set(f, "energy_sigma0", e0_s) ||
        (ml && aion_frame_info_set(f, "vasp_ml_ff", "T")))
        return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    s->have_pos = 0;
    s->have_stress = 0;
    s->started = 0;
    s->nframes++;
    return AION_OK;
}

static aion_status outcar_next(aion_reader *r, aion_frame *f)
{
    outcar_state *s = r->state;
    aion_status st;
    const char *bad;
    for (;;) {
        long len = aion_io_getline(r);
        char *line = r->line, *p;
        if (len == -2) return r->err.code;
        if (len == -1) {
            if (s->nframes == 0)
                return aion_io_fail(r, AION_ERR_PARSE,
                                    "no complete ionic step (no 'FREE ENERGIE OF THE ION-ELECTRON SYSTEM' block)");
            if (s->started || s->have_pos)
                aion_io_note(r, "the last ionic step is incomplete (run stopped or still going); %ld complete steps read",
                             s->nframes);
            return AION_EOF;
        }
        if (len < 6) continue;
        if ((p = strstr(line, "TITEL")) && (p = strchr(p, '='))) {
            if ((st = species_line(r, s, &s->titel, potcar_label_z(p + 1), "TITEL"))) return st;
        } else if ((p = strstr(line, "VRHFIN")) && (p = strchr(p, '='))) {
            char buf[8];
            size_t k = 0;
            p = (char *)skip_space(p + 1);
            while (p[k] && p[k] != ':' && !isspace((unsigned char)p[k]) && k < sizeof buf - 1) buf[k] = p[k], k++;
            buf[k] = '\0';
            if ((st = species_line(r, s, &s->vrhfin, species_z(buf), "VRHFIN"))) return st;
        } else if ((p = strstr(line, "POTCAR:"))) {
            if ((st = species_line(r, s, &s->potcar, potcar_label_z(p + 7), "POTCAR:"))) return st;
        } else if ((p = strstr(line, "ions per type")) && (p = strchr(p, '='))) {
            double v[1024];
            long total = 0;
            int n = outcar_numbers(p + 1, v, 1024, &bad);
            if (n < 1 || n > 1024) return aion_io_fail(r, AION_ERR_PARSE, "cannot read the 'ions per type' counts");
            free(s->ipt);
            s->ipt = malloc((size_t)n * sizeof *s->ipt);
            if (!s->ipt) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            for (int k = 0; k < n; k++) {
                if (v[k] < 0 || v[k] != floor(v[k]) || v[k] > AION_IO_MAX_ATOMS || (total += (long)v[k]) > AION_IO_MAX_ATOMS)
                    return aion_io_fail(r, AION_ERR_PARSE, "implausible ion count %g", v[k]);
                s->ipt[k] = (long)v[k];
            }
            if (total < 1) return aion_io_fail(r, AION_ERR_PARSE, "'ions per type' adds up to zero");
            s->nipt = n;
            s->in_header = 1; /* species lists complete; rebuild atoms at the next positions */
            free(s->spz);
            s->spz = NULL;
            s->have_pos = 0; /* positions read so far belong to the old atoms */
        } else if ((p = strstr(line, "NIONS")) && (p = strchr(p, '='))) {
            double v[2];
            if (outcar_numbers(p + 1, v, 1, &bad) == 1 && v[0] >= 1 && v[0] <= AION_IO_MAX_ATOMS) s->nions = (long)v[0];
        } else if (strstr(line, "direct lattice vectors")) {
            for (int i = 0; i < 3; i++) {
                double v[7];
                int n;
                if ((st = need_line(r, "a lattice vector under 'direct lattice vectors'"))) return st;
                n = outcar_numbers(r->line, v, 6, &bad);
                if (n < 0) return aion_io_fail(r, AION_ERR_PARSE, "lattice vector: '%.20s' is not a finite number", bad);
                if (n < 3) return aion_io_fail(r, AION_ERR_PARSE, "expected a lattice vector (3 numbers), found %d", n);
                memcpy(s->cell[i], v, 3 * sizeof *v);
            }
            s->have_cell = 1;
        } else if (!strncmp(skip_space(line), "in kB", 5)) {
            double v[7];
            int n = outcar_numbers(skip_space(line) + 5, v, 6, &bad);
            if (n == 6) {
                memcpy(s->kb, v, sizeof s->kb);
                s->have_stress = 1;
            } else {
                s->have_stress = 0;
                aion_io_note(r, "line %ld: unreadable stress ('in kB' line); that step has no stress", r->lineno);
            }
        } else if ((p = strstr(line, "Iteration")) && strchr(p, '(')) {
            long step;
            char *q = (char *)skip_space(p + 9), *e;
            step = strtol(q, &e, 10);
            if (e != q && *e == '(' && step > 0) s->ionic_step = step;
            s->started = 1;
            s->in_header = 0;
        } else if (strstr(line, "POSITION") && strstr(line, "TOTAL-FORCE")) {
            if ((st = outcar_positions(r, s))) return st;
        } else if (strstr(line, "FREE ENERGIE OF THE ION-ELECTRON SYSTEM")) {
            return outcar_energy(r, s, f);
        }
    }
}

const aion_io_backend aion_io_outcar = {
    AION_FMT_OUTCAR, "outcar", outcar_open, outcar_next, outcar_close, NULL, NULL, NULL,
};
