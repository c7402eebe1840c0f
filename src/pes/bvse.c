/*
 * Bond-valence site energy (BVSE) of a mobile ion in a crystal framework, and
 * the oxidation states it needs.
 *
 *   E(x) = Σ_anions j  D0/2 · [(exp(α (r_min − r_j)) − 1)² − 1]
 *        + Σ_like-charged cations j  k_e q q_j /√(n n_j) · erfc(r_j / (f (rc + rc_j))) / r_j
 *
 * with the softBV Morse parameters (D0, r_min, α = 1/b) of the mobile-ion –
 * anion pair by oxidation states, principal quantum numbers n, covalent
 * radii rc (Cordero 2008, as ASE) and f = 0.74: the conventions of BVlain
 * (A. A. Dembitskiy et al., github.com/dembart/BVlain) built on
 * S. Adams and R. P. Rao, Phys. Status Solidi A 208, 1746 (2011),
 * doi:10.1002/pssa.201001116, and H. Chen and S. Adams, IUCrJ 4, 614 (2017),
 * doi:10.1107/S2052252517010211 (softBV parameters).
 *
 * Oxidation states come from the file or from a charge-balance rule ranked
 * by the global instability index GII = sqrt(<(BVS_i − |q_i|)²>), bond
 * valence s = exp(α (r0 − r)) (I. D. Brown, Chem. Rev. 109, 6858 (2009),
 * doi:10.1021/cr900053k); the rule is stated in aion.h.
 */
#include "pes.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bv_pair {
    int zc, qc, za, qa;
    double r0, rmin, alpha, d0;
} bv_pair;
/* A few rows of the published table (B, Ba, Be, Ca, Cr, Dy, Ga, Mg, Mo, Sr
 * with heavy anions, 34 in all) have a negative α and r_min < r0: they are
 * loaded but treated as absent (a Morse term with α < 0 grows with r). */

struct aion_bvse {
    bv_pair *pair;
    int npair;
    int qn[AION_MAX_Z + 1];
};

#define BVSE_F 0.74
#define BV_BOND_CUTOFF 5.0
#define BV_MAX_COMBOS 2000000L

/* ------------------------------------------------------------------ */
/* Tables                                                             */
/* ------------------------------------------------------------------ */

