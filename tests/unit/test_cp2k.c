/*
 * CP2K labelling: input generation (presets, triclinic cells, GTH valence,
 * k-points, overrides, templates) and the output parser on outputs captured
 * from CP2K 2023.1 (tests/data/cp2k/, trimmed). Expected numbers are re-read
 * from the same files with independent sscanf code (energy line, SUM OF ATOMIC
 * FORCES, 1/3 Trace of the stress, SCF step counts), so the checks test the
 * parser's block handling, units and signs, not a stored copy of its output.
 * Failures (SCF, abort, truncation at every line, malformed numbers, appended
 * runs) must be reported with the right category and file:line.
 */
#include "aion.h"
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA "tests/data/cp2k/"
#define HAVE_DATA_DIR (access("/usr/share/cp2k/BASIS_MOLOPT", R_OK) == 0)

static char tmpdir[256];

static void make_tmpdir(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/aion-test-cp2k-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(1);
    }
}

static char *slurp(const char *path, long *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, fp) != (size_t)n) n = 0;
    buf[n] = '\0';
    fclose(fp);
    if (len) *len = n;
    return buf;
}

static void spit(const char *path, const char *s, long n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) exit(1);
    fwrite(s, 1, (size_t)n, fp);
    fclose(fp);
}

/* Li3N (P6/mmm, a = 3.648, c = 3.875 Å), slightly rattled: a hexagonal (non-orthogonal) cell. */
static void li3n(aion_frame *f)
{
    static const double frac[4][3] = {{0, 0, 0}, {0, 0, 0.5}, {1.0 / 3, 2.0 / 3, 0}, {2.0 / 3, 1.0 / 3, 0}};
    static const int z[4] = {7, 3, 3, 3};
    const double a = 3.648, c = 3.875;
    aion_frame_init(f);
    aion_frame_resize(f, 4, AION_HAS_CELL);
    double cell[3][3] = {{a, 0, 0}, {-a / 2, a * sqrt(3.0) / 2, 0}, {0, 0, c}};
    memcpy(f->cell, cell, sizeof cell);
    f->pbc[0] = f->pbc[1] = f->pbc[2] = 1;
    for (int i = 0; i < 4; i++) {
        f->z[i] = z[i];
        for (int d = 0; d < 3; d++)
            f->pos[i][d] = frac[i][0] * cell[0][d] + frac[i][1] * cell[1][d] + frac[i][2] * cell[2][d] + 0.01 * (i + d);
    }
}

/* ------------------------------------------------------------ input */

static void test_input_xtb(void)
{
    aion_frame f;
    aion_cp2k_opts o;
    aion_error err;
    char *txt = NULL;
    li3n(&f);
    aion_cp2k_opts_init(&o, AION_CP2K_XTB);
    CHECK_OK(aion_cp2k_input(&f, &o, "job1", &txt, &err));
    CHECK(txt && strstr(txt, "METHOD xTB"));
    CHECK(txt && strstr(txt, "PROJECT job1"));
    CHECK(txt && strstr(txt, "DO_EWALD T"));
    CHECK(txt && strstr(txt, "PRECONDITIONER FULL_SINGLE_INVERSE"));
    CHECK(txt && strstr(txt, "STRESS_TENSOR ANALYTICAL"));
    CHECK(txt && strstr(txt, "&FORCES ON"));
    CHECK(txt && !strstr(txt, "KPOINTS"));
    /* the cell vectors read back */
    static const char *lab[3] = {"      A ", "      B ", "      C "};
    for (int d = 0; d < 3; d++) {
        const char *p = txt ? strstr(txt, lab[d]) : NULL;
        double v[3] = {0, 0, 0};
        CHECK(p && sscanf(p + 8, "%lf %lf %lf", &v[0], &v[1], &v[2]) == 3);
        for (int k = 0; k < 3; k++) CHECK_NEAR(v[k], f.cell[d][k], 1e-9);
    }
    /* coordinates in order */
    const char *p = txt ? strstr(txt, "&COORD\n") : NULL;
    CHECK(p != NULL);
    if (p) {
        p = strchr(p, '\n') + 1;
        for (int i = 0; i < f.n; i++) {
            char sym[8];
            double x[3];
            CHECK(sscanf(p, "%7s %lf %lf %lf", sym, &x[0], &x[1], &x[2]) == 4);
            CHECK(aion_element_z(sym) == f.z[i]);
            for (int d = 0; d < 3; d++) CHECK_NEAR(x[d], f.pos[i][d], 1e-9);
            p = strchr(p, '\n') + 1;
        }
        CHECK(strncmp(p, "    &END COORD", 14) == 0);
    }
    /* the key follows the text */
    char k1[17], k2[17];
    aion_label_key(txt, k1);
    f.pos[1][2] += 1e-9;
    free(txt);
    txt = NULL;
    CHECK_OK(aion_cp2k_input(&f, &o, "job1", &txt, &err));
    aion_label_key(txt, k2);
    CHECK(strcmp(k1, k2) != 0);
    CHECK(strlen(k1) == 16);
    free(txt);
    /* not periodic, unknown element: refused */
    f.pbc[2] = 0;
    CHECK(aion_cp2k_input(&f, &o, NULL, &txt, &err) == AION_ERR_UNSUPPORTED);
    CHECK(txt == NULL);
    f.pbc[2] = 1;
    f.z[0] = 0;
    CHECK(aion_cp2k_input(&f, &o, NULL, &txt, &err) == AION_ERR_INVALID);
    f.z[0] = 7;
    CHECK(aion_cp2k_input(&f, &o, "bad name", &txt, &err) == AION_ERR_INVALID);
    aion_frame_free(&f);
}

