/*
 * Pipeline report: reads the stage records (out/stages/<name>/stage.json),
 * fits Arrhenius to the tracer diffusivities (weighted least squares of ln D
 * on 1/T, errors of ln D from the GLS errors of D; src/analysis/fit.c),
 * extrapolates D and the Nernst–Einstein conductivity to report_T with the
 * full covariance of (ln D0, Ea) (the 1σ band of ln D at T is
 * sqrt(Var lnD0 + Var Ea/(kT)² − 2 Cov/(kT))), and writes a self-contained
 * report.html (inline SVG plots, tables, provenance) and summary.json.
 */
#include "pipeline.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static cJSON *load_stage(const char *out, const char *name)
{
    char path[3400];
    snprintf(path, sizeof path, "%s/stages/%s/stage.json", out, name);
    char *s = aion_pipe_read_file(path, NULL);
    if (!s) return NULL;
    cJSON *j = cJSON_Parse(s);
    free(s);
    return j;
}

static double num(const cJSON *o, const char *path)
{
    /* dotted path */
    char buf[256], *sv = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *c = o;
    for (char *t = strtok_r(buf, ".", &sv); t && c; t = strtok_r(NULL, ".", &sv)) c = cJSON_GetObjectItemCaseSensitive(c, t);
    return cJSON_IsNumber(c) ? c->valuedouble : NAN;
}

static const cJSON *item(const cJSON *o, const char *path)
{
    char buf[256], *sv = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *c = o;
    for (char *t = strtok_r(buf, ".", &sv); t && c; t = strtok_r(NULL, ".", &sv)) c = cJSON_GetObjectItemCaseSensitive(c, t);
    return c;
}

/* Array of numbers -> malloc'd doubles; returns count (0 on failure). */
static int array(const cJSON *a, double **out)
{
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
    *out = NULL;
    if (n <= 0) return 0;
    double *v = malloc(sizeof(double) * (size_t)n);
    if (!v) return 0;
    int k = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) v[k++] = cJSON_IsNumber(e) ? e->valuedouble : NAN;
    *out = v;
    return n;
}

static void html_esc(aion_strbuf *b, const char *t)
{
    for (; t && *t; t++) {
        switch (*t) {
        case '<': aion_sb_puts(b, "&lt;"); break;
        case '>': aion_sb_puts(b, "&gt;"); break;
        case '&': aion_sb_puts(b, "&amp;"); break;
        case '"': aion_sb_puts(b, "&quot;"); break;
        default: aion_sb_putc(b, *t);
        }
    }
}

/* Number with uncertainty in scientific notation: (1.23 ± 0.04)×10⁻⁶. */
static void pm(aion_strbuf *b, double v, double e)
{
    if (!isfinite(v)) {
        aion_sb_puts(b, "–");
        return;
    }
    int ex = v != 0 ? (int)floor(log10(fabs(v))) : 0;
    if (ex >= -2 && ex <= 3) {
        if (isfinite(e)) aion_sb_printf(b, "%.3g ± %.2g", v, e);
        else aion_sb_printf(b, "%.3g", v);
        return;
    }
    double s = pow(10, ex);
    if (isfinite(e)) aion_sb_printf(b, "(%.3g ± %.2g)×10<sup>%d</sup>", v / s, e / s, ex);
    else aion_sb_printf(b, "%.3g×10<sup>%d</sup>", v / s, ex);
}

static void sci(aion_strbuf *b, double v)
{
    if (!isfinite(v)) {
        aion_sb_puts(b, "–");
        return;
    }
    int ex = v != 0 ? (int)floor(log10(fabs(v))) : 0;
    if (ex >= -2 && ex <= 3) aion_sb_printf(b, "%.3g", v);
    else aion_sb_printf(b, "%.3g×10<sup>%d</sup>", v / pow(10, ex), ex);
}

static void add_svg(aion_strbuf *b, aion_plot *p, int w, int h)
{
    char *svg = p ? aion_plot_svg(p, w, h) : NULL;
    if (svg) {
        aion_sb_puts(b, "<div class=\"plot\">");
        aion_sb_puts(b, svg);
        aion_sb_puts(b, "</div>\n");
    }
    free(svg);
}

enum { NBAND = 41 };

/* The Arrhenius fit line and its ±1σ band (ln-space error s: v·e^{±s}, drawn as
 * centre and half width) at NBAND points from 1000/Tmax to 1000/Tmin; from the
 * combined estimate of several glasses when comb is given, else from the fit. */
static void arrhenius_band(const aion_arrhenius *fit, const pipe_arrhenius_comb *comb, double Tmin, double Tmax,
                           double bx[NBAND], double ly[NBAND], double by[NBAND], double be[NBAND])
{
    for (int i = 0; i < NBAND; i++) {
        double inv = 1000.0 / Tmax + (1000.0 / Tmin - 1000.0 / Tmax) * i / (NBAND - 1);
        double T = 1000.0 / inv, s1;
        double v = comb ? aion_pipe_combined_predict(comb, T, &s1, NULL) : aion_arrhenius_predict(fit, T, &s1, NULL);
        bx[i] = inv;
        ly[i] = v;
        by[i] = 0.5 * (v * exp(s1) + v * exp(-s1));
        be[i] = 0.5 * (v * exp(s1) - v * exp(-s1));
    }
}

/* The extrapolated D*(Tr) and its (asymmetric) 1σ interval D·e^{±sd}. */
static void add_extrapolated(aion_plot *pl, double Tr, double D, double sd)
{
    double x3[2] = {1000.0 / Tr, 1000.0 / Tr}, y3[2] = {D * exp(-sd), D * exp(sd)};
    char lab[64];
    snprintf(lab, sizeof lab, "extrapolated to %g K", Tr);
    aion_plot_add(pl, lab, x3, &D, NULL, 1, AION_PLOT_POINTS);
    aion_plot_add(pl, "", x3, y3, NULL, 2, AION_PLOT_LINE | AION_PLOT_SAME_COLOR);
}

static void warnings_html(aion_strbuf *b, const cJSON *d)
{
    const cJSON *w = item(d, "warnings"), *e;
    int first = 1;
    cJSON_ArrayForEach(e, w)
    {
        if (!cJSON_IsString(e)) continue;
        aion_sb_puts(b, first ? "" : "; ");
        html_esc(b, e->valuestring);
        first = 0;
    }
}

/* Reference values of ../shared/docs/science.md §5 for Li–P–O(–N) glasses. */
static int li_p_o(const char *composition)
{
    int z[16], n;
    double a[16];
    if (aion_parse_formula(composition, z, a, 16, &n, NULL) != AION_OK) return 0;
    int li = 0, p = 0, o = 0, other = 0;
    for (int k = 0; k < n; k++) {
        if (z[k] == 3) li = 1;
        else if (z[k] == 15) p = 1;
        else if (z[k] == 8) o = 1;
        else if (z[k] != 7) other = 1;
    }
    return li && p && o && !other;
}

typedef struct tdata {
    double T, D, De, Dlo, Dhi, Dc, Dce, H, He, sig, sige, signe, signee, hops, rsd, chi2, t0, t1, ntr, ngp;
    double vol, ion_n, frames, fw_msd, fw_D;
    double gmax, gmean, gabove2, gframes; /* extrapolation grade of the production frames (NaN: not graded) */
    int dims;
    const cJSON *tr;   /* transport results */
    const cJSON *md;   /* md results */
    const cJSON *npt;  /* npt results (may be NULL) */
} tdata;

/* One glass: its records, per-temperature data and its own Arrhenius fits. */
typedef struct glass_res {
    int g;                      /* 1-based */
    uint64_t seed;              /* of its quench */
    cJSON *q, *str, *tj[AION_PIPELINE_MAX_T], *mj[AION_PIPELINE_MAX_T], *nj[AION_PIPELINE_MAX_T];
    tdata td[AION_PIPELINE_MAX_T];
    double fT[AION_PIPELINE_MAX_T], fD[AION_PIPELINE_MAX_T], fE[AION_PIPELINE_MAX_T];
    int nf;
} glass_res;

/* The values the headline, summary.json and the per-glass table show: one
 * glass's own, or the combination of several. */
typedef struct headline {
    aion_arrhenius ar;          /* ln D0 (lnA), Ea, their errors and covariance */
    int have_fit, chi_scaled, nf;
    double D300, sd, sdn;       /* D*(Tr), 1σ of ln D*(Tr) with and without the covariance */
    double vglass, nion;
    double s300, s300lo, s300hi;
    double Hm, Hme;
    int have_sfit;
    double sdir300, sdsd;
    double density, density_sd;
} headline;

static void glass_free(glass_res *r)
{
    cJSON_Delete(r->q);
    cJSON_Delete(r->str);
    for (int k = 0; k < AION_PIPELINE_MAX_T; k++) {
        cJSON_Delete(r->tj[k]);
        cJSON_Delete(r->mj[k]);
        cJSON_Delete(r->nj[k]);
    }
}

/* Records of glass g of model m (1 = potential.model) and its per-temperature data; notes prefixed by pre. */
static aion_status glass_load(const aion_pipeline_config *c, const char *out, int m, int g, const pipe_stage_info *stg,
                              int nst, glass_res *r, aion_strbuf *nb, const char *pre, aion_error *err)
{
    char name[64], base[48], mod[32] = "";
    if (m > 1) snprintf(mod, sizeof mod, " of model %d", m);
    r->g = g;
    aion_pipe_model_stage_name(m, g, "quench", name, sizeof name);
    for (int k = 0; k < nst; k++)
        if (!strcmp(stg[k].name, name)) r->seed = stg[k].seed;
    r->q = load_stage(out, name);
    aion_pipe_model_stage_name(m, g, "structure", name, sizeof name);
    r->str = load_stage(out, name);
    if (!r->q || !r->str) {
        if (g == 1)
            return aion_err_set(err, AION_ERR_IO, "%s/stages: quench or structure record%s missing or unreadable", out, mod);
        return aion_err_set(err, AION_ERR_IO, "%s/stages: quench or structure record of glass %d%s missing or unreadable",
                            out, g, mod);
    }
    {
        double qg = num(r->str, "results.quench_grade.max");
        if (qg > c->grade_warn)
            aion_sb_printf(nb, "%squench: extrapolation grade up to %.3g (> analysis.grade_warn = %g; %.0f of %.0f frames "
                               "above 2) at %.3g ps: the glass was made partly outside the potential's training data%s\n",
                           pre, qg, c->grade_warn, num(r->str, "results.quench_grade.frames_above_2"),
                           num(r->str, "results.quench_grade.frames"), num(r->str, "results.quench_grade.max_time_ps"),
                           qg > 10 ? " (above 10: unreliable)" : "");
    }
    aion_strbuf gw, pw;
    double gworst = 0;
    aion_sb_init(&gw);
    aion_sb_init(&pw);
    {
        const cJSON *qg = item(r->str, "results.quench_grade");
        const cJSON *sp = item(qg, "shortest_pair");
        if (num(qg, "frames_below_min_dist") > 0)
            aion_sb_printf(&pw, "quench (%.0f of %.0f frames; shortest %s %.2f Å)", num(qg, "frames_below_min_dist"),
                           num(qg, "frames"), cJSON_IsString(sp) ? sp->valuestring : "?", num(qg, "shortest_pair_A"));
    }
    for (int k = 0; k < c->n_temps; k++) {
        double T = c->temps_K[k];
        snprintf(base, sizeof base, "transport-%gK", T);
        aion_pipe_model_stage_name(m, g, base, name, sizeof name);
        r->tj[k] = load_stage(out, name);
        snprintf(base, sizeof base, "md-%gK", T);
        aion_pipe_model_stage_name(m, g, base, name, sizeof name);
        r->mj[k] = load_stage(out, name);
        snprintf(base, sizeof base, "npt-%gK", T);
        aion_pipe_model_stage_name(m, g, base, name, sizeof name);
        if (c->npt_ps > 0) r->nj[k] = load_stage(out, name);
        if (!r->tj[k] || !r->mj[k]) {
            aion_sb_free(&gw);
            aion_sb_free(&pw);
            if (g == 1) return aion_err_set(err, AION_ERR_IO, "%s/stages: record of %g K%s missing or unreadable", out, T, mod);
            return aion_err_set(err, AION_ERR_IO, "%s/stages: record of %g K of glass %d%s missing or unreadable", out, T, g,
                                mod);
        }
        const cJSON *rs = item(r->tj[k], "results");
        tdata *d = &r->td[k];
        d->T = T;
        d->tr = rs;
        d->md = item(r->mj[k], "results");
        d->npt = r->nj[k] ? item(r->nj[k], "results") : NULL;
        d->D = num(rs, "tracer.D_cm2_s");
        d->De = num(rs, "tracer.D_err_cm2_s");
        d->Dlo = num(rs, "tracer.D_95_lo_cm2_s");
        d->Dhi = num(rs, "tracer.D_95_hi_cm2_s");
        d->Dc = num(rs, "collective.D_cm2_s");
        d->Dce = num(rs, "collective.D_err_cm2_s");
        d->H = num(rs, "haven");
        d->He = num(rs, "haven_err");
        d->sig = num(rs, "conductivity.sigma_S_cm");
        d->sige = num(rs, "conductivity.sigma_err_S_cm");
        d->signe = num(rs, "conductivity.sigma_ne_S_cm");
        d->signee = num(rs, "conductivity.sigma_ne_err_S_cm");
        d->hops = num(rs, "tracer.n_hops_eff");
        d->rsd = num(rs, "tracer.rsd_he2018");
        d->chi2 = num(rs, "tracer.chi2_dof");
        d->t0 = num(rs, "tracer.fit_start_fs");
        d->t1 = num(rs, "tracer.fit_end_fs");
        d->ntr = num(rs, "tracer.intercept_A2");
        d->dims = (int)num(rs, "tracer.n_dims");
        d->ngp = num(rs, "ngp_max");
        d->vol = num(rs, "volume_A3");
        d->ion_n = num(rs, "n_ions");
        d->frames = num(rs, "frames");
        d->fw_msd = num(rs, "framework.msd_max_A2");
        d->fw_D = num(rs, "framework.D_cm2_s");
        d->gmax = num(rs, "grade.max");
        d->gmean = num(rs, "grade.mean");
        d->gabove2 = num(rs, "grade.frames_above_2");
        d->gframes = num(rs, "grade.frames");
        if (d->gmax > c->grade_warn) {
            /* one note for all temperatures of the glass */
            aion_sb_printf(&gw, "%s%g K (up to %.3g, %.0f of %.0f frames above 2)", gw.len ? ", " : "", T, d->gmax,
                           d->gabove2, d->gframes);
            gworst = fmax(gworst, d->gmax);
        }
        if (num(rs, "grade.frames_below_min_dist") > 0) {
            const cJSON *sp = item(rs, "grade.shortest_pair");
            aion_sb_printf(&pw, "%s%g K (%.0f of %.0f frames; shortest %s %.2f Å)", pw.len ? ", " : "", T,
                           num(rs, "grade.frames_below_min_dist"), num(rs, "grade.frames"),
                           cJSON_IsString(sp) ? sp->valuestring : "?", num(rs, "grade.shortest_pair_A"));
        }
        if (d->fw_msd > 3.0)
            aion_sb_printf(nb, "%s%g K: the framework (%s) MSD reaches %.1f Å² (> 3 Å²): the network flows, this "
                               "temperature is above the glass transition of the model\n",
                           pre, T, c->framework, d->fw_msd);
    }
    if (gw.len)
        aion_sb_printf(nb, "%sextrapolation grade above analysis.grade_warn = %g in production at %s: the potential "
                           "extrapolates in these runs%s; such frames are what aion learn would label next\n",
                       pre, c->grade_warn, gw.s, gworst > 10 ? " (beyond 10: its forces there are unreliable)" : "");
    if (pw.len)
        aion_sb_printf(nb, "%spairs closer than the potential's inner radius (min_dist %.3g Å), where it has no training "
                           "data and the grade sees little: %s. Such configurations are holes of the potential, not "
                           "physics: the results of these runs are not trustworthy\n",
                       pre, num(r->str, "results.quench_grade.min_dist_A"), pw.s);
    aion_sb_free(&gw);
    aion_sb_free(&pw);
    return AION_OK;
}

