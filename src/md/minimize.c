/*
 * Energy minimisation by FIRE (Bitzek, Koskinen, Gähler, Moseler & Gumbsch,
 * Phys. Rev. Lett. 97, 170201 (2006), doi:10.1103/PhysRevLett.97.170201), with
 * the parameters of the original paper (N_min 5, f_inc 1.1, f_dec 0.5,
 * α_start 0.1, f_α 0.99) and a maximum step of 0.2 Å per iteration. As in ASE,
 * the fictitious dynamics uses unit masses: v += Δt F, x += Δt v, with Δt in
 * units where Δt_max = 1.
 *
 * With relax_cell the cell joins the degrees of freedom as a deformation
 * gradient D (cell = cell0 · D, positions r = u · D) scaled by N atoms, the
 * scheme of ASE's UnitCellFilter: generalised forces F_u = F_r · Dᵀ and
 * G = (W − P0 V I) · D⁻ᵀ / N, where W is the virial (−∂E/∂ε).
 */
#include "md.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void aion_min_opts_init(aion_min_opts *o)
{
    memset(o, 0, sizeof *o);
    o->fmax = 0.01;
    o->max_steps = 1000;
    o->dt_max_fs = 1.0;
}

typedef struct {
    aion_frame *f;
    aion_potential *p;
    const aion_min_opts *o;
    int n, ndof, cell;
    double cell0[3][3], D[3][3], p0;
    double (*u)[3];      /* reference positions u = r · D⁻¹ */
    double (*fr)[3];     /* Cartesian forces */
    double *x, *g, *v;   /* dof vector, generalised forces, velocities */
    double energy, virial[3][3];
    aion_error *err;
} fire_ctx;

static aion_status fire_eval(fire_ctx *c)
{
    aion_eval ev;
    aion_status st;
    double dinv[3][3];
    memset(&ev, 0, sizeof ev);
    ev.forces = c->fr;
    ev.want_virial = c->cell;
    st = aion_potential_compute(c->p, c->f, &ev);
    if (st) return aion_err_set(c->err, st, "minimise: %s", aion_potential_errmsg(c->p));
    c->energy = ev.energy;
    memcpy(c->virial, ev.virial, sizeof c->virial);
    /* generalised forces */
    for (int i = 0; i < c->n; i++)
        for (int a = 0; a < 3; a++) {
            double s = 0;
            for (int b = 0; b < 3; b++) s += c->fr[i][b] * c->D[a][b]; /* F_u = F_r · Dᵀ */
            c->g[3 * i + a] = (c->f->has & AION_HAS_FIXED && c->f->fixed && c->f->fixed[i][a]) ? 0.0 : s;
        }
    if (c->cell) {
        double vol = aion_frame_volume(c->f), w[3][3], t[3][3];
        if (aion_cell_inverse(c->D, dinv)) return aion_err_set(c->err, AION_ERR_NUMERIC, "minimise: singular cell");
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) w[a][b] = c->virial[a][b] - (a == b) * c->p0 * vol;
        aion_transpose3(dinv, t);
        aion_matmul3(w, t, t);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) c->g[3 * c->n + 3 * a + b] = t[a][b] / c->n;
    }
    return AION_OK;
}

/* Write the dof vector into the frame (positions and cell). */
static void fire_apply(fire_ctx *c)
{
    if (c->cell) {
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) c->D[a][b] = c->x[3 * c->n + 3 * a + b] / c->n;
        aion_matmul3(c->cell0, c->D, c->f->cell);
    }
    for (int i = 0; i < c->n; i++)
        for (int a = 0; a < 3; a++) {
            double s = 0;
            for (int b = 0; b < 3; b++) s += c->x[3 * i + b] * c->D[b][a]; /* r = u · D */
            c->f->pos[i][a] = s;
        }
}

static double fire_fmax(const fire_ctx *c)
{
    double m = 0;
    for (int i = 0; i < c->ndof / 3; i++) {
        const double *g = (i < c->n) ? c->fr[i] : &c->g[3 * i];
        double gg[3] = {g[0], g[1], g[2]};
        if (i < c->n && c->f->has & AION_HAS_FIXED && c->f->fixed)
            for (int a = 0; a < 3; a++)
                if (c->f->fixed[i][a]) gg[a] = 0;
        m = fmax(m, sqrt(gg[0] * gg[0] + gg[1] * gg[1] + gg[2] * gg[2]));
    }
    return m;
}

