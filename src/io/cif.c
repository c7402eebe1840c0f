/*
 * CIF (Crystallographic Information File, CIF 1.1 syntax) reader.
 *
 * Syntax (Hall, Allen & Brown, Acta Cryst. A47, 655 (1991); CIF 1.1 spec,
 * https://www.iucr.org/resources/cif/spec/version1.1/cifsyntax): data_
 * blocks of tag/value pairs and loop_ tables; values are bare words,
 * 'single'- or "double"-quoted strings (a quote ends a string only when
 * followed by white space) or semicolon text fields (a ';' in column 1 opens
 * and closes them); '#' starts a comment; '?' and '.' are unknown/not
 * applicable. Numbers may carry a standard uncertainty in brackets: 4.92(2).
 * Tags are compared case-insensitively, with '.' read as '_' (DDLm names
 * such as _atom_site.fract_x are accepted).
 *
 * Structure: cell from _cell_length_a/b/c and _cell_angle_alpha/beta/gamma
 * (a along x, b in the xy plane); symmetry operations from
 * _space_group_symop_operation_xyz or _symmetry_equiv_pos_as_xyz (x' = R·x + t
 * on fractional coordinates, written like '-x+1/2, y, -z' or
 * '1/2+x,-y,z+0.25'); if a block lists no operations, they are taken from
 * spglib's database by the Hall symbol or Hermann-Mauguin name (with a note),
 * and a block with no symmetry information at all is read as P1 (with a
 * note). Atom sites: _atom_site_fract_x/y/z, _atom_site_type_symbol (or the
 * element at the start of _atom_site_label), _atom_site_occupancy.
 *
 * Expansion: every site is mapped by every operation, wrapped into [0,1), and
 * images closer than symprec (Cartesian, periodic; default 1e-3 Å) are merged.
 * Images of one fully occupied site that are further apart than symprec but
 * closer than 0.5 Å mean the coordinates were rounded too much for symprec:
 * that is an error asking for a larger symprec.
 *
 * Disorder: a site with occupancy < 1 (beyond 1e-3) or positions shared by
 * several sites are an error naming the sites, unless opts->disorder asks
 * for MAJORITY (at each position keep the species with the largest
 * occupancy, or nothing when the vacancy is the majority) or KEEP_ALL (keep
 * every atom). What was done is reported as notes; atoms are never dropped
 * silently. The per-atom column "occupancy" (R) is added when any atom is
 * partially occupied.
 *
 * Oxidation states: from the type symbol ('Fe2+', 'O2-', 'Li+') or from
 * _atom_type_symbol/_atom_type_oxidation_number; stored in the per-atom
 * column "oxidation" (R) when the file gives them. Site labels are kept in
 * the column "label" (S). Each data block with atom sites is one frame;
 * blocks without atom sites are skipped with a note.
 */
#include "io.h"

#include <ctype.h>
#include <math.h>
#include <spglib.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CIF_OCC_TOL 1e-3
#define CIF_CLOSE_IMAGE 0.5   /* Å: images of one site closer than this are not physical */
#define CIF_MAX_OPS 1024

/* ================================================================ lexer */

typedef enum { T_EOF, T_DATA, T_LOOP, T_TAG, T_VALUE, T_SAVE, T_GLOBAL, T_STOP } tok_type;

typedef struct {
    const char *p;    /* position in r->line; NULL = read a new line */
    tok_type type;
    aion_strbuf text; /* token text (data_ name without the prefix) */
    int quoted;
    long line;
    int peeked;
} cif_lex;

static aion_status lex_next(aion_reader *r, cif_lex *x)
{
    const char *p, *e;
    if (x->peeked) {
        x->peeked = 0;
        return AION_OK;
    }
    for (;;) {
        if (!x->p) {
            long len = aion_io_getline(r);
            if (len == -2) return r->err.code;
            if (len == -1) {
                x->type = T_EOF;
                x->line = r->lineno;
                return AION_OK;
            }
            x->p = r->line;
            if (r->line[0] == ';') { /* text field */
                long start = r->lineno;
                aion_sb_clear(&x->text);
                aion_sb_puts(&x->text, r->line + 1);
                for (;;) {
                    len = aion_io_getline(r);
                    if (len == -2) return r->err.code;
                    if (len == -1) {
                        r->lineno = start;
                        return aion_io_fail(r, AION_ERR_PARSE, "text field (';') is never closed");
                    }
                    if (r->line[0] == ';') break;
                    aion_sb_putc(&x->text, '\n');
                    aion_sb_puts(&x->text, r->line);
                }
                if (x->text.oom) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                x->p = r->line + 1;
                x->type = T_VALUE;
                x->quoted = 1;
                x->line = start;
                return AION_OK;
            }
        }
        p = x->p;
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p || *p == '#') {
            x->p = NULL;
            continue;
        }
        x->line = r->lineno;
        aion_sb_clear(&x->text);
        if (*p == '\'' || *p == '"') {
            char q = *p;
            e = p + 1;
            while (*e && !(*e == q && (e[1] == '\0' || isspace((unsigned char)e[1])))) e++;
            if (!*e) return aion_io_fail(r, AION_ERR_PARSE, "quoted string is not closed on its line");
            for (const char *c = p + 1; c < e; c++) aion_sb_putc(&x->text, *c);
            x->p = e + 1;
            x->type = T_VALUE;
            x->quoted = 1;
        } else {
            e = p;
            while (*e && !isspace((unsigned char)*e)) e++;
            for (const char *c = p; c < e; c++) aion_sb_putc(&x->text, *c);
            x->p = e;
            x->quoted = 0;
            if (x->text.oom) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            if (*p == '_') x->type = T_TAG;
            else if (!strncasecmp(p, "data_", 5)) {
                x->type = T_DATA;
                memmove(x->text.s, x->text.s + 5, x->text.len - 4);
                x->text.len -= 5;
            } else if (!strcasecmp(x->text.s, "loop_")) x->type = T_LOOP;
            else if (!strncasecmp(p, "save_", 5)) x->type = T_SAVE;
            else if (!strcasecmp(x->text.s, "global_")) x->type = T_GLOBAL;
            else if (!strcasecmp(x->text.s, "stop_")) x->type = T_STOP;
            else x->type = T_VALUE;
        }
        if (x->text.oom) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        if (!x->text.s) aion_sb_puts(&x->text, ""); /* empty quoted string */
        return AION_OK;
    }
}

