/*
 * Internal I/O framework: the reader/writer handles, a line reader that counts
 * lines for error messages, and the table of format backends. Each backend
 * (extxyz.c, vasp.c, lammps.c, cfg.c, cif.c) defines one aion_io_backend per
 * format it handles; format.c dispatches.
 */
#ifndef AION_IO_H
#define AION_IO_H

#include "aion.h"
#include "internal.h"

#include <stdio.h>

struct aion_reader {
    FILE *fp;
    char *path;            /* as given ("-" for stdin) */
    int own_fp;
    aion_read_opts opts;
    aion_format format;
    const struct aion_io_backend *be;
    /* line reader */
    char *line;            /* current line (NUL-terminated, newline stripped) */
    size_t cap;
    long lineno;           /* 1-based number of the current line */
    int pushed_back;       /* aion_io_unread(): next getline returns the same line */
    int at_eof;
    long frames_read;
    void *state;           /* backend state (freed by be->read_close) */
    aion_strbuf notes;
    aion_error err;
};

struct aion_writer {
    FILE *fp;
    char *path;            /* final path */
    char *tmp;             /* temporary path (NULL when appending) */
    aion_write_opts opts;
    aion_format format;
    const struct aion_io_backend *be;
    long frames_written;
    void *state;           /* backend state (freed by be->write_close) */
    aion_error err;
};

typedef struct aion_io_backend {
    aion_format format;
    const char *name;          /* "extxyz" */
    /* Reading. read_open may inspect the first lines (and push one back). */
    aion_status (*read_open)(aion_reader *r);
    aion_status (*read_next)(aion_reader *r, aion_frame *f); /* AION_EOF at end */
    void (*read_close)(aion_reader *r);
    /* Writing (NULL = read-only format). write_frame may refuse a second frame
     * for single-structure formats (POSCAR, data) with AION_ERR_UNSUPPORTED. */
    aion_status (*write_open)(aion_writer *w);
    aion_status (*write_frame)(aion_writer *w, const aion_frame *f);
    aion_status (*write_close)(aion_writer *w);
} aion_io_backend;

/* Backends (one per format); defined in the backend files. */
extern const aion_io_backend aion_io_extxyz;
extern const aion_io_backend aion_io_poscar;
extern const aion_io_backend aion_io_xdatcar;
extern const aion_io_backend aion_io_outcar;
extern const aion_io_backend aion_io_lammps_data;
extern const aion_io_backend aion_io_lammps_dump;
extern const aion_io_backend aion_io_cfg;
extern const aion_io_backend aion_io_cif;

/* Read the next line into r->line (newline and trailing '\r' stripped).
 * Returns the length, or -1 at end of file (or -2 on a read error / line
 * longer than AION_IO_MAX_LINE, with r->err set). */
#define AION_IO_MAX_LINE (64L * 1024 * 1024)
long aion_io_getline(aion_reader *r);
/* Make the next aion_io_getline return the current line again. */
void aion_io_unread(aion_reader *r);
/* Set r->err to "PATH:LINE: message" and return code. */
aion_status aion_io_fail(aion_reader *r, aion_status code, const char *fmt, ...) AION_PRINTF(3, 4);
/* Same without a line number ("PATH: message"). */
aion_status aion_io_fail_noline(aion_reader *r, aion_status code, const char *fmt, ...) AION_PRINTF(3, 4);
aion_status aion_io_wfail(aion_writer *w, aion_status code, const char *fmt, ...) AION_PRINTF(3, 4);
/* Append a line to the reader's notes (shown to the user by the CLI). */
void aion_io_note(aion_reader *r, const char *fmt, ...) AION_PRINTF(2, 3);


/* Split s in place on whitespace into at most max tokens; returns the count
 * (tokens beyond max are not split: the last token holds the rest). */
int aion_io_split(char *s, char **tok, int max);
/* Largest number of atoms a reader accepts before calling a count absurd. */
#define AION_IO_MAX_ATOMS 100000000L
/* Before allocating for a count read from a header: fail (with a message that
 * names `what`, e.g. "atom count 5000000 on line 3") when `count` atoms of at
 * least `min_bytes` bytes each cannot fit in what is left of the file. Counts
 * up to 4096 are not checked (the backend's own end-of-file error is more
 * precise) and neither are pipes, which a backend reads into a growing buffer
 * or caps itself. Returns AION_OK when the count may fit. */
aion_status aion_io_check_count(aion_reader *r, long count, long min_bytes, const char *what);

#endif
