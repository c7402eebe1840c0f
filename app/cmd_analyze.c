/*
 * aion analyze <what> --traj FILE [options]: transport and structure analysis.
 * Parses arguments, streams the trajectory through the library, writes
 * PREFIX.json (results + run record) and PREFIX.svg (plot), prints a summary.
 */
#include "cli.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct args {
    const char *what, *traj, *format, *out, *tmpdir, *data, *structure;
    int species[16], n_species;
    int type_z[32], n_type_z;
    double charge_by_z[AION_MAX_Z + 1];
    int have_charge;
    double dt, timestep, temperature, fit_start, fit_end, fit_min_msd, hop, rmax, qmax, at_T, kb, n_ions, volume;
    double rcut, rcut_b;
    long first, last, stride;
    int drift, dims, bins, nq, lorch, max_points, sigma_T, mem, no_kurt, center, za, zb;
    int formers[8], n_formers, anion;
    const char *sites;
    int site_z, strict, boot;
    double rsite, grid, min_dist;
    int bins_given, n_edges;
    double edges[257];
} args;

static void usage(void)
{
    printf(
        "usage: aion analyze <what> --traj FILE [options]\n"
        "  what: msd | diffusion | conductivity | vanhove | slab | rdf | adf | sq | qn | arrhenius | residence\n"
        "trajectory:\n"
        "  --traj FILE          trajectory (extxyz, LAMMPS dump, XDATCAR, ...), streamed\n"
        "  --format NAME        file format (default: from the name)\n"
        "  --type-map Li,P,O    elements of LAMMPS/.cfg types 1,2,3...\n"
        "  --dt FS              time between frames of the file (default: from the frames)\n"
        "  --timestep FS        MD time step; frame time = step number x FS (LAMMPS dumps)\n"
        "  --first N --last N --stride N   frames used (0-based, inclusive)\n"
        "transport:\n"
        "  --species Li[,Na]    mobile species (one group each; default: all)\n"
        "  --drift framework|all|none   centre-of-mass drift removal (default framework)\n"
        "  --dims xyz|xy|z...   directions in the MSD and D (default xyz)\n"
        "  --temperature K      for conductivities\n"
        "  --charge Li=1,O=-2   ionic charges (e) for the charge MSD / Nernst-Einstein\n"
        "  --fit-start FS --fit-end FS   fit window (default: 10%%..50%% of the run)\n"
        "  --fit-min-msd A2     start the fit no earlier than MSD >= A2 (He et al.: 4.5)\n"
        "  --hop A              hop length for the effective number of hops (3)\n"
        "  --no-kurtosis        Gaussian covariance model only\n"
        "  --mem MB             memory for stored positions before spilling to disk (2048)\n"
        "  --tmpdir DIR         where to spill (default $TMPDIR or /tmp)\n"
        "slab (z-resolved D_xy and D_z, origins binned by height along c):\n"
        "  --bins N             equal bins over the cell height (default 10)\n"
        "  --edges z0,z1,...    explicit bin edges (A, increasing; gaps allowed via separate runs)\n"
        "structure:\n"
        "  --rmax A --bins N    RDF range and bins (default 10, 200)\n"
        "  --qmax 1/A --nq N    S(q) grid (default 20, 400); --no-lorch\n"
        "  --center P --a O --b O --rcut A [--rcut-b A]   bond angles a-center-b\n"
        "  --formers P,Si --anion O --rcut A              Qn speciation (default P,Si / O / 2.0)\n"
        "residence:\n"
        "  --species Li         the ion (first species given)\n"
        "  --sites FILE|density site centres: the atoms of --site-species (default: the ion) in a\n"
        "                       structure file (fractional coordinates are used), or maxima of the\n"
        "                       ion density over the trajectory (two passes)\n"
        "  --rsite A            an ion is in the nearest centre within A (default 1.0; large = Voronoi)\n"
        "  --strict             a stay ends when the ion leaves the sphere (default: when it\n"
        "                       enters another site)\n"
        "  --grid A --min-dist A   density grid and merge distance for --sites density (0.2, 1.5)\n"
        "  --boot N             bootstrap replicas over ions (200)\n"
        "arrhenius:\n"
        "  --data CSV           columns T,D[,D_error] (header line), D in cm2/s\n"
        "  --at K               extrapolate to K (default 300)\n"
        "  --sigma-T            fit ln(sigma T) instead (values are conductivities)\n"
        "  --n-ions N --volume A3 --charge Li=1 --species Li   Nernst-Einstein conversion\n"
        "  --kb EV              Boltzmann constant (default CODATA 2018)\n"
        "output:\n"
        "  --out PREFIX         writes PREFIX.json and PREFIX.svg (default analyze-<what>)\n"
        "  --max-points N       points of curves in the JSON (default 2000)\n");
}

static int parse_charge(args *a, const char *s)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        if (!eq) return cli_fail("--charge wants Element=value pairs, got '%s'", tok);
        *eq = '\0';
        int z = aion_element_z(tok);
        char *end;
        double q = strtod(eq + 1, &end);
        if (!z || *end || end == eq + 1) return cli_fail("bad --charge entry '%s=%s'", tok, eq + 1);
        a->charge_by_z[z] = q;
        a->have_charge = 1;
    }
    return 0;
}

static int num(const char *opt, const char *v, double *out)
{
    char *end;
    if (!v) return cli_fail("%s needs a value", opt);
    *out = strtod(v, &end);
    if (end == v || *end || !isfinite(*out)) return cli_fail("%s: not a number: '%s'", opt, v);
    return 0;
}

static int inum(const char *opt, const char *v, long *out)
{
    double d = 0;
    if (num(opt, v, &d)) return 1;
    if (d != floor(d)) return cli_fail("%s: not an integer: '%s'", opt, v);
    *out = (long)d;
    return 0;
}

