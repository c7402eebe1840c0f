/*
 * Extended XYZ (ASE / libAtoms convention), read and write, streamed frame by
 * frame.
 *
 *   N
 *   Lattice="ax ay az bx by bz cx cy cz" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1.5 pbc="T T T" key=value ...
 *   Li x y z fx fy fz
 *   ...
 *
 * Conventions (those of ase.io.extxyz, ASE 3.22):
 *  - The comment line is a list of key=value pairs split on whitespace, with
 *    values quoted by "", '', {} or []; a backslash escapes the next
 *    character; spaces around '=' are allowed; a key without '=' means "T";
 *    further '=' belong to the value. The tokenizer below reproduces the
 *    character-by-character rules of ASE's key_val_str_to_dict.
 *  - Lattice: 9 numbers, a then b then c (rows of our cell). With a Lattice
 *    and no pbc key, pbc is "T T T".
 *  - stress and virial: 9 numbers in Fortran order (M[i][j] = v[3j+i]), or 6
 *    Voigt numbers (xx yy zz yz xz xy) for stress. Units eV/Å³ (stress, ASE
 *    sign: positive = tensile) and eV (virial). Without a stress, a virial W is
 *    converted to stress = -W/V and dropped from the free-form fields.
 *  - Properties: NAME:TYPE:NCOLS triplets, TYPE one of R I S L. Without a
 *    Properties key the columns are species:S:1:pos:R:3 (plain XYZ; extra
 *    columns are then ignored with a note). Known columns: species (symbols,
 *    or atomic numbers if integer), pos, Z (overrides species, as in ASE),
 *    forces/force, velocities/vel (Å/fs), momenta (ASE units, converted to
 *    velocities), masses/mass, charges/charge/initial_charges, energies
 *    (per-atom), id, move_mask (ASE: T = free), image (integer image flags).
 *    Every other column is kept in f->cols and written back unchanged.
 *  - Time (fs) and step are read into f->time_fs / f->step; every other
 *    per-frame key is kept verbatim in f->info and written back.
 *
 * Reading is a hand-written tokenizer over the line buffer: no allocation per
 * token (only per string-valued free column entry), numbers through an exact
 * fast path (Clinger 1990: an integer mantissa below 2^53 times an exact
 * power of ten <= 1e22 rounds correctly in one operation) with strtod as the
 * fallback.
 */
#include "io.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Column roles. */
enum {
    ROLE_OTHER = 0, ROLE_SPECIES, ROLE_POS, ROLE_Z, ROLE_FORCES, ROLE_VEL, ROLE_MOMENTA, ROLE_MASS,
    ROLE_CHARGE, ROLE_AENERGY, ROLE_ID, ROLE_MOVE_MASK, ROLE_IMAGE
};

typedef struct xyz_prop {
    char *name;       /* into st->props_names */
    char kind;        /* R I S L */
    int ncols;
    int role;
    int col;          /* index in f->cols for ROLE_OTHER */
    /* bound per frame (after every resize) */
    double *d;        /* real targets and OTHER I/L targets */
    int *ip;          /* Z, id, image */
    unsigned char *fx;/* move_mask */
    char **s;         /* OTHER S */
} xyz_prop;

typedef struct xyz_kv {
    char *key, *val;
} xyz_kv;

typedef struct xyz_state {
    char *comment;            /* copy of the comment line, tokenized in place */
    size_t comment_cap;
    xyz_kv *kv;
    int kv_cap;
    char *props_src;          /* Properties string the table below was built from */
    char *props_names;        /* same with ':' turned into NULs */
    size_t props_cap;
    int props_default;        /* no Properties key: plain XYZ */
    xyz_prop *props;
    int nprops, props_cap_n, total_cols;
    int seekable;
    long long fsize;
    int noted_extra, noted_comment, noted_virial;
    int z_from_Z;             /* this frame has both species and Z: Z wins */
    struct {                  /* species cache */
        char s[8];
        size_t len;
        int z;
    } sym[16];
    int nsym;
} xyz_state;

/* ------------------------------------------------------------ numbers */

/* isspace() for the C locale without the table lookup call */
static inline int is_ws(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Parse the real number in [s, s+len). 0 on success; -1 if not a number,
 * -2 if NaN or infinite. */
static int parse_real(const char *s, size_t len, double *out)
{
    const char *p = s, *e = s + len;
    unsigned long long m = 0;
    int nd = 0, exp10 = 0, any = 0, neg = 0;
    if (p < e && (*p == '+' || *p == '-')) neg = *p++ == '-';
    while (p < e && (unsigned)(*p - '0') < 10) {
        any = 1;
        if (m || *p != '0') {
            if (nd >= 19) goto slow;
            m = m * 10 + (unsigned)(*p - '0');
            nd++;
        }
        p++;
    }
    if (p < e && *p == '.') {
        p++;
        while (p < e && (unsigned)(*p - '0') < 10) {
            any = 1;
            if (m || *p != '0') {
                if (nd >= 19) goto slow;
                m = m * 10 + (unsigned)(*p - '0');
                nd++;
            }
            exp10--;
            p++;
        }
    }
    if (!any) goto slow;
    if (p < e && (*p == 'e' || *p == 'E')) {
        int eneg = 0, ev = 0, edig = 0;
        p++;
        if (p < e && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        while (p < e && (unsigned)(*p - '0') < 10) {
            if (ev < 100000) ev = ev * 10 + (*p - '0');
            edig = 1;
            p++;
        }
        if (!edig) return -1;
        exp10 += eneg ? -ev : ev;
    }
    if (p != e) goto slow;
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    if (m <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)m;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
        return 0;
    }
slow: {
    char buf[128];
    char *end;
    double v;
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (aion_parse_double(buf, &v) == 0) {
        *out = v;
        return 0;
    }
    v = strtod(buf, &end);
    if (end != buf && *end == '\0' && !isfinite(v)) return -2;
    return -1;
}
}

/* Strict integer in [s, s+len). */
static int parse_integer(const char *s, size_t len, long *out)
{
    const char *p = s, *e = s + len;
    int neg = 0;
    unsigned long v = 0;
    if (p < e && (*p == '+' || *p == '-')) neg = *p++ == '-';
    if (p == e) return -1;
    for (; p < e; p++) {
        if ((unsigned)(*p - '0') >= 10) return -1;
        if (v > 100000000000000000UL) return -1;
        v = v * 10 + (unsigned)(*p - '0');
    }
    *out = neg ? -(long)v : (long)v;
    return 0;
}

static int parse_logical(const char *s, size_t len, int *out)
{
    static const char *const t[] = {"T", "True", "true", "TRUE"}, *const f[] = {"F", "False", "false", "FALSE"};
    for (int k = 0; k < 4; k++) {
        if (strlen(t[k]) == len && !memcmp(s, t[k], len)) return *out = 1, 0;
        if (strlen(f[k]) == len && !memcmp(s, f[k], len)) return *out = 0, 0;
    }
    return -1;
}

/* Split a value on whitespace and commas (as ASE's [^\s,]+) into up to max
 * reals. Returns the count (max+1 if there are more), -1 if one is not a
 * number, -2 if one is NaN/Inf. */
static int parse_real_list(const char *v, double *x, int max)
{
    int n = 0;
    const char *p = v;
    for (;;) {
        while (*p && (isspace((unsigned char)*p) || *p == ',')) p++;
        if (!*p) return n;
        const char *t = p;
        while (*p && !isspace((unsigned char)*p) && *p != ',') p++;
        if (n == max) return max + 1;
        int rc = parse_real(t, (size_t)(p - t), &x[n]);
        if (rc) return rc;
        n++;
    }
}

/* ------------------------------------------------------- comment line */

/*
 * Tokenize the comment line in place into key/value pairs, with the rules of
 * ASE's key_val_str_to_dict. Returns the number of pairs, or -1 if the line
 * starts with '=' (which ASE cannot parse either), -2 on allocation failure.
 * A key with no '=' gets value NULL (meaning "T").
 */
static int kv_tokenize(xyz_state *st, char *s)
{
    char *w, *r, *end;
    int n = 0, nfields = 1, terminated = 0;
    size_t cur_len = 0;
    char delim = 0;
    int esc = 0;
    /* strip */
    while (*s && isspace((unsigned char)*s)) s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1])) end--;
    *end = '\0';
    if (s == end) return 0;
    w = r = s;
