/*
 * Potential-energy-landscape scans: the BVSE grid field against a direct sum
 * over periodic images (both protocols), oxidation-state assignment on known
 * chemistries and its errors, invariance of the descriptors (cell vs
 * supercell, shifted origin, with and without the symmetry reduction, for
 * BVSE and for a potential), and the potential path against direct
 * evaluations.
 */
#include "test.h"
#include "aion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BVSE_DIR "../shared/data/bvse"
#define LFP "../shared/data/cifs/LiFePO4-Pnma.cif"
#define LPO "../shared/data/cifs/beta-Li3PO4-mp-13725.cif"
#define KAHLE "../shared/data/kahle2020/kahle2020-dev.xyz"

static aion_bvse *load_bvse(void)
{
    aion_bvse *b = NULL;
    aion_error err;
    if (aion_bvse_load(&b, BVSE_DIR, &err) != AION_OK) {
        printf("  bvse load: %s\n", err.msg);
        return NULL;
    }
    return b;
}

static int read_one(const char *path, aion_frame *f)
{
    aion_frame *fr = NULL;
    int nf = 0;
    aion_error err;
    if (aion_read_all(path, NULL, &fr, &nf, &err) != AION_OK || nf < 1) {
        printf("  read %s: %s\n", path, err.msg);
        return -1;
    }
    aion_frame_init(f);
    aion_frame_copy(f, &fr[0]);
    aion_frames_free(fr, nf);
    return 0;
}

/* Cartesian position of grid point k (origin o) */
static void gpos(const aion_pes_result *r, const aion_frame *f, long k, double x[3])
{
    int i = (int)(k / ((long)r->n[1] * r->n[2])), j = (int)((k / r->n[2]) % r->n[1]), l = (int)(k % r->n[2]);
    double fr[3] = {r->origin[0] + (double)i / r->n[0], r->origin[1] + (double)j / r->n[1],
                    r->origin[2] + (double)l / r->n[2]};
    for (int c = 0; c < 3; c++) x[c] = fr[0] * f->cell[0][c] + fr[1] * f->cell[1][c] + fr[2] * f->cell[2][c];
}

static void check_field(aion_pes_protocol proto)
{
    TEST_SKIP_UNLESS_FILE(BVSE_DIR "/softbv-pairs.csv");
    TEST_SKIP_UNLESS_FILE(LPO);
    aion_bvse *b = load_bvse();
    aion_frame f;
    aion_error err;
    CHECK(b != NULL);
    CHECK(read_one(LPO, &f) == 0);
    aion_pes_opts o;
    aion_pes_opts_init(&o);
    o.mobile_z = 3;
    o.bvse = b;
    o.spacing = 0.4;
    o.protocol = proto;
    o.keep_grids = 1;
    o.bvse_tol = 1e-300; /* keep every term up to the cutoff, as the direct sum */
    o.nthreads = 2;
    aion_pes_result r;
    CHECK_OK(aion_pes_scan(&f, &o, &r, &err));
    double *ox = malloc((size_t)f.n * sizeof *ox);
    unsigned char *skip = calloc((size_t)f.n, 1);
    CHECK_OK(aion_bvse_oxidation(b, &f, ox, NULL, 0, &err));
    const aion_pes_ion *ion = &r.ion[r.best_ion];
    for (int i = 0; i < f.n; i++)
        skip[i] = proto == AION_PES_PROBE ? f.z[i] == 3 : i == ion->atom;
    long np = (long)r.n[0] * r.n[1] * r.n[2];
    double emax = 0;
    for (long k = 0; k < np; k++) emax = fmax(emax, r.energy[k]);
    unsigned long long seed = 7;
    int checked = 0;
    double worst = 0;
    for (int t = 0; t < 400 && checked < 40; t++) {
        long k = (long)(test_rand(&seed) * np);
        if (r.energy[k] >= emax - 1e-12) continue; /* excluded */
        double x[3], e;
        gpos(&r, &f, k, x);
        CHECK_OK(aion_bvse_site_energy(b, &f, ox, 3, 1, skip, x, 10.0, &e, &err));
        worst = fmax(worst, fabs(e - (r.energy[k] + ion->e_min)));
        checked++;
    }
    CHECK(checked >= 20);
    CHECK(worst < 1e-8);
    printf("  %s: %d points, worst |grid - direct| %.2e eV\n", proto == AION_PES_PROBE ? "probe" : "single", checked,
           worst);
    free(ox);
    free(skip);
    aion_pes_result_free(&r);
    aion_frame_free(&f);
    aion_bvse_free(b);
}

