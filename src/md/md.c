/*
 * Molecular dynamics integrators.
 *
 *  - Velocity Verlet (Swope et al., J. Chem. Phys. 76, 637 (1982)).
 *  - Langevin thermostat by the BAOAB splitting (Leimkuhler & Matthews,
 *    Appl. Math. Res. Express 2013, 34, doi:10.1093/amrx/abs010):
 *    B: v += dt/2 F/m;  A: x += dt/2 v;  O: v = c1 v + sqrt((1-c1²) kT/m) ξ,
 *    c1 = exp(-dt/τ).
 *  - Stochastic velocity rescaling (Bussi, Donadio & Parrinello, J. Chem. Phys.
 *    126, 014101 (2007), doi:10.1063/1.2408420): the kinetic energy K of each
 *    group is moved to
 *      K' = K + (1-c)(K̄ (R1² + Σ_{i≥2} R_i²)/N_f − K) + 2 R1 sqrt(c(1-c) K K̄/N_f),
 *    c = exp(-Δt/τ), applied for dt/2 before and after the Verlet step.
 *  - Nosé-Hoover chains (Martyna, Klein & Tuckerman, J. Chem. Phys. 97, 2635
 *    (1992), doi:10.1063/1.463940) integrated with the Trotter/Suzuki-Yoshida
 *    scheme of Martyna, Tuckerman, Tobias & Klein, Mol. Phys. 87, 1117 (1996).
 *    Conserved: H + Σ_j p_j²/2Q_j + N_f kT ξ_1 + kT Σ_{j≥2} ξ_j.
 *  - Stochastic cell rescaling barostat (Bernetti & Bussi, J. Chem. Phys. 153,
 *    114107 (2020), doi:10.1063/5.0020514): with ε = ln V,
 *      dε = −(β_T/τ_p)(P0 − P) dt + sqrt(2 kT β_T/(V τ_p)) dW   (Itô),
 *    integrated in λ = √V where the noise is additive:
 *      dλ = −(β_T λ/2τ_p)(P0 − P − kT/2V) dt + sqrt(kT β_T/2τ_p) dW.
 *    Anisotropic/triclinic variant after Del Tatto, Raiteri, Bernetti & Bussi,
 *    Appl. Sci. 12, 1139 (2022), doi:10.3390/app12031139: the volume moves as
 *    above and the shape by a traceless symmetric deformation driven by the
 *    deviatoric pressure with noise. Normal-stress (z) variant for slabs: only
 *    the zz stretch moves, driven by P_zz (derivation at barostat_drift).
 *
 * Units: Å, fs, amu, eV; a = F/m · AION_ACC_UNIT.
 */
#include "md.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void aion_md_opts_init(aion_md_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ensemble = AION_NVE;
    o->dt_fs = 1.0;
    o->temp_K = 300.0;
    o->tau_t_fs = 100.0;
    o->press_GPa = 1e-4;
    o->tau_p_fs = 1000.0;
    o->compress_GPa = 0.01;
    o->nhc_length = 3;
    o->seed = 1;
    o->remove_com = 1;
}

static int is_npt(aion_ensemble e) { return e == AION_NPT_CSVR || e == AION_NPT_LANGEVIN; }
static int is_langevin(aion_ensemble e) { return e == AION_NVT_LANGEVIN || e == AION_NPT_LANGEVIN; }

double aion_md_kinetic(const aion_md *md, int g)
{
    const aion_frame *f = &md->f;
    double k = 0.0;
    for (int i = 0; i < f->n; i++) {
        if (g >= 0 && md->group[i] != g) continue;
        const double *v = f->vel[i];
        k += f->mass[i] * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    }
    return 0.5 * k * AION_AMU_A2_FS2_TO_EV;
}

void aion_md_kinetic_tensor(const aion_md *md, double kt[3][3])
{
    const aion_frame *f = &md->f;
    memset(kt, 0, 9 * sizeof(double));
    for (int i = 0; i < f->n; i++)
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) kt[a][b] += f->mass[i] * f->vel[i][a] * f->vel[i][b];
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) kt[a][b] *= AION_AMU_A2_FS2_TO_EV;
}