#define KV_PUSH()                                                                    \
    do {                                                                             \
        if (n == st->kv_cap) {                                                       \
            int nc_ = st->kv_cap ? 2 * st->kv_cap : 16;                              \
            xyz_kv *q_ = aion_realloc_array(st->kv, (size_t)nc_, sizeof *q_);        \
            if (!q_) return -2;                                                      \
            st->kv = q_;                                                             \
            st->kv_cap = nc_;                                                        \
        }                                                                            \
        st->kv[n].key = w;                                                           \
        st->kv[n].val = NULL;                                                        \
        n++;                                                                         \
        nfields = 1;                                                                 \
        cur_len = 0;                                                                 \
        terminated = 0;                                                              \
    } while (0)
    KV_PUSH();
    for (; r < end; r++) {
        char c = *r;
        if (esc) {
            *w++ = c;
            cur_len++;
            esc = 0;
        } else if (c == '\\') {
            esc = 1;
        } else if (delim) {
            if (c == delim)
                delim = 0;
            else {
                *w++ = c;
                cur_len++;
            }
        } else if (c == '"' || c == '\'' || c == '{' || c == '[') {
            delim = c == '{' ? '}' : c == '[' ? ']' : c;
        } else if (isspace((unsigned char)c)) {
            if (cur_len == 0) continue;
            *w++ = '\0';
            terminated = 1;
            KV_PUSH();
        } else if (c == '=') {
            if (nfields == 1 && cur_len == 0) {
                /* a fresh empty pair: ASE deletes it and adds the field to the previous pair */
                if (n == 1) return -1;
                n--;
                nfields = st->kv[n - 1].val ? 3 : 1;
                terminated = 1; /* the previous field ended with the NUL at w[-1] */
            }
            if (nfields == 1) {
                if (!terminated) *w++ = '\0';
                st->kv[n - 1].val = w;
            } else {
                /* more '=': joined into the value */
                if (terminated) w[-1] = '=';
                else *w++ = '=';
            }
            nfields++;
            cur_len = 0;
            terminated = 0;
        } else {
            *w++ = c;
            cur_len++;
        }
    }
#undef KV_PUSH
    if (!terminated) *w = '\0';
    /* a last pair that is an empty key without value (e.g. a trailing "") is dropped */
    if (n > 0 && nfields == 1 && st->kv[n - 1].key[0] == '\0') n--;
    return n;
}

/* ---------------------------------------------------------- Properties */

static int role_of(const char *name, char kind, int ncols, int *bad_shape, int *named)
{
    static const struct {
        const char *name;
        int role;
        char kind;
        int ncols;
    } known[] = {
        {"pos", ROLE_POS, 'R', 3},           {"positions", ROLE_POS, 'R', 3},   {"Z", ROLE_Z, 'I', 1},
        {"numbers", ROLE_Z, 'I', 1},         {"forces", ROLE_FORCES, 'R', 3},   {"force", ROLE_FORCES, 'R', 3},
        {"velocities", ROLE_VEL, 'R', 3},    {"vel", ROLE_VEL, 'R', 3},         {"momenta", ROLE_MOMENTA, 'R', 3},
        {"masses", ROLE_MASS, 'R', 1},       {"mass", ROLE_MASS, 'R', 1},       {"charges", ROLE_CHARGE, 'R', 1},
        {"charge", ROLE_CHARGE, 'R', 1},     {"initial_charges", ROLE_CHARGE, 'R', 1},
        {"energies", ROLE_AENERGY, 'R', 1},  {"id", ROLE_ID, 'I', 1},           {"image", ROLE_IMAGE, 'I', 3},
    };
    *bad_shape = 0;
    *named = ROLE_OTHER;
    if (!strcmp(name, "species") || !strcmp(name, "symbols")) {
        *named = ROLE_SPECIES;
        if ((kind == 'S' || kind == 'I') && ncols == 1) return ROLE_SPECIES;
        *bad_shape = 1;
        return ROLE_OTHER;
    }
    if (!strcmp(name, "move_mask")) *named = ROLE_MOVE_MASK;
    if (!strcmp(name, "move_mask")) return (kind == 'L' && (ncols == 1 || ncols == 3)) ? ROLE_MOVE_MASK : ROLE_OTHER;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        if (strcmp(name, known[k].name)) continue;
        *named = known[k].role;
        if (kind == known[k].kind && ncols == known[k].ncols) return known[k].role;
        if (known[k].role == ROLE_POS) *bad_shape = 1;
        return ROLE_OTHER;
    }
    return ROLE_OTHER;
}

