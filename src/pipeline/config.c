/*
 * Pipeline configuration: defaults (the shipped default pipeline), a table of
 * keys (name, type, which stages read it), a structured YAML reader
 * (sections of `key: value` and lists), single-key settings, canonical text
 * for hashing, and small file helpers shared by the stages.
 */
#include "pipeline.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>
#include <yaml.h>

/* The default potential of `aion run`: the project's MTP for Li-P-O(-N),
 * trained on GFN1-xTB labels (potentials/README.md), as a path relative to the
 * default pipeline file (examples/pipelines/default.yaml). xTB has no sound
 * equation of state for Li3PO4, so the potential is trained without stresses
 * and the default glass is made and run at a fixed density (NVT). */
#define AION_PIPELINE_DEFAULT_POTENTIAL "../../potentials/lipon-xtb.mtp"
#define AION_PIPELINE_DEFAULT_SPECIES "Li,P,O,N"
#define AION_PIPELINE_DEFAULT_VALIDATION "../../potentials/lipon-xtb.json"
#define AION_PIPELINE_DEFAULT_QUENCH_ENSEMBLE "nvt"
/* The MTP has seen no O-O (or N-N, N-O) pair closer than ~1.95 A: a random start with O-O at
 * 0.8 x covalent radii (1.06 A) falls into an O2 "hole" during the relaxation. */
#define AION_PIPELINE_DEFAULT_START "li3po4-glass-192.xyz"
#define AION_PIPELINE_DEFAULT_DMIN_PAIRS "O-O:2.2,N-O:2.2,N-N:2.2"

void aion_pipeline_config_init(aion_pipeline_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "li3po4-glass");
    c->seed = 1;
    snprintf(c->potential, sizeof c->potential, "%s", AION_PIPELINE_DEFAULT_POTENTIAL);
    snprintf(c->species, sizeof c->species, "%s", AION_PIPELINE_DEFAULT_SPECIES);
    snprintf(c->validation_report, sizeof c->validation_report, "%s", AION_PIPELINE_DEFAULT_VALIDATION);
    snprintf(c->active_set, sizeof c->active_set, "auto");
    snprintf(c->coulomb, sizeof c->coulomb, "dsf");
    snprintf(c->composition, sizeof c->composition, "Li3PO4");
    c->atoms = 192;
    c->density_gcc = 2.3;
    c->dmin_scale = 0.8;
    snprintf(c->dmin_pairs, sizeof c->dmin_pairs, "%s", AION_PIPELINE_DEFAULT_DMIN_PAIRS);
    snprintf(c->start, sizeof c->start, "%s", AION_PIPELINE_DEFAULT_START);
    c->glasses = 1;
    c->dt_fs = 1.0;
    c->tau_t_fs = 100;
    c->tau_p_fs = 1000;
    c->press_GPa = 1e-4;
    c->compress_GPa = 0.03;
    snprintf(c->thermostat, sizeof c->thermostat, "csvr");
    snprintf(c->quench_ensemble, sizeof c->quench_ensemble, "%s", AION_PIPELINE_DEFAULT_QUENCH_ENSEMBLE);
    c->t_start_K = 300;
    c->t_melt_K = 3000;
    c->t_final_K = 300;
    c->heat_rate_K_ps = 500;
    c->cool_rate_K_ps = 100;
    c->equil_ps = 1;
    c->melt_ps = 10;
    c->final_ps = 5;
    c->glass_frame_fs = 100;
    static const double temps[] = {800, 900, 1000, 1100};
    c->n_temps = 4;
    memcpy(c->temps_K, temps, sizeof temps);
    c->npt_ps = 0;
    c->nvt_equil_ps = 5;
    c->prod_ps = 100;
    c->frame_fs = 100;
    snprintf(c->ion, sizeof c->ion, "Li");
    snprintf(c->framework, sizeof c->framework, "P");
    c->ion_charge = 1;
    c->fit_start = 0.1;
    c->fit_end = 0.5;
    c->hop_A = 3.0;
    c->rdf_rmax_A = 8.0;
    c->rdf_bins = 160;
    c->qn_cutoff_A = 2.0;
    c->report_T_K = 300;
    c->grade_warn = 2;
    c->threads = 0;
    c->threads_per_run = 1;
    c->quench_threads = 1;
    c->checkpoint_every = 5000;
}

