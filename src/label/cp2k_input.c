/*
 * CP2K input files for labelling structures (energies, forces, stresses).
 *
 * Presets (docs/labelling.md has what was measured on this machine):
 *  - xtb: GFN1-xTB (Grimme, Bannwarth, Shushkov, JCTC 13, 1989 (2017),
 *    doi:10.1021/acs.jctc.7b00118) in CP2K's Quickstep with Ewald summation of
 *    the charge terms; SCF by orbital transformation (VandeVondele & Hutter,
 *    JCP 118, 4365 (2003), doi:10.1063/1.1543154) with DIIS and the
 *    FULL_SINGLE_INVERSE preconditioner, analytical stress.
 *  - pbe: PBE with GTH pseudopotentials (Goedecker, Teter, Hutter 1996;
 *    Krack 2005, doi:10.1007/s00214-005-0655-y) and the DZVP-MOLOPT-SR-GTH
 *    basis (VandeVondele & Hutter, JCP 127, 114105 (2007),
 *    doi:10.1063/1.2770708) in the GPW scheme; OT at Γ, or diagonalisation
 *    with Broyden mixing when a k-point mesh is needed.
 * The valence charge q of each GTH pseudopotential is the one the basis set
 * was made for (its "-qN" alias in BASIS_MOLOPT), checked against
 * GTH_POTENTIALS, so that basis and pseudopotential always agree.
 * Cells are written as A/B/C vectors (any triclinic cell), coordinates in Å.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CP2K_DATA_DIR "/usr/share/cp2k"

const char *aion_cp2k_method_name(aion_cp2k_method m)
{
    switch (m) {
    case AION_CP2K_XTB: return "xtb";
    case AION_CP2K_PBE: return "pbe";
    }
    return "unknown";
}

int aion_cp2k_method_from_name(const char *name)
{
    if (!name) return -1;
    if (!strcmp(name, "xtb") || !strcmp(name, "gfn1-xtb")) return AION_CP2K_XTB;
    if (!strcmp(name, "pbe")) return AION_CP2K_PBE;
    return -1;
}

void aion_cp2k_opts_init(aion_cp2k_opts *o, aion_cp2k_method m)
{
    memset(o, 0, sizeof *o);
    o->method = m;
    o->stress = 1;
    o->max_outer_scf = 10;
    o->eps_default = 1e-12;
    snprintf(o->data_dir, sizeof o->data_dir, "%s", CP2K_DATA_DIR);
    snprintf(o->basis, sizeof o->basis, "DZVP-MOLOPT-SR-GTH");
    if (m == AION_CP2K_XTB) {
        o->eps_scf = 1e-7;
        o->max_scf = 50;
        o->kpoints[0] = o->kpoints[1] = o->kpoints[2] = 1;
    } else {
        o->cutoff_Ry = 800;
        o->rel_cutoff_Ry = 60;
        o->eps_scf = 1e-6;
        o->max_scf = 50;
        o->kspacing = 0.5;
        /* kpoints {0,0,0}: mesh from kspacing per structure */
    }
}

static int parse_mesh(const char *v, int mesh[3])
{
    char buf[64], *p, *end;
    long k[3];
    if (!strcmp(v, "gamma") || !strcmp(v, "Gamma") || !strcmp(v, "G")) {
        mesh[0] = mesh[1] = mesh[2] = 1;
        return 0;
    }
    if (!strcmp(v, "auto")) {
        mesh[0] = mesh[1] = mesh[2] = 0;
        return 0;
    }
    if (strlen(v) >= sizeof buf) return -1;
    strcpy(buf, v);
    p = buf;
    for (int d = 0; d < 3; d++) {
        errno = 0;
        k[d] = strtol(p, &end, 10);
        if (end == p || errno || k[d] < 1 || k[d] > 64) return -1;
        p = end;
        if (d < 2) {
            if (*p != 'x' && *p != 'X' && *p != ',') return -1;
            p++;
        }
    }
    if (*p) return -1;
    for (int d = 0; d < 3; d++) mesh[d] = (int)k[d];
    return 0;
}

aion_status aion_cp2k_opts_set(aion_cp2k_opts *o, const char *kv, aion_error *err)
{
    char key[64];
    const char *eq = kv ? strchr(kv, '=') : NULL;
    const char *v;
    double x;
    int i;
    if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof key)
        return aion_err_set(err, AION_ERR_INVALID, "CP2K option '%s': expected key=value", kv ? kv : "(null)");
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    v = eq + 1;
#define NEED_D(lo, hi)                                                                                       \
    if (aion_parse_double(v, &x) || !(x >= (lo) && x <= (hi)))                                               \
        return aion_err_set(err, AION_ERR_INVALID, "CP2K option %s=%s: expected a number in [%g, %g]", key, v, \
                            (double)(lo), (double)(hi));
