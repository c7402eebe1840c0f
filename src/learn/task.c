/*
 * Active learning (aion learn): exploration MD tasks (text form, temperature
 * schedules) and the labeller that uses a potential as the oracle.
 */
#include "aion.h"
#include "internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aion_learn_task_init(aion_learn_task *t)
{
    memset(t, 0, sizeof *t);
    t->press_GPa = 1e-4;
    t->temps_K[0] = 300;
    t->n_temps = 1;
    t->steps = 1000;
    t->dt_fs = 1.0;
    t->tau_t_fs = 100;
    t->grade_every = 10;
    t->seed = 1;
}

static aion_status check(const aion_learn_task *t, aion_error *err)
{
    if (!t->start[0] && !t->composition[0])
        return aion_err_set(err, AION_ERR_INVALID, "task: give start=FILE or random=FORMULA");
    if (t->start[0] && t->composition[0])
        return aion_err_set(err, AION_ERR_INVALID, "task: give start=FILE or random=FORMULA, not both");
    if (t->composition[0] && (t->atoms < 1 || !(t->density_gcc > 0)))
        return aion_err_set(err, AION_ERR_INVALID, "task: a random start needs atoms=N and density=G (g/cm3)");
    if (t->n_temps < 1) return aion_err_set(err, AION_ERR_INVALID, "task: no temperature (T=...)");
    for (int k = 0; k < t->n_temps; k++)
        if (!(t->temps_K[k] > 0)) return aion_err_set(err, AION_ERR_INVALID, "task: temperatures must be > 0 K");
    if (t->steps < 1) return aion_err_set(err, AION_ERR_INVALID, "task: steps must be >= 1");
    if (t->n_temps > 1 && t->steps < t->n_temps - 1)
        return aion_err_set(err, AION_ERR_INVALID, "task: fewer steps than pieces of the temperature schedule");
    if (!(t->dt_fs > 0) || !(t->tau_t_fs > 0)) return aion_err_set(err, AION_ERR_INVALID, "task: dt and tau must be > 0");
    if (t->grade_every < 1) return aion_err_set(err, AION_ERR_INVALID, "task: every must be >= 1");
    return AION_OK;
}