aion_status aion_md_compute(aion_md *md)
{
    aion_eval ev;
    aion_status st;
    memset(&ev, 0, sizeof ev);
    ev.forces = md->f.forces;
    ev.want_virial = 1;
    st = aion_potential_compute(md->pot, &md->f, &ev);
    if (st != AION_OK)
        return aion_err_set(&md->err, st, "step %ld: %s", md->step, aion_potential_errmsg(md->pot));
    if (!isfinite(ev.energy))
        return aion_err_set(&md->err, AION_ERR_NUMERIC, "step %ld: the potential energy is not finite", md->step);
    md->epot = ev.energy;
    memcpy(md->virial, ev.virial, sizeof md->virial);
    memset(md->virial_frozen, 0, sizeof md->virial_frozen);
    for (int i = 0; i < md->f.n; i++)
        if (md->frozen[i]) {
            if (md->o.frozen_fixed)
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 3; b++) md->virial_frozen[a][b] += md->f.pos[i][a] * md->f.forces[i][b];
            md->f.forces[i][0] = md->f.forces[i][1] = md->f.forces[i][2] = 0.0;
        }
    md->have_forces = 1;
    return AION_OK;
}

/* Degrees of freedom per group: 3 per mobile atom, minus the 3 of the
 * centre of mass when the dynamics conserves momentum (no frozen atoms, no
 * Langevin), shared among groups in proportion to their size. */
static void count_dof(aion_md *md)
{
    int nmob = 0, cnt[AION_MD_MAX_GROUPS] = {0};
    for (int i = 0; i < md->f.n; i++)
        if (!md->frozen[i]) {
            nmob++;
            cnt[md->group[i]]++;
        }
    int conserve = (nmob == md->f.n) && !is_langevin(md->o.ensemble) && md->f.n > 1;
    md->ndof_total = 0.0;
    for (int g = 0; g < md->ngroups; g++) {
        md->ndof[g] = 3.0 * cnt[g] - (conserve && nmob ? 3.0 * cnt[g] / nmob : 0.0);
        md->ndof_total += md->ndof[g];
    }
}

static void set_targets(aion_md *md, double temp_K)
{
    for (int g = 0; g < md->ngroups; g++) {
        double t = md->o.group_temp_K[g] > 0 ? md->o.group_temp_K[g] : temp_K;
        double tau = md->o.group_tau_t_fs[g] != 0 ? md->o.group_tau_t_fs[g] : md->o.tau_t_fs;
        md->t_target[g] = t;
        md->tau_t[g] = tau;
    }
}

