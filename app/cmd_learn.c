/* aion learn: the active-learning loop (the library runs it, src/learn/; CP2K labelling through label_driver.c). */
#include "cli.h"
#include "label_driver.h"
#include "opts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_TASKS 64
#define MAX_DATA 32

static const char *usage =
    "usage: aion learn --out DIR --data SEED.xyz[,MORE.xyz] --species Li,P,O --task SPEC [--task SPEC ...]\n"
    "                  [--labeller cp2k|potential:SPEC] [--method xtb|pbe] [--gamma-select 2] [--gamma-break 10]\n"
    "                  [--max-select 20] [--max-iter 10] [--level 8] [--weights 1,0.01,0] [--init POT.mtp]\n"
    "                  [--zbl INNER,OUTER] ... [--run-file LEARN.yaml]\n"
    "Active learning (Podryabinkin & Shapeev 2017, as MLIP-2): each iteration trains an MTP on the data set\n"
    "(warm start from the previous iteration), runs the exploration MD tasks with it while watching the\n"
    "extrapolation grade (grade > gamma-select: candidate; > gamma-break: the task stops), picks at most\n"
    "--max-select candidates by MaxVol, labels them (CP2K as in `aion label`, or a potential as the oracle for\n"
    "tests), adds them and retrains; converged when an exploration finds no candidate (and, with --audit N,\n"
    "when N configurations per task, labelled whatever their grade, agree with the potential within\n"
    "--audit-tol meV/atom: the grade can stay low in a wrong basin; and, with --contact-select R, when no task\n"
    "brings a pair of species closer than R x the closest such pair of the data: such a configuration is\n"
    "labelled whatever its grade and stops its task). Writes DIR/learn.json\n"
    "(one record per iteration), DIR/dataset.xyz, DIR/iter-NNN/ and DIR/final.mtp (+ .als). Killed or\n"
    "interrupted (Ctrl-C), run the same command again: finished steps are kept, training continues from its\n"
    "checkpoint, CP2K labels already made are reused. --zbl puts a ZBL pair repulsion under the MTP as\n"
    "aion train --zbl (the first training adds it, later ones keep it; --zbl 0: none, dropping --init's;\n"
    "default: as --init has it). See docs/learning.md.\n"
    "\n"
    "A task SPEC is key=value pairs separated by spaces or commas:\n"
    "  start=FILE [frame=N]            start structure (frame N of FILE; negative counts from the end)\n"
    "  random=FORMULA atoms=N density=G  or a random structure (g/cm3)\n"
    "  T=300 | T=300:2000:2000:300     constant, or piecewise linear through these temperatures (K), equal times\n"
    "  steps=1000 dt=1 tau=100 every=10  MD steps, time step (fs), thermostat time (fs), steps between grades\n"
    "  ensemble=nvt|npt [press=GPa]    NVT (CSVR, fixed density; the default) or NPT\n"
    "  seed=1                          each iteration derives its own seed from it\n"
    "e.g. --task 'start=glass.xyz T=300:1500:300 steps=3000' --task 'random=Li3PO4 atoms=32 density=2.4 T=1200'";

typedef struct lprog {
    int quiet, tty;
    double last_value;
} lprog;

static int on_event(void *user, const aion_learn_event *ev)
{
    lprog *p = user;
    switch (ev->kind) {
    case AION_LEARN_STEP_START:
        if (!p->quiet) fprintf(stderr, "aion: [iter %d] %s: %s\n", ev->iter, ev->step, ev->message ? ev->message : "started");
        break;
    case AION_LEARN_STEP_SKIP:
        if (!p->quiet) fprintf(stderr, "aion: [iter %d] %s: finished in an earlier run (kept)\n", ev->iter, ev->step);
        break;
    case AION_LEARN_STEP_DONE:
        cli_progress_end();
        if (!p->quiet)
            fprintf(stderr, "aion: [iter %d] %s: %s [%.1f s]\n", ev->iter, ev->step, ev->message ? ev->message : "done",
                    ev->seconds);
        break;
    case AION_LEARN_PROGRESS:
        if (!p->quiet && ev->total > 0) {
            char what[64], extra[64];
            snprintf(what, sizeof what, "iter %d %s", ev->iter, ev->step);
            if (!strcmp(ev->step, "train")) snprintf(extra, sizeof extra, "loss %.4g", ev->value);
            else snprintf(extra, sizeof extra, "max grade %.3g", ev->value);
            cli_progress(what, ev->done, ev->total, 0, extra);
        }
        break;
    case AION_LEARN_NOTE:
        cli_progress_end();
        fprintf(stderr, "aion: [iter %d] %s: %s\n", ev->iter, ev->step, ev->message ? ev->message : "");
        break;
    }
    return cli_stop_requested();
}

