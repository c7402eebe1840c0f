/* libFuzzer target: the CP2K output parser. Any input must give either a
 * usable result (energy, forces, finite numbers, a failure code of OK) or an
 * error with a message and a failure category; never a crash or a leak. A
 * usable result must also apply to a frame with the same elements. */
#include "aion.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path_[256];

static void cleanup_(void)
{
    if (path_[0]) remove(path_);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aion_cp2k_result r;
    aion_error err;
    FILE *fp;
    if (!path_[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(path_, sizeof path_, "%s/aion-fuzz-cp2k-%ld.out", dir && *dir ? dir : "/tmp", (long)getpid());
        atexit(cleanup_);
    }
    if (!(fp = fopen(path_, "wb"))) abort();
    if (size && fwrite(data, 1, size, fp) != size) abort();
    fclose(fp);
    err.msg[0] = '\0';
    aion_status st = aion_cp2k_parse_output(path_, &r, &err);
    if (st == AION_OK) {
        if (r.failure != AION_CP2K_OK || !(r.has & AION_HAS_ENERGY) || !(r.has & AION_HAS_FORCES) || r.n < 0)
            abort();
        if (!isfinite(r.energy)) abort();
        for (int i = 0; i < r.n; i++)
            for (int d = 0; d < 3; d++)
                if (!isfinite(r.forces[i][d])) abort();
        aion_frame f;
        aion_frame_init(&f);
        if (r.n > 0 && r.n < 100000 && aion_frame_resize(&f, r.n, 0) == AION_OK) {
            memcpy(f.z, r.z, (size_t)r.n * sizeof *f.z);
            if (aion_cp2k_result_apply(&r, &f, &err) != AION_OK) abort();
        }
        aion_frame_free(&f);
    } else {
        if (!err.msg[0] || r.failure == AION_CP2K_OK) abort();
    }
    aion_cp2k_result_free(&r);
    return 0;
}
