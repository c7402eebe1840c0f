/*
 * Streamed transport analysis: unwrapping, drift removal, storage, and the
 * all-origin MSDs (tracer per direction, collective, charge), non-Gaussian
 * parameter and self part of the van Hove function.
 *
 * Unwrapping (per frame, every frame read, also those skipped by the stride),
 * in fractional coordinates f = r·h⁻¹ of each frame's own cell h(t):
 *  - with image flags n: f_u = f + n;
 *  - otherwise minimum-image steps: f_u(t+1) = f_u(t) + Δf − round(Δf) on
 *    periodic axes, Δf = f(t+1) − f(t) (valid while no atom moves more than half
 *    a cell between two frames of the file);
 * then u(t) = f_u(t)·h(t), the convention of LAMMPS image flags (x + n·L(t)), so
 * both routes agree also for variable cells.
 * Drift: R(t) = Σ_j m_j (u_j(t) − u_j(0)) / Σ_j m_j over the framework (atoms not
 * analysed) or all atoms; stored displacements are u_i(t) − u_i(0) − R(t).
 * MSD by FFT (msd.c), α2 = d⟨Δr⁴⟩/((d+2)⟨Δr²⟩²) − 1 (Rahman, Phys. Rev. 136,
 * A405 (1964), doi:10.1103/PhysRev.136.A405), van Hove G_s(r,t) (Van Hove, Phys.
 * Rev. 95, 249 (1954), doi:10.1103/PhysRev.95.249) at log-spaced lags.
 */
#include "analysis.h"
#include "store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct group_res {
    double *msd, *dir[3], *coll, *cdir[3];
    double *ngp, *ngpd[3], *vh;
    double *slab;      /* [slab_bins][5][T]: msd x, y, z, origins, survival */
} group_res;

struct aion_transport {
    aion_transport_opts o;
    int *species_z, *group_in;
    double *charge;
    aion_error err;
    long nread, nstored;
    int started, finished, done;
    int N;
    int *z0, *id0;
    int *id_sorted, *id_index; /* sorted ids of frame 0 and their atom index */
    int *perm;                 /* perm[i] = row of the current frame holding atom i */
    int n_groups, n_sel;
    int *sel, *grp_off, *grp_z;
    int n_dims;
    double *w_ref, w_sum;
    double (*uf)[3], (*fprev)[3], (*u)[3], (*u0)[3], (*disp)[3], (*rcur)[3];
    int spilled_flag;
    int img_mode;              /* 1 = image flags, 0 = minimum image; fixed at frame 0 */
    int periodic;
    double t0, tlast_stored, dt_stored;
    int have_time;
    double vol_sum;
    long vol_n;
    an_store store;
    double *coll;              /* [T][n_groups][3] */
    double *qser;              /* [T][3] */
    long ser_cap;
    /* results */
    group_res *res;
    int n_ngp;
    long *ngp_lag;
    double *qmsd, *qdir[3];
    /* slab */
    double inv0[3][3], hc;
    double *edges;
};

void aion_transport_opts_init(aion_transport_opts *o)
{
    memset(o, 0, sizeof *o);
    o->last_frame = -1;
    o->stride = 1;
}

static aion_status fail(aion_transport *t, aion_status code, const char *fmt, ...) AION_PRINTF(3, 4);
static aion_status fail(aion_transport *t, aion_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    aion_err_vset(&t->err, code, fmt, ap);
    va_end(ap);
    return code;
}

const char *aion_transport_errmsg(const aion_transport *t) { return t ? t->err.msg : ""; }