#define O(f) offsetof(aion_pipeline_config, f)
#define S(f) sizeof(((aion_pipeline_config *)0)->f)
#define QM (PK_QUENCH | PK_MD)

const pipe_key aion_pipe_keys[] = {
    {"name", PT_STR, O(name), S(name), 0, PK_REPORT, "name shown in the report"},
    {"seed", PT_U64, O(seed), 0, 0, QM, "random seed (start structure, velocities, thermostats)"},
    {"potential.model", PT_STR, O(potential), S(potential), 0, QM,
     "pedone, a parameter file (.pot/.json) or an MTP (.mtp); paths relative to the pipeline file"},
    {"potential.species", PT_STR, O(species), S(species), 0, QM, "species order of an .mtp, e.g. Li,P,O"},
    {"potential.coulomb", PT_STR, O(coulomb), S(coulomb), 0, QM, "classical models: dsf, ewald or model"},
    {"potential.coulomb_cutoff", PT_DBL, O(coul_cutoff_A), 0, 0, QM, "Coulomb cutoff (Å), 0 = model default"},
    {"potential.dsf_alpha", PT_DBL, O(dsf_alpha), 0, 0, QM, "DSF damping (1/Å), 0 = 0.25"},
    {"potential.validation_report", PT_STR, O(validation_report), S(validation_report), 0, PK_REPORT,
     "training report JSON of the potential (aion train --report DIR: DIR/report.json)"},
    /* the stages that grade hash the active set's bytes, not its name */
    {"potential.active_set", PT_STR, O(active_set), S(active_set), 0, 0,
     "MaxVol active set of an .mtp: quench and production frames are graded against it; auto = the model's .als if "
     "present, \"\" = none"},
    /* in no stage's hash by name: model m's stages hash their own model's spec and file bytes
     * (model 1's stages are the same with or without a committee) */
    {"potential.committee", PT_STR_LIST, O(committee), AION_PIPELINE_MAX_MODELS - 1, O(n_committee), 0,
     "further potentials of a committee (model 2, 3, ...; like potential.model, same species): each repeats every "
     "stage in stages/model<m>/; the report combines the models (statistical and model uncertainty)"},
    {"system.composition", PT_STR, O(composition), S(composition), 0, PK_QUENCH, "formula"},
    {"system.atoms", PT_INT, O(atoms), 0, 0, PK_QUENCH, "about this many atoms (whole formula units)"},
    {"system.density", PT_DBL, O(density_gcc), 0, 0, PK_QUENCH, "density of the random start (g/cm³); the glass's with quench.ensemble nvt"},
    {"system.start", PT_STR, O(start), S(start), 0, PK_QUENCH,
     "start structure of the quench (file, relative to the pipeline file; scaled to system.density) instead of a random one"},
    {"system.dmin_scale", PT_DBL, O(dmin_scale), 0, 0, PK_QUENCH, "minimum distances = this × covalent radii sums"},
    {"system.dmin_pairs", PT_STR, O(dmin_pairs), S(dmin_pairs), 0, PK_QUENCH,
     "per-pair minimum distances of the random start (Å), e.g. O-O:2.2,N-O:2.2; override dmin_scale"},
    /* no stage reads it: glass 1's stages are the same for any number of glasses, glass g > 1 has
     * its own (glass<g>/...) whose hashes carry g */
    {"system.glasses", PT_INT, O(glasses), 0, 0, 0,
     "independent glasses (replicas): same start, own quench seed, own production; the report combines them"},
    {"md.timestep", PT_DBL, O(dt_fs), 0, 0, QM, "time step (fs)"},
    {"md.thermostat", PT_STR, O(thermostat), S(thermostat), 0, QM, "csvr, langevin or nhc"},
    {"md.tau_t", PT_DBL, O(tau_t_fs), 0, 0, QM, "thermostat time constant (fs)"},
    {"md.tau_p", PT_DBL, O(tau_p_fs), 0, 0, QM, "barostat time constant (fs)"},
    {"md.pressure", PT_DBL, O(press_GPa), 0, 0, QM, "pressure of the NPT parts (GPa)"},
    {"md.compressibility", PT_DBL, O(compress_GPa), 0, 0, QM,
     "barostat's compressibility estimate (1/GPa); sets how fast the volume follows the pressure"},
    {"quench.ensemble", PT_STR, O(quench_ensemble), S(quench_ensemble), 0, PK_QUENCH,
     "npt (volume from the barostat) or nvt (fixed at system.density)"},
    {"quench.t_start", PT_DBL, O(t_start_K), 0, 0, PK_QUENCH, "start temperature (K)"},
    {"quench.t_melt", PT_DBL, O(t_melt_K), 0, 0, PK_QUENCH, "melt temperature (K)"},
    {"quench.t_final", PT_DBL, O(t_final_K), 0, 0, PK_QUENCH, "glass temperature at the end (K)"},
    {"quench.heat_rate", PT_DBL, O(heat_rate_K_ps), 0, 0, PK_QUENCH, "heating rate (K/ps)"},
    {"quench.cool_rate", PT_DBL, O(cool_rate_K_ps), 0, 0, PK_QUENCH, "cooling rate (K/ps)"},
    {"quench.equilibrate", PT_DBL, O(equil_ps), 0, 0, PK_QUENCH, "hold at t_start (ps)"},
    {"quench.melt_hold", PT_DBL, O(melt_ps), 0, 0, PK_QUENCH, "hold at t_melt (ps)"},
    {"quench.final_hold", PT_DBL, O(final_ps), 0, 0, PK_QUENCH, "hold at t_final (ps); its frames give the structure, its second half the volume"},
    {"quench.frame", PT_DBL, O(glass_frame_fs), 0, 0, PK_QUENCH, "trajectory interval of the quench (fs)"},
    {"production.temperatures", PT_DBL_LIST, O(temps_K), AION_PIPELINE_MAX_T, O(n_temps), 0,
     "MD temperatures (K), at least 2 (4 or more for a useful Arrhenius fit)"},
    {"production.npt", PT_DBL, O(npt_ps), 0, 0, PK_MD, "NPT at each temperature first (ps), 0 = none"},
    {"production.equilibrate", PT_DBL, O(nvt_equil_ps), 0, 0, PK_MD, "NVT equilibration, not analysed (ps)"},
    {"production.time", PT_DBL, O(prod_ps), 0, 0, PK_MD, "NVT production (ps)"},
    {"production.frame", PT_DBL, O(frame_fs), 0, 0, PK_MD, "trajectory interval (fs)"},
    {"analysis.ion", PT_STR, O(ion), S(ion), 0, PK_TRANSPORT | PK_REPORT, "mobile species"},
    {"analysis.ion_charge", PT_DBL, O(ion_charge), 0, 0, PK_TRANSPORT | PK_REPORT,
     "formal charge of the mobile ion for conductivities (e)"},
    {"analysis.framework", PT_STR, O(framework), S(framework), 0, PK_TRANSPORT | PK_REPORT,
     "network former whose MSD shows whether the glass flows (P); empty = none"},
    {"analysis.fit_start", PT_DBL, O(fit_start), 0, 0, PK_TRANSPORT, "MSD fit window start (fraction of the run)"},
    {"analysis.fit_end", PT_DBL, O(fit_end), 0, 0, PK_TRANSPORT, "MSD fit window end (fraction of the run)"},
    {"analysis.hop_length", PT_DBL, O(hop_A), 0, 0, PK_TRANSPORT, "hop length for the effective number of hops (Å)"},
    {"analysis.rdf_rmax", PT_DBL, O(rdf_rmax_A), 0, 0, PK_STRUCTURE, "RDF range (Å)"},
    {"analysis.rdf_bins", PT_INT, O(rdf_bins), 0, 0, PK_STRUCTURE, "RDF bins"},
    {"analysis.qn_cutoff", PT_DBL, O(qn_cutoff_A), 0, 0, PK_STRUCTURE, "P–O bond cut-off for Qⁿ (Å)"},
    {"analysis.report_temperature", PT_DBL, O(report_T_K), 0, 0, PK_REPORT, "Arrhenius extrapolation to (K)"},
    {"analysis.grade_warn", PT_DBL, O(grade_warn), 0, 0, PK_REPORT,
     "the report warns where a stage's largest extrapolation grade exceeds this"},
    {"run.threads", PT_INT, O(threads), 0, 0, 0, "threads in all (0 = OpenMP default)"},
    {"run.threads_per_run", PT_INT, O(threads_per_run), 0, 0, 0, "threads of each production MD run"},
    {"run.quench_threads", PT_INT, O(quench_threads), 0, 0, 0, "threads of the quench (0 = run.threads)"},
    {"run.checkpoint_every", PT_LONG, O(checkpoint_every), 0, 0, 0, "MD steps between checkpoints"},
    {NULL, PT_STR, 0, 0, 0, 0, NULL},
};

