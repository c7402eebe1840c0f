/* aion run [PIPELINE.yaml]: run (or continue) a pipeline; the library does the work (src/pipeline/). */
#include "cli.h"
#include "opts.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: aion run [PIPELINE.yaml] [options]\n"
            "Runs a pipeline: melt-quench a glass, MD at several temperatures (concurrently), transport and\n"
            "structure analysis, Arrhenius fit; writes OUT/report.html and OUT/summary.json (docs/pipeline.md).\n"
            "Without PIPELINE: the shipped default (examples/pipelines/default.yaml: Li3PO4 glass, 192 atoms, the\n"
            "shipped MTP potentials/lipon-xtb.mtp at fixed density, 4 temperatures; about eight minutes on two cores).\n"
            "Run it again after an interruption (Ctrl-C, kill, crash): finished stages are kept, MD continues\n"
            "from its checkpoints, stages whose inputs changed are recomputed.\n\n"
            "options:\n"
            "  --out DIR              output folder (default aion-run)\n"
            "  --set KEY=VALUE        set any pipeline key, e.g. --set production.time=500 (repeatable)\n"
            "  --atoms N              system.atoms\n"
            "  --time PS              production.time (ps per temperature)\n"
            "  --temperatures a,b,..  production.temperatures (K)\n"
            "  --seed N               seed\n"
            "  --glasses N            system.glasses: N independent glasses, combined in the report\n"
            "  --potential SPEC       potential.model (pedone, FILE.pot, FILE.mtp with --set potential.species=Li,P,O)\n"
            "  --committee A,B,..     potential.committee: further potentials, each run like potential.model; the\n"
            "                         report combines them (statistical and model uncertainty)\n"
            "  --threads N            run.threads (0 = all)\n"
            "  --threads-per-run N    run.threads_per_run\n"
            "  --print                print the effective pipeline (YAML) and exit\n"
            "  --quiet                no progress lines\n");
}

typedef struct prog {
    int tty, quiet;
    struct timespec t0;
    char running[16][64];
    int pct[16];
    int last_pct[16];
} prog;

static double elapsed(const prog *p)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - p->t0.tv_sec) + 1e-9 * (double)(t.tv_nsec - p->t0.tv_nsec);
}

static int slot_of(prog *p, const char *stage, int create)
{
    for (int k = 0; k < 16; k++)
        if (!strcmp(p->running[k], stage)) return k;
    if (!create) return -1;
    for (int k = 0; k < 16; k++)
        if (!p->running[k][0]) {
            snprintf(p->running[k], sizeof p->running[k], "%s", stage);
            p->pct[k] = 0;
            p->last_pct[k] = -1;
            return k;
        }
    return -1;
}

static void status_line(prog *p)
{
    if (!p->tty || p->quiet) return;
    fprintf(stderr, "\r[%6.0f s]", elapsed(p));
    for (int k = 0; k < 16; k++)
        if (p->running[k][0]) fprintf(stderr, "  %s %d%%", p->running[k], p->pct[k]);
    fprintf(stderr, "\033[K");
    fflush(stderr);
}

static int on_event(void *user, const aion_pipeline_event *ev)
{
    prog *p = user;
    int k;
    if (p->quiet) return cli_stop_requested();
    switch (ev->kind) {
    case AION_PIPE_PROGRESS:
        k = slot_of(p, ev->stage, 1);
        if (k >= 0 && ev->total > 0) {
            p->pct[k] = (int)(100.0 * (double)ev->done / (double)ev->total);
            if (p->tty) status_line(p);
            else if (p->pct[k] / 25 != p->last_pct[k] / 25) {
                fprintf(stderr, "[%6.0f s] %s %d%% (%s)\n", elapsed(p), ev->stage, p->pct[k], ev->message ? ev->message : "");
                p->last_pct[k] = p->pct[k];
            }
        }
        break;
    default:
        if (p->tty) fprintf(stderr, "\r\033[K");
        if (ev->kind == AION_PIPE_STAGE_DONE) {
            k = slot_of(p, ev->stage, 0);
            if (k >= 0) p->running[k][0] = '\0';
            fprintf(stderr, "[%6.0f s] %s: done in %.1f s\n", elapsed(p), ev->stage, ev->seconds);
        } else if (ev->kind == AION_PIPE_STAGE_SKIP) {
            fprintf(stderr, "[%6.0f s] %s: skipped (%s)\n", elapsed(p), ev->stage, ev->message ? ev->message : "");
        } else if (ev->kind == AION_PIPE_STAGE_START) {
            fprintf(stderr, "[%6.0f s] %s: %s\n", elapsed(p), ev->stage, ev->message ? ev->message : "started");
        } else {
            fprintf(stderr, "[%6.0f s] %s: %s\n", elapsed(p), ev->stage, ev->message ? ev->message : "");
        }
        status_line(p);
    }
    return cli_stop_requested();
}