static aion_status parse_temps(aion_learn_task *t, const char *v, aion_error *err)
{
    char buf[512], *save = NULL;
    int n = 0;
    snprintf(buf, sizeof buf, "%s", v);
    for (char *p = strtok_r(buf, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
        double x;
        if (n >= AION_LEARN_MAX_TEMPS)
            return aion_err_set(err, AION_ERR_INVALID, "task: at most %d temperatures", AION_LEARN_MAX_TEMPS);
        if (aion_parse_double(p, &x)) return aion_err_set(err, AION_ERR_INVALID, "task: T: bad temperature '%s'", p);
        t->temps_K[n++] = x;
    }
    if (!n) return aion_err_set(err, AION_ERR_INVALID, "task: T needs a value");
    t->n_temps = n;
    return AION_OK;
}

aion_status aion_learn_task_parse(aion_learn_task *t, const char *spec, aion_error *err)
{
    char *buf = aion_strdup(spec ? spec : ""), *save = NULL;
    aion_status st = AION_OK;
    if (!buf) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    for (char *kv = strtok_r(buf, " \t\n,;", &save); kv && st == AION_OK; kv = strtok_r(NULL, " \t\n,;", &save)) {
        char *v = strchr(kv, '=');
        double d;
        long l;
        if (!v || v == kv || !v[1]) {
            st = aion_err_set(err, AION_ERR_INVALID, "task: '%s' is not key=value", kv);
            break;
        }
        *v++ = '\0';
        if (!strcmp(kv, "start")) {
            if (strlen(v) >= sizeof t->start) st = aion_err_set(err, AION_ERR_INVALID, "task: start path too long");
            else snprintf(t->start, sizeof t->start, "%s", v);
        } else if (!strcmp(kv, "random") || !strcmp(kv, "composition")) {
            if (strlen(v) >= sizeof t->composition) st = aion_err_set(err, AION_ERR_INVALID, "task: formula too long");
            else snprintf(t->composition, sizeof t->composition, "%s", v);
        } else if (!strcmp(kv, "frame") || !strcmp(kv, "atoms")) {
            if (aion_parse_long(v, &l) || l < -1000000000L || l > 1000000000L)
                st = aion_err_set(err, AION_ERR_INVALID, "task: %s: bad integer '%s'", kv, v);
            else if (kv[0] == 'f') t->frame = (int)l;
            else t->atoms = (int)l;
        } else if (!strcmp(kv, "steps") || !strcmp(kv, "every")) {
            if (aion_parse_long(v, &l) || l < 1) st = aion_err_set(err, AION_ERR_INVALID, "task: %s: bad count '%s'", kv, v);
            else if (kv[0] == 's') t->steps = l;
            else t->grade_every = l;
        } else if (!strcmp(kv, "seed")) {
            char *end;
            unsigned long long u = strtoull(v, &end, 10);
            if (*end || !isdigit((unsigned char)v[0])) st = aion_err_set(err, AION_ERR_INVALID, "task: bad seed '%s'", v);
            else t->seed = (uint64_t)u;
        } else if (!strcmp(kv, "ensemble")) {
            if (!strcmp(v, "nvt")) t->npt = 0;
            else if (!strcmp(v, "npt")) t->npt = 1;
            else st = aion_err_set(err, AION_ERR_INVALID, "task: ensemble is nvt or npt, not '%s'", v);
        } else if (!strcmp(kv, "T")) {
            st = parse_temps(t, v, err);
        } else if (!strcmp(kv, "density") || !strcmp(kv, "press") || !strcmp(kv, "dt") || !strcmp(kv, "tau")) {
            if (aion_parse_double(v, &d)) st = aion_err_set(err, AION_ERR_INVALID, "task: %s: bad number '%s'", kv, v);
            else if (kv[0] == 'd' && kv[1] == 'e') t->density_gcc = d;
            else if (kv[0] == 'p') t->press_GPa = d;
            else if (kv[0] == 'd') t->dt_fs = d;
            else t->tau_t_fs = d;
        } else {
            st = aion_err_set(err, AION_ERR_INVALID,
                              "task: unknown key '%s' (start, frame, random, atoms, density, ensemble, press, T, "
                              "steps, dt, tau, every, seed)",
                              kv);
        }
    }
    free(buf);
    if (st == AION_OK) st = check(t, err);
    return st;
}

/* Shortest of %.15g / %.17g that reads back to the same double. */
static void put_num(aion_strbuf *b, double v)
{
    char s[40];
    snprintf(s, sizeof s, "%.15g", v);
    if (strtod(s, NULL) != v) snprintf(s, sizeof s, "%.17g", v);
    aion_sb_puts(b, s);
}

void aion_learn_task_format(const aion_learn_task *t, char *buf, size_t cap)
{
    aion_strbuf b;
    aion_sb_init(&b);
    if (t->start[0]) aion_sb_printf(&b, "start=%s frame=%d", t->start, t->frame);
    else {
        aion_sb_printf(&b, "random=%s atoms=%d density=", t->composition, t->atoms);
        put_num(&b, t->density_gcc);
    }
    aion_sb_printf(&b, " ensemble=%s", t->npt ? "npt" : "nvt");
    if (t->npt) {
        aion_sb_puts(&b, " press=");
        put_num(&b, t->press_GPa);
    }
    aion_sb_puts(&b, " T=");
    for (int k = 0; k < t->n_temps; k++) {
        if (k) aion_sb_putc(&b, ':');
        put_num(&b, t->temps_K[k]);
    }
    aion_sb_printf(&b, " steps=%ld dt=", t->steps);
    put_num(&b, t->dt_fs);
    aion_sb_puts(&b, " tau=");
    put_num(&b, t->tau_t_fs);
    aion_sb_printf(&b, " every=%ld seed=%llu", t->grade_every, (unsigned long long)t->seed);
    snprintf(buf, cap, "%s", b.s && !b.oom ? b.s : "");
    aion_sb_free(&b);
}

int aion_learn_task_segments(const aion_learn_task *t, aion_segment *segs)
{
    if (t->n_temps <= 1) {
        segs[0] = (aion_segment){t->temps_K[0], t->temps_K[0], t->press_GPa, t->steps};
        return 1;
    }
    int np = t->n_temps - 1;
    long done = 0;
    for (int k = 0; k < np; k++) {
        long end = (long)((double)t->steps * (k + 1) / np + 0.5);
        if (k == np - 1) end = t->steps;
        segs[k] = (aion_segment){t->temps_K[k], t->temps_K[k + 1], t->press_GPa, end - done};
        done = end;
    }
    return np;
}

aion_status aion_learn_label_potential(void *potential, const char *workdir, aion_frame *frames, int n, int *ok,
                                       aion_error *err)
{
    aion_potential *p = potential;
    (void)workdir;
    for (int k = 0; k < n; k++) {
        aion_frame *f = &frames[k];
        aion_eval ev;
        ok[k] = 0;
        if (aion_frame_resize(f, f->n, AION_HAS_FORCES) != AION_OK)
            return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        memset(&ev, 0, sizeof ev);
        ev.forces = f->forces;
        ev.want_virial = 1;
        if (aion_potential_compute(p, f, &ev) != AION_OK || !isfinite(ev.energy)) {
            f->has &= ~(unsigned)(AION_HAS_ENERGY | AION_HAS_FORCES | AION_HAS_STRESS);
            continue; /* a failed label, not a failed loop */
        }
        f->energy = ev.energy;
        f->has |= AION_HAS_ENERGY | AION_HAS_FORCES;
        f->has &= ~(unsigned)(AION_HAS_STRESS | AION_HAS_ATOM_ENERGY);
        double V = aion_frame_volume(f);
        if ((f->has & AION_HAS_CELL) && V > 0) {
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) f->stress[a][b] = -ev.virial[a][b] / V;
            f->has |= AION_HAS_STRESS;
        }
        ok[k] = 1;
    }
    return AION_OK;
}