aion_status aion_md_create(aion_md **out, const aion_frame *f, aion_potential *p, const aion_md_opts *o,
                           aion_error *err)
{
    aion_md *md;
    aion_md_opts def;
    aion_status st;
    *out = NULL;
    if (!o) {
        aion_md_opts_init(&def);
        o = &def;
    }
    if (!f || f->n < 1) return aion_err_set(err, AION_ERR_INVALID, "md: no atoms");
    if (!p) return aion_err_set(err, AION_ERR_INVALID, "md: no potential");
    if (!(o->dt_fs > 0 && o->dt_fs < 100)) return aion_err_set(err, AION_ERR_INVALID, "md: time step %g fs is not sensible", o->dt_fs);
    if (o->ensemble != AION_NVE && !(o->temp_K >= 0)) return aion_err_set(err, AION_ERR_INVALID, "md: negative temperature");
    if (is_npt(o->ensemble) && !(f->has & AION_HAS_CELL && f->pbc[0] && f->pbc[1] && f->pbc[2]))
        return aion_err_set(err, AION_ERR_INVALID, "md: constant pressure needs a periodic cell");
    if ((int)o->cell_dof < (int)AION_CELL_ISO || (int)o->cell_dof > (int)AION_CELL_Z)
        return aion_err_set(err, AION_ERR_INVALID, "md: unknown cell degrees of freedom %d", (int)o->cell_dof);
    if (is_npt(o->ensemble) && o->cell_dof == AION_CELL_Z)
        for (int r = 0; r < 2; r++) {
            const double *v = f->cell[r];
            double len = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            if (!(fabs(v[2]) <= 1e-9 * len))
                return aion_err_set(err, AION_ERR_INVALID,
                                    "md: the z-only barostat (cell z) keeps the lateral cell fixed and needs a and b in "
                                    "the xy plane, but %c = (%.10g, %.10g, %.10g) Å has a z component; rotate the "
                                    "structure so that the slab normal is z",
                                    "ab"[r], v[0], v[1], v[2]);
        }
    if (o->n_groups < 0 || o->n_groups > AION_MD_MAX_GROUPS)
        return aion_err_set(err, AION_ERR_INVALID, "md: at most %d groups", AION_MD_MAX_GROUPS);
    if (o->nhc_length < 0 || o->nhc_length > AION_NHC_MAX)
        return aion_err_set(err, AION_ERR_INVALID, "md: Nosé-Hoover chain length must be 1..%d", AION_NHC_MAX);
    md = calloc(1, sizeof *md);
    if (!md) return aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    md->o = *o;
    md->o.group = NULL;
    if (md->o.nhc_length == 0) md->o.nhc_length = 3;
    md->pot = p;
    aion_frame_init(&md->f);
    aion_frame_init(&md->out);
    st = aion_frame_copy(&md->f, f);
    if (st) goto nomem;
    st = aion_frame_resize(&md->f, f->n, AION_HAS_VEL | AION_HAS_FORCES | AION_HAS_MASS);
    if (st) goto nomem;
    if (!(f->has & AION_HAS_MASS) || !f->mass) {
        for (int i = 0; i < f->n; i++) md->f.mass[i] = aion_element_mass(f->z[i]);
    }
    if (!(f->has & AION_HAS_VEL) || !f->vel) memset(md->f.vel, 0, (size_t)f->n * sizeof *md->f.vel);
    md->group = calloc((size_t)f->n, sizeof *md->group);
    md->inv_mass = calloc((size_t)f->n, sizeof *md->inv_mass);
    md->frozen = calloc((size_t)f->n, 1);
    if (!md->group || !md->inv_mass || !md->frozen) goto nomem;
    md->ngroups = o->n_groups > 0 ? o->n_groups : 1;
    for (int i = 0; i < f->n; i++) {
        int g = o->group ? o->group[i] : 0;
        if (g < 0 || g >= md->ngroups) {
            int ng = md->ngroups;
            aion_md_free(md);
            return aion_err_set(err, AION_ERR_INVALID, "md: atom %d has group %d outside 0..%d", i, g, ng - 1);
        }
        md->group[i] = g;
        md->frozen[i] = (unsigned char)(o->group_frozen[g] != 0);
        if (f->has & AION_HAS_FIXED && f->fixed && f->fixed[i][0] && f->fixed[i][1] && f->fixed[i][2]) md->frozen[i] = 1;
        if (!(md->f.mass[i] > 0)) {
            aion_md_free(md);
            return aion_err_set(err, AION_ERR_INVALID, "md: atom %d (%s) has no mass", i, aion_element_symbol(f->z[i]));
        }
        md->inv_mass[i] = md->frozen[i] ? 0.0 : 1.0 / md->f.mass[i];
        if (md->frozen[i]) md->f.vel[i][0] = md->f.vel[i][1] = md->f.vel[i][2] = 0.0;
    }
    aion_rng_seed(&md->rng, o->seed, 0);
    set_targets(md, o->temp_K);
    md->press_target = o->press_GPa / AION_EV_A3_TO_GPA;
    count_dof(md);
    md->time_fs = (f->has & AION_HAS_TIME) ? f->time_fs : 0.0;
    *out = md;
    return AION_OK;
nomem:
    aion_md_free(md);
    return aion_err_set(err, AION_ERR_NOMEM, "md: out of memory");
}

void aion_md_free(aion_md *md)
{
    if (!md) return;
    aion_frame_free(&md->f);
    aion_frame_free(&md->out);
    free(md->group);
    free(md->inv_mass);
    free(md->frozen);
    free(md);
}

const char *aion_md_errmsg(const aion_md *md) { return md ? md->err.msg : "no md"; }
long aion_md_step_count(const aion_md *md) { return md->step; }

void aion_md_set_temperature(aion_md *md, double temp_K)
{
    md->o.temp_K = temp_K;
    md->o.temp_end_K = 0;
    set_targets(md, temp_K);
}

void aion_md_set_pressure(aion_md *md, double press_GPa)
{
    md->o.press_GPa = press_GPa;
    md->press_target = press_GPa / AION_EV_A3_TO_GPA;
}

void aion_md_set_ensemble(aion_md *md, aion_ensemble e)
{
    md->o.ensemble = e;
    count_dof(md);
}

static void remove_com_velocity(aion_md *md)
{
    double p[3] = {0, 0, 0}, m = 0;
    for (int i = 0; i < md->f.n; i++) {
        if (md->frozen[i]) continue;
        for (int k = 0; k < 3; k++) p[k] += md->f.mass[i] * md->f.vel[i][k];
        m += md->f.mass[i];
    }
    if (m <= 0) return;
    for (int i = 0; i < md->f.n; i++)
        if (!md->frozen[i])
            for (int k = 0; k < 3; k++) md->f.vel[i][k] -= p[k] / m;
}