/* ================================================================ blocks */

typedef struct {
    int ntag;
    char **tags;       /* normalised: lower case, '.' -> '_' */
    long nval;
    char **vals;
    unsigned char *quoted;
    long *lines;
} cif_loop;

typedef struct {
    char *name;
    long line;
    int nloop;
    cif_loop *loops;
} cif_block;

static void loop_free(cif_loop *l)
{
    for (int k = 0; k < l->ntag; k++) free(l->tags[k]);
    for (long k = 0; k < l->nval; k++) free(l->vals[k]);
    free(l->tags);
    free(l->vals);
    free(l->quoted);
    free(l->lines);
}

static void block_free(cif_block *b)
{
    for (int k = 0; k < b->nloop; k++) loop_free(&b->loops[k]);
    free(b->loops);
    free(b->name);
    memset(b, 0, sizeof *b);
}

static char *norm_tag(const char *t)
{
    char *s = aion_strdup(t);
    if (!s) return NULL;
    for (char *c = s; *c; c++) *c = *c == '.' ? '_' : (char)tolower((unsigned char)*c);
    return s;
}

static cif_loop *block_add_loop(cif_block *b)
{
    cif_loop *l = aion_realloc_array(b->loops, (size_t)b->nloop + 1, sizeof *l);
    if (!l) return NULL;
    b->loops = l;
    memset(&l[b->nloop], 0, sizeof *l);
    return &l[b->nloop++];
}

static int loop_add_tag(cif_loop *l, const char *t)
{
    char **q = aion_realloc_array(l->tags, (size_t)l->ntag + 1, sizeof *q);
    if (!q) return -1;
    l->tags = q;
    if (!(q[l->ntag] = norm_tag(t))) return -1;
    l->ntag++;
    return 0;
}

static int loop_add_value(cif_loop *l, long *cap, const cif_lex *x)
{
    if (l->nval == *cap) {
        long nc = *cap ? *cap * 2 : 16;
        char **v = aion_realloc_array(l->vals, (size_t)nc, sizeof *v);
        unsigned char *q;
        long *ln;
        if (!v) return -1;
        l->vals = v;
        q = aion_realloc_array(l->quoted, (size_t)nc, 1);
        if (!q) return -1;
        l->quoted = q;
        ln = aion_realloc_array(l->lines, (size_t)nc, sizeof *ln);
        if (!ln) return -1;
        l->lines = ln;
        *cap = nc;
    }
    if (!(l->vals[l->nval] = aion_strdup(x->text.s ? x->text.s : ""))) return -1;
    l->quoted[l->nval] = (unsigned char)x->quoted;
    l->lines[l->nval] = x->line;
    l->nval++;
    return 0;
}

typedef struct {
    cif_lex lex;
    int started;        /* first data_ seen */
    int have_next;      /* a data_ token was read: its name is next_name */
    char *next_name;
    long next_line;
    int blocks_seen;
} cif_state;

