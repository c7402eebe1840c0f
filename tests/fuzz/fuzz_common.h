/*
 * Shared helper for the parser fuzz targets (tests/fuzz/fuzz_<name>.c).
 *
 * A target is three lines:
 *
 *     #include "fuzz_common.h"
 *     int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
 *     { return fuzz_read_buffer(data, size, AION_FMT_POSCAR, FUZZ_RT_COUNTS); }
 *
 * fuzz_read_buffer writes the input to a private temporary file (the readers
 * take paths), opens it with the given format, reads every frame (errors are
 * fine, crashes and leaks are not) and, if `checks` asks for it, writes the
 * frames it read back with the same format's writer, reads that file again
 * and compares. A mismatch calls abort(), which libFuzzer reports as a crash
 * with the input that caused it.
 *
 * The type map 0..7 -> Li P O Mg V H C Si is passed to the reader so formats
 * that number species (.cfg, LAMMPS) can be exercised too.
 */
#ifndef AION_FUZZ_COMMON_H
#define AION_FUZZ_COMMON_H

#include "aion.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Round-trip checks (bit mask). */
enum {
    FUZZ_RT_NONE = 0,
    FUZZ_RT_COUNTS = 1 << 0,     /* same number of frames and atoms per frame */
    FUZZ_RT_Z = 1 << 1,          /* same atomic numbers in the same order */
    FUZZ_RT_EXACT = 1 << 2,      /* positions, cell, energy, forces bit-identical */
    FUZZ_RT_MUST_WRITE = 1 << 3  /* the writer must accept whatever the reader accepted */
};

#define FUZZ_MAX_FRAMES 64

static char fuzz_in_path_[256], fuzz_out_path_[256];

static void fuzz_cleanup_(void)
{
    if (fuzz_in_path_[0]) remove(fuzz_in_path_);
    if (fuzz_out_path_[0]) remove(fuzz_out_path_);
}

static void fuzz_paths_(void)
{
    if (fuzz_in_path_[0]) return;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"; /* fsync on tmpfs is cheap */
    snprintf(fuzz_in_path_, sizeof fuzz_in_path_, "%s/aion-fuzz-%ld-in", dir, (long)getpid());
    snprintf(fuzz_out_path_, sizeof fuzz_out_path_, "%s/aion-fuzz-%ld-out", dir, (long)getpid());
    atexit(fuzz_cleanup_);
}

static void fuzz_fail_(const char *what, int frame)
{
    fprintf(stderr, "fuzz round trip: %s (frame %d)\n", what, frame);
    abort();
}

/* Read up to FUZZ_MAX_FRAMES frames of `path`; returns the count and leaves
 * them in frames[] (caller frees). *clean is 1 if reading ended at EOF. */
static int fuzz_read_frames_(const char *path, aion_format fmt, aion_frame *frames, int *clean)
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
    *clean = 0;
    if (aion_reader_open(&r, path, &ro, &err) != AION_OK) {
        if (r) abort(); /* a failed open must not hand out a handle */
        if (!err.msg[0]) fuzz_fail_("open failed without a message", -1);
        return 0;
    }
    while (n < FUZZ_MAX_FRAMES) {
        aion_frame_init(&frames[n]);
        aion_status st = aion_reader_next(r, &frames[n]);
        if (st == AION_EOF) {
            *clean = 1;
            aion_frame_free(&frames[n]);
            break;
        }
        if (st != AION_OK) {
            if (!aion_reader_errmsg(r)[0]) fuzz_fail_("error without a message", n);
            aion_frame_free(&frames[n]);
            break;
        }
        if (frames[n].n < 0 || (frames[n].n > 0 && (!frames[n].pos || !frames[n].z)))
            fuzz_fail_("frame without positions", n);
        n++;
    }
    (void)aion_reader_notes(r);
    aion_reader_close(r);
    return n;
}

static int fuzz_same_d_(const double *a, const double *b, long m)
{
    if (!a || !b) return a == b || m == 0;
    for (long k = 0; k < m; k++)
        if (a[k] != b[k] && !(a[k] == 0 && b[k] == 0)) return 0;
    return 1;
}