static void test_valence(void)
{
    static const int z[] = {1, 3, 7, 8, 15, 12};
    static const int q[] = {1, 3, 5, 6, 5, 10};
    aion_error err;
    if (!HAVE_DATA_DIR) {
        printf("valence: /usr/share/cp2k absent, skipped\n");
        return;
    }
    for (int k = 0; k < 6; k++) {
        int v = -1;
        CHECK_OK(aion_cp2k_valence("/usr/share/cp2k", "DZVP-MOLOPT-SR-GTH", z[k], &v, &err));
        CHECK(v == q[k]);
    }
    int v;
    CHECK(aion_cp2k_valence("/usr/share/cp2k", "NO-SUCH-BASIS", 3, &v, &err) == AION_ERR_UNSUPPORTED);
    CHECK(strstr(err.msg, "NO-SUCH-BASIS") != NULL);
    CHECK(aion_cp2k_valence("/nonexistent", "DZVP-MOLOPT-SR-GTH", 3, &v, &err) == AION_ERR_IO);
}

static void test_input_pbe(void)
{
    aion_frame f;
    aion_cp2k_opts o;
    aion_error err;
    char *txt = NULL;
    int mesh[3];
    double w[3];
    if (!HAVE_DATA_DIR) {
        printf("pbe input: /usr/share/cp2k absent, skipped\n");
        return;
    }
    li3n(&f);
    aion_cp2k_opts_init(&o, AION_CP2K_PBE);
    CHECK_OK(aion_cp2k_input(&f, &o, NULL, &txt, &err));
    CHECK(txt && strstr(txt, "&KIND N\n      BASIS_SET DZVP-MOLOPT-SR-GTH\n      POTENTIAL GTH-PBE-q5\n"));
    CHECK(txt && strstr(txt, "&KIND Li\n      BASIS_SET DZVP-MOLOPT-SR-GTH\n      POTENTIAL GTH-PBE-q3\n"));
    CHECK(txt && strstr(txt, "XC_FUNCTIONAL PBE"));
    /* small cell: k-points from kspacing, with diagonalisation instead of OT */
    aion_cell_widths(f.cell, w);
    aion_cp2k_kmesh(&o, f.cell, mesh);
    for (int d = 0; d < 3; d++) CHECK(mesh[d] == (int)ceil(2 * M_PI / (w[d] * o.kspacing)));
    char want[96];
    snprintf(want, sizeof want, "SCHEME MONKHORST-PACK %d %d %d", mesh[0], mesh[1], mesh[2]);
    CHECK(txt && strstr(txt, want));
    CHECK(txt && strstr(txt, "&DIAGONALIZATION") && !strstr(txt, "&OT"));
    free(txt);
    /* overrides */
    CHECK_OK(aion_cp2k_opts_set(&o, "cutoff=650", &err));
    CHECK_OK(aion_cp2k_opts_set(&o, "kpoints=gamma", &err));
    CHECK_OK(aion_cp2k_opts_set(&o, "charge=-1", &err));
    CHECK_OK(aion_cp2k_input(&f, &o, NULL, &txt, &err));
    CHECK(txt && strstr(txt, "CUTOFF 650\n"));
    CHECK(txt && strstr(txt, "CHARGE -1\n"));
    CHECK(txt && strstr(txt, "&OT") && !strstr(txt, "KPOINTS"));
    free(txt);
    CHECK_OK(aion_cp2k_opts_set(&o, "kpoints=3x2x1", &err));
    aion_cp2k_kmesh(&o, f.cell, mesh);
    CHECK(mesh[0] == 3 && mesh[1] == 2 && mesh[2] == 1);
    CHECK(aion_cp2k_opts_set(&o, "cutof=650", &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "cutof") != NULL);
    CHECK(aion_cp2k_opts_set(&o, "cutoff=abc", &err) == AION_ERR_INVALID);
    CHECK(aion_cp2k_opts_set(&o, "cutoff=nan", &err) == AION_ERR_INVALID);
    CHECK(aion_cp2k_opts_set(&o, "kpoints=2x2", &err) == AION_ERR_INVALID);
    CHECK(aion_cp2k_opts_set(&o, "cutoff", &err) == AION_ERR_INVALID);
    CHECK(aion_cp2k_opts_set(&o, "basis=NO-SUCH", &err) == AION_OK);
    CHECK(aion_cp2k_input(&f, &o, NULL, &txt, &err) == AION_ERR_UNSUPPORTED);
    /* a large cell: Γ with OT */
    aion_cp2k_opts_init(&o, AION_CP2K_PBE);
    for (int d = 0; d < 3; d++)
        for (int k = 0; k < 3; k++) f.cell[d][k] *= 4;
    aion_cp2k_kmesh(&o, f.cell, mesh);
    CHECK(mesh[0] == 1 && mesh[1] == 1 && mesh[2] == 1);
    aion_frame_free(&f);
}