/* Parse items up to the next data_ (kept for the next call) or EOF. */
static aion_status parse_block(aion_reader *r, cif_state *s, cif_block *b)
{
    cif_lex *x = &s->lex;
    aion_status st;
    for (;;) {
        if ((st = lex_next(r, x))) return st;
        switch (x->type) {
        case T_EOF:
            return AION_OK;
        case T_DATA:
            free(s->next_name);
            s->next_name = aion_strdup(x->text.s ? x->text.s : "");
            if (!s->next_name) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            s->next_line = x->line;
            s->have_next = 1;
            return AION_OK;
        case T_SAVE:
        case T_GLOBAL:
        case T_STOP:
            continue; /* save frames: their items are read as part of the block */
        case T_VALUE:
            return aion_io_fail(r, AION_ERR_PARSE, "value '%.60s' without a tag", x->text.s);
        case T_TAG: {
            cif_loop *l = block_add_loop(b);
            long cap = 0;
            if (!l || loop_add_tag(l, x->text.s)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            if ((st = lex_next(r, x))) return st;
            if (x->type != T_VALUE)
                return aion_io_fail(r, AION_ERR_PARSE, "tag %s has no value", l->tags[0]);
            if (loop_add_value(l, &cap, x)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            continue;
        }
        case T_LOOP: {
            cif_loop *l = block_add_loop(b);
            long cap = 0, loop_line = x->line;
            if (!l) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            for (;;) {
                if ((st = lex_next(r, x))) return st;
                if (x->type != T_TAG) break;
                if (loop_add_tag(l, x->text.s)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            }
            if (l->ntag == 0) return aion_io_fail(r, AION_ERR_PARSE, "loop_ without tags");
            while (x->type == T_VALUE) {
                if (loop_add_value(l, &cap, x)) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                if ((st = lex_next(r, x))) return st;
            }
            x->peeked = 1;
            if (l->nval % l->ntag != 0) {
                r->lineno = loop_line;
                return aion_io_fail(r, AION_ERR_PARSE, "loop_ with %d tags (%s ...) has %ld values, not a multiple of %d",
                                    l->ntag, l->tags[0], l->nval, l->ntag);
            }
            continue;
        }
        }
    }
}

/* Find a tag: loop and column; NULL if absent. */
static cif_loop *find_tag(const cif_block *b, const char *tag, int *col)
{
    for (int k = 0; k < b->nloop; k++)
        for (int c = 0; c < b->loops[k].ntag; c++)
            if (!strcmp(b->loops[k].tags[c], tag)) {
                *col = c;
                return &b->loops[k];
            }
    return NULL;
}

static int is_null(const cif_loop *l, long idx) { return !l->quoted[idx] && (!strcmp(l->vals[idx], "?") || !strcmp(l->vals[idx], ".")); }

/* Number with an optional standard uncertainty "1.234(5)". */
static int parse_su(const char *s, double *v)
{
    char buf[64];
    size_t n = strlen(s);
    const char *open = strchr(s, '(');
    if (open) {
        const char *c = open + 1;
        if (s[n - 1] != ')' || c == s + n - 1) return -1;
        for (; c < s + n - 1; c++)
            if (!isdigit((unsigned char)*c)) return -1;
        n = (size_t)(open - s);
    }
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return aion_parse_double(buf, v);
}

/* A scalar number: returns 1 found, 0 absent/unknown, -1 error (r->err set). */
static int scalar_number(aion_reader *r, const cif_block *b, const char *tag, double *v)
{
    int col;
    cif_loop *l = find_tag(b, tag, &col);
    if (!l || l->nval == 0 || is_null(l, col)) return 0;
    if (parse_su(l->vals[col], v)) {
        r->lineno = l->lines[col];
        aion_io_fail(r, AION_ERR_PARSE, "%s: bad number '%s'", tag, l->vals[col]);
        return -1;
    }
    return 1;
}

static const char *scalar_text(const cif_block *b, const char *tag, long *line)
{
    int col;
    cif_loop *l = find_tag(b, tag, &col);
    if (!l || l->nval == 0 || is_null(l, col)) return NULL;
    if (line) *line = l->lines[col];
    return l->vals[col];
}

/* ======================================================= symmetry ops */

typedef struct {
    double rot[3][3];
    double tr[3];
} symop;

/* Parse 'x, -y+1/2, z' etc. Returns 0 on success. */
static int parse_symop(const char *s, symop *op)
{
    const char *p = s;
    memset(op, 0, sizeof *op);
    for (int row = 0; row < 3; row++) {
        int nterms = 0;
        for (;;) {
            double sign = 1.0, coef = 1.0;
            int have_num = 0, have_sign = 0;
            while (*p == ' ' || *p == '\t') p++;
            while (*p == '+' || *p == '-') {
                if (*p == '-') sign = -sign;
                have_sign = 1;
                p++;
                while (*p == ' ' || *p == '\t') p++;
            }
            if (isdigit((unsigned char)*p) || *p == '.') {
                char *end;
                coef = strtod(p, &end);
                if (end == p) return -1;
                p = end;
                have_num = 1;
                while (*p == ' ' || *p == '\t') p++;
                if (*p == '/') {
                    double den;
                    p++;
                    while (*p == ' ' || *p == '\t') p++;
                    den = strtod(p, &end);
                    if (end == p || den == 0.0) return -1;
                    coef /= den;
                    p = end;
                    while (*p == ' ' || *p == '\t') p++;
                }
                if (*p == '*') {
                    p++;
                    while (*p == ' ' || *p == '\t') p++;
                }
            }
            {
                char c = (char)tolower((unsigned char)*p);
                if (c == 'x' || c == 'y' || c == 'z') {
                    op->rot[row][c - 'x'] += sign * coef;
                    p++;
                } else if (have_num) {
                    op->tr[row] += sign * coef;
                } else {
                    return -1;
                }
            }
            (void)have_sign;
            nterms++;
            while (*p == ' ' || *p == '\t') p++;
            if (*p == '+' || *p == '-') continue;
            break;
        }
        if (row < 2) {
            if (*p != ',') return -1;
            p++;
        }
    }
    while (*p == ' ' || *p == '\t') p++;
    if (*p) return -1;
    {
        double d = aion_det3(op->rot);
        if (!(fabs(fabs(d) - 1.0) < 1e-6)) return -1;
    }
    return 0;
}

static void normalise_name(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        if (!isspace((unsigned char)*s) && *s != '_') out[k++] = (char)tolower((unsigned char)*s);
    out[k] = '\0';
}

/* Operations from spglib's database for a Hall symbol or H-M name. */
static aion_status ops_from_database(aion_reader *r, const char *hall, const char *hm, int number, long line,
                                     symop **ops, int *nops, const char *block)
{
    char want[64], have[64], choice[8] = "";
    int found = 0, nfound = 0;
    if (hm) {
        /* a suffix such as "F d -3 m :2" or "R -3 m :H" selects the setting */
        char tmp[64];
        const char *colon;
        snprintf(tmp, sizeof tmp, "%s", hm);
        colon = strchr(tmp, ':');
        if (colon) {
            normalise_name(colon + 1, choice, sizeof choice);
            tmp[colon - tmp] = '\0';
        }
        normalise_name(tmp, want, sizeof want);
    }
    for (int h = 1; h <= 530; h++) {
        SpglibSpacegroupType t = spg_get_spacegroup_type(h);
        int match = 0;
        if (hall) {
            char a[64];
            normalise_name(hall, a, sizeof a);
            normalise_name(t.hall_symbol, have, sizeof have);
            match = !strcmp(a, have);
        } else if (!hm) {
            match = t.number == number;
        } else {
            char ch[8];
            normalise_name(t.choice, ch, sizeof ch);
            normalise_name(t.international_short, have, sizeof have);
            match = !strcmp(want, have);
            if (!match) {
                normalise_name(t.international_full, have, sizeof have);
                match = !strcmp(want, have);
            }
            if (match && choice[0] && strcmp(choice, ch)) match = 0;
        }
        if (match) {
            if (!found) found = h;
            nfound++;
        }
    }
    r->lineno = line;
    if (!found && (hall || hm))
        return aion_io_fail(r, AION_ERR_PARSE, "block '%s' lists no symmetry operations and space group '%s' is unknown",
                            block, hall ? hall : hm);
    if (!found)
        return aion_io_fail(r, AION_ERR_PARSE, "block '%s' lists no symmetry operations and space group number %d is unknown",
                            block, number);
    {
        int (*rot)[3][3] = aion_calloc(192, sizeof *rot);
        double (*tr)[3] = aion_calloc(192, sizeof *tr);
        int n;
        SpglibSpacegroupType t = spg_get_spacegroup_type(found);
        if (!rot || !tr) {
            free(rot);
            free(tr);
            return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        }
        n = spg_get_symmetry_from_database(rot, tr, found);
        *ops = aion_calloc((size_t)(n > 0 ? n : 1), sizeof **ops);
        if (!*ops || n <= 0) {
            free(rot);
            free(tr);
            return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        }
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) (*ops)[k].rot[i][j] = rot[k][i][j];
                (*ops)[k].tr[i] = tr[k][i];
            }
        }
        *nops = n;
        free(rot);
        free(tr);
        aion_io_note(r, "block '%s' lists no symmetry operations: took the %d operations of %s (Hall '%s'%s%s) from spglib%s",
                     block, n, t.international_short, t.hall_symbol, t.choice[0] ? ", setting " : "", t.choice,
                     nfound > 1 ? (hm || hall ? "; the name fits several settings and this is the first: give the "
                                                "operations in the file to be sure"
                                              : "; only the number is given, so this is the first setting in the "
                                                "table: give the operations in the file to be sure")
                                : "");
    }
    return AION_OK;
}

