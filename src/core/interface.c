/*
 * Metal || glass interface models: a bcc metal slab with its (100) or (110)
 * face normal to z, strained laterally onto an orthorhombic glass cell, and
 * stacked with the glass along z (periodic: two interfaces; with vacuum: one).
 *
 * bcc surface cells (lattice parameter a; x, y in the surface, z the normal):
 *  - (100): square cell a × a, one atom per plane; planes a/2 apart, alternate
 *    planes shifted by (a/2, a/2). Nearest neighbours a·√3/2 between planes.
 *  - (110): rectangular cell a√2 ([1-10]) × a ([001]), two atoms per plane at
 *    (0, 0) and (a√2/2, a/2); planes a/√2 apart, alternate planes at (0, a/2)
 *    and (a√2/2, 0). (From the conventional cell by x' = (x − y)/√2, y' = z,
 *    z' = (x + y)/√2.) The swapped orientation (a × a√2) is also tried.
 * Lateral match: n_i = the integer ≥ 1 nearest to L_i/p_i that minimises
 * |L_i/(n_i p_i) − 1| (floor or ceiling), L_i the glass cell length, p_i the
 * surface period; the metal is strained by that amount, the glass is not.
 *
 * Glass cut: positions are wrapped into the cell and the cut is put in the
 * middle of the widest empty height interval (periodic along c). With `whole`,
 * covalent units (connected components of bonds d < 1.15 (r_i + r_j), Cordero
 * radii, ignoring atoms of groups 1-2) are moved by whole cell heights so that
 * each unit's mean height lies above the cut: no P–O bond of a PO4 is broken.
 *
 * Lattice parameter of Li: bcc Li is metastable below ~75 K (martensitic
 * transition to a close-packed phase); a = 3.44 Å is its low-temperature value
 * (3.451 Å at 78 K: Berliner, Fajen, Smith, Hitterman, Phys. Rev. B 40, 12086
 * (1989), doi:10.1103/PhysRevB.40.12086; 3.509 Å at room temperature) and the
 * usual PBE value (3.43–3.44 Å).
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LI_A_DEFAULT 3.44
#define BOND_SCALE 1.15

void aion_interface_opts_init(aion_interface_opts *o)
{
    memset(o, 0, sizeof *o);
    o->metal_z = 3;
    o->face = 100;
    o->layers = 6;
    o->gap_A = 2.0;
    o->whole = 1;
    o->max_rep = 64;
    o->max_strain = 0.05;
}

/* Surface cell of a bcc face: periods p[2] along x, y, spacing, atoms per
 * plane (na), in-plane positions of even and odd planes (fractions of p). */
typedef struct {
    double p[2], d;
    int na;
    double even[2][2], odd[2][2];
} surf_cell;

static int surf_cell_make(int face, double a, int swap, surf_cell *s)
{
    memset(s, 0, sizeof *s);
    if (face == 100) {
        s->p[0] = s->p[1] = a;
        s->d = 0.5 * a;
        s->na = 1;
        s->odd[0][0] = s->odd[0][1] = 0.5;
        return 0;
    }
    if (face == 110) {
        int ix = swap ? 1 : 0, iy = 1 - ix; /* ix: index of the a√2 direction */
        s->p[ix] = a * sqrt(2.0);
        s->p[iy] = a;
        s->d = a / sqrt(2.0);
        s->na = 2;
        s->even[1][0] = s->even[1][1] = 0.5;
        s->odd[0][iy] = 0.5; /* (0, a/2) in the unswapped frame */
        s->odd[1][ix] = 0.5; /* (a√2/2, 0) */
        return 0;
    }
    return -1;
}

static void best_rep(double L, double p, int max_rep, int *n, double *strain)
{
    int lo = (int)floor(L / p), best = 1;
    double be = INFINITY;
    for (int c = lo; c <= lo + 1; c++) {
        if (c < 1 || c > max_rep) continue;
        double e = L / (c * p) - 1.0;
        if (fabs(e) < fabs(be)) be = e, best = c;
    }
    if (!isfinite(be)) { /* even 1 or max_rep is out of range: take the nearest bound */
        best = lo < 1 ? 1 : max_rep;
        be = L / (best * p) - 1.0;
    }
    *n = best;
    *strain = be;
}

/* Fill pos/z of atoms [off, off + count) with the metal: planes k = 0..layers-1
 * at height z0 + k d, lateral cell lengths Lx, Ly (strained surface cells). */