#define NEED_I(lo, hi)                                                                                        \
    if (aion_parse_int(v, &i) || i < (lo) || i > (hi))                                                        \
        return aion_err_set(err, AION_ERR_INVALID, "CP2K option %s=%s: expected an integer in [%d, %d]", key, v, \
                            (lo), (hi));
    if (!strcmp(key, "cutoff")) {
        NEED_D(50, 5000);
        o->cutoff_Ry = x;
    } else if (!strcmp(key, "rel_cutoff")) {
        NEED_D(10, 500);
        o->rel_cutoff_Ry = x;
    } else if (!strcmp(key, "eps_scf")) {
        NEED_D(1e-12, 1e-2);
        o->eps_scf = x;
    } else if (!strcmp(key, "eps_default")) {
        NEED_D(1e-16, 1e-6);
        o->eps_default = x;
    } else if (!strcmp(key, "max_scf")) {
        NEED_I(1, 10000);
        o->max_scf = i;
    } else if (!strcmp(key, "outer_scf")) {
        NEED_I(0, 1000);
        o->max_outer_scf = i;
    } else if (!strcmp(key, "kpoints")) {
        if (parse_mesh(v, o->kpoints))
            return aion_err_set(err, AION_ERR_INVALID,
                                "CP2K option kpoints=%s: expected NxNxN (1..64), 'gamma' or 'auto'", v);
    } else if (!strcmp(key, "kspacing")) {
        NEED_D(0.01, 10);
        o->kspacing = x;
    } else if (!strcmp(key, "charge")) {
        NEED_I(-1000, 1000);
        o->charge = i;
    } else if (!strcmp(key, "stress")) {
        NEED_I(0, 1);
        o->stress = i;
    } else if (!strcmp(key, "basis")) {
        if (!*v || strlen(v) >= sizeof o->basis || strpbrk(v, " \t\n"))
            return aion_err_set(err, AION_ERR_INVALID, "CP2K option basis=%s: bad basis name", v);
        snprintf(o->basis, sizeof o->basis, "%s", v);
    } else if (!strcmp(key, "data_dir")) {
        if (!*v || strlen(v) >= sizeof o->data_dir)
            return aion_err_set(err, AION_ERR_INVALID, "CP2K option data_dir: empty or too long");
        snprintf(o->data_dir, sizeof o->data_dir, "%s", v);
    } else {
        return aion_err_set(err, AION_ERR_INVALID,
                            "unknown CP2K option '%s' (known: cutoff, rel_cutoff, eps_scf, eps_default, max_scf, "
                            "outer_scf, kpoints, kspacing, charge, stress, basis, data_dir)",
                            key);
    }
#undef NEED_D
#undef NEED_I
    return AION_OK;
}

void aion_cp2k_kmesh(const aion_cp2k_opts *o, const double cell[3][3], int mesh[3])
{
    double w[3];
    if (o->kpoints[0] > 0 && o->kpoints[1] > 0 && o->kpoints[2] > 0) {
        for (int d = 0; d < 3; d++) mesh[d] = o->kpoints[d];
        return;
    }
    if (o->method == AION_CP2K_XTB || o->kspacing <= 0) {
        mesh[0] = mesh[1] = mesh[2] = 1;
        return;
    }
    aion_cell_widths(cell, w);
    for (int d = 0; d < 3; d++) {
        double k = w[d] > 0 ? ceil(2 * M_PI / (w[d] * o->kspacing) - 1e-9) : 1;
        mesh[d] = k < 1 ? 1 : k > 64 ? 64 : (int)k;
    }
}

/* Is `tok` a whole whitespace-separated word at s? */
static int word_is(const char *s, const char *tok)
{
    size_t n = strlen(tok);
    return !strncmp(s, tok, n) && (s[n] == '\0' || isspace((unsigned char)s[n]));
}

