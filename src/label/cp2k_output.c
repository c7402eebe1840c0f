/*
 * Parser of CP2K output files (the text CP2K writes with -o), for labelling.
 *
 * Reads, from the last run in the file (CP2K appends to an existing output):
 *   ENERGY| Total FORCE_EVAL ( QS ) energy [a.u.]:  E        Hartree
 *   ATOMIC FORCES in [a.u.]  (# Atom Kind Element X Y Z)  Hartree/bohr
 *   STRESS| Analytical stress tensor [GPa]  (3 rows x, y, z)
 *   SCF tables (steps), "*** SCF run converged", "SCF run NOT converged",
 *   the [ABORT] box, "PROGRAM ENDED".
 * Units: E [eV] = E [Ha] · 27.211386245988; F [eV/Å] = F [Ha/bohr] ·
 * 27.211386245988 / 0.529177210903. CP2K prints the stress tensor with the
 * sign of a pressure (positive = compressed: checked against the strain
 * derivative of the energy, tests/physics/test_cp2k_fd.c), so aion's ASE-sign
 * stress is σ = −σ_CP2K / 160.21766208 eV/Å³.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CP2K_MAX_ATOMS 10000000L

void aion_cp2k_result_free(aion_cp2k_result *r)
{
    if (!r) return;
    free(r->forces);
    free(r->z);
    memset(r, 0, sizeof *r);
}

static void result_reset(aion_cp2k_result *r)
{
    free(r->forces);
    free(r->z);
    memset(r, 0, sizeof *r);
}

typedef struct parser {
    FILE *fp;
    const char *path;
    char *line;
    size_t cap;
    long lineno;
    int pushed;             /* the current line is to be read again */
    aion_error *err;
} parser;

static long next_line(parser *p)
{
    if (p->pushed) {
        p->pushed = 0;
        return (long)strlen(p->line);
    }
    ssize_t n = getline(&p->line, &p->cap, p->fp);
    if (n < 0) return -1;
    p->lineno++;
    while (n > 0 && (p->line[n - 1] == '\n' || p->line[n - 1] == '\r')) p->line[--n] = '\0';
    return (long)n;
}

static const char *skip_ws(const char *s)
{
    while (isspace((unsigned char)*s)) s++;
    return s;
}

/* Split a copy of s into whitespace tokens (at most max). */
static int tokens(char *s, char **tok, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save)) tok[n++] = t;
    return n;
}

static aion_status fail_line(parser *p, aion_cp2k_result *r, aion_status code, const char *what)
{
    r->failure = AION_CP2K_FAIL_MALFORMED;
    return aion_err_set(p->err, code, "%s:%ld: %s", p->path, p->lineno, what);
}

/* The ATOMIC FORCES block; the header line has been read. */
static aion_status read_forces(parser *p, aion_cp2k_result *r)
{
    long cap = 0, n = 0, got;
    double(*fv)[3] = NULL;
    int *zv = NULL;
    const double conv = AION_HARTREE_EV / AION_BOHR_A;
    int seen_header = 0;
    while ((got = next_line(p)) >= 0) {
        char buf[512], *tok[8];
        const char *s = skip_ws(p->line);
        int nt;
        if (!*s) {
            if (n > 0) break; /* blank line after the rows: tolerate */
            continue;
        }
        if (*s == '#') {
            seen_header = 1;
            continue;
        }
        if (!strncmp(s, "SUM OF ATOMIC FORCES", 20)) break;
        if (!seen_header) {
            free(fv);
            free(zv);
            return fail_line(p, r, AION_ERR_PARSE, "expected the '# Atom Kind Element X Y Z' header of the forces");
        }
        if (strlen(s) >= sizeof buf) {
            free(fv);
            free(zv);
            return fail_line(p, r, AION_ERR_PARSE, "force line too long");
        }
        strcpy(buf, s);
        nt = tokens(buf, tok, 8);
        long idx;
        double v[3];
        if (nt != 6 || aion_parse_long(tok[0], &idx) || aion_parse_double(tok[3], &v[0]) ||
            aion_parse_double(tok[4], &v[1]) || aion_parse_double(tok[5], &v[2])) {
            free(fv);
            free(zv);
            return fail_line(p, r, AION_ERR_PARSE, "expected 'ATOM KIND ELEMENT FX FY FZ' in the forces block");
        }
        if (idx != n + 1) {
            free(fv);
            free(zv);
            return fail_line(p, r, AION_ERR_PARSE, "atoms in the forces block are not numbered 1, 2, 3, ...");
        }
        if (n >= CP2K_MAX_ATOMS) {
            free(fv);
            free(zv);
            return fail_line(p, r, AION_ERR_PARSE, "implausibly many atoms in the forces block");
        }
        if (n == cap) {
            long nc = cap ? 2 * cap : 64;
            void *a = aion_realloc_array(fv, (size_t)nc, sizeof *fv), *b;
            if (!a) {
                free(fv);
                free(zv);
                return aion_err_set(p->err, AION_ERR_NOMEM, "out of memory reading %s", p->path);
            }
            fv = a;
            b = aion_realloc_array(zv, (size_t)nc, sizeof *zv);
            if (!b) {
                free(fv);
                free(zv);
                return aion_err_set(p->err, AION_ERR_NOMEM, "out of memory reading %s", p->path);
            }
            zv = b;
            cap = nc;
        }
        for (int d = 0; d < 3; d++) fv[n][d] = v[d] * conv;
        zv[n] = aion_element_z(tok[2]);
        n++;
    }
    if (got < 0 && n == 0) {
        free(fv);
        free(zv);
        r->failure = AION_CP2K_FAIL_INCOMPLETE;
        return aion_err_set(p->err, AION_ERR_PARSE, "%s:%ld: output ends inside the forces block", p->path, p->lineno);
    }
    free(r->forces);
    free(r->z);
    r->forces = fv;
    r->z = zv;
    r->n = (int)n;
    r->has |= AION_HAS_FORCES;
    return AION_OK;
}

