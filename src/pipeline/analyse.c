/*
 * Transport stage of a pipeline: one production trajectory through the
 * analysis module (src/analysis): tracer MSD of the mobile ion with all time
 * origins, D* by generalised least squares with the MSD covariance (Bullerjahn
 * et al. / kinisi-style model, docs/analysis.md), collective diffusivity D_σ,
 * Haven ratio, conductivity from the charge MSD and by Nernst–Einstein. The
 * results (numbers and a thinned MSD curve) go into the stage record as JSON.
 */
#include "pipeline.h"
#include "neighbor/nlist.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void diffusion_json(aion_strbuf *b, const aion_diffusion *d)
{
    aion_sb_puts(b, "{\"D_cm2_s\": ");
    aion_pipe_json_num(b, d->D);
    aion_sb_puts(b, ", \"D_err_cm2_s\": ");
    aion_pipe_json_num(b, d->D_err);
    aion_sb_puts(b, ", \"D_95_lo_cm2_s\": ");
    aion_pipe_json_num(b, d->D_lo);
    aion_sb_puts(b, ", \"D_95_hi_cm2_s\": ");
    aion_pipe_json_num(b, d->D_hi);
    aion_sb_puts(b, ", \"intercept_A2\": ");
    aion_pipe_json_num(b, d->intercept_A2);
    aion_sb_puts(b, ", \"fit_start_fs\": ");
    aion_pipe_json_num(b, d->t_start_fs);
    aion_sb_puts(b, ", \"fit_end_fs\": ");
    aion_pipe_json_num(b, d->t_end_fs);
    aion_sb_puts(b, ", \"chi2_dof\": ");
    aion_pipe_json_num(b, d->chi2_dof);
    aion_sb_puts(b, ", \"msd_max_A2\": ");
    aion_pipe_json_num(b, d->msd_max_A2);
    aion_sb_puts(b, ", \"n_hops_eff\": ");
    aion_pipe_json_num(b, d->n_hops_eff);
    aion_sb_puts(b, ", \"rsd_he2018\": ");
    aion_pipe_json_num(b, d->rsd_he2018);
    aion_sb_printf(b, ", \"n_dims\": %d, \"warnings\": [", d->n_dims);
    const char *w[5] = {"fewer than 100 effective hops", "relative error above 30%", "D not significantly above zero",
                        "chi2/dof > 3: MSD not linear in the window", "fewer than 10 lags in the window"};
    int first = 1;
    for (int k = 0; k < 5; k++)
        if (d->warnings & (1u << k)) {
            aion_sb_printf(b, "%s\"%s\"", first ? "" : ", ", w[k]);
            first = 0;
        }
    aion_sb_puts(b, "]}");
}

