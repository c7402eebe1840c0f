/*
 * MLIP-2 configuration files (.cfg), read and write, streamed one
 * configuration at a time. Layout (Novikov et al., "The MLIP package",
 * Mach. Learn.: Sci. Technol. 2, 025002 (2021), doi:10.1088/2632-2153/abc9fe):
 *
 *   BEGIN_CFG
 *    Size
 *       N
 *    Supercell                      0-3 rows: the periodic lattice vectors (Å)
 *       ax ay az
 *    AtomData:  id type cartes_x cartes_y cartes_z fx fy fz     columns named here
 *       1 0  x y z  fx fy fz
 *    Energy
 *       E                           eV
 *    PlusStress:  xx yy zz yz xz xy
 *       ...                         virial W = -dE/dε (eV), positive when compressed
 *    Feature   key  value
 *   END_CFG
 *
 * Columns read: id, type, cartes_x|cartesian_x (and y, z), direct_x (and y, z:
 * fractional), fx fy fz, site_en (per-atom energy); any other column is kept
 * as a per-atom real column under its own name. Keywords are matched without
 * regard to case ("SuperCell" occurs in the wild).
 *
 * Species are 0-based type indices. The reader maps them to elements with
 * aion_read_opts.type_z, else with a "Feature aion_species Mg,V,O" line
 * (which this writer adds whenever every atom has an element); without
 * either, z = 0 and the type is kept (noted once).
 *
 * Stress: sigma = -PlusStress / V (ASE sign, eV/Å³). With fewer than three
 * Supercell rows there is no volume: the raw PlusStress is kept in info
 * "plus_stress" and written back as it was.
 */
#include "io.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CFG_MAX_TYPES 1000

typedef struct cfg_state {
    char **tok;
    int tokcap;
    int noted_nomap, noted_mismatch;
    long ncfg;
} cfg_state;

