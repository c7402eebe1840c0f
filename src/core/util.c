/*
 * Errors, checked allocation, string buffers, strict number parsing and small
 * 3x3 matrix helpers used everywhere.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *aion_status_str(aion_status s)
{
    switch (s) {
    case AION_OK: return "ok";
    case AION_EOF: return "end of file";
    case AION_ERR_IO: return "I/O error";
    case AION_ERR_PARSE: return "parse error";
    case AION_ERR_NOMEM: return "out of memory";
    case AION_ERR_INVALID: return "invalid input";
    case AION_ERR_UNSUPPORTED: return "unsupported";
    case AION_ERR_NUMERIC: return "numerical error";
    case AION_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

aion_status aion_err_vset(aion_error *err, aion_status code, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

aion_status aion_err_set(aion_error *err, aion_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    aion_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

aion_status aion_err_copy(aion_error *dst, const aion_error *src)
{
    if (dst && src && dst != src) *dst = *src;
    return src ? src->code : AION_ERR_INTERNAL;
}

void *aion_calloc(size_t n, size_t size)
{
    if (n == 0 || size == 0) return calloc(1, 1);
    if (n > SIZE_MAX / size) return NULL;
    return calloc(n, size);
}

void *aion_realloc_array(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    return realloc(p, (n && size) ? n * size : 1);
}

char *aion_strdup(const char *s)
{
    size_t n;
    char *d;
    if (!s) return NULL;
    n = strlen(s) + 1;
    d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

void aion_sb_init(aion_strbuf *b) { memset(b, 0, sizeof *b); }

void aion_sb_free(aion_strbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

void aion_sb_clear(aion_strbuf *b)
{
    b->len = 0;
    if (b->s) b->s[0] = '\0';
}

static int sb_reserve(aion_strbuf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (b->oom) return -1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        char *s;
        while (cap < need) cap *= 2;
        s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return -1;
        }
        b->s = s;
        b->cap = cap;
    }
    return 0;
}

void aion_sb_puts(aion_strbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (sb_reserve(b, n)) return;
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void aion_sb_putc(aion_strbuf *b, char c)
{
    if (sb_reserve(b, 1)) return;
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

void aion_sb_printf(aion_strbuf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_reserve(b, (size_t)n)) {
        va_end(ap2);
        return;
    }
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

void aion_sb_double(aion_strbuf *b, double x)
{
    char buf[40];
    /* shortest of %.15g/%.16g/%.17g that round-trips */
    for (int p = 15; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, x);
        if (strtod(buf, NULL) == x) break;
    }
    aion_sb_puts(b, buf);
}

int aion_parse_double(const char *s, double *out)
{
    char *end;
    double v;
    if (!s || !*s) return -1;
    errno = 0;
    v = strtod(s, &end);
    if (end == s) return -1;
    /* Fortran-style exponents (1.0D+00) */
    if (*end == 'd' || *end == 'D') {
        char buf[64];
        size_t n = strlen(s);
        if (n >= sizeof buf) return -1;
        memcpy(buf, s, n + 1);
        buf[end - s] = 'e';
        v = strtod(buf, &end);
        end = (char *)s + (end - buf);
    }
    if (*end != '\0') return -1;
    if (!isfinite(v)) return -1;
    *out = v;
    return 0;
}

int aion_parse_long(const char *s, long *out)
{
    char *end;
    long v;
    if (!s || !*s) return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE) return -1;
    *out = v;
    return 0;
}

int aion_parse_int(const char *s, int *out)
{
    long v;
    if (aion_parse_long(s, &v) || v < INT_MIN || v > INT_MAX) return -1;
    *out = (int)v;
    return 0;
}

double aion_det3(const double m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

void aion_matmul3(const double a[3][3], const double b[3][3], double c[3][3])
{
    double t[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            t[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
    memcpy(c, t, sizeof t);
}

void aion_transpose3(const double a[3][3], double t[3][3])
{
    double r[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) r[i][j] = a[j][i];
    memcpy(t, r, sizeof r);
}

int aion_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (size_t k = 1; k <= n; k++) {
        if (buf[k] == '/' || buf[k] == '\0') {
            char ch = buf[k];
            buf[k] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
            buf[k] = ch;
        }
    }
    return 0;
}
