/*
 * Active learning (aion learn): train -> explore (MD with the extrapolation
 * grade watched) -> select (MaxVol) -> label -> retrain, until an exploration
 * finds no configuration above gamma_select and, with the energy check on
 * (opts.audit), the potential's energies of configurations taken from the
 * MD whatever their grade agree with their labels within audit_tol: the
 * grade measures extrapolation in descriptor space, not error, and a
 * potential can run into a wrong basin at low grades (docs/learning.md).
 *
 * E. V. Podryabinkin, A. V. Shapeev, Active learning of linearly parametrized
 * interatomic potentials, Comput. Mater. Sci. 140, 171 (2017),
 * doi:10.1016/j.commatsci.2017.07.010 (grade, MaxVol selection, learning on
 * the fly: gamma_select to collect, gamma_break to stop an MD).
 *
 * Restarts: every step of iteration k writes OUT/iter-NNN/STEP.json with
 * {"hash", "status": "done", "seconds", "results"}; the hash chains the
 * inputs of the step (options, the bytes of the files it reads, the hash of
 * the step before), so a step is reused exactly when nothing it depends on
 * changed. Training writes a checkpoint (pot.mtp.ckpt) and a started marker
 * with its hash, so a killed training continues from the checkpoint. An MD
 * task that did not finish runs again from its start with the same seed.
 */
#include "aion.h"
#include "internal.h"
#include "pipeline/pipeline.h"
#include "potential/mtp.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LPATH 4400 /* file paths */
#define LDIR 3000  /* iteration folders */
#define LSUB 3100  /* task folders */

void aion_learn_opts_init(aion_learn_opts *o)
{
    memset(o, 0, sizeof *o);
    o->level = 8;
    o->cutoff = 5.0;
    o->radial_size = 8;
    o->w_energy = 1;
    o->w_force = 0.01;
    o->w_stress = 0.001;
    o->train_max_iter = 500;
    o->train_tol = 1e-3;
    o->seed = 1;
    o->gamma_select = 2;
    o->gamma_break = 10;
    o->max_select = 20;
    o->max_iter = 10;
    o->audit_tol = 30;
    o->label_id = "";
}

typedef struct lctx {
    const aion_learn_opts *o;
    const char *out;
    int stop;                 /* the callback asked to stop */
    cJSON *root, *iters;      /* learn.json */
    aion_frame *data;         /* the data set so far */
    int ndata, capdata;
    aion_frame *valid;
    int nvalid;
    int labelled, failed;
    double *dmin;             /* closest pair of each species pair in the data (ns * ns; contact_select > 0) */
} lctx;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t hash_str(uint64_t h, const char *s) { return aion_pipe_hash(h, s, strlen(s) + 1); }
static uint64_t hash_u64(uint64_t h, uint64_t v) { return aion_pipe_hash(h, &v, sizeof v); }
static uint64_t hash_dbl(uint64_t h, double v) { return aion_pipe_hash(h, &v, sizeof v); }

static int emit(lctx *x, aion_learn_event_kind kind, int iter, const char *step, long done, long total, double value,
                double secs, const char *msg)
{
    if (x->o->progress) {
        aion_learn_event ev = {kind, iter, step, done, total, value, secs, msg};
        if (x->o->progress(x->o->user, &ev)) x->stop = 1;
    }
    return x->stop;
}

static int note(lctx *x, int iter, const char *step, const char *fmt, ...) AION_PRINTF(4, 5);
static int note(lctx *x, int iter, const char *step, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return emit(x, AION_LEARN_NOTE, iter, step, 0, 0, 0, 0, msg);
}

/* ------------------------------------------------------------ files, JSON */

static aion_status write_json(const char *path, const cJSON *j, aion_error *err)
{
    char *txt = cJSON_Print(j);
    aion_status st;
    if (!txt) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    st = aion_pipe_write_atomic(path, txt, strlen(txt), err);
    free(txt);
    return st;
}

static cJSON *read_json(const char *path)
{
    char *s = aion_pipe_read_file(path, NULL);
    cJSON *j = s ? cJSON_Parse(s) : NULL;
    free(s);
    return j;
}

static void hexhash(uint64_t h, char out[20]) { snprintf(out, 20, "%016llx", (unsigned long long)h); }

/* The record of a finished step with this hash (caller deletes), else NULL. */
static cJSON *step_done_record(const char *dir, const char *name, uint64_t hash)
{
    char path[LPATH], hx[20];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    cJSON *j = read_json(path);
    if (!j) return NULL;
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "hash"), *s = cJSON_GetObjectItemCaseSensitive(j, "status");
    hexhash(hash, hx);
    if (cJSON_IsString(h) && !strcmp(h->valuestring, hx) && cJSON_IsString(s) && !strcmp(s->valuestring, "done"))
        return j;
    cJSON_Delete(j);
    return NULL;
}

/* 1 if a record exists for this step (done or not) with another hash. */
static int step_changed(const char *dir, const char *name)
{
    char path[LPATH];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    return access(path, F_OK) == 0;
}

/* Write the step record (takes ownership of results). */
static aion_status step_finish(const char *dir, const char *name, uint64_t hash, double secs, cJSON *results,
                               aion_error *err)
{
    char path[LPATH], hx[20];
    cJSON *j = cJSON_CreateObject();
    aion_status st;
    hexhash(hash, hx);
    if (!j) {
        cJSON_Delete(results);
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    }
    cJSON_AddStringToObject(j, "step", name);
    cJSON_AddStringToObject(j, "hash", hx);
    cJSON_AddStringToObject(j, "status", "done");
    cJSON_AddNumberToObject(j, "seconds", secs);
    cJSON_AddItemToObject(j, "results", results ? results : cJSON_CreateObject());
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    st = write_json(path, j, err);
    cJSON_Delete(j);
    return st;
}

static aion_status write_frames(const char *path, const aion_frame *f, int n, aion_error *err)
{
    aion_writer *w = NULL;
    aion_write_opts wo;
    aion_status st;
    aion_write_opts_init(&wo);
    wo.format = AION_FMT_EXTXYZ;
    wo.precision = 17;
    if ((st = aion_writer_open(&w, path, &wo, err)) != AION_OK) return st;
    for (int k = 0; k < n; k++)
        if ((st = aion_writer_write(w, &f[k])) != AION_OK) {
            aion_err_set(err, st, "%s", aion_writer_errmsg(w));
            aion_writer_abort(w);
            return st;
        }
    return aion_writer_close(w, err);
}

/* Read every frame (an empty file is zero frames). */
static aion_status read_frames(const char *path, aion_frame **f, int *n, aion_error *err)
{
    struct stat sb;
    *f = NULL;
    *n = 0;
    if (stat(path, &sb) == 0 && sb.st_size == 0) return AION_OK;
    return aion_read_all(path, NULL, f, n, err);
}

static aion_status copy_file(const char *from, const char *to, aion_error *err)
{
    size_t len;
    char *s = aion_pipe_read_file(from, &len);
    aion_status st;
    if (!s) return aion_err_set(err, AION_ERR_IO, "%s: cannot read: %s", from, strerror(errno));
    st = aion_pipe_write_atomic(to, s, len, err);
    free(s);
    return st;
}

static void als_path_of(const char *mtp, char *als, size_t cap)
{
    size_t L = strlen(mtp);
    snprintf(als, cap, "%.*s.als", (int)(L > 4 && !strcmp(mtp + L - 4, ".mtp") ? L - 4 : L), mtp);
}

static aion_status learn_json_write(lctx *x, cJSON *cur, const char *status, aion_error *err)
{
    char path[LPATH];
    aion_status st;
    cJSON_ReplaceItemInObjectCaseSensitive(x->root, "status", cJSON_CreateString(status));
    cJSON_ReplaceItemInObjectCaseSensitive(x->root, "dataset_size", cJSON_CreateNumber(x->ndata));
    if (cur) cJSON_AddItemReferenceToArray(x->iters, cur);
    snprintf(path, sizeof path, "%s/learn.json", x->out);
    st = write_json(path, x->root, err);
    if (cur) cJSON_DeleteItemFromArray(x->iters, cJSON_GetArraySize(x->iters) - 1);
    return st;
}

/* ------------------------------------------------------------ data set */

static aion_status data_append(lctx *x, aion_frame *f, int n, aion_error *err)
{
    if (x->ndata + n > x->capdata) {
        int cap = AION_MAX(x->capdata * 2, x->ndata + n);
        aion_frame *d = aion_realloc_array(x->data, (size_t)cap, sizeof *d);
        if (!d) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        x->data = d;
        x->capdata = cap;
    }
    /* frames are moved: the caller frees only the array */
    memcpy(x->data + x->ndata, f, (size_t)n * sizeof *f);
    x->ndata += n;
    return AION_OK;
}