/* examples/pipelines/default.yaml next to the working directory or to the executable. */
static int find_default(char *out, size_t cap)
{
    const char *rel = "examples/pipelines/default.yaml";
    if (access(rel, R_OK) == 0) {
        snprintf(out, cap, "%s", rel);
        return 1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *sl = strrchr(exe, '/');
        if (sl) {
            *sl = '\0';
            const char *cands[] = {"../examples/pipelines/default.yaml", "../share/aion/pipelines/default.yaml"};
            for (int k = 0; k < 2; k++) {
                snprintf(out, cap, "%s/%s", exe, cands[k]);
                if (access(out, R_OK) == 0) return 1;
            }
        }
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    aion_pipeline_config c;
    aion_error err;
    const char *file = NULL, *out = "aion-run";
    int print = 0, quiet = 0;
    char deffile[PATH_MAX + 64];
    /* settings are applied after the file: collect (key, value) pairs first */
    char keys[128][128];
    const char *vals[128];
    int nsets = 0;
    aion_pipeline_config_init(&c);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char *alias = NULL;
        if (cli_is_help(a)) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--out")) {
            if (!v) return cli_fail("--out needs a folder");
            out = v, i++;
            continue;
        }
        if (!strcmp(a, "--print")) {
            print = 1;
            continue;
        }
        if (!strcmp(a, "--quiet")) {
            quiet = 1;
            continue;
        }
        if (!strcmp(a, "--set")) {
            const char *eq = v ? strchr(v, '=') : NULL;
            if (!eq || eq == v) return cli_fail("--set needs KEY=VALUE");
            if (nsets >= 128) return cli_fail("too many settings");
            snprintf(keys[nsets], sizeof keys[nsets], "%.*s", (int)(eq - v), v);
            vals[nsets++] = eq + 1;
            i++;
            continue;
        }
        if (!strcmp(a, "--atoms")) alias = "system.atoms";
        else if (!strcmp(a, "--time")) alias = "production.time";
        else if (!strcmp(a, "--temperatures")) alias = "production.temperatures";
        else if (!strcmp(a, "--seed")) alias = "seed";
        else if (!strcmp(a, "--glasses")) alias = "system.glasses";
        else if (!strcmp(a, "--potential")) alias = "potential.model";
        else if (!strcmp(a, "--committee")) alias = "potential.committee";
        else if (!strcmp(a, "--threads")) alias = "run.threads";
        else if (!strcmp(a, "--threads-per-run")) alias = "run.threads_per_run";
        if (alias) {
            if (!v) return cli_fail("%s needs a value", a);
            if (nsets >= 128) return cli_fail("too many settings");
            snprintf(keys[nsets], sizeof keys[nsets], "%s", alias);
            vals[nsets++] = v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            return cli_fail("run: unknown option '%s' (see aion run --help)", a);
        } else if (!file) {
            file = a;
        } else {
            return cli_fail("run: one pipeline file only ('%s')", a);
        }
    }
    if (!file && find_default(deffile, sizeof deffile)) file = deffile;
    if (file) {
        if (aion_pipeline_config_load(&c, file, &err) != AION_OK) return cli_fail("%s", err.msg);
    } else {
        fprintf(stderr, "aion: examples/pipelines/default.yaml not found: using the built-in default pipeline (the same)\n");
    }
    for (int k = 0; k < nsets; k++)
        if (aion_pipeline_config_set(&c, keys[k], vals[k], &err) != AION_OK) return cli_fail("%s", err.msg);
    if (aion_pipeline_config_check(&c, &err) != AION_OK) return cli_fail("%s", err.msg);
    if (print) {
        char *y = aion_pipeline_config_yaml(&c);
        if (!y) return cli_fail("out of memory");
        fputs(y, stdout);
        free(y);
        return 0;
    }
    prog p;
    memset(&p, 0, sizeof p);
    p.tty = isatty(fileno(stderr));
    p.quiet = quiet;
    clock_gettime(CLOCK_MONOTONIC, &p.t0);
    cli_catch_signals();
    if (!quiet)
        fprintf(stderr, "aion: pipeline '%s' (%s) into %s/\n", c.name, file ? file : "built-in default", out);
    aion_pipeline_summary s;
    aion_status st = aion_pipeline_run(&c, out, on_event, &p, &s, &err);
    if (p.tty && !quiet) fprintf(stderr, "\r\033[K");
    if (st == AION_EOF) {
        fprintf(stderr, "aion: stopped; run the same command again to continue where it stopped\n");
        return 3;
    }
    if (st != AION_OK) return cli_fail("%s", err.msg);
    printf("%s: %d atoms, glass density %.3f g/cm³\n", c.name, c.atoms, s.density_gcc);
    for (int k = 0; k < s.n_temps; k++)
        printf("  T %6.0f K  D* = %.4g ± %.2g cm²/s\n", s.T_K[k], s.D[k], s.D_err[k]);
    if (s.n_glasses > 1) {
        for (int g = 0; g < s.n_glasses; g++)
            printf("  glass %d: Ea = %.3f ± %.3f eV, σ(%g K) = %.3g S/cm\n", g + 1, s.glass_Ea_eV[g], s.glass_Ea_err[g],
                   c.report_T_K, s.glass_sigma_report[g]);
        printf("combined over %d glasses (mean; errors include the glass-to-glass spread):\n", s.n_glasses);
    }
    if (s.n_models > 1) printf("model 1 (potential.model):\n");
    if (isfinite(s.Ea_eV)) {
        printf("Ea = %.3f ± %.3f eV\n", s.Ea_eV, s.Ea_err);
        printf("D*(%g K) = %.3g cm²/s (1σ %.3g .. %.3g)\n", c.report_T_K, s.D_report, s.D_report_lo, s.D_report_hi);
        printf("σ(%g K) = %.3g S/cm (Nernst–Einstein, H_R = 1; 1σ %.3g .. %.3g)\n", c.report_T_K, s.sigma_report,
               s.sigma_report_lo, s.sigma_report_hi);
    }
    if (s.n_models > 1) {
        printf("committee of %d potentials:\n", s.n_models);
        for (int m = 0; m < s.n_models; m++)
            printf("  model %d: Ea = %.3f ± %.3f eV, σ(%g K) = %.3g S/cm\n", m + 1, s.model_Ea_eV[m], s.model_Ea_err[m],
                   c.report_T_K, s.model_sigma_report[m]);
        if (isfinite(s.committee_Ea_eV)) {
            printf("committee: Ea = %.3f ± %.3f eV (statistical %.3f, model %.3f)\n", s.committee_Ea_eV,
                   s.committee_Ea_err, s.committee_Ea_u_stat, s.committee_Ea_u_model);
            printf("committee: σ(%g K) = %.3g S/cm (1σ %.3g .. %.3g; ln σ statistical %.2f, model %.2f)\n",
                   c.report_T_K, s.committee_sigma_report, s.committee_sigma_report_lo, s.committee_sigma_report_hi,
                   s.committee_ln_sigma_u_stat, s.committee_ln_sigma_u_model);
        }
    }
    printf("%d stages computed, %d reused; %.1f s\nwrote %s/report.html and %s/summary.json\n", s.stages_run,
           s.stages_skipped, s.seconds, out, out);
    return 0;
}
