/*
 * Potential handle: dispatch from a SPEC string to a model family, and the
 * thin wrappers that every caller uses.
 */
#include "potential.h"
#include "qeq.h"
#include "probe.h"

#include <math.h>

#include <stdlib.h>
#include <string.h>

void aion_potential_opts_init(aion_potential_opts *o)
{
    memset(o, 0, sizeof *o);
}

aion_potential *aion_potential_wrap(const aion_potential_ops *ops, void *self)
{
    aion_potential *p = calloc(1, sizeof *p);
    if (!p) {
        if (ops && ops->destroy) ops->destroy(self);
        return NULL;
    }
    p->ops = ops;
    p->self = self;
    aion_sb_init(&p->desc);
    return p;
}

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

aion_status aion_potential_create(aion_potential **out, const char *spec,
                                  const aion_potential_opts *opts, aion_error *err)
{
    aion_potential_opts def;
    aion_potential *p;
    aion_error e = {0};
    *out = NULL;
    if (!spec || !*spec) return aion_err_set(err, AION_ERR_INVALID, "empty potential specification");
    if (!opts) {
        aion_potential_opts_init(&def);
        opts = &def;
    }
    if (ends_with(spec, ".mtp"))
        p = aion_mtp_create(spec, opts, &e);
    else if (strncmp(spec, "qeq:", 4) == 0)
        p = aion_qeq_potential_create(spec + 4, opts, &e);
    else
        p = aion_classical_create(spec, opts, &e);
    if (!p) {
        if (e.code == AION_OK) aion_err_set(&e, AION_ERR_NOMEM, "out of memory creating potential '%s'", spec);
        return aion_err_copy(err, &e);
    }
    *out = p;
    return AION_OK;
}

aion_status aion_potential_compute(aion_potential *p, const aion_frame *f, aion_eval *out)
{
    out->energy = 0.0;
    out->charges_set = 0;
    memset(out->virial, 0, sizeof out->virial);
    p->err.code = AION_OK;
    p->err.msg[0] = '\0';
    return p->ops->compute(p->self, f, out, &p->err);
}

double aion_potential_cutoff(const aion_potential *p) { return p->ops->cutoff(p->self); }

const char *aion_potential_name(const aion_potential *p) { return p->ops->name; }

const char *aion_potential_describe(aion_potential *p)
{
    aion_sb_clear(&p->desc);
    if (p->ops->describe) p->ops->describe(p->self, &p->desc);
    return p->desc.s ? p->desc.s : "";
}

const char *aion_potential_errmsg(const aion_potential *p) { return p ? p->err.msg : "no potential"; }

size_t aion_potential_state_size(const aion_potential *p)
{
    return (p->ops->state_size && p->ops->state_save) ? p->ops->state_size(p->self) : 0;
}

aion_status aion_potential_state_save(const aion_potential *p, void *buf, size_t len)
{
    if (!p->ops->state_size || !p->ops->state_save) return len == 0 ? AION_OK : AION_ERR_INVALID;
    return p->ops->state_save(p->self, buf, len);
}

aion_status aion_potential_state_load(aion_potential *p, const void *buf, size_t len, const aion_frame *f)
{
    if (!p->ops->state_load) return len == 0 ? AION_OK : aion_err_set(&p->err, AION_ERR_INVALID, "%s: this potential keeps no state", p->ops->name);
    return p->ops->state_load(p->self, buf, len, f, &p->err);
}

aion_status aion_potential_probe(aion_potential *p, const aion_frame *f, int k, int npts, const double (*x)[3],
                                 double *energy)
{
    p->err.code = AION_OK;
    p->err.msg[0] = '\0';
    if (!f || (npts > 0 && (!x || !energy)) || npts < 0)
        return aion_err_set(&p->err, AION_ERR_INVALID, "probe: NULL argument or negative point count");
    if (k < 0 || k >= f->n) return aion_err_set(&p->err, AION_ERR_INVALID, "probe: atom %d of %d", k, f->n);
    for (int q = 0; q < npts; q++)
        if (!isfinite(x[q][0]) || !isfinite(x[q][1]) || !isfinite(x[q][2]))
            return aion_err_set(&p->err, AION_ERR_INVALID, "probe: point %d is not finite", q);
    if (npts == 0) return AION_OK;
    if (p->ops->probe && (f->has & AION_HAS_CELL) && f->pbc[0] && f->pbc[1] && f->pbc[2])
        return p->ops->probe(p->self, f, k, npts, x, energy, &p->err);
    return probe_by_compute(p, f, k, npts, x, energy);
}

int aion_potential_has_probe(const aion_potential *p) { return p && p->ops->probe != NULL; }

/* Neighbour-list state: int32 n, cell[3][3], pos[n][3] (native doubles). */
#include "neighbor/nlist.h"

size_t aion_nlist_state_size(const aion_nlist *nl)
{
    const double(*pos)[3];
    double cell[3][3];
    int n = nl ? aion_nlist_reference(nl, &pos, cell) : 0;
    return sizeof(int32_t) + (n > 0 ? sizeof cell + (size_t)n * sizeof *pos : 0);
}

aion_status aion_nlist_state_save(const aion_nlist *nl, void *buf, size_t len)
{
    const double(*pos)[3];
    double cell[3][3];
    int32_t n = nl ? aion_nlist_reference(nl, &pos, cell) : 0;
    char *b = buf;
    if (len != aion_nlist_state_size(nl)) return AION_ERR_INVALID;
    memcpy(b, &n, sizeof n);
    if (n > 0) {
        memcpy(b + sizeof n, cell, sizeof cell);
        memcpy(b + sizeof n + sizeof cell, pos, (size_t)n * sizeof *pos);
    }
    return AION_OK;
}

aion_status aion_nlist_state_load(aion_nlist *nl, const void *buf, size_t len, const aion_frame *f, aion_error *err)
{
    int32_t n;
    const char *b = buf;
    aion_frame ref;
    aion_status st;
    if (len < sizeof n) return aion_err_set(err, AION_ERR_INVALID, "neighbour-list state: truncated");
    memcpy(&n, b, sizeof n);
    if (n == 0) {
        aion_nlist_invalidate(nl);
        return AION_OK;
    }
    if (n != f->n || len != sizeof n + 9 * sizeof(double) + (size_t)n * 3 * sizeof(double))
        return aion_err_set(err, AION_ERR_INVALID, "neighbour-list state is for %d atoms, the system has %d", n, f->n);
    /* a shallow copy of f with the reference positions and cell */
    ref = *f;
    ref.pos = malloc((size_t)n * sizeof *ref.pos);
    if (!ref.pos) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    memcpy(ref.cell, b + sizeof n, sizeof ref.cell);
    memcpy(ref.pos, b + sizeof n + sizeof ref.cell, (size_t)n * sizeof *ref.pos);
    aion_nlist_invalidate(nl);
    st = aion_nlist_update(nl, &ref);
    free(ref.pos);
    if (st) return aion_err_set(err, st, "neighbour-list state: %s", aion_nlist_errmsg(nl));
    return AION_OK;
}

void aion_potential_free(aion_potential *p)
{
    if (!p) return;
    if (p->ops && p->ops->destroy) p->ops->destroy(p->self);
    aion_sb_free(&p->desc);
    free(p);
}
