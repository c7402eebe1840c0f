/*
 * Probe support: a cell list of the frozen framework with periodic images
 * (neighbours of arbitrary points), lattice vectors within a radius, and the
 * fallback of aion_potential_probe (one full evaluation per point). See
 * probe.h.
 */
#include "probe.h"
#include "potential.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_MAX_IMAGES 50000000L

void probe_cells_free(probe_cells *pc)
{
    if (!pc) return;
    free(pc->x);
    free(pc->owner);
    free(pc->home);
    free(pc->start);
    memset(pc, 0, sizeof *pc);
}

void probe_nbrs_free(probe_nbrs *nb)
{
    if (!nb) return;
    free(nb->d);
    free(nb->r2);
    free(nb->j);
    memset(nb, 0, sizeof *nb);
}

static inline void to_frac(const double inv[3][3], const double x[3], double s[3])
{
    for (int d = 0; d < 3; d++) s[d] = x[0] * inv[0][d] + x[1] * inv[1][d] + x[2] * inv[2][d];
}

static inline int bin_of(const probe_cells *pc, int d, double s)
{
    int b = (int)floor((s + pc->pad[d]) / pc->h[d]);
    return b < 0 ? 0 : b >= pc->nb[d] ? pc->nb[d] - 1 : b;
}

aion_status probe_cells_build(probe_cells *pc, const aion_frame *f, int skip, double rc, aion_error *err)
{
    const int n = f->n;
    int *bin = NULL;
    double(*tx)[3] = NULL;
    int *town = NULL;
    unsigned char *thome = NULL;
    memset(pc, 0, sizeof *pc);
    if (!(f->has & AION_HAS_CELL) || !f->pbc[0] || !f->pbc[1] || !f->pbc[2])
        return aion_err_set(err, AION_ERR_INVALID, "probe: needs a cell periodic in 3D");
    if (!(rc > 0) || !isfinite(rc)) return aion_err_set(err, AION_ERR_INVALID, "probe: bad search radius %g", rc);
    memcpy(pc->cell, f->cell, sizeof pc->cell);
    if (aion_cell_inverse(f->cell, pc->inv) != AION_OK) return aion_err_set(err, AION_ERR_NUMERIC, "probe: singular cell");
    pc->rc = rc;
    double reach[3], ext[3];
    for (int d = 0; d < 3; d++) {
        double bl = sqrt(pc->inv[0][d] * pc->inv[0][d] + pc->inv[1][d] * pc->inv[1][d] + pc->inv[2][d] * pc->inv[2][d]);
        reach[d] = rc * bl;
        pc->pad[d] = reach[d] * (1.0 + 1e-9) + 1e-9;
        ext[d] = 1.0 + 2.0 * pc->pad[d];
    }
    /* count the images */
    long cnt = 0;
    for (int j = 0; j < n; j++) {
        if (j == skip) continue;
        double s[3];
        long c = 1;
        to_frac(pc->inv, f->pos[j], s);
        for (int d = 0; d < 3; d++) {
            if (!isfinite(s[d])) return aion_err_set(err, AION_ERR_INVALID, "probe: atom %d has a non-finite position", j + 1);
            double w = s[d] - floor(s[d]);
            long lo = (long)ceil(-pc->pad[d] - w), hi = (long)floor(1.0 + pc->pad[d] - w);
            c *= hi >= lo ? hi - lo + 1 : 0;
        }
        cnt += c;
        if (cnt > PROBE_MAX_IMAGES)
            return aion_err_set(err, AION_ERR_INVALID, "probe: cutoff %g Å needs more than %ld periodic images", rc,
                                PROBE_MAX_IMAGES);
    }
    /* bins about rc/2 wide (in plane spacings), at most ~4 per image */
    long cap_bins = AION_MAX(4 * cnt, 64);
    for (int d = 0; d < 3; d++) {
        double nbd = floor(ext[d] / (0.5 * reach[d]));
        pc->nb[d] = nbd < 1 ? 1 : nbd > 1024 ? 1024 : (int)nbd;
    }
    while ((long)pc->nb[0] * pc->nb[1] * pc->nb[2] > cap_bins) {
        int a = pc->nb[0] >= pc->nb[1] && pc->nb[0] >= pc->nb[2] ? 0 : pc->nb[1] >= pc->nb[2] ? 1 : 2;
        pc->nb[a] = (pc->nb[a] + 1) / 2;
    }
    for (int d = 0; d < 3; d++) pc->h[d] = ext[d] / pc->nb[d];
    long nbins = (long)pc->nb[0] * pc->nb[1] * pc->nb[2];
    pc->start = aion_calloc((size_t)nbins + 1, sizeof *pc->start);
    tx = malloc((size_t)(cnt ? cnt : 1) * sizeof *tx);
    town = malloc((size_t)(cnt ? cnt : 1) * sizeof *town);
    thome = malloc((size_t)(cnt ? cnt : 1));
    bin = malloc((size_t)(cnt ? cnt : 1) * sizeof *bin);
    pc->x = malloc((size_t)(cnt ? cnt : 1) * sizeof *pc->x);
    pc->owner = malloc((size_t)(cnt ? cnt : 1) * sizeof *pc->owner);
    pc->home = malloc((size_t)(cnt ? cnt : 1));
    if (!pc->start || !tx || !town || !thome || !bin || !pc->x || !pc->owner || !pc->home) goto nomem;
    long q = 0;
    for (int j = 0; j < n; j++) {
        if (j == skip) continue;
        double s[3], fl[3], base[3];
        long lo[3], hi[3];
        to_frac(pc->inv, f->pos[j], s);
        for (int d = 0; d < 3; d++) {
            fl[d] = floor(s[d]);
            double w = s[d] - fl[d];
            lo[d] = (long)ceil(-pc->pad[d] - w);
            hi[d] = (long)floor(1.0 + pc->pad[d] - w);
        }
        /* the atom wrapped into the cell: r − floor(s)·L */
        for (int c = 0; c < 3; c++)
            base[c] = f->pos[j][c] - fl[0] * f->cell[0][c] - fl[1] * f->cell[1][c] - fl[2] * f->cell[2][c];
        for (long a = lo[0]; a <= hi[0]; a++)
            for (long b = lo[1]; b <= hi[1]; b++)
                for (long c = lo[2]; c <= hi[2]; c++) {
                    double y[3], t[3];
                    for (int e = 0; e < 3; e++)
                        y[e] = base[e] + (double)a * f->cell[0][e] + (double)b * f->cell[1][e] + (double)c * f->cell[2][e];
                    to_frac(pc->inv, y, t);
                    memcpy(tx[q], y, sizeof y);
                    town[q] = j;
                    thome[q] = a == 0 && b == 0 && c == 0;
                    bin[q] = (bin_of(pc, 0, t[0]) * pc->nb[1] + bin_of(pc, 1, t[1])) * pc->nb[2] + bin_of(pc, 2, t[2]);
                    pc->start[bin[q] + 1]++;
                    q++;
                }
    }
    for (long b = 0; b < nbins; b++) pc->start[b + 1] += pc->start[b];
    {
        int *fill = malloc((size_t)nbins * sizeof *fill);
        if (!fill) goto nomem;
        memcpy(fill, pc->start, (size_t)nbins * sizeof *fill);
        for (long t = 0; t < q; t++) {
            int at = fill[bin[t]]++;
            memcpy(pc->x[at], tx[t], sizeof tx[t]);
            pc->owner[at] = town[t];
            pc->home[at] = thome[t];
        }
        free(fill);
    }
    pc->nimg = (int)q;
    free(tx);
    free(town);
    free(thome);
    free(bin);
    return AION_OK;
nomem:
    free(tx);
    free(town);
    free(thome);
    free(bin);
    probe_cells_free(pc);
    return aion_err_set(err, AION_ERR_NOMEM, "probe: out of memory for the cell list");
}

