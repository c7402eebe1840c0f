/* Shared pieces of `aion md`, `aion quench` and `aion run`. */
#include "mdcli.h"

#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void mdcli_defaults(mdcli *m)
{
    memset(m, 0, sizeof *m);
    m->potential = "pedone";
    m->ensemble = "nvt-csvr";
    m->cell = "iso";
    m->dilate = "all";
    m->temp = 300;
    m->init_temp = -1;
    m->press_gpa = 1e-4;
    m->dt = 1.0;
    m->tau_t = 100;
    m->tau_p = 1000;
    m->compress = 0.02;
    m->seed = 1;
    m->nhc = 3;
    m->freeze_zlo = m->freeze_zhi = 0;
    m->out = "md-out";
    m->traj = "xyz";
    m->traj_every = 100;
    m->thermo_every = 10;
    m->checkpoint_every = 1000;
    m->progress_every = 10;
    m->fmax = 0.05;
    m->grade_every = 100;
    m->contact_every = 1;
    m->contact_min_ratio = INFINITY;
}

/* --contact-stop: the closest pairs of the data are looked for within this (Å); a species pair with none
 * closer stands at this distance (as aion learn --contact-select with its cut-off) */
#define CONTACT_SEARCH_A 5.0

#define OPT(n, ty, p, h) t[k++] = (cli_opt){n, ty, p, h, 0, NULL, 0}

int mdcli_potential_opts(mdcli *m, cli_opt *t, int max)
{
    int k = 0;
    (void)max;
    OPT("potential", OPT_STR, &m->potential, "potential: built-in name (pedone), parameter file or .mtp (default pedone)");
    OPT("coulomb", OPT_STR, &m->coulomb, "Coulomb method for classical potentials: ewald, dsf, cut, none (default: the model's)");
    OPT("cutoff", OPT_DBL, &m->cutoff, "Coulomb cutoff (Å), 0 = model default");
    OPT("sr-cutoff", OPT_DBL, &m->sr_cutoff, "short-range cutoff (Å), 0 = model default");
    OPT("dsf-alpha", OPT_DBL, &m->dsf_alpha, "DSF damping α (1/Å), 0 = 0.25");
    OPT("ewald-accuracy", OPT_DBL, &m->ewald_accuracy, "Ewald relative accuracy, 0 = 1e-8");
    OPT("species", OPT_STR, &m->species, "elements of species 0,1,.. for .mtp/.cfg/LAMMPS types, e.g. Mg,V,O");
    OPT("threads", OPT_INT, &m->threads, "OpenMP threads (0 = default)");
    return k;
}

int mdcli_dynamics_opts(mdcli *m, cli_opt *t, int max)
{
    int k = 0;
    (void)max;
    OPT("ensemble", OPT_STR, &m->ensemble, "nve, nvt-langevin, nvt-csvr, nvt-nhc, npt (CSVR + stochastic cell rescaling), npt-langevin");
    OPT("temp", OPT_DBL, &m->temp, "target temperature (K)");
    OPT("temp-end", OPT_DBL, &m->temp_end, "ramp the target linearly to this temperature (K) over the run");
    OPT("init-temp", OPT_DBL, &m->init_temp, "initial Maxwell-Boltzmann temperature (K); default: --temp unless the input has velocities");
    OPT("press", OPT_DBL, &m->press_gpa, "target pressure (GPa) for npt, default 1e-4 (1 bar)");
    OPT("cell", OPT_STR, &m->cell,
        "cell degrees of freedom for npt: iso, aniso, tri, z (normal to a slab: lateral cell fixed, c stretched by P_zz)");
    OPT("dilate", OPT_STR, &m->dilate,
        "npt with frozen atoms: all (the cell deformation moves frozen atoms too, LAMMPS dilate all) or mobile "
        "(frozen atoms keep their positions, LAMMPS dilate partial: a frozen metal slab is not strained)");
    OPT("dt", OPT_DBL, &m->dt, "time step (fs)");
    OPT("steps", OPT_LONG, &m->steps, "number of steps");
    OPT("time", OPT_DBL, &m->time_ps, "run length (ps), instead of --steps");
    OPT("tau-t", OPT_DBL, &m->tau_t, "thermostat time constant (fs)");
    OPT("tau-p", OPT_DBL, &m->tau_p, "barostat time constant (fs)");
    OPT("compress", OPT_DBL, &m->compress, "compressibility estimate for the barostat (1/GPa)");
    OPT("nhc", OPT_INT, &m->nhc, "Nosé-Hoover chain length");
    OPT("seed", OPT_U64, &m->seed, "random seed");
    OPT("freeze-species", OPT_STR, &m->freeze_species, "freeze all atoms of these elements (e.g. Li,O)");
    OPT("freeze-zlo", OPT_DBL, &m->freeze_zlo, "freeze atoms with z (Å) between --freeze-zlo and --freeze-zhi");
    OPT("freeze-zhi", OPT_DBL, &m->freeze_zhi, "see --freeze-zlo");
    OPT("minimize", OPT_FLAG, &m->minimize, "relax positions with FIRE before the dynamics");
    OPT("fmax", OPT_DBL, &m->fmax, "force tolerance for --minimize (eV/Å)");
    return k;
}

