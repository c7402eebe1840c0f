/* Placeholder: neighbour lists have not landed yet. */
#include "nlist.h"
#include "internal.h"

#include <stdlib.h>

aion_status aion_nlist_create(aion_nlist **out, const aion_nlist_opts *opts, aion_error *err)
{
    (void)opts;
    *out = NULL;
    return aion_err_set(err, AION_ERR_UNSUPPORTED, "neighbour lists are not implemented yet");
}
aion_status aion_nlist_update(aion_nlist *nl, const aion_frame *f) { (void)nl; (void)f; return AION_ERR_UNSUPPORTED; }
int aion_nlist_count(const aion_nlist *nl, int i) { (void)nl; (void)i; return 0; }
aion_status aion_nlist_get(const aion_nlist *nl, int i, int k, int *j, double d[3]) { (void)nl; (void)i; (void)k; (void)j; (void)d; return AION_ERR_UNSUPPORTED; }
long aion_nlist_total_pairs(const aion_nlist *nl) { (void)nl; return 0; }
const char *aion_nlist_errmsg(const aion_nlist *nl) { return nl ? nl->err.msg : "no list"; }
void aion_nlist_free(aion_nlist *nl) { free(nl); }
void aion_nlist_invalidate(aion_nlist *nl) { (void)nl; }
void aion_nlist_refresh(aion_nlist *nl, const aion_frame *f) { (void)nl; (void)f; }