static int nbrs_grow(probe_nbrs *o, int need)
{
    if (need <= o->cap) return 1;
    int cap = o->cap ? o->cap : 256;
    while (cap < need) cap *= 2;
    void *p;
    if (!(p = aion_realloc_array(o->d, (size_t)cap, sizeof *o->d))) return 0;
    o->d = p;
    if (!(p = aion_realloc_array(o->r2, (size_t)cap, sizeof *o->r2))) return 0;
    o->r2 = p;
    if (!(p = aion_realloc_array(o->j, (size_t)cap, sizeof *o->j))) return 0;
    o->j = p;
    o->cap = cap;
    return 1;
}

aion_status probe_cells_query(const probe_cells *pc, const double x[3], int home, probe_nbrs *out)
{
    double s[3], xw[3];
    int blo[3], bhi[3];
    const double rc2 = pc->rc * pc->rc;
    out->n = 0;
    to_frac(pc->inv, x, s);
    for (int c = 0; c < 3; c++)
        xw[c] = x[c] - floor(s[0]) * pc->cell[0][c] - floor(s[1]) * pc->cell[1][c] - floor(s[2]) * pc->cell[2][c];
    for (int d = 0; d < 3; d++) {
        double w = s[d] - floor(s[d]);
        blo[d] = bin_of(pc, d, w - pc->pad[d]);
        bhi[d] = bin_of(pc, d, w + pc->pad[d]);
    }
    for (int a = blo[0]; a <= bhi[0]; a++)
        for (int b = blo[1]; b <= bhi[1]; b++) {
            int row = (a * pc->nb[1] + b) * pc->nb[2];
            for (int t = pc->start[row + blo[2]], t1 = pc->start[row + bhi[2] + 1]; t < t1; t++) {
                const double d0 = pc->x[t][0] - xw[0], d1 = pc->x[t][1] - xw[1], d2 = pc->x[t][2] - xw[2];
                const double r2 = d0 * d0 + d1 * d1 + d2 * d2;
                if (r2 >= rc2 || (pc->home[t] && pc->owner[t] == home)) continue;
                if (out->n == out->cap && !nbrs_grow(out, out->n + 1)) return AION_ERR_NOMEM;
                out->d[out->n][0] = d0;
                out->d[out->n][1] = d1;
                out->d[out->n][2] = d2;
                out->r2[out->n] = r2;
                out->j[out->n] = pc->owner[t];
                out->n++;
            }
        }
    return AION_OK;
}