static const pipe_key *find_key(const char *name)
{
    for (const pipe_key *k = aion_pipe_keys; k->name; k++)
        if (!strcmp(k->name, name)) return k;
    return NULL;
}

static aion_status set_key(aion_pipeline_config *c, const pipe_key *k, const char *v, const char *where,
                           aion_error *err)
{
    char *p = (char *)c + k->off;
    switch (k->type) {
    case PT_STR:
        if (strlen(v) >= k->size) return aion_err_set(err, AION_ERR_INVALID, "%s%s: value too long", where, k->name);
        snprintf(p, k->size, "%s", v);
        return AION_OK;
    case PT_INT: {
        int x;
        if (aion_parse_int(v, &x)) return aion_err_set(err, AION_ERR_PARSE, "%s%s: not an integer: '%s'", where, k->name, v);
        *(int *)p = x;
        return AION_OK;
    }
    case PT_LONG: {
        long x;
        if (aion_parse_long(v, &x)) return aion_err_set(err, AION_ERR_PARSE, "%s%s: not an integer: '%s'", where, k->name, v);
        *(long *)p = x;
        return AION_OK;
    }
    case PT_U64: {
        char *end;
        errno = 0;
        unsigned long long x = strtoull(v, &end, 10);
        if (end == v || *end || errno || v[0] == '-')
            return aion_err_set(err, AION_ERR_PARSE, "%s%s: not a non-negative integer: '%s'", where, k->name, v);
        *(uint64_t *)p = (uint64_t)x;
        return AION_OK;
    }
    case PT_DBL: {
        double x;
        if (aion_parse_double(v, &x)) return aion_err_set(err, AION_ERR_PARSE, "%s%s: not a number: '%s'", where, k->name, v);
        *(double *)p = x;
        return AION_OK;
    }
    case PT_DBL_LIST: {
        double *arr = (double *)p, tmp[AION_PIPELINE_MAX_T];
        int n = 0;
        char buf[1024];
        if (strlen(v) >= sizeof buf) return aion_err_set(err, AION_ERR_INVALID, "%s%s: list too long", where, k->name);
        snprintf(buf, sizeof buf, "%s", v);
        for (char *save = NULL, *tok = strtok_r(buf, "[], \t", &save); tok; tok = strtok_r(NULL, "[], \t", &save)) {
            if ((size_t)n >= k->size)
                return aion_err_set(err, AION_ERR_INVALID, "%s%s: at most %zu values", where, k->name, k->size);
            if (aion_parse_double(tok, &tmp[n]))
                return aion_err_set(err, AION_ERR_PARSE, "%s%s: not a number: '%s'", where, k->name, tok);
            n++;
        }
        memcpy(arr, tmp, (size_t)n * sizeof *arr);
        *(int *)((char *)c + k->count_off) = n;
        return AION_OK;
    }
    case PT_STR_LIST: {
        /* "[a, b]", "a,b" (a YAML list arrives joined by commas) or "[]": entries trimmed of
         * blanks and quotes; paths with commas cannot be given */
        char tmp[AION_PIPELINE_MAX_MODELS][AION_PIPELINE_STR], buf[AION_PIPELINE_MAX_MODELS * AION_PIPELINE_STR];
        int n = 0;
        if (strlen(v) >= sizeof buf) return aion_err_set(err, AION_ERR_INVALID, "%s%s: list too long", where, k->name);
        snprintf(buf, sizeof buf, "%s", v);
        char *b = buf, *e = buf + strlen(buf);
        while (*b == ' ' || *b == '\t') b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t')) *--e = '\0';
        if (*b == '[') {
            if (e == b + 1 || e[-1] != ']')
                return aion_err_set(err, AION_ERR_PARSE, "%s%s: a list is [a, b]: '%s'", where, k->name, v);
            b++, *--e = '\0';
        }
        for (char *tok = *b ? b : NULL, *next; tok; tok = next) {
            next = strchr(tok, ',');
            if (next) *next++ = '\0';
            char *t = tok, *te = tok + strlen(tok);
            while (*t == ' ' || *t == '\t' || *t == '"' || *t == '\'') t++;
            while (te > t && (te[-1] == ' ' || te[-1] == '\t' || te[-1] == '"' || te[-1] == '\'')) *--te = '\0';
            if (!*t) return aion_err_set(err, AION_ERR_PARSE, "%s%s: empty entry in '%s'", where, k->name, v);
            if ((size_t)n >= k->size || n >= AION_PIPELINE_MAX_MODELS)
                return aion_err_set(err, AION_ERR_INVALID, "%s%s: at most %zu entries", where, k->name, k->size);
            if (strlen(t) >= AION_PIPELINE_STR)
                return aion_err_set(err, AION_ERR_INVALID, "%s%s: entry too long: '%s'", where, k->name, t);
            memcpy(tmp[n++], t, strlen(t) + 1); /* fits: checked above */
        }
        char (*arr)[AION_PIPELINE_STR] = (char (*)[AION_PIPELINE_STR])p;
        memset(arr, 0, k->size * AION_PIPELINE_STR);
        memcpy(arr, tmp, (size_t)n * AION_PIPELINE_STR);
        *(int *)((char *)c + k->count_off) = n;
        return AION_OK;
    }
    }
    return AION_ERR_INTERNAL;
}

