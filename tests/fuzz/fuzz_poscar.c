/* libFuzzer target: the POSCAR reader (and writer, read back). Seeds: tests/fuzz/corpus/poscar/ */
#if defined(__has_include)
#if __has_include("fuzz_common.h")
#define AION_HAVE_FUZZ_COMMON 1
#endif
#endif

#ifdef AION_HAVE_FUZZ_COMMON
#include "fuzz_common.h"
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_read_buffer(data, size, AION_FMT_POSCAR, FUZZ_RT_COUNTS);
}
#else
#include "fuzz_local.h"
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzzl_run(data, size, AION_FMT_POSCAR); }
#endif
