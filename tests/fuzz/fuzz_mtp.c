/*
 * Fuzz target for the MLIP-2 .mtp reader: parse arbitrary text; whatever
 * parses must format, and formatting the re-parsed model must give the same
 * text (write -> read -> write is a fixed point).
 */
#include "potential/mtp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mtp_model m, r;
    aion_error err;
    aion_strbuf a, b;
    if (mtp_model_parse((const char *)data, size, "fuzz.mtp", &m, &err) != AION_OK) return 0;
    aion_sb_init(&a);
    aion_sb_init(&b);
    if (mtp_model_format(&m, &a, &err) != AION_OK) abort();
    if (mtp_model_parse(a.s, a.len, "again.mtp", &r, &err) != AION_OK) abort();
    if (mtp_model_format(&r, &b, &err) != AION_OK) abort();
    if (a.len != b.len || memcmp(a.s, b.s, a.len) != 0) abort();
    aion_sb_free(&a);
    aion_sb_free(&b);
    mtp_model_free(&m);
    mtp_model_free(&r);
    return 0;
}