static void test_template(void)
{
    aion_frame f;
    aion_cp2k_opts o;
    aion_error err;
    char *txt = NULL;
    li3n(&f);
    aion_cp2k_opts_init(&o, AION_CP2K_XTB);
    o.template_text = "&GLOBAL\n  PROJECT @AION_PROJECT@\n&END GLOBAL\n&FORCE_EVAL\n  &SUBSYS\n@AION_CELL@@AION_COORD@"
                      "  &END SUBSYS\n&END FORCE_EVAL\n";
    CHECK_OK(aion_cp2k_input(&f, &o, "tp", &txt, &err));
    CHECK(txt && strstr(txt, "PROJECT tp\n"));
    CHECK(txt && strstr(txt, "    &CELL\n      A "));
    CHECK(txt && strstr(txt, "      N   "));
    CHECK(txt && !strstr(txt, "@AION"));
    free(txt);
    /* @AION_KPOINTS@: the preset's mesh (pbe: from kspacing), nothing at Gamma */
    o.template_text = "&FORCE_EVAL\n  &DFT\n@AION_KPOINTS@  &END DFT\n  &SUBSYS\n@AION_SUBSYS@  &END SUBSYS\n"
                      "&END FORCE_EVAL\n";
    CHECK_OK(aion_cp2k_input(&f, &o, "tp", &txt, &err)); /* xtb: Gamma */
    CHECK(txt && strstr(txt, "  &DFT\n  &END DFT\n") && !strstr(txt, "KPOINTS") && !strstr(txt, "@AION"));
    free(txt);
    {
        aion_cp2k_opts op;
        int mesh[3];
        char want[128];
        aion_cp2k_opts_init(&op, AION_CP2K_PBE);
        op.template_text = o.template_text;
        aion_cp2k_kmesh(&op, f.cell, mesh);
        CHECK(mesh[0] * mesh[1] * mesh[2] > 1); /* the small Li3N cell gets k-points from kspacing */
        snprintf(want, sizeof want, "  &DFT\n    &KPOINTS\n      SCHEME MONKHORST-PACK %d %d %d\n    &END KPOINTS\n  &END DFT\n",
                 mesh[0], mesh[1], mesh[2]);
        CHECK_OK(aion_cp2k_input(&f, &op, "tp", &txt, &err));
        CHECK(txt && strstr(txt, want) && strstr(txt, "&KIND Li") && !strstr(txt, "@AION"));
        free(txt);
        CHECK_OK(aion_cp2k_opts_set(&op, "kpoints=gamma", &err));
        CHECK_OK(aion_cp2k_input(&f, &op, "tp", &txt, &err));
        CHECK(txt && !strstr(txt, "KPOINTS"));
        free(txt);
    }
    o.template_text = "&GLOBAL\n&END GLOBAL\n";
    CHECK(aion_cp2k_input(&f, &o, "tp", &txt, &err) == AION_ERR_INVALID);
    aion_frame_free(&f);
}