aion_status aion_md_init_velocities(aion_md *md, double temp_K)
{
    for (int i = 0; i < md->f.n; i++) {
        double s = md->frozen[i] ? 0.0 : sqrt(AION_KB_EV * temp_K / (md->f.mass[i] * AION_AMU_A2_FS2_TO_EV));
        for (int k = 0; k < 3; k++) md->f.vel[i][k] = s * aion_rng_normal(&md->rng);
    }
    if (md->o.remove_com && md->ndof_total < 3.0 * md->f.n) remove_com_velocity(md);
    double k = aion_md_kinetic(md, -1);
    if (k > 0 && md->ndof_total > 0) {
        double scale = sqrt(0.5 * md->ndof_total * AION_KB_EV * temp_K / k);
        for (int i = 0; i < md->f.n; i++)
            for (int c = 0; c < 3; c++) md->f.vel[i][c] *= scale;
    }
    md->f.has |= AION_HAS_VEL;
    return AION_OK;
}

/* ------------------------------------------------------------ thermostats */

static void scale_group_velocities(aion_md *md, int g, double s)
{
    for (int i = 0; i < md->f.n; i++)
        if (md->group[i] == g)
            for (int k = 0; k < 3; k++) md->f.vel[i][k] *= s;
}

/* Sum of n squared standard normals: 2·Gamma(n/2) (n may be large). */
static double sum_noises(aion_rng *r, double n)
{
    if (n <= 0) return 0.0;
    return 2.0 * aion_rng_gamma(r, 0.5 * n);
}

static void csvr(aion_md *md, double dt)
{
    for (int g = 0; g < md->ngroups; g++) {
        double nf = md->ndof[g], tau = md->tau_t[g];
        if (tau <= 0 || nf <= 0) continue;
        double k = aion_md_kinetic(md, g);
        double kbar = 0.5 * nf * AION_KB_EV * md->t_target[g];
        double c = exp(-dt / tau);
        double r1 = aion_rng_normal(&md->rng);
        double r2 = sum_noises(&md->rng, nf - 1.0);
        double knew;
        if (k <= 0) continue;
        knew = k + (1.0 - c) * (kbar * (r1 * r1 + r2) / nf - k) + 2.0 * r1 * sqrt(c * (1.0 - c) * k * kbar / nf);
        if (knew < 0) knew = 0;
        scale_group_velocities(md, g, sqrt(knew / k));
        md->heat += knew - k;
    }
}

/* Nosé-Hoover chain half step (dt = half the MD step) for every group,
 * Suzuki-Yoshida order 3 with one multiple time step. */
static void nhc(aion_md *md, double dt)
{
    static const double w3[3] = {1.3512071919596578, -1.7024143839193153, 1.3512071919596578};
    int m = md->o.nhc_length;
    for (int g = 0; g < md->ngroups; g++) {
        double nf = md->ndof[g], tau = md->tau_t[g], kt = AION_KB_EV * md->t_target[g];
        double q[AION_NHC_MAX], G[AION_NHC_MAX];
        double *x = md->nhc_x[g], *v = md->nhc_v[g];
        if (tau <= 0 || nf <= 0 || kt <= 0) continue;
        double k2 = 2.0 * aion_md_kinetic(md, g), k2_start = k2;
        double scale = 1.0;
        q[0] = nf * kt * tau * tau;
        for (int j = 1; j < m; j++) q[j] = kt * tau * tau;
        for (int s = 0; s < 3; s++) {
            double d = w3[s] * dt;
            G[0] = (k2 - nf * kt) / q[0];
            for (int j = 1; j < m; j++) G[j] = (q[j - 1] * v[j - 1] * v[j - 1] - kt) / q[j];
            v[m - 1] += 0.5 * d * G[m - 1];
            for (int j = m - 2; j >= 0; j--) {
                double e = exp(-0.25 * d * v[j + 1]);
                v[j] = (v[j] * e + 0.5 * d * G[j]) * e;
            }
            double sc = exp(-d * v[0]);
            scale *= sc;
            k2 *= sc * sc;
            for (int j = 0; j < m; j++) x[j] += d * v[j];
            G[0] = (k2 - nf * kt) / q[0];
            for (int j = 0; j < m - 1; j++) {
                double e = exp(-0.25 * d * v[j + 1]);
                v[j] = (v[j] * e + 0.5 * d * G[j]) * e;
                G[j + 1] = (q[j] * v[j] * v[j] - kt) / q[j + 1];
            }
            v[m - 1] += 0.5 * d * G[m - 1];
        }
        scale_group_velocities(md, g, scale);
        (void)k2_start;
    }
}

