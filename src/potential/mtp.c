/* Moment Tensor Potential: not implemented yet (issue 5). */
#include "potential.h"

aion_potential *aion_mtp_create(const char *path, const aion_potential_opts *o, aion_error *err)
{
    (void)o;
    aion_err_set(err, AION_ERR_UNSUPPORTED, "%s: Moment Tensor Potentials are not implemented yet", path);
    return NULL;
}
