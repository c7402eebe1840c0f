/*
 * Reader/writer handles: format guessing, dispatch to backends, the counting
 * line reader and atomic writes (temporary file + rename).
 */
#include "io.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const aion_io_backend *const backends[] = {
    &aion_io_extxyz, &aion_io_poscar, &aion_io_xdatcar, &aion_io_outcar,
    &aion_io_lammps_data, &aion_io_lammps_dump, &aion_io_cfg, &aion_io_cif,
};

static const aion_io_backend *backend_for(aion_format fmt)
{
    for (size_t k = 0; k < sizeof backends / sizeof backends[0]; k++)
        if (backends[k]->format == fmt) return backends[k];
    return NULL;
}

static const char *const format_names[AION_FMT_COUNT] = {
    "auto", "extxyz", "poscar", "xdatcar", "outcar", "lammps-data", "lammps-dump", "cfg", "cif",
};

const char *aion_format_name(aion_format fmt)
{
    return (fmt >= 0 && fmt < AION_FMT_COUNT) ? format_names[fmt] : "unknown";
}

aion_format aion_format_from_name(const char *name)
{
    static const struct { const char *alias; aion_format f; } aliases[] = {
        {"xyz", AION_FMT_EXTXYZ}, {"vasp", AION_FMT_POSCAR}, {"contcar", AION_FMT_POSCAR},
        {"data", AION_FMT_LAMMPS_DATA}, {"lmp", AION_FMT_LAMMPS_DATA}, {"lammps", AION_FMT_LAMMPS_DATA},
        {"dump", AION_FMT_LAMMPS_DUMP}, {"lammpstrj", AION_FMT_LAMMPS_DUMP}, {"mlip", AION_FMT_CFG},
    };
    if (!name) return AION_FMT_AUTO;
    for (int k = 1; k < AION_FMT_COUNT; k++)
        if (!strcasecmp(name, format_names[k])) return (aion_format)k;
    for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++)
        if (!strcasecmp(name, aliases[k].alias)) return aliases[k].f;
    return AION_FMT_AUTO;
}

aion_format aion_format_guess(const char *path)
{
    const char *base, *dot;
    if (!path) return AION_FMT_AUTO;
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strncasecmp(base, "POSCAR", 6) || !strncasecmp(base, "CONTCAR", 7)) return AION_FMT_POSCAR;
    if (!strncasecmp(base, "XDATCAR", 7)) return AION_FMT_XDATCAR;
    if (!strncasecmp(base, "OUTCAR", 6)) return AION_FMT_OUTCAR;
    dot = strrchr(base, '.');
    if (!dot) return AION_FMT_AUTO;
    dot++;
    if (!strcasecmp(dot, "xyz") || !strcasecmp(dot, "extxyz")) return AION_FMT_EXTXYZ;
    if (!strcasecmp(dot, "vasp") || !strcasecmp(dot, "poscar")) return AION_FMT_POSCAR;
    if (!strcasecmp(dot, "data") || !strcasecmp(dot, "lmp") || !strcasecmp(dot, "lammps")) return AION_FMT_LAMMPS_DATA;
    if (!strcasecmp(dot, "dump") || !strcasecmp(dot, "lammpstrj")) return AION_FMT_LAMMPS_DUMP;
    if (!strcasecmp(dot, "cfg")) return AION_FMT_CFG;
    if (!strcasecmp(dot, "cif")) return AION_FMT_CIF;
    return AION_FMT_AUTO;
}

void aion_read_opts_init(aion_read_opts *o) { memset(o, 0, sizeof *o); }
void aion_write_opts_init(aion_write_opts *o) { memset(o, 0, sizeof *o); }

/* ---------------------------------------------------------------- reader */

