/*
 * Frame selection (Python slice semantics, positive step) and frame counting.
 */
#include "io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void aion_slice_all(aion_slice *s)
{
    memset(s, 0, sizeof *s);
    s->step = 1;
}

static int parse_part(const char *a, const char *b, long *v)
{
    char buf[32];
    size_t n = (size_t)(b - a);
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, a, n);
    buf[n] = '\0';
    return aion_parse_long(buf, v);
}

aion_status aion_slice_parse(aion_slice *s, const char *text, aion_error *err)
{
    const char *c1, *c2, *end;
    aion_slice_all(s);
    if (!text || !*text) return aion_err_set(err, AION_ERR_INVALID, "empty frame selection");
    end = text + strlen(text);
    c1 = strchr(text, ':');
    if (!c1) {
        long k;
        if (parse_part(text, end, &k))
            return aion_err_set(err, AION_ERR_INVALID, "frame selection '%s': expected START:STOP:STEP or an index", text);
        s->start = k;
        s->has_start = 1;
        if (k != -1) {
            s->stop = k + 1;
            s->has_stop = 1;
        }
        return AION_OK;
    }
    c2 = strchr(c1 + 1, ':');
    if (c2 && strchr(c2 + 1, ':'))
        return aion_err_set(err, AION_ERR_INVALID, "frame selection '%s': too many ':'", text);
    if (c1 > text) {
        if (parse_part(text, c1, &s->start)) goto bad;
        s->has_start = 1;
    }
    if ((c2 ? c2 : end) > c1 + 1) {
        if (parse_part(c1 + 1, c2 ? c2 : end, &s->stop)) goto bad;
        s->has_stop = 1;
    }
    if (c2 && end > c2 + 1) {
        if (parse_part(c2 + 1, end, &s->step)) goto bad;
        if (s->step <= 0)
            return aion_err_set(err, AION_ERR_INVALID, "frame selection '%s': STEP must be positive", text);
    }
    return AION_OK;
bad:
    return aion_err_set(err, AION_ERR_INVALID, "frame selection '%s': START, STOP and STEP must be integers", text);
}

int aion_slice_needs_count(const aion_slice *s)
{
    return (s->has_start && s->start < 0) || (s->has_stop && s->stop < 0);
}

void aion_slice_resolve(aion_slice *s, long nframes)
{
    if (s->has_start && s->start < 0) {
        s->start += nframes;
        if (s->start < 0) s->start = 0;
    }
    if (s->has_stop && s->stop < 0) {
        s->stop += nframes;
        if (s->stop < 0) s->stop = 0;
    }
}

int aion_slice_select(const aion_slice *s, long k)
{
    long start = s->has_start ? s->start : 0;
    if (s->has_stop && k >= s->stop) return -1;
    if (k < start) return 0;
    return (k - start) % (s->step > 0 ? s->step : 1) == 0;
}

aion_status aion_count_frames(const char *path, const aion_read_opts *opts, long *nframes, aion_error *err)
{
    aion_reader *r;
    aion_frame f;
    aion_status st;
    long n = 0;
    *nframes = 0;
    if ((st = aion_reader_open(&r, path, opts, err))) return st;
    aion_frame_init(&f);
    while ((st = aion_reader_next(r, &f)) == AION_OK) n++;
    if (st == AION_EOF) {
        st = AION_OK;
        *nframes = n;
    } else {
        aion_err_copy(err, &r->err);
    }
    aion_frame_free(&f);
    aion_reader_close(r);
    return st;
}