/* Energy of the Nosé-Hoover chain variables (for the conserved quantity). */
static double nhc_energy(const aion_md *md)
{
    double e = 0.0;
    int m = md->o.nhc_length;
    if (md->o.ensemble != AION_NVT_NHC) return 0.0;
    for (int g = 0; g < md->ngroups; g++) {
        double nf = md->ndof[g], tau = md->tau_t[g], kt = AION_KB_EV * md->t_target[g];
        if (tau <= 0 || nf <= 0) continue;
        for (int j = 0; j < m; j++) {
            double q = (j == 0 ? nf : 1.0) * kt * tau * tau;
            e += 0.5 * q * md->nhc_v[g][j] * md->nhc_v[g][j] + (j == 0 ? nf : 1.0) * kt * md->nhc_x[g][j];
        }
    }
    return e;
}

static void langevin_o(aion_md *md, double dt)
{
    double dk = 0.0;
    for (int i = 0; i < md->f.n; i++) {
        int g = md->group[i];
        double tau = md->tau_t[g];
        if (md->frozen[i] || tau <= 0) continue;
        double c1 = exp(-dt / tau);
        double s = sqrt((1.0 - c1 * c1) * AION_KB_EV * md->t_target[g] / (md->f.mass[i] * AION_AMU_A2_FS2_TO_EV));
        double *v = md->f.vel[i];
        double before = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
        for (int k = 0; k < 3; k++) v[k] = c1 * v[k] + s * aion_rng_normal(&md->rng);
        dk += 0.5 * md->f.mass[i] * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2] - before);
    }
    md->heat += dk * AION_AMU_A2_FS2_TO_EV;
}

/* ------------------------------------------------------------ basic moves */

static void kick(aion_md *md, double dt)
{
    const double a = dt * AION_ACC_UNIT;
    for (int i = 0; i < md->f.n; i++) {
        double s = a * md->inv_mass[i];
        for (int k = 0; k < 3; k++) md->f.vel[i][k] += s * md->f.forces[i][k];
    }
}

static void drift(aion_md *md, double dt)
{
    for (int i = 0; i < md->f.n; i++) {
        if (md->frozen[i]) continue;
        for (int k = 0; k < 3; k++) md->f.pos[i][k] += dt * md->f.vel[i][k];
    }
}

/* ------------------------------------------------------------ barostat */

/* exp of a symmetric 3x3 matrix by scaling and squaring of a Taylor series. */
static void sym_expm(const double a[3][3], double e[3][3])
{
    double s[3][3], term[3][3], norm = 0.0;
    int sq = 0;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) norm = fmax(norm, fabs(a[i][j]));
    while (norm > 0.05) {
        norm *= 0.5;
        sq++;
    }
    double f = ldexp(1.0, -sq);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            s[i][j] = a[i][j] * f;
            e[i][j] = (i == j) + s[i][j];
            term[i][j] = s[i][j];
        }
    for (int k = 2; k <= 12; k++) {
        aion_matmul3(term, s, term);
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                term[i][j] /= k;
                e[i][j] += term[i][j];
            }
    }
    for (int q = 0; q < sq; q++) aion_matmul3(e, e, e);
}

/* Pressure tensor P_ab = (Σ m v_a v_b + W_ab)/V (eV/Å³). */
static void pressure_tensor(const aion_md *md, double p[3][3])
{
    double kt[3][3], v = aion_frame_volume(&md->f);
    aion_md_kinetic_tensor(md, kt);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) p[a][b] = (kt[a][b] + md->virial[a][b]) / v;
}