aion_status aion_transport_create(aion_transport **out, const aion_transport_opts *o, aion_error *err)
{
    aion_transport *t;
    *out = NULL;
    if (!o) return aion_err_set(err, AION_ERR_INVALID, "transport: no options");
    if (o->group && (o->n_groups < 1 || o->n_group_atoms < 1))
        return aion_err_set(err, AION_ERR_INVALID, "transport: group array needs n_groups and n_group_atoms");
    if (o->dims & ~7) return aion_err_set(err, AION_ERR_INVALID, "transport: dims must be a mask of 1, 2, 4");
    if (o->stride < 0 || o->first_frame < 0)
        return aion_err_set(err, AION_ERR_INVALID, "transport: negative stride or first frame");
    if (o->dt_fs < 0 || o->step_fs < 0 || o->temperature_K < 0)
        return aion_err_set(err, AION_ERR_INVALID, "transport: negative time step or temperature");
    t = calloc(1, sizeof *t);
    if (!t) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    t->o = *o;
    if (t->o.stride == 0) t->o.stride = 1;
    if (t->o.dims == 0) t->o.dims = 7;
    if (t->o.mem_limit_mb == 0) t->o.mem_limit_mb = 2048;
    if (t->o.n_ngp_lags <= 0) t->o.n_ngp_lags = 24;
    if (t->o.max_origins <= 0) t->o.max_origins = 2000;
    if (t->o.vanhove_rmax_A <= 0) t->o.vanhove_rmax_A = 12.0;
    if (t->o.vanhove_bins <= 0) t->o.vanhove_bins = 240;
    t->n_dims = (t->o.dims & 1) + ((t->o.dims >> 1) & 1) + ((t->o.dims >> 2) & 1);
    if (o->species_z && o->n_species > 0) {
        t->species_z = malloc(sizeof(int) * (size_t)o->n_species);
        if (!t->species_z) goto nomem;
        memcpy(t->species_z, o->species_z, sizeof(int) * (size_t)o->n_species);
        t->o.species_z = t->species_z;
    }
    if (o->group) {
        t->group_in = malloc(sizeof(int) * (size_t)o->n_group_atoms);
        if (!t->group_in) goto nomem;
        memcpy(t->group_in, o->group, sizeof(int) * (size_t)o->n_group_atoms);
        t->o.group = t->group_in;
    }
    t->o.charge = NULL;
    if (o->charge) {
        int ng = o->group ? o->n_groups : o->n_species;
        if (ng <= 0) {
            aion_transport_free(t);
            return aion_err_set(err, AION_ERR_INVALID, "transport: charges need species_z or groups");
        }
        t->charge = malloc(sizeof(double) * (size_t)ng);
        if (!t->charge) goto nomem;
        memcpy(t->charge, o->charge, sizeof(double) * (size_t)ng);
        t->o.charge = t->charge;
    }
    if (o->slab_bins < 0 || o->slab_bins > 10000) {
        aion_transport_free(t);
        return aion_err_set(err, AION_ERR_INVALID, "transport: slab_bins must be 0..10000");
    }
    t->o.slab_edges_A = NULL;
    if (o->slab_bins > 0) {
        t->edges = malloc(sizeof(double) * ((size_t)o->slab_bins + 1));
        if (!t->edges) goto nomem;
        if (o->slab_edges_A) {
            for (int b = 0; b <= o->slab_bins; b++) {
                t->edges[b] = o->slab_edges_A[b];
                if (!isfinite(t->edges[b]) || (b && !(t->edges[b] > t->edges[b - 1]))) {
                    aion_transport_free(t);
                    return aion_err_set(err, AION_ERR_INVALID, "transport: slab edges must increase");
                }
            }
            t->o.slab_edges_A = t->edges;
        }
    }
    t->store.fd = -1;
    *out = t;
    return AION_OK;
nomem:
    aion_transport_free(t);
    return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
}

void aion_transport_free(aion_transport *t)
{
    if (!t) return;
    free(t->species_z);
    free(t->edges);
    free(t->group_in);
    free(t->charge);
    free(t->z0);
    free(t->id0);
    free(t->id_sorted);
    free(t->id_index);
    free(t->perm);
    free(t->sel);
    free(t->grp_off);
    free(t->grp_z);
    free(t->w_ref);
    free(t->uf);
    free(t->fprev);
    free(t->u);
    free(t->u0);
    free(t->disp);
    free(t->rcur);
    an_store_free(&t->store);
    free(t->coll);
    free(t->qser);
    if (t->res) {
        for (int g = 0; g < t->n_groups; g++) {
            free(t->res[g].msd);
            free(t->res[g].coll);
            free(t->res[g].ngp);
            for (int d = 0; d < 3; d++) free(t->res[g].ngpd[d]);
            free(t->res[g].vh);
            free(t->res[g].slab);
            for (int d = 0; d < 3; d++) {
                free(t->res[g].dir[d]);
                free(t->res[g].cdir[d]);
            }
        }
        free(t->res);
    }
    free(t->ngp_lag);
    free(t->qmsd);
    for (int d = 0; d < 3; d++) free(t->qdir[d]);
    free(t);
}

