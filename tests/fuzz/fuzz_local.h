/*
 * Harness of the VASP and .cfg fuzz targets: write the input to a temporary
 * file, read every frame with the format forced, write what was read with
 * the same format (if it has a writer) at full precision (17 digits), read
 * that back and check the frame and atom counts agree. Crashes, leaks and
 * sanitizer reports are the bugs. Unlike fuzz_common.h it writes at full
 * precision: at the default 10 digits a barely valid cell (nearly flat) can
 * become invalid on the way back, which would be reported as a crash.
 */
#ifndef AION_FUZZ_LOCAL_H
#define AION_FUZZ_LOCAL_H

#include "aion.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZL_MAX_FRAMES 64

static char fuzzl_in_[256], fuzzl_out_[256];

static void fuzzl_cleanup_(void)
{
    if (fuzzl_in_[0]) remove(fuzzl_in_);
    if (fuzzl_out_[0]) remove(fuzzl_out_);
}

static int fuzzl_read_(const char *path, aion_format fmt, aion_frame *fr)
{
    static const int type_z[8] = {3, 15, 8, 12, 23, 1, 6, 14};
    aion_read_opts ro;
    aion_reader *r = NULL;
    aion_error err;
    int n = 0;
    aion_read_opts_init(&ro);
    ro.format = fmt;
    ro.type_z = type_z;
    ro.n_type_z = 8;
    if (aion_reader_open(&r, path, &ro, &err) != AION_OK) {
        if (r || !err.msg[0]) abort();
        return 0;
    }
    while (n < FUZZL_MAX_FRAMES) {
        aion_status st;
        aion_frame_init(&fr[n]);
        st = aion_reader_next(r, &fr[n]);
        if (st != AION_OK) {
            if (st != AION_EOF && !aion_reader_errmsg(r)[0]) abort();
            aion_frame_free(&fr[n]);
            break;
        }
        if (fr[n].n < 1 || !fr[n].pos || !fr[n].z) abort();
        n++;
    }
    (void)aion_reader_notes(r);
    aion_reader_close(r);
    return n;
}

static int fuzzl_run(const uint8_t *data, size_t size, aion_format fmt)
{
    static aion_frame a[FUZZL_MAX_FRAMES], b[FUZZL_MAX_FRAMES];
    FILE *fp;
    int na, nb, nw = 0;
    if (!fuzzl_in_[0]) {
        snprintf(fuzzl_in_, sizeof fuzzl_in_, "/tmp/aion-fuzz-%ld-in", (long)getpid());
        snprintf(fuzzl_out_, sizeof fuzzl_out_, "/tmp/aion-fuzz-%ld-out", (long)getpid());
        atexit(fuzzl_cleanup_);
    }
    fp = fopen(fuzzl_in_, "wb");
    if (!fp) abort();
    if (size && fwrite(data, 1, size, fp) != size) abort();
    fclose(fp);
    na = fuzzl_read_(fuzzl_in_, fmt, a);
    if (na > 0 && fmt != AION_FMT_OUTCAR) {
        aion_write_opts wo;
        aion_writer *w;
        aion_error err;
        aion_write_opts_init(&wo);
        wo.format = fmt;
        wo.precision = 17;
        if (aion_writer_open(&w, fuzzl_out_, &wo, &err) != AION_OK) abort();
        for (nw = 0; nw < na; nw++) {
            aion_status st = aion_writer_write(w, &a[nw]);
            if (st == AION_ERR_UNSUPPORTED && nw > 0) break;
            if (st != AION_OK) {
                aion_writer_abort(w);
                w = NULL;
                nw = 0;
                break;
            }
        }
        if (w && aion_writer_close(w, &err) != AION_OK) nw = 0;
        if (nw > 0) {
            nb = fuzzl_read_(fuzzl_out_, fmt, b);
            if (nb != nw) {
                fprintf(stderr, "wrote %d frames, read back %d\n", nw, nb);
                abort();
            }
            for (int k = 0; k < nb; k++) {
                if (a[k].n != b[k].n) abort();
                aion_frame_free(&b[k]);
            }
        }
    }
    for (int k = 0; k < na; k++) aion_frame_free(&a[k]);
    return 0;
}

#endif