/* One barostat move of length dt combined with the drift x += dt v:
 * r' = μ r + dt (μ + μ^{-1})/2 v, v' = μ^{-1} v, cell' = cell μ (μ symmetric).
 *
 * Anisotropic mode, written per diagonal log-strain ε_aa = ln μ_aa: the
 * volume move (noise sqrt(2kTβ/Vτ) dW_0 shared as 1/3 by each ε_aa) plus the
 * traceless part (β/3τ)(P_aa − P̄) dt + σ(ξ_a − ξ̄), σ² = 2kTβ dt/(3Vτ), add up
 * to three independent equations
 *   dε_aa = −(β/3τ)(P0 − P_aa) dt + sqrt(2kTβ/(3Vτ)) dW_a
 * (variance 2kTβ/(9Vτ) + (2/3)·2kTβ/(3Vτ) = 2kTβ/(3Vτ), covariance
 * 2kTβ/(9Vτ) − (1/3)·2kTβ/(3Vτ) = 0), i.e. mobility β/3τ and diffusion
 * kTβ/(3Vτ) per component: their ratio V/kT is what fixes the stationary
 * distribution exp(−(H + P0 V)/kT); the 1/3 only spreads the volume
 * relaxation of the isotropic equation over three components.
 *
 * Z mode keeps ε_xx = ε_yy = 0, so the one active component carries all of
 * the volume change (dε_zz = d ln V with A = |a × b| fixed). Keeping the
 * ratio V/kT (the same ensemble, now at fixed A) and letting β and τ_p mean
 * what they mean in the isotropic mode (V relaxes in ~τ_p/(β M), M the modulus
 * of the deformation: the uniaxial-strain C_33 = K + 4G/3 here, K for a fluid)
 * gives the full isotropic mobility and diffusion for 1 degree of freedom:
 *   dε_zz = −(β/τ)(P0 − P_zz) dt + sqrt(2kTβ/(Vτ)) dW.
 * It is also the isotropic equation term by term: scaling z alone, the
 * positions take L_z^N = V^N/A^N (as V^N there), the momenta p_z its inverse,
 * −∂U/∂ε_zz = W_zz and −∂K/∂ε_zz = Σ m v_z², so P̄ → P_zz and nothing else
 * changes; in λ = √V the step below is the isotropic one with P_zz,
 * including the Itô drift kT/2V. */