static aion_status block_symops(aion_reader *r, const cif_block *b, symop **ops, int *nops)
{
    static const char *const tags[] = {"_space_group_symop_operation_xyz", "_symmetry_equiv_pos_as_xyz"};
    int col;
    cif_loop *l = NULL;
    *ops = NULL;
    *nops = 0;
    for (size_t k = 0; k < sizeof tags / sizeof tags[0] && !l; k++) l = find_tag(b, tags[k], &col);
    if (l) {
        long n = l->nval / l->ntag;
        if (n > CIF_MAX_OPS) {
            r->lineno = l->lines[0];
            return aion_io_fail(r, AION_ERR_PARSE, "%ld symmetry operations (more than %d)", n, CIF_MAX_OPS);
        }
        *ops = aion_calloc((size_t)(n > 0 ? n : 1), sizeof **ops);
        if (!*ops) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        for (long i = 0; i < n; i++) {
            long idx = i * l->ntag + col;
            if (parse_symop(l->vals[idx], &(*ops)[i])) {
                r->lineno = l->lines[idx];
                return aion_io_fail(r, AION_ERR_PARSE, "cannot read symmetry operation '%.80s'", l->vals[idx]);
            }
        }
        *nops = (int)n;
        if (n == 0) {
            r->lineno = l->lines ? l->lines[0] : b->line;
            return aion_io_fail(r, AION_ERR_PARSE, "empty list of symmetry operations");
        }
        return AION_OK;
    }
    {
        long line = b->line;
        const char *hall = scalar_text(b, "_space_group_name_hall", &line);
        const char *hm;
        if (!hall) hall = scalar_text(b, "_symmetry_space_group_name_hall", &line);
        hm = scalar_text(b, "_space_group_name_h-m_alt", &line);
        if (!hm) hm = scalar_text(b, "_symmetry_space_group_name_h-m", &line);
        if (hall || hm) {
            char n1[64];
            normalise_name(hm ? hm : "", n1, sizeof n1);
            if (!hall && !strcmp(n1, "p1")) goto p1;
            return ops_from_database(r, hall, hall ? NULL : hm, 0, line, ops, nops, b->name);
        }
        {
            double num;
            int rc = scalar_number(r, b, "_space_group_it_number", &num);
            if (rc == 0) rc = scalar_number(r, b, "_symmetry_int_tables_number", &num);
            if (rc < 0) return r->err.code;
            if (rc > 0) {
                if (num != floor(num) || num < 1 || num > 230) {
                    r->lineno = b->line;
                    return aion_io_fail(r, AION_ERR_PARSE, "block '%s': space group number %g is not 1..230", b->name, num);
                }
                if (num == 1) goto p1;
                return ops_from_database(r, NULL, NULL, (int)num, b->line, ops, nops, b->name);
            }
        }
        aion_io_note(r, "block '%s' gives no symmetry operations and no space group: read as P1", b->name);
    }
p1:
    *ops = aion_calloc(1, sizeof **ops);
    if (!*ops) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
    (*ops)[0].rot[0][0] = (*ops)[0].rot[1][1] = (*ops)[0].rot[2][2] = 1.0;
    *nops = 1;
    return AION_OK;
}