static char *trim(char *s)
{
    size_t n;
    while (*s && isspace((unsigned char)*s)) s++;
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

static int split(cfg_state *s, char *line)
{
    size_t need = strlen(line) / 2 + 2;
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

static aion_status cfg_open(aion_reader *r)
{
    r->state = calloc(1, sizeof(cfg_state));
    return r->state ? AION_OK : aion_io_fail_noline(r, AION_ERR_NOMEM, "out of memory");
}

static void cfg_close(aion_reader *r)
{
    cfg_state *s = r->state;
    if (!s) return;
    free(s->tok);
    free(s);
    r->state = NULL;
}

/* Next line inside a configuration that began at line `begin`. */
static aion_status cfg_line(aion_reader *r, long begin, const char *what)
{
    long len = aion_io_getline(r);
    if (len == -2) return r->err.code;
    if (len == -1)
        return aion_io_fail(r, AION_ERR_PARSE, "unexpected end of file: expected %s (configuration from line %ld has no END_CFG)",
                            what, begin);
    return AION_OK;
}

static aion_status real_of(aion_reader *r, const char *tok, double *v, const char *what)
{
    if (aion_parse_double(tok, v)) return aion_io_fail(r, AION_ERR_PARSE, "%s: '%.40s' is not a finite number", what, tok);
    return AION_OK;
}

/* Parse "Mg,V,O" (commas and/or spaces) into Z values. */
static aion_status parse_species_map(aion_reader *r, const char *text, int **out, int *nout)
{
    int *z = NULL, n = 0, cap = 0;
    const char *p = text;
    *out = NULL;
    *nout = 0;
    while (*p) {
        char buf[8];
        size_t k = 0;
        while (*p == ',' || isspace((unsigned char)*p)) p++;
        if (!*p) break;
        while (p[k] && p[k] != ',' && !isspace((unsigned char)p[k])) k++;
        if (k >= sizeof buf || (memcpy(buf, p, k), buf[k] = '\0', aion_element_z(buf) == 0)) {
            free(z);
            return aion_io_fail(r, AION_ERR_PARSE, "aion_species: '%.*s' is not an element", (int)(k > 20 ? 20 : k), p);
        }
        if (n == cap) {
            int *q;
            cap = cap ? 2 * cap : 8;
            if (cap > CFG_MAX_TYPES || !(q = aion_realloc_array(z, (size_t)cap, sizeof *q))) {
                free(z);
                return aion_io_fail(r, AION_ERR_PARSE, "aion_species: too many species");
            }
            z = q;
        }
        z[n++] = aion_element_z(buf);
        p += k;
    }
    if (n == 0) return aion_io_fail(r, AION_ERR_PARSE, "aion_species: no elements listed");
    *out = z;
    *nout = n;
    return AION_OK;
}

enum { C_ID, C_TYPE, C_CX, C_CY, C_CZ, C_DX, C_DY, C_DZ, C_FX, C_FY, C_FZ, C_EN, C_NAMED, C_OTHER };

static int column_kind(const char *name)
{
    static const struct { const char *name; int kind; } known[] = {
        {"id", C_ID},          {"type", C_TYPE},      {"cartes_x", C_CX},    {"cartes_y", C_CY},
        {"cartes_z", C_CZ},    {"cartesian_x", C_CX}, {"cartesian_y", C_CY}, {"cartesian_z", C_CZ},
        {"direct_x", C_DX},    {"direct_y", C_DY},    {"direct_z", C_DZ},    {"fx", C_FX},
        {"fy", C_FY},          {"fz", C_FZ},          {"site_en", C_EN},
    };
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        if (!strcasecmp(name, known[k].name)) return known[k].kind;
    return C_OTHER;
}

typedef struct cfg_cols {
    int n;
    int *kind;          /* per column */
    int *other;         /* per column: index in f->cols for C_OTHER */
    int have[C_OTHER];
} cfg_cols;

/* The AtomData block: header columns, then n rows. */
static aion_status read_atoms(aion_reader *r, cfg_state *s, aion_frame *f, long natoms, long begin, int *direct)
{
    cfg_cols c;
    aion_status st = AION_OK;
    char **names = NULL;
    int ntok = split(s, r->line);
    unsigned has = AION_HAS_TYPE;
    memset(&c, 0, sizeof c);
    if (ntok < 0) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    c.n = ntok - 1;
    if (c.n < 1) return aion_io_fail(r, AION_ERR_PARSE, "AtomData: names no columns");
    c.kind = calloc((size_t)c.n, sizeof *c.kind);
    c.other = calloc((size_t)c.n, sizeof *c.other);
    names = calloc((size_t)c.n, sizeof *names);
    if (!c.kind || !c.other || !names) {
        st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int k = 0; k < c.n; k++) {
        names[k] = aion_strdup(s->tok[k + 1]);
        if (!names[k]) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        c.kind[k] = column_kind(names[k]);
        if (c.kind[k] != C_OTHER && c.have[c.kind[k]]++) {
            st = aion_io_fail(r, AION_ERR_PARSE, "AtomData: column '%.40s' appears twice", names[k]);
            goto done;
        }
        for (int q = 0; q < k && c.kind[k] == C_OTHER; q++)
            if (!strcmp(names[q], names[k])) {
                st = aion_io_fail(r, AION_ERR_PARSE, "AtomData: column '%.40s' appears twice", names[k]);
                goto done;
            }
    }
    if (!c.have[C_TYPE]) {
        st = aion_io_fail(r, AION_ERR_PARSE, "AtomData: no 'type' column");
        goto done;
    }
    {
        int nc = c.have[C_CX] + c.have[C_CY] + c.have[C_CZ], nd = c.have[C_DX] + c.have[C_DY] + c.have[C_DZ];
        int nf = c.have[C_FX] + c.have[C_FY] + c.have[C_FZ];
        if (!((nc == 3 && nd == 0) || (nc == 0 && nd == 3))) {
            st = aion_io_fail(r, AION_ERR_PARSE, "AtomData: need cartes_x cartes_y cartes_z or direct_x direct_y direct_z");
            goto done;
        }
        if (nf != 0 && nf != 3) {
            st = aion_io_fail(r, AION_ERR_PARSE, "AtomData: fx, fy and fz must come together");
            goto done;
        }
        *direct = nd == 3;
        if (nf) has |= AION_HAS_FORCES;
        if (c.have[C_ID]) has |= AION_HAS_ID;
        if (c.have[C_EN]) has |= AION_HAS_ATOM_ENERGY;
    }
    if (aion_frame_resize(f, f->n, has)) {
        st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int k = 0; k < c.n; k++) {
        if (c.kind[k] != C_OTHER) continue;
        if (!aion_frame_column_add(f, names[k], 'R', 1)) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        c.other[k] = f->n_cols - 1; /* (adding may move f->cols: keep indices) */
    }
    for (int i = 0; i < natoms; i++) {
        int n;
        if ((st = cfg_line(r, begin, "an AtomData row"))) goto done;
        if (i >= f->n) {
            /* arrays grow with the rows read, not with Size */
            long m = AION_MIN(AION_MAX(2L * f->n, 1024L), natoms);
            if (aion_frame_resize(f, (int)m, 0)) {
                st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                goto done;
            }
        }
        if ((n = split(s, r->line)) < 0) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (n != c.n) {
            st = aion_io_fail(r, AION_ERR_PARSE, "AtomData row %d has %d fields; the header names %d columns%s", i + 1, n, c.n,
                              n < c.n && i > 0 ? " (fewer rows than Size?)" : "");
            goto done;
        }
        for (int k = 0; k < n; k++) {
            const char *t = s->tok[k];
            double v;
            int iv;
            switch (c.kind[k]) {
            case C_ID:
                if (aion_parse_int(t, &iv)) {
                    st = aion_io_fail(r, AION_ERR_PARSE, "atom id '%.40s' is not an integer", t);
                    goto done;
                }
                f->id[i] = iv;
                break;
            case C_TYPE:
                if (aion_parse_int(t, &iv) || iv < 0 || iv >= CFG_MAX_TYPES) {
                    st = aion_io_fail(r, AION_ERR_PARSE, "atom type '%.40s' is not an integer in 0..%d", t, CFG_MAX_TYPES - 1);
                    goto done;
                }
                if (r->opts.type_z && iv >= r->opts.n_type_z) {
                    st = aion_io_fail(r, AION_ERR_INVALID, "atom type %d, but the type map names only %d element%s", iv,
                                      r->opts.n_type_z, r->opts.n_type_z == 1 ? "" : "s");
                    goto done;
                }
                f->type[i] = iv;
                break;
            default:
                if ((st = real_of(r, t, &v, names[k]))) goto done;
                switch (c.kind[k]) {
                case C_CX: case C_DX: f->pos[i][0] = v; break;
                case C_CY: case C_DY: f->pos[i][1] = v; break;
                case C_CZ: case C_DZ: f->pos[i][2] = v; break;
                case C_FX: f->forces[i][0] = v; break;
                case C_FY: f->forces[i][1] = v; break;
                case C_FZ: f->forces[i][2] = v; break;
                case C_EN: f->atom_energy[i] = v; break;
                default: f->cols[c.other[k]].d[i] = v; break;
                }
            }
        }
    }
done:
    if (names)
        for (int k = 0; k < c.n; k++) free(names[k]);
    free(names);
    free(c.kind);
    free(c.other);
    return st;
}

/* Rest of a keyword line after the keyword (NULL if nothing follows). */
static char *after_keyword(char *line)
{
    char *p = trim(line);
    while (*p && !isspace((unsigned char)*p)) p++;
    p = trim(p);
    return *p ? p : NULL;
}

static aion_status cfg_next(aion_reader *r, aion_frame *f)
{
    cfg_state *s = r->state;
    aion_status st;
    long begin, len, natoms = -1, map_line = 0;
    int nrows = 0, got_atoms = 0, got_energy = 0, got_plus = 0, direct = 0, nmap = 0;
    int *map = NULL;
    double plus[6] = {0};
    char plus_text[512] = "";
    /* find BEGIN_CFG */
    for (;;) {
        char *p;
        len = aion_io_getline(r);
        if (len == -2) return r->err.code;
        if (len == -1) {
            if (s->ncfg == 0 && r->lineno == 0) return aion_io_fail_noline(r, AION_ERR_PARSE, "empty file: no BEGIN_CFG");
            return AION_EOF;
        }
        p = trim(r->line);
        if (!*p) continue;
        if (strcasecmp(p, "BEGIN_CFG"))
            return aion_io_fail(r, AION_ERR_PARSE, "expected BEGIN_CFG, found '%.40s'", p);
        break;
    }
    begin = r->lineno;
    aion_frame_clear(f);
    if (aion_frame_resize(f, 0, 0)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    for (;;) {
        char *p, *rest, kw[32];
        size_t k = 0;
        if ((st = cfg_line(r, begin, "END_CFG"))) goto fail;
        p = trim(r->line);
        if (!*p) continue;
        while (p[k] && !isspace((unsigned char)p[k]) && k < sizeof kw - 1) kw[k] = p[k], k++;
        kw[k] = '\0';
        if (!strcasecmp(kw, "END_CFG")) break;
        if (!strcasecmp(kw, "BEGIN_CFG")) {
            st = aion_io_fail(r, AION_ERR_PARSE, "BEGIN_CFG inside the configuration from line %ld (missing END_CFG)", begin);
            goto fail;
        }
        if (!strcasecmp(kw, "Size")) {
            if (natoms >= 0) {
                st = aion_io_fail(r, AION_ERR_PARSE, "Size given twice");
                goto fail;
            }
            if (!(rest = after_keyword(r->line))) {
                if ((st = cfg_line(r, begin, "the number of atoms after Size"))) goto fail;
                rest = trim(r->line);
            }
            if (aion_parse_long(rest, &natoms) || natoms < 1 || natoms > AION_IO_MAX_ATOMS || natoms > INT32_MAX) {
                st = aion_io_fail(r, AION_ERR_PARSE, "implausible Size '%.40s' (want 1..%ld atoms)", rest, AION_IO_MAX_ATOMS);
                natoms = -1;
                goto fail;
            }
            if (aion_frame_resize(f, (int)AION_MIN(natoms, 1024L), 0)) {
                st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                goto fail;
            }
        } else if (!strcasecmp(kw, "Supercell")) {
            if (nrows) {
                st = aion_io_fail(r, AION_ERR_PARSE, "Supercell given twice");
                goto fail;
            }
            while (nrows < 3) {
                const char *q0;
                int n;
                if ((st = cfg_line(r, begin, "a Supercell row or the next section"))) goto fail;
                q0 = r->line;
                while (isspace((unsigned char)*q0)) q0++;
                if (!(isdigit((unsigned char)*q0) || *q0 == '-' || *q0 == '+' || *q0 == '.')) {
                    aion_io_unread(r); /* the next keyword */
                    break;
                }
                if ((n = split(s, r->line)) < 0) {
                    st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                    goto fail;
                }
                if (n != 3) {
                    st = aion_io_fail(r, AION_ERR_PARSE, "Supercell row has %d fields; want 3 numbers", n);
                    goto fail;
                }
                for (int q = 0; q < 3; q++)
                    if ((st = real_of(r, s->tok[q], &f->cell[nrows][q], "Supercell row"))) goto fail;
                nrows++;
            }
        } else if (!strcasecmp(kw, "AtomData:") || !strcasecmp(kw, "AtomData")) {
            if (natoms < 0) {
                st = aion_io_fail(r, AION_ERR_PARSE, "AtomData before Size");
                goto fail;
            }
            if (got_atoms) {
                st = aion_io_fail(r, AION_ERR_PARSE, "AtomData given twice");
                goto fail;
            }
            if ((st = read_atoms(r, s, f, natoms, begin, &direct))) goto fail;
            got_atoms = 1;
        } else if (!strcasecmp(kw, "Energy")) {
            if (!(rest = after_keyword(r->line))) {
                if ((st = cfg_line(r, begin, "the energy after Energy"))) goto fail;
                rest = trim(r->line);
            }
            if ((st = real_of(r, rest, &f->energy, "Energy"))) goto fail;
            got_energy = 1;
        } else if (!strcasecmp(kw, "PlusStress:") || !strcasecmp(kw, "PlusStress")) {
            /* labels (default xx yy zz yz xz xy) say where each value goes */
            static const char *lab[6] = {"xx", "yy", "zz", "yz", "xz", "xy"};
            int slot[6] = {0, 1, 2, 3, 4, 5}, n;
            if ((n = split(s, r->line)) < 0) {
                st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                goto fail;
            }
            if (n > 1) {
                int seen = 0;
                if (n != 7) {
                    st = aion_io_fail(r, AION_ERR_PARSE, "PlusStress: expected 6 labels (xx yy zz yz xz xy), found %d", n - 1);
                    goto fail;
                }
                for (int q = 0; q < 6; q++) {
                    char l[3] = {0, 0, 0};
                    int m = -1;
                    if (strlen(s->tok[q + 1]) == 2) {
                        l[0] = (char)tolower((unsigned char)s->tok[q + 1][0]);
                        l[1] = (char)tolower((unsigned char)s->tok[q + 1][1]);
                        if (l[0] > l[1]) { char c = l[0]; l[0] = l[1]; l[1] = c; } /* zy -> yz */
                    }
                    for (int t = 0; t < 6; t++)
                        if (!strcmp(l, lab[t])) m = t;
                    if (m < 0 || (seen & (1 << m))) {
                        st = aion_io_fail(r, AION_ERR_PARSE, "PlusStress: bad or repeated label '%.20s'", s->tok[q + 1]);
                        goto fail;
                    }
                    seen |= 1 << m;
                    slot[q] = m;
                }
            }
            if ((st = cfg_line(r, begin, "the six PlusStress values"))) goto fail;
            if ((n = split(s, r->line)) < 0) {
                st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                goto fail;
            }
            if (n != 6) {
                st = aion_io_fail(r, AION_ERR_PARSE, "PlusStress: expected 6 numbers, found %d", n);
                goto fail;
            }
            for (int q = 0; q < 6; q++)
                if ((st = real_of(r, s->tok[q], &plus[slot[q]], "PlusStress"))) goto fail;
            {
                /* kept as text in the canonical order for non-3D cells */
                char buf[512];
                int off = 0;
                for (int t = 0; t < 6; t++) {
                    char num[40];
                    snprintf(num, sizeof num, "%.17g", plus[t]);
                    off += snprintf(buf + off, sizeof buf - (size_t)off, "%s%s", t ? " " : "", num);
                }
                snprintf(plus_text, sizeof plus_text, "%s", buf);
            }
            got_plus = 1;
        } else if (!strcasecmp(kw, "Feature")) {
            char *key = after_keyword(r->line), *val;
            if (!key) {
                st = aion_io_fail(r, AION_ERR_PARSE, "Feature without a name");
                goto fail;
            }
            val = key;
            while (*val && !isspace((unsigned char)*val)) val++;
            if (*val) *val++ = '\0';
            val = trim(val);
            if (!strcmp(key, "aion_species")) {
                free(map);
                map = NULL;
                if ((st = parse_species_map(r, val, &map, &nmap))) goto fail;
                map_line = r->lineno;
            } else if (aion_frame_info_set(f, key, val)) {
                st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                goto fail;
            }
        } else {
            st = aion_io_fail(r, AION_ERR_PARSE, "unknown .cfg keyword '%.40s'", kw);
            goto fail;
        }
    }
    /* END_CFG: put the pieces together */
    if (natoms < 0 || !got_atoms) {
        st = aion_io_fail(r, AION_ERR_PARSE, "the configuration from line %ld has no %s", begin, natoms < 0 ? "Size" : "AtomData");
        goto fail;
    }
    for (int k = 0; k < nrows; k++) f->pbc[k] = 1;
    if (nrows > 0) f->has |= AION_HAS_CELL;
    if (nrows == 3) {
        double det = aion_det3(f->cell);
        if (!(fabs(det) > 0) || !isfinite(det)) {
            st = aion_io_fail(r, AION_ERR_PARSE, "the Supercell of the configuration from line %ld has zero volume", begin);
            goto fail;
        }
    }
    if (direct) {
        if (nrows != 3) {
            st = aion_io_fail(r, AION_ERR_PARSE, "direct (fractional) coordinates need 3 Supercell rows (configuration from line %ld)",
                              begin);
            goto fail;
        }
        for (int i = 0; i < f->n; i++) {
            double x[3];
            memcpy(x, f->pos[i], sizeof x);
            for (int k = 0; k < 3; k++) f->pos[i][k] = x[0] * f->cell[0][k] + x[1] * f->cell[1][k] + x[2] * f->cell[2][k];
        }
    }
    if (got_energy) f->has |= AION_HAS_ENERGY;
    if (got_plus) {
        if (nrows == 3) {
            double v = fabs(aion_det3(f->cell));
            static const int ij[6][2] = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 1}};
            for (int k = 0; k < 6; k++)
                f->stress[ij[k][0]][ij[k][1]] = f->stress[ij[k][1]][ij[k][0]] = -plus[k] / v;
            f->has |= AION_HAS_STRESS;
        } else if (aion_frame_info_set(f, "plus_stress", plus_text)) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto fail;
        }
    }
    /* species */
    {
        const int *tz = r->opts.type_z;
        int ntz = r->opts.n_type_z;
        if (tz && map && !s->noted_mismatch) {
            int same = ntz >= nmap;
            for (int k = 0; k < nmap && same; k++) same = tz[k] == map[k];
            if (!same) {
                aion_io_note(r, "line %ld: the file's aion_species map differs from the type map given; using the type map",
                             map_line);
                s->noted_mismatch = 1;
            }
        }
        if (!tz && map) {
            tz = map;
            ntz = nmap;
        }
        if (tz) {
            for (int i = 0; i < f->n; i++) {
                int t = f->type[i];
                if (t >= ntz) {
                    st = aion_io_fail(r, AION_ERR_INVALID, "atom %d has type %d, but the aion_species map (line %ld) names %d species",
                                      i + 1, t, map_line, ntz);
                    goto fail;
                }
                if (tz[t] < 1 || tz[t] > AION_MAX_Z) {
                    st = aion_io_fail(r, AION_ERR_INVALID, "type map entry %d is not an element (Z = %d)", t, tz[t]);
                    goto fail;
                }
                f->z[i] = tz[t];
            }
        } else {
            for (int i = 0; i < f->n; i++) f->z[i] = 0;
            if (!s->noted_nomap) {
                aion_io_note(r, "no species map: atoms keep their .cfg types and have no element "
                                "(give one, e.g. --type-map Mg,V,O)");
                s->noted_nomap = 1;
            }
        }
    }
    free(map);
    s->ncfg++;
    return AION_OK;
fail:
    free(map);
    return st;
}