/* The Arrhenius fits and extrapolations of one glass (its headline values). */
static void glass_fit(const aion_pipeline_config *c, glass_res *r, headline *o, aion_strbuf *nb, const char *pre)
{
    int nt = c->n_temps;
    const tdata *td = r->td;
    memset(o, 0, sizeof *o);
    r->nf = 0;
    for (int k = 0; k < nt; k++) {
        if (td[k].D > 0 && td[k].De > 0 && isfinite(td[k].De)) {
            r->fT[r->nf] = td[k].T, r->fD[r->nf] = td[k].D, r->fE[r->nf] = td[k].De;
            r->nf++;
        } else {
            aion_sb_printf(nb, "%s%g K left out of the Arrhenius fit: D* not positive with a finite error\n", pre, td[k].T);
        }
    }
    int nf = r->nf;
    double Tr = c->report_T_K;
    o->nf = nf;
    o->D300 = o->sd = o->sdn = NAN;
    if (nf >= 2) {
        aion_arrhenius_opts ao;
        aion_arrhenius_opts_init(&ao);
        aion_error e2;
        if (aion_arrhenius_fit(r->fT, r->fD, r->fE, nf, &ao, &o->ar, &e2) == AION_OK) {
            o->have_fit = 1;
            if (o->ar.chi2_dof > 1 && nf > 2) {
                /* the points scatter more than their errors: scale the covariance by χ²/dof (Birge) */
                double chi2 = o->ar.chi2_dof;
                ao.scale_by_chi2 = 1;
                if (aion_arrhenius_fit(r->fT, r->fD, r->fE, nf, &ao, &o->ar, &e2) == AION_OK) {
                    o->chi_scaled = 1;
                    aion_sb_printf(nb, "%sArrhenius fit: chi2/dof = %.2g > 1: the errors of ln D0, Ea and the band are "
                                       "scaled by sqrt(chi2/dof) = %.2g%s\n",
                                   pre, chi2, sqrt(chi2),
                                   chi2 > 3 ? " (the points do not follow one straight line within their errors: "
                                              "a glass that changes between temperatures, or curvature)"
                                            : "");
                }
            }
            o->D300 = aion_arrhenius_predict(&o->ar, Tr, &o->sd, &o->sdn);
        } else {
            aion_sb_printf(nb, "%sArrhenius fit failed: %s\n", pre, e2.msg);
        }
    } else {
        aion_sb_printf(nb, "%sfewer than 2 usable temperatures: no Arrhenius fit\n", pre);
    }
    if (o->have_fit && nf < 4) aion_sb_printf(nb, "%sArrhenius fit from only %d temperatures\n", pre, nf);
    /* Nernst–Einstein at the report temperature with the glass volume */
    o->vglass = num(r->q, "results.final_hold.volume_A3");
    o->nion = td[0].ion_n;
    double fac = aion_nernst_einstein_factor(o->nion, c->ion_charge, o->vglass, Tr);
    o->s300 = fac * o->D300, o->s300lo = fac * o->D300 * exp(-o->sd), o->s300hi = fac * o->D300 * exp(o->sd);
    /* weighted mean Haven ratio */
    double hw = 0, hs = 0;
    for (int k = 0; k < nt; k++)
        if (isfinite(td[k].H) && td[k].He > 0 && isfinite(td[k].He)) {
            hw += 1 / (td[k].He * td[k].He);
            hs += td[k].H / (td[k].He * td[k].He);
        }
    o->Hm = hw > 0 ? hs / hw : NAN, o->Hme = hw > 0 ? 1 / sqrt(hw) : NAN;
    /* Arrhenius of σT from the charge MSD (direct, noisier) */
    aion_arrhenius as;
    o->sdir300 = o->sdsd = NAN;
    {
        double sT[AION_PIPELINE_MAX_T], sv[AION_PIPELINE_MAX_T], se[AION_PIPELINE_MAX_T];
        int ns = 0;
        for (int k = 0; k < nt; k++)
            if (td[k].sig > 0 && td[k].sige > 0 && isfinite(td[k].sige)) {
                sT[ns] = td[k].T, sv[ns] = td[k].sig, se[ns] = td[k].sige;
                ns++;
            }
        aion_arrhenius_opts ao;
        aion_arrhenius_opts_init(&ao);
        ao.times_T = 1;
        if (ns >= 2 && aion_arrhenius_fit(sT, sv, se, ns, &ao, &as, NULL) == AION_OK) {
            o->have_sfit = 1;
            if (as.chi2_dof > 1 && ns > 2) {
                ao.scale_by_chi2 = 1;
                aion_arrhenius_fit(sT, sv, se, ns, &ao, &as, NULL);
            }
            o->sdir300 = aion_arrhenius_predict(&as, Tr, &o->sdsd, NULL);
        }
    }
    o->density = num(r->q, "results.final_hold.density_gcc");
    o->density_sd = num(r->q, "results.final_hold.density_sd_gcc");
}

/* Combined values of several glasses (combine.c has the formulas). */
typedef struct combined {
    pipe_arrhenius_comb comb;       /* of the glasses with a fit */
    int nfit;
    pipe_mean lnD300, lnS300, H, lnSdir, dens;
    double sigma_arith;             /* arithmetic mean of the glasses' σ(Tr) */
    /* per temperature: ln D* over the glasses with a usable D* */
    pipe_mean lnD[AION_PIPELINE_MAX_T], haven[AION_PIPELINE_MAX_T], lnSne[AION_PIPELINE_MAX_T];
    double Tmean[AION_PIPELINE_MAX_T];
} combined;

static void combine_glasses(const aion_pipeline_config *c, const glass_res *r, const headline *hg, int ng,
                            headline *o, combined *cb, aion_strbuf *nb, const char *pre)
{
    double x[AION_PIPELINE_MAX_GLASSES], u[AION_PIPELINE_MAX_GLASSES];
    aion_arrhenius fits[AION_PIPELINE_MAX_GLASSES];
    double Tr = c->report_T_K;
    int n;
    memset(o, 0, sizeof *o);
    memset(cb, 0, sizeof *cb);
    o->D300 = o->sd = o->sdn = o->s300 = o->s300lo = o->s300hi = o->sdir300 = o->sdsd = NAN;
    n = 0;
    for (int g = 0; g < ng; g++)
        if (hg[g].have_fit) fits[n++] = hg[g].ar;
    cb->nfit = n;
    if (n < ng)
        aion_sb_printf(nb, "%s%d of %d glasses have an Arrhenius fit: the combination uses those\n", pre, n, ng);
    if (n >= 1 && aion_pipe_combine_arrhenius(fits, n, &cb->comb) == AION_OK) {
        o->have_fit = 1;
        o->ar = n >= 2 ? cb->comb.between : cb->comb.within;
        o->ar.Ea_err = cb->comb.Ea_err;
        o->ar.lnA_err = cb->comb.lnA_err;
        o->ar.chi2_dof = NAN;
        o->nf = n;
        o->D300 = aion_pipe_combined_predict(&cb->comb, Tr, &o->sd, &o->sdn);
        if (n == 1)
            aion_sb_printf(nb, "%sonly one glass has an Arrhenius fit: no glass-to-glass spread in the errors\n", pre);
    }
    /* σ(Tr) (Nernst–Einstein): geometric mean of the glasses' values, spread in ln σ */
    n = 0;
    cb->sigma_arith = 0;
    for (int g = 0; g < ng; g++)
        if (hg[g].have_fit && hg[g].s300 > 0) {
            x[n] = log(hg[g].s300), u[n] = hg[g].sd;
            cb->sigma_arith += hg[g].s300;
            n++;
        }
    cb->sigma_arith = n ? cb->sigma_arith / n : NAN;
    aion_pipe_replicate_mean(x, u, n, &cb->lnS300);
    if (n) {
        o->s300 = exp(cb->lnS300.mean);
        o->s300lo = exp(cb->lnS300.mean - cb->lnS300.se);
        o->s300hi = exp(cb->lnS300.mean + cb->lnS300.se);
    }
    n = 0;
    for (int g = 0; g < ng; g++)
        if (hg[g].have_fit && hg[g].D300 > 0) x[n] = log(hg[g].D300), u[n] = hg[g].sd, n++;
    aion_pipe_replicate_mean(x, u, n, &cb->lnD300);
    /* mean Haven ratio */
    n = 0;
    for (int g = 0; g < ng; g++)
        if (isfinite(hg[g].Hm) && isfinite(hg[g].Hme)) x[n] = hg[g].Hm, u[n] = hg[g].Hme, n++;
    aion_pipe_replicate_mean(x, u, n, &cb->H);
    o->Hm = n ? cb->H.mean : NAN;
    o->Hme = n ? cb->H.se : NAN;
    /* σ from the charge MSD */
    n = 0;
    for (int g = 0; g < ng; g++)
        if (hg[g].have_sfit && hg[g].sdir300 > 0) x[n] = log(hg[g].sdir300), u[n] = hg[g].sdsd, n++;
    aion_pipe_replicate_mean(x, u, n, &cb->lnSdir);
    o->have_sfit = n > 0;
    if (n) o->sdir300 = exp(cb->lnSdir.mean), o->sdsd = cb->lnSdir.se;
    /* glass */
    n = 0;
    double vs = 0, dsd = 0;
    for (int g = 0; g < ng; g++) {
        x[n++] = hg[g].density;
        vs += hg[g].vglass;
        dsd += hg[g].density_sd;
    }
    aion_pipe_replicate_mean(x, NULL, n, &cb->dens);
    o->density = cb->dens.mean;
    o->density_sd = dsd / ng;
    o->vglass = vs / ng;
    o->nion = hg[0].nion;
    /* per temperature */
    for (int k = 0; k < c->n_temps; k++) {
        double y[AION_PIPELINE_MAX_GLASSES], v[AION_PIPELINE_MAX_GLASSES], s[AION_PIPELINE_MAX_GLASSES],
            w[AION_PIPELINE_MAX_GLASSES];
        int m = 0, ms = 0;
        double tm = 0;
        n = 0;
        for (int g = 0; g < ng; g++) {
            const tdata *d = &r[g].td[k];
            tm += num(d->md, "mean_temperature_K");
            if (d->D > 0 && d->De > 0 && isfinite(d->De)) x[n] = log(d->D), u[n] = d->De / d->D, n++;
            if (isfinite(d->H) && d->He > 0 && isfinite(d->He)) y[m] = d->H, v[m] = d->He, m++;
            if (d->signe > 0 && d->signee > 0 && isfinite(d->signee))
                s[ms] = log(d->signe), w[ms] = d->signee / d->signe, ms++;
        }
        cb->Tmean[k] = tm / ng;
        aion_pipe_replicate_mean(x, u, n, &cb->lnD[k]);
        aion_pipe_replicate_mean(y, v, m, &cb->haven[k]);
        aion_pipe_replicate_mean(s, w, ms, &cb->lnSne[k]);
    }
}