static void test_field_probe(void) { check_field(AION_PES_PROBE); }
static void test_field_single(void) { check_field(AION_PES_SINGLE); }

static int find_label(aion_frame *fr, int nf, const char *label)
{
    for (int i = 0; i < nf; i++) {
        const char *l = aion_frame_info_get(&fr[i], "label");
        if (l && !strcmp(l, label)) return i;
    }
    return -1;
}

/* charge of the first atom of element z */
static double ox_of(const aion_frame *f, const double *ox, int z)
{
    for (int i = 0; i < f->n; i++)
        if (f->z[i] == z) return ox[i];
    return NAN;
}

static void test_oxidation(void)
{
    TEST_SKIP_UNLESS_FILE(BVSE_DIR "/softbv-pairs.csv");
    TEST_SKIP_UNLESS_FILE(LFP);
    TEST_SKIP_UNLESS_FILE(KAHLE);
    aion_bvse *b = load_bvse();
    aion_frame f, *fr = NULL;
    aion_error err;
    char note[256];
    int nf = 0;
    double ox[512];
    CHECK(b != NULL);
    CHECK(read_one(LFP, &f) == 0);
    CHECK_OK(aion_bvse_oxidation(b, &f, ox, note, sizeof note, &err));
    CHECK(ox_of(&f, ox, 3) == 1 && ox_of(&f, ox, 26) == 2 && ox_of(&f, ox, 15) == 5 && ox_of(&f, ox, 8) == -2);
    printf("  LiFePO4: %s\n", note);

    /* states given in the file win; non-neutral ones are refused */
    aion_column *c = aion_frame_column_add(&f, "oxidation", 'R', 1);
    CHECK(c != NULL);
    for (int i = 0; i < f.n; i++) c->d[i] = f.z[i] == 3 ? 1 : f.z[i] == 26 ? 2 : f.z[i] == 15 ? 5 : -2;
    CHECK_OK(aion_bvse_oxidation(b, &f, ox, note, sizeof note, &err));
    CHECK(strstr(note, "file") != NULL);
    c->d[0] += 1;
    CHECK(aion_bvse_oxidation(b, &f, ox, note, sizeof note, &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "neutral") != NULL);
    aion_frame_free(&f);

    CHECK_OK(aion_read_all(KAHLE, NULL, &fr, &nf, &err));
    static const struct {
        const char *label;
        int z;
        double q;
    } cases[] = {
        {"Li8S8O28", 16, 6},       /* pyrosulfate: S is a cation next to O */
        {"Li4I4O16", 53, 7},       /* periodate */
        {"Li12As4S12", 33, 3},     /* thioarsenite: S the anion */
        {"Li4B4S16Cl16O48", 17, -1}, /* Cl stays an anion next to S(VI) */
        {"Li4B4S16Cl16O48", 16, 6},
        {"Li16Nb2N8O", 41, 5},     /* mixed anions N, O */
        {"Ba4Li6Ta2N8", 73, 5},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int i = find_label(fr, nf, cases[k].label);
        CHECK(i >= 0);
        if (i < 0) continue;
        CHECK(fr[i].n <= 512);
        CHECK_OK(aion_bvse_oxidation(b, &fr[i], ox, note, sizeof note, &err));
        double q = ox_of(&fr[i], ox, cases[k].z), sum = 0;
        for (int a = 0; a < fr[i].n; a++) sum += ox[a];
        CHECK_NEAR(q, cases[k].q, 1e-9);
        CHECK_NEAR(sum, 0, 1e-9);
        if (fabs(q - cases[k].q) > 1e-9) printf("  %s: %s\n", cases[k].label, note);
    }
    /* a cluster compound: no integer solution; one element takes a mean state */
    {
        int i = find_label(fr, nf, "Li2Nb6In2Cl18");
        CHECK(i >= 0);
        CHECK_OK(aion_bvse_oxidation(b, &fr[i], ox, note, sizeof note, &err));
        printf("  Li2Nb6In2Cl18: %s\n", note);
        CHECK(strstr(note, "mixed valence") != NULL);
        double qnb = ox_of(&fr[i], ox, 41), qin = ox_of(&fr[i], ox, 49);
        CHECK(qnb > 2 && qnb < 3 && (qin == 1 || qin == 3));
    }
    /* every development structure gets neutral states */
    int ok = 0;
    for (int i = 0; i < nf; i++) {
        if (fr[i].n > 512) continue;
        if (aion_bvse_oxidation(b, &fr[i], ox, note, sizeof note, &err) == AION_OK) ok++;
        else printf("  %s: %s\n", aion_frame_info_get(&fr[i], "label"), err.msg);
    }
    CHECK(ok == nf);
    /* no anion former: a clear error */
    int i = find_label(fr, nf, "Li2PdO2");
    CHECK(i >= 0);
    for (int a = 0; a < fr[i].n; a++)
        if (fr[i].z[a] == 8) fr[i].z[a] = 46;
    CHECK(aion_bvse_oxidation(b, &fr[i], ox, note, sizeof note, &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "anion") != NULL);
    aion_frames_free(fr, nf);
    aion_bvse_free(b);
}