static int split_csv(char *s, char **tok, int max)
{
    int n = 0;
    char *p = s;
    while (n < max) {
        tok[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = 0;
        p = c + 1;
    }
    for (int k = 0; k < n; k++) {
        char *t = tok[k];
        while (*t == ' ' || *t == '\t') t++;
        char *e = t + strlen(t);
        while (e > t && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) *--e = 0;
        tok[k] = t;
    }
    return n;
}

static aion_status load_pairs(aion_bvse *b, const char *path, aion_error *err)
{
    FILE *fp = fopen(path, "r");
    char line[512];
    long ln = 0;
    int cap = 0;
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: cannot open (%s)", path, strerror(errno));
    while (fgets(line, sizeof line, fp)) {
        char *tok[16];
        ln++;
        if (ln == 1) {
            if (strncmp(line, "cation,cation_oxidation,anion,anion_oxidation", 45) != 0) {
                fclose(fp);
                return aion_err_set(err, AION_ERR_PARSE, "%s:1: unexpected header", path);
            }
            continue;
        }
        if (line[0] == '\n' || line[0] == '\r' || line[0] == 0) continue;
        int nt = split_csv(line, tok, 16);
        bv_pair p;
        if (nt != 8 || !(p.zc = aion_element_z(tok[0])) || aion_parse_int(tok[1], &p.qc) ||
            !(p.za = aion_element_z(tok[2])) || aion_parse_int(tok[3], &p.qa) || aion_parse_double(tok[4], &p.r0) ||
            aion_parse_double(tok[5], &p.rmin) || aion_parse_double(tok[6], &p.alpha) ||
            aion_parse_double(tok[7], &p.d0) || p.qc <= 0 || p.qa >= 0 || p.alpha == 0 || p.d0 <= 0 ||
            p.rmin <= 0) {
            fclose(fp);
            return aion_err_set(err, AION_ERR_PARSE, "%s:%ld: malformed parameter row", path, ln);
        }
        if (b->npair == cap) {
            int nc = cap ? 2 * cap : 512;
            bv_pair *q = aion_realloc_array(b->pair, (size_t)nc, sizeof *q);
            if (!q) {
                fclose(fp);
                return aion_err_set(err, AION_ERR_NOMEM, "out of memory reading %s", path);
            }
            b->pair = q;
            cap = nc;
        }
        b->pair[b->npair++] = p;
    }
    fclose(fp);
    if (b->npair == 0) return aion_err_set(err, AION_ERR_PARSE, "%s: no parameter rows", path);
    return AION_OK;
}

static aion_status load_qn(aion_bvse *b, const char *path, aion_error *err)
{
    FILE *fp = fopen(path, "r");
    char line[256];
    long ln = 0;
    if (!fp) return aion_err_set(err, AION_ERR_IO, "%s: cannot open (%s)", path, strerror(errno));
    while (fgets(line, sizeof line, fp)) {
        char *tok[4];
        int z, n;
        ln++;
        if (ln == 1) continue; /* header element,n */
        if (line[0] == '\n' || line[0] == '\r' || line[0] == 0) continue;
        if (split_csv(line, tok, 4) != 2 || !(z = aion_element_z(tok[0])) || aion_parse_int(tok[1], &n) || n < 1 ||
            n > 7) {
            fclose(fp);
            return aion_err_set(err, AION_ERR_PARSE, "%s:%ld: malformed row", path, ln);
        }
        b->qn[z] = n;
    }
    fclose(fp);
    return AION_OK;
}

aion_status aion_bvse_load(aion_bvse **out, const char *dir, aion_error *err)
{
    aion_bvse *b = NULL;
    char path[4096];
    aion_status st;
    *out = NULL;
    if (!dir) return aion_err_set(err, AION_ERR_INVALID, "no BVSE data folder given");
    b = aion_calloc(1, sizeof *b);
    if (!b) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    snprintf(path, sizeof path, "%s/softbv-pairs.csv", dir);
    if ((st = load_pairs(b, path, err)) != AION_OK) goto fail;
    snprintf(path, sizeof path, "%s/principal-quantum-number.csv", dir);
    if ((st = load_qn(b, path, err)) != AION_OK) goto fail;
    *out = b;
    return AION_OK;
fail:
    aion_bvse_free(b);
    return st;
}

void aion_bvse_free(aion_bvse *b)
{
    if (!b) return;
    free(b->pair);
    free(b);
}

static const bv_pair *find_pair(const aion_bvse *b, int zc, int qc, int za, int qa)
{
    for (int k = 0; k < b->npair; k++) {
        const bv_pair *p = &b->pair[k];
        if (p->zc == zc && p->qc == qc && p->za == za && p->qa == qa) return p->alpha > 0 ? p : NULL;
    }
    return NULL;
}

int aion_bvse_pair(const aion_bvse *b, int zc, int qc, int za, int qa, double *r0, double *rmin, double *alpha,
                   double *d0)
{
    const bv_pair *p = b ? find_pair(b, zc, qc, za, qa) : NULL;
    if (!p) return 0;
    if (r0) *r0 = p->r0;
    if (rmin) *rmin = p->rmin;
    if (alpha) *alpha = p->alpha;
    if (d0) *d0 = p->d0;
    return 1;
}

int aion_bvse_quantum_n(const aion_bvse *b, int z) { return (b && z > 0 && z <= AION_MAX_Z) ? b->qn[z] : 0; }

int aion_pes_mobile_charge(int z)
{
    switch (z) {
    case 3: case 11: case 19: return 1;   /* Li Na K */
    case 12: case 20: case 30: return 2;  /* Mg Ca Zn */
    case 13: return 3;                    /* Al */
    default: return 0;
    }
}

/* ------------------------------------------------------------------ */
/* Oxidation states                                                   */
/* ------------------------------------------------------------------ */

/* Anion formers by decreasing Pauling electronegativity, with their state. */
static const struct {
    int z, q;
} anion_formers[] = {{9, -1}, {8, -2}, {17, -1}, {7, -3}, {35, -1}, {53, -1}, {16, -2}, {34, -2}, {52, -2}};
#define N_ANION_FORMERS ((int)(sizeof anion_formers / sizeof anion_formers[0]))

static int anion_rank(int z)
{
    for (int k = 0; k < N_ANION_FORMERS; k++)
        if (anion_formers[k].z == z) return k;
    return -1;
}

static int is_alkali(int z) { return z == 3 || z == 11 || z == 19 || z == 37 || z == 55; }
static int is_alkaline_earth(int z) { return z == 4 || z == 12 || z == 20 || z == 38 || z == 56; }

#define OX_MAX_EL 16
#define OX_MAX_STATES 12

typedef struct {
    int z;
    long count;
    int nst;
    int st[OX_MAX_STATES];
} ox_el;

/* Bonds within BV_BOND_CUTOFF (all images), found once. */
typedef struct {
    int i, j;
    double r;
} ox_bond;

static aion_status find_bonds(const aion_frame *f, ox_bond **out, long *nout, aion_error *err)
{
    double w[3], inv[3][3];
    int m[3];
    long nb = 0, cap = 0;
    ox_bond *b = NULL;
    aion_cell_widths(f->cell, w);
    if (aion_cell_inverse(f->cell, inv) != AION_OK) return aion_err_set(err, AION_ERR_NUMERIC, "singular cell");
    for (int k = 0; k < 3; k++) {
        m[k] = (int)ceil(BV_BOND_CUTOFF / w[k]) + 1;
        if (m[k] > 50) return aion_err_set(err, AION_ERR_INVALID, "cell too thin for bond-valence sums");
    }
    for (int i = 0; i < f->n; i++)
        for (int j = i; j < f->n; j++) {
            double d0[3];
            for (int c = 0; c < 3; c++) d0[c] = f->pos[j][c] - f->pos[i][c];
            /* minimum-image fractional shift first, then the image loop */
            double fr[3];
            for (int c = 0; c < 3; c++) fr[c] = d0[0] * inv[0][c] + d0[1] * inv[1][c] + d0[2] * inv[2][c];
            int s0[3];
            for (int c = 0; c < 3; c++) s0[c] = -(int)floor(fr[c] + 0.5);
            for (int a = -m[0]; a <= m[0]; a++)
                for (int bb = -m[1]; bb <= m[1]; bb++)
                    for (int c = -m[2]; c <= m[2]; c++) {
                        int s[3] = {s0[0] + a, s0[1] + bb, s0[2] + c};
                        double d[3];
                        for (int k = 0; k < 3; k++)
                            d[k] = d0[k] + s[0] * f->cell[0][k] + s[1] * f->cell[1][k] + s[2] * f->cell[2][k];
                        double r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                        if (r >= BV_BOND_CUTOFF || r < 1e-8) continue;
                        if (i == j && (s[0] < 0 || (s[0] == 0 && (s[1] < 0 || (s[1] == 0 && s[2] < 0)))))
                            continue; /* a self-image pair once */
                        if (nb == cap) {
                            long nc = cap ? 2 * cap : 1024;
                            ox_bond *q = aion_realloc_array(b, (size_t)nc, sizeof *q);
                            if (!q) {
                                free(b);
                                return aion_err_set(err, AION_ERR_NOMEM, "out of memory for bonds");
                            }
                            b = q;
                            cap = nc;
                        }
                        b[nb].i = i;
                        b[nb].j = j;
                        b[nb].r = r;
                        nb++;
                    }
        }
    *out = b;
    *nout = nb;
    return AION_OK;
}

/* Nearest tabulated cation state to a (fractional) state q. */
static int nearest_state(const ox_el *e, double q)
{
    int best = e->st[0];
    for (int k = 1; k < e->nst; k++)
        if (e->st[k] > 0 && (best <= 0 || fabs(e->st[k] - q) < fabs(best - q) - 1e-9)) best = e->st[k];
    return best;
}

/* GII of an assignment: q[e] per element (param[e]: the integer state used to
 * look parameters up). Bonds whose pair has no parameters contribute nothing,
 * which penalises assignments the table cannot describe. */
static double gii(const aion_bvse *b, const aion_frame *f, const int *el_of, const ox_el *el, const double *q,
                  const int *param, const ox_bond *bond, long nbond, double *bvs)
{
    int n = f->n;
    for (int i = 0; i < n; i++) bvs[i] = 0;
    for (long k = 0; k < nbond; k++) {
        int i = bond[k].i, j = bond[k].j, ei = el_of[i], ej = el_of[j];
        int c, a, ec, ea;
        if (q[ei] > 0 && q[ej] < 0)
            c = i, a = j, ec = ei, ea = ej;
        else if (q[ej] > 0 && q[ei] < 0)
            c = j, a = i, ec = ej, ea = ei;
        else
            continue;
        const bv_pair *p = find_pair(b, el[ec].z, param[ec], el[ea].z, param[ea]);
        if (!p) continue; /* no parameters: the bond adds nothing (its atoms' sums fall short) */
        double s = exp(p->alpha * (p->r0 - bond[k].r));
        bvs[c] += s;
        bvs[a] += s;
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double d = bvs[i] - fabs(q[el_of[i]]);
        sum += d * d;
    }
    return sqrt(sum / n);
}

static int ox_from_column(const aion_frame *f, double *ox, char *note, size_t cap, aion_error *err, int *used)
{
    const char *names[] = {"oxidation", "oxi_states", "oxidation_state"};
    aion_column *c = NULL;
    *used = 0;
    for (int k = 0; k < 3 && !c; k++) c = aion_frame_column_get(f, names[k]);
    if (!c || (c->kind != 'R' && c->kind != 'I') || c->ncols != 1 || !c->d) return 0;
    double sum = 0;
    for (int i = 0; i < f->n; i++) {
        if (c->d[i] == 0 || !isfinite(c->d[i])) return 0; /* incomplete: use the rule */
        sum += c->d[i];
    }
    if (fabs(sum) > 1e-3) {
        aion_err_set(err, AION_ERR_INVALID, "oxidation states given in the file are not charge-neutral (sum %+g)",
                     sum);
        return -1;
    }
    for (int i = 0; i < f->n; i++) ox[i] = c->d[i];
    if (note) snprintf(note, cap, "from the file (column '%s')", c->name);
    *used = 1;
    return 0;
}

aion_status aion_bvse_oxidation(const aion_bvse *b, const aion_frame *f, double *ox, char *note, size_t note_cap,
                                aion_error *err)
{
    ox_el el[OX_MAX_EL];
    int nel = 0, *el_of = NULL, used = 0;
    ox_bond *bond = NULL;
    long nbond = 0;
    double *bvs = NULL;
    aion_status st = AION_OK;
    if (note && note_cap) note[0] = 0;
    if (!b || !f || !ox) return aion_err_set(err, AION_ERR_INVALID, "NULL argument");
    if (!(f->has & AION_HAS_CELL) || f->n < 1)
        return aion_err_set(err, AION_ERR_INVALID, "oxidation states need a periodic crystal");
    if (ox_from_column(f, ox, note, note_cap, err, &used)) return err ? err->code : AION_ERR_INVALID;
    if (used) return AION_OK;

    el_of = malloc((size_t)f->n * sizeof *el_of);
    bvs = malloc((size_t)f->n * sizeof *bvs);
    if (!el_of || !bvs) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    int top_anion = -1; /* most electronegative anion former present */
    for (int i = 0; i < f->n; i++) {
        int z = f->z[i], e;
        for (e = 0; e < nel; e++)
            if (el[e].z == z) break;
        if (e == nel) {
            if (nel == OX_MAX_EL) {
                st = aion_err_set(err, AION_ERR_UNSUPPORTED, "more than %d elements", OX_MAX_EL);
                goto done;
            }
            if (z < 1 || z > AION_MAX_Z) {
                st = aion_err_set(err, AION_ERR_INVALID, "atom %d has no known element", i);
                goto done;
            }
            el[nel].z = z;
            el[nel].count = 0;
            el[nel].nst = 0;
            nel++;
            int r = anion_rank(z);
            if (r >= 0 && (top_anion < 0 || r < top_anion)) top_anion = r;
        }
        el[e].count++;
        el_of[i] = e;
    }
    if (top_anion < 0) {
        st = aion_err_set(err, AION_ERR_INVALID,
                          "cannot assign oxidation states: no anion former (F, O, Cl, N, Br, I, S, Se, Te) present");
        goto done;
    }
    for (int e = 0; e < nel; e++) {
        ox_el *E = &el[e];
        int z = E->z, r = anion_rank(z);
        if (is_alkali(z)) {
            E->st[E->nst++] = 1;
        } else if (is_alkaline_earth(z)) {
            E->st[E->nst++] = 2;
        } else if (z == 9 || r == top_anion) {
            E->st[E->nst++] = anion_formers[r].q;
        } else {
            if (r >= 0) E->st[E->nst++] = anion_formers[r].q;
            for (int k = 0; k < b->npair; k++)
                if (b->pair[k].zc == z) {
                    int q = b->pair[k].qc, seen = 0;
                    for (int s = 0; s < E->nst; s++) seen |= E->st[s] == q;
                    if (!seen && E->nst < OX_MAX_STATES) E->st[E->nst++] = q;
                }
        }
        if (E->nst == 0) {
            st = aion_err_set(err, AION_ERR_INVALID,
                              "cannot assign oxidation states: the bond-valence table knows no state of %s",
                              aion_element_symbol(z));
            goto done;
        }
    }
    long ncombo = 1;
    for (int e = 0; e < nel; e++) {
        ncombo *= el[e].nst;
        if (ncombo > BV_MAX_COMBOS) {
            st = aion_err_set(err, AION_ERR_UNSUPPORTED, "too many oxidation-state combinations to rank");
            goto done;
        }
    }
    if ((st = find_bonds(f, &bond, &nbond, err)) != AION_OK) goto done;

    double best = INFINITY, q[OX_MAX_EL], bestq[OX_MAX_EL];
    int param[OX_MAX_EL], frac_el = -1, best_frac = -1;
    /* pass 0: tabulated integer states; pass 1: one element at a fractional
     * mean state; pass 2: one element at an untabulated integer state */
    for (int pass = 0; pass < 3 && !isfinite(best); pass++) {
        for (int fe = (pass ? 0 : -1); fe < (pass ? nel : 0); fe++) {
            if (pass) {
                int npos = 0;
                for (int s = 0; s < el[fe].nst; s++) npos += el[fe].st[s] > 0;
                if (npos < 2) continue;
            }
            for (long c = 0; c < ncombo; c++) {
                long rest = c;
                long charge = 0;
                int skip = 0;
                for (int e = 0; e < nel; e++) {
                    int s = (int)(rest % el[e].nst);
                    rest /= el[e].nst;
                    if (e == fe) {
                        if (s) skip = 1; /* enumerate the others once */
                        continue;
                    }
                    param[e] = el[e].st[s];
                    q[e] = param[e];
                    charge += (long)param[e] * el[e].count;
                }
                if (skip) continue;
                if (fe < 0) {
                    if (charge != 0) continue;
                } else {
                    double qf = -(double)charge / (double)el[fe].count;
                    int lo = 99, hi = -99;
                    for (int s = 0; s < el[fe].nst; s++)
                        if (el[fe].st[s] > 0) lo = AION_MIN(lo, el[fe].st[s]), hi = AION_MAX(hi, el[fe].st[s]);
                    if (!(qf > lo && qf < hi)) continue;
                    int tabulated = 0;
                    for (int s2 = 0; s2 < el[fe].nst; s2++) tabulated |= fabs(el[fe].st[s2] - qf) < 1e-9;
                    if (tabulated) continue; /* pass 0 had it */
                    int integral = fabs(qf - floor(qf + 0.5)) < 1e-9;
                    if (integral != (pass == 2)) continue;
                    q[fe] = qf;
                    param[fe] = nearest_state(&el[fe], qf);
                }
                double g = gii(b, f, el_of, el, q, param, bond, nbond, bvs);
                if (g < best - 1e-12) {
                    best = g;
                    memcpy(bestq, q, sizeof q);
                    best_frac = fe;
                }
            }
        }
    }
    frac_el = best_frac;
    if (!isfinite(best)) {
        char comp[256];
        aion_frame_formula(f, 1, comp, sizeof comp);
        st = aion_err_set(err, AION_ERR_INVALID,
                          "cannot assign oxidation states to %s: no charge-neutral combination of tabulated states "
                          "with bond-valence parameters (give them in the file)",
                          comp);
        goto done;
    }
    for (int i = 0; i < f->n; i++) ox[i] = bestq[el_of[i]];
    if (note && note_cap) {
        aion_strbuf sb;
        aion_sb_init(&sb);
        aion_sb_puts(&sb, frac_el >= 0 ? "assigned (mixed valence):" : "assigned:");
        for (int e = 0; e < nel; e++) {
            if (e == frac_el)
                aion_sb_printf(&sb, " %s%+.3f", aion_element_symbol(el[e].z), bestq[e]);
            else
                aion_sb_printf(&sb, " %s%+d", aion_element_symbol(el[e].z), (int)bestq[e]);
        }
        aion_sb_printf(&sb, ", GII %.3f v.u.", best);
        snprintf(note, note_cap, "%s", sb.s ? sb.s : "");
        aion_sb_free(&sb);
    }
done:
    free(el_of);
    free(bvs);
    free(bond);
    return st;
}

/* ------------------------------------------------------------------ */
/* BVSE terms and site energies                                        */
/* ------------------------------------------------------------------ */

aion_status pes_bvse_terms(const aion_bvse *b, const aion_frame *f, const double *ox, int mz, double mq,
                           const unsigned char *use, double cutoff, double tol_eV, pes_term **terms, aion_error *err)
{
    pes_term *t = aion_calloc((size_t)(f->n > 0 ? f->n : 1), sizeof *t);
    int nm = aion_bvse_quantum_n(b, mz);
    double rcm = aion_element_covalent_radius(mz);
    *terms = NULL;
    if (!t) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    if (mq == 0 || mq != floor(mq)) {
        free(t);
        return aion_err_set(err, AION_ERR_INVALID, "mobile-ion charge %g is not a nonzero integer", mq);
    }
    for (int j = 0; j < f->n; j++) {
        pes_term *T = &t[j];
        T->kind = -1;
        if (use && !use[j]) continue;
        double q = ox[j];
        if (q * mq < 0) {
            /* counter-ion: Morse with the mobile ion as the cation (or anion) */
            const bv_pair *p = mq > 0 ? find_pair(b, mz, (int)mq, f->z[j], (int)lround(q))
                                      : find_pair(b, f->z[j], (int)lround(q), mz, (int)mq);
            if (!p) {
                free(t);
                return aion_err_set(err, AION_ERR_INVALID, "no softBV parameters for %s%+d with %s%+d",
                                    aion_element_symbol(mz), (int)mq, aion_element_symbol(f->z[j]),
                                    (int)lround(q));
            }
            T->kind = PES_MORSE;
            T->p0 = 0.5 * p->d0;
            T->p1 = p->alpha;
            T->p2 = p->rmin;
            /* |e| ≈ D0 exp(α (r_min − r)) in the tail */
            double rt = p->rmin + log(p->d0 / tol_eV) / p->alpha;
            rt = AION_MIN(rt, cutoff);
            T->rc2 = rt * rt;
        } else if (q * mq > 0) {
            int nj = aion_bvse_quantum_n(b, f->z[j]);
            double rcj = aion_element_covalent_radius(f->z[j]);
            if (!nm || !nj || rcm <= 0 || rcj <= 0) {
                free(t);
                return aion_err_set(err, AION_ERR_INVALID, "no principal quantum number or radius for %s or %s",
                                    aion_element_symbol(mz), aion_element_symbol(f->z[j]));
            }
            T->kind = PES_COULOMB;
            T->p0 = AION_COULOMB_EV_A * mq * q / sqrt((double)nm * nj);
            T->p1 = 1.0 / (BVSE_F * (rcm + rcj));
            /* range where p0 erfc(p1 r)/r falls below tol */
            double r = 1.0;
            while (r < cutoff && fabs(T->p0) * erfc(T->p1 * r) / r > tol_eV) r += 0.05;
            r = AION_MIN(r, cutoff);
            T->rc2 = r * r;
        }
    }
    *terms = t;
    return AION_OK;
}

aion_status aion_bvse_site_energy(const aion_bvse *b, const aion_frame *f, const double *ox, int mz, double mq,
                                  const unsigned char *skip, const double x[3], double cutoff, double *e,
                                  aion_error *err)
{
    pes_term *t = NULL;
    unsigned char *use = NULL;
    double w[3], inv[3][3];
    aion_status st;
    *e = NAN;
    if (!(f->has & AION_HAS_CELL)) return aion_err_set(err, AION_ERR_INVALID, "BVSE needs a periodic cell");
    if (aion_cell_inverse(f->cell, inv) != AION_OK) return aion_err_set(err, AION_ERR_NUMERIC, "singular cell");
    if (skip) {
        use = malloc((size_t)f->n);
        if (!use) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        for (int j = 0; j < f->n; j++) use[j] = !skip[j];
    }
    /* the direct sum keeps every term up to the cutoff (tolerance 0) */
    st = pes_bvse_terms(b, f, ox, mz, mq, use, cutoff, 1e-300, &t, err);
    free(use);
    if (st != AION_OK) return st;
    aion_cell_widths(f->cell, w);
    int m[3];
    for (int k = 0; k < 3; k++) m[k] = (int)ceil(cutoff / w[k]) + 1;
    double sum = 0;
    for (int j = 0; j < f->n; j++) {
        if (t[j].kind < 0) continue;
        double d0[3], fr[3];
        for (int c = 0; c < 3; c++) d0[c] = f->pos[j][c] - x[c];
        for (int c = 0; c < 3; c++) fr[c] = d0[0] * inv[0][c] + d0[1] * inv[1][c] + d0[2] * inv[2][c];
        int s0[3];
        for (int c = 0; c < 3; c++) s0[c] = -(int)floor(fr[c] + 0.5);
        for (int a = -m[0]; a <= m[0]; a++)
            for (int bb = -m[1]; bb <= m[1]; bb++)
                for (int c = -m[2]; c <= m[2]; c++) {
                    double d[3];
                    int s[3] = {s0[0] + a, s0[1] + bb, s0[2] + c};
                    for (int k = 0; k < 3; k++)
                        d[k] = d0[k] + s[0] * f->cell[0][k] + s[1] * f->cell[1][k] + s[2] * f->cell[2][k];
                    double r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
                    if (r2 >= t[j].rc2 || r2 < 1e-16) continue;
                    sum += pes_term_energy(&t[j], sqrt(r2));
                }
    }
    free(t);
    *e = sum;
    return AION_OK;
}