/* "arrhenius" object of summary.json (null without a fit). */
static void json_arrhenius(aion_strbuf *js, const headline *o, double Tr)
{
    if (!o->have_fit) {
        aion_sb_puts(js, "null");
        return;
    }
    aion_sb_puts(js, "{\"Ea_eV\": ");
    aion_pipe_json_num(js, o->ar.Ea_eV);
    aion_sb_puts(js, ", \"Ea_err_eV\": ");
    aion_pipe_json_num(js, o->ar.Ea_err);
    aion_sb_puts(js, ", \"lnD0\": ");
    aion_pipe_json_num(js, o->ar.lnA);
    aion_sb_puts(js, ", \"lnD0_err\": ");
    aion_pipe_json_num(js, o->ar.lnA_err);
    aion_sb_puts(js, ", \"cov_lnD0_Ea\": ");
    aion_pipe_json_num(js, o->ar.cov_lnA_Ea);
    aion_sb_puts(js, ", \"chi2_dof\": ");
    aion_pipe_json_num(js, o->ar.chi2_dof);
    aion_sb_printf(js, ", \"errors_scaled_by_chi2\": %s, \"points\": %d, \"at\": {\"T_K\": ",
                   o->chi_scaled ? "true" : "false", o->nf);
    aion_pipe_json_num(js, Tr);
    aion_sb_puts(js, ", \"D_cm2_s\": ");
    aion_pipe_json_num(js, o->D300);
    aion_sb_puts(js, ", \"D_1sigma\": [");
    aion_pipe_json_num(js, o->D300 * exp(-o->sd));
    aion_sb_puts(js, ", ");
    aion_pipe_json_num(js, o->D300 * exp(o->sd));
    aion_sb_puts(js, "], \"D_1sigma_without_covariance\": [");
    aion_pipe_json_num(js, o->D300 * exp(-o->sdn));
    aion_sb_puts(js, ", ");
    aion_pipe_json_num(js, o->D300 * exp(o->sdn));
    aion_sb_puts(js, "], \"sigma_ne_S_cm\": ");
    aion_pipe_json_num(js, o->s300);
    aion_sb_puts(js, ", \"sigma_ne_1sigma\": [");
    aion_pipe_json_num(js, o->s300lo);
    aion_sb_puts(js, ", ");
    aion_pipe_json_num(js, o->s300hi);
    aion_sb_puts(js, "], \"haven_mean\": ");
    aion_pipe_json_num(js, o->Hm);
    aion_sb_puts(js, ", \"haven_mean_err\": ");
    aion_pipe_json_num(js, o->Hme);
    aion_sb_puts(js, ", \"sigma_ne_over_haven_S_cm\": ");
    aion_pipe_json_num(js, o->s300 / o->Hm);
    aion_sb_puts(js, ", \"sigma_charge_msd_arrhenius_S_cm\": ");
    aion_pipe_json_num(js, o->have_sfit ? o->sdir300 : NAN);
    aion_sb_puts(js, ", \"sigma_charge_msd_arrhenius_1sigma\": [");
    aion_pipe_json_num(js, o->have_sfit ? o->sdir300 * exp(-o->sdsd) : NAN);
    aion_sb_puts(js, ", ");
    aion_pipe_json_num(js, o->have_sfit ? o->sdir300 * exp(o->sdsd) : NAN);
    aion_sb_puts(js, "]}}");
}

/* "glass" object of one glass. */
static void json_glass(aion_strbuf *js, const glass_res *r)
{
    aion_sb_puts(js, "{\"density_gcc\": ");
    aion_pipe_json_num(js, num(r->q, "results.final_hold.density_gcc"));
    aion_sb_puts(js, ", \"density_sd_gcc\": ");
    aion_pipe_json_num(js, num(r->q, "results.final_hold.density_sd_gcc"));
    aion_sb_puts(js, ", \"volume_A3\": ");
    aion_pipe_json_num(js, num(r->q, "results.final_hold.volume_A3"));
    aion_sb_puts(js, ", \"Qn\": [");
    {
        const cJSON *qa = item(r->str, "results.qn.fraction"), *e;
        int first = 1;
        cJSON_ArrayForEach(e, qa)
        {
            aion_sb_puts(js, first ? "" : ", ");
            aion_pipe_json_num(js, cJSON_IsNumber(e) ? e->valuedouble : NAN);
            first = 0;
        }
    }
    aion_sb_puts(js, "], \"o_bridging\": ");
    aion_pipe_json_num(js, num(r->str, "results.qn.o_bridging"));
    aion_sb_puts(js, ", \"quench_grade_max\": ");
    aion_pipe_json_num(js, num(r->str, "results.quench_grade.max"));
    aion_sb_puts(js, "}");
}

/* "a × b × c Å cell" of glass 1 (its glass.xyz; lengths of the cell vectors), or
 * "cubic cell of L Å" when they are equal or the file cannot be read (L from the volume). */
static void cell_text(const char *out, double vol, char *buf, size_t cap)
{
    char path[3200];
    aion_reader *rd = NULL;
    aion_frame f;
    double L[3] = {0, 0, 0}, ang[3];
    aion_frame_init(&f);
    snprintf(path, sizeof path, "%s/stages/quench/glass.xyz", out);
    if (aion_reader_open(&rd, path, NULL, NULL) == AION_OK && aion_reader_next(rd, &f) == AION_OK)
        aion_cell_to_params(f.cell, L, ang);
    aion_reader_close(rd);
    aion_frame_free(&f);
    if (L[0] > 0 && (fabs(L[0] - L[1]) > 0.01 || fabs(L[0] - L[2]) > 0.01))
        snprintf(buf, cap, "%.1f × %.1f × %.1f Å cell", L[0], L[1], L[2]);
    else
        snprintf(buf, cap, "cubic cell of %.1f Å", L[0] > 0 ? L[0] : cbrt(vol));
}

/* The extrapolation grade of every graded stage (quench, production runs). */
static void grade_html(aion_strbuf *h, const aion_pipeline_config *c, const glass_res *gr, int ng)
{
    int any = 0;
    for (int g = 0; g < ng; g++) {
        any |= isfinite(num(gr[g].str, "results.quench_grade.max"));
        for (int k = 0; k < c->n_temps; k++) any |= isfinite(gr[g].td[k].gmax);
    }
    aion_sb_puts(h, "<h3>Extrapolation grade along the runs</h3>\n");
    if (!any) {
        aion_sb_puts(h, "<p>Not graded (potential.active_set: no MaxVol active set for this potential), so nothing here "
                        "says whether the runs stayed where the potential was trained.</p>\n");
        return;
    }
    aion_sb_printf(h, "<p>MaxVol grade γ of every saved frame against the potential's active set (Podryabinkin &amp; "
                      "Shapeev 2017): γ ≤ 1 interpolation, above 2 extrapolation worth labelling, above 10 "
                      "unreliable. Rows above analysis.grade_warn = %g are marked.</p>\n<table><tr>%s<th class=\"l\">run"
                      "</th><th>frames</th><th>γ max</th><th>γ mean</th><th>frames γ &gt; 2</th><th>frames γ &gt; 10</th>"
                      "<th>worst frame at (ps)</th><th>its worst atom</th><th>shortest pair (Å)</th><th>frames with a pair &lt; "
                      "min_dist</th></tr>\n",
                   c->grade_warn, ng > 1 ? "<th>glass</th>" : "");
    for (int g = 0; g < ng; g++)
        for (int k = -1; k < c->n_temps; k++) {
            const cJSON *o = k < 0 ? item(gr[g].str, "results.quench_grade") : item(gr[g].td[k].tr, "grade");
            if (!o) continue;
            double mx = num(o, "max");
            const cJSON *el = item(o, "max_element");
            char run[64];
            if (k < 0) snprintf(run, sizeof run, "quench (%g K melt)", c->t_melt_K);
            else snprintf(run, sizeof run, "%g K production", gr[g].td[k].T);
            aion_sb_printf(h, "<tr%s>", mx > c->grade_warn || num(o, "frames_below_min_dist") > 0 ? " class=\"warn\"" : "");
            if (ng > 1) aion_sb_printf(h, "<td>%d</td>", g + 1);
            aion_sb_printf(h, "<td class=\"l\">%s</td><td>%.0f</td><td>%.3g</td><td>%.3g</td><td>%.0f</td><td>%.0f</td>"
                              "<td>%.1f</td><td>",
                           run, num(o, "frames"), mx, num(o, "mean"), num(o, "frames_above_2"),
                           num(o, "frames_above_10"), num(o, "max_time_ps"));
            html_esc(h, cJSON_IsString(el) ? el->valuestring : "");
            const cJSON *sp = item(o, "shortest_pair");
            aion_sb_printf(h, "</td><td>%.2f ", num(o, "shortest_pair_A"));
            html_esc(h, cJSON_IsString(sp) ? sp->valuestring : "");
            aion_sb_printf(h, "</td><td>%.0f</td></tr>\n", num(o, "frames_below_min_dist"));
        }
    aion_sb_puts(h, "</table>\n");
}

/* "temperatures" array of one glass. */
static void json_temperatures(aion_strbuf *js, const glass_res *r, int nt)
{
    aion_sb_puts(js, "[");
    for (int k = 0; k < nt; k++) {
        const tdata *d = &r->td[k];
        aion_sb_printf(js, "%s\n {\"T_K\": ", k ? "," : "");
        aion_pipe_json_num(js, d->T);
        const char *keys[] = {"D_cm2_s", "D_err_cm2_s", "D_95_lo_cm2_s", "D_95_hi_cm2_s", "D_sigma_cm2_s",
                              "D_sigma_err_cm2_s", "haven", "haven_err", "sigma_S_cm", "sigma_err_S_cm",
                              "sigma_ne_S_cm", "sigma_ne_err_S_cm", "n_hops_eff", "chi2_dof", "volume_A3",
                              "framework_msd_max_A2", "framework_D_cm2_s", "grade_max", "grade_mean",
                              "grade_frames_above_2"};
        double vals[] = {d->D, d->De, d->Dlo, d->Dhi, d->Dc, d->Dce, d->H, d->He, d->sig, d->sige, d->signe, d->signee,
                         d->hops, d->chi2, d->vol, d->fw_msd, d->fw_D, d->gmax, d->gmean, d->gabove2};
        for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
            aion_sb_printf(js, ", \"%s\": ", keys[i]);
            aion_pipe_json_num(js, vals[i]);
        }
        aion_sb_puts(js, ", \"mean_temperature_K\": ");
        aion_pipe_json_num(js, num(d->md, "mean_temperature_K"));
        aion_sb_puts(js, "}");
    }
    aion_sb_puts(js, "]");
}

/* JSON members "<p><name[k]>": v[k] for k < n, comma-separated (the first without a comma) */
static void json_members(aion_strbuf *js, const char *p, const char *const *name, const double *v, int n)
{
    for (int k = 0; k < n; k++) {
        aion_sb_printf(js, "%s\"%s%s\": ", k ? ", " : "", p, name[k]);
        aion_pipe_json_num(js, v[k]);
    }
}

/* a pipe_mean as JSON members: "<p>mean", "<p>sd", "<p>se", "<p>se_between", "<p>se_within", "<p>n" */
static void json_mean(aion_strbuf *js, const char *p, const pipe_mean *m)
{
    static const char *const name[] = {"mean", "sd", "se", "se_between", "se_within"};
    const double v[] = {m->mean, m->sd, m->se, m->se_between, m->se_within};
    json_members(js, p, name, v, 5);
    aion_sb_printf(js, ", \"%sn\": %d", p, m->n);
}

/* One model of a committee: its headline values (its glasses combined as for
 * model 1), the glasses with a fit, and per temperature its D* (glass-combined). */
typedef struct model_res {
    headline hl;
    int nfit;
    double tD[AION_PIPELINE_MAX_T], tDe[AION_PIPELINE_MAX_T];
    char spec[AION_PIPELINE_STR];    /* potential.model or its potential.committee entry */
    char path[AION_PIPELINE_STR];    /* resolved */
    uint64_t file_hash;              /* 0: a built-in name or unreadable */
} model_res;

/* The committee combination (combine.c): over the models with a fit. */
typedef struct committee_res {
    int n;
    pipe_committee Ea, lnD0, lnD, lnS;
} committee_res;

/* Glasses of model m (1 = potential.model) into gr[ng], hg[ng], cb (caller's,
 * zeroed): load, fit each, combine (several glasses); the model's headline in
 * *o and per temperature its D* (glass 1's, or the geometric mean over the
 * glasses with the spread in ln D) in tD/tDe, the glasses with a fit in *nfit.
 * Notes are prefixed "glass g: " (model 1) or "model m: [glass g: ]". */
static aion_status model_fit(const aion_pipeline_config *c, const char *out, int m, const pipe_stage_info *stg,
                             int nst, glass_res *gr, headline *hg, combined *cb, headline *o, double *tD, double *tDe,
                             int *nfit, aion_strbuf *nb, aion_error *err)
{
    const int ng = c->glasses > 0 ? c->glasses : 1;
    char mpre[32] = "";
    aion_status st;
    if (m > 1) snprintf(mpre, sizeof mpre, "model %d: ", m);
    for (int g = 0; g < ng; g++) {
        char pre[64];
        if (ng > 1) snprintf(pre, sizeof pre, "%sglass %d: ", mpre, g + 1);
        else snprintf(pre, sizeof pre, "%s", mpre);
        if ((st = glass_load(c, out, m, g + 1, stg, nst, &gr[g], nb, pre, err)) != AION_OK) return st;
        glass_fit(c, &gr[g], &hg[g], nb, pre);
    }
    if (ng > 1) {
        combine_glasses(c, gr, hg, ng, o, cb, nb, mpre);
        *nfit = cb->nfit;
    } else {
        *o = hg[0];
        *nfit = hg[0].have_fit;
    }
    for (int k = 0; k < c->n_temps; k++) {
        if (ng == 1) {
            tD[k] = gr[0].td[k].D, tDe[k] = gr[0].td[k].De;
        } else if (cb->lnD[k].n > 0) {
            tD[k] = exp(cb->lnD[k].mean), tDe[k] = tD[k] * cb->lnD[k].se;
        } else {
            tD[k] = tDe[k] = NAN;
        }
    }
    return AION_OK;
}

/* Model m (> 1) of a committee: model_fit on arrays of its own, freed again. */
static aion_status model_load(const aion_pipeline_config *c, const char *out, int m, const pipe_stage_info *stg,
                              int nst, model_res *mr, aion_strbuf *nb, aion_error *err)
{
    int ng = c->glasses > 0 ? c->glasses : 1;
    glass_res *gr = calloc((size_t)ng, sizeof *gr);
    headline *hg = calloc((size_t)ng, sizeof *hg);
    combined *cb = calloc(1, sizeof *cb);
    aion_status st = AION_OK;
    if (!gr || !hg || !cb) st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
    else st = model_fit(c, out, m, stg, nst, gr, hg, cb, &mr->hl, mr->tD, mr->tDe, &mr->nfit, nb, err);
    for (int g = 0; gr && g < ng; g++) glass_free(&gr[g]);
    free(gr);
    free(hg);
    free(cb);
    return st;
}