/* Predictions of p for frames (energy, forces, stress for cells with reference stress). */
static aion_status predict(aion_potential *p, const aion_frame *ref, int n, aion_frame **out, aion_error *err)
{
    aion_frame *pr = aion_calloc((size_t)(n ? n : 1), sizeof *pr);
    if (!pr) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    for (int k = 0; k < n; k++) aion_frame_init(&pr[k]);
    for (int k = 0; k < n; k++) {
        aion_eval ev;
        if (aion_frame_copy(&pr[k], &ref[k]) || aion_frame_resize(&pr[k], ref[k].n, AION_HAS_FORCES | AION_HAS_ENERGY)) {
            aion_frames_free(pr, n);
            return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        }
        memset(&ev, 0, sizeof ev);
        ev.forces = pr[k].forces;
        ev.want_virial = 1;
        if (aion_potential_compute(p, &pr[k], &ev) != AION_OK) {
            aion_err_set(err, AION_ERR_NUMERIC, "prediction: %s", aion_potential_errmsg(p));
            aion_frames_free(pr, n);
            return AION_ERR_NUMERIC;
        }
        pr[k].energy = ev.energy;
        double V = aion_frame_volume(&pr[k]);
        pr[k].has &= ~(unsigned)AION_HAS_STRESS;
        if (V > 0 && (ref[k].has & AION_HAS_STRESS)) {
            pr[k].has |= AION_HAS_STRESS;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) pr[k].stress[a][b] = -ev.virial[a][b] / V;
        }
    }
    *out = pr;
    return AION_OK;
}

static cJSON *errors_json(const aion_frame *ref, const aion_frame *pred, int n)
{
    aion_fit_errors e;
    cJSON *j = cJSON_CreateObject();
    aion_fit_errors_compute(ref, pred, n, NULL, 0, &e);
    cJSON_AddNumberToObject(j, "configs", (double)e.n_e);
    if (e.n_e) {
        cJSON_AddNumberToObject(j, "energy_rmse_meV_atom", 1e3 * e.rmse_e);
        cJSON_AddNumberToObject(j, "energy_mae_meV_atom", 1e3 * e.mae_e);
    }
    if (e.n_f) {
        cJSON_AddNumberToObject(j, "force_rmse_meV_A", 1e3 * e.rmse_f);
        cJSON_AddNumberToObject(j, "force_mae_meV_A", 1e3 * e.mae_f);
    }
    if (e.n_s) cJSON_AddNumberToObject(j, "stress_rmse_GPa", AION_EV_A3_TO_GPA * e.rmse_s);
    return j;
}

static aion_status make_mtp(lctx *x, const char *path, aion_potential **p, aion_error *err)
{
    aion_potential_opts po;
    aion_potential_opts_init(&po);
    po.species_z = x->o->species_z;
    po.n_species_z = x->o->n_species;
    po.nthreads = x->o->nthreads;
    return aion_potential_create(p, path, &po, err);
}

/* ------------------------------------------------------------ train */

typedef struct train_cb {
    lctx *x;
    int iter;
} train_cb;

static int train_progress(void *user, const aion_train_iter *it)
{
    train_cb *c = user;
    return emit(c->x, AION_LEARN_PROGRESS, c->iter, "train", it->iter, c->x->o->train_max_iter, it->loss, it->wall_s,
                NULL);
}

static aion_status step_train(lctx *x, int iter, const char *dir, const char *init, uint64_t hash, cJSON **res_out,
                              aion_error *err)
{
    const aion_learn_opts *o = x->o;
    char pot[LPATH], als[LPATH], ckpt[LPATH], started[LPATH], hx[20], msg[LPATH + 200];
    aion_train_opts to;
    aion_mtp_trainer *tr = NULL;
    aion_potential *p = NULL;
    aion_frame *pd = NULL, *pv = NULL;
    aion_status st;
    double t0 = now_s();
    cJSON *res = NULL;
    train_cb cb = {x, iter};

    snprintf(pot, sizeof pot, "%s/pot.mtp", dir);
    als_path_of(pot, als, sizeof als);
    snprintf(ckpt, sizeof ckpt, "%s/pot.mtp.ckpt", dir);
    snprintf(started, sizeof started, "%s/train.started", dir);
    hexhash(hash, hx);
    int resume = 0;
    {
        char *s = aion_pipe_read_file(started, NULL);
        resume = s && !strncmp(s, hx, 16) && access(ckpt, R_OK) == 0;
        free(s);
    }
    if (!resume) {
        remove(ckpt);
        if ((st = aion_pipe_write_atomic(started, hx, 16, err)) != AION_OK) return st;
    }
    /* the ZBL baseline option applies to the first training; later ones start from the previous
     * iteration's potential and keep the baseline it carries */
    const int zbl_mode = iter == 1 ? o->zbl_mode : 0;
    char zmsg[128] = "";
    if (zbl_mode > 0) snprintf(zmsg, sizeof zmsg, ", new ZBL baseline %g..%g A", o->zbl_inner, o->zbl_outer);
    else if (zbl_mode < 0) snprintf(zmsg, sizeof zmsg, ", no ZBL baseline");
    if (iter == 1 && o->qeq_params) {
        size_t zl = strlen(zmsg);
        if (strcmp(o->qeq_params, "none") == 0)
            snprintf(zmsg + zl, sizeof zmsg - zl, ", no charge equilibration");
        else
            snprintf(zmsg + zl, sizeof zmsg - zl, ", charge equilibration from %.60s", o->qeq_params);
    }
    snprintf(msg, sizeof msg, "%s on %d configurations%s%s%s",
             resume ? "continuing from the checkpoint" : "training", x->ndata, init ? ", starting from " : "",
             init ? init : "", zmsg);
    emit(x, AION_LEARN_STEP_START, iter, "train", 0, 0, 0, 0, msg);

    aion_train_opts_init(&to);
    to.level = o->level;
    to.cutoff = o->cutoff;
    to.min_dist = o->min_dist;
    to.radial_size = o->radial_size;
    to.species_z = o->species_z;
    to.n_species = o->n_species;
    to.init_path = init;
    to.w_energy = o->w_energy;
    to.w_force = o->w_force;
    to.w_stress = o->w_stress;
    to.max_iter = o->train_max_iter;
    to.tol = o->train_tol;
    to.seed = o->seed;
    to.zbl_mode = zbl_mode;
    to.zbl_inner = o->zbl_inner;
    to.zbl_outer = o->zbl_outer;
    to.qeq_params = iter == 1 ? o->qeq_params : NULL;
    to.nthreads = o->nthreads;
    to.checkpoint = ckpt;
    to.snapshot = pot;
    to.restart = resume;
    to.progress = train_progress;
    to.user = &cb;
    if ((st = aion_mtp_trainer_create(&tr, x->data, x->ndata, x->valid, x->nvalid, &to, err)) != AION_OK) goto done;
    st = aion_mtp_trainer_run(tr, err);
    if (st == AION_EOF) goto done; /* stopped: the checkpoint is written */
    if (st != AION_OK) goto done;
    if ((st = aion_mtp_trainer_write(tr, pot, err)) != AION_OK) goto done;
    {
        aion_mtp_grade_opts go;
        aion_mtp_grade_opts_init(&go);
        go.nthreads = o->nthreads;
        if ((st = aion_mtp_active_set_build(pot, o->species_z, o->n_species, x->data, x->ndata, als, &go, err)) !=
            AION_OK)
            goto done;
    }
    /* errors with the production evaluator */
    if ((st = make_mtp(x, pot, &p, err)) != AION_OK) goto done;
    if ((st = predict(p, x->data, x->ndata, &pd, err)) != AION_OK) goto done;
    if (x->nvalid && (st = predict(p, x->valid, x->nvalid, &pv, err)) != AION_OK) goto done;
    res = cJSON_CreateObject();
    cJSON_AddNumberToObject(res, "dataset_size", x->ndata);
    {
        long atoms = 0;
        for (int k = 0; k < x->ndata; k++) atoms += x->data[k].n;
        cJSON_AddNumberToObject(res, "dataset_atoms", (double)atoms);
    }
    cJSON_AddStringToObject(res, "init", init ? init : "");
    {
        /* the baseline the trained potential carries (errors below are those of ZBL + MTP) */
        mtp_model m;
        mtp_model_init(&m);
        if ((st = mtp_model_read(pot, &m, err)) != AION_OK) goto done;
        if (m.has_zbl) {
            cJSON *z = cJSON_AddObjectToObject(res, "zbl");
            cJSON_AddNumberToObject(z, "inner_A", m.zbl_inner);
            cJSON_AddNumberToObject(z, "outer_A", m.zbl_outer);
            snprintf(zmsg, sizeof zmsg, ", ZBL baseline %g..%g A", m.zbl_inner, m.zbl_outer);
        } else {
            zmsg[0] = '\0';
        }
        mtp_model_free(&m);
    }
    {
        const aion_train_iter *h;
        int nh = aion_mtp_trainer_history(tr, &h);
        if (nh) {
            cJSON_AddNumberToObject(res, "lbfgs_iterations", h[nh - 1].iter);
            cJSON_AddNumberToObject(res, "loss", h[nh - 1].loss);
            cJSON_AddNumberToObject(res, "train_wall_s", h[nh - 1].wall_s);
        }
    }
    cJSON_AddItemToObject(res, "train_errors", errors_json(x->data, pd, x->ndata));
    if (x->nvalid) cJSON_AddItemToObject(res, "valid_errors", errors_json(x->valid, pv, x->nvalid));
    {
        aion_mtp_grade *g = NULL;
        if (aion_mtp_grade_create(&g, pot, als, o->species_z, o->n_species, o->nthreads, err) == AION_OK)
            cJSON_AddNumberToObject(res, "active_set_rank", aion_mtp_grade_rank(g));
        aion_mtp_grade_free(g);
    }
    *res_out = cJSON_Duplicate(res, 1);
    st = step_finish(dir, "train", hash, now_s() - t0, res, err);
    res = NULL;
    if (st == AION_OK) {
        const cJSON *te = cJSON_GetObjectItemCaseSensitive(*res_out, "train_errors");
        const cJSON *ef = cJSON_GetObjectItemCaseSensitive(te, "force_rmse_meV_A");
        const cJSON *ee = cJSON_GetObjectItemCaseSensitive(te, "energy_rmse_meV_atom");
        snprintf(msg, sizeof msg, "training RMSE: energy %.2f meV/atom, forces %.1f meV/A (%d configurations%s)",
                 cJSON_IsNumber(ee) ? ee->valuedouble : NAN, cJSON_IsNumber(ef) ? ef->valuedouble : NAN, x->ndata,
                 zmsg);
        emit(x, AION_LEARN_STEP_DONE, iter, "train", 0, 0, 0, now_s() - t0, msg);
        remove(ckpt);
        remove(started);
    }
done:
    cJSON_Delete(res);
    if (pd) aion_frames_free(pd, x->ndata);
    if (pv) aion_frames_free(pv, x->nvalid);
    aion_potential_free(p);
    aion_mtp_trainer_free(tr);
    return st;
}

