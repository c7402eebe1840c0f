/*
 * Frames: allocation, copying, free-form fields, volume and density.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void aion_frame_init(aion_frame *f)
{
    memset(f, 0, sizeof *f);
}

static void free_column(aion_column *c)
{
    free(c->name);
    free(c->d);
    free(c->s); /* the strings themselves: free_column_strings */
}

static void free_column_strings(aion_column *c, int n)
{
    if (!c->s) return;
    for (long k = 0; k < (long)n * c->ncols; k++) free(c->s[k]);
}

void aion_frame_free(aion_frame *f)
{
    if (!f) return;
    aion_frame_clear(f); /* free-form fields */
    free(f->pos);
    free(f->z);
    free(f->type);
    free(f->id);
    free(f->mass);
    free(f->charge);
    free(f->vel);
    free(f->image);
    free(f->fixed);
    free(f->forces);
    free(f->atom_energy);
    aion_frame_init(f);
}

/* Grow *p from old to n elements of size sz, zeroing the new tail. */
static int grow(void **p, int old, int n, size_t sz)
{
    void *q = aion_realloc_array(*p, (size_t)(n > 0 ? n : 1), sz);
    if (!q) return -1;
    if (n > old) memset((char *)q + (size_t)(old > 0 ? old : 0) * sz, 0, (size_t)(n - (old > 0 ? old : 0)) * sz);
    *p = q;
    return 0;
}

aion_status aion_frame_resize(aion_frame *f, int n, unsigned has)
{
    int old = f->n;
    unsigned all = f->has | has;
    if (n < 0) return AION_ERR_INVALID;
#define GROW(field, bit)                                                                \
    do {                                                                                \
        if ((bit) == 0 || (all & (bit))) {                                              \
            int o_ = f->field ? old : 0;                                                \
            if (grow((void **)&f->field, o_, n, sizeof *f->field)) return AION_ERR_NOMEM; \
        }                                                                               \
    } while (0)
    GROW(pos, 0u);
    GROW(z, 0u);
    GROW(type, AION_HAS_TYPE);
    GROW(id, AION_HAS_ID);
    GROW(mass, AION_HAS_MASS);
    GROW(charge, AION_HAS_CHARGE);
    GROW(vel, AION_HAS_VEL);
    GROW(image, AION_HAS_IMAGE);
    GROW(fixed, AION_HAS_FIXED);
    GROW(forces, AION_HAS_FORCES);
    GROW(atom_energy, AION_HAS_ATOM_ENERGY);
#undef GROW
    for (int k = 0; k < f->n_cols; k++) {
        aion_column *c = &f->cols[k];
        if (c->kind == 'S') {
            if (n < old) {
                for (long q = (long)n * c->ncols; q < (long)old * c->ncols; q++) free(c->s[q]);
            }
            if (grow((void **)&c->s, old * c->ncols, n * c->ncols, sizeof *c->s)) return AION_ERR_NOMEM;
        } else {
            if (grow((void **)&c->d, old * c->ncols, n * c->ncols, sizeof *c->d)) return AION_ERR_NOMEM;
        }
    }
    f->n = n;
    f->has = all;
    return AION_OK;
}

aion_status aion_frame_copy(aion_frame *dst, const aion_frame *src)
{
    aion_status st;
    if (dst == src) return AION_OK;
    aion_frame_free(dst);
    st = aion_frame_resize(dst, src->n, src->has);
    if (st) goto fail;
    dst->has = src->has;
    memcpy(dst->pbc, src->pbc, sizeof dst->pbc);
    memcpy(dst->cell, src->cell, sizeof dst->cell);
    memcpy(dst->stress, src->stress, sizeof dst->stress);
    dst->energy = src->energy;
    dst->time_fs = src->time_fs;
    dst->step = src->step;
#define CP(field)                                                               \
    if (src->field && dst->field && src->n > 0)                                 \
        memcpy(dst->field, src->field, (size_t)src->n * sizeof *src->field);
    CP(pos) CP(z) CP(type) CP(id) CP(mass) CP(charge) CP(vel) CP(image) CP(fixed) CP(forces) CP(atom_energy)
#undef CP
    for (int k = 0; k < src->n_info; k++) {
        st = aion_frame_info_set(dst, src->info[k].key, src->info[k].value);
        if (st) goto fail;
    }
    for (int k = 0; k < src->n_cols; k++) {
        const aion_column *c = &src->cols[k];
        aion_column *d = aion_frame_column_add(dst, c->name, c->kind, c->ncols);
        long m = (long)src->n * c->ncols;
        if (!d) {
            st = AION_ERR_NOMEM;
            goto fail;
        }
        if (c->kind == 'S') {
            for (long q = 0; q < m; q++) {
                d->s[q] = aion_strdup(c->s[q] ? c->s[q] : "");
                if (!d->s[q]) {
                    st = AION_ERR_NOMEM;
                    goto fail;
                }
            }
        } else if (m > 0) {
            memcpy(d->d, c->d, (size_t)m * sizeof *d->d);
        }
    }
    return AION_OK;
fail:
    aion_frame_free(dst);
    return st;
}