int mdcli_output_opts(mdcli *m, cli_opt *t, int max)
{
    int k = 0;
    (void)max;
    OPT("out", OPT_STR, &m->out, "output folder (traj, thermo.csv, checkpoint.bin, run.json, final.xyz)");
    OPT("traj", OPT_STR, &m->traj, "trajectory format: xyz, dump, both, none");
    OPT("traj-every", OPT_LONG, &m->traj_every, "steps between trajectory frames");
    OPT("thermo-every", OPT_LONG, &m->thermo_every, "steps between thermo.csv lines");
    OPT("checkpoint-every", OPT_LONG, &m->checkpoint_every, "steps between checkpoints");
    OPT("restart", OPT_FLAG, &m->restart, "continue from OUT/checkpoint.bin (same options)");
    OPT("grade", OPT_FLAG, &m->grade, "log the MTP extrapolation grade to OUT/grade.csv (needs POT.als from aion train)");
    OPT("grade-every", OPT_LONG, &m->grade_every, "steps between extrapolation grades (default 100)");
    OPT("grade-stop", OPT_DBL, &m->grade_stop, "stop (with a checkpoint) when the extrapolation grade exceeds this (e.g. 10)");
    OPT("active-set", OPT_STR, &m->active_set, "active set for --grade (default: the potential with .als)");
    OPT("contact-stop", OPT_DBL, &m->contact_stop,
        "stop (with a checkpoint) when a pair is closer than this x the closest pair of its species in --contact-data "
        "(e.g. 0.9; needs --species)");
    OPT("contact-data", OPT_STR, &m->contact_data, "the potential's training data, for --contact-stop");
    OPT("contact-every", OPT_LONG, &m->contact_every, "steps between close-contact checks (default 1)");
    OPT("max-temp-ratio", OPT_DBL, &m->max_temp_ratio,
        "stop with an error when the temperature exceeds this x the target (a blown-up run; default 20, < 0 never)");
    return k;
}