static aion_status scan(const aion_frame *f, const aion_pes_opts *o, aion_pes_result *r)
{
    aion_error err;
    aion_status st = aion_pes_scan(f, o, r, &err);
    if (st != AION_OK) printf("  scan: %s\n", err.msg);
    return st;
}

static void same_descriptors(const aion_pes_result *a, const aion_pes_result *b, double tol_e, double tol_fv)
{
    for (int d = 0; d < 3; d++) {
        if (isinf(a->mpe[d]) || isinf(b->mpe[d]))
            CHECK(isinf(a->mpe[d]) && isinf(b->mpe[d]));
        else
            CHECK_NEAR(a->mpe[d], b->mpe[d], tol_e);
    }
    for (int t = 0; t < AION_PES_NTHR; t++) {
        CHECK_NEAR(a->fv_disc[t], b->fv_disc[t], tol_fv);
        CHECK_NEAR(a->fv_conn[t], b->fv_conn[t], tol_fv);
    }
    CHECK_NEAR(a->xi, b->xi, tol_fv + 1e-12);
}

/* probe protocol: a cell and its 1x2x1 supercell on the same physical grid */
static void test_supercell(void)
{
    TEST_SKIP_UNLESS_FILE(BVSE_DIR "/softbv-pairs.csv");
    TEST_SKIP_UNLESS_FILE(LPO);
    aion_bvse *b = load_bvse();
    aion_frame f, s;
    aion_error err;
    aion_pes_result r1, r2;
    CHECK(read_one(LPO, &f) == 0);
    aion_frame_init(&s);
    int rep[3] = {1, 2, 1};
    CHECK_OK(aion_frame_supercell(&s, &f, rep, &err));
    aion_pes_opts o;
    aion_pes_opts_init(&o);
    o.mobile_z = 3;
    o.bvse = b;
    o.protocol = AION_PES_PROBE;
    o.nthreads = 2;
    double len[3];
    for (int a = 0; a < 3; a++) len[a] = sqrt(f.cell[a][0] * f.cell[a][0] + f.cell[a][1] * f.cell[a][1] + f.cell[a][2] * f.cell[a][2]);
    for (int a = 0; a < 3; a++) o.grid_n[a] = (int)ceil(len[a] / 0.3);
    CHECK_OK(scan(&f, &o, &r1));
    o.grid_n[1] *= 2;
    CHECK_OK(scan(&s, &o, &r2));
    same_descriptors(&r1, &r2, 1e-7, 1e-12);
    printf("  cell %.4f %.4f %.4f  supercell %.4f %.4f %.4f eV\n", r1.mpe[0], r1.mpe[1], r1.mpe[2], r2.mpe[0], r2.mpe[1],
           r2.mpe[2]);
    aion_pes_result_free(&r1);
    aion_pes_result_free(&r2);
    aion_frame_free(&f);
    aion_frame_free(&s);
    aion_bvse_free(b);
}

/* shifting every atom by whole grid steps changes nothing; by an arbitrary
 * vector, only to grid resolution */