int probe_lattice_vectors(const double cell[3][3], double rc, double (**out)[3])
{
    double inv[3][3];
    int m[3], cnt = 0, cap = 0;
    double(*v)[3] = NULL;
    *out = NULL;
    if (aion_cell_inverse(cell, inv) != AION_OK) return -1;
    for (int d = 0; d < 3; d++)
        m[d] = (int)ceil(rc * sqrt(inv[0][d] * inv[0][d] + inv[1][d] * inv[1][d] + inv[2][d] * inv[2][d]));
    for (int a = -m[0]; a <= m[0]; a++)
        for (int b = -m[1]; b <= m[1]; b++)
            for (int c = -m[2]; c <= m[2]; c++) {
                if (!a && !b && !c) continue;
                double y[3];
                for (int e = 0; e < 3; e++) y[e] = a * cell[0][e] + b * cell[1][e] + c * cell[2][e];
                if (y[0] * y[0] + y[1] * y[1] + y[2] * y[2] >= rc * rc) continue;
                if (cnt == cap) {
                    int nc = cap ? 2 * cap : 16;
                    double(*nv)[3] = aion_realloc_array(v, (size_t)nc, sizeof *nv);
                    if (!nv) {
                        free(v);
                        return -1;
                    }
                    v = nv;
                    cap = nc;
                }
                memcpy(v[cnt++], y, sizeof y);
            }
    *out = v;
    return cnt;
}

aion_status probe_by_compute(aion_potential *p, const aion_frame *f, int k, int npts, const double (*x)[3],
                             double *energy)
{
    aion_frame g;
    aion_status st;
    aion_frame_init(&g);
    if ((st = aion_frame_copy(&g, f)) != AION_OK) return aion_err_set(&p->err, st, "probe: out of memory");
    for (int q = 0; q < npts; q++) {
        aion_eval ev;
        memset(&ev, 0, sizeof ev);
        memcpy(g.pos[k], x[q], sizeof g.pos[k]);
        if ((st = aion_potential_compute(p, &g, &ev)) != AION_OK) {
            char msg[sizeof p->err.msg];
            memcpy(msg, p->err.msg, sizeof msg);
            aion_err_set(&p->err, st, "probe point %d: %s", q, msg);
            break;
        }
        energy[q] = ev.energy;
    }
    aion_frame_free(&g);
    return st;
}