/* STRESS| ... tensor [GPa]: a header row "x y z" and three rows. */
static aion_status read_stress(parser *p, aion_cp2k_result *r)
{
    static const char *lab[3] = {"x", "y", "z"};
    double s[3][3];
    int row = 0;
    while (row < 3) {
        char buf[512], *tok[8];
        int nt;
        if (next_line(p) < 0) {
            r->failure = AION_CP2K_FAIL_INCOMPLETE;
            return aion_err_set(p->err, AION_ERR_PARSE, "%s:%ld: output ends inside the stress tensor", p->path,
                                p->lineno);
        }
        const char *q = skip_ws(p->line);
        if (strncmp(q, "STRESS|", 7) || strlen(q) >= sizeof buf)
            return fail_line(p, r, AION_ERR_PARSE, "expected 'STRESS|' rows of the stress tensor");
        strcpy(buf, q + 7);
        nt = tokens(buf, tok, 8);
        if (nt == 3 && !strcmp(tok[0], "x") && !strcmp(tok[1], "y") && !strcmp(tok[2], "z") && row == 0) continue;
        if (nt != 4 || strcmp(tok[0], lab[row]) || aion_parse_double(tok[1], &s[row][0]) ||
            aion_parse_double(tok[2], &s[row][1]) || aion_parse_double(tok[3], &s[row][2]))
            return fail_line(p, r, AION_ERR_PARSE, "expected 'STRESS| x|y|z SXX SXY SXZ' in the stress tensor");
        row++;
    }
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) r->stress[a][b] = -s[a][b] / AION_EV_A3_TO_GPA;
    r->has |= AION_HAS_STRESS;
    return AION_OK;
}

/* The [ABORT] box: the text right of the ASCII art, up to the closing '*'. */
static void read_abort(parser *p, aion_cp2k_result *r)
{
    size_t len = 0;
    r->abort_msg[0] = '\0';
    for (int k = 0; k < 12 && next_line(p) >= 0; k++) {
        const char *s = p->line;
        size_t n = strlen(s);
        if (n < 3 || strncmp(s, " *", 2)) break;
        if (strspn(s + 1, "*") == n - 1) break; /* closing row of stars */
        /* drop " *" + art (CP2K's box: art in columns 2..19) and the trailing " *" */
        size_t a = n > 20 ? 20 : n, b = n;
        while (b > a && (s[b - 1] == '*' || isspace((unsigned char)s[b - 1]))) b--;
        while (a < b && isspace((unsigned char)s[a])) a++;
        if (b > a && len + (b - a) + 2 < sizeof r->abort_msg) {
            if (len) r->abort_msg[len++] = ' ';
            memcpy(r->abort_msg + len, s + a, b - a);
            len += b - a;
            r->abort_msg[len] = '\0';
        }
    }
}