static void test_shift(void)
{
    TEST_SKIP_UNLESS_FILE(BVSE_DIR "/softbv-pairs.csv");
    TEST_SKIP_UNLESS_FILE(LFP);
    aion_bvse *b = load_bvse();
    aion_frame f, g;
    aion_pes_result r0, r1, r2;
    CHECK(read_one(LFP, &f) == 0);
    aion_frame_init(&g);
    aion_pes_opts o;
    aion_pes_opts_init(&o);
    o.mobile_z = 3;
    o.bvse = b;
    o.protocol = AION_PES_PROBE;
    o.spacing = 0.2;
    o.nthreads = 2;
    CHECK_OK(scan(&f, &o, &r0));
    double steps[3] = {7, 3, 11}, arb[3] = {0.1234, 0.3771, 0.0519};
    for (int pass = 0; pass < 2; pass++) {
        aion_frame_copy(&g, &f);
        for (int i = 0; i < g.n; i++)
            for (int c = 0; c < 3; c++)
                for (int a = 0; a < 3; a++)
                    g.pos[i][c] += (pass == 0 ? steps[a] / r0.n[a] : arb[a]) * g.cell[a][c];
        aion_frame_wrap(&g);
        CHECK_OK(scan(&g, &o, pass == 0 ? &r1 : &r2));
    }
    same_descriptors(&r0, &r1, 1e-7, 1e-12);
    /* arbitrary shift: percolation energies to grid resolution */
    for (int d = 0; d < 3; d++) CHECK_NEAR(r0.mpe[d], r2.mpe[d], 0.1);
    printf("  1D/2D/3D MPE: origin %.4f %.4f %.4f, shifted by grid steps %.4f %.4f %.4f, arbitrary %.4f %.4f %.4f eV\n",
           r0.mpe[0], r0.mpe[1], r0.mpe[2], r1.mpe[0], r1.mpe[1], r1.mpe[2], r2.mpe[0], r2.mpe[1], r2.mpe[2]);
    aion_pes_result_free(&r0);
    aion_pes_result_free(&r1);
    aion_pes_result_free(&r2);
    aion_frame_free(&f);
    aion_frame_free(&g);
    aion_bvse_free(b);
}

/* symmetry reduction vs the full scan on the same grid (the structure moved
 * so that the symmetry-adapted grid origin sits at 0) */
static void check_symmetry(const char *path, aion_pes_protocol proto, const char *pot, double spacing)
{
    aion_bvse *b = pot ? NULL : load_bvse();
    aion_frame f, g;
    aion_pes_result rs, rn;
    aion_potential_opts po;
    CHECK(read_one(path, &f) == 0);
    aion_frame_init(&g);
    aion_potential_opts_init(&po);
    po.coulomb = AION_COUL_DSF;
    aion_pes_opts o;
    aion_pes_opts_init(&o);
    o.mobile_z = 3;
    o.bvse = b;
    o.potential = pot;
    o.potential_opts = &po;
    o.protocol = proto;
    o.spacing = spacing;
    o.symmetry = 1;
    o.keep_grids = 1;
    o.nthreads = 2;
    CHECK_OK(scan(&f, &o, &rs));
    CHECK(rs.n_ops > 1);
    aion_frame_copy(&g, &f);
    for (int i = 0; i < g.n; i++)
        for (int c = 0; c < 3; c++)
            for (int a = 0; a < 3; a++) g.pos[i][c] -= rs.origin[a] * g.cell[a][c];
    o.symmetry = 0;
    memcpy(o.grid_n, rs.n, sizeof o.grid_n);
    CHECK_OK(scan(&g, &o, &rn));
    long np = (long)rs.n[0] * rs.n[1] * rs.n[2];
    double worst = 0;
    for (long k = 0; k < np; k++) worst = fmax(worst, fabs(rs.energy[k] - rn.energy[k]));
    CHECK(worst < 2e-3);
    same_descriptors(&rs, &rn, 2e-3, 1e-3);
    CHECK(rs.n_ion == rn.n_ion);
    for (int s = 0; s < rs.n_ion && s < rn.n_ion; s++)
        for (int d = 0; d < 3; d++)
            if (isfinite(rs.ion[s].mpe[d])) CHECK_NEAR(rs.ion[s].mpe[d], rn.ion[s].mpe[d], 2e-3);
    printf("  %s %s %s: %d ops (SG %d), %ld vs %ld evaluations, worst grid difference %.1e eV, MPE %.4f/%.4f\n", path,
           proto == AION_PES_PROBE ? "probe" : "single", pot ? pot : "bvse", rs.n_ops, rs.spacegroup, rs.n_eval,
           rn.n_eval, worst, rs.mpe[0], rn.mpe[0]);
    aion_pes_result_free(&rs);
    aion_pes_result_free(&rn);
    aion_frame_free(&f);
    aion_frame_free(&g);
    aion_bvse_free(b);
}

