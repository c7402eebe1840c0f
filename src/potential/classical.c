/*
 * Classical pair potentials: a sum of short-range pair terms per species pair
 * plus Coulomb between point charges, evaluated in ONE fused loop over a half
 * neighbour list (with periodic images) per call.
 *
 *   E = Σ_{pairs i<j, images} [ Σ_terms (φ_t(r_ij) − φ_t(rc_t)·shift_t) θ(rc_t − r_ij)
 *                              + φ_C(r_ij) ] + Σ_i E_self,i + E_kspace
 *
 * Short-range terms φ_t (each with its own cutoff rc_t and optional shift of
 * the energy to zero at rc_t, as LAMMPS `pair_modify shift yes`):
 *   Lennard-Jones   4ε[(σ/r)¹² − (σ/r)⁶]
 *   Buckingham      A exp(−r/ρ) − C/r⁶
 *   Morse           D[(1 − exp(−a(r − r0)))² − 1] = D[e^{−2a(r−r0)} − 2e^{−a(r−r0)}]
 *   inverse power   A/rⁿ   (Pedone's C/r¹² is n = 12)
 * Coulomb φ_C with k_e = e²/(4πε0) = AION_COULOMB_EV_A:
 *   cut    k_e q_i q_j / r for r < R_c (no shift; as LAMMPS coul/cut)
 *   DSF    damped shifted force, C. J. Fennell and J. D. Gezelter,
 *          J. Chem. Phys. 124, 234104 (2006), doi:10.1063/1.2206581, in the
 *          form of LAMMPS coul/dsf:
 *            φ = k_e q_i q_j [erfc(αr)/r − erfc(αR_c)/R_c + (r − R_c) S],
 *            S = erfc(αR_c)/R_c² + (2α/√π) exp(−α²R_c²)/R_c,
 *          and a self term per atom E_self,i = −k_e q_i² (e_s/2 + α/√π) with
 *          e_s = erfc(αR_c)/R_c + S R_c (the i = j limit of φ − k_e q²/r).
 *   Ewald  real-space k_e q_i q_j erfc(αr)/r in this loop (aion_ewald_real_pair),
 *          reciprocal + self + background by aion_ewald_kspace (ewald.h).
 *
 * Virial W = −∂E/∂ε = Σ_pairs f_r d ⊗ d with d = r_j − r_i and
 * f_r = −(dφ/dr)/r (positive = repulsive = compressed); stress = −W/V.
 * Per-atom energies: half of each pair term to each atom, self terms to the atom.
 *
 * Threads: OpenMP over atoms i with a fixed interleaved static schedule; every
 * thread accumulates forces, per-atom energies, energy and virial privately and
 * the buffers are summed in thread order, so a given thread count always gives
 * the same bits.
 */
#include "classical.h"
#include "ewald.h"
#include "neighbor/nlist.h"
#include "potential.h"
#include "probe.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CL_MAX_TYPES 64
#define CL_SQRT_PI 1.77245385090551602730

/* ------------------------------------------------------------------ */
/* Definitions                                                        */
/* ------------------------------------------------------------------ */

static const char *const kind_names[CL_NKIND] = {"lj", "buckingham", "morse", "invpow"};
static const int kind_nparams[CL_NKIND] = {2, 3, 3, 2};

const char *cl_kind_name(int kind) { return (kind >= 0 && kind < CL_NKIND) ? kind_names[kind] : "?"; }

void cl_def_init(cl_def *d)
{
    memset(d, 0, sizeof *d);
    d->shift = 0;
    aion_sb_init(&d->notes);
}

void cl_def_free(cl_def *d)
{
    if (!d) return;
    free(d->terms);
    aion_sb_free(&d->notes);
    memset(d, 0, sizeof *d);
}