/* ------------------------------------------------------------ writer */

typedef struct cfg_wstate {
    int type_of[AION_MAX_Z + 1]; /* Z -> type, -1 if none yet */
    int z_of[AION_MAX_Z + 1];    /* type -> Z */
    int ntypes;
    int fixed_map;               /* from write_opts.type_z */
} cfg_wstate;

static aion_status cfg_wopen(aion_writer *w)
{
    cfg_wstate *s = calloc(1, sizeof *s);
    if (!s) return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
    for (int z = 0; z <= AION_MAX_Z; z++) s->type_of[z] = -1;
    w->state = s;
    if (w->opts.type_z) {
        if (w->opts.n_type_z < 1 || w->opts.n_type_z > AION_MAX_Z)
            return aion_io_wfail(w, AION_ERR_INVALID, "the type map has %d entries", w->opts.n_type_z);
        for (int t = 0; t < w->opts.n_type_z; t++) {
            int z = w->opts.type_z[t];
            if (z < 1 || z > AION_MAX_Z) return aion_io_wfail(w, AION_ERR_INVALID, "type map entry %d is not an element (Z = %d)", t, z);
            if (s->type_of[z] >= 0)
                return aion_io_wfail(w, AION_ERR_INVALID, "element %s appears twice in the type map", aion_element_symbol(z));
            s->type_of[z] = t;
            s->z_of[t] = z;
        }
        s->ntypes = w->opts.n_type_z;
        s->fixed_map = 1;
    }
    return AION_OK;
}

