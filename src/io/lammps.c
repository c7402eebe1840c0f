/*
 * LAMMPS data files (read_data / write_data) and custom dump files.
 *
 * Units: aion works in Å, eV, fs, amu; LAMMPS files carry no units, and we
 * assume `units metal` (Å, eV, ps, amu), LAMMPS' usual choice with eV
 * potentials. Velocities are converted Å/ps <-> Å/fs, dump times ps <-> fs.
 * A dump whose `ITEM: UNITS` says `real` is converted from Å/fs and
 * kcal/mol/Å; other unit styles are refused.
 *
 * Box: LAMMPS stores a box origin (xlo, ylo, zlo), lengths and tilts
 * xy, xz, yz; the lattice vectors are a = (xhi-xlo, 0, 0),
 * b = (xy, yhi-ylo, 0), c = (xz, yz, zhi-zlo). Readers drop the origin
 * (positions are shifted by it; the origin is kept in the info field
 * `lammps_origin`). Triclinic dump bounds are bounding boxes; the box is
 * recovered as LAMMPS documents (Howto triclinic):
 *   xlo = xlo_bound - min(0, xy, xz, xy+xz), xhi = xhi_bound - max(0, xy, xz, xy+xz),
 *   ylo = ylo_bound - min(0, yz),            yhi = yhi_bound - max(0, yz).
 *
 * Writers need LAMMPS' orientation (a along +x, b in the xy plane with
 * b_y > 0, c_z > 0, tilts within half a box length). A cell that is not in
 * that form is changed, without changing the periodic system:
 *   1. left-handed cell (det < 0): c -> -c (the same lattice);
 *   2. rotation Q (r' = r·Q, Q = cell⁻¹·cell_lammps) so that the rows become
 *      a' = (|a|,0,0), b' = (a·b/|a|, |â×b|, 0), c' = (â·c, (b·c - b'_x c'_x)/b'_y, V/(a'_x b'_y));
 *      positions, velocities and forces are rotated alike;
 *   3. tilt reduction (LAMMPS refuses |xy| > lx/2 etc.): b -= round(xy/lx)·a,
 *      c -= round(yz/ly)·b, c -= round(xz/lx)·a.
 * Atoms are then wrapped into the box with image flags, such that
 * (wrapped position + image·cell) is the frame's unwrapped position
 * (pos + image·cell when the frame has image flags, else pos).
 *
 * Elements: LAMMPS knows only numeric types. Readers take, in order: the
 * dump's `element` column; the caller's type map (opts->type_z); element
 * names in Masses comments (`1 6.94 # Li`, as aion writes); the element whose
 * standard mass is within 0.1 amu of the type's mass (an error when none or
 * several are, and reported as a note when used).
 *
 * Order: atoms are sorted by id on reading (dumps are unordered, and
 * write_data does not sort either).
 *
 * Image flags and unwrapped dumps: when a frame has image flags
 * (AION_HAS_IMAGE), pos + image·cell is the unwrapped position. Dumps with
 * wrapped coordinates (x or xs) and ix iy iz give exactly that. A dump with
 * unwrapped coordinates (xu or xsu) and no such pair gives the unwrapped
 * positions as they are, without AION_HAS_IMAGE (any ix iy iz columns are
 * then kept as plain columns); the info field `lammps_coords` says which.
 */
#include "io.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LMP_V_METAL_TO_AFS 1e-3          /* Å/ps -> Å/fs */
#define LMP_KCALMOL_TO_EV 0.0433641043   /* kcal/mol -> eV */
#define LMP_MASS_TOL 0.1                 /* amu, element from mass */
#define LMP_MAX_TYPES 1000000L
#define LMP_MAX_COLS 4096

/* ================================================================ helpers */

static char *trim(char *s)
{
    char *e;
    while (*s && isspace((unsigned char)*s)) s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
    return s;
}

/* Cut s at '#'; return the trimmed comment (or "" if none). */
static char *cut_comment(char *s)
{
    char *h = strchr(s, '#');
    if (!h) return s + strlen(s);
    *h = '\0';
    return trim(h + 1);
}

/* Element whose standard mass is within LMP_MASS_TOL of m; 0 if none or
 * several (*nmatch says how many matched). */
static int z_from_mass(double m, int *nmatch)
{
    int best = 0, cnt = 0;
    double bd = 1e300;
    for (int z = 1; z <= AION_MAX_Z; z++) {
        double d = fabs(aion_element_mass(z) - m);
        if (d <= LMP_MASS_TOL) {
            cnt++;
            if (d < bd) bd = d, best = z;
        }
    }
    *nmatch = cnt;
    return cnt == 1 ? best : 0;
}

typedef struct {
    long key;
    int idx;
} keyidx;

static int cmp_keyidx(const void *a, const void *b)
{
    const keyidx *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key ? 1 : (x->idx > y->idx) - (x->idx < y->idx);
}

static int permute_array(void *arr, const int *perm, int n, size_t sz)
{
    char *tmp, *a = arr;
    if (!arr || n <= 1) return 0;
    tmp = aion_calloc((size_t)n, sz);
    if (!tmp) return -1;
    for (int i = 0; i < n; i++) memcpy(tmp + (size_t)i * sz, a + (size_t)perm[i] * sz, sz);
    memcpy(a, tmp, (size_t)n * sz);
    free(tmp);
    return 0;
}

/* Reorder atoms: new atom i = old atom perm[i]. */
static aion_status frame_permute(aion_frame *f, const int *perm)
{
    int n = f->n, bad = 0;
    bad |= permute_array(f->pos, perm, n, sizeof *f->pos);
    bad |= permute_array(f->z, perm, n, sizeof *f->z);
    if (f->has & AION_HAS_TYPE) bad |= permute_array(f->type, perm, n, sizeof *f->type);
    if (f->has & AION_HAS_ID) bad |= permute_array(f->id, perm, n, sizeof *f->id);
    if (f->has & AION_HAS_MASS) bad |= permute_array(f->mass, perm, n, sizeof *f->mass);
    if (f->has & AION_HAS_CHARGE) bad |= permute_array(f->charge, perm, n, sizeof *f->charge);
    if (f->has & AION_HAS_VEL) bad |= permute_array(f->vel, perm, n, sizeof *f->vel);
    if (f->has & AION_HAS_IMAGE) bad |= permute_array(f->image, perm, n, sizeof *f->image);
    if (f->has & AION_HAS_FORCES) bad |= permute_array(f->forces, perm, n, sizeof *f->forces);
    if (f->has & AION_HAS_FIXED) bad |= permute_array(f->fixed, perm, n, sizeof *f->fixed);
    if (f->has & AION_HAS_ATOM_ENERGY) bad |= permute_array(f->atom_energy, perm, n, sizeof *f->atom_energy);
    for (int k = 0; k < f->n_cols; k++) {
        aion_column *c = &f->cols[k];
        if (c->kind == 'S')
            bad |= permute_array(c->s, perm, n, sizeof *c->s * (size_t)c->ncols);
        else
            bad |= permute_array(c->d, perm, n, sizeof *c->d * (size_t)c->ncols);
    }
    return bad ? AION_ERR_NOMEM : AION_OK;
}

/* Sort atoms by f->id; duplicate ids are an error (reported with the line
 * of the second occurrence, from lines[] in the original order). */
static aion_status sort_by_id(aion_reader *r, aion_frame *f, const long *lines, const char *where)
{
    keyidx *k;
    int *perm = NULL;
    aion_status st = AION_OK;
    int sorted = 1;
    for (int i = 1; i < f->n; i++)
        if (f->id[i] <= f->id[i - 1]) sorted = 0;
    if (sorted) return AION_OK;
    k = aion_calloc((size_t)f->n, sizeof *k);
    perm = aion_calloc((size_t)f->n, sizeof *perm);
    if (!k || !perm) {
        st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < f->n; i++) k[i].key = f->id[i], k[i].idx = i;
    qsort(k, (size_t)f->n, sizeof *k, cmp_keyidx);
    for (int i = 0; i < f->n; i++) {
        if (i > 0 && k[i].key == k[i - 1].key) {
            long ln = lines ? lines[k[i].idx] : r->lineno;
            r->lineno = ln;
            st = aion_io_fail(r, AION_ERR_PARSE, "atom id %ld appears twice in %s", k[i].key, where);
            goto done;
        }
        perm[i] = k[i].idx;
    }
    if (frame_permute(f, perm)) st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
done:
    free(k);
    free(perm);
    return st;
}

static void set_cell_from_box(aion_frame *f, const double lo[3], const double hi[3], const double tilt[3])
{
    memset(f->cell, 0, sizeof f->cell);
    f->cell[0][0] = hi[0] - lo[0];
    f->cell[1][0] = tilt[0];
    f->cell[1][1] = hi[1] - lo[1];
    f->cell[2][0] = tilt[1];
    f->cell[2][1] = tilt[2];
    f->cell[2][2] = hi[2] - lo[2];
}