static int parse(args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->last = -1;
    a->stride = 1;
    a->dims = 7;
    a->lorch = 1;
    a->max_points = 2000;
    a->at_T = 300;
    a->rmax = 10;
    a->bins = 200;
    a->qmax = 20;
    a->nq = 400;
    a->hop = 3.0;
    a->what = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long l;
#define TAKE() (i++, v)
        if (!strcmp(o, "--traj")) a->traj = TAKE();
        else if (!strcmp(o, "--format")) a->format = TAKE();
        else if (!strcmp(o, "--out")) a->out = TAKE();
        else if (!strcmp(o, "--tmpdir")) a->tmpdir = TAKE();
        else if (!strcmp(o, "--data")) a->data = TAKE();
        else if (!strcmp(o, "--structure")) a->structure = TAKE();
        else if (!strcmp(o, "--sites")) a->sites = TAKE();
        else if (!strcmp(o, "--site-species")) {
            int z = v ? aion_element_z(v) : 0;
            if (!z) return cli_fail("%s needs an element", o);
            i++;
            a->site_z = z;
        }
        else if (!strcmp(o, "--strict")) a->strict = 1;
        else if (!strcmp(o, "--rsite")) { if (num(o, TAKE(), &a->rsite)) return 1; }
        else if (!strcmp(o, "--grid")) { if (num(o, TAKE(), &a->grid)) return 1; }
        else if (!strcmp(o, "--min-dist")) { if (num(o, TAKE(), &a->min_dist)) return 1; }
        else if (!strcmp(o, "--boot")) { if (inum(o, TAKE(), &l)) return 1; a->boot = (int)l; }
        else if (!strcmp(o, "--species") || !strcmp(o, "--formers") || !strcmp(o, "--type-map")) {
            int *dst = !strcmp(o, "--species") ? a->species : !strcmp(o, "--formers") ? a->formers : a->type_z;
            int max = !strcmp(o, "--species") ? 16 : !strcmp(o, "--formers") ? 8 : 32;
            if (!v) return cli_fail("%s needs a list of elements", o);
            int n = cli_parse_species(TAKE(), dst, max);
            if (n < 0) return 1;
            if (!strcmp(o, "--species")) a->n_species = n;
            else if (!strcmp(o, "--formers")) a->n_formers = n;
            else a->n_type_z = n;
        } else if (!strcmp(o, "--charge")) {
            if (!v) return cli_fail("--charge needs Element=value pairs");
            if (parse_charge(a, TAKE())) return 1;
        } else if (!strcmp(o, "--center") || !strcmp(o, "--a") || !strcmp(o, "--b") || !strcmp(o, "--anion")) {
            int z = v ? aion_element_z(v) : 0;
            if (!z) return cli_fail("%s needs an element", o);
            i++;
            if (!strcmp(o, "--center")) a->center = z;
            else if (!strcmp(o, "--a")) a->za = z;
            else if (!strcmp(o, "--b")) a->zb = z;
            else a->anion = z;
        } else if (!strcmp(o, "--drift")) {
            if (!v) return cli_fail("--drift needs framework|all|none");
            if (!strcmp(v, "framework")) a->drift = AION_DRIFT_FRAMEWORK;
            else if (!strcmp(v, "all")) a->drift = AION_DRIFT_ALL;
            else if (!strcmp(v, "none")) a->drift = AION_DRIFT_NONE;
            else return cli_fail("--drift: unknown '%s'", v);
            i++;
        } else if (!strcmp(o, "--dims")) {
            if (!v || !*v) return cli_fail("--dims needs e.g. xyz, xy, z");
            a->dims = 0;
            for (const char *c = v; *c; c++) {
                if (*c < 'x' || *c > 'z') return cli_fail("--dims: '%s' (letters x, y, z)", v);
                a->dims |= 1 << (*c - 'x');
            }
            i++;
        } else if (!strcmp(o, "--dt")) { if (num(o, TAKE(), &a->dt)) return 1; }
        else if (!strcmp(o, "--timestep")) { if (num(o, TAKE(), &a->timestep)) return 1; }
        else if (!strcmp(o, "--temperature")) { if (num(o, TAKE(), &a->temperature)) return 1; }
        else if (!strcmp(o, "--fit-start")) { if (num(o, TAKE(), &a->fit_start)) return 1; }
        else if (!strcmp(o, "--fit-end")) { if (num(o, TAKE(), &a->fit_end)) return 1; }
        else if (!strcmp(o, "--fit-min-msd")) { if (num(o, TAKE(), &a->fit_min_msd)) return 1; }
        else if (!strcmp(o, "--hop")) { if (num(o, TAKE(), &a->hop)) return 1; }
        else if (!strcmp(o, "--rmax")) { if (num(o, TAKE(), &a->rmax)) return 1; }
        else if (!strcmp(o, "--qmax")) { if (num(o, TAKE(), &a->qmax)) return 1; }
        else if (!strcmp(o, "--rcut")) { if (num(o, TAKE(), &a->rcut)) return 1; }
        else if (!strcmp(o, "--rcut-b")) { if (num(o, TAKE(), &a->rcut_b)) return 1; }
        else if (!strcmp(o, "--at")) { if (num(o, TAKE(), &a->at_T)) return 1; }
        else if (!strcmp(o, "--kb")) { if (num(o, TAKE(), &a->kb)) return 1; }
        else if (!strcmp(o, "--n-ions")) { if (num(o, TAKE(), &a->n_ions)) return 1; }
        else if (!strcmp(o, "--volume")) { if (num(o, TAKE(), &a->volume)) return 1; }
        else if (!strcmp(o, "--first")) { if (inum(o, TAKE(), &a->first)) return 1; }
        else if (!strcmp(o, "--last")) { if (inum(o, TAKE(), &a->last)) return 1; }
        else if (!strcmp(o, "--stride")) { if (inum(o, TAKE(), &a->stride)) return 1; }
        else if (!strcmp(o, "--bins")) { if (inum(o, TAKE(), &l)) return 1; a->bins = (int)l; a->bins_given = 1; }
        else if (!strcmp(o, "--edges")) {
            if (!v) return cli_fail("--edges needs a list of heights (A)");
            char buf[4096];
            snprintf(buf, sizeof buf, "%s", TAKE());
            a->n_edges = 0;
            for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
                if (a->n_edges >= 257) return cli_fail("--edges: at most 257 values");
                if (num(o, tok, &a->edges[a->n_edges])) return 1;
                a->n_edges++;
            }
            if (a->n_edges < 2) return cli_fail("--edges needs at least two heights");
        }
        else if (!strcmp(o, "--nq")) { if (inum(o, TAKE(), &l)) return 1; a->nq = (int)l; }
        else if (!strcmp(o, "--mem")) { if (inum(o, TAKE(), &l)) return 1; a->mem = (int)l; }
        else if (!strcmp(o, "--max-points")) { if (inum(o, TAKE(), &l)) return 1; a->max_points = (int)l; }
        else if (!strcmp(o, "--no-lorch")) a->lorch = 0;
        else if (!strcmp(o, "--sigma-T")) a->sigma_T = 1;
        else if (!strcmp(o, "--no-kurtosis")) a->no_kurt = 1;
        else if (cli_is_help(o)) { usage(); exit(0); }
        else return cli_fail("analyze: unknown option '%s' (see aion analyze --help)", o);
#undef TAKE
    }
    if (a->stride < 1 || a->first < 0) return cli_fail("--stride must be >= 1 and --first >= 0");
    if (a->bins < 1 || a->nq < 1 || a->max_points < 2) return cli_fail("--bins, --nq, --max-points must be positive");
    return 0;
}

/* --- output helpers --------------------------------------------------------- */

static cJSON *run_record(const args *a, int argc, char **argv)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "program", "aion");
    cJSON_AddStringToObject(r, "version", AION_VERSION);
    cJSON_AddStringToObject(r, "commit", AION_GIT_COMMIT);
    cJSON_AddStringToObject(r, "cflags", AION_CFLAGS);
    cJSON_AddStringToObject(r, "analysis", a->what);
    cJSON *cmd = cJSON_AddArrayToObject(r, "command");
    cJSON_AddItemToArray(cmd, cJSON_CreateString("aion"));
    for (int i = 0; i < argc; i++) cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
    if (a->traj) cJSON_AddStringToObject(r, "trajectory", a->traj);
    return r;
}

static void add_num(cJSON *o, const char *k, double v)
{
    if (isfinite(v)) cJSON_AddNumberToObject(o, k, v);
    else cJSON_AddNullToObject(o, k);
}

/* Curve with at most max points (evenly spaced indices). */
static cJSON *curve(const double *y, long n, int max, double scale_x, const long *xidx)
{
    cJSON *arr = cJSON_CreateArray();
    long step = n > max ? (n + max - 1) / max : 1;
    for (long k = 0; k < n; k += step) {
        cJSON *p = cJSON_CreateArray();
        cJSON_AddItemToArray(p, cJSON_CreateNumber((xidx ? (double)xidx[k] : (double)k) * scale_x));
        cJSON_AddItemToArray(p, isfinite(y[k]) ? cJSON_CreateNumber(y[k]) : cJSON_CreateNull());
        cJSON_AddItemToArray(arr, p);
    }
    return arr;
}