aion_status aion_pipe_transport(const aion_pipeline_config *c, const char *traj, double T, long first_frame,
                                double dt_fs, int nthreads, aion_strbuf *res, aion_error *err)
{
    aion_reader *rd = NULL;
    aion_transport *tr = NULL;
    aion_transport_opts o;
    aion_fit_opts fo;
    aion_group_transport gt;
    aion_conductivity cd;
    aion_msd_result m;
    aion_status st;
    int zs[2] = {aion_element_z(c->ion), c->framework[0] ? aion_element_z(c->framework) : 0}, zion = zs[0];
    int ngroups = zs[1] ? 2 : 1;
    double q[2] = {c->ion_charge, 0}; /* the framework group carries no charge in the conductivity */
    if ((st = aion_reader_open(&rd, traj, NULL, err)) != AION_OK) return st;
    aion_transport_opts_init(&o);
    o.species_z = zs;
    o.n_species = ngroups;
    o.charge = q;
    o.drift = AION_DRIFT_FRAMEWORK;
    o.first_frame = first_frame;
    o.dt_fs = dt_fs;
    o.temperature_K = T;
    o.nthreads = nthreads;
    if ((st = aion_transport_create(&tr, &o, err)) != AION_OK) goto done;
    if ((st = aion_transport_read(tr, rd)) != AION_OK || (st = aion_transport_finish(tr)) != AION_OK) {
        aion_err_set(err, st, "%s: %s", traj, aion_transport_errmsg(tr));
        goto done;
    }
    aion_fit_opts_init(&fo);
    fo.start_frac = c->fit_start;
    fo.end_frac = c->fit_end;
    fo.hop_length_A = c->hop_A;
    if ((st = aion_transport_msd(tr, 0, &m)) != AION_OK || (st = aion_transport_diffusion(tr, 0, &fo, &gt)) != AION_OK ||
        (st = aion_transport_conductivity(tr, &fo, &cd)) != AION_OK) {
        aion_err_set(err, st, "%s: %s", traj, aion_transport_errmsg(tr));
        goto done;
    }
    aion_sb_puts(res, "{\"temperature_K\": ");
    aion_pipe_json_num(res, T);
    aion_sb_printf(res, ", \"frames\": %ld, \"dt_fs\": ", aion_transport_nframes(tr));
    aion_pipe_json_num(res, m.dt_fs);
    aion_sb_printf(res, ", \"ion\": \"%s\", \"n_ions\": %d, \"volume_A3\": ", aion_element_symbol(zion), m.n_atoms);
    aion_pipe_json_num(res, aion_transport_volume(tr));
    aion_sb_puts(res, ",\n\"tracer\": ");
    diffusion_json(res, &gt.tracer);
    aion_sb_puts(res, ",\n\"collective\": ");
    diffusion_json(res, &gt.collective);
    aion_sb_puts(res, ",\n\"haven\": ");
    aion_pipe_json_num(res, gt.haven);
    aion_sb_puts(res, ", \"haven_err\": ");
    aion_pipe_json_num(res, gt.haven_err);
    aion_sb_puts(res, ",\n\"conductivity\": {\"sigma_S_cm\": ");
    aion_pipe_json_num(res, cd.sigma);
    aion_sb_puts(res, ", \"sigma_err_S_cm\": ");
    aion_pipe_json_num(res, cd.sigma_err);
    aion_sb_puts(res, ", \"sigma_ne_S_cm\": ");
    aion_pipe_json_num(res, cd.sigma_ne);
    aion_sb_puts(res, ", \"sigma_ne_err_S_cm\": ");
    aion_pipe_json_num(res, cd.sigma_ne_err);
    aion_sb_puts(res, ", \"haven\": ");
    aion_pipe_json_num(res, cd.haven);
    aion_sb_puts(res, ", \"haven_err\": ");
    aion_pipe_json_num(res, cd.haven_err);
    aion_sb_puts(res, "},\n\"msd\": {\"t_ps\": [");
    /* thinned curves: at most ~300 points */
    long step = m.n > 300 ? (m.n + 299) / 300 : 1;
    for (long k = 0; k < m.n; k += step) aion_sb_printf(res, "%s%.6g", k ? "," : "", k * m.dt_fs / 1000.0);
    aion_sb_puts(res, "], \"tracer_A2\": [");
    for (long k = 0; k < m.n; k += step) aion_sb_printf(res, "%s%.6g", k ? "," : "", m.msd[k]);
    aion_sb_puts(res, "], \"collective_A2\": [");
    for (long k = 0; k < m.n; k += step) aion_sb_printf(res, "%s%.6g", k ? "," : "", m.coll[k]);
    aion_sb_puts(res, "]}");
    if (ngroups == 2) {
        /* framework former: does the network flow at this temperature? */
        aion_group_transport gf;
        aion_msd_result mf;
        if ((st = aion_transport_msd(tr, 1, &mf)) != AION_OK || (st = aion_transport_diffusion(tr, 1, &fo, &gf)) != AION_OK) {
            aion_err_set(err, st, "%s: %s", traj, aion_transport_errmsg(tr));
            goto done;
        }
        double mmax = 0;
        for (long k = 0; k < mf.n; k++) mmax = fmax(mmax, mf.msd[k]);
        aion_sb_printf(res, ",\n\"framework\": {\"species\": \"%s\", \"D_cm2_s\": ", aion_element_symbol(zs[1]));
        aion_pipe_json_num(res, gf.tracer.D);
        aion_sb_puts(res, ", \"D_err_cm2_s\": ");
        aion_pipe_json_num(res, gf.tracer.D_err);
        aion_sb_puts(res, ", \"msd_max_A2\": ");
        aion_pipe_json_num(res, mmax);
        aion_sb_puts(res, "}");
    }
    aion_sb_puts(res, ", \"ngp_max\": ");
    double ngp = NAN;
    for (int k = 0; k < m.n_ngp; k++)
        if (isfinite(m.ngp[k]) && (!isfinite(ngp) || m.ngp[k] > ngp)) ngp = m.ngp[k];
    aion_pipe_json_num(res, ngp);
    aion_sb_puts(res, "}");
    if (res->oom) st = aion_err_set(err, AION_ERR_NOMEM, "out of memory");
done:
    aion_transport_free(tr);
    aion_reader_close(rd);
    return st;
}

/* Shortest pair of frame f closer than the list's cut-off (all periodic images,
 * any cell size): the smallest entry of the species-pair table, its atoms in
 * *ia, *ib (-1 and INFINITY when there is none). */
static aion_status shortest_pair(aion_nlist *nl, const aion_frame *f, const int *species_z, int ns, double *dm, int *pa,
                                 int *pb, double *dmin, int *ia, int *ib, aion_error *err)
{
    aion_status st = aion_nlist_closest_pairs(nl, f, species_z, ns, dm, pa, pb, err);
    *dmin = INFINITY;
    *ia = *ib = -1;
    if (st != AION_OK) return st;
    for (int k = 0; k < ns * ns; k++)
        if (dm[k] < *dmin) *dmin = dm[k], *ia = pa[k], *ib = pb[k];
    return AION_OK;
}