static const char *role_name(int role)
{
    static const char *const names[] = {"", "species", "positions", "atomic numbers", "forces", "velocities",
                                        "momenta", "masses", "charges", "per-atom energies", "ids", "move_mask",
                                        "image flags"};
    return names[role];
}

/* Build the column table from a Properties value. */
static aion_status parse_properties(aion_reader *r, xyz_state *st, const char *src)
{
    size_t len = strlen(src);
    char *p, *fields[3];
    int seen_roles[16] = {0}, named[16] = {0};
    if (st->props_src && !strcmp(st->props_src, src)) return AION_OK; /* same as the previous frame */
    if (len + 1 > st->props_cap) {
        char *a = realloc(st->props_src, len + 1), *b;
        if (!a) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        st->props_src = a;
        b = realloc(st->props_names, len + 1);
        if (!b) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        st->props_names = b;
        st->props_cap = len + 1;
    }
    memcpy(st->props_names, src, len + 1);
    st->props_src[0] = '\0'; /* invalid until parsed completely */
    st->nprops = 0;
    st->total_cols = 0;
    p = st->props_names;
    while (*p) {
        xyz_prop *pr;
        long nc;
        int bad;
        for (int k = 0; k < 3; k++) {
            fields[k] = p;
            while (*p && *p != ':') p++;
            if (!*p && k < 2)
                return aion_io_fail(r, AION_ERR_PARSE,
                                    "malformed Properties '%s': expected NAME:TYPE:NCOLS triplets", src);
            if (*p) *p++ = '\0';
        }
        if (!fields[0][0]) return aion_io_fail(r, AION_ERR_PARSE, "malformed Properties '%s': empty column name", src);
        if (strlen(fields[1]) != 1 || !strchr("RISL", fields[1][0]))
            return aion_io_fail(r, AION_ERR_PARSE, "malformed Properties '%s': type '%s' of '%s' is not R, I, S or L",
                                src, fields[1], fields[0]);
        if (parse_integer(fields[2], strlen(fields[2]), &nc) || nc < 1 || nc > 1000)
            return aion_io_fail(r, AION_ERR_PARSE, "malformed Properties '%s': column count '%s' of '%s' is not 1..1000",
                                src, fields[2], fields[0]);
        for (int k = 0; k < st->nprops; k++)
            if (!strcmp(st->props[k].name, fields[0]))
                return aion_io_fail(r, AION_ERR_PARSE, "malformed Properties '%s': column '%s' appears twice", src,
                                    fields[0]);
        if (st->nprops == st->props_cap_n) {
            int ncap = st->props_cap_n ? 2 * st->props_cap_n : 8;
            xyz_prop *q = aion_realloc_array(st->props, (size_t)ncap, sizeof *q);
            if (!q) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            st->props = q;
            st->props_cap_n = ncap;
        }
        pr = &st->props[st->nprops++];
        memset(pr, 0, sizeof *pr);
        pr->name = fields[0];
        pr->kind = fields[1][0];
        pr->ncols = (int)nc;
        {
            int nr;
            pr->role = role_of(pr->name, pr->kind, pr->ncols, &bad, &nr);
            if (pr->role == ROLE_OTHER && nr != ROLE_OTHER) named[nr == ROLE_MOMENTA ? ROLE_VEL : nr] = 1;
        }
        if (bad)
            return aion_io_fail(r, AION_ERR_PARSE, "malformed Properties '%s': '%s' must be %s", src, pr->name,
                                !strcmp(pr->name, "species") || !strcmp(pr->name, "symbols") ? "S:1 (or I:1)" : "R:3");
        if (pr->role != ROLE_OTHER) {
            int key = pr->role == ROLE_MOMENTA ? ROLE_VEL : pr->role;
            if (seen_roles[key])
                return aion_io_fail(r, AION_ERR_PARSE, "malformed Properties '%s': %s given twice (column '%s')", src,
                                    role_name(key), pr->name);
            seen_roles[key] = 1;
        }
        st->total_cols += pr->ncols;
        if (st->total_cols > 100000)
            return aion_io_fail(r, AION_ERR_PARSE, "malformed Properties '%s': too many columns", src);
    }
    if (!seen_roles[ROLE_POS])
        return aion_io_fail(r, AION_ERR_PARSE, "malformed Properties '%s': no pos:R:3 column", src);
    /* a known name with an unusual shape is kept as a free column, unless the
     * same quantity is also given in its usual shape (it could not be written back) */
    for (int k = 0; k < 16; k++)
        if (named[k] && seen_roles[k])
            return aion_io_fail(r, AION_ERR_PARSE, "malformed Properties '%s': %s given twice (one with an unusual type "
                                "or column count)", src, role_name(k));
    memcpy(st->props_src, src, len + 1);
    return AION_OK;
}

/* ------------------------------------------------------------- reading */

static void state_free(xyz_state *st)
{
    if (!st) return;
    free(st->comment);
    free(st->kv);
    free(st->props_src);
    free(st->props_names);
    free(st->props);
    free(st);
}

static aion_status xyz_read_open(aion_reader *r)
{
    xyz_state *st = calloc(1, sizeof *st);
    struct stat sb;
    if (!st) return aion_io_fail_noline(r, AION_ERR_NOMEM, "out of memory");
    if (fstat(fileno(r->fp), &sb) == 0 && S_ISREG(sb.st_mode)) {
        st->seekable = 1;
        st->fsize = (long long)sb.st_size;
    }
    r->state = st;
    return AION_OK;
}

static void xyz_read_close(aion_reader *r)
{
    state_free(r->state);
    r->state = NULL;
}

/* Point the column table at the frame's arrays (after every resize). */
static void bind_targets(xyz_state *st, aion_frame *f)
{
    for (int k = 0; k < st->nprops; k++) {
        xyz_prop *p = &st->props[k];
        p->d = NULL;
        p->ip = NULL;
        p->fx = NULL;
        p->s = NULL;
        switch (p->role) {
        case ROLE_POS: p->d = &f->pos[0][0]; break;
        case ROLE_FORCES: p->d = &f->forces[0][0]; break;
        case ROLE_VEL:
        case ROLE_MOMENTA: p->d = &f->vel[0][0]; break;
        case ROLE_MASS: p->d = f->mass; break;
        case ROLE_CHARGE: p->d = f->charge; break;
        case ROLE_AENERGY: p->d = f->atom_energy; break;
        case ROLE_Z: p->ip = f->z; break;
        case ROLE_ID: p->ip = f->id; break;
        case ROLE_IMAGE: p->ip = &f->image[0][0]; break;
        case ROLE_MOVE_MASK: p->fx = &f->fixed[0][0]; break;
        case ROLE_SPECIES: break;
        default:
            if (p->kind == 'S') p->s = f->cols[p->col].s;
            else p->d = f->cols[p->col].d;
        }
    }
}