aion_status aion_cp2k_valence(const char *data_dir, const char *basis, int z, int *q, aion_error *err)
{
    char path[1024], line[1024], want[96];
    const char *sym = aion_element_symbol(z);
    FILE *fp = NULL;
    int qb = -1, found_pot = 0;
    if (z < 1 || z > AION_MAX_Z) return aion_err_set(err, AION_ERR_INVALID, "no element with Z = %d", z);
    /* 1. the basis set line "Sym NAME NAME-qN" */
    snprintf(path, sizeof path, "%s/BASIS_MOLOPT", data_dir);
    if (!(fp = fopen(path, "r")))
        return aion_err_set(err, AION_ERR_IO, "%s: cannot open (CP2K data files; set data_dir=): %s", path,
                            strerror(errno));
    while (fgets(line, sizeof line, fp)) {
        char *p = line, *tok;
        while (isspace((unsigned char)*p)) p++;
        if (*p == '#' || !word_is(p, sym)) continue;
        p += strlen(sym);
        /* the remaining words are the basis name and its aliases */
        int named = 0;
        for (tok = strtok(p, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
            size_t nb = strlen(basis);
            if (!strcmp(tok, basis)) named = 1;
            if (!strncmp(tok, basis, nb) && tok[nb] == '-' && tok[nb + 1] == 'q') {
                int v;
                if (!aion_parse_int(tok + nb + 2, &v) && v > 0 && v <= 120) {
                    named = 1;
                    qb = v;
                }
            }
        }
        if (named && qb > 0) break;
        if (named) qb = 0; /* basis present but without a -qN alias */
    }
    fclose(fp);
    if (qb < 0)
        return aion_err_set(err, AION_ERR_UNSUPPORTED, "%s has no basis %s for %s (choose another with basis=)", path,
                            basis, sym);
    if (qb == 0)
        return aion_err_set(err, AION_ERR_UNSUPPORTED, "%s: basis %s for %s does not say its valence (-qN alias)",
                            path, basis, sym);
    /* 2. the matching pseudopotential must exist */
    snprintf(path, sizeof path, "%s/GTH_POTENTIALS", data_dir);
    snprintf(want, sizeof want, "GTH-PBE-q%d", qb);
    if (!(fp = fopen(path, "r")))
        return aion_err_set(err, AION_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    while (!found_pot && fgets(line, sizeof line, fp)) {
        char *p = line, *tok;
        while (isspace((unsigned char)*p)) p++;
        if (*p == '#' || !word_is(p, sym)) continue;
        p += strlen(sym);
        for (tok = strtok(p, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n"))
            if (!strcmp(tok, want)) found_pot = 1;
    }
    fclose(fp);
    if (!found_pot)
        return aion_err_set(err, AION_ERR_UNSUPPORTED, "%s has no %s for %s (needed by basis %s)", path, want, sym,
                            basis);
    *q = qb;
    return AION_OK;
}

/* Distinct elements of the frame in order of first appearance. */
static int frame_species(const aion_frame *f, int *zs, int max)
{
    int n = 0;
    for (int i = 0; i < f->n; i++) {
        int k;
        for (k = 0; k < n; k++)
            if (zs[k] == f->z[i]) break;
        if (k == n) {
            if (n == max) return -1;
            zs[n++] = f->z[i];
        }
    }
    return n;
}

static void put_cell(aion_strbuf *b, const aion_frame *f)
{
    static const char *name[3] = {"A", "B", "C"};
    aion_sb_puts(b, "    &CELL\n");
    for (int d = 0; d < 3; d++)
        aion_sb_printf(b, "      %s %.10f %.10f %.10f\n", name[d], f->cell[d][0], f->cell[d][1], f->cell[d][2]);
    aion_sb_puts(b, "      PERIODIC XYZ\n    &END CELL\n");
}

static void put_coord(aion_strbuf *b, const aion_frame *f)
{
    aion_sb_puts(b, "    &COORD\n");
    for (int i = 0; i < f->n; i++)
        aion_sb_printf(b, "      %-3s %.10f %.10f %.10f\n", aion_element_symbol(f->z[i]), f->pos[i][0], f->pos[i][1],
                       f->pos[i][2]);
    aion_sb_puts(b, "    &END COORD\n");
}

static aion_status put_kinds(aion_strbuf *b, const aion_frame *f, const aion_cp2k_opts *o, aion_error *err)
{
    int zs[AION_MAX_Z + 1], ns = frame_species(f, zs, AION_MAX_Z + 1);
    if (o->method != AION_CP2K_PBE) return AION_OK;
    for (int k = 0; k < ns; k++) {
        int q;
        aion_status st = aion_cp2k_valence(o->data_dir, o->basis, zs[k], &q, err);
        if (st != AION_OK) return st;
        aion_sb_printf(b, "    &KIND %s\n      BASIS_SET %s\n      POTENTIAL GTH-PBE-q%d\n    &END KIND\n",
                       aion_element_symbol(zs[k]), o->basis, q);
    }
    return AION_OK;
}

static void put_scf_ot(aion_strbuf *b, const aion_cp2k_opts *o, const char *guess)
{
    aion_sb_printf(b,
                   "    &SCF\n"
                   "      SCF_GUESS %s\n"
                   "      EPS_SCF %.3e\n"
                   "      MAX_SCF %d\n"
                   "      &OT\n"
                   "        MINIMIZER DIIS\n"
                   "        PRECONDITIONER FULL_SINGLE_INVERSE\n"
                   "      &END OT\n",
                   guess, o->eps_scf, o->max_scf);
    if (o->max_outer_scf > 0)
        aion_sb_printf(b,
                       "      &OUTER_SCF\n"
                       "        MAX_SCF %d\n"
                       "        EPS_SCF %.3e\n"
                       "      &END OUTER_SCF\n",
                       o->max_outer_scf, o->eps_scf);
    aion_sb_puts(b, "    &END SCF\n");
}

/* The &KPOINTS block of a Monkhorst-Pack mesh (nothing at Gamma). */
static void put_kpoints(aion_strbuf *b, const int mesh[3])
{
    if (mesh[0] * mesh[1] * mesh[2] > 1)
        aion_sb_printf(b, "    &KPOINTS\n      SCHEME MONKHORST-PACK %d %d %d\n    &END KPOINTS\n", mesh[0], mesh[1],
                       mesh[2]);
}

static void put_scf_diag(aion_strbuf *b, const aion_cp2k_opts *o, const int mesh[3])
{
    /* k-points need diagonalisation; Li3PO4-like insulators need no smearing */
    put_kpoints(b, mesh);
    aion_sb_printf(b,
                   "    &SCF\n"
                   "      SCF_GUESS ATOMIC\n"
                   "      EPS_SCF %.3e\n"
                   "      MAX_SCF %d\n"
                   "      &DIAGONALIZATION\n"
                   "        ALGORITHM STANDARD\n"
                   "      &END DIAGONALIZATION\n"
                   "      &MIXING\n"
                   "        METHOD BROYDEN_MIXING\n"
                   "        ALPHA 0.3\n"
                   "        NBROYDEN 8\n"
                   "      &END MIXING\n"
                   "    &END SCF\n",
                   o->eps_scf, o->max_scf * (o->max_outer_scf > 0 ? o->max_outer_scf : 1));
}

/* Replace every occurrence of `tok` in the template. */
static void substitute(aion_strbuf *out, const char *tpl, const char *const *tok, const char *const *val, int ntok)
{
    const char *p = tpl;
    while (*p) {
        int k, hit = -1;
        if (*p == '@')
            for (k = 0; k < ntok; k++)
                if (!strncmp(p, tok[k], strlen(tok[k]))) {
                    hit = k;
                    break;
                }
        if (hit >= 0) {
            aion_sb_puts(out, val[hit]);
            p += strlen(tok[hit]);
        } else {
            aion_sb_putc(out, *p++);
        }
    }
}

aion_status aion_cp2k_input(const aion_frame *f, const aion_cp2k_opts *o, const char *project, char **text,
                            aion_error *err)
{
    aion_strbuf b, cell, coord, kinds, subsys, kblock;
    aion_status st = AION_OK;
    int mesh[3];
    *text = NULL;
    if (!project || !*project) project = "aion";
    for (const char *c = project; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-')
            return aion_err_set(err, AION_ERR_INVALID, "CP2K project name '%s': use letters, digits, _ and -",
                                project);
    if (f->n < 1) return aion_err_set(err, AION_ERR_INVALID, "structure has no atoms");
    if (!(f->has & AION_HAS_CELL) || !f->pbc[0] || !f->pbc[1] || !f->pbc[2])
        return aion_err_set(err, AION_ERR_UNSUPPORTED,
                            "structure is not periodic in 3D (labelling supports 3D-periodic cells only)");
    if (!(fabs(aion_det3(f->cell)) > 1e-6)) return aion_err_set(err, AION_ERR_INVALID, "cell is singular");
    for (int i = 0; i < f->n; i++) {
        if (f->z[i] < 1 || f->z[i] > AION_MAX_Z)
            return aion_err_set(err, AION_ERR_INVALID, "atom %d has no known element", i + 1);
        for (int d = 0; d < 3; d++)
            if (!isfinite(f->pos[i][d])) return aion_err_set(err, AION_ERR_INVALID, "atom %d: position not finite", i + 1);
    }
    aion_cp2k_kmesh(o, f->cell, mesh);
    aion_sb_init(&b);
    aion_sb_init(&cell);
    aion_sb_init(&coord);
    aion_sb_init(&kinds);
    aion_sb_init(&subsys);
    aion_sb_init(&kblock);
    put_cell(&cell, f);
    put_coord(&coord, f);
    if ((st = put_kinds(&kinds, f, o, err)) != AION_OK) goto fail;
    aion_sb_printf(&subsys, "%s%s%s", cell.s ? cell.s : "", coord.s ? coord.s : "", kinds.s ? kinds.s : "");

    if (o->template_text) {
        static const char *const tok[6] = {"@AION_PROJECT@", "@AION_CELL@", "@AION_COORD@", "@AION_KINDS@",
                                           "@AION_SUBSYS@", "@AION_KPOINTS@"};
        /* the preset's mesh (kpoints=, or kspacing for pbe); nothing at Gamma */
        put_kpoints(&kblock, mesh);
        const char *val[6] = {project, cell.s ? cell.s : "", coord.s ? coord.s : "", kinds.s ? kinds.s : "",
                              subsys.s ? subsys.s : "", kblock.s ? kblock.s : ""};
        if (!strstr(o->template_text, "@AION_COORD@") && !strstr(o->template_text, "@AION_SUBSYS@")) {
            st = aion_err_set(err, AION_ERR_INVALID, "CP2K template has neither @AION_COORD@ nor @AION_SUBSYS@");
            goto fail;
        }
        substitute(&b, o->template_text, tok, val, 6);
    } else {
        aion_sb_printf(&b,
                       "# written by aion %s: preset %s\n"
                       "&GLOBAL\n"
                       "  PROJECT %s\n"
                       "  RUN_TYPE ENERGY_FORCE\n"
                       "  PRINT_LEVEL MEDIUM\n"
                       "&END GLOBAL\n"
                       "&FORCE_EVAL\n"
                       "  METHOD QUICKSTEP\n",
                       AION_VERSION, aion_cp2k_method_name(o->method), project);
        if (o->stress) aion_sb_puts(&b, "  STRESS_TENSOR ANALYTICAL\n");
        aion_sb_puts(&b, "  &DFT\n");
        if (o->charge) aion_sb_printf(&b, "    CHARGE %d\n", o->charge);
        if (o->method == AION_CP2K_XTB) {
            aion_sb_printf(&b,
                           "    &QS\n"
                           "      METHOD xTB\n"
                           "      EPS_DEFAULT %.3e\n"
                           "      &xTB\n"
                           "        DO_EWALD T\n"
                           "        CHECK_ATOMIC_CHARGES T\n"
                           "      &END xTB\n"
                           "    &END QS\n",
                           o->eps_default);
            put_scf_ot(&b, o, "MOPAC");
        } else {
            aion_sb_printf(&b,
                           "    BASIS_SET_FILE_NAME %s/BASIS_MOLOPT\n"
                           "    POTENTIAL_FILE_NAME %s/GTH_POTENTIALS\n"
                           "    &MGRID\n"
                           "      CUTOFF %g\n"
                           "      REL_CUTOFF %g\n"
                           "    &END MGRID\n"
                           "    &QS\n"
                           "      EPS_DEFAULT %.3e\n"
                           "    &END QS\n"
                           "    &XC\n"
                           "      &XC_FUNCTIONAL PBE\n"
                           "      &END XC_FUNCTIONAL\n"
                           "    &END XC\n",
                           o->data_dir, o->data_dir, o->cutoff_Ry, o->rel_cutoff_Ry, o->eps_default);
            if (mesh[0] * mesh[1] * mesh[2] == 1) put_scf_ot(&b, o, "ATOMIC");
            else put_scf_diag(&b, o, mesh);
        }
        aion_sb_printf(&b,
                       "  &END DFT\n"
                       "  &SUBSYS\n"
                       "%s"
                       "  &END SUBSYS\n"
                       "  &PRINT\n"
                       "    &FORCES ON\n"
                       "    &END FORCES\n",
                       subsys.s ? subsys.s : "");
        if (o->stress) aion_sb_puts(&b, "    &STRESS_TENSOR ON\n    &END STRESS_TENSOR\n");
        aion_sb_puts(&b, "  &END PRINT\n&END FORCE_EVAL\n");
    }
    if (b.oom || cell.oom || coord.oom || kinds.oom || subsys.oom) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory writing a CP2K input");
        goto fail;
    }
    *text = b.s;
    b.s = NULL;
fail:
    aion_sb_free(&b);
    aion_sb_free(&cell);
    aion_sb_free(&coord);
    aion_sb_free(&kinds);
    aion_sb_free(&subsys);
    aion_sb_free(&kblock);
    return st;
}

void aion_label_key(const char *text, char out[17])
{
    uint64_t h = 14695981039346656037ULL;
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}
