/*
 * MLIP-2 `.mtp` files: reader and writer.
 *
 * The format (text, as written by MLIP-2 1.1.0):
 *   MTP
 *   version = 1.1.0
 *   potential_name = MTP1m
 *   scaling = 2.173671108715738e-02            (absent in untrained templates)
 *   species_count = 3
 *   potential_tag =                            (usually empty)
 *   radial_basis_type = RBChebyshev
 *   <TAB>min_dist = ...    max_dist = ...    radial_basis_size = R    radial_funcs_count = K
 *   <TAB>radial_coeffs                         (absent in templates)
 *   <TAB><TAB>i-j                              (i = central species, j = neighbour; all C² blocks)
 *   <TAB><TAB><TAB>{c_0, ..., c_{R-1}}         (K lines, one per radial function mu)
 *   alpha_moments_count = N
 *   alpha_index_basic_count = Nb,  alpha_index_basic = {{mu, a, b, c}, ...}
 *   alpha_index_times_count = Nt,  alpha_index_times = {{i, j, k, out}, ...}
 *   alpha_scalar_moments = Ns,     alpha_moment_mapping = {...}
 *   species_coeffs = {...}  moment_coeffs = {...}   (absent in templates)
 * aion extension (optional, after everything MLIP-2 writes; MLIP-2's reader
 * stops after moment_coeffs, so it ignores them): a ZBL pair baseline (zbl.h)
 *   aion_zbl_inner = 1      aion_zbl_outer = 2      aion_zbl_z = {3, 15, 8}
 * and charge equilibration added (qeq.h): per species chi, hardness, width,
 *   aion_qeq_chi = {...}  aion_qeq_hardness = {...}  aion_qeq_width = {...}
 *   aion_qeq_charge = 0
 *   aion_qeq_coord_cutoff = 3.5  aion_qeq_chi_coord = {ns x ns}   (optional)
 * MLIP-2 writes reals with %.15e and no newline after the last line. We read
 * tolerantly (any whitespace, lists may span lines) and write the same layout;
 * a real that %.15e would not reproduce exactly is written with %.16e, so
 * read -> write -> read gives back every number bit for bit.
 * Clean-room: written from the format as it appears in published files.
 */
#include "mtp.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void mtp_model_init(mtp_model *m)
{
    memset(m, 0, sizeof *m);
    m->scaling = 1.0;
}

void mtp_model_free(mtp_model *m)
{
    if (!m) return;
    free(m->version);
    free(m->name);
    free(m->tag);
    free(m->rb_type);
    free(m->radial);
    free(m->basic);
    free(m->times);
    free(m->mapping);
    free(m->species_coeffs);
    free(m->moment_coeffs);
    free(m->zbl_z);
    free(m->qeq_chi);
    free(m->qeq_hard);
    free(m->qeq_width);
    free(m->qeq_chi_coord);
    mtp_model_init(m);
}

static void *dup_mem(const void *p, size_t n, size_t size, int *oom)
{
    void *q;
    if (!p) return NULL;
    q = aion_calloc(n ? n : 1, size);
    if (!q) {
        *oom = 1;
        return NULL;
    }
    if (n) memcpy(q, p, n * size);
    return q;
}

static char *dup_str(const char *s, int *oom)
{
    char *q;
    if (!s) return NULL;
    q = aion_strdup(s);
    if (!q) *oom = 1;
    return q;
}

aion_status mtp_model_copy(mtp_model *dst, const mtp_model *src, aion_error *err)
{
    int oom = 0;
    size_t nrad = (size_t)src->nspecies * (size_t)src->nspecies * (size_t)src->nradial * (size_t)src->rb_size;
    mtp_model_free(dst);
    *dst = *src;
    dst->version = dup_str(src->version, &oom);
    dst->name = dup_str(src->name, &oom);
    dst->tag = dup_str(src->tag, &oom);
    dst->rb_type = dup_str(src->rb_type, &oom);
    dst->radial = dup_mem(src->radial, nrad, sizeof(double), &oom);
    dst->basic = dup_mem(src->basic, (size_t)src->nbasic, sizeof *src->basic, &oom);
    dst->times = dup_mem(src->times, (size_t)src->ntimes, sizeof *src->times, &oom);
    dst->mapping = dup_mem(src->mapping, (size_t)src->nscalar, sizeof(int), &oom);
    dst->species_coeffs = dup_mem(src->species_coeffs, (size_t)src->nspecies, sizeof(double), &oom);
    dst->moment_coeffs = dup_mem(src->moment_coeffs, (size_t)src->nscalar, sizeof(double), &oom);
    dst->zbl_z = dup_mem(src->zbl_z, (size_t)src->nspecies, sizeof(int), &oom);
    dst->qeq_chi = dup_mem(src->qeq_chi, (size_t)src->nspecies, sizeof(double), &oom);
    dst->qeq_hard = dup_mem(src->qeq_hard, (size_t)src->nspecies, sizeof(double), &oom);
    dst->qeq_width = dup_mem(src->qeq_width, (size_t)src->nspecies, sizeof(double), &oom);
    dst->qeq_chi_coord = dup_mem(src->qeq_chi_coord, (size_t)src->nspecies * (size_t)src->nspecies, sizeof(double), &oom);
    if (oom) {
        mtp_model_free(dst);
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory copying an MTP");
    }
    return AION_OK;
}

int mtp_model_is_trained(const mtp_model *m)
{
    return m->radial && m->species_coeffs && m->moment_coeffs;
}

/* ------------------------------------------------------------------ */
/* Consistency                                                        */
/* ------------------------------------------------------------------ */

