/*
 * Storage of per-atom displacement series for the FFT MSD.
 *
 * Frames arrive one at a time; the MSD needs each atom's whole time series.
 * Frames are gathered into chunks of K frames laid out atom-major inside the
 * chunk ([atom][k][3]). Chunks stay in memory (double) until the memory limit
 * is reached; then every chunk is written, as float32 displacements from the
 * atom's first position (≈1e-7 relative precision), to an unlinked temporary
 * file and later chunks go straight to it. Reading back an atom block [a0, a1)
 * is one contiguous read per chunk.
 */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void an_store_init(an_store *s, int n_atoms, size_t mem_limit, const char *tmpdir)
{
    memset(s, 0, sizeof *s);
    s->n_atoms = n_atoms;
    s->mem_limit = mem_limit;
    s->fd = -1;
    s->tmpdir = tmpdir;
    size_t per_frame = (size_t)n_atoms * 3 * sizeof(double);
    long k = (long)((32u << 20) / (per_frame ? per_frame : 1));
    if (k < 64) k = 64;
    if (k > 65536) k = 65536;
    s->chunk = k;
}

void an_store_free(an_store *s)
{
    if (!s) return;
    for (long c = 0; c < s->n_chunks; c++) free(s->mem ? s->mem[c] : NULL);
    free(s->mem);
    free(s->chunk_frames);
    free(s->fbuf);
    free(s->cur);
    if (s->fd >= 0) close(s->fd);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}

static aion_status write_all(int fd, const void *buf, size_t len, off_t off)
{
    const char *p = buf;
    while (len) {
        ssize_t w = pwrite(fd, p, len, off);
        if (w < 0) {
            if (errno == EINTR) continue;
            return AION_ERR_IO;
        }
        p += w;
        len -= (size_t)w;
        off += w;
    }
    return AION_OK;
}

static aion_status read_all(int fd, void *buf, size_t len, off_t off)
{
    char *p = buf;
    while (len) {
        ssize_t r = pread(fd, p, len, off);
        if (r < 0) {
            if (errno == EINTR) continue;
            return AION_ERR_IO;
        }
        if (r == 0) return AION_ERR_IO;
        p += r;
        len -= (size_t)r;
        off += r;
    }
    return AION_OK;
}