static cJSON *xy_curve(const double *x, const double *y, int n)
{
    cJSON *arr = cJSON_CreateArray();
    for (int k = 0; k < n; k++) {
        cJSON *p = cJSON_CreateArray();
        cJSON_AddItemToArray(p, cJSON_CreateNumber(x[k]));
        cJSON_AddItemToArray(p, isfinite(y[k]) ? cJSON_CreateNumber(y[k]) : cJSON_CreateNull());
        cJSON_AddItemToArray(arr, p);
    }
    return arr;
}

static int write_outputs(const args *a, cJSON *root, aion_plot *plot)
{
    char path[4096], tmp[4200];
    const char *prefix = a->out;
    char def[64];
    if (!prefix) {
        snprintf(def, sizeof def, "analyze-%s", a->what);
        prefix = def;
    }
    snprintf(path, sizeof path, "%s.json", prefix);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    char *txt = cJSON_Print(root);
    FILE *f = txt ? fopen(tmp, "w") : NULL;
    int bad = !f || fputs(txt, f) < 0 || fputc('\n', f) < 0;
    if (f) bad |= fclose(f) != 0;
    free(txt);
    if (bad || rename(tmp, path)) {
        remove(tmp);
        return cli_fail("cannot write %s", path);
    }
    printf("wrote %s", path);
    if (plot) {
        aion_error e;
        snprintf(path, sizeof path, "%s.svg", prefix);
        if (aion_plot_write(plot, path, &e)) return cli_fail("%s", e.msg);
        printf(", %s", path);
    }
    printf("\n");
    return 0;
}

static cJSON *diffusion_json(const aion_diffusion *d)
{
    cJSON *o = cJSON_CreateObject();
    add_num(o, "D_cm2_s", d->D);
    add_num(o, "D_err_cm2_s", d->D_err);
    add_num(o, "D_95_lo_cm2_s", d->D_lo);
    add_num(o, "D_95_hi_cm2_s", d->D_hi);
    cJSON *dd = cJSON_AddArrayToObject(o, "D_dir_cm2_s"), *de = cJSON_AddArrayToObject(o, "D_dir_err_cm2_s");
    for (int k = 0; k < d->n_dims; k++) {
        cJSON_AddItemToArray(dd, cJSON_CreateNumber(d->D_dir[k]));
        cJSON_AddItemToArray(de, cJSON_CreateNumber(d->D_dir_err[k]));
    }
    add_num(o, "intercept_A2", d->intercept_A2);
    add_num(o, "fit_start_fs", d->t_start_fs);
    add_num(o, "fit_end_fs", d->t_end_fs);
    cJSON_AddNumberToObject(o, "fit_points", d->n_points);
    add_num(o, "chi2_dof", d->chi2_dof);
    add_num(o, "msd_max_A2", d->msd_max_A2);
    add_num(o, "n_hops_eff", d->n_hops_eff);
    add_num(o, "rsd_he2018", d->rsd_he2018);
    cJSON *w = cJSON_AddArrayToObject(o, "warnings");
    if (d->warnings & AION_WARN_FEW_HOPS) cJSON_AddItemToArray(w, cJSON_CreateString("fewer than 100 effective hops"));
    if (d->warnings & AION_WARN_LARGE_ERROR) cJSON_AddItemToArray(w, cJSON_CreateString("relative error above 30%"));
    if (d->warnings & AION_WARN_NOT_DIFFUSIVE)
        cJSON_AddItemToArray(w, cJSON_CreateString("D not significantly above zero"));
    if (d->warnings & AION_WARN_BAD_FIT) cJSON_AddItemToArray(w, cJSON_CreateString("chi2/dof > 3: MSD not linear"));
    if (d->warnings & AION_WARN_SHORT_RUN) cJSON_AddItemToArray(w, cJSON_CreateString("fewer than 10 lags in the window"));
    return o;
}

static void print_warnings(const char *what, const aion_diffusion *d)
{
    if (d->warnings & AION_WARN_FEW_HOPS)
        fprintf(stderr, "aion: warning: %s: only %.0f effective hops (He et al.: relative error ~%.0f%%)\n", what,
                d->n_hops_eff, 100 * d->rsd_he2018);
    if (d->warnings & AION_WARN_NOT_DIFFUSIVE)
        fprintf(stderr, "aion: warning: %s: D is not significantly above zero\n", what);
    if (d->warnings & AION_WARN_BAD_FIT)
        fprintf(stderr, "aion: warning: %s: the MSD is not linear in the window (chi2/dof %.1f)\n", what, d->chi2_dof);
}

/* --- transport ------------------------------------------------------------ */