aion_status aion_pipeline_config_set(aion_pipeline_config *c, const char *key, const char *value, aion_error *err)
{
    const pipe_key *k = find_key(key);
    if (!k) return aion_err_set(err, AION_ERR_INVALID, "unknown pipeline key '%s' (docs/pipeline.md lists them)", key);
    return set_key(c, k, value ? value : "", "", err);
}

aion_status aion_pipeline_config_load(aion_pipeline_config *c, const char *path, aion_error *err)
{
    FILE *fp = fopen(path, "rb");
    yaml_parser_t parser;
    yaml_event_t ev;
    aion_status st = AION_OK;
    int depth = 0, in_seq = 0, done = 0;
    char section[128] = "", key[128] = "", list[1024] = "";
    long key_line = 0;
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    }
    yaml_parser_set_input_file(&parser, fp);
    while (!done && st == AION_OK) {
        if (!yaml_parser_parse(&parser, &ev)) {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%lu: %s", path, (unsigned long)parser.problem_mark.line + 1,
                              parser.problem ? parser.problem : "YAML syntax error");
            break;
        }
        long line = (long)ev.start_mark.line + 1;
        char where[600], full[264];
        snprintf(where, sizeof where, "%s:%ld: ", path, in_seq ? key_line : line);
        if (section[0]) snprintf(full, sizeof full, "%s.%s", section, key);
        else snprintf(full, sizeof full, "%s", key);
        switch (ev.type) {
        case YAML_MAPPING_START_EVENT:
            if (depth == 1) {
                /* a section: the pending key names it */
                if (!key[0]) {
                    st = aion_err_set(err, AION_ERR_PARSE, "%sa mapping needs a section name", where);
                    break;
                }
                snprintf(section, sizeof section, "%s", key);
                key[0] = '\0';
            } else if (depth >= 2) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s'%s': sections hold `key: value` pairs only", where, full);
                break;
            }
            depth++;
            break;
        case YAML_MAPPING_END_EVENT:
            depth--;
            if (depth == 1) section[0] = '\0';
            break;
        case YAML_SEQUENCE_START_EVENT:
            if (depth < 1) st = aion_err_set(err, AION_ERR_PARSE, "%sa pipeline file is a mapping of sections", where);
            else if (!key[0] || in_seq) st = aion_err_set(err, AION_ERR_PARSE, "%sunexpected list", where);
            in_seq = 1;
            key_line = line;
            list[0] = '\0';
            break;
        case YAML_SEQUENCE_END_EVENT: {
            const pipe_key *k = find_key(full);
            in_seq = 0;
            if (!k) st = aion_err_set(err, AION_ERR_INVALID, "%sunknown key '%s'", where, full);
            else st = set_key(c, k, list, where, err);
            key[0] = '\0';
            break;
        }
        case YAML_SCALAR_EVENT: {
            const char *v = (const char *)ev.data.scalar.value;
            if (depth < 1) {
                st = aion_err_set(err, AION_ERR_PARSE, "%sa pipeline file is a mapping of sections", where);
            } else if (in_seq) {
                if (strlen(list) + strlen(v) + 2 >= sizeof list) st = aion_err_set(err, AION_ERR_INVALID, "%slist too long", where);
                else {
                    if (list[0]) strcat(list, ",");
                    strcat(list, v);
                }
            } else if (!key[0]) {
                if (strlen(v) >= sizeof key) st = aion_err_set(err, AION_ERR_PARSE, "%skey too long", where);
                else snprintf(key, sizeof key, "%s", v);
            } else {
                const pipe_key *k = find_key(full);
                if (!k) st = aion_err_set(err, AION_ERR_INVALID, "%sunknown key '%s'", where, full);
                else st = set_key(c, k, v, where, err);
                key[0] = '\0';
            }
            break;
        }
        case YAML_ALIAS_EVENT: st = aion_err_set(err, AION_ERR_UNSUPPORTED, "%sYAML aliases are not supported", where); break;
        case YAML_STREAM_END_EVENT: done = 1; break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    fclose(fp);
    if (st == AION_OK) {
        char tmp[AION_PIPELINE_STR];
        snprintf(c->source, sizeof c->source, "%s", path);
        snprintf(tmp, sizeof tmp, "%s", path);
        snprintf(c->base_dir, sizeof c->base_dir, "%s", dirname(tmp));
    }
    return st;
}

