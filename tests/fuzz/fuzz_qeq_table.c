/*
 * Fuzz target for the charge-equilibration parameter table (docs/qeq.md):
 * parse arbitrary text; whatever parses must describe a valid model (species
 * known, J > 0, widths >= 0, coordination only with a cutoff), and
 * aion_qeq_create either accepts it or says why (an element whose covalent
 * radius, the default width, is unknown).
 */
#include "potential/qeq.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aion_qeq_table t;
    aion_error err;
    if (aion_qeq_parse_table((const char *)data, size, "fuzz.txt", &t, &err) != AION_OK) return 0;
    if (t.ns < 1 || t.ns > AION_QEQ_MAX_SPECIES) abort();
    for (int s = 0; s < t.ns; s++)
        if (t.z[s] < 1 || !isfinite(t.chi[s]) || !(t.hard[s] > 0.0) || !(t.width[s] >= 0.0)) abort();
    if (t.has_coord && !(t.coord_cutoff > 0.0)) abort();
    aion_qeq *qe = NULL;
    err.msg[0] = '\0';
    if (aion_qeq_create(&qe, t.ns, t.z, t.chi, t.hard, t.width, t.charge, &err) != AION_OK) {
        if (!err.msg[0] || qe) abort();
        return 0;
    }
    aion_qeq_free(qe);
    return 0;
}