const char *aion_frame_info_get(const aion_frame *f, const char *key)
{
    for (int k = 0; k < f->n_info; k++)
        if (strcmp(f->info[k].key, key) == 0) return f->info[k].value;
    return NULL;
}

aion_status aion_frame_info_set(aion_frame *f, const char *key, const char *value)
{
    char *v = aion_strdup(value ? value : "");
    if (!v) return AION_ERR_NOMEM;
    for (int k = 0; k < f->n_info; k++) {
        if (strcmp(f->info[k].key, key) == 0) {
            free(f->info[k].value);
            f->info[k].value = v;
            return AION_OK;
        }
    }
    aion_kv *kv = aion_realloc_array(f->info, (size_t)f->n_info + 1, sizeof *kv);
    if (!kv) {
        free(v);
        return AION_ERR_NOMEM;
    }
    f->info = kv;
    kv[f->n_info].key = aion_strdup(key);
    if (!kv[f->n_info].key) {
        free(v);
        return AION_ERR_NOMEM;
    }
    kv[f->n_info].value = v;
    f->n_info++;
    return AION_OK;
}

aion_column *aion_frame_column_get(const aion_frame *f, const char *name)
{
    for (int k = 0; k < f->n_cols; k++)
        if (strcmp(f->cols[k].name, name) == 0) return &f->cols[k];
    return NULL;
}

aion_column *aion_frame_column_add(aion_frame *f, const char *name, char kind, int ncols)
{
    aion_column *c = aion_frame_column_get(f, name);
    aion_column nc;
    long m = (long)(f->n > 0 ? f->n : 1) * (ncols > 0 ? ncols : 1);
    if (ncols < 1 || (kind != 'R' && kind != 'I' && kind != 'L' && kind != 'S')) return NULL;
    memset(&nc, 0, sizeof nc);
    nc.name = aion_strdup(name);
    nc.kind = kind;
    nc.ncols = ncols;
    if (kind == 'S')
        nc.s = aion_calloc((size_t)m, sizeof *nc.s);
    else
        nc.d = aion_calloc((size_t)m, sizeof *nc.d);
    if (!nc.name || (kind == 'S' ? !nc.s : !nc.d)) {
        free(nc.name);
        free(nc.s);
        free(nc.d);
        return NULL;
    }
    if (c) {
        free_column_strings(c, f->n);
        free_column(c);
        *c = nc;
        return c;
    }
    c = aion_realloc_array(f->cols, (size_t)f->n_cols + 1, sizeof *c);
    if (!c) {
        free(nc.name);
        free(nc.s);
        free(nc.d);
        return NULL;
    }
    f->cols = c;
    c[f->n_cols] = nc;
    return &c[f->n_cols++];
}

double aion_frame_volume(const aion_frame *f)
{
    if (!(f->has & AION_HAS_CELL)) return 0.0;
    return fabs(aion_det3(f->cell));
}

double aion_frame_total_mass(const aion_frame *f)
{
    double m = 0.0;
    for (int i = 0; i < f->n; i++)
        m += (f->mass && (f->has & AION_HAS_MASS)) ? f->mass[i] : aion_element_mass(f->z[i]);
    return m;
}

double aion_frame_density(const aion_frame *f)
{
    double v = aion_frame_volume(f);
    if (v <= 0.0) return 0.0;
    /* amu/Å³ -> g/cm³ : 1 amu = 1.66053906660e-24 g, 1 Å³ = 1e-24 cm³ */
    return aion_frame_total_mass(f) * 1.66053906660 / v;
}