static int cmp_pair(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Set up selection, ids, drift weights from the first frame. */
static aion_status start(aion_transport *t, const aion_frame *f)
{
    const int N = f->n;
    int *gid = NULL, *pairs = NULL;
    t->N = N;
    if (N < 1) return fail(t, AION_ERR_INVALID, "frame %ld has no atoms", t->nread);
    t->z0 = malloc(sizeof(int) * (size_t)N);
    gid = malloc(sizeof(int) * (size_t)N);
    t->perm = malloc(sizeof(int) * (size_t)N);
    t->w_ref = calloc((size_t)N, sizeof(double));
    t->uf = calloc((size_t)N, sizeof *t->uf);
    t->fprev = calloc((size_t)N, sizeof *t->fprev);
    t->u = calloc((size_t)N, sizeof *t->u);
    t->u0 = calloc((size_t)N, sizeof *t->u0);
    t->rcur = calloc((size_t)N, sizeof *t->rcur);
    if (!t->z0 || !gid || !t->perm || !t->w_ref || !t->uf || !t->fprev || !t->u || !t->u0 || !t->rcur)
        goto nomem;
    memcpy(t->z0, f->z, sizeof(int) * (size_t)N);
    for (int i = 0; i < N; i++) t->perm[i] = i;
    if (f->has & AION_HAS_ID) {
        t->id0 = malloc(sizeof(int) * (size_t)N);
        pairs = malloc(sizeof(int) * 2 * (size_t)N);
        t->id_sorted = malloc(sizeof(int) * (size_t)N);
        t->id_index = malloc(sizeof(int) * (size_t)N);
        if (!t->id0 || !pairs || !t->id_sorted || !t->id_index) goto nomem;
        memcpy(t->id0, f->id, sizeof(int) * (size_t)N);
        for (int i = 0; i < N; i++) {
            pairs[2 * i] = f->id[i];
            pairs[2 * i + 1] = i;
        }
        qsort(pairs, (size_t)N, 2 * sizeof(int), cmp_pair);
        for (int i = 0; i < N; i++) {
            t->id_sorted[i] = pairs[2 * i];
            t->id_index[i] = pairs[2 * i + 1];
            if (i && pairs[2 * i] == pairs[2 * i - 2]) {
                int dup = pairs[2 * i];
                free(pairs);
                free(gid);
                return fail(t, AION_ERR_INVALID, "frame %ld: duplicate atom id %d", t->nread, dup);
            }
        }
        free(pairs);
        pairs = NULL;
    }
    /* groups */
    if (t->o.group) {
        if (t->o.n_group_atoms != N) {
            free(gid);
            return fail(t, AION_ERR_INVALID, "group array has %d atoms, the frame %d", t->o.n_group_atoms, N);
        }
        t->n_groups = t->o.n_groups;
        for (int i = 0; i < N; i++) {
            gid[i] = t->o.group[i];
            if (gid[i] >= t->n_groups || gid[i] < -1) {
                free(gid);
                return fail(t, AION_ERR_INVALID, "group index %d of atom %d out of range", t->o.group[i], i);
            }
        }
    } else {
        int zs[AION_MAX_Z + 1], nz = 0;
        if (t->o.species_z) {
            nz = t->o.n_species;
            if (nz > AION_MAX_Z) nz = AION_MAX_Z;
            for (int k = 0; k < nz; k++) zs[k] = t->o.species_z[k];
        } else {
            int seen[AION_MAX_Z + 1] = {0};
            for (int i = 0; i < N; i++)
                if (f->z[i] > 0 && f->z[i] <= AION_MAX_Z) seen[f->z[i]] = 1;
            for (int zz = 1; zz <= AION_MAX_Z; zz++)
                if (seen[zz]) zs[nz++] = zz;
        }
        t->n_groups = nz;
        for (int i = 0; i < N; i++) {
            gid[i] = -1;
            for (int k = 0; k < nz; k++)
                if (f->z[i] == zs[k]) gid[i] = k;
        }
        t->grp_z = calloc((size_t)(nz ? nz : 1), sizeof(int));
        if (!t->grp_z) goto nomem;
        for (int k = 0; k < nz; k++) t->grp_z[k] = zs[k];
    }
    if (t->n_groups < 1) {
        free(gid);
        return fail(t, AION_ERR_INVALID, "nothing selected for the transport analysis");
    }
    if (!t->grp_z) {
        t->grp_z = calloc((size_t)t->n_groups, sizeof(int));
        if (!t->grp_z) goto nomem;
    }
    t->grp_off = calloc((size_t)t->n_groups + 1, sizeof(int));
    if (!t->grp_off) goto nomem;
    for (int i = 0; i < N; i++)
        if (gid[i] >= 0) t->grp_off[gid[i] + 1]++;
    for (int g = 0; g < t->n_groups; g++) {
        if (t->grp_off[g + 1] == 0) {
            int zg = t->grp_z[g];
            free(gid);
            if (zg) return fail(t, AION_ERR_INVALID, "no %s atoms in the first frame", aion_element_symbol(zg));
            return fail(t, AION_ERR_INVALID, "group %d has no atoms", g);
        }
        t->grp_off[g + 1] += t->grp_off[g];
    }
    t->n_sel = t->grp_off[t->n_groups];
    t->sel = malloc(sizeof(int) * (size_t)t->n_sel);
    t->disp = calloc((size_t)t->n_sel, sizeof *t->disp);
    if (!t->sel || !t->disp) goto nomem;
    {
        int *fill = calloc((size_t)t->n_groups, sizeof(int));
        if (!fill) goto nomem;
        for (int i = 0; i < N; i++)
            if (gid[i] >= 0) t->sel[t->grp_off[gid[i]] + fill[gid[i]]++] = i;
        free(fill);
    }
    /* drift reference */
    if (t->o.drift != AION_DRIFT_NONE) {
        int any_frame = 0;
        for (int i = 0; i < N; i++)
            if (gid[i] < 0) any_frame = 1;
        for (int i = 0; i < N; i++) {
            int ref = t->o.drift == AION_DRIFT_ALL || !any_frame || gid[i] < 0;
            double m = (f->has & AION_HAS_MASS) ? f->mass[i] : aion_element_mass(f->z[i]);
            if (!(m > 0)) m = 1.0;
            t->w_ref[i] = ref ? m : 0.0;
            t->w_sum += t->w_ref[i];
        }
    }
    free(gid);
    gid = NULL;
    t->periodic = (f->has & AION_HAS_CELL) && (f->pbc[0] || f->pbc[1] || f->pbc[2]);
    t->img_mode = (f->has & AION_HAS_IMAGE) != 0;
    an_store_init(&t->store, t->n_sel, t->o.mem_limit_mb << 20, t->o.tmpdir);
    t->started = 1;
    return AION_OK;
nomem:
    free(gid);
    free(pairs);
    return fail(t, AION_ERR_NOMEM, "out of memory");
}

/* Positions of the current frame in frame-0 atom order (via ids). */
static aion_status order_frame(aion_transport *t, const aion_frame *f)
{
    const int N = t->N;
    if (f->n != N) return fail(t, AION_ERR_INVALID, "frame %ld has %d atoms, the first %d", t->nread, f->n, N);
    int same = 1;
    if (t->id0) {
        if (!(f->has & AION_HAS_ID)) return fail(t, AION_ERR_INVALID, "frame %ld has no atom ids", t->nread);
        for (int i = 0; i < N && same; i++) same = f->id[i] == t->id0[i];
        if (!same) {
            for (int i = 0; i < N; i++) t->perm[i] = -1;
            for (int j = 0; j < N; j++) {
                int lo = 0, hi = N - 1, key = f->id[j], at = -1;
                while (lo <= hi) {
                    int mid = (lo + hi) / 2;
                    if (t->id_sorted[mid] == key) {
                        at = mid;
                        break;
                    }
                    if (t->id_sorted[mid] < key) lo = mid + 1;
                    else hi = mid - 1;
                }
                if (at < 0 || t->perm[t->id_index[at]] >= 0)
                    return fail(t, AION_ERR_INVALID, "frame %ld: atom id %d is new or repeated", t->nread, key);
                t->perm[t->id_index[at]] = j;
            }
        }
    }
    if (same)
        for (int i = 0; i < N; i++) t->perm[i] = i;
    for (int i = 0; i < N; i++) {
        int j = t->perm[i];
        if (f->z[j] != t->z0[i])
            return fail(t, AION_ERR_INVALID, "frame %ld: atom %d changed species (%s -> %s)", t->nread, i,
                        aion_element_symbol(t->z0[i]), aion_element_symbol(f->z[j]));
        memcpy(t->rcur[i], f->pos[j], sizeof(double) * 3);
    }
    return AION_OK;
}

static aion_status grow_series(aion_transport *t)
{
    if (t->nstored < t->ser_cap) return AION_OK;
    long nc = t->ser_cap ? 2 * t->ser_cap : 1024;
    double *c = aion_realloc_array(t->coll, (size_t)nc * (size_t)t->n_groups * 3, sizeof(double));
    if (!c) return fail(t, AION_ERR_NOMEM, "out of memory");
    t->coll = c;
    double *q = aion_realloc_array(t->qser, (size_t)nc * 3, sizeof(double));
    if (!q) return fail(t, AION_ERR_NOMEM, "out of memory");
    t->qser = q;
    t->ser_cap = nc;
    return AION_OK;
}

aion_status aion_transport_add(aion_transport *t, const aion_frame *f)
{
    aion_status st;
    long idx;
    double inv[3][3];
    if (!t || !f) return AION_ERR_INVALID;
    if (t->finished) return fail(t, AION_ERR_INVALID, "frames added after aion_transport_finish");
    idx = t->nread;
    if (idx < t->o.first_frame) {
        t->nread++;
        return AION_OK;
    }
    if (t->o.last_frame >= 0 && idx > t->o.last_frame) {
        t->done = 1;
        t->nread++;
        return AION_OK;
    }
    if (!t->started && (st = start(t, f))) return st;
    if ((st = order_frame(t, f))) return st;
    const int N = t->N;
    const int first = idx == t->o.first_frame;
    int periodic = (f->has & AION_HAS_CELL) && (f->pbc[0] || f->pbc[1] || f->pbc[2]);
    if (periodic != t->periodic) return fail(t, AION_ERR_INVALID, "frame %ld: periodicity changed", idx);
    if (periodic && aion_cell_inverse(f->cell, inv))
        return fail(t, AION_ERR_INVALID, "frame %ld: singular cell", idx);
    if (t->img_mode && !(f->has & AION_HAS_IMAGE))
        return fail(t, AION_ERR_INVALID, "frame %ld lacks the image flags the first frame had", idx);
    if (first && t->o.slab_bins > 0) {
        if (!periodic || !f->pbc[2])
            return fail(t, AION_ERR_INVALID, "slab analysis needs a cell periodic along c");
        memcpy(t->inv0, inv, sizeof inv);
        double ab[3] = {f->cell[0][1] * f->cell[1][2] - f->cell[0][2] * f->cell[1][1],
                        f->cell[0][2] * f->cell[1][0] - f->cell[0][0] * f->cell[1][2],
                        f->cell[0][0] * f->cell[1][1] - f->cell[0][1] * f->cell[1][0]};
        /* height = |c·(a×b)| / |a×b| */
        t->hc = fabs(f->cell[2][0] * ab[0] + f->cell[2][1] * ab[1] + f->cell[2][2] * ab[2]) /
                sqrt(ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2]);
        if (!t->o.slab_edges_A)
            for (int b = 0; b <= t->o.slab_bins; b++) t->edges[b] = t->hc * b / t->o.slab_bins;
    }
    /* unwrap: fractional coordinates, accumulated (or image flags), then u = f_u·h(t) */
    for (int i = 0; i < N; i++) {
        const double *r = t->rcur[i];
        if (!periodic) {
            memcpy(t->u[i], r, sizeof(double) * 3);
        } else {
            double fr[3];
            for (int k = 0; k < 3; k++) fr[k] = r[0] * inv[0][k] + r[1] * inv[1][k] + r[2] * inv[2][k];
            if (t->img_mode) {
                const int *im = f->image[t->perm[i]];
                for (int k = 0; k < 3; k++) t->uf[i][k] = fr[k] + im[k];
            } else if (first) {
                memcpy(t->uf[i], fr, sizeof fr);
            } else {
                for (int k = 0; k < 3; k++) {
                    double d = fr[k] - t->fprev[i][k];
                    if (f->pbc[k]) d -= nearbyint(d);
                    t->uf[i][k] += d;
                }
            }
            memcpy(t->fprev[i], fr, sizeof fr);
            for (int k = 0; k < 3; k++)
                t->u[i][k] = t->uf[i][0] * f->cell[0][k] + t->uf[i][1] * f->cell[1][k] + t->uf[i][2] * f->cell[2][k];
        }
        if (first) memcpy(t->u0[i], t->u[i], sizeof(double) * 3);
    }
    t->nread++;
    if ((idx - t->o.first_frame) % t->o.stride != 0) return AION_OK;
    /* time */
    double tf = NAN;
    if (f->has & AION_HAS_TIME) tf = f->time_fs;
    else if ((f->has & AION_HAS_STEP) && t->o.step_fs > 0) tf = (double)f->step * t->o.step_fs;
    if (t->o.dt_fs > 0) tf = (double)(idx - t->o.first_frame) * t->o.dt_fs;
    if (t->nstored == 0) {
        t->have_time = !isnan(tf);
        t->t0 = tf;
    } else if (t->have_time) {
        if (isnan(tf)) return fail(t, AION_ERR_INVALID, "frame %ld has no time", idx);
        double dt = tf - t->tlast_stored;
        if (t->nstored == 1) {
            if (!(dt > 0))
                return fail(t, AION_ERR_INVALID, "frame %ld: time does not increase (%g fs after %g fs)", idx, tf,
                            t->tlast_stored);
            t->dt_stored = dt;
        } else if (fabs(dt - t->dt_stored) > 1e-6 * t->dt_stored + 1e-9) {
            return fail(t, AION_ERR_INVALID,
                        "frame %ld: frames are not evenly spaced in time (%g fs, expected %g fs); "
                        "the FFT MSD needs a constant interval",
                        idx, dt, t->dt_stored);
        }
    }
    t->tlast_stored = tf;
    if (periodic) {
        t->vol_sum += fabs(aion_det3(f->cell));
        t->vol_n++;
    }
    /* drift and displacements */
    double R[3] = {0, 0, 0};
    if (t->w_sum > 0) {
        for (int i = 0; i < N; i++)
            if (t->w_ref[i] != 0)
                for (int k = 0; k < 3; k++) R[k] += t->w_ref[i] * (t->u[i][k] - t->u0[i][k]);
        for (int k = 0; k < 3; k++) R[k] /= t->w_sum;
    }
    if ((st = grow_series(t))) return st;
    double *cs = t->coll + (size_t)t->nstored * (size_t)t->n_groups * 3;
    double *qs = t->qser + (size_t)t->nstored * 3;
    memset(cs, 0, sizeof(double) * (size_t)t->n_groups * 3);
    memset(qs, 0, sizeof(double) * 3);
    for (int g = 0; g < t->n_groups; g++) {
        for (int s = t->grp_off[g]; s < t->grp_off[g + 1]; s++) {
            int i = t->sel[s];
            for (int k = 0; k < 3; k++) {
                t->disp[s][k] = t->u[i][k] - t->u0[i][k] - R[k];
                cs[g * 3 + k] += t->disp[s][k];
            }
        }
        if (t->o.charge)
            for (int k = 0; k < 3; k++) qs[k] += t->o.charge[g] * cs[g * 3 + k];
    }
    if ((st = an_store_add(&t->store, (const double(*)[3])t->disp, &t->err))) return st;
    t->nstored++;
    return AION_OK;
}