static void test_symmetry_bvse(void)
{
    TEST_SKIP_UNLESS_FILE(BVSE_DIR "/softbv-pairs.csv");
    TEST_SKIP_UNLESS_FILE(LFP);
    check_symmetry(LFP, AION_PES_PROBE, NULL, 0.25);
    check_symmetry(LFP, AION_PES_SINGLE, NULL, 0.25);
    check_symmetry(LPO, AION_PES_SINGLE, NULL, 0.25);
}

static void test_symmetry_potential(void)
{
    TEST_SKIP_UNLESS_FILE(LFP);
    check_symmetry(LPO, AION_PES_SINGLE, "pedone", 0.6);
    check_symmetry(LFP, AION_PES_PROBE, "pedone", 0.6);
}

/* the potential path gives the potential's total energies */
static void test_potential_direct(void)
{
    TEST_SKIP_UNLESS_FILE(LPO);
    aion_frame f, g;
    aion_pes_result r;
    aion_error err;
    aion_potential *p = NULL;
    aion_potential_opts po;
    CHECK(read_one(LPO, &f) == 0);
    aion_frame_init(&g);
    aion_potential_opts_init(&po);
    po.coulomb = AION_COUL_DSF;
    aion_pes_opts o;
    aion_pes_opts_init(&o);
    o.mobile_z = 3;
    o.potential = "pedone";
    o.potential_opts = &po;
    o.protocol = AION_PES_SINGLE;
    o.spacing = 0.7;
    o.keep_grids = 1;
    o.nthreads = 2;
    CHECK_OK(scan(&f, &o, &r));
    CHECK_OK(aion_potential_create(&p, "pedone", &po, &err));
    const aion_pes_ion *ion = &r.ion[r.best_ion];
    long np = (long)r.n[0] * r.n[1] * r.n[2];
    double emax = 0, worst = 0;
    for (long k = 0; k < np; k++) emax = fmax(emax, r.energy[k]);
    int checked = 0;
    for (long k = 0; k < np && checked < 10; k += 7) {
        if (r.energy[k] >= emax - 1e-12) continue;
        aion_frame_copy(&g, &f);
        gpos(&r, &f, k, g.pos[ion->atom]);
        aion_eval ev;
        memset(&ev, 0, sizeof ev);
        CHECK_OK(aion_potential_compute(p, &g, &ev));
        worst = fmax(worst, fabs(ev.energy - (r.energy[k] + ion->e_min)));
        checked++;
    }
    CHECK(checked > 3);
    CHECK(worst < 1e-8);
    printf("  pedone single: %d points, worst difference %.1e eV, MPE %.3f %.3f %.3f eV\n", checked, worst, r.mpe[0],
           r.mpe[1], r.mpe[2]);
    aion_potential_free(p);
    aion_pes_result_free(&r);
    aion_frame_free(&f);
    aion_frame_free(&g);
}

static void test_errors(void)
{
    aion_frame f;
    aion_pes_result r;
    aion_error err;
    aion_pes_opts o;
    aion_frame_init(&f);
    aion_pes_opts_init(&o);
    CHECK(aion_pes_scan(&f, &o, &r, &err) == AION_ERR_INVALID); /* no cell */
    CHECK_OK(aion_frame_resize(&f, 2, 0));
    f.has |= AION_HAS_CELL;
    f.pbc[0] = f.pbc[1] = f.pbc[2] = 1;
    for (int a = 0; a < 3; a++) f.cell[a][a] = 4.0;
    f.z[0] = 3, f.z[1] = 9;
    f.pos[1][0] = 2.0;
    o.mobile_z = 11; /* Na: none present */
    o.potential = "pedone";
    CHECK(aion_pes_scan(&f, &o, &r, &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "Na") != NULL);
    aion_pes_result_free(&r);
    aion_pes_result_free(NULL);
    aion_bvse *b = NULL;
    CHECK(aion_bvse_load(&b, "/nonexistent-folder", &err) == AION_ERR_IO);
    CHECK(b == NULL);
    aion_bvse_free(NULL);
    aion_frame_free(&f);
}

int main(void)
{
    TEST_RUN(test_field_probe);
    TEST_RUN(test_field_single);
    TEST_RUN(test_oxidation);
    TEST_RUN(test_supercell);
    TEST_RUN(test_shift);
    TEST_RUN(test_symmetry_bvse);
    TEST_RUN(test_symmetry_potential);
    TEST_RUN(test_potential_direct);
    TEST_RUN(test_errors);
    return TEST_END();
}
