/* Fuzz target: lammps dump reader (and writer, read back). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_read_buffer(data, size, AION_FMT_LAMMPS_DUMP, FUZZ_RT_COUNTS | FUZZ_RT_Z);
}