aion_status aion_pipeline_config_check(const aion_pipeline_config *c, aion_error *err)
{
#define NEED(cond, ...) \
    if (!(cond)) return aion_err_set(err, AION_ERR_INVALID, __VA_ARGS__)
    NEED(c->potential[0], "potential.model is empty");
    NEED(c->n_committee >= 0 && c->n_committee < AION_PIPELINE_MAX_MODELS,
         "potential.committee: at most %d further models (%d in all)", AION_PIPELINE_MAX_MODELS - 1,
         AION_PIPELINE_MAX_MODELS);
    for (int m = 0; m < c->n_committee; m++) NEED(c->committee[m][0], "potential.committee: entry %d is empty", m + 1);
    NEED(c->composition[0], "system.composition is empty");
    NEED(c->atoms > 0 && c->atoms <= 1000000, "system.atoms must be 1..1000000");
    NEED(c->density_gcc > 0, "system.density must be positive");
    NEED(c->glasses >= 1 && c->glasses <= AION_PIPELINE_MAX_GLASSES, "system.glasses must be 1..%d",
         AION_PIPELINE_MAX_GLASSES);
    NEED(c->dt_fs > 0 && c->dt_fs <= 10, "md.timestep must be in (0, 10] fs");
    NEED(c->tau_t_fs > 0 && c->tau_p_fs > 0, "md.tau_t and md.tau_p must be positive");
    NEED(c->compress_GPa > 0 && c->compress_GPa < 10, "md.compressibility must be in (0, 10) 1/GPa");
    NEED(!strcmp(c->thermostat, "csvr") || !strcmp(c->thermostat, "langevin") || !strcmp(c->thermostat, "nhc"),
         "md.thermostat must be csvr, langevin or nhc");
    NEED(!strcmp(c->coulomb, "dsf") || !strcmp(c->coulomb, "ewald") || !strcmp(c->coulomb, "model"),
         "potential.coulomb must be dsf, ewald or model");
    NEED(!strcmp(c->quench_ensemble, "npt") || !strcmp(c->quench_ensemble, "nvt"), "quench.ensemble must be npt or nvt");
    NEED(c->t_melt_K > 0 && c->t_final_K > 0 && c->t_start_K > 0, "quench temperatures must be positive");
    NEED(c->heat_rate_K_ps > 0 && c->cool_rate_K_ps > 0, "quench rates must be positive");
    NEED(c->equil_ps >= 0 && c->melt_ps >= 0, "quench holds must not be negative");
    NEED(c->final_ps > 0, "quench.final_hold must be positive (its frames give the glass structure and density)");
    NEED(c->glass_frame_fs >= c->dt_fs, "quench.frame must be at least one time step");
    NEED(c->n_temps >= 2, "production.temperatures needs at least 2 temperatures (4 or more recommended)");
    for (int i = 0; i < c->n_temps; i++) {
        NEED(c->temps_K[i] > 0, "production.temperatures must be positive");
        for (int j = 0; j < i; j++) NEED(c->temps_K[i] != c->temps_K[j], "production.temperatures: %g K twice", c->temps_K[i]);
    }
    NEED(c->npt_ps >= 0 && c->nvt_equil_ps >= 0, "production.npt and production.equilibrate must not be negative");
    NEED(c->prod_ps > 0, "production.time must be positive");
    NEED(c->frame_fs >= c->dt_fs, "production.frame must be at least one time step");
    NEED(c->prod_ps * 1000 / c->frame_fs >= 20, "production.time / production.frame gives fewer than 20 frames");
    NEED(aion_element_z(c->ion) > 0, "analysis.ion: unknown element '%s'", c->ion);
    NEED(c->ion_charge != 0, "analysis.ion_charge must not be 0");
    NEED(!c->framework[0] || (aion_element_z(c->framework) > 0 && strcmp(c->framework, c->ion)),
         "analysis.framework: unknown element or the mobile ion itself: '%s'", c->framework);
    NEED(c->fit_start >= 0 && c->fit_end > c->fit_start && c->fit_end <= 1, "analysis.fit_start/fit_end: 0 <= start < end <= 1");
    NEED(c->rdf_rmax_A > 0 && c->rdf_bins > 0 && c->qn_cutoff_A > 0, "analysis RDF/Qn settings must be positive");
    NEED(c->report_T_K > 0, "analysis.report_temperature must be positive");
    NEED(c->grade_warn >= 1, "analysis.grade_warn must be at least 1 (grades <= 1 are interpolation)");
    NEED(c->threads >= 0 && c->threads_per_run >= 1 && c->quench_threads >= 0,
         "run.threads >= 0, run.threads_per_run >= 1, run.quench_threads >= 0");
    NEED(c->checkpoint_every > 0, "run.checkpoint_every must be positive");
#undef NEED
    return AION_OK;
}