aion_status aion_pipe_grade(aion_mtp_grade *g, const char *traj, long first_frame, double frame_fs, double min_dist,
                            double pair_cutoff, const int *species_z, int ns, aion_strbuf *res, aion_error *err)
{
    double dm[AION_PIPE_MAX_SPECIES * AION_PIPE_MAX_SPECIES];
    int pa[AION_PIPE_MAX_SPECIES * AION_PIPE_MAX_SPECIES], pb[AION_PIPE_MAX_SPECIES * AION_PIPE_MAX_SPECIES];
    aion_nlist *nl = NULL;
    long below = 0;
    double dmin = INFINITY;
    int dz[2] = {0, 0};
    aion_reader *rd = NULL;
    aion_frame f;
    aion_status st;
    long idx = 0, n = 0, above2 = 0, above10 = 0, worst_frame = -1;
    double sum = 0, worst = -1;
    int worst_z = 0;
    aion_frame_init(&f);
    if (min_dist > 0 && (ns < 1 || ns > AION_PIPE_MAX_SPECIES))
        return aion_err_set(err, AION_ERR_INVALID, "grade: %d species (1 to %d)", ns, AION_PIPE_MAX_SPECIES);
    if (min_dist > 0) {
        aion_nlist_opts no = {.cutoff = fmax(pair_cutoff, min_dist), .skin = 0.0, .full = 0};
        if ((st = aion_nlist_create(&nl, &no, err)) != AION_OK) return st;
        aion_nlist_set_threads(nl, 1);
    }
    if ((st = aion_reader_open(&rd, traj, NULL, err)) != AION_OK) goto done;
    while ((st = aion_reader_next(rd, &f)) == AION_OK) {
        if (idx++ < first_frame) continue;
        double gm;
        int wa = -1;
        if ((st = aion_mtp_grade_compute(g, &f, &gm, NULL, &wa)) != AION_OK) {
            aion_err_set(err, st, "%s, frame %ld: extrapolation grade: %s", traj, idx - 1, aion_mtp_grade_errmsg(g));
            goto done;
        }
        n++;
        sum += gm;
        if (min_dist > 0) {
            int a, b;
            double d;
            if ((st = shortest_pair(nl, &f, species_z, ns, dm, pa, pb, &d, &a, &b, err)) != AION_OK) {
                char m[sizeof err->msg];
                snprintf(m, sizeof m, "%s", err->msg);
                aion_err_set(err, st, "%s, frame %ld: %s", traj, idx - 1, m);
                goto done;
            }
            below += d < min_dist;
            if (a >= 0 && d < dmin) {
                dmin = d;
                dz[0] = f.z[a] < f.z[b] ? f.z[a] : f.z[b];
                dz[1] = f.z[a] < f.z[b] ? f.z[b] : f.z[a];
            }
        }
        above2 += gm > 2;
        above10 += gm > 10;
        if (gm > worst) {
            worst = gm;
            worst_frame = idx - 1;
            worst_z = wa >= 0 && wa < f.n ? f.z[wa] : 0;
        }
    }
    if (st != AION_EOF) {
        aion_err_set(err, st, "%s: %s", traj, aion_reader_errmsg(rd));
        goto done;
    }
    st = AION_OK;
    aion_sb_printf(res, "{\"frames\": %ld, \"max\": ", n);
    aion_pipe_json_num(res, n ? worst : NAN);
    aion_sb_puts(res, ", \"mean\": ");
    aion_pipe_json_num(res, n ? sum / (double)n : NAN);
    aion_sb_printf(res, ", \"frames_above_2\": %ld, \"frames_above_10\": %ld, \"max_frame\": %ld, \"max_time_ps\": ", above2,
                   above10, worst_frame);
    aion_pipe_json_num(res, n ? (double)worst_frame * frame_fs / 1000.0 : NAN);
    aion_sb_puts(res, ", \"max_element\": ");
    aion_pipe_json_str(res, worst_z ? aion_element_symbol(worst_z) : "");
    if (min_dist > 0) {
        char pair[16] = "";
        if (dz[0]) snprintf(pair, sizeof pair, "%s-%s", aion_element_symbol(dz[0]), aion_element_symbol(dz[1]));
        aion_sb_puts(res, ", \"min_dist_A\": ");
        aion_pipe_json_num(res, min_dist);
        aion_sb_printf(res, ", \"frames_below_min_dist\": %ld, \"shortest_pair_A\": ", below);
        aion_pipe_json_num(res, n && isfinite(dmin) ? dmin : NAN);
        aion_sb_puts(res, ", \"shortest_pair\": ");
        aion_pipe_json_str(res, pair);
    }
    aion_sb_puts(res, "}");
done:
    aion_nlist_free(nl);
    aion_reader_close(rd);
    aion_frame_free(&f);
    return st;
}