static void put_metal(aion_frame *f, int off, int zmetal, const surf_cell *s, int n1, int n2, int layers,
                      double Lx, double Ly, double z0)
{
    int m = off;
    for (int k = 0; k < layers; k++) {
        const double(*pat)[2] = (k % 2) ? s->odd : s->even;
        for (int i = 0; i < n1; i++)
            for (int j = 0; j < n2; j++)
                for (int q = 0; q < s->na; q++) {
                    f->pos[m][0] = (i + pat[q][0]) * Lx / n1;
                    f->pos[m][1] = (j + pat[q][1]) * Ly / n2;
                    f->pos[m][2] = z0 + k * s->d;
                    f->z[m] = zmetal;
                    m++;
                }
    }
}

aion_status aion_build_bcc_slab(int metal_z, double a_A, int face, int n1, int n2, int layers, double vacuum_A,
                                aion_frame *out, aion_error *err)
{
    surf_cell s;
    aion_status st;
    if (!out) return aion_err_set(err, AION_ERR_INVALID, "bcc slab: bad arguments");
    if (metal_z < 1 || metal_z > AION_MAX_Z) return aion_err_set(err, AION_ERR_INVALID, "bcc slab: unknown element Z=%d", metal_z);
    if (!(a_A > 0) || !isfinite(a_A)) return aion_err_set(err, AION_ERR_INVALID, "bcc slab: lattice parameter must be positive (got %g)", a_A);
    if (surf_cell_make(face, a_A, 0, &s)) return aion_err_set(err, AION_ERR_INVALID, "bcc slab: face must be 100 or 110 (got %d)", face);
    if (n1 < 1 || n2 < 1 || n1 > 10000 || n2 > 10000) return aion_err_set(err, AION_ERR_INVALID, "bcc slab: repetitions %d x %d out of range", n1, n2);
    if (layers < 1 || layers > 100000) return aion_err_set(err, AION_ERR_INVALID, "bcc slab: %d layers out of range", layers);
    if (!(vacuum_A >= 0) || !isfinite(vacuum_A)) return aion_err_set(err, AION_ERR_INVALID, "bcc slab: vacuum must be >= 0 (got %g)", vacuum_A);
    if (vacuum_A == 0 && layers % 2)
        return aion_err_set(err, AION_ERR_INVALID, "bcc slab: a periodic crystal (no vacuum) needs an even number of layers (got %d)", layers);
    long n = (long)n1 * n2 * layers * s.na;
    if (n > 100000000L) return aion_err_set(err, AION_ERR_INVALID, "bcc slab: %ld atoms is too many", n);
    aion_frame_free(out);
    if ((st = aion_frame_resize(out, (int)n, AION_HAS_CELL)))
        return aion_err_set(err, st, "bcc slab: out of memory");
    double Lx = n1 * s.p[0], Ly = n2 * s.p[1];
    memset(out->cell, 0, sizeof out->cell);
    out->cell[0][0] = Lx;
    out->cell[1][1] = Ly;
    out->cell[2][2] = layers * s.d + vacuum_A;
    out->pbc[0] = out->pbc[1] = out->pbc[2] = 1;
    put_metal(out, 0, metal_z, &s, n1, n2, layers, Lx, Ly, 0.5 * vacuum_A);
    return AION_OK;
}

