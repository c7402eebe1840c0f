/*
 * Pipeline runner: the stages of the main job and their restart logic.
 *
 *   quench                 random start -> FIRE -> NPT (or NVT) melt-quench; glass.xyz is the
 *                          last frame scaled to the mean volume of the final hold
 *   structure              RDFs, Qⁿ and density of the glass (frames of the final hold)
 *   npt-<T>K               NPT at T (optional); start.xyz at the mean volume of its
 *                          second half
 *   md-<T>K                NVT equilibration + production (trajectory)
 *   transport-<T>K         MSD, D*, D_σ, Haven ratio, σ (GLS fits, src/analysis)
 *   report                 Arrhenius fit, report.html, summary.json (always rewritten)
 *
 * Every stage owns out/stages/<name>/. started.json holds the hash of the
 * stage's inputs (the configuration keys it reads, its temperature, the hash
 * of the stage it starts from, the potential file's bytes); stage.json,
 * written atomically last, marks it finished with its results. On a new run a
 * finished stage with the same hash is skipped, a started one with the same
 * hash continues (MD from its checkpoint, bit for bit), anything else is
 * cleared and recomputed. Production temperatures are independent chains of
 * stages and run concurrently on worker threads (run.threads /
 * run.threads_per_run of them); each run uses its own potential and a seed
 * derived from (seed, T), so results do not depend on the scheduling.
 *
 * Several glasses (system.glasses = N): glass g repeats quench, structure and
 * every temperature's chain with the seed aion_pipe_glass_seed(seed, g) in its
 * own stages (glass 1: the names above, the same hashes as a one-glass run;
 * g > 1: glass<g>/<name>, the quench hash carries g). All glasses' jobs share
 * one pool: a glass's structure and temperature chains wait for its quench,
 * and a job starts only while the threads it needs (run.quench_threads for a
 * quench, run.threads_per_run for a production chain) fit in run.threads.
 *
 * A committee of potentials (potential.committee): model m (1-based; model 1 =
 * potential.model) runs every stage of every glass with its own copy of the
 * configuration whose potential.model is its own spec, in stages named
 * model<m>/<glass name> for m > 1 (aion_pipe_model_stage_name) with the same
 * seeds as model 1; its hashes carry its spec and its file's bytes, so model
 * 1's stages are those of a run without a committee. All models' jobs share the
 * pool (every quench first).
 */
#include "pipeline.h"
#include "potential/mtp.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct ctx;

/* One model of a committee of potentials (model 1 = potential.model). */
typedef struct model {
    struct ctx *x;
    int index;                                /* 1-based */
    aion_pipeline_config c;                   /* the run's configuration with potential.model = this model's
                                                 spec (what its stages hash and run) */
    char pot_path[AION_PIPELINE_STR];
    uint64_t pot_hash;
    char als_path[2 * AION_PIPELINE_STR + 2]; /* active set of the MTP, "" = no grades */
    uint64_t als_hash;                        /* 0 without grades */
    double mtp_min_dist, mtp_cutoff;          /* the MTP's radial basis range (Å), with grades */
} model;

typedef struct ctx {
    const aion_pipeline_config *c;
    char out[3000];
    model mod[AION_PIPELINE_MAX_MODELS];
    int nmod;
    aion_pipeline_callback cb;
    void *user;
    pthread_mutex_t lock;
    int stop;                    /* user stop or an error elsewhere (read through stopped()) */
    aion_status first_err;
    aion_error err;
    pipe_stage_info *st;         /* st_cap entries: every stage of every model and glass */
    int nst, st_cap;
    int threads;
} ctx;

typedef struct stage {
    ctx *x;
    model *md;
    char name[64];
    char dir[3200];
    uint64_t hash;
    int resume;
    struct timespec t0;
    int slot;                    /* index in x->st */
} stage;

static int stopped(ctx *x)
{
    int r;
    pthread_mutex_lock(&x->lock);
    r = x->stop;
    pthread_mutex_unlock(&x->lock);
    return r;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t derive_seed(uint64_t seed, double T, int what) { return aion_splitmix64(seed ^ aion_splitmix64((uint64_t)llround(T * 1000) * 8 + (uint64_t)what)); }

static int emit(ctx *x, aion_pipeline_event_kind kind, const char *sname, long done, long total, double secs,
                const char *msg)
{
    aion_pipeline_event ev = {kind, sname, done, total, secs, msg};
    int r = 0;
    pthread_mutex_lock(&x->lock);
    if (x->cb) r = x->cb(x->user, &ev);
    if (r) x->stop = 1;
    r = x->stop;
    pthread_mutex_unlock(&x->lock);
    return r;
}

static void fail(ctx *x, const aion_error *e)
{
    pthread_mutex_lock(&x->lock);
    if (x->first_err == AION_OK) {
        x->first_err = e->code ? e->code : AION_ERR_INTERNAL;
        aion_err_copy(&x->err, e);
    }
    x->stop = 1;
    pthread_mutex_unlock(&x->lock);
}

static void hexhash(uint64_t h, char out[20]) { snprintf(out, 20, "%016llx", (unsigned long long)h); }

/* Hash recorded in a stage's JSON file (0 if none). */
static uint64_t recorded_hash(const char *path, int *done)
{
    char *s = aion_pipe_read_file(path, NULL);
    uint64_t h = 0;
    if (done) *done = 0;
    if (!s) return 0;
    const char *p = strstr(s, "\"hash\": \"");
    if (p) h = strtoull(p + 9, NULL, 16);
    if (done) *done = strstr(s, "\"status\": \"done\"") != NULL;
    free(s);
    return h;
}

/* Returns 1 = finished before (skip), 0 = run it (x->resume says whether to continue). */
static int stage_begin(model *md, stage *s, const char *name, uint64_t hash, uint64_t seed, aion_error *err)
{
    ctx *x = md->x;
    char rec[3400], started[3400], hx[20], msg[200];
    int done = 0;
    memset(s, 0, sizeof *s);
    s->x = x;
    s->md = md;
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->dir, sizeof s->dir, "%s/stages/%s", x->out, name);
    s->hash = hash;
    hexhash(hash, hx);
    pthread_mutex_lock(&x->lock);
    s->slot = x->nst < x->st_cap ? x->nst++ : -1;
    if (s->slot >= 0) {
        pipe_stage_info *pi = &x->st[s->slot];
        memset(pi, 0, sizeof *pi);
        snprintf(pi->name, sizeof pi->name, "%s", name);
        memcpy(pi->hash, hx, sizeof pi->hash);
        pi->seed = seed;
    }
    pthread_mutex_unlock(&x->lock);
    if (aion_mkdirs(s->dir)) {
        aion_err_set(err, AION_ERR_IO, "%s: cannot create: %s", s->dir, strerror(errno));
        return -1;
    }
    snprintf(rec, sizeof rec, "%s/stage.json", s->dir);
    snprintf(started, sizeof started, "%s/started.json", s->dir);
    uint64_t hr = recorded_hash(rec, &done);
    if (hr == hash && done) {
        if (s->slot >= 0) {
            x->st[s->slot].reused = 1;
            char *txt = aion_pipe_read_file(rec, NULL);
            const char *p = txt ? strstr(txt, "\"seconds\": ") : NULL;
            if (p) x->st[s->slot].seconds = atof(p + 11);
            free(txt);
        }
        emit(x, AION_PIPE_STAGE_SKIP, name, 0, 0, 0, "finished in an earlier run with the same inputs");
        return 1;
    }
    uint64_t hs = recorded_hash(started, NULL);
    if (hs == hash) {
        s->resume = 1;
        snprintf(msg, sizeof msg, "continuing an interrupted run");
    } else {
        snprintf(msg, sizeof msg, "%s", (hs || hr) ? "inputs changed: recomputing" : "started");
        aion_pipe_clear_dir(s->dir);
        char txt[200];
        int n = snprintf(txt, sizeof txt, "{\"stage\": \"%s\", \"hash\": \"%s\"}\n", name, hx);
        if (aion_pipe_write_atomic(started, txt, (size_t)n, err) != AION_OK) return -1;
    }
    if (s->slot >= 0) x->st[s->slot].resumed = s->resume;
    clock_gettime(CLOCK_MONOTONIC, &s->t0);
    emit(x, AION_PIPE_STAGE_START, name, 0, 0, 0, msg);
    return 0;
}

