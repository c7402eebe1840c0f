/* Classical potentials: placeholder until the pair/Coulomb module lands. */
#include "potential.h"

aion_potential *aion_classical_create(const char *spec, const aion_potential_opts *o, aion_error *err)
{
    (void)o;
    aion_err_set(err, AION_ERR_UNSUPPORTED, "%s: classical potentials are not implemented yet", spec);
    return NULL;
}
