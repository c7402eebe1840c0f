/* aion info FILE...: summary of structure/trajectory files; --potential SPEC: a potential's self-description. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: aion info FILE... [--format F] [--species A,B,C]\n"
            "       aion info --potential SPEC [--species A,B,C]\n\n"
            "Summarise structure/trajectory files (frames, atoms, composition, cell, density,\n"
            "which data the frames carry), or print what a potential is (parameters, references).\n\n"
            "  --format F         input format (default: from the name)\n"
            "  --species A,B,C    elements of types 1,2,3... (LAMMPS files, MLIP .cfg, .mtp)\n");
}

/* Named counter (free-form fields and columns). */
typedef struct named_count {
    char *name;
    long count;
} named_count;

typedef struct tally {
    named_count *v;
    int n, cap;
} tally;

static int tally_add(tally *t, const char *name)
{
    for (int k = 0; k < t->n; k++)
        if (!strcmp(t->v[k].name, name)) return (int)(++t->v[k].count);
    if (t->n == t->cap) {
        int nc = t->cap ? 2 * t->cap : 16;
        named_count *q = realloc(t->v, (size_t)nc * sizeof *q);
        if (!q) return -1;
        t->v = q;
        t->cap = nc;
    }
    t->v[t->n].name = malloc(strlen(name) + 1);
    if (!t->v[t->n].name) return -1;
    strcpy(t->v[t->n].name, name);
    t->v[t->n].count = 1;
    t->n++;
    return 1;
}

static void tally_free(tally *t)
{
    for (int k = 0; k < t->n; k++) free(t->v[k].name);
    free(t->v);
    memset(t, 0, sizeof *t);
}

typedef struct summary {
    long frames;
    int nmin, nmax;
    char comp_first[512], comp_last[512], formula[256];
    int comp_varies;
    long counts_first[AION_MAX_Z + 1];
    int have_cell_first, have_cell_last, cell_varies;
    long cell_missing;
    double cell_first[3][3], cell_last[3][3];
    double vmin, vmax, dmin, dmax, v_first, d_first;
    int pbc_first[3], pbc_varies;
    long n_energy, n_forces, n_stress, n_vel, n_charge, n_mass, n_id, n_fixed, n_image, n_aen, n_time, n_step;
    double emin_pa, emax_pa;
    tally info, cols;
} summary;

static void counts_of(const aion_frame *f, long c[AION_MAX_Z + 1])
{
    memset(c, 0, (AION_MAX_Z + 1) * sizeof *c);
    for (int i = 0; i < f->n; i++) c[(f->z[i] >= 0 && f->z[i] <= AION_MAX_Z) ? f->z[i] : 0]++;
}

static int add_frame(summary *s, const aion_frame *f)
{
    long c[AION_MAX_Z + 1];
    counts_of(f, c);
    if (s->frames == 0) {
        s->nmin = s->nmax = f->n;
        memcpy(s->counts_first, c, sizeof c);
        aion_frame_formula(f, 0, s->comp_first, sizeof s->comp_first);
        aion_frame_formula(f, 1, s->formula, sizeof s->formula);
        memcpy(s->pbc_first, f->pbc, sizeof s->pbc_first);
        s->vmin = s->dmin = INFINITY;
        s->vmax = s->dmax = -INFINITY;
        s->emin_pa = INFINITY;
        s->emax_pa = -INFINITY;
    } else {
        s->nmin = f->n < s->nmin ? f->n : s->nmin;
        s->nmax = f->n > s->nmax ? f->n : s->nmax;
        if (memcmp(c, s->counts_first, sizeof c)) s->comp_varies = 1;
        if (memcmp(f->pbc, s->pbc_first, sizeof s->pbc_first)) s->pbc_varies = 1;
    }
    aion_frame_formula(f, 0, s->comp_last, sizeof s->comp_last);
    if (f->has & AION_HAS_CELL) {
        double v = aion_frame_volume(f), d = aion_frame_density(f);
        if (!s->have_cell_first && s->frames == 0) {
            s->have_cell_first = 1;
            memcpy(s->cell_first, f->cell, sizeof s->cell_first);
            s->v_first = v;
            s->d_first = d;
        } else if (s->have_cell_last && memcmp(f->cell, s->cell_last, sizeof s->cell_last)) {
            s->cell_varies = 1;
        }
        s->have_cell_last = 1;
        memcpy(s->cell_last, f->cell, sizeof s->cell_last);
        s->vmin = fmin(s->vmin, v);
        s->vmax = fmax(s->vmax, v);
        s->dmin = fmin(s->dmin, d);
        s->dmax = fmax(s->dmax, d);
    } else {
        s->cell_missing++;
    }
    if (f->has & AION_HAS_ENERGY) {
        s->n_energy++;
        if (f->n > 0) {
            s->emin_pa = fmin(s->emin_pa, f->energy / f->n);
            s->emax_pa = fmax(s->emax_pa, f->energy / f->n);
        }
    }
    s->n_forces += !!(f->has & AION_HAS_FORCES);
    s->n_stress += !!(f->has & AION_HAS_STRESS);
    s->n_vel += !!(f->has & AION_HAS_VEL);
    s->n_charge += !!(f->has & AION_HAS_CHARGE);
    s->n_mass += !!(f->has & AION_HAS_MASS);
    s->n_id += !!(f->has & AION_HAS_ID);
    s->n_fixed += !!(f->has & AION_HAS_FIXED);
    s->n_image += !!(f->has & AION_HAS_IMAGE);
    s->n_aen += !!(f->has & AION_HAS_ATOM_ENERGY);
    s->n_time += !!(f->has & AION_HAS_TIME);
    s->n_step += !!(f->has & AION_HAS_STEP);
    for (int k = 0; k < f->n_info; k++)
        if (tally_add(&s->info, f->info[k].key) < 0) return -1;
    for (int k = 0; k < f->n_cols; k++) {
        char name[300];
        snprintf(name, sizeof name, "%s:%c:%d", f->cols[k].name, f->cols[k].kind, f->cols[k].ncols);
        if (tally_add(&s->cols, name) < 0) return -1;
    }
    s->frames++;
    return 0;
}