/* ------------------------------------------------------------ explore */

typedef struct md_cb {
    lctx *x;
    int iter, task;
    const char *name;
    aion_md *md;
    aion_mtp_grade *g;
    FILE *csv;
    double gmax, select, brk;
    long gmax_step;
    int broke, user_stop, grade_failed;
    aion_frame *cand;
    int ncand, capcand;
    aion_frame *aud;          /* audit frames (kept whatever their grade) */
    int naud, capaud, n_audit;
    /* close contacts (contact_select > 0) */
    aion_contact *guard;      /* the data's closest pairs x contact_select (NULL: off) */
    int touched;              /* a contact stopped the task */
    double cratio;            /* its d / d_data */
    char cdesc[96];
    aion_frame *con;
    int ncon, capcon;
    long steps;
    aion_error gerr;
} md_cb;

/* Append a copy of the MD's frame, tagged with where it came from. */
static int keep_frame(md_cb *c, aion_frame **list, int *n, int *cap, const aion_frame *f, long step, double g, double T)
{
    if (*n == *cap) {
        int nc = *cap ? 2 * *cap : 16;
        aion_frame *d = aion_realloc_array(*list, (size_t)nc, sizeof *d);
        if (!d) goto nomem;
        *list = d;
        *cap = nc;
    }
    aion_frame *cf = &(*list)[*n];
    char buf[64];
    aion_frame_init(cf);
    if (aion_frame_copy(cf, f) != AION_OK) goto nomem;
    (*n)++;
    aion_frame_strip(cf, AION_HAS_CELL, NULL, 0);
    aion_frame_wrap(cf);
    snprintf(buf, sizeof buf, "%d", c->iter);
    aion_frame_info_set(cf, "al_iter", buf);
    aion_frame_info_set(cf, "al_task", c->name);
    snprintf(buf, sizeof buf, "%ld", step);
    aion_frame_info_set(cf, "al_step", buf);
    snprintf(buf, sizeof buf, "%.6g", g);
    aion_frame_info_set(cf, "al_grade", buf);
    snprintf(buf, sizeof buf, "%.2f", T);
    aion_frame_info_set(cf, "al_T_K", buf);
    return 0;
nomem:
    aion_err_set(&c->gerr, AION_ERR_NOMEM, "out of memory");
    c->grade_failed = 1;
    return 1;
}

static int md_grade(md_cb *c, long step, double T)
{
    const aion_frame *f = aion_md_frame(c->md);
    double g;
    int worst = -1;
    if (!f || aion_mtp_grade_compute(c->g, f, &g, NULL, &worst) != AION_OK) {
        aion_err_set(&c->gerr, AION_ERR_NUMERIC, "grade at step %ld: %s", step, aion_mtp_grade_errmsg(c->g));
        c->grade_failed = 1;
        return 1;
    }
    double qmin = INFINITY;
    int hit = 0;
    char cdesc[sizeof c->cdesc];
    if (c->guard) {
        if (aion_contact_check(c->guard, f, &qmin, &hit, cdesc, sizeof cdesc, &c->gerr) != AION_OK) {
            c->grade_failed = 1;
            return 1;
        }
        fprintf(c->csv, "%ld,%.3f,%.6g,%d,%.6g\n", step, T, g, worst, isfinite(qmin) ? qmin : -1.0);
    } else {
        fprintf(c->csv, "%ld,%.3f,%.6g,%d\n", step, T, g, worst);
    }
    if (g > c->gmax || step == 0) {
        c->gmax = g;
        c->gmax_step = step;
    }
    if (g > c->select && keep_frame(c, &c->cand, &c->ncand, &c->capcand, f, step, g, T))
        return 1;
    /* audit frames: at steps j * steps / n_audit, j = 1..n_audit (the last step included) */
    if (c->naud < c->n_audit && step > 0 && step >= (long)floor((double)(c->naud + 1) * (double)c->steps / c->n_audit + 0.5)) {
        if (keep_frame(c, &c->aud, &c->naud, &c->capaud, f, step, g, T)) return 1;
        aion_frame_info_set(&c->aud[c->naud - 1], "al_audit", "1");
    }
    if (g > c->brk) {
        c->broke = 1;
        return 1;
    }
    if (hit) {
        if (keep_frame(c, &c->con, &c->ncon, &c->capcon, f, step, g, T)) return 1;
        snprintf(c->cdesc, sizeof c->cdesc, "%s", cdesc);
        aion_frame_info_set(&c->con[c->ncon - 1], "al_contact", c->cdesc);
        c->touched = 1;
        c->cratio = qmin;
        return 1;
    }
    return 0;
}

static int md_progress(void *user, long done, long total, const aion_thermo *t)
{
    md_cb *c = user;
    if (md_grade(c, done, t ? t->temp_K : 0)) return 1;
    if (emit(c->x, AION_LEARN_PROGRESS, c->iter, c->name, done, total, c->gmax, 0, NULL)) {
        c->user_stop = 1;
        return 1;
    }
    return 0;
}

/* The start configuration of a task. */
static aion_status task_start(const aion_learn_task *t, uint64_t seed, aion_frame *f, aion_error *err)
{
    aion_status st;
    if (t->start[0]) {
        aion_frame *fr = NULL;
        int nf = 0;
        if ((st = aion_read_all(t->start, NULL, &fr, &nf, err)) != AION_OK) return st;
        int k = t->frame < 0 ? nf + t->frame : t->frame;
        if (k < 0 || k >= nf) {
            aion_frames_free(fr, nf);
            return aion_err_set(err, AION_ERR_INVALID, "%s: has %d frames, no frame %d", t->start, nf, t->frame);
        }
        st = aion_frame_copy(f, &fr[k]);
        aion_frames_free(fr, nf);
        if (st != AION_OK) return aion_err_set(err, st, "out of memory");
        aion_frame_strip(f, AION_HAS_CELL | AION_HAS_MASS, NULL, 0);
        return AION_OK;
    }
    int z[32], cnt[32], ns;
    double amt[32], per = 0;
    if ((st = aion_parse_formula(t->composition, z, amt, 32, &ns, err)) != AION_OK) return st;
    for (int k = 0; k < ns; k++) per += amt[k];
    double units = floor(t->atoms / per + 0.5);
    if (units < 1) units = 1;
    for (int k = 0; k < ns; k++) {
        cnt[k] = (int)floor(amt[k] * units + 0.5);
        if (fabs(amt[k] * units - cnt[k]) > 1e-6)
            return aion_err_set(err, AION_ERR_INVALID, "task random=%s: %g formula units do not give whole atoms",
                                t->composition, units);
    }
    return aion_random_structure(f, z, cnt, ns, t->density_gcc, NULL, seed, err);
}