static int count_tokens(const char *s)
{
    int n = 0;
    while (*s) {
        while (*s && isspace((unsigned char)*s)) s++;
        if (!*s) break;
        n++;
        while (*s && !isspace((unsigned char)*s)) s++;
    }
    return n;
}

static aion_status column_count_error(aion_reader *r, xyz_state *st, long natoms, long i)
{
    int got = count_tokens(r->line);
    const char *hint = "";
    long dummy;
    if (got == 1 && parse_integer(r->line + strspn(r->line, " \t"), strcspn(r->line + strspn(r->line, " \t"), " \t"),
                                  &dummy) == 0)
        hint = " (this looks like the atom count of the next frame: fewer atom lines than the count says?)";
    return aion_io_fail(r, AION_ERR_PARSE, "atom %ld of %ld: line has %d columns, Properties needs %d%s", i + 1,
                        natoms, got, st->total_cols, hint);
}

/* A species token: element symbol (any case; "X" = unknown, Z 0) or atomic number. */
static aion_status parse_species(aion_reader *r, xyz_state *st, aion_frame *f, const char *t, size_t len, long i)
{
    char sym[8];
    long zz;
    int z;
    if (parse_integer(t, len, &zz) == 0) {
        if (zz < 0 || zz > AION_MAX_Z)
            return aion_io_fail(r, AION_ERR_INVALID, "atom %ld: atomic number %ld out of range", i + 1, zz);
        z = (int)zz;
    } else {
        /* symbols seen before in this file: skip the element-table search */
        for (int k = 0; k < st->nsym; k++)
            if (st->sym[k].len == len && !memcmp(t, st->sym[k].s, len)) {
                z = st->sym[k].z;
                goto found;
            }
        if (len >= sizeof sym)
            return aion_io_fail(r, AION_ERR_INVALID, "atom %ld: unknown element '%.*s'", i + 1, (int)AION_MIN(len, 64), t);
        memcpy(sym, t, len);
        sym[len] = '\0';
        z = aion_element_z(sym);
        if (!z && strcmp(sym, "X") && strcmp(sym, "x"))
            return aion_io_fail(r, AION_ERR_INVALID, "atom %ld: unknown element '%s'", i + 1, sym);
        if (st->nsym < (int)(sizeof st->sym / sizeof st->sym[0])) {
            memcpy(st->sym[st->nsym].s, sym, len);
            st->sym[st->nsym].len = len;
            st->sym[st->nsym++].z = z;
        }
    }
found:
    if (!st->z_from_Z) f->z[i] = z; /* as ASE: a Z column wins over species */
    return AION_OK;
}

/* Parse one atom line into atom i. */
static aion_status parse_atom_line(aion_reader *r, xyz_state *st, aion_frame *f, long natoms, long i)
{
    const char *p = r->line;
    for (int k = 0; k < st->nprops; k++) {
        xyz_prop *pr = &st->props[k];
        for (int c = 0; c < pr->ncols; c++) {
            const char *t;
            size_t len;
            while (is_ws(*p)) p++;
            if (!*p) return column_count_error(r, st, natoms, i);
            t = p;
            while (*p && !is_ws(*p)) p++;
            len = (size_t)(p - t);
            switch (pr->kind) {
            case 'R': {
                double v;
                int rc = parse_real(t, len, &v);
                if (rc)
                    return aion_io_fail(r, rc == -2 ? AION_ERR_NUMERIC : AION_ERR_PARSE,
                                        "atom %ld, column '%s': %s '%.*s'", i + 1, pr->name,
                                        rc == -2 ? "NaN or infinite value" : "not a number", (int)AION_MIN(len, 64), t);
                pr->d[i * pr->ncols + c] = v;
                break;
            }
            case 'I': {
                long v;
                if (pr->role == ROLE_SPECIES) {
                    aion_status s = parse_species(r, st, f, t, len, i);
                    if (s) return s;
                    break;
                }
                if (parse_integer(t, len, &v))
                    return aion_io_fail(r, AION_ERR_PARSE, "atom %ld, column '%s': not an integer '%.*s'", i + 1,
                                        pr->name, (int)AION_MIN(len, 64), t);
                if (pr->ip) {
                    if (v < -2147483647L || v > 2147483647L ||
                        (pr->role == ROLE_Z && (v < 0 || v > AION_MAX_Z)))
                        return aion_io_fail(r, AION_ERR_PARSE, "atom %ld, column '%s': value %ld out of range", i + 1,
                                            pr->name, v);
                    pr->ip[i * pr->ncols + c] = (int)v;
                } else {
                    pr->d[i * pr->ncols + c] = (double)v;
                }
                break;
            }
            case 'L': {
                int v;
                if (parse_logical(t, len, &v))
                    return aion_io_fail(r, AION_ERR_PARSE, "atom %ld, column '%s': not a logical (T/F) '%.*s'", i + 1,
                                        pr->name, (int)AION_MIN(len, 64), t);
                if (pr->fx) {
                    /* ASE move_mask: T = may move; fixed = !move_mask */
                    if (pr->ncols == 1)
                        pr->fx[3 * i] = pr->fx[3 * i + 1] = pr->fx[3 * i + 2] = (unsigned char)!v;
                    else
                        pr->fx[3 * i + c] = (unsigned char)!v;
                } else {
                    pr->d[i * pr->ncols + c] = v;
                }
                break;
            }
            default: /* 'S' */
                if (pr->role == ROLE_SPECIES) {
                    aion_status s = parse_species(r, st, f, t, len, i);
                    if (s) return s;
                } else {
                    char *sv = malloc(len + 1);
                    if (!sv) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                    memcpy(sv, t, len);
                    sv[len] = '\0';
                    free(pr->s[i * pr->ncols + c]);
                    pr->s[i * pr->ncols + c] = sv;
                }
            }
        }
    }
    while (is_ws(*p)) p++;
    if (*p) {
        if (!st->props_default) return column_count_error(r, st, natoms, i);
        if (!st->noted_extra) {
            aion_io_note(r, "line %ld: plain XYZ with more than 4 columns; the extra columns are ignored "
                         "(add a Properties= key to read them)", r->lineno);
            st->noted_extra = 1;
        }
    }
    return AION_OK;
}