static int run_transport(const args *a, int argc, char **argv)
{
    aion_read_opts ro;
    aion_reader *rd = NULL;
    aion_transport *tr = NULL;
    aion_error e;
    cJSON *root = NULL;
    aion_plot *plot = NULL;
    int rc = 1;
    if (!a->traj) return cli_fail("analyze %s: --traj FILE is required", a->what);
    aion_read_opts_init(&ro);
    if (a->format) {
        ro.format = aion_format_from_name(a->format);
        if (ro.format == AION_FMT_AUTO) return cli_fail("unknown format '%s'", a->format);
    }
    ro.type_z = a->n_type_z ? a->type_z : NULL;
    ro.n_type_z = a->n_type_z;
    if (aion_reader_open(&rd, a->traj, &ro, &e)) return cli_fail("%s", e.msg);
    aion_transport_opts o;
    aion_transport_opts_init(&o);
    double q[16];
    if (a->n_species) {
        o.species_z = a->species;
        o.n_species = a->n_species;
        if (a->have_charge) {
            for (int k = 0; k < a->n_species; k++) q[k] = a->charge_by_z[a->species[k]];
            o.charge = q;
        }
    } else if (a->have_charge || !strcmp(a->what, "conductivity")) {
        rc = cli_fail("analyze %s: give --species with --charge", a->what);
        goto done;
    }
    o.drift = (aion_drift)a->drift;
    o.first_frame = a->first;
    o.last_frame = a->last;
    o.stride = a->stride;
    o.dt_fs = a->dt;
    o.step_fs = a->timestep;
    o.temperature_K = a->temperature;
    o.dims = a->dims;
    o.mem_limit_mb = a->mem > 0 ? (size_t)a->mem : 0;
    o.tmpdir = a->tmpdir;
    const int slab = !strcmp(a->what, "slab");
    if (slab) {
        o.slab_bins = a->n_edges ? a->n_edges - 1 : a->bins_given ? a->bins : 10;
        o.slab_edges_A = a->n_edges ? a->edges : NULL;
    }
    if (aion_transport_create(&tr, &o, &e)) {
        rc = cli_fail("%s", e.msg);
        goto done;
    }
    if (aion_transport_read(tr, rd) || aion_transport_finish(tr)) {
        rc = cli_fail("%s: %s", a->traj, aion_transport_errmsg(tr));
        goto done;
    }
    aion_fit_opts fo;
    aion_fit_opts_init(&fo);
    fo.t_start_fs = a->fit_start;
    fo.t_end_fs = a->fit_end;
    fo.msd_min_A2 = a->fit_min_msd;
    fo.hop_length_A = a->hop;
    fo.no_kurtosis = a->no_kurt;
    root = run_record(a, argc, argv);
    cJSON *res = cJSON_AddObjectToObject(root, "results");
    cJSON_AddNumberToObject(res, "frames", (double)aion_transport_nframes(tr));
    add_num(res, "volume_A3", aion_transport_volume(tr));
    cJSON_AddBoolToObject(res, "spilled_to_disk", aion_transport_spilled(tr));
    cJSON *groups = cJSON_AddArrayToObject(res, "groups");
    const char *dn = "xyz";
    int vh = !strcmp(a->what, "vanhove");
    if (slab) plot = aion_plot_create("z-resolved diffusivity", "height along c (Å)", "D (cm²/s)");
    else
        plot = aion_plot_create(vh ? "self part of the van Hove function" : "mean squared displacement",
                                vh ? "r (Å)" : "t (ps)", vh ? "4πr² G_s(r,t) (1/Å)" : "MSD (Å²)");
    for (int g = 0; g < aion_transport_ngroups(tr); g++) {
        aion_msd_result m;
        aion_transport_msd(tr, g, &m);
        cJSON *gj = cJSON_CreateObject();
        cJSON_AddItemToArray(groups, gj);
        const char *sym = m.z ? aion_element_symbol(m.z) : "group";
        cJSON_AddStringToObject(gj, "species", sym);
        cJSON_AddNumberToObject(gj, "atoms", m.n_atoms);
        add_num(gj, "dt_fs", m.dt_fs);
        cJSON_AddItemToObject(gj, "msd_A2", curve(m.msd, m.n, a->max_points, m.dt_fs, NULL));
        cJSON *md = cJSON_AddObjectToObject(gj, "msd_dir_A2");
        for (int d = 0; d < 3; d++) {
            char k[2] = {dn[d], 0};
            cJSON_AddItemToObject(md, k, curve(m.msd_dir[d], m.n, a->max_points, m.dt_fs, NULL));
        }
        cJSON_AddItemToObject(gj, "collective_msd_A2", curve(m.coll, m.n, a->max_points, m.dt_fs, NULL));
        cJSON_AddItemToObject(gj, "non_gaussian", curve(m.ngp, m.n_ngp, m.n_ngp, m.dt_fs, m.ngp_lag));
        if (vh) {
            cJSON *v = cJSON_AddArrayToObject(gj, "van_hove_self");
            double *r = malloc(sizeof(double) * (size_t)m.vh_bins);
            for (int b = 0; b < m.vh_bins; b++) r[b] = (b + 0.5) * m.vh_dr;
            for (int l = 0; l < m.n_ngp; l++) {
                cJSON *one = cJSON_CreateObject();
                add_num(one, "t_fs", m.ngp_lag[l] * m.dt_fs);
                cJSON_AddItemToObject(one, "r_density", xy_curve(r, m.vanhove + (size_t)l * m.vh_bins, m.vh_bins));
                cJSON_AddItemToArray(v, one);
                if (l % 4 == 3 || l == m.n_ngp - 1) {
                    char lab[64];
                    snprintf(lab, sizeof lab, "%s t = %.4g ps", sym, m.ngp_lag[l] * m.dt_fs / 1000);
                    aion_plot_add(plot, lab, r, m.vanhove + (size_t)l * m.vh_bins, NULL, m.vh_bins, AION_PLOT_LINE);
                }
            }
            free(r);
            continue;
        }
        /* plot MSD (ps) */
        long step = m.n > 1000 ? m.n / 1000 : 1, np = 0;
        double *tx = malloc(sizeof(double) * (size_t)(m.n / step + 1)), *ty = malloc(sizeof(double) * (size_t)(m.n / step + 1));
        for (long k = 0; k < m.n; k += step, np++) {
            tx[np] = k * m.dt_fs / 1000;
            ty[np] = m.msd[k];
        }
        if (!slab) aion_plot_add(plot, sym, tx, ty, NULL, (int)np, AION_PLOT_LINE);
        free(tx);
        free(ty);
        if (!strcmp(a->what, "msd")) continue;
        if (slab) {
            cJSON *sl = cJSON_AddArrayToObject(gj, "slab");
            double *zc = malloc(sizeof(double) * (size_t)o.slab_bins), *dv = malloc(sizeof(double) * (size_t)o.slab_bins),
                   *de = malloc(sizeof(double) * (size_t)o.slab_bins), *zv = malloc(sizeof(double) * (size_t)o.slab_bins),
                   *ze = malloc(sizeof(double) * (size_t)o.slab_bins);
            printf("%-3s   bin (A)          atoms   t_half (ps)   D_xy (cm2/s)             D_z (cm2/s)\n", sym);
            for (int b = 0; b < o.slab_bins; b++) {
                aion_slab_result sr;
                aion_slab_diffusion sd;
                aion_transport_slab(tr, g, b, &sr);
                zc[b] = 0.5 * (sr.edges_A[b] + sr.edges_A[b + 1]);
                dv[b] = de[b] = zv[b] = ze[b] = NAN;
                cJSON *bj = cJSON_CreateObject();
                cJSON_AddItemToArray(sl, bj);
                add_num(bj, "z_lo_A", sr.edges_A[b]);
                add_num(bj, "z_hi_A", sr.edges_A[b + 1]);
                add_num(bj, "atoms_mean", sr.n_mean);
                cJSON_AddItemToObject(bj, "survival", curve(sr.survival, sr.n, a->max_points, sr.dt_fs, NULL));
                cJSON *mdj = cJSON_AddObjectToObject(bj, "msd_dir_A2");
                for (int d = 0; d < 3; d++) {
                    char k[2] = {dn[d], 0};
                    cJSON_AddItemToObject(mdj, k, curve(sr.msd_dir[d], sr.n, a->max_points, sr.dt_fs, NULL));
                }
                if (aion_transport_slab_diffusion(tr, g, b, &fo, &sd)) {
                    cJSON_AddStringToObject(bj, "error", aion_transport_errmsg(tr));
                    printf("      %6.2f..%-6.2f  %6.2f   -             (%s)\n", sr.edges_A[b], sr.edges_A[b + 1], sr.n_mean,
                           aion_transport_errmsg(tr));
                    continue;
                }
                add_num(bj, "t_half_fs", sd.t_half_fs);
                cJSON_AddItemToObject(bj, "xy", diffusion_json(&sd.xy));
                cJSON_AddItemToObject(bj, "z", diffusion_json(&sd.z));
                dv[b] = sd.xy.D;
                de[b] = sd.xy.D_err;
                zv[b] = sd.z.D;
                ze[b] = sd.z.D_err;
                printf("      %6.2f..%-6.2f  %6.2f   %-12.4g  %.4g ± %-10.2g  %.4g ± %.2g\n", sr.edges_A[b],
                       sr.edges_A[b + 1], sr.n_mean, sd.t_half_fs / 1000, sd.xy.D, sd.xy.D_err, sd.z.D, sd.z.D_err);
            }
            char lab[64];
            snprintf(lab, sizeof lab, "%s D_xy", sym);
            aion_plot_add(plot, lab, zc, dv, de, o.slab_bins, AION_PLOT_POINTS | AION_PLOT_LINE);
            snprintf(lab, sizeof lab, "%s D_z", sym);
            aion_plot_add(plot, lab, zc, zv, ze, o.slab_bins, AION_PLOT_POINTS);
            free(zc);
            free(dv);
            free(de);
            free(zv);
            free(ze);
            continue;
        }
        aion_group_transport gt;
        if (aion_transport_diffusion(tr, g, &fo, &gt)) {
            fprintf(stderr, "aion: %s: %s\n", sym, aion_transport_errmsg(tr));
            continue;
        }
        cJSON_AddItemToObject(gj, "tracer", diffusion_json(&gt.tracer));
        cJSON_AddItemToObject(gj, "collective", diffusion_json(&gt.collective));
        add_num(gj, "haven_ratio", gt.haven);
        add_num(gj, "haven_ratio_err", gt.haven_err);
        printf("%-3s D* = %.4g ± %.2g cm²/s (95%%: %.4g..%.4g), window %.4g..%.4g ps, %.0f effective hops\n", sym,
               gt.tracer.D, gt.tracer.D_err, gt.tracer.D_lo, gt.tracer.D_hi, gt.tracer.t_start_fs / 1000,
               gt.tracer.t_end_fs / 1000, gt.tracer.n_hops_eff);
        printf("    D_sigma = %.4g ± %.2g cm²/s, Haven ratio %.3g ± %.2g\n", gt.collective.D, gt.collective.D_err,
               gt.haven, gt.haven_err);
        print_warnings(sym, &gt.tracer);
        /* fitted line */
        double fx[2] = {gt.tracer.t_start_fs / 1000, gt.tracer.t_end_fs / 1000}, fy[2];
        for (int k = 0; k < 2; k++)
            fy[k] = gt.tracer.intercept_A2 + 2.0 * m.n_dims * gt.tracer.D * 10.0 * fx[k] * 1000;
        char lab[64];
        snprintf(lab, sizeof lab, "%s fit", sym);
        aion_plot_add(plot, lab, fx, fy, NULL, 2, AION_PLOT_LINE | AION_PLOT_POINTS);
    }
    if (!strcmp(a->what, "conductivity")) {
        aion_conductivity c;
        if (aion_transport_conductivity(tr, &fo, &c)) {
            rc = cli_fail("conductivity: %s", aion_transport_errmsg(tr));
            goto done;
        }
        cJSON *cj = cJSON_AddObjectToObject(res, "conductivity");
        add_num(cj, "temperature_K", c.temperature_K);
        add_num(cj, "sigma_nernst_einstein_S_cm", c.sigma_ne);
        add_num(cj, "sigma_nernst_einstein_err_S_cm", c.sigma_ne_err);
        add_num(cj, "sigma_S_cm", c.sigma);
        add_num(cj, "sigma_err_S_cm", c.sigma_err);
        add_num(cj, "sigma_95_lo_S_cm", c.sigma / c.charge_fit.D * c.charge_fit.D_lo);
        add_num(cj, "sigma_95_hi_S_cm", c.sigma / c.charge_fit.D * c.charge_fit.D_hi);
        add_num(cj, "haven_ratio", c.haven);
        add_num(cj, "haven_ratio_err", c.haven_err);
        const double *qm = aion_transport_charge_msd(tr, NULL);
        aion_msd_result m0;
        aion_transport_msd(tr, 0, &m0);
        cJSON_AddItemToObject(cj, "charge_msd_e2A2", curve(qm, m0.n, a->max_points, m0.dt_fs, NULL));
        printf("sigma = %.4g ± %.2g mS/cm (charge MSD), %.4g ± %.2g mS/cm (Nernst-Einstein), Haven ratio %.3g ± %.2g\n",
               1e3 * c.sigma, 1e3 * c.sigma_err, 1e3 * c.sigma_ne, 1e3 * c.sigma_ne_err, c.haven, c.haven_err);
        print_warnings("charge MSD", &c.charge_fit);
    }
    if (!strcmp(a->what, "vanhove")) aion_plot_set_log(plot, 0, 0);
    rc = write_outputs(a, root, plot);
done:
    cJSON_Delete(root);
    aion_plot_free(plot);
    aion_transport_free(tr);
    aion_reader_close(rd);
    return rc;
}