void aion_pipe_key_value(const aion_pipeline_config *c, const pipe_key *k, aion_strbuf *b)
{
    const char *p = (const char *)c + k->off;
    switch (k->type) {
    case PT_STR: aion_pipe_json_str(b, p); break; /* JSON strings are valid YAML */
    case PT_INT: aion_sb_printf(b, "%d", *(const int *)p); break;
    case PT_LONG: aion_sb_printf(b, "%ld", *(const long *)p); break;
    case PT_U64: aion_sb_printf(b, "%llu", (unsigned long long)*(const uint64_t *)p); break;
    case PT_DBL: aion_sb_double(b, *(const double *)p); break;
    case PT_DBL_LIST: {
        int n = *(const int *)((const char *)c + k->count_off);
        aion_sb_putc(b, '[');
        for (int i = 0; i < n; i++) {
            if (i) aion_sb_puts(b, ", ");
            aion_sb_double(b, ((const double *)p)[i]);
        }
        aion_sb_putc(b, ']');
        break;
    }
    case PT_STR_LIST: {
        int n = *(const int *)((const char *)c + k->count_off);
        aion_sb_putc(b, '[');
        for (int i = 0; i < n; i++) {
            if (i) aion_sb_puts(b, ", ");
            aion_pipe_json_str(b, p + (size_t)i * AION_PIPELINE_STR);
        }
        aion_sb_putc(b, ']');
        break;
    }
    }
}