/* ======================================================= atom sites */

/* Element and oxidation state from a symbol like 'Fe', 'Fe2+', 'O2-', 'Li+',
 * or a label like 'Li1', 'O2a'. Returns Z (0 if none); *has_ox set when a
 * charge sign was present. */
static int parse_symbol(const char *s, double *ox, int *has_ox)
{
    char el[3] = {0, 0, 0};
    int z = 0;
    const char *p;
    *has_ox = 0;
    *ox = 0;
    if (!isalpha((unsigned char)s[0])) return 0;
    if (isalpha((unsigned char)s[1])) {
        el[0] = s[0], el[1] = s[1];
        z = aion_element_z(el);
        p = s + 2;
    }
    if (!z) {
        el[0] = s[0], el[1] = '\0';
        z = aion_element_z(el);
        p = s + 1;
    }
    if (!z) return 0;
    /* oxidation: digits then a sign, or a sign then digits, or a bare sign */
    {
        const char *q = p;
        double mag = 0;
        int digits = 0, sign = 0;
        while (isdigit((unsigned char)*q) || *q == '.') q++, digits = 1;
        if (digits) mag = strtod(p, NULL);
        if (*q == '+' || *q == '-') {
            sign = *q == '+' ? 1 : -1;
            q++;
            if (!digits && (isdigit((unsigned char)*q) || *q == '.')) {
                mag = strtod(q, NULL);
                digits = 1;
                while (isdigit((unsigned char)*q) || *q == '.') q++;
            }
            if (*q == '\0') {
                *ox = sign * (digits ? mag : 1.0);
                *has_ox = 1;
            }
        }
    }
    return z;
}

typedef struct {
    double f[3];
    int site;
} image;

static void to_cart(const double f[3], const double c[3][3], double r[3])
{
    for (int k = 0; k < 3; k++) r[k] = f[0] * c[0][k] + f[1] * c[1][k] + f[2] * c[2][k];
}

static double periodic_dist(const double a[3], const double b[3], const double cell[3][3])
{
    double d[3], r[3];
    for (int k = 0; k < 3; k++) {
        d[k] = a[k] - b[k];
        d[k] -= round(d[k]);
    }
    to_cart(d, cell, r);
    return sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
}

typedef struct {
    char *label;
    int z;
    double frac[3];
    double occ;
    double ox;
    int has_ox;
    long line;
} site;

static int uf_find(int *parent, int i)
{
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
}

/* Notes on disorder, aggregated by the set of sites. */
typedef struct {
    char *what;
    int positions, kept, dropped;
} dnote;

static int dnote_add(dnote **notes, int *n, const char *what, int kept, int dropped)
{
    for (int k = 0; k < *n; k++)
        if (!strcmp((*notes)[k].what, what)) {
            (*notes)[k].positions++;
            (*notes)[k].kept += kept;
            (*notes)[k].dropped += dropped;
            return 0;
        }
    {
        dnote *q = aion_realloc_array(*notes, (size_t)*n + 1, sizeof *q);
        if (!q) return -1;
        *notes = q;
        q[*n].what = aion_strdup(what);
        if (!q[*n].what) return -1;
        q[*n].positions = 1;
        q[*n].kept = kept;
        q[*n].dropped = dropped;
        (*n)++;
    }
    return 0;
}