static void barostat_drift(aion_md *md, double dt)
{
    double p[3][3], mu[3][3], muinv[3][3], avg[3][3];
    double vol = aion_frame_volume(&md->f), kt = AION_KB_EV * md->t_target[0];
    double beta = md->o.compress_GPa * AION_EV_A3_TO_GPA; /* Å³/eV */
    double tau = md->o.tau_p_fs, p0 = md->press_target;
    double lam, lam_new, vol_new, ptr;
    double lnmu[3][3] = {{0}}; /* log of the deformation, for the energy bookkeeping */
    const int zonly = (md->o.cell_dof == AION_CELL_Z);
    pressure_tensor(md, p);
    ptr = zonly ? p[2][2] : (p[0][0] + p[1][1] + p[2][2]) / 3.0;
    lam = sqrt(vol);
    lam_new = lam - beta * lam / (2.0 * tau) * (p0 - ptr - kt / (2.0 * vol)) * dt +
              sqrt(kt * beta * dt / (2.0 * tau)) * aion_rng_normal(&md->rng);
    if (lam_new < 0.5 * lam) lam_new = 0.5 * lam; /* guard against absurd moves */
    vol_new = lam_new * lam_new;
    double iso = cbrt(vol_new / vol);
    memset(mu, 0, sizeof mu);
    if (zonly) {
        mu[0][0] = mu[1][1] = 1.0;
        mu[2][2] = vol_new / vol;
        lnmu[2][2] = log(mu[2][2]);
    } else if (md->o.cell_dof == AION_CELL_ISO) {
        for (int a = 0; a < 3; a++) mu[a][a] = iso, lnmu[a][a] = log(iso);
    } else {
        /* deviatoric deformation with noise, traceless and symmetric */
        double dev[3][3], noise[3][3], tr = 0.0;
        double sigma = sqrt(2.0 * beta * kt * dt / (3.0 * tau)) / sqrt(vol_new);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) dev[a][b] = p[a][b] - (a == b) * ptr;
        for (int a = 0; a < 3; a++)
            for (int b = a; b < 3; b++) {
                int offdiag_allowed = (md->o.cell_dof == AION_CELL_TRI);
                double r = aion_rng_normal(&md->rng);
                if (a != b && !offdiag_allowed) r = 0.0, dev[a][b] = dev[b][a] = 0.0;
                noise[a][b] = noise[b][a] = (a == b ? r : r / sqrt(2.0));
            }
        for (int a = 0; a < 3; a++) tr += noise[a][a];
        for (int a = 0; a < 3; a++) noise[a][a] -= tr / 3.0;
        double arg[3][3], e[3][3];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) arg[a][b] = beta / (3.0 * tau) * dev[a][b] * dt + sigma * noise[a][b];
        sym_expm(arg, e);
        /* remove any volume change of the deviatoric part (det e == 1) */
        double d = cbrt(aion_det3(e));
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                mu[a][b] = e[a][b] / d * iso;
                lnmu[a][b] = arg[a][b] + (a == b) * (log(iso) - log(d));
            }
    }
    if (aion_cell_inverse(mu, muinv) != AION_OK) return;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) avg[a][b] = 0.5 * (mu[a][b] + muinv[a][b]);
    /* energy bookkeeping: ΔK from the velocity scaling, ΔU ≈ -Σ W_ab ln μ_ab
     * (first order), and P0 ΔV are work done by the barostat bath */
    double k_before = aion_md_kinetic(md, -1);
    for (int i = 0; i < md->f.n; i++) {
        double r[3], v[3];
        if (md->frozen[i]) {
            if (md->o.frozen_fixed) continue; /* dilate partial: they stay where they are */
            /* dilate all: frozen atoms follow the affine deformation */
            for (int a = 0; a < 3; a++) r[a] = md->f.pos[i][0] * mu[0][a] + md->f.pos[i][1] * mu[1][a] + md->f.pos[i][2] * mu[2][a];
            memcpy(md->f.pos[i], r, sizeof r);
            continue;
        }
        for (int a = 0; a < 3; a++) {
            r[a] = md->f.pos[i][0] * mu[0][a] + md->f.pos[i][1] * mu[1][a] + md->f.pos[i][2] * mu[2][a] +
                   dt * (md->f.vel[i][0] * avg[0][a] + md->f.vel[i][1] * avg[1][a] + md->f.vel[i][2] * avg[2][a]);
            v[a] = md->f.vel[i][0] * muinv[0][a] + md->f.vel[i][1] * muinv[1][a] + md->f.vel[i][2] * muinv[2][a];
        }
        memcpy(md->f.pos[i], r, sizeof r);
        memcpy(md->f.vel[i], v, sizeof v);
    }
    /* change of the potential energy by the deformation, trapezoidal in the
     * virial (second order; the first-order −W:ln μ drifts by ~kT dt/τ_p per
     * step from the noise): the half with the virial before the move here,
     * the other half after the next force evaluation */
    double du = 0.0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) du -= 0.5 * (md->virial[a][b] - md->virial_frozen[a][b]) * lnmu[a][b];
    memcpy(md->lnmu_pending, lnmu, sizeof lnmu);
    md->have_lnmu = 1;
    double cell[3][3];
    aion_matmul3(md->f.cell, mu, cell);
    /* z mode: a and b stay bit for bit (a_z, b_z are zero or below 1e-9 of
     * their length, checked at creation); c' = c μ keeps c_x, c_y */
    if (zonly) memcpy(md->f.cell[2], cell[2], sizeof cell[2]);
    else memcpy(md->f.cell, cell, sizeof cell);
    double vol_after = aion_frame_volume(&md->f);
    md->heat += (aion_md_kinetic(md, -1) - k_before) + du + p0 * (vol_after - vol);
}

/* ------------------------------------------------------------ stepping */

void aion_md_set_ramp(aion_md *md, double t0, double t1, long nsteps)
{
    aion_md_set_temperature(md, t0);
    md->ramp_t0 = t0;
    md->ramp_t1 = t1;
    md->ramp_start = md->step;
    md->ramp_len = (t1 != t0 && nsteps > 0) ? nsteps : 0;
}

static double current_target(const aion_md *md)
{
    double x = (double)(md->step - md->ramp_start) / (double)md->ramp_len;
    if (x < 0) x = 0;
    if (x > 1) x = 1;
    return md->ramp_t0 + x * (md->ramp_t1 - md->ramp_t0);
}