/* --- structure -------------------------------------------------------------- */

static int run_structure(const args *a, int argc, char **argv)
{
    aion_read_opts ro;
    aion_reader *rd = NULL;
    aion_error e;
    aion_frame f;
    aion_rdf *r = NULL;
    aion_adf *ad = NULL;
    aion_qn *qn = NULL;
    cJSON *root = NULL;
    aion_plot *plot = NULL;
    int rc = 1;
    long idx = 0, used = 0;
    aion_status st;
    double *x = NULL, *y = NULL, *cn = NULL;
    if (!a->traj) return cli_fail("analyze %s: --traj FILE is required", a->what);
    aion_read_opts_init(&ro);
    if (a->format) ro.format = aion_format_from_name(a->format);
    ro.type_z = a->n_type_z ? a->type_z : NULL;
    ro.n_type_z = a->n_type_z;
    if (aion_reader_open(&rd, a->traj, &ro, &e)) return cli_fail("%s", e.msg);
    aion_frame_init(&f);
    const int is_rdf = !strcmp(a->what, "rdf") || !strcmp(a->what, "sq");
    if (is_rdf) {
        aion_rdf_opts o = {.r_max = a->rmax, .n_bins = a->bins};
        if (aion_rdf_create(&r, &o, &e)) {
            rc = cli_fail("%s", e.msg);
            goto done;
        }
    } else if (!strcmp(a->what, "adf")) {
        if (!(a->rcut > 0)) {
            rc = cli_fail("adf: --rcut is required");
            goto done;
        }
        aion_adf_opts o = {.z_center = a->center, .z_a = a->za, .z_b = a->zb, .rcut_a = a->rcut,
                           .rcut_b = a->rcut_b > 0 ? a->rcut_b : a->rcut, .n_bins = a->bins > 0 ? a->bins : 180};
        if (aion_adf_create(&ad, &o, &e)) {
            rc = cli_fail("%s", e.msg);
            goto done;
        }
    } else {
        aion_qn_opts o = {.former_z = a->n_formers ? a->formers : NULL, .n_former = a->n_formers,
                          .anion_z = a->anion, .cutoff = a->rcut};
        if (aion_qn_create(&qn, &o, &e)) {
            rc = cli_fail("%s", e.msg);
            goto done;
        }
    }
    while ((st = aion_reader_next(rd, &f)) == AION_OK) {
        long i = idx++;
        if (i < a->first || (a->last >= 0 && i > a->last) || (i - a->first) % a->stride) {
            if (a->last >= 0 && i > a->last) break;
            continue;
        }
        aion_status s2 = r ? aion_rdf_add(r, &f) : ad ? aion_adf_add(ad, &f) : aion_qn_add(qn, &f);
        if (s2) {
            rc = cli_fail("%s: frame %ld: %s", a->traj, i, r ? aion_rdf_errmsg(r) : ad ? aion_adf_errmsg(ad) : aion_qn_errmsg(qn));
            goto done;
        }
        used++;
    }
    if (st != AION_OK && st != AION_EOF) {
        rc = cli_fail("%s", aion_reader_errmsg(rd));
        goto done;
    }
    if (!used) {
        rc = cli_fail("%s: no frames used", a->traj);
        goto done;
    }
    root = run_record(a, argc, argv);
    cJSON *res = cJSON_AddObjectToObject(root, "results");
    cJSON_AddNumberToObject(res, "frames", (double)used);
    if (r && !strcmp(a->what, "rdf")) {
        int nb = aion_rdf_nbins(r);
        const int *z;
        int ns = aion_rdf_species(r, &z);
        x = malloc(sizeof(double) * nb);
        y = malloc(sizeof(double) * nb);
        cn = malloc(sizeof(double) * nb);
        plot = aion_plot_create("radial distribution functions", "r (Å)", "g(r)");
        aion_rdf_get(r, 0, 0, x, y, cn);
        cJSON *t = cJSON_AddObjectToObject(res, "total");
        cJSON_AddItemToObject(t, "g", xy_curve(x, y, nb));
        cJSON_AddItemToObject(t, "coordination", xy_curve(x, cn, nb));
        aion_plot_add(plot, "total", x, y, NULL, nb, AION_PLOT_LINE);
        cJSON *parts = cJSON_AddArrayToObject(res, "partials");
        for (int i = 0; i < ns; i++)
            for (int j = 0; j < ns; j++) {
                aion_rdf_get(r, z[i], z[j], x, y, cn);
                cJSON *p = cJSON_CreateObject();
                cJSON_AddStringToObject(p, "a", aion_element_symbol(z[i]));
                cJSON_AddStringToObject(p, "b", aion_element_symbol(z[j]));
                cJSON_AddItemToObject(p, "g", xy_curve(x, y, nb));
                cJSON_AddItemToObject(p, "coordination", xy_curve(x, cn, nb));
                /* first minimum after the first peak: coordination there */
                int pk = 0;
                for (int k = 1; k < nb; k++)
                    if (y[k] > y[pk]) pk = k;
                int mn = pk;
                while (mn + 1 < nb && y[mn + 1] <= y[mn]) mn++;
                add_num(p, "first_peak_A", x[pk]);
                add_num(p, "first_min_A", x[mn]);
                add_num(p, "coordination_at_first_min", cn[mn]);
                cJSON_AddItemToArray(parts, p);
                if (j >= i) {
                    char lab[32];
                    snprintf(lab, sizeof lab, "%s-%s", aion_element_symbol(z[i]), aion_element_symbol(z[j]));
                    if (ns <= 3) aion_plot_add(plot, lab, x, y, NULL, nb, AION_PLOT_LINE);
                    printf("%-6s first peak %.3f Å, first minimum %.3f Å, coordination %.3f\n", lab, x[pk], x[mn],
                           cn[mn]);
                }
            }
    } else if (r) {
        x = malloc(sizeof(double) * a->nq);
        y = malloc(sizeof(double) * a->nq);
        for (int k = 0; k < a->nq; k++) x[k] = a->qmax * (k + 1) / a->nq;
        st = aion_rdf_sq(r, x, a->nq, a->lorch, y);
        if (st) {
            rc = cli_fail("S(q): %s", st == AION_ERR_UNSUPPORTED ? "no neutron scattering length for an element"
                                                                  : aion_status_str(st));
            goto done;
        }
        cJSON_AddItemToObject(res, "S_q", xy_curve(x, y, a->nq));
        cJSON_AddBoolToObject(res, "lorch", a->lorch);
        add_num(res, "r_max_A", a->rmax);
        plot = aion_plot_create("neutron total structure factor", "q (1/Å)", "S(q)");
        aion_plot_add(plot, "", x, y, NULL, a->nq, AION_PLOT_LINE);
    } else if (ad) {
        int nb = aion_adf_nbins(ad);
        double na;
        x = malloc(sizeof(double) * nb);
        y = malloc(sizeof(double) * nb);
        aion_adf_get(ad, x, y, &na);
        cJSON_AddItemToObject(res, "angle_density_per_deg", xy_curve(x, y, nb));
        add_num(res, "angles_per_center", na);
        plot = aion_plot_create("bond-angle distribution", "angle (degrees)", "density (1/degree)");
        aion_plot_add(plot, "", x, y, NULL, nb, AION_PLOT_LINE);
        printf("%.3f angles per centre\n", na);
    } else {
        aion_qn_result q;
        aion_qn_get(qn, &q);
        cJSON *qa = cJSON_AddArrayToObject(res, "Qn_fraction");
        double xs[9];
        for (int k = 0; k < 9; k++) {
            cJSON_AddItemToArray(qa, cJSON_CreateNumber(q.qn[k]));
            xs[k] = k;
        }
        add_num(res, "mean_coordination", q.mean_cn);
        add_num(res, "anion_bridging", q.f_bridging);
        add_num(res, "anion_nonbridging", q.f_nonbridging);
        add_num(res, "anion_free", q.f_free);
        add_num(res, "anion_tricluster", q.f_tricluster);
        add_num(res, "mean_fragment_size", q.mean_chain);
        cJSON *fr = cJSON_AddArrayToObject(res, "fragment_size_fraction");
        for (int s = 1; s <= q.frag_max; s++) {
            cJSON *p = cJSON_CreateArray();
            cJSON_AddItemToArray(p, cJSON_CreateNumber(s));
            cJSON_AddItemToArray(p, cJSON_CreateNumber(q.frag[s]));
            cJSON_AddItemToArray(fr, p);
        }
        printf("Q0..Q4: %.3f %.3f %.3f %.3f %.3f; bridging anions %.3f; mean fragment %.2f formers\n", q.qn[0],
               q.qn[1], q.qn[2], q.qn[3], q.qn[4], q.f_bridging, q.mean_chain);
        plot = aion_plot_create("Qn speciation", "n", "fraction");
        aion_plot_add(plot, "", xs, q.qn, NULL, 9, AION_PLOT_POINTS | AION_PLOT_LINE);
    }
    rc = write_outputs(a, root, plot);
done:
    free(x);
    free(y);
    free(cn);
    cJSON_Delete(root);
    aion_plot_free(plot);
    aion_rdf_free(r);
    aion_adf_free(ad);
    aion_qn_free(qn);
    aion_frame_free(&f);
    aion_reader_close(rd);
    return rc;
}

