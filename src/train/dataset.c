/*
 * Training configurations: species, reference energies/forces/virials and the
 * fixed pair list within the cutoff (built once with the neighbour list).
 * Reference virial from the ASE-convention stress: W = -sigma V (eV).
 */
#include "neighbor/nlist.h"
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void tr_cfg_free(tr_cfg *c)
{
    if (!c) return;
    free(c->spec);
    free(c->F);
    free(c->off);
    free(c->nj);
    free(c->zj);
    free(c->d);
    memset(c, 0, sizeof *c);
}

aion_status tr_cfg_build(tr_cfg *c, const aion_frame *f, const int *zmap, double cutoff, int which, aion_error *err)
{
    aion_nlist *nl = NULL;
    aion_nlist_opts no;
    aion_status st;
    long np = 0;
    memset(c, 0, sizeof *c);
    c->n = f->n;
    c->dmin = INFINITY;
    if (f->n <= 0) return aion_err_set(err, AION_ERR_INVALID, "configuration %d has no atoms", which + 1);
    c->spec = aion_calloc((size_t)f->n, sizeof *c->spec);
    c->off = aion_calloc((size_t)f->n + 1, sizeof *c->off);
    if (!c->spec || !c->off) goto nomem;
    for (int i = 0; i < f->n; i++) {
        int z = f->z[i], s = (z >= 0 && z <= AION_MAX_Z) ? zmap[z] : -1;
        if (s < 0) {
            st = aion_err_set(err, AION_ERR_INVALID, "configuration %d: atom %d is %s, not one of the species given",
                              which + 1, i + 1, aion_element_symbol(z));
            goto fail;
        }
        c->spec[i] = s;
    }
    c->has_e = (f->has & AION_HAS_ENERGY) != 0;
    c->has_f = (f->has & AION_HAS_FORCES) && f->forces;
    c->volume = aion_frame_volume(f);
    c->has_s = (f->has & AION_HAS_STRESS) && (f->has & AION_HAS_CELL) && f->pbc[0] && f->pbc[1] && f->pbc[2] &&
               c->volume > 0;
    c->E = f->energy;
    if (c->has_e && !isfinite(c->E))
        return aion_err_set(err, AION_ERR_INVALID, "configuration %d: energy is not finite", which + 1);
    if (c->has_f) {
        c->F = aion_calloc((size_t)f->n, sizeof *c->F);
        if (!c->F) goto nomem;
        memcpy(c->F, f->forces, (size_t)f->n * sizeof *c->F);
    }
    if (c->has_s)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) c->W[a][b] = -0.5 * (f->stress[a][b] + f->stress[b][a]) * c->volume;
    no.cutoff = cutoff;
    no.skin = 0.0;
    no.full = 1;
    if ((st = aion_nlist_create(&nl, &no, err))) goto fail;
    if ((st = aion_nlist_update(nl, f))) {
        st = aion_err_set(err, st, "configuration %d: neighbour list: %s", which + 1, nl->err.msg);
        goto fail;
    }
    /* count, then fill the pairs within the cutoff */
    for (int pass = 0; pass < 2; pass++) {
        np = 0;
        for (int i = 0; i < f->n; i++) {
            int cnt = 0;
            if (pass) c->off[i] = (int)np;
            for (int k = nl->offset[i]; k < nl->offset[i + 1]; k++) {
                int g = nl->nbr[k];
                double d[3] = {nl->x[g][0] - nl->x[i][0], nl->x[g][1] - nl->x[i][1], nl->x[g][2] - nl->x[i][2]};
                double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                if (r2 >= cutoff * cutoff) continue;
                if (r2 < 1e-12) {
                    st = aion_err_set(err, AION_ERR_INVALID, "configuration %d: atoms %d and %d overlap", which + 1,
                                      i + 1, nl->owner[g] + 1);
                    goto fail;
                }
                if (pass) {
                    double r = sqrt(r2);
                    c->nj[np] = nl->owner[g];
                    c->zj[np] = c->spec[nl->owner[g]];
                    memcpy(c->d[np], d, sizeof d);
                    if (r < c->dmin) c->dmin = r;
                    c->env_sum += (cutoff - r) * (cutoff - r);
                }
                np++;
                cnt++;
            }
            if (cnt > c->maxnn) c->maxnn = cnt;
        }
        if (!pass) {
            if (np > 0x7fffffffL) {
                st = aion_err_set(err, AION_ERR_INVALID, "configuration %d: too many pairs", which + 1);
                goto fail;
            }
            c->nj = aion_calloc((size_t)np + 1, sizeof *c->nj);
            c->zj = aion_calloc((size_t)np + 1, sizeof *c->zj);
            c->d = aion_calloc((size_t)np + 1, sizeof *c->d);
            if (!c->nj || !c->zj || !c->d) goto nomem;
        }
    }
    c->off[f->n] = (int)np;
    c->nrows = (c->has_e ? 1 : 0) + (c->has_f ? 3 * c->n : 0) + (c->has_s ? 6 : 0);
    aion_nlist_free(nl);
    return AION_OK;
nomem:
    st = aion_err_set(err, AION_ERR_NOMEM, "out of memory reading configuration %d", which + 1);
fail:
    aion_nlist_free(nl);
    tr_cfg_free(c);
    return st;
}