aion_potential *mdcli_potential(const mdcli *m)
{
    aion_potential_opts po;
    aion_potential *p = NULL;
    aion_error err;
    int zs[64];
    aion_potential_opts_init(&po);
    if (m->coulomb) {
        if (!strcmp(m->coulomb, "ewald")) po.coulomb = AION_COUL_EWALD;
        else if (!strcmp(m->coulomb, "dsf")) po.coulomb = AION_COUL_DSF;
        else if (!strcmp(m->coulomb, "cut")) po.coulomb = AION_COUL_CUT;
        else if (!strcmp(m->coulomb, "none")) po.coulomb = AION_COUL_NONE;
        else {
            cli_fail("unknown --coulomb '%s' (ewald, dsf, cut, none)", m->coulomb);
            return NULL;
        }
    }
    po.coul_cutoff = m->cutoff;
    po.sr_cutoff = m->sr_cutoff;
    po.dsf_alpha = m->dsf_alpha;
    po.ewald_accuracy = m->ewald_accuracy;
    po.nthreads = m->threads;
    if (m->species) {
        int n = cli_parse_species(m->species, zs, 64);
        if (n < 0) return NULL;
        po.species_z = zs;
        po.n_species_z = n;
    }
    if (aion_potential_create(&p, m->potential, &po, &err) != AION_OK) {
        cli_fail("%s", err.msg);
        return NULL;
    }
    return p;
}

int mdcli_md_opts(const mdcli *m, const aion_frame *f, aion_md_opts *o, int **groups)
{
    static const struct { const char *name; aion_ensemble e; } ens[] = {
        {"nve", AION_NVE}, {"nvt-langevin", AION_NVT_LANGEVIN}, {"langevin", AION_NVT_LANGEVIN},
        {"nvt-csvr", AION_NVT_CSVR}, {"nvt", AION_NVT_CSVR}, {"csvr", AION_NVT_CSVR}, {"nvt-nhc", AION_NVT_NHC},
        {"nhc", AION_NVT_NHC}, {"npt", AION_NPT_CSVR}, {"npt-csvr", AION_NPT_CSVR}, {"npt-langevin", AION_NPT_LANGEVIN},
    };
    int found = 0;
    aion_md_opts_init(o);
    for (size_t k = 0; k < sizeof ens / sizeof ens[0]; k++)
        if (!strcmp(m->ensemble, ens[k].name)) o->ensemble = ens[k].e, found = 1;
    if (!found) return cli_fail("unknown --ensemble '%s'", m->ensemble);
    if (!strcmp(m->cell, "iso")) o->cell_dof = AION_CELL_ISO;
    else if (!strcmp(m->cell, "aniso")) o->cell_dof = AION_CELL_ANISO;
    else if (!strcmp(m->cell, "tri")) o->cell_dof = AION_CELL_TRI;
    else if (!strcmp(m->cell, "z")) o->cell_dof = AION_CELL_Z;
    else return cli_fail("unknown --cell '%s' (iso, aniso, tri, z)", m->cell);
    if (!strcmp(m->dilate, "all")) o->frozen_fixed = 0;
    else if (!strcmp(m->dilate, "mobile")) o->frozen_fixed = 1;
    else return cli_fail("unknown --dilate '%s' (all, mobile)", m->dilate);
    if (!(m->dt > 0)) return cli_fail("--dt must be positive");
    o->dt_fs = m->dt;
    o->temp_K = m->temp;
    o->tau_t_fs = m->tau_t;
    o->press_GPa = m->press_gpa;
    o->tau_p_fs = m->tau_p;
    o->compress_GPa = m->compress;
    o->nhc_length = m->nhc;
    o->seed = m->seed;
    *groups = NULL;
    if (m->freeze_species || m->freeze_zhi > m->freeze_zlo) {
        int zs[64], nz = 0, nfrozen = 0;
        if (m->freeze_species && (nz = cli_parse_species(m->freeze_species, zs, 64)) < 0) return 1;
        *groups = calloc((size_t)f->n, sizeof **groups);
        if (!*groups) return cli_fail("out of memory");
        for (int i = 0; i < f->n; i++) {
            int fr = 0;
            for (int k = 0; k < nz; k++) fr |= f->z[i] == zs[k];
            if (m->freeze_zhi > m->freeze_zlo && f->pos[i][2] >= m->freeze_zlo && f->pos[i][2] <= m->freeze_zhi) fr = 1;
            (*groups)[i] = fr;
            nfrozen += fr;
        }
        o->group = *groups;
        o->n_groups = 2;
        o->group_frozen[1] = 1;
        fprintf(stderr, "aion: %d atoms frozen\n", nfrozen);
    }
    return 0;
}