char *aion_pipeline_config_yaml(const aion_pipeline_config *c)
{
    aion_strbuf b;
    char section[64] = "";
    aion_sb_init(&b);
    aion_sb_puts(&b, "# aion pipeline (every key; docs/pipeline.md)\n");
    for (const pipe_key *k = aion_pipe_keys; k->name; k++) {
        /* an empty committee is left out: a pipeline without one prints as before */
        if (k->type == PT_STR_LIST && !*(const int *)((const char *)c + k->count_off)) continue;
        const char *dot = strchr(k->name, '.');
        const char *leaf = dot ? dot + 1 : k->name;
        size_t sl = dot ? (size_t)(dot - k->name) : 0;
        if (sl && (strlen(section) != sl || strncmp(section, k->name, sl))) {
            snprintf(section, sizeof section, "%.*s", (int)sl, k->name);
            aion_sb_printf(&b, "%s:\n", section);
        }
        aion_sb_printf(&b, "%s%s: ", sl ? "  " : "", leaf);
        aion_pipe_key_value(c, k, &b);
        aion_sb_putc(&b, '\n');
    }
    if (b.oom) {
        aion_sb_free(&b);
        return NULL;
    }
    return b.s;
}

/* ------------------------------------------------------------ hashing */

uint64_t aion_pipe_hash(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t aion_pipe_stage_hash(const aion_pipeline_config *c, unsigned mask, const char *extra)
{
    aion_strbuf b;
    uint64_t h;
    aion_sb_init(&b);
    aion_sb_printf(&b, "aion %s\n", AION_VERSION);
    for (const pipe_key *k = aion_pipe_keys; k->name; k++) {
        if (!(k->stages & mask)) continue;
        aion_sb_printf(&b, "%s=", k->name);
        aion_pipe_key_value(c, k, &b);
        aion_sb_putc(&b, '\n');
    }
    if (extra) aion_sb_puts(&b, extra);
    h = aion_pipe_hash(AION_PIPE_HASH0, b.s ? b.s : "", b.len);
    aion_sb_free(&b);
    return h;
}

uint64_t aion_pipe_file_hash(const char *path)
{
    FILE *fp = fopen(path, "rb");
    unsigned char buf[65536];
    size_t n;
    uint64_t h = AION_PIPE_HASH0;
    if (!fp) return 0;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0) h = aion_pipe_hash(h, buf, n);
    fclose(fp);
    return h;
}