static aion_status cfg_wclose(aion_writer *w)
{
    free(w->state);
    w->state = NULL;
    return AION_OK;
}

static void put_feature_text(FILE *fp, const char *s)
{
    for (; *s; s++) fputc(*s == '\n' || *s == '\r' ? ' ' : *s, fp);
}

static int plain_name(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (isspace((unsigned char)*s)) return 0;
    return 1;
}

static aion_status cfg_write(aion_writer *w, const aion_frame *f)
{
    cfg_wstate *s = w->state;
    int p = w->opts.precision > 0 ? (w->opts.precision > 20 ? 20 : w->opts.precision) : 10;
    int wd = p + 7, nz0 = 0, nrows = 0, rows[3];
    int *type = NULL;
    int forces = (f->has & AION_HAS_FORCES) && f->forces;
    int aen = (f->has & AION_HAS_ATOM_ENERGY) && f->atom_energy;
    int ids = (f->has & AION_HAS_ID) && f->id;
    const aion_column *grades = aion_frame_column_get(f, "nbh_grades");
    FILE *fp = w->fp;
    if (f->n < 1) return aion_io_wfail(w, AION_ERR_INVALID, "a .cfg configuration needs at least one atom");
    if (grades && (grades->kind == 'S' || grades->ncols != 1)) grades = NULL;
    type = malloc((size_t)f->n * sizeof *type);
    if (!type) return aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
    for (int i = 0; i < f->n; i++) nz0 += f->z[i] == 0;
    for (int i = 0; i < f->n; i++) {
        int z = f->z[i];
        if (z == 0) {
            if (!(f->has & AION_HAS_TYPE) || !f->type || f->type[i] < 0) {
                free(type);
                return aion_io_wfail(w, AION_ERR_INVALID, "atom %d has neither an element nor a type", i + 1);
            }
            if (!s->fixed_map && nz0 != f->n) {
                free(type);
                return aion_io_wfail(w, AION_ERR_INVALID,
                                     "the frame mixes atoms with and without elements; give a type map to write it");
            }
            type[i] = f->type[i];
            continue;
        }
        if (z < 0 || z > AION_MAX_Z) {
            free(type);
            return aion_io_wfail(w, AION_ERR_INVALID, "atom %d has Z = %d", i + 1, z);
        }
        if (s->type_of[z] < 0) {
            if (s->fixed_map) {
                free(type);
                return aion_io_wfail(w, AION_ERR_INVALID, "element %s (atom %d) is not in the type map", aion_element_symbol(z),
                                     i + 1);
            }
            s->type_of[z] = s->ntypes;
            s->z_of[s->ntypes++] = z;
        }
        type[i] = s->type_of[z];
    }
    if (f->has & AION_HAS_CELL)
        for (int k = 0; k < 3; k++)
            if (f->pbc[k]) rows[nrows++] = k;

    fprintf(fp, "BEGIN_CFG\n Size\n    %d\n", f->n);
    if (nrows) {
        fprintf(fp, " Supercell\n");
        for (int q = 0; q < nrows; q++) {
            const double *a = f->cell[rows[q]];
            fprintf(fp, "   %*.*e %*.*e %*.*e\n", wd, p - 1, a[0], wd, p - 1, a[1], wd, p - 1, a[2]);
        }
    }
    fprintf(fp, " AtomData:  id type %*s %*s %*s", wd, "cartes_x", wd, "cartes_y", wd, "cartes_z");
    if (forces) fprintf(fp, " %*s %*s %*s", wd, "fx", wd, "fy", wd, "fz");
    if (aen) fprintf(fp, " %*s", wd, "site_en");
    if (grades) fprintf(fp, " %*s", wd, "nbh_grades");
    fputc('\n', fp);
    for (int i = 0; i < f->n; i++) {
        fprintf(fp, " %12d %4d %*.*e %*.*e %*.*e", ids ? f->id[i] : i + 1, type[i], wd, p - 1, f->pos[i][0], wd, p - 1,
                f->pos[i][1], wd, p - 1, f->pos[i][2]);
        if (forces) fprintf(fp, " %*.*e %*.*e %*.*e", wd, p - 1, f->forces[i][0], wd, p - 1, f->forces[i][1], wd, p - 1, f->forces[i][2]);
        if (aen) fprintf(fp, " %*.*e", wd, p - 1, f->atom_energy[i]);
        if (grades) fprintf(fp, " %*.*e", wd, p - 1, grades->d[i]);
        fputc('\n', fp);
    }
    free(type);
    if (f->has & AION_HAS_ENERGY) fprintf(fp, " Energy\n    %.*e\n", p - 1, f->energy);
    if ((f->has & AION_HAS_STRESS) && nrows == 3) {
        double v = fabs(aion_det3(f->cell));
        const double ps[6] = {-f->stress[0][0] * v, -f->stress[1][1] * v, -f->stress[2][2] * v,
                              -f->stress[1][2] * v, -f->stress[0][2] * v, -f->stress[0][1] * v};
        fprintf(fp, " PlusStress:  %*s %*s %*s %*s %*s %*s\n   ", wd - 1, "xx", wd, "yy", wd, "zz", wd, "yz", wd, "xz", wd, "xy");
        for (int k = 0; k < 6; k++) fprintf(fp, " %*.*e", wd, p - 1, ps[k] + 0.0);
        fputc('\n', fp);
    } else if (aion_frame_info_get(f, "plus_stress") && nrows < 3) {
        fprintf(fp, " PlusStress:  xx yy zz yz xz xy\n    ");
        put_feature_text(fp, aion_frame_info_get(f, "plus_stress"));
        fputc('\n', fp);
    }
    for (int k = 0; k < f->n_info; k++) {
        const aion_kv *kv = &f->info[k];
        if (!strcmp(kv->key, "aion_species") || !strcmp(kv->key, "plus_stress")) continue;
        if (!plain_name(kv->key)) continue; /* a .cfg Feature name is one word */
        fprintf(fp, " Feature   %s\t", kv->key);
        put_feature_text(fp, kv->value);
        fputc('\n', fp);
    }
    if (nz0 == 0) {
        fprintf(fp, " Feature   aion_species\t");
        for (int t = 0; t < s->ntypes; t++) fprintf(fp, "%s%s", t ? "," : "", aion_element_symbol(s->z_of[t]));
        fputc('\n', fp);
    }
    fprintf(fp, "END_CFG\n\n");
    return AION_OK;
}

const aion_io_backend aion_io_cfg = {
    AION_FMT_CFG, "cfg", cfg_open, cfg_next, cfg_close, cfg_wopen, cfg_write, cfg_wclose,
};