static aion_status set_origin_info(aion_reader *r, aion_frame *f, const double lo[3])
{
    char buf[128];
    snprintf(buf, sizeof buf, "%.17g %.17g %.17g", lo[0], lo[1], lo[2]);
    if (aion_frame_info_set(f, "lammps_origin", buf)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    return AION_OK;
}

/* Map types to elements with the caller's map: z[] for each atom from type[]. */
static aion_status z_from_type_map(aion_reader *r, aion_frame *f)
{
    for (int i = 0; i < f->n; i++) {
        int t = f->type[i];
        if (t < 0 || t >= r->opts.n_type_z)
            return aion_io_fail_noline(r, AION_ERR_INVALID,
                                       "atom type %d has no element in the type map (it names %d type%s)", t + 1,
                                       r->opts.n_type_z, r->opts.n_type_z == 1 ? "" : "s");
        if (r->opts.type_z[t] < 1 || r->opts.type_z[t] > AION_MAX_Z)
            return aion_io_fail_noline(r, AION_ERR_INVALID, "type map: atom type %d maps to Z = %d, not an element", t + 1,
                                       r->opts.type_z[t]);
        f->z[i] = r->opts.type_z[t];
    }
    return AION_OK;
}

/* ============================================================ data reader */

typedef enum { STYLE_NONE = 0, STYLE_ATOMIC, STYLE_CHARGE, STYLE_FULL, STYLE_MOLECULAR } atom_style;

static const char *style_name(atom_style s)
{
    switch (s) {
    case STYLE_ATOMIC: return "atomic";
    case STYLE_CHARGE: return "charge";
    case STYLE_FULL: return "full";
    case STYLE_MOLECULAR: return "molecular";
    default: return "unknown";
    }
}

/* Column layout: id, [mol], type, [q], x y z, [ix iy iz] */
static int style_base_cols(atom_style s)
{
    switch (s) {
    case STYLE_ATOMIC: return 5;
    case STYLE_CHARGE: return 6;
    case STYLE_MOLECULAR: return 6;
    case STYLE_FULL: return 7;
    default: return 0;
    }
}

static int is_section_name(const char *s)
{
    static const char *const names[] = {"Atoms", "Velocities", "Masses", "Ellipsoids", "Lines", "Triangles",
                                        "Bodies", "Bonds", "Angles", "Dihedrals", "Impropers", "CMAP"};
    size_t n = strlen(s);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strcmp(s, names[k]) == 0) return 1;
    return n > 7 && isupper((unsigned char)s[0]) && strcmp(s + n - 7, " Coeffs") == 0;
}

/* Next non-blank line (comments removed, trimmed) into *out; *comment gets
 * the comment. Works on a copy in buf, so that aion_io_unread() gives the
 * line back intact. Returns 0, or -1 at EOF, -2 on a read error. */
static int next_content(aion_reader *r, aion_strbuf *buf, char **out, char **comment)
{
    for (;;) {
        long len = aion_io_getline(r);
        char *s, *c;
        if (len < 0) return (int)len;
        aion_sb_clear(buf);
        aion_sb_puts(buf, r->line);
        if (buf->oom) {
            aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            return -2;
        }
        s = buf->s;
        c = cut_comment(s);
        s = trim(s);
        if (*s) {
            *out = s;
            if (comment) *comment = c;
            return 0;
        }
    }
}

typedef struct {
    long natoms, ntypes;
    double lo[3], hi[3], tilt[3];
    int triclinic;
    double *type_mass;     /* [ntypes], <= 0 = not given */
    int *type_zc;          /* [ntypes], Z from Masses comment, 0 = none */
    long *lines;           /* line of each atom (for messages) */
    int have_atoms, have_masses, have_vel;
    aion_strbuf buf;       /* copy of the current line */
} data_parse;

static aion_status parse_header(aion_reader *r, data_parse *d)
{
    char *s = NULL, *tok[8];
    int rc, nt;
    static const char *const axis[3][2] = {{"xlo", "xhi"}, {"ylo", "yhi"}, {"zlo", "zhi"}};
    for (;;) {
        rc = next_content(r, &d->buf, &s, NULL);
        if (rc == -2) return r->err.code;
        if (rc == -1) return AION_OK;
        if (is_section_name(s)) {
            aion_io_unread(r);
            return AION_OK;
        }
        nt = aion_io_split(s, tok, 8);
        if (nt == 4) {
            int k = -1;
            for (int q = 0; q < 3; q++)
                if (!strcmp(tok[2], axis[q][0]) && !strcmp(tok[3], axis[q][1])) k = q;
            if (k >= 0) {
                if (aion_parse_double(tok[0], &d->lo[k]) || aion_parse_double(tok[1], &d->hi[k]))
                    return aion_io_fail(r, AION_ERR_PARSE, "bad number in the %s %s line", axis[k][0], axis[k][1]);
                if (!(d->hi[k] > d->lo[k]))
                    return aion_io_fail(r, AION_ERR_PARSE, "%s %s: the box is empty (%s <= %s)", axis[k][0], axis[k][1],
                                        tok[1], tok[0]);
                continue;
            }
        }
        if (nt == 6 && !strcmp(tok[3], "xy") && !strcmp(tok[4], "xz") && !strcmp(tok[5], "yz")) {
            for (int k = 0; k < 3; k++)
                if (aion_parse_double(tok[k], &d->tilt[k]))
                    return aion_io_fail(r, AION_ERR_PARSE, "bad number '%s' in the xy xz yz line", tok[k]);
            d->triclinic = 1;
            continue;
        }
        if (nt >= 2 && (isdigit((unsigned char)tok[0][0]) || tok[0][0] == '-' || tok[0][0] == '+')) {
            long v;
            if (aion_parse_long(tok[0], &v) || v < 0)
                return aion_io_fail(r, AION_ERR_PARSE, "bad count '%s' in header line", tok[0]);
            if (nt == 2 && !strcmp(tok[1], "atoms")) {
                if (v > AION_IO_MAX_ATOMS || v > 2147483647L)
                    return aion_io_fail(r, AION_ERR_PARSE, "implausible number of atoms %ld", v);
                d->natoms = v;
            } else if (nt == 3 && !strcmp(tok[1], "atom") && !strcmp(tok[2], "types")) {
                if (v < 1 || v > LMP_MAX_TYPES) return aion_io_fail(r, AION_ERR_PARSE, "implausible number of atom types %ld", v);
                d->ntypes = v;
            } else if (!isalpha((unsigned char)tok[1][0])) {
                return aion_io_fail(r, AION_ERR_PARSE, "unrecognised header line");
            }
            /* other counts (bonds, angles, ... types, extra ... per atom): not needed */
            continue;
        }
        return aion_io_fail(r, AION_ERR_PARSE, "unrecognised header line (expected counts, a box or a section name)");
    }
}

static aion_status parse_masses(aion_reader *r, data_parse *d)
{
    char *s = NULL, *c = NULL, *tok[4];
    if (d->ntypes <= 0) return aion_io_fail(r, AION_ERR_PARSE, "Masses section before the header gave 'N atom types'");
    if (d->have_masses) return aion_io_fail(r, AION_ERR_PARSE, "second Masses section");
    d->have_masses = 1;
    for (long k = 0; k < d->ntypes; k++) {
        long t;
        double m;
        int rc = next_content(r, &d->buf, &s, &c);
        if (rc == -2) return r->err.code;
        if (rc == -1) return aion_io_fail(r, AION_ERR_PARSE, "end of file in the Masses section (%ld of %ld types)", k, d->ntypes);
        if (is_section_name(s))
            return aion_io_fail(r, AION_ERR_PARSE, "Masses section has %ld lines but the header says %ld atom types", k,
                                d->ntypes);
        if (aion_io_split(s, tok, 4) != 2) return aion_io_fail(r, AION_ERR_PARSE, "Masses line must be 'type mass'");
        if (aion_parse_long(tok[0], &t) || t < 1 || t > d->ntypes)
            return aion_io_fail(r, AION_ERR_PARSE, "bad atom type '%s' in Masses (types are 1..%ld)", tok[0], d->ntypes);
        if (aion_parse_double(tok[1], &m) || !(m > 0))
            return aion_io_fail(r, AION_ERR_PARSE, "bad mass '%s' for type %ld", tok[1], t);
        if (d->type_mass[t - 1] > 0) return aion_io_fail(r, AION_ERR_PARSE, "mass of type %ld given twice", t);
        d->type_mass[t - 1] = m;
        if (*c) {
            char *ct[2];
            int zc;
            if (aion_io_split(c, ct, 2) >= 1 && (zc = aion_element_z(ct[0])) > 0) d->type_zc[t - 1] = zc;
        }
    }
    return AION_OK;
}