/* "*** WARNING in FILE:LINE :: text ***" and its continuation lines "*** text ***". */
static void read_warning(parser *p, aion_cp2k_result *r, const char *first)
{
    const char *t = strstr(first, "::");
    size_t len = 0;
    char *w = r->warning;
    int k;
    w[0] = '\0';
    for (k = 0; k < 8; k++) {
        const char *s = t ? t + 2 : NULL;
        if (!s) {
            s = skip_ws(p->line);
            if (strncmp(s, "***", 3)) {
                p->pushed = 1; /* not ours: hand it back to the main loop */
                break;
            }
            s += 3;
        }
        t = NULL;
        s = skip_ws(s);
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == '*' || isspace((unsigned char)s[n - 1]))) n--;
        if (n && len + n + 2 < sizeof r->warning) {
            if (len) w[len++] = ' ';
            memcpy(w + len, s, n);
            len += n;
            w[len] = '\0';
        }
        if (next_line(p) < 0) return;
    }
    if (k == 8) p->pushed = 1; /* read but not examined */
}

/* "  outer SCF loop converged in   2 iterations or   54 steps" etc. */
static int starts_with_int_then_word(const char *s)
{
    const char *q = skip_ws(s);
    if (!isdigit((unsigned char)*q)) return 0;
    while (isdigit((unsigned char)*q)) q++;
    if (!isspace((unsigned char)*q)) return 0;
    q = skip_ws(q);
    return isalpha((unsigned char)*q);
}

aion_status aion_cp2k_parse_output(const char *path, aion_cp2k_result *r, aion_error *err)
{
    parser p;
    aion_status st = AION_OK;
    int in_scf_table = 0, scf_ok = 0, scf_bad = 0, started = 0;
    memset(r, 0, sizeof *r);
    memset(&p, 0, sizeof p);
    p.path = path;
    p.err = err;
    if (!(p.fp = fopen(path, "r"))) {
        r->failure = AION_CP2K_FAIL_INCOMPLETE;
        return aion_err_set(err, AION_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    while (next_line(&p) >= 0) {
        const char *s = skip_ws(p.line);
        if (in_scf_table) {
            if (starts_with_int_then_word(s)) {
                r->scf_steps++;
                continue;
            }
            if (strncmp(s, "----", 4)) in_scf_table = 0;
        }
        if (!*s) continue;
        if (strstr(s, "PROGRAM STARTED AT")) {
            /* a new run in the same file: forget the previous one */
            result_reset(r);
            in_scf_table = scf_ok = scf_bad = 0;
            started = 1;
        } else if (!strncmp(s, "CP2K| version string:", 21)) {
            snprintf(r->version, sizeof r->version, "%s", skip_ws(s + 21));
        } else if (!strncmp(s, "Step", 4) && strstr(s, "Update method") && strstr(s, "Convergence")) {
            in_scf_table = 1;
        } else if (strstr(s, "SCF run converged in")) {
            scf_ok = 1;
        } else if (strstr(s, "SCF run NOT converged")) {
            scf_bad = 1;
        } else if (!strncmp(s, "outer SCF loop converged", 24)) {
            scf_ok = 1;
        } else if (!strncmp(s, "outer SCF loop FAILED", 21)) {
            scf_bad = 1;
        } else if (!strncmp(s, "ENERGY| Total FORCE_EVAL", 24)) {
            char buf[512], *tok[16];
            int nt;
            double e;
            if (!strstr(s, "[a.u.]") && !strstr(s, "(a.u.)")) {
                st = fail_line(&p, r, AION_ERR_PARSE, "energy not in a.u. (Hartree)");
                goto done;
            }
            snprintf(buf, sizeof buf, "%s", s);
            nt = tokens(buf, tok, 16);
            if (nt < 2 || aion_parse_double(tok[nt - 1], &e)) {
                st = fail_line(&p, r, AION_ERR_PARSE, "cannot read the total energy");
                goto done;
            }
            r->energy = e * AION_HARTREE_EV;
            r->has |= AION_HAS_ENERGY;
        } else if (!strncmp(s, "ATOMIC FORCES in", 16)) {
            if (!strstr(s, "[a.u.]") && !strstr(s, "(a.u.)")) {
                st = fail_line(&p, r, AION_ERR_PARSE, "forces not in a.u. (Hartree/bohr)");
                goto done;
            }
            if ((st = read_forces(&p, r)) != AION_OK) goto done;
        } else if (!strncmp(s, "STRESS|", 7) && strstr(s, "stress tensor [GPa]") &&
                   (strstr(s, "Analytical") || strstr(s, "Numerical")) && !strstr(s, "Eigenvectors")) {
            if ((st = read_stress(&p, r)) != AION_OK) goto done;
        } else if (!strncmp(s, "*** WARNING in", 14)) {
            read_warning(&p, r, s);
        } else if (strstr(s, "[ABORT]")) {
            r->failure = AION_CP2K_FAIL_ABORT;
            read_abort(&p, r);
        } else if (strstr(s, "PROGRAM ENDED AT")) {
            r->ended = 1;
        }
    }
    if (ferror(p.fp)) {
        r->failure = AION_CP2K_FAIL_INCOMPLETE;
        st = aion_err_set(err, AION_ERR_IO, "%s: read error", path);
        goto done;
    }
    r->scf_converged = scf_ok && !scf_bad;
    if (r->failure == AION_CP2K_FAIL_ABORT) {
        st = aion_err_set(err, AION_ERR_INVALID, "%s: CP2K aborted: %s%s%s", path,
                          r->abort_msg[0] ? r->abort_msg : "(no message)", r->warning[0] ? "; last warning: " : "",
                          r->warning);
    } else if (!started) {
        r->failure = AION_CP2K_FAIL_INCOMPLETE;
        st = aion_err_set(err, AION_ERR_PARSE, "%s: not a CP2K output (no 'PROGRAM STARTED AT')", path);
    } else if (scf_bad) {
        r->failure = AION_CP2K_FAIL_SCF;
        st = aion_err_set(err, AION_ERR_NUMERIC, "%s: SCF run NOT converged (%d SCF steps)", path, r->scf_steps);
    } else if (!(r->has & AION_HAS_ENERGY)) {
        r->failure = AION_CP2K_FAIL_INCOMPLETE;
        st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: output ends without the total energy (crashed or killed?)",
                          path, p.lineno);
    } else if (!(r->has & AION_HAS_FORCES)) {
        r->failure = AION_CP2K_FAIL_INCOMPLETE;
        st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: output has no ATOMIC FORCES block", path, p.lineno);
    } else if (!r->ended) {
        r->failure = AION_CP2K_FAIL_INCOMPLETE;
        st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: output ends before 'PROGRAM ENDED' (crashed or killed?)",
                          path, p.lineno);
    } else if (!scf_ok) {
        r->failure = AION_CP2K_FAIL_SCF;
        st = aion_err_set(err, AION_ERR_NUMERIC, "%s: no converged SCF run in the output", path);
    } else {
        for (int i = 0; i < r->n; i++)
            for (int d = 0; d < 3; d++)
                if (!isfinite(r->forces[i][d])) {
                    r->failure = AION_CP2K_FAIL_MALFORMED;
                    st = aion_err_set(err, AION_ERR_NUMERIC, "%s: force on atom %d is not finite", path, i + 1);
                    goto done;
                }
    }
done:
    free(p.line);
    fclose(p.fp);
    return st;
}