static int is_network_former(int z)
{
    /* groups 1 and 2 (and H) are left out of the bond graph: they are the
     * modifier ions whose bonds a cut may break */
    static const int mod[] = {1, 3, 4, 11, 12, 19, 20, 37, 38, 55, 56, 87, 88};
    for (size_t k = 0; k < sizeof mod / sizeof mod[0]; k++)
        if (z == mod[k]) return 0;
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double mic(double d, double L) { return d - L * nearbyint(d / L); }

/* Heights of the glass atoms after the cut (in [0, ...), lowest atom near 0).
 * Returns 0, or -1 with a message (percolating network), -2 out of memory. */
static int glass_heights(const aion_frame *g, int whole, double *h, int *moved, aion_error *err)
{
    int n = g->n, ret = -2;
    double L[3] = {g->cell[0][0], g->cell[1][1], g->cell[2][2]};
    double *zs = NULL, *zu = NULL;
    int *comp = NULL, *queue = NULL, *ncomp_atoms = NULL;
    double *csum = NULL;
    *moved = 0;
    zs = aion_calloc((size_t)n + 1, sizeof *zs);
    zu = aion_calloc((size_t)n + 1, sizeof *zu);
    if (!zs || !zu) goto fail;
    for (int i = 0; i < n; i++) {
        double z = fmod(g->pos[i][2], L[2]);
        if (z < 0) z += L[2];
        if (z >= L[2]) z = 0;
        zs[i] = zu[i] = z;
    }
    /* widest empty interval along c (periodic) */
    {
        double *srt = aion_calloc((size_t)n + 1, sizeof *srt), best = -1, cut = 0;
        if (!srt) goto fail;
        memcpy(srt, zs, sizeof *srt * (size_t)n);
        qsort(srt, (size_t)n, sizeof *srt, cmp_double);
        for (int i = 0; i < n; i++) {
            double lo = srt[i], hi = (i + 1 < n) ? srt[i + 1] : srt[0] + L[2];
            if (hi - lo > best) best = hi - lo, cut = 0.5 * (lo + hi);
        }
        free(srt);
        cut = fmod(cut, L[2]);
        for (int i = 0; i < n; i++) {
            zu[i] = zs[i] - cut;
            if (zu[i] < 0) zu[i] += L[2];
            zs[i] = zu[i];
        }
    }
    if (whole) {
        int nc = 0;
        comp = malloc(sizeof *comp * (size_t)(n + 1));
        queue = malloc(sizeof *queue * (size_t)(n + 1));
        if (!comp || !queue) goto fail;
        for (int i = 0; i < n; i++) comp[i] = -1;
        for (int r = 0; r < n; r++) {
            if (comp[r] >= 0 || !is_network_former(g->z[r])) continue;
            int qh = 0, qt = 0;
            queue[qt++] = r;
            comp[r] = nc;
            while (qh < qt) {
                int i = queue[qh++];
                double ri = aion_element_covalent_radius(g->z[i]);
                for (int j = 0; j < n; j++) {
                    if (j == i || !is_network_former(g->z[j])) continue;
                    double dx = mic(g->pos[j][0] - g->pos[i][0], L[0]);
                    double dy = mic(g->pos[j][1] - g->pos[i][1], L[1]);
                    double dz = mic(zs[j] - zu[i], L[2]);
                    double rc = BOND_SCALE * (ri + aion_element_covalent_radius(g->z[j]));
                    if (dx * dx + dy * dy + dz * dz >= rc * rc) continue;
                    double want = zu[i] + dz; /* j's height next to i */
                    if (comp[j] < 0) {
                        comp[j] = nc;
                        zu[j] = want;
                        queue[qt++] = j;
                    } else if (fabs(zu[j] - want) > 0.5 * L[2]) {
                        aion_err_set(err, AION_ERR_INVALID,
                                     "interface: the glass network percolates along c (atoms %d and %d are bonded "
                                     "across the cell), so no cut keeps its units whole; use whole = 0 "
                                     "(--no-whole) to cut bonds", i + 1, j + 1);
                        ret = -1;
                        goto fail;
                    }
                }
            }
            nc++;
        }
        csum = aion_calloc((size_t)nc + 1, sizeof *csum);
        ncomp_atoms = aion_calloc((size_t)nc + 1, sizeof *ncomp_atoms);
        if (!csum || !ncomp_atoms) goto fail;
        for (int i = 0; i < n; i++)
            if (comp[i] >= 0) csum[comp[i]] += zu[i], ncomp_atoms[comp[i]]++;
        for (int c = 0; c < nc; c++) {
            double mean = csum[c] / ncomp_atoms[c];
            double shift = -L[2] * floor(mean / L[2]);
            int mv = 0;
            for (int i = 0; i < n; i++)
                if (comp[i] == c) {
                    zu[i] += shift;
                    if (fabs(zu[i] - zs[i]) > 1e-9) mv = 1;
                }
            *moved += mv;
        }
    }
    {
        double zmin = INFINITY;
        for (int i = 0; i < n; i++) zmin = fmin(zmin, zu[i]);
        for (int i = 0; i < n; i++) h[i] = zu[i] - zmin;
    }
    ret = 0;
fail:
    if (ret == -2) aion_err_set(err, AION_ERR_NOMEM, "interface: out of memory");
    free(zs);
    free(zu);
    free(comp);
    free(queue);
    free(csum);
    free(ncomp_atoms);
    return ret;
}

static aion_status set_num(aion_frame *f, const char *key, double a)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.6g", a);
    return aion_frame_info_set(f, key, buf);
}

static aion_status set_pair(aion_frame *f, const char *key, double a, double b)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%.6f,%.6f", a, b);
    return aion_frame_info_set(f, key, buf);
}