aion_status mtp_model_check(const mtp_model *m, const char *name, aion_error *err)
{
    if (m->nspecies < 1 || m->nspecies > MTP_MAX_SPECIES)
        return aion_err_set(err, AION_ERR_PARSE, "%s: species_count %d out of range 1..%d", name, m->nspecies,
                            MTP_MAX_SPECIES);
    if (!m->rb_type || strcmp(m->rb_type, "RBChebyshev") != 0)
        return aion_err_set(err, AION_ERR_UNSUPPORTED, "%s: radial_basis_type '%s' not supported (only RBChebyshev)",
                            name, m->rb_type ? m->rb_type : "(missing)");
    if (!(m->min_dist >= 0.0) || !(m->max_dist > m->min_dist))
        return aion_err_set(err, AION_ERR_PARSE, "%s: need 0 <= min_dist < max_dist (got %g, %g)", name,
                            m->min_dist, m->max_dist);
    if (m->rb_size < 1 || m->rb_size > MTP_MAX_RB_SIZE)
        return aion_err_set(err, AION_ERR_PARSE, "%s: radial_basis_size %d out of range 1..%d", name, m->rb_size,
                            MTP_MAX_RB_SIZE);
    if (m->nradial < 1 || m->nradial > MTP_MAX_RADIAL)
        return aion_err_set(err, AION_ERR_PARSE, "%s: radial_funcs_count %d out of range 1..%d", name, m->nradial,
                            MTP_MAX_RADIAL);
    if (m->nmoments < 1 || m->nmoments > MTP_MAX_MOMENTS)
        return aion_err_set(err, AION_ERR_PARSE, "%s: alpha_moments_count %d out of range", name, m->nmoments);
    if (m->nbasic < 1 || m->nbasic > m->nmoments)
        return aion_err_set(err, AION_ERR_PARSE, "%s: alpha_index_basic_count %d out of range 1..%d", name,
                            m->nbasic, m->nmoments);
    for (int k = 0; k < m->nbasic; k++) {
        const int *b = m->basic[k];
        if (b[0] < 0 || b[0] >= m->nradial)
            return aion_err_set(err, AION_ERR_PARSE,
                                "%s: alpha_index_basic entry %d uses radial function %d (radial_funcs_count %d)", name,
                                k, b[0], m->nradial);
        if (b[1] < 0 || b[2] < 0 || b[3] < 0 || b[1] + b[2] + b[3] > MTP_MAX_RANK)
            return aion_err_set(err, AION_ERR_PARSE, "%s: alpha_index_basic entry %d has bad powers {%d, %d, %d}",
                                name, k, b[1], b[2], b[3]);
    }
    for (int t = 0; t < m->ntimes; t++) {
        const mtp_times *x = &m->times[t];
        if (x->out < m->nbasic || x->out >= m->nmoments || x->i < 0 || x->j < 0 || x->i >= x->out ||
            x->j >= x->out)
            return aion_err_set(err, AION_ERR_PARSE,
                                "%s: alpha_index_times entry %d {%d, %d, %g, %d}: need inputs < output, output in "
                                "%d..%d",
                                name, t, x->i, x->j, x->k, x->out, m->nbasic, m->nmoments - 1);
        if (t > 0 && x->out < m->times[t - 1].out)
            return aion_err_set(err, AION_ERR_UNSUPPORTED,
                                "%s: alpha_index_times entry %d: outputs are not in increasing order", name, t);
    }
    if (m->nscalar < 1 || m->nscalar > m->nmoments)
        return aion_err_set(err, AION_ERR_PARSE, "%s: alpha_scalar_moments %d out of range", name, m->nscalar);
    for (int a = 0; a < m->nscalar; a++)
        if (m->mapping[a] < 0 || m->mapping[a] >= m->nmoments)
            return aion_err_set(err, AION_ERR_PARSE, "%s: alpha_moment_mapping[%d] = %d out of range", name, a,
                                m->mapping[a]);
    if (m->has_zbl) {
        if (!(m->zbl_inner > 0.0) || !(m->zbl_outer > m->zbl_inner) || !isfinite(m->zbl_outer))
            return aion_err_set(err, AION_ERR_PARSE, "%s: ZBL baseline: need 0 < aion_zbl_inner < aion_zbl_outer "
                                "(got %g, %g)", name, m->zbl_inner, m->zbl_outer);
        if (!m->zbl_z) return aion_err_set(err, AION_ERR_PARSE, "%s: ZBL baseline without aion_zbl_z", name);
        for (int s = 0; s < m->nspecies; s++)
            if (m->zbl_z[s] < 1 || m->zbl_z[s] > AION_MAX_Z)
                return aion_err_set(err, AION_ERR_PARSE, "%s: aion_zbl_z: atomic number %d of species %d out of "
                                    "range 1..%d", name, m->zbl_z[s], s, AION_MAX_Z);
    }
    if (m->has_qeq) {
        if (!m->qeq_chi || !m->qeq_hard || !m->qeq_width)
            return aion_err_set(err, AION_ERR_PARSE, "%s: charge equilibration without its parameters", name);
        if (!isfinite(m->qeq_charge))
            return aion_err_set(err, AION_ERR_PARSE, "%s: aion_qeq_charge is not finite", name);
        if (m->qeq_chi_coord) {
            if (!(m->qeq_coord_cutoff > 0.0) || !isfinite(m->qeq_coord_cutoff))
                return aion_err_set(err, AION_ERR_PARSE, "%s: aion_qeq_coord_cutoff must be > 0 (got %g)", name,
                                    m->qeq_coord_cutoff);
            for (int k = 0; k < m->nspecies * m->nspecies; k++)
                if (!isfinite(m->qeq_chi_coord[k]))
                    return aion_err_set(err, AION_ERR_PARSE, "%s: aion_qeq_chi_coord[%d] is not finite", name, k);
        }
        for (int s = 0; s < m->nspecies; s++)
            if (!isfinite(m->qeq_chi[s]) || !(m->qeq_hard[s] > 0.0) || !isfinite(m->qeq_hard[s]) ||
                !(m->qeq_width[s] > 0.0) || !isfinite(m->qeq_width[s]))
                return aion_err_set(err, AION_ERR_PARSE, "%s: charge equilibration, species %d: need a finite chi, "
                                    "J > 0 and sigma > 0 (got %g, %g, %g)", name, s, m->qeq_chi[s], m->qeq_hard[s],
                                    m->qeq_width[s]);
    }
    return AION_OK;
}

