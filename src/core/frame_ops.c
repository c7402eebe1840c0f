/*
 * Operations on whole frames: reset for reuse, supercell replication
 * (r' = r + i·a + j·b + k·c for copies (i, j, k), cell rows scaled), and the
 * composition / reduced formula text.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define SUPERCELL_MAX_ATOMS 2000000000L /* n is an int */

void aion_frame_clear(aion_frame *f)
{
    if (!f) return;
    for (int k = 0; k < f->n_info; k++) {
        free(f->info[k].key);
        free(f->info[k].value);
    }
    free(f->info);
    f->info = NULL;
    f->n_info = 0;
    for (int k = 0; k < f->n_cols; k++) {
        aion_column *c = &f->cols[k];
        if (c->s)
            for (long q = 0; q < (long)f->n * c->ncols; q++) free(c->s[q]);
        free(c->name);
        free(c->s);
        free(c->d);
    }
    free(f->cols);
    f->cols = NULL;
    f->n_cols = 0;
    f->has = 0;
    memset(f->pbc, 0, sizeof f->pbc);
    memset(f->cell, 0, sizeof f->cell);
    memset(f->stress, 0, sizeof f->stress);
    f->energy = 0.0;
    f->time_fs = 0.0;
    f->step = 0;
}

aion_status aion_frame_supercell(aion_frame *dst, const aion_frame *src, const int rep[3], aion_error *err)
{
    aion_status st;
    long ncopy, n, nn;
    int maxid = 0;
    if (!dst || !src || dst == src) return aion_err_set(err, AION_ERR_INVALID, "supercell: bad arguments");
    if (rep[0] < 1 || rep[1] < 1 || rep[2] < 1)
        return aion_err_set(err, AION_ERR_INVALID, "supercell: repetitions must be positive (got %dx%dx%d)", rep[0],
                            rep[1], rep[2]);
    if (!(src->has & AION_HAS_CELL)) return aion_err_set(err, AION_ERR_INVALID, "supercell: the structure has no cell");
    ncopy = (long)rep[0] * rep[1] * rep[2];
    n = src->n;
    nn = n * ncopy;
    if (ncopy > SUPERCELL_MAX_ATOMS || nn > SUPERCELL_MAX_ATOMS)
        return aion_err_set(err, AION_ERR_INVALID, "supercell: %ld atoms is too many", nn);
    aion_frame_free(dst);
    st = aion_frame_resize(dst, (int)nn, src->has & ~(unsigned)AION_HAS_IMAGE);
    if (st) goto fail;
    dst->has = src->has & ~(unsigned)AION_HAS_IMAGE;
    memcpy(dst->pbc, src->pbc, sizeof dst->pbc);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) dst->cell[i][j] = src->cell[i][j] * rep[i];
    memcpy(dst->stress, src->stress, sizeof dst->stress);
    dst->energy = src->energy * (double)ncopy;
    dst->time_fs = src->time_fs;
    dst->step = src->step;
    if (src->has & AION_HAS_ID)
        for (long i = 0; i < n; i++) maxid = AION_MAX(maxid, src->id[i]);
    for (int k = 0; k < src->n_info; k++) {
        if (!strcmp(src->info[k].key, "virial")) continue; /* extensive, and stress carries it */
        if ((st = aion_frame_info_set(dst, src->info[k].key, src->info[k].value))) goto fail;
    }
    for (int k = 0; k < src->n_cols; k++) {
        if (!aion_frame_column_add(dst, src->cols[k].name, src->cols[k].kind, src->cols[k].ncols)) {
            st = AION_ERR_NOMEM;
            goto fail;
        }
    }
    {
        long c = 0;
        for (int a = 0; a < rep[0]; a++)
            for (int b = 0; b < rep[1]; b++)
                for (int g = 0; g < rep[2]; g++, c++) {
                    double t[3];
                    long o = c * n;
                    for (int x = 0; x < 3; x++) t[x] = a * src->cell[0][x] + b * src->cell[1][x] + g * src->cell[2][x];
                    for (long i = 0; i < n; i++) {
                        for (int x = 0; x < 3; x++) dst->pos[o + i][x] = src->pos[i][x] + t[x];
                        dst->z[o + i] = src->z[i];
                    }
#define REP(field, bit)                                                                        \
    if ((src->has & (bit)) && n > 0) memcpy(dst->field + o, src->field, (size_t)n * sizeof *src->field);
                    REP(type, AION_HAS_TYPE)
                    REP(mass, AION_HAS_MASS)
                    REP(charge, AION_HAS_CHARGE)
                    REP(vel, AION_HAS_VEL)
                    REP(fixed, AION_HAS_FIXED)
                    REP(forces, AION_HAS_FORCES)
                    REP(atom_energy, AION_HAS_ATOM_ENERGY)
#undef REP
                    if (src->has & AION_HAS_ID)
                        for (long i = 0; i < n; i++) dst->id[o + i] = src->id[i] + (int)c * maxid;
                    for (int k = 0; k < src->n_cols; k++) {
                        const aion_column *sc = &src->cols[k];
                        aion_column *dc = &dst->cols[k];
                        long m = n * sc->ncols;
                        if (sc->kind == 'S') {
                            for (long q = 0; q < m; q++) {
                                dc->s[o * sc->ncols + q] = aion_strdup(sc->s[q] ? sc->s[q] : "");
                                if (!dc->s[o * sc->ncols + q]) {
                                    st = AION_ERR_NOMEM;
                                    goto fail;
                                }
                            }
                        } else if (m > 0) {
                            memcpy(dc->d + o * sc->ncols, sc->d, (size_t)m * sizeof *sc->d);
                        }
                    }
                }
    }
    return AION_OK;
fail:
    aion_frame_free(dst);
    return aion_err_set(err, st, "supercell: out of memory");
}

static long gcd_l(long a, long b)
{
    while (b) {
        long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int aion_frame_formula(const aion_frame *f, int reduced, char *buf, size_t cap)
{
    int order[AION_MAX_Z + 1], norder = 0;
    long count[AION_MAX_Z + 1] = {0}, g = 0;
    aion_strbuf b;
    int len;
    for (int i = 0; i < f->n; i++) {
        int z = (f->z[i] >= 1 && f->z[i] <= AION_MAX_Z) ? f->z[i] : 0;
        if (count[z]++ == 0) order[norder++] = z;
    }
    for (int k = 0; k < norder; k++) g = gcd_l(g, count[order[k]]);
    if (!reduced || g < 1) g = 1;
    aion_sb_init(&b);
    for (int k = 0; k < norder; k++) {
        long c = count[order[k]] / g;
        if (!reduced && k) aion_sb_putc(&b, ' ');
        aion_sb_puts(&b, aion_element_symbol(order[k]));
        if (!reduced || c != 1) aion_sb_printf(&b, "%ld", c);
    }
    len = b.s ? (int)b.len : 0;
    if (cap > 0) {
        size_t m = b.s ? AION_MIN(b.len, cap - 1) : 0;
        if (m) memcpy(buf, b.s, m);
        buf[m] = '\0';
    }
    aion_sb_free(&b);
    return len;
}