/* CP2K through the labelling driver: work directory = the iteration's label/ folder. */
static aion_status cp2k_label(void *user, const char *workdir, aion_frame *frames, int n, int *ok, aion_error *err)
{
    label_opts o = *(const label_opts *)user;
    label_stats st;
    char out[4200];
    aion_frame *res = NULL;
    int nres = 0;
    aion_error local;
    o.workdir = workdir;
    for (int k = 0; k < n; k++) ok[k] = 0;
    if (n == 0) return AION_OK;
    if (!err) err = &local;
    int rc = label_run(frames, n, &o, &st);
    if (rc == 130) return AION_EOF;
    if (rc == 2) {
        snprintf(err->msg, sizeof err->msg, "CP2K labelling failed (see the messages above)");
        return err->code = AION_ERR_IO;
    }
    snprintf(out, sizeof out, "%s/labelled.xyz", workdir);
    if (label_assemble(frames, n, &o, out) < 0) {
        snprintf(err->msg, sizeof err->msg, "%.900s: cannot assemble the labels", out);
        return err->code = AION_ERR_IO;
    }
    {
        FILE *fp = fopen(out, "r");
        int empty = !fp || fgetc(fp) == EOF;
        if (fp) fclose(fp);
        if (empty) return AION_OK; /* every structure failed: listed in failures.txt */
    }
    if (aion_read_all(out, NULL, &res, &nres, err) != AION_OK) return err->code;
    for (int j = 0; j < nres; j++) {
        const char *si = aion_frame_info_get(&res[j], "label_index");
        char *end;
        long i = si ? strtol(si, &end, 10) : -1;
        if (!si || *end || i < 0 || i >= n || res[j].n != frames[i].n) continue;
        aion_frame_free(&frames[i]);
        frames[i] = res[j]; /* moved */
        aion_frame_init(&res[j]);
        ok[i] = 1;
    }
    aion_frames_free(res, nres);
    return AION_OK;
}