static aion_status parse_atoms(aion_reader *r, data_parse *d, aion_frame *f, const char *style_comment)
{
    atom_style style = STYLE_NONE;
    int inferred = 0, ncols = -1, images = 0, base, cmol = -1, ctype = 1, cq = -1, cx = 2;
    char *s = NULL, *tok[34];
    aion_status st;
    if (d->have_atoms) return aion_io_fail(r, AION_ERR_PARSE, "second Atoms section");
    d->have_atoms = 1;
    if (d->ntypes <= 0) return aion_io_fail(r, AION_ERR_PARSE, "Atoms section but the header gives no 'N atom types'");
    if (*style_comment) {
        char *ct[2];
        aion_io_split((char *)style_comment, ct, 2);
        if (!strcmp(ct[0], "atomic")) style = STYLE_ATOMIC;
        else if (!strcmp(ct[0], "charge")) style = STYLE_CHARGE;
        else if (!strcmp(ct[0], "full")) style = STYLE_FULL;
        else if (!strcmp(ct[0], "molecular") || !strcmp(ct[0], "bond") || !strcmp(ct[0], "angle")) style = STYLE_MOLECULAR;
        else
            return aion_io_fail(r, AION_ERR_UNSUPPORTED,
                                "atom style '%s' is not supported (atomic, charge, full, molecular, bond, angle are)", ct[0]);
    }
    {
        char what[64];
        snprintf(what, sizeof what, "the header's %ld atoms", d->natoms);
        if ((st = aion_io_check_count(r, d->natoms, 10, what))) return st; /* "1 1 0 0 0\n" */
    }
    st = aion_frame_resize(f, (int)d->natoms, AION_HAS_TYPE | AION_HAS_ID);
    if (st) return aion_io_fail(r, st, "out of memory for %ld atoms", d->natoms);
    d->lines = aion_calloc((size_t)(d->natoms > 0 ? d->natoms : 1), sizeof *d->lines);
    if (!d->lines) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    for (long i = 0; i < d->natoms; i++) {
        long id, t;
        int nt, rc = next_content(r, &d->buf, &s, NULL);
        if (rc == -2) return r->err.code;
        if (rc == -1) return aion_io_fail(r, AION_ERR_PARSE, "end of file in the Atoms section (%ld of %ld atoms)", i, d->natoms);
        if (is_section_name(s))
            return aion_io_fail(r, AION_ERR_PARSE, "Atoms section has %ld lines but the header says %ld atoms", i, d->natoms);
        nt = aion_io_split(s, tok, 33);
        if (ncols < 0) {
            ncols = nt;
            if (style == STYLE_NONE) {
                inferred = 1;
                if (nt == 5 || nt == 8) style = STYLE_ATOMIC;
                else if (nt == 6 || nt == 9) style = STYLE_CHARGE;
                else if (nt == 7 || nt == 10) style = STYLE_FULL;
                else
                    return aion_io_fail(r, AION_ERR_PARSE,
                                        "cannot tell the atom style from %d columns; name it after 'Atoms' (e.g. 'Atoms # atomic')", nt);
            }
            base = style_base_cols(style);
            if (nt == base + 3) images = 1;
            else if (nt != base)
                return aion_io_fail(r, AION_ERR_PARSE, "atom style %s has %d or %d columns, this line has %d", style_name(style),
                                    base, base + 3, nt);
            if (inferred)
                aion_io_note(r, "Atoms section has no style comment: %d columns read as atom style %s%s", nt,
                             style_name(style), images ? " with image flags" : "");
            if (style == STYLE_FULL || style == STYLE_MOLECULAR) cmol = 1;
            ctype = cmol >= 0 ? 2 : 1;
            if (style == STYLE_CHARGE) cq = 2;
            if (style == STYLE_FULL) cq = 3;
            cx = base - 3;
            st = aion_frame_resize(f, (int)d->natoms, (cq >= 0 ? AION_HAS_CHARGE : 0u) | (images ? AION_HAS_IMAGE : 0u));
            if (st) return aion_io_fail(r, st, "out of memory for %ld atoms", d->natoms);
        } else if (nt != ncols) {
            return aion_io_fail(r, AION_ERR_PARSE, "atom line has %d columns, the first had %d", nt, ncols);
        }
        d->lines[i] = r->lineno;
        if (aion_parse_long(tok[0], &id) || id < 1 || id > 2147483647L)
            return aion_io_fail(r, AION_ERR_PARSE, "bad atom id '%s'", tok[0]);
        if (aion_parse_long(tok[ctype], &t) || t < 1 || t > d->ntypes)
            return aion_io_fail(r, AION_ERR_PARSE, "atom %ld: bad type '%s' (the header says %ld types)", id, tok[ctype], d->ntypes);
        f->id[i] = (int)id;
        f->type[i] = (int)t - 1;
        if (cq >= 0 && aion_parse_double(tok[cq], &f->charge[i]))
            return aion_io_fail(r, AION_ERR_PARSE, "atom %ld: bad charge '%s'", id, tok[cq]);
        for (int k = 0; k < 3; k++) {
            if (aion_parse_double(tok[cx + k], &f->pos[i][k]))
                return aion_io_fail(r, AION_ERR_PARSE, "atom %ld: bad coordinate '%s'", id, tok[cx + k]);
            f->pos[i][k] -= d->lo[k];
        }
        if (images)
            for (int k = 0; k < 3; k++)
                if (aion_parse_int(tok[cx + 3 + k], &f->image[i][k]))
                    return aion_io_fail(r, AION_ERR_PARSE, "atom %ld: bad image flag '%s'", id, tok[cx + 3 + k]);
    }
    if (aion_frame_info_set(f, "lammps_atom_style", style_name(style))) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    return sort_by_id(r, f, d->lines, "the Atoms section");
}

