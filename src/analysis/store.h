/* Per-atom displacement series, in memory or spilled to disk (see store.c). */
#ifndef AION_AN_STORE_H
#define AION_AN_STORE_H

#include "internal.h"

typedef struct an_store {
    int n_atoms;
    long chunk;         /* frames per chunk */
    long n_frames;
    size_t mem_limit, mem_bytes;
    const char *tmpdir;
    double *cur;        /* current chunk [atom][chunk][3] */
    long cur_frames;
    double **mem;       /* in-memory chunks [atom][nfr][3] */
    long *chunk_frames;
    long n_chunks, cap_chunks;
    int spilled, fd;
    size_t file_bytes;
    float *fbuf;
    size_t fbuf_len;
} an_store;

void an_store_init(an_store *s, int n_atoms, size_t mem_limit, const char *tmpdir);
void an_store_free(an_store *s);
aion_status an_store_add(an_store *s, const double (*disp)[3], aion_error *err);
aion_status an_store_finish(an_store *s, aion_error *err);
/* out: [a1-a0][n_frames][3] */
aion_status an_store_read_block(an_store *s, int a0, int a1, double *out, aion_error *err);

#endif