static void print_cell(const char *label, const double cell[3][3])
{
    double abc[3], ang[3];
    aion_cell_to_params(cell, abc, ang);
    printf("  %-12s a b c = %.6g %.6g %.6g Å   α β γ = %.6g %.6g %.6g°\n", label, abc[0], abc[1], abc[2], ang[0], ang[1],
           ang[2]);
}

static void print_count(const char *what, long n, long total, int *first)
{
    if (!n) return;
    printf("%s%s %ld/%ld", *first ? "" : ", ", what, n, total);
    *first = 0;
}

static void print_summary(const char *path, aion_format fmt, const summary *s)
{
    int first = 1;
    printf("%s\n", path);
    printf("  %-12s %s\n", "format", aion_format_name(fmt));
    printf("  %-12s %ld\n", "frames", s->frames);
    if (s->frames == 0) return;
    if (s->nmin == s->nmax)
        printf("  %-12s %d\n", "atoms", s->nmin);
    else
        printf("  %-12s %d .. %d (varies)\n", "atoms", s->nmin, s->nmax);
    if (!s->comp_varies) {
        printf("  %-12s %s\n", "composition", s->comp_first);
        printf("  %-12s %s\n", "formula", s->formula);
    } else {
        printf("  %-12s varies; first frame %s, last frame %s\n", "composition", s->comp_first, s->comp_last);
        printf("  %-12s %s (first frame)\n", "formula", s->formula);
    }
    if (s->have_cell_first || s->have_cell_last) {
        if (s->have_cell_first) print_cell(s->cell_varies || s->frames > 1 ? "cell (first)" : "cell", s->cell_first);
        if (s->frames > 1 && (s->cell_varies || !s->have_cell_first)) print_cell("cell (last)", s->cell_last);
        if (s->frames > 1) printf("  %-12s %s\n", "cell varies", s->cell_varies ? "yes" : "no");
        if (s->cell_missing) printf("  %-12s %ld frames have no cell\n", "", s->cell_missing);
        if (s->vmin == s->vmax)
            printf("  %-12s %.6g Å³\n", "volume", s->vmin);
        else
            printf("  %-12s %.6g .. %.6g Å³\n", "volume", s->vmin, s->vmax);
        if (s->dmin == s->dmax)
            printf("  %-12s %.5g g/cm³\n", "density", s->dmin);
        else
            printf("  %-12s %.5g .. %.5g g/cm³\n", "density", s->dmin, s->dmax);
    } else {
        printf("  %-12s none (non-periodic)\n", "cell");
    }
    printf("  %-12s %c %c %c%s\n", "pbc", s->pbc_first[0] ? 'T' : 'F', s->pbc_first[1] ? 'T' : 'F',
           s->pbc_first[2] ? 'T' : 'F', s->pbc_varies ? " (first frame; varies)" : "");
    printf("  %-12s ", "data");
    print_count("energy", s->n_energy, s->frames, &first);
    print_count("forces", s->n_forces, s->frames, &first);
    print_count("stress", s->n_stress, s->frames, &first);
    print_count("velocities", s->n_vel, s->frames, &first);
    print_count("charges", s->n_charge, s->frames, &first);
    print_count("masses", s->n_mass, s->frames, &first);
    print_count("per-atom energies", s->n_aen, s->frames, &first);
    print_count("ids", s->n_id, s->frames, &first);
    print_count("fixed atoms", s->n_fixed, s->frames, &first);
    print_count("image flags", s->n_image, s->frames, &first);
    print_count("time", s->n_time, s->frames, &first);
    print_count("step", s->n_step, s->frames, &first);
    printf("%s\n", first ? "positions only" : "");
    if (s->n_energy && s->emin_pa == s->emax_pa)
        printf("  %-12s %.6f eV/atom\n", "energy", s->emin_pa);
    else if (s->n_energy)
        printf("  %-12s %.6f .. %.6f eV/atom\n", "energy", s->emin_pa, s->emax_pa);
    if (s->info.n) {
        printf("  %-12s ", "fields");
        for (int k = 0; k < s->info.n; k++)
            printf("%s%s %ld/%ld", k ? ", " : "", s->info.v[k].name, s->info.v[k].count, s->frames);
        printf("\n");
    }
    if (s->cols.n) {
        printf("  %-12s ", "columns");
        for (int k = 0; k < s->cols.n; k++)
            printf("%s%s %ld/%ld", k ? ", " : "", s->cols.v[k].name, s->cols.v[k].count, s->frames);
        printf("\n");
    }
}