long aion_io_getline(aion_reader *r)
{
    size_t len = 0;
    if (r->pushed_back) {
        r->pushed_back = 0;
        r->lineno++;
        return (long)strlen(r->line);
    }
    if (r->at_eof) return -1;
    for (;;) {
        if (r->cap - len < 2) {
            size_t ncap = r->cap ? r->cap * 2 : 256;
            char *p;
            if (ncap > (size_t)AION_IO_MAX_LINE + 2) {
                aion_io_fail(r, AION_ERR_PARSE, "line longer than %ld bytes", AION_IO_MAX_LINE);
                return -2;
            }
            p = realloc(r->line, ncap);
            if (!p) {
                aion_io_fail(r, AION_ERR_NOMEM, "out of memory reading a line");
                return -2;
            }
            r->line = p;
            r->cap = ncap;
        }
        if (!fgets(r->line + len, (int)(r->cap - len > 1 << 30 ? 1 << 30 : r->cap - len), r->fp)) {
            if (ferror(r->fp)) {
                aion_io_fail(r, AION_ERR_IO, "read error: %s", strerror(errno));
                return -2;
            }
            if (len == 0) {
                r->at_eof = 1;
                r->line[0] = '\0';
                return -1;
            }
            break;
        }
        len += strlen(r->line + len);
        if (len > 0 && r->line[len - 1] == '\n') break;
    }
    while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r')) r->line[--len] = '\0';
    r->lineno++;
    return (long)len;
}

void aion_io_unread(aion_reader *r)
{
    if (r->line && r->lineno > 0) {
        r->pushed_back = 1;
        r->lineno--;
    }
}