aion_status aion_transport_read(aion_transport *t, aion_reader *r)
{
    aion_frame f;
    aion_status st;
    if (!t || !r) return AION_ERR_INVALID;
    aion_frame_init(&f);
    while (!t->done && (st = aion_reader_next(r, &f)) == AION_OK) {
        if ((st = aion_transport_add(t, &f))) goto out;
    }
    if (t->done) st = AION_OK;
    if (st == AION_EOF) st = AION_OK;
    else if (st) fail(t, st, "%s", aion_reader_errmsg(r));
out:
    aion_frame_free(&f);
    return st;
}

/* Collective/charge MSD of a single 3-D series (stride between frames). */
static aion_status series_msd(const an_msd_plan *p, const double *x, long stride, double *dir[3])
{
    an_msd_acc acc = {0};
    an_msd_work w = {0};
    aion_status st;
    if ((st = an_msd_acc_init(&acc, p)) || (st = an_msd_work_init(&w, p))) goto done;
    for (int d = 0; d < 3; d++) {
        an_msd_acc_zero(&acc, p);
        an_msd_acc_add(&acc, p, &w, x + d, stride);
        an_msd_acc_result(&acc, p, &w, dir[d]);
    }
done:
    an_msd_acc_free(&acc);
    an_msd_work_free(&w);
    return st;
}

