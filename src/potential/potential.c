/*
 * Potential handle: dispatch from a SPEC string to a model family, and the
 * thin wrappers that every caller uses.
 */
#include "potential.h"

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

void aion_potential_free(aion_potential *p)
{
    if (!p) return;
    if (p->ops && p->ops->destroy) p->ops->destroy(p->self);
    aion_sb_free(&p->desc);
    free(p);
}