typedef struct {
    const char *label;
    struct timespec t0;
    long done0;
    /* extrapolation grade */
    aion_mtp_grade *grade;
    aion_md *md;
    FILE *gcsv;
    long grade_every;
    double grade_stop, gamma, gamma_stop;
    long stop_step;
    int grade_failed;
    /* close-contact guard */
    aion_contact *contact;
    long contact_every, contact_step;
    double contact_min;
    char contact_desc[96];
    long show_every; /* steps between progress-bar updates (the user's --progress-every) */
} progress_ctx;

static int on_progress(void *user, long done, long total, const aion_thermo *t)
{
    progress_ctx *c = user;
    struct timespec now;
    char extra[128];
    if (c->grade && t->step % c->grade_every == 0) {
        double g = 0;
        int worst = -1;
        if (aion_mtp_grade_compute(c->grade, aion_md_frame(c->md), &g, NULL, &worst)) {
            cli_fail("extrapolation grade: %s", aion_mtp_grade_errmsg(c->grade));
            c->grade_failed = 1;
            return 1;
        }
        c->gamma = g;
        if (c->gcsv) {
            fprintf(c->gcsv, "%ld,%.6f,%.6g,%d\n", t->step, t->time_fs / 1000.0, g, worst + 1);
            fflush(c->gcsv);
        }
        if (c->grade_stop > 0 && g > c->grade_stop) {
            c->gamma_stop = g;
            c->stop_step = t->step;
            return 1;
        }
    }
    if (c->contact && t->step % c->contact_every == 0) {
        double q = INFINITY;
        int hit = 0;
        aion_error e;
        if (aion_contact_check(c->contact, aion_md_frame(c->md), &q, &hit, c->contact_desc, sizeof c->contact_desc, &e)) {
            cli_fail("close-contact check: %s", e.msg);
            c->grade_failed = 1;
            return 1;
        }
        c->contact_min = fmin(c->contact_min, q);
        if (hit) {
            c->contact_step = t->step;
            return 1;
        }
    }
    /* the guards may call more often than the progress bar is wanted */
    if (c->show_every > 1 && t->step % c->show_every) return cli_stop_requested();
    clock_gettime(CLOCK_MONOTONIC, &now);
    double el = (double)(now.tv_sec - c->t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - c->t0.tv_nsec);
    if (c->grade)
        snprintf(extra, sizeof extra, "T %.0f K  P %.3g GPa  ρ %.3f  γ %.2f", t->temp_K, t->press * AION_EV_A3_TO_GPA,
                 t->density, c->gamma);
    else
        snprintf(extra, sizeof extra, "T %.0f K  P %.3g GPa  ρ %.3f", t->temp_K, t->press * AION_EV_A3_TO_GPA,
                 t->density);
    cli_progress(c->label, done, total, el > 0 ? (double)(done - c->done0) / el : 0, extra);
    return cli_stop_requested();
}

/* The configuration a guard stopped at, to OUT/name (best effort: the message names the file either way). */
static void write_stop_frame(const mdcli *m, aion_md *md, const char *name, char *path, size_t len)
{
    aion_writer *w = NULL;
    aion_write_opts wo;
    aion_error e2;
    aion_write_opts_init(&wo);
    wo.format = AION_FMT_EXTXYZ;
    snprintf(path, len, "%s/%s", m->out, name);
    if (aion_writer_open(&w, path, &wo, &e2) == AION_OK) {
        if (aion_writer_write(w, aion_md_frame(md)) == AION_OK) aion_writer_close(w, &e2);
        else aion_writer_abort(w);
    }
}