static aion_status io_vfail(aion_error *e, const char *path, long line, aion_status code, const char *fmt, va_list ap)
{
    char msg[AION_ERRMSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (line > 0)
        return aion_err_set(e, code, "%s:%ld: %s", path, line, msg);
    return aion_err_set(e, code, "%s: %s", path, msg);
}

aion_status aion_io_fail(aion_reader *r, aion_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    io_vfail(&r->err, r->path, r->lineno > 0 ? r->lineno : 1, code, fmt, ap);
    va_end(ap);
    return code;
}

aion_status aion_io_fail_noline(aion_reader *r, aion_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    io_vfail(&r->err, r->path, 0, code, fmt, ap);
    va_end(ap);
    return code;
}

aion_status aion_io_check_count(aion_reader *r, long count, long min_bytes, const char *what)
{
    struct stat sb;
    long here;
    long long need = (long long)count * min_bytes, left;
    if (count <= 4096 || !r->fp || fstat(fileno(r->fp), &sb) != 0 || !S_ISREG(sb.st_mode)) return AION_OK;
    if ((here = ftell(r->fp)) < 0) return AION_OK;
    left = (long long)sb.st_size - here;
    if (need <= left) return AION_OK;
    return aion_io_fail(r, AION_ERR_PARSE,
                        "%s is absurd or the file is truncated: %ld atoms need at least %lld bytes, %lld remain", what,
                        count, need, left);
}

aion_status aion_io_wfail(aion_writer *w, aion_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    io_vfail(&w->err, w->path, 0, code, fmt, ap);
    va_end(ap);
    return code;
}

void aion_io_note(aion_reader *r, const char *fmt, ...)
{
    char msg[AION_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    aion_sb_printf(&r->notes, "%s: %s\n", r->path, msg);
}

int aion_io_split(char *s, char **tok, int max)
{
    int n = 0;
    while (*s && n < max) {
        while (*s && isspace((unsigned char)*s)) s++;
        if (!*s) break;
        tok[n++] = s;
        if (n == max) break;
        while (*s && !isspace((unsigned char)*s)) s++;
        if (*s) *s++ = '\0';
    }
    return n;
}

aion_status aion_reader_open(aion_reader **out, const char *path, const aion_read_opts *opts, aion_error *err)
{
    aion_reader *r;
    aion_status st;
    aion_format fmt = opts ? opts->format : AION_FMT_AUTO;
    *out = NULL;
    if (!path) return aion_err_set(err, AION_ERR_INVALID, "no input file given");
    if (fmt == AION_FMT_AUTO) fmt = aion_format_guess(path);
    if (fmt == AION_FMT_AUTO)
        return aion_err_set(err, AION_ERR_INVALID, "%s: cannot tell the format from the name; give it explicitly (--format)", path);
    r = calloc(1, sizeof *r);
    if (!r) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    if (opts) r->opts = *opts;
    r->format = fmt;
    r->be = backend_for(fmt);
    r->path = aion_strdup(path);
    aion_sb_init(&r->notes);
    if (!r->path) {
        aion_reader_close(r);
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    }
    if (!r->be || !r->be->read_next) {
        aion_reader_close(r);
        return aion_err_set(err, AION_ERR_UNSUPPORTED, "%s: reading %s files is not supported", path, aion_format_name(fmt));
    }
    if (!strcmp(path, "-")) {
        r->fp = stdin;
    } else {
        r->fp = fopen(path, "rb");
        r->own_fp = 1;
        if (!r->fp) {
            st = aion_err_set(err, AION_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
            aion_reader_close(r);
            return st;
        }
    }
    if (r->be->read_open && (st = r->be->read_open(r)) != AION_OK) {
        aion_err_copy(err, &r->err);
        aion_reader_close(r);
        return st;
    }
    *out = r;
    return AION_OK;
}

aion_status aion_reader_next(aion_reader *r, aion_frame *f)
{
    aion_status st;
    if (r->err.code != AION_OK) return r->err.code; /* sticky errors */
    st = r->be->read_next(r, f);
    if (st == AION_OK) r->frames_read++;
    else if (st != AION_EOF && r->err.code == AION_OK)
        aion_io_fail(r, st, "%s", aion_status_str(st));
    return st;
}

long aion_reader_line(const aion_reader *r) { return r->lineno; }
const char *aion_reader_errmsg(const aion_reader *r) { return r ? r->err.msg : "no reader"; }
aion_format aion_reader_format(const aion_reader *r) { return r->format; }
const char *aion_reader_notes(const aion_reader *r) { return r->notes.len ? r->notes.s : NULL; }

void aion_reader_close(aion_reader *r)
{
    if (!r) return;
    if (r->be && r->be->read_close) r->be->read_close(r);
    if (r->own_fp && r->fp) fclose(r->fp);
    free(r->line);
    free(r->path);
    aion_sb_free(&r->notes);
    free(r);
}

aion_status aion_read_all(const char *path, const aion_read_opts *opts, aion_frame **frames, int *nframes,
                          aion_error *err)
{
    aion_reader *r;
    aion_frame *fs = NULL;
    int n = 0, cap = 0;
    aion_status st = aion_reader_open(&r, path, opts, err);
    *frames = NULL;
    *nframes = 0;
    if (st) return st;
    for (;;) {
        if (n == cap) {
            int ncap = cap ? cap * 2 : 4;
            aion_frame *q = aion_realloc_array(fs, (size_t)ncap, sizeof *q);
            if (!q) {
                st = aion_err_set(err, AION_ERR_NOMEM, "%s: out of memory", path);
                break;
            }
            fs = q;
            cap = ncap;
        }
        aion_frame_init(&fs[n]);
        st = aion_reader_next(r, &fs[n]);
        if (st == AION_EOF) {
            aion_frame_free(&fs[n]);
            st = AION_OK;
            break;
        }
        if (st) {
            aion_frame_free(&fs[n]);
            aion_err_copy(err, &r->err);
            break;
        }
        n++;
    }
    aion_reader_close(r);
    if (st) {
        aion_frames_free(fs, n);
        return st;
    }
    *frames = fs;
    *nframes = n;
    return AION_OK;
}

void aion_frames_free(aion_frame *frames, int nframes)
{
    if (!frames) return;
    for (int k = 0; k < nframes; k++) aion_frame_free(&frames[k]);
    free(frames);
}

/* ---------------------------------------------------------------- writer */

aion_status aion_writer_open(aion_writer **out, const char *path, const aion_write_opts *opts, aion_error *err)
{
    aion_writer *w;
    aion_status st;
    aion_format fmt = opts ? opts->format : AION_FMT_AUTO;
    *out = NULL;
    if (!path) return aion_err_set(err, AION_ERR_INVALID, "no output file given");
    if (fmt == AION_FMT_AUTO) fmt = aion_format_guess(path);
    if (fmt == AION_FMT_AUTO)
        return aion_err_set(err, AION_ERR_INVALID, "%s: cannot tell the format from the name; give it explicitly (--format)", path);
    w = calloc(1, sizeof *w);
    if (!w) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    if (opts) w->opts = *opts;
    w->format = fmt;
    w->be = backend_for(fmt);
    w->path = aion_strdup(path);
    if (!w->path) {
        free(w);
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    }
    if (!w->be || !w->be->write_frame) {
        st = aion_err_set(err, AION_ERR_UNSUPPORTED, "%s: writing %s files is not supported", path, aion_format_name(fmt));
        free(w->path);
        free(w);
        return st;
    }
    if (!strcmp(path, "-")) {
        w->fp = stdout;
    } else if (w->opts.append) {
        w->fp = fopen(path, "ab");
    } else {
        size_t n = strlen(path) + 32;
        w->tmp = malloc(n);
        if (w->tmp) snprintf(w->tmp, n, "%s.tmp.%ld", path, (long)getpid());
        w->fp = w->tmp ? fopen(w->tmp, "wb") : NULL;
    }
    if (!w->fp) {
        st = aion_err_set(err, AION_ERR_IO, "%s: cannot open for writing: %s", w->tmp ? w->tmp : path, strerror(errno));
        free(w->tmp);
        free(w->path);
        free(w);
        return st;
    }
    if (w->be->write_open && (st = w->be->write_open(w)) != AION_OK) {
        aion_err_copy(err, &w->err);
        aion_writer_abort(w);
        return st;
    }
    *out = w;
    return AION_OK;
}

aion_status aion_writer_write(aion_writer *w, const aion_frame *f)
{
    aion_status st;
    if (w->err.code != AION_OK) return w->err.code;
    st = w->be->write_frame(w, f);
    if (st == AION_OK) {
        w->frames_written++;
        if (ferror(w->fp)) st = aion_io_wfail(w, AION_ERR_IO, "write error: %s", strerror(errno));
    } else if (w->err.code == AION_OK) {
        aion_io_wfail(w, st, "%s", aion_status_str(st));
    }
    return st;
}

aion_status aion_writer_close(aion_writer *w, aion_error *err)
{
    aion_status st;
    if (!w) return AION_OK;
    st = w->err.code;
    /* write_close also frees backend state, so it runs after an error too
     * (the file is then removed below and whatever it wrote is dropped). */
    if (w->be->write_close) {
        aion_status s2 = w->be->write_close(w);
        if (st == AION_OK) st = s2;
    }
    if (w->fp && w->fp != stdout) {
        if (fflush(w->fp) != 0 || fsync(fileno(w->fp)) != 0) {
            if (st == AION_OK && errno != EINVAL) st = aion_io_wfail(w, AION_ERR_IO, "write error: %s", strerror(errno));
        }
        if (fclose(w->fp) != 0 && st == AION_OK) st = aion_io_wfail(w, AION_ERR_IO, "close failed: %s", strerror(errno));
    } else if (w->fp) {
        fflush(w->fp);
    }
    w->fp = NULL;
    if (w->tmp) {
        if (st == AION_OK && rename(w->tmp, w->path) != 0)
            st = aion_io_wfail(w, AION_ERR_IO, "cannot rename %s into place: %s", w->tmp, strerror(errno));
        if (st != AION_OK) remove(w->tmp);
    }
    if (st != AION_OK) aion_err_copy(err, &w->err);
    free(w->tmp);
    free(w->path);
    free(w);
    return st;
}

void aion_writer_abort(aion_writer *w)
{
    if (!w) return;
    if (w->be && w->be->write_close && w->state) {
        aion_error keep = w->err;
        w->be->write_close(w);
        w->err = keep;
    }
    if (w->fp && w->fp != stdout) fclose(w->fp);
    if (w->tmp) remove(w->tmp);
    free(w->tmp);
    free(w->path);
    free(w);
}

aion_status aion_writer_flush(aion_writer *w, long *offset)
{
    if (w->err.code != AION_OK) return w->err.code;
    if (fflush(w->fp) != 0) return aion_io_wfail(w, AION_ERR_IO, "write error: %s", strerror(errno));
    if (offset) *offset = ftell(w->fp);
    return AION_OK;
}

const char *aion_writer_errmsg(const aion_writer *w) { return w ? w->err.msg : "no writer"; }