/* ln σ(Tr) and its 1σ of a model's headline (NaN without σ). */
static double ln_sigma(const headline *o, double *u)
{
    int ok = o->have_fit && o->s300 > 0 && o->s300hi > 0;
    *u = ok ? log(o->s300hi / o->s300) : NAN;
    return ok ? log(o->s300) : NAN;
}

/* The committee over the models with a fit (Ea, ln D0, ln D(Tr), ln σ(Tr)). */
static void committee_combine(const model_res *mr, int nm, committee_res *o)
{
    double x[4][AION_PIPELINE_MAX_MODELS], u[4][AION_PIPELINE_MAX_MODELS];
    int n = 0;
    memset(o, 0, sizeof *o);
    for (int m = 0; m < nm; m++) {
        const headline *h = &mr[m].hl;
        if (!h->have_fit || !(h->D300 > 0)) continue;
        x[0][n] = h->ar.Ea_eV, u[0][n] = h->ar.Ea_err;
        x[1][n] = h->ar.lnA, u[1][n] = h->ar.lnA_err;
        x[2][n] = log(h->D300), u[2][n] = h->sd;
        x[3][n] = ln_sigma(h, &u[3][n]);
        n++;
    }
    o->n = n;
    aion_pipe_committee(x[0], u[0], n, &o->Ea);
    aion_pipe_committee(x[1], u[1], n, &o->lnD0);
    aion_pipe_committee(x[2], u[2], n, &o->lnD);
    aion_pipe_committee(x[3], u[3], n, &o->lnS);
}

/* a pipe_committee as JSON members "<p>", "<p>_u_stat", "<p>_u_model", "<p>_u_total" */
static void json_committee(aion_strbuf *js, const char *p, const pipe_committee *k)
{
    static const char *const name[] = {"", "_u_stat", "_u_model", "_u_total"};
    const double v[] = {k->mean, k->u_stat, k->u_model, k->u_total};
    json_members(js, p, name, v, 4);
}

/* [exp(m − u), exp(m + u)] */
static void json_band(aion_strbuf *js, double m, double u)
{
    aion_sb_puts(js, "[");
    aion_pipe_json_num(js, exp(m - u));
    aion_sb_puts(js, ", ");
    aion_pipe_json_num(js, exp(m + u));
    aion_sb_puts(js, "]");
}

/* Table cells of a headline's fit, "Ea ± u</td><td>ln D0 ± u" ("–" without a fit), inside an open cell. */
static void html_fit_cells(aion_strbuf *h, const headline *o)
{
    if (o->have_fit) aion_sb_printf(h, "%.3f ± %.3f</td><td>%.2f ± %.2f", o->ar.Ea_eV, o->ar.Ea_err, o->ar.lnA,
                                    o->ar.lnA_err);
    else aion_sb_puts(h, "–</td><td>–");
}

/* Table cells of a headline at the report temperature, "D*</td><td>σ</td><td>σ lo – σ hi", inside an open cell. */
static void html_300_cells(aion_strbuf *h, const headline *o)
{
    sci(h, o->D300);
    aion_sb_puts(h, "</td><td>");
    sci(h, o->s300);
    aion_sb_puts(h, "</td><td>");
    sci(h, o->s300lo);
    aion_sb_puts(h, " – ");
    sci(h, o->s300hi);
}

/* a committee value held in ln space: json_committee as "<ln>", then the value
 * "<v><unit>" = exp(mean) and its bands "<v>_1sigma" (total) and "<v>_1sigma_stat" */
static void json_committee_ln(aion_strbuf *js, const char *ln, const char *v, const char *unit, const pipe_committee *k)
{
    json_committee(js, ln, k);
    aion_sb_printf(js, ", \"%s%s\": ", v, unit);
    aion_pipe_json_num(js, exp(k->mean));
    aion_sb_printf(js, ", \"%s_1sigma\": ", v);
    json_band(js, k->mean, k->u_total);
    aion_sb_printf(js, ", \"%s_1sigma_stat\": ", v);
    json_band(js, k->mean, k->u_stat);
}

