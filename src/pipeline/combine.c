/*
 * Several glasses (replicas) of one pipeline, combined (docs/pipeline.md,
 * "Several glasses"). Each glass g gives its own weighted Arrhenius fit
 * (ln D0_g, Ea_g) with covariance C_g. The glasses are exchangeable draws of
 * the glass ensemble, so the combined estimate is their unweighted mean,
 *
 *   Ea = (1/n) Σ Ea_g,   ln D0 = (1/n) Σ ln D0_g,   ln D(T) = ln D0 − Ea/(k_B T),
 *
 * and its uncertainty is the standard error of that mean from the spread of
 * the glasses: with the sample covariance S of the pairs (ln D0_g, Ea_g)
 * (n − 1 in the denominator), Cov(mean) = S/n, and the 1σ of ln D(T) is
 * √(S_aa + S_ee/(kT)² − 2 S_ae/(kT)) / √n, which equals s(ln D_g(T))/√n, the
 * standard error of the per-glass values at T (same algebra). The spread
 * contains each fit's own noise as well, so it needs no separate term; but a
 * few glasses can agree by chance, so the error is never taken below the
 * propagated fit errors of the mean, √(Σ_g u_g²)/n: u = max(between, within).
 * Per-temperature points and σ(T) are combined the same way in ln space
 * (geometric means; the arithmetic mean of a log-normal spread is larger by
 * exp(s²/2)). Weighted means (1/u_g²) are not used: the fit errors are far
 * smaller than the glass-to-glass spread and would let one lucky glass
 * dominate. Student's t for n − 1 degrees of freedom gives the 95 % interval.
 */
#include "pipeline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void aion_pipe_stage_name(int glass, const char *base, char *out, size_t cap)
{
    if (glass <= 1) snprintf(out, cap, "%s", base);
    else snprintf(out, cap, "glass%d/%s", glass, base);
}

void aion_pipe_model_stage_name(int model, int glass, const char *base, char *out, size_t cap)
{
    char g[64];
    aion_pipe_stage_name(glass, base, g, sizeof g);
    if (model <= 1) snprintf(out, cap, "%s", g);
    else snprintf(out, cap, "model%d/%s", model, g);
}

uint64_t aion_pipe_glass_seed(uint64_t seed, int glass)
{
    if (glass <= 1) return seed;
    return aion_splitmix64(seed ^ aion_splitmix64(0x676c617373000000ULL + (uint64_t)glass)); /* "glass" + g */
}

void aion_pipe_replicate_mean(const double *x, const double *u, int n, pipe_mean *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->mean = out->sd = out->se = out->se_between = out->se_within = NAN;
    if (n < 1) return;
    double s = 0, w = 0;
    for (int g = 0; g < n; g++) {
        s += x[g];
        if (u) w += u[g] * u[g];
    }
    double m = s / n, ss = 0;
    for (int g = 0; g < n; g++) ss += (x[g] - m) * (x[g] - m);
    out->mean = m;
    out->se_within = u ? sqrt(w) / n : NAN;
    if (n >= 2) {
        out->sd = sqrt(ss / (n - 1));
        out->se_between = out->sd / sqrt((double)n);
    }
    if (n >= 2 && u) out->se = fmax(out->se_between, out->se_within);
    else if (n >= 2) out->se = out->se_between;
    else out->se = out->se_within;
}

aion_status aion_pipe_combine_arrhenius(const aion_arrhenius *fits, int n, pipe_arrhenius_comb *out)
{
    memset(out, 0, sizeof *out);
    if (!fits || n < 1) return AION_ERR_INVALID;
    double ma = 0, me = 0;
    for (int g = 0; g < n; g++) {
        ma += fits[g].lnA;
        me += fits[g].Ea_eV;
    }
    ma /= n;
    me /= n;
    double saa = 0, see = 0, sae = 0, waa = 0, wee = 0, wae = 0;
    for (int g = 0; g < n; g++) {
        double da = fits[g].lnA - ma, de = fits[g].Ea_eV - me;
        saa += da * da;
        see += de * de;
        sae += da * de;
        waa += fits[g].lnA_err * fits[g].lnA_err;
        wee += fits[g].Ea_err * fits[g].Ea_err;
        wae += fits[g].cov_lnA_Ea;
    }
    aion_arrhenius base = fits[0];
    base.lnA = ma;
    base.Ea_eV = me;
    base.chi2_dof = NAN;
    base.n = n;
    out->n = n;
    out->within = base;
    out->within.lnA_err = sqrt(waa) / n;
    out->within.Ea_err = sqrt(wee) / n;
    out->within.cov_lnA_Ea = wae / ((double)n * n);
    out->between = base;
    if (n >= 2) {
        double f = 1.0 / ((double)(n - 1) * n); /* sample covariance / n */
        out->between.lnA_err = sqrt(saa * f);
        out->between.Ea_err = sqrt(see * f);
        out->between.cov_lnA_Ea = sae * f;
        out->Ea_sd = sqrt(see / (n - 1));
        out->Ea_err = fmax(out->between.Ea_err, out->within.Ea_err);
        out->lnA_err = fmax(out->between.lnA_err, out->within.lnA_err);
        out->t95 = aion_pipe_t975(n - 1);
    } else {
        out->between.lnA_err = out->between.Ea_err = out->between.cov_lnA_Ea = NAN;
        out->Ea_sd = NAN;
        out->Ea_err = out->within.Ea_err;
        out->lnA_err = out->within.lnA_err;
        out->t95 = NAN;
    }
    return AION_OK;
}