/* --- Arrhenius -------------------------------------------------------------- */

static int run_arrhenius(const args *a, int argc, char **argv)
{
    double T[256], D[256], E[256];
    int n = 0, has_err = 1;
    char line[512];
    if (!a->data) return cli_fail("arrhenius: --data CSV is required (columns T,D[,D_error])");
    FILE *f = fopen(a->data, "r");
    if (!f) return cli_fail("cannot open %s", a->data);
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        double t, d, e;
        int k = sscanf(line, "%lf,%lf,%lf", &t, &d, &e);
        if (k < 2) {
            if (n == 0 && lineno == 1) continue; /* header */
            if (line[0] == '\n' || line[0] == '#') continue;
            fclose(f);
            return cli_fail("%s:%d: expected T,D[,D_error]", a->data, lineno);
        }
        if (n >= 256) {
            fclose(f);
            return cli_fail("%s: more than 256 rows", a->data);
        }
        T[n] = t;
        D[n] = d;
        E[n] = k == 3 ? e : 0;
        if (k < 3) has_err = 0;
        n++;
    }
    fclose(f);
    aion_arrhenius_opts o;
    aion_arrhenius_opts_init(&o);
    o.times_T = a->sigma_T;
    o.kb_eV = a->kb;
    aion_arrhenius ar;
    aion_error e;
    if (aion_arrhenius_fit(T, D, has_err ? E : NULL, n, &o, &ar, &e)) return cli_fail("%s: %s", a->data, e.msg);
    double sd, sdn, v = aion_arrhenius_predict(&ar, a->at_T, &sd, &sdn);
    cJSON *root = run_record(a, argc, argv);
    cJSON *res = cJSON_AddObjectToObject(root, "results");
    cJSON_AddStringToObject(res, "model", a->sigma_T ? "ln(yT) = ln A - Ea/(kB T)" : "ln y = ln A - Ea/(kB T)");
    add_num(res, "Ea_eV", ar.Ea_eV);
    add_num(res, "Ea_err_eV", ar.Ea_err);
    add_num(res, "lnA", ar.lnA);
    add_num(res, "lnA_err", ar.lnA_err);
    add_num(res, "cov_lnA_Ea", ar.cov_lnA_Ea);
    add_num(res, "chi2_dof", ar.chi2_dof);
    add_num(res, "kB_eV_K", ar.kb_eV);
    cJSON *p = cJSON_AddObjectToObject(res, "prediction");
    add_num(p, "T_K", a->at_T);
    add_num(p, "value", v);
    add_num(p, "lo_1sigma", v * exp(-sd));
    add_num(p, "hi_1sigma", v * exp(sd));
    add_num(p, "lo_1sigma_without_covariance", v * exp(-sdn));
    add_num(p, "hi_1sigma_without_covariance", v * exp(sdn));
    printf("Ea = %.6g ± %.3g eV; value at %.1f K = %.6g (1σ: %.4g..%.4g; without covariance %.4g..%.4g)\n", ar.Ea_eV,
           ar.Ea_err, a->at_T, v, v * exp(-sd), v * exp(sd), v * exp(-sdn), v * exp(sdn));
    double nions = a->n_ions, vol = a->volume, q = 0;
    if (a->n_species == 1 && a->have_charge) q = a->charge_by_z[a->species[0]];
    if (!a->sigma_T && nions > 0 && vol > 0 && q != 0) {
        double fac = aion_nernst_einstein_factor(nions, q, vol, a->at_T);
        cJSON *c = cJSON_AddObjectToObject(res, "nernst_einstein");
        add_num(c, "factor_mS_cm_per_cm2_s", fac * 1e3);
        add_num(c, "sigma_mS_cm", fac * v * 1e3);
        add_num(c, "lo_1sigma_mS_cm", fac * v * exp(-sd) * 1e3);
        add_num(c, "hi_1sigma_mS_cm", fac * v * exp(sd) * 1e3);
        add_num(c, "lo_1sigma_without_covariance_mS_cm", fac * v * exp(-sdn) * 1e3);
        add_num(c, "hi_1sigma_without_covariance_mS_cm", fac * v * exp(sdn) * 1e3);
        printf("sigma(%.1f K) = %.6g mS/cm (1σ: %.4g..%.4g; without covariance %.4g..%.4g)\n", a->at_T,
               fac * v * 1e3, fac * v * exp(-sd) * 1e3, fac * v * exp(sd) * 1e3, fac * v * exp(-sdn) * 1e3,
               fac * v * exp(sdn) * 1e3);
    }
    aion_plot *plot = aion_plot_create("Arrhenius plot", "1000/T (1/K)", a->sigma_T ? "σT" : "D (cm²/s)");
    double x[256], fx[2], fy[2];
    for (int k = 0; k < n; k++) x[k] = 1000.0 / T[k];
    aion_plot_set_log(plot, 0, 1);
    aion_plot_add(plot, "data", x, D, has_err ? E : NULL, n, AION_PLOT_POINTS);
    double tlo = T[0], thi = T[0];
    for (int k = 1; k < n; k++) {
        tlo = fmin(tlo, T[k]);
        thi = fmax(thi, T[k]);
    }
    tlo = fmin(tlo, a->at_T);
    fx[0] = 1000.0 / thi;
    fx[1] = 1000.0 / tlo;
    fy[0] = aion_arrhenius_predict(&ar, thi, NULL, NULL);
    fy[1] = aion_arrhenius_predict(&ar, tlo, NULL, NULL);
    aion_plot_add(plot, "fit", fx, fy, NULL, 2, AION_PLOT_LINE);
    int rc = write_outputs(a, root, plot);
    cJSON_Delete(root);
    aion_plot_free(plot);
    return rc;
}