/* ------------------------------------------------------------------ */
/* Lexer                                                              */
/* ------------------------------------------------------------------ */

typedef struct lex {
    const char *s, *end;
    long line;
    const char *name;
    aion_error *err;
} lex;

static aion_status lfail(lex *L, aion_status code, const char *fmt, ...) AION_PRINTF(3, 4);
static aion_status lfail(lex *L, aion_status code, const char *fmt, ...)
{
    char msg[AION_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return aion_err_set(L->err, code, "%s:%ld: %s", L->name, L->line, msg);
}

static void skip_ws(lex *L)
{
    while (L->s < L->end && (*L->s == ' ' || *L->s == '\t' || *L->s == '\r' || *L->s == '\n')) {
        if (*L->s == '\n') L->line++;
        L->s++;
    }
}

static int is_word_char(char c)
{
    return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '{' && c != '}' && c != ',' && c != '=' &&
           c != '\0';
}

/* Next word into buf (after whitespace); returns its length (0 = none). */
static size_t read_word(lex *L, char *buf, size_t cap)
{
    size_t n = 0;
    skip_ws(L);
    while (L->s < L->end && is_word_char(*L->s)) {
        if (n + 1 < cap) buf[n] = *L->s;
        n++;
        L->s++;
    }
    buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

static int expect_char(lex *L, char c)
{
    skip_ws(L);
    if (L->s < L->end && *L->s == c) {
        L->s++;
        return 1;
    }
    return 0;
}

/* '=' then the rest of the line (trimmed) as a new string. */
static aion_status read_rest(lex *L, const char *key, char **out)
{
    const char *a, *b;
    while (L->s < L->end && (*L->s == ' ' || *L->s == '\t')) L->s++;
    if (L->s >= L->end || *L->s != '=') return lfail(L, AION_ERR_PARSE, "expected '=' after %s", key);
    L->s++;
    while (L->s < L->end && (*L->s == ' ' || *L->s == '\t')) L->s++;
    a = L->s;
    while (L->s < L->end && *L->s != '\n') L->s++;
    b = L->s;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r')) b--;
    free(*out);
    *out = malloc((size_t)(b - a) + 1);
    if (!*out) return aion_err_set(L->err, AION_ERR_NOMEM, "out of memory");
    memcpy(*out, a, (size_t)(b - a));
    (*out)[b - a] = '\0';
    return AION_OK;
}

static aion_status read_double_after_eq(lex *L, const char *key, double *v)
{
    char *s = NULL;
    aion_status st = read_rest(L, key, &s);
    if (st) return st;
    if (aion_parse_double(s, v)) st = lfail(L, AION_ERR_PARSE, "%s: '%s' is not a number", key, s);
    free(s);
    return st;
}

static aion_status read_int_after_eq(lex *L, const char *key, int *v)
{
    char *s = NULL;
    aion_status st = read_rest(L, key, &s);
    if (st) return st;
    if (aion_parse_int(s, v)) st = lfail(L, AION_ERR_PARSE, "%s: '%s' is not an integer", key, s);
    free(s);
    return st;
}

/* A flat list {x, y, ...} of n numbers (n = -1: any length up to cap).
 * Numbers go into out (grown); *count = number read. */
static aion_status read_num_list(lex *L, const char *key, double **out, int *count, long cap)
{
    char w[128];
    long n = 0, have = 0;
    double *v = NULL;
    if (!expect_char(L, '{')) return lfail(L, AION_ERR_PARSE, "%s: expected '{'", key);
    skip_ws(L);
    if (expect_char(L, '}')) goto done;
    for (;;) {
        double x;
        if (!read_word(L, w, sizeof w)) return free(v), lfail(L, AION_ERR_PARSE, "%s: expected a number", key);
        if (aion_parse_double(w, &x)) return free(v), lfail(L, AION_ERR_PARSE, "%s: '%s' is not a number", key, w);
        if (n >= cap) return free(v), lfail(L, AION_ERR_PARSE, "%s: more than %ld numbers", key, cap);
        if (n == have) {
            long nh = have ? 2 * have : 16;
            double *t = aion_realloc_array(v, (size_t)nh, sizeof *v);
            if (!t) return free(v), aion_err_set(L->err, AION_ERR_NOMEM, "out of memory");
            v = t;
            have = nh;
        }
        v[n++] = x;
        if (expect_char(L, ',')) continue;
        if (expect_char(L, '}')) break;
        free(v);
        return lfail(L, AION_ERR_PARSE, "%s: expected ',' or '}'", key);
    }
done:
    free(*out);
    *out = v;
    *count = (int)n;
    return AION_OK;
}

/* A list of integer tuples {{a, b, ...}, ...} of width w; values may be
 * reals for columns whose bit is set in realmask. */
static aion_status read_tuple_list(lex *L, const char *key, int width, unsigned realmask, double **out, int *count,
                                   long cap)
{
    double *v = NULL;
    long n = 0, have = 0;
    char w[128];
    if (!expect_char(L, '{')) return lfail(L, AION_ERR_PARSE, "%s: expected '{'", key);
    if (expect_char(L, '}')) goto done;
    for (;;) {
        if (!expect_char(L, '{')) return free(v), lfail(L, AION_ERR_PARSE, "%s: expected '{' of an entry", key);
        if (n >= cap) return free(v), lfail(L, AION_ERR_PARSE, "%s: more than %ld entries", key, cap);
        if (n == have) {
            long nh = have ? 2 * have : 64;
            double *t = aion_realloc_array(v, (size_t)nh * (size_t)width, sizeof *v);
            if (!t) return free(v), aion_err_set(L->err, AION_ERR_NOMEM, "out of memory");
            v = t;
            have = nh;
        }
        for (int c = 0; c < width; c++) {
            double x;
            int xi;
            if (c && !expect_char(L, ','))
                return free(v), lfail(L, AION_ERR_PARSE, "%s: entry %ld needs %d numbers", key, n, width);
            if (!read_word(L, w, sizeof w))
                return free(v), lfail(L, AION_ERR_PARSE, "%s: entry %ld: expected a number", key, n);
            if (realmask & (1u << c)) {
                if (aion_parse_double(w, &x))
                    return free(v), lfail(L, AION_ERR_PARSE, "%s: entry %ld: '%s' is not a number", key, n, w);
            } else {
                if (aion_parse_int(w, &xi))
                    return free(v), lfail(L, AION_ERR_PARSE, "%s: entry %ld: '%s' is not an integer", key, n, w);
                x = xi;
            }
            v[n * width + c] = x;
        }
        if (!expect_char(L, '}'))
            return free(v), lfail(L, AION_ERR_PARSE, "%s: entry %ld has more than %d numbers", key, n, width);
        n++;
        if (expect_char(L, ',')) continue;
        if (expect_char(L, '}')) break;
        free(v);
        return lfail(L, AION_ERR_PARSE, "%s: expected ',' or '}'", key);
    }
done:
    free(*out);
    *out = v;
    *count = (int)n;
    return AION_OK;
}

/* ------------------------------------------------------------------ */
/* Reader                                                             */
/* ------------------------------------------------------------------ */

enum {
    K_VERSION, K_NAME, K_SCALING, K_SPECIES, K_TAG, K_RBTYPE, K_MIN, K_MAX, K_RBSIZE, K_NRAD, K_RADIAL,
    K_NMOM, K_NBASIC, K_BASIC, K_NTIMES, K_TIMES, K_NSCALAR, K_MAPPING, K_SPC, K_MC, K_ZIN, K_ZOUT, K_ZZ,
    K_QCHI, K_QJ, K_QW, K_QQ, K_QCC, K_QCR, K_COUNT
};
static const char *const key_names[K_COUNT] = {
    "version", "potential_name", "scaling", "species_count", "potential_tag", "radial_basis_type", "min_dist",
    "max_dist", "radial_basis_size", "radial_funcs_count", "radial_coeffs", "alpha_moments_count",
    "alpha_index_basic_count", "alpha_index_basic", "alpha_index_times_count", "alpha_index_times",
    "alpha_scalar_moments", "alpha_moment_mapping", "species_coeffs", "moment_coeffs", "aion_zbl_inner",
    "aion_zbl_outer", "aion_zbl_z", "aion_qeq_chi", "aion_qeq_hardness", "aion_qeq_width", "aion_qeq_charge", "aion_qeq_chi_coord", "aion_qeq_coord_cutoff"};

static aion_status read_radial(lex *L, mtp_model *m, const int seen[K_COUNT])
{
    char w[64];
    size_t C, K, R;
    unsigned char *done = NULL;
    double *row = NULL;
    aion_status st = AION_OK;
    if (!seen[K_SPECIES] || !seen[K_RBSIZE] || !seen[K_NRAD])
        return lfail(L, AION_ERR_PARSE,
                     "radial_coeffs before species_count, radial_basis_size and radial_funcs_count");
    if (m->nspecies < 1 || m->nspecies > MTP_MAX_SPECIES || m->rb_size < 1 || m->rb_size > MTP_MAX_RB_SIZE ||
        m->nradial < 1 || m->nradial > MTP_MAX_RADIAL)
        return lfail(L, AION_ERR_PARSE, "radial_coeffs: species_count, radial_basis_size or radial_funcs_count "
                                        "out of range");
    C = (size_t)m->nspecies;
    K = (size_t)m->nradial;
    R = (size_t)m->rb_size;
    m->radial = aion_calloc(C * C * K * R, sizeof(double));
    done = aion_calloc(C * C, 1);
    if (!m->radial || !done) {
        st = aion_err_set(L->err, AION_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t blk = 0; blk < C * C; blk++) {
        int a, b;
        char *dash, *endp;
        long la, lb;
        if (!read_word(L, w, sizeof w)) {
            st = lfail(L, AION_ERR_PARSE, "radial_coeffs: expected a block label 'i-j'");
            goto out;
        }
        dash = strchr(w, '-');
        errno = 0;
        la = dash ? strtol(w, &endp, 10) : -1;
        if (!dash || endp != dash || dash == w) la = -1;
        lb = dash ? strtol(dash + 1, &endp, 10) : -1;
        if (!dash || *endp || endp == dash + 1) lb = -1;
        if (la < 0 || lb < 0 || la >= (long)C || lb >= (long)C) {
            st = lfail(L, AION_ERR_PARSE, "radial_coeffs: bad block label '%s' (expected i-j with 0 <= i, j < %zu)",
                       w, C);
            goto out;
        }
        a = (int)la;
        b = (int)lb;
        if (done[(size_t)a * C + (size_t)b]) {
            st = lfail(L, AION_ERR_PARSE, "radial_coeffs: block %s given twice", w);
            goto out;
        }
        done[(size_t)a * C + (size_t)b] = 1;
        for (size_t mu = 0; mu < K; mu++) {
            int n = 0;
            st = read_num_list(L, "radial_coeffs", &row, &n, (long)R);
            if (st) goto out;
            if ((size_t)n != R) {
                st = lfail(L, AION_ERR_PARSE, "radial_coeffs %s: %d numbers, expected radial_basis_size = %zu", w, n,
                           R);
                goto out;
            }
            memcpy(m->radial + (((size_t)a * C + (size_t)b) * K + mu) * R, row, R * sizeof(double));
        }
    }
out:
    free(done);
    free(row);
    return st;
}

aion_status mtp_model_parse(const char *text, size_t len, const char *name, mtp_model *m, aion_error *err)
{
    lex L = {text, text + len, 1, name, err};
    char w[128];
    int seen[K_COUNT] = {0};
    int n_basic_list = 0, n_times_list = 0, n_map = 0, n_spc = 0, n_mc = 0, n_zz = 0, n_q[3] = {0, 0, 0}, n_qcc = 0;
    long kline[K_COUNT] = {0};
    double *zz = NULL;
    double *tmp = NULL;
    aion_status st = AION_OK;

    mtp_model_init(m);
    if (!read_word(&L, w, sizeof w) || strcmp(w, "MTP") != 0) {
        st = lfail(&L, AION_ERR_PARSE, "not an MLIP .mtp file (first word must be 'MTP')");
        goto fail;
    }
    for (;;) {
        int k;
        skip_ws(&L);
        if (L.s >= L.end) break;
        if (!read_word(&L, w, sizeof w)) {
            st = lfail(&L, AION_ERR_PARSE, "unexpected '%c'", *L.s);
            goto fail;
        }
        for (k = 0; k < K_COUNT; k++)
            if (strcmp(w, key_names[k]) == 0) break;
        if (k == K_COUNT) {
            st = lfail(&L, AION_ERR_UNSUPPORTED, "unknown key '%s'", w);
            goto fail;
        }
        if (seen[k]) {
            st = lfail(&L, AION_ERR_PARSE, "%s given twice", w);
            goto fail;
        }
        seen[k] = 1;
        kline[k] = L.line;
        switch (k) {
        case K_VERSION: st = read_rest(&L, w, &m->version); break;
        case K_NAME: st = read_rest(&L, w, &m->name); break;
        case K_TAG: st = read_rest(&L, w, &m->tag); break;
        case K_RBTYPE: st = read_rest(&L, w, &m->rb_type); break;
        case K_SCALING:
            st = read_double_after_eq(&L, w, &m->scaling);
            m->has_scaling = 1;
            break;
        case K_MIN: st = read_double_after_eq(&L, w, &m->min_dist); break;
        case K_MAX: st = read_double_after_eq(&L, w, &m->max_dist); break;
        case K_ZIN: st = read_double_after_eq(&L, w, &m->zbl_inner); break;
        case K_ZOUT: st = read_double_after_eq(&L, w, &m->zbl_outer); break;
        case K_QQ: st = read_double_after_eq(&L, w, &m->qeq_charge); break;
        case K_QCR: st = read_double_after_eq(&L, w, &m->qeq_coord_cutoff); break;
        case K_SPECIES: st = read_int_after_eq(&L, w, &m->nspecies); break;
        case K_RBSIZE: st = read_int_after_eq(&L, w, &m->rb_size); break;
        case K_NRAD: st = read_int_after_eq(&L, w, &m->nradial); break;
        case K_NMOM: st = read_int_after_eq(&L, w, &m->nmoments); break;
        case K_NBASIC: st = read_int_after_eq(&L, w, &m->nbasic); break;
        case K_NTIMES: st = read_int_after_eq(&L, w, &m->ntimes); break;
        case K_NSCALAR: st = read_int_after_eq(&L, w, &m->nscalar); break;
        case K_RADIAL: st = read_radial(&L, m, seen); break;
        default: {
            /* list-valued keys */
            if (!expect_char(&L, '=')) {
                st = lfail(&L, AION_ERR_PARSE, "expected '=' after %s", w);
                goto fail;
            }
            if (k == K_BASIC) {
                st = read_tuple_list(&L, w, 4, 0u, &tmp, &n_basic_list, MTP_MAX_MOMENTS);
                if (st) goto fail;
                m->basic = aion_calloc(n_basic_list ? (size_t)n_basic_list : 1, sizeof *m->basic);
                if (!m->basic) goto oom;
                for (int i = 0; i < n_basic_list; i++)
                    for (int c = 0; c < 4; c++) m->basic[i][c] = (int)tmp[4 * i + c];
            } else if (k == K_TIMES) {
                st = read_tuple_list(&L, w, 4, 1u << 2, &tmp, &n_times_list, 10L * MTP_MAX_MOMENTS);
                if (st) goto fail;
                m->times = aion_calloc(n_times_list ? (size_t)n_times_list : 1, sizeof *m->times);
                if (!m->times) goto oom;
                for (int i = 0; i < n_times_list; i++) {
                    m->times[i].i = (int)tmp[4 * i];
                    m->times[i].j = (int)tmp[4 * i + 1];
                    m->times[i].k = tmp[4 * i + 2];
                    m->times[i].out = (int)tmp[4 * i + 3];
                }
            } else if (k == K_MAPPING) {
                st = read_num_list(&L, w, &tmp, &n_map, MTP_MAX_MOMENTS);
                if (st) goto fail;
                m->mapping = aion_calloc(n_map ? (size_t)n_map : 1, sizeof *m->mapping);
                if (!m->mapping) goto oom;
                for (int i = 0; i < n_map; i++) {
                    if (tmp[i] != (double)(int)tmp[i]) {
                        st = lfail(&L, AION_ERR_PARSE, "alpha_moment_mapping: %g is not an integer", tmp[i]);
                        goto fail;
                    }
                    m->mapping[i] = (int)tmp[i];
                }
            } else if (k == K_SPC) {
                st = read_num_list(&L, w, &m->species_coeffs, &n_spc, MTP_MAX_SPECIES);
            } else if (k == K_MC) {
                st = read_num_list(&L, w, &m->moment_coeffs, &n_mc, MTP_MAX_MOMENTS);
            } else if (k == K_ZZ) {
                st = read_num_list(&L, w, &zz, &n_zz, MTP_MAX_SPECIES);
            } else if (k == K_QCHI) {
                st = read_num_list(&L, w, &m->qeq_chi, &n_q[0], MTP_MAX_SPECIES);
            } else if (k == K_QJ) {
                st = read_num_list(&L, w, &m->qeq_hard, &n_q[1], MTP_MAX_SPECIES);
            } else if (k == K_QW) {
                st = read_num_list(&L, w, &m->qeq_width, &n_q[2], MTP_MAX_SPECIES);
            } else if (k == K_QCC) {
                st = read_num_list(&L, w, &m->qeq_chi_coord, &n_qcc, MTP_MAX_SPECIES * MTP_MAX_SPECIES);
            }
            break;
        }
        }
        if (st) goto fail;
    }
    free(tmp);
    tmp = NULL;

    /* required keys */
    {
        static const int req[] = {K_SPECIES, K_RBTYPE, K_MIN, K_MAX, K_RBSIZE, K_NRAD, K_NMOM, K_NBASIC, K_BASIC,
                                  K_NTIMES, K_TIMES, K_NSCALAR, K_MAPPING};
        for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
            if (!seen[req[i]]) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s: missing '%s'", name, key_names[req[i]]);
                goto fail;
            }
    }
    if (n_basic_list != m->nbasic) {
        st = aion_err_set(err, AION_ERR_PARSE, "%s: alpha_index_basic has %d entries, alpha_index_basic_count = %d",
                          name, n_basic_list, m->nbasic);
        goto fail;
    }
    if (n_times_list != m->ntimes) {
        st = aion_err_set(err, AION_ERR_PARSE, "%s: alpha_index_times has %d entries, alpha_index_times_count = %d",
                          name, n_times_list, m->ntimes);
        goto fail;
    }
    if (n_map != m->nscalar) {
        st = aion_err_set(err, AION_ERR_PARSE, "%s: alpha_moment_mapping has %d entries, alpha_scalar_moments = %d",
                          name, n_map, m->nscalar);
        goto fail;
    }
    if (seen[K_SPC] && n_spc != m->nspecies) {
        st = aion_err_set(err, AION_ERR_PARSE, "%s: species_coeffs has %d numbers, species_count = %d", name, n_spc,
                          m->nspecies);
        goto fail;
    }
    if (seen[K_MC] && n_mc != m->nscalar) {
        st = aion_err_set(err, AION_ERR_PARSE, "%s: moment_coeffs has %d numbers, alpha_scalar_moments = %d", name,
                          n_mc, m->nscalar);
        goto fail;
    }
    /* the ZBL baseline: all three keys or none */
    if (seen[K_ZIN] || seen[K_ZOUT] || seen[K_ZZ]) {
        static const int zk[3] = {K_ZIN, K_ZOUT, K_ZZ};
        int given = seen[K_ZIN] ? K_ZIN : seen[K_ZOUT] ? K_ZOUT : K_ZZ;
        for (int q = 0; q < 3; q++)
            if (!seen[zk[q]]) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: %s without %s (the ZBL baseline needs "
                                  "aion_zbl_inner, aion_zbl_outer and aion_zbl_z)", name, kline[given],
                                  key_names[given], key_names[zk[q]]);
                goto fail;
            }
        if (!(m->zbl_inner > 0.0) || !(m->zbl_outer > m->zbl_inner)) {
            int at = m->zbl_inner > 0.0 ? K_ZOUT : K_ZIN;
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: ZBL baseline: need 0 < aion_zbl_inner < aion_zbl_outer "
                              "(got %g, %g)", name, kline[at], m->zbl_inner, m->zbl_outer);
            goto fail;
        }
        if (n_zz != m->nspecies) {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: aion_zbl_z has %d atomic numbers, species_count = %d",
                              name, kline[K_ZZ], n_zz, m->nspecies);
            goto fail;
        }
        m->zbl_z = aion_calloc((size_t)n_zz, sizeof *m->zbl_z);
        if (!m->zbl_z) goto oom;
        for (int q = 0; q < n_zz; q++) {
            if (zz[q] != floor(zz[q]) || zz[q] < 1 || zz[q] > AION_MAX_Z) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: aion_zbl_z: %g is not an atomic number (1..%d)", name,
                                  kline[K_ZZ], zz[q], AION_MAX_Z);
                goto fail;
            }
            m->zbl_z[q] = (int)zz[q];
        }
        m->has_zbl = 1;
    }
    /* charge equilibration: chi, hardness and width together (charge optional) */
    if (seen[K_QCHI] || seen[K_QJ] || seen[K_QW] || seen[K_QQ]) {
        static const int qk[3] = {K_QCHI, K_QJ, K_QW};
        int given = seen[K_QCHI] ? K_QCHI : seen[K_QJ] ? K_QJ : seen[K_QW] ? K_QW : K_QQ;
        for (int q = 0; q < 3; q++) {
            if (!seen[qk[q]]) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: %s without %s (charge equilibration needs "
                                  "aion_qeq_chi, aion_qeq_hardness and aion_qeq_width)", name, kline[given],
                                  key_names[given], key_names[qk[q]]);
                goto fail;
            }
            if (n_q[q] != m->nspecies) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: %s has %d numbers, species_count = %d", name,
                                  kline[qk[q]], key_names[qk[q]], n_q[q], m->nspecies);
                goto fail;
            }
        }
        m->has_qeq = 1;
    }
    if (seen[K_QCC] || seen[K_QCR]) {
        int given = seen[K_QCC] ? K_QCC : K_QCR, other = seen[K_QCC] ? K_QCR : K_QCC;
        if (!m->has_qeq || !seen[other]) {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: %s needs %s and the aion_qeq_chi, _hardness, _width lines",
                              name, kline[given], key_names[given], key_names[other]);
            goto fail;
        }
        if (n_qcc != m->nspecies * m->nspecies) {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%ld: aion_qeq_chi_coord has %d numbers, species_count^2 = %d",
                              name, kline[K_QCC], n_qcc, m->nspecies * m->nspecies);
            goto fail;
        }
    }
    free(zz);
    zz = NULL;
    st = mtp_model_check(m, name, err);
    if (st) goto fail;
    return AION_OK;