static int info_file(const char *path, const aion_read_opts *ro)
{
    aion_reader *r = NULL;
    aion_error err;
    aion_frame f;
    summary *s;
    aion_status st;
    int rc = 1;
    const char *notes;
    if (aion_reader_open(&r, path, ro, &err)) return cli_fail("%s", err.msg);
    s = calloc(1, sizeof *s);
    if (!s) {
        aion_reader_close(r);
        return cli_fail("out of memory");
    }
    aion_frame_init(&f);
    while ((st = aion_reader_next(r, &f)) == AION_OK) {
        if (add_frame(s, &f)) {
            cli_fail("out of memory");
            goto done;
        }
    }
    if (st != AION_EOF) {
        cli_fail("%s", aion_reader_errmsg(r));
        goto done;
    }
    print_summary(path, aion_reader_format(r), s);
    rc = 0;
done:
    notes = aion_reader_notes(r);
    if (notes) fputs(notes, stderr);
    aion_reader_close(r);
    aion_frame_free(&f);
    tally_free(&s->info);
    tally_free(&s->cols);
    free(s);
    return rc;
}

static int info_potential(const char *spec, const int *species, int nspecies)
{
    aion_potential_opts po;
    aion_potential *p = NULL;
    aion_error err;
    aion_potential_opts_init(&po);
    if (nspecies > 0) {
        po.species_z = species;
        po.n_species_z = nspecies;
    }
    if (aion_potential_create(&p, spec, &po, &err)) return cli_fail("%s", err.msg);
    printf("potential %s (%s), cutoff %.6g Å\n", spec, aion_potential_name(p), aion_potential_cutoff(p));
    fputs(aion_potential_describe(p), stdout);
    printf("\n");
    aion_potential_free(p);
    return 0;
}

int cmd_info(int argc, char **argv)
{
    aion_read_opts ro;
    const char *potential = NULL;
    int species[AION_MAX_Z], nspecies = 0, nfiles = 0, rc = 0;
    aion_read_opts_init(&ro);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--format")) {
            if (i + 1 >= argc) return cli_fail("--format needs a value");
            ro.format = aion_format_from_name(argv[++i]);
            if (ro.format == AION_FMT_AUTO) return cli_fail("unknown format '%s'", argv[i]);
        } else if (!strcmp(a, "--species")) {
            if (i + 1 >= argc) return cli_fail("--species needs a list such as Li,P,O");
            nspecies = cli_parse_species(argv[++i], species, AION_MAX_Z);
            if (nspecies < 0) return 1;
        } else if (!strcmp(a, "--potential")) {
            if (i + 1 >= argc) return cli_fail("--potential needs a SPEC (name or file)");
            potential = argv[++i];
        } else if (a[0] == '-' && a[1] == '-') {
            return cli_fail("info: unknown option '%s' (see aion info --help)", a);
        } else {
            nfiles++;
        }
    }
    if (nspecies > 0) {
        ro.type_z = species;
        ro.n_type_z = nspecies;
    }
    if (potential) rc |= info_potential(potential, species, nspecies);
    if (!potential && nfiles == 0) {
        usage(stderr);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--format") || !strcmp(a, "--species") || !strcmp(a, "--potential")) {
            i++;
            continue;
        }
        if (a[0] == '-' && a[1] == '-') continue;
        rc |= info_file(a, &ro);
    }
    return rc;
}