static double *dalloc(long n) { return aion_calloc((size_t)n, sizeof(double)); }

aion_status aion_transport_finish(aion_transport *t)
{
    aion_status st = AION_OK;
    an_msd_plan plan = {0};
    an_msd_acc gacc[3] = {{0}};
    an_slab_acc gsl = {0};
    const int nsb = t->o.slab_bins;
    double *block = NULL, *gsum2 = NULL, *gsum4 = NULL, *ghist = NULL;
    long *gcnt = NULL;
    if (!t) return AION_ERR_INVALID;
    if (t->finished) return AION_OK;
    if (!t->started) return fail(t, AION_ERR_INVALID, "no frames were read");
    if ((st = an_store_finish(&t->store, &t->err))) return st;
    t->finished = 1;
    const long T = t->nstored;
    if (T < 4) return fail(t, AION_ERR_INVALID, "only %ld frames kept; the MSD needs at least 4", T);
    if (!t->have_time)
        return fail(t, AION_ERR_INVALID,
                    "frames carry no time: give the time between frames (dt_fs, CLI --dt) or the MD step "
                    "(step_fs, --timestep)");
    /* plan (FFTW planning is not thread-safe: done here, before any threads) */
    if ((st = an_msd_plan_init(&plan, T))) return fail(t, st, "cannot plan an FFT of %ld frames", T);
    t->res = calloc((size_t)t->n_groups, sizeof *t->res);
    if (!t->res) goto nomem;
    /* lags for α2 / van Hove: log-spaced in [1, (T-1)/2] */
    {
        long maxlag = (T - 1) / 2 > 1 ? (T - 1) / 2 : 1;
        int nl = t->o.n_ngp_lags;
        t->ngp_lag = malloc(sizeof(long) * (size_t)nl);
        if (!t->ngp_lag) goto nomem;
        t->n_ngp = 0;
        for (int k = 0; k < nl; k++) {
            double x = nl > 1 ? (double)k / (nl - 1) : 1.0;
            long lag = (long)llround(exp(x * log((double)maxlag)));
            if (lag < 1) lag = 1;
            if (t->n_ngp == 0 || lag > t->ngp_lag[t->n_ngp - 1]) t->ngp_lag[t->n_ngp++] = lag;
        }
    }
    const int nl = t->n_ngp, nb = t->o.vanhove_bins;
    const double vdr = t->o.vanhove_rmax_A / nb;
    for (int g = 0; g < t->n_groups; g++) {
        group_res *r = &t->res[g];
        r->msd = dalloc(T);
        r->coll = dalloc(T);
        r->ngp = dalloc(nl);
        for (int d = 0; d < 3; d++)
            if (!(r->ngpd[d] = dalloc(nl))) goto nomem;
        r->vh = dalloc((long)nl * nb);
        if (!r->msd || !r->coll || !r->ngp || !r->vh) goto nomem;
        if (nsb > 0 && !(r->slab = aion_calloc((size_t)nsb * 5, (size_t)T * sizeof(double)))) goto nomem;
        for (int d = 0; d < 3; d++) {
            r->dir[d] = dalloc(T);
            r->cdir[d] = dalloc(T);
            if (!r->dir[d] || !r->cdir[d]) goto nomem;
        }
    }
    for (int d = 0; d < 3; d++)
        if (an_msd_acc_init(&gacc[d], &plan)) goto nomem;
    if (nsb > 0 && an_slab_acc_init(&gsl, &plan, nsb)) goto nomem;
    gsum2 = dalloc(4L * nl);
    gsum4 = dalloc(4L * nl);
    ghist = dalloc((long)nl * nb);
    gcnt = calloc((size_t)nl, sizeof(long));
    if (!gsum2 || !gsum4 || !ghist || !gcnt) goto nomem;
    /* atom blocks: B·T·3 doubles within the memory limit */
    size_t lim = t->o.mem_limit_mb << 20;
    long B = (long)(lim / ((size_t)T * 3 * sizeof(double)));
    if (B < 1) B = 1;
    if (B > t->n_sel) B = t->n_sel;
    block = malloc(sizeof(double) * (size_t)B * (size_t)T * 3);
    if (!block) goto nomem;

    int nth = t->o.nthreads;
#ifdef _OPENMP
    if (nth <= 0) nth = omp_get_max_threads();
#else
    nth = 1;
#endif
    int failed = 0;
    const int dims = t->o.dims, ndim = t->n_dims;
#pragma omp parallel num_threads(nth)
    {
        an_msd_acc acc[3] = {{0}};
        an_msd_work w = {0};
        an_slab_acc sl = {0};
        double *s2 = dalloc(4L * nl), *s4 = dalloc(4L * nl), *hist = dalloc((long)nl * nb);
        long *cnt = calloc((size_t)nl, sizeof(long));
        int ok = s2 && s4 && hist && cnt && !an_msd_work_init(&w, &plan);
        if (ok && nsb > 0) ok = !an_slab_acc_init(&sl, &plan, nsb);
        for (int d = 0; d < 3 && ok; d++) ok = !an_msd_acc_init(&acc[d], &plan);
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp barrier
        for (int g = 0; g < t->n_groups; g++) {
            int bad;
#pragma omp atomic read
            bad = failed;
            if (bad) break;
            if (ok) {
                for (int d = 0; d < 3; d++) an_msd_acc_zero(&acc[d], &plan);
                if (nsb > 0) an_slab_acc_zero(&sl, &plan);
                memset(s2, 0, sizeof(double) * 4 * (size_t)nl);
                memset(s4, 0, sizeof(double) * 4 * (size_t)nl);
                memset(hist, 0, sizeof(double) * (size_t)nl * (size_t)nb);
                memset(cnt, 0, sizeof(long) * (size_t)nl);
            }
            for (int a0 = t->grp_off[g]; a0 < t->grp_off[g + 1]; a0 += (int)B) {
                int a1 = a0 + (int)B < t->grp_off[g + 1] ? a0 + (int)B : t->grp_off[g + 1];
#pragma omp single
                {
                    if (an_store_read_block(&t->store, a0, a1, block, &t->err)) failed = 2;
                }
#pragma omp atomic read
                bad = failed;
                if (bad) break;
#pragma omp for schedule(dynamic, 1)
                for (int a = a0; a < a1; a++) {
                    const double *x = block + (size_t)(a - a0) * (size_t)T * 3;
                    for (int d = 0; d < 3; d++) an_msd_acc_add(&acc[d], &plan, &w, x + d, 3);
                    if (nsb > 0) {
                        /* height bins: drift-corrected position u0 + disp, first frame's cell */
                        const double *u0 = t->u0[t->sel[a]];
                        for (long k = 0; k < T; k++) {
                            double sc = 0;
                            for (int d = 0; d < 3; d++) sc += (u0[d] + x[k * 3 + d]) * t->inv0[d][2];
                            double hgt = (sc - floor(sc)) * t->hc;
                            int b = -1;
                            if (hgt >= t->edges[0] && hgt < t->edges[nsb]) {
                                int lo = 0, hi = nsb - 1;
                                while (lo < hi) {
                                    int mid = (lo + hi + 1) / 2;
                                    if (t->edges[mid] <= hgt) lo = mid;
                                    else hi = mid - 1;
                                }
                                b = lo;
                            }
                            sl.bin[k] = b;
                        }
                        an_slab_acc_add(&sl, &plan, x, sl.bin);
                    }
                    for (int l = 0; l < nl; l++) {
                        long lag = t->ngp_lag[l], K = T - lag;
                        long step = (K + t->o.max_origins - 1) / t->o.max_origins;
                        if (step < 1) step = 1;
                        for (long t0 = 0; t0 < K; t0 += step) {
                            double r2 = 0;
                            for (int d = 0; d < 3; d++) {
                                double dd = x[(t0 + lag) * 3 + d] - x[t0 * 3 + d], d2 = dd * dd;
                                s2[(d + 1) * nl + l] += d2;
                                s4[(d + 1) * nl + l] += d2 * d2;
                                if (dims >> d & 1) r2 += d2;
                            }
                            s2[l] += r2;
                            s4[l] += r2 * r2;
                            cnt[l]++;
                            long b = (long)(sqrt(r2) / vdr);
                            if (b < nb) hist[(size_t)l * (size_t)nb + (size_t)b] += 1.0;
                        }
                    }
                }
            }
#pragma omp atomic read
            bad = failed;
            if (bad) break;
#pragma omp critical(an_merge)
            {
                for (int d = 0; d < 3; d++) an_msd_acc_merge(&gacc[d], &acc[d], &plan);
                if (nsb > 0) an_slab_acc_merge(&gsl, &sl, &plan);
                for (int l = 0; l < 4 * nl; l++) {
                    gsum2[l] += s2[l];
                    gsum4[l] += s4[l];
                }
                for (int l = 0; l < nl; l++) gcnt[l] += cnt[l];
                for (size_t k = 0; k < (size_t)nl * (size_t)nb; k++) ghist[k] += hist[k];
            }
#pragma omp barrier
#pragma omp single
            {
                group_res *r = &t->res[g];
                for (int d = 0; d < 3; d++) {
                    an_msd_acc_result(&gacc[d], &plan, &w, r->dir[d]);
                    an_msd_acc_zero(&gacc[d], &plan);
                }
                for (long n = 0; n < T; n++) {
                    double s = 0;
                    for (int d = 0; d < 3; d++)
                        if (dims >> d & 1) s += r->dir[d][n];
                    r->msd[n] = s;
                }
                for (int l = 0; l < nl; l++) {
                    double m2 = gcnt[l] ? gsum2[l] / gcnt[l] : 0, m4 = gcnt[l] ? gsum4[l] / gcnt[l] : 0;
                    r->ngp[l] = m2 > 0 ? ndim * m4 / ((ndim + 2.0) * m2 * m2) - 1.0 : 0.0;
                    for (int d = 0; d < 3; d++) {
                        double a2 = gcnt[l] ? gsum2[(d + 1) * nl + l] / gcnt[l] : 0;
                        double a4 = gcnt[l] ? gsum4[(d + 1) * nl + l] / gcnt[l] : 0;
                        r->ngpd[d][l] = a2 > 0 ? a4 / (3.0 * a2 * a2) - 1.0 : 0.0;
                        gsum2[(d + 1) * nl + l] = gsum4[(d + 1) * nl + l] = 0;
                    }
                    for (int b = 0; b < nb; b++)
                        r->vh[(size_t)l * (size_t)nb + (size_t)b] =
                            gcnt[l] ? ghist[(size_t)l * (size_t)nb + (size_t)b] / ((double)gcnt[l] * vdr) : 0.0;
                    gsum2[l] = gsum4[l] = 0;
                    gcnt[l] = 0;
                }
                memset(ghist, 0, sizeof(double) * (size_t)nl * (size_t)nb);
                for (int b = 0; b < nsb; b++) {
                    double *base = r->slab + (size_t)b * 5 * (size_t)T;
                    double *md[3] = {base, base + T, base + 2 * T};
                    an_slab_acc_result(&gsl, &plan, b, w.buf, w.spec, md, base + 3 * T, base + 4 * T);
                }
                if (nsb > 0) an_slab_acc_zero(&gsl, &plan);
            }
        }
        for (int d = 0; d < 3; d++) an_msd_acc_free(&acc[d]);
        an_msd_work_free(&w);
        an_slab_acc_free(&sl);
        free(s2);
        free(s4);
        free(hist);
        free(cnt);
    }
    if (failed == 2) {
        st = AION_ERR_IO;
        goto done;
    }
    if (failed) goto nomem;
    /* collective and charge MSDs */
    for (int g = 0; g < t->n_groups; g++) {
        group_res *r = &t->res[g];
        if ((st = series_msd(&plan, t->coll + 3 * g, 3L * t->n_groups, r->cdir))) goto nomem;
        for (long n = 0; n < T; n++) {
            double s = 0;
            for (int d = 0; d < 3; d++)
                if (dims >> d & 1) s += r->cdir[d][n];
            r->coll[n] = s;
        }
    }
    if (t->o.charge) {
        t->qmsd = dalloc(T);
        for (int d = 0; d < 3; d++) t->qdir[d] = dalloc(T);
        if (!t->qmsd || !t->qdir[0] || !t->qdir[1] || !t->qdir[2]) goto nomem;
        if ((st = series_msd(&plan, t->qser, 3, t->qdir))) goto nomem;
        for (long n = 0; n < T; n++) {
            double s = 0;
            for (int d = 0; d < 3; d++)
                if (dims >> d & 1) s += t->qdir[d][n];
            t->qmsd[n] = s;
        }
    }
    goto done;
nomem:
    st = fail(t, AION_ERR_NOMEM, "out of memory computing the MSD (%ld frames)", T);
done:
    for (int d = 0; d < 3; d++) an_msd_acc_free(&gacc[d]);
    an_slab_acc_free(&gsl);
    free(block);
    free(gsum2);
    free(gsum4);
    free(ghist);
    free(gcnt);
    an_msd_plan_free(&plan);
    /* positions are no longer needed */
    t->spilled_flag = t->store.spilled;
    an_store_free(&t->store);
    t->store.fd = -1;
    return st;
}