/* --- residence ---------------------------------------------------------------- */

static int open_traj(const args *a, aion_reader **rd)
{
    aion_read_opts ro;
    aion_error e;
    aion_read_opts_init(&ro);
    if (a->format) {
        ro.format = aion_format_from_name(a->format);
        if (ro.format == AION_FMT_AUTO) return cli_fail("unknown format '%s'", a->format);
    }
    ro.type_z = a->n_type_z ? a->type_z : NULL;
    ro.n_type_z = a->n_type_z;
    if (aion_reader_open(rd, a->traj, &ro, &e)) return cli_fail("%s", e.msg);
    return 0;
}

/* Site centres (fractional) of species z from a structure file. */
static int sites_from_file(const args *a, int z, double (**out)[3], int *n)
{
    aion_reader *rd = NULL;
    aion_read_opts ro;
    aion_error e;
    aion_frame f;
    double inv[3][3];
    aion_read_opts_init(&ro);
    ro.type_z = a->n_type_z ? a->type_z : NULL;
    ro.n_type_z = a->n_type_z;
    if (aion_reader_open(&rd, a->sites, &ro, &e)) return cli_fail("%s", e.msg);
    aion_frame_init(&f);
    int rc = 1;
    if (aion_reader_next(rd, &f)) {
        rc = cli_fail("%s: %s", a->sites, aion_reader_errmsg(rd));
        goto done;
    }
    if (!(f.has & AION_HAS_CELL) || aion_cell_inverse(f.cell, inv)) {
        rc = cli_fail("%s: the site file needs a cell", a->sites);
        goto done;
    }
    *n = 0;
    *out = malloc(sizeof **out * (size_t)(f.n ? f.n : 1));
    for (int i = 0; i < f.n; i++) {
        if (f.z[i] != z) continue;
        for (int k = 0; k < 3; k++)
            (*out)[*n][k] = f.pos[i][0] * inv[0][k] + f.pos[i][1] * inv[1][k] + f.pos[i][2] * inv[2][k];
        (*n)++;
    }
    if (!*n) {
        rc = cli_fail("%s: no %s atoms to use as sites", a->sites, aion_element_symbol(z));
        goto done;
    }
    rc = 0;
done:
    aion_frame_free(&f);
    aion_reader_close(rd);
    return rc;
}