static aion_status step_task(lctx *x, int iter, const char *dir, int ti, const char *pot, const char *als,
                             uint64_t hash, cJSON **res_out, aion_error *err)
{
    const aion_learn_opts *o = x->o;
    const aion_learn_task *t = &o->tasks[ti];
    char name[32], tdir[LSUB], path[LPATH], msg[512];
    md_cb c;
    aion_frame start;
    aion_potential *p = NULL;
    aion_md *md = NULL;
    aion_md_opts mo;
    aion_segment segs[AION_LEARN_MAX_TEMPS];
    aion_run_opts ro;
    aion_status st, rst;
    double t0 = now_s();
    cJSON *res = NULL;
    uint64_t seed = aion_splitmix64(t->seed ^ aion_splitmix64((uint64_t)iter * 1000003ULL + (uint64_t)ti));

    snprintf(name, sizeof name, "md-%02d", ti + 1);
    snprintf(tdir, sizeof tdir, "%s/%s", dir, name);
    memset(&c, 0, sizeof c);
    aion_frame_init(&start);
    if (aion_mkdirs(tdir)) return aion_err_set(err, AION_ERR_IO, "%s: cannot create: %s", tdir, strerror(errno));
    aion_learn_task_format(t, msg, sizeof msg);
    emit(x, AION_LEARN_STEP_START, iter, name, 0, t->steps, 0, 0, msg);
    if ((st = task_start(t, seed, &start, err)) != AION_OK) goto done;
    for (int k = 0; k < start.n; k++) {
        int ok = 0;
        for (int s = 0; s < o->n_species; s++) ok |= start.z[k] == o->species_z[s];
        if (!ok) {
            st = aion_err_set(err, AION_ERR_INVALID, "task %d: element %s of the start structure is not a species",
                              ti + 1, aion_element_symbol(start.z[k]));
            goto done;
        }
    }
    if ((st = make_mtp(x, pot, &p, err)) != AION_OK) goto done;
    if ((st = aion_mtp_grade_create(&c.g, pot, als, o->species_z, o->n_species, o->nthreads, err)) != AION_OK)
        goto done;
    aion_md_opts_init(&mo);
    mo.ensemble = t->npt ? AION_NPT_CSVR : AION_NVT_CSVR;
    mo.dt_fs = t->dt_fs;
    mo.temp_K = t->temps_K[0];
    mo.tau_t_fs = t->tau_t_fs;
    mo.press_GPa = t->press_GPa;
    mo.seed = seed;
    if ((st = aion_md_create(&md, &start, p, &mo, err)) != AION_OK) goto done;
    if ((st = aion_md_init_velocities(md, t->temps_K[0])) != AION_OK) {
        aion_err_set(err, st, "%s", aion_md_errmsg(md));
        goto done;
    }
    snprintf(path, sizeof path, "%s/grade.csv", tdir);
    if (!(c.csv = fopen(path, "w"))) {
        st = aion_err_set(err, AION_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
        goto done;
    }
    fputs(o->contact_select > 0 ? "step,T_K,grade,worst_atom,contact_ratio\n" : "step,T_K,grade,worst_atom\n", c.csv);
    if (o->contact_select > 0 &&
        (st = aion_contact_create(&c.guard, o->species_z, o->n_species, x->dmin, o->cutoff, o->contact_select, err)) != AION_OK)
        goto done;
    c.x = x;
    c.iter = iter;
    c.task = ti;
    c.name = name;
    c.md = md;
    c.select = o->gamma_select;
    c.brk = o->gamma_break;
    c.n_audit = o->audit;
    c.steps = t->steps;
    int nseg = aion_learn_task_segments(t, segs);
    char thermo[LPATH];
    snprintf(thermo, sizeof thermo, "%s/thermo.csv", tdir);
    memset(&ro, 0, sizeof ro);
    ro.thermo_csv = thermo;
    ro.thermo_every = t->grade_every;
    ro.progress = md_progress;
    ro.user = &c;
    ro.progress_every = t->grade_every;
    /* no temperature guard here: the grade is this loop's guard (gamma_break), and a task must end
     * through it so that the configurations it reached are recorded as candidates; a blown-up run
     * reaches grades far above gamma_break within grade_every steps (tests/cli/learn.sh) */
    ro.max_temp_ratio = -1;
    rst = AION_OK;
    if (!md_grade(&c, 0, t->temps_K[0])) rst = aion_md_run(md, segs, nseg, &ro, err);
    fclose(c.csv);
    c.csv = NULL;
    if (c.grade_failed) {
        st = aion_err_copy(err, &c.gerr);
        goto done;
    }
    if (c.user_stop) {
        st = AION_EOF;
        goto done;
    }
    res = cJSON_CreateObject();
    if (rst != AION_OK && rst != AION_EOF) {
        if (rst == AION_ERR_IO || rst == AION_ERR_NOMEM) {
            st = rst;
            goto done;
        }
        /* the dynamics failed (e.g. atoms thrown apart by an extrapolating
         * potential): keep what was found, say so */
        cJSON_AddStringToObject(res, "error", err ? err->msg : "MD failed");
        note(x, iter, name, "MD failed at step %ld: %s (candidates so far kept)", aion_md_step_count(md),
             err ? err->msg : "");
    }
    snprintf(path, sizeof path, "%s/candidates.xyz", tdir);
    if ((st = write_frames(path, c.cand, c.ncand, err)) != AION_OK) goto done;
    if (o->audit > 0) {
        snprintf(path, sizeof path, "%s/audit.xyz", tdir);
        if ((st = write_frames(path, c.aud, c.naud, err)) != AION_OK) goto done;
    }
    if (o->contact_select > 0) {
        snprintf(path, sizeof path, "%s/contacts.xyz", tdir);
        if ((st = write_frames(path, c.con, c.ncon, err)) != AION_OK) goto done;
    }
    aion_learn_task_format(t, msg, sizeof msg);
    cJSON_AddStringToObject(res, "task", msg);
    cJSON_AddNumberToObject(res, "seed", (double)(seed >> 11)); /* informative (53 bits) */
    cJSON_AddNumberToObject(res, "steps", (double)t->steps);
    cJSON_AddNumberToObject(res, "steps_run", (double)aion_md_step_count(md));
    cJSON_AddBoolToObject(res, "stopped_early", c.broke || c.touched || rst != AION_OK);
    if (o->contact_select > 0) {
        cJSON_AddNumberToObject(res, "contacts", c.ncon);
        if (c.touched) {
            cJSON_AddStringToObject(res, "contact", c.cdesc);
            cJSON_AddNumberToObject(res, "contact_ratio", c.cratio);
            note(x, iter, name, "stopped at step %ld: close contact %s, %.2f of the data's closest pair",
                 aion_md_step_count(md), c.cdesc, c.cratio);
        }
    }
    cJSON_AddNumberToObject(res, "max_grade", c.gmax);
    cJSON_AddNumberToObject(res, "max_grade_step", (double)c.gmax_step);
    cJSON_AddNumberToObject(res, "candidates", c.ncand);
    if (o->audit > 0) cJSON_AddNumberToObject(res, "audit", c.naud);
    cJSON_AddNumberToObject(res, "atoms", start.n);
    *res_out = cJSON_Duplicate(res, 1);
    snprintf(msg, sizeof msg, "%ld of %ld steps, max grade %.3g%s, %d candidates", aion_md_step_count(md), t->steps,
             c.gmax, c.broke ? " (stopped: above gamma_break)" : c.touched ? " (stopped: close contact)" : "", c.ncand);
    st = step_finish(dir, name, hash, now_s() - t0, res, err);
    res = NULL;
    if (st == AION_OK) emit(x, AION_LEARN_STEP_DONE, iter, name, 0, 0, c.gmax, now_s() - t0, msg);
done:
    if (c.csv) fclose(c.csv);
    cJSON_Delete(res);
    if (c.cand) aion_frames_free(c.cand, c.ncand);
    if (c.aud) aion_frames_free(c.aud, c.naud);
    if (c.con) aion_frames_free(c.con, c.ncon);
    aion_contact_free(c.guard);
    aion_mtp_grade_free(c.g);
    aion_md_free(md);
    aion_potential_free(p);
    aion_frame_free(&start);
    return st;
}

/* ------------------------------------------------------------ select, label */

/* Read the frames of FILE in every task folder of this iteration into one array. */
static aion_status read_task_frames(lctx *x, const char *dir, const char *file, aion_frame **out, int *nout,
                                    aion_error *err)
{
    aion_frame *pool = NULL;
    int npool = 0;
    char path[LPATH];
    aion_status st = AION_OK;
    for (int ti = 0; ti < x->o->n_tasks; ti++) {
        aion_frame *f = NULL;
        int nf = 0;
        snprintf(path, sizeof path, "%s/md-%02d/%s", dir, ti + 1, file);
        if ((st = read_frames(path, &f, &nf, err)) != AION_OK) break;
        aion_frame *d = aion_realloc_array(pool, (size_t)(npool + nf + 1), sizeof *d);
        if (!d) {
            aion_frames_free(f, nf);
            st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
            break;
        }
        pool = d;
        if (nf) memcpy(pool + npool, f, (size_t)nf * sizeof *f);
        npool += nf;
        free(f);
    }
    if (st != AION_OK && pool) {
        aion_frames_free(pool, npool);
        pool = NULL;
        npool = 0;
    }
    *out = pool;
    *nout = npool;
    return st;
}

static int same_origin(const aion_frame *a, const aion_frame *b)
{
    const char *ta = aion_frame_info_get(a, "al_task"), *tb = aion_frame_info_get(b, "al_task");
    const char *sa = aion_frame_info_get(a, "al_step"), *sb = aion_frame_info_get(b, "al_step");
    return ta && tb && sa && sb && !strcmp(ta, tb) && !strcmp(sa, sb);
}

/* Append the frames f[0..n) to the selection ref[0..*nref) whatever their
 * grade; one that is selected already (same task and step) is labelled once
 * and gets f's info `key` (al_contact, al_audit) instead. */
static void add_forced(aion_frame **ref, int *nref, aion_frame *f, int n, const char *key)
{
    for (int a = 0; a < n; a++) {
        int dup = -1;
        for (int k = 0; k < *nref && dup < 0; k++)
            if (same_origin(&f[a], ref[k])) dup = k;
        if (dup >= 0) aion_frame_info_set(ref[dup], key, aion_frame_info_get(&f[a], key));
        else ref[(*nref)++] = &f[a];
    }
}

/* MaxVol picks among the candidates (if pick), then the audit frames that
 * are not picked already. */
static aion_status step_select(lctx *x, int iter, const char *dir, const char *pot, const char *als, int pick,
                               uint64_t hash, cJSON **res_out, aion_error *err)
{
    const aion_learn_opts *o = x->o;
    aion_frame *pool = NULL, *sel = NULL, *aud = NULL, *con = NULL, **ref = NULL;
    int npool = 0, naud = 0, ncon = 0, nsel, *picked = NULL, np = 0;
    double *gam = NULL, t0 = now_s();
    aion_mtp_grade *g = NULL;
    aion_status st = AION_OK;
    char path[LPATH], msg[256];
    emit(x, AION_LEARN_STEP_START, iter, "select", 0, 0, 0, 0, NULL);
    if ((st = read_task_frames(x, dir, "candidates.xyz", &pool, &npool, err)) != AION_OK) goto done;
    if (o->audit > 0 && (st = read_task_frames(x, dir, "audit.xyz", &aud, &naud, err)) != AION_OK) goto done;
    if (o->contact_select > 0 && (st = read_task_frames(x, dir, "contacts.xyz", &con, &ncon, err)) != AION_OK)
        goto done;
    picked = aion_calloc((size_t)npool + 1, sizeof *picked);
    gam = aion_calloc((size_t)npool + 1, sizeof *gam);
    sel = aion_calloc((size_t)(npool + naud + ncon) + 1, sizeof *sel);
    ref = aion_calloc((size_t)(npool + naud + ncon) + 1, sizeof *ref);
    if (!picked || !gam || !sel || !ref) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (pick && npool) {
        if ((st = aion_mtp_grade_create(&g, pot, als, o->species_z, o->n_species, o->nthreads, err)) != AION_OK)
            goto done;
        if ((st = aion_mtp_select(g, pool, npool, o->gamma_select, o->max_select, gam, picked, &np, err)) != AION_OK)
            goto done;
    }
    for (int k = 0; k < np; k++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.6g", gam[picked[k]]);
        /* the grade against the active set, before any pick */
        aion_frame_info_set(&pool[picked[k]], "al_grade", buf);
        ref[k] = &pool[picked[k]];
    }
    nsel = np;
    /* close contacts (at most one per task), then the audit frames: every one, whatever its grade */
    add_forced(ref, &nsel, con, ncon, "al_contact");
    add_forced(ref, &nsel, aud, naud, "al_audit");
    for (int k = 0; k < nsel; k++) sel[k] = *ref[k]; /* shallow: the frames stay owned by pool, con and aud */
    snprintf(path, sizeof path, "%s/selected.xyz", dir);
    if ((st = write_frames(path, sel, nsel, err)) != AION_OK) goto done;
    cJSON *res = cJSON_CreateObject();
    cJSON_AddNumberToObject(res, "candidates", npool);
    cJSON_AddNumberToObject(res, "selected", np);
    if (o->audit > 0) cJSON_AddNumberToObject(res, "audit", naud);
    if (o->contact_select > 0) cJSON_AddNumberToObject(res, "contacts", ncon);
    {
        double gmin = INFINITY, gmx = 0;
        for (int k = 0; k < np; k++) {
            gmin = AION_MIN(gmin, gam[picked[k]]);
            gmx = AION_MAX(gmx, gam[picked[k]]);
        }
        if (np) {
            cJSON_AddNumberToObject(res, "selected_min_grade", gmin);
            cJSON_AddNumberToObject(res, "selected_max_grade", gmx);
        }
    }
    *res_out = cJSON_Duplicate(res, 1);
    snprintf(msg, sizeof msg, "%d of %d candidates selected (MaxVol, at most %d)%s", np, npool, o->max_select,
             ncon ? ", and the close contacts" : "");
    if ((st = step_finish(dir, "select", hash, now_s() - t0, res, err)) == AION_OK)
        emit(x, AION_LEARN_STEP_DONE, iter, "select", 0, 0, 0, now_s() - t0, msg);
done:
    aion_mtp_grade_free(g);
    free(sel); /* frames belong to pool, con and aud */
    free(ref);
    free(picked);
    free(gam);
    if (pool) aion_frames_free(pool, npool);
    if (aud) aion_frames_free(aud, naud);
    if (con) aion_frames_free(con, ncon);
    return st;
}

static aion_status step_label(lctx *x, int iter, const char *dir, const char *pot, uint64_t hash, cJSON **res_out,
                              aion_error *err)
{
    const aion_learn_opts *o = x->o;
    char path[LPATH], wdir[LSUB], msg[256];
    aion_frame *f = NULL, *good = NULL, *pred = NULL;
    int n = 0, ngood = 0, *ok = NULL;
    aion_potential *p = NULL;
    aion_status st;
    double t0 = now_s();
    snprintf(path, sizeof path, "%s/selected.xyz", dir);
    if ((st = read_frames(path, &f, &n, err)) != AION_OK) return st;
    snprintf(wdir, sizeof wdir, "%s/label", dir);
    if (aion_mkdirs(wdir)) {
        st = aion_err_set(err, AION_ERR_IO, "%s: cannot create: %s", wdir, strerror(errno));
        goto done;
    }
    snprintf(msg, sizeof msg, "%d configurations with %s", n, o->label_id && o->label_id[0] ? o->label_id : "the labeller");
    emit(x, AION_LEARN_STEP_START, iter, "label", 0, n, 0, 0, msg);
    ok = aion_calloc((size_t)n + 1, sizeof *ok);
    good = aion_calloc((size_t)n + 1, sizeof *good);
    if (!ok || !good) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    st = o->label(o->label_user, wdir, f, n, ok, err);
    if (st == AION_EOF) {
        x->stop = 1;
        goto done;
    }
    if (st != AION_OK) goto done;
    for (int k = 0; k < n; k++) {
        if (!ok[k] || !(f[k].has & AION_HAS_ENERGY) || !(f[k].has & AION_HAS_FORCES)) {
            const char *s = aion_frame_info_get(&f[k], "al_task"), *s2 = aion_frame_info_get(&f[k], "al_step");
            note(x, iter, "label", "selected configuration %d (%s step %s) could not be labelled: skipped", k,
                 s ? s : "?", s2 ? s2 : "?");
            continue;
        }
        aion_frame_info_set(&f[k], "config_type", "active_learning");
        good[ngood++] = f[k];
    }
    snprintf(path, sizeof path, "%s/labelled.xyz", dir);
    if ((st = write_frames(path, good, ngood, err)) != AION_OK) goto done;
    cJSON *res = cJSON_CreateObject();
    cJSON_AddNumberToObject(res, "selected", n);
    cJSON_AddNumberToObject(res, "labelled", ngood);
    cJSON_AddNumberToObject(res, "failed", n - ngood);
    cJSON_AddStringToObject(res, "labeller", o->label_id ? o->label_id : "");
    /* how wrong the potential that picked them was on them */
    if (ngood) {
        if ((st = make_mtp(x, pot, &p, err)) != AION_OK) {
            cJSON_Delete(res);
            goto done;
        }
        if (predict(p, good, ngood, &pred, NULL) == AION_OK)
            cJSON_AddItemToObject(res, "errors_before", errors_json(good, pred, ngood));
        else
            pred = NULL;
    }
    if (o->audit > 0) {
        /* the energy check: the potential against the labels of the configurations taken whatever their grade */
        cJSON *a = cJSON_AddObjectToObject(res, "audit"), *fr = cJSON_AddArrayToObject(a, "frames");
        int na = 0, nfa = 0;
        double emax = 0, esum = 0, fsum = 0;
        long nfc = 0;
        for (int k = 0; k < n; k++)
            if (aion_frame_info_get(&f[k], "al_audit")) nfa++;
        for (int k = 0; k < ngood && pred; k++) {
            if (!aion_frame_info_get(&good[k], "al_audit")) continue;
            double de = 1e3 * (pred[k].energy - good[k].energy) / good[k].n;
            for (int i = 0; i < good[k].n; i++)
                for (int c = 0; c < 3; c++, nfc++) fsum += fabs(pred[k].forces[i][c] - good[k].forces[i][c]);
            cJSON *r = cJSON_CreateObject();
            const char *task = aion_frame_info_get(&good[k], "al_task"), *step = aion_frame_info_get(&good[k], "al_step");
            const char *T = aion_frame_info_get(&good[k], "al_T_K"), *g = aion_frame_info_get(&good[k], "al_grade");
            cJSON_AddStringToObject(r, "task", task ? task : "");
            cJSON_AddNumberToObject(r, "step", step ? atof(step) : -1);
            cJSON_AddNumberToObject(r, "T_K", T ? atof(T) : 0);
            cJSON_AddNumberToObject(r, "grade", g ? atof(g) : 0);
            cJSON_AddNumberToObject(r, "atoms", good[k].n);
            cJSON_AddNumberToObject(r, "energy_error_meV_atom", de);
            cJSON_AddItemToArray(fr, r);
            emax = AION_MAX(emax, fabs(de));
            esum += fabs(de);
            na++;
        }
        cJSON_AddNumberToObject(a, "labelled", na);
        cJSON_AddNumberToObject(a, "failed", nfa - na);
        if (na) {
            cJSON_AddNumberToObject(a, "energy_max_abs_meV_atom", emax);
            cJSON_AddNumberToObject(a, "energy_mae_meV_atom", esum / na);
            cJSON_AddNumberToObject(a, "force_mae_meV_A", 1e3 * fsum / (double)(nfc ? nfc : 1));
        }
    }
    *res_out = cJSON_Duplicate(res, 1);
    snprintf(msg, sizeof msg, "%d of %d labelled, %d failed", ngood, n, n - ngood);
    if ((st = step_finish(dir, "label", hash, now_s() - t0, res, err)) == AION_OK)
        emit(x, AION_LEARN_STEP_DONE, iter, "label", 0, 0, 0, now_s() - t0, msg);
done:
    if (pred) aion_frames_free(pred, ngood);
    aion_potential_free(p);
    free(good);
    free(ok);
    aion_frames_free(f, n);
    return st;
}

/* ------------------------------------------------------------ the loop */

static double num(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Reuse a finished step: its results into *res. Returns 1 if reused. */
static int reuse(lctx *x, int iter, const char *dir, const char *name, uint64_t hash, cJSON **res, double *secs)
{
    cJSON *j = step_done_record(dir, name, hash);
    if (!j) {
        if (step_changed(dir, name)) note(x, iter, name, "inputs changed or unfinished: running it (again)");
        return 0;
    }
    *res = cJSON_DetachItemFromObjectCaseSensitive(j, "results");
    if (!*res) *res = cJSON_CreateObject();
    if (secs) *secs = num(j, "seconds");
    cJSON_Delete(j);
    emit(x, AION_LEARN_STEP_SKIP, iter, name, 0, 0, 0, secs ? *secs : 0, "finished in an earlier run");
    return 1;
}

static aion_status load_seed(lctx *x, uint64_t *h, aion_error *err)
{
    const aion_learn_opts *o = x->o;
    aion_status st;
    aion_read_opts ro;
    aion_read_opts_init(&ro);
    ro.type_z = o->species_z;
    ro.n_type_z = o->n_species;
    for (int k = 0; k < o->n_seed_files; k++) {
        aion_frame *f = NULL;
        int n = 0;
        uint64_t fh = aion_pipe_file_hash(o->seed_files[k]);
        if ((st = aion_read_all(o->seed_files[k], &ro, &f, &n, err)) != AION_OK) return st;
        for (int q = 0; q < n; q++)
            if (!(f[q].has & AION_HAS_ENERGY) || !(f[q].has & AION_HAS_FORCES)) {
                aion_frames_free(f, n);
                return aion_err_set(err, AION_ERR_INVALID, "%s: frame %d has no energy or forces (the seed data must be labelled)",
                                    o->seed_files[k], q + 1);
            }
        *h = hash_u64(*h, fh);
        if ((st = data_append(x, f, n, err)) != AION_OK) {
            aion_frames_free(f, n);
            return st;
        }
        free(f);
    }
    if (o->valid_file) {
        if ((st = aion_read_all(o->valid_file, &ro, &x->valid, &x->nvalid, err)) != AION_OK) return st;
        *h = hash_u64(*h, aion_pipe_file_hash(o->valid_file));
    }
    return AION_OK;
}

/* x->dmin: the closest pair of each species pair over the whole data set (within the cutoff). */
static aion_status data_closest_pairs(lctx *x, aion_error *err)
{
    const aion_learn_opts *o = x->o;
    int ns = o->n_species;
    if (!x->dmin && !(x->dmin = aion_calloc((size_t)ns * (size_t)ns, sizeof *x->dmin)))
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    return aion_frames_closest_pairs(x->data, x->ndata, o->species_z, ns, o->cutoff, x->dmin, err);
}

static aion_status check_opts(const aion_learn_opts *o, aion_error *err)
{
    if (o->n_seed_files < 1) return aion_err_set(err, AION_ERR_INVALID, "learn: no seed data");
    if (o->n_species < 1 || !o->species_z) return aion_err_set(err, AION_ERR_INVALID, "learn: no species");
    if (o->n_tasks < 1 || !o->tasks) return aion_err_set(err, AION_ERR_INVALID, "learn: no exploration task");
    if (!o->label) return aion_err_set(err, AION_ERR_INVALID, "learn: no labeller");
    if (!(o->gamma_select >= 1) || !(o->gamma_break > o->gamma_select))
        return aion_err_set(err, AION_ERR_INVALID, "learn: need 1 <= gamma_select < gamma_break (got %g, %g)",
                            o->gamma_select, o->gamma_break);
    if (o->audit < 0 || !(o->audit_tol > 0))
        return aion_err_set(err, AION_ERR_INVALID, "learn: audit must be >= 0 and audit_tol > 0 (got %d, %g)", o->audit,
                            o->audit_tol);
    if (!(o->contact_select >= 0 && o->contact_select < 1))
        return aion_err_set(err, AION_ERR_INVALID, "learn: contact_select must be in [0, 1) (got %g)", o->contact_select);
    if (o->max_select < 1 || o->max_iter < 1 || o->train_max_iter < 0)
        return aion_err_set(err, AION_ERR_INVALID, "learn: max_select and max_iter must be >= 1");
    if (o->w_energy < 0 || o->w_force < 0 || o->w_stress < 0)
        return aion_err_set(err, AION_ERR_INVALID, "learn: weights must be >= 0");
    if (o->zbl_mode < -1 || o->zbl_mode > 1 ||
        (o->zbl_mode == 1 && !(o->zbl_inner > 0 && o->zbl_outer > o->zbl_inner && isfinite(o->zbl_outer))))
        return aion_err_set(err, AION_ERR_INVALID,
                            "learn: ZBL baseline: need zbl_mode -1, 0 or 1 and, for 1, 0 < inner < outer "
                            "(got %d, %g, %g)",
                            o->zbl_mode, o->zbl_inner, o->zbl_outer);
    for (int k = 0; k < o->n_tasks; k++) {
        char buf[1024];
        aion_learn_task t;
        aion_learn_task_format(&o->tasks[k], buf, sizeof buf);
        aion_learn_task_init(&t);
        if (aion_learn_task_parse(&t, buf, err) != AION_OK) return AION_ERR_INVALID;
    }
    return AION_OK;
}

aion_status aion_learn_run(const aion_learn_opts *o, const char *out_dir, aion_learn_summary *sum, aion_error *err)
{
    lctx x;
    aion_status st = AION_OK;
    char dir[LDIR], pot[LSUB], als[LSUB], prev_pot[LSUB], path[LPATH], path2[LPATH];
    const char *status = "running";
    double t0 = now_s();
    int iter = 0, converged = 0, have_pot = 0, audited = 0;
    double audit_max = NAN;
    cJSON *cur = NULL;
    memset(&x, 0, sizeof x);
    x.o = o;
    x.out = out_dir;
    if (sum) {
        memset(sum, 0, sizeof *sum);
        sum->audit_max_meV_atom = NAN;
    }
    if ((st = check_opts(o, err)) != AION_OK) return st;
    if (aion_mkdirs(out_dir)) return aion_err_set(err, AION_ERR_IO, "%s: cannot create: %s", out_dir, strerror(errno));

    /* chain hash: seed data, validation data, species, training options */
    uint64_t h = AION_PIPE_HASH0;
    if ((st = load_seed(&x, &h, err)) != AION_OK) goto done;
    for (int k = 0; k < o->n_species; k++) h = hash_u64(h, (uint64_t)o->species_z[k]);
    h = hash_u64(h, (uint64_t)o->level);
    h = hash_dbl(h, o->cutoff);
    h = hash_dbl(h, o->min_dist);
    h = hash_u64(h, (uint64_t)o->radial_size);
    h = hash_dbl(h, o->w_energy);
    h = hash_dbl(h, o->w_force);
    h = hash_dbl(h, o->w_stress);
    h = hash_u64(h, (uint64_t)o->train_max_iter);
    h = hash_dbl(h, o->train_tol);
    h = hash_u64(h, o->seed);
    h = hash_u64(h, o->init_mtp ? aion_pipe_file_hash(o->init_mtp) : 0);
    /* the baseline option only when given, so that directories made before it keep their hashes */
    if (o->zbl_mode > 0) h = hash_str(hash_dbl(hash_dbl(h, o->zbl_inner), o->zbl_outer), "zbl");
    else if (o->zbl_mode < 0) h = hash_str(h, "zbl none");
    if (o->qeq_params)
        h = strcmp(o->qeq_params, "none") ? hash_u64(hash_str(h, "qeq"), aion_pipe_file_hash(o->qeq_params))
                                          : hash_str(h, "qeq none");
    if (o->init_mtp && access(o->init_mtp, R_OK) != 0) {
        st = aion_err_set(err, AION_ERR_IO, "%s: cannot read the initial potential", o->init_mtp);
        goto done;
    }

    /* learn.json skeleton */
    x.root = cJSON_CreateObject();
    cJSON_AddStringToObject(x.root, "program", "aion learn");
    cJSON_AddStringToObject(x.root, "version", AION_VERSION);
    cJSON_AddStringToObject(x.root, "status", status);
    {
        cJSON *s = cJSON_AddArrayToObject(x.root, "species");
        for (int k = 0; k < o->n_species; k++)
            cJSON_AddItemToArray(s, cJSON_CreateString(aion_element_symbol(o->species_z[k])));
        cJSON *sf = cJSON_AddArrayToObject(x.root, "seed_files");
        for (int k = 0; k < o->n_seed_files; k++) cJSON_AddItemToArray(sf, cJSON_CreateString(o->seed_files[k]));
        cJSON_AddNumberToObject(x.root, "seed_size", x.ndata);
        cJSON_AddStringToObject(x.root, "valid_file", o->valid_file ? o->valid_file : "");
        cJSON_AddStringToObject(x.root, "init_mtp", o->init_mtp ? o->init_mtp : "");
        cJSON *tr = cJSON_AddObjectToObject(x.root, "training");
        cJSON_AddNumberToObject(tr, "level", o->level);
        cJSON_AddNumberToObject(tr, "cutoff_A", o->cutoff);
        cJSON_AddNumberToObject(tr, "min_dist_A", o->min_dist);
        cJSON_AddNumberToObject(tr, "radial_size", o->radial_size);
        cJSON_AddNumberToObject(tr, "w_energy", o->w_energy);
        cJSON_AddNumberToObject(tr, "w_force", o->w_force);
        cJSON_AddNumberToObject(tr, "w_stress", o->w_stress);
        cJSON_AddNumberToObject(tr, "max_iter", o->train_max_iter);
        cJSON_AddNumberToObject(tr, "tol", o->train_tol);
        cJSON_AddNumberToObject(tr, "seed", (double)o->seed);
        if (o->zbl_mode > 0) { /* the first training's new baseline (0: as init_mtp has it) */
            cJSON *z = cJSON_AddObjectToObject(tr, "zbl");
            cJSON_AddNumberToObject(z, "inner_A", o->zbl_inner);
            cJSON_AddNumberToObject(z, "outer_A", o->zbl_outer);
        } else if (o->zbl_mode < 0) {
            cJSON_AddStringToObject(tr, "zbl", "none");
        }
        if (o->qeq_params) cJSON_AddStringToObject(tr, "qeq", o->qeq_params);
        cJSON *ts = cJSON_AddArrayToObject(x.root, "tasks");
        for (int k = 0; k < o->n_tasks; k++) {
            char buf[1024];
            aion_learn_task_format(&o->tasks[k], buf, sizeof buf);
            cJSON_AddItemToArray(ts, cJSON_CreateString(buf));
        }
        cJSON_AddNumberToObject(x.root, "gamma_select", o->gamma_select);
        cJSON_AddNumberToObject(x.root, "gamma_break", o->gamma_break);
        cJSON_AddNumberToObject(x.root, "max_select", o->max_select);
        cJSON_AddNumberToObject(x.root, "max_iter", o->max_iter);
        cJSON_AddNumberToObject(x.root, "audit", o->audit);
        if (o->audit > 0) cJSON_AddNumberToObject(x.root, "audit_tol_meV_atom", o->audit_tol);
        cJSON_AddNumberToObject(x.root, "contact_select", o->contact_select);
        cJSON_AddStringToObject(x.root, "labeller", o->label_id ? o->label_id : "");
        cJSON_AddNumberToObject(x.root, "dataset_size", x.ndata);
        x.iters = cJSON_AddArrayToObject(x.root, "iterations");
    }
    if (!x.root || !x.iters) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    snprintf(path, sizeof path, "%s/dataset.xyz", out_dir);
    if ((st = write_frames(path, x.data, x.ndata, err)) != AION_OK) goto done;

    prev_pot[0] = '\0';
    for (iter = 1; iter <= o->max_iter && !x.stop; iter++) {
        cJSON *res;
        double secs;
        snprintf(dir, sizeof dir, "%s/iter-%03d", out_dir, iter);
        snprintf(pot, sizeof pot, "%s/pot.mtp", dir);
        als_path_of(pot, als, sizeof als);
        if (aion_mkdirs(dir)) {
            st = aion_err_set(err, AION_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
            goto done;
        }
        cur = cJSON_CreateObject();
        cJSON_AddNumberToObject(cur, "iter", iter);
        cJSON_AddNumberToObject(cur, "dataset_size", x.ndata);
        cJSON *wall = cJSON_AddObjectToObject(cur, "wall_s");

        /* train (warm start from the previous iteration's potential) */
        const char *init = prev_pot[0] ? prev_pot : o->init_mtp;
        uint64_t h_train = hash_str(hash_u64(h, init ? aion_pipe_file_hash(init) : 0), "train");
        res = NULL;
        secs = 0;
        if (!reuse(&x, iter, dir, "train", h_train, &res, &secs)) {
            double ts = now_s();
            st = step_train(&x, iter, dir, init, h_train, &res, err);
            secs = now_s() - ts;
            if (st == AION_EOF) x.stop = 1;
            if (st != AION_OK) goto done;
        }
        cJSON_AddItemToObject(cur, "train", res);
        cJSON_AddNumberToObject(wall, "train", secs);
        have_pot = 1;
        if (x.stop) goto stopped;
        if ((st = learn_json_write(&x, cur, status, err)) != AION_OK) goto done;

        /* explore */
        uint64_t h_exp = hash_u64(h_train, aion_pipe_file_hash(pot));
        h_exp = hash_u64(h_exp, aion_pipe_file_hash(als));
        h_exp = hash_dbl(hash_dbl(h_exp, o->gamma_select), o->gamma_break);
        if (o->audit > 0) h_exp = hash_str(hash_u64(h_exp, (uint64_t)o->audit), "audit");
        if (o->contact_select > 0) {
            /* the closest pair of each species pair in the data this iteration trained on */
            h_exp = hash_str(hash_dbl(h_exp, o->contact_select), "contact");
            if ((st = data_closest_pairs(&x, err)) != AION_OK) goto done;
            cJSON *cp = cJSON_AddObjectToObject(cur, "closest_pairs_A");
            for (int a = 0; a < o->n_species; a++)
                for (int b = a; b < o->n_species; b++) {
                    char key[16];
                    double d = x.dmin[a * o->n_species + b];
                    snprintf(key, sizeof key, "%s-%s", aion_element_symbol(o->species_z[a]),
                             aion_element_symbol(o->species_z[b]));
                    if (isfinite(d)) cJSON_AddNumberToObject(cp, key, d);
                    else cJSON_AddNullToObject(cp, key);
                }
        }
        cJSON *tasks = cJSON_AddArrayToObject(cur, "tasks");
        double exp_s = 0, gmax = 0;
        int ncand = 0, ncontact = 0;
        uint64_t h_sel = h_exp;
        for (int ti = 0; ti < o->n_tasks && !x.stop; ti++) {
            char name[32], spec[1024];
            snprintf(name, sizeof name, "md-%02d", ti + 1);
            aion_learn_task_format(&o->tasks[ti], spec, sizeof spec);
            uint64_t h_task = hash_u64(hash_str(h_exp, spec), (uint64_t)ti);
            res = NULL;
            secs = 0;
            if (!reuse(&x, iter, dir, name, h_task, &res, &secs)) {
                double ts = now_s();
                st = step_task(&x, iter, dir, ti, pot, als, h_task, &res, err);
                secs = now_s() - ts;
                if (st == AION_EOF) x.stop = 1;
                if (st != AION_OK) goto done;
            }
            cJSON_AddStringToObject(res, "name", name);
            cJSON_AddNumberToObject(res, "wall_s", secs);
            ncand += (int)num(res, "candidates");
            ncontact += (int)num(res, "contacts");
            gmax = AION_MAX(gmax, num(res, "max_grade"));
            cJSON_AddItemToArray(tasks, res);
            exp_s += secs;
            h_sel = hash_u64(h_sel, h_task);
            snprintf(path, sizeof path, "%s/%s/candidates.xyz", dir, name);
            h_sel = hash_u64(h_sel, aion_pipe_file_hash(path));
            if (o->audit > 0) {
                snprintf(path, sizeof path, "%s/%s/audit.xyz", dir, name);
                h_sel = hash_u64(h_sel, aion_pipe_file_hash(path));
            }
            if (o->contact_select > 0) {
                snprintf(path, sizeof path, "%s/%s/contacts.xyz", dir, name);
                h_sel = hash_u64(h_sel, aion_pipe_file_hash(path));
            }
        }
        if (x.stop) goto stopped;
        cJSON_AddNumberToObject(wall, "explore", exp_s);
        cJSON_AddNumberToObject(cur, "candidates", ncand);
        cJSON_AddNumberToObject(cur, "max_grade", gmax);
        if (o->contact_select > 0) cJSON_AddNumberToObject(cur, "contacts", ncontact);
        int grade_ok = ncand == 0 && ncontact == 0, last = iter == o->max_iter;
        if (o->audit <= 0) {
            converged = grade_ok;
            cJSON_AddBoolToObject(cur, "converged", converged);
            if (converged) {
                note(&x, iter, "learn", "converged: no configuration above gamma_select = %g in any task (max grade %.3g)%s",
                     o->gamma_select, gmax, o->contact_select > 0 ? " and no close contact" : "");
                status = "converged";
                cJSON_AddItemToArray(x.iters, cur);
                cur = NULL;
                break;
            }
            if (last) {
                note(&x, iter, "learn", "reached max_iter = %d without convergence (%d candidates, max grade %.3g, %d close contacts)",
                     o->max_iter, ncand, gmax, ncontact);
                status = "max_iterations";
                cJSON_AddItemToArray(x.iters, cur);
                cur = NULL;
                break;
            }
        }
        if ((st = learn_json_write(&x, cur, status, err)) != AION_OK) goto done;

        /* select: MaxVol among the candidates, plus the audit configurations; with the audit on, an
         * iteration that can be the last (no candidate, or max_iter) labels the audit only */
        int pick = !(o->audit > 0 && (grade_ok || last));
        h_sel = hash_u64(hash_u64(h_sel, (uint64_t)o->max_select), (uint64_t)pick);
        res = NULL;
        secs = 0;
        if (!reuse(&x, iter, dir, "select", h_sel, &res, &secs)) {
            double ts = now_s();
            if ((st = step_select(&x, iter, dir, pot, als, pick, h_sel, &res, err)) != AION_OK) goto done;
            secs = now_s() - ts;
        }
        cJSON_AddNumberToObject(cur, "selected", num(res, "selected"));
        cJSON_AddItemToObject(cur, "select", res);
        cJSON_AddNumberToObject(wall, "select", secs);
        if (x.stop) goto stopped;
        if ((st = learn_json_write(&x, cur, status, err)) != AION_OK) goto done;

        /* label */
        snprintf(path, sizeof path, "%s/selected.xyz", dir);
        uint64_t h_lab = hash_str(hash_u64(h_sel, aion_pipe_file_hash(path)), o->label_id ? o->label_id : "");
        res = NULL;
        secs = 0;
        if (!reuse(&x, iter, dir, "label", h_lab, &res, &secs)) {
            double ts = now_s();
            st = step_label(&x, iter, dir, pot, h_lab, &res, err);
            secs = now_s() - ts;
            if (st == AION_EOF || x.stop) {
                st = AION_EOF;
                x.stop = 1;
                goto done;
            }
            if (st != AION_OK) goto done;
        }
        int nl = (int)num(res, "labelled"), nfail = (int)num(res, "failed");
        cJSON_AddNumberToObject(cur, "labelled", nl);
        cJSON_AddNumberToObject(cur, "failed", nfail);
        cJSON_AddItemToObject(cur, "label", res);
        cJSON_AddNumberToObject(wall, "label", secs);
        x.labelled += nl;
        x.failed += nfail;
        if (o->audit > 0) {
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(res, "audit");
            int na = (int)num(a, "labelled"), nfa = (int)num(a, "failed");
            double amax = na ? num(a, "energy_max_abs_meV_atom") : NAN;
            int audit_ok = na > 0 && nfa == 0 && amax <= o->audit_tol;
            converged = grade_ok && audit_ok;
            audited = na;
            audit_max = amax;
            cJSON_AddBoolToObject(cur, "audit_ok", audit_ok);
            cJSON_AddBoolToObject(cur, "converged", converged);
            if (na)
                note(&x, iter, "learn", "energy check: %d configuration%s, largest |E_MTP - E_label| %.1f meV/atom "
                     "(tolerance %g)%s", na, na == 1 ? "" : "s", amax, o->audit_tol,
                     nfa ? " (some could not be labelled)" : "");
            else
                note(&x, iter, "learn", "energy check: no audit configuration could be labelled");
            if (converged || last) {
                if (converged)
                    note(&x, iter, "learn", "converged: no configuration above gamma_select = %g (max grade %.3g) and "
                         "the energy check passed", o->gamma_select, gmax);
                else
                    note(&x, iter, "learn", "reached max_iter = %d without convergence (%d candidates, max grade %.3g%s)",
                         o->max_iter, ncand, gmax, audit_ok ? "" : ", energy check failed");
                note(&x, iter, "learn", "the %d labels of this iteration test the final potential (iter-%03d/"
                     "labelled.xyz); they are not in the data set it was trained on", nl, iter);
                status = converged ? "converged" : "max_iterations";
                cJSON_AddItemToArray(x.iters, cur);
                cur = NULL;
                break;
            }
        }
        /* the data set grows by the labelled configurations */
        {
            aion_frame *f = NULL;
            int n = 0;
            snprintf(path, sizeof path, "%s/labelled.xyz", dir);
            if ((st = read_frames(path, &f, &n, err)) != AION_OK) goto done;
            if (n != nl) {
                aion_frames_free(f, n);
                st = aion_err_set(err, AION_ERR_INVALID, "%s: %d frames, the label record says %d", path, n, nl);
                goto done;
            }
            if ((st = data_append(&x, f, n, err)) != AION_OK) {
                aion_frames_free(f, n);
                goto done;
            }
            free(f);
            h = hash_u64(hash_u64(h_lab, aion_pipe_file_hash(path)), h);
        }
        snprintf(path, sizeof path, "%s/dataset.xyz", out_dir);
        if ((st = write_frames(path, x.data, x.ndata, err)) != AION_OK) goto done;
        cJSON_AddNumberToObject(cur, "dataset_size_after", x.ndata);
        cJSON_AddItemToArray(x.iters, cur);
        cur = NULL;
        if ((st = learn_json_write(&x, NULL, status, err)) != AION_OK) goto done;
        snprintf(prev_pot, sizeof prev_pot, "%s", pot);
        if (nl == 0) {
            note(&x, iter, "learn", "no selected configuration could be labelled: stopping (nothing new to learn)");
            status = "labelling_failed";
            break;
        }
    }
    if (x.stop) goto stopped;
    if (iter > o->max_iter) iter = o->max_iter;
    /* the final potential */
    if (have_pot && !x.stop) {
        if ((st = copy_file(pot, (snprintf(path, sizeof path, "%s/final.mtp", out_dir), path), err)) != AION_OK)
            goto done;
        if ((st = copy_file(als, (snprintf(path2, sizeof path2, "%s/final.als", out_dir), path2), err)) != AION_OK)
            goto done;
        cJSON_DeleteItemFromObjectCaseSensitive(x.root, "final_potential");
        cJSON_AddStringToObject(x.root, "final_potential", "final.mtp");
        cJSON_DeleteItemFromObjectCaseSensitive(x.root, "final_from");
        snprintf(path, sizeof path, "iter-%03d/pot.mtp", iter);
        cJSON_AddStringToObject(x.root, "final_from", path);
    }
    goto done;
stopped:
    st = AION_EOF;
done:
    if (x.root) {
        aion_error e2;
        const char *stt = x.stop ? "stopped" : st != AION_OK ? "failed" : status;
        if (st != AION_OK && st != AION_EOF && err) {
            cJSON_DeleteItemFromObjectCaseSensitive(x.root, "error");
            cJSON_AddStringToObject(x.root, "error", err->msg);
        }
        if (learn_json_write(&x, cur, stt, &e2) != AION_OK && st == AION_OK) st = aion_err_copy(err, &e2);
    }
    if (sum) {
        sum->iterations = iter > o->max_iter ? o->max_iter : iter;
        sum->converged = converged;
        sum->dataset_size = x.ndata;
        sum->labelled = x.labelled;
        sum->failed = x.failed;
        sum->audited = audited;
        sum->audit_max_meV_atom = audit_max;
        sum->seconds = now_s() - t0;
    }
    cJSON_Delete(cur);
    cJSON_Delete(x.root);
    if (x.data) aion_frames_free(x.data, x.ndata);
    if (x.valid) aion_frames_free(x.valid, x.nvalid);
    free(x.dmin);
    if (x.stop && st == AION_OK) st = AION_EOF;
    if (st == AION_EOF) aion_err_set(err, AION_EOF, "stopped; run the same command again to continue");
    return st;
}