long aion_transport_nframes(const aion_transport *t) { return t ? t->nstored : 0; }
int aion_transport_ngroups(const aion_transport *t) { return t ? t->n_groups : 0; }
double aion_transport_volume(const aion_transport *t) { return t && t->vol_n ? t->vol_sum / t->vol_n : 0.0; }
int aion_transport_spilled(const aion_transport *t) { return t ? t->store.spilled || t->spilled_flag : 0; }

aion_status aion_transport_msd(const aion_transport *t, int group, aion_msd_result *out)
{
    if (!t || !out) return AION_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!t->res) return AION_ERR_INVALID;
    if (group < 0 || group >= t->n_groups) return AION_ERR_INVALID;
    const group_res *r = &t->res[group];
    out->n = t->nstored;
    out->dt_fs = t->dt_stored;
    out->n_atoms = t->grp_off[group + 1] - t->grp_off[group];
    out->z = t->grp_z[group];
    out->n_dims = t->n_dims;
    out->msd = r->msd;
    out->coll = r->coll;
    for (int d = 0; d < 3; d++) {
        out->msd_dir[d] = r->dir[d];
        out->coll_dir[d] = r->cdir[d];
    }
    out->n_ngp = t->n_ngp;
    out->ngp_lag = t->ngp_lag;
    out->ngp = r->ngp;
    for (int d = 0; d < 3; d++) out->ngp_dir[d] = r->ngpd[d];
    out->vh_bins = t->o.vanhove_bins;
    out->vh_dr = t->o.vanhove_rmax_A / t->o.vanhove_bins;
    out->vanhove = r->vh;
    return AION_OK;
}