int cmd_learn(int argc, char **argv)
{
    const char *out = NULL, *data = NULL, *valid = NULL, *species = NULL, *init = NULL, *labeller = "cp2k",
               *method = "xtb", *cp2k = "cp2k", *set = NULL, *tpl_path = NULL, *data_dir = NULL;
    const char *task_specs[MAX_TASKS];
    int ntask_specs = 0, nweights = 0, nzbl = 0, jobs = 1, tpj = 1, keep = 0, retry = 0, quiet = 0, k = 0, npos, rc = 1;
    double weights[3] = {1, 0.01, 0.001}, zbl[2] = {0, 0}, timeout = 0;
    char *pos[1], *data_copy = NULL, *tpl = NULL, label_id[1024];
    const char *seed_files[MAX_DATA];
    int zs[64], nz;
    aion_learn_opts lo;
    aion_learn_task tasks[MAX_TASKS];
    aion_potential *oracle = NULL;
    label_opts lab;
    aion_error err;
    cli_opt t[52];
    cli_record *rec = NULL;
    aion_learn_summary sum;

    aion_learn_opts_init(&lo);
    t[k++] = (cli_opt){"out", OPT_STR, &out, "output directory (required; run again with the same DIR to continue)", 0, NULL, 0};
    t[k++] = (cli_opt){"data", OPT_STR, &data, "seed data set: labelled structures, comma-separated files (required)", 0, NULL, 0};
    t[k++] = (cli_opt){"valid", OPT_STR, &valid, "fixed validation set (errors recorded every iteration)", 0, NULL, 0};
    t[k++] = (cli_opt){"species", OPT_STR, &species, "elements of MTP species 0,1,... (required), e.g. Li,P,O", 0, NULL, 0};
    t[k++] = (cli_opt){"task", OPT_STR_LIST, task_specs, "exploration MD task (repeatable; see above; at least one)", MAX_TASKS, &ntask_specs, 0};
    t[k++] = (cli_opt){"gamma-select", OPT_DBL, &lo.gamma_select, "grade above which an MD configuration is a candidate (default 2)", 0, NULL, 0};
    t[k++] = (cli_opt){"gamma-break", OPT_DBL, &lo.gamma_break, "grade above which a task stops (default 10)", 0, NULL, 0};
    t[k++] = (cli_opt){"max-select", OPT_INT, &lo.max_select, "configurations labelled per iteration at most (default 20)", 0, NULL, 0};
    t[k++] = (cli_opt){"max-iter", OPT_INT, &lo.max_iter, "iterations at most (default 10)", 0, NULL, 0};
    t[k++] = (cli_opt){"audit", OPT_INT, &lo.audit, "energy check: configurations per task labelled whatever their grade (default 0 = off)", 0, NULL, 0};
    t[k++] = (cli_opt){"audit-tol", OPT_DBL, &lo.audit_tol, "energy check tolerance, meV/atom (default 30)", 0, NULL, 0};
    t[k++] = (cli_opt){"contact-select", OPT_DBL, &lo.contact_select, "close contacts: a pair closer than this x the data's closest pair of its species is labelled whatever its grade and stops its task (e.g. 0.95; default 0 = off)", 0, NULL, 0};
    t[k++] = (cli_opt){"init", OPT_STR, &init, "start the first training from this .mtp (trained or untrained)", 0, NULL, 0};
    t[k++] = (cli_opt){"level", OPT_INT, &lo.level, "MTP level of a new potential (default 8; ignored with --init)", 0, NULL, 0};
    t[k++] = (cli_opt){"cutoff", OPT_DBL, &lo.cutoff, "cutoff of a new potential, Å (default 5)", 0, NULL, 0};
    t[k++] = (cli_opt){"min-dist", OPT_DBL, &lo.min_dist, "inner radius of the radial basis, Å (default: from the data)", 0, NULL, 0};
    t[k++] = (cli_opt){"radial-size", OPT_INT, &lo.radial_size, "Chebyshev polynomials per radial function (default 8)", 0, NULL, 0};
    t[k++] = (cli_opt){"zbl", OPT_DBL_LIST, zbl, "ZBL baseline switched off between INNER and OUTER Å, added by the first training and kept (0 = none; default: as --init has it)", 2, &nzbl, 0};
    t[k++] = (cli_opt){"qeq", OPT_STR, &lo.qeq_params, "charge equilibration table added by the first training and kept (none = drop --init's; docs/qeq.md)", 0, NULL, 0};
    t[k++] = (cli_opt){"weights", OPT_DBL_LIST, weights, "energy,force,stress weights (default 1,0.01,0.001; stress 0 for xTB data)", 3, &nweights, 0};
    t[k++] = (cli_opt){"train-max-iter", OPT_INT, &lo.train_max_iter, "L-BFGS iterations per training (default 500)", 0, NULL, 0};
    t[k++] = (cli_opt){"train-tol", OPT_DBL, &lo.train_tol, "training convergence tolerance (default 1e-3, as aion train --tol)", 0, NULL, 0};
    t[k++] = (cli_opt){"seed", OPT_U64, &lo.seed, "seed of the first training's random radial coefficients (default 1)", 0, NULL, 0};
    t[k++] = (cli_opt){"threads", OPT_INT, &lo.nthreads, "OpenMP threads for training, MD and grades (default: all)", 0, NULL, 0};
    t[k++] = (cli_opt){"labeller", OPT_STR, &labeller, "cp2k (default) or potential:SPEC (e.g. potential:pedone: an oracle for tests and demos)", 0, NULL, 0};
    t[k++] = (cli_opt){"method", OPT_STR, &method, "cp2k: preset xtb (GFN1-xTB) or pbe, as aion label", 0, NULL, 0};
    t[k++] = (cli_opt){"jobs", OPT_INT, &jobs, "cp2k: processes at once (default 1)", 0, NULL, 0};
    t[k++] = (cli_opt){"threads-per-job", OPT_INT, &tpj, "cp2k: OMP_NUM_THREADS of each process (default 1)", 0, NULL, 0};
    t[k++] = (cli_opt){"cp2k", OPT_STR, &cp2k, "cp2k: executable (default cp2k)", 0, NULL, 0};
    t[k++] = (cli_opt){"set", OPT_STR, &set, "cp2k: preset overrides key=value[,...] as aion label --set", 0, NULL, 0};
    t[k++] = (cli_opt){"template", OPT_STR, &tpl_path, "cp2k: input template (as aion label --template)", 0, NULL, 0};
    t[k++] = (cli_opt){"data-dir", OPT_STR, &data_dir, "cp2k: data directory (default /usr/share/cp2k)", 0, NULL, 0};
    t[k++] = (cli_opt){"keep", OPT_FLAG, &keep, "cp2k: keep CP2K's files of successful structures", 0, NULL, 0};
    t[k++] = (cli_opt){"retry-failed", OPT_FLAG, &retry, "cp2k: run structures that failed in an earlier run again", 0, NULL, 0};
    t[k++] = (cli_opt){"timeout", OPT_DBL, &timeout, "cp2k: seconds per structure before CP2K is stopped (default: none)", 0, NULL, 0};
    t[k++] = (cli_opt){"quiet", OPT_FLAG, &quiet, "only notes and the summary", 0, NULL, 0};
    int prc = cli_parse(argc, argv, t, k, usage, pos, 1, &npos);
    if (prc) {
        cli_opts_free();
        return prc == 2 ? 0 : 1;
    }
    if (!out || !data || !species || ntask_specs < 1) {
        cli_fail("--out, --data, --species and at least one --task are required (aion learn --help)");
        goto done;
    }
    if ((nz = cli_parse_species(species, zs, 64)) <= 0) goto done;
    if (nweights && nweights != 3) {
        cli_fail("--weights takes three numbers: energy,force,stress");
        goto done;
    }
    if (cli_zbl(t, k, &lo.zbl_mode, &lo.zbl_inner, &lo.zbl_outer)) goto done;
    lo.w_energy = weights[0];
    lo.w_force = weights[1];
    lo.w_stress = weights[2];
    lo.species_z = zs;
    lo.n_species = nz;
    lo.init_mtp = init;
    lo.valid_file = valid;
    /* seed files */
    if (!(data_copy = strdup(data))) goto done;
    {
        char *save = NULL;
        for (char *f = strtok_r(data_copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
            while (*f == ' ') f++;
            if (!*f) continue;
            if (lo.n_seed_files >= MAX_DATA) {
                cli_fail("--data: at most %d files", MAX_DATA);
                goto done;
            }
            seed_files[lo.n_seed_files++] = f;
        }
    }
    lo.seed_files = seed_files;
    for (int q = 0; q < ntask_specs; q++) {
        aion_learn_task_init(&tasks[q]);
        tasks[q].seed = (uint64_t)q + 1;
        if (aion_learn_task_parse(&tasks[q], task_specs[q], &err) != AION_OK) {
            cli_fail("--task %d ('%s'): %s", q + 1, task_specs[q], err.msg);
            goto done;
        }
    }
    lo.tasks = tasks;
    lo.n_tasks = ntask_specs;

    /* the labeller */
    if (!strncmp(labeller, "potential:", 10)) {
        aion_potential_opts po;
        aion_potential_opts_init(&po);
        po.nthreads = lo.nthreads;
        if (aion_potential_create(&oracle, labeller + 10, &po, &err) != AION_OK) {
            cli_fail("--labeller %s: %s", labeller, err.msg);
            goto done;
        }
        lo.label = aion_learn_label_potential;
        lo.label_user = oracle;
        snprintf(label_id, sizeof label_id, "%s", labeller);
        fprintf(stderr, "aion: labeller: the potential '%s' as the oracle (testing the loop; not a reference "
                        "method)\n", labeller + 10);
    } else if (!strcmp(labeller, "cp2k")) {
        if (jobs < 1 || tpj < 1 || timeout < 0) {
            cli_fail("--jobs and --threads-per-job must be >= 1, --timeout >= 0");
            goto done;
        }
        memset(&lab, 0, sizeof lab);
        if (label_cp2k_setup(&lab.cp, method, data_dir, set, tpl_path, &tpl)) goto done;
        char tkey[17] = "none";
        if (tpl) aion_label_key(tpl, tkey);
        lab.cp2k = cp2k;
        lab.jobs = jobs;
        lab.threads = tpj;
        lab.keep = keep;
        lab.retry_failed = retry;
        lab.timeout_s = timeout;
        lo.label = cp2k_label;
        lo.label_user = &lab;
        /* names the settings; the driver's per-structure keys guard the stored labels themselves */
        snprintf(label_id, sizeof label_id, "cp2k method=%s set=%s data_dir=%s template=%s", method, set ? set : "",
                 lab.cp.data_dir, tkey);
    } else {
        cli_fail("unknown --labeller '%s' (cp2k or potential:SPEC)", labeller);
        goto done;
    }
    lo.label_id = label_id;
    lprog pr = {quiet, isatty(2), 0};
    lo.progress = on_event;
    lo.user = &pr;
    {
        extern void openblas_set_num_threads(int) __attribute__((weak));
        if (openblas_set_num_threads) openblas_set_num_threads(1);
    }
    cli_catch_signals();
    rec = cli_record_begin(argc, argv);
    cli_record_options(rec, t, k);
    aion_status st = aion_learn_run(&lo, out, &sum, &err);
    cli_progress_end();
    if (st == AION_EOF) {
        fprintf(stderr, "aion: stopped after %.1f s; run the same command again to continue (%s)\n", sum.seconds, out);
        rc = 130;
        goto done;
    }
    if (st != AION_OK) {
        cli_fail("%s", err.msg);
        goto done;
    }
    printf("aion learn: %s after %d iteration%s: data set %d configurations (%d labelled, %d failed), %s/final.mtp\n",
           sum.converged ? "converged" : "not converged", sum.iterations, sum.iterations == 1 ? "" : "s",
           sum.dataset_size, sum.labelled, sum.failed, out);
    cli_record_number(rec, "results", "iterations", sum.iterations);
    cli_record_number(rec, "results", "converged", sum.converged);
    cli_record_number(rec, "results", "dataset_size", sum.dataset_size);
    cli_record_number(rec, "results", "labelled", sum.labelled);
    cli_record_number(rec, "results", "failed", sum.failed);
    if (lo.audit > 0) {
        if (sum.audited)
            printf("aion learn: energy check of the final potential: %d configurations, largest |E_MTP - E_label| "
                   "%.1f meV/atom (tolerance %g)\n", sum.audited, sum.audit_max_meV_atom, lo.audit_tol);
        cli_record_number(rec, "results", "audited", sum.audited);
        if (sum.audited) cli_record_number(rec, "results", "audit_max_meV_atom", sum.audit_max_meV_atom);
    }
    cli_record_number(rec, "results", "seconds", sum.seconds);
    {
        char rp[4200];
        snprintf(rp, sizeof rp, "%s/run.json", out);
        cli_record_write(rec, rp);
    }
    rc = 0;
done:
    cli_record_free(rec);
    aion_potential_free(oracle);
    free(data_copy);
    free(tpl);
    cli_opts_free();
    return rc;
}