oom:
    st = aion_err_set(err, AION_ERR_NOMEM, "%s: out of memory", name);
fail:
    free(zz);
    free(tmp);
    mtp_model_free(m);
    return st;
}

aion_status mtp_model_read(const char *path, mtp_model *m, aion_error *err)
{
    FILE *fp;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    aion_status st;
    mtp_model_init(m);
    fp = fopen(path, "rb");
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    for (;;) {
        size_t got;
        if (len + 65536 + 1 > cap) {
            size_t nc = cap ? 2 * cap : 131072;
            char *t;
            if (nc > (size_t)1 << 31) {
                free(buf);
                fclose(fp);
                return aion_err_set(err, AION_ERR_PARSE, "%s: file too large for an .mtp", path);
            }
            t = realloc(buf, nc);
            if (!t) {
                free(buf);
                fclose(fp);
                return aion_err_set(err, AION_ERR_NOMEM, "%s: out of memory", path);
            }
            buf = t;
            cap = nc;
        }
        got = fread(buf + len, 1, 65536, fp);
        len += got;
        if (got < 65536) break;
    }
    if (ferror(fp)) {
        free(buf);
        fclose(fp);
        return aion_err_set(err, AION_ERR_IO, "%s: read error", path);
    }
    fclose(fp);
    if (memchr(buf, '\0', len)) {
        free(buf);
        return aion_err_set(err, AION_ERR_PARSE, "%s: binary data in an .mtp file", path);
    }
    buf[len] = '\0';
    st = mtp_model_parse(buf, len, path, m, err);
    free(buf);
    return st;
}