aion_status aion_cp2k_result_apply(const aion_cp2k_result *r, aion_frame *f, aion_error *err)
{
    char buf[32];
    aion_status st;
    if (!(r->has & AION_HAS_ENERGY) || !(r->has & AION_HAS_FORCES))
        return aion_err_set(err, AION_ERR_INVALID, "CP2K result has no energy or no forces");
    if (r->n != f->n)
        return aion_err_set(err, AION_ERR_INVALID, "CP2K output has forces on %d atoms, the structure has %d", r->n,
                            f->n);
    for (int i = 0; i < f->n; i++)
        if (r->z[i] != f->z[i])
            return aion_err_set(err, AION_ERR_INVALID, "atom %d is %s in the CP2K output but %s in the structure",
                                i + 1, aion_element_symbol(r->z[i]), aion_element_symbol(f->z[i]));
    if ((st = aion_frame_resize(f, f->n, AION_HAS_FORCES)) != AION_OK)
        return aion_err_set(err, st, "out of memory");
    f->energy = r->energy;
    f->has |= AION_HAS_ENERGY;
    memcpy(f->forces, r->forces, (size_t)f->n * sizeof *f->forces);
    if (r->has & AION_HAS_STRESS) {
        memcpy(f->stress, r->stress, sizeof f->stress);
        f->has |= AION_HAS_STRESS;
    } else {
        f->has &= ~(unsigned)AION_HAS_STRESS;
    }
    snprintf(buf, sizeof buf, "%d", r->scf_steps);
    if (aion_frame_info_set(f, "scf_steps", buf) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    return AION_OK;
}