static int run_residence(const args *a, int argc, char **argv)
{
    aion_reader *rd = NULL;
    aion_residence *res = NULL;
    aion_sitefind *sf = NULL;
    aion_error e;
    cJSON *root = NULL;
    aion_plot *plot = NULL;
    double (*sites)[3] = NULL;
    int n_sites = 0, rc = 1;
    if (!a->traj) return cli_fail("analyze residence: --traj FILE is required");
    if (!a->n_species) return cli_fail("analyze residence: give the ion with --species");
    if (!a->sites) return cli_fail("analyze residence: give --sites FILE or --sites density");
    const int zi = a->species[0];
    if (!strcmp(a->sites, "density")) {
        aion_sitefind_opts so = {.z_ion = zi, .grid_A = a->grid, .min_dist_A = a->min_dist, .stride = a->stride};
        aion_frame f;
        if (aion_sitefind_create(&sf, &so, &e)) return cli_fail("%s", e.msg);
        if (open_traj(a, &rd)) goto done;
        aion_frame_init(&f);
        aion_status st;
        long idx = 0;
        while ((st = aion_reader_next(rd, &f)) == AION_OK) {
            if (idx >= a->first && (a->last < 0 || idx <= a->last) && aion_sitefind_add(sf, &f)) {
                aion_frame_free(&f);
                rc = cli_fail("%s", aion_sitefind_errmsg(sf));
                goto done;
            }
            idx++;
        }
        aion_frame_free(&f);
        if (st != AION_EOF) {
            rc = cli_fail("%s", aion_reader_errmsg(rd));
            goto done;
        }
        aion_reader_close(rd);
        rd = NULL;
        const double (*sfrac)[3] = NULL;
        n_sites = aion_sitefind_get(sf, &sfrac);
        if (n_sites < 1) {
            rc = cli_fail("no density maxima found for %s", aion_element_symbol(zi));
            goto done;
        }
        sites = malloc(sizeof *sites * (size_t)n_sites);
        memcpy(sites, sfrac, sizeof *sites * (size_t)n_sites);
        printf("%d sites found from the %s density\n", n_sites, aion_element_symbol(zi));
    } else if (sites_from_file(a, a->site_z ? a->site_z : zi, &sites, &n_sites)) {
        goto done;
    }
    aion_residence_opts o;
    aion_residence_opts_init(&o);
    o.z_ion = zi;
    o.site_frac = (const double(*)[3])sites;
    o.n_sites = n_sites;
    o.r_site = a->rsite;
    o.strict = a->strict;
    o.drift = (aion_drift)a->drift;
    o.first_frame = a->first;
    o.last_frame = a->last;
    o.stride = a->stride;
    o.dt_fs = a->dt;
    o.step_fs = a->timestep;
    o.n_boot = a->boot;
    if (aion_residence_create(&res, &o, &e)) {
        rc = cli_fail("%s", e.msg);
        goto done;
    }
    if (open_traj(a, &rd)) goto done;
    if (aion_residence_read(res, rd) || aion_residence_finish(res)) {
        rc = cli_fail("%s: %s", a->traj, aion_residence_errmsg(res));
        goto done;
    }
    aion_residence_result s;
    aion_residence_get(res, &s);
    root = run_record(a, argc, argv);
    cJSON *j = cJSON_AddObjectToObject(root, "results");
    cJSON_AddStringToObject(j, "ion", aion_element_symbol(zi));
    cJSON_AddStringToObject(j, "counting", a->strict ? "strict (ends on leaving the sphere)"
                                                     : "transition (ends on entering another site)");
    add_num(j, "r_site_A", o.r_site > 0 ? o.r_site : 1.0);
    cJSON_AddNumberToObject(j, "frames", (double)s.n_frames);
    add_num(j, "dt_fs", s.dt_fs);
    cJSON_AddNumberToObject(j, "ions", s.n_ions);
    cJSON_AddNumberToObject(j, "sites", s.n_sites);
    cJSON_AddNumberToObject(j, "stays_complete", (double)s.n_complete);
    cJSON_AddNumberToObject(j, "stays_censored", (double)s.n_censored);
    cJSON_AddNumberToObject(j, "stays_left_out", (double)s.n_left);
    add_num(j, "fraction_between_sites", s.f_between);
    cJSON *km = cJSON_AddObjectToObject(j, "kaplan_meier");
    add_num(km, "mean_fs", s.km_mean_fs);
    add_num(km, "mean_err_fs", s.km_mean_err_fs);
    add_num(km, "mean_95_lo_fs", s.km_lo_fs);
    add_num(km, "mean_95_hi_fs", s.km_hi_fs);
    cJSON_AddBoolToObject(km, "restricted_lower_bound", s.km_restricted);
    cJSON *ml = cJSON_AddObjectToObject(j, "geometric_mle");
    add_num(ml, "mean_fs", s.mle_mean_fs);
    add_num(ml, "mean_err_fs", s.mle_err_fs);
    add_num(ml, "mean_err_bootstrap_fs", s.mle_boot_err_fs);
    cJSON *nv = cJSON_AddObjectToObject(j, "completed_only");
    add_num(nv, "mean_fs", s.naive_mean_fs);
    add_num(nv, "mean_err_fs", s.naive_err_fs);
    double *tx = malloc(sizeof(double) * (size_t)s.n_surv), *hy = malloc(sizeof(double) * (size_t)s.n_surv);
    for (int k = 0; k < s.n_surv; k++) {
        tx[k] = k * s.dt_fs;
        hy[k] = (double)s.complete_hist[k];
    }
    cJSON_AddItemToObject(j, "survival", curve(s.survival, s.n_surv, a->max_points, s.dt_fs, NULL));
    cJSON_AddItemToObject(j, "completed_histogram", curve(hy, s.n_surv, s.n_surv, s.dt_fs, NULL));
    cJSON *sj = cJSON_AddArrayToObject(j, "site_list");
    for (int k = 0; k < n_sites; k++) {
        cJSON *one = cJSON_CreateObject();
        cJSON *fr = cJSON_AddArrayToObject(one, "frac");
        for (int d = 0; d < 3; d++) cJSON_AddItemToArray(fr, cJSON_CreateNumber(sites[k][d]));
        add_num(one, "occupancy", s.site_occupancy[k]);
        cJSON_AddNumberToObject(one, "entries", (double)s.site_entries[k]);
        cJSON_AddItemToArray(sj, one);
    }
    plot = aion_plot_create("residence in sites (Kaplan-Meier)", "t (ps)", "survival S(t)");
    for (int k = 0; k < s.n_surv; k++) tx[k] /= 1000;
    aion_plot_add(plot, aion_element_symbol(zi), tx, s.survival, NULL, s.n_surv, AION_PLOT_LINE);
    free(tx);
    free(hy);
    printf("%s in %d sites: %ld complete stays, %ld censored, %ld left out; %.1f%% of the time between sites\n",
           aion_element_symbol(zi), n_sites, s.n_complete, s.n_censored, s.n_left, 100 * s.f_between);
    printf("mean residence: %.4g ± %.2g ps (Kaplan-Meier%s), %.4g ± %.2g ps (geometric MLE), "
           "%.4g ps (completed stays only, biased low)\n",
           s.km_mean_fs / 1000, s.km_mean_err_fs / 1000, s.km_restricted ? ", lower bound: longest stay censored" : "",
           s.mle_mean_fs / 1000, s.mle_err_fs / 1000, s.naive_mean_fs / 1000);
    if (s.n_complete < 30)
        fprintf(stderr, "aion: warning: only %ld complete stays: the residence time is poorly determined\n",
                s.n_complete);
    rc = write_outputs(a, root, plot);
done:
    cJSON_Delete(root);
    aion_plot_free(plot);
    aion_residence_free(res);
    aion_sitefind_free(sf);
    aion_reader_close(rd);
    free(sites);
    return rc;
}

int cmd_analyze(int argc, char **argv)
{
    args a;
    if (argc < 2 || cli_is_help(argv[1])) {
        usage();
        return argc < 2 ? 2 : 0;
    }
    if (parse(&a, argc, argv)) return 2;
    const char *w = a.what;
    if (!strcmp(w, "msd") || !strcmp(w, "diffusion") || !strcmp(w, "conductivity") || !strcmp(w, "vanhove") ||
        !strcmp(w, "slab"))
        return run_transport(&a, argc, argv);
    if (!strcmp(w, "rdf") || !strcmp(w, "sq") || !strcmp(w, "adf") || !strcmp(w, "qn"))
        return run_structure(&a, argc, argv);
    if (!strcmp(w, "arrhenius")) return run_arrhenius(&a, argc, argv);
    if (!strcmp(w, "residence")) return run_residence(&a, argc, argv);
    return cli_fail("analyze: unknown analysis '%s' (see aion analyze --help)", w);
}
