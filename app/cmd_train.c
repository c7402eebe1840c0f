/* aion train: fit a Moment Tensor Potential to energies, forces and stresses. */
#include "cli.h"
#include "opts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *usage =
    "usage: aion train --train FILE --species Li[,..] --out POT.mtp [--valid FILE | --valid-fraction F]\n"
    "                  [--test FILE] [--level 16] [--cutoff 5.0] [--min-dist D] [--radial-size 8]\n"
    "                  [--init POT.mtp] [--weights 1,0.01,0.001] [--max-iter N] [--seed S] [--threads N]\n"
    "                  [--zbl INNER,OUTER] [--qeq PARAMS|none] [--report DIR] [--restart]\n"
    "Fits an MTP (MLIP-2 .mtp) to the energies, forces and stresses of FILE (extended XYZ, OUTCAR, .cfg, ...).\n"
    "Writes POT.mtp (also every 10 iterations while training), the active set POT.als (extrapolation grade, see `aion select`), the optimiser\n"
    "checkpoint POT.mtp.ckpt (continue with --restart) and, with --report, DIR/report.json, parity plots and\n"
    "the learning curve. Ctrl-C stops cleanly after the current iteration (checkpoint written).\n"
    "--zbl puts a ZBL pair repulsion (LAMMPS pair_style zbl INNER OUTER) under the MTP: the MTP is fitted to\n"
    "label - ZBL, POT.mtp carries the baseline and every error shown is that of ZBL + MTP. With --init, the\n"
    "initial potential's baseline is kept unless --zbl is given (--zbl 0: none).\n"
    "--qeq adds charge equilibration (Gaussian charges, Ewald; docs/qeq.md) with the parameters of the table\n"
    "PARAMS (lines SPECIES CHI_eV J_eV [SIGMA_A], 'charge Q'): the MTP is fitted to label - QEq and POT.mtp\n"
    "carries them (--qeq none drops --init's).";

typedef struct tr_cli {
    int quiet;
    double t0;
} tr_cli;

static int progress(void *user, const aion_train_iter *it)
{
    tr_cli *c = user;
    if (!c->quiet) {
        fprintf(stderr, "iter %4d  evals %5ld  loss %.6e  train RMSE E %8.3f meV/atom  F %8.2f meV/Å  S %7.4f GPa",
                it->iter, it->nevals, it->loss, 1e3 * it->rmse_e, 1e3 * it->rmse_f, AION_EV_A3_TO_GPA * it->rmse_s);
        if (!isnan(it->valid_loss))
            fprintf(stderr, " | valid E %8.3f F %8.2f S %7.4f", 1e3 * it->valid_rmse_e, 1e3 * it->valid_rmse_f,
                    AION_EV_A3_TO_GPA * it->valid_rmse_s);
        fprintf(stderr, "  [%.0f s cpu, %.0f s wall]\n", it->cpu_s, it->wall_s);
    }
    return cli_stop_requested();
}

/* Predictions of the potential for frames (copies with energy, forces, stress). */
static int predict(aion_potential *p, const aion_frame *ref, int n, aion_frame **out)
{
    aion_frame *pr = calloc((size_t)(n ? n : 1), sizeof *pr);
    if (!pr) return cli_fail("out of memory");
    for (int k = 0; k < n; k++) {
        aion_eval ev;
        aion_frame_init(&pr[k]);
        if (aion_frame_copy(&pr[k], &ref[k]) || aion_frame_resize(&pr[k], ref[k].n, AION_HAS_FORCES | AION_HAS_ENERGY)) {
            aion_frames_free(pr, n);
            return cli_fail("out of memory");
        }
        memset(&ev, 0, sizeof ev);
        ev.forces = pr[k].forces;
        ev.want_virial = 1;
        if (aion_potential_compute(p, &pr[k], &ev)) {
            cli_fail("configuration %d: %s", k + 1, aion_potential_errmsg(p));
            aion_frames_free(pr, n);
            return 1;
        }
        pr[k].energy = ev.energy;
        double V = aion_frame_volume(&pr[k]);
        if (V > 0 && (ref[k].has & AION_HAS_STRESS)) {
            pr[k].has |= AION_HAS_STRESS;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) pr[k].stress[a][b] = -ev.virial[a][b] / V;
        } else {
            pr[k].has &= ~(unsigned)AION_HAS_STRESS;
        }
    }
    *out = pr;
    return 0;
}

/* JSON string body of s (quotes and control characters escaped) into a static ring of buffers */
static const char *jesc(const char *s)
{
    static char ring[8][1024];
    static int slot;
    char *o = ring[slot++ % 8];
    size_t k = 0;
    for (; s && *s && k + 7 < sizeof ring[0]; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            o[k++] = '\\';
            o[k++] = (char)c;
        } else if (c < 0x20) {
            k += (size_t)snprintf(o + k, 7, "\\u%04x", c);
        } else {
            o[k++] = (char)c;
        }
    }
    o[k] = 0;
    return o;
}