aion_status aion_build_interface(const aion_frame *glass, const aion_interface_opts *o, aion_frame *out,
                                 aion_interface_info *info, aion_error *err)
{
    aion_interface_opts d;
    aion_interface_info inf;
    surf_cell s;
    aion_status st = AION_OK;
    double *h = NULL;
    if (!glass || !out) return aion_err_set(err, AION_ERR_INVALID, "interface: bad arguments");
    if (!o) {
        aion_interface_opts_init(&d);
        o = &d;
    }
    memset(&inf, 0, sizeof inf);
    /* checks */
    if (o->metal_z < 1 || o->metal_z > AION_MAX_Z || !aion_element_mass(o->metal_z))
        return aion_err_set(err, AION_ERR_INVALID, "interface: unknown metal element Z=%d", o->metal_z);
    double a = o->a_A;
    if (a == 0 && o->metal_z == 3) a = LI_A_DEFAULT;
    if (a == 0)
        return aion_err_set(err, AION_ERR_INVALID, "interface: give the bcc lattice parameter of %s (only Li has a default)",
                            aion_element_symbol(o->metal_z));
    if (!(a > 0.5) || !(a < 20) || !isfinite(a))
        return aion_err_set(err, AION_ERR_INVALID, "interface: lattice parameter %g Å is not plausible", a);
    if (o->face != 100 && o->face != 110)
        return aion_err_set(err, AION_ERR_INVALID, "interface: face must be 100 or 110 (got %d)", o->face);
    if (o->layers < 2 || o->layers > 10000)
        return aion_err_set(err, AION_ERR_INVALID, "interface: the metal needs at least 2 layers (got %d)", o->layers);
    if (!(o->gap_A > 0) || !isfinite(o->gap_A) || o->gap_A > 100)
        return aion_err_set(err, AION_ERR_INVALID, "interface: gap must be in (0, 100] Å (got %g)", o->gap_A);
    if (!(o->vacuum_A >= 0) || !isfinite(o->vacuum_A) || o->vacuum_A > 1000)
        return aion_err_set(err, AION_ERR_INVALID, "interface: vacuum must be in [0, 1000] Å (got %g)", o->vacuum_A);
    if (!(o->max_strain > 0) || !isfinite(o->max_strain))
        return aion_err_set(err, AION_ERR_INVALID, "interface: max_strain must be positive (got %g)", o->max_strain);
    int max_rep = o->max_rep > 0 ? o->max_rep : 64;
    if (glass->n < 1) return aion_err_set(err, AION_ERR_INVALID, "interface: the glass has no atoms");
    if (!(glass->has & AION_HAS_CELL) || !glass->pbc[0] || !glass->pbc[1] || !glass->pbc[2])
        return aion_err_set(err, AION_ERR_INVALID, "interface: the glass must be periodic in 3D with a cell");
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (i != j && fabs(glass->cell[i][j]) > 1e-6 * fabs(glass->cell[i][i]))
                return aion_err_set(err, AION_ERR_INVALID,
                                    "interface: the glass cell must be orthorhombic with a along x, b along y, c along "
                                    "z (cell[%d][%d] = %g)", i, j, glass->cell[i][j]);
    double L[3] = {glass->cell[0][0], glass->cell[1][1], glass->cell[2][2]};
    if (!(L[0] > 0 && L[1] > 0 && L[2] > 0))
        return aion_err_set(err, AION_ERR_INVALID, "interface: the glass cell lengths must be positive");
    for (int i = 0; i < glass->n; i++) {
        if (glass->z[i] < 1 || glass->z[i] > AION_MAX_Z)
            return aion_err_set(err, AION_ERR_INVALID, "interface: glass atom %d has an unknown element", i + 1);
        for (int x = 0; x < 3; x++)
            if (!isfinite(glass->pos[i][x]))
                return aion_err_set(err, AION_ERR_INVALID, "interface: glass atom %d has a non-finite position", i + 1);
    }
    /* lateral match */
    {
        double best = INFINITY;
        for (int sw = 0; sw < (o->face == 110 ? 2 : 1); sw++) {
            surf_cell c;
            int n1, n2;
            double e1, e2;
            surf_cell_make(o->face, a, sw, &c);
            best_rep(L[0], c.p[0], max_rep, &n1, &e1);
            best_rep(L[1], c.p[1], max_rep, &n2, &e2);
            double w = fmax(fabs(e1), fabs(e2));
            if (w < best - 1e-12) {
                best = w;
                s = c;
                inf.rep[0] = n1, inf.rep[1] = n2;
                inf.strain[0] = e1, inf.strain[1] = e2;
            }
        }
        inf.period_A[0] = s.p[0];
        inf.period_A[1] = s.p[1];
        inf.spacing_A = s.d;
        if (best > o->max_strain)
            return aion_err_set(err, AION_ERR_INVALID,
                                "interface: the glass cell (%.4f x %.4f Å) fits %d x %d (%g) surface cells of %.4f x "
                                "%.4f Å only with lateral strains %.2f %% and %.2f %% (limit %.2f %%): change the glass "
                                "cell's a and b, the lattice parameter or max_strain",
                                L[0], L[1], inf.rep[0], inf.rep[1], (double)o->face, s.p[0], s.p[1],
                                100 * inf.strain[0], 100 * inf.strain[1], 100 * o->max_strain);
    }
    long nm = (long)inf.rep[0] * inf.rep[1] * o->layers * s.na;
    if (nm + glass->n > 100000000L) return aion_err_set(err, AION_ERR_INVALID, "interface: %ld atoms is too many", nm + glass->n);
    inf.n_metal = (int)nm;
    inf.n_glass = glass->n;
    /* glass heights */
    if (!(h = aion_calloc((size_t)glass->n, sizeof *h))) return aion_err_set(err, AION_ERR_NOMEM, "interface: out of memory");
    {
        int r = glass_heights(glass, o->whole, h, &inf.units_whole, err);
        if (r) {
            st = r == -1 ? AION_ERR_INVALID : AION_ERR_NOMEM;
            goto fail;
        }
    }
    double hg = 0;
    for (int i = 0; i < glass->n; i++) hg = fmax(hg, h[i]);
    double tm = (o->layers - 1) * s.d, g = o->gap_A;
    double zm0 = o->vacuum_A > 0 ? 0.5 * o->vacuum_A : 0.5 * g;
    double zg0 = zm0 + tm + g;
    double c = o->vacuum_A > 0 ? o->vacuum_A + tm + g + hg : tm + 2 * g + hg;
    inf.metal_z_A[0] = zm0;
    inf.metal_z_A[1] = zm0 + tm;
    inf.glass_z_A[0] = zg0;
    inf.glass_z_A[1] = zg0 + hg;
    inf.c_A = c;
    /* assemble */
    aion_frame_free(out);
    if ((st = aion_frame_resize(out, (int)(nm + glass->n), AION_HAS_CELL))) {
        aion_err_set(err, st, "interface: out of memory");
        goto fail;
    }
    memset(out->cell, 0, sizeof out->cell);
    out->cell[0][0] = L[0];
    out->cell[1][1] = L[1];
    out->cell[2][2] = c;
    out->pbc[0] = out->pbc[1] = out->pbc[2] = 1;
    put_metal(out, 0, o->metal_z, &s, inf.rep[0], inf.rep[1], o->layers, L[0], L[1], zm0);
    for (int i = 0; i < glass->n; i++) {
        int m = (int)nm + i;
        for (int x = 0; x < 2; x++) {
            double v = fmod(glass->pos[i][x], L[x]);
            out->pos[m][x] = v < 0 ? v + L[x] : v;
        }
        out->pos[m][2] = zg0 + h[i];
        out->z[m] = glass->z[i];
    }
    /* smallest metal–glass distance (minimum image; brute force) */
    inf.min_dist_A = INFINITY;
    for (int i = 0; i < (int)nm; i++)
        for (int j = (int)nm; j < out->n; j++) {
            double d2 = 0;
            for (int x = 0; x < 3; x++) {
                double dd = mic(out->pos[j][x] - out->pos[i][x], out->cell[x][x]);
                d2 += dd * dd;
            }
            if (d2 < inf.min_dist_A * inf.min_dist_A) inf.min_dist_A = sqrt(d2);
        }
    {
        aion_column *col = aion_frame_column_add(out, "region", 'I', 1);
        char buf[64];
        if (!col) {
            st = aion_err_set(err, AION_ERR_NOMEM, "interface: out of memory");
            goto fail;
        }
        for (int i = 0; i < out->n; i++) col->d[i] = i < nm ? 0 : 1;
        snprintf(buf, sizeof buf, "bcc(%d)", o->face);
        if (aion_frame_info_set(out, "interface_face", buf) ||
            set_num(out, "interface_strain_a", inf.strain[0]) ||
            set_num(out, "interface_strain_b", inf.strain[1]) ||
            set_pair(out, "interface_metal_z_A", inf.metal_z_A[0], inf.metal_z_A[1]) ||
            set_pair(out, "interface_glass_z_A", inf.glass_z_A[0], inf.glass_z_A[1]) ||
            set_num(out, "interface_gap_A", g) ||
            set_num(out, "interface_vacuum_A", o->vacuum_A)) {
            st = aion_err_set(err, AION_ERR_NOMEM, "interface: out of memory");
            goto fail;
        }
    }
    if (info) *info = inf;
fail:
    free(h);
    if (st) aion_frame_free(out);
    return st;
}