static void info_remove(aion_frame *f, const char *key)
{
    for (int k = 0; k < f->n_info; k++) {
        if (strcmp(f->info[k].key, key)) continue;
        free(f->info[k].key);
        free(f->info[k].value);
        memmove(&f->info[k], &f->info[k + 1], (size_t)(f->n_info - k - 1) * sizeof *f->info);
        f->n_info--;
        return;
    }
}

/* Handle one key=value of the comment line. */
static aion_status apply_kv(aion_reader *r, xyz_state *st, aion_frame *f, const char *key, const char *val,
                            const char **props, double virial[3][3], int *have_virial, int *have_pbc)
{
    double x[10];
    int n;
    if (!strcmp(key, "Properties")) {
        *props = val ? val : "";
        return AION_OK;
    }
    if (!strcmp(key, "Lattice")) {
        n = val ? parse_real_list(val, x, 9) : 0;
        if (n != 9)
            return aion_io_fail(r, n == -2 ? AION_ERR_NUMERIC : AION_ERR_PARSE,
                                "malformed Lattice \"%.200s\": expected 9 finite numbers (a, b, c)", val ? val : "");
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) f->cell[i][j] = x[3 * i + j];
        f->has |= AION_HAS_CELL;
        return AION_OK;
    }
    if (!strcmp(key, "pbc")) {
        int b[3], m = 0;
        const char *p = val ? val : "T";
        for (;;) {
            while (*p && (isspace((unsigned char)*p) || *p == ',')) p++;
            if (!*p) break;
            const char *t = p;
            while (*p && !isspace((unsigned char)*p) && *p != ',') p++;
            long iv;
            if (m == 3) { m = 4; break; }
            if (parse_logical(t, (size_t)(p - t), &b[m]) && !(parse_integer(t, (size_t)(p - t), &iv) == 0 &&
                                                               (iv == 0 || iv == 1) && ((b[m] = (int)iv), 1)))
                return aion_io_fail(r, AION_ERR_PARSE, "malformed pbc \"%s\": expected T or F", val);
            m++;
        }
        if (m != 1 && m != 3) return aion_io_fail(r, AION_ERR_PARSE, "malformed pbc \"%s\": expected 1 or 3 values", val);
        for (int k = 0; k < 3; k++) f->pbc[k] = b[m == 1 ? 0 : k];
        *have_pbc = 1;
        return AION_OK;
    }
    if (!strcmp(key, "energy")) {
        double e;
        int rc = val ? parse_real(val, strlen(val), &e) : -1;
        if (rc)
            return aion_io_fail(r, rc == -2 ? AION_ERR_NUMERIC : AION_ERR_PARSE, "energy \"%.100s\" is %s", val ? val : "",
                                rc == -2 ? "NaN or infinite" : "not a number");
        f->energy = e;
        f->has |= AION_HAS_ENERGY;
        return AION_OK;
    }
    if (!strcmp(key, "stress") || !strcmp(key, "virial")) {
        int is_virial = key[0] == 'v';
        n = val ? parse_real_list(val, x, 9) : 0;
        if (n == 9) {
            double (*m)[3] = is_virial ? virial : f->stress;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) m[i][j] = x[3 * j + i]; /* Fortran order */
        } else if (n == 6 && !is_virial) {
            /* Voigt xx yy zz yz xz xy */
            f->stress[0][0] = x[0], f->stress[1][1] = x[1], f->stress[2][2] = x[2];
            f->stress[1][2] = f->stress[2][1] = x[3];
            f->stress[0][2] = f->stress[2][0] = x[4];
            f->stress[0][1] = f->stress[1][0] = x[5];
        } else {
            return aion_io_fail(r, n == -2 ? AION_ERR_NUMERIC : AION_ERR_PARSE, "malformed %s \"%.200s\": expected %s",
                                key, val ? val : "", is_virial ? "9 finite numbers" : "9 or 6 (Voigt) finite numbers");
        }
        if (is_virial) {
            *have_virial = 1;
            return aion_frame_info_set(f, key, val) ? aion_io_fail(r, AION_ERR_NOMEM, "out of memory") : AION_OK;
        }
        f->has |= AION_HAS_STRESS;
        return AION_OK;
    }
    if (!strcmp(key, "Time") || !strcmp(key, "step")) {
        /* numbers go to time_fs / step, anything else stays a field; the last one wins */
        int is_time = key[0] == 'T', ok;
        double t = 0;
        long sv = 0;
        ok = val && (is_time ? parse_real(val, strlen(val), &t) == 0 : parse_integer(val, strlen(val), &sv) == 0);
        info_remove(f, key);
        f->has &= ~(unsigned)(is_time ? AION_HAS_TIME : AION_HAS_STEP);
        if (ok) {
            if (is_time) f->time_fs = t;
            else f->step = sv;
            f->has |= is_time ? AION_HAS_TIME : AION_HAS_STEP;
            return AION_OK;
        }
    }
    (void)st;
    if (aion_frame_info_set(f, key, val ? val : "T")) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    return AION_OK;
}

static unsigned role_bits(int role)
{
    switch (role) {
    case ROLE_FORCES: return AION_HAS_FORCES;
    case ROLE_VEL:
    case ROLE_MOMENTA: return AION_HAS_VEL;
    case ROLE_MASS: return AION_HAS_MASS;
    case ROLE_CHARGE: return AION_HAS_CHARGE;
    case ROLE_AENERGY: return AION_HAS_ATOM_ENERGY;
    case ROLE_ID: return AION_HAS_ID;
    case ROLE_MOVE_MASK: return AION_HAS_FIXED;
    case ROLE_IMAGE: return AION_HAS_IMAGE;
    default: return 0;
    }
}

