/* Fuzz target: cif reader. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_read_buffer(data, size, AION_FMT_CIF, FUZZ_RT_NONE);
}