void aion_pipe_resolve(const aion_pipeline_config *c, const char *in, char *out, size_t cap)
{
    char cand[2 * AION_PIPELINE_STR + 2];
    if (in[0] == '/' || !c->base_dir[0] || access(in, F_OK) == 0) {
        snprintf(out, cap, "%s", in);
        return;
    }
    snprintf(cand, sizeof cand, "%s/%s", c->base_dir, in);
    snprintf(out, cap, "%s", access(cand, F_OK) == 0 ? cand : in);
}

/* ------------------------------------------------------------ files */

aion_status aion_pipe_write_atomic(const char *path, const char *text, size_t len, aion_error *err)
{
    char tmp[4200];
    FILE *fp;
    int ok;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    fp = fopen(tmp, "wb");
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    ok = fwrite(text, 1, len, fp) == len;
    ok &= fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    ok &= fclose(fp) == 0;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return aion_err_set(err, AION_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    return AION_OK;
}

char *aion_pipe_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *s = NULL;
    long n;
    if (!fp) return NULL;
    if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) goto fail;
    s = malloc((size_t)n + 1);
    if (!s || fread(s, 1, (size_t)n, fp) != (size_t)n) goto fail;
    s[n] = '\0';
    if (len) *len = (size_t)n;
    fclose(fp);
    return s;
fail:
    free(s);
    fclose(fp);
    return NULL;
}

void aion_pipe_clear_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char p[4400];
    if (!d) return;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        remove(p); /* plain files only: stage folders hold no subfolders */
    }
    closedir(d);
}

void aion_pipe_json_str(aion_strbuf *b, const char *s)
{
    aion_sb_putc(b, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') aion_sb_printf(b, "\\%c", ch);
        else if (ch < 0x20) aion_sb_printf(b, "\\u%04x", ch);
        else aion_sb_putc(b, (char)ch);
    }
    aion_sb_putc(b, '"');
}

void aion_pipe_json_num(aion_strbuf *b, double v)
{
    if (isfinite(v)) aion_sb_double(b, v);
    else aion_sb_puts(b, "null");
}
