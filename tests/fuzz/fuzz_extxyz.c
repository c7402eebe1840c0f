/* libFuzzer target: the extended XYZ reader, and the writer on whatever the
 * reader accepts (it must write it, and reading that back must give the same
 * frames bit for bit). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_read_buffer(data, size, AION_FMT_EXTXYZ, FUZZ_RT_COUNTS | FUZZ_RT_Z | FUZZ_RT_EXACT | FUZZ_RT_MUST_WRITE);
}