aion_status cl_def_add(cl_def *d, int kind, int z1, int z2, const double *p, double rc, int shift, int line)
{
    cl_term *t;
    if (d->nterms == d->cap) {
        int cap = d->cap ? 2 * d->cap : 16;
        cl_term *nt = aion_realloc_array(d->terms, (size_t)cap, sizeof *nt);
        if (!nt) return AION_ERR_NOMEM;
        d->terms = nt;
        d->cap = cap;
    }
    t = &d->terms[d->nterms++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->z1 = z1;
    t->z2 = z2;
    for (int k = 0; k < kind_nparams[kind]; k++) t->p[k] = p[k];
    t->rc = rc;
    t->shift = shift;
    t->line = line;
    return AION_OK;
}

/* ------------------------------------------------------------------ */
/* Parameter files                                                    */
/* ------------------------------------------------------------------ */

#define PF_MAXTOK 32

static int split_ws(char *s, char **tok, int max)
{
    int n = 0;
    while (*s) {
        while (*s && isspace((unsigned char)*s)) s++;
        if (!*s || *s == '#') break;
        if (n == max) return -1;
        tok[n++] = s;
        while (*s && !isspace((unsigned char)*s)) s++;
        if (*s) *s++ = '\0';
    }
    return n;
}

static aion_status pf_number(const char *path, int line, const char *tok, const char *what, double *out,
                             aion_error *err)
{
    if (aion_parse_double(tok, out) != 0)
        return aion_err_set(err, AION_ERR_PARSE, "%s:%d: %s: '%s' is not a number", path, line, what, tok);
    return AION_OK;
}

static aion_status pf_element(const char *path, int line, const char *tok, int *z, aion_error *err)
{
    *z = aion_element_z(tok);
    if (!*z) return aion_err_set(err, AION_ERR_PARSE, "%s:%d: unknown element '%s'", path, line, tok);
    return AION_OK;
}

static aion_status pf_coulomb(const char *path, int line, char **tok, int nt, cl_def *d, aion_error *err)
{
    aion_status st;
    if (nt < 2) return aion_err_set(err, AION_ERR_PARSE, "%s:%d: coulomb needs a method (none, cut, dsf, ewald)", path, line);
    if (!strcasecmp(tok[1], "none")) d->coulomb = AION_COUL_NONE;
    else if (!strcasecmp(tok[1], "cut")) d->coulomb = AION_COUL_CUT;
    else if (!strcasecmp(tok[1], "dsf")) d->coulomb = AION_COUL_DSF;
    else if (!strcasecmp(tok[1], "ewald")) d->coulomb = AION_COUL_EWALD;
    else return aion_err_set(err, AION_ERR_PARSE, "%s:%d: unknown Coulomb method '%s' (none, cut, dsf, ewald)", path, line, tok[1]);
    for (int k = 2; k < nt; k += 2) {
        double v;
        if (k + 1 >= nt) return aion_err_set(err, AION_ERR_PARSE, "%s:%d: '%s' needs a value", path, line, tok[k]);
        if ((st = pf_number(path, line, tok[k + 1], tok[k], &v, err)) != AION_OK) return st;
        if (v <= 0) return aion_err_set(err, AION_ERR_PARSE, "%s:%d: %s must be positive", path, line, tok[k]);
        if (!strcasecmp(tok[k], "cutoff")) d->coul_cutoff = v;
        else if (!strcasecmp(tok[k], "alpha") && d->coulomb == AION_COUL_DSF) d->dsf_alpha = v;
        else if (!strcasecmp(tok[k], "accuracy") && d->coulomb == AION_COUL_EWALD) {
            if (v >= 1) return aion_err_set(err, AION_ERR_PARSE, "%s:%d: accuracy must be below 1", path, line);
            d->ewald_accuracy = v;
        } else
            return aion_err_set(err, AION_ERR_PARSE, "%s:%d: unknown option '%s' for coulomb %s", path, line, tok[k], tok[1]);
    }
    return AION_OK;
}

static aion_status pf_term(const char *path, int line, int kind, char **tok, int nt, cl_def *d, aion_error *err)
{
    int z1, z2, np = kind_nparams[kind], shift = -1;
    double p[4] = {0}, rc = 0;
    aion_status st;
    static const char *const pnames[CL_NKIND][3] = {
        {"epsilon", "sigma", ""}, {"A", "rho", "C"}, {"D", "a", "r0"}, {"A", "n", ""}};
    if (nt < 3 + np)
        return aion_err_set(err, AION_ERR_PARSE, "%s:%d: %s needs two elements and %d parameters", path, line,
                            kind_names[kind], np);
    if ((st = pf_element(path, line, tok[1], &z1, err)) != AION_OK) return st;
    if ((st = pf_element(path, line, tok[2], &z2, err)) != AION_OK) return st;
    for (int k = 0; k < np; k++)
        if ((st = pf_number(path, line, tok[3 + k], pnames[kind][k], &p[k], err)) != AION_OK) return st;
    for (int k = 3 + np; k < nt; k++) {
        if (!strcasecmp(tok[k], "shift")) shift = 1;
        else if (!strcasecmp(tok[k], "noshift")) shift = 0;
        else if (!strcasecmp(tok[k], "cutoff")) {
            if (k + 1 >= nt) return aion_err_set(err, AION_ERR_PARSE, "%s:%d: cutoff needs a value", path, line);
            if ((st = pf_number(path, line, tok[++k], "cutoff", &rc, err)) != AION_OK) return st;
            if (rc <= 0) return aion_err_set(err, AION_ERR_PARSE, "%s:%d: cutoff must be positive", path, line);
        } else
            return aion_err_set(err, AION_ERR_PARSE, "%s:%d: unexpected '%s' (options: cutoff X, shift, noshift)",
                                path, line, tok[k]);
    }
    switch (kind) {
    case CL_LJ:
        if (p[1] <= 0) return aion_err_set(err, AION_ERR_PARSE, "%s:%d: sigma must be positive", path, line);
        break;
    case CL_BUCK:
        if (p[1] <= 0) return aion_err_set(err, AION_ERR_PARSE, "%s:%d: rho must be positive", path, line);
        break;
    case CL_MORSE:
        if (p[1] <= 0) return aion_err_set(err, AION_ERR_PARSE, "%s:%d: a must be positive", path, line);
        break;
    case CL_INVPOW:
        if (p[1] <= 0) return aion_err_set(err, AION_ERR_PARSE, "%s:%d: n must be positive", path, line);
        break;
    }
    if (cl_def_add(d, kind, z1, z2, p, rc, shift, line) != AION_OK)
        return aion_err_set(err, AION_ERR_NOMEM, "%s:%d: out of memory", path, line);
    return AION_OK;
}

static aion_status parse_file(const char *path, cl_def *d, aion_error *err)
{
    FILE *fp = fopen(path, "r");
    char buf[4096];
    int line = 0;
    aion_status st = AION_OK;
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    {
        const char *b = strrchr(path, '/');
        snprintf(d->name, sizeof d->name, "%s", b ? b + 1 : path);
        snprintf(d->origin, sizeof d->origin, "%s", path);
    }
    while (fgets(buf, sizeof buf, fp)) {
        char *tok[PF_MAXTOK];
        int nt, kind = -1;
        size_t len = strlen(buf);
        line++;
        if (len == sizeof buf - 1 && buf[len - 1] != '\n' && !feof(fp)) {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%d: line too long", path, line);
            goto done;
        }
        nt = split_ws(buf, tok, PF_MAXTOK);
        if (nt < 0) {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%d: too many fields", path, line);
            goto done;
        }
        if (nt == 0) continue;
        for (int k = 0; k < CL_NKIND; k++)
            if (!strcasecmp(tok[0], kind_names[k])) kind = k;
        if (!strcasecmp(tok[0], "buck")) kind = CL_BUCK;
        if (kind >= 0) {
            st = pf_term(path, line, kind, tok, nt, d, err);
        } else if (!strcasecmp(tok[0], "coulomb")) {
            st = pf_coulomb(path, line, tok, nt, d, err);
        } else if (!strcasecmp(tok[0], "charge")) {
            int z;
            double q;
            if (nt == 2 && !strcasecmp(tok[1], "frame")) {
                d->charge_from_frame = 1;
            } else if (nt != 3) {
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%d: expected 'charge ELEMENT Q' or 'charge frame'", path, line);
            } else if ((st = pf_element(path, line, tok[1], &z, err)) == AION_OK &&
                       (st = pf_number(path, line, tok[2], "charge", &q, err)) == AION_OK) {
                d->charge[z] = q;
                d->has_charge[z] = 1;
            }
        } else if (!strcasecmp(tok[0], "cutoff")) {
            if (nt != 2) st = aion_err_set(err, AION_ERR_PARSE, "%s:%d: expected 'cutoff X'", path, line);
            else if ((st = pf_number(path, line, tok[1], "cutoff", &d->sr_cutoff, err)) == AION_OK && d->sr_cutoff <= 0)
                st = aion_err_set(err, AION_ERR_PARSE, "%s:%d: cutoff must be positive", path, line);
        } else if (!strcasecmp(tok[0], "shift")) {
            if (nt == 2 && !strcasecmp(tok[1], "yes")) d->shift = 1;
            else if (nt == 2 && !strcasecmp(tok[1], "no")) d->shift = 0;
            else st = aion_err_set(err, AION_ERR_PARSE, "%s:%d: expected 'shift yes' or 'shift no'", path, line);
        } else if (!strcasecmp(tok[0], "name")) {
            if (nt != 2) st = aion_err_set(err, AION_ERR_PARSE, "%s:%d: expected 'name NAME'", path, line);
            else snprintf(d->name, sizeof d->name, "%s", tok[1]);
        } else if (!strcasecmp(tok[0], "reference")) {
            for (int k = 1; k < nt; k++) aion_sb_printf(&d->notes, "%s%s", k > 1 ? " " : "", tok[k]);
            aion_sb_putc(&d->notes, '\n');
        } else {
            st = aion_err_set(err, AION_ERR_PARSE, "%s:%d: unknown keyword '%s'", path, line, tok[0]);
        }
        if (st != AION_OK) goto done;
    }
    if (ferror(fp)) st = aion_err_set(err, AION_ERR_IO, "%s: read error", path);
    else if (d->nterms == 0) {
        int any = 0;
        for (int z = 1; z <= AION_MAX_Z; z++) any |= d->has_charge[z];
        if (!any) st = aion_err_set(err, AION_ERR_PARSE, "%s: no terms and no charges: not a parameter file?", path);
    }
done:
    fclose(fp);
    return st;
}

/* ------------------------------------------------------------------ */
/* Compiled model                                                     */
/* ------------------------------------------------------------------ */

/* One short-range term for one type pair, in evaluation form. */
typedef struct kterm {
    int kind;
    int ipow;        /* INVPOW: integer exponent (0 = use pow) */
    double rc2;      /* cutoff² */
    double c0, c1, c2;
    double eshift;   /* subtracted from the energy inside rc (0 if no shift) */
} kterm;

typedef struct cl_model {
    cl_def def;
    int nt;                          /* number of species (types) */
    int z_of[CL_MAX_TYPES];
    short type_of_z[AION_MAX_Z + 1]; /* -1 if absent */
    double qtype[CL_MAX_TYPES];
    double *rc2;                     /* nt*nt: largest interaction range² of the pair */
    int *t0, *tn;                    /* nt*nt: range of the pair's terms in kt */
    kterm *kt;
    int nkt;
    double sr_max;                   /* largest short-range cutoff */
    /* Coulomb */
    aion_coulomb coul;
    double rcc;                      /* Coulomb cutoff (Å) */
    double alpha;                    /* DSF α, or Ewald α (set per call) */
    double dsf_eshift, dsf_fshift, dsf_self;
    double ewald_acc;
    aion_ewald *ew;
    /* neighbours */
    double cutoff, skin;
    aion_nlist *nl;
    int nthreads;
    /* fused short-range form per type pair (vector kernel), planes of nt*nt:
     *   E = D e(e−2), e = exp(−a(r−r0))  +  A exp(−b r)  +  c12/r¹² + c6/r⁶  − eshift   (r² < rc2)
     * usable when every pair has at most one Morse and one Buckingham term, LJ
     * and integer powers 6 and 12 only, and one cutoff for all its terms */
    int fused;
    int any_morse, any_buck, any_pow;
    double *fz;                      /* FZ_N planes */
    /* work space */
    int ncap, nthcap;
    int scap;                        /* per-thread pair scratch length */
    double *scr;                     /* nthcap * SCR_D * scap doubles */
    int *iscr;                       /* nthcap * 2 * scap ints */
    int gcap;                        /* local + ghost atoms the next two hold */
    int *gtype;                      /* type of every local and ghost atom */
    double *gq;                      /* charge of every local and ghost atom */
    int *type;
    double *q;
    double *fth;                     /* nthcap * ncap * 3 */
    double *eth;                     /* nthcap * ncap */
    double *acc;                     /* nthcap * 8: energy, virial xx yy zz yz xz xy */
} cl_model;

static inline double ipow_inv(double rinv, int n)
{
    double r = 1.0, b = rinv;
    while (n) {
        if (n & 1) r *= b;
        b *= b;
        n >>= 1;
    }
    return r;
}

/* Energy e and f_r = −(dφ/dr)/r of one term at distance r (unshifted). */
static inline void term_eval(const kterm *t, double r, double r2inv, double *e, double *fr)
{
    switch (t->kind) {
    case CL_LJ: {
        double r6 = r2inv * r2inv * r2inv;
        double a = t->c0 * r6 * r6, b = t->c1 * r6;
        *e = a - b;
        *fr = (12.0 * a - 6.0 * b) * r2inv;
        break;
    }
    case CL_BUCK: {
        double ex = t->c0 * exp(-r * t->c1);
        double r6 = t->c2 * r2inv * r2inv * r2inv;
        *e = ex - r6;
        *fr = ex * t->c1 / r - 6.0 * r6 * r2inv;
        break;
    }
    case CL_MORSE: {
        double ex = exp(-t->c1 * (r - t->c2));
        *e = t->c0 * ex * (ex - 2.0);
        *fr = 2.0 * t->c1 * t->c0 * ex * (ex - 1.0) / r;
        break;
    }
    default: { /* CL_INVPOW */
        double v = t->ipow ? t->c0 * ipow_inv(1.0 / r, t->ipow) : t->c0 * pow(r, -t->c1);
        *e = v;
        *fr = t->c1 * v * r2inv;
        break;
    }
    }
}

static void model_free(void *self)
{
    cl_model *m = self;
    if (!m) return;
    cl_def_free(&m->def);
    free(m->rc2);
    free(m->t0);
    free(m->tn);
    free(m->kt);
    aion_ewald_free(m->ew);
    aion_nlist_free(m->nl);
    free(m->type);
    free(m->q);
    free(m->fth);
    free(m->eth);
    free(m->acc);
    free(m->fz);
    free(m->scr);
    free(m->iscr);
    free(m->gtype);
    free(m->gq);
    free(m);
}

static double model_cutoff(const void *self) { return ((const cl_model *)self)->cutoff; }

static void model_describe(const void *self, aion_strbuf *sb)
{
    const cl_model *m = self;
    aion_sb_printf(sb, "classical pair potential '%s' (units: eV, Angstrom, e)\n", m->def.name);
    aion_sb_printf(sb, "species:");
    for (int t = 0; t < m->nt; t++) {
        aion_sb_printf(sb, " %s", aion_element_symbol(m->z_of[t]));
        if (m->coul != AION_COUL_NONE && !m->def.charge_from_frame) aion_sb_printf(sb, "(%+g e)", m->qtype[t]);
    }
    aion_sb_putc(sb, '\n');
    if (m->def.charge_from_frame) aion_sb_puts(sb, "charges: per atom, from the frame\n");
    switch (m->coul) {
    case AION_COUL_NONE: aion_sb_puts(sb, "coulomb: none\n"); break;
    case AION_COUL_CUT: aion_sb_printf(sb, "coulomb: cut, k_e q_i q_j / r for r < %g A (no shift)\n", m->rcc); break;
    case AION_COUL_DSF:
        aion_sb_printf(sb, "coulomb: dsf, alpha = %g 1/A, cutoff %g A (damped shifted force with self term; "
                           "Fennell & Gezelter, J. Chem. Phys. 124, 234104 (2006), doi:10.1063/1.2206581)\n",
                       m->alpha, m->rcc);
        break;
    default:
        aion_sb_printf(sb, "coulomb: ewald, relative accuracy %g, real-space cutoff %g A (alpha chosen per cell; "
                           "Ewald, Ann. Phys. 369, 253 (1921), doi:10.1002/andp.19213690304)\n",
                       m->ewald_acc, m->rcc);
        break;
    }
    aion_sb_printf(sb, "short-range terms (%d):\n", m->def.nterms);
    for (int k = 0; k < m->def.nterms; k++) {
        const cl_term *t = &m->def.terms[k];
        double rc = (t->rc > 0) ? t->rc : m->def.sr_cutoff;
        int shift = t->shift >= 0 ? t->shift : m->def.shift;
        aion_sb_printf(sb, "  %-10s %-2s %-2s ", kind_names[t->kind], aion_element_symbol(t->z1), aion_element_symbol(t->z2));
        switch (t->kind) {
        case CL_LJ: aion_sb_printf(sb, "epsilon = %g eV, sigma = %g A", t->p[0], t->p[1]); break;
        case CL_BUCK: aion_sb_printf(sb, "A = %g eV, rho = %g A, C = %g eV A^6", t->p[0], t->p[1], t->p[2]); break;
        case CL_MORSE: aion_sb_printf(sb, "D = %g eV, a = %g 1/A, r0 = %g A", t->p[0], t->p[1], t->p[2]); break;
        default: aion_sb_printf(sb, "A = %g eV A^%g, n = %g", t->p[0], t->p[1], t->p[1]); break;
        }
        aion_sb_printf(sb, ", cutoff %g A%s\n", rc, shift ? ", shifted" : "");
    }
    aion_sb_puts(sb, "forms: lj 4e[(s/r)^12-(s/r)^6]; buckingham A exp(-r/rho)-C/r^6; "
                     "morse D[(1-exp(-a(r-r0)))^2-1]; invpow A/r^n\n");
    if (m->def.notes.s && m->def.notes.len) {
        aion_sb_puts(sb, "references:\n");
        aion_sb_puts(sb, m->def.notes.s);
    }
}

/* ------------------------------------------------------------------ */
/* Vector kernel                                                      */
/* ------------------------------------------------------------------ */
/* Per atom i the pairs within range are gathered into contiguous arrays
 * (pairs inside their short-range cutoff from the front, Coulomb-only pairs
 * from the back), then Coulomb, each short-range kind, and the force/virial
 * reductions run as separate branch-free loops that the compiler vectorises
 * (#pragma omp simd); the scatter of forces to the partners j stays scalar.
 * Every atom's pairs are summed in the same order whatever the thread count. */

enum { FZ_RC2, FZ_D, FZ_A, FZ_R0, FZ_BA, FZ_BB, FZ_C12, FZ_C6, FZ_ESH, FZ_N };
enum { SCR_DX, SCR_DY, SCR_DZ, SCR_R2, SCR_QQ, SCR_E, SCR_FR, SCR_D };

/* exp(x), branch-free (vectorises), for x clamped to [−708, 708]: Cody–Waite
 * reduction x = k ln2 + r, |r| <= ln2/2, Taylor polynomial of degree 13
 * (truncation < 5e-18 relative), 2^k from the exponent bits; error ~1 ulp. */
static inline double cl_exp(double x)
{
    const double shifter = 0x1.8p52;
    x = x < -708.0 ? -708.0 : x > 708.0 ? 708.0 : x;
    double t = fma(x, 0x1.71547652b82fep0, shifter);
    double k = t - shifter;
    double r = fma(k, -0x1.62e42fefa39efp-1, x);
    r = fma(k, -0x1.abc9e3b39803fp-56, r);
    double p = 1.0 / 6227020800.0;
    p = fma(p, r, 1.0 / 479001600.0);
    p = fma(p, r, 1.0 / 39916800.0);
    p = fma(p, r, 1.0 / 3628800.0);
    p = fma(p, r, 1.0 / 362880.0);
    p = fma(p, r, 1.0 / 40320.0);
    p = fma(p, r, 1.0 / 5040.0);
    p = fma(p, r, 1.0 / 720.0);
    p = fma(p, r, 1.0 / 120.0);
    p = fma(p, r, 1.0 / 24.0);
    p = fma(p, r, 1.0 / 6.0);
    p = fma(p, r, 0.5);
    p = fma(p, r, 1.0);
    p = fma(p, r, 1.0);
    int64_t tb, sb;
    double sc;
    memcpy(&tb, &t, sizeof tb);
    sb = (tb - (int64_t)0x4338000000000000LL + 1023) << 52;
    memcpy(&sc, &sb, sizeof sc);
    return p * sc;
}

/* erfcx(x) for 0 <= x < AION_ERFCX_XMAX: aion_erfcx_poly (ewald.h) written with a
 * flat table index so that loops over it vectorise (gathers); same operations,
 * same result bits. */
static inline double cl_erfcx(double x)
{
    const double h = AION_ERFCX_XMAX / AION_ERFCX_NSEG;
    const double *tab = &aion_erfcx_coef[0][0];
    int s = (int)(x * (1.0 / h));
    const int o = s * (AION_ERFCX_DEG + 1);
    double u = x - (s + 0.5) * h;
    double u2 = u * u, u4 = u2 * u2, u8 = u4 * u4;
    double b0 = fma(tab[o + 1], u, tab[o + 0]), b1 = fma(tab[o + 3], u, tab[o + 2]), b2 = fma(tab[o + 5], u, tab[o + 4]);
    double b3 = fma(tab[o + 7], u, tab[o + 6]), b4 = fma(tab[o + 9], u, tab[o + 8]);
    double c0 = fma(b1, u2, b0), c1 = fma(b3, u2, b2);
    return fma(b4, u8, fma(c1, u4, c0));
}

/* Coulomb part of pairs [b, e): energies and f_r into E, FR (overwritten). */
static void vk_coulomb(aion_coulomb coul, int b, int e, const double *restrict R2, const double *restrict QQ,
                       double *restrict E, double *restrict FR, double rcc2, double alpha, double es, double fs)
{
    const double ke = AION_COULOMB_EV_A, c = 2.0 * alpha / CL_SQRT_PI, a2 = alpha * alpha;
    switch (coul) {
    case AION_COUL_DSF:
#pragma omp simd
        for (int p = b; p < e; p++) {
            const double r2 = R2[p], r = sqrt(r2), rinv = 1.0 / r;
            const double pre = r2 < rcc2 ? ke * QQ[p] : 0.0;
            const double ex = cl_exp(-a2 * r2), erfcr = cl_erfcx(alpha * r) * ex;
            E[p] = pre * (erfcr * rinv - es - r * fs);
            FR[p] = pre * (erfcr * rinv + c * ex + r * fs) * rinv * rinv;
        }
        break;
    case AION_COUL_EWALD:
#pragma omp simd
        for (int p = b; p < e; p++) {
            const double r2 = R2[p], r = sqrt(r2), rinv = 1.0 / r;
            const double pre = r2 < rcc2 ? ke * QQ[p] : 0.0;
            const double ex = cl_exp(-a2 * r2), ee = pre * cl_erfcx(alpha * r) * ex * rinv;
            E[p] = ee;
            FR[p] = (ee + pre * c * ex) * rinv * rinv;
        }
        break;
    case AION_COUL_CUT:
#pragma omp simd
        for (int p = b; p < e; p++) {
            const double r2 = R2[p], rinv = 1.0 / sqrt(r2);
            const double ee = r2 < rcc2 ? ke * QQ[p] * rinv : 0.0;
            E[p] = ee;
            FR[p] = ee * rinv * rinv;
        }
        break;
    default:
        for (int p = b; p < e; p++) E[p] = FR[p] = 0.0;
        break;
    }
}

/* Short-range terms of pairs [0, ns) (type-pair index TP into the planes),
 * added to E and FR. */
static void vk_short(const cl_model *m, int ns, const double *restrict R2, const int *restrict TP, double *restrict E,
                     double *restrict FR)
{
    const size_t pl = (size_t)m->nt * m->nt;
    const double *rc2 = m->fz + FZ_RC2 * pl, *esh = m->fz + FZ_ESH * pl;
    if (m->any_morse) {
        const double *D = m->fz + FZ_D * pl, *A = m->fz + FZ_A * pl, *R0 = m->fz + FZ_R0 * pl;
#pragma omp simd
        for (int p = 0; p < ns; p++) {
            const int t = TP[p];
            const double r2 = R2[p], r = sqrt(r2), in = r2 < rc2[t] ? 1.0 : 0.0;
            const double ex = cl_exp(-A[t] * (r - R0[t])), d = in * D[t];
            E[p] += d * ex * (ex - 2.0);
            FR[p] += 2.0 * A[t] * d * ex * (ex - 1.0) / r;
        }
    }
    if (m->any_buck) {
        const double *BA = m->fz + FZ_BA * pl, *BB = m->fz + FZ_BB * pl;
#pragma omp simd
        for (int p = 0; p < ns; p++) {
            const int t = TP[p];
            const double r2 = R2[p], r = sqrt(r2), in = r2 < rc2[t] ? 1.0 : 0.0;
            const double ex = in * BA[t] * cl_exp(-BB[t] * r);
            E[p] += ex;
            FR[p] += ex * BB[t] / r;
        }
    }
    {
        const double *C12 = m->fz + FZ_C12 * pl, *C6 = m->fz + FZ_C6 * pl;
        const int pw = m->any_pow;
#pragma omp simd
        for (int p = 0; p < ns; p++) {
            const int t = TP[p];
            const double r2 = R2[p], in = r2 < rc2[t] ? 1.0 : 0.0;
            double e = -in * esh[t], fr = 0.0;
            if (pw) {
                const double r2inv = 1.0 / r2, r6 = r2inv * r2inv * r2inv;
                const double a = in * C12[t] * r6 * r6, b6 = in * C6[t] * r6;
                e += a + b6;
                fr = (12.0 * a + 6.0 * b6) * r2inv;
            }
            E[p] += e;
            FR[p] += fr;
        }
    }
}

/* Gather the pairs of one atom (list nb[0..len)) into the scratch arrays:
 * pairs inside their short-range cutoff from the front (*ns), Coulomb-only
 * pairs from the back (*nc down from cap); pairs out of range are dropped. */
static void vk_gather(const int *restrict nb, int len, const double (*restrict x)[3], double xi, double yi, double zi,
                      double qi, const int *restrict gtype, const double *restrict gq, const double *restrict rc2i,
                      const double *restrict src2i, int cap, int tpi, double *restrict DX, double *restrict DY,
                      double *restrict DZ, double *restrict R2, double *restrict QQ, int *restrict JO, int *restrict TP,
                      int *ns_out, int *nc_out)
{
    int ns = 0, nc = cap;
    for (int k = 0; k < len; k++) {
        const int j = nb[k], tj = gtype[j];
        const double dx = x[j][0] - xi, dy = x[j][1] - yi, dz = x[j][2] - zi;
        const double r2 = dx * dx + dy * dy + dz * dz;
        /* branch-free (the tests are unpredictable): a pair out of range is
         * written to a free slot and not counted; short range implies in range */
        const int in = r2 < rc2i[tj], sr = r2 < src2i[tj];
        const int p = sr ? ns : nc - 1;
        ns += sr;
        nc -= in - sr;
        DX[p] = dx;
        DY[p] = dy;
        DZ[p] = dz;
        R2[p] = r2;
        QQ[p] = qi * gq[j];
        JO[p] = j;
        TP[p] = tpi + tj;
    }
    *ns_out = ns;
    *nc_out = nc;
}

/* Fuse each type pair's terms into the planes of m->fz; m->fused = 0 when some
 * pair does not fit the fused form (the generic loop is used then). */
static aion_status build_fused(cl_model *m)
{
    const int nt = m->nt;
    const size_t pl = (size_t)nt * nt;
    m->fused = 0;
    m->fz = aion_calloc(FZ_N * pl, sizeof *m->fz);
    if (!m->fz) return AION_ERR_NOMEM;
    for (int p = 0; p < nt * nt; p++) {
        int nm = 0, nb = 0;
        double rc2 = -1;
        for (int k = m->t0[p]; k < m->t0[p] + m->tn[p]; k++) {
            const kterm *t = &m->kt[k];
            if (rc2 >= 0 && t->rc2 != rc2) return AION_OK;
            rc2 = t->rc2;
            m->fz[FZ_ESH * pl + p] += t->eshift;
            switch (t->kind) {
            case CL_LJ:
                m->fz[FZ_C12 * pl + p] += t->c0;
                m->fz[FZ_C6 * pl + p] -= t->c1;
                m->any_pow = 1;
                break;
            case CL_BUCK:
                if (nb++) return AION_OK;
                m->fz[FZ_BA * pl + p] = t->c0;
                m->fz[FZ_BB * pl + p] = t->c1;
                m->fz[FZ_C6 * pl + p] -= t->c2;
                m->any_buck = 1;
                if (t->c2 != 0) m->any_pow = 1;
                break;
            case CL_MORSE:
                if (nm++) return AION_OK;
                m->fz[FZ_D * pl + p] = t->c0;
                m->fz[FZ_A * pl + p] = t->c1;
                m->fz[FZ_R0 * pl + p] = t->c2;
                m->any_morse = 1;
                break;
            default:
                if (t->ipow == 12) m->fz[FZ_C12 * pl + p] += t->c0;
                else if (t->ipow == 6) m->fz[FZ_C6 * pl + p] += t->c0;
                else return AION_OK;
                m->any_pow = 1;
                break;
            }
        }
        m->fz[FZ_RC2 * pl + p] = rc2 > 0 ? rc2 : 0.0;
    }
    m->fused = 1;
    return AION_OK;
}

static aion_status ensure_scratch(cl_model *m, int len)
{
    if (len <= m->scap && m->scr) return AION_OK;
    int cap = len + 64;
    free(m->scr);
    free(m->iscr);
    m->scr = aion_calloc((size_t)m->nthcap * SCR_D * (size_t)cap, sizeof *m->scr);
    m->iscr = aion_calloc((size_t)m->nthcap * 2 * (size_t)cap, sizeof *m->iscr);
    if (!m->scr || !m->iscr) {
        m->scap = 0;
        return AION_ERR_NOMEM;
    }
    m->scap = cap;
    return AION_OK;
}

static aion_status ensure_work(cl_model *m, int n, int nth, int want_ae)
{
    if (n > m->ncap || nth > m->nthcap) {
        int ncap = n > m->ncap ? n : m->ncap, nthc = nth > m->nthcap ? nth : m->nthcap;
        int *type = aion_realloc_array(m->type, (size_t)ncap, sizeof *type);
        if (!type) return AION_ERR_NOMEM;
        m->type = type;
        double *q = aion_realloc_array(m->q, (size_t)ncap, sizeof *q);
        if (!q) return AION_ERR_NOMEM;
        m->q = q;
        free(m->fth);
        free(m->eth);
        free(m->acc);
        m->eth = NULL;
        m->fth = aion_calloc((size_t)nthc * (size_t)ncap * 3, sizeof *m->fth);
        m->acc = aion_calloc((size_t)nthc * 8, sizeof *m->acc);
        if (!m->fth || !m->acc) {
            m->ncap = m->nthcap = 0;
            return AION_ERR_NOMEM;
        }
        m->ncap = ncap;
        m->nthcap = nthc;
        free(m->scr);
        free(m->iscr);
        m->scr = NULL;
        m->iscr = NULL;
        m->scap = 0;
    }
    if (want_ae && !m->eth) {
        m->eth = aion_calloc((size_t)m->nthcap * (size_t)m->ncap, sizeof *m->eth);
        if (!m->eth) return AION_ERR_NOMEM;
    }
    return AION_OK;
}

/* Types and charges of the atoms of f into m->type, m->q (ensure_work first). */
static aion_status setup_atoms(cl_model *m, const aion_frame *f, aion_error *err)
{
    const int n = f->n;
    for (int i = 0; i < n; i++) {
        int z = f->z[i], t = (z >= 0 && z <= AION_MAX_Z) ? m->type_of_z[z] : -1;
        if (t < 0)
            return aion_err_set(err, AION_ERR_INVALID, "atom %d: element %s is not in potential '%s'", i + 1,
                                aion_element_symbol(z), m->def.name);
        m->type[i] = t;
    }
    if (m->coul != AION_COUL_NONE) {
        if (m->def.charge_from_frame) {
            if (!(f->has & AION_HAS_CHARGE) || !f->charge)
                return aion_err_set(err, AION_ERR_INVALID,
                                    "potential '%s' takes charges from the frame, but the frame has none", m->def.name);
            memcpy(m->q, f->charge, (size_t)n * sizeof *m->q);
        } else {
            for (int i = 0; i < n; i++) m->q[i] = m->qtype[m->type[i]];
        }
    } else {
        memset(m->q, 0, (size_t)n * sizeof *m->q);
    }
    return AION_OK;
}

static aion_status model_compute(void *self, const aion_frame *f, aion_eval *out, aion_error *err)
{
    cl_model *m = self;
    const int n = f->n;
    const int want_ae = out->atom_energy != NULL;
    const int nt = m->nt;
    int nth = m->nthreads > 0 ? m->nthreads : omp_get_max_threads();
    int nth_used = 1;
    double rcc2, alpha;
    aion_coulomb coul = m->coul;
    aion_nlist *nl = m->nl;
    aion_status st;

    if (n <= 0) {
        out->energy = 0;
        return AION_OK;
    }
    if (nth < 1) nth = 1;
    if (ensure_work(m, n, nth, want_ae) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    if ((st = setup_atoms(m, f, err)) != AION_OK) return st;

    st = aion_nlist_update(nl, f);
    if (st != AION_OK) return aion_err_set(err, st, "neighbour list: %s", aion_nlist_errmsg(nl));

    alpha = m->alpha;
    rcc2 = m->rcc * m->rcc;
    if (coul == AION_COUL_EWALD) {
        if (!(f->has & AION_HAS_CELL) || !f->pbc[0] || !f->pbc[1] || !f->pbc[2])
            return aion_err_set(err, AION_ERR_INVALID,
                                "Ewald needs a cell periodic in 3D (use Coulomb dsf or cut for this structure)");
        if ((st = aion_ewald_prepare(m->ew, f->cell, n, m->q, err)) != AION_OK) return st;
        alpha = aion_ewald_alpha(m->ew);
        double rce = aion_ewald_rcut(m->ew);
        if (rce > m->rcc * (1 + 1e-12))
            return aion_err_set(err, AION_ERR_INTERNAL, "Ewald real-space cutoff %g A exceeds the list's %g A", rce, m->rcc);
        rcc2 = rce * rce;
    } else if (coul == AION_COUL_NONE) {
        rcc2 = 0;
    }

    /* the vector kernel needs the fused form and erfcx's table range for every listed pair */
    const int fast = m->fused && (coul == AION_COUL_NONE || coul == AION_COUL_CUT || alpha * m->cutoff < AION_ERFCX_XMAX);
    if (fast) {
        int len = 0;
        for (int i = 0; i < n; i++) len = AION_MAX(len, nl->offset[i + 1] - nl->offset[i]);
        if (ensure_scratch(m, len) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        if (nl->nall > m->gcap) {
            free(m->gtype);
            free(m->gq);
            m->gtype = aion_calloc((size_t)nl->nall, sizeof *m->gtype);
            m->gq = aion_calloc((size_t)nl->nall, sizeof *m->gq);
            m->gcap = (m->gtype && m->gq) ? nl->nall : 0;
            if (!m->gcap) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        }
        /* type and charge of ghosts by their own index: one indirection less per pair */
        for (int g = 0; g < nl->nall; g++) {
            m->gtype[g] = m->type[nl->owner[g]];
            m->gq[g] = m->q[nl->owner[g]];
        }
    }

    {
        const double (*x)[3] = (const double(*)[3])nl->x;
        const int *owner = nl->owner, *offset = nl->offset, *nbr = nl->nbr;
        const int *type = m->type;
        const double *q = m->q;
        const double *prc2 = m->rc2;
        const int *pt0 = m->t0, *ptn = m->tn;
        const kterm *kt = m->kt;
        const double ke = AION_COULOMB_EV_A;
        const double dsf_es = m->dsf_eshift, dsf_fs = m->dsf_fshift;
        const double two_a_sqrtpi = 2.0 * alpha / CL_SQRT_PI, a2 = alpha * alpha;
        const size_t n3 = (size_t)m->ncap * 3;

#pragma omp parallel num_threads(nth)
        {
            const int tid = omp_get_thread_num();
            double *ft = m->fth + (size_t)tid * n3;
            double *et = want_ae ? m->eth + (size_t)tid * m->ncap : NULL;
            double esum = 0, w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0;
#pragma omp single
            nth_used = omp_get_num_threads();
            memset(ft, 0, (size_t)n * 3 * sizeof *ft);
            if (et) memset(et, 0, (size_t)n * sizeof *et);
#pragma omp barrier
            if (fast) {
                const int sc = m->scap;
                double *S = m->scr + (size_t)tid * SCR_D * sc;
                double *restrict DX = S + SCR_DX * sc, *restrict DY = S + SCR_DY * sc, *restrict DZ = S + SCR_DZ * sc;
                double *restrict R2 = S + SCR_R2 * sc, *restrict QQ = S + SCR_QQ * sc;
                double *restrict E = S + SCR_E * sc, *restrict FR = S + SCR_FR * sc;
                int *restrict JO = m->iscr + (size_t)tid * 2 * sc, *restrict TP = JO + sc;
                const double *frc2 = m->fz + (size_t)FZ_RC2 * nt * nt;
                const int *restrict gtype = m->gtype;
                const double *restrict gq = m->gq;
#pragma omp for schedule(static, 4)
                for (int i = 0; i < n; i++) {
                    const int ti = type[i];
                    const double xi = x[i][0], yi = x[i][1], zi = x[i][2], qi = q[i];
                    const double *rc2i = prc2 + (size_t)ti * nt, *src2i = frc2 + (size_t)ti * nt;
                    int ns = 0, nc = sc;
                    vk_gather(nbr + offset[i], offset[i + 1] - offset[i], x, xi, yi, zi, qi, gtype, gq, rc2i, src2i, sc,
                              ti * nt, DX, DY, DZ, R2, QQ, JO, TP, &ns, &nc);
                    vk_coulomb(coul, 0, ns, R2, QQ, E, FR, rcc2, alpha, dsf_es, dsf_fs);
                    vk_coulomb(coul, nc, sc, R2, QQ, E, FR, rcc2, alpha, dsf_es, dsf_fs);
                    vk_short(m, ns, R2, TP, E, FR);
                    /* reductions and the scatter in a fixed order (no vector reductions:
                     * their order could depend on memory alignment) */
                    double fxi = 0, fyi = 0, fzi = 0, ei = 0;
                    for (int rng = 0; rng < 2; rng++) {
                        const int b = rng ? nc : 0, e = rng ? sc : ns;
                        for (int p = b; p < e; p++) {
                            const int jo = owner[JO[p]];
                            const double fr = FR[p], dx = DX[p], dy = DY[p], dz = DZ[p];
                            const double fx = fr * dx, fy = fr * dy, fz = fr * dz;
                            fxi -= fx;
                            fyi -= fy;
                            fzi -= fz;
                            ft[3 * jo] += fx;
                            ft[3 * jo + 1] += fy;
                            ft[3 * jo + 2] += fz;
                            esum += E[p];
                            w0 += fx * dx;
                            w1 += fy * dy;
                            w2 += fz * dz;
                            w3 += fy * dz;
                            w4 += fx * dz;
                            w5 += fx * dy;
                            if (et) {
                                ei += 0.5 * E[p];
                                et[jo] += 0.5 * E[p];
                            }
                        }
                    }
                    ft[3 * i] += fxi;
                    ft[3 * i + 1] += fyi;
                    ft[3 * i + 2] += fzi;
                    if (et) et[i] += ei;
                }
            } else {
#pragma omp for schedule(static, 4)
            for (int i = 0; i < n; i++) {
                const int ti = type[i];
                const double xi = x[i][0], yi = x[i][1], zi = x[i][2], qi = q[i];
                const double *rc2i = prc2 + (size_t)ti * nt;
                const int *t0i = pt0 + (size_t)ti * nt, *tni = ptn + (size_t)ti * nt;
                double fxi = 0, fyi = 0, fzi = 0, ei = 0;
                for (int k = offset[i]; k < offset[i + 1]; k++) {
                    const int j = nbr[k], jo = owner[j], tj = type[jo];
                    const double dx = x[j][0] - xi, dy = x[j][1] - yi, dz = x[j][2] - zi;
                    const double r2 = dx * dx + dy * dy + dz * dz;
                    if (r2 >= rc2i[tj]) continue;
                    const double r = sqrt(r2), r2inv = 1.0 / r2;
                    double e = 0, fr = 0;
                    if (r2 < rcc2) {
                        const double qq = qi * q[jo];
                        if (coul == AION_COUL_DSF) {
                            const double ex = exp(-a2 * r2), pre = ke * qq, ar = alpha * r;
                            /* erfc = erfcx·exp(−x²) with the tabulated erfcx of ewald.h */
                            const double erfcr = ar < AION_ERFCX_XMAX ? aion_erfcx_poly(ar) * ex : erfc(ar);
                            e = pre * (erfcr / r - dsf_es - r * dsf_fs);
                            fr = pre * (erfcr / r + two_a_sqrtpi * ex + r * dsf_fs) * r2inv;
                        } else if (coul == AION_COUL_EWALD) {
                            aion_ewald_real_pair(alpha, qq, r, &e, &fr);
                        } else {
                            e = ke * qq / r;
                            fr = e * r2inv;
                        }
                    }
                    for (int tk = t0i[tj], tend = t0i[tj] + tni[tj]; tk < tend; tk++) {
                        const kterm *t = &kt[tk];
                        double et1, fr1;
                        if (r2 >= t->rc2) continue;
                        term_eval(t, r, r2inv, &et1, &fr1);
                        e += et1 - t->eshift;
                        fr += fr1;
                    }
                    const double fx = fr * dx, fy = fr * dy, fz = fr * dz;
                    fxi -= fx;
                    fyi -= fy;
                    fzi -= fz;
                    ft[3 * jo] += fx;
                    ft[3 * jo + 1] += fy;
                    ft[3 * jo + 2] += fz;
                    esum += e;
                    w0 += fx * dx;
                    w1 += fy * dy;
                    w2 += fz * dz;
                    w3 += fy * dz;
                    w4 += fx * dz;
                    w5 += fx * dy;
                    if (et) {
                        ei += 0.5 * e;
                        et[jo] += 0.5 * e;
                    }
                }
                ft[3 * i] += fxi;
                ft[3 * i + 1] += fyi;
                ft[3 * i + 2] += fzi;
                if (et) et[i] += ei;
            }
            } /* generic loop */
            double *acc = m->acc + 8 * tid;
            acc[0] = esum;
            acc[1] = w0;
            acc[2] = w1;
            acc[3] = w2;
            acc[4] = w3;
            acc[5] = w4;
            acc[6] = w5;
#pragma omp barrier
            /* deterministic reduction in thread order */
            if (out->forces || want_ae) {
#pragma omp for schedule(static)
                for (int i = 0; i < n; i++) {
                    double sx = 0, sy = 0, sz = 0, se = 0;
                    for (int t = 0; t < nth_used; t++) {
                        const double *g = m->fth + (size_t)t * n3 + 3 * (size_t)i;
                        sx += g[0];
                        sy += g[1];
                        sz += g[2];
                        if (want_ae) se += m->eth[(size_t)t * m->ncap + i];
                    }
                    if (out->forces) {
                        out->forces[i][0] = sx;
                        out->forces[i][1] = sy;
                        out->forces[i][2] = sz;
                    }
                    if (want_ae) out->atom_energy[i] = se;
                }
            }
        }
    }
    {
        double e = 0, w[6] = {0};
        for (int t = 0; t < nth_used; t++) {
            e += m->acc[8 * t];
            for (int c = 0; c < 6; c++) w[c] += m->acc[8 * t + 1 + c];
        }
        if (coul == AION_COUL_DSF) {
            for (int i = 0; i < n; i++) {
                double es = m->dsf_self * m->q[i] * m->q[i];
                e += es;
                if (want_ae) out->atom_energy[i] += es;
            }
        }
        out->energy = e;
        if (out->want_virial) {
            out->virial[0][0] = w[0];
            out->virial[1][1] = w[1];
            out->virial[2][2] = w[2];
            out->virial[1][2] = out->virial[2][1] = w[3];
            out->virial[0][2] = out->virial[2][0] = w[4];
            out->virial[0][1] = out->virial[1][0] = w[5];
        }
    }
    if (coul == AION_COUL_EWALD) {
        st = aion_ewald_kspace(m->ew, f, m->q, &out->energy, out->forces, out->want_virial ? out->virial : NULL,
                               out->atom_energy, err);
        if (st != AION_OK) return st;
    }
    if (!isfinite(out->energy))
        return aion_err_set(err, AION_ERR_NUMERIC, "potential '%s': non-finite energy (atoms on top of each other?)",
                            m->def.name);
    return AION_OK;
}

/* ------------------------------------------------------------------ */
/* Probe: one atom moved over many points (aion_potential_probe)       */
/* ------------------------------------------------------------------ */

/* Energy of one pair: types ti, tj, charge product qq, squared distance r2;
 * the same expressions as model_compute's loop. */
static inline double pair_energy(const cl_model *m, int ti, int tj, double qq, double r2, double rcc2, double alpha)
{
    if (r2 >= m->rc2[ti * m->nt + tj]) return 0.0;
    const double r = sqrt(r2), r2inv = 1.0 / r2;
    double e = 0.0, fr;
    if (r2 < rcc2) {
        if (m->coul == AION_COUL_DSF) {
            const double ex = exp(-(alpha * alpha) * r2), pre = AION_COULOMB_EV_A * qq, ar = alpha * r;
            const double erfcr = ar < AION_ERFCX_XMAX ? aion_erfcx_poly(ar) * ex : erfc(ar);
            e = pre * (erfcr / r - m->dsf_eshift - r * m->dsf_fshift);
        } else if (m->coul == AION_COUL_EWALD) {
            aion_ewald_real_pair(alpha, qq, r, &e, &fr);
        } else {
            e = AION_COULOMB_EV_A * qq / r;
        }
    }
    for (int tk = m->t0[ti * m->nt + tj], tend = tk + m->tn[ti * m->nt + tj]; tk < tend; tk++) {
        const kterm *t = &m->kt[tk];
        double et1, fr1;
        if (r2 >= t->rc2) continue;
        term_eval(t, r, r2inv, &et1, &fr1);
        e += et1 - t->eshift;
    }
    return e;
}

/*
 * E(x) = E_rest + Σ_{j≠k, images n} φ_kj(|r_j + n·L − x|) [+ E_recip(x) for Ewald]
 * E_rest = ½ Σ_{i≠k} Σ_{j≠k, images}' φ_ij            (pairs without atom k)
 *        + ½ Σ_{n≠0} φ_kk(|n·L|)                       (k with its own images:
 *                                                       they move with k, so constant)
 *        + self terms (DSF: Σ_i e_self q_i²; Ewald: self + background)
 * E_recip(x) = Σ_k A(k) |S_rest(k) + q_k exp(i k·x)|² (S_rest: all atoms but k).
 * Set-up O(N · neighbours) (+ one structure factor for Ewald); then
 * O(neighbours of x) (+ O(N_k)) per point. Threads over points; each point is
 * summed in a fixed order, so results do not depend on the thread count.
 */
static aion_status model_probe(void *self, const aion_frame *f, int k, int npts, const double (*x)[3], double *energy,
                               aion_error *err)
{
    cl_model *m = self;
    const int n = f->n;
    aion_status st = AION_OK;
    probe_cells pc;
    double(*lv)[3] = NULL, *half = NULL;
    double alpha = m->alpha, rcc2 = m->rcc * m->rcc, e_const = 0.0;
    int nth = m->nthreads > 0 ? m->nthreads : omp_get_max_threads(), nomem = 0, bad = -1;
    memset(&pc, 0, sizeof pc);
    if (nth < 1) nth = 1;
    if (ensure_work(m, n, 1, 0) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    if ((st = setup_atoms(m, f, err)) != AION_OK) return st;
    const int *type = m->type;
    const double *q = m->q;
    if (m->coul == AION_COUL_EWALD) {
        if ((st = aion_ewald_prepare(m->ew, f->cell, n, m->q, err)) != AION_OK) return st;
        alpha = aion_ewald_alpha(m->ew);
        double rce = aion_ewald_rcut(m->ew);
        if (rce > m->rcc * (1 + 1e-12))
            return aion_err_set(err, AION_ERR_INTERNAL, "Ewald real-space cutoff %g A exceeds the list's %g A", rce, m->rcc);
        rcc2 = rce * rce;
        if ((st = aion_ewald_probe_prepare(m->ew, f, m->q, k, &e_const, err)) != AION_OK) return st;
    } else if (m->coul == AION_COUL_NONE) {
        rcc2 = 0;
    } else if (m->coul == AION_COUL_DSF) {
        for (int i = 0; i < n; i++) e_const += m->dsf_self * q[i] * q[i];
    }
    if ((st = probe_cells_build(&pc, f, k, m->cutoff, err)) != AION_OK) return st;
    int nlv = probe_lattice_vectors(f->cell, m->cutoff, &lv);
    half = malloc((size_t)n * sizeof *half);
    if (nlv < 0 || !half) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    const int tk = type[k];
    const double qk = q[k];
    const int is_ewald = m->coul == AION_COUL_EWALD;
#pragma omp parallel num_threads(nth)
    {
        probe_nbrs nb;
        memset(&nb, 0, sizeof nb);
        double *work = is_ewald ? malloc((size_t)aion_ewald_probe_work_size(m->ew) * sizeof *work) : NULL;
        if (is_ewald && !work) {
#pragma omp atomic write
            nomem = 1;
        }
        /* pairs without atom k: half of each atom's sum */
#pragma omp for schedule(dynamic, 8)
        for (int i = 0; i < n; i++) {
            half[i] = 0.0;
            if (i == k || probe_cells_query(&pc, f->pos[i], i, &nb) != AION_OK) {
                if (i != k) {
#pragma omp atomic write
                    nomem = 1;
                }
                continue;
            }
            double s = 0.0;
            for (int t = 0; t < nb.n; t++) s += pair_energy(m, type[i], type[nb.j[t]], q[i] * q[nb.j[t]], nb.r2[t], rcc2, alpha);
            half[i] = 0.5 * s;
        }
        double e_rest = 0.0;
        for (int i = 0; i < n; i++) e_rest += half[i];
        {
            double s = 0.0;
            for (int t = 0; t < nlv; t++)
                s += pair_energy(m, tk, tk, qk * qk, lv[t][0] * lv[t][0] + lv[t][1] * lv[t][1] + lv[t][2] * lv[t][2],
                                 rcc2, alpha);
            e_rest += 0.5 * s + e_const;
        }
#pragma omp for schedule(dynamic, 16)
        for (int p = 0; p < npts; p++) {
            int stop;
#pragma omp atomic read
            stop = nomem;
            if (stop || probe_cells_query(&pc, x[p], -1, &nb) != AION_OK) {
#pragma omp atomic write
                nomem = 1;
                continue;
            }
            double s = 0.0;
            for (int t = 0; t < nb.n; t++) s += pair_energy(m, tk, type[nb.j[t]], qk * q[nb.j[t]], nb.r2[t], rcc2, alpha);
            if (is_ewald) s += aion_ewald_probe_recip(m->ew, qk, x[p], work);
            energy[p] = e_rest + s;
            if (!isfinite(energy[p])) {
#pragma omp critical(cl_probe_bad)
                if (bad < 0 || p < bad) bad = p;
            }
        }
        free(work);
        probe_nbrs_free(&nb);
    }
    if (nomem)
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    else if (bad >= 0)
        st = aion_err_set(err, AION_ERR_NUMERIC,
                          "potential '%s': non-finite energy with atom %d at point %d (%g, %g, %g) (on top of another atom?)",
                          m->def.name, k + 1, bad, x[bad][0], x[bad][1], x[bad][2]);
done:
    probe_cells_free(&pc);
    free(lv);
    free(half);
    return st;
}

/* The summation order depends on the neighbour list's last build: its
 * reference configuration is the state saved in MD checkpoints. */
static size_t model_state_size(const void *self) { return aion_nlist_state_size(((const cl_model *)self)->nl); }

static aion_status model_state_save(const void *self, void *buf, size_t len)
{
    return aion_nlist_state_save(((const cl_model *)self)->nl, buf, len);
}

static aion_status model_state_load(void *self, const void *buf, size_t len, const aion_frame *f, aion_error *err)
{
    return aion_nlist_state_load(((cl_model *)self)->nl, buf, len, f, err);
}

static const aion_potential_ops classical_ops = {
    .name = "pair",
    .compute = model_compute,
    .cutoff = model_cutoff,
    .describe = model_describe,
    .destroy = model_free,
    .state_size = model_state_size,
    .state_save = model_state_save,
    .state_load = model_state_load,
    .probe = model_probe,
};

static const aion_potential_ops pedone_ops = {
    .name = "pedone",
    .compute = model_compute,
    .cutoff = model_cutoff,
    .describe = model_describe,
    .destroy = model_free,
    .state_size = model_state_size,
    .state_save = model_state_save,
    .state_load = model_state_load,
    .probe = model_probe,
};

/* Compile the definition (already merged with the options) into tables. */
static aion_status model_build(cl_model *m, const aion_potential_opts *o, aion_error *err)
{
    cl_def *d = &m->def;
    aion_coulomb coul;
    int nt = 0;
    aion_status st;

    /* species */
    for (int z = 0; z <= AION_MAX_Z; z++) m->type_of_z[z] = -1;
#define ADD_SPECIES(zz)                                                                                       \
    do {                                                                                                      \
        int z_ = (zz);                                                                                        \
        if (m->type_of_z[z_] < 0) {                                                                           \
            if (nt == CL_MAX_TYPES)                                                                           \
                return aion_err_set(err, AION_ERR_INVALID, "%s: more than %d species", d->origin, CL_MAX_TYPES); \
            m->type_of_z[z_] = (short)nt;                                                                     \
            m->z_of[nt++] = z_;                                                                               \
        }                                                                                                     \
    } while (0)
    for (int z = 1; z <= AION_MAX_Z; z++)
        if (d->has_charge[z]) ADD_SPECIES(z);
    for (int k = 0; k < d->nterms; k++) {
        ADD_SPECIES(d->terms[k].z1);
        ADD_SPECIES(d->terms[k].z2);
    }
#undef ADD_SPECIES
    m->nt = nt;
    if (nt == 0) return aion_err_set(err, AION_ERR_INVALID, "%s: the model names no species", d->origin);

    /* Coulomb method and parameters: options override the model */
    coul = d->coulomb == AION_COUL_MODEL ? AION_COUL_NONE : d->coulomb;
    if (o->coulomb != AION_COUL_MODEL) coul = o->coulomb;
    if (coul < AION_COUL_MODEL || coul > AION_COUL_CUT)
        return aion_err_set(err, AION_ERR_INVALID, "unknown Coulomb method %d", (int)coul);
    if (o->coul_cutoff < 0 || o->dsf_alpha < 0 || o->ewald_accuracy < 0 || o->ewald_accuracy >= 1 ||
        o->sr_cutoff < 0 || o->skin < 0)
        return aion_err_set(err, AION_ERR_INVALID, "negative cutoff, alpha, accuracy or skin in the options");
    m->coul = coul;
    if (coul != AION_COUL_NONE) {
        int same = (coul == d->coulomb);
        m->rcc = o->coul_cutoff > 0 ? o->coul_cutoff
               : (same && d->coul_cutoff > 0) ? d->coul_cutoff
               : coul == AION_COUL_DSF ? 8.0 : 10.0;
        m->alpha = o->dsf_alpha > 0 ? o->dsf_alpha : (same && d->dsf_alpha > 0) ? d->dsf_alpha : 0.25;
        m->ewald_acc = o->ewald_accuracy > 0 ? o->ewald_accuracy
                     : (same && d->ewald_accuracy > 0) ? d->ewald_accuracy : 1e-8;
        if (!d->charge_from_frame)
            for (int t = 0; t < nt; t++) {
                if (!d->has_charge[m->z_of[t]])
                    return aion_err_set(err, AION_ERR_INVALID,
                                        "%s: Coulomb is on but %s has no charge (add 'charge %s Q' or 'charge frame')",
                                        d->origin, aion_element_symbol(m->z_of[t]), aion_element_symbol(m->z_of[t]));
                m->qtype[t] = d->charge[m->z_of[t]];
            }
        if (coul == AION_COUL_DSF) {
            const double rc = m->rcc, a = m->alpha;
            const double erfcc = erfc(a * rc), ex = exp(-a * a * rc * rc);
            m->dsf_fshift = -(erfcc / (rc * rc) + 2.0 / CL_SQRT_PI * a * ex / rc);
            m->dsf_eshift = erfcc / rc - m->dsf_fshift * rc;
            m->dsf_self = -(m->dsf_eshift / 2.0 + a / CL_SQRT_PI) * AION_COULOMB_EV_A;
        }
        if (coul == AION_COUL_EWALD) {
            if ((st = aion_ewald_create(&m->ew, m->ewald_acc, m->rcc, err)) != AION_OK) return st;
            aion_ewald_set_threads(m->ew, o->nthreads);
        }
    } else {
        m->rcc = 0;
    }

    /* per type-pair term tables */
    m->rc2 = aion_calloc((size_t)nt * nt, sizeof *m->rc2);
    m->t0 = aion_calloc((size_t)nt * nt, sizeof *m->t0);
    m->tn = aion_calloc((size_t)nt * nt, sizeof *m->tn);
    m->kt = aion_calloc((size_t)d->nterms * 2 + 1, sizeof *m->kt);
    if (!m->rc2 || !m->t0 || !m->tn || !m->kt) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    m->sr_max = 0;
    for (int a = 0; a < nt; a++)
        for (int b = 0; b < nt; b++) {
            int p = a * nt + b;
            double rmax = m->rcc;
            m->t0[p] = m->nkt;
            for (int k = 0; k < d->nterms; k++) {
                const cl_term *t = &d->terms[k];
                int ta = m->type_of_z[t->z1], tb = m->type_of_z[t->z2];
                if (!((ta == a && tb == b) || (ta == b && tb == a))) continue;
                double rc = o->sr_cutoff > 0 ? o->sr_cutoff : t->rc > 0 ? t->rc : d->sr_cutoff;
                if (!(rc > 0))
                    return aion_err_set(err, AION_ERR_INVALID,
                                        "%s%s%.0d: %s %s %s has no cutoff (give 'cutoff X' on the line or a 'cutoff' line)",
                                        d->origin, t->line ? ":" : "", t->line, kind_names[t->kind],
                                        aion_element_symbol(t->z1), aion_element_symbol(t->z2));
                int shift = t->shift >= 0 ? t->shift : d->shift;
                kterm *kk = &m->kt[m->nkt++];
                kk->kind = t->kind;
                kk->rc2 = rc * rc;
                switch (t->kind) {
                case CL_LJ: {
                    double s6 = pow(t->p[1], 6);
                    kk->c0 = 4.0 * t->p[0] * s6 * s6;
                    kk->c1 = 4.0 * t->p[0] * s6;
                    break;
                }
                case CL_BUCK:
                    kk->c0 = t->p[0];
                    kk->c1 = 1.0 / t->p[1];
                    kk->c2 = t->p[2];
                    break;
                case CL_MORSE:
                    kk->c0 = t->p[0];
                    kk->c1 = t->p[1];
                    kk->c2 = t->p[2];
                    break;
                default:
                    kk->c0 = t->p[0];
                    kk->c1 = t->p[1];
                    kk->ipow = (t->p[1] == floor(t->p[1]) && t->p[1] <= 64) ? (int)t->p[1] : 0;
                    break;
                }
                if (shift) {
                    double e, fr;
                    term_eval(kk, rc, 1.0 / (rc * rc), &e, &fr);
                    kk->eshift = e;
                }
                if (rc > rmax) rmax = rc;
                if (rc > m->sr_max) m->sr_max = rc;
            }
            m->tn[p] = m->nkt - m->t0[p];
            m->rc2[p] = rmax * rmax;
        }
    /* each unordered term was stored for (a,b) and (b,a): kt holds at most 2*nterms */
    if (build_fused(m) != AION_OK) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");

    m->cutoff = AION_MAX(m->sr_max, m->rcc);
    if (!(m->cutoff > 0)) return aion_err_set(err, AION_ERR_INVALID, "%s: no interaction range", d->origin);
    m->skin = o->skin > 0 ? o->skin : 1.0;
    m->nthreads = o->nthreads;
    {
        aion_nlist_opts no = {m->cutoff, m->skin, 0};
        if ((st = aion_nlist_create(&m->nl, &no, err)) != AION_OK) return st;
        aion_nlist_set_threads(m->nl, o->nthreads);
    }
    return AION_OK;
}

aion_potential *aion_classical_create(const char *spec, const aion_potential_opts *o, aion_error *err)
{
    cl_model *m = calloc(1, sizeof *m);
    const aion_potential_ops *ops = &classical_ops;
    aion_potential_opts def_opts;
    if (!m) {
        aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (!o) {
        aion_potential_opts_init(&def_opts);
        o = &def_opts;
    }
    cl_def_init(&m->def);
    if (!strncasecmp(spec, "pedone", 6) && (spec[6] == '\0' || spec[6] == ':')) {
        if (aion_pedone_def(&m->def, spec[6] ? spec + 7 : NULL, err) != AION_OK) goto fail;
        ops = &pedone_ops;
    } else {
        if (access(spec, F_OK) != 0) {
            aion_err_set(err, AION_ERR_INVALID,
                         "%s: not a built-in potential (pedone, pedone:fe3) and no such file", spec);
            goto fail;
        }
        if (parse_file(spec, &m->def, err) != AION_OK) goto fail;
    }
    if (model_build(m, o, err) != AION_OK) goto fail;
    return aion_potential_wrap(ops, m);
fail:
    model_free(m);
    return NULL;
}