aion_status aion_minimize(aion_frame *f, aion_potential *p, const aion_min_opts *o, int *steps, double *fmax_out,
                          aion_error *err)
{
    aion_min_opts def;
    fire_ctx c;
    aion_status st = AION_OK;
    double dt = 0.1, alpha = 0.1;
    int npos = 0, it = 0;
    if (!o) {
        aion_min_opts_init(&def);
        o = &def;
    }
    memset(&c, 0, sizeof c);
    c.f = f, c.p = p, c.o = o, c.n = f->n, c.err = err;
    c.cell = o->relax_cell && (f->has & AION_HAS_CELL);
    c.ndof = 3 * f->n + (c.cell ? 9 : 0);
    c.p0 = o->press_GPa / AION_EV_A3_TO_GPA;
    memcpy(c.cell0, f->cell, sizeof c.cell0);
    for (int a = 0; a < 3; a++) c.D[a][a] = 1.0;
    c.fr = calloc((size_t)f->n, sizeof *c.fr);
    c.x = calloc((size_t)c.ndof, sizeof *c.x);
    c.g = calloc((size_t)c.ndof, sizeof *c.g);
    c.v = calloc((size_t)c.ndof, sizeof *c.v);
    if (!c.fr || !c.x || !c.g || !c.v) {
        st = aion_err_set(err, AION_ERR_NOMEM, "minimise: out of memory");
        goto done;
    }
    for (int i = 0; i < f->n; i++)
        for (int a = 0; a < 3; a++) c.x[3 * i + a] = f->pos[i][a];
    if (c.cell)
        for (int a = 0; a < 3; a++) c.x[3 * f->n + 4 * a] = f->n;
    if ((st = fire_eval(&c)) != AION_OK) goto done;
    for (it = 0; it < o->max_steps; it++) {
        double fm = fire_fmax(&c);
        if (c.cell) {
            double vol = aion_frame_volume(f), sm = 0;
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) {
                    double s = (c.virial[a][b] - (a == b) * c.p0 * vol) / vol; /* eV/Å³ */
                    sm = fmax(sm, fabs(s));
                }
            /* stress residual in eV/Å³ compared with fmax/10 Å (a common scale) */
            if (fm < o->fmax && sm < o->fmax / 10.0) break;
        } else if (fm < o->fmax) {
            break;
        }
        double pw = 0, vv = 0, gg = 0;
        for (int k = 0; k < c.ndof; k++) pw += c.g[k] * c.v[k], vv += c.v[k] * c.v[k], gg += c.g[k] * c.g[k];
        if (pw > 0) {
            double s = sqrt(vv / (gg > 0 ? gg : 1));
            for (int k = 0; k < c.ndof; k++) c.v[k] = (1 - alpha) * c.v[k] + alpha * s * c.g[k];
            if (++npos > 5) {
                dt = fmin(dt * 1.1, o->dt_max_fs);
                alpha *= 0.99;
            }
        } else {
            memset(c.v, 0, (size_t)c.ndof * sizeof *c.v);
            dt *= 0.5;
            alpha = 0.1;
            npos = 0;
        }
        double dmax = 0;
        for (int k = 0; k < c.ndof; k++) {
            c.v[k] += dt * c.g[k];
            dmax = fmax(dmax, fabs(dt * c.v[k]));
        }
        double scale = dmax > 0.2 ? 0.2 / dmax : 1.0;
        for (int k = 0; k < c.ndof; k++) c.x[k] += scale * dt * c.v[k];
        fire_apply(&c);
        if ((st = fire_eval(&c)) != AION_OK) goto done;
    }
    f->energy = c.energy;
    f->has |= AION_HAS_ENERGY;
    if (fmax_out) *fmax_out = fire_fmax(&c);
done:
    if (steps) *steps = it;
    free(c.fr);
    free(c.x);
    free(c.g);
    free(c.v);
    return st;
}