aion_status aion_md_step(aion_md *md, long nsteps)
{
    aion_status st;
    const double dt = md->o.dt_fs;
    const aion_ensemble e = md->o.ensemble;
    if (!md->have_forces && (st = aion_md_compute(md)) != AION_OK) return st;
    if (md->o.temp_end_K > 0) { /* simple API: ramp over this call */
        aion_md_set_ramp(md, md->o.temp_K, md->o.temp_end_K, nsteps);
        md->o.temp_end_K = 0;
    }
    for (long s = 0; s < nsteps; s++) {
        if (md->ramp_len > 0) {
            double t = current_target(md);
            for (int g = 0; g < md->ngroups; g++)
                md->t_target[g] = md->o.group_temp_K[g] > 0 ? md->o.group_temp_K[g] : t;
        }
        switch (e) {
        case AION_NVT_LANGEVIN:
            kick(md, 0.5 * dt);
            drift(md, 0.5 * dt);
            langevin_o(md, dt);
            drift(md, 0.5 * dt);
            break;
        case AION_NPT_LANGEVIN:
            langevin_o(md, 0.5 * dt);
            kick(md, 0.5 * dt);
            barostat_drift(md, dt);
            break;
        case AION_NVT_CSVR:
            csvr(md, 0.5 * dt);
            kick(md, 0.5 * dt);
            drift(md, dt);
            break;
        case AION_NPT_CSVR:
            csvr(md, 0.5 * dt);
            kick(md, 0.5 * dt);
            barostat_drift(md, dt);
            break;
        case AION_NVT_NHC:
            nhc(md, 0.5 * dt);
            kick(md, 0.5 * dt);
            drift(md, dt);
            break;
        default:
            kick(md, 0.5 * dt);
            drift(md, dt);
            break;
        }
        md->step++;
        md->time_fs += dt;
        if ((st = aion_md_compute(md)) != AION_OK) return st;
        if (md->have_lnmu) {
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    md->heat -= 0.5 * (md->virial[a][b] - md->virial_frozen[a][b]) * md->lnmu_pending[a][b];
            md->have_lnmu = 0;
        }
        kick(md, 0.5 * dt);
        switch (e) {
        case AION_NVT_CSVR:
        case AION_NPT_CSVR: csvr(md, 0.5 * dt); break;
        case AION_NVT_NHC: nhc(md, 0.5 * dt); break;
        case AION_NPT_LANGEVIN: langevin_o(md, 0.5 * dt); break;
        default: break;
        }
    }
    return AION_OK;
}

void aion_md_thermo(const aion_md *md, aion_thermo *t)
{
    double p[3][3];
    memset(t, 0, sizeof *t);
    t->step = md->step;
    t->time_fs = md->time_fs;
    t->epot = md->epot;
    t->ekin = aion_md_kinetic(md, -1);
    t->etot = t->epot + t->ekin;
    t->temp_K = md->ndof_total > 0 ? 2.0 * t->ekin / (md->ndof_total * AION_KB_EV) : 0.0;
    t->volume = aion_frame_volume(&md->f);
    memcpy(t->cell, md->f.cell, sizeof t->cell);
    t->density = aion_frame_density(&md->f);
    t->conserved = t->etot - md->heat + nhc_energy(md);
    if (is_npt(md->o.ensemble)) t->conserved += md->press_target * t->volume;
    if (t->volume > 0) {
        pressure_tensor(md, p);
        t->press = (p[0][0] + p[1][1] + p[2][2]) / 3.0;
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) t->stress[a][b] = -p[a][b];
    }
}

const aion_frame *aion_md_frame(aion_md *md)
{
    aion_frame *o = &md->out;
    const aion_frame *f = &md->f;
    double inv[3][3];
    if (aion_frame_copy(o, f) != AION_OK) return NULL;
    o->energy = md->epot;
    o->has |= AION_HAS_ENERGY | AION_HAS_TIME | AION_HAS_STEP;
    o->time_fs = md->time_fs;
    o->step = md->step;
    if ((f->has & AION_HAS_CELL) && aion_cell_inverse(f->cell, inv) == AION_OK) {
        double v = aion_frame_volume(f), p[3][3];
        if (aion_frame_resize(o, f->n, AION_HAS_IMAGE) != AION_OK) return NULL;
        for (int i = 0; i < f->n; i++) {
            double s[3];
            for (int k = 0; k < 3; k++) {
                s[k] = f->pos[i][0] * inv[0][k] + f->pos[i][1] * inv[1][k] + f->pos[i][2] * inv[2][k];
                double fl = f->pbc[k] ? floor(s[k]) : 0.0;
                o->image[i][k] = (int)fl;
                s[k] -= fl;
            }
            for (int k = 0; k < 3; k++) o->pos[i][k] = s[0] * f->cell[0][k] + s[1] * f->cell[1][k] + s[2] * f->cell[2][k];
        }
        /* stress of the potential only (ASE convention for eval-like output) */
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) p[a][b] = -md->virial[a][b] / v;
        memcpy(o->stress, p, sizeof p);
        o->has |= AION_HAS_STRESS;
    }
    return o;
}