/* Grow the frame to hold n atoms (columns included) and rebind. */
static aion_status frame_size(aion_reader *r, xyz_state *st, aion_frame *f, long n, unsigned has)
{
    if (aion_frame_resize(f, (int)n, has)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory for %ld atoms", n);
    bind_targets(st, f);
    return AION_OK;
}

static aion_status xyz_read_next(aion_reader *r, aion_frame *f)
{
    xyz_state *st = r->state;
    long len, natoms, cap, count_line;
    const char *props = NULL, *t;
    double virial[3][3];
    int have_virial = 0, have_pbc = 0, nkv, has_species = 0, has_z = 0, has_momenta = 0;
    unsigned has = 0;
    aion_status s;

    /* atom count (blank lines between frames and at the end are skipped) */
    do {
        len = aion_io_getline(r);
        if (len == -1) return AION_EOF;
        if (len < 0) return r->err.code;
    } while (r->line[strspn(r->line, " \t\r\f\v")] == '\0');
    t = r->line + strspn(r->line, " \t\r\f\v");
    {
        size_t tl = strlen(t);
        while (tl > 0 && isspace((unsigned char)t[tl - 1])) tl--;
        if (parse_integer(t, tl, &natoms))
            return aion_io_fail(r, AION_ERR_PARSE, "expected the number of atoms, found '%.60s'%s", r->line,
                                r->frames_read ? " (more atom lines than the previous frame's count?)" : "");
    }
    if (natoms < 0 || natoms > AION_IO_MAX_ATOMS)
        return aion_io_fail(r, AION_ERR_PARSE, "absurd atom count %ld", natoms);
    count_line = r->lineno;

    /* comment line */
    len = aion_io_getline(r);
    if (len == -1)
        return aion_io_fail(r, AION_ERR_PARSE, "truncated file: the frame with %ld atoms (count on line %ld) has no comment line",
                            natoms, count_line);
    if (len < 0) return r->err.code;
    if ((size_t)len + 1 > st->comment_cap) {
        char *c = realloc(st->comment, (size_t)len + 1);
        if (!c) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        st->comment = c;
        st->comment_cap = (size_t)len + 1;
    }
    memcpy(st->comment, r->line, (size_t)len + 1);
    if (memchr(st->comment, '\r', (size_t)len))
        return aion_io_fail(r, AION_ERR_PARSE, "carriage return inside the comment line (old Mac line endings?)");

    aion_frame_clear(f); /* per-frame data and free-form fields go; arrays are reused */
    nkv = kv_tokenize(st, st->comment);
    if (nkv == -2) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    if (nkv == -1) {
        /* not key=value at all (ASE fails here too): keep the text */
        if (aion_frame_info_set(f, "comment", r->line)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        if (!st->noted_comment) {
            aion_io_note(r, "line %ld: comment line is not key=value pairs; kept as the field 'comment'", r->lineno);
            st->noted_comment = 1;
        }
        nkv = 0;
    }
    for (int k = 0; k < nkv; k++) {
        if (!st->kv[k].key[0]) continue; /* ASE would store an empty key; nothing useful */
        s = apply_kv(r, st, f, st->kv[k].key, st->kv[k].val, &props, virial, &have_virial, &have_pbc);
        if (s) return s;
    }
    if (!have_pbc && (f->has & AION_HAS_CELL)) f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    if ((f->has & AION_HAS_CELL) && f->cell[0][0] == 0 && f->cell[0][1] == 0 && f->cell[0][2] == 0 &&
        f->cell[1][0] == 0 && f->cell[1][1] == 0 && f->cell[1][2] == 0 && f->cell[2][0] == 0 &&
        f->cell[2][1] == 0 && f->cell[2][2] == 0)
        f->has &= ~(unsigned)AION_HAS_CELL; /* an all-zero Lattice is no cell */

    st->props_default = props == NULL;
    s = parse_properties(r, st, props ? props : "species:S:1:pos:R:3");
    if (s) return s;

    /* sanity of the count against what is left of the file (before allocating) */
    {
        char what[64];
        snprintf(what, sizeof what, "atom count %ld on line %ld", natoms, count_line);
        if ((s = aion_io_check_count(r, natoms, 2L * st->total_cols, what))) return s; /* a digit and a separator per value */
    }

    /* columns */
    for (int k = 0; k < st->nprops; k++) {
        xyz_prop *pr = &st->props[k];
        has |= role_bits(pr->role);
        if (pr->role == ROLE_SPECIES) has_species = 1;
        if (pr->role == ROLE_Z) has_z = 1;
        if (pr->role == ROLE_MOMENTA) has_momenta = 1;
    }
    /* start small when the count has not been checked against the file size */
    cap = (st->seekable || natoms <= (1L << 20)) ? natoms : (1L << 20);
    if (aion_frame_resize(f, (int)cap, has)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory for %ld atoms", cap);
    for (int k = 0; k < st->nprops; k++) {
        xyz_prop *pr = &st->props[k];
        if (pr->role != ROLE_OTHER) continue;
        if (!aion_frame_column_add(f, pr->name, pr->kind, pr->ncols)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        pr->col = f->n_cols - 1;
    }
    bind_targets(st, f);
    st->z_from_Z = has_z && has_species;
    if (!has_species && !has_z && cap > 0) memset(f->z, 0, (size_t)cap * sizeof *f->z);

    for (long i = 0; i < natoms; i++) {
        if (i == cap) {
            cap = AION_MIN(2 * cap, natoms);
            if ((s = frame_size(r, st, f, cap, has))) return s;
            if (!has_species && !has_z) memset(f->z + i, 0, (size_t)(cap - i) * sizeof *f->z);
        }
        len = aion_io_getline(r);
        if (len == -1)
            return aion_io_fail(r, AION_ERR_PARSE,
                                "truncated file: the frame starting on line %ld has %ld atoms but the file ends after %ld",
                                count_line, natoms, i);
        if (len < 0) return r->err.code;
        if ((s = parse_atom_line(r, st, f, natoms, i))) return s;
    }

    /* momenta (ASE units amu·Å/t, t = Å·sqrt(amu/eV)) -> velocities in Å/fs */
    if (has_momenta) {
        /* ASE time unit in fs: 1e5 * sqrt(amu / e) with CODATA 2018 amu and e */
        const double t_fs = 1e5 * sqrt(1.66053906660e-27 / 1.602176634e-19);
        for (long i = 0; i < natoms; i++) {
            double m = (f->has & AION_HAS_MASS) ? f->mass[i] : aion_element_mass(f->z[i]);
            if (!(m > 0))
                return aion_io_fail(r, AION_ERR_INVALID, "atom %ld has momenta but no mass (unknown element)", i + 1);
            for (int k = 0; k < 3; k++) {
                f->vel[i][k] /= m * t_fs;
                if (!isfinite(f->vel[i][k]))
                    return aion_io_fail(r, AION_ERR_NUMERIC, "atom %ld: velocity from momenta / mass is not finite", i + 1);
            }
        }
    }

    /* virial -> stress */
    if (have_virial && !(f->has & AION_HAS_STRESS)) {
        double v = aion_frame_volume(f);
        if (v > 0) {
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) f->stress[i][j] = -virial[i][j] / v;
            f->has |= AION_HAS_STRESS;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    if (!isfinite(f->stress[i][j]))
                        return aion_io_fail(r, AION_ERR_NUMERIC, "frame starting on line %ld: stress = -virial/volume "
                                            "is not finite (volume %g)", count_line, v);
            /* the stress now carries it; drop the field so it is not written twice */
            info_remove(f, "virial");
        } else if (!st->noted_virial) {
            st->noted_virial = 1;
            aion_io_note(r, "line %ld: virial without a cell cannot be converted to a stress; kept as a field",
                         count_line + 1);
        }
    }
    return AION_OK;
}

/* ------------------------------------------------------------- writing */

/* Shortest %.{15,16,17}g that reads back to x (prec <= 0), else %.{prec}g. */
static int fmt_real(char *buf, size_t cap, double x, int prec)
{
    int n = 0;
    if (prec > 0) return snprintf(buf, cap, "%.*g", prec, x);
    if (x == 0) return snprintf(buf, cap, "%s", signbit(x) ? "-0" : "0");
    for (int p = 15; p <= 17; p++) {
        double y;
        n = snprintf(buf, cap, "%.*g", p, x);
        if (parse_real(buf, (size_t)n, &y) == 0 && y == x) break;
    }
    return n;
}

static void sb_real(aion_strbuf *b, double x, int prec)
{
    char buf[48];
    fmt_real(buf, sizeof buf, x, prec);
    aion_sb_puts(b, buf);
}

/* Quote a key or value the way ASE's reader reads it back verbatim. */
static void sb_escaped(aion_strbuf *b, const char *s)
{
    int quote = !*s;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p) || strchr("\"'{}[]=\\", *p)) quote = 1;
    if (!quote) {
        aion_sb_puts(b, s);
        return;
    }
    aion_sb_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\') aion_sb_putc(b, '\\');
        aion_sb_putc(b, *p);
    }
    aion_sb_putc(b, '"');
}