double aion_pipe_combined_predict(const pipe_arrhenius_comb *c, double T_K, double *ln_se, double *ln_se_nocov)
{
    double sw, swn, sb = NAN, sbn = NAN;
    double v = aion_arrhenius_predict(&c->within, T_K, &sw, &swn);
    if (c->n >= 2) aion_arrhenius_predict(&c->between, T_K, &sb, &sbn);
    if (ln_se) *ln_se = c->n >= 2 ? fmax(sb, sw) : sw;
    if (ln_se_nocov) *ln_se_nocov = c->n >= 2 ? fmax(sbn, swn) : swn;
    return v;
}

/*
 * Committee of potentials (docs/pipeline.md, "Committee of potentials"). M
 * potentials that pass the same validation checks are M reasonable models of
 * the same physics; each gives its own estimate x_m (its glasses combined as
 * above) with a statistical error u_m. The committee value is their mean and
 * its error has two parts, reported separately:
 *
 *   u_stat  = √(Σ u_m²)/M          the statistical error of that mean (the MD noise
 *                                  and the glass-to-glass spread of each model);
 *   u_model = s = √(Σ (x_m − x̄)²/(M − 1))
 *                                  the spread between the models, NOT divided by √M;
 *   u       = √(u_stat² + u_model²).
 *
 * Why s and not s/√M: s/√M would be the error of the mean over an ensemble of
 * potentials if their errors were independent draws around the truth. They are
 * not: the models share training data, reference method and functional form,
 * and three or eight of them do not average the reference's or the form's
 * error away. What the committee does measure is how far the result of one
 * reasonable potential lies from another's; that is the uncertainty any single
 * potential's answer (and the committee mean) carries, whatever M is. s itself
 * contains each model's statistical noise too, so u double-counts a little when
 * u_stat is not small against s: it errs on the wide side, deliberately.
 */
void aion_pipe_committee(const double *x, const double *u, int n, pipe_committee *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->mean = out->u_stat = out->u_model = out->u_total = NAN;
    if (n < 1 || !x) return;
    double s = 0, w = 0, ss = 0;
    for (int m = 0; m < n; m++) {
        s += x[m];
        if (u) w += u[m] * u[m];
    }
    out->mean = s / n;
    for (int m = 0; m < n; m++) ss += (x[m] - out->mean) * (x[m] - out->mean);
    if (u) out->u_stat = sqrt(w) / n;
    if (n >= 2) {
        out->u_model = sqrt(ss / (n - 1));
        out->u_total = u ? sqrt(out->u_stat * out->u_stat + out->u_model * out->u_model) : out->u_model;
    } else {
        out->u_total = out->u_stat;
    }
}

double aion_pipe_t975(int dof)
{
    /* two-sided 95 % quantiles of Student's t (scipy.stats.t.ppf(0.975, dof)) */
    static const double t[30] = {12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
                                 2.2010,  2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
                                 2.0796,  2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
    if (dof < 1) return NAN;
    if (dof <= 30) return t[dof - 1];
    /* Cornish–Fisher expansion in 1/dof around the normal quantile (error < 1e-5 beyond 30) */
    const double z = 1.959963984540054, v = dof, z2 = z * z;
    return z + z * (z2 + 1) / (4 * v) + z * ((5 * z2 + 16) * z2 + 3) / (96 * v * v) +
           z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / (384 * v * v * v);
}