static int fuzz_read_buffer(const uint8_t *data, size_t size, aion_format fmt, unsigned checks)
{
    static aion_frame a[FUZZ_MAX_FRAMES], b[FUZZ_MAX_FRAMES];
    FILE *fp;
    int na, nb, clean, clean2;
    fuzz_paths_();
    fp = fopen(fuzz_in_path_, "wb");
    if (!fp) abort();
    if (size && fwrite(data, 1, size, fp) != size) abort();
    fclose(fp);

    na = fuzz_read_frames_(fuzz_in_path_, fmt, a, &clean);
    if (checks != FUZZ_RT_NONE && na > 0) {
        aion_write_opts wo;
        aion_writer *w = NULL;
        aion_error err;
        int nw = 0;
        aion_write_opts_init(&wo);
        wo.format = fmt;
        if (aion_writer_open(&w, fuzz_out_path_, &wo, &err) == AION_OK) {
            for (nw = 0; nw < na; nw++) {
                aion_status st = aion_writer_write(w, &a[nw]);
                if (st == AION_ERR_UNSUPPORTED && nw > 0) break; /* single-structure format */
                if (st != AION_OK) {
                    if (checks & FUZZ_RT_MUST_WRITE) {
                        fprintf(stderr, "%s\n", aion_writer_errmsg(w));
                        fuzz_fail_("writer refused a frame the reader accepted", nw);
                    }
                    aion_writer_abort(w);
                    w = NULL;
                    nw = 0;
                    break;
                }
            }
            if (w && aion_writer_close(w, &err) != AION_OK) {
                if (checks & FUZZ_RT_MUST_WRITE) fuzz_fail_(err.msg, -1);
                nw = 0;
            }
        } else if (checks & FUZZ_RT_MUST_WRITE) {
            fuzz_fail_("writer did not open", -1);
        }
        if (nw > 0) {
            nb = fuzz_read_frames_(fuzz_out_path_, fmt, b, &clean2);
            /* (reading stops at FUZZ_MAX_FRAMES without looking for the end) */
            if (nb != nw || (!clean2 && nb < FUZZ_MAX_FRAMES))
                fuzz_fail_("frame count differs after writing and reading back", nb);
            for (int k = 0; k < nb; k++) {
                const aion_frame *x = &a[k], *y = &b[k];
                if (x->n != y->n) fuzz_fail_("atom count differs", k);
                if ((checks & (FUZZ_RT_Z | FUZZ_RT_EXACT)) && x->n > 0 &&
                    memcmp(x->z, y->z, (size_t)x->n * sizeof *x->z))
                    fuzz_fail_("atomic numbers differ", k);
                if (checks & FUZZ_RT_EXACT) {
                    if (!fuzz_same_d_(&x->pos[0][0], &y->pos[0][0], 3L * x->n)) fuzz_fail_("positions differ", k);
                    if ((x->has ^ y->has) & (AION_HAS_CELL | AION_HAS_ENERGY | AION_HAS_FORCES | AION_HAS_STRESS))
                        fuzz_fail_("has-bits differ", k);
                    if ((x->has & AION_HAS_CELL) && !fuzz_same_d_(&x->cell[0][0], &y->cell[0][0], 9))
                        fuzz_fail_("cell differs", k);
                    if ((x->has & AION_HAS_ENERGY) && !fuzz_same_d_(&x->energy, &y->energy, 1))
                        fuzz_fail_("energy differs", k);
                    if ((x->has & AION_HAS_STRESS) && !fuzz_same_d_(&x->stress[0][0], &y->stress[0][0], 9))
                        fuzz_fail_("stress differs", k);
                    if ((x->has & AION_HAS_FORCES) && !fuzz_same_d_(&x->forces[0][0], &y->forces[0][0], 3L * x->n))
                        fuzz_fail_("forces differ", k);
                    if (x->n_info != y->n_info || x->n_cols != y->n_cols) fuzz_fail_("free-form fields differ", k);
                    for (int q = 0; q < x->n_info; q++) {
                        const char *v = aion_frame_info_get(y, x->info[q].key);
                        if (!v || strcmp(v, x->info[q].value)) fuzz_fail_("info value differs", k);
                    }
                }
            }
            for (int k = 0; k < nb; k++) aion_frame_free(&b[k]);
        }
    }
    for (int k = 0; k < na; k++) aion_frame_free(&a[k]);
    (void)clean;
    return 0;
}

#endif