static int find_id(const aion_frame *f, long id)
{
    int lo = 0, hi = f->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (f->id[mid] == id) return mid;
        if (f->id[mid] < id) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

static aion_status parse_velocities(aion_reader *r, data_parse *d, aion_frame *f)
{
    char *s = NULL, *tok[16];
    unsigned char *seen;
    aion_status st;
    if (!d->have_atoms) return aion_io_fail(r, AION_ERR_PARSE, "Velocities section before the Atoms section");
    if (d->have_vel) return aion_io_fail(r, AION_ERR_PARSE, "second Velocities section");
    d->have_vel = 1;
    st = aion_frame_resize(f, f->n, AION_HAS_VEL);
    if (st) return aion_io_fail(r, st, "out of memory");
    seen = aion_calloc((size_t)(f->n > 0 ? f->n : 1), 1);
    if (!seen) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    for (long i = 0; i < d->natoms; i++) {
        long id;
        int k, rc = next_content(r, &d->buf, &s, NULL);
        if (rc == -2) {
            st = r->err.code;
            goto done;
        }
        if (rc == -1 || is_section_name(s)) {
            st = aion_io_fail(r, AION_ERR_PARSE, "Velocities section has %ld lines but the header says %ld atoms", i, d->natoms);
            goto done;
        }
        if (aion_io_split(s, tok, 16) < 4) {
            st = aion_io_fail(r, AION_ERR_PARSE, "Velocities line must be 'id vx vy vz'");
            goto done;
        }
        if (aion_parse_long(tok[0], &id) || (k = find_id(f, id)) < 0) {
            st = aion_io_fail(r, AION_ERR_PARSE, "Velocities: atom id '%s' is not in the Atoms section", tok[0]);
            goto done;
        }
        if (seen[k]) {
            st = aion_io_fail(r, AION_ERR_PARSE, "Velocities: atom id %ld appears twice", id);
            goto done;
        }
        seen[k] = 1;
        for (int c = 0; c < 3; c++) {
            if (aion_parse_double(tok[1 + c], &f->vel[k][c])) {
                st = aion_io_fail(r, AION_ERR_PARSE, "Velocities: atom %ld: bad number '%s'", id, tok[1 + c]);
                goto done;
            }
            f->vel[k][c] *= LMP_V_METAL_TO_AFS;
        }
    }
done:
    free(seen);
    return st;
}

/* Skip an unsupported section: lines up to the next section name. */
static aion_status skip_section(aion_reader *r, data_parse *d, const char *section)
{
    long n = 0, first = r->lineno;
    char *s = NULL, name[64];
    snprintf(name, sizeof name, "%s", section);
    for (;;) {
        int rc = next_content(r, &d->buf, &s, NULL);
        if (rc == -2) return r->err.code;
        if (rc == -1) break;
        if (is_section_name(s)) {
            aion_io_unread(r);
            break;
        }
        n++;
    }
    aion_io_note(r, "line %ld: skipped section '%s' (%ld lines): aion reads Masses, Atoms and Velocities only", first, name, n);
    return AION_OK;
}

/* Elements of the types: caller's map, Masses comments, or masses. */
static aion_status data_elements(aion_reader *r, data_parse *d, aion_frame *f)
{
    int *tz = NULL;
    aion_strbuf inferred;
    aion_status st = AION_OK;
    aion_sb_init(&inferred);
    if (r->opts.type_z && r->opts.n_type_z > 0) {
        st = z_from_type_map(r, f);
        goto done;
    }
    tz = aion_calloc((size_t)d->ntypes, sizeof *tz);
    if (!tz) {
        st = aion_io_fail_noline(r, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (long t = 0; t < d->ntypes; t++) {
        int nm;
        if (d->type_zc[t] > 0) {
            tz[t] = d->type_zc[t];
            if (d->type_mass[t] > 0 && fabs(aion_element_mass(tz[t]) - d->type_mass[t]) > 1.0)
                aion_io_note(r, "type %ld is named %s in Masses but its mass %g differs from %s's %g", t + 1,
                             aion_element_symbol(tz[t]), d->type_mass[t], aion_element_symbol(tz[t]),
                             aion_element_mass(tz[t]));
            continue;
        }
        if (!(d->type_mass[t] > 0)) {
            st = aion_io_fail_noline(r, AION_ERR_INVALID,
                                     "atom type %ld has no mass and no element name: give the elements of the types "
                                     "(a type map such as Mg,V,O)",
                                     t + 1);
            goto done;
        }
        tz[t] = z_from_mass(d->type_mass[t], &nm);
        if (nm != 1) {
            st = aion_io_fail_noline(r, AION_ERR_INVALID,
                                     "atom type %ld: mass %g matches %s element within %.1f amu; give the elements of the "
                                     "types (type map)",
                                     t + 1, d->type_mass[t], nm ? "more than one" : "no", LMP_MASS_TOL);
            goto done;
        }
        aion_sb_printf(&inferred, "%s%ld=%s (%g)", inferred.len ? ", " : "", t + 1, aion_element_symbol(tz[t]),
                       d->type_mass[t]);
    }
    if (inferred.len) aion_io_note(r, "elements inferred from Masses: %s", inferred.s);
    for (int i = 0; i < f->n; i++) f->z[i] = tz[f->type[i]];
done:
    aion_sb_free(&inferred);
    free(tz);
    return st;
}

static aion_status data_read_next(aion_reader *r, aion_frame *f)
{
    data_parse d;
    aion_status st;
    char *s = NULL, *comment = NULL;
    long len;
    if (r->frames_read > 0) return AION_EOF;
    aion_frame_free(f);
    memset(&d, 0, sizeof d);
    for (int k = 0; k < 3; k++) d.lo[k] = -0.5, d.hi[k] = 0.5; /* LAMMPS defaults */
    len = aion_io_getline(r);                                    /* title */
    if (len == -2) return r->err.code;
    if (len == -1) return aion_io_fail(r, AION_ERR_PARSE, "empty file (not a LAMMPS data file)");
    {
        char *title = trim(r->line);
        if (*title && aion_frame_info_set(f, "lammps_title", title)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    }
    if ((st = parse_header(r, &d))) goto fail;
    if (d.natoms > 0 && d.ntypes <= 0) {
        st = aion_io_fail(r, AION_ERR_PARSE, "header gives atoms but no 'N atom types'");
        goto fail;
    }
    if (d.ntypes > 0) {
        d.type_mass = aion_calloc((size_t)d.ntypes, sizeof *d.type_mass);
        d.type_zc = aion_calloc((size_t)d.ntypes, sizeof *d.type_zc);
        if (!d.type_mass || !d.type_zc) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    for (;;) {
        int rc = next_content(r, &d.buf, &s, &comment);
        if (rc == -2) {
            st = r->err.code;
            goto fail;
        }
        if (rc == -1) break;
        if (!is_section_name(s)) {
            st = aion_io_fail(r, AION_ERR_PARSE, "expected a section name (Masses, Atoms, Velocities, ...)");
            goto fail;
        }
        if (!strcmp(s, "Atoms")) st = parse_atoms(r, &d, f, comment);
        else if (!strcmp(s, "Masses")) st = parse_masses(r, &d);
        else if (!strcmp(s, "Velocities")) st = parse_velocities(r, &d, f);
        else st = skip_section(r, &d, s);
        if (st) goto fail;
    }
    if (!d.have_atoms && d.natoms > 0) {
        st = aion_io_fail(r, AION_ERR_PARSE, "no Atoms section (the header says %ld atoms)", d.natoms);
        goto fail;
    }
    if (!d.have_atoms) {
        st = aion_frame_resize(f, 0, AION_HAS_TYPE | AION_HAS_ID);
        if (st) goto fail;
    }
    if (d.have_masses) {
        for (long t = 0; t < d.ntypes; t++)
            if (!(d.type_mass[t] > 0)) {
                st = aion_io_fail_noline(r, AION_ERR_PARSE, "Masses section gives no mass for type %ld", t + 1);
                goto fail;
            }
        st = aion_frame_resize(f, f->n, AION_HAS_MASS);
        if (st) goto fail;
        for (int i = 0; i < f->n; i++) f->mass[i] = d.type_mass[f->type[i]];
    }
    if (f->n > 0 && (st = data_elements(r, &d, f))) goto fail;
    set_cell_from_box(f, d.lo, d.hi, d.tilt);
    f->has |= AION_HAS_CELL;
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    if ((st = set_origin_info(r, f, d.lo))) goto fail;
    free(d.type_mass);
    free(d.type_zc);
    free(d.lines);
    aion_sb_free(&d.buf);
    return AION_OK;
fail:
    free(d.type_mass);
    free(d.type_zc);
    free(d.lines);
    aion_sb_free(&d.buf);
    return st;
}

/* ================================================= geometry for writers */

typedef struct {
    double cell[3][3];   /* LAMMPS cell (lower triangular, reduced tilts) */
    int triclinic;
    double (*pos)[3];    /* wrapped positions in the LAMMPS frame (origin 0) */
    int (*image)[3];
    double (*vel)[3];    /* rotated (Å/fs), or NULL */
    double (*forces)[3]; /* rotated, or NULL */
    int *type;           /* 0-based type per atom */
    int ntypes;
    int *type_z;         /* [ntypes] */
    double *type_mass;   /* [ntypes] */
    int *id;             /* ids written */
} lmp_out;

static void lmp_out_free(lmp_out *o)
{
    free(o->pos);
    free(o->image);
    free(o->vel);
    free(o->forces);
    free(o->type);
    free(o->type_z);
    free(o->type_mass);
    free(o->id);
    memset(o, 0, sizeof *o);
}

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static void vec_mat(const double v[3], const double m[3][3], double out[3])
{
    double t[3];
    for (int k = 0; k < 3; k++) t[k] = v[0] * m[0][k] + v[1] * m[1][k] + v[2] * m[2][k];
    memcpy(out, t, sizeof t);
}

/* LAMMPS cell for f->cell and the rotation r' = r·rot. */
static aion_status lmp_cell(aion_writer *w, const aion_frame *f, double lc[3][3], double rot[3][3])
{
    double c[3][3], inv[3][3], la, det;
    memcpy(c, f->cell, sizeof c);
    det = aion_det3(c);
    if (!(f->has & AION_HAS_CELL) || !(fabs(det) > 0) || aion_cell_inverse(c, inv))
        return aion_io_wfail(w, AION_ERR_INVALID, "LAMMPS files need a periodic cell; this frame has %s",
                             (f->has & AION_HAS_CELL) ? "a singular cell" : "none");
    if (det < 0)
        for (int k = 0; k < 3; k++) c[2][k] = -c[2][k];
    memset(lc, 0, 9 * sizeof(double));
    if (c[0][1] == 0 && c[0][2] == 0 && c[1][2] == 0 && c[0][0] > 0 && c[1][1] > 0 && c[2][2] > 0) {
        memcpy(lc, c, 9 * sizeof(double));
        memset(rot, 0, 9 * sizeof(double));
        rot[0][0] = rot[1][1] = rot[2][2] = 1.0;
    } else {
        la = sqrt(dot3(c[0], c[0]));
        lc[0][0] = la;
        lc[1][0] = dot3(c[0], c[1]) / la;
        lc[1][1] = sqrt(fmax(0.0, dot3(c[1], c[1]) - lc[1][0] * lc[1][0]));
        lc[2][0] = dot3(c[0], c[2]) / la;
        lc[2][1] = (dot3(c[1], c[2]) - lc[1][0] * lc[2][0]) / lc[1][1];
        lc[2][2] = fabs(det) / (lc[0][0] * lc[1][1]);
        if (aion_cell_inverse(c, inv)) return aion_io_wfail(w, AION_ERR_NUMERIC, "singular cell");
        aion_matmul3(inv, lc, rot);
    }
    /* tilt reduction (same lattice) */
    if (f->pbc[0] && fabs(lc[1][0]) > 0.5 * lc[0][0] * (1 + 1e-12)) {
        double n = round(lc[1][0] / lc[0][0]);
        for (int k = 0; k < 3; k++) lc[1][k] -= n * lc[0][k];
    }
    if (f->pbc[1] && fabs(lc[2][1]) > 0.5 * lc[1][1] * (1 + 1e-12)) {
        double n = round(lc[2][1] / lc[1][1]);
        for (int k = 0; k < 3; k++) lc[2][k] -= n * lc[1][k];
    }
    if (f->pbc[0] && fabs(lc[2][0]) > 0.5 * lc[0][0] * (1 + 1e-12)) {
        double n = round(lc[2][0] / lc[0][0]);
        for (int k = 0; k < 3; k++) lc[2][k] -= n * lc[0][k];
    }
    return AION_OK;
}

/* Types: caller's order, the frame's own types (when each type is one
 * element and no type is empty), or elements in order of first appearance. */
static aion_status lmp_types(aion_writer *w, const aion_frame *f, lmp_out *o)
{
    int n = f->n;
    o->type = aion_calloc((size_t)(n > 0 ? n : 1), sizeof *o->type);
    if (!o->type) return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
    if (w->opts.type_z && w->opts.n_type_z > 0) {
        o->ntypes = w->opts.n_type_z;
        o->type_z = aion_calloc((size_t)o->ntypes, sizeof *o->type_z);
        if (!o->type_z) return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
        memcpy(o->type_z, w->opts.type_z, (size_t)o->ntypes * sizeof *o->type_z);
        for (int i = 0; i < n; i++) {
            int t = 0;
            while (t < o->ntypes && o->type_z[t] != f->z[i]) t++;
            if (t == o->ntypes)
                return aion_io_wfail(w, AION_ERR_INVALID, "atom %d is %s, which the type order does not name", i + 1,
                                     aion_element_symbol(f->z[i]));
            o->type[i] = t;
        }
        return AION_OK;
    }
    if ((f->has & AION_HAS_TYPE) && f->type && n > 0) {
        int maxt = -1, ok = 1;
        for (int i = 0; i < n; i++) {
            if (f->type[i] < 0 || f->type[i] > n) ok = 0;
            else if (f->type[i] > maxt) maxt = f->type[i];
        }
        if (ok) {
            int *tz = aion_calloc((size_t)maxt + 1, sizeof *tz);
            unsigned char *used = aion_calloc((size_t)maxt + 1, 1);
            if (!tz || !used) {
                free(tz);
                free(used);
                return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
            }
            for (int i = 0; i < n && ok; i++) {
                int t = f->type[i];
                if (!used[t]) used[t] = 1, tz[t] = f->z[i];
                else if (tz[t] != f->z[i]) ok = 0;
            }
            for (int t = 0; t <= maxt && ok; t++)
                if (!used[t]) ok = 0;
            free(used);
            if (ok) {
                o->ntypes = maxt + 1;
                o->type_z = tz;
                memcpy(o->type, f->type, (size_t)n * sizeof *o->type);
                return AION_OK;
            }
            free(tz);
        }
    }
    o->type_z = aion_calloc((size_t)(n > 0 ? n : 1), sizeof *o->type_z);
    if (!o->type_z) return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
    o->ntypes = 0;
    for (int i = 0; i < n; i++) {
        int t = 0;
        while (t < o->ntypes && o->type_z[t] != f->z[i]) t++;
        if (t == o->ntypes) o->type_z[o->ntypes++] = f->z[i];
        o->type[i] = t;
    }
    if (o->ntypes == 0) o->ntypes = 1; /* LAMMPS needs at least one type */
    return AION_OK;
}

static aion_status lmp_prepare(aion_writer *w, const aion_frame *f, lmp_out *o)
{
    double rot[3][3], inv[3][3];
    aion_status st;
    int n = f->n;
    size_t na = (size_t)(n > 0 ? n : 1);
    memset(o, 0, sizeof *o);
    if ((st = lmp_cell(w, f, o->cell, rot))) return st;
    if (aion_cell_inverse(o->cell, inv)) return aion_io_wfail(w, AION_ERR_NUMERIC, "singular cell");
    o->triclinic = o->cell[1][0] != 0 || o->cell[2][0] != 0 || o->cell[2][1] != 0;
    o->pos = aion_calloc(na, sizeof *o->pos);
    o->image = aion_calloc(na, sizeof *o->image);
    o->id = aion_calloc(na, sizeof *o->id);
    if (!o->pos || !o->image || !o->id) return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        double p[3], s[3], shift[3] = {0, 0, 0}, si[3];
        vec_mat(f->pos[i], rot, p);
        vec_mat(p, inv, s);
        if ((f->has & AION_HAS_IMAGE) && f->image) {
            for (int k = 0; k < 3; k++)
                for (int q = 0; q < 3; q++) shift[q] += f->image[i][k] * f->cell[k][q];
            vec_mat(shift, rot, shift);
            vec_mat(shift, inv, si);
        } else {
            si[0] = si[1] = si[2] = 0;
        }
        for (int k = 0; k < 3; k++) {
            double fl = 0;
            if (!f->pbc[k]) {
                o->image[i][k] = 0;
                continue;
            }
            if (!isfinite(s[k]) || fabs(s[k]) > 1e9 || fabs(si[k]) > 1e9)
                return aion_io_wfail(w, AION_ERR_NUMERIC, "atom %d: position is not finite or absurdly far from the cell", i + 1);
            fl = floor(s[k]);
            s[k] -= fl;
            if (s[k] >= 1.0) s[k] = 0.0, fl += 1.0;
            o->image[i][k] = (int)(fl + round(si[k]));
        }
        vec_mat(s, o->cell, o->pos[i]);
    }
    /* ids: the frame's when positive and unique, else 1..n */
    {
        int ok = (f->has & AION_HAS_ID) && f->id;
        if (ok) {
            int *sorted = aion_calloc(na, sizeof *sorted);
            if (!sorted) return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
            memcpy(sorted, f->id, (size_t)n * sizeof *sorted);
            for (int i = 0; i < n; i++)
                if (sorted[i] < 1) ok = 0;
            if (ok) {
                keyidx *k = aion_calloc(na, sizeof *k);
                if (!k) {
                    free(sorted);
                    return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
                }
                for (int i = 0; i < n; i++) k[i].key = sorted[i], k[i].idx = i;
                qsort(k, (size_t)n, sizeof *k, cmp_keyidx);
                for (int i = 1; i < n; i++)
                    if (k[i].key == k[i - 1].key) ok = 0;
                free(k);
            }
            free(sorted);
        }
        for (int i = 0; i < n; i++) o->id[i] = ok ? f->id[i] : i + 1;
    }
    if ((f->has & AION_HAS_VEL) && f->vel) {
        o->vel = aion_calloc(na, sizeof *o->vel);
        if (!o->vel) return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
        for (int i = 0; i < n; i++) vec_mat(f->vel[i], rot, o->vel[i]);
    }
    if ((f->has & AION_HAS_FORCES) && f->forces) {
        o->forces = aion_calloc(na, sizeof *o->forces);
        if (!o->forces) return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
        for (int i = 0; i < n; i++) vec_mat(f->forces[i], rot, o->forces[i]);
    }
    if ((st = lmp_types(w, f, o))) return st;
    o->type_mass = aion_calloc((size_t)o->ntypes, sizeof *o->type_mass);
    if (!o->type_mass) return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
    for (int t = 0; t < o->ntypes; t++) o->type_mass[t] = aion_element_mass(o->type_z[t]);
    if ((f->has & AION_HAS_MASS) && f->mass)
        for (int i = n - 1; i >= 0; i--) o->type_mass[o->type[i]] = f->mass[i];
    return AION_OK;
}

static int wprec(const aion_writer *w) { return w->opts.precision > 0 ? w->opts.precision : 10; }

/* ============================================================ data writer */

static aion_status data_write_frame(aion_writer *w, const aion_frame *f)
{
    lmp_out o;
    aion_status st;
    int p = wprec(w), charge = w->opts.lammps_atom_style == 1;
    FILE *fp = w->fp;
    if (w->frames_written > 0)
        return aion_io_wfail(w, AION_ERR_UNSUPPORTED, "a LAMMPS data file holds one structure; write a dump for a trajectory");
    if (w->opts.lammps_atom_style != 0 && w->opts.lammps_atom_style != 1)
        return aion_io_wfail(w, AION_ERR_INVALID, "unknown LAMMPS atom style %d (0 = atomic, 1 = charge)", w->opts.lammps_atom_style);
    if ((st = lmp_prepare(w, f, &o))) goto done;
    for (int t = 0; t < o.ntypes; t++)
        if (!(o.type_mass[t] > 0)) {
            st = aion_io_wfail(w, AION_ERR_INVALID, "atom type %d has no element and no mass", t + 1);
            goto done;
        }
    fprintf(fp, "LAMMPS data file written by aion %s (units metal)\n\n", AION_VERSION);
    fprintf(fp, "%d atoms\n%d atom types\n\n", f->n, o.ntypes);
    fprintf(fp, "0 %.*g xlo xhi\n0 %.*g ylo yhi\n0 %.*g zlo zhi\n", p, o.cell[0][0], p, o.cell[1][1], p, o.cell[2][2]);
    if (o.triclinic) fprintf(fp, "%.*g %.*g %.*g xy xz yz\n", p, o.cell[1][0], p, o.cell[2][0], p, o.cell[2][1]);
    fprintf(fp, "\nMasses\n\n");
    for (int t = 0; t < o.ntypes; t++) {
        fprintf(fp, "%d %.*g", t + 1, p, o.type_mass[t]);
        if (o.type_z[t] > 0) fprintf(fp, " # %s", aion_element_symbol(o.type_z[t]));
        fputc('\n', fp);
    }
    fprintf(fp, "\nAtoms # %s\n\n", charge ? "charge" : "atomic");
    for (int i = 0; i < f->n; i++) {
        fprintf(fp, "%d %d ", o.id[i], o.type[i] + 1);
        if (charge) fprintf(fp, "%.*g ", p, ((f->has & AION_HAS_CHARGE) && f->charge) ? f->charge[i] : 0.0);
        fprintf(fp, "%.*g %.*g %.*g %d %d %d\n", p, o.pos[i][0], p, o.pos[i][1], p, o.pos[i][2], o.image[i][0],
                o.image[i][1], o.image[i][2]);
    }
    if (o.vel) {
        fprintf(fp, "\nVelocities\n\n");
        for (int i = 0; i < f->n; i++)
            fprintf(fp, "%d %.*g %.*g %.*g\n", o.id[i], p, o.vel[i][0] / LMP_V_METAL_TO_AFS, p,
                    o.vel[i][1] / LMP_V_METAL_TO_AFS, p, o.vel[i][2] / LMP_V_METAL_TO_AFS);
    }
done:
    lmp_out_free(&o);
    return st;
}

/* ============================================================ dump reader */

enum {
    DC_ID, DC_TYPE, DC_ELEM, DC_X, DC_Y, DC_Z, DC_XS, DC_YS, DC_ZS, DC_XU, DC_YU, DC_ZU, DC_XSU, DC_YSU, DC_ZSU,
    DC_IX, DC_IY, DC_IZ, DC_VX, DC_VY, DC_VZ, DC_FX, DC_FY, DC_FZ, DC_Q, DC_MASS, DC_N
};
static const char *const dump_known[DC_N] = {"id", "type", "element", "x", "y", "z", "xs", "ys", "zs",
                                             "xu", "yu", "zu", "xsu", "ysu", "zsu", "ix", "iy", "iz",
                                             "vx", "vy", "vz", "fx", "fy", "fz", "q", "mass"};

/* Which coordinate set (index of its x column) gives positions. */
static int have3(const int *where, int c) { return where[c] >= 0 && where[c + 1] >= 0 && where[c + 2] >= 0; }

static aion_status dump_expect_value(aion_reader *r, const char *item)
{
    long len = aion_io_getline(r);
    if (len == -2) return r->err.code;
    if (len == -1) return aion_io_fail(r, AION_ERR_PARSE, "end of file after ITEM: %s", item);
    return AION_OK;
}

static aion_status dump_read_next(aion_reader *r, aion_frame *f)
{
    long step = 0, natoms = -1, len;
    int have_step = 0, have_time = 0, have_box = 0, triclinic = 0, ncols = 0, pos_set = -1, use_image = 0;
    double lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0}, tilt[3] = {0, 0, 0}, tval = 0, vfac = LMP_V_METAL_TO_AFS, ffac = 1.0,
           tfac = 1000.0, inv[3][3];
    int pbc[3] = {1, 1, 1}, where[DC_N];
    int *colmap = NULL;       /* file column -> DC_* or -1 - extra index */
    aion_column **extra = NULL;
    int nextra = 0;
    char **tok = NULL, *hdr = NULL, *s;
    long *lines = NULL;
    aion_status st = AION_OK;
    char units[32] = "metal";

    aion_frame_free(f);
    for (int k = 0; k < DC_N; k++) where[k] = -1;
    /* items up to ITEM: ATOMS */
    for (;;) {
        do {
            len = aion_io_getline(r);
        } while (len >= 0 && !*trim(r->line));
        if (len == -2) return r->err.code;
        if (len == -1) {
            if (have_step || natoms >= 0 || have_box)
                return aion_io_fail(r, AION_ERR_PARSE, "end of file before ITEM: ATOMS");
            return AION_EOF;
        }
        s = trim(r->line);
        if (strncmp(s, "ITEM:", 5) != 0) return aion_io_fail(r, AION_ERR_PARSE, "expected an 'ITEM:' line (LAMMPS dump)");
        s = trim(s + 5);
        if (!strcmp(s, "TIMESTEP")) {
            if ((st = dump_expect_value(r, "TIMESTEP"))) return st;
            if (aion_parse_long(trim(r->line), &step)) return aion_io_fail(r, AION_ERR_PARSE, "bad timestep '%s'", trim(r->line));
            have_step = 1;
        } else if (!strcmp(s, "TIME")) {
            if ((st = dump_expect_value(r, "TIME"))) return st;
            if (aion_parse_double(trim(r->line), &tval)) return aion_io_fail(r, AION_ERR_PARSE, "bad time '%s'", trim(r->line));
            have_time = 1;
        } else if (!strcmp(s, "UNITS")) {
            char *u;
            if ((st = dump_expect_value(r, "UNITS"))) return st;
            u = trim(r->line);
            if (!strcmp(u, "metal")) vfac = LMP_V_METAL_TO_AFS, ffac = 1.0, tfac = 1000.0;
            else if (!strcmp(u, "real")) vfac = 1.0, ffac = LMP_KCALMOL_TO_EV, tfac = 1.0;
            else
                return aion_io_fail(r, AION_ERR_UNSUPPORTED, "LAMMPS units '%s' are not supported (metal and real are)", u);
            snprintf(units, sizeof units, "%s", u);
        } else if (!strcmp(s, "NUMBER OF ATOMS")) {
            if ((st = dump_expect_value(r, "NUMBER OF ATOMS"))) return st;
            if (aion_parse_long(trim(r->line), &natoms) || natoms < 0 || natoms > AION_IO_MAX_ATOMS || natoms > 2147483647L)
                return aion_io_fail(r, AION_ERR_PARSE, "bad number of atoms '%s'", trim(r->line));
        } else if (!strncmp(s, "BOX BOUNDS", 10)) {
            char *bt[8];
            int nb = aion_io_split(s + 10, bt, 8), nf = 0;
            if (nb > 0 && !strcmp(bt[0], "abc"))
                return aion_io_fail(r, AION_ERR_UNSUPPORTED, "general triclinic dump boxes ('abc origin') are not supported");
            if (nb >= 3 && !strcmp(bt[0], "xy") && !strcmp(bt[1], "xz") && !strcmp(bt[2], "yz")) triclinic = 1, nf = 3;
            if (nb - nf == 3)
                for (int k = 0; k < 3; k++) pbc[k] = bt[nf + k][0] == 'p';
            else if (nb != nf)
                return aion_io_fail(r, AION_ERR_PARSE, "BOX BOUNDS: expected [xy xz yz] and three boundary flags");
            for (int k = 0; k < 3; k++) {
                char *v[4];
                int nv;
                if ((st = dump_expect_value(r, "BOX BOUNDS"))) return st;
                nv = aion_io_split(r->line, v, 4);
                if (nv != (triclinic ? 3 : 2))
                    return aion_io_fail(r, AION_ERR_PARSE, "BOX BOUNDS line must have %d numbers", triclinic ? 3 : 2);
                if (aion_parse_double(v[0], &lo[k]) || aion_parse_double(v[1], &hi[k]) ||
                    (triclinic && aion_parse_double(v[2], &tilt[k])))
                    return aion_io_fail(r, AION_ERR_PARSE, "bad number in BOX BOUNDS");
            }
            if (triclinic) {
                /* bounding box -> box (tilt[] = xy, xz, yz) */
                double xy = tilt[0], xz = tilt[1], yz = tilt[2];
                lo[0] -= fmin(fmin(0.0, xy), fmin(xz, xy + xz));
                hi[0] -= fmax(fmax(0.0, xy), fmax(xz, xy + xz));
                lo[1] -= fmin(0.0, yz);
                hi[1] -= fmax(0.0, yz);
            }
            for (int k = 0; k < 3; k++)
                if (!(hi[k] > lo[k])) return aion_io_fail(r, AION_ERR_PARSE, "BOX BOUNDS: empty box along %c", 'x' + k);
            have_box = 1;
        } else if (!strncmp(s, "ATOMS", 5) && (s[5] == '\0' || isspace((unsigned char)s[5]))) {
            break;
        } else {
            return aion_io_fail(r, AION_ERR_PARSE, "unknown item 'ITEM: %s'", s);
        }
    }
    if (natoms < 0) return aion_io_fail(r, AION_ERR_PARSE, "ITEM: ATOMS before ITEM: NUMBER OF ATOMS");
    if (!have_box) return aion_io_fail(r, AION_ERR_PARSE, "ITEM: ATOMS before ITEM: BOX BOUNDS");
    /* column names */
    hdr = aion_strdup(trim(s + 5));
    if (!hdr) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    {
        size_t cap = strlen(hdr) / 2 + 2;
        tok = aion_calloc(cap > LMP_MAX_COLS + 2 ? LMP_MAX_COLS + 2 : cap, sizeof *tok);
        if (!tok) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        ncols = aion_io_split(hdr, tok, LMP_MAX_COLS + 1);
    }
    if (ncols == 0) {
        st = aion_io_fail(r, AION_ERR_UNSUPPORTED, "ITEM: ATOMS names no columns (old dump format): not supported");
        goto done;
    }
    if (ncols > LMP_MAX_COLS) {
        st = aion_io_fail(r, AION_ERR_PARSE, "more than %d columns", LMP_MAX_COLS);
        goto done;
    }
    colmap = aion_calloc((size_t)ncols, sizeof *colmap);
    extra = aion_calloc((size_t)ncols, sizeof *extra);
    if (!colmap || !extra) {
        st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int c = 0; c < ncols; c++) {
        int k = 0;
        while (k < DC_N && strcmp(tok[c], dump_known[k])) k++;
        if (k < DC_N) {
            if (where[k] >= 0) {
                st = aion_io_fail(r, AION_ERR_PARSE, "column '%s' appears twice", tok[c]);
                goto done;
            }
            where[k] = c;
        } else {
            for (int d = 0; d < c; d++)
                if (!strcmp(tok[c], tok[d])) {
                    st = aion_io_fail(r, AION_ERR_PARSE, "column '%s' appears twice", tok[c]);
                    goto done;
                }
        }
        colmap[c] = k < DC_N ? k : -1;
    }
    for (int k = DC_X; k <= DC_XSU; k += 3) {
        int cnt = (where[k] >= 0) + (where[k + 1] >= 0) + (where[k + 2] >= 0);
        if (cnt != 0 && cnt != 3) {
            st = aion_io_fail(r, AION_ERR_PARSE, "incomplete coordinate columns (%s %s %s needs all three)", dump_known[k],
                              dump_known[k + 1], dump_known[k + 2]);
            goto done;
        }
    }
    /* positions: wrapped + image flags if both given, else unwrapped, else wrapped */
    {
        int wrapped = have3(where, DC_X) ? DC_X : have3(where, DC_XS) ? DC_XS : -1;
        int unwrapped = have3(where, DC_XU) ? DC_XU : have3(where, DC_XSU) ? DC_XSU : -1;
        int img = have3(where, DC_IX);
        if (wrapped >= 0 && (img || unwrapped < 0)) pos_set = wrapped, use_image = img;
        else pos_set = unwrapped;
    }
    if (pos_set < 0) {
        st = aion_io_fail(r, AION_ERR_PARSE, "no coordinate columns (x y z, xs ys zs, xu yu zu or xsu ysu zsu)");
        goto done;
    }
    /* columns not used as such become extra columns */
    for (int c = 0; c < ncols; c++) {
        int k = colmap[c];
        int used = k >= 0 && !(k >= DC_X && k <= DC_ZSU && (k - DC_X) / 3 != (pos_set - DC_X) / 3) &&
                   !(k >= DC_IX && k <= DC_IZ && !use_image);
        if (!used) colmap[c] = -1;
    }
    {
        char what[64];
        snprintf(what, sizeof what, "NUMBER OF ATOMS %ld", natoms);
        if ((st = aion_io_check_count(r, natoms, 2L * ncols, what))) goto done; /* a digit and a separator per value */
    }
    {
        unsigned has = AION_HAS_CELL;
        if (where[DC_ID] >= 0) has |= AION_HAS_ID;
        if (where[DC_TYPE] >= 0) has |= AION_HAS_TYPE;
        if (use_image) has |= AION_HAS_IMAGE;
        if (have3(where, DC_VX)) has |= AION_HAS_VEL;
        if (have3(where, DC_FX)) has |= AION_HAS_FORCES;
        if (where[DC_Q] >= 0) has |= AION_HAS_CHARGE;
        if (where[DC_MASS] >= 0) has |= AION_HAS_MASS;
        if (have_step) has |= AION_HAS_STEP;
        if (have_time) has |= AION_HAS_TIME;
        if ((st = aion_frame_resize(f, (int)natoms, has))) {
            st = aion_io_fail(r, st, "out of memory for %ld atoms", natoms);
            goto done;
        }
    }
    f->step = step;
    f->time_fs = tval * tfac;
    memcpy(f->pbc, pbc, sizeof pbc);
    set_cell_from_box(f, lo, hi, tilt);
    if (aion_cell_inverse(f->cell, inv)) {
        st = aion_io_fail(r, AION_ERR_NUMERIC, "singular box");
        goto done;
    }
    lines = aion_calloc((size_t)(natoms > 0 ? natoms : 1), sizeof *lines);
    if (!lines) {
        st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* extra columns: kind from the first row (number -> 'R', else 'S') */
    if (natoms > 0) {
        char *first = NULL, *ft[LMP_MAX_COLS + 1];
        int nf;
        int need = 0;
        for (int c = 0; c < ncols; c++)
            if (colmap[c] < 0) need = 1;
        if (need) {
            do {
                len = aion_io_getline(r);
            } while (len >= 0 && !*trim(r->line));
            if (len == -2) {
                st = r->err.code;
                goto done;
            }
            if (len == -1) {
                st = aion_io_fail(r, AION_ERR_PARSE, "end of file in ITEM: ATOMS (0 of %ld atoms)", natoms);
                goto done;
            }
            first = aion_strdup(r->line);
            aion_io_unread(r);
            if (!first) {
                st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                goto done;
            }
            nf = aion_io_split(first, ft, ncols + 1);
            for (int c = 0; c < ncols; c++) {
                double v;
                char kind;
                if (colmap[c] >= 0) continue;
                kind = (c < nf && !aion_parse_double(ft[c], &v)) ? 'R' : 'S';
                if (!strcmp(tok[c], "ix") || !strcmp(tok[c], "iy") || !strcmp(tok[c], "iz")) kind = kind == 'R' ? 'I' : 'S';
                extra[c] = aion_frame_column_add(f, tok[c], kind, 1);
                if (!extra[c]) {
                    free(first);
                    st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                    goto done;
                }
                nextra++;
            }
            free(first);
            /* column_add may move f->cols: re-fetch the pointers */
            for (int c = 0; c < ncols; c++)
                if (colmap[c] < 0) extra[c] = aion_frame_column_get(f, tok[c]);
        }
    }
    (void)nextra;
    for (long i = 0; i < natoms; i++) {
        char *v[LMP_MAX_COLS + 1];
        int nv;
        double x[DC_N];
        memset(x, 0, sizeof x);
        do {
            len = aion_io_getline(r);
        } while (len >= 0 && !*trim(r->line));
        if (len == -2) {
            st = r->err.code;
            goto done;
        }
        if (len == -1) {
            st = aion_io_fail(r, AION_ERR_PARSE, "end of file in ITEM: ATOMS (%ld of %ld atoms)", i, natoms);
            goto done;
        }
        lines[i] = r->lineno;
        nv = aion_io_split(r->line, v, ncols + 1);
        if (nv != ncols) {
            st = aion_io_fail(r, AION_ERR_PARSE, "atom line has %d columns, ITEM: ATOMS names %d", nv, ncols);
            goto done;
        }
        for (int c = 0; c < ncols; c++) {
            int k = colmap[c];
            if (k < 0) {
                aion_column *col = extra[c];
                if (col->kind == 'S') {
                    col->s[i] = aion_strdup(v[c]);
                    if (!col->s[i]) {
                        st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                        goto done;
                    }
                } else if (aion_parse_double(v[c], &col->d[i])) {
                    st = aion_io_fail(r, AION_ERR_PARSE, "bad number '%s' in column '%s'", v[c], tok[c]);
                    goto done;
                }
                continue;
            }
            if (k == DC_ELEM) {
                f->z[i] = aion_element_z(v[c]);
                if (!f->z[i]) {
                    st = aion_io_fail(r, AION_ERR_PARSE, "unknown element '%s'", v[c]);
                    goto done;
                }
                continue;
            }
            if (aion_parse_double(v[c], &x[k])) {
                st = aion_io_fail(r, AION_ERR_PARSE, "bad number '%s' in column '%s'", v[c], tok[c]);
                goto done;
            }
        }
        if (where[DC_ID] >= 0) {
            if (x[DC_ID] != floor(x[DC_ID]) || x[DC_ID] < 1 || x[DC_ID] > 2147483647.0) {
                st = aion_io_fail(r, AION_ERR_PARSE, "bad atom id '%s'", v[where[DC_ID]]);
                goto done;
            }
            f->id[i] = (int)x[DC_ID];
        }
        if (where[DC_TYPE] >= 0) {
            if (x[DC_TYPE] != floor(x[DC_TYPE]) || x[DC_TYPE] < 1 || x[DC_TYPE] > LMP_MAX_TYPES) {
                st = aion_io_fail(r, AION_ERR_PARSE, "bad atom type '%s'", v[where[DC_TYPE]]);
                goto done;
            }
            f->type[i] = (int)x[DC_TYPE] - 1;
        }
        if (pos_set == DC_X || pos_set == DC_XU) {
            for (int k = 0; k < 3; k++) f->pos[i][k] = x[pos_set + k] - lo[k];
        } else {
            for (int k = 0; k < 3; k++)
                f->pos[i][k] = x[pos_set] * f->cell[0][k] + x[pos_set + 1] * f->cell[1][k] + x[pos_set + 2] * f->cell[2][k];
        }
        if (use_image)
            for (int k = 0; k < 3; k++) {
                double g = x[DC_IX + k];
                if (g != floor(g) || fabs(g) > 2147483647.0) {
                    st = aion_io_fail(r, AION_ERR_PARSE, "bad image flag '%s'", v[where[DC_IX + k]]);
                    goto done;
                }
                f->image[i][k] = (int)g;
            }
        if (f->has & AION_HAS_VEL)
            for (int k = 0; k < 3; k++) f->vel[i][k] = x[DC_VX + k] * vfac;
        if (f->has & AION_HAS_FORCES)
            for (int k = 0; k < 3; k++) f->forces[i][k] = x[DC_FX + k] * ffac;
        if (f->has & AION_HAS_CHARGE) f->charge[i] = x[DC_Q];
        if (f->has & AION_HAS_MASS) {
            if (!(x[DC_MASS] > 0)) {
                st = aion_io_fail(r, AION_ERR_PARSE, "bad mass '%s'", v[where[DC_MASS]]);
                goto done;
            }
            f->mass[i] = x[DC_MASS];
        }
    }
    if (where[DC_ID] >= 0 && (st = sort_by_id(r, f, lines, "this snapshot"))) goto done;
    /* elements */
    if (where[DC_ELEM] < 0 && natoms > 0) {
        if (r->opts.type_z && r->opts.n_type_z > 0 && where[DC_TYPE] >= 0) {
            if ((st = z_from_type_map(r, f))) goto done;
        } else if (where[DC_MASS] >= 0) {
            aion_strbuf note;
            aion_sb_init(&note);
            for (int i = 0; i < f->n; i++) {
                int nm, seen = 0;
                f->z[i] = z_from_mass(f->mass[i], &nm);
                if (nm != 1) {
                    aion_sb_free(&note);
                    st = aion_io_fail_noline(r, AION_ERR_INVALID,
                                             "atom %d: mass %g matches %s element within %.1f amu; give the elements "
                                             "of the types (type map)",
                                             (f->has & AION_HAS_ID) ? f->id[i] : i + 1, f->mass[i],
                                             nm ? "more than one" : "no", LMP_MASS_TOL);
                    goto done;
                }
                for (int j = 0; j < i && !seen; j++) seen = f->z[j] == f->z[i];
                if (!seen && r->frames_read == 0)
                    aion_sb_printf(&note, "%s%s (%g)", note.len ? ", " : "", aion_element_symbol(f->z[i]), f->mass[i]);
            }
            if (note.len) aion_io_note(r, "elements inferred from the mass column: %s", note.s);
            aion_sb_free(&note);
        } else {
            st = aion_io_fail_noline(r, AION_ERR_INVALID,
                                     "the dump has no element column: give the elements of the types (a type map "
                                     "such as Li,P,O) or dump with 'element' (dump_modify element)");
            goto done;
        }
    }
    {
        double o3[3] = {lo[0], lo[1], lo[2]};
        if ((st = set_origin_info(r, f, o3))) goto done;
        if (aion_frame_info_set(f, "lammps_coords", (pos_set == DC_X || pos_set == DC_XS) ? "wrapped" : "unwrapped") ||
            (strcmp(units, "metal") && aion_frame_info_set(f, "lammps_units", units))) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
done:
    free(hdr);
    free(tok);
    free(colmap);
    free(extra);
    free(lines);
    return st;
}

/* ============================================================ dump writer */

static aion_status dump_write_frame(aion_writer *w, const aion_frame *f)
{
    lmp_out o;
    aion_status st;
    int p = wprec(w), frac = w->opts.coords == AION_COORDS_FRACTIONAL;
    double inv[3][3];
    FILE *fp = w->fp;
    if ((st = lmp_prepare(w, f, &o))) goto done;
    if (aion_cell_inverse(o.cell, inv)) {
        st = aion_io_wfail(w, AION_ERR_NUMERIC, "singular cell");
        goto done;
    }
    if (f->has & AION_HAS_TIME) fprintf(fp, "ITEM: TIME\n%.*g\n", p, f->time_fs / 1000.0);
    fprintf(fp, "ITEM: TIMESTEP\n%ld\nITEM: NUMBER OF ATOMS\n%d\n", (f->has & AION_HAS_STEP) ? f->step : w->frames_written,
            f->n);
    {
        const char *bf[3];
        for (int k = 0; k < 3; k++) bf[k] = f->pbc[k] ? "pp" : "ff";
        if (o.triclinic) {
            double xy = o.cell[1][0], xz = o.cell[2][0], yz = o.cell[2][1];
            double xlo = fmin(fmin(0.0, xy), fmin(xz, xy + xz)), xhi = o.cell[0][0] + fmax(fmax(0.0, xy), fmax(xz, xy + xz));
            double ylo = fmin(0.0, yz), yhi = o.cell[1][1] + fmax(0.0, yz);
            fprintf(fp, "ITEM: BOX BOUNDS xy xz yz %s %s %s\n", bf[0], bf[1], bf[2]);
            fprintf(fp, "%.*g %.*g %.*g\n%.*g %.*g %.*g\n%.*g %.*g %.*g\n", p, xlo, p, xhi, p, xy, p, ylo, p, yhi, p, xz, p,
                    0.0, p, o.cell[2][2], p, yz);
        } else {
            fprintf(fp, "ITEM: BOX BOUNDS %s %s %s\n", bf[0], bf[1], bf[2]);
            fprintf(fp, "0 %.*g\n0 %.*g\n0 %.*g\n", p, o.cell[0][0], p, o.cell[1][1], p, o.cell[2][2]);
        }
    }
    fprintf(fp, "ITEM: ATOMS id type element %s ix iy iz%s%s\n", frac ? "xs ys zs" : "x y z", o.vel ? " vx vy vz" : "",
            o.forces ? " fx fy fz" : "");
    for (int i = 0; i < f->n; i++) {
        double r3[3];
        if (frac) vec_mat(o.pos[i], inv, r3);
        else memcpy(r3, o.pos[i], sizeof r3);
        fprintf(fp, "%d %d %s %.*g %.*g %.*g %d %d %d", o.id[i], o.type[i] + 1, aion_element_symbol(f->z[i]), p, r3[0], p,
                r3[1], p, r3[2], o.image[i][0], o.image[i][1], o.image[i][2]);
        if (o.vel)
            fprintf(fp, " %.*g %.*g %.*g", p, o.vel[i][0] / LMP_V_METAL_TO_AFS, p, o.vel[i][1] / LMP_V_METAL_TO_AFS, p,
                    o.vel[i][2] / LMP_V_METAL_TO_AFS);
        if (o.forces) fprintf(fp, " %.*g %.*g %.*g", p, o.forces[i][0], p, o.forces[i][1], p, o.forces[i][2]);
        fputc('\n', fp);
    }
done:
    lmp_out_free(&o);
    return st;
}

const aion_io_backend aion_io_lammps_data = {AION_FMT_LAMMPS_DATA, "lammps_data", NULL, data_read_next, NULL,
                                             NULL, data_write_frame, NULL};
const aion_io_backend aion_io_lammps_dump = {AION_FMT_LAMMPS_DUMP, "lammps_dump", NULL, dump_read_next, NULL,
                                             NULL, dump_write_frame, NULL};
