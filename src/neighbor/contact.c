/*
 * Close-contact guard (aion.h, "close contacts"): the closest pair of every
 * species pair in a data set, and a check of a configuration against R times
 * those distances. The extrapolation grade can miss two atoms closer than any
 * pair of their species the potential was trained on (docs/learning.md,
 * "Close contacts"; docs/interface.md, "The MTP + QEq blow-up is a Li-Li
 * hole"); aion learn --contact-select and aion md --contact-stop use this.
 */
#include "aion.h"
#include "internal.h"
#include "neighbor/nlist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct aion_contact {
    int ns;
    int *z;            /* species_z, ns */
    double ratio;
    double *dref;      /* ns * ns: the data's closest pairs (the fallback where the data have none) */
    double *dm;        /* ns * ns: the checked frame's */
    int *ia, *ib;
    aion_nlist *nl;    /* within the largest dref */
};

aion_status aion_frames_closest_pairs(const aion_frame *frames, int n, const int *species_z, int ns, double cutoff,
                                      double *dmin, aion_error *err)
{
    aion_nlist *nl = NULL;
    aion_status st = AION_OK;
    if ((n > 0 && !frames) || !species_z || ns < 1 || !dmin || !(cutoff > 0))
        return aion_err_set(err, AION_ERR_INVALID, "closest pairs: need frames, species and a cut-off > 0");
    double *dm = aion_calloc((size_t)ns * (size_t)ns, sizeof *dm);
    if (!dm) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    for (int k = 0; k < ns * ns; k++) dmin[k] = INFINITY;
    aion_nlist_opts no = {.cutoff = cutoff, .skin = 0.0, .full = 0};
    if ((st = aion_nlist_create(&nl, &no, err)) != AION_OK) goto done;
    aion_nlist_set_threads(nl, 1);
    for (int q = 0; q < n && st == AION_OK; q++) {
        if ((st = aion_nlist_closest_pairs(nl, &frames[q], species_z, ns, dm, NULL, NULL, err)) != AION_OK) break;
        for (int k = 0; k < ns * ns; k++) dmin[k] = fmin(dmin[k], dm[k]);
    }
done:
    aion_nlist_free(nl);
    free(dm);
    return st;
}

aion_status aion_contact_create(aion_contact **out, const int *species_z, int ns, const double *dmin, double fallback,
                                double ratio, aion_error *err)
{
    if (!out) return aion_err_set(err, AION_ERR_INVALID, "contact guard: no output handle");
    *out = NULL;
    if (!species_z || ns < 1 || !dmin)
        return aion_err_set(err, AION_ERR_INVALID, "contact guard: need species and the data's closest pairs");
    if (!(ratio > 0 && ratio < 1))
        return aion_err_set(err, AION_ERR_INVALID, "contact guard: the ratio must be in (0, 1) (got %g)", ratio);
    if (!(fallback > 0) || !isfinite(fallback))
        return aion_err_set(err, AION_ERR_INVALID, "contact guard: the fallback distance must be > 0 (got %g)", fallback);
    size_t n2 = (size_t)ns * (size_t)ns;
    aion_contact *c = aion_calloc(1, sizeof *c);
    if (!c) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    c->ns = ns;
    c->ratio = ratio;
    c->z = aion_calloc((size_t)ns, sizeof *c->z);
    c->dref = aion_calloc(n2, sizeof *c->dref);
    c->dm = aion_calloc(n2, sizeof *c->dm);
    c->ia = aion_calloc(n2, sizeof *c->ia);
    c->ib = aion_calloc(n2, sizeof *c->ib);
    if (!c->z || !c->dref || !c->dm || !c->ia || !c->ib) {
        aion_contact_free(c);
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    }
    double search = 0;
    for (int s = 0; s < ns; s++) c->z[s] = species_z[s];
    for (size_t k = 0; k < n2; k++) {
        c->dref[k] = isfinite(dmin[k]) && dmin[k] > 0 ? dmin[k] : fallback;
        search = fmax(search, c->dref[k]); /* every ratio below 1 is found, not only those below `ratio` */
    }
    /* a skin: aion md checks every step, and consecutive steps then refresh the list instead of building it */
    aion_nlist_opts no = {.cutoff = search, .skin = 1.0, .full = 0};
    aion_status st = aion_nlist_create(&c->nl, &no, err);
    if (st != AION_OK) {
        aion_contact_free(c);
        return st;
    }
    aion_nlist_set_threads(c->nl, 1);
    *out = c;
    return AION_OK;
}

aion_status aion_contact_check(aion_contact *c, const aion_frame *f, double *ratio, int *hit, char *desc, size_t len,
                               aion_error *err)
{
    if (!c || !f || !ratio || !hit) return aion_err_set(err, AION_ERR_INVALID, "contact check: need a guard and a frame");
    int ns = c->ns;
    aion_status st = aion_nlist_closest_pairs(c->nl, f, c->z, ns, c->dm, c->ia, c->ib, err);
    if (st != AION_OK) return st;
    double qmin = INFINITY;
    int qa = -1, qb = -1;
    for (int a = 0; a < ns; a++)
        for (int b = a; b < ns; b++) {
            double q = c->dm[a * ns + b] / c->dref[a * ns + b];
            if (q < qmin) qmin = q, qa = a, qb = b;
        }
    *ratio = qmin;
    *hit = qa >= 0 && qmin < c->ratio;
    if (desc && len) {
        desc[0] = '\0';
        if (qa >= 0) {
            int k = qa * ns + qb;
            snprintf(desc, len, "%s-%s %.3f A (atoms %d, %d; data %.3f A)", aion_element_symbol(c->z[qa]),
                     aion_element_symbol(c->z[qb]), c->dm[k], c->ia[k] + 1, c->ib[k] + 1, c->dref[k]);
        }
    }
    return AION_OK;
}

void aion_contact_free(aion_contact *c)
{
    if (!c) return;
    aion_nlist_free(c->nl);
    free(c->z);
    free(c->dref);
    free(c->dm);
    free(c->ia);
    free(c->ib);
    free(c);
}