/* ------------------------------------------------------------ output */

/* Independent reading of a few lines of an output. */
typedef struct expect {
    double e_ha, fsum_ha_bohr[3], trace3_gpa;
    int steps;
} expect;

static void read_expect(const char *path, expect *x)
{
    char line[512];
    FILE *fp = fopen(path, "r");
    memset(x, 0, sizeof *x);
    x->steps = -1;
    if (!fp) return;
    while (fgets(line, sizeof line, fp)) {
        char *p;
        int it, st;
        if ((p = strstr(line, "energy [a.u.]:"))) sscanf(p + 14, "%lf", &x->e_ha);
        if ((p = strstr(line, "SUM OF ATOMIC FORCES")))
            sscanf(p + 20, "%lf %lf %lf", &x->fsum_ha_bohr[0], &x->fsum_ha_bohr[1], &x->fsum_ha_bohr[2]);
        if ((p = strstr(line, "STRESS| 1/3 Trace"))) sscanf(p + 17, "%lf", &x->trace3_gpa);
        if ((p = strstr(line, "outer SCF loop converged in")) && sscanf(p + 27, "%d iterations or %d", &it, &st) == 2)
            x->steps = st;
        if ((p = strstr(line, "outer SCF loop FAILED to converge after")) &&
            sscanf(p + 39, "%d iterations or %d", &it, &st) == 2)
            x->steps = st;
    }
    fclose(fp);
}

static void check_converged(const char *path, int n, const int *z)
{
    aion_cp2k_result r;
    aion_error err;
    expect x;
    read_expect(path, &x);
    CHECK_OK(aion_cp2k_parse_output(path, &r, &err));
    CHECK(r.failure == AION_CP2K_OK);
    CHECK(r.scf_converged && r.ended);
    CHECK(r.n == n);
    CHECK(strstr(r.version, "2023.1") != NULL);
    CHECK_REL(r.energy, x.e_ha * 27.211386245988, 1e-15, 0);
    double s[3] = {0, 0, 0};
    for (int i = 0; i < r.n && i < n; i++) {
        CHECK(r.z[i] == z[i]);
        for (int d = 0; d < 3; d++) s[d] += r.forces[i][d];
    }
    /* printed with 8 decimals: rounding of n rows */
    for (int d = 0; d < 3; d++) CHECK_NEAR(s[d], x.fsum_ha_bohr[d] * 27.211386245988 / 0.529177210903, 5.2e-7 * n);
    /* sign: CP2K prints a pressure-like tensor; ours is tensile-positive */
    CHECK(r.has & AION_HAS_STRESS);
    double tr = (r.stress[0][0] + r.stress[1][1] + r.stress[2][2]) / 3;
    CHECK_REL(tr, -x.trace3_gpa / 160.21766208, 1e-9, 0);
    CHECK(r.stress[0][1] == r.stress[1][0] && r.stress[1][2] == r.stress[2][1]);
    CHECK(x.steps > 0 && r.scf_steps == x.steps);
    aion_cp2k_result_free(&r);
}