/* The close-contact stop: the configuration to OUT/contact.xyz, the message; returns 5. */
static int contact_stopped(const mdcli *m, aion_md *md, const progress_ctx *pc, const char *ck)
{
    char xp[4200];
    write_stop_frame(m, md, "contact.xyz", xp, sizeof xp);
    fprintf(stderr, "aion: close contact at step %ld: %s, below %g x the data's closest pair: stopped; configuration "
                    "in %s (label it and retrain)%s%s\n",
            pc->contact_step, pc->contact_desc, m->contact_stop, xp, ck ? ", checkpoint " : "", ck ? ck : "");
    return 5;
}

/* --contact-stop: the guard from the training data's closest pairs, the callback interval, and the check
 * of the start configuration (the run's callback comes after the first step). Returns 0, 1 (error,
 * printed) or 5 (the start is already a contact). */
static int contact_setup(const mdcli *m, aion_md *md, progress_ctx *pc, aion_run_opts *ro)
{
    int zs[64], nz = m->species ? cli_parse_species(m->species, zs, 64) : 0, ndf = 0, hit = 0;
    aion_frame *df = NULL;
    double *dmin = NULL;
    aion_read_opts rdo;
    aion_error err;
    aion_status st;
    if (!(m->contact_stop > 0 && m->contact_stop < 1))
        return cli_fail("--contact-stop must be between 0 and 1 (got %g)", m->contact_stop);
    if (nz <= 0 || !m->contact_data)
        return cli_fail("--contact-stop needs --species and --contact-data (the potential's training data)");
    aion_read_opts_init(&rdo);
    if (!(dmin = calloc((size_t)nz * (size_t)nz, sizeof *dmin))) return cli_fail("out of memory");
    st = aion_read_all(m->contact_data, &rdo, &df, &ndf, &err);
    if (st == AION_OK) st = aion_frames_closest_pairs(df, ndf, zs, nz, CONTACT_SEARCH_A, dmin, &err);
    if (st == AION_OK) st = aion_contact_create(&pc->contact, zs, nz, dmin, CONTACT_SEARCH_A, m->contact_stop, &err);
    aion_frames_free(df, ndf);
    free(dmin);
    if (st != AION_OK) return cli_fail("%s", err.msg);
    pc->md = md;
    pc->contact_every = m->contact_every > 0 ? m->contact_every : 1;
    /* the callback must run at every check step (and at every grade step) */
    long pe = ro->progress_every > 0 ? ro->progress_every : pc->contact_every;
    while (pc->contact_every % pe || (pc->grade && pc->grade_every % pe)) pe--;
    ro->progress_every = pe;
    if (m->restart) return 0;
    if (aion_contact_check(pc->contact, aion_md_frame(md), &pc->contact_min, &hit, pc->contact_desc,
                           sizeof pc->contact_desc, &err) != AION_OK)
        return cli_fail("close-contact check: %s", err.msg);
    return hit ? contact_stopped(m, md, pc, NULL) : 0;
}