aion_status aion_pipe_report(const aion_pipeline_config *c, const char *out, const pipe_stage_info *stg, int nst,
                             double wall_s, const char *started, aion_pipeline_summary *sum, char *notes,
                             size_t notes_cap, aion_error *err)
{
    aion_status st = AION_OK;
    cJSON *val = NULL;
    glass_res *gr = NULL;
    headline *hg = NULL, hl;
    combined *cb = NULL;
    model_res *mr = NULL;
    committee_res cmt;
    aion_strbuf h, js, nb;
    aion_plot *pl = NULL;
    char host[256] = "", finished[64];
    int nt = c->n_temps, ng = c->glasses > 0 ? c->glasses : 1, multi = ng > 1;
    const int nmod = 1 + (c->n_committee > 0 ? c->n_committee : 0); /* models of the committee (1 = none) */
    memset(&cmt, 0, sizeof cmt);
    time_t now = time(NULL);
    strftime(finished, sizeof finished, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    gethostname(host, sizeof host - 1);
    aion_sb_init(&h);
    aion_sb_init(&js);
    aion_sb_init(&nb);
    gr = calloc((size_t)ng, sizeof *gr);
    hg = calloc((size_t)ng, sizeof *hg);
    cb = calloc(1, sizeof *cb);
    mr = calloc((size_t)nmod, sizeof *mr);
    if (!gr || !hg || !cb || !mr) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* model 1 (potential.model): its glasses loaded, fitted and combined, kept for the report */
    if ((st = model_fit(c, out, 1, stg, nst, gr, hg, cb, &mr[0].hl, mr[0].tD, mr[0].tDe, &mr[0].nfit, &nb, err)) !=
        AION_OK)
        goto done;
    hl = mr[0].hl;
    const double *tD = mr[0].tD, *tDe = mr[0].tDe;
    /* glass 1 is the one whose structure, quench and potential description the report shows */
    const cJSON *q = gr[0].q, *str = gr[0].str;
    const tdata *td = gr[0].td;
    if (c->validation_report[0]) {
        char vp[AION_PIPELINE_STR];
        aion_pipe_resolve(c, c->validation_report, vp, sizeof vp);
        char *s = aion_pipe_read_file(vp, NULL);
        val = s ? cJSON_Parse(s) : NULL;
        free(s);
        if (!val) aion_sb_printf(&nb, "potential.validation_report %s: missing or not JSON\n", vp);
    }

    const double Tr = c->report_T_K, D300 = hl.D300, sd = hl.sd, sdn = hl.sdn;
    const double s300 = hl.s300, s300lo = hl.s300lo, s300hi = hl.s300hi, Hm = hl.Hm, Hme = hl.Hme;
    const double vglass = hl.vglass, nion = hl.nion;
    const int have_fit = hl.have_fit, have_sfit = hl.have_sfit, chi_scaled = hl.chi_scaled;
    const aion_arrhenius ar = hl.ar;
    /* ---------------- committee of potentials: each model's glasses as above, then the models ---------------- */
    for (int m = 0; m < nmod; m++) {
        snprintf(mr[m].spec, sizeof mr[m].spec, "%s", m ? c->committee[m - 1] : c->potential);
        aion_pipe_resolve(c, mr[m].spec, mr[m].path, sizeof mr[m].path);
        mr[m].file_hash = aion_pipe_file_hash(mr[m].path);
        if (m && (st = model_load(c, out, m + 1, stg, nst, &mr[m], &nb, err)) != AION_OK) goto done;
    }
    if (nmod > 1) {
        committee_combine(mr, nmod, &cmt);
        if (cmt.n < nmod)
            aion_sb_printf(&nb, "committee: %d of %d models have an Arrhenius fit: the combination uses those\n", cmt.n, nmod);
        if (cmt.n == 1) aion_sb_printf(&nb, "committee: one model with a fit: no model uncertainty\n");
    }
    if (sum) {
        sum->n_models = nmod;
        for (int m = 0; m < nmod; m++) {
            sum->model_Ea_eV[m] = mr[m].hl.have_fit ? mr[m].hl.ar.Ea_eV : NAN;
            sum->model_Ea_err[m] = mr[m].hl.have_fit ? mr[m].hl.ar.Ea_err : NAN;
            sum->model_sigma_report[m] = mr[m].hl.have_fit ? mr[m].hl.s300 : NAN;
        }
        const int k1 = nmod > 1 && cmt.n >= 1;
        sum->committee_Ea_eV = k1 ? cmt.Ea.mean : NAN;
        sum->committee_Ea_u_stat = k1 ? cmt.Ea.u_stat : NAN;
        sum->committee_Ea_u_model = k1 ? cmt.Ea.u_model : NAN;
        sum->committee_Ea_err = k1 ? cmt.Ea.u_total : NAN;
        sum->committee_D_report = k1 ? exp(cmt.lnD.mean) : NAN;
        sum->committee_D_report_lo = k1 ? exp(cmt.lnD.mean - cmt.lnD.u_total) : NAN;
        sum->committee_D_report_hi = k1 ? exp(cmt.lnD.mean + cmt.lnD.u_total) : NAN;
        sum->committee_sigma_report = k1 ? exp(cmt.lnS.mean) : NAN;
        sum->committee_sigma_report_lo = k1 ? exp(cmt.lnS.mean - cmt.lnS.u_total) : NAN;
        sum->committee_sigma_report_hi = k1 ? exp(cmt.lnS.mean + cmt.lnS.u_total) : NAN;
        sum->committee_ln_sigma_u_stat = k1 ? cmt.lnS.u_stat : NAN;
        sum->committee_ln_sigma_u_model = k1 ? cmt.lnS.u_model : NAN;
    }
    if (sum) {
        sum->n_temps = nt;
        for (int k = 0; k < nt; k++) {
            sum->T_K[k] = td[k].T;
            sum->D[k] = tD[k];
            sum->D_err[k] = tDe[k];
        }
        sum->Ea_eV = have_fit ? ar.Ea_eV : NAN;
        sum->Ea_err = have_fit ? ar.Ea_err : NAN;
        sum->D_report = D300;
        sum->D_report_lo = D300 * exp(-sd);
        sum->D_report_hi = D300 * exp(sd);
        sum->sigma_report = s300;
        sum->sigma_report_lo = s300lo;
        sum->sigma_report_hi = s300hi;
        sum->density_gcc = hl.density;
        sum->n_glasses = ng;
        for (int g = 0; g < ng; g++) {
            sum->glass_Ea_eV[g] = hg[g].have_fit ? hg[g].ar.Ea_eV : NAN;
            sum->glass_Ea_err[g] = hg[g].have_fit ? hg[g].ar.Ea_err : NAN;
            sum->glass_sigma_report[g] = hg[g].s300;
        }
    }

    /* ---------------- summary.json ---------------- */
    aion_sb_puts(&js, "{\n\"program\": \"aion\", \"version\": \"" AION_VERSION "\", \"commit\": \"" AION_GIT_COMMIT
                      "\", \"flags\": \"" AION_CFLAGS "\",\n\"name\": ");
    aion_pipe_json_str(&js, c->name);
    aion_sb_puts(&js, ", \"pipeline_file\": ");
    aion_pipe_json_str(&js, c->source[0] ? c->source : "(built-in default)");
    aion_sb_puts(&js, ", \"host\": ");
    aion_pipe_json_str(&js, host);
    aion_sb_printf(&js, ", \"started\": \"%s\", \"finished\": \"%s\", \"wall_s\": %.3f,\n\"potential\": ", started,
                   finished, wall_s);
    aion_pipe_json_str(&js, c->potential);
    aion_sb_puts(&js, ", \"composition\": ");
    aion_pipe_json_str(&js, c->composition);
    aion_sb_printf(&js, ", \"atoms\": %d, \"ion\": \"%s\",\n\"glass\": ", (int)num(q, "results.atoms"), c->ion);
    if (!multi) {
        json_glass(&js, &gr[0]);
        aion_sb_puts(&js, ",\n\"temperatures\": ");
        json_temperatures(&js, &gr[0], nt);
    } else {
        /* the mean over the glasses; Qⁿ and bridging O averaged too */
        aion_sb_puts(&js, "{\"density_gcc\": ");
        aion_pipe_json_num(&js, hl.density);
        aion_sb_puts(&js, ", \"density_sd_gcc\": ");
        aion_pipe_json_num(&js, hl.density_sd);
        aion_sb_puts(&js, ", \"density_sd_between_glasses_gcc\": ");
        aion_pipe_json_num(&js, cb->dens.sd);
        aion_sb_puts(&js, ", \"volume_A3\": ");
        aion_pipe_json_num(&js, vglass);
        aion_sb_puts(&js, ", \"Qn\": [");
        int nq = cJSON_GetArraySize(item(str, "results.qn.fraction"));
        for (int i = 0; i < nq; i++) {
            double s = 0;
            for (int g = 0; g < ng; g++) {
                const cJSON *e = cJSON_GetArrayItem(item(gr[g].str, "results.qn.fraction"), i);
                s += cJSON_IsNumber(e) ? e->valuedouble : NAN;
            }
            aion_sb_puts(&js, i ? ", " : "");
            aion_pipe_json_num(&js, s / ng);
        }
        double ob = 0;
        for (int g = 0; g < ng; g++) ob += num(gr[g].str, "results.qn.o_bridging");
        aion_sb_puts(&js, "], \"o_bridging\": ");
        aion_pipe_json_num(&js, ob / ng);
        aion_sb_printf(&js, ", \"glasses\": %d},\n\"temperatures\": [", ng);
        for (int k = 0; k < nt; k++) {
            aion_sb_printf(&js, "%s\n {\"T_K\": ", k ? "," : "");
            aion_pipe_json_num(&js, td[k].T);
            aion_sb_puts(&js, ", \"D_cm2_s\": ");
            aion_pipe_json_num(&js, tD[k]);
            aion_sb_puts(&js, ", \"D_err_cm2_s\": ");
            aion_pipe_json_num(&js, tDe[k]);
            aion_sb_puts(&js, ", ");
            json_mean(&js, "lnD_", &cb->lnD[k]);
            aion_sb_puts(&js, ", \"haven\": ");
            aion_pipe_json_num(&js, cb->haven[k].mean);
            aion_sb_puts(&js, ", \"haven_err\": ");
            aion_pipe_json_num(&js, cb->haven[k].se);
            double sne = cb->lnSne[k].n ? exp(cb->lnSne[k].mean) : NAN;
            aion_sb_puts(&js, ", \"sigma_ne_S_cm\": ");
            aion_pipe_json_num(&js, sne);
            aion_sb_puts(&js, ", \"sigma_ne_err_S_cm\": ");
            aion_pipe_json_num(&js, sne * cb->lnSne[k].se);
            aion_sb_puts(&js, ", \"mean_temperature_K\": ");
            aion_pipe_json_num(&js, cb->Tmean[k]);
            aion_sb_puts(&js, "}");
        }
        aion_sb_puts(&js, "]");
    }
    aion_sb_puts(&js, ",\n\"arrhenius\": ");
    json_arrhenius(&js, &hl, Tr);
    aion_sb_printf(&js, ",\n\"n_glasses\": %d, \"glasses\": [", ng);
    for (int g = 0; g < ng; g++) {
        char qn[64];
        aion_pipe_stage_name(g + 1, "quench", qn, sizeof qn);
        aion_sb_printf(&js, "%s\n {\"index\": %d, \"seed\": %llu, \"quench_stage\": \"%s\", \"glass\": ", g ? "," : "",
                       g + 1, (unsigned long long)gr[g].seed, qn);
        json_glass(&js, &gr[g]);
        aion_sb_puts(&js, ",\n  \"arrhenius\": ");
        json_arrhenius(&js, &hg[g], Tr);
        aion_sb_puts(&js, ",\n  \"temperatures\": ");
        json_temperatures(&js, &gr[g], nt);
        aion_sb_puts(&js, "}");
    }
    aion_sb_puts(&js, "]");
    if (multi) {
        const pipe_arrhenius_comb *cm = &cb->comb;
        aion_sb_printf(&js, ",\n\"combination\": {\"method\": \"mean of the per-glass Arrhenius fits; 1 sigma = "
                            "max(sample standard deviation / sqrt(n), propagated fit errors / n)\", \"glasses_used\": %d",
                       cb->nfit);
        if (cb->nfit >= 1) {
            aion_sb_puts(&js, ", \"Ea_mean_eV\": ");
            aion_pipe_json_num(&js, cm->within.Ea_eV);
            aion_sb_puts(&js, ", \"Ea_sd_eV\": ");
            aion_pipe_json_num(&js, cm->Ea_sd);
            aion_sb_puts(&js, ", \"Ea_se_between_eV\": ");
            aion_pipe_json_num(&js, cm->between.Ea_err);
            aion_sb_puts(&js, ", \"Ea_se_within_eV\": ");
            aion_pipe_json_num(&js, cm->within.Ea_err);
            aion_sb_puts(&js, ", \"Ea_err_eV\": ");
            aion_pipe_json_num(&js, cm->Ea_err);
            aion_sb_printf(&js, ", \"dof\": %d, \"t95\": ", cb->nfit - 1);
            aion_pipe_json_num(&js, cm->t95);
            aion_sb_puts(&js, ", \"Ea_95\": [");
            aion_pipe_json_num(&js, cm->within.Ea_eV - cm->t95 * cm->Ea_err);
            aion_sb_puts(&js, ", ");
            aion_pipe_json_num(&js, cm->within.Ea_eV + cm->t95 * cm->Ea_err);
            aion_sb_puts(&js, "], \"lnD0_se_between\": ");
            aion_pipe_json_num(&js, cm->between.lnA_err);
            aion_sb_puts(&js, ", \"lnD0_se_within\": ");
            aion_pipe_json_num(&js, cm->within.lnA_err);
            aion_sb_puts(&js, ", \"cov_lnD0_Ea_between\": ");
            aion_pipe_json_num(&js, cm->between.cov_lnA_Ea);
            aion_sb_puts(&js, ", \"cov_lnD0_Ea_within\": ");
            aion_pipe_json_num(&js, cm->within.cov_lnA_Ea);
            aion_sb_puts(&js, ",\n  \"at_report_T\": {");
            json_mean(&js, "lnD_", &cb->lnD300);
            aion_sb_puts(&js, ", ");
            json_mean(&js, "ln_sigma_ne_", &cb->lnS300);
            aion_sb_puts(&js, ", \"sigma_ne_arithmetic_mean_S_cm\": ");
            aion_pipe_json_num(&js, cb->sigma_arith);
            aion_sb_puts(&js, "}");
        }
        aion_sb_puts(&js, "}");
    }
    if (nmod > 1) {
        aion_sb_printf(&js, ",\n\"committee\": {\"n_models\": %d, \"method\": \"mean over the models with a fit of each "
                            "model's glass-combined value (ln space for D and sigma); u_stat = sqrt(sum u_m^2)/M, u_model = "
                            "sample standard deviation of the models' values (not divided by sqrt(M)), u_total = "
                            "sqrt(u_stat^2 + u_model^2)\", \"members\": [", nmod);
        for (int m = 0; m < nmod; m++) {
            char hx[20] = "", pre[40] = "";
            if (mr[m].file_hash) snprintf(hx, sizeof hx, "%016llx", (unsigned long long)mr[m].file_hash);
            if (m) snprintf(pre, sizeof pre, "model%d/", m + 1);
            aion_sb_printf(&js, "%s\n {\"index\": %d, \"key\": \"%s\", \"model\": ", m ? "," : "", m + 1,
                           m ? "potential.committee" : "potential.model");
            aion_pipe_json_str(&js, mr[m].spec);
            aion_sb_puts(&js, ", \"path\": ");
            aion_pipe_json_str(&js, mr[m].path);
            aion_sb_puts(&js, ", \"file_hash_fnv1a64\": ");
            if (hx[0]) aion_pipe_json_str(&js, hx);
            else aion_sb_puts(&js, "null");
            aion_sb_printf(&js, ", \"stage_prefix\": \"%s\", \"n_glasses\": %d, \"glasses_with_fit\": %d,\n  \"arrhenius\": ",
                           pre, ng, mr[m].nfit);
            json_arrhenius(&js, &mr[m].hl, Tr);
            aion_sb_puts(&js, ",\n  \"temperatures\": [");
            for (int k = 0; k < nt; k++) {
                aion_sb_printf(&js, "%s{\"T_K\": ", k ? ", " : "");
                aion_pipe_json_num(&js, td[k].T);
                aion_sb_puts(&js, ", \"D_cm2_s\": ");
                aion_pipe_json_num(&js, mr[m].tD[k]);
                aion_sb_puts(&js, ", \"D_err_cm2_s\": ");
                aion_pipe_json_num(&js, mr[m].tDe[k]);
                aion_sb_puts(&js, "}");
            }
            aion_sb_puts(&js, "]}");
        }
        aion_sb_printf(&js, "],\n \"combined\": {\"models_used\": %d", cmt.n);
        if (cmt.n >= 1) {
            aion_sb_puts(&js, ", ");
            json_committee(&js, "Ea_eV", &cmt.Ea);
            aion_sb_puts(&js, ", ");
            json_committee(&js, "lnD0", &cmt.lnD0);
            aion_sb_puts(&js, ",\n  \"at\": {\"T_K\": ");
            aion_pipe_json_num(&js, Tr);
            aion_sb_puts(&js, ", ");
            json_committee_ln(&js, "lnD", "D", "_cm2_s", &cmt.lnD);
            aion_sb_puts(&js, ",\n   ");
            json_committee_ln(&js, "ln_sigma_ne", "sigma_ne", "_S_cm", &cmt.lnS);
            aion_sb_puts(&js, "}");
        }
        aion_sb_puts(&js, "}}");
    }
    aion_sb_puts(&js, ",\n\"stages\": [");
    for (int k = 0; k < nst; k++)
        aion_sb_printf(&js, "%s\n {\"name\": \"%s\", \"hash\": \"%s\", \"reused\": %s, \"resumed\": %s, \"seconds\": %.3f, "
                            "\"seed\": %llu}",
                       k ? "," : "", stg[k].name, stg[k].hash, stg[k].reused ? "true" : "false",
                       stg[k].resumed ? "true" : "false", stg[k].seconds, (unsigned long long)stg[k].seed);
    aion_sb_puts(&js, "],\n\"notes\": ");
    aion_pipe_json_str(&js, nb.s ? nb.s : "");
    aion_sb_puts(&js, "\n}\n");
    /* ---------------- report.html ---------------- */
    const int nf = gr[0].nf;
    const double *fT = gr[0].fT, *fD = gr[0].fD, *fE = gr[0].fE;
    const double sdir300 = hl.sdir300, sdsd = hl.sdsd;
    aion_sb_puts(&h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>aion report: ");
    html_esc(&h, c->name);
    aion_sb_puts(&h,
                 "</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}"
                 "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
                 "th{background:#eee}td.l,th.l{text-align:left}.plot{display:inline-block;margin:4px}"
                 ".note{background:#fff6d5;border-left:4px solid #e0b000;padding:6px 10px;margin:8px 0}"
                 "pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}h2{border-bottom:1px solid #ccc}"
                 ".big{font-size:1.15em}</style></head><body>\n<h1>aion report: ");
    html_esc(&h, c->name);
    aion_sb_puts(&h, "</h1>\n<p class=\"big\">");
    html_esc(&h, c->composition);
    aion_sb_printf(&h, " glass, %d atoms, potential <b>", (int)num(q, "results.atoms"));
    html_esc(&h, c->potential);
    aion_sb_puts(&h, "</b>. Mobile ion ");
    html_esc(&h, c->ion);
    aion_sb_printf(&h, "; MD at %d temperatures (", nt);
    for (int k = 0; k < nt; k++) aion_sb_printf(&h, "%s%g", k ? ", " : "", td[k].T);
    aion_sb_printf(&h, " K), %g ps production each", c->prod_ps);
    if (multi)
        aion_sb_printf(&h, "; <b>%d glasses</b> (independent melt-quenches of the same start, each with its own seed, "
                           "and their own production runs)", ng);
    aion_sb_puts(&h, ".</p>\n");
    const int fixed_volume = !strcmp(c->quench_ensemble, "nvt") && c->npt_ps <= 0;
    if (fixed_volume)
        aion_sb_printf(&h, "<div class=\"note\"><b>Fixed density.</b> The glass was made and run at %g g/cm³ "
                           "(quench.ensemble nvt, production.npt 0): the density is an input of this run, not a "
                           "prediction of the potential.</div>\n", c->density_gcc);
    if (!strcmp(c->potential, "pedone") || strstr(c->potential, ".pot") || strstr(c->potential, ".json"))
        aion_sb_puts(&h, "<div class=\"note\"><b>Classical stand-in potential.</b> This run uses a classical "
                         "pair potential (Pedone et al. 2006, fitted to oxide crystals with partial charges), not a "
                         "machine-learned potential trained on quantum data for this system. Its Li mobility, "
                         "activation energy and glass density are properties of that model; compare them with "
                         "experiment or DFT-based potentials only as a model result.</div>\n");

    if (nmod > 1) {
        /* committee of potentials: first, since it is the answer with the model uncertainty in it */
        aion_sb_printf(&h, "<h2>Committee of potentials</h2>\n<p class=\"big\">%d models (potential.model and "
                           "potential.committee), each with its own %d glass%s and production runs. ",
                       nmod, ng, ng > 1 ? "es" : "");
        if (cmt.n >= 1) {
            aion_sb_printf(&h, "Committee E<sub>a</sub> = <b>%.3f ± %.3f eV</b> (statistical %.3f eV, model %.3f eV); "
                               "σ(%g K) = <b>",
                           cmt.Ea.mean, cmt.Ea.u_total, cmt.Ea.u_stat, cmt.Ea.u_model, Tr);
            sci(&h, exp(cmt.lnS.mean));
            aion_sb_puts(&h, " S/cm</b>, 1σ band ");
            sci(&h, exp(cmt.lnS.mean - cmt.lnS.u_total));
            aion_sb_puts(&h, " – ");
            sci(&h, exp(cmt.lnS.mean + cmt.lnS.u_total));
            aion_sb_printf(&h, " S/cm (× e<sup>±%.2f</sup>: statistical %.2f, model %.2f in ln σ).</p>\n", cmt.lnS.u_total,
                           cmt.lnS.u_stat, cmt.lnS.u_model);
        } else {
            aion_sb_puts(&h, "No model has an Arrhenius fit.</p>\n");
        }
        aion_sb_printf(&h, "<table><tr><th>model</th><th class=\"l\">potential</th><th>glasses with a fit</th>"
                           "<th>E<sub>a</sub> (eV)</th><th>ln D<sub>0</sub> (cm²/s)</th><th>D*(%g K) (cm²/s)</th>"
                           "<th>σ(%g K) (S/cm)</th><th>1σ band of σ</th></tr>\n", Tr, Tr);
        for (int m = 0; m < nmod; m++) {
            const headline *o = &mr[m].hl;
            aion_sb_printf(&h, "<tr><td>%d</td><td class=\"l\">", m + 1);
            html_esc(&h, mr[m].spec);
            aion_sb_printf(&h, "</td><td>%d of %d</td><td>", mr[m].nfit, ng);
            html_fit_cells(&h, o);
            aion_sb_puts(&h, "</td><td>");
            html_300_cells(&h, o);
            aion_sb_puts(&h, "</td></tr>\n");
        }
        if (cmt.n >= 1) {
            aion_sb_printf(&h, "<tr><th>committee</th><th class=\"l\">mean of %d models</th><th>–</th><th>%.3f ± %.3f"
                               "</th><th>%.2f ± %.2f</th><th>",
                           cmt.n, cmt.Ea.mean, cmt.Ea.u_total, cmt.lnD0.mean, cmt.lnD0.u_total);
            sci(&h, exp(cmt.lnD.mean));
            aion_sb_puts(&h, "</th><th>");
            sci(&h, exp(cmt.lnS.mean));
            aion_sb_puts(&h, "</th><th>");
            sci(&h, exp(cmt.lnS.mean - cmt.lnS.u_total));
            aion_sb_puts(&h, " – ");
            sci(&h, exp(cmt.lnS.mean + cmt.lnS.u_total));
            aion_sb_printf(&h, "</th></tr>\n<tr><td class=\"l\" colspan=\"3\">of which statistical</td><td>%.3f</td>"
                               "<td>%.2f</td><td colspan=\"3\">ln D: %.2f, ln σ: %.2f</td></tr>\n"
                               "<tr><td class=\"l\" colspan=\"3\">of which model (spread of the models)</td><td>%.3f</td>"
                               "<td>%.2f</td><td colspan=\"3\">ln D: %.2f, ln σ: %.2f</td></tr>\n",
                           cmt.Ea.u_stat, cmt.lnD0.u_stat, cmt.lnD.u_stat, cmt.lnS.u_stat, cmt.Ea.u_model,
                           cmt.lnD0.u_model, cmt.lnD.u_model, cmt.lnS.u_model);
        }
        aion_sb_puts(&h, "</table>\n<p>Each model makes its own glasses from the same start with the same random "
                         "numbers (stages/model&lt;m&gt;/) and gets its own E<sub>a</sub> and σ, its glasses combined as "
                         "everywhere in this report. The committee value is the mean over the models (in ln D and "
                         "ln σ for the 300 K values). Its error has two parts: statistical, √(Σ u<sub>m</sub>²)/M, "
                         "the models' own errors propagated to the mean; and model, the sample standard deviation of "
                         "the models' values, <i>not</i> divided by √M: the models are not independent draws around "
                         "the truth (they share training data, reference method and functional form), and their spread "
                         "says how far one reasonable potential's answer lies from another's. Total = √(stat² + "
                         "model²). With two or three models the model part is itself uncertain by a factor of about "
                         "two. Everything below this section is model 1's (potential.model).</p>\n");
        /* each model's points and its fit, extrapolated to Tr, and the committee value there */
        double Tmax = 0;
        for (int k = 0; k < nt; k++) Tmax = fmax(Tmax, td[k].T);
        pl = aion_plot_create("Committee: each model's tracer D* and Arrhenius fit", "1000/T (1/K)", "D* (cm²/s)");
        aion_plot_set_log(pl, 0, 1);
        for (int m = 0; m < nmod; m++) {
            double px[AION_PIPELINE_MAX_T], py[AION_PIPELINE_MAX_T], pe[AION_PIPELINE_MAX_T];
            int np = 0;
            char lab[64];
            for (int k = 0; k < nt; k++)
                if (mr[m].tD[k] > 0 && isfinite(mr[m].tDe[k]))
                    px[np] = 1000.0 / td[k].T, py[np] = mr[m].tD[k], pe[np] = mr[m].tDe[k], np++;
            snprintf(lab, sizeof lab, "model %d (±1σ)", m + 1);
            if (np) aion_plot_add(pl, lab, px, py, pe, np, AION_PLOT_POINTS);
            if (mr[m].hl.have_fit) {
                double fx[2] = {1000.0 / Tmax, 1000.0 / Tr}, fy[2];
                for (int i = 0; i < 2; i++) fy[i] = exp(mr[m].hl.ar.lnA - mr[m].hl.ar.Ea_eV / (AION_KB_EV * 1000.0 / fx[i]));
                aion_plot_add(pl, np ? "" : lab, fx, fy, NULL, 2,
                              AION_PLOT_LINE | AION_PLOT_DASHED | (np ? AION_PLOT_SAME_COLOR : 0));
            }
        }
        if (cmt.n >= 1) {
            double x3[2] = {1000.0 / Tr, 1000.0 / Tr}, D = exp(cmt.lnD.mean);
            double y3[2] = {exp(cmt.lnD.mean - cmt.lnD.u_total), exp(cmt.lnD.mean + cmt.lnD.u_total)};
            char lab[64];
            snprintf(lab, sizeof lab, "committee at %g K (±1σ total)", Tr);
            aion_plot_add(pl, lab, x3, &D, NULL, 1, AION_PLOT_POINTS);
            aion_plot_add(pl, "", x3, y3, NULL, 2, AION_PLOT_LINE | AION_PLOT_SAME_COLOR);
        }
        add_svg(&h, pl, 640, 420);
        aion_plot_free(pl);
        pl = NULL;
    }

    /* headline */
    aion_sb_puts(&h, nmod > 1 ? "<h2>Results of model 1 (potential.model)</h2>\n<table>" : "<h2>Results</h2>\n<table>");
    aion_sb_puts(&h, "<tr><th class=\"l\">quantity</th><th>value</th><th class=\"l\">how</th></tr>\n");
    aion_sb_puts(&h, "<tr><td class=\"l\">activation energy E<sub>a</sub> (tracer D)</td><td>");
    if (have_fit) aion_sb_printf(&h, "%.3f ± %.3f eV", ar.Ea_eV, ar.Ea_err);
    else aion_sb_puts(&h, "–");
    if (!multi) {
        aion_sb_printf(&h, "</td><td class=\"l\">weighted fit of ln D* vs 1/T, %d temperatures, χ²/dof %.2g%s</td></tr>\n",
                       nf, have_fit ? ar.chi2_dof : NAN, chi_scaled ? " (errors scaled by √(χ²/dof))" : "");
    } else {
        const pipe_arrhenius_comb *cm = &cb->comb;
        aion_sb_printf(&h, "</td><td class=\"l\">mean of %d glasses' weighted fits of ln D* vs 1/T (table below); "
                           "1σ = standard error of the mean, max(s/√n, fit errors/n) = max(%.3f, %.3f) eV, with the "
                           "glass-to-glass standard deviation s = %.3f eV",
                       cb->nfit, cm->between.Ea_err, cm->within.Ea_err, cm->Ea_sd);
        if (cb->nfit >= 2)
            aion_sb_printf(&h, "; 95 %% interval (Student t, %d dof) %.3f – %.3f eV", cb->nfit - 1,
                           ar.Ea_eV - cm->t95 * ar.Ea_err, ar.Ea_eV + cm->t95 * ar.Ea_err);
        aion_sb_puts(&h, "</td></tr>\n");
    }
    aion_sb_printf(&h, "<tr><td class=\"l\">D*(%g K)</td><td>", Tr);
    sci(&h, D300);
    aion_sb_puts(&h, " cm²/s</td><td class=\"l\">1σ band ");
    sci(&h, D300 * exp(-sd));
    aion_sb_puts(&h, " – ");
    sci(&h, D300 * exp(sd));
    if (multi) aion_sb_puts(&h, " (geometric mean of the glasses' extrapolations, spread between the glasses");
    aion_sb_puts(&h, multi ? "; with the covariance of ln D<sub>0</sub> and E<sub>a</sub>; without it: "
                           : " (with the covariance of ln D<sub>0</sub> and E<sub>a</sub>; without it: ");
    sci(&h, D300 * exp(-sdn));
    aion_sb_puts(&h, " – ");
    sci(&h, D300 * exp(sdn));
    aion_sb_puts(&h, ")</td></tr>\n");
    aion_sb_printf(&h, "<tr><td class=\"l\">σ(%g K), Nernst–Einstein, H<sub>R</sub> = 1</td><td>", Tr);
    sci(&h, s300);
    aion_sb_puts(&h, " S/cm</td><td class=\"l\">1σ band ");
    sci(&h, s300lo);
    aion_sb_puts(&h, " – ");
    sci(&h, s300hi);
    aion_sb_printf(&h, "; N = %g ions of charge %g e in the glass volume %.1f Å³", nion, c->ion_charge, vglass);
    if (multi) {
        aion_sb_puts(&h, "; geometric mean of the glasses' values (arithmetic mean ");
        sci(&h, cb->sigma_arith);
        aion_sb_puts(&h, ")");
    }
    aion_sb_puts(&h, "</td></tr>\n");
    aion_sb_printf(&h, "<tr><td class=\"l\">σ(%g K) / H<sub>R</sub></td><td>", Tr);
    sci(&h, s300 / Hm);
    aion_sb_puts(&h, multi ? " S/cm</td><td class=\"l\">with the mean over the glasses of their weighted mean Haven ratios "
                           : " S/cm</td><td class=\"l\">with the weighted mean Haven ratio ");
    pm(&h, Hm, Hme);
    aion_sb_puts(&h, " of the MD temperatures</td></tr>\n");
    aion_sb_printf(&h, "<tr><td class=\"l\">σ(%g K) from the charge MSD</td><td>", Tr);
    sci(&h, have_sfit ? sdir300 : NAN);
    aion_sb_puts(&h, multi ? " S/cm</td><td class=\"l\">geometric mean of the glasses' Arrhenius fits of σT; 1σ band "
                           : " S/cm</td><td class=\"l\">Arrhenius fit of σT; 1σ band ");
    sci(&h, have_sfit ? sdir300 * exp(-sdsd) : NAN);
    aion_sb_puts(&h, " – ");
    sci(&h, have_sfit ? sdir300 * exp(sdsd) : NAN);
    aion_sb_printf(&h, "%s</td></tr>\n", have_sfit ? "" : " (not every temperature gave σ > 0)");
    aion_sb_puts(&h, "<tr><td class=\"l\">glass density (");
    double qpress = 0;
    for (int g = 0; g < ng; g++) qpress += num(gr[g].q, "results.final_hold.pressure_GPa") / ng;
    if (multi && fixed_volume)
        aion_sb_printf(&h, "%g K, NVT)</td><td>%.3f g/cm³</td><td class=\"l\">fixed: system.density (quench.ensemble "
                           "nvt); an input, not a result. The potential's mean pressure in the final holds (mean of "
                           "%d glasses), %.2f GPa, is meaningful only if it was trained on stresses</td></tr>\n</table>\n",
                       c->t_final_K, hl.density, ng, qpress);
    else if (multi)
        aion_sb_printf(&h, "%g K, NPT)</td><td>%.3f ± %.3f g/cm³</td><td class=\"l\">mean of %d glasses ± their standard "
                           "deviation (each glass: mean over the second half of the final hold of its quench; mean "
                           "pressure %.2f GPa)</td></tr>\n</table>\n",
                       c->t_final_K, hl.density, cb->dens.sd, ng, qpress);
    else if (fixed_volume)
        aion_sb_printf(&h, "%g K, NVT)</td><td>%.3f g/cm³</td><td class=\"l\">fixed: system.density (quench.ensemble "
                           "nvt); an input, not a result. The potential's mean pressure in the final hold, %.2f GPa, "
                           "is meaningful only if it was trained on stresses</td></tr>\n</table>\n",
                       c->t_final_K, num(q, "results.final_hold.density_gcc"), qpress);
    else
        aion_sb_printf(&h, "%g K, NPT)</td><td>%.3f ± %.3f g/cm³</td><td class=\"l\">mean ± standard deviation over the "
                           "second half of the final hold of the quench (mean pressure %.2f GPa)</td></tr>\n</table>\n",
                       c->t_final_K, num(q, "results.final_hold.density_gcc"), num(q, "results.final_hold.density_sd_gcc"),
                       qpress);
    if (nb.len) {
        aion_sb_puts(&h, "<div class=\"note\"><b>Notes.</b><br>");
        for (const char *p = nb.s; *p; p++) {
            if (*p == '\n') aion_sb_puts(&h, "<br>");
            else {
                char t[2] = {*p, 0};
                html_esc(&h, t);
            }
        }
        aion_sb_puts(&h, "</div>\n");
    }
    if (multi) {
        /* each glass's own values */
        aion_sb_printf(&h, "<h3>Each glass</h3>\n<table><tr><th>glass</th><th>quench seed</th><th>ρ (g/cm³)</th>"
                           "<th>E<sub>a</sub> (eV)</th><th>ln D<sub>0</sub> (cm²/s)</th><th>χ²/dof</th>"
                           "<th>D*(%g K) (cm²/s)</th><th>σ(%g K) (S/cm)</th><th>1σ band of σ</th>"
                           "<th>H<sub>R</sub></th></tr>\n",
                       Tr, Tr);
        for (int g = 0; g < ng; g++) {
            const headline *o = &hg[g];
            aion_sb_printf(&h, "<tr><td>%d</td><td>%llu</td><td>%.3f</td><td>", g + 1, (unsigned long long)gr[g].seed,
                           o->density);
            html_fit_cells(&h, o);
            aion_sb_printf(&h, "</td><td>%.2f%s</td><td>", o->have_fit ? o->ar.chi2_dof : NAN, o->chi_scaled ? " (scaled)" : "");
            html_300_cells(&h, o);
            aion_sb_puts(&h, "</td><td>");
            pm(&h, o->Hm, o->Hme);
            aion_sb_puts(&h, "</td></tr>\n");
        }
        aion_sb_printf(&h, "<tr><th>combined</th><th>%d glasses</th><th>%.3f</th><th>", ng, hl.density);
        if (have_fit) aion_sb_printf(&h, "%.3f ± %.3f", ar.Ea_eV, ar.Ea_err);
        else aion_sb_puts(&h, "–");
        aion_sb_puts(&h, "</th><th>");
        if (have_fit) aion_sb_printf(&h, "%.2f ± %.2f", ar.lnA, ar.lnA_err);
        else aion_sb_puts(&h, "–");
        aion_sb_puts(&h, "</th><th>–</th><th>");
        sci(&h, D300);
        aion_sb_puts(&h, "</th><th>");
        sci(&h, s300);
        aion_sb_puts(&h, "</th><th>");
        sci(&h, s300lo);
        aion_sb_puts(&h, " – ");
        sci(&h, s300hi);
        aion_sb_puts(&h, "</th><th>");
        pm(&h, Hm, Hme);
        aion_sb_puts(&h, "</th></tr>\n</table>\n<p>Each glass is its own melt-quench of the same start structure with "
                         "its own seed, followed by its own production runs; its E<sub>a</sub> and ln D<sub>0</sub> come "
                         "from its own weighted Arrhenius fit (errors scaled by √(χ²/dof) where χ²/dof > 1). The "
                         "combined row is the mean over the glasses (E<sub>a</sub>, ln D<sub>0</sub>) and the geometric "
                         "mean (D*, σ); its errors are standard errors of those means from the spread between the "
                         "glasses, never below the fits' own errors propagated to the mean (docs/pipeline.md).</p>\n");
    }
    if (li_p_o(c->composition)) {
        aion_sb_puts(&h, "<h3>Literature (reference values, not computed here)</h3>\n<table><tr><th class=\"l\">system"
                         "</th><th class=\"l\">value</th><th class=\"l\">source</th></tr>\n"
                         "<tr><td class=\"l\">amorphous Li<sub>3</sub>PO<sub>4</sub></td><td class=\"l\">E<sub>a</sub> ≈ "
                         "0.55 eV</td><td class=\"l\">neural-network potential MD</td></tr>\n"
                         "<tr><td class=\"l\">amorphous LiPON</td><td class=\"l\">σ(300 K) ≈ 1–3×10<sup>−6</sup> S/cm, "
                         "E<sub>a</sub> ≈ 0.5–0.6 eV</td><td class=\"l\">experiment; NequIP MD (124 atoms) gave "
                         "~1×10<sup>−6</sup> S/cm</td></tr>\n"
                         "<tr><td class=\"l\">γ-Li<sub>3</sub>PO<sub>4</sub> crystal</td><td class=\"l\">σ(25 °C) ≈ "
                         "4×10<sup>−18</sup> S/cm, E<sub>a</sub> 1.24 eV</td><td class=\"l\">experiment</td></tr>\n"
                         "</table>\n");
        if (have_fit)
            aion_sb_printf(&h, "<p>Here E<sub>a</sub> = %.2f ± %.2f eV against ≈ 0.55 eV for amorphous Li<sub>3</sub>PO"
                               "<sub>4</sub> with a neural-network potential (a difference of %.1fσ of this run's "
                               "%s). The statistical error does not include the potential's own error, "
                               "the glass's dependence on the quench rate and size, or the assumption of one "
                               "activation energy from the MD temperatures down to %g K.</p>\n",
                           ar.Ea_eV, ar.Ea_err, fabs(ar.Ea_eV - 0.55) / ar.Ea_err,
                           multi ? "error, which includes the spread between its glasses" : "statistical error", Tr);
    }

    /* MSD plot (one per glass) */
    aion_sb_puts(&h, "<h2>Mean squared displacement</h2>\n");
    for (int g = 0; g < ng; g++) {
    const tdata *tdg = gr[g].td;
    char mtitle[128];
    if (multi) snprintf(mtitle, sizeof mtitle, "glass %d: tracer MSD of the mobile ion, fits dashed", g + 1);
    else snprintf(mtitle, sizeof mtitle, "tracer MSD of the mobile ion (production runs), fits dashed");
    pl = aion_plot_create(mtitle, "t (ps)", "MSD (Å²)");
    for (int k = 0; k < nt; k++) {
        double *t = NULL, *m = NULL;
        int n1 = array(item(tdg[k].tr, "msd.t_ps"), &t), n2 = array(item(tdg[k].tr, "msd.tracer_A2"), &m);
        char lab[64];
        snprintf(lab, sizeof lab, "%g K", tdg[k].T);
        if (n1 == n2 && n1 > 0) aion_plot_add(pl, lab, t, m, NULL, n1, AION_PLOT_LINE);
        free(t);
        free(m);
        double fx[2] = {tdg[k].t0 / 1000, tdg[k].t1 / 1000}, fy[2];
        for (int i = 0; i < 2; i++) fy[i] = tdg[k].ntr + 2.0 * tdg[k].dims * tdg[k].D * 1e4 * fx[i]; /* 1 cm²/s = 1e4 Å²/ps */
        aion_plot_add(pl, "", fx, fy, NULL, 2, AION_PLOT_LINE | AION_PLOT_DASHED | AION_PLOT_SAME_COLOR);
    }
    if (multi) add_svg(&h, pl, 520, 360); /* two per row */
    else add_svg(&h, pl, 640, 420);
    aion_plot_free(pl);
    pl = NULL;
    }

    /* Arrhenius plot */
    if (have_fit && multi) {
        /* every glass's points (offset a little in 1/T so that they do not hide each other) and
         * its own fit (dashed), the per-temperature means, the combined fit with its band */
        double Tmax = 0, Tmin = Tr, Tlo = INFINITY;
        for (int g = 0; g < ng; g++)
            for (int k = 0; k < gr[g].nf; k++) {
                Tmax = fmax(Tmax, gr[g].fT[k]);
                Tmin = fmin(Tmin, gr[g].fT[k]);
                Tlo = fmin(Tlo, gr[g].fT[k]);
            }
        double bx[NBAND], by[NBAND], be[NBAND], ly[NBAND];
        arrhenius_band(NULL, &cb->comb, Tmin, Tmax, bx, ly, by, be);
        char title[96];
        snprintf(title, sizeof title, "Arrhenius plot of the tracer diffusivity, %d glasses", ng);
        pl = aion_plot_create(title, "1000/T (1/K)", "D* (cm²/s)");
        aion_plot_set_log(pl, 0, 1);
        double dx = 0.012 * (1000.0 / Tlo - 1000.0 / Tmax);
        for (int g = 0; g < ng; g++) {
            double px[AION_PIPELINE_MAX_T];
            char lab[64];
            for (int k = 0; k < gr[g].nf; k++) px[k] = 1000.0 / gr[g].fT[k] + dx * (g - 0.5 * (ng - 1));
            snprintf(lab, sizeof lab, "glass %d (±1σ)", g + 1);
            aion_plot_add(pl, lab, px, gr[g].fD, gr[g].fE, gr[g].nf, AION_PLOT_POINTS);
            if (hg[g].have_fit) {
                double fx[2] = {1000.0 / Tmax, 1000.0 / Tlo}, fy[2];
                for (int i = 0; i < 2; i++) fy[i] = aion_arrhenius_predict(&hg[g].ar, 1000.0 / fx[i], NULL, NULL);
                aion_plot_add(pl, "", fx, fy, NULL, 2, AION_PLOT_LINE | AION_PLOT_DASHED | AION_PLOT_SAME_COLOR);
            }
        }
        {
            double mx[AION_PIPELINE_MAX_T], my[AION_PIPELINE_MAX_T], me[AION_PIPELINE_MAX_T];
            int nm = 0;
            for (int k = 0; k < nt; k++)
                if (cb->lnD[k].n > 0 && isfinite(cb->lnD[k].se)) {
                    mx[nm] = 1000.0 / td[k].T, my[nm] = tD[k], me[nm] = tDe[k];
                    nm++;
                }
            if (nm) aion_plot_add(pl, "mean of the glasses (±1σ)", mx, my, me, nm, AION_PLOT_POINTS);
        }
        aion_plot_add(pl, "combined fit", bx, ly, NULL, NBAND, AION_PLOT_LINE);
        aion_plot_add(pl, "1σ band (glass-to-glass)", bx, by, be, NBAND, AION_PLOT_BAND | AION_PLOT_SAME_COLOR);
        add_extrapolated(pl, Tr, D300, sd);
        aion_sb_puts(&h, "<h2>Arrhenius</h2>\n");
        add_svg(&h, pl, 640, 420 + 16 * (ng > 4 ? ng - 4 : 0));
        aion_plot_free(pl);
        pl = NULL;
        aion_sb_printf(&h, "<p>Combined: ln D* = ln D<sub>0</sub> − E<sub>a</sub>/(k<sub>B</sub>T) with the means over "
                           "%d glasses, ln D<sub>0</sub> = %.3f ± %.3f (D in cm²/s), E<sub>a</sub> = %.4f ± %.4f eV, "
                           "cov(ln D<sub>0</sub>, E<sub>a</sub>) = %.3g eV (between glasses). The band is ±1σ of the "
                           "mean ln D* over the glasses: the larger of the standard error from their spread and their "
                           "fits' own errors propagated to the mean. Dashed: each glass's own fit; the glasses' points "
                           "are shifted by up to ±%.3f in 1000/T to keep them apart.</p>\n",
                       cb->nfit, ar.lnA, ar.lnA_err, ar.Ea_eV, ar.Ea_err, ar.cov_lnA_Ea, 0.5 * (ng - 1) * dx);
    }
    if (have_fit && !multi) {
        double Tmax = fT[0];
        for (int k = 1; k < nf; k++) Tmax = fmax(Tmax, fT[k]);
        double Tmin = Tr;
        for (int k = 0; k < nf; k++) Tmin = fmin(Tmin, fT[k]);
        double bx[NBAND], by[NBAND], be[NBAND], ly[NBAND];
        arrhenius_band(&ar, NULL, Tmin, Tmax, bx, ly, by, be);
        double px[AION_PIPELINE_MAX_T];
        for (int k = 0; k < nf; k++) px[k] = 1000.0 / fT[k];
        pl = aion_plot_create("Arrhenius plot of the tracer diffusivity", "1000/T (1/K)", "D* (cm²/s)");
        aion_plot_set_log(pl, 0, 1);
        aion_plot_add(pl, "MD (±1σ)", px, fD, fE, nf, AION_PLOT_POINTS);
        aion_plot_add(pl, "fit", bx, ly, NULL, NBAND, AION_PLOT_LINE);
        aion_plot_add(pl, "1σ band (covariance)", bx, by, be, NBAND, AION_PLOT_BAND | AION_PLOT_SAME_COLOR);
        add_extrapolated(pl, Tr, D300, sd);
        aion_sb_puts(&h, "<h2>Arrhenius</h2>\n");
        add_svg(&h, pl, 640, 420);
        aion_plot_free(pl);
        pl = NULL;
        aion_sb_printf(&h, "<p>ln D* = ln D<sub>0</sub> − E<sub>a</sub>/(k<sub>B</sub>T): ln D<sub>0</sub> = %.3f ± %.3f "
                           "(D in cm²/s), E<sub>a</sub> = %.4f ± %.4f eV, cov(ln D<sub>0</sub>, E<sub>a</sub>) = %.3g eV, "
                           "χ²/dof = %.2f%s. The band is ±1σ of ln D from the full covariance.</p>\n",
                       ar.lnA, ar.lnA_err, ar.Ea_eV, ar.Ea_err, ar.cov_lnA_Ea, ar.chi2_dof,
                       chi_scaled ? " (covariance scaled by χ²/dof)" : "");
    }

    /* transport table */
    aion_sb_puts(&h, multi ? "<h2>Transport at each temperature</h2>\n<table><tr><th>glass</th><th>T (K)</th><th>⟨T⟩ (K)</th>"
                           : "<h2>Transport at each temperature</h2>\n<table><tr><th>T (K)</th><th>⟨T⟩ (K)</th>"
                     "<th>ρ (g/cm³)</th><th>D* (cm²/s)</th><th>95% interval</th><th>D<sub>σ</sub> (cm²/s)</th>"
                     "<th>H<sub>R</sub></th><th>σ charge MSD (S/cm)</th><th>σ<sub>NE</sub> (S/cm)</th>"
                     "<th>fit window (ps)</th><th>eff. hops</th><th>χ²/dof</th><th>framework max MSD (Å²)</th>"
                     "<th class=\"l\">warnings</th></tr>\n");
    for (int g = 0; g < ng; g++)
    for (int k = 0; k < nt; k++) {
        const tdata *d = &gr[g].td[k];
        if (multi) aion_sb_printf(&h, "<tr><td>%d</td>", g + 1);
        else aion_sb_puts(&h, "<tr>");
        aion_sb_printf(&h, "<td>%g</td><td>%.1f</td><td>%.3f</td><td>", d->T, num(d->md, "mean_temperature_K"),
                       num(d->md, "density_gcc"));
        pm(&h, d->D, d->De);
        aion_sb_puts(&h, "</td><td>");
        sci(&h, d->Dlo);
        aion_sb_puts(&h, " – ");
        sci(&h, d->Dhi);
        aion_sb_puts(&h, "</td><td>");
        pm(&h, d->Dc, d->Dce);
        aion_sb_puts(&h, "</td><td>");
        pm(&h, d->H, d->He);
        aion_sb_puts(&h, "</td><td>");
        pm(&h, d->sig, d->sige);
        aion_sb_puts(&h, "</td><td>");
        pm(&h, d->signe, d->signee);
        aion_sb_printf(&h, "</td><td>%.3g – %.3g</td><td>%.0f</td><td>%.2f</td><td>%.2f</td><td class=\"l\">",
                       d->t0 / 1000, d->t1 / 1000, d->hops, d->chi2, d->fw_msd);
        warnings_html(&h, item(d->tr, "tracer"));
        aion_sb_puts(&h, "</td></tr>\n");
    }
    aion_sb_printf(&h, "</table>\n<p>D* from the tracer MSD (all time origins) by generalised least squares with "
                       "the MSD covariance model of docs/analysis.md over %g–%g of each production run; errors 1σ. "
                       "D<sub>σ</sub> and the charge-MSD conductivity come from the collective displacement of all "
                       "%s ions, one walker: they are much noisier than D*. Drift: centre of mass of the framework "
                       "removed. Effective hops: N·MSD<sub>max</sub>/a² with a = %g Å (He et al. 2018 estimate the "
                       "relative error of D as 3.43/√N<sub>eff</sub> + 0.04). Framework: the largest MSD of %s over "
                       "the run; beyond ~3 Å² the network flows (a liquid, not the glass).</p>\n",
                   c->fit_start, c->fit_end, c->ion, c->hop_A, c->framework[0] ? c->framework : "(none)");

    /* structure */
    if (multi)
        aion_sb_printf(&h, "<h2>Glass structure (glass 1 of %d: %g K, final hold of its quench, %d frames)</h2>\n", ng,
                       c->t_final_K, (int)num(str, "results.frames"));
    else
        aion_sb_printf(&h, "<h2>Glass structure (%g K, final hold of the quench, %d frames)</h2>\n", c->t_final_K,
                       (int)num(str, "results.frames"));
    /* two panels: pairs with the mobile ion, and the rest (the network) */
    for (int panel = 0; panel < 2; panel++) {
        char title[96];
        snprintf(title, sizeof title, panel ? "partial RDFs of the network" : "partial RDFs with %s", c->ion);
        pl = aion_plot_create(title, "r (Å)", "g(r)");
        const cJSON *arr = item(str, "results.rdf"), *e;
        cJSON_ArrayForEach(e, arr)
        {
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "a"), *b = cJSON_GetObjectItemCaseSensitive(e, "b");
            if (!cJSON_IsString(a) || !cJSON_IsString(b) || !strcmp(a->valuestring, "all")) continue;
            int with_ion = !strcmp(a->valuestring, c->ion) || !strcmp(b->valuestring, c->ion);
            if (with_ion != !panel) continue;
            double *r = NULL, *g = NULL;
            int n1 = array(cJSON_GetObjectItemCaseSensitive(e, "r"), &r), n2 = array(cJSON_GetObjectItemCaseSensitive(e, "g"), &g);
            char lab[32];
            snprintf(lab, sizeof lab, "%s–%s", a->valuestring, b->valuestring);
            if (n1 == n2 && n1 > 0) aion_plot_add(pl, lab, r, g, NULL, n1, AION_PLOT_LINE);
            free(r);
            free(g);
        }
        add_svg(&h, pl, 520, 360);
        aion_plot_free(pl);
        pl = NULL;
    }
    pl = aion_plot_create("Qⁿ speciation of P (n = bridging O)", "n", "fraction");
    {
        double *qv = NULL, xs[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
        int n = array(item(str, "results.qn.fraction"), &qv);
        if (n > 5) n = 5;
        if (n > 0) aion_plot_add(pl, "", xs, qv, NULL, n, AION_PLOT_LINE | AION_PLOT_POINTS);
        free(qv);
    }
    add_svg(&h, pl, 400, 380);
    aion_plot_free(pl);
    pl = NULL;
    aion_sb_puts(&h, "<table><tr><th class=\"l\">pair</th><th>first peak (Å)</th><th>first minimum (Å)</th>"
                     "<th>coordination at the minimum</th></tr>\n");
    {
        const cJSON *arr = item(str, "results.rdf"), *e;
        cJSON_ArrayForEach(e, arr)
        {
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "a"), *b = cJSON_GetObjectItemCaseSensitive(e, "b");
            if (!cJSON_IsString(a) || !cJSON_IsString(b)) continue;
            aion_sb_printf(&h, "<tr><td class=\"l\">%s–%s</td><td>%.2f</td><td>%.2f</td><td>%.2f</td></tr>\n",
                           a->valuestring, b->valuestring, num(e, "first_peak_A"), num(e, "first_min_A"),
                           num(e, "cn_first_min"));
        }
    }
    aion_sb_puts(&h, "</table>\n<p>Qⁿ (P–O bonds within ");
    aion_sb_printf(&h, "%g Å): ", c->qn_cutoff_A);
    {
        const cJSON *qa = item(str, "results.qn.fraction"), *e;
        int k = 0;
        cJSON_ArrayForEach(e, qa)
        {
            if (k > 4) break;
            aion_sb_printf(&h, "%sQ<sup>%d</sup> %.3f", k ? ", " : "", k, cJSON_IsNumber(e) ? e->valuedouble : NAN);
            k++;
        }
    }
    aion_sb_printf(&h, "; mean P–O coordination %.3f; bridging O %.3f, non-bridging %.3f, free O %.3f; mean "
                       "P-cluster size %.2f.</p>\n",
                   num(str, "results.qn.mean_coordination"), num(str, "results.qn.o_bridging"),
                   num(str, "results.qn.o_nonbridging"), num(str, "results.qn.o_free"),
                   num(str, "results.qn.mean_fragment"));
    if (multi) {
        aion_sb_puts(&h, "<table><tr><th>glass</th><th>ρ (g/cm³)</th><th>Q<sup>0</sup></th><th>Q<sup>1</sup></th>"
                         "<th>Q<sup>2</sup></th><th>Q<sup>3</sup></th><th>Q<sup>4</sup></th><th>bridging O</th>"
                         "<th>non-bridging O</th><th>free O</th><th>mean P–O coordination</th></tr>\n");
        for (int g = 0; g < ng; g++) {
            aion_sb_printf(&h, "<tr><td>%d</td><td>%.3f</td>", g + 1, num(gr[g].q, "results.final_hold.density_gcc"));
            const cJSON *qa = item(gr[g].str, "results.qn.fraction");
            for (int k = 0; k < 5; k++) {
                const cJSON *e = cJSON_GetArrayItem(qa, k);
                aion_sb_printf(&h, "<td>%.3f</td>", cJSON_IsNumber(e) ? e->valuedouble : NAN);
            }
            aion_sb_printf(&h, "<td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td></tr>\n",
                           num(gr[g].str, "results.qn.o_bridging"), num(gr[g].str, "results.qn.o_nonbridging"),
                           num(gr[g].str, "results.qn.o_free"), num(gr[g].str, "results.qn.mean_coordination"));
        }
        aion_sb_puts(&h, "</table>\n");
    }
    /* density during the quench */
    {
        char path[3400];
        snprintf(path, sizeof path, "%s/stages/quench/thermo.csv", out);
        FILE *fp = fopen(path, "r");
        if (fp) {
            char line[1024];
            double *tx = NULL, *dy = NULL;
            long n = 0, cap = 0;
            while (fgets(line, sizeof line, fp)) {
                long stp;
                double t, T, a1, a2, a3, a4, P, V, rho;
                if (sscanf(line, "%ld,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &stp, &t, &T, &a1, &a2, &a3, &a4, &P, &V, &rho) != 10)
                    continue;
                if (n == cap) {
                    cap = cap ? 2 * cap : 1024;
                    double *nx = realloc(tx, sizeof(double) * (size_t)cap), *ny;
                    if (!nx) break;
                    tx = nx;
                    ny = realloc(dy, sizeof(double) * (size_t)cap);
                    if (!ny) break;
                    dy = ny;
                }
                tx[n] = T;
                dy[n] = rho;
                n++;
            }
            fclose(fp);
            if (n > 0) {
                pl = aion_plot_create(strcmp(c->quench_ensemble, "nvt") ? "melt-quench (NPT): density against the instantaneous temperature"
                                                                    : "melt-quench (NVT): density against the instantaneous temperature",
                                      "T (K)",
                                      "density (g/cm³)");
                aion_plot_add(pl, "", tx, dy, NULL, (int)n, AION_PLOT_POINTS);
                add_svg(&h, pl, 540, 340);
                aion_plot_free(pl);
                pl = NULL;
            }
            free(tx);
            free(dy);
        }
    }

    /* potential validation */
    aion_sb_puts(&h, "<h2>Potential</h2>\n<p><b>");
    html_esc(&h, c->potential);
    aion_sb_puts(&h, "</b> (Coulomb: ");
    html_esc(&h, c->coulomb);
    aion_sb_puts(&h, ")</p>\n<details><summary>self-description of the potential</summary><pre>");
    {
        const cJSON *d = item(q, "results.potential");
        html_esc(&h, cJSON_IsString(d) ? d->valuestring : "");
    }
    aion_sb_puts(&h, "</pre></details>\n");
    if (val) {
        aion_sb_puts(&h, "<h3>Validation errors (training report)</h3>\n<table><tr><th class=\"l\">set</th><th>configs</th>"
                         "<th>energy MAE (meV/atom)</th><th>energy RMSE (meV/atom)</th><th>force MAE (meV/Å)</th>"
                         "<th>force RMSE (meV/Å)</th><th>stress RMSE (GPa)</th></tr>\n");
        const cJSON *sets = item(val, "sets"), *e;
        cJSON_ArrayForEach(e, sets)
        {
            const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "all");
            if (!a) continue;
            aion_sb_puts(&h, "<tr><td class=\"l\">");
            html_esc(&h, e->string);
            aion_sb_printf(&h, "</td><td>%.0f</td><td>%.3g</td><td>%.3g</td><td>%.3g</td><td>%.3g</td><td>%.3g</td></tr>\n",
                           num(a, "n_configs"), num(a, "energy_mae_meV_atom"), num(a, "energy_rmse_meV_atom"),
                           num(a, "force_mae_meV_A"), num(a, "force_rmse_meV_A"), num(a, "stress_rmse_GPa"));
        }
        aion_sb_puts(&h, "</table>\n");
    } else {
        aion_sb_puts(&h, "<p>No training report for this potential (potential.validation_report): no validation "
                         "errors against quantum-mechanical reference data can be shown.</p>\n");
    }
    grade_html(&h, c, gr, ng);

    /* statistics and limits */
    char cellt[128];
    cell_text(out, vglass, cellt, sizeof cellt);
    if (multi)
        aion_sb_printf(&h, "<h2>Statistical limits</h2>\n<p>%d atoms (%g %s ions) in a %s; %d glasses "
                           "(melt-quenches of the same start structure with different seeds, %g K/ps cooling, %g ps at "
                           "%g K); %g ps of production per temperature and glass, frames every %g fs. The combined errors "
                           "(1σ) are standard errors of the mean over the glasses: they include the glass-to-glass "
                           "variation, but with few glasses that error is itself uncertain (relative uncertainty about "
                           "1/√(2(n−1)); hence the Student t interval of E<sub>a</sub>). The glasses share their start "
                           "structure and are independent only as far as the melt erases its memory. Not included: "
                           "finite-size effects, the quench-rate dependence of the glass, and the potential's error. The "
                           "extrapolation to %g K assumes one activation energy below the lowest MD temperature.</p>\n",
                       (int)num(q, "results.atoms"), nion, c->ion, cellt, ng, c->cool_rate_K_ps, c->melt_ps,
                       c->t_melt_K, c->prod_ps, c->frame_fs, Tr);
    else
    aion_sb_printf(&h, "<h2>Statistical limits</h2>\n<p>%d atoms (%g %s ions) in a %s; one glass "
                       "(one quench, %g K/ps cooling); %g ps of production per temperature, frames every %g fs. "
                       "Errors are statistical (1σ) for this glass and these runs: they do not include "
                       "glass-to-glass variation (another seed gives another glass), finite-size effects, the "
                       "quench-rate dependence of the glass, or the potential's error. The extrapolation to %g K "
                       "assumes one activation energy below the lowest MD temperature.</p>\n",
                   (int)num(q, "results.atoms"), nion, c->ion, cellt, c->cool_rate_K_ps, c->prod_ps, c->frame_fs,
                   Tr);

    /* provenance */
    aion_sb_puts(&h, "<h2>Provenance</h2>\n<table>");
    aion_sb_puts(&h, "<tr><td class=\"l\">program</td><td class=\"l\">aion " AION_VERSION " (commit " AION_GIT_COMMIT
                     "), flags " AION_CFLAGS "</td></tr>\n<tr><td class=\"l\">host</td><td class=\"l\">");
    html_esc(&h, host);
    aion_sb_printf(&h, "</td></tr>\n<tr><td class=\"l\">run</td><td class=\"l\">started %s, report %s, this session "
                       "%.1f s</td></tr>\n<tr><td class=\"l\">pipeline</td><td class=\"l\">",
                   started, finished, wall_s);
    html_esc(&h, c->source[0] ? c->source : "built-in default (examples/pipelines/default.yaml)");
    aion_sb_puts(&h, "</td></tr>\n<tr><td class=\"l\">threads</td><td class=\"l\">");
    if (c->threads > 0) aion_sb_printf(&h, "%d in all", c->threads);
    else aion_sb_puts(&h, "all (OpenMP default)");
    aion_sb_printf(&h, ", %d per production run; quench: ", c->threads_per_run);
    if (c->quench_threads > 0) aion_sb_printf(&h, "%d", c->quench_threads);
    else aion_sb_puts(&h, "all");
    aion_sb_puts(&h, "</td></tr>\n</table>\n");
    aion_sb_puts(&h, "<table><tr><th class=\"l\">stage</th><th class=\"l\">input hash</th><th>seed</th><th>wall (s)</th>"
                     "<th class=\"l\">this session</th></tr>\n");
    for (int k = 0; k < nst; k++)
        aion_sb_printf(&h, "<tr><td class=\"l\">%s</td><td class=\"l\"><code>%s</code></td><td>%llu</td><td>%.1f</td>"
                           "<td class=\"l\">%s</td></tr>\n",
                       stg[k].name, stg[k].hash, (unsigned long long)stg[k].seed, stg[k].seconds,
                       stg[k].reused ? "reused (finished earlier)" : stg[k].resumed ? "continued from a checkpoint" : "computed");
    aion_sb_puts(&h, "</table>\n<h3>Effective configuration</h3>\n<pre>");
    {
        char *y = aion_pipeline_config_yaml(c);
        html_esc(&h, y ? y : "");
        free(y);
    }
    aion_sb_puts(&h, "</pre>\n</body></html>\n");

    if (h.oom || js.oom || nb.oom) {
        st = aion_err_set(err, AION_ERR_NOMEM, "out of memory writing the report");
        goto done;
    }
    {
        char path[3400];
        snprintf(path, sizeof path, "%s/summary.json", out);
        if ((st = aion_pipe_write_atomic(path, js.s, js.len, err)) != AION_OK) goto done;
        snprintf(path, sizeof path, "%s/report.html", out);
        if ((st = aion_pipe_write_atomic(path, h.s, h.len, err)) != AION_OK) goto done;
    }
    if (notes && notes_cap) snprintf(notes, notes_cap, "%s", nb.s ? nb.s : "");
done:
    aion_plot_free(pl);
    cJSON_Delete(val);
    for (int g = 0; gr && g < ng; g++) glass_free(&gr[g]);
    free(gr);
    free(hg);
    free(cb);
    free(mr);
    aion_sb_free(&h);
    aion_sb_free(&js);
    aion_sb_free(&nb);
    return st;
}