static void test_parse_converged(void)
{
    static const int z4[4] = {7, 3, 3, 3};
    static const int z16[16] = {3, 3, 3, 3, 3, 3, 15, 15, 8, 8, 8, 8, 8, 8, 8, 8};
    check_converged(DATA "li3n_xtb.out", 4, z4);
    check_converged(DATA "li3po4_16_xtb.out", 16, z16); /* 2 outer loops: 50 + 4 steps */
    /* one force row read digit by digit: atom 2 of Li3N */
    aion_cp2k_result r;
    aion_error err;
    CHECK_OK(aion_cp2k_parse_output(DATA "li3n_xtb.out", &r, &err));
    char *txt = slurp(DATA "li3n_xtb.out", NULL);
    const char *p = txt ? strstr(txt, "ATOMIC FORCES in [a.u.]") : NULL;
    p = p ? strstr(p, "\n      2 ") : NULL;
    double fx, fy, fz;
    int i, k;
    char el[8];
    CHECK(p && sscanf(p, "%d %d %7s %lf %lf %lf", &i, &k, el, &fx, &fy, &fz) == 6);
    if (p && r.n == 4) {
        CHECK_NEAR(r.forces[1][0], fx * (27.211386245988 / 0.529177210903), 1e-12);
        CHECK_NEAR(r.forces[1][2], fz * (27.211386245988 / 0.529177210903), 1e-12);
    }
    free(txt);
    /* apply to the structure */
    aion_frame f;
    li3n(&f);
    CHECK_OK(aion_cp2k_result_apply(&r, &f, &err));
    CHECK((f.has & AION_HAS_ENERGY) && (f.has & AION_HAS_FORCES) && (f.has & AION_HAS_STRESS));
    CHECK(f.energy == r.energy && f.forces[3][1] == r.forces[3][1] && f.stress[2][0] == r.stress[2][0]);
    CHECK(aion_frame_info_get(&f, "scf_steps") && atoi(aion_frame_info_get(&f, "scf_steps")) == r.scf_steps);
    f.z[2] = 8;
    CHECK(aion_cp2k_result_apply(&r, &f, &err) == AION_ERR_INVALID);
    CHECK(strstr(err.msg, "atom 3") != NULL);
    aion_frame_free(&f);
    aion_frame_init(&f);
    aion_frame_resize(&f, 3, 0);
    CHECK(aion_cp2k_result_apply(&r, &f, &err) == AION_ERR_INVALID);
    aion_frame_free(&f);
    aion_cp2k_result_free(&r);
}

static void test_parse_failures(void)
{
    aion_cp2k_result r;
    aion_error err;
    expect x;
    /* SCF not converged: still read, but refused */
    read_expect(DATA "li3n_xtb_scf_not_converged.out", &x);
    CHECK(aion_cp2k_parse_output(DATA "li3n_xtb_scf_not_converged.out", &r, &err) == AION_ERR_NUMERIC);
    CHECK(r.failure == AION_CP2K_FAIL_SCF && !r.scf_converged);
    CHECK(r.scf_steps == x.steps);
    CHECK(strstr(err.msg, "NOT converged") != NULL);
    CHECK(r.has & AION_HAS_FORCES);
    aion_cp2k_result_free(&r);
    /* abort: the message of the box and the warning before it */
    CHECK(aion_cp2k_parse_output(DATA "li3po4_fragment_xtb_abort.out", &r, &err) == AION_ERR_INVALID);
    CHECK(r.failure == AION_CP2K_FAIL_ABORT);
    CHECK(strstr(r.abort_msg, "xTB Charges") != NULL);
    CHECK(strstr(r.warning, "outside chemical range") != NULL);
    CHECK(strstr(err.msg, "xTB Charges") && strstr(err.msg, DATA "li3po4_fragment_xtb_abort.out"));
    aion_cp2k_result_free(&r);
    /* missing file */
    CHECK(aion_cp2k_parse_output(DATA "no-such.out", &r, &err) == AION_ERR_IO);
    aion_cp2k_result_free(&r);
}