int mdcli_run(mdcli *m, aion_md *md, const aion_segment *segs, int nseg, const char *label)
{
    aion_run_opts ro;
    aion_error err;
    progress_ctx pc;
    char xyz[4096], dump[4096], csv[4096], ck[4096];
    aion_status st;
    if (aion_mkdirs(m->out)) return cli_fail("%s: cannot create the output folder", m->out);
    snprintf(xyz, sizeof xyz, "%s/traj.xyz", m->out);
    snprintf(dump, sizeof dump, "%s/traj.dump", m->out);
    snprintf(csv, sizeof csv, "%s/thermo.csv", m->out);
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", m->out);
    memset(&ro, 0, sizeof ro);
    if (!strcmp(m->traj, "xyz") || !strcmp(m->traj, "both")) ro.traj_xyz = xyz;
    if (!strcmp(m->traj, "dump") || !strcmp(m->traj, "both")) ro.traj_dump = dump;
    if (strcmp(m->traj, "xyz") && strcmp(m->traj, "dump") && strcmp(m->traj, "both") && strcmp(m->traj, "none"))
        return cli_fail("unknown --traj '%s' (xyz, dump, both, none)", m->traj);
    ro.traj_every = m->traj_every;
    ro.thermo_csv = csv;
    ro.thermo_every = m->thermo_every;
    ro.checkpoint = ck;
    ro.checkpoint_every = m->checkpoint_every;
    ro.restart = m->restart;
    ro.progress = on_progress;
    ro.user = &pc;
    ro.progress_every = m->progress_every;
    ro.max_temp_ratio = m->max_temp_ratio;
    memset(&pc, 0, sizeof pc);
    pc.label = label;
    pc.show_every = ro.progress_every;
    clock_gettime(CLOCK_MONOTONIC, &pc.t0);
    pc.done0 = 0;
    if (m->grade || m->grade_stop > 0) {
        size_t L = strlen(m->potential);
        int zs[64], nz = m->species ? cli_parse_species(m->species, zs, 64) : 0;
        char gpath[4096];
        if (L < 5 || strcmp(m->potential + L - 4, ".mtp"))
            return cli_fail("--grade and --grade-stop need an MTP potential (.mtp)");
        if (nz <= 0) return cli_fail("--grade needs --species");
        if (aion_mtp_grade_create(&pc.grade, m->potential, m->active_set, zs, nz, m->threads, &err))
            return cli_fail("%s", err.msg);
        pc.md = md;
        pc.grade_every = m->grade_every > 0 ? m->grade_every : 100;
        pc.grade_stop = m->grade_stop;
        /* the callback must run at every grade step */
        if (ro.progress_every <= 0 || pc.grade_every % ro.progress_every) ro.progress_every = pc.grade_every;
        snprintf(gpath, sizeof gpath, "%s/grade.csv", m->out);
        pc.gcsv = fopen(gpath, m->restart ? "a" : "w");
        if (!pc.gcsv) {
            aion_mtp_grade_free(pc.grade);
            return cli_fail("%s: cannot write", gpath);
        }
        if (!m->restart) fprintf(pc.gcsv, "step,time_ps,gamma_max,worst_atom\n");
    }
    pc.contact_min = INFINITY;
    if (m->contact_stop != 0) {
        int rc = contact_setup(m, md, &pc, &ro);
        if (rc) {
            aion_mtp_grade_free(pc.grade);
            if (pc.gcsv) fclose(pc.gcsv);
            aion_contact_free(pc.contact);
            m->contact_min_ratio = pc.contact_min;
            return rc;
        }
    }
    cli_catch_signals();
    long step0 = aion_md_step_count(md);
    struct timespec w0, w1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &w0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    st = aion_md_run(md, segs, nseg, &ro, &err);
    clock_gettime(CLOCK_MONOTONIC, &w1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    cli_progress_end();
    m->run_steps = aion_md_step_count(md) - step0;
    m->run_wall_s = (double)(w1.tv_sec - w0.tv_sec) + 1e-9 * (double)(w1.tv_nsec - w0.tv_nsec);
    m->run_cpu_s = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
    if (pc.gcsv) fclose(pc.gcsv);
    aion_mtp_grade_free(pc.grade);
    aion_contact_free(pc.contact);
    m->contact_min_ratio = pc.contact_min;
    if (pc.grade_failed) return 1;
    if (st == AION_EOF && pc.contact_step) return contact_stopped(m, md, &pc, ck);
    if (st == AION_EOF && pc.stop_step) {
        char xp[4200];
        write_stop_frame(m, md, "extrapolating.xyz", xp, sizeof xp);
        fprintf(stderr, "aion: extrapolation grade %.3g > %g at step %ld: stopped; configuration in %s "
                        "(label it and retrain), checkpoint %s\n", pc.gamma_stop, pc.grade_stop, pc.stop_step, xp, ck);
        return 4;
    }
    if (st == AION_EOF) {
        fprintf(stderr, "aion: stopped at step %ld; checkpoint written to %s (continue with --restart)\n",
                aion_md_step_count(md), ck);
        return 3;
    }
    if (st != AION_OK) return cli_fail("%s", err.msg);
    return 0;
}

int mdcli_write_structure(const mdcli *m, const aion_frame *f, const char *name)
{
    char path[4096];
    aion_writer *w;
    aion_error err;
    aion_write_opts wo;
    if (aion_mkdirs(m->out)) return cli_fail("%s: cannot create the output folder", m->out);
    snprintf(path, sizeof path, "%s/%s", m->out, name);
    aion_write_opts_init(&wo);
    wo.format = AION_FMT_EXTXYZ;
    if (aion_writer_open(&w, path, &wo, &err) != AION_OK) return cli_fail("%s", err.msg);
    if (aion_writer_write(w, f) != AION_OK) {
        cli_fail("%s", aion_writer_errmsg(w));
        aion_writer_abort(w);
        return 1;
    }
    if (aion_writer_close(w, &err) != AION_OK) return cli_fail("%s", err.msg);
    return 0;
}

int mdcli_finish(const mdcli *m, aion_md *md, cli_record *rec, const char *final_name)
{
    aion_thermo t;
    char path[4096], rpath[4096];
    aion_writer *w;
    aion_error err;
    aion_write_opts wo;
    const aion_frame *f = aion_md_frame(md);
    aion_md_thermo(md, &t);
    snprintf(path, sizeof path, "%s/%s", m->out, final_name);
    aion_write_opts_init(&wo);
    wo.format = AION_FMT_EXTXYZ;
    if (!f || aion_writer_open(&w, path, &wo, &err) != AION_OK) return cli_fail("%s", f ? err.msg : "out of memory");
    if (aion_writer_write(w, f) != AION_OK) {
        cli_fail("%s", aion_writer_errmsg(w));
        aion_writer_abort(w);
        return 1;
    }
    if (aion_writer_close(w, &err) != AION_OK) return cli_fail("%s", err.msg);
    cli_record_number(rec, "results", "steps", (double)t.step);
    cli_record_number(rec, "results", "time_ps", t.time_fs / 1000.0);
    cli_record_number(rec, "results", "final_temperature_K", t.temp_K);
    cli_record_number(rec, "results", "final_epot_eV", t.epot);
    cli_record_number(rec, "results", "final_pressure_GPa", t.press * AION_EV_A3_TO_GPA);
    cli_record_number(rec, "results", "final_volume_A3", t.volume);
    cli_record_number(rec, "results", "final_density_gcc", t.density);
    cli_record_string(rec, "results", "final_structure", path);
    {
        double n = (double)f->n, as = m->run_wall_s > 0 ? n * (double)m->run_steps / m->run_wall_s : 0;
        cli_record_number(rec, "results", "run_steps", (double)m->run_steps);
        cli_record_number(rec, "results", "run_wall_s", m->run_wall_s);
        cli_record_number(rec, "results", "run_cpu_s", m->run_cpu_s);
        cli_record_number(rec, "results", "atom_steps_per_s", as);
        if (m->contact_stop > 0 && isfinite(m->contact_min_ratio))
            cli_record_number(rec, "results", "contact_ratio_min", m->contact_min_ratio);
        fprintf(stderr, "aion: %ld steps in %.3f s wall, %.3f s CPU: %.4g atom-steps/s\n", m->run_steps, m->run_wall_s,
                m->run_cpu_s, as);
    }
    snprintf(rpath, sizeof rpath, "%s/run.json", m->out);
    if (cli_record_write(rec, rpath)) return cli_fail("%s: cannot write the run record", rpath);
    printf("final: T %.1f K, E_pot %.6f eV, P %.4f GPa, V %.2f Å³, density %.4f g/cm³\nwrote %s and %s\n", t.temp_K,
           t.epot, t.press * AION_EV_A3_TO_GPA, t.volume, t.density, path, rpath);
    return 0;
}