static void print_errors(const char *label, const aion_frame *ref, const aion_frame *pred, int n)
{
    aion_fit_errors e;
    aion_fit_errors_compute(ref, pred, n, NULL, 0, &e);
    printf("%-6s %4d configs  energy MAE %7.3f RMSE %7.3f meV/atom  forces MAE %7.2f RMSE %7.2f meV/Å "
           "(MLIP-2 avg %6.2f)  stress MAE %.4f RMSE %.4f GPa\n",
           label, n, 1e3 * e.mae_e, 1e3 * e.rmse_e, 1e3 * e.mae_f, 1e3 * e.rmse_f, 1e3 * e.mlip_f,
           AION_EV_A3_TO_GPA * e.mae_s, AION_EV_A3_TO_GPA * e.rmse_s);
}

int cmd_train(int argc, char **argv)
{
    const char *train = NULL, *valid = NULL, *test = NULL, *out = NULL, *report = NULL, *species = NULL,
               *init = NULL;
    double vfrac = 0, weights[3] = {1, 0.01, 0.001}, zbl[2] = {0, 0};
    int nweights = 0, nzbl = 0, restart = 0, quiet = 0, k = 0, npos, rc = 1;
    uint64_t seed = 1;
    aion_train_opts o;
    cli_opt t[48];
    char *pos[1];
    aion_frame *ftr = NULL, *fva = NULL, *fte = NULL, *tr_all = NULL;
    int ntr = 0, nva = 0, nte = 0, ntr_all = 0;
    aion_mtp_trainer *tr = NULL;
    aion_potential *pot = NULL;
    aion_frame *ptr = NULL, *pva = NULL, *pte = NULL;
    aion_error err;
    cli_record *rec = NULL;
    char ckpt[4096], als[4096];
    int zs[64], nz = 0;

    aion_train_opts_init(&o);
    t[k++] = (cli_opt){"train", OPT_STR, &train, "training data (energies, forces, stresses)", 0, NULL, 0};
    t[k++] = (cli_opt){"valid", OPT_STR, &valid, "validation data (errors tracked during training)", 0, NULL, 0};
    t[k++] = (cli_opt){"valid-fraction", OPT_DBL, &vfrac, "hold out this random fraction of --train for validation", 0, NULL, 0};
    t[k++] = (cli_opt){"test", OPT_STR, &test, "test data: errors in the report only", 0, NULL, 0};
    t[k++] = (cli_opt){"species", OPT_STR, &species, "elements of species 0,1,... (e.g. Li or Mg,V,O)", 0, NULL, 0};
    t[k++] = (cli_opt){"out", OPT_STR, &out, "output potential (.mtp)", 0, NULL, 0};
    t[k++] = (cli_opt){"level", OPT_INT, &o.level, "MTP level 2..28 (default 16)", 0, NULL, 0};
    t[k++] = (cli_opt){"cutoff", OPT_DBL, &o.cutoff, "cutoff radius, Å (default 5.0)", 0, NULL, 0};
    t[k++] = (cli_opt){"min-dist", OPT_DBL, &o.min_dist, "inner radius of the radial basis, Å (default: shortest pair in the data)", 0, NULL, 0};
    t[k++] = (cli_opt){"radial-size", OPT_INT, &o.radial_size, "Chebyshev polynomials per radial function (default 8)", 0, NULL, 0};
    t[k++] = (cli_opt){"init", OPT_STR, &init, "start from this .mtp (trained or untrained)", 0, NULL, 0};
    t[k++] = (cli_opt){"zbl", OPT_DBL_LIST, zbl, "ZBL baseline switched off between INNER and OUTER Å (0 = none; default: as --init has it)", 2, &nzbl, 0};
    t[k++] = (cli_opt){"qeq", OPT_STR, &o.qeq_params, "charge equilibration parameter table added to the MTP (none = drop --init's; default: as --init has it)", 0, NULL, 0};
    t[k++] = (cli_opt){"weights", OPT_DBL_LIST, weights, "energy,force,stress weights (default 1,0.01,0.001)", 3, &nweights, 0};
    t[k++] = (cli_opt){"max-iter", OPT_INT, &o.max_iter, "L-BFGS iterations (default 1000)", 0, NULL, 0};
    t[k++] = (cli_opt){"tol", OPT_DBL, &o.tol, "stop when the loss fell by less than this fraction over 50 iterations (default 1e-3; 0 = run to --max-iter)", 0, NULL, 0};
    t[k++] = (cli_opt){"lbfgs-memory", OPT_INT, &o.lbfgs_memory, "L-BFGS memory (default 12)", 0, NULL, 0};
    t[k++] = (cli_opt){"ridge", OPT_DBL, &o.ridge, "relative ridge of the linear least squares (default 1e-12)", 0, NULL, 0};
    t[k++] = (cli_opt){"seed", OPT_U64, &seed, "random seed (initial radial coefficients, validation split)", 0, NULL, 0};
    t[k++] = (cli_opt){"threads", OPT_INT, &o.nthreads, "OpenMP threads (default: all)", 0, NULL, 0};
    t[k++] = (cli_opt){"report", OPT_STR, &report, "write the report (JSON, SVG) into this directory", 0, NULL, 0};
    t[k++] = (cli_opt){"restart", OPT_FLAG, &restart, "continue from POT.mtp.ckpt", 0, NULL, 0};
    t[k++] = (cli_opt){"quiet", OPT_FLAG, &quiet, "no per-iteration lines", 0, NULL, 0};
    int prc = cli_parse(argc, argv, t, k, usage, pos, 1, &npos);
    if (prc) {
        cli_opts_free();
        return prc == 2 ? 0 : 1;
    }
    if (!train || !out || !species) {
        cli_fail("--train, --species and --out are required (aion train --help)");
        goto done;
    }
    if (valid && vfrac > 0) {
        cli_fail("give --valid or --valid-fraction, not both");
        goto done;
    }
    if (vfrac < 0 || vfrac >= 1) {
        cli_fail("--valid-fraction must be in [0, 1)");
        goto done;
    }
    if ((nz = cli_parse_species(species, zs, 64)) <= 0) goto done;
    if (nweights && nweights != 3) {
        cli_fail("--weights takes three numbers: energy,force,stress");
        goto done;
    }
    if (cli_zbl(t, k, &o.zbl_mode, &o.zbl_inner, &o.zbl_outer)) goto done;
    o.w_energy = weights[0];
    o.w_force = weights[1];
    o.w_stress = weights[2];
    o.species_z = zs;
    o.n_species = nz;
    o.init_path = init;
    o.seed = seed;
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", out);
    o.checkpoint = ckpt;
    o.snapshot = out; /* the potential so far, at every checkpoint */
    o.restart = restart;
    tr_cli cc = {quiet, 0};
    o.progress = progress;
    o.user = &cc;
    {
        extern void openblas_set_num_threads(int) __attribute__((weak));
        if (openblas_set_num_threads) openblas_set_num_threads(1); /* we parallelise over configurations */
    }

    aion_read_opts ro;
    aion_read_opts_init(&ro);
    ro.type_z = zs; /* .cfg type indices */
    ro.n_type_z = nz;
    if (aion_read_all(train, &ro, &tr_all, &ntr_all, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    if (valid && aion_read_all(valid, &ro, &fva, &nva, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    if (test && aion_read_all(test, &ro, &fte, &nte, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    if (vfrac > 0) {
        /* random split (Fisher-Yates with the seed), order kept within each part */
        int *idx = malloc((size_t)ntr_all * sizeof *idx), nv = (int)floor(vfrac * ntr_all + 0.5);
        unsigned char *isv = calloc((size_t)ntr_all + 1, 1);
        aion_rng rng;
        if (!idx || !isv) {
            free(idx);
            free(isv);
            cli_fail("out of memory");
            goto done;
        }
        aion_rng_seed(&rng, seed, 1);
        for (int q = 0; q < ntr_all; q++) idx[q] = q;
        for (int q = ntr_all - 1; q > 0; q--) {
            int j = (int)(aion_rng_uniform(&rng) * (q + 1)), tmp = idx[q];
            idx[q] = idx[j];
            idx[j] = tmp;
        }
        for (int q = 0; q < nv; q++) isv[idx[q]] = 1;
        ftr = calloc((size_t)ntr_all, sizeof *ftr);
        fva = calloc((size_t)(nv ? nv : 1), sizeof *fva);
        if (!ftr || !fva) {
            free(idx);
            free(isv);
            cli_fail("out of memory");
            goto done;
        }
        for (int q = 0; q < ntr_all; q++) {
            if (isv[q]) fva[nva++] = tr_all[q];
            else ftr[ntr++] = tr_all[q];
        }
        free(tr_all); /* frames moved, not copied */
        tr_all = NULL;
        ntr_all = 0;
        free(idx);
        free(isv);
    } else {
        ftr = tr_all;
        ntr = ntr_all;
        tr_all = NULL;
        ntr_all = 0;
    }
    if (aion_mtp_trainer_create(&tr, ftr, ntr, fva, nva, &o, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    fputs(aion_mtp_trainer_describe(tr), stderr);
    cli_catch_signals();
    rec = cli_record_begin(argc, argv);
    cli_record_options(rec, t, k);
    aion_status st = aion_mtp_trainer_run(tr, &err);
    if (st != AION_OK && st != AION_EOF) {
        cli_fail("%s", err.msg);
        goto done;
    }
    if (aion_mtp_trainer_write(tr, out, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    if (st == AION_EOF) fprintf(stderr, "aion: stopped; continue with --restart (checkpoint %s)\n", ckpt);
    fprintf(stderr, "aion: wrote %s\n", out);

    /* errors with the production evaluator */
    aion_potential_opts po;
    aion_potential_opts_init(&po);
    po.species_z = zs;
    po.n_species_z = nz;
    po.nthreads = o.nthreads;
    if (aion_potential_create(&pot, out, &po, &err)) {
        cli_fail("%s", err.msg);
        goto done;
    }
    /* active set for the extrapolation grade */
    snprintf(als, sizeof als, "%s", out);
    {
        size_t L = strlen(als);
        if (L > 4 && !strcmp(als + L - 4, ".mtp")) als[L - 4] = '\0';
        strncat(als, ".als", sizeof als - strlen(als) - 1);
    }
    {
        aion_mtp_grade_opts go;
        aion_mtp_grade_opts_init(&go);
        go.nthreads = o.nthreads;
        if (aion_mtp_active_set_build(out, zs, nz, ftr, ntr, als, &go, &err)) {
            cli_fail("active set: %s", err.msg);
            goto done;
        }
        fprintf(stderr, "aion: wrote %s (active set for the extrapolation grade)\n", als);
    }
    if (predict(pot, ftr, ntr, &ptr)) goto done;
    print_errors("train", ftr, ptr, ntr);
    if (nva) {
        if (predict(pot, fva, nva, &pva)) goto done;
        print_errors("valid", fva, pva, nva);
    }
    if (nte) {
        if (predict(pot, fte, nte, &pte)) goto done;
        print_errors("test", fte, pte, nte);
    }
    {
        const aion_train_iter *h;
        int nh = aion_mtp_trainer_history(tr, &h);
        if (nh) printf("time   %.1f s CPU, %.1f s wall, %d iterations, %ld loss evaluations\n", h[nh - 1].cpu_s,
                       h[nh - 1].wall_s, h[nh - 1].iter, h[nh - 1].nevals);
        if (report) {
            aion_fit_set sets[3];
            int ns = 0;
            sets[ns++] = (aion_fit_set){"train", ftr, ptr, ntr};
            if (nva) sets[ns++] = (aion_fit_set){"valid", fva, pva, nva};
            if (nte) sets[ns++] = (aion_fit_set){"test", fte, pte, nte};
            if (aion_mkdirs(report)) {
                cli_fail("%s: cannot create the directory", report);
                goto done;
            }
            char extra[8192];
            snprintf(extra, sizeof extra,
                     "{\"potential\": \"%s\", \"active_set\": \"%s\", \"train\": \"%s\", \"valid\": \"%s\", "
                     "\"test\": \"%s\", \"species\": \"%s\", \"version\": \"%s\", \"commit\": \"%s\", "
                     "\"cflags\": \"%s\"}",
                     jesc(out), jesc(als), jesc(train), jesc(valid ? valid : (vfrac > 0 ? "(fraction of train)" : "")),
                     jesc(test ? test : ""), jesc(species), AION_VERSION, AION_GIT_COMMIT, AION_CFLAGS);
            if (aion_fit_report_write(report, sets, ns, zs, nz, h, nh, extra, &err)) {
                cli_fail("%s", err.msg);
                goto done;
            }
            char rp[4200];
            snprintf(rp, sizeof rp, "%s/run.json", report);
            cli_record_string(rec, "outputs", "potential", out);
            cli_record_string(rec, "outputs", "active_set", als);
            if (nh) {
                cli_record_number(rec, "results", "iterations", h[nh - 1].iter);
                cli_record_number(rec, "results", "cpu_s", h[nh - 1].cpu_s);
                cli_record_number(rec, "results", "wall_s", h[nh - 1].wall_s);
                cli_record_number(rec, "results", "loss", h[nh - 1].loss);
            }
            cli_record_write(rec, rp);
            fprintf(stderr, "aion: report in %s\n", report);
        }
    }
    rc = 0;
done:
    cli_record_free(rec);
    aion_potential_free(pot);
    aion_mtp_trainer_free(tr);
    if (ptr) aion_frames_free(ptr, ntr);
    if (pva) aion_frames_free(pva, nva);
    if (pte) aion_frames_free(pte, nte);
    if (ftr) aion_frames_free(ftr, ntr);
    if (fva) aion_frames_free(fva, nva);
    if (fte) aion_frames_free(fte, nte);
    if (tr_all) aion_frames_free(tr_all, ntr_all);
    cli_opts_free();
    return rc;
}