/* Every prefix (cut at a line end or mid-line) of a good output is refused. */
static void test_truncated(void)
{
    long n;
    char *txt = slurp(DATA "li3n_xtb.out", &n), path[512];
    const char *end = txt ? strstr(txt, "PROGRAM ENDED AT") : NULL;
    aion_cp2k_result r;
    aion_error err;
    int bad = 0, tried = 0;
    snprintf(path, sizeof path, "%s/trunc.out", tmpdir);
    CHECK(end != NULL);
    if (!end) return;
    for (long cut = 0; cut < end - txt; cut += 37) {
        spit(path, txt, cut);
        aion_status st = aion_cp2k_parse_output(path, &r, &err);
        tried++;
        if (st == AION_OK || r.failure == AION_CP2K_OK || !err.msg[0]) bad++;
        aion_cp2k_result_free(&r);
    }
    CHECK(tried > 100 && bad == 0);
    /* cut inside the forces block: the message names the file and a line */
    const char *fb = strstr(txt, "ATOMIC FORCES");
    spit(path, txt, (fb - txt) + 300);
    CHECK(aion_cp2k_parse_output(path, &r, &err) == AION_ERR_PARSE);
    CHECK(r.failure == AION_CP2K_FAIL_INCOMPLETE);
    CHECK(strncmp(err.msg, path, strlen(path)) == 0 && err.msg[strlen(path)] == ':');
    aion_cp2k_result_free(&r);
    free(txt);
}

static void test_malformed_and_appended(void)
{
    long n, m;
    char *txt = slurp(DATA "li3n_xtb.out", &n), *ab = slurp(DATA "li3po4_fragment_xtb_abort.out", &m), path[512];
    aion_cp2k_result r;
    aion_error err;
    snprintf(path, sizeof path, "%s/bad.out", tmpdir);
    /* a force number garbled: error at that line */
    char *p = strstr(txt, "\n      3      2      Li ");
    CHECK(p != NULL);
    if (!p) return;
    int line = 1;
    for (char *q = txt; q <= p; q++) line += *q == '\n';
    char *num = p + 30;
    char save = *num;
    *num = 'x';
    spit(path, txt, n);
    CHECK(aion_cp2k_parse_output(path, &r, &err) == AION_ERR_PARSE);
    CHECK(r.failure == AION_CP2K_FAIL_MALFORMED);
    char want[600];
    snprintf(want, sizeof want, "%s:%d:", path, line);
    CHECK(strncmp(err.msg, want, strlen(want)) == 0);
    aion_cp2k_result_free(&r);
    *num = save;
    /* CP2K appends: the last run counts */
    char *both = malloc((size_t)(n + m));
    memcpy(both, ab, (size_t)m);
    memcpy(both + m, txt, (size_t)n);
    spit(path, both, n + m);
    CHECK_OK(aion_cp2k_parse_output(path, &r, &err));
    CHECK(r.n == 4 && r.abort_msg[0] == '\0');
    aion_cp2k_result_free(&r);
    memcpy(both, txt, (size_t)n);
    memcpy(both + n, ab, (size_t)m);
    spit(path, both, n + m);
    CHECK(aion_cp2k_parse_output(path, &r, &err) == AION_ERR_INVALID);
    CHECK(!(r.has & AION_HAS_FORCES));
    aion_cp2k_result_free(&r);
    /* not an output at all */
    spit(path, "hello\n", 6);
    CHECK(aion_cp2k_parse_output(path, &r, &err) == AION_ERR_PARSE);
    aion_cp2k_result_free(&r);
    aion_cp2k_result_free(NULL);
    free(both);
    free(txt);
    free(ab);
}

static void test_method_names(void)
{
    CHECK(aion_cp2k_method_from_name("xtb") == AION_CP2K_XTB);
    CHECK(aion_cp2k_method_from_name("pbe") == AION_CP2K_PBE);
    CHECK(aion_cp2k_method_from_name("b3lyp") == -1);
    CHECK(!strcmp(aion_cp2k_method_name(AION_CP2K_PBE), "pbe"));
}

int main(void)
{
    make_tmpdir();
    TEST_RUN(test_method_names);
    TEST_RUN(test_input_xtb);
    TEST_RUN(test_valence);
    TEST_RUN(test_input_pbe);
    TEST_RUN(test_template);
    TEST_RUN(test_parse_converged);
    TEST_RUN(test_parse_failures);
    TEST_RUN(test_truncated);
    TEST_RUN(test_malformed_and_appended);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd)) fprintf(stderr, "cannot remove %s\n", tmpdir);
    return TEST_END();
}