static aion_status block_to_frame(aion_reader *r, const cif_block *b, aion_frame *f)
{
    double abc[3], ang[3], symprec = r->opts.symprec > 0 ? r->opts.symprec : 1e-3;
    static const char *const cell_tags[6] = {"_cell_length_a", "_cell_length_b", "_cell_length_c",
                                             "_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma"};
    int cx = -1, cy = -1, cz = -1, clab = -1, csym = -1, cocc = -1, nsite = 0, nops = 0, nimg = 0, cap = 0;
    int any_ox = 0, any_partial = 0, nkeep = 0, ndn = 0;
    cif_loop *al = NULL, *tl;
    site *sites = NULL;
    symop *ops = NULL;
    image *img = NULL;
    int *parent = NULL, *keep = NULL;
    dnote *dn = NULL;
    aion_status st = AION_OK;
    aion_strbuf msg;
    aion_sb_init(&msg);

    /* cell */
    for (int k = 0; k < 6; k++) {
        double v;
        int rc = scalar_number(r, b, cell_tags[k], &v);
        if (rc < 0) return r->err.code;
        if (rc == 0) {
            r->lineno = b->line;
            return aion_io_fail(r, AION_ERR_PARSE, "block '%s' has no %s", b->name, cell_tags[k]);
        }
        if (k < 3) abc[k] = v;
        else ang[k - 3] = v;
    }
    if (!(abc[0] > 0 && abc[1] > 0 && abc[2] > 0 && ang[0] > 0 && ang[0] < 180 && ang[1] > 0 && ang[1] < 180 &&
          ang[2] > 0 && ang[2] < 180) ||
        aion_cell_from_params(abc, ang, f->cell)) {
        r->lineno = b->line;
        return aion_io_fail(r, AION_ERR_PARSE, "block '%s': impossible cell %g %g %g %g %g %g", b->name, abc[0], abc[1],
                            abc[2], ang[0], ang[1], ang[2]);
    }
    f->has |= AION_HAS_CELL;
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;

    /* atom sites */
    {
        int c;
        if ((al = find_tag(b, "_atom_site_fract_x", &cx))) {
            if (find_tag(b, "_atom_site_fract_y", &cy) != al || find_tag(b, "_atom_site_fract_z", &cz) != al) {
                r->lineno = al->lines ? al->lines[0] : b->line;
                return aion_io_fail(r, AION_ERR_PARSE, "_atom_site_fract_x without _fract_y and _fract_z in the same loop");
            }
        } else if (find_tag(b, "_atom_site_cartn_x", &c)) {
            r->lineno = b->line;
            return aion_io_fail(r, AION_ERR_UNSUPPORTED, "block '%s' gives Cartesian atom sites only (not supported)", b->name);
        }
        if (al) {
            if (find_tag(b, "_atom_site_label", &clab) != al) clab = -1;
            if (find_tag(b, "_atom_site_type_symbol", &csym) != al) csym = -1;
            if (find_tag(b, "_atom_site_occupancy", &cocc) != al) cocc = -1;
            if (clab < 0 && csym < 0) {
                r->lineno = al->lines ? al->lines[0] : b->line;
                return aion_io_fail(r, AION_ERR_PARSE, "atom sites have neither _atom_site_type_symbol nor _atom_site_label");
            }
        }
    }
    if ((st = block_symops(r, b, &ops, &nops))) goto done;
    nsite = al ? (int)(al->nval / al->ntag) : 0;
    if (nsite > 0) {
        sites = aion_calloc((size_t)nsite, sizeof *sites);
        if (!sites) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    tl = NULL;
    {
        int ct = 0, co = 0;
        tl = find_tag(b, "_atom_type_oxidation_number", &co);
        if (tl && find_tag(b, "_atom_type_symbol", &ct) != tl) tl = NULL;
        for (int i = 0; i < nsite; i++) {
            site *S = &sites[i];
            long row = (long)i * al->ntag;
            const char *sym = csym >= 0 && !is_null(al, row + csym) ? al->vals[row + csym] : NULL;
            const char *lab = clab >= 0 && !is_null(al, row + clab) ? al->vals[row + clab] : NULL;
            S->line = al->lines[row];
            S->label = aion_strdup(lab ? lab : sym ? sym : "?");
            if (!S->label) {
                st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                goto done;
            }
            S->z = parse_symbol(sym ? sym : lab ? lab : "", &S->ox, &S->has_ox);
            if (!S->z) {
                r->lineno = S->line;
                st = aion_io_fail(r, AION_ERR_PARSE, "site %s: cannot tell the element from '%s'", S->label,
                                  sym ? sym : lab ? lab : "?");
                goto done;
            }
            if (!sym) S->has_ox = 0; /* labels carry no oxidation state */
            if (tl && sym) {
                long nt = tl->nval / tl->ntag;
                for (long q = 0; q < nt; q++) {
                    double v;
                    if (strcmp(tl->vals[q * tl->ntag + ct], sym)) continue;
                    if (is_null(tl, q * tl->ntag + co)) break;
                    if (parse_su(tl->vals[q * tl->ntag + co], &v)) {
                        r->lineno = tl->lines[q * tl->ntag + co];
                        st = aion_io_fail(r, AION_ERR_PARSE, "_atom_type_oxidation_number: bad number '%s'",
                                          tl->vals[q * tl->ntag + co]);
                        goto done;
                    }
                    S->ox = v, S->has_ox = 1;
                    break;
                }
            }
            if (S->has_ox) any_ox = 1;
            for (int k = 0; k < 3; k++) {
                int c = k == 0 ? cx : k == 1 ? cy : cz;
                if (is_null(al, row + c) || parse_su(al->vals[row + c], &S->frac[k])) {
                    r->lineno = al->lines[row + c];
                    st = aion_io_fail(r, AION_ERR_PARSE, "site %s: bad fractional coordinate '%s'", S->label, al->vals[row + c]);
                    goto done;
                }
            }
            S->occ = 1.0;
            if (cocc >= 0 && !is_null(al, row + cocc)) {
                if (parse_su(al->vals[row + cocc], &S->occ) || S->occ <= 0) {
                    r->lineno = al->lines[row + cocc];
                    st = aion_io_fail(r, AION_ERR_PARSE, "site %s: bad occupancy '%s'", S->label, al->vals[row + cocc]);
                    goto done;
                }
                if (S->occ > 1 + CIF_OCC_TOL) {
                    r->lineno = al->lines[row + cocc];
                    st = aion_io_fail(r, AION_ERR_PARSE, "site %s: occupancy %g is more than 1", S->label, S->occ);
                    goto done;
                }
            }
            if (S->occ < 1 - CIF_OCC_TOL) any_partial = 1;
        }
    }

    /* expand by symmetry */
    for (int i = 0; i < nsite; i++) {
        int first = nimg, mult_file = 0;
        for (int o = 0; o < nops; o++) {
            double g[3];
            int dup = 0;
            for (int k = 0; k < 3; k++) {
                g[k] = ops[o].rot[k][0] * sites[i].frac[0] + ops[o].rot[k][1] * sites[i].frac[1] +
                       ops[o].rot[k][2] * sites[i].frac[2] + ops[o].tr[k];
                g[k] -= floor(g[k]);
                if (g[k] >= 1.0) g[k] = 0.0;
            }
            for (int j = first; j < nimg && !dup; j++) {
                double d = periodic_dist(g, img[j].f, f->cell);
                if (d < symprec) dup = 1;
                else if (d < CIF_CLOSE_IMAGE && sites[i].occ >= 1 - CIF_OCC_TOL && r->opts.disorder != AION_DISORDER_KEEP_ALL) {
                    r->lineno = sites[i].line;
                    st = aion_io_fail(r, AION_ERR_PARSE,
                                      "site %s: two symmetry images are %.2g Å apart, more than symprec (%g Å): the "
                                      "coordinates are rounded; raise symprec",
                                      sites[i].label, d, symprec);
                    goto done;
                }
            }
            if (dup) continue;
            if (nimg == cap) {
                int nc = cap ? cap * 2 : 64;
                image *q;
                if ((long)nc > AION_IO_MAX_ATOMS) {
                    st = aion_io_fail(r, AION_ERR_PARSE, "too many atoms");
                    goto done;
                }
                q = aion_realloc_array(img, (size_t)nc, sizeof *q);
                if (!q) {
                    st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                    goto done;
                }
                img = q;
                cap = nc;
            }
            memcpy(img[nimg].f, g, sizeof g);
            img[nimg].site = i;
            nimg++;
        }
        /* the file's multiplicity, when given, must agree */
        {
            int cm;
            cif_loop *ml = find_tag(b, "_atom_site_symmetry_multiplicity", &cm);
            long idx = (long)i * al->ntag + cm;
            double m;
            if (ml == al && !is_null(al, idx) && !parse_su(al->vals[idx], &m)) mult_file = (int)m;
            if (mult_file > 0 && mult_file != nimg - first)
                aion_io_note(r, "site %s (line %ld): %d positions after symmetry, the file says multiplicity %d",
                             sites[i].label, sites[i].line, nimg - first, mult_file);
        }
    }

    /* positions shared by several sites (union-find over close pairs) */
    parent = aion_calloc((size_t)(nimg > 0 ? nimg : 1), sizeof *parent);
    keep = aion_calloc((size_t)(nimg > 0 ? nimg : 1), sizeof *keep);
    if (!parent || !keep) {
        st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int i = 0; i < nimg; i++) parent[i] = i;
    for (int i = 0; i < nimg; i++)
        for (int j = i + 1; j < nimg; j++) {
            if (img[i].site == img[j].site) continue;
            if (periodic_dist(img[i].f, img[j].f, f->cell) < symprec) {
                int a = uf_find(parent, i), c = uf_find(parent, j);
                if (a != c) parent[c < a ? a : c] = c < a ? c : a;
            }
        }
    /* decide per group (group root = smallest index, i.e. first site in file order) */
    for (int i = 0; i < nimg; i++) {
        int root = uf_find(parent, i), ngrp = 0, best = -1;
        double sum = 0, bocc = -1;
        if (root != i) continue;
        for (int j = i; j < nimg; j++)
            if (uf_find(parent, j) == root) {
                const site *S = &sites[img[j].site];
                ngrp++;
                sum += S->occ;
                if (S->occ > bocc + 1e-12) bocc = S->occ, best = j;
            }
        if (ngrp == 1 && sites[img[i].site].occ >= 1 - CIF_OCC_TOL) {
            keep[i] = 1;
            continue;
        }
        /* disordered position: describe it */
        aion_sb_clear(&msg);
        for (int j = i, c = 0; j < nimg; j++)
            if (uf_find(parent, j) == root) {
                const site *S = &sites[img[j].site];
                aion_sb_printf(&msg, "%s%s (%s, occupancy %g)", c++ ? " + " : "", S->label, aion_element_symbol(S->z), S->occ);
            }
        if (msg.oom) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        if (r->opts.disorder == AION_DISORDER_ERROR) {
            r->lineno = sites[img[i].site].line;
            if (ngrp == 1)
                st = aion_io_fail(r, AION_ERR_INVALID,
                                  "site %s has occupancy %g (partial occupancy): choose what to do with disorder (keep "
                                  "the majority species, or keep all atoms)",
                                  sites[img[i].site].label, sites[img[i].site].occ);
            else
                st = aion_io_fail(r, AION_ERR_INVALID,
                                  "sites share a position: %s (total occupancy %g): choose what to do with disorder "
                                  "(keep the majority species, or keep all atoms)",
                                  msg.s, sum);
            goto done;
        }
        if (r->opts.disorder == AION_DISORDER_KEEP_ALL) {
            for (int j = i; j < nimg; j++)
                if (uf_find(parent, j) == root) keep[j] = 1;
            if (dnote_add(&dn, &ndn, msg.s, ngrp, 0)) {
                st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                goto done;
            }
        } else { /* majority, with the vacancy (1 - sum) as a competitor */
            int k = (1.0 - sum) > bocc + 1e-12 ? 0 : 1;
            if (k) keep[best] = 1;
            if (dnote_add(&dn, &ndn, msg.s, k, ngrp - k)) {
                st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                goto done;
            }
        }
    }
    for (int k = 0; k < ndn; k++) {
        if (r->opts.disorder == AION_DISORDER_KEEP_ALL)
            aion_io_note(r, "block '%s': %s: kept all %d atoms at %d position%s (overlapping, partial occupancy)", b->name,
                         dn[k].what, dn[k].kept, dn[k].positions, dn[k].positions == 1 ? "" : "s");
        else
            aion_io_note(r, "block '%s': %s: majority rule at %d position%s: kept %d atom%s, dropped %d", b->name, dn[k].what,
                         dn[k].positions, dn[k].positions == 1 ? "" : "s", dn[k].kept, dn[k].kept == 1 ? "" : "s",
                         dn[k].dropped);
    }

    /* the frame */
    for (int i = 0; i < nimg; i++) nkeep += keep[i];
    if ((st = aion_frame_resize(f, nkeep, 0))) {
        st = aion_io_fail(r, st, "out of memory");
        goto done;
    }
    {
        aion_column *lab = aion_frame_column_add(f, "label", 'S', 1);
        aion_column *oxc = any_ox ? aion_frame_column_add(f, "oxidation", 'R', 1) : NULL;
        aion_column *occ = any_partial ? aion_frame_column_add(f, "occupancy", 'R', 1) : NULL;
        int n = 0, missing_ox = 0;
        /* re-fetch: adding columns may move them */
        lab = aion_frame_column_get(f, "label");
        if (any_ox) oxc = aion_frame_column_get(f, "oxidation");
        if (any_partial) occ = aion_frame_column_get(f, "occupancy");
        if (!lab || (any_ox && !oxc) || (any_partial && !occ)) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (int i = 0; i < nimg; i++) {
            const site *S;
            if (!keep[i]) continue;
            S = &sites[img[i].site];
            to_cart(img[i].f, f->cell, f->pos[n]);
            f->z[n] = S->z;
            lab->s[n] = aion_strdup(S->label);
            if (!lab->s[n]) {
                st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
                goto done;
            }
            if (oxc) {
                oxc->d[n] = S->ox;
                if (!S->has_ox) missing_ox++;
            }
            if (occ) occ->d[n] = S->occ;
            n++;
        }
        if (missing_ox)
            aion_io_note(r, "block '%s': %d atom%s without an oxidation state (set to 0 in the 'oxidation' column)", b->name,
                         missing_ox, missing_ox == 1 ? "" : "s");
    }
    if (aion_frame_info_set(f, "cif_block", b->name)) {
        st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    {
        const char *sg = scalar_text(b, "_space_group_name_h-m_alt", NULL);
        if (!sg) sg = scalar_text(b, "_symmetry_space_group_name_h-m", NULL);
        if (sg && aion_frame_info_set(f, "spacegroup", sg)) {
            st = aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
done:
    for (int i = 0; i < nsite && sites; i++) free(sites[i].label);
    for (int k = 0; k < ndn; k++) free(dn[k].what);
    free(dn);
    free(sites);
    free(ops);
    free(img);
    free(parent);
    free(keep);
    aion_sb_free(&msg);
    return st;
}

/* ================================================================ backend */

static aion_status cif_open(aion_reader *r)
{
    cif_state *s = aion_calloc(1, sizeof *s);
    if (!s) return aion_io_fail_noline(r, AION_ERR_NOMEM, "out of memory");
    aion_sb_init(&s->lex.text);
    r->state = s;
    return AION_OK;
}

static void cif_close(aion_reader *r)
{
    cif_state *s = r->state;
    if (!s) return;
    aion_sb_free(&s->lex.text);
    free(s->next_name);
    free(s);
    r->state = NULL;
}

static aion_status cif_next(aion_reader *r, aion_frame *f)
{
    cif_state *s = r->state;
    aion_status st;
    if (!s->started) {
        for (;;) {
            if ((st = lex_next(r, &s->lex))) return st;
            if (s->lex.type == T_EOF) return aion_io_fail(r, AION_ERR_PARSE, "no data_ block (not a CIF file?)");
            if (s->lex.type == T_DATA) break;
            if (s->lex.type == T_GLOBAL) continue;
            return aion_io_fail(r, AION_ERR_PARSE, "expected a data_ block, found '%.60s'", s->lex.text.s);
        }
        s->started = 1;
        s->next_name = aion_strdup(s->lex.text.s ? s->lex.text.s : "");
        if (!s->next_name) return aion_io_fail(r, AION_ERR_NOMEM, "out of memory");
        s->next_line = s->lex.line;
        s->have_next = 1;
    }
    while (s->have_next) {
        cif_block b;
        int col;
        memset(&b, 0, sizeof b);
        b.name = s->next_name;
        b.line = s->next_line;
        s->next_name = NULL;
        s->have_next = 0;
        st = parse_block(r, s, &b);
        if (st) {
            block_free(&b);
            return st;
        }
        s->blocks_seen++;
        if (!find_tag(&b, "_atom_site_fract_x", &col) && !find_tag(&b, "_atom_site_cartn_x", &col)) {
            aion_io_note(r, "block '%s' (line %ld) has no atom sites: skipped", b.name, b.line);
            block_free(&b);
            continue;
        }
        aion_frame_free(f);
        st = block_to_frame(r, &b, f);
        block_free(&b);
        if (st) aion_frame_free(f);
        return st;
    }
    return AION_EOF;
}

const aion_io_backend aion_io_cif = {AION_FMT_CIF, "cif", cif_open, cif_next, cif_close, NULL, NULL, NULL};