const double *aion_transport_charge_msd(const aion_transport *t, const double **dir3)
{
    if (!t || !t->qmsd) return NULL;
    if (dir3)
        for (int d = 0; d < 3; d++) dir3[d] = t->qdir[d];
    return t->qmsd;
}

aion_status aion_transport_slab(const aion_transport *t, int group, int bin, aion_slab_result *out)
{
    if (!t || !out) return AION_ERR_INVALID;
    memset(out, 0, sizeof *out);
    if (!t->res || group < 0 || group >= t->n_groups || bin < 0 || bin >= t->o.slab_bins) return AION_ERR_INVALID;
    const long T = t->nstored;
    const double *base = t->res[group].slab + (size_t)bin * 5 * (size_t)T;
    out->n_bins = t->o.slab_bins;
    out->edges_A = t->edges;
    out->n = T;
    out->dt_fs = t->dt_stored;
    for (int d = 0; d < 3; d++) out->msd_dir[d] = base + (size_t)d * (size_t)T;
    out->origins = base + 3 * T;
    out->survival = base + 4 * T;
    out->n_mean = out->origins[0] / (double)T;
    return AION_OK;
}

/* Accessors for fit.c */
int an_transport_dims(const aion_transport *t) { return t->o.dims; }
double an_transport_temperature(const aion_transport *t) { return t->o.temperature_K; }
const double *an_transport_charges(const aion_transport *t) { return t->o.charge; }
void an_transport_set_error(aion_transport *t, const aion_error *e) { aion_err_copy(&t->err, e); }
