/* libFuzzer target: the CFG reader (and writer, read back). Seeds: tests/fuzz/corpus/cfg/ */
#include "fuzz_local.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzzl_run(data, size, AION_FMT_CFG); }