static aion_status open_spill(an_store *s, aion_error *err)
{
    const char *dir = s->tmpdir;
    char path[4096];
    if (!dir || !*dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    snprintf(path, sizeof path, "%s/aion-msd-XXXXXX", dir);
    s->fd = mkstemp(path);
    if (s->fd < 0)
        return aion_err_set(err, AION_ERR_IO, "cannot create a temporary file in %s: %s", dir, strerror(errno));
    unlink(path); /* removed when closed, even on a crash */
    return AION_OK;
}

/* Write chunk c (n frames, doubles) as floats at the end of the file. */
static aion_status spill_chunk(an_store *s, const double *data, long nfr, aion_error *err)
{
    size_t cnt = (size_t)s->n_atoms * (size_t)nfr * 3;
    if (!s->fbuf || s->fbuf_len < cnt) {
        float *nb = aion_realloc_array(s->fbuf, cnt, sizeof(float));
        if (!nb) return aion_err_set(err, AION_ERR_NOMEM, "out of memory (spill buffer)");
        s->fbuf = nb;
        s->fbuf_len = cnt;
    }
    for (size_t i = 0; i < cnt; i++) s->fbuf[i] = (float)data[i];
    if (write_all(s->fd, s->fbuf, cnt * sizeof(float), (off_t)s->file_bytes))
        return aion_err_set(err, AION_ERR_IO, "cannot write the temporary position file: %s (disk full?)",
                            strerror(errno));
    s->file_bytes += cnt * sizeof(float);
    return AION_OK;
}

static aion_status flush_chunk(an_store *s, aion_error *err)
{
    long nfr = s->cur_frames;
    aion_status st;
    if (nfr == 0) return AION_OK;
    if (s->n_chunks == s->cap_chunks) {
        long nc = s->cap_chunks ? 2 * s->cap_chunks : 16;
        double **nm = aion_realloc_array(s->mem, (size_t)nc, sizeof *nm);
        long *nf;
        if (!nm) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        s->mem = nm;
        nf = aion_realloc_array(s->chunk_frames, (size_t)nc, sizeof *nf);
        if (!nf) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        s->chunk_frames = nf;
        for (long c = s->cap_chunks; c < nc; c++) s->mem[c] = NULL;
        s->cap_chunks = nc;
    }
    size_t bytes = (size_t)s->n_atoms * (size_t)nfr * 3 * sizeof(double);
    if (!s->spilled && s->mem_bytes + bytes > s->mem_limit) {
        /* Switch to disk: write every chunk held so far. */
        if ((st = open_spill(s, err))) return st;
        for (long c = 0; c < s->n_chunks; c++) {
            if ((st = spill_chunk(s, s->mem[c], s->chunk_frames[c], err))) return st;
            free(s->mem[c]);
            s->mem[c] = NULL;
        }
        s->mem_bytes = 0;
        s->spilled = 1;
    }
    if (s->spilled) {
        /* Re-pack [atom][k][3] with the chunk's real frame count. */
        if ((st = spill_chunk(s, s->cur, nfr, err))) return st;
    } else {
        double *copy = malloc(bytes);
        if (!copy) return aion_err_set(err, AION_ERR_NOMEM, "out of memory (positions)");
        memcpy(copy, s->cur, bytes);
        s->mem[s->n_chunks] = copy;
        s->mem_bytes += bytes;
    }
    s->chunk_frames[s->n_chunks++] = nfr;
    s->cur_frames = 0;
    return AION_OK;
}

aion_status an_store_add(an_store *s, const double (*disp)[3], aion_error *err)
{
    if (!s->cur) {
        s->cur = aion_calloc((size_t)s->n_atoms * (size_t)s->chunk * 3, sizeof(double));
        if (!s->cur) return aion_err_set(err, AION_ERR_NOMEM, "out of memory (position chunk)");
    }
    /* Within the current chunk the stride per atom is cur_frames-independent:
     * we lay it out as [atom][chunk][3] and repack on flush if short. */
    long k = s->cur_frames;
    for (int i = 0; i < s->n_atoms; i++) {
        double *d = s->cur + ((size_t)i * (size_t)s->chunk + (size_t)k) * 3;
        d[0] = disp[i][0];
        d[1] = disp[i][1];
        d[2] = disp[i][2];
    }
    s->cur_frames++;
    s->n_frames++;
    if (s->cur_frames == s->chunk) return flush_chunk(s, err);
    return AION_OK;
}

aion_status an_store_finish(an_store *s, aion_error *err)
{
    long nfr = s->cur_frames;
    if (nfr > 0 && nfr < s->chunk) {
        /* Compact the partial chunk to [atom][nfr][3]. */
        for (int i = 1; i < s->n_atoms; i++)
            memmove(s->cur + (size_t)i * (size_t)nfr * 3, s->cur + (size_t)i * (size_t)s->chunk * 3,
                    sizeof(double) * (size_t)nfr * 3);
    }
    aion_status st = flush_chunk(s, err);
    free(s->cur);
    s->cur = NULL;
    return st;
}

aion_status an_store_read_block(an_store *s, int a0, int a1, double *out, aion_error *err)
{
    const long T = s->n_frames;
    const int B = a1 - a0;
    long f0 = 0;
    off_t off = 0;
    for (long c = 0; c < s->n_chunks; c++) {
        long nfr = s->chunk_frames[c];
        size_t cnt = (size_t)B * (size_t)nfr * 3;
        if (s->spilled) {
            if (!s->fbuf || s->fbuf_len < cnt) {
                float *nb = aion_realloc_array(s->fbuf, cnt, sizeof(float));
                if (!nb) return aion_err_set(err, AION_ERR_NOMEM, "out of memory (read buffer)");
                s->fbuf = nb;
                s->fbuf_len = cnt;
            }
            off_t at = off + (off_t)((size_t)a0 * (size_t)nfr * 3 * sizeof(float));
            if (read_all(s->fd, s->fbuf, cnt * sizeof(float), at))
                return aion_err_set(err, AION_ERR_IO, "cannot read back the temporary position file");
            for (int i = 0; i < B; i++)
                for (long k = 0; k < nfr; k++)
                    for (int d = 0; d < 3; d++)
                        out[((size_t)i * (size_t)T + (size_t)(f0 + k)) * 3 + d] =
                            s->fbuf[((size_t)i * (size_t)nfr + (size_t)k) * 3 + d];
            off += (off_t)((size_t)s->n_atoms * (size_t)nfr * 3 * sizeof(float));
        } else {
            const double *m = s->mem[c];
            for (int i = 0; i < B; i++)
                memcpy(out + ((size_t)i * (size_t)T + (size_t)f0) * 3,
                       m + ((size_t)(a0 + i) * (size_t)nfr) * 3, sizeof(double) * (size_t)nfr * 3);
        }
        f0 += nfr;
    }
    return AION_OK;
}