static double stage_seconds(const stage *s)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - s->t0.tv_sec) + 1e-9 * (double)(t.tv_nsec - s->t0.tv_nsec);
}

/* Write stage.json: {"stage", "hash", "status": "done", "seconds", "seed", "results": <results JSON>}. */
static aion_status stage_end(stage *s, uint64_t seed, const char *results, aion_error *err)
{
    aion_strbuf b;
    char path[3400], hx[20];
    aion_status st;
    double secs = stage_seconds(s);
    hexhash(s->hash, hx);
    aion_sb_init(&b);
    aion_sb_printf(&b, "{\"stage\": \"%s\", \"hash\": \"%s\", \"status\": \"done\", \"seconds\": %.3f, \"seed\": %llu, "
                       "\"resumed\": %s,\n\"results\": %s}\n",
                   s->name, hx, secs, (unsigned long long)seed, s->resume ? "true" : "false", results ? results : "{}");
    if (b.oom) {
        aion_sb_free(&b);
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    }
    snprintf(path, sizeof path, "%s/stage.json", s->dir);
    st = aion_pipe_write_atomic(path, b.s, b.len, err);
    aion_sb_free(&b);
    if (st == AION_OK) {
        if (s->slot >= 0) s->x->st[s->slot].seconds = secs;
        emit(s->x, AION_PIPE_STAGE_DONE, s->name, 0, 0, secs, NULL);
    }
    return st;
}

/* ------------------------------------------------------------ helpers */

/* potential.species as atomic numbers (*nz = 0 when empty). */
static aion_status parse_species(const aion_pipeline_config *c, int zs[16], int *nz, aion_error *err)
{
    char buf[128];
    *nz = 0;
    snprintf(buf, sizeof buf, "%s", c->species);
    for (char *sv = NULL, *t = strtok_r(buf, ", ", &sv); t; t = strtok_r(NULL, ", ", &sv)) {
        if (*nz >= 16 || !(zs[*nz] = aion_element_z(t)))
            return aion_err_set(err, AION_ERR_INVALID, "potential.species: bad element '%s'", t);
        (*nz)++;
    }
    return AION_OK;
}

static aion_status make_potential(const model *md, int nthreads, aion_potential **p, aion_error *err)
{
    const aion_pipeline_config *c = &md->c;
    aion_potential_opts po;
    int zs[16], nz = 0;
    aion_status st;
    aion_potential_opts_init(&po);
    if (!strcmp(c->coulomb, "dsf")) po.coulomb = AION_COUL_DSF;
    else if (!strcmp(c->coulomb, "ewald")) po.coulomb = AION_COUL_EWALD;
    po.coul_cutoff = c->coul_cutoff_A;
    po.dsf_alpha = c->dsf_alpha;
    po.nthreads = nthreads;
    if (c->species[0]) {
        if ((st = parse_species(c, zs, &nz, err)) != AION_OK) return st;
        po.species_z = zs;
        po.n_species_z = nz;
    }
    return aion_potential_create(p, md->pot_path, &po, err);
}

/* The grade handle of the run's MTP and active set (*g = NULL without grades). */
static aion_status make_grade(const model *md, int nthreads, aion_mtp_grade **g, aion_error *err)
{
    int zs[16], nz = 0;
    aion_status st;
    *g = NULL;
    if (!md->als_path[0]) return AION_OK;
    if ((st = parse_species(&md->c, zs, &nz, err)) != AION_OK) return st;
    return aion_mtp_grade_create(g, md->pot_path, md->als_path, nz ? zs : NULL, nz, nthreads, err);
}

/* Insert "name": obj as the last member of the JSON object in b. */
static void json_add_member(aion_strbuf *b, const char *name, const char *obj)
{
    while (b->len && b->s[b->len - 1] != '}') b->len--;
    if (!b->len) return;
    b->s[--b->len] = 0;
    aion_sb_printf(b, ", \"%s\": %s}", name, obj);
}

/* With an active set: the grades of the frames first, ... of traj as member
 * `name` of the results object in res (aion_pipe_grade); nothing without one. */
static aion_status add_grade(const model *md, int nthreads, const char *traj, long first, double frame_fs,
                             const char *name, aion_strbuf *res, aion_error *err)
{
    aion_mtp_grade *g = NULL;
    aion_strbuf gb;
    aion_status st;
    int zs[16], nz = 0;
    if (!md->als_path[0]) return AION_OK;
    if ((st = parse_species(&md->c, zs, &nz, err)) != AION_OK) return st;
    aion_sb_init(&gb);
    if ((st = make_grade(md, nthreads, &g, err)) == AION_OK)
        st = aion_pipe_grade(g, traj, first, frame_fs, md->mtp_min_dist, md->mtp_cutoff, zs, nz, &gb, err);
    if (st == AION_OK && gb.oom) st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    if (st == AION_OK) json_add_member(res, name, gb.s);
    aion_mtp_grade_free(g);
    aion_sb_free(&gb);
    return st;
}

static aion_status write_structure(const char *path, const aion_frame *f, aion_error *err)
{
    aion_writer *w;
    aion_write_opts wo;
    aion_status st;
    aion_write_opts_init(&wo);
    wo.format = AION_FMT_EXTXYZ;
    if ((st = aion_writer_open(&w, path, &wo, err)) != AION_OK) return st;
    if ((st = aion_writer_write(w, f)) != AION_OK) {
        aion_err_set(err, st, "%s", aion_writer_errmsg(w));
        aion_writer_abort(w);
        return st;
    }
    return aion_writer_close(w, err);
}

static aion_status read_last(const char *path, aion_frame *f, aion_error *err)
{
    aion_frame *fr = NULL;
    int n = 0;
    aion_status st = aion_read_all(path, NULL, &fr, &n, err);
    if (st != AION_OK) return st;
    if (n < 1) {
        aion_frames_free(fr, n);
        return aion_err_set(err, AION_ERR_PARSE, "%s: no structure", path);
    }
    st = aion_frame_copy(f, &fr[n - 1]);
    aion_frames_free(fr, n);
    return st == AION_OK ? AION_OK : aion_err_set(err, st, "out of memory");
}