/* Keys the writer produces itself (a free-form field of that name is not
 * written); Time and step only when the frame has them as numbers. */
static int is_reserved_key(const aion_frame *f, const char *k)
{
    static const char *const res[] = {"Lattice", "Properties", "pbc", "energy", "stress"};
    for (size_t q = 0; q < sizeof res / sizeof res[0]; q++)
        if (!strcmp(k, res[q])) return 1;
    if (!strcmp(k, "Time")) return (f->has & AION_HAS_TIME) != 0;
    if (!strcmp(k, "step")) return (f->has & AION_HAS_STEP) != 0;
    return 0;
}

/* A column name (Properties is quoted when needed, but ':' splits it). */
static int name_ok(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s == ':' || *s == '\n' || *s == '\r') return 0;
    return 1;
}

/* A string value of a per-atom column: one whitespace-free token. */
static int token_ok(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (isspace((unsigned char)*s)) return 0;
    return 1;
}

static aion_status xyz_write_frame(aion_writer *w, const aion_frame *f)
{
    aion_strbuf b, props;
    int prec = w->opts.precision;
    aion_status st = AION_OK;
    unsigned roles_taken = 0;
    aion_sb_init(&b);
    aion_sb_init(&props);
    if (f->n < 0) return aion_io_wfail(w, AION_ERR_INVALID, "negative atom count");

    /* Properties */
    aion_sb_puts(&props, "species:S:1:pos:R:3");
    if (f->has & AION_HAS_MASS) aion_sb_puts(&props, ":masses:R:1");
    if (f->has & AION_HAS_CHARGE) aion_sb_puts(&props, ":initial_charges:R:1");
    if (f->has & AION_HAS_VEL) aion_sb_puts(&props, ":velocities:R:3");
    if (f->has & AION_HAS_FORCES) aion_sb_puts(&props, ":forces:R:3");
    if (f->has & AION_HAS_ATOM_ENERGY) aion_sb_puts(&props, ":energies:R:1");
    if (f->has & AION_HAS_ID) aion_sb_puts(&props, ":id:I:1");
    if (f->has & AION_HAS_FIXED) aion_sb_puts(&props, ":move_mask:L:3");
    if (f->has & AION_HAS_IMAGE) aion_sb_puts(&props, ":image:I:3");
    for (int k = 0; k < f->n_cols; k++) {
        const aion_column *c = &f->cols[k];
        if (!name_ok(c->name) || !strchr("RISL", c->kind) || c->ncols < 1) {
            st = aion_io_wfail(w, AION_ERR_INVALID, "column '%s' cannot be written to extended XYZ (name or kind)", c->name);
            goto done;
        }
        {
            /* the column must read back as itself: no clash with what the frame writes */
            int bad, nr, role = role_of(c->name, c->kind, c->ncols, &bad, &nr);
            if (nr == ROLE_MOMENTA) nr = ROLE_VEL;
            if (role == ROLE_MOMENTA) role = ROLE_VEL;
            if (bad || role == ROLE_SPECIES || role == ROLE_POS || role == ROLE_Z || (nr != ROLE_OTHER && (f->has & role_bits(nr))) ||
                (role != ROLE_OTHER && (roles_taken & (1u << role)))) {
                st = aion_io_wfail(w, AION_ERR_INVALID, "free-form column '%s' clashes with the frame's own %s", c->name,
                                   role_name(nr));
                goto done;
            }
            if (role != ROLE_OTHER) roles_taken |= 1u << role;
        }
        for (int q = 0; q < k; q++)
            if (!strcmp(f->cols[q].name, c->name)) {
                st = aion_io_wfail(w, AION_ERR_INVALID, "column '%s' appears twice", c->name);
                goto done;
            }
        aion_sb_printf(&props, ":%s:%c:%d", c->name, c->kind, c->ncols);
    }

    /* comment line */
    aion_sb_printf(&b, "%d\n", f->n);
    if (f->has & AION_HAS_CELL) {
        aion_sb_puts(&b, "Lattice=\"");
        for (int i = 0; i < 9; i++) {
            if (i) aion_sb_putc(&b, ' ');
            sb_real(&b, f->cell[i / 3][i % 3], prec);
        }
        aion_sb_puts(&b, "\" ");
    }
    aion_sb_puts(&b, "Properties=");
    sb_escaped(&b, props.s);
    if (f->has & AION_HAS_ENERGY) {
        aion_sb_puts(&b, " energy=");
        sb_real(&b, f->energy, prec);
    }
    if (f->has & AION_HAS_STRESS) {
        aion_sb_puts(&b, " stress=\"");
        for (int i = 0; i < 9; i++) {
            if (i) aion_sb_putc(&b, ' ');
            sb_real(&b, f->stress[i % 3][i / 3], prec); /* Fortran order */
        }
        aion_sb_putc(&b, '"');
    }
    if (f->has & AION_HAS_TIME) {
        aion_sb_puts(&b, " Time=");
        sb_real(&b, f->time_fs, prec);
    }
    if (f->has & AION_HAS_STEP) aion_sb_printf(&b, " step=%ld", f->step);
    {
        int nempty = 0;
        for (int k = 0; k < f->n_info; k++)
            if (f->info[k].key && f->info[k].key[0] && !is_reserved_key(f, f->info[k].key) &&
                !(f->info[k].value && f->info[k].value[0]))
                nempty++;
        if (nempty > 1) {
            st = aion_io_wfail(w, AION_ERR_INVALID, "%d fields have empty values; extended XYZ (as ASE reads it) can "
                               "hold only one, at the end of the line", nempty);
            goto done;
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        /* empty values last: ASE's reader would glue the next pair to them */
        if (pass == 0) {
            aion_sb_printf(&b, " pbc=\"%c %c %c\"", f->pbc[0] ? 'T' : 'F', f->pbc[1] ? 'T' : 'F', f->pbc[2] ? 'T' : 'F');
        }
        for (int k = 0; k < f->n_info; k++) {
            const aion_kv *kv = &f->info[k];
            const char *v = kv->value ? kv->value : "";
            if (!kv->key || !kv->key[0] || is_reserved_key(f, kv->key)) continue;
            if ((pass == 0) != (v[0] != '\0')) continue;
            if (strchr(kv->key, '\n') || strchr(v, '\n') || strchr(kv->key, '\r') || strchr(v, '\r')) {
                st = aion_io_wfail(w, AION_ERR_INVALID, "field '%s' contains a line break", kv->key);
                goto done;
            }
            aion_sb_putc(&b, ' ');
            sb_escaped(&b, kv->key);
            aion_sb_putc(&b, '=');
            sb_escaped(&b, v);
        }
    }
    aion_sb_putc(&b, '\n');
    if (b.oom || props.oom) {
        st = aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (fwrite(b.s, 1, b.len, w->fp) != b.len) {
        st = aion_io_wfail(w, AION_ERR_IO, "write error: %s", strerror(errno));
        goto done;
    }

    /* atom lines */
    for (int i = 0; i < f->n; i++) {
        aion_sb_clear(&b);
        aion_sb_puts(&b, aion_element_symbol(f->z[i]));
#define PUTV(arr, m)                                        \
    for (int c_ = 0; c_ < (m); c_++) {                      \
        aion_sb_putc(&b, ' ');                              \
        sb_real(&b, (arr)[c_], prec);                       \
    }
        PUTV(f->pos[i], 3);
        if (f->has & AION_HAS_MASS) PUTV(&f->mass[i], 1);
        if (f->has & AION_HAS_CHARGE) PUTV(&f->charge[i], 1);
        if (f->has & AION_HAS_VEL) PUTV(f->vel[i], 3);
        if (f->has & AION_HAS_FORCES) PUTV(f->forces[i], 3);
        if (f->has & AION_HAS_ATOM_ENERGY) PUTV(&f->atom_energy[i], 1);
#undef PUTV
        if (f->has & AION_HAS_ID) aion_sb_printf(&b, " %d", f->id[i]);
        if (f->has & AION_HAS_FIXED)
            aion_sb_printf(&b, " %c %c %c", f->fixed[i][0] ? 'F' : 'T', f->fixed[i][1] ? 'F' : 'T',
                           f->fixed[i][2] ? 'F' : 'T');
        if (f->has & AION_HAS_IMAGE) aion_sb_printf(&b, " %d %d %d", f->image[i][0], f->image[i][1], f->image[i][2]);
        for (int k = 0; k < f->n_cols; k++) {
            const aion_column *c = &f->cols[k];
            for (int q = 0; q < c->ncols; q++) {
                long idx = (long)i * c->ncols + q;
                aion_sb_putc(&b, ' ');
                if (c->kind == 'S') {
                    const char *sv = c->s ? c->s[idx] : NULL;
                    if (!sv || !token_ok(sv)) {
                        st = aion_io_wfail(w, AION_ERR_INVALID,
                                           "column '%s', atom %d: an empty string or one with spaces cannot be written",
                                           c->name, i + 1);
                        goto done;
                    }
                    aion_sb_puts(&b, sv);
                } else if (c->kind == 'R') {
                    if (!isfinite(c->d[idx])) {
                        st = aion_io_wfail(w, AION_ERR_NUMERIC, "column '%s', atom %d: value is not finite", c->name, i + 1);
                        goto done;
                    }
                    sb_real(&b, c->d[idx], prec);
                } else if (c->kind == 'I') {
                    aion_sb_printf(&b, "%.0f", c->d[idx]);
                } else {
                    aion_sb_putc(&b, c->d[idx] != 0 ? 'T' : 'F');
                }
            }
        }
        aion_sb_putc(&b, '\n');
        if (b.oom) {
            st = aion_io_wfail(w, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (fwrite(b.s, 1, b.len, w->fp) != b.len) {
            st = aion_io_wfail(w, AION_ERR_IO, "write error: %s", strerror(errno));
            goto done;
        }
    }
done:
    aion_sb_free(&b);
    aion_sb_free(&props);
    return st;
}

const aion_io_backend aion_io_extxyz = {
    AION_FMT_EXTXYZ, "extxyz", xyz_read_open, xyz_read_next, xyz_read_close, NULL, xyz_write_frame, NULL,
};