/* ------------------------------------------------------------------ */
/* Writer                                                             */
/* ------------------------------------------------------------------ */

/* MLIP-2 writes %.15e; use %.16e only where that would lose bits. */
static void put_real(aion_strbuf *sb, double x)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%.15e", x);
    if (strtod(buf, NULL) != x) snprintf(buf, sizeof buf, "%.16e", x);
    aion_sb_puts(sb, buf);
}

/* Shortest %g form that reads back bit for bit (the baseline's radii). */
static void put_short_real(aion_strbuf *sb, double x)
{
    char buf[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, x);
        if (strtod(buf, NULL) == x) break;
    }
    aion_sb_puts(sb, buf);
}

static void put_real_list(aion_strbuf *sb, const double *v, int n)
{
    aion_sb_putc(sb, '{');
    for (int i = 0; i < n; i++) {
        if (i) aion_sb_puts(sb, ", ");
        put_real(sb, v[i]);
    }
    aion_sb_putc(sb, '}');
}

static void put_mult(aion_strbuf *sb, double k)
{
    if (k == (double)(long)k && k > -1e15 && k < 1e15)
        aion_sb_printf(sb, "%ld", (long)k);
    else
        put_real(sb, k);
}

aion_status mtp_model_format(const mtp_model *m, aion_strbuf *sb, aion_error *err)
{
    aion_status st = mtp_model_check(m, "MTP", err);
    size_t C = (size_t)m->nspecies, K = (size_t)m->nradial, R = (size_t)m->rb_size;
    if (st) return st;
    aion_sb_puts(sb, "MTP\n");
    aion_sb_printf(sb, "version = %s\n", m->version ? m->version : "1.1.0");
    if (m->name) aion_sb_printf(sb, "potential_name = %s\n", m->name);
    if (m->has_scaling) {
        aion_sb_puts(sb, "scaling = ");
        put_real(sb, m->scaling);
        aion_sb_putc(sb, '\n');
    }
    aion_sb_printf(sb, "species_count = %d\n", m->nspecies);
    aion_sb_printf(sb, "potential_tag = %s\n", m->tag ? m->tag : "");
    aion_sb_printf(sb, "radial_basis_type = %s\n", m->rb_type);
    aion_sb_puts(sb, "\tmin_dist = ");
    put_real(sb, m->min_dist);
    aion_sb_puts(sb, "\n\tmax_dist = ");
    put_real(sb, m->max_dist);
    aion_sb_printf(sb, "\n\tradial_basis_size = %d\n\tradial_funcs_count = %d\n", m->rb_size, m->nradial);
    if (m->radial) {
        aion_sb_puts(sb, "\tradial_coeffs\n");
        for (size_t a = 0; a < C; a++)
            for (size_t b = 0; b < C; b++) {
                aion_sb_printf(sb, "\t\t%zu-%zu\n", a, b);
                for (size_t mu = 0; mu < K; mu++) {
                    aion_sb_puts(sb, "\t\t\t");
                    put_real_list(sb, m->radial + ((a * C + b) * K + mu) * R, (int)R);
                    aion_sb_putc(sb, '\n');
                }
            }
    }
    aion_sb_printf(sb, "alpha_moments_count = %d\n", m->nmoments);
    aion_sb_printf(sb, "alpha_index_basic_count = %d\nalpha_index_basic = {", m->nbasic);
    for (int k = 0; k < m->nbasic; k++)
        aion_sb_printf(sb, "%s{%d, %d, %d, %d}", k ? ", " : "", m->basic[k][0], m->basic[k][1], m->basic[k][2],
                       m->basic[k][3]);
    aion_sb_printf(sb, "}\nalpha_index_times_count = %d\nalpha_index_times = {", m->ntimes);
    for (int t = 0; t < m->ntimes; t++) {
        aion_sb_printf(sb, "%s{%d, %d, ", t ? ", " : "", m->times[t].i, m->times[t].j);
        put_mult(sb, m->times[t].k);
        aion_sb_printf(sb, ", %d}", m->times[t].out);
    }
    aion_sb_printf(sb, "}\nalpha_scalar_moments = %d\nalpha_moment_mapping = {", m->nscalar);
    for (int a = 0; a < m->nscalar; a++) aion_sb_printf(sb, "%s%d", a ? ", " : "", m->mapping[a]);
    aion_sb_putc(sb, '}');
    if (m->species_coeffs) {
        aion_sb_puts(sb, "\nspecies_coeffs = ");
        put_real_list(sb, m->species_coeffs, m->nspecies);
    }
    if (m->moment_coeffs) {
        aion_sb_puts(sb, "\nmoment_coeffs = ");
        put_real_list(sb, m->moment_coeffs, m->nscalar);
    }
    if (m->has_zbl) {
        aion_sb_puts(sb, "\naion_zbl_inner = ");
        put_short_real(sb, m->zbl_inner);
        aion_sb_puts(sb, "\naion_zbl_outer = ");
        put_short_real(sb, m->zbl_outer);
        aion_sb_puts(sb, "\naion_zbl_z = {");
        for (int s = 0; s < m->nspecies; s++) aion_sb_printf(sb, "%s%d", s ? ", " : "", m->zbl_z[s]);
        aion_sb_putc(sb, '}');
    }
    if (m->has_qeq) {
        aion_sb_puts(sb, "\naion_qeq_chi = ");
        put_real_list(sb, m->qeq_chi, m->nspecies);
        aion_sb_puts(sb, "\naion_qeq_hardness = ");
        put_real_list(sb, m->qeq_hard, m->nspecies);
        aion_sb_puts(sb, "\naion_qeq_width = ");
        put_real_list(sb, m->qeq_width, m->nspecies);
        aion_sb_puts(sb, "\naion_qeq_charge = ");
        put_short_real(sb, m->qeq_charge);
        if (m->qeq_chi_coord) {
            aion_sb_puts(sb, "\naion_qeq_coord_cutoff = ");
            put_short_real(sb, m->qeq_coord_cutoff);
            aion_sb_puts(sb, "\naion_qeq_chi_coord = ");
            put_real_list(sb, m->qeq_chi_coord, m->nspecies * m->nspecies);
        }
    }
    if (sb->oom) return aion_err_set(err, AION_ERR_NOMEM, "out of memory formatting an MTP");
    return AION_OK;
}

aion_status mtp_model_write(const char *path, const mtp_model *m, aion_error *err)
{
    aion_strbuf sb;
    char *tmp = NULL;
    size_t n;
    FILE *fp = NULL;
    aion_status st;
    aion_sb_init(&sb);
    st = mtp_model_format(m, &sb, err);
    if (st) goto out;
    n = strlen(path) + 32;
    tmp = malloc(n);
    if (!tmp) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto out;
    }
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    fp = fopen(tmp, "wb");
    if (!fp) {
        st = aion_err_set(err, AION_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
        goto out;
    }
    {
        int bad = fwrite(sb.s, 1, sb.len, fp) != sb.len;
        bad |= fclose(fp) != 0;
        fp = NULL;
        if (bad) {
            remove(tmp);
            st = aion_err_set(err, AION_ERR_IO, "%s: write error", tmp);
            goto out;
        }
    }
    if (rename(tmp, path) != 0) {
        st = aion_err_set(err, AION_ERR_IO, "%s: cannot rename into place: %s", path, strerror(errno));
        remove(tmp);
        goto out;
    }
out:
    if (fp) fclose(fp);
    free(tmp);
    aion_sb_free(&sb);
    return st;
}
