/*
 * Internal helpers shared by every module: error formatting, checked
 * allocation, a growable string buffer. Not part of the public API.
 */
#ifndef AION_INTERNAL_H
#define AION_INTERNAL_H

#include "aion.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define AION_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AION_PRINTF(a, b)
#endif

/* Fill err (if non-NULL) with code and a formatted message; returns code. */
aion_status aion_err_set(aion_error *err, aion_status code, const char *fmt, ...) AION_PRINTF(3, 4);
aion_status aion_err_vset(aion_error *err, aion_status code, const char *fmt, va_list ap);
/* Copy an error record (dst may be NULL). Returns src->code. */
aion_status aion_err_copy(aion_error *dst, const aion_error *src);

/* splitmix64 (Steele, Lea & Flood 2014): one step from state x, a well-mixed
 * 64-bit value; derives independent seeds from (seed, index) pairs. */
static inline uint64_t aion_splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* calloc/realloc that return NULL on overflow of n*size. */
void *aion_calloc(size_t n, size_t size);
void *aion_realloc_array(void *p, size_t n, size_t size);
char *aion_strdup(const char *s);

/* Growable NUL-terminated string buffer. */
typedef struct aion_strbuf {
    char *s;
    size_t len, cap;
    int oom; /* set if an append failed */
} aion_strbuf;
void aion_sb_init(aion_strbuf *b);
void aion_sb_free(aion_strbuf *b);
void aion_sb_clear(aion_strbuf *b);
void aion_sb_puts(aion_strbuf *b, const char *s);
void aion_sb_putc(aion_strbuf *b, char c);
void aion_sb_printf(aion_strbuf *b, const char *fmt, ...) AION_PRINTF(2, 3);
/* Append a double with %.17g-like shortest round-trip text. */
void aion_sb_double(aion_strbuf *b, double x);

/* Number parsing that rejects trailing garbage, NaN and Inf (allow_nonfinite=0).
 * Return 0 on success. */
int aion_parse_double(const char *s, double *out);
int aion_parse_long(const char *s, long *out);
int aion_parse_int(const char *s, int *out);

/* 3x3 helpers (row-major, rows = vectors). */
double aion_det3(const double m[3][3]);
void aion_matmul3(const double a[3][3], const double b[3][3], double c[3][3]);
void aion_transpose3(const double a[3][3], double t[3][3]);

#define AION_MIN(a, b) ((a) < (b) ? (a) : (b))
#define AION_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