/* Mean and standard deviation of thermo.csv columns over rows with step >= from. */
static aion_status thermo_stats(const char *path, long from, double *vol, double *dens, double *temp, double *press,
                                double *dens_sd, long *rows, aion_error *err)
{
    FILE *fp = fopen(path, "r");
    char line[1024];
    double s[4] = {0}, s2 = 0;
    long n = 0;
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    while (fgets(line, sizeof line, fp)) {
        long step;
        double t, T, ep, ek, et, cons, P, V, rho;
        if (sscanf(line, "%ld,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &step, &t, &T, &ep, &ek, &et, &cons, &P, &V, &rho) != 10)
            continue;
        if (step < from) continue;
        s[0] += V, s[1] += rho, s[2] += T, s[3] += P;
        s2 += rho * rho;
        n++;
    }
    fclose(fp);
    if (n < 1) return aion_err_set(err, AION_ERR_INVALID, "%s: no rows after step %ld", path, from);
    *vol = s[0] / n;
    *dens = s[1] / n;
    *temp = s[2] / n;
    *press = s[3] / n;
    *dens_sd = sqrt(fmax(0, s2 / n - (*dens) * (*dens)));
    *rows = n;
    return AION_OK;
}

static void scale_to_volume(aion_frame *f, double vol)
{
    double v = aion_frame_volume(f);
    if (!(v > 0) || !(vol > 0)) return;
    double s = cbrt(vol / v);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) f->cell[a][b] *= s;
    for (int i = 0; i < f->n; i++)
        for (int a = 0; a < 3; a++) f->pos[i][a] *= s;
    f->has &= ~(unsigned)(AION_HAS_FORCES | AION_HAS_ENERGY | AION_HAS_STRESS);
}

typedef struct md_prog {
    ctx *x;
    const char *name;
    double t0;
    long every;
} md_prog;

static int md_progress(void *user, long done, long total, const aion_thermo *t)
{
    md_prog *p = user;
    char msg[128];

    snprintf(msg, sizeof msg, "T %.0f K  P %.2f GPa  ρ %.3f g/cm³", t->temp_K, t->press * AION_EV_A3_TO_GPA, t->density);
    return emit(p->x, AION_PIPE_PROGRESS, p->name, done, total, now_s() - p->t0, msg);
}

/* Run segments in stage s with outputs there; writes final.xyz. Returns
 * AION_EOF when stopped. init_T > 0: fresh Maxwell-Boltzmann velocities. */
static aion_status run_md(stage *s, const aion_frame *start, aion_ensemble ens, const aion_segment *segs, int nseg,
                          long traj_every, uint64_t seed, double init_T, int nthreads, aion_error *err)
{
    ctx *x = s->x;
    const aion_pipeline_config *c = &s->md->c;
    aion_potential *p = NULL;
    aion_md *md = NULL;
    aion_md_opts o;
    aion_run_opts ro;
    aion_status st;
    char xyz[3400], csv[3400], ck[3400], fin[3400];
    md_prog mp = {x, s->name, now_s(), 200};
    if ((st = make_potential(s->md, nthreads, &p, err)) != AION_OK) return st;
    aion_md_opts_init(&o);
    o.ensemble = ens;
    o.dt_fs = c->dt_fs;
    o.temp_K = segs[0].t_start_K;
    o.tau_t_fs = c->tau_t_fs;
    o.tau_p_fs = c->tau_p_fs;
    o.press_GPa = c->press_GPa;
    o.compress_GPa = c->compress_GPa;
    o.seed = seed;
    if ((st = aion_md_create(&md, start, p, &o, err)) != AION_OK) goto done;
    if (init_T > 0 || !(start->has & AION_HAS_VEL)) aion_md_init_velocities(md, init_T > 0 ? init_T : segs[0].t_start_K);
    snprintf(xyz, sizeof xyz, "%s/traj.xyz", s->dir);
    snprintf(csv, sizeof csv, "%s/thermo.csv", s->dir);
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", s->dir);
    memset(&ro, 0, sizeof ro);
    ro.traj_xyz = traj_every > 0 ? xyz : NULL;
    ro.traj_every = traj_every;
    ro.traj_positions_only = 1;
    ro.traj_precision = 10;
    ro.thermo_csv = csv;
    ro.thermo_every = 100;
    ro.checkpoint = ck;
    ro.checkpoint_every = c->checkpoint_every;
    ro.restart = s->resume;
    ro.progress = md_progress;
    ro.user = &mp;
    ro.progress_every = mp.every;
    if (s->resume && access(ck, R_OK) == 0) {
        /* tell where it continues (aion_md_run loads the same checkpoint again) */
        char msg[160];
        if ((st = aion_md_load(md, ck, NULL, 0, NULL)) != AION_OK) {
            aion_err_set(err, st, "%s", aion_md_errmsg(md));
            goto done;
        }
        long total = 0;
        for (int k = 0; k < nseg; k++) total += segs[k].nsteps;
        snprintf(msg, sizeof msg, "continued from its checkpoint at step %ld of %ld", aion_md_step_count(md), total);
        emit(x, AION_PIPE_NOTE, s->name, aion_md_step_count(md), total, 0, msg);
    }
    st = aion_md_run(md, segs, nseg, &ro, err);
    if (st != AION_OK && st != AION_EOF) {
        /* name the stage (and its outputs so far) in the message */
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        aion_err_set(err, st, "stage %s (%s): %s", s->name, s->dir, msg);
    }
    if (st != AION_OK) goto done;
    snprintf(fin, sizeof fin, "%s/final.xyz", s->dir);
    const aion_frame *f = aion_md_frame(md);
    if (!f) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    st = write_structure(fin, f, err);
done:
    aion_md_free(md);
    aion_potential_free(p);
    return st;
}

static aion_ensemble nvt_ensemble(const aion_pipeline_config *c)
{
    if (!strcmp(c->thermostat, "langevin")) return AION_NVT_LANGEVIN;
    if (!strcmp(c->thermostat, "nhc")) return AION_NVT_NHC;
    return AION_NVT_CSVR;
}

static aion_ensemble npt_ensemble(const aion_pipeline_config *c)
{
    return !strcmp(c->thermostat, "langevin") ? AION_NPT_LANGEVIN : AION_NPT_CSVR;
}

static long steps_of(const aion_pipeline_config *c, double ps) { return (long)llround(ps * 1000.0 / c->dt_fs); }
static long every_of(const aion_pipeline_config *c, double fs)
{
    long e = (long)llround(fs / c->dt_fs);
    return e < 1 ? 1 : e;
}

/* ------------------------------------------------------------ stages */

static aion_status stage_quench(model *md, int gi, uint64_t *hash_out, aion_error *err)
{
    ctx *x = md->x;
    const aion_pipeline_config *c = &md->c;
    stage s;
    char extra[256], sname[64];
    uint64_t seed = derive_seed(aion_pipe_glass_seed(c->seed, gi), 0, 0);
    aion_frame start, glass;
    aion_potential *p = NULL;
    aion_segment *segs = NULL;
    int nseg = 0, r;
    aion_status st = AION_OK;
    aion_strbuf res;
    aion_frame_init(&start);
    aion_frame_init(&glass);
    aion_sb_init(&res);
    char start_path[2 * AION_PIPELINE_STR + 2] = "";
    if (c->start[0]) aion_pipe_resolve(c, c->start, start_path, sizeof start_path);
    int ne = snprintf(extra, sizeof extra, "potential_file=%016llx\nstart_file=%016llx\n", (unsigned long long)md->pot_hash,
                      (unsigned long long)(start_path[0] ? aion_pipe_file_hash(start_path) : 0));
    if (gi > 1) snprintf(extra + ne, sizeof extra - (size_t)ne, "glass=%d\n", gi); /* glass 1: as one glass */
    uint64_t h = aion_pipe_stage_hash(c, PK_QUENCH, extra);
    *hash_out = h;
    aion_pipe_model_stage_name(md->index, gi, "quench", sname, sizeof sname);
    if ((r = stage_begin(md, &s, sname, h, seed, err)) != 0) return r > 0 ? AION_OK : AION_ERR_IO;
    /* composition -> counts */
    int z[32], cnt[32], ns;
    double amt[32], per = 0, dmin[32 * 32];
    if ((st = aion_parse_formula(c->composition, z, amt, 32, &ns, err)) != AION_OK) goto done;
    for (int k = 0; k < ns; k++) per += amt[k];
    double units = floor(c->atoms / per + 0.5);
    if (units < 1) units = 1;
    for (int k = 0; k < ns; k++) {
        cnt[k] = (int)floor(amt[k] * units + 0.5);
        if (fabs(amt[k] * units - cnt[k]) > 1e-6) {
            st = aion_err_set(err, AION_ERR_INVALID, "system.composition %s: %g formula units do not give whole atoms",
                              c->composition, units);
            goto done;
        }
    }
    for (int a = 0; a < ns; a++)
        for (int b = 0; b < ns; b++)
            dmin[a * ns + b] = c->dmin_scale * (aion_element_covalent_radius(z[a]) + aion_element_covalent_radius(z[b]));
    if (c->dmin_pairs[0]) {
        /* "A-B:d,C-D:d": pairs of elements of the composition (others are ignored) */
        char buf[sizeof c->dmin_pairs];
        snprintf(buf, sizeof buf, "%s", c->dmin_pairs);
        for (char *sv = NULL, *t = strtok_r(buf, ", ", &sv); t; t = strtok_r(NULL, ", ", &sv)) {
            char ea[8], eb[8];
            double d;
            if (sscanf(t, "%7[A-Za-z]-%7[A-Za-z]:%lf", ea, eb, &d) != 3 || !(d > 0) || !aion_element_z(ea) ||
                !aion_element_z(eb)) {
                st = aion_err_set(err, AION_ERR_INVALID, "system.dmin_pairs: '%s' is not A-B:distance", t);
                goto done;
            }
            int ia = -1, ib = -1;
            for (int k = 0; k < ns; k++) {
                if (z[k] == aion_element_z(ea)) ia = k;
                if (z[k] == aion_element_z(eb)) ib = k;
            }
            if (ia >= 0 && ib >= 0) dmin[ia * ns + ib] = dmin[ib * ns + ia] = d;
        }
    }
    if (start_path[0]) {
        /* a given start structure (e.g. a crystal to melt): same composition, scaled to the density */
        if ((st = read_last(start_path, &start, err)) != AION_OK) goto done;
        int total = 0, ok = 1;
        for (int k = 0; k < ns; k++) {
            int m = 0;
            for (int i = 0; i < start.n; i++) m += start.z[i] == z[k];
            ok &= m == cnt[k];
            total += cnt[k];
        }
        if (!ok || total != start.n) {
            st = aion_err_set(err, AION_ERR_INVALID, "system.start %s: its atoms are not %g units of %s (system.atoms %d)",
                              start_path, units, c->composition, c->atoms);
            goto done;
        }
        scale_to_volume(&start, aion_frame_volume(&start) * aion_frame_density(&start) / c->density_gcc);
        start.has &= ~(unsigned)AION_HAS_VEL;
    } else if ((st = aion_random_structure(&start, z, cnt, ns, c->density_gcc, dmin, seed, err)) != AION_OK)
        goto done;
    char ckp[3400];
    snprintf(ckp, sizeof ckp, "%s/checkpoint.bin", s.dir);
    int qthreads = c->quench_threads > 0 ? c->quench_threads : x->threads;
    if ((st = make_potential(md, qthreads, &p, err)) != AION_OK) goto done;
    if (!start_path[0] && !(s.resume && access(ckp, R_OK) == 0)) {
        /* relax the random start (a restart takes the state from the checkpoint; a given start is used as it is) */
        aion_min_opts mo;
        int steps;
        double fm;
        aion_min_opts_init(&mo);
        mo.fmax = 0.1;
        mo.max_steps = 500;
        if ((st = aion_minimize(&start, p, &mo, &steps, &fm, err)) != AION_OK) goto done;
    }
    aion_quench_opts q;
    memset(&q, 0, sizeof q);
    q.t_start_K = c->t_start_K;
    q.t_melt_K = c->t_melt_K;
    q.t_final_K = c->t_final_K;
    q.rate_K_ps = c->heat_rate_K_ps;
    q.t_equil_ps = c->equil_ps;
    q.t_hold_ps = c->melt_ps;
    q.t_final_ps = c->final_ps;
    q.press_GPa = c->press_GPa;
    q.dt_fs = c->dt_fs;
    if ((st = aion_quench_schedule(&q, &segs, &nseg, err)) != AION_OK) goto done;
    /* the schedule uses one rate; apply the cooling rate to the ramp down */
    long total = 0;
    for (int k = 0; k < nseg; k++) {
        if (segs[k].t_end_K < segs[k].t_start_K)
            segs[k].nsteps = steps_of(c, (segs[k].t_start_K - segs[k].t_end_K) / c->cool_rate_K_ps);
        total += segs[k].nsteps;
    }
    long every = every_of(c, c->glass_frame_fs);
    /* NPT: the volume follows the barostat; NVT: fixed at system.density (potentials
     * without a sound equation of state: an xTB-trained MTP would collapse under NPT) */
    aion_ensemble qens = !strcmp(c->quench_ensemble, "nvt") ? nvt_ensemble(c) : npt_ensemble(c);
    st = run_md(&s, &start, qens, segs, nseg, every, seed, c->t_start_K, qthreads, err);
    if (st != AION_OK) goto done;
    /* glass: last frame at the mean volume of the second half of the final hold */
    char path[3400];
    double vol, dens, temp, press, dsd;
    long rows, from = total - steps_of(c, c->final_ps);
    snprintf(path, sizeof path, "%s/thermo.csv", s.dir);
    if ((st = thermo_stats(path, total - steps_of(c, c->final_ps) / 2, &vol, &dens, &temp, &press, &dsd, &rows, err)) !=
        AION_OK)
        goto done;
    snprintf(path, sizeof path, "%s/final.xyz", s.dir);
    if ((st = read_last(path, &glass, err)) != AION_OK) goto done;
    scale_to_volume(&glass, vol);
    snprintf(path, sizeof path, "%s/glass.xyz", s.dir);
    if ((st = write_structure(path, &glass, err)) != AION_OK) goto done;
    char formula[256];
    aion_frame_formula(&glass, 0, formula, sizeof formula);
    aion_sb_printf(&res, "{\"atoms\": %d, \"formula\": ", glass.n);
    aion_pipe_json_str(&res, formula);
    aion_sb_printf(&res, ", \"steps\": %ld, \"segments\": %d, \"final_hold_from_step\": %ld, \"frame_every\": %ld, "
                         "\"final_hold\": {\"rows\": %ld, \"volume_A3\": ",
                   total, nseg, from, every, rows);
    aion_pipe_json_num(&res, vol);
    aion_sb_puts(&res, ", \"density_gcc\": ");
    aion_pipe_json_num(&res, dens);
    aion_sb_puts(&res, ", \"density_sd_gcc\": ");
    aion_pipe_json_num(&res, dsd);
    aion_sb_puts(&res, ", \"temperature_K\": ");
    aion_pipe_json_num(&res, temp);
    aion_sb_puts(&res, ", \"pressure_GPa\": ");
    aion_pipe_json_num(&res, press);
    aion_sb_puts(&res, "}, \"potential\": ");
    aion_pipe_json_str(&res, aion_potential_describe(p));
    aion_sb_puts(&res, "}");
    st = stage_end(&s, seed, res.s, err);
done:
    aion_sb_free(&res);
    free(segs);
    aion_potential_free(p);
    aion_frame_free(&start);
    aion_frame_free(&glass);
    return st;
}

static aion_status stage_structure(model *md, int glass, uint64_t quench_hash, aion_error *err)
{
    ctx *x = md->x;
    const aion_pipeline_config *c = &md->c;
    stage s;
    char extra[128], path[3400], sname[64], qname[64];
    aion_reader *rd = NULL;
    aion_rdf *rdf = NULL;
    aion_qn *qn = NULL;
    aion_frame f;
    aion_strbuf res;
    aion_status st = AION_OK;
    double *rr = NULL, *g = NULL, *cn = NULL;
    int r;
    aion_frame_init(&f);
    aion_sb_init(&res);
    snprintf(extra, sizeof extra, "quench=%016llx\nactive_set_file=%016llx\ngrade_pairs\n", (unsigned long long)quench_hash,
             (unsigned long long)md->als_hash);
    uint64_t h = aion_pipe_stage_hash(c, PK_STRUCTURE, extra);
    aion_pipe_model_stage_name(md->index, glass, "structure", sname, sizeof sname);
    aion_pipe_model_stage_name(md->index, glass, "quench", qname, sizeof qname);
    if ((r = stage_begin(md, &s, sname, h, 0, err)) != 0) return r > 0 ? AION_OK : AION_ERR_IO;
    /* frames of the final hold of the quench */
    snprintf(path, sizeof path, "%s/stages/%s/stage.json", x->out, qname);
    char *qj = aion_pipe_read_file(path, NULL);
    const char *p1 = qj ? strstr(qj, "\"final_hold_from_step\": ") : NULL, *p2 = qj ? strstr(qj, "\"frame_every\": ") : NULL;
    long from = p1 ? atol(p1 + 24) : 0, every = p2 ? atol(p2 + 15) : 1;
    free(qj);
    if (every < 1) every = 1;
    long first = (from + every - 1) / every;
    aion_rdf_opts ro = {.r_max = c->rdf_rmax_A, .n_bins = c->rdf_bins, .nthreads = 1};
    aion_qn_opts qo = {.cutoff = c->qn_cutoff_A};
    if ((st = aion_rdf_create(&rdf, &ro, err)) != AION_OK || (st = aion_qn_create(&qn, &qo, err)) != AION_OK) goto done;
    snprintf(path, sizeof path, "%s/stages/%s/traj.xyz", x->out, qname);
    if ((st = aion_reader_open(&rd, path, NULL, err)) != AION_OK) goto done;
    long idx = 0, used = 0;
    while ((st = aion_reader_next(rd, &f)) == AION_OK) {
        if (idx++ < first) continue;
        if ((st = aion_rdf_add(rdf, &f)) != AION_OK) {
            aion_err_set(err, st, "%s", aion_rdf_errmsg(rdf));
            goto done;
        }
        if ((st = aion_qn_add(qn, &f)) != AION_OK) {
            aion_err_set(err, st, "%s", aion_qn_errmsg(qn));
            goto done;
        }
        used++;
    }
    if (st != AION_EOF) {
        aion_err_set(err, st, "%s", aion_reader_errmsg(rd));
        goto done;
    }
    st = AION_OK;
    if (!used) {
        st = aion_err_set(err, AION_ERR_INVALID, "%s: no frames in the final hold", path);
        goto done;
    }
    int nb = aion_rdf_nbins(rdf);
    const int *zs;
    int nsp = aion_rdf_species(rdf, &zs);
    rr = malloc(sizeof(double) * (size_t)nb);
    g = malloc(sizeof(double) * (size_t)nb);
    cn = malloc(sizeof(double) * (size_t)nb);
    if (!rr || !g || !cn) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    aion_sb_printf(&res, "{\"frames\": %ld, \"rdf\": [", used);
    int first_out = 1;
    for (int a = -1; a < nsp; a++)
        for (int b = a; b < nsp; b++) {
            if (a < 0 && b >= 0) break;
            int za = a < 0 ? 0 : zs[a], zb = a < 0 ? 0 : zs[b];
            if ((st = aion_rdf_get(rdf, za, zb, rr, g, cn)) != AION_OK) {
                aion_err_set(err, st, "RDF: %s", aion_rdf_errmsg(rdf));
                goto done;
            }
            int pk = 0;
            for (int k = 1; k < nb; k++)
                if (g[k] > g[pk]) pk = k;
            int mn = pk;
            while (mn + 1 < nb && g[mn + 1] <= g[mn]) mn++;
            aion_sb_printf(&res, "%s\n {\"a\": \"%s\", \"b\": \"%s\", \"first_peak_A\": ", first_out ? "" : ",",
                           a < 0 ? "all" : aion_element_symbol(za), a < 0 ? "all" : aion_element_symbol(zb));
            first_out = 0;
            aion_pipe_json_num(&res, rr[pk]);
            aion_sb_puts(&res, ", \"first_min_A\": ");
            aion_pipe_json_num(&res, rr[mn]);
            aion_sb_puts(&res, ", \"cn_first_min\": ");
            aion_pipe_json_num(&res, cn[mn]);
            aion_sb_puts(&res, ", \"r\": [");
            for (int k = 0; k < nb; k++) {
                if (k) aion_sb_putc(&res, ',');
                aion_sb_printf(&res, "%.4g", rr[k]);
            }
            aion_sb_puts(&res, "], \"g\": [");
            for (int k = 0; k < nb; k++) {
                if (k) aion_sb_putc(&res, ',');
                aion_sb_printf(&res, "%.5g", g[k]);
            }
            aion_sb_puts(&res, "]}");
            if (a < 0) break;
        }
    aion_qn_result q;
    if ((st = aion_qn_get(qn, &q)) != AION_OK) {
        aion_err_set(err, st, "%s", aion_qn_errmsg(qn));
        goto done;
    }
    aion_sb_puts(&res, "],\n\"qn\": {\"fraction\": [");
    for (int k = 0; k < 9; k++) aion_sb_printf(&res, "%s%.6g", k ? ", " : "", q.qn[k]);
    aion_sb_puts(&res, "], \"mean_coordination\": ");
    aion_pipe_json_num(&res, q.mean_cn);
    aion_sb_puts(&res, ", \"o_bridging\": ");
    aion_pipe_json_num(&res, q.f_bridging);
    aion_sb_puts(&res, ", \"o_nonbridging\": ");
    aion_pipe_json_num(&res, q.f_nonbridging);
    aion_sb_puts(&res, ", \"o_free\": ");
    aion_pipe_json_num(&res, q.f_free);
    aion_sb_puts(&res, ", \"o_tricluster\": ");
    aion_pipe_json_num(&res, q.f_tricluster);
    aion_sb_puts(&res, ", \"mean_fragment\": ");
    aion_pipe_json_num(&res, q.mean_chain);
    aion_sb_puts(&res, ", \"formers_per_frame\": ");
    aion_pipe_json_num(&res, q.n_frames ? (double)q.n_formers / (double)q.n_frames : 0);
    aion_sb_puts(&res, "}}");
    /* every frame of the quench, the melt included */
    if ((st = add_grade(md, 1, path, 0, (double)every * c->dt_fs, "quench_grade", &res, err)) != AION_OK) goto done;
    st = stage_end(&s, 0, res.s, err);
done:
    free(rr);
    free(g);
    free(cn);
    aion_sb_free(&res);
    aion_reader_close(rd);
    aion_rdf_free(rdf);
    aion_qn_free(qn);
    aion_frame_free(&f);
    return st;
}

/* NPT (optional), NVT MD and transport analysis at one temperature. */
static aion_status chain_temperature(model *md, int glass, double T, uint64_t quench_hash, aion_error *err)
{
    ctx *x = md->x;
    const aion_pipeline_config *c = &md->c;
    const uint64_t gseed = aion_pipe_glass_seed(c->seed, glass);
    stage s;
    char name[64], base[48], extra[256], path[3400];
    aion_frame start;
    aion_status st = AION_OK;
    aion_strbuf res;
    int r;
    uint64_t up = quench_hash;
    aion_frame_init(&start);
    aion_sb_init(&res);
    aion_pipe_model_stage_name(md->index, glass, "quench", name, sizeof name);
    snprintf(path, sizeof path, "%s/stages/%s/glass.xyz", x->out, name);
    if ((st = read_last(path, &start, err)) != AION_OK) goto done;
    double init_T = T;
    /* --- NPT --- */
    if (c->npt_ps > 0) {
        uint64_t seed = derive_seed(gseed, T, 1);
        snprintf(base, sizeof base, "npt-%gK", T);
        aion_pipe_model_stage_name(md->index, glass, base, name, sizeof name);
        snprintf(extra, sizeof extra, "T=%.17g\nfrom=%016llx\npotential_file=%016llx\nnpt\n", T, (unsigned long long)up,
                 (unsigned long long)md->pot_hash);
        uint64_t h = aion_pipe_stage_hash(c, PK_MD, extra);
        up = h;
        r = stage_begin(md, &s, name, h, seed, err);
        if (r < 0) {
            st = AION_ERR_IO;
            goto done;
        }
        if (r == 0) {
            long n = steps_of(c, c->npt_ps);
            aion_segment seg = {T, T, c->press_GPa, n};
            st = run_md(&s, &start, npt_ensemble(c), &seg, 1, 0, seed, T, c->threads_per_run, err);
            if (st != AION_OK) goto done;
            double vol, dens, temp, press, dsd;
            long rows;
            snprintf(path, sizeof path, "%s/thermo.csv", s.dir);
            if ((st = thermo_stats(path, n / 2, &vol, &dens, &temp, &press, &dsd, &rows, err)) != AION_OK) goto done;
            snprintf(path, sizeof path, "%s/final.xyz", s.dir);
            if ((st = read_last(path, &start, err)) != AION_OK) goto done;
            scale_to_volume(&start, vol);
            snprintf(path, sizeof path, "%s/start.xyz", s.dir);
            if ((st = write_structure(path, &start, err)) != AION_OK) goto done;
            aion_sb_clear(&res);
            aion_sb_puts(&res, "{\"temperature_K\": ");
            aion_pipe_json_num(&res, temp);
            aion_sb_puts(&res, ", \"pressure_GPa\": ");
            aion_pipe_json_num(&res, press);
            aion_sb_puts(&res, ", \"volume_A3\": ");
            aion_pipe_json_num(&res, vol);
            aion_sb_puts(&res, ", \"density_gcc\": ");
            aion_pipe_json_num(&res, dens);
            aion_sb_puts(&res, ", \"density_sd_gcc\": ");
            aion_pipe_json_num(&res, dsd);
            aion_sb_printf(&res, ", \"rows\": %ld}", rows);
            if ((st = stage_end(&s, seed, res.s, err)) != AION_OK) goto done;
        } else {
            snprintf(path, sizeof path, "%s/start.xyz", s.dir);
            if ((st = read_last(path, &start, err)) != AION_OK) goto done;
        }
        init_T = 0; /* keep the NPT velocities */
    }
    if (stopped(x)) goto done;
    /* --- NVT equilibration + production --- */
    uint64_t seed = derive_seed(gseed, T, 2);
    snprintf(base, sizeof base, "md-%gK", T);
    aion_pipe_model_stage_name(md->index, glass, base, name, sizeof name);
    snprintf(extra, sizeof extra, "T=%.17g\nfrom=%016llx\npotential_file=%016llx\nnvt\n", T, (unsigned long long)up,
             (unsigned long long)md->pot_hash);
    uint64_t hmd = aion_pipe_stage_hash(c, PK_MD, extra);
    long every = every_of(c, c->frame_fs);
    long neq = (steps_of(c, c->nvt_equil_ps) + every - 1) / every * every;
    long nprod = (steps_of(c, c->prod_ps) + every - 1) / every * every;
    r = stage_begin(md, &s, name, hmd, seed, err);
    if (r < 0) {
        st = AION_ERR_IO;
        goto done;
    }
    if (r == 0) {
        aion_segment seg[2] = {{T, T, c->press_GPa, neq}, {T, T, c->press_GPa, nprod}};
        st = run_md(&s, &start, nvt_ensemble(c), seg, 2, every, seed, init_T, c->threads_per_run, err);
        if (st != AION_OK) goto done;
        double vol, dens, temp, press, dsd;
        long rows;
        snprintf(path, sizeof path, "%s/thermo.csv", s.dir);
        if ((st = thermo_stats(path, neq, &vol, &dens, &temp, &press, &dsd, &rows, err)) != AION_OK) goto done;
        aion_sb_clear(&res);
        aion_sb_printf(&res, "{\"equilibration_steps\": %ld, \"production_steps\": %ld, \"frame_every\": %ld, "
                             "\"first_production_frame\": %ld, \"mean_temperature_K\": ",
                       neq, nprod, every, neq / every);
        aion_pipe_json_num(&res, temp);
        aion_sb_puts(&res, ", \"mean_pressure_GPa\": ");
        aion_pipe_json_num(&res, press);
        aion_sb_puts(&res, ", \"volume_A3\": ");
        aion_pipe_json_num(&res, vol);
        aion_sb_puts(&res, ", \"density_gcc\": ");
        aion_pipe_json_num(&res, dens);
        aion_sb_puts(&res, "}");
        if ((st = stage_end(&s, seed, res.s, err)) != AION_OK) goto done;
    }
    if (stopped(x)) goto done;
    /* --- transport --- */
    snprintf(base, sizeof base, "transport-%gK", T);
    aion_pipe_model_stage_name(md->index, glass, base, name, sizeof name);
    snprintf(extra, sizeof extra, "T=%.17g\nfrom=%016llx\nactive_set_file=%016llx\ngrade_pairs\n", T, (unsigned long long)hmd,
             (unsigned long long)md->als_hash);
    uint64_t htr = aion_pipe_stage_hash(c, PK_TRANSPORT, extra);
    r = stage_begin(md, &s, name, htr, 0, err);
    if (r < 0) {
        st = AION_ERR_IO;
        goto done;
    }
    if (r == 0) {
        snprintf(base, sizeof base, "md-%gK", T);
        aion_pipe_model_stage_name(md->index, glass, base, name, sizeof name);
        snprintf(path, sizeof path, "%s/stages/%s/traj.xyz", x->out, name);
        aion_sb_clear(&res);
        st = aion_pipe_transport(c, path, T, neq / every, (double)every * c->dt_fs, c->threads_per_run, &res, err);
        if (st != AION_OK) goto done;
        /* the production frames (the equilibration is not analysed either) */
        st = add_grade(md, c->threads_per_run, path, neq / every, (double)every * c->dt_fs, "grade", &res, err);
        if (st != AION_OK) goto done;
        st = stage_end(&s, 0, res.s, err);
    }
done:
    aion_sb_free(&res);
    aion_frame_free(&start);
    return st;
}

/* ------------------------------------------------------------ workers */

enum { JOB_QUENCH, JOB_TEMPERATURE, JOB_STRUCTURE };

typedef struct job {
    int kind, glass, k;  /* k: temperature index */
    int weight;          /* threads it uses */
    int state;           /* 0 waiting, 1 running, 2 finished */
    int m;               /* model (0-based index in ctx.mod) */
} job;

/* Index of (model m, glass g) in the pool's quench tables. */
#define QI(m, g) ((m) * (AION_PIPELINE_MAX_GLASSES + 1) + (g))

typedef struct pool {
    ctx *x;
    job *jobs;
    int njobs;
    uint64_t qhash[AION_PIPELINE_MAX_MODELS * (AION_PIPELINE_MAX_GLASSES + 1)];
    int qdone[AION_PIPELINE_MAX_MODELS * (AION_PIPELINE_MAX_GLASSES + 1)]; /* 1 finished, -1 failed */
    int busy, budget;                          /* threads in use, run.threads */
    pthread_mutex_t lock;
    pthread_cond_t cv;
} pool;

static void *worker(void *arg)
{
    pool *pl = arg;
    ctx *x = pl->x;
    pthread_mutex_lock(&pl->lock);
    for (;;) {
        if (stopped(x)) break;
        int pick = -1, waiting = 0;
        for (int j = 0; j < pl->njobs && pick < 0; j++) {
            job *jb = &pl->jobs[j];
            if (jb->state != 0) continue;
            if (jb->kind != JOB_QUENCH && pl->qdone[QI(jb->m, jb->glass)] < 0) {
                jb->state = 2; /* its glass failed (the run stops) */
                continue;
            }
            waiting++;
            if (jb->kind != JOB_QUENCH && pl->qdone[QI(jb->m, jb->glass)] != 1) continue;
            if (pl->busy > 0 && pl->busy + jb->weight > pl->budget) continue;
            pick = j;
        }
        if (pick < 0) {
            if (!waiting) break;
            pthread_cond_wait(&pl->cv, &pl->lock);
            continue;
        }
        job *jb = &pl->jobs[pick];
        jb->state = 1;
        pl->busy += jb->weight;
        uint64_t qh = pl->qhash[QI(jb->m, jb->glass)];
        model *md = &x->mod[jb->m];
        pthread_mutex_unlock(&pl->lock);
        aion_error e;
        memset(&e, 0, sizeof e);
        aion_status st;
        if (jb->kind == JOB_QUENCH) st = stage_quench(md, jb->glass, &qh, &e);
        else if (jb->kind == JOB_TEMPERATURE) st = chain_temperature(md, jb->glass, x->c->temps_K[jb->k], qh, &e);
        else st = stage_structure(md, jb->glass, qh, &e);
        if (st != AION_OK && st != AION_EOF) fail(x, &e);
        pthread_mutex_lock(&pl->lock);
        pl->busy -= jb->weight;
        jb->state = 2;
        if (jb->kind == JOB_QUENCH) {
            pl->qhash[QI(jb->m, jb->glass)] = qh;
            pl->qdone[QI(jb->m, jb->glass)] = st == AION_OK ? 1 : -1;
        }
        pthread_cond_broadcast(&pl->cv);
    }
    pthread_cond_broadcast(&pl->cv); /* a stop: wake the others to leave too */
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

/* Every model's and glass's quench, then per model and glass its temperature chains and its structure. */
static aion_status run_pool(ctx *x)
{
    const aion_pipeline_config *c = x->c;
    int ng = c->glasses, nt = c->n_temps, nm = x->nmod;
    pool pl;
    memset(&pl, 0, sizeof pl);
    pl.x = x;
    pl.budget = x->threads;
    pl.jobs = calloc((size_t)nm * (size_t)ng * (size_t)(nt + 2), sizeof *pl.jobs);
    if (!pl.jobs) return AION_ERR_NOMEM;
    int qthreads = c->quench_threads > 0 ? c->quench_threads : x->threads;
    int wq = qthreads < pl.budget ? qthreads : pl.budget, wr = c->threads_per_run < pl.budget ? c->threads_per_run : pl.budget;
    if (wq < 1) wq = 1;
    if (wr < 1) wr = 1;
    for (int m = 0; m < nm; m++)
        for (int g = 1; g <= ng; g++) pl.jobs[pl.njobs++] = (job){JOB_QUENCH, g, 0, wq, 0, m};
    for (int m = 0; m < nm; m++)
        for (int g = 1; g <= ng; g++) {
            for (int k = 0; k < nt; k++) pl.jobs[pl.njobs++] = (job){JOB_TEMPERATURE, g, k, wr, 0, m};
            pl.jobs[pl.njobs++] = (job){JOB_STRUCTURE, g, 0, wr, 0, m};
        }
    pthread_mutex_init(&pl.lock, NULL);
    pthread_cond_init(&pl.cv, NULL);
    int nw = pl.budget / (wq < wr ? wq : wr);
    if (nw < 1) nw = 1;
    if (nw > nm * ng * (nt + 1)) nw = nm * ng * (nt + 1); /* the most jobs that can run at once */
    if (nw > 64) nw = 64;
    char msg[240];
    if (nm > 1)
        snprintf(msg, sizeof msg, "%d models × %d glass%s × %d temperatures on %d worker%s × %d thread%s (quenches: %d "
                 "thread%s)", nm, ng, ng > 1 ? "es" : "", nt, nw, nw > 1 ? "s" : "", wr, wr > 1 ? "s" : "", wq,
                 wq > 1 ? "s" : "");
    else if (ng > 1)
        snprintf(msg, sizeof msg, "%d glasses × %d temperatures on %d worker%s × %d thread%s (quenches: %d thread%s)",
                 ng, nt, nw, nw > 1 ? "s" : "", wr, wr > 1 ? "s" : "", wq, wq > 1 ? "s" : "");
    else
        snprintf(msg, sizeof msg, "%d temperatures on %d worker%s × %d thread%s", nt, nw, nw > 1 ? "s" : "",
                 c->threads_per_run, c->threads_per_run > 1 ? "s" : "");
    emit(x, AION_PIPE_NOTE, "production", 0, 0, 0, msg);
    pthread_t th[64];
    int started_n = 0;
    for (int k = 1; k < nw; k++)
        if (pthread_create(&th[started_n], NULL, worker, &pl) == 0) started_n++;
    worker(&pl);
    for (int k = 0; k < started_n; k++) pthread_join(th[k], NULL);
    pthread_cond_destroy(&pl.cv);
    pthread_mutex_destroy(&pl.lock);
    free(pl.jobs);
    return AION_OK;
}

/* potential.active_set: "auto" = the model's .als if the model is an .mtp and
 * the file exists; "" = none; anything else must exist, next to an .mtp (model
 * 1's; the other models of a committee take "auto" then: their own .als). */
static aion_status resolve_active_set(model *x, aion_error *err)
{
    const aion_pipeline_config *c = &x->c;
    size_t n = strlen(x->pot_path);
    int is_mtp = n > 4 && !strcmp(x->pot_path + n - 4, ".mtp");
    x->als_path[0] = 0;
    x->als_hash = 0;
    if (!c->active_set[0]) return AION_OK;
    if (!strcmp(c->active_set, "auto")) {
        if (!is_mtp) return AION_OK;
        snprintf(x->als_path, sizeof x->als_path, "%.*s.als", (int)(n - 4), x->pot_path);
        if (access(x->als_path, R_OK) != 0) x->als_path[0] = 0;
    } else {
        if (!is_mtp)
            return aion_err_set(err, AION_ERR_INVALID, "potential.active_set is set, but potential.model %s is not an .mtp",
                                c->potential);
        aion_pipe_resolve(c, c->active_set, x->als_path, sizeof x->als_path);
        if (access(x->als_path, R_OK) != 0)
            return aion_err_set(err, AION_ERR_IO, "potential.active_set %s: cannot read: %s", x->als_path, strerror(errno));
    }
    if (x->als_path[0]) {
        mtp_model m;
        aion_status st;
        mtp_model_init(&m);
        st = mtp_model_read(x->pot_path, &m, err);
        x->mtp_min_dist = m.min_dist;
        x->mtp_cutoff = m.max_dist;
        mtp_model_free(&m);
        if (st != AION_OK) return st;
        x->als_hash = aion_pipe_file_hash(x->als_path);
    }
    return AION_OK;
}

aion_status aion_pipeline_run(const aion_pipeline_config *c, const char *out_dir, aion_pipeline_callback cb,
                              void *user, aion_pipeline_summary *summary, aion_error *err)
{
    ctx *x = NULL;
    aion_status st;
    double t0 = now_s();
    char started[64], path[3400];
    time_t now = time(NULL);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    if (summary) memset(summary, 0, sizeof *summary);
    if ((st = aion_pipeline_config_check(c, err)) != AION_OK) return st;
    if (strlen(out_dir) > 2000) return aion_err_set(err, AION_ERR_INVALID, "output folder name too long");
    x = calloc(1, sizeof *x);
    if (!x) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    x->c = c;
    x->cb = cb;
    x->user = user;
    snprintf(x->out, sizeof x->out, "%s", out_dir);
    pthread_mutex_init(&x->lock, NULL);
    x->threads = c->threads > 0 ? c->threads : omp_get_max_threads();
    x->nmod = 1 + c->n_committee;
    x->st_cap = x->nmod * c->glasses * (3 * c->n_temps + 2) + 8;
    x->st = calloc((size_t)x->st_cap, sizeof *x->st);
    if (!x->st) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int m = 0; m < x->nmod; m++) {
        /* model m's configuration: the run's, with its own potential (model 1: the run's as it is, so
         * its stage hashes are those of a run without a committee) */
        model *md = &x->mod[m];
        md->x = x;
        md->index = m + 1;
        md->c = *c;
        if (m > 0) {
            snprintf(md->c.potential, sizeof md->c.potential, "%s", c->committee[m - 1]);
            md->c.validation_report[0] = '\0';
            if (md->c.active_set[0]) snprintf(md->c.active_set, sizeof md->c.active_set, "auto");
        }
        md->c.n_committee = 0;
        memset(md->c.committee, 0, sizeof md->c.committee);
        aion_pipe_resolve(c, md->c.potential, md->pot_path, sizeof md->pot_path);
        if (m > 0 && access(md->pot_path, R_OK) != 0 && (strchr(md->c.potential, '/') || strchr(md->c.potential, '.'))) {
            st = aion_err_set(err, AION_ERR_IO, "potential.committee: model %d: %s: cannot read: %s%s%s%s", m + 1,
                              md->pot_path, strerror(errno), c->base_dir[0] ? " (relative paths are relative to the "
                                                                              "pipeline file's folder, " : "",
                              c->base_dir, c->base_dir[0] ? ")" : "");
            goto done;
        }
        md->pot_hash = aion_pipe_file_hash(md->pot_path); /* 0 for built-in names */
        for (int k = 0; k < m; k++)
            if (!strcmp(x->mod[k].pot_path, md->pot_path) || (md->pot_hash && md->pot_hash == x->mod[k].pot_hash)) {
                st = aion_err_set(err, AION_ERR_INVALID, "potential.committee: model %d (%s) is the same potential as "
                                  "model %d (%s): a committee needs different potentials", m + 1, md->pot_path, k + 1,
                                  x->mod[k].pot_path);
                goto done;
            }
        if ((st = resolve_active_set(md, err)) != AION_OK) {
            if (m > 0) {
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "%s", err->msg);
                aion_err_set(err, st, "potential.committee: model %d (%s): %s", m + 1, md->pot_path, msg);
            }
            goto done;
        }
    }
    snprintf(path, sizeof path, "%s/stages", out_dir);
    if (aion_mkdirs(path)) {
        st = aion_err_set(err, AION_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
        goto done;
    }
    {
        /* the effective configuration, for the record */
        char *y = aion_pipeline_config_yaml(c);
        snprintf(path, sizeof path, "%s/pipeline.yaml", out_dir);
        st = y ? aion_pipe_write_atomic(path, y, strlen(y), err) : aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        free(y);
        if (st != AION_OK) goto done;
    }
    {
        /* fail early on a bad potential or an active set of another potential */
        for (int m = 0; m < x->nmod; m++) {
            aion_potential *p = NULL;
            aion_mtp_grade *g = NULL;
            if ((st = make_potential(&x->mod[m], 1, &p, err)) == AION_OK) st = make_grade(&x->mod[m], 1, &g, err);
            aion_potential_free(p);
            aion_mtp_grade_free(g);
            if (st != AION_OK) {
                if (m > 0) {
                    char msg[sizeof err->msg];
                    snprintf(msg, sizeof msg, "%s", err->msg);
                    aion_err_set(err, st, "potential.committee: model %d (%s): %s", m + 1, x->mod[m].pot_path, msg);
                }
                goto done;
            }
        }
    }
    if ((st = run_pool(x)) != AION_OK) {
        aion_err_set(err, st, "out of memory");
        goto done;
    }
    if (x->first_err != AION_OK) {
        st = aion_err_copy(err, &x->err);
        goto done;
    }
    if (stopped(x)) {
        st = AION_EOF;
        goto done;
    }
    {
        char notes[16384] = ""; /* the CLI's copy; summary.json has them all */
        emit(x, AION_PIPE_STAGE_START, "report", 0, 0, 0, "Arrhenius fit, report.html, summary.json");
        st = aion_pipe_report(c, out_dir, x->st, x->nst, now_s() - t0, started, summary, notes, sizeof notes, err);
        if (st != AION_OK) goto done;
        if (notes[0]) {
            for (char *sv = NULL, *line = strtok_r(notes, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv))
                emit(x, AION_PIPE_NOTE, "report", 0, 0, 0, line);
        }
        emit(x, AION_PIPE_STAGE_DONE, "report", 0, 0, now_s() - t0, NULL);
    }
    if (summary) {
        for (int k = 0; k < x->nst; k++) {
            if (x->st[k].reused) summary->stages_skipped++;
            else summary->stages_run++;
        }
        summary->seconds = now_s() - t0;
    }
done:
    pthread_mutex_destroy(&x->lock);
    free(x->st);
    free(x);
    return st;
}
